//! Issue 12, point 5: the conditions and the outcome a pilot can vary, taking effect,
//! through the real server on both engines. A student in a fixed-sequence condition gets
//! the course's next skill ("next in the course order") in the page and the API while an
//! adaptive one gets Ownpace's steps; a lesson-variant condition shows its students the
//! variant lesson in place of the default one. A post-test pilot holds items out that its
//! members are never served in practice (page, API) while others are; once the planned
//! days are over the members take the post-test on their course page, their answers move
//! no mastery, the outcome is the share correct computed from the events (the same after
//! a rebuild), a paper test's score overrides it and is marked in the report, and a
//! member without answers is attrition.

use crate::pilots::{condition, new_student};
use crate::support::{
    TestApp, client, csrf_in, login_api, login_page, right_answer, spawn_app, user_id, wrong_answer,
};
use ownpace_core::course::Response;
use ownpace_core::ids::{ClassId, CourseId, UserId};
use ownpace_core::pilot::{design, post_test};
use ownpace_core::recommend::{Policy, course_order_next};
use ownpace_storage::pilots::{NewMember, Outcome, PilotPlan};
use ownpace_storage::{AnswerRecord, Backend};
use serde_json::Value;
use std::collections::HashMap;

on_both_engines!(
    a_condition_sets_the_policy_and_the_lesson_variant,
    the_post_test_holds_items_out_and_scores_them_from_the_events,
);

fn plan(class: &ClassId, outcome: Outcome, per_skill: i64) -> PilotPlan {
    let mut fixed = condition("Fixed order", true, None);
    fixed.policy = Policy::FixedSequence;
    let mut worked = condition("Worked examples", true, None);
    worked.lesson_variant = Some("worked-examples".into());
    PilotPlan {
        question: "Do the conditions take effect?".into(),
        conditions: vec![condition("Adaptive", true, None), fixed, worked],
        classes: vec![class.clone()],
        unit_class: false,
        outcome,
        duration_days: 7,
        min_effect: 0.3,
        pre_test_r2: 0.5,
        blinded: true,
        mastery_bands: 3,
        post_test_per_skill: per_skill,
    }
}

/// Starts a pilot with these members (student, condition) and held-out items.
async fn start(
    app: &TestApp,
    plan: &PilotPlan,
    members: &[(&UserId, usize)],
    held_out: &[String],
) -> String {
    let school = &app.school;
    let teacher = user_id(app, &school.teacher).await;
    let now = ownpace_web::now_ms();
    let id = app
        .store
        .create_pilot(&school.class_id, &school.course_id, plan, &teacher, now)
        .await
        .unwrap();
    let members: Vec<NewMember> = members
        .iter()
        .map(|(s, c)| NewMember {
            student_id: (*s).clone(),
            class_id: school.class_id.clone(),
            condition: *c,
            stratum: "all".into(),
            pre_test: 0.0,
        })
        .collect();
    app.store
        .start_pilot(&id, 17, design::ALGORITHM, &members, held_out, now)
        .await
        .unwrap();
    id
}

async fn api_next_steps(app: &TestApp, username: &str, course: &CourseId) -> Vec<Value> {
    let token = login_api(app, username).await;
    let response = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/me/courses/{course}/next-steps",
            app.base
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json::<Vec<Value>>().await.unwrap()
}

async fn page(http: &reqwest::Client, app: &TestApp, path: &str) -> String {
    let response = http
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "GET {path}");
    response.text().await.unwrap()
}

async fn a_condition_sets_the_policy_and_the_lesson_variant(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    let school = app.school.clone();
    let course_id = school.course_id.clone();
    let adaptive = new_student(&app, &school.class_id, "cond-adaptive").await;
    let fixed = new_student(&app, &school.class_id, "cond-fixed").await;
    let worked = new_student(&app, &school.class_id, "cond-worked").await;
    start(
        &app,
        &plan(&school.class_id, Outcome::MasteryPerHour, 0),
        &[(&adaptive, 0), (&fixed, 1), (&worked, 2)],
        &[],
    )
    .await;
    let course = app.store.current_course(&course_id).await.unwrap().unwrap();
    let first = course_order_next(&course.course, &HashMap::new()).unwrap();
    let first_skill = &course.course.skills[first];

    // Fixed sequence: the course's first skill, saying so, in the API and the page.
    let steps = api_next_steps(&app, "cond-fixed", &course_id).await;
    assert_eq!(steps[0]["reason_code"], "course-order", "{steps:?}");
    assert_eq!(steps[0]["reason"], "next in the course order");
    assert_eq!(steps[0]["id"], first_skill.id.as_str());
    assert!(
        steps.iter().all(|s| s["reason_code"] != "ready"),
        "{steps:?}"
    );
    let http = client();
    login_page(&app, &http, "cond-fixed").await;
    let home = page(&http, &app, &format!("/learn/{course_id}")).await;
    assert!(home.contains("next in the course order"), "{home}");

    // Adaptive: Ownpace's own next steps, never the course order.
    let steps = api_next_steps(&app, "cond-adaptive", &course_id).await;
    assert!(!steps.is_empty());
    assert!(
        steps.iter().all(|s| s["reason_code"] != "course-order"),
        "{steps:?}"
    );
    let http = client();
    login_page(&app, &http, "cond-adaptive").await;
    let home = page(&http, &app, &format!("/learn/{course_id}")).await;
    assert!(!home.contains("next in the course order"));
    // The default lesson, not the variant.
    assert!(
        home.contains("/lessons/comparing-fractions-read\""),
        "{home}"
    );
    assert!(!home.contains("/lessons/comparing-fractions-worked\""));

    // The variant's student sees the worked-examples lesson in its place, on the course
    // page and on the skill's practice page.
    let http = client();
    login_page(&app, &http, "cond-worked").await;
    let home = page(&http, &app, &format!("/learn/{course_id}")).await;
    assert!(
        home.contains("/lessons/comparing-fractions-worked\""),
        "{home}"
    );
    assert!(!home.contains("/lessons/comparing-fractions-read\""));
    let practice = page(
        &http,
        &app,
        &format!("/learn/{course_id}/skills/comparing-fractions"),
    )
    .await;
    assert!(practice.contains("/lessons/comparing-fractions-worked\""));
    assert!(!practice.contains("/lessons/comparing-fractions-read\""));

    // Once the planned days are over, everyone is back to the default.
    app.advance_days(8);
    let steps = api_next_steps(&app, "cond-fixed", &course_id).await;
    assert!(steps.iter().all(|s| s["reason_code"] != "course-order"));
    let http = client();
    login_page(&app, &http, "cond-worked").await;
    let home = page(&http, &app, &format!("/learn/{course_id}")).await;
    assert!(home.contains("/lessons/comparing-fractions-read\""));
}

/// The value of the hidden field `name` in a page.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    html[at..].split('"').next().unwrap().to_string()
}

fn form_text(response: &Response) -> String {
    match response {
        Response::Choice(i) => i.to_string(),
        Response::Text(t) => t.clone(),
    }
}

async fn the_post_test_holds_items_out_and_scores_them_from_the_events(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    let school = app.school.clone();
    let course_id = school.course_id.clone();
    let course = app.store.current_course(&course_id).await.unwrap().unwrap();
    let takes = new_student(&app, &school.class_id, "pt-takes").await;
    let paper = new_student(&app, &school.class_id, "pt-paper").await;
    let absent = new_student(&app, &school.class_id, "pt-absent").await;
    let outsider = new_student(&app, &school.class_id, "pt-outsider").await;
    let held_out = post_test::hold_out(&course.course, 2, 17);
    assert!(held_out.len() >= 4, "the demo course holds items out");
    let pilot = start(
        &app,
        &plan(&school.class_id, Outcome::PostTest, 2),
        &[(&takes, 0), (&paper, 1), (&absent, 0)],
        &held_out,
    )
    .await;
    assert_eq!(
        app.store.pilot(&pilot).await.unwrap().unwrap().held_out,
        held_out
    );

    // A skill with held-out items: answer every other item on it, so a held-out item
    // would be the only one never seen.
    let item = course.course.item(&held_out[0]).unwrap();
    let skill = item.skills[0].clone();
    let mut at = ownpace_web::now_ms() - 3_600_000;
    for (k, other) in course
        .course
        .items_for_skill(&skill)
        .filter(|i| !held_out.contains(&i.id.to_string()))
        .enumerate()
    {
        for student in [&takes, &outsider] {
            at += 1_000;
            app.store
                .record_answer(
                    &AnswerRecord {
                        student_id: student,
                        course_id: &course_id,
                        course_version: course.version,
                        item_id: &other.id,
                        skills: &other.skills,
                        response: "null",
                        correct: false,
                        occurred_at: at,
                        duration_ms: Some(1_000),
                        idempotency_key: &format!("setup-{k}"),
                    },
                    |_| Default::default(),
                )
                .await
                .unwrap();
        }
    }
    let next_item = |username: &'static str| {
        let app = &app;
        let skill = skill.clone();
        let course_id = course_id.clone();
        async move {
            let token = login_api(app, username).await;
            let v: Value = reqwest::Client::new()
                .get(format!(
                    "{}/api/v1/courses/{course_id}/skills/{skill}/next-item",
                    app.base
                ))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            v["item_id"].as_str().unwrap().to_string()
        }
    };
    // The member is served an item seen before; someone outside the pilot the unseen one.
    let served = next_item("pt-takes").await;
    assert!(!held_out.contains(&served), "{served} is held out");
    let served = next_item("pt-outsider").await;
    assert!(
        held_out.contains(&served),
        "{served} is new to the outsider"
    );
    // The practice page does not serve it either, even when asked for by name.
    let http = client();
    login_page(&app, &http, "pt-takes").await;
    let practice = page(
        &http,
        &app,
        &format!("/learn/{course_id}/skills/{skill}?item={}", held_out[0]),
    )
    .await;
    for id in &held_out {
        assert!(!practice.contains(&format!("/items/{id}/")), "{id} served");
    }

    // While the pilot runs, there is no post-test yet.
    let test_path = format!("/learn/{course_id}/post-test/{pilot}");
    let response = http
        .get(format!("{}{test_path}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let home = page(&http, &app, &format!("/learn/{course_id}")).await;
    assert!(!home.contains("post-test-link"));

    // The planned days are over: the post-test opens on the course page.
    app.advance_days(8);
    let http = client();
    login_page(&app, &http, "pt-takes").await;
    let home = page(&http, &app, &format!("/learn/{course_id}")).await;
    assert!(home.contains(&format!("href=\"{test_path}\"")), "{home}");
    let mastery_before = app.store.student_mastery(&takes, &course_id).await.unwrap();
    let mut right = 0;
    for (n, expected) in held_out.iter().enumerate() {
        let question = page(&http, &app, &test_path).await;
        assert!(
            question.contains(&format!("Question {} of {}", n + 1, held_out.len())),
            "{question}"
        );
        let id = hidden(&question, "item");
        assert_eq!(&id, expected, "asked in course order");
        let item = course.course.item(&id).unwrap();
        // Right on even questions, wrong on odd ones.
        let response = if n % 2 == 0 {
            right += 1;
            right_answer(item)
        } else {
            wrong_answer(item)
        };
        let form = [
            ("_csrf", csrf_in(&question).unwrap()),
            ("item", id.clone()),
            ("key", hidden(&question, "key")),
            ("served", hidden(&question, "served")),
            ("response", form_text(&response)),
        ];
        let response = http
            .post(format!("{}{test_path}/answer", app.base))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303);
    }
    let done = page(&http, &app, &test_path).await;
    assert!(done.contains("id=\"post-test-done\""), "{done}");
    // The answers moved no mastery.
    assert_eq!(
        app.store.student_mastery(&takes, &course_id).await.unwrap(),
        mastery_before
    );
    let expected = 100.0 * f64::from(right) / held_out.len() as f64;

    // The teacher enters a paper test for one student and reads the report.
    let teacher = client();
    login_page(&app, &teacher, &school.teacher).await;
    let pilot_page = page(
        &teacher,
        &app,
        &format!("/classes/{}/pilots/{pilot}", school.class_id),
    )
    .await;
    let response = teacher
        .post(format!(
            "{}/classes/{}/pilots/{pilot}/scores",
            app.base, school.class_id
        ))
        .form(&[
            ("_csrf", csrf_in(&pilot_page).unwrap()),
            (&format!("score_{paper}"), "80".to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let report = page(
        &teacher,
        &app,
        &format!("/classes/{}/pilots/{pilot}/report", school.class_id),
    )
    .await;
    assert!(report.contains("1 student took a paper test"), "{report}");
    let outcome = |members: &[ownpace_storage::pilots::PilotMember], s: &UserId| {
        members.iter().find(|m| &m.student_id == s).unwrap().outcome
    };
    let members = app.store.pilot_members(&pilot).await.unwrap();
    assert_eq!(outcome(&members, &takes), Some(expected));
    assert_eq!(outcome(&members, &paper), Some(80.0));
    assert_eq!(outcome(&members, &absent), None, "no answers: attrition");

    // The outcome is recomputed from the events: a rebuild changes nothing.
    app.store
        .rebuild_mastery(|_| Default::default())
        .await
        .unwrap();
    assert_eq!(
        app.store.student_mastery(&takes, &course_id).await.unwrap(),
        mastery_before
    );
    app.store
        .set_pilot_outcomes(&pilot, &[(takes.clone(), None)])
        .await
        .unwrap();
    let token = login_api(&app, &school.teacher).await;
    let response = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/classes/{}/pilots/{pilot}/report",
            app.base, school.class_id
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let members = app.store.pilot_members(&pilot).await.unwrap();
    assert_eq!(outcome(&members, &takes), Some(expected));
}
