//! Per-skill progress: the projection of a student's answer events that the product shows.
//!
//! Storage keeps one [`SkillProgress`] per student, course and skill, updated in the same
//! transaction as the answer event, and `ownpace rebuild` recomputes it by replaying the
//! events through [`SkillProgress::apply_answer`]. Keeping the rule here (pure) is what
//! makes the projection reproducible: the same events always give the same state.

use crate::learner::bkt::BktParams;
use serde::{Deserialize, Serialize};

/// Probability of mastery at or above which a skill counts as mastered.
pub const MASTERY_THRESHOLD: f64 = 0.95;
/// Consecutive wrong answers after which a student is flagged as stuck on a skill.
pub const STUCK_CONSECUTIVE_WRONG: u32 = 3;
/// Attempts without reaching mastery after which a student is "wheel-spinning"
/// (Beck & Gong, 2013 use ten).
pub const WHEEL_SPINNING_ATTEMPTS: u32 = 10;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkillProgress {
    pub p_mastery: f64,
    pub attempts: u32,
    pub correct: u32,
    pub consecutive_wrong: u32,
    /// When the skill last became mastered; `None` while it is not mastered.
    pub mastered_at: Option<i64>,
    /// Time of the last answer (ms since the epoch); 0 before any.
    pub last_at: i64,
}

/// Why a student needs their teacher on a skill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StuckReason {
    /// Several wrong answers in a row.
    RepeatedFailure { consecutive_wrong: u32 },
    /// Many attempts without reaching mastery.
    WheelSpinning { attempts: u32 },
}

impl StuckReason {
    pub fn describe(self) -> String {
        match self {
            StuckReason::RepeatedFailure { consecutive_wrong } => {
                format!("{consecutive_wrong} wrong answers in a row")
            }
            StuckReason::WheelSpinning { attempts } => {
                format!("{attempts} attempts without reaching mastery")
            }
        }
    }
}

impl SkillProgress {
    /// Progress before any answer: the prior probability of mastery.
    pub fn initial(params: &BktParams) -> Self {
        SkillProgress {
            p_mastery: params.init,
            attempts: 0,
            correct: 0,
            consecutive_wrong: 0,
            mastered_at: None,
            last_at: 0,
        }
    }

    /// Applies one graded answer given at `at` (ms since the epoch).
    pub fn apply_answer(&mut self, params: &BktParams, correct: bool, at: i64) {
        self.p_mastery = params.update(self.p_mastery, correct).clamp(0.0, 1.0);
        self.attempts += 1;
        if correct {
            self.correct += 1;
            self.consecutive_wrong = 0;
        } else {
            self.consecutive_wrong += 1;
        }
        self.last_at = at;
        match (self.is_mastered(), self.mastered_at) {
            (true, None) => self.mastered_at = Some(at),
            (false, Some(_)) => self.mastered_at = None,
            _ => {}
        }
    }

    pub fn is_mastered(&self) -> bool {
        self.p_mastery >= MASTERY_THRESHOLD
    }

    /// Whether the student is stuck on this skill, and why. Repeated failure wins when both hold.
    pub fn stuck(&self) -> Option<StuckReason> {
        if self.consecutive_wrong >= STUCK_CONSECUTIVE_WRONG {
            Some(StuckReason::RepeatedFailure { consecutive_wrong: self.consecutive_wrong })
        } else if !self.is_mastered() && self.attempts >= WHEEL_SPINNING_ATTEMPTS {
            Some(StuckReason::WheelSpinning { attempts: self.attempts })
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARAMS: BktParams = BktParams { init: 0.2, learn: 0.15, forget: 0.0, guess: 0.2, slip: 0.1 };

    #[test]
    fn bkt_update_matches_hand_computed_values() {
        // Correct: posterior = 0.2*0.9 / (0.2*0.9 + 0.8*0.2) = 0.18/0.34 = 0.529412;
        // then learning: 0.529412 + (1 - 0.529412) * 0.15 = 0.6.
        let mut p = SkillProgress::initial(&PARAMS);
        p.apply_answer(&PARAMS, true, 1_000);
        assert!((p.p_mastery - 0.6).abs() < 1e-9, "{}", p.p_mastery);
        // Wrong from 0.6: posterior = 0.6*0.1 / (0.06 + 0.4*0.8) = 0.06/0.38 = 0.157895;
        // then learning: 0.157895 + 0.842105 * 0.15 = 0.284211.
        p.apply_answer(&PARAMS, false, 2_000);
        assert!((p.p_mastery - 0.284_210_526).abs() < 1e-6, "{}", p.p_mastery);
        assert_eq!((p.attempts, p.correct, p.consecutive_wrong, p.last_at), (2, 1, 1, 2_000));
    }

    #[test]
    fn mastery_is_reached_and_lost_with_the_threshold() {
        let mut p = SkillProgress::initial(&PARAMS);
        let mut at = 0;
        while !p.is_mastered() {
            at += 1;
            p.apply_answer(&PARAMS, true, at);
            assert!(at < 20, "mastery never reached");
        }
        assert_eq!(p.mastered_at, Some(at));
        p.apply_answer(&PARAMS, false, at + 1);
        assert!(!p.is_mastered());
        assert_eq!(p.mastered_at, None);
    }

    #[test]
    fn stuck_reasons_appear_exactly_when_their_condition_holds() {
        let mut p = SkillProgress::initial(&PARAMS);
        p.apply_answer(&PARAMS, false, 1);
        p.apply_answer(&PARAMS, false, 2);
        assert_eq!(p.stuck(), None);
        p.apply_answer(&PARAMS, false, 3);
        assert_eq!(p.stuck(), Some(StuckReason::RepeatedFailure { consecutive_wrong: 3 }));
        // Alternate right and wrong: never three wrong in a row, never mastered.
        let mut q = SkillProgress::initial(&PARAMS);
        for i in 0..WHEEL_SPINNING_ATTEMPTS {
            q.apply_answer(&PARAMS, i % 2 == 0, i64::from(i));
            if i + 1 < WHEEL_SPINNING_ATTEMPTS {
                assert_eq!(q.stuck(), None, "after {} attempts", i + 1);
            }
        }
        assert!(!q.is_mastered());
        assert_eq!(q.stuck(), Some(StuckReason::WheelSpinning { attempts: WHEEL_SPINNING_ATTEMPTS }));
    }
}
