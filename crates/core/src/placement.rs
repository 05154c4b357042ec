//! Placement (SPEC C3): a short adaptive check that places a new student across every
//! skill of a course in far fewer questions than one per skill.
//!
//! **Model.** Knowledge space theory (Doignon & Falmagne, *Knowledge Spaces*, 1999;
//! Falmagne et al., "The assessment of knowledge, in theory and in practice", 2006, the
//! basis of ALEKS) treats a student's knowledge as a *knowledge state*: a set of skills
//! closed under prerequisites (whoever knows a skill knows everything below it). So one
//! answer informs the whole graph: a correct answer on a skill raises the belief in its
//! prerequisites, a wrong one lowers the belief in its dependents.
//!
//! The number of down-closed sets grows exponentially with the course, so the belief is a
//! weighted sample of states (a particle approximation): each particle is drawn from a
//! prior in which the student sits at a random level `u ~ U(0, 1)` along the course and
//! knows a skill when they know all its prerequisites and `u + spread·z > position`
//! (`z ~ N(0, 1)`, `position` from the skill's depth in the graph). Particles are built in
//! topological order, so every one is down-closed. Answers are observed through the usual
//! slip/guess model of knowledge tracing (Corbett & Anderson, 1995): P(correct | known) =
//! 1 − slip, P(correct | not known) = guess; recording an answer reweights the particles
//! (Bayes' rule), and P(mastered) of a skill is the weight of the particles that hold it.
//!
//! **Question choice.** The next skill is the one whose answer minimises the expected sum of
//! the per-skill binary entropies after the answer (the expected entropy reduction over the
//! whole graph, one-step lookahead as in ALEKS-style adaptive assessment). On a chain this
//! asks the middle first, a binary search. The check stops when every belief is below
//! `low` or above `high`, or after `max_questions` (the teacher's cap, 12 by default).
//!
//! **Determinism.** Particles come from a ChaCha8 generator seeded by the config, so the
//! same course, config and answers always give the same questions and beliefs. The web
//! stores only the answers and rebuilds the placement with [`Placement::replay`].

use crate::course::{Course, PrerequisiteGraph};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Beliefs handed out are kept inside `[BELIEF_FLOOR, 1 − BELIEF_FLOOR]`: a seed of exactly
/// 0 or 1 would make the mastery projection deaf to later answers.
pub const BELIEF_FLOOR: f64 = 0.01;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlacementConfig {
    /// The teacher's cap on questions.
    pub max_questions: usize,
    /// A skill is confidently "not known" at or below this belief.
    pub low: f64,
    /// A skill is confidently "known" at or above this belief.
    pub high: f64,
    /// P(wrong | known) for a placement item.
    pub slip: f64,
    /// P(correct | not known) for a placement item.
    pub guess: f64,
    /// Sampled knowledge states.
    pub particles: usize,
    /// Noise of the prior around the student's level (in course-length units): how far a
    /// student's knowledge departs from "everything up to a level".
    pub spread: f64,
    pub seed: u64,
}

impl Default for PlacementConfig {
    fn default() -> Self {
        PlacementConfig {
            max_questions: 12,
            low: 0.1,
            high: 0.9,
            slip: 0.1,
            guess: 0.2,
            particles: 4096,
            spread: 0.15,
            seed: 0x0b1a_ce00,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlacementError {
    #[error("skill `{0}` is not in this course")]
    UnknownSkill(String),
    #[error("the placement is over: no more answers are expected")]
    Finished,
}

/// Where placement puts a student on one skill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// Belief at or above `high`.
    Known,
    /// Belief at or below `low`.
    NotKnown,
    /// In between: the more likely side is `likely_known`.
    Unsure { likely_known: bool },
}

impl Class {
    /// The more likely answer, confident or not.
    pub fn likely_known(self) -> bool {
        match self {
            Class::Known => true,
            Class::NotKnown => false,
            Class::Unsure { likely_known } => likely_known,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlacementSummary {
    /// Skills classified as (likely) known.
    pub known: usize,
    pub total: usize,
    /// The first skill (topological order) that is not known and whose prerequisites all are.
    pub start_here: Option<String>,
    /// E.g. "You already know 14 of 27 skills; start here: Equivalent fractions."
    pub text: String,
}

/// An adaptive placement check in progress. Build with [`Placement::new`], then loop:
/// [`Placement::next_skill`], ask one of its items, [`Placement::record`] the grade,
/// until [`Placement::is_done`]; then seed each skill's mastery with
/// [`Placement::beliefs`].
#[derive(Debug, Clone)]
pub struct Placement {
    config: PlacementConfig,
    ids: Vec<String>,
    names: Vec<String>,
    graph: PrerequisiteGraph,
    words: usize,
    /// `particles × words` bitsets, particle-major.
    states: Vec<u64>,
    /// Normalised to sum 1.
    weights: Vec<f64>,
    answers: Vec<(String, bool)>,
    marginals: Vec<f64>,
}

fn entropy(p: f64) -> f64 {
    let mut h = 0.0;
    if p > 0.0 {
        h -= p * p.log2();
    }
    if p < 1.0 {
        h -= (1.0 - p) * (1.0 - p).log2();
    }
    h
}

/// A standard normal draw (Box–Muller).
pub(crate) fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Depth of each skill (0 for roots, else 1 + the deepest prerequisite) mapped to a
/// position in (0, 1) along the course.
pub(crate) fn positions(graph: &PrerequisiteGraph) -> Vec<f64> {
    let depth = graph.depths();
    let max = depth.iter().copied().max().unwrap_or(0) as f64;
    depth
        .iter()
        .map(|&d| (d as f64 + 0.5) / (max + 1.0))
        .collect()
}

impl Placement {
    pub fn new(course: &Course, config: PlacementConfig) -> Placement {
        let ids: Vec<String> = course.skills.iter().map(|s| s.id.clone()).collect();
        let names = course.skills.iter().map(|s| s.name.clone()).collect();
        let graph = PrerequisiteGraph::of(course);
        let k = ids.len();
        let words = k.div_ceil(64).max(1);
        let n = config.particles.max(1);
        let position = positions(&graph);
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        let mut states = vec![0u64; n * words];
        for i in 0..n {
            let level: f64 = rng.random::<f64>();
            let state = &mut states[i * words..(i + 1) * words];
            for s in 0..k {
                let z = normal(&mut rng);
                let ready = graph
                    .prerequisites(s)
                    .iter()
                    .all(|&p| state[p / 64] >> (p % 64) & 1 == 1);
                if ready && level + config.spread * z > position[s] {
                    state[s / 64] |= 1 << (s % 64);
                }
            }
        }
        let mut placement = Placement {
            config,
            ids,
            names,
            graph,
            words,
            states,
            weights: vec![1.0 / n as f64; n],
            answers: Vec::new(),
            marginals: Vec::new(),
        };
        placement.refresh_marginals();
        placement
    }

    /// Rebuilds a placement from its recorded answers (what the web stores).
    pub fn replay(
        course: &Course,
        config: PlacementConfig,
        answers: &[(String, bool)],
    ) -> Result<Placement, PlacementError> {
        let mut p = Placement::new(course, config);
        for (skill, correct) in answers {
            p.record_unchecked(skill, *correct)?;
        }
        Ok(p)
    }

    fn known(&self, particle: usize, skill: usize) -> bool {
        self.states[particle * self.words + skill / 64] >> (skill % 64) & 1 == 1
    }

    fn refresh_marginals(&mut self) {
        let k = self.ids.len();
        let mut m = vec![0.0; k];
        for (i, &w) in self.weights.iter().enumerate() {
            for (s, ms) in m.iter_mut().enumerate() {
                if self.known(i, s) {
                    *ms += w;
                }
            }
        }
        self.marginals = m;
    }

    pub fn config(&self) -> &PlacementConfig {
        &self.config
    }

    /// The answers recorded so far, in order.
    pub fn answers(&self) -> &[(String, bool)] {
        &self.answers
    }

    pub fn questions_asked(&self) -> usize {
        self.answers.len()
    }

    /// Whether every belief is confident or the cap is reached.
    pub fn is_done(&self) -> bool {
        self.answers.len() >= self.config.max_questions
            || self
                .marginals
                .iter()
                .all(|&m| m <= self.config.low || m >= self.config.high)
    }

    /// The skill to ask about next (the caller picks one of its items), or `None` when done.
    pub fn next_skill(&self) -> Option<&str> {
        if self.is_done() {
            return None;
        }
        self.best_skill().map(|s| self.ids[s].as_str())
    }

    /// Expected sum of marginal entropies after asking each skill; the smallest wins
    /// (ties go to the earlier skill).
    fn best_skill(&self) -> Option<usize> {
        let k = self.ids.len();
        // co[s][t] = P(s and t known).
        let mut co = vec![0.0; k * k];
        let mut known = Vec::with_capacity(k);
        for (i, &w) in self.weights.iter().enumerate() {
            if w == 0.0 {
                continue;
            }
            known.clear();
            known.extend((0..k).filter(|&s| self.known(i, s)));
            for &s in &known {
                let row = &mut co[s * k..(s + 1) * k];
                for &t in &known {
                    row[t] += w;
                }
            }
        }
        let (slip, guess) = (self.config.slip, self.config.guess);
        let mut best: Option<(usize, f64)> = None;
        for s in 0..k {
            let ms = self.marginals[s];
            let p_correct = (1.0 - slip) * ms + guess * (1.0 - ms);
            let p_wrong = 1.0 - p_correct;
            let mut expected = 0.0;
            for t in 0..k {
                let both = co[s * k + t];
                let only_t = (self.marginals[t] - both).max(0.0);
                if p_correct > 0.0 {
                    let post = ((1.0 - slip) * both + guess * only_t) / p_correct;
                    expected += p_correct * entropy(post.clamp(0.0, 1.0));
                }
                if p_wrong > 0.0 {
                    let post = (slip * both + (1.0 - guess) * only_t) / p_wrong;
                    expected += p_wrong * entropy(post.clamp(0.0, 1.0));
                }
            }
            if best.is_none_or(|(_, e)| expected < e - 1e-12) {
                best = Some((s, expected));
            }
        }
        best.map(|(s, _)| s)
    }

    /// Records a graded answer on one item of `skill`.
    pub fn record(&mut self, skill: &str, correct: bool) -> Result<(), PlacementError> {
        if self.answers.len() >= self.config.max_questions {
            return Err(PlacementError::Finished);
        }
        self.record_unchecked(skill, correct)
    }

    fn record_unchecked(&mut self, skill: &str, correct: bool) -> Result<(), PlacementError> {
        let s = self
            .ids
            .iter()
            .position(|id| id == skill)
            .ok_or_else(|| PlacementError::UnknownSkill(skill.to_string()))?;
        let (slip, guess) = (self.config.slip, self.config.guess);
        let mut total = 0.0;
        for i in 0..self.weights.len() {
            let likelihood = match (self.known(i, s), correct) {
                (true, true) => 1.0 - slip,
                (true, false) => slip,
                (false, true) => guess,
                (false, false) => 1.0 - guess,
            };
            self.weights[i] *= likelihood;
            total += self.weights[i];
        }
        if total > 0.0 && total.is_finite() {
            for w in &mut self.weights {
                *w /= total;
            }
        } else {
            // Every particle contradicts the answers (only with slip or guess of 0):
            // fall back to the prior rather than divide by zero.
            let n = self.weights.len() as f64;
            self.weights.iter_mut().for_each(|w| *w = 1.0 / n);
        }
        self.answers.push((skill.to_string(), correct));
        self.refresh_marginals();
        Ok(())
    }

    fn clamped(&self, s: usize) -> f64 {
        self.marginals[s].clamp(BELIEF_FLOOR, 1.0 - BELIEF_FLOOR)
    }

    /// P(mastered) per skill, in course order, kept inside
    /// `[BELIEF_FLOOR, 1 − BELIEF_FLOOR]`: the seed for each skill's mastery projection.
    pub fn beliefs(&self) -> Vec<(String, f64)> {
        (0..self.ids.len())
            .map(|s| (self.ids[s].clone(), self.clamped(s)))
            .collect()
    }

    /// P(mastered) of one skill, if it is in the course.
    pub fn belief(&self, skill: &str) -> Option<f64> {
        self.ids
            .iter()
            .position(|id| id == skill)
            .map(|s| self.clamped(s))
    }

    /// The class of every skill, in course order.
    pub fn classes(&self) -> Vec<(String, Class)> {
        (0..self.ids.len())
            .map(|s| {
                let m = self.marginals[s];
                let class = if m >= self.config.high {
                    Class::Known
                } else if m <= self.config.low {
                    Class::NotKnown
                } else {
                    Class::Unsure {
                        likely_known: m >= 0.5,
                    }
                };
                (self.ids[s].clone(), class)
            })
            .collect()
    }

    pub fn summary(&self) -> PlacementSummary {
        summarize(&self.ids, &self.names, &self.graph, &self.marginals)
    }
}

/// The summary of a finished check from the beliefs it handed out (what the web stores),
/// without replaying it: the same words as [`Placement::summary`].
pub fn summary_from_beliefs(course: &Course, beliefs: &[(String, f64)]) -> PlacementSummary {
    let belief = |id: &str| {
        beliefs
            .iter()
            .find(|(s, _)| s == id)
            .map_or(0.0, |(_, b)| *b)
    };
    let ids: Vec<String> = course.skills.iter().map(|s| s.id.clone()).collect();
    let names: Vec<String> = course.skills.iter().map(|s| s.name.clone()).collect();
    let marginals: Vec<f64> = ids.iter().map(|id| belief(id)).collect();
    summarize(&ids, &names, &PrerequisiteGraph::of(course), &marginals)
}

/// "You already know N of M skills; start here: …": a skill counts as known at belief
/// ≥ 0.5; the start is the first unknown skill whose prerequisites are all known.
fn summarize(
    ids: &[String],
    names: &[String],
    graph: &PrerequisiteGraph,
    marginals: &[f64],
) -> PlacementSummary {
    let known: Vec<bool> = marginals.iter().map(|&m| m >= 0.5).collect();
    let count = known.iter().filter(|&&k| k).count();
    let start =
        (0..ids.len()).find(|&s| !known[s] && graph.prerequisites(s).iter().all(|&p| known[p]));
    let total = ids.len();
    let text = match start {
        Some(s) => format!(
            "You already know {count} of {total} skills; start here: {}.",
            names[s]
        ),
        None if total == 0 => "This course has no skills yet.".to_string(),
        None => format!("You already know all {total} skills: review or pick a project."),
    };
    PlacementSummary {
        known: count,
        total,
        start_here: start.map(|s| ids[s].clone()),
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::Skill;

    #[test]
    fn the_stored_beliefs_give_the_same_summary_as_the_check() {
        let c = course(&[("a", &[]), ("b", &["a"]), ("c", &["b"]), ("d", &["c"])]);
        let mut p = Placement::new(&c, PlacementConfig::default());
        p.record("b", true).unwrap();
        p.record("c", false).unwrap();
        let summary = p.summary();
        assert_eq!(summary_from_beliefs(&c, &p.beliefs()), summary);
        assert_eq!(summary.start_here.as_deref(), Some("c"), "{}", summary.text);
    }

    fn course(skills: &[(&str, &[&str])]) -> Course {
        Course {
            id: "c".into(),
            title: "C".into(),
            description: String::new(),
            level: String::new(),
            language: "en".into(),
            skills: skills
                .iter()
                .map(|(id, pre)| Skill {
                    id: id.to_string(),
                    name: id.to_uppercase(),
                    description: String::new(),
                    prerequisites: pre.iter().map(|p| p.to_string()).collect(),
                    standards: Vec::new(),
                })
                .collect(),
            lessons: Vec::new(),
            items: Vec::new(),
            projects: Vec::new(),
            assets: Vec::new(),
        }
    }

    fn chain() -> Course {
        course(&[("a", &[]), ("b", &["a"]), ("c", &["b"])])
    }

    fn b(p: &Placement, s: &str) -> f64 {
        p.belief(s).unwrap()
    }

    #[test]
    fn beliefs_respect_the_graph() {
        let p = Placement::new(&chain(), PlacementConfig::default());
        assert!(b(&p, "a") >= b(&p, "b") && b(&p, "b") >= b(&p, "c"));
        assert!(b(&p, "a") < 0.95 && b(&p, "c") > 0.05);
    }

    #[test]
    fn a_correct_answer_on_the_top_raises_everything_below() {
        let mut p = Placement::new(&chain(), PlacementConfig::default());
        let (a, bb) = (b(&p, "a"), b(&p, "b"));
        p.record("c", true).unwrap();
        assert!(b(&p, "a") > a && b(&p, "b") > bb, "{:?}", p.beliefs());
    }

    #[test]
    fn a_wrong_answer_on_the_bottom_lowers_everything_above() {
        let mut p = Placement::new(&chain(), PlacementConfig::default());
        let (bb, c) = (b(&p, "b"), b(&p, "c"));
        p.record("a", false).unwrap();
        assert!(b(&p, "b") < bb && b(&p, "c") < c, "{:?}", p.beliefs());
    }

    #[test]
    fn asks_the_middle_of_a_chain_first() {
        let p = Placement::new(&chain(), PlacementConfig::default());
        assert_eq!(p.next_skill(), Some("b"));
        let long: Vec<(String, Vec<String>)> = (0..7)
            .map(|i| {
                let pre = if i == 0 {
                    vec![]
                } else {
                    vec![format!("s{}", i - 1)]
                };
                (format!("s{i}"), pre)
            })
            .collect();
        let refs: Vec<(&str, Vec<&str>)> = long
            .iter()
            .map(|(id, pre)| (id.as_str(), pre.iter().map(String::as_str).collect()))
            .collect();
        let skills: Vec<(&str, &[&str])> = refs.iter().map(|(i, p)| (*i, p.as_slice())).collect();
        let p = Placement::new(&course(&skills), PlacementConfig::default());
        let first = p.next_skill().unwrap();
        assert!(["s2", "s3", "s4"].contains(&first), "{first}");
    }

    #[test]
    fn stops_at_the_cap_and_refuses_more_answers() {
        let config = PlacementConfig {
            max_questions: 3,
            ..PlacementConfig::default()
        };
        let mut p = Placement::new(&chain(), config);
        for _ in 0..3 {
            let s = p.next_skill().unwrap().to_string();
            // Inconsistent answers keep it unsure, so only the cap can stop it.
            let correct = s != "a";
            p.record(&s, correct).unwrap();
        }
        assert!(p.is_done());
        assert_eq!(p.next_skill(), None);
        assert_eq!(p.record("a", true), Err(PlacementError::Finished));
    }

    #[test]
    fn stops_early_when_confident_and_places_a_student() {
        let c = course(&[
            ("a", &[]),
            ("b", &["a"]),
            ("c", &["b"]),
            ("d", &["a"]),
            ("e", &["c", "d"]),
        ]);
        let config = PlacementConfig {
            slip: 0.02,
            guess: 0.02,
            max_questions: 30,
            ..PlacementConfig::default()
        };
        let truth = |s: &str| ["a", "b", "d"].contains(&s);
        let mut p = Placement::new(&c, config);
        while let Some(s) = p.next_skill().map(str::to_string) {
            p.record(&s, truth(&s)).unwrap();
        }
        assert!(p.questions_asked() < 30, "{}", p.questions_asked());
        for (s, class) in p.classes() {
            assert_eq!(class.likely_known(), truth(&s), "{s}: {:?}", p.beliefs());
        }
        let summary = p.summary();
        assert_eq!(summary.known, 3);
        assert_eq!(summary.start_here.as_deref(), Some("c"));
        assert_eq!(
            summary.text,
            "You already know 3 of 5 skills; start here: C."
        );
    }

    #[test]
    fn is_deterministic_and_replays() {
        let c = chain();
        let mut p = Placement::new(&c, PlacementConfig::default());
        p.record("b", true).unwrap();
        p.record("c", false).unwrap();
        let q = Placement::replay(&c, PlacementConfig::default(), p.answers()).unwrap();
        assert_eq!(p.beliefs(), q.beliefs());
        assert_eq!(p.next_skill(), q.next_skill());
        assert_eq!(
            p.record("zz", true),
            Err(PlacementError::UnknownSkill("zz".into()))
        );
    }

    #[test]
    fn an_empty_course_is_done_at_once() {
        let p = Placement::new(&course(&[]), PlacementConfig::default());
        assert!(p.is_done());
        assert_eq!(p.next_skill(), None);
        assert_eq!(p.summary().total, 0);
    }
}
