//! The screen-time rows of the JSON API (issue 12): a student's screen time per day and
//! the budgets that apply, both arrays at the top level (CONTRACTS, "The JSON API"),
//! described in the OpenAPI document (merged into `api::openapi_document`).

use crate::auth::guard::Student;
use crate::routing::{Access, Route, STUDENT, Subject, get};
use crate::screen::level_word;
use crate::{AppState, WebError};
use axum::Json;
use axum::extract::{Query, State};
use ownpace_core::screen_time::{self, BudgetSpan, RETURN_CAP_MS};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

/// Days answered by default, and at most.
const DEFAULT_DAYS: i64 = 14;
const MAX_DAYS: i64 = 366;

#[derive(OpenApi)]
#[openapi(
    paths(screen_time_days, screen_budget),
    components(schemas(ScreenDay, ScreenBudget))
)]
pub(crate) struct ScreenApi;

pub(crate) fn routes() -> Vec<Route> {
    let student = Access::Roles(STUDENT, Subject::None);
    vec![
        get("/api/v1/me/screen-time", student, screen_time_days),
        get("/api/v1/me/screen-budget", student, screen_budget),
    ]
}

/// One school day of screen time.
#[derive(Serialize, ToSchema)]
pub struct ScreenDay {
    /// The day in the school's time zone, `YYYY-MM-DD`.
    date: String,
    /// Whole minutes of screen time measured by the server (active time between requests;
    /// gaps over 5 minutes are breaks).
    minutes: i64,
}

#[derive(Deserialize, IntoParams)]
pub struct DaysQuery {
    /// How many days, today first (1 to 366; default 14).
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/me/screen-time", security(("bearer" = [])), params(DaysQuery),
    responses(
        (status = 200, description = "The student's screen time per day, newest first, today included (days without any at 0).", body = [ScreenDay]),
        (status = 422, description = "`limit` is outside 1 to 366.", body = crate::api::ErrorBody)))]
pub async fn screen_time_days(
    State(state): State<AppState>,
    Student(current): Student,
    Query(query): Query<DaysQuery>,
) -> Result<Json<Vec<ScreenDay>>, WebError> {
    let days = query.limit.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(WebError::BadRequest(format!("limit: 1 to {MAX_DAYS} days")));
    }
    let zone = &state.config.timezone;
    let now = state.now();
    let today = zone.date(now);
    // An hour of slack per DST change is more than enough: read from a day earlier.
    let since = zone.day_start(today) - days * 86_400_000 - RETURN_CAP_MS;
    let stamps = state.store.screen_stamps(&current.user.id, since).await?;
    let per_day = screen_time::per_day(zone, &stamps);
    let mut out = Vec::new();
    let mut day = today;
    for _ in 0..days {
        out.push(ScreenDay {
            date: day.to_string(),
            minutes: per_day.get(&day).copied().unwrap_or(0) / 60_000,
        });
        match day.yesterday() {
            Ok(d) => day = d,
            Err(_) => break,
        }
    }
    Ok(Json(out))
}

/// One budget that applies to the student now, with where they stand against it.
#[derive(Serialize, ToSchema)]
pub struct ScreenBudget {
    /// `day` or `week` (days and weeks in the school's time zone; weeks start on Monday).
    span: String,
    /// The budget that applies: the lowest of the class budgets (unless exempt) and the
    /// guardians' budgets.
    budget_minutes: u32,
    used_minutes: i64,
    left_minutes: i64,
    /// `within`, `near` (10 minutes or less left: next steps are offline) or `spent`.
    level: String,
}

#[utoipa::path(get, path = "/api/v1/me/screen-budget", security(("bearer" = [])),
    responses((status = 200, description = "The budgets that apply to the student, the day's first; empty when none applies.", body = [ScreenBudget])))]
pub async fn screen_budget(
    State(state): State<AppState>,
    Student(current): Student,
) -> Result<Json<Vec<ScreenBudget>>, WebError> {
    let standing = crate::screen::standing(&state, &current.user.id).await?;
    let spans = [
        (
            BudgetSpan::Day,
            standing.budget.daily_minutes,
            standing.usage.today_ms,
        ),
        (
            BudgetSpan::Week,
            standing.budget.weekly_minutes,
            standing.usage.week_ms,
        ),
    ];
    Ok(Json(
        spans
            .into_iter()
            .filter_map(|(span, budget, used)| {
                let budget = budget?;
                let left = (i64::from(budget) * 60_000 - used).max(0);
                let one = screen_time::standing(
                    screen_time::Usage {
                        today_ms: used,
                        week_ms: used,
                    },
                    screen_time::Budget {
                        daily_minutes: Some(budget),
                        weekly_minutes: None,
                    },
                );
                Some(ScreenBudget {
                    span: match span {
                        BudgetSpan::Day => "day",
                        BudgetSpan::Week => "week",
                    }
                    .to_string(),
                    budget_minutes: budget,
                    used_minutes: used / 60_000,
                    left_minutes: left / 60_000,
                    level: level_word(one.level).to_string(),
                })
            })
            .collect(),
    ))
}
