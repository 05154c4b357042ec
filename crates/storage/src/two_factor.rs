//! Two-factor sign-in: a staff member's TOTP secret and recovery codes. The web layer
//! makes and checks codes (`totp-rs`); this keeps the secret, accepts each time step once
//! (one conditional `UPDATE`, so two sign-ins cannot use the same code), and spends each
//! recovery code once.

use crate::{Conflict, Result, Store, StoreError};

/// A user's TOTP enrolment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TwoFactor {
    /// Base32.
    pub secret: String,
    /// `None` until the first code was checked.
    pub confirmed_at: Option<i64>,
    pub last_step: i64,
}

impl Store {
    /// Starts (or restarts) an enrolment with a new secret. An enrolment already confirmed
    /// stays: turn it off first.
    pub async fn start_two_factor(&self, user_id: &str, secret: &str, now: i64) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM two_factor WHERE user_id = $1 AND confirmed_at IS NULL")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let inserted = sqlx::query(
            "INSERT INTO two_factor (user_id, secret, created_at, confirmed_at, last_step) \
             VALUES ($1, $2, $3, NULL, 0) ON CONFLICT (user_id) DO NOTHING",
        )
        .bind(user_id)
        .bind(secret)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            tx.rollback().await?;
            return Err(StoreError::Conflict(Conflict::TwoFactorOn));
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn two_factor(&self, user_id: &str) -> Result<Option<TwoFactor>> {
        let row: Option<(String, Option<i64>, i64)> = sqlx::query_as(
            "SELECT secret, confirmed_at, last_step FROM two_factor WHERE user_id = $1",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(secret, confirmed_at, last_step)| TwoFactor {
            secret,
            confirmed_at,
            last_step,
        }))
    }

    /// Accepts time step `step` for the user if it is newer than every step accepted
    /// before (and, for a confirmation, confirms the enrolment with its recovery codes).
    /// Returns false when the step was already used.
    pub async fn accept_two_factor_step(
        &self,
        user_id: &str,
        step: i64,
        confirm: Option<(&[String], i64)>,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let accepted = sqlx::query(
            "UPDATE two_factor SET last_step = $1, \
             confirmed_at = CASE WHEN confirmed_at IS NULL THEN $3 ELSE confirmed_at END \
             WHERE user_id = $2 AND last_step < $1",
        )
        .bind(step)
        .bind(user_id)
        .bind(confirm.map(|(_, now)| now))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if accepted == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        if let Some((code_hashes, _)) = confirm {
            sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            for hash in code_hashes {
                sqlx::query(
                    "INSERT INTO recovery_codes (user_id, code_hash, used_at) VALUES ($1, $2, NULL)",
                )
                .bind(user_id)
                .bind(hash)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Spends a recovery code (by its hash); false when it is unknown or was used.
    pub async fn use_recovery_code(
        &self,
        user_id: &str,
        code_hash: &str,
        now: i64,
    ) -> Result<bool> {
        let used = sqlx::query(
            "UPDATE recovery_codes SET used_at = $3 \
             WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
        )
        .bind(user_id)
        .bind(code_hash)
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(used > 0)
    }

    /// Recovery codes not used yet.
    pub async fn recovery_codes_left(&self, user_id: &str) -> Result<i64> {
        let (left,): (i64,) = sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM recovery_codes \
             WHERE user_id = $1 AND used_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(left)
    }

    /// Turns two-factor sign-in off: the secret and the recovery codes go.
    pub async fn remove_two_factor(&self, user_id: &str) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM two_factor WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
