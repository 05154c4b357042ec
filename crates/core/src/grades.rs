//! Grades without marking: a standards-based level per student and skill, read off the
//! mastery state, with the teacher's override on top (SPEC C10, issue 9 point 5).
//!
//! Nobody marks anything: the level is a function of what [`crate::standing`] already
//! says about the skill, so the gradebook, the student's record and the guardian's page
//! can never disagree. A teacher who knows better (work done away from Ownpace, an
//! accommodation) sets a level with a note; that override is an event in the log, so
//! replaying the log (`ownpace rebuild`) gives the same gradebook. The mapping is written
//! for teachers in `docs/grades.md`; keep the two in step.

use crate::progress::SkillProgress;
use crate::standing::{SkillView, Standing};
use serde::{Deserialize, Serialize};

/// A level on the usual 4-point standards-based scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// 1: started, little of it is secure yet.
    Beginning,
    /// 2: getting there; most of the way to mastery.
    Approaching,
    /// 3: meets the standard: mastered (or placed as known by the placement check).
    Meets,
    /// 4: exceeds: mastered and still answered correctly on a return to it at least
    /// [`RETAINED_AFTER_DAYS`] days later.
    Exceeds,
}

/// Days after mastery a correct answer must come for the skill to count as retained.
pub const RETAINED_AFTER_DAYS: i64 = 7;

/// The probability of mastery from which an in-progress skill reads "approaching".
pub const APPROACHING_FROM: f64 = 0.5;

const DAY_MS: i64 = 86_400_000;

impl Level {
    pub const ALL: [Level; 4] = [
        Level::Beginning,
        Level::Approaching,
        Level::Meets,
        Level::Exceeds,
    ];

    /// 1 to 4.
    pub fn number(self) -> u8 {
        match self {
            Level::Beginning => 1,
            Level::Approaching => 2,
            Level::Meets => 3,
            Level::Exceeds => 4,
        }
    }

    /// The level for 1 to 4; `None` otherwise.
    pub fn from_number(n: i64) -> Option<Level> {
        Level::ALL.into_iter().find(|l| i64::from(l.number()) == n)
    }

    /// The level's word, as pages, CSV and the API show it.
    pub fn word(self) -> &'static str {
        match self {
            Level::Beginning => "beginning",
            Level::Approaching => "approaching",
            Level::Meets => "meets",
            Level::Exceeds => "exceeds",
        }
    }
}

/// The level the evidence gives, before any override: `None` while there is no evidence
/// (the skill was never practised or placed). `view` is the skill's one state
/// ([`crate::standing::view`]) and `progress` the projection it was read from.
pub fn derived_level(view: &SkillView, progress: Option<&SkillProgress>) -> Option<Level> {
    match view.standing {
        Standing::NotStarted => None,
        Standing::InProgress => Some(if view.value.unwrap_or(0.0) >= APPROACHING_FROM {
            Level::Approaching
        } else {
            Level::Beginning
        }),
        Standing::Placed | Standing::ReviewDue => Some(Level::Meets),
        Standing::Mastered => Some(match progress {
            Some(p) if retained(p) => Level::Exceeds,
            _ => Level::Meets,
        }),
    }
}

/// Mastered, and the latest answer — correct — came at least [`RETAINED_AFTER_DAYS`]
/// after the skill became mastered: the student came back to it and still knew it.
fn retained(p: &SkillProgress) -> bool {
    match p.mastered_at {
        Some(mastered_at) => {
            p.consecutive_correct > 0 && p.last_at - mastered_at >= RETAINED_AFTER_DAYS * DAY_MS
        }
        None => false,
    }
}

/// A teacher's override of one skill's level, as recorded in the log. `level: None`
/// clears an earlier override (the derived level counts again).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Override {
    pub level: Option<Level>,
    pub note: String,
    pub at: i64,
}

/// The longest note a teacher may write with an override (characters).
pub const NOTE_MAX_CHARS: usize = 500;

/// One skill's grade: what the evidence gives and what counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Grade {
    /// What counts: the override's level when one stands, otherwise the derived one.
    pub level: Option<Level>,
    pub derived: Option<Level>,
    /// The standing override, if any (the latest one, when it sets a level).
    pub overridden: Option<Override>,
}

/// The grade of one skill from its derived level and the skill's overrides in the order
/// they were recorded: the latest one decides.
pub fn grade(derived: Option<Level>, overrides: &[Override]) -> Grade {
    let standing = overrides
        .iter()
        .max_by_key(|o| o.at)
        .filter(|o| o.level.is_some())
        .cloned();
    Grade {
        level: standing.as_ref().and_then(|o| o.level).or(derived),
        derived,
        overridden: standing,
    }
}

/// The level of a standard (a code skills declare in the course file) from the levels of
/// its skills: the lower median of those with a level, so one strong skill cannot carry
/// a weak standard and one weak skill alone does not sink a strong one. `None` when no
/// skill of the standard has a level yet.
pub fn standard_level(levels: impl IntoIterator<Item = Option<Level>>) -> Option<Level> {
    let mut known: Vec<Level> = levels.into_iter().flatten().collect();
    if known.is_empty() {
        return None;
    }
    known.sort();
    Some(known[(known.len() - 1) / 2])
}

/// A cell for a CSV file that a spreadsheet will show as text, never run: a value that
/// starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'` (OWASP's
/// advice on CSV injection). Quoting for commas is the CSV writer's job.
pub fn spreadsheet_safe(value: &str) -> String {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::Fsrs;
    use crate::standing;

    fn progress(p: f64, mastered_at: Option<i64>, last_at: i64, streak: u32) -> SkillProgress {
        SkillProgress {
            p_mastery: p,
            attempts: 8,
            correct: 6,
            consecutive_wrong: 0,
            consecutive_correct: streak,
            mastered_at,
            last_at,
            memory: None,
        }
    }

    fn level_of(p: &SkillProgress, now: i64) -> Option<Level> {
        let view = standing::view(Some(p), &Fsrs::default(), now, 0.0);
        derived_level(&view, Some(p))
    }

    #[test]
    fn no_evidence_is_no_level() {
        let view = standing::view(None, &Fsrs::default(), 0, 0.9);
        assert_eq!(derived_level(&view, None), None);
    }

    #[test]
    fn in_progress_splits_at_the_approaching_threshold() {
        let low = progress(0.3, None, 1_000, 1);
        let high = progress(0.7, None, 1_000, 1);
        assert_eq!(level_of(&low, 2_000), Some(Level::Beginning));
        assert_eq!(level_of(&high, 2_000), Some(Level::Approaching));
    }

    #[test]
    fn mastered_meets_and_exceeds_only_after_a_correct_return_a_week_later() {
        let mastered_at = 10 * DAY_MS;
        let fresh = progress(0.99, Some(mastered_at), mastered_at, 5);
        assert_eq!(level_of(&fresh, mastered_at), Some(Level::Meets));
        let returned = progress(0.99, Some(mastered_at), mastered_at + 8 * DAY_MS, 6);
        assert_eq!(
            level_of(&returned, mastered_at + 8 * DAY_MS),
            Some(Level::Exceeds)
        );
        let too_soon = progress(0.99, Some(mastered_at), mastered_at + 6 * DAY_MS, 6);
        assert_eq!(
            level_of(&too_soon, mastered_at + 6 * DAY_MS),
            Some(Level::Meets)
        );
    }

    #[test]
    fn the_latest_override_decides_and_a_clear_restores_the_evidence() {
        let set = |level, at| Override {
            level,
            note: String::new(),
            at,
        };
        let g = grade(
            Some(Level::Approaching),
            &[set(Some(Level::Meets), 5), set(Some(Level::Beginning), 2)],
        );
        assert_eq!(g.level, Some(Level::Meets));
        assert_eq!(g.derived, Some(Level::Approaching));
        let cleared = grade(
            Some(Level::Approaching),
            &[set(Some(Level::Meets), 5), set(None, 9)],
        );
        assert_eq!(cleared.level, Some(Level::Approaching));
        assert!(cleared.overridden.is_none());
        assert_eq!(grade(None, &[]).level, None);
    }

    #[test]
    fn a_standard_takes_the_lower_median_of_its_skills() {
        use Level::*;
        assert_eq!(standard_level([None, None]), None);
        assert_eq!(standard_level([Some(Exceeds), None]), Some(Exceeds));
        assert_eq!(
            standard_level([Some(Exceeds), Some(Beginning)]),
            Some(Beginning)
        );
        assert_eq!(
            standard_level([Some(Meets), Some(Exceeds), Some(Beginning)]),
            Some(Meets)
        );
    }

    #[test]
    fn formula_like_cells_are_neutralised() {
        for bad in ["=1+2", "+SUM(A1)", "-2", "@cmd", "\tx", "\rx"] {
            let safe = spreadsheet_safe(bad);
            assert!(safe.starts_with('\''), "{bad:?} -> {safe:?}");
            assert_eq!(&safe[1..], bad);
        }
        assert_eq!(spreadsheet_safe("Ana Lima"), "Ana Lima");
        assert_eq!(spreadsheet_safe(""), "");
    }

    #[test]
    fn levels_round_trip_through_their_numbers() {
        for level in Level::ALL {
            assert_eq!(Level::from_number(i64::from(level.number())), Some(level));
        }
        assert_eq!(Level::from_number(0), None);
        assert_eq!(Level::from_number(5), None);
    }
}
