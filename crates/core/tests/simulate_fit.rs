//! Refits BKT on ASSISTments 2009 fold 1 and checks the distribution embedded in
//! `simulate::ASSIST2009_FOLD1` (skipped when the dataset folder is absent).

use ownpace_core::learner::bkt::{self, BktVariant};
use ownpace_core::learner::datasets::{AktLayout, read_akt};
use ownpace_core::simulate::{ASSIST2009_FOLD1, ParamDistribution};
use std::path::Path;

#[test]
fn embedded_bkt_distribution_matches_a_refit() {
    let dir = Path::new("/work/shared/datasets/assist2009_pid");
    let dir = std::env::var("OWNPACE_DATASETS")
        .map(|d| Path::new(&d).join("assist2009_pid"))
        .unwrap_or_else(|_| dir.to_path_buf());
    if !dir.is_dir() {
        eprintln!("skipped: {} not found", dir.display());
        return;
    }
    let mut train = Vec::new();
    for f in ["assist2009_pid_train1.csv", "assist2009_pid_valid1.csv"] {
        let text = std::fs::read_to_string(dir.join(f)).expect("dataset file");
        train.extend(read_akt(f, &text, AktLayout::detect(&text)).expect("parses"));
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
