//! Pilot studies (issue 12, points 5-7): a teacher defines a pilot on their class (the
//! power calculation beside the plan), starts it (stratified randomisation with a stored
//! seed; the plan is frozen from then on and changes are amendments with a reason),
//! enters post-test scores, finishes it and reads its report. A guardian sees their
//! child's pilots on the family page and can opt them out. Students see nothing of
//! pilots; their condition only changes what Ownpace offers them.

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

/// A form's fields as sent (repeated keys kept).
type Fields = Vec<(String, String)>;

fn field<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

fn number<T: std::str::FromStr>(fields: &Fields, name: &str, label: &str) -> Result<T, WebError> {
    let text = field(fields, name).trim();
    if text.len() > 12 {
        return Err(WebError::BadRequest(format!("{label}: too long")));
    }
    text.parse()
        .map_err(|_| WebError::BadRequest(format!("{label}: a number, please")))
}

fn minutes(fields: &Fields, name: &str) -> Result<Option<u32>, WebError> {
    let text = field(fields, name).trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.len() > 6 {
        return Err(WebError::BadRequest(
            "conditions: a budget is a whole number of minutes".into(),
        ));
    }
    text.parse().map(Some).map_err(|_| {
        WebError::BadRequest("conditions: a budget is a whole number of minutes".into())
    })
}

/// Reads the plan form. Classes other than the one in the path must be taught by the
/// teacher and hold the same course (authorized like path ids: otherwise 404).
async fn read_plan(
    state: &AppState,
    current: &CurrentUser,
    class: &Class,
    fields: &Fields,
) -> Result<PilotPlan, WebError> {
    if fields.len() > MAX_FIELDS {
        return Err(WebError::BadRequest("the form has too many fields".into()));
    }
    let mut classes = vec![class.id.clone()];
    for (k, v) in fields {
        if k == "classes" && v != class.id.as_str() {
            let id = ClassId::new(v.trim());
            // An admin may add any class (with the same course, checked below).
            let allowed = current.user.role == Role::Admin
                || state.store.teaches_class(&current.user.id, &id).await?;
            if v.len() > 64 || !allowed {
                return Err(WebError::NotFound);
            }
            match state.store.class(&id).await? {
                Some(c) if c.course_id == class.course_id => {}
                _ => return Err(WebError::NotFound),
            }
            if !classes.contains(&id) {
                classes.push(id);
            }
        }
    }
    let course = state
        .course(&class.course_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let variants = course.course.lesson_variants();
    let mut conditions = Vec::new();
    for i in 1..=CONDITION_ROWS {
        let name = field(fields, &format!("cond{i}_name")).trim();
        if name.is_empty() {
            continue;
        }
        let policy_text = field(fields, &format!("cond{i}_policy"));
        let policy = if policy_text.is_empty() {
            Policy::Adaptive
        } else {
            Policy::parse(policy_text).ok_or_else(|| {
                WebError::BadRequest(format!(
                    "conditions: next steps of {name} are adaptive or fixed-sequence"
                ))
            })?
        };
        let variant = field(fields, &format!("cond{i}_variant")).trim();
        let lesson_variant = if variant.is_empty() {
            None
        } else if variants.contains(&variant) {
            Some(variant.to_string())
        } else {
            return Err(WebError::BadRequest(format!(
                "conditions: the course has no lesson variant `{}` (for {name}); choose {}",
                variant.chars().take(64).collect::<String>(),
                if variants.is_empty() {
                    "the default lessons: the course declares no variants".to_string()
                } else {
                    format!("the default lessons or one of {}", variants.join(", "))
                }
            )));
        };
        conditions.push(ConditionSetting {
            policy,
            lesson_variant,
            name: name.to_string(),
            spaced_review: field(fields, &format!("cond{i}_review")) != "off",
            placement: field(fields, &format!("cond{i}_placement")) != "off",
            daily_minutes: minutes(fields, &format!("cond{i}_daily"))?,
            weekly_minutes: minutes(fields, &format!("cond{i}_weekly"))?,
            note: field(fields, &format!("cond{i}_note")).trim().to_string(),
        });
    }
    let outcome = Outcome::parse(field(fields, "outcome"))
        .ok_or_else(|| WebError::BadRequest("outcome: choose one of the outcomes".into()))?;
    let unit_class = match field(fields, "unit") {
        "class" => true,
        "student" | "" => false,
        _ => return Err(WebError::BadRequest("unit: student or class".into())),
    };
    Ok(PilotPlan {
        question: field(fields, "question").to_string(),
        conditions,
        classes,
        unit_class,
        outcome,
        duration_days: number(fields, "duration_days", "duration days")?,
        min_effect: number(fields, "min_effect", "min effect")?,
        pre_test_r2: number(fields, "pre_test_r2", "pre test r2")?,
        blinded: field(fields, "blinded") == "on",
        mastery_bands: 3,
        post_test_per_skill: if field(fields, "post_test_per_skill").trim().is_empty() {
            0
        } else {
            number(fields, "post_test_per_skill", "post-test items per skill")?
        },
    })
}

fn kept(fields: &Fields) -> impl Iterator<Item = (&str, &str)> {
    fields
        .iter()
        .filter(|(k, _)| k != "_csrf")
        .map(|(k, v)| (k.as_str(), v.as_str()))
}

/// One condition row of the plan form, filled.
pub(crate) struct ConditionRow {
    pub i: usize,
    pub name: String,
    pub review: bool,
    pub placement: bool,
    pub daily: String,
    pub weekly: String,
    pub note: String,
    /// `adaptive` or `fixed-sequence`.
    pub policy: String,
    /// A lesson variant's name, empty for the default lessons.
    pub variant: String,
}

/// The plan form's values (a draft's plan, the defaults, or what was typed).
pub(crate) struct PlanForm {
    pub question: String,
    pub outcome: String,
    pub unit_class: bool,
    pub duration_days: String,
    pub min_effect: String,
    pub pre_test_r2: String,
    pub blinded: bool,
    pub conditions: Vec<ConditionRow>,
    /// Other classes of the teacher with the course: (id, name, chosen).
    pub classes: Vec<(String, String, bool)>,
    pub post_test_per_skill: String,
    /// The lesson variants the course declares.
    pub variants: Vec<String>,
}

fn plan_form(
    plan: Option<&PilotPlan>,
    flash: &Flash,
    form: &str,
    others: &[Class],
    variants: Vec<String>,
) -> PlanForm {
    let v = |name: &str, default: String| flash.value(form, name, &default);
    let cond = |i: usize| plan.and_then(|p| p.conditions.get(i - 1));
    let default_name = |i: usize| match (plan, i) {
        (None, 1) => "Spaced review on".to_string(),
        (None, 2) => "Spaced review off".to_string(),
        _ => cond(i).map(|c| c.name.clone()).unwrap_or_default(),
    };
    let typed = !flash.message.is_empty() && flash.is_error();
    PlanForm {
        question: v(
            "question",
            plan.map_or(
                "Does spaced review help our students master more per hour?".into(),
                |p| p.question.clone(),
            ),
        ),
        outcome: v(
            "outcome",
            plan.map_or("mastery_per_hour", |p| p.outcome.as_str())
                .into(),
        ),
        unit_class: v(
            "unit",
            if plan.is_some_and(|p| p.unit_class) {
                "class".into()
            } else {
                "student".into()
            },
        ) == "class",
        duration_days: v(
            "duration_days",
            plan.map_or("28".into(), |p| p.duration_days.to_string()),
        ),
        min_effect: v(
            "min_effect",
            plan.map_or("0.30".into(), |p| format!("{:.2}", p.min_effect)),
        ),
        pre_test_r2: v(
            "pre_test_r2",
            plan.map_or("0.50".into(), |p| format!("{:.2}", p.pre_test_r2)),
        ),
        blinded: if typed {
            flash.value(form, "blinded", "") == "on"
        } else {
            plan.is_none_or(|p| p.blinded)
        },
        conditions: (1..=CONDITION_ROWS)
            .map(|i| {
                let c = cond(i);
                let review_default = match (plan, i) {
                    (None, 2) => "off",
                    _ if c.is_some_and(|c| !c.spaced_review) => "off",
                    _ => "on",
                };
                let minutes_of = |m: Option<u32>| m.map_or(String::new(), |m| m.to_string());
                ConditionRow {
                    i,
                    name: v(&format!("cond{i}_name"), default_name(i)),
                    review: v(&format!("cond{i}_review"), review_default.into()) != "off",
                    placement: v(
                        &format!("cond{i}_placement"),
                        if c.is_some_and(|c| !c.placement) {
                            "off"
                        } else {
                            "on"
                        }
                        .into(),
                    ) != "off",
                    daily: v(
                        &format!("cond{i}_daily"),
                        minutes_of(c.and_then(|c| c.daily_minutes)),
                    ),
                    weekly: v(
                        &format!("cond{i}_weekly"),
                        minutes_of(c.and_then(|c| c.weekly_minutes)),
                    ),
                    note: v(
                        &format!("cond{i}_note"),
                        c.map_or(String::new(), |c| c.note.clone()),
                    ),
                    policy: v(
                        &format!("cond{i}_policy"),
                        c.map_or(Policy::Adaptive, |c| c.policy).as_str().into(),
                    ),
                    variant: v(
                        &format!("cond{i}_variant"),
                        c.and_then(|c| c.lesson_variant.clone()).unwrap_or_default(),
                    ),
                }
            })
            .collect(),
        classes: others
            .iter()
            .map(|c| {
                (
                    c.id.to_string(),
                    c.name.clone(),
                    plan.is_some_and(|p| p.classes.contains(&c.id)),
                )
            })
            .collect(),
        post_test_per_skill: v(
            "post_test_per_skill",
            plan.map_or("2".into(), |p| p.post_test_per_skill.to_string()),
        ),
        variants,
    }
}

/// The lesson variants a class's course declares (the plan form offers them).
async fn course_variants(state: &AppState, class: &Class) -> Result<Vec<String>, WebError> {
    Ok(state
        .course(&class.course_id)
        .await?
        .map(|c| {
            c.course
                .lesson_variants()
                .into_iter()
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default())
}

/// The teacher's other classes with the same course (the plan form offers them); every
/// other class with the same course for an admin.
async fn other_classes(
    state: &AppState,
    current: &CurrentUser,
    class: &Class,
) -> Result<Vec<Class>, WebError> {
    // An admin may run a pilot across any classes with the same course.
    let candidates = if current.user.role == Role::Admin {
        state.store.classes().await?
    } else {
        state.store.classes_taught_by(&current.user.id).await?
    };
    Ok(candidates
        .into_iter()
        .filter(|c| c.id != class.id && c.course_id == class.course_id)
        .collect())
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
struct ReportPage {
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

/// A pilot as a guardian sees it on the family page.
pub(crate) struct GuardianPilot {
    pub id: String,
    pub question: String,
    pub status: &'static str,
    pub words: String,
    /// Empty when the pilot is blinded.
    pub condition: String,
    pub opted_out: bool,
    pub can_opt_out: bool,
}

pub(crate) async fn for_guardian(
    state: &AppState,
    student_id: &UserId,
) -> Result<Vec<GuardianPilot>, WebError> {
    let now = state.now();
    Ok(state
        .store
        .pilots_of_student(student_id)
        .await?
        .into_iter()
        .map(|(p, m)| {
            let started = p.started_at.map_or_else(String::new, |t| crate::views::date(t, now));
            let words = match p.status {
                PilotStatus::Finished => format!(
                    "The class tried out two or more ways of teaching from {started} and compared how students did. It has finished: everyone has the usual experience."
                ),
                _ => format!(
                    "The class is trying out two or more ways of teaching for {} days from {started}, to see which helps more. Each student was placed in one by a fair draw. The ways differ only in what Ownpace offers (for example reviews or a screen-time budget); nothing else changes. {}",
                    p.plan.duration_days,
                    if p.plan.blinded {
                        "So that knowing cannot change how students work, Ownpace does not show which way your child has."
                    } else {
                        ""
                    }
                ),
            };
            GuardianPilot {
                id: p.id.clone(),
                question: p.plan.question.clone(),
                status: p.status.as_str(),
                condition: if p.plan.blinded {
                    String::new()
                } else {
                    p.plan
                        .conditions
                        .get(m.condition)
                        .map_or_else(String::new, |c| c.name.clone())
                },
                opted_out: m.opted_out_at.is_some(),
                can_opt_out: p.status == PilotStatus::Running,
                words,
            }
        })
        .collect())
}

pub async fn opt_out(
    State(state): State<AppState>,
    GuardianOf {
        guardian: current,
        student,
    }: GuardianOf,
    Path((_, pilot_id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    // Only a pilot the child is in: any other id answers like a missing one.
    let Some((pilot, member)) = state
        .store
        .pilots_of_student(&student.id)
        .await?
        .into_iter()
        .find(|(p, _)| p.id == pilot_id)
    else {
        return Err(WebError::NotFound);
    };
    let location = format!("/family/{}#pilots", student.id);
    let result = async {
        if member.opted_out_at.is_some() {
            return Ok(Flash::success(format!(
                "{} was already opted out of this pilot",
                student.display_name
            )));
        }
        if pilot.status != PilotStatus::Running {
            return Err(WebError::BadRequest(
                "pilot: this pilot is not running, so there is nothing to opt out of".into(),
            ));
        }
        state
            .store
            .opt_out_of_pilot(&pilot.id, &student.id, &current.user.id, state.now())
            .await?;
        crate::audit::access(
            &state,
            &current,
            AuditAction::PilotOptedOut,
            &[&student.id],
            Some(&pilot.plan.question),
        )
        .await?;
        Ok(Flash::success(format!(
            "{} is opted out: they have the usual experience from now on and are not counted in the pilot's results",
            student.display_name
        )))
    }
    .await;
    flash::finish(&state, &current, &location, result, "pilot", []).await
}
