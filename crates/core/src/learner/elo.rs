//! An IRT/Elo model (Pelánek's "multivariate Elo"): P(correct) = σ(θ + mean θ_skill − d_item).
//!
//! Item difficulties d are learned offline by replaying the training students through the
//! Elo updates twice; a student's overall ability θ and per-skill deviations θ_skill are
//! learned online. Every step uses the uncertainty function K(n) = a / (1 + b·n), so early
//! answers move estimates a lot and later ones little. It is the simplest model that
//! separates item difficulty from student ability, and a baseline for the default model.
//!
//! **Mastery** of a skill is σ(θ + θ_skill − mean difficulty of the skill's items).

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::{LearnerModel, Sequence, StudentModel};

/// Version of the serialized [`EloParams`] layout.
pub const PARAMS_VERSION: u32 = 1;

/// Step sizes of the Elo updates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EloOptions {
    /// Initial step size (a).
    pub step: f64,
    /// How fast the step shrinks with the number of answers (b).
    pub decay: f64,
    /// Passes over the training data to settle item difficulties.
    pub passes: usize,
}

impl Default for EloOptions {
    fn default() -> Self {
        EloOptions {
            step: 1.0,
            decay: 0.05,
            passes: 2,
        }
    }
}

impl EloOptions {
    fn k(&self, n: u32) -> f64 {
        self.step / (1.0 + self.decay * f64::from(n))
    }
}

/// Fitted difficulties, ready to serialize. Unknown items take their skills' mean
/// difficulty (or 0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EloParams {
    pub version: u32,
    pub options: EloOptions,
    pub items: BTreeMap<u32, f64>,
    /// Mean difficulty of each skill's items.
    pub skills: BTreeMap<u32, f64>,
}

#[derive(Debug, Clone, Default)]
struct Ability {
    theta: f64,
    answers: u32,
    skills: HashMap<u32, (f64, u32)>,
}

impl Ability {
    fn logit(&self, skills: &[u32], difficulty: f64) -> f64 {
        let k = skills.len().max(1) as f64;
        let dev: f64 = skills
            .iter()
            .map(|s| self.skills.get(s).map_or(0.0, |v| v.0))
            .sum::<f64>()
            / k;
        self.theta + dev - difficulty
    }

    fn update(&mut self, skills: &[u32], err: f64, o: &EloOptions) {
        self.theta += o.k(self.answers) * err;
        self.answers += 1;
        for &s in skills {
            let e = self.skills.entry(s).or_default();
            e.0 += o.k(e.1) * err;
            e.1 += 1;
        }
    }
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Fits item difficulties on `train`.
pub fn fit(train: &[Sequence], options: &EloOptions) -> EloParams {
    let mut difficulty: HashMap<u32, (f64, u32)> = HashMap::new();
    for _ in 0..options.passes.max(1) {
        for seq in train {
            let mut student = Ability::default();
            for a in &seq.attempts {
                let d = difficulty.entry(a.item).or_default();
                let err = f64::from(u8::from(a.correct)) - sigmoid(student.logit(&a.skills, d.0));
                d.0 -= options.k(d.1) * err;
                d.1 += 1;
                student.update(&a.skills, err, options);
            }
        }
    }
    let mut skill_sum: HashMap<u32, (f64, u32)> = HashMap::new();
    let mut seen = std::collections::HashSet::new();
    for seq in train {
        for a in &seq.attempts {
            if seen.insert(a.item) {
                let d = difficulty.get(&a.item).map_or(0.0, |v| v.0);
                for &s in &a.skills {
                    let e = skill_sum.entry(s).or_default();
                    e.0 += d;
                    e.1 += 1;
                }
            }
        }
    }
    EloParams {
        version: PARAMS_VERSION,
        options: *options,
        items: difficulty.into_iter().map(|(k, v)| (k, v.0)).collect(),
        skills: skill_sum
            .into_iter()
            .map(|(k, v)| (k, v.0 / f64::from(v.1.max(1))))
            .collect(),
    }
}

/// A fitted Elo model with lookup tables.
#[derive(Debug, Clone)]
pub struct EloModel {
    params: EloParams,
    items: HashMap<u32, f64>,
    skills: HashMap<u32, f64>,
}

impl EloModel {
    pub fn new(params: EloParams) -> Self {
        let items = params.items.iter().map(|(&k, &v)| (k, v)).collect();
        let skills = params.skills.iter().map(|(&k, &v)| (k, v)).collect();
        EloModel {
            params,
            items,
            skills,
        }
    }

    pub fn params(&self) -> &EloParams {
        &self.params
    }

    pub fn student(&self) -> EloStudent<'_> {
        EloStudent {
            model: self,
            ability: Ability::default(),
        }
    }

    fn difficulty(&self, item: u32, skills: &[u32]) -> f64 {
        self.items.get(&item).copied().unwrap_or_else(|| {
            let k = skills.len().max(1) as f64;
            skills
                .iter()
                .map(|s| self.skills.get(s).copied().unwrap_or(0.0))
                .sum::<f64>()
                / k
        })
    }
}

impl LearnerModel for EloModel {
    fn new_student(&self) -> Box<dyn StudentModel + '_> {
        Box::new(self.student())
    }
}

/// One student's abilities under an [`EloModel`].
#[derive(Debug, Clone)]
pub struct EloStudent<'m> {
    model: &'m EloModel,
    ability: Ability,
}

impl StudentModel for EloStudent<'_> {
    fn predict(&self, item: u32, skills: &[u32]) -> f64 {
        sigmoid(
            self.ability
                .logit(skills, self.model.difficulty(item, skills)),
        )
    }

    fn update(&mut self, item: u32, skills: &[u32], correct: bool) {
        let err = f64::from(u8::from(correct)) - self.predict(item, skills);
        self.ability.update(skills, err, &self.model.params.options);
    }

    fn mastery(&self, skill: u32) -> f64 {
        let d = self.model.skills.get(&skill).copied().unwrap_or(0.0);
        sigmoid(self.ability.logit(&[skill], d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learner::Attempt;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn learns_item_difficulty_order_and_student_ability() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let truth: Vec<f64> = (0..10).map(|i| f64::from(i) / 3.0 - 1.5).collect();
        let train: Vec<Sequence> = (0..800)
            .map(|s| {
                let theta: f64 = rng.random_range(-1.0..1.0);
                let attempts = (0..30)
                    .map(|_| {
                        let item: u32 = rng.random_range(0..10);
                        let correct = rng.random_bool(sigmoid(theta - truth[item as usize]));
                        Attempt {
                            item,
                            skills: vec![0],
                            correct,
                            timestamp: None,
                        }
                    })
                    .collect();
                Sequence {
                    student: s.to_string(),
                    attempts,
                }
            })
            .collect();
        let params = fit(&train, &EloOptions::default());
        let spread = params.items[&9] - params.items[&0];
        assert!((spread - 3.0).abs() < 0.8, "spread {spread}");
        let model = EloModel::new(params);
        let mut s = model.student();
        let before = s.mastery(0);
        for _ in 0..5 {
            s.update(3, &[0], true);
        }
        assert!(s.mastery(0) > before);
        assert!(s.predict(0, &[0]) > s.predict(9, &[0]));
    }
}
