//! Issue 11's consent and access log in a real headless Chromium, at 1280 px and 390 px,
//! with the school asking a guardian's consent below 13:
//!
//! 1. Ana's consent was withdrawn: signing in, she sees "waiting for your family's
//!    consent" instead of practice, and her course page is closed too;
//! 2. her guardian opens the family page, reads what the consent covers, ticks "I agree"
//!    and records it; the page says it is done and that Ana can use Ownpace;
//! 3. the guardian reads Ana's access log, where the consent and the teacher's look at
//!    her record stand in plain words;
//! 4. Ana reloads and practises.
//!
//! Every page is checked for usability basics and axe-core (`browser_support`), and must
//! not overflow a phone-sized window. Screenshots go to `target/screenshots/consent-*`.

#[allow(dead_code)] // This test does not use every helper of the shared module.
mod browser_support;
mod common;

use browser_support::{
    DESKTOP, Driver, Findings, PHONE, click_and_load, field_labelled, horizontal_overflow, open,
    resize, screenshot_dir, sign_in, text_of, wait_for,
};
use common::spawn_app_with;
use fantoccini::{Client, Locator};
use ownpace::demo::DEMO_PASSWORD;
use ownpace_core::consent::{Policy, Scope, WhenAgeUnknown};
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
        self.shot(client, &format!("consent-phone-{name}")).await;
        resize(client, DESKTOP).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guardian_gives_consent_and_reads_the_access_log() {
    tokio::time::timeout(STORY_TIMEOUT, story())
        .await
        .unwrap_or_else(|_| panic!("the consent story took longer than {STORY_TIMEOUT:?}"));
}

async fn story() {
    let driver = Driver::start().await;
    let config = ownpace_web::Config {
        consent: Policy {
            age: 13,
            when_unknown: WhenAgeUnknown::Required,
        },
        ..ownpace_web::Config::default()
    };
    let app = spawn_app_with(Backend::Sqlite, 4, config).await;
    let base = app.base.clone();
    let mut findings = Findings {
        base: base.clone(),
        problems: Vec::new(),
        shots: screenshot_dir(),
        saved: Vec::new(),
    };
    let ana = app
        .store
        .user_by_username(&app.school.students[0])
        .await
        .unwrap()
        .unwrap();
    let guardian_id = app
        .store
        .user_by_username(&app.school.guardian)
        .await
        .unwrap()
        .unwrap()
        .id;
    // The demo recorded consent; the guardian withdrew it.
    app.store
        .withdraw_consent(&guardian_id, &ana.id, &Scope::ALL, ownpace_web::now_ms())
        .await
        .unwrap();
    // A teacher looked at Ana's record (it shows in her log).
    let teacher = common::client();
    common::login_page(&app, &teacher, "teacher").await;
    teacher
        .get(format!("{base}/students/{}", ana.id))
        .send()
        .await
        .unwrap();

    // 1. Ana waits, calmly.
    let student = driver.browser().await;
    let s = &student.client;
    sign_in(s, &base, &app.school.students[0], DEMO_PASSWORD).await;
    let waiting = text_of(s, "#consent-waiting", "the waiting message").await;
    assert!(waiting.contains("parent or guardian"), "{waiting}");
    findings.check(s).await;
    findings.shot(s, "consent-student-waiting").await;
    findings.at_phone_width(s, "student-waiting").await;
    open(s, &base, &format!("/learn/{}", app.school.course_id)).await;
    wait_for(
        s,
        "#consent-waiting",
        "the waiting page instead of the course",
    )
    .await;

    // 2. The guardian records consent.
    let guardian = driver.browser().await;
    let g = &guardian.client;
    sign_in(g, &base, &app.school.guardian, DEMO_PASSWORD).await;
    open(g, &base, "/family").await;
    let section = text_of(g, &format!("#consent-{}", ana.id), "the consent section").await;
    assert!(section.contains("Waiting for your consent"), "{section}");
    assert!(section.contains("Covers:"), "what it covers: {section}");
    findings.check(g).await;
    findings.shot(g, "consent-family-before").await;
    findings.at_phone_width(g, "family-before").await;
    field_labelled(g, "I agree that")
        .await
        .click()
        .await
        .expect("tick the consent");
    let record = g
        .find(Locator::XPath(&format!(
            "//section[@id='consent-{}']//button[normalize-space()='Record my consent']",
            ana.id
        )))
        .await
        .expect("the \"Record my consent\" button");
    click_and_load(g, &record, "\"Record my consent\"").await;
    let message = text_of(g, "#flash.notice.success", "the success message").await;
    assert!(message.contains("consent"), "{message}");
    let state = text_of(
        g,
        &format!("#consent-state-{}", ana.id),
        "the consent state",
    )
    .await;
    assert!(state.contains("can use Ownpace"), "{state}");
    findings.check(g).await;
    findings.shot(g, "consent-family-after").await;
    findings.at_phone_width(g, "family-after").await;

    // 3. The guardian reads Ana's access log.
    open(g, &base, &format!("/family/{}/access-log", ana.id)).await;
    let log = text_of(g, "#access-log", "the access log").await;
    assert!(
        log.contains("Sam Okafor gave consent to using Ownpace on"),
        "{log}"
    );
    assert!(
        log.contains("Ms. Rivera looked at the learning record on"),
        "{log}"
    );
    findings.check(g).await;
    findings.shot(g, "consent-access-log").await;
    findings.at_phone_width(g, "access-log").await;
    guardian.close().await;

    // 4. Ana practises.
    open(s, &base, &format!("/learn/{}", app.school.course_id)).await;
    assert!(
        s.find(Locator::Css("#consent-waiting")).await.is_err(),
        "no waiting page once consent is given"
    );
    findings.check(s).await;
    findings.shot(s, "consent-student-after").await;
    findings.at_phone_width(s, "student-after").await;
    student.close().await;

    assert!(
        findings.problems.is_empty(),
        "usability problems:\n{}",
        findings.problems.join("\n")
    );
}
