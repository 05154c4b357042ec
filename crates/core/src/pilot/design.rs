//! Planning a pilot: how small an effect it can detect (power and the minimum detectable
//! effect size, with every assumption stated), and the fair, replayable assignment of
//! students or classes to conditions.
//!
//! Power follows the PowerUp! formulas (Dong & Maynard 2013), the ones behind "Optimal
//! Design" and most education trial plans:
//!
//! * students randomised: MDES = M·√((1 − R²) / (P(1 − P)·n)), df = n − g* − 2;
//! * classes randomised: MDES = M·√(ρ(1 − R²₂)/(P(1 − P)J) + (1 − ρ)(1 − R²₁)/(P(1 − P)Jm)),
//!   df = J − g* − 2;
//!
//! with M = t(1 − α/2, df) + t(power, df), P the share treated, R² the share of outcome
//! variance the pre-test explains (₁ within classes, ₂ between), ρ the intra-class
//! correlation, J classes of m students, g* the number of covariates (1 with a pre-test).
//! One deviation for classes: Ownpace's cluster analysis estimates the pre-test slope
//! within classes, which costs no class-level degree of freedom, so df = J − 2 whatever
//! the covariates.
//!
//! Power at a given effect is exact: the noncentral t distribution's tail, integrated over
//! the χ² of the error variance (G*Power's answer), so "64 per group for d = 0.5" holds.

use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::stats::{standard_normal, t_quantile};
use super::{PilotError, out_of_range};

/// What the power calculation assumes.
#[derive(Debug, Clone, PartialEq)]
pub struct PowerAssumptions {
    /// Two-sided significance level, e.g. 0.05.
    pub alpha: f64,
    /// Wanted power, e.g. 0.80.
    pub power: f64,
    /// Share of units in the treatment condition, e.g. 0.5.
    pub treated_share: f64,
    /// Share of the outcome's variance (within classes, for class randomisation) that the
    /// pre-test explains; 0 without a pre-test.
    pub pre_test_r2: f64,
    pub size: PilotSize,
}

/// How many units a pilot has.
#[derive(Debug, Clone, PartialEq)]
pub enum PilotSize {
    /// Students randomised one by one.
    Students { students: usize },
    /// Whole classes randomised.
    Classes {
        classes: usize,
        /// Mean analysed students per class.
        class_size: f64,
        /// Intra-class correlation of the outcome.
        icc: f64,
        /// Share of the between-class variance the class mean pre-test explains.
        class_r2: f64,
    },
}

/// The smallest true effect the pilot detects with the wanted power.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mdes {
    /// Minimum detectable effect size, in g.
    pub mdes: f64,
    /// Degrees of freedom of the test.
    pub df: f64,
    /// M = t(1 − α/2) + t(power).
    pub multiplier: f64,
    /// Standard error of g implied by the design.
    pub standard_error: f64,
    /// The result in one sentence with its assumptions.
    pub statement: String,
}

/// The minimum detectable effect size under `a`.
pub fn mdes(a: &PowerAssumptions) -> Result<Mdes, PilotError> {
    let (se, df) = design_error(a)?;
    let multiplier = t_quantile(1.0 - a.alpha / 2.0, df)? + t_quantile(a.power, df)?;
    let value = multiplier * se;
    Ok(Mdes {
        mdes: value,
        df,
        multiplier,
        standard_error: se,
        statement: statement(a, value),
    })
}

/// The chance that a pilot under `a` finds a true effect of `effect` (in g) significant
/// (two-sided, either direction).
pub fn power_at(effect: f64, a: &PowerAssumptions) -> Result<f64, PilotError> {
    if !effect.is_finite() {
        return Err(out_of_range("the effect", effect, "a finite number"));
    }
    let (se, df) = design_error(a)?;
    let critical = t_quantile(1.0 - a.alpha / 2.0, df)?;
    noncentral_two_sided_power(critical, effect.abs() / se, df)
}

/// P(|T'| > c) for T' noncentral t with `df` degrees of freedom and noncentrality δ:
/// T' = (Z + δ)/√(V/df) with V ~ χ²(df), so P = E_V[Φ(−c·s + δ) + Φ(−c·s − δ)], s = √(V/df).
/// The expectation is a midpoint rule over V's quantiles, which has no singularity even
/// for df = 1 (accurate to about 1e-5 here).
fn noncentral_two_sided_power(critical: f64, delta: f64, df: f64) -> Result<f64, PilotError> {
    const STEPS: usize = 4000;
    let chi =
        ChiSquared::new(df).map_err(|_| out_of_range("degrees of freedom", df, "positive"))?;
    let z = standard_normal();
    let total: f64 = (0..STEPS)
        .map(|k| {
            let v = chi.inverse_cdf((k as f64 + 0.5) / STEPS as f64);
            let s = (v / df).sqrt();
            z.cdf(delta - critical * s) + z.cdf(-delta - critical * s)
        })
        .sum();
    Ok(total / STEPS as f64)
}

/// The fewest students per condition (two equal conditions, students randomised) for
/// `power` at a true effect `effect` with a pre-test explaining `pre_test_r2`.
pub fn students_per_arm(
    effect: f64,
    alpha: f64,
    power: f64,
    pre_test_r2: f64,
) -> Result<usize, PilotError> {
    if !(effect.is_finite() && effect.abs() >= 0.01) {
        return Err(out_of_range("the effect", effect, "at least 0.01 in size"));
    }
    let at = |per_arm: usize| {
        power_at(
            effect,
            &PowerAssumptions {
                alpha,
                power,
                treated_share: 0.5,
                pre_test_r2,
                size: PilotSize::Students {
                    students: 2 * per_arm,
                },
            },
        )
    };
    // Power grows with n, so bisect between a size that is too small and one that is not.
    let (mut low, mut high) = (2usize, 4usize);
    while at(high)? < power {
        low = high;
        high *= 2;
        if high > MAX_UNITS {
            return Err(out_of_range(
                "the needed sample",
                format!("more than {MAX_UNITS} students"),
                "feasible: choose a larger effect of interest",
            ));
        }
    }
    while high - low > 1 {
        let mid = (low + high) / 2;
        if at(mid)? >= power {
            high = mid;
        } else {
            low = mid;
        }
    }
    Ok(if at(low)? >= power { low } else { high })
}

/// The most units (students) any pilot computation accepts.
pub const MAX_UNITS: usize = 1_000_000;

/// The SE of g and the df the design implies.
fn design_error(a: &PowerAssumptions) -> Result<(f64, f64), PilotError> {
    if !(a.alpha > 0.0 && a.alpha <= 0.5) {
        return Err(out_of_range("alpha", a.alpha, "in (0, 0.5], e.g. 0.05"));
    }
    if !(a.power > 0.0 && a.power < 1.0) {
        return Err(out_of_range("the power", a.power, "in (0, 1), e.g. 0.8"));
    }
    if !(a.treated_share > 0.0 && a.treated_share < 1.0) {
        return Err(out_of_range(
            "the share treated",
            a.treated_share,
            "in (0, 1), e.g. 0.5",
        ));
    }
    let r2 = |what, value: f64| {
        if (0.0..1.0).contains(&value) {
            Ok(value)
        } else {
            Err(out_of_range(what, value, "in [0, 1)"))
        }
    };
    let within = r2("the pre-test R²", a.pre_test_r2)?;
    let balance = a.treated_share * (1.0 - a.treated_share);
    let covariates = |r2: f64| if r2 > 0.0 { 1.0 } else { 0.0 };
    match a.size {
        PilotSize::Students { students } => {
            let n = students as f64;
            let df = n - covariates(within) - 2.0;
            if df < 1.0 || students > MAX_UNITS {
                return Err(out_of_range(
                    "the number of students",
                    students,
                    "3 to 1,000,000 (4 with a pre-test)",
                ));
            }
            Ok((((1.0 - within) / (balance * n)).sqrt(), df))
        }
        PilotSize::Classes {
            classes,
            class_size,
            icc,
            class_r2,
        } => {
            let between = r2("the class-level R²", class_r2)?;
            if !(0.0..1.0).contains(&icc) {
                return Err(out_of_range(
                    "the intra-class correlation",
                    icc,
                    "in [0, 1)",
                ));
            }
            if !(class_size >= 1.0 && class_size <= MAX_UNITS as f64) {
                return Err(out_of_range(
                    "the class size",
                    class_size,
                    "at least 1 student",
                ));
            }
            let j = classes as f64;
            let df = j - 2.0;
            if df < 1.0 || classes > MAX_UNITS {
                return Err(out_of_range("the number of classes", classes, "at least 3"));
            }
            let variance = icc * (1.0 - between) / (balance * j)
                + (1.0 - icc) * (1.0 - within) / (balance * j * class_size);
            Ok((variance.sqrt(), df))
        }
    }
}

fn statement(a: &PowerAssumptions, value: f64) -> String {
    let share = if (a.treated_share - 0.5).abs() < 1e-9 {
        "half in each condition".to_string()
    } else {
        format!("{:.0}% in the new condition", 100.0 * a.treated_share)
    };
    let pre_test = if a.pre_test_r2 > 0.0 {
        format!(
            "a pre-test that explains {:.0}% of the outcome's variance{}",
            100.0 * a.pre_test_r2,
            match a.size {
                PilotSize::Classes { .. } => " within classes",
                PilotSize::Students { .. } => "",
            }
        )
    } else {
        "no pre-test".to_string()
    };
    let who = match &a.size {
        PilotSize::Students { students } => {
            format!("With {students} students ({share}) and {pre_test}")
        }
        PilotSize::Classes {
            classes,
            class_size,
            icc,
            class_r2,
        } => format!(
            "With {classes} classes of about {class_size:.0} students ({share}, whole classes \
             randomised), an intra-class correlation of {icc:.2}, {pre_test} and {:.0}% between \
             classes",
            100.0 * class_r2
        ),
    };
    format!(
        "{who}, a two-sided test at α = {} detects an effect of g ≥ {value:.2} with {:.0}% power.",
        a.alpha,
        100.0 * a.power
    )
}

/// One student to assign, with what the randomisation stratifies on.
#[derive(Debug, Clone, PartialEq)]
pub struct Participant {
    /// A stable pseudonymous id (never a name).
    pub id: String,
    pub class: String,
    /// Share of the course's skills mastered before the pilot, 0–1.
    pub prior_mastery: f64,
}

/// What is randomised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Student,
    Class,
}

/// The inputs of a randomisation besides the participants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RandomisationPlan {
    /// Two to eight condition names; the first is the control by convention.
    pub conditions: Vec<String>,
    pub unit: Unit,
    /// Equal-width prior-mastery bands to stratify students by (within each class), 1–10.
    pub mastery_bands: usize,
    pub seed: u64,
}

/// One student's condition and the stratum it was drawn in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub student: String,
    pub class: String,
    pub condition: String,
    pub stratum: String,
}

/// A finished randomisation: the plan, the algorithm's name and every assignment. Stored
/// with the pilot, it is the record; [`replays`] checks it against a fresh run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Randomisation {
    pub algorithm: String,
    pub plan: RandomisationPlan,
    /// Sorted by student id.
    pub assignments: Vec<Assignment>,
}

/// The algorithm's name, stored with each randomisation so a future change is visible.
pub const ALGORITHM: &str = "ownpace-stratified-blocks-v1 (ChaCha8)";

const MAX_NAME: usize = 200;

/// Assigns every participant a condition, stratified and balanced:
///
/// * **students**: strata are (class, prior-mastery band); within a stratum the students
///   are shuffled and dealt the conditions in turn, and each stratum starts dealing where
///   the previous one stopped, so every condition's size differs from the others by at
///   most one overall and within every stratum;
/// * **classes**: classes are ranked by mean prior mastery and grouped into blocks of as
///   many classes as there are conditions; each block gets a random order of the
///   conditions (the last, shorter block a random subset), so conditions are matched on
///   prior mastery.
///
/// The result depends only on the participants (in any order), the plan and the seed.
pub fn randomise(
    participants: &[Participant],
    plan: &RandomisationPlan,
) -> Result<Randomisation, PilotError> {
    check_plan(participants, plan)?;
    let mut sorted: Vec<&Participant> = participants.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    let mut rng = ChaCha8Rng::seed_from_u64(plan.seed);
    let m = plan.conditions.len();
    let mut assignments = Vec::with_capacity(sorted.len());
    match plan.unit {
        Unit::Student => {
            let mut strata: BTreeMap<(&str, usize), Vec<&Participant>> = BTreeMap::new();
            for p in &sorted {
                strata
                    .entry((p.class.as_str(), band(p.prior_mastery, plan.mastery_bands)))
                    .or_default()
                    .push(p);
            }
            let mut next = rng.random_range(0..m);
            for ((class, band), mut members) in strata {
                members.shuffle(&mut rng);
                let stratum = format!(
                    "class {class}, prior mastery band {} of {}",
                    band + 1,
                    plan.mastery_bands
                );
                for p in members {
                    assignments.push(Assignment {
                        student: p.id.clone(),
                        class: p.class.clone(),
                        condition: plan.conditions[next].clone(),
                        stratum: stratum.clone(),
                    });
                    next = (next + 1) % m;
                }
            }
        }
        Unit::Class => {
            let mut classes: BTreeMap<&str, (f64, usize)> = BTreeMap::new();
            for p in &sorted {
                let entry = classes.entry(p.class.as_str()).or_insert((0.0, 0));
                entry.0 += p.prior_mastery;
                entry.1 += 1;
            }
            let mut ranked: Vec<(&str, f64)> = classes
                .into_iter()
                .map(|(class, (sum, n))| (class, sum / n as f64))
                .collect();
            ranked.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(b.0)));
            let mut condition_of: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
            for (block, chunk) in ranked.chunks(m).enumerate() {
                let mut order: Vec<usize> = (0..m).collect();
                order.shuffle(&mut rng);
                for ((class, _), condition) in chunk.iter().zip(order) {
                    condition_of.insert(class, (condition, block));
                }
            }
            for p in &sorted {
                let (condition, block) = condition_of[p.class.as_str()];
                assignments.push(Assignment {
                    student: p.id.clone(),
                    class: p.class.clone(),
                    condition: plan.conditions[condition].clone(),
                    stratum: format!("block {} of classes matched on prior mastery", block + 1),
                });
            }
        }
    }
    assignments.sort_by(|a, b| a.student.cmp(&b.student));
    Ok(Randomisation {
        algorithm: ALGORITHM.to_string(),
        plan: plan.clone(),
        assignments,
    })
}

/// Whether `recorded` is exactly what randomising `participants` with its own plan gives
/// today: the check that a stored assignment was drawn as claimed.
pub fn replays(participants: &[Participant], recorded: &Randomisation) -> Result<bool, PilotError> {
    if recorded.algorithm != ALGORITHM {
        return Err(PilotError::Invalid(format!(
            "the randomisation was drawn by `{}`, this version replays `{ALGORITHM}`",
            recorded.algorithm
        )));
    }
    Ok(randomise(participants, &recorded.plan)? == *recorded)
}

/// The 0-based band of a prior mastery in [0, 1].
fn band(mastery: f64, bands: usize) -> usize {
    ((mastery * bands as f64) as usize).min(bands - 1)
}

fn check_plan(participants: &[Participant], plan: &RandomisationPlan) -> Result<(), PilotError> {
    if !(2..=8).contains(&plan.conditions.len()) {
        return Err(PilotError::Invalid(format!(
            "a pilot has 2 to 8 conditions, this plan has {}",
            plan.conditions.len()
        )));
    }
    let mut names = HashSet::new();
    for name in &plan.conditions {
        if name.trim().is_empty() || name.chars().count() > MAX_NAME {
            return Err(PilotError::Invalid(format!(
                "condition names must be 1 to {MAX_NAME} characters"
            )));
        }
        if !names.insert(name) {
            return Err(PilotError::Invalid(format!(
                "the condition `{name}` is listed twice"
            )));
        }
    }
    if !(1..=10).contains(&plan.mastery_bands) {
        return Err(PilotError::Invalid(format!(
            "mastery bands must be 1 to 10, not {}",
            plan.mastery_bands
        )));
    }
    if participants.is_empty() || participants.len() > MAX_UNITS {
        return Err(PilotError::Invalid(format!(
            "a randomisation needs 1 to {MAX_UNITS} students, not {}",
            participants.len()
        )));
    }
    let mut ids = HashSet::new();
    for (i, p) in participants.iter().enumerate() {
        for (what, text) in [("student id", &p.id), ("class", &p.class)] {
            if text.is_empty() || text.chars().count() > MAX_NAME {
                return Err(PilotError::Invalid(format!(
                    "student {}: the {what} must be 1 to {MAX_NAME} characters",
                    i + 1
                )));
            }
        }
        if !(0.0..=1.0).contains(&p.prior_mastery) {
            return Err(PilotError::Invalid(format!(
                "student {}: prior mastery must be a share from 0 to 1",
                i + 1
            )));
        }
        if !ids.insert(&p.id) {
            return Err(PilotError::Invalid(format!(
                "student {} appears twice (each student is assigned once)",
                i + 1
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn students(n: usize) -> PilotSize {
        PilotSize::Students { students: n }
    }

    fn assumptions(size: PilotSize, r2: f64) -> PowerAssumptions {
        PowerAssumptions {
            alpha: 0.05,
            power: 0.8,
            treated_share: 0.5,
            pre_test_r2: r2,
            size,
        }
    }

    /// Cohen (1988), Table 2.4.1: d = 0.5, α = .05 two-sided, 80% power needs 64 per
    /// group (G*Power's exact noncentral t gives 64 as well).
    #[test]
    fn a_medium_effect_needs_64_per_group() {
        assert_eq!(students_per_arm(0.5, 0.05, 0.8, 0.0).unwrap(), 64);
        let at_64 = power_at(0.5, &assumptions(students(128), 0.0)).unwrap();
        let at_63 = power_at(0.5, &assumptions(students(126), 0.0)).unwrap();
        assert!(at_64 >= 0.8 && at_63 < 0.8, "{at_63} {at_64}");
        // G*Power 3.1 (t tests, two independent means, post hoc): 0.8014596.
        assert!((at_64 - 0.8014596).abs() < 1e-4, "{at_64}");
        // d = 0.8 needs 26 per group, d = 0.2 needs 394 (G*Power; Cohen's table: 26, 393).
        assert_eq!(students_per_arm(0.8, 0.05, 0.8, 0.0).unwrap(), 26);
        assert_eq!(students_per_arm(0.2, 0.05, 0.8, 0.0).unwrap(), 394);
    }

    /// The issue's own sentence: 60 students, a pre-test explaining half the variance →
    /// g ≥ 0.52 with 80% power.
    #[test]
    fn sixty_students_with_a_strong_pre_test_detect_0_52() {
        let m = mdes(&assumptions(students(60), 0.5)).unwrap();
        assert!((m.mdes - 0.52).abs() < 0.005, "{}", m.mdes);
        assert_eq!(m.df, 57.0);
        assert!(m.statement.contains("60 students"), "{}", m.statement);
        assert!(m.statement.contains("g ≥ 0.52"), "{}", m.statement);
        assert!(m.statement.contains("50%"), "{}", m.statement);
        // And the MDES is the effect at which power is what was asked for.
        let p = power_at(m.mdes, &assumptions(students(60), 0.5)).unwrap();
        assert!((p - 0.8).abs() < 0.002, "{p}");
    }

    /// PowerUp! CRA2 by hand: 6 classes of 20, ρ = 0.1, R² 0.25 at both levels →
    /// variance 0.1·0.75/1.5 + 0.9·0.75/30 = 0.0725, df 6 − 2 (slope within classes),
    /// M = t(0.975, 4) + t(0.8, 4) = 2.776445 + 0.940965.
    #[test]
    fn class_randomisation_pays_for_few_classes() {
        let size = PilotSize::Classes {
            classes: 6,
            class_size: 20.0,
            icc: 0.1,
            class_r2: 0.25,
        };
        let m = mdes(&assumptions(size.clone(), 0.25)).unwrap();
        assert_eq!(m.df, 4.0);
        assert!((m.standard_error - 0.0725f64.sqrt()).abs() < 1e-12);
        assert!(
            (m.multiplier - (2.776445 + 0.940965)).abs() < 1e-5,
            "{}",
            m.multiplier
        );
        assert!(m.mdes > 1.0, "{}", m.mdes);
        let student_level = mdes(&assumptions(students(120), 0.25)).unwrap();
        assert!(student_level.mdes < 0.46, "{}", student_level.mdes);
        assert!(m.statement.contains("6 classes"), "{}", m.statement);
    }

    #[test]
    fn power_inputs_are_checked() {
        let mut a = assumptions(students(3), 0.5);
        assert!(mdes(&a).is_err());
        a.pre_test_r2 = 0.0;
        assert!(mdes(&a).is_ok());
        a.size = students(100);
        a.alpha = 0.0;
        assert!(mdes(&a).is_err());
        a.alpha = 0.05;
        a.pre_test_r2 = 1.0;
        assert!(mdes(&a).is_err());
        assert!(students_per_arm(0.0, 0.05, 0.8, 0.0).is_err());
    }

    fn roster() -> Vec<Participant> {
        (0..60)
            .map(|i| Participant {
                id: format!("s{i:03}"),
                class: format!("class-{}", i % 3),
                prior_mastery: (i as f64 * 0.37) % 1.0,
            })
            .collect()
    }

    fn plan(unit: Unit, seed: u64) -> RandomisationPlan {
        RandomisationPlan {
            conditions: vec!["control".into(), "spaced review".into()],
            unit,
            mastery_bands: 3,
            seed,
        }
    }

    fn count(r: &Randomisation, condition: &str, filter: impl Fn(&Assignment) -> bool) -> usize {
        r.assignments
            .iter()
            .filter(|a| a.condition == condition && filter(a))
            .count()
    }

    #[test]
    fn student_randomisation_is_balanced_within_strata_and_replayable() {
        let people = roster();
        let r = randomise(&people, &plan(Unit::Student, 7)).unwrap();
        assert_eq!(r.assignments.len(), 60);
        assert_eq!(count(&r, "control", |_| true), 30);
        let strata: HashSet<_> = r.assignments.iter().map(|a| a.stratum.clone()).collect();
        assert_eq!(strata.len(), 9);
        for stratum in &strata {
            let c = count(&r, "control", |a| &a.stratum == stratum);
            let t = count(&r, "spaced review", |a| &a.stratum == stratum);
            assert!(c.abs_diff(t) <= 1, "{stratum}: {c} vs {t}");
        }
        // Input order does not matter; the seed does.
        let mut reversed = people.clone();
        reversed.reverse();
        assert_eq!(randomise(&reversed, &plan(Unit::Student, 7)).unwrap(), r);
        assert!(replays(&reversed, &r).unwrap());
        let other = randomise(&people, &plan(Unit::Student, 8)).unwrap();
        assert_ne!(other.assignments, r.assignments);
        // A tampered record does not replay.
        let mut tampered = r.clone();
        tampered.assignments[0].condition = if r.assignments[0].condition == "control" {
            "spaced review".into()
        } else {
            "control".into()
        };
        assert!(!replays(&people, &tampered).unwrap());
        // The record survives a round trip through JSON (it is stored with the pilot).
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<Randomisation>(&json).unwrap(), r);
    }

    #[test]
    fn class_randomisation_keeps_classes_whole_and_matched() {
        let people: Vec<_> = (0..120)
            .map(|i| Participant {
                id: format!("s{i:03}"),
                class: format!("c{}", i % 6),
                prior_mastery: (i % 6) as f64 / 6.0,
            })
            .collect();
        let r = randomise(&people, &plan(Unit::Class, 3)).unwrap();
        let mut by_class: BTreeMap<&str, HashSet<&str>> = BTreeMap::new();
        for a in &r.assignments {
            by_class.entry(&a.class).or_default().insert(&a.condition);
        }
        assert!(by_class.values().all(|c| c.len() == 1));
        // Classes ranked by mastery pair up as (c0, c1), (c2, c3), (c4, c5): one of each
        // pair in each condition.
        for pair in [("c0", "c1"), ("c2", "c3"), ("c4", "c5")] {
            assert_ne!(by_class[pair.0], by_class[pair.1]);
        }
        assert!(replays(&people, &r).unwrap());
    }

    #[test]
    fn bad_randomisation_input_is_refused_with_the_reason() {
        let mut people = roster();
        people[5].id = people[4].id.clone();
        let e = randomise(&people, &plan(Unit::Student, 1)).unwrap_err();
        assert!(e.to_string().contains("appears twice"), "{e}");
        let mut one_condition = plan(Unit::Student, 1);
        one_condition.conditions.truncate(1);
        assert!(randomise(&roster(), &one_condition).is_err());
        let mut long = roster();
        long[0].class = "x".repeat(201);
        assert!(randomise(&long, &plan(Unit::Student, 1)).is_err());
        let mut mastery = roster();
        mastery[0].prior_mastery = f64::NAN;
        assert!(randomise(&mastery, &plan(Unit::Student, 1)).is_err());
    }
}
