//! The teacher's class pages: their classes, the class dashboard (heatmap, who is stuck
//! or inactive), and class-wide pins, hides and the placement cap.

use crate::auth::guard::{Teacher, TeacherOfClass};
use crate::layout::Layout;
use crate::path::{OverrideForm, check_activity, override_action};
use crate::routing::{Access, Route, Subject, TEACHER, get, post};
use crate::views::ago;
use crate::{AppState, WebError};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use ownpace_storage::{NewOverride, OverrideScope};
use serde::Deserialize;
use std::collections::HashMap;

pub(crate) fn routes() -> Vec<Route> {
    let of_class = Access::Roles(TEACHER, Subject::Class("class"));
    vec![
        get(
            "/classes",
            Access::Roles(TEACHER, Subject::None),
            teacher_classes,
        ),
        get("/classes/{class}", of_class, class_dashboard),
        post("/classes/{class}/overrides", of_class, class_override),
        post(
            "/classes/{class}/overrides/{override}/delete",
            of_class,
            remove_override,
        ),
        post("/classes/{class}/placement", of_class, placement_cap),
    ]
}

struct ClassSummary {
    id: String,
    name: String,
    course_title: String,
    students: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "teacher_classes.html")]
struct TeacherClasses {
    layout: Layout,
    classes: Vec<ClassSummary>,
}

pub async fn teacher_classes(
    State(state): State<AppState>,
    Teacher(current): Teacher,
) -> Result<Response, WebError> {
    let mut classes = Vec::new();
    for class in state.store.classes_taught_by(&current.user.id).await? {
        let course_title = state
            .course(&class.course_id)
            .await?
            .map(|c| c.course.title.clone())
            .unwrap_or_default();
        let students = state.store.class_students(&class.id).await?.len();
        classes.push(ClassSummary {
            id: class.id,
            name: class.name,
            course_title,
            students,
        });
    }
    Ok(TeacherClasses {
        layout: Layout::new("My classes", Some(&current), "/classes"),
        classes,
    }
    .into_response())
}

struct StuckEntry {
    student_id: String,
    name: String,
    /// "Skill: reason" for each skill the student is stuck on.
    skills: Vec<String>,
}

struct InactiveEntry {
    student_id: String,
    name: String,
    last_seen: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "class_dashboard.html")]
struct ClassDashboard {
    layout: Layout,
    class_name: String,
    course_title: String,
    heatmap: super::heatmap::Heatmap,
    stuck: Vec<StuckEntry>,
    inactive: Vec<InactiveEntry>,
    inactive_days: i64,
    class_id: String,
    course_id: String,
    placement_questions: i64,
    activities: Vec<(String, String)>,
    class_overrides: Vec<(String, String, String)>,
}

pub async fn class_dashboard(
    State(state): State<AppState>,
    TeacherOfClass {
        teacher: current,
        class,
    }: TeacherOfClass,
) -> Result<Response, WebError> {
    let class_id = class.id.clone();
    let course = state
        .course(&class.course_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let students = state.store.class_students(&class_id).await?;
    let mastery = state.store.class_mastery(&class_id).await?;
    let last_activity = state.store.class_last_activity(&class_id).await?;
    let now = state.now();
    let skills = &course.course.skills;

    let mut by_student: HashMap<&str, HashMap<&str, &ownpace_core::progress::SkillProgress>> =
        HashMap::new();
    for row in &mastery {
        by_student
            .entry(row.student_id.as_str())
            .or_default()
            .insert(row.skill_id.as_str(), &row.progress);
    }
    let heatmap = super::heatmap::build(
        &course.course,
        &students
            .iter()
            .map(|s| super::heatmap::StudentProgress {
                id: &s.id,
                name: &s.display_name,
                progress: by_student.get(s.id.as_str()).cloned().unwrap_or_default(),
            })
            .collect::<Vec<_>>(),
        now,
        ownpace_core::review::DEFAULT_TARGET_RETENTION,
    );
    let mut stuck = Vec::new();
    let mut inactive = Vec::new();
    for student in &students {
        let progress = by_student.get(student.id.as_str());
        let stuck_on: Vec<String> = skills
            .iter()
            .filter_map(|skill| {
                let p = progress.and_then(|m| m.get(skill.id.as_str()))?;
                p.stuck()
                    .map(|reason| format!("{}: {}", skill.name, reason.describe()))
            })
            .collect();
        if !stuck_on.is_empty() {
            stuck.push(StuckEntry {
                student_id: student.id.clone(),
                name: student.display_name.clone(),
                skills: stuck_on,
            });
        }
        let last = last_activity.get(&student.id).copied();
        if ownpace_core::practice::is_inactive(last, now, state.config.inactive_days) {
            inactive.push(InactiveEntry {
                student_id: student.id.clone(),
                name: student.display_name.clone(),
                last_seen: last.map_or("never".to_string(), |at| ago(now, at)),
            });
        }
    }
    let ids: Vec<&str> = students.iter().map(|s| s.id.as_str()).collect();
    state
        .store
        .audit_many(
            &current.user.id,
            "viewed class mastery dashboard",
            &ids,
            state.now(),
        )
        .await?;
    let class_overrides = state
        .store
        .overrides_for_class(&class_id, &class.course_id)
        .await?
        .into_iter()
        .filter(|o| o.class_id.is_some())
        .map(|o| {
            let action = match o.action {
                ownpace_storage::OverrideAction::Pin => "Pinned",
                ownpace_storage::OverrideAction::Hide => "Hidden",
            };
            let label = crate::path::activity_choices(&course)
                .into_iter()
                .find(|(value, _)| *value == o.activity)
                .map_or(o.activity.clone(), |(_, label)| label);
            (o.id, action.to_string(), label)
        })
        .collect();
    Ok(ClassDashboard {
        layout: Layout::new(
            format!("{}: dashboard", class.name),
            Some(&current),
            "/classes",
        ),
        placement_questions: state.store.placement_questions(&class_id).await?,
        activities: crate::path::activity_choices(&course),
        class_overrides,
        course_id: class.course_id.clone(),
        class_id: class_id.clone(),
        class_name: class.name,
        course_title: course.course.title.clone(),
        heatmap,
        stuck,
        inactive,
        inactive_days: state.config.inactive_days,
    }
    .into_response())
}

pub async fn class_override(
    State(state): State<AppState>,
    TeacherOfClass {
        teacher: current,
        class,
    }: TeacherOfClass,
    Form(form): Form<OverrideForm>,
) -> Result<Response, WebError> {
    let action = override_action(&form.action)?;
    if class.course_id != form.course_id {
        return Err(WebError::BadRequest(
            "course_id: this class follows another course".into(),
        ));
    }
    let course = state
        .course(&class.course_id)
        .await?
        .ok_or(WebError::NotFound)?;
    check_activity(&course, &form.activity)?;
    state
        .store
        .add_override(NewOverride {
            course_id: &class.course_id,
            scope: OverrideScope::Class(&class.id),
            activity: &form.activity,
            action,
            created_by: &current.user.id,
            at: state.now(),
        })
        .await?;
    Ok(Redirect::to(&format!("/classes/{}#path", class.id)).into_response())
}

/// Removes an override of this class or one of its students.
pub async fn remove_override(
    State(state): State<AppState>,
    TeacherOfClass { class, .. }: TeacherOfClass,
    Path((_, override_id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let mine = state
        .store
        .overrides_for_class(&class.id, &class.course_id)
        .await?;
    if !mine.iter().any(|o| o.id == override_id) {
        return Err(WebError::NotFound);
    }
    state.store.remove_override(&override_id).await?;
    Ok(Redirect::to(&format!("/classes/{}#path", class.id)).into_response())
}

#[derive(Deserialize)]
pub struct PlacementCapForm {
    questions: i64,
}

pub async fn placement_cap(
    State(state): State<AppState>,
    TeacherOfClass { class, .. }: TeacherOfClass,
    Form(form): Form<PlacementCapForm>,
) -> Result<Response, WebError> {
    state
        .store
        .set_placement_questions(&class.id, form.questions)
        .await?;
    Ok(Redirect::to(&format!("/classes/{}#path", class.id)).into_response())
}
