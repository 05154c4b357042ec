//! Screen time in the web (issue 12): gathers a student's on-screen events and budgets
//! from storage, hands them to `ownpace_core::screen_time`, and shapes the meter, the
//! weekly chart and the budget panels the pages show. Days and weeks follow the school's
//! `timezone` setting.

use crate::{AppState, WebError};
use ownpace_core::ids::UserId;
use ownpace_core::screen_time::{
    self, Budget, Level, RETURN_CAP_MS, SchoolZone, Standing, minutes_phrase,
};
use ownpace_storage::StudentBudgets;

/// Weeks the chart shows.
pub const CHART_WEEKS: usize = 8;

/// The student's standing now: today's and this week's screen time against the budget
/// that applies (the lowest of the class budgets they are not exempt from and their
/// guardians' budgets).
pub async fn standing(state: &AppState, student_id: &UserId) -> Result<Standing, WebError> {
    let budgets = state.store.student_budgets(student_id).await?;
    standing_with(state, student_id, &budgets).await
}

async fn standing_with(
    state: &AppState,
    student_id: &UserId,
    budgets: &StudentBudgets,
) -> Result<Standing, WebError> {
    let zone = &state.config.timezone;
    let now = state.now();
    // Stretches that reach into this week start at most 30 minutes before it.
    let since = screen_time::week_start(zone, now) - RETURN_CAP_MS;
    let stamps = state.store.screen_stamps(student_id, since).await?;
    let usage = screen_time::usage(zone, &stamps, now);
    Ok(screen_time::standing(
        usage,
        with_pilot(state, student_id, budgets).await?,
    ))
}

/// The budget that applies, with a running pilot's condition's budget (issue 12, point
/// 5): the lowest still wins.
async fn with_pilot(
    state: &AppState,
    student_id: &UserId,
    budgets: &StudentBudgets,
) -> Result<Budget, WebError> {
    let (_, pilot) = crate::pilots::condition_now(state, student_id).await?;
    Ok(Budget::lowest([&budgets.effective(), &pilot]))
}

/// The calm meter on the student's pages.
pub struct Meter {
    pub text: String,
    /// `no-budget`, `within`, `near` or `spent` (a CSS class; the text says it in words).
    pub level: &'static str,
    /// Share of the tighter budget used, 0 to 100.
    pub percent: u32,
    pub has_budget: bool,
    /// Next steps are offline ones now.
    pub offline: bool,
}

pub fn meter(standing: &Standing) -> Meter {
    Meter {
        text: standing.text(),
        level: level_word(standing.level),
        percent: (standing.fraction_used() * 100.0).round() as u32,
        has_budget: standing.level != Level::NoBudget,
        offline: standing.level.offline(),
    }
}

pub fn level_word(level: Level) -> &'static str {
    match level {
        Level::NoBudget => "no-budget",
        Level::Within => "within",
        Level::Near => "near",
        Level::Spent => "spent",
    }
}

/// A budget in words: "30 min a day, 2 h a week", "none".
pub fn budget_words(budget: &Budget) -> String {
    let mut parts = Vec::new();
    if let Some(d) = budget.daily_minutes {
        parts.push(format!("{} a day", minutes_phrase(i64::from(d) * 60_000)));
    }
    if let Some(w) = budget.weekly_minutes {
        parts.push(format!("{} a week", minutes_phrase(i64::from(w) * 60_000)));
    }
    if parts.is_empty() {
        "none".to_string()
    } else {
        parts.join(", ")
    }
}

/// What teachers and guardians see of a student's screen time: the chart of the last
/// weeks, today's and this week's figures, and the budgets that apply.
pub struct Panel {
    pub svg: String,
    /// (week, phrase) per bar, for the table beside the chart.
    pub weeks: Vec<(String, String)>,
    pub today: String,
    pub week: String,
    pub effective: String,
    pub meter: Meter,
    /// (class id, class name, budget in words, exemption note or empty).
    pub classes: Vec<(String, String, String, String)>,
    /// Guardians' budgets in words (one per guardian who set one).
    pub guardians: Vec<String>,
    /// The viewing guardian's own budget (minutes as typed, empty for none).
    pub own_daily: String,
    pub own_weekly: String,
    pub zone: String,
}

pub async fn panel(
    state: &AppState,
    student_id: &UserId,
    viewer: Option<&UserId>,
) -> Result<Panel, WebError> {
    let zone: &SchoolZone = &state.config.timezone;
    let now = state.now();
    let budgets = state.store.student_budgets(student_id).await?;
    let standing = standing_with(state, student_id, &budgets).await?;
    // From the chart's first Monday (an hour of slack for a DST change between).
    let since = screen_time::week_start(zone, now)
        - (CHART_WEEKS as i64 - 1) * 7 * 86_400_000
        - 3_600_000
        - RETURN_CAP_MS;
    let stamps = state.store.screen_stamps(student_id, since).await?;
    let weeks = screen_time::recent_weeks(zone, &stamps, now, CHART_WEEKS);
    let effective = with_pilot(state, student_id, &budgets).await?;
    let svg = screen_time::week_chart_svg(
        &weeks,
        effective.weekly_minutes,
        "Screen time per week, last 8 weeks",
    );
    let own = viewer.and_then(|v| budgets.guardians.iter().find(|(g, _)| g == v));
    let typed = |m: Option<u32>| m.map_or(String::new(), |m| m.to_string());
    Ok(Panel {
        svg,
        weeks: weeks
            .iter()
            .map(|w| (w.monday.to_string(), minutes_phrase(w.ms)))
            .collect(),
        today: minutes_phrase(standing.usage.today_ms),
        week: minutes_phrase(standing.usage.week_ms),
        effective: budget_words(&effective),
        meter: meter(&standing),
        classes: budgets
            .classes
            .iter()
            .map(|c| {
                (
                    c.class_id.to_string(),
                    c.class_name.clone(),
                    budget_words(&c.budget),
                    c.exemption.clone().unwrap_or_default(),
                )
            })
            .collect(),
        guardians: budgets
            .guardians
            .iter()
            .map(|(_, b)| budget_words(b))
            .collect(),
        own_daily: typed(own.and_then(|(_, b)| b.daily_minutes)),
        own_weekly: typed(own.and_then(|(_, b)| b.weekly_minutes)),
        zone: zone.name().to_string(),
    })
}

/// Reads a budget form's minutes: blank for none, otherwise a whole number in range.
pub fn parse_budget(daily: &str, weekly: &str) -> Result<Budget, WebError> {
    let read = |label: &str, text: &str| -> Result<Option<i64>, WebError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        if text.len() > 6 {
            return Err(WebError::BadRequest(format!(
                "{label}: a whole number of minutes, or empty for no budget"
            )));
        }
        text.parse::<i64>().map(Some).map_err(|_| {
            WebError::BadRequest(format!(
                "{label}: a whole number of minutes, or empty for no budget"
            ))
        })
    };
    let daily = read("minutes a day", daily)?;
    let weekly = read("minutes a week", weekly)?;
    ownpace_storage::check_budget(daily, weekly).map_err(WebError::from)
}

/// The student's recent practice sheets in the courses of `paths` (the teacher's
/// classes): (sheet id, date, course title), newest first.
pub async fn sheet_links(
    state: &AppState,
    student_id: &UserId,
    paths: &[crate::pages::record::PathSection],
) -> Result<Vec<(String, String, String)>, WebError> {
    let now = state.now();
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for p in paths {
        let course_id = ownpace_core::ids::CourseId::new(p.path.course_id.as_str());
        if seen.contains(&course_id) {
            continue;
        }
        let Some(course) = state.course(&course_id).await? else {
            continue;
        };
        for (id, at) in state
            .store
            .student_sheets(student_id, &course_id, 10)
            .await?
        {
            out.push((id, crate::views::date(at, now), course.course.title.clone()));
        }
        seen.push(course_id);
    }
    Ok(out)
}
