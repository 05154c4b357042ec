//! A student's next steps in the JSON API: the same options, in the same order and with
//! the same reasons, as the course page (`path::home_path`). A running pilot's condition
//! shapes them as it shapes the page (issue 12: the recommendation policy and the lesson
//! variant). Described in the OpenAPI document (merged into `api::openapi_document`).

use crate::auth::guard::{CourseInPath, Student};
use crate::routing::{Access, Route, STUDENT, Subject, get};
use crate::{AppState, WebError};
use axum::Json;
use axum::extract::State;
use ownpace_core::recommend::{self, Activity};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(paths(next_steps), components(schemas(NextStep)))]
pub(crate) struct NextStepsApi;

pub(crate) fn routes() -> Vec<Route> {
    vec![get(
        "/api/v1/me/courses/{course}/next-steps",
        Access::Roles(STUDENT, Subject::Course("course")),
        next_steps,
    )]
}

/// One option the student may choose next.
#[derive(Serialize, ToSchema)]
pub struct NextStep {
    /// `practice`, `review`, `lesson`, `project` or `sheet`.
    kind: String,
    /// The skill, lesson or project id (empty for a practice sheet).
    id: String,
    title: String,
    /// The page that offers it.
    href: String,
    /// Why it is offered, in words (e.g. "next in the course order").
    reason: String,
    /// The reason's code: `pinned`, `assignment`, `assigned-work`, `goal`, `review-due`,
    /// `keep-going`, `ready`, `interest`, `modality`, `screen-time` or `course-order`.
    reason_code: String,
}

#[utoipa::path(get, path = "/api/v1/me/courses/{course}/next-steps", security(("bearer" = [])),
    params(("course" = String, Path, description = "A course of one of the student's classes.")),
    responses(
        (status = 200, description = "The student's next steps, best first (an array).", body = [NextStep]),
        (status = 401, description = "No valid bearer token.", body = crate::api::ErrorBody),
        (status = 404, description = "No such course for this student.", body = crate::api::ErrorBody)))]
pub async fn next_steps(
    State(state): State<AppState>,
    Student(current): Student,
    CourseInPath(course): CourseInPath,
) -> Result<Json<Vec<NextStep>>, WebError> {
    let path = crate::path::student_path(&state, &current.user.id, &course).await?;
    let options = recommend::recommend(&course.course, &path.situation, recommend::DEFAULT_COUNT);
    let views = crate::path::option_views(&course, &options);
    Ok(Json(
        options
            .iter()
            .zip(views)
            .map(|(r, v)| {
                let (kind, id) = match &r.activity {
                    Activity::PracticeSkill(id) => ("practice", id.clone()),
                    Activity::Review(id) => ("review", id.clone()),
                    Activity::Lesson(id) => ("lesson", id.clone()),
                    Activity::Project(id) => ("project", id.clone()),
                    Activity::PracticeSheet => ("sheet", String::new()),
                };
                let reason_code = serde_json::to_value(&r.reason)
                    .ok()
                    .and_then(|v| v.get("reason").and_then(|c| c.as_str()).map(str::to_string))
                    .unwrap_or_default();
                NextStep {
                    kind: kind.to_string(),
                    id,
                    title: v.title,
                    href: v.href,
                    reason: v.reason,
                    reason_code,
                }
            })
            .collect(),
    ))
}
