//! In-app notices (issue 9, point 8): a short line to a student or a guardian when
//! something about the student changed (a goal agreed, adjusted or declined, a teacher's
//! reply to a raised hand), read or unread. The text is written by the server, never by a
//! caller, and kept short; a notice is about one student (`student_id`), so erasing the
//! student deletes every notice about them.

use crate::{Result, Store, new_id};
use ownpace_core::ids::UserId;

/// The longest notice text kept (longer text is cut).
const MAX_NOTICE_CHARS: usize = 300;

/// A notice as its recipient reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub id: String,
    pub student_id: UserId,
    /// `goal_agreed`, `goal_adjusted`, `goal_declined`, `hand_answered`, `checkin_note`.
    pub kind: String,
    pub text: String,
    /// Where the notice leads (a path on this site).
    pub link: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

type NoticeRow = (String, String, String, String, String, i64, Option<i64>);

impl Store {
    /// Leaves a notice for `recipient` about `student`.
    pub async fn notify(
        &self,
        recipient: &UserId,
        student: &UserId,
        kind: &str,
        text: &str,
        link: &str,
        at: i64,
    ) -> Result<()> {
        let text: String = text.chars().take(MAX_NOTICE_CHARS).collect();
        sqlx::query(
            "INSERT INTO notices (id, recipient_id, student_id, kind, text, link, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(new_id())
        .bind(recipient.as_str())
        .bind(student.as_str())
        .bind(kind)
        .bind(text)
        .bind(link)
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The recipient's latest notices, newest first, at most `limit`.
    pub async fn notices_for(&self, recipient: &UserId, limit: i64) -> Result<Vec<Notice>> {
        let rows: Vec<NoticeRow> = sqlx::query_as(
            "SELECT id, student_id, kind, text, link, created_at, read_at FROM notices \
             WHERE recipient_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
        )
        .bind(recipient.as_str())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, student_id, kind, text, link, created_at, read_at)| Notice {
                    id,
                    student_id: student_id.into(),
                    kind,
                    text,
                    link,
                    created_at,
                    read_at,
                },
            )
            .collect())
    }

    /// How many of the recipient's notices are unread.
    pub async fn unread_notices(&self, recipient: &UserId) -> Result<i64> {
        let (count,): (i64,) = sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM notices WHERE recipient_id = $1 AND read_at IS NULL",
        )
        .bind(recipient.as_str())
        .fetch_one(&self.pool)
        .await?;
        Ok(count)
    }

    /// Marks every notice of the recipient read.
    pub async fn mark_notices_read(&self, recipient: &UserId, at: i64) -> Result<()> {
        sqlx::query("UPDATE notices SET read_at = $1 WHERE recipient_id = $2 AND read_at IS NULL")
            .bind(at)
            .bind(recipient.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
