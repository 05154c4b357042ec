//! The pilot plan form: reading a posted plan into a `PilotPlan` (with its field errors)
//! and filling the form back, for a new pilot and for an amendment.

#[allow(clippy::wildcard_imports)]
use super::*;

/// A form's fields as sent (repeated keys kept).
pub(super) type Fields = Vec<(String, String)>;

pub(super) fn field<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

pub(super) fn number<T: std::str::FromStr>(
    fields: &Fields,
    name: &str,
    label: &str,
) -> Result<T, WebError> {
    let text = field(fields, name).trim();
    if text.len() > 12 {
        return Err(WebError::BadRequest(format!("{label}: too long")));
    }
    text.parse()
        .map_err(|_| WebError::BadRequest(format!("{label}: a number, please")))
}

pub(super) fn minutes(fields: &Fields, name: &str) -> Result<Option<u32>, WebError> {
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
pub(super) async fn read_plan(
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

pub(super) fn kept(fields: &Fields) -> impl Iterator<Item = (&str, &str)> {
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

pub(super) fn plan_form(
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
pub(super) async fn course_variants(
    state: &AppState,
    class: &Class,
) -> Result<Vec<String>, WebError> {
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
pub(super) async fn other_classes(
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
