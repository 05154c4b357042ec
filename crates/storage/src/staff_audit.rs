//! The staff audit trail admins read at `/admin/audit` (issue 11, point 6): sign-ins,
//! failed sign-ins, refused requests, accounts made and role changes, guardian links,
//! password resets, disabling, exports and erasures.
//!
//! What an anonymous caller can cause must not grow the database without limit, so those
//! kinds are *counted* ([`Store::staff_audit_counted`]): one row per kind, account,
//! address and window, whose `count` grows on each repeat, and at most a fixed number of
//! such rows per window, after which the window's further attempts go to one overflow row.
//! Nothing a caller typed is stored: the account is named by its id (only when it
//! exists), the address is the server's reading of the connection, and details are ours.
//! Counted rows older than the trail's keeping period are deleted by the housekeeping job.

use crate::access_log::clip;
use crate::{Result, Store, new_id};
use ownpace_core::ids::UserId;

/// The longest address kept (an IPv6 address in text is at most 45 characters).
pub const MAX_ADDRESS_CHARS: usize = 45;

/// What happened, for the staff audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StaffAction {
    SignIn,
    SignInFailed,
    /// A signed-in person was refused by the guard (403 or 404 before any handler ran).
    Denied,
    AccountCreated,
    RoleChanged,
    GuardianLinked,
    GuardianUnlinked,
    PasswordReset,
    Disabled,
    Enabled,
    /// A student's record was exported (written by the export work).
    Exported,
    /// A student was erased (written by the erasure work; names only a pseudonym).
    Erased,
    /// An admin set or removed a guardian's address for weekly letters (the detail says
    /// which, never the address).
    LetterAddressChanged,
}

impl StaffAction {
    pub const ALL: &'static [StaffAction] = &[
        StaffAction::SignIn,
        StaffAction::SignInFailed,
        StaffAction::Denied,
        StaffAction::AccountCreated,
        StaffAction::RoleChanged,
        StaffAction::GuardianLinked,
        StaffAction::GuardianUnlinked,
        StaffAction::PasswordReset,
        StaffAction::Disabled,
        StaffAction::Enabled,
        StaffAction::Exported,
        StaffAction::Erased,
        StaffAction::LetterAddressChanged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StaffAction::SignIn => "sign_in",
            StaffAction::SignInFailed => "sign_in_failed",
            StaffAction::Denied => "denied",
            StaffAction::AccountCreated => "account_created",
            StaffAction::RoleChanged => "role_changed",
            StaffAction::GuardianLinked => "guardian_linked",
            StaffAction::GuardianUnlinked => "guardian_unlinked",
            StaffAction::PasswordReset => "password_reset",
            StaffAction::Disabled => "disabled",
            StaffAction::Enabled => "enabled",
            StaffAction::Exported => "exported",
            StaffAction::Erased => "erased",
            StaffAction::LetterAddressChanged => "letter_address_changed",
        }
    }

    pub fn parse(text: &str) -> Option<StaffAction> {
        StaffAction::ALL
            .iter()
            .copied()
            .find(|a| a.as_str() == text)
    }

    /// The kind in words, for the filter and the page.
    pub fn words(self) -> &'static str {
        match self {
            StaffAction::SignIn => "signed in",
            StaffAction::SignInFailed => "failed sign-in",
            StaffAction::Denied => "refused request",
            StaffAction::AccountCreated => "account made",
            StaffAction::RoleChanged => "role changed",
            StaffAction::GuardianLinked => "guardian linked",
            StaffAction::GuardianUnlinked => "guardian unlinked",
            StaffAction::PasswordReset => "password reset",
            StaffAction::Disabled => "account disabled",
            StaffAction::Enabled => "account enabled",
            StaffAction::Exported => "record exported",
            StaffAction::Erased => "student erased",
            StaffAction::LetterAddressChanged => "letter address changed",
        }
    }
}

/// One event to write.
#[derive(Debug, Clone, Copy)]
pub struct StaffEvent<'a> {
    pub kind: StaffAction,
    /// Who did it; `None` for an anonymous caller.
    pub actor: Option<&'a UserId>,
    /// The account it is about (for a sign-in, the account signing in).
    pub subject: Option<&'a UserId>,
    /// Our own words (a role, a route template, a pseudonym): cut to 200 characters.
    pub detail: &'a str,
    /// The client's address as the server read it, or empty.
    pub address: &'a str,
    pub at: i64,
}

/// One row of the trail as admins see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffEntry {
    pub id: String,
    pub at: i64,
    pub last_at: i64,
    pub kind: Option<StaffAction>,
    pub actor: Option<String>,
    pub subject: Option<String>,
    pub detail: String,
    pub address: String,
    pub count: i64,
}

fn address(text: &str) -> String {
    clip(text).chars().take(MAX_ADDRESS_CHARS).collect()
}

impl Store {
    /// Writes one row of the staff audit trail. For what signed-in staff do; what an
    /// anonymous caller can repeat goes through [`Store::staff_audit_counted`].
    pub async fn staff_audit(&self, event: StaffEvent<'_>) -> Result<()> {
        sqlx::query(
            "INSERT INTO staff_audit (id, at, last_at, kind, actor_id, subject_id, detail, \
             address, count) VALUES ($1, $2, $2, $3, $4, $5, $6, $7, 1)",
        )
        .bind(new_id())
        .bind(event.at)
        .bind(event.kind.as_str())
        .bind(event.actor.map(|a| a.as_str()))
        .bind(event.subject.map(|s| s.as_str()))
        .bind(clip(event.detail))
        .bind(address(event.address))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Counts an event in its window: the first of its kind, actor, account, address and
    /// detail in the window (of `window_ms`) makes a row, repeats add to its count. Once a
    /// window holds `cap` rows of this kind, further new ones are all counted in one
    /// overflow row (no actor, account or address), so a window grows the trail by at
    /// most `cap + 1` rows whatever a caller sends.
    pub async fn staff_audit_counted(
        &self,
        event: StaffEvent<'_>,
        window_ms: i64,
        cap: i64,
    ) -> Result<()> {
        let window = event.at - event.at.rem_euclid(window_ms.max(1));
        let detail = clip(event.detail);
        let address = address(event.address);
        let kind = event.kind.as_str();
        let actor = event.actor.map(|a| a.as_str().to_string());
        let subject = event.subject.map(|s| s.as_str().to_string());
        let bucket = format!(
            "{kind}|{window}|{}|{}|{address}|{detail}",
            actor.as_deref().unwrap_or("-"),
            subject.as_deref().unwrap_or("-"),
        );
        let (in_window,): (i64,) = sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM staff_audit WHERE kind = $1 AND at >= $2 \
             AND bucket IS NOT NULL",
        )
        .bind(kind)
        .bind(window)
        .fetch_one(&self.pool)
        .await?;
        let known: Option<(i64,)> =
            sqlx::query_as("SELECT CAST(1 AS BIGINT) FROM staff_audit WHERE bucket = $1")
                .bind(&bucket)
                .fetch_optional(&self.pool)
                .await?;
        let (bucket, actor, subject, detail, address) = if known.is_none() && in_window >= cap {
            (
                format!("{kind}|{window}|overflow"),
                None,
                None,
                "more in this quarter hour than the trail keeps one row each for".to_string(),
                String::new(),
            )
        } else {
            (bucket, actor, subject, detail, address)
        };
        sqlx::query(
            "INSERT INTO staff_audit (id, at, last_at, kind, actor_id, subject_id, detail, \
             address, count, bucket) VALUES ($1, $2, $2, $3, $4, $5, $6, $7, 1, $8) \
             ON CONFLICT (bucket) DO UPDATE SET count = staff_audit.count + 1, last_at = $2",
        )
        .bind(new_id())
        .bind(event.at)
        .bind(kind)
        .bind(actor)
        .bind(subject)
        .bind(detail)
        .bind(address)
        .bind(bucket)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A page of the trail, newest first: rows before `before` (the `(at, id)` of the
    /// last row of the previous page), of one kind when `kind` is given.
    pub async fn staff_audit_page(
        &self,
        kind: Option<StaffAction>,
        before: Option<(i64, &str)>,
        limit: i64,
    ) -> Result<Vec<StaffEntry>> {
        type Row = (
            String,
            i64,
            i64,
            String,
            Option<String>,
            Option<String>,
            String,
            String,
            i64,
        );
        let (before_at, before_id) = before.unwrap_or((i64::MAX, ""));
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT s.id, s.at, s.last_at, s.kind, a.display_name, u.display_name, s.detail, \
             s.address, s.count FROM staff_audit s \
             LEFT JOIN users a ON a.id = s.actor_id LEFT JOIN users u ON u.id = s.subject_id \
             WHERE ($1 = '' OR s.kind = $1) AND (s.at < $2 OR (s.at = $2 AND ($3 = '' OR s.id < $3))) \
             ORDER BY s.at DESC, s.id DESC LIMIT $4",
        )
        .bind(kind.map_or("", StaffAction::as_str))
        .bind(before_at)
        .bind(before_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, at, last_at, kind, actor, subject, detail, address, count)| StaffEntry {
                    id,
                    at,
                    last_at,
                    kind: StaffAction::parse(&kind),
                    actor,
                    subject,
                    detail,
                    address,
                    count,
                },
            )
            .collect())
    }

    /// Deletes counted rows (failed sign-ins, refused requests) last seen before `before`;
    /// returns how many went.
    pub async fn prune_staff_audit(&self, before: i64) -> Result<u64> {
        Ok(
            sqlx::query("DELETE FROM staff_audit WHERE bucket IS NOT NULL AND last_at < $1")
                .bind(before)
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }
}
