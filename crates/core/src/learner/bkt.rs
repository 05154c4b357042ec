//! Bayesian Knowledge Tracing: a two-state hidden Markov model per skill (not learned /
//! learned) with guess, slip, learning and optional forgetting, fitted by EM.
//!
//! It exists beside the default logistic model because its parameters are the vocabulary
//! teachers and the literature use, and its mastery is a real posterior probability of the
//! learned state. [`BktParams`] is the per-skill online update the web layer calls; [`fit`]
//! runs Baum–Welch per skill in parallel (rayon) for three variants ([`BktVariant`]).
//! Guess and slip are capped at 0.5 (the usual guard against the degenerate solution where
//! the "learned" state answers worse than the unlearned one).

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{LearnerModel, Sequence, StudentModel};

/// BKT parameters for one skill. `forget` is 0 for standard BKT.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BktParams {
    pub init: f64,
    pub learn: f64,
    pub forget: f64,
    pub guess: f64,
    pub slip: f64,
}

impl Default for BktParams {
    /// Sensible defaults for a new skill before any fitting (common values in the BKT
    /// literature for practice items with four options).
    fn default() -> Self {
        BktParams {
            init: 0.2,
            learn: 0.15,
            forget: 0.0,
            guess: 0.2,
            slip: 0.1,
        }
    }
}

impl BktParams {
    /// Probability of a correct answer given the current probability of mastery.
    pub fn predict_correct(&self, mastery: f64) -> f64 {
        mastery * (1.0 - self.slip) + (1.0 - mastery) * self.guess
    }

    /// Posterior mastery after observing one answer, then the learning/forgetting transition.
    pub fn update(&self, mastery: f64, correct: bool) -> f64 {
        let posterior = if correct {
            let num = mastery * (1.0 - self.slip);
            num / (num + (1.0 - mastery) * self.guess)
        } else {
            let num = mastery * self.slip;
            num / (num + (1.0 - mastery) * (1.0 - self.guess))
        };
        posterior * (1.0 - self.forget) + (1.0 - posterior) * self.learn
    }
}

/// Which BKT variant to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BktVariant {
    /// Four parameters per skill, no forgetting.
    Standard,
    /// Adds a per-skill forgetting probability.
    Forgetting,
    /// Guess and slip per (skill, item) (KT-IDEM), shrunk toward the skill's.
    ItemGuessSlip,
}

/// Version of the serialized [`BktFit`] layout.
pub const PARAMS_VERSION: u32 = 1;

/// Skills with fewer training answers keep [`BktParams::default`].
pub const MIN_ANSWERS: usize = 10;

/// Pseudo-answers pulling an item's guess and slip toward its skill's.
const ITEM_PRIOR: f64 = 10.0;
const MAX_ITER: usize = 200;
const TOL: f64 = 1e-7;

/// Guess and slip of one item within one skill.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ItemGuessSlip {
    pub skill: u32,
    pub item: u32,
    pub guess: f64,
    pub slip: f64,
}

/// Fitted BKT parameters for every skill, ready to serialize.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BktFit {
    pub version: u32,
    pub variant: BktVariant,
    /// Used for skills with too little data or unknown to the fit.
    pub default: BktParams,
    pub skills: BTreeMap<u32, BktParams>,
    /// Only for [`BktVariant::ItemGuessSlip`].
    pub items: Vec<ItemGuessSlip>,
}

/// One skill's fit: parameters, per-item guess/slip (indexed like the input's local item
/// ids) and the log-likelihood after each EM iteration.
#[derive(Debug, Clone, PartialEq)]
pub struct SkillFit {
    pub params: BktParams,
    pub items: Vec<(f64, f64)>,
    pub log_likelihood: Vec<f64>,
}

/// One skill's training data: its items (local index → item id) and, per student, the
/// sequence of (local item index, correct).
type SkillData = (Vec<u32>, Vec<Vec<(u32, bool)>>);

/// Fits every skill by EM, in parallel over skills. An attempt tagged with several skills
/// is an observation in each of their sequences.
pub fn fit(train: &[Sequence], variant: BktVariant) -> BktFit {
    // Per skill: per student sequence of (local item index, correct).
    let mut per_skill: HashMap<u32, SkillData> = HashMap::new();
    let mut local: HashMap<(u32, u32), u32> = HashMap::new();
    for seq in train {
        let mut started: Vec<u32> = Vec::new();
        for a in &seq.attempts {
            for &s in &a.skills {
                let entry = per_skill.entry(s).or_default();
                let next = entry.0.len() as u32;
                let li = *local.entry((s, a.item)).or_insert_with(|| {
                    entry.0.push(a.item);
                    next
                });
                if !started.contains(&s) {
                    started.push(s);
                    entry.1.push(Vec::new());
                }
                if let Some(v) = entry.1.last_mut() {
                    v.push((li, a.correct));
                }
            }
        }
    }
    let mut skills: Vec<(u32, SkillData)> = per_skill.into_iter().collect();
    skills.sort_unstable_by_key(|(s, _)| *s);
    let fitted: Vec<(u32, SkillFit, Vec<u32>)> = skills
        .into_par_iter()
        .filter(|(_, (_, seqs))| seqs.iter().map(Vec::len).sum::<usize>() >= MIN_ANSWERS)
        .map(|(s, (items, seqs))| (s, fit_skill(&seqs, items.len(), variant), items))
        .collect();
    let mut out = BktFit {
        version: PARAMS_VERSION,
        variant,
        default: BktParams::default(),
        skills: BTreeMap::new(),
        items: Vec::new(),
    };
    for (s, f, items) in fitted {
        out.skills.insert(s, f.params);
        if variant == BktVariant::ItemGuessSlip {
            for (li, &item) in items.iter().enumerate() {
                let (guess, slip) = f.items[li];
                out.items.push(ItemGuessSlip {
                    skill: s,
                    item,
                    guess,
                    slip,
                });
            }
        }
    }
    out
}

/// EM (Baum–Welch) for one skill. `sequences` hold (local item index < `items`, correct).
pub fn fit_skill(sequences: &[Vec<(u32, bool)>], items: usize, variant: BktVariant) -> SkillFit {
    let mut p = BktParams {
        init: 0.4,
        learn: 0.1,
        forget: if variant == BktVariant::Forgetting {
            0.05
        } else {
            0.0
        },
        guess: 0.2,
        slip: 0.1,
    };
    let per_item = variant == BktVariant::ItemGuessSlip;
    let mut item_gs = vec![(p.guess, p.slip); if per_item { items } else { 0 }];
    let mut trace = Vec::new();
    let mut alpha: Vec<[f64; 2]> = Vec::new();
    let mut scale: Vec<f64> = Vec::new();
    for _ in 0..MAX_ITER {
        let mut ll = 0.0;
        let (mut init_num, mut n_seq) = (0.0, 0.0);
        let (mut learn_num, mut learn_den, mut forget_num, mut forget_den) = (0.0, 0.0, 0.0, 0.0);
        let mut g_num = vec![0.0; items];
        let mut g_den = vec![0.0; items];
        let mut s_num = vec![0.0; items];
        let mut s_den = vec![0.0; items];
        let trans = [[1.0 - p.learn, p.learn], [p.forget, 1.0 - p.forget]];
        let emit = |item: u32, correct: bool| -> [f64; 2] {
            let (g, s) = if per_item {
                item_gs[item as usize]
            } else {
                (p.guess, p.slip)
            };
            if correct { [g, 1.0 - s] } else { [1.0 - g, s] }
        };
        for seq in sequences {
            if seq.is_empty() {
                continue;
            }
            alpha.clear();
            scale.clear();
            let mut prior = [1.0 - p.init, p.init];
            for &(item, correct) in seq {
                let e = emit(item, correct);
                let a = [prior[0] * e[0], prior[1] * e[1]];
                let c = a[0] + a[1];
                let f = [a[0] / c, a[1] / c];
                ll += c.ln();
                alpha.push(f);
                scale.push(c);
                prior = [
                    f[0] * trans[0][0] + f[1] * trans[1][0],
                    f[0] * trans[0][1] + f[1] * trans[1][1],
                ];
            }
            let mut beta = [1.0, 1.0];
            for t in (0..seq.len()).rev() {
                let gamma = [alpha[t][0] * beta[0], alpha[t][1] * beta[1]];
                let (item, correct) = seq[t];
                let i = if per_item { item as usize } else { 0 };
                g_den[i] += gamma[0];
                s_den[i] += gamma[1];
                if correct {
                    g_num[i] += gamma[0];
                } else {
                    s_num[i] += gamma[1];
                }
                if t == 0 {
                    init_num += gamma[1];
                    n_seq += 1.0;
                    break;
                }
                // Transition t-1 → t and the backward message for t-1.
                let e = emit(item, correct);
                let w = [e[0] * beta[0] / scale[t], e[1] * beta[1] / scale[t]];
                let prev = alpha[t - 1];
                learn_num += prev[0] * trans[0][1] * w[1];
                learn_den += prev[0] * (trans[0][0] * w[0] + trans[0][1] * w[1]);
                forget_num += prev[1] * trans[1][0] * w[0];
                forget_den += prev[1] * (trans[1][0] * w[0] + trans[1][1] * w[1]);
                beta = [
                    trans[0][0] * w[0] + trans[0][1] * w[1],
                    trans[1][0] * w[0] + trans[1][1] * w[1],
                ];
            }
        }
        trace.push(ll);
        let clamp = |v: f64, hi: f64| {
            if v.is_finite() {
                v.clamp(1e-6, hi)
            } else {
                1e-6
            }
        };
        p.init = clamp(init_num / n_seq, 1.0 - 1e-6);
        p.learn = clamp(learn_num / learn_den, 1.0 - 1e-6);
        if variant == BktVariant::Forgetting {
            p.forget = clamp(forget_num / forget_den, 1.0 - 1e-6);
        }
        let (gn, gd, sn, sd): (f64, f64, f64, f64) = (
            g_num.iter().sum(),
            g_den.iter().sum(),
            s_num.iter().sum(),
            s_den.iter().sum(),
        );
        p.guess = clamp(gn / gd, 0.5);
        p.slip = clamp(sn / sd, 0.5);
        if per_item {
            for i in 0..items {
                item_gs[i] = (
                    clamp(
                        (g_num[i] + ITEM_PRIOR * p.guess) / (g_den[i] + ITEM_PRIOR),
                        0.5,
                    ),
                    clamp(
                        (s_num[i] + ITEM_PRIOR * p.slip) / (s_den[i] + ITEM_PRIOR),
                        0.5,
                    ),
                );
            }
        }
        let n = trace.len();
        if n >= 2 && trace[n - 1] - trace[n - 2] < TOL * trace[n - 1].abs() {
            break;
        }
    }
    SkillFit {
        params: p,
        items: item_gs,
        log_likelihood: trace,
    }
}

/// A fitted BKT model with lookup tables.
#[derive(Debug, Clone)]
pub struct BktModel {
    fit: BktFit,
    skills: HashMap<u32, BktParams>,
    items: HashMap<(u32, u32), (f64, f64)>,
}

impl BktModel {
    pub fn new(fit: BktFit) -> Self {
        let skills = fit.skills.iter().map(|(&k, &v)| (k, v)).collect();
        let items = fit
            .items
            .iter()
            .map(|i| ((i.skill, i.item), (i.guess, i.slip)))
            .collect();
        BktModel { fit, skills, items }
    }

    pub fn params(&self) -> &BktFit {
        &self.fit
    }

    /// A fresh student with no history.
    pub fn student(&self) -> BktStudent<'_> {
        self.resume(HashMap::new())
    }

    /// A student whose stored per-skill mastery is `mastery` (see [`BktStudent::masteries`]).
    pub fn resume(&self, mastery: HashMap<u32, f64>) -> BktStudent<'_> {
        BktStudent {
            model: self,
            mastery,
        }
    }

    /// The parameters that apply to `item` within `skill`.
    fn params_for(&self, skill: u32, item: u32) -> BktParams {
        let mut p = self.skills.get(&skill).copied().unwrap_or(self.fit.default);
        if let Some(&(guess, slip)) = self.items.get(&(skill, item)) {
            p.guess = guess;
            p.slip = slip;
        }
        p
    }
}

impl LearnerModel for BktModel {
    fn new_student(&self) -> Box<dyn StudentModel + '_> {
        Box::new(self.student())
    }
}

/// One student's mastery per skill under a [`BktModel`]. A multi-skill attempt is
/// predicted as the mean of its skills' predictions and updates each skill.
#[derive(Debug, Clone)]
pub struct BktStudent<'m> {
    model: &'m BktModel,
    mastery: HashMap<u32, f64>,
}

impl BktStudent<'_> {
    /// Mastery of every skill practised so far: the whole online state, to store.
    pub fn masteries(&self) -> &HashMap<u32, f64> {
        &self.mastery
    }
}

impl StudentModel for BktStudent<'_> {
    fn predict(&self, item: u32, skills: &[u32]) -> f64 {
        if skills.is_empty() {
            let d = self.model.fit.default;
            return d.predict_correct(d.init);
        }
        let sum: f64 = skills
            .iter()
            .map(|&s| {
                let p = self.model.params_for(s, item);
                p.predict_correct(self.mastery.get(&s).copied().unwrap_or(p.init))
            })
            .sum();
        sum / skills.len() as f64
    }

    fn update(&mut self, item: u32, skills: &[u32], correct: bool) {
        for &s in skills {
            let p = self.model.params_for(s, item);
            let m = self.mastery.entry(s).or_insert(p.init);
            *m = p.update(*m, correct);
        }
    }

    fn mastery(&self, skill: u32) -> f64 {
        self.mastery.get(&skill).copied().unwrap_or_else(|| {
            self.model
                .skills
                .get(&skill)
                .copied()
                .unwrap_or(self.model.fit.default)
                .init
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learner::Attempt;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn forward_pass_matches_a_worked_example() {
        let p = BktParams {
            init: 0.3,
            learn: 0.2,
            forget: 0.0,
            guess: 0.1,
            slip: 0.2,
        };
        // P(correct) = 0.3·0.8 + 0.7·0.1 = 0.31.
        assert!((p.predict_correct(0.3) - 0.31).abs() < 1e-12);
        // After a correct answer: 0.24/0.31 = 0.7741935; + 0.2258065·0.2 = 0.8193548.
        let m = p.update(0.3, true);
        assert!((m - 0.819_354_839).abs() < 1e-8, "{m}");
        // P(correct) = 0.8193548·0.8 + 0.1806452·0.1 = 0.6735484.
        assert!((p.predict_correct(m) - 0.673_548_387).abs() < 1e-8);
        // After a wrong answer: 0.1638710/(0.1638710+0.1625806) = 0.5019763;
        // + 0.4980237·0.2 = 0.6015810.
        let m = p.update(m, false);
        assert!((m - 0.601_581_028).abs() < 1e-8, "{m}");
    }

    fn simulate(truth: BktParams, students: usize, len: usize, seed: u64) -> Vec<Vec<(u32, bool)>> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..students)
            .map(|_| {
                let mut learned = rng.random_bool(truth.init);
                (0..len)
                    .map(|_| {
                        let correct = if learned {
                            !rng.random_bool(truth.slip)
                        } else {
                            rng.random_bool(truth.guess)
                        };
                        learned = if learned {
                            !rng.random_bool(truth.forget)
                        } else {
                            rng.random_bool(truth.learn)
                        };
                        (0, correct)
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn em_never_decreases_the_likelihood() {
        for (seed, variant) in [(1, BktVariant::Standard), (2, BktVariant::Forgetting)] {
            let truth = BktParams {
                init: 0.25,
                learn: 0.2,
                forget: 0.03,
                guess: 0.25,
                slip: 0.15,
            };
            let data = simulate(truth, 300, 15, seed);
            let f = fit_skill(&data, 1, variant);
            assert!(f.log_likelihood.len() > 3);
            for w in f.log_likelihood.windows(2) {
                assert!(w[1] >= w[0] - 1e-9 * w[0].abs(), "{:?}", f.log_likelihood);
            }
        }
    }

    #[test]
    fn em_recovers_generating_parameters() {
        let truth = BktParams {
            init: 0.3,
            learn: 0.15,
            forget: 0.0,
            guess: 0.2,
            slip: 0.1,
        };
        let data = simulate(truth, 3000, 20, 7);
        let p = fit_skill(&data, 1, BktVariant::Standard).params;
        for (got, want) in [
            (p.init, truth.init),
            (p.learn, truth.learn),
            (p.guess, truth.guess),
            (p.slip, truth.slip),
        ] {
            assert!((got - want).abs() < 0.03, "{p:?}");
        }
    }

    #[test]
    fn fits_every_skill_and_serializes() {
        let truth = BktParams {
            init: 0.3,
            learn: 0.15,
            forget: 0.0,
            guess: 0.2,
            slip: 0.1,
        };
        let seqs: Vec<Sequence> = simulate(truth, 500, 20, 3)
            .into_iter()
            .enumerate()
            .map(|(i, s)| Sequence {
                student: i.to_string(),
                attempts: s
                    .into_iter()
                    .enumerate()
                    .map(|(t, (_, correct))| Attempt {
                        item: (t % 3) as u32,
                        skills: vec![(i % 2) as u32],
                        correct,
                        timestamp: None,
                    })
                    .collect(),
            })
            .collect();
        let f = fit(&seqs, BktVariant::ItemGuessSlip);
        assert_eq!(f.skills.len(), 2);
        assert_eq!(f.items.len(), 6);
        let back: BktFit = serde_json::from_str(&serde_json::to_string(&f).unwrap()).unwrap();
        assert_eq!(back.skills.len(), f.skills.len());
        assert!((back.skills[&0].learn - f.skills[&0].learn).abs() < 1e-12);
        let model = BktModel::new(f);
        let mut s = model.student();
        let before = s.mastery(0);
        s.update(0, &[0], true);
        assert!(s.mastery(0) > before);
        assert!(s.predict(1, &[0, 1]) > 0.0);
    }
}
