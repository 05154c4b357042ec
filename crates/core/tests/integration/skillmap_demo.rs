//! The demo course's skill map renders (a real course, not a toy graph): every skill
//! appears, and barycenter ordering leaves few crossings.

use crate::support;
use ownpace_core::course::parse_course;
use ownpace_core::recommend::{Situation, SkillState, SkillStatus, overview, recommend};
use ownpace_core::skillmap::{layers, render_svg};
use std::collections::HashMap;

#[test]
fn demo_course_skill_map_renders() {
    let course = parse_course(&support::demo_course_files()).expect("demo course imports");
    let mut skills = HashMap::new();
    for (k, s) in course.skills.iter().take(5).enumerate() {
        skills.insert(
            s.id.clone(),
            SkillStatus {
                state: if k < 4 {
                    SkillState::Mastered
                } else {
                    SkillState::InProgress
                },
                p_mastery: if k < 4 { 0.97 } else { 0.6 },
                attempts: 6,
                last_practised: Some(0),
                recall: Some(0.8),
                review_due: k == 1,
                view: Default::default(),
            },
        );
    }
    let all = overview(&course, &skills);
    let svg = render_svg(&course, &all, &|id| format!("/practice/{id}"));
    for s in &course.skills {
        assert!(
            svg.contains(&format!("href=\"/practice/{}\"", s.id)),
            "{}",
            s.id
        );
    }
    assert_eq!(
        layers(&course).iter().map(Vec::len).sum::<usize>(),
        course.skills.len()
    );
    // No two boxes read the same (names that start alike get more lines, issue 16).
    let mut shown: Vec<String> = svg
        .split("<a ")
        .skip(1)
        .map(|link| {
            link.split("</a>")
                .next()
                .unwrap()
                .split("<tspan")
                .skip(1)
                .map(|t| {
                    t.split('>')
                        .nth(1)
                        .unwrap()
                        .split('<')
                        .next()
                        .unwrap()
                        .to_string()
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    assert_eq!(shown.len(), course.skills.len());
    shown.sort();
    let before = shown.len();
    shown.dedup();
    assert_eq!(shown.len(), before, "two boxes read the same label");
    if let Ok(path) = std::env::var("OWNPACE_SKILLMAP_SVG") {
        std::fs::write(path, &svg).expect("write svg");
    }
    let s = Situation {
        skills,
        now: 10 * 86_400_000,
        ..Situation::default()
    };
    let recs = recommend(&course, &s, 3);
    assert_eq!(recs.len(), 3);
    assert!(recs.iter().all(|r| !r.reason.text(&course).is_empty()));
}
