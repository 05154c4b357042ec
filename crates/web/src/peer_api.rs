//! Peer feedback in the JSON API (issue 10, point 4), arrays at the top level (CONTRACTS,
//! "The JSON API"): the reviews a student is to write (`/api/v1/me/reviews`) and the
//! feedback a group received (`/api/v1/groups/{group}/feedback`, its members only), which
//! is `Store::visible_feedback_for_group` — the release rule and hidden comments applied,
//! no reviewer in it — the same rows the group space shows. Described in the OpenAPI
//! document (merged into `api::openapi_document`).

use crate::auth::guard::{MemberOfGroup, Student};
use crate::routing::{Access, Route, STUDENT, Subject, get};
use crate::{AppState, WebError};
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    paths(my_reviews, group_feedback),
    components(schemas(ReviewToWriteOut, FeedbackOut))
)]
pub(crate) struct PeerApi;

pub(crate) fn routes() -> Vec<Route> {
    vec![
        get(
            "/api/v1/me/reviews",
            Access::Roles(STUDENT, Subject::None),
            my_reviews,
        ),
        get(
            "/api/v1/groups/{group}/feedback",
            Access::Roles(STUDENT, Subject::Group("group")),
            group_feedback,
        ),
    ]
}

/// A review the student was given to write.
#[derive(Serialize, ToSchema)]
pub struct ReviewToWriteOut {
    /// The review's id.
    id: String,
    round_id: String,
    /// The group whose submission to review, and where: `/groups/{group_id}/review`.
    group_id: String,
    group_name: String,
    project_id: String,
    /// When assigned (ms).
    assigned_at: i64,
    /// When sent (ms); null while still to write. A sent review is final.
    submitted_at: Option<i64>,
}

/// A piece of feedback a group received from a classmate: never who wrote it.
#[derive(Serialize, ToSchema)]
pub struct FeedbackOut {
    /// The review's id (what a helpful rating names), not the reviewer's.
    review_id: String,
    /// Points per criterion, in the rubric's order.
    levels: Vec<u32>,
    works: Option<String>,
    improve: Option<String>,
    question: Option<String>,
    /// The teacher kept this review's comments back (its levels still count).
    comments_hidden: bool,
}

#[utoipa::path(get, path = "/api/v1/me/reviews", security(("bearer" = [])), responses(
    (status = 200, description = "The reviews the student is to write or has sent, newest assignment first.", body = [ReviewToWriteOut]),
    (status = 401, description = "No valid bearer token.", body = crate::api::ErrorBody),
    (status = 403, description = "Only students.", body = crate::api::ErrorBody)))]
pub async fn my_reviews(
    State(state): State<AppState>,
    Student(current): Student,
) -> Result<Json<Vec<ReviewToWriteOut>>, WebError> {
    let out = state
        .store
        .reviews_by(&current.user.id)
        .await?
        .into_iter()
        .map(|r| ReviewToWriteOut {
            id: r.id,
            round_id: r.round_id,
            group_id: r.group_id,
            group_name: r.group_name,
            project_id: r.project_id,
            assigned_at: r.assigned_at,
            submitted_at: r.submitted_at,
        })
        .collect();
    Ok(Json(out))
}

#[utoipa::path(get, path = "/api/v1/groups/{group}/feedback", security(("bearer" = [])),
    params(("group" = String, Path, description = "The group's id")),
    responses(
    (status = 200, description = "The feedback from classmates the group may read now: empty until two reviews are in or the teacher released it; hidden comments left out; no reviewer names or ids.", body = [FeedbackOut]),
    (status = 401, description = "No valid bearer token.", body = crate::api::ErrorBody),
    (status = 403, description = "Only students.", body = crate::api::ErrorBody),
    (status = 404, description = "Not a member of this group now.", body = crate::api::ErrorBody)))]
pub async fn group_feedback(
    State(state): State<AppState>,
    MemberOfGroup { group, .. }: MemberOfGroup,
) -> Result<Json<Vec<FeedbackOut>>, WebError> {
    let out = state
        .store
        .visible_feedback_for_group(&group.id)
        .await?
        .into_iter()
        .map(|f| FeedbackOut {
            review_id: f.review_id,
            levels: f.levels,
            works: f.works,
            improve: f.improve,
            question: f.question,
            comments_hidden: f.comments_hidden,
        })
        .collect();
    Ok(Json(out))
}
