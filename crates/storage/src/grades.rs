//! What the gradebook reads besides the mastery projection: the teacher's overrides (events
//! of kind `grade-override`, so `rebuild` replays them with everything else) and the
//! evidence behind each skill — counts and dates of the activities, never what was typed.
//!
//! An override's note is the teacher's free text: it lives in the event's `response`
//! column, the one erasure empties, and its level and author in `data`.

use crate::{Result, Store, StoreError, new_id};
use ownpace_core::events::EventKind;
use ownpace_core::grades::{Level, NOTE_MAX_CHARS, Override};
use ownpace_core::ids::{ClassId, CourseId, UserId};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// An override to record.
#[derive(Debug, Clone)]
pub struct NewGradeOverride<'a> {
    pub student_id: &'a UserId,
    pub course_id: &'a CourseId,
    pub course_version: i64,
    pub skill: &'a str,
    /// `None` clears an earlier override.
    pub level: Option<Level>,
    pub note: &'a str,
    pub by: &'a UserId,
    pub at: i64,
}

#[derive(Serialize, Deserialize)]
struct OverrideData {
    level: Option<u8>,
    by: String,
}

/// What stands behind one skill's level: how much, of what, and when.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SkillEvidence {
    /// Graded answers on screen, and how many were right.
    pub answers: u32,
    pub correct: u32,
    /// Results from paper practice sheets a teacher confirmed, and how many were right.
    pub on_paper: u32,
    pub on_paper_correct: u32,
    /// Questions of the placement check on the skill.
    pub placement_questions: u32,
    /// Lessons on the skill finished (on screen or offline).
    pub lessons: u32,
    /// A teacher's levels on project rubric criteria assessing the skill, and how many
    /// reached the criterion's "meets" level (each counts as one answer for mastery).
    pub assessed: u32,
    pub assessed_meets: u32,
    /// First and latest activity on the skill (ms since the epoch); 0 when none.
    pub first_at: i64,
    pub last_at: i64,
}

impl SkillEvidence {
    fn count(&mut self, kind: EventKind, correct: Option<bool>, at: i64) {
        let right = u32::from(correct == Some(true));
        match kind {
            EventKind::Answer => {
                self.answers += 1;
                self.correct += right;
            }
            EventKind::SheetAnswer => {
                self.on_paper += 1;
                self.on_paper_correct += right;
            }
            EventKind::ProjectAssessment => {
                self.assessed += 1;
                self.assessed_meets += right;
            }
            EventKind::PlacementAnswer => self.placement_questions += 1,
            EventKind::Lesson | EventKind::OfflineActivity => self.lessons += 1,
            _ => return,
        }
        if self.first_at == 0 || at < self.first_at {
            self.first_at = at;
        }
        self.last_at = self.last_at.max(at);
    }
}

/// The kinds that count as evidence of a skill.
const EVIDENCE_KINDS: [EventKind; 6] = [
    EventKind::Answer,
    EventKind::ProjectAssessment,
    EventKind::SheetAnswer,
    EventKind::PlacementAnswer,
    EventKind::Lesson,
    EventKind::OfflineActivity,
];

/// An override event as read: student, skill, note, time, data.
type OverrideRow = (String, String, Option<String>, i64, Option<String>);

/// Per student id, per skill id: the overrides in the order they were recorded.
pub type OverridesBySkill = HashMap<String, Vec<Override>>;

impl Store {
    /// Records a teacher's override (or its clearing) of one student's level on a skill.
    /// The note is required when a level is set and is at most
    /// [`NOTE_MAX_CHARS`] characters.
    pub async fn record_grade_override(&self, o: &NewGradeOverride<'_>) -> Result<()> {
        let note = o.note.trim();
        if note.chars().count() > NOTE_MAX_CHARS {
            return Err(StoreError::Invalid {
                field: "note",
                message: format!(
                    "the note is {} characters; keep it to {NOTE_MAX_CHARS}",
                    note.chars().count()
                ),
            });
        }
        if o.level.is_some() && note.is_empty() {
            return Err(StoreError::Invalid {
                field: "note",
                message: "say in a few words why the level differs from the evidence".into(),
            });
        }
        let data = serde_json::to_string(&OverrideData {
            level: o.level.map(Level::number),
            by: o.by.as_str().to_string(),
        })
        .map_err(|e| StoreError::Invalid {
            field: "override",
            message: e.to_string(),
        })?;
        let id = new_id();
        sqlx::query(
            "INSERT INTO events (id, student_id, course_id, course_version, kind, skills, item_id, \
             response, correct, occurred_at, duration_ms, idempotency_key, data) \
             VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, NULL, $8, NULL, $9, $10)",
        )
        .bind(&id)
        .bind(o.student_id.as_str())
        .bind(o.course_id.as_str())
        .bind(o.course_version)
        .bind(EventKind::GradeOverride.as_str())
        .bind(o.skill)
        .bind(note)
        .bind(o.at)
        .bind(format!("grade-override-{id}"))
        .bind(data)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// One student's overrides in a course, per skill, oldest first.
    pub async fn grade_overrides(
        &self,
        student_id: &UserId,
        course_id: &CourseId,
    ) -> Result<OverridesBySkill> {
        let rows: Vec<OverrideRow> = sqlx::query_as(
            "SELECT student_id, skills, response, occurred_at, data FROM events \
             WHERE student_id = $1 AND course_id = $2 AND kind = $3 ORDER BY occurred_at, id",
        )
        .bind(student_id.as_str())
        .bind(course_id.as_str())
        .bind(EventKind::GradeOverride.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(overrides_from(rows)
            .remove(student_id.as_str())
            .unwrap_or_default())
    }

    /// The overrides of every student enrolled in a class, for the class's course: per
    /// student id, per skill.
    pub async fn class_grade_overrides(
        &self,
        class_id: &ClassId,
    ) -> Result<HashMap<String, OverridesBySkill>> {
        let rows: Vec<OverrideRow> = sqlx::query_as(
            "SELECT ev.student_id, ev.skills, ev.response, ev.occurred_at, ev.data FROM events ev \
             JOIN enrollments e ON e.student_id = ev.student_id \
             JOIN classes c ON c.id = e.class_id AND c.course_id = ev.course_id \
             WHERE e.class_id = $1 AND e.left_at IS NULL AND ev.kind = $2 \
             ORDER BY ev.occurred_at, ev.id",
        )
        .bind(class_id.as_str())
        .bind(EventKind::GradeOverride.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(overrides_from(rows))
    }

    /// The evidence behind each skill of one student in a course: counts and dates per
    /// skill id, from the events (one pass, no typed answers read).
    pub async fn skill_evidence(
        &self,
        student_id: &UserId,
        course_id: &CourseId,
    ) -> Result<HashMap<String, SkillEvidence>> {
        let rows: Vec<EvidenceRow> = sqlx::query_as(
            "SELECT student_id, kind, skills, correct, occurred_at FROM events \
             WHERE student_id = $1 AND course_id = $2 AND kind IN ($3, $4, $5, $6, $7, $8)",
        )
        .bind(student_id.as_str())
        .bind(course_id.as_str())
        .bind(EVIDENCE_KINDS[0].as_str())
        .bind(EVIDENCE_KINDS[1].as_str())
        .bind(EVIDENCE_KINDS[2].as_str())
        .bind(EVIDENCE_KINDS[3].as_str())
        .bind(EVIDENCE_KINDS[4].as_str())
        .bind(EVIDENCE_KINDS[5].as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(evidence_from(rows)
            .remove(student_id.as_str())
            .unwrap_or_default())
    }

    /// The evidence of every student enrolled in a class, for the class's course: per
    /// student id, per skill (one query for the whole gradebook).
    pub async fn class_skill_evidence(
        &self,
        class_id: &ClassId,
    ) -> Result<HashMap<String, HashMap<String, SkillEvidence>>> {
        let rows: Vec<EvidenceRow> = sqlx::query_as(
            "SELECT ev.student_id, ev.kind, ev.skills, ev.correct, ev.occurred_at FROM events ev \
             JOIN enrollments e ON e.student_id = ev.student_id \
             JOIN classes c ON c.id = e.class_id AND c.course_id = ev.course_id \
             WHERE e.class_id = $1 AND e.left_at IS NULL AND ev.kind IN ($2, $3, $4, $5, $6, $7)",
        )
        .bind(class_id.as_str())
        .bind(EVIDENCE_KINDS[0].as_str())
        .bind(EVIDENCE_KINDS[1].as_str())
        .bind(EVIDENCE_KINDS[2].as_str())
        .bind(EVIDENCE_KINDS[3].as_str())
        .bind(EVIDENCE_KINDS[4].as_str())
        .bind(EVIDENCE_KINDS[5].as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(evidence_from(rows))
    }
}

/// An evidence event as read: student, kind, skills, correct, time.
type EvidenceRow = (String, String, String, Option<i64>, i64);

fn evidence_from(rows: Vec<EvidenceRow>) -> HashMap<String, HashMap<String, SkillEvidence>> {
    let mut out: HashMap<String, HashMap<String, SkillEvidence>> = HashMap::new();
    for (student, kind, skills, correct, at) in rows {
        let Some(kind) = EventKind::from_name(&kind) else {
            continue;
        };
        let per_skill = out.entry(student).or_default();
        for skill in skills.split_whitespace() {
            per_skill.entry(skill.to_string()).or_default().count(
                kind,
                correct.map(|c| c != 0),
                at,
            );
        }
    }
    out
}

fn overrides_from(rows: Vec<OverrideRow>) -> HashMap<String, OverridesBySkill> {
    let mut out: HashMap<String, OverridesBySkill> = HashMap::new();
    for (student, skill, note, at, data) in rows {
        let level = data
            .as_deref()
            .and_then(|d| serde_json::from_str::<OverrideData>(d).ok())
            .and_then(|d| d.level)
            .and_then(|n| Level::from_number(i64::from(n)));
        out.entry(student)
            .or_default()
            .entry(skill)
            .or_default()
            .push(Override {
                level,
                note: note.unwrap_or_default(),
                at,
            });
    }
    out
}
