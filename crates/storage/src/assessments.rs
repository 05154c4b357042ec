//! A teacher's assessment of a student's project work on the project's rubric (issue 10,
//! point 5): the level per criterion and written feedback, kept as a row (what the student
//! and teacher read), and for every criterion that names skills a `project-assessment`
//! event that moves mastery like one answer on them
//! ([`ownpace_core::events::assessment`]), all in one transaction: nothing half-written.

use crate::events::{apply_in_tx, insert_graded};
use crate::{AnswerRecord, Result, Store, StoreError, new_id};
use ownpace_core::course::Project;
use ownpace_core::events::{self, EventKind};
use ownpace_core::ids::{ClassId, CourseId, ItemId, UserId};
use ownpace_core::learner::bkt::BktParams;

/// The longest feedback a teacher writes on one assessment.
pub const MAX_ASSESSMENT_FEEDBACK_CHARS: usize = 2_000;

/// An assessment to record.
#[derive(Debug, Clone)]
pub struct NewAssessment<'a> {
    pub class_id: &'a ClassId,
    pub course_id: &'a CourseId,
    pub course_version: i64,
    pub project: &'a Project,
    pub student_id: &'a UserId,
    pub by: &'a UserId,
    /// Points per criterion, in the rubric's order.
    pub levels: &'a [u32],
    pub feedback: &'a str,
    pub at: i64,
}

/// An assessment as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAssessment {
    pub id: String,
    pub class_id: ClassId,
    pub project_id: String,
    pub student_id: UserId,
    pub assessed_by: UserId,
    /// Points per criterion, in the rubric's order at the time.
    pub levels: Vec<u32>,
    pub feedback: String,
    pub assessed_at: i64,
}

type Row = (String, String, String, String, String, String, String, i64);

fn from_row(r: Row) -> StoredAssessment {
    StoredAssessment {
        id: r.0,
        class_id: r.1.into(),
        project_id: r.2,
        student_id: r.3.into(),
        assessed_by: r.4.into(),
        levels: r
            .5
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect(),
        feedback: r.6,
        assessed_at: r.7,
    }
}

impl Store {
    /// Records the assessment and its evidence in one transaction; returns its id. Every
    /// criterion needs one of its levels; feedback is at most
    /// [`MAX_ASSESSMENT_FEEDBACK_CHARS`] characters.
    pub async fn record_assessment(
        &self,
        a: &NewAssessment<'_>,
        params_for: impl Fn(&str) -> BktParams,
    ) -> Result<String> {
        let rubric = &a.project.rubric;
        if a.levels.len() != rubric.len() {
            return Err(StoreError::Invalid {
                field: "levels",
                message: format!("choose a level for each of the {} criteria", rubric.len()),
            });
        }
        let mut assessed = Vec::new();
        for (criterion, &points) in rubric.iter().zip(a.levels) {
            let Some(one) = events::assessment(criterion, points, a.at) else {
                return Err(StoreError::Invalid {
                    field: "levels",
                    message: format!("choose one of the levels of “{}”", criterion.name),
                });
            };
            assessed.push(one);
        }
        let feedback = a.feedback.trim();
        if feedback.chars().count() > MAX_ASSESSMENT_FEEDBACK_CHARS {
            return Err(StoreError::Invalid {
                field: "feedback",
                message: format!(
                    "write at most {MAX_ASSESSMENT_FEEDBACK_CHARS} characters (this has {})",
                    feedback.chars().count()
                ),
            });
        }
        let id = new_id();
        let levels: Vec<String> = a.levels.iter().map(u32::to_string).collect();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO project_assessments (id, class_id, project_id, student_id, assessed_by, \
             levels, feedback, assessed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(a.class_id.as_str())
        .bind(&a.project.id)
        .bind(a.student_id.as_str())
        .bind(a.by.as_str())
        .bind(levels.join(" "))
        .bind(feedback)
        .bind(a.at)
        .execute(&mut *tx)
        .await?;
        for (n, one) in assessed.iter().enumerate() {
            if one.skills.is_empty() {
                continue;
            }
            let points = one.points.to_string();
            let record = AnswerRecord {
                student_id: a.student_id,
                course_id: a.course_id,
                course_version: a.course_version,
                item_id: &ItemId::new(format!("{}/{}", a.project.id, n + 1)),
                skills: one.skills,
                response: &points,
                correct: one.meets_level(),
                occurred_at: a.at,
                duration_ms: None,
                idempotency_key: &format!("assess:{id}:{}", n + 1),
            };
            insert_graded(&mut *tx, &new_id(), EventKind::ProjectAssessment, &record).await?;
            apply_in_tx(
                &mut tx,
                a.student_id.as_str(),
                a.course_id.as_str(),
                &one.event(),
                &params_for,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// The student's assessments, newest first.
    pub async fn student_assessments(&self, student_id: &UserId) -> Result<Vec<StoredAssessment>> {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, class_id, project_id, student_id, assessed_by, levels, feedback, \
             assessed_at FROM project_assessments WHERE student_id = $1 \
             ORDER BY assessed_at DESC, id DESC",
        )
        .bind(student_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(from_row).collect())
    }
}
