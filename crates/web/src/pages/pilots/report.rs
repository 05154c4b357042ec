//! A pilot's report page: effect sizes with their intervals, attrition, subgroups and the
//! SVG plots, read off `crate::pilots` and the core's report.

#[allow(clippy::wildcard_imports)]
use super::*;

/// One comparison on the report page.
pub(crate) struct ComparisonRow {
    pub label: String,
    pub means: String,
    pub control_means: String,
    pub pre: String,
    pub g: String,
    pub ci: String,
    pub p: String,
    pub method: String,
    pub index: String,
    pub reading: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "pilot_report.html")]
pub(super) struct ReportPage {
    layout: Layout,
    class_id: String,
    id: String,
    question: String,
    status: &'static str,
    finished: bool,
    outcome: &'static str,
    ready: bool,
    reasons: Vec<String>,
    /// (condition, assigned, analysed, rate)
    attrition: Vec<(String, usize, usize, String)>,
    overall: String,
    differential: String,
    comparisons: Vec<ComparisonRow>,
    forest_svg: String,
    distribution_svg: String,
    subgroups: Vec<SubgroupView>,
    opted_out: usize,
    /// For retention after 30 days before it can be computed: the day it will be ready.
    ready_on: String,
    /// For a post-test: how the scores were obtained (answers, paper tests).
    post_test_words: String,
}

pub async fn report(
    State(state): State<AppState>,
    StaffOfClass {
        teacher: current,
        class,
    }: StaffOfClass,
    Path((_, pilot_id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let pilot = pilot_of_class(&state, &class.id, &pilot_id).await?;
    let members = state.store.pilot_members(&pilot.id).await?;
    // Retention after 30 days: computed once 30 days have passed after the end.
    let retention_ready = crate::pilots::refresh_retention(&state, &pilot, &members).await?;
    let members = if retention_ready.is_none() && pilot.plan.outcome == Outcome::Retention30 {
        state.store.pilot_members(&pilot.id).await?
    } else {
        members
    };
    let members = crate::post_test::refresh(&state, &pilot, members).await?;
    let post_test_words = crate::post_test::report_words(&pilot, &members);
    let ReportView {
        report,
        forest_svg,
        distribution_svg,
        subgroups,
        opted_out,
    } = crate::pilots::report_view(&pilot, &members)?;
    let rows = |a: &[ownpace_core::pilot::report::AttritionRow]| {
        a.iter()
            .map(|r| {
                (
                    r.condition.clone(),
                    r.assigned,
                    r.analysed,
                    format!("{:.0}%", 100.0 * r.rate),
                )
            })
            .collect::<Vec<_>>()
    };
    let (ready, reasons, attrition, overall, differential, comparisons) = match &report {
        PilotReport::TooFew { attrition, reasons } => (
            false,
            reasons.clone(),
            rows(attrition),
            String::new(),
            String::new(),
            Vec::new(),
        ),
        PilotReport::Ready {
            attrition,
            overall_attrition,
            differential_attrition,
            comparisons,
        } => (
            true,
            Vec::new(),
            rows(attrition),
            format!("{:.0}%", 100.0 * overall_attrition),
            format!("{:.0} percentage points", 100.0 * differential_attrition),
            comparisons
                .iter()
                .map(|c| ComparisonRow {
                    label: format!("{} vs {}", c.condition, c.control),
                    means: format!(
                        "{:.2} (SD {:.2}, n {})",
                        c.outcome_mean, c.outcome_sd, c.effect.n_treatment
                    ),
                    control_means: format!(
                        "{:.2} (SD {:.2}, n {})",
                        c.control_outcome_mean, c.control_outcome_sd, c.effect.n_control
                    ),
                    pre: format!(
                        "{:.0}% vs {:.0}%",
                        100.0 * c.pre_test_mean,
                        100.0 * c.control_pre_test_mean
                    ),
                    g: format!("{:.2}", c.effect.g),
                    ci: format!("{:.2} to {:.2}", c.effect.ci_low, c.effect.ci_high),
                    p: format!("{:.3}", c.effect.p_value),
                    method: match c.effect.method {
                        ownpace_core::pilot::stats::Method::Ancova => "ANCOVA on the pre-test",
                        ownpace_core::pilot::stats::Method::ClusterLevel => {
                            "class-level, adjusted for the pre-test"
                        }
                        ownpace_core::pilot::stats::Method::Unadjusted => "unadjusted",
                    }
                    .to_string(),
                    index: format!("{:+.0}", c.improvement_index),
                    reading: c.reading.clone(),
                })
                .collect(),
        ),
    };
    let pilot_href = format!("/classes/{}/pilots/{}", class.id, pilot.id);
    let pilots_href = format!("/classes/{}/pilots", class.id);
    Ok(ReportPage {
        layout: Layout::new("Pilot report", Some(&current), home_crumb(&current).0).with_crumbs([
            home_crumb(&current),
            (pilots_href.as_str(), "Pilots"),
            (pilot_href.as_str(), "Pilot"),
        ]),
        class_id: class.id.to_string(),
        id: pilot.id.clone(),
        question: pilot.plan.question.clone(),
        status: status_words(&pilot),
        finished: pilot.status == PilotStatus::Finished,
        outcome: pilot.plan.outcome.words(),
        ready,
        reasons,
        attrition,
        overall,
        differential,
        comparisons,
        forest_svg,
        distribution_svg,
        subgroups,
        opted_out,
        post_test_words,
        ready_on: retention_ready.map_or_else(String::new, |at| {
            if at == i64::MAX {
                "30 days after the pilot ends (it has not started)".to_string()
            } else {
                crate::views::date(at, state.now())
            }
        }),
    }
    .into_response())
}
