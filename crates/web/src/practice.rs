//! The learning loop shared by the pages and the API: what happens when a student
//! answers. Which item comes next and how a response is read are the core's
//! (`ownpace_core::practice`); where a student stands on each skill is the core's
//! `progress::skill_statuses`, gathered by `path::statuses`.

use crate::{AppState, WebError};
use ownpace_core::course::{Grade, Item, Response, assess, grade};
use ownpace_core::events::EventKind;
use ownpace_core::ids::UserId;
use ownpace_core::review::{DEFAULT_TARGET_RETENTION, Fsrs};
use ownpace_core::standing::{self, MasteryMove};
use ownpace_storage::{AnswerRecord, CourseVersion, EventRecord};

/// One skill's move after an answer, as the student sees it (the core's
/// [`standing::answer_move`]): the answer page and the API show exactly these values.
#[derive(Debug, Clone)]
pub struct SkillMove {
    pub skill: String,
    pub shown: MasteryMove,
}

/// What the student is told after answering.
#[derive(Debug, Clone)]
pub struct AnswerOutcome {
    pub grade: Grade,
    /// Per skill of the item, in its order: the move people see.
    pub mastery: Vec<SkillMove>,
    /// The same submission had been recorded before; this is its original outcome.
    pub duplicate: bool,
    pub response: Response,
}

/// A student's answer as submitted.
pub struct Submission<'a> {
    pub student_id: &'a UserId,
    pub course: &'a CourseVersion,
    pub item: &'a Item,
    pub response: Response,
    pub idempotency_key: &'a str,
    pub duration_ms: Option<i64>,
}

/// Grades an answer, appends it to the event log and updates mastery, atomically.
/// A repeated idempotency key returns the first submission's outcome.
pub async fn submit(
    state: &AppState,
    submission: Submission<'_>,
) -> Result<AnswerOutcome, WebError> {
    let Submission {
        student_id,
        course,
        item,
        response,
        idempotency_key,
        duration_ms,
    } = submission;
    check_key(idempotency_key)?;
    let graded = match assess(item, &response) {
        Ok(graded) => graded,
        Err(unread) => {
            // Not graded and not stored: only the fact that an answer could not be read.
            state
                .store
                .record_event(&EventRecord {
                    student_id,
                    course_id: &course.course.id,
                    course_version: course.version,
                    kind: EventKind::UnreadAnswer,
                    skills: &item.skills,
                    item_id: Some(item.id.as_str()),
                    data: None,
                    occurred_at: state.now(),
                    duration_ms: None,
                    idempotency_key: &format!("unread:{idempotency_key}"),
                })
                .await?;
            return Err(WebError::NotUnderstood {
                message: unread.message,
                expected: unread.expected,
            });
        }
    };
    let response_json =
        serde_json::to_string(&response).map_err(|e| WebError::Internal(e.to_string()))?;
    let at = state.now();
    let recorded = state
        .store
        .record_answer(
            &AnswerRecord {
                student_id,
                course_id: &course.course.id,
                course_version: course.version,
                item_id: &item.id,
                skills: &item.skills,
                response: &response_json,
                correct: graded.correct,
                occurred_at: at,
                duration_ms: duration_ms.map(|d| d.clamp(0, MAX_ITEM_MS)),
                idempotency_key,
            },
            |skill| state.bkt_params(skill),
        )
        .await?;
    let fsrs = Fsrs::default();
    let mastery: Vec<SkillMove> = recorded
        .mastery
        .iter()
        .map(|change| SkillMove {
            skill: change.skill.clone(),
            shown: standing::answer_move(
                Some(&change.before),
                &change.after,
                &fsrs,
                at,
                DEFAULT_TARGET_RETENTION,
            ),
        })
        .collect();
    if !recorded.duplicate && mastery.iter().any(|m| m.shown.mastered) {
        crate::path::record_achieved_goals(state, student_id, course).await?;
    }
    if recorded.duplicate {
        // Grade the stored response again: grading is deterministic, so the student sees
        // exactly what they saw the first time.
        let first: Response = serde_json::from_str(&recorded.response)
            // serde's message can quote the answer; the position is enough to find it.
            .map_err(|e| {
                WebError::Internal(format!(
                    "stored response unreadable ({:?} error at line {} column {})",
                    e.classify(),
                    e.line(),
                    e.column()
                ))
            })?;
        return Ok(AnswerOutcome {
            grade: grade(item, &first),
            mastery,
            duplicate: true,
            response: first,
        });
    }
    Ok(AnswerOutcome {
        grade: graded,
        mastery,
        duplicate: false,
        response,
    })
}

/// A non-answer interaction: a hint asked, a lesson finished.
pub struct Interaction<'a> {
    pub kind: EventKind,
    pub skills: &'a [String],
    /// The item or lesson it concerns.
    pub item_id: Option<&'a str>,
    pub idempotency_key: &'a str,
    pub duration_ms: Option<i64>,
}

/// Records a non-answer interaction, now. The key must pass [`check_key`]; a key that
/// named another interaction answers 409.
pub async fn record_interaction(
    state: &AppState,
    student_id: &UserId,
    course: &CourseVersion,
    interaction: Interaction<'_>,
) -> Result<(), WebError> {
    let Interaction {
        kind,
        skills,
        item_id,
        idempotency_key,
        duration_ms,
    } = interaction;
    state
        .store
        .record_event(&EventRecord {
            student_id,
            course_id: &course.course.id,
            course_version: course.version,
            kind,
            skills,
            item_id,
            data: None,
            occurred_at: state.now(),
            duration_ms: duration_ms.map(|d| d.clamp(0, MAX_LESSON_MS)),
            idempotency_key,
        })
        .await?;
    Ok(())
}

/// The longest time counted on one item (a page left open longer counts this much).
pub const MAX_ITEM_MS: i64 = 30 * 60_000;
/// The longest time counted on one lesson.
pub const MAX_LESSON_MS: i64 = 60 * 60_000;

/// Checks a client's idempotency key: 1 to 100 bytes (a UUID is ideal).
pub fn check_key(key: &str) -> Result<(), WebError> {
    if key.is_empty() || key.len() > 100 {
        return Err(WebError::BadRequest(
            "idempotency_key must be 1 to 100 characters (a UUID is ideal)".into(),
        ));
    }
    Ok(())
}

/// A stamp for a page or API answer that serves `subject` (`item:ID`, `lesson:ID`) to
/// `user` now; handed back with the answer, it lets the server measure the time taken.
pub async fn served_stamp(state: &AppState, user: &str, subject: &str) -> Result<String, WebError> {
    Ok(state.signer().await?.stamp(user, subject, state.now()))
}

/// The time from when this server served `subject` to `user` (the stamp handed back) to
/// now, at most `cap_ms`. Durations are only ever measured on the server: a stamp the
/// server did not make, or made for another person or item, counts no time.
pub async fn measured(
    state: &AppState,
    user: &str,
    subject: &str,
    stamp: &str,
    cap_ms: i64,
) -> Result<Option<i64>, WebError> {
    let signer = state.signer().await?;
    Ok(signer
        .stamped_at(user, subject, stamp)
        .map(|served| state.now().saturating_sub(served).clamp(0, cap_ms)))
}

/// Reads a submitted response for an item (the core's rule): only an over-long one is
/// refused here; anything unreadable goes on to [`submit`], which answers "not understood".
pub fn parse_response(item: &Item, raw: &str) -> Result<Response, WebError> {
    ownpace_core::practice::parse_response(item, raw)
        .map_err(|e| WebError::BadRequest(e.to_string()))
}
