//! Check-ins (issue 9, point 2): a class's rhythm, a student's prepared answers, and the
//! check-ins held with their notes (each shared with the guardian or not) and agreed
//! actions (each recording whether it is to become a goal, a pin or an assignment, and
//! what it became). Rows, not events: check-ins do not count toward grades. Every text is
//! length-limited here, so no caller can store more.

use crate::check_text;
use crate::{Result, Store, StoreError, new_id};
use ownpace_core::ids::{ClassId, SkillId, UserId};
use std::collections::HashMap;

/// The longest answer to one of the three prompts.
pub const MAX_PREP_CHARS: usize = 1_000;
/// The longest note of a check-in.
pub const MAX_NOTE_CHARS: usize = 2_000;
/// The longest action of a check-in.
pub const MAX_ACTION_CHARS: usize = 300;
/// Notes and actions a check-in holds at most, each.
pub const MAX_CHECKIN_ENTRIES: usize = 10;

/// What an agreed action is to become.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionKind {
    Goal,
    Pin,
    Assignment,
}

impl ActionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Goal => "goal",
            ActionKind::Pin => "pin",
            ActionKind::Assignment => "assignment",
        }
    }

    pub fn parse(text: &str) -> Option<ActionKind> {
        match text {
            "goal" => Some(ActionKind::Goal),
            "pin" => Some(ActionKind::Pin),
            "assignment" => Some(ActionKind::Assignment),
            _ => None,
        }
    }
}

/// A class's check-in rhythm.
#[derive(Debug, Clone, PartialEq)]
pub struct Rhythm {
    pub every_days: i64,
    pub set_by: UserId,
    pub set_at: i64,
}

/// The student's answers to the three prompts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CheckinPrep {
    pub went_well: String,
    pub was_hard: String,
    pub next_step: String,
    /// When saved (0 for none yet).
    pub saved_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CheckinNote {
    pub id: String,
    pub text: String,
    pub shared: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CheckinAction {
    pub id: String,
    pub checkin_id: String,
    pub text: String,
    pub kind: ActionKind,
    pub skill_id: Option<SkillId>,
    pub due_at: Option<i64>,
    pub made_at: Option<i64>,
    pub made_id: Option<String>,
}

/// A check-in held.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkin {
    pub id: String,
    pub student_id: UserId,
    pub class_id: ClassId,
    pub teacher_id: UserId,
    pub held_at: i64,
    pub prep: CheckinPrep,
    pub notes: Vec<CheckinNote>,
    pub actions: Vec<CheckinAction>,
}

impl Checkin {
    /// Whether a note of it is shared with the guardian.
    pub fn has_shared_note(&self) -> bool {
        self.notes.iter().any(|n| n.shared)
    }
}

/// An action to record.
#[derive(Debug, Clone)]
pub struct NewAction {
    pub text: String,
    pub kind: ActionKind,
    pub skill_id: Option<SkillId>,
    pub due_at: Option<i64>,
}

/// A check-in to record: the student's prepared answers are taken into it.
pub struct NewCheckin<'a> {
    pub student_id: &'a UserId,
    pub class_id: &'a ClassId,
    pub teacher_id: &'a UserId,
    pub at: i64,
    /// (text, shared with the guardian)
    pub notes: &'a [(String, bool)],
    pub actions: &'a [NewAction],
}

type CheckinRow = (String, String, String, String, i64, String, String, String);
type ActionRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<String>,
);

fn action_from(row: ActionRow) -> CheckinAction {
    let (id, checkin_id, text, kind, skill, due_at, made_at, made_id) = row;
    CheckinAction {
        id,
        checkin_id,
        text,
        kind: ActionKind::parse(&kind).unwrap_or(ActionKind::Goal),
        skill_id: skill.map(SkillId::new),
        due_at,
        made_at,
        made_id,
    }
}

impl Store {
    /// Sets a class's rhythm (`None` turns check-ins off for the class).
    pub async fn set_checkin_rhythm(
        &self,
        class_id: &ClassId,
        every_days: Option<i64>,
        by: &UserId,
        at: i64,
    ) -> Result<()> {
        use ownpace_core::checkins::{MAX_RHYTHM_DAYS, MIN_RHYTHM_DAYS};
        let Some(days) = every_days else {
            sqlx::query("DELETE FROM checkin_rhythms WHERE class_id = $1")
                .bind(class_id.as_str())
                .execute(&self.pool)
                .await?;
            return Ok(());
        };
        if !(MIN_RHYTHM_DAYS..=MAX_RHYTHM_DAYS).contains(&days) {
            return Err(StoreError::Invalid {
                field: "rhythm",
                message: format!("{MIN_RHYTHM_DAYS} to {MAX_RHYTHM_DAYS} days"),
            });
        }
        sqlx::query(
            "INSERT INTO checkin_rhythms (class_id, every_days, set_by, set_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (class_id) DO UPDATE SET every_days = $2, set_by = $3, set_at = $4",
        )
        .bind(class_id.as_str())
        .bind(days)
        .bind(by.as_str())
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A class's rhythm, if it has one.
    pub async fn checkin_rhythm(&self, class_id: &ClassId) -> Result<Option<Rhythm>> {
        let row: Option<(i64, String, i64)> = sqlx::query_as(
            "SELECT every_days, set_by, set_at FROM checkin_rhythms WHERE class_id = $1",
        )
        .bind(class_id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(every_days, set_by, set_at)| Rhythm {
            every_days,
            set_by: set_by.into(),
            set_at,
        }))
    }

    /// Saves the student's answers for their next check-in in the class.
    pub async fn save_checkin_prep(
        &self,
        student_id: &UserId,
        class_id: &ClassId,
        prep: &CheckinPrep,
        at: i64,
    ) -> Result<()> {
        check_text("went_well", &prep.went_well, MAX_PREP_CHARS, false)?;
        check_text("was_hard", &prep.was_hard, MAX_PREP_CHARS, false)?;
        check_text("next_step", &prep.next_step, MAX_PREP_CHARS, false)?;
        sqlx::query(
            "INSERT INTO checkin_preps (student_id, class_id, went_well, was_hard, next_step, saved_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (student_id, class_id) DO UPDATE \
             SET went_well = $3, was_hard = $4, next_step = $5, saved_at = $6",
        )
        .bind(student_id.as_str())
        .bind(class_id.as_str())
        .bind(prep.went_well.trim())
        .bind(prep.was_hard.trim())
        .bind(prep.next_step.trim())
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The student's answers for their next check-in in the class, if saved.
    pub async fn checkin_prep(
        &self,
        student_id: &UserId,
        class_id: &ClassId,
    ) -> Result<Option<CheckinPrep>> {
        let row: Option<(String, String, String, i64)> = sqlx::query_as(
            "SELECT went_well, was_hard, next_step, saved_at FROM checkin_preps \
             WHERE student_id = $1 AND class_id = $2",
        )
        .bind(student_id.as_str())
        .bind(class_id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(
            row.map(|(went_well, was_hard, next_step, saved_at)| CheckinPrep {
                went_well,
                was_hard,
                next_step,
                saved_at,
            }),
        )
    }

    /// Records a check-in held, taking the student's prepared answers into it (the prep
    /// is then empty for the next one), in one transaction. Needs a note or an action.
    pub async fn hold_checkin(&self, new: NewCheckin<'_>) -> Result<Checkin> {
        if new.notes.iter().all(|(t, _)| t.trim().is_empty())
            && new.actions.iter().all(|a| a.text.trim().is_empty())
        {
            return Err(StoreError::Invalid {
                field: "notes",
                message: "write a note or an agreed action".into(),
            });
        }
        if new.notes.len() > MAX_CHECKIN_ENTRIES || new.actions.len() > MAX_CHECKIN_ENTRIES {
            return Err(StoreError::Invalid {
                field: "notes",
                message: format!(
                    "at most {MAX_CHECKIN_ENTRIES} notes and {MAX_CHECKIN_ENTRIES} actions"
                ),
            });
        }
        for (text, _) in new.notes {
            check_text("notes", text.trim(), MAX_NOTE_CHARS, false)?;
        }
        for action in new.actions {
            check_text("actions", action.text.trim(), MAX_ACTION_CHARS, false)?;
        }
        let id = new_id();
        let mut tx = self.pool.begin().await?;
        // The write first, so SQLite takes its lock up front; the prep is read after.
        sqlx::query(
            "INSERT INTO checkins (id, student_id, class_id, teacher_id, held_at, went_well, was_hard, next_step) \
             VALUES ($1, $2, $3, $4, $5, '', '', '')",
        )
        .bind(&id)
        .bind(new.student_id.as_str())
        .bind(new.class_id.as_str())
        .bind(new.teacher_id.as_str())
        .bind(new.at)
        .execute(&mut *tx)
        .await?;
        let prep: Option<(String, String, String)> = sqlx::query_as(
            "SELECT went_well, was_hard, next_step FROM checkin_preps WHERE student_id = $1 AND class_id = $2",
        )
        .bind(new.student_id.as_str())
        .bind(new.class_id.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let prep = prep
            .map(|(went_well, was_hard, next_step)| CheckinPrep {
                went_well,
                was_hard,
                next_step,
                saved_at: 0,
            })
            .unwrap_or_default();
        sqlx::query(
            "UPDATE checkins SET went_well = $1, was_hard = $2, next_step = $3 WHERE id = $4",
        )
        .bind(&prep.went_well)
        .bind(&prep.was_hard)
        .bind(&prep.next_step)
        .bind(&id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM checkin_preps WHERE student_id = $1 AND class_id = $2")
            .bind(new.student_id.as_str())
            .bind(new.class_id.as_str())
            .execute(&mut *tx)
            .await?;
        let mut notes = Vec::new();
        for (text, shared) in new.notes.iter().filter(|(t, _)| !t.trim().is_empty()) {
            let note = CheckinNote {
                id: new_id(),
                text: text.trim().to_string(),
                shared: *shared,
            };
            sqlx::query(
                "INSERT INTO checkin_notes (id, checkin_id, student_id, position, text, shared) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&note.id)
            .bind(&id)
            .bind(new.student_id.as_str())
            .bind(notes.len() as i64)
            .bind(&note.text)
            .bind(i64::from(note.shared))
            .execute(&mut *tx)
            .await?;
            notes.push(note);
        }
        let mut actions = Vec::new();
        for action in new.actions.iter().filter(|a| !a.text.trim().is_empty()) {
            let made = CheckinAction {
                id: new_id(),
                checkin_id: id.clone(),
                text: action.text.trim().to_string(),
                kind: action.kind,
                skill_id: action.skill_id.clone(),
                due_at: action.due_at,
                made_at: None,
                made_id: None,
            };
            sqlx::query(
                "INSERT INTO checkin_actions (id, checkin_id, student_id, position, text, kind, skill_id, due_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&made.id)
            .bind(&id)
            .bind(new.student_id.as_str())
            .bind(actions.len() as i64)
            .bind(&made.text)
            .bind(made.kind.as_str())
            .bind(made.skill_id.as_ref().map(SkillId::as_str))
            .bind(made.due_at)
            .execute(&mut *tx)
            .await?;
            actions.push(made);
        }
        tx.commit().await?;
        Ok(Checkin {
            id,
            student_id: new.student_id.clone(),
            class_id: new.class_id.clone(),
            teacher_id: new.teacher_id.clone(),
            held_at: new.at,
            prep,
            notes,
            actions,
        })
    }

    /// A student's check-ins, newest first, with their notes and actions; in one class,
    /// or in every class when `class_id` is `None`. At most `limit`.
    pub async fn checkins_of_student(
        &self,
        student_id: &UserId,
        class_id: Option<&ClassId>,
        limit: i64,
    ) -> Result<Vec<Checkin>> {
        let rows: Vec<CheckinRow> = sqlx::query_as(
            "SELECT id, student_id, class_id, teacher_id, held_at, went_well, was_hard, next_step \
             FROM checkins WHERE student_id = $1 AND ($2 = '' OR class_id = $2) \
             ORDER BY held_at DESC, id DESC LIMIT $3",
        )
        .bind(student_id.as_str())
        .bind(class_id.map_or("", ClassId::as_str))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let notes: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT checkin_id, id, text, shared FROM checkin_notes WHERE student_id = $1 \
             ORDER BY checkin_id, position",
        )
        .bind(student_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        let actions: Vec<ActionRow> = sqlx::query_as(
            "SELECT id, checkin_id, text, kind, skill_id, due_at, made_at, made_id \
             FROM checkin_actions WHERE student_id = $1 ORDER BY checkin_id, position",
        )
        .bind(student_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        let mut notes_of: HashMap<String, Vec<CheckinNote>> = HashMap::new();
        for (checkin_id, id, text, shared) in notes {
            notes_of.entry(checkin_id).or_default().push(CheckinNote {
                id,
                text,
                shared: shared != 0,
            });
        }
        let mut actions_of: HashMap<String, Vec<CheckinAction>> = HashMap::new();
        for row in actions {
            let action = action_from(row);
            actions_of
                .entry(action.checkin_id.clone())
                .or_default()
                .push(action);
        }
        Ok(rows
            .into_iter()
            .map(
                |(
                    id,
                    student_id,
                    class_id,
                    teacher_id,
                    held_at,
                    went_well,
                    was_hard,
                    next_step,
                )| {
                    Checkin {
                        notes: notes_of.remove(&id).unwrap_or_default(),
                        actions: actions_of.remove(&id).unwrap_or_default(),
                        id,
                        student_id: student_id.into(),
                        class_id: ClassId::new(class_id),
                        teacher_id: teacher_id.into(),
                        held_at,
                        prep: CheckinPrep {
                            went_well,
                            was_hard,
                            next_step,
                            saved_at: held_at,
                        },
                    }
                },
            )
            .collect())
    }

    /// Per student of the class, when their last check-in in it was held.
    pub async fn last_checkins_in_class(&self, class_id: &ClassId) -> Result<HashMap<UserId, i64>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT student_id, CAST(MAX(held_at) AS BIGINT) FROM checkins WHERE class_id = $1 \
             GROUP BY student_id",
        )
        .bind(class_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(s, at)| (s.into(), at)).collect())
    }

    /// One action of a student's check-in in a class; `None` when it is not theirs there.
    pub async fn checkin_action(
        &self,
        student_id: &UserId,
        class_id: &ClassId,
        action_id: &str,
    ) -> Result<Option<CheckinAction>> {
        let row: Option<ActionRow> = sqlx::query_as(
            "SELECT a.id, a.checkin_id, a.text, a.kind, a.skill_id, a.due_at, a.made_at, a.made_id \
             FROM checkin_actions a JOIN checkins c ON c.id = a.checkin_id \
             WHERE a.id = $1 AND a.student_id = $2 AND c.class_id = $3",
        )
        .bind(action_id)
        .bind(student_id.as_str())
        .bind(class_id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(action_from))
    }

    /// Records what an action became; `false` when it was made already (a second click).
    pub async fn mark_action_made(&self, action_id: &str, made_id: &str, at: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE checkin_actions SET made_at = $1, made_id = $2 WHERE id = $3 AND made_at IS NULL",
        )
        .bind(at)
        .bind(made_id)
        .bind(action_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
