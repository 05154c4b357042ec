//! Per-install secrets and the login throttle's counters.
//!
//! A throttle counter is one row named by a key the web layer derives (an HMAC of the
//! account, address or device it counts, so the row is fixed-size and never holds what
//! was typed). [`Store::charge_login_attempt`] charges an attempt *before* its password
//! is checked, in one conditional `UPDATE`: both engines serialise updates of one row,
//! so however many attempts arrive at once, no more than the rule allows are let through.

use crate::{Result, Store, StoreError};

/// How one kind of counter limits attempts within its window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleRule {
    /// Length of a counting window; the count starts again after it.
    pub window_ms: i64,
    /// Attempts in a window that are checked without any delay.
    pub free: i64,
    /// Attempts in a window past which every further attempt is refused until the
    /// window ends (`i64::MAX` for none).
    pub limit: i64,
    /// The first delay once `free` attempts were charged; each further attempt doubles it.
    pub base_delay_ms: i64,
    pub max_delay_ms: i64,
}

/// Whether an attempt may be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charge {
    Allowed,
    /// Not before `retry_at` (ms since the epoch).
    Refused {
        retry_at: i64,
    },
}

/// The longest key a throttle counter may have (the web's keys are 64 hex digits).
pub const MAX_THROTTLE_KEY_BYTES: usize = 128;

fn check_key(key: &str) -> Result<()> {
    if key.is_empty() || key.len() > MAX_THROTTLE_KEY_BYTES {
        return Err(StoreError::Invalid {
            field: "throttle key",
            message: format!("1 to {MAX_THROTTLE_KEY_BYTES} bytes"),
        });
    }
    Ok(())
}

/// The delay after the attempt being charged, from the row as it was: none while the
/// window's count stays under `$4` (free), then `$6` (base), doubling up to `$7`. A window
/// that ended (`window_at <= $3`) starts again with this attempt as its first.
macro_rules! new_delay {
    () => {
        "(CASE \
           WHEN (CASE WHEN window_at <= $3 THEN 1 ELSE failures + 1 END) < $4 THEN 0 \
           WHEN window_at <= $3 OR delay_ms = 0 THEN $6 \
           WHEN delay_ms * 2 > $7 THEN $7 ELSE delay_ms * 2 END)"
    };
}

impl Store {
    /// The secret called `name`: the stored one, or `candidate` when none was stored yet
    /// (the first server to start wins; every process then reads the same value).
    pub async fn server_secret(&self, name: &str, candidate: &str, now: i64) -> Result<String> {
        sqlx::query(
            "INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(candidate)
        .bind(now)
        .execute(&self.pool)
        .await?;
        let (value,): (String,) =
            sqlx::query_as("SELECT value FROM server_secrets WHERE name = $1")
                .bind(name)
                .fetch_one(&self.pool)
                .await?;
        Ok(value)
    }

    /// Charges one attempt to the counter `key` if `rule` lets it through now.
    pub async fn charge_login_attempt(
        &self,
        key: &str,
        rule: &ThrottleRule,
        now: i64,
    ) -> Result<Charge> {
        check_key(key)?;
        // A counter that does not exist yet is made with this attempt charged. The loop
        // runs again only if housekeeping pruned the row between the statements.
        for _ in 0..3 {
            let delay = if 1 < rule.free { 0 } else { rule.base_delay_ms };
            let created = sqlx::query(
                "INSERT INTO login_throttle (key, failures, delay_ms, window_at, next_at) \
                 VALUES ($1, 1, $2, $3, $4) ON CONFLICT (key) DO NOTHING",
            )
            .bind(key)
            .bind(delay)
            .bind(now)
            .bind(if delay == 0 { 0 } else { now + delay })
            .execute(&self.pool)
            .await?
            .rows_affected();
            if created > 0 {
                return Ok(Charge::Allowed);
            }
            // Every right-hand side reads the row as it was. Without a delay `next_at` is
            // 0, so attempts whose clocks read a moment earlier are not refused by a later one.
            let charged = sqlx::query(concat!(
                "UPDATE login_throttle SET \
                   failures = CASE WHEN window_at <= $3 THEN 1 ELSE failures + 1 END, \
                   delay_ms = ",
                new_delay!(),
                ", next_at = CASE WHEN ",
                new_delay!(),
                " = 0 THEN 0 ELSE $2 + ",
                new_delay!(),
                " END, \
                   window_at = CASE WHEN window_at <= $3 THEN $2 ELSE window_at END \
                 WHERE key = $1 AND next_at <= $2 AND (window_at <= $3 OR failures < $5)"
            ))
            .bind(key)
            .bind(now)
            .bind(now - rule.window_ms)
            .bind(rule.free)
            .bind(rule.limit)
            .bind(rule.base_delay_ms)
            .bind(rule.max_delay_ms)
            .execute(&self.pool)
            .await?
            .rows_affected();
            if charged > 0 {
                return Ok(Charge::Allowed);
            }
            let row: Option<(i64, i64, i64)> = sqlx::query_as(
                "SELECT failures, window_at, next_at FROM login_throttle WHERE key = $1",
            )
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
            let Some((failures, window_at, next_at)) = row else {
                continue;
            };
            let window_end = window_at + rule.window_ms;
            let retry_at = if failures >= rule.limit && window_end > now {
                window_end.max(next_at)
            } else {
                next_at
            };
            return Ok(Charge::Refused {
                retry_at: retry_at.max(now + 1),
            });
        }
        Err(StoreError::Conflict(crate::Conflict::Busy))
    }

    /// Gives back an attempt charged to `key` (the attempt succeeded, or another counter
    /// refused it before its password was checked).
    pub async fn refund_login_attempt(&self, key: &str) -> Result<()> {
        sqlx::query(
            "UPDATE login_throttle SET failures = failures - 1 WHERE key = $1 AND failures > 0",
        )
        .bind(key)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Forgets the counter `key` (a successful sign-in clears its account's delays).
    pub async fn reset_login_throttle(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_throttle WHERE key = $1")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes counters whose window began before `window_start` and that hold no delay
    /// beyond `now`: they no longer limit anything. Returns how many went.
    pub async fn prune_login_throttle(&self, window_start: i64, now: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM login_throttle WHERE window_at < $1 AND next_at <= $2")
            .bind(window_start)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// (key, failures) of every counter, for tests and `ownpace` diagnostics.
    pub async fn login_throttle_rows(&self) -> Result<Vec<(String, i64)>> {
        Ok(
            sqlx::query_as("SELECT key, failures FROM login_throttle ORDER BY key")
                .fetch_all(&self.pool)
                .await?,
        )
    }
}
