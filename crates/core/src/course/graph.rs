//! Questions about the prerequisite graph of a parsed course.
//!
//! The adaptive path offers skills the student is ready for, and placement infers that
//! knowing a skill implies likely knowing everything below it (and not knowing it,
//! likely not knowing what builds on it). These walks live here, next to the types,
//! so every crate asks the graph the same way. Results follow the course's
//! topological skill order, so they are deterministic.

use super::{Course, Skill};
use std::collections::HashSet;

impl Course {
    /// Skills the student is ready to learn: not mastered, with every direct
    /// prerequisite mastered. `is_mastered` answers for a skill id, e.g.
    /// `|id| mastered.contains(id)`. In topological order.
    pub fn ready_skills(&self, is_mastered: impl Fn(&str) -> bool) -> Vec<&Skill> {
        self.skills
            .iter()
            .filter(|s| !is_mastered(&s.id) && s.prerequisites.iter().all(|p| is_mastered(p)))
            .collect()
    }

    /// Every skill `id` depends on, directly or not (without `id` itself), in
    /// topological order. Empty for an unknown id.
    pub fn all_prerequisites(&self, id: &str) -> Vec<&Skill> {
        let mut wanted: HashSet<&str> = HashSet::new();
        let mut todo: Vec<&str> = vec![id];
        while let Some(s) = todo.pop() {
            if let Some(skill) = self.skill(s) {
                for p in &skill.prerequisites {
                    if wanted.insert(p) {
                        todo.push(p);
                    }
                }
            }
        }
        self.skills
            .iter()
            .filter(|s| wanted.contains(s.id.as_str()) && s.id != id)
            .collect()
    }

    /// Every skill that depends on `id`, directly or not (without `id` itself), in
    /// topological order. Empty for an unknown id.
    pub fn all_dependents(&self, id: &str) -> Vec<&Skill> {
        let mut found: HashSet<&str> = HashSet::from([id]);
        // Topological order means one forward pass sees every dependent after its
        // prerequisites.
        let mut out = Vec::new();
        for s in &self.skills {
            if s.id != id && s.prerequisites.iter().any(|p| found.contains(p.as_str())) {
                found.insert(&s.id);
                out.push(s);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::Skill;
    use super::*;

    fn course() -> Course {
        let s = |id: &str, pre: &[&str]| Skill {
            id: id.into(),
            name: id.into(),
            description: String::new(),
            prerequisites: pre.iter().map(|p| p.to_string()).collect(),
            standards: Vec::new(),
        };
        Course {
            id: "c".into(),
            title: "C".into(),
            description: String::new(),
            level: String::new(),
            language: "en".into(),
            skills: vec![
                s("base", &[]),
                s("left", &["base"]),
                s("right", &["base"]),
                s("top", &["left", "right"]),
                s("other", &[]),
            ],
            lessons: Vec::new(),
            items: Vec::new(),
            projects: Vec::new(),
            assets: Vec::new(),
        }
    }

    fn ids(v: Vec<&Skill>) -> Vec<&str> {
        v.into_iter().map(|s| s.id.as_str()).collect()
    }

    #[test]
    fn ready() {
        let c = course();
        assert_eq!(ids(c.ready_skills(|_| false)), ["base", "other"]);
        let m: HashSet<&str> = HashSet::from(["base", "left"]);
        assert_eq!(ids(c.ready_skills(|id| m.contains(id))), ["right", "other"]);
        assert!(c.ready_skills(|_| true).is_empty());
    }

    #[test]
    fn closures() {
        let c = course();
        assert_eq!(ids(c.all_prerequisites("top")), ["base", "left", "right"]);
        assert_eq!(ids(c.all_prerequisites("base")), Vec::<&str>::new());
        assert_eq!(ids(c.all_dependents("base")), ["left", "right", "top"]);
        assert_eq!(ids(c.all_dependents("left")), ["top"]);
        assert!(c.all_dependents("nope").is_empty());
    }
}
