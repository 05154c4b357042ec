//! Assignments and calendar feeds (issue 9, points 4 and 6), on both engines: a teacher
//! assigns, changes and withdraws work (each change recorded), the status follows the
//! student's own work and the clock (to do, in progress, late, missing, done), next steps
//! show the assignment, the API answers arrays, people outside the class can neither see
//! nor act, the calendar feeds parse with a real iCalendar parser and hold the due day, a
//! reset kills the old address, fetching a feed writes nothing, and erasing a student
//! removes their rows.

use crate::support::{
    TestApp, as_json, client, csrf_in, login_api, login_page, right_answer, spawn_app, user_id,
    wrong_answer,
};
use crate::support::{get_page as get, post_form as post};
use ownpace::demo::DEMO_PASSWORD;
use ownpace_core::assignments::TargetKind;
use ownpace_core::course::{Course, Item};
use ownpace_core::ids::UserId;
use ownpace_storage::{AssignTo, Backend, ErasedVia, NewAssignment, NewUser, Role};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};

on_both_engines!(
    assignments_are_recorded_and_their_status_follows_the_work_and_the_clock,
    people_outside_the_class_cannot_see_or_act_on_assignments,
    calendar_feeds_hold_due_days_reset_kills_the_old_address_and_fetching_writes_nothing,
    erasing_a_student_removes_their_assignment_rows,
    the_demo_school_has_ana_done_and_due_and_a_late_classmate,
    the_feed_secret_never_reaches_the_server_log,
);

static KEYS: AtomicUsize = AtomicUsize::new(0);
const DAY: i64 = 86_400_000;

fn now(app: &TestApp) -> i64 {
    ownpace_web::now_ms() + app.clock_offset.load(Ordering::SeqCst)
}

/// `YYYY-MM-DD` (UTC, the default school zone) of the server's clock plus `days`.
fn day(app: &TestApp, days: i64) -> String {
    let (y, m, d) = ownpace_core::recommend::dates::civil(now(app) + days * DAY);
    format!("{y:04}-{m:02}-{d:02}")
}

async fn new_student(app: &TestApp, username: &str) -> UserId {
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

/// Skills without prerequisites that have items, with their items.
fn starting_skills(course: &Course) -> Vec<(String, String, Vec<Item>)> {
    course
        .skills
        .iter()
        .filter(|s| s.prerequisites.is_empty())
        .map(|s| {
            (
                s.id.clone(),
                s.name.clone(),
                course.items_for_skill(&s.id).cloned().collect::<Vec<_>>(),
            )
        })
        .filter(|(_, _, items)| !items.is_empty())
        .collect()
}

/// Answers `item` through the API; returns the response body.
async fn answer(app: &TestApp, token: &str, item: &Item, right: bool) -> Value {
    let response = if right {
        right_answer(item)
    } else {
        wrong_answer(item)
    };
    reqwest::Client::new()
        .post(format!(
            "{}/api/v1/courses/{}/answers",
            app.base, app.school.course_id
        ))
        .bearer_auth(token)
        .json(&json!({"item_id": item.id, "response": as_json(&response),
            "idempotency_key": format!("assign-{}", KEYS.fetch_add(1, Ordering::SeqCst))}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn api(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The status of the student's assignment on `target` in `GET /api/v1/me/assignments`.
fn my_status(list: &Value, target: &str) -> String {
    list.as_array()
        .expect("a JSON array")
        .iter()
        .find(|a| a["target"] == target)
        .unwrap_or_else(|| panic!("an assignment on {target}: {list}"))["status"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn assignments_are_recorded_and_their_status_follows_the_work_and_the_clock(
    backend: Backend,
) {
    let app = spawn_app(backend, 2).await;
    let school = &app.school;
    let class = school.class_id.to_string();
    let rosa = new_student(&app, "rosa-assign").await;
    let course = course(&app).await;
    let starts = starting_skills(&course);
    let (s1, s1_name, s1_items) = starts[0].clone();
    let (s2, _, _) = starts[1].clone();
    let project = course.projects[0].id.clone();
    let page = format!("{}/classes/{class}/assignments", app.base);

    let teacher = client();
    let t_csrf = login_page(&app, &teacher, &school.teacher).await;
    let (status, body) = get(&teacher, &page).await;
    assert_eq!(status, 200, "{body}");
    let rosa_id = rosa.to_string();
    let today = day(&app, 0);
    let in_two = day(&app, 2);
    let tomorrow = day(&app, 1);

    // A due day before the start: refused with the field named, nothing stored.
    let (status, location) = post(
        &teacher,
        &page,
        &[
            ("_csrf", &t_csrf),
            ("target", &format!("skill:{s1}")),
            ("start", &in_two),
            ("due", &today),
            ("to", "class"),
        ],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, format!("/classes/{class}/assignments").as_str())
    );
    let (_, body) = get(&teacher, &page).await;
    assert!(body.contains("due day is the start day or later"), "{body}");
    assert!(
        app.store
            .class_assignments(&school.class_id)
            .await
            .unwrap()
            .is_empty()
    );

    // Two skills for Rosa alone, a project for the whole class.
    for (target, due) in [
        (format!("skill:{s1}"), in_two.clone()),
        (format!("skill:{s2}"), tomorrow.clone()),
    ] {
        let (status, _) = post(
            &teacher,
            &page,
            &[
                ("_csrf", &t_csrf),
                ("target", &target),
                ("start", &today),
                ("due", &due),
                ("to", "students"),
                ("student", &rosa_id),
            ],
        )
        .await;
        assert_eq!(status, 303);
    }
    let (status, _) = post(
        &teacher,
        &page,
        &[
            ("_csrf", &t_csrf),
            ("target", &format!("project:{project}")),
            ("start", &today),
            ("due", &tomorrow),
            ("to", "class"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let stored = app.store.class_assignments(&school.class_id).await.unwrap();
    assert_eq!(stored.len(), 3, "{stored:?}");
    let by_target = |t: &str| stored.iter().find(|a| a.target_id == t).unwrap().clone();
    let a1 = by_target(&s1);
    let a2 = by_target(&s2);
    let ap = by_target(&project);
    assert_eq!(a1.students, vec![rosa.clone()]);
    assert!(ap.whole_class);
    assert_eq!(a1.kind, TargetKind::Skill);
    let history = app.store.assignment_history(&a1.id).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].kind, "created");
    assert_eq!(history[0].changed_by, user_id(&app, &school.teacher).await);

    // Rosa was told, once per assignment.
    let notices = app.store.notices_for(&rosa, 50).await.unwrap();
    assert_eq!(
        notices
            .iter()
            .filter(|n| n.kind == "assignment_new")
            .count(),
        3,
        "{notices:?}"
    );
    // Another student of the class heard only of the whole-class project.
    let ben = user_id(&app, &school.students[1]).await;
    let ben_notices = app.store.notices_for(&ben, 50).await.unwrap();
    assert_eq!(
        ben_notices
            .iter()
            .filter(|n| n.kind == "assignment_new")
            .count(),
        1
    );
    // Ana's guardian heard of the whole-class project, named with her child.
    let guardian = user_id(&app, &school.guardian).await;
    let ana_name = app
        .store
        .user(&user_id(&app, &school.students[0]).await)
        .await
        .unwrap()
        .unwrap()
        .display_name;
    let told: Vec<_> = app
        .store
        .notices_for(&guardian, 50)
        .await
        .unwrap()
        .into_iter()
        .filter(|n| n.kind == "assignment_new")
        .collect();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        told[0]
            .text
            .starts_with(&format!("{ana_name}: New assignment"))
    );

    // The API: an array, newest first, everything to do.
    let token = login_api(&app, "rosa-assign").await;
    let (status, list) = api(&app, &token, "/api/v1/me/assignments").await;
    assert_eq!(status, 200);
    let targets: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["target"].as_str().unwrap())
        .collect();
    assert_eq!(targets, vec![project.as_str(), s2.as_str(), s1.as_str()]);
    assert_eq!(my_status(&list, &s1), "to-do");
    assert_eq!(list[2]["due_date"], in_two);

    // Next steps: the assignment with its reason; the course page lists it.
    let student = client();
    login_page(&app, &student, "rosa-assign").await;
    let course_page = format!("{}/learn/{}", app.base, school.course_id);
    let (_, body) = get(&student, &course_page).await;
    assert!(
        body.contains(&format!("assigned by your teacher: “{s1_name}”")),
        "{body}"
    );
    assert!(body.contains(r#"id="assignment-list""#));
    assert_eq!(body.matches(r#"data-status="to-do""#).count(), 3, "{body}");

    // A wrong answer starts the work: in progress.
    answer(&app, &token, &s1_items[0], false).await;
    let (_, list) = api(&app, &token, "/api/v1/me/assignments").await;
    assert_eq!(my_status(&list, &s1), "in-progress");
    assert_eq!(my_status(&list, &s2), "to-do");

    // A project is done when the teacher marks it so (for Rosa only); a skill is not
    // marked by hand.
    assert_eq!(my_status(&list, &project), "to-do");
    let (status, _) = post(
        &teacher,
        &format!("{page}/{}/done", ap.id),
        &[("_csrf", &t_csrf), ("student", &rosa_id)],
    )
    .await;
    assert_eq!(status, 303);
    let (status, _) = post(
        &teacher,
        &format!("{page}/{}/done", a2.id),
        &[("_csrf", &t_csrf), ("student", &rosa_id)],
    )
    .await;
    assert_eq!(status, 303);
    let (_, list) = api(&app, &token, "/api/v1/me/assignments").await;
    assert_eq!(my_status(&list, &project), "done");
    assert_eq!(my_status(&list, &s2), "to-do");
    let ben_token = login_api(&app, &school.students[1]).await;
    let (_, ben_list) = api(&app, &ben_token, "/api/v1/me/assignments").await;
    assert_eq!(my_status(&ben_list, &project), "to-do");

    // The teacher moves s2's due day, and withdraws the project: both recorded.
    let (status, _) = post(
        &teacher,
        &format!("{page}/{}/change", a2.id),
        &[("_csrf", &t_csrf), ("start", &today), ("due", &in_two)],
    )
    .await;
    assert_eq!(status, 303);
    let (status, _) = post(
        &teacher,
        &format!("{page}/{}/withdraw", ap.id),
        &[("_csrf", &t_csrf)],
    )
    .await;
    assert_eq!(status, 303);
    let kinds = |h: Vec<ownpace_storage::AssignmentChange>| -> Vec<String> {
        h.into_iter().map(|c| c.kind).collect()
    };
    assert_eq!(
        kinds(app.store.assignment_history(&a2.id).await.unwrap()),
        vec!["created", "changed"]
    );
    assert_eq!(
        kinds(app.store.assignment_history(&ap.id).await.unwrap()),
        vec!["created", "done", "withdrawn"]
    );
    let changed = app
        .store
        .assignment(&school.class_id, &a2.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(changed.due_at, a1.due_at, "moved to the same due day as s1");
    let (_, list) = api(&app, &token, "/api/v1/me/assignments").await;
    assert_eq!(
        list.as_array().unwrap().len(),
        2,
        "withdrawn leaves: {list}"
    );

    // Three days later both are past due: started work is late, untouched is missing.
    app.advance_days(3);
    let token = login_api(&app, "rosa-assign").await;
    let (_, list) = api(&app, &token, "/api/v1/me/assignments").await;
    assert_eq!(my_status(&list, &s1), "late");
    assert_eq!(my_status(&list, &s2), "missing");

    // Mastering the skill makes it done (the one state function decides).
    let mut mastered = false;
    for round in 0..40 {
        let item = &s1_items[round % s1_items.len()];
        let body = answer(&app, &token, item, true).await;
        if body["mastery"]
            .as_array()
            .is_some_and(|m| m.iter().any(|m| m["skill"] == s1 && m["mastered"] == true))
        {
            mastered = true;
            break;
        }
    }
    assert!(mastered, "{s1} mastered within 40 right answers");
    let (_, list) = api(&app, &token, "/api/v1/me/assignments").await;
    assert_eq!(my_status(&list, &s1), "done");

    // The teacher's overview and API say the same, per student.
    let teacher = client();
    login_page(&app, &teacher, &school.teacher).await;
    let (_, body) = get(&teacher, &page).await;
    let row = body
        .split(&format!(r#"data-student="{rosa_id}""#))
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .expect("Rosa's row in the overview");
    assert!(row.contains(r#"data-status="done""#), "{row}");
    assert!(row.contains(r#"data-status="missing""#), "{row}");
    let t_token = login_api(&app, &school.teacher).await;
    let (status, list) = api(
        &app,
        &t_token,
        &format!("/api/v1/classes/{class}/assignments"),
    )
    .await;
    assert_eq!(status, 200);
    let list = list.as_array().expect("a JSON array");
    assert_eq!(list.len(), 2);
    let statuses = |target: &str| -> Vec<(String, String)> {
        list.iter().find(|a| a["target"] == target).unwrap()["students"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["student"].as_str().unwrap().to_string(),
                    s["status"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(statuses(&s1), vec![(rosa_id.clone(), "done".to_string())]);
    assert_eq!(statuses(&s2), vec![(rosa_id, "missing".to_string())]);
}

async fn people_outside_the_class_cannot_see_or_act_on_assignments(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    let school = &app.school;
    let class = school.class_id.to_string();
    let course = course(&app).await;
    let teacher_id = user_id(&app, &school.teacher).await;
    let skill = starting_skills(&course)[0].0.clone();
    let at = now(&app);
    let made = app
        .store
        .create_assignment(NewAssignment {
            class_id: &school.class_id,
            course_id: &school.course_id,
            kind: TargetKind::Skill,
            target_id: &skill,
            to: AssignTo::WholeClass,
            starts_at: at - DAY,
            due_at: at + 3 * DAY,
            created_by: &teacher_id,
            at,
        })
        .await
        .unwrap();
    let page = format!("{}/classes/{class}/assignments", app.base);

    // The other class's teacher: not found, and a withdraw changes nothing.
    let other = client();
    let csrf = login_page(&app, &other, &school.other_teacher).await;
    assert_eq!(get(&other, &page).await.0, 404);
    let (status, _) = post(
        &other,
        &format!("{page}/{}/withdraw", made.id),
        &[("_csrf", &csrf)],
    )
    .await;
    assert_eq!(status, 404);
    let token = login_api(&app, &school.other_teacher).await;
    assert_eq!(
        api(
            &app,
            &token,
            &format!("/api/v1/classes/{class}/assignments")
        )
        .await
        .0,
        404
    );
    // The other class's id in the path with this assignment: not found either.
    let teacher = client();
    let t_csrf = login_page(&app, &teacher, &school.teacher).await;
    let (status, location) = post(
        &teacher,
        &format!(
            "{}/classes/{}/assignments/{}/withdraw",
            app.base, school.other_class_id, made.id
        ),
        &[("_csrf", &t_csrf)],
    )
    .await;
    assert_eq!((status, location.as_str()), (404, ""));

    // A guardian and a student may not use the teacher's routes.
    let guardian = client();
    let g_csrf = login_page(&app, &guardian, &school.guardian).await;
    assert_eq!(get(&guardian, &page).await.0, 403);
    let (status, _) = post(
        &guardian,
        &format!("{page}/{}/withdraw", made.id),
        &[("_csrf", &g_csrf)],
    )
    .await;
    assert_eq!(status, 403);
    let g_token = login_api(&app, &school.guardian).await;
    assert_eq!(api(&app, &g_token, "/api/v1/me/assignments").await.0, 403);
    let ana = client();
    let a_csrf = login_page(&app, &ana, &school.students[0]).await;
    let (status, _) = post(
        &ana,
        &format!("{page}/{}/withdraw", made.id),
        &[("_csrf", &a_csrf)],
    )
    .await;
    assert_eq!(status, 403);
    assert!(
        app.store
            .assignment(&school.class_id, &made.id)
            .await
            .unwrap()
            .unwrap()
            .withdrawn_at
            .is_none()
    );

    // A student of the other class does not see this class's assignment.
    let o_token = login_api(&app, &school.other_students[0]).await;
    let (status, list) = api(&app, &o_token, "/api/v1/me/assignments").await;
    assert_eq!(status, 200);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|a| a["id"] != made.id.as_str()),
        "{list}"
    );
    // Ana, in the class, does.
    let token = login_api(&app, &school.students[0]).await;
    let (_, list) = api(&app, &token, "/api/v1/me/assignments").await;
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == made.id.as_str())
    );
}

/// Makes a new feed address on `/calendars` for `scope`; returns it.
async fn make_feed(app: &TestApp, http: &reqwest::Client, scope: &str) -> String {
    let (_, page) = get(http, &format!("{}/calendars", app.base)).await;
    let csrf = csrf_in(&page).expect("a CSRF token");
    assert!(page.contains(&format!(r#"data-scope="{scope}""#)), "{page}");
    let response = http
        .post(format!("{}/calendars/reset", app.base))
        .form(&[("_csrf", csrf.as_str()), ("scope", scope)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = response.text().await.unwrap();
    let url = body
        .split(r#"id="feed-url" readonly value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("the new address is shown: {body}"))
        .to_string();
    // The address is on this response only: the page shows it no more.
    let (_, again) = get(http, &format!("{}/calendars", app.base)).await;
    assert!(!again.contains(&url));
    url
}

/// Fetches a feed without any cookie; returns (status, content type, body).
async fn fetch(url: &str) -> (u16, String, String) {
    let response = reqwest::Client::new().get(url).send().await.unwrap();
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, kind, response.text().await.unwrap())
}

/// The (summary, DTSTART) of every event of a feed, read by the icalendar parser.
fn events(text: &str) -> Vec<(String, String)> {
    let calendar: icalendar::Calendar = text.parse().expect("an iCalendar document");
    calendar
        .components
        .iter()
        .filter_map(|c| match c {
            icalendar::CalendarComponent::Event(e) => {
                use icalendar::Component;
                Some((
                    e.get_summary().unwrap_or_default().to_string(),
                    e.property_value("DTSTART").unwrap_or_default().to_string(),
                ))
            }
            _ => None,
        })
        .collect()
}

async fn calendar_feeds_hold_due_days_reset_kills_the_old_address_and_fetching_writes_nothing(
    backend: Backend,
) {
    let app = spawn_app(backend, 2).await;
    let school = &app.school;
    let course = course(&app).await;
    let (skill, skill_name, _) = starting_skills(&course)[0].clone();
    let teacher_id = user_id(&app, &school.teacher).await;
    let at = now(&app);
    let due_day = day(&app, 4);
    let (_, after_due) =
        ownpace_core::assignments::school_day(&Default::default(), &due_day).unwrap();
    app.store
        .create_assignment(NewAssignment {
            class_id: &school.class_id,
            course_id: &school.course_id,
            kind: TargetKind::Skill,
            target_id: &skill,
            to: AssignTo::WholeClass,
            starts_at: at - DAY,
            due_at: after_due - 1,
            created_by: &teacher_id,
            at,
        })
        .await
        .unwrap();
    let ical_day = due_day.replace('-', "");

    // Ana's own feed.
    let ana = client();
    login_page(&app, &ana, &school.students[0]).await;
    let url = make_feed(&app, &ana, "own").await;
    assert!(url.ends_with(".ics") && url.contains("/calendar/"), "{url}");
    let (status, kind, body) = fetch(&url).await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/calendar"), "{kind}");
    let found = events(&body);
    assert!(
        found.contains(&(format!("Due: {skill_name}"), ical_day.clone())),
        "{found:?}\n{body}"
    );

    // Fetching writes nothing: no row anywhere, not even with the owner's session cookie
    // (which is not looked up, so not touched).
    let ana_id = user_id(&app, &school.students[0]).await;
    let before = app.store.row_counts().await.unwrap();
    let seen_before = app.store.sessions_of(ana_id.as_str()).await.unwrap();
    app.advance_ms(120_000);
    for _ in 0..3 {
        assert_eq!(fetch(&url).await.0, 200);
        assert_eq!(ana.get(&url).send().await.unwrap().status(), 200);
    }
    assert_eq!(fetch(&format!("{url}x")).await.0, 404);
    assert_eq!(app.store.row_counts().await.unwrap(), before);
    assert_eq!(
        app.store.sessions_of(ana_id.as_str()).await.unwrap(),
        seen_before
    );

    // A reset: the old address is a bare 404, the new one works.
    let new_url = make_feed(&app, &ana, "own").await;
    assert_ne!(new_url, url);
    let (status, _, body) = fetch(&url).await;
    assert_eq!(status, 404);
    assert!(
        !body.contains("calendar") && !body.contains("Ana"),
        "{body}"
    );
    assert_eq!(fetch(&new_url).await.0, 200);

    // The guardian's feed holds the child's due day, named.
    let guardian = client();
    login_page(&app, &guardian, &school.guardian).await;
    let g_url = make_feed(&app, &guardian, "own").await;
    let (status, _, body) = fetch(&g_url).await;
    assert_eq!(status, 200);
    let ana_name = app.store.user(&ana_id).await.unwrap().unwrap().display_name;
    assert!(
        events(&body).contains(&(format!("{ana_name}: Due: {skill_name}"), ical_day.clone())),
        "{body}"
    );

    // The class feed for its teacher; another class's scope is refused.
    let teacher = client();
    login_page(&app, &teacher, &school.teacher).await;
    let t_url = make_feed(&app, &teacher, &format!("class:{}", school.class_id)).await;
    let (status, _, body) = fetch(&t_url).await;
    assert_eq!(status, 200);
    assert!(
        events(&body).iter().any(|(summary, start)| summary
            .starts_with(&format!("Due: {skill_name}"))
            && *start == ical_day),
        "{body}"
    );
    let (_, page) = get(&teacher, &format!("{}/calendars", app.base)).await;
    let csrf = csrf_in(&page).unwrap();
    let response = teacher
        .post(format!("{}/calendars/reset", app.base))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("scope", &format!("class:{}", school.other_class_id)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);

    // The feed's secret never reaches the server log's route field (a template).
    assert!(
        ownpace_web::policy::route_table()
            .iter()
            .any(|r| r.path == "/calendar/{feed}")
    );
}

async fn erasing_a_student_removes_their_assignment_rows(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    let school = &app.school;
    let course = course(&app).await;
    let rosa = new_student(&app, "rosa-erase").await;
    let teacher_id = user_id(&app, &school.teacher).await;
    let at = now(&app);
    let project = course.projects[0].id.clone();
    let made = app
        .store
        .create_assignment(NewAssignment {
            class_id: &school.class_id,
            course_id: &school.course_id,
            kind: TargetKind::Project,
            target_id: &project,
            to: AssignTo::Students(vec![rosa.clone()]),
            starts_at: at,
            due_at: at + DAY,
            created_by: &teacher_id,
            at,
        })
        .await
        .unwrap();
    app.store
        .mark_assignment_done(&school.class_id, &made.id, &rosa, &teacher_id, at)
        .await
        .unwrap();
    app.store
        .set_calendar_feed(&rosa, "own", "0123abcd", at)
        .await
        .unwrap();
    assert_eq!(
        app.store.assignments_marked_done(&rosa).await.unwrap(),
        vec![made.id.clone()]
    );
    app.store
        .erase_student(&rosa, "", None, ErasedVia::CommandLine, at + 1)
        .await
        .unwrap();
    assert!(
        app.store
            .assignments_marked_done(&rosa)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        app.store
            .calendar_feed_by_hash("0123abcd")
            .await
            .unwrap()
            .is_none()
    );
    let left = app
        .store
        .assignment(&school.class_id, &made.id)
        .await
        .unwrap()
        .unwrap();
    assert!(left.students.is_empty(), "{left:?}");
    // The teacher's record of the change stays; the student's `done` row went.
    let history = app.store.assignment_history(&made.id).await.unwrap();
    assert_eq!(
        history.iter().map(|c| c.kind.as_str()).collect::<Vec<_>>(),
        vec!["created"]
    );
}

async fn the_demo_school_has_ana_done_and_due_and_a_late_classmate(backend: Backend) {
    let app = spawn_app(backend, 3).await;
    let school = &app.school;
    ownpace::demo::seed_assignments(&app.store, school, now(&app))
        .await
        .unwrap();
    let token = login_api(&app, &school.students[0]).await;
    let (status, list) = api(&app, &token, "/api/v1/me/assignments").await;
    assert_eq!(status, 200);
    let statuses: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses.len(), 2, "{list}");
    assert!(statuses.contains(&"done"), "{list}");
    assert!(
        statuses
            .iter()
            .any(|s| *s == "to-do" || *s == "in-progress"),
        "{list}"
    );
    let ana = user_id(&app, &school.students[0]).await;
    assert!(
        app.store
            .notices_for(&ana, 50)
            .await
            .unwrap()
            .iter()
            .any(|n| n.kind == "assignment_new" && n.read_at.is_none())
    );
    let token = login_api(&app, &school.students[1]).await;
    let (_, list) = api(&app, &token, "/api/v1/me/assignments").await;
    let late = list.as_array().unwrap();
    assert_eq!(late.len(), 1, "{list}");
    assert!(
        late[0]["status"] == "late" || late[0]["status"] == "missing",
        "{list}"
    );
}

/// The real binary with its log in a file (at `info`, and at `debug` for everything of
/// Ownpace's own and the HTTP layer): a feed made and fetched, found and not found, and
/// the secret is nowhere in the log, which names the route template instead.
async fn the_feed_secret_never_reaches_the_server_log(backend: Backend) {
    use crate::support::{login_page_at, ownpace_command, start_serve};
    use std::process::Stdio;
    let db = ownpace_storage::testing::scratch(backend).await;
    let store = ownpace_storage::Store::connect(&db.url).await.unwrap();
    let school = ownpace::demo::seed(&store, ownpace_web::now_ms(), 2, 7)
        .await
        .unwrap();
    store.close().await;
    let work = tempfile::tempdir().unwrap();
    let log_path = work.path().join("server.log");
    let mut command = ownpace_command();
    command
        .current_dir(work.path())
        .env(
            "OWNPACE_LOG",
            "info,ownpace=debug,ownpace_web=debug,tower_http=debug",
        )
        .stderr(Stdio::from(std::fs::File::create(&log_path).unwrap()))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            &db.url,
        ]);
    let (mut child, base) = start_serve(&mut command);

    let http = client();
    login_page_at(&base, &http, &school.students[0]).await;
    let (_, page) = get(&http, &format!("{base}/calendars")).await;
    let csrf = csrf_in(&page).unwrap();
    let body = http
        .post(format!("{base}/calendars/reset"))
        .form(&[("_csrf", csrf.as_str()), ("scope", "own")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let url = body
        .split(r#"id="feed-url" readonly value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the new address")
        .to_string();
    let secret = url
        .rsplit('/')
        .next()
        .unwrap()
        .trim_end_matches(".ics")
        .to_string();
    assert!(secret.len() >= 40, "{secret}");
    assert_eq!(fetch(&url).await.0, 200);
    assert_eq!(
        fetch(&format!("{base}/calendar/{secret}x.ics")).await.0,
        404
    );
    let _ = child.kill();
    let _ = child.wait();
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log.contains("/calendar/{feed}"),
        "the request log names the route template:\n{log}"
    );
    assert!(!log.contains(&secret), "the secret is in the log:\n{log}");
    drop(db);
}
