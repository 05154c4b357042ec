//! The teacher's assessment of a whole project group (issue 10, point 5, per group): from
//! the group's space the teacher chooses a level per rubric criterion and writes feedback
//! once, and it is recorded for every current member in one transaction
//! (`Store::record_group_assessment`: each member's assessment row and their
//! `project-assessment` evidence, so every member's mastery moves and `rebuild` replays
//! it). One member is still adjusted on the per-student page (`pages::assess`), which
//! records a newer assessment for them alone, in the same group.
//!
//! Members read, in the space, the teacher's levels and feedback that apply to them: their
//! newest assessment made for the group. This module builds that part of the page
//! ([`section`]) so `pages::groups` stays small.

use crate::auth::guard::InGroup;
use crate::flash::{self, Flash};
use crate::projects::GroupRelation;
use crate::routing::{Access, Route, Subject, TEACHER, post};
use crate::{AppState, WebError, views};
use axum::extract::{Form, State};
use axum::response::Response;
use ownpace_core::course::Project;
use ownpace_core::ids::UserId;
use ownpace_storage::{
    AuditAction, Group, MAX_ASSESSMENT_FEEDBACK_CHARS, NewGroupAssessment, StoredAssessment,
};
use std::collections::HashMap;

pub(crate) fn routes() -> Vec<Route> {
    vec![post(
        "/groups/{group}/assess",
        Access::Roles(TEACHER, Subject::Group("group")),
        assess_group,
    )]
}

/// A criterion of the assessment form.
pub(crate) struct CriterionField {
    pub field: String,
    pub name: String,
    pub skills: String,
    /// (points, "2 — description")
    pub levels: Vec<(u32, String)>,
}

/// A member's assessment as the teacher sees it beside the form.
pub(crate) struct MemberAssessed {
    pub name: String,
    pub adjust_href: String,
    /// "Done: 3 of 3; …" or "not assessed yet".
    pub summary: String,
}

/// The assessment part of the group space.
#[derive(Default)]
pub(crate) struct AssessmentSection {
    /// The teacher's form (empty for members, or when the course lost the project).
    pub criteria: Vec<CriterionField>,
    pub members: Vec<MemberAssessed>,
    /// What the member reads: "Criterion: 3 of 4 — description" per criterion.
    pub levels: Vec<String>,
    pub feedback: String,
    /// "Assessed 3 days ago" (empty: not assessed yet).
    pub when: String,
    pub max_feedback: usize,
}

/// "Criterion: 3 of 4 (description)" per level of an assessment.
fn level_lines(project: Option<&Project>, assessment: &StoredAssessment) -> Vec<String> {
    assessment
        .levels
        .iter()
        .enumerate()
        .map(|(n, points)| {
            let criterion = project.and_then(|p| p.rubric.get(n));
            match criterion {
                Some(c) => {
                    let top = c.levels.iter().map(|l| l.points).max().unwrap_or(*points);
                    let words = c
                        .levels
                        .iter()
                        .find(|l| l.points == *points)
                        .map_or(String::new(), |l| format!(" — {}", l.description));
                    format!("{}: {points} of {top}{words}", c.name)
                }
                None => format!("criterion {}: {points}", n + 1),
            }
        })
        .collect()
}

/// The section of the group space about the teacher's assessment, for `current`.
pub(crate) async fn section(
    state: &AppState,
    group: &Group,
    relation: GroupRelation,
    me: &UserId,
    project: Option<&Project>,
) -> Result<AssessmentSection, WebError> {
    let now = state.now();
    let mut out = AssessmentSection {
        max_feedback: MAX_ASSESSMENT_FEEDBACK_CHARS,
        ..AssessmentSection::default()
    };
    match relation {
        // A peer reviewer reads the submission only, never the teacher's assessment.
        GroupRelation::Reviewer => {}
        GroupRelation::Member => {
            if let Some(mine) = state.store.my_group_assessment(&group.id, me).await? {
                out.levels = level_lines(project, &mine);
                out.when = format!("Assessed {}", views::ago(now, mine.assessed_at));
                out.feedback = mine.feedback;
            }
        }
        GroupRelation::Teacher => {
            if let Some(project) = project {
                out.criteria = project
                    .rubric
                    .iter()
                    .enumerate()
                    .map(|(n, c)| CriterionField {
                        field: format!("level_{}", n + 1),
                        name: c.name.clone(),
                        skills: c.skills.join(", "),
                        levels: c
                            .levels
                            .iter()
                            .map(|l| (l.points, format!("{} — {}", l.points, l.description)))
                            .collect(),
                    })
                    .collect();
            }
            let all = state.store.group_assessments(&group.id).await?;
            for m in state.store.group_members(&group.id).await? {
                let newest = all.iter().find(|a| a.student_id == m.student_id);
                out.members.push(MemberAssessed {
                    adjust_href: format!(
                        "/classes/{}/assess/{}#p-{}",
                        group.class_id, m.student_id, group.project_id
                    ),
                    summary: newest.map_or_else(
                        || "not assessed yet".to_string(),
                        |a| {
                            format!(
                                "{} ({})",
                                level_lines(project, a).join("; "),
                                views::ago(now, a.assessed_at)
                            )
                        },
                    ),
                    name: m.display_name,
                });
            }
        }
    }
    Ok(out)
}

pub async fn assess_group(
    State(state): State<AppState>,
    InGroup {
        user: current,
        group,
        relation,
    }: InGroup,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    if relation != GroupRelation::Teacher {
        return Err(WebError::NotFound);
    }
    let round = state
        .store
        .round(&group.round_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let course = state
        .course(&round.course_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let project = course
        .course
        .project(&group.project_id)
        .ok_or(WebError::NotFound)?
        .clone();
    let feedback = form.get("feedback").cloned().unwrap_or_default();
    let result = async {
        let mut levels = Vec::new();
        for (n, criterion) in project.rubric.iter().enumerate() {
            let typed = form
                .get(&format!("level_{}", n + 1))
                .map(|s| s.trim())
                .unwrap_or("");
            let points = typed.parse::<u32>().map_err(|_| {
                WebError::BadRequest(format!("levels: choose a level for “{}”", criterion.name))
            })?;
            levels.push(points);
        }
        let bkt = state.clone();
        let assessed = state
            .store
            .record_group_assessment(
                &NewGroupAssessment {
                    group_id: &group.id,
                    course_id: &round.course_id,
                    course_version: course.version,
                    project: &project,
                    by: &current.user.id,
                    levels: &levels,
                    feedback: &feedback,
                    at: state.now(),
                },
                move |s| bkt.bkt_params(s),
            )
            .await?;
        let ids: Vec<&UserId> = assessed.iter().collect();
        crate::audit::access(
            &state,
            &current,
            AuditAction::GradeSet,
            &ids,
            Some(&project.title),
        )
        .await?;
        for student in &assessed {
            state
                .store
                .notify(
                    student,
                    student,
                    "project_assessed",
                    &format!("Your teacher assessed your group's project “{}”", project.title),
                    &format!("/groups/{}#assessment", group.id),
                    state.now(),
                )
                .await?;
        }
        Ok(Flash::success(format!(
            "Assessed the {} member(s) of {} on “{}”; the levels count as evidence on the criteria's skills for each of them",
            assessed.len(),
            group.name,
            project.title
        )))
    }
    .await;
    flash::finish(
        &state,
        &current,
        &format!("/groups/{}#assessment", group.id),
        result,
        "assess",
        [("feedback", feedback.as_str())],
    )
    .await
}
