//! Screen time measured on the server, budgets, and the weekly chart (SPEC C12).
//!
//! Screen time is computed from the event log only, never from a duration a client
//! reports. The caller hands over a student's *on-screen* events (answers, hints, lessons
//! read, placement answers: [`crate::events::EventKind::on_screen`]) as [`Stamp`]s: when
//! the server recorded each one and, where it has one, the server-measured time its page
//! was open (from the signed `served` stamp, already capped at 30 minutes an item).
//!
//! The rule, in words:
//! - two events at most [`GAP_CAP_MS`] (5 minutes) apart: the whole gap counts, the
//!   student was working on screen in between;
//! - a longer gap is a break: none of it counts, except the time the server measured for
//!   the event's own page (a student who comes back, opens an item and answers it three
//!   minutes later gets three minutes), capped at [`RETURN_CAP_MS`] (30 minutes);
//! - the first event has only its measured time.
//!
//! Every counted stretch is an interval of real time, split at the school's local
//! midnights ([`SchoolZone`]), so a day of 23 or 25 hours (a DST change) and a session
//! across midnight are counted where they happened. Weeks start on Monday (ISO weeks).

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A gap between two on-screen events up to this long counts as screen time.
pub const GAP_CAP_MS: i64 = 5 * 60_000;
/// After a break, an event counts at most this much of its server-measured time.
pub const RETURN_CAP_MS: i64 = 30 * 60_000;
/// "Near the budget": this little left of the day's or the week's budget (10 minutes).
pub const NEAR_MS: i64 = 10 * 60_000;
/// The largest budget a person may set, in minutes (a day has 1,440).
pub const MAX_DAILY_MINUTES: u32 = 1_440;
/// The largest weekly budget, in minutes.
pub const MAX_WEEKLY_MINUTES: u32 = 7 * 1_440;

/// One on-screen event as the measurement sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// When the server recorded the event (ms since the epoch).
    pub at: i64,
    /// The server-measured time the event's page was open, if any (never a client's).
    pub measured_ms: Option<i64>,
}

/// A time-zone name the school setting holds that is not in the IANA database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}” is not a time zone name from the IANA database (such as Europe/Paris or UTC)")]
pub struct UnknownZone(pub String);

/// The school's time zone: where its days and weeks begin.
#[derive(Debug, Clone)]
pub struct SchoolZone {
    tz: TimeZone,
    name: String,
}

impl Default for SchoolZone {
    fn default() -> Self {
        SchoolZone {
            tz: TimeZone::UTC,
            name: "UTC".to_string(),
        }
    }
}

impl SchoolZone {
    /// The zone named `name` (an IANA name such as `Europe/Berlin`, or `UTC`).
    pub fn new(name: &str) -> Result<SchoolZone, UnknownZone> {
        let name = name.trim();
        if name.is_empty() || name.len() > 64 {
            return Err(UnknownZone(name.to_string()));
        }
        let tz = TimeZone::get(name).map_err(|_| UnknownZone(name.to_string()))?;
        Ok(SchoolZone {
            tz,
            name: name.to_string(),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The local date at `at` (ms since the epoch).
    pub fn date(&self, at: i64) -> Date {
        let ts = Timestamp::from_millisecond(at).unwrap_or(Timestamp::UNIX_EPOCH);
        ts.to_zoned_datetime(self.tz.clone()).date()
    }

    /// When local `date` begins (ms since the epoch). A midnight skipped by a DST change
    /// begins at the first instant of the day that exists.
    pub fn day_start(&self, date: Date) -> i64 {
        date.to_zoned_datetime(self.tz.clone())
            .and_then(|z| z.start_of_day())
            .map_or(0, |z| z.timestamp().as_millisecond())
    }

    /// The instant local `date` reads `hour`:00 (ms since the epoch); an hour skipped by a
    /// DST change is read as the first instant after it.
    pub fn at_hour(&self, date: Date, hour: i8) -> i64 {
        date.at(hour.clamp(0, 23), 0, 0, 0)
            .to_zoned_datetime(self.tz.clone())
            .map_or_else(
                |_| self.day_start(date) + i64::from(hour) * 3_600_000,
                |z| z.timestamp().as_millisecond(),
            )
    }

    /// The Monday that begins the week holding `date`.
    pub fn week_of(date: Date) -> Date {
        let back = i64::from(date.weekday().to_monday_zero_offset());
        date.checked_sub(Span::new().days(back)).unwrap_or(date)
    }
}

/// The stretches of real time counted as screen time, `[start, end)` in ms, in order and
/// not overlapping. `stamps` may come in any order.
pub fn intervals(stamps: &[Stamp]) -> Vec<(i64, i64)> {
    let mut sorted: Vec<Stamp> = stamps.to_vec();
    sorted.sort_by_key(|s| s.at);
    let mut out: Vec<(i64, i64)> = Vec::new();
    let mut previous: Option<i64> = None;
    for stamp in &sorted {
        let measured = stamp.measured_ms.unwrap_or(0).clamp(0, RETURN_CAP_MS);
        let start = match previous {
            Some(prev) if stamp.at - prev <= GAP_CAP_MS => prev,
            // A break: only the event's own measured time, never reaching back before
            // the previous event.
            Some(prev) => (stamp.at - measured).max(prev),
            None => stamp.at - measured,
        };
        previous = Some(stamp.at);
        if start >= stamp.at {
            continue;
        }
        match out.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(stamp.at),
            _ => out.push((start, stamp.at)),
        }
    }
    out
}

/// Screen time per local day of the school (ms), for the days that have any.
pub fn per_day(zone: &SchoolZone, stamps: &[Stamp]) -> BTreeMap<Date, i64> {
    let mut days: BTreeMap<Date, i64> = BTreeMap::new();
    for (start, end) in intervals(stamps) {
        let mut from = start;
        while from < end {
            let date = zone.date(from);
            let next = date
                .tomorrow()
                .map_or(i64::MAX, |d| zone.day_start(d))
                .max(from + 1);
            let until = end.min(next);
            *days.entry(date).or_insert(0) += until - from;
            from = until;
        }
    }
    days
}

/// Screen time per week (ms), keyed by the week's Monday.
pub fn per_week(zone: &SchoolZone, stamps: &[Stamp]) -> BTreeMap<Date, i64> {
    let mut weeks: BTreeMap<Date, i64> = BTreeMap::new();
    for (day, ms) in per_day(zone, stamps) {
        *weeks.entry(SchoolZone::week_of(day)).or_insert(0) += ms;
    }
    weeks
}

/// Where the current week began (its Monday's local midnight, ms): the caller reads the
/// events from here (plus [`RETURN_CAP_MS`] earlier, for a stretch across the boundary).
pub fn week_start(zone: &SchoolZone, now: i64) -> i64 {
    zone.day_start(SchoolZone::week_of(zone.date(now)))
}

/// Screen time today and this week, at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Usage {
    pub today_ms: i64,
    pub week_ms: i64,
}

pub fn usage(zone: &SchoolZone, stamps: &[Stamp], now: i64) -> Usage {
    let today = zone.date(now);
    let monday = SchoolZone::week_of(today);
    let mut usage = Usage::default();
    for (day, ms) in per_day(zone, stamps) {
        if day == today {
            usage.today_ms += ms;
        }
        if day >= monday && day <= today {
            usage.week_ms += ms;
        }
    }
    usage
}

/// The last `count` weeks up to the one holding `now`, oldest first, with their totals
/// (weeks without screen time at 0): what the chart draws.
pub fn recent_weeks(zone: &SchoolZone, stamps: &[Stamp], now: i64, count: usize) -> Vec<Week> {
    let totals = per_week(zone, stamps);
    let this_monday = SchoolZone::week_of(zone.date(now));
    (0..count as i64)
        .rev()
        .filter_map(|back| this_monday.checked_sub(Span::new().weeks(back)).ok())
        .map(|monday| Week {
            monday,
            ms: totals.get(&monday).copied().unwrap_or(0),
        })
        .collect()
}

/// One week's screen time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Week {
    pub monday: Date,
    pub ms: i64,
}

/// A budget in minutes; `None` means no limit on that span.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Budget {
    pub daily_minutes: Option<u32>,
    pub weekly_minutes: Option<u32>,
}

impl Budget {
    pub fn is_empty(&self) -> bool {
        self.daily_minutes.is_none() && self.weekly_minutes.is_none()
    }

    /// The budget that holds when all of `budgets` apply: the lower limit wins on each
    /// span, a missing limit never lifts another.
    pub fn lowest<'a>(budgets: impl IntoIterator<Item = &'a Budget>) -> Budget {
        let lower = |a: Option<u32>, b: Option<u32>| match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        budgets
            .into_iter()
            .fold(Budget::default(), |acc, b| Budget {
                daily_minutes: lower(acc.daily_minutes, b.daily_minutes),
                weekly_minutes: lower(acc.weekly_minutes, b.weekly_minutes),
            })
    }
}

/// Where a student stands against the budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// No budget applies (none set, or the student is exempt).
    #[default]
    NoBudget,
    Within,
    /// At most [`NEAR_MS`] left today or this week: next steps turn offline.
    Near,
    /// The budget is used up: next steps stay offline.
    Spent,
}

impl Level {
    /// Whether next steps are offline ones only (CONTRACTS: the budget comes first).
    pub fn offline(self) -> bool {
        matches!(self, Level::Near | Level::Spent)
    }
}

/// Which span's budget is the tighter one now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BudgetSpan {
    Day,
    Week,
}

/// A student's screen time against their budget at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Standing {
    pub usage: Usage,
    pub budget: Budget,
    pub level: Level,
    /// Time left of the tighter budget (0 when spent); `None` without a budget.
    pub left_ms: Option<i64>,
    /// Which budget is the tighter one.
    pub binding: Option<BudgetSpan>,
}

/// The student's standing: `budget` is the one that applies ([`Budget::lowest`] of the
/// class and guardian budgets, empty for an exempt student).
pub fn standing(usage: Usage, budget: Budget) -> Standing {
    let day = budget
        .daily_minutes
        .map(|m| (BudgetSpan::Day, i64::from(m) * 60_000 - usage.today_ms));
    let week = budget
        .weekly_minutes
        .map(|m| (BudgetSpan::Week, i64::from(m) * 60_000 - usage.week_ms));
    let tighter = match (day, week) {
        (Some(d), Some(w)) => Some(if w.1 < d.1 { w } else { d }),
        (d, w) => d.or(w),
    };
    let (level, left_ms, binding) = match tighter {
        None => (Level::NoBudget, None, None),
        Some((span, left)) => {
            let level = if left <= 0 {
                Level::Spent
            } else if left <= NEAR_MS {
                Level::Near
            } else {
                Level::Within
            };
            (level, Some(left.max(0)), Some(span))
        }
    };
    Standing {
        usage,
        budget,
        level,
        left_ms,
        binding,
    }
}

impl Standing {
    /// A calm sentence for the student's meter.
    pub fn text(&self) -> String {
        let used = minutes_phrase(self.usage.today_ms);
        match (self.level, self.left_ms, self.binding) {
            (Level::NoBudget, ..) => format!("{used} on screen today."),
            (Level::Spent, _, Some(BudgetSpan::Week)) => {
                "This week's screen time is used up. Your next steps are away from the screen."
                    .to_string()
            }
            (Level::Spent, ..) => {
                "Today's screen time is used up. Your next steps are away from the screen."
                    .to_string()
            }
            (level, Some(left), binding) => {
                let span = if binding == Some(BudgetSpan::Week) {
                    "this week"
                } else {
                    "today"
                };
                let left = minutes_phrase(left);
                if level == Level::Near {
                    format!(
                        "{left} of screen time left {span}: time for something away from the screen."
                    )
                } else {
                    format!("{used} on screen today, {left} left {span}.")
                }
            }
            _ => format!("{used} on screen today."),
        }
    }

    /// The share of the tighter budget used, in `[0, 1]`, for the meter's bar.
    pub fn fraction_used(&self) -> f64 {
        let (used, limit) = match self.binding {
            Some(BudgetSpan::Day) => (self.usage.today_ms, self.budget.daily_minutes),
            Some(BudgetSpan::Week) => (self.usage.week_ms, self.budget.weekly_minutes),
            None => return 0.0,
        };
        match limit {
            Some(m) if m > 0 => (used as f64 / (f64::from(m) * 60_000.0)).clamp(0.0, 1.0),
            _ => 1.0,
        }
    }
}

/// "1 h 5 min", "12 min", "less than a minute".
pub fn minutes_phrase(ms: i64) -> String {
    if ms <= 0 {
        return "0 min".to_string();
    }
    let minutes = ms / 60_000;
    match minutes {
        0 => "less than a minute".to_string(),
        m if m < 60 => format!("{m} min"),
        m if m % 60 == 0 => format!("{} h", m / 60),
        m => format!("{} h {} min", m / 60, m % 60),
    }
}

/// A small bar chart of screen time per week, as accessible SVG (a title, a description
/// listing every bar, and one labelled bar per week). `weekly_budget_minutes` draws the
/// weekly budget as a dashed line. Rendered by Ownpace: no script, no library.
pub fn week_chart_svg(weeks: &[Week], weekly_budget_minutes: Option<u32>, title: &str) -> String {
    const WIDTH: f64 = 320.0;
    const HEIGHT: f64 = 140.0;
    const LEFT: f64 = 36.0;
    const BOTTOM: f64 = 24.0;
    const TOP: f64 = 10.0;
    let minutes: Vec<f64> = weeks.iter().map(|w| w.ms as f64 / 60_000.0).collect();
    let highest = minutes.iter().copied().fold(60.0_f64, f64::max);
    // A budget far above the weeks drawn would flatten every bar: it is then named above
    // the chart instead of drawn.
    let budget = weekly_budget_minutes
        .map(f64::from)
        .filter(|b| *b <= 2.0 * highest);
    let top = budget.map_or(highest, |b| b.max(highest));
    // A round scale: the next multiple of an hour above the highest value.
    let scale = (top / 60.0).ceil() * 60.0;
    let plot_h = HEIGHT - BOTTOM - TOP;
    let plot_w = WIDTH - LEFT - 4.0;
    let slot = plot_w / weeks.len().max(1) as f64;
    let y = |m: f64| TOP + plot_h * (1.0 - m / scale);
    let mut desc = Vec::new();
    let mut bars = String::new();
    for (i, (week, m)) in weeks.iter().zip(&minutes).enumerate() {
        let x = LEFT + slot * i as f64 + slot * 0.15;
        let w = slot * 0.7;
        let label = format!("{:02}-{:02}", week.monday.month(), week.monday.day());
        let phrase = minutes_phrase(week.ms);
        desc.push(format!("week of {}: {phrase}", week.monday));
        bars.push_str(&format!(
            "<rect class=\"bar\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\"><title>Week of {}: {phrase}</title></rect>\
             <text class=\"week\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{label}</text>",
            y(*m),
            (plot_h - (y(*m) - TOP)).max(0.0),
            week.monday,
            x + w / 2.0,
            HEIGHT - 8.0,
        ));
    }
    let mut budget_line = String::new();
    if let Some(b) = budget {
        budget_line = format!(
            "<line class=\"budget\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke-dasharray=\"4 3\"/>",
            WIDTH - 4.0,
            y(b),
            y(b)
        );
    }
    if let Some(m) = weekly_budget_minutes {
        let phrase = minutes_phrase(i64::from(m) * 60_000);
        desc.push(format!("weekly budget {phrase}"));
        if budget.is_none() {
            budget_line = format!(
                "<text class=\"scale\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">weekly budget {phrase}, above the scale</text>",
                WIDTH - 4.0,
                TOP + 8.0
            );
        }
    }
    let axis = format!(
        "<line class=\"axis\" x1=\"{LEFT}\" x2=\"{LEFT}\" y1=\"{TOP}\" y2=\"{:.1}\"/>\
         <line class=\"axis\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/>\
         <text class=\"scale\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{} h</text>\
         <text class=\"scale\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">0</text>",
        HEIGHT - BOTTOM,
        WIDTH - 4.0,
        HEIGHT - BOTTOM,
        HEIGHT - BOTTOM,
        LEFT - 4.0,
        TOP + 8.0,
        scale / 60.0,
        LEFT - 4.0,
        HEIGHT - BOTTOM,
    );
    format!(
        "<svg class=\"screen-chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-labelledby=\"screen-chart-title screen-chart-desc\">\
         <title id=\"screen-chart-title\">{}</title><desc id=\"screen-chart-desc\">{}</desc>{axis}{bars}{budget_line}</svg>",
        escape(title),
        escape(&desc.join("; ")),
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const MIN: i64 = 60_000;

    fn at(zone: &SchoolZone, d: Date, h: i8, m: i8) -> i64 {
        d.at(h, m, 0, 0)
            .to_zoned_datetime(zone.tz.clone())
            .map(|z| z.timestamp().as_millisecond())
            .unwrap_or(0)
    }

    fn stamp(at: i64) -> Stamp {
        Stamp {
            at,
            measured_ms: None,
        }
    }

    #[test]
    fn short_gaps_count_whole_and_long_gaps_count_nothing() {
        // 0, +2 min, +4 min: 4 minutes. Then a 40-minute break, then +1 min.
        let t0 = 1_000 * MIN;
        let stamps = [
            stamp(t0),
            stamp(t0 + 2 * MIN),
            stamp(t0 + 4 * MIN),
            stamp(t0 + 44 * MIN),
            stamp(t0 + 45 * MIN),
        ];
        let total: i64 = intervals(&stamps).iter().map(|(s, e)| e - s).sum();
        assert_eq!(total, 5 * MIN);
    }

    #[test]
    fn the_gap_cap_is_inclusive_at_five_minutes() {
        let t0 = 1_000 * MIN;
        let exactly = intervals(&[stamp(t0), stamp(t0 + GAP_CAP_MS)]);
        assert_eq!(exactly, vec![(t0, t0 + GAP_CAP_MS)]);
        let over = intervals(&[stamp(t0), stamp(t0 + GAP_CAP_MS + 1)]);
        assert!(over.is_empty(), "{over:?}");
    }

    #[test]
    fn after_a_break_the_server_measured_time_counts_capped() {
        let t0 = 1_000 * MIN;
        let back = Stamp {
            at: t0 + 60 * MIN,
            measured_ms: Some(3 * MIN),
        };
        assert_eq!(
            intervals(&[stamp(t0), back]),
            vec![(t0 + 57 * MIN, t0 + 60 * MIN)]
        );
        // A page open for two hours counts 30 minutes at most.
        let long = Stamp {
            at: t0 + 300 * MIN,
            measured_ms: Some(120 * MIN),
        };
        assert_eq!(
            intervals(&[stamp(t0), long]),
            vec![(t0 + 270 * MIN, t0 + 300 * MIN)]
        );
        // Never reaching back before the previous event.
        let overlapping = Stamp {
            at: t0 + 20 * MIN,
            measured_ms: Some(25 * MIN),
        };
        assert_eq!(
            intervals(&[stamp(t0), overlapping]),
            vec![(t0, t0 + 20 * MIN)]
        );
        // A negative measurement (a clock moved back) counts nothing.
        let odd = Stamp {
            at: t0,
            measured_ms: Some(-5),
        };
        assert!(intervals(&[odd]).is_empty());
    }

    #[test]
    fn order_of_the_stamps_does_not_matter() {
        let t0 = 1_000 * MIN;
        let a = [stamp(t0 + 3 * MIN), stamp(t0), stamp(t0 + MIN)];
        assert_eq!(intervals(&a), vec![(t0, t0 + 3 * MIN)]);
    }

    #[test]
    fn a_session_across_midnight_is_split_between_the_two_days() {
        let zone = SchoolZone::new("Europe/Paris").expect("zone");
        let d = date(2026, 3, 10);
        let stamps: Vec<Stamp> = (0..=8)
            .map(|i| stamp(at(&zone, d, 23, 56) + i * MIN))
            .collect();
        let days = per_day(&zone, &stamps);
        assert_eq!(days.get(&d), Some(&(4 * MIN)));
        assert_eq!(days.get(&date(2026, 3, 11)), Some(&(4 * MIN)));
        // Midnight in Paris is not midnight in UTC: there the session is one day.
        let utc = per_day(&SchoolZone::default(), &stamps);
        assert_eq!(utc.len(), 1);
        assert_eq!(utc.values().sum::<i64>(), 8 * MIN);
    }

    #[test]
    fn dst_days_have_their_real_length() {
        // Europe/Paris moves to summer time on 2026-03-29 (02:00 -> 03:00): that day has
        // 23 hours. A session from 01:50 to 03:10 local is 20 minutes of real time.
        let zone = SchoolZone::new("Europe/Paris").expect("zone");
        let d = date(2026, 3, 29);
        let start = at(&zone, d, 1, 50);
        let end = at(&zone, d, 3, 10);
        assert_eq!(end - start, 20 * MIN);
        let stamps: Vec<Stamp> = (0..=4).map(|i| stamp(start + i * 5 * MIN)).collect();
        assert_eq!(per_day(&zone, &stamps).get(&d), Some(&(20 * MIN)));
        assert_eq!(
            zone.day_start(date(2026, 3, 30)) - zone.day_start(d),
            23 * 60 * MIN
        );
        // Back to winter time on 2026-10-25: 25 hours, and a session across midnight
        // after it splits at the local midnight.
        let autumn = date(2026, 10, 25);
        assert_eq!(
            zone.day_start(date(2026, 10, 26)) - zone.day_start(autumn),
            25 * 60 * MIN
        );
        let late: Vec<Stamp> = (0..=4)
            .map(|i| stamp(at(&zone, autumn, 23, 58) + i * MIN))
            .collect();
        let days = per_day(&zone, &late);
        assert_eq!(days.get(&autumn), Some(&(2 * MIN)));
        assert_eq!(days.get(&date(2026, 10, 26)), Some(&(2 * MIN)));
    }

    #[test]
    fn a_midnight_skipped_by_dst_begins_the_day_at_its_first_instant() {
        // America/Santiago skipped midnight on 2024-09-08 (00:00 -> 01:00).
        let zone = SchoolZone::new("America/Santiago").expect("zone");
        let d = date(2024, 9, 8);
        let start = zone.day_start(d);
        assert_eq!(zone.date(start), d);
        assert_eq!(zone.date(start - 1), date(2024, 9, 7));
    }

    #[test]
    fn weeks_begin_on_monday_in_the_school_zone() {
        let zone = SchoolZone::new("America/New_York").expect("zone");
        // Sunday 2026-03-08 22:00 and Monday 2026-03-09 00:30 local (DST began that
        // Sunday morning): two different weeks.
        let sunday = at(&zone, date(2026, 3, 8), 22, 0);
        let monday = at(&zone, date(2026, 3, 9), 0, 30);
        let stamps = [
            stamp(sunday),
            stamp(sunday + 4 * MIN),
            stamp(monday),
            stamp(monday + 3 * MIN),
        ];
        let weeks = per_week(&zone, &stamps);
        assert_eq!(weeks.get(&date(2026, 3, 2)), Some(&(4 * MIN)));
        assert_eq!(weeks.get(&date(2026, 3, 9)), Some(&(3 * MIN)));
        let now = monday + 10 * MIN;
        assert_eq!(
            usage(&zone, &stamps, now),
            Usage {
                today_ms: 3 * MIN,
                week_ms: 3 * MIN
            }
        );
        assert_eq!(week_start(&zone, now), at(&zone, date(2026, 3, 9), 0, 0));
        let recent = recent_weeks(&zone, &stamps, now, 3);
        assert_eq!(
            recent.iter().map(|w| (w.monday, w.ms)).collect::<Vec<_>>(),
            vec![
                (date(2026, 2, 23), 0),
                (date(2026, 3, 2), 4 * MIN),
                (date(2026, 3, 9), 3 * MIN)
            ]
        );
    }

    #[test]
    fn unknown_zones_are_refused() {
        assert!(SchoolZone::new("Mars/Olympus").is_err());
        assert!(SchoolZone::new("").is_err());
        assert_eq!(SchoolZone::new(" UTC ").expect("utc").name(), "UTC");
    }

    #[test]
    fn the_lower_budget_wins_on_each_span() {
        let class = Budget {
            daily_minutes: Some(60),
            weekly_minutes: Some(240),
        };
        let guardian = Budget {
            daily_minutes: Some(30),
            weekly_minutes: None,
        };
        assert_eq!(
            Budget::lowest([&class, &guardian]),
            Budget {
                daily_minutes: Some(30),
                weekly_minutes: Some(240)
            }
        );
        assert!(Budget::lowest([]).is_empty());
    }

    #[test]
    fn standing_turns_near_within_ten_minutes_and_spent_at_zero() {
        let budget = Budget {
            daily_minutes: Some(30),
            weekly_minutes: Some(100),
        };
        let at = |today: i64, week: i64| {
            standing(
                Usage {
                    today_ms: today * MIN,
                    week_ms: week * MIN,
                },
                budget,
            )
        };
        assert_eq!(at(19, 19).level, Level::Within);
        assert_eq!(at(20, 20).level, Level::Near);
        assert_eq!(at(20, 20).left_ms, Some(10 * MIN));
        assert_eq!(at(30, 30).level, Level::Spent);
        assert_eq!(at(45, 45).left_ms, Some(0));
        // The week is the tighter one.
        let week = at(5, 95);
        assert_eq!(
            (week.level, week.binding),
            (Level::Near, Some(BudgetSpan::Week))
        );
        assert!(week.text().contains("this week"), "{}", week.text());
        assert_eq!(
            standing(Usage::default(), Budget::default()).level,
            Level::NoBudget
        );
        assert!(Level::Near.offline() && Level::Spent.offline() && !Level::Within.offline());
        assert!((at(15, 15).fraction_used() - 0.5).abs() < 1e-9);
    }

    #[test]
    fn the_chart_has_one_labelled_bar_per_week_and_the_budget_line() {
        let weeks = [
            Week {
                monday: date(2026, 3, 2),
                ms: 90 * MIN,
            },
            Week {
                monday: date(2026, 3, 9),
                ms: 0,
            },
        ];
        let svg = week_chart_svg(&weeks, Some(120), "Screen time <per week>");
        assert_eq!(svg.matches("<rect class=\"bar\"").count(), 2);
        assert!(svg.contains("week of 2026-03-02: 1 h 30 min"), "{svg}");
        assert!(svg.contains("class=\"budget\""));
        assert!(svg.contains("Screen time &lt;per week&gt;"));
        assert!(!week_chart_svg(&weeks, None, "t").contains("class=\"budget\""));
        // A budget far above the bars is named, not drawn (the bars keep their height).
        let far = week_chart_svg(&weeks, Some(6_000), "t");
        assert!(!far.contains("class=\"budget\""));
        assert!(
            far.contains("weekly budget 100 h, above the scale"),
            "{far}"
        );
    }

    #[test]
    fn minutes_read_plainly() {
        assert_eq!(minutes_phrase(0), "0 min");
        assert_eq!(minutes_phrase(30_000), "less than a minute");
        assert_eq!(minutes_phrase(12 * MIN), "12 min");
        assert_eq!(minutes_phrase(60 * MIN), "1 h");
        assert_eq!(minutes_phrase(65 * MIN), "1 h 5 min");
    }
}
