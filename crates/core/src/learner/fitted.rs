//! The learner models fitted on one school's own answers, as `ownpace fit` stores them and
//! the server loads them.
//!
//! The research models in this folder speak numeric ids; the product speaks course ids
//! (`"fractions/add-3"`). [`FittedModels`] bundles what the server needs in the product's
//! terms: the default logistic model with the [`IdMap`] that translates ids, and standard
//! BKT parameters per skill id for the mastery projection.
//!
//! Producing it (the CLI): [`fit_from_answers`] on the answer log, then
//! `serde_json::to_string` and `Store::save_model_params("default", …)`
//! ([`STORE_MODEL_NAME`]).
//!
//! Using it (the server), once at start from `Store::latest_model_params(STORE_MODEL_NAME)`:
//!
//! ```
//! use ownpace_core::learner::fitted::FittedModels;
//! # let stored: Option<(i64, String, i64, i64)> = None;
//! let fitted = match stored {
//!     Some((_version, json, _fitted_at, _answers)) => serde_json::from_str(&json)
//!         .unwrap_or_else(|_error| FittedModels::none()), // log the error
//!     None => FittedModels::none(),
//! };
//! // The mastery projection's `params_for`: fitted, or `BktParams::default()`.
//! let params = fitted.bkt_params("add-like-denominators");
//! # assert_eq!(params, Default::default());
//! ```
//!
//! Deserializing rebuilds the lookup tables and rejects layouts this build does not know
//! ([`FittedError`]), so a loaded value is ready to use. A stored fit that does not load
//! (written by another version of Ownpace) should be logged and replaced by
//! [`FittedModels::none`] until the next `ownpace fit`, never stop the server. Skills with
//! fewer answers than the fit's minimum have no BKT entry and get [`BktParams::default`];
//! fitted BKT parameters are clamped ([`clamp_bkt`]) so mastery stays reachable whatever
//! the data looked like.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::bkt::{self, BktParams, BktVariant};
use super::datasets::IdMap;
use super::logistic::{self, FitOptions, LogisticModel, LogisticParams};
use super::{Attempt, Sequence, StudentModel};

/// Version of the serialized [`FittedModels`] layout.
pub const FITTED_VERSION: u32 = 1;

/// The `model` name under which the CLI stores the bundle and the server loads it.
pub const STORE_MODEL_NAME: &str = "default";

/// Skills with fewer answers than this keep [`BktParams::default`] (`ownpace fit
/// --min-answers` changes it).
pub const DEFAULT_MIN_ANSWERS_PER_SKILL: usize = 50;

/// The sane ranges fitted BKT parameters are clamped into.
pub const MAX_GUESS: f64 = 0.3;
pub const MAX_SLIP: f64 = 0.3;
pub const MIN_LEARN: f64 = 0.01;
/// Guess and slip never reach 0: one answer must not make mastery certain or erase it.
pub const MIN_GUESS_SLIP: f64 = 0.01;
/// A fitted prior stays below the mastery threshold: mastery is shown by answers.
pub const MAX_INIT: f64 = 0.9;
pub const MIN_INIT: f64 = 0.01;

/// One answer to fit on: `(student, item, skills, correct, time)`; time in any monotonic
/// unit (the product passes milliseconds), used only for ordering.
pub type FitAnswer<'a> = (&'a str, &'a str, &'a [String], bool, i64);

/// A stored fit that this build cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FittedError {
    #[error(
        "the fitted parameters use layout {found}, this version of Ownpace reads layout \
         {supported}; run `ownpace fit` again"
    )]
    UnsupportedLayout { found: u32, supported: u32 },
    #[error(
        "the fitted logistic parameters use layout {found}, this version of Ownpace reads \
         layout {supported}; run `ownpace fit` again"
    )]
    UnsupportedLogisticLayout { found: u32, supported: u32 },
}

/// The stored form (see [`FittedModels`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    version: u32,
    ids: IdMap,
    logistic: LogisticParams,
    bkt: BTreeMap<String, BktParams>,
    answers_used: usize,
    students: usize,
    skills_with_data: usize,
    min_answers_per_skill: usize,
}

/// The default logistic model and per-skill BKT, fitted on one school's answers, keyed by
/// the product's string ids. Read-only once built: build it with [`fit_from_answers`] or
/// by deserializing (which checks the layout and rebuilds the lookup tables).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "Stored", into = "Stored")]
pub struct FittedModels {
    version: u32,
    ids: IdMap,
    logistic: LogisticModel,
    bkt: BTreeMap<String, BktParams>,
    answers_used: usize,
    students: usize,
    skills_with_data: usize,
    min_answers_per_skill: usize,
}

impl TryFrom<Stored> for FittedModels {
    type Error = FittedError;

    fn try_from(mut s: Stored) -> Result<Self, FittedError> {
        if s.version != FITTED_VERSION {
            return Err(FittedError::UnsupportedLayout {
                found: s.version,
                supported: FITTED_VERSION,
            });
        }
        if s.logistic.version != logistic::PARAMS_VERSION {
            return Err(FittedError::UnsupportedLogisticLayout {
                found: s.logistic.version,
                supported: logistic::PARAMS_VERSION,
            });
        }
        s.ids.reindex();
        Ok(FittedModels {
            version: s.version,
            ids: s.ids,
            logistic: LogisticModel::new(s.logistic),
            bkt: s.bkt,
            answers_used: s.answers_used,
            students: s.students,
            skills_with_data: s.skills_with_data,
            min_answers_per_skill: s.min_answers_per_skill,
        })
    }
}

impl From<FittedModels> for Stored {
    fn from(f: FittedModels) -> Stored {
        Stored {
            version: f.version,
            ids: f.ids,
            logistic: f.logistic.params().clone(),
            bkt: f.bkt,
            answers_used: f.answers_used,
            students: f.students,
            skills_with_data: f.skills_with_data,
            min_answers_per_skill: f.min_answers_per_skill,
        }
    }
}

/// Fits the default logistic model on every answer and standard BKT on each skill with at
/// least `min_answers_per_skill` answers (an answer tagged with several skills counts for
/// each). Answers may come in any order: they are grouped per student and ordered by time
/// (stable for equal times).
pub fn fit_from_answers(answers: &[FitAnswer<'_>], min_answers_per_skill: usize) -> FittedModels {
    let mut ids = IdMap::default();
    let mut order: Vec<&str> = Vec::new();
    let mut by_student: HashMap<&str, Vec<(i64, Attempt)>> = HashMap::new();
    for &(student, item, skills, correct, time) in answers {
        let mut skill_ids = Vec::with_capacity(skills.len());
        for s in skills {
            let id = ids.skill(s);
            if !skill_ids.contains(&id) {
                skill_ids.push(id);
            }
        }
        let attempt = Attempt {
            item: ids.item(item),
            skills: skill_ids,
            correct,
            timestamp: None,
        };
        by_student
            .entry(student)
            .or_insert_with(|| {
                order.push(student);
                Vec::new()
            })
            .push((time, attempt));
    }
    let sequences: Vec<Sequence> = order
        .iter()
        .map(|&student| {
            let mut attempts = by_student.remove(student).unwrap_or_default();
            attempts.sort_by_key(|(time, _)| *time);
            Sequence {
                student: student.to_string(),
                attempts: attempts.into_iter().map(|(_, a)| a).collect(),
            }
        })
        .collect();

    let logistic = logistic::fit(&sequences, &FitOptions::default());
    let bkt = fit_bkt(&sequences, &ids, min_answers_per_skill.max(1));
    FittedModels {
        version: FITTED_VERSION,
        answers_used: answers.len(),
        students: sequences.len(),
        skills_with_data: bkt.len(),
        min_answers_per_skill,
        ids,
        logistic: LogisticModel::new(logistic),
        bkt,
    }
}

/// Standard BKT by EM for every skill with enough answers, in parallel over skills.
fn fit_bkt(sequences: &[Sequence], ids: &IdMap, min_answers: usize) -> BTreeMap<String, BktParams> {
    // Per skill, per student: the answers on that skill in order.
    let mut per_skill: Vec<Vec<Vec<(u32, bool)>>> = vec![Vec::new(); ids.skills.len()];
    for seq in sequences {
        let mut started: HashMap<u32, usize> = HashMap::new();
        for a in &seq.attempts {
            for &s in &a.skills {
                let student_seqs = &mut per_skill[s as usize];
                let at = *started.entry(s).or_insert_with(|| {
                    student_seqs.push(Vec::new());
                    student_seqs.len() - 1
                });
                student_seqs[at].push((0, a.correct));
            }
        }
    }
    per_skill
        .into_par_iter()
        .enumerate()
        .filter(|(_, seqs)| seqs.iter().map(Vec::len).sum::<usize>() >= min_answers)
        .map(|(s, seqs)| {
            let fit = bkt::fit_skill(&seqs, 1, BktVariant::Standard);
            (ids.skills[s].clone(), clamp_bkt(fit.params))
        })
        .collect()
}

/// Clamps fitted BKT parameters into sane ranges: guess and slip in [0.01, 0.3] (above,
/// answers say little about the state; at 0, one answer would make mastery certain or
/// erase it), learning at least 0.01 (so practice can reach mastery), the prior in
/// [0.01, 0.9] and no forgetting (standard BKT).
pub fn clamp_bkt(p: BktParams) -> BktParams {
    let finite = |v: f64, fallback: f64| if v.is_finite() { v } else { fallback };
    let d = BktParams::default();
    BktParams {
        init: finite(p.init, d.init).clamp(MIN_INIT, MAX_INIT),
        learn: finite(p.learn, d.learn).clamp(MIN_LEARN, 1.0),
        forget: 0.0,
        guess: finite(p.guess, d.guess).clamp(MIN_GUESS_SLIP, MAX_GUESS),
        slip: finite(p.slip, d.slip).clamp(MIN_GUESS_SLIP, MAX_SLIP),
    }
}

impl FittedModels {
    /// A bundle fitted on nothing: every prediction is the logistic model's population
    /// default and every skill uses [`BktParams::default`]. For a server with no stored fit.
    pub fn none() -> FittedModels {
        fit_from_answers(&[], DEFAULT_MIN_ANSWERS_PER_SKILL)
    }

    /// The BKT parameters for `skill`: fitted when the skill had enough answers, otherwise
    /// [`BktParams::default`]. This is what the mastery projection (`record_answer`,
    /// `rebuild_mastery`'s `params_for`) should use.
    pub fn bkt_params(&self, skill: &str) -> BktParams {
        self.bkt.get(skill).copied().unwrap_or_default()
    }

    /// The logistic model's P(correct) on `item` (tagged with `skills`) for a student whose
    /// earlier answers, oldest first, are `history` (item, skills, correct). Items and
    /// skills the fit never saw get no parameters of their own (population average), but
    /// the student's history on them still counts.
    pub fn predict(
        &self,
        history: &[(&str, &[String], bool)],
        item: &str,
        skills: &[String],
    ) -> f64 {
        let mut unknown = Unknown::new(&self.ids);
        let mut student = self.logistic.student();
        for &(h_item, h_skills, correct) in history {
            let i = unknown.item(h_item);
            let s = unknown.skills(h_skills);
            student.update(i, &s, correct);
        }
        let i = unknown.item(item);
        let s = unknown.skills(skills);
        student.predict(i, &s)
    }

    /// The fitted BKT parameters by skill id (skills absent here use the defaults).
    pub fn bkt(&self) -> &BTreeMap<String, BktParams> {
        &self.bkt
    }

    /// The fitted logistic parameters (numeric ids, see [`FittedModels::ids`]).
    pub fn logistic(&self) -> &LogisticParams {
        self.logistic.params()
    }

    /// The translation between the product's ids and the logistic model's numbers.
    pub fn ids(&self) -> &IdMap {
        &self.ids
    }

    /// Layout version ([`FITTED_VERSION`]); the stored row's version numbers the fits.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// Answers the fit saw.
    pub fn answers_used(&self) -> usize {
        self.answers_used
    }

    /// Students whose answers the fit saw.
    pub fn students(&self) -> usize {
        self.students
    }

    /// Skills that had enough answers for their own BKT parameters.
    pub fn skills_with_data(&self) -> usize {
        self.skills_with_data
    }

    /// Every skill seen in the answers, fitted or not.
    pub fn skills_seen(&self) -> usize {
        self.ids.skills.len()
    }

    /// The minimum number of answers a skill needed for its own BKT parameters.
    pub fn min_answers_per_skill(&self) -> usize {
        self.min_answers_per_skill
    }
}

/// Numeric ids for one prediction: known ids from the fit, fresh numbers (beyond the fit's)
/// for unknown ones, so distinct unknown skills keep distinct histories.
struct Unknown<'a> {
    ids: &'a IdMap,
    items: HashMap<String, u32>,
    skills: HashMap<String, u32>,
}

impl<'a> Unknown<'a> {
    fn new(ids: &'a IdMap) -> Self {
        Unknown {
            ids,
            items: HashMap::new(),
            skills: HashMap::new(),
        }
    }

    fn item(&mut self, name: &str) -> u32 {
        if let Some(i) = self.ids.find_item(name) {
            return i;
        }
        let next = (self.ids.items.len() + self.items.len()) as u32;
        *self.items.entry(name.to_string()).or_insert(next)
    }

    fn skills(&mut self, names: &[String]) -> Vec<u32> {
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            let id = match self.ids.find_skill(name) {
                Some(s) => s,
                None => {
                    let next = (self.ids.skills.len() + self.skills.len()) as u32;
                    *self.skills.entry(name.clone()).or_insert(next)
                }
            };
            if !out.contains(&id) {
                out.push(id);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Owned answers: (student, item, skills, correct, time).
    type Row = (String, String, Vec<String>, bool, i64);

    fn borrowed(rows: &[Row]) -> Vec<FitAnswer<'_>> {
        rows.iter()
            .map(|(s, i, k, c, t)| (s.as_str(), i.as_str(), k.as_slice(), *c, *t))
            .collect()
    }

    /// Students answering items of `skill` under BKT with `truth`.
    fn simulate(
        truth: BktParams,
        skill: &str,
        students: usize,
        len: usize,
        rng: &mut ChaCha8Rng,
    ) -> Vec<Row> {
        let mut rows = Vec::new();
        for s in 0..students {
            let mut learned = rng.random_bool(truth.init);
            for t in 0..len {
                let correct = if learned {
                    !rng.random_bool(truth.slip)
                } else {
                    rng.random_bool(truth.guess)
                };
                if !learned {
                    learned = rng.random_bool(truth.learn);
                }
                rows.push((
                    format!("student-{s}"),
                    format!("{skill}-item-{}", t % 4),
                    vec![skill.to_string()],
                    correct,
                    t as i64 * 1_000,
                ));
            }
        }
        rows
    }

    const TRUTH: BktParams = BktParams {
        init: 0.3,
        learn: 0.15,
        forget: 0.0,
        guess: 0.2,
        slip: 0.1,
    };

    #[test]
    fn recovers_bkt_parameters_from_synthetic_answers() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut rows = simulate(TRUTH, "fractions/add", 1500, 20, &mut rng);
        // Shuffled: the fit must restore each student's time order itself.
        for i in (1..rows.len()).rev() {
            let j = rng.random_range(0..=i);
            rows.swap(i, j);
        }
        let fitted = fit_from_answers(&borrowed(&rows), DEFAULT_MIN_ANSWERS_PER_SKILL);
        assert_eq!(fitted.answers_used(), 30_000);
        assert_eq!(fitted.students(), 1500);
        assert_eq!(fitted.skills_with_data(), 1);
        let p = fitted.bkt_params("fractions/add");
        for (got, want, name) in [
            (p.init, TRUTH.init, "init"),
            (p.learn, TRUTH.learn, "learn"),
            (p.guess, TRUTH.guess, "guess"),
            (p.slip, TRUTH.slip, "slip"),
        ] {
            assert!((got - want).abs() < 0.04, "{name}: {got} vs {want} ({p:?})");
        }
    }

    #[test]
    fn thin_and_unknown_skills_fall_back_to_defaults() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut rows = simulate(TRUTH, "rich", 20, 10, &mut rng); // 200 answers
        rows.extend(simulate(TRUTH, "thin", 4, 10, &mut rng)); // 40 answers
        let fitted = fit_from_answers(&borrowed(&rows), 50);
        assert_eq!(fitted.skills_seen(), 2);
        assert_eq!(fitted.skills_with_data(), 1);
        assert!(fitted.bkt().contains_key("rich"));
        assert_eq!(fitted.bkt_params("thin"), BktParams::default());
        assert_eq!(fitted.bkt_params("never-seen"), BktParams::default());
        // A lower minimum fits the thin skill too.
        let lenient = fit_from_answers(&borrowed(&rows), 40);
        assert_eq!(lenient.skills_with_data(), 2);
        assert!(lenient.bkt().contains_key("thin"));
    }

    #[test]
    fn fitted_bkt_parameters_stay_in_sane_ranges() {
        // Everyone answers everything correctly from the start: unclamped EM would put
        // the prior at 1 and learning near 0.
        let rows: Vec<Row> = (0..30)
            .flat_map(|s| {
                (0..5).map(move |t| {
                    (
                        format!("s{s}"),
                        "q".to_string(),
                        vec!["easy".to_string()],
                        true,
                        t,
                    )
                })
            })
            .collect();
        let p = fit_from_answers(&borrowed(&rows), 10).bkt_params("easy");
        assert!(p.guess <= MAX_GUESS && p.slip >= MIN_GUESS_SLIP, "{p:?}");
        assert!(p.learn >= MIN_LEARN && p.init <= MAX_INIT, "{p:?}");
        assert_eq!(p.forget, 0.0);
        let wild = clamp_bkt(BktParams {
            init: 1.0,
            learn: 0.0,
            forget: 0.2,
            guess: 0.5,
            slip: f64::NAN,
        });
        assert_eq!(
            wild,
            BktParams {
                init: MAX_INIT,
                learn: MIN_LEARN,
                forget: 0.0,
                guess: MAX_GUESS,
                slip: BktParams::default().slip,
            }
        );
        let certain = clamp_bkt(BktParams {
            guess: 0.0,
            slip: 0.0,
            ..BktParams::default()
        });
        assert_eq!(
            (certain.guess, certain.slip),
            (MIN_GUESS_SLIP, MIN_GUESS_SLIP)
        );
    }

    #[test]
    fn predicts_with_history_and_survives_json() {
        let mut rng = ChaCha8Rng::seed_from_u64(8);
        let mut rows = simulate(TRUTH, "a", 200, 15, &mut rng);
        rows.extend(simulate(TRUTH, "b", 200, 15, &mut rng));
        let fitted = fit_from_answers(&borrowed(&rows), 50);
        let a = vec!["a".to_string()];
        let fresh = fitted.predict(&[], "a-item-1", &a);
        let right: Vec<(&str, &[String], bool)> = vec![("a-item-0", &a, true); 4];
        let wrong: Vec<(&str, &[String], bool)> = vec![("a-item-0", &a, false); 4];
        let after_right = fitted.predict(&right, "a-item-1", &a);
        let after_wrong = fitted.predict(&wrong, "a-item-1", &a);
        assert!(
            after_wrong < fresh && fresh < after_right,
            "{after_wrong} {fresh} {after_right}"
        );
        // Unknown items and skills: a probability, moved by the history on them.
        let new = vec!["new-skill".to_string()];
        let unknown = fitted.predict(&[], "new-item", &new);
        assert!(unknown > 0.0 && unknown < 1.0);

        let json = serde_json::to_string(&fitted).unwrap();
        let back: FittedModels = serde_json::from_str(&json).unwrap();
        assert_eq!(back.version(), FITTED_VERSION);
        // serde_json may round the last bit of a float: equal up to that.
        let close = |x: f64, y: f64| (x - y).abs() <= 1e-12;
        assert_eq!(back.bkt().len(), fitted.bkt().len());
        for (skill, p) in fitted.bkt() {
            let q = back.bkt_params(skill);
            assert!(close(p.init, q.init) && close(p.learn, q.learn), "{skill}");
            assert!(close(p.guess, q.guess) && close(p.slip, q.slip), "{skill}");
        }
        assert_eq!(back.answers_used(), fitted.answers_used());
        assert_eq!(back.ids().items, fitted.ids().items);
        assert_eq!(back.logistic().items.len(), fitted.logistic().items.len());
        // The lookup tables are rebuilt: the same predictions.
        assert!(close(back.predict(&right, "a-item-1", &a), after_right));
        assert!(close(back.predict(&[], "new-item", &new), unknown));

        // A layout from the future is refused with a message saying what to do.
        let future = json.replacen(
            &format!("\"version\":{FITTED_VERSION}"),
            "\"version\":99",
            1,
        );
        let err = serde_json::from_str::<FittedModels>(&future).unwrap_err();
        assert!(err.to_string().contains("run `ownpace fit` again"), "{err}");
    }

    #[test]
    fn an_empty_fit_uses_defaults_everywhere() {
        let none = FittedModels::none();
        assert_eq!(none.answers_used(), 0);
        assert_eq!(none.bkt_params("x"), BktParams::default());
        let p = none.predict(&[], "i", &["x".to_string()]);
        assert!(p > 0.0 && p < 1.0);
        let back: FittedModels =
            serde_json::from_str(&serde_json::to_string(&none).unwrap()).unwrap();
        assert_eq!(back.skills_seen(), 0);
    }
}
