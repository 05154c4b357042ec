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

/// A school day typed as `YYYY-MM-DD`: when it begins and when the next day begins (ms
/// since the epoch), in the school's time zone. An assignment starts at the beginning of
/// its start day and is due at the last millisecond of its due day.
pub fn school_day(zone: &SchoolZone, text: &str) -> Option<(i64, i64)> {
    let text = text.trim();
    if text.len() != 10 {
        return None;
    }
    let date: jiff::civil::Date = text.parse().ok()?;
    let next = date.tomorrow().ok()?;
    Some((zone.day_start(date), zone.day_start(next)))
}

/// The school day of `ms` as `YYYY-MM-DD` (a date input's value).
pub fn school_date(zone: &SchoolZone, ms: i64) -> String {
    zone.date(ms).to_string()
}

/// The due time in words on the school's calendar: "due today", "due tomorrow",
/// "due Friday 6 March", "was due yesterday", "was due Monday 2 March".
pub fn due_words(zone: &SchoolZone, due: i64, now: i64) -> String {
    let day = zone.date(due);
    let today = zone.date(now);
    let named = day.strftime("%A %-d %B").to_string();
    let named = if day.year() == today.year() {
        named
    } else {
        format!("{named} {}", day.year())
    };
    let days = (day - today).get_days();
    match (days, due < now) {
        (0, false) => "due today".to_string(),
        (0, true) => "was due today".to_string(),
        (1, _) => "due tomorrow".to_string(),
        (-1, _) => "was due yesterday".to_string(),
        (d, _) if d < 0 => format!("was due {named}"),
        _ => format!("due {named}"),
    }
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
    fn school_days_begin_in_the_school_zone() {
        let utc = SchoolZone::default();
        let (start, next) = school_day(&utc, "2026-03-06").unwrap();
        assert_eq!(start, FRIDAY_NOON - 12 * 3_600_000);
        assert_eq!(next - start, DAY);
        let berlin = SchoolZone::new("Europe/Berlin").unwrap();
        let (start, _) = school_day(&berlin, "2026-03-06").unwrap();
        assert_eq!(start, FRIDAY_NOON - 13 * 3_600_000);
        assert_eq!(school_date(&berlin, start), "2026-03-06");
        assert_eq!(school_date(&berlin, start - 1), "2026-03-05");
        assert!(school_day(&utc, "2026-02-30").is_none());
        assert!(school_day(&utc, "6 March").is_none());
        assert_eq!(
            due_words(&utc, FRIDAY_NOON + DAY, FRIDAY_NOON),
            "due tomorrow"
        );
        assert_eq!(
            due_words(&utc, FRIDAY_NOON + 3 * DAY, FRIDAY_NOON),
            "due Monday 9 March"
        );
        assert_eq!(
            due_words(&utc, FRIDAY_NOON - 4 * DAY, FRIDAY_NOON),
            "was due Monday 2 March"
        );
    }

    #[test]
    fn pressing_counts_school_days_in_the_school_zone() {
        let utc = SchoolZone::default();
        assert_eq!(
            utc.date(FRIDAY_NOON).weekday(),
            jiff::civil::Weekday::Friday
        );
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
