//! Everything stored about one student, read table by table from the data inventory.
//!
//! [`Store::export_student`] selects, from every table whose inventory entry names a
//! `student_column` (and the other columns that can name the student, see
//! `erasure::ALSO_NAMES_STUDENT`), the rows about the student: a table added to the
//! inventory is exported without touching this module. Only secrets the server keeps
//! for itself ([`NOT_EXPORTED`]: password and token hashes) are left out. Rows about
//! other students are never selected; the people who looked at the record are named by
//! their account id, which the web's summary turns into names.

use crate::erasure::ALSO_NAMES_STUDENT;
use crate::inventory::INVENTORY;
use crate::{Result, Store};
use ownpace_core::ids::UserId;
use sqlx::{AssertSqlSafe, Row};

/// Columns the export leaves out: what only the server uses to check secrets.
pub const NOT_EXPORTED: &[(&str, &str)] = &[
    ("users", "password_hash"),
    ("sessions", "token_hash"),
    ("sessions", "csrf_token"),
    ("setup_codes", "code_hash"),
    ("calendar_feeds", "token_hash"),
    ("letter_subscriptions", "token_hash"),
];

/// The student's rows of one table.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportedTable {
    pub table: &'static str,
    pub holds: &'static str,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<serde_json::Value>>,
}

impl ExportedTable {
    /// The rows as JSON objects keyed by column.
    pub fn objects(&self) -> Vec<serde_json::Value> {
        self.rows
            .iter()
            .map(|row| {
                serde_json::Value::Object(
                    self.columns
                        .iter()
                        .zip(row)
                        .map(|(c, v)| (c.to_string(), v.clone()))
                        .collect(),
                )
            })
            .collect()
    }
}

impl Store {
    /// Every row about the student, one entry per inventory table that can hold such
    /// rows (empty ones included, so the export shows what is kept even when it is
    /// nothing yet).
    pub async fn export_student(&self, student_id: &UserId) -> Result<Vec<ExportedTable>> {
        let mut tables = Vec::new();
        for table in INVENTORY {
            let Some(student_column) = table.student_column else {
                continue;
            };
            let columns: Vec<&'static str> = table
                .columns
                .iter()
                .map(|(c, _)| *c)
                .filter(|c| !NOT_EXPORTED.contains(&(table.table, c)))
                .collect();
            let mut filter = vec![format!("{student_column} = $1")];
            filter.extend(
                ALSO_NAMES_STUDENT
                    .iter()
                    .filter(|(t, _)| *t == table.table)
                    .map(|(_, c)| format!("{c} = $1")),
            );
            let sql = format!(
                "SELECT {} FROM {} WHERE {} ORDER BY {}",
                columns.join(", "),
                table.table,
                filter.join(" OR "),
                columns.join(", ")
            );
            let found = sqlx::query(AssertSqlSafe(sql))
                .bind(student_id.as_str())
                .fetch_all(&self.pool)
                .await?;
            let rows = found
                .iter()
                .map(|row| (0..columns.len()).map(|i| value(row, i)).collect())
                .collect();
            tables.push(ExportedTable {
                table: table.table,
                holds: table.holds,
                columns,
                rows,
            });
        }
        Ok(tables)
    }
}

/// A column's value as JSON: a whole number, a real, text or null.
fn value(row: &sqlx::any::AnyRow, i: usize) -> serde_json::Value {
    if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
        return v.map_or(serde_json::Value::Null, Into::into);
    }
    if let Ok(v) = row.try_get::<Option<f64>, _>(i) {
        return v.map_or(serde_json::Value::Null, Into::into);
    }
    match row.try_get::<Option<String>, _>(i) {
        Ok(Some(text)) => text.into(),
        _ => serde_json::Value::Null,
    }
}
