//! Issue 9, point 2 in a real headless Chromium: a check-in from both sides and the
//! family's view, at 1280 and at 390 px.
//!
//! Ana prepares her check-in (the three prompts, her data beside them); her teacher opens
//! the class's check-ins, then Ana's agenda (her answers and the same data), records the
//! check-in with one note shared with the family and one not and an action, and turns the
//! action into a goal in one click; the guardian sees the shared note and not the other.
//! Every page gets the usability checks and axe-core audit of `browser_support`, at both
//! widths; nothing overflows a phone. Screenshots go to `target/screenshots/checkin-*.png`.

#[allow(dead_code)] // This test does not use every helper of the shared module.
mod browser_support;
mod common;

use browser_support::{
    Driver, Findings, click_and_load, open, screenshot_dir, set_value, sign_in, text_of, type_into,
    wait_for,
};
use common::user_id;
use ownpace::demo::DEMO_PASSWORD;
use ownpace_storage::{Backend, GoalAgreement};
use std::time::Duration;

const STORY_TIMEOUT: Duration = Duration::from_secs(150);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_student_prepares_the_teacher_holds_and_the_family_sees_the_shared_note() {
    tokio::time::timeout(STORY_TIMEOUT, story())
        .await
        .unwrap_or_else(|_| panic!("the browser journey took longer than {STORY_TIMEOUT:?}"));
}

async fn story() {
    let driver = Driver::start().await;
    let app = common::spawn_app(Backend::Sqlite, 3).await;
    let school = app.school.clone();
    let base = app.base.clone();
    let ana = user_id(&app, &school.students[0]).await;
    let class = school.class_id.to_string();
    let mut findings = Findings {
        base: base.clone(),
        problems: Vec::new(),
        shots: screenshot_dir(),
        saved: Vec::new(),
    };

    // Ana prepares from her course page.
    let student = driver.browser().await;
    let s = &student.client;
    sign_in(s, &base, &school.students[0], DEMO_PASSWORD).await;
    open(s, &base, &format!("/learn/{}", school.course_id)).await;
    let link = wait_for(s, "a.checkin-link", "the check-in link").await;
    click_and_load(s, &link, "\"Prepare my check-in\"").await;
    wait_for(
        s,
        "#checkin-data #data-week",
        "the time on screen beside the prompts",
    )
    .await;
    for (css, text) in [
        ("#went-well", " I finished the ratio skills."),
        ("#was-hard", " Unit rates with decimals."),
        ("#next-step", " A project with Ben."),
    ] {
        type_into(s, css, text).await;
    }
    let save = wait_for(s, "#prep-form button[type=submit]", "the save button").await;
    click_and_load(s, &save, "\"Save my answers\"").await;
    let flash = text_of(s, "#flash", "the confirmation").await;
    assert!(flash.contains("Saved"), "{flash:?}");
    findings.both_widths(s, "checkin-student").await;

    // The teacher: the class's check-ins, then Ana's agenda.
    let teacher = driver.browser().await;
    let t = &teacher.client;
    sign_in(t, &base, &school.teacher, DEMO_PASSWORD).await;
    open(t, &base, &format!("/classes/{class}")).await;
    let link = wait_for(t, "#checkins-link", "the check-ins link").await;
    click_and_load(t, &link, "the check-ins link").await;
    wait_for(t, "#due-list tr.due", "a student due").await;
    findings.both_widths(t, "checkin-class").await;
    let ana_link = wait_for(
        t,
        &format!("#due-list a[href='/classes/{class}/checkins/{ana}']"),
        "Ana in the list",
    )
    .await;
    click_and_load(t, &ana_link, "Ana's agenda").await;
    let answers = text_of(t, "#agenda-answers", "Ana's answers").await;
    assert!(answers.contains("Unit rates with decimals."), "{answers:?}");
    findings.both_widths(t, "checkin-agenda").await;

    let course = app
        .store
        .current_course(&school.course_id)
        .await
        .expect("read the course")
        .expect("the course exists");
    let skill = course.course.skills[4].clone();
    type_into(
        t,
        "#note1",
        "Ana explained unit rates to the class: well done.",
    )
    .await;
    wait_for(t, "input[name=shared1]", "the shared box")
        .await
        .click()
        .await
        .expect("tick the shared box");
    type_into(t, "#note2", "Keep an eye on homework time.").await;
    type_into(t, "#action1", "Master the next skill").await;
    wait_for(t, "#skill1", "the skill list")
        .await
        .select_by_value(&skill.id)
        .await
        .expect("choose the skill");
    let due = ownpace_core::recommend::dates::civil(ownpace_web::now_ms() + 14 * 86_400_000);
    set_value(
        t,
        "#due1",
        &format!("{:04}-{:02}-{:02}", due.0, due.1, due.2),
    )
    .await;
    let record = wait_for(t, "#hold-form button[type=submit]", "the record button").await;
    click_and_load(t, &record, "\"Record the check-in\"").await;
    let flash = text_of(t, "#flash", "the confirmation").await;
    assert!(flash.contains("1 shared with the family"), "{flash:?}");
    let make = wait_for(
        t,
        "#checkin-history > li:first-child .make-action button",
        "the newest check-in's action",
    )
    .await;
    click_and_load(t, &make, "\"Make it a goal\"").await;
    let flash = text_of(t, "#flash", "the confirmation").await;
    assert!(flash.contains("Goal set with"), "{flash:?}");
    let goals = app
        .store
        .open_goals(&ana, &school.course_id)
        .await
        .expect("read the goals");
    assert!(
        goals
            .iter()
            .any(|g| g.title == "Master the next skill" && g.agreement == GoalAgreement::Agreed),
        "the action became an agreed goal"
    );
    findings.both_widths(t, "checkin-agenda-held").await;
    teacher.close().await;

    // The guardian: the shared note, not the other.
    let guardian = driver.browser().await;
    let g = &guardian.client;
    sign_in(g, &base, &school.guardian, DEMO_PASSWORD).await;
    open(g, &base, &format!("/family/{ana}")).await;
    let shared = text_of(g, "#shared-checkins", "the shared notes").await;
    assert!(shared.contains("Ana explained unit rates"), "{shared:?}");
    let whole = text_of(g, "main", "the page").await;
    assert!(!whole.contains("Keep an eye on homework time"));
    assert!(
        !whole.contains("Unit rates with decimals"),
        "not the student's answers"
    );
    findings.both_widths(g, "checkin-family").await;
    guardian.close().await;
    student.close().await;

    let problems = std::mem::take(&mut findings.problems);
    assert!(
        problems.is_empty(),
        "usability problems on the pages:\n{}",
        problems.join("\n")
    );
    drop(driver);
}
