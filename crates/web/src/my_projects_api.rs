//! A student's project work in the JSON API (issue 10, point 9): `GET /api/v1/me/projects`,
//! one entry per project group the student is in (including groups of finished rounds),
//! newest round first, a JSON array at the top level (CONTRACTS, "The JSON API"): the
//! round, the project, the group with its members, the milestones, the submission, the
//! teacher's assessment that applies to the student and the peer feedback the group
//! received.
//!
//! The feedback carries the levels and the answers to the prompts only, never who wrote
//! it: no reviewer id or name is read into the output type, and only what the release and
//! hidden rules let the authors see is included (the same storage function the group
//! space uses). Merged into `api::openapi_document`.

use crate::auth::guard::Student;
use crate::routing::{Access, Route, STUDENT, Subject, get};
use crate::{AppState, WebError};
use axum::Json;
use axum::extract::State;
use ownpace_core::course::Project;
use ownpace_storage::StoredAssessment;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    paths(my_projects),
    components(schemas(
        MyProjectOut,
        MyProjectRoundOut,
        MyProjectRefOut,
        MyGroupOut,
        MyGroupMemberOut,
        MilestoneOut,
        SubmissionOut,
        AssessmentOut,
        CriterionLevelOut,
        PeerFeedbackOut,
    ))
)]
pub(crate) struct MyProjectsApi;

pub(crate) fn routes() -> Vec<Route> {
    vec![get(
        "/api/v1/me/projects",
        Access::Roles(STUDENT, Subject::None),
        my_projects,
    )]
}

/// The round a group belongs to.
#[derive(Serialize, ToSchema)]
pub struct MyProjectRoundOut {
    id: String,
    title: String,
    /// `ranking`, `proposed`, `published` or `finished`.
    status: String,
    /// When the work is due (milliseconds since the epoch).
    due_at: i64,
}

/// The project the group works on.
#[derive(Serialize, ToSchema)]
pub struct MyProjectRefOut {
    id: String,
    title: String,
}

/// A member of the group now.
#[derive(Serialize, ToSchema)]
pub struct MyGroupMemberOut {
    id: String,
    name: String,
}

/// The group with its members now.
#[derive(Serialize, ToSchema)]
pub struct MyGroupOut {
    id: String,
    name: String,
    members: Vec<MyGroupMemberOut>,
}

/// A milestone of the group.
#[derive(Serialize, ToSchema)]
pub struct MilestoneOut {
    title: String,
    /// The end of the milestone's day (milliseconds since the epoch).
    due_at: i64,
    done: bool,
}

/// The group's final submission.
#[derive(Serialize, ToSchema)]
pub struct SubmissionOut {
    submitted_at: i64,
    text: String,
    link: Option<String>,
    /// The names of the files handed in.
    files: Vec<String>,
}

/// The level reached on one rubric criterion.
#[derive(Serialize, ToSchema)]
pub struct CriterionLevelOut {
    criterion: String,
    points: u32,
    /// The criterion's highest level.
    out_of: u32,
    /// The level's description in the rubric (empty if the course no longer has it).
    description: String,
}

/// The teacher's assessment that applies to the student: the group's, or a newer
/// adjustment of the student alone.
#[derive(Serialize, ToSchema)]
pub struct AssessmentOut {
    assessed_at: i64,
    levels: Vec<CriterionLevelOut>,
    feedback: String,
}

/// One piece of peer feedback the group received, without who wrote it (nor when: the
/// order follows a hash of the review, not the reviewer or the time of writing).
#[derive(Serialize, ToSchema)]
pub struct PeerFeedbackOut {
    /// The review's id, which a helpful rating names (never the reviewer's).
    review_id: String,
    /// The reviewer's level per rubric criterion.
    levels: Vec<CriterionLevelOut>,
    /// "What works" (null when left empty or hidden by the teacher).
    works: Option<String>,
    /// "What to improve".
    improve: Option<String>,
    /// "A question".
    question: Option<String>,
    /// The teacher hid this review's comments (its levels still show).
    comments_hidden: bool,
}

/// One project group of the student.
#[derive(Serialize, ToSchema)]
pub struct MyProjectOut {
    round: MyProjectRoundOut,
    project: MyProjectRefOut,
    group: MyGroupOut,
    milestones: Vec<MilestoneOut>,
    /// The final submission, once made.
    submission: Option<SubmissionOut>,
    /// The teacher's assessment, once made.
    assessment: Option<AssessmentOut>,
    /// The peer feedback the group received that its authors may see (anonymous,
    /// released, not hidden by the teacher).
    feedback: Vec<PeerFeedbackOut>,
}

/// The levels of an assessment or a review in words of the rubric.
pub(crate) fn levels_out(project: Option<&Project>, levels: &[u32]) -> Vec<CriterionLevelOut> {
    levels
        .iter()
        .enumerate()
        .map(|(n, &points)| {
            let criterion = project.and_then(|p| p.rubric.get(n));
            CriterionLevelOut {
                criterion: criterion
                    .map_or_else(|| format!("criterion {}", n + 1), |c| c.name.clone()),
                points,
                out_of: criterion
                    .and_then(|c| c.levels.iter().map(|l| l.points).max())
                    .unwrap_or(points),
                description: criterion
                    .and_then(|c| c.levels.iter().find(|l| l.points == points))
                    .map_or_else(String::new, |l| l.description.clone()),
            }
        })
        .collect()
}

fn assessment_out(project: Option<&Project>, a: StoredAssessment) -> AssessmentOut {
    AssessmentOut {
        levels: levels_out(project, &a.levels),
        assessed_at: a.assessed_at,
        feedback: a.feedback,
    }
}

/// The peer feedback a group's authors may see, as the API gives it: from
/// `Store::visible_feedback_for_group`, the one release/hidden rule pages share, whose
/// rows carry no reviewer.
async fn feedback_out(
    state: &AppState,
    group_id: &str,
    project: Option<&Project>,
) -> Result<Vec<PeerFeedbackOut>, WebError> {
    Ok(state
        .store
        .visible_feedback_for_group(group_id)
        .await?
        .into_iter()
        .map(|f| PeerFeedbackOut {
            levels: levels_out(project, &f.levels),
            review_id: f.review_id,
            works: f.works,
            improve: f.improve,
            question: f.question,
            comments_hidden: f.comments_hidden,
        })
        .collect())
}

#[utoipa::path(get, path = "/api/v1/me/projects", security(("bearer" = [])), responses(
    (status = 200, description = "The student's project groups (also of finished rounds), newest round first: the round, the project, the group with its members, the milestones, the final submission, the teacher's assessment that applies to the student and the peer feedback the group received (levels and prompts, never who wrote it; only what the release and hidden rules let the authors see).", body = [MyProjectOut]),
    (status = 401, description = "No valid bearer token.", body = crate::api::ErrorBody),
    (status = 403, description = "Only students.", body = crate::api::ErrorBody)))]
pub async fn my_projects(
    State(state): State<AppState>,
    Student(current): Student,
) -> Result<Json<Vec<MyProjectOut>>, WebError> {
    let me = &current.user.id;
    let mut out = Vec::new();
    for group in state.store.groups_of_student(me).await? {
        let Some(round) = state.store.round(&group.round_id).await? else {
            continue;
        };
        let course = state.course(&round.course_id).await?;
        let project = course
            .as_ref()
            .and_then(|c| c.course.project(&group.project_id));
        let members = state.store.group_members(&group.id).await?;
        let milestones = state.store.milestones(&group.id).await?;
        let submission = match group.submitted_at {
            Some(at) => Some(SubmissionOut {
                submitted_at: at,
                text: group.submission_text.clone().unwrap_or_default(),
                link: group.submission_link.clone(),
                files: state
                    .store
                    .group_files(&group.id)
                    .await?
                    .into_iter()
                    .filter(|f| f.in_submission)
                    .map(|f| f.name)
                    .collect(),
            }),
            None => None,
        };
        let assessment = state
            .store
            .my_group_assessment(&group.id, me)
            .await?
            .map(|a| assessment_out(project, a));
        out.push(MyProjectOut {
            feedback: feedback_out(&state, &group.id, project).await?,
            round: MyProjectRoundOut {
                id: round.id,
                title: round.title,
                status: round.status.as_str().to_string(),
                due_at: round.due_at,
            },
            project: MyProjectRefOut {
                title: project.map_or_else(|| group.project_id.clone(), |p| p.title.clone()),
                id: group.project_id.clone(),
            },
            group: MyGroupOut {
                id: group.id,
                name: group.name,
                members: members
                    .into_iter()
                    .map(|m| MyGroupMemberOut {
                        id: m.student_id.into_string(),
                        name: m.display_name,
                    })
                    .collect(),
            },
            milestones: milestones
                .into_iter()
                .map(|m| MilestoneOut {
                    title: m.title,
                    due_at: m.due_at,
                    done: m.done_at.is_some(),
                })
                .collect(),
            submission,
            assessment,
        });
    }
    Ok(Json(out))
}
