//! Solo and group balance (SPEC C12, issue 10 point 6): how much of a student's week is
//! spent alone at a screen and how much with others.
//!
//! Alone at a screen is the measured screen time ([`crate::screen_time`]: practice,
//! lessons on screen, placement). With others is what the caller gathers as
//! [`Together`] entries: hands-on and group lessons done offline (their minutes in the
//! course), check-ins held, group project work (posts, submissions, peer reviews, counted
//! at [`ACTIVITY_MINUTES`] each) and time a student or teacher recorded ("worked with
//! others: N minutes"). Weeks are the school's weeks (Monday to Sunday in `timezone`).
//!
//! The rule: over the last [`PERIOD_WEEKS`] weeks (this one and the one before), when the
//! share alone is above the class's threshold (default [`DEFAULT_THRESHOLD_PERCENT`]) and
//! there is at least [`MIN_ALONE_MS`] of screen time to speak of, the student's next steps
//! offer group work ([`crate::recommend`], precedence 5 of the contract).

use crate::screen_time::{SchoolZone, Stamp, per_week};
use jiff::civil::Date;
use serde::Serialize;
use std::collections::BTreeMap;

/// The share alone (in percent) above which group work is offered, unless the teacher sets
/// another for the class.
pub const DEFAULT_THRESHOLD_PERCENT: u8 = 80;
/// The lowest and highest threshold a teacher may set.
pub const MIN_THRESHOLD_PERCENT: u8 = 50;
pub const MAX_THRESHOLD_PERCENT: u8 = 100;
/// Weeks the rule looks at: this week and the one before.
pub const PERIOD_WEEKS: usize = 2;
/// Less screen time than this over the period never asks for group work: a student who
/// barely used the screen is not "alone at a screen".
pub const MIN_ALONE_MS: i64 = 60 * 60_000;
/// What one group activity without a duration of its own counts for (a post, a
/// submission, a peer review, a check-in held), in minutes.
pub const ACTIVITY_MINUTES: u32 = 10;
/// The most minutes one recorded "worked with others" entry may hold (a school day).
pub const MAX_RECORDED_MINUTES: u32 = 600;
/// The longest description of a recorded entry, in characters.
pub const WHAT_MAX_CHARS: usize = 200;

/// What kind of time with others an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TogetherKind {
    /// A hands-on or group lesson marked done (its minutes from the course).
    OfflineLesson,
    /// A check-in held with the teacher.
    CheckIn,
    /// A post, submission or peer review in a project group.
    ProjectWork,
    /// Time recorded on the form by the student or a teacher.
    Recorded,
}

/// One stretch of time spent with others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Together {
    /// When it happened (ms since the epoch).
    pub at: i64,
    pub minutes: u32,
    pub kind: TogetherKind,
}

/// One school week's balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WeekBalance {
    /// The week's Monday.
    #[serde(serialize_with = "date_text")]
    pub monday: Date,
    pub alone_ms: i64,
    pub together_ms: i64,
}

fn date_text<S: serde::Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(d)
}

/// The balance over a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Balance {
    pub alone_ms: i64,
    pub together_ms: i64,
}

impl Balance {
    /// The share of the time alone at a screen, in whole percent; `None` with no time at all.
    pub fn alone_percent(&self) -> Option<u8> {
        let total = self.alone_ms + self.together_ms;
        if total <= 0 {
            return None;
        }
        let percent = (self.alone_ms as f64 * 100.0 / total as f64).round();
        Some(percent.clamp(0.0, 100.0) as u8)
    }

    /// Whether the student's next steps should offer group work: more screen time than
    /// [`MIN_ALONE_MS`] and a share alone strictly above `threshold_percent`.
    pub fn asks_for_group_work(&self, threshold_percent: u8) -> bool {
        self.alone_ms >= MIN_ALONE_MS
            && self
                .alone_percent()
                .is_some_and(|p| p > threshold_percent.min(MAX_THRESHOLD_PERCENT))
    }

    /// "70% alone at a screen, 2 h 10 min with others" for the teacher's column.
    pub fn text(&self) -> String {
        match self.alone_percent() {
            None => "no activity yet".to_string(),
            Some(p) => format!(
                "{p}% alone at a screen; {} with others",
                crate::screen_time::minutes_phrase(self.together_ms)
            ),
        }
    }
}

/// The last `count` school weeks up to the one holding `now`, oldest first, with time alone
/// at a screen (from `screen`) and time with others (from `together`).
pub fn weeks(
    zone: &SchoolZone,
    screen: &[Stamp],
    together: &[Together],
    now: i64,
    count: usize,
) -> Vec<WeekBalance> {
    let alone = per_week(zone, screen);
    let mut with_others: BTreeMap<Date, i64> = BTreeMap::new();
    for t in together {
        if t.at > now {
            continue;
        }
        let monday = SchoolZone::week_of(zone.date(t.at));
        *with_others.entry(monday).or_insert(0) += i64::from(t.minutes) * 60_000;
    }
    crate::screen_time::recent_weeks(zone, screen, now, count)
        .into_iter()
        .map(|w| WeekBalance {
            monday: w.monday,
            alone_ms: alone.get(&w.monday).copied().unwrap_or(0),
            together_ms: with_others.get(&w.monday).copied().unwrap_or(0),
        })
        .collect()
}

/// The balance over the rule's period ([`PERIOD_WEEKS`] weeks up to `now`).
pub fn recent(zone: &SchoolZone, screen: &[Stamp], together: &[Together], now: i64) -> Balance {
    weeks(zone, screen, together, now, PERIOD_WEEKS)
        .into_iter()
        .fold(Balance::default(), |b, w| Balance {
            alone_ms: b.alone_ms + w.alone_ms,
            together_ms: b.together_ms + w.together_ms,
        })
}

/// A recorded "worked with others" entry, checked: minutes 1 to [`MAX_RECORDED_MINUTES`],
/// a description of 1 to [`WHAT_MAX_CHARS`] characters (trimmed).
pub fn check_recorded(minutes: i64, what: &str) -> Result<(u32, String), BalanceError> {
    let minutes = u32::try_from(minutes)
        .ok()
        .filter(|m| (1..=MAX_RECORDED_MINUTES).contains(m))
        .ok_or(BalanceError::Minutes)?;
    let what = what.trim();
    if what.is_empty() {
        return Err(BalanceError::WhatMissing);
    }
    if what.chars().count() > WHAT_MAX_CHARS {
        return Err(BalanceError::WhatTooLong);
    }
    Ok((minutes, what.to_string()))
}

/// A threshold from a teacher's form: whole percent from [`MIN_THRESHOLD_PERCENT`] to
/// [`MAX_THRESHOLD_PERCENT`].
pub fn check_threshold(percent: i64) -> Result<u8, BalanceError> {
    u8::try_from(percent)
        .ok()
        .filter(|p| (MIN_THRESHOLD_PERCENT..=MAX_THRESHOLD_PERCENT).contains(p))
        .ok_or(BalanceError::Threshold)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BalanceError {
    #[error("minutes must be a whole number from 1 to {MAX_RECORDED_MINUTES}")]
    Minutes,
    #[error("say in a few words what you did together")]
    WhatMissing,
    #[error("say what you did in at most {WHAT_MAX_CHARS} characters")]
    WhatTooLong,
    #[error(
        "the threshold is a whole percent from {MIN_THRESHOLD_PERCENT} to {MAX_THRESHOLD_PERCENT}"
    )]
    Threshold,
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;
    /// Monday 2 March 2026, 09:00 UTC.
    const MONDAY: i64 = 1_772_442_000_000;
    const DAY: i64 = 86_400_000;

    /// Answers one minute apart for `minutes` minutes starting at `from`.
    fn screen(from: i64, minutes: i64) -> Vec<Stamp> {
        (0..=minutes)
            .map(|m| Stamp {
                at: from + m * MIN,
                measured_ms: None,
            })
            .collect()
    }

    fn together(at: i64, minutes: u32) -> Together {
        Together {
            at,
            minutes,
            kind: TogetherKind::Recorded,
        }
    }

    #[test]
    fn weeks_split_alone_and_together_by_school_week() {
        let zone = SchoolZone::default();
        let mut stamps = screen(MONDAY - 7 * DAY, 90);
        stamps.extend(screen(MONDAY + DAY, 30));
        let with = [
            together(MONDAY - 6 * DAY, 30),
            together(MONDAY + 2 * DAY, 45),
        ];
        let w = weeks(&zone, &stamps, &with, MONDAY + 3 * DAY, 2);
        assert_eq!(w.len(), 2);
        assert_eq!((w[0].alone_ms, w[0].together_ms), (90 * MIN, 30 * MIN));
        assert_eq!((w[1].alone_ms, w[1].together_ms), (30 * MIN, 45 * MIN));
        let b = recent(&zone, &stamps, &with, MONDAY + 3 * DAY);
        assert_eq!(b.alone_percent(), Some(62));
    }

    #[test]
    fn group_work_is_asked_for_only_above_the_threshold_with_real_screen_time() {
        let mostly_alone = Balance {
            alone_ms: 170 * MIN,
            together_ms: 30 * MIN,
        };
        assert_eq!(mostly_alone.alone_percent(), Some(85));
        assert!(mostly_alone.asks_for_group_work(DEFAULT_THRESHOLD_PERCENT));
        assert!(!mostly_alone.asks_for_group_work(90));
        let exactly = Balance {
            alone_ms: 160 * MIN,
            together_ms: 40 * MIN,
        };
        assert!(!exactly.asks_for_group_work(80), "80% is not above 80%");
        let barely_used = Balance {
            alone_ms: 40 * MIN,
            together_ms: 0,
        };
        assert!(!barely_used.asks_for_group_work(80));
        assert_eq!(Balance::default().alone_percent(), None);
        assert!(!Balance::default().asks_for_group_work(50));
    }

    #[test]
    fn time_together_from_before_the_period_or_the_future_does_not_count() {
        let zone = SchoolZone::default();
        let stamps = screen(MONDAY, 120);
        let with = [
            together(MONDAY - 21 * DAY, 600),
            together(MONDAY + 30 * DAY, 600),
        ];
        let b = recent(&zone, &stamps, &with, MONDAY + DAY);
        assert_eq!(b.together_ms, 0);
        assert!(b.asks_for_group_work(80));
    }

    #[test]
    fn recorded_entries_and_thresholds_are_checked() {
        assert_eq!(
            check_recorded(30, "  built a model  "),
            Ok((30, "built a model".into()))
        );
        assert_eq!(check_recorded(0, "x"), Err(BalanceError::Minutes));
        assert_eq!(check_recorded(601, "x"), Err(BalanceError::Minutes));
        assert_eq!(check_recorded(-5, "x"), Err(BalanceError::Minutes));
        assert_eq!(check_recorded(5, "   "), Err(BalanceError::WhatMissing));
        assert_eq!(
            check_recorded(5, &"é".repeat(201)),
            Err(BalanceError::WhatTooLong)
        );
        assert_eq!(check_threshold(80), Ok(80));
        assert_eq!(check_threshold(49), Err(BalanceError::Threshold));
        assert_eq!(check_threshold(101), Err(BalanceError::Threshold));
    }
}
