//! Issue 11's export and erasure in a real headless Chromium, at 1280 px and 390 px:
//!
//! 1. the guardian opens their child's data page from the family page, downloads the
//!    record (the zip the page links to, fetched by the browser with its own session)
//!    and asks the school to erase it; the page then says the request is recorded, and a
//!    reload shows it without repeating the form;
//! 2. the admin finds the request on the erasures page, opens the two-step confirmation,
//!    types a wrong username (refused, nothing erased), then the right one and a reason:
//!    the log names the student only by a pseudonym, and the request is gone;
//! 3. the guardian's family page no longer lists the child.
//!
//! Every page is checked for usability basics and axe-core (`browser_support`), and must
//! not overflow a phone-sized window. Screenshots go to `target/screenshots/privacy-*`.

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
    /// Checks the page now shown at phone width and goes back to the desktop width.
    async fn at_phone_width(&mut self, client: &Client, name: &str) {
        resize(client, PHONE).await;
        if let Some(problem) = horizontal_overflow(client).await {
            self.problems
                .push(format!("{name} at {} px: {problem}", PHONE.0));
        }
        self.check(client).await;
        self.shot(client, &format!("privacy-phone-{name}")).await;
        resize(client, DESKTOP).await;
    }
}

async fn link(client: &Client, text: &str) -> fantoccini::elements::Element {
    client
        .find(Locator::XPath(&format!(
            "//main//a[contains(normalize-space(), \"{text}\")]"
        )))
        .await
        .unwrap_or_else(|e| panic!("a link \"{text}\": {e}"))
}

/// Fetches `href` with the browser's own cookies: (status, content type, first two bytes
/// as "80,75" for a zip, size).
async fn fetch_in_browser(client: &Client, href: &str) -> (u64, String, String, u64) {
    let script = r#"
        const done = arguments[arguments.length - 1];
        fetch(arguments[0], {credentials: 'same-origin'})
          .then(r => r.arrayBuffer().then(b => done([r.status, r.headers.get('content-type') || '',
                Array.from(new Uint8Array(b).slice(0, 2)).join(','), b.byteLength])))
          .catch(e => done([0, String(e), '', 0]));
    "#;
    let value = client
        .execute_async(script, vec![serde_json::json!(href)])
        .await
        .expect("fetch the download in the browser");
    let parts = value.as_array().expect("an array").clone();
    (
        parts[0].as_u64().unwrap_or(0),
        parts[1].as_str().unwrap_or("").to_string(),
        parts[2].as_str().unwrap_or("").to_string(),
        parts[3].as_u64().unwrap_or(0),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guardian_downloads_the_record_and_asks_for_erasure_which_an_admin_carries_out() {
    tokio::time::timeout(STORY_TIMEOUT, story())
        .await
        .unwrap_or_else(|_| panic!("the privacy story took longer than {STORY_TIMEOUT:?}"));
}

async fn story() {
    let driver = Driver::start().await;
    let app = spawn_app(Backend::Sqlite, 3).await;
    let base = app.base.clone();
    let mut findings = Findings {
        base: base.clone(),
        problems: Vec::new(),
        shots: screenshot_dir(),
        saved: Vec::new(),
    };
    let child_username = app.school.students[0].clone();
    let child = app
        .store
        .user_by_username(&child_username)
        .await
        .unwrap()
        .expect("the guardian's child");

    // 1. The guardian: data page, download, request.
    let family = driver.browser().await;
    let g = &family.client;
    sign_in(g, &base, &app.school.guardian, DEMO_PASSWORD).await;
    open(g, &base, "/family").await;
    let to_data = link(g, &format!("{}'s data", child.display_name)).await;
    click_and_load(g, &to_data, "the child's data link").await;
    findings.check(g).await;
    findings.shot(g, "privacy-guardian-data").await;
    findings.at_phone_width(g, "guardian-data").await;
    let download = wait_for(g, "#download-record", "the download link").await;
    let href = download
        .attr("href")
        .await
        .unwrap()
        .expect("the link has an href");
    assert_eq!(href, format!("/family/{}/export", child.id));
    let (status, kind, magic, size) = fetch_in_browser(g, &href).await;
    assert_eq!(
        (status, kind.as_str(), magic.as_str()),
        (200, "application/zip", "80,75")
    );
    assert!(size > 1_000, "the zip holds the record: {size} bytes");
    let ask = g
        .find(Locator::Css("#request-erasure"))
        .await
        .expect("the erasure request button");
    click_and_load(g, &ask, "the erasure request").await;
    let said = text_of(g, "#flash.notice.success", "the confirmation").await;
    assert!(said.contains("request is recorded"), "{said}");
    assert!(
        text_of(g, "#erasure-requested", "the pending request")
            .await
            .contains("requested")
    );
    findings.check(g).await;
    g.refresh().await.expect("reload");
    wait_for(g, "#erasure-requested", "the request after a reload").await;
    assert!(
        g.find(Locator::Css("#flash")).await.is_err(),
        "the message is shown once"
    );
    assert!(
        g.find(Locator::Css("#request-erasure")).await.is_err(),
        "asked once"
    );

    // 2. The admin: the request, the two-step confirmation.
    let office = driver.browser().await;
    let a = &office.client;
    sign_in(a, &base, &app.school.admin, DEMO_PASSWORD).await;
    open(a, &base, "/admin").await;
    let to_erasures = wait_for(a, "#erasures-link", "the erasures link").await;
    click_and_load(a, &to_erasures, "the erasures link").await;
    let pending = text_of(a, "#pending-erasures", "the pending requests").await;
    assert!(pending.contains(&child.display_name), "{pending}");
    findings.check(a).await;
    findings.shot(a, "privacy-admin-erasures").await;
    findings.at_phone_width(a, "admin-erasures").await;
    let erase = link(a, "Erase").await;
    click_and_load(a, &erase, "\"Erase…\"").await;
    findings.check(a).await;
    findings.shot(a, "privacy-admin-erase").await;
    findings.at_phone_width(a, "admin-erase").await;
    field_labelled(a, "To confirm")
        .await
        .send_keys("not-the-username")
        .await
        .unwrap();
    field_labelled(a, "Reason")
        .await
        .send_keys("The family asked by letter")
        .await
        .unwrap();
    let confirm = wait_for(a, "#erase-confirm", "the erase button").await;
    click_and_load(a, &confirm, "the erase button").await;
    let refused = text_of(a, "#confirm-username-error", "the field's error").await;
    assert!(refused.contains("type the student"), "{refused}");
    assert!(
        app.store
            .user_by_username(&child_username)
            .await
            .unwrap()
            .is_some(),
        "a wrong username erases nothing"
    );
    findings.check(a).await;
    // The reason was kept; the username must be typed again.
    field_labelled(a, "To confirm")
        .await
        .send_keys(&child_username)
        .await
        .unwrap();
    let confirm = wait_for(a, "#erase-confirm", "the erase button").await;
    click_and_load(a, &confirm, "the erase button").await;
    let done = text_of(a, "#flash.notice.success", "the erasure's confirmation").await;
    assert!(done.contains("erased-"), "{done}");
    assert!(!done.contains(&child.display_name), "{done}");
    let log = text_of(a, "#erasure-log", "the erasure log").await;
    assert!(
        log.contains("The family asked by letter") && log.contains("admin page"),
        "{log}"
    );
    assert!(
        !log.contains(&child.display_name) && !log.contains(&child_username),
        "{log}"
    );
    wait_for(a, "#no-pending", "no request left").await;
    findings.check(a).await;
    findings.shot(a, "privacy-admin-erased").await;
    findings.at_phone_width(a, "admin-erased").await;
    assert!(
        app.store
            .user_by_username(&child_username)
            .await
            .unwrap()
            .is_none()
    );

    // 3. The guardian's family page no longer lists the child.
    open(g, &base, "/family").await;
    let page = text_of(g, "main", "the family page").await;
    assert!(!page.contains(&child.display_name), "{page}");

    family.close().await;
    office.close().await;
    drop(driver);
    assert!(
        findings.problems.is_empty(),
        "usability problems:\n{}",
        findings.problems.join("\n")
    );
}
