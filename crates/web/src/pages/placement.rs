//! The placement check (SPEC C3): one question at a time, chosen by the core's
//! knowledge-state placement from the answers stored so far, then the result seeds mastery.

use crate::auth::guard::{CourseInPath, Student};
use crate::layout::Layout;
use crate::practice;
use crate::routing::{Access, Route, STUDENT, Subject, get, post};
use crate::views;
use crate::{AppState, WebError};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, State};
use axum::response::{IntoResponse, Redirect, Response};
use ownpace_core::course::{AnswerSpec, Item, grade};
use ownpace_core::ids::{CourseId, UserId};
use ownpace_core::placement::{Placement, PlacementConfig};
use ownpace_storage::{AnswerRecord, CourseVersion, PlacementRecord};
use serde::Deserialize;

pub(crate) fn routes() -> Vec<Route> {
    let of_course = Access::Roles(STUDENT, Subject::Course("course"));
    vec![
        get("/learn/{course}/placement", of_course, placement),
        post(
            "/learn/{course}/placement/answer",
            of_course,
            placement_answer,
        ),
    ]
}

async fn placement_config(
    state: &AppState,
    student_id: &UserId,
    course_id: &CourseId,
) -> Result<PlacementConfig, WebError> {
    let class = state
        .store
        .classes_of_student(student_id)
        .await?
        .into_iter()
        .find(|c| c.course_id == *course_id);
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
    /// The server's stamp of when the question was served (see `practice::measured`).
    served: String,
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
    Student(current): Student,
    CourseInPath(course): CourseInPath,
) -> Result<Response, WebError> {
    let course_id = course.course.id.clone();
    let student = &current.user.id;
    // A running pilot's condition may turn the check off: back to the course page, as
    // for a student who is never offered it (issue 12, point 5).
    if !crate::pilots::placement_offered(&state, student).await? {
        return Ok(Redirect::to(&format!("/learn/{course_id}")).into_response());
    }
    let answers = state.store.placement_answers(student, &course_id).await?;
    let config = placement_config(&state, student, &course_id).await?;
    let max_questions = config.max_questions;
    let check = Placement::replay(&course.course, config, &answers)
        .map_err(|e| WebError::Internal(format!("stored placement answers do not replay: {e}")))?;
    let mut page = PlacementPage {
        layout: Layout::new("Placement check", Some(&current), "/learn"),
        course_id: course_id.to_string(),
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
        served: String::new(),
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
            page.item_id = item.id.to_string();
            page.served =
                practice::served_stamp(&state, student.as_str(), &format!("item:{}", item.id))
                    .await?;
            page.prompt_html = views::markdown(course_id.as_str(), &item.prompt);
            if let AnswerSpec::Choice { choices } = &item.answer {
                page.choices = choices
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (i, views::markdown(course_id.as_str(), &c.text)))
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
                    &PlacementRecord {
                        at: state.now(),
                        beliefs: check.beliefs(),
                        questions: check.questions_asked(),
                    },
                    |skill| state.bkt_params(skill),
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
    #[serde(default)]
    served: String,
    #[serde(default)]
    response: String,
    /// Set by the "I don't know yet" button.
    #[serde(default)]
    dont_know: String,
}

pub async fn placement_answer(
    State(state): State<AppState>,
    Student(current): Student,
    CourseInPath(course): CourseInPath,
    Form(form): Form<PlacementAnswerForm>,
) -> Result<Response, WebError> {
    let course_id = course.course.id.clone();
    if !crate::pilots::placement_offered(&state, &current.user.id).await? {
        // Placement is off for this student: nothing is recorded.
        return Ok(Redirect::to(&format!("/learn/{course_id}")).into_response());
    }
    let item = course.course.item(&form.item).ok_or(WebError::NotFound)?;
    practice::check_key(&form.key)?;
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
    let duration_ms = practice::measured(
        &state,
        current.user.id.as_str(),
        &format!("item:{}", item.id),
        &form.served,
        practice::MAX_ITEM_MS,
    )
    .await?;
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
            duration_ms,
            idempotency_key: &format!("placement:{}", form.key),
        })
        .await?;
    Ok(Redirect::to(&format!("/learn/{course_id}/placement")).into_response())
}
