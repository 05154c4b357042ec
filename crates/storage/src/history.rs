//! A student's history as a teacher pages through it: newest first, a page at a time,
//! optionally only the events about one skill, and the latest activity per student of a
//! class in any course (so a student busy in another course is not called inactive).

use crate::events::{StoredEvent, stored_kind};
use crate::{Result, Store};
use std::collections::HashMap;

/// Where a page of history starts: the (time, id) of the last event of the page before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryCursor<'a> {
    pub occurred_at: i64,
    pub id: &'a str,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    kind: String,
    skills: String,
    item_id: Option<String>,
    response: Option<String>,
    correct: Option<i64>,
    occurred_at: i64,
    duration_ms: Option<i64>,
}

/// `skill` as a LIKE pattern that matches it as one whole word of the space-separated
/// `skills` column (with `\` escaping LIKE's own characters).
fn word_pattern(skill: &str) -> String {
    let escaped: String = skill
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("% {escaped} %")
}

impl Store {
    /// Up to `limit` events of a student in a course, newest first, older than `before`
    /// when given, and only those about `skill` when given.
    pub async fn student_history(
        &self,
        student_id: &str,
        course_id: &str,
        skill: Option<&str>,
        before: Option<HistoryCursor<'_>>,
        limit: i64,
    ) -> Result<Vec<StoredEvent>> {
        const BASE: &str = "SELECT id, kind, skills, item_id, response, correct, occurred_at, \
             duration_ms FROM events WHERE student_id = $1 AND course_id = $2";
        const SKILL: &str = " AND (' ' || skills || ' ') LIKE $4 ESCAPE '\\'";
        const BEFORE: &str = " AND (occurred_at < $5 OR (occurred_at = $5 AND id < $6))";
        const ORDER: &str = " ORDER BY occurred_at DESC, id DESC LIMIT $3";
        // Every fragment is a literal of this function; only which ones join is dynamic.
        // Unused parameters are still bound (and compared to themselves) so the numbering
        // stays the same for all four forms.
        let sql = format!(
            "{BASE}{}{}{ORDER}",
            if skill.is_some() {
                SKILL
            } else {
                " AND $4 = $4"
            },
            if before.is_some() {
                BEFORE
            } else {
                " AND $5 = $5 AND $6 = $6"
            }
        );
        let cursor = before.unwrap_or(HistoryCursor {
            occurred_at: 0,
            id: "",
        });
        let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(student_id)
            .bind(course_id)
            .bind(limit)
            .bind(word_pattern(skill.unwrap_or("")))
            .bind(cursor.occurred_at)
            .bind(cursor.id)
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter()
            .map(|row| {
                Ok(StoredEvent {
                    kind: stored_kind(&row.kind)?,
                    skills: row.skills.split_whitespace().map(str::to_string).collect(),
                    correct: row.correct.map(|c| c != 0),
                    id: row.id,
                    item_id: row.item_id,
                    response: row.response,
                    occurred_at: row.occurred_at,
                    duration_ms: row.duration_ms,
                })
            })
            .collect()
    }

    /// Per student enrolled in a class now: the time of their latest event in any course.
    pub async fn class_last_activity_anywhere(
        &self,
        class_id: &str,
    ) -> Result<HashMap<String, i64>> {
        let rows: Vec<(String, Option<i64>)> = sqlx::query_as(
            "SELECT e.student_id, MAX(ev.occurred_at) FROM enrollments e \
             JOIN events ev ON ev.student_id = e.student_id \
             WHERE e.class_id = $1 AND e.left_at IS NULL GROUP BY e.student_id",
        )
        .bind(class_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(s, at)| at.map(|at| (s, at)))
            .collect())
    }
}
