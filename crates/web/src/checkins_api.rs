//! The check-in rows of the JSON API (issue 9, points 2 and 11): a student's check-ins
//! (a guardian's: their children's shared notes) and a class's due list, both arrays at the
//! top level (CONTRACTS, "The JSON API"), described in the OpenAPI document (merged into
//! `api::openapi_document`).

use crate::auth::guard::{SignedIn, TeacherOfClass};
use crate::routing::{Access, Route, Subject, TEACHER, get};
use crate::{AppState, WebError};
use axum::Json;
use axum::extract::State;
use ownpace_storage::{Checkin, Role};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

/// Check-ins answered per student.
const LIMIT: i64 = 50;

#[derive(OpenApi)]
#[openapi(
    paths(my_checkins, class_checkins),
    components(schemas(CheckinOut, CheckinNoteOut, CheckinActionOut, ClassCheckinOut))
)]
pub(crate) struct CheckinsApi;

pub(crate) fn routes() -> Vec<Route> {
    vec![
        get(
            "/api/v1/me/checkins",
            Access::Roles(&[Role::Student, Role::Guardian], Subject::None),
            my_checkins,
        ),
        get(
            "/api/v1/classes/{class}/checkins",
            Access::Roles(TEACHER, Subject::Class("class")),
            class_checkins,
        ),
    ]
}

/// A note of a check-in.
#[derive(Serialize, ToSchema)]
pub struct CheckinNoteOut {
    text: String,
    /// Whether the guardian may see it (a guardian only ever receives shared notes).
    shared: bool,
}

/// An action agreed at a check-in.
#[derive(Serialize, ToSchema)]
pub struct CheckinActionOut {
    text: String,
    /// `goal`, `pin` or `assignment`.
    kind: String,
    skill_id: Option<String>,
    /// Milliseconds since the epoch (the end of the target day), when it has one.
    due_at: Option<i64>,
    /// When the teacher turned it into what it is for, if they did.
    made_at: Option<i64>,
}

/// A check-in held.
#[derive(Serialize, ToSchema)]
pub struct CheckinOut {
    id: String,
    student_id: String,
    class_id: String,
    /// Milliseconds since the epoch.
    held_at: i64,
    /// The student's prepared answers (empty for a guardian).
    went_well: String,
    was_hard: String,
    next_step: String,
    notes: Vec<CheckinNoteOut>,
    /// The agreed actions (none for a guardian).
    actions: Vec<CheckinActionOut>,
}

fn out(c: Checkin, guardian: bool) -> CheckinOut {
    let (went_well, was_hard, next_step) = if guardian {
        Default::default()
    } else {
        (c.prep.went_well, c.prep.was_hard, c.prep.next_step)
    };
    CheckinOut {
        id: c.id,
        student_id: c.student_id.into_string(),
        class_id: c.class_id.into_string(),
        held_at: c.held_at,
        went_well,
        was_hard,
        next_step,
        notes: c
            .notes
            .into_iter()
            .filter(|n| !guardian || n.shared)
            .map(|n| CheckinNoteOut {
                text: n.text,
                shared: n.shared,
            })
            .collect(),
        actions: if guardian {
            Vec::new()
        } else {
            c.actions
                .into_iter()
                .map(|a| CheckinActionOut {
                    text: a.text,
                    kind: a.kind.as_str().to_string(),
                    skill_id: a.skill_id.map(|s| s.as_str().to_string()),
                    due_at: a.due_at,
                    made_at: a.made_at,
                })
                .collect()
        },
    }
}

#[utoipa::path(get, path = "/api/v1/me/checkins", security(("bearer" = [])), responses(
    (status = 200, description = "A student's check-ins, newest first (with their answers, the notes and the actions); for a guardian, each child's check-ins that have a note shared with the family, with only the shared notes.", body = [CheckinOut]),
    (status = 401, description = "No valid bearer token.", body = crate::api::ErrorBody),
    (status = 403, description = "Only students and guardians.", body = crate::api::ErrorBody)))]
pub async fn my_checkins(
    State(state): State<AppState>,
    SignedIn(current): SignedIn,
) -> Result<Json<Vec<CheckinOut>>, WebError> {
    let me = &current.user;
    let mut all: Vec<CheckinOut> = Vec::new();
    if me.role == Role::Guardian {
        for child in state.store.children_of(&me.id).await? {
            let held = state
                .store
                .checkins_of_student(&child.id, None, LIMIT)
                .await?;
            all.extend(
                held.into_iter()
                    .filter(Checkin::has_shared_note)
                    .map(|c| out(c, true)),
            );
        }
        all.sort_by(|a, b| (b.held_at, &b.id).cmp(&(a.held_at, &a.id)));
    } else {
        let held = state.store.checkins_of_student(&me.id, None, LIMIT).await?;
        all.extend(held.into_iter().map(|c| out(c, false)));
    }
    Ok(Json(all))
}

/// A student of the class and their check-in standing.
#[derive(Serialize, ToSchema)]
pub struct ClassCheckinOut {
    student_id: String,
    name: String,
    /// When their last check-in in this class was held (ms), if ever.
    last_held_at: Option<i64>,
    /// Whether a check-in is due under the class's rhythm (never without a rhythm).
    due: bool,
    /// Since when (the start of that school day, ms), when due.
    due_since: Option<i64>,
    /// The class's rhythm in days, if set.
    rhythm_days: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/classes/{class}/checkins", security(("bearer" = [])),
    params(("class" = String, Path)), responses(
        (status = 200, description = "Every current student of the class with their last check-in and whether one is due; due first, the longest due first.", body = [ClassCheckinOut]),
        (status = 401, description = "No valid bearer token.", body = crate::api::ErrorBody),
        (status = 404, description = "No such class among the caller's classes.", body = crate::api::ErrorBody)))]
pub async fn class_checkins(
    State(state): State<AppState>,
    TeacherOfClass {
        teacher: current,
        class,
    }: TeacherOfClass,
) -> Result<Json<Vec<ClassCheckinOut>>, WebError> {
    let (rhythm, rows) = crate::checkins::class_due(&state, &class).await?;
    let ids: Vec<&ownpace_core::ids::UserId> = rows.iter().map(|r| &r.student_id).collect();
    state
        .store
        .audit_many(
            &current.user.id,
            "read the check-ins due",
            &ids,
            state.now(),
        )
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| ClassCheckinOut {
                student_id: r.student_id.into_string(),
                name: r.name,
                last_held_at: r.last_at,
                due: r.due_since.is_some(),
                due_since: r.due_since,
                rhythm_days: rhythm.as_ref().map(|r| r.every_days),
            })
            .collect(),
    ))
}
