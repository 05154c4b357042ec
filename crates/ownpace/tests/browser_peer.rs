//! Issue 10's whole journey in a real headless Chromium, at 1280 and at 390 px: students
//! rank projects, the teacher publishes groups, a student posts and submits (two groups
//! submit), the teacher starts peer review, a peer reviews on the rubric, the author sees
//! the feedback without the reviewer's name and rates it helpful, the teacher sees the
//! reviewer's name and the helpful share, the teacher assesses the student on the
//! existing per-student page, and the student's mastery of a criterion's skill moves on
//! their course page. The new pages get the usability checks and the axe-core audit of
//! `browser_support` at both widths. Screenshots go to `target/screenshots/peer-*.png`.

#[allow(dead_code)] // This test does not use every helper of the shared module.
mod browser_support;
mod common;

use browser_support::{
    Driver, Findings, click_and_load, open, screenshot_dir, sign_in, text_of, type_into, wait_for,
};
use common::user_id;
use ownpace::demo::DEMO_PASSWORD;
use ownpace_storage::{Backend, NewReview};
use std::time::Duration;

const STORY_TIMEOUT: Duration = Duration::from_secs(240);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_ranking_to_peer_feedback_and_an_assessment_that_moves_mastery() {
    tokio::time::timeout(STORY_TIMEOUT, story())
        .await
        .unwrap_or_else(|_| panic!("the browser journey took longer than {STORY_TIMEOUT:?}"));
}

async fn story() {
    let driver = Driver::start().await;
    let app = common::spawn_app(Backend::Sqlite, 4).await;
    let school = app.school.clone();
    let base = app.base.clone();
    let class = school.class_id.to_string();
    let course = app
        .store
        .current_course(&school.course_id)
        .await
        .expect("read the course")
        .expect("the demo course");
    let mut findings = Findings {
        base: base.clone(),
        problems: Vec::new(),
        shots: screenshot_dir(),
        saved: Vec::new(),
    };
    let ids = {
        let mut ids = Vec::new();
        for s in &school.students {
            ids.push(user_id(&app, s).await);
        }
        ids
    };

    // The teacher opens a round with the course's projects (the form's defaults).
    let teacher = driver.browser().await;
    let t = &teacher.client;
    sign_in(t, &base, &school.teacher, DEMO_PASSWORD).await;
    open(t, &base, &format!("/classes/{class}/rounds")).await;
    let open_button = wait_for(t, "#open-form button[type=submit]", "the open button").await;
    click_and_load(t, &open_button, "\"Open the round\"").await;
    let round_page = t.current_url().await.expect("the round's address");
    let round = app
        .store
        .rounds_of_class(&school.class_id)
        .await
        .expect("read the rounds")[0]
        .clone();
    // Two projects that take a group of two.
    let pairs: Vec<String> = round
        .projects
        .iter()
        .filter(|p| p.group_min <= 2 && p.group_max >= 2)
        .map(|p| p.project_id.clone())
        .take(2)
        .collect();
    assert_eq!(
        pairs.len(),
        2,
        "two projects for pairs in {:?}",
        round.projects
    );

    // Ana and the third student rank in the browser; the other two by the store.
    for (i, first, second) in [(0, &pairs[0], &pairs[1]), (2, &pairs[1], &pairs[0])] {
        let student = driver.browser().await;
        let s = &student.client;
        sign_in(s, &base, &school.students[i], DEMO_PASSWORD).await;
        open(s, &base, &format!("/rounds/{}/rank", round.id)).await;
        for (project, place) in [(first, "1"), (second, "2")] {
            wait_for(s, &format!("#rank-{project}"), "a project's place")
                .await
                .select_by_value(place)
                .await
                .expect("choose a place");
        }
        let save = wait_for(s, "#rank-form button[type=submit]", "the save button").await;
        click_and_load(s, &save, "\"Save my ranking\"").await;
        student.close().await;
    }
    let now = ownpace_web::now_ms();
    for (i, first, second) in [(1, &pairs[0], &pairs[1]), (3, &pairs[1], &pairs[0])] {
        app.store
            .set_ranking(&round.id, &ids[i], &[first.clone(), second.clone()], now)
            .await
            .expect("rank");
    }

    // The teacher proposes and publishes: ana with the second student, the others apart.
    t.goto(round_page.as_str())
        .await
        .expect("back to the round");
    let propose = wait_for(t, "#propose-form button[type=submit]", "the propose button").await;
    click_and_load(t, &propose, "\"Propose groups\"").await;
    let publish = wait_for(t, "#publish-form button[type=submit]", "the publish button").await;
    click_and_load(t, &publish, "\"Publish the groups\"").await;
    let ana_group = app
        .store
        .group_of(&ids[0], &round.id)
        .await
        .expect("read")
        .expect("ana's group");
    let other_group = app
        .store
        .group_of(&ids[2], &round.id)
        .await
        .expect("read")
        .expect("the other group");
    assert_ne!(ana_group.id, other_group.id);
    let project = course
        .course
        .project(&ana_group.project_id)
        .expect("the project")
        .clone();

    // Ana posts and submits her group's work; the other group submits too.
    let student = driver.browser().await;
    let s = &student.client;
    sign_in(s, &base, &school.students[0], DEMO_PASSWORD).await;
    open(s, &base, &format!("/groups/{}", ana_group.id)).await;
    type_into(s, "#post-text", "We tested the spinner 40 times.").await;
    let post = wait_for(s, "#post-form button[type=submit]", "the post button").await;
    click_and_load(s, &post, "\"Post\"").await;
    type_into(
        s,
        "#submission-text",
        "Our game with its ratios and 40 spins.",
    )
    .await;
    let submit = wait_for(s, "#submit-form button[type=submit]", "the submit button").await;
    click_and_load(s, &submit, "\"Submit the group's work\"").await;
    let done = text_of(s, "#submitted", "the submission").await;
    assert!(done.contains("Submitted by"), "{done:?}");
    app.store
        .submit_group(&other_group.id, &ids[2], "Our other work", None, &[], now)
        .await
        .expect("the other group submits");

    // The teacher starts peer review: one review per student.
    open(t, &base, &format!("/rounds/{}/reviews", round.id)).await;
    wait_for(t, "#per-student", "reviews per student")
        .await
        .select_by_value("1")
        .await
        .expect("choose 1");
    let start = wait_for(
        t,
        "#start-review-form button[type=submit]",
        "the start button",
    )
    .await;
    click_and_load(t, &start, "\"Start peer review\"").await;
    let flash = text_of(t, "#flash", "the confirmation").await;
    assert!(flash.contains("Peer review started"), "{flash:?}");
    findings.both_widths(t, "peer-teacher-assigned").await;

    // A peer (the third student) reviews ana's group on the rubric.
    let reviewer_name = app
        .store
        .user(&ids[2])
        .await
        .expect("read")
        .expect("the reviewer")
        .display_name;
    let peer = driver.browser().await;
    let p = &peer.client;
    sign_in(p, &base, &school.students[2], DEMO_PASSWORD).await;
    open(p, &base, "/notices").await;
    let link = wait_for(
        p,
        &format!("a[href='/groups/{}/review']", ana_group.id),
        "the review notice",
    )
    .await;
    click_and_load(p, &link, "the review notice").await;
    let their_work = text_of(p, "#their-work", "the submission").await;
    assert!(their_work.contains("40 spins"), "{their_work:?}");
    findings.both_widths(p, "peer-review-form").await;
    for (n, criterion) in project.rubric.iter().enumerate() {
        let top = criterion.levels.last().expect("a level").points;
        wait_for(p, &format!("#level_{}-{top}", n + 1), "a level")
            .await
            .click()
            .await
            .expect("choose a level");
    }
    type_into(p, "#review-works", "The spinner table is clear.").await;
    type_into(p, "#review-question", "Why 40 spins and not 100?").await;
    let send = wait_for(p, "#review-form button[type=submit]", "the send button").await;
    click_and_load(p, &send, "\"Send the review\"").await;
    let sent = text_of(p, "#review-done", "the sent review").await;
    assert!(sent.contains("Sent"), "{sent:?}");
    peer.close().await;
    // The fourth student's review of ana's group goes in through the store: two reviews
    // in, the feedback shows.
    let second = app
        .store
        .review_of_group_by(&ana_group.id, &ids[3])
        .await
        .expect("read")
        .expect("the fourth student reviews ana's group");
    let levels: Vec<u32> = project.rubric.iter().map(|c| c.levels[0].points).collect();
    app.store
        .submit_review(&NewReview {
            review_id: &second.id,
            reviewer: &ids[3],
            project: &project,
            levels: &levels,
            works: "",
            improve: "Add a rule for ties.",
            question: "",
            at: now,
        })
        .await
        .expect("the second review");

    // Ana reads the feedback without the reviewer's name, and rates it helpful.
    open(s, &base, &format!("/groups/{}", ana_group.id)).await;
    let feedback = text_of(s, "#feedback", "the feedback").await;
    assert!(
        feedback.contains("The spinner table is clear."),
        "{feedback:?}"
    );
    assert!(feedback.contains("Add a rule for ties."), "{feedback:?}");
    let whole = text_of(s, "body", "the page").await;
    assert!(
        !whole.contains(&reviewer_name),
        "the reviewer's name {reviewer_name} is on the author's page"
    );
    let source = s.source().await.expect("the page's HTML");
    assert!(!source.contains(ids[2].as_str()), "the reviewer's id");
    findings.both_widths(s, "peer-feedback-author").await;
    let item = wait_for(
        s,
        "#feedback-list li.feedback:first-child",
        "the first feedback",
    )
    .await;
    let text = item.text().await.expect("its text");
    let helpful = item
        .find(fantoccini::Locator::Css("button[value='1']"))
        .await
        .expect("the helpful button");
    click_and_load(s, &helpful, "\"Helpful\"").await;
    let flash = text_of(s, "#flash", "the confirmation").await;
    assert!(flash.contains("rating is saved"), "{flash:?}");
    let rated_by_peer = text.contains("The spinner table is clear.");

    // Ana's course page before the assessment: the state of a criterion's skill.
    let criterion = project
        .rubric
        .iter()
        .position(|c| !c.skills.is_empty())
        .expect("a criterion with skills");
    let skill = project.rubric[criterion].skills[0].clone();
    let card = format!("li.skill:has(a[href$='/skills/{skill}'])");
    open(s, &base, &format!("/learn/{}", school.course_id)).await;
    let before = text_of(s, &card, "the skill's card").await;

    // The teacher sees the reviewer's name and the helpful share, then assesses ana.
    open(t, &base, &format!("/rounds/{}/reviews", round.id)).await;
    let reviews = text_of(t, "#reviews", "the reviews").await;
    assert!(reviews.contains(&reviewer_name), "{reviews:?}");
    let helpful_table = text_of(t, "#helpful-table", "who gives helpful feedback").await;
    let expected_row = if rated_by_peer {
        reviewer_name.clone()
    } else {
        app.store
            .user(&ids[3])
            .await
            .expect("read")
            .expect("the fourth student")
            .display_name
    };
    let row = helpful_table
        .lines()
        .find(|l| l.contains(&expected_row))
        .unwrap_or_else(|| panic!("{expected_row} in {helpful_table:?}"));
    assert!(row.contains("100%"), "{row:?}");
    findings.both_widths(t, "peer-teacher-reviews").await;
    open(
        t,
        &base,
        &format!("/classes/{class}/assess/{}#p-{}", ids[0], project.id),
    )
    .await;
    for (n, c) in project.rubric.iter().enumerate() {
        let top = c.levels.last().expect("a level").points;
        wait_for(t, &format!("#{}-level_{}", project.id, n + 1), "a level")
            .await
            .select_by_value(&top.to_string())
            .await
            .expect("choose the top level");
    }
    let save = wait_for(
        t,
        &format!("form[data-project='{}'] button[type=submit]", project.id),
        "the save button",
    )
    .await;
    click_and_load(t, &save, "\"Save the assessment\"").await;
    let flash = text_of(t, "#flash", "the confirmation").await;
    assert!(flash.to_lowercase().contains("assess"), "{flash:?}");
    teacher.close().await;

    // Ana's mastery of the skill moved.
    open(s, &base, &format!("/learn/{}", school.course_id)).await;
    let after = text_of(s, &card, "the skill's card").await;
    assert_ne!(
        before, after,
        "the assessment moved {skill} on ana's course page"
    );
    student.close().await;

    let problems = std::mem::take(&mut findings.problems);
    assert!(
        problems.is_empty(),
        "usability problems on the pages:\n{}",
        problems.join("\n")
    );
    drop(driver);
}
