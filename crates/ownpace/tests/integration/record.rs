//! The student record and the class dashboard as a teacher uses them, on both engines:
//! history with the question, the answer and its grading, paging and a skill filter;
//! goal forms that keep their input and say what is wrong in place; class-wide pins that
//! one student's page cannot remove for everyone; dated flags, and "not started yet"
//! apart from "inactive" (a student busy in another course is not inactive).

use crate::support::{TestApp, client, login_page, spawn_app, user_id, workspace_root};
use crate::support::{get_page as page, post_form as post};
use ownpace_storage::{Backend, NewOverride, OverrideAction, OverrideScope};

on_both_engines!(
    history_shows_questions_pages_and_filters_by_skill,
    forms_on_the_record_keep_input_and_class_pins_stay_on_the_class_page,
    the_dashboard_dates_flags_and_tells_not_started_from_inactive,
);

/// The rows of the first history table of a page.
fn history_rows(body: &str) -> Vec<String> {
    let Some(start) = body.find(r#"class="history""#) else {
        return Vec::new();
    };
    let end = body[start..].find("</table>").unwrap() + start;
    body[start..end]
        .split("<tr>")
        .skip(2)
        .map(str::to_string)
        .collect()
}

async fn teacher(app: &TestApp) -> (reqwest::Client, String) {
    let http = client();
    let csrf = login_page(app, &http, "teacher").await;
    (http, csrf)
}

async fn history_shows_questions_pages_and_filters_by_skill(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    let (http, _) = teacher(&app).await;
    let ana = user_id(&app, &app.school.students[0]).await;
    let course = app
        .store
        .current_course(&app.school.course_id)
        .await
        .unwrap()
        .unwrap();
    let events = app
        .store
        .student_events(&ana, &app.school.course_id, 10_000)
        .await
        .unwrap();
    assert!(events.len() > 50, "the demo history is long enough to page");
    let (status, body) = page(&http, &format!("{}/students/{ana}", app.base)).await;
    assert_eq!(status, 200);
    let rows = history_rows(&body);
    assert_eq!(rows.len(), 50, "one page");
    // The newest answer shows its question's text, not the item's id.
    let newest = events
        .iter()
        .find(|e| e.kind == ownpace_core::events::EventKind::Answer)
        .unwrap();
    let item_id = newest.item_id.as_deref().unwrap();
    assert!(!body.contains(&format!("{item_id} →")), "no item ids");
    assert!(
        rows.iter()
            .any(|r| r.contains("Correct") || r.contains("Wrong")),
        "answers carry their grading"
    );
    assert!(body.contains("breadcrumb") || body.contains("Breadcrumb"));
    assert!(
        body.contains(&format!(r#"href="/classes/{}""#, app.school.class_id)),
        "a way back to the class"
    );
    // Older pages.
    let older = body
        .split(r#" id="older-1">"#)
        .next()
        .and_then(|before| before.rsplit("href=\"").next())
        .map(|href| {
            href.split('"')
                .next()
                .unwrap()
                .replace("&amp;", "&")
                .replace("&#38;", "&")
        })
        .expect("an older link");
    let (status, second) = page(&http, &format!("{}{older}", app.base)).await;
    assert_eq!(status, 200);
    let second_rows = history_rows(&second);
    assert!(!second_rows.is_empty());
    assert!(second.contains("(older)"));
    assert_ne!(rows[0], second_rows[0]);
    // One skill's answers.
    let skill = &course.course.skills[0];
    let on_skill = events
        .iter()
        .filter(|e| e.skills.contains(&skill.id))
        .count();
    let (_, filtered) = page(
        &http,
        &format!(
            "{}/students/{ana}?course={}&skill={}",
            app.base, app.school.course_id, skill.id
        ),
    )
    .await;
    assert!(filtered.contains(&format!("Activity on {}", skill.name)));
    let filtered_rows = history_rows(&filtered);
    assert_eq!(filtered_rows.len(), on_skill.min(50));
    assert!(filtered_rows.iter().all(|r| r.contains(&skill.name)));
}

async fn forms_on_the_record_keep_input_and_class_pins_stay_on_the_class_page(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    let (http, csrf) = teacher(&app).await;
    let ana = user_id(&app, &app.school.students[0]).await;
    let record = format!("{}/students/{ana}", app.base);
    let course = app
        .store
        .current_course(&app.school.course_id)
        .await
        .unwrap()
        .unwrap();
    let target = format!("skill:{}", course.course.skills[1].id);
    // A goal in the past: back to the record with the error beside the date and the
    // input kept; nothing stored.
    let goals_before = app
        .store
        .open_goals(&ana, &app.school.course_id)
        .await
        .unwrap()
        .len();
    let (status, location) = post(
        &http,
        &format!("{record}/goals"),
        &[
            ("_csrf", &csrf),
            ("course_id", app.school.course_id.as_str()),
            ("target", &target),
            ("title", "Ratios by spring"),
            ("due", "2020-01-01"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert!(
        location.starts_with(&format!("/students/{ana}#goal-")),
        "{location}"
    );
    let (_, body) = page(&http, &record).await;
    assert!(body.contains(r#"class="field-error""#) && body.contains("choose a day from today on"));
    assert!(body.contains(r#"value="2020-01-01""#) && body.contains(r#"value="Ratios by spring""#));
    assert!(body.contains(r#"min=""#), "the date field has a minimum");
    assert_eq!(
        app.store
            .open_goals(&ana, &app.school.course_id)
            .await
            .unwrap()
            .len(),
        goals_before
    );
    // A good goal is confirmed.
    post(
        &http,
        &format!("{record}/goals"),
        &[
            ("_csrf", &csrf),
            ("course_id", app.school.course_id.as_str()),
            ("target", &target),
            ("title", ""),
            ("due", "2099-01-01"),
        ],
    )
    .await;
    let (_, body) = page(&http, &record).await;
    assert!(
        body.contains("notice success") && body.contains("Goal set with"),
        "a confirmation"
    );

    // A class-wide pin shows on the student's page with the way to the class page, and
    // the student's page cannot remove it.
    let teacher_id = user_id(&app, "teacher").await;
    let activity = format!("skill:{}", course.course.skills[2].id);
    app.store
        .add_override(NewOverride {
            course_id: &app.school.course_id,
            scope: OverrideScope::Class(&app.school.class_id),
            activity: &activity,
            action: OverrideAction::Pin,
            created_by: &teacher_id,
            at: ownpace_web::now_ms(),
        })
        .await
        .unwrap();
    let class_pin = app
        .store
        .overrides_for_class(&app.school.class_id, &app.school.course_id)
        .await
        .unwrap()[0]
        .id
        .clone();
    let (_, body) = page(&http, &record).await;
    assert!(
        !body.contains(&format!("/overrides/{class_pin}/delete")),
        "no remove button for a class pin"
    );
    assert!(body.contains("change it for the whole class on the class page"));
    let (status, _) = post(
        &http,
        &format!("{record}/overrides/{class_pin}/delete"),
        &[("_csrf", &csrf)],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(
        app.store
            .overrides_for_class(&app.school.class_id, &app.school.course_id)
            .await
            .unwrap()
            .len(),
        1,
        "still there for everyone"
    );
    let (_, body) = page(&http, &record).await;
    assert!(body.contains("notice error") && body.contains("for the whole class"));
    // A pin for the student alone is removed from their page, with a confirmation.
    post(
        &http,
        &format!("{record}/overrides"),
        &[
            ("_csrf", &csrf),
            ("course_id", app.school.course_id.as_str()),
            ("activity", &activity),
            ("action", "hide"),
        ],
    )
    .await;
    let (_, body) = page(&http, &record).await;
    assert!(body.contains("Hidden from"));
    let own = app
        .store
        .overrides_for_student(&ana, &app.school.course_id)
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.student_id.is_some())
        .unwrap();
    post(
        &http,
        &format!("{record}/overrides/{}/delete", own.id),
        &[("_csrf", &csrf)],
    )
    .await;
    let (_, body) = page(&http, &record).await;
    assert!(body.contains("Removed for"));
    // The placement cap on the class page is confirmed too.
    post(
        &http,
        &format!("{}/classes/{}/placement", app.base, app.school.class_id),
        &[("_csrf", &csrf), ("questions", "9")],
    )
    .await;
    let (_, body) = page(
        &http,
        &format!("{}/classes/{}", app.base, app.school.class_id),
    )
    .await;
    assert!(body.contains("at most 9 placement questions"));
}

async fn the_dashboard_dates_flags_and_tells_not_started_from_inactive(backend: Backend) {
    let app = spawn_app(backend, 3).await;
    let files = ownpace::course_dir::read_folder(
        &workspace_root().join("crates/core/tests/fixtures/courses/valid"),
    )
    .unwrap();
    let second = ownpace::course_dir::load(&files).unwrap();
    app.store
        .import_course(&second.course, &second.assets, ownpace_web::now_ms())
        .await
        .unwrap();
    let class = app
        .store
        .create_class("Second course", &second.course.id, ownpace_web::now_ms())
        .await
        .unwrap();
    let teacher_id = user_id(&app, "teacher").await;
    let ana = user_id(&app, &app.school.students[0]).await;
    app.store
        .add_to_class(&class.id, &teacher_id, ownpace_web::now_ms())
        .await
        .unwrap();
    app.store
        .add_to_class(&class.id, &ana, ownpace_web::now_ms())
        .await
        .unwrap();
    let (http, _) = teacher(&app).await;
    let (_, body) = page(&http, &format!("{}/classes/{}", app.base, class.id)).await;
    let not_started = body
        .split(r#"id="not-started-list""#)
        .nth(1)
        .expect("a not-started list");
    assert!(
        not_started.contains("in the class since")
            && not_started.contains("active in another course")
    );
    assert!(
        !body.contains(r#"id="inactive-list""#),
        "busy in another course is not inactive"
    );
    assert!(!body.contains("last active never"));
    // On the demo class, stuck flags carry the date of the last answer.
    let (_, body) = page(
        &http,
        &format!("{}/classes/{}", app.base, app.school.class_id),
    )
    .await;
    if let Some(stuck) = body.split(r#"id="stuck-list""#).nth(1) {
        assert!(stuck.contains("last answer"), "{stuck}");
    }
}
