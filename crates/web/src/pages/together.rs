//! Working together (issue 10, points 6 and 7): the student's page of their solo/group
//! balance, the "worked with others" form, the offer to help classmates; the teacher's
//! balance threshold, time recorded for a student, and pairing a helper with a stuck
//! classmate (never automatic, never shown to other students; both get a notice).

use crate::auth::guard::{Student, TeacherOfClass};
use crate::flash::{self, Flash};
use crate::layout::Layout;
use crate::routing::{Access, Route, STUDENT, Subject, TEACHER, get, post};
use crate::{AppState, WebError, views};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Response};
use ownpace_core::balance;
use ownpace_core::ids::{ClassId, SkillId, UserId};
use ownpace_storage::{Class, EVERY_SKILL};
use serde::Deserialize;

pub(crate) fn routes() -> Vec<Route> {
    let student = Access::Roles(STUDENT, Subject::Class("class"));
    let teacher = Access::Roles(TEACHER, Subject::Class("class"));
    vec![
        get("/together/{class}", student, student_page),
        post("/together/{class}/time", student, record_own_time),
        post("/together/{class}/helper", student, helper_offer),
        post("/classes/{class}/balance", teacher, set_threshold),
        post("/classes/{class}/together", teacher, record_for_student),
        post("/classes/{class}/help-pairs", teacher, pair),
    ]
}

/// The class in the path, which the guard proved the caller relates to.
async fn path_class(state: &AppState, class_id: &str) -> Result<Class, WebError> {
    state
        .store
        .class(&ClassId::new(class_id))
        .await?
        .ok_or(WebError::NotFound)
}

struct WeekRow {
    label: String,
    alone: String,
    together: String,
}

struct PairRow {
    text: String,
    when: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "together_student.html")]
struct StudentPage {
    layout: Layout,
    flash: Flash,
    class_id: String,
    class_name: String,
    summary: String,
    weeks: Vec<WeekRow>,
    entries: Vec<(String, String)>,
    /// (skill id, name, offered) for every skill the student mastered.
    mastered: Vec<(String, String, bool)>,
    every_skill: bool,
    pairs: Vec<PairRow>,
    /// The teacher's assessments of the student's project work: (project, date, levels,
    /// feedback).
    assessments: Vec<(String, String, String, String)>,
    max_minutes: u32,
    max_what: usize,
}

pub async fn student_page(
    State(state): State<AppState>,
    Student(current): Student,
    Path(class_id): Path<String>,
) -> Result<Response, WebError> {
    let class = path_class(&state, &class_id).await?;
    let course = state
        .course(&class.course_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let me = &current.user.id;
    let now = state.now();
    let page = format!("/together/{}", class.id);
    let flash = flash::take(&state, &current, &page).await?;
    let (recent, weeks) = crate::together::student_balance(&state, me).await?;
    let offers = state.store.helper_offers(me, &class.id).await?;
    let mastered = state
        .store
        .student_mastery(me, &class.course_id)
        .await?
        .into_iter()
        .filter(|r| r.progress.is_mastered())
        .filter_map(|r| {
            let skill = course.course.skill(r.skill_id.as_str())?;
            Some((
                skill.id.clone(),
                skill.name.clone(),
                offers.iter().any(|o| o == &skill.id),
            ))
        })
        .collect();
    let since = now - 28 * 86_400_000;
    let entries = state
        .store
        .together_entries(me, since)
        .await?
        .into_iter()
        .map(|e| {
            (
                format!("{} min: {}", e.minutes, e.what),
                views::date(e.occurred_at, now),
            )
        })
        .collect();
    let mut pairs = Vec::new();
    for p in state.store.student_help_pairs(me).await? {
        if p.class_id != class.id {
            continue;
        }
        let skill = course
            .course
            .skill(p.skill_id.as_str())
            .map_or_else(|| p.skill_id.to_string(), |s| s.name.clone());
        let (other, text) = if &p.helper_id == me {
            (&p.student_id, "You help")
        } else {
            (&p.helper_id, "Your helper is")
        };
        let name = state
            .store
            .user(other)
            .await?
            .map_or_else(String::new, |u| u.display_name);
        pairs.push(PairRow {
            text: if &p.helper_id == me {
                format!("{text} {name} with “{skill}”")
            } else {
                format!("{text} {name}, for “{skill}”")
            },
            when: views::date(p.paired_at, now),
        });
    }
    let assessments = state
        .store
        .student_assessments(me)
        .await?
        .into_iter()
        .filter(|a| a.class_id == class.id)
        .map(|a| {
            let project = course.course.project(&a.project_id);
            let levels = a
                .levels
                .iter()
                .enumerate()
                .map(|(n, points)| {
                    let name = project
                        .and_then(|p| p.rubric.get(n))
                        .map_or_else(|| format!("criterion {}", n + 1), |c| c.name.clone());
                    format!("{name}: {points}")
                })
                .collect::<Vec<_>>()
                .join("; ");
            (
                project.map_or(a.project_id.clone(), |p| p.title.clone()),
                views::date(a.assessed_at, now),
                levels,
                a.feedback,
            )
        })
        .collect();
    Ok(StudentPage {
        layout: Layout::new("Working together", Some(&current), "/learn")
            .with_crumbs([("/learn", "My learning")]),
        flash,
        class_id: class.id.to_string(),
        class_name: class.name.clone(),
        summary: recent.text(),
        weeks: weeks
            .iter()
            .map(|w| WeekRow {
                label: format!("Week of {}", w.monday),
                alone: ownpace_core::screen_time::minutes_phrase(w.alone_ms),
                together: ownpace_core::screen_time::minutes_phrase(w.together_ms),
            })
            .collect(),
        entries,
        mastered,
        every_skill: offers.iter().any(|o| o == EVERY_SKILL),
        pairs,
        assessments,
        max_minutes: balance::MAX_RECORDED_MINUTES,
        max_what: balance::WHAT_MAX_CHARS,
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct TimeForm {
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    what: String,
}

/// Minutes as typed: a whole number, or a clear error.
fn parse_minutes(text: &str) -> Result<i64, WebError> {
    text.trim().parse::<i64>().map_err(|_| {
        WebError::BadRequest(format!(
            "minutes: type a whole number from 1 to {}",
            balance::MAX_RECORDED_MINUTES
        ))
    })
}

pub async fn record_own_time(
    State(state): State<AppState>,
    Student(current): Student,
    Path(class_id): Path<String>,
    Form(form): Form<TimeForm>,
) -> Result<Response, WebError> {
    let class = path_class(&state, &class_id).await?;
    let location = format!("/together/{}", class.id);
    let result = async {
        let minutes = parse_minutes(&form.minutes)?;
        state
            .store
            .record_together(
                &current.user.id,
                &class.id,
                minutes,
                &form.what,
                None,
                state.now(),
            )
            .await?;
        Ok(Flash::success(format!(
            "Saved: {minutes} minutes working with others"
        )))
    }
    .await;
    flash::finish(
        &state,
        &current,
        &location,
        result,
        "time",
        [
            ("minutes", form.minutes.as_str()),
            ("what", form.what.as_str()),
        ],
    )
    .await
}

#[derive(Deserialize)]
pub struct HelperForm {
    /// A skill id of the course, or `*` for every mastered skill.
    skill: String,
    /// `offer` or `withdraw`.
    action: String,
}

pub async fn helper_offer(
    State(state): State<AppState>,
    Student(current): Student,
    Path(class_id): Path<String>,
    Form(form): Form<HelperForm>,
) -> Result<Response, WebError> {
    let class = path_class(&state, &class_id).await?;
    let course = state
        .course(&class.course_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let location = format!("/together/{}#help", class.id);
    let result = async {
        let skill = form.skill.trim();
        let named = if skill == EVERY_SKILL {
            "every skill you mastered".to_string()
        } else {
            let s = course.course.skill(skill).ok_or_else(|| {
                WebError::BadRequest("skill: choose one of the course's skills".into())
            })?;
            format!("“{}”", s.name)
        };
        let offered = match form.action.as_str() {
            "offer" => true,
            "withdraw" => false,
            _ => {
                return Err(WebError::BadRequest(
                    "action: choose offer or withdraw".into(),
                ));
            }
        };
        state
            .store
            .set_helper_offer(&current.user.id, &class.id, skill, offered, state.now())
            .await?;
        Ok(Flash::success(if offered {
            format!(
                "Thank you: your teacher may ask you to help a classmate with {named}. Other students do not see this"
            )
        } else {
            format!("You no longer offer help with {named}")
        }))
    }
    .await;
    flash::finish(&state, &current, &location, result, "helper", []).await
}

#[derive(Deserialize)]
pub struct ThresholdForm {
    #[serde(default)]
    threshold: String,
}

pub async fn set_threshold(
    State(state): State<AppState>,
    TeacherOfClass {
        teacher: current,
        class,
    }: TeacherOfClass,
    Form(form): Form<ThresholdForm>,
) -> Result<Response, WebError> {
    let location = format!("/classes/{}#balance", class.id);
    let result = async {
        let percent = form.threshold.trim().parse::<i64>().map_err(|_| {
            WebError::BadRequest(format!(
                "threshold: type a whole percent from {} to {}",
                balance::MIN_THRESHOLD_PERCENT,
                balance::MAX_THRESHOLD_PERCENT
            ))
        })?;
        let set = state
            .store
            .set_balance_threshold(&class.id, percent, &current.user.id, state.now())
            .await?;
        Ok(Flash::success(format!(
            "Group work is now offered to students of {} above {set}% of their time alone at a screen",
            class.name
        )))
    }
    .await;
    flash::finish(
        &state,
        &current,
        &location,
        result,
        "balance",
        [("threshold", form.threshold.as_str())],
    )
    .await
}

#[derive(Deserialize)]
pub struct TeacherTimeForm {
    #[serde(default)]
    student: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    what: String,
}

pub async fn record_for_student(
    State(state): State<AppState>,
    TeacherOfClass {
        teacher: current,
        class,
    }: TeacherOfClass,
    Form(form): Form<TeacherTimeForm>,
) -> Result<Response, WebError> {
    // The student in the body is authorized like a path id: one of this class, or 404.
    if form.student.len() > 64 {
        return Err(WebError::NotFound);
    }
    let student_id = UserId::new(form.student.trim());
    let location = format!("/classes/{}#balance", class.id);
    if student_id.as_str().is_empty() {
        let missing = Err(WebError::BadRequest(
            "student: choose a student of the class".into(),
        ));
        return flash::finish(&state, &current, &location, missing, "together", []).await;
    }
    if !state.store.is_enrolled(&student_id, &class.id).await? {
        return Err(WebError::NotFound);
    }
    let result = async {
        let minutes = parse_minutes(&form.minutes)?;
        state
            .store
            .record_together(
                &student_id,
                &class.id,
                minutes,
                &form.what,
                Some(&current.user.id),
                state.now(),
            )
            .await?;
        crate::audit::access(
            &state,
            &current,
            ownpace_storage::AuditAction::TogetherRecorded,
            &[&student_id],
            None,
        )
        .await?;
        Ok(Flash::success(format!(
            "Saved: {minutes} minutes working with others"
        )))
    }
    .await;
    flash::finish(
        &state,
        &current,
        &location,
        result,
        "together",
        [
            ("minutes", form.minutes.as_str()),
            ("what", form.what.as_str()),
        ],
    )
    .await
}

#[derive(Deserialize)]
pub struct PairForm {
    student: String,
    helper: String,
    skill: String,
}

pub async fn pair(
    State(state): State<AppState>,
    TeacherOfClass {
        teacher: current,
        class,
    }: TeacherOfClass,
    Form(form): Form<PairForm>,
) -> Result<Response, WebError> {
    // Ids in the body are authorized like path ids: both students of this class, or 404.
    if form.student.len() > 64 || form.helper.len() > 64 || form.skill.len() > 100 {
        return Err(WebError::NotFound);
    }
    let student_id = UserId::new(form.student.trim());
    let helper_id = UserId::new(form.helper.trim());
    if !state.store.is_enrolled(&student_id, &class.id).await?
        || !state.store.is_enrolled(&helper_id, &class.id).await?
    {
        return Err(WebError::NotFound);
    }
    let course = state
        .course(&class.course_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let location = format!("/classes/{}#peer-help", class.id);
    let result = async {
        let skill = course.course.skill(form.skill.trim()).ok_or_else(|| {
            WebError::BadRequest("skill: choose one of the course's skills".into())
        })?;
        if student_id == helper_id {
            return Err(WebError::BadRequest(
                "helper: a student cannot be their own helper; choose a classmate".into(),
            ));
        }
        if !crate::together::may_help(&state, &class.id, &helper_id, &skill.id).await? {
            return Err(WebError::BadRequest(format!(
                "helper: this student has not offered help on “{}” or has not mastered it",
                skill.name
            )));
        }
        let skill_id = SkillId::new(skill.id.clone());
        state
            .store
            .pair_helper(
                &class.id,
                &student_id,
                &helper_id,
                &skill_id,
                &current.user.id,
                state.now(),
            )
            .await?;
        let name = |id: &UserId| {
            let state = state.clone();
            let id = id.clone();
            async move {
                Ok::<_, WebError>(
                    state
                        .store
                        .user(&id)
                        .await?
                        .map_or_else(String::new, |u| u.display_name),
                )
            }
        };
        let (student_name, helper_name) = (name(&student_id).await?, name(&helper_id).await?);
        crate::audit::access(
            &state,
            &current,
            ownpace_storage::AuditAction::HelpPaired,
            &[&student_id, &helper_id],
            Some(&skill.name),
        )
        .await?;
        let link = format!("/together/{}", class.id);
        let now = state.now();
        state
            .store
            .notify(
                &student_id,
                &student_id,
                "help_paired",
                &format!(
                    "Your teacher asked {helper_name} to help you with “{}”",
                    skill.name
                ),
                &link,
                now,
            )
            .await?;
        state
            .store
            .notify(
                &helper_id,
                &helper_id,
                "help_paired",
                &format!(
                    "Your teacher asked you to help {student_name} with “{}”",
                    skill.name
                ),
                &link,
                now,
            )
            .await?;
        Ok(Flash::success(format!(
            "{helper_name} will help {student_name} with “{}”; both got a notice",
            skill.name
        )))
    }
    .await;
    flash::finish(&state, &current, &location, result, "pair", []).await
}
