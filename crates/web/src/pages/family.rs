//! The guardian's pages: their children and each child's progress, nothing else.

use crate::auth::guard::{Guardian, GuardianOf};
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
}

#[derive(Template, WebTemplate)]
#[template(path = "family.html")]
struct FamilyPage {
    layout: Layout,
    children: Vec<ChildSummary>,
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
            id: child.id,
            name: child.display_name,
            courses,
        });
    }
    let ids: Vec<&UserId> = children.iter().map(|c| &c.id).collect();
    state
        .store
        .audit_many(
            &current.user.id,
            "guardian viewed progress summary",
            &ids,
            state.now(),
        )
        .await?;
    Ok(FamilyPage {
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
    flash: crate::flash::Flash,
    screen: crate::screen::Panel,
}

pub async fn child(
    State(state): State<AppState>,
    GuardianOf {
        guardian: current,
        student,
    }: GuardianOf,
) -> Result<Response, WebError> {
    let student_id = student.id.clone();
    let mut courses = Vec::new();
    for class in state.store.classes_of_student(&student_id).await? {
        if let Some(course) = state.course(&class.course_id).await? {
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
        .audit(
            &current.user.id,
            "guardian viewed child's progress",
            Some(&student_id),
            state.now(),
        )
        .await?;
    let flash = crate::flash::take(&state, &current, &format!("/family/{student_id}")).await?;
    let screen = crate::screen::panel(&state, &student_id, Some(&current.user.id)).await?;
    Ok(ChildPage {
        flash,
        screen,
        layout: Layout::new(student.display_name.clone(), Some(&current), "/family"),
        name: student.display_name,
        student_id,
        courses,
    }
    .into_response())
}
