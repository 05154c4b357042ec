//! A family's data rights through the real server and the shell, on both engines: the
//! export zip (summary, JSON, valid xAPI 1.0.3, CSV; nothing about another student;
//! audited) for the student, the guardian and an admin; a guardian's erasure request
//! that an admin carries out with the two-step confirmation, after which the database
//! (SQLite file and WAL bytes, or every PostgreSQL column through SQL), the server's log
//! and its working folder hold no trace of the student; retention's daily job, once across
//! servers; and the commands `export-student`, `erase-student`, `erasure-log`,
//! `retention`.

use crate::support::{
    client, csrf_in, login_page, login_page_at, ownpace_command, spawn_app, spawn_app_with,
    start_serve, user_id,
};
use ownpace::demo;
use ownpace_core::course::AnswerSpec;
use ownpace_core::ids::UserId;
use ownpace_storage::testing::scratch;
use ownpace_storage::{Backend, NewGoal, NewUser, Role, Store};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Read;
use std::process::Stdio;

on_both_engines!(
    a_family_downloads_the_whole_record_and_nothing_about_others,
    a_requested_erasure_leaves_no_trace_in_database_logs_or_folders,
    retention_erases_students_who_left_long_ago_once_across_servers,
    the_shell_exports_erases_and_lists_erasures,
);

/// The files of a zip, by name.
fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut files = BTreeMap::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let mut content = Vec::new();
        file.read_to_end(&mut content).unwrap();
        files.insert(file.name().unwrap().to_string(), content);
    }
    files
}

fn is_rfc3339_utc(text: &str) -> bool {
    // 2026-11-29T10:00:00Z or with .123 fraction.
    let b = text.as_bytes();
    b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && text.ends_with('Z')
}

fn is_iri(text: &str) -> bool {
    (text.starts_with("http://") || text.starts_with("https://"))
        && !text.chars().any(|c| c.is_whitespace())
}

/// The parts of xAPI 1.0.3 every statement here must have, checked field by field.
fn check_statement(s: &Value, username: &str, homepage: &str) {
    let id = s["id"].as_str().expect("statement id");
    let groups: Vec<usize> = id.split('-').map(str::len).collect();
    assert_eq!(groups, [8, 4, 4, 4, 12], "{id} is a UUID");
    assert_eq!(s["version"], "1.0.3");
    let actor = &s["actor"];
    assert_eq!(actor["objectType"], "Agent");
    assert_eq!(actor["account"]["homePage"], homepage);
    assert_eq!(actor["account"]["name"], username);
    for forbidden in ["mbox", "mbox_sha1sum", "openid"] {
        assert!(actor.get(forbidden).is_none(), "no {forbidden}: {actor}");
    }
    assert!(is_iri(s["verb"]["id"].as_str().unwrap()), "{}", s["verb"]);
    assert!(s["verb"]["display"]["en-US"].is_string());
    assert_eq!(s["object"]["objectType"], "Activity");
    assert!(
        is_iri(s["object"]["id"].as_str().unwrap()),
        "{}",
        s["object"]
    );
    assert!(is_iri(s["object"]["definition"]["type"].as_str().unwrap()));
    assert!(
        is_rfc3339_utc(s["timestamp"].as_str().unwrap()),
        "{}",
        s["timestamp"]
    );
    if let Some(result) = s.get("result") {
        if let Some(success) = result.get("success") {
            assert!(success.is_boolean());
        }
        if let Some(duration) = result.get("duration") {
            let d = duration.as_str().unwrap();
            assert!(d.starts_with("PT") && d.ends_with('S'), "{d}");
        }
    }
}

async fn a_family_downloads_the_whole_record_and_nothing_about_others(backend: Backend) {
    let app = spawn_app(backend, 3).await;
    let ana = app.school.students[0].clone();
    let ana_id = user_id(&app, &ana).await;
    let ben = app.school.students[1].clone();
    let ben_id = user_id(&app, &ben).await;

    let student = client();
    login_page(&app, &student, &ana).await;
    let page = student
        .get(format!("{}/me/data", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("/me/export") && page.contains("/me/erasure-request"));
    let response = student
        .get(format!("{}/me/export", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/zip");
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let files = unzip(&response.bytes().await.unwrap());
    for name in [
        "index.html",
        "record.json",
        "xapi-statements.json",
        "csv/events.csv",
        "csv/users.csv",
        "csv/goals.csv",
    ] {
        assert!(files.contains_key(name), "{name} in {:?}", files.keys());
    }
    let record: Value = serde_json::from_slice(&files["record.json"]).unwrap();
    assert_eq!(record["student"]["username"], ana.as_str());
    let events = record["tables"]["events"].as_array().unwrap();
    assert!(events.len() > 10, "the demo history: {}", events.len());
    let statements: Vec<Value> = serde_json::from_slice(&files["xapi-statements.json"]).unwrap();
    assert_eq!(statements.len(), events.len(), "one statement per event");
    let homepage = app.base.clone();
    for statement in &statements {
        check_statement(statement, &ana, &homepage);
    }
    assert!(statements.iter().any(|s| s["verb"]["id"]
        == "http://adlnet.gov/expapi/verbs/answered"
        && s["result"]["success"].is_boolean()));
    let csv = String::from_utf8(files["csv/events.csv"].clone()).unwrap();
    assert_eq!(
        csv.lines().count(),
        events.len() + 1,
        "a header and a line per event"
    );
    assert!(!String::from_utf8_lossy(&files["csv/users.csv"]).contains("argon2"));
    let summary = String::from_utf8(files["index.html"].clone()).unwrap();
    assert!(summary.contains("Ownpace record of"));
    // Nothing about the other students, and no secrets.
    for file in files.values() {
        let text = String::from_utf8_lossy(file);
        assert!(!text.contains(ben_id.as_str()), "another student's id");
        assert!(!text.contains("$argon2"), "a password hash");
        for other in &app.school.other_students {
            assert!(!text.contains(&format!("\"{other}\"")), "{other}");
        }
    }
    // The download is in the access log the student reads.
    let log = student
        .get(format!("{}/me/access-log", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(log.contains("student downloaded their record"));

    // The guardian gets the same zip for their child, and is logged.
    let guardian = client();
    login_page(&app, &guardian, "guardian").await;
    let child = guardian
        .get(format!("{}/family/{ana_id}/export", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(child.status(), 200);
    let child_files = unzip(&child.bytes().await.unwrap());
    let child_record: Value = serde_json::from_slice(&child_files["record.json"]).unwrap();
    assert_eq!(child_record["tables"]["events"], record["tables"]["events"]);
    let not_theirs = guardian
        .get(format!("{}/family/{ben_id}/export", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(not_theirs.status(), 404);

    // An admin too, for students only.
    let admin = client();
    login_page(&app, &admin, "admin").await;
    let by_admin = admin
        .get(format!("{}/admin/users/{ana_id}/export", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(by_admin.status(), 200);
    let teacher_id = user_id(&app, "teacher").await;
    let teacher_export = admin
        .get(format!("{}/admin/users/{teacher_id}/export", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(teacher_export.status(), 404);
    let actions: Vec<String> = app
        .store
        .audit_entries_for(&ana_id, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for action in [
        "student downloaded their record",
        "guardian downloaded the record",
        "admin exported the record",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
}

const USERNAME: &str = "quentin-zq81";
const NAME: &str = "Quentin Zarkovsky";
const TYPED: &str = "31337.4242";
const GOAL: &str = "Quest for Zebra 9931";
const INTEREST: &str = "origami-5150";

/// Every file under `dir` that contains one of `needles` (bytes), with the needle.
fn files_holding(dir: &std::path::Path, needles: &[&str]) -> Vec<(String, String)> {
    let mut hits = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return hits;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            hits.extend(files_holding(&path, needles));
        } else if let Ok(bytes) = std::fs::read(&path) {
            for needle in needles {
                if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                    hits.push((path.display().to_string(), needle.to_string()));
                }
            }
        }
    }
    hits
}

async fn a_requested_erasure_leaves_no_trace_in_database_logs_or_folders(backend: Backend) {
    let db = scratch(backend).await;
    let work = tempfile::tempdir().unwrap();
    let store = Store::connect(&db.url).await.unwrap();
    let school = demo::seed(&store, ownpace_web::now_ms(), 3, 7)
        .await
        .unwrap();
    let now = ownpace_web::now_ms();
    let hash = ownpace_web::hash_password(demo::DEMO_PASSWORD.to_string())
        .await
        .unwrap();
    let student = store
        .create_user(NewUser {
            username: USERNAME,
            display_name: NAME,
            role: Role::Student,
            password_hash: &hash,
            created_at: now,
        })
        .await
        .unwrap();
    store
        .add_to_class(&school.class_id, &student.id, now)
        .await
        .unwrap();
    let guardian = store
        .user_by_username(&school.guardian)
        .await
        .unwrap()
        .unwrap();
    store.add_guardian(&guardian.id, &student.id).await.unwrap();
    store
        .set_interests(&student.id, &[INTEREST.to_string()])
        .await
        .unwrap();
    let course = store
        .current_course(&school.course_id)
        .await
        .unwrap()
        .unwrap();
    let item = course
        .course
        .items
        .iter()
        .find(|i| matches!(i.answer, AnswerSpec::Numeric { .. }))
        .expect("a numeric item")
        .clone();
    store
        .create_goal(NewGoal {
            student_id: &student.id,
            course_id: &school.course_id,
            title: GOAL,
            skills: &item.skills,
            project_id: None,
            target_at: now + 30 * 86_400_000,
            created_by: &student.id,
            created_at: now,
        })
        .await
        .unwrap();
    store.close().await;

    // The real binary, its log in a file and its working folder a fresh one.
    let log_path = work.path().join("server.log");
    let mut command = ownpace_command();
    command
        .current_dir(work.path())
        .env("OWNPACE_LOG", "info")
        .stderr(Stdio::from(std::fs::File::create(&log_path).unwrap()))
        .args(["serve", "--listen", "127.0.0.1:0"]);
    command.args(["--database-url", &db.url]);
    let (mut child, base) = start_serve(&mut command);

    // The student answers (typing a number) and reads their own page.
    let api = reqwest::Client::new();
    let token = crate::support::login_api_at(&base, &api, USERNAME).await;
    let answered = api
        .post(format!("{base}/api/v1/courses/{}/answers", school.course_id))
        .bearer_auth(&token)
        .json(&serde_json::json!({"item_id": item.id, "response": TYPED, "idempotency_key": "erase-me-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(answered.status(), 200, "{}", answered.text().await.unwrap());
    // Their teacher opens the record (an access-log row about them).
    let teacher = client();
    login_page_at(&base, &teacher, &school.teacher).await;
    let record = teacher
        .get(format!("{base}/students/{}", student.id))
        .send()
        .await
        .unwrap();
    assert_eq!(record.status(), 200);

    // The guardian asks for the erasure.
    let family = client();
    login_page_at(&base, &family, &school.guardian).await;
    let page = family
        .get(format!("{base}/family/{}/data", student.id))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_in(&page).unwrap();
    let asked = family
        .post(format!("{base}/family/{}/erasure-request", student.id))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), 303);
    let after = family
        .get(format!("{base}/family/{}/data", student.id))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(after.contains("id=\"erasure-requested\""), "{after}");

    // The admin sees it pending, and must type the username exactly.
    let admin = client();
    let csrf = login_page_at(&base, &admin, &school.admin).await;
    let pending = admin
        .get(format!("{base}/admin/erasures"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(pending.contains(NAME), "{pending}");
    assert!(pending.contains(&format!("/admin/users/{}/erase", student.id)));
    let erase_url = format!("{base}/admin/users/{}/erase", student.id);
    let wrong = admin
        .post(&erase_url)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("confirm_username", "quentin"),
            ("reason", "asked"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 303);
    assert!(
        wrong.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with("/erase")
    );
    let refused = admin
        .get(&erase_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(refused.contains("type the student"), "{refused}");
    let no_reason = admin
        .post(&erase_url)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("confirm_username", USERNAME),
            ("reason", " "),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        no_reason.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with("/erase")
    );
    let done = admin
        .post(&erase_url)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("confirm_username", USERNAME),
            ("reason", &format!("{NAME}'s family asked on the phone")),
        ])
        .send()
        .await
        .unwrap();
    if done.status() != 303 {
        eprintln!(
            "SERVERLOG {}",
            std::fs::read_to_string(&log_path).unwrap_or_default()
        );
    }
    assert_eq!(done.status(), 303);
    assert_eq!(done.headers()["location"], "/admin/erasures");
    let log_page = admin
        .get(format!("{base}/admin/erasures"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(log_page.contains("erased-"), "{log_page}");
    assert!(
        log_page.contains("[the student]&#39;s family asked")
            || log_page.contains("[the student]'s family asked"),
        "{log_page}"
    );
    assert!(log_page.contains("id=\"no-pending\""));
    assert!(!log_page.contains(NAME) && !log_page.contains(USERNAME));
    // The student's session ended with the account.
    let gone = api
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 401);

    // Scan while the server still runs (its WAL is live), then after it stopped.
    let needles = [USERNAME, NAME, TYPED, GOAL, INTEREST, student.id.as_str()];
    let store = Store::connect(&db.url).await.unwrap();
    for needle in needles {
        let hits = store.columns_containing(needle).await.unwrap();
        assert!(
            hits.is_empty(),
            "{needle} is still in the database: {hits:?}"
        );
    }
    store.close().await;
    let db_dir = db
        .url
        .strip_prefix("sqlite://")
        .map(|p| std::path::PathBuf::from(p).parent().unwrap().to_path_buf());
    if let Some(dir) = &db_dir {
        let hits = files_holding(dir, &needles);
        assert!(hits.is_empty(), "the SQLite files still hold {hits:?}");
    }
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    child.wait().unwrap();
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log.contains("erased a student"),
        "the log says an erasure happened:\n{log}"
    );
    let hits = files_holding(work.path(), &needles);
    assert!(
        hits.is_empty(),
        "the log or the working folder holds {hits:?}"
    );
    if let Some(dir) = &db_dir {
        let hits = files_holding(dir, &needles);
        assert!(
            hits.is_empty(),
            "after the server stopped, the SQLite files hold {hits:?}"
        );
    }
}

async fn retention_erases_students_who_left_long_ago_once_across_servers(backend: Backend) {
    let config = ownpace_web::Config {
        retention_days_after_leaving: 30,
        ..Default::default()
    };
    // A server with the setting says so on /privacy (and runs the job itself at start).
    let shown = spawn_app_with(backend, 1, config.clone()).await;
    let privacy = client()
        .get(format!("{}/privacy", shown.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        privacy.contains("erased 30 days after they leave their last class"),
        "{privacy}"
    );
    drop(shown);
    // The servers below run the job through `retention::daily` on one database.
    let app = spawn_app(backend, 3).await;
    // The server may still be rebuilding the demo's projection at start: wait for it.
    app.store
        .rebuild_mastery_if_rule_changed(|_| Default::default())
        .await
        .unwrap();
    let leaver = app.school.students[2].clone();
    let leaver_id = user_id(&app, &leaver).await;
    app.store
        .remove_from_class(&app.school.class_id, &leaver_id, ownpace_web::now_ms())
        .await
        .unwrap();
    let first = app.state(config.clone());
    let second = app.state(config.clone());
    assert!(
        ownpace_web::retention::due(&first)
            .await
            .unwrap()
            .is_empty(),
        "not yet"
    );
    // The first server's daily run takes the lease (and finds nobody yet).
    assert_eq!(
        ownpace_web::retention::daily(&first, "one").await.unwrap(),
        Some(vec![])
    );
    app.advance_days(31);
    let due = ownpace_web::retention::due(&first).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].student.username, leaver);
    // A day later, two servers race: exactly one runs it.
    let (a, b) = tokio::join!(
        ownpace_web::retention::daily(&first, "one"),
        ownpace_web::retention::daily(&second, "two"),
    );
    let runs: Vec<_> = [a.unwrap(), b.unwrap()].into_iter().flatten().collect();
    assert_eq!(runs.len(), 1, "one server ran retention: {runs:?}");
    assert_eq!(runs[0].len(), 1);
    assert!(app.store.user_by_username(&leaver).await.unwrap().is_none());
    let log = app.store.erasure_log().await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].via, "retention");
    // Students still in a class stay.
    assert!(
        app.store
            .user_by_username(&app.school.students[0])
            .await
            .unwrap()
            .is_some()
    );
    // Off (0) means nobody goes.
    let off = app.state(ownpace_web::Config::default());
    assert_eq!(
        ownpace_web::retention::daily(&off, "x").await.unwrap(),
        None
    );
}

fn run(args: &[&str]) -> (bool, String, String) {
    let output = ownpace_command().args(args).output().unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

async fn the_shell_exports_erases_and_lists_erasures(backend: Backend) {
    let app = spawn_app(backend, 3).await;
    let url = app.database_url().to_string();
    let ana = app.school.students[0].clone();
    let ben = app.school.students[1].clone();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ana.zip");
    let out_text = out.display().to_string();
    let (ok, stdout, stderr) = run(&[
        "export-student",
        &ana,
        "--out",
        &out_text,
        "--homepage",
        "https://school.example",
        "--database-url",
        &url,
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("Wrote the record"), "{stdout}");
    let files = unzip(&std::fs::read(&out).unwrap());
    let statements: Vec<Value> = serde_json::from_slice(&files["xapi-statements.json"]).unwrap();
    assert!(!statements.is_empty());
    for s in &statements {
        check_statement(s, &ana, "https://school.example");
    }
    let (ok, _, stderr) = run(&[
        "export-student",
        "teacher",
        "--out",
        &out_text,
        "--database-url",
        &url,
    ]);
    assert!(!ok && stderr.contains("only a student"), "{stderr}");

    // Without --yes it asks, and a wrong answer erases nothing.
    let mut asked = ownpace_command()
        .args(["erase-student", &ana, "--database-url", &url])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    asked
        .stdin
        .take()
        .unwrap()
        .write_all(b"someone-else\n")
        .unwrap();
    let output = asked.wait_with_output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("nothing was erased"));
    assert!(app.store.user_by_username(&ana).await.unwrap().is_some());

    let (ok, stdout, stderr) = run(&[
        "erase-student",
        &ana,
        "--reason",
        "moved away",
        "--yes",
        "--database-url",
        &url,
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("erased-"), "{stdout}");
    assert!(!stdout.contains(&ana), "{stdout}");
    assert!(app.store.user_by_username(&ana).await.unwrap().is_none());
    let (ok, stdout, _) = run(&["erasure-log", "--database-url", &url]);
    assert!(
        ok && stdout.contains("moved away") && stdout.contains("command line"),
        "{stdout}"
    );
    let (ok, json, _) = run(&["erasure-log", "--json", "--database-url", &url]);
    assert!(ok);
    let entry: Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert!(entry["pseudonym"].as_str().unwrap().starts_with("erased-"));
    let log_file = dir.path().join("erasures.jsonl");
    std::fs::write(&log_file, &json).unwrap();
    let (ok, stdout, stderr) = run(&[
        "reapply-erasures",
        "--log",
        &log_file.display().to_string(),
        "--database-url",
        &url,
    ]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("1 erasure in the log; 0 students erased again"),
        "{stdout}"
    );

    // Retention from the shell: off by default; with a period, a dry run lists and erases nothing.
    let (ok, stdout, _) = run(&["retention", "--dry-run", "--database-url", &url]);
    assert!(ok && stdout.contains("Retention is off"), "{stdout}");
    let ben_id: UserId = user_id(&app, &ben).await;
    app.store
        .remove_from_class(
            &app.school.class_id,
            &ben_id,
            ownpace_web::now_ms() - 40 * 86_400_000,
        )
        .await
        .unwrap();
    let (ok, stdout, stderr) = run(&[
        "retention",
        "--dry-run",
        "--retention-days-after-leaving",
        "30",
        "--database-url",
        &url,
    ]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("1 student left") && stdout.contains(&ben),
        "{stdout}"
    );
    assert!(app.store.user_by_username(&ben).await.unwrap().is_some());
    let (ok, stdout, stderr) = run(&[
        "retention",
        "--database-url",
        &url,
        "--retention-days-after-leaving",
        "30",
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("Erased 1 student"), "{stdout}");
    assert!(app.store.user_by_username(&ben).await.unwrap().is_none());
}
