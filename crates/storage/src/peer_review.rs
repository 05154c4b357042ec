//! Peer feedback on the rubric (issue 10, point 4): review assignments (chosen by the pure
//! [`ownpace_core::peer_review::assign`]), the reviews, the teacher's hiding and release,
//! the authors' helpful ratings, and self-assessments. Rows, not events: none of it moves
//! mastery.
//!
//! Anonymity is decided here, once, for pages and the API alike:
//! [`Store::visible_feedback_for_group`] returns what the authors may read, as
//! [`PeerFeedback`], a struct with no reviewer in it, in an order that follows a hash of
//! the review's id (not the reviewer, not the time of writing). The release rule: authors
//! see feedback once at least [`RELEASE_AFTER`] reviews of their group are submitted, or
//! after a teacher released it; comments a teacher hid never reach them.
//!
//! A review is final once submitted (the conditional update refuses a second one), so
//! authors never read a text that changes under their rating. Every text is
//! length-limited here; nothing here logs a text.

use crate::check_text;
use crate::{Result, Store, StoreError, new_id};
use ownpace_core::course::Project;
use ownpace_core::ids::{ClassId, UserId};
use ownpace_core::peer_review::{self, AssignInput, Existing, Reviewer};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The longest answer to one prompt of a review.
pub const MAX_PROMPT_CHARS: usize = 1_000;
/// The longest note on a self-assessment.
pub const MAX_SELF_NOTE_CHARS: usize = 1_000;
/// Submitted reviews after which authors see their feedback without a release.
pub const RELEASE_AFTER: i64 = 2;

fn invalid(field: &'static str, message: impl Into<String>) -> StoreError {
    StoreError::Invalid {
        field,
        message: message.into(),
    }
}

fn state(message: &'static str) -> StoreError {
    StoreError::Conflict(crate::Conflict::ProjectRound(message))
}

/// Points per criterion as stored ("2 3 1").
fn levels_text(levels: &[u32]) -> String {
    levels
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

fn levels_from(text: Option<&str>) -> Vec<u32> {
    text.unwrap_or("")
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// Checks a level per criterion of `project`'s rubric, each one of the criterion's levels.
pub fn check_levels(project: &Project, levels: &[u32]) -> Result<()> {
    if levels.len() != project.rubric.len() {
        return Err(invalid(
            "levels",
            format!(
                "choose a level for each of the {} criteria",
                project.rubric.len()
            ),
        ));
    }
    for (criterion, points) in project.rubric.iter().zip(levels) {
        if !criterion.levels.iter().any(|l| l.points == *points) {
            return Err(invalid(
                "levels",
                format!("choose one of the levels of “{}”", criterion.name),
            ));
        }
    }
    Ok(())
}

/// Peer review on a round: started, with how many reviews each student gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerReviewSettings {
    pub round_id: String,
    pub reviews_per_student: i64,
    pub started_by: UserId,
    pub started_at: i64,
}

/// A review assignment with the review once submitted, as the teacher and the reviewer
/// see it (never shown to authors: it names the reviewer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerReview {
    pub id: String,
    pub round_id: String,
    pub group_id: String,
    pub group_name: String,
    pub project_id: String,
    pub reviewer_id: UserId,
    pub reviewer_name: String,
    pub assigned_at: i64,
    pub submitted_at: Option<i64>,
    /// Points per criterion (empty until submitted).
    pub levels: Vec<u32>,
    pub works: Option<String>,
    pub improve: Option<String>,
    pub question: Option<String>,
    /// When a teacher hid the comments from the authors.
    pub hidden_at: Option<i64>,
}

/// A piece of feedback as the authors see it: no reviewer, no time of writing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PeerFeedback {
    /// The review's id: what an author's helpful rating names.
    pub review_id: String,
    /// Points per criterion, in the rubric's order.
    pub levels: Vec<u32>,
    /// The prompts; `None` when left empty or hidden by the teacher.
    pub works: Option<String>,
    pub improve: Option<String>,
    pub question: Option<String>,
    /// The teacher hid this review's comments (the levels still show).
    pub comments_hidden: bool,
}

/// Where a group's feedback stands (for the authors' page and the teacher's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedbackStatus {
    pub assigned: i64,
    pub submitted: i64,
    pub released_at: Option<i64>,
}

impl FeedbackStatus {
    /// The release rule: two submitted reviews, or a teacher's release.
    pub fn visible(&self) -> bool {
        self.submitted >= RELEASE_AFTER || (self.released_at.is_some() && self.submitted > 0)
    }
}

/// A review to submit.
#[derive(Debug, Clone)]
pub struct NewReview<'a> {
    pub review_id: &'a str,
    pub reviewer: &'a UserId,
    pub project: &'a Project,
    pub levels: &'a [u32],
    pub works: &'a str,
    pub improve: &'a str,
    pub question: &'a str,
    pub at: i64,
}

/// Per reviewer of a round: reviews done and how the authors rated them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewerHelpfulness {
    pub reviewer_id: UserId,
    pub reviewer_name: String,
    pub assigned: i64,
    pub done: i64,
    pub ratings: i64,
    pub helpful: i64,
}

impl ReviewerHelpfulness {
    /// The share of ratings that said helpful, in percent (`None` without ratings).
    pub fn helpful_percent(&self) -> Option<i64> {
        (self.ratings > 0).then(|| (self.helpful * 100 + self.ratings / 2) / self.ratings)
    }
}

/// A student's self-assessment in a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfAssessment {
    pub id: String,
    pub group_id: String,
    pub class_id: ClassId,
    pub project_id: String,
    pub student_id: UserId,
    pub levels: Vec<u32>,
    pub note: String,
    pub assessed_at: i64,
}

/// A self-assessment to save.
#[derive(Debug, Clone)]
pub struct NewSelfAssessment<'a> {
    pub group_id: &'a str,
    pub student: &'a UserId,
    pub project: &'a Project,
    pub levels: &'a [u32],
    pub note: &'a str,
    pub at: i64,
}

/// A new review assignment (for the reviewer's notice).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewAssigned {
    pub review_id: String,
    pub reviewer_id: UserId,
    pub group_id: String,
}

type ReviewRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
);

const REVIEW_SELECT: &str = "SELECT pr.id, pr.round_id, pr.group_id, g.name, g.project_id, \
     pr.reviewer_id, u.display_name, pr.assigned_at, pr.submitted_at, pr.levels, pr.works, \
     pr.improve, pr.question, pr.hidden_at FROM peer_reviews pr \
     JOIN project_groups g ON g.id = pr.group_id JOIN users u ON u.id = pr.reviewer_id";

fn review_from(r: ReviewRow) -> PeerReview {
    PeerReview {
        id: r.0,
        round_id: r.1,
        group_id: r.2,
        group_name: r.3,
        project_id: r.4,
        reviewer_id: UserId::new(r.5),
        reviewer_name: r.6,
        assigned_at: r.7,
        submitted_at: r.8,
        levels: levels_from(r.9.as_deref()),
        works: r.10,
        improve: r.11,
        question: r.12,
        hidden_at: r.13,
    }
}

/// The order authors read feedback in: a hash of the review id, unrelated to the reviewer.
fn shown_order(review_id: &str) -> [u8; 32] {
    Sha256::digest(format!("peer-feedback-order:{review_id}").as_bytes()).into()
}

fn prompt(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_string())
}

type SelfRow = (String, String, String, String, String, String, String, i64);

fn self_from(r: SelfRow) -> SelfAssessment {
    SelfAssessment {
        id: r.0,
        group_id: r.1,
        class_id: ClassId::new(r.2),
        project_id: r.3,
        student_id: UserId::new(r.4),
        levels: levels_from(Some(r.5.as_str())),
        note: r.6,
        assessed_at: r.7,
    }
}

impl Store {
    /// Starts (or starts again) peer review on a published round: `per_student` (1 or 2)
    /// reviews for every student of the round's groups, of submitted groups other than
    /// their own. Done reviews stay; pending ones may move to even the counts. One
    /// transaction; returns the assignments that are new (for the notices).
    pub async fn start_peer_review(
        &self,
        round_id: &str,
        per_student: i64,
        by: &UserId,
        at: i64,
    ) -> Result<Vec<ReviewAssigned>> {
        if !(1..=2).contains(&per_student) {
            return Err(invalid(
                "reviews_per_student",
                "each student reviews 1 or 2 groups",
            ));
        }
        let round = self
            .round(round_id)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "round",
                id: round_id.to_string(),
            })?;
        if round.published_at.is_none() {
            return Err(state(
                "peer review starts once the groups are published and have submitted",
            ));
        }
        let groups = self.groups_of_round(round_id).await?;
        let submitted: Vec<String> = groups
            .iter()
            .filter(|g| g.is_submitted() && g.published_at.is_some())
            .map(|g| g.id.clone())
            .collect();
        if submitted.is_empty() {
            return Err(state(
                "no group has submitted yet: peer review needs submitted work",
            ));
        }
        let mut reviewers = Vec::new();
        for g in groups.iter().filter(|g| g.published_at.is_some()) {
            for m in self.group_members(&g.id).await? {
                reviewers.push(Reviewer {
                    id: m.student_id,
                    own_group: Some(g.id.clone()),
                });
            }
        }
        let existing_rows: Vec<(String, String, String, Option<i64>)> = sqlx::query_as(
            "SELECT id, reviewer_id, group_id, submitted_at FROM peer_reviews WHERE round_id = $1",
        )
        .bind(round_id)
        .fetch_all(&self.pool)
        .await?;
        let existing: Vec<Existing> = existing_rows
            .iter()
            .map(|(_, reviewer, group, submitted)| Existing {
                reviewer: UserId::new(reviewer.clone()),
                group: group.clone(),
                done: submitted.is_some(),
            })
            .collect();
        let wanted = peer_review::assign(&AssignInput {
            submitted,
            reviewers,
            existing,
            per_student: per_student as usize,
            seed: round.seed as u64,
        });
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO peer_review_settings (round_id, reviews_per_student, started_by, started_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (round_id) DO UPDATE SET \
             reviews_per_student = excluded.reviews_per_student, \
             started_by = excluded.started_by, started_at = excluded.started_at",
        )
        .bind(round_id)
        .bind(per_student)
        .bind(by.as_str())
        .bind(at)
        .execute(&mut *tx)
        .await?;
        // Pending assignments no longer wanted go (a done one is never deleted: the
        // condition holds even if it was submitted meanwhile).
        for (id, reviewer, group, submitted) in &existing_rows {
            let kept = wanted
                .iter()
                .any(|a| a.reviewer.as_str() == reviewer && &a.group == group);
            if !kept && submitted.is_none() {
                sqlx::query("DELETE FROM peer_reviews WHERE id = $1 AND submitted_at IS NULL")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let mut added = Vec::new();
        for a in &wanted {
            let known = existing_rows
                .iter()
                .any(|(_, r, g, _)| r == a.reviewer.as_str() && g == &a.group);
            if known {
                continue;
            }
            let id = new_id();
            sqlx::query(
                "INSERT INTO peer_reviews (id, round_id, group_id, reviewer_id, assigned_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&id)
            .bind(round_id)
            .bind(&a.group)
            .bind(a.reviewer.as_str())
            .bind(at)
            .execute(&mut *tx)
            .await?;
            added.push(ReviewAssigned {
                review_id: id,
                reviewer_id: a.reviewer.clone(),
                group_id: a.group.clone(),
            });
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Whether (and how) peer review was started on the round.
    pub async fn peer_review_settings(&self, round_id: &str) -> Result<Option<PeerReviewSettings>> {
        let row: Option<(String, i64, String, i64)> = sqlx::query_as(
            "SELECT round_id, reviews_per_student, started_by, started_at \
             FROM peer_review_settings WHERE round_id = $1",
        )
        .bind(round_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| PeerReviewSettings {
            round_id: r.0,
            reviews_per_student: r.1,
            started_by: UserId::new(r.2),
            started_at: r.3,
        }))
    }

    /// Every review of the round (teachers only: names the reviewers), by group and
    /// reviewer name.
    pub async fn reviews_of_round(&self, round_id: &str) -> Result<Vec<PeerReview>> {
        let sql = format!(
            "{REVIEW_SELECT} WHERE pr.round_id = $1 ORDER BY g.position, g.id, u.display_name, pr.id"
        );
        let rows: Vec<ReviewRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(round_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(review_from).collect())
    }

    /// The reviews the student was given to write (their own), newest assignment first.
    pub async fn reviews_by(&self, reviewer: &UserId) -> Result<Vec<PeerReview>> {
        let sql = format!(
            "{REVIEW_SELECT} WHERE pr.reviewer_id = $1 ORDER BY pr.assigned_at DESC, g.position, pr.id"
        );
        let rows: Vec<ReviewRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(reviewer.as_str())
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(review_from).collect())
    }

    /// One review (names its reviewer: callers check who asks).
    pub async fn peer_review(&self, review_id: &str) -> Result<Option<PeerReview>> {
        let sql = format!("{REVIEW_SELECT} WHERE pr.id = $1");
        let row: Option<ReviewRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(review_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(review_from))
    }

    /// The student's review of the group, if they were assigned one.
    pub async fn review_of_group_by(
        &self,
        group_id: &str,
        reviewer: &UserId,
    ) -> Result<Option<PeerReview>> {
        let sql = format!("{REVIEW_SELECT} WHERE pr.group_id = $1 AND pr.reviewer_id = $2");
        let row: Option<ReviewRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(group_id)
            .bind(reviewer.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(review_from))
    }

    /// Submits a review: a level per criterion of the project's rubric and the prompts
    /// (each at most [`MAX_PROMPT_CHARS`], at least one written). Only by its reviewer,
    /// once (final). Returns whether the group's feedback is visible to its authors now.
    pub async fn submit_review(&self, r: &NewReview<'_>) -> Result<bool> {
        check_levels(r.project, r.levels)?;
        check_text("works", r.works, MAX_PROMPT_CHARS, false)?;
        check_text("improve", r.improve, MAX_PROMPT_CHARS, false)?;
        check_text("question", r.question, MAX_PROMPT_CHARS, false)?;
        if [r.works, r.improve, r.question]
            .iter()
            .all(|t| t.trim().is_empty())
        {
            return Err(invalid(
                "works",
                "answer at least one of the three prompts: what works, what to improve, a question",
            ));
        }
        let review = self
            .peer_review(r.review_id)
            .await?
            .filter(|review| &review.reviewer_id == r.reviewer)
            .ok_or_else(|| StoreError::NotFound {
                what: "review",
                id: r.review_id.to_string(),
            })?;
        if review.project_id != r.project.id {
            return Err(invalid("levels", "the rubric of another project"));
        }
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE peer_reviews SET submitted_at = $2, levels = $3, works = $4, improve = $5, \
             question = $6 WHERE id = $1 AND reviewer_id = $7 AND submitted_at IS NULL",
        )
        .bind(r.review_id)
        .bind(r.at)
        .bind(levels_text(r.levels))
        .bind(prompt(r.works))
        .bind(prompt(r.improve))
        .bind(prompt(r.question))
        .bind(r.reviewer.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done == 0 {
            return Err(state("this review was already submitted: it is final"));
        }
        tx.commit().await?;
        Ok(self.feedback_status(&review.group_id).await?.visible())
    }

    /// Hides (or shows again) a review's comments from the authors; the text stays for
    /// the teacher.
    pub async fn set_review_hidden(
        &self,
        review_id: &str,
        hidden: bool,
        by: &UserId,
        at: i64,
    ) -> Result<()> {
        let changed = if hidden {
            sqlx::query(
                "UPDATE peer_reviews SET hidden_at = $2, hidden_by = $3 \
                 WHERE id = $1 AND submitted_at IS NOT NULL",
            )
            .bind(review_id)
            .bind(at)
            .bind(by.as_str())
            .execute(&self.pool)
            .await?
        } else {
            sqlx::query(
                "UPDATE peer_reviews SET hidden_at = NULL, hidden_by = NULL \
                 WHERE id = $1 AND submitted_at IS NOT NULL",
            )
            .bind(review_id)
            .execute(&self.pool)
            .await?
        };
        if changed.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                what: "submitted review",
                id: review_id.to_string(),
            });
        }
        Ok(())
    }

    /// A teacher releases a group's feedback before two reviews are in. Returns whether
    /// the authors can now see feedback they could not see before.
    pub async fn release_feedback(&self, group_id: &str, by: &UserId, at: i64) -> Result<bool> {
        let before = self.feedback_status(group_id).await?;
        sqlx::query(
            "INSERT INTO peer_feedback_releases (group_id, released_by, released_at) \
             VALUES ($1, $2, $3) ON CONFLICT (group_id) DO NOTHING",
        )
        .bind(group_id)
        .bind(by.as_str())
        .bind(at)
        .execute(&self.pool)
        .await?;
        let after = self.feedback_status(group_id).await?;
        Ok(!before.visible() && after.visible())
    }

    /// How many reviews of the group are assigned and submitted, and its release.
    pub async fn feedback_status(&self, group_id: &str) -> Result<FeedbackStatus> {
        let (assigned, submitted): (i64, i64) = sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN submitted_at IS NULL THEN 0 ELSE 1 END), 0) AS BIGINT) \
             FROM peer_reviews WHERE group_id = $1",
        )
        .bind(group_id)
        .fetch_one(&self.pool)
        .await?;
        let released: Option<(i64,)> =
            sqlx::query_as("SELECT released_at FROM peer_feedback_releases WHERE group_id = $1")
                .bind(group_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(FeedbackStatus {
            assigned,
            submitted,
            released_at: released.map(|r| r.0),
        })
    }

    /// The feedback the group's authors may read now, anonymous (the one rule pages and
    /// the API share): nothing until [`FeedbackStatus::visible`], submitted reviews only,
    /// hidden comments left out, in an order unrelated to the reviewers.
    pub async fn visible_feedback_for_group(&self, group_id: &str) -> Result<Vec<PeerFeedback>> {
        if !self.feedback_status(group_id).await?.visible() {
            return Ok(Vec::new());
        }
        type Row = (
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<i64>,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, levels, works, improve, question, hidden_at FROM peer_reviews \
             WHERE group_id = $1 AND submitted_at IS NOT NULL",
        )
        .bind(group_id)
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<PeerFeedback> = rows
            .into_iter()
            .map(|(id, levels, works, improve, question, hidden_at)| {
                let hidden = hidden_at.is_some();
                PeerFeedback {
                    review_id: id,
                    levels: levels_from(levels.as_deref()),
                    works: works.filter(|_| !hidden),
                    improve: improve.filter(|_| !hidden),
                    question: question.filter(|_| !hidden),
                    comments_hidden: hidden,
                }
            })
            .collect();
        out.sort_by_key(|f| shown_order(&f.review_id));
        Ok(out)
    }

    /// A member of the authoring group rates a piece of feedback they can see: helpful or
    /// not. One rating per member and review; rating again changes it.
    pub async fn rate_feedback(
        &self,
        review_id: &str,
        rater: &UserId,
        helpful: bool,
        at: i64,
    ) -> Result<()> {
        let not_found = || StoreError::NotFound {
            what: "feedback",
            id: review_id.to_string(),
        };
        let group: Option<(String,)> =
            sqlx::query_as("SELECT group_id FROM peer_reviews WHERE id = $1")
                .bind(review_id)
                .fetch_optional(&self.pool)
                .await?;
        let (group_id,) = group.ok_or_else(not_found)?;
        if !self.is_group_member(&group_id, rater).await?
            || !self
                .visible_feedback_for_group(&group_id)
                .await?
                .iter()
                .any(|f| f.review_id == review_id)
        {
            return Err(not_found());
        }
        sqlx::query(
            "INSERT INTO peer_review_ratings (review_id, rater_id, helpful, rated_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (review_id, rater_id) DO UPDATE SET \
             helpful = excluded.helpful, rated_at = excluded.rated_at",
        )
        .bind(review_id)
        .bind(rater.as_str())
        .bind(i64::from(helpful))
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The member's ratings of the group's feedback: review id → helpful.
    pub async fn my_feedback_ratings(
        &self,
        group_id: &str,
        rater: &UserId,
    ) -> Result<BTreeMap<String, bool>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT r.review_id, r.helpful FROM peer_review_ratings r \
             JOIN peer_reviews pr ON pr.id = r.review_id \
             WHERE pr.group_id = $1 AND r.rater_id = $2",
        )
        .bind(group_id)
        .bind(rater.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(id, h)| (id, h != 0)).collect())
    }

    /// Per review of the round: (ratings, helpful ones), for the teacher.
    pub async fn review_ratings(&self, round_id: &str) -> Result<BTreeMap<String, (i64, i64)>> {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT r.review_id, CAST(COUNT(*) AS BIGINT), CAST(SUM(r.helpful) AS BIGINT) \
             FROM peer_review_ratings r JOIN peer_reviews pr ON pr.id = r.review_id \
             WHERE pr.round_id = $1 GROUP BY r.review_id",
        )
        .bind(round_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(id, n, h)| (id, (n, h))).collect())
    }

    /// "Who gives helpful feedback": per reviewer of the round, reviews assigned and
    /// done, and the authors' ratings of them; by name.
    pub async fn reviewer_helpfulness(&self, round_id: &str) -> Result<Vec<ReviewerHelpfulness>> {
        let ratings = self.review_ratings(round_id).await?;
        let mut by: BTreeMap<(String, String), ReviewerHelpfulness> = BTreeMap::new();
        for r in self.reviews_of_round(round_id).await? {
            let entry = by
                .entry((r.reviewer_name.clone(), r.reviewer_id.to_string()))
                .or_insert_with(|| ReviewerHelpfulness {
                    reviewer_id: r.reviewer_id.clone(),
                    reviewer_name: r.reviewer_name.clone(),
                    assigned: 0,
                    done: 0,
                    ratings: 0,
                    helpful: 0,
                });
            entry.assigned += 1;
            if r.submitted_at.is_some() {
                entry.done += 1;
            }
            if let Some((n, h)) = ratings.get(&r.id) {
                entry.ratings += n;
                entry.helpful += h;
            }
        }
        Ok(by.into_values().collect())
    }

    /// Saves (or replaces) a member's self-assessment of their group's work on the
    /// project's rubric, with an optional note of at most [`MAX_SELF_NOTE_CHARS`].
    pub async fn save_self_assessment(&self, s: &NewSelfAssessment<'_>) -> Result<()> {
        check_levels(s.project, s.levels)?;
        check_text("note", s.note, MAX_SELF_NOTE_CHARS, false)?;
        let group = self
            .group(s.group_id)
            .await?
            .filter(|g| g.published_at.is_some() && g.project_id == s.project.id)
            .ok_or_else(|| StoreError::NotFound {
                what: "group",
                id: s.group_id.to_string(),
            })?;
        if !self.is_group_member(s.group_id, s.student).await? {
            return Err(StoreError::NotFound {
                what: "group",
                id: s.group_id.to_string(),
            });
        }
        sqlx::query(
            "INSERT INTO self_assessments (id, group_id, class_id, project_id, student_id, levels, \
             note, assessed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (student_id, group_id) DO UPDATE SET levels = excluded.levels, \
             note = excluded.note, assessed_at = excluded.assessed_at",
        )
        .bind(new_id())
        .bind(s.group_id)
        .bind(group.class_id.as_str())
        .bind(&s.project.id)
        .bind(s.student.as_str())
        .bind(levels_text(s.levels))
        .bind(s.note.trim())
        .bind(s.at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The student's self-assessment in the group, if any.
    pub async fn self_assessment(
        &self,
        group_id: &str,
        student: &UserId,
    ) -> Result<Option<SelfAssessment>> {
        let row: Option<SelfRow> = sqlx::query_as(
            "SELECT id, group_id, class_id, project_id, student_id, levels, note, assessed_at \
             FROM self_assessments WHERE group_id = $1 AND student_id = $2",
        )
        .bind(group_id)
        .bind(student.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(self_from))
    }

    /// The student's self-assessments in a class, newest first.
    pub async fn self_assessments_in_class(
        &self,
        class_id: &ClassId,
        student: &UserId,
    ) -> Result<Vec<SelfAssessment>> {
        let rows: Vec<SelfRow> = sqlx::query_as(
            "SELECT id, group_id, class_id, project_id, student_id, levels, note, assessed_at \
             FROM self_assessments WHERE class_id = $1 AND student_id = $2 \
             ORDER BY assessed_at DESC, id DESC",
        )
        .bind(class_id.as_str())
        .bind(student.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(self_from).collect())
    }

    /// Whether the student is an assigned reviewer of the group and the group submitted:
    /// then they may read its submission (and only that).
    pub async fn is_reviewer_of(&self, group_id: &str, student: &UserId) -> Result<bool> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT 1 FROM peer_reviews pr JOIN project_groups g ON g.id = pr.group_id \
             WHERE pr.group_id = $1 AND pr.reviewer_id = $2 AND g.submitted_at IS NOT NULL",
        )
        .bind(group_id)
        .bind(student.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }
}
