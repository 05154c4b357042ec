//! Birth years and guardians' consents (issue 11, point 5).
//!
//! The rules (who needs consent, what it allows) are the core's
//! (`ownpace_core::consent`); this module keeps the facts they read: a student's birth
//! year and the consents their guardians gave. A consent row is never changed except to
//! close it (withdrawn, or replaced by a newer one), so the history stays; a consent counts
//! only while the guardian who gave it is still linked to the student. Each change writes
//! its access-log row in the same transaction.

use crate::access_log::{AuditAction, insert_audit};
use crate::{Result, Store, StoreError, new_id};
use ownpace_core::consent::Scope;
use ownpace_core::ids::{ClassId, UserId};

/// The longest notice version stored with a consent.
pub const MAX_NOTICE_VERSION: usize = 64;

/// A consent in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub scope: Scope,
    pub guardian_id: UserId,
    pub guardian_name: String,
    pub notice_version: String,
    pub given_at: i64,
}

/// What the consent rules need to know about one student.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConsentFacts {
    pub birth_year: Option<i64>,
    /// Scopes a linked guardian's consent covers now.
    pub given: Vec<Scope>,
}

fn scope_of(text: &str) -> Result<Scope> {
    Scope::parse(text).ok_or_else(|| StoreError::Corrupt {
        what: "consents.scope",
        detail: text.to_string(),
    })
}

/// Consents in force: not withdrawn, given by a guardian still linked to the student.
const IN_FORCE: &str = "c.withdrawn_at IS NULL AND EXISTS (SELECT 1 FROM guardianships g \
     WHERE g.guardian_id = c.guardian_id AND g.student_id = c.student_id)";

impl Store {
    /// A student's birth year, when known.
    pub async fn birth_year(&self, user_id: &UserId) -> Result<Option<i64>> {
        let row: Option<(Option<i64>,)> =
            sqlx::query_as("SELECT birth_year FROM users WHERE id = $1")
                .bind(user_id.as_str())
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.and_then(|(year,)| year))
    }

    /// Sets (or, with `None`, forgets) a student's birth year, and logs who did it, in one
    /// transaction. The caller checked the year (`ownpace_core::consent::check_birth_year`).
    /// Without an actor (the command line, at account creation) no access-log row is
    /// written.
    pub async fn set_birth_year(
        &self,
        actor_id: Option<&UserId>,
        student_id: &UserId,
        year: Option<i64>,
        at: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let done =
            sqlx::query("UPDATE users SET birth_year = $1 WHERE id = $2 AND role = 'student'")
                .bind(year)
                .bind(student_id.as_str())
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                what: "student",
                id: student_id.to_string(),
            });
        }
        if let Some(actor_id) = actor_id {
            let detail = year.map(|y| y.to_string()).unwrap_or_default();
            insert_audit(
                &mut tx,
                actor_id,
                AuditAction::BirthYearSet,
                student_id,
                Some(&detail),
                at,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The birth year and the consents in force for one student.
    pub async fn consent_facts(&self, student_id: &UserId) -> Result<ConsentFacts> {
        let birth_year = self.birth_year(student_id).await?;
        let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT DISTINCT c.scope FROM consents c WHERE c.student_id = $1 AND {IN_FORCE}"
        )))
        .bind(student_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        let mut given = rows
            .iter()
            .map(|(s,)| scope_of(s))
            .collect::<Result<Vec<_>>>()?;
        given.sort();
        Ok(ConsentFacts { birth_year, given })
    }

    /// [`Store::consent_facts`] for every student enrolled in a class now, by student id.
    pub async fn class_consent_facts(
        &self,
        class_id: &ClassId,
    ) -> Result<Vec<(UserId, ConsentFacts)>> {
        let years: Vec<(String, Option<i64>)> = sqlx::query_as(
            "SELECT u.id, u.birth_year FROM users u JOIN enrollments e ON e.student_id = u.id \
             WHERE e.class_id = $1 AND e.left_at IS NULL ORDER BY u.id",
        )
        .bind(class_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        let scopes: Vec<(String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT DISTINCT c.student_id, c.scope FROM consents c JOIN enrollments e \
             ON e.student_id = c.student_id WHERE e.class_id = $1 AND e.left_at IS NULL \
             AND {IN_FORCE}"
        )))
        .bind(class_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(years.len());
        for (id, birth_year) in years {
            let mut given = Vec::new();
            for (student, scope) in &scopes {
                if *student == id {
                    given.push(scope_of(scope)?);
                }
            }
            given.sort();
            out.push((UserId::new(id), ConsentFacts { birth_year, given }));
        }
        Ok(out)
    }

    /// The consents in force for a student, oldest first, with the guardian's name.
    pub async fn consents(&self, student_id: &UserId) -> Result<Vec<Consent>> {
        let rows: Vec<(String, String, String, String, i64)> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT c.scope, c.guardian_id, u.display_name, c.notice_version, c.given_at \
                 FROM consents c JOIN users u ON u.id = c.guardian_id \
                 WHERE c.student_id = $1 AND {IN_FORCE} ORDER BY c.given_at, c.id"
            )))
            .bind(student_id.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter()
            .map(|(scope, guardian, name, version, given_at)| {
                Ok(Consent {
                    scope: scope_of(&scope)?,
                    guardian_id: UserId::new(guardian),
                    guardian_name: name,
                    notice_version: version,
                    given_at,
                })
            })
            .collect()
    }

    /// Records a guardian's consent to `scopes` for a student, shown notice version
    /// `notice_version`, in one transaction with its access-log row. An earlier consent of
    /// the same scope by the same guardian is closed (replaced), so one row per guardian
    /// and scope is in force. The caller proved the guardianship.
    pub async fn give_consent(
        &self,
        guardian_id: &UserId,
        student_id: &UserId,
        scopes: &[Scope],
        notice_version: &str,
        at: i64,
    ) -> Result<()> {
        if scopes.is_empty() {
            return Err(StoreError::Invalid {
                field: "consent",
                message: "choose what you agree to".into(),
            });
        }
        if notice_version.is_empty() || notice_version.len() > MAX_NOTICE_VERSION {
            return Err(StoreError::Invalid {
                field: "notice version",
                message: format!("1 to {MAX_NOTICE_VERSION} characters"),
            });
        }
        let mut tx = self.pool.begin().await?;
        for scope in scopes {
            sqlx::query(
                "UPDATE consents SET withdrawn_at = $1, withdrawn_by = $2 WHERE student_id = $3 \
                 AND guardian_id = $2 AND scope = $4 AND withdrawn_at IS NULL",
            )
            .bind(at)
            .bind(guardian_id.as_str())
            .bind(student_id.as_str())
            .bind(scope.as_str())
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO consents (id, student_id, guardian_id, scope, notice_version, given_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(new_id())
            .bind(student_id.as_str())
            .bind(guardian_id.as_str())
            .bind(scope.as_str())
            .bind(notice_version)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        let detail = scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(",");
        insert_audit(
            &mut tx,
            guardian_id,
            AuditAction::ConsentGiven,
            student_id,
            Some(&detail),
            at,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Withdraws every consent in force of `scopes` for a student (whoever gave it), in
    /// one transaction with its access-log row. Returns how many were withdrawn.
    pub async fn withdraw_consent(
        &self,
        by: &UserId,
        student_id: &UserId,
        scopes: &[Scope],
        at: i64,
    ) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        let mut withdrawn = 0;
        for scope in scopes {
            withdrawn += sqlx::query(
                "UPDATE consents SET withdrawn_at = $1, withdrawn_by = $2 WHERE student_id = $3 \
                 AND scope = $4 AND withdrawn_at IS NULL",
            )
            .bind(at)
            .bind(by.as_str())
            .bind(student_id.as_str())
            .bind(scope.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        if withdrawn > 0 {
            let detail = scopes
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(",");
            insert_audit(
                &mut tx,
                by,
                AuditAction::ConsentWithdrawn,
                student_id,
                Some(&detail),
                at,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(withdrawn)
    }
}
