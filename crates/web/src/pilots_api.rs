//! A pilot's report in the JSON API (issue 12, point 7): the same numbers as the report
//! page, for a teacher of the class the pilot was defined on. Described in the OpenAPI
//! document (merged into `api::openapi_document`).

use crate::auth::guard::StaffOfClass;
use crate::routing::{Access, Route, Subject, TEACHER_OR_ADMIN, get};
use crate::{AppState, WebError};
use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(paths(pilot_report), components(schemas(PilotReportBody)))]
pub(crate) struct PilotsApi;

pub(crate) fn routes() -> Vec<Route> {
    vec![get(
        "/api/v1/classes/{class}/pilots/{pilot}/report",
        Access::Roles(TEACHER_OR_ADMIN, Subject::Class("class")),
        pilot_report,
    )]
}

/// A pilot's plan in brief and its report.
#[derive(Serialize, ToSchema)]
pub struct PilotReportBody {
    pilot: String,
    question: String,
    /// `draft`, `running` or `finished`.
    status: String,
    /// `post_test`, `mastery_per_hour` or `screen_time`.
    outcome: String,
    /// `student` or `class`: what was randomised.
    unit: String,
    /// The condition names; the first is the comparison for the others.
    conditions: Vec<String>,
    /// The randomisation's seed (as text: it may exceed JSON's exact integers), once started.
    seed: Option<String>,
    /// Students a guardian opted out (counted as attrition in their condition).
    opted_out: usize,
    /// `{"status": "too_few", "attrition", "reasons"}` or `{"status": "ready",
    /// "attrition", "overall_attrition", "differential_attrition", "comparisons"}`; each
    /// comparison has the raw means and SDs, `effect` (`g`, `ci_low`, `ci_high`, `se`,
    /// `df`, `p_value`, `method`, …), the improvement index and the plain-word reading.
    #[schema(value_type = Object)]
    report: serde_json::Value,
}

#[utoipa::path(get, path = "/api/v1/classes/{class}/pilots/{pilot}/report", security(("bearer" = [])),
    params(("class" = String, Path, description = "The class the pilot was defined on."),
           ("pilot" = String, Path, description = "The pilot.")),
    responses(
        (status = 200, description = "The pilot's report: Hedges' g with its 95% interval (ANCOVA on the pre-test; class-level when classes were randomised), raw means and attrition per condition, or the reasons it is too small to report.", body = PilotReportBody),
        (status = 404, description = "No such pilot on a class this teacher teaches (an admin: on this class).", body = crate::api::ErrorBody)))]
pub async fn pilot_report(
    State(state): State<AppState>,
    StaffOfClass { class, .. }: StaffOfClass,
    Path(path): Path<(String, String)>,
) -> Result<Json<PilotReportBody>, WebError> {
    let pilot_id = path.1;
    let pilot = crate::pages::pilots::pilot_of_class(&state, &class.id, &pilot_id).await?;
    let members = state.store.pilot_members(&pilot.id).await?;
    // Retention after 30 days: computed (and stored) once 30 days have passed after the end.
    let members = if crate::pilots::refresh_retention(&state, &pilot, &members)
        .await?
        .is_none()
    {
        state.store.pilot_members(&pilot.id).await?
    } else {
        members
    };
    // A post-test's scores: recomputed from the answers (paper tests override).
    let members = crate::post_test::refresh(&state, &pilot, members).await?;
    let view = crate::pilots::report_view(&pilot, &members)?;
    Ok(Json(PilotReportBody {
        question: pilot.plan.question.clone(),
        status: pilot.status.as_str().to_string(),
        outcome: pilot.plan.outcome.as_str().to_string(),
        unit: if pilot.plan.unit_class {
            "class"
        } else {
            "student"
        }
        .to_string(),
        conditions: pilot
            .plan
            .conditions
            .iter()
            .map(|c| c.name.clone())
            .collect(),
        seed: pilot.seed.map(|s| s.to_string()),
        opted_out: view.opted_out,
        report: serde_json::to_value(&view.report)
            .map_err(|e| WebError::Internal(e.to_string()))?,
        pilot: pilot.id,
    }))
}
