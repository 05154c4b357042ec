//! Exploration harness for the learner model (ignored by default): fits the default model on
//! chosen folds of a dataset and prints the AUC, so feature changes can be measured without
//! rebuilding the whole workspace binary. `ownpace evaluate` gives the reported figures.
//!
//! `OWNPACE_DATASETS=/work/shared/datasets EXPLORE_DS=assist2009_pid EXPLORE_MERGE=1
//! EXPLORE_FOLDS=1,2 cargo test --release -p ownpace-core --test learner_explore -- --ignored --nocapture`

use std::path::PathBuf;

use ownpace_core::learner::datasets::{AktLayout, read_akt};
use ownpace_core::learner::{ModelKind, Sequence, eval, merge_repeats};

fn datasets_dir() -> PathBuf {
    match std::env::var_os("OWNPACE_DATASETS") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets"),
    }
}

fn read(ds: &str, file: &str) -> Vec<Sequence> {
    let path = datasets_dir().join(ds).join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    read_akt(&path.display().to_string(), &text, AktLayout::detect(&text)).unwrap()
}

#[test]
#[ignore]
fn explore() {
    let ds = std::env::var("EXPLORE_DS").unwrap_or_else(|_| "assist2009_pid".into());
    let merge = std::env::var("EXPLORE_MERGE").is_ok_and(|v| v == "1");
    let folds: Vec<usize> = std::env::var("EXPLORE_FOLDS")
        .unwrap_or_else(|_| "1".into())
        .split(',')
        .map(|s| s.parse().unwrap())
        .collect();
    let models: Vec<ModelKind> = std::env::var("EXPLORE_MODELS")
        .unwrap_or_else(|_| "logistic".into())
        .split(',')
        .map(|s| ModelKind::from_name(s).unwrap())
        .collect();
    let start = std::time::Instant::now();
    let clock = move || start.elapsed().as_secs_f64();
    for m in models {
        let mut aucs = vec![];
        for &k in &folds {
            let mut train = read(&ds, &format!("{ds}_train{k}.csv"));
            train.extend(read(&ds, &format!("{ds}_valid{k}.csv")));
            let mut test = read(&ds, &format!("{ds}_test{k}.csv"));
            if merge {
                train = merge_repeats(&train);
                test = merge_repeats(&test);
            }
            let r = eval::evaluate_fold(m, &train, &test, &clock);
            eprintln!(
                "{} fold {k}: auc {:.4} fit {:.2}s",
                m.name(),
                r.metrics.auc,
                r.fit_seconds
            );
            aucs.push(r.metrics.auc);
        }
        let s = eval::Summary::of(&aucs);
        eprintln!(
            "RESULT {ds} merge={merge} {} mean {:.4} ± {:.4}",
            m.name(),
            s.mean,
            s.sd
        );
    }
}

/// Fit time and AUC of the default logistic model against the L-BFGS iteration cap, on one
/// fold (`EXPLORE_ITERS=100,200,300`).
#[test]
#[ignore]
fn explore_iterations() {
    use ownpace_core::learner::logistic::{self, FitOptions, LogisticModel};
    let ds = std::env::var("EXPLORE_DS").unwrap_or_else(|_| "assist2009_pid".into());
    let merge = std::env::var("EXPLORE_MERGE").is_ok_and(|v| v == "1");
    let k: usize = std::env::var("EXPLORE_FOLDS").map_or(1, |v| v.parse().unwrap());
    let mut train = read(&ds, &format!("{ds}_train{k}.csv"));
    train.extend(read(&ds, &format!("{ds}_valid{k}.csv")));
    let mut test = read(&ds, &format!("{ds}_test{k}.csv"));
    if merge {
        train = merge_repeats(&train);
        test = merge_repeats(&test);
    }
    let iters = std::env::var("EXPLORE_ITERS").unwrap_or_else(|_| "300".into());
    for it in iters.split(',').map(|s| s.parse::<usize>().unwrap()) {
        let t = std::time::Instant::now();
        let options = FitOptions {
            max_iter: it,
            ..FitOptions::default()
        };
        let model = LogisticModel::new(logistic::fit(&train, &options));
        let fit = t.elapsed().as_secs_f64();
        let (p, y) = eval::predict_sequences(&model, &test);
        eprintln!(
            "RESULT iters {it}: auc {:.4} fit {fit:.2}s",
            eval::auc(&p, &y)
        );
    }
}
