//! Fitted learner-model parameters and the answer log they are fitted on.
//!
//! `ownpace fit` reads every answer through [`Store::answer_log`], fits the models in the
//! pure core, and stores the result as JSON with [`Store::save_model_params`]. The server
//! loads the newest parameters with [`Store::latest_model_params`] at start (and falls
//! back to defaults when there are none). Each save is a new row: older versions stay for
//! audit and rollback, and nothing is updated in place.
//!
//! `model_params.version` is the table's primary key, so versions are numbered across all
//! model names (in practice there is one, `"default"`).

use crate::{Result, Store, StoreError};
use ownpace_core::events::EventKind;
use ownpace_core::ids::{CourseId, ItemId, UserId};

/// One graded answer from the event log, as the model fit needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedAnswer {
    pub student_id: UserId,
    pub course_id: CourseId,
    pub item_id: ItemId,
    /// The skills the item was tagged with when the answer was given.
    pub skills: Vec<String>,
    pub correct: bool,
    /// Milliseconds since the Unix epoch.
    pub occurred_at: i64,
}

/// A stored fit: `(version, params_json, fitted_at, events_used)`.
pub type StoredModelParams = (i64, String, i64, i64);

type AnswerColumns = (String, String, Option<String>, String, Option<i64>, i64);

fn logged_answer(
    (student_id, course_id, item_id, skills, correct, occurred_at): AnswerColumns,
) -> Result<LoggedAnswer> {
    let corrupt = |detail: &str| StoreError::Corrupt {
        what: "events (answer)",
        detail: format!("{detail} (student {student_id}, at {occurred_at})"),
    };
    let item_id = item_id.ok_or_else(|| corrupt("an answer without an item"))?;
    let correct = correct.ok_or_else(|| corrupt("an answer without correctness"))?;
    Ok(LoggedAnswer {
        student_id: student_id.into(),
        course_id: course_id.into(),
        item_id: item_id.into(),
        skills: skills.split_whitespace().map(str::to_string).collect(),
        correct: correct != 0,
        occurred_at,
    })
}

impl Store {
    /// Every answer event (kind `answer`; placement answers are not practice and are left
    /// out), oldest first, optionally of one course only.
    pub async fn answer_log(&self, course_id: Option<&CourseId>) -> Result<Vec<LoggedAnswer>> {
        // Two literal statements rather than `($1 IS NULL OR …)`: PostgreSQL cannot type a
        // bare NULL parameter.
        let rows: Vec<AnswerColumns> = match course_id {
            Some(course) => sqlx::query_as(
                "SELECT student_id, course_id, item_id, skills, correct, occurred_at FROM events \
                     WHERE kind = $1 AND course_id = $2 ORDER BY occurred_at, id",
            )
            .bind(EventKind::Answer.as_str())
            .bind(course.as_str())
            .fetch_all(&self.pool)
            .await?,
            None => sqlx::query_as(
                "SELECT student_id, course_id, item_id, skills, correct, occurred_at FROM events \
                     WHERE kind = $1 ORDER BY occurred_at, id",
            )
            .bind(EventKind::Answer.as_str())
            .fetch_all(&self.pool)
            .await?,
        };
        rows.into_iter().map(logged_answer).collect()
    }

    /// Stores a new fit of `model` and returns its version (one more than the highest
    /// stored version). `events_used` is the number of answers the fit saw; `at` is the
    /// fit's time in milliseconds.
    pub async fn save_model_params(
        &self,
        model: &str,
        params_json: &str,
        events_used: i64,
        at: i64,
    ) -> Result<i64> {
        // The version is computed by the insert itself, so the transaction starts with its
        // write (SQLite takes the lock up front). Two concurrent fits on PostgreSQL can
        // still pick the same number; the loser's primary-key conflict is retried.
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut tx = self.pool.begin().await?;
            let inserted: std::result::Result<(i64,), sqlx::Error> = sqlx::query_as(
                "INSERT INTO model_params (version, model, params, fitted_at, events_used) \
                 SELECT CAST(COALESCE(MAX(version), 0) + 1 AS BIGINT), $1, $2, $3, $4 \
                 FROM model_params RETURNING version",
            )
            .bind(model)
            .bind(params_json)
            .bind(at)
            .bind(events_used)
            .fetch_one(&mut *tx)
            .await;
            match inserted {
                Ok((version,)) => {
                    tx.commit().await?;
                    return Ok(version);
                }
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() && attempt < 5 => {
                    tx.rollback().await?;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The newest stored fit of `model`, if any.
    pub async fn latest_model_params(&self, model: &str) -> Result<Option<StoredModelParams>> {
        let row: Option<StoredModelParams> = sqlx::query_as(
            "SELECT version, params, fitted_at, events_used FROM model_params \
             WHERE model = $1 ORDER BY version DESC LIMIT 1",
        )
        .bind(model)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row)
    }
}
