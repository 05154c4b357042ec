//! In-app notices for students and guardians (issue 9, point 8): what changed about the
//! student (a goal agreed, adjusted or declined, a teacher's reply to a raised hand), read
//! or unread, on a page and in the API. Notices are written where the change happens
//! ([`goal_decided`], [`hand_answered`]); nothing here sends anything off the server.

use crate::auth::guard::SignedIn;
use crate::layout::Layout;
use crate::routing::{Access, Route, Subject, get, post};
use crate::views::ago;
use crate::{AppState, WebError};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use ownpace_core::ids::UserId;
use ownpace_storage::Role;

/// Students and guardians receive notices.
const READERS: &[Role] = &[Role::Student, Role::Guardian];
/// Notices shown on the page (the newest).
const SHOWN: i64 = 50;

pub(crate) fn routes() -> Vec<Route> {
    vec![
        get("/notices", Access::Roles(READERS, Subject::None), notices),
        post(
            "/notices/read",
            Access::Roles(READERS, Subject::None),
            mark_read,
        ),
    ]
}

pub(crate) struct NoticeView {
    pub kind: String,
    pub text: String,
    pub link: String,
    pub when: String,
    pub unread: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "notices.html")]
struct NoticesPage {
    layout: Layout,
    notices: Vec<NoticeView>,
    unread: usize,
}

pub async fn notices(
    State(state): State<AppState>,
    SignedIn(current): SignedIn,
) -> Result<Response, WebError> {
    let now = state.now();
    let notices: Vec<NoticeView> = state
        .store
        .notices_for(&current.user.id, SHOWN)
        .await?
        .into_iter()
        .map(|n| NoticeView {
            kind: n.kind,
            text: n.text,
            link: n.link,
            when: ago(now, n.created_at),
            unread: n.read_at.is_none(),
        })
        .collect();
    Ok(NoticesPage {
        layout: Layout::new("Notices", Some(&current), "/notices"),
        unread: notices.iter().filter(|n| n.unread).count(),
        notices,
    }
    .into_response())
}

pub async fn mark_read(
    State(state): State<AppState>,
    SignedIn(current): SignedIn,
) -> Result<Response, WebError> {
    state
        .store
        .mark_notices_read(&current.user.id, state.now())
        .await?;
    Ok(Redirect::to("/notices").into_response())
}

/// Tells the student what their teacher decided on a goal, and (once agreed) their
/// guardians too.
pub(crate) async fn goal_decided(
    state: &AppState,
    student_id: &UserId,
    student_name: &str,
    kind: &str,
    text_for_student: &str,
    course_link: &str,
) -> Result<(), WebError> {
    let now = state.now();
    state
        .store
        .notify(
            student_id,
            student_id,
            kind,
            text_for_student,
            course_link,
            now,
        )
        .await?;
    if kind != "goal_declined" {
        for guardian in state.store.guardians_of(student_id).await? {
            state
                .store
                .notify(
                    &guardian.id,
                    student_id,
                    kind,
                    &format!("{student_name}: {text_for_student}"),
                    &format!("/family/{student_id}#goals"),
                    now,
                )
                .await?;
        }
    }
    Ok(())
}

/// Tells the student their teacher answered a raised hand.
pub(crate) async fn hand_answered(
    state: &AppState,
    student_id: &UserId,
    teacher_name: &str,
    course_link: &str,
) -> Result<(), WebError> {
    state
        .store
        .notify(
            student_id,
            student_id,
            "hand_answered",
            &format!("{teacher_name} answered your raised hand"),
            course_link,
            state.now(),
        )
        .await?;
    Ok(())
}

/// Tells the student, and their guardians, that a check-in was recorded with a note shared
/// with the family (the note itself stays on the pages, not in the notice).
pub(crate) async fn checkin_shared(
    state: &AppState,
    student_id: &UserId,
    student_name: &str,
    teacher_name: &str,
    student_link: &str,
) -> Result<(), WebError> {
    let now = state.now();
    state
        .store
        .notify(
            student_id,
            student_id,
            "checkin_note",
            &format!("{teacher_name} recorded your check-in, with a note your family can see"),
            student_link,
            now,
        )
        .await?;
    for guardian in state.store.guardians_of(student_id).await? {
        state
            .store
            .notify(
                &guardian.id,
                student_id,
                "checkin_note",
                &format!("{student_name}: {teacher_name} shared a note from a check-in"),
                &format!("/family/{student_id}#checkins"),
                now,
            )
            .await?;
    }
    Ok(())
}
