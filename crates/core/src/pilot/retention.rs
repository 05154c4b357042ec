//! The outcome "retention after 30 days" (issue 12, point 5), from a student's events: of
//! the skills the student mastered during the pilot, the share they still answer correctly
//! when they next meet them 30 or more days after mastering. Pure: the web layer loads the
//! answers and stores the result.

use crate::events::{self, LearnerEvent, LearnerState};
use crate::learner::bkt::BktParams;
use std::collections::HashMap;

/// How long after mastering a skill the next meeting must come to count.
pub const RETENTION_GAP_MS: i64 = 30 * 86_400_000;

/// One graded answer (practice or a confirmed paper sheet), as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct GradedAnswer {
    pub skills: Vec<String>,
    pub correct: bool,
    pub at: i64,
}

/// When each skill first became mastered within `[start, end]` (milliseconds), replaying
/// the answers in time order from no prior state.
pub fn mastered_during(
    answers: &[GradedAnswer],
    start: i64,
    end: i64,
    params_for: &dyn Fn(&str) -> BktParams,
) -> HashMap<String, i64> {
    let mut sorted: Vec<&GradedAnswer> = answers.iter().collect();
    sorted.sort_by_key(|a| a.at);
    let mut state = LearnerState::new();
    let mut mastered: HashMap<String, i64> = HashMap::new();
    for a in sorted {
        let changes = events::apply(
            &mut state,
            &LearnerEvent::Answer {
                skills: &a.skills,
                correct: a.correct,
                at: a.at,
            },
            params_for,
        );
        if a.at < start || a.at > end {
            continue;
        }
        for c in changes {
            if !c.before.is_mastered() && c.after.is_mastered() {
                mastered.entry(c.skill).or_insert(a.at);
            }
        }
    }
    mastered
}

/// The retention share for one student: of the skills mastered in `[start, end]` that the
/// student met again `RETENTION_GAP_MS` or more after mastering, the share whose first such
/// answer was correct. `None` when no mastered skill was met again that late (no outcome).
pub fn retention(
    answers: &[GradedAnswer],
    start: i64,
    end: i64,
    params_for: &dyn Fn(&str) -> BktParams,
) -> Option<f64> {
    let mastered = mastered_during(answers, start, end, params_for);
    let mut met = 0usize;
    let mut kept = 0usize;
    for (skill, at) in &mastered {
        let next = answers
            .iter()
            .filter(|a| a.at >= at + RETENTION_GAP_MS && a.skills.contains(skill))
            .min_by_key(|a| a.at);
        if let Some(a) = next {
            met += 1;
            kept += usize::from(a.correct);
        }
    }
    (met > 0).then(|| kept as f64 / met as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;

    fn answer(skill: &str, correct: bool, at: i64) -> GradedAnswer {
        GradedAnswer {
            skills: vec![skill.to_string()],
            correct,
            at,
        }
    }

    /// Correct answers on `skill` from `from`, one a minute, until it is mastered.
    fn master(skill: &str, from: i64) -> Vec<GradedAnswer> {
        let params = BktParams::default();
        let mut out = Vec::new();
        for i in 0..40 {
            out.push(answer(skill, true, from + i * 60_000));
            if mastered_during(&out, 0, i64::MAX, &|_| params).contains_key(skill) {
                return out;
            }
        }
        panic!("{skill} never mastered");
    }

    #[test]
    fn counts_the_first_meeting_thirty_days_after_mastering() {
        let params = BktParams::default();
        let start = 10 * DAY;
        let end = 20 * DAY;
        let mut answers = master("a", start + DAY);
        answers.extend(master("b", start + 2 * DAY));
        answers.extend(master("c", start + 3 * DAY));
        let a_at = mastered_during(&answers, start, end, &|_| params)["a"];
        // "a": met at 29 days (does not count), then at 31 days correct.
        answers.push(answer("a", false, a_at + 29 * DAY));
        answers.push(answer("a", true, a_at + 31 * DAY));
        answers.push(answer("a", false, a_at + 40 * DAY));
        // "b": first meeting after 30 days is wrong.
        answers.push(answer("b", false, start + 40 * DAY));
        answers.push(answer("b", true, start + 41 * DAY));
        // "c": never met again: not counted.
        let share = retention(&answers, start, end, &|_| params);
        assert_eq!(share, Some(0.5));
        // Nothing mastered in the window: no outcome.
        assert_eq!(
            retention(&answers, end + DAY, end + 2 * DAY, &|_| params),
            None
        );
    }

    #[test]
    fn mastery_before_the_pilot_does_not_count() {
        let params = BktParams::default();
        let mut answers = master("a", 0);
        answers.push(answer("a", true, 40 * DAY));
        assert!(mastered_during(&answers, DAY, 10 * DAY, &|_| params).is_empty());
        assert_eq!(retention(&answers, DAY, 10 * DAY, &|_| params), None);
        assert_eq!(retention(&answers, 0, 10 * DAY, &|_| params), Some(1.0));
    }
}
