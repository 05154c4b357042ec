//! Issue 12 in a real headless Chromium: a student near the screen-time budget gets an
//! offline sheet, at 1280 and at 390 px.
//!
//! The demo's second class has a budget of 30 minutes a day, and its student near the
//! budget worked on screen for the last 22 minutes. In the browser that student sees the
//! calm meter ("8 min of screen time left today"), next steps that are all away from the
//! screen with a printable practice sheet first, follows it, makes a sheet, and gets a
//! print-friendly page (its frame and forms hidden by `@media print`, checked by emulating
//! print media), types in one answer, and reads that it waits for the teacher. The teacher
//! of that class then sees the answer key with the self-reported result and the weekly
//! chart on the student's record. Every page gets the usability checks and axe-core audit
//! of `browser_support`, at both widths; nothing overflows a phone. Screenshots go to
//! `target/screenshots/screen-*.png`.

#[allow(dead_code)] // This test does not use every helper of the shared module.
mod browser_support;
mod common;

use browser_support::{
    Driver, Findings, click_and_load, open, screenshot_dir, sign_in, text_of, wait_for,
};
use common::{as_field, right_answer, user_id};
use fantoccini::{Client, Locator};
use ownpace::demo::DEMO_PASSWORD;
use ownpace_storage::Backend;
use std::time::Duration;

const STORY_TIMEOUT: Duration = Duration::from_secs(150);

/// Whether the element matching `css` is displayed when the page is printed.
async fn printed(client: &Client, css: &str) -> bool {
    client
        .execute(
            "const el = document.querySelector(arguments[0]); if (!el) return null; \
             const sheets = [...document.styleSheets]; \
             for (const s of sheets) { for (const r of s.cssRules) { \
               if (r.media && [...r.media].includes('print')) { \
                 for (const inner of r.cssRules) { \
                   if (inner.selectorText && el.matches(inner.selectorText) && inner.style.display === 'none') return false; \
                   if (inner.selectorText && inner.style.display === 'none' && el.closest(inner.selectorText)) return false; \
                 } } } } \
             return true;",
            vec![serde_json::json!(css)],
        )
        .await
        .expect("read the print rules")
        .as_bool()
        .unwrap_or(false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_student_near_the_budget_gets_an_offline_sheet_on_desktop_and_phone() {
    tokio::time::timeout(STORY_TIMEOUT, story())
        .await
        .unwrap_or_else(|_| panic!("the browser journey took longer than {STORY_TIMEOUT:?}"));
}

async fn story() {
    let driver = Driver::start().await;
    // About noon in the school's zone: "today" holds the demo's 22 minutes whenever the
    // test runs.
    let config = ownpace_web::Config {
        timezone: common::noon_zone(),
        ..ownpace_web::Config::default()
    };
    let app = common::spawn_app_with(Backend::Sqlite, 2, config).await;
    let school = app.school.clone();
    let base = app.base.clone();
    let near = school
        .near_budget
        .clone()
        .expect("the demo has a student near the budget");
    let mut findings = Findings {
        base: base.clone(),
        problems: Vec::new(),
        shots: screenshot_dir(),
        saved: Vec::new(),
    };

    // The student near the budget: the meter and offline next steps.
    let student = driver.browser().await;
    let s = &student.client;
    sign_in(s, &base, &near, DEMO_PASSWORD).await;
    open(s, &base, &format!("/learn/{}", school.course_id)).await;
    let meter = text_of(s, "#screen-meter", "the screen-time meter").await;
    assert!(
        meter.contains("8 min of screen time left today"),
        "{meter:?}"
    );
    let options = s
        .find_all(Locator::Css("#next-steps > li.option"))
        .await
        .expect("list the next steps");
    assert!(!options.is_empty());
    for option in &options {
        let why = option
            .find(Locator::Css("p.why"))
            .await
            .expect("an option has a reason")
            .text()
            .await
            .expect("read a reason");
        assert!(
            why.starts_with("screen time is nearly used up"),
            "every option is offline: {why:?}"
        );
    }
    findings.both_widths(s, "screen-course").await;

    // The first option is the printable sheet.
    let first = wait_for(s, "#next-steps > li.option h3 a", "the first next step").await;
    assert_eq!(
        first.text().await.expect("read the first option"),
        "A practice sheet to print"
    );
    click_and_load(s, &first, "the practice-sheet option").await;
    let make = wait_for(s, "#make-sheet button", "the make-a-sheet button").await;
    findings.both_widths(s, "screen-sheets").await;
    click_and_load(s, &make, "\"Make a practice sheet\"").await;
    wait_for(s, "#sheet .sheet-item", "a printed item").await;
    assert!(printed(s, "#sheet").await, "the questions are printed");
    assert!(
        !printed(s, "#results").await,
        "the entry form is not printed"
    );
    assert!(
        !printed(s, "header.site").await,
        "the site's frame is not printed"
    );
    findings.both_widths(s, "screen-sheet").await;

    // Type in the first answer as written on paper.
    let sheet_id = s
        .current_url()
        .await
        .expect("the sheet's URL")
        .path()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let sheet = app
        .store
        .sheet(&sheet_id)
        .await
        .expect("read the sheet")
        .expect("the sheet is stored");
    let course = app
        .store
        .current_course(&school.course_id)
        .await
        .expect("read the course")
        .expect("the course exists");
    let item = course
        .course
        .item(sheet.items[0].item_id.as_str())
        .expect("the sheet's item is in the course");
    let field = wait_for(s, "#answer-1", "the first answer field").await;
    let answer = as_field(&right_answer(item));
    let tag = field
        .prop("tagName")
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    if tag.eq_ignore_ascii_case("input") {
        field.send_keys(&answer).await.expect("type the answer");
    } else {
        field
            .select_by_value(&answer)
            .await
            .expect("choose the answer");
    }
    let save = wait_for(s, "#results-form button[type=submit]", "the save button").await;
    click_and_load(s, &save, "\"Save my answers\"").await;
    let entered = text_of(s, "#entered-1", "the entered answer").await;
    assert!(entered.contains("waiting for your teacher"), "{entered:?}");
    findings.both_widths(s, "screen-sheet-entered").await;
    student.close().await;

    // The class's teacher: the answer key and the chart on the record.
    let teacher = driver.browser().await;
    let t = &teacher.client;
    sign_in(t, &base, &school.other_teacher, DEMO_PASSWORD).await;
    let id = user_id(&app, &near).await;
    open(t, &base, &format!("/students/{id}/sheets/{sheet_id}")).await;
    let key = text_of(t, "#key-1", "the first item of the key").await;
    assert!(key.contains("(self-reported)"), "{key:?}");
    findings.both_widths(t, "screen-answer-key").await;
    open(t, &base, &format!("/students/{id}")).await;
    wait_for(t, "#screen-time svg.screen-chart", "the weekly chart").await;
    findings.both_widths(t, "screen-record").await;
    t.execute(
        "document.querySelector('#screen-time').scrollIntoView()",
        vec![],
    )
    .await
    .expect("scroll to the chart");
    findings.shot(t, "screen-record-chart").await;
    teacher.close().await;

    let problems = std::mem::take(&mut findings.problems);
    assert!(
        problems.is_empty(),
        "usability problems on the pages:\n{}",
        problems.join("\n")
    );
    drop(driver);
}
