//! The evaluation protocol and its metrics, shared by `ownpace evaluate` and the accuracy
//! regression test so both measure exactly the same thing.
//!
//! Protocol: fit on the training students, then replay every held-out student's answers in
//! order; each prediction uses only that student's earlier answers (the online state is
//! updated after the prediction). Metrics: AUC (ties get mid-ranks), RMSE, accuracy at 0.5,
//! log-loss and expected calibration error over ten equal-width bins.
//!
//! The core has no clock: the caller passes one (seconds as `f64`) to time fit and predict.

use rayon::prelude::*;
use serde::Serialize;

use super::{LearnerModel, ModelKind, Sequence};

/// Prediction quality over a set of answers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Metrics {
    pub auc: f64,
    pub rmse: f64,
    pub accuracy: f64,
    pub log_loss: f64,
    pub calibration_error: f64,
    pub count: usize,
}

/// Area under the ROC curve; tied predictions count one half. NaN when a class is missing.
pub fn auc(predictions: &[f64], labels: &[bool]) -> f64 {
    let mut order: Vec<usize> = (0..predictions.len()).collect();
    order.sort_unstable_by(|&a, &b| predictions[a].total_cmp(&predictions[b]));
    let positives = labels.iter().filter(|&&y| y).count() as f64;
    let negatives = labels.len() as f64 - positives;
    if positives == 0.0 || negatives == 0.0 {
        return f64::NAN;
    }
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && predictions[order[j + 1]] == predictions[order[i]] {
            j += 1;
        }
        // Ranks i+1 ..= j+1 share their mean.
        let mid = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += mid * order[i..=j].iter().filter(|&&k| labels[k]).count() as f64;
        i = j + 1;
    }
    (rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives)
}

/// Root mean squared error of the probabilities.
pub fn rmse(predictions: &[f64], labels: &[bool]) -> f64 {
    let n = predictions.len().max(1) as f64;
    let sse: f64 = predictions
        .iter()
        .zip(labels)
        .map(|(&p, &y)| (p - f64::from(u8::from(y))).powi(2))
        .sum();
    (sse / n).sqrt()
}

/// Expected calibration error over `bins` equal-width bins.
pub fn calibration_error(predictions: &[f64], labels: &[bool], bins: usize) -> f64 {
    let mut sum_p = vec![0.0; bins];
    let mut sum_y = vec![0.0; bins];
    let mut count = vec![0usize; bins];
    for (&p, &y) in predictions.iter().zip(labels) {
        let b = ((p * bins as f64) as usize).min(bins - 1);
        sum_p[b] += p;
        sum_y[b] += f64::from(u8::from(y));
        count[b] += 1;
    }
    let n = predictions.len().max(1) as f64;
    (0..bins).map(|b| (sum_p[b] - sum_y[b]).abs()).sum::<f64>() / n
}

/// All metrics at once.
pub fn metrics(predictions: &[f64], labels: &[bool]) -> Metrics {
    let n = predictions.len().max(1) as f64;
    let accuracy = predictions
        .iter()
        .zip(labels)
        .filter(|&(&p, &y)| (p >= 0.5) == y)
        .count() as f64
        / n;
    let log_loss = -predictions
        .iter()
        .zip(labels)
        .map(|(&p, &y)| {
            let p = p.clamp(1e-15, 1.0 - 1e-15);
            if y { p.ln() } else { (1.0 - p).ln() }
        })
        .sum::<f64>()
        / n;
    Metrics {
        auc: auc(predictions, labels),
        rmse: rmse(predictions, labels),
        accuracy,
        log_loss,
        calibration_error: calibration_error(predictions, labels, 10),
        count: predictions.len(),
    }
}

/// Replays every test student through a fresh online state; returns predictions and
/// answers in student order, then answer order.
pub fn predict_sequences(model: &dyn LearnerModel, test: &[Sequence]) -> (Vec<f64>, Vec<bool>) {
    let per_student: Vec<(Vec<f64>, Vec<bool>)> = test
        .par_iter()
        .map(|seq| {
            let mut student = model.new_student();
            let mut p = Vec::with_capacity(seq.attempts.len());
            let mut y = Vec::with_capacity(seq.attempts.len());
            for a in &seq.attempts {
                p.push(student.predict(a.item, &a.skills));
                y.push(a.correct);
                student.update(a.item, &a.skills, a.correct);
            }
            (p, y)
        })
        .collect();
    let mut p = Vec::new();
    let mut y = Vec::new();
    for (ps, ys) in per_student {
        p.extend(ps);
        y.extend(ys);
    }
    (p, y)
}

/// One model on one fold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FoldResult {
    pub metrics: Metrics,
    pub fit_seconds: f64,
    pub predict_seconds: f64,
}

/// Fits `kind` on `train` and scores it on `test`, timing both with `clock` (seconds).
pub fn evaluate_fold(
    kind: ModelKind,
    train: &[Sequence],
    test: &[Sequence],
    clock: &dyn Fn() -> f64,
) -> FoldResult {
    let t0 = clock();
    let model = kind.fit(train);
    let t1 = clock();
    let (p, y) = predict_sequences(model.as_ref(), test);
    let t2 = clock();
    FoldResult {
        metrics: metrics(&p, &y),
        fit_seconds: t1 - t0,
        predict_seconds: t2 - t1,
    }
}

/// Mean and sample standard deviation (0 for a single value).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    pub mean: f64,
    pub sd: f64,
}

impl Summary {
    pub fn of(values: &[f64]) -> Summary {
        let n = values.len() as f64;
        if values.is_empty() {
            return Summary {
                mean: f64::NAN,
                sd: f64::NAN,
            };
        }
        let mean = values.iter().sum::<f64>() / n;
        let sd = if values.len() < 2 {
            0.0
        } else {
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
        };
        Summary { mean, sd }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    #[test]
    fn auc_matches_hand_computed_values() {
        // Perfect and reversed rankings.
        close(auc(&[0.1, 0.2, 0.8, 0.9], &[false, false, true, true]), 1.0);
        close(auc(&[0.9, 0.8, 0.2, 0.1], &[false, false, true, true]), 0.0);
        // Pairs (pos, neg): positives 0.8, 0.4; negatives 0.6, 0.2.
        // 0.8>0.6 ✓, 0.8>0.2 ✓, 0.4<0.6 ✗, 0.4>0.2 ✓ → 3/4.
        close(
            auc(&[0.8, 0.6, 0.4, 0.2], &[true, false, true, false]),
            0.75,
        );
        // Ties: positives 0.5, 0.5, 0.9; negatives 0.5, 0.1.
        // vs 0.5: ½ + ½ + 1; vs 0.1: 1 + 1 + 1 → 5/6.
        close(
            auc(
                &[0.5, 0.5, 0.9, 0.5, 0.1],
                &[true, true, true, false, false],
            ),
            5.0 / 6.0,
        );
        // All tied: 0.5.
        close(auc(&[0.3; 4], &[true, false, true, false]), 0.5);
        assert!(auc(&[0.3, 0.4], &[true, true]).is_nan());
    }

    #[test]
    fn rmse_and_other_metrics_match_hand_computed_values() {
        // Errors 0.2, 0.4, 0.5, 0.1 → squares 0.04+0.16+0.25+0.01 = 0.46 → /4 = 0.115.
        let p = [0.8, 0.4, 0.5, 0.1];
        let y = [true, false, true, false];
        close(rmse(&p, &y), 0.115f64.sqrt());
        let m = metrics(&p, &y);
        // 0.8→1 ✓, 0.4→0 ✓, 0.5→1 ✓, 0.1→0 ✓.
        close(m.accuracy, 1.0);
        close(
            m.log_loss,
            -(0.8f64.ln() + 0.6f64.ln() + 0.5f64.ln() + 0.9f64.ln()) / 4.0,
        );
        // Bins: 0.1 (y=0) → |0.1|; 0.4 → |0.4|; 0.5 → |0.5-1|; 0.8 → |0.8-1|. Sum 1.2 / 4.
        close(m.calibration_error, 0.3);
    }

    #[test]
    fn summary_uses_the_sample_standard_deviation() {
        let s = Summary::of(&[1.0, 2.0, 3.0]);
        close(s.mean, 2.0);
        close(s.sd, 1.0);
        close(Summary::of(&[4.0]).sd, 0.0);
    }
}
