//! What the core's integration tests share: course folders read from disk as the importer
//! receives them, the demo course, and [`TestCourse`], a builder for the small courses the
//! tests of the rules over a `Course` (goals, recommendations, the skill map) need.
#![allow(dead_code)]

use ownpace_core::course::{AnswerSpec, Course, Item, Lesson, Project, Skill, SourceFile};
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

/// A skill with no description or standards.
pub fn skill(id: &str, name: &str, prerequisites: &[&str]) -> Skill {
    Skill {
        id: id.into(),
        name: name.into(),
        description: String::new(),
        prerequisites: prerequisites.iter().map(|p| p.to_string()).collect(),
        standards: Vec::new(),
    }
}

/// An item on one skill whose answer is the number `value`, exactly.
pub fn numeric_item(id: &str, skill: &str, value: f64) -> Item {
    Item {
        id: id.into(),
        skills: vec![skill.into()],
        prompt: "?".into(),
        answer: AnswerSpec::Numeric {
            value,
            tolerance: 0.0,
            unit: None,
        },
        hints: Vec::new(),
        explanation: String::new(),
        template: None,
    }
}

/// Builds a [`Course`] in code: an empty English course, then skills, items, lessons and
/// projects added in order.
pub struct TestCourse {
    course: Course,
}

impl TestCourse {
    /// An empty course titled like its id.
    pub fn new(id: &str) -> TestCourse {
        TestCourse {
            course: Course {
                id: id.into(),
                title: id.into(),
                description: String::new(),
                level: String::new(),
                language: "en".into(),
                skills: Vec::new(),
                lessons: Vec::new(),
                items: Vec::new(),
                projects: Vec::new(),
                assets: Vec::new(),
            },
        }
    }

    pub fn title(mut self, title: &str) -> TestCourse {
        self.course.title = title.into();
        self
    }

    /// Adds a skill (see [`skill`]); list prerequisites before the skills that need them.
    pub fn skill(mut self, id: &str, name: &str, prerequisites: &[&str]) -> TestCourse {
        self.course.skills.push(skill(id, name, prerequisites));
        self
    }

    pub fn skills(mut self, skills: impl IntoIterator<Item = Skill>) -> TestCourse {
        self.course.skills.extend(skills);
        self
    }

    /// Adds one numeric item per skill so far, `<skill>-1`, answered by 1.
    pub fn an_item_per_skill(mut self) -> TestCourse {
        let items: Vec<Item> = self
            .course
            .skills
            .iter()
            .map(|s| numeric_item(&format!("{}-1", s.id), &s.id, 1.0))
            .collect();
        self.course.items.extend(items);
        self
    }

    pub fn item(mut self, item: Item) -> TestCourse {
        self.course.items.push(item);
        self
    }

    pub fn lesson(mut self, lesson: Lesson) -> TestCourse {
        self.course.lessons.push(lesson);
        self
    }

    pub fn project(mut self, project: Project) -> TestCourse {
        self.course.projects.push(project);
        self
    }

    pub fn build(self) -> Course {
        self.course
    }
}
