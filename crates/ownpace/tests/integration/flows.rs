//! End-to-end flows against the real server, on SQLite and on PostgreSQL: signing in and
//! out, throttling, CSRF, practice through the API with idempotent answers, the event log
//! and its rebuild, the OpenAPI document, security headers and the audit log.

use crate::support::{
    TestApp, as_json, client, csrf_in, login_api, login_page, right_answer, spawn_app, user_id,
    wrong_answer,
};
use ownpace_core::course::Item;
use ownpace_storage::Backend;
use reqwest::cookie::{CookieStore, Jar};
use serde_json::{Value, json};
use std::sync::Arc;

on_both_engines!(
    sessions_rotate_and_logout_ends_them,
    failed_logins_are_throttled,
    forms_need_the_session_csrf_token,
    practice_through_the_api_is_graded_recorded_once_and_rebuildable,
    pages_practice_updates_mastery_and_the_teacher_sees_it,
    an_unreadable_answer_is_not_graded,
);

/// The right and a wrong answer to `item`, as the API takes them.
fn right_and_wrong(item: &Item) -> (Value, Value) {
    (as_json(&right_answer(item)), as_json(&wrong_answer(item)))
}

async fn sessions_rotate_and_logout_ends_them(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    let jar = Arc::new(Jar::default());
    let http = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    login_page(&app, &http, "teacher").await;
    let first = session_token(&app, &jar);
    // Signing in again in the same browser issues a new session and ends the old one.
    let form = http
        .get(format!("{}/login", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        form.status(),
        303,
        "a signed-in visit to the login page goes home"
    );
    let page = http
        .get(format!("{}/classes", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let response = http
        .post(format!("{}/login", app.base))
        .form(&[
            ("_csrf", csrf_in(&page).unwrap().as_str()),
            ("username", "teacher"),
            ("password", ownpace::demo::DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let second = session_token(&app, &jar);
    assert_ne!(first, second, "login must rotate the session token");
    let stale = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let old = stale
        .get(format!("{}/classes", app.base))
        .header("cookie", format!("ownpace_session={first}"))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 303, "the previous session no longer works");

    // The session cookie is HttpOnly and SameSite, and Secure behind TLS.
    let http = client();
    let form = http
        .get(format!("{}/login", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let response = http
        .post(format!("{}/login", app.base))
        .header("x-forwarded-proto", "https")
        .form(&[
            ("_csrf", csrf_in(&form).unwrap().as_str()),
            ("username", "teacher"),
            ("password", ownpace::demo::DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    let set_cookie: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let session = set_cookie
        .iter()
        .find(|c| c.starts_with("ownpace_session="))
        .expect("session cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(
            session.contains(attribute),
            "{attribute} missing in {session}"
        );
    }

    // API tokens end at logout.
    let token = login_api(&app, "teacher").await;
    let api = reqwest::Client::new();
    let me = api
        .get(format!("{}/api/v1/me", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    assert_eq!(me.json::<Value>().await.unwrap()["role"], "teacher");
    let out = api
        .post(format!("{}/api/v1/logout", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    let after = api
        .get(format!("{}/api/v1/me", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401);
}

/// The session token the browser holds.
fn session_token(app: &TestApp, jar: &Jar) -> String {
    let url: reqwest::Url = app.base.parse().unwrap();
    let header = jar.cookies(&url).expect("the browser holds cookies");
    header
        .to_str()
        .unwrap()
        .split("; ")
        .find_map(|c| c.strip_prefix("ownpace_session="))
        .expect("a session cookie")
        .to_string()
}

async fn failed_logins_are_throttled(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    let api = reqwest::Client::new();
    let attempt = |password: &'static str| {
        let api = api.clone();
        let url = format!("{}/api/v1/login", app.base);
        async move {
            api.post(url)
                .json(&json!({"username": "ana", "password": password}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    for _ in 0..5 {
        assert_eq!(attempt("wrong-password").await, 401);
    }
    // Now the account must wait before its next check, even with the right password,
    // and the answer says how long (a delay, not a lock-out: see the `security` tests).
    let refused = api
        .post(format!("{}/api/v1/login", app.base))
        .json(&json!({"username": "ana", "password": ownpace::demo::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 429);
    assert_eq!(refused.headers()["retry-after"], "30");
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("try again in 30 seconds")
    );
    // Other usernames are not affected.
    assert!(!login_api(&app, "teacher").await.is_empty());
}

async fn forms_need_the_session_csrf_token(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    let http = client();
    let csrf = login_page(&app, &http, "admin").await;
    let create = |token: String, origin: Option<&'static str>| {
        let http = http.clone();
        let url = format!("{}/admin/classes", app.base);
        let course = app.school.course_id.clone();
        async move {
            let mut request = http.post(url).form(&[
                ("_csrf", token),
                ("name", "New class".to_string()),
                ("course_id", course.into_string()),
            ]);
            if let Some(origin) = origin {
                request = request.header("origin", origin);
            }
            request.send().await.unwrap().status()
        }
    };
    assert_eq!(create(String::new(), None).await, 403, "no token");
    assert_eq!(create("forged".into(), None).await, 403, "wrong token");
    assert_eq!(
        create(csrf.clone(), Some("https://evil.example")).await,
        403,
        "cross-site origin"
    );
    let classes_before = app.store.classes().await.unwrap().len();
    assert_eq!(create(csrf, None).await, 303, "the real token works");
    assert_eq!(app.store.classes().await.unwrap().len(), classes_before + 1);
}

async fn practice_through_the_api_is_graded_recorded_once_and_rebuildable(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    let token = login_api(&app, "ana").await;
    let api = reqwest::Client::new();
    let course = app
        .store
        .current_course(&app.school.course_id)
        .await
        .unwrap()
        .unwrap();
    let skill = &course.course.skills.last().unwrap().id;
    let base = format!("{}/api/v1/courses/{}", app.base, app.school.course_id);

    let next: Value = api
        .get(format!("{base}/skills/{skill}/next-item"))
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
        .expect("the item exists");
    assert!(
        next.get("answer").is_none() && !next.to_string().contains("\"correct\""),
        "answers never leave the server"
    );
    let predicted = next["predicted_correct"].as_f64().expect("a prediction");
    assert!(predicted > 0.0 && predicted < 1.0, "{predicted}");
    let (right, wrong) = right_and_wrong(item);
    let submit = |response: Value, key: &'static str| {
        let api = api.clone();
        let url = format!("{base}/answers");
        let token = token.clone();
        let item_id = item.id.clone();
        async move {
            api.post(url)
                .bearer_auth(token)
                .json(&json!({"item_id": item_id, "response": response, "idempotency_key": key, "duration_ms": 20000}))
                .send()
                .await
                .unwrap()
        }
    };
    let wrong_result: Value = submit(wrong, "key-1").await.json().await.unwrap();
    assert_eq!(wrong_result["correct"], false);
    assert!(!wrong_result["explanation"].as_str().unwrap().is_empty());
    let on_skill = |result: &Value| {
        result["mastery"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["skill"] == skill.as_str())
            .expect("the skill's mastery")["after"]
            .as_f64()
            .unwrap()
    };
    let after_wrong = on_skill(&wrong_result);
    let right_result: Value = submit(right.clone(), "key-2").await.json().await.unwrap();
    assert_eq!(right_result["correct"], true);
    let after_right = on_skill(&right_result);
    assert!(
        after_right > after_wrong,
        "mastery rises after a right answer ({after_wrong} → {after_right})"
    );
    // Each move carries the values the student sees: `before` is the number shown before
    // the answer (the previous `after`), and the state is the one state function's.
    let moved = right_result["mastery"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["skill"] == skill.as_str())
        .unwrap()
        .clone();
    assert_eq!(moved["before"].as_f64(), Some(after_wrong), "{moved}");
    assert_eq!(moved["state"], "in progress", "{moved}");
    assert_eq!(moved["mastered"], false, "{moved}");
    // The same key again: the first outcome, before and after, nothing stored twice.
    let again: Value = submit(right, "key-2").await.json().await.unwrap();
    assert_eq!(again["duplicate"], true);
    assert_eq!(on_skill(&again), after_right);
    assert_eq!(again["mastery"], right_result["mastery"]);
    let ana = user_id(&app, "ana").await;
    let answers_on_item = app
        .store
        .student_events(&ana, &app.school.course_id, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| {
            e.kind == ownpace_core::events::EventKind::Answer
                && e.item_id.as_deref() == Some(item.id.as_str())
        })
        .count();
    assert_eq!(answers_on_item, 2);

    // Bad input gets a clear error, and changes nothing.
    let bad = api
        .post(format!("{base}/answers"))
        .bearer_auth(&token)
        .json(&json!({"item_id": "no-such-item", "response": "1", "idempotency_key": "k"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    assert!(
        bad.json::<Value>().await.unwrap()["error"]
            .as_str()
            .unwrap()
            .contains("item_id")
    );

    // The projection is exactly a replay of the events.
    let before = app
        .store
        .student_mastery(&ana, &app.school.course_id)
        .await
        .unwrap();
    app.store
        .rebuild_mastery(|_| Default::default())
        .await
        .unwrap();
    assert_eq!(
        app.store
            .student_mastery(&ana, &app.school.course_id)
            .await
            .unwrap(),
        before
    );

    // The teacher's API view shows the new figure; the student cannot read the class.
    let teacher = login_api(&app, "teacher").await;
    let class: Value = api
        .get(format!(
            "{}/api/v1/classes/{}/mastery",
            app.base, app.school.class_id
        ))
        .bearer_auth(&teacher)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ana_row = class["students"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == ana.as_str())
        .unwrap();
    assert_eq!(ana_row["mastery"][skill].as_f64().unwrap(), after_right);
    assert_eq!(ana_row["states"][skill], "in progress");
    // Every skill has a state; a skill not started has no number (never the 20% prior).
    let states = ana_row["states"].as_object().unwrap();
    assert_eq!(states.len(), course.course.skills.len());
    for (id, word) in states {
        let number = ana_row["mastery"].get(id);
        assert_eq!(
            word == "not started",
            number.is_none(),
            "{id}: {word} with number {number:?}"
        );
    }
    let denied = api
        .get(format!(
            "{}/api/v1/classes/{}/mastery",
            app.base, app.school.class_id
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), 403);
}

/// "forty" for a number is not understood: the API answers 422 with the expected form, the
/// page keeps the input, nothing is graded or revealed, and only an unread-answer event is
/// stored.
async fn an_unreadable_answer_is_not_graded(backend: Backend) {
    let app = spawn_app(backend, 2).await;
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
        .find(|i| matches!(i.answer, ownpace_core::course::AnswerSpec::Numeric { .. }))
        .expect("a numeric item");
    let ana = user_id(&app, "ana").await;
    let stored = |kind| {
        let store = app.store.clone();
        let (ana, course_id) = (ana.clone(), app.school.course_id.clone());
        async move {
            store
                .student_events(&ana, &course_id, 100_000)
                .await
                .unwrap()
                .into_iter()
                .filter(|e| e.kind == kind)
                .count()
        }
    };
    use ownpace_core::events::EventKind;
    let (answers, mastery) = (
        stored(EventKind::Answer).await,
        app.store
            .student_mastery(&ana, &app.school.course_id)
            .await
            .unwrap(),
    );

    let token = login_api(&app, "ana").await;
    let response = reqwest::Client::new()
        .post(format!(
            "{}/api/v1/courses/{}/answers",
            app.base, app.school.course_id
        ))
        .bearer_auth(&token)
        .json(&json!({"item_id": item.id, "response": "forty", "idempotency_key": "unread-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .starts_with("Not understood"),
        "{body}"
    );
    assert!(
        body["expected"].as_str().unwrap().contains("number"),
        "{body}"
    );
    assert!(body.get("correct").is_none() && body.get("explanation").is_none());

    let http = client();
    let csrf = login_page(&app, &http, "ana").await;
    let skill = &item.skills[0];
    let page = http
        .post(format!(
            "{}/learn/{}/items/{}/answer",
            app.base, app.school.course_id, item.id
        ))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("skill", skill.as_str()),
            ("response", "forty"),
            ("key", "unread-2"),
            ("served", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 422);
    let html = page.text().await.unwrap();
    assert!(html.contains("Not understood"), "the page says why");
    assert!(
        html.contains(r#"value="forty""#),
        "the page keeps what was typed"
    );
    assert!(!html.contains("correct-answer"), "nothing is revealed");

    // An empty answer, and a choice item with no option picked, are not understood either:
    // 422 with the expected form, not graded wrong.
    let choice_item = course
        .course
        .items
        .iter()
        .find(|i| matches!(i.answer, ownpace_core::course::AnswerSpec::Choice { .. }))
        .expect("a choice item");
    for (n, (item_id, response)) in [
        (item.id.as_str(), json!("")),
        (item.id.as_str(), json!("   ")),
        (choice_item.id.as_str(), json!("")),
        (choice_item.id.as_str(), json!(99)),
    ]
    .into_iter()
    .enumerate()
    {
        let response = reqwest::Client::new()
            .post(format!(
                "{}/api/v1/courses/{}/answers",
                app.base, app.school.course_id
            ))
            .bearer_auth(&token)
            .json(&json!({"item_id": item_id, "response": response, "idempotency_key": format!("empty-{n}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422, "{item_id} {n}");
        let body: Value = response.json().await.unwrap();
        assert!(
            body["error"]
                .as_str()
                .unwrap()
                .starts_with("Not understood"),
            "{body}"
        );
        assert!(!body["expected"].as_str().unwrap().is_empty(), "{body}");
        assert!(body.get("correct").is_none());
    }
    let empty_page = http
        .post(format!(
            "{}/learn/{}/items/{}/answer",
            app.base, app.school.course_id, item.id
        ))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("skill", skill.as_str()),
            ("response", ""),
            ("key", "unread-empty"),
            ("shown_at", "0"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(empty_page.status(), 422);
    assert!(empty_page.text().await.unwrap().contains("Not understood"));

    assert_eq!(stored(EventKind::Answer).await, answers, "nothing graded");
    assert_eq!(stored(EventKind::UnreadAnswer).await, 7);
    assert_eq!(
        app.store
            .student_mastery(&ana, &app.school.course_id)
            .await
            .unwrap(),
        mastery,
        "mastery does not move"
    );
}

async fn pages_practice_updates_mastery_and_the_teacher_sees_it(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    let student = client();
    let csrf = login_page(&app, &student, "ana").await;
    let course = app
        .store
        .current_course(&app.school.course_id)
        .await
        .unwrap()
        .unwrap();
    let skill = &course.course.skills.last().unwrap().id;
    let page = student
        .get(format!(
            "{}/learn/{}/skills/{skill}",
            app.base, app.school.course_id
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let action = page.split(r#"id="answer-form""#).next().unwrap();
    let action = action
        .rsplit(r#"action=""#)
        .next()
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let item_id = action.rsplit('/').nth(1).unwrap();
    let item = course.course.item(item_id).unwrap();
    let field = |name: &str| {
        let marker = format!(r#"name="{name}" value=""#);
        let at = page.find(&marker).unwrap() + marker.len();
        page[at..].split('"').next().unwrap().to_string()
    };
    let (right, _) = right_and_wrong(item);
    let response = right
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| right.to_string());
    let feedback = student
        .post(format!("{}{action}", app.base))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("skill", skill),
            ("key", &field("key")),
            ("served", &field("served")),
            ("hints", "0"),
            ("response", &response),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(feedback.status(), 200);
    let feedback = feedback.text().await.unwrap();
    assert!(feedback.contains("Correct!"), "{feedback}");
    assert!(feedback.contains("class=\"mastery-change\""));

    let teacher = client();
    login_page(&app, &teacher, "teacher").await;
    let dashboard = teacher
        .get(format!("{}/classes/{}", app.base, app.school.class_id))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let ana = app.store.user_by_username("ana").await.unwrap().unwrap();
    let p = app
        .store
        .student_mastery(&ana.id, &app.school.course_id)
        .await
        .unwrap()
        .into_iter()
        .find(|m| &m.skill_id == skill)
        .unwrap();
    let skill_name = &course.course.skill(skill).unwrap().name;
    // The cell says what the one state function says, with its one number.
    let view = ownpace_core::standing::view(
        Some(&p.progress),
        &ownpace_core::review::Fsrs::default(),
        ownpace_web::now_ms(),
        ownpace_core::review::DEFAULT_TARGET_RETENTION,
    );
    let label = format!(
        "{}, {}: {}, {}% after {} answers",
        ana.display_name,
        skill_name,
        view.phrase,
        view.percent().unwrap(),
        p.progress.attempts
    );
    assert!(
        dashboard.contains(&label),
        "dashboard should show `{label}`"
    );
    // Reading the class dashboard is written to the audit log for each student.
    let audit = app.store.audit_entries_for(&ana.id, 10).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.actor == "Ms. Rivera" && a.action.contains("dashboard")),
        "{audit:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_send_security_headers_and_load_nothing_from_elsewhere() {
    let app = spawn_app(Backend::Sqlite, 2).await;
    let http = client();
    login_page(&app, &http, "ana").await;
    let response = http
        .get(format!("{}/learn/{}", app.base, app.school.course_id))
        .send()
        .await
        .unwrap();
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("default-src 'self'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let html = response.text().await.unwrap();
    for attribute in ["src=\"", "href=\""] {
        for value in html
            .split(attribute)
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap())
        {
            assert!(
                !value.contains("//"),
                "{attribute}{value} points at another host"
            );
        }
    }
    assert!(html.contains("<main") && html.contains("lang=\"en\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_answers_when_ready() {
    let app = spawn_app(Backend::Sqlite, 1).await;
    let response = reqwest::get(format!("{}/healthz", app.base)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "ok");
}
