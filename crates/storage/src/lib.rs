//! Ownpace storage: the one place that talks to the database.
//!
//! [`Store`] wraps a sqlx `AnyPool` so that the same migrations (`migrations/`) and the
//! same query text run on SQLite (the embedded default) and PostgreSQL (scale-out). The
//! SQL is written to the common subset of both: `$1` placeholders (SQLite accepts them),
//! TEXT ids, BIGINT times in milliseconds and 0/1 flags, and explicit casts wherever
//! PostgreSQL would otherwise return NUMERIC (which the Any driver cannot decode).
//!
//! Invariants kept here:
//! - learner interactions are appended to `events` and never updated; the `mastery` table
//!   is a projection written in the same transaction and rebuildable from the events;
//! - a transaction that writes starts with its write, so SQLite takes the write lock up
//!   front (waiting on `busy_timeout`) instead of failing on a lock upgrade;
//! - SQLite runs in WAL mode with `synchronous=FULL`: an acknowledged answer survives a crash.

pub mod access_log;
mod accounts;
mod admin;
mod assessments;
mod assignments;
mod checkins;
mod consent;
mod courses;
pub mod erasure;
mod events;
pub mod export;
mod grades;
mod hands;
mod history;
pub mod inventory;
mod letters;
mod models;
mod notices;
mod path;
pub mod peer_review;
pub mod pilots;
pub mod projects;
pub mod retention;
mod roster;
mod screen;
mod security;
mod staff_audit;
mod together;
mod two_factor;

pub use access_log::AuditAction;
pub use accounts::{MAX_DEVICE_CHARS, NewUser, Role, Session, SessionInfo, User};
pub use admin::{PendingRoster, RosterAccount, RosterApplied, RosterMembership};
pub use assessments::{
    MAX_ASSESSMENT_FEEDBACK_CHARS, NewAssessment, NewGroupAssessment, StoredAssessment,
};
pub use assignments::{
    AssignTo, Assignment, AssignmentChange, CalendarFeed, MAX_ASSIGNED_STUDENTS,
    MAX_TARGET_ID_CHARS, NewAssignment,
};
pub use checkins::{
    ActionKind, Checkin, CheckinAction, CheckinNote, CheckinPrep, MAX_ACTION_CHARS,
    MAX_CHECKIN_ENTRIES, MAX_NOTE_CHARS, MAX_PREP_CHARS, NewAction, NewCheckin, Rhythm,
};
pub use consent::{Consent, ConsentFacts, MAX_NOTICE_VERSION};
pub use courses::{CourseVersion, ImportOutcome, StoredAsset};
pub use events::{
    AnswerRecord, EventRecord, MAX_IDEMPOTENCY_KEY_BYTES, MasteryRow, PlacementRecord,
    RecordedAnswer, StoredEvent,
};
pub use grades::{NewGradeOverride, OverridesBySkill, SkillEvidence};
pub use hands::{HelpRequest, MAX_HAND_REPLY_CHARS};
pub use history::HistoryCursor;
pub use letters::{LetterSend, MAX_ADDRESS_CHARS, MAX_ATTEMPTS, Recipient};
pub use models::{LoggedAnswer, StoredModelParams};
pub use notices::Notice;
pub use path::{
    ActivityOverride, Goal, GoalAgreement, GoalDecision, GoalReviewNote, MAX_GOAL_COMMENT_CHARS,
    NewGoal, NewOverride, OverrideAction, OverrideScope,
};
pub use peer_review::{
    FeedbackStatus, NewReview, NewSelfAssessment, PeerFeedback, PeerReview, PeerReviewSettings,
    ReviewAssigned, ReviewerHelpfulness, SelfAssessment,
};
pub use projects::{
    FileQuota, Group, GroupFile, GroupMember, Milestone, NewFile, NewRound, Post, ProposedGroup,
    Round, RoundProject, RoundStatus,
};
pub use roster::{Class, Enrolment, StudentRelation};
pub use screen::{
    ClassBudget, MAX_EXEMPTION_NOTE_CHARS, MAX_SHEET_ITEMS, Sheet, SheetItem, SheetResult,
    StudentBudgets, check_budget, sheet_key,
};
pub use security::{Charge, MAX_THROTTLE_KEY_BYTES, ThrottleRule};
pub use staff_audit::{StaffAction, StaffEntry, StaffEvent};
pub use together::{EVERY_SKILL, HelpPair, HelperOffer, TogetherEntry};
pub use two_factor::TwoFactor;

pub use erasure::{Erased, ErasedVia, ErasureLogEntry, ErasureRequest};
pub use export::ExportedTable;
pub use retention::LeftStudent;

use ownpace_core::ids::UserId;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};
use std::sync::Once;
use std::time::Duration;

/// Errors from the storage layer. The web and CLI layers turn them into messages.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("could not apply database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{what} not found: {id}")]
    NotFound { what: &'static str, id: String },
    /// The change contradicts what is stored (a taken username, a role that cannot hold
    /// this relation, …); the message says why.
    #[error("{0}")]
    Conflict(Conflict),
    /// A value is outside what the field allows; the message names the field and range.
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("stored data is unreadable ({what}): {detail}")]
    Corrupt { what: &'static str, detail: String },
    #[error(
        "unsupported database URL `{0}`: use sqlite://PATH (embedded) or postgres://USER@HOST/DB"
    )]
    UnsupportedUrl(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl StoreError {
    /// The error as it may be written to a log. A database's own message can quote the
    /// values it choked on (PostgreSQL's `invalid input syntax for type integer: "…"`),
    /// and an unreadable stored record's detail can quote the record, either of which can
    /// be student data; so those keep only their kind, SQLSTATE code, table and constraint.
    pub fn redacted(&self) -> String {
        match self {
            StoreError::Database(sqlx::Error::Database(db)) => format!(
                "database error {} (table {}, constraint {})",
                db.code().as_deref().unwrap_or("without a code"),
                db.table().unwrap_or("unknown"),
                db.constraint().unwrap_or("none"),
            ),
            StoreError::Database(sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_)) => {
                "database error: a stored value could not be decoded".to_string()
            }
            StoreError::Corrupt { what, .. } => format!("stored data is unreadable ({what})"),
            StoreError::NotFound { what, .. } => format!("{what} not found"),
            StoreError::Conflict(_) => "conflict".to_string(),
            StoreError::Invalid { field, .. } => format!("invalid {field}"),
            other => other.to_string(),
        }
    }
}

/// Why a change conflicts with what is stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    #[error("the username {username} is taken: choose another username")]
    UsernameTaken { username: String },
    #[error("{username} is {} account: only teachers and students belong to classes", if *.role == Role::Admin { "an admin" } else { "a guardian" })]
    NotAClassMember { username: String, role: Role },
    #[error("a guardianship links a guardian account to a student account")]
    NotAGuardianship,
    #[error("the student is already in that class")]
    AlreadyEnrolled,
    #[error("another record already has the school id {sourced_id}")]
    SourcedIdTaken { sourced_id: String },
    /// An idempotency key already names another interaction (another item, lesson or
    /// kind): a retry must resend what it first sent.
    #[error(
        "this idempotency key was already used for another submission: use a new key for each new one"
    )]
    KeyReused,
    #[error("two-factor sign-in is already on for this account: turn it off first")]
    TwoFactorOn,
    /// A student has one raised hand at a time.
    #[error(
        "Your hand is already up, and your teacher will see it. Lower it to ask about something else"
    )]
    HandAlreadyRaised,
    /// A record changed under the request several times in a row; trying again works.
    #[error("the server is busy with the same record: try again in a moment")]
    Busy,
    /// A pilot is not in the state the change needs (its plan is frozen once started).
    #[error("{0}")]
    PilotState(&'static str),
    /// A project round or group is not in the state the change needs (ranking closed,
    /// groups already published, work already submitted); the message says which.
    #[error("{0}")]
    ProjectRound(&'static str),
    #[error("{kind} events are recorded with their own call, which also updates mastery")]
    MovesMastery {
        kind: ownpace_core::events::EventKind,
    },
}

/// Which database engine a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A handle on the database: cheap to clone, shared by every request.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl Store {
    /// Connects to `url` (`sqlite://PATH` or `postgres://…`), creating the SQLite file if
    /// needed, and applies pending migrations.
    pub async fn connect(url: &str) -> Result<Store> {
        static DRIVERS: Once = Once::new();
        DRIVERS.call_once(install_default_drivers);

        let (backend, url) = if let Some(rest) = url.strip_prefix("sqlite:") {
            let url = if rest.contains("mode=") {
                url.to_string()
            } else if rest.contains('?') {
                format!("{url}&mode=rwc")
            } else {
                format!("{url}?mode=rwc")
            };
            (Backend::Sqlite, url)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_string())
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        };

        let mut options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(10));
        if backend == Backend::Sqlite {
            options = options.max_connections(8).after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute(sqlx::raw_sql(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                         PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                         PRAGMA secure_delete = ON;",
                    ))
                    .await?;
                    Ok(())
                })
            });
        } else {
            options = options.max_connections(16);
        }
        let pool = options.connect(&url).await?;
        MIGRATOR.run(&pool).await?;
        let store = Store { pool, backend };
        // The erasure log's key exists from the first start, so every backup holds the
        // key that later erasures are logged with (`erasure::reapply_erasures`).
        store.ensure_erasure_key().await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Checks that the database answers (for `/healthz`).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// SQLite's (journal_mode, synchronous, foreign_keys) on a pooled connection; `None`
    /// on PostgreSQL. Lets tests and `/healthz`-style checks confirm durability settings.
    pub async fn sqlite_pragmas(&self) -> Result<Option<(String, i64, i64)>> {
        if self.backend != Backend::Sqlite {
            return Ok(None);
        }
        let mut conn = self.pool.acquire().await?;
        let (journal,): (String,) = sqlx::query_as("PRAGMA journal_mode")
            .fetch_one(&mut *conn)
            .await?;
        let (synchronous,): (i64,) = sqlx::query_as("PRAGMA synchronous")
            .fetch_one(&mut *conn)
            .await?;
        let (foreign_keys,): (i64,) = sqlx::query_as("PRAGMA foreign_keys")
            .fetch_one(&mut *conn)
            .await?;
        Ok(Some((journal, synchronous, foreign_keys)))
    }

    /// Closes every connection (on shutdown; SQLite checkpoints its WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Appends a row to the audit log: `actor` read or changed `student`'s record.
    pub async fn audit(
        &self,
        actor_id: &UserId,
        action: &str,
        student_id: Option<&UserId>,
        at: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit_log (id, at, actor_id, action, student_id) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(new_id())
        .bind(at)
        .bind(actor_id.as_str())
        .bind(action)
        .bind(student_id.map(|id| id.as_str()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Appends one audit row per student, in one statement (a dashboard reads many records).
    pub async fn audit_many(
        &self,
        actor_id: &UserId,
        action: &str,
        student_ids: &[&UserId],
        at: i64,
    ) -> Result<()> {
        if student_ids.is_empty() {
            return Ok(());
        }
        // Numbered placeholders built here (sqlx's QueryBuilder writes `?` for the Any
        // driver, which PostgreSQL rejects); only the numbers are dynamic.
        let rows: Vec<String> = (0..student_ids.len())
            .map(|i| format!("($1, $2, $3, ${}, ${})", 4 + 2 * i, 5 + 2 * i))
            .collect();
        let sql = format!(
            "INSERT INTO audit_log (at, actor_id, action, id, student_id) VALUES {}",
            rows.join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(at)
            .bind(actor_id.as_str())
            .bind(action);
        for student in student_ids {
            query = query.bind(new_id()).bind(student.as_str());
        }
        query.execute(&self.pool).await?;
        Ok(())
    }

    /// Audit entries about one student, newest first.
    pub async fn audit_entries_for(
        &self,
        student_id: &UserId,
        limit: i64,
    ) -> Result<Vec<AuditEntry>> {
        let rows: Vec<(i64, String, String, Option<String>)> = sqlx::query_as(
            "SELECT a.at, COALESCE(u.display_name, a.actor_id), a.action, a.detail FROM audit_log a \
             LEFT JOIN users u ON u.id = a.actor_id WHERE a.student_id = $1 \
             ORDER BY a.at DESC, a.id DESC LIMIT $2",
        )
        .bind(student_id.as_str())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(at, actor, action, detail)| AuditEntry {
                at,
                actor,
                action,
                detail: detail.unwrap_or_default(),
            })
            .collect())
    }
}

/// One row of the audit log as shown to the people it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: i64,
    pub actor: String,
    /// An [`AuditAction`]'s code, or the free text of an older row.
    pub action: String,
    /// What a change was about, in words (empty when nothing more is said).
    pub detail: String,
}

/// A new time-ordered identifier (UUIDv7, hyphenated).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The one length check for free text a person writes: at most `max` characters
/// (`required`: not blank either), or [`StoreError::Invalid`] naming the field and the count.
pub(crate) fn check_text(
    field: &'static str,
    text: &str,
    max: usize,
    required: bool,
) -> Result<()> {
    let invalid = |message: String| StoreError::Invalid { field, message };
    let count = text.chars().count();
    if count > max {
        return Err(invalid(format!(
            "at most {max} characters (this one has {count})"
        )));
    }
    if required && text.trim().is_empty() {
        return Err(invalid("write something here".to_string()));
    }
    Ok(())
}

#[cfg(any(test, feature = "testing"))]
pub mod testing {
    //! Scratch databases for tests: a fresh SQLite file or a fresh PostgreSQL database.
    use super::*;

    /// The PostgreSQL server tests use: `OWNPACE_TEST_POSTGRES_URL`, or the local server
    /// that CI starts. A test that asks for PostgreSQL and cannot reach it fails.
    pub fn postgres_admin_url() -> String {
        std::env::var("OWNPACE_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
    }

    /// A database that exists for one test. SQLite files live in a temporary folder that
    /// is removed on drop; PostgreSQL databases are created fresh, named as scratch with
    /// the time they were made, and dropped by a later test process once stale
    /// (`drop_stale_scratch_databases`).
    pub struct ScratchDatabase {
        pub url: String,
        _dir: Option<TempDir>,
    }

    /// A temporary directory removed on drop (kept tiny to avoid a dependency here).
    struct TempDir(std::path::PathBuf);
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    pub async fn scratch(backend: Backend) -> ScratchDatabase {
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("ownpace-test-{}", new_id()));
                std::fs::create_dir_all(&dir).expect("create a temporary folder");
                ScratchDatabase {
                    url: format!("sqlite://{}", dir.join("ownpace.sqlite3").display()),
                    _dir: Some(TempDir(dir)),
                }
            }
            Backend::Postgres => {
                static DRIVERS: Once = Once::new();
                DRIVERS.call_once(install_default_drivers);
                let admin = postgres_admin_url();
                let pool = AnyPoolOptions::new()
                    .max_connections(1)
                    .connect(&admin)
                    .await
                    .unwrap_or_else(|e| {
                        panic!(
                            "PostgreSQL tests need a server at {admin} (set OWNPACE_TEST_POSTGRES_URL; \
                             .ci/run starts one): {e}"
                        )
                    });
                static SWEPT: std::sync::atomic::AtomicBool =
                    std::sync::atomic::AtomicBool::new(false);
                if !SWEPT.swap(true, std::sync::atomic::Ordering::SeqCst) {
                    drop_stale_scratch_databases(&pool).await;
                }
                let name = format!("ownpace_scratch_{}", new_id().replace('-', ""));
                pool.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .await
                    .expect("create a scratch PostgreSQL database");
                pool.close().await;
                let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
                ScratchDatabase {
                    url: format!("{base}/{name}"),
                    _dir: None,
                }
            }
        }
    }

    /// Scratch databases are not dropped when a test ends (the test's connections may
    /// still be closing). The first scratch database a test process makes drops those more
    /// than [`STALE_AFTER_MS`] old instead, by the time in their UUIDv7 name, so a
    /// developer's server does not fill up; one still in use refuses the drop and stays.
    #[allow(clippy::disallowed_methods)] // Test support, not storage: reads the clock to age scratch databases.
    async fn drop_stale_scratch_databases(pool: &sqlx::AnyPool) {
        const STALE_AFTER_MS: u128 = 2 * 3_600_000;
        let Ok(names) = sqlx::query_scalar::<_, String>(
            "SELECT datname::text FROM pg_database WHERE datname LIKE 'ownpace\\_scratch\\_%'",
        )
        .fetch_all(pool)
        .await
        else {
            return;
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        for name in names {
            let made = name
                .strip_prefix("ownpace_scratch_")
                .and_then(|id| id.get(..12))
                .and_then(|hex| u128::from_str_radix(hex, 16).ok());
            let safe = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if let Some(made) = made
                && safe
                && now.saturating_sub(made) > STALE_AFTER_MS
            {
                let _ = pool
                    .execute(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name}"
                    )))
                    .await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::scratch;
    use super::*;

    /// PostgreSQL quotes a rejected value in its message; the log form must not.
    #[tokio::test]
    async fn redacted_errors_keep_the_code_and_drop_the_quoted_value() {
        let db = scratch(Backend::Postgres).await;
        let store = Store::connect(&db.url).await.expect("connect");
        let error: StoreError = sqlx::query("SELECT CAST($1 AS INTEGER)")
            .bind("Ana Pérez")
            .execute(&store.pool)
            .await
            .expect_err("not an integer")
            .into();
        assert!(error.to_string().contains("Ana Pérez"), "{error}");
        let logged = error.redacted();
        assert!(!logged.contains("Ana"), "{logged}");
        assert!(logged.contains("22P02"), "{logged}");

        let corrupt = StoreError::Corrupt {
            what: "answer response",
            detail: "invalid type: string \"my secret answer\"".into(),
        };
        assert_eq!(
            corrupt.redacted(),
            "stored data is unreadable (answer response)"
        );
    }
}
