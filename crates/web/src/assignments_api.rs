//! The assignments rows of the JSON API (issue 9, points 4 and 11): a student's own
//! assignments and a class's for its teachers, each a JSON array at the top level
//! (CONTRACTS), newest first, described in the OpenAPI document (merged into
//! `api::openapi_document`).

use crate::assignments::{facts, target_title};
use crate::auth::guard::{Student, TeacherOfClass};
use crate::routing::{Access, Route, STUDENT, Subject, TEACHER, get};
use crate::{AppState, WebError};
use axum::Json;
use axum::extract::State;
use ownpace_core::assignments::{self, Status};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    paths(my_assignments, class_assignments),
    components(schemas(MyAssignment, ClassAssignment, StudentStatus))
)]
pub(crate) struct AssignmentsApi;

pub(crate) fn routes() -> Vec<Route> {
    vec![
        get(
            "/api/v1/me/assignments",
            Access::Roles(STUDENT, Subject::None),
            my_assignments,
        ),
        get(
            "/api/v1/classes/{class}/assignments",
            Access::Roles(TEACHER, Subject::Class("class")),
            class_assignments,
        ),
    ]
}

/// One of the student's assignments.
#[derive(Serialize, ToSchema)]
pub struct MyAssignment {
    id: String,
    course: String,
    /// `skill`, `lesson` or `project`.
    kind: String,
    /// The skill's, lesson's or project's id in the course.
    target: String,
    title: String,
    /// ms since the epoch: the beginning of the start day in the school's time zone.
    starts_at: i64,
    /// ms since the epoch: the end of the due day in the school's time zone.
    due_at: i64,
    /// The due day in the school's time zone, `YYYY-MM-DD`.
    due_date: String,
    /// `done`, `in-progress`, `to-do`, `late` (due passed, work started) or `missing` (due
    /// passed, nothing started).
    status: String,
}

/// One student's status on a class assignment.
#[derive(Serialize, ToSchema)]
pub struct StudentStatus {
    student: String,
    name: String,
    /// As `MyAssignment.status`.
    status: String,
}

/// One assignment of a class with every student's status.
#[derive(Serialize, ToSchema)]
pub struct ClassAssignment {
    id: String,
    kind: String,
    target: String,
    title: String,
    /// Whether it is for the whole class (else for the students listed).
    whole_class: bool,
    starts_at: i64,
    due_at: i64,
    due_date: String,
    created_at: i64,
    students: Vec<StudentStatus>,
}

#[utoipa::path(get, path = "/api/v1/me/assignments", security(("bearer" = [])),
    responses((status = 200, description = "The student's current assignments (started, not withdrawn) in every course, newest first.", body = [MyAssignment])))]
pub async fn my_assignments(
    State(state): State<AppState>,
    Student(current): Student,
) -> Result<Json<Vec<MyAssignment>>, WebError> {
    let now = state.now();
    let zone = &state.config.timezone;
    let list = state
        .store
        .student_assignments(&current.user.id, None, Some(now))
        .await?;
    let mut out = Vec::with_capacity(list.len());
    let mut by_course = std::collections::HashMap::new();
    for a in list {
        let Some(course) = state.course(&a.course_id).await? else {
            continue;
        };
        if !by_course.contains_key(&a.course_id) {
            let f = facts(&state, &current.user.id, &course).await?;
            by_course.insert(a.course_id.clone(), f);
        }
        let status = by_course
            .get(&a.course_id)
            .map_or(Status::ToDo, |f| f.status(&a, now));
        out.push(MyAssignment {
            id: a.id.clone(),
            course: a.course_id.to_string(),
            kind: a.kind.as_str().to_string(),
            target: a.target_id.clone(),
            title: target_title(&course, &a),
            starts_at: a.starts_at,
            due_at: a.due_at,
            due_date: assignments::school_date(zone, a.due_at),
            status: status.as_str().to_string(),
        });
    }
    Ok(Json(out))
}

#[utoipa::path(get, path = "/api/v1/classes/{class}/assignments", security(("bearer" = [])),
    params(("class" = String, Path, description = "The class id")),
    responses(
        (status = 200, description = "The class's assignments (not withdrawn), newest first, each with the status of every current student it is for.", body = [ClassAssignment]),
        (status = 404, description = "No such class, or not one the caller teaches.", body = crate::api::ErrorBody)))]
pub async fn class_assignments(
    State(state): State<AppState>,
    TeacherOfClass {
        teacher: current,
        class,
    }: TeacherOfClass,
) -> Result<Json<Vec<ClassAssignment>>, WebError> {
    let now = state.now();
    let zone = &state.config.timezone;
    let course = state
        .course(&class.course_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let (students, list, facts) =
        crate::pages::assignments::class_statuses(&state, &class, &course).await?;
    let ids: Vec<_> = students.iter().map(|s| &s.id).collect();
    state
        .store
        .audit_many(
            &current.user.id,
            "viewed the class's assignments",
            &ids,
            now,
        )
        .await?;
    Ok(Json(
        list.into_iter()
            .map(|a| ClassAssignment {
                id: a.id.clone(),
                kind: a.kind.as_str().to_string(),
                target: a.target_id.clone(),
                title: target_title(&course, &a),
                whole_class: a.whole_class,
                starts_at: a.starts_at,
                due_at: a.due_at,
                due_date: assignments::school_date(zone, a.due_at),
                created_at: a.created_at,
                students: students
                    .iter()
                    .filter(|s| a.whole_class || a.students.contains(&s.id))
                    .map(|s| StudentStatus {
                        student: s.id.to_string(),
                        name: s.display_name.clone(),
                        status: facts
                            .get(&s.id)
                            .map_or(Status::ToDo, |f| f.status(&a, now))
                            .as_str()
                            .to_string(),
                    })
                    .collect(),
            })
            .collect(),
    ))
}
