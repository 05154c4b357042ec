//! Reading a course folder from disk into the core's in-memory form, and the demo
//! course that is compiled into the binary.

use anyhow::Context;
use include_dir::{Dir, include_dir};
use ownpace_core::course::{Course, CourseError, SourceFile, parse_course};
use ownpace_storage::StoredAsset;
use std::path::Path;

/// The demo course shipped with Ownpace (`courses/fractions` in the repository).
static DEMO_COURSE: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../courses/fractions");

/// Largest file a course may hold; larger media belongs on a media server.
const MAX_FILE_BYTES: u64 = 20 * 1024 * 1024;

/// Reads every file under `dir` (hidden files and folders skipped) with paths relative to it.
pub fn read_folder(dir: &Path) -> anyhow::Result<Vec<SourceFile>> {
    if !dir.is_dir() {
        anyhow::bail!(
            "{} is not a folder: give the course folder (the one holding course.toml)",
            dir.display()
        );
    }
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let entries = std::fs::read_dir(&folder)
            .with_context(|| format!("cannot list {}", folder.display()))?;
        for entry in entries {
            let entry = entry.with_context(|| format!("cannot list {}", folder.display()))?;
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let kind = entry
                .file_type()
                .with_context(|| format!("cannot inspect {}", path.display()))?;
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file() {
                let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
                let relative = relative_path(dir, &path);
                if size > MAX_FILE_BYTES {
                    anyhow::bail!(
                        "{relative}: file is larger than 20 MiB; link large media instead of including it"
                    );
                }
                let bytes = std::fs::read(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                files.push(SourceFile {
                    path: relative,
                    bytes,
                });
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

fn relative_path(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// The demo course's files, from the copy compiled into the binary.
pub fn demo_course_files() -> Vec<SourceFile> {
    fn walk(dir: &Dir<'_>, out: &mut Vec<SourceFile>) {
        for file in dir.files() {
            let path = file.path().to_string_lossy().replace('\\', "/");
            if !path.rsplit('/').next().unwrap_or("").starts_with('.') {
                out.push(SourceFile {
                    path,
                    bytes: file.contents().to_vec(),
                });
            }
        }
        for sub in dir.dirs() {
            walk(sub, out);
        }
    }
    let mut files = Vec::new();
    walk(&DEMO_COURSE, &mut files);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// A parsed course with the bytes of the assets it references.
pub struct LoadedCourse {
    pub course: Course,
    pub assets: Vec<StoredAsset>,
}

/// Parses and validates course files; on failure returns every error found.
pub fn load(files: &[SourceFile]) -> Result<LoadedCourse, Vec<CourseError>> {
    let course = parse_course(files)?;
    let assets = course
        .assets
        .iter()
        .filter_map(|path| files.iter().find(|f| &f.path == path))
        .map(|file| StoredAsset {
            path: file.path.clone(),
            media_type: media_type(&file.path).to_string(),
            bytes: file.bytes.clone(),
        })
        .collect();
    Ok(LoadedCourse { course, assets })
}

pub fn media_type(path: &str) -> &'static str {
    match path
        .rsplit('.')
        .next()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("mp4") => "video/mp4",
        Some("webm") => "video/webm",
        _ => "application/octet-stream",
    }
}
