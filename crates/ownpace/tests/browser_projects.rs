//! Issue 10, points 1-3 in a real headless Chromium, at 1280 and at 390 px: the teacher
//! opens a project round from the class dashboard, two students rank the projects from
//! their course page, the teacher proposes groups (each placement with its reason) and
//! publishes them, and a student posts to the group's log, uploads a file and submits the
//! group's work, which is then read-only. Every page gets the usability checks and the
//! axe-core audit of `browser_support` at both widths. Screenshots go to
//! `target/screenshots/projects-*.png`.

#[allow(dead_code)] // This test does not use every helper of the shared module.
mod browser_support;
mod common;

use browser_support::{
    Driver, Findings, click_and_load, open, screenshot_dir, sign_in, text_of, type_into, wait_for,
};
use common::user_id;
use ownpace::demo::DEMO_PASSWORD;
use ownpace_storage::Backend;
use std::time::Duration;

const STORY_TIMEOUT: Duration = Duration::from_secs(180);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn students_rank_the_teacher_publishes_and_a_group_posts_uploads_and_submits() {
    tokio::time::timeout(STORY_TIMEOUT, story())
        .await
        .unwrap_or_else(|_| panic!("the browser journey took longer than {STORY_TIMEOUT:?}"));
}

async fn story() {
    let driver = Driver::start().await;
    let app = common::spawn_app(Backend::Sqlite, 3).await;
    let school = app.school.clone();
    let base = app.base.clone();
    let class = school.class_id.to_string();
    let mut findings = Findings {
        base: base.clone(),
        problems: Vec::new(),
        shots: screenshot_dir(),
        saved: Vec::new(),
    };

    // The teacher opens a round with the course's projects (the form's defaults).
    let teacher = driver.browser().await;
    let t = &teacher.client;
    sign_in(t, &base, &school.teacher, DEMO_PASSWORD).await;
    open(t, &base, &format!("/classes/{class}")).await;
    let link = wait_for(t, "#rounds-link", "the project rounds link").await;
    click_and_load(t, &link, "the project rounds link").await;
    findings.both_widths(t, "projects-class-rounds").await;
    type_into(t, "#round-title", " with Ana").await;
    let open_button = wait_for(t, "#open-form button[type=submit]", "the open button").await;
    click_and_load(t, &open_button, "\"Open the round\"").await;
    let flash = text_of(t, "#flash", "the confirmation").await;
    assert!(flash.contains("Opened"), "{flash:?}");
    let round_page = t.current_url().await.expect("the round's address");
    let rounds = app
        .store
        .rounds_of_class(&school.class_id)
        .await
        .expect("read the rounds");
    assert_eq!(rounds.len(), 1);
    let round = rounds[0].clone();
    let projects: Vec<String> = round
        .projects
        .iter()
        .map(|p| p.project_id.clone())
        .collect();

    // Two students rank from their course page.
    for (i, username) in school.students.iter().take(2).enumerate() {
        let student = driver.browser().await;
        let s = &student.client;
        sign_in(s, &base, username, DEMO_PASSWORD).await;
        open(s, &base, &format!("/learn/{}", school.course_id)).await;
        let link = wait_for(s, "a.round-link", "the round link").await;
        click_and_load(s, &link, "\"Rank the projects\"").await;
        let (first, second) = if i == 0 {
            (&projects[0], &projects[1])
        } else {
            (&projects[1], &projects[0])
        };
        for (project, place) in [(first, "1"), (second, "2")] {
            wait_for(s, &format!("#rank-{project}"), "a project's place")
                .await
                .select_by_value(place)
                .await
                .expect("choose a place");
        }
        if i == 0 {
            findings.both_widths(s, "projects-rank").await;
        }
        let save = wait_for(s, "#rank-form button[type=submit]", "the save button").await;
        click_and_load(s, &save, "\"Save my ranking\"").await;
        let flash = text_of(s, "#flash", "the confirmation").await;
        assert!(flash.contains("Saved your ranking"), "{flash:?}");
        student.close().await;
    }
    let ana = user_id(&app, &school.students[0]).await;
    assert_eq!(
        app.store.ranking(&round.id, &ana).await.expect("ranking"),
        vec![projects[0].clone(), projects[1].clone()]
    );

    // The teacher proposes, sees the reasons, and publishes.
    t.goto(round_page.as_str())
        .await
        .expect("back to the round");
    let propose = wait_for(t, "#propose-form button[type=submit]", "the propose button").await;
    click_and_load(t, &propose, "\"Propose groups\"").await;
    let reasons = text_of(t, "#groups", "the proposed groups").await;
    assert!(reasons.contains("choice"), "{reasons:?}");
    findings.both_widths(t, "projects-proposal").await;
    let publish = wait_for(t, "#publish-form button[type=submit]", "the publish button").await;
    click_and_load(t, &publish, "\"Publish the groups\"").await;
    let flash = text_of(t, "#flash", "the confirmation").await;
    assert!(flash.contains("Published"), "{flash:?}");
    teacher.close().await;

    // Ana: her group from the course page, a post, a file, the submission.
    let student = driver.browser().await;
    let s = &student.client;
    sign_in(s, &base, &school.students[0], DEMO_PASSWORD).await;
    open(s, &base, &format!("/learn/{}", school.course_id)).await;
    let link = wait_for(s, "a.round-link", "the group link").await;
    click_and_load(s, &link, "\"My project group\"").await;
    type_into(s, "#post-text", "We measured the table: 3/4 of a metre.").await;
    let post = wait_for(s, "#post-form button[type=submit]", "the post button").await;
    click_and_load(s, &post, "\"Post\"").await;
    let log = text_of(s, "#post-list", "the log").await;
    assert!(log.contains("3/4 of a metre"), "{log:?}");
    let dir = std::env::temp_dir().join(format!("ownpace-upload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a folder for the upload");
    let file = dir.join("plan.txt");
    std::fs::write(&file, "Step 1: measure.\nStep 2: scale.\n").expect("write the file");
    wait_for(s, "#upload-file", "the file field")
        .await
        .send_keys(&file.display().to_string())
        .await
        .expect("choose the file");
    let upload = wait_for(s, "#upload-form button[type=submit]", "the upload button").await;
    click_and_load(s, &upload, "\"Upload\"").await;
    let files = text_of(s, "#file-list", "the files").await;
    assert!(files.contains("plan.txt"), "{files:?}");
    findings.both_widths(s, "projects-group-space").await;
    type_into(s, "#submission-text", "Our scaled plan of the classroom.").await;
    wait_for(s, "#submit-form input[name=file]", "the file to hand in")
        .await
        .click()
        .await
        .expect("tick the file");
    let submit = wait_for(s, "#submit-form button[type=submit]", "the submit button").await;
    click_and_load(s, &submit, "\"Submit the group's work\"").await;
    let done = text_of(s, "#submitted", "the submission").await;
    assert!(done.contains("Submitted by"), "{done:?}");
    let page = text_of(s, "main", "the page").await;
    assert!(page.contains("read-only"), "{page:?}");
    findings.both_widths(s, "projects-submitted").await;
    student.close().await;
    let _ = std::fs::remove_dir_all(&dir);

    let problems = std::mem::take(&mut findings.problems);
    assert!(
        problems.is_empty(),
        "usability problems on the pages:\n{}",
        problems.join("\n")
    );
    drop(driver);
}
