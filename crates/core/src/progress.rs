//! Per-skill progress: the projection of a student's answer events that the product shows.
//!
//! Storage keeps one [`SkillProgress`] per student, course and skill, updated in the same
//! transaction as the answer event, and `ownpace rebuild` recomputes it by replaying the
//! events through [`SkillProgress::record`]. Keeping the rule here (pure) is what
//! makes the projection reproducible: the same events always give the same state.
//!
//! The rule (version [`RULE_VERSION`], in words in `docs/learner-model.md`, "What mastered
//! means"): the model's probability moves with the evidence only, so a correct answer
//! never lowers it and a wrong one never raises it (the BKT update is clamped at the
//! previous value: its learning step would otherwise raise mastery after a wrong answer
//! while it is low, and a fitted `forget` would lower it after a correct one near 1). A
//! skill is mastered when that probability is at least [`MASTERY_THRESHOLD`] *and* the
//! last [`MASTERY_STREAK`] answers on it were correct; the placement check counts as that
//! record for the skills it places. What the student sees of this state is
//! [`crate::standing::view`].

use crate::course::Course;
use crate::learner::bkt::BktParams;
use crate::recommend::{SkillState, SkillStatus};
use crate::review::{Fsrs, Grade, MemoryState, apply_review};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Version of the rule that turns answers into [`SkillProgress`] (this module and
/// [`apply_review`]). Storage keeps the version its projection was built with and
/// rebuilds the projection from the events when this changes.
pub const RULE_VERSION: u32 = 2;
/// Probability of mastery at or above which a skill can count as mastered.
pub const MASTERY_THRESHOLD: f64 = 0.95;
/// Correct answers in a row a skill needs, besides the probability, to count as mastered:
/// the "three in a row" of ASSISTments' skill builders, a record a teacher can check.
pub const MASTERY_STREAK: u32 = 3;
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
    /// Correct answers in a row up to the last answer. Placement credits a skill it places
    /// as mastered with [`MASTERY_STREAK`], so one wrong answer still ends it.
    #[serde(default)]
    pub consecutive_correct: u32,
    /// When the skill last became mastered; `None` while it is not mastered.
    pub mastered_at: Option<i64>,
    /// Time of the last answer (ms since the epoch); 0 before any.
    pub last_at: i64,
    /// Memory of the skill (FSRS) since it was first mastered: decides when it is due for
    /// review (SPEC C6). `None` until then.
    #[serde(default)]
    pub memory: Option<MemoryState>,
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
            consecutive_correct: 0,
            mastered_at: None,
            last_at: 0,
            memory: None,
        }
    }

    /// Progress seeded by the placement check with its belief, before any practice. A skill
    /// placed as mastered (belief at least [`MASTERY_THRESHOLD`]) counts as mastered, the
    /// check standing in for the record of correct answers, and starts its memory as if
    /// just reviewed successfully; it shows as "placed" until a correct answer confirms it
    /// ([`crate::standing::view`]), and a wrong one ends it like any failed review.
    pub fn placed(belief: f64, at: i64, fsrs: &Fsrs) -> Self {
        let p_mastery = if belief.is_finite() {
            belief.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let mut placed = SkillProgress {
            p_mastery,
            attempts: 0,
            correct: 0,
            consecutive_wrong: 0,
            consecutive_correct: if p_mastery >= MASTERY_THRESHOLD {
                MASTERY_STREAK
            } else {
                0
            },
            mastered_at: None,
            last_at: at,
            memory: None,
        };
        if placed.is_mastered() {
            placed.mastered_at = Some(at);
            placed.memory = Some(fsrs.first_review(Grade::Good, at));
        }
        placed
    }

    /// The projection's rule for one graded answer. On a mastered skill with a memory the
    /// answer is a review ([`apply_review`]: a correct one keeps the skill mastered and
    /// refreshes its memory; a wrong one ends mastery, the probability falling from the
    /// value shown before it). Otherwise it is practice
    /// ([`SkillProgress::apply_answer`]); reaching mastery starts or refreshes the memory.
    pub fn record(&mut self, params: &BktParams, fsrs: &Fsrs, correct: bool, at: i64) {
        match (self.mastered_at, self.memory) {
            (Some(_), Some(memory)) => {
                self.memory = Some(apply_review(fsrs, self, &memory, params, correct, at));
            }
            _ => {
                self.apply_answer(params, correct, at);
                if self.is_mastered() {
                    self.memory = Some(match self.memory {
                        None => fsrs.first_review(Grade::Good, at),
                        Some(lapsed) => fsrs.review(&lapsed, Grade::Good, at),
                    });
                }
            }
        }
    }

    /// Predicted recall now of a mastered skill; `None` when it is not mastered.
    pub fn recall(&self, fsrs: &Fsrs, now: i64) -> Option<f64> {
        match (self.mastered_at, &self.memory) {
            (Some(_), Some(memory)) => Some(fsrs.recall_probability(memory, now)),
            _ => None,
        }
    }

    /// A mastered skill whose predicted recall has fallen below `target_retention`.
    pub fn review_due(&self, fsrs: &Fsrs, now: i64, target_retention: f64) -> bool {
        self.recall(fsrs, now).is_some_and(|r| r < target_retention)
    }

    /// Applies one graded answer given at `at` (ms since the epoch): the BKT update, held
    /// at the previous value when it would move against the answer ([`evidence_step`]).
    pub fn apply_answer(&mut self, params: &BktParams, correct: bool, at: i64) {
        self.p_mastery = evidence_step(params, self.p_mastery, correct);
        self.attempts = self.attempts.saturating_add(1);
        if correct {
            self.correct = self.correct.saturating_add(1);
            self.consecutive_wrong = 0;
            self.consecutive_correct = self.consecutive_correct.saturating_add(1);
        } else {
            self.consecutive_wrong = self.consecutive_wrong.saturating_add(1);
            self.consecutive_correct = 0;
        }
        self.last_at = at;
        match (self.is_mastered(), self.mastered_at) {
            (true, None) => self.mastered_at = Some(at),
            (false, Some(_)) => self.mastered_at = None,
            _ => {}
        }
    }

    /// Mastered: the probability is at least [`MASTERY_THRESHOLD`] and the last
    /// [`MASTERY_STREAK`] answers were correct (or placement placed it and no answer since
    /// was wrong). A mastered skill whose review is due is still mastered: forgetting
    /// shows as "review due" ([`crate::standing`]), not as lost mastery.
    pub fn is_mastered(&self) -> bool {
        self.p_mastery >= MASTERY_THRESHOLD && self.consecutive_correct >= MASTERY_STREAK
    }

    /// Correct answers in a row still needed for mastery (0 once the record is there).
    pub fn streak_missing(&self) -> u32 {
        MASTERY_STREAK.saturating_sub(self.consecutive_correct)
    }

    /// Whether the student is stuck on this skill, and why. Repeated failure wins when both
    /// hold. Wheel-spinning counts only skills never mastered (a skill with a memory was
    /// mastered once: after a lapse its old attempts say nothing about spinning).
    pub fn stuck(&self) -> Option<StuckReason> {
        if self.consecutive_wrong >= STUCK_CONSECUTIVE_WRONG {
            Some(StuckReason::RepeatedFailure {
                consecutive_wrong: self.consecutive_wrong,
            })
        } else if !self.is_mastered()
            && self.memory.is_none()
            && self.attempts >= WHEEL_SPINNING_ATTEMPTS
        {
            Some(StuckReason::WheelSpinning {
                attempts: self.attempts,
            })
        } else {
            None
        }
    }
}

/// One answer's move of the probability of mastery: the BKT update (posterior, then the
/// learning and forgetting transition), held at `p` when it would move against the
/// answer. A wrong answer never raises the probability and a correct one never lowers it.
pub fn evidence_step(params: &BktParams, p: f64, correct: bool) -> f64 {
    let p = if p.is_finite() {
        p.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let next = params.update(p, correct);
    if !next.is_finite() {
        return p;
    }
    let next = next.clamp(0.0, 1.0);
    if correct { next.max(p) } else { next.min(p) }
}

/// Every skill of `course` as the student stands on it now: state (mastered, in progress,
/// ready, or locked with the missing prerequisites), mastery, and for mastered skills the
/// predicted recall and whether a review is due, and what people see of it
/// ([`crate::standing::view`]). `progress` holds the projection's rows by skill id; `prior`
/// is the model's starting probability for skills never practised (used to rank next
/// steps, never shown: a skill not started shows no number).
pub fn skill_statuses(
    course: &Course,
    progress: &HashMap<&str, &SkillProgress>,
    prior: impl Fn(&str) -> f64,
    fsrs: &Fsrs,
    now: i64,
    target_retention: f64,
) -> HashMap<String, SkillStatus> {
    let mastered = |id: &str| progress.get(id).is_some_and(|p| p.is_mastered());
    course
        .skills
        .iter()
        .map(|skill| {
            let p = progress.get(skill.id.as_str()).copied();
            let state = match p {
                Some(p) if p.is_mastered() => SkillState::Mastered,
                Some(p) if p.attempts > 0 => SkillState::InProgress,
                _ => SkillState::not_started(skill, mastered),
            };
            let status = SkillStatus {
                state,
                p_mastery: p.map_or_else(|| prior(&skill.id), |p| p.p_mastery),
                attempts: p.map_or(0, |p| p.attempts),
                last_practised: p.filter(|p| p.attempts > 0).map(|p| p.last_at),
                recall: p.and_then(|p| p.recall(fsrs, now)),
                review_due: p.is_some_and(|p| p.review_due(fsrs, now, target_retention)),
                view: crate::standing::view(p, fsrs, now, target_retention),
            };
            (skill.id.clone(), status)
        })
        .collect()
}

/// One school week of the guardian's progress chart: its Monday, how many skills were
/// known at its end, and how many of those became mastered during it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasteredWeek {
    pub monday: jiff::civil::Date,
    pub known: u32,
    pub new: u32,
}

/// Skills mastered week by week over the last `count` school weeks (oldest first), from
/// when each skill the student knows now last became mastered. A skill mastered, forgotten
/// and mastered again counts in the week of the last time.
pub fn mastered_weeks(
    zone: &crate::screen_time::SchoolZone,
    mastered_at: &[i64],
    now: i64,
    count: usize,
) -> Vec<MasteredWeek> {
    use jiff::Span;
    let this_monday = crate::screen_time::SchoolZone::week_of(zone.date(now));
    (0..count as i64)
        .rev()
        .filter_map(|back| this_monday.checked_sub(Span::new().weeks(back)).ok())
        .map(|monday| {
            let start = zone.day_start(monday);
            let end = monday
                .checked_add(Span::new().weeks(1))
                .map_or(i64::MAX, |next| zone.day_start(next));
            MasteredWeek {
                monday,
                known: mastered_at.iter().filter(|&&at| at < end).count() as u32,
                new: mastered_at
                    .iter()
                    .filter(|&&at| at >= start && at < end)
                    .count() as u32,
            }
        })
        .collect()
}

/// The chart of [`mastered_weeks`] as SVG drawn by Ownpace (no script, no other host): a
/// bar per week for the skills known at its end, the week's new ones named in each bar's
/// title and in the description screen readers read.
pub fn mastered_chart_svg(weeks: &[MasteredWeek], title: &str) -> String {
    const WIDTH: f64 = 320.0;
    const HEIGHT: f64 = 140.0;
    const LEFT: f64 = 30.0;
    const BOTTOM: f64 = 24.0;
    const TOP: f64 = 10.0;
    let highest = weeks.iter().map(|w| w.known).max().unwrap_or(0).max(5);
    // A round scale: the next multiple of five.
    let scale = f64::from(highest.div_ceil(5) * 5);
    let plot_h = HEIGHT - BOTTOM - TOP;
    let slot = (WIDTH - LEFT - 4.0) / weeks.len().max(1) as f64;
    let y = |n: u32| TOP + plot_h * (1.0 - f64::from(n) / scale);
    let mut bars = String::new();
    let mut desc = Vec::new();
    for (i, week) in weeks.iter().enumerate() {
        let x = LEFT + slot * i as f64 + slot * 0.15;
        let w = slot * 0.7;
        let phrase = format!("{} skills known, {} new that week", week.known, week.new);
        desc.push(format!("week of {}: {phrase}", week.monday));
        bars.push_str(&format!(
            "<rect class=\"bar\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\"><title>Week of {}: {phrase}</title></rect>\
             <text class=\"week\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{:02}-{:02}</text>",
            y(week.known),
            (HEIGHT - BOTTOM - y(week.known)).max(0.0),
            week.monday,
            x + w / 2.0,
            HEIGHT - 8.0,
            week.monday.month(),
            week.monday.day(),
        ));
    }
    let axis = format!(
        "<line class=\"axis\" x1=\"{LEFT}\" x2=\"{LEFT}\" y1=\"{TOP}\" y2=\"{b:.1}\"/>\
         <line class=\"axis\" x1=\"{LEFT}\" x2=\"{r:.1}\" y1=\"{b:.1}\" y2=\"{b:.1}\"/>\
         <text class=\"scale\" x=\"{l:.1}\" y=\"{t:.1}\" text-anchor=\"end\">{scale}</text>\
         <text class=\"scale\" x=\"{l:.1}\" y=\"{b:.1}\" text-anchor=\"end\">0</text>",
        b = HEIGHT - BOTTOM,
        r = WIDTH - 4.0,
        l = LEFT - 4.0,
        t = TOP + 8.0,
    );
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    format!(
        "<svg class=\"mastered-chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-labelledby=\"mastered-chart-title mastered-chart-desc\">\
         <title id=\"mastered-chart-title\">{}</title><desc id=\"mastered-chart-desc\">{}</desc>{axis}{bars}</svg>",
        escape(title),
        escape(&desc.join("; ")),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn mastered_weeks_count_known_skills_at_each_week_end() {
        let zone = crate::screen_time::SchoolZone::default();
        const DAY: i64 = 86_400_000;
        // 2026-11-30 is a Monday (UTC). Two skills two weeks ago, one this week.
        let monday = 20_787 * DAY;
        let at = [monday - 13 * DAY, monday - 12 * DAY, monday + DAY];
        let weeks = mastered_weeks(&zone, &at, monday + 2 * DAY, 4);
        let counts: Vec<(u32, u32)> = weeks.iter().map(|w| (w.known, w.new)).collect();
        assert_eq!(counts, [(0, 0), (2, 2), (2, 0), (3, 1)]);
        assert_eq!(weeks[3].monday.to_string(), "2026-11-30");
        let svg = mastered_chart_svg(&weeks, "Ana's <skills>");
        assert_eq!(svg.matches("<rect").count(), 4);
        assert!(svg.contains("3 skills known, 1 new that week"));
        assert!(svg.contains("Ana's &lt;skills&gt;") && !svg.contains("<skills>"));
    }

    use super::*;

    const PARAMS: BktParams = BktParams {
        init: 0.2,
        learn: 0.15,
        forget: 0.0,
        guess: 0.2,
        slip: 0.1,
    };

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
        assert!(
            (p.p_mastery - 0.284_210_526).abs() < 1e-6,
            "{}",
            p.p_mastery
        );
        assert_eq!(
            (p.attempts, p.correct, p.consecutive_wrong, p.last_at),
            (2, 1, 1, 2_000)
        );
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
    fn mastered_skills_get_a_memory_and_come_due_for_review() {
        let fsrs = Fsrs::default();
        let day = 86_400_000;
        let mut p = SkillProgress::initial(&PARAMS);
        let mut at = 0;
        while !p.is_mastered() {
            at += 60_000;
            p.record(&PARAMS, &fsrs, true, at);
        }
        let memory = p.memory.expect("mastery starts a memory");
        assert_eq!(memory.last_review_at, at);
        assert!(!p.review_due(&fsrs, at + day, 0.9), "not due the next day");
        let due = fsrs.due_at(&memory, 0.9);
        assert!(
            due > at + day && p.review_due(&fsrs, due + day, 0.9),
            "due after the scheduled interval"
        );
        // A failed review clears mastery; practice brings it back with a refreshed memory.
        p.record(&PARAMS, &fsrs, false, due + day);
        assert!(!p.is_mastered() && p.mastered_at.is_none());
        assert_eq!(p.recall(&fsrs, due + day), None);
        let lapsed = p.memory.expect("the lapse is remembered");
        let mut t = due + day;
        while !p.is_mastered() {
            t += 60_000;
            p.record(&PARAMS, &fsrs, true, t);
        }
        assert_eq!(p.memory.map(|m| m.last_review_at), Some(t));
        assert_ne!(p.memory, Some(lapsed));
    }

    #[test]
    fn statuses_follow_prerequisites_progress_and_memory() {
        use crate::course::{Course, Skill};
        let skill = |id: &str, pre: &[&str]| Skill {
            id: id.into(),
            name: id.into(),
            description: String::new(),
            prerequisites: pre.iter().map(|s| s.to_string()).collect(),
            standards: vec![],
        };
        let course = Course {
            id: "c".into(),
            title: "c".into(),
            description: String::new(),
            level: String::new(),
            language: "en".into(),
            skills: vec![skill("a", &[]), skill("b", &["a"]), skill("c", &["a", "b"])],
            lessons: vec![],
            items: vec![],
            projects: vec![],
            assets: vec![],
        };
        let fsrs = Fsrs::default();
        let prior = |_: &str| 0.2;
        let fresh = skill_statuses(&course, &HashMap::new(), prior, &fsrs, 0, 0.9);
        assert_eq!(fresh["a"].state, SkillState::Ready);
        assert_eq!(
            fresh["b"].state,
            SkillState::Locked {
                missing: vec!["a".into()]
            }
        );
        assert_eq!(
            fresh["c"].state,
            SkillState::Locked {
                missing: vec!["a".into(), "b".into()]
            }
        );
        assert_eq!(
            (
                fresh["a"].p_mastery,
                fresh["a"].attempts,
                fresh["a"].last_practised
            ),
            (0.2, 0, None)
        );

        let a = SkillProgress::placed(0.99, 1_000, &fsrs);
        let mut b = SkillProgress::initial(&PARAMS);
        b.record(&PARAMS, &fsrs, false, 2_000);
        let progress: HashMap<&str, &SkillProgress> = [("a", &a), ("b", &b)].into_iter().collect();
        let later = skill_statuses(&course, &progress, prior, &fsrs, 3_000, 0.9);
        assert_eq!(later["a"].state, SkillState::Mastered);
        assert!(later["a"].recall.is_some_and(|r| r > 0.99) && !later["a"].review_due);
        assert_eq!(later["b"].state, SkillState::InProgress);
        assert_eq!(
            (
                later["b"].attempts,
                later["b"].last_practised,
                later["b"].recall
            ),
            (1, Some(2_000), None)
        );
        assert_eq!(
            later["c"].state,
            SkillState::Locked {
                missing: vec!["b".into()]
            }
        );
        let much_later = skill_statuses(&course, &progress, prior, &fsrs, 400 * 86_400_000, 0.9);
        assert!(
            much_later["a"].review_due,
            "a year on, the placed skill is due"
        );
    }

    #[test]
    fn placement_seeds_mastered_skills_with_a_memory() {
        let fsrs = Fsrs::default();
        let known = SkillProgress::placed(0.99, 5, &fsrs);
        assert!(known.is_mastered() && known.memory.is_some() && known.mastered_at == Some(5));
        let unknown = SkillProgress::placed(0.05, 5, &fsrs);
        assert!(!unknown.is_mastered() && unknown.memory.is_none());
    }

    #[test]
    fn stuck_reasons_appear_exactly_when_their_condition_holds() {
        let mut p = SkillProgress::initial(&PARAMS);
        p.apply_answer(&PARAMS, false, 1);
        p.apply_answer(&PARAMS, false, 2);
        assert_eq!(p.stuck(), None);
        p.apply_answer(&PARAMS, false, 3);
        assert_eq!(
            p.stuck(),
            Some(StuckReason::RepeatedFailure {
                consecutive_wrong: 3
            })
        );
        // Alternate right and wrong: never three wrong in a row, never mastered.
        let mut q = SkillProgress::initial(&PARAMS);
        for i in 0..WHEEL_SPINNING_ATTEMPTS {
            q.apply_answer(&PARAMS, i % 2 == 0, i64::from(i));
            if i + 1 < WHEEL_SPINNING_ATTEMPTS {
                assert_eq!(q.stuck(), None, "after {} attempts", i + 1);
            }
        }
        assert!(!q.is_mastered());
        assert_eq!(
            q.stuck(),
            Some(StuckReason::WheelSpinning {
                attempts: WHEEL_SPINNING_ATTEMPTS
            })
        );
    }
}
