//! The student's own pages: their courses, a course's next steps and skills, lessons,
//! goals and interests, the skill map and project briefs.

use crate::auth::guard::{CourseInPath, Student};
use crate::layout::Layout;
use crate::path::{GoalForm, create_goal, statuses};
use crate::practice;
use crate::routing::{Access, Route, STUDENT, Subject, get, post};
use crate::views::{self, LessonLink, lesson_links, percent};
use crate::{AppState, WebError};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use ownpace_core::course::Modality;
use ownpace_core::events::EventKind;
use ownpace_core::ids::GoalId;
use ownpace_core::recommend::{self, SkillState};
use ownpace_core::skillmap;
use serde::Deserialize;
use std::collections::HashMap;

pub(crate) fn routes() -> Vec<Route> {
    let of_course = Access::Roles(STUDENT, Subject::Course("course"));
    vec![
        get(
            "/learn",
            Access::Roles(STUDENT, Subject::None),
            student_home,
        ),
        get("/learn/{course}", of_course, student_course),
        get("/learn/{course}/lessons/{lesson}", of_course, lesson),
        post(
            "/learn/{course}/lessons/{lesson}/done",
            of_course,
            lesson_done,
        ),
        get("/learn/{course}/map", of_course, skill_map),
        get("/learn/{course}/projects/{project}", of_course, project),
        post("/learn/{course}/goals", of_course, add_goal),
        post("/learn/{course}/goals/{goal}/close", of_course, close_goal),
        post("/learn/{course}/interests", of_course, set_interests),
    ]
}

struct CourseLink {
    id: String,
    title: String,
    class_name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "student_home.html")]
struct StudentHome {
    layout: Layout,
    courses: Vec<CourseLink>,
    meter: crate::screen::Meter,
}

pub async fn student_home(
    State(state): State<AppState>,
    Student(current): Student,
) -> Result<Response, WebError> {
    let classes = state.store.classes_of_student(&current.user.id).await?;
    if let [only] = classes.as_slice() {
        return Ok(Redirect::to(&format!("/learn/{}", only.course_id)).into_response());
    }
    let mut courses = Vec::new();
    for class in classes {
        if let Some(course) = state.course(&class.course_id).await? {
            courses.push(CourseLink {
                id: class.course_id.into_string(),
                title: course.course.title.clone(),
                class_name: class.name,
            });
        }
    }
    let meter = crate::screen::meter(&crate::screen::standing(&state, &current.user.id).await?);
    Ok(StudentHome {
        layout: Layout::new("My learning", Some(&current), "/learn"),
        courses,
        meter,
    }
    .into_response())
}

struct SkillCard {
    id: String,
    name: String,
    description: String,
    state: &'static str,
    state_label: &'static str,
    mastery: f64,
    mastery_text: String,
    /// The skill has a number to show (`standing::view`: none when not started).
    has_number: bool,
    /// The state in words with what it needs, from `standing::view`.
    phrase: String,
    attempts: u32,
    unlock_hint: String,
    lessons: Vec<LessonLink>,
}

#[derive(Template, WebTemplate)]
#[template(path = "student_course.html")]
struct StudentCourse {
    layout: Layout,
    /// The student's classes in this course (id, name): each has a check-in page.
    checkin_classes: Vec<(String, String)>,
    /// The student's project rounds and groups in this course: (href, words).
    project_links: Vec<(String, String)>,
    course_id: String,
    course_title: String,
    mastered_count: usize,
    skill_count: usize,
    continuing: Vec<SkillCard>,
    ready: Vec<SkillCard>,
    mastered: Vec<SkillCard>,
    locked: Vec<SkillCard>,
    path: crate::path::HomePath,
    /// Goals a teacher declined in the last two weeks: (title, who and when, comment).
    declined: Vec<(String, String, String)>,
    hand: super::hands::HandView,
    /// The student's assignments in this course, newest first.
    assignments: Vec<crate::assignments::StudentAssignment>,
    /// Open post-tests of the student's pilots: (href, question count in words).
    post_tests: Vec<(String, String)>,
    flash: crate::flash::Flash,
}

/// How long a declined goal stays on the course page with the teacher's comment.
const DECLINED_SHOWN_MS: i64 = 14 * 86_400_000;

pub async fn student_course(
    State(state): State<AppState>,
    Student(current): Student,
    CourseInPath(course): CourseInPath,
) -> Result<Response, WebError> {
    let course_id = course.course.id.clone();
    let path = crate::path::home_path(&state, &current.user.id, &course).await?;
    let statuses = &path.statuses;
    let now = state.now();
    let declined_goals = state
        .store
        .declined_goals(&current.user.id, &course_id, now - DECLINED_SHOWN_MS)
        .await?;
    let people = crate::path::goal_people(&state, &declined_goals, Some(&current.user.id)).await?;
    let declined = declined_goals
        .iter()
        .map(|g| {
            (
                g.title.clone(),
                crate::path::goal_standing(g, &people, now),
                g.review
                    .as_ref()
                    .map(|r| r.comment.clone())
                    .unwrap_or_default(),
            )
        })
        .collect();
    let hand = super::hands::hand_view(&state, &current.user.id, &course).await?;
    let facts = crate::assignments::facts_with(&state, &current.user.id, &course, statuses).await?;
    let assignments =
        crate::assignments::student_list(&state, &current.user.id, &course, &facts).await?;
    let flash = crate::flash::take(&state, &current, &format!("/learn/{course_id}")).await?;
    let names: HashMap<&str, &str> = course
        .course
        .skills
        .iter()
        .map(|s| (s.id.as_str(), s.name.as_str()))
        .collect();
    let (_, variant) = crate::pilots::path_condition(&state, &current.user.id, &course_id).await?;
    let post_tests = crate::post_test::open_for(&state, &current.user.id, &course_id).await?;
    let (mut continuing, mut ready, mut mastered, mut locked) = (vec![], vec![], vec![], vec![]);
    for skill in &course.course.skills {
        let Some(status) = statuses.get(&skill.id) else {
            continue;
        };
        let p = status.view.value.unwrap_or(0.0);
        let unlock_hint = match &status.state {
            SkillState::Locked { missing } => format!(
                "Unlocks when you master: {}",
                missing
                    .iter()
                    .map(|m| names.get(m.as_str()).copied().unwrap_or(m))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            _ => String::new(),
        };
        let card = SkillCard {
            id: skill.id.clone(),
            name: skill.name.clone(),
            description: skill.description.clone(),
            state: views::state_css(&status.state),
            state_label: views::state_label(&status.state),
            mastery: p,
            mastery_text: status.view.value.map_or_else(String::new, percent),
            has_number: status.view.value.is_some(),
            phrase: status.view.phrase.clone(),
            attempts: status.attempts,
            unlock_hint,
            lessons: lesson_links(&course, &skill.id, variant.as_deref()),
        };
        match status.state {
            SkillState::InProgress => continuing.push(card),
            SkillState::Ready => ready.push(card),
            SkillState::Mastered => mastered.push(card),
            SkillState::Locked { .. } => locked.push(card),
        }
    }
    let checkin_classes = state
        .store
        .classes_of_student(&current.user.id)
        .await?
        .into_iter()
        .filter(|c| c.course_id == course.course.id)
        .map(|c| (c.id.into_string(), c.name))
        .collect();
    let project_links =
        crate::projects::student_round_links(&state, &current.user.id, &course.course.id).await?;
    Ok(StudentCourse {
        post_tests,
        checkin_classes,
        project_links,
        layout: Layout::new(course.course.title.clone(), Some(&current), "/learn"),
        course_id: course_id.into_string(),
        course_title: course.course.title.clone(),
        mastered_count: mastered.len(),
        skill_count: course.course.skills.len(),
        continuing,
        ready,
        mastered,
        locked,
        path,
        declined,
        hand,
        assignments,
        flash,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "lesson.html")]
struct LessonPage {
    layout: Layout,
    course_id: String,
    lesson_id: String,
    title: String,
    modality: &'static str,
    offline: bool,
    minutes: u32,
    body_html: String,
    media_url: String,
    media_is_video: bool,
    skills: Vec<(String, String)>,
    /// The server's stamp of when the lesson was served (see `practice::measured`).
    served: String,
    key: String,
}

pub async fn lesson(
    State(state): State<AppState>,
    Student(current): Student,
    CourseInPath(course): CourseInPath,
    Path((_, lesson_id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let course_id = course.course.id.clone();
    let lesson = course.course.lesson(&lesson_id).ok_or(WebError::NotFound)?;
    let media = lesson.media.clone().unwrap_or_default();
    let served = practice::served_stamp(
        &state,
        current.user.id.as_str(),
        &format!("lesson:{}", lesson.id),
    )
    .await?;
    Ok(LessonPage {
        layout: Layout::new(lesson.title.clone(), Some(&current), "/learn"),
        course_id: course_id.to_string(),
        lesson_id,
        title: lesson.title.clone(),
        modality: lesson.modality.label(),
        offline: lesson.modality.is_offline(),
        minutes: lesson.minutes,
        body_html: views::markdown(course_id.as_str(), &lesson.body),
        media_is_video: media.ends_with(".mp4") || media.ends_with(".webm"),
        media_url: if media.is_empty() {
            media
        } else {
            format!("/courses/{course_id}/media/{media}")
        },
        skills: lesson
            .skills
            .iter()
            .map(|s| {
                (
                    s.clone(),
                    course.course.skill(s).map_or(s.clone(), |k| k.name.clone()),
                )
            })
            .collect(),
        served,
        key: uuid::Uuid::new_v4().to_string(),
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct LessonDoneForm {
    #[serde(default)]
    served: String,
    key: String,
}

pub async fn lesson_done(
    State(state): State<AppState>,
    Student(current): Student,
    CourseInPath(course): CourseInPath,
    Path((_, lesson_id)): Path<(String, String)>,
    Form(form): Form<LessonDoneForm>,
) -> Result<Response, WebError> {
    let course_id = course.course.id.clone();
    let lesson = course.course.lesson(&lesson_id).ok_or(WebError::NotFound)?;
    let kind = if lesson.modality == Modality::Group || lesson.modality == Modality::HandsOn {
        EventKind::OfflineActivity
    } else {
        EventKind::Lesson
    };
    practice::check_key(&form.key)?;
    // Time on the lesson is measured by the server, from when it served the page; a long
    // absence counts at most twice the lesson's stated length (at least 10 minutes).
    let cap = (i64::from(lesson.minutes) * 2 * 60_000).clamp(10 * 60_000, practice::MAX_LESSON_MS);
    let duration_ms = practice::measured(
        &state,
        current.user.id.as_str(),
        &format!("lesson:{}", lesson.id),
        &form.served,
        cap,
    )
    .await?;
    practice::record_interaction(
        &state,
        &current.user.id,
        &course,
        practice::Interaction {
            kind,
            skills: &lesson.skills,
            item_id: Some(&lesson.id),
            idempotency_key: &form.key,
            duration_ms,
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/learn/{course_id}")).into_response())
}

pub async fn add_goal(
    State(state): State<AppState>,
    Student(current): Student,
    CourseInPath(course): CourseInPath,
    Form(form): Form<GoalForm>,
) -> Result<Response, WebError> {
    let location = format!("/learn/{}#goals", course.course.id);
    let result = async {
        let (title, _, _, due) = crate::path::goal_from_form(&course, &form, state.now())?;
        create_goal(&state, &course, &current.user.id, &current.user.id, &form).await?;
        Ok(crate::flash::Flash::success(format!(
            "Goal proposed: {title}, by {}. Your teacher will agree to it or suggest a change",
            views::date(due, state.now())
        )))
    }
    .await;
    let (title, target, due) = form.input();
    crate::flash::finish(
        &state,
        &current,
        &location,
        result,
        "goal",
        [("title", title), ("target", target), ("due", due)],
    )
    .await
}

pub async fn close_goal(
    State(state): State<AppState>,
    Student(current): Student,
    CourseInPath(course): CourseInPath,
    Path((_, goal_id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let course_id = course.course.id.clone();
    state
        .store
        .close_goal(&current.user.id, &GoalId::new(goal_id), state.now())
        .await?;
    Ok(Redirect::to(&format!("/learn/{course_id}#goals")).into_response())
}

pub async fn set_interests(
    State(state): State<AppState>,
    Student(current): Student,
    CourseInPath(course): CourseInPath,
    axum::extract::RawForm(body): axum::extract::RawForm,
) -> Result<Response, WebError> {
    let course_id = course.course.id.clone();
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
    Student(current): Student,
    CourseInPath(course): CourseInPath,
) -> Result<Response, WebError> {
    let course_id = course.course.id.clone();
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
        layout: Layout::new("Skill map", Some(&current), "/learn"),
        course_id: course_id.to_string(),
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
    Student(current): Student,
    CourseInPath(course): CourseInPath,
    Path((_, project_id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let course_id = course.course.id.clone();
    let (_, variant) = crate::pilots::path_condition(&state, &current.user.id, &course_id).await?;
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
        layout: Layout::new(project.title.clone(), Some(&current), "/learn"),
        course_id: course_id.to_string(),
        title: project.title.clone(),
        body_html: views::markdown(course_id.as_str(), &project.body),
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
            .flat_map(|s| lesson_links(&course, s, variant.as_deref()))
            .filter(|l| l.offline)
            .collect(),
    }
    .into_response())
}
