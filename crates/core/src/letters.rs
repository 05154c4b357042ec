//! The weekly letter to guardians (issue 9, point 7): which school week a letter is about
//! and when it is due, in the school's time zone, and the digest assembled from plain
//! facts the web gathers. The same [`Digest`] is the guardian's "This week's letter" on
//! their child's page, the e-mail's HTML part (a template in the web) and its plain-text
//! part ([`plain_text`]), so the three cannot say different things.
//!
//! Weeks are ISO weeks (Monday 00:00 to the next Monday 00:00, local time). The school days
//! of a week end at Saturday 00:00; a letter sent on the configured weekday and hour is
//! about the last week whose school days had ended by then (sent on Saturday or Sunday:
//! that week; sent Monday to Friday: the week before).

use crate::screen_time::{SchoolZone, minutes_phrase};
use jiff::civil::Date;
use jiff::{Span, ToSpan};

/// Weekday names as the `letter_weekday` setting takes them, Monday first.
pub const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// When letters go out: a weekday (0 = Monday) and an hour (0–23), school time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub weekday: u8,
    pub hour: u8,
}

impl Default for Schedule {
    /// Saturday, 8 in the morning: the school week has ended.
    fn default() -> Self {
        Schedule {
            weekday: 5,
            hour: 8,
        }
    }
}

impl Schedule {
    /// From the settings' words: `saturday` and `8`. `None` for an unknown day or hour.
    pub fn from_words(weekday: &str, hour: i64) -> Option<Schedule> {
        let day = WEEKDAYS
            .iter()
            .position(|d| d.eq_ignore_ascii_case(weekday.trim()))?;
        let hour = u8::try_from(hour).ok().filter(|h| *h < 24)?;
        Some(Schedule {
            weekday: u8::try_from(day).ok()?,
            hour,
        })
    }
}

/// One school week: `[start, end)` in ms, from its Monday's local midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LetterWeek {
    pub monday: Date,
    pub start: i64,
    pub end: i64,
}

impl LetterWeek {
    /// The week beginning on the Monday of `date`'s week.
    pub fn holding(zone: &SchoolZone, date: Date) -> LetterWeek {
        let monday = SchoolZone::week_of(date);
        let next = monday.checked_add(7.days()).unwrap_or(monday);
        LetterWeek {
            monday,
            start: zone.day_start(monday),
            end: zone.day_start(next),
        }
    }

    /// The week holding the instant `at`.
    pub fn at(zone: &SchoolZone, at: i64) -> LetterWeek {
        LetterWeek::holding(zone, zone.date(at))
    }

    /// The week after this one.
    pub fn next(&self, zone: &SchoolZone) -> LetterWeek {
        LetterWeek::holding(
            zone,
            self.monday.checked_add(7.days()).unwrap_or(self.monday),
        )
    }

    /// "the week of Monday 23 November 2026".
    pub fn words(&self) -> String {
        format!("the week of Monday {}", day_words(self.monday))
    }

    /// `2026-11-23`: the week's key in the database and on the command line.
    pub fn key(&self) -> String {
        self.monday.to_string()
    }
}

/// "23 November 2026".
pub fn day_words(date: Date) -> String {
    let month = MONTHS[usize::try_from(date.month() - 1).unwrap_or(0).min(11)];
    format!("{} {month} {}", date.day(), date.year())
}

/// The letter due at `now`: the week of the last send moment at or before `now` whose
/// school days had ended by that moment, and that moment (ms).
pub fn due_week(zone: &SchoolZone, schedule: Schedule, now: i64) -> (LetterWeek, i64) {
    let today = zone.date(now);
    let offset = (i64::from(today.weekday().to_monday_zero_offset()) - i64::from(schedule.weekday))
        .rem_euclid(7);
    let mut day = today.checked_sub(offset.days()).unwrap_or(today);
    let hour = i8::try_from(schedule.hour).unwrap_or(8);
    if zone.at_hour(day, hour) > now {
        day = day.checked_sub(7.days()).unwrap_or(day);
    }
    let moment = zone.at_hour(day, hour);
    // The school days of a week end at Saturday 00:00: the last week whose Saturday is on
    // or before `day` holds `day` minus five days.
    let week = LetterWeek::holding(zone, day.checked_sub(Span::new().days(5)).unwrap_or(day));
    (week, moment)
}

/// A week given on the command line (`YYYY-MM-DD`, any day of it).
pub fn parse_week(zone: &SchoolZone, text: &str) -> Result<LetterWeek, String> {
    let date: Date = text.trim().parse().map_err(|_| {
        format!("--week {text:?} is not a date: give a day of the week as YYYY-MM-DD")
    })?;
    Ok(LetterWeek::holding(zone, date))
}

/// An assignment as the letter names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Work {
    pub course: String,
    pub title: String,
    /// "due Friday 27 November 2026", or "was due …, late".
    pub due: String,
}

/// A check-in note the teacher shared with the family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// "Wednesday 25 November 2026".
    pub when: String,
    pub teacher: String,
    pub text: String,
}

/// An agreed goal with its forecast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Goal {
    pub course: String,
    pub title: String,
    pub due: String,
    pub forecast: String,
}

/// What the web gathered for one child and one week: only what a guardian may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub child: String,
    pub week: LetterWeek,
    /// (course, skill) mastered during the week.
    pub mastered: Vec<(String, String)>,
    /// Server-measured screen time during the week.
    pub screen_ms: i64,
    /// Assignments done (due this week or later).
    pub done: Vec<Work>,
    /// Assignments not done that are due next week, or late or missing.
    pub open: Vec<Work>,
    /// Shared notes of check-ins held during the week.
    pub notes: Vec<Note>,
    /// Agreed goals.
    pub goals: Vec<Goal>,
}

/// One part of the letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// A stable id (`mastered`, `time`, `done`, `due`, `notes`, `goals`) for pages and tests.
    pub id: &'static str,
    pub heading: String,
    pub items: Vec<String>,
    /// Said when `items` is empty.
    pub empty: String,
}

/// The letter: a subject, an opening line, and its sections in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    pub subject: String,
    pub opening: String,
    pub sections: Vec<Section>,
}

/// The one assembly of a letter from its facts.
pub fn assemble(facts: &Facts) -> Digest {
    let child = &facts.child;
    let week = facts.week.words();
    let mastered = facts
        .mastered
        .iter()
        .map(|(course, skill)| format!("{skill} ({course})"))
        .collect();
    let time = vec![format!(
        "{} on Ownpace, measured by the server",
        minutes_phrase(facts.screen_ms)
    )];
    let work = |w: &Work| format!("{} ({}), {}", w.title, w.course, w.due);
    let notes = facts
        .notes
        .iter()
        .map(|n| format!("{}, {}: {}", n.when, n.teacher, n.text))
        .collect();
    let goals = facts
        .goals
        .iter()
        .map(|g| format!("{} ({}), by {}: {}", g.title, g.course, g.due, g.forecast))
        .collect();
    let skills = facts.mastered.len();
    Digest {
        subject: format!("{child}'s week on Ownpace: {week}"),
        opening: format!(
            "What {child} did in {week}: {skills} {} mastered, {} on screen.",
            if skills == 1 { "skill" } else { "skills" },
            minutes_phrase(facts.screen_ms)
        ),
        sections: vec![
            Section {
                id: "mastered",
                heading: "Skills mastered this week".into(),
                items: mastered,
                empty: "No new skill mastered this week.".into(),
            },
            Section {
                id: "time",
                heading: "Time on Ownpace".into(),
                items: time,
                empty: String::new(),
            },
            Section {
                id: "done",
                heading: "Assignments done".into(),
                items: facts.done.iter().map(work).collect(),
                empty: "No assignment finished this week.".into(),
            },
            Section {
                id: "due",
                heading: "Assignments due next week or overdue".into(),
                items: facts.open.iter().map(work).collect(),
                empty: "Nothing due next week.".into(),
            },
            Section {
                id: "notes",
                heading: "Notes from check-ins".into(),
                items: notes,
                empty: "No check-in note shared with you this week.".into(),
            },
            Section {
                id: "goals",
                heading: "Goals agreed with the teacher".into(),
                items: goals,
                empty: format!("{child} has no agreed goal at the moment."),
            },
        ],
    }
}

/// Where the letter's links go: the child's page and the one-click unsubscribe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    pub page: String,
    pub unsubscribe: String,
}

/// The plain-text part of the e-mail: the same sections as the HTML part.
pub fn plain_text(digest: &Digest, links: &Links) -> String {
    let mut out = format!("{}\n\n{}\n", digest.subject, digest.opening);
    for section in &digest.sections {
        out.push_str(&format!("\n{}\n", section.heading));
        out.push_str(&"-".repeat(section.heading.chars().count()));
        out.push('\n');
        if section.items.is_empty() {
            out.push_str(&format!("{}\n", section.empty));
        }
        for item in &section.items {
            out.push_str(&format!("* {item}\n"));
        }
    }
    out.push_str(&format!(
        "\nMore on Ownpace: {}\n\nTo stop these letters about this child, open {}\n",
        links.page, links.unsubscribe
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(name: &str) -> SchoolZone {
        SchoolZone::new(name).expect("zone")
    }

    fn date(text: &str) -> Date {
        text.parse().expect("date")
    }

    fn at(zone: &SchoolZone, day: &str, hour: i8) -> i64 {
        zone.at_hour(date(day), hour)
    }

    #[test]
    fn weeks_begin_on_monday_at_local_midnight() {
        let paris = zone("Europe/Paris");
        // Wednesday 25 November 2026.
        let week = LetterWeek::at(&paris, at(&paris, "2026-11-25", 12));
        assert_eq!(week.monday, date("2026-11-23"));
        assert_eq!(week.key(), "2026-11-23");
        // Monday 00:00 in Paris is Sunday 23:00 UTC.
        assert_eq!(week.start, 1_795_388_400_000);
        assert_eq!(week.end - week.start, 7 * 86_400_000);
        assert_eq!(week.words(), "the week of Monday 23 November 2026");
        // Monday 00:30 in Paris is still Sunday in UTC: the next week here, not there.
        let early_monday = at(&paris, "2026-11-30", 0) + 30 * 60_000;
        assert_eq!(
            LetterWeek::at(&paris, early_monday).monday,
            date("2026-11-30")
        );
        assert_eq!(
            LetterWeek::at(&zone("UTC"), early_monday).monday,
            week.monday
        );
        // The week across the end of daylight saving time (25 October 2026) has 169 hours.
        let autumn = LetterWeek::holding(&paris, date("2026-10-21"));
        assert_eq!(autumn.end - autumn.start, 7 * 86_400_000 + 3_600_000);
        assert_eq!(autumn.next(&paris).monday, date("2026-10-26"));
    }

    #[test]
    fn the_due_letter_is_about_the_last_finished_school_week() {
        let paris = zone("Europe/Paris");
        let saturday_8 = Schedule::default();
        // Saturday 28 November, 07:59: the last send moment was Saturday 21 November,
        // about the week of 16 November.
        let (week, moment) = due_week(&paris, saturday_8, at(&paris, "2026-11-28", 8) - 60_000);
        assert_eq!(week.monday, date("2026-11-16"));
        assert_eq!(moment, at(&paris, "2026-11-21", 8));
        // From 08:00 on, the week just ended (23 November).
        let (week, moment) = due_week(&paris, saturday_8, at(&paris, "2026-11-28", 8));
        assert_eq!(week.monday, date("2026-11-23"));
        assert_eq!(moment, at(&paris, "2026-11-28", 8));
        // Still that week on Sunday and on the next Wednesday.
        for day in ["2026-11-29", "2026-12-02"] {
            let (week, _) = due_week(&paris, saturday_8, at(&paris, day, 20));
            assert_eq!(week.monday, date("2026-11-23"), "{day}");
        }
        // Sent on Monday at 7: about the week before that Monday.
        let monday_7 = Schedule::from_words("Monday", 7).expect("schedule");
        let (week, moment) = due_week(&paris, monday_7, at(&paris, "2026-11-30", 9));
        assert_eq!(week.monday, date("2026-11-23"));
        assert_eq!(moment, at(&paris, "2026-11-30", 7));
        // Sent on Friday at 17: the week's Friday is not over, so the week before.
        let friday_17 = Schedule::from_words("friday", 17).expect("schedule");
        let (week, _) = due_week(&paris, friday_17, at(&paris, "2026-11-27", 18));
        assert_eq!(week.monday, date("2026-11-16"));
        // The school's zone decides: Saturday 07:30 in Paris is 06:30 UTC.
        let utc_now = at(&paris, "2026-11-28", 7) + 30 * 60_000;
        assert_eq!(
            due_week(
                &zone("UTC"),
                Schedule {
                    weekday: 5,
                    hour: 7
                },
                utc_now
            )
            .0
            .monday,
            date("2026-11-16")
        );
        assert_eq!(
            due_week(
                &paris,
                Schedule {
                    weekday: 5,
                    hour: 7
                },
                utc_now
            )
            .0
            .monday,
            date("2026-11-23")
        );
    }

    #[test]
    fn schedules_and_weeks_are_read_from_words() {
        assert_eq!(
            Schedule::from_words("Sunday", 23),
            Some(Schedule {
                weekday: 6,
                hour: 23
            })
        );
        assert_eq!(Schedule::from_words("someday", 8), None);
        assert_eq!(Schedule::from_words("monday", 24), None);
        let utc = zone("UTC");
        assert_eq!(
            parse_week(&utc, "2026-11-26").expect("a date").monday,
            date("2026-11-23")
        );
        let error = parse_week(&utc, "last week").expect_err("not a date");
        assert!(error.contains("YYYY-MM-DD"), "{error}");
    }

    fn facts() -> Facts {
        let utc = zone("UTC");
        Facts {
            child: "Ana".into(),
            week: LetterWeek::holding(&utc, date("2026-11-23")),
            mastered: vec![("Fractions".into(), "Equivalent fractions".into())],
            screen_ms: 65 * 60_000,
            done: vec![Work {
                course: "Fractions".into(),
                title: "Adding fractions".into(),
                due: "due Friday 27 November 2026".into(),
            }],
            open: vec![Work {
                course: "Fractions".into(),
                title: "Comparing fractions".into(),
                due: "due Wednesday 2 December 2026".into(),
            }],
            notes: vec![Note {
                when: "Wednesday 25 November 2026".into(),
                teacher: "Ms. Rivera".into(),
                text: "Ana explained <her> method well".into(),
            }],
            goals: vec![Goal {
                course: "Fractions".into(),
                title: "Master the unit".into(),
                due: "18 December 2026".into(),
                forecast: "on track".into(),
            }],
        }
    }

    #[test]
    fn the_digest_holds_the_weeks_facts_in_order() {
        let digest = assemble(&facts());
        assert_eq!(
            digest.subject,
            "Ana's week on Ownpace: the week of Monday 23 November 2026"
        );
        assert_eq!(
            digest.opening,
            "What Ana did in the week of Monday 23 November 2026: 1 skill mastered, 1 h 5 min on screen."
        );
        let ids: Vec<&str> = digest.sections.iter().map(|s| s.id).collect();
        assert_eq!(ids, ["mastered", "time", "done", "due", "notes", "goals"]);
        let items = |id: &str| {
            digest
                .sections
                .iter()
                .find(|s| s.id == id)
                .map(|s| s.items.clone())
                .unwrap_or_default()
        };
        assert_eq!(items("mastered"), ["Equivalent fractions (Fractions)"]);
        assert_eq!(
            items("done"),
            ["Adding fractions (Fractions), due Friday 27 November 2026"]
        );
        assert_eq!(
            items("due"),
            ["Comparing fractions (Fractions), due Wednesday 2 December 2026"]
        );
        assert_eq!(
            items("notes"),
            ["Wednesday 25 November 2026, Ms. Rivera: Ana explained <her> method well"]
        );
        assert_eq!(
            items("goals"),
            ["Master the unit (Fractions), by 18 December 2026: on track"]
        );
    }

    #[test]
    fn an_empty_week_says_so_and_the_plain_text_has_every_section_and_link() {
        let mut quiet = facts();
        quiet.mastered.clear();
        quiet.done.clear();
        quiet.open.clear();
        quiet.notes.clear();
        quiet.goals.clear();
        quiet.screen_ms = 0;
        let digest = assemble(&quiet);
        assert!(
            digest
                .opening
                .contains("0 skills mastered, 0 min on screen")
        );
        assert!(
            digest
                .sections
                .iter()
                .filter(|s| s.id != "time")
                .all(|s| s.items.is_empty() && !s.empty.is_empty())
        );
        let links = Links {
            page: "https://school.example/family/s1".into(),
            unsubscribe: "https://school.example/letters/unsubscribe/t0k".into(),
        };
        let text = plain_text(&assemble(&facts()), &links);
        for expected in [
            "Skills mastered this week\n-------------------------\n* Equivalent fractions (Fractions)\n",
            "* Adding fractions (Fractions), due Friday 27 November 2026\n",
            "* Wednesday 25 November 2026, Ms. Rivera: Ana explained <her> method well\n",
            "* 1 h 5 min on Ownpace, measured by the server\n",
            "More on Ownpace: https://school.example/family/s1\n",
            "open https://school.example/letters/unsubscribe/t0k\n",
        ] {
            assert!(text.contains(expected), "{expected:?} in\n{text}");
        }
        let quiet_text = plain_text(&digest, &links);
        assert!(quiet_text.contains("No new skill mastered this week.\n"));
        assert!(quiet_text.contains("Ana has no agreed goal at the moment.\n"));
    }
}
