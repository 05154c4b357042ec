//! The access log and the staff audit trail in the web layer (issue 11, point 6): the
//! calls handlers make after reading or changing a student's record, the staff events
//! (sign-ins, refusals, account changes), and the plain words people read
//! ("Ms. Rivera pinned 'Adding fractions' on 3 March").
//!
//! What an anonymous caller can cause (a failed sign-in) and what a signed-in person can
//! repeat cheaply (a refused request) is counted per quarter hour with at most
//! [`COUNTED_PER_WINDOW`] rows per kind and window (`Store::staff_audit_counted`), and
//! those rows are deleted after [`KEEP_COUNTED_DAYS`] by the housekeeping job.

use crate::auth::CurrentUser;
use crate::{AppState, WebError};
use ownpace_core::ids::UserId;
use ownpace_storage::{AuditAction, AuditEntry, StaffAction, StaffEvent};
use std::net::IpAddr;

/// The window counted rows are grouped by.
pub(crate) const COUNT_WINDOW_MS: i64 = 15 * 60_000;
/// The most counted rows of one kind per window; more go to one overflow row.
pub(crate) const COUNTED_PER_WINDOW: i64 = 200;
/// How long counted rows (failed sign-ins, refused requests) are kept.
pub(crate) const KEEP_COUNTED_DAYS: i64 = 90;

/// Logs that `actor` read or changed these students' records.
pub(crate) async fn access(
    state: &AppState,
    actor: &CurrentUser,
    action: AuditAction,
    students: &[&UserId],
    detail: Option<&str>,
) -> Result<(), WebError> {
    state
        .store
        .log_access(&actor.user.id, action, students, detail, state.now())
        .await?;
    Ok(())
}

/// Writes one staff event done by a signed-in person (or about an account).
pub(crate) async fn staff(
    state: &AppState,
    kind: StaffAction,
    actor: Option<&UserId>,
    subject: Option<&UserId>,
    detail: &str,
    address: Option<IpAddr>,
) -> Result<(), WebError> {
    let address = address.map(|a| a.to_string()).unwrap_or_default();
    state
        .store
        .staff_audit(StaffEvent {
            kind,
            actor,
            subject,
            detail,
            address: &address,
            at: state.now(),
        })
        .await?;
    Ok(())
}

/// Counts a staff event a caller can repeat (failed sign-ins, refused requests).
pub(crate) async fn staff_counted(
    state: &AppState,
    kind: StaffAction,
    actor: Option<&UserId>,
    subject: Option<&UserId>,
    detail: &str,
    address: Option<IpAddr>,
) -> Result<(), WebError> {
    let address = address.map(|a| a.to_string()).unwrap_or_default();
    state
        .store
        .staff_audit_counted(
            StaffEvent {
                kind,
                actor,
                subject,
                detail,
                address: &address,
                at: state.now(),
            },
            COUNT_WINDOW_MS,
            COUNTED_PER_WINDOW,
        )
        .await?;
    Ok(())
}

/// What the access log says a person did, after their name: "pinned 'Adding fractions'".
pub(crate) fn what(action: &str, detail: &str) -> String {
    let Some(kind) = AuditAction::parse(action) else {
        return action.to_string();
    };
    let quoted = format!("'{detail}'");
    match kind {
        AuditAction::RecordViewed => "looked at the learning record".into(),
        AuditAction::DashboardViewed => "saw the progress on the class dashboard".into(),
        AuditAction::ApiMasteryRead => "read the class's progress through the API".into(),
        AuditAction::FamilySummaryViewed => "saw the progress summary on the family page".into(),
        AuditAction::FamilyProgressViewed => "looked at the progress page".into(),
        AuditAction::AccountViewed => "looked at the account page".into(),
        AuditAction::Pinned => format!("pinned {quoted}"),
        AuditAction::Hidden => format!("hid {quoted}"),
        AuditAction::OverrideRemoved => format!("took back the pin or hide on {quoted}"),
        AuditAction::GoalSet => format!("set the goal {quoted}"),
        AuditAction::GradeSet => format!("set the level on {quoted}"),
        AuditAction::PlacementCap => {
            format!("set the placement check of the class to {detail} questions")
        }
        AuditAction::Enrolled => format!("added the student to the class {quoted}"),
        AuditAction::Unenrolled => format!("took the student out of the class {quoted}"),
        AuditAction::Moved => format!("moved the student {detail}"),
        AuditAction::PasswordReset => {
            "reset the password (a new set-up code; the old password stopped working)".into()
        }
        AuditAction::GuardianLinked => format!("linked {detail} as a guardian"),
        AuditAction::GuardianUnlinked => format!("unlinked {detail} as a guardian"),
        AuditAction::Disabled => "disabled the account".into(),
        AuditAction::Enabled => "enabled the account again".into(),
        AuditAction::BirthYearSet if detail.is_empty() => "removed the birth year".into(),
        AuditAction::BirthYearSet => format!("set the birth year to {detail}"),
        AuditAction::ConsentGiven => format!(
            "gave consent to {}",
            crate::consent::scopes_in_words(detail)
        ),
        AuditAction::ConsentWithdrawn => format!(
            "withdrew the consent to {}",
            crate::consent::scopes_in_words(detail)
        ),
        AuditAction::Exported => "downloaded a copy of the record".into(),
        AuditAction::PilotAssigned => {
            format!("started the pilot {quoted}, which includes the student")
        }
        AuditAction::PilotOptedOut => format!("opted the student out of the pilot {quoted}"),
        AuditAction::GroupsViewed => {
            "saw the project rankings, levels and groups of the class".into()
        }
        AuditAction::GroupChanged => format!("changed the student's project group: {detail}"),
        AuditAction::TogetherRecorded => "recorded time the student worked with others".into(),
        AuditAction::HelpPaired => format!("paired the student with a classmate for {quoted}"),
    }
}

/// One access-log row as a sentence: "Ms. Rivera pinned 'Adding fractions' on 3 March".
pub(crate) fn sentence(entry: &AuditEntry, now: i64) -> String {
    format!(
        "{} {} on {}",
        entry.actor,
        what(&entry.action, &entry.detail),
        crate::views::date(entry.at, now)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_words_and_older_rows_read_as_they_are() {
        let mut seen = std::collections::HashSet::new();
        for kind in AuditAction::ALL {
            let words = what(kind.as_str(), "Adding fractions");
            assert_ne!(words, kind.as_str(), "{kind:?} has words");
            assert!(
                seen.insert(words.clone()),
                "{kind:?}: {words} is not unique"
            );
        }
        assert_eq!(
            what("viewed student record", ""),
            "looked at the learning record"
        );
        assert_eq!(what("something older", ""), "something older");
        let entry = AuditEntry {
            at: 1_772_496_000_000, // 3 March 2026
            actor: "Ms. Rivera".into(),
            action: "pinned".into(),
            detail: "Adding fractions".into(),
        };
        assert_eq!(
            sentence(&entry, 1_772_496_000_000),
            "Ms. Rivera pinned 'Adding fractions' on 3 March"
        );
    }
}
