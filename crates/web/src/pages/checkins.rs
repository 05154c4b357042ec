//! Check-ins (issue 9, point 2). The student answers three short prompts (what went well,
//! what was hard, what next) with their data beside them; the teacher opens an agenda
//! built from the same data and the answers, writes notes (each shared with the guardian
//! or not) and agreed actions, and turns each action into a goal, a pin or an assignment in
//! one click. The class's rhythm decides who is due. Held check-ins are history, listed
//! newest first. Free text is length-limited in storage, escaped by the templates, and
//! never logged.

use crate::auth::guard::{Student, TeacherOfClass};
use crate::checkins::{self as shared, CheckinData, CheckinView, DueRow};
use crate::flash::{self, Flash};
use crate::layout::Layout;
use crate::routing::{Access, Route, STUDENT, Subject, TEACHER, get, post};
use crate::views;
use crate::{AppState, WebError};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Response};
use ownpace_core::ids::{ClassId, SkillId, UserId};
use ownpace_storage::{
    ActionKind, AuditAction, CheckinAction, CheckinPrep, Class, CourseVersion, NewAction,
    NewCheckin, NewGoal, NewOverride, OverrideAction, OverrideScope, User,
};
use serde::Deserialize;

/// Check-ins shown in a history.
const HISTORY: i64 = 50;
/// Notes and actions the teacher's form offers.
const FORM_ROWS: usize = 3;

pub(crate) fn routes() -> Vec<Route> {
    let student = Access::Roles(STUDENT, Subject::Class("class"));
    let teacher = Access::Roles(TEACHER, Subject::Class("class"));
    vec![
        get("/checkins/{class}", student, student_checkin),
        post("/checkins/{class}/prep", student, save_prep),
        get("/classes/{class}/checkins", teacher, class_checkins),
        post("/classes/{class}/checkins/rhythm", teacher, set_rhythm),
        get("/classes/{class}/checkins/{student}", teacher, agenda),
        post("/classes/{class}/checkins/{student}", teacher, hold),
        post(
            "/classes/{class}/checkins/{student}/actions/{action}",
            teacher,
            make_action,
        ),
    ]
}

async fn class_course(state: &AppState, class: &Class) -> Result<CourseVersion, WebError> {
    state
        .course(&class.course_id)
        .await?
        .ok_or(WebError::NotFound)
}

// ---------------------------------------------------------------------------------------
// The student's side

#[derive(Template, WebTemplate)]
#[template(path = "checkin_student.html")]
struct StudentPage {
    layout: Layout,
    flash: Flash,
    class_id: String,
    class_name: String,
    rhythm: String,
    next: String,
    prep: CheckinPrep,
    saved: String,
    data: CheckinData,
    history: Vec<CheckinView>,
    /// Where the action buttons post (empty: no buttons, the student's page).
    actions_href: String,
    max_prep: usize,
}

/// The class in the path, which the guard proved the student is in.
async fn student_class(state: &AppState, class_id: &str) -> Result<Class, WebError> {
    state
        .store
        .class(&ClassId::new(class_id))
        .await?
        .ok_or(WebError::NotFound)
}

pub async fn student_checkin(
    State(state): State<AppState>,
    Student(current): Student,
    Path(class_id): Path<String>,
) -> Result<Response, WebError> {
    let class = student_class(&state, &class_id).await?;
    let course = class_course(&state, &class).await?;
    let me = &current.user.id;
    let page = format!("/checkins/{}", class.id);
    let flash = flash::take(&state, &current, &page).await?;
    let (rhythm, rows) = shared::class_due(&state, &class).await?;
    let now = state.now();
    let mine = rows.iter().find(|r| &r.student_id == me);
    let next = match (rhythm.as_ref(), mine.and_then(|r| r.due_since)) {
        (None, _) => "Your teacher has not set a rhythm for check-ins in this class".to_string(),
        (Some(_), Some(_)) => "Your next check-in is due now: prepare it below".to_string(),
        (Some(r), None) => format!(
            "Your last check-in was {}; the next comes {}",
            mine.map_or_else(|| "never".to_string(), |m| m.last_words(now)),
            ownpace_core::checkins::rhythm_words(r.every_days)
        ),
    };
    let prep = state
        .store
        .checkin_prep(me, &class.id)
        .await?
        .unwrap_or_default();
    let held = state
        .store
        .checkins_of_student(me, Some(&class.id), HISTORY)
        .await?;
    Ok(StudentPage {
        layout: Layout::new("My check-ins", Some(&current), "/learn")
            .with_crumbs([("/learn", "My learning")]),
        flash,
        class_id: class.id.to_string(),
        class_name: class.name.clone(),
        rhythm: shared::rhythm_words(rhythm.as_ref()),
        next,
        saved: if prep.saved_at > 0 {
            format!("Saved {}", views::ago(now, prep.saved_at))
        } else {
            String::new()
        },
        prep,
        data: shared::data(&state, me, &course).await?,
        history: shared::history(&state, held, false).await?,
        actions_href: String::new(),
        max_prep: ownpace_storage::MAX_PREP_CHARS,
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct PrepForm {
    #[serde(default)]
    went_well: String,
    #[serde(default)]
    was_hard: String,
    #[serde(default)]
    next_step: String,
}

pub async fn save_prep(
    State(state): State<AppState>,
    Student(current): Student,
    Path(class_id): Path<String>,
    Form(form): Form<PrepForm>,
) -> Result<Response, WebError> {
    let class = student_class(&state, &class_id).await?;
    let result = async {
        state
            .store
            .save_checkin_prep(
                &current.user.id,
                &class.id,
                &CheckinPrep {
                    went_well: form.went_well.clone(),
                    was_hard: form.was_hard.clone(),
                    next_step: form.next_step.clone(),
                    saved_at: 0,
                },
                state.now(),
            )
            .await?;
        Ok(Flash::success(
            "Saved: your teacher sees your answers at your next check-in",
        ))
    }
    .await;
    flash::finish(
        &state,
        &current,
        &format!("/checkins/{}#prepare", class.id),
        result,
        "prep",
        [
            ("went_well", form.went_well.as_str()),
            ("was_hard", form.was_hard.as_str()),
            ("next_step", form.next_step.as_str()),
        ],
    )
    .await
}

// ---------------------------------------------------------------------------------------
// The teacher's side

#[derive(Template, WebTemplate)]
#[template(path = "checkins_class.html")]
struct ClassPage {
    layout: Layout,
    flash: Flash,
    class_id: String,
    rhythm: String,
    /// The rhythm's days as typed in the form (empty: none).
    every_days: String,
    /// (student id, name, last check-in, due in words or empty)
    rows: Vec<(String, String, String, String)>,
    due_count: usize,
}

fn due_words(row: &DueRow, now: i64) -> String {
    row.due_since
        .map(|since| format!("due since {}", views::date(since, now)))
        .unwrap_or_default()
}

pub async fn class_checkins(
    State(state): State<AppState>,
    TeacherOfClass {
        teacher: current,
        class,
    }: TeacherOfClass,
) -> Result<Response, WebError> {
    let page = format!("/classes/{}/checkins", class.id);
    let flash = flash::take(&state, &current, &page).await?;
    let (rhythm, rows) = shared::class_due(&state, &class).await?;
    let now = state.now();
    let ids: Vec<&UserId> = rows.iter().map(|r| &r.student_id).collect();
    state
        .store
        .audit_many(&current.user.id, "viewed the check-ins due", &ids, now)
        .await?;
    let class_href = format!("/classes/{}", class.id);
    Ok(ClassPage {
        layout: Layout::new(
            format!("Check-ins: {}", class.name),
            Some(&current),
            "/classes",
        )
        .with_crumbs([
            ("/classes", "My classes"),
            (class_href.as_str(), class.name.as_str()),
        ]),
        flash,
        class_id: class.id.to_string(),
        rhythm: shared::rhythm_words(rhythm.as_ref()),
        every_days: rhythm
            .as_ref()
            .map_or_else(String::new, |r| r.every_days.to_string()),
        due_count: rows.iter().filter(|r| r.due_since.is_some()).count(),
        rows: rows
            .iter()
            .map(|r| {
                (
                    r.student_id.to_string(),
                    r.name.clone(),
                    r.last_words(now),
                    due_words(r, now),
                )
            })
            .collect(),
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct RhythmForm {
    /// Days between check-ins; empty or 0 turns them off.
    #[serde(default)]
    every_days: String,
}

pub async fn set_rhythm(
    State(state): State<AppState>,
    TeacherOfClass {
        teacher: current,
        class,
    }: TeacherOfClass,
    Form(form): Form<RhythmForm>,
) -> Result<Response, WebError> {
    let result = async {
        let days = match form.every_days.trim() {
            "" | "0" => None,
            text => Some(text.parse::<i64>().map_err(|_| {
                WebError::BadRequest("rhythm: the number of days between check-ins".into())
            })?),
        };
        state
            .store
            .set_checkin_rhythm(&class.id, days, &current.user.id, state.now())
            .await?;
        Ok(Flash::success(match days {
            Some(d) => format!(
                "Check-ins in {} come {}",
                class.name,
                ownpace_core::checkins::rhythm_words(d)
            ),
            None => format!("No check-in rhythm in {} any more", class.name),
        }))
    }
    .await;
    flash::finish(
        &state,
        &current,
        &format!("/classes/{}/checkins", class.id),
        result,
        "rhythm",
        [("every_days", form.every_days.as_str())],
    )
    .await
}

/// The student in the path, who must be in the teacher's class now (else 404).
async fn student_in_class(
    state: &AppState,
    class: &Class,
    student_id: &str,
) -> Result<User, WebError> {
    let id = UserId::new(student_id);
    if !state.store.is_enrolled(&id, &class.id).await? {
        return Err(WebError::NotFound);
    }
    state.store.user(&id).await?.ok_or(WebError::NotFound)
}

#[derive(Template, WebTemplate)]
#[template(path = "checkin_agenda.html")]
struct AgendaPage {
    layout: Layout,
    flash: Flash,
    class_id: String,
    student_id: String,
    name: String,
    due: String,
    prep: CheckinPrep,
    data: CheckinData,
    history: Vec<CheckinView>,
    actions_href: String,
    skills: Vec<(String, String)>,
    rows: Vec<usize>,
    today: String,
    max_note: usize,
    max_action: usize,
}

pub async fn agenda(
    State(state): State<AppState>,
    TeacherOfClass {
        teacher: current,
        class,
    }: TeacherOfClass,
    Path((_, student_id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let student = student_in_class(&state, &class, &student_id).await?;
    let course = class_course(&state, &class).await?;
    let page = format!("/classes/{}/checkins/{}", class.id, student.id);
    let flash = flash::take(&state, &current, &page).await?;
    let now = state.now();
    let (_, rows) = shared::class_due(&state, &class).await?;
    let due = rows
        .iter()
        .find(|r| r.student_id == student.id)
        .map(|r| {
            let due = due_words(r, now);
            format!(
                "Last check-in: {}{}",
                r.last_words(now),
                if due.is_empty() {
                    String::new()
                } else {
                    format!("; {due}")
                }
            )
        })
        .unwrap_or_default();
    let prep = state
        .store
        .checkin_prep(&student.id, &class.id)
        .await?
        .unwrap_or_default();
    let held = state
        .store
        .checkins_of_student(&student.id, Some(&class.id), HISTORY)
        .await?;
    state
        .store
        .audit(
            &current.user.id,
            "opened a check-in agenda",
            Some(&student.id),
            now,
        )
        .await?;
    let list = format!("/classes/{}/checkins", class.id);
    Ok(AgendaPage {
        layout: Layout::new(
            format!("Check-in with {}", student.display_name),
            Some(&current),
            "/classes",
        )
        .with_crumbs([("/classes", "My classes"), (list.as_str(), "Check-ins")]),
        flash,
        class_id: class.id.to_string(),
        student_id: student.id.to_string(),
        name: student.display_name.clone(),
        due,
        prep,
        data: shared::data(&state, &student.id, &course).await?,
        history: shared::history(&state, held, false).await?,
        actions_href: format!("{page}/actions"),
        skills: course
            .course
            .skills
            .iter()
            .map(|s| (s.id.clone(), s.name.clone()))
            .collect(),
        rows: (1..=FORM_ROWS).collect(),
        today: views::date_input(now),
        max_note: ownpace_storage::MAX_NOTE_CHARS,
        max_action: ownpace_storage::MAX_ACTION_CHARS,
    }
    .into_response())
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// The actions of the hold form, checked against the class's course: a goal needs a skill
/// and a day from today on, a pin a skill. A typed day is a day of the school's `zone`
/// (the action's time is the end of that day there).
fn actions_from(
    fields: &[(String, String)],
    course: &CourseVersion,
    now: i64,
    zone: &ownpace_core::screen_time::SchoolZone,
) -> Result<Vec<NewAction>, WebError> {
    let mut actions = Vec::new();
    for i in 1..=ownpace_storage::MAX_CHECKIN_ENTRIES {
        let text = field(fields, &format!("action{i}")).trim();
        if text.is_empty() {
            continue;
        }
        let kind = ActionKind::parse(field(fields, &format!("kind{i}"))).ok_or_else(|| {
            WebError::BadRequest("actions: choose a goal, a pin or an assignment".into())
        })?;
        let skill = match field(fields, &format!("skill{i}")).trim() {
            "" => None,
            id => Some(
                course
                    .course
                    .skill(id)
                    .map(|s| SkillId::new(s.id.as_str()))
                    .ok_or_else(|| {
                        WebError::BadRequest("actions: choose a skill of this course".into())
                    })?,
            ),
        };
        let due_at = match field(fields, &format!("due{i}")).trim() {
            "" => None,
            day => Some(
                ownpace_core::assignments::school_day(zone, day)
                    .map(|(_, next)| next - 1)
                    .ok_or_else(|| WebError::BadRequest("actions: a date is YYYY-MM-DD".into()))?,
            ),
        };
        if matches!(kind, ActionKind::Goal | ActionKind::Pin) && skill.is_none() {
            return Err(WebError::BadRequest(format!(
                "actions: a {} needs a skill ({text})",
                kind.as_str()
            )));
        }
        if kind == ActionKind::Goal && due_at.is_none_or(|d| d < now) {
            return Err(WebError::BadRequest(format!(
                "actions: a goal needs a target day from today on ({text})"
            )));
        }
        actions.push(NewAction {
            text: text.to_string(),
            kind,
            skill_id: skill,
            due_at,
        });
    }
    Ok(actions)
}

/// The teacher records the check-in: notes (each shared or not) and agreed actions. The
/// student, and for a shared note their guardians, get a notice.
pub async fn hold(
    State(state): State<AppState>,
    TeacherOfClass {
        teacher: current,
        class,
    }: TeacherOfClass,
    Path((_, student_id)): Path<(String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let student = student_in_class(&state, &class, &student_id).await?;
    let course = class_course(&state, &class).await?;
    let now = state.now();
    let result = async {
        let notes: Vec<(String, bool)> = (1..=ownpace_storage::MAX_CHECKIN_ENTRIES)
            .map(|i| {
                (
                    field(&fields, &format!("note{i}")).to_string(),
                    !field(&fields, &format!("shared{i}")).is_empty(),
                )
            })
            .filter(|(t, _)| !t.trim().is_empty())
            .collect();
        let actions = actions_from(&fields, &course, now, &state.config.timezone)?;
        let held = state
            .store
            .hold_checkin(NewCheckin {
                student_id: &student.id,
                class_id: &class.id,
                teacher_id: &current.user.id,
                at: now,
                notes: &notes,
                actions: &actions,
            })
            .await?;
        state
            .store
            .audit(&current.user.id, "held a check-in", Some(&student.id), now)
            .await?;
        if held.has_shared_note() {
            super::notices::checkin_shared(
                &state,
                &student.id,
                &student.display_name,
                &current.user.display_name,
                &format!("/checkins/{}", class.id),
            )
            .await?;
        }
        Ok(Flash::success(format!(
            "Check-in with {} recorded: {} notes ({} shared with the family), {} actions",
            student.display_name,
            held.notes.len(),
            held.notes.iter().filter(|n| n.shared).count(),
            held.actions.len()
        )))
    }
    .await;
    let kept: Vec<(&str, &str)> = fields
        .iter()
        .filter(|(k, _)| k != "_csrf")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    flash::finish(
        &state,
        &current,
        &format!("/classes/{}/checkins/{}#hold", class.id, student.id),
        result,
        "hold",
        kept,
    )
    .await
}

/// An action of kind `assignment` becomes an assignment of its skill for this one
/// student, from today to the action's day (whole school days in the `timezone` setting),
/// with its notice and access-log row; returns the assignment's id.
pub(crate) async fn action_to_assignment(
    state: &AppState,
    teacher: &UserId,
    student: &User,
    class: &Class,
    action: &CheckinAction,
) -> Result<String, WebError> {
    use ownpace_core::assignments::{TargetKind, school_date, school_day};
    let course = class_course(state, class).await?;
    let skill = action
        .skill_id
        .as_ref()
        .and_then(|s| course.course.skill(s.as_str()))
        .ok_or_else(|| {
            WebError::BadRequest("skill: an assignment needs a skill of this course".into())
        })?;
    let zone = &state.config.timezone;
    let now = state.now();
    let whole_day = |ms: i64| school_day(zone, &school_date(zone, ms));
    let (starts_at, _) = whole_day(now)
        .ok_or_else(|| WebError::Internal("today is not a day in the school's zone".into()))?;
    let due_at = match action.due_at.and_then(whole_day) {
        Some((_, after)) => after - 1,
        None => {
            return Err(WebError::BadRequest(
                "due: an assignment needs a due day; write the action again with one".into(),
            ));
        }
    };
    if due_at < starts_at {
        return Err(WebError::BadRequest(
            "due: that day has passed; make the assignment on the class's assignments page".into(),
        ));
    }
    let made = super::assignments::create_and_notify(
        state,
        teacher,
        class,
        &course,
        TargetKind::Skill,
        &skill.id,
        ownpace_storage::AssignTo::Students(vec![student.id.clone()]),
        starts_at,
        due_at,
    )
    .await?;
    Ok(made.id)
}

/// One click: an agreed action becomes a goal (agreed, since the teacher sets it), a pin
/// for the student, or an assignment; what it became is recorded on the action.
pub async fn make_action(
    State(state): State<AppState>,
    TeacherOfClass {
        teacher: current,
        class,
    }: TeacherOfClass,
    Path((_, student_id, action_id)): Path<(String, String, String)>,
) -> Result<Response, WebError> {
    let student = student_in_class(&state, &class, &student_id).await?;
    let location = format!("/classes/{}/checkins/{}#history", class.id, student.id);
    let Some(action) = state
        .store
        .checkin_action(&student.id, &class.id, &action_id)
        .await?
    else {
        let gone = Flash::error("That action is not one of this student's check-ins here");
        return flash::redirect(&state, &current, &location, gone).await;
    };
    if action.made_at.is_some() {
        let done = Flash::success(format!("Already made: {}", action.text));
        return flash::redirect(&state, &current, &location, done).await;
    }
    let now = state.now();
    let result = async {
        let course = class_course(&state, &class).await?;
        let skill = || {
            action
                .skill_id
                .as_ref()
                .and_then(|s| course.course.skill(s.as_str()))
                .ok_or_else(|| {
                    WebError::BadRequest("skill: that skill is no longer in the course".into())
                })
        };
        let (made_id, words) = match action.kind {
            ActionKind::Goal => {
                let skill = skill()?;
                let target_at = action.due_at.unwrap_or(0);
                if target_at < now {
                    return Err(WebError::BadRequest(
                        "target date: that day has passed; set the goal on the student's record"
                            .into(),
                    ));
                }
                let title: String = action.text.chars().take(80).collect();
                let goal = state
                    .store
                    .create_goal(NewGoal {
                        student_id: &student.id,
                        course_id: &course.course.id,
                        title: &title,
                        skills: std::slice::from_ref(&skill.id),
                        project_id: None,
                        target_at,
                        created_by: &current.user.id,
                        created_at: now,
                    })
                    .await?;
                crate::audit::access(
                    &state,
                    &current,
                    AuditAction::GoalSet,
                    &[&student.id],
                    Some(&title),
                )
                .await?;
                (
                    goal.id.to_string(),
                    format!(
                        "Goal set with {}: {title}, by {}",
                        student.display_name,
                        views::date(target_at, now)
                    ),
                )
            }
            ActionKind::Pin => {
                let skill = skill()?;
                let activity = format!("skill:{}", skill.id);
                state
                    .store
                    .add_override(NewOverride {
                        course_id: &course.course.id,
                        scope: OverrideScope::Student(&student.id),
                        activity: &activity,
                        action: OverrideAction::Pin,
                        created_by: &current.user.id,
                        at: now,
                    })
                    .await?;
                let id = state
                    .store
                    .overrides_for_student(&student.id, &course.course.id)
                    .await?
                    .into_iter()
                    .find(|o| o.student_id.as_ref() == Some(&student.id) && o.activity == activity)
                    .map(|o| o.id.to_string())
                    .unwrap_or_default();
                crate::audit::access(
                    &state,
                    &current,
                    AuditAction::Pinned,
                    &[&student.id],
                    Some(&skill.name),
                )
                .await?;
                (
                    id,
                    format!("Pinned first for {}: {}", student.display_name, skill.name),
                )
            }
            ActionKind::Assignment => {
                let id = action_to_assignment(&state, &current.user.id, &student, &class, &action)
                    .await?;
                (
                    id,
                    format!(
                        "Assignment made for {}: {}",
                        student.display_name, action.text
                    ),
                )
            }
        };
        state
            .store
            .mark_action_made(&action.id, &made_id, now)
            .await?;
        Ok(Flash::success(words))
    }
    .await;
    flash::finish(&state, &current, &location, result, "action", []).await
}
