//! Issue 10, point 5 per group, in a real headless Chromium at 1280 and 390 px: the
//! teacher opens a group's space, chooses a level per rubric criterion and writes feedback
//! once for the whole group, and every member's mastery moves; a member then reads the
//! levels and the feedback in the space. Every page gets the usability checks and the
//! axe-core audit of `browser_support` at both widths. Screenshots go to
//! `target/screenshots/group-assess-*.png`.

#[allow(dead_code)] // This test does not use every helper of the shared module.
mod browser_support;
mod common;

use browser_support::{
    Driver, Findings, click_and_load, open, screenshot_dir, sign_in, text_of, type_into, wait_for,
};
use common::user_id;
use ownpace::demo::DEMO_PASSWORD;
use ownpace_storage::{Backend, NewRound, ProposedGroup, RoundProject};
use std::time::Duration;

const STORY_TIMEOUT: Duration = Duration::from_secs(180);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_teacher_assesses_a_whole_group_and_members_read_it() {
    tokio::time::timeout(STORY_TIMEOUT, story())
        .await
        .unwrap_or_else(|_| panic!("the browser journey took longer than {STORY_TIMEOUT:?}"));
}

async fn story() {
    let driver = Driver::start().await;
    let app = common::spawn_app(Backend::Sqlite, 3).await;
    let school = app.school.clone();
    let base = app.base.clone();
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
        .expect("the demo course");
    let project = course
        .course
        .projects
        .iter()
        .find(|p| p.rubric.iter().any(|c| !c.skills.is_empty()))
        .expect("a project whose rubric names skills")
        .clone();
    let skill = project
        .rubric
        .iter()
        .find(|c| !c.skills.is_empty())
        .expect("a criterion with skills")
        .skills[0]
        .clone();

    // A published group of ana and ben.
    let now = ownpace_web::now_ms();
    let teacher_id = user_id(&app, &school.teacher).await;
    let round = app
        .store
        .create_round(
            &NewRound {
                class_id: &school.class_id,
                course_id: &school.course_id,
                title: "Spring projects",
                opened_by: &teacher_id,
                opens_at: now - 1_000,
                closes_at: now + 86_400_000,
                due_at: now + 10 * 86_400_000,
                seed: 3,
                projects: &[RoundProject {
                    project_id: project.id.clone(),
                    group_min: 2,
                    group_max: 4,
                }],
            },
            now,
        )
        .await
        .expect("open a round");
    let ana = user_id(&app, &school.students[0]).await;
    let ben = user_id(&app, &school.students[1]).await;
    app.store
        .save_proposal(
            &round.id,
            &[ProposedGroup {
                project_id: project.id.clone(),
                name: "Bakers".into(),
                members: vec![
                    (ana.clone(), "first choice".into()),
                    (ben.clone(), "first choice".into()),
                ],
            }],
            now,
        )
        .await
        .expect("propose");
    let published = app
        .store
        .publish_groups(&round.id, now)
        .await
        .expect("publish");
    let group = published[0].0.id.clone();
    let attempts = |rows: Vec<ownpace_storage::MasteryRow>| {
        rows.iter()
            .find(|r| r.skill_id.as_str() == skill)
            .map_or(0, |r| r.progress.attempts)
    };
    let before = attempts(
        app.store
            .student_mastery(&ben, &school.course_id)
            .await
            .expect("mastery"),
    );

    // The teacher assesses the whole group from its space.
    let teacher = driver.browser().await;
    let t = &teacher.client;
    sign_in(t, &base, &school.teacher, DEMO_PASSWORD).await;
    open(t, &base, &format!("/groups/{group}")).await;
    wait_for(t, "#group-assess-form", "the group assessment form").await;
    findings.both_widths(t, "group-assess-form").await;
    for (n, criterion) in project.rubric.iter().enumerate() {
        let top = criterion
            .levels
            .last()
            .expect("a criterion has levels")
            .points;
        wait_for(t, &format!("#group-level_{}", n + 1), "a criterion's level")
            .await
            .select_by_value(&top.to_string())
            .await
            .expect("choose a level");
    }
    type_into(
        t,
        "#group-feedback",
        "A clear recipe card; well shared out.",
    )
    .await;
    let save = wait_for(
        t,
        "#group-assess-form button[type=submit]",
        "the assess button",
    )
    .await;
    click_and_load(t, &save, "\"Assess the whole group\"").await;
    let flash = text_of(t, "#flash", "the confirmation").await;
    assert!(flash.contains("Assessed the 2 member(s)"), "{flash:?}");
    let members = text_of(t, "#member-assessments", "each member's levels").await;
    assert!(members.contains(&project.rubric[0].name), "{members:?}");
    findings.both_widths(t, "group-assess-done").await;
    teacher.close().await;
    let after = attempts(
        app.store
            .student_mastery(&ben, &school.course_id)
            .await
            .expect("mastery"),
    );
    assert_eq!(after, before + 1, "ben's mastery moved with the group's");

    // Ana reads the levels and the feedback in the space.
    let student = driver.browser().await;
    let s = &student.client;
    sign_in(s, &base, &school.students[0], DEMO_PASSWORD).await;
    open(s, &base, &format!("/groups/{group}")).await;
    let mine = text_of(s, "#my-assessment", "ana's assessment").await;
    assert!(mine.contains("A clear recipe card"), "{mine:?}");
    assert!(mine.contains(&project.rubric[0].name), "{mine:?}");
    findings.both_widths(s, "group-assess-member").await;
    student.close().await;

    let problems = std::mem::take(&mut findings.problems);
    assert!(
        problems.is_empty(),
        "usability problems on the pages:\n{}",
        problems.join("\n")
    );
    drop(driver);
}
