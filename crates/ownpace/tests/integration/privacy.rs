//! The privacy notice and the access log: what a family can check without asking anyone.

use crate::support::{client, login_page, ownpace_command, spawn_app, start_serve, user_id};
use ownpace_storage::Backend;
use ownpace_storage::inventory::{INVENTORY, Sensitivity};
use std::process::Stdio;

on_both_engines!(
    the_notice_lists_every_kind_of_personal_record,
    a_family_sees_who_looked
);

/// Text as askama escapes it into HTML.
fn escaped(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

async fn the_notice_lists_every_kind_of_personal_record(backend: Backend) {
    let app = spawn_app(backend, 3).await;
    let page = client()
        .get(format!("{}/privacy", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200, "the notice is public");
    let html = page.text().await.unwrap();
    let mut listed = 0;
    for table in INVENTORY {
        let personal = table
            .columns
            .iter()
            .any(|(_, s)| *s != Sensitivity::NotPersonal);
        let shown = html.contains(&escaped(table.holds));
        assert_eq!(
            shown, personal,
            "{}: listed on /privacy iff it is about people",
            table.table
        );
        listed += usize::from(shown);
    }
    assert!(listed >= 10, "{listed} kinds of record listed");
    assert!(html.contains("typed answers") || html.contains("what was typed"));
    assert!(html.contains("has not yet named a privacy contact"));
}

async fn a_family_sees_who_looked(backend: Backend) {
    let app = spawn_app(backend, 3).await;
    let ana = &app.school.students[0];
    let ana_id = user_id(&app, ana).await;

    let student = client();
    login_page(&app, &student, ana).await;
    let before = student
        .get(format!("{}/me/access-log", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !before.contains("looked at the progress page"),
        "nobody looked yet"
    );

    let guardian = client();
    login_page(&app, &guardian, &app.school.guardian).await;
    let child = guardian
        .get(format!("{}/family/{ana_id}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(child.status(), 200);
    assert!(
        child.text().await.unwrap().contains("/access-log"),
        "the child page links to the log"
    );

    let guardian_name = app
        .store
        .user_by_username(&app.school.guardian)
        .await
        .unwrap()
        .unwrap()
        .display_name;
    let after = student
        .get(format!("{}/me/access-log", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        after.contains(&escaped(&format!(
            "{guardian_name} looked at the progress page on "
        ))),
        "ana sees that her guardian looked: {after}"
    );
    let guardians_view = guardian
        .get(format!("{}/family/{ana_id}/access-log", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(guardians_view.status(), 200);
    assert!(
        guardians_view
            .text()
            .await
            .unwrap()
            .contains("looked at the progress page")
    );
}

#[tokio::test]
async fn the_school_names_its_privacy_contact() {
    let data = tempfile::tempdir().unwrap();
    let (mut child, url) = start_serve(
        ownpace_command()
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--privacy-contact",
                "Ms. Okafor <privacy@school.example>",
            ])
            .env("OWNPACE_DATA_DIR", data.path())
            .stderr(Stdio::null()),
    );
    let html = client()
        .get(format!("{url}/privacy"))
        .send()
        .await
        .expect("fetch /privacy")
        .text()
        .await
        .expect("read /privacy");
    child.kill().ok();
    child.wait().ok();
    assert!(
        html.contains("Ms. Okafor &#60;privacy@school.example&#62;"),
        "the contact is shown, escaped: {html}"
    );
}
