//! The adaptive path (SPEC C3, C4, C6, C7): the placement check, the next steps a student
//! chooses from (each with its reason), goals with their forecast, interests, the skill
//! map, project briefs, and the teacher's pins, hides and placement cap.
//!
//! Everything a decision needs is gathered here from storage into the core's plain inputs
//! ([`ownpace_core::recommend::Situation`], the placement's recorded answers, the goal's
//! practice history) and handed to the pure functions in `ownpace-core`; this module only
//! fetches, calls and renders.

use crate::pages::{Layout, LessonLink, lesson_links, signed_in};
use crate::policy::MaybeUser;
use crate::practice;
use crate::views;
use crate::{AppState, WebError};
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use ownpace_core::course::{AnswerSpec, Item, Modality, grade};
use ownpace_core::goals::{self, Goal as CoreGoal, GoalTarget, PracticeEvent};
use ownpace_core::placement::{self, Placement, PlacementConfig};
use ownpace_core::progress::{SkillProgress, StuckReason, skill_statuses};
use ownpace_core::recommend::{self, Activity, Recommendation, Situation, SkillStatus};
use ownpace_core::review::{DEFAULT_TARGET_RETENTION, Fsrs};
use ownpace_core::skillmap;
use ownpace_storage::{AnswerRecord, CourseVersion, MasteryRow, NewGoal, OverrideAction};
use serde::Deserialize;
use std::collections::HashMap;

/// Per skill, the student's status now (state, mastery, recall, review due).
pub fn statuses(
    state: &AppState,
    course: &CourseVersion,
    mastery: &[MasteryRow],
) -> HashMap<String, SkillStatus> {
    let by_skill: HashMap<&str, &SkillProgress> = mastery
        .iter()
        .map(|row| (row.skill_id.as_str(), &row.progress))
        .collect();
    skill_statuses(
        &course.course,
        &by_skill,
        |skill| state.bkt_params(skill).init,
        &Fsrs::default(),
        state.now(),
        DEFAULT_TARGET_RETENTION,
    )
}

/// `kind:id` as stored for a teacher's override, as an activity.
fn parse_activity(text: &str) -> Option<Activity> {
    let (kind, id) = text.split_once(':')?;
    let id = id.to_string();
    match kind {
        "skill" => Some(Activity::PracticeSkill(id)),
        "review" => Some(Activity::Review(id)),
        "lesson" => Some(Activity::Lesson(id)),
        "project" => Some(Activity::Project(id)),
        _ => None,
    }
}

fn activity_href(course_id: &str, activity: &Activity) -> String {
    match activity {
        Activity::PracticeSkill(id) | Activity::Review(id) => {
            format!("/learn/{course_id}/skills/{id}")
        }
        Activity::Lesson(id) => format!("/learn/{course_id}/lessons/{id}"),
        Activity::Project(id) => format!("/learn/{course_id}/projects/{id}"),
    }
}

fn activity_kind(activity: &Activity) -> &'static str {
    match activity {
        Activity::PracticeSkill(_) => "Practice",
        Activity::Review(_) => "Review",
        Activity::Lesson(_) => "Lesson",
        Activity::Project(_) => "Project",
    }
}

/// The student's goals in the core's terms.
fn core_goals(goals: &[ownpace_storage::Goal]) -> Vec<CoreGoal> {
    goals
        .iter()
        .map(|g| CoreGoal {
            name: g.title.clone(),
            target: match &g.project_id {
                Some(project) => GoalTarget::Project(project.clone()),
                None => GoalTarget::Skills(g.skills.clone()),
            },
            due: g.target_at,
        })
        .collect()
}

/// Everything about a student that shapes their next steps.
pub struct StudentPath {
    pub statuses: HashMap<String, SkillStatus>,
    pub situation: Situation,
    pub goals: Vec<ownpace_storage::Goal>,
    pub practice: Vec<PracticeEvent>,
    pub mastered_at: HashMap<String, i64>,
    pub stuck: HashMap<String, StuckReason>,
}

pub async fn student_path(
    state: &AppState,
    student_id: &str,
    course: &CourseVersion,
) -> Result<StudentPath, WebError> {
    let course_id = &course.course.id;
    let mastery = state.store.student_mastery(student_id, course_id).await?;
    let statuses = statuses(state, course, &mastery);
    let goals = state.store.open_goals(student_id, course_id).await?;
    let events = state
        .store
        .student_events(student_id, course_id, 5_000)
        .await?;
    let mut modality_last_used: HashMap<Modality, i64> = HashMap::new();
    let mut practice = Vec::new();
    for event in &events {
        match event.kind.as_str() {
            "lesson" | "offline-activity" => {
                if let Some(lesson) = event
                    .item_id
                    .as_deref()
                    .and_then(|id| course.course.lesson(id))
                {
                    let last = modality_last_used
                        .entry(lesson.modality)
                        .or_insert(event.occurred_at);
                    *last = (*last).max(event.occurred_at);
                }
            }
            "answer" => {
                let share = event.duration_ms.unwrap_or(0) / event.skills.len().max(1) as i64;
                for skill in &event.skills {
                    practice.push(PracticeEvent {
                        at: event.occurred_at,
                        duration_ms: share,
                        skill: skill.clone(),
                        correct: event.correct.unwrap_or(false),
                    });
                }
            }
            _ => {}
        }
    }
    practice.reverse();
    let mut pinned = Vec::new();
    let mut hidden = Vec::new();
    for o in state
        .store
        .overrides_for_student(student_id, course_id)
        .await?
    {
        let Some(activity) = parse_activity(&o.activity) else {
            continue;
        };
        match o.action {
            OverrideAction::Pin => pinned.push(activity),
            OverrideAction::Hide => {
                if let Activity::PracticeSkill(id) = &activity {
                    hidden.push(Activity::Review(id.clone()));
                }
                hidden.push(activity);
            }
        }
    }
    let mastered_at = mastery
        .iter()
        .filter_map(|row| {
            row.progress
                .mastered_at
                .map(|at| (row.skill_id.clone(), at))
        })
        .collect();
    let stuck = mastery
        .iter()
        .filter_map(|row| row.progress.stuck().map(|r| (row.skill_id.clone(), r)))
        .collect();
    let situation = Situation {
        skills: statuses.clone(),
        goals: core_goals(&goals),
        assignments: Vec::new(),
        modality_last_used,
        interests: state.store.interests(student_id).await?,
        pinned,
        hidden,
        screen_time_spent: false,
        now: state.now(),
    };
    Ok(StudentPath {
        statuses,
        situation,
        goals,
        practice,
        mastered_at,
        stuck,
    })
}

pub struct OptionView {
    pub kind: &'static str,
    pub title: String,
    pub href: String,
    pub reason: String,
}

pub fn option_views(course: &CourseVersion, recommendations: &[Recommendation]) -> Vec<OptionView> {
    recommendations
        .iter()
        .map(|r| OptionView {
            kind: activity_kind(&r.activity),
            title: r.activity.title(&course.course),
            href: activity_href(&course.course.id, &r.activity),
            reason: r.reason.text(&course.course),
        })
        .collect()
}

pub struct GoalView {
    pub id: String,
    pub title: String,
    pub due: String,
    pub forecast: String,
    pub on_time: bool,
}

pub fn goal_views(course: &CourseVersion, path: &StudentPath, now: i64) -> Vec<GoalView> {
    path.goals
        .iter()
        .zip(&path.situation.goals)
        .map(|(stored, goal)| {
            // TODO(issue 15): pass the stored date the goal was achieved, once storage keeps it.
            let forecast = goals::forecast(
                &course.course,
                goal,
                &path.practice,
                &path.mastered_at,
                &path.stuck,
                None,
                now,
            );
            GoalView {
                id: stored.id.clone(),
                title: goal.display_name(&course.course),
                due: views::date(stored.target_at, now),
                forecast: forecast.text(),
                on_time: forecast.on_time(),
            }
        })
        .collect()
}

/// What the student home shows above the full list of skills.
pub struct HomePath {
    /// Every skill's status now (the course page lists them below the next steps).
    pub statuses: HashMap<String, SkillStatus>,
    pub needs_placement: bool,
    pub placement_summary: String,
    pub options: Vec<OptionView>,
    pub goals: Vec<GoalView>,
    pub interests: Vec<(String, bool)>,
    pub goal_skills: Vec<(String, String)>,
    pub projects: Vec<(String, String)>,
}

pub async fn home_path(
    state: &AppState,
    student_id: &str,
    course: &CourseVersion,
) -> Result<HomePath, WebError> {
    let path = student_path(state, student_id, course).await?;
    let options = option_views(
        course,
        &recommend::recommend(&course.course, &path.situation, recommend::DEFAULT_COUNT),
    );
    let placement = state
        .store
        .placement_result(student_id, &course.course.id)
        .await?;
    let practised = path.statuses.values().any(|s| s.attempts > 0);
    let placement_summary = placement.as_ref().map_or_else(String::new, |result| {
        placement::summary_from_beliefs(&course.course, &result.beliefs).text
    });
    let mut tags: Vec<String> = course
        .course
        .projects
        .iter()
        .flat_map(|p| p.interests.iter().cloned())
        .collect();
    tags.sort();
    tags.dedup();
    let mine = &path.situation.interests;
    Ok(HomePath {
        needs_placement: placement.is_none() && !practised,
        placement_summary,
        options,
        goals: goal_views(course, &path, state.now()),
        interests: tags
            .into_iter()
            .map(|t| {
                let on = mine.contains(&t);
                (t, on)
            })
            .collect(),
        goal_skills: course
            .course
            .skills
            .iter()
            .map(|s| (s.id.clone(), s.name.clone()))
            .collect(),
        projects: course
            .course
            .projects
            .iter()
            .map(|p| (p.id.clone(), p.title.clone()))
            .collect(),
        statuses: path.statuses,
    })
}

// ---------------------------------------------------------------------------------------
// Placement

async fn placement_config(
    state: &AppState,
    student_id: &str,
    course_id: &str,
) -> Result<PlacementConfig, WebError> {
    let class = state
        .store
        .classes_of_student(student_id)
        .await?
        .into_iter()
        .find(|c| c.course_id == course_id);
    let cap = match class {
        Some(class) => state.store.placement_questions(&class.id).await?,
        None => 12,
    };
    Ok(PlacementConfig {
        max_questions: usize::try_from(cap).unwrap_or(12),
        ..PlacementConfig::default()
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "placement.html")]
struct PlacementPage {
    layout: Layout,
    course_id: String,
    course_title: String,
    done: bool,
    summary: String,
    start_here: String,
    question_number: usize,
    max_questions: usize,
    skill_id: String,
    item_id: String,
    prompt_html: String,
    choices: Vec<(usize, String)>,
    unit: String,
    key: String,
    shown_at: i64,
}

/// The item asked for `skill` as the `n`-th placement question on it.
fn placement_item<'a>(course: &'a CourseVersion, skill: &str, n: usize) -> Option<&'a Item> {
    let items: Vec<&Item> = course
        .course
        .items
        .iter()
        .filter(|i| i.skills.iter().any(|s| s == skill))
        .collect();
    (!items.is_empty()).then(|| items[n % items.len()])
}

pub async fn placement(
    State(state): State<AppState>,
    Extension(user): Extension<MaybeUser>,
    Path(course_id): Path<String>,
) -> Result<Response, WebError> {
    let current = signed_in(&user)?;
    let course = state.course(&course_id).await?.ok_or(WebError::NotFound)?;
    let student = &current.user.id;
    let answers = state.store.placement_answers(student, &course_id).await?;
    let config = placement_config(&state, student, &course_id).await?;
    let max_questions = config.max_questions;
    let check = Placement::replay(&course.course, config, &answers)
        .map_err(|e| WebError::Internal(format!("stored placement answers do not replay: {e}")))?;
    let mut page = PlacementPage {
        layout: Layout::new("Placement check", Some(current), "/learn"),
        course_id: course_id.clone(),
        course_title: course.course.title.clone(),
        done: false,
        summary: String::new(),
        start_here: String::new(),
        question_number: answers.len() + 1,
        max_questions,
        skill_id: String::new(),
        item_id: String::new(),
        prompt_html: String::new(),
        choices: Vec::new(),
        unit: String::new(),
        key: uuid::Uuid::new_v4().to_string(),
        shown_at: state.now(),
    };
    let next = if check.is_done() {
        None
    } else {
        check.next_skill().map(str::to_string)
    };
    let item = next.as_deref().and_then(|skill| {
        let asked = answers.iter().filter(|(s, _)| s == skill).count();
        placement_item(&course, skill, asked)
    });
    match (next, item) {
        (Some(skill), Some(item)) => {
            page.skill_id = skill;
            page.item_id = item.id.clone();
            page.prompt_html = views::markdown(&course_id, &item.prompt);
            if let AnswerSpec::Choice { choices } = &item.answer {
                page.choices = choices
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (i, views::markdown(&course_id, &c.text)))
                    .collect();
            }
            if let AnswerSpec::Numeric {
                unit: Some(unit), ..
            } = &item.answer
            {
                page.unit = unit.clone();
            }
        }
        _ => {
            // Finished (confident, capped, or nothing left to ask): seed mastery once.
            state
                .store
                .record_placement_result(
                    student,
                    &course_id,
                    course.version,
                    &check.beliefs(),
                    check.questions_asked(),
                    state.now(),
                )
                .await?;
            let summary = check.summary();
            page.done = true;
            page.summary = summary.text;
            page.start_here = summary.start_here.unwrap_or_default();
        }
    }
    Ok(page.into_response())
}

#[derive(Deserialize)]
pub struct PlacementAnswerForm {
    skill: String,
    item: String,
    key: String,
    shown_at: i64,
    #[serde(default)]
    response: String,
    /// Set by the "I don't know yet" button.
    #[serde(default)]
    dont_know: String,
}

pub async fn placement_answer(
    State(state): State<AppState>,
    Extension(user): Extension<MaybeUser>,
    Path(course_id): Path<String>,
    Form(form): Form<PlacementAnswerForm>,
) -> Result<Response, WebError> {
    let current = signed_in(&user)?;
    let course = state.course(&course_id).await?.ok_or(WebError::NotFound)?;
    let item = course.course.item(&form.item).ok_or(WebError::NotFound)?;
    if !item.skills.contains(&form.skill) {
        return Err(WebError::BadRequest(format!(
            "item `{}` does not practise skill `{}`",
            item.id, form.skill
        )));
    }
    // "I don't know yet" is an honest answer in a placement check: an empty response is wrong.
    let response = if form.dont_know.is_empty() {
        practice::parse_response(item, &form.response).ok()
    } else {
        None
    };
    let correct = response.as_ref().is_some_and(|r| grade(item, r).correct);
    let response_json =
        serde_json::to_string(&response).map_err(|e| WebError::Internal(e.to_string()))?;
    let skills = vec![form.skill.clone()];
    state
        .store
        .record_placement_answer(&AnswerRecord {
            student_id: &current.user.id,
            course_id: &course_id,
            course_version: course.version,
            item_id: &item.id,
            skills: &skills,
            response: &response_json,
            correct,
            occurred_at: state.now(),
            duration_ms: Some((state.now() - form.shown_at).clamp(0, 3_600_000)),
            idempotency_key: &format!("placement:{}", form.key),
        })
        .await?;
    Ok(Redirect::to(&format!("/learn/{course_id}/placement")).into_response())
}

// ---------------------------------------------------------------------------------------
// Goals and interests

#[derive(Deserialize)]
pub struct GoalForm {
    #[serde(default)]
    title: String,
    /// `skill:ID` or `project:ID`.
    target: String,
    /// `YYYY-MM-DD`.
    due: String,
}

/// Validates a goal form into (title, skills, project, target time).
fn goal_from_form(
    course: &CourseVersion,
    form: &GoalForm,
    now: i64,
) -> Result<(String, Vec<String>, Option<String>, i64), WebError> {
    let due = views::parse_date(form.due.trim()).ok_or_else(|| {
        WebError::BadRequest(format!(
            "target date `{}`: use the form YYYY-MM-DD, for example 2026-12-18",
            form.due
        ))
    })?;
    // The goal is due at the end of its day.
    let due = due + 86_400_000 - 1;
    if due < now {
        return Err(WebError::BadRequest(
            "target date: choose a day from today on".into(),
        ));
    }
    let (skills, project, default_title) = match form.target.split_once(':') {
        Some(("skill", id)) => {
            let skill = course.course.skill(id).ok_or_else(|| {
                WebError::BadRequest(format!("skill `{id}` is not in this course"))
            })?;
            (vec![skill.id.clone()], None, skill.name.clone())
        }
        Some(("project", id)) => {
            let project = course.course.project(id).ok_or_else(|| {
                WebError::BadRequest(format!("project `{id}` is not in this course"))
            })?;
            (
                project.skills.clone(),
                Some(project.id.clone()),
                project.title.clone(),
            )
        }
        _ => {
            return Err(WebError::BadRequest(
                "goal: choose a skill or a project".into(),
            ));
        }
    };
    let title = if form.title.trim().is_empty() {
        default_title
    } else {
        form.title.trim().chars().take(80).collect()
    };
    Ok((title, skills, project, due))
}

async fn create_goal(
    state: &AppState,
    course: &CourseVersion,
    student_id: &str,
    created_by: &str,
    form: &GoalForm,
) -> Result<(), WebError> {
    let (title, skills, project, due) = goal_from_form(course, form, state.now())?;
    state
        .store
        .create_goal(NewGoal {
            student_id,
            course_id: &course.course.id,
            title: &title,
            skills: &skills,
            project_id: project.as_deref(),
            target_at: due,
            created_by,
        })
        .await?;
    Ok(())
}

pub async fn add_goal(
    State(state): State<AppState>,
    Extension(user): Extension<MaybeUser>,
    Path(course_id): Path<String>,
    Form(form): Form<GoalForm>,
) -> Result<Response, WebError> {
    let current = signed_in(&user)?;
    let course = state.course(&course_id).await?.ok_or(WebError::NotFound)?;
    create_goal(&state, &course, &current.user.id, &current.user.id, &form).await?;
    Ok(Redirect::to(&format!("/learn/{course_id}#goals")).into_response())
}

pub async fn close_goal(
    State(state): State<AppState>,
    Extension(user): Extension<MaybeUser>,
    Path((course_id, goal_id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let current = signed_in(&user)?;
    state
        .store
        .close_goal(&current.user.id, &goal_id, state.now())
        .await?;
    Ok(Redirect::to(&format!("/learn/{course_id}#goals")).into_response())
}

pub async fn set_interests(
    State(state): State<AppState>,
    Extension(user): Extension<MaybeUser>,
    Path(course_id): Path<String>,
    axum::extract::RawForm(body): axum::extract::RawForm,
) -> Result<Response, WebError> {
    let current = signed_in(&user)?;
    let course = state.course(&course_id).await?.ok_or(WebError::NotFound)?;
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let known: Vec<&String> = course
        .course
        .projects
        .iter()
        .flat_map(|p| &p.interests)
        .collect();
    let tags: Vec<String> = fields
        .into_iter()
        .filter(|(k, v)| k == "interest" && known.contains(&v))
        .map(|(_, v)| v)
        .collect();
    state.store.set_interests(&current.user.id, &tags).await?;
    Ok(Redirect::to(&format!("/learn/{course_id}#interests")).into_response())
}

// ---------------------------------------------------------------------------------------
// Skill map and projects

#[derive(Template, WebTemplate)]
#[template(path = "skill_map.html")]
struct SkillMapPage {
    layout: Layout,
    course_id: String,
    course_title: String,
    svg: String,
    locked: Vec<(String, String)>,
}

pub async fn skill_map(
    State(state): State<AppState>,
    Extension(user): Extension<MaybeUser>,
    Path(course_id): Path<String>,
) -> Result<Response, WebError> {
    let current = signed_in(&user)?;
    let course = state.course(&course_id).await?.ok_or(WebError::NotFound)?;
    let mastery = state
        .store
        .student_mastery(&current.user.id, &course_id)
        .await?;
    let overview = recommend::overview(&course.course, &statuses(&state, &course, &mastery));
    let href = |skill: &str| format!("/learn/{course_id}/skills/{skill}");
    let svg = skillmap::render_svg(&course.course, &overview, &href);
    let name = |id: &str| {
        course
            .course
            .skill(id)
            .map_or_else(|| id.to_string(), |s| s.name.clone())
    };
    let locked = overview
        .iter()
        .filter(|o| !o.start_with.is_empty())
        .map(|o| {
            (
                name(&o.skill),
                o.start_with
                    .iter()
                    .map(|s| name(s))
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        })
        .collect();
    Ok(SkillMapPage {
        layout: Layout::new("Skill map", Some(current), "/learn"),
        course_id: course_id.clone(),
        course_title: course.course.title.clone(),
        svg,
        locked,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "project.html")]
struct ProjectPage {
    layout: Layout,
    course_id: String,
    title: String,
    body_html: String,
    interests: String,
    group: String,
    skills: Vec<(String, String)>,
    rubric: Vec<(String, Vec<(u32, String)>)>,
    lessons: Vec<LessonLink>,
}

pub async fn project(
    State(state): State<AppState>,
    Extension(user): Extension<MaybeUser>,
    Path((course_id, project_id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let current = signed_in(&user)?;
    let course = state.course(&course_id).await?.ok_or(WebError::NotFound)?;
    let project = course
        .course
        .project(&project_id)
        .ok_or(WebError::NotFound)?;
    let group = if project.group_min == project.group_max {
        format!("{} students", project.group_min)
    } else {
        format!("{} to {} students", project.group_min, project.group_max)
    };
    Ok(ProjectPage {
        layout: Layout::new(project.title.clone(), Some(current), "/learn"),
        course_id: course_id.clone(),
        title: project.title.clone(),
        body_html: views::markdown(&course_id, &project.body),
        interests: project.interests.join(", "),
        group,
        skills: project
            .skills
            .iter()
            .map(|s| {
                (
                    s.clone(),
                    course
                        .course
                        .skill(s)
                        .map_or_else(|| s.clone(), |k| k.name.clone()),
                )
            })
            .collect(),
        rubric: project
            .rubric
            .iter()
            .map(|c| {
                (
                    c.name.clone(),
                    c.levels
                        .iter()
                        .map(|l| (l.points, l.description.clone()))
                        .collect(),
                )
            })
            .collect(),
        lessons: project
            .skills
            .iter()
            .flat_map(|s| lesson_links(&course, s))
            .filter(|l| l.offline)
            .collect(),
    }
    .into_response())
}

// ---------------------------------------------------------------------------------------
// Teachers

/// What a teacher sees of a student's path, and can change.
pub struct TeacherPathView {
    pub course_id: String,
    pub placement: String,
    pub options: Vec<OptionView>,
    pub goals: Vec<GoalView>,
    pub overrides: Vec<(String, String, String)>,
    pub activities: Vec<(String, String)>,
    pub class_id: String,
}

/// Every activity a teacher can pin or hide, as (`kind:id`, label).
pub fn activity_choices(course: &CourseVersion) -> Vec<(String, String)> {
    let c = &course.course;
    c.skills
        .iter()
        .map(|s| (format!("skill:{}", s.id), format!("Practice: {}", s.name)))
        .chain(c.lessons.iter().map(|l| {
            (
                format!("lesson:{}", l.id),
                format!("Lesson ({}): {}", l.modality.label(), l.title),
            )
        }))
        .chain(
            c.projects
                .iter()
                .map(|p| (format!("project:{}", p.id), format!("Project: {}", p.title))),
        )
        .collect()
}

fn describe_activity(course: &CourseVersion, activity: &str) -> String {
    parse_activity(activity)
        .map(|a| format!("{}: {}", activity_kind(&a), a.title(&course.course)))
        .unwrap_or_else(|| activity.to_string())
}

pub async fn teacher_path_view(
    state: &AppState,
    student_id: &str,
    class_id: &str,
    course: &CourseVersion,
) -> Result<TeacherPathView, WebError> {
    let path = student_path(state, student_id, course).await?;
    let options = option_views(
        course,
        &recommend::recommend(&course.course, &path.situation, recommend::DEFAULT_COUNT),
    );
    let placement = match state
        .store
        .placement_result(student_id, &course.course.id)
        .await?
    {
        Some(result) => {
            let known = result.beliefs.iter().filter(|(_, b)| *b >= 0.5).count();
            format!(
                "Placement check {}: {} questions; likely knew {} of {} skills.",
                views::ago(state.now(), result.at),
                result.questions,
                known,
                result.beliefs.len()
            )
        }
        None => "No placement check yet.".to_string(),
    };
    let overrides = state
        .store
        .overrides_for_student(student_id, &course.course.id)
        .await?
        .into_iter()
        .map(|o| {
            let scope = if o.student_id.is_some() {
                "this student"
            } else {
                "the whole class"
            };
            let action = match o.action {
                OverrideAction::Pin => "Pinned",
                OverrideAction::Hide => "Hidden",
            };
            (
                o.id,
                format!("{action} for {scope}"),
                describe_activity(course, &o.activity),
            )
        })
        .collect();
    Ok(TeacherPathView {
        course_id: course.course.id.clone(),
        placement,
        options,
        goals: goal_views(course, &path, state.now()),
        overrides,
        activities: activity_choices(course),
        class_id: class_id.to_string(),
    })
}

#[derive(Deserialize)]
pub struct OverrideForm {
    course_id: String,
    activity: String,
    action: String,
}

fn override_action(text: &str) -> Result<OverrideAction, WebError> {
    match text {
        "pin" => Ok(OverrideAction::Pin),
        "hide" => Ok(OverrideAction::Hide),
        other => Err(WebError::BadRequest(format!(
            "action `{other}`: use pin or hide"
        ))),
    }
}

async fn check_activity(state: &AppState, course_id: &str, activity: &str) -> Result<(), WebError> {
    let course = state
        .course(course_id)
        .await?
        .ok_or_else(|| WebError::BadRequest(format!("course `{course_id}` does not exist")))?;
    match parse_activity(activity) {
        Some(a)
            if !a.title(&course.course).is_empty()
                && activity_choices(&course).iter().any(|(v, _)| v == activity) =>
        {
            Ok(())
        }
        _ => Err(WebError::BadRequest(format!(
            "activity `{activity}` is not in course `{course_id}`"
        ))),
    }
}

pub async fn student_override(
    State(state): State<AppState>,
    Extension(user): Extension<MaybeUser>,
    Path(student_id): Path<String>,
    Form(form): Form<OverrideForm>,
) -> Result<Response, WebError> {
    let current = signed_in(&user)?;
    let action = override_action(&form.action)?;
    teaches_course(&state, &current.user.id, &form.course_id).await?;
    check_activity(&state, &form.course_id, &form.activity).await?;
    state
        .store
        .add_override(
            &form.course_id,
            None,
            Some(&student_id),
            &form.activity,
            action,
            &current.user.id,
        )
        .await?;
    Ok(Redirect::to(&format!("/students/{student_id}#path")).into_response())
}

pub async fn class_override(
    State(state): State<AppState>,
    Extension(user): Extension<MaybeUser>,
    Path(class_id): Path<String>,
    Form(form): Form<OverrideForm>,
) -> Result<Response, WebError> {
    let current = signed_in(&user)?;
    let action = override_action(&form.action)?;
    let class = state
        .store
        .class(&class_id)
        .await?
        .ok_or(WebError::NotFound)?;
    if class.course_id != form.course_id {
        return Err(WebError::BadRequest(
            "course_id: this class follows another course".into(),
        ));
    }
    check_activity(&state, &form.course_id, &form.activity).await?;
    state
        .store
        .add_override(
            &form.course_id,
            Some(&class_id),
            None,
            &form.activity,
            action,
            &current.user.id,
        )
        .await?;
    Ok(Redirect::to(&format!("/classes/{class_id}#path")).into_response())
}

/// Removes an override of this class or one of its students.
pub async fn remove_override(
    State(state): State<AppState>,
    Path((class_id, override_id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let class = state
        .store
        .class(&class_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let mine = state
        .store
        .overrides_for_class(&class_id, &class.course_id)
        .await?;
    if !mine.iter().any(|o| o.id == override_id) {
        return Err(WebError::NotFound);
    }
    state.store.remove_override(&override_id).await?;
    Ok(Redirect::to(&format!("/classes/{class_id}#path")).into_response())
}

async fn teaches_course(
    state: &AppState,
    teacher_id: &str,
    course_id: &str,
) -> Result<(), WebError> {
    let classes = state.store.classes_taught_by(teacher_id).await?;
    if classes.iter().any(|c| c.course_id == course_id) {
        Ok(())
    } else {
        Err(WebError::BadRequest(format!(
            "course_id: you teach no class following `{course_id}`"
        )))
    }
}

#[derive(Deserialize)]
pub struct TeacherGoalForm {
    course_id: String,
    #[serde(flatten)]
    goal: GoalForm,
}

pub async fn student_goal(
    State(state): State<AppState>,
    Extension(user): Extension<MaybeUser>,
    Path(student_id): Path<String>,
    Form(form): Form<TeacherGoalForm>,
) -> Result<Response, WebError> {
    let current = signed_in(&user)?;
    teaches_course(&state, &current.user.id, &form.course_id).await?;
    let course = state
        .course(&form.course_id)
        .await?
        .ok_or(WebError::NotFound)?;
    create_goal(&state, &course, &student_id, &current.user.id, &form.goal).await?;
    Ok(Redirect::to(&format!("/students/{student_id}#path")).into_response())
}

#[derive(Deserialize)]
pub struct PlacementCapForm {
    questions: i64,
}

pub async fn placement_cap(
    State(state): State<AppState>,
    Path(class_id): Path<String>,
    Form(form): Form<PlacementCapForm>,
) -> Result<Response, WebError> {
    state
        .store
        .set_placement_questions(&class_id, form.questions)
        .await
        .map_err(|e| match e {
            ownpace_storage::StoreError::Conflict(message) => WebError::BadRequest(message),
            other => other.into(),
        })?;
    Ok(Redirect::to(&format!("/classes/{class_id}#path")).into_response())
}
