//! Erasing a student, driven by the data inventory, and the erasure log.
//!
//! [`Store::erase_student`] walks [`INVENTORY`] in one transaction: tables marked
//! `Delete` lose the student's rows, `Pseudonymise` tables keep theirs for the school's
//! statistics under a random pseudonym (a disabled placeholder account no one can sign in
//! to) with every personal column cleared, and `ClearAll` tables are emptied. Columns
//! other than a table's `student_column` that can hold a student's id are listed in
//! [`ALSO_NAMES_STUDENT`]; a test fails when a new `…_id`/`…_by` column is in neither
//! that list nor [`NEVER_A_STUDENT`]. The account row goes last, so a reference that
//! was forgotten makes the foreign key refuse the whole transaction: nothing is
//! half-erased. Afterwards the database is compacted (SQLite: `secure_delete` is on for
//! every connection, then `VACUUM` and a `TRUNCATE` checkpoint of the WAL; PostgreSQL:
//! `VACUUM` of the touched tables).
//!
//! The log row names only the pseudonym and an HMAC of the erased id with the install's
//! `erasure` secret, which is what [`Store::reapply_erasures`] needs to erase the same
//! student again in a backup restored from before the erasure.

use crate::inventory::{INVENTORY, OnErasure, Sensitivity, TableUse};
use crate::{Backend, Result, Role, Store, StoreError, User, new_id};
use hmac::{Hmac, KeyInit, Mac};
use ownpace_core::ids::UserId;
use sha2::Sha256;
// Fragments passed to AssertSqlSafe below are `&'static str` names from INVENTORY.
use sqlx::AssertSqlSafe;

/// Columns besides a table's `student_column` that may hold a student's id. Erasure
/// moves them to the pseudonym in `Pseudonymise` tables and deletes their rows in
/// `Delete` tables; the export includes their rows.
pub const ALSO_NAMES_STUDENT: &[(&str, &str)] = &[
    ("audit_log", "actor_id"),
    ("goals", "created_by"),
    ("erasure_requests", "requested_by"),
    // A student who lowered their own hand closed it.
    ("help_requests", "closed_by"),
    // A student's own notices (also found by `student_id`).
    ("notices", "recipient_id"),
    // A student's own sign-ins name them as the actor too.
    ("staff_audit", "actor_id"),
    // The second student of a pair kept apart.
    ("keep_apart", "student_b"),
    // The helper of a peer-help pair (the pair is also found by `student_id`).
    ("peer_help_pairs", "helper_id"),
];

/// Columns named like a person's id that never hold a student's: staff or guardian
/// accounts, and ids of things that are not people.
pub const NEVER_A_STUDENT: &[(&str, &str)] = &[
    ("class_teachers", "teacher_id"),
    ("guardianships", "guardian_id"),
    ("activity_overrides", "created_by"),
    ("two_factor", "user_id"),
    ("recovery_codes", "user_id"),
    ("roster_imports", "admin_id"),
    ("erasure_log", "erased_by"),
    ("goals", "reviewed_by"),
    ("consents", "guardian_id"),
    ("consents", "withdrawn_by"),
    ("class_screen_budgets", "set_by"),
    ("guardian_screen_budgets", "guardian_id"),
    ("screen_time_exemptions", "set_by"),
    ("practice_sheet_items", "sheet_id"),
    ("checkin_rhythms", "set_by"),
    ("checkins", "teacher_id"),
    ("checkin_notes", "checkin_id"),
    ("checkin_actions", "checkin_id"),
    // The goal or override an action became.
    ("checkin_actions", "made_id"),
    // Pilots: the teacher who defined or amended one, the guardian who opted a child out.
    ("pilots", "created_by"),
    ("pilot_amendments", "amended_by"),
    ("pilot_members", "opted_out_by"),
    ("pilot_members", "pilot_id"),
    ("pilot_amendments", "pilot_id"),
    // Assignments (issue 9): set, changed and marked done by teachers.
    ("assignments", "created_by"),
    ("assignments", "target_id"),
    ("assignment_students", "assignment_id"),
    ("assignment_history", "assignment_id"),
    ("assignment_history", "changed_by"),
    // Weekly letters (issue 9): the guardian, who set the address (the guardian or an
    // admin), and the server that claimed a send.
    ("letter_addresses", "guardian_id"),
    ("letter_addresses", "set_by"),
    ("letter_subscriptions", "guardian_id"),
    ("letter_sends", "guardian_id"),
    ("letter_sends", "claimed_by"),
    // Projects together (issue 10): rounds opened, pairs kept apart and members moved or
    // removed by teachers; ids of groups and rounds.
    ("project_rounds", "opened_by"),
    ("keep_apart", "set_by"),
    ("group_members", "left_by"),
    ("group_members", "group_id"),
    ("group_files", "group_id"),
    ("group_posts", "group_id"),
    ("group_milestones", "group_id"),
    // Balance, peer help and assessments (issue 10, part B): teachers who set, recorded,
    // paired or assessed.
    ("class_balance_settings", "set_by"),
    ("together_time", "recorded_by_teacher"),
    ("peer_help_pairs", "paired_by"),
    ("project_assessments", "assessed_by"),
    // The group an assessment was made for (issue 10, point 5 per group).
    ("project_assessments", "group_id"),
    // Peer feedback (issue 10, point 4): started, hidden and released by teachers; ids of
    // rounds, groups and reviews.
    ("peer_review_settings", "started_by"),
    ("peer_reviews", "round_id"),
    ("peer_reviews", "group_id"),
    ("peer_reviews", "hidden_by"),
    ("peer_feedback_releases", "released_by"),
    ("peer_review_ratings", "review_id"),
    ("self_assessments", "group_id"),
];

/// Column names that are ids of things, never of people.
#[cfg(test)]
const NOT_PEOPLE: &[&str] = &["class_id", "course_id", "skill_id", "item_id", "project_id"];

/// Client-chosen text kept in `Pseudonymise` tables that is not personal by kind but may
/// hold anything a client sent: replaced by the row's own id.
const REPLACED_BY_ROW_ID: &[(&str, &str)] = &[("events", "idempotency_key")];

/// Personal text columns of kept tables that are `NOT NULL`: erasure empties them instead
/// of setting them to NULL.
const CLEARED_TO_EMPTY: &[(&str, &str)] = &[
    ("staff_audit", "detail"),
    ("staff_audit", "address"),
    ("group_posts", "text"),
    ("group_milestones", "title"),
];

/// The longest reason an erasure accepts.
pub const MAX_REASON_CHARS: usize = 500;

/// The prefix of every pseudonym (and of the placeholder account's username).
pub const PSEUDONYM_PREFIX: &str = "erased-";

/// How an erasure was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErasedVia {
    AdminPage,
    CommandLine,
    Retention,
    Reapplied,
}

impl ErasedVia {
    pub fn as_str(self) -> &'static str {
        match self {
            ErasedVia::AdminPage => "admin page",
            ErasedVia::CommandLine => "command line",
            ErasedVia::Retention => "retention",
            ErasedVia::Reapplied => "reapplied after a restore",
        }
    }
}

/// One row of the erasure log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ErasureLogEntry {
    pub id: String,
    pub pseudonym: String,
    pub subject_hash: String,
    pub erased_at: i64,
    pub erased_by: Option<String>,
    pub via: String,
    pub reason: String,
}

/// What an erasure did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erased {
    pub pseudonym: String,
    pub rows_deleted: u64,
    pub rows_pseudonymised: u64,
}

/// A pending erasure request as admins see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErasureRequest {
    pub student: User,
    pub requested_by: String,
    pub requested_at: i64,
}

/// `text` with every case-insensitive occurrence of each of `names` replaced by `with`.
pub fn without_names(text: &str, names: &[&str], with: &str) -> String {
    let mut names: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| !n.trim().is_empty())
        .collect();
    // Longer names first, so "Ana Pérez" goes whole before "ana" is looked for.
    names.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
    let mut out = text.to_string();
    for name in names {
        let needle: Vec<char> = name.chars().collect();
        let chars: Vec<char> = out.chars().collect();
        let mut result = String::new();
        let mut i = 0;
        while i < chars.len() {
            let matches = i + needle.len() <= chars.len()
                && chars[i..i + needle.len()]
                    .iter()
                    .zip(&needle)
                    .all(|(a, b)| a.to_lowercase().eq(b.to_lowercase()));
            if matches {
                result.push_str(with);
                i += needle.len();
            } else {
                result.push(chars[i]);
                i += 1;
            }
        }
        out = result;
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn is_pseudonymise(table: &TableUse) -> bool {
    table.on_erasure == OnErasure::Pseudonymise
}

impl Store {
    /// The keyed hash of a user id that the erasure log keeps (HMAC-SHA256 with the
    /// install's `erasure` secret, made on first use).
    pub async fn erasure_subject_hash(&self, user_id: &UserId, now: i64) -> Result<String> {
        let key = self.erasure_key(now).await?;
        Ok(subject_hash(&key, user_id))
    }

    /// Makes the install's `erasure` key if there is none yet (at every start).
    pub(crate) async fn ensure_erasure_key(&self) -> Result<()> {
        self.erasure_key(0).await.map(|_| ())
    }

    async fn erasure_key(&self, now: i64) -> Result<String> {
        let candidate = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        self.server_secret("erasure", &candidate, now).await
    }

    /// Erases the student `student_id` (see the module documentation); `reason` is
    /// stored without the student's username and name. Students only.
    pub async fn erase_student(
        &self,
        student_id: &UserId,
        reason: &str,
        erased_by: Option<&UserId>,
        via: ErasedVia,
        at: i64,
    ) -> Result<Erased> {
        let student = self
            .user(student_id)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "student",
                id: student_id.to_string(),
            })?;
        if student.role != Role::Student || student.username.starts_with(PSEUDONYM_PREFIX) {
            return Err(StoreError::Invalid {
                field: "student",
                message: "only a student's record is erased here".into(),
            });
        }
        let reason = reason.trim();
        if reason.chars().count() > MAX_REASON_CHARS || reason.chars().any(char::is_control) {
            return Err(StoreError::Invalid {
                field: "reason",
                message: format!("one line of at most {MAX_REASON_CHARS} characters"),
            });
        }
        let reason = without_names(
            reason,
            &[
                &student.username,
                &student.display_name,
                student.id.as_str(),
            ],
            "[the student]",
        );
        let key = self.erasure_key(at).await?;
        let entry = ErasureLogEntry {
            id: new_id(),
            pseudonym: format!(
                "{PSEUDONYM_PREFIX}{}",
                &uuid::Uuid::new_v4().simple().to_string()[..12]
            ),
            subject_hash: subject_hash(&key, &student.id),
            erased_at: at,
            erased_by: erased_by.map(|id| id.to_string()),
            via: via.as_str().to_string(),
            reason,
        };
        // A write about the student that commits while the transaction runs (an answer
        // being recorded, a rebuild of the projection) makes the account's foreign keys
        // refuse the deletion, and the transaction undoes everything: try again.
        let mut attempt = 0;
        let erased = loop {
            attempt += 1;
            match self.erase_rows(&student.id, &entry, true).await {
                Err(StoreError::Database(sqlx::Error::Database(db)))
                    if attempt < 3 && db.kind() == sqlx::error::ErrorKind::ForeignKeyViolation =>
                {
                    tracing::info!(attempt, "erasure met a concurrent write; trying again");
                }
                other => break other?,
            }
        };
        tracing::info!(pseudonym = %erased.pseudonym, via = via.as_str(), "erased a student");
        self.compact_after_erasure().await?;
        Ok(erased)
    }

    /// The transaction: placeholder account, pseudonymised rows, deleted rows, cleared
    /// tables, the account itself, and (when `log`) the log row.
    async fn erase_rows(
        &self,
        student: &UserId,
        entry: &ErasureLogEntry,
        log: bool,
    ) -> Result<Erased> {
        let id = student.as_str();
        let pseudonym = entry.pseudonym.as_str();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO users (id, username, display_name, role, password_hash, created_at, disabled) \
             VALUES ($1, $1, 'Erased student', 'student', '!', $2, 1) ON CONFLICT DO NOTHING",
        )
        .bind(pseudonym)
        .bind(entry.erased_at)
        .execute(&mut *tx)
        .await?;
        let mut pseudonymised = 0;
        let mut deleted = 0;
        for table in INVENTORY.iter().filter(|t| is_pseudonymise(t)) {
            let Some(column) = table.student_column else {
                continue;
            };
            let mut sets = vec![format!("{column} = $1")];
            for (name, sensitivity) in table.columns {
                if *sensitivity == Sensitivity::Personal
                    && CLEARED_TO_EMPTY.contains(&(table.table, name))
                {
                    sets.push(format!("{name} = ''"));
                } else if *sensitivity == Sensitivity::Personal {
                    sets.push(format!("{name} = NULL"));
                }
                if REPLACED_BY_ROW_ID.contains(&(table.table, name)) {
                    sets.push(format!("{name} = id"));
                }
            }
            let sql = format!(
                "UPDATE {} SET {} WHERE {column} = $2",
                table.table,
                sets.join(", ")
            );
            pseudonymised += sqlx::query(AssertSqlSafe(sql))
                .bind(pseudonym)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            for (other_table, other) in ALSO_NAMES_STUDENT {
                if *other_table == table.table {
                    let sql = format!("UPDATE {} SET {other} = $1 WHERE {other} = $2", table.table);
                    pseudonymised += sqlx::query(AssertSqlSafe(sql))
                        .bind(pseudonym)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                }
            }
        }
        // Deleted tables, the account itself last.
        let deletes = INVENTORY
            .iter()
            .filter(|t| t.on_erasure == OnErasure::Delete && t.table != "users")
            .chain(INVENTORY.iter().filter(|t| t.table == "users"));
        for table in deletes {
            let mut columns: Vec<&str> = table.student_column.into_iter().collect();
            columns.extend(
                ALSO_NAMES_STUDENT
                    .iter()
                    .filter(|(t, _)| *t == table.table)
                    .map(|(_, c)| *c),
            );
            for column in columns {
                let sql = format!("DELETE FROM {} WHERE {column} = $1", table.table);
                deleted += sqlx::query(AssertSqlSafe(sql))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
        }
        for table in INVENTORY
            .iter()
            .filter(|t| t.on_erasure == OnErasure::ClearAll)
        {
            let sql = format!("DELETE FROM {}", table.table);
            deleted += sqlx::query(AssertSqlSafe(sql))
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        if log {
            insert_log(&mut tx, entry).await?;
        }
        tx.commit().await?;
        Ok(Erased {
            pseudonym: entry.pseudonym.clone(),
            rows_deleted: deleted,
            rows_pseudonymised: pseudonymised,
        })
    }

    /// Makes deleted rows unreadable in the files: SQLite rewrites the database
    /// (`secure_delete` already zeroed freed content) and empties its WAL; PostgreSQL
    /// vacuums the tables erasure touches.
    pub async fn compact_after_erasure(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => {
                let mut conn = self.pool.acquire().await?;
                sqlx::raw_sql("VACUUM").execute(&mut *conn).await?;
                sqlx::raw_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(&mut *conn)
                    .await?;
            }
            Backend::Postgres => {
                for table in INVENTORY
                    .iter()
                    .filter(|t| t.on_erasure != OnErasure::NotAboutStudents || t.table == "users")
                {
                    let sql = format!("VACUUM {}", table.table);
                    sqlx::raw_sql(AssertSqlSafe(sql))
                        .execute(&self.pool)
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Every `(table, column)` of the live schema whose text holds `needle` (any case):
    /// how the erasure tests, and an auditor, check that nothing of a person is left.
    pub async fn columns_containing(&self, needle: &str) -> Result<Vec<(String, String)>> {
        let pattern = format!("%{}%", needle.to_lowercase());
        let mut hits = Vec::new();
        for (table, column) in self.schema_columns().await? {
            let safe = |name: &str| name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !safe(&table) || !safe(&column) {
                continue;
            }
            // Names come from the database's own catalogue, checked above.
            let sql =
                format!("SELECT COUNT(*) FROM {table} WHERE LOWER(CAST({column} AS TEXT)) LIKE $1");
            let (n,): (i64,) = sqlx::query_as(AssertSqlSafe(sql))
                .bind(&pattern)
                .fetch_one(&self.pool)
                .await?;
            if n > 0 {
                hits.push((table, column));
            }
        }
        Ok(hits)
    }

    /// The erasure log, oldest first.
    pub async fn erasure_log(&self) -> Result<Vec<ErasureLogEntry>> {
        let rows: Vec<LogRow> = sqlx::query_as(
            "SELECT id, pseudonym, subject_hash, erased_at, erased_by, via, reason \
                 FROM erasure_log ORDER BY erased_at, id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, pseudonym, subject_hash, erased_at, erased_by, via, reason)| {
                    ErasureLogEntry {
                        id,
                        pseudonym,
                        subject_hash,
                        erased_at,
                        erased_by,
                        via,
                        reason,
                    }
                },
            )
            .collect())
    }

    /// Re-applies `log` (another database's erasure log, or this one's) to this
    /// database, typically a backup restored from before some erasures: every student
    /// whose id hashes to a logged subject is erased again under the same pseudonym, and
    /// the log rows this database lacks are added. Returns the pseudonyms erased again.
    /// The install's `erasure` secret must be the one the log was written with (a
    /// backup holds it in `server_secrets`).
    pub async fn reapply_erasures(&self, log: &[ErasureLogEntry], at: i64) -> Result<Vec<String>> {
        let key = self.erasure_key(at).await?;
        let mut again = Vec::new();
        for student in self.users(Some(Role::Student)).await? {
            let hash = subject_hash(&key, &student.id);
            if let Some(entry) = log.iter().find(|e| e.subject_hash == hash) {
                let mut entry = entry.clone();
                entry.via = ErasedVia::Reapplied.as_str().to_string();
                self.erase_rows(&student.id, &entry, false).await?;
                again.push(entry.pseudonym.clone());
            }
        }
        let mut tx = self.pool.begin().await?;
        for entry in log {
            insert_log(&mut tx, entry).await?;
        }
        tx.commit().await?;
        if !again.is_empty() {
            self.compact_after_erasure().await?;
        }
        Ok(again)
    }

    /// Records that `requested_by` (the student or a guardian) asked for the student's
    /// erasure. A second request while one is pending keeps the first; returns whether
    /// this one was new.
    pub async fn request_erasure(
        &self,
        student_id: &UserId,
        requested_by: &UserId,
        at: i64,
    ) -> Result<bool> {
        if self.erasure_requested_at(student_id).await?.is_some() {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO erasure_requests (id, student_id, requested_by, requested_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(new_id())
        .bind(student_id.as_str())
        .bind(requested_by.as_str())
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(true)
    }

    /// When the student's erasure was first requested, if it is pending.
    pub async fn erasure_requested_at(&self, student_id: &UserId) -> Result<Option<i64>> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT requested_at FROM erasure_requests WHERE student_id = $1 \
             ORDER BY requested_at LIMIT 1",
        )
        .bind(student_id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(at,)| at))
    }

    /// Pending erasure requests, oldest first, with who asked (their display name).
    pub async fn pending_erasure_requests(&self) -> Result<Vec<ErasureRequest>> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT r.student_id, COALESCE(u.display_name, 'someone no longer here'), r.requested_at \
             FROM erasure_requests r LEFT JOIN users u ON u.id = r.requested_by \
             ORDER BY r.requested_at, r.id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut requests = Vec::new();
        for (student_id, requested_by, requested_at) in rows {
            if let Some(student) = self.user(&UserId::new(student_id)).await? {
                requests.push(ErasureRequest {
                    student,
                    requested_by,
                    requested_at,
                });
            }
        }
        Ok(requests)
    }
}

/// A row of `erasure_log` as read back.
type LogRow = (String, String, String, i64, Option<String>, String, String);

fn subject_hash(key: &str, user_id: &UserId) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_bytes()).unwrap_or_else(|_| {
        <Hmac<Sha256> as KeyInit>::new_from_slice(&[0; 32]).expect("fixed key")
    });
    mac.update(b"ownpace erasure subject\0");
    mac.update(user_id.as_str().as_bytes());
    hex(&mac.finalize().into_bytes())
}

async fn insert_log(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    entry: &ErasureLogEntry,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO erasure_log (id, pseudonym, subject_hash, erased_at, erased_by, via, reason) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
    )
    .bind(&entry.id)
    .bind(&entry.pseudonym)
    .bind(&entry.subject_hash)
    .bind(entry.erased_at)
    .bind(entry.erased_by.as_deref())
    .bind(&entry.via)
    .bind(&entry.reason)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every column that could hold a person's id is either the table's student column,
    /// listed as also naming the student, or listed as never a student's: a new
    /// `reviewer_id` fails here until someone decides what erasure does with it.
    #[test]
    fn every_person_column_is_decided() {
        for table in INVENTORY {
            for (column, sensitivity) in table.columns {
                let person_like = column.ends_with("_id") || column.ends_with("_by");
                if !person_like
                    || *sensitivity == Sensitivity::NotPersonal
                    || NOT_PEOPLE.contains(column)
                    || table.on_erasure == OnErasure::ClearAll
                    || table.student_column == Some(column)
                    // The student's own row (users): every column goes with it.
                    || table.student_column == Some("id")
                {
                    continue;
                }
                let key = (table.table, *column);
                assert!(
                    ALSO_NAMES_STUDENT.contains(&key) || NEVER_A_STUDENT.contains(&key),
                    "{}.{column}: say in storage/src/erasure.rs whether it can hold a student's id",
                    table.table
                );
            }
        }
        for (table, column) in ALSO_NAMES_STUDENT.iter().chain(NEVER_A_STUDENT) {
            let entry = crate::inventory::table_use(table).expect("a table of the inventory");
            assert!(
                entry.columns.iter().any(|(c, _)| c == column),
                "{table}.{column}"
            );
        }
    }

    #[test]
    fn reasons_lose_the_names() {
        assert_eq!(
            without_names("Ana Pérez left; ANA asked", &["ana", "Ana Pérez"], "[x]"),
            "[x] left; [x] asked"
        );
        assert_eq!(without_names("nothing", &[""], "[x]"), "nothing");
    }
}
