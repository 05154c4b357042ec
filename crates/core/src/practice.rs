//! Rules of the practice loop that every front end shares: which item comes next on a
//! skill, and how a typed response is read for an item before it is graded.

use crate::course::{AnswerSpec, Course, Item, Response};
use std::collections::{HashMap, HashSet};

/// The longest typed answer accepted, in bytes.
pub const MAX_ANSWER_BYTES: usize = 500;

/// The item a student should see next on a skill: one never answered if any (in course
/// order), otherwise the one answered longest ago. `answered` maps an item id to (times
/// answered, time of the last answer). `None` when the skill has no items.
pub fn next_item<'a>(
    course: &'a Course,
    skill_id: &str,
    answered: &HashMap<String, (i64, i64)>,
) -> Option<&'a Item> {
    next_item_except(course, skill_id, answered, &HashSet::new())
}

/// [`next_item`] that never picks an item in `held_out` (a pilot's post-test items, kept
/// out of its members' practice; [`crate::pilot::post_test::hold_out`]).
pub fn next_item_except<'a>(
    course: &'a Course,
    skill_id: &str,
    answered: &HashMap<String, (i64, i64)>,
    held_out: &HashSet<String>,
) -> Option<&'a Item> {
    course
        .items
        .iter()
        .filter(|item| item.skills.iter().any(|s| s == skill_id))
        .filter(|item| !held_out.contains(item.id.as_str()))
        .enumerate()
        .min_by_key(|(order, item)| {
            let (count, last_at) = answered.get(item.id.as_str()).copied().unwrap_or((0, 0));
            (count > 0, last_at, *order)
        })
        .map(|(_, item)| item)
}

/// Why a submitted response cannot be taken at all (before grading).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    #[error("the answer is too long ({MAX_ANSWER_BYTES} characters at most)")]
    TooLong,
}

/// Reads a submitted response for an item from form or JSON text: a choice index for
/// multiple choice, the raw text otherwise.
///
/// Only a response too long to keep is refused here. Anything else that cannot be read
/// for the item's kind (an empty box, no option picked, an option that does not exist,
/// "forty" for a number) is passed on as it came, so that
/// [`crate::course::assess`] returns it as "not understood" with the form expected:
/// not graded, revealing nothing, recorded only as a non-graded event.
pub fn parse_response(item: &Item, raw: &str) -> Result<Response, ResponseError> {
    if raw.len() > MAX_ANSWER_BYTES {
        return Err(ResponseError::TooLong);
    }
    Ok(match &item.answer {
        AnswerSpec::Choice { .. } => match raw.trim().parse::<usize>() {
            Ok(index) => Response::Choice(index),
            Err(_) => Response::Text(raw.to_string()),
        },
        _ => Response::Text(raw.to_string()),
    })
}

/// Whether a student counts as inactive: no recorded activity at all, or none within
/// `inactive_days` of `now`.
pub fn is_inactive(last_activity: Option<i64>, now: i64, inactive_days: i64) -> bool {
    last_activity.is_none_or(|at| now - at > inactive_days * 86_400_000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::Skill;

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
    fn unreadable_responses_reach_assess_as_not_understood() {
        use crate::course::{Choice, assess};
        let number = item("n", "a");
        let choice = Item {
            answer: AnswerSpec::Choice {
                choices: vec![
                    Choice {
                        text: "yes".into(),
                        correct: true,
                        feedback: String::new(),
                    },
                    Choice {
                        text: "no".into(),
                        correct: false,
                        feedback: String::new(),
                    },
                ],
            },
            ..item("c", "a")
        };
        for (item, raw) in [
            (&number, ""),
            (&number, "   "),
            (&number, "forty"),
            (&choice, ""),
            (&choice, "7"),
            (&choice, "yes"),
        ] {
            let response = parse_response(item, raw).expect("passed on to assess");
            let unread = assess(item, &response).expect_err(raw);
            assert!(
                unread.message.starts_with(crate::course::NOT_UNDERSTOOD),
                "{raw:?}: {}",
                unread.message
            );
            assert!(!unread.expected.is_empty());
        }
        assert_eq!(
            parse_response(&number, &"1".repeat(MAX_ANSWER_BYTES + 1)),
            Err(ResponseError::TooLong)
        );
        assert!(assess(&number, &parse_response(&number, "1").expect("read")).is_ok());
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
        // Held-out items are never picked, even when unseen.
        let held: HashSet<String> = ["a1".to_string(), "a2".to_string()].into();
        let fresh = HashMap::new();
        assert_eq!(
            next_item_except(&c, "a", &fresh, &held).map(|i| i.id.as_str()),
            Some("a3")
        );
        let all: HashSet<String> = ["b1".to_string()].into();
        assert!(next_item_except(&c, "b", &fresh, &all).is_none());
    }
}
