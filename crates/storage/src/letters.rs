//! The weekly letter to guardians (issue 9, point 7): a guardian's address, their choice
//! per child, the unsubscribe secret's hash, and the claim rows that let exactly one
//! server send each letter once (`storage/migrations/0018_weekly_letters.sql`).

use crate::{Result, Store, StoreError};
use ownpace_core::ids::UserId;

/// The longest address accepted (RFC 5321 allows 254 characters in a path).
pub const MAX_ADDRESS_CHARS: usize = 254;
/// How often a failed letter is tried in all.
pub const MAX_ATTEMPTS: i64 = 5;
/// The longest error text kept for a failed send.
const MAX_ERROR_CHARS: usize = 300;

/// A guardian with an address and a child whose letter they have not turned off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub guardian_id: UserId,
    pub address: String,
    pub student_id: UserId,
}

/// Where a claimed letter stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterSend {
    pub guardian_id: UserId,
    pub student_id: UserId,
    pub week: String,
    pub status: String,
    pub attempts: i64,
    pub sent_at: Option<i64>,
    pub error: Option<String>,
}

/// A `letter_sends` row as read: guardian, student, week, status, attempts, sent, error.
type SendRow = (
    String,
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<String>,
);

impl Store {
    /// A guardian's letter address, if they set one.
    pub async fn letter_address(&self, guardian_id: &UserId) -> Result<Option<String>> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT address FROM letter_addresses WHERE guardian_id = $1")
                .bind(guardian_id.as_str())
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(a,)| a))
    }

    /// Sets (or with `None` removes) a guardian's address. The caller checked its syntax;
    /// the length is checked here too.
    pub async fn set_letter_address(
        &self,
        guardian_id: &UserId,
        address: Option<&str>,
        set_by: &UserId,
        now: i64,
    ) -> Result<()> {
        match address {
            Some(address) => {
                if address.is_empty() || address.chars().count() > MAX_ADDRESS_CHARS {
                    return Err(StoreError::Invalid {
                        field: "address",
                        message: format!(
                            "give an e-mail address of 1 to {MAX_ADDRESS_CHARS} characters"
                        ),
                    });
                }
                sqlx::query(
                    "INSERT INTO letter_addresses (guardian_id, address, set_by, set_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (guardian_id) DO UPDATE SET \
                     address = excluded.address, set_by = excluded.set_by, set_at = excluded.set_at",
                )
                .bind(guardian_id.as_str())
                .bind(address)
                .bind(set_by.as_str())
                .bind(now)
                .execute(&self.pool)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM letter_addresses WHERE guardian_id = $1")
                    .bind(guardian_id.as_str())
                    .execute(&self.pool)
                    .await?;
            }
        }
        Ok(())
    }

    /// Whether the guardian gets the child's letter (yes without a row).
    pub async fn letter_subscribed(
        &self,
        guardian_id: &UserId,
        student_id: &UserId,
    ) -> Result<bool> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT subscribed FROM letter_subscriptions WHERE guardian_id = $1 AND student_id = $2",
        )
        .bind(guardian_id.as_str())
        .bind(student_id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_none_or(|(s,)| s == 1))
    }

    /// Records the guardian's choice for a child's letter, with the hash of the child's
    /// unsubscribe secret (`token_hash`, the same for every letter of this pair).
    pub async fn set_letter_subscription(
        &self,
        guardian_id: &UserId,
        student_id: &UserId,
        subscribed: bool,
        token_hash: &str,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO letter_subscriptions (guardian_id, student_id, subscribed, token_hash, changed_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (guardian_id, student_id) DO UPDATE SET \
             subscribed = excluded.subscribed, token_hash = excluded.token_hash, changed_at = excluded.changed_at",
        )
        .bind(guardian_id.as_str())
        .bind(student_id.as_str())
        .bind(i64::from(subscribed))
        .bind(token_hash)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Keeps the unsubscribe secret's hash for a letter about to be sent, leaving the
    /// choice as it is (a new row means "subscribed", the default).
    pub async fn remember_letter_token(
        &self,
        guardian_id: &UserId,
        student_id: &UserId,
        token_hash: &str,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO letter_subscriptions (guardian_id, student_id, subscribed, token_hash, changed_at) \
             VALUES ($1, $2, 1, $3, $4) ON CONFLICT (guardian_id, student_id) DO NOTHING",
        )
        .bind(guardian_id.as_str())
        .bind(student_id.as_str())
        .bind(token_hash)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The (guardian, child) an unsubscribe secret's hash belongs to; reads only.
    pub async fn letter_by_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<(UserId, UserId, bool)>> {
        let row: Option<(String, String, i64)> = sqlx::query_as(
            "SELECT guardian_id, student_id, subscribed FROM letter_subscriptions WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(g, s, on)| (g.into(), s.into(), on == 1)))
    }

    /// Turns a letter off by its secret's hash; whether a row matched (nothing is
    /// written for an unknown hash).
    pub async fn unsubscribe_letter(&self, token_hash: &str, now: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE letter_subscriptions SET subscribed = 0, changed_at = $2 WHERE token_hash = $1",
        )
        .bind(token_hash)
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(done == 1)
    }

    /// Every guardian with an address and a child with an open enrolment whose letter
    /// they have not turned off, in a stable order.
    pub async fn letter_recipients(&self) -> Result<Vec<Recipient>> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT a.guardian_id, a.address, g.student_id FROM letter_addresses a \
             JOIN guardianships g ON g.guardian_id = a.guardian_id \
             JOIN users s ON s.id = g.student_id AND s.role = 'student' \
             LEFT JOIN letter_subscriptions l ON l.guardian_id = g.guardian_id AND l.student_id = g.student_id \
             WHERE (l.subscribed IS NULL OR l.subscribed = 1) \
             AND EXISTS (SELECT 1 FROM enrollments e WHERE e.student_id = g.student_id AND e.left_at IS NULL) \
             ORDER BY a.guardian_id, g.student_id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(g, address, s)| Recipient {
                guardian_id: g.into(),
                address,
                student_id: s.into(),
            })
            .collect())
    }

    /// Claims the letter (guardian, child, week) for `holder`: the first claim inserts
    /// the row and wins; a failed letter whose retry time has come is claimed by the one
    /// server whose conditional update matches. Returns whether this caller may send.
    pub async fn claim_letter(
        &self,
        guardian_id: &UserId,
        student_id: &UserId,
        week: &str,
        holder: &str,
        now: i64,
    ) -> Result<bool> {
        let inserted = sqlx::query(
            "INSERT INTO letter_sends (guardian_id, student_id, week, status, attempts, claimed_by, claimed_at) \
             VALUES ($1, $2, $3, 'sending', 1, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(guardian_id.as_str())
        .bind(student_id.as_str())
        .bind(week)
        .bind(holder)
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if inserted == 1 {
            return Ok(true);
        }
        let retried = sqlx::query(
            "UPDATE letter_sends SET status = 'sending', attempts = attempts + 1, claimed_by = $4, \
             claimed_at = $5, retry_at = NULL \
             WHERE guardian_id = $1 AND student_id = $2 AND week = $3 AND status = 'failed' \
             AND attempts < $6 AND retry_at <= $5",
        )
        .bind(guardian_id.as_str())
        .bind(student_id.as_str())
        .bind(week)
        .bind(holder)
        .bind(now)
        .bind(MAX_ATTEMPTS)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(retried == 1)
    }

    /// Records the outcome of a claimed letter: sent, or failed with a short reason and
    /// the time of the next try (none once the attempts reached the cap).
    pub async fn finish_letter(
        &self,
        guardian_id: &UserId,
        student_id: &UserId,
        week: &str,
        outcome: std::result::Result<(), &str>,
        now: i64,
        retry_at: i64,
    ) -> Result<()> {
        let query = match outcome {
            Ok(()) => sqlx::query(
                "UPDATE letter_sends SET status = 'sent', sent_at = $4, error = NULL \
                 WHERE guardian_id = $1 AND student_id = $2 AND week = $3",
            )
            .bind(guardian_id.as_str())
            .bind(student_id.as_str())
            .bind(week)
            .bind(now),
            Err(reason) => sqlx::query(
                "UPDATE letter_sends SET status = 'failed', error = $4, \
                 retry_at = CASE WHEN attempts < $6 THEN $5 ELSE NULL END \
                 WHERE guardian_id = $1 AND student_id = $2 AND week = $3",
            )
            .bind(guardian_id.as_str())
            .bind(student_id.as_str())
            .bind(week)
            .bind(reason.chars().take(MAX_ERROR_CHARS).collect::<String>())
            .bind(retry_at)
            .bind(MAX_ATTEMPTS),
        };
        query.execute(&self.pool).await?;
        Ok(())
    }

    /// Failed letters whose next try has come: (guardian, child, week).
    pub async fn letters_to_retry(&self, now: i64) -> Result<Vec<(UserId, UserId, String)>> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT guardian_id, student_id, week FROM letter_sends \
             WHERE status = 'failed' AND retry_at IS NOT NULL AND retry_at <= $1 \
             ORDER BY week, guardian_id, student_id",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(g, s, w)| (g.into(), s.into(), w))
            .collect())
    }

    /// Every claimed letter about a child, newest week first (the guardian's page and
    /// the tests).
    pub async fn letter_sends(&self, student_id: &UserId) -> Result<Vec<LetterSend>> {
        let rows: Vec<SendRow> = sqlx::query_as(
            "SELECT guardian_id, student_id, week, status, attempts, sent_at, error \
                 FROM letter_sends WHERE student_id = $1 ORDER BY week DESC, guardian_id",
        )
        .bind(student_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(g, s, week, status, attempts, sent_at, error)| LetterSend {
                    guardian_id: g.into(),
                    student_id: s.into(),
                    week,
                    status,
                    attempts,
                    sent_at,
                    error,
                },
            )
            .collect())
    }
}
