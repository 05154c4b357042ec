//! Consent, the complete access log and the staff audit trail (issue 11, points 5 and 6)
//! against the real server, on both engines.

use crate::support::{client, login_api, login_page, spawn_app_with, user_id};
use crate::support::{get_page as get, post_form as post};
use ownpace_core::consent::{Policy, WhenAgeUnknown};
use ownpace_storage::{AuditAction, Backend, StaffAction};
use std::collections::HashSet;

on_both_engines!(
    a_student_waits_for_consent_until_a_guardian_gives_it,
    outside_features_wait_for_their_own_consent,
    the_birth_year_and_the_school_default_decide_who_waits,
    every_read_and_change_of_a_record_is_in_the_access_log,
    the_staff_trail_records_sign_ins_failures_and_refusals_within_bounds,
);

fn consent_at(age: u32, when_unknown: WhenAgeUnknown) -> ownpace_web::Config {
    ownpace_web::Config {
        consent: Policy { age, when_unknown },
        ..ownpace_web::Config::default()
    }
}

/// The notice version the family page offers for a child.
fn offered_version(family_page: &str) -> String {
    let at = family_page
        .find(r#"name="notice_version" value=""#)
        .expect("the family page offers the consent form")
        + r#"name="notice_version" value=""#.len();
    family_page[at..].split('"').next().unwrap().to_string()
}

async fn a_student_waits_for_consent_until_a_guardian_gives_it(backend: Backend) {
    let app = spawn_app_with(backend, 3, consent_at(13, WhenAgeUnknown::Required)).await;
    let base = &app.base;
    let ana = user_id(&app, &app.school.students[0]).await;
    let course = &app.school.course_id;

    // The demo recorded consent: ana practises.
    let student = client();
    login_page(&app, &student, &app.school.students[0]).await;
    assert_eq!(
        get(&student, &format!("{base}/learn/{course}")).await.0,
        200
    );

    // Her guardian withdraws it.
    let guardian = client();
    let gcsrf = login_page(&app, &guardian, &app.school.guardian).await;
    let (_, family) = get(&guardian, &format!("{base}/family")).await;
    assert!(
        family.contains(&format!(r#"id="consent-{ana}""#)),
        "{family}"
    );
    assert!(family.contains("can use Ownpace"));
    let (status, location) = post(
        &guardian,
        &format!("{base}/family/{ana}/consent/withdraw"),
        &[("_csrf", &gcsrf), ("scope", "use")],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, &*format!("/family#consent-{ana}"))
    );

    // Practice, lessons and the API are closed, calmly; her access log is not.
    let (status, page) = get(&student, &format!("{base}/learn/{course}")).await;
    assert_eq!(status, 403);
    assert!(page.contains("Waiting for your family") && page.contains("Record my consent"));
    assert_eq!(get(&student, &format!("{base}/learn")).await.0, 403);
    assert_eq!(get(&student, &format!("{base}/me/access-log")).await.0, 200);
    let token = login_api(&app, &app.school.students[0]).await;
    let skill = app
        .store
        .current_course(course)
        .await
        .unwrap()
        .unwrap()
        .course
        .skills[0]
        .id
        .clone();
    let api = reqwest::Client::new()
        .get(format!(
            "{base}/api/v1/courses/{course}/skills/{skill}/next-item"
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 403);
    let body: serde_json::Value = api.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("consent"),
        "{body}"
    );

    // The teacher sees who is waiting.
    let teacher = client();
    login_page(&app, &teacher, "teacher").await;
    let (_, dashboard) = get(&teacher, &format!("{base}/classes/{}", app.school.class_id)).await;
    let waiting = &dashboard[dashboard
        .find(r#"id="consent-waiting-list""#)
        .expect("the dashboard lists who is waiting")..];
    let waiting = &waiting[..waiting.find("</section>").unwrap()];
    assert!(waiting.contains(&format!("/students/{ana}")), "{waiting}");
    let ben = user_id(&app, &app.school.students[1]).await;
    assert!(
        !waiting.contains(&format!("/students/{ben}")),
        "ben has consent"
    );

    // A consent for a notice the guardian was not shown is refused; so is an empty one.
    let (_, family) = get(&guardian, &format!("{base}/family")).await;
    assert!(family.contains("Waiting for your consent"));
    let version = offered_version(&family);
    post(
        &guardian,
        &format!("{base}/family/{ana}/consent"),
        &[
            ("_csrf", &gcsrf),
            ("notice_version", "0123456789ab"),
            ("use", "1"),
        ],
    )
    .await;
    let (_, family) = get(&guardian, &format!("{base}/family")).await;
    assert!(family.contains("the privacy notice changed"), "{family}");
    post(
        &guardian,
        &format!("{base}/family/{ana}/consent"),
        &[("_csrf", &gcsrf), ("notice_version", &version)],
    )
    .await;
    assert_eq!(
        get(&student, &format!("{base}/learn/{course}")).await.0,
        403
    );

    // The version offered is the one /privacy shows; with it, ana practises again.
    let (_, notice) = get(&client(), &format!("{base}/privacy")).await;
    assert!(notice.contains(&format!("Version of this notice: {version}")));
    post(
        &guardian,
        &format!("{base}/family/{ana}/consent"),
        &[
            ("_csrf", &gcsrf),
            ("notice_version", &version),
            ("use", "1"),
        ],
    )
    .await;
    assert_eq!(
        get(&student, &format!("{base}/learn/{course}")).await.0,
        200
    );
    let consents = app.store.consents(&ana).await.unwrap();
    assert_eq!(consents.len(), 1);
    assert_eq!(consents[0].notice_version, version);
    assert_eq!(consents[0].guardian_name, "Sam Okafor");

    // Both steps are in her access log, in words.
    let (_, log) = get(&student, &format!("{base}/me/access-log")).await;
    assert!(
        log.contains("Sam Okafor gave consent to using Ownpace on "),
        "{log}"
    );
    assert!(
        log.contains("Sam Okafor withdrew the consent to using Ownpace and sending data outside"),
        "{log}"
    );
}

async fn outside_features_wait_for_their_own_consent(backend: Backend) {
    let config = consent_at(13, WhenAgeUnknown::Required);
    let app = spawn_app_with(backend, 3, config.clone()).await;
    let state = app.state(config);
    let ana = user_id(&app, &app.school.students[0]).await;
    // The demo's consent covers using Ownpace only.
    assert!(ownpace_web::consent::may_use(&state, &ana).await.unwrap());
    assert!(
        !ownpace_web::consent::may_send_outside(&state, &ana)
            .await
            .unwrap()
    );
    let guardian = client();
    let csrf = login_page(&app, &guardian, &app.school.guardian).await;
    let (_, family) = get(&guardian, &format!("{}/family", app.base)).await;
    let version = offered_version(&family);
    post(
        &guardian,
        &format!("{}/family/{ana}/consent", app.base),
        &[
            ("_csrf", &csrf),
            ("notice_version", &version),
            ("outside", "1"),
        ],
    )
    .await;
    assert!(
        ownpace_web::consent::may_send_outside(&state, &ana)
            .await
            .unwrap()
    );
    // Withdrawing the consent to use Ownpace stops outside features too.
    post(
        &guardian,
        &format!("{}/family/{ana}/consent/withdraw", app.base),
        &[("_csrf", &csrf), ("scope", "use")],
    )
    .await;
    assert!(!ownpace_web::consent::may_use(&state, &ana).await.unwrap());
    assert!(
        !ownpace_web::consent::may_send_outside(&state, &ana)
            .await
            .unwrap()
    );
    // With consent off, nothing waits.
    let off = app.state(ownpace_web::Config::default());
    assert!(
        ownpace_web::consent::may_send_outside(&off, &ana)
            .await
            .unwrap()
    );
}

async fn the_birth_year_and_the_school_default_decide_who_waits(backend: Backend) {
    let app = spawn_app_with(backend, 3, consent_at(13, WhenAgeUnknown::NotRequired)).await;
    let base = &app.base;
    let ana = user_id(&app, &app.school.students[0]).await;
    let course = &app.school.course_id;
    let admin = client();
    let csrf = login_page(&app, &admin, "admin").await;
    let guardian = client();
    let gcsrf = login_page(&app, &guardian, &app.school.guardian).await;
    post(
        &guardian,
        &format!("{base}/family/{ana}/consent/withdraw"),
        &[("_csrf", &gcsrf), ("scope", "use")],
    )
    .await;
    let student = client();
    login_page(&app, &student, &app.school.students[0]).await;
    // The demo made her 11 or 12: she waits.
    assert_eq!(
        get(&student, &format!("{base}/learn/{course}")).await.0,
        403
    );

    // A wrong year is refused with the field named, and changes nothing.
    for wrong in ["20x4", "1850", "3000", "201444"] {
        post(
            &admin,
            &format!("{base}/admin/users/{ana}/birth-year"),
            &[("_csrf", &csrf), ("birth_year", wrong)],
        )
        .await;
        let (_, account) = get(&admin, &format!("{base}/admin/users/{ana}")).await;
        assert!(account.contains(r#"id="birth-year-error""#), "{wrong}");
    }
    assert!(app.store.birth_year(&ana).await.unwrap().is_some());

    // Old enough: no consent needed.
    post(
        &admin,
        &format!("{base}/admin/users/{ana}/birth-year"),
        &[("_csrf", &csrf), ("birth_year", "2000")],
    )
    .await;
    assert_eq!(app.store.birth_year(&ana).await.unwrap(), Some(2000));
    assert_eq!(
        get(&student, &format!("{base}/learn/{course}")).await.0,
        200
    );
    let (_, account) = get(&admin, &format!("{base}/admin/users/{ana}")).await;
    assert!(account.contains("Old enough"), "{account}");

    // Unknown age: this school does not ask (not_required).
    post(
        &admin,
        &format!("{base}/admin/users/{ana}/birth-year"),
        &[("_csrf", &csrf), ("birth_year", "")],
    )
    .await;
    assert_eq!(app.store.birth_year(&ana).await.unwrap(), None);
    assert_eq!(
        get(&student, &format!("{base}/learn/{course}")).await.0,
        200
    );

    // Both changes are in her access log.
    let (_, log) = get(&student, &format!("{base}/me/access-log")).await;
    assert!(
        log.contains("Alex Admin set the birth year to 2000 on "),
        "{log}"
    );
    assert!(
        log.contains("Alex Admin removed the birth year on "),
        "{log}"
    );
}

/// Every kind of read and change of a student's record by someone else shows up in the
/// student's access log: the test makes each happen through the pages and the API and
/// checks the log holds every kind (exports are written by the export work).
async fn every_read_and_change_of_a_record_is_in_the_access_log(backend: Backend) {
    let app = spawn_app_with(backend, 3, consent_at(13, WhenAgeUnknown::Required)).await;
    let base = &app.base;
    let ana = user_id(&app, &app.school.students[0]).await;
    let class = &app.school.class_id;
    let other_class = &app.school.other_class_id;
    let course = app
        .store
        .current_course(&app.school.course_id)
        .await
        .unwrap()
        .unwrap();
    let skill = &course.course.skills[0];
    let activity = format!("skill:{}", skill.id);
    let course_id = app.school.course_id.to_string();

    let teacher = client();
    let tcsrf = login_page(&app, &teacher, "teacher").await;
    get(&teacher, &format!("{base}/students/{ana}")).await;
    get(&teacher, &format!("{base}/classes/{class}")).await;
    let token = login_api(&app, "teacher").await;
    reqwest::Client::new()
        .get(format!("{base}/api/v1/classes/{class}/mastery"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    for action in ["pin", "hide"] {
        post(
            &teacher,
            &format!("{base}/students/{ana}/overrides"),
            &[
                ("_csrf", &tcsrf),
                ("course_id", &course_id),
                ("activity", &activity),
                ("action", action),
            ],
        )
        .await;
    }
    let mine = app
        .store
        .overrides_for_student(&ana, &app.school.course_id)
        .await
        .unwrap();
    let own = mine
        .iter()
        .find(|o| o.student_id.is_some())
        .expect("an override for ana");
    post(
        &teacher,
        &format!("{base}/students/{ana}/overrides/{}/delete", own.id),
        &[("_csrf", &tcsrf)],
    )
    .await;
    post(
        &teacher,
        &format!("{base}/students/{ana}/goals"),
        &[
            ("_csrf", &tcsrf),
            ("course_id", &course_id),
            ("title", "Fractions by Friday"),
            ("target", &activity),
            ("due", "2099-01-01"),
        ],
    )
    .await;
    post(
        &teacher,
        &format!("{base}/classes/{class}/placement"),
        &[("_csrf", &tcsrf), ("questions", "6")],
    )
    .await;
    let (status, _) = post(
        &teacher,
        &format!("{base}/students/{ana}/grades/override"),
        &[
            ("_csrf", &tcsrf),
            ("course", &course_id),
            ("skill", &skill.id),
            ("level", "3"),
            ("note", "Seen in class"),
        ],
    )
    .await;
    assert_eq!(status, 303);

    let admin = client();
    let acsrf = login_page(&app, &admin, "admin").await;
    get(&admin, &format!("{base}/admin/users/{ana}")).await;
    let gid = user_id(&app, "guardian").await;
    let steps: Vec<(String, Vec<(&str, String)>)> = vec![
        (
            format!("/admin/classes/{class}/move"),
            vec![("user", ana.to_string()), ("to", other_class.to_string())],
        ),
        (
            format!("/admin/classes/{other_class}/remove"),
            vec![("user", ana.to_string())],
        ),
        (
            format!("/admin/classes/{class}/members"),
            vec![("username", app.school.students[0].clone())],
        ),
        (format!("/admin/users/{ana}/setup-code"), vec![]),
        (
            format!("/admin/users/{ana}/unlink"),
            vec![("other", gid.to_string())],
        ),
        (
            format!("/admin/users/{ana}/guardians"),
            vec![("username", "guardian".into())],
        ),
        (
            format!("/admin/users/{ana}/access"),
            vec![("action", "disable".into())],
        ),
        (
            format!("/admin/users/{ana}/access"),
            vec![("action", "enable".into())],
        ),
        (
            format!("/admin/users/{ana}/birth-year"),
            vec![("birth_year", "2015".into())],
        ),
    ];
    for (path, fields) in &steps {
        let mut form: Vec<(&str, &str)> = vec![("_csrf", &acsrf)];
        form.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
        let (status, _) = post(&admin, &format!("{base}{path}"), &form).await;
        assert_eq!(status, 303, "{path}");
    }

    let guardian = client();
    let gcsrf = login_page(&app, &guardian, "guardian").await;
    get(&guardian, &format!("{base}/family")).await;
    get(&guardian, &format!("{base}/family/{ana}")).await;
    post(
        &guardian,
        &format!("{base}/family/{ana}/consent/withdraw"),
        &[("_csrf", &gcsrf), ("scope", "use")],
    )
    .await;
    let (_, family) = get(&guardian, &format!("{base}/family")).await;
    post(
        &guardian,
        &format!("{base}/family/{ana}/consent"),
        &[
            ("_csrf", &gcsrf),
            ("notice_version", &offered_version(&family)),
            ("use", "1"),
        ],
    )
    .await;

    // A pilot that includes her (issue 12): the start and a guardian's opt-out.
    let (status, location) = post(
        &teacher,
        &format!("{base}/classes/{class}/pilots"),
        &[
            ("_csrf", &tcsrf),
            ("question", "Does review help?"),
            ("cond1_name", "On"),
            ("cond2_name", "Off"),
            ("cond2_review", "off"),
            ("unit", "student"),
            ("outcome", "post_test"),
            ("duration_days", "14"),
            ("min_effect", "0.3"),
            ("pre_test_r2", "0.5"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let pilot = location.rsplit('/').next().unwrap().to_string();
    post(
        &teacher,
        &format!("{base}{location}/start"),
        &[("_csrf", &tcsrf)],
    )
    .await;
    post(
        &guardian,
        &format!("{base}/family/{ana}/pilots/{pilot}/opt-out"),
        &[("_csrf", &gcsrf)],
    )
    .await;

    // A project round with her in a published group (issue 10): the teacher reads the
    // round's page, then takes her out of the group.
    let (round, _) =
        crate::projects::published_round(&app, &app.school.class_id, &app.school.students[..1])
            .await;
    get(&teacher, &format!("{base}/rounds/{round}")).await;
    post(
        &teacher,
        &format!("{base}/rounds/{round}/move"),
        &[
            ("_csrf", &tcsrf),
            ("student", ana.as_str()),
            ("to", "remove"),
        ],
    )
    .await;

    // Working together (issue 10): the teacher records time ana spent with others, and
    // pairs her, who mastered a skill and offered help on it, with a stuck classmate.
    post(
        &teacher,
        &format!("{base}/classes/{class}/together"),
        &[
            ("_csrf", &tcsrf),
            ("student", ana.as_str()),
            ("minutes", "30"),
            ("what", "Workshop"),
        ],
    )
    .await;
    let ben = user_id(&app, &app.school.students[1]).await;
    let item = course.course.items[0].clone();
    let help_skill = item.skills[0].clone();
    let start = ownpace_web::now_ms() + app.clock_offset.load(std::sync::atomic::Ordering::SeqCst)
        - 3_600_000;
    for (who, correct, count) in [(&ana, true, 20), (&ben, false, 4)] {
        for n in 0..count {
            app.store
                .record_answer(
                    &ownpace_storage::AnswerRecord {
                        student_id: who,
                        course_id: &app.school.course_id,
                        course_version: course.version,
                        item_id: &item.id,
                        skills: &item.skills,
                        response: "null",
                        correct,
                        occurred_at: start + n * 60_000,
                        duration_ms: None,
                        idempotency_key: &format!("help-{correct}-{n}"),
                    },
                    |_| Default::default(),
                )
                .await
                .unwrap();
        }
    }
    // Ana's own offer (the page's form is tested in `balance_help`; she is signed out by
    // now).
    app.store
        .set_helper_offer(&ana, class, &help_skill, true, start)
        .await
        .unwrap();
    let (status, _) = post(
        &teacher,
        &format!("{base}/classes/{class}/help-pairs"),
        &[
            ("_csrf", &tcsrf),
            ("student", ben.as_str()),
            ("helper", ana.as_str()),
            ("skill", &help_skill),
        ],
    )
    .await;
    assert_eq!(status, 303);

    let logged: HashSet<AuditAction> = app
        .store
        .audit_entries_for(&ana, 1_000)
        .await
        .unwrap()
        .iter()
        .filter_map(|e| AuditAction::parse(&e.action))
        .collect();
    let missing: Vec<&AuditAction> = AuditAction::ALL
        .iter()
        .filter(|a| **a != AuditAction::Exported && !logged.contains(a))
        .collect();
    assert!(missing.is_empty(), "not in ana's access log: {missing:?}");

    // In plain words for her and her guardian.
    let (_, log) = get(&guardian, &format!("{base}/family/{ana}/access-log")).await;
    let title = format!("Practice: {}", skill.name).replace('\'', "&#39;");
    for words in [
        format!("Ms. Rivera pinned &#39;{title}&#39; on "),
        format!("Ms. Rivera hid &#39;{title}&#39; on "),
        "Ms. Rivera set the goal &#39;Fractions by Friday&#39; on ".to_string(),
        "Ms. Rivera set the placement check of the class to 6 questions".to_string(),
        "Alex Admin moved the student from the class".to_string(),
        "Alex Admin reset the password".to_string(),
        "Alex Admin unlinked Sam Okafor as a guardian".to_string(),
        "Alex Admin disabled the account".to_string(),
        "Ms. Rivera looked at the learning record".to_string(),
    ] {
        assert!(log.contains(&words), "{words} in {log}");
    }
    assert!(log.contains(r#"class="change""#));
}

async fn the_staff_trail_records_sign_ins_failures_and_refusals_within_bounds(backend: Backend) {
    let app = spawn_app_with(backend, 3, ownpace_web::Config::default()).await;
    let base = &app.base;
    let ana = user_id(&app, &app.school.students[0]).await;

    // A signed-in student refused by the guard.
    let student = client();
    login_page(&app, &student, &app.school.students[0]).await;
    assert_eq!(get(&student, &format!("{base}/admin")).await.0, 403);

    // Failed sign-ins, including a 200 KB username: counted, never stored as typed.
    let huge = "u".repeat(200_000);
    for (username, password) in [
        (app.school.students[0].as_str(), "wrong password here"),
        (app.school.students[0].as_str(), "wrong password again"),
        ("nobody-at-all", "whatever it is"),
        (huge.as_str(), "x"),
    ] {
        let response = reqwest::Client::new()
            .post(format!("{base}/api/v1/login"))
            .json(&serde_json::json!({ "username": username, "password": password }))
            .send()
            .await
            .unwrap();
        assert_ne!(response.status(), 200);
    }
    let failed = app
        .store
        .staff_audit_page(Some(StaffAction::SignInFailed), None, 100)
        .await
        .unwrap();
    let for_ana = failed
        .iter()
        .find(|e| e.subject.as_deref() == Some("Ana A."))
        .unwrap_or_else(|| panic!("ana's failures: {failed:?}"));
    assert_eq!(for_ana.count, 2, "two failures, one row");
    assert!(failed.iter().all(|e| {
        !e.detail.contains("nobody-at-all")
            && !e.detail.contains("uuu")
            && !e.detail.contains("wrong password here")
    }));
    assert_eq!(failed.len(), 3, "{failed:?}");
    let _ = ana;

    // The admin's page: every kind, filtered, newest first.
    let admin = client();
    login_page(&app, &admin, "admin").await;
    let (status, page) = get(&admin, &format!("{base}/admin/audit")).await;
    assert_eq!(status, 200);
    for words in [
        "<td>signed in</td>",
        "<td>failed sign-in</td>",
        "<td>refused request</td>",
        "GET /admin answered 403",
        "2 times, the last",
    ] {
        assert!(page.contains(words), "{words} in the trail");
    }
    let (_, only) = get(&admin, &format!("{base}/admin/audit?kind=denied")).await;
    assert!(only.contains("GET /admin answered 403") && !only.contains("<td>failed sign-in</td>"));
    assert_eq!(
        get(&admin, &format!("{base}/admin/audit?kind=nonsense"))
            .await
            .0,
        422
    );
    assert_eq!(
        get(&admin, &format!("{base}/admin/audit?before=x")).await.0,
        422
    );
    // Only admins read it.
    assert_eq!(get(&student, &format!("{base}/admin/audit")).await.0, 403);
}
