//! Helpers shared by the core's integration tests.
#![allow(dead_code)]

use ownpace_core::course::SourceFile;
use std::path::Path;

/// Every file under `root` as the importer receives it: paths relative to `root` with `/`
/// separators, sorted.
pub fn read_course_folder(root: &Path) -> Vec<SourceFile> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries =
            std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(root).expect("path under the root");
                let rel: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.push(SourceFile {
                    path: rel.join("/"),
                    bytes: std::fs::read(&path)
                        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display())),
                });
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// The demo course that ships with the product.
pub fn demo_course_files() -> Vec<SourceFile> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../courses/fractions");
    let files = read_course_folder(&root);
    assert!(!files.is_empty(), "no files found in {}", root.display());
    files
}
