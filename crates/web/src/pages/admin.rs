//! Administration: the overview (classes, accounts, courses) and making accounts and
//! classes. A class's roster is on its own page (`admin_class`), an account's settings on
//! theirs (`admin_account`), bulk adding from CSV files in `admin_import`. Every form ends
//! with a redirect to a page and a message there (`flash`), so reloading never repeats a
//! form and never answers 405.

use crate::auth::guard::Admin;
use crate::auth::{self, CurrentUser};
use crate::flash::{self, Flash, HandedCode};
use crate::layout::Layout;
use crate::routing::{ADMIN, Access, Route, Subject, get, post};
use crate::{AppState, WebError};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use ownpace_core::ids::CourseId;
use ownpace_storage::pilots::PilotStatus;
use ownpace_storage::{Role, User};
use serde::Deserialize;

/// How long a set-up code works (14 days).
pub(crate) const SETUP_CODE_MS: i64 = 14 * 86_400_000;

pub(crate) fn routes() -> Vec<Route> {
    let admins = Access::Roles(ADMIN, Subject::None);
    let mut routes = vec![
        get("/admin", admins, self::admin),
        post("/admin/users", admins, admin_create_user),
        post("/admin/classes", admins, admin_create_class),
    ];
    routes.extend(super::admin_class::routes());
    routes.extend(super::admin_account::routes());
    routes.extend(super::admin_import::routes());
    routes.extend(super::admin_audit::routes());
    routes
}

struct AdminClass {
    id: String,
    name: String,
    course_title: String,
    teachers: String,
    students: usize,
    /// Pilot studies defined on the class (issue 12: admins define and run pilots too).
    pilots: usize,
}

/// A pilot study on the admin page: every class's pilots, each opening its page.
struct AdminPilot {
    class_id: String,
    class_name: String,
    id: String,
    question: String,
    status: &'static str,
}

struct AdminUser {
    id: String,
    name: String,
    username: String,
    role: &'static str,
    disabled: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin.html")]
struct AdminPage {
    layout: Layout,
    flash: Flash,
    users: Vec<AdminUser>,
    classes: Vec<AdminClass>,
    pilots: Vec<AdminPilot>,
    courses: Vec<(String, String, i64)>,
    role_choices: &'static [(&'static str, &'static str)],
}

const ROLE_CHOICES: &[(&str, &str)] = &[
    ("student", "Student"),
    ("teacher", "Teacher"),
    ("guardian", "Guardian"),
    ("admin", "Admin"),
];

/// A role as a person reads it.
pub(crate) fn role_name(role: Role) -> &'static str {
    match role {
        Role::Admin => "Admin",
        Role::Teacher => "Teacher",
        Role::Student => "Student",
        Role::Guardian => "Guardian",
    }
}

pub async fn admin(
    State(state): State<AppState>,
    Admin(current): Admin,
) -> Result<Response, WebError> {
    let flash = flash::take(&state, &current, "/admin").await?;
    let users = state
        .store
        .users(None)
        .await?
        .into_iter()
        .map(|u| AdminUser {
            id: u.id.into_string(),
            name: u.display_name,
            username: u.username,
            role: role_name(u.role),
            disabled: u.disabled,
        })
        .collect();
    let courses: Vec<(String, String, i64)> = state
        .store
        .current_courses()
        .await?
        .into_iter()
        .map(|c| (c.course.id.to_string(), c.course.title.clone(), c.version))
        .collect();
    let mut classes = Vec::new();
    let mut pilots = Vec::new();
    for class in state.store.classes().await? {
        let teachers = state.store.class_teachers(&class.id).await?;
        let students = state.store.class_students(&class.id).await?.len();
        let of_class = state.store.pilots_of_class(&class.id).await?;
        let pilot_count = of_class.len();
        pilots.extend(of_class.into_iter().map(|p| AdminPilot {
            class_id: class.id.to_string(),
            class_name: class.name.clone(),
            status: match p.status {
                PilotStatus::Draft => "draft",
                PilotStatus::Running => "running",
                PilotStatus::Finished => "finished",
            },
            question: p.plan.question,
            id: p.id,
        }));
        classes.push(AdminClass {
            course_title: courses
                .iter()
                .find(|(id, _, _)| *id == class.course_id)
                .map_or(class.course_id.to_string(), |(_, title, _)| title.clone()),
            id: class.id.into_string(),
            name: class.name,
            teachers: teachers
                .into_iter()
                .map(|t| t.display_name)
                .collect::<Vec<_>>()
                .join(", "),
            students,
            pilots: pilot_count,
        });
    }
    Ok(AdminPage {
        layout: Layout::new("Administration", Some(&current), "/admin"),
        flash,
        users,
        classes,
        pilots,
        courses,
        role_choices: ROLE_CHOICES,
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct NewUserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
}

/// Checks an account's username and display name; the message names the field.
pub fn validate_account(username: &str, display_name: &str) -> Result<(), WebError> {
    ownpace_core::roster::check_username(username).map_err(WebError::BadRequest)?;
    if display_name.trim().is_empty()
        || display_name.chars().count() > ownpace_core::roster::MAX_DISPLAY_NAME
    {
        return Err(WebError::BadRequest(
            "display name: 1 to 80 characters".into(),
        ));
    }
    Ok(())
}

/// The password rule (in one place, for the CLI, the set-up page and the API).
pub fn check_password(password: &str) -> Result<(), WebError> {
    if password.chars().count() < 8 {
        return Err(WebError::BadRequest(
            "password: at least 8 characters".into(),
        ));
    }
    if password.len() > 1024 {
        return Err(WebError::BadRequest(
            "password: at most 1024 characters".into(),
        ));
    }
    Ok(())
}

/// Checks a new account's fields; the message says which field is wrong and how.
pub fn validate_new_user(
    username: &str,
    display_name: &str,
    password: &str,
) -> Result<(), WebError> {
    validate_account(username, display_name)?;
    check_password(password)
}

/// Makes a set-up code for `user`, replacing any earlier one (and, with `lock`, ending the
/// password and sessions the account had). Returns the code to hand out.
pub(crate) async fn issue_setup_code(
    state: &AppState,
    user: &User,
    lock: bool,
) -> Result<HandedCode, WebError> {
    if lock {
        state.store.set_password_hash(user.id.as_str(), "!").await?;
    }
    let code = auth::setup_code()?;
    let now = state.now();
    state
        .store
        .issue_setup_code(
            &user.id,
            &auth::setup_code_hash(&code),
            now,
            now + SETUP_CODE_MS,
        )
        .await?;
    Ok(HandedCode {
        name: user.display_name.clone(),
        username: user.username.clone(),
        code,
    })
}

/// Where this server is reached, for the set-up links handed out (`https://host`).
pub(crate) fn origin(state: &AppState, headers: &HeaderMap) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("localhost");
    let scheme = if auth::secure_request(state, headers) {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

pub async fn admin_create_user(
    State(state): State<AppState>,
    Admin(current): Admin,
    Form(form): Form<NewUserForm>,
) -> Result<Response, WebError> {
    let username = form.username.trim();
    let display_name = form.display_name.trim();
    let created = async {
        let role: Role = form
            .role
            .parse()
            .map_err(|_| WebError::BadRequest("role: choose a role".into()))?;
        validate_account(username, display_name)?;
        let created = state
            .store
            .create_user(ownpace_storage::NewUser {
                username,
                display_name,
                role,
                password_hash: "!",
                created_at: state.now(),
            })
            .await?;
        let code = issue_setup_code(&state, &created, false).await?;
        crate::audit::staff(
            &state,
            ownpace_storage::StaffAction::AccountCreated,
            Some(&current.user.id),
            Some(&created.id),
            &format!("role {}", created.role),
            None,
        )
        .await?;
        Ok((created, code))
    }
    .await;
    match created {
        Ok((created, code)) => {
            let mut done = Flash::success(format!(
                "Created the {} account {} for {}; hand out the set-up code below",
                role_name(created.role).to_lowercase(),
                created.username,
                created.display_name
            ));
            done.codes.push(code);
            let location = format!("/admin/users/{}", created.id);
            flash::redirect(&state, &current, &location, done).await
        }
        Err(error) => {
            flash::finish(
                &state,
                &current,
                "/admin#new-account",
                Err(error),
                "new-account",
                [
                    ("username", username),
                    ("display_name", display_name),
                    ("role", form.role.as_str()),
                ],
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct NewClassForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    course_id: String,
}

pub async fn admin_create_class(
    State(state): State<AppState>,
    Admin(current): Admin,
    Form(form): Form<NewClassForm>,
) -> Result<Response, WebError> {
    let name = form.name.trim();
    let result = async {
        if name.is_empty() || name.chars().count() > 120 {
            return Err(WebError::BadRequest(
                "class name: 1 to 120 characters".into(),
            ));
        }
        let course_id = CourseId::new(form.course_id.trim());
        if state.course(&course_id).await?.is_none() {
            return Err(WebError::BadRequest("course: choose a course".into()));
        }
        let class = state
            .store
            .create_class(name, &course_id, state.now())
            .await?;
        Ok(class)
    }
    .await;
    match result {
        Ok(class) => {
            let location = format!("/admin/classes/{}", class.id);
            let done = Flash::success(format!(
                "Created the class {}; add its teachers and students below",
                class.name
            ));
            flash::redirect(&state, &current, &location, done).await
        }
        Err(error) => {
            flash::finish(
                &state,
                &current,
                "/admin#new-class",
                Err(error),
                "new-class",
                [("name", name), ("course_id", form.course_id.as_str())],
            )
            .await
        }
    }
}

/// The account called `username`; when there is none, the error names the form `field`.
pub(crate) async fn account_named(
    state: &AppState,
    field: &str,
    username: &str,
) -> Result<User, WebError> {
    let username = username.trim();
    if username.is_empty() {
        return Err(WebError::BadRequest(format!("{field}: type a username")));
    }
    state
        .store
        .user_by_username(username)
        .await?
        .ok_or_else(|| WebError::BadRequest(format!("{field}: no account is called {username}")))
}

/// The signed-in admin, for handlers in the other admin modules.
pub(crate) fn is_self(current: &CurrentUser, user: &User) -> bool {
    current.user.id == user.id
}
