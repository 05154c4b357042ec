//! Peer feedback on the group space, the authors' side (issue 10, point 4): "Feedback
//! from classmates" — the levels per criterion and the prompts of each visible review,
//! never a reviewer's name or id (the feedback comes from
//! `Store::visible_feedback_for_group`, which applies the release rule and leaves hidden
//! comments out, for pages and the API alike) — the members' helpful ratings, the
//! reviews the student is to write for other groups, and their self-assessment on the
//! rubric (which moves no mastery).

use crate::auth::guard::MemberOfGroup;
use crate::flash::{self, Flash};
use crate::pages::peer_review::{field, levels_from_form};
use crate::projects::GroupRelation;
use crate::routing::{Access, Route, STUDENT, Subject, post};
use crate::views;
use crate::{AppState, WebError};
use axum::extract::{Form, State};
use axum::response::Response;
use ownpace_core::course::Project;
use ownpace_storage::peer_review::MAX_SELF_NOTE_CHARS;
use ownpace_storage::{Group, NewSelfAssessment};
use serde::Deserialize;

pub(crate) fn routes() -> Vec<Route> {
    let member = Access::Roles(STUDENT, Subject::Group("group"));
    vec![
        post("/groups/{group}/feedback/rate", member, rate),
        post("/groups/{group}/self-assessment", member, self_assess),
    ]
}

/// A piece of feedback as the authors read it.
pub(crate) struct FeedbackView {
    pub review_id: String,
    pub number: usize,
    pub levels: Vec<String>,
    pub works: String,
    pub improve: String,
    pub question: String,
    pub hidden: bool,
    /// "helpful", "not helpful" or "" (not rated by this member yet).
    pub rating: &'static str,
}

/// A criterion of the self-assessment form with the level chosen before.
pub(crate) struct SelfCriterion {
    pub field: String,
    pub name: String,
    /// (points, "2 — description", chosen)
    pub levels: Vec<(u32, String, bool)>,
}

/// The peer-feedback part of the group space.
#[derive(Default)]
pub(crate) struct PeerSection {
    pub is_member: bool,
    pub teacher_href: String,
    pub status: String,
    pub feedback: Vec<FeedbackView>,
    /// (link, group name, done) of the reviews this student writes in the round.
    pub to_review: Vec<(String, String, bool)>,
    pub criteria: Vec<SelfCriterion>,
    pub self_note: String,
    pub self_when: String,
    pub max_note: usize,
}

/// What the group space shows about peer feedback to `viewer`.
pub(crate) async fn section(
    state: &AppState,
    group: &Group,
    relation: GroupRelation,
    viewer: &ownpace_core::ids::UserId,
    project: Option<&Project>,
) -> Result<PeerSection, WebError> {
    let now = state.now();
    if relation == GroupRelation::Teacher {
        return Ok(PeerSection {
            teacher_href: format!("/rounds/{}/reviews", group.round_id),
            ..PeerSection::default()
        });
    }
    if relation != GroupRelation::Member {
        return Ok(PeerSection::default());
    }
    let status = state.store.feedback_status(&group.id).await?;
    let feedback = state.store.visible_feedback_for_group(&group.id).await?;
    let mine = state.store.my_feedback_ratings(&group.id, viewer).await?;
    let status_words = if !group.is_submitted() {
        "Once your group submits, classmates review the work on the rubric."
    } else if status.visible() {
        ""
    } else if status.assigned == 0 {
        "Your group's work is waiting for classmates to review it."
    } else {
        "Feedback shows here once two classmates have reviewed your work, or when your teacher releases it."
    };
    let own = state.store.self_assessment(&group.id, viewer).await?;
    let to_review = state
        .store
        .reviews_by(viewer)
        .await?
        .into_iter()
        .filter(|r| r.round_id == group.round_id)
        .map(|r| {
            (
                format!("/groups/{}/review", r.group_id),
                r.group_name,
                r.submitted_at.is_some(),
            )
        })
        .collect();
    Ok(PeerSection {
        is_member: true,
        teacher_href: String::new(),
        status: status_words.to_string(),
        feedback: feedback
            .into_iter()
            .enumerate()
            .map(|(n, f)| FeedbackView {
                number: n + 1,
                levels: project.map_or_else(Vec::new, |p| {
                    crate::pages::assess::rubric_words(p, &f.levels)
                }),
                works: f.works.unwrap_or_default(),
                improve: f.improve.unwrap_or_default(),
                question: f.question.unwrap_or_default(),
                hidden: f.comments_hidden,
                rating: match mine.get(&f.review_id) {
                    Some(true) => "helpful",
                    Some(false) => "not helpful",
                    None => "",
                },
                review_id: f.review_id,
            })
            .collect(),
        to_review,
        criteria: project.map_or_else(Vec::new, |p| {
            p.rubric
                .iter()
                .enumerate()
                .map(|(n, c)| SelfCriterion {
                    field: format!("level_{}", n + 1),
                    name: c.name.clone(),
                    levels: c
                        .levels
                        .iter()
                        .map(|l| {
                            let chosen = own
                                .as_ref()
                                .and_then(|o| o.levels.get(n))
                                .is_some_and(|p| *p == l.points);
                            (
                                l.points,
                                format!("{} — {}", l.points, l.description),
                                chosen,
                            )
                        })
                        .collect(),
                })
                .collect()
        }),
        self_note: own.as_ref().map_or_else(String::new, |o| o.note.clone()),
        self_when: own
            .as_ref()
            .map_or_else(String::new, |o| views::ago(now, o.assessed_at)),
        max_note: MAX_SELF_NOTE_CHARS,
    })
}

#[derive(Deserialize)]
pub struct RateForm {
    #[serde(default)]
    review: String,
    #[serde(default)]
    helpful: String,
}

pub async fn rate(
    State(state): State<AppState>,
    MemberOfGroup {
        student: current,
        group,
    }: MemberOfGroup,
    Form(form): Form<RateForm>,
) -> Result<Response, WebError> {
    let result = async {
        let helpful = match form.helpful.as_str() {
            "1" => true,
            "0" => false,
            _ => {
                return Err(WebError::BadRequest(
                    "helpful: choose helpful or not helpful".into(),
                ));
            }
        };
        // The review must be one of this group's visible feedback (else 404).
        let visible = state.store.visible_feedback_for_group(&group.id).await?;
        if !visible.iter().any(|f| f.review_id == form.review.trim()) {
            return Err(WebError::NotFound);
        }
        state
            .store
            .rate_feedback(form.review.trim(), &current.user.id, helpful, state.now())
            .await?;
        Ok(Flash::success("Thank you: your rating is saved"))
    }
    .await;
    flash::finish(
        &state,
        &current,
        &format!("/groups/{}#feedback", group.id),
        result,
        "rate",
        [],
    )
    .await
}

pub async fn self_assess(
    State(state): State<AppState>,
    MemberOfGroup {
        student: current,
        group,
    }: MemberOfGroup,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let note = field(&form, "note");
    let result = async {
        let (_, project) = crate::projects::round_and_project(&state, &group).await?;
        let project = &project;
        let levels = levels_from_form(project, &form)?;
        state
            .store
            .save_self_assessment(&NewSelfAssessment {
                group_id: &group.id,
                student: &current.user.id,
                project,
                levels: &levels,
                note: &note,
                at: state.now(),
            })
            .await?;
        Ok(Flash::success("Your self-assessment is saved"))
    }
    .await;
    flash::finish(
        &state,
        &current,
        &format!("/groups/{}#self-assessment", group.id),
        result,
        "self",
        [("note", note.as_str())],
    )
    .await
}
