//! The product's path through the learner API: event export → fit → store → online use.

use ownpace_core::learner::datasets::{IdMap, read_events};
use ownpace_core::learner::logistic::{self, FitOptions, LogisticModel, LogisticParams};
use ownpace_core::learner::{ModelKind, StudentModel, eval};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn export() -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let mut csv = String::from("student,item,skills,correct,timestamp\n");
    for s in 0..80 {
        let ability: f64 = rng.random_range(-1.0..1.0);
        for t in 0..30 {
            let item = rng.random_range(0..6u32);
            let skills = match item {
                5 => "add;sub",
                i if i % 2 == 0 => "add",
                _ => "sub",
            };
            // Students get better with practice; item 4 is hard.
            let z = ability - 1.0 + 0.1 * f64::from(t) - if item == 4 { 1.0 } else { 0.0 };
            let correct = rng.random_bool(1.0 / (1.0 + (-z).exp()));
            csv.push_str(&format!(
                "s{s},q{item},{skills},{},{}\n",
                u8::from(correct),
                1000 + t
            ));
        }
    }
    csv
}

#[test]
fn fit_store_and_run_online_from_an_event_export() {
    let mut ids = IdMap::default();
    let seqs = read_events("events.csv", &export(), &mut ids).unwrap();
    assert_eq!(seqs.len(), 80);
    let params = logistic::fit(&seqs, &FitOptions::default());
    let stored = serde_json::to_string(&(&ids, &params)).unwrap();

    let (mut ids, params): (IdMap, LogisticParams) = serde_json::from_str(&stored).unwrap();
    ids.reindex();
    assert_eq!(params.version, logistic::PARAMS_VERSION);
    let model = LogisticModel::new(params);
    let add = ids.find_skill("add").unwrap();
    let q0 = ids.find_item("q0").unwrap();
    let mut student = model.student();
    let before = student.mastery(add);
    for _ in 0..4 {
        student.update(q0, &[add], true);
    }
    assert!(student.mastery(add) > before);
    let p = student.predict(q0, &[add]);
    assert!((0.0..=1.0).contains(&p));

    let resumed = model
        .resume(serde_json::from_str(&serde_json::to_string(student.history()).unwrap()).unwrap());
    assert!((resumed.predict(q0, &[add]) - p).abs() < 1e-9);
}

#[test]
fn every_model_fits_and_predicts_the_export() {
    let seqs = read_events("events.csv", &export(), &mut IdMap::default()).unwrap();
    for kind in ModelKind::ALL {
        let model = kind.fit(&seqs[..60]);
        let (p, y) = eval::predict_sequences(model.as_ref(), &seqs[60..]);
        assert_eq!(p.len(), y.len());
        assert!(p.iter().all(|p| (0.0..=1.0).contains(p)), "{}", kind.name());
    }
}
