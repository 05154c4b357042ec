//! Courses as files (SPEC C1): the validated, resolved form of a course.
//!
//! A course folder (see `docs/course-format.md`) is parsed by [`parse_course`] from
//! in-memory [`SourceFile`]s into a [`Course`]: skills with a prerequisite DAG, lessons,
//! items (template instances already expanded) and projects. Parsing reports *every*
//! problem it finds, each with file, line and reason, and yields no course at all when
//! anything is wrong, so an import is all or nothing.
//!
//! Item and skill ids are stable across versions of a course: the event log refers to
//! them, so re-importing an edited course keeps every student's history attached.

mod expr;
mod fields;
mod grade;
mod graph;
mod parse;
mod template;
mod validate;

use serde::{Deserialize, Serialize};
use std::fmt;

pub use expr::format_number;
pub use grade::{Grade, NOT_UNDERSTOOD, NotUnderstood, assess, grade, parse_number};
pub use graph::PrerequisiteGraph;
pub use parse::{ASSET_EXTENSIONS, parse_course};
pub(crate) use template::fnv1a;

/// One file of a course folder, already read by the caller.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the course folder, with `/` separators (e.g. `items/fractions.toml`).
    pub path: String,
    /// Raw contents: `.toml` and `.md` files must be UTF-8; other files are assets.
    pub bytes: Vec<u8>,
}

/// A problem found while importing a course: where it is and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseError {
    /// Path relative to the course folder.
    pub file: String,
    /// 1-based line, when the problem can be pinned to one.
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for CourseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Course {
    /// Stable identifier, e.g. `fractions-ratios-6`.
    pub id: crate::ids::CourseId,
    pub title: String,
    /// Markdown.
    pub description: String,
    /// Free text such as "Grade 6"; shown to teachers.
    pub level: String,
    pub language: String,
    /// In topological order: every skill comes after its prerequisites.
    pub skills: Vec<Skill>,
    pub lessons: Vec<Lesson>,
    /// Authored items and template instances, in file order.
    pub items: Vec<Item>,
    pub projects: Vec<Project>,
    /// Paths of the asset files (images, SVG, video) that lessons and items may reference.
    /// Their bytes are not part of the course value; the importer stores them beside it.
    pub assets: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skill {
    pub id: String,
    pub name: String,
    /// Markdown, may be empty.
    pub description: String,
    /// Ids of skills that must be mastered first (direct prerequisites only).
    pub prerequisites: Vec<String>,
    /// Standard codes such as `CCSS.MATH.CONTENT.6.RP.A.1`.
    pub standards: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Modality {
    Read,
    Watch,
    HandsOn,
    Group,
}

impl Modality {
    pub fn label(self) -> &'static str {
        match self {
            Modality::Read => "Read",
            Modality::Watch => "Watch",
            Modality::HandsOn => "Hands-on",
            Modality::Group => "Group",
        }
    }
    /// Whether the activity happens away from the screen.
    pub fn is_offline(self) -> bool {
        matches!(self, Modality::HandsOn | Modality::Group)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lesson {
    pub id: String,
    pub title: String,
    pub skills: Vec<String>,
    pub modality: Modality,
    pub minutes: u32,
    /// Markdown body.
    pub body: String,
    /// For `watch` lessons: an asset path in the course folder (video or animated SVG).
    pub media: Option<String>,
    /// A lesson variant's name (e.g. `worked-examples`): shown only to students whose
    /// pilot condition names it, in place of the lesson [`Lesson::variant_of`] names.
    #[serde(default)]
    pub variant: Option<String>,
    /// For a variant: the id of the default lesson it stands in for.
    #[serde(default)]
    pub variant_of: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub id: crate::ids::ItemId,
    pub skills: Vec<String>,
    /// Markdown.
    pub prompt: String,
    pub answer: AnswerSpec,
    /// Shown one at a time on request.
    pub hints: Vec<String>,
    /// Worked explanation (Markdown), shown after every answer.
    pub explanation: String,
    /// The template this item was generated from, if any.
    pub template: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum AnswerSpec {
    /// Exactly one choice is correct.
    Choice { choices: Vec<Choice> },
    /// Correct when `|response - value| <= tolerance`. Responses may be written as
    /// decimals, fractions (`3/4`) or mixed numbers (`1 1/2`).
    Numeric {
        value: f64,
        tolerance: f64,
        unit: Option<String>,
    },
    /// Correct when the response matches one accepted answer after trimming and collapsing
    /// whitespace (and ignoring case unless `case_sensitive`).
    Text {
        accepted: Vec<String>,
        case_sensitive: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    /// Markdown.
    pub text: String,
    pub correct: bool,
    /// Feedback shown when this choice is picked (the distractor-specific message).
    pub feedback: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Project {
    pub id: String,
    pub title: String,
    /// Markdown brief.
    pub body: String,
    pub interests: Vec<String>,
    pub skills: Vec<String>,
    pub group_min: u32,
    pub group_max: u32,
    pub rubric: Vec<RubricCriterion>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RubricCriterion {
    pub name: String,
    /// Ordered from lowest to highest.
    pub levels: Vec<RubricLevel>,
    /// The skills this criterion assesses (`skills = [...]` on the criterion): each one of
    /// the project's skills. A teacher's level on the criterion is evidence on them.
    #[serde(default)]
    pub skills: Vec<String>,
}

impl RubricCriterion {
    /// The points of the criterion's "meets" level: the second-highest level when the
    /// criterion has three or more, otherwise the highest. A teacher's level at or above it
    /// is evidence like a correct answer on the criterion's skills, below it like a wrong
    /// one (`docs/course-format.md`, "Rubrics and mastery"). `None` without levels.
    pub fn meets(&self) -> Option<u32> {
        let n = self.levels.len();
        let at = if n >= 3 { n - 2 } else { n.checked_sub(1)? };
        self.levels.get(at).map(|l| l.points)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RubricLevel {
    pub points: u32,
    pub description: String,
}

/// What a student submitted for an item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "kebab-case")]
pub enum Response {
    /// Index into `AnswerSpec::Choice::choices`.
    Choice(usize),
    /// Raw text as typed, for numeric and text items.
    Text(String),
}

impl Course {
    pub fn skill(&self, id: &str) -> Option<&Skill> {
        self.skills.iter().find(|s| s.id == id)
    }
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }
    pub fn lesson(&self, id: &str) -> Option<&Lesson> {
        self.lessons.iter().find(|l| l.id == id)
    }
    pub fn project(&self, id: &str) -> Option<&Project> {
        self.projects.iter().find(|p| p.id == id)
    }
    pub fn items_for_skill<'a>(&'a self, skill: &'a str) -> impl Iterator<Item = &'a Item> + 'a {
        self.items
            .iter()
            .filter(move |i| i.skills.iter().any(|s| s == skill))
    }
    /// Whether `lesson` is shown to a student who follows lesson variant `variant`
    /// (`None`: the default lessons). A variant lesson is shown only to its variant's
    /// students; a default lesson to everyone except the students of a variant that has
    /// a lesson standing in for it.
    pub fn lesson_shown(&self, lesson: &Lesson, variant: Option<&str>) -> bool {
        match (lesson.variant.as_deref(), variant) {
            (Some(v), Some(mine)) => v == mine,
            (Some(_), None) => false,
            (None, Some(mine)) => !self.lessons.iter().any(|l| {
                l.variant.as_deref() == Some(mine) && l.variant_of.as_deref() == Some(&lesson.id)
            }),
            (None, None) => true,
        }
    }
    /// The lesson variants the course declares, sorted, each once.
    pub fn lesson_variants(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .lessons
            .iter()
            .filter_map(|l| l.variant.as_deref())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
    pub fn lessons_for_skill<'a>(
        &'a self,
        skill: &'a str,
    ) -> impl Iterator<Item = &'a Lesson> + 'a {
        self.lessons
            .iter()
            .filter(move |l| l.skills.iter().any(|s| s == skill))
    }
}
