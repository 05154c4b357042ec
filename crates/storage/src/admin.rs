//! What the admin pages keep beside accounts and classes: one-time set-up codes, the
//! message a page shows after a form (Post/Redirect/Get), CSV roster files awaiting
//! confirmation, and applying a checked roster in one transaction.

use crate::accounts::Role;
use crate::{Conflict, Result, Store, StoreError, new_id};
use ownpace_core::ids::{ClassId, UserId};

/// A day: how long an uploaded roster waits for its confirmation.
const IMPORT_KEPT_MS: i64 = 86_400_000;

/// A new account from a roster file, already checked by the caller.
#[derive(Debug, Clone)]
pub struct RosterAccount<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    /// The school's own id of the person (OneRoster `sourcedId`).
    pub sourced_id: Option<&'a str>,
    pub disabled: bool,
    /// A student's birth year (a roster's `birthDate`, only the year).
    pub birth_year: Option<i64>,
    /// SHA-256 (hex) of the one-time set-up code handed to the person.
    pub setup_code_hash: &'a str,
}

/// A membership from a roster file: the account (new in this file or existing) by
/// username, and the class by Ownpace id.
#[derive(Debug, Clone)]
pub struct RosterMembership<'a> {
    pub class_id: &'a ClassId,
    pub username: &'a str,
}

/// What applying a roster did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RosterApplied {
    pub accounts: usize,
    /// Memberships added (students enrolled, teachers added).
    pub memberships: usize,
    /// Memberships that already existed.
    pub unchanged: usize,
    /// Students enrolled by this roster (each gets a line in their access log).
    pub enrolled_students: Vec<UserId>,
}

/// A CSV roster awaiting confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingRoster {
    pub id: String,
    pub users_csv: String,
    pub enrollments_csv: String,
    pub created_at: i64,
}

impl Store {
    /// Replaces the user's set-up codes with a new one (its SHA-256, hex), valid until
    /// `expires_at`.
    pub async fn issue_setup_code(
        &self,
        user_id: &UserId,
        code_hash: &str,
        at: i64,
        expires_at: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM setup_codes WHERE user_id = $1")
            .bind(user_id.as_str())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO setup_codes (code_hash, user_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(code_hash)
        .bind(user_id.as_str())
        .bind(at)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The account a set-up code (by hash) opens at `now`: not expired, account enabled.
    pub async fn setup_code_user(&self, code_hash: &str, now: i64) -> Result<Option<UserId>> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT s.user_id FROM setup_codes s JOIN users u ON u.id = s.user_id \
             WHERE s.code_hash = $1 AND s.expires_at > $2 AND u.disabled = 0",
        )
        .bind(code_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(id,)| UserId::new(id)))
    }

    /// Uses a set-up code: sets the password hash of its account and deletes the code, in
    /// one transaction that starts with the delete (so a code works once, even when two
    /// requests race). Returns the account's id, or `None` for an unknown or expired code.
    pub async fn use_setup_code(
        &self,
        code_hash: &str,
        password_hash: &str,
        now: i64,
    ) -> Result<Option<UserId>> {
        let Some(user_id) = self.setup_code_user(code_hash, now).await? else {
            return Ok(None);
        };
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("DELETE FROM setup_codes WHERE code_hash = $1 AND expires_at > $2")
            .bind(code_hash)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user_id.as_str())
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id.as_str())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(user_id))
    }

    /// Whether the account has a set-up code that has not expired at `now`.
    pub async fn has_setup_code(&self, user_id: &UserId, now: i64) -> Result<bool> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM setup_codes WHERE user_id = $1 AND expires_at > $2",
        )
        .bind(user_id.as_str())
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    /// Disables (ending every session) or enables an account.
    pub async fn set_user_disabled(&self, user_id: &UserId, disabled: bool) -> Result<()> {
        let done = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
            .bind(i64::from(disabled))
            .bind(user_id.as_str())
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                what: "user",
                id: user_id.to_string(),
            });
        }
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id.as_str())
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// The school's own id of an account (OneRoster `sourcedId`), if it has one.
    pub async fn user_sourced_id(&self, user_id: &UserId) -> Result<Option<String>> {
        let row: Option<(Option<String>,)> =
            sqlx::query_as("SELECT sourced_id FROM users WHERE id = $1")
                .bind(user_id.as_str())
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.and_then(|(s,)| s))
    }

    /// The usernames of the accounts with these school ids (OneRoster `sourcedId`), as
    /// (sourced id, username, role) for those that exist.
    pub async fn usernames_by_sourced_id(&self) -> Result<Vec<(String, String, Role)>> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT sourced_id, username, role FROM users WHERE sourced_id IS NOT NULL",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(sid, username, role)| {
                let role = role.parse().map_err(|detail| StoreError::Corrupt {
                    what: "users.role",
                    detail,
                })?;
                Ok((sid, username, role))
            })
            .collect()
    }

    /// Keeps what the page at `path` says next to this session (one message per page).
    pub async fn set_flash(
        &self,
        session_hash: &str,
        path: &str,
        body: &str,
        at: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM flash_messages WHERE session_hash = $1 AND path = $2")
            .bind(session_hash)
            .bind(path)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO flash_messages (session_hash, path, body, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(session_hash)
        .bind(path)
        .bind(body)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes (reads and deletes) what the page at `path` says next to this session.
    pub async fn take_flash(&self, session_hash: &str, path: &str) -> Result<Option<String>> {
        let row: Option<(String,)> = sqlx::query_as(
            "DELETE FROM flash_messages WHERE session_hash = $1 AND path = $2 RETURNING body",
        )
        .bind(session_hash)
        .bind(path)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(body,)| body))
    }

    /// Keeps uploaded roster files until the admin confirms them; forgets uploads older
    /// than a day. Returns the upload's id.
    pub async fn save_roster_import(
        &self,
        admin_id: &UserId,
        users_csv: &str,
        enrollments_csv: &str,
        at: i64,
    ) -> Result<String> {
        sqlx::query("DELETE FROM roster_imports WHERE created_at < $1")
            .bind(at - IMPORT_KEPT_MS)
            .execute(&self.pool)
            .await?;
        let id = new_id();
        sqlx::query(
            "INSERT INTO roster_imports (id, admin_id, created_at, users_csv, enrollments_csv) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(admin_id.as_str())
        .bind(at)
        .bind(users_csv)
        .bind(enrollments_csv)
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    /// An upload of this admin's, if it is still kept at `now`.
    pub async fn roster_import(
        &self,
        id: &str,
        admin_id: &UserId,
        now: i64,
    ) -> Result<Option<PendingRoster>> {
        let row: Option<(String, String, String, i64)> = sqlx::query_as(
            "SELECT id, users_csv, enrollments_csv, created_at FROM roster_imports \
             WHERE id = $1 AND admin_id = $2 AND created_at >= $3",
        )
        .bind(id)
        .bind(admin_id.as_str())
        .bind(now - IMPORT_KEPT_MS)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(
            |(id, users_csv, enrollments_csv, created_at)| PendingRoster {
                id,
                users_csv,
                enrollments_csv,
                created_at,
            },
        ))
    }

    /// Creates the accounts (each with its set-up code, valid until `setup_expires_at`)
    /// and adds the memberships, all in one transaction: a taken username or a missing
    /// account or class stores nothing. Students join their class at `at`.
    pub async fn apply_roster(
        &self,
        import_id: Option<&str>,
        accounts: &[RosterAccount<'_>],
        memberships: &[RosterMembership<'_>],
        at: i64,
        setup_expires_at: i64,
    ) -> Result<RosterApplied> {
        let mut applied = RosterApplied::default();
        let mut tx = self.pool.begin().await?;
        if let Some(id) = import_id {
            // The first statement writes (SQLite takes the lock up front), and an upload is
            // applied once even when the confirmation is sent twice.
            let done = sqlx::query("DELETE FROM roster_imports WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound {
                    what: "roster upload",
                    id: id.to_string(),
                });
            }
        }
        for account in accounts {
            let inserted = sqlx::query(
                "INSERT INTO users (id, username, display_name, role, password_hash, created_at, \
                 disabled, sourced_id, birth_year) VALUES ($1, $2, $3, $4, '!', $5, $6, $7, $8) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(new_id())
            .bind(account.username)
            .bind(account.display_name)
            .bind(account.role.as_str())
            .bind(at)
            .bind(i64::from(account.disabled))
            .bind(account.sourced_id)
            .bind(account.birth_year)
            .execute(&mut *tx)
            .await?;
            if inserted.rows_affected() == 0 {
                return Err(StoreError::Conflict(match account.sourced_id {
                    Some(sid) if self.usernames_by_sourced_id_in(&mut tx, sid).await? => {
                        Conflict::SourcedIdTaken {
                            sourced_id: sid.to_string(),
                        }
                    }
                    _ => Conflict::UsernameTaken {
                        username: account.username.to_string(),
                    },
                }));
            }
            sqlx::query(
                "INSERT INTO setup_codes (code_hash, user_id, created_at, expires_at) \
                 SELECT $1, id, $2, $3 FROM users WHERE username = $4",
            )
            .bind(account.setup_code_hash)
            .bind(at)
            .bind(setup_expires_at)
            .bind(account.username)
            .execute(&mut *tx)
            .await?;
            applied.accounts += 1;
        }
        for membership in memberships {
            let user: Option<(String, String)> =
                sqlx::query_as("SELECT id, role FROM users WHERE username = $1")
                    .bind(membership.username)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((user_id, role)) = user else {
                return Err(StoreError::NotFound {
                    what: "user",
                    id: membership.username.to_string(),
                });
            };
            let class: Option<(String,)> = sqlx::query_as("SELECT id FROM classes WHERE id = $1")
                .bind(membership.class_id.as_str())
                .fetch_optional(&mut *tx)
                .await?;
            if class.is_none() {
                return Err(StoreError::NotFound {
                    what: "class",
                    id: membership.class_id.to_string(),
                });
            }
            let done = match role.as_str() {
                "student" => {
                    sqlx::query(
                        "INSERT INTO enrollments (class_id, student_id, joined_at) \
                         VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    )
                    .bind(membership.class_id.as_str())
                    .bind(&user_id)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?
                }
                "teacher" => {
                    sqlx::query(
                        "INSERT INTO class_teachers (class_id, teacher_id) VALUES ($1, $2) \
                         ON CONFLICT DO NOTHING",
                    )
                    .bind(membership.class_id.as_str())
                    .bind(&user_id)
                    .execute(&mut *tx)
                    .await?
                }
                other => {
                    let role = other.parse().map_err(|detail| StoreError::Corrupt {
                        what: "users.role",
                        detail,
                    })?;
                    return Err(StoreError::Conflict(Conflict::NotAClassMember {
                        username: membership.username.to_string(),
                        role,
                    }));
                }
            };
            if done.rows_affected() > 0 {
                applied.memberships += 1;
                if role == "student" {
                    applied.enrolled_students.push(UserId::new(user_id));
                }
            } else {
                applied.unchanged += 1;
            }
        }
        tx.commit().await?;
        Ok(applied)
    }

    async fn usernames_by_sourced_id_in(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        sourced_id: &str,
    ) -> Result<bool> {
        let (n,): (i64,) =
            sqlx::query_as("SELECT CAST(COUNT(*) AS BIGINT) FROM users WHERE sourced_id = $1")
                .bind(sourced_id)
                .fetch_one(&mut **tx)
                .await?;
        Ok(n > 0)
    }
}
