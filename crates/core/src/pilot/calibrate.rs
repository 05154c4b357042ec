//! Calibration you can check: many simulated pilots with a planted effect and as many
//! with none, run through the same randomisation and report code a real pilot uses, to
//! count how often the 95% interval holds the planted effect (coverage), how often a
//! pilot with no effect claims one (type-1 error) and how often the planted effect is
//! found (power). `ownpace pilot calibrate` prints the result.
//!
//! The simulated school (defaults, fixed so the figures are comparable): 120 students in
//! 6 classes of 20; outcome and pre-test standard normal, correlated 0.5, each with an
//! intra-class correlation of 0.1 (the outcome's between-class part is half explained by
//! the pre-test's, like its within-class part); 5% of students missing at the post-test,
//! at random; the planted effect is g = 0.3 in outcome SDs. The student design randomises
//! students within (class, prior-mastery band) strata; the cluster design randomises whole
//! classes, 3 against 3, matched on mean prior mastery.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;
use statrs::distribution::ContinuousCDF;

use super::design::{
    self, Participant, PilotSize, PowerAssumptions, RandomisationPlan, Unit, power_at,
};
use super::report::{PilotData, PilotReport, StudentResult, report};
use super::stats::standard_normal;
use super::{PilotError, out_of_range};
use crate::placement::normal;

/// What is randomised in the simulated pilots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Design {
    /// Students randomised within classes; ANCOVA analysis.
    Student,
    /// Whole classes randomised; cluster-level analysis.
    Cluster,
}

/// The simulated school and how many pilots to run.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationConfig {
    pub design: Design,
    /// Pilots with the planted effect, and as many again without.
    pub runs: usize,
    pub seed: u64,
    pub students: usize,
    pub classes: usize,
    pub pre_post_correlation: f64,
    pub planted_g: f64,
    pub icc: f64,
    /// Chance that a student is missing at the post-test.
    pub attrition: f64,
}

/// The most runs one calibration accepts.
pub const MAX_RUNS: usize = 100_000;

impl CalibrationConfig {
    /// The fixed, realistic default school for `design`.
    pub fn new(design: Design, runs: usize, seed: u64) -> Self {
        Self {
            design,
            runs,
            seed,
            students: 120,
            classes: 6,
            pre_post_correlation: 0.5,
            planted_g: 0.3,
            icc: 0.1,
            attrition: 0.05,
        }
    }
}

/// What the simulated pilots showed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    pub design: Design,
    pub runs: usize,
    pub seed: u64,
    pub planted_g: f64,
    /// Share of planted-effect pilots whose 95% interval holds the planted g.
    pub coverage_95: f64,
    /// Share of no-effect pilots whose interval excludes zero.
    pub type1_error: f64,
    /// Share of planted-effect pilots whose interval excludes zero.
    pub power: f64,
    /// Power the PowerUp! formula predicts for this design (see `design`).
    pub predicted_power: f64,
    /// Mean estimated g over the planted-effect pilots (its bias is this minus planted_g).
    pub mean_g: f64,
    /// Pilots that came out too small to report (counted as misses above).
    pub too_small: usize,
}

/// One simulated pilot's outcome.
struct Run {
    estimate: Option<(f64, f64, f64)>,
}

/// Runs the calibration. Deterministic by `config.seed` (each pilot has its own ChaCha
/// stream, so the thread count does not matter).
pub fn calibrate(config: &CalibrationConfig) -> Result<Calibration, PilotError> {
    check(config)?;
    let simulate_all = |planted: bool| -> Result<Vec<Run>, PilotError> {
        (0..config.runs)
            .into_par_iter()
            .map(|i| {
                let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
                rng.set_stream(2 * i as u64 + u64::from(planted));
                let effect = if planted { config.planted_g } else { 0.0 };
                simulate_one(&mut rng, config, effect)
            })
            .collect()
    };
    let planted = simulate_all(true)?;
    let null = simulate_all(false)?;
    let n = config.runs as f64;
    let share = |runs: &[Run], hit: &dyn Fn(f64, f64, f64) -> bool| {
        runs.iter()
            .filter(|r| r.estimate.is_some_and(|(g, low, high)| hit(g, low, high)))
            .count() as f64
            / n
    };
    let excludes_zero = |_, low: f64, high: f64| low > 0.0 || high < 0.0;
    let estimates: Vec<f64> = planted
        .iter()
        .filter_map(|r| r.estimate.map(|e| e.0))
        .collect();
    Ok(Calibration {
        design: config.design,
        runs: config.runs,
        seed: config.seed,
        planted_g: config.planted_g,
        coverage_95: share(&planted, &|_, low, high| {
            low <= config.planted_g && config.planted_g <= high
        }),
        type1_error: share(&null, &excludes_zero),
        power: share(&planted, &excludes_zero),
        predicted_power: power_at(config.planted_g, &assumptions(config))?,
        mean_g: estimates.iter().sum::<f64>() / estimates.len().max(1) as f64,
        too_small: planted
            .iter()
            .chain(&null)
            .filter(|r| r.estimate.is_none())
            .count(),
    })
}

/// The power calculation's view of the simulated school.
pub fn assumptions(config: &CalibrationConfig) -> PowerAssumptions {
    let r2 = config.pre_post_correlation * config.pre_post_correlation;
    let analysed = config.students as f64 * (1.0 - config.attrition);
    PowerAssumptions {
        alpha: 0.05,
        power: 0.8,
        treated_share: 0.5,
        pre_test_r2: r2,
        size: match config.design {
            Design::Student => PilotSize::Students {
                students: analysed.round() as usize,
            },
            Design::Cluster => PilotSize::Classes {
                classes: config.classes,
                class_size: analysed / config.classes as f64,
                icc: config.icc,
                class_r2: r2,
            },
        },
    }
}

fn check(c: &CalibrationConfig) -> Result<(), PilotError> {
    if !(1..=MAX_RUNS).contains(&c.runs) {
        return Err(out_of_range("--runs", c.runs, "from 1 to 100,000"));
    }
    if !(4..=100).contains(&c.classes) {
        return Err(out_of_range("the number of classes", c.classes, "4 to 100"));
    }
    if c.students < 2 * c.classes || c.students > 100_000 {
        return Err(out_of_range(
            "the number of students",
            c.students,
            "at least 2 per class and at most 100,000",
        ));
    }
    for (what, value, range) in [
        (
            "the pre/post correlation",
            c.pre_post_correlation,
            0.0..0.99,
        ),
        ("the intra-class correlation", c.icc, 0.0..0.99),
        ("the attrition", c.attrition, 0.0..0.5),
        ("the planted g", c.planted_g, -3.0..3.0),
    ] {
        if !range.contains(&value) {
            return Err(out_of_range(what, value, "within its sensible range"));
        }
    }
    Ok(())
}

fn simulate_one(
    rng: &mut ChaCha8Rng,
    c: &CalibrationConfig,
    effect: f64,
) -> Result<Run, PilotError> {
    let r = c.pre_post_correlation;
    let (between, within) = (c.icc.sqrt(), (1.0 - c.icc).sqrt());
    let class_pre: Vec<f64> = (0..c.classes).map(|_| normal(rng)).collect();
    let class_post: Vec<f64> = (0..c.classes).map(|_| normal(rng)).collect();
    let mut pre = Vec::with_capacity(c.students);
    let mut base = Vec::with_capacity(c.students);
    let mut participants = Vec::with_capacity(c.students);
    for i in 0..c.students {
        let class = i % c.classes;
        let x = between * class_pre[class] + within * normal(rng);
        let residual = between * class_post[class] + within * normal(rng);
        pre.push(x);
        base.push(r * x + (1.0 - r * r).sqrt() * residual);
        participants.push(Participant {
            id: format!("s{i:06}"),
            class: format!("c{class:03}"),
            prior_mastery: standard_normal().cdf(x),
        });
    }
    let plan = RandomisationPlan {
        conditions: vec!["control".into(), "treatment".into()],
        unit: match c.design {
            Design::Student => Unit::Student,
            Design::Cluster => Unit::Class,
        },
        mastery_bands: 3,
        seed: rng.random(),
    };
    let randomisation = design::randomise(&participants, &plan)?;
    // Assignments come back sorted by id, which is the student index here.
    let students = randomisation
        .assignments
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let treated = a.condition == "treatment";
            let post = base[i] + if treated { effect } else { 0.0 };
            let missing = rng.random::<f64>() < c.attrition;
            StudentResult {
                condition: usize::from(treated),
                class: i % c.classes,
                pre: pre[i],
                post: (!missing).then_some(post),
            }
        })
        .collect();
    let data = PilotData {
        conditions: plan.conditions.clone(),
        control: 0,
        unit: plan.unit,
        students,
    };
    Ok(Run {
        estimate: match report(&data)? {
            PilotReport::Ready { comparisons, .. } => comparisons
                .first()
                .map(|cmp| (cmp.effect.g, cmp.effect.ci_low, cmp.effect.ci_high)),
            PilotReport::TooFew { .. } => None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calibration_is_deterministic_by_seed() {
        let config = CalibrationConfig::new(Design::Student, 40, 11);
        let a = calibrate(&config).unwrap();
        assert_eq!(a, calibrate(&config).unwrap());
        let other = calibrate(&CalibrationConfig { seed: 12, ..config }).unwrap();
        assert_ne!(a.mean_g, other.mean_g);
        assert_eq!(a.too_small, 0);
    }

    /// A few hundred pilots are enough to catch a broken interval: with true coverage 95%,
    /// 300 runs fall below 0.90 with probability under 0.1%.
    #[test]
    fn intervals_hold_the_planted_effect_in_both_designs() {
        for design in [Design::Student, Design::Cluster] {
            let c = calibrate(&CalibrationConfig::new(design, 300, 5)).unwrap();
            assert!((0.90..=0.99).contains(&c.coverage_95), "{design:?} {c:?}");
            assert!(c.type1_error <= 0.10, "{design:?} {c:?}");
            assert!((c.mean_g - 0.3).abs() < 0.08, "{design:?} {c:?}");
        }
    }

    #[test]
    fn the_student_design_is_far_more_powerful_than_six_classes() {
        let student = calibrate(&CalibrationConfig::new(Design::Student, 200, 9)).unwrap();
        let cluster = calibrate(&CalibrationConfig::new(Design::Cluster, 200, 9)).unwrap();
        assert!(student.power > 0.3, "{student:?}");
        assert!(cluster.power < student.power, "{cluster:?} vs {student:?}");
        assert!(
            (student.predicted_power - student.power).abs() < 0.15,
            "{student:?}"
        );
    }

    #[test]
    fn calibration_inputs_are_checked() {
        assert!(calibrate(&CalibrationConfig::new(Design::Student, 0, 1)).is_err());
        let mut c = CalibrationConfig::new(Design::Cluster, 10, 1);
        c.classes = 3;
        assert!(calibrate(&c).is_err());
    }
}
