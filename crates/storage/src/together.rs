//! Working together (issue 10, points 6 and 7): the class's solo/group balance threshold,
//! time a student recorded (or a teacher recorded for them) working with others, the
//! other facts the balance counts as time with others (offline lessons, check-ins held),
//! students who offered to help on a skill, and the pairs a teacher made.
//!
//! Rows, not events: none of this moves mastery. Every text is length-limited here
//! ([`ownpace_core::balance::check_recorded`]), so no caller can store more.

use crate::{Result, Store, StoreError, new_id};
use ownpace_core::balance::{self, BalanceError};
use ownpace_core::events::EventKind;
use ownpace_core::ids::{ClassId, CourseId, SkillId, UserId};

/// "Every skill I have mastered" in a helper's offer.
pub const EVERY_SKILL: &str = "*";
/// The longest skill id an offer may name (course ids are shorter).
const MAX_SKILL_ID_BYTES: usize = 100;

/// One "worked with others" entry as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct TogetherEntry {
    pub id: String,
    pub student_id: UserId,
    pub minutes: u32,
    pub what: String,
    /// The teacher who recorded it; `None` when the student did.
    pub recorded_by_teacher: Option<UserId>,
    pub occurred_at: i64,
}

/// A student's offer to help on a skill ([`EVERY_SKILL`] for all they mastered).
#[derive(Debug, Clone, PartialEq)]
pub struct HelperOffer {
    pub student_id: UserId,
    pub skill_id: String,
    pub offered_at: i64,
}

/// A helper paired with a stuck classmate by a teacher.
#[derive(Debug, Clone, PartialEq)]
pub struct HelpPair {
    pub id: String,
    pub class_id: ClassId,
    pub student_id: UserId,
    pub helper_id: UserId,
    pub skill_id: SkillId,
    pub paired_by: UserId,
    pub paired_at: i64,
}

fn invalid(field: &'static str, e: BalanceError) -> StoreError {
    StoreError::Invalid {
        field,
        message: e.to_string(),
    }
}

type PairRow = (String, String, String, String, String, String, i64);

fn pair_from(r: PairRow) -> HelpPair {
    HelpPair {
        id: r.0,
        class_id: r.1.into(),
        student_id: r.2.into(),
        helper_id: r.3.into(),
        skill_id: r.4.into(),
        paired_by: r.5.into(),
        paired_at: r.6,
    }
}

impl Store {
    /// The class's threshold (percent alone at a screen), or the default when none is set.
    pub async fn balance_threshold(&self, class_id: &ClassId) -> Result<u8> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT alone_threshold_percent FROM class_balance_settings WHERE class_id = $1",
        )
        .bind(class_id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row
            .and_then(|(p,)| balance::check_threshold(p).ok())
            .unwrap_or(balance::DEFAULT_THRESHOLD_PERCENT))
    }

    /// Sets the class's threshold (checked: 50 to 100).
    pub async fn set_balance_threshold(
        &self,
        class_id: &ClassId,
        percent: i64,
        by: &UserId,
        at: i64,
    ) -> Result<u8> {
        let percent = balance::check_threshold(percent).map_err(|e| invalid("threshold", e))?;
        sqlx::query(
            "INSERT INTO class_balance_settings (class_id, alone_threshold_percent, set_by, set_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (class_id) DO UPDATE SET \
             alone_threshold_percent = excluded.alone_threshold_percent, \
             set_by = excluded.set_by, set_at = excluded.set_at",
        )
        .bind(class_id.as_str())
        .bind(i64::from(percent))
        .bind(by.as_str())
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(percent)
    }

    /// Records time a student worked with others (checked: 1 to 600 minutes, a description
    /// of 1 to 200 characters). `by_teacher` is `None` when the student records it.
    pub async fn record_together(
        &self,
        student_id: &UserId,
        class_id: &ClassId,
        minutes: i64,
        what: &str,
        by_teacher: Option<&UserId>,
        at: i64,
    ) -> Result<String> {
        let (minutes, what) = balance::check_recorded(minutes, what).map_err(|e| match e {
            BalanceError::Minutes => invalid("minutes", e),
            _ => invalid("what", e),
        })?;
        let id = new_id();
        sqlx::query(
            "INSERT INTO together_time (id, student_id, class_id, minutes, what, \
             recorded_by_teacher, occurred_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(student_id.as_str())
        .bind(class_id.as_str())
        .bind(i64::from(minutes))
        .bind(&what)
        .bind(by_teacher.map(UserId::as_str))
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    /// The student's recorded time with others since `since`, newest first.
    pub async fn together_entries(
        &self,
        student_id: &UserId,
        since: i64,
    ) -> Result<Vec<TogetherEntry>> {
        let rows: Vec<(String, String, i64, String, Option<String>, i64)> = sqlx::query_as(
            "SELECT id, student_id, minutes, what, recorded_by_teacher, occurred_at \
             FROM together_time WHERE student_id = $1 AND occurred_at >= $2 \
             ORDER BY occurred_at DESC, id DESC",
        )
        .bind(student_id.as_str())
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, student, minutes, what, by, at)| TogetherEntry {
                id,
                student_id: student.into(),
                minutes: u32::try_from(minutes).unwrap_or(0),
                what,
                recorded_by_teacher: by.map(UserId::from),
                occurred_at: at,
            })
            .collect())
    }

    /// The offline lessons (hands-on, group) the student marked done since `since`:
    /// course id, lesson id and when. The caller looks up each lesson's minutes.
    pub async fn offline_lessons_since(
        &self,
        student_id: &UserId,
        since: i64,
    ) -> Result<Vec<(CourseId, String, i64)>> {
        let rows: Vec<(String, Option<String>, i64)> = sqlx::query_as(
            "SELECT course_id, item_id, occurred_at FROM events WHERE student_id = $1 \
             AND occurred_at >= $2 AND kind = $3 ORDER BY occurred_at",
        )
        .bind(student_id.as_str())
        .bind(since)
        .bind(EventKind::OfflineActivity.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(course, id, at)| id.map(|id| (CourseId::from(course), id, at)))
            .collect())
    }

    /// When the student's check-ins (in any class) were held since `since`.
    pub async fn checkins_held_since(&self, student_id: &UserId, since: i64) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT held_at FROM checkins WHERE student_id = $1 AND held_at >= $2 \
             ORDER BY held_at",
        )
        .bind(student_id.as_str())
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(at,)| at).collect())
    }

    /// When the student did group project work since `since`: their posts and uploads in
    /// a group's space and the submissions they made (tables of migration 0019), and the
    /// peer reviews they submitted (migration 0022).
    pub async fn project_work_since(&self, student_id: &UserId, since: i64) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT posted_at FROM group_posts WHERE author_id = $1 AND posted_at >= $2 \
             UNION ALL SELECT uploaded_at FROM group_files WHERE uploaded_by = $1 \
             AND uploaded_at >= $2 \
             UNION ALL SELECT submitted_at FROM project_groups WHERE submitted_by = $1 \
             AND submitted_at >= $2 \
             UNION ALL SELECT submitted_at FROM peer_reviews WHERE reviewer_id = $1 \
             AND submitted_at >= $2",
        )
        .bind(student_id.as_str())
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        let mut at: Vec<i64> = rows.into_iter().map(|(t,)| t).collect();
        at.sort_unstable();
        Ok(at)
    }

    /// Offers (or withdraws) the student's help on a skill in a class; [`EVERY_SKILL`]
    /// offers every skill they have mastered. The caller checks the skill is the course's.
    pub async fn set_helper_offer(
        &self,
        student_id: &UserId,
        class_id: &ClassId,
        skill_id: &str,
        offered: bool,
        at: i64,
    ) -> Result<()> {
        if skill_id.is_empty() || skill_id.len() > MAX_SKILL_ID_BYTES {
            return Err(StoreError::Invalid {
                field: "skill",
                message: "choose a skill of the course".into(),
            });
        }
        if offered {
            sqlx::query(
                "INSERT INTO peer_helpers (student_id, class_id, skill_id, offered_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (student_id, class_id, skill_id) DO NOTHING",
            )
            .bind(student_id.as_str())
            .bind(class_id.as_str())
            .bind(skill_id)
            .bind(at)
            .execute(&self.pool)
            .await?;
        } else {
            sqlx::query(
                "DELETE FROM peer_helpers WHERE student_id = $1 AND class_id = $2 AND skill_id = $3",
            )
            .bind(student_id.as_str())
            .bind(class_id.as_str())
            .bind(skill_id)
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }

    /// The helper offers of a class's students still enrolled, oldest first.
    pub async fn class_helper_offers(&self, class_id: &ClassId) -> Result<Vec<HelperOffer>> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT h.student_id, h.skill_id, h.offered_at FROM peer_helpers h \
             JOIN enrollments e ON e.student_id = h.student_id AND e.class_id = h.class_id \
             WHERE h.class_id = $1 AND e.left_at IS NULL ORDER BY h.offered_at, h.student_id",
        )
        .bind(class_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(s, skill, at)| HelperOffer {
                student_id: s.into(),
                skill_id: skill,
                offered_at: at,
            })
            .collect())
    }

    /// One student's offers in a class.
    pub async fn helper_offers(
        &self,
        student_id: &UserId,
        class_id: &ClassId,
    ) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT skill_id FROM peer_helpers WHERE student_id = $1 AND class_id = $2 \
             ORDER BY skill_id",
        )
        .bind(student_id.as_str())
        .bind(class_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(s,)| s).collect())
    }

    /// Records a pair a teacher made. The caller has checked that both are students of
    /// the class, that the helper offered help on the skill and mastered it.
    pub async fn pair_helper(
        &self,
        class_id: &ClassId,
        student_id: &UserId,
        helper_id: &UserId,
        skill_id: &SkillId,
        by: &UserId,
        at: i64,
    ) -> Result<String> {
        if student_id == helper_id {
            return Err(StoreError::Invalid {
                field: "helper",
                message: "a student cannot be their own helper".into(),
            });
        }
        let id = new_id();
        sqlx::query(
            "INSERT INTO peer_help_pairs (id, class_id, student_id, helper_id, skill_id, \
             paired_by, paired_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(class_id.as_str())
        .bind(student_id.as_str())
        .bind(helper_id.as_str())
        .bind(skill_id.as_str())
        .bind(by.as_str())
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    /// The pairs made in a class, newest first.
    pub async fn class_help_pairs(&self, class_id: &ClassId) -> Result<Vec<HelpPair>> {
        let rows: Vec<PairRow> = sqlx::query_as(
            "SELECT id, class_id, student_id, helper_id, skill_id, paired_by, paired_at \
             FROM peer_help_pairs WHERE class_id = $1 ORDER BY paired_at DESC, id DESC",
        )
        .bind(class_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(pair_from).collect())
    }

    /// The pairs a student is in (as the one helped or as the helper), newest first.
    pub async fn student_help_pairs(&self, student_id: &UserId) -> Result<Vec<HelpPair>> {
        let rows: Vec<PairRow> = sqlx::query_as(
            "SELECT id, class_id, student_id, helper_id, skill_id, paired_by, paired_at \
             FROM peer_help_pairs WHERE student_id = $1 OR helper_id = $1 \
             ORDER BY paired_at DESC, id DESC",
        )
        .bind(student_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(pair_from).collect())
    }
}
