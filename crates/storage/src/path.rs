//! What shapes a student's path besides their answers: goals, the teacher's pins and
//! hides, and the student's interests.

use crate::check_text;
use crate::{Result, Store, StoreError, new_id};
use ownpace_core::ids::{ClassId, CourseId, GoalId, OverrideId, UserId};
use sqlx::AssertSqlSafe;

#[derive(Debug, Clone, PartialEq)]
pub struct Goal {
    pub id: GoalId,
    pub student_id: UserId,
    pub course_id: CourseId,
    pub title: String,
    pub skills: Vec<String>,
    pub project_id: Option<String>,
    pub target_at: i64,
    pub created_by: UserId,
    pub created_at: i64,
    /// When every skill the goal needs first counted as known; it stays achieved.
    pub achieved_at: Option<i64>,
    /// Whether the student's teacher agreed to it.
    pub agreement: GoalAgreement,
    /// The teacher's decision on a proposed goal, with their comment.
    pub review: Option<GoalReviewNote>,
}

/// Where a goal stands between a student and their teacher (issue 9): a student proposes,
/// the teacher accepts, adjusts (a new date) or declines; a teacher's own goal is agreed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoalAgreement {
    Proposed,
    Agreed,
    Declined,
}

impl GoalAgreement {
    fn as_str(self) -> &'static str {
        match self {
            GoalAgreement::Proposed => "proposed",
            GoalAgreement::Agreed => "agreed",
            GoalAgreement::Declined => "declined",
        }
    }

    fn parse(text: &str) -> GoalAgreement {
        match text {
            "proposed" => GoalAgreement::Proposed,
            "declined" => GoalAgreement::Declined,
            _ => GoalAgreement::Agreed,
        }
    }
}

/// Who decided on a proposed goal, when, and what they said.
#[derive(Debug, Clone, PartialEq)]
pub struct GoalReviewNote {
    pub by: UserId,
    pub at: i64,
    pub comment: String,
}

/// A teacher's answer to a student's proposed goal (or a change to an agreed one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoalDecision {
    Accept,
    /// Agreed with a new target date (ms, the end of the chosen day).
    Adjust {
        target_at: i64,
    },
    /// Not agreed: the goal closes, and the student sees why.
    Decline,
}

/// The longest comment a teacher writes on a goal.
pub const MAX_GOAL_COMMENT_CHARS: usize = 500;

pub struct NewGoal<'a> {
    pub student_id: &'a UserId,
    pub course_id: &'a CourseId,
    pub title: &'a str,
    pub skills: &'a [String],
    pub project_id: Option<&'a str>,
    pub target_at: i64,
    pub created_by: &'a UserId,
    /// When the goal is set (ms since the epoch).
    pub created_at: i64,
}

/// Who an override applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverrideScope<'a> {
    /// Every student of this class.
    Class(&'a ClassId),
    /// This student, in every class of the course.
    Student(&'a UserId),
}

/// A teacher's pin or hide, to store.
pub struct NewOverride<'a> {
    pub course_id: &'a CourseId,
    pub scope: OverrideScope<'a>,
    /// `kind:id` (see `ownpace_core::recommend::Activity::parse`).
    pub activity: &'a str,
    pub action: OverrideAction,
    pub created_by: &'a UserId,
    pub at: i64,
}

/// Whether a teacher put an activity first or out of sight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverrideAction {
    Pin,
    Hide,
}

impl OverrideAction {
    fn as_str(self) -> &'static str {
        match self {
            OverrideAction::Pin => "pin",
            OverrideAction::Hide => "hide",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityOverride {
    pub id: OverrideId,
    pub class_id: Option<ClassId>,
    pub student_id: Option<UserId>,
    /// `kind:id`, e.g. `skill:unit-rate`, `lesson:ratio-tables-watch`, `project:box-scores`.
    pub activity: String,
    pub action: OverrideAction,
    pub created_at: i64,
}

type OverrideRow = (String, Option<String>, Option<String>, String, String, i64);
#[derive(sqlx::FromRow)]
struct GoalRow {
    id: String,
    student_id: String,
    course_id: String,
    title: String,
    skills: String,
    project_id: Option<String>,
    target_at: i64,
    created_by: String,
    created_at: i64,
    achieved_at: Option<i64>,
    agreement: String,
    reviewed_by: Option<String>,
    reviewed_at: Option<i64>,
    review_comment: Option<String>,
}

const GOAL_COLUMNS: &str = "id, student_id, course_id, title, skills, project_id, target_at, created_by, \
     created_at, achieved_at, agreement, reviewed_by, reviewed_at, review_comment";

impl From<GoalRow> for Goal {
    fn from(row: GoalRow) -> Goal {
        let review = match (row.reviewed_by, row.reviewed_at) {
            (Some(by), Some(at)) => Some(GoalReviewNote {
                by: by.into(),
                at,
                comment: row.review_comment.unwrap_or_default(),
            }),
            _ => None,
        };
        Goal {
            skills: row.skills.split_whitespace().map(str::to_string).collect(),
            id: row.id.into(),
            student_id: row.student_id.into(),
            course_id: row.course_id.into(),
            title: row.title,
            project_id: row.project_id,
            target_at: row.target_at,
            created_by: row.created_by.into(),
            created_at: row.created_at,
            achieved_at: row.achieved_at,
            agreement: GoalAgreement::parse(&row.agreement),
            review,
        }
    }
}

impl Store {
    /// Stores a goal. A goal the student sets is a proposal for their teacher; one a
    /// teacher sets is agreed at once.
    pub async fn create_goal(&self, goal: NewGoal<'_>) -> Result<Goal> {
        let id = new_id();
        let created_at = goal.created_at;
        let by_student = goal.created_by == goal.student_id;
        let agreement = if by_student {
            GoalAgreement::Proposed
        } else {
            GoalAgreement::Agreed
        };
        let review = (!by_student).then(|| GoalReviewNote {
            by: goal.created_by.clone(),
            at: created_at,
            comment: String::new(),
        });
        sqlx::query(
            "INSERT INTO goals (id, student_id, course_id, title, skills, project_id, target_at, \
             created_by, created_at, closed_at, agreement, reviewed_by, reviewed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, $10, $11, $12)",
        )
        .bind(&id)
        .bind(goal.student_id.as_str())
        .bind(goal.course_id.as_str())
        .bind(goal.title)
        .bind(goal.skills.join(" "))
        .bind(goal.project_id)
        .bind(goal.target_at)
        .bind(goal.created_by.as_str())
        .bind(created_at)
        .bind(agreement.as_str())
        .bind(review.as_ref().map(|r| r.by.as_str()))
        .bind(review.as_ref().map(|r| r.at))
        .execute(&self.pool)
        .await?;
        Ok(Goal {
            id: id.into(),
            student_id: goal.student_id.clone(),
            course_id: goal.course_id.clone(),
            title: goal.title.into(),
            skills: goal.skills.to_vec(),
            project_id: goal.project_id.map(str::to_string),
            target_at: goal.target_at,
            created_by: goal.created_by.clone(),
            created_at,
            achieved_at: None,
            agreement,
            review,
        })
    }

    /// Open goals of a student in a course (proposed and agreed), soonest first.
    pub async fn open_goals(&self, student_id: &UserId, course_id: &CourseId) -> Result<Vec<Goal>> {
        let rows: Vec<GoalRow> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {GOAL_COLUMNS} FROM goals WHERE student_id = $1 AND course_id = $2 \
             AND closed_at IS NULL ORDER BY target_at, id"
        )))
        .bind(student_id.as_str())
        .bind(course_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Goal::from).collect())
    }

    /// Goals of a student in a course that a teacher declined since `since`, latest first:
    /// the student reads why.
    pub async fn declined_goals(
        &self,
        student_id: &UserId,
        course_id: &CourseId,
        since: i64,
    ) -> Result<Vec<Goal>> {
        let rows: Vec<GoalRow> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {GOAL_COLUMNS} FROM goals WHERE student_id = $1 AND course_id = $2 \
             AND agreement = 'declined' AND reviewed_at >= $3 ORDER BY reviewed_at DESC, id LIMIT 20"
        )))
        .bind(student_id.as_str())
        .bind(course_id.as_str())
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Goal::from).collect())
    }

    /// A teacher's decision on an open goal of this student, with their comment (at most
    /// [`MAX_GOAL_COMMENT_CHARS`]). Declining closes the goal. An unknown or closed goal is
    /// `NotFound`.
    pub async fn review_goal(
        &self,
        student_id: &UserId,
        goal_id: &GoalId,
        decision: GoalDecision,
        comment: &str,
        by: &UserId,
        at: i64,
    ) -> Result<Goal> {
        check_text("comment", comment, MAX_GOAL_COMMENT_CHARS, false)?;
        let (agreement, closed_at, target_at) = match decision {
            GoalDecision::Accept => (GoalAgreement::Agreed, None, None),
            GoalDecision::Adjust { target_at } => (GoalAgreement::Agreed, None, Some(target_at)),
            GoalDecision::Decline => (GoalAgreement::Declined, Some(at), None),
        };
        let comment = comment.trim();
        let done = sqlx::query(
            "UPDATE goals SET agreement = $1, reviewed_by = $2, reviewed_at = $3, \
             review_comment = $4, closed_at = $5, target_at = COALESCE($6, target_at) \
             WHERE id = $7 AND student_id = $8 AND closed_at IS NULL",
        )
        .bind(agreement.as_str())
        .bind(by.as_str())
        .bind(at)
        .bind((!comment.is_empty()).then_some(comment))
        .bind(closed_at)
        .bind(target_at)
        .bind(goal_id.as_str())
        .bind(student_id.as_str())
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                what: "goal",
                id: goal_id.to_string(),
            });
        }
        let row: GoalRow = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {GOAL_COLUMNS} FROM goals WHERE id = $1"
        )))
        .bind(goal_id.as_str())
        .fetch_one(&self.pool)
        .await?;
        Ok(row.into())
    }

    /// Records that a goal of this student was achieved at `at`, unless it already was:
    /// the first time stays. Returns whether this call recorded it.
    pub async fn set_goal_achieved(
        &self,
        student_id: &UserId,
        goal_id: &GoalId,
        at: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE goals SET achieved_at = $1 WHERE id = $2 AND student_id = $3 \
             AND achieved_at IS NULL",
        )
        .bind(at)
        .bind(goal_id.as_str())
        .bind(student_id.as_str())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Closes a goal of this student (done or dropped). Unknown ids are an error.
    pub async fn close_goal(&self, student_id: &UserId, goal_id: &GoalId, at: i64) -> Result<()> {
        let done = sqlx::query("UPDATE goals SET closed_at = $1 WHERE id = $2 AND student_id = $3 AND closed_at IS NULL")
            .bind(at)
            .bind(goal_id.as_str())
            .bind(student_id.as_str())
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                what: "goal",
                id: goal_id.to_string(),
            });
        }
        Ok(())
    }

    /// Pins or hides an activity for one student or a whole class.
    pub async fn add_override(&self, new: NewOverride<'_>) -> Result<()> {
        let (class_id, student_id) = match new.scope {
            OverrideScope::Class(class) => (Some(class), None),
            OverrideScope::Student(student) => (None, Some(student)),
        };
        let NewOverride {
            course_id,
            activity,
            action,
            created_by,
            at,
            ..
        } = new;
        sqlx::query(
            "INSERT INTO activity_overrides (id, course_id, class_id, student_id, activity, action, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(new_id())
        .bind(course_id.as_str())
        .bind(class_id.map(|id| id.as_str()))
        .bind(student_id.map(|id| id.as_str()))
        .bind(activity)
        .bind(action.as_str())
        .bind(created_by.as_str())
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn remove_override(&self, override_id: &OverrideId) -> Result<()> {
        sqlx::query("DELETE FROM activity_overrides WHERE id = $1")
            .bind(override_id.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Overrides that apply to a student in a course: their own and their classes'.
    pub async fn overrides_for_student(
        &self,
        student_id: &UserId,
        course_id: &CourseId,
    ) -> Result<Vec<ActivityOverride>> {
        self.overrides(
            "SELECT o.id, o.class_id, o.student_id, o.activity, o.action, o.created_at FROM activity_overrides o \
             WHERE o.course_id = $1 AND (o.student_id = $2 OR o.class_id IN \
             (SELECT class_id FROM enrollments WHERE student_id = $2 AND left_at IS NULL)) ORDER BY o.created_at DESC, o.id",
            course_id.as_str(),
            student_id.as_str(),
        )
        .await
    }

    /// Overrides set for a class and for each of its students.
    pub async fn overrides_for_class(
        &self,
        class_id: &ClassId,
        course_id: &CourseId,
    ) -> Result<Vec<ActivityOverride>> {
        self.overrides(
            "SELECT o.id, o.class_id, o.student_id, o.activity, o.action, o.created_at FROM activity_overrides o \
             WHERE o.course_id = $1 AND (o.class_id = $2 OR o.student_id IN \
             (SELECT student_id FROM enrollments WHERE class_id = $2 AND left_at IS NULL)) ORDER BY o.created_at DESC, o.id",
            course_id.as_str(),
            class_id.as_str(),
        )
        .await
    }

    async fn overrides(
        &self,
        sql: &'static str,
        a: &str,
        b: &str,
    ) -> Result<Vec<ActivityOverride>> {
        let rows: Vec<OverrideRow> = sqlx::query_as(sql)
            .bind(a)
            .bind(b)
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter()
            .map(|(id, class_id, student_id, activity, action, created_at)| {
                let action = match action.as_str() {
                    "pin" => OverrideAction::Pin,
                    "hide" => OverrideAction::Hide,
                    other => {
                        return Err(StoreError::Corrupt {
                            what: "activity_overrides.action",
                            detail: other.to_string(),
                        });
                    }
                };
                Ok(ActivityOverride {
                    id: id.into(),
                    class_id: class_id.map(ClassId::from),
                    student_id: student_id.map(UserId::from),
                    activity,
                    action,
                    created_at,
                })
            })
            .collect()
    }

    /// Replaces a student's interests.
    pub async fn set_interests(&self, student_id: &UserId, tags: &[String]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM student_interests WHERE student_id = $1")
            .bind(student_id.as_str())
            .execute(&mut *tx)
            .await?;
        for tag in tags {
            sqlx::query("INSERT INTO student_interests (student_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(student_id.as_str())
                .bind(tag)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn interests(&self, student_id: &UserId) -> Result<Vec<String>> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT tag FROM student_interests WHERE student_id = $1 ORDER BY tag")
                .bind(student_id.as_str())
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|(t,)| t).collect())
    }

    /// The placement check's question cap for a class.
    pub async fn placement_questions(&self, class_id: &ClassId) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT placement_questions FROM classes WHERE id = $1")
            .bind(class_id.as_str())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "class",
                id: class_id.to_string(),
            })?;
        Ok(n)
    }

    pub async fn set_placement_questions(&self, class_id: &ClassId, questions: i64) -> Result<()> {
        if !(1..=60).contains(&questions) {
            return Err(StoreError::Invalid {
                field: "placement questions",
                message: format!("must be between 1 and 60, not {questions}"),
            });
        }
        sqlx::query("UPDATE classes SET placement_questions = $1 WHERE id = $2")
            .bind(questions)
            .bind(class_id.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
