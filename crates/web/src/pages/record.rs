//! A student's record as their teacher sees it: progress per course, history (the
//! question, the answer and its grading, a page at a time, filtered by skill), the path
//! the student is offered, and the teacher's pins, hides and goals for them. Forms end in
//! a redirect back here with a message; a wrong field is marked in place with the input
//! kept. Class-wide pins are listed but changed on the class page only.

use crate::auth::guard::TeacherOfStudent;
use crate::flash::{self, Flash};
use crate::layout::Layout;
use crate::path::{GoalForm, OverrideForm, check_activity, create_goal, override_action};
use crate::routing::{Access, Route, Subject, TEACHER, get, post};
use crate::views::{self, ago, percent};
use crate::{AppState, WebError};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Response};
use ownpace_core::course::{AnswerSpec, Course, Response as ItemResponse};
use ownpace_core::events::EventKind;
use ownpace_core::ids::{ClassId, CourseId, GoalId};
use ownpace_storage::{
    AuditAction, CourseVersion, GoalDecision, HistoryCursor, NewOverride, OverrideScope,
    StoredEvent, User,
};
use serde::Deserialize;
use std::collections::HashMap;

pub(crate) fn routes() -> Vec<Route> {
    let of_student = Access::Roles(TEACHER, Subject::Student("student"));
    vec![
        get("/students/{student}", of_student, student_record),
        post(
            "/students/{student}/overrides",
            of_student,
            student_override,
        ),
        post(
            "/students/{student}/overrides/{override}/delete",
            of_student,
            remove_student_override,
        ),
        post("/students/{student}/goals", of_student, student_goal),
        post(
            "/students/{student}/goals/{goal}/review",
            of_student,
            review_goal,
        ),
    ]
}

/// Rows of history on one page.
pub(crate) const HISTORY_PAGE: i64 = 50;
/// The longest question text in a history row.
const QUESTION_CHARS: usize = 90;

pub(crate) struct HistoryRow {
    pub when: String,
    pub date: String,
    pub what: String,
    pub question: String,
    pub answer: String,
    pub skill_names: String,
    pub outcome: &'static str,
    pub outcome_text: &'static str,
    pub duration: String,
}

pub(crate) struct SkillLine {
    pub id: String,
    pub name: String,
    pub state: &'static str,
    pub mastery: f64,
    pub mastery_text: String,
    /// The skill has a number to show (`standing::view`: none when not started).
    pub has_number: bool,
    /// The state in words with what it needs, from `standing::view`.
    pub phrase: String,
    pub attempts: u32,
    pub accuracy: String,
}

pub(crate) struct CourseRecord {
    pub course_id: String,
    pub title: String,
    pub skills: Vec<SkillLine>,
    pub history: Vec<HistoryRow>,
    pub time_week: String,
    /// The skill the history is filtered by (empty: all), and its name.
    pub skill: String,
    pub skill_name: String,
    /// The query string of the next (older) page, when there is one.
    pub older: String,
    /// Whether this page is not the newest.
    pub paged: bool,
    /// The page the filter and the paging links go to (empty: neither is shown).
    pub page_path: String,
}

/// Which page of which course's history to show.
#[derive(Deserialize, Default)]
pub struct HistoryQuery {
    #[serde(default)]
    course: String,
    #[serde(default)]
    skill: String,
    /// `MS:EVENT_ID` of the last row of the page before.
    #[serde(default)]
    before: String,
}

/// Course Markdown as a short line of plain text.
pub(crate) fn short_text(markdown: &str, max: usize) -> String {
    use pulldown_cmark::{Event, Tag, TagEnd};
    let mut text = String::new();
    let mut in_image = 0usize;
    for event in pulldown_cmark::Parser::new(markdown) {
        match event {
            Event::Start(Tag::Image { .. }) => in_image += 1,
            Event::End(TagEnd::Image) => in_image = in_image.saturating_sub(1),
            Event::Text(t) | Event::Code(t) if in_image == 0 => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak | Event::End(_) => text.push(' '),
            _ => {}
        }
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let line = words.join(" ");
    if line.chars().count() <= max {
        line
    } else {
        let cut: String = line.chars().take(max.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    }
}

/// The answer as the student gave it: the chosen option's text, or what they typed.
fn answer_text(course: &Course, event: &StoredEvent) -> String {
    let item = event.item_id.as_deref().and_then(|id| course.item(id));
    event
        .response
        .as_deref()
        .and_then(|r| serde_json::from_str::<ItemResponse>(r).ok())
        .map(|r| match (r, item.map(|i| &i.answer)) {
            (ItemResponse::Choice(i), Some(AnswerSpec::Choice { choices })) => choices
                .get(i)
                .map_or(String::new(), |c| short_text(&c.text, QUESTION_CHARS)),
            (ItemResponse::Text(t), _) => t.chars().take(QUESTION_CHARS).collect(),
            _ => String::new(),
        })
        .unwrap_or_default()
}

/// `show_answers`: what was typed or picked (teachers; guardians only when the school
/// turns it on); otherwise only which question and whether it was right.
fn history_row(course: &Course, e: &StoredEvent, now: i64, show_answers: bool) -> HistoryRow {
    let question = e
        .item_id
        .as_deref()
        .and_then(|id| course.item(id))
        .map_or(String::new(), |item| {
            short_text(&item.prompt, QUESTION_CHARS)
        });
    let shown_answer = if show_answers {
        answer_text(course, e)
    } else {
        String::new()
    };
    let (what, question, answer) = match e.kind {
        EventKind::Answer => ("Answered", question, shown_answer),
        EventKind::UnreadAnswer => ("Typed an answer", question, shown_answer),
        EventKind::Hint => ("Asked for a hint", question, String::new()),
        EventKind::Lesson | EventKind::OfflineActivity => (
            "Finished a lesson",
            e.item_id
                .as_deref()
                .and_then(|id| course.lesson(id))
                .map_or(String::new(), |l| l.title.clone()),
            String::new(),
        ),
        EventKind::PlacementAnswer => ("Placement question", question, shown_answer),
        EventKind::PostTestAnswer => (
            "Pilot post-test question (does not count toward mastery)",
            question,
            shown_answer,
        ),
        EventKind::Placement => ("Finished the placement check", String::new(), String::new()),
        EventKind::SheetResult => (
            "Wrote on a practice sheet (self-reported, not counted until confirmed)",
            question,
            shown_answer,
        ),
        EventKind::SheetAnswer => (
            "Practice sheet on paper, confirmed by a teacher",
            question,
            shown_answer,
        ),
        EventKind::GradeOverride => (
            "A teacher set the level (see the report card)",
            String::new(),
            String::new(),
        ),
        EventKind::ProjectAssessment => (
            "A teacher assessed project work on the rubric",
            String::new(),
            String::new(),
        ),
    };
    let (outcome, outcome_text) = match (e.kind, e.correct) {
        (EventKind::UnreadAnswer, _) => ("unread", "Could not be read: not graded"),
        (_, Some(true)) => ("correct", "Correct"),
        (_, Some(false)) => ("incorrect", "Wrong"),
        (_, None) => ("", ""),
    };
    HistoryRow {
        when: ago(now, e.occurred_at),
        date: views::date(e.occurred_at, now),
        what: what.to_string(),
        question,
        answer,
        skill_names: e
            .skills
            .iter()
            .map(|s| course.skill(s).map_or(s.clone(), |s| s.name.clone()))
            .collect::<Vec<_>>()
            .join(", "),
        outcome,
        outcome_text,
        duration: e.duration_ms.map_or(String::new(), views::duration),
    }
}

/// A student's record in one course. `show_answers`: the history quotes what the student
/// answered (teachers; guardians only when the school turns `guardians_see_answers` on),
/// otherwise it says only which item and whether it was right.
pub(crate) async fn course_record(
    state: &AppState,
    student: &User,
    course: &CourseVersion,
    query: &HistoryQuery,
    page_path: &str,
    page_size: i64,
    show_answers: bool,
) -> Result<CourseRecord, WebError> {
    let now = state.now();
    let mastery = state
        .store
        .student_mastery(&student.id, &course.course.id)
        .await?;
    let statuses = crate::path::statuses(state, course, &mastery);
    let correct_answers: HashMap<&str, u32> = mastery
        .iter()
        .map(|row| (row.skill_id.as_str(), row.progress.correct))
        .collect();
    let skills = course
        .course
        .skills
        .iter()
        .filter_map(|skill| statuses.get(&skill.id).map(|status| (skill, status)))
        .map(|(skill, status)| {
            let p = status.view.value.unwrap_or(0.0);
            let attempts = status.attempts;
            let correct = correct_answers.get(skill.id.as_str()).copied().unwrap_or(0);
            SkillLine {
                id: skill.id.clone(),
                name: skill.name.clone(),
                state: views::state_css(&status.state),
                mastery: p,
                mastery_text: status.view.value.map_or_else(|| "–".to_string(), percent),
                has_number: status.view.value.is_some(),
                phrase: status.view.phrase.clone(),
                attempts,
                accuracy: if attempts == 0 {
                    "–".into()
                } else {
                    percent(f64::from(correct) / f64::from(attempts))
                },
            }
        })
        .collect();
    // The query applies to this course's section only.
    let mine = query.course == course.course.id;
    let skill = if mine {
        course
            .course
            .skill(query.skill.trim())
            .map(|s| (s.id.clone(), s.name.clone()))
    } else {
        None
    };
    let before = if mine {
        query
            .before
            .split_once(':')
            .and_then(|(ms, id)| Some((ms.parse::<i64>().ok()?, id.to_string())))
    } else {
        None
    };
    let mut events = state
        .store
        .student_history(
            &student.id,
            &course.course.id,
            skill.as_ref().map(|(id, _)| id.as_str()),
            before.as_ref().map(|(ms, id)| HistoryCursor {
                occurred_at: *ms,
                id,
            }),
            page_size + 1,
        )
        .await?;
    let more = events.len() > page_size as usize;
    events.truncate(page_size as usize);
    let older = match (more, events.last()) {
        (true, Some(last)) => format!(
            "course={}&skill={}&before={}",
            crate::layout::url_encode(course.course.id.as_str()),
            crate::layout::url_encode(skill.as_ref().map_or("", |(id, _)| id)),
            crate::layout::url_encode(&format!("{}:{}", last.occurred_at, last.id))
        ),
        _ => String::new(),
    };
    let history = events
        .iter()
        .map(|e| history_row(&course.course, e, now, show_answers))
        .collect();
    let time_week = views::duration(
        state
            .store
            .time_spent_since(&student.id, &course.course.id, now - 7 * 86_400_000)
            .await?,
    );
    let (skill, skill_name) = skill.unwrap_or_default();
    Ok(CourseRecord {
        course_id: course.course.id.to_string(),
        title: course.course.title.clone(),
        skills,
        history,
        time_week,
        skill,
        skill_name,
        older,
        paged: before.is_some(),
        page_path: page_path.to_string(),
    })
}

/// One class the teacher and the student share, with the path shown for it.
pub(crate) struct PathSection {
    pub class_id: String,
    pub class_name: String,
    pub path: crate::path::TeacherPathView,
}

#[derive(Template, WebTemplate)]
#[template(path = "student_record.html")]
struct StudentRecord {
    layout: Layout,
    flash: Flash,
    student_id: String,
    name: String,
    username: String,
    /// The first day a goal may be due (`YYYY-MM-DD`, today).
    today: String,
    courses: Vec<CourseRecord>,
    paths: Vec<PathSection>,
    /// Screen time: the weekly chart, budgets, exemptions and practice sheets.
    screen: crate::screen::Panel,
    sheets: Vec<(String, String, String)>,
}

/// `YYYY-MM-DD` of a time (UTC), as a date field takes it.
fn iso_day(ms: i64) -> String {
    let (y, m, d) = ownpace_core::recommend::dates::civil(ms);
    format!("{y:04}-{m:02}-{d:02}")
}

pub async fn student_record(
    State(state): State<AppState>,
    TeacherOfStudent {
        teacher: current,
        student,
    }: TeacherOfStudent,
    Query(query): Query<HistoryQuery>,
) -> Result<Response, WebError> {
    let student_id = student.id.clone();
    let flash = flash::take(&state, &current, &format!("/students/{student_id}")).await?;
    let taught: Vec<ClassId> = state
        .store
        .classes_taught_by(&current.user.id)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    let mut courses = Vec::new();
    let mut paths = Vec::new();
    for class in state.store.classes_of_student(&student_id).await? {
        if taught.contains(&class.id)
            && let Some(course) = state.course(&class.course_id).await?
        {
            if !courses
                .iter()
                .any(|c: &CourseRecord| c.course_id == course.course.id)
            {
                let page = format!("/students/{student_id}");
                courses.push(
                    course_record(&state, &student, &course, &query, &page, HISTORY_PAGE, true)
                        .await?,
                );
            }
            paths.push(PathSection {
                path: crate::path::teacher_path_view(&state, &student_id, &course).await?,
                class_id: class.id.into_string(),
                class_name: class.name,
            });
        }
    }
    crate::audit::access(
        &state,
        &current,
        AuditAction::RecordViewed,
        &[&student_id],
        None,
    )
    .await?;
    let mut layout = Layout::new(student.display_name.clone(), Some(&current), "/classes");
    layout = match paths.first() {
        Some(first) => {
            let href = format!("/classes/{}", first.class_id);
            layout.with_crumbs([
                ("/classes", "My classes"),
                (href.as_str(), first.class_name.as_str()),
            ])
        }
        None => layout.with_crumbs([("/classes", "My classes")]),
    };
    let screen = crate::screen::panel(&state, &student_id, None).await?;
    let sheets = crate::screen::sheet_links(&state, &student_id, &paths).await?;
    Ok(StudentRecord {
        screen,
        sheets,
        layout,
        flash,
        student_id: student_id.into_string(),
        name: student.display_name,
        username: student.username,
        today: iso_day(state.now()),
        courses,
        paths,
    }
    .into_response())
}

pub async fn student_override(
    State(state): State<AppState>,
    teacher_of: TeacherOfStudent,
    Form(form): Form<OverrideForm>,
) -> Result<Response, WebError> {
    let course = teacher_of
        .course_in_body(&state, &CourseId::new(form.course_id.as_str()))
        .await?;
    let student = &teacher_of.student;
    let result = async {
        let action = override_action(&form.action)?;
        check_activity(&course, &form.activity)?;
        state
            .store
            .add_override(NewOverride {
                course_id: &course.course.id,
                scope: OverrideScope::Student(&student.id),
                activity: &form.activity,
                action,
                created_by: &teacher_of.teacher.user.id,
                at: state.now(),
            })
            .await?;
        let what = crate::path::activity_choices(&course)
            .into_iter()
            .find(|(value, _)| *value == form.activity)
            .map_or(form.activity.clone(), |(_, label)| label);
        let logged = match action {
            ownpace_storage::OverrideAction::Pin => AuditAction::Pinned,
            ownpace_storage::OverrideAction::Hide => AuditAction::Hidden,
        };
        crate::audit::access(
            &state,
            &teacher_of.teacher,
            logged,
            &[&student.id],
            Some(&what),
        )
        .await?;
        Ok(Flash::success(match action {
            ownpace_storage::OverrideAction::Pin => {
                format!("Pinned first for {}: {what}", student.display_name)
            }
            ownpace_storage::OverrideAction::Hide => {
                format!("Hidden from {}: {what}", student.display_name)
            }
        }))
    }
    .await;
    let location = format!("/students/{}#overrides-{}", student.id, course.course.id);
    let form_name = format!("override-{}", course.course.id);
    flash::finish(
        &state,
        &teacher_of.teacher,
        &location,
        result,
        &form_name,
        [
            ("activity", form.activity.as_str()),
            ("action", form.action.as_str()),
        ],
    )
    .await
}

/// Removes a pin or hide set for this student only; a class-wide one is refused with the
/// way to change it (the class page), so it is never removed for everyone from here.
pub async fn remove_student_override(
    State(state): State<AppState>,
    teacher_of: TeacherOfStudent,
    Path((_, override_id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let student = &teacher_of.student;
    let mut found = None;
    for class in state.store.classes_of_student(&student.id).await? {
        for o in state
            .store
            .overrides_for_student(&student.id, &class.course_id)
            .await?
        {
            if o.id == override_id {
                found = Some((o, class.course_id.clone()));
            }
        }
    }
    let location = format!("/students/{}#path", student.id);
    let flash = match found {
        Some((o, course_id)) if o.student_id.as_ref() == Some(&student.id) => {
            state.store.remove_override(&o.id).await?;
            let what = activity_title(&state, &course_id, &o.activity).await?;
            crate::audit::access(
                &state,
                &teacher_of.teacher,
                AuditAction::OverrideRemoved,
                &[&student.id],
                Some(&what),
            )
            .await?;
            Flash::success(format!(
                "Removed for {} only; the class's own pins and hides are unchanged",
                student.display_name
            ))
        }
        Some(_) => Flash::error(
            "That pin or hide is for the whole class: change it on the class page, where it applies to every student",
        ),
        None => Flash::error("That pin or hide was removed already"),
    };
    flash::redirect(&state, &teacher_of.teacher, &location, flash).await
}

#[derive(Deserialize)]
pub struct TeacherGoalForm {
    course_id: String,
    #[serde(flatten)]
    goal: GoalForm,
}

pub async fn student_goal(
    State(state): State<AppState>,
    teacher_of: TeacherOfStudent,
    Form(form): Form<TeacherGoalForm>,
) -> Result<Response, WebError> {
    let course = teacher_of
        .course_in_body(&state, &CourseId::new(form.course_id.as_str()))
        .await?;
    let student = &teacher_of.student;
    let result = async {
        let (title, _, _, due) = crate::path::goal_from_form(&course, &form.goal, state.now())?;
        create_goal(
            &state,
            &course,
            &student.id,
            &teacher_of.teacher.user.id,
            &form.goal,
        )
        .await?;
        crate::audit::access(
            &state,
            &teacher_of.teacher,
            AuditAction::GoalSet,
            &[&student.id],
            Some(&title),
        )
        .await?;
        Ok(Flash::success(format!(
            "Goal set with {}: {title}, by {}",
            student.display_name,
            views::date(due, state.now())
        )))
    }
    .await;
    let location = format!("/students/{}#goal-{}", student.id, course.course.id);
    let form_name = format!("goal-{}", course.course.id);
    let (title, target, due) = form.goal.input();
    flash::finish(
        &state,
        &teacher_of.teacher,
        &location,
        result,
        &form_name,
        [("title", title), ("target", target), ("due", due)],
    )
    .await
}

#[derive(Deserialize)]
pub struct GoalReviewForm {
    course_id: String,
    /// `accept`, `adjust` (with `due`) or `decline`.
    decision: String,
    #[serde(default)]
    due: String,
    #[serde(default)]
    comment: String,
}

/// A teacher agrees to a student's proposed goal, agrees with a new date, or declines it,
/// with a comment the student (and, once agreed, their guardian) reads.
pub async fn review_goal(
    State(state): State<AppState>,
    teacher_of: TeacherOfStudent,
    Path((_, goal_id)): Path<(String, String)>,
    Form(form): Form<GoalReviewForm>,
) -> Result<Response, WebError> {
    let course = teacher_of
        .course_in_body(&state, &CourseId::new(form.course_id.as_str()))
        .await?;
    let student = &teacher_of.student;
    let now = state.now();
    let result = async {
        let decision = match form.decision.as_str() {
            "accept" => GoalDecision::Accept,
            "decline" => GoalDecision::Decline,
            "adjust" => {
                let day = views::parse_date(form.due.trim()).ok_or_else(|| {
                    WebError::BadRequest(
                        "target date: choose the new day (YYYY-MM-DD, for example 2026-12-18)"
                            .into(),
                    )
                })?;
                let target_at = day + 86_400_000 - 1;
                if target_at < now {
                    return Err(WebError::BadRequest(
                        "target date: choose a day from today on".into(),
                    ));
                }
                GoalDecision::Adjust { target_at }
            }
            _ => {
                return Err(WebError::BadRequest(
                    "decision: choose agree, agree with a new date, or decline".into(),
                ));
            }
        };
        let goal = state
            .store
            .review_goal(
                &student.id,
                &GoalId::new(goal_id.as_str()),
                decision,
                &form.comment,
                &teacher_of.teacher.user.id,
                now,
            )
            .await?;
        let (action, words) = match decision {
            GoalDecision::Accept => ("agreed to a goal", "Agreed"),
            GoalDecision::Adjust { .. } => {
                ("agreed to a goal with a new date", "Agreed with a new date")
            }
            GoalDecision::Decline => ("declined a goal", "Declined"),
        };
        state
            .store
            .audit(&teacher_of.teacher.user.id, action, Some(&student.id), now)
            .await?;
        let (kind, told) = match decision {
            GoalDecision::Accept => ("goal_agreed", "agreed to"),
            GoalDecision::Adjust { .. } => ("goal_adjusted", "agreed with a new date to"),
            GoalDecision::Decline => ("goal_declined", "declined"),
        };
        super::notices::goal_decided(
            &state,
            &student.id,
            &student.display_name,
            kind,
            &format!(
                "{} {told} the goal {}, by {}",
                teacher_of.teacher.user.display_name,
                goal.title,
                views::date(goal.target_at, now)
            ),
            &format!("/learn/{}#goals", course.course.id),
        )
        .await?;
        Ok(Flash::success(format!(
            "{words}: {}'s goal {}, by {}",
            student.display_name,
            goal.title,
            views::date(goal.target_at, now)
        )))
    }
    .await;
    let location = format!("/students/{}#goal-{}", student.id, course.course.id);
    let form_name = format!("review-{goal_id}");
    flash::finish(
        &state,
        &teacher_of.teacher,
        &location,
        result,
        &form_name,
        [
            ("due", form.due.as_str()),
            ("comment", form.comment.as_str()),
        ],
    )
    .await
}

/// An activity's title as the teacher chose it ("Adding fractions"), or its key when the
/// course no longer has it.
pub(crate) async fn activity_title(
    state: &AppState,
    course_id: &CourseId,
    activity: &str,
) -> Result<String, WebError> {
    Ok(match state.course(course_id).await? {
        Some(course) => crate::path::activity_choices(&course)
            .into_iter()
            .find(|(value, _)| value == activity)
            .map_or(activity.to_string(), |(_, label)| label),
        None => activity.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::short_text;

    #[test]
    fn questions_read_as_one_short_line() {
        assert_eq!(
            short_text("What is **3/4** of `12`?\n\n![a bar](bar.svg)", 90),
            "What is 3/4 of 12?"
        );
        let long = short_text(&"word ".repeat(40), 20);
        assert!(long.ends_with('…') && long.chars().count() <= 20, "{long}");
    }
}
