//! Learner models (SPEC C2): given a student's earlier answers, how likely are they to
//! answer this item correctly, and how well do they master each skill?
//!
//! Every model is split in two halves, because the product uses them in two places:
//!
//! * a **fitted model** ([`LearnerModel`]), built offline from the event log of many
//!   students (`fit(&[Sequence]) -> Params`), whose parameters are plain serde values the
//!   product stores as JSON next to a version number and falls back to defaults for skills
//!   and items that had too little data;
//! * a **per-student online state** ([`StudentModel`]) that predicts the next answer and is
//!   updated after every answer in microseconds.
//!
//! Models: [`bkt`] (Bayesian Knowledge Tracing fitted by EM, three variants), [`logistic`]
//! (the default model, and Performance Factors Analysis as a restricted feature set of the
//! same machinery), and [`elo`] (an IRT/Elo model). [`eval`] runs the published
//! five-fold protocol and computes the metrics; [`datasets`] parses the public datasets and
//! Ownpace's own event export. [`ModelKind`] names every model for the command line.
//!
//! "Mastery" is each model's own notion, always in [0, 1]: BKT's posterior probability of
//! the learned state; for the logistic and Elo models, the predicted probability of a
//! correct answer on an item of average difficulty for that skill given the history so far
//! (see the model's module docs).

pub mod bkt;
pub mod datasets;
pub mod elo;
pub mod eval;
pub mod fitted;
mod lbfgs;
pub mod logistic;

use serde::{Deserialize, Serialize};

/// One answer (or, after [`merge_repeats`], one attempt at a problem tagged with several
/// skills). Items and skills are dense-ish numeric ids; the event-export reader maps the
/// product's string ids to numbers through [`datasets::IdMap`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    pub item: u32,
    pub skills: Vec<u32>,
    pub correct: bool,
    /// Unix seconds, when the source has it (the research datasets do not).
    pub timestamp: Option<i64>,
}

/// One student's answers in the order they were given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sequence {
    pub student: String,
    pub attempts: Vec<Attempt>,
}

/// The merged protocol: consecutive rows of the same item within a student's sequence
/// become one attempt tagged with the union of their skills (the datasets expand a
/// multi-skill problem into one row per skill, all with the same answer). The first row's
/// correctness is kept.
pub fn merge_repeats(sequences: &[Sequence]) -> Vec<Sequence> {
    sequences
        .iter()
        .map(|seq| {
            let mut attempts: Vec<Attempt> = Vec::with_capacity(seq.attempts.len());
            for a in &seq.attempts {
                match attempts.last_mut() {
                    Some(prev) if prev.item == a.item => {
                        for &s in &a.skills {
                            if !prev.skills.contains(&s) {
                                prev.skills.push(s);
                            }
                        }
                    }
                    _ => attempts.push(a.clone()),
                }
            }
            Sequence {
                student: seq.student.clone(),
                attempts,
            }
        })
        .collect()
}

/// A student's online state under one fitted model.
pub trait StudentModel: Send {
    /// P(correct) on `item` (tagged with `skills`) given only the answers seen so far.
    fn predict(&self, item: u32, skills: &[u32]) -> f64;
    /// Records an answer.
    fn update(&mut self, item: u32, skills: &[u32], correct: bool);
    /// Mastery of `skill` in [0, 1] (see the module docs for each model's definition).
    fn mastery(&self, skill: u32) -> f64;
}

/// A fitted model, shared read-only by every student's online state.
pub trait LearnerModel: Send + Sync {
    fn new_student(&self) -> Box<dyn StudentModel + '_>;
}

/// Every model the evaluation knows, by command-line name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModelKind {
    /// The default: [`logistic`] with every feature.
    Logistic,
    /// [`logistic`] restricted to item, skill and log history counts (the README baseline).
    LogisticPlain,
    /// Performance Factors Analysis.
    Pfa,
    /// IRT/Elo: item difficulty fitted offline, student ability online.
    Elo,
    /// Standard BKT (no forgetting).
    Bkt,
    /// BKT with forgetting.
    BktForget,
    /// BKT with item-level guess and slip (KT-IDEM).
    BktItem,
}

impl ModelKind {
    pub const ALL: [ModelKind; 7] = [
        ModelKind::Logistic,
        ModelKind::LogisticPlain,
        ModelKind::Pfa,
        ModelKind::Elo,
        ModelKind::Bkt,
        ModelKind::BktForget,
        ModelKind::BktItem,
    ];
    pub const DEFAULT: ModelKind = ModelKind::Logistic;

    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Logistic => "logistic",
            ModelKind::LogisticPlain => "logistic-plain",
            ModelKind::Pfa => "pfa",
            ModelKind::Elo => "elo",
            ModelKind::Bkt => "bkt",
            ModelKind::BktForget => "bkt-forget",
            ModelKind::BktItem => "bkt-item",
        }
    }

    pub fn from_name(name: &str) -> Option<ModelKind> {
        ModelKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Fits this model on `train` and returns it behind the common trait.
    pub fn fit(self, train: &[Sequence]) -> Box<dyn LearnerModel> {
        match self {
            ModelKind::Logistic => Box::new(logistic::LogisticModel::new(logistic::fit(
                train,
                &logistic::FitOptions::default(),
            ))),
            ModelKind::LogisticPlain => Box::new(logistic::LogisticModel::new(logistic::fit(
                train,
                &logistic::FitOptions::plain(),
            ))),
            ModelKind::Pfa => Box::new(logistic::LogisticModel::new(logistic::fit(
                train,
                &logistic::FitOptions::pfa(),
            ))),
            ModelKind::Elo => Box::new(elo::EloModel::new(elo::fit(
                train,
                &elo::EloOptions::default(),
            ))),
            ModelKind::Bkt => Box::new(bkt::BktModel::new(bkt::fit(
                train,
                bkt::BktVariant::Standard,
            ))),
            ModelKind::BktForget => Box::new(bkt::BktModel::new(bkt::fit(
                train,
                bkt::BktVariant::Forgetting,
            ))),
            ModelKind::BktItem => Box::new(bkt::BktModel::new(bkt::fit(
                train,
                bkt::BktVariant::ItemGuessSlip,
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(item: u32, skill: u32, correct: bool) -> Attempt {
        Attempt {
            item,
            skills: vec![skill],
            correct,
            timestamp: None,
        }
    }

    #[test]
    fn merge_repeats_joins_consecutive_rows_of_one_item() {
        let seq = Sequence {
            student: "s".into(),
            attempts: vec![
                a(1, 10, true),
                a(1, 11, true),
                a(2, 10, false),
                a(1, 10, true),
            ],
        };
        let merged = merge_repeats(&[seq]);
        let at = &merged[0].attempts;
        assert_eq!(at.len(), 3);
        assert_eq!(at[0].skills, vec![10, 11]);
        assert_eq!(at[1].item, 2);
        assert_eq!(at[2].item, 1);
    }

    #[test]
    fn model_names_round_trip() {
        for k in ModelKind::ALL {
            assert_eq!(ModelKind::from_name(k.name()), Some(k));
        }
    }
}
