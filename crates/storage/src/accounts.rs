//! People and their sessions.
//!
//! Passwords arrive here already hashed (the web layer owns Argon2id); session tokens
//! arrive already hashed too, so a copy of the database never holds a usable cookie.

use crate::{Conflict, Result, Store, StoreError, new_id};
use ownpace_core::ids::UserId;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Teacher,
    Student,
    Guardian,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Teacher, Role::Student, Role::Guardian];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Teacher => "teacher",
            Role::Student => "student",
            Role::Guardian => "guardian",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "admin" => Ok(Role::Admin),
            "teacher" => Ok(Role::Teacher),
            "student" => Ok(Role::Student),
            "guardian" => Ok(Role::Guardian),
            other => Err(format!(
                "unknown role `{other}`: use admin, teacher, student or guardian"
            )),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub created_at: i64,
    pub disabled: bool,
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
    /// When the account is made (ms since the epoch).
    pub created_at: i64,
}

/// A live session, found by the hash of its cookie token.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
    pub expires_at: i64,
    /// When the session was last used (to the minute; see `Store::touch_session`).
    pub last_seen_at: i64,
    /// An admin reset the password: the user must choose a new one before anything else.
    pub must_change_password: bool,
    /// The user has confirmed two-factor sign-in.
    pub two_factor: bool,
}

/// A session as its owner sees it in their list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub token_hash: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    /// "Firefox on Windows", "API client", … (at most 60 characters).
    pub device: String,
}

/// The longest device description stored with a session.
pub const MAX_DEVICE_CHARS: usize = 60;

type UserRow = (String, String, String, String, i64, i64);
/// A user row followed by the session's CSRF token, expiry, last use and reset flag.
#[derive(sqlx::FromRow)]
struct SessionRow {
    id: String,
    username: String,
    display_name: String,
    role: String,
    created_at: i64,
    disabled: i64,
    csrf_token: String,
    expires_at: i64,
    last_seen_at: i64,
    must_change_password: i64,
    two_factor: i64,
}

fn user_from_row(
    (id, username, display_name, role, created_at, disabled): UserRow,
) -> Result<User> {
    let role = role.parse().map_err(|detail| StoreError::Corrupt {
        what: "users.role",
        detail,
    })?;
    Ok(User {
        id: id.into(),
        username,
        display_name,
        role,
        created_at,
        disabled: disabled != 0,
    })
}

macro_rules! user_columns {
    () => {
        "id, username, display_name, role, created_at, disabled"
    };
}

impl Store {
    pub async fn create_user(&self, new: NewUser<'_>) -> Result<User> {
        if self.user_by_username(new.username).await?.is_some() {
            return Err(StoreError::Conflict(Conflict::UsernameTaken {
                username: new.username.to_string(),
            }));
        }
        let id = UserId::new(new_id());
        let created_at = new.created_at;
        sqlx::query(
            "INSERT INTO users (id, username, display_name, role, password_hash, created_at, disabled) \
             VALUES ($1, $2, $3, $4, $5, $6, 0)",
        )
        .bind(id.as_str())
        .bind(new.username)
        .bind(new.display_name)
        .bind(new.role.as_str())
        .bind(new.password_hash)
        .bind(created_at)
        .execute(&self.pool)
        .await?;
        Ok(User {
            id,
            username: new.username.to_string(),
            display_name: new.display_name.to_string(),
            role: new.role,
            created_at,
            disabled: false,
        })
    }

    pub async fn user(&self, id: &UserId) -> Result<Option<User>> {
        let row: Option<UserRow> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE id = $1"
        ))
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(user_from_row).transpose()
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>> {
        let row: Option<UserRow> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE username = $1"
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        row.map(user_from_row).transpose()
    }

    /// The user and their password hash, for checking a login.
    pub async fn credentials(&self, username: &str) -> Result<Option<(User, String)>> {
        let row: Option<(String, String, String, String, i64, i64, String)> =
            sqlx::query_as(concat!(
                "SELECT ",
                user_columns!(),
                ", password_hash FROM users WHERE username = $1"
            ))
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            None => Ok(None),
            Some((a, b, c, d, e, f, hash)) => Ok(Some((user_from_row((a, b, c, d, e, f))?, hash))),
        }
    }

    pub async fn users(&self, role: Option<Role>) -> Result<Vec<User>> {
        let rows: Vec<UserRow> = match role {
            Some(role) => {
                sqlx::query_as(concat!(
                    "SELECT ",
                    user_columns!(),
                    " FROM users WHERE role = $1 ORDER BY display_name, id"
                ))
                .bind(role.as_str())
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query_as(concat!(
                    "SELECT ",
                    user_columns!(),
                    " FROM users ORDER BY role, display_name, id"
                ))
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.into_iter().map(user_from_row).collect()
    }

    /// Sets a new password hash and ends every session of the user (a new password ends
    /// them all).
    pub async fn set_password_hash(&self, user_id: &str, hash: &str) -> Result<()> {
        self.set_password(user_id, hash, false, None).await
    }

    /// Sets a new password hash. `must_change`: the user must choose another at their next
    /// sign-in (an admin's reset). Every session of the user ends except `keep` (the one
    /// that just changed its own password).
    pub async fn set_password(
        &self,
        user_id: &str,
        hash: &str,
        must_change: bool,
        keep: Option<&str>,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE users SET password_hash = $1, must_change_password = $2 WHERE id = $3",
        )
        .bind(hash)
        .bind(i64::from(must_change))
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            tx.rollback().await?;
            return Err(StoreError::NotFound {
                what: "user",
                id: user_id.to_string(),
            });
        }
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(user_id)
            .bind(keep.unwrap_or(""))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The hash of a user's password (to check it before a change).
    pub async fn password_hash(&self, user_id: &str) -> Result<Option<String>> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT password_hash FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(hash,)| hash))
    }

    /// Opens a session. `device` is cut to [`MAX_DEVICE_CHARS`].
    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: &UserId,
        csrf_token: &str,
        created_at: i64,
        expires_at: i64,
        device: &str,
    ) -> Result<()> {
        let device: String = device.chars().take(MAX_DEVICE_CHARS).collect();
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, \
             last_seen_at, device) VALUES ($1, $2, $3, $4, $5, $4, $6)",
        )
        .bind(token_hash)
        .bind(user_id.as_str())
        .bind(csrf_token)
        .bind(created_at)
        .bind(expires_at)
        .bind(device)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The live session for a token hash: not past its expiry, used after `idle_since`,
    /// of an enabled user; otherwise none.
    pub async fn session(
        &self,
        token_hash: &str,
        now: i64,
        idle_since: i64,
    ) -> Result<Option<Session>> {
        let row: Option<SessionRow> = sqlx::query_as(
            "SELECT u.id, u.username, u.display_name, u.role, u.created_at, u.disabled, \
                 s.csrf_token, s.expires_at, s.last_seen_at, u.must_change_password, \
                 CAST(CASE WHEN t.confirmed_at IS NULL THEN 0 ELSE 1 END AS BIGINT) AS two_factor \
                 FROM sessions s JOIN users u ON u.id = s.user_id \
                 LEFT JOIN two_factor t ON t.user_id = u.id \
                 WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3 \
                 AND u.disabled = 0",
        )
        .bind(token_hash)
        .bind(now)
        .bind(idle_since)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            None => Ok(None),
            Some(row) => Ok(Some(Session {
                user: user_from_row((
                    row.id,
                    row.username,
                    row.display_name,
                    row.role,
                    row.created_at,
                    row.disabled,
                ))?,
                csrf_token: row.csrf_token,
                expires_at: row.expires_at,
                last_seen_at: row.last_seen_at,
                must_change_password: row.must_change_password != 0,
                two_factor: row.two_factor != 0,
            })),
        }
    }

    /// Records that a session was used at `now`.
    pub async fn touch_session(&self, token_hash: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(now)
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A user's sessions, most recently used first (expired ones included until the
    /// housekeeping job deletes them).
    pub async fn sessions_of(&self, user_id: &str) -> Result<Vec<SessionInfo>> {
        let rows: Vec<(String, i64, i64, i64, String)> = sqlx::query_as(
            "SELECT token_hash, created_at, last_seen_at, expires_at, device FROM sessions \
             WHERE user_id = $1 ORDER BY last_seen_at DESC, token_hash",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(token_hash, created_at, last_seen_at, expires_at, device)| SessionInfo {
                    token_hash,
                    created_at,
                    last_seen_at,
                    expires_at,
                    device,
                },
            )
            .collect())
    }

    /// Ends every session of a user ("sign out everywhere"); returns how many.
    pub async fn delete_sessions_of(&self, user_id: &str) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        sqlx::query("DELETE FROM flash_messages WHERE session_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes sessions past their expiry or unused since `idle_since`.
    pub async fn delete_expired_sessions(&self, now: i64, idle_since: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
            .bind(now)
            .bind(idle_since)
            .execute(&self.pool)
            .await?;
        // Messages of sessions that ended (expired, signed out, password changed).
        sqlx::query(
            "DELETE FROM flash_messages WHERE session_hash NOT IN (SELECT token_hash FROM sessions)",
        )
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}
