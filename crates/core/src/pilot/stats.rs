//! Effect sizes with their uncertainty: Hedges' g from group summaries (the textbook
//! form), the pre-test-adjusted (ANCOVA) g for pilots that randomise students, and a
//! cluster-level analysis for pilots that randomise whole classes.
//!
//! Conventions follow the What Works Clearinghouse (WWC) Procedures Handbook: g is a mean
//! difference (adjusted for the pre-test where there is one) divided by the pooled
//! *unadjusted* within-condition standard deviation of the outcome, times the small-sample
//! correction ω = 1 − 3/(4N − 9) (Hedges' J with df = N − 2). Intervals are t-based on the
//! degrees of freedom of the analysis, because pilots are small.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};
use std::collections::BTreeMap;

use super::{PilotError, out_of_range};

/// The level of every interval here: two-sided 95%.
pub const CONFIDENCE: f64 = 0.95;

/// Mean, standard deviation (n − 1 denominator) and size of one group.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GroupSummary {
    pub mean: f64,
    pub sd: f64,
    pub n: usize,
}

/// How an [`EffectSize`] was estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Difference of raw means; normal-theory variance (Borenstein et al. 2009, ch. 4).
    Unadjusted,
    /// Outcome regressed on condition and pre-test (students randomised).
    Ancova,
    /// Pre-test-adjusted class means compared with a t-test on J − 2 degrees of freedom
    /// (classes randomised).
    ClusterLevel,
}

/// A standardised mean difference with its uncertainty.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EffectSize {
    pub method: Method,
    /// The mean difference (adjusted where the method adjusts) over the pooled SD.
    pub d: f64,
    /// Hedges' small-sample correction J (WWC's ω).
    pub correction: f64,
    /// Hedges' g = J·d.
    pub g: f64,
    /// Variance of g (the square of `se`).
    pub variance: f64,
    pub se: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// Degrees of freedom of the t distribution behind the interval; `None` for the
    /// normal-theory textbook interval.
    pub df: Option<f64>,
    /// Two-sided p-value for "no difference".
    pub p_value: f64,
    /// Mean difference in outcome units (treatment − control; adjusted where the method
    /// adjusts).
    pub difference: f64,
    /// Pooled unadjusted within-condition SD of the outcome (the denominator of d).
    pub pooled_sd: f64,
    pub n_treatment: usize,
    pub n_control: usize,
    /// Classes with at least one analysed student in each arm.
    pub clusters_treatment: usize,
    pub clusters_control: usize,
}

impl EffectSize {
    /// Whether the 95% interval excludes zero.
    pub fn significant(&self) -> bool {
        self.ci_low > 0.0 || self.ci_high < 0.0
    }
}

/// Which arm of a two-arm comparison an observation belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arm {
    Treatment,
    Control,
}

/// One analysed student: arm, class (any index; classes are compared by it), pre-test
/// and outcome.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observation {
    pub arm: Arm,
    pub cluster: usize,
    pub pre: f64,
    pub post: f64,
}

/// Hedges' small-sample correction J = 1 − 3/(4·df − 1) (Borenstein et al. 2009, eq. 4.22;
/// with df = N − 2 it is WWC's ω = 1 − 3/(4N − 9)).
pub fn small_sample_correction(df: f64) -> f64 {
    1.0 - 3.0 / (4.0 * df - 1.0)
}

/// The pooled within-group SD: √(((n₁−1)s₁² + (n₂−1)s₂²)/(n₁+n₂−2)).
pub fn pooled_sd(a: &GroupSummary, b: &GroupSummary) -> f64 {
    let df = (a.n + b.n) as f64 - 2.0;
    (((a.n as f64 - 1.0) * a.sd * a.sd + (b.n as f64 - 1.0) * b.sd * b.sd) / df).sqrt()
}

/// Hedges' g of `treatment` over `control` from group summaries, with the textbook
/// variance V_g = J²·((n₁+n₂)/(n₁n₂) + d²/(2(n₁+n₂))) and the normal interval g ± 1.96·SE
/// (Borenstein et al. 2009, ch. 4).
pub fn hedges_g(
    treatment: &GroupSummary,
    control: &GroupSummary,
) -> Result<EffectSize, PilotError> {
    for group in [treatment, control] {
        if group.n < 2 {
            return Err(PilotError::TooFew(format!(
                "each group needs at least 2 students, one has {}",
                group.n
            )));
        }
        if !group.mean.is_finite() || !group.sd.is_finite() || group.sd < 0.0 {
            return Err(out_of_range(
                "a group's mean or SD",
                format!("{} / {}", group.mean, group.sd),
                "finite, with SD ≥ 0",
            ));
        }
    }
    let sd = pooled_sd(treatment, control);
    if sd <= 0.0 {
        return Err(PilotError::Degenerate(
            "every outcome is the same, so there is no spread to scale by".into(),
        ));
    }
    let (n1, n2) = (treatment.n as f64, control.n as f64);
    let difference = treatment.mean - control.mean;
    let d = difference / sd;
    let variance_d = (n1 + n2) / (n1 * n2) + d * d / (2.0 * (n1 + n2));
    let j = small_sample_correction(n1 + n2 - 2.0);
    let g = j * d;
    let variance = j * j * variance_d;
    let se = variance.sqrt();
    let z = normal_quantile(0.5 + CONFIDENCE / 2.0);
    let p_value = 2.0 * (1.0 - standard_normal().cdf((g / se).abs()));
    Ok(EffectSize {
        method: Method::Unadjusted,
        d,
        correction: j,
        g,
        variance,
        se,
        ci_low: g - z * se,
        ci_high: g + z * se,
        df: None,
        p_value,
        difference,
        pooled_sd: sd,
        n_treatment: treatment.n,
        n_control: control.n,
        clusters_treatment: 0,
        clusters_control: 0,
    })
}

/// The pre-test-adjusted effect for a pilot that randomised students.
///
/// The outcome is regressed on condition and pre-test by ordinary least squares, with a
/// fixed effect per class when there is more than one (classes are randomisation strata:
/// analyse as randomised); the condition coefficient is the adjusted mean difference.
/// g = ω·(adjusted difference) / (pooled unadjusted SD), as WWC computes it. The interval
/// is the regression's t interval for the coefficient (N − K − 2 degrees of freedom for K
/// classes) on the same scale, so interval and p-value agree; it treats the SD as known
/// (its sampling error adds g²/(2N) to the variance, under 2% of it for |g| ≤ 0.5 and
/// N ≥ 40).
pub fn ancova_effect(data: &[Observation]) -> Result<EffectSize, PilotError> {
    check_finite(data)?;
    let (treated, control) = split(data);
    if treated.len() < 2 || control.len() < 2 {
        return Err(PilotError::TooFew(format!(
            "an adjusted comparison needs at least 2 students in each condition (has {} and {})",
            treated.len(),
            control.len()
        )));
    }
    let n = data.len() as f64;
    let indicator = |o: &Observation| f64::from(u8::from(o.arm == Arm::Treatment));
    // Centring within classes is the same fit as one intercept per class.
    let mut means: BTreeMap<usize, (f64, f64, f64, f64)> = BTreeMap::new();
    for o in data {
        let m = means.entry(o.cluster).or_insert((0.0, 0.0, 0.0, 0.0));
        *m = (m.0 + indicator(o), m.1 + o.pre, m.2 + o.post, m.3 + 1.0);
    }
    let classes = means.len() as f64;
    let (mut stt, mut stx, mut sxx, mut sty, mut sxy, mut syy) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for o in data {
        let (t_sum, x_sum, y_sum, count) = means[&o.cluster];
        let (t, x, y) = (
            indicator(o) - t_sum / count,
            o.pre - x_sum / count,
            o.post - y_sum / count,
        );
        stt += t * t;
        stx += t * x;
        sxx += x * x;
        sty += t * y;
        sxy += x * y;
        syy += y * y;
    }
    if stt <= 0.0 {
        return Err(PilotError::Invalid(
            "no class has students in both conditions; for whole classes randomised use the \
             cluster-level analysis"
                .into(),
        ));
    }
    let det = stt * sxx - stx * stx;
    if det <= 1e-12 * stt * sxx || sxx <= 0.0 {
        return Err(PilotError::Degenerate(
            "the pre-test does not vary apart from the condition, so it cannot adjust anything; \
             report the unadjusted effect instead"
                .into(),
        ));
    }
    let beta_t = (sxx * sty - stx * sxy) / det;
    let beta_x = (stt * sxy - stx * sty) / det;
    let df = n - classes - 2.0;
    if df < 1.0 {
        return Err(PilotError::TooFew(format!(
            "{n} students in {classes} classes leave no degrees of freedom for the error"
        )));
    }
    let residual = (syy - beta_t * sty - beta_x * sxy).max(0.0) / df;
    let se_beta = (residual * sxx / det).sqrt();
    let sd = pooled_sd(&summary(&treated), &summary(&control));
    if sd <= 0.0 || se_beta <= 0.0 {
        return Err(PilotError::Degenerate(
            "the outcomes have no spread left to estimate an uncertainty from".into(),
        ));
    }
    let j = small_sample_correction(n - 2.0);
    scaled(
        Method::Ancova,
        beta_t,
        se_beta,
        df,
        sd,
        j,
        (treated.len(), control.len()),
        cluster_counts(data),
    )
}

/// The pre-test-adjusted effect for a pilot that randomised whole classes, by a
/// cluster-level analysis (Murray 1998; Donner & Klar 2000):
///
/// 1. the pre-test slope b is estimated *within* classes (pooled over classes), which
///    the class-level assignment cannot bias;
/// 2. each class gets one adjusted mean, ȳ_c − b·x̄_c;
/// 3. the arms' adjusted class means are compared with a two-sample t-test on J − 2
///    degrees of freedom (J classes), so the interval is honest with few classes.
///
/// g = ω·(difference)/(pooled unadjusted student-level SD), ω from the student count, as
/// in the student design. Every class must lie wholly in one arm.
pub fn cluster_effect(data: &[Observation]) -> Result<EffectSize, PilotError> {
    check_finite(data)?;
    let mut classes: BTreeMap<usize, (Arm, Vec<(f64, f64)>)> = BTreeMap::new();
    for o in data {
        let entry = classes.entry(o.cluster).or_insert((o.arm, Vec::new()));
        if entry.0 != o.arm {
            return Err(PilotError::Invalid(format!(
                "class {} has students in both conditions; a class-randomised pilot needs \
                 each class wholly in one condition (or analyse it as student-randomised)",
                o.cluster
            )));
        }
        entry.1.push((o.pre, o.post));
    }
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (_, members) in classes.values() {
        let m = members.len() as f64;
        let (mx, my) = (
            members.iter().map(|p| p.0).sum::<f64>() / m,
            members.iter().map(|p| p.1).sum::<f64>() / m,
        );
        for (x, y) in members {
            sxy += (x - mx) * (y - my);
            sxx += (x - mx) * (x - mx);
        }
    }
    // No within-class spread in the pre-test: nothing to adjust by.
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    let (mut adjusted_t, mut adjusted_c) = (Vec::new(), Vec::new());
    for (arm, members) in classes.values() {
        let m = members.len() as f64;
        let mx = members.iter().map(|p| p.0).sum::<f64>() / m;
        let my = members.iter().map(|p| p.1).sum::<f64>() / m;
        match arm {
            Arm::Treatment => adjusted_t.push(my - slope * mx),
            Arm::Control => adjusted_c.push(my - slope * mx),
        }
    }
    if adjusted_t.len() < 2 || adjusted_c.len() < 2 {
        return Err(PilotError::TooFew(format!(
            "a class-randomised comparison needs at least 2 classes in each condition (has {} and {})",
            adjusted_t.len(),
            adjusted_c.len()
        )));
    }
    let (a, b) = (mean_sd(&adjusted_t), mean_sd(&adjusted_c));
    let classes_total = (adjusted_t.len() + adjusted_c.len()) as f64;
    let df = classes_total - 2.0;
    let spread = (((adjusted_t.len() as f64 - 1.0) * a.1 * a.1
        + (adjusted_c.len() as f64 - 1.0) * b.1 * b.1)
        / df)
        .sqrt();
    let se = spread * (1.0 / adjusted_t.len() as f64 + 1.0 / adjusted_c.len() as f64).sqrt();
    let (treated, control) = split(data);
    let sd = pooled_sd(&summary(&treated), &summary(&control));
    if sd <= 0.0 || se <= 0.0 {
        return Err(PilotError::Degenerate(
            "the class means have no spread to estimate an uncertainty from".into(),
        ));
    }
    let j = small_sample_correction(data.len() as f64 - 2.0);
    scaled(
        Method::ClusterLevel,
        a.0 - b.0,
        se,
        df,
        sd,
        j,
        (treated.len(), control.len()),
        (adjusted_t.len(), adjusted_c.len()),
    )
}

/// The What Works Clearinghouse improvement index: the expected change in percentile
/// rank of an average control student had they received the treatment, 100·(Φ(g) − ½).
pub fn improvement_index(g: f64) -> f64 {
    100.0 * (standard_normal().cdf(g) - 0.5)
}

/// Mean, SD and n of the outcomes.
pub fn summary(values: &[f64]) -> GroupSummary {
    let (mean, sd) = mean_sd(values);
    GroupSummary {
        mean,
        sd,
        n: values.len(),
    }
}

/// The two-sided t quantile: the t for which P(|T_df| ≤ t) = `level`.
pub fn t_critical(level: f64, df: f64) -> Result<f64, PilotError> {
    t_quantile(0.5 + level / 2.0, df)
}

pub(crate) fn t_quantile(p: f64, df: f64) -> Result<f64, PilotError> {
    if !(p > 0.0 && p < 1.0) {
        return Err(out_of_range("a probability", p, "strictly between 0 and 1"));
    }
    let t = StudentsT::new(0.0, 1.0, df)
        .map_err(|_| out_of_range("degrees of freedom", df, "positive"))?;
    Ok(t.inverse_cdf(p))
}

pub(crate) fn t_cdf(x: f64, df: f64) -> Result<f64, PilotError> {
    let t = StudentsT::new(0.0, 1.0, df)
        .map_err(|_| out_of_range("degrees of freedom", df, "positive"))?;
    Ok(t.cdf(x))
}

pub(crate) fn standard_normal() -> Normal {
    Normal::standard()
}

fn normal_quantile(p: f64) -> f64 {
    standard_normal().inverse_cdf(p)
}

/// Puts a difference and its SE (outcome units, t on `df`) on the g scale.
#[allow(clippy::too_many_arguments)]
fn scaled(
    method: Method,
    difference: f64,
    se_difference: f64,
    df: f64,
    sd: f64,
    j: f64,
    students: (usize, usize),
    clusters: (usize, usize),
) -> Result<EffectSize, PilotError> {
    let t = t_critical(CONFIDENCE, df)?;
    let d = difference / sd;
    let g = j * d;
    let se = j * se_difference / sd;
    let p_value = 2.0 * (1.0 - t_cdf((difference / se_difference).abs(), df)?);
    Ok(EffectSize {
        method,
        d,
        correction: j,
        g,
        variance: se * se,
        se,
        ci_low: g - t * se,
        ci_high: g + t * se,
        df: Some(df),
        p_value,
        difference,
        pooled_sd: sd,
        n_treatment: students.0,
        n_control: students.1,
        clusters_treatment: clusters.0,
        clusters_control: clusters.1,
    })
}

fn check_finite(data: &[Observation]) -> Result<(), PilotError> {
    match data
        .iter()
        .position(|o| !o.pre.is_finite() || !o.post.is_finite())
    {
        Some(i) => Err(out_of_range(
            "a pre-test or outcome score",
            format!("not a finite number (observation {})", i + 1),
            "a finite number",
        )),
        None => Ok(()),
    }
}

fn split(data: &[Observation]) -> (Vec<f64>, Vec<f64>) {
    let pick = |arm| {
        data.iter()
            .filter(|o| o.arm == arm)
            .map(|o| o.post)
            .collect::<Vec<_>>()
    };
    (pick(Arm::Treatment), pick(Arm::Control))
}

fn cluster_counts(data: &[Observation]) -> (usize, usize) {
    let count = |arm| {
        data.iter()
            .filter(|o| o.arm == arm)
            .map(|o| o.cluster)
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    };
    (count(Arm::Treatment), count(Arm::Control))
}

/// Mean and SD (n − 1 denominator; 0 for fewer than two values).
fn mean_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    if values.is_empty() {
        return (f64::NAN, 0.0);
    }
    let mean = values.iter().sum::<f64>() / n;
    if values.len() < 2 {
        return (mean, 0.0);
    }
    let ss = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>();
    (mean, (ss / (n - 1.0)).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64, tolerance: f64) {
        assert!(
            (actual - expected).abs() <= tolerance,
            "{actual} is not within {tolerance} of {expected}"
        );
    }

    /// Borenstein, Hedges, Higgins & Rothstein (2009), Introduction to Meta-Analysis,
    /// ch. 4, worked example: means 103 and 100, SDs 5.5 and 4.5, 50 per group.
    #[test]
    fn hedges_g_matches_the_borenstein_worked_example() {
        let t = GroupSummary {
            mean: 103.0,
            sd: 5.5,
            n: 50,
        };
        let c = GroupSummary {
            mean: 100.0,
            sd: 4.5,
            n: 50,
        };
        let e = hedges_g(&t, &c).unwrap();
        close(e.pooled_sd, 5.0249, 0.0001);
        close(e.d, 0.5970, 0.00005);
        close(e.variance / (e.correction * e.correction), 0.0418, 0.00005);
        close(e.correction, 0.9923, 0.00005);
        close(e.g, 0.5924, 0.00005);
        close(e.variance, 0.0411, 0.00005);
        close(e.se, 0.2028, 0.0001);
        close(e.ci_low, 0.5924 - 1.959964 * 0.202837, 0.0002);
        assert!(e.significant());
    }

    /// The WWC ω with N = 6 is 1 − 3/15 = 0.8: outcomes 5, 6, 7 against 4, 5, 6 differ by
    /// one pooled SD, so g = 0.8 (the example of the `baselinr` WWC tools).
    #[test]
    fn wwc_small_sample_correction_on_a_tiny_example() {
        let e = hedges_g(&summary(&[5.0, 6.0, 7.0]), &summary(&[4.0, 5.0, 6.0])).unwrap();
        close(e.correction, 0.8, 1e-12);
        close(e.g, 0.8, 1e-12);
        close(
            small_sample_correction(98.0),
            1.0 - 3.0 / (4.0 * 100.0 - 9.0),
            1e-15,
        );
    }

    #[test]
    fn improvement_index_is_the_percentile_gain() {
        close(improvement_index(0.0), 0.0, 1e-12);
        // Φ(0.25) = 0.5987: about 10 percentile points, WWC's "substantively important" line.
        close(improvement_index(0.25), 9.87, 0.01);
        close(improvement_index(-0.5), -19.15, 0.01);
    }

    fn observation(arm: Arm, cluster: usize, pre: f64, post: f64) -> Observation {
        Observation {
            arm,
            cluster,
            pre,
            post,
        }
    }

    /// A fixed data set whose OLS fit was checked by hand: post = 1 + 2·T + 0.5·pre +
    /// residuals that sum to zero within each arm and are orthogonal to the pre-test.
    #[test]
    fn ancova_recovers_the_adjusted_difference_and_its_standard_error() {
        let pre = [0.0, 1.0, 2.0, 3.0, 4.0, 0.5, 1.5, 2.5, 3.5, 4.5];
        let noise = [0.3, -0.6, 0.0, 0.6, -0.3, -0.3, 0.6, 0.0, -0.6, 0.3];
        let data: Vec<_> = (0..10)
            .map(|i| {
                let treated = i < 5;
                let arm = if treated {
                    Arm::Treatment
                } else {
                    Arm::Control
                };
                let post = 1.0 + 2.0 * f64::from(u8::from(treated)) + 0.5 * pre[i] + noise[i];
                observation(arm, 0, pre[i], post)
            })
            .collect();
        let e = ancova_effect(&data).unwrap();
        // The residuals are orthogonal to the design, so the fit is exact in β.
        close(e.difference, 2.0, 1e-12);
        // σ² = Σ residual² / (n − 3) = 1.8/7; Var(β_T) = σ²·Sxx/det.
        let sxx: f64 = pre.iter().map(|x| (x - 2.25) * (x - 2.25)).sum();
        let stx = 5.0 * (2.0 - 2.25) * 0.5 + 5.0 * (2.5 - 2.25) * (-0.5);
        let det = 2.5 * sxx - stx * stx;
        let se_beta = (1.8 / 7.0 * sxx / det).sqrt();
        let sd = pooled_sd(
            &summary(&data[..5].iter().map(|o| o.post).collect::<Vec<_>>()),
            &summary(&data[5..].iter().map(|o| o.post).collect::<Vec<_>>()),
        );
        let j = 1.0 - 3.0 / (4.0 * 10.0 - 9.0);
        close(e.pooled_sd, sd, 1e-12);
        close(e.g, j * 2.0 / sd, 1e-12);
        close(e.se, j * se_beta / sd, 1e-12);
        assert_eq!(e.df, Some(7.0));
        // t(0.975, 7) = 2.364624.
        close(e.ci_high - e.g, 2.364624 * e.se, 1e-5);
        assert_eq!(e.method, Method::Ancova);
    }

    /// Classes are strata: a class that is better on the whole and got more of the
    /// treatment does not inflate the effect.
    #[test]
    fn ancova_absorbs_class_differences() {
        let rows = [
            (Arm::Treatment, 0, 0.0, 0.01),
            (Arm::Treatment, 0, 1.0, -0.01),
            (Arm::Treatment, 0, 2.0, 0.02),
            (Arm::Control, 0, 1.0, -0.02),
            (Arm::Treatment, 1, 1.0, 0.01),
            (Arm::Control, 1, 0.0, 0.0),
            (Arm::Control, 1, 1.0, -0.01),
            (Arm::Control, 1, 2.0, 0.01),
        ];
        let data: Vec<_> = rows
            .iter()
            .map(|&(arm, class, pre, noise)| {
                let offset = if class == 0 { 10.0 } else { 0.0 };
                let effect = if arm == Arm::Treatment { 2.0 } else { 0.0 };
                observation(arm, class, pre, offset + effect + 0.5 * pre + noise)
            })
            .collect();
        let e = ancova_effect(&data).unwrap();
        close(e.difference, 2.0, 0.05);
        assert_eq!(e.df, Some(4.0));
        assert!(e.significant());
    }

    #[test]
    fn ancova_without_a_varying_pre_test_says_so() {
        let data: Vec<_> = (0..8)
            .map(|i| {
                let arm = if i % 2 == 0 {
                    Arm::Treatment
                } else {
                    Arm::Control
                };
                observation(arm, 0, 1.0, f64::from(i))
            })
            .collect();
        assert!(matches!(
            ancova_effect(&data),
            Err(PilotError::Degenerate(_))
        ));
        let one_treated = [
            observation(Arm::Treatment, 0, 1.0, 1.0),
            observation(Arm::Control, 0, 2.0, 1.0),
            observation(Arm::Control, 0, 3.0, 2.0),
        ];
        assert!(matches!(
            ancova_effect(&one_treated),
            Err(PilotError::TooFew(_))
        ));
        let infinite = [observation(Arm::Treatment, 0, f64::NAN, 1.0)];
        assert!(matches!(
            ancova_effect(&infinite),
            Err(PilotError::OutOfRange { .. })
        ));
    }

    /// Two classes per arm, two students each, no within-class pre-test spread: the
    /// analysis is the plain t-test on the four class means (df 2).
    #[test]
    fn cluster_analysis_is_a_t_test_on_class_means() {
        let data = [
            observation(Arm::Treatment, 1, 0.0, 3.0),
            observation(Arm::Treatment, 1, 0.0, 5.0),
            observation(Arm::Treatment, 2, 0.0, 5.0),
            observation(Arm::Treatment, 2, 0.0, 7.0),
            observation(Arm::Control, 3, 0.0, 2.0),
            observation(Arm::Control, 3, 0.0, 2.0),
            observation(Arm::Control, 4, 0.0, 4.0),
            observation(Arm::Control, 4, 0.0, 4.0),
        ];
        let e = cluster_effect(&data).unwrap();
        // Class means 4, 6 vs 2, 4: difference 2, pooled SD of class means √2,
        // SE √2·√(1/2 + 1/2) = √2, t = √2 on 2 df.
        close(e.difference, 2.0, 1e-12);
        assert_eq!(e.df, Some(2.0));
        assert_eq!((e.clusters_treatment, e.clusters_control), (2, 2));
        let sd = pooled_sd(
            &summary(&[3.0, 5.0, 5.0, 7.0]),
            &summary(&[2.0, 2.0, 4.0, 4.0]),
        );
        let j = 1.0 - 3.0 / (4.0 * 8.0 - 9.0);
        close(e.g, j * 2.0 / sd, 1e-12);
        close(e.se, j * 2f64.sqrt() / sd, 1e-12);
        // With 2 df, P(|T| > t) = 1 − t/√(t² + 2): for t = √2 that is 1 − √(1/2) = 0.2929.
        close(e.p_value, 1.0 - (2.0f64 / 4.0).sqrt(), 1e-9);
        assert!(!e.significant());
    }

    #[test]
    fn cluster_analysis_refuses_split_classes_and_single_classes() {
        let split_class = [
            observation(Arm::Treatment, 1, 0.0, 1.0),
            observation(Arm::Control, 1, 0.0, 2.0),
        ];
        assert!(matches!(
            cluster_effect(&split_class),
            Err(PilotError::Invalid(_))
        ));
        let one_each = [
            observation(Arm::Treatment, 1, 0.0, 1.0),
            observation(Arm::Treatment, 1, 1.0, 2.0),
            observation(Arm::Control, 2, 0.0, 2.0),
            observation(Arm::Control, 2, 1.0, 2.5),
        ];
        assert!(matches!(
            cluster_effect(&one_each),
            Err(PilotError::TooFew(_))
        ));
    }

    /// The within-class slope removes the pre-test even when classes differ on it.
    #[test]
    fn cluster_analysis_adjusts_for_the_pre_test_within_classes() {
        let mut data = Vec::new();
        for (cluster, arm, offset, shift) in [
            (1, Arm::Treatment, 0.0, 0.1),
            (2, Arm::Treatment, 2.0, -0.1),
            (3, Arm::Control, 1.0, 0.2),
            (4, Arm::Control, 3.0, -0.2),
        ] {
            for (k, wobble) in [(0.0, 0.1), (1.0, -0.2), (2.0, 0.1)] {
                let pre = offset + k;
                let effect = if arm == Arm::Treatment { 1.0 } else { 0.0 };
                data.push(observation(
                    arm,
                    cluster,
                    pre,
                    2.0 * pre + effect + shift + wobble,
                ));
            }
        }
        let e = cluster_effect(&data).unwrap();
        // The wobbles sum to zero and are orthogonal to the within-class pre-test
        // deviations, so the slope is 2 exactly; the class shifts cancel within each arm,
        // so the adjusted difference is 1 although the arms differ on the pre-test.
        close(e.difference, 1.0, 1e-9);
    }
}
