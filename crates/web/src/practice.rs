//! The learning loop shared by the pages and the API: which item comes next, and what
//! happens when a student answers. (Where a student stands on each skill is the core's
//! `progress::skill_statuses`, gathered by `adaptive::statuses`.)

use crate::{AppState, WebError};
use ownpace_core::course::{Course, Grade, Item, Response, grade};
use ownpace_core::progress::SkillProgress;
use ownpace_storage::{AnswerRecord, CourseVersion, EventRecord};
use std::collections::HashMap;

/// The item a student should see next on a skill: one never answered if any (in course
/// order), otherwise the one answered longest ago. `None` when the skill has no items.
pub fn next_item<'a>(
    course: &'a Course,
    skill_id: &str,
    answered: &HashMap<String, (i64, i64)>,
) -> Option<&'a Item> {
    course
        .items
        .iter()
        .filter(|item| item.skills.iter().any(|s| s == skill_id))
        .enumerate()
        .min_by_key(|(order, item)| {
            let (count, last_at) = answered.get(&item.id).copied().unwrap_or((0, 0));
            (count > 0, last_at, *order)
        })
        .map(|(_, item)| item)
}

/// What the student is told after answering.
#[derive(Debug, Clone)]
pub struct AnswerOutcome {
    pub grade: Grade,
    /// Per skill: (skill id, mastery before, mastery after).
    pub mastery: Vec<(String, f64, SkillProgress)>,
    /// The same submission had been recorded before; this is its original outcome.
    pub duplicate: bool,
    pub response: Response,
}

/// A student's answer as submitted.
pub struct Submission<'a> {
    pub student_id: &'a str,
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
    if idempotency_key.is_empty() || idempotency_key.len() > 100 {
        return Err(WebError::BadRequest(
            "idempotency_key must be 1 to 100 characters (a UUID is ideal)".into(),
        ));
    }
    let graded = grade(item, &response);
    let response_json =
        serde_json::to_string(&response).map_err(|e| WebError::Internal(e.to_string()))?;
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
                occurred_at: state.now(),
                duration_ms: duration_ms.map(|d| d.clamp(0, 3_600_000)),
                idempotency_key,
            },
            |skill| state.bkt_params(skill),
        )
        .await?;
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
            mastery: recorded.mastery,
            duplicate: true,
            response: first,
        });
    }
    Ok(AnswerOutcome {
        grade: graded,
        mastery: recorded.mastery,
        duplicate: false,
        response,
    })
}

/// A non-answer interaction: a hint asked, a lesson finished.
pub struct Interaction<'a> {
    pub kind: &'a str,
    pub skills: &'a [String],
    /// The item or lesson it concerns.
    pub item_id: Option<&'a str>,
    pub idempotency_key: &'a str,
    pub duration_ms: Option<i64>,
}

/// Records a non-answer interaction, now.
pub async fn record_interaction(
    state: &AppState,
    student_id: &str,
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
            duration_ms: duration_ms.map(|d| d.clamp(0, 3_600_000)),
            idempotency_key,
        })
        .await?;
    Ok(())
}

/// Reads a typed response for an item from form or JSON text: a choice index for
/// multiple choice, the raw text otherwise.
pub fn parse_response(item: &Item, raw: &str) -> Result<Response, WebError> {
    match item.answer {
        ownpace_core::course::AnswerSpec::Choice { ref choices } => {
            let index: usize = raw.trim().parse().map_err(|_| {
                WebError::BadRequest("choose one of the options before submitting".into())
            })?;
            if index >= choices.len() {
                return Err(WebError::BadRequest(format!(
                    "choice {index} does not exist: this item has {} options",
                    choices.len()
                )));
            }
            Ok(Response::Choice(index))
        }
        _ => {
            if raw.trim().is_empty() {
                return Err(WebError::BadRequest(
                    "type an answer before submitting".into(),
                ));
            }
            if raw.len() > 500 {
                return Err(WebError::BadRequest(
                    "the answer is too long (500 characters at most)".into(),
                ));
            }
            Ok(Response::Text(raw.to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ownpace_core::course::{AnswerSpec, Skill};

    fn skill(id: &str, pre: &[&str]) -> Skill {
        Skill {
            id: id.into(),
            name: id.into(),
            description: String::new(),
            prerequisites: pre.iter().map(|s| s.to_string()).collect(),
            standards: vec![],
        }
    }

    fn item(id: &str, skill: &str) -> Item {
        Item {
            id: id.into(),
            skills: vec![skill.into()],
            prompt: String::new(),
            answer: AnswerSpec::Numeric {
                value: 1.0,
                tolerance: 0.0,
                unit: None,
            },
            hints: vec![],
            explanation: String::new(),
            template: None,
        }
    }

    fn course() -> Course {
        Course {
            id: "c".into(),
            title: "c".into(),
            description: String::new(),
            level: String::new(),
            language: "en".into(),
            skills: vec![skill("a", &[]), skill("b", &["a"]), skill("c", &["a", "b"])],
            lessons: vec![],
            items: vec![
                item("a1", "a"),
                item("a2", "a"),
                item("a3", "a"),
                item("b1", "b"),
            ],
            projects: vec![],
            assets: vec![],
        }
    }

    #[test]
    fn next_item_prefers_unseen_then_least_recent() {
        let c = course();
        let mut answered = HashMap::new();
        assert_eq!(
            next_item(&c, "a", &answered).map(|i| i.id.as_str()),
            Some("a1")
        );
        answered.insert("a1".to_string(), (1, 10));
        assert_eq!(
            next_item(&c, "a", &answered).map(|i| i.id.as_str()),
            Some("a2")
        );
        answered.insert("a2".to_string(), (1, 20));
        answered.insert("a3".to_string(), (2, 5));
        assert_eq!(
            next_item(&c, "a", &answered).map(|i| i.id.as_str()),
            Some("a3")
        );
        assert!(next_item(&c, "zzz", &answered).is_none());
    }
}
