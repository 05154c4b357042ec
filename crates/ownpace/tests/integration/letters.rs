//! The weekly letter to guardians (issue 9, point 7), on both engines, received by a real
//! SMTP server (Debian's `python3-aiosmtpd`, `tests/fixtures/smtp_sink.py`) that writes
//! each message it gets, parsed, to a folder. The test fails when that server cannot
//! start (`.ci/run` installs it).
//!
//! What is proved: one letter per guardian, child and week even when the job runs twice,
//! from two `AppState`s at once on the same database; plain and HTML parts hold the
//! week's facts (a shared note, not a private one); the RFC 8058 headers; the unsubscribe
//! link (GET writes nothing, a made-up secret is a 404 that writes nothing, POST stops the
//! next letter, the guardian re-subscribes from the page); no letter without consent to
//! send outside, for a student who left every class or was erased; no SMTP → nothing is
//! sent and the child's page shows the digest.

use crate::support::{TestApp, client, get_page, post_form, signed_in, spawn_app, user_id};
use ownpace_core::consent::{Policy, Scope, WhenAgeUnknown};
use ownpace_core::letters::LetterWeek;
use ownpace_storage::{Backend, ErasedVia, NewCheckin, StaffAction};
use ownpace_web::letters::{LetterSettings, SmtpUrl};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

on_both_engines!(
    one_letter_per_week_with_both_parts_and_a_working_unsubscribe,
    no_letter_without_consent_after_leaving_or_erasure_or_without_smtp,
);

const DAY: i64 = 86_400_000;

/// The SMTP server of one test: killed when dropped.
struct SmtpSink {
    child: Child,
    port: u16,
    folder: tempfile::TempDir,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SmtpSink {
    /// Starts the sink; panics (the test fails) when it cannot.
    fn start() -> SmtpSink {
        let script =
            crate::support::workspace_root().join("crates/ownpace/tests/fixtures/smtp_sink.py");
        let folder = tempfile::tempdir().expect("a folder for received mail");
        // Debian's interpreter, where apt installs python3-aiosmtpd.
        let python = if Path::new("/usr/bin/python3").exists() {
            PathBuf::from("/usr/bin/python3")
        } else {
            PathBuf::from("python3")
        };
        let mut child = Command::new(&python)
            .arg(&script)
            .arg(folder.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the test SMTP server ({python:?}): {e}"));
        let stdout = child.stdout.take().expect("the sink's stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the sink says where it listens");
        let port = line
            .trim()
            .strip_prefix("listening ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| {
                panic!(
                    "the test SMTP server did not start (is python3-aiosmtpd installed? .ci/run installs it): {line:?}"
                )
            });
        SmtpSink {
            child,
            port,
            folder,
        }
    }

    fn settings(&self, public_url: &str) -> LetterSettings {
        LetterSettings {
            smtp: Some(SmtpUrl::parse(&format!("smtp://127.0.0.1:{}", self.port)).expect("url")),
            from: Some("Ownpace <ownpace@school.example>".into()),
            public_url: Some(public_url.into()),
            schedule: Default::default(),
        }
    }

    /// Every message received so far, in order.
    fn received(&self) -> Vec<Value> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.folder.path())
            .expect("the mail folder")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| {
                serde_json::from_str(&std::fs::read_to_string(p).expect("a message")).expect("JSON")
            })
            .collect()
    }
}

fn config(sink: Option<&SmtpSink>, app: &TestApp, consent_age: u32) -> ownpace_web::Config {
    ownpace_web::Config {
        letters: sink.map(|s| s.settings(&app.base)).unwrap_or_default(),
        consent: Policy {
            age: consent_age,
            when_unknown: WhenAgeUnknown::Required,
        },
        ..ownpace_web::Config::default()
    }
}

fn text(mail: &Value, part: &str) -> String {
    mail[part].as_str().unwrap_or("").replace("\r\n", "\n")
}

async fn one_letter_per_week_with_both_parts_and_a_working_unsubscribe(backend: Backend) {
    let app = spawn_app(backend, 3).await;
    let sink = SmtpSink::start();
    let school = &app.school;
    let ana = user_id(&app, &school.students[0]).await;
    let teacher = user_id(&app, &school.teacher).await;
    let guardian = user_id(&app, &school.guardian).await;
    let state = app.state(config(Some(&sink), &app, 0));
    let other_server = app.state(config(Some(&sink), &app, 0));
    let now = state.now();
    let week = LetterWeek::at(&state.config.timezone, now);

    // This week the teacher held a check-in with a shared note and a private one.
    app.store
        .hold_checkin(NewCheckin {
            student_id: &ana,
            class_id: &school.class_id,
            teacher_id: &teacher,
            at: now,
            notes: &[
                ("Shared <note>: Ana explains her steps".into(), true),
                ("Private: talk to the counsellor".into(), false),
            ],
            actions: &[],
        })
        .await
        .expect("a check-in");

    // The demo's guardian has an address; the job runs twice on one server and once on
    // another: one letter.
    assert_eq!(
        app.store
            .letter_address(&guardian)
            .await
            .unwrap()
            .as_deref(),
        Some("sam.okafor@family.example")
    );
    let first = ownpace_web::letters::run(&state, Some(week), "server-a")
        .await
        .expect("run");
    assert_eq!((first.sent, first.failed), (1, 0), "{first:?}");
    let again = ownpace_web::letters::run(&state, Some(week), "server-a")
        .await
        .expect("run");
    let other = ownpace_web::letters::run(&other_server, Some(week), "server-b")
        .await
        .expect("run");
    assert_eq!((again.sent, other.sent), (0, 0));
    assert_eq!((again.already_claimed, other.already_claimed), (1, 1));
    // Two servers at once on the next week: still one letter.
    let next = week.next(&state.config.timezone);
    let (a, b) = tokio::join!(
        ownpace_web::letters::run(&state, Some(next), "server-a"),
        ownpace_web::letters::run(&other_server, Some(next), "server-b"),
    );
    let (a, b) = (a.expect("run a"), b.expect("run b"));
    assert_eq!(a.sent + b.sent, 1, "{a:?} {b:?}");
    let mails = sink.received();
    assert_eq!(mails.len(), 2, "one letter per week: {mails:?}");
    let sends = app.store.letter_sends(&ana).await.unwrap();
    assert_eq!(sends.len(), 2);
    assert!(sends.iter().all(|s| s.status == "sent" && s.attempts == 1));

    // The first letter: both parts, the week's facts, only shared notes, the headers.
    let mail = &mails[0];
    assert_eq!(mail["rcpt_tos"][0], "sam.okafor@family.example");
    assert_eq!(mail["content_type"], "multipart/alternative");
    let subject = mail["headers"]["Subject"].as_str().unwrap_or("");
    assert!(subject.starts_with("Ana"), "{subject}");
    assert!(subject.contains(&week.words()), "{subject}");
    let plain = text(mail, "plain");
    let html = text(mail, "html");
    assert!(plain.contains("Notes from check-ins\n"), "{plain}");
    assert!(
        plain.contains("Ms. Rivera: Shared <note>: Ana explains her steps"),
        "{plain}"
    );
    assert!(
        html.contains("Shared &#60;note&#62;: Ana explains her steps"),
        "{html}"
    );
    for part in [&plain, &html] {
        assert!(!part.contains("counsellor"), "a private note stays private");
        assert!(part.contains("Time on Ownpace") && part.contains("Goals agreed"));
    }
    // Both parts say what the page says (the same digest).
    let student = app.store.user(&ana).await.unwrap().expect("Ana");
    let digest = ownpace_web::letters::digest(&state, &student, week)
        .await
        .unwrap();
    for section in &digest.sections {
        for item in &section.items {
            assert!(plain.contains(item.as_str()), "{item} in the plain part");
        }
    }
    let unsubscribe = mail["headers"]["List-Unsubscribe"]
        .as_str()
        .unwrap_or("")
        .trim_matches(['<', '>'])
        .to_string();
    assert!(
        unsubscribe.starts_with(&format!("{}/letters/unsubscribe/", app.base)),
        "{unsubscribe}"
    );
    assert_eq!(
        mail["headers"]["List-Unsubscribe-Post"],
        "List-Unsubscribe=One-Click"
    );
    assert!(plain.contains(&unsubscribe) && html.contains(&unsubscribe));
    assert!(plain.contains(&format!("{}/family/{ana}", app.base)));

    // GET shows a button and changes nothing; a made-up secret is a 404 both ways.
    let anonymous = client();
    let (status, body) = get_page(&anonymous, &unsubscribe).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("id=\"unsubscribe-form\"") && body.contains("Ana"),
        "{body}"
    );
    assert!(app.store.letter_subscribed(&guardian, &ana).await.unwrap());
    let made_up = format!("{}/letters/unsubscribe/{}", app.base, "x".repeat(43));
    assert_eq!(get_page(&anonymous, &made_up).await.0, 404);
    let (status, _) = post_form(&anonymous, &made_up, &[("List-Unsubscribe", "One-Click")]).await;
    assert_eq!(status, 404);
    assert!(app.store.letter_subscribed(&guardian, &ana).await.unwrap());

    // The one-click POST (no session, no CSRF token, as a mail provider sends it) stops
    // the next week's letter.
    let (status, _) = post_form(
        &anonymous,
        &unsubscribe,
        &[("List-Unsubscribe", "One-Click")],
    )
    .await;
    assert_eq!(status, 200);
    assert!(!app.store.letter_subscribed(&guardian, &ana).await.unwrap());
    let later = next.next(&state.config.timezone);
    let stopped = ownpace_web::letters::run(&state, Some(later), "server-a")
        .await
        .unwrap();
    assert_eq!(stopped.sent, 0);
    assert_eq!(sink.received().len(), 2);

    // The guardian re-subscribes from the child's page; a bad address is refused with a
    // clear message and the old one kept.
    let (family, csrf) = signed_in(&app, &school.guardian).await;
    let page = format!("{}/family/{ana}", app.base);
    let (status, body) = get_page(&family, &page).await;
    assert_eq!(status, 200);
    assert!(body.contains("You stopped the letter about"), "{body}");
    let (status, _) = post_form(
        &family,
        &format!("{page}/letter"),
        &[("_csrf", &csrf), ("subscribed", "1")],
    )
    .await;
    assert_eq!(status, 303);
    assert!(app.store.letter_subscribed(&guardian, &ana).await.unwrap());
    let (status, _) = post_form(
        &family,
        &format!("{}/family/letter-address", app.base),
        &[("_csrf", &csrf), ("address", "not an address")],
    )
    .await;
    assert_eq!(status, 303);
    let (_, body) = get_page(&family, &format!("{}/family", app.base)).await;
    assert!(body.contains("this is not an e-mail address"), "{body}");
    assert_eq!(
        app.store
            .letter_address(&guardian)
            .await
            .unwrap()
            .as_deref(),
        Some("sam.okafor@family.example")
    );

    // An admin changes where the letters go: on the staff trail as "set" or "removed",
    // never with the address.
    let (office, office_csrf) = signed_in(&app, &school.admin).await;
    let admin_form = format!("{}/admin/users/{guardian}/letter-address", app.base);
    let (status, _) = post_form(
        &office,
        &admin_form,
        &[
            ("_csrf", &office_csrf),
            ("address", "okafor.home@family.example"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let trail = app
        .store
        .staff_audit_page(Some(StaffAction::LetterAddressChanged), None, 10)
        .await
        .unwrap();
    assert_eq!(trail.len(), 1, "{trail:?}");
    assert_eq!(trail[0].detail, "set");
    assert!(trail.iter().all(|e| !e.detail.contains("family.example")));
    let (status, _) = post_form(
        &office,
        &admin_form,
        &[("_csrf", &office_csrf), ("address", "not an address")],
    )
    .await;
    assert_eq!(status, 303);
    let refused = app
        .store
        .staff_audit_page(Some(StaffAction::LetterAddressChanged), None, 10)
        .await
        .unwrap();
    assert_eq!(
        refused.len(),
        1,
        "a refused address writes no event: {refused:?}"
    );
    let (status, _) = post_form(
        &office,
        &admin_form,
        &[
            ("_csrf", &office_csrf),
            ("address", "sam.okafor@family.example"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(
        app.store
            .letter_address(&guardian)
            .await
            .unwrap()
            .as_deref(),
        Some("sam.okafor@family.example")
    );
    let back = ownpace_web::letters::run(&state, Some(later), "server-a")
        .await
        .unwrap();
    assert_eq!(back.sent, 1);
}

async fn no_letter_without_consent_after_leaving_or_erasure_or_without_smtp(backend: Backend) {
    let app = spawn_app(backend, 3).await;
    let sink = SmtpSink::start();
    let school = &app.school;
    let ana = user_id(&app, &school.students[0]).await;
    let ben = user_id(&app, &school.students[1]).await;
    let chloe = user_id(&app, &school.students[2]).await;
    let guardian = user_id(&app, &school.guardian).await;
    let family2 = user_id(&app, "guardian2").await;
    let admin = user_id(&app, &school.admin).await;

    // Without SMTP: nothing is sent, and the child's page shows the digest and says why.
    let quiet = app.state(config(None, &app, 0));
    let week = LetterWeek::at(&quiet.config.timezone, quiet.now());
    let off = ownpace_web::letters::run(&quiet, Some(week), "server-a")
        .await
        .unwrap();
    assert_eq!(
        off.off,
        Some("letters are not sent: no mail server is configured")
    );
    assert!(app.store.letter_sends(&ana).await.unwrap().is_empty());
    let (family, _) = signed_in(&app, &school.guardian).await;
    let (status, body) = get_page(&family, &format!("{}/family/{ana}", app.base)).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("This week&#39;s letter") || body.contains("This week's letter"),
        "{body}"
    );
    assert!(body.contains("id=\"letter-digest\""));
    assert!(body.contains("no mail server is configured"));

    // Consent is asked (students of 11 and 12 need it) and covers only use: no letter.
    let strict = app.state(config(Some(&sink), &app, 16));
    let held = ownpace_web::letters::run(&strict, Some(week), "server-a")
        .await
        .unwrap();
    assert_eq!((held.sent, held.without_consent), (0, 1), "{held:?}");
    assert!(
        app.store.letter_sends(&ana).await.unwrap().is_empty(),
        "nothing claimed"
    );
    let notice = ownpace_web::consent::notice_version(&strict.config);
    app.store
        .give_consent(
            &guardian,
            &ana,
            &[Scope::Use, Scope::Outside],
            &notice,
            strict.now(),
        )
        .await
        .unwrap();
    let allowed = ownpace_web::letters::run(&strict, Some(week), "server-a")
        .await
        .unwrap();
    assert_eq!(allowed.sent, 1, "{allowed:?}");

    // The other family gets letters about its children, except Ben, who left every
    // class, and Chloé, who was erased.
    app.store
        .set_letter_address(
            &family2,
            Some("lee.mensah@family.example"),
            &admin,
            strict.now(),
        )
        .await
        .unwrap();
    app.store
        .remove_from_class(&school.class_id, &ben, strict.now())
        .await
        .unwrap();
    app.store
        .erase_student(
            &chloe,
            "asked by the family",
            Some(&admin),
            ErasedVia::AdminPage,
            strict.now(),
        )
        .await
        .unwrap();
    let open = app.state(config(Some(&sink), &app, 0));
    let run = ownpace_web::letters::run(&open, Some(week), "server-a")
        .await
        .unwrap();
    assert!(run.sent >= 1, "the other class's children: {run:?}");
    assert!(app.store.letter_sends(&ben).await.unwrap().is_empty());
    assert!(app.store.letter_sends(&chloe).await.unwrap().is_empty());
    let subjects: Vec<String> = sink
        .received()
        .iter()
        .map(|m| m["headers"]["Subject"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(subjects.len(), 1 + run.sent, "{subjects:?}");
    let family_children = app.store.children_of(&family2).await.unwrap().len();
    // Chloé's erasure removed her link to the family; Ben is still linked but left.
    assert_eq!(run.sent, family_children - 1, "all but Ben (and Chloé)");

    // A day later the same week is not sent again.
    app.advance_ms(DAY);
    let repeat = ownpace_web::letters::run(&open, Some(week), "server-b")
        .await
        .unwrap();
    assert_eq!(repeat.sent, 0);
}
