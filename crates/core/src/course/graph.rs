//! The prerequisite graph of a course, built once and asked by everyone.
//!
//! The adaptive path offers skills the student is ready for, placement infers that
//! knowing a skill implies likely knowing everything below it (and not knowing it,
//! likely not knowing what builds on it), the skill map draws the graph in layers, the
//! simulation walks it, and validation orders it and finds its cycles. All of them ask
//! one [`PrerequisiteGraph`], so they agree on what an edge is: a known, distinct
//! prerequisite (unknown ids are set aside for validation to report, repeated ones count
//! once). Results come in index order, which for a [`Course`] is its topological skill
//! order, so they are deterministic.

use super::{Course, Skill};
use std::collections::{BTreeSet, HashMap};

/// Skills as dense indices with their prerequisite and dependent edges.
///
/// Node `i` is the `i`-th skill handed to [`PrerequisiteGraph::new`]; for
/// [`PrerequisiteGraph::of`] that is `course.skills[i]`, and since a validated course
/// lists its skills in topological order, every prerequisite of `i` is smaller than `i`.
/// The graph itself accepts any input (cycles, unknown ids, repeated ids) so validation
/// can ask it what is wrong before a [`Course`] exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrerequisiteGraph {
    index: HashMap<String, usize>,
    /// Per node: its direct prerequisites, sorted and distinct.
    prerequisites: Vec<Vec<usize>>,
    /// Per node: the nodes that list it as a direct prerequisite, sorted and distinct.
    dependents: Vec<Vec<usize>>,
    /// `(node, id)` for every prerequisite id that names no node, in input order.
    unknown: Vec<(usize, String)>,
}

impl PrerequisiteGraph {
    /// The graph of `(skill id, its direct prerequisite ids)` in the given order. When
    /// two skills share an id, references to it mean the later one.
    pub fn new<'a, S>(skills: impl IntoIterator<Item = (&'a str, &'a [S])>) -> Self
    where
        S: AsRef<str> + 'a,
    {
        let skills: Vec<(&str, &[S])> = skills.into_iter().collect();
        let index: HashMap<String, usize> = skills
            .iter()
            .enumerate()
            .map(|(i, (id, _))| (id.to_string(), i))
            .collect();
        let mut unknown = Vec::new();
        let prerequisites: Vec<Vec<usize>> = skills
            .iter()
            .enumerate()
            .map(|(i, (_, pre))| {
                let mut p = Vec::with_capacity(pre.len());
                for id in pre.iter().map(AsRef::as_ref) {
                    match index.get(id) {
                        Some(&j) => p.push(j),
                        None => unknown.push((i, id.to_string())),
                    }
                }
                p.sort_unstable();
                p.dedup();
                p
            })
            .collect();
        let mut dependents = vec![Vec::new(); skills.len()];
        for (i, ps) in prerequisites.iter().enumerate() {
            for &p in ps {
                dependents[p].push(i);
            }
        }
        PrerequisiteGraph {
            index,
            prerequisites,
            dependents,
            unknown,
        }
    }

    /// The graph of a course's skills; node `i` is `course.skills[i]`.
    pub fn of(course: &Course) -> Self {
        Self::new(
            course
                .skills
                .iter()
                .map(|s| (s.id.as_str(), s.prerequisites.as_slice())),
        )
    }

    /// Number of skills.
    pub fn len(&self) -> usize {
        self.prerequisites.len()
    }

    pub fn is_empty(&self) -> bool {
        self.prerequisites.is_empty()
    }

    /// The node of skill `id`, if there is one.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// Direct prerequisites of `i`, sorted and distinct.
    pub fn prerequisites(&self, i: usize) -> &[usize] {
        &self.prerequisites[i]
    }

    /// Skills that list `i` as a direct prerequisite, sorted and distinct.
    pub fn dependents(&self, i: usize) -> &[usize] {
        &self.dependents[i]
    }

    /// Prerequisite ids that name no skill, as `(node, id)` in input order (an id
    /// listed twice appears twice).
    pub fn unknown_prerequisites(&self) -> &[(usize, String)] {
        &self.unknown
    }

    /// Every skill `i` depends on, directly or not, without `i` itself; sorted.
    pub fn ancestors(&self, i: usize) -> Vec<usize> {
        let mut all = self.reach(&[i], &self.prerequisites);
        all.retain(|&j| j != i);
        all
    }

    /// Every skill that depends on `i`, directly or not, without `i` itself; sorted.
    pub fn descendants(&self, i: usize) -> Vec<usize> {
        let mut all = self.reach(&[i], &self.dependents);
        all.retain(|&j| j != i);
        all
    }

    /// `targets` and everything they depend on, directly or not; sorted and distinct.
    pub fn with_ancestors(&self, targets: &[usize]) -> Vec<usize> {
        self.reach(targets, &self.prerequisites)
    }

    /// `start` and every node reachable from it along `edges`, sorted.
    fn reach(&self, start: &[usize], edges: &[Vec<usize>]) -> Vec<usize> {
        let mut seen = vec![false; self.len()];
        let mut stack: Vec<usize> = start.to_vec();
        while let Some(i) = stack.pop() {
            if !seen[i] {
                seen[i] = true;
                stack.extend(edges[i].iter().copied());
            }
        }
        (0..seen.len()).filter(|&i| seen[i]).collect()
    }

    /// Nodes so that every skill comes after its prerequisites, keeping index order
    /// where the graph allows (Kahn's algorithm, always taking the smallest ready node).
    /// Nodes on a cycle, or depending on one, are left out.
    pub fn topological_order(&self) -> Vec<usize> {
        let mut missing: Vec<usize> = self.prerequisites.iter().map(Vec::len).collect();
        let mut ready: BTreeSet<usize> = (0..self.len()).filter(|&i| missing[i] == 0).collect();
        let mut order = Vec::with_capacity(self.len());
        while let Some(i) = ready.pop_first() {
            order.push(i);
            for &d in &self.dependents[i] {
                missing[d] -= 1;
                if missing[d] == 0 {
                    ready.insert(d);
                }
            }
        }
        order
    }

    /// Depth of each node: 0 for a skill without prerequisites, else one more than its
    /// deepest prerequisite. Nodes on a cycle, or depending on one, all get one more
    /// than the deepest other node.
    pub fn depths(&self) -> Vec<usize> {
        let n = self.len();
        let mut depth = vec![0usize; n];
        let mut placed = vec![false; n];
        for i in self.topological_order() {
            depth[i] = self.prerequisites[i]
                .iter()
                .map(|&p| depth[p] + 1)
                .max()
                .unwrap_or(0);
            placed[i] = true;
        }
        let deepest = (0..n).filter(|&i| placed[i]).map(|i| depth[i]).max();
        let beyond = deepest.map_or(0, |d| d + 1);
        for i in (0..n).filter(|&i| !placed[i]) {
            depth[i] = beyond;
        }
        depth
    }

    /// Nodes grouped by [`depths`](Self::depths), shallowest first, each layer in index
    /// order; no layer is empty. Every skill sits in a later layer than its prerequisites
    /// (except on a cycle, which shares the last layer).
    pub fn layers(&self) -> Vec<Vec<usize>> {
        let depth = self.depths();
        let count = depth.iter().copied().max().map_or(0, |m| m + 1);
        let mut layers = vec![Vec::new(); count];
        for (i, &d) in depth.iter().enumerate() {
            layers[d].push(i);
        }
        layers.retain(|l| !l.is_empty());
        layers
    }

    /// Every elementary cycle a depth-first search meets, each reported once, as the
    /// nodes along it from dependent to prerequisite, starting at its smallest node (so
    /// `[a, b]` means `a` needs `b` and `b` needs `a`; `[a]` is a skill that needs itself).
    pub fn cycles(&self) -> Vec<Vec<usize>> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Active,
            Done,
        }
        let n = self.len();
        let mut mark = vec![Mark::New; n];
        let mut found: Vec<Vec<usize>> = Vec::new();
        let mut seen: BTreeSet<Vec<usize>> = BTreeSet::new();
        for start in 0..n {
            if mark[start] != Mark::New {
                continue;
            }
            // Iterative DFS: (node, next prerequisite to visit).
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            mark[start] = Mark::Active;
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                if let Some(&p) = self.prerequisites[node].get(*next) {
                    *next += 1;
                    match mark[p] {
                        Mark::New => {
                            mark[p] = Mark::Active;
                            stack.push((p, 0));
                        }
                        Mark::Active => {
                            let pos = stack.iter().position(|&(x, _)| x == p).unwrap_or(0);
                            let mut cycle: Vec<usize> =
                                stack[pos..].iter().map(|&(x, _)| x).collect();
                            let min = cycle
                                .iter()
                                .enumerate()
                                .min_by_key(|&(_, &x)| x)
                                .map_or(0, |(i, _)| i);
                            cycle.rotate_left(min);
                            let mut key = cycle.clone();
                            key.sort_unstable();
                            if seen.insert(key) {
                                found.push(cycle);
                            }
                        }
                        Mark::Done => {}
                    }
                } else {
                    mark[node] = Mark::Done;
                    stack.pop();
                }
            }
        }
        found
    }
}

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
        let graph = PrerequisiteGraph::of(self);
        graph.index_of(id).map_or_else(Vec::new, |i| {
            graph
                .ancestors(i)
                .into_iter()
                .map(|j| &self.skills[j])
                .collect()
        })
    }

    /// Every skill that depends on `id`, directly or not (without `id` itself), in
    /// topological order. Empty for an unknown id.
    pub fn all_dependents(&self, id: &str) -> Vec<&Skill> {
        let graph = PrerequisiteGraph::of(self);
        graph.index_of(id).map_or_else(Vec::new, |i| {
            graph
                .descendants(i)
                .into_iter()
                .map(|j| &self.skills[j])
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::Skill;
    use super::*;
    use std::collections::HashSet;

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

    /// The graph of `(id, prerequisites)` pairs.
    fn graph(skills: &[(&'static str, &'static [&'static str])]) -> PrerequisiteGraph {
        PrerequisiteGraph::new(skills.iter().map(|&(id, pre)| (id, pre)))
    }

    const DIAMOND: &[(&str, &[&str])] = &[
        ("base", &[]),
        ("left", &["base"]),
        ("right", &["base"]),
        ("top", &["left", "right"]),
        ("other", &[]),
    ];

    #[test]
    fn diamond_edges_and_closures() {
        let g = graph(DIAMOND);
        assert_eq!(g.len(), 5);
        assert_eq!(g.index_of("top"), Some(3));
        assert_eq!(g.index_of("nope"), None);
        assert_eq!(g.prerequisites(3), [1, 2]);
        assert_eq!(g.dependents(0), [1, 2]);
        assert!(g.dependents(3).is_empty());
        // Two paths down from the top reach the base once.
        assert_eq!(g.ancestors(3), [0, 1, 2]);
        assert_eq!(g.descendants(0), [1, 2, 3]);
        assert!(g.ancestors(4).is_empty() && g.descendants(4).is_empty());
        assert_eq!(g.with_ancestors(&[1, 4]), [0, 1, 4]);
        assert!(g.cycles().is_empty());
        assert!(g.unknown_prerequisites().is_empty());
    }

    #[test]
    fn repeated_prerequisites_count_once() {
        let g = graph(&[("a", &[]), ("b", &["a", "a"])]);
        assert_eq!(g.prerequisites(1), [0]);
        assert_eq!(g.dependents(0), [1]);
    }

    #[test]
    fn unknown_ids_are_kept_for_validation_and_not_edges() {
        let g = graph(&[("a", &["ghost", "b"]), ("b", &["ghost"])]);
        assert_eq!(g.prerequisites(0), [1]);
        assert!(g.prerequisites(1).is_empty());
        assert_eq!(
            g.unknown_prerequisites(),
            [(0, "ghost".to_string()), (1, "ghost".to_string())]
        );
    }

    #[test]
    fn a_repeated_id_means_the_later_skill() {
        let g = graph(&[("a", &[]), ("a", &[]), ("b", &["a"])]);
        assert_eq!(g.index_of("a"), Some(1));
        assert_eq!(g.prerequisites(2), [1]);
    }

    #[test]
    fn layers_follow_the_longest_chain() {
        let g = graph(DIAMOND);
        assert_eq!(g.depths(), [0, 1, 1, 2, 0]);
        assert_eq!(g.layers(), [vec![0, 4], vec![1, 2], vec![3]]);
        // A shortcut edge does not pull a skill up: `d` needs `a` directly and via `c`.
        let g = graph(&[("a", &[]), ("b", &["a"]), ("c", &["b"]), ("d", &["a", "c"])]);
        assert_eq!(g.depths(), [0, 1, 2, 3]);
        assert!(graph(&[]).layers().is_empty());
    }

    #[test]
    fn topological_order_keeps_input_order_where_it_can() {
        let g = graph(&[("c", &["b"]), ("a", &[]), ("b", &["a"]), ("d", &[])]);
        assert_eq!(g.topological_order(), [1, 2, 0, 3]);
        // Already topological input comes back unchanged.
        assert_eq!(graph(DIAMOND).topological_order(), [0, 1, 2, 3, 4]);
    }

    #[test]
    fn cycles_are_reported_once_and_left_out_of_the_order() {
        // a needs c, c needs b, b needs a; d depends on the cycle; e is free.
        let g = graph(&[
            ("a", &["c"]),
            ("b", &["a"]),
            ("c", &["b"]),
            ("d", &["a"]),
            ("e", &[]),
        ]);
        assert_eq!(g.cycles(), [vec![0, 2, 1]]);
        assert_eq!(g.topological_order(), [4]);
        // Everything on or behind the cycle shares the last layer.
        assert_eq!(g.layers(), [vec![4], vec![0, 1, 2, 3]]);
        assert_eq!(g.ancestors(0), [1, 2]);
        assert_eq!(g.descendants(0), [1, 2, 3]);
    }

    #[test]
    fn self_loops_and_separate_cycles() {
        let g = graph(&[("a", &["a"]), ("b", &["c"]), ("c", &["b"]), ("d", &[])]);
        assert_eq!(g.cycles(), [vec![0], vec![1, 2]]);
        assert_eq!(g.topological_order(), [3]);
        assert!(g.ancestors(0).is_empty());
    }

    #[test]
    fn a_course_graph_indexes_its_skills() {
        let c = course();
        let g = PrerequisiteGraph::of(&c);
        assert_eq!(g.len(), c.skills.len());
        for (i, s) in c.skills.iter().enumerate() {
            assert_eq!(g.index_of(&s.id), Some(i));
        }
        assert_eq!(g.prerequisites(3), [1, 2]);
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
