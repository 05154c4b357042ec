//! The demo course `courses/fractions` ships with the product (SPEC C1): it must import
//! cleanly and every item must grade its own correct answer as correct.

use crate::support;

use ownpace_core::course::{AnswerSpec, Course, Modality, Response, grade, parse_course};
use std::collections::{BTreeMap, BTreeSet};

fn load() -> Course {
    match parse_course(&support::demo_course_files()) {
        Ok(course) => course,
        Err(errors) => {
            let list: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            panic!(
                "the demo course has {} error(s):\n{}",
                list.len(),
                list.join("\n")
            );
        }
    }
}

/// Formats a numeric answer the way a student might type it.
fn format_number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

#[test]
fn demo_course_parses_and_is_complete() {
    let course = load();
    assert_eq!(course.id, "fractions-ratios-6");
    assert!(
        course.skills.len() >= 25,
        "only {} skills",
        course.skills.len()
    );
    assert!(
        course.items.len() >= 150,
        "only {} items",
        course.items.len()
    );

    // Skills come in topological order.
    let mut seen = BTreeSet::new();
    for skill in &course.skills {
        for p in &skill.prerequisites {
            assert!(
                seen.contains(p.as_str()),
                "{} listed before its prerequisite {p}",
                skill.id
            );
        }
        seen.insert(skill.id.as_str());
    }

    for skill in &course.skills {
        let items = course.items_for_skill(&skill.id).count();
        assert!(items >= 5, "skill {} has only {items} items", skill.id);
        let lessons = course.lessons_for_skill(&skill.id).count();
        assert!(lessons >= 1, "skill {} has no lesson", skill.id);
    }

    let mut modalities: BTreeMap<&'static str, usize> = BTreeMap::new();
    for lesson in &course.lessons {
        *modalities.entry(lesson.modality.label()).or_default() += 1;
        if lesson.modality == Modality::Watch {
            let media = lesson
                .media
                .as_deref()
                .unwrap_or_else(|| panic!("watch lesson {} has no media", lesson.id));
            assert!(
                course.assets.iter().any(|a| a == media),
                "lesson {} media {media} is not an asset",
                lesson.id
            );
        }
    }
    assert!(modalities.len() >= 3, "lessons cover only {modalities:?}");

    assert!(
        course.projects.len() >= 3,
        "only {} projects",
        course.projects.len()
    );
    for project in &course.projects {
        assert!(
            !project.rubric.is_empty(),
            "project {} has no rubric",
            project.id
        );
        for criterion in &project.rubric {
            assert!(
                !criterion.levels.is_empty(),
                "project {} criterion {} has no levels",
                project.id,
                criterion.name
            );
        }
    }
}

#[test]
fn every_demo_item_grades_its_own_answer() {
    let course = load();
    let mut failures = Vec::new();
    for item in &course.items {
        match &item.answer {
            AnswerSpec::Choice { choices } => {
                let correct: Vec<usize> =
                    (0..choices.len()).filter(|&i| choices[i].correct).collect();
                if correct.len() != 1 {
                    failures.push(format!("{}: {} correct choices", item.id, correct.len()));
                    continue;
                }
                for (i, choice) in choices.iter().enumerate() {
                    let g = grade(item, &Response::Choice(i));
                    if g.correct != choice.correct {
                        failures.push(format!(
                            "{}: choice {i} graded correct={}",
                            item.id, g.correct
                        ));
                    }
                    if !choice.correct && choice.feedback.trim().is_empty() {
                        failures.push(format!("{}: wrong choice {i} has no feedback", item.id));
                    }
                }
            }
            AnswerSpec::Numeric { value, .. } => {
                let typed = format_number(*value);
                if !grade(item, &Response::Text(typed.clone())).correct {
                    failures.push(format!(
                        "{}: numeric answer {typed} graded incorrect",
                        item.id
                    ));
                }
            }
            AnswerSpec::Text { accepted, .. } => match accepted.first() {
                Some(first) => {
                    if !grade(item, &Response::Text(first.clone())).correct {
                        failures.push(format!(
                            "{}: accepted answer {first:?} graded incorrect",
                            item.id
                        ));
                    }
                }
                None => failures.push(format!("{}: no accepted answers", item.id)),
            },
        }
        if item.explanation.trim().is_empty() {
            failures.push(format!("{}: no explanation", item.id));
        }
    }
    assert!(
        failures.is_empty(),
        "{} problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn demo_items_are_complete_and_fully_rendered() {
    let course = load();
    let mut failures = Vec::new();
    let mut ids = BTreeSet::new();
    for item in &course.items {
        if !ids.insert(item.id.as_str()) {
            failures.push(format!("{}: duplicate id", item.id));
        }
        if item.hints.is_empty() || item.hints.len() > 3 {
            failures.push(format!(
                "{}: {} hints (want 1 to 3)",
                item.id,
                item.hints.len()
            ));
        }
        let mut texts: Vec<&str> = vec![&item.prompt, &item.explanation];
        texts.extend(item.hints.iter().map(String::as_str));
        match &item.answer {
            AnswerSpec::Choice { choices } => {
                texts.extend(
                    choices
                        .iter()
                        .flat_map(|c| [c.text.as_str(), c.feedback.as_str()]),
                );
            }
            AnswerSpec::Text { accepted, .. } => texts.extend(accepted.iter().map(String::as_str)),
            AnswerSpec::Numeric { value, .. } => {
                if !value.is_finite() {
                    failures.push(format!("{}: answer {value} is not finite", item.id));
                }
            }
        }
        for t in texts {
            if t.contains('{') || t.contains('}') || t.contains("NaN") || t.contains("inf") {
                failures.push(format!("{}: unrendered or broken text {t:?}", item.id));
            }
        }
    }
    // Every skill is taught in at least one lesson and practised with every answer kind
    // somewhere in the course.
    let kinds: BTreeSet<&str> = course
        .items
        .iter()
        .map(|i| match i.answer {
            AnswerSpec::Choice { .. } => "choice",
            AnswerSpec::Numeric { .. } => "numeric",
            AnswerSpec::Text { .. } => "text",
        })
        .collect();
    assert_eq!(kinds.len(), 3, "answer kinds used: {kinds:?}");
    // The platform shows choices in file order, so the right answer must not always sit
    // in the same place.
    let positions: BTreeSet<usize> = course
        .items
        .iter()
        .filter_map(|i| match &i.answer {
            AnswerSpec::Choice { choices } => choices.iter().position(|c| c.correct),
            _ => None,
        })
        .collect();
    assert!(
        positions.len() >= 3,
        "correct choices only at positions {positions:?}"
    );
    let watch = course
        .lessons
        .iter()
        .filter(|l| l.modality == Modality::Watch)
        .count();
    let offline = course
        .lessons
        .iter()
        .filter(|l| l.modality.is_offline())
        .count();
    assert!(
        watch >= 4 && offline >= 7,
        "watch {watch}, offline {offline}"
    );
    assert!(
        failures.is_empty(),
        "{} problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
