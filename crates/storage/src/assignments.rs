//! Assignments (issue 9, point 4): a teacher assigns a skill, lesson or project of the
//! class's course to the whole class, a group of its students or one student, from a
//! start to a due time. `assignments` holds the current state; every change (created,
//! changed, withdrawn) and every project the teacher marks done is appended to
//! `assignment_history` in the same transaction, so the record of who changed what, when,
//! is kept and the state can be read back from it.
//!
//! Whether a student has done an assignment is not stored here: it follows from their
//! own events (a skill mastered, a lesson finished), except for a project, which the
//! teacher marks done (a `done` row of the history).

use crate::{Result, Store, StoreError, new_id};
use ownpace_core::assignments::TargetKind;
use ownpace_core::ids::{ClassId, CourseId, UserId};

/// The most students one assignment names (a group; the whole class is a flag).
pub const MAX_ASSIGNED_STUDENTS: usize = 500;
/// The longest id of a skill, lesson or project accepted as a target.
pub const MAX_TARGET_ID_CHARS: usize = 200;

/// Whom an assignment is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssignTo {
    /// Every current student of the class (also those who join later).
    WholeClass,
    /// These students of the class (a group, or one student).
    Students(Vec<UserId>),
}

/// A new assignment, as [`Store::create_assignment`] takes it.
#[derive(Debug, Clone)]
pub struct NewAssignment<'a> {
    pub class_id: &'a ClassId,
    pub course_id: &'a CourseId,
    pub kind: TargetKind,
    pub target_id: &'a str,
    pub to: AssignTo,
    pub starts_at: i64,
    pub due_at: i64,
    pub created_by: &'a UserId,
    /// When it is recorded (the request's time).
    pub at: i64,
}

/// An assignment's current state.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub id: String,
    pub class_id: ClassId,
    pub course_id: CourseId,
    pub kind: TargetKind,
    pub target_id: String,
    /// Empty when the assignment is for the whole class.
    pub students: Vec<UserId>,
    pub whole_class: bool,
    pub starts_at: i64,
    pub due_at: i64,
    pub created_by: UserId,
    pub created_at: i64,
    pub withdrawn_at: Option<i64>,
}

/// One entry of an assignment's history.
#[derive(Debug, Clone, PartialEq)]
pub struct AssignmentChange {
    /// `created`, `changed`, `withdrawn` or `done` (a project marked done for `student`).
    pub kind: String,
    pub changed_by: UserId,
    pub changed_at: i64,
    pub starts_at: i64,
    pub due_at: i64,
    pub student: Option<UserId>,
}

type AssignmentRow = (
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    i64,
    String,
    i64,
    Option<i64>,
);

const COLUMNS: &str = "a.id, a.class_id, a.course_id, a.target_kind, a.target_id, a.whole_class, \
     a.starts_at, a.due_at, a.created_by, a.created_at, a.withdrawn_at";

fn invalid(field: &'static str, message: &str) -> StoreError {
    StoreError::Invalid {
        field,
        message: message.to_string(),
    }
}

fn check_dates(starts_at: i64, due_at: i64) -> Result<()> {
    if due_at < starts_at {
        return Err(invalid(
            "due",
            "the due date comes on or after the start date",
        ));
    }
    Ok(())
}

impl Store {
    /// Records a new assignment and its `created` history row in one transaction. The
    /// caller checks that the target is in the class's course and the students are in the
    /// class; this checks the dates and the list's size.
    pub async fn create_assignment(&self, new: NewAssignment<'_>) -> Result<Assignment> {
        check_dates(new.starts_at, new.due_at)?;
        let target = new.target_id.trim();
        if target.is_empty() || target.chars().count() > MAX_TARGET_ID_CHARS {
            return Err(invalid("target", "choose a skill, lesson or project"));
        }
        let mut students: Vec<UserId> = match &new.to {
            AssignTo::WholeClass => Vec::new(),
            AssignTo::Students(list) => list.clone(),
        };
        students.sort();
        students.dedup();
        if matches!(new.to, AssignTo::Students(_)) && students.is_empty() {
            return Err(invalid("students", "choose at least one student"));
        }
        if students.len() > MAX_ASSIGNED_STUDENTS {
            return Err(invalid("students", "at most 500 students"));
        }
        let whole_class = matches!(new.to, AssignTo::WholeClass);
        let id = new_id();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO assignments (id, class_id, course_id, target_kind, target_id, \
             whole_class, starts_at, due_at, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&id)
        .bind(new.class_id.as_str())
        .bind(new.course_id.as_str())
        .bind(new.kind.as_str())
        .bind(target)
        .bind(i64::from(whole_class))
        .bind(new.starts_at)
        .bind(new.due_at)
        .bind(new.created_by.as_str())
        .bind(new.at)
        .execute(&mut *tx)
        .await?;
        for student in &students {
            sqlx::query(
                "INSERT INTO assignment_students (assignment_id, student_id) VALUES ($1, $2)",
            )
            .bind(&id)
            .bind(student.as_str())
            .execute(&mut *tx)
            .await?;
        }
        insert_history(
            &mut tx,
            &id,
            "created",
            new.created_by,
            new.at,
            new.starts_at,
            new.due_at,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(Assignment {
            id,
            class_id: new.class_id.clone(),
            course_id: new.course_id.clone(),
            kind: new.kind,
            target_id: target.to_string(),
            students,
            whole_class,
            starts_at: new.starts_at,
            due_at: new.due_at,
            created_by: new.created_by.clone(),
            created_at: new.at,
            withdrawn_at: None,
        })
    }

    /// Moves an assignment's start and due dates (recorded as `changed`). An assignment
    /// of another class, or withdrawn, is not found.
    pub async fn change_assignment(
        &self,
        class_id: &ClassId,
        id: &str,
        starts_at: i64,
        due_at: i64,
        by: &UserId,
        at: i64,
    ) -> Result<()> {
        check_dates(starts_at, due_at)?;
        let mut tx = self.pool.begin().await?;
        let changed = sqlx::query(
            "UPDATE assignments SET starts_at = $1, due_at = $2 \
             WHERE id = $3 AND class_id = $4 AND withdrawn_at IS NULL",
        )
        .bind(starts_at)
        .bind(due_at)
        .bind(id)
        .bind(class_id.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(not_found(id));
        }
        insert_history(&mut tx, id, "changed", by, at, starts_at, due_at, None).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Withdraws an assignment (recorded as `withdrawn`): it leaves every list and
    /// calendar, its history stays.
    pub async fn withdraw_assignment(
        &self,
        class_id: &ClassId,
        id: &str,
        by: &UserId,
        at: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let changed = sqlx::query(
            "UPDATE assignments SET withdrawn_at = $1 \
             WHERE id = $2 AND class_id = $3 AND withdrawn_at IS NULL",
        )
        .bind(at)
        .bind(id)
        .bind(class_id.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(not_found(id));
        }
        let (starts_at, due_at): (i64, i64) =
            sqlx::query_as("SELECT starts_at, due_at FROM assignments WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        insert_history(&mut tx, id, "withdrawn", by, at, starts_at, due_at, None).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Marks a project assignment done for one student (a `done` row of the history;
    /// marking twice records once).
    pub async fn mark_assignment_done(
        &self,
        class_id: &ClassId,
        id: &str,
        student: &UserId,
        by: &UserId,
        at: i64,
    ) -> Result<()> {
        let Some(assignment) = self.assignment(class_id, id).await? else {
            return Err(not_found(id));
        };
        if assignment.withdrawn_at.is_some() {
            return Err(not_found(id));
        }
        let mut tx = self.pool.begin().await?;
        let (already,): (i64,) = sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM assignment_history \
             WHERE assignment_id = $1 AND kind = 'done' AND student_id = $2",
        )
        .bind(id)
        .bind(student.as_str())
        .fetch_one(&mut *tx)
        .await?;
        if already == 0 {
            insert_history(
                &mut tx,
                id,
                "done",
                by,
                at,
                assignment.starts_at,
                assignment.due_at,
                Some(student),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// One assignment of a class (withdrawn ones too).
    pub async fn assignment(&self, class_id: &ClassId, id: &str) -> Result<Option<Assignment>> {
        let row: Option<AssignmentRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM assignments a WHERE a.id = $1 AND a.class_id = $2"
        )))
        .bind(id)
        .bind(class_id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => Ok(Some(self.with_students(row).await?)),
            None => Ok(None),
        }
    }

    /// A class's assignments that are not withdrawn, newest first.
    pub async fn class_assignments(&self, class_id: &ClassId) -> Result<Vec<Assignment>> {
        let rows: Vec<AssignmentRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM assignments a WHERE a.class_id = $1 \
             AND a.withdrawn_at IS NULL ORDER BY a.created_at DESC, a.id DESC"
        )))
        .bind(class_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(self.with_students(row).await?);
        }
        Ok(out)
    }

    /// The assignments a student has now: not withdrawn, of a class they are currently
    /// in, for the whole class or naming them; newest first. `course` narrows to one
    /// course; `started_by` to those whose start has come.
    pub async fn student_assignments(
        &self,
        student: &UserId,
        course: Option<&CourseId>,
        started_by: Option<i64>,
    ) -> Result<Vec<Assignment>> {
        let rows: Vec<AssignmentRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM assignments a \
             JOIN enrollments e ON e.class_id = a.class_id AND e.student_id = $1 \
             AND e.left_at IS NULL \
             WHERE a.withdrawn_at IS NULL \
             AND (a.whole_class = 1 OR EXISTS (SELECT 1 FROM assignment_students s \
                  WHERE s.assignment_id = a.id AND s.student_id = $1)) \
             AND ($2 = '' OR a.course_id = $2) AND a.starts_at <= $3 \
             ORDER BY a.created_at DESC, a.id DESC"
        )))
        .bind(student.as_str())
        .bind(course.map_or("", CourseId::as_str))
        .bind(started_by.unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(self.with_students(row).await?);
        }
        Ok(out)
    }

    /// An assignment's history, oldest first.
    pub async fn assignment_history(&self, id: &str) -> Result<Vec<AssignmentChange>> {
        let rows: Vec<(String, String, i64, i64, i64, Option<String>)> = sqlx::query_as(
            "SELECT kind, changed_by, changed_at, starts_at, due_at, student_id \
             FROM assignment_history WHERE assignment_id = $1 ORDER BY changed_at, id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(kind, by, changed_at, starts_at, due_at, student)| AssignmentChange {
                    kind,
                    changed_by: by.into(),
                    changed_at,
                    starts_at,
                    due_at,
                    student: student.map(UserId::new),
                },
            )
            .collect())
    }

    /// The ids of the assignments whose project the teacher marked done for `student`.
    pub async fn assignments_marked_done(&self, student: &UserId) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT assignment_id FROM assignment_history WHERE kind = 'done' AND student_id = $1",
        )
        .bind(student.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    async fn with_students(&self, row: AssignmentRow) -> Result<Assignment> {
        let (
            id,
            class_id,
            course_id,
            kind,
            target_id,
            whole_class,
            starts_at,
            due_at,
            created_by,
            created_at,
            withdrawn_at,
        ) = row;
        let kind = TargetKind::parse(&kind).ok_or_else(|| StoreError::Corrupt {
            what: "assignment",
            detail: format!("unknown target kind {kind}"),
        })?;
        let students: Vec<(String,)> = if whole_class == 1 {
            Vec::new()
        } else {
            sqlx::query_as(
                "SELECT student_id FROM assignment_students WHERE assignment_id = $1 \
                 ORDER BY student_id",
            )
            .bind(&id)
            .fetch_all(&self.pool)
            .await?
        };
        Ok(Assignment {
            id,
            class_id: class_id.into(),
            course_id: course_id.into(),
            kind,
            target_id,
            students: students.into_iter().map(|(s,)| UserId::new(s)).collect(),
            whole_class: whole_class == 1,
            starts_at,
            due_at,
            created_by: created_by.into(),
            created_at,
            withdrawn_at,
        })
    }
}

fn not_found(id: &str) -> StoreError {
    StoreError::NotFound {
        what: "assignment",
        id: id.to_string(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn insert_history(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    kind: &str,
    by: &UserId,
    at: i64,
    starts_at: i64,
    due_at: i64,
    student: Option<&UserId>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO assignment_history (id, assignment_id, kind, changed_by, changed_at, \
         starts_at, due_at, student_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(new_id())
    .bind(id)
    .bind(kind)
    .bind(by.as_str())
    .bind(at)
    .bind(starts_at)
    .bind(due_at)
    .bind(student.map(UserId::as_str))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Calendar feeds

/// Whose calendar a feed is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarFeed {
    pub owner_id: UserId,
    /// `own`, or `class:<class id>`.
    pub scope: String,
}

impl Store {
    /// Sets (or replaces) the hash of the owner's feed secret for `scope`: the old
    /// secret stops working at once.
    pub async fn set_calendar_feed(
        &self,
        owner: &UserId,
        scope: &str,
        token_hash: &str,
        at: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM calendar_feeds WHERE owner_id = $1 AND scope = $2")
            .bind(owner.as_str())
            .bind(scope)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO calendar_feeds (owner_id, scope, token_hash, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(owner.as_str())
        .bind(scope)
        .bind(token_hash)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether the owner has a feed for `scope`, and since when.
    pub async fn calendar_feed_since(&self, owner: &UserId, scope: &str) -> Result<Option<i64>> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT created_at FROM calendar_feeds WHERE owner_id = $1 AND scope = $2",
        )
        .bind(owner.as_str())
        .bind(scope)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(at,)| at))
    }

    /// The feed a secret's hash opens, if any. Reads only: fetching a feed writes nothing.
    pub async fn calendar_feed_by_hash(&self, token_hash: &str) -> Result<Option<CalendarFeed>> {
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT owner_id, scope FROM calendar_feeds WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(owner, scope)| CalendarFeed {
            owner_id: owner.into(),
            scope,
        }))
    }
}
