//! Every parser that reads outside input, fed generated input (SPEC "every parser
//! fuzzed"): course files, typed answers, and dataset and event files. Each must answer
//! with a value or a located error, never a panic, and the properties below must hold for
//! every generated case. proptest shrinks a failure to a small input and saves its seed in
//! `proptest-regressions/`, which is committed so the case is replayed from then on.

use crate::support;

use ownpace_core::course::{AnswerSpec, Response, SourceFile, grade, parse_course, parse_number};
use ownpace_core::learner::datasets::{AktLayout, IdMap, read_akt, read_events};
use proptest::prelude::*;
use std::path::Path;
use std::sync::OnceLock;

fn valid_course() -> &'static [SourceFile] {
    static FILES: OnceLock<Vec<SourceFile>> = OnceLock::new();
    FILES.get_or_init(|| {
        support::read_course_folder(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/courses/valid"),
        )
    })
}

fn demo_course() -> &'static ownpace_core::course::Course {
    static COURSE: OnceLock<ownpace_core::course::Course> = OnceLock::new();
    COURSE.get_or_init(|| parse_course(&support::demo_course_files()).expect("demo course"))
}

/// Text that looks like what people type into course files and answer boxes: ASCII,
/// TOML and Markdown punctuation, digits, some non-ASCII, newlines.
fn texty() -> impl Strategy<Value = String> {
    proptest::string::string_regex(r#"[a-z0-9 =\[\]{}"'#.,:/%$+\-*()\n\t_|<>é−½]{0,80}"#)
        .expect("a valid regex")
}

/// Every error must name a file of the course and, when it gives a line, one that exists.
fn assert_located(files: &[SourceFile], errors: &[ownpace_core::course::CourseError]) {
    assert!(!errors.is_empty(), "a rejected course comes with errors");
    for e in errors {
        assert!(!e.message.trim().is_empty(), "{e:?}");
        if let Some(f) = files.iter().find(|f| f.path == e.file)
            && let Some(line) = e.line
        {
            let lines = String::from_utf8_lossy(&f.bytes).lines().count().max(1);
            assert!(
                line >= 1 && line <= lines + 1,
                "{e} but the file has {lines} lines"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Text spliced into any place of any text file of a valid course.
    #[test]
    fn course_files_with_text_spliced_in_are_parsed_or_refused_with_a_location(
        file in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        cut in 0usize..40,
        insert in texty(),
    ) {
        let mut files = valid_course().to_vec();
        let text_files: Vec<usize> = files
            .iter()
            .enumerate()
            .filter(|(_, f)| f.path.ends_with(".toml") || f.path.ends_with(".md"))
            .map(|(i, _)| i)
            .collect();
        let n = text_files[file.index(text_files.len())];
        let text = String::from_utf8(files[n].bytes.clone()).expect("utf-8 fixture");
        let boundaries: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
        let start = boundaries[at.index(boundaries.len())];
        let end = boundaries.iter().copied().find(|&b| b >= start + cut).unwrap_or(text.len());
        let mangled = format!("{}{}{}", &text[..start], insert, &text[end..]);
        files[n].bytes = mangled.into_bytes();
        if let Err(errors) = parse_course(&files) {
            assert_located(&files, &errors);
        }
    }

    /// Arbitrary bytes, not even UTF-8, in place of a course file.
    #[test]
    fn course_files_of_arbitrary_bytes_are_refused_with_a_location(
        file in any::<prop::sample::Index>(),
        bytes in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let mut files = valid_course().to_vec();
        let n = file.index(files.len());
        files[n].bytes = bytes;
        if let Err(errors) = parse_course(&files) {
            assert_located(&files, &errors);
        }
    }

    /// Whatever a student types, grading answers; a number typed the way Rust prints it is
    /// read back exactly.
    #[test]
    fn typed_answers_are_graded_and_plain_numbers_read_back(
        typed in texty(),
        item in any::<prop::sample::Index>(),
        x in -1.0e9f64..1.0e9,
    ) {
        let course = demo_course();
        let item = &course.items[item.index(course.items.len())];
        let _ = grade(item, &Response::Text(typed.clone()));
        let _ = parse_number(&typed, Some("cm"));
        prop_assert_eq!(parse_number(&format!("{x}"), None), Some(x));
        prop_assert_eq!(parse_number(&format!(" {x} cm "), Some("cm")), Some(x));
    }

    /// A choice is correct exactly when it is the correct choice, and an index past the end
    /// is simply wrong.
    #[test]
    fn a_choice_is_correct_exactly_when_it_is_the_right_one(
        item in any::<prop::sample::Index>(),
        index in 0usize..12,
    ) {
        let course = demo_course();
        let choices: Vec<_> = course
            .items
            .iter()
            .filter(|i| matches!(i.answer, AnswerSpec::Choice { .. }))
            .collect();
        let item = choices[item.index(choices.len())];
        let AnswerSpec::Choice { choices } = &item.answer else { unreachable!() };
        let right = choices.get(index).is_some_and(|c| c.correct);
        prop_assert_eq!(grade(item, &Response::Choice(index)).correct, right);
    }

    /// Dataset and event files: sequences or an error on a line of the file.
    #[test]
    fn dataset_files_are_read_or_refused_on_a_real_line(
        text in proptest::string::string_regex(r"([0-9,]{0,12}\n?){0,12}|[a-z0-9 ,.\n-]{0,120}").expect("regex"),
    ) {
        let lines = text.lines().count().max(1);
        for layout in [AktLayout::FourLine, AktLayout::ThreeLine] {
            match read_akt("data.csv", &text, layout) {
                Ok(sequences) => prop_assert!(sequences.iter().all(|s| !s.attempts.is_empty())),
                Err(e) => prop_assert!(e.line >= 1 && e.line <= lines + 1, "{} in {} lines", e, lines),
            }
        }
        let mut ids = IdMap::default();
        if let Err(e) = read_events("events.csv", &text, &mut ids) {
            prop_assert!(e.line >= 1 && e.line <= lines + 1, "{} in {} lines", e, lines);
        }
    }

    /// Roster CSV files (OneRoster users.csv and enrollments.csv) as schools send them:
    /// read, or refused line by line on a line of the file, never a panic; what is read
    /// is usable (valid usernames, names within the limit).
    #[test]
    fn roster_files_are_read_or_refused_on_a_real_line(
        users in proptest::string::string_regex(
            "\u{feff}?(sourcedId|username|givenName|familyName|role|password|status)([,;](sourcedId|username|givenName|familyName|role|password|status|enabledUser)){0,7}\n([a-z0-9@._ \"é;,-]{0,30}\n){0,8}"
        ).expect("regex"),
        enrollments in proptest::string::string_regex(
            "(classSourcedId|userSourcedId|role)([,;](classSourcedId|userSourcedId|role|status)){0,4}\n([a-z0-9 \";,-]{0,24}\n){0,8}"
        ).expect("regex"),
    ) {
        let roster = ownpace_core::roster::read_roster(users.as_bytes(), enrollments.as_bytes());
        for problem in roster.errors.iter().chain(&roster.notes) {
            let text = match problem.file {
                ownpace_core::roster::RosterFile::Users => &users,
                ownpace_core::roster::RosterFile::Enrollments => &enrollments,
            };
            let lines = text.lines().count().max(1) as u64;
            prop_assert!(problem.line >= 1 && problem.line <= lines + 1, "{} in {} lines", problem, lines);
            prop_assert!(!problem.message.contains('`'), "{}", problem);
        }
        for user in &roster.users {
            prop_assert!(ownpace_core::roster::check_username(&user.username).is_ok());
            prop_assert!(!user.display_name.is_empty());
        }
    }
}
