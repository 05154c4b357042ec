//! Assignments (issue 9, point 4; SPEC C10): what a teacher assigned, and where one
//! student stands on it.
//!
//! The rules are pure: whether an assignment is done comes from the learner's own facts
//! (a skill mastered per the one state function, a lesson finished, a project marked done
//! by the teacher), and the status words (done / in progress / late / missing / to do)
//! and "pressing" (due within two school days, or late: the next-step precedence of
//! CONTRACTS) are decided here for every page, the API and the calendar alike.

use crate::recommend::Activity;
use crate::screen_time::SchoolZone;
use serde::{Deserialize, Serialize};

/// What can be assigned: a skill, a lesson or a project of the class's course.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TargetKind {
    Skill,
    Lesson,
    Project,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Skill => "skill",
            TargetKind::Lesson => "lesson",
            TargetKind::Project => "project",
        }
    }

    pub fn parse(text: &str) -> Option<TargetKind> {
        match text {
            "skill" => Some(TargetKind::Skill),
            "lesson" => Some(TargetKind::Lesson),
            "project" => Some(TargetKind::Project),
            _ => None,
        }
    }

    /// The next-step activity that works on an assignment of this kind.
    pub fn activity(self, id: &str) -> Activity {
        match self {
            TargetKind::Skill => Activity::PracticeSkill(id.to_string()),
            TargetKind::Lesson => Activity::Lesson(id.to_string()),
            TargetKind::Project => Activity::Project(id.to_string()),
        }
    }
}

/// Where one student stands on one assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The work is done (whenever it was done).
    Done,
    /// Not due yet, work started.
    InProgress,
    /// Not due yet, nothing started.
    ToDo,
    /// The due time passed; work started, not done.
    Late,
    /// The due time passed with no work started.
    Missing,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Done => "done",
            Status::InProgress => "in-progress",
            Status::ToDo => "to-do",
            Status::Late => "late",
            Status::Missing => "missing",
        }
    }

    /// The status in words, as pages show it.
    pub fn words(self) -> &'static str {
        match self {
            Status::Done => "done",
            Status::InProgress => "in progress",
            Status::ToDo => "to do",
            Status::Late => "late",
            Status::Missing => "missing",
        }
    }
}

/// The one status rule: done wins; after `due`, started work is late and no work is
/// missing; before it, started work is in progress.
pub fn status(done: bool, started: bool, due: i64, now: i64) -> Status {
    match (done, started, now > due) {
        (true, _, _) => Status::Done,
        (false, true, true) => Status::Late,
        (false, false, true) => Status::Missing,
        (false, true, false) => Status::InProgress,
        (false, false, false) => Status::ToDo,
    }
}

/// How many school days ahead an assignment counts as pressing (CONTRACTS: "due within
/// two school days").
pub const PRESSING_SCHOOL_DAYS: u32 = 2;

/// Whether an assignment due at `due` is pressing at `now`: late, or due no later than the
/// end of the second school day (Monday to Friday, in the school's time zone) after
/// today. On a Friday that reaches the end of Tuesday.
pub fn pressing(zone: &SchoolZone, due: i64, now: i64) -> bool {
    if due <= now {
        return true;
    }
    let mut day = zone.date(now);
    let mut left = PRESSING_SCHOOL_DAYS;
    while left > 0 {
        day = match day.tomorrow() {
            Ok(d) => d,
            Err(_) => return false,
        };
        let weekday = day.weekday().to_monday_one_offset();
        if weekday <= 5 {
            left -= 1;
        }
    }
    let end = match day.tomorrow() {
        Ok(d) => zone.day_start(d),
        Err(_) => return false,
    };
    due < end
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;
    /// 2026-03-06 12:00 UTC, a Friday.
    const FRIDAY_NOON: i64 = 1_772_798_400_000;

    #[test]
    fn the_status_follows_done_started_and_due() {
        let due = 1_000;
        assert_eq!(status(true, false, due, 2_000), Status::Done);
        assert_eq!(status(true, true, due, 10), Status::Done);
        assert_eq!(status(false, true, due, 2_000), Status::Late);
        assert_eq!(status(false, false, due, 2_000), Status::Missing);
        assert_eq!(status(false, true, due, 10), Status::InProgress);
        assert_eq!(status(false, false, due, 10), Status::ToDo);
        // Due exactly now is not late yet.
        assert_eq!(status(false, false, due, due), Status::ToDo);
    }

    #[test]
    fn pressing_counts_school_days_in_the_school_zone() {
        let utc = SchoolZone::default();
        assert_eq!(utc.date(FRIDAY_NOON).weekday(), jiff::civil::Weekday::Friday);
        // Late is always pressing.
        assert!(pressing(&utc, FRIDAY_NOON - DAY, FRIDAY_NOON));
        // Friday → Monday and Tuesday are the two school days; Wednesday is not.
        assert!(pressing(&utc, FRIDAY_NOON + 4 * DAY, FRIDAY_NOON));
        assert!(!pressing(&utc, FRIDAY_NOON + 5 * DAY, FRIDAY_NOON));
        // On a Monday, two school days reach the end of Wednesday.
        let monday = FRIDAY_NOON + 3 * DAY;
        assert!(pressing(&utc, monday + 2 * DAY + 11 * 3_600_000, monday));
        assert!(!pressing(&utc, monday + 3 * DAY, monday));
        // The zone decides the day: 23:30 UTC on Friday is already Saturday in Auckland,
        // so there the two school days end on Tuesday local time (Monday 11:00 UTC).
        let auckland = SchoolZone::new("Pacific/Auckland").unwrap();
        let late_friday = FRIDAY_NOON + 11 * 3_600_000 + 1_800_000;
        let tuesday_evening_utc = FRIDAY_NOON + 4 * DAY + 6 * 3_600_000;
        assert!(pressing(&utc, tuesday_evening_utc, late_friday));
        assert!(!pressing(&auckland, tuesday_evening_utc, late_friday));
    }
}
