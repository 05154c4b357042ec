//! The default learner model: a logistic regression over the item, its skills and the
//! student's history, in the family of Gervet et al. (2020) "Best-LR", plus recency and
//! ability features. Performance Factors Analysis is the same machinery with a restricted
//! feature set ([`FitOptions::pfa`]).
//!
//! Why this model: on the public datasets it beats BKT, PFA and Elo by a wide margin (see
//! `docs/learner-model.md`), every weight has a plain reading ("a correct answer on this
//! skill adds so much log-odds"), it is fitted in seconds by L-BFGS, and an online update
//! only increments a few counters, so it runs in well under a microsecond.
//!
//! P(correct) = σ(bias + item easiness + mean over skills of (skill easiness + per-skill
//! weights × log(1 + correct/wrong counts)) + Σ dense weights × dense features), with the
//! dense features ([`DENSE_FEATURES`]) computed from the student's earlier answers only:
//! overall and per-skill log counts; the last answer on each skill; exponentially decayed
//! correctness on each skill (fast and slow); whether a skill is new to the student; the
//! share correct in the last 5 and 10 answers; an ability estimate (mean residual of the
//! student's answers against each item's average correctness); whether the student met
//! this item before and how they did; whether the immediately previous answer was this same
//! item (a retry); and how many answers ago each skill was last practised (forgetting by
//! interference, since the public datasets have no timestamps); an Elo-style ability
//! (overall and per skill, in log-odds against the items' prior correctness); for
//! multi-skill attempts the number of skills and the min/max of the skill features. A
//! multi-skill attempt averages the skill terms over its skills.
//!
//! **Item-to-item transfer.** Each of the student's last [`MAX_PAIR_LAGS`] answers also
//! enters through a weight of its own per (earlier item, this item, how many answers back)
//! pair seen often enough in training, on the earlier answer's residual (correct minus the
//! earlier item's prior): how doing better than expected on step 3 of a problem bears on
//! step 4. By default each pair has two weights, one after a correct earlier answer and one
//! after a wrong one, so it also carries how having just met the earlier item shifts this
//! one ([`FitOptions::pair_split`]). This is what deep knowledge tracing learns from
//! sequences, kept linear and sparse; on data without problem ids (statics) it is worth
//! +0.006 AUC on folds it was not tuned on. The online state keeps those last answers, so
//! an update stays O(1).
//!
//! On top of the shared weights, a few dense features also get a weight per item
//! ([`DEFAULT_ITEM_SLOPES`]: the item's own learning rate on its skills' counts, and how
//! strongly the item separates able from weak and on-form from off-form students — a
//! discrimination, as in 2PL IRT) and per skill ([`DEFAULT_SKILL_SLOPES`]), all shrunk
//! toward zero by a Gaussian prior ([`FitOptions::l2_slope`]).
//!
//! **Mastery** of a skill is the predicted probability of a correct answer on an item of
//! average easiness for that skill, given the history so far, with no item-specific history.
//!
//! Parameters ([`LogisticParams`]) are plain serde values with a version; items and skills
//! seen fewer than [`FitOptions::min_count`] times in training get no parameters of their
//! own and fall back to zero offsets (the population average), as do unknown ones.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{LearnerModel, Sequence, StudentModel, lbfgs};

/// Version of the serialized [`LogisticParams`] layout.
pub const PARAMS_VERSION: u32 = 2;

/// Names of the dense history features, in order (also the keys of
/// [`LogisticParams::dense`]).
pub const DENSE_FEATURES: [&str; 57] = [
    "log_total_correct",
    "log_total_wrong",
    "log_skill_correct",
    "log_skill_wrong",
    "skill_last_correct",
    "skill_last_wrong",
    "skill_decayed_fast",
    "skill_decayed_slow",
    "skill_new",
    "recent5",
    "recent10",
    "ability",
    "item_before_correct",
    "item_before_wrong",
    "retry_after_correct",
    "retry_after_wrong",
    "log_skill_gap",
    "skill_ability",
    "skill_ability_decayed",
    "ability_decayed",
    "skill_streak_correct",
    "skill_streak_wrong",
    "streak_correct",
    "streak_wrong",
    "cell_c0_w0",
    "cell_c0_w1",
    "cell_c0_w2",
    "cell_c0_w3",
    "cell_c0_w4",
    "cell_c1_w0",
    "cell_c1_w1",
    "cell_c1_w2",
    "cell_c1_w3",
    "cell_c1_w4",
    "cell_c2_w0",
    "cell_c2_w1",
    "cell_c2_w2",
    "cell_c2_w3",
    "cell_c2_w4",
    "cell_c3_w0",
    "cell_c3_w1",
    "cell_c3_w2",
    "cell_c3_w3",
    "cell_c3_w4",
    "cell_c4_w0",
    "cell_c4_w1",
    "cell_c4_w2",
    "cell_c4_w3",
    "cell_c4_w4",
    "log_skill_count",
    "skill_slow_min",
    "skill_slow_max",
    "skill_ability_min",
    "skill_ability_max",
    "recent30",
    "elo_ability",
    "elo_skill_ability",
];
const D: usize = DENSE_FEATURES.len();
const ALL_DENSE: u64 = (1 << D) - 1;

impl FeatureSet {
    fn uses(&self, j: usize) -> bool {
        self.dense & (1 << j) != 0
    }
}

/// Which features a fit uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureSet {
    /// One easiness per item.
    pub item: bool,
    /// One easiness per skill.
    pub skill: bool,
    /// Per-skill weights on the skill's correct/wrong counts (PFA's γ and ρ).
    pub per_skill_counts: Option<CountScale>,
    /// Which of [`DENSE_FEATURES`] are used: bit j for feature j.
    pub dense: u64,
    /// Dense features that also get a per-item weight (bit j for feature j): item-specific
    /// learning rates and discriminations, shrunk toward zero by [`FitOptions::l2_slope`].
    #[serde(default)]
    pub item_slopes: u64,
    /// Dense features that also get a per-skill weight (bit j for feature j).
    #[serde(default)]
    pub skill_slopes: u64,
}

/// Dense features with a per-item weight in the default model: the item's own learning
/// rate (skill counts) and how strongly it separates able from weak and on-form from
/// off-form students (a discrimination, as in 2PL IRT).
pub const DEFAULT_ITEM_SLOPES: [&str; 7] = [
    "log_skill_correct",
    "log_skill_wrong",
    "recent10",
    "ability",
    "streak_correct",
    "streak_wrong",
    "elo_ability",
];

/// Dense features with a per-skill weight in the default model.
pub const DEFAULT_SKILL_SLOPES: [&str; 13] = [
    "skill_last_correct",
    "skill_last_wrong",
    "skill_decayed_fast",
    "skill_decayed_slow",
    "ability",
    "recent10",
    "skill_ability",
    "skill_streak_correct",
    "skill_streak_wrong",
    "streak_correct",
    "streak_wrong",
    "elo_ability",
    "elo_skill_ability",
];

/// The bit mask of the named [`DENSE_FEATURES`] (unknown names are ignored).
pub fn mask(names: &[&str]) -> u64 {
    DENSE_FEATURES
        .iter()
        .enumerate()
        .filter(|(_, n)| names.contains(n))
        .fold(0, |m, (j, _)| m | (1 << j))
}

/// Indices of the set bits of `mask`, lowest first.
fn bits(mask: u64) -> Vec<usize> {
    (0..64).filter(|j| mask & (1 << j) != 0).collect()
}

/// How counts enter the per-skill count features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CountScale {
    /// Raw counts (classic PFA).
    Raw,
    /// log(1 + count) (Best-LR).
    Log,
}

/// Fitting options.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FitOptions {
    pub features: FeatureSet,
    /// L2 penalty on every weight but the bias (per answer: the loss is a mean).
    pub l2: f64,
    /// L2 penalty on item easiness.
    pub l2_item: f64,
    /// L2 penalty on the per-item and per-skill slopes, as a total over the training set
    /// (a Gaussian prior of precision `l2_slope`): divided by the number of answers like the
    /// loss, so small training sets shrink the slopes harder than large ones.
    pub l2_slope: f64,
    pub max_iter: usize,
    /// Items and skills seen fewer times in training keep no parameters of their own.
    pub min_count: u32,
    /// Item-to-item transfer: how many of the student's previous answers (1 = only the
    /// last one) each get a weight per (earlier item, this item) pair, on the earlier
    /// answer's residual (correct − the earlier item's prior). 0 turns the pairs off.
    #[serde(default)]
    pub pair_lags: u8,
    /// Pairs seen fewer times in training get no weight.
    #[serde(default)]
    pub pair_min_count: u32,
    /// L2 penalty on the pair weights, as a total like [`FitOptions::l2_slope`].
    #[serde(default)]
    pub l2_pair: f64,
    /// Two weights per pair, one after a correct earlier answer and one after a wrong one,
    /// instead of one on the residual: the pair then also carries how having just met the
    /// earlier item shifts this one, whatever the answer (an order effect the item's own
    /// easiness cannot hold).
    #[serde(default)]
    pub pair_split: bool,
}

impl Default for FitOptions {
    /// The default model: every feature.
    fn default() -> Self {
        FitOptions {
            features: FeatureSet {
                item: true,
                skill: true,
                per_skill_counts: Some(CountScale::Log),
                dense: ALL_DENSE,
                item_slopes: mask(&DEFAULT_ITEM_SLOPES),
                skill_slopes: mask(&DEFAULT_SKILL_SLOPES),
            },
            l2: 3e-5,
            l2_item: 5e-6,
            l2_slope: 20.0,
            // Converged for the AUC by then (fold 1: same AUC as 300 iterations at a third
            // of the fit time, see docs/learner-model.md).
            max_iter: 150,
            min_count: 1,
            // Tuned on folds 1 and 2 of statics (docs/learner-model.md, "Item-to-item
            // transfer"): 12 lags, pairs seen 3 times, split by the earlier answer,
            // precision 4.
            pair_lags: 12,
            pair_min_count: 3,
            l2_pair: 4.0,
            pair_split: true,
        }
    }
}

impl FitOptions {
    /// Item, skill and log history counts only (the baseline of the datasets' README).
    pub fn plain() -> Self {
        let dense = 0b1111;
        FitOptions {
            features: FeatureSet {
                item: true,
                skill: true,
                per_skill_counts: None,
                dense,
                item_slopes: 0,
                skill_slopes: 0,
            },
            max_iter: 300,
            pair_lags: 0,
            ..FitOptions::default()
        }
    }

    /// Performance Factors Analysis: skill easiness plus per-skill weights on raw
    /// correct/wrong counts.
    pub fn pfa() -> Self {
        FitOptions {
            features: FeatureSet {
                item: false,
                skill: true,
                per_skill_counts: Some(CountScale::Raw),
                dense: 0,
                item_slopes: 0,
                skill_slopes: 0,
            },
            max_iter: 300,
            pair_lags: 0,
            ..FitOptions::default()
        }
    }
}

/// Parameters of one item.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ItemParams {
    /// Log-odds offset of this item.
    pub easiness: f64,
    /// Smoothed share of correct answers in training (the reference of the ability
    /// feature).
    pub prior: f64,
}

/// Parameters of one skill.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct SkillParams {
    pub easiness: f64,
    /// Weight on the skill's correct count (log or raw, see [`FeatureSet`]).
    pub correct_weight: f64,
    pub wrong_weight: f64,
    /// Mean easiness of the skill's items (used for mastery).
    pub mean_item_easiness: f64,
}

/// A fitted logistic model, ready to serialize.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticParams {
    pub version: u32,
    pub features: FeatureSet,
    pub bias: f64,
    /// Weight of each dense feature by name.
    pub dense: BTreeMap<String, f64>,
    pub items: BTreeMap<u32, ItemParams>,
    pub skills: BTreeMap<u32, SkillParams>,
    /// Share of correct answers over all training answers (prior of unknown items).
    pub mean_prior: f64,
    /// Per-item weights on the dense features named by [`FeatureSet::item_slopes`], in
    /// feature order; items without entry have zero slopes.
    #[serde(default)]
    pub item_slopes: BTreeMap<u32, Vec<f64>>,
    /// Per-skill weights on the dense features named by [`FeatureSet::skill_slopes`].
    #[serde(default)]
    pub skill_slopes: BTreeMap<u32, Vec<f64>>,
    /// Item-to-item transfer weights ([`FitOptions::pair_lags`]).
    #[serde(default)]
    pub pairs: Vec<PairWeight>,
}

/// The weight of an earlier answer's residual on `from` when the student now meets `to`,
/// `lag` answers later (0: the answer just before).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PairWeight {
    pub lag: u8,
    pub from: u32,
    pub to: u32,
    pub weight: f64,
    /// For split pairs ([`FitOptions::pair_split`]), whether this weight applies after a
    /// correct (true) or a wrong (false) earlier answer; None: after either.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_correct: Option<bool>,
}

/// A pair column while fitting: lag, earlier item, this item, and for split pairs the
/// earlier answer's correctness.
type PairKey = (u8, u32, u32, Option<bool>);

/// Whether the answer behind a stored residual (answer − the item's prior) was correct:
/// its sign says so, since an item's prior is never 0 or 1. Fitting and scoring both read
/// split pairs through this, so they cannot disagree.
fn was_correct(residual: f32) -> bool {
    residual > 0.0
}

/// The most previous answers a pair weight can reach back.
pub const MAX_PAIR_LAGS: usize = 12;

/// Pseudo-answers pulling an item's prior toward the overall mean.
const PRIOR_STRENGTH: f64 = 5.0;
const FAST_DECAY: f32 = 0.5;
const SLOW_DECAY: f32 = 0.85;
const RESIDUAL_DECAY: f64 = 0.8;
const ELO_STEP: f64 = 1.0;
const ELO_SKILL_STEP: f64 = 0.8;
const ELO_DECAY: f64 = 0.05;

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
struct SkillHistory {
    correct: f32,
    wrong: f32,
    fast: f32,
    slow: f32,
    last_correct: bool,
    /// Index of the student's answer that last practised this skill.
    last_seen: u32,
    /// Sum and decayed sum of (answer − item prior) on this skill.
    residual: f32,
    residual_decayed: f32,
    /// Current run of equal answers on this skill (positive: correct, negative: wrong).
    streak: i32,
    /// Elo-style ability deviation on this skill (log-odds).
    #[serde(default)]
    theta: f32,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct ItemHistory {
    last_correct: bool,
}

/// What a student has done so far, as the logistic features need it: the whole online
/// state of a [`LogisticStudent`]. Serializable, so the product can store it between
/// answers instead of replaying the student's log.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    answers: u32,
    correct: u32,
    /// Bit i is the answer i+1 steps back (1 = correct).
    recent: u32,
    residual_sum: f64,
    residual_decayed: f64,
    skills: HashMap<u32, SkillHistory>,
    items: HashMap<u32, ItemHistory>,
    last: Option<(u32, bool)>,
    /// Elo-style overall ability (log-odds), against the items' prior correctness.
    #[serde(default)]
    theta: f64,
    /// The last [`MAX_PAIR_LAGS`] answers, newest first: item and residual (answer − the
    /// item's prior), for the pair weights.
    #[serde(default)]
    lags: Vec<(u32, f32)>,
}

impl History {
    /// Dense features for an attempt at `item` (None: a hypothetical average item).
    fn dense(&self, item: Option<u32>, skills: &[u32]) -> [f32; D] {
        let mut f = [0f32; D];
        let wrong = self.answers - self.correct;
        f[0] = (self.correct as f32).ln_1p();
        f[1] = (wrong as f32).ln_1p();
        let k = skills.len().max(1) as f32;
        for s in skills {
            let (c, w) = self
                .skills
                .get(s)
                .map_or((0.0, 0.0), |h| (h.correct, h.wrong));
            f[24 + 5 * (c.min(4.0) as usize) + w.min(4.0) as usize] += 1.0 / k;
            match self.skills.get(s) {
                Some(h) => {
                    f[2] += h.correct.ln_1p();
                    f[3] += h.wrong.ln_1p();
                    if h.last_correct {
                        f[4] += 1.0;
                    } else {
                        f[5] += 1.0;
                    }
                    f[6] += h.fast;
                    f[7] += h.slow;
                    f[16] += ((self.answers - h.last_seen) as f32).ln_1p();
                    f[17] += h.residual / (h.correct + h.wrong + 2.0);
                    f[18] += h.residual_decayed;
                    if h.streak > 0 {
                        f[20] += (h.streak as f32).ln_1p();
                    } else {
                        f[21] += (-h.streak as f32).ln_1p();
                    }
                }
                None => f[8] += 1.0,
            }
        }
        for v in &mut f[2..9] {
            *v /= k;
        }
        f[16] /= k;
        f[17] /= k;
        f[18] /= k;
        f[19] = self.residual_decayed as f32;
        f[20] /= k;
        f[21] /= k;
        f[49] = k.ln();
        f[55] = self.theta as f32;
        f[56] = skills
            .iter()
            .filter_map(|s| self.skills.get(s))
            .map(|h| h.theta)
            .sum::<f32>()
            / k;
        if skills.len() > 1 {
            let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
            let (mut alo, mut ahi) = (f32::INFINITY, f32::NEG_INFINITY);
            for s in skills {
                let (v, a) = self.skills.get(s).map_or((0.0, 0.0), |h| {
                    (h.slow, h.residual / (h.correct + h.wrong + 2.0))
                });
                lo = lo.min(v);
                hi = hi.max(v);
                alo = alo.min(a);
                ahi = ahi.max(a);
            }
            f[50] = lo;
            f[51] = hi;
            f[52] = alo;
            f[53] = ahi;
        } else {
            f[50] = f[7];
            f[51] = f[7];
            f[52] = f[17];
            f[53] = f[17];
        }
        if self.answers > 0 {
            let last = self.recent & 1;
            let run = if last == 1 {
                self.recent.trailing_ones()
            } else {
                self.recent.trailing_zeros()
            };
            let run = run.min(self.answers) as f32;
            f[if last == 1 { 22 } else { 23 }] = run.ln_1p();
        }
        let window = |n: u32| {
            let m = self.answers.min(n);
            if m == 0 {
                0.0
            } else {
                let mask = (1u32 << m) - 1;
                let c = (self.recent & mask).count_ones();
                (2.0 * c as f32 - m as f32) / n as f32
            }
        };
        f[9] = window(5);
        f[10] = window(10);
        f[54] = window(30);
        f[11] = (self.residual_sum / (f64::from(self.answers) + 3.0)) as f32;
        if let Some(item) = item {
            if let Some(h) = self.items.get(&item) {
                f[if h.last_correct { 12 } else { 13 }] = 1.0;
            }
            if let Some((last_item, last_correct)) = self.last
                && last_item == item
            {
                f[if last_correct { 14 } else { 15 }] = 1.0;
            }
        }
        f
    }

    /// Records an answer; `prior` is the item's average correctness.
    fn update(&mut self, item: u32, skills: &[u32], correct: bool, prior: f64) {
        self.answers += 1;
        self.correct += u32::from(correct);
        self.recent = (self.recent << 1) | u32::from(correct);
        let residual = f64::from(u8::from(correct)) - prior;
        self.residual_sum += residual;
        self.residual_decayed = RESIDUAL_DECAY * self.residual_decayed + residual;
        let y = if correct { 1.0 } else { -1.0 };
        let yf = f64::from(u8::from(correct));
        let base = self.theta + logit(prior.clamp(0.01, 0.99));
        self.theta +=
            ELO_STEP / (1.0 + ELO_DECAY * f64::from(self.answers - 1)) * (yf - sigmoid(base));
        for &s in skills {
            let h = self.skills.entry(s).or_default();
            let n = f64::from(h.correct + h.wrong);
            h.theta += (ELO_SKILL_STEP / (1.0 + ELO_DECAY * n)
                * (yf - sigmoid(base + f64::from(h.theta)))) as f32;
            if correct {
                h.correct += 1.0;
            } else {
                h.wrong += 1.0;
            }
            h.fast = FAST_DECAY * h.fast + y;
            h.slow = SLOW_DECAY * h.slow + y;
            h.streak = match (correct, h.streak) {
                (true, s) if s > 0 => s + 1,
                (true, _) => 1,
                (false, s) if s < 0 => s - 1,
                (false, _) => -1,
            };
            h.last_correct = correct;
            h.last_seen = self.answers;
            h.residual += residual as f32;
            h.residual_decayed = RESIDUAL_DECAY as f32 * h.residual_decayed + residual as f32;
        }
        self.items.insert(
            item,
            ItemHistory {
                last_correct: correct,
            },
        );
        self.last = Some((item, correct));
        self.lags.insert(0, (item, residual as f32));
        self.lags.truncate(MAX_PAIR_LAGS);
    }

    fn skill_counts(&self, skill: u32, scale: CountScale) -> (f32, f32) {
        let h = self.skills.get(&skill).copied().unwrap_or_default();
        match scale {
            CountScale::Raw => (h.correct, h.wrong),
            CountScale::Log => (h.correct.ln_1p(), h.wrong.ln_1p()),
        }
    }
}

fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Sparse design matrix in compressed rows.
struct Design {
    starts: Vec<usize>,
    index: Vec<u32>,
    value: Vec<f32>,
    label: Vec<bool>,
}

/// Fits the logistic model on `train`.
pub fn fit(train: &[Sequence], options: &FitOptions) -> LogisticParams {
    let fs = options.features;
    // Counts and the dense indices of items and skills.
    let mut item_stats: HashMap<u32, (u32, u32)> = HashMap::new();
    let mut skill_count: HashMap<u32, u32> = HashMap::new();
    let mut item_skills: HashMap<u32, Vec<u32>> = HashMap::new();
    let (mut total, mut total_correct) = (0u64, 0u64);
    for seq in train {
        for a in &seq.attempts {
            let e = item_stats.entry(a.item).or_default();
            e.0 += 1;
            e.1 += u32::from(a.correct);
            for &s in &a.skills {
                *skill_count.entry(s).or_default() += 1;
            }
            item_skills
                .entry(a.item)
                .or_insert_with(|| a.skills.clone());
            total += 1;
            total_correct += u64::from(a.correct);
        }
    }
    let mean_prior = if total == 0 {
        0.5
    } else {
        total_correct as f64 / total as f64
    };
    let mut items: Vec<u32> = item_stats
        .iter()
        .filter(|(_, c)| c.0 >= options.min_count)
        .map(|(&i, _)| i)
        .collect();
    items.sort_unstable();
    let mut skills: Vec<u32> = skill_count
        .iter()
        .filter(|(_, c)| **c >= options.min_count)
        .map(|(&s, _)| s)
        .collect();
    skills.sort_unstable();
    let item_col: HashMap<u32, usize> = items.iter().enumerate().map(|(i, &id)| (id, i)).collect();
    let skill_col: HashMap<u32, usize> =
        skills.iter().enumerate().map(|(i, &id)| (id, i)).collect();
    let item_base = 1 + D;
    let skill_base = item_base + items.len();
    let count_base = skill_base + skills.len();
    let islist = bits(fs.item_slopes & fs.dense);
    let sslist = bits(fs.skill_slopes & fs.dense);
    let (ni, ns) = (islist.len(), sslist.len());
    let islope_base = count_base + 2 * skills.len();
    let sslope_base = islope_base + items.len() * ni;
    let pair_base = sslope_base + skills.len() * ns;
    // Item-to-item pairs seen often enough in training, each with one column: (lag, from,
    // to, the earlier answer's correctness when split).
    let lags = usize::from(options.pair_lags).min(MAX_PAIR_LAGS);
    let after = |correct: bool| options.pair_split.then_some(correct);
    let mut pair_count: HashMap<PairKey, u32> = HashMap::new();
    for seq in train {
        for (t, a) in seq.attempts.iter().enumerate() {
            for l in 0..lags.min(t) {
                let earlier = &seq.attempts[t - 1 - l];
                let key = (l as u8, earlier.item, a.item, after(earlier.correct));
                *pair_count.entry(key).or_default() += 1;
            }
        }
    }
    let mut pairs: Vec<PairKey> = pair_count
        .into_iter()
        .filter(|(_, c)| *c >= options.pair_min_count.max(1))
        .map(|(k, _)| k)
        .collect();
    pairs.sort_unstable();
    let pair_col: HashMap<PairKey, usize> =
        pairs.iter().enumerate().map(|(c, &k)| (k, c)).collect();
    let width = pair_base + pairs.len();
    let prior = |item: u32, own: Option<bool>| -> f64 {
        let (n, c) = item_stats.get(&item).copied().unwrap_or((0, 0));
        let (n, c) = match own {
            // Leave the row's own answer out, as it will be for unseen students.
            Some(y) => (f64::from(n) - 1.0, f64::from(c) - f64::from(u8::from(y))),
            None => (f64::from(n), f64::from(c)),
        };
        (c + PRIOR_STRENGTH * mean_prior) / (n + PRIOR_STRENGTH)
    };

    let parts: Vec<Design> = train
        .par_iter()
        .map(|seq| {
            let mut d = Design {
                starts: vec![],
                index: vec![],
                value: vec![],
                label: vec![],
            };
            let mut h = History::default();
            for a in &seq.attempts {
                d.starts.push(d.index.len());
                d.index.push(0);
                d.value.push(1.0);
                let dense = h.dense(Some(a.item), &a.skills);
                for (j, &v) in dense.iter().enumerate() {
                    if fs.uses(j) && v != 0.0 {
                        d.index.push((1 + j) as u32);
                        d.value.push(v);
                    }
                }
                if let Some(&c) = item_col.get(&a.item) {
                    if fs.item {
                        d.index.push((item_base + c) as u32);
                        d.value.push(1.0);
                    }
                    for (t, &j) in islist.iter().enumerate() {
                        if dense[j] != 0.0 {
                            d.index.push((islope_base + c * ni + t) as u32);
                            d.value.push(dense[j]);
                        }
                    }
                }
                let k = a.skills.len().max(1) as f32;
                for &s in &a.skills {
                    let Some(&c) = skill_col.get(&s) else {
                        continue;
                    };
                    if fs.skill {
                        d.index.push((skill_base + c) as u32);
                        d.value.push(1.0 / k);
                    }
                    for (t, &j) in sslist.iter().enumerate() {
                        if dense[j] != 0.0 {
                            d.index.push((sslope_base + c * ns + t) as u32);
                            d.value.push(dense[j] / k);
                        }
                    }
                    if let Some(scale) = fs.per_skill_counts {
                        let (cc, cw) = h.skill_counts(s, scale);
                        if cc != 0.0 {
                            d.index.push((count_base + 2 * c) as u32);
                            d.value.push(cc / k);
                        }
                        if cw != 0.0 {
                            d.index.push((count_base + 2 * c + 1) as u32);
                            d.value.push(cw / k);
                        }
                    }
                }
                for (l, &(from, residual)) in h.lags.iter().take(lags).enumerate() {
                    let key = (l as u8, from, a.item, after(was_correct(residual)));
                    if let Some(&c) = pair_col.get(&key)
                        && residual != 0.0
                    {
                        d.index.push((pair_base + c) as u32);
                        d.value.push(residual);
                    }
                }
                d.label.push(a.correct);
                h.update(a.item, &a.skills, a.correct, prior(a.item, Some(a.correct)));
            }
            d
        })
        .collect();
    let mut design = Design {
        starts: vec![],
        index: vec![],
        value: vec![],
        label: vec![],
    };
    for p in parts {
        let offset = design.index.len();
        design.starts.extend(p.starts.iter().map(|s| s + offset));
        design.index.extend(p.index);
        design.value.extend(p.value);
        design.label.extend(p.label);
    }
    design.starts.push(design.index.len());

    let rows = design.label.len();
    let mut penalty = vec![options.l2; width];
    penalty[0] = 0.0;
    for p in &mut penalty[item_base..skill_base] {
        *p = options.l2_item;
    }
    for p in &mut penalty[islope_base..pair_base] {
        *p = options.l2_slope / (rows.max(1) as f64);
    }
    for p in &mut penalty[pair_base..] {
        *p = options.l2_pair / (rows.max(1) as f64);
    }
    // Diagonal preconditioning by change of variables, w = scale ⊙ u with scale² the
    // inverse of the Hessian's diagonal bound: rare items and large-valued features would
    // otherwise make L-BFGS crawl.
    let n = rows.max(1) as f64;
    let mut curvature = penalty.clone();
    for (&j, &v) in design.index.iter().zip(&design.value) {
        curvature[j as usize] += 0.25 * f64::from(v) * f64::from(v) / n;
    }
    let scale: Vec<f64> = curvature
        .iter()
        .map(|c| 1.0 / c.max(1e-12).sqrt())
        .collect();
    let mut u0 = vec![0.0; width];
    u0[0] = logit(mean_prior.clamp(1e-3, 1.0 - 1e-3)) / scale[0];
    let chunk = (rows / 16).max(4096);
    let ranges: Vec<(usize, usize)> = (0..rows)
        .step_by(chunk)
        .map(|a| (a, (a + chunk).min(rows)))
        .collect();
    let mut w = vec![0.0; width];
    let (u, _) = lbfgs::minimize(
        |u, grad| {
            for j in 0..width {
                w[j] = u[j] * scale[j];
            }
            let w = &w;
            // Fixed chunks summed in order: the fit is deterministic.
            let parts: Vec<(f64, Vec<f64>)> = ranges
                .par_iter()
                .map(|&(a, b)| {
                    let mut g = vec![0.0; width];
                    let mut loss = 0.0;
                    for r in a..b {
                        let span = design.starts[r]..design.starts[r + 1];
                        let mut z = 0.0;
                        for i in span.clone() {
                            z += w[design.index[i] as usize] * f64::from(design.value[i]);
                        }
                        let y = f64::from(u8::from(design.label[r]));
                        // log(1 + e^z) - y z, stable for large |z|.
                        loss += if z > 0.0 {
                            z + (-z).exp().ln_1p()
                        } else {
                            z.exp().ln_1p()
                        } - y * z;
                        let err = sigmoid(z) - y;
                        for i in span {
                            g[design.index[i] as usize] += err * f64::from(design.value[i]);
                        }
                    }
                    (loss, g)
                })
                .collect();
            grad.iter_mut().for_each(|v| *v = 0.0);
            let mut loss = 0.0;
            for (l, g) in parts {
                loss += l;
                for (a, b) in grad.iter_mut().zip(&g) {
                    *a += b;
                }
            }
            let mut total = loss / n;
            for j in 0..width {
                grad[j] = (grad[j] / n + penalty[j] * w[j]) * scale[j];
                total += 0.5 * penalty[j] * w[j] * w[j];
            }
            total
        },
        u0,
        options.max_iter,
        1e-9,
    );
    let w: Vec<f64> = u.iter().zip(&scale).map(|(u, s)| u * s).collect();

    let dense = DENSE_FEATURES
        .iter()
        .enumerate()
        .filter(|&(j, _)| fs.uses(j))
        .map(|(j, name)| (name.to_string(), w[1 + j]))
        .collect();
    let item_params: BTreeMap<u32, ItemParams> = items
        .iter()
        .enumerate()
        .map(|(c, &id)| {
            let easiness = if fs.item { w[item_base + c] } else { 0.0 };
            (
                id,
                ItemParams {
                    easiness,
                    prior: prior(id, None),
                },
            )
        })
        .collect();
    let mut skill_items: HashMap<u32, (f64, u32)> = HashMap::new();
    for (id, ip) in &item_params {
        for s in item_skills.get(id).map(Vec::as_slice).unwrap_or(&[]) {
            let e = skill_items.entry(*s).or_default();
            e.0 += ip.easiness;
            e.1 += 1;
        }
    }
    let skill_params = skills
        .iter()
        .enumerate()
        .map(|(c, &id)| {
            let (sum, n) = skill_items.get(&id).copied().unwrap_or((0.0, 0));
            (
                id,
                SkillParams {
                    easiness: if fs.skill { w[skill_base + c] } else { 0.0 },
                    correct_weight: if fs.per_skill_counts.is_some() {
                        w[count_base + 2 * c]
                    } else {
                        0.0
                    },
                    wrong_weight: if fs.per_skill_counts.is_some() {
                        w[count_base + 2 * c + 1]
                    } else {
                        0.0
                    },
                    mean_item_easiness: if n == 0 { 0.0 } else { sum / f64::from(n) },
                },
            )
        })
        .collect();
    let slopes = |base: usize, n: usize, ids: &[u32]| -> BTreeMap<u32, Vec<f64>> {
        ids.iter()
            .enumerate()
            .map(|(c, &id)| (id, w[base + c * n..base + (c + 1) * n].to_vec()))
            .filter(|(_, v)| v.iter().any(|&x| x != 0.0))
            .collect()
    };
    LogisticParams {
        version: PARAMS_VERSION,
        features: fs,
        bias: w[0],
        dense,
        items: item_params,
        skills: skill_params,
        mean_prior,
        item_slopes: slopes(islope_base, ni, &items),
        skill_slopes: slopes(sslope_base, ns, &skills),
        pairs: pairs
            .iter()
            .enumerate()
            .filter(|&(c, _)| w[pair_base + c] != 0.0)
            .map(|(c, &(lag, from, to, after_correct))| PairWeight {
                lag,
                from,
                to,
                weight: w[pair_base + c],
                after_correct,
            })
            .collect(),
    }
}

/// A fitted logistic model with its lookup tables, shared by all students.
#[derive(Debug, Clone)]
pub struct LogisticModel {
    params: LogisticParams,
    dense: [f64; D],
    items: HashMap<u32, ItemParams>,
    skills: HashMap<u32, SkillParams>,
    item_slopes: HashMap<u32, Vec<f64>>,
    skill_slopes: HashMap<u32, Vec<f64>>,
    /// Dense feature indices of the item and skill slopes.
    islist: Vec<usize>,
    sslist: Vec<usize>,
    /// Pair weights by the item they bear on: one lookup per prediction, then a scan of
    /// that item's few pairs.
    pairs: HashMap<u32, Vec<PairWeight>>,
}

impl LogisticModel {
    pub fn new(params: LogisticParams) -> Self {
        let mut dense = [0.0; D];
        for (j, name) in DENSE_FEATURES.iter().enumerate() {
            dense[j] = params.dense.get(*name).copied().unwrap_or(0.0);
        }
        let items = params.items.iter().map(|(&k, &v)| (k, v)).collect();
        let skills = params.skills.iter().map(|(&k, &v)| (k, v)).collect();
        let fs = params.features;
        let islist = bits(fs.item_slopes & fs.dense);
        let sslist = bits(fs.skill_slopes & fs.dense);
        let keep = |m: &BTreeMap<u32, Vec<f64>>, n: usize| -> HashMap<u32, Vec<f64>> {
            m.iter()
                .filter(|(_, v)| v.len() == n)
                .map(|(&k, v)| (k, v.clone()))
                .collect()
        };
        LogisticModel {
            pairs: params.pairs.iter().fold(HashMap::new(), |mut m, p| {
                m.entry(p.to).or_insert_with(Vec::new).push(*p);
                m
            }),
            item_slopes: keep(&params.item_slopes, islist.len()),
            skill_slopes: keep(&params.skill_slopes, sslist.len()),
            islist,
            sslist,
            params,
            dense,
            items,
            skills,
        }
    }

    pub fn params(&self) -> &LogisticParams {
        &self.params
    }

    /// A fresh student with no history.
    pub fn student(&self) -> LogisticStudent<'_> {
        self.resume(History::default())
    }

    /// A student whose stored state is `history` (see [`LogisticStudent::history`]).
    pub fn resume(&self, history: History) -> LogisticStudent<'_> {
        LogisticStudent {
            model: self,
            history,
        }
    }

    fn score(&self, h: &History, item: Option<u32>, skills: &[u32]) -> f64 {
        let f = h.dense(item, skills);
        let mut z = self.params.bias;
        for (w, v) in self.dense.iter().zip(f) {
            z += w * f64::from(v);
        }
        if let Some(ip) = item.and_then(|i| self.items.get(&i)) {
            z += ip.easiness;
        }
        if let Some(v) = item.and_then(|i| self.item_slopes.get(&i)) {
            for (w, &j) in v.iter().zip(&self.islist) {
                z += w * f64::from(f[j]);
            }
        }
        if let Some(pairs) = item.and_then(|i| self.pairs.get(&i)) {
            for p in pairs {
                if let Some(&(from, residual)) = h.lags.get(usize::from(p.lag))
                    && from == p.from
                    && p.after_correct.is_none_or(|c| c == was_correct(residual))
                {
                    z += p.weight * f64::from(residual);
                }
            }
        }
        let k = skills.len().max(1) as f64;
        let scale = self
            .params
            .features
            .per_skill_counts
            .unwrap_or(CountScale::Log);
        for &s in skills {
            if let Some(v) = self.skill_slopes.get(&s) {
                for (w, &j) in v.iter().zip(&self.sslist) {
                    z += w * f64::from(f[j]) / k;
                }
            }
            if let Some(sp) = self.skills.get(&s) {
                let (c, w) = h.skill_counts(s, scale);
                z += (sp.easiness
                    + sp.correct_weight * f64::from(c)
                    + sp.wrong_weight * f64::from(w))
                    / k;
                if item.is_none() {
                    z += sp.mean_item_easiness / k;
                }
            }
        }
        sigmoid(z)
    }
}

impl LearnerModel for LogisticModel {
    fn new_student(&self) -> Box<dyn StudentModel + '_> {
        Box::new(self.student())
    }
}

/// One student's online state under a [`LogisticModel`].
#[derive(Debug, Clone)]
pub struct LogisticStudent<'m> {
    model: &'m LogisticModel,
    history: History,
}

impl LogisticStudent<'_> {
    /// The online state, to store between answers.
    pub fn history(&self) -> &History {
        &self.history
    }
}

impl StudentModel for LogisticStudent<'_> {
    fn predict(&self, item: u32, skills: &[u32]) -> f64 {
        self.model.score(&self.history, Some(item), skills)
    }

    fn update(&mut self, item: u32, skills: &[u32], correct: bool) {
        let prior = self
            .model
            .items
            .get(&item)
            .map_or(self.model.params.mean_prior, |ip| ip.prior);
        self.history.update(item, skills, correct, prior);
    }

    fn mastery(&self, skill: u32) -> f64 {
        self.model.score(&self.history, None, &[skill])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learner::{Attempt, eval};
    use rand::seq::SliceRandom;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Students with an ability; items with an easiness; P(correct) grows with practice.
    fn synthetic(students: usize, seed: u64) -> Vec<Sequence> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let easiness: Vec<f64> = (0..40).map(|i| (i as f64 - 20.0) / 10.0).collect();
        (0..students)
            .map(|s| {
                let ability: f64 = rng.random_range(-1.5..1.5);
                let mut practice = [0u32; 4];
                let attempts = (0..60)
                    .map(|_| {
                        let item: u32 = rng.random_range(0..40);
                        let skill = item % 4;
                        let z = ability
                            + easiness[item as usize]
                            + 0.3 * f64::from(practice[skill as usize]).ln_1p();
                        practice[skill as usize] += 1;
                        let correct = rng.random_bool(sigmoid(z));
                        Attempt {
                            item,
                            skills: vec![skill],
                            correct,
                            timestamp: None,
                        }
                    })
                    .collect();
                Sequence {
                    student: s.to_string(),
                    attempts,
                }
            })
            .collect()
    }

    #[test]
    fn recovers_item_easiness_and_predicts_well() {
        let train = synthetic(600, 1);
        let params = fit(&train, &FitOptions::default());
        // Item easiness is recovered up to the shared offset: compare differences.
        let e = |i: u32| params.items[&i].easiness;
        let spread = e(39) - e(0);
        assert!((spread - 3.9).abs() < 0.6, "spread {spread}");
        let model = LogisticModel::new(params.clone());
        let (p, y) = eval::predict_sequences(&model, &synthetic(200, 2));
        let auc = eval::auc(&p, &y);
        assert!(auc > 0.75, "auc {auc}");
        // Parameters survive JSON.
        let json = serde_json::to_string(&params).unwrap();
        let back: LogisticParams = serde_json::from_str(&json).unwrap();
        assert_eq!(back.items.len(), params.items.len());
        assert_eq!(back.version, PARAMS_VERSION);
    }

    #[test]
    fn online_state_moves_with_answers_and_handles_unknown_ids() {
        let model = LogisticModel::new(fit(&synthetic(200, 3), &FitOptions::default()));
        let mut s = model.student();
        let before = s.mastery(1);
        let unknown = s.predict(9999, &[777]);
        assert!(unknown > 0.0 && unknown < 1.0);
        for _ in 0..5 {
            s.update(1, &[1], true);
        }
        assert!(s.mastery(1) > before);
        assert!(s.predict(5, &[1]) > model.student().predict(5, &[1]));
        let stored = serde_json::to_string(s.history()).unwrap();
        let resumed = model.resume(serde_json::from_str(&stored).unwrap());
        assert!((resumed.predict(5, &[1]) - s.predict(5, &[1])).abs() < 1e-9);
    }

    /// Problems of three steps in a fixed order (items 3k, 3k+1, 3k+2, each its own skill,
    /// as in statics) where step three builds on step one, two answers back, beyond the
    /// student's ability, in a way that differs by problem: no shared feature, and no
    /// per-item weight on the last answer, can learn it.
    fn three_step_problems(students: usize, seed: u64) -> Vec<Sequence> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..students)
            .map(|s| {
                let ability: f64 = rng.random_range(-1.0..1.0);
                let mut attempts = Vec::new();
                for problem in 0..20u32 {
                    let first = rng.random_bool(sigmoid(ability + 0.5));
                    let second = rng.random_bool(sigmoid(ability));
                    // Even problems: step three uses step one's result. Odd ones: a student
                    // who slipped on step one is shown the method before step three.
                    let transfer = if problem % 2 == 0 { 1.5 } else { -1.5 };
                    let z = ability + if first { transfer } else { -transfer };
                    let third = rng.random_bool(sigmoid(z));
                    for (step, correct) in [first, second, third].into_iter().enumerate() {
                        attempts.push(own_skill_attempt(3 * problem + step as u32, correct));
                    }
                }
                Sequence {
                    student: s.to_string(),
                    attempts,
                }
            })
            .collect()
    }

    /// An answer on an item that is its own skill, as in statics.
    fn own_skill_attempt(item: u32, correct: bool) -> Attempt {
        Attempt {
            item,
            skills: vec![item],
            correct,
            timestamp: None,
        }
    }

    #[test]
    fn pair_weights_learn_item_to_item_transfer() {
        let train = three_step_problems(400, 5);
        let test = three_step_problems(200, 6);
        let with_pairs = fit(&train, &FitOptions::default());
        let without = fit(
            &train,
            &FitOptions {
                pair_lags: 0,
                ..FitOptions::default()
            },
        );
        assert!(without.pairs.is_empty());
        // Step one's residual weighs on step three, two answers later (lag 1): positively
        // on an even problem, negatively on an odd one.
        assert!(with_pairs.pairs.iter().all(|p| p.after_correct.is_some()));
        let weight = |from: u32, to: u32, after_correct: bool| {
            with_pairs
                .pairs
                .iter()
                .find(|p| {
                    p.lag == 1
                        && p.from == from
                        && p.to == to
                        && p.after_correct == Some(after_correct)
                })
                .map(|p| p.weight)
        };
        // Both weights of a pair lean the same way here: the residual is positive after a
        // correct answer and negative after a wrong one.
        for after_correct in [true, false] {
            let (even, odd) = (weight(6, 8, after_correct), weight(9, 11, after_correct));
            assert!(even.is_some_and(|w| w > 0.3), "even problem: {even:?}");
            assert!(odd.is_some_and(|w| w < -0.3), "odd problem: {odd:?}");
        }
        let auc = |params: LogisticParams| {
            let (p, y) = eval::predict_sequences(&LogisticModel::new(params), &test);
            eval::auc(&p, &y)
        };
        let (a, b) = (auc(with_pairs.clone()), auc(without));
        assert!(a > b + 0.02, "with pairs {a}, without {b}");
        // The pair term reads the stored online state: it survives JSON.
        let model = LogisticModel::new(with_pairs);
        let mut slipped = model.student();
        slipped.update(6, &[6], false);
        slipped.update(7, &[7], true);
        let stored = serde_json::to_string(slipped.history()).unwrap();
        let resumed = model.resume(serde_json::from_str(&stored).unwrap());
        assert!((resumed.predict(8, &[8]) - slipped.predict(8, &[8])).abs() < 1e-12);
        let mut solved = model.student();
        solved.update(6, &[6], true);
        solved.update(7, &[7], true);
        assert!(solved.predict(8, &[8]) > slipped.predict(8, &[8]) + 0.1);
    }

    /// Ten items (each its own skill) in a random order per student, where item 1 is much
    /// easier right after item 0, whatever the answer to item 0: an order effect, invisible
    /// to a weight on item 0's residual alone.
    fn order_effect(students: usize, seed: u64) -> Vec<Sequence> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..students)
            .map(|s| {
                let ability: f64 = rng.random_range(-1.0..1.0);
                let mut attempts: Vec<Attempt> = Vec::new();
                for _ in 0..4 {
                    let mut order: Vec<u32> = (0..10).collect();
                    order.shuffle(&mut rng);
                    for item in order {
                        let primed = item == 1 && attempts.last().is_some_and(|a| a.item == 0);
                        let z = ability - 0.5 + if primed { 2.5 } else { 0.0 };
                        attempts.push(own_skill_attempt(item, rng.random_bool(sigmoid(z))));
                    }
                }
                Sequence {
                    student: s.to_string(),
                    attempts,
                }
            })
            .collect()
    }

    #[test]
    fn split_pair_weights_learn_an_order_effect() {
        let train = order_effect(800, 7);
        let test = order_effect(300, 8);
        let split = fit(&train, &FitOptions::default());
        let single = fit(
            &train,
            &FitOptions {
                pair_split: false,
                ..FitOptions::default()
            },
        );
        assert!(single.pairs.iter().all(|p| p.after_correct.is_none()));
        // Right after item 0, item 1 gets easier either way: a positive weight on the
        // positive residual of a correct answer, a negative one on a wrong answer's.
        let weight = |after_correct: bool| {
            split
                .pairs
                .iter()
                .find(|p| {
                    p.lag == 0 && p.from == 0 && p.to == 1 && p.after_correct == Some(after_correct)
                })
                .map(|p| p.weight)
        };
        let (after_correct, after_wrong) = (weight(true), weight(false));
        assert!(after_correct.is_some_and(|w| w > 0.5), "{after_correct:?}");
        assert!(after_wrong.is_some_and(|w| w < -0.5), "{after_wrong:?}");
        // Scored on item 1's answers, where the order effect lives.
        let on_item_1: Vec<bool> = test
            .iter()
            .flat_map(|s| s.attempts.iter().map(|a| a.item == 1))
            .collect();
        let auc = |params: LogisticParams| {
            let (p, y) = eval::predict_sequences(&LogisticModel::new(params), &test);
            let (p, y): (Vec<f64>, Vec<bool>) = p
                .into_iter()
                .zip(y)
                .zip(&on_item_1)
                .filter(|&(_, &keep)| keep)
                .map(|(py, _)| py)
                .unzip();
            eval::auc(&p, &y)
        };
        let (a, b) = (auc(split), auc(single));
        assert!(a > b + 0.03, "split {a}, single {b}");
    }

    #[test]
    fn default_slope_masks_name_known_features() {
        assert_eq!(
            mask(&DEFAULT_ITEM_SLOPES).count_ones() as usize,
            DEFAULT_ITEM_SLOPES.len()
        );
        assert_eq!(
            mask(&DEFAULT_SKILL_SLOPES).count_ones() as usize,
            DEFAULT_SKILL_SLOPES.len()
        );
        assert_eq!(mask(&DEFAULT_ITEM_SLOPES), 36028797031549964);
        assert_eq!(mask(&DEFAULT_SKILL_SLOPES), 108086391072754928);
    }

    #[test]
    fn pfa_and_plain_feature_sets_fit() {
        let train = synthetic(200, 4);
        let pfa = fit(&train, &FitOptions::pfa());
        assert!(pfa.dense.is_empty());
        assert!(pfa.skills[&0].correct_weight > 0.0);
        let plain = fit(&train, &FitOptions::plain());
        assert_eq!(plain.dense.len(), 4);
    }
}
