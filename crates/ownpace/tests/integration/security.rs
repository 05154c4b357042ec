//! What an outside test broke (issue 11, point 8), each against the real server on both
//! engines: the login throttle (atomic, per address and per account, delays rather than
//! lock-outs, `X-Forwarded-For` only from a trusted proxy, nothing typed is stored), the
//! `next=` redirect, idempotency keys, durations, headers and JSON errors, the signed
//! login-form token and what guardians see.

use crate::support::{
    TestApp, as_field, as_json, client, csrf_in, login_api, login_page, right_answer, spawn_app,
    spawn_app_with, user_id, wrong_answer,
};
use ownpace::demo::DEMO_PASSWORD;
use ownpace_core::course::{AnswerSpec, Item};
use ownpace_storage::{Backend, CourseVersion};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_engines!(
    oversized_usernames_store_nothing_and_spent_counters_are_pruned,
    concurrent_wrong_logins_get_no_more_checks_than_the_limit,
    a_stranger_cannot_lock_the_owner_out,
    the_address_limit_allows_a_school_and_trusts_only_its_proxy,
    next_follows_only_local_paths,
    idempotency_keys_are_limited_and_tied_to_their_item,
    durations_are_measured_on_the_server,
    headers_and_api_errors,
    the_login_form_token_is_signed,
    guardians_see_progress_not_answers,
);

/// An API sign-in attempt: (status, Retry-After, body).
async fn api_login(
    app: &TestApp,
    username: &str,
    password: &str,
    forwarded_for: Option<&str>,
) -> (StatusCode, Option<String>, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}/api/v1/login", app.base))
        .json(&json!({ "username": username, "password": password }));
    if let Some(address) = forwarded_for {
        request = request.header("x-forwarded-for", address);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let retry = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    (status, retry, response.json().await.unwrap_or(Value::Null))
}

/// The login page's signed form token (a fresh browser gets one with its cookie).
async fn login_form_token(app: &TestApp, http: &reqwest::Client) -> String {
    let page = http
        .get(format!("{}/login", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    csrf_in(&page).expect("the login form's token")
}

/// Signs in through the login form with `next`; returns (status, Location).
async fn page_login(
    app: &TestApp,
    http: &reqwest::Client,
    username: &str,
    password: &str,
    next: &str,
) -> (StatusCode, String) {
    let token = login_form_token(app, http).await;
    let response = http
        .post(format!("{}/login", app.base))
        .form(&[
            ("_csrf", token.as_str()),
            ("username", username),
            ("password", password),
            ("next", next),
        ])
        .send()
        .await
        .unwrap();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (response.status(), location)
}

async fn oversized_usernames_store_nothing_and_spent_counters_are_pruned(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    // Three requests with a 1.9 MB username once grew the database by 12 MB.
    let huge = "u".repeat(1_900_000);
    for _ in 0..3 {
        let (status, _, body) = api_login(&app, &huge, "whatever", None).await;
        assert_eq!(status, 401, "{body}");
    }
    let (status, _, _) = api_login(&app, "nobody-here", "wrong password", None).await;
    assert_eq!(status, 401);
    let rows = app.store.login_throttle_rows().await.unwrap();
    assert_eq!(
        rows.len(),
        2,
        "one address counter and one account counter: {rows:?}"
    );
    for (key, _) in &rows {
        assert_eq!(key.len(), 64, "a counter's name is a fixed-size HMAC");
        assert!(!key.contains("nobody") && !key.contains("uuu"));
    }
    // After the window (an hour for accounts) the housekeeping job deletes them.
    let state = app.state(ownpace_web::Config::default());
    let (_, pruned) = ownpace_web::housekeeping(&state).await.unwrap();
    assert_eq!(pruned, 0, "counters in their window stay");
    app.advance_ms(61 * 60_000);
    let (_, pruned) = ownpace_web::housekeeping(&state).await.unwrap();
    assert_eq!(pruned, 2);
    assert!(app.store.login_throttle_rows().await.unwrap().is_empty());
}

async fn concurrent_wrong_logins_get_no_more_checks_than_the_limit(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    let attempts: Vec<_> = (0..40)
        .map(|_| {
            let url = format!("{}/api/v1/login", app.base);
            tokio::spawn(async move {
                reqwest::Client::new()
                    .post(url)
                    .json(&json!({ "username": "ana", "password": "wrong-password-40" }))
                    .send()
                    .await
                    .unwrap()
                    .status()
            })
        })
        .collect();
    let mut checked = 0;
    let mut throttled = 0;
    for attempt in attempts {
        match attempt.await.unwrap().as_u16() {
            401 => checked += 1,
            429 => throttled += 1,
            other => panic!("unexpected status {other}"),
        }
    }
    // The limit is 5 free checks (36 of 40 got through before the fix).
    assert_eq!((checked, throttled), (5, 35));
}

async fn a_stranger_cannot_lock_the_owner_out(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    // Ana signed in on her own browser before: it holds a trusted-device cookie.
    let own_browser = client();
    let (status, _) = page_login(&app, &own_browser, "ana", DEMO_PASSWORD, "").await;
    assert_eq!(status, 303);
    sign_out(&app, &own_browser).await;

    // A stranger guesses: five checks, then growing delays (not a 15-minute lock-out).
    for _ in 0..5 {
        assert_eq!(api_login(&app, "ana", "guess", None).await.0, 401);
    }
    let (status, retry, body) = api_login(&app, "ana", "guess", None).await;
    assert_eq!(status, 429);
    assert_eq!(retry.as_deref(), Some("30"));
    assert!(
        body["error"].as_str().unwrap().contains("30 seconds"),
        "{body}"
    );
    app.advance_ms(30_000);
    assert_eq!(api_login(&app, "ana", "guess", None).await.0, 401);
    let (status, retry, _) = api_login(&app, "ana", "guess", None).await;
    assert_eq!(
        (status.as_u16(), retry.as_deref()),
        (429, Some("60")),
        "the delay doubles"
    );

    // Ana, on her own browser, signs in at once: the stranger's failures are not hers.
    let (status, location) = page_login(&app, &own_browser, "ana", DEMO_PASSWORD, "").await;
    assert_eq!((status.as_u16(), location.as_str()), (303, "/learn"));
    // The stranger still waits: her sign-in on her device gave them nothing.
    assert_eq!(api_login(&app, "ana", "guess", None).await.0, 429);

    // On a new browser she waits out the current delay only (not a lock-out), then signs
    // in, which clears the account's delays.
    let new_browser = client();
    let (status, _) = page_login(&app, &new_browser, "ana", DEMO_PASSWORD, "").await;
    assert_eq!(status, 429);
    app.advance_ms(60_000);
    let (status, _) = page_login(&app, &new_browser, "ana", DEMO_PASSWORD, "").await;
    assert_eq!(status, 303);
    assert_eq!(api_login(&app, "ana", "guess", None).await.0, 401);
}

/// Signs the browser out (the sign-out form's token from its start page).
async fn sign_out(app: &TestApp, http: &reqwest::Client) {
    let mut path = "/".to_string();
    let mut response = http
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    while response.status() == 303 {
        path = response.headers()["location"].to_str().unwrap().to_string();
        response = http
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
    }
    let home = response.text().await.unwrap();
    let csrf = csrf_in(&home).expect("a signed-in page");
    let out = http
        .post(format!("{}/logout", app.base))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
}

async fn the_address_limit_allows_a_school_and_trusts_only_its_proxy(backend: Backend) {
    let behind_proxy = ownpace_web::Config {
        login_failures_per_address: 10,
        trusted_proxies: ownpace_web::parse_ranges("127.0.0.1").unwrap(),
        ..ownpace_web::Config::default()
    };
    let app = spawn_app_with(backend, 3, behind_proxy).await;
    let school = Some("198.51.100.1");
    // A school behind one address: its successful sign-ins cost nothing…
    for round in 0..15 {
        let student = &app.school.students[round % 3];
        assert_eq!(api_login(&app, student, DEMO_PASSWORD, school).await.0, 200);
    }
    // …its typos count, up to the limit (different usernames: no account delays)…
    for n in 0..10 {
        let (status, _, _) = api_login(&app, &format!("typo{n}"), "x", school).await;
        assert_eq!(status, 401, "failure {n}");
    }
    let (status, retry, _) = api_login(&app, "typo-more", "x", school).await;
    assert_eq!(status, 429);
    let retry: i64 = retry.unwrap().parse().unwrap();
    assert!(
        (600..=900).contains(&retry),
        "until the 15-minute window ends: {retry}"
    );
    // …and another client behind the same proxy has its own count.
    assert_eq!(
        api_login(&app, "typo0", "x", Some("198.51.100.2")).await.0,
        401
    );

    // Without a trusted proxy, X-Forwarded-For is ignored: a client cannot escape its
    // limit by naming a new address on each request.
    let direct = ownpace_web::Config {
        login_failures_per_address: 10,
        ..ownpace_web::Config::default()
    };
    let app = spawn_app_with(backend, 2, direct).await;
    for n in 0..10 {
        let spoofed = format!("203.0.113.{n}");
        let (status, _, _) = api_login(&app, &format!("x{n}"), "x", Some(&spoofed)).await;
        assert_eq!(status, 401);
    }
    let (status, _, _) = api_login(&app, "x-more", "x", Some("203.0.113.99")).await;
    assert_eq!(status, 429);
}

async fn next_follows_only_local_paths(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    let http = client();
    let page = http
        .get(format!("{}/login?next=/%09/evil.example", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(r#"name="next" value="""#),
        "the form does not carry the path on"
    );
    for bad in [
        "/\t/evil.example",
        "/\n",
        "/\r\nSet-Cookie: x=1",
        "//evil.example",
        "/\\evil.example",
        "/ /evil.example",
        "/\u{0b}/evil.example",
        "https://evil.example/",
        "/%09/\u{e9}vil",
        "evil",
    ] {
        let http = client();
        let (status, location) = page_login(&app, &http, "ana", DEMO_PASSWORD, bad).await;
        assert_eq!(
            (status.as_u16(), location.as_str()),
            (303, "/learn"),
            "next = {bad:?}"
        );
    }
    let http = client();
    let good = format!("/learn/{}?from=email", app.school.course_id);
    let (status, location) = page_login(&app, &http, "ana", DEMO_PASSWORD, &good).await;
    assert_eq!((status.as_u16(), location), (303, good));
}

/// The course, an item and its skill, and a second item on another skill.
async fn two_items(app: &TestApp) -> (CourseVersion, Item, Item) {
    let course = app
        .store
        .current_course(&app.school.course_id)
        .await
        .unwrap()
        .unwrap();
    let first = course.course.items[0].clone();
    let second = course
        .course
        .items
        .iter()
        .find(|i| i.id != first.id && i.skills != first.skills)
        .unwrap()
        .clone();
    (course, first, second)
}

async fn post_form(
    app: &TestApp,
    http: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
) -> StatusCode {
    http.post(format!("{}{path}", app.base))
        .form(fields)
        .send()
        .await
        .unwrap()
        .status()
}

async fn idempotency_keys_are_limited_and_tied_to_their_item(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    let (course, a, b) = two_items(&app).await;
    let course_id = &app.school.course_id;
    let ana = user_id(&app, "ana").await;
    let events_before = app
        .store
        .student_events(&ana, course_id, 100_000)
        .await
        .unwrap()
        .len();
    let http = client();
    let csrf = login_page(&app, &http, "ana").await;
    let long = "k".repeat(100_000);
    let too_long = "k".repeat(101);
    let hint = |item: &Item| format!("/learn/{course_id}/items/{}/hint", item.id);
    let lesson = |n: usize| {
        format!(
            "/learn/{course_id}/lessons/{}/done",
            course.course.lessons[n].id
        )
    };
    let placement = format!("/learn/{course_id}/placement/answer");

    // Keys beyond 100 characters are refused before anything is stored.
    for key in [long.as_str(), too_long.as_str(), ""] {
        let fields = [
            ("_csrf", csrf.as_str()),
            ("skill", a.skills[0].as_str()),
            ("key", key),
        ];
        assert_eq!(post_form(&app, &http, &hint(&a), &fields).await, 422);
        let fields = [("_csrf", csrf.as_str()), ("key", key)];
        assert_eq!(post_form(&app, &http, &lesson(0), &fields).await, 422);
        let fields = [
            ("_csrf", csrf.as_str()),
            ("skill", a.skills[0].as_str()),
            ("item", a.id.as_str()),
            ("key", key),
        ];
        assert_eq!(post_form(&app, &http, &placement, &fields).await, 422);
    }
    let events_after = app
        .store
        .student_events(&ana, course_id, 100_000)
        .await
        .unwrap();
    assert_eq!(events_after.len(), events_before, "nothing was stored");

    // A key is tied to its item: reused on another one it answers 409.
    let hint_on = |item: &Item| {
        [
            ("_csrf", csrf.clone()),
            ("skill", item.skills[0].clone()),
            ("key", "hint-key".to_string()),
        ]
    };
    let fields = hint_on(&a);
    let fields = fields.each_ref().map(|(k, v)| (*k, v.as_str()));
    assert_eq!(post_form(&app, &http, &hint(&a), &fields).await, 200);
    let fields = hint_on(&b);
    let fields = fields.each_ref().map(|(k, v)| (*k, v.as_str()));
    assert_eq!(post_form(&app, &http, &hint(&b), &fields).await, 409);
    let done = [("_csrf", csrf.as_str()), ("key", "lesson-key")];
    assert_eq!(post_form(&app, &http, &lesson(0), &done).await, 303);
    assert_eq!(
        post_form(&app, &http, &lesson(0), &done).await,
        303,
        "a retry is fine"
    );
    assert_eq!(post_form(&app, &http, &lesson(1), &done).await, 409);
    let place = |item: &Item| {
        [
            ("_csrf", csrf.clone()),
            ("skill", item.skills[0].clone()),
            ("item", item.id.to_string()),
            ("key", "placement-key".to_string()),
        ]
    };
    let fields = place(&a);
    let fields = fields.each_ref().map(|(k, v)| (*k, v.as_str()));
    assert_eq!(post_form(&app, &http, &placement, &fields).await, 303);
    let fields = place(&b);
    let fields = fields.each_ref().map(|(k, v)| (*k, v.as_str()));
    assert_eq!(post_form(&app, &http, &placement, &fields).await, 409);

    // Answers through the API, likewise: the first item's answer is never graded against
    // another item.
    let token = login_api(&app, "ana").await;
    let answer = |item: &Item, key: &str| {
        let body = json!({
            "item_id": item.id,
            "response": as_json(&right_answer(item)),
            "idempotency_key": key,
        });
        reqwest::Client::new()
            .post(format!("{}/api/v1/courses/{course_id}/answers", app.base))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    assert_eq!(answer(&a, "answer-key").await.unwrap().status(), 200);
    let reused = answer(&b, "answer-key").await.unwrap();
    assert_eq!(reused.status(), 409);
    let body: Value = reused.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("idempotency key"),
        "{body}"
    );
    let again: Value = answer(&a, "answer-key")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["duplicate"], true);
    assert_eq!(answer(&a, &too_long).await.unwrap().status(), 422);
}

/// The value of a hidden field in a page.
fn field(html: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in the page"))
        + marker.len();
    html[at..].split('"').next().unwrap().to_string()
}

/// The duration stored with the newest event on `item` (a lesson or an item id).
async fn stored_duration(
    app: &TestApp,
    student: &ownpace_core::ids::UserId,
    item: &str,
) -> Option<i64> {
    app.store
        .student_events(student, &app.school.course_id, 1_000)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.item_id.as_deref() == Some(item))
        .expect("an event on the item")
        .duration_ms
}

async fn durations_are_measured_on_the_server(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    let course_id = app.school.course_id.clone();
    let (course, _, _) = two_items(&app).await;
    let ana = user_id(&app, "ana").await;
    let http = client();
    let csrf = login_page(&app, &http, "ana").await;
    let lessons = &course.course.lessons;
    let page = |n: usize| {
        let http = http.clone();
        let url = format!("{}/learn/{course_id}/lessons/{}", app.base, lessons[n].id);
        async move { http.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let done = |n: usize, served: String, key: &'static str| {
        let http = http.clone();
        let csrf = csrf.clone();
        let url = format!(
            "{}/learn/{course_id}/lessons/{}/done",
            app.base, lessons[n].id
        );
        async move {
            http.post(url)
                .form(&[
                    ("_csrf", csrf.as_str()),
                    ("served", served.as_str()),
                    ("started_at", "-9223372036854775808"),
                    ("key", key),
                ])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    // Served, read for four minutes, finished: four minutes, whatever the client says.
    let first = page(0).await;
    app.advance_ms(4 * 60_000);
    assert_eq!(done(0, field(&first, "served"), "l0").await, 303);
    let measured = stored_duration(&app, &ana, &lessons[0].id).await.unwrap();
    assert!(
        (4 * 60_000..4 * 60_000 + 30_000).contains(&measured),
        "{measured}"
    );
    // A made-up stamp, or one for another lesson, counts no time.
    assert_eq!(done(1, "-9223372036854775808.AAAA".into(), "l1").await, 303);
    assert_eq!(stored_duration(&app, &ana, &lessons[1].id).await, None);
    assert_eq!(done(2, field(&first, "served"), "l2").await, 303);
    assert_eq!(stored_duration(&app, &ana, &lessons[2].id).await, None);
    // A page left open for a day counts at most twice the lesson's length.
    let third = page(3).await;
    app.advance_days(1);
    let csrf_now = login_page(&app, &http, "ana").await;
    let status = http
        .post(format!(
            "{}/learn/{course_id}/lessons/{}/done",
            app.base, lessons[3].id
        ))
        .form(&[
            ("_csrf", csrf_now.as_str()),
            ("served", &field(&third, "served")),
            ("key", "l3"),
        ])
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 303);
    let cap = (i64::from(lessons[3].minutes) * 2 * 60_000).clamp(10 * 60_000, 60 * 60_000);
    assert_eq!(stored_duration(&app, &ana, &lessons[3].id).await, Some(cap));

    // Through the API: the next-item answer's stamp, not the client's duration_ms.
    let token = login_api(&app, "ana").await;
    let skill = &course.course.skills[0].id;
    let next: Value = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/courses/{course_id}/skills/{skill}/next-item",
            app.base
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let item = course
        .course
        .item(next["item_id"].as_str().unwrap())
        .unwrap();
    app.advance_ms(90_000);
    let submit = |served: Option<&str>, key: &str| {
        let mut body = json!({
            "item_id": item.id,
            "response": as_json(&wrong_answer(item)),
            "idempotency_key": key,
            "duration_ms": 3_600_000,
        });
        if let Some(served) = served {
            body["served"] = json!(served);
        }
        reqwest::Client::new()
            .post(format!("{}/api/v1/courses/{course_id}/answers", app.base))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    assert_eq!(submit(None, "no-stamp").await.unwrap().status(), 200);
    assert_eq!(stored_duration(&app, &ana, item.id.as_str()).await, None);
    assert_eq!(
        submit(next["served"].as_str(), "stamped")
            .await
            .unwrap()
            .status(),
        200
    );
    let measured = stored_duration(&app, &ana, item.id.as_str()).await.unwrap();
    assert!((90_000..120_000).contains(&measured), "{measured}");
}

/// Builds a request with a client and a URL.
type MakeRequest = fn(&reqwest::Client, &str) -> reqwest::RequestBuilder;

async fn headers_and_api_errors(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    let http = client();
    login_page(&app, &http, "ana").await;
    let course = app
        .store
        .current_course(&app.school.course_id)
        .await
        .unwrap()
        .unwrap();
    // Course media keeps its own strict policy (no script, even opened on its own).
    let media = http
        .get(format!(
            "{}/courses/{}/media/{}",
            app.base, app.school.course_id, course.course.assets[0]
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(media.status(), 200);
    let csp = media.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    assert!(!csp.contains("script-src 'self'"), "{csp}");
    let page = http
        .get(format!("{}/learn", app.base))
        .send()
        .await
        .unwrap();
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.starts_with("default-src 'self'"), "{csp}");
    for directive in [
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} in {csp}");
    }
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    // HSTS on secure requests only.
    assert!(page.headers().get("strict-transport-security").is_none());
    let secure = http
        .get(format!("{}/learn", app.base))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert_eq!(
        secure.headers()["strict-transport-security"],
        "max-age=31536000"
    );

    // What the framework refuses on /api/ answers JSON like every other API error.
    let api = reqwest::Client::new();
    let login = format!("{}/api/v1/login", app.base);
    let cases: [(MakeRequest, u16); 5] = [
        (
            |api, url| {
                api.post(url)
                    .header("content-type", "application/json")
                    .body("{not json")
            },
            400,
        ),
        (
            |api, url| api.post(url).json(&json!({ "username": 5 })),
            422,
        ),
        (|api, url| api.post(url).body("username=ana"), 415),
        (
            |api, url| {
                api.post(url)
                    .header("content-type", "application/json")
                    .body(vec![b' '; 3 * 1024 * 1024])
            },
            413,
        ),
        (|api, url| api.get(url), 405),
    ];
    for (request, expected) in cases {
        // The server may answer 413 and close before the client has sent the whole
        // body; a few tries read the answer.
        let mut response = None;
        for _ in 0..5 {
            if let Ok(answer) = request(&api, &login).send().await {
                response = Some(answer);
                break;
            }
        }
        let response = response.expect("an answer");
        assert_eq!(response.status().as_u16(), expected);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        let body: Value = response.json().await.unwrap();
        assert!(
            body["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{expected}: {body}"
        );
    }
}

async fn the_login_form_token_is_signed(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    // Any equal pair used to pass: a cookie planted by a sibling host and the same value
    // in a forged form.
    let made_up = "A".repeat(43);
    let forged = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/login", app.base))
        .header("cookie", format!("ownpace_login_csrf={made_up}"))
        .form(&[
            ("_csrf", made_up.as_str()),
            ("username", "ana"),
            ("password", DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    // A made-up cookie is replaced by a signed one on the next visit to the form.
    let http = client();
    let page = http
        .get(format!("{}/login", app.base))
        .header("cookie", format!("ownpace_login_csrf={made_up}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf_in(&page).unwrap();
    assert_ne!(token, made_up);
    assert!(token.contains('.'), "NONCE.SIGNATURE");
    let (status, _) = page_login(&app, &http, "ana", DEMO_PASSWORD, "").await;
    assert_eq!(status, 303, "the server's own token works");
}

async fn guardians_see_progress_not_answers(backend: Backend) {
    for (see_answers, expect_shown) in [(false, false), (true, true)] {
        let config = ownpace_web::Config {
            guardians_see_answers: see_answers,
            ..ownpace_web::Config::default()
        };
        let app = spawn_app_with(backend, 2, config).await;
        let course = app
            .store
            .current_course(&app.school.course_id)
            .await
            .unwrap()
            .unwrap();
        let item = course
            .course
            .items
            .iter()
            .find(|i| matches!(i.answer, AnswerSpec::Numeric { .. }))
            .unwrap();
        // A distinctive typed answer, wrong on purpose.
        let typed = "98765.4321";
        assert_ne!(as_field(&right_answer(item)), typed);
        let token = login_api(&app, "ana").await;
        let answered = reqwest::Client::new()
            .post(format!(
                "{}/api/v1/courses/{}/answers",
                app.base, app.school.course_id
            ))
            .bearer_auth(&token)
            .json(&json!({ "item_id": item.id, "response": typed, "idempotency_key": "typed" }))
            .send()
            .await
            .unwrap();
        assert_eq!(answered.status(), 200);
        let ana = user_id(&app, "ana").await;
        let guardian = client();
        login_page(&app, &guardian, "guardian").await;
        let page = guardian
            .get(format!("{}/family/{ana}", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("Answered"), "the guardian sees the activity");
        assert_eq!(
            page.contains(typed),
            expect_shown,
            "guardians_see_answers = {see_answers}"
        );
        // The teacher always sees what was answered.
        let teacher = client();
        login_page(&app, &teacher, "teacher").await;
        let record = teacher
            .get(format!("{}/students/{ana}", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(record.contains(typed));
    }
}
