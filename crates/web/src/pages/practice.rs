//! Practice pages: an item on a skill, the feedback after an answer, hints.
//! The loop itself (next item, grade, record, update) is `crate::practice`.

use crate::auth::CurrentUser;
use crate::auth::guard::{CourseInPath, Student};
use crate::layout::Layout;
use crate::practice::{self, Submission};
use crate::routing::{Access, Route, STUDENT, Subject, get, post};
use crate::views::{self, LessonLink, lesson_links, percent};
use crate::{AppState, WebError};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ownpace_core::course::{AnswerSpec, Item, Response as ItemResponse};
use ownpace_core::events::EventKind;
use ownpace_core::recommend::SkillState;
use ownpace_core::standing::{SkillView, Standing};
use ownpace_storage::CourseVersion;
use serde::Deserialize;

pub(crate) fn routes() -> Vec<Route> {
    let of_course = Access::Roles(STUDENT, Subject::Course("course"));
    vec![
        get("/learn/{course}/skills/{skill}", of_course, practice),
        post("/learn/{course}/items/{item}/answer", of_course, answer),
        post("/learn/{course}/items/{item}/hint", of_course, hint),
    ]
}

struct ChoiceView {
    index: usize,
    html: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "practice.html")]
struct PracticePage {
    layout: Layout,
    course_id: String,
    skill_id: String,
    skill_name: String,
    mastery: f64,
    mastery_text: String,
    /// The skill's state in words with what it needs ("in progress — 2 more correct in a row").
    mastery_phrase: String,
    item_id: String,
    prompt_html: String,
    choices: Vec<ChoiceView>,
    unit: String,
    hints_html: Vec<String>,
    more_hints: bool,
    key: String,
    /// The server's stamp of when the item was first shown (see `practice::measured`).
    served: String,
    error: String,
    /// What the student typed, kept when an answer could not be used.
    typed: String,
    locked_message: String,
    lessons: Vec<LessonLink>,
}

#[derive(Deserialize)]
pub struct PracticeQuery {
    item: Option<String>,
}

pub async fn practice(
    State(state): State<AppState>,
    Student(current): Student,
    CourseInPath(course): CourseInPath,
    Path((_, skill_id)): Path<(String, String)>,
    Query(query): Query<PracticeQuery>,
) -> Result<Response, WebError> {
    let course_id = course.course.id.clone();
    let skill = course.course.skill(&skill_id).ok_or(WebError::NotFound)?;
    let mastery = state
        .store
        .student_mastery(&current.user.id, &course_id)
        .await?;
    let statuses = crate::path::statuses(&state, &course, &mastery);
    let status = statuses.get(&skill.id).ok_or(WebError::NotFound)?;
    let answered = state
        .store
        .answered_items(&current.user.id, &course_id)
        .await?;
    // A pilot's post-test items are never served in practice to its members.
    let held_out = state
        .store
        .held_out_items(&current.user.id, &course_id)
        .await?;
    let item = match query.item.as_deref().and_then(|id| course.course.item(id)) {
        Some(item) if item.skills.contains(&skill_id) && !held_out.contains(item.id.as_str()) => {
            Some(item)
        }
        _ => ownpace_core::practice::next_item_except(
            &course.course,
            &skill_id,
            &answered,
            &held_out,
        ),
    };
    let carried = match item {
        Some(item) => Some(fresh_carry(&state, &current, item).await?),
        None => None,
    };
    let carried = carried
        .as_ref()
        .map(|(key, served)| (key.as_str(), served.as_str()));
    let mut page = practice_page(&current, &course, &skill_id, item, 0, carried, "")?;
    let (_, variant) = crate::pilots::path_condition(&state, &current.user.id, &course_id).await?;
    page.lessons = lesson_links(&course, &skill_id, variant.as_deref());
    page.show(&status.view);
    if let SkillState::Locked { missing } = &status.state {
        let names: Vec<&str> = missing
            .iter()
            .map(|m| {
                course
                    .course
                    .skill(m)
                    .map_or(m.as_str(), |s| s.name.as_str())
            })
            .collect();
        page.locked_message = format!(
            "This skill builds on {}. You can try it now, but mastering those first will make it easier.",
            names.join(", ")
        );
    }
    Ok(page.into_response())
}

/// A new idempotency key and the server's stamp for showing `item` now.
async fn fresh_carry(
    state: &AppState,
    current: &CurrentUser,
    item: &Item,
) -> Result<(String, String), WebError> {
    let served = practice::served_stamp(
        state,
        current.user.id.as_str(),
        &format!("item:{}", item.id),
    )
    .await?;
    Ok((uuid::Uuid::new_v4().to_string(), served))
}

/// Builds the practice page for one item; `key` and `served` carry over when the page is
/// shown again (after a hint or an incomplete answer).
#[allow(clippy::too_many_arguments)]
fn practice_page(
    current: &CurrentUser,
    course: &CourseVersion,
    skill_id: &str,
    item: Option<&Item>,
    hints_shown: usize,
    carried: Option<(&str, &str)>,
    error: &str,
) -> Result<PracticePage, WebError> {
    let skill = course.course.skill(skill_id).ok_or(WebError::NotFound)?;
    let md = |text: &str| views::markdown(course.course.id.as_str(), text);
    let (key, served) = carried.map_or((String::new(), String::new()), |(key, served)| {
        (key.to_string(), served.to_string())
    });
    let (item_id, prompt_html, choices, unit, hints_html, more_hints) = match item {
        None => (
            String::new(),
            String::new(),
            vec![],
            String::new(),
            vec![],
            false,
        ),
        Some(item) => {
            let choices = match &item.answer {
                AnswerSpec::Choice { choices } => choices
                    .iter()
                    .enumerate()
                    .map(|(index, c)| ChoiceView {
                        index,
                        html: md(&c.text),
                    })
                    .collect(),
                _ => vec![],
            };
            let unit = match &item.answer {
                AnswerSpec::Numeric {
                    unit: Some(unit), ..
                } => unit.clone(),
                _ => String::new(),
            };
            let shown = hints_shown.min(item.hints.len());
            (
                item.id.to_string(),
                md(&item.prompt),
                choices,
                unit,
                item.hints[..shown].iter().map(|h| md(h)).collect(),
                shown < item.hints.len(),
            )
        }
    };
    Ok(PracticePage {
        layout: Layout::new(format!("Practice: {}", skill.name), Some(current), "/learn"),
        course_id: course.course.id.to_string(),
        skill_id: skill_id.to_string(),
        skill_name: skill.name.clone(),
        mastery: 0.0,
        mastery_text: String::new(),
        mastery_phrase: String::new(),
        item_id,
        prompt_html,
        choices,
        unit,
        hints_html,
        more_hints,
        key,
        served,
        error: error.to_string(),
        typed: String::new(),
        locked_message: String::new(),
        lessons: lesson_links(course, skill_id, None),
    })
}

impl PracticePage {
    /// Shows the skill's one number and state (`standing::view`): no number when not
    /// started.
    fn show(&mut self, view: &SkillView) {
        self.mastery = view.value.unwrap_or(0.0);
        self.mastery_text = view
            .value
            .map_or_else(|| "not started".to_string(), percent);
        self.mastery_phrase = view.phrase.clone();
    }
}

#[derive(Deserialize)]
pub struct AnswerForm {
    skill: String,
    key: String,
    #[serde(default)]
    served: String,
    #[serde(default)]
    hints: usize,
    #[serde(default)]
    response: String,
}

struct MasteryChange {
    skill_name: String,
    after: f64,
    before_text: String,
    after_text: String,
    now_mastered: bool,
    /// The state after the answer, in words.
    state: &'static str,
    /// What changed, when it needs saying ("Review passed: …").
    note: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "feedback.html")]
struct FeedbackPage {
    layout: Layout,
    course_id: String,
    skill_id: String,
    correct: bool,
    feedback_html: String,
    your_answer: String,
    correct_answer: String,
    explanation_html: String,
    prompt_html: String,
    changes: Vec<MasteryChange>,
}

/// The item in the path and the skill it is practised on: the form's skill when the item
/// is tagged with it, else the item's first skill.
fn item_on_skill<'a>(
    course: &'a CourseVersion,
    item_id: &str,
    skill: &str,
) -> Result<(&'a Item, String), WebError> {
    let item = course.course.item(item_id).ok_or(WebError::NotFound)?;
    let skill = if item.skills.iter().any(|s| s == skill) {
        skill.to_string()
    } else {
        item.skills.first().cloned().ok_or(WebError::NotFound)?
    };
    Ok((item, skill))
}

pub async fn answer(
    State(state): State<AppState>,
    Student(current): Student,
    CourseInPath(course): CourseInPath,
    Path((_, item_id)): Path<(String, String)>,
    Form(form): Form<AnswerForm>,
) -> Result<Response, WebError> {
    let course_id = course.course.id.clone();
    let (item, skill_id) = item_on_skill(&course, &item_id, &form.skill)?;
    practice::check_key(&form.key)?;
    let duration_ms = practice::measured(
        &state,
        current.user.id.as_str(),
        &format!("item:{}", item.id),
        &form.served,
        practice::MAX_ITEM_MS,
    )
    .await?;
    let submitted = match practice::parse_response(item, &form.response) {
        Ok(response) => {
            practice::submit(
                &state,
                Submission {
                    student_id: &current.user.id,
                    course: &course,
                    item,
                    response,
                    idempotency_key: &form.key,
                    duration_ms,
                },
            )
            .await
        }
        Err(error) => Err(error),
    };
    let outcome = match submitted {
        Ok(outcome) => outcome,
        // The same item again, with what was typed and what is expected; nothing graded.
        Err(WebError::BadRequest(message) | WebError::NotUnderstood { message, .. }) => {
            let mut page = practice_page(
                &current,
                &course,
                &skill_id,
                Some(item),
                form.hints,
                Some((&form.key, &form.served)),
                &message,
            )?;
            page.typed = form
                .response
                .chars()
                .take(ownpace_core::practice::MAX_ANSWER_BYTES)
                .collect();
            let mastery = state
                .store
                .student_mastery(&current.user.id, &course_id)
                .await?;
            page.show(&crate::path::skill_view(
                &state,
                mastery.iter().find(|m| m.skill_id == skill_id),
            ));
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
        Err(other) => return Err(other),
    };
    let md = |text: &str| views::markdown(course_id.as_str(), text);
    let your_answer = match (&outcome.response, &item.answer) {
        (ItemResponse::Choice(i), AnswerSpec::Choice { choices }) => {
            choices.get(*i).map(|c| c.text.clone()).unwrap_or_default()
        }
        (ItemResponse::Text(text), _) => text.clone(),
        _ => String::new(),
    };
    let correct_answer = correct_answer_text(item);
    let changes = outcome
        .mastery
        .iter()
        .map(|m| MasteryChange {
            skill_name: course
                .course
                .skill(&m.skill)
                .map_or(m.skill.clone(), |s| s.name.clone()),
            after: m.shown.after,
            before_text: m
                .shown
                .before
                .map_or_else(|| "not started".to_string(), percent),
            after_text: percent(m.shown.after),
            // Became mastered with this answer (the record can complete above the
            // threshold, so the numbers alone cannot tell).
            now_mastered: m.shown.standing == Standing::Mastered
                && m.shown
                    .note
                    .as_deref()
                    .is_some_and(|n| n.starts_with("Mastered") || n.starts_with("Placement")),
            state: m.shown.standing.word(),
            note: m.shown.note.clone().unwrap_or_default(),
        })
        .collect();
    Ok(FeedbackPage {
        layout: Layout::new(
            if outcome.grade.correct {
                "Correct"
            } else {
                "Not quite"
            },
            Some(&current),
            "/learn",
        ),
        course_id: course_id.to_string(),
        skill_id,
        correct: outcome.grade.correct,
        feedback_html: md(&outcome.grade.feedback),
        your_answer,
        correct_answer,
        explanation_html: md(&item.explanation),
        prompt_html: md(&item.prompt),
        changes,
    }
    .into_response())
}

fn correct_answer_text(item: &Item) -> String {
    match &item.answer {
        AnswerSpec::Choice { choices } => choices
            .iter()
            .find(|c| c.correct)
            .map(|c| c.text.clone())
            .unwrap_or_default(),
        AnswerSpec::Numeric { value, unit, .. } => {
            let number = if value.fract() == 0.0 {
                format!("{value:.0}")
            } else {
                format!("{value}")
            };
            match unit {
                Some(u) => format!("{number} {u}"),
                None => number,
            }
        }
        AnswerSpec::Text { accepted, .. } => accepted.first().cloned().unwrap_or_default(),
    }
}

#[derive(Deserialize)]
pub struct HintForm {
    skill: String,
    key: String,
    #[serde(default)]
    served: String,
    #[serde(default)]
    hints: usize,
}

pub async fn hint(
    State(state): State<AppState>,
    Student(current): Student,
    CourseInPath(course): CourseInPath,
    Path((_, item_id)): Path<(String, String)>,
    Form(form): Form<HintForm>,
) -> Result<Response, WebError> {
    let course_id = course.course.id.clone();
    let (item, skill_id) = item_on_skill(&course, &item_id, &form.skill)?;
    practice::check_key(&form.key)?;
    let shown = (form.hints + 1).min(item.hints.len());
    practice::record_interaction(
        &state,
        &current.user.id,
        &course,
        practice::Interaction {
            kind: EventKind::Hint,
            skills: &item.skills,
            item_id: Some(item.id.as_str()),
            idempotency_key: &format!("{}:hint:{shown}", form.key),
            duration_ms: None,
        },
    )
    .await?;
    let mut page = practice_page(
        &current,
        &course,
        &skill_id,
        Some(item),
        shown,
        Some((&form.key, &form.served)),
        "",
    )?;
    let mastery = state
        .store
        .student_mastery(&current.user.id, &course_id)
        .await?;
    page.show(&crate::path::skill_view(
        &state,
        mastery.iter().find(|m| m.skill_id == skill_id),
    ));
    Ok(page.into_response())
}
