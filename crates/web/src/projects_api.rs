//! The project rounds of the JSON API (issue 10): the teacher's overview of a class's
//! rounds and a student's rounds, both arrays at the top level (CONTRACTS, "The JSON
//! API"), newest first, described in the OpenAPI document (merged into
//! `api::openapi_document`). Part B adds `/api/v1/me/projects`.

use crate::auth::guard::{Student, TeacherOfClass};
use crate::routing::{Access, Route, STUDENT, Subject, TEACHER, get};
use crate::{AppState, WebError};
use axum::Json;
use axum::extract::State;
use ownpace_storage::{AuditAction, Round};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    paths(class_rounds, my_rounds),
    components(schemas(RoundOut, RoundProjectOut, GroupOut, MemberOut, MyRoundOut))
)]
pub(crate) struct ProjectsApi;

pub(crate) fn routes() -> Vec<Route> {
    vec![
        get(
            "/api/v1/classes/{class}/rounds",
            Access::Roles(TEACHER, Subject::Class("class")),
            class_rounds,
        ),
        get(
            "/api/v1/me/rounds",
            Access::Roles(STUDENT, Subject::None),
            my_rounds,
        ),
    ]
}

/// A project a round offers.
#[derive(Serialize, ToSchema)]
pub struct RoundProjectOut {
    project_id: String,
    title: String,
    group_min: i64,
    group_max: i64,
}

/// A member of a group.
#[derive(Serialize, ToSchema)]
pub struct MemberOut {
    student_id: String,
    name: String,
    /// Why the proposal placed them here, in words ("first choice; mixes levels: …").
    /// Teachers only; empty for students.
    reason: String,
}

/// A group of a round.
#[derive(Serialize, ToSchema)]
pub struct GroupOut {
    id: String,
    project_id: String,
    name: String,
    /// When published (ms); null while it is a proposal.
    published_at: Option<i64>,
    /// When the final submission was made (ms), if it was.
    submitted_at: Option<i64>,
    members: Vec<MemberOut>,
}

/// A class's round as its teacher sees it.
#[derive(Serialize, ToSchema)]
pub struct RoundOut {
    id: String,
    class_id: String,
    course_id: String,
    title: String,
    /// `ranking`, `proposed`, `published` or `finished`.
    status: String,
    /// Milliseconds since the epoch: when ranking opens and closes, when work is due.
    opens_at: i64,
    closes_at: i64,
    due_at: i64,
    projects: Vec<RoundProjectOut>,
    /// Students of the class now and how many of them ranked.
    students: usize,
    ranked: usize,
    groups: Vec<GroupOut>,
}

/// A round as a student sees it.
#[derive(Serialize, ToSchema)]
pub struct MyRoundOut {
    id: String,
    class_id: String,
    title: String,
    status: String,
    opens_at: i64,
    closes_at: i64,
    due_at: i64,
    /// Whether the student may rank (or change their ranking) now.
    ranking_open: bool,
    projects: Vec<RoundProjectOut>,
    /// The student's ranking, first choice first (empty: not ranked).
    my_ranking: Vec<String>,
    /// The student's group, once published.
    group: Option<GroupOut>,
}

async fn projects_out(state: &AppState, round: &Round) -> Result<Vec<RoundProjectOut>, WebError> {
    let course = state.course(&round.course_id).await?;
    Ok(round
        .projects
        .iter()
        .map(|p| RoundProjectOut {
            project_id: p.project_id.clone(),
            title: course.as_ref().map_or_else(
                || p.project_id.clone(),
                |c| crate::projects::project_title(&c.course, &p.project_id),
            ),
            group_min: p.group_min,
            group_max: p.group_max,
        })
        .collect())
}

async fn group_out(
    state: &AppState,
    group: ownpace_storage::Group,
    with_reasons: bool,
) -> Result<GroupOut, WebError> {
    let members = state.store.group_members(&group.id).await?;
    Ok(GroupOut {
        members: members
            .into_iter()
            .map(|m| MemberOut {
                student_id: m.student_id.into_string(),
                name: m.display_name,
                reason: if with_reasons {
                    m.reason
                } else {
                    String::new()
                },
            })
            .collect(),
        id: group.id,
        project_id: group.project_id,
        name: group.name,
        published_at: group.published_at,
        submitted_at: group.submitted_at,
    })
}

#[utoipa::path(get, path = "/api/v1/classes/{class}/rounds", security(("bearer" = [])),
    params(("class" = String, Path)), responses(
        (status = 200, description = "The class's project rounds, newest first, each with its projects, how many students ranked, and its groups (proposed or published) with members and the reason for each placement.", body = [RoundOut]),
        (status = 401, description = "No valid bearer token.", body = crate::api::ErrorBody),
        (status = 404, description = "No such class among the caller's classes.", body = crate::api::ErrorBody)))]
pub async fn class_rounds(
    State(state): State<AppState>,
    TeacherOfClass {
        teacher: current,
        class,
    }: TeacherOfClass,
) -> Result<Json<Vec<RoundOut>>, WebError> {
    let students = state.store.class_students(&class.id).await?;
    let mut out = Vec::new();
    for round in state.store.rounds_of_class(&class.id).await? {
        let ranked = state.store.rankings(&round.id).await?;
        let mut groups = Vec::new();
        for group in state.store.groups_of_round(&round.id).await? {
            groups.push(group_out(&state, group, true).await?);
        }
        out.push(RoundOut {
            projects: projects_out(&state, &round).await?,
            id: round.id,
            class_id: round.class_id.into_string(),
            course_id: round.course_id.into_string(),
            title: round.title,
            status: round.status.as_str().to_string(),
            opens_at: round.opens_at,
            closes_at: round.closes_at,
            due_at: round.due_at,
            students: students.len(),
            ranked: ranked
                .iter()
                .filter(|(s, _)| students.iter().any(|u| &u.id == s))
                .count(),
            groups,
        });
    }
    let ids: Vec<&ownpace_core::ids::UserId> = students.iter().map(|s| &s.id).collect();
    crate::audit::access(&state, &current, AuditAction::GroupsViewed, &ids, None).await?;
    Ok(Json(out))
}

#[utoipa::path(get, path = "/api/v1/me/rounds", security(("bearer" = [])), responses(
    (status = 200, description = "The project rounds of the student's classes, newest first: the projects offered, the student's ranking, whether ranking is open, and their group once published (members without the placement reasons).", body = [MyRoundOut]),
    (status = 401, description = "No valid bearer token.", body = crate::api::ErrorBody),
    (status = 403, description = "Only students.", body = crate::api::ErrorBody)))]
pub async fn my_rounds(
    State(state): State<AppState>,
    Student(current): Student,
) -> Result<Json<Vec<MyRoundOut>>, WebError> {
    let me = &current.user.id;
    let now = state.now();
    let mut out = Vec::new();
    for round in state.store.rounds_of_student(me).await? {
        let group = match state.store.group_of(me, &round.id).await? {
            Some(g) if g.published_at.is_some() => Some(group_out(&state, g, false).await?),
            _ => None,
        };
        out.push(MyRoundOut {
            projects: projects_out(&state, &round).await?,
            my_ranking: state.store.ranking(&round.id, me).await?,
            ranking_open: round.ranking_open(now),
            id: round.id,
            class_id: round.class_id.into_string(),
            title: round.title,
            status: round.status.as_str().to_string(),
            opens_at: round.opens_at,
            closes_at: round.closes_at,
            due_at: round.due_at,
            group,
        });
    }
    Ok(Json(out))
}
