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
use axum::response::{IntoResponse, Response};
use ownpace_core::ids::{OverrideId, UserId};
use ownpace_storage::AuditAction;
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
    needs: Vec<super::hands::NeedRow>,
    flash: crate::flash::Flash,
}

pub async fn teacher_classes(
    State(state): State<AppState>,
    Teacher(current): Teacher,
) -> Result<Response, WebError> {
    let mut classes = Vec::new();
    let taught = state.store.classes_taught_by(&current.user.id).await?;
    let needs = super::hands::needs_today(&state, &current, &taught).await?;
    let flash = crate::flash::take(&state, &current, "/classes").await?;
    for class in taught {
        let course_title = state
            .course(&class.course_id)
            .await?
            .map(|c| c.course.title.clone())
            .unwrap_or_default();
        let students = state.store.class_students(&class.id).await?.len();
        classes.push(ClassSummary {
            id: class.id.into_string(),
            name: class.name,
            course_title,
            students,
        });
    }
    Ok(TeacherClasses {
        layout: Layout::new("My classes", Some(&current), "/classes"),
        classes,
        needs,
        flash,
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
    /// "12 days ago (3 March)", or for a student who has not started: since when they
    /// are in the class, and whether they are busy in another course.
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
    not_started: Vec<InactiveEntry>,
    inactive_days: i64,
    flash: crate::flash::Flash,
    class_id: String,
    course_id: String,
    placement_questions: i64,
    activities: Vec<(String, String)>,
    class_overrides: Vec<(String, String, String)>,
    /// Students waiting for a guardian's consent: (id, name).
    waiting_consent: Vec<(String, String)>,
    /// The class's screen-time budget as typed (minutes; empty for none).
    budget_daily: String,
    budget_weekly: String,
    /// The solo/group balance (issue 10, point 6): the class's threshold and a row per
    /// student; possible helpers for stuck students (point 7).
    balance_threshold: u8,
    balance: Vec<crate::together::BalanceRow>,
    help: Vec<crate::together::HelpChoice>,
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
    let last_anywhere = state.store.class_last_activity_anywhere(&class_id).await?;
    let joined: HashMap<UserId, i64> = state
        .store
        .class_enrolments(&class_id)
        .await?
        .into_iter()
        .filter(|e| e.left_at.is_none())
        .map(|e| (e.student.id, e.joined_at))
        .collect();
    let flash = crate::flash::take(&state, &current, &format!("/classes/{class_id}")).await?;
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
                id: s.id.as_str(),
                name: &s.display_name,
                progress: by_student.get(s.id.as_str()).cloned().unwrap_or_default(),
            })
            .collect::<Vec<_>>(),
        now,
        ownpace_core::review::DEFAULT_TARGET_RETENTION,
    );
    let mut stuck = Vec::new();
    let mut inactive = Vec::new();
    let mut not_started = Vec::new();
    for student in &students {
        let progress = by_student.get(student.id.as_str());
        let stuck_on: Vec<String> = skills
            .iter()
            .filter_map(|skill| {
                let p = progress.and_then(|m| m.get(skill.id.as_str()))?;
                p.stuck().map(|reason| {
                    format!(
                        "{}: {} (last answer {}, {})",
                        skill.name,
                        reason.describe(),
                        crate::views::date(p.last_at, now),
                        ago(now, p.last_at)
                    )
                })
            })
            .collect();
        if !stuck_on.is_empty() {
            stuck.push(StuckEntry {
                student_id: student.id.to_string(),
                name: student.display_name.clone(),
                skills: stuck_on,
            });
        }
        // Not started in this course: listed apart, with since when, and never called
        // inactive while busy in another course.
        let here = last_activity.get(student.id.as_str()).copied();
        let anywhere = last_anywhere.get(student.id.as_str()).copied();
        if here.is_none() {
            let since = joined.get(&student.id).map_or(String::new(), |at| {
                format!("in the class since {}", crate::views::date(*at, now))
            });
            let elsewhere = anywhere.map_or(String::new(), |at| {
                format!("; active in another course {}", ago(now, at))
            });
            not_started.push(InactiveEntry {
                student_id: student.id.to_string(),
                name: student.display_name.clone(),
                last_seen: format!("{since}{elsewhere}"),
            });
        } else if ownpace_core::practice::is_inactive(anywhere, now, state.config.inactive_days)
            && let Some(at) = anywhere
        {
            inactive.push(InactiveEntry {
                student_id: student.id.to_string(),
                name: student.display_name.clone(),
                last_seen: format!("{} ({})", ago(now, at), crate::views::date(at, now)),
            });
        }
    }
    let ids: Vec<&UserId> = students.iter().map(|s| &s.id).collect();
    crate::audit::access(
        &state,
        &current,
        ownpace_storage::AuditAction::DashboardViewed,
        &ids,
        None,
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
            (o.id.into_string(), action.to_string(), label)
        })
        .collect();
    let budget = state.store.class_budget(&class_id).await?;
    let (balance_threshold, balance) =
        crate::together::class_balance(&state, &class_id, &students).await?;
    let help =
        crate::together::help_choices(&state, &class_id, &course.course, &students, &mastery)
            .await?;
    let typed = |m: Option<u32>| m.map_or(String::new(), |m| m.to_string());
    Ok(ClassDashboard {
        budget_daily: typed(budget.daily_minutes),
        budget_weekly: typed(budget.weekly_minutes),
        balance_threshold,
        balance,
        help,
        layout: Layout::new(
            format!("{}: dashboard", class.name),
            Some(&current),
            "/classes",
        ),
        placement_questions: state.store.placement_questions(&class_id).await?,
        activities: crate::path::activity_choices(&course),
        class_overrides,
        waiting_consent: crate::consent::waiting_in_class(&state, &class_id, &students).await?,
        course_id: class.course_id.to_string(),
        class_id: class_id.to_string(),
        class_name: class.name,
        course_title: course.course.title.clone(),
        heatmap,
        stuck,
        inactive,
        not_started,
        inactive_days: state.config.inactive_days,
        flash,
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
    let what = crate::path::activity_choices(&course)
        .into_iter()
        .find(|(value, _)| *value == form.activity)
        .map_or(form.activity.clone(), |(_, label)| label);
    let logged = match action {
        ownpace_storage::OverrideAction::Pin => AuditAction::Pinned,
        ownpace_storage::OverrideAction::Hide => AuditAction::Hidden,
    };
    log_for_class(&state, &current, &class.id, None, logged, &what).await?;
    let done = crate::flash::Flash::success(format!(
        "{} for every student of {}: {what}",
        match action {
            ownpace_storage::OverrideAction::Pin => "Pinned first",
            ownpace_storage::OverrideAction::Hide => "Hidden",
        },
        class.name
    ));
    crate::flash::redirect(
        &state,
        &current,
        &format!("/classes/{}#path", class.id),
        done,
    )
    .await
}

/// Removes an override of this class or one of its students.
pub async fn remove_override(
    State(state): State<AppState>,
    TeacherOfClass {
        teacher: current,
        class,
    }: TeacherOfClass,
    Path((_, override_id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let mine = state
        .store
        .overrides_for_class(&class.id, &class.course_id)
        .await?;
    let Some(removed) = mine.into_iter().find(|o| o.id == override_id) else {
        return Err(WebError::NotFound);
    };
    state
        .store
        .remove_override(&OverrideId::new(override_id))
        .await?;
    let what = super::record::activity_title(&state, &class.course_id, &removed.activity).await?;
    log_for_class(
        &state,
        &current,
        &class.id,
        removed.student_id.as_ref(),
        AuditAction::OverrideRemoved,
        &what,
    )
    .await?;
    let done = crate::flash::Flash::success(format!("Removed for every student of {}", class.name));
    crate::flash::redirect(
        &state,
        &current,
        &format!("/classes/{}#path", class.id),
        done,
    )
    .await
}

#[derive(Deserialize)]
pub struct PlacementCapForm {
    questions: i64,
}

pub async fn placement_cap(
    State(state): State<AppState>,
    TeacherOfClass {
        teacher: current,
        class,
    }: TeacherOfClass,
    Form(form): Form<PlacementCapForm>,
) -> Result<Response, WebError> {
    let result = state
        .store
        .set_placement_questions(&class.id, form.questions)
        .await;
    if result.is_ok() {
        let questions = form.questions.to_string();
        log_for_class(
            &state,
            &current,
            &class.id,
            None,
            AuditAction::PlacementCap,
            &questions,
        )
        .await?;
    }
    let result = result
        .map(|()| {
            crate::flash::Flash::success(format!(
                "Saved: new students of {} are asked at most {} placement questions",
                class.name, form.questions
            ))
        })
        .map_err(WebError::from);
    let questions = form.questions.to_string();
    crate::flash::finish(
        &state,
        &current,
        &format!("/classes/{}#placement", class.id),
        result,
        "placement",
        [("questions", questions.as_str())],
    )
    .await
}

/// Logs a teacher's change in the access log of one student of the class, or of every
/// student in it now.
async fn log_for_class(
    state: &AppState,
    current: &crate::auth::CurrentUser,
    class_id: &ownpace_core::ids::ClassId,
    student: Option<&UserId>,
    action: AuditAction,
    detail: &str,
) -> Result<(), WebError> {
    let students = match student {
        Some(one) => vec![one.clone()],
        None => state
            .store
            .class_students(class_id)
            .await?
            .into_iter()
            .map(|s| s.id)
            .collect(),
    };
    let ids: Vec<&UserId> = students.iter().collect();
    crate::audit::access(state, current, action, &ids, Some(detail)).await
}
