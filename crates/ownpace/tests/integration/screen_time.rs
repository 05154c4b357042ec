//! Screen time, budgets and printable sheets through the real server (issue 12), on both
//! engines: the demo's second-class student near the budget sees a calm meter and only
//! offline next steps (a practice sheet first); the sheet's results typed in by the
//! student count toward mastery only once the teacher confirms them; the lowest budget
//! wins, an exemption needs a note, forms refuse bad input; the JSON API answers arrays;
//! the weekly chart is on the student record and the family page; ana is never offline.

use crate::support::{
    TestApp, as_field, client, login_api, login_page, noon_zone, right_answer, spawn_app,
    spawn_app_with, user_id,
};
use ownpace_storage::Backend;

on_both_engines!(
    a_student_near_the_budget_gets_offline_steps_and_a_sheet_that_counts_once_confirmed,
    the_lowest_budget_wins_and_an_exemption_needs_a_note,
);

async fn get(http: &reqwest::Client, app: &TestApp, path: &str) -> String {
    let response = http
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "GET {path}");
    response.text().await.unwrap()
}

async fn post(http: &reqwest::Client, app: &TestApp, path: &str, form: &[(&str, &str)]) -> String {
    let response = http
        .post(format!("{}{path}", app.base))
        .form(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303, "POST {path}");
    response.headers()["location"].to_str().unwrap().to_string()
}

async fn api(app: &TestApp, token: &str, path: &str) -> serde_json::Value {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "GET {path}");
    response.json().await.unwrap()
}

/// The value of the hidden field `name` in a page.
fn field(page: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let at = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no field {name} in:\n{page}"))
        + marker.len();
    page[at..].split('"').next().unwrap().to_string()
}

/// The kinds of the next steps on a course page (`<p class="kind">…</p>`).
fn kinds(page: &str) -> Vec<String> {
    page.split("<p class=\"kind\">")
        .skip(1)
        .filter_map(|rest| rest.split('<').next())
        .map(str::to_string)
        .collect()
}

async fn a_student_near_the_budget_gets_offline_steps_and_a_sheet_that_counts_once_confirmed(
    backend: Backend,
) {
    // About noon in the school's zone, so "today" holds the demo's 22 minutes and the
    // 10 minutes added below.
    let config = ownpace_web::Config {
        timezone: noon_zone(),
        ..ownpace_web::Config::default()
    };
    let app = spawn_app_with(backend, 2, config).await;
    let school = app.school.clone();
    let near = school
        .near_budget
        .clone()
        .expect("the demo has a student near the budget");
    assert!(school.other_students.contains(&near), "on the second class");
    let course = format!("/learn/{}", school.course_id);

    let http = client();
    let csrf = login_page(&app, &http, &near).await;
    let page = get(&http, &app, &course).await;
    assert!(page.contains("class=\"screen-meter near\""), "{page}");
    assert!(page.contains("8 min of screen time left today"), "{page}");
    let offered = kinds(&page);
    assert_eq!(
        offered.first().map(String::as_str),
        Some("On paper"),
        "{offered:?}"
    );
    assert!(
        offered
            .iter()
            .all(|k| k == "On paper" || k == "Lesson" || k == "Project"),
        "only offline steps: {offered:?}"
    );
    assert!(page.contains("screen time is nearly used up"));
    assert!(!page.contains("<p class=\"kind\">Practice</p>"));

    // The JSON API: arrays at the top level.
    let token = login_api(&app, &near).await;
    let budgets = api(&app, &token, "/api/v1/me/screen-budget").await;
    assert_eq!(budgets[0]["span"], "day");
    assert_eq!(budgets[0]["budget_minutes"], 30);
    assert_eq!(budgets[0]["used_minutes"], 22);
    assert_eq!(budgets[0]["level"], "near");
    assert_eq!(budgets[1]["span"], "week");
    let days = api(&app, &token, "/api/v1/me/screen-time?limit=3").await;
    assert_eq!(days.as_array().map(Vec::len), Some(3));
    assert_eq!(days[0]["minutes"], 22);
    let refused = reqwest::Client::new()
        .get(format!("{}/api/v1/me/screen-time?limit=0", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);

    // A sheet on the skills at hand; results typed in are self-reported.
    let student = user_id(&app, &near).await;
    let before = app
        .store
        .student_mastery(&student, &school.course_id)
        .await
        .unwrap();
    let location = post(
        &http,
        &app,
        &format!("{course}/sheets"),
        &[("_csrf", &csrf)],
    )
    .await;
    assert!(
        location.starts_with(&format!("{course}/sheets/")),
        "{location}"
    );
    let sheet_page = get(&http, &app, &location).await;
    assert!(sheet_page.contains("class=\"sheet-item\""));
    assert!(sheet_page.contains("@media print") || sheet_page.contains("no-print"));
    let sheet_id = location.rsplit('/').next().unwrap().to_string();
    let sheet = app.store.sheet(&sheet_id).await.unwrap().expect("stored");
    assert!(!sheet.items.is_empty());
    let version = app
        .store
        .current_course(&school.course_id)
        .await
        .unwrap()
        .unwrap();
    let item = version
        .course
        .item(sheet.items[0].item_id.as_str())
        .unwrap();
    let answer = as_field(&right_answer(item));
    post(
        &http,
        &app,
        &format!("{location}/results"),
        &[("_csrf", &csrf), ("answer-1", &answer)],
    )
    .await;
    let after_entry = app
        .store
        .student_mastery(&student, &school.course_id)
        .await
        .unwrap();
    assert_eq!(after_entry, before, "a self-reported result moves nothing");
    let again = get(&http, &app, &location).await;
    assert!(again.contains("waiting for your teacher"), "{again}");

    // The second class's teacher sees the key and confirms.
    let teacher = client();
    let tcsrf = login_page(&app, &teacher, &school.other_teacher).await;
    let key_path = format!("/students/{student}/sheets/{sheet_id}");
    let key = get(&teacher, &app, &key_path).await;
    assert!(key.contains("wrote (self-reported)"), "{key}");
    assert!(key.contains("right by the key"));
    post(
        &teacher,
        &app,
        &format!("{key_path}/confirm"),
        &[("_csrf", &tcsrf), ("mark-1", "right")],
    )
    .await;
    let after = app
        .store
        .student_mastery(&student, &school.course_id)
        .await
        .unwrap();
    let attempts = |rows: &[ownpace_storage::MasteryRow], skill: &str| {
        rows.iter()
            .find(|r| r.skill_id.as_str() == skill)
            .map_or(0, |r| r.progress.attempts)
    };
    let skill = &sheet.items[0].skills[0];
    assert_eq!(attempts(&after, skill), attempts(&before, skill) + 1);
    // Confirming twice counts once; the confirmation is not screen time.
    post(
        &teacher,
        &app,
        &format!("{key_path}/confirm"),
        &[("_csrf", &tcsrf), ("mark-1", "right")],
    )
    .await;
    let twice = app
        .store
        .student_mastery(&student, &school.course_id)
        .await
        .unwrap();
    assert_eq!(attempts(&twice, skill), attempts(&after, skill));
    let days = api(&app, &token, "/api/v1/me/screen-time?limit=1").await;
    assert_eq!(days[0]["minutes"], 22, "confirmations are not screen time");

    // Never cut off in the middle of an item: an item served near the budget is answered
    // and graded after the budget runs out (the page was open 10 minutes: 32 in all).
    let page = get(&http, &app, &format!("{course}/skills/{skill}")).await;
    let action = page
        .split(r#"id="answer-form""#)
        .next()
        .unwrap()
        .rsplit(r#"action=""#)
        .next()
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let served_item = version
        .course
        .item(action.rsplit('/').nth(1).unwrap())
        .unwrap();
    app.advance_ms(10 * 60_000);
    let feedback = http
        .post(format!("{}{action}", app.base))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("skill", skill.as_str()),
            ("key", &field(&page, "key")),
            ("served", &field(&page, "served")),
            ("hints", "0"),
            ("response", &as_field(&right_answer(served_item))),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(feedback.status(), 200);
    assert!(feedback.text().await.unwrap().contains("Correct!"));
    let spent = get(&http, &app, &course).await;
    assert!(spent.contains("class=\"screen-meter spent\""), "{spent}");
    assert!(spent.contains("screen time is done for now"));
    let days = api(&app, &token, "/api/v1/me/screen-time?limit=1").await;
    assert_eq!(days[0]["minutes"], 32);

    // Another student's sheet is not found, for the student and for another teacher.
    let ana = client();
    login_page(&app, &ana, &school.students[0]).await;
    let status = ana
        .get(format!("{}{course}/sheets/{sheet_id}", app.base))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 404);
    let main_teacher = client();
    login_page(&app, &main_teacher, &school.teacher).await;
    let status = main_teacher
        .get(format!("{}{key_path}", app.base))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 404);

    // Ana's class has no budget: never turned offline.
    let ana_page = get(&ana, &app, &course).await;
    assert!(!ana_page.contains("screen-meter"));
    assert!(!ana_page.contains("screen time is"));
}

async fn the_lowest_budget_wins_and_an_exemption_needs_a_note(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    let school = app.school.clone();
    let ana_name = school.students[0].clone();
    let ana = user_id(&app, &ana_name).await;
    let token = login_api(&app, &ana_name).await;
    let budget = |app: &TestApp| {
        let token = token.clone();
        let base = app.base.clone();
        async move {
            reqwest::Client::new()
                .get(format!("{base}/api/v1/me/screen-budget"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };
    assert_eq!(budget(&app).await, serde_json::json!([]));

    // The teacher's class budget; bad input is refused with a message and changes nothing.
    let teacher = client();
    let tcsrf = login_page(&app, &teacher, &school.teacher).await;
    let class_path = format!("/classes/{}/screen-time", school.class_id);
    for bad in ["abc", "0", "1441"] {
        post(
            &teacher,
            &app,
            &class_path,
            &[("_csrf", &tcsrf), ("daily", bad), ("weekly", "")],
        )
        .await;
        let page = get(&teacher, &app, &format!("/classes/{}", school.class_id)).await;
        assert!(page.contains("Not done:"), "{bad} refused: {page}");
    }
    assert_eq!(budget(&app).await, serde_json::json!([]));
    post(
        &teacher,
        &app,
        &class_path,
        &[("_csrf", &tcsrf), ("daily", "90"), ("weekly", "")],
    )
    .await;
    assert_eq!(budget(&app).await[0]["budget_minutes"], 90);

    // The guardian's lower budget wins; a higher one does not lift the class's.
    let guardian = client();
    let gcsrf = login_page(&app, &guardian, &school.guardian).await;
    let family = format!("/family/{ana}/screen-time");
    post(
        &guardian,
        &app,
        &family,
        &[("_csrf", &gcsrf), ("daily", "45"), ("weekly", "")],
    )
    .await;
    assert_eq!(budget(&app).await[0]["budget_minutes"], 45);
    post(
        &guardian,
        &app,
        &family,
        &[("_csrf", &gcsrf), ("daily", "500"), ("weekly", "")],
    )
    .await;
    assert_eq!(budget(&app).await[0]["budget_minutes"], 90);
    let family_page = get(&guardian, &app, &format!("/family/{ana}")).await;
    assert!(
        family_page.contains("<svg class=\"screen-chart\""),
        "chart for guardians"
    );
    assert!(
        family_page.contains("value=\"500\""),
        "the guardian's own budget shown"
    );

    // An exemption needs a note; it lifts the class budget, not the guardian's.
    let exempt = format!("/students/{ana}/screen-time/exemption");
    let class_id = school.class_id.to_string();
    post(
        &teacher,
        &app,
        &exempt,
        &[
            ("_csrf", &tcsrf),
            ("class_id", &class_id),
            ("note", "  "),
            ("action", "exempt"),
        ],
    )
    .await;
    assert_eq!(
        budget(&app).await[0]["budget_minutes"],
        90,
        "not exempt without a note"
    );
    post(
        &teacher,
        &app,
        &exempt,
        &[
            ("_csrf", &tcsrf),
            ("class_id", &class_id),
            ("note", "accommodation: screen reader, needs more time"),
            ("action", "exempt"),
        ],
    )
    .await;
    assert_eq!(budget(&app).await[0]["budget_minutes"], 500);
    let record = get(&teacher, &app, &format!("/students/{ana}")).await;
    assert!(
        record.contains("<svg class=\"screen-chart\""),
        "chart for teachers"
    );
    assert!(record.contains("Exempt: accommodation: screen reader"));
    post(
        &guardian,
        &app,
        &family,
        &[("_csrf", &gcsrf), ("daily", ""), ("weekly", "")],
    )
    .await;
    assert_eq!(budget(&app).await, serde_json::json!([]));
    // A class the teacher does not teach, in the body, is not found.
    let other = school.other_class_id.to_string();
    let status = teacher
        .post(format!("{}{exempt}", app.base))
        .form(&[
            ("_csrf", tcsrf.as_str()),
            ("class_id", other.as_str()),
            ("note", "x"),
            ("action", "exempt"),
        ])
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 404);
}
