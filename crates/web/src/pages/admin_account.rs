//! An admin's page of one account: who it is, a new one-time set-up code (the password
//! reset: passwords never travel, the person chooses their own), disabling and enabling,
//! the classes it belongs to, and the guardians linked to a student (or the children of a
//! guardian), with linking and unlinking.

use crate::auth::guard::Admin;
use crate::flash::{self, Flash};
use crate::layout::Layout;
use crate::routing::{ADMIN, Access, Route, Subject, get, post};
use crate::views;
use crate::{AppState, WebError};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use ownpace_core::ids::UserId;
use ownpace_storage::{AuditAction, Role, StaffAction, User};
use serde::Deserialize;

pub(crate) fn routes() -> Vec<Route> {
    let admins = Access::Roles(ADMIN, Subject::None);
    vec![
        get("/admin/users/{user}", admins, account_page),
        post("/admin/users/{user}/setup-code", admins, new_setup_code),
        post("/admin/users/{user}/access", admins, set_access),
        post("/admin/users/{user}/guardians", admins, link),
        post("/admin/users/{user}/unlink", admins, unlink),
    ]
}

struct ClassLine {
    id: String,
    name: String,
    joined: String,
    left: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_account.html")]
struct AccountPage {
    layout: Layout,
    flash: Flash,
    origin: String,
    user_id: String,
    name: String,
    username: String,
    role: &'static str,
    is_student: bool,
    is_guardian: bool,
    disabled: bool,
    waiting: bool,
    is_self: bool,
    sourced_id: String,
    classes: Vec<ClassLine>,
    /// Guardians of a student, or children of a guardian: (id, name, username).
    linked: Vec<(String, String, String)>,
    /// A student's birth year (empty: unknown) and consent state in words.
    birth_year: String,
    consent_state: String,
    /// A guardian's address for weekly letters (empty: none).
    letter_address: String,
}

async fn user_of(state: &AppState, user_id: &str) -> Result<User, WebError> {
    state
        .store
        .user(&UserId::new(user_id))
        .await?
        .ok_or(WebError::NotFound)
}

pub async fn account_page(
    State(state): State<AppState>,
    Admin(current): Admin,
    Path(user_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let user = user_of(&state, &user_id).await?;
    let flash = flash::take(&state, &current, &format!("/admin/users/{}", user.id)).await?;
    let now = state.now();
    let classes = match user.role {
        Role::Student => state
            .store
            .student_enrolments(&user.id)
            .await?
            .into_iter()
            .map(|e| ClassLine {
                id: e.class.id.into_string(),
                name: e.class.name,
                joined: views::date(e.joined_at, now),
                left: e.left_at.map_or(String::new(), |at| views::date(at, now)),
            })
            .collect(),
        Role::Teacher => state
            .store
            .classes_taught_by(&user.id)
            .await?
            .into_iter()
            .map(|c| ClassLine {
                id: c.id.into_string(),
                name: c.name,
                joined: String::new(),
                left: String::new(),
            })
            .collect(),
        _ => Vec::new(),
    };
    let linked = match user.role {
        Role::Student => state.store.guardians_of(&user.id).await?,
        Role::Guardian => state.store.children_of(&user.id).await?,
        _ => Vec::new(),
    }
    .into_iter()
    .map(|u| (u.id.into_string(), u.display_name, u.username))
    .collect();
    let (birth_year, consent_state) = if user.role == Role::Student {
        crate::audit::access(
            &state,
            &current,
            AuditAction::AccountViewed,
            &[&user.id],
            None,
        )
        .await?;
        crate::consent::admin_summary(&state, &user.id).await?
    } else {
        Default::default()
    };
    let letter_address = if user.role == Role::Guardian {
        state
            .store
            .letter_address(&user.id)
            .await?
            .unwrap_or_default()
    } else {
        String::new()
    };
    Ok(AccountPage {
        letter_address,
        birth_year,
        consent_state,
        layout: Layout::new(user.display_name.clone(), Some(&current), "/admin")
            .with_crumbs([("/admin", "Administration")]),
        flash,
        origin: super::admin::origin(&state, &headers),
        waiting: state.store.has_setup_code(&user.id, now).await?,
        sourced_id: state
            .store
            .user_sourced_id(&user.id)
            .await?
            .unwrap_or_default(),
        is_self: super::admin::is_self(&current, &user),
        is_student: user.role == Role::Student,
        is_guardian: user.role == Role::Guardian,
        role: super::admin::role_name(user.role),
        disabled: user.disabled,
        user_id: user.id.into_string(),
        name: user.display_name,
        username: user.username,
        classes,
        linked,
    }
    .into_response())
}

pub async fn new_setup_code(
    State(state): State<AppState>,
    Admin(current): Admin,
    Path(user_id): Path<String>,
) -> Result<Response, WebError> {
    let user = user_of(&state, &user_id).await?;
    let location = format!("/admin/users/{}#password", user.id);
    if super::admin::is_self(&current, &user) {
        let refused = Flash::error(
            "Your own password is not reset here: another admin can make you a set-up code",
        );
        return flash::redirect(&state, &current, &location, refused).await;
    }
    let code = super::admin::issue_setup_code(&state, &user, true).await?;
    changed(
        &state,
        &current,
        &user,
        AuditAction::PasswordReset,
        StaffAction::PasswordReset,
        "",
    )
    .await?;
    let mut done = Flash::success(format!(
        "The old password of {} no longer works and their sessions ended; hand them the set-up code below",
        user.display_name
    ));
    done.codes.push(code);
    flash::redirect(&state, &current, &location, done).await
}

#[derive(Deserialize)]
pub struct AccessForm {
    #[serde(default)]
    action: String,
}

pub async fn set_access(
    State(state): State<AppState>,
    Admin(current): Admin,
    Path(user_id): Path<String>,
    Form(form): Form<AccessForm>,
) -> Result<Response, WebError> {
    let user = user_of(&state, &user_id).await?;
    let result = async {
        let disable = match form.action.as_str() {
            "disable" => true,
            "enable" => false,
            _ => return Err(WebError::BadRequest("access: disable or enable".into())),
        };
        if disable && super::admin::is_self(&current, &user) {
            return Err(WebError::BadRequest(
                "access: you cannot disable your own account".into(),
            ));
        }
        state.store.set_user_disabled(&user.id, disable).await?;
        let (action, staff) = if disable {
            (AuditAction::Disabled, StaffAction::Disabled)
        } else {
            (AuditAction::Enabled, StaffAction::Enabled)
        };
        changed(&state, &current, &user, action, staff, "").await?;
        Ok(Flash::success(if disable {
            format!(
                "{} is disabled: they cannot sign in, and their sessions ended",
                user.display_name
            )
        } else {
            format!("{} can sign in again", user.display_name)
        }))
    }
    .await;
    let location = format!("/admin/users/{}#access", user.id);
    flash::finish(&state, &current, &location, result, "access", []).await
}

#[derive(Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    other: String,
}

pub async fn link(
    State(state): State<AppState>,
    Admin(current): Admin,
    Path(user_id): Path<String>,
    Form(form): Form<LinkForm>,
) -> Result<Response, WebError> {
    let user = user_of(&state, &user_id).await?;
    let result = async {
        let other = super::admin::account_named(&state, "username", &form.username).await?;
        let (guardian, student) = match (user.role, other.role) {
            (Role::Student, Role::Guardian) => (&other, &user),
            (Role::Guardian, Role::Student) => (&user, &other),
            (Role::Student, _) => {
                return Err(WebError::BadRequest(format!(
                    "username: {} is not a guardian account",
                    other.username
                )));
            }
            _ => {
                return Err(WebError::BadRequest(format!(
                    "username: {} is not a student account",
                    other.username
                )));
            }
        };
        state.store.add_guardian(&guardian.id, &student.id).await?;
        guardianship_changed(&state, &current, guardian, student, true).await?;
        Ok(Flash::success(format!(
            "{} is now a guardian of {}",
            guardian.display_name, student.display_name
        )))
    }
    .await;
    let location = format!("/admin/users/{}#family", user.id);
    flash::finish(
        &state,
        &current,
        &location,
        result,
        "link",
        [("username", form.username.trim())],
    )
    .await
}

pub async fn unlink(
    State(state): State<AppState>,
    Admin(current): Admin,
    Path(user_id): Path<String>,
    Form(form): Form<LinkForm>,
) -> Result<Response, WebError> {
    let user = user_of(&state, &user_id).await?;
    let result = async {
        let other = state
            .store
            .user(&UserId::new(form.other.as_str()))
            .await?
            .ok_or_else(|| WebError::BadRequest("link: choose whom to unlink".into()))?;
        let (guardian, student) = if user.role == Role::Guardian {
            (&user, &other)
        } else {
            (&other, &user)
        };
        match state.store.remove_guardian(&guardian.id, &student.id).await {
            Err(ownpace_storage::StoreError::NotFound { .. }) => {
                Err(WebError::BadRequest(format!(
                    "link: {} is not a guardian of {}",
                    guardian.display_name, student.display_name
                )))
            }
            Err(other) => Err(other.into()),
            Ok(()) => {
                guardianship_changed(&state, &current, guardian, student, false).await?;
                Ok(Flash::success(format!(
                    "{} is no longer a guardian of {} and cannot see their progress",
                    guardian.display_name, student.display_name
                )))
            }
        }
    }
    .await;
    let location = format!("/admin/users/{}#family", user.id);
    flash::finish(&state, &current, &location, result, "link", []).await
}

/// Logs an admin's change to an account: in the student's access log (when the account is
/// a student's) and in the staff audit trail.
async fn changed(
    state: &AppState,
    current: &crate::auth::CurrentUser,
    user: &User,
    action: AuditAction,
    staff: StaffAction,
    detail: &str,
) -> Result<(), WebError> {
    if user.role == Role::Student {
        crate::audit::access(state, current, action, &[&user.id], Some(detail)).await?;
    }
    crate::audit::staff(
        state,
        staff,
        Some(&current.user.id),
        Some(&user.id),
        detail,
        None,
    )
    .await
}

/// Logs a guardian linked to or unlinked from a student.
async fn guardianship_changed(
    state: &AppState,
    current: &crate::auth::CurrentUser,
    guardian: &User,
    student: &User,
    linked: bool,
) -> Result<(), WebError> {
    let (action, staff) = if linked {
        (AuditAction::GuardianLinked, StaffAction::GuardianLinked)
    } else {
        (AuditAction::GuardianUnlinked, StaffAction::GuardianUnlinked)
    };
    crate::audit::access(
        state,
        current,
        action,
        &[&student.id],
        Some(&guardian.display_name),
    )
    .await?;
    crate::audit::staff(
        state,
        staff,
        Some(&current.user.id),
        Some(&student.id),
        &format!("guardian {}", guardian.display_name),
        None,
    )
    .await
}
