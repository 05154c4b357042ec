//! Importer tests over real course folders in `tests/fixtures/courses/<case>/`: one
//! valid course, and one broken folder per kind of error, each asserting the exact
//! errors (file, line, key phrase) and that no course comes out.

use crate::support;

use ownpace_core::course::{AnswerSpec, Course, CourseError, SourceFile, parse_course};
use std::path::Path;

/// Reads a fixture folder into `SourceFile`s, paths relative to it with `/` separators.
fn read_folder(case: &str) -> Vec<SourceFile> {
    support::read_course_folder(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/courses")
            .join(case),
    )
}

fn valid() -> Course {
    match parse_course(&read_folder("valid")) {
        Ok(c) => c,
        Err(e) => panic!("valid course rejected:\n{}", show(&e)),
    }
}

fn show(errors: &[CourseError]) -> String {
    errors
        .iter()
        .map(|e| format!("  {e}\n"))
        .collect::<String>()
}

/// Asserts that `case` is rejected with exactly these errors: (file, line, phrases the
/// message must contain), in the importer's order (by file, then line).
fn expect_errors(case: &str, expected: &[(&str, Option<usize>, &[&str])]) {
    let errors = match parse_course(&read_folder(case)) {
        Ok(_) => panic!("{case}: broken course was accepted"),
        Err(e) => e,
    };
    assert_eq!(
        errors.len(),
        expected.len(),
        "{case}: expected {} errors, got:\n{}",
        expected.len(),
        show(&errors)
    );
    for (e, (file, line, phrases)) in errors.iter().zip(expected) {
        assert_eq!(
            (e.file.as_str(), e.line),
            (*file, *line),
            "{case}: wrong place for {e}"
        );
        for p in *phrases {
            assert!(e.message.contains(p), "{case}: `{p}` not in {e}");
        }
    }
}

#[test]
fn valid_course_imports() {
    let c = valid();
    assert_eq!(c.id, "mini-fractions");
    assert_eq!(c.title, "Mini fractions");
    assert_eq!(c.level, "Grade 4");
    assert_eq!(c.language, "en");
    let skills: Vec<&str> = c.skills.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        skills,
        [
            "fraction-meaning",
            "equivalent-fractions",
            "compare-fractions"
        ],
        "topological order"
    );
    assert_eq!(
        c.skill("equivalent-fractions").map(|s| s.standards.clone()),
        Some(vec!["CCSS.MATH.CONTENT.4.NF.A.1".to_string()])
    );
    assert_eq!(c.lessons.len(), 3);
    let watch = c
        .lesson("equivalent-fractions-watch")
        .expect("watch lesson");
    assert_eq!(watch.media.as_deref(), Some("media/equivalent.svg"));
    assert!(
        c.lesson("fraction-strips")
            .is_some_and(|l| l.modality.is_offline())
    );
    assert_eq!(c.assets, ["media/equivalent.svg", "media/pizza.svg"]);

    let ids: Vec<&str> = c.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "ef-001",
            "ef-scale-1",
            "ef-scale-2",
            "ef-scale-3",
            "ef-scale-4",
            "ef-scale-5",
            "ef-scale-6",
            "ef-002",
            "vocab-001",
            "cmp-unit-1",
            "cmp-unit-2",
            "cmp-unit-3",
            "cmp-unit-4",
            "half-of-1",
            "half-of-2",
            "half-of-3",
        ],
        "authored items and template instances in file order"
    );
    for i in c
        .items
        .iter()
        .filter(|i| i.template.as_deref() == Some("ef-scale"))
    {
        assert!(!i.prompt.contains('{'), "placeholders filled: {}", i.prompt);
        assert!(matches!(
            i.answer,
            AnswerSpec::Numeric { tolerance: 0.0, .. }
        ));
    }
    let ef2 = c.item("ef-002").expect("ef-002");
    assert_eq!(
        ef2.answer,
        AnswerSpec::Numeric {
            value: 0.5,
            tolerance: 0.001,
            unit: None
        }
    );
    assert_eq!(c.projects.len(), 1);
    let p = &c.projects[0];
    assert_eq!((p.group_min, p.group_max), (2, 4));
    assert_eq!(p.rubric[0].levels.len(), 2);
    assert_eq!(p.rubric[0].skills, ["equivalent-fractions"]);
}

#[test]
fn import_is_deterministic_and_order_independent() {
    let mut files = read_folder("valid");
    let a = parse_course(&files).expect("valid");
    files.reverse();
    let b = parse_course(&files).expect("valid");
    assert_eq!(a, b);
}

#[test]
fn missing_course_toml() {
    expect_errors(
        "missing-course-toml",
        &[("course.toml", None, &["missing course.toml"])],
    );
}

#[test]
fn missing_skills_toml() {
    expect_errors(
        "missing-skills-toml",
        &[("skills.toml", None, &["missing skills.toml"])],
    );
}

#[test]
fn toml_syntax_error_has_its_line() {
    expect_errors(
        "toml-syntax",
        &[("skills.toml", Some(3), &["TOML syntax error", "string"])],
    );
}

#[test]
fn unknown_fields_are_typos_with_suggestions() {
    expect_errors(
        "unknown-field",
        &[
            (
                "course.toml",
                Some(3),
                &["unknown field `langauge`", "did you mean `language`?"],
            ),
            (
                "items/a.toml",
                Some(1),
                &["missing field `prompt`", "item `vocab-001`"],
            ),
            (
                "items/a.toml",
                Some(5),
                &["unknown field `promt`", "did you mean `prompt`?"],
            ),
        ],
    );
}

#[test]
fn mistyped_fields_in_front_matter_point_at_the_md_line() {
    expect_errors(
        "mistyped-field",
        &[
            (
                "lessons/intro.md",
                Some(4),
                &["`skills`", "must be a list", "[\"fraction-meaning\"]"],
            ),
            (
                "lessons/intro.md",
                Some(6),
                &["`minutes`", "must be a whole number, found a string"],
            ),
        ],
    );
}

#[test]
fn invalid_id() {
    expect_errors(
        "invalid-id",
        &[(
            "skills.toml",
            Some(2),
            &["invalid skill id `Fraction_Meaning`", "lowercase letters"],
        )],
    );
}

#[test]
fn duplicate_ids_including_template_instances() {
    expect_errors(
        "duplicate-ids",
        &[
            (
                "items/b.toml",
                Some(2),
                &["duplicate item id `vocab-001`", "items/a.toml:2"],
            ),
            (
                "items/b.toml",
                Some(9),
                &["duplicate item id `half-1`", "items/a.toml:9"],
            ),
        ],
    );
}

/// The first item with an id has another problem: the duplicate is still reported in the
/// same run (every problem at once, issue 16).
#[test]
fn a_duplicate_id_is_reported_with_the_first_items_own_error() {
    expect_errors(
        "duplicate-id-with-error",
        &[
            ("items/a.toml", Some(4), &["has no `answer`"]),
            (
                "items/b.toml",
                Some(2),
                &["duplicate item id `half-1`", "items/a.toml:2"],
            ),
        ],
    );
}

#[test]
fn prerequisite_cycle_names_its_skills() {
    expect_errors(
        "prerequisite-cycle",
        &[(
            "skills.toml",
            Some(8),
            &[
                "cycle",
                "equivalent-fractions → compare-fractions → equivalent-fractions",
            ],
        )],
    );
}

#[test]
fn unknown_skill_references_everywhere() {
    expect_errors(
        "unknown-skill",
        &[
            (
                "items/a.toml",
                Some(3),
                &["unknown skill `vocabulary`", "item `vocab-001`"],
            ),
            (
                "items/a.toml",
                Some(10),
                &["unknown skill `halves`", "template `half`"],
            ),
            (
                "lessons/intro.md",
                Some(4),
                &[
                    "unknown skill `fraction-meening`",
                    "did you mean `fraction-meaning`?",
                ],
            ),
            (
                "projects/p.md",
                Some(4),
                &["unknown skill `scaling`", "project `recipe`"],
            ),
            (
                "skills.toml",
                Some(13),
                &[
                    "unknown skill `equivalent-fraction`",
                    "prerequisites of skill `compare-fractions`",
                ],
            ),
        ],
    );
}

#[test]
fn choice_items_need_exactly_one_correct_choice() {
    expect_errors(
        "choice-correct-count",
        &[
            (
                "items/choices.toml",
                Some(6),
                &[
                    "item `none-correct` has no correct answer",
                    "correct = true",
                ],
            ),
            (
                "items/choices.toml",
                Some(17),
                &[
                    "item `two-correct` has 2 correct choices",
                    "line 18, line 21",
                ],
            ),
        ],
    );
}

#[test]
fn negative_tolerance() {
    expect_errors(
        "negative-tolerance",
        &[(
            "items/n.toml",
            Some(7),
            &["negative tolerance -0.01", "use 0 or more"],
        )],
    );
}

#[test]
fn text_items_need_an_accepted_answer() {
    expect_errors(
        "text-no-accepted",
        &[
            (
                "items/t.toml",
                Some(6),
                &["item `vocab-001` has no accepted answer"],
            ),
            (
                "items/t.toml",
                Some(11),
                &["item `vocab-002` has no accepted answer"],
            ),
        ],
    );
}

#[test]
fn template_expression_errors_name_expression_and_line() {
    expect_errors(
        "template-expressions",
        &[
            (
                "items/t.toml",
                Some(7),
                &["template `bad-parse`", "`a *` does not parse"],
            ),
            (
                "items/t.toml",
                Some(16),
                &[
                    "template `bad-variable`",
                    "unknown variable `c`",
                    "declared: a",
                ],
            ),
            (
                "items/t.toml",
                Some(27),
                &["template `bad-eval`", "`a / (b - b)`", "no finite value"],
            ),
        ],
    );
}

#[test]
fn templates_that_cannot_make_count_distinct_items() {
    expect_errors(
        "template-impossible",
        &[
            (
                "items/t.toml",
                Some(5),
                &[
                    "template `impossible`",
                    "only make 0 distinct items of the 5",
                    "broke the constraints",
                ],
            ),
            (
                "items/t.toml",
                Some(17),
                &[
                    "template `too-few`",
                    "only make 3 distinct items of the 4",
                    "repeated an earlier prompt",
                ],
            ),
        ],
    );
}

#[test]
fn watch_lessons_need_media_in_the_folder() {
    expect_errors(
        "watch-media",
        &[
            (
                "lessons/missing-media.md",
                Some(7),
                &["media `media/clip.mp4`", "not in the course folder"],
            ),
            (
                "lessons/no-media.md",
                Some(5),
                &["watch lesson `no-media` has no media"],
            ),
        ],
    );
}

#[test]
fn projects_need_rubric_and_sane_groups() {
    expect_errors(
        "project-rubric-group",
        &[
            ("projects/bad-group.md", Some(5), &["max 2 below min 3"]),
            (
                "projects/bad-group.md",
                Some(11),
                &["lowest to highest points"],
            ),
            (
                "projects/bad-group.md",
                Some(16),
                &["assesses `unit-rate`, which is not among the project's skills"],
            ),
            (
                "projects/no-rubric.md",
                Some(1),
                &["project `no-rubric` has no rubric"],
            ),
        ],
    );
}

#[test]
fn non_utf8_file() {
    expect_errors(
        "not-utf8",
        &[("lessons/latin1.md", Some(3), &["not valid UTF-8"])],
    );
}

#[test]
fn unexpected_files_say_what_is_allowed() {
    // README.md at the root, hidden files and an upper-case `.SVG` asset are fine.
    expect_errors(
        "unexpected-files",
        &[
            (
                "items/readme.md",
                None,
                &["unexpected file", "lessons/*.md"],
            ),
            (
                "notes.txt",
                None,
                &[
                    "unexpected file",
                    "svg, png, jpg, jpeg, gif, webp, mp4, webm",
                ],
            ),
        ],
    );
}

#[test]
fn front_matter_must_be_fenced() {
    expect_errors(
        "front-matter",
        &[
            (
                "lessons/no-fm.md",
                Some(1),
                &["must start with a `+++` line"],
            ),
            ("lessons/unclosed.md", Some(1), &["never closed"]),
        ],
    );
}

#[test]
fn every_broken_fixture_is_tested() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/courses");
    let source = include_str!("course_import.rs");
    for entry in std::fs::read_dir(root).expect("fixtures") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        assert!(
            source.contains(&format!("\"{name}\"")),
            "fixture {name} has no test"
        );
    }
}

/// A cheap stand-in for fuzzing: deleting any one line or truncating any text file of the
/// valid course must give a course or errors, never a panic, and every error must be
/// pinned to a real file and a line inside it.
#[test]
fn mangled_courses_never_panic() {
    let files = read_folder("valid");
    for (n, f) in files.iter().enumerate() {
        if !(f.path.ends_with(".toml") || f.path.ends_with(".md")) {
            continue;
        }
        let text = String::from_utf8(f.bytes.clone()).expect("utf-8 fixture");
        let lines: Vec<&str> = text.lines().collect();
        let mut variants: Vec<String> = (0..lines.len())
            .map(|skip| {
                let kept: Vec<&str> = lines
                    .iter()
                    .enumerate()
                    .filter(|&(i, _)| i != skip)
                    .map(|(_, l)| *l)
                    .collect();
                kept.join("\n")
            })
            .collect();
        variants.extend(
            text.char_indices()
                .step_by(7)
                .map(|(i, _)| text[..i].to_string()),
        );
        for v in variants {
            let line_count = v.lines().count().max(1);
            let mut mangled = files.clone();
            mangled[n].bytes = v.into_bytes();
            if let Err(errors) = parse_course(&mangled) {
                assert!(!errors.is_empty());
                for e in &errors {
                    assert!(!e.message.is_empty());
                    if e.file == f.path
                        && let Some(line) = e.line
                    {
                        assert!(
                            line >= 1 && line <= line_count + 1,
                            "{e} in {line_count} lines"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn lesson_variants_name_a_default_lesson_once() {
    expect_errors(
        "lesson-variants",
        &[
            // `variant` without `variant_of`, and not an id.
            (
                "lessons/half.md",
                Some(6),
                &["invalid variant name `Worked Examples`"],
            ),
            (
                "lessons/half.md",
                Some(6),
                &["`variant` without `variant_of`"],
            ),
            ("lessons/of-variant.md", Some(2), &["names another variant"]),
            (
                "lessons/twice.md",
                Some(2),
                &["second `worked-examples` variant of lesson `base`"],
            ),
            ("lessons/unknown.md", Some(2), &["names no lesson"]),
        ],
    );
}
