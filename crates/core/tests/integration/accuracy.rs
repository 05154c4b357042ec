//! Accuracy regression test: the default learner model on fold 1 of assist2009_pid with
//! merged repeats (the honest protocol) must stay above a floor set just under the figure
//! measured when it was tuned (AUC 0.7875, with per-item and per-skill slopes).
//!
//! The data is found through `OWNPACE_DATASETS` (CI sets it to the shared datasets folder),
//! else `<workspace root>/../shared/datasets`. Missing data fails the test: a regression
//! test that silently passes without its data protects nothing.

use std::path::PathBuf;
use std::time::Instant;

use ownpace_core::learner::datasets::{AktLayout, read_akt};
use ownpace_core::learner::{ModelKind, Sequence, eval, merge_repeats};

const AUC_FLOOR: f64 = 0.787;

fn datasets_dir() -> PathBuf {
    match std::env::var_os("OWNPACE_DATASETS") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets"),
    }
}

fn read(file: &str) -> Vec<Sequence> {
    let path = datasets_dir().join("assist2009_pid").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {} ({e}). Set OWNPACE_DATASETS to the folder holding assist2009_pid/ \
             (the shared datasets folder), e.g. OWNPACE_DATASETS=/work/shared/datasets",
            path.display()
        )
    });
    read_akt(&path.display().to_string(), &text, AktLayout::FourLine)
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn default_model_auc_on_assist2009_pid_fold1_merged() {
    let mut train = read("assist2009_pid_train1.csv");
    train.extend(read("assist2009_pid_valid1.csv"));
    let train = merge_repeats(&train);
    let test = merge_repeats(&read("assist2009_pid_test1.csv"));
    let start = Instant::now();
    let clock = move || start.elapsed().as_secs_f64();
    let r = eval::evaluate_fold(ModelKind::DEFAULT, &train, &test, &clock);
    eprintln!("{r:?}");
    assert!(
        r.metrics.auc >= AUC_FLOOR,
        "AUC {} fell below the floor {AUC_FLOOR}",
        r.metrics.auc
    );
    assert!(r.metrics.rmse < 0.42, "RMSE {}", r.metrics.rmse);
}
