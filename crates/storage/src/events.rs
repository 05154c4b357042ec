//! The append-only event log and the mastery projection built from it.
//!
//! [`Store::record_answer`] appends the answer event and updates the projection in one
//! transaction, idempotently: a retried submission (same student, same idempotency key)
//! stores nothing new and returns what was stored the first time.
//! [`Store::rebuild_mastery`] throws the projection away and replays every event that
//! moves it. Both go through the core's one rule, [`ownpace_core::events::apply`].

use crate::{Conflict, Result, Store, StoreError, new_id};
use ownpace_core::events::{self, EventKind, LearnerEvent, LearnerState};
use ownpace_core::ids::{ClassId, CourseId, EventId, ItemId, SkillId, UserId};
use ownpace_core::learner::bkt::BktParams;
use ownpace_core::progress::SkillProgress;
use ownpace_core::review::MemoryState;
use sqlx::{Any, Transaction};
use std::collections::HashMap;

/// A graded answer to record.
#[derive(Debug, Clone)]
pub struct AnswerRecord<'a> {
    pub student_id: &'a UserId,
    pub course_id: &'a CourseId,
    pub course_version: i64,
    pub item_id: &'a ItemId,
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
    pub student_id: &'a UserId,
    pub course_id: &'a CourseId,
    pub course_version: i64,
    pub kind: EventKind,
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
    pub event_id: EventId,
    /// True when this key had been recorded before: nothing new was stored, and the
    /// fields below describe the first submission.
    pub duplicate: bool,
    pub response: String,
    pub correct: bool,
    /// Per skill of the item, in the item's order: the progress just before and just
    /// after this answer (before is the prior, with no answer, for a skill never touched).
    /// For a duplicate, the first submission's, replayed from the events.
    pub mastery: Vec<events::SkillChange>,
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

/// One row of the projection.
#[derive(Debug, Clone, PartialEq)]
pub struct MasteryRow {
    pub student_id: UserId,
    pub skill_id: SkillId,
    pub progress: SkillProgress,
}

/// An event as shown in a student's history.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub id: EventId,
    pub kind: EventKind,
    pub skills: Vec<String>,
    pub item_id: Option<String>,
    pub response: Option<String>,
    pub correct: Option<bool>,
    pub occurred_at: i64,
    pub duration_ms: Option<i64>,
}

/// A `mastery` row as selected by [`mastery_columns!`].
#[derive(sqlx::FromRow)]
struct MasteryColumns {
    student_id: String,
    skill_id: String,
    p_mastery: f64,
    attempts: i64,
    correct: i64,
    consecutive_wrong: i64,
    mastered_at: Option<i64>,
    last_at: i64,
    stability: Option<f64>,
    difficulty: Option<f64>,
    last_review_at: Option<i64>,
    consecutive_correct: i64,
}

fn progress_from(row: MasteryColumns) -> MasteryRow {
    let MasteryColumns {
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
    } = row;
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
        student_id: student_id.into(),
        skill_id: skill_id.into(),
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
        self.record_graded(EventKind::Answer, answer, params_for)
            .await
    }

    /// Appends a paper answer from a printed practice sheet that a teacher confirmed or
    /// entered (`sheet-answer`): it moves mastery exactly like an answer, in one
    /// transaction, idempotently, but is not screen time.
    pub async fn record_sheet_answer(
        &self,
        answer: &AnswerRecord<'_>,
        params_for: impl Fn(&str) -> BktParams,
    ) -> Result<RecordedAnswer> {
        self.record_graded(EventKind::SheetAnswer, answer, params_for)
            .await
    }

    /// Appends a teacher's level on one rubric criterion for one student
    /// (`project-assessment`, built from [`ownpace_core::events::assessment`]): `answer`
    /// names the criterion as its item (`project/criterion-number`), carries the skills of
    /// the criterion, `correct` when the level reaches "meets", and the level as its
    /// response. It moves mastery like one answer per skill, in one transaction,
    /// idempotently, and `rebuild` replays it.
    pub async fn record_project_assessment(
        &self,
        answer: &AnswerRecord<'_>,
        params_for: impl Fn(&str) -> BktParams,
    ) -> Result<RecordedAnswer> {
        self.record_graded(EventKind::ProjectAssessment, answer, params_for)
            .await
    }

    async fn record_graded(
        &self,
        kind: EventKind,
        answer: &AnswerRecord<'_>,
        params_for: impl Fn(&str) -> BktParams,
    ) -> Result<RecordedAnswer> {
        check_idempotency_key(answer.idempotency_key)?;
        let mut tx = self.pool.begin().await?;
        let event_id = new_id();
        let inserted = insert_graded(&mut *tx, &event_id, kind, answer).await?;

        if inserted == 0 {
            let first =
                first_use(&mut *tx, answer.student_id.as_str(), answer.idempotency_key).await?;
            if !first.is(
                kind,
                answer.course_id.as_str(),
                Some(answer.item_id.as_str()),
            ) {
                tx.rollback().await?;
                return Err(StoreError::Conflict(Conflict::KeyReused));
            }
            let FirstUse {
                id: event_id,
                response,
                correct,
                ..
            } = first;
            let mastery = replay_until(
                &mut tx,
                answer.student_id.as_str(),
                answer.course_id.as_str(),
                &event_id,
                &params_for,
            )
            .await?;
            tx.rollback().await?;
            return Ok(RecordedAnswer {
                event_id: event_id.into(),
                duplicate: true,
                response: response.unwrap_or_default(),
                correct: correct.unwrap_or(0) != 0,
                mastery,
            });
        }

        let event = LearnerEvent::Answer {
            skills: answer.skills,
            correct: answer.correct,
            at: answer.occurred_at,
        };
        let changes = apply_in_tx(
            &mut tx,
            answer.student_id.as_str(),
            answer.course_id.as_str(),
            &event,
            &params_for,
        )
        .await?;
        tx.commit().await?;
        Ok(RecordedAnswer {
            event_id: event_id.into(),
            duplicate: false,
            response: answer.response.to_string(),
            correct: answer.correct,
            mastery: changes,
        })
    }

    /// Appends a non-answer event. Returns false when the key was already recorded.
    pub async fn record_event(&self, event: &EventRecord<'_>) -> Result<bool> {
        if event.kind.moves_mastery() {
            return Err(StoreError::Conflict(Conflict::MovesMastery {
                kind: event.kind,
            }));
        }
        check_idempotency_key(event.idempotency_key)?;
        let inserted = sqlx::query(
            "INSERT INTO events (id, student_id, course_id, course_version, kind, skills, item_id, \
             response, correct, occurred_at, duration_ms, idempotency_key, data) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, NULL, $8, $9, $10, $11) \
             ON CONFLICT (student_id, idempotency_key) DO NOTHING",
        )
        .bind(new_id())
        .bind(event.student_id.as_str())
        .bind(event.course_id.as_str())
        .bind(event.course_version)
        .bind(event.kind.as_str())
        .bind(join_skills(event.skills))
        .bind(event.item_id)
        .bind(event.occurred_at)
        .bind(event.duration_ms)
        .bind(event.idempotency_key)
        .bind(event.data)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if inserted == 0 {
            let first =
                first_use(&self.pool, event.student_id.as_str(), event.idempotency_key).await?;
            if !first.is(event.kind, event.course_id.as_str(), event.item_id) {
                return Err(StoreError::Conflict(Conflict::KeyReused));
            }
        }
        Ok(inserted > 0)
    }

    /// Appends an answer given during the placement check. It does not move mastery: the
    /// check's outcome does, through [`Store::record_placement_result`].
    /// A key reused for another item answers [`Conflict::KeyReused`].
    pub async fn record_placement_answer(&self, answer: &AnswerRecord<'_>) -> Result<bool> {
        self.record_unscored_answer(EventKind::PlacementAnswer, answer)
            .await
    }

    /// Appends an answer to a pilot's post-test (issue 12). Like a placement answer it
    /// moves no mastery; the pilot's outcome is computed from these events.
    pub async fn record_post_test_answer(&self, answer: &AnswerRecord<'_>) -> Result<bool> {
        self.record_unscored_answer(EventKind::PostTestAnswer, answer)
            .await
    }

    /// A graded answer that moves nothing (placement, post-test); `false` when its key
    /// was used before for the same item.
    async fn record_unscored_answer(
        &self,
        kind: EventKind,
        answer: &AnswerRecord<'_>,
    ) -> Result<bool> {
        check_idempotency_key(answer.idempotency_key)?;
        if insert_graded(&self.pool, &new_id(), kind, answer).await? > 0 {
            return Ok(true);
        }
        let first = first_use(
            &self.pool,
            answer.student_id.as_str(),
            answer.idempotency_key,
        )
        .await?;
        if !first.is(
            kind,
            answer.course_id.as_str(),
            Some(answer.item_id.as_str()),
        ) {
            return Err(StoreError::Conflict(Conflict::KeyReused));
        }
        Ok(false)
    }

    /// The placement answers of a student in a course, in order: (skill, correct).
    pub async fn placement_answers(
        &self,
        student_id: &UserId,
        course_id: &CourseId,
    ) -> Result<Vec<(String, bool)>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT skills, correct FROM events WHERE student_id = $1 AND course_id = $2 \
             AND kind = $3 ORDER BY occurred_at, id",
        )
        .bind(student_id.as_str())
        .bind(course_id.as_str())
        .bind(EventKind::PlacementAnswer.as_str())
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

    /// A student's post-test answers in a course since `since` (ms), oldest first:
    /// (item id, correct).
    pub async fn post_test_answers(
        &self,
        student_id: &UserId,
        course_id: &CourseId,
        since: i64,
    ) -> Result<Vec<(String, bool)>> {
        let rows: Vec<(Option<String>, i64)> = sqlx::query_as(
            "SELECT item_id, correct FROM events WHERE student_id = $1 AND course_id = $2 \
             AND kind = $3 AND occurred_at >= $4 ORDER BY occurred_at, id",
        )
        .bind(student_id.as_str())
        .bind(course_id.as_str())
        .bind(EventKind::PostTestAnswer.as_str())
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(item, correct)| Some((item?, correct != 0)))
            .collect())
    }

    /// The outcome of the student's placement check, if they finished one:
    /// (time, per-skill beliefs, questions asked).
    pub async fn placement_result(
        &self,
        student_id: &UserId,
        course_id: &CourseId,
    ) -> Result<Option<PlacementRecord>> {
        let row: Option<(i64, Option<String>)> = sqlx::query_as(
            "SELECT occurred_at, data FROM events WHERE student_id = $1 AND course_id = $2 \
             AND kind = $3 ORDER BY occurred_at DESC, id DESC LIMIT 1",
        )
        .bind(student_id.as_str())
        .bind(course_id.as_str())
        .bind(EventKind::Placement.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(at, data)| {
            let record = placement_data(data.as_deref())?;
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
        student_id: &UserId,
        course_id: &CourseId,
        course_version: i64,
        result: &PlacementRecord,
        params_for: impl Fn(&str) -> BktParams,
    ) -> Result<bool> {
        let PlacementRecord {
            at,
            ref beliefs,
            questions,
        } = *result;
        let data = serde_json::to_string(&PlacementData {
            beliefs: beliefs.clone(),
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
             VALUES ($1, $2, $3, $4, $5, '', NULL, NULL, NULL, $6, NULL, $7, $8) \
             ON CONFLICT (student_id, idempotency_key) DO NOTHING",
        )
        .bind(new_id())
        .bind(student_id.as_str())
        .bind(course_id.as_str())
        .bind(course_version)
        .bind(EventKind::Placement.as_str())
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
        let event = LearnerEvent::Placement { beliefs, at };
        apply_in_tx(
            &mut tx,
            student_id.as_str(),
            course_id.as_str(),
            &event,
            &params_for,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Mastery rows of one student in one course.
    pub async fn student_mastery(
        &self,
        student_id: &UserId,
        course_id: &CourseId,
    ) -> Result<Vec<MasteryRow>> {
        let rows: Vec<MasteryColumns> = sqlx::query_as(concat!(
            "SELECT ",
            mastery_columns!(),
            " FROM mastery m WHERE m.student_id = $1 AND m.course_id = $2 \
             ORDER BY m.skill_id"
        ))
        .bind(student_id.as_str())
        .bind(course_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(progress_from).collect())
    }

    /// Mastery rows of every student enrolled in a class, for the class's course.
    pub async fn class_mastery(&self, class_id: &ClassId) -> Result<Vec<MasteryRow>> {
        let rows: Vec<MasteryColumns> = sqlx::query_as(concat!(
            "SELECT ",
            mastery_columns!(),
            " FROM mastery m \
             JOIN enrollments e ON e.student_id = m.student_id \
             JOIN classes c ON c.id = e.class_id AND c.course_id = m.course_id \
             WHERE e.class_id = $1 AND e.left_at IS NULL ORDER BY m.student_id, m.skill_id"
        ))
        .bind(class_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(progress_from).collect())
    }

    /// Per enrolled student: time of their latest event in the class's course, if any.
    pub async fn class_last_activity(&self, class_id: &ClassId) -> Result<HashMap<String, i64>> {
        // One index seek per student (events_student_time, newest first), not a scan of
        // the class's whole history: the dashboard stays fast as the year goes on.
        let rows: Vec<(String, Option<i64>)> = sqlx::query_as(
            "SELECT e.student_id, (SELECT ev.occurred_at FROM events ev \
             WHERE ev.student_id = e.student_id AND ev.course_id = c.course_id \
             ORDER BY ev.occurred_at DESC LIMIT 1) \
             FROM enrollments e JOIN classes c ON c.id = e.class_id WHERE e.class_id = $1 AND e.left_at IS NULL",
        )
        .bind(class_id.as_str())
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
        student_id: &UserId,
        course_id: &CourseId,
        limit: i64,
    ) -> Result<Vec<StoredEvent>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: String,
            kind: String,
            skills: String,
            item_id: Option<String>,
            response: Option<String>,
            correct: Option<i64>,
            occurred_at: i64,
            duration_ms: Option<i64>,
        }
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, kind, skills, item_id, response, correct, occurred_at, duration_ms FROM events \
             WHERE student_id = $1 AND course_id = $2 ORDER BY occurred_at DESC, id DESC LIMIT $3",
        )
        .bind(student_id.as_str())
        .bind(course_id.as_str())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(StoredEvent {
                    kind: stored_kind(&row.kind)?,
                    skills: split_skills(&row.skills),
                    correct: row.correct.map(|c| c != 0),
                    id: row.id.into(),
                    item_id: row.item_id,
                    response: row.response,
                    occurred_at: row.occurred_at,
                    duration_ms: row.duration_ms,
                })
            })
            .collect()
    }

    /// The lessons a student marked as finished in a course (on screen or offline), each
    /// with when it was last finished. One seek per kind (index `events_student_kind`).
    pub async fn lessons_done(
        &self,
        student_id: &UserId,
        course_id: &CourseId,
    ) -> Result<Vec<(String, i64)>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT item_id, MAX(occurred_at) FROM events \
             WHERE student_id = $1 AND course_id = $2 AND kind IN ($3, $4) \
             AND item_id IS NOT NULL GROUP BY item_id",
        )
        .bind(student_id.as_str())
        .bind(course_id.as_str())
        .bind(EventKind::Lesson.as_str())
        .bind(EventKind::OfflineActivity.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    /// A student's graded answers in a course, newest first, at most `limit` (answers given
    /// in the same millisecond come in no particular order: the order of the index
    /// `events_student_kind` is what keeps this a bounded read on both engines).
    pub async fn student_answers(
        &self,
        student_id: &UserId,
        course_id: &CourseId,
        limit: i64,
    ) -> Result<Vec<StoredEvent>> {
        self.events_of_kind(
            student_id.as_str(),
            course_id.as_str(),
            EventKind::Answer,
            limit,
        )
        .await
    }

    async fn events_of_kind(
        &self,
        student_id: &str,
        course_id: &str,
        kind: EventKind,
        limit: i64,
    ) -> Result<Vec<StoredEvent>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: String,
            skills: String,
            item_id: Option<String>,
            correct: Option<i64>,
            occurred_at: i64,
            duration_ms: Option<i64>,
        }
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, skills, item_id, correct, occurred_at, duration_ms FROM events \
             WHERE student_id = $1 AND course_id = $2 AND kind = $3 \
             ORDER BY occurred_at DESC LIMIT $4",
        )
        .bind(student_id)
        .bind(course_id)
        .bind(kind.as_str())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| StoredEvent {
                id: row.id.into(),
                kind,
                skills: split_skills(&row.skills),
                item_id: row.item_id,
                response: None,
                correct: row.correct.map(|c| c != 0),
                occurred_at: row.occurred_at,
                duration_ms: row.duration_ms,
            })
            .collect())
    }

    /// Per item a student has answered in a course: how often, and when last.
    pub async fn answered_items(
        &self,
        student_id: &UserId,
        course_id: &CourseId,
    ) -> Result<HashMap<String, (i64, i64)>> {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT item_id, CAST(COUNT(*) AS BIGINT), MAX(occurred_at) FROM events \
             WHERE student_id = $1 AND course_id = $2 AND kind = $3 AND item_id IS NOT NULL \
             GROUP BY item_id",
        )
        .bind(student_id.as_str())
        .bind(course_id.as_str())
        .bind(EventKind::Answer.as_str())
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
        student_id: &UserId,
        course_id: &CourseId,
        since: i64,
    ) -> Result<i64> {
        let (total,): (Option<i64>,) = sqlx::query_as(
            "SELECT CAST(SUM(duration_ms) AS BIGINT) FROM events \
             WHERE student_id = $1 AND course_id = $2 AND occurred_at >= $3",
        )
        .bind(student_id.as_str())
        .bind(course_id.as_str())
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok(total.unwrap_or(0))
    }

    /// Replaces the whole mastery projection with a replay of every event that moves it,
    /// in one transaction, and records the core's rule version it was computed with.
    /// Returns the number of answers replayed.
    pub async fn rebuild_mastery(&self, params_for: impl Fn(&str) -> BktParams) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        stamp_rule_version(&mut tx, false).await?;
        let answers = replay_into(&mut tx, &params_for).await?;
        tx.commit().await?;
        Ok(answers)
    }

    /// Rebuilds the projection when it was computed with another version of the core's
    /// rule than this build's (`ownpace_core::progress::RULE_VERSION`); `None` when it is
    /// current. Safe with several servers starting at once: the version row is written
    /// first, so one rebuild runs and the others find the projection current.
    pub async fn rebuild_mastery_if_rule_changed(
        &self,
        params_for: impl Fn(&str) -> BktParams,
    ) -> Result<Option<u64>> {
        let mut tx = self.pool.begin().await?;
        if !stamp_rule_version(&mut tx, true).await? {
            tx.rollback().await?;
            return Ok(None);
        }
        let answers = replay_into(&mut tx, &params_for).await?;
        tx.commit().await?;
        Ok(Some(answers))
    }

    /// Appends many graded answers at once, in one transaction, without touching the
    /// projection (follow with [`Store::rebuild_mastery`]). For benchmarks that need a
    /// year of history per student in seconds; the product records answers one by one.
    #[cfg(any(test, feature = "testing"))]
    pub async fn append_answers_in_bulk(&self, answers: &[AnswerRecord<'_>]) -> Result<u64> {
        // 12 values a row; 400 rows stay far below both engines' placeholder limits.
        const ROWS: usize = 400;
        let mut tx = self.pool.begin().await?;
        let mut written = 0;
        for chunk in answers.chunks(ROWS) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|r| {
                    let n: Vec<String> = (1..=12).map(|k| format!("${}", r * 12 + k)).collect();
                    format!("({}, NULL)", n.join(", "))
                })
                .collect();
            let sql = format!(
                "INSERT INTO events (id, student_id, course_id, course_version, kind, skills, \
                 item_id, response, correct, occurred_at, duration_ms, idempotency_key, data) \
                 VALUES {}",
                rows.join(", ")
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for a in chunk {
                query = query
                    .bind(new_id())
                    .bind(a.student_id.as_str())
                    .bind(a.course_id.as_str())
                    .bind(a.course_version)
                    .bind(EventKind::Answer.as_str())
                    .bind(join_skills(a.skills))
                    .bind(a.item_id.as_str())
                    .bind(a.response)
                    .bind(i64::from(a.correct))
                    .bind(a.occurred_at)
                    .bind(a.duration_ms)
                    .bind(a.idempotency_key);
            }
            written += query.execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
        Ok(written)
    }

    /// Drops the record of the rule version, as a database from before versions has none
    /// (tests of the upgrade path).
    #[cfg(any(test, feature = "testing"))]
    pub async fn forget_mastery_rule_version(&self) -> Result<()> {
        sqlx::query("DELETE FROM projection_rules WHERE name = 'mastery'")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The rule version the projection was last computed with (1 before versions existed).
    pub async fn mastery_rule_version(&self) -> Result<i64> {
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT version FROM projection_rules WHERE name = 'mastery'")
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map_or(1, |(v,)| v))
    }
}

/// Records this build's rule version for the mastery projection, as the transaction's first
/// write. With `only_if_changed`, writes nothing (and returns false) when it is current.
async fn stamp_rule_version(tx: &mut Transaction<'_, Any>, only_if_changed: bool) -> Result<bool> {
    let version = i64::from(ownpace_core::progress::RULE_VERSION);
    let sql = if only_if_changed {
        "INSERT INTO projection_rules (name, version) VALUES ('mastery', $1) \
         ON CONFLICT (name) DO UPDATE SET version = excluded.version \
         WHERE projection_rules.version <> excluded.version"
    } else {
        "INSERT INTO projection_rules (name, version) VALUES ('mastery', $1) \
         ON CONFLICT (name) DO UPDATE SET version = excluded.version"
    };
    let written = sqlx::query(sql)
        .bind(version)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    Ok(written > 0)
}

/// Throws the projection away and replays the events into it; returns the answers replayed.
async fn replay_into(
    tx: &mut Transaction<'_, Any>,
    params_for: &impl Fn(&str) -> BktParams,
) -> Result<u64> {
    sqlx::query("DELETE FROM mastery")
        .execute(&mut **tx)
        .await?;
    #[derive(sqlx::FromRow)]
    struct Row {
        student_id: String,
        course_id: String,
        kind: String,
        skills: String,
        correct: Option<i64>,
        occurred_at: i64,
        data: Option<String>,
    }
    let events: Vec<Row> = sqlx::query_as(
        "SELECT student_id, course_id, kind, skills, correct, occurred_at, data FROM events \
             WHERE kind IN ($1, $2, $3, $4) ORDER BY occurred_at, id",
    )
    .bind(EventKind::Answer.as_str())
    .bind(EventKind::Placement.as_str())
    .bind(EventKind::SheetAnswer.as_str())
    .bind(EventKind::ProjectAssessment.as_str())
    .fetch_all(&mut **tx)
    .await?;
    let mut states: HashMap<(String, String), LearnerState> = HashMap::new();
    let mut answers = 0u64;
    for row in &events {
        let at = row.occurred_at;
        let state = states
            .entry((row.student_id.clone(), row.course_id.clone()))
            .or_default();
        match stored_kind(&row.kind)? {
            EventKind::Placement => {
                let placement = placement_data(row.data.as_deref())?;
                let event = LearnerEvent::Placement {
                    beliefs: &placement.beliefs,
                    at,
                };
                events::apply(state, &event, params_for);
            }
            EventKind::Answer | EventKind::SheetAnswer | EventKind::ProjectAssessment => {
                answers += 1;
                let skills = split_skills(&row.skills);
                let event = LearnerEvent::Answer {
                    skills: &skills,
                    correct: row.correct.unwrap_or(0) != 0,
                    at,
                };
                events::apply(state, &event, params_for);
            }
            _ => {}
        }
    }
    for ((student, course), state) in &states {
        for (skill, progress) in state {
            save_progress(tx, student, course, skill, progress).await?;
        }
    }
    Ok(answers)
}

/// What the answer event `event_id` changed when it was recorded: the student's events in
/// the course that move mastery, replayed through the core's rule up to that one (with
/// today's parameters, which are the first submission's unless `ownpace fit` ran since).
/// Used only for a repeated submission, so its cost (one student's history) is rare.
async fn replay_until(
    tx: &mut Transaction<'_, Any>,
    student_id: &str,
    course_id: &str,
    event_id: &str,
    params_for: &impl Fn(&str) -> BktParams,
) -> Result<Vec<events::SkillChange>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: String,
        kind: String,
        skills: String,
        correct: Option<i64>,
        occurred_at: i64,
        data: Option<String>,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, kind, skills, correct, occurred_at, data FROM events \
         WHERE student_id = $1 AND course_id = $2 AND kind IN ($3, $4, $5, $6) \
         ORDER BY occurred_at, id",
    )
    .bind(student_id)
    .bind(course_id)
    .bind(EventKind::Answer.as_str())
    .bind(EventKind::Placement.as_str())
    .bind(EventKind::SheetAnswer.as_str())
    .bind(EventKind::ProjectAssessment.as_str())
    .fetch_all(&mut **tx)
    .await?;
    let mut state = LearnerState::default();
    for row in &rows {
        let at = row.occurred_at;
        let changes = match stored_kind(&row.kind)? {
            EventKind::Placement => {
                let placement = placement_data(row.data.as_deref())?;
                let event = LearnerEvent::Placement {
                    beliefs: &placement.beliefs,
                    at,
                };
                events::apply(&mut state, &event, params_for)
            }
            _ => {
                let skills = split_skills(&row.skills);
                let event = LearnerEvent::Answer {
                    skills: &skills,
                    correct: row.correct.unwrap_or(0) != 0,
                    at,
                };
                events::apply(&mut state, &event, params_for)
            }
        };
        if row.id == event_id {
            return Ok(changes);
        }
    }
    Err(StoreError::NotFound {
        what: "answer event",
        id: event_id.to_string(),
    })
}

/// The longest idempotency key stored: the client's key (1 to 100 characters, checked at
/// the web edge) plus the short prefix or suffix the web adds (`placement:`, `:hint:2`).
pub const MAX_IDEMPOTENCY_KEY_BYTES: usize = 128;

fn check_idempotency_key(key: &str) -> Result<()> {
    if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY_BYTES {
        return Err(StoreError::Invalid {
            field: "idempotency_key",
            message: format!("must be 1 to {MAX_IDEMPOTENCY_KEY_BYTES} bytes"),
        });
    }
    Ok(())
}

/// The event an idempotency key was first used for.
struct FirstUse {
    id: String,
    kind: String,
    course_id: String,
    item_id: Option<String>,
    response: Option<String>,
    correct: Option<i64>,
}

impl FirstUse {
    /// Whether a retry with the same key is the same interaction: same kind, course and
    /// item (or lesson). Anything else reuses a key and must not get the first's outcome.
    fn is(&self, kind: EventKind, course_id: &str, item_id: Option<&str>) -> bool {
        self.kind == kind.as_str()
            && self.course_id == course_id
            && self.item_id.as_deref() == item_id
    }
}

async fn first_use<'e>(
    executor: impl sqlx::Executor<'e, Database = Any>,
    student_id: &str,
    key: &str,
) -> Result<FirstUse> {
    let (id, kind, course_id, item_id, response, correct): (
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<i64>,
    ) = sqlx::query_as(
        "SELECT id, kind, course_id, item_id, response, correct FROM events \
         WHERE student_id = $1 AND idempotency_key = $2",
    )
    .bind(student_id)
    .bind(key)
    .fetch_one(executor)
    .await?;
    Ok(FirstUse {
        id,
        kind,
        course_id,
        item_id,
        response,
        correct,
    })
}

/// Appends a graded event (`answer` or `placement-answer`); 0 rows when its idempotency
/// key was recorded before.
pub(crate) async fn insert_graded<'e>(
    executor: impl sqlx::Executor<'e, Database = Any>,
    event_id: &str,
    kind: EventKind,
    answer: &AnswerRecord<'_>,
) -> Result<u64> {
    Ok(sqlx::query(
        "INSERT INTO events (id, student_id, course_id, course_version, kind, skills, item_id, \
         response, correct, occurred_at, duration_ms, idempotency_key, data) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL) \
         ON CONFLICT (student_id, idempotency_key) DO NOTHING",
    )
    .bind(event_id)
    .bind(answer.student_id.as_str())
    .bind(answer.course_id.as_str())
    .bind(answer.course_version)
    .bind(kind.as_str())
    .bind(join_skills(answer.skills))
    .bind(answer.item_id.as_str())
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

/// Loads the state of the skills an event touches, applies the event with the core's one
/// rule, and saves what changed, inside the caller's transaction.
pub(crate) async fn apply_in_tx(
    tx: &mut Transaction<'_, Any>,
    student_id: &str,
    course_id: &str,
    event: &LearnerEvent<'_>,
    params_for: &impl Fn(&str) -> BktParams,
) -> Result<Vec<events::SkillChange>> {
    let mut state = LearnerState::new();
    for skill in event.skills() {
        if let Some(progress) = load_progress(tx, student_id, course_id, skill).await? {
            state.insert(skill.to_string(), progress);
        }
    }
    let changes = events::apply(&mut state, event, params_for);
    for change in &changes {
        save_progress(tx, student_id, course_id, &change.skill, &change.after).await?;
    }
    Ok(changes)
}

/// The kind of a stored event; a name this build does not know means the database was
/// written by a newer Ownpace.
pub(crate) fn stored_kind(name: &str) -> Result<EventKind> {
    EventKind::from_name(name).ok_or_else(|| StoreError::Corrupt {
        what: "events.kind",
        detail: format!("unknown event kind `{name}`: was this database used by a newer Ownpace?"),
    })
}

fn placement_data(data: Option<&str>) -> Result<PlacementData> {
    serde_json::from_str(data.unwrap_or("{}")).map_err(|e| StoreError::Corrupt {
        what: "events.data (placement)",
        detail: e.to_string(),
    })
}

#[cfg(test)]
mod replay {
    //! "Events are the truth": random event streams written through the live path give
    //! the same projection as `rebuild_mastery`'s replay of the stored events, and as the
    //! core's rule applied in memory.
    use super::*;
    use crate::testing::scratch;
    use crate::{Backend, NewUser, Role};
    use proptest::prelude::*;

    const SKILLS: [&str; 3] = ["a", "b", "c"];
    const DAY: i64 = 86_400_000;

    #[derive(Debug, Clone)]
    enum Step {
        Answer {
            student: usize,
            skills: Vec<usize>,
            correct: bool,
            gap: i64,
        },
        Placement {
            student: usize,
            beliefs: Vec<f64>,
            gap: i64,
        },
        /// A teacher's level (1 to 4) on a four-level criterion assessing `skills`.
        Assessment {
            student: usize,
            skills: Vec<usize>,
            points: u32,
            gap: i64,
        },
    }

    fn criterion(skills: Vec<String>) -> ownpace_core::course::RubricCriterion {
        ownpace_core::course::RubricCriterion {
            name: "c".into(),
            levels: (1..=4)
                .map(|points| ownpace_core::course::RubricLevel {
                    points,
                    description: String::new(),
                })
                .collect(),
            skills,
        }
    }

    fn step() -> impl Strategy<Value = Step> {
        // Gaps from a minute to 40 days, so reviews fall due and memories decay.
        let gap = prop_oneof![60_000i64..3_600_000, DAY..40 * DAY];
        prop_oneof![
            8 => (0..2usize, proptest::sample::subsequence(vec![0, 1, 2], 1..=2), any::<bool>(), gap.clone())
                .prop_map(|(student, skills, correct, gap)| Step::Answer { student, skills, correct, gap }),
            1 => (0..2usize, proptest::collection::vec(0.0f64..=1.0, 3), gap.clone())
                .prop_map(|(student, beliefs, gap)| Step::Placement { student, beliefs, gap }),
            2 => (0..2usize, proptest::sample::subsequence(vec![0, 1, 2], 1..=2), 1u32..=4, gap)
                .prop_map(|(student, skills, points, gap)| Step::Assessment { student, skills, points, gap }),
        ]
    }

    fn params(skill: &str) -> BktParams {
        // Different parameters per skill, with forgetting, so a mix-up would show.
        let index = SKILLS.iter().position(|s| *s == skill).unwrap_or(0);
        BktParams {
            learn: 0.1 + 0.1 * index as f64,
            forget: 0.02,
            ..BktParams::default()
        }
    }

    async fn live_then_rebuild(
        backend: Backend,
        steps: &[Step],
    ) -> (
        Vec<MasteryRow>,
        Vec<MasteryRow>,
        HashMap<String, LearnerState>,
    ) {
        let db = scratch(backend).await;
        let store = Store::connect(&db.url).await.expect("connect");
        let mut students = Vec::new();
        for name in ["s0", "s1"] {
            let user = store
                .create_user(NewUser {
                    username: name,
                    display_name: name,
                    role: Role::Student,
                    password_hash: "x",
                    created_at: 0,
                })
                .await
                .expect("student");
            students.push(user.id);
        }
        let mut memory = vec![LearnerState::new(), LearnerState::new()];
        let mut at = 1_000_000;
        for (n, step) in steps.iter().enumerate() {
            match step {
                Step::Answer {
                    student,
                    skills,
                    correct,
                    gap,
                } => {
                    at += gap;
                    let skills: Vec<String> =
                        skills.iter().map(|&i| SKILLS[i].to_string()).collect();
                    store
                        .record_answer(
                            &AnswerRecord {
                                student_id: &students[*student],
                                course_id: &"c".into(),
                                course_version: 1,
                                item_id: &"i".into(),
                                skills: &skills,
                                response: "{}",
                                correct: *correct,
                                occurred_at: at,
                                duration_ms: None,
                                idempotency_key: &format!("k{n}"),
                            },
                            params,
                        )
                        .await
                        .expect("answer");
                    let event = LearnerEvent::Answer {
                        skills: &skills,
                        correct: *correct,
                        at,
                    };
                    events::apply(&mut memory[*student], &event, &params);
                }
                Step::Placement {
                    student,
                    beliefs,
                    gap,
                } => {
                    at += gap;
                    let beliefs: Vec<(String, f64)> = SKILLS
                        .iter()
                        .map(|s| s.to_string())
                        .zip(beliefs.iter().copied())
                        .collect();
                    let first = store
                        .record_placement_result(
                            &students[*student],
                            &"c".into(),
                            1,
                            &PlacementRecord {
                                at,
                                beliefs: beliefs.clone(),
                                questions: 3,
                            },
                            params,
                        )
                        .await
                        .expect("placement");
                    if first {
                        let event = LearnerEvent::Placement {
                            beliefs: &beliefs,
                            at,
                        };
                        events::apply(&mut memory[*student], &event, &params);
                    }
                }
                Step::Assessment {
                    student,
                    skills,
                    points,
                    gap,
                } => {
                    at += gap;
                    let criterion =
                        criterion(skills.iter().map(|&i| SKILLS[i].to_string()).collect());
                    let assessment = events::assessment(&criterion, *points, at).expect("a level");
                    store
                        .record_project_assessment(
                            &AnswerRecord {
                                student_id: &students[*student],
                                course_id: &"c".into(),
                                course_version: 1,
                                item_id: &"p/1".into(),
                                skills: assessment.skills,
                                response: &points.to_string(),
                                correct: assessment.meets_level(),
                                occurred_at: at,
                                duration_ms: None,
                                idempotency_key: &format!("k{n}"),
                            },
                            params,
                        )
                        .await
                        .expect("assessment");
                    events::apply(&mut memory[*student], &assessment.event(), &params);
                }
            }
        }
        let read = |store: Store, students: Vec<UserId>| async move {
            let mut rows = Vec::new();
            for s in &students {
                rows.extend(store.student_mastery(s, &"c".into()).await.expect("read"));
            }
            rows
        };
        let live = read(store.clone(), students.clone()).await;
        store.rebuild_mastery(params).await.expect("rebuild");
        let rebuilt = read(store.clone(), students.clone()).await;
        store.close().await;
        (
            live,
            rebuilt,
            students
                .into_iter()
                .map(UserId::into_string)
                .zip(memory)
                .collect(),
        )
    }

    fn check(backend: Backend, steps: Vec<Step>) -> Result<(), TestCaseError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let (live, rebuilt, memory) = runtime.block_on(live_then_rebuild(backend, &steps));
        prop_assert_eq!(&live, &rebuilt);
        let in_memory: usize = memory.values().map(|m| m.len()).sum();
        prop_assert_eq!(live.len(), in_memory);
        for row in &live {
            let replayed = memory
                .get(row.student_id.as_str())
                .and_then(|m| m.get(row.skill_id.as_str()));
            prop_assert_eq!(
                replayed,
                Some(&row.progress),
                "the core's replay of {:?}",
                row
            );
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
        #[test]
        fn live_projection_equals_replay_sqlite(steps in proptest::collection::vec(step(), 1..40)) {
            check(Backend::Sqlite, steps)?;
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]
        #[test]
        fn live_projection_equals_replay_postgres(steps in proptest::collection::vec(step(), 1..30)) {
            check(Backend::Postgres, steps)?;
        }
    }
}
