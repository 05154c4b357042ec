//! A pilot's post-test of held-out items (issue 12, point 5). When a pilot whose outcome
//! is the post-test starts, `ownpace_core::pilot::post_test::hold_out` draws the items
//! (from the pilot's seed, frozen with the plan); its members never get them in practice
//! (`Store::held_out_items`, used by the practice page and the API's next item). Once the
//! planned days are over, or the pilot is finished, each member finds the post-test on
//! the course page: one held-out item at a time, graded by the normal grader, the time
//! measured by the server, stored as a `post-test-answer` event that moves no mastery.
//! The outcome is the share answered correctly, recomputed from those events whenever
//! the pilot or its report is shown; a teacher's paper-test score overrides it.

use crate::auth::guard::{CourseInPath, Student};
use crate::layout::Layout;
use crate::practice;
use crate::routing::{Access, Route, STUDENT, Subject, get, post};
use crate::views;
use crate::{AppState, WebError};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use ownpace_core::course::{AnswerSpec, grade};
use ownpace_core::ids::{CourseId, UserId};
use ownpace_core::pilot::post_test;
use ownpace_storage::AnswerRecord;
use ownpace_storage::pilots::{Outcome, Pilot, PilotMember, PilotStatus};
use serde::Deserialize;
use std::collections::HashSet;

pub(crate) fn routes() -> Vec<Route> {
    let of_course = Access::Roles(STUDENT, Subject::Course("course"));
    vec![
        get("/learn/{course}/post-test/{pilot}", of_course, page),
        post(
            "/learn/{course}/post-test/{pilot}/answer",
            of_course,
            answer,
        ),
    ]
}

/// The items a pilot that starts now with `seed` holds out: none unless its outcome is
/// the post-test.
pub async fn hold_out(state: &AppState, pilot: &Pilot, seed: u64) -> Result<Vec<String>, WebError> {
    if pilot.plan.outcome != Outcome::PostTest || pilot.plan.post_test_per_skill <= 0 {
        return Ok(Vec::new());
    }
    let course = state
        .course(&pilot.course_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let per_skill = usize::try_from(pilot.plan.post_test_per_skill).unwrap_or(0);
    Ok(post_test::hold_out(&course.course, per_skill, seed))
}

/// Whether the post-test is open: the outcome is the post-test, items were held out, and
/// the planned days are over or the pilot is finished.
pub fn is_open(pilot: &Pilot, now: i64) -> bool {
    pilot.plan.outcome == Outcome::PostTest
        && !pilot.held_out.is_empty()
        && match pilot.status {
            PilotStatus::Draft => false,
            PilotStatus::Running => pilot.ends_at().is_some_and(|end| now >= end),
            PilotStatus::Finished => true,
        }
}

/// The post-test in words for the pilot's page.
pub fn words(pilot: &Pilot) -> String {
    match (pilot.status, pilot.held_out.len()) {
        (PilotStatus::Draft, _) => format!(
            "When the pilot starts, {} items per skill are held out of practice for the post-test.",
            pilot.plan.post_test_per_skill
        ),
        (_, 0) => {
            "No items were held out when the pilot started, so there is no post-test to take."
                .into()
        }
        (_, n) => format!(
            "{n} items were held out of practice when the pilot started (drawn from its seed). Students take the post-test on their course page once the planned days are over or the pilot is finished."
        ),
    }
}

/// How the report's post-test scores were obtained.
pub fn report_words(pilot: &Pilot, members: &[PilotMember]) -> String {
    if pilot.plan.outcome != Outcome::PostTest {
        return String::new();
    }
    let paper = members
        .iter()
        .filter(|m| m.opted_out_at.is_none() && m.paper_score.is_some())
        .count();
    format!(
        "Post-test scores are the share of the {} held-out items each student answered correctly in Ownpace{}. Students with no answers count as attrition.",
        pilot.held_out.len(),
        if paper > 0 {
            format!(
                "; {paper} {} a paper test, entered by the teacher",
                if paper == 1 {
                    "student took"
                } else {
                    "students took"
                }
            )
        } else {
            String::new()
        }
    )
}

/// A member's post-test score: the paper test's when entered, else the share of the
/// held-out items answered correctly since the start (`None`: no answers, or opted out).
pub async fn member_score(
    state: &AppState,
    pilot: &Pilot,
    member: &PilotMember,
) -> Result<Option<f64>, WebError> {
    if member.opted_out_at.is_some() {
        return Ok(None);
    }
    if member.paper_score.is_some() {
        return Ok(member.paper_score);
    }
    let answers = state
        .store
        .post_test_answers(
            &member.student_id,
            &pilot.course_id,
            pilot.started_at.unwrap_or(0),
        )
        .await?;
    Ok(post_test::score(&pilot.held_out, &answers))
}

/// For a started pilot whose outcome is the post-test: recomputes every member's score
/// from the events (and paper tests), stores what changed and answers the members as
/// stored now. Other pilots: the members as given.
pub async fn refresh(
    state: &AppState,
    pilot: &Pilot,
    members: Vec<PilotMember>,
) -> Result<Vec<PilotMember>, WebError> {
    if pilot.plan.outcome != Outcome::PostTest || pilot.status == PilotStatus::Draft {
        return Ok(members);
    }
    let mut changed = Vec::new();
    let mut out = Vec::with_capacity(members.len());
    for mut m in members {
        // An erased student's row lives on under a pseudonym without their events: it
        // keeps the score it had, so the report keeps its numbers.
        if state.store.user(&m.student_id).await?.is_none() {
            out.push(m);
            continue;
        }
        let score = member_score(state, pilot, &m).await?;
        if score != m.outcome {
            changed.push((m.student_id.clone(), score));
            m.outcome = score;
        }
        out.push(m);
    }
    if !changed.is_empty() {
        state.store.set_pilot_outcomes(&pilot.id, &changed).await?;
    }
    Ok(out)
}

/// The student's pilot whose post-test they may take now in `course` (`None`: no such
/// pilot, not a member, opted out, or the post-test is not open).
async fn open_pilot(
    state: &AppState,
    student: &UserId,
    course_id: &CourseId,
    pilot_id: &str,
) -> Result<Option<Pilot>, WebError> {
    let now = state.now();
    if pilot_id.len() > 64 {
        return Ok(None);
    }
    Ok(state
        .store
        .pilots_of_student(student)
        .await?
        .into_iter()
        .find(|(p, m)| {
            p.id == pilot_id
                && p.course_id == *course_id
                && m.opted_out_at.is_none()
                && is_open(p, now)
        })
        .map(|(p, _)| p))
}

/// The post-tests a student can take now in a course: (link, what is left in words).
pub async fn open_for(
    state: &AppState,
    student: &UserId,
    course_id: &CourseId,
) -> Result<Vec<(String, String)>, WebError> {
    let now = state.now();
    let mut out = Vec::new();
    for (pilot, member) in state.store.pilots_of_student(student).await? {
        if pilot.course_id != *course_id || member.opted_out_at.is_some() || !is_open(&pilot, now) {
            continue;
        }
        let answered = answered(state, student, &pilot).await?;
        let left = pilot
            .held_out
            .iter()
            .filter(|i| !answered.contains(i.as_str()))
            .count();
        if left > 0 {
            out.push((
                format!("/learn/{course_id}/post-test/{}", pilot.id),
                format!("{left} of {} questions left", pilot.held_out.len()),
            ));
        }
    }
    Ok(out)
}

/// The held-out items a student answered in the post-test since the pilot started.
async fn answered(
    state: &AppState,
    student: &UserId,
    pilot: &Pilot,
) -> Result<HashSet<String>, WebError> {
    Ok(state
        .store
        .post_test_answers(student, &pilot.course_id, pilot.started_at.unwrap_or(0))
        .await?
        .into_iter()
        .map(|(item, _)| item)
        .collect())
}

#[derive(Template, WebTemplate)]
#[template(path = "post_test.html")]
struct PostTestPage {
    layout: Layout,
    course_id: String,
    course_title: String,
    pilot_id: String,
    done: bool,
    question_number: usize,
    questions: usize,
    item_id: String,
    prompt_html: String,
    choices: Vec<(usize, String)>,
    unit: String,
    key: String,
    served: String,
}

pub async fn page(
    State(state): State<AppState>,
    Student(current): Student,
    CourseInPath(course): CourseInPath,
    Path((_, pilot_id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let course_id = course.course.id.clone();
    let student = &current.user.id;
    // No post-test open for this student here: back to the course page, as for the
    // placement check when it is off.
    let Some(pilot) = open_pilot(&state, student, &course_id, &pilot_id).await? else {
        return Ok(Redirect::to(&format!("/learn/{course_id}")).into_response());
    };
    let answered = answered(&state, student, &pilot).await?;
    let answered_refs: HashSet<&str> = answered.iter().map(String::as_str).collect();
    let mut page = PostTestPage {
        layout: Layout::new("Post-test", Some(&current), "/learn"),
        course_id: course_id.to_string(),
        course_title: course.course.title.clone(),
        pilot_id: pilot.id.clone(),
        done: true,
        question_number: answered.len() + 1,
        questions: pilot.held_out.len(),
        item_id: String::new(),
        prompt_html: String::new(),
        choices: Vec::new(),
        unit: String::new(),
        key: uuid::Uuid::new_v4().to_string(),
        served: String::new(),
    };
    let next = post_test::next_question(&pilot.held_out, &answered_refs)
        .and_then(|id| course.course.item(id));
    if let Some(item) = next {
        page.done = false;
        page.item_id = item.id.to_string();
        page.served =
            practice::served_stamp(&state, student.as_str(), &format!("item:{}", item.id)).await?;
        page.prompt_html = views::markdown(course_id.as_str(), &item.prompt);
        match &item.answer {
            AnswerSpec::Choice { choices } => {
                page.choices = choices
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (i, views::markdown(course_id.as_str(), &c.text)))
                    .collect();
            }
            AnswerSpec::Numeric {
                unit: Some(unit), ..
            } => page.unit = unit.clone(),
            _ => {}
        }
    }
    Ok(page.into_response())
}

#[derive(Deserialize)]
pub struct PostTestAnswerForm {
    item: String,
    key: String,
    #[serde(default)]
    served: String,
    #[serde(default)]
    response: String,
}

pub async fn answer(
    State(state): State<AppState>,
    Student(current): Student,
    CourseInPath(course): CourseInPath,
    Path((_, pilot_id)): Path<(String, String)>,
    Form(form): Form<PostTestAnswerForm>,
) -> Result<Response, WebError> {
    let course_id = course.course.id.clone();
    let Some(pilot) = open_pilot(&state, &current.user.id, &course_id, &pilot_id).await? else {
        // Nothing is recorded.
        return Ok(Redirect::to(&format!("/learn/{course_id}")).into_response());
    };
    // Only the pilot's held-out items belong to its post-test.
    if !pilot.held_out.contains(&form.item) {
        return Err(WebError::NotFound);
    }
    let item = course.course.item(&form.item).ok_or(WebError::NotFound)?;
    practice::check_key(&form.key)?;
    // An answer that cannot be read counts as wrong here: a test question, not practice.
    let response = practice::parse_response(item, &form.response).ok();
    let correct = response.as_ref().is_some_and(|r| grade(item, r).correct);
    let response_json =
        serde_json::to_string(&response).map_err(|e| WebError::Internal(e.to_string()))?;
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
        .record_post_test_answer(&AnswerRecord {
            student_id: &current.user.id,
            course_id: &course_id,
            course_version: course.version,
            item_id: &item.id,
            skills: &item.skills,
            response: &response_json,
            correct,
            occurred_at: state.now(),
            duration_ms,
            idempotency_key: &format!("post-test:{}", form.key),
        })
        .await?;
    Ok(Redirect::to(&format!("/learn/{course_id}/post-test/{}", pilot.id)).into_response())
}
