//! A teacher's assessment of a student's project work on the project's rubric (issue 10,
//! point 5): the level per criterion and written feedback, kept as a row (what the student
//! and teacher read), and for every criterion that names skills a `project-assessment`
//! event that moves mastery like one answer on them
//! ([`ownpace_core::events::assessment`]), all in one transaction: nothing half-written.
//!
//! A teacher may assess a whole group once ([`Store::record_group_assessment`]): the same
//! levels and feedback recorded for every current member, in one transaction, each
//! member's evidence appended and applied like a single assessment. An assessment names
//! the group it was made for, so members read it in the group's space; adjusting one
//! member afterwards (the per-student page) records a newer assessment for them alone.

use crate::check_text;
use crate::events::{apply_in_tx, insert_graded};
use crate::{AnswerRecord, Result, Store, StoreError, new_id};
use ownpace_core::course::Project;
use ownpace_core::events::{self, EventKind};
use ownpace_core::ids::{ClassId, CourseId, ItemId, UserId};
use ownpace_core::learner::bkt::BktParams;
use sqlx::AssertSqlSafe;

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
    /// The project group the assessment is for, if the student is in one for the project.
    pub group_id: Option<&'a str>,
}

/// A whole group's assessment to record: one for every current member.
#[derive(Debug, Clone)]
pub struct NewGroupAssessment<'a> {
    pub group_id: &'a str,
    pub course_id: &'a CourseId,
    pub course_version: i64,
    pub project: &'a Project,
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
    /// The project group it was made for (`None`: outside any group).
    pub group_id: Option<String>,
}

type Row = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
);

const COLUMNS: &str = "id, class_id, project_id, student_id, assessed_by, levels, feedback, \
     assessed_at, group_id";

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
        group_id: r.8,
    }
}

/// The checked levels and feedback: one assessment per criterion, the trimmed feedback.
fn checked<'p>(
    project: &'p Project,
    levels: &[u32],
    feedback: &'p str,
    at: i64,
) -> Result<(Vec<events::Assessment<'p>>, &'p str)> {
    let rubric = &project.rubric;
    if levels.len() != rubric.len() {
        return Err(StoreError::Invalid {
            field: "levels",
            message: format!("choose a level for each of the {} criteria", rubric.len()),
        });
    }
    let mut assessed = Vec::new();
    for (criterion, &points) in rubric.iter().zip(levels) {
        let Some(one) = events::assessment(criterion, points, at) else {
            return Err(StoreError::Invalid {
                field: "levels",
                message: format!("choose one of the levels of “{}”", criterion.name),
            });
        };
        assessed.push(one);
    }
    let feedback = feedback.trim();
    check_text("feedback", feedback, MAX_ASSESSMENT_FEEDBACK_CHARS, false)?;
    Ok((assessed, feedback))
}

/// One student's assessment row and its evidence, inside the caller's transaction.
struct OneStudent<'a> {
    class_id: &'a str,
    course_id: &'a CourseId,
    course_version: i64,
    project: &'a Project,
    student_id: &'a UserId,
    by: &'a UserId,
    levels: &'a [u32],
    feedback: &'a str,
    at: i64,
    group_id: Option<&'a str>,
}

async fn insert_one(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    a: &OneStudent<'_>,
    assessed: &[events::Assessment<'_>],
    params_for: &impl Fn(&str) -> BktParams,
) -> Result<String> {
    let id = new_id();
    let levels: Vec<String> = a.levels.iter().map(u32::to_string).collect();
    sqlx::query(
        "INSERT INTO project_assessments (id, class_id, project_id, student_id, assessed_by, \
         levels, feedback, assessed_at, group_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&id)
    .bind(a.class_id)
    .bind(&a.project.id)
    .bind(a.student_id.as_str())
    .bind(a.by.as_str())
    .bind(levels.join(" "))
    .bind(a.feedback)
    .bind(a.at)
    .bind(a.group_id)
    .execute(&mut **tx)
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
        insert_graded(&mut **tx, &new_id(), EventKind::ProjectAssessment, &record).await?;
        apply_in_tx(
            tx,
            a.student_id.as_str(),
            a.course_id.as_str(),
            &one.event(),
            params_for,
        )
        .await?;
    }
    Ok(id)
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
        let (assessed, feedback) = checked(a.project, a.levels, a.feedback, a.at)?;
        let mut tx = self.pool.begin().await?;
        let id = insert_one(
            &mut tx,
            &OneStudent {
                class_id: a.class_id.as_str(),
                course_id: a.course_id,
                course_version: a.course_version,
                project: a.project,
                student_id: a.student_id,
                by: a.by,
                levels: a.levels,
                feedback,
                at: a.at,
                group_id: a.group_id,
            },
            &assessed,
            &params_for,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Assesses a whole group once: the same levels and feedback recorded for every
    /// current member (and their evidence applied), all in one transaction. The group must
    /// be published and of the project; returns the members assessed (at least one).
    pub async fn record_group_assessment(
        &self,
        a: &NewGroupAssessment<'_>,
        params_for: impl Fn(&str) -> BktParams,
    ) -> Result<Vec<UserId>> {
        let (assessed, feedback) = checked(a.project, a.levels, a.feedback, a.at)?;
        let group = self
            .group(a.group_id)
            .await?
            .filter(|g| g.published_at.is_some())
            .ok_or_else(|| StoreError::NotFound {
                what: "group",
                id: a.group_id.to_string(),
            })?;
        if group.project_id != a.project.id {
            return Err(StoreError::Invalid {
                field: "project",
                message: "the group works on another project: reload the page".into(),
            });
        }
        let mut tx = self.pool.begin().await?;
        // Read inside the transaction so a member moved meanwhile is not assessed here.
        let members: Vec<(String,)> = sqlx::query_as(
            "SELECT student_id FROM group_members WHERE group_id = $1 AND left_at IS NULL \
             ORDER BY student_id",
        )
        .bind(a.group_id)
        .fetch_all(&mut *tx)
        .await?;
        if members.is_empty() {
            return Err(StoreError::Invalid {
                field: "group",
                message: "the group has no members now: nobody to assess".into(),
            });
        }
        let mut done = Vec::new();
        for (student,) in members {
            let student = UserId::new(student);
            insert_one(
                &mut tx,
                &OneStudent {
                    class_id: group.class_id.as_str(),
                    course_id: a.course_id,
                    course_version: a.course_version,
                    project: a.project,
                    student_id: &student,
                    by: a.by,
                    levels: a.levels,
                    feedback,
                    at: a.at,
                    group_id: Some(a.group_id),
                },
                &assessed,
                &params_for,
            )
            .await?;
            done.push(student);
        }
        tx.commit().await?;
        Ok(done)
    }

    /// The student's assessments, newest first.
    pub async fn student_assessments(&self, student_id: &UserId) -> Result<Vec<StoredAssessment>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM project_assessments WHERE student_id = $1 \
             ORDER BY assessed_at DESC, id DESC"
        );
        let rows: Vec<Row> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(student_id.as_str())
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(from_row).collect())
    }

    /// The assessments made for a group (of every member, the whole group's and any
    /// adjustment of one member), newest first.
    pub async fn group_assessments(&self, group_id: &str) -> Result<Vec<StoredAssessment>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM project_assessments WHERE group_id = $1 \
             ORDER BY assessed_at DESC, id DESC"
        );
        let rows: Vec<Row> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(group_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(from_row).collect())
    }

    /// What the student reads for a group: their newest assessment made for it.
    pub async fn my_group_assessment(
        &self,
        group_id: &str,
        student_id: &UserId,
    ) -> Result<Option<StoredAssessment>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM project_assessments WHERE group_id = $1 AND student_id = $2 \
             ORDER BY assessed_at DESC, id DESC LIMIT 1"
        );
        let row: Option<Row> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(group_id)
            .bind(student_id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(from_row))
    }
}
