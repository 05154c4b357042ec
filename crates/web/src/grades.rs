//! The standards-based gradebook (issue 9 point 5): a level per student and skill read off
//! the mastery state by `core::grades`, the teacher's overrides with their notes, the
//! evidence behind each level, the class's gradebook (page, CSV, API) and a printable
//! report card for the student, their teacher and their guardian.
//!
//! No one marks: the levels follow the answers. An override is an event, so `rebuild`
//! reproduces every grade. The evidence says how much and when, never what was typed.

use crate::auth::guard::{GuardianOf, Student, TeacherOfClass, TeacherOfStudent};
use crate::flash::{self, Flash};
use crate::layout::Layout;
use crate::routing::{Access, GUARDIAN, Route, STUDENT, Subject, TEACHER, get, post};
use crate::views::date;
use crate::{AppState, WebError};
use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Form, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use ownpace_core::grades::{self, Grade, Level, NOTE_MAX_CHARS};
use ownpace_core::ids::{CourseId, UserId};
use ownpace_storage::{
    AuditAction, Class, CourseVersion, MasteryRow, NewGradeOverride, OverridesBySkill,
    SkillEvidence, User,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use utoipa::{OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    paths(my_grades, class_grades_api),
    components(schemas(SkillGradeOut, EvidenceOut, StudentGradesOut))
)]
pub(crate) struct GradesApi;

pub(crate) fn routes() -> Vec<Route> {
    let of_class = Access::Roles(TEACHER, Subject::Class("class"));
    let of_student = Access::Roles(TEACHER, Subject::Student("student"));
    vec![
        get("/classes/{class}/grades", of_class, class_gradebook),
        get("/classes/{class}/grades.csv", of_class, class_gradebook_csv),
        get(
            "/students/{student}/grades",
            of_student,
            teacher_report_card,
        ),
        post(
            "/students/{student}/grades/override",
            of_student,
            override_level,
        ),
        get(
            "/family/{student}/grades",
            Access::Roles(GUARDIAN, Subject::Student("student")),
            guardian_report_card,
        ),
        get(
            "/grades",
            Access::Roles(STUDENT, Subject::None),
            own_report_card,
        ),
        get(
            "/api/v1/me/grades",
            Access::Roles(STUDENT, Subject::None),
            my_grades,
        ),
        get("/api/v1/classes/{class}/grades", of_class, class_grades_api),
    ]
}

/// One skill's grade as pages show it.
pub(crate) struct SkillGrade {
    pub skill_id: String,
    pub name: String,
    /// The standard codes the course file gives the skill.
    pub standards: Vec<String>,
    pub grade: Grade,
    pub evidence: SkillEvidence,
}

impl SkillGrade {
    pub fn level_number(&self) -> String {
        self.grade
            .level
            .map_or_else(|| "–".into(), |l| l.number().to_string())
    }

    pub fn level_word(&self) -> &'static str {
        self.grade.level.map_or("no evidence yet", Level::word)
    }

    pub fn level_css(&self) -> String {
        self.grade
            .level
            .map_or_else(|| "level-none".into(), |l| format!("level-{}", l.number()))
    }

    /// The override's note, when a teacher's level stands.
    pub fn note(&self) -> &str {
        self.grade
            .overridden
            .as_ref()
            .map_or("", |o| o.note.as_str())
    }

    /// "From the evidence: 2 · approaching", shown beside an override.
    pub fn derived_text(&self) -> String {
        match self.grade.derived {
            Some(l) => format!("{} · {}", l.number(), l.word()),
            None => "no evidence yet".into(),
        }
    }

    /// The evidence in short sentences.
    pub fn evidence_lines(&self, now: &i64) -> Vec<String> {
        evidence_lines(&self.evidence, *now)
    }
}

fn evidence_lines(e: &SkillEvidence, now: i64) -> Vec<String> {
    let mut lines = Vec::new();
    if e.answers > 0 {
        lines.push(format!(
            "{} of {} answers on screen right",
            e.correct, e.answers
        ));
    }
    if e.on_paper > 0 {
        lines.push(format!(
            "{} of {} answers on a practice sheet right (confirmed by a teacher)",
            e.on_paper_correct, e.on_paper
        ));
    }
    if e.assessed > 0 {
        lines.push(format!(
            "{} of {} teacher assessment(s) on a project rubric at or above “meets”",
            e.assessed_meets, e.assessed
        ));
    }
    if e.placement_questions > 0 {
        lines.push(format!(
            "{} question(s) in the placement check",
            e.placement_questions
        ));
    }
    if e.lessons > 0 {
        lines.push(format!("{} lesson(s) finished", e.lessons));
    }
    if e.first_at > 0 {
        lines.push(format!(
            "first worked on {}, last on {}",
            date(e.first_at, now),
            date(e.last_at, now)
        ));
    }
    if lines.is_empty() {
        lines.push("no activity on this skill yet".into());
    }
    lines
}

/// A standard's level from its skills.
pub(crate) struct StandardGrade {
    pub code: String,
    pub level: String,
    pub css: String,
}

/// One course of a report card.
pub(crate) struct CourseGrades {
    pub course_id: String,
    pub title: String,
    pub skills: Vec<SkillGrade>,
    pub standards: Vec<StandardGrade>,
}

/// One student's grades in one course: the levels from the mastery state and the
/// overrides, with the evidence.
pub(crate) fn course_grades(
    state: &AppState,
    course: &CourseVersion,
    mastery: &[MasteryRow],
    overrides: &OverridesBySkill,
    evidence: &HashMap<String, SkillEvidence>,
) -> CourseGrades {
    let statuses = crate::path::statuses(state, course, mastery);
    let rows: HashMap<&str, &MasteryRow> =
        mastery.iter().map(|r| (r.skill_id.as_str(), r)).collect();
    let skills: Vec<SkillGrade> = course
        .course
        .skills
        .iter()
        .map(|skill| {
            let view = statuses
                .get(&skill.id)
                .map(|s| s.view.clone())
                .unwrap_or_default();
            let progress = rows.get(skill.id.as_str()).map(|r| &r.progress);
            let derived = grades::derived_level(&view, progress);
            let grade = grades::grade(
                derived,
                overrides.get(&skill.id).map_or(&[][..], Vec::as_slice),
            );
            SkillGrade {
                skill_id: skill.id.clone(),
                name: skill.name.clone(),
                standards: skill.standards.clone(),
                grade,
                evidence: evidence.get(&skill.id).cloned().unwrap_or_default(),
            }
        })
        .collect();
    let mut by_standard: BTreeMap<&str, Vec<Option<Level>>> = BTreeMap::new();
    for (skill, grade) in course.course.skills.iter().zip(&skills) {
        for code in &skill.standards {
            by_standard
                .entry(code.as_str())
                .or_default()
                .push(grade.grade.level);
        }
    }
    let standards = by_standard
        .into_iter()
        .map(|(code, levels)| {
            let level = grades::standard_level(levels);
            StandardGrade {
                code: code.to_string(),
                level: level.map_or_else(
                    || "– · no evidence yet".into(),
                    |l| format!("{} · {}", l.number(), l.word()),
                ),
                css: level.map_or_else(|| "level-none".into(), |l| format!("level-{}", l.number())),
            }
        })
        .collect();
    CourseGrades {
        course_id: course.course.id.to_string(),
        title: course.course.title.clone(),
        skills,
        standards,
    }
}

/// Every course the student takes, graded.
async fn report_card(state: &AppState, student: &UserId) -> Result<Vec<CourseGrades>, WebError> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for class in state.store.classes_of_student(student).await? {
        if seen.contains(&class.course_id) {
            continue;
        }
        seen.push(class.course_id.clone());
        let Some(course) = state.course(&class.course_id).await? else {
            continue;
        };
        out.push(student_course_grades(state, student, &course).await?);
    }
    Ok(out)
}

pub(crate) async fn student_course_grades(
    state: &AppState,
    student: &UserId,
    course: &CourseVersion,
) -> Result<CourseGrades, WebError> {
    let id = &course.course.id;
    let mastery = state.store.student_mastery(student, id).await?;
    let overrides = state.store.grade_overrides(student, id).await?;
    let evidence = state.store.skill_evidence(student, id).await?;
    Ok(course_grades(
        state, course, &mastery, &overrides, &evidence,
    ))
}

#[derive(Template, WebTemplate)]
#[template(path = "report_card.html")]
struct ReportCardPage {
    layout: Layout,
    student: User,
    courses: Vec<CourseGrades>,
    /// The teacher's view: override forms beside each skill.
    can_override: bool,
    now: i64,
    today: String,
    levels: Vec<(u8, &'static str)>,
    note_max: usize,
    flash: Flash,
}

fn report_card_page(
    layout: Layout,
    student: User,
    courses: Vec<CourseGrades>,
    can_override: bool,
    state: &AppState,
) -> ReportCardPage {
    let now = state.now();
    ReportCardPage {
        layout,
        student,
        courses,
        can_override,
        now,
        today: state.config.timezone.date(now).to_string(),
        levels: Level::ALL.iter().map(|l| (l.number(), l.word())).collect(),
        note_max: NOTE_MAX_CHARS,
        flash: Flash::default(),
    }
}

pub async fn teacher_report_card(
    State(state): State<AppState>,
    guard: TeacherOfStudent,
) -> Result<Response, WebError> {
    let flash = flash::take(
        &state,
        &guard.teacher,
        &format!("/students/{}/grades", guard.student.id),
    )
    .await?;
    let courses = report_card(&state, &guard.student.id).await?;
    crate::audit::access(
        &state,
        &guard.teacher,
        AuditAction::RecordViewed,
        &[&guard.student.id],
        Some("grades"),
    )
    .await?;
    let title = format!("Report card: {}", guard.student.display_name);
    let layout = Layout::new(&title, Some(&guard.teacher), "/classes");
    let mut page = report_card_page(layout, guard.student, courses, true, &state);
    page.flash = flash;
    Ok(page.into_response())
}

pub async fn guardian_report_card(
    State(state): State<AppState>,
    guard: GuardianOf,
) -> Result<Response, WebError> {
    let courses = report_card(&state, &guard.student.id).await?;
    crate::audit::access(
        &state,
        &guard.guardian,
        AuditAction::FamilyProgressViewed,
        &[&guard.student.id],
        Some("grades"),
    )
    .await?;
    let title = format!("Report card: {}", guard.student.display_name);
    let layout = Layout::new(&title, Some(&guard.guardian), "/family");
    Ok(report_card_page(layout, guard.student, courses, false, &state).into_response())
}

pub async fn own_report_card(
    State(state): State<AppState>,
    Student(current): Student,
) -> Result<Response, WebError> {
    let courses = report_card(&state, &current.user.id).await?;
    let layout = Layout::new("My grades", Some(&current), "/grades");
    let student = current.user.clone();
    Ok(report_card_page(layout, student, courses, false, &state).into_response())
}

#[derive(Deserialize)]
pub struct OverrideForm {
    course: String,
    skill: String,
    /// "1" to "4", or "clear".
    level: String,
    #[serde(default)]
    note: String,
}

pub async fn override_level(
    State(state): State<AppState>,
    guard: TeacherOfStudent,
    Form(form): Form<OverrideForm>,
) -> Result<Response, WebError> {
    let course_id = CourseId::new(form.course.trim());
    let course = guard.course_in_body(&state, &course_id).await?;
    let Some(skill) = course.course.skill(form.skill.trim()) else {
        return Err(WebError::BadRequest(format!(
            "skill: `{}` is not a skill of {}",
            form.skill.chars().take(80).collect::<String>(),
            course.course.title
        )));
    };
    let level = match form.level.trim() {
        "clear" => None,
        n => Some(
            n.parse::<i64>()
                .ok()
                .and_then(Level::from_number)
                .ok_or_else(|| {
                    WebError::BadRequest("level: choose 1 to 4, or clear the override".into())
                })?,
        ),
    };
    let back = format!("/students/{}/grades#grade-{}", guard.student.id, skill.id);
    let result = async {
        state
            .store
            .record_grade_override(&NewGradeOverride {
                student_id: &guard.student.id,
                course_id: &course.course.id,
                course_version: course.version,
                skill: &skill.id,
                level,
                note: &form.note,
                by: &guard.teacher.user.id,
                at: state.now(),
            })
            .await?;
        crate::audit::access(
            &state,
            &guard.teacher,
            AuditAction::GradeSet,
            &[&guard.student.id],
            Some(&skill.name),
        )
        .await?;
        Ok(Flash::success(match level {
            Some(l) => format!("{}: level {} · {} set", skill.name, l.number(), l.word()),
            None => format!("{}: the level follows the evidence again", skill.name),
        }))
    }
    .await;
    let form_name = format!("grade-{}", skill.id);
    flash::finish(
        &state,
        &guard.teacher,
        &back,
        result,
        &form_name,
        [("level", form.level.as_str()), ("note", form.note.as_str())],
    )
    .await
}

/// One student's row of the class gradebook.
pub(crate) struct GradebookRow {
    pub student: User,
    pub skills: Vec<SkillGrade>,
}

/// The class's gradebook: every enrolled student, every skill of the class's course.
async fn gradebook(
    state: &AppState,
    class: &Class,
) -> Result<(CourseVersion, Vec<GradebookRow>), WebError> {
    let course = state
        .course(&class.course_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let students = state.store.class_students(&class.id).await?;
    let mut mastery: HashMap<String, Vec<MasteryRow>> = HashMap::new();
    for row in state.store.class_mastery(&class.id).await? {
        mastery
            .entry(row.student_id.to_string())
            .or_default()
            .push(row);
    }
    let overrides = state.store.class_grade_overrides(&class.id).await?;
    let evidence = state.store.class_skill_evidence(&class.id).await?;
    let none = HashMap::new();
    let mut rows = Vec::new();
    for student in students {
        let grades = course_grades(
            state,
            &course,
            mastery
                .get(student.id.as_str())
                .map_or(&[][..], Vec::as_slice),
            overrides
                .get(student.id.as_str())
                .unwrap_or(&HashMap::new()),
            evidence.get(student.id.as_str()).unwrap_or(&none),
        );
        rows.push(GradebookRow {
            student,
            skills: grades.skills,
        });
    }
    Ok((course, rows))
}

#[derive(Template, WebTemplate)]
#[template(path = "gradebook.html")]
struct GradebookPage {
    layout: Layout,
    class: Class,
    course: CourseVersion,
    rows: Vec<GradebookRow>,
}

pub async fn class_gradebook(
    State(state): State<AppState>,
    guard: TeacherOfClass,
) -> Result<Response, WebError> {
    let (course, rows) = gradebook(&state, &guard.class).await?;
    let ids: Vec<&UserId> = rows.iter().map(|r| &r.student.id).collect();
    crate::audit::access(
        &state,
        &guard.teacher,
        AuditAction::DashboardViewed,
        &ids,
        Some(&guard.class.name),
    )
    .await?;
    let title = format!("Gradebook: {}", guard.class.name);
    Ok(GradebookPage {
        layout: Layout::new(&title, Some(&guard.teacher), "/classes"),
        class: guard.class,
        course,
        rows,
    }
    .into_response())
}

pub async fn class_gradebook_csv(
    State(state): State<AppState>,
    guard: TeacherOfClass,
) -> Result<Response, WebError> {
    let (course, rows) = gradebook(&state, &guard.class).await?;
    let ids: Vec<&UserId> = rows.iter().map(|r| &r.student.id).collect();
    crate::audit::access(
        &state,
        &guard.teacher,
        AuditAction::DashboardViewed,
        &ids,
        Some(&format!("{} (gradebook CSV)", guard.class.name)),
    )
    .await?;
    let csv_text = gradebook_csv(&course, &rows)?;
    let file = format!(
        "gradebook-{}.csv",
        guard
            .class
            .name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .take(60)
            .collect::<String>()
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        csv_text,
    )
        .into_response())
}

/// The gradebook as CSV: one row per student, one column per skill (its level number, or
/// empty without evidence), and a column per skill's override note. Every cell goes
/// through [`grades::spreadsheet_safe`], so names like `=HYPERLINK(…)` stay text.
fn gradebook_csv(course: &CourseVersion, rows: &[GradebookRow]) -> Result<String, WebError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut head = vec!["student".to_string(), "username".to_string()];
    for skill in &course.course.skills {
        head.push(format!("{} ({})", skill.name, skill.id));
    }
    head.push("teacher's notes".into());
    let safe = |v: &str| grades::spreadsheet_safe(v);
    let csv_error = |e: csv::Error| WebError::Internal(format!("writing the CSV: {e}"));
    out.write_record(head.iter().map(|h| safe(h)))
        .map_err(csv_error)?;
    for row in rows {
        let mut record = vec![safe(&row.student.display_name), safe(&row.student.username)];
        let mut notes = Vec::new();
        for s in &row.skills {
            record.push(
                s.grade
                    .level
                    .map_or(String::new(), |l| l.number().to_string()),
            );
            if !s.note().is_empty() {
                notes.push(format!("{}: {}", s.name, s.note()));
            }
        }
        record.push(safe(&notes.join("; ")));
        out.write_record(&record).map_err(csv_error)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| WebError::Internal(format!("writing the CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| WebError::Internal(format!("writing the CSV: {e}")))
}

/// The evidence behind a level: counts and dates, never the typed answers.
#[derive(Serialize, ToSchema)]
pub struct EvidenceOut {
    answers: u32,
    correct: u32,
    on_paper: u32,
    on_paper_correct: u32,
    placement_questions: u32,
    lessons: u32,
    /// Milliseconds since the epoch; absent without activity.
    first_at: Option<i64>,
    last_at: Option<i64>,
}

/// One skill's grade.
#[derive(Serialize, ToSchema)]
pub struct SkillGradeOut {
    course_id: String,
    skill_id: String,
    skill: String,
    standards: Vec<String>,
    /// 1 (beginning) to 4 (exceeds); absent without evidence.
    level: Option<u8>,
    /// `beginning`, `approaching`, `meets`, `exceeds`, or `none`.
    level_word: String,
    /// What the evidence alone gives.
    derived_level: Option<u8>,
    overridden: bool,
    /// The teacher's note with an override.
    note: Option<String>,
    evidence: EvidenceOut,
}

fn skill_out(course_id: &str, s: &SkillGrade) -> SkillGradeOut {
    let e = &s.evidence;
    SkillGradeOut {
        course_id: course_id.to_string(),
        skill_id: s.skill_id.clone(),
        skill: s.name.clone(),
        standards: s.standards.clone(),
        level: s.grade.level.map(Level::number),
        level_word: s.grade.level.map_or("none", Level::word).to_string(),
        derived_level: s.grade.derived.map(Level::number),
        overridden: s.grade.overridden.is_some(),
        note: s.grade.overridden.as_ref().map(|o| o.note.clone()),
        evidence: EvidenceOut {
            answers: e.answers,
            correct: e.correct,
            on_paper: e.on_paper,
            on_paper_correct: e.on_paper_correct,
            placement_questions: e.placement_questions,
            lessons: e.lessons,
            first_at: (e.first_at > 0).then_some(e.first_at),
            last_at: (e.first_at > 0).then_some(e.last_at),
        },
    }
}

#[utoipa::path(get, path = "/api/v1/me/grades", security(("bearer" = [])), responses(
    (status = 200, description = "The signed-in student's level on every skill of every course they take, in course order.", body = [SkillGradeOut]),
    (status = 401, description = "No valid bearer token.", body = crate::api::ErrorBody),
    (status = 403, description = "Only students have grades.", body = crate::api::ErrorBody)))]
pub async fn my_grades(
    State(state): State<AppState>,
    Student(current): Student,
) -> Result<Json<Vec<SkillGradeOut>>, WebError> {
    let mut out = Vec::new();
    for c in report_card(&state, &current.user.id).await? {
        out.extend(c.skills.iter().map(|s| skill_out(&c.course_id, s)));
    }
    Ok(Json(out))
}

/// One student's grades in the class's course.
#[derive(Serialize, ToSchema)]
pub struct StudentGradesOut {
    student_id: String,
    name: String,
    grades: Vec<SkillGradeOut>,
}

#[utoipa::path(get, path = "/api/v1/classes/{class}/grades", security(("bearer" = [])),
    params(("class" = String, Path, description = "The class id.")),
    responses(
    (status = 200, description = "The class's gradebook: one entry per enrolled student.", body = [StudentGradesOut]),
    (status = 401, description = "No valid bearer token.", body = crate::api::ErrorBody),
    (status = 404, description = "No such class among the caller's.", body = crate::api::ErrorBody)))]
pub async fn class_grades_api(
    State(state): State<AppState>,
    guard: TeacherOfClass,
) -> Result<Json<Vec<StudentGradesOut>>, WebError> {
    let (course, rows) = gradebook(&state, &guard.class).await?;
    let ids: Vec<&UserId> = rows.iter().map(|r| &r.student.id).collect();
    crate::audit::access(
        &state,
        &guard.teacher,
        AuditAction::ApiMasteryRead,
        &ids,
        Some(&guard.class.name),
    )
    .await?;
    Ok(Json(
        rows.iter()
            .map(|r| StudentGradesOut {
                student_id: r.student.id.to_string(),
                name: r.student.display_name.clone(),
                grades: r
                    .skills
                    .iter()
                    .map(|s| skill_out(course.course.id.as_str(), s))
                    .collect(),
            })
            .collect(),
    ))
}
