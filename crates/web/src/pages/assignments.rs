//! The teacher's assignments page for a class (issue 9, point 4): assign a skill, lesson
//! or project of the class's course to the whole class, a group of its students or one
//! student, with a start and a due day (the school's time zone); change the days or
//! withdraw it (each change is recorded); mark a project done; and the overview of who
//! has finished what.

use crate::assignments::{Facts, facts, target_title};
use crate::auth::guard::TeacherOfClass;
use crate::flash::{self, Flash};
use crate::layout::Layout;
use crate::routing::{Access, Route, Subject, TEACHER, get, post};
use crate::views::ago;
use crate::{AppState, WebError};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawForm, State};
use axum::response::{IntoResponse, Response};
use ownpace_core::assignments::{self, Status, TargetKind};
use ownpace_core::ids::UserId;
use ownpace_storage::{AssignTo, Assignment, Class, CourseVersion, NewAssignment, User};
use std::collections::HashMap;

pub(crate) fn routes() -> Vec<Route> {
    let of_class = Access::Roles(TEACHER, Subject::Class("class"));
    vec![
        get("/classes/{class}/assignments", of_class, class_assignments),
        post("/classes/{class}/assignments", of_class, create),
        post(
            "/classes/{class}/assignments/{assignment}/change",
            of_class,
            change,
        ),
        post(
            "/classes/{class}/assignments/{assignment}/withdraw",
            of_class,
            withdraw,
        ),
        post(
            "/classes/{class}/assignments/{assignment}/done",
            of_class,
            mark_done,
        ),
    ]
}

/// The longest form body read (a class's worth of student checkboxes).
const MAX_FORM_FIELDS: usize = 1_000;

/// One cell of the overview.
pub struct Cell {
    pub status: &'static str,
    pub words: &'static str,
    /// A project not done yet: the teacher can mark it done here.
    pub can_mark: bool,
    /// Not for this student: an empty cell.
    pub assigned: bool,
}

pub struct Row {
    pub student_id: String,
    pub name: String,
    pub cells: Vec<Cell>,
}

pub struct AssignmentCard {
    pub id: String,
    pub kind: &'static str,
    pub title: String,
    pub who: String,
    pub starts: String,
    pub due: String,
    pub start_input: String,
    pub due_input: String,
    /// (what, who, when) oldest first.
    pub history: Vec<String>,
    /// "3 of 12 done".
    pub done: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "class_assignments.html")]
struct ClassAssignmentsPage {
    layout: Layout,
    class_id: String,
    class_name: String,
    course_title: String,
    cards: Vec<AssignmentCard>,
    rows: Vec<Row>,
    /// (value `kind:id`, label) per group.
    skills: Vec<(String, String)>,
    lessons: Vec<(String, String)>,
    projects: Vec<(String, String)>,
    students: Vec<(String, String)>,
    today: String,
    flash: Flash,
}

async fn course_of(state: &AppState, class: &Class) -> Result<CourseVersion, WebError> {
    state
        .course(&class.course_id)
        .await?
        .ok_or(WebError::NotFound)
}

/// Whether `student` is one of those an assignment is for, among the class's students.
fn is_for(assignment: &Assignment, student: &UserId) -> bool {
    assignment.whole_class || assignment.students.contains(student)
}

/// Per student and assignment: the status, for the class's current students.
pub(crate) async fn class_statuses(
    state: &AppState,
    class: &Class,
    course: &CourseVersion,
) -> Result<(Vec<User>, Vec<Assignment>, HashMap<UserId, Facts>), WebError> {
    let students = state.store.class_students(&class.id).await?;
    let list = state.store.class_assignments(&class.id).await?;
    let mut all = HashMap::new();
    for student in &students {
        all.insert(student.id.clone(), facts(state, &student.id, course).await?);
    }
    Ok((students, list, all))
}

pub async fn class_assignments(
    State(state): State<AppState>,
    TeacherOfClass {
        teacher: current,
        class,
    }: TeacherOfClass,
) -> Result<Response, WebError> {
    let course = course_of(&state, &class).await?;
    let now = state.now();
    let zone = &state.config.timezone;
    let (students, list, facts) = class_statuses(&state, &class, &course).await?;
    let names: HashMap<UserId, String> = students
        .iter()
        .map(|s| (s.id.clone(), s.display_name.clone()))
        .collect();
    let mut people: HashMap<UserId, String> = names.clone();
    let mut cards = Vec::new();
    for a in &list {
        let mut history = Vec::new();
        for change in state.store.assignment_history(&a.id).await? {
            if !people.contains_key(&change.changed_by) {
                let name = state
                    .store
                    .user(&change.changed_by)
                    .await?
                    .map_or_else(|| "someone".to_string(), |u| u.display_name);
                people.insert(change.changed_by.clone(), name);
            }
            let by = people.get(&change.changed_by).cloned().unwrap_or_default();
            let what = match change.kind.as_str() {
                "created" => format!(
                    "assigned, due {}",
                    assignments::school_date(zone, change.due_at)
                ),
                "changed" => format!(
                    "changed: from {} to {}",
                    assignments::school_date(zone, change.starts_at),
                    assignments::school_date(zone, change.due_at)
                ),
                "done" => format!(
                    "marked done for {}",
                    change
                        .student
                        .as_ref()
                        .and_then(|s| names.get(s))
                        .cloned()
                        .unwrap_or_else(|| "a student".to_string())
                ),
                other => other.to_string(),
            };
            history.push(format!("{what} by {by}, {}", ago(now, change.changed_at)));
        }
        let assigned: Vec<&User> = students.iter().filter(|s| is_for(a, &s.id)).collect();
        let done = assigned
            .iter()
            .filter(|s| {
                facts
                    .get(&s.id)
                    .is_some_and(|f| f.status(a, now) == Status::Done)
            })
            .count();
        let who = if a.whole_class {
            "the whole class".to_string()
        } else {
            let list: Vec<String> = a
                .students
                .iter()
                .map(|s| {
                    names
                        .get(s)
                        .cloned()
                        .unwrap_or_else(|| "a former student".into())
                })
                .collect();
            list.join(", ")
        };
        cards.push(AssignmentCard {
            id: a.id.clone(),
            kind: a.kind.as_str(),
            title: target_title(&course, a),
            who,
            starts: assignments::school_date(zone, a.starts_at),
            due: assignments::due_words(zone, a.due_at, now),
            start_input: assignments::school_date(zone, a.starts_at),
            due_input: assignments::school_date(zone, a.due_at),
            history,
            done: format!("{done} of {} done", assigned.len()),
        });
    }
    let rows = students
        .iter()
        .map(|s| Row {
            student_id: s.id.to_string(),
            name: s.display_name.clone(),
            cells: list
                .iter()
                .map(|a| {
                    if !is_for(a, &s.id) {
                        return Cell {
                            status: "",
                            words: "",
                            can_mark: false,
                            assigned: false,
                        };
                    }
                    let status = facts.get(&s.id).map_or(Status::ToDo, |f| f.status(a, now));
                    Cell {
                        status: status.as_str(),
                        words: status.words(),
                        can_mark: a.kind == TargetKind::Project && status != Status::Done,
                        assigned: true,
                    }
                })
                .collect(),
        })
        .collect();
    let ids: Vec<&UserId> = students.iter().map(|s| &s.id).collect();
    state
        .store
        .audit_many(
            &current.user.id,
            "viewed the class's assignments",
            &ids,
            now,
        )
        .await?;
    let flash = flash::take(
        &state,
        &current,
        &format!("/classes/{}/assignments", class.id),
    )
    .await?;
    let c = &course.course;
    Ok(ClassAssignmentsPage {
        layout: Layout::new(
            format!("Assignments: {}", class.name),
            Some(&current),
            "/classes",
        ),
        class_id: class.id.to_string(),
        class_name: class.name.clone(),
        course_title: c.title.clone(),
        cards,
        rows,
        skills: c
            .skills
            .iter()
            .map(|s| (format!("skill:{}", s.id), s.name.clone()))
            .collect(),
        lessons: c
            .lessons
            .iter()
            .map(|l| (format!("lesson:{}", l.id), l.title.clone()))
            .collect(),
        projects: c
            .projects
            .iter()
            .map(|p| (format!("project:{}", p.id), p.title.clone()))
            .collect(),
        students: students
            .iter()
            .map(|s| (s.id.to_string(), s.display_name.clone()))
            .collect(),
        today: assignments::school_date(zone, now),
        flash,
    }
    .into_response())
}

fn fields(body: &[u8]) -> Result<Vec<(String, String)>, WebError> {
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
        .map_err(|_| WebError::BadRequest("the form could not be read".into()))?;
    if fields.len() > MAX_FORM_FIELDS {
        return Err(WebError::BadRequest("the form has too many fields".into()));
    }
    Ok(fields)
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// Start and due days typed in the form, as the start of the start day and the last
/// millisecond of the due day in the school's time zone.
fn days(state: &AppState, start: &str, due: &str) -> Result<(i64, i64), WebError> {
    let zone = &state.config.timezone;
    let (starts_at, _) = assignments::school_day(zone, start)
        .ok_or_else(|| WebError::BadRequest("start: choose a day (YYYY-MM-DD)".into()))?;
    let (_, after_due) = assignments::school_day(zone, due)
        .ok_or_else(|| WebError::BadRequest("due: choose a day (YYYY-MM-DD)".into()))?;
    let due_at = after_due - 1;
    if due_at < starts_at {
        return Err(WebError::BadRequest(
            "due: the due day is the start day or later".into(),
        ));
    }
    Ok((starts_at, due_at))
}

/// Reads `kind:id` and checks the target is in the course.
fn target(course: &CourseVersion, text: &str) -> Result<(TargetKind, String), WebError> {
    let bad = || WebError::BadRequest("target: choose a skill, lesson or project".into());
    let (kind, id) = text.split_once(':').ok_or_else(bad)?;
    let kind = TargetKind::parse(kind).ok_or_else(bad)?;
    let c = &course.course;
    let exists = match kind {
        TargetKind::Skill => c.skill(id).is_some(),
        TargetKind::Lesson => c.lesson(id).is_some(),
        TargetKind::Project => c.project(id).is_some(),
    };
    if !exists {
        return Err(bad());
    }
    Ok((kind, id.to_string()))
}

pub async fn create(
    State(state): State<AppState>,
    TeacherOfClass {
        teacher: current,
        class,
    }: TeacherOfClass,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let location = format!("/classes/{}/assignments", class.id);
    let form = fields(&body)?;
    let result = async {
        let course = course_of(&state, &class).await?;
        let (kind, target_id) = target(&course, field(&form, "target"))?;
        let (starts_at, due_at) = days(&state, field(&form, "start"), field(&form, "due"))?;
        let students = state.store.class_students(&class.id).await?;
        let to = match field(&form, "to") {
            "class" => AssignTo::WholeClass,
            "students" => {
                let mut chosen = Vec::new();
                for (_, id) in form.iter().filter(|(k, _)| k == "student") {
                    let found = students
                        .iter()
                        .find(|s| s.id.as_str() == id)
                        .ok_or_else(|| {
                            WebError::BadRequest("students: choose students of this class".into())
                        })?;
                    chosen.push(found.id.clone());
                }
                if chosen.is_empty() {
                    return Err(WebError::BadRequest(
                        "students: choose at least one student, or the whole class".into(),
                    ));
                }
                AssignTo::Students(chosen)
            }
            _ => {
                return Err(WebError::BadRequest(
                    "to: choose the whole class or some students".into(),
                ));
            }
        };
        let created = create_and_notify(
            &state,
            &current.user.id,
            &class,
            &course,
            kind,
            &target_id,
            to,
            starts_at,
            due_at,
        )
        .await?;
        Ok(Flash::success(format!(
            "Assigned “{}”, {}",
            target_title(&course, &created),
            assignments::due_words(&state.config.timezone, due_at, state.now())
        )))
    }
    .await;
    flash::finish(
        &state,
        &current,
        &location,
        result,
        "assign",
        [
            ("target", field(&form, "target")),
            ("start", field(&form, "start")),
            ("due", field(&form, "due")),
        ],
    )
    .await
}

/// Records an assignment, tells each student it is for and their guardians (in-app
/// notices) and writes the access log. Also what a check-in's "action → assignment" calls.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn create_and_notify(
    state: &AppState,
    teacher: &UserId,
    class: &Class,
    course: &CourseVersion,
    kind: TargetKind,
    target_id: &str,
    to: AssignTo,
    starts_at: i64,
    due_at: i64,
) -> Result<Assignment, WebError> {
    let now = state.now();
    let created = state
        .store
        .create_assignment(NewAssignment {
            class_id: &class.id,
            course_id: &course.course.id,
            kind,
            target_id,
            to,
            starts_at,
            due_at,
            created_by: teacher,
            at: now,
        })
        .await?;
    let students: Vec<UserId> = if created.whole_class {
        state
            .store
            .class_students(&class.id)
            .await?
            .into_iter()
            .map(|s| s.id)
            .collect()
    } else {
        created.students.clone()
    };
    let text = format!(
        "New assignment: “{}”, {}",
        target_title(course, &created),
        assignments::due_words(&state.config.timezone, due_at, now)
    );
    let link = format!("/learn/{}#assignments", course.course.id);
    for student in &students {
        state
            .store
            .notify(student, student, "assignment_new", &text, &link, now)
            .await?;
        // Their guardians hear of it too (issue 9, point 8), with the child's name.
        let guardians = state.store.guardians_of(student).await?;
        if guardians.is_empty() {
            continue;
        }
        let name = state
            .store
            .user(student)
            .await?
            .map(|u| u.display_name)
            .unwrap_or_default();
        for guardian in guardians {
            state
                .store
                .notify(
                    &guardian.id,
                    student,
                    "assignment_new",
                    &format!("{name}: {text}"),
                    &format!("/family/{student}"),
                    now,
                )
                .await?;
        }
    }
    let ids: Vec<&UserId> = students.iter().collect();
    state
        .store
        .audit_many(teacher, "gave an assignment", &ids, now)
        .await?;
    Ok(created)
}

pub async fn change(
    State(state): State<AppState>,
    TeacherOfClass {
        teacher: current,
        class,
    }: TeacherOfClass,
    Path((_, assignment)): Path<(String, String)>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let location = format!("/classes/{}/assignments", class.id);
    let form = fields(&body)?;
    let result = async {
        let (starts_at, due_at) = days(&state, field(&form, "start"), field(&form, "due"))?;
        state
            .store
            .change_assignment(
                &class.id,
                &assignment,
                starts_at,
                due_at,
                &current.user.id,
                state.now(),
            )
            .await?;
        Ok(Flash::success(format!(
            "Changed: now {}",
            assignments::due_words(&state.config.timezone, due_at, state.now())
        )))
    }
    .await;
    let form_name = format!("change-{assignment}");
    flash::finish(
        &state,
        &current,
        &location,
        result,
        &form_name,
        [
            ("start", field(&form, "start")),
            ("due", field(&form, "due")),
        ],
    )
    .await
}

pub async fn withdraw(
    State(state): State<AppState>,
    TeacherOfClass {
        teacher: current,
        class,
    }: TeacherOfClass,
    Path((_, assignment)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let location = format!("/classes/{}/assignments", class.id);
    let result = state
        .store
        .withdraw_assignment(&class.id, &assignment, &current.user.id, state.now())
        .await
        .map(|()| Flash::success("Withdrawn: it left the students' lists and calendars"))
        .map_err(WebError::from);
    flash::finish(&state, &current, &location, result, "withdraw", []).await
}

pub async fn mark_done(
    State(state): State<AppState>,
    TeacherOfClass {
        teacher: current,
        class,
    }: TeacherOfClass,
    Path((_, assignment)): Path<(String, String)>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let location = format!("/classes/{}/assignments#overview", class.id);
    let form = fields(&body)?;
    let result = async {
        let found = state
            .store
            .assignment(&class.id, &assignment)
            .await?
            .filter(|a| a.withdrawn_at.is_none())
            .ok_or(WebError::NotFound)?;
        if found.kind != TargetKind::Project {
            return Err(WebError::BadRequest(
                "only a project is marked done by hand: skills and lessons are done when the student's work says so".into(),
            ));
        }
        let students = state.store.class_students(&class.id).await?;
        let student = students
            .iter()
            .find(|s| s.id.as_str() == field(&form, "student") && is_for(&found, &s.id))
            .ok_or_else(|| WebError::BadRequest("student: choose a student it is for".into()))?;
        state
            .store
            .mark_assignment_done(
                &class.id,
                &assignment,
                &student.id,
                &current.user.id,
                state.now(),
            )
            .await?;
        state
            .store
            .audit(
                &current.user.id,
                "marked a project done",
                Some(&student.id),
                state.now(),
            )
            .await?;
        Ok(Flash::success(format!(
            "Marked done for {}",
            student.display_name
        )))
    }
    .await;
    flash::finish(&state, &current, &location, result, "done", []).await
}
