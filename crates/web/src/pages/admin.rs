//! Administration: accounts, classes, enrolments and guardians.

use crate::auth::guard::Admin;
use crate::auth::{self, CurrentUser};
use crate::layout::Layout;
use crate::routing::{ADMIN, Access, Route, Subject, get, post};
use crate::{AppState, WebError};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, State};
use axum::response::{IntoResponse, Response};
use ownpace_storage::{Role, User};
use serde::Deserialize;

pub(crate) fn routes() -> Vec<Route> {
    let admins = Access::Roles(ADMIN, Subject::None);
    vec![
        get("/admin", admins, self::admin),
        post("/admin/users", admins, admin_create_user),
        post("/admin/classes", admins, admin_create_class),
        post("/admin/members", admins, admin_add_member),
        post("/admin/guardians", admins, admin_add_guardian),
    ]
}

struct AdminClass {
    name: String,
    course_id: String,
    teachers: String,
    students: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin.html")]
struct AdminPage {
    layout: Layout,
    users: Vec<(String, String, String)>,
    classes: Vec<AdminClass>,
    class_options: Vec<(String, String)>,
    courses: Vec<(String, String, i64)>,
    message: String,
}

async fn admin_page(
    state: &AppState,
    current: &CurrentUser,
    message: String,
) -> Result<AdminPage, WebError> {
    let users = state
        .store
        .users(None)
        .await?
        .into_iter()
        .map(|u| (u.display_name, u.username, u.role.to_string()))
        .collect();
    let mut classes = Vec::new();
    let mut class_options = Vec::new();
    for class in state.store.classes().await? {
        let teachers = state.store.class_teachers(&class.id).await?;
        let students = state.store.class_students(&class.id).await?.len();
        class_options.push((class.id.clone(), class.name.clone()));
        classes.push(AdminClass {
            name: class.name,
            course_id: class.course_id,
            teachers: teachers
                .into_iter()
                .map(|t| t.display_name)
                .collect::<Vec<_>>()
                .join(", "),
            students,
        });
    }
    let courses = state
        .store
        .current_courses()
        .await?
        .into_iter()
        .map(|c| (c.course.id.clone(), c.course.title.clone(), c.version))
        .collect();
    Ok(AdminPage {
        layout: Layout::new("Administration", Some(current), "/admin"),
        users,
        classes,
        class_options,
        courses,
        message,
    })
}

pub async fn admin(
    State(state): State<AppState>,
    Admin(current): Admin,
) -> Result<Response, WebError> {
    Ok(admin_page(&state, &current, String::new())
        .await?
        .into_response())
}

/// Runs an admin action and shows the admin page again with its result.
async fn admin_result(
    state: &AppState,
    current: &CurrentUser,
    result: Result<String, WebError>,
) -> Result<Response, WebError> {
    match result {
        Ok(message) => Ok(admin_page(state, current, message).await?.into_response()),
        Err(error @ (WebError::BadRequest(_) | WebError::Store(_) | WebError::NotFound)) => {
            let status = error.status();
            let message = format!("Not done: {}", error.public_message());
            Ok((status, admin_page(state, current, message).await?).into_response())
        }
        Err(other) => Err(other),
    }
}

#[derive(Deserialize)]
pub struct NewUserForm {
    username: String,
    display_name: String,
    role: String,
    password: String,
}

/// Checks a new account's fields; the message says which field is wrong and how.
pub fn validate_new_user(
    username: &str,
    display_name: &str,
    password: &str,
) -> Result<(), WebError> {
    if username.len() < 3
        || username.len() > 40
        || !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    {
        return Err(WebError::BadRequest(
            "username: 3 to 40 letters, digits, dots, dashes or underscores".into(),
        ));
    }
    if display_name.trim().is_empty() || display_name.len() > 80 {
        return Err(WebError::BadRequest(
            "display name: 1 to 80 characters".into(),
        ));
    }
    crate::auth::passwords::check_new_password(password, username)
}

pub async fn admin_create_user(
    State(state): State<AppState>,
    Admin(current): Admin,
    Form(form): Form<NewUserForm>,
) -> Result<Response, WebError> {
    let result = async {
        let role: Role = form.role.parse().map_err(WebError::BadRequest)?;
        validate_new_user(form.username.trim(), &form.display_name, &form.password)?;
        let hash = auth::hash_password(form.password.clone()).await?;
        let created = state
            .store
            .create_user(ownpace_storage::NewUser {
                username: form.username.trim(),
                display_name: form.display_name.trim(),
                role,
                password_hash: &hash,
                created_at: state.now(),
            })
            .await?;
        Ok(format!(
            "Created {} account `{}`.",
            created.role, created.username
        ))
    }
    .await;
    admin_result(&state, &current, result).await
}

#[derive(Deserialize)]
pub struct NewClassForm {
    name: String,
    course_id: String,
}

pub async fn admin_create_class(
    State(state): State<AppState>,
    Admin(current): Admin,
    Form(form): Form<NewClassForm>,
) -> Result<Response, WebError> {
    let result = async {
        if form.name.trim().is_empty() {
            return Err(WebError::BadRequest("class name: must not be empty".into()));
        }
        let class = state
            .store
            .create_class(form.name.trim(), form.course_id.trim(), state.now())
            .await?;
        Ok(format!("Created class {}.", class.name))
    }
    .await;
    admin_result(&state, &current, result).await
}

/// The account called `username`; when there is none, the error names the form `field`.
async fn account_named(state: &AppState, field: &str, username: &str) -> Result<User, WebError> {
    let username = username.trim();
    state
        .store
        .user_by_username(username)
        .await?
        .ok_or_else(|| WebError::BadRequest(format!("{field}: no account named `{username}`")))
}

#[derive(Deserialize)]
pub struct MemberForm {
    class_id: String,
    username: String,
}

pub async fn admin_add_member(
    State(state): State<AppState>,
    Admin(current): Admin,
    Form(form): Form<MemberForm>,
) -> Result<Response, WebError> {
    let result = async {
        let member = account_named(&state, "username", &form.username).await?;
        state.store.add_to_class(&form.class_id, &member.id).await?;
        Ok(format!("Added {} to the class.", member.display_name))
    }
    .await;
    admin_result(&state, &current, result).await
}

#[derive(Deserialize)]
pub struct GuardianForm {
    guardian: String,
    student: String,
}

pub async fn admin_add_guardian(
    State(state): State<AppState>,
    Admin(current): Admin,
    Form(form): Form<GuardianForm>,
) -> Result<Response, WebError> {
    let result = async {
        let guardian = account_named(&state, "guardian", &form.guardian).await?;
        let student = account_named(&state, "student", &form.student).await?;
        state.store.add_guardian(&guardian.id, &student.id).await?;
        Ok(format!(
            "{} is now a guardian of {}.",
            guardian.display_name, student.display_name
        ))
    }
    .await;
    admin_result(&state, &current, result).await
}
