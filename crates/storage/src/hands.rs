//! A student's raised hand (issue 9, "who needs me today"): a request for help on a skill
//! or an item, at most one open at a time, which a teacher answers with a short reply or
//! clears. The partial unique index `help_requests_one_open` keeps the one-open rule even
//! when two requests race.

use crate::check_text;
use crate::{Conflict, Result, Store, StoreError, new_id};
use ownpace_core::ids::{CourseId, ItemId, SkillId, UserId};

/// The longest reply a teacher writes to a raised hand.
pub const MAX_HAND_REPLY_CHARS: usize = 500;

/// A raised hand, open or answered.
#[derive(Debug, Clone, PartialEq)]
pub struct HelpRequest {
    pub id: String,
    pub student_id: UserId,
    pub course_id: CourseId,
    pub skill_id: Option<SkillId>,
    pub item_id: Option<ItemId>,
    pub raised_at: i64,
    pub closed_at: Option<i64>,
    pub closed_by: Option<UserId>,
    /// The teacher's reply; empty when they cleared the hand without one.
    pub reply: String,
}

#[derive(sqlx::FromRow)]
struct HandRow {
    id: String,
    student_id: String,
    course_id: String,
    skill_id: Option<String>,
    item_id: Option<String>,
    raised_at: i64,
    closed_at: Option<i64>,
    closed_by: Option<String>,
    reply: Option<String>,
}

impl From<HandRow> for HelpRequest {
    fn from(row: HandRow) -> HelpRequest {
        HelpRequest {
            id: row.id,
            student_id: row.student_id.into(),
            course_id: row.course_id.into(),
            skill_id: row.skill_id.map(SkillId::new),
            item_id: row.item_id.map(ItemId::new),
            raised_at: row.raised_at,
            closed_at: row.closed_at,
            closed_by: row.closed_by.map(UserId::new),
            reply: row.reply.unwrap_or_default(),
        }
    }
}

const COLUMNS: &str =
    "id, student_id, course_id, skill_id, item_id, raised_at, closed_at, closed_by, reply";

impl Store {
    /// Raises the student's hand about a skill or an item of a course. A second open hand
    /// is refused with [`Conflict::HandAlreadyRaised`].
    pub async fn raise_hand(
        &self,
        student_id: &UserId,
        course_id: &CourseId,
        skill_id: Option<&SkillId>,
        item_id: Option<&ItemId>,
        at: i64,
    ) -> Result<HelpRequest> {
        let id = new_id();
        let inserted = sqlx::query(
            "INSERT INTO help_requests (id, student_id, course_id, skill_id, item_id, raised_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(student_id.as_str())
        .bind(course_id.as_str())
        .bind(skill_id.map(SkillId::as_str))
        .bind(item_id.map(ItemId::as_str))
        .bind(at)
        .execute(&self.pool)
        .await;
        match inserted {
            Ok(_) => {}
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Err(StoreError::Conflict(Conflict::HandAlreadyRaised));
            }
            Err(e) => return Err(e.into()),
        }
        Ok(HelpRequest {
            id,
            student_id: student_id.clone(),
            course_id: course_id.clone(),
            skill_id: skill_id.cloned(),
            item_id: item_id.cloned(),
            raised_at: at,
            closed_at: None,
            closed_by: None,
            reply: String::new(),
        })
    }

    /// The student's open hand, if any.
    pub async fn open_hand(&self, student_id: &UserId) -> Result<Option<HelpRequest>> {
        let row: Option<HandRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM help_requests WHERE student_id = $1 AND closed_at IS NULL"
        )))
        .bind(student_id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(HelpRequest::from))
    }

    /// The student's hands answered (or cleared) since `since`, latest first, at most 5:
    /// the student reads the teacher's reply on their course page.
    pub async fn answered_hands(
        &self,
        student_id: &UserId,
        course_id: &CourseId,
        since: i64,
    ) -> Result<Vec<HelpRequest>> {
        let rows: Vec<HandRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM help_requests WHERE student_id = $1 AND course_id = $2 \
             AND closed_at IS NOT NULL AND closed_at >= $3 ORDER BY closed_at DESC LIMIT 5"
        )))
        .bind(student_id.as_str())
        .bind(course_id.as_str())
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(HelpRequest::from).collect())
    }

    /// Open hands of a class's current students in the class's course, oldest first.
    pub async fn open_hands_in_class(
        &self,
        class_id: &ownpace_core::ids::ClassId,
    ) -> Result<Vec<HelpRequest>> {
        let rows: Vec<HandRow> = sqlx::query_as(
            "SELECT h.id, h.student_id, h.course_id, h.skill_id, h.item_id, h.raised_at, \
             h.closed_at, h.closed_by, h.reply FROM help_requests h \
             JOIN enrollments e ON e.student_id = h.student_id AND e.left_at IS NULL \
             JOIN classes c ON c.id = e.class_id AND c.course_id = h.course_id \
             WHERE e.class_id = $1 AND h.closed_at IS NULL ORDER BY h.raised_at, h.id",
        )
        .bind(class_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(HelpRequest::from).collect())
    }

    /// Closes a student's open hand: by the student (lowered, no reply) or a teacher (with
    /// a reply of at most [`MAX_HAND_REPLY_CHARS`], or none to clear it). An unknown,
    /// closed or someone else's hand is `NotFound`.
    pub async fn close_hand(
        &self,
        student_id: &UserId,
        hand_id: &str,
        by: &UserId,
        reply: &str,
        at: i64,
    ) -> Result<()> {
        let reply = reply.trim();
        check_text("reply", reply, MAX_HAND_REPLY_CHARS, false)?;
        let done = sqlx::query(
            "UPDATE help_requests SET closed_at = $1, closed_by = $2, reply = $3 \
             WHERE id = $4 AND student_id = $5 AND closed_at IS NULL",
        )
        .bind(at)
        .bind(by.as_str())
        .bind((!reply.is_empty()).then_some(reply))
        .bind(hand_id)
        .bind(student_id.as_str())
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                what: "raised hand",
                id: hand_id.to_string(),
            });
        }
        Ok(())
    }
}
