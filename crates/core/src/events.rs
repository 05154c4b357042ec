//! The vocabulary of the event log, and the one rule that turns events into learner state.
//!
//! Every learner interaction is stored as an append-only event of an [`EventKind`].
//! Mastery and memory per skill are a projection of those events: [`apply`] is the only
//! function that moves them, and both the live write path (storage, in the answer's
//! transaction) and `ownpace rebuild`'s replay call it. That is what makes "events are
//! the truth" hold: the same events, applied in the same order, give the same state.

use crate::learner::bkt::BktParams;
use crate::progress::SkillProgress;
use crate::review::Fsrs;
use std::collections::HashMap;
use std::fmt;

/// What an event records. Stored in the log as [`EventKind::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// A graded practice answer: moves mastery.
    Answer,
    /// A hint asked for on an item.
    Hint,
    /// A lesson marked as finished on screen.
    Lesson,
    /// An offline (hands-on or group) lesson marked as done.
    OfflineActivity,
    /// The outcome of a placement check: seeds mastery of unpractised skills.
    Placement,
    /// An answer during the placement check: graded, but moves nothing by itself.
    PlacementAnswer,
    /// An answer that could not be read for the item's kind ("forty" for a number): not
    /// graded, moves nothing, and keeps no copy of what was typed.
    UnreadAnswer,
    /// A result entered for an item of a printed practice sheet by the student
    /// (self-reported): kept, shown to the teacher, moves nothing until confirmed.
    SheetResult,
    /// A sheet result the teacher confirmed (or entered): moves mastery like an answer,
    /// but happened on paper, away from the screen.
    SheetAnswer,
    /// A teacher set (or cleared) a student's level on a skill, with a note
    /// ([`crate::grades`]): moves no mastery, but the gradebook replays it.
    GradeOverride,
    /// An answer to a held-out item in a pilot's post-test (issue 12): graded by the
    /// normal grader, moves nothing (like a placement answer); the pilot's post-test
    /// outcome is computed from these events.
    PostTestAnswer,
    /// A teacher's level on one rubric criterion of a project, for one student
    /// ([`crate::course::RubricCriterion::meets`]): moves mastery on the criterion's skills
    /// like one answer each, correct when the level is at or above "meets".
    ProjectAssessment,
}

impl EventKind {
    pub const ALL: [EventKind; 12] = [
        EventKind::Answer,
        EventKind::Hint,
        EventKind::Lesson,
        EventKind::OfflineActivity,
        EventKind::Placement,
        EventKind::PlacementAnswer,
        EventKind::UnreadAnswer,
        EventKind::SheetResult,
        EventKind::SheetAnswer,
        EventKind::GradeOverride,
        EventKind::PostTestAnswer,
        EventKind::ProjectAssessment,
    ];

    /// The name stored in the event log.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Answer => "answer",
            EventKind::Hint => "hint",
            EventKind::Lesson => "lesson",
            EventKind::OfflineActivity => "offline-activity",
            EventKind::Placement => "placement",
            EventKind::PlacementAnswer => "placement-answer",
            EventKind::UnreadAnswer => "unread-answer",
            EventKind::SheetResult => "sheet-result",
            EventKind::SheetAnswer => "sheet-answer",
            EventKind::GradeOverride => "grade-override",
            EventKind::PostTestAnswer => "post-test-answer",
            EventKind::ProjectAssessment => "project-assessment",
        }
    }

    /// The kind stored as `name`; `None` for a name this build does not know.
    pub fn from_name(name: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// Whether events of this kind move the learner state (through [`apply`]).
    pub fn moves_mastery(self) -> bool {
        matches!(
            self,
            EventKind::Answer
                | EventKind::Placement
                | EventKind::SheetAnswer
                | EventKind::ProjectAssessment
        )
    }

    /// Whether the event is a request made while working on screen: what screen time is
    /// measured from ([`crate::screen_time`]). Offline activities marked done and results
    /// from paper sheets are not.
    pub fn on_screen(self) -> bool {
        matches!(
            self,
            EventKind::Answer
                | EventKind::Hint
                | EventKind::Lesson
                | EventKind::Placement
                | EventKind::PlacementAnswer
                | EventKind::UnreadAnswer
                | EventKind::PostTestAnswer
        )
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An event as the learner state sees it: the kinds that move it, with what they carry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LearnerEvent<'a> {
    /// A graded practice answer on the item's skills.
    Answer {
        skills: &'a [String],
        correct: bool,
        at: i64,
    },
    /// A finished placement check: per skill, the belief that the student knows it.
    Placement {
        beliefs: &'a [(String, f64)],
        at: i64,
    },
}

impl LearnerEvent<'_> {
    /// The skills whose state the event may change (what a live write must load).
    pub fn skills(&self) -> Vec<&str> {
        match self {
            LearnerEvent::Answer { skills, .. } => skills.iter().map(String::as_str).collect(),
            LearnerEvent::Placement { beliefs, .. } => {
                beliefs.iter().map(|(s, _)| s.as_str()).collect()
            }
        }
    }
}

/// One student's state in one course: progress per skill id. Skills never touched are
/// absent (they are at their prior).
pub type LearnerState = HashMap<String, SkillProgress>;

/// A skill's progress just before and just after an event.
#[derive(Debug, Clone, PartialEq)]
pub struct SkillChange {
    pub skill: String,
    /// The state before (the prior when the skill had none).
    pub before: SkillProgress,
    pub after: SkillProgress,
}

/// Applies one event to a student's state in a course and returns what changed, in the
/// event's skill order. `params_for` gives the learner-model parameters of a skill.
pub fn apply(
    state: &mut LearnerState,
    event: &LearnerEvent<'_>,
    params_for: &dyn Fn(&str) -> BktParams,
) -> Vec<SkillChange> {
    let fsrs = Fsrs::default();
    // Each skill the event touches moves from its current state (the prior when it has
    // none) by the event's own rule.
    let mut change =
        |skill: &String, rule: &dyn Fn(&SkillProgress, &BktParams) -> SkillProgress| {
            let params = params_for(skill);
            let before = state
                .get(skill)
                .cloned()
                .unwrap_or_else(|| SkillProgress::initial(&params));
            let after = rule(&before, &params);
            state.insert(skill.clone(), after.clone());
            SkillChange {
                skill: skill.clone(),
                before,
                after,
            }
        };
    match *event {
        LearnerEvent::Answer {
            skills,
            correct,
            at,
        } => skills
            .iter()
            .map(|skill| {
                change(skill, &|before, params| {
                    let mut after = before.clone();
                    after.record(params, &fsrs, correct, at);
                    after
                })
            })
            .collect(),
        LearnerEvent::Placement { beliefs, at } => beliefs
            .iter()
            .map(|(skill, belief)| {
                change(skill, &|before, _| {
                    seed_from_placement(before, *belief, at, &fsrs)
                })
            })
            .collect(),
    }
}

/// A teacher's level on one rubric criterion for one student, as evidence: one answer on
/// each of the criterion's skills, correct when the level reaches the criterion's
/// "meets" level ([`crate::course::RubricCriterion::meets`]). Stored as a
/// `project-assessment` event and applied through [`apply`] like an answer, so the live
/// write and `rebuild` agree.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment<'a> {
    pub skills: &'a [String],
    pub points: u32,
    pub meets: u32,
    pub at: i64,
}

impl Assessment<'_> {
    pub fn meets_level(&self) -> bool {
        self.points >= self.meets
    }
    /// The event [`apply`] takes: weight one answer per skill.
    pub fn event(&self) -> LearnerEvent<'_> {
        LearnerEvent::Answer {
            skills: self.skills,
            correct: self.meets_level(),
            at: self.at,
        }
    }
}

/// The assessment for `points` on `criterion`; `None` when `points` is not one of the
/// criterion's levels (nothing is recorded then).
pub fn assessment(
    criterion: &crate::course::RubricCriterion,
    points: u32,
    at: i64,
) -> Option<Assessment<'_>> {
    if !criterion.levels.iter().any(|l| l.points == points) {
        return None;
    }
    Some(Assessment {
        skills: &criterion.skills,
        points,
        meets: criterion.meets()?,
        at,
    })
}

/// Placement seeds a skill only while the student has not practised it: answers count
/// more than the check's estimate.
fn seed_from_placement(
    current: &SkillProgress,
    belief: f64,
    at: i64,
    fsrs: &Fsrs,
) -> SkillProgress {
    if current.attempts > 0 {
        current.clone()
    } else {
        SkillProgress::placed(belief, at, fsrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(_: &str) -> BktParams {
        BktParams::default()
    }

    #[test]
    fn kinds_round_trip_through_their_stored_names() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::from_name(kind.as_str()), Some(kind));
        }
        assert_eq!(EventKind::from_name("answered"), None);
        assert!(EventKind::Answer.moves_mastery());
        assert!(!EventKind::Hint.moves_mastery());
        assert!(EventKind::SheetAnswer.moves_mastery());
        assert!(!EventKind::SheetResult.moves_mastery());
        assert!(!EventKind::SheetAnswer.on_screen());
        assert!(!EventKind::OfflineActivity.on_screen());
        assert!(EventKind::Hint.on_screen());
        assert!(!EventKind::PostTestAnswer.moves_mastery());
        assert!(EventKind::PostTestAnswer.on_screen());
        assert!(EventKind::ProjectAssessment.moves_mastery());
        assert!(!EventKind::ProjectAssessment.on_screen());
    }

    #[test]
    fn a_project_assessment_counts_as_one_answer_on_each_skill() {
        use crate::course::{RubricCriterion, RubricLevel};
        let level = |points| RubricLevel {
            points,
            description: String::new(),
        };
        let criterion = RubricCriterion {
            name: "Accurate".into(),
            levels: vec![level(1), level(2), level(3), level(4)],
            skills: vec!["a".into(), "b".into()],
        };
        // Four levels: "meets" is the second-highest (3 points).
        assert_eq!(criterion.meets(), Some(3));
        let (meets, below) = (
            assessment(&criterion, 3, 10).expect("3 is a level"),
            assessment(&criterion, 2, 10).expect("2 is a level"),
        );
        let mut state = LearnerState::new();
        let changes = apply(&mut state, &meets.event(), &params);
        assert_eq!(changes.len(), 2);
        let mut by_answer = LearnerState::new();
        apply(
            &mut by_answer,
            &LearnerEvent::Answer {
                skills: &criterion.skills,
                correct: true,
                at: 10,
            },
            &params,
        );
        assert_eq!(state, by_answer, "at \"meets\" it is one correct answer");
        let mut low = LearnerState::new();
        apply(&mut low, &below.event(), &params);
        assert_eq!(low["a"].attempts, 1);
        assert_eq!(
            low["a"].correct, 0,
            "below \"meets\" it is one wrong answer"
        );
        assert!(assessment(&criterion, 5, 10).is_none(), "5 is not a level");
    }

    #[test]
    fn placement_does_not_overwrite_practised_skills() {
        let mut state = LearnerState::new();
        let skills = vec!["a".to_string()];
        apply(
            &mut state,
            &LearnerEvent::Answer {
                skills: &skills,
                correct: false,
                at: 1,
            },
            &params,
        );
        let practised = state["a"].clone();
        let beliefs = vec![("a".to_string(), 0.99), ("b".to_string(), 0.99)];
        let changes = apply(
            &mut state,
            &LearnerEvent::Placement {
                beliefs: &beliefs,
                at: 2,
            },
            &params,
        );
        assert_eq!(state["a"], practised);
        assert_eq!(changes[0].after, practised);
        assert!(state["b"].is_mastered());
    }

    #[test]
    fn an_answer_reports_the_prior_as_before_for_an_untouched_skill() {
        let mut state = LearnerState::new();
        let skills = vec!["a".to_string()];
        let changes = apply(
            &mut state,
            &LearnerEvent::Answer {
                skills: &skills,
                correct: true,
                at: 5,
            },
            &params,
        );
        assert_eq!(
            changes[0].before,
            SkillProgress::initial(&BktParams::default())
        );
        assert_eq!(changes[0].after, state["a"]);
        assert_eq!(state["a"].attempts, 1);
    }
}
