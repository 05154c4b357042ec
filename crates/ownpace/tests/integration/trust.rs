//! Issue 15, "mastery people can trust", end to end through the real server: the answer
//! API moves exactly the values pages show (forgetting shows before the review, a correct
//! review raises it, a failed one ends mastery and says why), a goal once achieved stays
//! achieved, a goal on a stuck skill is never on track, and a skill not started has no
//! number anywhere (pages and API).

use crate::support::{
    TestApp, as_json, client, login_api, login_page, right_answer, spawn_app, wrong_answer,
};
use std::sync::atomic::{AtomicUsize, Ordering};

static KEYS: AtomicUsize = AtomicUsize::new(0);
use ownpace::demo::DEMO_PASSWORD;
use ownpace_core::course::{Course, Item};
use ownpace_storage::{Backend, NewGoal, NewUser, Role};
use serde_json::{Value, json};

on_both_engines!(
    answers_move_the_shown_value_and_an_achieved_goal_stays_done,
    a_stuck_skill_is_never_on_track_and_not_started_has_no_number,
);

/// A new student in the demo class, with no history; returns their id.
async fn new_student(app: &TestApp, username: &str) -> ownpace_core::ids::UserId {
    let hash = ownpace_web::hash_password(DEMO_PASSWORD.to_string())
        .await
        .unwrap();
    let user = app
        .store
        .create_user(NewUser {
            username,
            display_name: "Rosa R.",
            role: Role::Student,
            password_hash: &hash,
            created_at: ownpace_web::now_ms(),
        })
        .await
        .unwrap();
    app.store
        .add_to_class(&app.school.class_id, &user.id, ownpace_web::now_ms())
        .await
        .unwrap();
    user.id
}

async fn course(app: &TestApp) -> Course {
    app.store
        .current_course(&app.school.course_id)
        .await
        .unwrap()
        .unwrap()
        .course
        .as_ref()
        .clone()
}

/// Skills without prerequisites that have items, in course order.
fn starting_skills(course: &Course) -> Vec<(String, Vec<Item>)> {
    course
        .skills
        .iter()
        .filter(|s| s.prerequisites.is_empty())
        .map(|s| {
            (
                s.id.clone(),
                course.items_for_skill(&s.id).cloned().collect(),
            )
        })
        .filter(|(_, items): &(String, Vec<Item>)| !items.is_empty())
        .collect()
}

/// Answers `item` through the API; returns the move of `skill`.
async fn answer(app: &TestApp, token: &str, item: &Item, skill: &str, right: bool) -> Value {
    let response = if right {
        right_answer(item)
    } else {
        wrong_answer(item)
    };
    let body: Value = reqwest::Client::new()
        .post(format!(
            "{}/api/v1/courses/{}/answers",
            app.base, app.school.course_id
        ))
        .bearer_auth(token)
        .json(&json!({"item_id": item.id, "response": as_json(&response),
            "idempotency_key": format!("trust-{}", KEYS.fetch_add(1, Ordering::SeqCst))}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["correct"], right, "{body}");
    body["mastery"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["skill"] == skill)
        .unwrap_or_else(|| panic!("a move for {skill}: {body}"))
        .clone()
}

async fn page(http: &reqwest::Client, app: &TestApp, path: &str) -> String {
    let response = http
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.unwrap()
}

/// The text of the goal card titled `title` on the course page.
fn goal_forecast(html: &str, title: &str) -> String {
    let at = html
        .find(&format!("<h3>{title}</h3>"))
        .unwrap_or_else(|| panic!("a goal titled {title}"));
    let rest = &html[at..];
    let start = rest.find("class=\"forecast\">").expect("a forecast") + 17;
    rest[start..]
        .split('<')
        .next()
        .unwrap_or_default()
        .to_string()
}

async fn answers_move_the_shown_value_and_an_achieved_goal_stays_done(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    let rosa = new_student(&app, "rosa").await;
    let course = course(&app).await;
    let (skill, items) = starting_skills(&course).remove(0);
    app.store
        .create_goal(NewGoal {
            student_id: &rosa,
            course_id: &app.school.course_id,
            title: "First goal",
            skills: std::slice::from_ref(&skill),
            project_id: None,
            target_at: ownpace_web::now_ms() + 30 * 86_400_000,
            created_by: &rosa,
            created_at: ownpace_web::now_ms(),
        })
        .await
        .unwrap();
    let token = login_api(&app, "rosa").await;

    // Practice to mastery: every move goes with the answer, and "before" is what was shown.
    let mut shown: Option<f64> = None;
    let mut last = Value::Null;
    for n in 0..20 {
        let item = &items[n % items.len()];
        last = answer(&app, &token, item, &skill, true).await;
        assert_eq!(last["before"].as_f64(), shown, "move {n}: {last}");
        let after = last["after"].as_f64().unwrap();
        assert!(shown.is_none_or(|b| after >= b), "{last}");
        shown = Some(after);
        if last["mastered"] == true {
            break;
        }
    }
    assert_eq!(last["state"], "mastered", "{last}");
    assert!(
        last["note"].as_str().unwrap().starts_with("Mastered"),
        "{last}"
    );
    let http = client();
    login_page(&app, &http, "rosa").await;
    let home = page(&http, &app, &format!("/learn/{}", app.school.course_id)).await;
    let done = goal_forecast(&home, "First goal");
    assert!(done.starts_with("done on "), "{done}");
    let stored = app
        .store
        .open_goals(&rosa, &app.school.course_id)
        .await
        .unwrap();
    assert!(stored[0].achieved_at.is_some(), "achieved_at is stored");

    // Two months on, forgetting shows before the review: the next item says "review due"
    // with a lower number, and a correct review raises that number and keeps mastery.
    app.advance_days(60);
    let token = login_api(&app, "rosa").await;
    let next: Value = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/courses/{}/skills/{skill}/next-item",
            app.base, app.school.course_id
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(next["state"], "review due", "{next}");
    let due = next["mastery"].as_f64().unwrap();
    assert!(
        due < shown.unwrap(),
        "recall lowers the shown number: {next}"
    );
    let review = answer(&app, &token, &items[0], &skill, true).await;
    // The same number as shown (recall moves by the millisecond between the two calls).
    let before = review["before"].as_f64().unwrap();
    assert!((before - due).abs() < 1e-6, "{review} after {next}");
    assert!(review["after"].as_f64().unwrap() > due, "{review}");
    assert_eq!(
        (&review["state"], &review["mastered"]),
        (&json!("mastered"), &json!(true))
    );
    assert!(
        review["note"]
            .as_str()
            .unwrap()
            .starts_with("Review passed"),
        "{review}"
    );

    // Much later, a failed review ends mastery from the shown value and says why; the goal
    // stays done, with its date.
    app.advance_days(200);
    let token = login_api(&app, "rosa").await;
    let missed = answer(&app, &token, &items[0], &skill, false).await;
    assert_eq!(
        (&missed["state"], &missed["mastered"]),
        (&json!("in progress"), &json!(false))
    );
    assert!(
        missed["after"].as_f64().unwrap() < missed["before"].as_f64().unwrap(),
        "{missed}"
    );
    assert!(
        missed["note"]
            .as_str()
            .unwrap()
            .starts_with("Review missed"),
        "{missed}"
    );
    let http = client();
    login_page(&app, &http, "rosa").await;
    let home = page(&http, &app, &format!("/learn/{}", app.school.course_id)).await;
    // The same date (now in another year, so it names the year).
    let again = goal_forecast(&home, "First goal");
    let day = done.split(':').next().unwrap();
    assert!(
        again.starts_with(day),
        "the goal stays done: {again} (was {done})"
    );
}

async fn a_stuck_skill_is_never_on_track_and_not_started_has_no_number(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    let rosa = new_student(&app, "rosa").await;
    let course = course(&app).await;
    let starting = starting_skills(&course);
    let (skill, items) = starting[0].clone();
    let name = course.skill(&skill).unwrap().name.clone();
    app.store
        .create_goal(NewGoal {
            student_id: &rosa,
            course_id: &app.school.course_id,
            title: "Stuck goal",
            skills: std::slice::from_ref(&skill),
            project_id: None,
            // Far enough away to be "on track" on pace alone.
            target_at: ownpace_web::now_ms() + 300 * 86_400_000,
            created_by: &rosa,
            created_at: ownpace_web::now_ms(),
        })
        .await
        .unwrap();
    let token = login_api(&app, "rosa").await;
    for n in 0..3 {
        answer(&app, &token, &items[n % items.len()], &skill, false).await;
    }
    let http = client();
    login_page(&app, &http, "rosa").await;
    let home = page(&http, &app, &format!("/learn/{}", app.school.course_id)).await;
    let forecast = goal_forecast(&home, "Stuck goal");
    assert!(
        forecast.starts_with(&format!("not on track: stuck on {name}")),
        "{forecast}"
    );

    // The teacher's dashboard lists rosa as stuck on the same skill, and her heatmap cell
    // is in the most urgent band.
    let teacher = client();
    login_page(&app, &teacher, "teacher").await;
    let dashboard = page(&teacher, &app, &format!("/classes/{}", app.school.class_id)).await;
    let stuck = &dashboard[dashboard.find("id=\"stuck-list\"").expect("a stuck list")..];
    let stuck = &stuck[..stuck.find("</section>").unwrap()];
    assert!(
        stuck.contains("Rosa R.") && stuck.contains(&format!("{name}: 3 wrong answers in a row")),
        "{stuck}"
    );
    let row = &dashboard[dashboard
        .find(&format!("<tr data-student=\"{rosa}\">"))
        .expect("rosa's heatmap row")..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        row.contains(&format!(
            "<td class=\"cell band-low\" data-skill=\"{skill}\""
        )),
        "{row}"
    );

    // A skill never touched has no number: "not started" and "–" on the record, never the
    // model's 20% prior; the API gives it a state and no number.
    let untouched = &course.skills.iter().find(|s| s.id != skill).unwrap().name;
    let record = page(&teacher, &app, &format!("/students/{rosa}")).await;
    let line = &record[record
        .find(&format!("<th scope=\"row\">{untouched}</th>"))
        .expect("the untouched skill's row")..];
    let line = &line[..line.find("</tr>").unwrap()];
    assert!(
        line.contains("not started") && line.contains("–") && !line.contains('%'),
        "{line}"
    );
    let teacher_token = login_api(&app, "teacher").await;
    let class: Value = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/classes/{}/mastery",
            app.base, app.school.class_id
        ))
        .bearer_auth(&teacher_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mine = class["students"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == rosa.as_str())
        .unwrap();
    let untouched_id = &course.skills.iter().find(|s| s.id != skill).unwrap().id;
    assert_eq!(mine["states"][untouched_id], "not started");
    assert!(mine["mastery"].get(untouched_id).is_none(), "{mine}");
    assert_eq!(mine["states"][&skill], "in progress");
}
