//! The staff audit trail for admins (`/admin/audit`): sign-ins, failed sign-ins, refused
//! requests, accounts made, guardian links, password resets, disabling, exports and
//! erasures, newest first, a page at a time, filtered by kind. What is written where is
//! `crate::audit`; the table and its bounds are `ownpace_storage`'s `staff_audit`.

use crate::auth::guard::Admin;
use crate::layout::{Layout, url_encode};
use crate::routing::{ADMIN, Access, Route, Subject, get};
use crate::{AppState, WebError};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use ownpace_storage::{StaffAction, StaffEntry};
use serde::Deserialize;

pub(crate) fn routes() -> Vec<Route> {
    vec![get(
        "/admin/audit",
        Access::Roles(ADMIN, Subject::None),
        audit_page,
    )]
}

/// Rows per page.
const PAGE_ROWS: i64 = 50;

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    kind: String,
    /// `MS:ROW_ID` of the last row of the page before.
    #[serde(default)]
    before: String,
}

struct Row {
    when: String,
    what: &'static str,
    who: String,
    about: String,
    detail: String,
    address: String,
    times: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    layout: Layout,
    kinds: Vec<(&'static str, &'static str, bool)>,
    kind: String,
    rows: Vec<Row>,
    next: String,
    paged: bool,
}

/// "3 March 14:05 UTC".
fn moment(ms: i64, now: i64) -> String {
    let minutes = ms.rem_euclid(86_400_000) / 60_000;
    format!(
        "{} {:02}:{:02} UTC",
        crate::views::date(ms, now),
        minutes / 60,
        minutes % 60
    )
}

fn row(entry: StaffEntry, now: i64) -> Row {
    Row {
        when: moment(entry.at, now),
        what: entry.kind.map_or("(unknown kind)", StaffAction::words),
        who: entry
            .actor
            .unwrap_or_else(|| "someone not signed in".to_string()),
        about: entry.subject.unwrap_or_default(),
        detail: entry.detail,
        address: entry.address,
        times: if entry.count > 1 {
            format!(
                "{} times, the last {}",
                entry.count,
                moment(entry.last_at, now)
            )
        } else {
            String::new()
        },
    }
}

pub async fn audit_page(
    State(state): State<AppState>,
    Admin(current): Admin,
    Query(query): Query<AuditQuery>,
) -> Result<Response, WebError> {
    let kind = match query.kind.trim() {
        "" => None,
        text => Some(
            StaffAction::parse(text)
                .ok_or_else(|| WebError::BadRequest("kind: choose a kind from the list".into()))?,
        ),
    };
    let before = if query.before.is_empty() {
        None
    } else {
        let (ms, id) = query
            .before
            .split_once(':')
            .filter(|(_, id)| id.len() <= 64)
            .and_then(|(ms, id)| Some((ms.parse::<i64>().ok()?, id)))
            .ok_or_else(|| WebError::BadRequest("before: not a page of this list".into()))?;
        Some((ms, id))
    };
    let entries = state
        .store
        .staff_audit_page(kind, before, PAGE_ROWS + 1)
        .await?;
    let more = entries.len() as i64 > PAGE_ROWS;
    let entries: Vec<StaffEntry> = entries.into_iter().take(PAGE_ROWS as usize).collect();
    let next = match (more, entries.last()) {
        (true, Some(last)) => format!(
            "/admin/audit?kind={}&before={}",
            kind.map_or("", StaffAction::as_str),
            url_encode(&format!("{}:{}", last.at, last.id))
        ),
        _ => String::new(),
    };
    let now = state.now();
    Ok(AuditPage {
        layout: Layout::new("Staff audit trail", Some(&current), "/admin")
            .with_crumbs([("/admin", "Administration")]),
        kinds: StaffAction::ALL
            .iter()
            .map(|k| (k.as_str(), k.words(), Some(*k) == kind))
            .collect(),
        kind: kind.map_or(String::new(), |k| k.as_str().to_string()),
        rows: entries.into_iter().map(|e| row(e, now)).collect(),
        next,
        paged: before.is_some(),
    }
    .into_response())
}
