//! The admin's pages against the real server, on both engines: every form answers with a
//! redirect and the page after it says what happened (once), in a success or an error
//! style, with the input kept; class rosters with dated enrolments; account pages with
//! set-up codes instead of passwords; CSV rosters with a preview and per-line errors.

use crate::support::{TestApp, client, csrf_in, login_page, spawn_app, user_id};
use crate::support::{get_page as page, post_form as post};
use ownpace_storage::Backend;

on_both_engines!(
    class_roster_forms_redirect_say_what_happened_and_keep_history,
    accounts_get_setup_codes_resets_disable_and_unlink,
    a_csv_roster_is_previewed_refused_per_line_and_applied_once,
);

/// The text of the page's message box, if any.
fn flash_of(body: &str) -> Option<String> {
    let at = body.find(r#"id="flash""#)?;
    let start = body[..at].rfind("<div")?;
    let end = body[start..].find("</div>")? + start;
    Some(body[start..end].to_string())
}

fn assert_plain(message: &str) {
    assert!(!message.contains('`'), "markup characters in {message}");
    assert!(!message.contains(".."), "a double period in {message}");
}

async fn admin(app: &TestApp) -> (reqwest::Client, String) {
    let http = client();
    let csrf = login_page(app, &http, "admin").await;
    (http, csrf)
}

async fn class_roster_forms_redirect_say_what_happened_and_keep_history(backend: Backend) {
    let app = spawn_app(backend, 3).await;
    let (http, csrf) = admin(&app).await;
    let base = &app.base;
    // A new class: redirected to its page, which says so once.
    let (status, location) = post(
        &http,
        &format!("{base}/admin/classes"),
        &[
            ("_csrf", &csrf),
            ("name", "Grade 6 · Period 5"),
            ("course_id", app.school.course_id.as_str()),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert!(location.starts_with("/admin/classes/"), "{location}");
    let class_id = ownpace_core::ids::ClassId::new(location.trim_start_matches("/admin/classes/"));
    let (status, body) = page(&http, &format!("{base}{location}")).await;
    assert_eq!(status, 200);
    let message = flash_of(&body).expect("a message after the form");
    assert!(
        message.contains("notice success") && message.contains("Grade 6 · Period 5"),
        "{message}"
    );
    assert_plain(&message);
    let (_, again) = page(&http, &format!("{base}{location}")).await;
    assert!(
        flash_of(&again).is_none(),
        "a reload shows the page, not the message again"
    );

    // Adding a student names them and the class; a wrong username is an error in place
    // with the input kept.
    let ana = &app.school.students[0];
    let ana_id = user_id(&app, ana).await;
    let members = format!("{base}/admin/classes/{class_id}/members");
    let (status, location) = post(&http, &members, &[("_csrf", &csrf), ("username", ana)]).await;
    assert_eq!(
        (status, location.as_str()),
        (
            303,
            format!("/admin/classes/{class_id}#add-member").as_str()
        )
    );
    let (_, body) = page(&http, &format!("{base}/admin/classes/{class_id}")).await;
    let message = flash_of(&body).unwrap();
    assert!(message.contains("joined Grade 6 · Period 5"), "{message}");
    assert_plain(&message);
    assert!(
        body.contains(&format!("/admin/users/{ana_id}")),
        "the roster links to the account"
    );
    post(
        &http,
        &members,
        &[("_csrf", &csrf), ("username", "nobody-here")],
    )
    .await;
    let (_, body) = page(&http, &format!("{base}/admin/classes/{class_id}")).await;
    let message = flash_of(&body).unwrap();
    assert!(
        message.contains("notice error") && message.contains("nobody-here"),
        "{message}"
    );
    assert_plain(&message);
    assert!(body.contains(r#"value="nobody-here""#), "the input is kept");
    assert!(
        body.contains(r#"aria-invalid="true""#),
        "the field is marked"
    );

    // Removing closes the enrolment with a date; the student is listed as former.
    let (status, _) = post(
        &http,
        &format!("{base}/admin/classes/{class_id}/remove"),
        &[("_csrf", &csrf), ("user", ana_id.as_str())],
    )
    .await;
    assert_eq!(status, 303);
    let enrolments = app.store.class_enrolments(&class_id).await.unwrap();
    assert_eq!(enrolments.len(), 1);
    assert!(enrolments[0].left_at.is_some());
    assert!(
        app.store
            .class_students(&class_id)
            .await
            .unwrap()
            .is_empty()
    );
    let (_, body) = page(&http, &format!("{base}/admin/classes/{class_id}")).await;
    assert!(
        body.contains("past-roster")
            && flash_of(&body).unwrap().contains("left Grade 6 · Period 5")
    );

    // Moving a student of the demo class to the new one.
    let bo = user_id(&app, &app.school.students[1]).await;
    let (status, _) = post(
        &http,
        &format!("{base}/admin/classes/{}/move", app.school.class_id),
        &[
            ("_csrf", &csrf),
            ("user", bo.as_str()),
            ("to", class_id.as_str()),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert!(app.store.is_enrolled(&bo, &class_id).await.unwrap());
    assert!(
        !app.store
            .is_enrolled(&bo, &app.school.class_id)
            .await
            .unwrap()
    );
    // The demo teacher no longer sees the moved student's record.
    let teacher = client();
    login_page(&app, &teacher, "teacher").await;
    let (status, _) = page(&teacher, &format!("{base}/students/{bo}")).await;
    assert_eq!(status, 404);
    // A form's URL opened as a page (a reload after a post, a bookmark) is never a 405.
    for path in ["/admin", &format!("/admin/classes/{class_id}")] {
        assert_eq!(page(&http, &format!("{base}{path}")).await.0, 200);
    }
}

/// The set-up code shown on a page.
fn code_in(body: &str) -> String {
    let start = body
        .find(r#"<td class="code">"#)
        .expect("a set-up code on the page")
        + 17;
    body[start..].split('<').next().unwrap().to_string()
}

async fn api_login(app: &TestApp, username: &str, password: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{}/api/v1/login", app.base))
        .json(&serde_json::json!({ "username": username, "password": password }))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Uses a set-up code on the public page, signed out; returns the status of the POST.
async fn use_code(app: &TestApp, code: &str, password: &str) -> u16 {
    let anonymous = client();
    let (status, form) = page(&anonymous, &format!("{}/setup?code={code}", app.base)).await;
    assert_eq!(status, 200);
    assert!(
        form.contains(&format!(r#"value="{code}""#)),
        "the link fills in the code"
    );
    let token = csrf_in(&form).unwrap();
    post(
        &anonymous,
        &format!("{}/setup", app.base),
        &[
            ("_csrf", &token),
            ("code", code),
            ("password", password),
            ("repeat", password),
        ],
    )
    .await
    .0
}

async fn accounts_get_setup_codes_resets_disable_and_unlink(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    let (http, csrf) = admin(&app).await;
    let base = &app.base;
    let (status, location) = post(
        &http,
        &format!("{base}/admin/users"),
        &[
            ("_csrf", &csrf),
            ("username", "lucia.r"),
            ("display_name", "Lucía R."),
            ("role", "student"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, body) = page(&http, &format!("{base}{location}")).await;
    let message = flash_of(&body).unwrap();
    assert_plain(&message);
    let code = code_in(&body);
    assert!(body.contains("/setup?code="), "a link to hand out");
    let (_, again) = page(&http, &format!("{base}{location}")).await;
    assert!(!again.contains(&code), "a code is shown once");
    // No password works until the person sets one with the code.
    assert_eq!(api_login(&app, "lucia.r", "").await, 401);
    assert_eq!(use_code(&app, &code.to_lowercase(), "short").await, 422);
    assert_eq!(
        use_code(&app, &code.to_lowercase(), "a good password").await,
        303
    );
    assert_eq!(api_login(&app, "lucia.r", "a good password").await, 200);
    assert_eq!(
        use_code(&app, &code, "another password").await,
        422,
        "a code works once"
    );

    // A reset ends the password; the new code sets another.
    let account = location.split('#').next().unwrap().to_string();
    let (status, _) = post(
        &http,
        &format!("{base}{account}/setup-code"),
        &[("_csrf", &csrf)],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(api_login(&app, "lucia.r", "a good password").await, 401);
    let (_, body) = page(&http, &format!("{base}{account}")).await;
    assert_eq!(use_code(&app, &code_in(&body), "the second one").await, 303);
    assert_eq!(api_login(&app, "lucia.r", "the second one").await, 200);

    // Disabled accounts cannot sign in; enabled again, they can.
    post(
        &http,
        &format!("{base}{account}/access"),
        &[("_csrf", &csrf), ("action", "disable")],
    )
    .await;
    assert_eq!(api_login(&app, "lucia.r", "the second one").await, 401);
    let (_, body) = page(&http, &format!("{base}{account}")).await;
    assert!(flash_of(&body).unwrap().contains("is disabled"));
    post(
        &http,
        &format!("{base}{account}/access"),
        &[("_csrf", &csrf), ("action", "enable")],
    )
    .await;
    assert_eq!(api_login(&app, "lucia.r", "the second one").await, 200);
    // An admin cannot disable themself.
    let me = user_id(&app, "admin").await;
    post(
        &http,
        &format!("{base}/admin/users/{me}/access"),
        &[("_csrf", &csrf), ("action", "disable")],
    )
    .await;
    assert!(!app.store.user(&me).await.unwrap().unwrap().disabled);

    // Unlinking a guardian: they no longer see the child.
    let ana = user_id(&app, &app.school.students[0]).await;
    let guardian = client();
    login_page(&app, &guardian, "guardian").await;
    assert_eq!(
        page(&guardian, &format!("{base}/family/{ana}")).await.0,
        200
    );
    let gid = user_id(&app, "guardian").await;
    let (_, body) = page(&http, &format!("{base}/admin/users/{ana}")).await;
    assert!(
        body.contains("Sam Okafor"),
        "the student's page lists the guardian"
    );
    post(
        &http,
        &format!("{base}/admin/users/{ana}/unlink"),
        &[("_csrf", &csrf), ("other", gid.as_str())],
    )
    .await;
    assert_eq!(
        page(&guardian, &format!("{base}/family/{ana}")).await.0,
        404
    );
    // And linking back, from the guardian's page, by username.
    post(
        &http,
        &format!("{base}/admin/users/{gid}/guardians"),
        &[("_csrf", &csrf), ("username", &app.school.students[0])],
    )
    .await;
    assert_eq!(
        page(&guardian, &format!("{base}/family/{ana}")).await.0,
        200
    );
}

async fn upload(
    http: &reqwest::Client,
    app: &TestApp,
    csrf: &str,
    users: &str,
    enrollments: &str,
) -> (u16, String) {
    let form = reqwest::multipart::Form::new()
        .text("_csrf", csrf.to_string())
        .part(
            "users",
            reqwest::multipart::Part::bytes(users.as_bytes().to_vec()).file_name("users.csv"),
        )
        .part(
            "enrollments",
            reqwest::multipart::Part::bytes(enrollments.as_bytes().to_vec())
                .file_name("enrollments.csv"),
        );
    let response = http
        .post(format!("{}/admin/import", app.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let location = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or("")
        .to_string();
    (response.status().as_u16(), location)
}

async fn a_csv_roster_is_previewed_refused_per_line_and_applied_once(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    let (http, csrf) = admin(&app).await;
    let base = &app.base;
    let class = &app.school.class_id;
    let users_before = app.store.users(None).await.unwrap().len();
    // A semicolon export with a byte-order mark, a repeated row, and one bad line.
    let users = "\u{feff}sourcedId;status;dateLastModified;enabledUser;orgSourcedIds;role;username;givenName;familyName;password\n\
        s-1;active;2026-08-01;true;sch;student;lucia.romero;Lucía;Romero;\n\
        s-2;active;2026-08-01;true;sch;student;li.wei;Li;Wei;secret\n\
        s-1;active;2026-08-01;true;sch;student;lucia.romero;Lucía;Romero;\n";
    let enrollments = format!(
        "sourcedId;classSourcedId;schoolSourcedId;userSourcedId;role\ne-1;{class};sch;s-1;student\ne-2;{class};sch;s-2;student\n"
    );
    let (status, location) = upload(&http, &app, &csrf, users, &enrollments).await;
    assert_eq!((status, location.as_str()), (303, "/admin/import"));
    let (_, body) = page(&http, &format!("{base}/admin/import")).await;
    let message = flash_of(&body).unwrap();
    assert!(
        message.contains("notice error") && message.contains("Nothing was stored"),
        "{message}"
    );
    assert!(message.contains("users.csv line 3: password"), "{message}");
    assert_plain(&message);
    assert_eq!(
        app.store.users(None).await.unwrap().len(),
        users_before,
        "nothing stored"
    );

    // Corrected: a preview, then one confirmation.
    let users = users.replace(";secret\n", ";\n");
    let (status, location) = upload(&http, &app, &csrf, &users, &enrollments).await;
    assert_eq!(status, 303);
    assert!(location.starts_with("/admin/import/"), "{location}");
    let (_, preview) = page(&http, &format!("{base}{location}")).await;
    assert!(
        preview.contains("lucia.romero") && preview.contains("Li Wei"),
        "the preview lists them"
    );
    assert!(
        preview.contains("repeats line 2"),
        "the repeated row is read once"
    );
    assert_eq!(
        app.store.users(None).await.unwrap().len(),
        users_before,
        "not before confirming"
    );
    let (status, done) = post(&http, &format!("{base}{location}"), &[("_csrf", &csrf)]).await;
    assert_eq!((status, done.as_str()), (303, "/admin/handout"));
    let (_, handout) = page(&http, &format!("{base}/admin/handout")).await;
    let message = flash_of(&handout).unwrap();
    assert!(
        message.contains("Added 2 accounts and 2 enrolments in"),
        "{message}"
    );
    assert_plain(&message);
    assert_eq!(handout.matches(r#"<td class="code">"#).count(), 2);
    let lucia = app
        .store
        .user_by_username("lucia.romero")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(lucia.display_name, "Lucía Romero");
    assert!(app.store.is_enrolled(&lucia.id, class).await.unwrap());
    // The enrolment is on Lucía's access log, like one made on the class page.
    let log = app.store.audit_entries_for(&lucia.id, 10).await.unwrap();
    assert!(
        log.iter()
            .any(|e| e.action == "enrolled" && e.detail == "from a roster file"),
        "{log:?}"
    );
    assert_eq!(
        use_code(&app, &code_in(&handout), "lucia's password").await,
        303
    );
    // The confirmation sent again stores nothing more.
    let (status, again) = post(&http, &format!("{base}{location}"), &[("_csrf", &csrf)]).await;
    assert_eq!((status, again.as_str()), (303, "/admin/import"));
    assert_eq!(app.store.users(None).await.unwrap().len(), users_before + 2);
    // The same files again: both people exist already; nothing new is made.
    let (status, location) = upload(&http, &app, &csrf, &users, &enrollments).await;
    assert_eq!(status, 303);
    let (_, preview) = page(&http, &format!("{base}{location}")).await;
    assert!(preview.contains("New accounts (0)"), "{preview}");
}
