//! Accounts (issue 11, point 7), against the real server on both engines: changing one's
//! own password under the NIST SP 800-63B rules, an admin's forced reset, the idle
//! timeout beside the absolute one, the session list with "sign out everywhere", and
//! expired sessions deleted.

use crate::support::{TestApp, client, csrf_in, login_api, login_page, spawn_app};
use ownpace::demo::DEMO_PASSWORD;
use ownpace_storage::Backend;
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_engines!(
    people_change_their_own_password_under_the_rules,
    an_admin_forces_a_reset,
    idle_sessions_end_and_the_housekeeping_deletes_them,
    sign_out_everywhere_ends_every_session,
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
    assert_eq!(app.store.sessions_of(&teacher).await.unwrap().len(), 1);
    let state = app.state(ownpace_web::Config::default());
    let (deleted, _) = ownpace_web::housekeeping(&state).await.unwrap();
    assert!(deleted >= 1);
    assert!(app.store.sessions_of(&teacher).await.unwrap().is_empty());
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
    assert!(app.store.sessions_of(&guardian).await.unwrap().is_empty());
}
