//! Importer tests over real course folders in `tests/fixtures/courses/<case>/`: one
//! valid course, and one broken folder per kind of error, each asserting the exact
//! errors (file, line, key phrase) and that no course comes out.

use ownpace_core::course::{AnswerSpec, Course, CourseError, SourceFile, parse_course};
use std::path::Path;

/// Reads a fixture folder into `SourceFile`s, paths relative to it with `/` separators.
fn read_folder(case: &str) -> Vec<SourceFile> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/courses")
        .join(case);
    let mut out = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("fixture folder") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(&root).expect("under root");
                let rel: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.push(SourceFile {
                    path: rel.join("/"),
                    bytes: std::fs::read(&path).expect("readable fixture"),
                });
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
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

#[test]
fn valid_course_imports() {
    let c = valid();
    assert_eq!(c.id, "mini-fractions");
    assert_eq!(c.level, "Grade 4");
    println!("{c:#?}");
}
