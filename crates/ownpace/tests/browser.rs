//! The whole story in a real headless Chromium (fantoccini talking to chromedriver):
//!
//! a student signs in, answers an item wrongly and then rightly, sees the feedback and the
//! mastery change; the teacher then sees that student's cell change on the heatmap; the
//! guardian sees the child and cannot open another student's page. Every page visited is
//! checked for usability basics (language, one `<main>`, an `<h1>`, labelled fields, image
//! alternatives, only same-origin resources), and the main pages must not overflow
//! horizontally on a phone. Screenshots go to `target/screenshots/`.
//!
//! Needs `/usr/bin/chromium` (or `OWNPACE_CHROMIUM`) and `/usr/bin/chromedriver`; `.ci/run`
//! installs both. The test fails, never skips, when they are missing.

#[allow(dead_code)] // This test does not use every helper of the shared module.
mod browser_support;
mod common;

use browser_support::{
    DESKTOP, Driver, Findings, PHONE, click, field_labelled, horizontal_overflow, open, plain,
    screenshot_dir, text_of, wait_for, where_am_i,
};
use common::{TestApp, spawn_app};
use fantoccini::{Client, Locator};
use ownpace::demo::DEMO_PASSWORD;
use ownpace_core::course::{AnswerSpec, Course, Item, format_number};
use ownpace_core::ids::UserId;
use ownpace_storage::Backend;
use std::time::{Duration, Instant};

/// The whole story must finish within this.
const STORY_TIMEOUT: Duration = Duration::from_secs(180);

/// What a page shows for a percentage, as `ownpace_web::views::percent` writes it.
fn percent(p: f64) -> String {
    format!("{}%", ownpace_core::standing::percent(p))
}

/// A shown percentage; "not started" (no number yet) reads as 0.
fn parse_percent(text: &str) -> u32 {
    if text.trim() == "not started" {
        return 0;
    }
    text.trim()
        .trim_end_matches('%')
        .parse()
        .unwrap_or_else(|_| panic!("a percentage like \"62%\", got {text:?}"))
}

/// Collects problems found on pages; the test fails at the end listing all of them.
impl Findings {
    /// Opens `path` in a phone-sized window, checks it does not overflow horizontally,
    /// saves a screenshot, and goes back to the desktop size.
    async fn phone(&mut self, client: &Client, path: &str, name: &str, show: Option<&str>) {
        client
            .set_window_size(PHONE.0, PHONE.1)
            .await
            .expect("set a phone-sized window");
        open(client, &self.base, path).await;
        let inner = client
            .execute("return window.innerWidth", vec![])
            .await
            .expect("read window.innerWidth")
            .as_f64()
            .expect("innerWidth is a number");
        assert!(
            inner <= f64::from(PHONE.0) + 20.0,
            "the phone-sized window is {inner}px wide inside: the resize did not take"
        );
        if let Some(problem) = horizontal_overflow(client).await {
            self.problems
                .push(format!("{path} at {}×{}: {problem}", PHONE.0, PHONE.1));
        }
        self.check(client).await;
        if let Some(css) = show {
            let element = wait_for(client, css, css).await;
            client
                .execute(
                    "arguments[0].scrollIntoView({block: 'start'})",
                    vec![serde_json::to_value(&element).expect("an element as JSON")],
                )
                .await
                .expect("scroll to the part of the page to show");
        }
        self.shot(client, &format!("phone-{name}")).await;
        client
            .set_window_size(DESKTOP.0, DESKTOP.1)
            .await
            .expect("back to the desktop window size");
    }
}

/// Signs in through the login form, typing into the labelled fields.
async fn sign_in(client: &Client, findings: &mut Findings, username: &str) {
    open(client, &findings.base, "/login").await;
    findings.check(client).await;
    field_labelled(client, "Username")
        .await
        .send_keys(username)
        .await
        .expect("type the username");
    field_labelled(client, "Password")
        .await
        .send_keys(DEMO_PASSWORD)
        .await
        .expect("type the password");
    client
        .find(Locator::XPath(
            "//main//form//button[normalize-space()='Sign in']",
        ))
        .await
        .expect("the login form has a \"Sign in\" button")
        .click()
        .await
        .expect("click \"Sign in\"");
    // The header's sign-out form appears only once signed in.
    wait_for(client, "form.who", &format!("{username} to be signed in")).await;
    findings.check(client).await;
}

/// The item id in the practice page's answer form (`/learn/{course}/items/{item}/answer`).
async fn item_on_page(client: &Client, course: &Course) -> Item {
    let action = wait_for(client, "#answer-form", "the answer form")
        .await
        .attr("action")
        .await
        .expect("read the answer form's action")
        .expect("the answer form has an action");
    let id = action
        .split("/items/")
        .nth(1)
        .and_then(|rest| rest.strip_suffix("/answer"))
        .unwrap_or_else(|| panic!("unexpected answer form action {action:?}"));
    course
        .item(id)
        .unwrap_or_else(|| panic!("the page shows item {id}, which is not in the course"))
        .clone()
}

/// Fills in the answer form: the right answer, or a wrong one. Returns, for a wrong choice,
/// the feedback (Markdown) the course gives for it.
async fn answer(client: &Client, item: &Item, right: bool) -> Option<String> {
    let mut feedback = None;
    match &item.answer {
        AnswerSpec::Choice { choices } => {
            let index = choices
                .iter()
                .position(|c| c.correct == right)
                .unwrap_or_else(|| panic!("item {} has no choice with correct={right}", item.id));
            if !right {
                feedback = Some(choices[index].feedback.clone());
            }
            click(
                client,
                &format!("#choice-{index}"),
                &format!("choice {index}"),
            )
            .await;
        }
        AnswerSpec::Numeric {
            value, tolerance, ..
        } => {
            let typed = if right {
                format_number(*value)
            } else {
                format_number(value + tolerance.abs() + 7.0)
            };
            field_labelled(client, "Your answer")
                .await
                .send_keys(&typed)
                .await
                .expect("type a number");
        }
        AnswerSpec::Text { accepted, .. } => {
            let typed = if right {
                accepted.first().expect("an accepted answer").clone()
            } else {
                "certainly not this".to_string()
            };
            field_labelled(client, "Your answer")
                .await
                .send_keys(&typed)
                .await
                .expect("type an answer");
        }
    }
    let kind = match &item.answer {
        AnswerSpec::Choice { .. } => "choice",
        AnswerSpec::Numeric { .. } => "numeric",
        AnswerSpec::Text { .. } => "text",
    };
    println!(
        "answering {} item {} {}",
        kind,
        item.id,
        if right { "rightly" } else { "wrongly" }
    );
    click(client, "#submit-answer", "the \"Check my answer\" button").await;
    wait_for(client, "#verdict", "the feedback page's verdict").await;
    feedback
}

/// The "A% → B%" line of the feedback page for one skill.
async fn mastery_change(client: &Client, skill_name: &str) -> (u32, u32) {
    let rows = client
        .find_all(Locator::Css("ul.changes > li"))
        .await
        .expect("list the mastery changes");
    for row in rows {
        let name = row
            .find(Locator::Css(".skill-name"))
            .await
            .expect("a mastery change names its skill")
            .text()
            .await
            .expect("read the skill name");
        if name.trim() == skill_name {
            let change = row
                .find(Locator::Css(".mastery-change"))
                .await
                .expect("a .mastery-change in the row")
                .text()
                .await
                .expect("read the mastery change");
            let (before, after) = change
                .split_once('→')
                .unwrap_or_else(|| panic!("\"A% → B%\", got {change:?}"));
            return (parse_percent(before), parse_percent(after));
        }
    }
    panic!(
        "no mastery change for {skill_name} on the feedback page\n{}",
        where_am_i(client).await
    );
}

/// A skill ana can practise and has not mastered: in progress if possible (the change of
/// mastery is clearest in the middle), otherwise one not started.
async fn chosen_skill(app: &TestApp, ana_id: &UserId, course: &Course) -> String {
    let mastery = app
        .store
        .student_mastery(ana_id, &app.school.course_id)
        .await
        .expect("read ana's mastery");
    // Practisable, with a question that has a hint (the story asks for one).
    let practisable = |id: &str| course.items_for_skill(id).any(|i| !i.hints.is_empty());
    let in_progress = mastery
        .iter()
        .filter(|m| !m.progress.is_mastered() && practisable(m.skill_id.as_str()))
        .min_by(|a, b| {
            (a.progress.p_mastery - 0.5)
                .abs()
                .total_cmp(&(b.progress.p_mastery - 0.5).abs())
        });
    if let Some(m) = in_progress {
        return m.skill_id.to_string();
    }
    let mastered = |id: &str| {
        mastery
            .iter()
            .any(|m| m.skill_id == id && m.progress.is_mastered())
    };
    course
        .skills
        .iter()
        .filter(|s| !mastered(&s.id) && practisable(&s.id))
        .min_by_key(|s| !s.prerequisites.iter().all(|p| mastered(p)))
        .map(|s| s.id.clone())
        .expect("the demo course has a skill ana has not mastered")
}

/// ana's heatmap cell for one skill: (label, shown number).
async fn heatmap_cell(client: &Client, ana_id: &UserId, skill_id: &str) -> (String, String) {
    let css = format!("#heatmap tr[data-student=\"{ana_id}\"] td[data-skill=\"{skill_id}\"]");
    let cell = wait_for(client, &css, "ana's heatmap cell").await;
    let label = cell
        .attr("title")
        .await
        .expect("read the cell's title")
        .expect("a heatmap cell has a title");
    let shown = cell
        .find(Locator::Css(".v"))
        .await
        .expect("the cell holds its number")
        .prop("textContent")
        .await
        .expect("read the cell's number")
        .unwrap_or_default();
    (label, shown.trim().to_string())
}

async fn display_name(app: &TestApp, username: &str) -> (UserId, String) {
    let user = app
        .store
        .user_by_username(username)
        .await
        .expect("look up a user")
        .unwrap_or_else(|| panic!("the demo school has {username}"));
    (user.id, user.display_name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn student_teacher_and_guardian_in_a_real_browser() {
    let started = Instant::now();
    tokio::time::timeout(STORY_TIMEOUT, story())
        .await
        .unwrap_or_else(|_| panic!("the browser story took longer than {STORY_TIMEOUT:?}"));
    println!(
        "browser story took {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

async fn story() {
    let driver = Driver::start().await;
    let app = spawn_app(Backend::Sqlite, 6).await;
    let school = app.school.clone();
    let base = app.base.clone();
    let course = app
        .store
        .current_course(&school.course_id)
        .await
        .expect("read the course")
        .expect("the demo course exists")
        .course;
    let (ana_id, ana_name) = display_name(&app, &school.students[0]).await;
    let (other_id, other_name) = display_name(&app, &school.other_students[0]).await;
    let skill_id = chosen_skill(&app, &ana_id, &course).await;
    let column = course
        .skills
        .iter()
        .position(|s| s.id == skill_id)
        .expect("the chosen skill is in the course");
    let skill_name = course.skills[column].name.clone();
    let practice_path = format!("/learn/{}/skills/{skill_id}", school.course_id);
    let dashboard_path = format!("/classes/{}", school.class_id);
    let mut findings = Findings {
        base: base.clone(),
        problems: Vec::new(),
        shots: screenshot_dir(),
        saved: Vec::new(),
    };

    // 1. The teacher signs in and looks at ana's cell for the skill.
    let teacher = driver.browser().await;
    let t = &teacher.client;
    findings.phone(t, "/login", "login", None).await;
    findings.shot(t, "login").await;
    sign_in(t, &mut findings, &school.teacher).await;
    open(t, &base, &dashboard_path).await;
    wait_for(t, "#heatmap", "the heatmap").await;
    findings.check(t).await;
    findings.shot(t, "dashboard-before").await;
    let (label_before, _) = heatmap_cell(t, &ana_id, &skill_id).await;
    assert!(
        label_before.starts_with(&format!("{ana_name}, {skill_name}: ")),
        "the cell in ana's row and {skill_name}'s column is labelled {label_before:?}"
    );

    // 2. ana signs in in her own browser, answers wrongly, asks for a hint, answers rightly.
    let student = driver.browser().await;
    let s = &student.client;
    sign_in(s, &mut findings, &school.students[0]).await;
    open(s, &base, &format!("/learn/{}", school.course_id)).await;
    findings.check(s).await;
    findings.shot(s, "student-course").await;
    open(s, &base, &practice_path).await;
    findings.check(s).await;
    assert_eq!(text_of(s, "main h1", "the skill's name").await, skill_name);
    let mut first = item_on_page(s, &course).await;
    if first.hints.is_empty() {
        // The story asks for a hint: ask for a question of this skill that has one.
        let hinted = course
            .items_for_skill(&skill_id)
            .find(|i| !i.hints.is_empty())
            .expect("the chosen skill has a question with a hint");
        open(s, &base, &format!("{practice_path}?item={}", hinted.id)).await;
        first = item_on_page(s, &course).await;
        assert_eq!(
            first.id, hinted.id,
            "the practice page shows the asked-for item"
        );
    }

    // A hint, on the first item.
    let button = text_of(s, "#ask-hint", "the \"Show a hint\" button").await;
    assert_eq!(button, "Show a hint");
    click(s, "#ask-hint", "\"Show a hint\"").await;
    let hint = text_of(s, ".hints li", "the first hint").await;
    assert_eq!(
        plain(&hint),
        plain(&first.hints[0]),
        "the hint shown is the item's first hint"
    );
    findings.check(s).await;
    findings.shot(s, "practice-with-hint").await;
    assert_eq!(
        item_on_page(s, &course).await.id,
        first.id,
        "asking for a hint keeps the same question"
    );

    let wrong_feedback = answer(s, &first, false).await;
    findings.check(s).await;
    findings.shot(s, "feedback-wrong").await;
    assert_eq!(text_of(s, "#verdict", "the verdict").await, "Not quite");
    // The focus moves to the verdict, so Tab goes on from the feedback (issue 16).
    let focused = s
        .execute(
            "return document.activeElement && document.activeElement.id",
            vec![],
        )
        .await
        .expect("read the focused element");
    assert_eq!(
        focused.as_str(),
        Some("verdict"),
        "the verdict has the focus"
    );
    let explanation = text_of(s, "#explanation", "the explanation").await;
    assert!(!explanation.is_empty(), "the explanation is shown");
    assert!(
        plain(&explanation).contains(&plain(&first.explanation)),
        "the explanation of {} is shown; the page says {explanation:?}",
        first.id
    );
    if let Some(feedback) = wrong_feedback.filter(|f| !f.trim().is_empty()) {
        let shown = text_of(s, "#feedback", "the wrong choice's feedback").await;
        assert!(
            plain(&shown).contains(&plain(&feedback)),
            "the feedback of the wrong choice ({feedback:?}) is shown; the page says {shown:?}"
        );
    }
    let (a, b) = mastery_change(s, &skill_name).await;
    let started = {
        let change = text_of(s, "ul.changes", "the mastery changes").await;
        !change.contains("not started →")
    };
    if started {
        assert!(b <= a, "a wrong answer must not raise mastery: {a}% → {b}%");
    } else {
        // A skill not started has no number before; a wrong first answer shows a low one.
        assert!(b < 50, "a wrong first answer shows a low figure: {b}%");
    }

    click(s, "#next-question", "\"Next question\"").await;
    let second = item_on_page(s, &course).await;
    findings.check(s).await;
    answer(s, &second, true).await;
    findings.check(s).await;
    findings.shot(s, "feedback-right").await;
    assert_eq!(text_of(s, "#verdict", "the verdict").await, "Correct!");
    let (_, c) = mastery_change(s, &skill_name).await;
    assert!(
        b < c,
        "a right answer after a wrong one raises mastery: {b}% then {c}% (item {})",
        second.id
    );

    // Phone-sized student pages.
    findings
        .phone(
            s,
            &format!("/learn/{}", school.course_id),
            "student-course",
            None,
        )
        .await;
    findings.phone(s, &practice_path, "practice", None).await;
    student.close().await;

    // 3. The teacher reloads the dashboard: ana's cell changed, and shows the stored mastery.
    t.refresh().await.expect("reload the dashboard");
    wait_for(t, "#heatmap", "the heatmap").await;
    findings.check(t).await;
    findings.shot(t, "dashboard-after").await;
    let (label_after, shown_after) = heatmap_cell(t, &ana_id, &skill_id).await;
    let final_mastery = app
        .store
        .student_mastery(&ana_id, &school.course_id)
        .await
        .expect("read ana's mastery")
        .into_iter()
        .find(|m| m.skill_id == skill_id)
        .expect("ana has a mastery row for the skill she practised")
        .progress;
    let expected = percent(final_mastery.p_mastery);
    assert_ne!(
        label_after, label_before,
        "ana's heatmap cell for {skill_name} changed after she practised"
    );
    assert_eq!(
        shown_after, expected,
        "ana's cell shows her stored mastery (label {label_after:?})"
    );
    assert!(
        label_after.contains(&format!(
            ", {expected} after {} answers",
            final_mastery.attempts
        )),
        "ana's cell label {label_after:?} gives {expected} after {} answers",
        final_mastery.attempts
    );
    assert_eq!(
        parse_percent(&expected),
        c,
        "the dashboard and ana's feedback page agree"
    );
    findings
        .phone(t, &dashboard_path, "dashboard", Some("#h-heatmap"))
        .await;
    teacher.close().await;

    // 4. The guardian sees ana, and not a student of another family.
    let guardian = driver.browser().await;
    let g = &guardian.client;
    sign_in(g, &mut findings, &school.guardian).await;
    open(g, &base, "/family").await;
    findings.check(g).await;
    findings.shot(g, "family").await;
    let link = wait_for(
        g,
        &format!("main a[href=\"/family/{ana_id}\"]"),
        "a link to ana's page",
    )
    .await;
    assert_eq!(
        link.text().await.expect("read the link").trim(),
        ana_name,
        "/family lists ana by name"
    );
    link.click().await.expect("open ana's page");
    wait_for(g, "table.skills", "ana's skills table").await;
    assert_eq!(text_of(g, "main h1", "the child's name").await, ana_name);
    let skill_rows = g
        .find_all(Locator::Css("table.skills tbody tr"))
        .await
        .expect("list the skills table's rows");
    assert_eq!(
        skill_rows.len(),
        course.skills.len(),
        "ana's page lists every skill of the course"
    );
    findings.check(g).await;
    findings.shot(g, "child").await;

    open(g, &base, &format!("/family/{other_id}")).await;
    findings.check(g).await;
    findings.shot(g, "family-other-student").await;
    let heading = text_of(g, "main h1", "the error page's heading").await;
    assert!(
        heading.contains("Not Found"),
        "another family's student is not found; the page's heading is {heading:?}"
    );
    let body = text_of(g, "body", "the page").await;
    assert!(
        !body.contains(&other_name),
        "the not-found page must not name the other student {other_name}:\n{body}"
    );
    guardian.close().await;

    println!(
        "screenshots:\n{}",
        findings
            .saved
            .iter()
            .map(|p| format!("  {}", p.display()))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let problems = std::mem::take(&mut findings.problems);
    assert!(
        problems.is_empty(),
        "usability problems on the pages:\n{}",
        problems.join("\n")
    );
    drop(driver);
}
