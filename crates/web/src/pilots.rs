//! Pilot studies in the web (issue 12, points 5-7): gathers a stored pilot and its
//! students into the inputs of `ownpace_core::pilot` (power, randomisation, report), works
//! out outcomes from the events when a pilot finishes, and applies a running pilot's
//! condition to its students (spaced review off, a screen-time budget). The pages are in
//! `pages::pilots`, the JSON report in `pilots_api`.

use crate::{AppState, WebError};
use ownpace_core::events::EventKind;
use ownpace_core::ids::{ClassId, CourseId, UserId};
use ownpace_core::pilot::design::{
    self, Participant, PilotSize, PowerAssumptions, Randomisation, RandomisationPlan, Unit,
};
use ownpace_core::pilot::plots::{self, ForestRow};
use ownpace_core::pilot::report::{self, PilotData, PilotReport, StudentResult};
use ownpace_core::pilot::retention::{self, GradedAnswer};
use ownpace_core::recommend::Policy;
use ownpace_core::screen_time::{self, Budget};
use ownpace_storage::pilots::{NewMember, Outcome, Pilot, PilotMember, PilotStatus};

/// Significance level and wanted power the plan's calculation uses.
pub const ALPHA: f64 = 0.05;
pub const POWER: f64 = 0.80;
/// The intra-class correlation assumed when whole classes are randomised.
pub const ASSUMED_ICC: f64 = 0.10;

/// The power calculation shown with a plan, with its assumptions in words.
pub struct PowerView {
    /// PowerUp!'s sentence with every assumption, or why it cannot be computed.
    pub statement: String,
    /// "At the minimum effect of interest (g = 0.30) the power is 41%."
    pub at_min_effect: String,
    pub assumptions: Vec<String>,
}

/// The students a pilot would take now (draft) or took (started): (participant, may use
/// Ownpace by the consent rules).
pub async fn candidates(
    state: &AppState,
    pilot: &Pilot,
) -> Result<Vec<(Participant, bool)>, WebError> {
    let course = state
        .course(&pilot.course_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let skills = course.course.skills.len().max(1) as f64;
    let mut out: Vec<(Participant, bool)> = Vec::new();
    for class in &pilot.plan.classes {
        for student in state.store.class_students(class).await? {
            if out.iter().any(|(p, _)| p.id == student.id.as_str()) {
                continue;
            }
            let mastered = state
                .store
                .student_mastery(&student.id, &pilot.course_id)
                .await?
                .iter()
                .filter(|m| m.progress.is_mastered())
                .count() as f64;
            let allowed = crate::consent::may_use(state, &student.id).await?;
            out.push((
                Participant {
                    id: student.id.to_string(),
                    class: class.to_string(),
                    prior_mastery: (mastered / skills).clamp(0.0, 1.0),
                },
                allowed,
            ));
        }
    }
    Ok(out)
}

/// The plan's power calculation for `students` students in `classes` classes.
pub fn power(pilot: &Pilot, students: usize, classes: usize) -> PowerView {
    let m = pilot.plan.conditions.len().max(2);
    // Each comparison is one condition against the control: two of the m arms.
    let compared = students * 2 / m;
    let r2 = pilot.plan.pre_test_r2;
    let size = if pilot.plan.unit_class {
        let compared_classes = classes * 2 / m;
        PilotSize::Classes {
            classes: compared_classes,
            class_size: if classes == 0 {
                0.0
            } else {
                students as f64 / classes as f64
            },
            icc: ASSUMED_ICC,
            class_r2: r2,
        }
    } else {
        PilotSize::Students { students: compared }
    };
    let a = PowerAssumptions {
        alpha: ALPHA,
        power: POWER,
        treated_share: 0.5,
        pre_test_r2: r2,
        size,
    };
    let mut assumptions = vec![
        format!(
            "Each condition is compared with the first ({}), so each comparison has about {compared} students{}.",
            pilot
                .plan
                .conditions
                .first()
                .map_or("", |c| c.name.as_str()),
            if m > 2 {
                format!(" of the {students}")
            } else {
                String::new()
            }
        ),
        format!(
            "The pre-test (the share of the course mastered at the start) explains {:.0}% of the outcome's variance; this is an assumption, change it if earlier pilots say otherwise.",
            100.0 * r2
        ),
        format!(
            "A two-sided test at α = {ALPHA}, {:.0}% power.",
            100.0 * POWER
        ),
    ];
    if pilot.plan.unit_class {
        assumptions.push(format!(
            "Whole classes are randomised ({classes} classes); the intra-class correlation is assumed to be {ASSUMED_ICC}."
        ));
    }
    let (statement, at_min_effect) = match (
        design::mdes(&a),
        design::power_at(pilot.plan.min_effect, &a),
    ) {
        (Ok(mdes), Ok(p)) => (
            mdes.statement,
            format!(
                "At the minimum effect of interest (g = {:.2}) the chance of finding it is {:.0}%.",
                pilot.plan.min_effect,
                100.0 * p
            ),
        ),
        (Err(e), _) | (_, Err(e)) => (
            format!("No power calculation yet: {e}."),
            format!(
                "With {students} students in {classes} classes there are too few to plan on; add classes or students."
            ),
        ),
    };
    PowerView {
        statement,
        at_min_effect,
        assumptions,
    }
}

/// A fresh seed for a randomisation: 48 random bits of a new UUIDv7 (its random part).
pub fn fresh_seed() -> u64 {
    let id = uuid::Uuid::now_v7();
    let bytes = id.as_bytes();
    bytes[10..16]
        .iter()
        .fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
}

/// The randomisation plan of a pilot with `seed`.
pub fn plan_of(pilot: &Pilot, seed: u64) -> RandomisationPlan {
    RandomisationPlan {
        conditions: pilot
            .plan
            .conditions
            .iter()
            .map(|c| c.name.clone())
            .collect(),
        unit: if pilot.plan.unit_class {
            Unit::Class
        } else {
            Unit::Student
        },
        mastery_bands: usize::try_from(pilot.plan.mastery_bands).unwrap_or(3),
        seed,
    }
}

/// Draws the assignment for `participants` and turns it into members to store.
pub fn draw(
    pilot: &Pilot,
    participants: &[Participant],
    seed: u64,
) -> Result<(Randomisation, Vec<NewMember>), WebError> {
    let plan = plan_of(pilot, seed);
    let drawn = design::randomise(participants, &plan)
        .map_err(|e| WebError::BadRequest(format!("start: {e}")))?;
    let members = drawn
        .assignments
        .iter()
        .filter_map(|a| {
            let condition = plan.conditions.iter().position(|c| *c == a.condition)?;
            let pre = participants
                .iter()
                .find(|p| p.id == a.student)
                .map(|p| p.prior_mastery)?;
            Some(NewMember {
                student_id: UserId::new(a.student.as_str()),
                class_id: ClassId::new(a.class.as_str()),
                condition,
                stratum: a.stratum.clone(),
                pre_test: pre,
            })
        })
        .collect();
    Ok((drawn, members))
}

/// The stored randomisation rebuilt from the members and the plan: what `design::replays`
/// checks against a fresh draw.
pub fn recorded(
    pilot: &Pilot,
    members: &[PilotMember],
) -> Option<(Vec<Participant>, Randomisation)> {
    let seed = pilot.seed?;
    let plan = plan_of(pilot, seed);
    let participants = members
        .iter()
        .map(|m| Participant {
            id: m.student_id.to_string(),
            class: m.class_id.to_string(),
            prior_mastery: m.pre_test,
        })
        .collect();
    let assignments = members
        .iter()
        .map(|m| design::Assignment {
            student: m.student_id.to_string(),
            class: m.class_id.to_string(),
            condition: plan
                .conditions
                .get(m.condition)
                .cloned()
                .unwrap_or_default(),
            stratum: m.stratum.clone(),
        })
        .collect();
    Some((
        participants,
        Randomisation {
            algorithm: pilot.algorithm.clone().unwrap_or_default(),
            plan,
            assignments,
        },
    ))
}

/// The outcomes of a pilot that finishes now, per member (opted-out members have none).
pub async fn outcomes(
    state: &AppState,
    pilot: &Pilot,
    members: &[PilotMember],
) -> Result<Vec<(UserId, Option<f64>)>, WebError> {
    let now = state.now();
    let start = pilot.started_at.unwrap_or(now);
    let end = pilot.ends_at().unwrap_or(now).min(now).max(start);
    let skills = match state.course(&pilot.course_id).await? {
        Some(c) => c.course.skills.len().max(1) as f64,
        None => 1.0,
    };
    let mut out = Vec::new();
    for m in members {
        if m.opted_out_at.is_some() {
            out.push((m.student_id.clone(), None));
            continue;
        }
        let value = match pilot.plan.outcome {
            // From the post-test answers; a paper test's score overrides them.
            Outcome::PostTest => crate::post_test::member_score(state, pilot, m).await?,
            // Not known at the finish: computed once 30 days have passed after the end
            // (`refresh_retention`).
            Outcome::Retention30 => None,
            Outcome::MasteryPerHour | Outcome::ScreenTime => {
                let stamps = state
                    .store
                    .screen_stamps(&m.student_id, start - screen_time::RETURN_CAP_MS)
                    .await?;
                let active_ms: i64 = screen_time::intervals(&stamps)
                    .into_iter()
                    .map(|(a, b)| (b.min(end) - a.max(start)).max(0))
                    .sum();
                if pilot.plan.outcome == Outcome::ScreenTime {
                    let weeks = ((end - start) as f64 / (7.0 * 86_400_000.0)).max(1.0 / 7.0);
                    Some(active_ms as f64 / 60_000.0 / weeks)
                } else {
                    let mastered = state
                        .store
                        .student_mastery(&m.student_id, &pilot.course_id)
                        .await?
                        .iter()
                        .filter(|r| r.progress.is_mastered())
                        .count() as f64;
                    let gained = (mastered / skills - m.pre_test) * skills;
                    let hours = active_ms as f64 / 3_600_000.0;
                    // Under three minutes on screen there is no rate to speak of.
                    (hours >= 0.05).then(|| gained / hours)
                }
            }
        };
        out.push((m.student_id.clone(), value));
    }
    Ok(out)
}

/// A pilot's data in the report's shape: every member, with no outcome for the opted-out.
pub fn data(pilot: &Pilot, members: &[PilotMember]) -> PilotData {
    let mut classes: Vec<&ClassId> = Vec::new();
    let students = members
        .iter()
        .map(|m| {
            let class = match classes.iter().position(|c| **c == m.class_id) {
                Some(i) => i,
                None => {
                    classes.push(&m.class_id);
                    classes.len() - 1
                }
            };
            StudentResult {
                condition: m.condition,
                class,
                pre: m.pre_test,
                post: if m.opted_out_at.is_some() {
                    None
                } else {
                    m.outcome
                },
            }
        })
        .collect();
    PilotData {
        conditions: pilot
            .plan
            .conditions
            .iter()
            .map(|c| c.name.clone())
            .collect(),
        control: 0,
        unit: if pilot.plan.unit_class {
            Unit::Class
        } else {
            Unit::Student
        },
        students,
    }
}

/// One subgroup's line: raw means per condition and, when it is large enough, g.
pub struct SubgroupView {
    pub name: String,
    /// (condition, analysed students, mean outcome in words)
    pub means: Vec<(String, usize, String)>,
    pub effect: String,
}

/// Everything the report page and the API show.
pub struct ReportView {
    pub report: PilotReport,
    pub forest_svg: String,
    pub distribution_svg: String,
    pub subgroups: Vec<SubgroupView>,
    pub opted_out: usize,
}

pub fn report_view(pilot: &Pilot, members: &[PilotMember]) -> Result<ReportView, WebError> {
    let data = data(pilot, members);
    let report = report::report(&data).map_err(|e| WebError::BadRequest(e.to_string()))?;
    let rows: Vec<ForestRow> = match &report {
        PilotReport::Ready { comparisons, .. } => comparisons
            .iter()
            .map(|c| ForestRow {
                label: format!("{} vs {}", c.condition, c.control),
                g: c.effect.g,
                low: c.effect.ci_low,
                high: c.effect.ci_high,
            })
            .collect(),
        PilotReport::TooFew { .. } => Vec::new(),
    };
    let forest_svg = plots::forest_svg(
        &rows,
        "Effect of each condition against the first, with 95% intervals",
    );
    let groups: Vec<(String, Vec<f64>)> = data
        .conditions
        .iter()
        .enumerate()
        .map(|(i, name)| {
            (
                name.clone(),
                data.students
                    .iter()
                    .filter(|s| s.condition == i)
                    .filter_map(|s| s.post)
                    .collect(),
            )
        })
        .collect();
    let distribution_svg = plots::distribution_svg(
        &groups,
        pilot.plan.outcome.words(),
        "The outcome of every analysed student, by condition (the bar is the mean)",
    );
    Ok(ReportView {
        subgroups: subgroups(pilot, &data),
        opted_out: members.iter().filter(|m| m.opted_out_at.is_some()).count(),
        report,
        forest_svg,
        distribution_svg,
    })
}

/// The breakdown by prior mastery (lower, middle, upper third of the course mastered at
/// the start) and, with several classes, by class.
fn subgroups(pilot: &Pilot, data: &PilotData) -> Vec<SubgroupView> {
    let mut groups: Vec<(String, Vec<StudentResult>)> = ["lower", "middle", "upper"]
        .iter()
        .enumerate()
        .map(|(b, word)| {
            (
                format!("Prior mastery: {word} third"),
                data.students
                    .iter()
                    .filter(|s| ((s.pre * 3.0) as usize).min(2) == b)
                    .copied()
                    .collect(),
            )
        })
        .collect();
    let classes = data
        .students
        .iter()
        .map(|s| s.class)
        .max()
        .map_or(0, |m| m + 1);
    if classes > 1 {
        for c in 0..classes {
            groups.push((
                format!("Class {} of {classes}", c + 1),
                data.students
                    .iter()
                    .filter(|s| s.class == c)
                    .copied()
                    .collect(),
            ));
        }
    }
    groups
        .into_iter()
        .filter(|(_, students)| !students.is_empty())
        .map(|(name, students)| {
            let means = data
                .conditions
                .iter()
                .enumerate()
                .map(|(i, cond)| {
                    let values: Vec<f64> = students
                        .iter()
                        .filter(|s| s.condition == i)
                        .filter_map(|s| s.post)
                        .collect();
                    let mean = if values.is_empty() {
                        "no data".to_string()
                    } else {
                        format!("{:.2}", values.iter().sum::<f64>() / values.len() as f64)
                    };
                    (cond.clone(), values.len(), mean)
                })
                .collect();
            let sub = PilotData {
                students,
                // A subgroup inside a class-randomised pilot is compared student by student
                // only when it has its own classes; keep the pilot's unit.
                ..data.clone()
            };
            let effect = match report::report(&sub) {
                Ok(PilotReport::Ready { comparisons, .. }) => comparisons
                    .iter()
                    .map(|c| {
                        format!(
                            "{}: g = {:.2} (95% CI {:.2} to {:.2})",
                            c.condition, c.effect.g, c.effect.ci_low, c.effect.ci_high
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
                _ => "too few students in this subgroup for an effect size".to_string(),
            };
            SubgroupView {
                name,
                means,
                effect,
            }
        })
        .collect::<Vec<_>>()
        .into_iter()
        .filter(|_| pilot.status != PilotStatus::Draft)
        .collect()
}

/// What a running pilot changes for a student now (the default experience when they are
/// in none, were opted out, or the pilot ended): (spaced review offered, budget).
pub async fn condition_now(
    state: &AppState,
    student_id: &UserId,
) -> Result<(bool, Budget), WebError> {
    Ok(
        match state
            .store
            .running_condition(student_id, state.now())
            .await?
        {
            Some(c) => (c.spaced_review, c.budget()),
            None => (true, Budget::default()),
        },
    )
}

/// The recommendation policy and lesson variant a running pilot's condition sets for a
/// student in `course` (adaptive and the default lessons otherwise, and for the
/// opted-out).
pub async fn path_condition(
    state: &AppState,
    student_id: &UserId,
    course_id: &CourseId,
) -> Result<(Policy, Option<String>), WebError> {
    Ok(
        match state
            .store
            .running_condition_in(student_id, Some(course_id), state.now())
            .await?
        {
            Some(c) => (c.policy, c.lesson_variant),
            None => (Policy::Adaptive, None),
        },
    )
}

/// Whether the placement check is offered to a student now: off only while a running
/// pilot's condition turns it off for them (issue 12, point 5). Opted-out students, and
/// students in no running pilot, get the default (offered).
pub async fn placement_offered(state: &AppState, student_id: &UserId) -> Result<bool, WebError> {
    Ok(state
        .store
        .running_condition(student_id, state.now())
        .await?
        .is_none_or(|c| c.placement))
}

/// The end of a pilot's window: its planned end, or its finish when that came first.
pub fn window_end(pilot: &Pilot) -> Option<i64> {
    let planned = pilot.ends_at()?;
    Some(pilot.finished_at.map_or(planned, |f| f.min(planned)))
}

/// When a "retention after 30 days" outcome can be computed: 30 days after the window's
/// end (`None` before the pilot starts).
pub fn retention_ready_at(pilot: &Pilot) -> Option<i64> {
    window_end(pilot).map(|end| end + retention::RETENTION_GAP_MS)
}

/// For a pilot whose outcome is retention after 30 days: once it is finished and 30 days
/// have passed after its end, (re)computes every member's retention from the events and
/// stores it as their outcome, and answers `None`; before that, answers the day it will be
/// ready (ms). Other outcomes: `None`, nothing done.
pub async fn refresh_retention(
    state: &AppState,
    pilot: &Pilot,
    members: &[PilotMember],
) -> Result<Option<i64>, WebError> {
    if pilot.plan.outcome != Outcome::Retention30 {
        return Ok(None);
    }
    let ready_at = retention_ready_at(pilot).unwrap_or(i64::MAX);
    if pilot.status != PilotStatus::Finished || state.now() < ready_at {
        return Ok(Some(ready_at));
    }
    let start = pilot.started_at.unwrap_or(0);
    let end = window_end(pilot).unwrap_or(start);
    let mut outcomes = Vec::new();
    for m in members {
        if m.opted_out_at.is_some() {
            outcomes.push((m.student_id.clone(), None));
            continue;
        }
        let answers: Vec<GradedAnswer> = state
            .store
            .student_events(&m.student_id, &pilot.course_id, MAX_EVENTS)
            .await?
            .into_iter()
            .filter(|e| matches!(e.kind, EventKind::Answer | EventKind::SheetAnswer))
            .filter_map(|e| {
                Some(GradedAnswer {
                    correct: e.correct?,
                    skills: e.skills,
                    at: e.occurred_at,
                })
            })
            .collect();
        let value = retention::retention(&answers, start, end, &|skill| state.bkt_params(skill));
        outcomes.push((m.student_id.clone(), value));
    }
    state.store.set_pilot_outcomes(&pilot.id, &outcomes).await?;
    Ok(None)
}

/// The most events of one student read for the retention outcome.
const MAX_EVENTS: i64 = 200_000;
