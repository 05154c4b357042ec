//! Calendar feeds (issue 9, point 6; RFC 5545): a student's assignment due days and goal
//! target days, a guardian's for all their children, a class's due days for its teachers.
//!
//! A feed's address holds a random secret (32 bytes) that the owner sees once, on
//! `/calendars`, when they make it; only its SHA-256 is stored, and making a new one
//! replaces the hash, so the old address answers 404 from then on. The feed route is
//! public in the route table (the secret is the credential); an unknown secret is a bare
//! 404. Fetching a feed reads only: the guard looks for no session on it (so none is
//! touched), nothing is written to the access log, and the request log names the route
//! template (`/calendar/{feed}`), never the secret.
//!
//! [`entries`] is the one place that gathers what a feed holds; check-ins join it there.

use crate::auth::guard::SignedIn;
use crate::auth::{random_token, token_hash};
use crate::layout::Layout;
use crate::routing::{Access, Route, Subject, get, post};
use crate::{AppState, WebError};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use icalendar::{Calendar, Component, EventLike};
use ownpace_core::ids::UserId;
use ownpace_storage::{CalendarFeed, GoalAgreement, Role, User};
use serde::Deserialize;

/// People with a calendar: students, guardians, teachers.
const OWNERS: &[Role] = &[Role::Student, Role::Guardian, Role::Teacher];

/// The feed route: public in the table, no session looked up (see the guard).
pub const FEED_PATH: &str = "/calendar/{feed}";

pub(crate) fn routes() -> Vec<Route> {
    vec![
        get("/calendars", Access::Roles(OWNERS, Subject::None), page),
        post(
            "/calendars/reset",
            Access::Roles(OWNERS, Subject::None),
            reset,
        ),
        get(FEED_PATH, Access::Public, feed),
    ]
}

/// One thing on a calendar: an all-day entry on its school day.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Stable across fetches, so a calendar app updates the entry instead of adding one.
    pub uid: String,
    pub summary: String,
    pub description: String,
    /// The instant whose school day the entry falls on.
    pub at: i64,
}

/// Everything a feed holds now. The seam for more kinds of entries (check-ins).
pub async fn entries(state: &AppState, feed: &CalendarFeed) -> Result<Vec<Entry>, WebError> {
    let Some(owner) = state.store.user(&feed.owner_id).await? else {
        return Err(WebError::NotFound);
    };
    match (owner.role, feed.scope.as_str()) {
        (Role::Student, "own") => student_entries(state, &owner, None).await,
        (Role::Guardian, "own") => {
            let mut out = Vec::new();
            for child in state.store.children_of(&owner.id).await? {
                out.extend(student_entries(state, &child, Some(&child.display_name)).await?);
            }
            Ok(out)
        }
        (Role::Teacher, scope) => {
            let class_id = scope.strip_prefix("class:").ok_or(WebError::NotFound)?;
            let class = state
                .store
                .classes_taught_by(&owner.id)
                .await?
                .into_iter()
                .find(|c| c.id.as_str() == class_id)
                .ok_or(WebError::NotFound)?;
            let Some(course) = state.course(&class.course_id).await? else {
                return Ok(Vec::new());
            };
            Ok(state
                .store
                .class_assignments(&class.id)
                .await?
                .into_iter()
                .map(|a| Entry {
                    uid: format!("assignment-{}@ownpace", a.id),
                    summary: format!(
                        "Due: {} ({})",
                        crate::assignments::target_title(&course, &a),
                        class.name
                    ),
                    description: format!("Assignment for {}", class.name),
                    at: a.due_at,
                })
                .collect())
        }
        _ => Err(WebError::NotFound),
    }
}

/// A student's assignment due days and goal target days (a guardian sees agreed goals
/// only, each entry named with the child's name).
async fn student_entries(
    state: &AppState,
    student: &User,
    child_name: Option<&str>,
) -> Result<Vec<Entry>, WebError> {
    let now = state.now();
    let prefix = child_name.map_or_else(String::new, |n| format!("{n}: "));
    let mut out = Vec::new();
    let mut courses = Vec::new();
    for class in state.store.classes_of_student(&student.id).await? {
        if !courses.contains(&class.course_id) {
            courses.push(class.course_id.clone());
        }
    }
    for course_id in courses {
        let Some(course) = state.course(&course_id).await? else {
            continue;
        };
        for a in state
            .store
            .student_assignments(&student.id, Some(&course_id), Some(now))
            .await?
        {
            out.push(Entry {
                uid: format!("assignment-{}-{}@ownpace", a.id, student.id),
                summary: format!(
                    "{prefix}Due: {}",
                    crate::assignments::target_title(&course, &a)
                ),
                description: format!("Assignment in {}", course.course.title),
                at: a.due_at,
            });
        }
        for goal in state.store.open_goals(&student.id, &course_id).await? {
            let shown = match goal.agreement {
                GoalAgreement::Agreed => true,
                GoalAgreement::Proposed => child_name.is_none(),
                GoalAgreement::Declined => false,
            };
            if !shown || goal.achieved_at.is_some() {
                continue;
            }
            out.push(Entry {
                uid: format!("goal-{}@ownpace", goal.id),
                summary: format!("{prefix}Goal: {}", goal.title),
                description: format!("Goal target day in {}", course.course.title),
                at: goal.target_at,
            });
        }
    }
    Ok(out)
}

/// `YYYYMMDDTHHMMSSZ` of a UTC instant.
fn utc_stamp(ms: i64) -> String {
    let (y, m, d) = ownpace_core::recommend::dates::civil(ms);
    let secs = ms.div_euclid(1000).rem_euclid(86_400);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// The feed as iCalendar text: one all-day event per entry on its school day.
pub fn render(state: &AppState, name: &str, list: &[Entry]) -> String {
    let zone = &state.config.timezone;
    let stamp = utc_stamp(state.now());
    let mut calendar = Calendar::new();
    calendar.name(name);
    for e in list {
        let day = zone.date(e.at);
        let Some(start) = civil(day.year(), day.month(), day.day()) else {
            continue;
        };
        let Some(end) = start.next_day() else {
            continue;
        };
        calendar.push(
            icalendar::Event::new()
                .uid(&e.uid)
                .summary(&e.summary)
                .description(&e.description)
                .add_property("DTSTAMP", stamp.as_str())
                .starts(start)
                .ends(end)
                .done(),
        );
    }
    calendar.done().to_string()
}

fn civil(year: i16, month: i8, day: i8) -> Option<time::Date> {
    let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
    time::Date::from_calendar_date(i32::from(year), month, u8::try_from(day).ok()?).ok()
}

/// `GET /calendar/{secret}.ics`: the feed, or a bare 404.
pub async fn feed(
    State(state): State<AppState>,
    Path(feed): Path<String>,
) -> Result<Response, WebError> {
    let secret = feed.strip_suffix(".ics").unwrap_or(&feed);
    if secret.is_empty() || secret.len() > 100 {
        return Err(WebError::NotFound);
    }
    let Some(found) = state
        .store
        .calendar_feed_by_hash(&token_hash(&format!("calendar:{secret}")))
        .await?
    else {
        return Err(WebError::NotFound);
    };
    let list = entries(&state, &found).await?;
    let body = render(&state, "Ownpace", &list);
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    Ok(response)
}

// ---------------------------------------------------------------------------------------
// The owner's page

pub struct FeedRow {
    pub scope: String,
    pub label: String,
    /// "made 3 days ago", or empty when there is none.
    pub since: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "calendars.html")]
struct CalendarsPage {
    layout: Layout,
    feeds: Vec<FeedRow>,
    /// The address just made (shown once), and for which feed.
    new_url: String,
    new_label: String,
}

/// The feeds a person may have: (scope, label).
async fn scopes(state: &AppState, user: &User) -> Result<Vec<(String, String)>, WebError> {
    Ok(match user.role {
        Role::Student => vec![("own".to_string(), "My assignments and goals".to_string())],
        Role::Guardian => vec![(
            "own".to_string(),
            "My children's assignments and goals".to_string(),
        )],
        Role::Teacher => state
            .store
            .classes_taught_by(&user.id)
            .await?
            .into_iter()
            .map(|c| (format!("class:{}", c.id), format!("Due days in {}", c.name)))
            .collect(),
        Role::Admin => Vec::new(),
    })
}

async fn feed_rows(
    state: &AppState,
    owner: &UserId,
    user: &User,
) -> Result<Vec<FeedRow>, WebError> {
    let now = state.now();
    let mut rows = Vec::new();
    for (scope, label) in scopes(state, user).await? {
        let since = state
            .store
            .calendar_feed_since(owner, &scope)
            .await?
            .map_or_else(String::new, |at| {
                format!("address made {}", crate::views::ago(now, at))
            });
        rows.push(FeedRow {
            scope,
            label,
            since,
        });
    }
    Ok(rows)
}

pub async fn page(
    State(state): State<AppState>,
    SignedIn(current): SignedIn,
) -> Result<Response, WebError> {
    let feeds = feed_rows(&state, &current.user.id, &current.user).await?;
    Ok(CalendarsPage {
        layout: Layout::new("Calendar feeds", Some(&current), "/calendars"),
        feeds,
        new_url: String::new(),
        new_label: String::new(),
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    scope: String,
}

/// Makes a new secret address for one of the person's feeds (the old one stops
/// working) and shows it once, on this response only.
pub async fn reset(
    State(state): State<AppState>,
    SignedIn(current): SignedIn,
    headers: axum::http::HeaderMap,
    Form(form): Form<ResetForm>,
) -> Result<Response, WebError> {
    let scopes = scopes(&state, &current.user).await?;
    let Some((scope, label)) = scopes.into_iter().find(|(s, _)| *s == form.scope) else {
        return Err(WebError::BadRequest(
            "scope: choose one of your calendars".into(),
        ));
    };
    let secret = random_token()?;
    state
        .store
        .set_calendar_feed(
            &current.user.id,
            &scope,
            &token_hash(&format!("calendar:{secret}")),
            state.now(),
        )
        .await?;
    let feeds = feed_rows(&state, &current.user.id, &current.user).await?;
    Ok(CalendarsPage {
        layout: Layout::new("Calendar feeds", Some(&current), "/calendars"),
        feeds,
        new_url: format!(
            "{}/calendar/{secret}.ics",
            crate::pages::origin(&state, &headers)
        ),
        new_label: label,
    }
    .into_response())
}
