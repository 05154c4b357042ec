//! Refits BKT on ASSISTments 2009 fold 1 and checks the distribution embedded in
//! `simulate::ASSIST2009_FOLD1`.
//!
//! The data is found through `OWNPACE_DATASETS` (CI sets it), else
//! `<workspace root>/../shared/datasets`. Missing data fails the test: the simulation's
//! claim to follow the real dataset is only as good as this check.

use ownpace_core::learner::bkt::{self, BktVariant};
use ownpace_core::learner::datasets::{AktLayout, read_akt};
use ownpace_core::simulate::{ASSIST2009_FOLD1, ParamDistribution};
use std::path::PathBuf;

fn datasets_dir() -> PathBuf {
    match std::env::var_os("OWNPACE_DATASETS") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets"),
    }
}

#[test]
fn embedded_bkt_distribution_matches_a_refit() {
    let dir = datasets_dir().join("assist2009_pid");
    let mut train = Vec::new();
    for f in ["assist2009_pid_train1.csv", "assist2009_pid_valid1.csv"] {
        let path = dir.join(f);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "cannot read {} ({e}). Set OWNPACE_DATASETS to the folder holding \
                 assist2009_pid/ (the shared datasets folder)",
                path.display()
            )
        });
        let name = path.display().to_string();
        train.extend(
            read_akt(&name, &text, AktLayout::detect(&text)).unwrap_or_else(|e| panic!("{e}")),
        );
    }
    let got = ParamDistribution::of(&bkt::fit(&train, BktVariant::Standard));
    println!("{got:?}");
    assert_eq!(got.skills, ASSIST2009_FOLD1.skills);
    for (name, a, b) in [
        ("init", got.init, ASSIST2009_FOLD1.init),
        ("learn", got.learn, ASSIST2009_FOLD1.learn),
        ("guess", got.guess, ASSIST2009_FOLD1.guess),
        ("slip", got.slip, ASSIST2009_FOLD1.slip),
    ] {
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < 0.02, "{name}: refit {a:?}, embedded {b:?}");
        }
    }
}

#[test]
fn embedded_logistic_distribution_matches_a_refit() {
    use ownpace_core::learner::logistic::{self, FitOptions};
    use ownpace_core::simulate::{ASSIST2009_PFA_FOLD1, LogisticDistribution};
    let dir = datasets_dir().join("assist2009_pid");
    let mut train = Vec::new();
    for f in ["assist2009_pid_train1.csv", "assist2009_pid_valid1.csv"] {
        let path = dir.join(f);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {} ({e})", path.display()));
        let name = path.display().to_string();
        train.extend(
            read_akt(&name, &text, AktLayout::detect(&text)).unwrap_or_else(|e| panic!("{e}")),
        );
    }
    let got = LogisticDistribution::of(&logistic::fit(&train, &FitOptions::pfa()));
    println!("{got:?}");
    assert_eq!(got.skills, ASSIST2009_PFA_FOLD1.skills);
    for (name, a, b) in [
        ("easiness", got.easiness, ASSIST2009_PFA_FOLD1.easiness),
        ("gain", got.gain, ASSIST2009_PFA_FOLD1.gain),
    ] {
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < 0.02, "{name}: refit {a:?}, embedded {b:?}");
        }
    }
}
