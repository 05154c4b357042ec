//! What Ownpace keeps and who looked: the public privacy notice, generated from the data
//! inventory (`ownpace_storage::inventory`), and the access log a student or guardian
//! reads ("who looked at my record, and what they changed").

use crate::auth::guard::{GuardianOf, MaybeUser, Student};
use crate::layout::Layout;
use crate::routing::{Access, GUARDIAN, Route, STUDENT, Subject, get};
use crate::{AppState, WebError};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use ownpace_storage::inventory::{INVENTORY, OnErasure, Sensitivity};
use ownpace_storage::{AuditEntry, User};

pub(crate) fn routes() -> Vec<Route> {
    vec![
        get("/privacy", Access::Public, privacy),
        get(
            "/me/access-log",
            Access::Roles(STUDENT, Subject::None),
            own_access_log,
        ),
        get(
            "/family/{student}/access-log",
            Access::Roles(GUARDIAN, Subject::Student("student")),
            child_access_log,
        ),
    ]
}

/// One table of the inventory in plain words.
struct KeptData {
    holds: &'static str,
    purpose: &'static str,
    seen_by: &'static str,
    kept: &'static str,
    on_erasure: &'static str,
    personal: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "privacy.html")]
struct PrivacyPage {
    layout: Layout,
    contact: Option<String>,
    kept: Vec<KeptData>,
    /// `retention_days_after_leaving` (0: no automatic erasure).
    retention_days: i64,
    /// The notice's version (a hash of its text), which a consent records.
    notice_version: String,
}

/// The privacy notice: public, so a family can read it before anyone signs in.
pub async fn privacy(State(state): State<AppState>, user: MaybeUser) -> Result<Response, WebError> {
    let kept = INVENTORY
        .iter()
        .filter(|t| t.columns.iter().any(|(_, s)| *s != Sensitivity::NotPersonal))
        .map(|t| KeptData {
            holds: t.holds,
            purpose: t.purpose,
            seen_by: t.seen_by,
            kept: t.kept.words(),
            on_erasure: match t.on_erasure {
                OnErasure::Delete => "deleted",
                OnErasure::Pseudonymise => {
                    "kept for the school's statistics under a random pseudonym that cannot be linked back; anything the student typed is removed"
                }
                OnErasure::ClearAll => "deleted (every such message or upload is cleared)",
                OnErasure::NotAboutStudents => "not about students",
            },
            personal: t
                .columns
                .iter()
                .filter(|(_, s)| *s == Sensitivity::Personal)
                .map(|(c, _)| c.replace('_', " "))
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect();
    Ok(PrivacyPage {
        layout: Layout::new("Privacy", user.0.as_ref(), "/privacy"),
        contact: state.config.privacy_contact.clone(),
        kept,
        retention_days: state.config.retention_days_after_leaving,
        notice_version: crate::consent::notice_version(&state.config),
    }
    .into_response())
}

struct AccessRow {
    /// "Ms. Rivera pinned 'Adding fractions' on 3 March".
    sentence: String,
    /// A change to the record (not only a look).
    change: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "access_log.html")]
struct AccessLogPage {
    layout: Layout,
    whose: String,
    rows: Vec<AccessRow>,
}

/// How many entries the access log shows (newest first).
const ACCESS_LOG_ROWS: i64 = 200;

async fn access_log(
    state: &AppState,
    layout: Layout,
    whose: String,
    student: &User,
) -> Result<Response, WebError> {
    let now = state.now();
    let rows = state
        .store
        .audit_entries_for(&student.id, ACCESS_LOG_ROWS)
        .await?
        .into_iter()
        .map(|entry: AuditEntry| AccessRow {
            sentence: crate::audit::sentence(&entry, now),
            change: ownpace_storage::AuditAction::parse(&entry.action)
                .is_some_and(|a| !a.is_read()),
        })
        .collect();
    Ok(AccessLogPage {
        layout,
        whose,
        rows,
    }
    .into_response())
}

pub async fn own_access_log(
    State(state): State<AppState>,
    Student(current): Student,
) -> Result<Response, WebError> {
    let layout = Layout::new("Who looked at my record", Some(&current), "/learn");
    access_log(&state, layout, "your".into(), &current.user).await
}

pub async fn child_access_log(
    State(state): State<AppState>,
    GuardianOf { guardian, student }: GuardianOf,
) -> Result<Response, WebError> {
    let layout = Layout::new(
        format!("Who looked at {}'s record", student.display_name),
        Some(&guardian),
        "/family",
    );
    let whose = format!("{}'s", student.display_name);
    access_log(&state, layout, whose, &student).await
}
