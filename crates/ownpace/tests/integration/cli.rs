//! The `ownpace` binary as an administrator runs it: importing courses (broken ones are
//! refused whole, with every error's file and line), re-importing as a new version, and
//! `serve` printing its URL, answering `/healthz` and stopping cleanly on SIGTERM, and
//! `simulate` printing its report.

use crate::support::{ownpace_command, start_serve, workspace_root};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn ownpace(data_dir: &Path, args: &[&str]) -> Output {
    ownpace_command()
        .args(args)
        .env("OWNPACE_DATA_DIR", data_dir)
        .output()
        .expect("run ownpace")
}

fn fixture(name: &str) -> PathBuf {
    workspace_root()
        .join("crates/core/tests/fixtures/courses")
        .join(name)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Copies a folder (the fixtures are read-only inputs; tests edit copies).
fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_folder(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

async fn course_version(data_dir: &Path, course: &str) -> Option<(i64, String)> {
    let store = ownpace_storage::Store::connect(&format!(
        "sqlite://{}",
        data_dir.join("ownpace.sqlite3").display()
    ))
    .await
    .unwrap();
    let current = store.current_course(&course.into()).await.unwrap();
    store.close().await;
    current.map(|c| (c.version, c.course.title.clone()))
}

#[tokio::test]
async fn broken_courses_are_refused_whole_and_reimports_make_versions() {
    let data = tempfile::tempdir().unwrap();
    let imported = ownpace(data.path(), &["import", fixture("valid").to_str().unwrap()]);
    assert!(imported.status.success(), "{}", text(&imported.stderr));
    assert!(
        text(&imported.stdout).contains("Imported course `mini-fractions` (version 1)"),
        "{}",
        text(&imported.stdout)
    );
    // It says which database it wrote to (issue 16: the default folder is easy to miss).
    let database = format!(
        "Database: sqlite://{}",
        data.path().join("ownpace.sqlite3").display()
    );
    assert!(
        text(&imported.stdout).contains(&database),
        "{} should name {database}",
        text(&imported.stdout)
    );

    // The same course with a broken item: refused, with the file and line, nothing stored.
    let edited = tempfile::tempdir().unwrap();
    copy_folder(&fixture("valid"), edited.path());
    let items = edited.path().join("items/equivalent.toml");
    let original = std::fs::read_to_string(&items).unwrap();
    let skills_line = original
        .lines()
        .position(|l| l.trim_start().starts_with("skills"))
        .expect("an item with skills")
        + 1;
    let broken = original.replacen("skills = [\"", "skills = [\"no-such-skill\", \"", 1);
    std::fs::write(&items, &broken).unwrap();
    std::fs::write(
        edited.path().join("course.toml"),
        std::fs::read_to_string(fixture("valid/course.toml"))
            .unwrap()
            .replace("Mini fractions", "Mini fractions, revised"),
    )
    .unwrap();
    let refused = ownpace(data.path(), &["import", edited.path().to_str().unwrap()]);
    assert!(!refused.status.success());
    let stderr = text(&refused.stderr);
    let expected = format!(
        "{}:{skills_line}:",
        edited.path().join("items/equivalent.toml").display()
    );
    assert!(
        stderr.contains(&expected) && stderr.contains("no-such-skill"),
        "expected `{expected}` about no-such-skill in:\n{stderr}"
    );
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    assert_eq!(
        course_version(data.path(), "mini-fractions").await,
        Some((1, "Mini fractions".into()))
    );

    // Fixed: a new version; the same content again: unchanged.
    std::fs::write(&items, &original).unwrap();
    let updated = ownpace(data.path(), &["import", edited.path().to_str().unwrap()]);
    assert!(
        text(&updated.stdout).contains("to version 2"),
        "{}{}",
        text(&updated.stdout),
        text(&updated.stderr)
    );
    let again = ownpace(data.path(), &["import", edited.path().to_str().unwrap()]);
    assert!(
        text(&again.stdout).contains("unchanged"),
        "{}",
        text(&again.stdout)
    );
    assert_eq!(
        course_version(data.path(), "mini-fractions").await,
        Some((2, "Mini fractions, revised".into()))
    );
}

#[test]
fn every_broken_fixture_is_refused_with_its_location() {
    let data = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for entry in
        std::fs::read_dir(workspace_root().join("crates/core/tests/fixtures/courses")).unwrap()
    {
        let folder = entry.unwrap().path();
        if folder.file_name().is_some_and(|n| n == "valid") || !folder.is_dir() {
            continue;
        }
        let output = ownpace(
            data.path(),
            &["import", "--check", folder.to_str().unwrap()],
        );
        let stderr = text(&output.stderr);
        assert!(
            !output.status.success(),
            "{} was accepted",
            folder.display()
        );
        assert!(
            stderr
                .lines()
                .next()
                .is_some_and(|l| l.starts_with(&folder.display().to_string())),
            "{}: the first line should name the file:\n{stderr}",
            folder.display()
        );
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} broken fixtures");
    assert!(
        !data.path().join("ownpace.sqlite3").exists(),
        "--check must not create a database"
    );
}

#[test]
fn serve_prints_its_url_answers_health_and_stops_on_sigterm() {
    let data = tempfile::tempdir().unwrap();
    let (mut child, url) = start_serve(
        ownpace_command()
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("OWNPACE_DATA_DIR", data.path())
            .stderr(Stdio::null()),
    );
    let health = std::process::Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            &format!("{url}/healthz"),
        ])
        .output();
    let status = match health {
        Ok(out) => text(&out.stdout),
        // Without curl, ask with a raw request.
        Err(_) => raw_get(&url, "/healthz"),
    };
    assert!(status.contains("200"), "health answered {status}");
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let exit = child.wait().unwrap();
    assert!(
        exit.success(),
        "serve should exit 0 after SIGTERM, got {exit}"
    );
}

fn raw_get(url: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response.lines().next().unwrap_or("").to_string()
}

#[test]
fn simulate_prints_one_json_object_with_every_policy_and_is_repeatable() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["simulate", "--json", "--students", "30", "--seed", "11"];
    let out = ownpace(dir.path(), &args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_eq!(
        stdout.trim().lines().count(),
        1,
        "one object on stdout: {stdout}"
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("JSON on stdout");
    assert_eq!(report["course"], "fractions-ratios-6");
    assert_eq!(report["students"], 30);
    let questions = report["placement"]["questions_mean"].as_f64().unwrap();
    let accuracy = report["placement"]["accuracy"].as_f64().unwrap();
    assert!(questions > 0.0 && questions <= 12.0, "{report}");
    assert!((0.0..=1.0).contains(&accuracy), "{report}");
    let policies = report["policies"].as_array().unwrap();
    let names: Vec<&str> = policies
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["fixed", "mastery", "ownpace"]);
    for p in policies {
        for field in [
            "items_to_mastery_mean",
            "minutes_to_mastery_mean",
            "retained_30d",
            "over_practice",
            "under_practice",
        ] {
            assert!(
                p[field].as_f64().is_some_and(|x| x >= 0.0),
                "{field} in {p}"
            );
        }
    }
    // The matched fixed sequence teaches at least as much as ownpace.
    assert!(
        policies[0]["under_practice"].as_f64() <= policies[2]["under_practice"].as_f64(),
        "{report}"
    );
    let again = ownpace(dir.path(), &args);
    assert_eq!(
        text(&again.stdout),
        stdout,
        "the same seed gives the same figures"
    );
    assert_eq!(report["learners"], "bkt");

    // The other family of simulated learners gives other figures; a wrong name is refused.
    let logistic = ownpace(
        dir.path(),
        &[&args[..], &["--learners", "logistic"]].concat(),
    );
    assert!(logistic.status.success(), "{}", text(&logistic.stderr));
    let other: serde_json::Value = serde_json::from_str(&text(&logistic.stdout)).unwrap();
    assert_eq!(other["learners"], "logistic");
    assert_ne!(other["policies"], report["policies"]);
    let wrong = ownpace(dir.path(), &[&args[..], &["--learners", "irt"]].concat());
    assert!(!wrong.status.success());
    assert!(
        text(&wrong.stderr).contains("use bkt or logistic"),
        "{}",
        text(&wrong.stderr)
    );

    let set = ownpace(
        dir.path(),
        &[
            "simulate",
            "--json",
            "--students",
            "5",
            "--fixed-items",
            "5",
        ],
    );
    let set: serde_json::Value = serde_json::from_slice(&set.stdout).expect("JSON");
    assert_eq!(set["fixed_items_per_skill"], 5);
    assert_eq!(
        set["policies"][0]["items_mean"], 150.0,
        "30 skills × 5 items"
    );

    let table = ownpace(dir.path(), &["simulate", "--students", "5"]);
    let table = text(&table.stdout);
    assert!(
        table.contains("placement:") && table.contains("fixed:"),
        "{table}"
    );

    let none = ownpace(dir.path(), &["simulate", "--students", "0"]);
    assert!(!none.status.success());
    assert!(text(&none.stderr).contains("--students must be at least 1"));
}
