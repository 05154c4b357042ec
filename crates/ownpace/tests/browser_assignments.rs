//! Issue 9, points 4 and 6, in a real headless Chromium (a short check; the merged
//! journey lives elsewhere): the teacher's assignments page (assign a lesson to the whole
//! class, the overview of who finished what), the student's course page with her
//! assignments, and the calendar-feed page with a new address, each at 1280 and 390 px
//! with the usability checks and the axe-core audit of `browser_support`; nothing
//! overflows a phone. Screenshots go to `target/screenshots/assign-*.png`.

#[allow(dead_code)] // This test does not use every helper of the shared module.
mod browser_support;
mod common;

use browser_support::{
    Driver, Findings, click_and_load, open, screenshot_dir, sign_in, text_of, wait_for,
};
use ownpace::demo::DEMO_PASSWORD;
use ownpace_storage::Backend;
use std::time::Duration;

const STORY_TIMEOUT: Duration = Duration::from_secs(150);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assignments_and_calendar_pages_pass_the_checks_on_desktop_and_phone() {
    tokio::time::timeout(STORY_TIMEOUT, story())
        .await
        .unwrap_or_else(|_| panic!("the browser journey took longer than {STORY_TIMEOUT:?}"));
}

async fn story() {
    let driver = Driver::start().await;
    let app = common::spawn_app(Backend::Sqlite, 3).await;
    let school = app.school.clone();
    let base = app.base.clone();
    ownpace::demo::seed_assignments(&app.store, &school, ownpace_web::now_ms())
        .await
        .expect("the demo's assignments");
    let mut findings = Findings {
        base: base.clone(),
        problems: Vec::new(),
        shots: screenshot_dir(),
        saved: Vec::new(),
    };

    // The teacher assigns a lesson to the whole class.
    let teacher = driver.browser().await;
    let t = &teacher.client;
    sign_in(t, &base, &school.teacher, DEMO_PASSWORD).await;
    open(t, &base, &format!("/classes/{}", school.class_id)).await;
    let link = wait_for(t, "#assignments-link", "the assignments link").await;
    click_and_load(t, &link, "the assignments link").await;
    wait_for(t, "#assignment-overview", "the overview").await;
    findings.both_widths(t, "assign-teacher").await;
    let course = app
        .store
        .current_course(&school.course_id)
        .await
        .expect("read the course")
        .expect("the course exists");
    let lesson = course.course.lessons[0].clone();
    let target = wait_for(t, "#assign-target", "the target list").await;
    target
        .select_by_value(&format!("lesson:{}", lesson.id))
        .await
        .expect("choose the lesson");
    let (y, m, d) = ownpace_core::recommend::dates::civil(ownpace_web::now_ms() + 3 * 86_400_000);
    wait_for(t, "#assign-due", "the due field").await;
    t.execute(
        "document.querySelector('#assign-due').value = arguments[0];",
        vec![serde_json::json!(format!("{y:04}-{m:02}-{d:02}"))],
    )
    .await
    .expect("set the due day");
    let submit = wait_for(t, "#assign-submit", "the assign button").await;
    click_and_load(t, &submit, "\"Assign\"").await;
    let said = text_of(t, "#flash", "the message").await;
    assert!(said.contains(&lesson.title), "{said:?}");
    findings.both_widths(t, "assign-teacher-assigned").await;
    open(t, &base, "/calendars").await;
    findings.both_widths(t, "assign-teacher-calendars").await;
    teacher.close().await;

    // Ana sees her assignments and makes her calendar address.
    let student = driver.browser().await;
    let s = &student.client;
    sign_in(s, &base, &school.students[0], DEMO_PASSWORD).await;
    open(s, &base, &format!("/learn/{}", school.course_id)).await;
    wait_for(s, "#assignment-list", "her assignments").await;
    let list = text_of(s, "#assignment-list", "her assignments").await;
    assert!(
        list.contains(&lesson.title) && list.contains("done"),
        "{list:?}"
    );
    findings.both_widths(s, "assign-student").await;
    open(s, &base, "/calendars").await;
    let make = wait_for(s, "#feed-list button", "the make-an-address button").await;
    click_and_load(s, &make, "\"Make an address\"").await;
    wait_for(s, "#feed-url", "the new address").await;
    findings.both_widths(s, "assign-student-calendars").await;
    student.close().await;

    let problems = std::mem::take(&mut findings.problems);
    assert!(
        problems.is_empty(),
        "usability problems on the pages:\n{}",
        problems.join("\n")
    );
    drop(driver);
}
