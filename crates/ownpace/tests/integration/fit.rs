//! `ownpace fit` as an administrator runs it: refusing an empty school, then refitting the
//! demo school's simulated answers into new, loadable versions of the default model.

use crate::support::ownpace_command;
use ownpace_core::learner::bkt::BktParams;
use ownpace_core::learner::fitted::{FittedModels, STORE_MODEL_NAME};
use std::path::Path;
use std::process::Output;

fn ownpace(data_dir: &Path, args: &[&str]) -> Output {
    ownpace_command()
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .output()
        .expect("run ownpace")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn latest(data_dir: &Path) -> Option<(i64, String, i64, i64)> {
    let store = ownpace_storage::Store::connect(&format!(
        "sqlite://{}",
        data_dir.join("ownpace.sqlite3").display()
    ))
    .await
    .unwrap();
    let latest = store.latest_model_params(STORE_MODEL_NAME).await.unwrap();
    store.close().await;
    latest
}

/// "Fitted version N on M answers from K students; BKT fitted for S of T skills …" → the
/// five numbers.
fn numbers(line: &str) -> Vec<usize> {
    line.split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect()
}

#[tokio::test]
async fn fit_refuses_an_empty_school_and_versions_the_demo_fit() {
    let data = tempfile::tempdir().unwrap();

    // No answers yet: a clear message, a failure status, nothing stored.
    let empty = ownpace(data.path(), &["fit"]);
    assert!(!empty.status.success());
    assert!(
        text(&empty.stderr).contains("after students have practised"),
        "{}",
        text(&empty.stderr)
    );
    assert_eq!(latest(data.path()).await, None);

    let demo = ownpace(data.path(), &["demo", "--no-serve"]);
    assert!(demo.status.success(), "{}", text(&demo.stderr));

    let first = ownpace(data.path(), &["fit"]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let out = text(&first.stdout);
    assert!(
        out.starts_with("Fitted version 1 on ") && out.contains("(others use defaults)"),
        "{out}"
    );
    let n = numbers(&out);
    let (answers, students, fitted_skills, skills) = (n[1], n[2], n[3], n[4]);
    assert!(answers > 100 && students > 10, "{out}");
    assert!(fitted_skills >= 1 && fitted_skills <= skills, "{out}");

    let (version, json, _, events_used) = latest(data.path()).await.expect("a stored fit");
    assert_eq!(version, 1);
    assert_eq!(events_used as usize, answers);
    let fitted: FittedModels = serde_json::from_str(&json).expect("the stored JSON loads");
    assert_eq!(fitted.answers_used(), answers);
    assert_eq!(fitted.students(), students);
    assert_eq!(fitted.skills_with_data(), fitted_skills);
    assert_eq!(fitted.skills_seen(), skills);
    for (skill, params) in fitted.bkt() {
        assert_eq!(fitted.bkt_params(skill), *params);
        assert!((0.01..=0.3).contains(&params.guess), "{skill}: {params:?}");
        assert!((0.01..=0.3).contains(&params.slip), "{skill}: {params:?}");
        assert!(params.learn >= 0.01, "{skill}: {params:?}");
    }
    assert_eq!(fitted.bkt_params("no-such-skill"), BktParams::default());

    // Every skill needs more answers than the school has: nothing fitted, all defaults.
    let strict = ownpace(data.path(), &["fit", "--min-answers", "1000000"]);
    assert!(strict.status.success(), "{}", text(&strict.stderr));
    let out = text(&strict.stdout);
    assert!(out.starts_with("Fitted version 2 on "), "{out}");
    assert!(
        out.contains(&format!("BKT fitted for 0 of {skills} skills")),
        "{out}"
    );
    assert_eq!(latest(data.path()).await.map(|l| l.0), Some(2));

    // An unknown course has no answers: refused, the newest fit stays.
    let other = ownpace(data.path(), &["fit", "--course", "no-such-course"]);
    assert!(!other.status.success());
    assert!(text(&other.stderr).contains("no-such-course"));
    assert_eq!(latest(data.path()).await.map(|l| l.0), Some(2));
}
