//! The append-only event log and the mastery projection built from it.
//!
//! [`Store::record_answer`] appends the answer event and updates the projection in one
//! transaction, idempotently: a retried submission (same student, same idempotency key)
//! stores nothing new and returns what was stored the first time.
//! [`Store::rebuild_mastery`] throws the projection away and replays every answer.

use crate::{Result, Store, StoreError, new_id};
use ownpace_core::learner::bkt::BktParams;
use ownpace_core::progress::SkillProgress;
use ownpace_core::review::{Fsrs, MemoryState};
use sqlx::{Any, Transaction};
use std::collections::HashMap;

/// A graded answer to record.
#[derive(Debug, Clone)]
pub struct AnswerRecord<'a> {
    pub student_id: &'a str,
    pub course_id: &'a str,
    pub course_version: i64,
    pub item_id: &'a str,
    /// The skills the item is tagged with.
    pub skills: &'a [String],
    /// The response as JSON (`ownpace_core::course::Response`).
    pub response: &'a str,
    pub correct: bool,
    pub occurred_at: i64,
    pub duration_ms: Option<i64>,
    /// Chosen by the client; the same key twice records one event.
    pub idempotency_key: &'a str,
}

/// Any other learner interaction (hint asked, lesson opened, …).
#[derive(Debug, Clone)]
pub struct EventRecord<'a> {
    pub student_id: &'a str,
    pub course_id: &'a str,
    pub course_version: i64,
    pub kind: &'a str,
    pub skills: &'a [String],
    pub item_id: Option<&'a str>,
    pub data: Option<&'a str>,
    pub occurred_at: i64,
    pub duration_ms: Option<i64>,
    pub idempotency_key: &'a str,
}

/// The result of recording an answer.
#[derive(Debug, Clone)]
pub struct RecordedAnswer {
    pub event_id: String,
    /// True when this key had been recorded before: nothing new was stored, and the
    /// fields below describe the first submission.
    pub duplicate: bool,
    pub response: String,
    pub correct: bool,
    /// Per skill of the item: mastery before and after this answer.
    pub mastery: Vec<(String, f64, SkillProgress)>,
}

/// A finished placement check.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacementRecord {
    pub at: i64,
    pub beliefs: Vec<(String, f64)>,
    pub questions: usize,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct PlacementData {
    beliefs: Vec<(String, f64)>,
    questions: usize,
}

/// Placement seeds a skill only while the student has not practised it: answers count
/// more than the check's estimate.
fn seed_from_placement(current: Option<SkillProgress>, belief: f64, at: i64) -> SkillProgress {
    match current {
        Some(progress) if progress.attempts > 0 => progress,
        _ => SkillProgress::placed(belief, at, &Fsrs::default()),
    }
}

/// One row of the projection.
#[derive(Debug, Clone, PartialEq)]
pub struct MasteryRow {
    pub student_id: String,
    pub skill_id: String,
    pub progress: SkillProgress,
}

/// An event as shown in a student's history.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub id: String,
    pub kind: String,
    pub skills: Vec<String>,
    pub item_id: Option<String>,
    pub response: Option<String>,
    pub correct: Option<bool>,
    pub occurred_at: i64,
    pub duration_ms: Option<i64>,
}

type MasteryColumns = (
    String,
    String,
    f64,
    i64,
    i64,
    i64,
    Option<i64>,
    i64,
    Option<f64>,
    Option<f64>,
    Option<i64>,
    i64,
);

fn progress_from(
    (
        student_id,
        skill_id,
        p_mastery,
        attempts,
        correct,
        consecutive_wrong,
        mastered_at,
        last_at,
        stability,
        difficulty,
        last_review_at,
        consecutive_correct,
    ): MasteryColumns,
) -> MasteryRow {
    let memory = match (stability, difficulty, last_review_at) {
        (Some(stability), Some(difficulty), Some(last_review_at)) => Some(MemoryState {
            stability,
            difficulty,
            last_review_at,
        }),
        _ => None,
    };
    let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
    MasteryRow {
        student_id,
        skill_id,
        progress: SkillProgress {
            p_mastery,
            attempts: count(attempts),
            correct: count(correct),
            consecutive_wrong: count(consecutive_wrong),
            consecutive_correct: count(consecutive_correct),
            mastered_at,
            last_at,
            memory,
        },
    }
}

macro_rules! mastery_columns {
    () => {
        "m.student_id, m.skill_id, m.p_mastery, m.attempts, m.correct, m.consecutive_wrong, \
         m.mastered_at, m.last_at, m.stability, m.difficulty, m.last_review_at, \
         m.consecutive_correct"
    };
}

fn join_skills(skills: &[String]) -> String {
    skills.join(" ")
}

fn split_skills(skills: &str) -> Vec<String> {
    skills.split_whitespace().map(str::to_string).collect()
}

impl Store {
    /// Appends a graded answer and updates mastery for each of its skills, atomically.
    pub async fn record_answer(
        &self,
        answer: &AnswerRecord<'_>,
        params_for: impl Fn(&str) -> BktParams,
    ) -> Result<RecordedAnswer> {
        let mut tx = self.pool.begin().await?;
        let event_id = new_id();
        let inserted = insert_graded(&mut *tx, &event_id, "answer", answer).await?;

        if inserted == 0 {
            let (event_id, response, correct): (String, Option<String>, Option<i64>) = sqlx::query_as(
                "SELECT id, response, correct FROM events WHERE student_id = $1 AND idempotency_key = $2",
            )
            .bind(answer.student_id)
            .bind(answer.idempotency_key)
            .fetch_one(&mut *tx)
            .await?;
            let mut mastery = Vec::new();
            for skill in answer.skills {
                let now = load_progress(&mut tx, answer.student_id, answer.course_id, skill)
                    .await?
                    .unwrap_or_else(|| SkillProgress::initial(&params_for(skill)));
                mastery.push((skill.clone(), now.p_mastery, now));
            }
            tx.rollback().await?;
            return Ok(RecordedAnswer {
                event_id,
                duplicate: true,
                response: response.unwrap_or_default(),
                correct: correct.unwrap_or(0) != 0,
                mastery,
            });
        }

        let mut mastery = Vec::with_capacity(answer.skills.len());
        for skill in answer.skills {
            let params = params_for(skill);
            let mut progress = load_progress(&mut tx, answer.student_id, answer.course_id, skill)
                .await?
                .unwrap_or_else(|| SkillProgress::initial(&params));
            let before = progress.p_mastery;
            progress.record(
                &params,
                &Fsrs::default(),
                answer.correct,
                answer.occurred_at,
            );
            save_progress(
                &mut tx,
                answer.student_id,
                answer.course_id,
                skill,
                &progress,
            )
            .await?;
            mastery.push((skill.clone(), before, progress));
        }
        tx.commit().await?;
        Ok(RecordedAnswer {
            event_id,
            duplicate: false,
            response: answer.response.to_string(),
            correct: answer.correct,
            mastery,
        })
    }

    /// Appends a non-answer event. Returns false when the key was already recorded.
    pub async fn record_event(&self, event: &EventRecord<'_>) -> Result<bool> {
        if event.kind == "answer" {
            return Err(StoreError::Conflict(
                "answers are recorded with record_answer, which also updates mastery".to_string(),
            ));
        }
        let inserted = sqlx::query(
            "INSERT INTO events (id, student_id, course_id, course_version, kind, skills, item_id, \
             response, correct, occurred_at, duration_ms, idempotency_key, data) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, NULL, $8, $9, $10, $11) \
             ON CONFLICT (student_id, idempotency_key) DO NOTHING",
        )
        .bind(new_id())
        .bind(event.student_id)
        .bind(event.course_id)
        .bind(event.course_version)
        .bind(event.kind)
        .bind(join_skills(event.skills))
        .bind(event.item_id)
        .bind(event.occurred_at)
        .bind(event.duration_ms)
        .bind(event.idempotency_key)
        .bind(event.data)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(inserted > 0)
    }

    /// Appends an answer given during the placement check. It does not move mastery: the
    /// check's outcome does, through [`Store::record_placement_result`].
    pub async fn record_placement_answer(&self, answer: &AnswerRecord<'_>) -> Result<bool> {
        Ok(insert_graded(&self.pool, &new_id(), "placement-answer", answer).await? > 0)
    }

    /// The placement answers of a student in a course, in order: (skill, correct).
    pub async fn placement_answers(
        &self,
        student_id: &str,
        course_id: &str,
    ) -> Result<Vec<(String, bool)>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT skills, correct FROM events WHERE student_id = $1 AND course_id = $2 \
             AND kind = 'placement-answer' ORDER BY occurred_at, id",
        )
        .bind(student_id)
        .bind(course_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(skills, correct)| {
                (
                    split_skills(&skills).into_iter().next().unwrap_or_default(),
                    correct != 0,
                )
            })
            .collect())
    }

    /// The outcome of the student's placement check, if they finished one:
    /// (time, per-skill beliefs, questions asked).
    pub async fn placement_result(
        &self,
        student_id: &str,
        course_id: &str,
    ) -> Result<Option<PlacementRecord>> {
        let row: Option<(i64, Option<String>)> = sqlx::query_as(
            "SELECT occurred_at, data FROM events WHERE student_id = $1 AND course_id = $2 \
             AND kind = 'placement' ORDER BY occurred_at DESC, id DESC LIMIT 1",
        )
        .bind(student_id)
        .bind(course_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(at, data)| {
            let record: PlacementData = serde_json::from_str(data.as_deref().unwrap_or("{}"))
                .map_err(|e| StoreError::Corrupt {
                    what: "events.data (placement)",
                    detail: e.to_string(),
                })?;
            Ok(PlacementRecord {
                at,
                beliefs: record.beliefs,
                questions: record.questions,
            })
        })
        .transpose()
    }

    /// Records the outcome of a placement check and seeds mastery with its beliefs for the
    /// skills the student has not practised yet, in one transaction. Idempotent per
    /// student and course.
    pub async fn record_placement_result(
        &self,
        student_id: &str,
        course_id: &str,
        course_version: i64,
        beliefs: &[(String, f64)],
        questions: usize,
        at: i64,
    ) -> Result<bool> {
        let data = serde_json::to_string(&PlacementData {
            beliefs: beliefs.to_vec(),
            questions,
        })
        .map_err(|e| StoreError::Corrupt {
            what: "placement",
            detail: e.to_string(),
        })?;
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO events (id, student_id, course_id, course_version, kind, skills, item_id, \
             response, correct, occurred_at, duration_ms, idempotency_key, data) \
             VALUES ($1, $2, $3, $4, 'placement', '', NULL, NULL, NULL, $5, NULL, $6, $7) \
             ON CONFLICT (student_id, idempotency_key) DO NOTHING",
        )
        .bind(new_id())
        .bind(student_id)
        .bind(course_id)
        .bind(course_version)
        .bind(at)
        .bind(format!("placement:{course_id}"))
        .bind(&data)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        for (skill, belief) in beliefs {
            let current = load_progress(&mut tx, student_id, course_id, skill).await?;
            let seeded = seed_from_placement(current, *belief, at);
            save_progress(&mut tx, student_id, course_id, skill, &seeded).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Mastery rows of one student in one course.
    pub async fn student_mastery(
        &self,
        student_id: &str,
        course_id: &str,
    ) -> Result<Vec<MasteryRow>> {
        let rows: Vec<MasteryColumns> = sqlx::query_as(concat!(
            "SELECT ",
            mastery_columns!(),
            " FROM mastery m WHERE m.student_id = $1 AND m.course_id = $2 \
             ORDER BY m.skill_id"
        ))
        .bind(student_id)
        .bind(course_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(progress_from).collect())
    }

    /// Mastery rows of every student enrolled in a class, for the class's course.
    pub async fn class_mastery(&self, class_id: &str) -> Result<Vec<MasteryRow>> {
        let rows: Vec<MasteryColumns> = sqlx::query_as(concat!(
            "SELECT ",
            mastery_columns!(),
            " FROM mastery m \
             JOIN enrollments e ON e.student_id = m.student_id \
             JOIN classes c ON c.id = e.class_id AND c.course_id = m.course_id \
             WHERE e.class_id = $1 ORDER BY m.student_id, m.skill_id"
        ))
        .bind(class_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(progress_from).collect())
    }

    /// Per enrolled student: time of their latest event in the class's course, if any.
    pub async fn class_last_activity(&self, class_id: &str) -> Result<HashMap<String, i64>> {
        let rows: Vec<(String, Option<i64>)> = sqlx::query_as(
            "SELECT e.student_id, MAX(ev.occurred_at) FROM enrollments e \
             JOIN classes c ON c.id = e.class_id \
             LEFT JOIN events ev ON ev.student_id = e.student_id AND ev.course_id = c.course_id \
             WHERE e.class_id = $1 GROUP BY e.student_id",
        )
        .bind(class_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(s, at)| at.map(|at| (s, at)))
            .collect())
    }

    /// A student's events in a course, newest first.
    pub async fn student_events(
        &self,
        student_id: &str,
        course_id: &str,
        limit: i64,
    ) -> Result<Vec<StoredEvent>> {
        type Row = (
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<i64>,
            i64,
            Option<i64>,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, kind, skills, item_id, response, correct, occurred_at, duration_ms FROM events \
             WHERE student_id = $1 AND course_id = $2 ORDER BY occurred_at DESC, id DESC LIMIT $3",
        )
        .bind(student_id)
        .bind(course_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, kind, skills, item_id, response, correct, occurred_at, duration_ms)| {
                    StoredEvent {
                        id,
                        kind,
                        skills: split_skills(&skills),
                        item_id,
                        response,
                        correct: correct.map(|c| c != 0),
                        occurred_at,
                        duration_ms,
                    }
                },
            )
            .collect())
    }

    /// Per item a student has answered in a course: how often, and when last.
    pub async fn answered_items(
        &self,
        student_id: &str,
        course_id: &str,
    ) -> Result<HashMap<String, (i64, i64)>> {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT item_id, CAST(COUNT(*) AS BIGINT), MAX(occurred_at) FROM events \
             WHERE student_id = $1 AND course_id = $2 AND kind = 'answer' AND item_id IS NOT NULL \
             GROUP BY item_id",
        )
        .bind(student_id)
        .bind(course_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(item, n, at)| (item, (n, at)))
            .collect())
    }

    /// Total time (ms) a student spent on recorded work in a course since `since`.
    pub async fn time_spent_since(
        &self,
        student_id: &str,
        course_id: &str,
        since: i64,
    ) -> Result<i64> {
        let (total,): (Option<i64>,) = sqlx::query_as(
            "SELECT CAST(SUM(duration_ms) AS BIGINT) FROM events \
             WHERE student_id = $1 AND course_id = $2 AND occurred_at >= $3",
        )
        .bind(student_id)
        .bind(course_id)
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok(total.unwrap_or(0))
    }

    /// Replaces the whole mastery projection with a replay of every answer event, in one
    /// transaction. Returns the number of answers replayed.
    pub async fn rebuild_mastery(&self, params_for: impl Fn(&str) -> BktParams) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM mastery").execute(&mut *tx).await?;
        type Row = (
            String,
            String,
            String,
            String,
            Option<i64>,
            i64,
            Option<String>,
        );
        let events: Vec<Row> = sqlx::query_as(
            "SELECT student_id, course_id, kind, skills, correct, occurred_at, data FROM events \
             WHERE kind IN ('answer', 'placement') ORDER BY occurred_at, id",
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut state: HashMap<(String, String, String), SkillProgress> = HashMap::new();
        let mut answers = 0u64;
        for (student, course, kind, skills, correct, at, data) in &events {
            if kind == "placement" {
                let placement: PlacementData =
                    serde_json::from_str(data.as_deref().unwrap_or("{}")).map_err(|e| {
                        StoreError::Corrupt {
                            what: "events.data (placement)",
                            detail: e.to_string(),
                        }
                    })?;
                for (skill, belief) in placement.beliefs {
                    let key = (student.clone(), course.clone(), skill);
                    let seeded = seed_from_placement(state.remove(&key), belief, *at);
                    state.insert(key, seeded);
                }
                continue;
            }
            answers += 1;
            let correct = correct.unwrap_or(0);
            for skill in split_skills(skills) {
                let params = params_for(&skill);
                state
                    .entry((student.clone(), course.clone(), skill))
                    .or_insert_with(|| SkillProgress::initial(&params))
                    .record(&params, &Fsrs::default(), correct != 0, *at);
            }
        }
        for ((student, course, skill), progress) in &state {
            save_progress(&mut tx, student, course, skill, progress).await?;
        }
        tx.commit().await?;
        Ok(answers)
    }
}

/// Appends a graded event (`answer` or `placement-answer`); 0 rows when its idempotency
/// key was recorded before.
async fn insert_graded<'e>(
    executor: impl sqlx::Executor<'e, Database = Any>,
    event_id: &str,
    kind: &'static str,
    answer: &AnswerRecord<'_>,
) -> Result<u64> {
    Ok(sqlx::query(
        "INSERT INTO events (id, student_id, course_id, course_version, kind, skills, item_id, \
         response, correct, occurred_at, duration_ms, idempotency_key, data) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL) \
         ON CONFLICT (student_id, idempotency_key) DO NOTHING",
    )
    .bind(event_id)
    .bind(answer.student_id)
    .bind(answer.course_id)
    .bind(answer.course_version)
    .bind(kind)
    .bind(join_skills(answer.skills))
    .bind(answer.item_id)
    .bind(answer.response)
    .bind(i64::from(answer.correct))
    .bind(answer.occurred_at)
    .bind(answer.duration_ms)
    .bind(answer.idempotency_key)
    .execute(executor)
    .await?
    .rows_affected())
}

async fn load_progress(
    tx: &mut Transaction<'_, Any>,
    student_id: &str,
    course_id: &str,
    skill_id: &str,
) -> Result<Option<SkillProgress>> {
    let row: Option<MasteryColumns> = sqlx::query_as(concat!(
        "SELECT ",
        mastery_columns!(),
        " FROM mastery m \
         WHERE m.student_id = $1 AND m.course_id = $2 AND m.skill_id = $3"
    ))
    .bind(student_id)
    .bind(course_id)
    .bind(skill_id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| progress_from(r).progress))
}

async fn save_progress(
    tx: &mut Transaction<'_, Any>,
    student_id: &str,
    course_id: &str,
    skill_id: &str,
    p: &SkillProgress,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO mastery (student_id, course_id, skill_id, p_mastery, attempts, correct, \
         consecutive_wrong, mastered_at, last_at, stability, difficulty, last_review_at, \
         consecutive_correct) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (student_id, course_id, skill_id) DO UPDATE SET p_mastery = excluded.p_mastery, \
         attempts = excluded.attempts, correct = excluded.correct, \
         consecutive_wrong = excluded.consecutive_wrong, mastered_at = excluded.mastered_at, \
         last_at = excluded.last_at, stability = excluded.stability, \
         difficulty = excluded.difficulty, last_review_at = excluded.last_review_at, \
         consecutive_correct = excluded.consecutive_correct",
    )
    .bind(student_id)
    .bind(course_id)
    .bind(skill_id)
    .bind(p.p_mastery)
    .bind(i64::from(p.attempts))
    .bind(i64::from(p.correct))
    .bind(i64::from(p.consecutive_wrong))
    .bind(p.mastered_at)
    .bind(p.last_at)
    // sqlx 0.9's Any driver binds a NULL f64 as float4, which poisons the prepared statement
    // on PostgreSQL; floats are therefore always bound as numbers, and `last_review_at`
    // (a BIGINT, NULL when there is no memory) says whether they mean anything.
    .bind(p.memory.map_or(0.0, |m| m.stability))
    .bind(p.memory.map_or(0.0, |m| m.difficulty))
    .bind(p.memory.map(|m| m.last_review_at))
    .bind(i64::from(p.consecutive_correct))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
