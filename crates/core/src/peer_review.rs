//! Who reviews which group's work (issue 10, point 4): pure and deterministic by seed.
//!
//! When the teacher starts peer review on a round, every student of the round's groups
//! gets `per_student` *submitted* groups of the same round to review: never their own,
//! never the same group twice. The reviews are spread so every submitted group gets as
//! many reviewers as the others (the highest and lowest count differ by at most one
//! whenever the constraints allow it), which also gives every group at least two
//! reviewers whenever there are enough reviews to go round.
//!
//! [`assign`] starts from the assignments already made (the teacher may start again for
//! groups that submitted late): done reviews are never touched; pending ones stay where
//! they are unless moving them evens the counts (that is how a late group gets reviewers
//! when every student already has their reviews). Then each student who lacks reviews
//! takes, one at a time, the eligible group with the fewest reviewers (ties broken by a
//! seeded order), and finally the counts are evened out by moving pending assignments
//! along chains (student `s` leaves group `a` for `b`, another leaves `b` for `c`, …)
//! until no chain lowers a group that has two more reviewers than another: with unit
//! assignments this is the optimality condition of a balanced assignment, so the counts
//! end as even as the constraints permit.

use crate::ids::UserId;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// A student who reviews: their id and their own group in the round (if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reviewer {
    pub id: UserId,
    pub own_group: Option<String>,
}

/// An assignment already made: `done` when the review was submitted (never moved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Existing {
    pub reviewer: UserId,
    pub group: String,
    pub done: bool,
}

/// Everything [`assign`] reads.
#[derive(Debug, Clone, PartialEq)]
pub struct AssignInput {
    /// The round's groups that submitted, in the round's order.
    pub submitted: Vec<String>,
    /// The students of the round's groups now.
    pub reviewers: Vec<Reviewer>,
    pub existing: Vec<Existing>,
    /// Reviews each student gives: 1 or 2.
    pub per_student: usize,
    pub seed: u64,
}

/// One reviewer reviewing one group.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Assignment {
    pub reviewer: UserId,
    pub group: String,
}

/// SplitMix64, like the grouping's: reproducible by seed.
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

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

/// The working state: `held[s]` are the groups reviewer `s` reviews, `locked` the
/// (reviewer, group) pairs that are done.
struct State {
    groups: usize,
    own: Vec<Option<usize>>,
    held: Vec<BTreeSet<usize>>,
    locked: BTreeSet<(usize, usize)>,
    load: Vec<usize>,
    /// The seeded tie-break rank of each group.
    rank: Vec<usize>,
}

impl State {
    fn may_take(&self, s: usize, g: usize) -> bool {
        self.own[s] != Some(g) && !self.held[s].contains(&g)
    }

    fn movable(&self, s: usize, g: usize) -> bool {
        self.held[s].contains(&g) && !self.locked.contains(&(s, g))
    }

    /// A chain of moves from `from` to a group with at most `load[from] - 2` reviewers:
    /// `(reviewer, from_group, to_group)` steps, shortest first.
    fn chain_from(&self, from: usize, order: &[usize]) -> Option<Vec<(usize, usize, usize)>> {
        let target = self.load[from].checked_sub(2)?;
        let mut came: Vec<Option<(usize, usize)>> = vec![None; self.groups];
        let mut seen = vec![false; self.groups];
        seen[from] = true;
        let mut queue = VecDeque::from([from]);
        while let Some(g) = queue.pop_front() {
            for s in 0..self.held.len() {
                if !self.movable(s, g) {
                    continue;
                }
                for &h in order {
                    if seen[h] || !self.may_take(s, h) {
                        continue;
                    }
                    seen[h] = true;
                    came[h] = Some((s, g));
                    if self.load[h] <= target {
                        let mut steps = Vec::new();
                        let mut at = h;
                        while let Some((s, prev)) = came[at] {
                            steps.push((s, prev, at));
                            at = prev;
                        }
                        steps.reverse();
                        return Some(steps);
                    }
                    queue.push_back(h);
                }
            }
        }
        None
    }
}

/// Every assignment after starting peer review: the done ones, the pending ones kept or
/// moved, and the new ones, sorted. See the module documentation.
pub fn assign(input: &AssignInput) -> Vec<Assignment> {
    let mut rng = Rng(input.seed ^ 0x9EE2_2EF1_E3D0_0022);
    let groups: Vec<&String> = {
        let mut seen = BTreeSet::new();
        input
            .submitted
            .iter()
            .filter(|g| seen.insert(g.as_str()))
            .collect()
    };
    let index: BTreeMap<&str, usize> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| (g.as_str(), i))
        .collect();
    // Reviewers: the students now, then anyone holding a done review who left.
    let mut ids: Vec<UserId> = Vec::new();
    let mut own: Vec<Option<usize>> = Vec::new();
    let mut current = Vec::new();
    let mut by_id: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &input.reviewers {
        if by_id.contains_key(r.id.as_str()) {
            continue;
        }
        by_id.insert(r.id.as_str(), ids.len());
        ids.push(r.id.clone());
        own.push(r.own_group.as_deref().and_then(|g| index.get(g).copied()));
        current.push(true);
    }
    let mut done_elsewhere: Vec<Assignment> = Vec::new();
    for e in input.existing.iter().filter(|e| e.done) {
        if !by_id.contains_key(e.reviewer.as_str()) {
            by_id.insert(e.reviewer.as_str(), ids.len());
            ids.push(e.reviewer.clone());
            own.push(None);
            current.push(false);
        }
    }
    let mut rank: Vec<usize> = (0..groups.len()).collect();
    rng.shuffle(&mut rank);
    let mut state = State {
        groups: groups.len(),
        own,
        held: vec![BTreeSet::new(); ids.len()],
        locked: BTreeSet::new(),
        load: vec![0; groups.len()],
        rank,
    };
    for e in &input.existing {
        let s = by_id[e.reviewer.as_str()];
        let Some(&g) = index.get(e.group.as_str()) else {
            // A done review of a group no longer in the list stays as it is.
            if e.done {
                done_elsewhere.push(Assignment {
                    reviewer: e.reviewer.clone(),
                    group: e.group.clone(),
                });
            }
            continue;
        };
        if !e.done && (!current[s] || !state.may_take(s, g)) {
            continue;
        }
        if e.done && state.held[s].contains(&g) {
            continue;
        }
        state.held[s].insert(g);
        state.load[g] += 1;
        if e.done {
            state.locked.insert((s, g));
        }
    }
    // Pending assignments above the count (the teacher lowered it) go, newest first.
    for s in 0..ids.len() {
        while state.held[s].len() > input.per_student {
            let Some(&g) = state.held[s]
                .iter()
                .rev()
                .find(|&&g| !state.locked.contains(&(s, g)))
            else {
                break;
            };
            state.held[s].remove(&g);
            state.load[g] -= 1;
        }
    }
    // Fill: students in a seeded order, one review at a time, fewest reviewers first.
    let mut order: Vec<usize> = (0..ids.len()).filter(|&s| current[s]).collect();
    rng.shuffle(&mut order);
    loop {
        let mut added = false;
        for &s in &order {
            if state.held[s].len() >= input.per_student {
                continue;
            }
            let best = (0..state.groups)
                .filter(|&g| state.may_take(s, g))
                .min_by_key(|&g| (state.load[g], state.rank[g]));
            if let Some(g) = best {
                state.held[s].insert(g);
                state.load[g] += 1;
                added = true;
            }
        }
        if !added {
            break;
        }
    }
    // Even out: move pending assignments along chains while one lowers a crowded group.
    let mut by_rank: Vec<usize> = (0..state.groups).collect();
    by_rank.sort_by_key(|&g| state.rank[g]);
    loop {
        let mut sources = by_rank.clone();
        sources.sort_by_key(|&g| std::cmp::Reverse(state.load[g]));
        let chain = sources.iter().find_map(|&g| state.chain_from(g, &by_rank));
        let Some(steps) = chain else { break };
        // Only the ends of the chain change count: the first loses one, the last gains one.
        if let (Some(&(_, first, _)), Some(&(_, _, last))) = (steps.first(), steps.last()) {
            state.load[first] -= 1;
            state.load[last] += 1;
        }
        for (s, from, to) in steps {
            state.held[s].remove(&from);
            state.held[s].insert(to);
        }
    }
    let mut out: Vec<Assignment> = done_elsewhere;
    for (s, held) in state.held.iter().enumerate() {
        for &g in held {
            out.push(Assignment {
                reviewer: ids[s].clone(),
                group: groups[g].clone(),
            });
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn class(sizes: &[usize], submitted: &[bool], outsiders: usize) -> AssignInput {
        let mut reviewers = Vec::new();
        let mut subs = Vec::new();
        for (g, &size) in sizes.iter().enumerate() {
            let gid = format!("g{g}");
            if submitted[g] {
                subs.push(gid.clone());
            }
            for m in 0..size {
                reviewers.push(Reviewer {
                    id: UserId::new(format!("s{g}-{m}")),
                    own_group: Some(gid.clone()),
                });
            }
        }
        for o in 0..outsiders {
            reviewers.push(Reviewer {
                id: UserId::new(format!("o{o}")),
                own_group: Some("not-submitted".into()),
            });
        }
        AssignInput {
            submitted: subs,
            reviewers,
            existing: Vec::new(),
            per_student: 2,
            seed: 7,
        }
    }

    fn loads(input: &AssignInput, out: &[Assignment]) -> Vec<usize> {
        input
            .submitted
            .iter()
            .map(|g| out.iter().filter(|a| &a.group == g).count())
            .collect()
    }

    fn check_rules(input: &AssignInput, out: &[Assignment]) {
        let own: BTreeMap<&str, Option<&str>> = input
            .reviewers
            .iter()
            .map(|r| (r.id.as_str(), r.own_group.as_deref()))
            .collect();
        let distinct: BTreeSet<(&str, &str)> = out
            .iter()
            .map(|a| (a.reviewer.as_str(), a.group.as_str()))
            .collect();
        assert_eq!(distinct.len(), out.len(), "a student reviews a group twice");
        for a in out {
            assert_ne!(
                own.get(a.reviewer.as_str()).copied().flatten(),
                Some(a.group.as_str()),
                "{} reviews their own group",
                a.reviewer
            );
            assert!(input.submitted.contains(&a.group), "only submitted groups");
        }
        for r in &input.reviewers {
            let eligible = input
                .submitted
                .iter()
                .filter(|g| Some(g.as_str()) != r.own_group.as_deref())
                .count();
            let got = out.iter().filter(|a| a.reviewer == r.id).count();
            assert_eq!(got, input.per_student.min(eligible), "{}", r.id);
        }
    }

    #[test]
    fn two_groups_review_each_other() {
        let mut input = class(&[3, 3], &[true, true], 0);
        input.per_student = 1;
        let out = assign(&input);
        check_rules(&input, &out);
        assert_eq!(loads(&input, &out), vec![3, 3]);
    }

    #[test]
    fn the_same_seed_gives_the_same_assignments() {
        let input = class(&[3, 4, 3, 2], &[true, true, false, true], 2);
        assert_eq!(assign(&input), assign(&input));
        let mut other = input.clone();
        other.seed = 8;
        check_rules(&other, &assign(&other));
    }

    #[test]
    fn a_late_group_gets_reviewers_and_done_reviews_stay() {
        let mut input = class(&[3, 3, 3], &[true, true, false], 0);
        input.per_student = 1;
        let first = assign(&input);
        // Two reviews are done; then the third group submits and peer review starts again.
        let done: Vec<Assignment> = first.iter().take(2).cloned().collect();
        input.submitted.push("g2".into());
        input.existing = first
            .iter()
            .map(|a| Existing {
                reviewer: a.reviewer.clone(),
                group: a.group.clone(),
                done: done.contains(a),
            })
            .collect();
        let second = assign(&input);
        check_rules(&input, &second);
        for d in &done {
            assert!(second.contains(d), "a done review stays: {d:?}");
        }
        let l = loads(&input, &second);
        assert!(l[2] >= 2, "the late group gets reviewers: {l:?}");
        assert!(
            l.iter().max().unwrap() - l.iter().min().unwrap() <= 1,
            "{l:?}"
        );
    }

    #[test]
    fn a_lone_submitted_group_is_reviewed_by_the_others_only() {
        let mut input = class(&[2, 3], &[true, false], 0);
        input.per_student = 2;
        let out = assign(&input);
        check_rules(&input, &out);
        assert_eq!(loads(&input, &out), vec![3]);
    }

    proptest! {
        #[test]
        fn never_own_distinct_and_full(
            sizes in proptest::collection::vec(1usize..=5, 1..=8),
            submitted in proptest::collection::vec(any::<bool>(), 8),
            outsiders in 0usize..=4,
            per_student in 1usize..=2,
            seed in any::<u64>(),
        ) {
            let mut input = class(&sizes, &submitted[..sizes.len()], outsiders);
            input.per_student = per_student;
            input.seed = seed;
            let out = assign(&input);
            check_rules(&input, &out);
        }

        #[test]
        fn counts_are_balanced_when_the_numbers_allow(
            size in 2usize..=5,
            groups in 3usize..=8,
            not_submitted in 0usize..=3,
            outsiders in 0usize..=4,
            per_student in 1usize..=2,
            seed in any::<u64>(),
        ) {
            let mut sizes = vec![size; groups];
            let mut submitted = vec![true; groups];
            sizes.extend(std::iter::repeat_n(3, not_submitted));
            submitted.extend(std::iter::repeat_n(false, not_submitted));
            let mut input = class(&sizes, &submitted, outsiders);
            input.per_student = per_student;
            input.seed = seed;
            let out = assign(&input);
            check_rules(&input, &out);
            let l = loads(&input, &out);
            let (max, min) = (*l.iter().max().unwrap(), *l.iter().min().unwrap());
            prop_assert!(max - min <= 1, "{:?}", l);
            prop_assert!(min >= 2, "every group gets two reviewers here: {:?}", l);
        }

        #[test]
        fn starting_again_keeps_done_reviews_and_follows_the_rules(
            size in 2usize..=4,
            groups in 3usize..=6,
            late in 1usize..=2,
            done_share in 0usize..=3,
            seed in any::<u64>(),
        ) {
            let mut input = class(&vec![size; groups], &vec![true; groups], 0);
            input.per_student = 1;
            input.seed = seed;
            let late_ids: Vec<String> = input.submitted.split_off(groups - late);
            let first = assign(&input);
            let done: Vec<Assignment> =
                first.iter().enumerate().filter(|(i, _)| i % 4 < done_share).map(|(_, a)| a.clone()).collect();
            input.existing = first.iter().map(|a| Existing {
                reviewer: a.reviewer.clone(), group: a.group.clone(), done: done.contains(a),
            }).collect();
            input.submitted.extend(late_ids);
            let second = assign(&input);
            check_rules(&input, &second);
            for d in &done {
                prop_assert!(second.contains(d));
            }
        }
    }
}
