//! Check-ins (issue 9, point 2): when a student's next check-in with their teacher is due.
//!
//! A class has a rhythm in days (weekly 7, fortnightly 14, monthly 28, …). A student is
//! due when the school day (in the school's `timezone`) of their last check-in plus the
//! rhythm has come; a student who never had one is due from the day they could have (the
//! later of joining the class and the rhythm being set). Pure: the caller passes the times.

use crate::screen_time::SchoolZone;

/// The shortest and longest rhythm a class may have, in days.
pub const MIN_RHYTHM_DAYS: i64 = 1;
pub const MAX_RHYTHM_DAYS: i64 = 92;

/// When the next check-in is due (the start of that school day, ms), or `None` when it is
/// not due yet at `now`. `last` is the last check-in held, `since` when the student could
/// first have had one (joined the class, or the rhythm was set: the later).
pub fn due_since(
    zone: &SchoolZone,
    every_days: i64,
    last: Option<i64>,
    since: i64,
    now: i64,
) -> Option<i64> {
    let every_days = every_days.clamp(MIN_RHYTHM_DAYS, MAX_RHYTHM_DAYS);
    let due = match last {
        // Never had one: due at once.
        None => since,
        Some(last) => {
            let day = zone.date(last);
            let due_day = day.checked_add(jiff::Span::new().days(every_days)).ok()?;
            zone.day_start(due_day)
        }
    };
    (now >= due).then_some(due)
}

/// The rhythm in words: "every week", "every 2 weeks", "every 10 days".
pub fn rhythm_words(every_days: i64) -> String {
    match every_days {
        1 => "every day".to_string(),
        7 => "every week".to_string(),
        d if d % 7 == 0 => format!("every {} weeks", d / 7),
        d => format!("every {d} days"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;

    #[test]
    fn a_student_who_never_had_one_is_due_at_once() {
        let zone = SchoolZone::new("UTC").unwrap();
        assert_eq!(due_since(&zone, 7, None, 5 * DAY, 5 * DAY), Some(5 * DAY));
        assert_eq!(due_since(&zone, 7, None, 5 * DAY, 4 * DAY), None);
    }

    #[test]
    fn due_on_the_school_day_the_rhythm_comes_round() {
        // Europe/Paris: a check-in at 23:30 local on day 10 (22:30 UTC) counts for day 10,
        // so a weekly rhythm makes it due from local midnight starting day 17.
        let zone = SchoolZone::new("Europe/Paris").unwrap();
        let day10 = zone.day_start(zone.date(1_000 * DAY + 12 * 3_600_000));
        let late = day10 + 23 * 3_600_000 + 30 * 60_000;
        let due_day = day10 + 7 * DAY;
        let due = zone.day_start(zone.date(due_day + 12 * 3_600_000));
        assert_eq!(due_since(&zone, 7, Some(late), 0, due - 1), None);
        assert_eq!(due_since(&zone, 7, Some(late), 0, due), Some(due));
        assert_eq!(
            due_since(&zone, 14, Some(late), 0, due),
            None,
            "fortnightly"
        );
    }

    #[test]
    fn the_rhythm_in_words() {
        assert_eq!(rhythm_words(7), "every week");
        assert_eq!(rhythm_words(14), "every 2 weeks");
        assert_eq!(rhythm_words(10), "every 10 days");
    }
}
