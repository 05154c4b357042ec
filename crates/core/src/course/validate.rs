//! Checks that span files: unique ids, skill references, and the prerequisite graph.
//!
//! Each file can be well-formed on its own and the course still be broken: two items
//! with one id, a lesson for a skill nobody defined, prerequisites that go round in a
//! circle. These checks run once every file is parsed; they also expand templates (so
//! generated ids take part in the uniqueness check) and put the skills in the
//! topological order the rest of the product relies on.

use super::fields::{Errors, edit_distance};
use super::graph::PrerequisiteGraph;
use super::template::{self, TemplateSpec};
use super::{Item, Lesson, Project, Skill};
use std::collections::{BTreeSet, HashMap};

/// A parsed value with where it came from.
#[derive(Debug, Clone)]
pub(crate) struct Located<T> {
    pub file: String,
    /// Line of its id.
    pub line: usize,
    /// Line of its skill references (`skills`, or `prerequisites` for a skill).
    pub refs_line: usize,
    pub value: T,
}

fn duplicates<'a>(
    errors: &mut Errors,
    kind: &str,
    entries: impl IntoIterator<Item = (&'a str, &'a str, usize)>,
) {
    let mut seen: HashMap<&str, (&str, usize)> = HashMap::new();
    for (id, file, line) in entries {
        match seen.get(id) {
            Some((f, l)) => errors.at(
                file,
                Some(line),
                format!(
                    "duplicate {kind} id `{id}`, already used at {f}:{l}; give each {kind} its own id"
                ),
            ),
            None => {
                seen.insert(id, (file, line));
            }
        }
    }
}

fn unknown_skills(
    errors: &mut Errors,
    known: &BTreeSet<&str>,
    file: &str,
    line: usize,
    what: &str,
    refs: &[String],
) {
    for r in refs {
        if !known.contains(r.as_str()) {
            unknown_skill(errors, known, file, line, what, r);
        }
    }
}

fn unknown_skill(
    errors: &mut Errors,
    known: &BTreeSet<&str>,
    file: &str,
    line: usize,
    what: &str,
    r: &str,
) {
    let hint = known
        .iter()
        .map(|k| (edit_distance(k, r), *k))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, k)| format!("did you mean `{k}`? "))
        .unwrap_or_default();
    errors.at(
        file,
        Some(line),
        format!("unknown skill `{r}` in {what}; {hint}every skill must be defined in skills.toml"),
    );
}

/// A variant lesson stands in for a default lesson that exists (and is not itself a
/// variant), and a default lesson has at most one stand-in per variant.
fn lesson_variants(errors: &mut Errors, lessons: &[Located<Lesson>]) {
    let mut seen: BTreeSet<(&str, &str)> = BTreeSet::new();
    for l in lessons {
        let (Some(variant), Some(of)) = (&l.value.variant, &l.value.variant_of) else {
            continue;
        };
        let what = format!("lesson `{}`", l.value.id);
        match lessons.iter().find(|d| d.value.id == *of) {
            None => errors.at(
                &l.file,
                Some(l.line),
                format!(
                    "`variant_of = \"{of}\"` in {what} names no lesson; use the id of the default lesson this variant stands in for"
                ),
            ),
            Some(d) if d.value.variant.is_some() => errors.at(
                &l.file,
                Some(l.line),
                format!(
                    "`variant_of = \"{of}\"` in {what} names another variant; name the default lesson (one without `variant`)"
                ),
            ),
            Some(_) => {}
        }
        if !seen.insert((of.as_str(), variant.as_str())) {
            errors.at(
                &l.file,
                Some(l.line),
                format!(
                    "{what} is a second `{variant}` variant of lesson `{of}`; keep one lesson per variant and default lesson"
                ),
            );
        }
    }
}

/// Runs every cross-file check, expands templates into `items` (placing each
/// template's instances at the template's position in its file) and returns the skills
/// in topological order.
pub(crate) fn check(
    errors: &mut Errors,
    skills: Vec<Located<Skill>>,
    lessons: &[Located<Lesson>],
    items: &mut Vec<Located<Item>>,
    dropped_items: &[(String, String, usize)],
    templates: &[Located<TemplateSpec>],
    projects: &[Located<Project>],
) -> Vec<Skill> {
    let known: BTreeSet<&str> = skills.iter().map(|s| s.value.id.as_str()).collect();
    duplicates(
        errors,
        "skill",
        skills
            .iter()
            .map(|s| (s.value.id.as_str(), s.file.as_str(), s.line)),
    );
    duplicates(
        errors,
        "lesson",
        lessons
            .iter()
            .map(|s| (s.value.id.as_str(), s.file.as_str(), s.line)),
    );
    duplicates(
        errors,
        "project",
        projects
            .iter()
            .map(|s| (s.value.id.as_str(), s.file.as_str(), s.line)),
    );
    duplicates(
        errors,
        "template",
        templates
            .iter()
            .map(|s| (s.value.id.as_str(), s.file.as_str(), s.line)),
    );

    let graph = graph_of(&skills);
    for (i, r) in graph.unknown_prerequisites() {
        let s = &skills[*i];
        let what = format!("the prerequisites of skill `{}`", s.value.id);
        unknown_skill(errors, &known, &s.file, s.refs_line, &what, r);
    }
    for l in lessons {
        let what = format!("lesson `{}`", l.value.id);
        unknown_skills(errors, &known, &l.file, l.refs_line, &what, &l.value.skills);
    }
    lesson_variants(errors, lessons);
    for i in items.iter() {
        let what = format!("item `{}`", i.value.id);
        unknown_skills(errors, &known, &i.file, i.refs_line, &what, &i.value.skills);
    }
    for t in templates {
        let what = format!("template `{}`", t.value.id);
        unknown_skills(errors, &known, &t.file, t.refs_line, &what, &t.value.skills);
    }
    for p in projects {
        let what = format!("project `{}`", p.value.id);
        unknown_skills(errors, &known, &p.file, p.refs_line, &what, &p.value.skills);
    }

    for t in templates {
        for item in template::expand(&t.value, errors) {
            items.push(Located {
                file: t.file.clone(),
                line: t.line,
                refs_line: t.refs_line,
                value: item,
            });
        }
    }
    // Stable: authored items and instances of one template keep their relative order.
    items.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    // Items dropped for another problem keep their ids here, so a duplicate id is
    // reported in the same run as that problem (every problem at once).
    let mut ids: Vec<(&str, &str, usize)> = items
        .iter()
        .map(|i| (i.value.id.as_str(), i.file.as_str(), i.line))
        .chain(
            dropped_items
                .iter()
                .map(|(id, file, line)| (id.as_str(), file.as_str(), *line)),
        )
        .collect();
    ids.sort_by(|a, b| (a.1, a.2).cmp(&(b.1, b.2)));
    duplicates(errors, "item", ids);

    order_by(errors, skills, &graph)
}

fn graph_of(skills: &[Located<Skill>]) -> PrerequisiteGraph {
    PrerequisiteGraph::new(
        skills
            .iter()
            .map(|s| (s.value.id.as_str(), s.value.prerequisites.as_slice())),
    )
}

/// [`order_by`] building the graph of `skills` itself.
#[cfg(test)]
fn order_skills(errors: &mut Errors, skills: Vec<Located<Skill>>) -> Vec<Skill> {
    let graph = graph_of(&skills);
    order_by(errors, skills, &graph)
}

/// Sorts skills so every skill comes after its prerequisites, keeping file order where
/// the graph (of `skills`) allows; reports each cycle once, naming its skills.
fn order_by(
    errors: &mut Errors,
    skills: Vec<Located<Skill>>,
    graph: &PrerequisiteGraph,
) -> Vec<Skill> {
    for cycle in graph.cycles() {
        let first = &skills[cycle[0]];
        let mut names: Vec<&str> = cycle.iter().map(|&i| skills[i].value.id.as_str()).collect();
        names.push(first.value.id.as_str());
        errors.at(
            &first.file,
            Some(first.refs_line),
            format!(
                "prerequisites form a cycle: {} (each needs the next); remove one of these prerequisites",
                names.join(" → ")
            ),
        );
    }

    let mut slots: Vec<Option<Skill>> = skills.into_iter().map(|s| Some(s.value)).collect();
    // Skills on a cycle are left out; the cycle error keeps the course from importing.
    graph
        .topological_order()
        .into_iter()
        .filter_map(|i| slots[i].take())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skill(id: &str, pre: &[&str], line: usize) -> Located<Skill> {
        Located {
            file: "skills.toml".into(),
            line,
            refs_line: line + 1,
            value: Skill {
                id: id.into(),
                name: id.into(),
                description: String::new(),
                prerequisites: pre.iter().map(|s| s.to_string()).collect(),
                standards: Vec::new(),
            },
        }
    }

    fn ids(v: &[Skill]) -> Vec<&str> {
        v.iter().map(|s| s.id.as_str()).collect()
    }

    #[test]
    fn topological_order_keeps_file_order_where_possible() {
        let mut e = Errors::default();
        let order = order_skills(
            &mut e,
            vec![
                skill("c", &["b"], 1),
                skill("a", &[], 5),
                skill("b", &["a"], 9),
                skill("d", &[], 13),
            ],
        );
        assert!(e.0.is_empty());
        assert_eq!(ids(&order), ["a", "b", "c", "d"]);
    }

    #[test]
    fn diamond() {
        let mut e = Errors::default();
        let order = order_skills(
            &mut e,
            vec![
                skill("top", &["left", "right"], 1),
                skill("left", &["base"], 3),
                skill("right", &["base"], 5),
                skill("base", &[], 7),
            ],
        );
        assert!(e.0.is_empty());
        assert_eq!(ids(&order), ["base", "left", "right", "top"]);
    }

    #[test]
    fn cycle_is_reported_once_with_its_skills() {
        let mut e = Errors::default();
        let order = order_skills(
            &mut e,
            vec![
                skill("a", &["c"], 1),
                skill("b", &["a"], 4),
                skill("c", &["b"], 7),
                skill("d", &[], 10),
            ],
        );
        assert_eq!(e.0.len(), 1, "{:?}", e.0);
        assert_eq!(e.0[0].line, Some(2));
        assert!(
            e.0[0].message.contains("a → c → b → a"),
            "{}",
            e.0[0].message
        );
        assert_eq!(ids(&order), ["d"]);
    }

    #[test]
    fn self_loop_and_two_cycles() {
        let mut e = Errors::default();
        order_skills(
            &mut e,
            vec![
                skill("a", &["a"], 1),
                skill("b", &["c"], 4),
                skill("c", &["b"], 7),
            ],
        );
        assert_eq!(e.0.len(), 2, "{:?}", e.0);
        assert!(e.0[0].message.contains("a → a"));
        assert!(e.0[1].message.contains("b → c → b"));
    }
}
