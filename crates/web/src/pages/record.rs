//! A student's record as their teacher sees it: progress per course, history, the
//! path the student is offered, and the teacher's pins, hides and goals for them.

use crate::auth::guard::TeacherOfStudent;
use crate::layout::Layout;
use crate::path::{GoalForm, OverrideForm, check_activity, create_goal, override_action};
use crate::routing::{Access, Route, Subject, TEACHER, get, post};
use crate::views::{self, ago, percent};
use crate::{AppState, WebError};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, State};
use axum::response::{IntoResponse, Redirect, Response};
use ownpace_core::course::{AnswerSpec, Response as ItemResponse};
use ownpace_core::events::EventKind;
use ownpace_storage::{CourseVersion, NewOverride, OverrideScope, User};
use serde::Deserialize;
use std::collections::HashMap;

pub(crate) fn routes() -> Vec<Route> {
    let of_student = Access::Roles(TEACHER, Subject::Student("student"));
    vec![
        get("/students/{student}", of_student, student_record),
        post(
            "/students/{student}/overrides",
            of_student,
            student_override,
        ),
        post("/students/{student}/goals", of_student, student_goal),
    ]
}

pub(crate) struct HistoryRow {
    pub when: String,
    pub what: String,
    pub skill_names: String,
    pub detail: String,
    pub outcome: &'static str,
    pub duration: String,
}

pub(crate) struct SkillLine {
    pub name: String,
    pub state_label: &'static str,
    pub state: &'static str,
    pub mastery: f64,
    pub mastery_text: String,
    pub attempts: u32,
    pub accuracy: String,
}

pub(crate) struct CourseRecord {
    pub title: String,
    pub skills: Vec<SkillLine>,
    pub history: Vec<HistoryRow>,
    pub time_week: String,
}

/// A student's record in one course. `show_answers`: the history quotes what the student
/// answered (teachers; guardians only when the school turns `guardians_see_answers` on),
/// otherwise it says only which item and whether it was right.
pub(crate) async fn course_record(
    state: &AppState,
    student: &User,
    course: &CourseVersion,
    history: i64,
    show_answers: bool,
) -> Result<CourseRecord, WebError> {
    let now = state.now();
    let mastery = state
        .store
        .student_mastery(&student.id, &course.course.id)
        .await?;
    let statuses = crate::path::statuses(state, course, &mastery);
    let correct_answers: HashMap<&str, u32> = mastery
        .iter()
        .map(|row| (row.skill_id.as_str(), row.progress.correct))
        .collect();
    let skills = course
        .course
        .skills
        .iter()
        .filter_map(|skill| statuses.get(&skill.id).map(|status| (skill, status)))
        .map(|(skill, status)| {
            let p = status.p_mastery;
            let attempts = status.attempts;
            let correct = correct_answers.get(skill.id.as_str()).copied().unwrap_or(0);
            SkillLine {
                name: skill.name.clone(),
                state_label: views::state_label(&status.state),
                state: views::state_css(&status.state),
                mastery: p,
                mastery_text: percent(p),
                attempts,
                accuracy: if attempts == 0 {
                    "–".into()
                } else {
                    percent(f64::from(correct) / f64::from(attempts))
                },
            }
        })
        .collect();
    let skill_name = |id: &str| {
        course
            .course
            .skill(id)
            .map_or(id.to_string(), |s| s.name.clone())
    };
    let history = state
        .store
        .student_events(&student.id, &course.course.id, history)
        .await?
        .into_iter()
        .map(|e| {
            let (what, detail) = match e.kind {
                EventKind::Answer if !show_answers => (
                    "Answered".to_string(),
                    e.item_id.clone().unwrap_or_default(),
                ),
                EventKind::Answer => {
                    let item = e.item_id.as_deref().and_then(|id| course.course.item(id));
                    let answer = e
                        .response
                        .as_deref()
                        .and_then(|r| serde_json::from_str::<ItemResponse>(r).ok())
                        .map(|r| match (r, item.map(|i| &i.answer)) {
                            (ItemResponse::Choice(i), Some(AnswerSpec::Choice { choices })) => {
                                choices.get(i).map_or(String::new(), |c| c.text.clone())
                            }
                            (ItemResponse::Text(t), _) => t,
                            _ => String::new(),
                        })
                        .unwrap_or_default();
                    (
                        "Answered".to_string(),
                        format!("{} → “{}”", e.item_id.clone().unwrap_or_default(), answer),
                    )
                }
                EventKind::Hint => (
                    "Asked for a hint".to_string(),
                    e.item_id.clone().unwrap_or_default(),
                ),
                EventKind::Lesson | EventKind::OfflineActivity => (
                    "Finished a lesson".to_string(),
                    e.item_id
                        .as_deref()
                        .and_then(|id| course.course.lesson(id))
                        .map_or(String::new(), |l| l.title.clone()),
                ),
                EventKind::UnreadAnswer => (
                    "Typed an answer that could not be read".to_string(),
                    e.item_id.clone().unwrap_or_default(),
                ),
                EventKind::Placement | EventKind::PlacementAnswer => {
                    (e.kind.to_string(), String::new())
                }
            };
            HistoryRow {
                when: ago(now, e.occurred_at),
                what,
                skill_names: e
                    .skills
                    .iter()
                    .map(|s| skill_name(s))
                    .collect::<Vec<_>>()
                    .join(", "),
                detail,
                outcome: match e.correct {
                    Some(true) => "correct",
                    Some(false) => "incorrect",
                    None => "",
                },
                duration: e.duration_ms.map_or(String::new(), views::duration),
            }
        })
        .collect();
    let time_week = views::duration(
        state
            .store
            .time_spent_since(&student.id, &course.course.id, now - 7 * 86_400_000)
            .await?,
    );
    Ok(CourseRecord {
        title: course.course.title.clone(),
        skills,
        history,
        time_week,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "student_record.html")]
struct StudentRecord {
    layout: Layout,
    student_id: String,
    name: String,
    username: String,
    courses: Vec<CourseRecord>,
    paths: Vec<crate::path::TeacherPathView>,
}

pub async fn student_record(
    State(state): State<AppState>,
    TeacherOfStudent {
        teacher: current,
        student,
    }: TeacherOfStudent,
) -> Result<Response, WebError> {
    let student_id = student.id.clone();
    let taught: Vec<String> = state
        .store
        .classes_taught_by(&current.user.id)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    let mut courses = Vec::new();
    let mut paths = Vec::new();
    for class in state.store.classes_of_student(&student_id).await? {
        if taught.contains(&class.id)
            && let Some(course) = state.course(&class.course_id).await?
        {
            courses.push(course_record(&state, &student, &course, 50, true).await?);
            paths.push(
                crate::path::teacher_path_view(&state, &student_id, &class.id, &course).await?,
            );
        }
    }
    state
        .store
        .audit(
            &current.user.id,
            "viewed student record",
            Some(&student_id),
            state.now(),
        )
        .await?;
    Ok(StudentRecord {
        layout: Layout::new(student.display_name.clone(), Some(&current), "/classes"),
        student_id,
        name: student.display_name,
        username: student.username,
        courses,
        paths,
    }
    .into_response())
}

pub async fn student_override(
    State(state): State<AppState>,
    teacher_of: TeacherOfStudent,
    Form(form): Form<OverrideForm>,
) -> Result<Response, WebError> {
    let action = override_action(&form.action)?;
    let course = teacher_of.course_in_body(&state, &form.course_id).await?;
    check_activity(&course, &form.activity)?;
    let student_id = &teacher_of.student.id;
    state
        .store
        .add_override(NewOverride {
            course_id: &course.course.id,
            scope: OverrideScope::Student(student_id),
            activity: &form.activity,
            action,
            created_by: &teacher_of.teacher.user.id,
            at: state.now(),
        })
        .await?;
    Ok(Redirect::to(&format!("/students/{student_id}#path")).into_response())
}

#[derive(Deserialize)]
pub struct TeacherGoalForm {
    course_id: String,
    #[serde(flatten)]
    goal: GoalForm,
}

pub async fn student_goal(
    State(state): State<AppState>,
    teacher_of: TeacherOfStudent,
    Form(form): Form<TeacherGoalForm>,
) -> Result<Response, WebError> {
    let course = teacher_of.course_in_body(&state, &form.course_id).await?;
    let student_id = &teacher_of.student.id;
    create_goal(
        &state,
        &course,
        student_id,
        &teacher_of.teacher.user.id,
        &form.goal,
    )
    .await?;
    Ok(Redirect::to(&format!("/students/{student_id}#path")).into_response())
}
