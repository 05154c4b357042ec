//! Printable practice sheets (issue 12, point 3): "offline, not off". A student near the
//! screen-time budget makes a sheet on the skills they would practise now, prints it
//! (print-friendly HTML: the page's frame and forms disappear on paper), works on paper,
//! and may type in what they wrote afterwards. Those entries are `sheet-result` events,
//! marked self-reported: they move nothing until a teacher confirms them on the sheet's
//! answer key page, which appends `sheet-answer` events (mastery stays a function of the
//! events). A teacher may also mark a sheet right or wrong directly.

use crate::auth::guard::{CourseInPath, Student, TeacherOfStudent};
use crate::flash::{self, Flash};
use crate::layout::Layout;
use crate::routing::{Access, Route, STUDENT, Subject, TEACHER, get, post};
use crate::{AppState, WebError, views};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawForm, State};
use axum::response::{IntoResponse, Redirect, Response};
use ownpace_core::course::{AnswerSpec, Item, Response as ItemResponse, assess};
use ownpace_core::recommend;
use ownpace_core::sheet::{self, answer_text, choice_letter};
use ownpace_storage::{AnswerRecord, CourseVersion, Sheet, SheetResult, sheet_key};
use std::collections::HashMap;

/// The longest answer a student may type for one printed item.
const MAX_RESPONSE_CHARS: usize = 200;
/// Sheets listed on the sheets page.
const LISTED: i64 = 10;

pub(crate) fn routes() -> Vec<Route> {
    let of_course = Access::Roles(STUDENT, Subject::Course("course"));
    let of_student = Access::Roles(TEACHER, Subject::Student("student"));
    vec![
        get("/learn/{course}/sheets", of_course, sheets_page),
        post("/learn/{course}/sheets", of_course, make_sheet),
        get("/learn/{course}/sheets/{sheet}", of_course, sheet_page),
        post(
            "/learn/{course}/sheets/{sheet}/results",
            of_course,
            enter_results,
        ),
        get("/students/{student}/sheets/{sheet}", of_student, answer_key),
        post(
            "/students/{student}/sheets/{sheet}/confirm",
            of_student,
            confirm,
        ),
    ]
}

#[derive(Template, WebTemplate)]
#[template(path = "sheets.html")]
struct SheetsPage {
    layout: Layout,
    flash: Flash,
    course_id: String,
    meter: crate::screen::Meter,
    skills: Vec<String>,
    sheets: Vec<(String, String)>,
}

pub async fn sheets_page(
    State(state): State<AppState>,
    Student(current): Student,
    CourseInPath(course): CourseInPath,
) -> Result<Response, WebError> {
    let course_id = course.course.id.clone();
    let page = format!("/learn/{course_id}/sheets");
    let flash = flash::take(&state, &current, &page).await?;
    let path = crate::path::student_path(&state, &current.user.id, &course).await?;
    let skills = recommend::sheet_skills(&course.course, &path.situation, sheet::MAX_SKILLS)
        .iter()
        .filter_map(|id| course.course.skill(id).map(|s| s.name.clone()))
        .collect();
    let now = state.now();
    let sheets = state
        .store
        .student_sheets(&current.user.id, &course_id, LISTED)
        .await?
        .into_iter()
        .map(|(id, at)| (id, views::date(at, now)))
        .collect();
    let standing = crate::screen::standing(&state, &current.user.id).await?;
    let title = course.course.title.clone();
    let home = format!("/learn/{course_id}");
    Ok(SheetsPage {
        layout: Layout::new("Practice on paper", Some(&current), "/learn")
            .with_crumbs([(home.as_str(), title.as_str())]),
        flash,
        course_id: course_id.into_string(),
        meter: crate::screen::meter(&standing),
        skills,
        sheets,
    }
    .into_response())
}

pub async fn make_sheet(
    State(state): State<AppState>,
    Student(current): Student,
    CourseInPath(course): CourseInPath,
) -> Result<Response, WebError> {
    let course_id = course.course.id.clone();
    let path = crate::path::student_path(&state, &current.user.id, &course).await?;
    let skills = recommend::sheet_skills(&course.course, &path.situation, sheet::MAX_SKILLS);
    let answered: HashMap<String, i64> = state
        .store
        .answered_items(&current.user.id, &course_id)
        .await?
        .into_iter()
        .map(|(item, (n, _))| (item, n))
        .collect();
    let now = state.now();
    let seed = format!("{}/{now}", current.user.id);
    // A pilot's post-test items are never practised, on paper either.
    let held_out = state
        .store
        .held_out_items(&current.user.id, &course_id)
        .await?;
    let items: Vec<_> =
        sheet::choose_items_except(&course.course, &skills, &answered, &seed, &held_out)
            .into_iter()
            .map(|i| (i.id.clone(), i.skills.clone()))
            .collect();
    if items.is_empty() {
        let location = format!("/learn/{course_id}/sheets");
        return flash::redirect(
            &state,
            &current,
            &location,
            Flash::error(
                "Nothing to practise on paper right now: every skill you can work on is done",
            ),
        )
        .await;
    }
    let id = state
        .store
        .create_sheet(&current.user.id, &course_id, course.version, &items, now)
        .await?;
    Ok(Redirect::to(&format!("/learn/{course_id}/sheets/{id}")).into_response())
}

/// One printed item as the sheet, the entry form and the key show it.
struct PrintedItem {
    position: i64,
    prompt: String,
    /// Lettered choices for a choice item, empty otherwise.
    choices: Vec<(usize, char, String)>,
    unit: String,
    key: String,
    /// The student's self-reported entry: what they wrote, and how it was graded.
    entered: Option<(String, bool)>,
    /// The confirmed result (counts toward mastery), if any.
    confirmed: Option<bool>,
    /// What the key says of the student's entry (the teacher's form starts there).
    suggested: Option<bool>,
}

fn printed(course: &CourseVersion, sheet: &Sheet, results: &[SheetResult]) -> Vec<PrintedItem> {
    let course_id = course.course.id.as_str();
    sheet
        .items
        .iter()
        .filter_map(|si| {
            let item = course.course.item(si.item_id.as_str())?;
            let mine = results
                .iter()
                .find(|r| r.position == si.position && r.self_reported);
            let confirmed = results
                .iter()
                .find(|r| r.position == si.position && !r.self_reported)
                .map(|r| r.correct);
            let (choices, unit) = match &item.answer {
                AnswerSpec::Choice { choices } => (
                    choices
                        .iter()
                        .enumerate()
                        .map(|(i, c)| (i, choice_letter(i), views::markdown(course_id, &c.text)))
                        .collect(),
                    String::new(),
                ),
                AnswerSpec::Numeric { unit, .. } => (Vec::new(), unit.clone().unwrap_or_default()),
                AnswerSpec::Text { .. } => (Vec::new(), String::new()),
            };
            Some(PrintedItem {
                position: si.position,
                prompt: views::markdown(course_id, &item.prompt),
                choices,
                unit,
                key: answer_text(item),
                entered: mine.map(|r| (shown_response(item, r.response.as_deref()), r.correct)),
                suggested: mine.map(|r| r.correct),
                confirmed,
            })
        })
        .collect()
}

/// What the student wrote, as the pages show it (a choice by its letter).
fn shown_response(item: &Item, stored: Option<&str>) -> String {
    match stored.and_then(|s| serde_json::from_str::<ItemResponse>(s).ok()) {
        Some(ItemResponse::Choice(i)) => match &item.answer {
            AnswerSpec::Choice { choices } => choices.get(i).map_or(String::new(), |c| {
                format!("{}) {}", choice_letter(i), c.text)
            }),
            _ => String::new(),
        },
        Some(ItemResponse::Text(t)) => t,
        None => String::new(),
    }
}

async fn own_sheet(
    state: &AppState,
    student: &ownpace_core::ids::UserId,
    course: &CourseVersion,
    sheet_id: &str,
) -> Result<Sheet, WebError> {
    let sheet = state
        .store
        .sheet(sheet_id)
        .await?
        .ok_or(WebError::NotFound)?;
    if &sheet.student_id != student || sheet.course_id != course.course.id {
        return Err(WebError::NotFound);
    }
    Ok(sheet)
}

#[derive(Template, WebTemplate)]
#[template(path = "sheet.html")]
struct SheetPage {
    layout: Layout,
    flash: Flash,
    course_id: String,
    sheet_id: String,
    student_name: String,
    date: String,
    items: Vec<PrintedItem>,
}

pub async fn sheet_page(
    State(state): State<AppState>,
    Student(current): Student,
    CourseInPath(course): CourseInPath,
    Path((_, sheet_id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let sheet = own_sheet(&state, &current.user.id, &course, &sheet_id).await?;
    let course_id = course.course.id.to_string();
    let page = format!("/learn/{course_id}/sheets/{sheet_id}");
    let flash = flash::take(&state, &current, &page).await?;
    let results = state.store.sheet_results(&sheet).await?;
    let sheets = format!("/learn/{course_id}/sheets");
    let title = course.course.title.clone();
    let home = format!("/learn/{course_id}");
    let zone = &state.config.timezone;
    Ok(SheetPage {
        layout: Layout::new("Practice sheet", Some(&current), "/learn").with_crumbs([
            (home.as_str(), title.as_str()),
            (sheets.as_str(), "Practice on paper"),
        ]),
        flash,
        items: printed(&course, &sheet, &results),
        date: zone.date(sheet.created_at).to_string(),
        student_name: current.user.display_name.clone(),
        course_id,
        sheet_id: sheet.id,
    }
    .into_response())
}

/// Reads the entry form: `answer-N` per printed position (blank ones are skipped).
fn form_fields(body: &[u8]) -> HashMap<String, String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .unwrap_or_default()
        .into_iter()
        .collect()
}

pub async fn enter_results(
    State(state): State<AppState>,
    Student(current): Student,
    CourseInPath(course): CourseInPath,
    Path((_, sheet_id)): Path<(String, String)>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let sheet = own_sheet(&state, &current.user.id, &course, &sheet_id).await?;
    let location = format!("/learn/{}/sheets/{}", course.course.id, sheet.id);
    let fields = form_fields(&body);
    let now = state.now();
    let mut saved = 0;
    let mut problems = Vec::new();
    for si in &sheet.items {
        let Some(raw) = fields.get(&format!("answer-{}", si.position)) else {
            continue;
        };
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        let Some(item) = course.course.item(si.item_id.as_str()) else {
            continue;
        };
        if raw.chars().count() > MAX_RESPONSE_CHARS {
            problems.push(format!(
                "question {}: at most {MAX_RESPONSE_CHARS} characters",
                si.position
            ));
            continue;
        }
        let response = match &item.answer {
            AnswerSpec::Choice { .. } => match raw.parse::<usize>() {
                Ok(i) => ItemResponse::Choice(i),
                Err(_) => {
                    problems.push(format!("question {}: pick one of the options", si.position));
                    continue;
                }
            },
            _ => ItemResponse::Text(raw.to_string()),
        };
        let grade = match assess(item, &response) {
            Ok(grade) => grade,
            Err(not_understood) => {
                problems.push(format!(
                    "question {}: {}",
                    si.position, not_understood.message
                ));
                continue;
            }
        };
        let json =
            serde_json::to_string(&response).map_err(|e| WebError::Internal(e.to_string()))?;
        if state
            .store
            .record_sheet_result(&sheet, si, &json, grade.correct, now)
            .await?
        {
            saved += 1;
        }
    }
    let flash = if problems.is_empty() {
        Flash::success(format!(
            "Saved {saved} result{}: they count toward mastery once your teacher confirms them",
            if saved == 1 { "" } else { "s" }
        ))
    } else {
        let mut f = Flash::error(format!(
            "Saved {saved}; some answers could not be read: {}",
            problems.join("; ")
        ));
        f.lines = problems;
        f
    };
    flash::redirect(&state, &current, &location, flash).await
}

#[derive(Template, WebTemplate)]
#[template(path = "sheet_key.html")]
struct KeyPage {
    layout: Layout,
    flash: Flash,
    student_id: String,
    sheet_id: String,
    student_name: String,
    date: String,
    items: Vec<PrintedItem>,
}

/// The teacher's sheet: the student and the course must be theirs (the guard proved the
/// student; the sheet must be that student's, in a course the teacher teaches them).
async fn teacher_sheet(
    state: &AppState,
    who: &TeacherOfStudent,
    sheet_id: &str,
) -> Result<(Sheet, CourseVersion), WebError> {
    let sheet = state
        .store
        .sheet(sheet_id)
        .await?
        .ok_or(WebError::NotFound)?;
    if sheet.student_id != who.student.id {
        return Err(WebError::NotFound);
    }
    let course = who.course_in_body(state, &sheet.course_id).await?;
    Ok((sheet, course))
}

pub async fn answer_key(
    State(state): State<AppState>,
    who: TeacherOfStudent,
    Path((_, sheet_id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let (sheet, course) = teacher_sheet(&state, &who, &sheet_id).await?;
    let student_id = who.student.id.to_string();
    let page = format!("/students/{student_id}/sheets/{sheet_id}");
    let flash = flash::take(&state, &who.teacher, &page).await?;
    let results = state.store.sheet_results(&sheet).await?;
    state
        .store
        .audit(
            &who.teacher.user.id,
            "viewed practice sheet results",
            Some(&who.student.id),
            state.now(),
        )
        .await?;
    let record = format!("/students/{student_id}");
    let name = who.student.display_name.clone();
    Ok(KeyPage {
        layout: Layout::new("Answer key", Some(&who.teacher), "/classes")
            .with_crumbs([("/classes", "My classes"), (record.as_str(), name.as_str())]),
        flash,
        items: printed(&course, &sheet, &results),
        date: state.config.timezone.date(sheet.created_at).to_string(),
        student_name: name,
        student_id,
        sheet_id: sheet.id,
    }
    .into_response())
}

pub async fn confirm(
    State(state): State<AppState>,
    who: TeacherOfStudent,
    Path((_, sheet_id)): Path<(String, String)>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let (sheet, course) = teacher_sheet(&state, &who, &sheet_id).await?;
    let location = format!("/students/{}/sheets/{}", who.student.id, sheet.id);
    let fields = form_fields(&body);
    let results = state.store.sheet_results(&sheet).await?;
    let now = state.now();
    let mut counted = 0;
    for si in &sheet.items {
        let correct = match fields
            .get(&format!("mark-{}", si.position))
            .map(String::as_str)
        {
            Some("right") => true,
            Some("wrong") => false,
            _ => continue,
        };
        if course.course.item(si.item_id.as_str()).is_none() {
            continue;
        }
        let response = results
            .iter()
            .find(|r| r.position == si.position && r.self_reported)
            .and_then(|r| r.response.clone())
            .unwrap_or_else(|| r#"{"kind":"text","value":""}"#.to_string());
        let key = sheet_key(&sheet.id, si.position, true);
        let recorded = state
            .store
            .record_sheet_answer(
                &AnswerRecord {
                    student_id: &sheet.student_id,
                    course_id: &sheet.course_id,
                    course_version: sheet.course_version,
                    item_id: &si.item_id,
                    skills: &si.skills,
                    response: &response,
                    correct,
                    occurred_at: now,
                    duration_ms: None,
                    idempotency_key: &key,
                },
                |skill| state.bkt_params(skill),
            )
            .await?;
        if !recorded.duplicate {
            counted += 1;
        }
    }
    let flash = Flash::success(format!(
        "Confirmed {counted} result{}: they now count toward {}'s mastery",
        if counted == 1 { "" } else { "s" },
        who.student.display_name
    ));
    flash::redirect(&state, &who.teacher, &location, flash).await
}
