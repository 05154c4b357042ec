//! Setting screen-time budgets (issue 12, point 2): a teacher's class budget, a teacher's
//! exemption of one student with a note, and a guardian's own lower budget for their
//! child. Each is a form on the page that shows it (class dashboard, student record,
//! family page), answered with Post/Redirect/Get and a message.

use crate::auth::guard::{GuardianOf, TeacherOfClass, TeacherOfStudent};
use crate::flash::{self, Flash};
use crate::routing::{Access, GUARDIAN, Route, Subject, TEACHER, post};
use crate::screen::{budget_words, parse_budget};
use crate::{AppState, WebError};
use axum::extract::{Form, State};
use axum::response::Response;
use ownpace_core::ids::ClassId;
use serde::Deserialize;

pub(crate) fn routes() -> Vec<Route> {
    vec![
        post(
            "/classes/{class}/screen-time",
            Access::Roles(TEACHER, Subject::Class("class")),
            class_budget,
        ),
        post(
            "/students/{student}/screen-time/exemption",
            Access::Roles(TEACHER, Subject::Student("student")),
            exemption,
        ),
        post(
            "/family/{student}/screen-time",
            Access::Roles(GUARDIAN, Subject::Student("student")),
            guardian_budget,
        ),
    ]
}

#[derive(Deserialize)]
pub struct BudgetForm {
    #[serde(default)]
    daily: String,
    #[serde(default)]
    weekly: String,
}

pub async fn class_budget(
    State(state): State<AppState>,
    TeacherOfClass {
        teacher: current,
        class,
    }: TeacherOfClass,
    Form(form): Form<BudgetForm>,
) -> Result<Response, WebError> {
    let location = format!("/classes/{}#screen-time", class.id);
    let result = async {
        let budget = parse_budget(&form.daily, &form.weekly)?;
        state
            .store
            .set_class_budget(&class.id, budget, &current.user.id, state.now())
            .await?;
        Ok(Flash::success(format!(
            "Screen-time budget for {}: {}",
            class.name,
            budget_words(&budget)
        )))
    }
    .await;
    flash::finish(
        &state,
        &current,
        &location,
        result,
        "budget",
        [
            ("daily", form.daily.as_str()),
            ("weekly", form.weekly.as_str()),
        ],
    )
    .await
}

#[derive(Deserialize)]
pub struct ExemptionForm {
    class_id: String,
    #[serde(default)]
    note: String,
    /// `exempt` or `lift`.
    action: String,
}

pub async fn exemption(
    State(state): State<AppState>,
    TeacherOfStudent {
        teacher: current,
        student,
    }: TeacherOfStudent,
    Form(form): Form<ExemptionForm>,
) -> Result<Response, WebError> {
    // The class in the body is authorized like a path id: one the teacher teaches and the
    // student is enrolled in, or 404.
    let class_id = ClassId::new(form.class_id.trim());
    if form.class_id.len() > 64
        || !state
            .store
            .teaches_class(&current.user.id, &class_id)
            .await?
        || !state.store.is_enrolled(&student.id, &class_id).await?
    {
        return Err(WebError::NotFound);
    }
    let location = format!("/students/{}#screen-time", student.id);
    let result = async {
        let note = match form.action.as_str() {
            "exempt" => Some(form.note.as_str()),
            "lift" => None,
            _ => {
                return Err(WebError::BadRequest("action: choose exempt or lift".into()));
            }
        };
        state
            .store
            .set_exemption(&student.id, &class_id, note, &current.user.id, state.now())
            .await?;
        Ok(Flash::success(if note.is_some() {
            format!(
                "{} is exempt from this class's screen-time budget",
                student.display_name
            )
        } else {
            format!(
                "{} follows this class's screen-time budget again",
                student.display_name
            )
        }))
    }
    .await;
    flash::finish(
        &state,
        &current,
        &location,
        result,
        "exemption",
        [("note", form.note.as_str())],
    )
    .await
}

pub async fn guardian_budget(
    State(state): State<AppState>,
    GuardianOf {
        guardian: current,
        student,
    }: GuardianOf,
    Form(form): Form<BudgetForm>,
) -> Result<Response, WebError> {
    let location = format!("/family/{}#screen-time", student.id);
    let result = async {
        let budget = parse_budget(&form.daily, &form.weekly)?;
        state
            .store
            .set_guardian_budget(&student.id, &current.user.id, budget, state.now())
            .await?;
        Ok(Flash::success(format!(
            "Your screen-time budget for {}: {} (the lowest budget that applies wins)",
            student.display_name,
            budget_words(&budget)
        )))
    }
    .await;
    flash::finish(
        &state,
        &current,
        &location,
        result,
        "budget",
        [
            ("daily", form.daily.as_str()),
            ("weekly", form.weekly.as_str()),
        ],
    )
    .await
}
