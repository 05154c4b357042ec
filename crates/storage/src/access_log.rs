//! The access log's vocabulary: every kind of read of a student's record by another
//! person, and every change a teacher, admin or guardian makes to it ([`AuditAction`]),
//! stored in `audit_log` with a short `detail` in words (a skill's title, a class's name).
//! The web turns each row into a sentence for the student and their guardians
//! ("Ms. Rivera pinned 'Adding fractions' on 3 March").
//!
//! Rows written before these kinds existed hold free text (`viewed student record`); they
//! are read back as they are.

use crate::{Result, Store, new_id};
use ownpace_core::ids::UserId;

/// The longest detail kept with an access-log row (characters); longer text is cut.
pub const MAX_DETAIL_CHARS: usize = 200;

/// What another person did with a student's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    // Reads.
    /// A teacher opened the student's record page.
    RecordViewed,
    /// A teacher opened a class dashboard showing the student's progress.
    DashboardViewed,
    /// A teacher read the class's mastery through the API.
    ApiMasteryRead,
    /// A guardian's family page showed the student's summary.
    FamilySummaryViewed,
    /// A guardian opened the student's progress page.
    FamilyProgressViewed,
    /// An admin opened the student's account page.
    AccountViewed,
    // Changes by a teacher.
    Pinned,
    Hidden,
    OverrideRemoved,
    GoalSet,
    PlacementCap,
    /// A teacher set or cleared the student's level on a skill (the gradebook).
    GradeSet,
    // Changes by an admin.
    Enrolled,
    Unenrolled,
    Moved,
    PasswordReset,
    GuardianLinked,
    GuardianUnlinked,
    Disabled,
    Enabled,
    BirthYearSet,
    // By a guardian.
    ConsentGiven,
    ConsentWithdrawn,
    // Written by the export and erasure work.
    Exported,
    // Pilot studies (issue 12): a teacher's start assigned the student a condition; a
    // guardian opted them out.
    PilotAssigned,
    PilotOptedOut,
    // Projects together (issue 10): a teacher saw the class's rankings, levels and
    // groups (the round page, a group's space, the API), or moved or removed the student
    // in a group.
    GroupsViewed,
    GroupChanged,
    // Working together (issue 10): a teacher recorded time with others for the student, or
    // paired them with a helper (as the one helped or as the helper).
    TogetherRecorded,
    HelpPaired,
}

impl AuditAction {
    /// Every kind, for tests and the words table.
    pub const ALL: &'static [AuditAction] = &[
        AuditAction::RecordViewed,
        AuditAction::DashboardViewed,
        AuditAction::ApiMasteryRead,
        AuditAction::FamilySummaryViewed,
        AuditAction::FamilyProgressViewed,
        AuditAction::AccountViewed,
        AuditAction::Pinned,
        AuditAction::Hidden,
        AuditAction::OverrideRemoved,
        AuditAction::GoalSet,
        AuditAction::PlacementCap,
        AuditAction::GradeSet,
        AuditAction::Enrolled,
        AuditAction::Unenrolled,
        AuditAction::Moved,
        AuditAction::PasswordReset,
        AuditAction::GuardianLinked,
        AuditAction::GuardianUnlinked,
        AuditAction::Disabled,
        AuditAction::Enabled,
        AuditAction::BirthYearSet,
        AuditAction::ConsentGiven,
        AuditAction::ConsentWithdrawn,
        AuditAction::Exported,
        AuditAction::PilotAssigned,
        AuditAction::PilotOptedOut,
        AuditAction::GroupsViewed,
        AuditAction::GroupChanged,
        AuditAction::TogetherRecorded,
        AuditAction::HelpPaired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::RecordViewed => "record_viewed",
            AuditAction::DashboardViewed => "dashboard_viewed",
            AuditAction::ApiMasteryRead => "api_mastery_read",
            AuditAction::FamilySummaryViewed => "family_summary_viewed",
            AuditAction::FamilyProgressViewed => "family_progress_viewed",
            AuditAction::AccountViewed => "account_viewed",
            AuditAction::Pinned => "pinned",
            AuditAction::Hidden => "hidden",
            AuditAction::OverrideRemoved => "override_removed",
            AuditAction::GoalSet => "goal_set",
            AuditAction::PlacementCap => "placement_cap",
            AuditAction::GradeSet => "grade_set",
            AuditAction::Enrolled => "enrolled",
            AuditAction::Unenrolled => "unenrolled",
            AuditAction::Moved => "moved",
            AuditAction::PasswordReset => "password_reset",
            AuditAction::GuardianLinked => "guardian_linked",
            AuditAction::GuardianUnlinked => "guardian_unlinked",
            AuditAction::Disabled => "disabled",
            AuditAction::Enabled => "enabled",
            AuditAction::BirthYearSet => "birth_year_set",
            AuditAction::ConsentGiven => "consent_given",
            AuditAction::ConsentWithdrawn => "consent_withdrawn",
            AuditAction::Exported => "exported",
            AuditAction::PilotAssigned => "pilot_assigned",
            AuditAction::PilotOptedOut => "pilot_opted_out",
            AuditAction::GroupsViewed => "groups_viewed",
            AuditAction::GroupChanged => "group_changed",
            AuditAction::TogetherRecorded => "together_recorded",
            AuditAction::HelpPaired => "help_paired",
        }
    }

    /// The kind a stored `action` names, including the free text of rows written before
    /// the kinds existed.
    pub fn parse(text: &str) -> Option<AuditAction> {
        if let Some(found) = AuditAction::ALL.iter().find(|a| a.as_str() == text) {
            return Some(*found);
        }
        match text {
            "viewed student record" => Some(AuditAction::RecordViewed),
            "viewed class mastery dashboard" => Some(AuditAction::DashboardViewed),
            "read class mastery (API)" => Some(AuditAction::ApiMasteryRead),
            "guardian viewed progress summary" => Some(AuditAction::FamilySummaryViewed),
            "guardian viewed child's progress" => Some(AuditAction::FamilyProgressViewed),
            _ => None,
        }
    }

    /// Whether the kind is a read (the rest change the record).
    pub fn is_read(self) -> bool {
        matches!(
            self,
            AuditAction::RecordViewed
                | AuditAction::DashboardViewed
                | AuditAction::ApiMasteryRead
                | AuditAction::FamilySummaryViewed
                | AuditAction::FamilyProgressViewed
                | AuditAction::AccountViewed
                | AuditAction::Exported
                | AuditAction::GroupsViewed
        )
    }
}

/// A detail as stored: one line, at most [`MAX_DETAIL_CHARS`] characters.
pub(crate) fn clip(detail: &str) -> String {
    detail
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_DETAIL_CHARS)
        .collect()
}

/// Writes one access-log row inside a caller's transaction.
pub(crate) async fn insert_audit(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    actor_id: &UserId,
    action: AuditAction,
    student_id: &UserId,
    detail: Option<&str>,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor_id, action, student_id, detail) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(new_id())
    .bind(at)
    .bind(actor_id.as_str())
    .bind(action.as_str())
    .bind(student_id.as_str())
    .bind(detail.map(clip))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Logs that `actor` read or changed `students`' records (one row each, one statement
    /// per row in one transaction), with an optional detail in words.
    pub async fn log_access(
        &self,
        actor_id: &UserId,
        action: AuditAction,
        students: &[&UserId],
        detail: Option<&str>,
        at: i64,
    ) -> Result<()> {
        if students.is_empty() {
            return Ok(());
        }
        if detail.is_none() {
            return self
                .audit_many(actor_id, action.as_str(), students, at)
                .await;
        }
        let mut tx = self.pool.begin().await?;
        for student in students {
            insert_audit(&mut tx, actor_id, action, student, detail, at).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
