//! Pilot studies (issue 12, points 5-7): a teacher defines a pilot on their class (the
//! power calculation beside the plan), starts it (stratified randomisation with a stored
//! seed; the plan is frozen from then on and changes are amendments with a reason),
//! enters post-test scores, finishes it and reads its report. A guardian sees their
//! child's pilots on the family page and can opt them out. Students see nothing of
//! pilots; their condition only changes what Ownpace offers them.

mod guardian;
mod plan;
mod report;

use guardian::opt_out;
pub(crate) use guardian::{GuardianPilot, for_guardian};
use plan::*;
use report::*;

use crate::auth::CurrentUser;
use crate::auth::guard::{GuardianOf, StaffOfClass};
use crate::flash::{self, Flash};
use crate::layout::Layout;
use crate::pilots::{PowerView, ReportView, SubgroupView};
use crate::routing::{Access, GUARDIAN, Route, Subject, TEACHER_OR_ADMIN, get, post};
use crate::{AppState, WebError};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Response};
use ownpace_core::ids::{ClassId, UserId};
use ownpace_core::pilot::design;
use ownpace_core::pilot::report::PilotReport;
use ownpace_core::recommend::Policy;
use ownpace_storage::pilots::{
    Amendment, ConditionSetting, Outcome, Pilot, PilotPlan, PilotStatus,
};
use ownpace_storage::{AuditAction, Class, Role};

/// Condition rows on the plan form.
const CONDITION_ROWS: usize = 4;
/// Fields a form may send (a bound on what is read from a body).
const MAX_FIELDS: usize = 400;

pub(crate) fn routes() -> Vec<Route> {
    // A class's teachers, or an admin for any class (issue 12, point 5: "admin or teacher").
    let teacher = Access::Roles(TEACHER_OR_ADMIN, Subject::Class("class"));
    vec![
        get("/classes/{class}/pilots", teacher, list),
        post("/classes/{class}/pilots", teacher, create),
        get("/classes/{class}/pilots/{pilot}", teacher, show),
        post("/classes/{class}/pilots/{pilot}/edit", teacher, edit),
        post("/classes/{class}/pilots/{pilot}/start", teacher, start),
        post("/classes/{class}/pilots/{pilot}/amend", teacher, amend),
        post("/classes/{class}/pilots/{pilot}/scores", teacher, scores),
        post("/classes/{class}/pilots/{pilot}/finish", teacher, finish),
        get("/classes/{class}/pilots/{pilot}/report", teacher, report),
        post(
            "/family/{student}/pilots/{pilot}/opt-out",
            Access::Roles(GUARDIAN, Subject::Student("student")),
            opt_out,
        ),
    ]
}

/// Where the caller's classes are: "My classes" for a teacher, the admin page for an admin.
fn home_crumb(current: &CurrentUser) -> (&'static str, &'static str) {
    if current.user.role == Role::Admin {
        ("/admin", "Administration")
    } else {
        ("/classes", "My classes")
    }
}

/// Where a class's own page is for the caller (the dashboard, or the admin's class page).
fn class_root(current: &CurrentUser) -> &'static str {
    if current.user.role == Role::Admin {
        "/admin/classes"
    } else {
        "/classes"
    }
}

/// The pilot in the path when it was defined on the class in the path, else 404.
pub(crate) async fn pilot_of_class(
    state: &AppState,
    class_id: &ClassId,
    pilot_id: &str,
) -> Result<Pilot, WebError> {
    if pilot_id.len() > 64 {
        return Err(WebError::NotFound);
    }
    match state.store.pilot(pilot_id).await? {
        Some(p) if &p.class_id == class_id => Ok(p),
        _ => Err(WebError::NotFound),
    }
}

pub(crate) struct PilotRow {
    pub id: String,
    pub question: String,
    pub status: &'static str,
    pub when: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "pilots.html")]
struct ListPage {
    layout: Layout,
    class_id: String,
    class_name: String,
    pilots: Vec<PilotRow>,
    form: PlanForm,
    flash: Flash,
}

fn status_words(p: &Pilot) -> &'static str {
    match p.status {
        PilotStatus::Draft => "draft (not started)",
        PilotStatus::Running => "running",
        PilotStatus::Finished => "finished",
    }
}

pub async fn list(
    State(state): State<AppState>,
    StaffOfClass {
        teacher: current,
        class,
    }: StaffOfClass,
) -> Result<Response, WebError> {
    let now = state.now();
    let pilots = state
        .store
        .pilots_of_class(&class.id)
        .await?
        .into_iter()
        .map(|p| PilotRow {
            status: status_words(&p),
            when: crate::views::date(p.started_at.unwrap_or(p.created_at), now),
            question: p.plan.question,
            id: p.id,
        })
        .collect();
    let flash = flash::take(&state, &current, &format!("/classes/{}/pilots", class.id)).await?;
    let others = other_classes(&state, &current, &class).await?;
    let class_href = format!("{}/{}", class_root(&current), class.id);
    Ok(ListPage {
        layout: Layout::new(
            format!("Pilots · {}", class.name),
            Some(&current),
            home_crumb(&current).0,
        )
        .with_crumbs([
            home_crumb(&current),
            (class_href.as_str(), class.name.as_str()),
        ]),
        form: plan_form(
            None,
            &flash,
            "plan",
            &others,
            course_variants(&state, &class).await?,
        ),
        class_id: class.id.to_string(),
        class_name: class.name,
        pilots,
        flash,
    }
    .into_response())
}

pub async fn create(
    State(state): State<AppState>,
    StaffOfClass {
        teacher: current,
        class,
    }: StaffOfClass,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    let plan = read_plan(&state, &current, &class, &fields).await;
    let plan = match plan {
        Err(WebError::NotFound) => return Err(WebError::NotFound),
        other => other,
    };
    let created = match plan {
        Ok(plan) => state
            .store
            .create_pilot(
                &class.id,
                &class.course_id,
                &plan,
                &current.user.id,
                state.now(),
            )
            .await
            .map_err(WebError::from),
        Err(e) => Err(e),
    };
    match created {
        Ok(id) => {
            flash::redirect(
                &state,
                &current,
                &format!("/classes/{}/pilots/{id}", class.id),
                Flash::success("Pilot defined. Check the power calculation, then start it"),
            )
            .await
        }
        Err(e) => {
            flash::finish(
                &state,
                &current,
                &format!("/classes/{}/pilots#new-pilot", class.id),
                Err(e),
                "plan",
                kept(&fields),
            )
            .await
        }
    }
}

pub(crate) struct MemberRow {
    pub name: String,
    pub student_id: String,
    pub class: String,
    pub condition: String,
    pub stratum: String,
    pub pre_test: String,
    pub outcome: String,
    pub opted_out: bool,
    /// A paper test's score the teacher entered (empty: none).
    pub paper: String,
}

pub(crate) struct AmendmentRow {
    pub field: String,
    pub before: String,
    pub after: String,
    pub reason: String,
    pub by: String,
    pub when: String,
}

/// The plan in words for the page.
pub(crate) struct PlanView {
    pub question: String,
    /// (name, settings in words)
    pub conditions: Vec<(String, String)>,
    pub unit: &'static str,
    pub outcome: &'static str,
    pub duration: String,
    pub min_effect: String,
    pub classes: Vec<String>,
    pub blinded: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "pilot.html")]
struct PilotPage {
    layout: Layout,
    class_id: String,
    id: String,
    status: &'static str,
    draft: bool,
    running: bool,
    plan: PlanView,
    power: PowerView,
    form: PlanForm,
    /// Draft: students who would take part, and those left out for want of consent.
    candidates: usize,
    no_consent: usize,
    members: Vec<MemberRow>,
    post_test: bool,
    /// What the post-test holds out and when students take it.
    post_test_words: String,
    seed: String,
    algorithm: String,
    replays: String,
    started: String,
    ends: String,
    amendments: Vec<AmendmentRow>,
    flash: Flash,
}

fn settings_words(c: &ConditionSetting) -> String {
    let mut parts = vec![
        format!(
            "spaced review {}",
            if c.spaced_review { "on" } else { "off" }
        ),
        format!("placement check {}", if c.placement { "on" } else { "off" }),
    ];
    let budget = crate::screen::budget_words(&c.budget());
    parts.push(if budget == "none" {
        "no screen-time budget of its own".into()
    } else {
        format!("screen-time budget {budget}")
    });
    parts.push(format!("next steps: {}", c.policy.words()));
    parts.push(match &c.lesson_variant {
        Some(v) => format!("lessons: the {v} variant"),
        None => "lessons: the default ones".into(),
    });
    if !c.note.is_empty() {
        parts.push(c.note.clone());
    }
    parts.join("; ")
}

async fn class_name(state: &AppState, id: &ClassId) -> Result<String, WebError> {
    Ok(state
        .store
        .class(id)
        .await?
        .map_or_else(|| "a class".to_string(), |c| c.name))
}

async fn plan_view(state: &AppState, pilot: &Pilot) -> Result<PlanView, WebError> {
    let mut classes = Vec::new();
    for c in &pilot.plan.classes {
        classes.push(class_name(state, c).await?);
    }
    Ok(PlanView {
        question: pilot.plan.question.clone(),
        conditions: pilot
            .plan
            .conditions
            .iter()
            .map(|c| (c.name.clone(), settings_words(c)))
            .collect(),
        unit: if pilot.plan.unit_class {
            "whole classes"
        } else {
            "students (within each class and prior-mastery band)"
        },
        outcome: pilot.plan.outcome.words(),
        duration: format!("{} days", pilot.plan.duration_days),
        min_effect: format!("g = {:.2}", pilot.plan.min_effect),
        classes,
        blinded: pilot.plan.blinded,
    })
}

fn number_words(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_string(), |v| format!("{v:.2}"))
}

pub async fn show(
    State(state): State<AppState>,
    StaffOfClass {
        teacher: current,
        class,
    }: StaffOfClass,
    Path((_, pilot_id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let pilot = pilot_of_class(&state, &class.id, &pilot_id).await?;
    let now = state.now();
    let members = state.store.pilot_members(&pilot.id).await?;
    // The post-test outcome is recomputed from the answers each time it is shown.
    let members = crate::post_test::refresh(&state, &pilot, members).await?;
    let (candidates, no_consent, power) = if pilot.status == PilotStatus::Draft {
        let all = crate::pilots::candidates(&state, &pilot).await?;
        let allowed = all.iter().filter(|(_, ok)| *ok).count();
        (
            allowed,
            all.len() - allowed,
            crate::pilots::power(&pilot, allowed, pilot.plan.classes.len()),
        )
    } else {
        let analysed = members.iter().filter(|m| m.opted_out_at.is_none()).count();
        let mut classes: Vec<&ClassId> = members.iter().map(|m| &m.class_id).collect();
        classes.dedup();
        classes.sort();
        classes.dedup();
        (
            members.len(),
            0,
            crate::pilots::power(&pilot, analysed, classes.len()),
        )
    };
    let mut rows = Vec::new();
    for m in &members {
        let name = state
            .store
            .user(&m.student_id)
            .await?
            .map_or_else(|| "a student".into(), |u| u.display_name);
        let class_name = class_name(&state, &m.class_id).await?;
        rows.push(MemberRow {
            name,
            student_id: m.student_id.to_string(),
            // The stratum names the class by id; the page names it.
            stratum: m.stratum.replace(m.class_id.as_str(), &class_name),
            class: class_name,
            condition: pilot
                .plan
                .conditions
                .get(m.condition)
                .map_or_else(String::new, |c| c.name.clone()),
            pre_test: format!("{:.0}%", 100.0 * m.pre_test),
            outcome: format!(
                "{}{}",
                number_words(m.outcome),
                if m.paper_score.is_some() {
                    " (paper test)"
                } else {
                    ""
                }
            ),
            opted_out: m.opted_out_at.is_some(),
            paper: m
                .paper_score
                .map_or_else(String::new, |v| format!("{v:.0}")),
        });
    }
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    let replays = match crate::pilots::recorded(&pilot, &members) {
        Some((participants, recorded)) => match design::replays(&participants, &recorded) {
            Ok(true) => "yes: drawing again from the stored seed gives exactly this assignment".into(),
            Ok(false) => "no: the stored assignment differs from a fresh draw (a student was erased or the record changed)".into(),
            Err(e) => format!("cannot check: {e}"),
        },
        None => String::new(),
    };
    let mut amendments = Vec::new();
    for a in state.store.pilot_amendments(&pilot.id).await? {
        let by = state
            .store
            .user(&a.amended_by)
            .await?
            .map_or_else(|| "someone".into(), |u| u.display_name);
        amendments.push(AmendmentRow {
            field: a.field,
            before: a.before,
            after: a.after,
            reason: a.reason,
            by,
            when: crate::views::date(a.amended_at, now),
        });
    }
    let location = format!("/classes/{}/pilots/{}", class.id, pilot.id);
    let flash = flash::take(&state, &current, &location).await?;
    let others = other_classes(&state, &current, &class).await?;
    if !members.is_empty() {
        // The page shows these students' conditions and scores.
        let ids: Vec<&UserId> = members.iter().map(|m| &m.student_id).collect();
        crate::audit::access(
            &state,
            &current,
            AuditAction::RecordViewed,
            &ids,
            Some("pilot"),
        )
        .await?;
    }
    let pilots_href = format!("/classes/{}/pilots", class.id);
    let class_href = format!("{}/{}", class_root(&current), class.id);
    Ok(PilotPage {
        layout: Layout::new("Pilot", Some(&current), home_crumb(&current).0).with_crumbs([
            home_crumb(&current),
            (class_href.as_str(), class.name.as_str()),
            (pilots_href.as_str(), "Pilots"),
        ]),
        class_id: class.id.to_string(),
        id: pilot.id.clone(),
        status: status_words(&pilot),
        draft: pilot.status == PilotStatus::Draft,
        running: pilot.status == PilotStatus::Running,
        plan: plan_view(&state, &pilot).await?,
        power,
        form: plan_form(
            Some(&pilot.plan),
            &flash,
            "plan",
            &others,
            course_variants(&state, &class).await?,
        ),
        candidates,
        no_consent,
        members: rows,
        post_test: pilot.plan.outcome == Outcome::PostTest,
        post_test_words: crate::post_test::words(&pilot),
        seed: pilot.seed.map_or_else(String::new, |s| s.to_string()),
        algorithm: pilot.algorithm.clone().unwrap_or_default(),
        replays,
        started: pilot
            .started_at
            .map_or_else(String::new, |t| crate::views::date(t, now)),
        ends: pilot
            .finished_at
            .or(pilot.ends_at())
            .map_or_else(String::new, |t| crate::views::date(t, now)),
        amendments,
        flash,
    }
    .into_response())
}

pub async fn edit(
    State(state): State<AppState>,
    StaffOfClass {
        teacher: current,
        class,
    }: StaffOfClass,
    Path((_, pilot_id)): Path<(String, String)>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    let pilot = pilot_of_class(&state, &class.id, &pilot_id).await?;
    let location = format!("/classes/{}/pilots/{}#plan-form", class.id, pilot.id);
    let result = async {
        let plan = read_plan(&state, &current, &class, &fields).await?;
        state.store.edit_pilot(&pilot.id, &plan).await?;
        Ok(Flash::success("Plan saved"))
    }
    .await;
    if matches!(result, Err(WebError::NotFound)) {
        return Err(WebError::NotFound);
    }
    flash::finish(&state, &current, &location, result, "plan", kept(&fields)).await
}

pub async fn start(
    State(state): State<AppState>,
    StaffOfClass {
        teacher: current,
        class,
    }: StaffOfClass,
    Path((_, pilot_id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let pilot = pilot_of_class(&state, &class.id, &pilot_id).await?;
    let location = format!("/classes/{}/pilots/{}", class.id, pilot.id);
    let result = async {
        if pilot.status != PilotStatus::Draft {
            return Err(WebError::Store(ownpace_storage::StoreError::Conflict(
                ownpace_storage::Conflict::PilotState("the pilot has already started"),
            )));
        }
        let all = crate::pilots::candidates(&state, &pilot).await?;
        let left_out = all.iter().filter(|(_, ok)| !ok).count();
        // Consent rules: a student who needs a guardian's consent and has none is not
        // enrolled at all.
        let participants: Vec<_> = all.into_iter().filter(|(_, ok)| *ok).map(|(p, _)| p).collect();
        let seed = crate::pilots::fresh_seed();
        let (drawn, members) = crate::pilots::draw(&pilot, &participants, seed)?;
        let held_out = crate::post_test::hold_out(&state, &pilot, seed).await?;
        state
            .store
            .start_pilot(
                &pilot.id,
                seed,
                &drawn.algorithm,
                &members,
                &held_out,
                state.now(),
            )
            .await?;
        let ids: Vec<&UserId> = members.iter().map(|m| &m.student_id).collect();
        crate::audit::access(
            &state,
            &current,
            AuditAction::PilotAssigned,
            &ids,
            Some(&pilot.plan.question),
        )
        .await?;
        Ok(Flash::success(format!(
            "Pilot started: {} students assigned{}. The plan is frozen now; changes are amendments with a reason",
            members.len(),
            if left_out > 0 {
                format!(", {left_out} left out for want of a guardian's consent")
            } else {
                String::new()
            }
        )))
    }
    .await;
    flash::finish(&state, &current, &location, result, "start", []).await
}

pub async fn amend(
    State(state): State<AppState>,
    StaffOfClass {
        teacher: current,
        class,
    }: StaffOfClass,
    Path((_, pilot_id)): Path<(String, String)>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    let pilot = pilot_of_class(&state, &class.id, &pilot_id).await?;
    let location = format!("/classes/{}/pilots/{}#amend", class.id, pilot.id);
    let result = async {
        let value = field(&fields, "value").trim().to_string();
        let mut plan = pilot.plan.clone();
        let (name, before, after) = match field(&fields, "field") {
            "question" => {
                plan.question = value.clone();
                ("question", pilot.plan.question.clone(), value)
            }
            "duration_days" => {
                plan.duration_days = number(&fields, "value", "value")?;
                (
                    "duration (days)",
                    pilot.plan.duration_days.to_string(),
                    plan.duration_days.to_string(),
                )
            }
            "min_effect" => {
                plan.min_effect = number(&fields, "value", "value")?;
                (
                    "minimum effect of interest",
                    format!("{:.2}", pilot.plan.min_effect),
                    format!("{:.2}", plan.min_effect),
                )
            }
            "outcome" => {
                plan.outcome = Outcome::parse(&value).ok_or_else(|| {
                    WebError::BadRequest("value: post_test, mastery_per_hour or screen_time".into())
                })?;
                (
                    "outcome",
                    pilot.plan.outcome.as_str().to_string(),
                    plan.outcome.as_str().to_string(),
                )
            }
            _ => {
                return Err(WebError::BadRequest("field: choose what to amend".into()));
            }
        };
        state
            .store
            .amend_pilot(
                &pilot,
                &plan,
                &Amendment {
                    field: name.to_string(),
                    before,
                    after,
                    reason: field(&fields, "reason").to_string(),
                    amended_by: current.user.id.clone(),
                    amended_at: state.now(),
                },
            )
            .await?;
        Ok(Flash::success(format!(
            "Amended the {name}; the change and its reason are in the pilot's history"
        )))
    }
    .await;
    flash::finish(&state, &current, &location, result, "amend", kept(&fields)).await
}

pub async fn scores(
    State(state): State<AppState>,
    StaffOfClass {
        teacher: current,
        class,
    }: StaffOfClass,
    Path((_, pilot_id)): Path<(String, String)>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    let pilot = pilot_of_class(&state, &class.id, &pilot_id).await?;
    let location = format!("/classes/{}/pilots/{}#members", class.id, pilot.id);
    let result = async {
        if pilot.plan.outcome != Outcome::PostTest || pilot.status == PilotStatus::Draft {
            return Err(WebError::BadRequest(
                "scores: post-test scores are entered for a started pilot whose outcome is the post-test".into(),
            ));
        }
        if fields.len() > MAX_FIELDS {
            return Err(WebError::BadRequest("the form has too many fields".into()));
        }
        let members = state.store.pilot_members(&pilot.id).await?;
        let mut outcomes = Vec::new();
        for m in &members {
            let text = field(&fields, &format!("score_{}", m.student_id)).trim();
            if text.is_empty() {
                outcomes.push((m.student_id.clone(), None));
                continue;
            }
            let score: f64 = if text.len() <= 8 {
                text.parse().ok()
            } else {
                None
            }
            .filter(|s: &f64| (0.0..=100.0).contains(s))
            .ok_or_else(|| {
                WebError::BadRequest("scores: each score is a number from 0 to 100".into())
            })?;
            outcomes.push((m.student_id.clone(), Some(score)));
        }
        // The teacher's entries are paper tests: they override the answers' score.
        state.store.set_paper_scores(&pilot.id, &outcomes).await?;
        crate::post_test::refresh(&state, &pilot, state.store.pilot_members(&pilot.id).await?)
            .await?;
        Ok(Flash::success(format!(
            "Saved {} paper test scores",
            outcomes.iter().filter(|(_, o)| o.is_some()).count()
        )))
    }
    .await;
    flash::finish(&state, &current, &location, result, "scores", kept(&fields)).await
}

pub async fn finish(
    State(state): State<AppState>,
    StaffOfClass {
        teacher: current,
        class,
    }: StaffOfClass,
    Path((_, pilot_id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let pilot = pilot_of_class(&state, &class.id, &pilot_id).await?;
    let location = format!("/classes/{}/pilots/{}", class.id, pilot.id);
    let result = async {
        let members = state.store.pilot_members(&pilot.id).await?;
        let outcomes = crate::pilots::outcomes(&state, &pilot, &members).await?;
        state
            .store
            .finish_pilot(&pilot.id, &outcomes, state.now())
            .await?;
        Ok(Flash::success(
            "Pilot finished: every student has the usual experience again, and the report is ready",
        ))
    }
    .await;
    flash::finish(&state, &current, &location, result, "finish", []).await
}
