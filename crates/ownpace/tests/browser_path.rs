//! Issue 3's adaptive path in a real headless Chromium, clicking and typing like a person:
//!
//! 1. a brand-new student signs in, is offered the placement check, takes it (right
//!    answers for the first third of the course's skills, "I don't know yet" for the rest)
//!    and sees the summary within 12 questions;
//! 2. the course page then offers exactly three next steps, each with a reason; the student
//!    picks the first "Practice" one and practises it to "Mastered!";
//! 3. the skill map is an inline SVG whose skills are all links, reached with Tab in order,
//!    and the practised skill's link is named "… mastered";
//! 4. two months later (the server's clock moved) a "Review" option is due;
//! 5. the teacher sees the placement on the student's page and pins a lesson, which then
//!    comes first on the student's course page, "pinned by your teacher".
//!
//! Every page visited gets the usability checks of `browser_support`; the placement page
//! and the skill map must not overflow a phone-sized window. Screenshots go to
//! `target/screenshots/`. Needs Chromium and chromedriver, like `browser.rs`.

#[allow(dead_code)] // This test does not use every helper of the shared module.
mod browser_support;
mod common;

use browser_support::{
    DESKTOP, Driver, Findings, PHONE, click_and_load, field_labelled, horizontal_overflow, open,
    press_tab, resize, screenshot_dir, sign_in, text_of, wait_for,
};
use common::spawn_app;
use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use ownpace::demo::DEMO_PASSWORD;
use ownpace_core::course::{AnswerSpec, Course, Item, format_number};
use ownpace_storage::{Backend, NewUser, Role};
use std::time::{Duration, Instant};

/// The whole journey must finish within this (it takes well under a minute).
const STORY_TIMEOUT: Duration = Duration::from_secs(150);
/// The placement check's default cap.
const MAX_PLACEMENT_QUESTIONS: usize = 12;
/// Right answers allowed to reach "Mastered!" from the placed state.
const MAX_PRACTICE_ANSWERS: usize = 15;

/// Collects usability problems; the test fails at the end listing all of them.
impl Findings {
    /// Checks the page the browser shows now in a phone-sized window (no horizontal
    /// overflow, usability basics), saves `phone-{name}.png`, and returns to desktop size.
    async fn phone(&mut self, client: &Client, name: &str) {
        resize(client, PHONE).await;
        if let Some(problem) = horizontal_overflow(client).await {
            let url = client
                .current_url()
                .await
                .map(|u| u.path().to_string())
                .unwrap_or_default();
            self.problems
                .push(format!("{url} at {}×{}: {problem}", PHONE.0, PHONE.1));
        }
        self.check(client).await;
        client
            .execute("window.scrollTo(0, 0)", vec![])
            .await
            .expect("scroll to the top");
        self.shot(client, &format!("phone-{name}")).await;
        resize(client, DESKTOP).await;
    }
}

/// `textContent` of an element, trimmed: what the page says, whatever the CSS does to it
/// (the option kinds are `text-transform: uppercase`, so WebDriver's text would be
/// "PRACTICE").
async fn content(element: &Element, what: &str) -> String {
    element
        .prop("textContent")
        .await
        .unwrap_or_else(|e| panic!("read the text of {what}: {e}"))
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// One option of "Choose your next step".
#[derive(Debug)]
struct Offered {
    kind: String,
    title: String,
    href: String,
    reason: String,
    link: Element,
}

async fn next_steps(client: &Client) -> Vec<Offered> {
    wait_for(client, "#next-steps", "the list of next steps").await;
    let items = client
        .find_all(Locator::Css("#next-steps > li.option"))
        .await
        .expect("list the next steps");
    let mut offered = Vec::new();
    for li in items {
        let part = |css: &'static str| {
            let li = li.clone();
            async move {
                li.find(Locator::Css(css))
                    .await
                    .unwrap_or_else(|e| panic!("an option has `{css}`: {e}"))
            }
        };
        let link = part("h3 a").await;
        offered.push(Offered {
            kind: content(&part("p.kind").await, "an option's kind").await,
            title: content(&link, "an option's title").await,
            href: link
                .attr("href")
                .await
                .expect("read an option's link")
                .expect("an option's link has an href"),
            reason: content(&part("p.why").await, "an option's reason").await,
            link,
        });
    }
    offered
}

/// The item id in the practice page's answer form (`/learn/{course}/items/{item}/answer`).
async fn item_on_practice_page(client: &Client, course: &Course) -> Item {
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

/// The value of a hidden input of the form `form_css`.
async fn hidden(client: &Client, form_css: &str, name: &str) -> String {
    wait_for(
        client,
        &format!("{form_css} input[type=hidden][name={name}]"),
        &format!("the hidden `{name}` field"),
    )
    .await
    .attr("value")
    .await
    .expect("read a hidden field")
    .unwrap_or_default()
}

/// Gives the right answer to `item` in the form on the page: clicks the right choice, or
/// types the number or text into the field labelled "Your answer".
async fn fill_in_right_answer(client: &Client, item: &Item) {
    match &item.answer {
        AnswerSpec::Choice { choices } => {
            let index = choices
                .iter()
                .position(|c| c.correct)
                .unwrap_or_else(|| panic!("item {} has no right choice", item.id));
            // Through its label, as a person would.
            wait_for(
                client,
                &format!("label[for=\"choice-{index}\"]"),
                &format!("the label of choice {index}"),
            )
            .await
            .click()
            .await
            .expect("click the right choice");
        }
        AnswerSpec::Numeric { value, .. } => field_labelled(client, "Your answer")
            .await
            .send_keys(&format_number(*value))
            .await
            .expect("type a number"),
        AnswerSpec::Text { accepted, .. } => field_labelled(client, "Your answer")
            .await
            .send_keys(accepted.first().expect("an accepted answer"))
            .await
            .expect("type an answer"),
    }
}

async fn press(client: &Client, css: &str, what: &str) {
    let element = wait_for(client, css, what).await;
    click_and_load(client, &element, what).await;
}

/// Where focus is: its index among the skill map's links (`None` when elsewhere), and a
/// description for failure messages.
async fn focused_skill_link(client: &Client) -> (Option<usize>, String) {
    let found = client
        .execute(
            "const a = document.activeElement; \
             const links = [...document.querySelectorAll('.map-scroll svg a')]; \
             const i = links.indexOf(a); \
             const d = a ? `${a.tagName.toLowerCase()}${a.id ? '#' + a.id : ''} \
               ${(a.getAttribute('aria-label') || a.textContent || '').trim().slice(0, 60)}` : 'nothing'; \
             return [i, d, !!(a && a.closest('svg'))];",
            vec![],
        )
        .await
        .expect("read the focused element");
    let index = found[0].as_i64().expect("an index");
    let description = found[1].as_str().unwrap_or("?").to_string();
    let in_svg = found[2].as_bool().unwrap_or(false);
    if index >= 0 {
        assert!(in_svg, "a skill link outside the SVG?");
    }
    (usize::try_from(index).ok(), description)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_student_is_placed_guided_reviewed_and_steered_in_a_real_browser() {
    let started = Instant::now();
    tokio::time::timeout(STORY_TIMEOUT, story())
        .await
        .unwrap_or_else(|_| panic!("the browser journey took longer than {STORY_TIMEOUT:?}"));
    println!(
        "browser journey took {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

async fn story() {
    let driver = Driver::start().await;
    let app = spawn_app(Backend::Sqlite, 2).await;
    let school = app.school.clone();
    let base = app.base.clone();
    let course_id = school.course_id.clone();
    let course: Course = (*app
        .store
        .current_course(&course_id)
        .await
        .expect("read the course")
        .expect("the demo course exists")
        .course)
        .clone();
    let course_path = format!("/learn/{course_id}");
    let mut findings = Findings {
        base: base.clone(),
        problems: Vec::new(),
        shots: screenshot_dir(),
        saved: Vec::new(),
    };

    let hash = ownpace_web::hash_password(DEMO_PASSWORD.to_string())
        .await
        .expect("hash the demo password");
    let nova = app
        .store
        .create_user(NewUser {
            username: "nova",
            display_name: "Nova N.",
            role: Role::Student,
            password_hash: &hash,
            created_at: ownpace_web::now_ms(),
        })
        .await
        .expect("create a new student");
    app.store
        .add_to_class(&school.class_id, &nova.id, ownpace_web::now_ms())
        .await
        .expect("put the new student in the demo class");

    // 1. Nova signs in and takes the placement check.
    let student = driver.browser().await;
    let s = &student.client;
    sign_in(s, &base, "nova", DEMO_PASSWORD).await;
    findings.check(s).await;
    open(s, &base, &course_path).await;
    findings.check(s).await;
    let invite = text_of(s, "#start-placement", "the placement invitation").await;
    assert_eq!(invite, "Take the placement check");
    press(s, "#start-placement", "\"Take the placement check\"").await;

    let known: Vec<&str> = course.skills[..course.skills.len() / 3]
        .iter()
        .map(|sk| sk.id.as_str())
        .collect();
    let mut questions = 0;
    loop {
        if s.find(Locator::Css("#placement-summary")).await.is_ok() {
            break;
        }
        wait_for(s, "#placement-form", "a placement question").await;
        questions += 1;
        assert!(
            questions <= MAX_PLACEMENT_QUESTIONS,
            "the placement check asked more than {MAX_PLACEMENT_QUESTIONS} questions"
        );
        let lead = text_of(s, "main p.lead", "the placement page's lead").await;
        assert!(
            lead.contains(&format!(
                "Question {questions} of at most {MAX_PLACEMENT_QUESTIONS}"
            )),
            "the page counts the questions: {lead:?}"
        );
        findings.check(s).await;
        if questions == 1 {
            findings.shot(s, "placement").await;
            findings.phone(s, "placement").await;
        }
        let skill = hidden(s, "#placement-form", "skill").await;
        let item_id = hidden(s, "#placement-form", "item").await;
        let item = course
            .item(&item_id)
            .unwrap_or_else(|| panic!("placement item {item_id} is not in the course"));
        assert!(
            item.skills.contains(&skill),
            "placement item {item_id} is about skill {skill}"
        );
        let knows = known.contains(&skill.as_str());
        println!(
            "placement question {questions}: item {item_id} on {skill} ({})",
            if knows { "answered" } else { "don't know yet" }
        );
        if knows {
            fill_in_right_answer(s, item).await;
            press(s, "#submit-placement", "\"Next\"").await;
        } else {
            press(s, "#dont-know", "\"I don't know yet\"").await;
        }
    }
    let summary = text_of(s, "#placement-summary", "the placement summary").await;
    assert!(
        summary.starts_with("You already know ") && summary.contains(" skills"),
        "the summary says what Nova knows: {summary:?}"
    );
    let (count, total) = summary
        .trim_start_matches("You already know ")
        .split_once(" skills")
        .and_then(|(numbers, _)| numbers.split_once(" of "))
        .unwrap_or_else(|| panic!("\"You already know N of M skills\", got {summary:?}"));
    assert_eq!(
        total,
        course.skills.len().to_string(),
        "the summary counts every skill: {summary:?}"
    );
    let count: usize = count
        .parse()
        .unwrap_or_else(|_| panic!("a number of skills in {summary:?}"));
    assert!(
        count >= 1 && count < course.skills.len(),
        "Nova knows some but not all skills: {summary:?}"
    );
    assert!(questions >= 3, "the check asked only {questions} questions");
    println!("placement: {questions} questions; {summary}");
    findings.check(s).await;

    // 2. Three next steps with reasons; Nova picks the first practice and masters it.
    let back = s
        .find(Locator::LinkText("See my next steps"))
        .await
        .expect("the placement summary links to the next steps");
    click_and_load(s, &back, "\"See my next steps\"").await;
    findings.check(s).await;
    assert!(
        s.find(Locator::Css("#start-placement")).await.is_err(),
        "after the check, the course page no longer offers it"
    );
    let offered = next_steps(s).await;
    for o in &offered {
        println!("next step: {} \"{}\": {}", o.kind, o.title, o.reason);
    }
    assert_eq!(
        offered.len(),
        3,
        "exactly three next steps: {:#?}",
        offered
            .iter()
            .map(|o| (&o.kind, &o.title, &o.reason))
            .collect::<Vec<_>>()
    );
    for o in &offered {
        assert!(
            !o.reason.is_empty() && !o.title.is_empty(),
            "every option has a title and a reason: {o:?}"
        );
    }
    findings.shot(s, "next-steps").await;
    let practice = offered
        .iter()
        .find(|o| o.kind == "Practice")
        .unwrap_or_else(|| panic!("a \"Practice\" option among {offered:#?}"));
    let skill = course
        .skills
        .iter()
        .find(|sk| practice.href.ends_with(&format!("/skills/{}", sk.id)))
        .unwrap_or_else(|| panic!("the practice option links to a skill: {practice:?}"))
        .clone();
    assert_eq!(practice.title, skill.name, "the option names its skill");
    click_and_load(s, &practice.link, "the practice option").await;

    let mut answers = 0;
    loop {
        assert_eq!(
            text_of(s, "main h1", "the skill's name").await,
            skill.name,
            "practising the chosen skill"
        );
        findings.check(s).await;
        let item = item_on_practice_page(s, &course).await;
        fill_in_right_answer(s, &item).await;
        press(s, "#submit-answer", "\"Check my answer\"").await;
        answers += 1;
        findings.check(s).await;
        assert_eq!(
            text_of(s, "#verdict", "the verdict").await,
            "Correct!",
            "item {} answered rightly",
            item.id
        );
        let badges = s
            .find_all(Locator::Css("ul.changes .badge"))
            .await
            .expect("look for a badge");
        let mut mastered = false;
        for badge in badges {
            mastered |= content(&badge, "a badge").await == "Mastered!";
        }
        if mastered {
            break;
        }
        assert!(
            answers < MAX_PRACTICE_ANSWERS,
            "no \"Mastered!\" after {answers} right answers to {}",
            skill.name
        );
        press(s, "#next-question", "\"Next question\"").await;
    }
    println!("practice: {} mastered after {answers} answers", skill.name);

    // 3. The skill map: inline SVG, every skill a link, Tab reaches them in order.
    let map_path = format!("{course_path}/map");
    open(s, &base, &map_path).await;
    findings.check(s).await;
    wait_for(s, ".map-scroll > svg", "the skill map drawn inline").await;
    findings.shot(s, "skill-map").await;
    // At 1280 px the map opens at its left edge (the leftmost skills are in view), and no
    // two boxes read the same: a name cut short must still tell its box from the others.
    let at_load = s
        .execute(
            "const r = document.querySelector('.map-scroll'); \
             const box = r.getBoundingClientRect(); \
             const rects = [...r.querySelectorAll('svg a rect')].map(e => e.getBoundingClientRect()); \
             const leftmost = Math.min(...rects.map(b => b.left)); \
             const labels = [...r.querySelectorAll('svg a')].map(a => \
               [...a.querySelectorAll('text')].map(t => t.textContent.trim()).join(' ')); \
             return { scrollLeft: r.scrollLeft, leftmost: leftmost - box.left, \
                      width: r.clientWidth, labels: labels };",
            vec![],
        )
        .await
        .expect("measure the skill map at 1280 px");
    let scroll_left = at_load["scrollLeft"].as_f64().unwrap_or(-1.0);
    let leftmost = at_load["leftmost"].as_f64().unwrap_or(-1.0);
    assert_eq!(
        scroll_left, 0.0,
        "the skill map opens scrolled to its left edge: {at_load}"
    );
    assert!(
        (0.0..at_load["width"].as_f64().unwrap_or(0.0)).contains(&leftmost),
        "the leftmost skill box is in view when the map opens: {at_load}"
    );
    let labels: Vec<String> = at_load["labels"]
        .as_array()
        .map(|all| {
            all.iter()
                .filter_map(|l| l.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(labels.len(), course.skills.len(), "a label per skill box");
    let distinct: std::collections::BTreeSet<&String> = labels.iter().collect();
    assert_eq!(
        distinct.len(),
        labels.len(),
        "no two skill boxes read the same: {labels:#?}"
    );
    let links = s
        .find_all(Locator::Css(".map-scroll svg a"))
        .await
        .expect("list the skill map's links");
    let mut hrefs = Vec::new();
    for link in &links {
        hrefs.push(
            link.attr("href")
                .await
                .expect("read a skill link")
                .expect("a skill link has an href"),
        );
    }
    for sk in &course.skills {
        let want = format!("{course_path}/skills/{}", sk.id);
        assert!(
            hrefs.contains(&want),
            "the skill map links to {} ({want}); it has {hrefs:?}",
            sk.name
        );
    }
    assert_eq!(
        links.len(),
        course.skills.len(),
        "one link per skill on the map"
    );
    let practised = wait_for(
        s,
        &format!(
            ".map-scroll svg a[href=\"{course_path}/skills/{}\"]",
            skill.id
        ),
        "the practised skill's link",
    )
    .await;
    let name = practised
        .attr("aria-label")
        .await
        .expect("read the link's aria-label")
        .unwrap_or_default();
    assert!(
        practised
            .attr("aria-labelledby")
            .await
            .expect("read aria-labelledby")
            .is_none(),
        "the aria-label is the link's accessible name"
    );
    assert!(
        name.starts_with(&skill.name) && name.contains("mastered"),
        "the practised skill's link is named {name:?}"
    );
    // From the top of a freshly loaded page, Tab until focus enters the map…
    let mut presses = 0;
    let mut path = Vec::new();
    let first = loop {
        press_tab(s).await;
        presses += 1;
        let (index, description) = focused_skill_link(s).await;
        if let Some(index) = index {
            break index;
        }
        path.push(description);
        assert!(
            presses <= 30,
            "30 presses of Tab did not reach the skill map; focus went through {path:#?}"
        );
    };
    assert_eq!(
        first, 0,
        "Tab enters the map at its first skill (after {path:#?})"
    );
    // …then each press moves to the next skill link, through all of them.
    for expected in 1..links.len() {
        press_tab(s).await;
        let (index, description) = focused_skill_link(s).await;
        assert_eq!(
            index,
            Some(expected),
            "Tab moves from skill link {} to the next; focus is on {description}",
            expected - 1
        );
    }
    println!(
        "skill map: {} presses of Tab to reach the first of {} skill links",
        presses,
        links.len()
    );
    open(s, &base, &map_path).await;
    resize(s, PHONE).await;
    let geometry = s
        .execute(
            "const r = document.querySelector('.map-scroll'); \
             const first = r.querySelector('svg a rect').getBoundingClientRect(); \
             const box = r.getBoundingClientRect(); \
             return `region ${r.clientWidth}px wide showing ${r.scrollLeft}px.., map ${r.scrollWidth}px; \
               first skill at ${Math.round(first.left - box.left)}..${Math.round(first.right - box.left)}px`;",
            vec![],
        )
        .await
        .expect("measure the skill map");
    println!(
        "skill map at phone width: {}",
        geometry.as_str().unwrap_or("?")
    );
    findings.phone(s, "skill-map").await;

    // 4. Two months later, the practised skill is due for review.
    app.advance_days(60);
    sign_in(s, &base, "nova", DEMO_PASSWORD).await;
    findings.check(s).await;
    open(s, &base, &course_path).await;
    findings.check(s).await;
    let offered = next_steps(s).await;
    assert!(
        offered
            .iter()
            .any(|o| o.kind == "Review" && o.reason.starts_with("due for review")),
        "a review is due after 60 days: {:#?}",
        offered
            .iter()
            .map(|o| (&o.kind, &o.title, &o.reason))
            .collect::<Vec<_>>()
    );
    findings.shot(s, "review-due").await;

    // 5. The teacher sees the placement and pins a lesson for Nova.
    let teacher = driver.browser().await;
    let t = &teacher.client;
    sign_in(t, &base, &school.teacher, DEMO_PASSWORD).await;
    findings.check(t).await;
    open(t, &base, &format!("/students/{}", nova.id)).await;
    findings.check(t).await;
    let status = text_of(t, "#placement-status", "the placement status").await;
    assert!(
        status.contains(&format!("{questions} questions")),
        "the teacher sees the placement ({questions} questions): {status:?}"
    );
    let form = "#student-override-form";
    let select = wait_for(
        t,
        &format!("{form} select[name=activity]"),
        "the pin form's activity menu",
    )
    .await;
    let choices = select
        .find_all(Locator::Css("option"))
        .await
        .expect("list the activities");
    let mut lesson_label = None;
    for option in &choices {
        let value = option
            .attr("value")
            .await
            .expect("read an option's value")
            .unwrap_or_default();
        if value.starts_with("lesson:") {
            lesson_label = Some((value, content(option, "an activity").await));
        }
    }
    let (value, label) = lesson_label.expect("the pin form offers a lesson");
    let lesson = course
        .lessons
        .iter()
        .find(|l| value == format!("lesson:{}", l.id))
        .unwrap_or_else(|| panic!("the menu's {value} is a lesson of the course"));
    assert!(
        label.ends_with(&lesson.title),
        "the menu names the lesson: {label:?}"
    );
    select
        .select_by_label(&label)
        .await
        .expect("pick the lesson");
    wait_for(
        t,
        &format!("{form} select[name=action]"),
        "the pin form's action menu",
    )
    .await
    .select_by_value("pin")
    .await
    .expect("choose \"Pin first\"");
    let apply = t
        .find(Locator::XPath(
            "//form[@id='student-override-form']//button[starts-with(normalize-space(), 'Apply')]",
        ))
        .await
        .expect("the pin form has an \"Apply\" button");
    click_and_load(t, &apply, "\"Apply\"").await;
    let pins = text_of(t, "#student-overrides", "the list of pins").await;
    assert!(
        pins.contains(&lesson.title),
        "the teacher's page lists the pin: {pins:?}"
    );
    findings.check(t).await;
    teacher.close().await;

    s.refresh().await.expect("reload the course page");
    wait_for(s, "h1", "the course page").await;
    findings.check(s).await;
    let offered = next_steps(s).await;
    let first = offered.first().expect("at least one next step");
    assert_eq!(
        (first.title.as_str(), first.reason.as_str()),
        (lesson.title.as_str(), "pinned by your teacher"),
        "the pinned lesson comes first: {:#?}",
        offered
            .iter()
            .map(|o| (&o.kind, &o.title, &o.reason))
            .collect::<Vec<_>>()
    );
    findings.shot(s, "pinned").await;
    student.close().await;

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
