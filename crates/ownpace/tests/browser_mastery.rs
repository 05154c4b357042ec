//! Issues 15 and 16 in a real headless Chromium: mastery people can trust, and a class
//! heatmap a teacher reads at a glance, on a desktop and on a phone.
//!
//! A new student, Rosa, gets a history written through the store (answers at chosen
//! times), then the browser walks the six cases issue 15 lists:
//!
//! 1. a correct review: the skill reads "review due, recall about N%" *before* the review,
//!    and the answer raises that number and keeps the skill mastered ("Review passed");
//! 2. over the threshold without the record: the number shows with what is missing
//!    ("in progress — 2 more correct in a row"), never "mastered", on every page;
//! 3. a goal on a skill on the stuck list is "not on track", and the teacher's stuck list
//!    names the same skill;
//! 4. "forty" for a number is "not understood — try again": the input is kept, nothing is
//!    graded or revealed, the number does not move;
//! 5. finished things stay finished: a goal done stays "done on …" after a wrong answer,
//!    and a pinned lesson marked finished leaves the top of the next steps;
//! 6. a skill not started has no number on the student's, the teacher's and the guardian's
//!    pages, and "–" on the heatmap.
//!
//! Then the heatmap at 1280 and 390 px: scrolled both ways inside its box, the name column
//! stays opaque (what is under a name's centre is the name, measured with
//! `elementFromPoint`), the header row stays on top and each header lines up with its
//! column (`getBoundingClientRect`); on a phone the per-student cards show. Every page gets
//! the usability checks and axe-core audit of `browser_support`. Screenshots go to
//! `target/screenshots/mastery-*.png`.

#[allow(dead_code)] // This test does not use every helper of the shared module.
mod browser_support;
mod common;

use browser_support::{
    DESKTOP, Driver, Findings, PHONE, click_and_load, horizontal_overflow, open, resize,
    screenshot_dir, sign_in, text_of, wait_for,
};
use common::{TestApp, right_answer, spawn_app, wrong_answer};
use fantoccini::{Client, Locator};
use ownpace::demo::DEMO_PASSWORD;
use ownpace_core::course::{AnswerSpec, Course, Item};
use ownpace_core::ids::CourseId;
use ownpace_core::learner::bkt::BktParams;
use ownpace_core::progress::SkillProgress;
use ownpace_core::review::{DEFAULT_TARGET_RETENTION, Fsrs};
use ownpace_core::standing::{self, Standing};
use ownpace_storage::{
    AnswerRecord, Backend, NewGoal, NewOverride, NewUser, OverrideAction, OverrideScope, Role,
};
use serde_json::Value;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(240);
const DAY: i64 = 86_400_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mastery_and_the_heatmap_read_true_in_a_real_browser() {
    let started = Instant::now();
    tokio::time::timeout(TIMEOUT, story())
        .await
        .unwrap_or_else(|_| panic!("the browser story took longer than {TIMEOUT:?}"));
    println!(
        "browser story took {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// The skills the story uses: four without prerequisites that have a numeric item.
struct Skills {
    review: String,
    record: String,
    stuck: String,
    typo: String,
}

fn pick_skills(course: &Course) -> Skills {
    let numeric = |id: &str| {
        course
            .items_for_skill(id)
            .any(|i| matches!(i.answer, AnswerSpec::Numeric { .. }))
    };
    let mut ids = course
        .skills
        .iter()
        .filter(|s| course.items_for_skill(&s.id).next().is_some())
        .map(|s| s.id.clone());
    let mut next = || {
        ids.next()
            .expect("the demo course has enough practisable skills")
    };
    let review = next();
    let record = next();
    let stuck = next();
    let typo = course
        .skills
        .iter()
        .map(|s| s.id.clone())
        .find(|id| ![&review, &record, &stuck].contains(&id) && numeric(id))
        .expect("a skill with a numeric item");
    Skills {
        review,
        record,
        stuck,
        typo,
    }
}

/// Writes answers of `student` on `skill` at the given times through the store (the live
/// path: event and projection in one transaction); returns the core's replay of them.
async fn history(
    app: &TestApp,
    student: &ownpace_core::ids::UserId,
    course: &Course,
    skill: &str,
    answers: &[(bool, i64)],
) -> SkillProgress {
    let item = course.items_for_skill(skill).next().expect("an item");
    let skills = vec![skill.to_string()];
    let mut replay = SkillProgress::initial(&BktParams::default());
    for (n, &(correct, at)) in answers.iter().enumerate() {
        let response = if correct {
            right_answer(item)
        } else {
            wrong_answer(item)
        };
        app.store
            .record_answer(
                &AnswerRecord {
                    student_id: student,
                    course_id: &course.id,
                    course_version: 1,
                    item_id: &item.id,
                    skills: &skills,
                    response: &serde_json::to_string(&response).expect("a response as JSON"),
                    correct,
                    occurred_at: at,
                    duration_ms: Some(30_000),
                    idempotency_key: &format!("story-{skill}-{n}"),
                },
                |_| BktParams::default(),
            )
            .await
            .expect("record an answer");
        replay.record(&BktParams::default(), &Fsrs::default(), correct, at);
    }
    replay
}

/// The text of the goal card titled `title` on the student's course page.
async fn forecast(client: &Client, title: &str) -> String {
    let cards = client
        .find_all(Locator::Css("#goal-list > li"))
        .await
        .expect("list the goals");
    for card in cards {
        let heading = card
            .find(Locator::Css("h3"))
            .await
            .expect("a goal has a title")
            .text()
            .await
            .unwrap_or_default();
        if heading.trim() == title {
            return card
                .find(Locator::Css(".forecast"))
                .await
                .expect("a goal has a forecast")
                .text()
                .await
                .unwrap_or_default();
        }
    }
    panic!("no goal titled {title}");
}

/// The row of a skill in a course record's skills table (teacher and guardian pages).
async fn record_row(client: &Client, skill_name: &str) -> String {
    let xpath =
        format!("//table[contains(@class,'skills')]//tr[th[normalize-space()='{skill_name}']]");
    client
        .find(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("a row for {skill_name}: {e}"))
        .text()
        .await
        .unwrap_or_default()
}

/// The card of a skill on the student's course page.
async fn skill_card(client: &Client, course_id: &CourseId, skill: &str) -> String {
    let css = format!("li.skill a[href=\"/learn/{course_id}/skills/{skill}\"]");
    wait_for(client, &css, "the skill's card").await;
    let xpath =
        format!("//li[contains(@class,'skill')][.//a[@href='/learn/{course_id}/skills/{skill}']]");
    client
        .find(Locator::XPath(&xpath))
        .await
        .expect("the card around the link")
        .text()
        .await
        .unwrap_or_default()
}

async fn answer_on_page(client: &Client, item: &Item, right: bool) {
    let response = if right {
        right_answer(item)
    } else {
        wrong_answer(item)
    };
    match response {
        ownpace_core::course::Response::Choice(i) => {
            wait_for(client, &format!("#choice-{i}"), "the choice")
                .await
                .click()
                .await
                .expect("pick the choice");
        }
        ownpace_core::course::Response::Text(text) => {
            let field = wait_for(client, "#response", "the answer box").await;
            field.clear().await.expect("clear the box");
            field.send_keys(&text).await.expect("type the answer");
        }
    }
    let button = wait_for(client, "#submit-answer", "Check my answer").await;
    click_and_load(client, &button, "Check my answer").await;
}

async fn item_on_page(client: &Client, course: &Course) -> Item {
    let action = wait_for(client, "#answer-form", "the answer form")
        .await
        .attr("action")
        .await
        .expect("read the form action")
        .expect("the form has an action");
    let id = action
        .trim_end_matches("/answer")
        .rsplit('/')
        .next()
        .expect("an item id in the action");
    course.item(id).expect("the item exists").clone()
}

/// Geometry of the heatmap after scrolling its box: what a person sees.
const HEATMAP_GEOMETRY: &str = r#"
const box = document.getElementById('heat-scroll');
box.scrollLeft = arguments[0];
box.scrollTop = arguments[1];
const out = { scrolledLeft: box.scrollLeft, scrolledTop: box.scrollTop, problems: [] };
const b = box.getBoundingClientRect();
// Inside the box's visible area (less its scroll bars) and inside the window.
const view = document.documentElement;
const inside = (x, y) => x > b.left + 2 && x < b.left + box.clientWidth - 2 && y > b.top + 2
  && y < b.top + box.clientHeight - 2 && x >= 2 && y >= 2 && x < view.clientWidth - 2
  && y < view.clientHeight - 2;
// The name column is opaque: under the centre of each visible name is that name.
const names = [...box.querySelectorAll('tbody th[scope=row]')];
let checkedNames = 0;
for (const th of names) {
  const r = th.getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  if (!inside(x, y) || y < b.top + 40) continue;
  const hit = document.elementFromPoint(x, y);
  if (!hit || hit.closest('th') !== th) {
    const header = hit && hit.closest('thead');
    if (!header) out.problems.push(`under the name ${th.textContent.trim()} is ${hit ? hit.outerHTML.slice(0, 80) : 'nothing'}`);
    continue;
  }
  const bg = getComputedStyle(th).backgroundColor;
  if (!/^rgb\(/.test(bg)) out.problems.push(`the name cell's background is ${bg}`);
  if (Math.abs(r.left - b.left) > 2) out.problems.push(`the name column left ${r.left} is not at the box's left ${b.left}`);
  checkedNames++;
}
out.checkedNames = checkedNames;
// The header row stays at the top of the box, on top of the cells, over its column.
const headers = [...box.querySelectorAll('thead tr.names th')];
const firstRow = box.querySelector('tbody tr');
let checkedHeaders = 0;
headers.forEach((th, j) => {
  const r = th.getBoundingClientRect();
  const cell = firstRow.querySelector(`td[data-skill="${th.dataset.skill}"]`);
  const c = cell.getBoundingClientRect();
  if (Math.abs(r.left - c.left) > 1 || Math.abs(r.right - c.right) > 1)
    out.problems.push(`header ${j} spans ${r.left}–${r.right}, its column ${c.left}–${c.right}`);
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  if (!inside(x, y)) return;
  if (r.top < b.top - 1 || r.top > b.top + 80) out.problems.push(`header ${j} top ${r.top}, box top ${b.top}`);
  const hit = document.elementFromPoint(x, y);
  if (!hit || hit.closest('th') !== th) {
    // Only the sticky name column may cover a header (at the box's left edge).
    if (!(hit && hit.closest('th.corner'))) out.problems.push(`header ${j} is covered by ${hit ? hit.outerHTML.slice(0, 80) : 'nothing'}`);
    return;
  }
  checkedHeaders++;
});
out.checkedHeaders = checkedHeaders;
const corner = box.querySelector('th.corner').getBoundingClientRect();
if (Math.abs(corner.left - b.left) > 2 || Math.abs(corner.top - b.top) > 2)
  out.problems.push(`the Student header is at ${corner.left},${corner.top}, the box at ${b.left},${b.top}`);
out.cardsShown = document.getElementById('heat-cards').offsetParent !== null;
return out;
"#;

async fn heatmap_geometry(client: &Client, left: i64, top: i64) -> Value {
    client
        .execute(HEATMAP_GEOMETRY, vec![left.into(), top.into()])
        .await
        .expect("measure the heatmap")
}

async fn story() {
    let driver = Driver::start().await;
    // A full class, so that the heatmap scrolls both ways inside its box.
    let app = spawn_app(Backend::Sqlite, 24).await;
    let school = app.school.clone();
    let base = app.base.clone();
    let course = app
        .store
        .current_course(&school.course_id)
        .await
        .expect("read the course")
        .expect("the demo course exists")
        .course
        .as_ref()
        .clone();
    let course_id = course.id.clone();
    let name = |id: &str| course.skill(id).expect("a skill").name.clone();
    let skills = pick_skills(&course);
    let mut findings = Findings {
        base: base.clone(),
        problems: Vec::new(),
        shots: screenshot_dir(),
        saved: Vec::new(),
    };

    // Rosa, new in the class, her guardian linked; her history written at chosen times.
    let hash = ownpace_web::hash_password(DEMO_PASSWORD.to_string())
        .await
        .expect("hash the demo password");
    let rosa = app
        .store
        .create_user(NewUser {
            username: "rosa-new",
            display_name: "Rosa New",
            role: Role::Student,
            password_hash: &hash,
            created_at: ownpace_web::now_ms() - 60 * DAY,
        })
        .await
        .expect("create rosa");
    app.store
        .add_to_class(&school.class_id, &rosa.id, ownpace_web::now_ms() - 60 * DAY)
        .await
        .expect("rosa joins the class");
    let guardian = app
        .store
        .user_by_username(&school.guardian)
        .await
        .expect("look up the guardian")
        .expect("the demo guardian");
    app.store
        .add_guardian(&guardian.id, &rosa.id)
        .await
        .expect("link rosa's guardian");
    let now = ownpace_web::now_ms();
    // 1 and 5: mastered 40 days ago (so a review is due now), with a goal done then.
    let reviewed = history(
        &app,
        &rosa.id,
        &course,
        &skills.review,
        &(0..4)
            .map(|k| (true, now - 40 * DAY + k * 60_000))
            .collect::<Vec<_>>(),
    )
    .await;
    assert!(reviewed.is_mastered());
    // 2: five right, one wrong, one right: over 95% without three in a row.
    let answers: Vec<(bool, i64)> = [true, true, true, true, true, false, true]
        .iter()
        .enumerate()
        .map(|(k, &c)| (c, now - 2 * DAY + k as i64 * 60_000))
        .collect();
    let over = history(&app, &rosa.id, &course, &skills.record, &answers).await;
    let over_view = standing::view(Some(&over), &Fsrs::default(), now, DEFAULT_TARGET_RETENTION);
    assert_eq!(over_view.standing, Standing::InProgress, "{over:?}");
    assert!(over_view.needs_in_a_row.is_some(), "{over_view:?}");
    let over_text = format!("{}%", over_view.percent().expect("a number"));
    // 3: three wrong in a row, and a goal on that skill far away.
    history(
        &app,
        &rosa.id,
        &course,
        &skills.stuck,
        &(0..3)
            .map(|k| (false, now - DAY + k * 60_000))
            .collect::<Vec<_>>(),
    )
    .await;
    for (title, skill, target) in [
        ("Review goal", &skills.review, now + 30 * DAY),
        ("Stuck goal", &skills.stuck, now + 300 * DAY),
    ] {
        app.store
            .create_goal(NewGoal {
                student_id: &rosa.id,
                course_id: &course_id,
                title,
                skills: std::slice::from_ref(skill),
                project_id: None,
                target_at: target,
                created_by: &rosa.id,
                created_at: now - 50 * DAY,
            })
            .await
            .expect("create a goal");
    }
    // 5: a lesson pinned for rosa by her teacher.
    let teacher_user = app
        .store
        .user_by_username(&school.teacher)
        .await
        .expect("look up the teacher")
        .expect("the demo teacher");
    let lesson = course
        .lessons
        .iter()
        .find(|l| !l.modality.is_offline())
        .expect("an on-screen lesson")
        .clone();
    app.store
        .add_override(NewOverride {
            course_id: &course_id,
            scope: OverrideScope::Student(&rosa.id),
            activity: &format!("lesson:{}", lesson.id),
            action: OverrideAction::Pin,
            created_by: &teacher_user.id,
            at: now,
        })
        .await
        .expect("pin a lesson");
    let untouched = course
        .skills
        .iter()
        .find(|s| ![&skills.review, &skills.record, &skills.stuck, &skills.typo].contains(&&s.id))
        .expect("a skill rosa never touched")
        .clone();

    let student = driver.browser().await;
    let s = &student.client;
    sign_in(s, &base, "rosa-new", DEMO_PASSWORD).await;
    let home = format!("/learn/{course_id}");
    open(s, &base, &home).await;
    findings.check(s).await;
    findings.shot(s, "mastery-student-course").await;

    // 6. Not started: no number on the card.
    let card = skill_card(s, &course_id, &untouched.id).await;
    assert!(
        card.contains("not started") && !card.contains('%'),
        "a skill not started shows no number: {card:?}"
    );
    // 2. Over the threshold without the record: the number and what is missing.
    let card = skill_card(s, &course_id, &skills.record).await;
    assert!(
        card.contains(&over_view.phrase) && card.contains(&over_text),
        "{card:?} should say {:?} with {over_text}",
        over_view.phrase
    );
    assert!(!card.to_lowercase().contains("· mastered"), "{card:?}");
    // 3. A goal on a stuck skill is not on track.
    let stuck_forecast = forecast(s, "Stuck goal").await;
    assert!(
        stuck_forecast.starts_with(&format!("not on track: stuck on {}", name(&skills.stuck))),
        "{stuck_forecast}"
    );
    // 5. The goal done 40 days ago reads done, with its date.
    let done = forecast(s, "Review goal").await;
    assert!(done.starts_with("done on "), "{done}");
    // The pinned lesson comes first until it is finished.
    let first = text_of(s, "#next-steps > li:first-child h3", "the first next step").await;
    assert_eq!(first, lesson.title, "the pinned lesson comes first");
    open(
        s,
        &base,
        &format!("/learn/{course_id}/lessons/{}", lesson.id),
    )
    .await;
    let finish = s
        .find(Locator::XPath(
            "//button[normalize-space()=\"I've finished this\"]",
        ))
        .await
        .expect("the lesson's finish button");
    click_and_load(s, &finish, "I've finished this").await;
    open(s, &base, &home).await;
    let first = text_of(s, "#next-steps > li:first-child h3", "the first next step").await;
    assert_ne!(
        first, lesson.title,
        "a finished pinned lesson leaves the top"
    );

    // 1. The review: forgetting shows before it, and a right answer raises the number.
    let practice = format!("/learn/{course_id}/skills/{}", skills.review);
    open(s, &base, &practice).await;
    findings.check(s).await;
    let state_before = text_of(s, "#mastery-state", "the skill's state").await;
    assert!(
        state_before.starts_with("review due, recall about"),
        "{state_before}"
    );
    let shown_before = text_of(s, "#mastery-text", "the shown number").await;
    let item = item_on_page(s, &course).await;
    answer_on_page(s, &item, true).await;
    findings.check(s).await;
    findings.shot(s, "mastery-review-passed").await;
    let change = text_of(s, ".mastery-change", "the change").await;
    let (before, after) = change.split_once('→').expect("A% → B%");
    assert_eq!(
        before.trim(),
        shown_before,
        "the change starts from the number shown"
    );
    let pct = |t: &str| {
        t.trim()
            .trim_end_matches('%')
            .parse::<u32>()
            .expect("a percentage")
    };
    assert!(
        pct(after) > pct(before),
        "a right review raises it: {change}"
    );
    let note = text_of(s, ".change-note", "what changed").await;
    assert!(note.starts_with("Review passed"), "{note}");
    assert!(
        text_of(s, "ul.changes", "the changes")
            .await
            .contains("(mastered)"),
        "still mastered"
    );

    // 5. A wrong answer now ends mastery and says why; the goal stays done.
    let next = wait_for(s, "#next-question", "Next question").await;
    click_and_load(s, &next, "Next question").await;
    let item = item_on_page(s, &course).await;
    answer_on_page(s, &item, false).await;
    let note = text_of(s, ".change-note", "what changed").await;
    assert!(note.starts_with("A wrong answer ends mastery"), "{note}");
    open(s, &base, &home).await;
    assert_eq!(
        forecast(s, "Review goal").await,
        done,
        "a done goal stays done"
    );

    // 4. "forty" in a number box: not understood, input kept, nothing revealed or moved.
    let typo_item = course
        .items_for_skill(&skills.typo)
        .find(|i| matches!(i.answer, AnswerSpec::Numeric { .. }))
        .expect("a numeric item")
        .clone();
    open(
        s,
        &base,
        &format!(
            "/learn/{course_id}/skills/{}?item={}",
            skills.typo, typo_item.id
        ),
    )
    .await;
    let number_before = text_of(s, "#mastery-text", "the shown number").await;
    let field = wait_for(s, "#response", "the answer box").await;
    field.send_keys("forty").await.expect("type forty");
    let button = wait_for(s, "#submit-answer", "Check my answer").await;
    click_and_load(s, &button, "Check my answer").await;
    findings.check(s).await;
    findings.shot(s, "mastery-not-understood").await;
    let error = text_of(s, "#answer-error", "the error").await;
    assert!(error.starts_with("Not understood — try again"), "{error}");
    let kept = wait_for(s, "#response", "the answer box")
        .await
        .prop("value")
        .await
        .expect("read the box")
        .unwrap_or_default();
    assert_eq!(kept, "forty", "the input is kept");
    assert!(
        s.find(Locator::Css("#correct-answer")).await.is_err(),
        "nothing revealed"
    );
    assert_eq!(
        text_of(s, "#mastery-text", "the shown number").await,
        number_before,
        "the number does not move"
    );
    student.close().await;

    // The teacher: the record and the heatmap say the same.
    let teacher = driver.browser().await;
    let t = &teacher.client;
    sign_in(t, &base, &school.teacher, DEMO_PASSWORD).await;
    open(t, &base, &format!("/students/{}", rosa.id)).await;
    findings.check(t).await;
    let row = record_row(t, &untouched.name).await;
    assert!(row.contains("not started") && !row.contains('%'), "{row:?}");
    let row = record_row(t, &name(&skills.record)).await;
    assert!(
        row.contains(&over_view.phrase) && row.contains(&over_text),
        "{row:?}"
    );
    // A long course (every skill of the demo course) reads on a phone: the record does not
    // overflow the window, and each skill's row shows its full name and its state inside
    // the window's width, without scrolling sideways.
    resize(t, PHONE).await;
    if let Some(problem) = horizontal_overflow(t).await {
        panic!("the student record overflows a phone's window: {problem}");
    }
    let rows = t
        .execute(
            "const w = document.documentElement.clientWidth; \
             return [...document.querySelectorAll('table.skills tbody tr')].map(tr => { \
               const th = tr.querySelector('th'); const r = th.getBoundingClientRect(); \
               const last = tr.lastElementChild.getBoundingClientRect(); \
               return { name: th.textContent.trim(), \
                        inside: r.left >= 0 && r.right <= w && last.right <= w, \
                        cut: th.scrollWidth > th.clientWidth + 1 }; });",
            vec![],
        )
        .await
        .expect("measure the record's skill rows at phone width");
    let rows = rows.as_array().cloned().unwrap_or_default();
    assert_eq!(
        rows.len(),
        course.skills.len(),
        "the record lists every skill of the course on a phone"
    );
    for skill in &course.skills {
        let row = rows
            .iter()
            .find(|r| r["name"].as_str() == Some(skill.name.as_str()))
            .unwrap_or_else(|| panic!("no row names {} in full on a phone", skill.name));
        assert_eq!(
            (row["inside"].as_bool(), row["cut"].as_bool()),
            (Some(true), Some(false)),
            "{}: the row fits the phone's width and its name is not cut: {row}",
            skill.name
        );
    }
    findings.check(t).await;
    findings.shot(t, "record-phone").await;
    resize(t, DESKTOP).await;

    let dashboard = format!("/classes/{}", school.class_id);
    open(t, &base, &dashboard).await;
    findings.check(t).await;
    let stuck = text_of(t, "#stuck-list", "the stuck list").await;
    assert!(
        stuck.contains("Rosa New")
            && stuck.contains(&format!(
                "{}: 3 wrong answers in a row",
                name(&skills.stuck)
            )),
        "{stuck}"
    );
    let cell = |skill: &str| {
        format!(
            "#heatmap tr[data-student=\"{}\"] td[data-skill=\"{skill}\"]",
            rosa.id
        )
    };
    for (skill, band, shown) in [
        (untouched.id.as_str(), "band-none", "–".to_string()),
        (skills.record.as_str(), "band-high", over_text.clone()),
        (skills.stuck.as_str(), "band-low", String::new()),
    ] {
        let el = wait_for(t, &cell(skill), "rosa's cell").await;
        let class = el.attr("class").await.ok().flatten().unwrap_or_default();
        assert!(class.contains(band), "{skill}: {class}, expected {band}");
        if !shown.is_empty() {
            let text = el.text().await.unwrap_or_default();
            assert!(text.contains(&shown), "{skill}: {text:?}, expected {shown}");
        }
    }

    // The heatmap's geometry, scrolled, at 1280 and at 390 px.
    for (size, label) in [(DESKTOP, "desktop"), (PHONE, "phone")] {
        resize(t, size).await;
        open(t, &base, &dashboard).await;
        wait_for(t, "#heatmap", "the heatmap").await;
        // The table's box at the top of the window (on a phone it comes after the cards).
        let header = wait_for(t, "#heat-scroll", "the heatmap's box").await;
        t.execute(
            "arguments[0].scrollIntoView({block: 'start'})",
            vec![serde_json::to_value(&header).expect("an element as JSON")],
        )
        .await
        .expect("scroll to the heatmap");
        let still = heatmap_geometry(t, 0, 0).await;
        assert_eq!(
            still["problems"].as_array().map(Vec::len),
            Some(0),
            "{label}, not scrolled: {still}"
        );
        let geometry = heatmap_geometry(t, 400, 300).await;
        assert!(
            geometry["scrolledLeft"].as_f64().unwrap_or(0.0) > 100.0
                && geometry["scrolledTop"].as_f64().unwrap_or(0.0) > 100.0,
            "{label}: the heatmap box scrolls both ways: {geometry}"
        );
        assert_eq!(
            geometry["problems"].as_array().map(Vec::len),
            Some(0),
            "{label}, scrolled: {geometry}"
        );
        assert!(
            geometry["checkedNames"].as_u64().unwrap_or(0) >= 3
                && geometry["checkedHeaders"].as_u64().unwrap_or(0) >= 3,
            "{label}: enough names and headers measured: {geometry}"
        );
        assert_eq!(
            geometry["cardsShown"].as_bool(),
            Some(label == "phone"),
            "{label}: the per-student cards show on a phone only"
        );
        // The page itself never scrolls sideways: only the table's box does.
        if let Some(problem) = horizontal_overflow(t).await {
            panic!("{label}: the dashboard overflows its window: {problem}");
        }
        findings.shot(t, &format!("mastery-heatmap-{label}")).await;
        if label == "phone" {
            let cards = wait_for(t, "#heat-cards", "the cards").await;
            t.execute(
                "arguments[0].scrollIntoView({block: 'start'})",
                vec![serde_json::to_value(&cards).expect("an element as JSON")],
            )
            .await
            .expect("scroll to the cards");
            let rosa_card = text_of(
                t,
                &format!("#heat-cards li[data-student=\"{}\"]", rosa.id),
                "rosa's card",
            )
            .await;
            let stuck_at = rosa_card.find(&name(&skills.stuck));
            let record_at = rosa_card.find(&name(&skills.record));
            assert!(
                stuck_at.is_some() && record_at.is_some() && stuck_at < record_at,
                "the weakest skill comes first on rosa's card: {rosa_card}"
            );
            findings.shot(t, "mastery-heatmap-phone-cards").await;
        }
    }
    resize(t, DESKTOP).await;
    teacher.close().await;

    // 6. The guardian's page: no number for a skill not started.
    let family = driver.browser().await;
    let g = &family.client;
    sign_in(g, &base, &school.guardian, DEMO_PASSWORD).await;
    open(g, &base, &format!("/family/{}", rosa.id)).await;
    findings.check(g).await;
    let row = record_row(g, &untouched.name).await;
    assert!(row.contains("not started") && !row.contains('%'), "{row:?}");
    let row = record_row(g, &name(&skills.record)).await;
    assert!(row.contains(&over_text), "{row:?}");
    family.close().await;

    let problems = std::mem::take(&mut findings.problems);
    assert!(
        problems.is_empty(),
        "usability problems on the pages:\n{}",
        problems.join("\n")
    );
    drop(driver);
}
