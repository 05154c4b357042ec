//! An admin's page of one class: its teachers and students (add, remove, move to another
//! class), past students with the dates they joined and left, and the school's own id of
//! the class for roster files. Removing a student closes their enrolment with the date;
//! their history stays (shared/CONTRACTS.md, "Enrolments").

use crate::auth::guard::Admin;
use crate::flash::{self, Flash};
use crate::layout::Layout;
use crate::routing::{ADMIN, Access, Route, Subject, get, post};
use crate::views;
use crate::{AppState, WebError};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Response};
use ownpace_core::ids::{ClassId, UserId};
use ownpace_storage::AuditAction;
use ownpace_storage::{Class, Role};
use serde::Deserialize;

pub(crate) fn routes() -> Vec<Route> {
    let admins = Access::Roles(ADMIN, Subject::None);
    vec![
        get("/admin/classes/{class}", admins, class_page),
        post("/admin/classes/{class}/members", admins, add_member),
        post("/admin/classes/{class}/remove", admins, remove_member),
        post("/admin/classes/{class}/move", admins, move_member),
        post("/admin/classes/{class}/sourced-id", admins, set_sourced_id),
    ]
}

struct Member {
    id: String,
    name: String,
    username: String,
    joined: String,
    left: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_class.html")]
struct ClassPage {
    layout: Layout,
    flash: Flash,
    class_id: String,
    class_name: String,
    course_title: String,
    sourced_id: String,
    /// What a roster file names this class by (`classSourcedId`).
    file_id: String,
    teachers: Vec<Member>,
    students: Vec<Member>,
    past: Vec<Member>,
    other_classes: Vec<(String, String)>,
}

async fn class_of(state: &AppState, class_id: &str) -> Result<Class, WebError> {
    state
        .store
        .class(&ClassId::new(class_id))
        .await?
        .ok_or(WebError::NotFound)
}

pub async fn class_page(
    State(state): State<AppState>,
    Admin(current): Admin,
    Path(class_id): Path<String>,
) -> Result<Response, WebError> {
    let class = class_of(&state, &class_id).await?;
    let path = format!("/admin/classes/{}", class.id);
    let flash = flash::take(&state, &current, &path).await?;
    let now = state.now();
    let course_title = state
        .course(&class.course_id)
        .await?
        .map_or(class.course_id.to_string(), |c| c.course.title.clone());
    let teachers = state
        .store
        .class_teachers(&class.id)
        .await?
        .into_iter()
        .map(|t| Member {
            id: t.id.into_string(),
            name: t.display_name,
            username: t.username,
            joined: String::new(),
            left: String::new(),
        })
        .collect();
    let mut students = Vec::new();
    let mut past = Vec::new();
    for e in state.store.class_enrolments(&class.id).await? {
        let member = Member {
            id: e.student.id.into_string(),
            name: e.student.display_name,
            username: e.student.username,
            joined: views::date(e.joined_at, now),
            left: e.left_at.map_or(String::new(), |at| views::date(at, now)),
        };
        if e.left_at.is_none() {
            students.push(member);
        } else {
            past.push(member);
        }
    }
    let other_classes = state
        .store
        .classes()
        .await?
        .into_iter()
        .filter(|c| c.id != class.id)
        .map(|c| (c.id.into_string(), c.name))
        .collect();
    Ok(ClassPage {
        layout: Layout::new(class.name.clone(), Some(&current), "/admin")
            .with_crumbs([("/admin", "Administration")]),
        flash,
        file_id: class
            .sourced_id
            .clone()
            .unwrap_or_else(|| class.id.to_string()),
        sourced_id: class.sourced_id.unwrap_or_default(),
        class_id: class.id.into_string(),
        class_name: class.name,
        course_title,
        teachers,
        students,
        past,
        other_classes,
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct AddForm {
    #[serde(default)]
    username: String,
}

pub async fn add_member(
    State(state): State<AppState>,
    Admin(current): Admin,
    Path(class_id): Path<String>,
    Form(form): Form<AddForm>,
) -> Result<Response, WebError> {
    let class = class_of(&state, &class_id).await?;
    let result = async {
        let member = super::admin::account_named(&state, "username", &form.username).await?;
        if member.role == Role::Student && state.store.is_enrolled(&member.id, &class.id).await? {
            return Err(WebError::BadRequest(format!(
                "username: {} is in {} already",
                member.display_name, class.name
            )));
        }
        state
            .store
            .add_to_class(&class.id, &member.id, state.now())
            .await?;
        if member.role == Role::Student {
            crate::audit::access(
                &state,
                &current,
                AuditAction::Enrolled,
                &[&member.id],
                Some(&class.name),
            )
            .await?;
        }
        Ok(Flash::success(match member.role {
            Role::Teacher => format!("{} now teaches {}", member.display_name, class.name),
            _ => format!("{} joined {}", member.display_name, class.name),
        }))
    }
    .await;
    let location = format!("/admin/classes/{}#add-member", class.id);
    flash::finish(
        &state,
        &current,
        &location,
        result,
        "add-member",
        [("username", form.username.trim())],
    )
    .await
}

#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    user: String,
    #[serde(default)]
    to: String,
}

pub async fn remove_member(
    State(state): State<AppState>,
    Admin(current): Admin,
    Path(class_id): Path<String>,
    Form(form): Form<MemberForm>,
) -> Result<Response, WebError> {
    let class = class_of(&state, &class_id).await?;
    let result = async {
        let member = state
            .store
            .user(&UserId::new(form.user.as_str()))
            .await?
            .ok_or_else(|| WebError::BadRequest("member: choose someone in the class".into()))?;
        let now = state.now();
        match state
            .store
            .remove_from_class(&class.id, &member.id, now)
            .await
        {
            Err(ownpace_storage::StoreError::NotFound { .. }) => Err(WebError::BadRequest(
                format!("member: {} is not in {}", member.display_name, class.name),
            )),
            Err(other) => Err(other.into()),
            Ok(()) => {
                if member.role == Role::Student {
                    crate::audit::access(
                        &state,
                        &current,
                        AuditAction::Unenrolled,
                        &[&member.id],
                        Some(&class.name),
                    )
                    .await?;
                }
                Ok(Flash::success(match member.role {
                    Role::Teacher => {
                        format!("{} no longer teaches {}", member.display_name, class.name)
                    }
                    _ => format!(
                        "{} left {} on {}; their work stays in their record",
                        member.display_name,
                        class.name,
                        views::date(now, now)
                    ),
                }))
            }
        }
    }
    .await;
    let location = format!("/admin/classes/{}#roster", class.id);
    flash::finish(&state, &current, &location, result, "roster", []).await
}

pub async fn move_member(
    State(state): State<AppState>,
    Admin(current): Admin,
    Path(class_id): Path<String>,
    Form(form): Form<MemberForm>,
) -> Result<Response, WebError> {
    let class = class_of(&state, &class_id).await?;
    let result = async {
        let member = state
            .store
            .user(&UserId::new(form.user.as_str()))
            .await?
            .filter(|u| u.role == Role::Student)
            .ok_or_else(|| WebError::BadRequest("student: choose a student of the class".into()))?;
        let to = state
            .store
            .class(&ClassId::new(form.to.as_str()))
            .await?
            .ok_or_else(|| WebError::BadRequest("class: choose the class to move to".into()))?;
        match state
            .store
            .move_student(&class.id, &to.id, &member.id, state.now())
            .await
        {
            Err(ownpace_storage::StoreError::NotFound { .. }) => Err(WebError::BadRequest(
                format!("student: {} is not in {}", member.display_name, class.name),
            )),
            Err(ownpace_storage::StoreError::Conflict(_)) => Err(WebError::BadRequest(format!(
                "class: {} is in {} already",
                member.display_name, to.name
            ))),
            Err(other) => Err(other.into()),
            Ok(()) => {
                let detail = format!("from the class '{}' to '{}'", class.name, to.name);
                crate::audit::access(
                    &state,
                    &current,
                    AuditAction::Moved,
                    &[&member.id],
                    Some(&detail),
                )
                .await?;
                Ok(Flash::success(format!(
                    "{} moved from {} to {}",
                    member.display_name, class.name, to.name
                )))
            }
        }
    }
    .await;
    let location = format!("/admin/classes/{}#roster", class.id);
    flash::finish(&state, &current, &location, result, "roster", []).await
}

#[derive(Deserialize)]
pub struct SourcedIdForm {
    #[serde(default)]
    sourced_id: String,
}

pub async fn set_sourced_id(
    State(state): State<AppState>,
    Admin(current): Admin,
    Path(class_id): Path<String>,
    Form(form): Form<SourcedIdForm>,
) -> Result<Response, WebError> {
    let class = class_of(&state, &class_id).await?;
    let typed = form.sourced_id.trim();
    let result = async {
        if typed.chars().count() > 255 || typed.chars().any(char::is_control) {
            return Err(WebError::BadRequest(
                "school id: at most 255 characters".into(),
            ));
        }
        let value = (!typed.is_empty()).then_some(typed);
        state.store.set_class_sourced_id(&class.id, value).await?;
        Ok(Flash::success(match value {
            Some(id) => format!("Roster files now name {} by {id}", class.name),
            None => format!("Roster files now name {} by its Ownpace id", class.name),
        }))
    }
    .await;
    let location = format!("/admin/classes/{}#school-id", class.id);
    flash::finish(
        &state,
        &current,
        &location,
        result,
        "school-id",
        [("sourced_id", typed)],
    )
    .await
}
