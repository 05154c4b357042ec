//! A pilot's post-test of held-out items (issue 12, point 5): which items a pilot holds
//! out of its members' practice, which one the post-test asks next, and the outcome (the
//! share answered correctly) from the post-test answers. Pure and deterministic by seed.

use crate::course::Course;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;

/// The most items held out per skill a plan may ask for.
pub const MAX_PER_SKILL: usize = 10;

/// The items held out of practice for a pilot's post-test: for each skill in the course's
/// order, up to `per_skill` of the items that practise it (not already held out for an
/// earlier skill), drawn at random from the seed, but never more than half of the
/// skill's items, so practice always keeps at least as many as the test takes. Returned
/// in course order (the order the post-test asks them in). The same course, number and
/// seed always give the same items.
pub fn hold_out(course: &Course, per_skill: usize, seed: u64) -> Vec<String> {
    let per_skill = per_skill.min(MAX_PER_SKILL);
    let mut chosen: HashSet<&str> = HashSet::new();
    for skill in &course.skills {
        let mut pool: Vec<&str> = course
            .items_for_skill(&skill.id)
            .map(|i| i.id.as_str())
            .filter(|id| !chosen.contains(id))
            .collect();
        let take = per_skill.min(pool.len() / 2);
        if take == 0 {
            continue;
        }
        // One stream per skill, so adding a skill does not change another's draw.
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ fnv1a(&skill.id));
        pool.shuffle(&mut rng);
        chosen.extend(pool.into_iter().take(take));
    }
    course
        .items
        .iter()
        .map(|i| i.id.as_str())
        .filter(|id| chosen.contains(id))
        .map(str::to_string)
        .collect()
}

/// The held-out item the post-test asks next: the first not answered yet.
pub fn next_question<'a>(held_out: &'a [String], answered: &HashSet<&str>) -> Option<&'a str> {
    held_out
        .iter()
        .map(String::as_str)
        .find(|id| !answered.contains(id))
}

/// The post-test outcome, 0-100: the share of the held-out items answered that were
/// answered correctly (the first answer to each counts; answers to other items are
/// ignored). `None` when no held-out item was answered (the student is attrition).
pub fn score(held_out: &[String], answers: &[(String, bool)]) -> Option<f64> {
    let mut seen: HashSet<&str> = HashSet::new();
    let (mut asked, mut right) = (0usize, 0usize);
    for (item, correct) in answers {
        if !held_out.iter().any(|h| h == item) || !seen.insert(item.as_str()) {
            continue;
        }
        asked += 1;
        right += usize::from(*correct);
    }
    (asked > 0).then(|| 100.0 * right as f64 / asked as f64)
}

fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::{AnswerSpec, Item, Skill};

    fn course(items_per_skill: &[(&str, usize)]) -> Course {
        let mut c = Course {
            id: "c".into(),
            title: "c".into(),
            description: String::new(),
            level: String::new(),
            language: "en".into(),
            skills: vec![],
            lessons: vec![],
            items: vec![],
            projects: vec![],
            assets: vec![],
        };
        for (skill, n) in items_per_skill {
            c.skills.push(Skill {
                id: skill.to_string(),
                name: skill.to_string(),
                description: String::new(),
                prerequisites: vec![],
                standards: vec![],
            });
            for k in 0..*n {
                c.items.push(Item {
                    id: format!("{skill}-{k}").as_str().into(),
                    skills: vec![skill.to_string()],
                    prompt: String::new(),
                    answer: AnswerSpec::Numeric {
                        value: 1.0,
                        tolerance: 0.0,
                        unit: None,
                    },
                    hints: vec![],
                    explanation: String::new(),
                    template: None,
                });
            }
        }
        c
    }

    #[test]
    fn held_out_items_are_deterministic_by_seed_and_leave_half_for_practice() {
        let c = course(&[("a", 10), ("b", 3), ("c", 1)]);
        let first = hold_out(&c, 2, 7);
        assert_eq!(first, hold_out(&c, 2, 7), "same seed, same items");
        // a: 2 of 10; b: 1 of 3 (never more than half); c: none of 1.
        assert_eq!(first.iter().filter(|i| i.starts_with("a-")).count(), 2);
        assert_eq!(first.iter().filter(|i| i.starts_with("b-")).count(), 1);
        assert!(!first.iter().any(|i| i.starts_with("c-")));
        // In course order.
        let positions: Vec<usize> = first
            .iter()
            .map(|id| c.items.iter().position(|i| i.id.as_str() == id).unwrap())
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]));
        // Another seed draws other items somewhere (10 choose 2 = 45 ways for a).
        assert!((0..20).any(|s| hold_out(&c, 2, s) != first));
        assert!(hold_out(&c, 0, 7).is_empty());
        // Capped per skill.
        assert_eq!(hold_out(&course(&[("a", 100)]), 50, 1).len(), MAX_PER_SKILL);
    }

    #[test]
    fn next_question_and_score_count_first_answers_to_held_out_items() {
        let held: Vec<String> = ["x", "y", "z"].iter().map(|s| s.to_string()).collect();
        let answered: HashSet<&str> = ["x"].into_iter().collect();
        assert_eq!(next_question(&held, &answered), Some("y"));
        let all: HashSet<&str> = ["x", "y", "z"].into_iter().collect();
        assert_eq!(next_question(&held, &all), None);
        assert_eq!(score(&held, &[]), None);
        assert_eq!(score(&held, &[("other".into(), true)]), None);
        let answers = vec![
            ("x".to_string(), true),
            ("y".to_string(), false),
            ("x".to_string(), false), // a second answer to x does not count
            ("other".to_string(), true),
        ];
        assert_eq!(score(&held, &answers), Some(50.0));
    }
}
