//! A family's data rights: taking the record with them and having it erased.
//!
//! - "Your data" pages for the student (`/me/data`) and their guardian
//!   (`/family/{student}/data`): download the whole record as one zip
//!   (`crate::export`), and ask the school to erase it (recorded, shown to admins);
//! - the downloads themselves, for the student, the guardian and an admin
//!   (`/admin/users/{user}/export`), each written to the access log;
//! - the admin's erasure: a confirmation page where the admin types the username and a
//!   reason (`/admin/users/{user}/erase`), then `Store::erase_student`; and the list of
//!   pending requests with the erasure log (`/admin/erasures`), which names erased
//!   students by pseudonym only.

use crate::auth::CurrentUser;
use crate::auth::guard::{Admin, GuardianOf, Student};
use crate::flash::{self, Flash};
use crate::layout::Layout;
use crate::routing::{ADMIN, Access, GUARDIAN, Route, STUDENT, Subject, get, post};
use crate::views;
use crate::{AppState, WebError};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use ownpace_core::ids::UserId;
use ownpace_storage::erasure::MAX_REASON_CHARS;
use ownpace_storage::{ErasedVia, Role, User};
use serde::Deserialize;

pub(crate) fn routes() -> Vec<Route> {
    let student = Access::Roles(STUDENT, Subject::None);
    let guardian = Access::Roles(GUARDIAN, Subject::Student("student"));
    let admins = Access::Roles(ADMIN, Subject::None);
    vec![
        get("/me/data", student, own_page),
        get("/me/export", student, own_export),
        post("/me/erasure-request", student, own_request),
        get("/family/{student}/data", guardian, child_page),
        get("/family/{student}/export", guardian, child_export),
        post("/family/{student}/erasure-request", guardian, child_request),
        get("/admin/users/{user}/export", admins, admin_export),
        get("/admin/users/{user}/erase", admins, erase_page),
        post("/admin/users/{user}/erase", admins, erase),
        get("/admin/erasures", admins, erasures),
    ]
}

#[derive(Template, WebTemplate)]
#[template(path = "data_rights.html")]
struct DataPage {
    layout: Layout,
    flash: Flash,
    /// "your" or "Ana's".
    whose: String,
    name: String,
    base: String,
    requested: Option<String>,
    retention_days: i64,
}

async fn data_page(
    state: &AppState,
    current: &CurrentUser,
    student: &User,
    base: &str,
    whose: String,
    layout: Layout,
) -> Result<Response, WebError> {
    let now = state.now();
    let flash = flash::take(state, current, &format!("{base}/data")).await?;
    let requested = state
        .store
        .erasure_requested_at(&student.id)
        .await?
        .map(|at| views::date(at, now));
    Ok(DataPage {
        layout,
        flash,
        whose,
        name: student.display_name.clone(),
        base: base.to_string(),
        requested,
        retention_days: state.config.retention_days_after_leaving,
    }
    .into_response())
}

pub async fn own_page(
    State(state): State<AppState>,
    Student(current): Student,
) -> Result<Response, WebError> {
    let layout = Layout::new("Your data", Some(&current), "/learn");
    let student = current.user.clone();
    data_page(&state, &current, &student, "/me", "your".into(), layout).await
}

pub async fn child_page(
    State(state): State<AppState>,
    GuardianOf { guardian, student }: GuardianOf,
) -> Result<Response, WebError> {
    let layout = Layout::new(
        format!("{}'s data", student.display_name),
        Some(&guardian),
        "/family",
    )
    .with_crumbs([("/family", "My family")]);
    let base = format!("/family/{}", student.id);
    let whose = format!("{}'s", student.display_name);
    data_page(&state, &guardian, &student, &base, whose, layout).await
}

/// The zip as a download, after writing the access-log row.
async fn download(
    state: &AppState,
    headers: &HeaderMap,
    actor: &UserId,
    action: &str,
    student: &User,
) -> Result<Response, WebError> {
    if student.role != Role::Student {
        return Err(WebError::NotFound);
    }
    let now = state.now();
    let homepage = super::admin::origin(state, headers);
    let bytes = crate::export::student_zip(&state.store, student, &homepage, now).await?;
    state
        .store
        .audit(actor, action, Some(&student.id), now)
        .await?;
    let safe: String = student
        .username
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = HeaderValue::from_str(&format!(
        "attachment; filename=\"ownpace-record-{safe}.zip\""
    ))
    .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/zip"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

pub async fn own_export(
    State(state): State<AppState>,
    Student(current): Student,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let user = &current.user;
    download(
        &state,
        &headers,
        &user.id,
        "student downloaded their record",
        user,
    )
    .await
}

pub async fn child_export(
    State(state): State<AppState>,
    GuardianOf { guardian, student }: GuardianOf,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let actor = &guardian.user.id;
    download(
        &state,
        &headers,
        actor,
        "guardian downloaded the record",
        &student,
    )
    .await
}

pub async fn admin_export(
    State(state): State<AppState>,
    Admin(current): Admin,
    Path(user_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let student = student_of(&state, &user_id).await?;
    let actor = &current.user.id;
    state
        .store
        .staff_audit(ownpace_storage::StaffEvent {
            kind: ownpace_storage::StaffAction::Exported,
            actor: Some(actor),
            subject: Some(&student.id),
            detail: "the student's whole record, as a zip",
            address: "",
            at: state.now(),
        })
        .await?;
    download(
        &state,
        &headers,
        actor,
        "admin exported the record",
        &student,
    )
    .await
}

async fn request(
    state: &AppState,
    current: &CurrentUser,
    student: &User,
    base: &str,
) -> Result<Response, WebError> {
    let now = state.now();
    let new = state
        .store
        .request_erasure(&student.id, &current.user.id, now)
        .await?;
    let message = if new {
        "Your request is recorded: the school's administrator will erase the record and can tell you when it is done"
    } else {
        "The request was already recorded; the school's administrator has it"
    };
    flash::redirect(
        state,
        current,
        &format!("{base}/data#erasure"),
        Flash::success(message),
    )
    .await
}

pub async fn own_request(
    State(state): State<AppState>,
    Student(current): Student,
) -> Result<Response, WebError> {
    let student = current.user.clone();
    request(&state, &current, &student, "/me").await
}

pub async fn child_request(
    State(state): State<AppState>,
    GuardianOf { guardian, student }: GuardianOf,
) -> Result<Response, WebError> {
    let base = format!("/family/{}", student.id);
    request(&state, &guardian, &student, &base).await
}

async fn student_of(state: &AppState, user_id: &str) -> Result<User, WebError> {
    state
        .store
        .user(&UserId::new(user_id))
        .await?
        .filter(|u| u.role == Role::Student)
        .ok_or(WebError::NotFound)
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_erase.html")]
struct ErasePage {
    layout: Layout,
    flash: Flash,
    user_id: String,
    name: String,
    username: String,
    requested: Option<String>,
    max_reason: usize,
}

pub async fn erase_page(
    State(state): State<AppState>,
    Admin(current): Admin,
    Path(user_id): Path<String>,
) -> Result<Response, WebError> {
    let student = student_of(&state, &user_id).await?;
    let now = state.now();
    let flash = flash::take(
        &state,
        &current,
        &format!("/admin/users/{}/erase", student.id),
    )
    .await?;
    let requested = state
        .store
        .erasure_requested_at(&student.id)
        .await?
        .map(|at| views::date(at, now));
    Ok(ErasePage {
        layout: Layout::new(
            format!("Erase {}", student.display_name),
            Some(&current),
            "/admin",
        )
        .with_crumbs([
            ("/admin", "Administration"),
            ("/admin/erasures", "Erasures"),
        ]),
        flash,
        user_id: student.id.to_string(),
        name: student.display_name,
        username: student.username,
        requested,
        max_reason: MAX_REASON_CHARS,
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct EraseForm {
    #[serde(default)]
    confirm_username: String,
    #[serde(default)]
    reason: String,
}

pub async fn erase(
    State(state): State<AppState>,
    Admin(current): Admin,
    Path(user_id): Path<String>,
    Form(form): Form<EraseForm>,
) -> Result<Response, WebError> {
    let student = student_of(&state, &user_id).await?;
    let reason = form.reason.trim();
    let checked = if form.confirm_username.trim() != student.username {
        Err(WebError::BadRequest(
            "confirm username: type the student's username exactly to confirm the erasure".into(),
        ))
    } else if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        Err(WebError::BadRequest(format!(
            "reason: say why, in at most {MAX_REASON_CHARS} characters"
        )))
    } else {
        Ok(())
    };
    if let Err(error) = checked {
        // The reason is put back; the typed username is not kept anywhere.
        let location = format!("/admin/users/{}/erase", student.id);
        return flash::finish(
            &state,
            &current,
            &location,
            Err(error),
            "erase",
            [("reason", reason)],
        )
        .await;
    }
    let erased = state
        .store
        .erase_student(
            &student.id,
            reason,
            Some(&current.user.id),
            ErasedVia::AdminPage,
            state.now(),
        )
        .await?;
    state
        .store
        .staff_audit(ownpace_storage::StaffEvent {
            kind: ownpace_storage::StaffAction::Erased,
            actor: Some(&current.user.id),
            subject: None,
            detail: &erased.pseudonym,
            address: "",
            at: state.now(),
        })
        .await?;
    let done = Flash::success(format!(
        "The student's record is erased; the erasure log names them only as {}",
        erased.pseudonym
    ));
    flash::redirect(&state, &current, "/admin/erasures", done).await
}

struct PendingLine {
    id: String,
    name: String,
    username: String,
    by: String,
    at: String,
}

struct LogLine {
    pseudonym: String,
    at: String,
    by: String,
    via: String,
    reason: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_erasures.html")]
struct ErasuresPage {
    layout: Layout,
    flash: Flash,
    pending: Vec<PendingLine>,
    log: Vec<LogLine>,
    retention_days: i64,
}

pub async fn erasures(
    State(state): State<AppState>,
    Admin(current): Admin,
) -> Result<Response, WebError> {
    let now = state.now();
    let flash = flash::take(&state, &current, "/admin/erasures").await?;
    let pending = state
        .store
        .pending_erasure_requests()
        .await?
        .into_iter()
        .map(|r| PendingLine {
            id: r.student.id.to_string(),
            name: r.student.display_name,
            username: r.student.username,
            by: r.requested_by,
            at: views::date(r.requested_at, now),
        })
        .collect();
    let mut log = Vec::new();
    for entry in state.store.erasure_log().await?.into_iter().rev() {
        let by = match &entry.erased_by {
            Some(id) => state
                .store
                .user(&UserId::new(id.as_str()))
                .await?
                .map_or_else(|| "a former admin".to_string(), |u| u.display_name),
            None => "the server".to_string(),
        };
        log.push(LogLine {
            pseudonym: entry.pseudonym,
            at: views::date(entry.erased_at, now),
            by,
            via: entry.via,
            reason: entry.reason,
        });
    }
    Ok(ErasuresPage {
        layout: Layout::new("Erasures", Some(&current), "/admin")
            .with_crumbs([("/admin", "Administration")]),
        flash,
        pending,
        log,
        retention_days: state.config.retention_days_after_leaving,
    }
    .into_response())
}
