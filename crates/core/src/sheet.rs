//! Printable practice sheets (SPEC C12, "offline, not off"): which course items go on a
//! sheet, and the answer key's text.
//!
//! A sheet covers the skills the student would practise on screen now
//! ([`crate::recommend::sheet_skills`]) with items generated from the course's item
//! templates (their instances are plain items with stable ids, so a result entered later
//! names the item like an on-screen answer does). Authored items fill in when a skill has
//! no template. Items the student answered least come first; ties are broken by a hash
//! of the sheet's seed and the item id, so two sheets differ but each is reproducible.

use crate::course::fnv1a;
use crate::course::{AnswerSpec, Course, Item};
use std::collections::{HashMap, HashSet};

/// Skills a sheet covers at most.
pub const MAX_SKILLS: usize = 4;
/// Items per skill on a sheet.
pub const ITEMS_PER_SKILL: usize = 3;

/// The items for a sheet on `skills`, in printed order (skill by skill), without repeats.
/// `answered` counts the student's earlier answers per item id.
pub fn choose_items<'a>(
    course: &'a Course,
    skills: &[String],
    answered: &HashMap<String, i64>,
    seed: &str,
) -> Vec<&'a Item> {
    choose_items_except(course, skills, answered, seed, &HashSet::new())
}

/// [`choose_items`] that never prints an item in `held_out` (a pilot's post-test items).
pub fn choose_items_except<'a>(
    course: &'a Course,
    skills: &[String],
    answered: &HashMap<String, i64>,
    seed: &str,
    held_out: &HashSet<String>,
) -> Vec<&'a Item> {
    let mut chosen: Vec<&Item> = Vec::new();
    for skill in skills.iter().take(MAX_SKILLS) {
        let mut pool: Vec<&Item> = course
            .items
            .iter()
            .filter(|i| i.skills.contains(skill))
            .filter(|i| !held_out.contains(i.id.as_str()))
            .filter(|i| !chosen.iter().any(|c| c.id == i.id))
            .collect();
        pool.sort_by_key(|i| {
            (
                i.template.is_none(),
                answered.get(i.id.as_str()).copied().unwrap_or(0),
                fnv1a(&format!("{seed}/{}", i.id)),
            )
        });
        chosen.extend(pool.into_iter().take(ITEMS_PER_SKILL));
    }
    chosen
}

/// The answer as the teacher's key prints it: the correct choice's letter and text, the
/// number (with its tolerance and unit), or the accepted answers.
pub fn answer_text(item: &Item) -> String {
    match &item.answer {
        AnswerSpec::Choice { choices } => choices
            .iter()
            .enumerate()
            .filter(|(_, c)| c.correct)
            .map(|(i, c)| format!("{}) {}", choice_letter(i), c.text))
            .collect::<Vec<_>>()
            .join("; "),
        AnswerSpec::Numeric {
            value,
            tolerance,
            unit,
        } => {
            let mut text = format_number(*value);
            if *tolerance > 0.0 {
                text.push_str(&format!(" (± {})", format_number(*tolerance)));
            }
            if let Some(unit) = unit {
                text.push(' ');
                text.push_str(unit);
            }
            text
        }
        AnswerSpec::Text { accepted, .. } => accepted.join(" or "),
    }
}

/// "a", "b", … for the printed choices.
pub fn choice_letter(index: usize) -> char {
    char::from(b'a' + (index % 26) as u8)
}

fn format_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        let s = format!("{x:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::{Choice, Skill};

    fn item(id: &str, skill: &str, template: Option<&str>) -> Item {
        Item {
            id: id.into(),
            skills: vec![skill.to_string()],
            prompt: format!("{id}?"),
            answer: AnswerSpec::Numeric {
                value: 0.75,
                tolerance: 0.0,
                unit: None,
            },
            hints: vec![],
            explanation: String::new(),
            template: template.map(str::to_string),
        }
    }

    fn course(items: Vec<Item>) -> Course {
        let skill = |id: &str| Skill {
            id: id.into(),
            name: id.into(),
            description: String::new(),
            prerequisites: vec![],
            standards: vec![],
        };
        Course {
            id: "c".into(),
            title: "C".into(),
            description: String::new(),
            level: String::new(),
            language: "en".into(),
            skills: vec![skill("a"), skill("b")],
            lessons: vec![],
            items,
            projects: vec![],
            assets: vec![],
        }
    }

    #[test]
    fn templates_first_least_answered_first_and_no_repeats() {
        let c = course(vec![
            item("authored", "a", None),
            item("t-1", "a", Some("t")),
            item("t-2", "a", Some("t")),
            item("t-3", "a", Some("t")),
            item("t-4", "a", Some("t")),
            item("b-1", "b", Some("u")),
        ]);
        let answered = HashMap::from([("t-1".to_string(), 3), ("t-2".to_string(), 1)]);
        let skills = vec!["a".to_string(), "b".to_string()];
        let chosen: Vec<&str> = choose_items(&c, &skills, &answered, "s1")
            .iter()
            .map(|i| i.id.as_str())
            .collect();
        assert_eq!(chosen.len(), 4);
        // t-3 and t-4 (never answered) before t-2 (once); t-1 and the authored one out.
        let mut first_two = chosen[..2].to_vec();
        first_two.sort();
        assert_eq!(first_two, vec!["t-3", "t-4"]);
        assert_eq!(chosen[2], "t-2");
        assert_eq!(chosen[3], "b-1");
        // The same seed gives the same sheet.
        let again: Vec<&str> = choose_items(&c, &skills, &answered, "s1")
            .iter()
            .map(|i| i.id.as_str())
            .collect();
        assert_eq!(again, chosen);
    }

    #[test]
    fn the_key_prints_the_answer() {
        let mut i = item("x", "a", None);
        assert_eq!(answer_text(&i), "0.75");
        i.answer = AnswerSpec::Numeric {
            value: 12.0,
            tolerance: 0.5,
            unit: Some("cm".into()),
        };
        assert_eq!(answer_text(&i), "12 (± 0.5) cm");
        i.answer = AnswerSpec::Choice {
            choices: vec![
                Choice {
                    text: "1/2".into(),
                    correct: false,
                    feedback: String::new(),
                },
                Choice {
                    text: "3/4".into(),
                    correct: true,
                    feedback: String::new(),
                },
            ],
        };
        assert_eq!(answer_text(&i), "b) 3/4");
        i.answer = AnswerSpec::Text {
            accepted: vec!["half".into(), "one half".into()],
            case_sensitive: false,
        };
        assert_eq!(answer_text(&i), "half or one half");
    }
}
