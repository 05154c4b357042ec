//! The teacher's assessment of a student's project work (issue 10, point 5): a level per
//! rubric criterion and written feedback. Each criterion tied to skills becomes evidence
//! of mastery (`project-assessment` events), so the student's mastery and grade move and
//! `rebuild` reproduces them. The student gets a notice and reads the feedback on their
//! "Working together" page. A whole group is assessed at once from its space
//! (`pages::group_assess`); this page adjusts one member afterwards.

use crate::auth::guard::TeacherOfClass;
use crate::flash::{self, Flash};
use crate::layout::Layout;
use crate::routing::{Access, Route, Subject, TEACHER, get, post};
use crate::{AppState, WebError, views};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Response};
use ownpace_core::ids::UserId;
use ownpace_storage::{AuditAction, MAX_ASSESSMENT_FEEDBACK_CHARS, NewAssessment, User};
use std::collections::HashMap;

pub(crate) fn routes() -> Vec<Route> {
    let teacher = Access::Roles(TEACHER, Subject::Class("class"));
    vec![
        get("/classes/{class}/assess/{student}", teacher, page),
        post(
            "/classes/{class}/assess/{student}/{project}",
            teacher,
            assess,
        ),
    ]
}

/// The student in the path, who must be in the class the guard proved (else 404).
async fn student_of(
    state: &AppState,
    class: &ownpace_storage::Class,
    student: &str,
) -> Result<User, WebError> {
    let id = UserId::new(student);
    if student.len() > 64 || !state.store.is_enrolled(&id, &class.id).await? {
        return Err(WebError::NotFound);
    }
    state.store.user(&id).await?.ok_or(WebError::NotFound)
}

struct CriterionView {
    field: String,
    name: String,
    skills: String,
    /// (points, "2 — description")
    levels: Vec<(u32, String)>,
    meets: String,
}

struct ProjectView {
    id: String,
    title: String,
    criteria: Vec<CriterionView>,
    /// The student's own assessment on this rubric (peer feedback, point 4), in words:
    /// shown beside the teacher's form; it moves no mastery.
    self_assessment: Option<SelfView>,
}

struct SelfView {
    when: String,
    levels: Vec<String>,
    note: String,
}

struct PastView {
    project: String,
    when: String,
    levels: Vec<String>,
    feedback: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "assess_student.html")]
struct AssessPage {
    layout: Layout,
    flash: Flash,
    class_id: String,
    student_id: String,
    student_name: String,
    projects: Vec<ProjectView>,
    past: Vec<PastView>,
    max_feedback: usize,
}

pub async fn page(
    State(state): State<AppState>,
    TeacherOfClass {
        teacher: current,
        class,
    }: TeacherOfClass,
    Path((_, student)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let student = student_of(&state, &class, &student).await?;
    let course = state
        .course(&class.course_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let now = state.now();
    let here = format!("/classes/{}/assess/{}", class.id, student.id);
    let flash = flash::take(&state, &current, &here).await?;
    let skill_names = |ids: &[String]| {
        ids.iter()
            .map(|s| course.course.skill(s).map_or(s.clone(), |k| k.name.clone()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let own = state
        .store
        .self_assessments_in_class(&class.id, &student.id)
        .await?;
    let projects = course
        .course
        .projects
        .iter()
        .map(|p| ProjectView {
            self_assessment: own.iter().find(|a| a.project_id == p.id).map(|a| SelfView {
                when: views::date(a.assessed_at, now),
                levels: rubric_words(p, &a.levels),
                note: a.note.clone(),
            }),
            id: p.id.clone(),
            title: p.title.clone(),
            criteria: p
                .rubric
                .iter()
                .enumerate()
                .map(|(n, c)| CriterionView {
                    field: format!("level_{}", n + 1),
                    name: c.name.clone(),
                    skills: skill_names(&c.skills),
                    levels: c
                        .levels
                        .iter()
                        .map(|l| (l.points, format!("{} — {}", l.points, l.description)))
                        .collect(),
                    meets: c.meets().map_or(String::new(), |m| m.to_string()),
                })
                .collect(),
        })
        .collect();
    let past = state
        .store
        .student_assessments(&student.id)
        .await?
        .into_iter()
        .filter(|a| a.class_id == class.id)
        .map(|a| {
            let project = course.course.project(&a.project_id);
            PastView {
                project: project.map_or(a.project_id.clone(), |p| p.title.clone()),
                when: views::date(a.assessed_at, now),
                levels: a
                    .levels
                    .iter()
                    .enumerate()
                    .map(|(n, points)| {
                        let name = project
                            .and_then(|p| p.rubric.get(n))
                            .map_or_else(|| format!("criterion {}", n + 1), |c| c.name.clone());
                        format!("{name}: {points}")
                    })
                    .collect(),
                feedback: a.feedback,
            }
        })
        .collect();
    crate::audit::access(
        &state,
        &current,
        AuditAction::RecordViewed,
        &[&student.id],
        None,
    )
    .await?;
    Ok(AssessPage {
        layout: Layout::new(
            format!("Assess {}'s project work", student.display_name),
            Some(&current),
            "/classes",
        )
        .with_crumbs([(
            format!("/classes/{}", class.id).as_str(),
            class.name.as_str(),
        )]),
        flash,
        class_id: class.id.to_string(),
        student_id: student.id.to_string(),
        student_name: student.display_name,
        projects,
        past,
        max_feedback: MAX_ASSESSMENT_FEEDBACK_CHARS,
    }
    .into_response())
}

pub async fn assess(
    State(state): State<AppState>,
    TeacherOfClass {
        teacher: current,
        class,
    }: TeacherOfClass,
    Path((_, student, project)): Path<(String, String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let student = student_of(&state, &class, &student).await?;
    let course = state
        .course(&class.course_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let project = course
        .course
        .project(&project)
        .ok_or(WebError::NotFound)?
        .clone();
    let location = format!(
        "/classes/{}/assess/{}#p-{}",
        class.id, student.id, project.id
    );
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
        // The group the student works on this project with (in this class) now, if any:
        // an adjustment of one member is read in the group's space like the group's own.
        let group_id = state
            .store
            .groups_of_student(&student.id)
            .await?
            .into_iter()
            .find(|g| g.class_id == class.id && g.project_id == project.id)
            .map(|g| g.id);
        let bkt = state.clone();
        state
            .store
            .record_assessment(
                &NewAssessment {
                    class_id: &class.id,
                    course_id: &class.course_id,
                    course_version: course.version,
                    project: &project,
                    student_id: &student.id,
                    by: &current.user.id,
                    levels: &levels,
                    feedback: &feedback,
                    at: state.now(),
                    group_id: group_id.as_deref(),
                },
                move |s| bkt.bkt_params(s),
            )
            .await?;
        crate::audit::access(
            &state,
            &current,
            AuditAction::GradeSet,
            &[&student.id],
            Some(&project.title),
        )
        .await?;
        state
            .store
            .notify(
                &student.id,
                &student.id,
                "project_assessed",
                &format!("Your teacher assessed your project “{}”", project.title),
                &format!("/together/{}#assessments", class.id),
                state.now(),
            )
            .await?;
        Ok(Flash::success(format!(
            "Assessed {} on “{}”; the levels count as evidence on the criteria's skills",
            student.display_name, project.title
        )))
    }
    .await;
    flash::finish(
        &state,
        &current,
        &location,
        result,
        &format!("assess-{}", project.id),
        [("feedback", feedback.as_str())],
    )
    .await
}

/// "Criterion: 2 — description" per criterion of the project's rubric.
pub(crate) fn rubric_words(project: &ownpace_core::course::Project, levels: &[u32]) -> Vec<String> {
    levels
        .iter()
        .enumerate()
        .map(|(n, points)| match project.rubric.get(n) {
            Some(c) => {
                let text = c
                    .levels
                    .iter()
                    .find(|l| l.points == *points)
                    .map_or_else(String::new, |l| format!(" — {}", l.description));
                format!("{}: {points}{text}", c.name)
            }
            None => format!("criterion {}: {points}", n + 1),
        })
        .collect()
}
