//! Issue 9's whole partnership in a real headless Chromium, at 1280 and at 390 px.
//!
//! Ana prepares a check-in; her teacher holds it (a note shared with the family) and turns
//! the agreed action into an assignment in one click; Ana sees the assignment on her course
//! page, does the work (her answers go through the JSON API, as an app would send them),
//! and the assignment reads "done" and her grade on the skill moves to 3 · meets; her
//! guardian sees the assignment done and the shared note on the family page, and makes a
//! calendar address whose feed, read by a real iCalendar parser, holds the due day; the
//! guardian sees it in the digest too: this week's letter on the child's page lists the
//! completed assignment and the skill mastered.
//! Every page gets the usability checks and axe-core audit of `browser_support`, at both
//! widths. Screenshots go to `target/screenshots/together-*.png`.

#[allow(dead_code)] // This test does not use every helper of the shared module.
mod browser_support;
mod common;

use browser_support::{
    Driver, Findings, click_and_load, open, screenshot_dir, set_value, sign_in, text_of, type_into,
    wait_for,
};
use common::{as_json, login_api, right_answer, user_id};
use ownpace::demo::DEMO_PASSWORD;
use ownpace_storage::Backend;
use std::time::Duration;

const STORY_TIMEOUT: Duration = Duration::from_secs(240);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_in_becomes_an_assignment_that_moves_the_grade_and_reaches_the_family() {
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
    let course = app
        .store
        .current_course(&school.course_id)
        .await
        .expect("read the course")
        .expect("the course exists");
    // A skill Ana may start (every prerequisite mastered) and has not mastered.
    let mastery = app
        .store
        .student_mastery(&ana, &school.course_id)
        .await
        .expect("read mastery");
    let mastered = |id: &str| {
        mastery
            .iter()
            .any(|m| m.skill_id.as_str() == id && m.progress.is_mastered())
    };
    let skill = course
        .course
        .skills
        .iter()
        .find(|s| {
            !mastered(&s.id)
                && s.prerequisites.iter().all(|p| mastered(p))
                && course.course.items_for_skill(&s.id).next().is_some()
        })
        .expect("a skill Ana can start")
        .clone();
    let due = ownpace_core::recommend::dates::civil(ownpace_web::now_ms() + 6 * 86_400_000);
    let due_text = format!("{:04}-{:02}-{:02}", due.0, due.1, due.2);

    // Ana prepares her check-in.
    let student = driver.browser().await;
    let s = &student.client;
    sign_in(s, &base, &school.students[0], DEMO_PASSWORD).await;
    open(s, &base, &format!("/checkins/{class}")).await;
    type_into(s, "#was-hard", " Starting something new.").await;
    let save = wait_for(s, "#prep-form button[type=submit]", "the save button").await;
    click_and_load(s, &save, "\"Save my answers\"").await;

    // The teacher holds it: a shared note, and an action that becomes an assignment.
    let teacher = driver.browser().await;
    let t = &teacher.client;
    sign_in(t, &base, &school.teacher, DEMO_PASSWORD).await;
    open(t, &base, &format!("/classes/{class}/checkins/{ana}")).await;
    let answers = text_of(t, "#agenda-answers", "Ana's answers").await;
    assert!(answers.contains("Starting something new."), "{answers:?}");
    type_into(
        t,
        "#note1",
        "We agreed Ana starts the next skill this week.",
    )
    .await;
    wait_for(t, "input[name=shared1]", "the shared box")
        .await
        .click()
        .await
        .expect("tick the shared box");
    type_into(t, "#action1", "Work through the next skill").await;
    wait_for(t, "#kind1", "the action's kind")
        .await
        .select_by_value("assignment")
        .await
        .expect("choose an assignment");
    wait_for(t, "#skill1", "the skill list")
        .await
        .select_by_value(&skill.id)
        .await
        .expect("choose the skill");
    set_value(t, "#due1", &due_text).await;
    let record = wait_for(t, "#hold-form button[type=submit]", "the record button").await;
    click_and_load(t, &record, "\"Record the check-in\"").await;
    let make = wait_for(
        t,
        "#checkin-history > li:first-child .make-action button",
        "the newest check-in's action",
    )
    .await;
    click_and_load(t, &make, "the action's button").await;
    let flash = text_of(t, "#flash", "the confirmation").await;
    assert!(flash.contains("Assignment made for"), "{flash:?}");
    findings.both_widths(t, "together-agenda").await;
    teacher.close().await;

    // Ana sees the assignment, to do, on her course page.
    let course_page = format!("/learn/{}", school.course_id);
    open(s, &base, &course_page).await;
    let card = format!(
        "#assignments li[data-status] a[href$='/skills/{}']",
        skill.id
    );
    wait_for(s, &card, "the new assignment").await;
    let list = text_of(s, "#assignments", "the assignments").await;
    assert!(list.contains(&skill.name), "{list:?}");
    findings.both_widths(s, "together-course").await;

    // She does the work: right answers until the skill is mastered.
    let token = login_api(&app, &school.students[0]).await;
    let api = reqwest::Client::new();
    let answers_url = format!("{base}/api/v1/courses/{}", school.course_id);
    for n in 0..25 {
        let known = app
            .store
            .student_mastery(&ana, &school.course_id)
            .await
            .expect("read mastery")
            .iter()
            .any(|m| m.skill_id.as_str() == skill.id && m.progress.is_mastered());
        if known {
            break;
        }
        assert!(n < 24, "mastered within 24 right answers");
        let next: serde_json::Value = api
            .get(format!("{answers_url}/skills/{}/next-item", skill.id))
            .bearer_auth(&token)
            .send()
            .await
            .expect("next item")
            .json()
            .await
            .expect("JSON");
        let item = course
            .course
            .item(next["item_id"].as_str().expect("an item"))
            .expect("the item exists");
        let answered = api
            .post(format!("{answers_url}/answers"))
            .bearer_auth(&token)
            .json(&serde_json::json!({
                "item_id": item.id,
                "response": as_json(&right_answer(item)),
                "idempotency_key": format!("together-{n}"),
            }))
            .send()
            .await
            .expect("answer");
        assert_eq!(answered.status(), 200);
    }
    open(s, &base, &course_page).await;
    let done = format!(
        "#assignments li[data-status=done] a[href$='/skills/{}']",
        skill.id
    );
    wait_for(s, &done, "the assignment done").await;
    // The grade moved: 3 · meets on her report card.
    open(s, &base, "/grades").await;
    let level = wait_for(
        s,
        &format!("#grade-{} .level", skill.id),
        "the skill's level",
    )
    .await;
    assert_eq!(
        level
            .attr("data-level")
            .await
            .expect("the level")
            .as_deref(),
        Some("3")
    );
    findings.both_widths(s, "together-grades").await;
    student.close().await;

    // The guardian: the assignment done, the shared note, and a calendar with the due day.
    let guardian = driver.browser().await;
    let g = &guardian.client;
    sign_in(g, &base, &school.guardian, DEMO_PASSWORD).await;
    open(g, &base, &format!("/family/{ana}")).await;
    let assigned = text_of(g, "#child-assignment-list", "Ana's assignments").await;
    assert!(assigned.contains(&skill.name), "{assigned:?}");
    wait_for(
        g,
        "#child-assignment-list li[data-status=done]",
        "the assignment done",
    )
    .await;
    let shared = text_of(g, "#shared-checkins", "the shared notes").await;
    assert!(shared.contains("starts the next skill"), "{shared:?}");
    wait_for(g, "svg.mastered-chart", "the chart of skills mastered").await;
    // ... and sees it in the digest: this week's letter lists the assignment done and the
    // skill mastered (no mail server here, and the page says so).
    let done_in_letter = text_of(
        g,
        "#letter-digest [data-section=done]",
        "the letter's assignments done",
    )
    .await;
    assert!(done_in_letter.contains(&skill.name), "{done_in_letter:?}");
    let mastered_in_letter = text_of(
        g,
        "#letter-digest [data-section=mastered]",
        "the letter's skills mastered",
    )
    .await;
    assert!(
        mastered_in_letter.contains(&skill.name),
        "{mastered_in_letter:?}"
    );
    let letter = text_of(g, "#weekly-letter", "this week's letter").await;
    assert!(
        letter.contains("no mail server is configured"),
        "{letter:?}"
    );
    findings.both_widths(g, "together-family").await;

    open(g, &base, "/calendars").await;
    let make = wait_for(g, "#feed-list form button", "the first calendar's button").await;
    click_and_load(g, &make, "\"Make an address\"").await;
    let address = wait_for(g, "#feed-url", "the new address")
        .await
        .prop("value")
        .await
        .expect("read the address")
        .expect("an address");
    findings.both_widths(g, "together-calendars").await;
    guardian.close().await;
    let feed = reqwest::get(&address)
        .await
        .expect("fetch the feed")
        .text()
        .await
        .expect("the feed");
    let calendar: icalendar::Calendar = feed.parse().expect("an iCalendar document");
    let due_compact = due_text.replace('-', "");
    let holds_due = calendar.components.iter().any(|c| match c {
        icalendar::CalendarComponent::Event(e) => {
            use icalendar::Component;
            e.property_value("DTSTART")
                .is_some_and(|d| d.starts_with(&due_compact))
                && e.get_summary().is_some_and(|t| t.contains(&skill.name))
        }
        _ => false,
    });
    assert!(
        holds_due,
        "the feed holds {due_text} for {}: {feed}",
        skill.name
    );

    let problems = std::mem::take(&mut findings.problems);
    assert!(
        problems.is_empty(),
        "usability problems on the pages:\n{}",
        problems.join("\n")
    );
    drop(driver);
}
