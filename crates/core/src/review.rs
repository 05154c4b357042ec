//! Spaced review (SPEC C6): a memory model for mastered skills, so they come back for
//! review when their predicted recall falls below a target.
//!
//! The model is FSRS-6, the Free Spaced Repetition Scheduler (Ye, Su & Cao, "A Stochastic
//! Shortest Path Algorithm for Optimizing Spaced Repetition Scheduling", KDD 2022; Su et
//! al., IEEE TKDE 2023; formulas and default parameters as in the reference implementation
//! `fsrs-rs` 6.x, `src/model.rs` and `src/inference.rs`, and the "The Algorithm" page of
//! the open-spaced-repetition wiki). A memory has a *stability* S (days until recall drops
//! to 90%) and a *difficulty* D in [1, 10]; recall after t days is the power forgetting
//! curve R(t, S) = (1 + F·t/S)^C with C = −w20 and F = 0.9^(1/C) − 1, so R(S, S) = 0.9.
//!
//! It is implemented here rather than taken from the `fsrs` crate because Ownpace needs
//! only the scheduler's closed-form update (a few lines), in f64, while the crate brings
//! ndarray, rayon-based training, priority queues and f32 arithmetic. The unit tests check
//! this implementation against the reference crate's published test values.
//!
//! How the product uses it: when a skill becomes mastered, its memory starts with
//! [`Fsrs::first_review`] (grade Good); every later answer on that skill is a review
//! ([`Fsrs::review`]); the skill is due when [`Fsrs::recall_probability`] falls below the
//! target retention, i.e. at [`Fsrs::due_at`], and shows as "review due" with its mastery
//! discounted by the recall. A review also moves mastery ([`apply_review`]): a correct one
//! keeps the skill mastered, a failed one ends mastery from the discounted value.
//!
//! Times are i64 milliseconds since the epoch, passed in; FSRS works in days.

use crate::learner::bkt::BktParams;
use crate::progress::SkillProgress;
use serde::{Deserialize, Serialize};

pub const MS_PER_DAY: f64 = 86_400_000.0;

/// FSRS-6 default parameters w0..w20 (fsrs-rs 6.x `DEFAULT_PARAMETERS`), fitted by the FSRS
/// authors on ~10k Anki users' review logs.
pub const DEFAULT_PARAMETERS: [f64; 21] = [
    0.212, 1.2931, 2.3065, 8.2956, 6.4133, 0.8334, 3.0194, 0.001, 1.8722, 0.1666, 0.796, 1.4835,
    0.0614, 0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658, 0.1542,
];

/// Review when predicted recall falls below this (the FSRS default desired retention).
pub const DEFAULT_TARGET_RETENTION: f64 = 0.9;

const S_MIN: f64 = 0.001;
const S_MAX: f64 = 36_500.0;
const D_MIN: f64 = 1.0;
const D_MAX: f64 = 10.0;

/// How a review went, FSRS's four ratings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Grade {
    /// Forgotten (a wrong answer).
    Again = 1,
    Hard = 2,
    /// Recalled (a correct answer).
    Good = 3,
    Easy = 4,
}

impl Grade {
    /// Auto-graded items know only right or wrong: Good or Again.
    pub fn from_correct(correct: bool) -> Grade {
        if correct { Grade::Good } else { Grade::Again }
    }
    fn value(self) -> f64 {
        f64::from(self as u8)
    }
}

/// The memory of one skill for one student: store one per student and skill (three
/// numbers), next to the skill's progress.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MemoryState {
    /// Days until predicted recall falls to 90%.
    pub stability: f64,
    /// 1 (easy) to 10 (hard).
    pub difficulty: f64,
    /// Ms since the epoch.
    pub last_review_at: i64,
}

/// The FSRS-6 scheduler with its 21 parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fsrs {
    pub w: [f64; 21],
}

impl Default for Fsrs {
    fn default() -> Self {
        Fsrs {
            w: DEFAULT_PARAMETERS,
        }
    }
}

/// Days between two times, never negative.
pub fn days_between(from: i64, to: i64) -> f64 {
    (to.saturating_sub(from)).max(0) as f64 / MS_PER_DAY
}

impl Fsrs {
    fn decay(&self) -> f64 {
        -self.w[20]
    }
    fn factor(&self) -> f64 {
        0.9f64.powf(1.0 / self.decay()) - 1.0
    }

    /// R(t, S) = (1 + F·t/S)^C: predicted recall `days` after the last review.
    pub fn retrievability(&self, days: f64, stability: f64) -> f64 {
        (1.0 + self.factor() * days.max(0.0) / stability.max(S_MIN)).powf(self.decay())
    }

    /// Days after a review at which recall falls to `target_retention` (in (0, 1)).
    pub fn interval_days(&self, stability: f64, target_retention: f64) -> f64 {
        let r = target_retention.clamp(0.01, 0.99);
        stability / self.factor() * (r.powf(1.0 / self.decay()) - 1.0)
    }

    pub fn initial_stability(&self, grade: Grade) -> f64 {
        self.w[grade as usize - 1]
    }

    pub fn initial_difficulty(&self, grade: Grade) -> f64 {
        self.w[4] - (self.w[5] * (grade.value() - 1.0)).exp() + 1.0
    }

    /// The memory after the first successful study, e.g. when a skill becomes mastered.
    pub fn first_review(&self, grade: Grade, at: i64) -> MemoryState {
        MemoryState {
            stability: self.initial_stability(grade).clamp(S_MIN, S_MAX),
            difficulty: self.initial_difficulty(grade).clamp(D_MIN, D_MAX),
            last_review_at: at,
        }
    }

    /// Predicted probability of recall at `now`.
    pub fn recall_probability(&self, state: &MemoryState, now: i64) -> f64 {
        self.retrievability(days_between(state.last_review_at, now), state.stability)
    }

    /// When predicted recall falls to `target_retention` (ms since the epoch).
    pub fn due_at(&self, state: &MemoryState, target_retention: f64) -> i64 {
        let days = self
            .interval_days(state.stability, target_retention)
            .min(S_MAX);
        state.last_review_at + (days * MS_PER_DAY).round() as i64
    }

    /// The memory after a review at `at` with `grade`. A review less than a day after the
    /// previous one uses FSRS's same-day (short-term) stability update.
    pub fn review(&self, state: &MemoryState, grade: Grade, at: i64) -> MemoryState {
        let days = days_between(state.last_review_at, at);
        let (stability, difficulty) = self.step(state.stability, state.difficulty, days, grade);
        MemoryState {
            stability,
            difficulty,
            last_review_at: at.max(state.last_review_at),
        }
    }

    /// `review` on a state in days: (stability, difficulty) after `grade` given `days`
    /// since the last review (fractional days under 1 count as the same day).
    fn step(&self, s: f64, d: f64, days: f64, grade: Grade) -> (f64, f64) {
        let w = &self.w;
        let s = s.clamp(S_MIN, S_MAX);
        let d = d.clamp(D_MIN, D_MAX);
        let g = grade.value();
        let new_s = if days < 1.0 {
            let sinc = (w[17] * (g - 3.0 + w[18])).exp() * s.powf(-w[19]);
            s * if grade == Grade::Again {
                sinc
            } else {
                sinc.max(1.0)
            }
        } else {
            let r = self.retrievability(days, s);
            if grade == Grade::Again {
                let forget = w[11]
                    * d.powf(-w[12])
                    * ((s + 1.0).powf(w[13]) - 1.0)
                    * ((1.0 - r) * w[14]).exp();
                forget.min(s / (w[17] * w[18]).exp())
            } else {
                let hard = if grade == Grade::Hard { w[15] } else { 1.0 };
                let easy = if grade == Grade::Easy { w[16] } else { 1.0 };
                s * (w[8].exp()
                    * (11.0 - d)
                    * s.powf(-w[9])
                    * (((1.0 - r) * w[10]).exp() - 1.0)
                    * hard
                    * easy
                    + 1.0)
            }
        };
        // Linear damping toward 10, then mean reversion toward D0(Easy).
        let delta = -w[6] * (g - 3.0);
        let damped = d + (10.0 - d) * delta / 9.0;
        let reverted = w[7] * (self.initial_difficulty(Grade::Easy) - damped) + damped;
        (new_s.clamp(S_MIN, S_MAX), reverted.clamp(D_MIN, D_MAX))
    }
}

/// Applies a review answer to a skill's progress and memory; returns the new memory.
///
/// Forgetting is held by the memory, not by the stored probability, and the student sees
/// it before the review: a mastered skill whose recall fell below the target reads
/// "review due" with the probability times the predicted recall ([`crate::standing`]).
/// A correct review moves the stored probability up from where it was (never down) and
/// keeps the skill mastered; the shown value therefore rises from the discounted one. A
/// wrong review starts from the discounted value `p_mastery · recall` and moves down from
/// it (BKT's posterior after a wrong answer, [`crate::progress::evidence_step`]); the
/// wrong answer breaks the record of correct answers, so mastery ends and `mastered_at`
/// is cleared (the skill goes back to practice, its lapsed memory kept).
///
/// FSRS assumes the grade *is* recall; an auto-graded item has slips and guesses. So the
/// memory is the log-space blend of FSRS's Good and Again updates, weighted by q, the
/// probability that the skill was recalled given the answer (the BKT posterior from the
/// discounted prior): with slip 0.1 and guess 0.2 a wrong answer at the due date gives
/// q ≈ 0.5. A wrong answer never lengthens the memory and a right one never shortens it.
/// Without this, one slip collapses stability to the post-lapse value (under a day) and
/// a slip-prone skill comes back every day.
pub fn apply_review(
    fsrs: &Fsrs,
    progress: &mut SkillProgress,
    memory: &MemoryState,
    params: &BktParams,
    correct: bool,
    at: i64,
) -> MemoryState {
    let recall = fsrs.recall_probability(memory, at);
    let prior = (progress.p_mastery * recall).clamp(0.0, 1.0);
    let q = if correct {
        let num = prior * (1.0 - params.slip);
        num / (num + (1.0 - prior) * params.guess)
    } else {
        let num = prior * params.slip;
        num / (num + (1.0 - prior) * (1.0 - params.guess))
    };
    let q = if q.is_finite() {
        q.clamp(0.0, 1.0)
    } else {
        f64::from(u8::from(correct))
    };
    if !correct {
        progress.p_mastery = prior;
    }
    progress.apply_answer(params, correct, at);
    let good = fsrs.review(memory, Grade::Good, at);
    let again = fsrs.review(memory, Grade::Again, at);
    let blend = |a: f64, b: f64| (q * a.ln() + (1.0 - q) * b.ln()).exp();
    let mut stability = blend(good.stability, again.stability);
    stability = if correct {
        stability.max(memory.stability)
    } else {
        stability.min(memory.stability)
    };
    MemoryState {
        stability,
        difficulty: q * good.difficulty + (1.0 - q) * again.difficulty,
        last_review_at: good.last_review_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;

    fn close(a: f64, b: f64, tol: f64) {
        assert!((a - b).abs() < tol, "{a} vs {b}");
    }

    #[test]
    fn initial_state_matches_the_reference_next_states() {
        // fsrs-rs 6.x `next_states(None, 0.9, 0)` doc example.
        let f = Fsrs::default();
        let expected = [
            (Grade::Again, 0.212, 6.4133),
            (Grade::Hard, 1.2931, 5.112_170_7),
            (Grade::Good, 2.3065, 2.118_104),
            (Grade::Easy, 8.2956, 1.0),
        ];
        for (g, s, d) in expected {
            let m = f.first_review(g, 0);
            close(m.stability, s, 1e-9);
            close(m.difficulty, d, 1e-5);
            // At 90% target retention, the interval is the stability itself.
            close(f.interval_days(m.stability, 0.9), s, 1e-9);
        }
    }

    #[test]
    fn forgetting_curve_is_90_percent_at_the_stability() {
        let f = Fsrs::default();
        for s in [0.5, 3.0, 40.0] {
            close(f.retrievability(s, s), 0.9, 1e-12);
            close(f.retrievability(0.0, s), 1.0, 1e-12);
            assert!(f.retrievability(2.0 * s, s) < 0.9);
        }
        // R(t, S) = (1 + F t / S)^C by hand with C = -0.1542, F = 0.9^(1/C) - 1.
        let c = -0.1542f64;
        let factor = 0.9f64.powf(1.0 / c) - 1.0;
        close(
            f.retrievability(10.0, 4.0),
            (1.0 + factor * 2.5).powf(c),
            1e-12,
        );
    }

    #[test]
    fn intervals_match_the_reference() {
        // fsrs-rs 6.x `test_next_interval`: S = 1, retention 0.1..1.0, rounded, min 1.
        let f = Fsrs::default();
        let got: Vec<i64> = (1..=10)
            .map(|i| (f.interval_days(1.0, f64::from(i) / 10.0).round() as i64).max(1))
            .collect();
        // 0.99 is the largest retention accepted, so 1.0 maps to the 0.99 interval. The
        // reference computes in f32: its 3,116,766 days for 10% is 3 days (1e-6) off ours.
        assert!((got[0] - 3_116_766).abs() <= 5, "{got:?}");
        assert_eq!(got[1..], [34_793, 2_508, 387, 90, 27, 9, 3, 1, 1]);
    }

    #[test]
    fn a_review_history_matches_the_reference() {
        // fsrs-rs 6.x `test_memory_state`: ratings 1,3,3,3,3,3 after 0,0,1,3,8,21 days
        // give S = 53.62691, D = 6.3574867 (f32 there, so a loose tolerance).
        let f = Fsrs::default();
        let grades = [
            Grade::Again,
            Grade::Good,
            Grade::Good,
            Grade::Good,
            Grade::Good,
            Grade::Good,
        ];
        let gaps = [0, 0, 1, 3, 8, 21];
        let mut at = 0;
        let mut m = f.first_review(grades[0], at);
        for (g, gap) in grades.iter().zip(gaps).skip(1) {
            at += gap * DAY;
            m = f.review(&m, *g, at);
        }
        close(m.stability, 53.626_91, 2e-3);
        close(m.difficulty, 6.357_486_7, 1e-4);
    }

    #[test]
    fn due_dates_follow_the_target_retention() {
        let f = Fsrs::default();
        let m = f.first_review(Grade::Good, 10 * DAY);
        let due = f.due_at(&m, 0.9);
        close(days_between(10 * DAY, due), 2.3065, 1e-6);
        close(f.recall_probability(&m, due), 0.9, 1e-6);
        assert!(f.due_at(&m, 0.8) > due);
        // A successful review a little late grows stability; a lapse shrinks it.
        let ok = f.review(&m, Grade::Good, due);
        let lapse = f.review(&m, Grade::Again, due);
        assert!(ok.stability > m.stability && lapse.stability < m.stability);
        assert!(lapse.difficulty > ok.difficulty);
    }

    #[test]
    fn a_failed_review_clears_mastery_and_a_good_one_keeps_it() {
        let f = Fsrs::default();
        let params = BktParams::default();
        let mut progress = SkillProgress::initial(&params);
        let mut at = 0;
        while !progress.is_mastered() {
            at += 60_000;
            progress.apply_answer(&params, true, at);
        }
        let memory = f.first_review(Grade::Good, at);
        let later = f.due_at(&memory, 0.9);

        let mut kept = progress.clone();
        let m1 = apply_review(&f, &mut kept, &memory, &params, true, later);
        assert!(kept.is_mastered() && kept.mastered_at.is_some());
        // The stored probability is not discounted by recall on a correct review.
        assert!(kept.p_mastery >= progress.p_mastery);
        assert!(m1.stability > memory.stability);

        let mut lost = progress.clone();
        let m2 = apply_review(&f, &mut lost, &memory, &params, false, later);
        assert!(!lost.is_mastered() && lost.mastered_at.is_none());
        // Prior 0.9 * p, then the BKT posterior after a wrong answer.
        let prior = progress.p_mastery * 0.9;
        close(lost.p_mastery, params.update(prior, false), 1e-6);
        assert!(m2.stability <= memory.stability);
        // Between a pure lapse and a pure success: a wrong answer may be a slip.
        let again = f.review(&memory, Grade::Again, later);
        let good = f.review(&memory, Grade::Good, later);
        assert!(m2.stability > again.stability && m2.difficulty < again.difficulty);
        // With (almost) no slip or guess, the answer is the recall: plain FSRS.
        let exact = BktParams {
            slip: 1e-9,
            guess: 1e-9,
            ..params
        };
        let m3 = apply_review(&f, &mut progress.clone(), &memory, &exact, false, later);
        close(m3.stability, again.stability, 1e-6);
        let m4 = apply_review(&f, &mut progress.clone(), &memory, &exact, true, later);
        close(m4.stability, good.stability, 1e-6);
    }
}
