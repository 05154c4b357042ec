//! What shapes a student's path besides their answers: goals, the teacher's pins and
//! hides, and the student's interests.

use crate::{Result, Store, StoreError, new_id};

#[derive(Debug, Clone, PartialEq)]
pub struct Goal {
    pub id: String,
    pub student_id: String,
    pub course_id: String,
    pub title: String,
    pub skills: Vec<String>,
    pub project_id: Option<String>,
    pub target_at: i64,
    pub created_by: String,
    pub created_at: i64,
    /// When every skill the goal needs first counted as known; it stays achieved.
    pub achieved_at: Option<i64>,
}

pub struct NewGoal<'a> {
    pub student_id: &'a str,
    pub course_id: &'a str,
    pub title: &'a str,
    pub skills: &'a [String],
    pub project_id: Option<&'a str>,
    pub target_at: i64,
    pub created_by: &'a str,
    /// When the goal is set (ms since the epoch).
    pub created_at: i64,
}

/// Who an override applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverrideScope<'a> {
    /// Every student of this class.
    Class(&'a str),
    /// This student, in every class of the course.
    Student(&'a str),
}

/// A teacher's pin or hide, to store.
pub struct NewOverride<'a> {
    pub course_id: &'a str,
    pub scope: OverrideScope<'a>,
    /// `kind:id` (see `ownpace_core::recommend::Activity::parse`).
    pub activity: &'a str,
    pub action: OverrideAction,
    pub created_by: &'a str,
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
    pub id: String,
    pub class_id: Option<String>,
    pub student_id: Option<String>,
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
}

impl Store {
    pub async fn create_goal(&self, goal: NewGoal<'_>) -> Result<Goal> {
        let id = new_id();
        let created_at = goal.created_at;
        sqlx::query(
            "INSERT INTO goals (id, student_id, course_id, title, skills, project_id, target_at, \
             created_by, created_at, closed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL)",
        )
        .bind(&id)
        .bind(goal.student_id)
        .bind(goal.course_id)
        .bind(goal.title)
        .bind(goal.skills.join(" "))
        .bind(goal.project_id)
        .bind(goal.target_at)
        .bind(goal.created_by)
        .bind(created_at)
        .execute(&self.pool)
        .await?;
        Ok(Goal {
            id,
            student_id: goal.student_id.into(),
            course_id: goal.course_id.into(),
            title: goal.title.into(),
            skills: goal.skills.to_vec(),
            project_id: goal.project_id.map(str::to_string),
            target_at: goal.target_at,
            created_by: goal.created_by.into(),
            created_at,
            achieved_at: None,
        })
    }

    /// Open goals of a student in a course, soonest first.
    pub async fn open_goals(&self, student_id: &str, course_id: &str) -> Result<Vec<Goal>> {
        let rows: Vec<GoalRow> = sqlx::query_as(
            "SELECT id, student_id, course_id, title, skills, project_id, target_at, created_by, created_at, \
             achieved_at FROM goals WHERE student_id = $1 AND course_id = $2 AND closed_at IS NULL \
             ORDER BY target_at, id",
        )
        .bind(student_id)
        .bind(course_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| Goal {
                skills: row.skills.split_whitespace().map(str::to_string).collect(),
                id: row.id,
                student_id: row.student_id,
                course_id: row.course_id,
                title: row.title,
                project_id: row.project_id,
                target_at: row.target_at,
                created_by: row.created_by,
                created_at: row.created_at,
                achieved_at: row.achieved_at,
            })
            .collect())
    }

    /// Records that a goal of this student was achieved at `at`, unless it already was:
    /// the first time stays. Returns whether this call recorded it.
    pub async fn set_goal_achieved(
        &self,
        student_id: &str,
        goal_id: &str,
        at: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE goals SET achieved_at = $1 WHERE id = $2 AND student_id = $3 \
             AND achieved_at IS NULL",
        )
        .bind(at)
        .bind(goal_id)
        .bind(student_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Closes a goal of this student (done or dropped). Unknown ids are an error.
    pub async fn close_goal(&self, student_id: &str, goal_id: &str, at: i64) -> Result<()> {
        let done = sqlx::query("UPDATE goals SET closed_at = $1 WHERE id = $2 AND student_id = $3 AND closed_at IS NULL")
            .bind(at)
            .bind(goal_id)
            .bind(student_id)
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
        .bind(course_id)
        .bind(class_id)
        .bind(student_id)
        .bind(activity)
        .bind(action.as_str())
        .bind(created_by)
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn remove_override(&self, override_id: &str) -> Result<()> {
        sqlx::query("DELETE FROM activity_overrides WHERE id = $1")
            .bind(override_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Overrides that apply to a student in a course: their own and their classes'.
    pub async fn overrides_for_student(
        &self,
        student_id: &str,
        course_id: &str,
    ) -> Result<Vec<ActivityOverride>> {
        self.overrides(
            "SELECT o.id, o.class_id, o.student_id, o.activity, o.action, o.created_at FROM activity_overrides o \
             WHERE o.course_id = $1 AND (o.student_id = $2 OR o.class_id IN \
             (SELECT class_id FROM enrollments WHERE student_id = $2)) ORDER BY o.created_at DESC, o.id",
            course_id,
            student_id,
        )
        .await
    }

    /// Overrides set for a class and for each of its students.
    pub async fn overrides_for_class(
        &self,
        class_id: &str,
        course_id: &str,
    ) -> Result<Vec<ActivityOverride>> {
        self.overrides(
            "SELECT o.id, o.class_id, o.student_id, o.activity, o.action, o.created_at FROM activity_overrides o \
             WHERE o.course_id = $1 AND (o.class_id = $2 OR o.student_id IN \
             (SELECT student_id FROM enrollments WHERE class_id = $2)) ORDER BY o.created_at DESC, o.id",
            course_id,
            class_id,
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
                    id,
                    class_id,
                    student_id,
                    activity,
                    action,
                    created_at,
                })
            })
            .collect()
    }

    /// Replaces a student's interests.
    pub async fn set_interests(&self, student_id: &str, tags: &[String]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM student_interests WHERE student_id = $1")
            .bind(student_id)
            .execute(&mut *tx)
            .await?;
        for tag in tags {
            sqlx::query("INSERT INTO student_interests (student_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(student_id)
                .bind(tag)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn interests(&self, student_id: &str) -> Result<Vec<String>> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT tag FROM student_interests WHERE student_id = $1 ORDER BY tag")
                .bind(student_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|(t,)| t).collect())
    }

    /// The placement check's question cap for a class.
    pub async fn placement_questions(&self, class_id: &str) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT placement_questions FROM classes WHERE id = $1")
            .bind(class_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "class",
                id: class_id.to_string(),
            })?;
        Ok(n)
    }

    pub async fn set_placement_questions(&self, class_id: &str, questions: i64) -> Result<()> {
        if !(1..=60).contains(&questions) {
            return Err(StoreError::Invalid {
                field: "placement questions",
                message: format!("must be between 1 and 60, not {questions}"),
            });
        }
        sqlx::query("UPDATE classes SET placement_questions = $1 WHERE id = $2")
            .bind(questions)
            .bind(class_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
