//! Retention: students whose enrolments all closed longer ago than
//! `retention_days_after_leaving` are erased, by a daily job that one server of several
//! runs (a lease row in the database, `Store::take_lease`), or now by `ownpace retention`.

use crate::{AppState, WebError};
use ownpace_storage::{ErasedVia, LeftStudent};

/// The lease's name and length: one run a day across every server of the school.
pub const LEASE: &str = "retention";
pub const DAY_MS: i64 = 86_400_000;

/// Who would be erased now (nobody when retention is off).
pub async fn due(state: &AppState) -> Result<Vec<LeftStudent>, WebError> {
    let days = state.config.retention_days_after_leaving;
    if days <= 0 {
        return Ok(Vec::new());
    }
    Ok(state
        .store
        .students_left_before(state.now() - days * DAY_MS)
        .await?)
}

/// Erases every student [`due`] returns; returns their pseudonyms.
pub async fn run(state: &AppState) -> Result<Vec<String>, WebError> {
    let days = state.config.retention_days_after_leaving;
    let mut erased = Vec::new();
    for left in due(state).await? {
        let reason = format!("retention: left the last class more than {days} days ago");
        let done = state
            .store
            .erase_student(
                &left.student.id,
                &reason,
                None,
                ErasedVia::Retention,
                state.now(),
            )
            .await?;
        erased.push(done.pseudonym);
    }
    Ok(erased)
}

/// The daily job: runs [`run`] if retention is on and this server takes today's lease
/// (`holder` names the server); `None` when another server has it or retention is off.
pub async fn daily(state: &AppState, holder: &str) -> Result<Option<Vec<String>>, WebError> {
    if state.config.retention_days_after_leaving <= 0 {
        return Ok(None);
    }
    let now = state.now();
    if !state
        .store
        .take_lease(LEASE, holder, now, now + DAY_MS)
        .await?
    {
        return Ok(None);
    }
    run(state).await.map(Some)
}
