//! The data inventory: every table and column Ownpace keeps, classified in one place.
//!
//! A family's questions — what do you keep about my child, why, who sees it, for how
//! long, and what happens when we ask you to erase it — are answered from this table.
//! The public `/privacy` page is generated from it, erasure follows its `on_erasure`
//! rules, and a test compares it with the live schema on both engines, so a migration
//! that adds a column nobody classified fails the build (Moodle's Privacy API is the
//! model: a component that stores something declares it).

use crate::{Result, Store};
use std::collections::BTreeSet;

/// How a column relates to a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sensitivity {
    /// Identifies a person or is something they wrote or did (name, answers, goals).
    Personal,
    /// An opaque id or a fact that identifies a person only together with another table.
    Pseudonymous,
    /// About the school's courses and settings, not a person.
    NotPersonal,
}

impl Sensitivity {
    pub fn words(self) -> &'static str {
        match self {
            Sensitivity::Personal => "personal",
            Sensitivity::Pseudonymous => "pseudonymous",
            Sensitivity::NotPersonal => "not personal",
        }
    }
}

/// What erasing a student does to a table's rows about them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnErasure {
    /// The rows about the student are deleted.
    Delete,
    /// The rows stay for the school's aggregate statistics, moved to a random pseudonym
    /// that nothing links back to the student; free text in them is removed.
    Pseudonymise,
    /// Short-lived rows that may name anyone (a page's "saved" message, an uploaded roster
    /// awaiting confirmation): every row is deleted on any erasure.
    ClearAll,
    /// The table holds nothing about students.
    NotAboutStudents,
}

/// How long a table's rows are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kept {
    /// Until the person is erased (by request, or by the retention setting once every
    /// enrolment closed longer ago than `retention_days_after_leaving`).
    UntilErased,
    /// Until the session ends or expires (the idle or absolute limit).
    Session,
    /// For the login throttle's window, then pruned.
    ThrottleWindow,
    /// As long as the school keeps the course or setting.
    WhileUsed,
    /// Kept as the school's record; about erased students only under a pseudonym.
    SchoolRecord,
    /// Minutes: until the next page shows it, the admin confirms it, or it expires.
    Transient,
}

impl Kept {
    pub fn words(self) -> &'static str {
        match self {
            Kept::UntilErased => {
                "until the student is erased, on request or once they have left every class for longer than the retention period"
            }
            Kept::Session => "until the sign-in session ends or expires",
            Kept::ThrottleWindow => "for the throttle window (minutes), then deleted",
            Kept::WhileUsed => "as long as the school uses the course or setting",
            Kept::Transient => {
                "minutes: until the next page shows it or it is confirmed, then deleted"
            }
            Kept::SchoolRecord => {
                "as the school's record; after an erasure only under a pseudonym that cannot be linked back"
            }
        }
    }
}

/// One table: why it exists, who sees it, how long it is kept, and its columns.
#[derive(Debug, Clone, Copy)]
pub struct TableUse {
    pub table: &'static str,
    pub holds: &'static str,
    pub purpose: &'static str,
    pub seen_by: &'static str,
    pub kept: Kept,
    pub on_erasure: OnErasure,
    /// The column that names the student a row is about, when there is one.
    pub student_column: Option<&'static str>,
    pub columns: &'static [(&'static str, Sensitivity)],
}

use Sensitivity::{NotPersonal as N, Personal as P, Pseudonymous as S};

/// Every table of the schema. `tests::the_inventory_matches_the_schema` keeps it true.
pub const INVENTORY: &[TableUse] = &[
    TableUse {
        table: "users",
        holds: "accounts: username, display name, role and a password hash",
        purpose: "signing in and showing who is who",
        seen_by: "the person themself; their teachers and guardians see the name; admins",
        kept: Kept::UntilErased,
        on_erasure: OnErasure::Delete,
        student_column: Some("id"),
        columns: &[
            ("id", S),
            ("username", P),
            ("display_name", P),
            ("role", S),
            ("password_hash", P),
            ("created_at", S),
            ("disabled", S),
            ("sourced_id", S),
            ("must_change_password", S),
            // Consent (migration 0012): only the year, for the consent age.
            ("birth_year", P),
        ],
    },
    TableUse {
        table: "classes",
        holds: "classes and the course each follows",
        purpose: "grouping students with their teachers",
        seen_by: "the class's teachers and students; admins",
        kept: Kept::WhileUsed,
        on_erasure: OnErasure::NotAboutStudents,
        student_column: None,
        columns: &[
            ("id", N),
            ("name", N),
            ("course_id", N),
            ("created_at", N),
            ("placement_questions", N),
            ("sourced_id", N),
        ],
    },
    TableUse {
        table: "class_teachers",
        holds: "who teaches which class",
        purpose: "deciding which students a teacher may see",
        seen_by: "admins; the class's students see their teachers' names",
        kept: Kept::WhileUsed,
        on_erasure: OnErasure::NotAboutStudents,
        student_column: None,
        columns: &[("class_id", N), ("teacher_id", S)],
    },
    TableUse {
        table: "enrollments",
        holds: "which student is in which class",
        purpose: "deciding which teacher may see a student's record",
        seen_by: "the student, their teachers and guardians; admins",
        kept: Kept::UntilErased,
        on_erasure: OnErasure::Delete,
        student_column: Some("student_id"),
        columns: &[
            ("class_id", S),
            ("student_id", S),
            ("joined_at", S),
            ("left_at", S),
        ],
    },
    TableUse {
        table: "guardianships",
        holds: "which guardian is linked to which student",
        purpose: "letting a guardian see their own child's progress",
        seen_by: "the guardian and the student; admins",
        kept: Kept::UntilErased,
        on_erasure: OnErasure::Delete,
        student_column: Some("student_id"),
        columns: &[("guardian_id", S), ("student_id", S)],
    },
    TableUse {
        table: "events",
        holds: "every learning interaction: answers (with what was typed), hints, lessons, placement checks",
        purpose: "the learning record: mastery, next steps, reviews and the teacher's view are computed from it",
        seen_by: "the student; their teachers; guardians see progress, not typed answers",
        kept: Kept::UntilErased,
        on_erasure: OnErasure::Pseudonymise,
        student_column: Some("student_id"),
        columns: &[
            ("id", S),
            ("student_id", S),
            ("course_id", N),
            ("course_version", N),
            ("kind", S),
            ("skills", S),
            ("item_id", S),
            ("response", P),
            ("correct", S),
            ("occurred_at", S),
            ("duration_ms", S),
            ("idempotency_key", S),
            ("data", S),
        ],
    },
    TableUse {
        table: "mastery",
        holds: "the current estimate of each skill per student (recomputable from the events)",
        purpose: "showing progress and choosing next steps without replaying every event",
        seen_by: "the student, their teachers and guardians",
        kept: Kept::UntilErased,
        on_erasure: OnErasure::Pseudonymise,
        student_column: Some("student_id"),
        columns: &[
            ("student_id", S),
            ("course_id", N),
            ("skill_id", N),
            ("p_mastery", S),
            ("attempts", S),
            ("correct", S),
            ("consecutive_wrong", S),
            ("mastered_at", S),
            ("last_at", S),
            ("stability", S),
            ("difficulty", S),
            ("last_review_at", S),
            ("consecutive_correct", S),
        ],
    },
    TableUse {
        table: "sessions",
        holds: "sign-in sessions (a hash of the cookie, never the cookie itself)",
        purpose: "keeping people signed in",
        seen_by: "nobody; the server only",
        kept: Kept::Session,
        on_erasure: OnErasure::Delete,
        student_column: Some("user_id"),
        columns: &[
            ("token_hash", S),
            ("user_id", S),
            ("csrf_token", S),
            ("created_at", S),
            ("expires_at", S),
            ("last_seen_at", S),
            ("device", S),
        ],
    },
    TableUse {
        table: "login_throttle",
        holds: "counters of failed sign-ins, named by a keyed hash of the account, address or device (never the typed username)",
        purpose: "slowing down password guessing without locking the real person out",
        seen_by: "nobody; the server only",
        kept: Kept::ThrottleWindow,
        on_erasure: OnErasure::ClearAll,
        student_column: None,
        columns: &[
            ("key", S),
            ("failures", S),
            ("delay_ms", S),
            ("window_at", S),
            ("next_at", S),
        ],
    },
    TableUse {
        table: "server_secrets",
        holds: "the install's own signing keys",
        purpose: "signing sign-in forms, page timing stamps and device cookies",
        seen_by: "nobody; the server only",
        kept: Kept::WhileUsed,
        on_erasure: OnErasure::NotAboutStudents,
        student_column: None,
        columns: &[("name", N), ("value", N), ("created_at", N)],
    },
    TableUse {
        table: "two_factor",
        holds: "staff members' authenticator secrets for two-factor sign-in",
        purpose: "protecting teacher and admin accounts",
        seen_by: "nobody; the server only",
        kept: Kept::WhileUsed,
        on_erasure: OnErasure::NotAboutStudents,
        student_column: None,
        columns: &[
            ("user_id", S),
            ("secret", P),
            ("created_at", S),
            ("confirmed_at", S),
            ("last_step", S),
        ],
    },
    TableUse {
        table: "recovery_codes",
        holds: "staff members' one-time recovery codes (hashes only)",
        purpose: "signing in when the authenticator is lost",
        seen_by: "nobody; the server only",
        kept: Kept::WhileUsed,
        on_erasure: OnErasure::NotAboutStudents,
        student_column: None,
        columns: &[("user_id", S), ("code_hash", S), ("used_at", S)],
    },
    TableUse {
        table: "audit_log",
        holds: "who read or changed a student's record, and when",
        purpose: "accountability: students and guardians see who looked at their record",
        seen_by: "the student and their guardians (about them); admins",
        kept: Kept::SchoolRecord,
        on_erasure: OnErasure::Pseudonymise,
        student_column: Some("student_id"),
        columns: &[
            ("id", N),
            ("at", S),
            ("actor_id", S),
            ("action", S),
            ("student_id", S),
            // What a change was about, in words (a skill, a class, a goal's title).
            ("detail", P),
        ],
    },
    // Consent and the staff audit trail (migration 0012).
    TableUse {
        table: "consents",
        holds: "guardians' consents: who agreed, for which child, to what, when, which version of this notice they were shown, and when it was withdrawn",
        purpose: "letting a child under the school's consent age use Ownpace only with a guardian's agreement",
        seen_by: "the guardian and the student; the student's teachers see whether it is missing; admins",
        kept: Kept::UntilErased,
        on_erasure: OnErasure::Delete,
        student_column: Some("student_id"),
        columns: &[
            ("id", N),
            ("student_id", S),
            ("guardian_id", S),
            ("scope", N),
            ("notice_version", N),
            ("given_at", S),
            ("withdrawn_at", S),
            ("withdrawn_by", S),
        ],
    },
    TableUse {
        table: "staff_audit",
        holds: "the staff audit trail: sign-ins, failed sign-ins (counted per account, address and quarter hour; never the typed username or password), refused requests, accounts made, guardian links, exports and erasures",
        purpose: "security: admins see who signed in, who was refused and who changed what",
        seen_by: "admins",
        kept: Kept::SchoolRecord,
        on_erasure: OnErasure::Pseudonymise,
        student_column: Some("subject_id"),
        columns: &[
            ("id", N),
            ("at", S),
            ("last_at", S),
            ("kind", S),
            ("actor_id", S),
            ("subject_id", S),
            ("detail", P),
            ("address", P),
            ("count", S),
            ("bucket", S),
        ],
    },
    TableUse {
        table: "courses",
        holds: "the courses the school imported",
        purpose: "teaching",
        seen_by: "everyone signed in",
        kept: Kept::WhileUsed,
        on_erasure: OnErasure::NotAboutStudents,
        student_column: None,
        columns: &[("id", N), ("title", N), ("current_version", N)],
    },
    TableUse {
        table: "course_versions",
        holds: "every imported version of a course",
        purpose: "teaching; old answers stay readable against the version they were given in",
        seen_by: "everyone signed in",
        kept: Kept::WhileUsed,
        on_erasure: OnErasure::NotAboutStudents,
        student_column: None,
        columns: &[
            ("course_id", N),
            ("version", N),
            ("content_hash", N),
            ("content", N),
            ("imported_at", N),
        ],
    },
    TableUse {
        table: "course_assets",
        holds: "images and media of the courses",
        purpose: "teaching",
        seen_by: "everyone signed in",
        kept: Kept::WhileUsed,
        on_erasure: OnErasure::NotAboutStudents,
        student_column: None,
        columns: &[
            ("course_id", N),
            ("version", N),
            ("path", N),
            ("media_type", N),
            ("content_base64", N),
        ],
    },
    TableUse {
        table: "model_params",
        holds: "the learner model's fitted parameters (per skill and item, never per student)",
        purpose: "estimating mastery",
        seen_by: "admins",
        kept: Kept::WhileUsed,
        on_erasure: OnErasure::NotAboutStudents,
        student_column: None,
        columns: &[
            ("version", N),
            ("model", N),
            ("params", N),
            ("fitted_at", N),
            ("events_used", N),
        ],
    },
    TableUse {
        table: "goals",
        holds: "students' goals, with their titles as written, and whether and how a teacher agreed to them (with the teacher's comment)",
        purpose: "pace forecasts and next steps",
        seen_by: "the student, their teachers and guardians",
        kept: Kept::UntilErased,
        on_erasure: OnErasure::Delete,
        student_column: Some("student_id"),
        columns: &[
            ("id", S),
            ("student_id", S),
            ("course_id", N),
            ("title", P),
            ("skills", S),
            ("project_id", S),
            ("target_at", S),
            ("created_by", S),
            ("created_at", S),
            ("closed_at", S),
            ("achieved_at", S),
            ("agreement", S),
            ("reviewed_by", S),
            ("reviewed_at", S),
            ("review_comment", P),
        ],
    },
    TableUse {
        table: "notices",
        holds: "short in-app notices to a student or guardian (a goal agreed or declined, a teacher's reply), read or unread",
        purpose: "telling students and families what changed without e-mail",
        seen_by: "the person it is addressed to",
        kept: Kept::UntilErased,
        on_erasure: OnErasure::Delete,
        student_column: Some("student_id"),
        columns: &[
            ("id", N),
            ("recipient_id", S),
            ("student_id", S),
            ("kind", N),
            ("text", P),
            ("link", N),
            ("created_at", S),
            ("read_at", S),
        ],
    },
    TableUse {
        table: "help_requests",
        holds: "a student's raised hand (the skill or item it is about) and the teacher's reply",
        purpose: "letting a student ask their teacher for help",
        seen_by: "the student and their teachers",
        kept: Kept::UntilErased,
        on_erasure: OnErasure::Delete,
        student_column: Some("student_id"),
        columns: &[
            ("id", S),
            ("student_id", S),
            ("course_id", N),
            ("skill_id", S),
            ("item_id", S),
            ("raised_at", S),
            ("closed_at", S),
            ("closed_by", S),
            ("reply", P),
        ],
    },
    TableUse {
        table: "checkin_rhythms",
        holds: "how often a class's students have a check-in with their teacher (in days) and who set it",
        purpose: "showing teachers whose check-in is due",
        seen_by: "the class's teachers",
        kept: Kept::WhileUsed,
        on_erasure: OnErasure::NotAboutStudents,
        student_column: None,
        columns: &[
            ("class_id", N),
            ("every_days", N),
            ("set_by", S),
            ("set_at", N),
        ],
    },
    TableUse {
        table: "checkin_preps",
        holds: "a student's answers to the three prompts before their next check-in (what went well, what was hard, what next)",
        purpose: "preparing the check-in with the teacher",
        seen_by: "the student and their teachers",
        kept: Kept::UntilErased,
        on_erasure: OnErasure::Delete,
        student_column: Some("student_id"),
        columns: &[
            ("student_id", S),
            ("class_id", N),
            ("went_well", P),
            ("was_hard", P),
            ("next_step", P),
            ("saved_at", S),
        ],
    },
    // Notes and actions before the check-ins they belong to: erasure deletes in this order.
    TableUse {
        table: "checkin_notes",
        holds: "the teacher's notes of a check-in, each marked shared with the guardian or not",
        purpose: "keeping what was said at a check-in",
        seen_by: "the student and their teachers; the guardian only the notes marked shared",
        kept: Kept::UntilErased,
        on_erasure: OnErasure::Delete,
        student_column: Some("student_id"),
        columns: &[
            ("id", S),
            ("checkin_id", S),
            ("student_id", S),
            ("position", N),
            ("text", P),
            ("shared", S),
        ],
    },
    TableUse {
        table: "checkin_actions",
        holds: "the actions agreed at a check-in (a goal, a pin or an assignment to make) and what each became",
        purpose: "turning a check-in into next steps",
        seen_by: "the student and their teachers",
        kept: Kept::UntilErased,
        on_erasure: OnErasure::Delete,
        student_column: Some("student_id"),
        columns: &[
            ("id", S),
            ("checkin_id", S),
            ("student_id", S),
            ("position", N),
            ("text", P),
            ("kind", S),
            ("skill_id", S),
            ("due_at", S),
            ("made_at", S),
            ("made_id", S),
        ],
    },
    TableUse {
        table: "checkins",
        holds: "a check-in held between a student and their teacher, with the student's prepared answers",
        purpose: "regular mentoring: history kept per student",
        seen_by: "the student and their teachers (the guardian sees only the notes marked shared)",
        kept: Kept::UntilErased,
        on_erasure: OnErasure::Delete,
        student_column: Some("student_id"),
        columns: &[
            ("id", S),
            ("student_id", S),
            ("class_id", N),
            ("teacher_id", S),
            ("held_at", S),
            ("went_well", P),
            ("was_hard", P),
            ("next_step", P),
        ],
    },
    TableUse {
        table: "activity_overrides",
        holds: "a teacher's pins and hides, for a class or one student",
        purpose: "letting teachers steer next steps",
        seen_by: "the class's teachers; the student sees the effect",
        kept: Kept::UntilErased,
        on_erasure: OnErasure::Delete,
        student_column: Some("student_id"),
        columns: &[
            ("id", N),
            ("course_id", N),
            ("class_id", N),
            ("student_id", S),
            ("activity", N),
            ("action", N),
            ("created_by", S),
            ("created_at", N),
        ],
    },
    TableUse {
        table: "student_interests",
        holds: "interests a student chose",
        purpose: "suggesting projects they may like",
        seen_by: "the student and their teachers",
        kept: Kept::UntilErased,
        on_erasure: OnErasure::Delete,
        student_column: Some("student_id"),
        columns: &[("student_id", S), ("tag", P)],
    },
    TableUse {
        table: "setup_codes",
        holds: "one-time set-up codes for new accounts and password resets (a hash, never the code)",
        purpose: "letting a person choose their own password without it travelling in a file",
        seen_by: "nobody; the admin hands out the code once",
        kept: Kept::Transient,
        on_erasure: OnErasure::Delete,
        student_column: Some("user_id"),
        columns: &[
            ("code_hash", S),
            ("user_id", S),
            ("created_at", S),
            ("expires_at", S),
        ],
    },
    TableUse {
        table: "flash_messages",
        holds: "the message a page shows once after a form is saved (it may name a student)",
        purpose: "saying what a save did",
        seen_by: "the person who saved the form",
        kept: Kept::Transient,
        on_erasure: OnErasure::ClearAll,
        student_column: None,
        columns: &[
            ("session_hash", S),
            ("path", S),
            ("body", P),
            ("created_at", S),
        ],
    },
    TableUse {
        table: "roster_imports",
        holds: "roster files (names, usernames, classes) an admin uploaded, until they confirm the preview",
        purpose: "adding accounts and enrolments in bulk",
        seen_by: "the admin who uploaded them",
        kept: Kept::Transient,
        on_erasure: OnErasure::ClearAll,
        student_column: None,
        columns: &[
            ("id", N),
            ("admin_id", S),
            ("created_at", S),
            ("users_csv", P),
            ("enrollments_csv", P),
        ],
    },
    // Export, erasure and retention (issue 11, points 2-4; migration 0011).
    TableUse {
        table: "erasure_requests",
        holds: "a student's or guardian's request that the school erase the student's record",
        purpose: "showing admins which erasures families asked for",
        seen_by: "the student and their guardians; admins",
        kept: Kept::UntilErased,
        on_erasure: OnErasure::Delete,
        student_column: Some("student_id"),
        columns: &[
            ("id", N),
            ("student_id", S),
            ("requested_by", S),
            ("requested_at", S),
        ],
    },
    TableUse {
        table: "erasure_log",
        holds: "which erasures happened: a random pseudonym, a keyed hash of the erased account's id, when, by whom and why (never the username or name)",
        purpose: "accountability, and erasing the same student again in a backup restored from before the erasure",
        seen_by: "admins",
        kept: Kept::SchoolRecord,
        on_erasure: OnErasure::NotAboutStudents,
        student_column: None,
        columns: &[
            ("id", N),
            ("pseudonym", S),
            ("subject_hash", S),
            ("erased_at", S),
            ("erased_by", S),
            ("via", N),
            ("reason", S),
        ],
    },
    TableUse {
        table: "job_leases",
        holds: "which server runs a daily background job, until when",
        purpose: "running the retention job once across several servers",
        seen_by: "nobody; the server only",
        kept: Kept::WhileUsed,
        on_erasure: OnErasure::NotAboutStudents,
        student_column: None,
        columns: &[("name", N), ("holder", N), ("expires_at", N)],
    },
    TableUse {
        table: "projection_rules",
        holds: "which version of the mastery rule the stored projection was computed with",
        purpose: "recomputing mastery when the rule changes",
        seen_by: "nobody; the server only",
        kept: Kept::WhileUsed,
        on_erasure: OnErasure::NotAboutStudents,
        student_column: None,
        columns: &[("name", N), ("version", N)],
    },
    // Screen time and printable sheets (issue 12, migration 0013).
    TableUse {
        table: "class_screen_budgets",
        holds: "a class's screen-time budget (minutes a day and a week) and who set it",
        purpose: "turning next steps offline near the budget",
        seen_by: "the class's teachers; its students see their own meter",
        kept: Kept::WhileUsed,
        on_erasure: OnErasure::NotAboutStudents,
        student_column: None,
        columns: &[
            ("class_id", N),
            ("daily_minutes", N),
            ("weekly_minutes", N),
            ("set_by", S),
            ("set_at", N),
        ],
    },
    TableUse {
        table: "guardian_screen_budgets",
        holds: "a guardian's own screen-time budget for their child",
        purpose: "a family's lower limit, which wins over the class's",
        seen_by: "the guardian, the student (their meter) and the student's teachers",
        kept: Kept::UntilErased,
        on_erasure: OnErasure::Delete,
        student_column: Some("student_id"),
        columns: &[
            ("student_id", S),
            ("guardian_id", S),
            ("daily_minutes", S),
            ("weekly_minutes", S),
            ("set_at", S),
        ],
    },
    TableUse {
        table: "screen_time_exemptions",
        holds: "a teacher's exemption of a student from the class's screen-time budget, with a note (e.g. an accommodation)",
        purpose: "accommodations",
        seen_by: "the class's teachers",
        kept: Kept::UntilErased,
        on_erasure: OnErasure::Delete,
        student_column: Some("student_id"),
        columns: &[
            ("student_id", S),
            ("class_id", N),
            ("note", P),
            ("set_by", S),
            ("set_at", S),
        ],
    },
    // Before `practice_sheets`: erasure deletes in this order, and an item names its sheet.
    TableUse {
        table: "practice_sheet_items",
        holds: "which course items a practice sheet printed, in order",
        purpose: "grading the results entered for a sheet and printing its answer key",
        seen_by: "the student and their teachers",
        kept: Kept::UntilErased,
        on_erasure: OnErasure::Delete,
        student_column: Some("student_id"),
        columns: &[
            ("sheet_id", S),
            ("student_id", S),
            ("position", N),
            ("item_id", N),
            ("skills", N),
        ],
    },
    TableUse {
        table: "practice_sheets",
        holds: "printable practice sheets made for a student",
        purpose: "practice on paper when screen time is near its budget; results are entered as events",
        seen_by: "the student and their teachers",
        kept: Kept::UntilErased,
        on_erasure: OnErasure::Delete,
        student_column: Some("student_id"),
        columns: &[
            ("id", S),
            ("student_id", S),
            ("course_id", N),
            ("course_version", N),
            ("created_at", S),
        ],
    },
    // Pilot studies (issue 12, points 5-7, migration 0017).
    TableUse {
        table: "pilots",
        holds: "a pilot's plan (question, conditions and their settings, unit, outcome, duration, minimum effect), its status and the seed its randomisation was drawn with",
        purpose: "running a fair comparison of two ways of teaching and reporting its effect",
        seen_by: "the teachers of the class it was defined on; guardians of a member see its question",
        kept: Kept::WhileUsed,
        on_erasure: OnErasure::NotAboutStudents,
        student_column: None,
        columns: &[
            ("id", N),
            ("class_id", N),
            ("course_id", N),
            ("question", N),
            ("conditions", N),
            ("classes", N),
            ("unit", N),
            ("outcome", N),
            ("duration_days", N),
            ("min_effect", N),
            ("pre_test_r2", N),
            ("blinded", N),
            ("mastery_bands", N),
            ("status", N),
            ("seed", N),
            ("algorithm", N),
            ("created_by", S),
            ("created_at", N),
            ("started_at", N),
            ("finished_at", N),
            // Migration 0021: the post-test's held-out items.
            ("post_test_per_skill", N),
            ("held_out", N),
        ],
    },
    TableUse {
        table: "pilot_members",
        holds: "a student's condition and stratum in a pilot, their pre-test and outcome, and a guardian's opt-out",
        purpose: "applying the condition's settings while the pilot runs and the pilot's report",
        seen_by: "the pilot's teachers; the student's guardians see that the child takes part",
        kept: Kept::SchoolRecord,
        // Kept under the pseudonym so a finished pilot's report keeps its numbers.
        on_erasure: OnErasure::Pseudonymise,
        student_column: Some("student_id"),
        columns: &[
            ("pilot_id", N),
            ("student_id", S),
            ("class_id", N),
            ("condition_index", S),
            ("stratum", S),
            ("pre_test", S),
            ("outcome", S),
            ("opted_out_at", S),
            ("opted_out_by", S),
            // Migration 0021: a teacher's entry for a post-test taken on paper.
            ("paper_score", S),
        ],
    },
    TableUse {
        table: "pilot_amendments",
        holds: "changes to a started pilot's plan with the reason and who made them",
        purpose: "showing a pilot's history: its plan is frozen at the start",
        seen_by: "the teachers of the pilot's class",
        kept: Kept::WhileUsed,
        on_erasure: OnErasure::NotAboutStudents,
        student_column: None,
        columns: &[
            ("id", N),
            ("pilot_id", N),
            ("field", N),
            ("before_value", N),
            ("after_value", N),
            ("reason", N),
            ("amended_by", S),
            ("amended_at", N),
        ],
    },
    TableUse {
        table: "assignments",
        holds: "what a teacher assigned to a class, a group or one student (a skill, lesson or project), with start and due dates",
        purpose: "giving students work with a due date and showing teachers who finished what",
        seen_by: "the class's teachers; the students it is for and their guardians",
        kept: Kept::WhileUsed,
        on_erasure: OnErasure::NotAboutStudents,
        student_column: None,
        columns: &[
            ("id", N),
            ("class_id", N),
            ("course_id", N),
            ("target_kind", N),
            ("target_id", N),
            ("whole_class", N),
            ("starts_at", N),
            ("due_at", N),
            ("created_by", S),
            ("created_at", N),
            ("withdrawn_at", N),
        ],
    },
    TableUse {
        table: "assignment_students",
        holds: "the students an assignment for a group or one student names",
        purpose: "knowing whom an assignment is for",
        seen_by: "the class's teachers; the student and their guardians",
        kept: Kept::UntilErased,
        on_erasure: OnErasure::Delete,
        student_column: Some("student_id"),
        columns: &[("assignment_id", N), ("student_id", S)],
    },
    TableUse {
        table: "assignment_history",
        holds: "every change to an assignment (created, changed, withdrawn: who and when, the dates then) and the projects a teacher marked done for a student",
        purpose: "a record of what was assigned when, and project completion",
        seen_by: "the class's teachers; a student sees their own project marked done",
        kept: Kept::UntilErased,
        on_erasure: OnErasure::Delete,
        student_column: Some("student_id"),
        columns: &[
            ("id", N),
            ("assignment_id", N),
            ("kind", N),
            ("changed_by", S),
            ("changed_at", S),
            ("starts_at", N),
            ("due_at", N),
            ("student_id", S),
        ],
    },
    TableUse {
        table: "calendar_feeds",
        holds: "a hash of the secret in a person's calendar feed address (never the secret itself)",
        purpose: "letting a calendar app read due dates without signing in",
        seen_by: "nobody; the server only (the owner saw the address once)",
        kept: Kept::UntilErased,
        on_erasure: OnErasure::Delete,
        student_column: Some("owner_id"),
        columns: &[
            ("owner_id", S),
            ("scope", S),
            ("token_hash", S),
            ("created_at", S),
        ],
    },
    TableUse {
        table: "letter_addresses",
        holds: "a guardian's e-mail address for the weekly letter, and who set it",
        purpose: "sending the weekly letter about their children",
        seen_by: "the guardian and admins; the school's mail server when a letter is sent",
        kept: Kept::WhileUsed,
        on_erasure: OnErasure::NotAboutStudents,
        student_column: None,
        columns: &[
            ("guardian_id", S),
            ("address", P),
            ("set_by", S),
            ("set_at", S),
        ],
    },
    TableUse {
        table: "letter_subscriptions",
        holds: "whether a guardian gets the weekly letter about a child, and a hash of the letter's unsubscribe secret",
        purpose: "one-click unsubscribe and the guardian's choice per child",
        seen_by: "the guardian; the server only for the hash",
        kept: Kept::UntilErased,
        on_erasure: OnErasure::Delete,
        student_column: Some("student_id"),
        columns: &[
            ("guardian_id", S),
            ("student_id", S),
            ("subscribed", S),
            ("token_hash", S),
            ("changed_at", S),
        ],
    },
    TableUse {
        table: "letter_sends",
        holds: "which weekly letters about a child were sent to which guardian, when, and why a send failed",
        purpose: "sending each letter once, even with several servers, and retrying failures",
        seen_by: "admins (the server's log of letters)",
        kept: Kept::UntilErased,
        on_erasure: OnErasure::Delete,
        student_column: Some("student_id"),
        columns: &[
            ("guardian_id", S),
            ("student_id", S),
            ("week", S),
            ("status", S),
            ("attempts", S),
            ("claimed_by", S),
            ("claimed_at", S),
            ("retry_at", S),
            ("sent_at", S),
            ("error", S),
        ],
    },
    // Projects together (issue 10, migration 0019). Rankings, memberships and a student's
    // own files are about that student and deleted with them; a group's shared work
    // (posts, milestones, the submission) is kept for the other members under the
    // pseudonym with the erased student's text cleared.
    TableUse {
        table: "project_rounds",
        holds: "a project round of a class: the projects offered, the ranking deadline, the due date, its status and the proposal's seed",
        purpose: "letting students choose projects and forming groups",
        seen_by: "the class's teachers and students",
        kept: Kept::WhileUsed,
        on_erasure: OnErasure::NotAboutStudents,
        student_column: None,
        columns: &[
            ("id", N),
            ("class_id", N),
            ("course_id", N),
            ("title", N),
            ("opened_by", S),
            ("opens_at", N),
            ("closes_at", N),
            ("due_at", N),
            ("status", N),
            ("seed", N),
            ("created_at", N),
            ("published_at", N),
            ("finished_at", N),
        ],
    },
    TableUse {
        table: "round_projects",
        holds: "the projects a round offers and the group size for each",
        purpose: "forming groups of the right size",
        seen_by: "the class's teachers and students",
        kept: Kept::WhileUsed,
        on_erasure: OnErasure::NotAboutStudents,
        student_column: None,
        columns: &[
            ("round_id", N),
            ("project_id", N),
            ("position", N),
            ("group_min", N),
            ("group_max", N),
        ],
    },
    TableUse {
        table: "round_rankings",
        holds: "a student's ranking of a round's projects (first choice first)",
        purpose: "giving each student a project they want",
        seen_by: "the student and their teachers",
        kept: Kept::UntilErased,
        on_erasure: OnErasure::Delete,
        student_column: Some("student_id"),
        columns: &[
            ("round_id", N),
            ("student_id", S),
            ("project_id", P),
            ("rank", P),
            ("ranked_at", S),
        ],
    },
    // Members before groups: erasure deletes in this order.
    TableUse {
        table: "group_members",
        holds: "who is in a project group, since when and until when, and why the proposal placed them there",
        purpose: "group work, and avoiding the same partners every time",
        seen_by: "the group's members and their teachers",
        kept: Kept::UntilErased,
        on_erasure: OnErasure::Delete,
        student_column: Some("student_id"),
        columns: &[
            ("id", S),
            ("group_id", S),
            ("student_id", S),
            ("joined_at", S),
            ("left_at", S),
            ("left_by", S),
            ("reason", P),
        ],
    },
    TableUse {
        table: "keep_apart",
        holds: "pairs of students a teacher keeps out of the same group",
        purpose: "forming groups that work",
        seen_by: "the class's teachers only",
        kept: Kept::UntilErased,
        on_erasure: OnErasure::Delete,
        student_column: Some("student_a"),
        columns: &[
            ("class_id", N),
            ("student_a", S),
            ("student_b", S),
            ("set_by", S),
            ("set_at", S),
        ],
    },
    TableUse {
        table: "group_files",
        holds: "files a student uploaded to their group (images without their location or camera data, PDF, plain text), with a cleaned name",
        purpose: "sharing the group's work and its final submission",
        seen_by: "the group's members and their teachers; after submission, the group's peer reviewers",
        kept: Kept::UntilErased,
        on_erasure: OnErasure::Delete,
        student_column: Some("uploaded_by"),
        columns: &[
            ("id", S),
            ("group_id", S),
            ("uploaded_by", S),
            ("name", P),
            ("content_type", S),
            ("size_bytes", S),
            ("content_base64", P),
            ("uploaded_at", S),
            ("in_submission", S),
        ],
    },
    TableUse {
        table: "group_posts",
        holds: "posts in a group's shared log (text and a link)",
        purpose: "the group's record of its work",
        seen_by: "the group's members and their teachers",
        kept: Kept::SchoolRecord,
        // The other members keep the log's shape; the erased author's text is cleared.
        on_erasure: OnErasure::Pseudonymise,
        student_column: Some("author_id"),
        columns: &[
            ("id", S),
            ("group_id", S),
            ("author_id", S),
            ("text", P),
            ("link", P),
            ("posted_at", S),
        ],
    },
    TableUse {
        table: "group_milestones",
        holds: "a group's milestones with their dates, set by the teacher or added by a member",
        purpose: "planning the group's work",
        seen_by: "the group's members and their teachers",
        kept: Kept::SchoolRecord,
        on_erasure: OnErasure::Pseudonymise,
        student_column: Some("added_by"),
        columns: &[
            ("id", S),
            ("group_id", S),
            ("title", P),
            ("due_at", S),
            ("added_by", S),
            ("added_at", S),
            ("done_at", S),
        ],
    },
    TableUse {
        table: "project_groups",
        holds: "a project group (its project and name) and its final submission: text, link, when and by which member",
        purpose: "group work, its assessment and peer feedback",
        seen_by: "the group's members and their teachers; after submission, the group's peer reviewers",
        kept: Kept::SchoolRecord,
        // A submission made by an erased student stays submitted (the group's assessment
        // and feedback attach to it) under the pseudonym, with its text and link cleared.
        on_erasure: OnErasure::Pseudonymise,
        student_column: Some("submitted_by"),
        columns: &[
            ("id", S),
            ("round_id", N),
            ("project_id", N),
            ("name", N),
            ("position", N),
            ("created_at", N),
            ("published_at", N),
            ("submitted_at", S),
            ("submission_text", P),
            ("submission_link", P),
            ("submitted_by", S),
        ],
    },
    // Projects together, part B (issue 10, migration 0020): balance and peer help.
    TableUse {
        table: "class_balance_settings",
        holds: "a class's threshold for the solo/group balance (percent of time alone at a screen) and who set it",
        purpose: "offering group work in next steps when a student works alone too much",
        seen_by: "the class's teachers",
        kept: Kept::WhileUsed,
        on_erasure: OnErasure::NotAboutStudents,
        student_column: None,
        columns: &[
            ("class_id", N),
            ("alone_threshold_percent", N),
            ("set_by", S),
            ("set_at", N),
        ],
    },
    TableUse {
        table: "together_time",
        holds: "time a student worked with others away from Ownpace: minutes, what they did, and the teacher who recorded it (none when the student did)",
        purpose: "the solo/group balance counts time with others",
        seen_by: "the student and their teachers",
        kept: Kept::UntilErased,
        on_erasure: OnErasure::Delete,
        student_column: Some("student_id"),
        columns: &[
            ("id", S),
            ("student_id", S),
            ("class_id", N),
            ("minutes", S),
            ("what", P),
            ("recorded_by_teacher", S),
            ("occurred_at", S),
        ],
    },
    TableUse {
        table: "peer_helpers",
        holds: "a student's offer to help classmates on a skill they mastered ('*': every mastered skill)",
        purpose: "showing the teacher possible helpers next to a stuck student",
        seen_by: "the student and their teachers; never other students",
        kept: Kept::UntilErased,
        on_erasure: OnErasure::Delete,
        student_column: Some("student_id"),
        columns: &[
            ("student_id", S),
            ("class_id", N),
            ("skill_id", N),
            ("offered_at", S),
        ],
    },
    TableUse {
        table: "project_assessments",
        holds: "a teacher's assessment of a student's project work: the level per rubric criterion and written feedback",
        purpose: "feedback to the student; the levels are also evidence of mastery (as events)",
        seen_by: "the student and their teachers",
        kept: Kept::UntilErased,
        on_erasure: OnErasure::Delete,
        student_column: Some("student_id"),
        columns: &[
            ("id", S),
            ("class_id", N),
            ("project_id", N),
            ("student_id", S),
            ("assessed_by", S),
            ("levels", P),
            ("feedback", P),
            ("assessed_at", S),
            ("group_id", N),
        ],
    },
    TableUse {
        table: "peer_help_pairs",
        holds: "a helper paired by a teacher with a classmate stuck on a skill",
        purpose: "peer help: both students get a notice; the teacher keeps the record",
        seen_by: "the two students (each sees the other) and their teachers",
        kept: Kept::UntilErased,
        on_erasure: OnErasure::Delete,
        student_column: Some("student_id"),
        columns: &[
            ("id", S),
            ("class_id", N),
            ("student_id", S),
            ("helper_id", S),
            ("skill_id", N),
            ("paired_by", S),
            ("paired_at", S),
        ],
    },
    // Peer feedback on the rubric (issue 10, point 4, migration 0022).
    TableUse {
        table: "peer_review_settings",
        holds: "that peer review was started on a project round, how many reviews each student gives, and the teacher who started it",
        purpose: "assigning peer reviews",
        seen_by: "the class's teachers",
        kept: Kept::WhileUsed,
        on_erasure: OnErasure::NotAboutStudents,
        student_column: None,
        columns: &[
            ("round_id", N),
            ("reviews_per_student", N),
            ("started_by", S),
            ("started_at", N),
        ],
    },
    TableUse {
        table: "peer_reviews",
        holds: "a student's review of another group's submission: a level per rubric criterion and answers to three prompts (what works, what to improve, a question), and whether a teacher hid the comments",
        purpose: "feedback from classmates; the teacher sees who gives helpful feedback",
        seen_by: "the reviewer and their teachers; the reviewed group sees the levels and the comments that are not hidden, never who wrote them",
        kept: Kept::SchoolRecord,
        // Like a group's posts: the reviewed group keeps the levels; an erased reviewer's
        // written comments are cleared and the review stays under the pseudonym.
        on_erasure: OnErasure::Pseudonymise,
        student_column: Some("reviewer_id"),
        columns: &[
            ("id", S),
            ("round_id", N),
            ("group_id", S),
            ("reviewer_id", S),
            ("assigned_at", S),
            ("submitted_at", S),
            ("levels", S),
            ("works", P),
            ("improve", P),
            ("question", P),
            ("hidden_at", S),
            ("hidden_by", S),
        ],
    },
    TableUse {
        table: "peer_feedback_releases",
        holds: "a teacher's release of a group's peer feedback before two reviews were in",
        purpose: "the release rule: authors see feedback from fewer than two reviewers only after a teacher releases it",
        seen_by: "the class's teachers",
        kept: Kept::WhileUsed,
        on_erasure: OnErasure::NotAboutStudents,
        student_column: None,
        columns: &[("group_id", N), ("released_by", S), ("released_at", N)],
    },
    TableUse {
        table: "peer_review_ratings",
        holds: "a student's rating of a piece of feedback their group received: helpful or not",
        purpose: "showing the teacher who gives helpful feedback",
        seen_by: "the student and their teachers",
        kept: Kept::UntilErased,
        on_erasure: OnErasure::Delete,
        student_column: Some("rater_id"),
        columns: &[
            ("review_id", S),
            ("rater_id", S),
            ("helpful", P),
            ("rated_at", S),
        ],
    },
    TableUse {
        table: "self_assessments",
        holds: "a student's assessment of their own project work: a level per rubric criterion and an optional note",
        purpose: "reflection; the teacher reads it beside their own assessment (it does not move mastery)",
        seen_by: "the student and their teachers",
        kept: Kept::UntilErased,
        on_erasure: OnErasure::Delete,
        student_column: Some("student_id"),
        columns: &[
            ("id", S),
            ("group_id", S),
            ("class_id", N),
            ("project_id", N),
            ("student_id", S),
            ("levels", P),
            ("note", P),
            ("assessed_at", S),
        ],
    },
];

/// The inventory entry of a table.
pub fn table_use(table: &str) -> Option<&'static TableUse> {
    INVENTORY.iter().find(|t| t.table == table)
}

impl Store {
    /// Every `(table, column)` of the live schema, migrations' own bookkeeping excluded.
    pub async fn schema_columns(&self) -> Result<BTreeSet<(String, String)>> {
        let rows: Vec<(String, String)> = match self.backend {
            crate::Backend::Sqlite => {
                sqlx::query_as(
                    "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
                     AND m.name NOT LIKE '\\_sqlx%' ESCAPE '\\'",
                )
                .fetch_all(&self.pool)
                .await?
            }
            crate::Backend::Postgres => {
                sqlx::query_as(
                    "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) \
                     FROM information_schema.columns WHERE table_schema = current_schema() \
                     AND table_name NOT LIKE '\\_sqlx%'",
                )
                .fetch_all(&self.pool)
                .await?
            }
        };
        Ok(rows.into_iter().collect())
    }

    /// How many rows every table of the inventory holds (tests check that a read-only
    /// request wrote nothing).
    #[cfg(feature = "testing")]
    pub async fn row_counts(&self) -> Result<Vec<(&'static str, i64)>> {
        let mut out = Vec::with_capacity(INVENTORY.len());
        for table in INVENTORY {
            let sql = format!("SELECT CAST(COUNT(*) AS BIGINT) FROM {}", table.table);
            let (count,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .fetch_one(&self.pool)
                .await?;
            out.push((table.table, count));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_that_names_its_student_classifies_that_column() {
        for table in INVENTORY {
            if let Some(column) = table.student_column {
                assert!(
                    table.columns.iter().any(|(c, _)| *c == column),
                    "{}: student column {column} is not among its columns",
                    table.table
                );
            }
            let about_one_student = !matches!(
                table.on_erasure,
                OnErasure::NotAboutStudents | OnErasure::ClearAll
            );
            assert_eq!(
                about_one_student,
                table.student_column.is_some(),
                "{}: a table about students names the column that says which student",
                table.table
            );
        }
    }
}
