//! A pilot's report: attrition per condition, each condition against the control with
//! raw means and the adjusted effect, and a plain-word reading by What Works Clearinghouse
//! conventions — or, for a pilot too small to say anything, the reason instead of numbers.
//!
//! The rule for "too small" (documented in `docs/evidence.md`): every condition needs at
//! least [`MIN_STUDENTS_PER_CONDITION`] analysed students, and a class-randomised pilot at
//! least [`MIN_CLASSES_PER_CONDITION`] classes per condition. Below that the 95% interval
//! is wider than about ±0.8 SD even with a good pre-test, and the cluster analysis has no
//! spread between classes to estimate.

use serde::Serialize;

use super::PilotError;
use super::design::Unit;
use super::stats::{
    self, Arm, EffectSize, Method, Observation, ancova_effect, cluster_effect, hedges_g,
    improvement_index,
};

/// Analysed students each condition needs before the pilot reports an effect.
pub const MIN_STUDENTS_PER_CONDITION: usize = 10;
/// Classes each condition needs when whole classes were randomised.
pub const MIN_CLASSES_PER_CONDITION: usize = 2;
/// WWC: an effect of at least this size (in g) is "substantively important".
pub const SUBSTANTIVE: f64 = 0.25;

/// One assigned student's data. `post` is `None` when the student left or missed the
/// post-test (attrition).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StudentResult {
    /// Index into [`PilotData::conditions`].
    pub condition: usize,
    /// Any index identifying the class.
    pub class: usize,
    pub pre: f64,
    pub post: Option<f64>,
}

/// Everything a report needs: every assigned student, not only those who finished.
#[derive(Debug, Clone, PartialEq)]
pub struct PilotData {
    pub conditions: Vec<String>,
    /// Index of the comparison condition.
    pub control: usize,
    pub unit: Unit,
    pub students: Vec<StudentResult>,
}

/// Assigned and analysed students of one condition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttritionRow {
    pub condition: String,
    pub assigned: usize,
    pub analysed: usize,
    /// Share of the assigned who were not analysed.
    pub rate: f64,
}

/// One condition against the control.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub condition: String,
    pub control: String,
    /// Raw outcome summaries of the analysed students.
    pub outcome_mean: f64,
    pub outcome_sd: f64,
    pub control_outcome_mean: f64,
    pub control_outcome_sd: f64,
    pub pre_test_mean: f64,
    pub control_pre_test_mean: f64,
    pub effect: EffectSize,
    /// WWC improvement index in percentile points.
    pub improvement_index: f64,
    pub significant: bool,
    /// |g| ≥ 0.25.
    pub substantively_important: bool,
    /// The plain-word reading shown next to the numbers.
    pub reading: String,
}

/// A pilot's report, or why there is none.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum PilotReport {
    /// Too few students or classes: no effect is reported; the reasons say what is missing.
    TooFew {
        attrition: Vec<AttritionRow>,
        reasons: Vec<String>,
    },
    Ready {
        attrition: Vec<AttritionRow>,
        /// Share of all assigned students not analysed.
        overall_attrition: f64,
        /// Largest minus smallest attrition rate across conditions.
        differential_attrition: f64,
        comparisons: Vec<Comparison>,
    },
}

/// The report of a finished pilot.
pub fn report(data: &PilotData) -> Result<PilotReport, PilotError> {
    let m = data.conditions.len();
    if !(2..=8).contains(&m) || data.control >= m {
        return Err(PilotError::Invalid(format!(
            "a pilot has 2 to 8 conditions and a control among them (has {m}, control {})",
            data.control
        )));
    }
    if let Some(name) = data
        .conditions
        .iter()
        .find(|n| n.trim().is_empty() || n.chars().count() > 200)
    {
        return Err(PilotError::Invalid(format!(
            "condition names must be 1 to 200 characters (one has {})",
            name.chars().count()
        )));
    }
    if data.students.len() > super::design::MAX_UNITS {
        return Err(PilotError::Invalid("too many students in one pilot".into()));
    }
    if let Some(i) = data.students.iter().position(|s| s.condition >= m) {
        return Err(PilotError::Invalid(format!(
            "student {} has condition {}, but there are only {m}",
            i + 1,
            data.students[i].condition
        )));
    }
    let attrition: Vec<AttritionRow> = (0..m)
        .map(|c| {
            let assigned = data.students.iter().filter(|s| s.condition == c).count();
            let analysed = data
                .students
                .iter()
                .filter(|s| s.condition == c && s.post.is_some())
                .count();
            AttritionRow {
                condition: data.conditions[c].clone(),
                assigned,
                analysed,
                rate: if assigned == 0 {
                    0.0
                } else {
                    1.0 - analysed as f64 / assigned as f64
                },
            }
        })
        .collect();
    let mut reasons = Vec::new();
    for (c, row) in attrition.iter().enumerate() {
        if row.analysed < MIN_STUDENTS_PER_CONDITION {
            reasons.push(format!(
                "`{}` has {} analysed student{}; a report needs at least {MIN_STUDENTS_PER_CONDITION} per condition",
                row.condition,
                row.analysed,
                if row.analysed == 1 { "" } else { "s" }
            ));
        }
        if data.unit == Unit::Class {
            let classes = classes_of(data, c);
            if classes < MIN_CLASSES_PER_CONDITION {
                reasons.push(format!(
                    "`{}` has {classes} class{} with results; a class-randomised pilot needs at least {MIN_CLASSES_PER_CONDITION} per condition",
                    row.condition,
                    if classes == 1 { "" } else { "es" }
                ));
            }
        }
    }
    if !reasons.is_empty() {
        return Ok(PilotReport::TooFew { attrition, reasons });
    }
    let assigned: usize = attrition.iter().map(|r| r.assigned).sum();
    let analysed: usize = attrition.iter().map(|r| r.analysed).sum();
    let rates = attrition.iter().map(|r| r.rate);
    let differential_attrition =
        rates.clone().fold(f64::MIN, f64::max) - rates.fold(f64::MAX, f64::min);
    let mut comparisons = Vec::new();
    for c in (0..m).filter(|&c| c != data.control) {
        comparisons.push(compare(data, c)?);
    }
    Ok(PilotReport::Ready {
        attrition,
        overall_attrition: 1.0 - analysed as f64 / assigned as f64,
        differential_attrition,
        comparisons,
    })
}

fn classes_of(data: &PilotData, condition: usize) -> usize {
    data.students
        .iter()
        .filter(|s| s.condition == condition && s.post.is_some())
        .map(|s| s.class)
        .collect::<std::collections::BTreeSet<_>>()
        .len()
}

fn compare(data: &PilotData, condition: usize) -> Result<Comparison, PilotError> {
    let observations: Vec<Observation> = data
        .students
        .iter()
        .filter_map(|s| {
            let arm = if s.condition == condition {
                Arm::Treatment
            } else if s.condition == data.control {
                Arm::Control
            } else {
                return None;
            };
            s.post.map(|post| Observation {
                arm,
                cluster: s.class,
                pre: s.pre,
                post,
            })
        })
        .collect();
    let values = |arm, pick: fn(&Observation) -> f64| {
        observations
            .iter()
            .filter(|o| o.arm == arm)
            .map(pick)
            .collect::<Vec<_>>()
    };
    let post_t = stats::summary(&values(Arm::Treatment, |o| o.post));
    let post_c = stats::summary(&values(Arm::Control, |o| o.post));
    let pre_t = stats::summary(&values(Arm::Treatment, |o| o.pre));
    let pre_c = stats::summary(&values(Arm::Control, |o| o.pre));
    let effect = match data.unit {
        Unit::Class => cluster_effect(&observations)?,
        // A pre-test without spread cannot adjust: fall back to the raw comparison.
        Unit::Student => match ancova_effect(&observations) {
            Err(PilotError::Degenerate(_)) => hedges_g(&post_t, &post_c)?,
            other => other?,
        },
    };
    let name = data.conditions[condition].clone();
    let control = data.conditions[data.control].clone();
    let reading = reading(&name, &control, &effect);
    Ok(Comparison {
        improvement_index: improvement_index(effect.g),
        significant: effect.significant(),
        substantively_important: effect.g.abs() >= SUBSTANTIVE,
        outcome_mean: post_t.mean,
        outcome_sd: post_t.sd,
        control_outcome_mean: post_c.mean,
        control_outcome_sd: post_c.sd,
        pre_test_mean: pre_t.mean,
        control_pre_test_mean: pre_c.mean,
        condition: name,
        control,
        effect,
        reading,
    })
}

/// The plain-word reading, by WWC conventions (significance at the 5% level; |g| ≥ 0.25
/// substantively important; the improvement index) with Kraft's (2020) benchmarks for
/// randomised trials in schools as the "how big is that" yardstick.
pub fn reading(condition: &str, control: &str, effect: &EffectSize) -> String {
    let g = effect.g;
    let direction = if g >= 0.0 { "higher" } else { "lower" };
    let adjusted = match effect.method {
        Method::Ancova => ", adjusted for the pre-test",
        Method::ClusterLevel => ", adjusted for the pre-test and comparing whole classes",
        Method::Unadjusted => ", not adjusted (the pre-test could not be used)",
    };
    let verdict = match (effect.significant(), g.abs() >= SUBSTANTIVE) {
        (true, true) => format!(
            "By What Works Clearinghouse conventions this is a statistically significant and \
             substantively important {} effect.",
            if g > 0.0 { "positive" } else { "negative" }
        ),
        (true, false) => format!(
            "By What Works Clearinghouse conventions this is a statistically significant {} \
             effect, below the 0.25 that WWC calls substantively important.",
            if g > 0.0 { "positive" } else { "negative" }
        ),
        (false, true) => format!(
            "It is not statistically significant, but at |g| ≥ 0.25 What Works Clearinghouse \
             would call it substantively important ({}): a larger pilot could confirm it.",
            if g > 0.0 { "positive" } else { "negative" }
        ),
        (false, false) => "It is neither statistically significant nor substantively important \
                           by What Works Clearinghouse conventions: this pilot cannot tell the \
                           two apart."
            .to_string(),
    };
    let size = match g.abs() {
        x if x < 0.05 => "small (under 0.05)",
        x if x < 0.20 => "medium (0.05 to 0.20), the most common size",
        _ => "large (0.20 or more), which few school trials reach",
    };
    format!(
        "{condition} vs {control}: g = {g:.2} (95% CI {low:.2} to {high:.2}){adjusted}. \
         {verdict} Improvement index {index:+.0}: the average student in {control} would \
         have ranked about {points:.0} percentile points {direction} with {condition}. \
         Among randomised trials in schools (Kraft 2020) an effect this size is {size}. \
         The data are consistent with a true effect anywhere from {low:.2} to {high:.2}.",
        low = effect.ci_low,
        high = effect.ci_high,
        index = improvement_index(g),
        points = improvement_index(g).abs(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(per_condition: usize, unit: Unit, effect: f64) -> PilotData {
        let students = (0..2 * per_condition)
            .map(|i| {
                let condition = i % 2;
                let pre = ((i * 7) % 11) as f64;
                let noise = ((i * 5) % 7) as f64 - 3.0;
                StudentResult {
                    condition,
                    // Four classes; whole classes per condition when classes were
                    // randomised, both conditions in every class otherwise.
                    class: match unit {
                        Unit::Class => (i / 2) % 4 * 2 + condition,
                        Unit::Student => (i / 2) % 4,
                    },
                    pre,
                    // The last student of each condition left.
                    post: (i + 2 < 2 * per_condition)
                        .then_some(pre + noise + effect * condition as f64),
                }
            })
            .collect();
        PilotData {
            conditions: vec!["control".into(), "spaced review".into()],
            control: 0,
            unit,
            students,
        }
    }

    #[test]
    fn a_tiny_pilot_says_it_is_too_small() {
        let PilotReport::TooFew { reasons, attrition } =
            report(&data(8, Unit::Student, 1.0)).unwrap()
        else {
            panic!("a pilot with 7 analysed students per condition must not report an effect");
        };
        assert_eq!(reasons.len(), 2);
        assert!(reasons[0].contains("7 analysed students"), "{reasons:?}");
        assert_eq!(attrition[1].assigned, 8);
        assert_eq!(attrition[1].analysed, 7);
    }

    #[test]
    fn a_class_pilot_needs_two_classes_per_condition() {
        let mut d = data(20, Unit::Class, 1.0);
        for s in &mut d.students {
            s.class = s.condition;
        }
        let PilotReport::TooFew { reasons, .. } = report(&d).unwrap() else {
            panic!("one class per condition must not report an effect");
        };
        assert!(
            reasons.iter().all(|r| r.contains("1 class ")),
            "{reasons:?}"
        );
    }

    #[test]
    fn a_report_has_attrition_effects_and_a_reading() {
        let PilotReport::Ready {
            attrition,
            overall_attrition,
            differential_attrition,
            comparisons,
        } = report(&data(30, Unit::Student, 3.0)).unwrap()
        else {
            panic!("30 per condition is enough");
        };
        assert_eq!(attrition[0].analysed, 29);
        assert!((overall_attrition - 2.0 / 60.0).abs() < 1e-12);
        assert!(differential_attrition.abs() < 1e-12);
        let c = &comparisons[0];
        assert_eq!(c.effect.method, Method::Ancova);
        assert!(c.significant && c.substantively_important);
        assert!(
            c.reading
                .contains("statistically significant and substantively important")
        );
        assert!(
            c.reading.contains("spaced review vs control"),
            "{}",
            c.reading
        );
        assert!((c.improvement_index - improvement_index(c.effect.g)).abs() < 1e-12);

        let PilotReport::Ready { comparisons, .. } = report(&data(30, Unit::Class, 0.0)).unwrap()
        else {
            panic!("4 classes per condition is enough");
        };
        assert_eq!(comparisons[0].effect.method, Method::ClusterLevel);
        assert_eq!(comparisons[0].effect.clusters_treatment, 4);
    }

    #[test]
    fn readings_follow_wwc_conventions() {
        let effect = |g: f64, low: f64, high: f64| EffectSize {
            method: Method::Ancova,
            d: g,
            correction: 1.0,
            g,
            variance: 0.01,
            se: 0.1,
            ci_low: low,
            ci_high: high,
            df: Some(100.0),
            p_value: 0.5,
            difference: g,
            pooled_sd: 1.0,
            n_treatment: 50,
            n_control: 50,
            clusters_treatment: 1,
            clusters_control: 1,
        };
        let read = |e: &EffectSize| reading("A", "B", e);
        assert!(read(&effect(0.30, -0.05, 0.65)).contains("substantively important (positive)"));
        assert!(read(&effect(0.10, 0.01, 0.19)).contains("below the 0.25"));
        assert!(read(&effect(0.02, -0.3, 0.34)).contains("cannot tell"));
        assert!(
            read(&effect(-0.4, -0.7, -0.1)).contains("ranked about 16 percentile points lower")
        );
    }

    #[test]
    fn without_pre_test_spread_the_report_falls_back_to_the_raw_comparison() {
        let mut d = data(20, Unit::Student, 2.0);
        for s in &mut d.students {
            s.pre = 0.0;
        }
        let PilotReport::Ready { comparisons, .. } = report(&d).unwrap() else {
            panic!("20 per condition is enough");
        };
        assert_eq!(comparisons[0].effect.method, Method::Unadjusted);
        assert!(comparisons[0].reading.contains("not adjusted"));
    }

    #[test]
    fn malformed_pilot_data_is_refused() {
        let mut d = data(12, Unit::Student, 0.0);
        d.students[0].condition = 5;
        assert!(matches!(report(&d), Err(PilotError::Invalid(_))));
        let mut d = data(12, Unit::Student, 0.0);
        d.control = 2;
        assert!(report(&d).is_err());
        let mut d = data(12, Unit::Student, 0.0);
        d.conditions[1] = "x".repeat(201);
        assert!(matches!(report(&d), Err(PilotError::Invalid(_))));
    }
}
