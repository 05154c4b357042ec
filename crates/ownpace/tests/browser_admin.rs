//! Issue 16's admin and teacher pages in a real headless Chromium, at 1280 px and 390 px:
//!
//! 1. the admin makes a class, then adds its roster from CSV files: the first upload has
//!    one bad line (a password filled in), which the page names with its file and line
//!    while nothing is stored; the corrected file shows a preview, the confirmation hands
//!    out one-time set-up codes, and the class page lists the students. Reloading any page
//!    after a form shows the page (never a 405) without the message again;
//! 2. one new student uses their set-up code to choose a password and signs in;
//! 3. the teacher opens a student's record: the history names questions, and the skill
//!    filter shows one skill's activity; the breadcrumbs lead back to the class.
//!
//! Every page is checked for usability basics and axe-core (`browser_support`), and must
//! not overflow a phone-sized window. Screenshots go to `target/screenshots/admin-*`.

#[allow(dead_code)] // This test does not use every helper of the shared module.
mod browser_support;
mod common;

use browser_support::{
    DESKTOP, Driver, Findings, PHONE, click_and_load, field_labelled, horizontal_overflow, open,
    resize, screenshot_dir, sign_in, text_of, wait_for,
};
use common::spawn_app;
use fantoccini::{Client, Locator};
use ownpace::demo::DEMO_PASSWORD;
use ownpace_storage::Backend;
use std::time::Duration;

const STORY_TIMEOUT: Duration = Duration::from_secs(180);

impl Findings {
    /// Checks the page now shown at phone width (no horizontal overflow, usability
    /// basics), saves a screenshot, and goes back to the desktop width.
    async fn at_phone_width(&mut self, client: &Client, name: &str) {
        resize(client, PHONE).await;
        if let Some(problem) = horizontal_overflow(client).await {
            self.problems
                .push(format!("{name} at {} px: {problem}", PHONE.0));
        }
        self.check(client).await;
        self.shot(client, &format!("admin-phone-{name}")).await;
        resize(client, DESKTOP).await;
    }
}

async fn button(client: &Client, text: &str) -> fantoccini::elements::Element {
    client
        .find(Locator::XPath(&format!(
            "//main//button[normalize-space()='{text}']"
        )))
        .await
        .unwrap_or_else(|e| panic!("a \"{text}\" button: {e}"))
}

async fn link(client: &Client, text: &str) -> fantoccini::elements::Element {
    client
        .find(Locator::XPath(&format!(
            "//main//a[contains(normalize-space(), '{text}')]"
        )))
        .await
        .unwrap_or_else(|e| panic!("a link \"{text}\": {e}"))
}

/// Chooses files in the upload form and sends it.
async fn upload(client: &Client, users: &std::path::Path, enrollments: &std::path::Path) {
    for (id, path) in [("#users-file", users), ("#enrollments-file", enrollments)] {
        wait_for(client, id, "a file field")
            .await
            .send_keys(&path.display().to_string())
            .await
            .unwrap_or_else(|e| panic!("choose {}: {e}", path.display()));
    }
    let send = button(client, "Upload and check").await;
    click_and_load(client, &send, "\"Upload and check\"").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_adds_a_class_roster_from_csv_files_and_corrects_one_bad_line() {
    tokio::time::timeout(STORY_TIMEOUT, story())
        .await
        .unwrap_or_else(|_| panic!("the admin story took longer than {STORY_TIMEOUT:?}"));
}

async fn story() {
    let driver = Driver::start().await;
    let app = spawn_app(Backend::Sqlite, 4).await;
    let base = app.base.clone();
    let mut findings = Findings {
        base: base.clone(),
        problems: Vec::new(),
        shots: screenshot_dir(),
        saved: Vec::new(),
    };
    let files = tempfile::tempdir().expect("a folder for the CSV files");

    // 1. The admin makes a class.
    let admin = driver.browser().await;
    let a = &admin.client;
    sign_in(a, &base, "admin", DEMO_PASSWORD).await;
    open(a, &base, "/admin").await;
    findings.check(a).await;
    findings.shot(a, "admin-overview").await;
    findings.at_phone_width(a, "overview").await;
    field_labelled(a, "Class name")
        .await
        .send_keys("Grade 6 · Period 6")
        .await
        .expect("type the class name");
    let create = button(a, "Create class").await;
    click_and_load(a, &create, "\"Create class\"").await;
    let message = text_of(a, "#flash.notice.success", "the success message").await;
    assert!(message.contains("Grade 6 · Period 6"), "{message}");
    assert!(
        !message.contains("..") && !message.contains('`'),
        "{message}"
    );
    let url = a.current_url().await.expect("the class page's URL");
    let class_id = url
        .path()
        .strip_prefix("/admin/classes/")
        .expect("the class page")
        .to_string();
    // A reload shows the page without the message: Post/Redirect/Get.
    a.refresh().await.expect("reload the class page");
    wait_for(a, "h1", "the class page after a reload").await;
    assert!(
        a.find(Locator::Css("#flash")).await.is_err(),
        "the message is shown once"
    );
    assert_eq!(
        text_of(a, "h1", "the class's name").await,
        "Grade 6 · Period 6"
    );

    // The roster from CSV files, with one bad line.
    let users = files.path().join("users.csv");
    let enrollments = files.path().join("enrollments.csv");
    let users_text = |password: &str| {
        format!(
            "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,givenName,familyName,password\n\
             s-101,active,2026-08-01,true,school,student,lucia.romero,Lucía,Romero,\n\
             s-102,active,2026-08-01,true,school,student,li.wei,Li,Wei,{password}\n\
             s-103,active,2026-08-01,true,school,student,noor.haddad,Noor,Haddad,\n"
        )
    };
    std::fs::write(&users, users_text("hunter22")).expect("write users.csv");
    std::fs::write(
        &enrollments,
        format!(
            "sourcedId,classSourcedId,schoolSourcedId,userSourcedId,role\n\
             e-1,{class_id},school,s-101,student\n\
             e-2,{class_id},school,s-102,student\n\
             e-3,{class_id},school,s-103,student\n"
        ),
    )
    .expect("write enrollments.csv");
    let from_csv = link(a, "add accounts and enrolments from CSV files").await;
    click_and_load(a, &from_csv, "the CSV link").await;
    findings.check(a).await;
    findings.at_phone_width(a, "import").await;
    upload(a, &users, &enrollments).await;
    let refused = text_of(a, "#flash.notice.error", "the error message").await;
    assert!(refused.contains("Nothing was stored"), "{refused}");
    let lines = text_of(a, "#flash-lines", "the lines to correct").await;
    assert!(
        lines.contains("users.csv line 3") && lines.contains("password"),
        "{lines}"
    );
    assert!(
        app.store
            .user_by_username("lucia.romero")
            .await
            .unwrap()
            .is_none(),
        "nothing is stored while a line is wrong"
    );
    findings.check(a).await;
    findings.shot(a, "admin-import-refused").await;
    findings.at_phone_width(a, "import-refused").await;

    // Corrected: preview, confirm, hand-out.
    std::fs::write(&users, users_text("")).expect("correct users.csv");
    upload(a, &users, &enrollments).await;
    wait_for(a, "#new-accounts", "the preview of new accounts").await;
    let preview = text_of(a, "#new-accounts", "the new accounts").await;
    for name in ["Lucía Romero", "Li Wei", "Noor Haddad"] {
        assert!(preview.contains(name), "{name} in {preview}");
    }
    findings.check(a).await;
    findings.shot(a, "admin-import-preview").await;
    findings.at_phone_width(a, "import-preview").await;
    let confirm = button(a, "Add them").await;
    click_and_load(a, &confirm, "\"Add them\"").await;
    let done = text_of(a, "#flash.notice.success", "the confirmation").await;
    assert!(
        done.contains("Added 3 accounts and 3 enrolments in Grade 6 · Period 6"),
        "{done}"
    );
    let codes = a
        .find_all(Locator::Css("#codes-table td.code"))
        .await
        .expect("the set-up codes");
    assert_eq!(codes.len(), 3);
    let lucia_code = codes[0].text().await.expect("a code's text");
    findings.check(a).await;
    findings.shot(a, "admin-handout").await;
    findings.at_phone_width(a, "handout").await;
    open(a, &base, &format!("/admin/classes/{class_id}")).await;
    let roster = text_of(a, "#student-roster", "the class roster").await;
    for name in ["Lucía Romero", "Li Wei", "Noor Haddad"] {
        assert!(roster.contains(name), "{name} on the roster: {roster}");
    }
    findings.check(a).await;
    findings.shot(a, "admin-class").await;
    findings.at_phone_width(a, "class").await;
    // The account page of one of them.
    let account = link(a, "Lucía Romero").await;
    click_and_load(a, &account, "Lucía's account").await;
    findings.check(a).await;
    findings.at_phone_width(a, "account").await;
    admin.close().await;

    // 2. Lucía sets her password with her code and signs in.
    let student = driver.browser().await;
    let s = &student.client;
    open(s, &base, &format!("/setup?code={lucia_code}")).await;
    findings.check(s).await;
    findings.at_phone_width(s, "setup").await;
    for (label, text) in [
        ("New password", "lucía's own password"),
        ("The same password again", "lucía's own password"),
    ] {
        field_labelled(s, label)
            .await
            .send_keys(text)
            .await
            .expect("type a password");
    }
    let set = button(s, "Set my password").await;
    click_and_load(s, &set, "\"Set my password\"").await;
    assert_eq!(
        text_of(s, "h1", "the done page").await,
        "Your password is set"
    );
    sign_in(s, &base, "lucia.romero", "lucía's own password").await;
    student.close().await;

    // 3. The teacher reads a student's record, filters by skill, and goes back.
    let teacher = driver.browser().await;
    let t = &teacher.client;
    sign_in(t, &base, "teacher", DEMO_PASSWORD).await;
    let ana = app
        .store
        .user_by_username(&app.school.students[0])
        .await
        .unwrap()
        .unwrap();
    open(t, &base, &format!("/students/{}", ana.id)).await;
    let history = text_of(t, "table.history", "the history").await;
    assert!(
        history.contains("Correct") || history.contains("Wrong"),
        "answers carry their grading: {history}"
    );
    findings.check(t).await;
    findings.shot(t, "teacher-record").await;
    findings.at_phone_width(t, "record").await;
    let course = app
        .store
        .current_course(&app.school.course_id)
        .await
        .unwrap()
        .unwrap();
    let skill = &course.course.skills[0];
    let select = field_labelled(t, "Skill").await;
    select
        .select_by_value(&skill.id)
        .await
        .expect("choose a skill to filter by");
    let show = button(t, "Show").await;
    click_and_load(t, &show, "\"Show\"").await;
    let heading = text_of(
        t,
        &format!("#history-{}", app.school.course_id),
        "the history heading",
    )
    .await;
    assert_eq!(heading, format!("Activity on {}", skill.name));
    findings.check(t).await;
    let crumb = t
        .find(Locator::Css("nav.crumbs a[href^='/classes/']"))
        .await
        .expect("a breadcrumb to the class");
    click_and_load(t, &crumb, "the class breadcrumb").await;
    wait_for(t, "#heatmap", "the class dashboard").await;
    teacher.close().await;

    assert!(
        findings.problems.is_empty(),
        "usability problems:\n{}",
        findings.problems.join("\n")
    );
}
