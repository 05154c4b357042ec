//! Pilot studies (issue 12, points 5-7): the stored plan, frozen when the pilot starts;
//! its amendments with their reasons; the randomisation's members with their condition,
//! stratum, pre-test and outcome; a guardian's opt-out. The statistics live in
//! `ownpace_core::pilot`; the web gathers these rows into its inputs.

use crate::{Conflict, Result, Store, StoreError, new_id};
use ownpace_core::ids::{ClassId, CourseId, UserId};
use ownpace_core::recommend::Policy;
use ownpace_core::screen_time::Budget;
use serde::{Deserialize, Serialize};

/// The longest question a pilot asks.
pub const MAX_QUESTION_CHARS: usize = 300;
/// The longest condition name (core accepts 200; the pages show them in tables).
pub const MAX_CONDITION_CHARS: usize = 60;
/// The longest note describing a condition (a lesson variant, a policy).
pub const MAX_NOTE_CHARS: usize = 300;
/// The longest amendment reason.
pub const MAX_REASON_CHARS: usize = 500;
/// The longest a pilot may run.
pub const MAX_DURATION_DAYS: i64 = 365;
/// The longest lesson variant name a condition may carry.
pub const MAX_VARIANT_CHARS: usize = 64;

/// One condition of a pilot and what it sets for its students while the pilot runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConditionSetting {
    pub name: String,
    /// Spaced review offered as a next step (off: reviews are not suggested).
    pub spaced_review: bool,
    /// The placement check offered (off: never offered, the check page sends the student
    /// back to the course page).
    pub placement: bool,
    /// A screen-time budget for the condition's students (the lowest budget still wins).
    pub daily_minutes: Option<u32>,
    pub weekly_minutes: Option<u32>,
    /// What else differs, in words.
    #[serde(default)]
    pub note: String,
    /// How next steps are chosen: adaptive (the default, and what conditions stored
    /// before this field read as) or the course's fixed order.
    #[serde(default)]
    pub policy: Policy,
    /// The lesson variant the condition's students are shown (`None`: the default
    /// lessons); a name the course declares (`Course::lesson_variants`).
    #[serde(default)]
    pub lesson_variant: Option<String>,
}

impl ConditionSetting {
    pub fn budget(&self) -> Budget {
        Budget {
            daily_minutes: self.daily_minutes,
            weekly_minutes: self.weekly_minutes,
        }
    }
}

/// What a pilot measures at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A post-test of held-out items (0-100, the share answered correctly), from the
    /// post-test answers; a teacher's entry overrides it for a paper test.
    PostTest,
    /// Skills mastered during the pilot per hour on screen, from the events.
    MasteryPerHour,
    /// Minutes on screen per week during the pilot, from the events.
    ScreenTime,
    /// The share of the skills mastered during the pilot still answered correctly when
    /// next met 30 or more days after mastering, from the events (ready 30 days after the
    /// pilot's end).
    Retention30,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::PostTest,
        Outcome::MasteryPerHour,
        Outcome::ScreenTime,
        Outcome::Retention30,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::PostTest => "post_test",
            Outcome::MasteryPerHour => "mastery_per_hour",
            Outcome::ScreenTime => "screen_time",
            Outcome::Retention30 => "retention_30_days",
        }
    }
    pub fn parse(text: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == text)
    }
    pub fn words(self) -> &'static str {
        match self {
            Outcome::PostTest => {
                "post-test score (0-100): the share of held-out items answered correctly"
            }
            Outcome::MasteryPerHour => "skills mastered per hour on screen",
            Outcome::ScreenTime => "minutes on screen per week",
            Outcome::Retention30 => {
                "retention after 30 days (share of the skills mastered during the pilot still answered correctly 30 or more days later)"
            }
        }
    }
}

/// Where a pilot stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PilotStatus {
    /// Defined, not started: the plan may still be edited.
    Draft,
    /// Started: the plan is frozen, students are assigned.
    Running,
    /// Finished: the outcomes are stored and the report reads them.
    Finished,
}

impl PilotStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PilotStatus::Draft => "draft",
            PilotStatus::Running => "running",
            PilotStatus::Finished => "finished",
        }
    }
    fn parse(text: &str) -> Result<PilotStatus> {
        match text {
            "draft" => Ok(PilotStatus::Draft),
            "running" => Ok(PilotStatus::Running),
            "finished" => Ok(PilotStatus::Finished),
            other => Err(StoreError::Corrupt {
                what: "pilot status",
                detail: other.to_string(),
            }),
        }
    }
}

/// A pilot's plan as defined (or edited while a draft).
#[derive(Debug, Clone, PartialEq)]
pub struct PilotPlan {
    pub question: String,
    pub conditions: Vec<ConditionSetting>,
    /// The classes taking part (the defining class among them).
    pub classes: Vec<ClassId>,
    /// `student` or `class`.
    pub unit_class: bool,
    pub outcome: Outcome,
    pub duration_days: i64,
    /// The smallest effect (in g) worth detecting.
    pub min_effect: f64,
    /// The share of the outcome's variance the pre-test is assumed to explain.
    pub pre_test_r2: f64,
    /// Guardians are not told which condition their child is in.
    pub blinded: bool,
    pub mastery_bands: i64,
    /// Items per skill held out of practice for the post-test (0 to 10; 0: none).
    pub post_test_per_skill: i64,
}

/// A stored pilot.
#[derive(Debug, Clone, PartialEq)]
pub struct Pilot {
    pub id: String,
    pub class_id: ClassId,
    pub course_id: CourseId,
    pub plan: PilotPlan,
    pub status: PilotStatus,
    pub seed: Option<u64>,
    pub algorithm: Option<String>,
    pub created_by: UserId,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    /// The items held out for the post-test, drawn at the start (empty before).
    pub held_out: Vec<String>,
}

impl Pilot {
    /// When the plan's duration is over (for a started pilot).
    pub fn ends_at(&self) -> Option<i64> {
        self.started_at
            .map(|s| s + self.plan.duration_days * 86_400_000)
    }
}

/// A student's place in a started pilot.
#[derive(Debug, Clone, PartialEq)]
pub struct PilotMember {
    pub student_id: UserId,
    pub class_id: ClassId,
    pub condition: usize,
    pub stratum: String,
    pub pre_test: f64,
    pub outcome: Option<f64>,
    pub opted_out_at: Option<i64>,
    /// A post-test score the teacher entered for a paper test (overrides the answers).
    pub paper_score: Option<f64>,
}

/// A member as the randomisation placed them.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMember {
    pub student_id: UserId,
    pub class_id: ClassId,
    pub condition: usize,
    pub stratum: String,
    pub pre_test: f64,
}

/// A logged change to a started pilot's plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Amendment {
    pub field: String,
    pub before: String,
    pub after: String,
    pub reason: String,
    pub amended_by: UserId,
    pub amended_at: i64,
}

/// Checks a plan's limits: bad input gets a clear error naming the field.
pub fn check_plan(plan: &PilotPlan) -> Result<()> {
    let invalid =
        |field: &'static str, message: String| Err(StoreError::Invalid { field, message });
    let question = plan.question.trim();
    if question.is_empty() || question.chars().count() > MAX_QUESTION_CHARS {
        return invalid(
            "question",
            format!("write the question in 1 to {MAX_QUESTION_CHARS} characters"),
        );
    }
    if !(2..=4).contains(&plan.conditions.len()) {
        return invalid(
            "conditions",
            "a pilot compares 2 to 4 conditions; name at least two".into(),
        );
    }
    let mut names = Vec::new();
    for c in &plan.conditions {
        let name = c.name.trim();
        if name.is_empty() || name.chars().count() > MAX_CONDITION_CHARS {
            return invalid(
                "conditions",
                format!("each condition's name is 1 to {MAX_CONDITION_CHARS} characters"),
            );
        }
        if names.contains(&name) {
            return invalid("conditions", format!("two conditions are called {name}"));
        }
        names.push(name);
        if c.lesson_variant
            .as_ref()
            .is_some_and(|v| v.is_empty() || v.chars().count() > MAX_VARIANT_CHARS)
        {
            return invalid(
                "conditions",
                format!("a lesson variant's name is 1 to {MAX_VARIANT_CHARS} characters"),
            );
        }
        if c.note.chars().count() > MAX_NOTE_CHARS {
            return invalid(
                "conditions",
                format!("a condition's note is at most {MAX_NOTE_CHARS} characters"),
            );
        }
        crate::check_budget(
            c.daily_minutes.map(i64::from),
            c.weekly_minutes.map(i64::from),
        )?;
    }
    if plan.classes.is_empty() || plan.classes.len() > 40 {
        return invalid("classes", "a pilot takes part in 1 to 40 classes".into());
    }
    if !(1..=MAX_DURATION_DAYS).contains(&plan.duration_days) {
        return invalid(
            "duration_days",
            format!("a pilot runs 1 to {MAX_DURATION_DAYS} days"),
        );
    }
    if !(plan.min_effect.is_finite() && (0.05..=2.0).contains(&plan.min_effect)) {
        return invalid(
            "min_effect",
            "the minimum effect of interest is a g from 0.05 to 2".into(),
        );
    }
    if !(plan.pre_test_r2.is_finite() && (0.0..=0.95).contains(&plan.pre_test_r2)) {
        return invalid(
            "pre_test_r2",
            "the share of variance the pre-test explains is from 0 to 0.95".into(),
        );
    }
    if !(0..=10).contains(&plan.post_test_per_skill) {
        return invalid(
            "post_test_per_skill",
            "the post-test holds out 0 to 10 items per skill".into(),
        );
    }
    if !(1..=10).contains(&plan.mastery_bands) {
        return invalid("mastery_bands", "1 to 10 prior-mastery bands".into());
    }
    Ok(())
}

/// The columns of `pilots` in the order [`PilotRow`] reads them.
macro_rules! pilot_columns {
    () => {
        "id, class_id, course_id, question, conditions, classes, unit, outcome, duration_days, \
         min_effect, pre_test_r2, blinded, mastery_bands, status, seed, algorithm, created_by, \
         created_at, started_at, finished_at, post_test_per_skill, held_out"
    };
}

#[derive(sqlx::FromRow)]
struct PilotRow {
    id: String,
    class_id: String,
    course_id: String,
    question: String,
    conditions: String,
    classes: String,
    unit: String,
    outcome: String,
    duration_days: i64,
    min_effect: f64,
    pre_test_r2: f64,
    blinded: i64,
    mastery_bands: i64,
    status: String,
    seed: Option<i64>,
    algorithm: Option<String>,
    created_by: String,
    created_at: i64,
    started_at: Option<i64>,
    finished_at: Option<i64>,
    post_test_per_skill: i64,
    held_out: String,
}

fn pilot_from(row: PilotRow) -> Result<Pilot> {
    let corrupt = |what: &'static str, e: &dyn std::fmt::Display| StoreError::Corrupt {
        what,
        detail: e.to_string(),
    };
    let conditions: Vec<ConditionSetting> =
        serde_json::from_str(&row.conditions).map_err(|e| corrupt("pilot conditions", &e))?;
    let classes: Vec<String> =
        serde_json::from_str(&row.classes).map_err(|e| corrupt("pilot classes", &e))?;
    let held_out: Vec<String> =
        serde_json::from_str(&row.held_out).map_err(|e| corrupt("pilot held-out items", &e))?;
    Ok(Pilot {
        plan: PilotPlan {
            question: row.question,
            conditions,
            classes: classes.into_iter().map(ClassId::new).collect(),
            unit_class: row.unit == "class",
            outcome: Outcome::parse(&row.outcome)
                .ok_or_else(|| corrupt("pilot outcome", &row.outcome))?,
            duration_days: row.duration_days,
            min_effect: row.min_effect,
            pre_test_r2: row.pre_test_r2,
            blinded: row.blinded != 0,
            mastery_bands: row.mastery_bands,
            post_test_per_skill: row.post_test_per_skill,
        },
        held_out,
        id: row.id,
        class_id: ClassId::new(row.class_id),
        course_id: CourseId::new(row.course_id),
        status: PilotStatus::parse(&row.status)?,
        seed: row.seed.map(|s| s as u64),
        algorithm: row.algorithm,
        created_by: UserId::new(row.created_by),
        created_at: row.created_at,
        started_at: row.started_at,
        finished_at: row.finished_at,
    })
}

/// (student, class, condition, stratum, pre-test, outcome, opted out at) as selected.
type MemberColumns = (
    String,
    String,
    i64,
    String,
    f64,
    Option<f64>,
    Option<i64>,
    Option<f64>,
);

fn frozen() -> StoreError {
    StoreError::Conflict(Conflict::PilotState(
        "the pilot has started, so its plan is frozen: amend it with a reason instead",
    ))
}

impl Store {
    /// Stores a new draft pilot; returns its id.
    pub async fn create_pilot(
        &self,
        class_id: &ClassId,
        course_id: &CourseId,
        plan: &PilotPlan,
        created_by: &UserId,
        at: i64,
    ) -> Result<String> {
        check_plan(plan)?;
        let id = new_id();
        sqlx::query(concat!(
            "INSERT INTO pilots (",
            pilot_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'draft', NULL, \
             NULL, $14, $15, NULL, NULL, $16, '[]')"
        ))
        .bind(&id)
        .bind(class_id.as_str())
        .bind(course_id.as_str())
        .bind(plan.question.trim())
        .bind(conditions_json(plan)?)
        .bind(classes_json(plan)?)
        .bind(if plan.unit_class { "class" } else { "student" })
        .bind(plan.outcome.as_str())
        .bind(plan.duration_days)
        .bind(plan.min_effect)
        .bind(plan.pre_test_r2)
        .bind(i64::from(plan.blinded))
        .bind(plan.mastery_bands)
        .bind(created_by.as_str())
        .bind(at)
        .bind(plan.post_test_per_skill)
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    /// Replaces a draft's plan; a started pilot's plan is frozen (a conflict).
    pub async fn edit_pilot(&self, id: &str, plan: &PilotPlan) -> Result<()> {
        check_plan(plan)?;
        let changed = sqlx::query(
            "UPDATE pilots SET question = $1, conditions = $2, classes = $3, unit = $4, \
             outcome = $5, duration_days = $6, min_effect = $7, pre_test_r2 = $8, blinded = $9, \
             mastery_bands = $10, post_test_per_skill = $11 WHERE id = $12 AND status = 'draft'",
        )
        .bind(plan.question.trim())
        .bind(conditions_json(plan)?)
        .bind(classes_json(plan)?)
        .bind(if plan.unit_class { "class" } else { "student" })
        .bind(plan.outcome.as_str())
        .bind(plan.duration_days)
        .bind(plan.min_effect)
        .bind(plan.pre_test_r2)
        .bind(i64::from(plan.blinded))
        .bind(plan.mastery_bands)
        .bind(plan.post_test_per_skill)
        .bind(id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if changed == 0 {
            return match self.pilot(id).await? {
                None => Err(StoreError::NotFound {
                    what: "pilot",
                    id: id.to_string(),
                }),
                Some(_) => Err(frozen()),
            };
        }
        Ok(())
    }

    pub async fn pilot(&self, id: &str) -> Result<Option<Pilot>> {
        let row: Option<PilotRow> = sqlx::query_as(concat!(
            "SELECT ",
            pilot_columns!(),
            " FROM pilots WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(pilot_from).transpose()
    }

    /// The pilots defined on a class, newest first.
    pub async fn pilots_of_class(&self, class_id: &ClassId) -> Result<Vec<Pilot>> {
        let rows: Vec<PilotRow> = sqlx::query_as(concat!(
            "SELECT ",
            pilot_columns!(),
            " FROM pilots WHERE class_id = $1 ORDER BY created_at DESC, id DESC"
        ))
        .bind(class_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(pilot_from).collect()
    }

    /// Starts a draft: freezes the plan, records the seed and algorithm, the items held
    /// out for the post-test and every member, in one transaction. A pilot already
    /// started is a conflict.
    pub async fn start_pilot(
        &self,
        id: &str,
        seed: u64,
        algorithm: &str,
        members: &[NewMember],
        held_out: &[String],
        at: i64,
    ) -> Result<()> {
        let held_out = serde_json::to_string(held_out).map_err(|e| StoreError::Invalid {
            field: "held_out",
            message: e.to_string(),
        })?;
        let mut tx = self.pool.begin().await?;
        let changed = sqlx::query(
            "UPDATE pilots SET status = 'running', seed = $1, algorithm = $2, started_at = $3, \
             held_out = $4 WHERE id = $5 AND status = 'draft'",
        )
        .bind(seed as i64)
        .bind(algorithm)
        .bind(at)
        .bind(held_out)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::Conflict(Conflict::PilotState(
                "the pilot has already started",
            )));
        }
        for m in members {
            sqlx::query(
                "INSERT INTO pilot_members (pilot_id, student_id, class_id, condition_index, \
                 stratum, pre_test, outcome, opted_out_at, opted_out_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL, NULL)",
            )
            .bind(id)
            .bind(m.student_id.as_str())
            .bind(m.class_id.as_str())
            .bind(m.condition as i64)
            .bind(&m.stratum)
            .bind(m.pre_test)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Changes one field of a started pilot's plan and logs the change with its reason,
    /// in one transaction. `amended` is the whole plan after the change.
    pub async fn amend_pilot(
        &self,
        pilot: &Pilot,
        amended: &PilotPlan,
        change: &Amendment,
    ) -> Result<()> {
        check_plan(amended)?;
        let reason = change.reason.trim();
        if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
            return Err(StoreError::Invalid {
                field: "reason",
                message: format!("say why in 1 to {MAX_REASON_CHARS} characters"),
            });
        }
        let mut tx = self.pool.begin().await?;
        let changed = sqlx::query(
            "UPDATE pilots SET question = $1, outcome = $2, duration_days = $3, min_effect = $4 \
             WHERE id = $5 AND status <> 'draft'",
        )
        .bind(amended.question.trim())
        .bind(amended.outcome.as_str())
        .bind(amended.duration_days)
        .bind(amended.min_effect)
        .bind(&pilot.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::Conflict(Conflict::PilotState(
                "a draft's plan is edited, not amended: amendments are for started pilots",
            )));
        }
        sqlx::query(
            "INSERT INTO pilot_amendments (id, pilot_id, field, before_value, after_value, reason, \
             amended_by, amended_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(new_id())
        .bind(&pilot.id)
        .bind(&change.field)
        .bind(&change.before)
        .bind(&change.after)
        .bind(reason)
        .bind(change.amended_by.as_str())
        .bind(change.amended_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A pilot's amendments, oldest first.
    pub async fn pilot_amendments(&self, pilot_id: &str) -> Result<Vec<Amendment>> {
        let rows: Vec<(String, String, String, String, String, i64)> = sqlx::query_as(
            "SELECT field, before_value, after_value, reason, amended_by, amended_at \
             FROM pilot_amendments WHERE pilot_id = $1 ORDER BY amended_at, id",
        )
        .bind(pilot_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| Amendment {
                field: r.0,
                before: r.1,
                after: r.2,
                reason: r.3,
                amended_by: UserId::new(r.4),
                amended_at: r.5,
            })
            .collect())
    }

    /// A pilot's members, by student id (the randomisation's order).
    pub async fn pilot_members(&self, pilot_id: &str) -> Result<Vec<PilotMember>> {
        let rows: Vec<MemberColumns> = sqlx::query_as(
            "SELECT student_id, class_id, condition_index, stratum, pre_test, outcome, \
                 opted_out_at, paper_score FROM pilot_members WHERE pilot_id = $1 \
                 ORDER BY student_id",
        )
        .bind(pilot_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| PilotMember {
                student_id: UserId::new(r.0),
                class_id: ClassId::new(r.1),
                condition: usize::try_from(r.2).unwrap_or(usize::MAX),
                stratum: r.3,
                pre_test: r.4,
                outcome: r.5,
                opted_out_at: r.6,
                paper_score: r.7,
            })
            .collect())
    }

    /// The pilots a student was assigned in, with their place, newest first.
    pub async fn pilots_of_student(
        &self,
        student_id: &UserId,
    ) -> Result<Vec<(Pilot, PilotMember)>> {
        let ids: Vec<(String,)> = sqlx::query_as(
            "SELECT p.id FROM pilot_members m JOIN pilots p ON p.id = m.pilot_id \
             WHERE m.student_id = $1 ORDER BY p.started_at DESC, p.id",
        )
        .bind(student_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for (id,) in ids {
            let Some(pilot) = self.pilot(&id).await? else {
                continue;
            };
            if let Some(member) = self
                .pilot_members(&id)
                .await?
                .into_iter()
                .find(|m| &m.student_id == student_id)
            {
                out.push((pilot, member));
            }
        }
        Ok(out)
    }

    /// The condition a student follows now: their place in a running pilot whose
    /// duration is not over, unless they were opted out (then the default experience).
    pub async fn running_condition(
        &self,
        student_id: &UserId,
        now: i64,
    ) -> Result<Option<ConditionSetting>> {
        self.running_condition_in(student_id, None, now).await
    }

    /// [`Store::running_condition`] of a pilot on `course` (`None`: any course).
    pub async fn running_condition_in(
        &self,
        student_id: &UserId,
        course_id: Option<&CourseId>,
        now: i64,
    ) -> Result<Option<ConditionSetting>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT p.conditions, m.condition_index FROM pilot_members m \
             JOIN pilots p ON p.id = m.pilot_id \
             WHERE m.student_id = $1 AND m.opted_out_at IS NULL AND p.status = 'running' \
             AND p.started_at + p.duration_days * 86400000 > $2 \
             AND ($3 = '' OR p.course_id = $3) \
             ORDER BY p.started_at, p.id",
        )
        .bind(student_id.as_str())
        .bind(now)
        .bind(course_id.map_or("", |c| c.as_str()))
        .fetch_all(&self.pool)
        .await?;
        for (conditions, index) in rows {
            let conditions: Vec<ConditionSetting> =
                serde_json::from_str(&conditions).map_err(|e| StoreError::Corrupt {
                    what: "pilot conditions",
                    detail: e.to_string(),
                })?;
            if let Some(c) = usize::try_from(index)
                .ok()
                .and_then(|i| conditions.get(i).cloned())
            {
                return Ok(Some(c));
            }
        }
        Ok(None)
    }

    /// The items kept out of a student's practice in a course: those held out for the
    /// post-test of every started pilot (running or finished) on the course they take
    /// part in and were not opted out of. They stay out after the end, so a post-test
    /// taken late still asks items the student never practised.
    pub async fn held_out_items(
        &self,
        student_id: &UserId,
        course_id: &CourseId,
    ) -> Result<std::collections::HashSet<String>> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT p.held_out FROM pilot_members m JOIN pilots p ON p.id = m.pilot_id \
             WHERE m.student_id = $1 AND p.course_id = $2 AND m.opted_out_at IS NULL \
             AND p.status <> 'draft'",
        )
        .bind(student_id.as_str())
        .bind(course_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        let mut out = std::collections::HashSet::new();
        for (json,) in rows {
            let items: Vec<String> =
                serde_json::from_str(&json).map_err(|e| StoreError::Corrupt {
                    what: "pilot held-out items",
                    detail: e.to_string(),
                })?;
            out.extend(items);
        }
        Ok(out)
    }

    /// Records (or, with `None`, clears) the post-test scores teachers entered for members
    /// who took the post-test on paper (0-100).
    pub async fn set_paper_scores(
        &self,
        pilot_id: &str,
        scores: &[(UserId, Option<f64>)],
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for (student, score) in scores {
            match score {
                Some(value) => {
                    if !(value.is_finite() && (0.0..=100.0).contains(value)) {
                        return Err(StoreError::Invalid {
                            field: "score",
                            message: "a post-test score is a number from 0 to 100".into(),
                        });
                    }
                    sqlx::query(
                        "UPDATE pilot_members SET paper_score = $1 \
                         WHERE pilot_id = $2 AND student_id = $3",
                    )
                    .bind(*value)
                    .bind(pilot_id)
                    .bind(student.as_str())
                    .execute(&mut *tx)
                    .await?
                }
                // NULL on its own (see `write_outcome`).
                None => {
                    sqlx::query(
                        "UPDATE pilot_members SET paper_score = NULL \
                         WHERE pilot_id = $1 AND student_id = $2",
                    )
                    .bind(pilot_id)
                    .bind(student.as_str())
                    .execute(&mut *tx)
                    .await?
                }
            };
        }
        tx.commit().await?;
        Ok(())
    }

    /// A guardian opts their child out of a pilot: recorded once (the first time stays).
    pub async fn opt_out_of_pilot(
        &self,
        pilot_id: &str,
        student_id: &UserId,
        guardian_id: &UserId,
        at: i64,
    ) -> Result<bool> {
        let changed = sqlx::query(
            "UPDATE pilot_members SET opted_out_at = $1, opted_out_by = $2 \
             WHERE pilot_id = $3 AND student_id = $4 AND opted_out_at IS NULL",
        )
        .bind(at)
        .bind(guardian_id.as_str())
        .bind(pilot_id)
        .bind(student_id.as_str())
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(changed > 0)
    }

    /// Stores members' outcomes (`None` clears one).
    pub async fn set_pilot_outcomes(
        &self,
        pilot_id: &str,
        outcomes: &[(UserId, Option<f64>)],
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for (student, outcome) in outcomes {
            if outcome.is_some_and(|o| !o.is_finite()) {
                return Err(StoreError::Invalid {
                    field: "outcome",
                    message: "an outcome is a number".into(),
                });
            }
            write_outcome(&mut tx, pilot_id, student, *outcome).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Finishes a running pilot: stores the outcomes and ends the conditions, in one
    /// transaction.
    pub async fn finish_pilot(
        &self,
        pilot_id: &str,
        outcomes: &[(UserId, Option<f64>)],
        at: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let changed = sqlx::query(
            "UPDATE pilots SET status = 'finished', finished_at = $1 \
             WHERE id = $2 AND status = 'running'",
        )
        .bind(at)
        .bind(pilot_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::Conflict(Conflict::PilotState(
                "only a running pilot can be finished",
            )));
        }
        for (student, outcome) in outcomes {
            write_outcome(&mut tx, pilot_id, student, *outcome).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Writes one member's outcome. sqlx 0.9's Any driver binds a NULL f64 as float4, which
/// PostgreSQL refuses for DOUBLE PRECISION, so "no outcome" is its own statement.
async fn write_outcome(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    pilot_id: &str,
    student: &UserId,
    outcome: Option<f64>,
) -> Result<()> {
    match outcome {
        Some(value) => {
            sqlx::query(
                "UPDATE pilot_members SET outcome = $1 WHERE pilot_id = $2 AND student_id = $3",
            )
            .bind(value)
            .bind(pilot_id)
            .bind(student.as_str())
            .execute(&mut **tx)
            .await?
        }
        None => {
            sqlx::query(
                "UPDATE pilot_members SET outcome = NULL WHERE pilot_id = $1 AND student_id = $2",
            )
            .bind(pilot_id)
            .bind(student.as_str())
            .execute(&mut **tx)
            .await?
        }
    };
    Ok(())
}

fn conditions_json(plan: &PilotPlan) -> Result<String> {
    let trimmed: Vec<ConditionSetting> = plan
        .conditions
        .iter()
        .map(|c| ConditionSetting {
            name: c.name.trim().to_string(),
            note: c.note.trim().to_string(),
            ..c.clone()
        })
        .collect();
    serde_json::to_string(&trimmed).map_err(|e| StoreError::Invalid {
        field: "conditions",
        message: e.to_string(),
    })
}

fn classes_json(plan: &PilotPlan) -> Result<String> {
    let ids: Vec<&str> = plan.classes.iter().map(|c| c.as_str()).collect();
    serde_json::to_string(&ids).map_err(|e| StoreError::Invalid {
        field: "classes",
        message: e.to_string(),
    })
}
