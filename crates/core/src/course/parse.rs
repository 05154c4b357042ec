//! Parsing a course folder into a [`Course`], collecting every error on the way.
//!
//! This module knows the files: which paths are what, how front matter is cut out of a
//! Markdown file (keeping line numbers true to the file), and which fields each kind of
//! table has. Cross-references between files (ids, skill references, the prerequisite
//! graph) are checked afterwards in [`super::validate`], and templates are expanded by
//! [`super::template`]. Nothing is returned unless no error at all was found.

use super::fields::{Doc, Errors, L, Table, as_i64, is_valid_id};
use super::template::{AnswerTemplate, ChoiceSpec, TemplateSpec, Var};
use super::validate::{self, Located};
use super::{
    AnswerSpec, Choice, Course, CourseError, Item, Lesson, Modality, Project, RubricCriterion,
    RubricLevel, Skill, SourceFile,
};
use std::collections::BTreeSet;
use toml::de::DeValue;

/// File extensions accepted as assets (images and video).
pub const ASSET_EXTENSIONS: [&str; 8] = ["svg", "png", "jpg", "jpeg", "gif", "webp", "mp4", "webm"];

/// Largest `count` a template may ask for.
const MAX_TEMPLATE_COUNT: i64 = 1000;
/// Largest group a project may ask for.
const MAX_GROUP: i64 = 40;

/// Parses and validates a whole course folder. Returns every error found (sorted by file
/// and line), or the course with skills in topological order, lessons, items (template
/// instances expanded in place) and projects in file order.
pub fn parse_course(files: &[SourceFile]) -> Result<Course, Vec<CourseError>> {
    let mut errors = Errors::default();
    let mut sorted: Vec<(String, &SourceFile)> =
        files.iter().map(|f| (normalize(&f.path), f)).collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));

    let mut course_toml = None;
    let mut skills_toml = None;
    let (mut lessons_md, mut items_toml, mut projects_md) = (Vec::new(), Vec::new(), Vec::new());
    let mut assets = Vec::new();
    for (path, f) in &sorted {
        if path.split('/').any(|c| c.starts_with('.')) || path == "README.md" || path.is_empty() {
            continue;
        }
        let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
        let text_kind = match (path.as_str(), ext.as_deref()) {
            ("course.toml", _) => Some(&mut course_toml),
            ("skills.toml", _) => Some(&mut skills_toml),
            _ => None,
        };
        let list = if text_kind.is_some() {
            None
        } else if path.starts_with("lessons/") && ext.as_deref() == Some("md") {
            Some(&mut lessons_md)
        } else if path.starts_with("items/") && ext.as_deref() == Some("toml") {
            Some(&mut items_toml)
        } else if path.starts_with("projects/") && ext.as_deref() == Some("md") {
            Some(&mut projects_md)
        } else {
            None
        };
        if text_kind.is_none() && list.is_none() {
            if ext
                .as_deref()
                .is_some_and(|e| ASSET_EXTENSIONS.contains(&e))
            {
                assets.push(path.clone());
            } else {
                errors.at(
                    path,
                    None,
                    format!(
                        "unexpected file; a course folder holds course.toml, skills.toml, lessons/*.md, items/*.toml, projects/*.md, an optional README.md and media files ({}); move or delete this file",
                        ASSET_EXTENSIONS.join(", ")
                    ),
                );
            }
            continue;
        }
        let Some(text) = utf8(path, &f.bytes, &mut errors) else {
            continue;
        };
        match (text_kind, list) {
            (Some(slot), _) => *slot = Some((path.clone(), text)),
            (None, Some(list)) => list.push((path.clone(), text)),
            (None, None) => {}
        }
    }
    let asset_set: BTreeSet<&str> = assets.iter().map(String::as_str).collect();

    let meta = match &course_toml {
        Some((path, text)) => parse_course_toml(path, text, &mut errors),
        None => {
            let found = sorted.iter().any(|(p, _)| p == "course.toml");
            if !found {
                errors.at(
                    "course.toml",
                    None,
                    "missing course.toml; create it at the top of the course folder with id, title, level, language and description",
                );
            }
            None
        }
    };
    let skills = match &skills_toml {
        Some((path, text)) => parse_skills(path, text, &mut errors),
        None => {
            if !sorted.iter().any(|(p, _)| p == "skills.toml") {
                errors.at(
                    "skills.toml",
                    None,
                    "missing skills.toml; create it at the top of the course folder with one [[skill]] table per skill",
                );
            }
            Vec::new()
        }
    };
    let mut lessons = Vec::new();
    for (path, text) in &lessons_md {
        if let Some(l) = parse_lesson(path, text, &asset_set, &mut errors) {
            lessons.push(l);
        }
    }
    let mut items = Vec::new();
    let mut templates = Vec::new();
    let mut dropped_items = Vec::new();
    for (path, text) in &items_toml {
        parse_items_file(
            path,
            text,
            &mut items,
            &mut templates,
            &mut dropped_items,
            &mut errors,
        );
    }
    let mut projects = Vec::new();
    for (path, text) in &projects_md {
        if let Some(p) = parse_project(path, text, &mut errors) {
            projects.push(p);
        }
    }

    let skills = validate::check(
        &mut errors,
        skills,
        &lessons,
        &mut items,
        &dropped_items,
        &templates,
        &projects,
    );

    match meta {
        Some(m) if errors.0.is_empty() => Ok(Course {
            id: m.id.into(),
            title: m.title,
            description: m.description,
            level: m.level,
            language: m.language,
            skills,
            lessons: lessons.into_iter().map(|l| l.value).collect(),
            items: items.into_iter().map(|i| i.value).collect(),
            projects: projects.into_iter().map(|p| p.value).collect(),
            assets,
        }),
        _ => {
            let mut list = errors.0;
            list.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
            list.dedup();
            Err(list)
        }
    }
}

fn normalize(path: &str) -> String {
    let p = path.replace('\\', "/");
    let mut p = p.as_str();
    while let Some(rest) = p.strip_prefix("./") {
        p = rest;
    }
    p.trim_start_matches('/').to_string()
}

fn utf8(path: &str, bytes: &[u8], errors: &mut Errors) -> Option<String> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Some(
            s.strip_prefix('\u{feff}')
                .unwrap_or(s)
                .replace("\r\n", "\n"),
        ),
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
            errors.at(
                path,
                Some(line),
                "file is not valid UTF-8 text; save it with UTF-8 encoding in your editor",
            );
            None
        }
    }
}

struct Meta {
    id: String,
    title: String,
    level: String,
    language: String,
    description: String,
}

fn id_field(t: &mut Table<'_, '_>, errors: &mut Errors, kind: &str) -> Option<L<String>> {
    let id = t.req_str(errors, "id")?;
    if !is_valid_id(&id.v) {
        t.err(
            errors,
            Some(id.line),
            format!(
                "invalid {kind} id `{}`; use lowercase letters, digits and hyphens, starting with a letter (e.g. `equivalent-fractions`)",
                id.v
            ),
        );
    }
    Some(id)
}

fn nonempty(t: &Table<'_, '_>, errors: &mut Errors, v: &Option<L<String>>, key: &str) {
    if let Some(s) = v
        && s.v.trim().is_empty()
    {
        t.err(
            errors,
            Some(s.line),
            format!("field `{key}` in {} is empty; write some text", t.what),
        );
    }
}

fn parse_course_toml(path: &str, text: &str, errors: &mut Errors) -> Option<Meta> {
    let doc = Doc::new(path, text, 0);
    let table = doc.parse(errors)?;
    let mut t = Table::new(&doc, &table, "course.toml", None);
    let n = errors.len();
    let id = id_field(&mut t, errors, "course");
    let title = t.req_str(errors, "title");
    nonempty(&t, errors, &title, "title");
    let level = t.opt_str(errors, "level");
    let language = t.opt_str(errors, "language");
    let description = t.opt_str(errors, "description");
    t.finish(errors);
    if errors.len() > n {
        return None;
    }
    Some(Meta {
        id: id?.v,
        title: title?.v,
        level: level.map(|l| l.v).unwrap_or_default(),
        language: language.map(|l| l.v).unwrap_or_else(|| "en".into()),
        description: description.map(|d| d.v).unwrap_or_default(),
    })
}

fn parse_skills(path: &str, text: &str, errors: &mut Errors) -> Vec<Located<Skill>> {
    let doc = Doc::new(path, text, 0);
    let Some(table) = doc.parse(errors) else {
        return Vec::new();
    };
    let mut top = Table::new(&doc, &table, "skills.toml", None);
    let (_, tables) = top.tables(errors, "skill", "skill");
    let mut out = Vec::new();
    if tables.is_empty() && top.has("skill") {
        // Mistyped `skill`: already reported.
    } else if tables.is_empty() {
        errors.at(
            path,
            None,
            "skills.toml defines no skills; add a [[skill]] table with id and name for each skill",
        );
    }
    for mut t in tables {
        let id = id_field(&mut t, errors, "skill");
        if let Some(id) = &id {
            t.what = format!("skill `{}`", id.v);
        }
        let name = t.req_str(errors, "name");
        nonempty(&t, errors, &name, "name");
        let description = t.opt_str(errors, "description");
        let prerequisites = t.str_list(errors, "prerequisites");
        let standards = t.str_list(errors, "standards");
        let line = t.line.unwrap_or(1);
        t.finish(errors);
        if let (Some(id), Some(name)) = (id, name) {
            out.push(Located {
                file: path.to_string(),
                line: id.line.min(line),
                refs_line: prerequisites.line,
                value: Skill {
                    id: id.v,
                    name: name.v,
                    description: description.map(|d| d.v).unwrap_or_default(),
                    prerequisites: prerequisites.v,
                    standards: standards.v,
                },
            });
        }
    }
    top.finish(errors);
    out
}

/// Cuts `+++` front matter off a Markdown file: (front matter, its first line's index
/// in the file minus one, body).
fn front_matter<'t>(path: &str, text: &'t str, errors: &mut Errors) -> Option<(&'t str, &'t str)> {
    let Some(rest) = text
        .strip_prefix("+++\n")
        .or_else(|| (text.trim_end() == "+++").then_some(""))
    else {
        errors.at(
            path,
            Some(1),
            "the file must start with a `+++` line, then the TOML front matter, then a closing `+++` line, then the Markdown body",
        );
        return None;
    };
    let mut pos = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "+++" {
            let body = &rest[pos + line.len()..];
            return Some((&rest[..pos], body.trim_start_matches('\n').trim_end()));
        }
        pos += line.len();
    }
    errors.at(
        path,
        Some(1),
        "the front matter opened by `+++` on line 1 is never closed; add a line with only `+++` after it",
    );
    None
}

fn parse_lesson(
    path: &str,
    text: &str,
    assets: &BTreeSet<&str>,
    errors: &mut Errors,
) -> Option<Located<Lesson>> {
    let (fm, body) = front_matter(path, text, errors)?;
    let doc = Doc::new(path, fm, 1);
    let table = doc.parse(errors)?;
    let mut t = Table::new(&doc, &table, format!("lesson {path}"), Some(1));
    let n = errors.len();
    let id = id_field(&mut t, errors, "lesson");
    if let Some(id) = &id {
        t.what = format!("lesson `{}`", id.v);
    }
    let title = t.req_str(errors, "title");
    nonempty(&t, errors, &title, "title");
    let skills = t.str_list(errors, "skills");
    if skills.v.is_empty() && !t.has("skills") {
        t.err(
            errors,
            None,
            format!(
                "missing field `skills` in {}; add `skills = [\"<skill id>\"]`",
                t.what
            ),
        );
    }
    let modality_field = t.opt_str(errors, "modality");
    let modality = match &modality_field {
        None => Some(Modality::Read),
        Some(m) => match m.v.as_str() {
            "read" => Some(Modality::Read),
            "watch" => Some(Modality::Watch),
            "hands-on" => Some(Modality::HandsOn),
            "group" => Some(Modality::Group),
            other => {
                t.err(
                    errors,
                    Some(m.line),
                    format!(
                        "unknown modality `{other}` in {}; use one of read, watch, hands-on, group",
                        t.what
                    ),
                );
                None
            }
        },
    };
    let minutes = t.req_int(errors, "minutes");
    if let Some(m) = &minutes
        && !(1..=600).contains(&m.v)
    {
        t.err(
            errors,
            Some(m.line),
            format!(
                "`minutes` in {} must be between 1 and 600, found {}",
                t.what, m.v
            ),
        );
    }
    let media = t.opt_str(errors, "media");
    match (&modality, &media) {
        (Some(Modality::Watch), None) => t.err(
            errors,
            modality_field.as_ref().map(|m| m.line),
            format!(
                "watch lesson {} has no media; add `media = \"media/<file>\"` pointing to a video or animated SVG in the course folder",
                t.what.trim_start_matches("lesson ")
            ),
        ),
        (_, Some(m)) => {
            let p = normalize(&m.v);
            if !assets.contains(p.as_str()) {
                t.err(
                    errors,
                    Some(m.line),
                    format!(
                        "media `{}` of {} is not in the course folder; add the file or fix the path (relative to the course folder, e.g. `media/clip.mp4`; allowed types: {})",
                        m.v,
                        t.what,
                        ASSET_EXTENSIONS.join(", ")
                    ),
                );
            }
        }
        _ => {}
    }
    let variant = t.opt_str(errors, "variant");
    let variant_of = t.opt_str(errors, "variant_of");
    if let Some(v) = &variant
        && !is_valid_id(&v.v)
    {
        t.err(
            errors,
            Some(v.line),
            format!(
                "invalid variant name `{}` in {}; use lowercase letters, digits and hyphens, starting with a letter (e.g. `worked-examples`)",
                v.v, t.what
            ),
        );
    }
    match (&variant, &variant_of) {
        (Some(v), None) => t.err(
            errors,
            Some(v.line),
            format!(
                "{} declares `variant` without `variant_of`; add `variant_of = \"<id of the default lesson it stands in for>\"`",
                t.what
            ),
        ),
        (None, Some(o)) => t.err(
            errors,
            Some(o.line),
            format!(
                "{} declares `variant_of` without `variant`; add `variant = \"<variant name>\"` (e.g. `worked-examples`)",
                t.what
            ),
        ),
        _ => {}
    }
    let modality_ok = modality.is_some();
    if body.is_empty() && modality != Some(Modality::Watch) && modality_ok {
        t.err(
            errors,
            None,
            format!(
                "{} has no body; write the lesson in Markdown below the closing `+++`",
                t.what
            ),
        );
    }
    let skills_line = skills.line;
    t.finish(errors);
    if errors.len() > n {
        return None;
    }
    Some(Located {
        file: path.to_string(),
        line: id.as_ref().map_or(1, |i| i.line),
        refs_line: skills_line,
        value: Lesson {
            id: id?.v,
            title: title?.v,
            skills: skills.v,
            modality: modality?,
            minutes: u32::try_from(minutes?.v).ok()?,
            body: body.to_string(),
            media: media.map(|m| normalize(&m.v)),
            variant: variant.map(|v| v.v),
            variant_of: variant_of.map(|v| v.v),
        },
    })
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Choice,
    Numeric,
    Text,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Choice => "choice",
            Kind::Numeric => "numeric",
            Kind::Text => "text",
        }
    }
}

/// The fields shared by items and templates.
struct Common {
    id: L<String>,
    skills: L<Vec<String>>,
    kind: Kind,
    kind_line: usize,
    prompt: L<String>,
    hints: L<Vec<String>>,
    explanation: L<String>,
}

/// The fields items and templates share. `read_id` is set to the id (and its line) as
/// soon as it is read, even when another field is wrong, so that a duplicate id is
/// reported together with the other problems.
fn common(
    t: &mut Table<'_, '_>,
    errors: &mut Errors,
    what: &str,
    read_id: &mut Option<(String, usize)>,
) -> Option<Common> {
    let id = id_field(t, errors, what);
    if let Some(id) = &id {
        t.what = format!("{what} `{}`", id.v);
        *read_id = Some((id.v.clone(), id.line));
    }
    let skills = t.str_list(errors, "skills");
    if skills.v.is_empty() {
        let line = t.has("skills").then_some(skills.line);
        t.err(
            errors,
            line,
            format!(
                "{} has no skills; add `skills = [\"<skill id>\"]` naming at least one skill from skills.toml",
                t.what
            ),
        );
    }
    let kind_field = t.req_str(errors, "kind");
    let kind = kind_field.as_ref().and_then(|k| match k.v.as_str() {
        "choice" => Some(Kind::Choice),
        "numeric" => Some(Kind::Numeric),
        "text" => Some(Kind::Text),
        other => {
            t.err(
                errors,
                Some(k.line),
                format!(
                    "unknown kind `{other}` in {}; use one of choice, numeric, text",
                    t.what
                ),
            );
            None
        }
    });
    let prompt = t.req_str(errors, "prompt");
    nonempty(t, errors, &prompt, "prompt");
    let hints = t.str_list(errors, "hints");
    let explanation = t.opt_str(errors, "explanation");
    let line = t.line.unwrap_or(1);
    Some(Common {
        id: id?,
        skills,
        kind: kind?,
        kind_line: kind_field.map_or(line, |k| k.line),
        prompt: prompt?,
        hints,
        explanation: explanation.unwrap_or(L {
            v: String::new(),
            line,
        }),
    })
}

/// Complains about fields that exist but do not apply to the item's kind.
fn not_for_kind(t: &mut Table<'_, '_>, errors: &mut Errors, kind: Kind, keys: &[&'static str]) {
    for &k in keys {
        if t.has(k) {
            let line = t.line_of(k);
            t.err(
                errors,
                line,
                format!(
                    "field `{k}` does not apply to {} items ({}); remove it or change `kind`",
                    kind.name(),
                    t.what
                ),
            );
        }
    }
}

fn choices_of(t: &mut Table<'_, '_>, errors: &mut Errors, kind_line: usize) -> Vec<ChoiceSpec> {
    let (line, tables) = t.tables(errors, "choices", "choice");
    let mut out = Vec::new();
    for mut c in tables {
        c.what = format!("{} of {}", c.what, t.what);
        let text = c.req_str(errors, "text");
        let correct = c.opt_bool(errors, "correct").is_some_and(|b| b.v);
        let feedback = c.opt_str(errors, "feedback");
        let cl = c.line.unwrap_or(1);
        c.finish(errors);
        if let Some(text) = text {
            out.push(ChoiceSpec {
                text,
                correct,
                feedback: feedback.unwrap_or(L {
                    v: String::new(),
                    line: cl,
                }),
            });
        }
    }
    let anchor = Some(line.unwrap_or(kind_line));
    let n_correct = out.iter().filter(|c| c.correct).count();
    if out.len() < 2 {
        t.err(
            errors,
            anchor,
            format!(
                "{} has {} choice(s); a choice item needs at least two [[…choices]] tables",
                t.what,
                out.len()
            ),
        );
    } else if n_correct == 0 {
        t.err(
            errors,
            anchor,
            format!(
                "{} has no correct answer; mark exactly one choice with `correct = true`",
                t.what
            ),
        );
    } else if n_correct > 1 {
        let which: Vec<String> = out
            .iter()
            .filter(|c| c.correct)
            .map(|c| format!("line {}", c.text.line))
            .collect();
        t.err(
            errors,
            anchor,
            format!(
                "{} has {n_correct} correct choices ({}); exactly one choice may have `correct = true`",
                t.what,
                which.join(", ")
            ),
        );
    }
    out
}

fn tolerance_of(t: &mut Table<'_, '_>, errors: &mut Errors) -> f64 {
    match t.opt_f64(errors, "tolerance") {
        Some(tol) if tol.v < 0.0 => {
            t.err(
                errors,
                Some(tol.line),
                format!(
                    "negative tolerance {} in {}; the tolerance is the largest accepted distance from the answer, so use 0 or more",
                    tol.v, t.what
                ),
            );
            0.0
        }
        Some(tol) => tol.v,
        None => 0.0,
    }
}

fn accepted_of(t: &mut Table<'_, '_>, errors: &mut Errors, kind_line: usize) -> L<Vec<String>> {
    let accepted = t.str_list(errors, "accepted");
    if accepted.v.iter().all(|a| a.trim().is_empty()) {
        let line = Some(if t.has("accepted") {
            accepted.line
        } else {
            kind_line
        });
        t.err(
            errors,
            line,
            format!(
                "{} has no accepted answer; add `accepted = [\"…\"]` with at least one non-empty answer",
                t.what
            ),
        );
    }
    accepted
}

fn parse_items_file(
    path: &str,
    text: &str,
    items: &mut Vec<Located<Item>>,
    templates: &mut Vec<Located<TemplateSpec>>,
    dropped: &mut Vec<(String, String, usize)>,
    errors: &mut Errors,
) {
    let doc = Doc::new(path, text, 0);
    let Some(table) = doc.parse(errors) else {
        return;
    };
    let mut top = Table::new(&doc, &table, path, None);
    let (_, item_tables) = top.tables(errors, "item", "item");
    let (_, template_tables) = top.tables(errors, "template", "template");
    for mut t in item_tables {
        let n = errors.len();
        let mut read_id = None;
        let c = common(&mut t, errors, "item", &mut read_id);
        let kind = c.as_ref().map(|c| c.kind);
        let kind_line = c.as_ref().map_or(1, |c| c.kind_line);
        let answer = match kind {
            Some(Kind::Choice) => {
                not_for_kind(
                    &mut t,
                    errors,
                    Kind::Choice,
                    &["answer", "tolerance", "unit", "accepted", "case_sensitive"],
                );
                let choices = choices_of(&mut t, errors, kind_line);
                Some(AnswerSpec::Choice {
                    choices: choices
                        .into_iter()
                        .map(|c| Choice {
                            text: c.text.v,
                            correct: c.correct,
                            feedback: c.feedback.v,
                        })
                        .collect(),
                })
            }
            Some(Kind::Numeric) => {
                not_for_kind(
                    &mut t,
                    errors,
                    Kind::Numeric,
                    &["choices", "accepted", "case_sensitive"],
                );
                let value = t.opt_f64(errors, "answer");
                if value.is_none() && !t.has("answer") {
                    t.err(
                        errors,
                        Some(kind_line),
                        format!(
                            "numeric {} has no `answer`; add `answer = <number>`",
                            t.what
                        ),
                    );
                }
                let tolerance = tolerance_of(&mut t, errors);
                let unit = t.opt_str(errors, "unit");
                value.map(|v| AnswerSpec::Numeric {
                    value: v.v,
                    tolerance,
                    unit: unit.map(|u| u.v),
                })
            }
            Some(Kind::Text) => {
                not_for_kind(
                    &mut t,
                    errors,
                    Kind::Text,
                    &["choices", "answer", "tolerance", "unit"],
                );
                let accepted = accepted_of(&mut t, errors, kind_line);
                let case_sensitive = t.opt_bool(errors, "case_sensitive").is_some_and(|b| b.v);
                Some(AnswerSpec::Text {
                    accepted: accepted.v,
                    case_sensitive,
                })
            }
            None => {
                for k in [
                    "choices",
                    "answer",
                    "tolerance",
                    "unit",
                    "accepted",
                    "case_sensitive",
                ] {
                    t.has(k);
                }
                None
            }
        };
        t.finish(errors);
        let keep = errors.len() == n && c.is_some() && answer.is_some();
        if !keep {
            // Not an item, but its id still takes part in the duplicate check.
            if let Some((id, line)) = read_id {
                dropped.push((id, path.to_string(), line));
            }
            continue;
        }
        if let (Some(c), Some(answer)) = (c, answer) {
            items.push(Located {
                file: path.to_string(),
                line: c.id.line,
                refs_line: c.skills.line,
                value: Item {
                    id: c.id.v.into(),
                    skills: c.skills.v,
                    prompt: c.prompt.v,
                    answer,
                    hints: c.hints.v,
                    explanation: c.explanation.v,
                    template: None,
                },
            });
        }
    }
    for mut t in template_tables {
        let n = errors.len();
        let c = common(&mut t, errors, "template", &mut None);
        let kind = c.as_ref().map(|c| c.kind);
        let kind_line = c.as_ref().map_or(1, |c| c.kind_line);
        let count = t.req_int(errors, "count");
        if let Some(cnt) = &count
            && !(1..=MAX_TEMPLATE_COUNT).contains(&cnt.v)
        {
            t.err(
                errors,
                Some(cnt.line),
                format!(
                    "`count` of {} must be between 1 and {MAX_TEMPLATE_COUNT}, found {}",
                    t.what, cnt.v
                ),
            );
        }
        let constraints = t.str_list(errors, "constraints");
        let variables = variables_of(&mut t, errors);
        let answer = match kind {
            Some(Kind::Choice) => {
                not_for_kind(
                    &mut t,
                    errors,
                    Kind::Choice,
                    &["answer", "tolerance", "unit", "accepted", "case_sensitive"],
                );
                Some(AnswerTemplate::Choice(choices_of(
                    &mut t, errors, kind_line,
                )))
            }
            Some(Kind::Numeric) => {
                not_for_kind(
                    &mut t,
                    errors,
                    Kind::Numeric,
                    &["choices", "accepted", "case_sensitive"],
                );
                let answer = match t.raw("answer") {
                    None => {
                        t.err(
                            errors,
                            Some(kind_line),
                            format!(
                                "numeric {} has no `answer`; add `answer = \"<expression>\"`, e.g. `answer = \"a * k\"`",
                                t.what
                            ),
                        );
                        None
                    }
                    Some((line, v)) => match v.get_ref() {
                        DeValue::String(s) => Some(L {
                            v: s.to_string(),
                            line,
                        }),
                        DeValue::Integer(_) | DeValue::Float(_) => {
                            super::fields::as_f64(v.get_ref()).map(|f| L {
                                v: f.to_string(),
                                line,
                            })
                        }
                        _ => {
                            t.err(
                                errors,
                                Some(line),
                                format!(
                                    "`answer` of {} must be an expression in quotes, e.g. `answer = \"a * k\"`",
                                    t.what
                                ),
                            );
                            None
                        }
                    },
                };
                let tolerance = tolerance_of(&mut t, errors);
                let unit = t.opt_str(errors, "unit");
                answer.map(|answer| AnswerTemplate::Numeric {
                    answer,
                    tolerance,
                    unit,
                })
            }
            Some(Kind::Text) => {
                not_for_kind(
                    &mut t,
                    errors,
                    Kind::Text,
                    &["choices", "answer", "tolerance", "unit"],
                );
                let accepted = accepted_of(&mut t, errors, kind_line);
                let case_sensitive = t.opt_bool(errors, "case_sensitive").is_some_and(|b| b.v);
                Some(AnswerTemplate::Text {
                    accepted,
                    case_sensitive,
                })
            }
            None => {
                for k in [
                    "choices",
                    "answer",
                    "tolerance",
                    "unit",
                    "accepted",
                    "case_sensitive",
                ] {
                    t.has(k);
                }
                None
            }
        };
        t.finish(errors);
        if errors.len() > n {
            continue;
        }
        if let (Some(c), Some(answer), Some(count)) = (c, answer, count) {
            templates.push(Located {
                file: path.to_string(),
                line: c.id.line,
                refs_line: c.skills.line,
                value: TemplateSpec {
                    file: path.to_string(),
                    id: c.id.v,
                    skills: c.skills.v,
                    count: L {
                        v: usize::try_from(count.v).unwrap_or(1),
                        line: count.line,
                    },
                    prompt: c.prompt,
                    hints: c.hints,
                    explanation: c.explanation,
                    constraints,
                    variables,
                    answer,
                },
            });
        }
    }
    top.finish(errors);
}

fn variables_of(t: &mut Table<'_, '_>, errors: &mut Errors) -> Vec<(String, Var, usize)> {
    let what = format!("`variables` of {}", t.what);
    let Some(mut vt) = t.opt_table(errors, "variables", what) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, line, v) in vt.entries() {
        let ok_name = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !ok_name
            || super::expr::FUNCTIONS.contains(&name.as_str())
            || name == "true"
            || name == "false"
        {
            vt.err(
                errors,
                Some(line),
                format!(
                    "invalid variable name `{name}` in {}; use lowercase letters, digits and `_`, starting with a letter, and not a function name",
                    t.what
                ),
            );
            continue;
        }
        let DeValue::Table(inner) = v.get_ref() else {
            vt.err(
                errors,
                Some(line),
                format!(
                    "variable `{name}` of {} must be `{{ min = 1, max = 9 }}` or `{{ values = [2, 3, 5] }}`",
                    t.what
                ),
            );
            continue;
        };
        let mut var = Table::new(
            vt.doc,
            inner,
            format!("variable `{name}` of {}", t.what),
            Some(line),
        );
        let min = var.opt_int(errors, "min");
        let max = var.opt_int(errors, "max");
        let values = var.raw("values");
        let parsed = match (min, max, values) {
            (Some(lo), Some(hi), None) if lo.v <= hi.v => Some(Var::Range(lo.v, hi.v)),
            (Some(lo), Some(hi), None) => {
                var.err(
                    errors,
                    Some(line),
                    format!(
                        "variable `{name}` of {} has min {} above max {}; swap them",
                        t.what, lo.v, hi.v
                    ),
                );
                None
            }
            (None, None, Some((vline, v))) => {
                let list: Option<Vec<i64>> = match v.get_ref() {
                    DeValue::Array(a) => a.iter().map(|x| as_i64(x.get_ref())).collect(),
                    _ => None,
                };
                match list {
                    Some(l) if !l.is_empty() => Some(Var::Values(l)),
                    _ => {
                        var.err(
                            errors,
                            Some(vline),
                            format!(
                                "`values` of variable `{name}` must be a non-empty list of whole numbers, e.g. `values = [2, 3, 5]`"
                            ),
                        );
                        None
                    }
                }
            }
            _ => {
                {
                    var.err(
                        errors,
                        Some(line),
                        format!(
                            "variable `{name}` of {} must have either both `min` and `max` (whole numbers) or `values`, e.g. `{name} = {{ min = 1, max = 9 }}`",
                            t.what
                        ),
                    );
                }
                None
            }
        };
        var.finish(errors);
        if let Some(p) = parsed {
            out.push((name, p, line));
        }
    }
    // Draw order decides the instances; never let it depend on how toml orders keys.
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn parse_project(path: &str, text: &str, errors: &mut Errors) -> Option<Located<Project>> {
    let (fm, body) = front_matter(path, text, errors)?;
    let doc = Doc::new(path, fm, 1);
    let table = doc.parse(errors)?;
    let mut t = Table::new(&doc, &table, format!("project {path}"), Some(1));
    let n = errors.len();
    let id = id_field(&mut t, errors, "project");
    if let Some(id) = &id {
        t.what = format!("project `{}`", id.v);
    }
    let title = t.req_str(errors, "title");
    nonempty(&t, errors, &title, "title");
    let interests = t.str_list(errors, "interests");
    let skills = t.str_list(errors, "skills");
    if skills.v.is_empty() {
        let line = t.has("skills").then_some(skills.line);
        t.err(
            errors,
            line,
            format!(
                "{} has no skills; add `skills = [\"<skill id>\"]` naming the skills it practises",
                t.what
            ),
        );
    }
    let (mut group_min, mut group_max) = (1, 1);
    let gwhat = format!("`group_size` of {}", t.what);
    if let Some(mut g) = t.opt_table(errors, "group_size", gwhat) {
        let gline = g.line;
        let min = g.req_int(errors, "min");
        let max = g.req_int(errors, "max");
        if let (Some(lo), Some(hi)) = (&min, &max) {
            if lo.v < 1 {
                g.err(errors, Some(lo.line), format!("`group_size.min` of {} must be at least 1 (1 means the project can be done alone)", t.what));
            } else if hi.v < lo.v {
                g.err(
                    errors,
                    gline,
                    format!(
                        "`group_size` of {} has max {} below min {}; max must be at least min",
                        t.what, hi.v, lo.v
                    ),
                );
            } else if hi.v > MAX_GROUP {
                g.err(errors, Some(hi.line), format!("`group_size.max` of {} is {}; groups may have at most {MAX_GROUP} students", t.what, hi.v));
            } else {
                group_min = lo.v as u32;
                group_max = hi.v as u32;
            }
        }
        g.finish(errors);
    }
    let (rline, criteria) = t.tables(errors, "rubric", "rubric criterion");
    let mut rubric = Vec::new();
    if criteria.is_empty() && rline.is_none() {
        t.err(
            errors,
            None,
            format!(
                "{} has no rubric; add at least one [[rubric]] table with a `criterion` and its `levels`",
                t.what
            ),
        );
    } else if criteria.is_empty() {
        t.err(
            errors,
            rline,
            format!(
                "the rubric of {} is empty; add at least one criterion",
                t.what
            ),
        );
    }
    for mut c in criteria {
        c.what = format!("{} of {}", c.what, t.what);
        let name = c.req_str(errors, "criterion");
        if let Some(name) = &name {
            c.what = format!("rubric criterion `{}` of {}", name.v, t.what);
        }
        let criterion_skills = c.str_list(errors, "skills");
        for skill in &criterion_skills.v {
            if !skills.v.contains(skill) {
                c.err(
                    errors,
                    Some(criterion_skills.line),
                    format!(
                        "{} assesses `{skill}`, which is not among the project's skills ({}); \
                         add it to the project's `skills` or take it out of the criterion",
                        c.what,
                        skills.v.join(", ")
                    ),
                );
            }
        }
        let (lline, level_tables) = c.tables(errors, "levels", "level");
        if level_tables.is_empty() && lline.is_none() {
            c.err(errors, None, format!("missing field `levels` in {}; add `levels = [{{ points = 1, description = \"…\" }}, …]`", c.what));
        } else if level_tables.is_empty() {
            c.err(
                errors,
                lline,
                format!(
                    "{} has no levels; add at least one `{{ points = …, description = \"…\" }}`",
                    c.what
                ),
            );
        }
        let mut levels: Vec<RubricLevel> = Vec::new();
        for mut l in level_tables {
            let points = l.req_int(errors, "points");
            let description = l.req_str(errors, "description");
            let line = l.line;
            l.finish(errors);
            match (points, description) {
                (Some(p), Some(d)) if p.v >= 0 => {
                    if levels
                        .last()
                        .is_some_and(|last| i64::from(last.points) >= p.v)
                    {
                        c.err(errors, Some(p.line), format!("levels of {} must go from lowest to highest points; {} does not come after {}", c.what, p.v, levels.last().map_or(0, |x| x.points)));
                    }
                    levels.push(RubricLevel {
                        points: u32::try_from(p.v).unwrap_or(u32::MAX),
                        description: d.v,
                    });
                }
                (Some(p), _) if p.v < 0 => {
                    c.err(
                        errors,
                        line,
                        format!("negative points {} in {}; use 0 or more", p.v, c.what),
                    );
                }
                _ => {}
            }
        }
        c.finish(errors);
        if let Some(name) = name {
            rubric.push(RubricCriterion {
                name: name.v,
                levels,
                skills: criterion_skills.v,
            });
        }
    }
    if body.is_empty() {
        t.err(
            errors,
            None,
            format!(
                "{} has no brief; write it in Markdown below the closing `+++`",
                t.what
            ),
        );
    }
    let skills_line = skills.line;
    t.finish(errors);
    if errors.len() > n {
        return None;
    }
    Some(Located {
        file: path.to_string(),
        line: id.as_ref().map_or(1, |i| i.line),
        refs_line: skills_line,
        value: Project {
            id: id?.v,
            title: title?.v,
            body: body.to_string(),
            interests: interests.v,
            skills: skills.v,
            group_min,
            group_max,
            rubric,
        },
    })
}
