//! The demo course's skill map renders (a real course, not a toy graph): every skill
//! appears, and barycenter ordering leaves few crossings.

use ownpace_core::course::{SourceFile, parse_course};
use ownpace_core::recommend::{Situation, SkillState, SkillStatus, overview, recommend};
use ownpace_core::skillmap::{layers, render_svg};
use std::collections::HashMap;
use std::path::Path;

fn collect(root: &Path, dir: &Path, out: &mut Vec<SourceFile>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("course folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(root, &path, out);
        } else if let (Ok(rel), Ok(bytes)) = (path.strip_prefix(root), std::fs::read(&path)) {
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            out.push(SourceFile { path: rel, bytes });
        }
    }
}

#[test]
fn demo_course_skill_map_renders() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../courses/fractions");
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    let course = parse_course(&files).expect("demo course imports");
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
