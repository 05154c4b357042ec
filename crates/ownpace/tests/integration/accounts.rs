//! Accounts (issue 11, point 7), against the real server on both engines: changing one's
//! own password under the NIST SP 800-63B rules, an admin's forced reset, the idle
//! timeout beside the absolute one, the session list with "sign out everywhere", and
//! expired sessions deleted.

use crate::support::{TestApp, client, csrf_in, login_api, login_page, spawn_app, spawn_app_with};
use ownpace::demo::DEMO_PASSWORD;
use ownpace_storage::Backend;
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_engines!(
    people_change_their_own_password_under_the_rules,
    an_admin_forces_a_reset,
    idle_sessions_end_and_the_housekeeping_deletes_them,
    sign_out_everywhere_ends_every_session,
    staff_sign_in_with_a_second_factor,
    admins_enrol_when_the_school_requires_it,
);

async fn get(app: &TestApp, http: &reqwest::Client, path: &str) -> (StatusCode, String, String) {
    let response = http
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, location, response.text().await.unwrap())
}

async fn post(
    app: &TestApp,
    http: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let response = http
        .post(format!("{}{path}", app.base))
        .form(fields)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

/// Signs in through the form with any password; returns the status.
async fn sign_in(app: &TestApp, http: &reqwest::Client, username: &str, password: &str) -> u16 {
    let (_, _, form) = get(app, http, "/login").await;
    let token = csrf_in(&form).expect("the login form's token");
    let fields = [
        ("_csrf", token.as_str()),
        ("username", username),
        ("password", password),
    ];
    post(app, http, "/login", &fields).await.0.as_u16()
}

async fn api_me(app: &TestApp, token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{}/api/v1/me", app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn people_change_their_own_password_under_the_rules(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    let (here, elsewhere) = (client(), client());
    let csrf = login_page(&app, &here, "ana").await;
    login_page(&app, &elsewhere, "ana").await;
    let token = login_api(&app, "ana").await;
    let (status, _, page) = get(&app, &here, "/account").await;
    assert_eq!(status, 200);
    assert_eq!(
        page.matches("<tr><td>").count(),
        3,
        "two browsers and the API client"
    );
    assert!(page.contains("(this one)") && page.contains("an API client"));

    let change = |current: &'static str, new: &'static str, confirm: &'static str| {
        let here = here.clone();
        let csrf = csrf.clone();
        let url = format!("{}/account/password", app.base);
        async move {
            let response = here
                .post(url)
                .form(&[
                    ("_csrf", csrf.as_str()),
                    ("current", current),
                    ("new", new),
                    ("confirm", confirm),
                ])
                .send()
                .await
                .unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    let good = "maple river lantern 42";
    for (current, new, confirm, why) in [
        (
            "not my password",
            good,
            good,
            "current password is not right",
        ),
        (
            DEMO_PASSWORD,
            "short one",
            "short one",
            "at least 12 characters",
        ),
        (
            DEMO_PASSWORD,
            "1qaz2wsx3edc",
            "1qaz2wsx3edc",
            "common passwords",
        ),
        (
            DEMO_PASSWORD,
            "ana-and-her-cat",
            "ana-and-her-cat",
            "must not contain the username",
        ),
        (
            DEMO_PASSWORD,
            good,
            "maple river lantern 43",
            "confirmation differ",
        ),
    ] {
        let (status, page) = change(current, new, confirm).await;
        assert_eq!(status, 422, "{why}");
        assert!(page.contains(why), "{why}: {page}");
    }
    assert_eq!(
        sign_in(&app, &client(), "ana", DEMO_PASSWORD).await,
        303,
        "unchanged so far"
    );

    let (status, page) = change(DEMO_PASSWORD, good, good).await;
    assert_eq!(status, 200);
    assert!(page.contains("Your password was changed"));
    // This session goes on; every other one ended.
    assert_eq!(get(&app, &here, "/account").await.0, 200);
    let (status, location, _) = get(&app, &elsewhere, "/learn").await;
    assert_eq!(
        (status.as_u16(), location.starts_with("/login")),
        (303, true)
    );
    assert_eq!(api_me(&app, &token).await, 401);
    assert_eq!(sign_in(&app, &client(), "ana", DEMO_PASSWORD).await, 401);
    assert_eq!(sign_in(&app, &client(), "ana", good).await, 303);
}

async fn an_admin_forces_a_reset(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    let ana = client();
    login_page(&app, &ana, "ana").await;
    let admin = client();
    let csrf = login_page(&app, &admin, "admin").await;
    let reset = |password: &'static str| {
        let admin = admin.clone();
        let csrf = csrf.clone();
        let url = format!("{}/admin/password-reset", app.base);
        async move {
            let response = admin
                .post(url)
                .form(&[
                    ("_csrf", csrf.as_str()),
                    ("username", "ana"),
                    ("password", password),
                ])
                .send()
                .await
                .unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    let (status, page) = reset("password").await;
    assert_eq!(status, 422, "the rules apply to a temporary password too");
    assert!(page.contains("Not done"));
    let temporary = "temporary lighthouse 7";
    let (status, page) = reset(temporary).await;
    assert_eq!(status, 200);
    assert!(page.contains("was reset"), "{page}");

    // Her sessions ended; with the temporary password she can only choose a new one.
    let (status, location, _) = get(&app, &ana, "/learn").await;
    assert_eq!(
        (status.as_u16(), location.starts_with("/login")),
        (303, true)
    );
    let ana = client();
    assert_eq!(sign_in(&app, &ana, "ana", temporary).await, 303);
    let (status, location, _) = get(&app, &ana, "/learn").await;
    assert_eq!((status.as_u16(), location.as_str()), (303, "/account"));
    let (status, _, page) = get(&app, &ana, "/account").await;
    assert_eq!(status, 200);
    assert!(page.contains("An administrator reset your password"));
    let token = reqwest::Client::new()
        .post(format!("{}/api/v1/login", app.base))
        .json(&json!({ "username": "ana", "password": temporary }))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let me = reqwest::Client::new()
        .get(format!("{}/api/v1/me", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 403);
    let body: Value = me.json().await.unwrap();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("password was reset")
    );

    let csrf = csrf_in(&page).unwrap();
    let chosen = "my own new passphrase";
    let fields = [
        ("_csrf", csrf.as_str()),
        ("current", temporary),
        ("new", chosen),
        ("confirm", chosen),
    ];
    assert_eq!(post(&app, &ana, "/account/password", &fields).await.0, 200);
    let (status, location, _) = get(&app, &ana, "/learn").await;
    assert!(
        status == 200 || (status == 303 && location.starts_with("/learn/")),
        "free to go on: {status} {location}"
    );
}

async fn idle_sessions_end_and_the_housekeeping_deletes_them(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    let http = client();
    login_page(&app, &http, "teacher").await;
    // Used every 59 minutes, a session lives on (up to its 12 hours)…
    for _ in 0..3 {
        app.advance_ms(59 * 60_000);
        assert_eq!(get(&app, &http, "/classes").await.0, 200);
    }
    // …unused for an hour, it ends.
    app.advance_ms(61 * 60_000);
    let (status, location, _) = get(&app, &http, "/classes").await;
    assert_eq!(
        (status.as_u16(), location.starts_with("/login")),
        (303, true)
    );
    let teacher = crate::support::user_id(&app, "teacher").await;
    assert_eq!(
        app.store.sessions_of(teacher.as_str()).await.unwrap().len(),
        1
    );
    let state = app.state(ownpace_web::Config::default());
    let (deleted, _) = ownpace_web::housekeeping(&state).await.unwrap();
    assert!(deleted >= 1);
    assert!(
        app.store
            .sessions_of(teacher.as_str())
            .await
            .unwrap()
            .is_empty()
    );
}

async fn sign_out_everywhere_ends_every_session(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    let (here, elsewhere) = (client(), client());
    let csrf = login_page(&app, &here, "guardian").await;
    login_page(&app, &elsewhere, "guardian").await;
    let token = login_api(&app, "guardian").await;
    let response = here
        .post(format!("{}/account/sessions/logout", app.base))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/login");
    for http in [&here, &elsewhere] {
        let (status, location, _) = get(&app, http, "/family").await;
        assert_eq!(
            (status.as_u16(), location.starts_with("/login")),
            (303, true)
        );
    }
    assert_eq!(api_me(&app, &token).await, 401);
    let guardian = crate::support::user_id(&app, "guardian").await;
    assert!(
        app.store
            .sessions_of(guardian.as_str())
            .await
            .unwrap()
            .is_empty()
    );
}

/// The value of a hidden field (or the text of an element with `id`) in a page.
fn field(html: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    html[at..].split('"').next().unwrap().to_string()
}

/// Turns on two-factor sign-in for the signed-in browser; returns (secret, recovery codes).
async fn enrol(app: &TestApp, http: &reqwest::Client) -> (String, Vec<String>) {
    let (status, _, page) = get(app, http, "/account/two-factor").await;
    assert_eq!(status, 200);
    let csrf = csrf_in(&page).unwrap();
    let (status, _) = post(app, http, "/account/two-factor/start", &[("_csrf", &csrf)]).await;
    assert_eq!(status, 303);
    let (_, _, page) = get(app, http, "/account/two-factor").await;
    let at = page.find(r#"id="tf-key">"#).expect("the key is shown") + r#"id="tf-key">"#.len();
    let secret: String = page[at..]
        .split('<')
        .next()
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let now = app.state(ownpace_web::Config::default()).now();
    let right = ownpace_web::two_factor_code_at(&secret, now).unwrap();
    let wrong = format!("{:06}", (right.parse::<u32>().unwrap() + 1) % 1_000_000);
    let (status, page) = post(
        app,
        http,
        "/account/two-factor/confirm",
        &[("_csrf", &csrf), ("code", &wrong)],
    )
    .await;
    assert_eq!(status, 422, "{page}");
    let (status, page) = post(
        app,
        http,
        "/account/two-factor/confirm",
        &[("_csrf", &csrf), ("code", &right)],
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("Two-factor sign-in is on"));
    let codes: Vec<String> = page
        .split("<li><code>")
        .skip(1)
        .map(|rest| rest.split('<').next().unwrap().to_string())
        .collect();
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

/// Password, then (when asked) the second step with `code`: (status, Location).
async fn sign_in_with_code(
    app: &TestApp,
    http: &reqwest::Client,
    username: &str,
    code: &str,
) -> (u16, String) {
    let (_, _, form) = get(app, http, "/login").await;
    let token = csrf_in(&form).unwrap();
    let fields = [
        ("_csrf", token.as_str()),
        ("username", username),
        ("password", DEMO_PASSWORD),
    ];
    let (status, page) = post(app, http, "/login", &fields).await;
    assert_eq!(status, 200, "the password step asks for the code");
    assert!(page.contains("second step"));
    let pending = field(&page, "pending");
    let response = http
        .post(format!("{}/login/second-factor", app.base))
        .form(&[
            ("_csrf", token.as_str()),
            ("pending", &pending),
            ("code", code),
        ])
        .send()
        .await
        .unwrap();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (response.status().as_u16(), location)
}

async fn staff_sign_in_with_a_second_factor(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    let first = client();
    login_page(&app, &first, "teacher").await;
    let (secret, codes) = enrol(&app, &first).await;
    let code_now = || {
        let now = app.state(ownpace_web::Config::default()).now();
        ownpace_web::two_factor_code_at(&secret, now).unwrap()
    };

    // The code used to confirm cannot be used again; the next step's can, once.
    let (status, _) = sign_in_with_code(&app, &client(), "teacher", &code_now()).await;
    assert_eq!(status, 401, "a code is accepted once");
    app.advance_ms(30_000);
    let code = code_now();
    let browser = client();
    let (status, location) = sign_in_with_code(&app, &browser, "teacher", &code).await;
    assert_eq!((status, location.as_str()), (303, "/classes"));
    assert_eq!(get(&app, &browser, "/classes").await.0, 200);
    let (status, _) = sign_in_with_code(&app, &client(), "teacher", &code).await;
    assert_eq!(status, 401, "replayed in another browser");
    // A recovery code, typed loosely, works once.
    let loose = codes[0].to_uppercase().replace('-', " ");
    let (status, _) = sign_in_with_code(&app, &client(), "teacher", &loose).await;
    assert_eq!(status, 303);
    let (status, _) = sign_in_with_code(&app, &client(), "teacher", &codes[0]).await;
    assert_eq!(status, 401);

    // Without the second step there is no session.
    let half = client();
    let (_, _, form) = get(&app, &half, "/login").await;
    let token = csrf_in(&form).unwrap();
    let fields = [
        ("_csrf", token.as_str()),
        ("username", "teacher"),
        ("password", DEMO_PASSWORD),
    ];
    assert_eq!(post(&app, &half, "/login", &fields).await.0, 200);
    let (status, location, _) = get(&app, &half, "/classes").await;
    assert_eq!(
        (status.as_u16(), location.starts_with("/login")),
        (303, true)
    );

    // The API asks for it too.
    let login = |second: Option<String>| {
        let mut body = json!({ "username": "teacher", "password": DEMO_PASSWORD });
        if let Some(code) = second {
            body["second_factor"] = json!(code);
        }
        reqwest::Client::new()
            .post(format!("{}/api/v1/login", app.base))
            .json(&body)
            .send()
    };
    let refused = login(None).await.unwrap();
    assert_eq!(refused.status(), 401);
    let body: Value = refused.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("second factor"),
        "{body}"
    );
    app.advance_ms(30_000);
    assert_eq!(login(Some(code_now())).await.unwrap().status(), 200);

    // Students have no two-factor set-up; turning it off needs the password.
    let student = client();
    login_page(&app, &student, "ana").await;
    assert_eq!(get(&app, &student, "/account/two-factor").await.0, 403);
    let (_, _, page) = get(&app, &first, "/account/two-factor").await;
    assert!(page.contains("Recovery codes left: 9"), "{page}");
    let csrf = csrf_in(&page).unwrap();
    let off = [("_csrf", csrf.as_str()), ("password", "not it")];
    assert_eq!(
        post(&app, &first, "/account/two-factor/disable", &off)
            .await
            .0,
        422
    );
    let off = [("_csrf", csrf.as_str()), ("password", DEMO_PASSWORD)];
    assert_eq!(
        post(&app, &first, "/account/two-factor/disable", &off)
            .await
            .0,
        200
    );
    assert_eq!(
        sign_in(&app, &client(), "teacher", DEMO_PASSWORD).await,
        303
    );
}

async fn admins_enrol_when_the_school_requires_it(backend: Backend) {
    let config = ownpace_web::Config {
        admins_need_two_factor: true,
        ..ownpace_web::Config::default()
    };
    let app = spawn_app_with(backend, 2, config).await;
    let admin = client();
    assert_eq!(sign_in(&app, &admin, "admin", DEMO_PASSWORD).await, 303);
    let (status, location, _) = get(&app, &admin, "/admin").await;
    assert_eq!(
        (status.as_u16(), location.as_str()),
        (303, "/account/two-factor")
    );
    let token = login_api(&app, "admin").await;
    assert_eq!(api_me(&app, &token).await, 403);
    // Teachers are not held up by the admins' rule.
    let teacher = client();
    login_page(&app, &teacher, "teacher").await;
    assert_eq!(get(&app, &teacher, "/classes").await.0, 200);
    enrol(&app, &admin).await;
    assert_eq!(get(&app, &admin, "/admin").await.0, 200);
}

/// `ownpace users add` and `users passwd` apply the same rules as the pages.
#[test]
fn the_command_line_applies_the_password_rules() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("temp dir");
    let run = |args: &[&str], password: &str| {
        let mut child = crate::support::ownpace_command()
            .args(args)
            .env("OWNPACE_DATA_DIR", dir.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run ownpace");
        writeln!(child.stdin.take().expect("stdin"), "{password}").expect("write the password");
        child.wait_with_output().expect("ownpace ends")
    };
    let add = [
        "users",
        "add",
        "rivera",
        "--name",
        "Ms. Rivera",
        "--role",
        "teacher",
    ];
    for (weak, why) in [
        ("short pass", "at least 12 characters"),
        ("1qaz2wsx3edc", "common passwords"),
        ("rivera-rivera-rivera", "must not contain the username"),
    ] {
        let output = run(&add, weak);
        assert!(!output.status.success(), "{weak} is refused");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(why), "{weak}: {stderr}");
    }
    assert!(run(&add, "quiet harbour morning").status.success());
    let reset = ["users", "passwd", "rivera"];
    let output = run(&reset, "password");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("at least 12"));
    assert!(run(&reset, "another quiet harbour").status.success());
}
