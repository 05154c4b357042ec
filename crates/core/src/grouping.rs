//! Forming project groups (issue 10, point 2): pure and deterministic by seed.
//!
//! [`propose`] places every student of a round in exactly one group of one of the round's
//! projects. What it weighs, from heaviest to lightest (the weights are [`Weights`]):
//!
//! 1. pairs the teacher keeps apart never share a group;
//! 2. group sizes stay within the project's `min..=max` whenever the class size allows;
//! 3. each student gets a project they ranked high: first choice costs nothing, second
//!    1, third 2.5, a project they ranked lower or not at all 5 (a student who never
//!    ranked is indifferent and fills the room that is left);
//! 4. groups mix mastery levels of the project's skills (the level of a student on a
//!    project is the mean of the one state number of its skills, `standing::view`, with
//!    "not started" as 0): a group with a wide spread of levels costs less;
//! 5. students are not put with the same partners again: each earlier group shared
//!    costs a little.
//!
//! It starts from each student's highest choice with room, then improves the placement by
//! moving one student or swapping two while the total cost falls (best move first, a
//! fixed number of passes), and says for every placement why, in words ("first choice;
//! mixes levels: 2 ahead, 1 building"). [`figures`] measures a set of groups (share of
//! first and second choices, spread of levels, repeat partners), and [`random_groups`]
//! deals the same group sizes at random, the baseline `ownpace grouping-report` compares
//! against ([`simulated_class`] makes a realistic class to compare on).

use crate::ids::UserId;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A project offered in the round, with its group size.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectSlot {
    pub id: String,
    pub min: usize,
    pub max: usize,
}

/// A student to place.
#[derive(Debug, Clone, PartialEq)]
pub struct StudentInput {
    pub id: UserId,
    /// Project ids, first choice first (empty: never ranked).
    pub ranking: Vec<String>,
    /// The student's level on each project's skills, in `[0, 1]` (missing: 0).
    pub levels: BTreeMap<String, f64>,
}

/// Everything the proposal reads.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupingInput {
    pub projects: Vec<ProjectSlot>,
    pub students: Vec<StudentInput>,
    /// Pairs who shared a group before (once per group shared).
    pub past_partners: Vec<(UserId, UserId)>,
    /// Pairs the teacher keeps apart.
    pub keep_apart: Vec<(UserId, UserId)>,
    pub seed: u64,
}

/// How much each consideration weighs (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    pub keep_apart: f64,
    pub size: f64,
    pub choice: [f64; 4],
    pub mix: f64,
    pub repeat: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            keep_apart: 10_000.0,
            size: 200.0,
            choice: [0.0, 1.0, 2.5, 5.0],
            mix: 1.5,
            repeat: 0.6,
        }
    }
}

/// A student's place in a proposed group, with the reason in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    pub student: UserId,
    /// 1 for their first choice, …; `None`: they did not rank this project (or at all).
    pub choice: Option<usize>,
    pub reason: String,
}

/// A proposed group.
#[derive(Debug, Clone, PartialEq)]
pub struct ProposedGroup {
    pub project_id: String,
    pub members: Vec<Placement>,
}

/// The proposal: groups (no empty one) and what could not be kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    pub groups: Vec<ProposedGroup>,
    /// Problems the teacher should know of, in words (a group under its minimum because
    /// the class is too small, a pair kept apart that could not be).
    pub warnings: Vec<String>,
}

/// A level in a band, for reasons and figures.
pub fn band(level: f64) -> &'static str {
    if level >= 0.67 {
        "ahead"
    } else if level >= 0.34 {
        "building"
    } else {
        "starting"
    }
}

/// SplitMix64: a small deterministic generator, so the proposal is reproducible by seed.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

/// The working state: group `g` belongs to project `project_of[g]`; `members[g]` are
/// student indices.
struct State<'a> {
    input: &'a GroupingInput,
    weights: Weights,
    project_of: Vec<usize>,
    members: Vec<Vec<usize>>,
    /// choice[s][p]: 1-based rank of project p for student s (None: not ranked).
    choice: Vec<Vec<Option<usize>>>,
    level: Vec<Vec<f64>>,
    /// The mean level of the whole class on each project.
    mean_level: Vec<f64>,
    repeats: HashMap<(usize, usize), u32>,
    apart: BTreeSet<(usize, usize)>,
}

fn pair(a: usize, b: usize) -> (usize, usize) {
    if a < b { (a, b) } else { (b, a) }
}

/// How many students each project gets: counts that sum to `n`, each 0 or cut into
/// groups within the project's sizes, as close to `demand` as possible (least total
/// difference; ties to the earlier project). `None` when no counts fit.
fn plan_counts(projects: &[ProjectSlot], demand: &[usize], n: usize) -> Option<Vec<usize>> {
    let formable = |p: &ProjectSlot, c: usize| {
        if c == 0 {
            return true;
        }
        if p.max == 0 || p.min > p.max {
            return false;
        }
        let groups = c.div_ceil(p.max);
        groups * p.min.max(1) <= c
    };
    const NONE: usize = usize::MAX;
    // best[i][m]: least difference placing m students in the first i projects.
    let mut best = vec![vec![NONE; n + 1]; projects.len() + 1];
    let mut pick = vec![vec![0usize; n + 1]; projects.len() + 1];
    best[0][0] = 0;
    for (i, p) in projects.iter().enumerate() {
        for m in 0..=n {
            for c in 0..=m {
                let before = best[i][m - c];
                if before == NONE || !formable(p, c) {
                    continue;
                }
                let cost = before + c.abs_diff(demand[i]);
                if cost < best[i + 1][m] {
                    best[i + 1][m] = cost;
                    pick[i + 1][m] = c;
                }
            }
        }
    }
    if best[projects.len()][n] == NONE {
        return None;
    }
    let mut counts = vec![0; projects.len()];
    let mut m = n;
    for i in (0..projects.len()).rev() {
        counts[i] = pick[i + 1][m];
        m -= counts[i];
    }
    Some(counts)
}

impl<'a> State<'a> {
    fn new(input: &'a GroupingInput, weights: Weights) -> State<'a> {
        let index: HashMap<&UserId, usize> = input
            .students
            .iter()
            .enumerate()
            .map(|(i, s)| (&s.id, i))
            .collect();
        let choice = input
            .students
            .iter()
            .map(|s| {
                input
                    .projects
                    .iter()
                    .map(|p| s.ranking.iter().position(|r| *r == p.id).map(|i| i + 1))
                    .collect()
            })
            .collect();
        let level: Vec<Vec<f64>> = input
            .students
            .iter()
            .map(|s| {
                input
                    .projects
                    .iter()
                    .map(|p| s.levels.get(&p.id).copied().unwrap_or(0.0).clamp(0.0, 1.0))
                    .collect()
            })
            .collect();
        let n = input.students.len().max(1) as f64;
        let mean_level = (0..input.projects.len())
            .map(|p| level.iter().map(|l| l[p]).sum::<f64>() / n)
            .collect();
        let mut repeats = HashMap::new();
        for (a, b) in &input.past_partners {
            if let (Some(&a), Some(&b)) = (index.get(a), index.get(b))
                && a != b
            {
                *repeats.entry(pair(a, b)).or_insert(0) += 1;
            }
        }
        let apart = input
            .keep_apart
            .iter()
            .filter_map(|(a, b)| match (index.get(a), index.get(b)) {
                (Some(&a), Some(&b)) if a != b => Some(pair(a, b)),
                _ => None,
            })
            .collect();
        State {
            input,
            weights,
            project_of: Vec::new(),
            members: Vec::new(),
            choice,
            level,
            mean_level,
            repeats,
            apart,
        }
    }

    fn choice_cost(&self, student: usize, project: usize) -> f64 {
        if self.input.students[student].ranking.is_empty() {
            return 0.0;
        }
        match self.choice[student][project] {
            Some(rank) if rank <= 3 => self.weights.choice[rank - 1],
            _ => self.weights.choice[3],
        }
    }

    /// The cost of one group with `members`.
    fn group_cost(&self, g: usize, members: &[usize]) -> f64 {
        if members.is_empty() {
            return 0.0;
        }
        let p = self.project_of[g];
        let slot = &self.input.projects[p];
        let n = members.len();
        let mut cost = 0.0;
        if n < slot.min {
            cost += self.weights.size * (slot.min - n) as f64;
        }
        if n > slot.max {
            cost += self.weights.size * (n - slot.max) as f64;
        }
        for &s in members {
            cost += self.choice_cost(s, p);
        }
        if n >= 2 {
            // A wide spread, and a mean near the class's: two strong and two building in
            // each group rather than one strong among three building beside the reverse.
            let levels = members.iter().map(|&s| self.level[s][p]);
            let lo = levels.clone().fold(f64::INFINITY, f64::min);
            let hi = levels.clone().fold(f64::NEG_INFINITY, f64::max);
            let mean = levels.sum::<f64>() / n as f64;
            cost += self.weights.mix * (1.0 - (hi - lo) + (mean - self.mean_level[p]).abs());
        }
        for (i, &a) in members.iter().enumerate() {
            for &b in &members[i + 1..] {
                let key = pair(a, b);
                if self.apart.contains(&key) {
                    cost += self.weights.keep_apart;
                }
                if let Some(&times) = self.repeats.get(&key) {
                    cost += self.weights.repeat * f64::from(times);
                }
            }
        }
        cost
    }

    /// Initial groups. The number of students per project is chosen first so that every
    /// project's count can be cut into groups within its sizes and the counts stay as
    /// close as they can to the first-choice demand ([`plan_counts`]); students then take
    /// seats in a shuffled order, each at their highest choice with a seat left, and those
    /// who never ranked fill the seats left. When no such counts exist (a class smaller
    /// than every minimum), groups follow the demand and the size penalty does the rest.
    fn start(&mut self, rng: &mut Rng) {
        let n_projects = self.input.projects.len();
        let n = self.input.students.len();
        let mut order: Vec<usize> = (0..n).collect();
        rng.shuffle(&mut order);
        let mut demand = vec![0usize; n_projects];
        for &s in &order {
            if let Some(p) = self.top_choice(s) {
                demand[p] += 1;
            }
        }
        let counts = plan_counts(&self.input.projects, &demand, n).unwrap_or_else(|| {
            // Not formable: everyone at their first choice, non-rankers on the first project.
            let mut counts = demand.clone();
            let unranked = n - demand.iter().sum::<usize>();
            counts[0] += unranked;
            counts
        });
        let mut seats: Vec<usize> = Vec::new();
        for (p, &count) in counts.iter().enumerate() {
            if count == 0 {
                continue;
            }
            let max = self.input.projects[p].max.max(1);
            let groups = count.div_ceil(max).max(1);
            for k in 0..groups {
                self.project_of.push(p);
                self.members.push(Vec::new());
                seats.push(count / groups + usize::from(k < count % groups));
            }
        }
        let mut waiting = Vec::new();
        for &s in &order {
            let mut ranked: Vec<usize> = (0..n_projects)
                .filter(|&p| self.choice[s][p].is_some())
                .collect();
            ranked.sort_by_key(|&p| self.choice[s][p]);
            let seat = ranked.iter().find_map(|&p| {
                (0..seats.len())
                    .filter(|&g| self.project_of[g] == p && self.members[g].len() < seats[g])
                    .min_by_key(|&g| (self.members[g].len(), g))
            });
            match seat {
                Some(g) if !self.input.students[s].ranking.is_empty() => self.members[g].push(s),
                _ => waiting.push(s),
            }
        }
        for s in waiting {
            let g = (0..seats.len())
                .filter(|&g| self.members[g].len() < seats[g])
                .min_by_key(|&g| (self.members[g].len(), g))
                .unwrap_or(0);
            // The seats add up to the class, so there is always one left here.
            self.members[g].push(s);
        }
        // One empty group per project as room to move into (dropped at the end if unused).
        for p in 0..n_projects {
            self.project_of.push(p);
            self.members.push(Vec::new());
        }
    }

    fn top_choice(&self, s: usize) -> Option<usize> {
        (0..self.input.projects.len())
            .filter(|&p| self.choice[s][p].is_some())
            .min_by_key(|&p| self.choice[s][p])
    }

    /// Moves and swaps while the cost falls, best change first.
    fn improve(&mut self) {
        let groups = self.members.len();
        for _pass in 0..200 {
            let mut best: Option<(f64, Change)> = None;
            let mut consider = |gain: f64, change: Change| {
                if gain > 1e-9 && best.as_ref().is_none_or(|(g, _)| gain > *g + 1e-12) {
                    best = Some((gain, change));
                }
            };
            let base: Vec<f64> = (0..groups)
                .map(|g| self.group_cost(g, &self.members[g]))
                .collect();
            for from in 0..groups {
                for (i, &s) in self.members[from].iter().enumerate() {
                    let mut without = self.members[from].clone();
                    without.remove(i);
                    let from_after = self.group_cost(from, &without);
                    for to in 0..groups {
                        if to == from {
                            continue;
                        }
                        let mut with = self.members[to].clone();
                        with.push(s);
                        let gain = base[from] + base[to] - from_after - self.group_cost(to, &with);
                        consider(gain, Change::Move { from, i, to });
                        for (j, &t) in self.members[to].iter().enumerate() {
                            let mut a = without.clone();
                            a.push(t);
                            let mut b = self.members[to].clone();
                            b[j] = s;
                            let gain = base[from] + base[to]
                                - self.group_cost(from, &a)
                                - self.group_cost(to, &b);
                            consider(gain, Change::Swap { from, i, to, j });
                        }
                    }
                }
            }
            match best {
                Some((_, Change::Move { from, i, to })) => {
                    let s = self.members[from].remove(i);
                    self.members[to].push(s);
                }
                Some((_, Change::Swap { from, i, to, j })) => {
                    let s = self.members[from][i];
                    self.members[from][i] = self.members[to][j];
                    self.members[to][j] = s;
                }
                None => break,
            }
        }
    }
}

enum Change {
    Move {
        from: usize,
        i: usize,
        to: usize,
    },
    Swap {
        from: usize,
        i: usize,
        to: usize,
        j: usize,
    },
}

/// The ordinal in words: "first", "second", …
fn ordinal(n: usize) -> String {
    match n {
        1 => "first".into(),
        2 => "second".into(),
        3 => "third".into(),
        4 => "fourth".into(),
        5 => "fifth".into(),
        n => format!("{n}th"),
    }
}

/// Proposes groups for the round (see the module documentation). Every student is placed
/// exactly once; with no project offered, nobody is.
pub fn propose(input: &GroupingInput) -> Proposal {
    propose_with(input, Weights::default())
}

/// [`propose`] with other weights (the report compares them).
pub fn propose_with(input: &GroupingInput, weights: Weights) -> Proposal {
    if input.projects.is_empty() || input.students.is_empty() {
        return Proposal {
            groups: Vec::new(),
            warnings: Vec::new(),
        };
    }
    let mut rng = Rng(input.seed ^ 0x6E0F_1A57_C0DE_0010);
    let mut state = State::new(input, weights);
    state.start(&mut rng);
    state.improve();
    finish(&state)
}

fn finish(state: &State<'_>) -> Proposal {
    let input = state.input;
    let mut groups = Vec::new();
    let mut warnings = Vec::new();
    for (g, members) in state.members.iter().enumerate() {
        if members.is_empty() {
            continue;
        }
        let p = state.project_of[g];
        let slot = &input.projects[p];
        let mut bands: BTreeMap<&str, usize> = BTreeMap::new();
        for &s in members {
            *bands.entry(band(state.level[s][p])).or_insert(0) += 1;
        }
        let mix = ["ahead", "building", "starting"]
            .iter()
            .filter_map(|b| bands.get(b).map(|n| format!("{n} {b}")))
            .collect::<Vec<_>>()
            .join(", ");
        let mix = if bands.len() > 1 {
            format!("mixes levels: {mix}")
        } else {
            format!("levels: {mix}")
        };
        if members.len() < slot.min {
            warnings.push(format!(
                "A group for {} has {} members, under its minimum of {}: there were not enough students for another full group.",
                slot.id,
                members.len(),
                slot.min
            ));
        }
        if members.len() > slot.max {
            warnings.push(format!(
                "A group for {} has {} members, over its maximum of {}.",
                slot.id,
                members.len(),
                slot.max
            ));
        }
        let mut placements = Vec::new();
        for &s in members {
            let student = &input.students[s];
            let choice = state.choice[s][p];
            let mut parts = vec![match (student.ranking.is_empty(), choice) {
                (true, _) => "did not rank: placed where there was room".to_string(),
                (false, Some(rank)) => format!("{} choice", ordinal(rank)),
                (false, None) => "not among their choices: the groups needed the room".to_string(),
            }];
            parts.push(mix.clone());
            let repeats: u32 = members
                .iter()
                .filter(|&&t| t != s)
                .filter_map(|&t| state.repeats.get(&pair(s, t)))
                .sum();
            parts.push(match repeats {
                0 => "new partners".to_string(),
                1 => "one partner from an earlier group".to_string(),
                n => format!("{n} times with earlier partners"),
            });
            if members
                .iter()
                .any(|&t| t != s && state.apart.contains(&pair(s, t)))
            {
                warnings.push(
                    "Two students kept apart share a group: there was no other way to place them."
                        .to_string(),
                );
            }
            placements.push(Placement {
                student: student.id.clone(),
                choice,
                reason: parts.join("; "),
            });
        }
        placements.sort_by(|a, b| a.student.cmp(&b.student));
        groups.push(ProposedGroup {
            project_id: slot.id.clone(),
            members: placements,
        });
    }
    warnings.dedup();
    Proposal { groups, warnings }
}

/// The same group sizes and projects as `like`, filled with the students at random: the
/// baseline the grouping is measured against.
pub fn random_groups(input: &GroupingInput, like: &Proposal, seed: u64) -> Proposal {
    let mut rng = Rng(seed ^ 0x0BAD_5EED);
    let mut students: Vec<usize> = (0..input.students.len()).collect();
    rng.shuffle(&mut students);
    let mut next = students.into_iter();
    let groups = like
        .groups
        .iter()
        .map(|g| ProposedGroup {
            project_id: g.project_id.clone(),
            members: g
                .members
                .iter()
                .filter_map(|_| next.next())
                .map(|s| {
                    let student = &input.students[s];
                    Placement {
                        student: student.id.clone(),
                        choice: student
                            .ranking
                            .iter()
                            .position(|r| *r == g.project_id)
                            .map(|i| i + 1),
                        reason: "placed at random".into(),
                    }
                })
                .collect(),
        })
        .collect();
    Proposal {
        groups,
        warnings: Vec::new(),
    }
}

/// How a set of groups does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figures {
    /// Students who ranked, and the share of them on their first choice, and on their
    /// first or second.
    pub ranked: usize,
    pub first_choice: f64,
    pub first_or_second: f64,
    /// The mean spread of levels within groups of two or more (highest minus lowest).
    pub mean_spread: f64,
    /// Groups of two or more with more than one band of level.
    pub mixed_groups: f64,
    /// Pairs in the same group who had shared a group before.
    pub repeat_pairs: usize,
    /// Pairs kept apart who share a group.
    pub kept_apart_together: usize,
    /// Groups outside their project's size.
    pub groups_out_of_size: usize,
}

/// Measures `proposal` against the input's rankings, levels and history.
pub fn figures(input: &GroupingInput, proposal: &Proposal) -> Figures {
    let state = State::new(input, Weights::default());
    let index: HashMap<&UserId, usize> = input
        .students
        .iter()
        .enumerate()
        .map(|(i, s)| (&s.id, i))
        .collect();
    let mut ranked = 0;
    let mut first = 0;
    let mut top_two = 0;
    let mut spreads = Vec::new();
    let mut mixed = 0;
    let mut repeat_pairs = 0;
    let mut apart = 0;
    let mut out_of_size = 0;
    for g in &proposal.groups {
        let Some(p) = input.projects.iter().position(|s| s.id == g.project_id) else {
            continue;
        };
        let members: Vec<usize> = g
            .members
            .iter()
            .filter_map(|m| index.get(&m.student).copied())
            .collect();
        let slot = &input.projects[p];
        if members.len() < slot.min || members.len() > slot.max {
            out_of_size += 1;
        }
        for &s in &members {
            if !input.students[s].ranking.is_empty() {
                ranked += 1;
                match state.choice[s][p] {
                    Some(1) => {
                        first += 1;
                        top_two += 1;
                    }
                    Some(2) => top_two += 1,
                    _ => {}
                }
            }
        }
        if members.len() >= 2 {
            let levels: Vec<f64> = members.iter().map(|&s| state.level[s][p]).collect();
            let lo = levels.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = levels.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            spreads.push(hi - lo);
            let bands: BTreeSet<&str> = levels.iter().map(|&l| band(l)).collect();
            if bands.len() > 1 {
                mixed += 1;
            }
        }
        for (i, &a) in members.iter().enumerate() {
            for &b in &members[i + 1..] {
                if state.repeats.contains_key(&pair(a, b)) {
                    repeat_pairs += 1;
                }
                if state.apart.contains(&pair(a, b)) {
                    apart += 1;
                }
            }
        }
    }
    let share = |n: usize, of: usize| if of == 0 { 0.0 } else { n as f64 / of as f64 };
    Figures {
        ranked,
        first_choice: share(first, ranked),
        first_or_second: share(top_two, ranked),
        mean_spread: if spreads.is_empty() {
            0.0
        } else {
            spreads.iter().sum::<f64>() / spreads.len() as f64
        },
        mixed_groups: share(mixed, spreads.len()),
        repeat_pairs,
        kept_apart_together: apart,
        groups_out_of_size: out_of_size,
    }
}

/// A simulated class of `size` for the report: six projects of 3–4 with uneven
/// popularity (two favourites), rankings of three projects from that popularity, about
/// one student in ten who never ranks, levels around a per-student ability, one earlier
/// round of random groups of four as history, and two pairs kept apart.
pub fn simulated_class(size: usize, seed: u64) -> GroupingInput {
    let projects: Vec<ProjectSlot> = (1..=6)
        .map(|i| ProjectSlot {
            id: format!("project-{i}"),
            min: 3,
            max: 4,
        })
        .collect();
    simulated_class_with(projects, size, seed)
}

/// [`simulated_class`] on given projects: popularity falls from the first project to the
/// last (the first two are the favourites), three projects ranked (fewer when fewer are
/// offered).
pub fn simulated_class_with(projects: Vec<ProjectSlot>, size: usize, seed: u64) -> GroupingInput {
    let mut rng = Rng(seed ^ 0x0051_A55C_1A55);
    let popularity: Vec<f64> = (0..projects.len())
        .map(|i| match i {
            0 => 0.30,
            1 => 0.25,
            _ => 0.45 / (projects.len() - 2).max(1) as f64 * (1.0 - 0.1 * i as f64).max(0.2),
        })
        .collect();
    let students: Vec<StudentInput> = (0..size)
        .map(|i| {
            let id = UserId::new(format!("student-{i:02}"));
            let ability = rng.unit();
            let levels = projects
                .iter()
                .map(|p| {
                    let noise = (rng.unit() - 0.5) * 0.4;
                    (p.id.clone(), (ability + noise).clamp(0.0, 1.0))
                })
                .collect();
            let ranking = if rng.below(10) == 0 {
                Vec::new()
            } else {
                let mut left: Vec<usize> = (0..projects.len()).collect();
                let mut ranking = Vec::new();
                for _ in 0..projects.len().min(3) {
                    let total: f64 = left.iter().map(|&p| popularity[p]).sum();
                    let mut pick = rng.unit() * total;
                    let mut chosen = left.len() - 1;
                    for (k, &p) in left.iter().enumerate() {
                        if pick < popularity[p] {
                            chosen = k;
                            break;
                        }
                        pick -= popularity[p];
                    }
                    ranking.push(projects[left.remove(chosen)].id.clone());
                }
                ranking
            };
            StudentInput {
                id,
                ranking,
                levels,
            }
        })
        .collect();
    let mut order: Vec<usize> = (0..size).collect();
    rng.shuffle(&mut order);
    let mut past_partners = Vec::new();
    for chunk in order.chunks(4) {
        for (i, &a) in chunk.iter().enumerate() {
            for &b in &chunk[i + 1..] {
                past_partners.push((students[a].id.clone(), students[b].id.clone()));
            }
        }
    }
    let keep_apart = if size >= 4 {
        vec![
            (students[0].id.clone(), students[1].id.clone()),
            (students[2].id.clone(), students[3].id.clone()),
        ]
    } else {
        Vec::new()
    };
    GroupingInput {
        projects,
        students,
        past_partners,
        keep_apart,
        seed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn student(id: &str, ranking: &[&str], level: f64) -> StudentInput {
        StudentInput {
            id: UserId::new(id),
            ranking: ranking.iter().map(|s| s.to_string()).collect(),
            levels: ["a", "b", "c"]
                .iter()
                .map(|p| (p.to_string(), level))
                .collect(),
        }
    }

    fn slot(id: &str, min: usize, max: usize) -> ProjectSlot {
        ProjectSlot {
            id: id.into(),
            min,
            max,
        }
    }

    fn input(students: Vec<StudentInput>, projects: Vec<ProjectSlot>) -> GroupingInput {
        GroupingInput {
            projects,
            students,
            past_partners: Vec::new(),
            keep_apart: Vec::new(),
            seed: 1,
        }
    }

    fn group_of<'p>(proposal: &'p Proposal, id: &str) -> &'p ProposedGroup {
        proposal
            .groups
            .iter()
            .find(|g| g.members.iter().any(|m| m.student.as_str() == id))
            .expect("placed")
    }

    #[test]
    fn everyone_gets_their_first_choice_when_there_is_room() {
        let students = vec![
            student("s1", &["a", "b"], 0.9),
            student("s2", &["a", "b"], 0.1),
            student("s3", &["b", "a"], 0.9),
            student("s4", &["b", "a"], 0.2),
        ];
        let proposal = propose(&input(students, vec![slot("a", 2, 3), slot("b", 2, 3)]));
        assert_eq!(proposal.groups.len(), 2);
        assert_eq!(group_of(&proposal, "s1").project_id, "a");
        assert_eq!(group_of(&proposal, "s3").project_id, "b");
        let reason = &group_of(&proposal, "s1").members[0].reason;
        assert!(
            reason.starts_with("first choice; mixes levels: 1 ahead, 1 starting"),
            "{reason}"
        );
        assert!(proposal.warnings.is_empty());
    }

    #[test]
    fn groups_mix_levels_within_a_project() {
        // Eight students all wanting "a" (groups of 4): two strong, two weak in each.
        let students: Vec<StudentInput> = (0..8)
            .map(|i| student(&format!("s{i}"), &["a"], if i < 4 { 0.9 } else { 0.1 }))
            .collect();
        let proposal = propose(&input(students.clone(), vec![slot("a", 4, 4)]));
        assert_eq!(proposal.groups.len(), 2);
        for g in &proposal.groups {
            let strong = g
                .members
                .iter()
                .filter(|m| {
                    students
                        .iter()
                        .find(|s| s.id == m.student)
                        .is_some_and(|s| s.levels["a"] > 0.5)
                })
                .count();
            assert_eq!(strong, 2, "{g:?}");
        }
    }

    #[test]
    fn pairs_kept_apart_never_share_a_group_and_repeats_are_avoided() {
        let students: Vec<StudentInput> = (0..6)
            .map(|i| student(&format!("s{i}"), &["a"], 0.5))
            .collect();
        let mut inp = input(students, vec![slot("a", 3, 3)]);
        inp.keep_apart = vec![(UserId::new("s0"), UserId::new("s1"))];
        inp.past_partners = vec![
            (UserId::new("s2"), UserId::new("s3")),
            (UserId::new("s2"), UserId::new("s4")),
        ];
        let proposal = propose(&inp);
        assert_ne!(group_of(&proposal, "s0"), group_of(&proposal, "s1"));
        let f = figures(&inp, &proposal);
        assert_eq!(f.kept_apart_together, 0);
        assert_eq!(f.repeat_pairs, 0, "{proposal:?}");
    }

    #[test]
    fn students_who_never_ranked_and_odd_sizes_are_placed() {
        let mut students: Vec<StudentInput> = (0..5)
            .map(|i| student(&format!("s{i}"), &["a", "b"], 0.5))
            .collect();
        students.push(student("lazy", &[], 0.5));
        students.push(student("late", &[], 0.5));
        let inp = input(students, vec![slot("a", 2, 3), slot("b", 2, 3)]);
        let proposal = propose(&inp);
        let placed: usize = proposal.groups.iter().map(|g| g.members.len()).sum();
        assert_eq!(placed, 7);
        let f = figures(&inp, &proposal);
        assert_eq!(f.groups_out_of_size, 0, "{proposal:?}");
        let lazy = group_of(&proposal, "lazy")
            .members
            .iter()
            .find(|m| m.student.as_str() == "lazy")
            .unwrap();
        assert!(lazy.reason.starts_with("did not rank"), "{}", lazy.reason);
    }

    #[test]
    fn a_class_too_small_for_the_minimum_is_placed_with_a_warning() {
        let proposal = propose(&input(
            vec![student("only", &["a"], 0.5)],
            vec![slot("a", 2, 4)],
        ));
        assert_eq!(proposal.groups.len(), 1);
        assert_eq!(proposal.warnings.len(), 1);
    }

    #[test]
    fn the_same_seed_gives_the_same_groups() {
        let a = propose(&simulated_class(30, 5));
        let b = propose(&simulated_class(30, 5));
        assert_eq!(a, b);
    }

    #[test]
    fn on_a_simulated_class_the_grouping_beats_random_assignment() {
        for seed in 0..3 {
            let class = simulated_class(30, seed);
            let proposal = propose(&class);
            let ours = figures(&class, &proposal);
            let random = figures(&class, &random_groups(&class, &proposal, seed));
            assert!(
                ours.first_choice > random.first_choice,
                "{ours:?} {random:?}"
            );
            assert!(
                ours.mean_spread >= random.mean_spread - 0.05,
                "{ours:?} {random:?}"
            );
            assert!(
                ours.repeat_pairs <= random.repeat_pairs,
                "{ours:?} {random:?}"
            );
            assert_eq!(ours.kept_apart_together, 0);
            assert_eq!(ours.groups_out_of_size, 0);
        }
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        fn class() -> impl Strategy<Value = GroupingInput> {
            (
                prop::collection::vec((1usize..=4, 0usize..=3), 1..4),
                prop::collection::vec(
                    (prop::collection::vec(0usize..4, 0..4), 0.0f64..=1.0),
                    0..20,
                ),
                prop::collection::vec((0usize..20, 0usize..20), 0..4),
                any::<u64>(),
            )
                .prop_map(|(sizes, students, apart, seed)| {
                    let projects: Vec<ProjectSlot> = sizes
                        .iter()
                        .enumerate()
                        .map(|(i, (min, extra))| ProjectSlot {
                            id: format!("p{i}"),
                            min: *min,
                            max: min + extra,
                        })
                        .collect();
                    let n = students.len();
                    let students = students
                        .into_iter()
                        .enumerate()
                        .map(|(i, (ranks, level))| {
                            let mut ranking: Vec<String> = Vec::new();
                            for r in ranks {
                                let id = format!("p{}", r % projects.len());
                                if !ranking.contains(&id) {
                                    ranking.push(id);
                                }
                            }
                            StudentInput {
                                id: UserId::new(format!("s{i:02}")),
                                ranking,
                                levels: projects.iter().map(|p| (p.id.clone(), level)).collect(),
                            }
                        })
                        .collect();
                    let keep_apart = apart
                        .into_iter()
                        .filter(|(a, b)| *a < n && *b < n && a != b)
                        .map(|(a, b)| {
                            (
                                UserId::new(format!("s{a:02}")),
                                UserId::new(format!("s{b:02}")),
                            )
                        })
                        .collect();
                    GroupingInput {
                        projects,
                        students,
                        past_partners: Vec::new(),
                        keep_apart,
                        seed,
                    }
                })
        }

        /// Whether some choice of group counts fits `n` students in the projects' sizes.
        fn sizes_possible(projects: &[ProjectSlot], n: usize) -> bool {
            let mut reachable = vec![false; n + 1];
            reachable[0] = true;
            for p in projects {
                for total in 0..=n {
                    if reachable[total] {
                        continue;
                    }
                    reachable[total] = (p.min..=p.max)
                        .any(|size| size >= 1 && size <= total && reachable[total - size]);
                }
            }
            reachable[n]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(96))]
            #[test]
            fn every_student_is_placed_once_and_kept_apart_pairs_never_meet(input in class()) {
                let proposal = propose(&input);
                let mut placed: Vec<&str> = proposal
                    .groups
                    .iter()
                    .flat_map(|g| g.members.iter().map(|m| m.student.as_str()))
                    .collect();
                placed.sort_unstable();
                let mut all: Vec<&str> = input.students.iter().map(|s| s.id.as_str()).collect();
                all.sort_unstable();
                prop_assert_eq!(placed, all);
                prop_assert!(proposal.groups.iter().all(|g| !g.members.is_empty()));
                let f = figures(&input, &proposal);
                // Pairs kept apart meet only when no placement can part them (every
                // project allows one group at most and there is one project).
                if input.projects.len() > 1 || input.projects[0].max < input.students.len() {
                    prop_assert_eq!(f.kept_apart_together, 0, "{:?}", proposal);
                }
                if input.projects.iter().all(|p| p.min >= 1)
                    && sizes_possible(&input.projects, input.students.len())
                    && input.keep_apart.is_empty()
                {
                    prop_assert_eq!(f.groups_out_of_size, 0, "{:?}", proposal);
                }
            }
        }
    }
}
