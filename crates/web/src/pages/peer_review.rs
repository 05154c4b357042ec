//! Peer review on the rubric (issue 10, point 4), the reviewer's and the teacher's pages.
//!
//! The reviewer (a student the assignment named, once the group submitted:
//! `GroupRelation::Reviewer`) reads the group's submission — its text, link and handed-in
//! files, nothing else of the group — and writes a review: a level per criterion of the
//! project's rubric and three prompts (what works, what to improve, a question), at least
//! one answered. A submitted review is final. The teacher starts peer review on a round
//! (1 or 2 reviews per student; again later for groups that submitted late), reads every
//! review with its reviewer's name, hides or shows a review's comments, releases a group's
//! feedback before two reviews are in, and sees who gives helpful feedback. Authors read
//! their feedback on the group space (`peer_feedback`), never with a name.

use crate::auth::guard::{ReviewerOfGroup, TeacherOfRound};
use crate::flash::{self, Flash};
use crate::layout::Layout;
use crate::projects::project_title;
use crate::routing::{Access, Route, STUDENT, Subject, TEACHER, get, post};
use crate::views;
use crate::{AppState, WebError};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, State};
use axum::response::{IntoResponse, Response};
use ownpace_core::course::Project;
use ownpace_core::ids::UserId;
use ownpace_storage::peer_review::MAX_PROMPT_CHARS;
use ownpace_storage::{AuditAction, NewReview};
use serde::Deserialize;

pub(crate) fn routes() -> Vec<Route> {
    let reviewer = Access::Roles(STUDENT, Subject::Group("group"));
    let teacher = Access::Roles(TEACHER, Subject::Round("round"));
    vec![
        get("/groups/{group}/review", reviewer, review_page),
        post("/groups/{group}/review", reviewer, submit_review),
        get("/rounds/{round}/reviews", teacher, teacher_page),
        post("/rounds/{round}/reviews/start", teacher, start),
        post("/rounds/{round}/reviews/hide", teacher, hide),
        post("/rounds/{round}/reviews/release", teacher, release),
    ]
}

/// A rubric criterion as a form shows it.
pub(crate) struct CriterionView {
    pub field: String,
    pub name: String,
    /// (points, "2 — description")
    pub levels: Vec<(u32, String)>,
}

/// The project's rubric for a form: one field `level_N` per criterion.
pub(crate) fn criteria(project: &Project) -> Vec<CriterionView> {
    project
        .rubric
        .iter()
        .enumerate()
        .map(|(n, c)| CriterionView {
            field: format!("level_{}", n + 1),
            name: c.name.clone(),
            levels: c
                .levels
                .iter()
                .map(|l| (l.points, format!("{} — {}", l.points, l.description)))
                .collect(),
        })
        .collect()
}

/// The levels a form sent (`level_1`, `level_2`, …), one per criterion.
pub(crate) fn levels_from_form(
    project: &Project,
    form: &[(String, String)],
) -> Result<Vec<u32>, WebError> {
    project
        .rubric
        .iter()
        .enumerate()
        .map(|(n, c)| {
            let name = format!("level_{}", n + 1);
            form.iter()
                .find(|(k, _)| *k == name)
                .and_then(|(_, v)| v.trim().parse().ok())
                .ok_or_else(|| {
                    WebError::BadRequest(format!("levels: choose a level for “{}”", c.name))
                })
        })
        .collect()
}

/// A field of a form sent as pairs ("" when missing).
pub(crate) fn field(form: &[(String, String)], name: &str) -> String {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// The reviewer's page

struct FileLink {
    id: String,
    name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "peer_review.html")]
struct ReviewPage {
    layout: Layout,
    flash: Flash,
    group_id: String,
    group_name: String,
    project: String,
    submission_text: String,
    submission_link: String,
    files: Vec<FileLink>,
    criteria: Vec<CriterionView>,
    /// The review once submitted: "criterion: level" lines and the prompts.
    done: bool,
    done_levels: Vec<String>,
    works: String,
    improve: String,
    question: String,
    max_prompt: usize,
}

pub async fn review_page(
    State(state): State<AppState>,
    ReviewerOfGroup {
        student: current,
        group,
    }: ReviewerOfGroup,
) -> Result<Response, WebError> {
    let here = format!("/groups/{}/review", group.id);
    let flash = flash::take(&state, &current, &here).await?;
    let (_, project) = crate::projects::round_and_project(&state, &group).await?;
    let review = state
        .store
        .review_of_group_by(&group.id, &current.user.id)
        .await?
        .ok_or(WebError::NotFound)?;
    let files = state
        .store
        .group_files(&group.id)
        .await?
        .into_iter()
        .filter(|f| f.in_submission)
        .map(|f| FileLink {
            id: f.id,
            name: f.name,
        })
        .collect();
    Ok(ReviewPage {
        layout: Layout::new(format!("Review: {}", group.name), Some(&current), "/learn"),
        flash,
        group_id: group.id.clone(),
        group_name: group.name.clone(),
        project: project.title.clone(),
        submission_text: group.submission_text.clone().unwrap_or_default(),
        submission_link: group.submission_link.clone().unwrap_or_default(),
        files,
        criteria: criteria(&project),
        done: review.submitted_at.is_some(),
        done_levels: crate::pages::assess::rubric_words(&project, &review.levels),
        works: review.works.unwrap_or_default(),
        improve: review.improve.unwrap_or_default(),
        question: review.question.unwrap_or_default(),
        max_prompt: MAX_PROMPT_CHARS,
    }
    .into_response())
}

pub async fn submit_review(
    State(state): State<AppState>,
    ReviewerOfGroup {
        student: current,
        group,
    }: ReviewerOfGroup,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let (works, improve, question) = (
        field(&form, "works"),
        field(&form, "improve"),
        field(&form, "question"),
    );
    let result = async {
        let (_, project) = crate::projects::round_and_project(&state, &group).await?;
        let levels = levels_from_form(&project, &form)?;
        let review = state
            .store
            .review_of_group_by(&group.id, &current.user.id)
            .await?
            .ok_or(WebError::NotFound)?;
        let now = state.now();
        let visible = state
            .store
            .submit_review(&NewReview {
                review_id: &review.id,
                reviewer: &current.user.id,
                project: &project,
                levels: &levels,
                works: &works,
                improve: &improve,
                question: &question,
                at: now,
            })
            .await?;
        if visible {
            notify_authors(&state, &group, &project.title).await?;
        }
        Ok(Flash::success(
            "Review sent: the group reads it without your name",
        ))
    }
    .await;
    flash::finish(
        &state,
        &current,
        &format!("/groups/{}/review", group.id),
        result,
        "review",
        [
            ("works", works.as_str()),
            ("improve", improve.as_str()),
            ("question", question.as_str()),
        ],
    )
    .await
}

/// Tells the group's members that feedback from classmates is there to read.
pub(crate) async fn notify_authors(
    state: &AppState,
    group: &ownpace_storage::Group,
    title: &str,
) -> Result<(), WebError> {
    let now = state.now();
    for member in state.store.group_members(&group.id).await? {
        state
            .store
            .notify(
                &member.student_id,
                &member.student_id,
                "peer_feedback",
                &format!("Feedback from classmates on your project “{title}” is ready to read"),
                &format!("/groups/{}#feedback", group.id),
                now,
            )
            .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The teacher's page

struct ReviewRow {
    id: String,
    reviewer: String,
    done: bool,
    when: String,
    levels: Vec<String>,
    works: String,
    improve: String,
    question: String,
    hidden: bool,
    ratings: String,
}

struct GroupReviews {
    id: String,
    name: String,
    status: String,
    can_release: bool,
    reviews: Vec<ReviewRow>,
}

struct HelpfulRow {
    name: String,
    done: String,
    helpful: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "peer_reviews_teacher.html")]
struct TeacherPage {
    layout: Layout,
    flash: Flash,
    round_id: String,
    title: String,
    started: String,
    per_student: i64,
    can_start: bool,
    groups: Vec<GroupReviews>,
    helpful: Vec<HelpfulRow>,
}

pub async fn teacher_page(
    State(state): State<AppState>,
    TeacherOfRound {
        teacher: current,
        round,
        class,
    }: TeacherOfRound,
) -> Result<Response, WebError> {
    let here = format!("/rounds/{}/reviews", round.id);
    let flash = flash::take(&state, &current, &here).await?;
    let now = state.now();
    let course = state.course(&round.course_id).await?;
    let settings = state.store.peer_review_settings(&round.id).await?;
    let reviews = state.store.reviews_of_round(&round.id).await?;
    let ratings = state.store.review_ratings(&round.id).await?;
    let mut groups = Vec::new();
    for group in state.store.groups_of_round(&round.id).await? {
        if group.published_at.is_none() {
            continue;
        }
        let status = state.store.feedback_status(&group.id).await?;
        let project = course
            .as_ref()
            .and_then(|c| c.course.project(&group.project_id));
        let words = if !group.is_submitted() {
            "not submitted yet".to_string()
        } else if status.assigned == 0 {
            "no reviewer yet".to_string()
        } else {
            format!(
                "{} of {} reviews in; {}",
                status.submitted,
                status.assigned,
                if status.visible() {
                    "the group sees its feedback"
                } else if status.released_at.is_some() {
                    "released: the group sees feedback once a review is in"
                } else {
                    "the group sees feedback once two reviews are in, or when you release it"
                }
            )
        };
        groups.push(GroupReviews {
            id: group.id.clone(),
            name: group.name.clone(),
            status: words,
            can_release: group.is_submitted()
                && status.released_at.is_none()
                && status.submitted < ownpace_storage::peer_review::RELEASE_AFTER,
            reviews: reviews
                .iter()
                .filter(|r| r.group_id == group.id)
                .map(|r| ReviewRow {
                    id: r.id.clone(),
                    reviewer: r.reviewer_name.clone(),
                    done: r.submitted_at.is_some(),
                    when: r
                        .submitted_at
                        .map_or_else(String::new, |at| views::ago(now, at)),
                    levels: project.map_or_else(Vec::new, |p| {
                        crate::pages::assess::rubric_words(p, &r.levels)
                    }),
                    works: r.works.clone().unwrap_or_default(),
                    improve: r.improve.clone().unwrap_or_default(),
                    question: r.question.clone().unwrap_or_default(),
                    hidden: r.hidden_at.is_some(),
                    ratings: match ratings.get(&r.id) {
                        Some((n, helpful)) => format!("rated helpful by {helpful} of {n}"),
                        None => "not rated yet".to_string(),
                    },
                })
                .collect(),
        });
    }
    let helpful = state
        .store
        .reviewer_helpfulness(&round.id)
        .await?
        .into_iter()
        .map(|h| HelpfulRow {
            done: format!("{} of {}", h.done, h.assigned),
            helpful: match h.helpful_percent() {
                Some(p) => format!("{p}% ({} of {} ratings)", h.helpful, h.ratings),
                None => "no rating yet".to_string(),
            },
            name: h.reviewer_name,
        })
        .collect();
    let students: Vec<UserId> = reviews.iter().map(|r| r.reviewer_id.clone()).collect();
    if !students.is_empty() {
        let ids: Vec<&UserId> = students.iter().collect();
        crate::audit::access(&state, &current, AuditAction::GroupsViewed, &ids, None).await?;
    }
    let round_href = format!("/rounds/{}", round.id);
    let class_rounds = format!("/classes/{}/rounds", class.id);
    Ok(TeacherPage {
        layout: Layout::new(
            format!("Peer review: {}", round.title),
            Some(&current),
            "/classes",
        )
        .with_crumbs([
            (class_rounds.as_str(), "Project rounds"),
            (round_href.as_str(), round.title.as_str()),
        ]),
        flash,
        round_id: round.id.clone(),
        title: round.title.clone(),
        started: settings.as_ref().map_or_else(String::new, |s| {
            format!(
                "Started {}: {} review{} per student",
                views::ago(now, s.started_at),
                s.reviews_per_student,
                if s.reviews_per_student == 1 { "" } else { "s" }
            )
        }),
        per_student: settings.as_ref().map_or(2, |s| s.reviews_per_student),
        can_start: round.published_at.is_some(),
        groups,
        helpful,
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct StartForm {
    #[serde(default)]
    per_student: String,
}

pub async fn start(
    State(state): State<AppState>,
    TeacherOfRound {
        teacher: current,
        round,
        ..
    }: TeacherOfRound,
    Form(form): Form<StartForm>,
) -> Result<Response, WebError> {
    let result = async {
        let per_student: i64 = form.per_student.trim().parse().map_err(|_| {
            WebError::BadRequest("per_student: choose 1 or 2 reviews per student".into())
        })?;
        let now = state.now();
        let added = state
            .store
            .start_peer_review(&round.id, per_student, &current.user.id, now)
            .await?;
        let course = state.course(&round.course_id).await?;
        for a in &added {
            let group = state.store.group(&a.group_id).await?;
            let (name, title) = group.as_ref().map_or_else(
                || (String::new(), String::new()),
                |g| {
                    (
                        g.name.clone(),
                        course.as_ref().map_or_else(
                            || g.project_id.clone(),
                            |c| project_title(&c.course, &g.project_id),
                        ),
                    )
                },
            );
            state
                .store
                .notify(
                    &a.reviewer_id,
                    &a.reviewer_id,
                    "peer_review_assigned",
                    &format!("Review a classmate group's work: {name} ({title})"),
                    &format!("/groups/{}/review", a.group_id),
                    now,
                )
                .await?;
        }
        Ok(Flash::success(format!(
            "Peer review started: {} new review{} assigned",
            added.len(),
            if added.len() == 1 { "" } else { "s" }
        )))
    }
    .await;
    flash::finish(
        &state,
        &current,
        &format!("/rounds/{}/reviews", round.id),
        result,
        "start",
        [("per_student", form.per_student.as_str())],
    )
    .await
}

#[derive(Deserialize)]
pub struct HideForm {
    #[serde(default)]
    review: String,
    #[serde(default)]
    hidden: String,
}

pub async fn hide(
    State(state): State<AppState>,
    TeacherOfRound {
        teacher: current,
        round,
        ..
    }: TeacherOfRound,
    Form(form): Form<HideForm>,
) -> Result<Response, WebError> {
    let result = async {
        // An id in the body is checked like one in the path: a review of this round.
        let review = state
            .store
            .peer_review(form.review.trim())
            .await?
            .filter(|r| r.round_id == round.id)
            .ok_or(WebError::NotFound)?;
        let hidden = form.hidden == "1";
        state
            .store
            .set_review_hidden(&review.id, hidden, &current.user.id, state.now())
            .await?;
        Ok(Flash::success(if hidden {
            "Comments hidden from the group (you still read them)"
        } else {
            "Comments shown to the group again"
        }))
    }
    .await;
    flash::finish(
        &state,
        &current,
        &format!("/rounds/{}/reviews", round.id),
        result,
        "hide",
        [],
    )
    .await
}

#[derive(Deserialize)]
pub struct ReleaseForm {
    #[serde(default)]
    group: String,
}

pub async fn release(
    State(state): State<AppState>,
    TeacherOfRound {
        teacher: current,
        round,
        ..
    }: TeacherOfRound,
    Form(form): Form<ReleaseForm>,
) -> Result<Response, WebError> {
    let result = async {
        let group = state
            .store
            .group(form.group.trim())
            .await?
            .filter(|g| g.round_id == round.id)
            .ok_or(WebError::NotFound)?;
        let newly = state
            .store
            .release_feedback(&group.id, &current.user.id, state.now())
            .await?;
        if newly {
            let course = state.course(&round.course_id).await?;
            let title = course.as_ref().map_or_else(
                || group.project_id.clone(),
                |c| project_title(&c.course, &group.project_id),
            );
            notify_authors(&state, &group, &title).await?;
        }
        Ok(Flash::success(format!(
            "Feedback released to {}",
            group.name
        )))
    }
    .await;
    flash::finish(
        &state,
        &current,
        &format!("/rounds/{}/reviews", round.id),
        result,
        "release",
        [],
    )
    .await
}
