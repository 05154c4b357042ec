//! The guardian's pages: their children and each child's progress, nothing else.

use crate::auth::guard::{Guardian, GuardianOf};
use crate::consent::ConsentView;
use crate::flash::{self, Flash};
use crate::layout::Layout;
use crate::pages::record::{CourseRecord, HistoryQuery, course_record};
use crate::routing::{Access, GUARDIAN, Route, Subject, get};
use crate::views;
use crate::{AppState, WebError};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use ownpace_core::ids::UserId;
use ownpace_storage::AuditAction;

pub(crate) fn routes() -> Vec<Route> {
    vec![
        get("/family", Access::Roles(GUARDIAN, Subject::None), family),
        get(
            "/family/{student}",
            Access::Roles(GUARDIAN, Subject::Student("student")),
            child,
        ),
    ]
}

struct ChildSummary {
    id: UserId,
    name: String,
    courses: Vec<(String, String, String)>,
    consent: ConsentView,
}

#[derive(Template, WebTemplate)]
#[template(path = "family.html")]
struct FamilyPage {
    layout: Layout,
    flash: Flash,
    children: Vec<ChildSummary>,
    /// The guardian's address for weekly letters (empty: none) and why none is sent.
    letter_address: String,
    letters_off: Option<&'static str>,
}

pub async fn family(
    State(state): State<AppState>,
    Guardian(current): Guardian,
) -> Result<Response, WebError> {
    let mut children = Vec::new();
    for child in state.store.children_of(&current.user.id).await? {
        let mut courses = Vec::new();
        for class in state.store.classes_of_student(&child.id).await? {
            if let Some(course) = state.course(&class.course_id).await? {
                let mastery = state
                    .store
                    .student_mastery(&child.id, &class.course_id)
                    .await?;
                // Counted as every page counts it: the one state function's "known".
                let mastered = mastery
                    .iter()
                    .filter(|m| crate::path::skill_view(&state, Some(m)).standing.is_known())
                    .count();
                let week = state
                    .store
                    .time_spent_since(&child.id, &class.course_id, state.now() - 7 * 86_400_000)
                    .await?;
                courses.push((
                    course.course.title.clone(),
                    format!(
                        "{mastered} of {} skills mastered",
                        course.course.skills.len()
                    ),
                    format!("{} this week", views::duration(week)),
                ));
            }
        }
        children.push(ChildSummary {
            consent: crate::consent::view_for(&state, &child.id).await?,
            id: child.id,
            name: child.display_name,
            courses,
        });
    }
    let ids: Vec<&UserId> = children.iter().map(|c| &c.id).collect();
    state
        .store
        .log_access(
            &current.user.id,
            AuditAction::FamilySummaryViewed,
            &ids,
            None,
            state.now(),
        )
        .await?;
    Ok(FamilyPage {
        letter_address: state
            .store
            .letter_address(&current.user.id)
            .await?
            .unwrap_or_default(),
        letters_off: crate::letters::off_reason(&state),
        flash: flash::take(&state, &current, "/family").await?,
        layout: Layout::new("My family", Some(&current), "/family"),
        children,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "child.html")]
struct ChildPage {
    layout: Layout,
    student_id: UserId,
    name: String,
    courses: Vec<CourseRecord>,
    /// Goals agreed between the child and their teacher: (course title, goal).
    goals: Vec<(String, crate::path::GoalView)>,
    flash: crate::flash::Flash,
    screen: crate::screen::Panel,
    /// Check-ins with a note the teacher shared with the family: only those notes.
    checkins: Vec<crate::checkins::CheckinView>,
    /// The pilots the child takes part in (issue 12, point 6).
    pilots: Vec<super::pilots::GuardianPilot>,
    /// The child's assignments whose start has come: (course title, assignment).
    assignments: Vec<(String, crate::assignments::StudentAssignment)>,
    /// Skills mastered week by week (SVG drawn by Ownpace).
    mastered_svg: String,
    /// This week's letter so far (issue 9, point 7).
    letter: super::letters::LetterView,
}

/// Weeks the guardian's progress chart shows.
const CHART_WEEKS: usize = 8;

pub async fn child(
    State(state): State<AppState>,
    GuardianOf {
        guardian: current,
        student,
    }: GuardianOf,
) -> Result<Response, WebError> {
    let student_id = student.id.clone();
    let mut courses = Vec::new();
    let mut goals = Vec::new();
    let mut assignments = Vec::new();
    let mut mastered_at = Vec::new();
    for class in state.store.classes_of_student(&student_id).await? {
        if let Some(course) = state.course(&class.course_id).await? {
            let facts = crate::assignments::facts(&state, &student_id, &course).await?;
            assignments.extend(
                crate::assignments::student_list(&state, &student_id, &course, &facts)
                    .await?
                    .into_iter()
                    .map(|a| (course.course.title.clone(), a)),
            );
            mastered_at.extend(
                state
                    .store
                    .student_mastery(&student_id, &course.course.id)
                    .await?
                    .iter()
                    .filter(|m| m.progress.is_mastered())
                    .filter_map(|m| m.progress.mastered_at),
            );
            let path = crate::path::student_path(&state, &student_id, &course).await?;
            let people =
                crate::path::goal_people(&state, &path.goals, Some(&current.user.id)).await?;
            goals.extend(
                crate::path::goal_views(&course, &path, &people, state.now())
                    .into_iter()
                    .filter(|g| g.agreement == "agreed")
                    .map(|g| (course.course.title.clone(), g)),
            );
            // Guardians see progress, not every answer word for word, unless the school
            // turns that on.
            let answers = state.config.guardians_see_answers;
            courses.push(
                course_record(
                    &state,
                    &student,
                    &course,
                    &HistoryQuery::default(),
                    "",
                    20,
                    answers,
                )
                .await?,
            );
        }
    }
    state
        .store
        .log_access(
            &current.user.id,
            AuditAction::FamilyProgressViewed,
            &[&student_id],
            None,
            state.now(),
        )
        .await?;
    let flash = crate::flash::take(&state, &current, &format!("/family/{student_id}")).await?;
    let screen = crate::screen::panel(&state, &student_id, Some(&current.user.id)).await?;
    let held = state
        .store
        .checkins_of_student(&student_id, None, 50)
        .await?;
    let checkins = crate::checkins::history(&state, held, true).await?;
    let pilots = super::pilots::for_guardian(&state, &student_id).await?;
    let weeks = ownpace_core::progress::mastered_weeks(
        &state.config.timezone,
        &mastered_at,
        state.now(),
        CHART_WEEKS,
    );
    let mastered_svg = ownpace_core::progress::mastered_chart_svg(
        &weeks,
        &format!(
            "Skills {} knows at the end of each of the last {CHART_WEEKS} weeks",
            student.display_name
        ),
    );
    let letter = super::letters::view(&state, &current.user.id, &student).await?;
    Ok(ChildPage {
        letter,
        assignments,
        mastered_svg,
        checkins,
        flash,
        screen,
        pilots,
        layout: Layout::new(student.display_name.clone(), Some(&current), "/family"),
        name: student.display_name,
        student_id,
        courses,
        goals,
    }
    .into_response())
}
