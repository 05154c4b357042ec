//! Screen time's inputs and printable practice sheets (issue 12, migration 0013).
//!
//! Screen time itself is never stored: [`Store::screen_stamps`] reads the student's
//! on-screen events and `ownpace_core::screen_time` measures them. What is stored here is
//! what people decide (a class's budget, a guardian's lower budget, a teacher's exemption
//! with its note) and the sheets made for a student, whose results are events
//! (`sheet-result` self-reported by the student, `sheet-answer` confirmed by a teacher).

use crate::{Result, Store, StoreError, new_id};
use ownpace_core::events::EventKind;
use ownpace_core::ids::{ClassId, CourseId, ItemId, UserId};
use ownpace_core::screen_time::{Budget, MAX_DAILY_MINUTES, MAX_WEEKLY_MINUTES, Stamp};

/// The longest note on an exemption, in characters.
pub const MAX_EXEMPTION_NOTE_CHARS: usize = 500;
/// The most items a sheet may hold.
pub const MAX_SHEET_ITEMS: usize = 30;

/// The class budgets that apply to a student: one per open enrolment.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassBudget {
    pub class_id: ClassId,
    pub class_name: String,
    pub budget: Budget,
    /// The teacher's note when the student is exempt from this class's budget.
    pub exemption: Option<String>,
}

/// Everything that decides a student's budget.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StudentBudgets {
    pub classes: Vec<ClassBudget>,
    /// Per guardian who set one.
    pub guardians: Vec<(UserId, Budget)>,
}

impl StudentBudgets {
    /// The budget that applies: the lowest of the class budgets the student is not
    /// exempt from and of the guardians' budgets.
    pub fn effective(&self) -> Budget {
        let classes = self
            .classes
            .iter()
            .filter(|c| c.exemption.is_none())
            .map(|c| &c.budget);
        Budget::lowest(classes.chain(self.guardians.iter().map(|(_, b)| b)))
    }
}

/// A stored practice sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub id: String,
    pub student_id: UserId,
    pub course_id: CourseId,
    pub course_version: i64,
    pub created_at: i64,
    pub items: Vec<SheetItem>,
}

/// One printed item of a sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetItem {
    /// 1-based, as printed.
    pub position: i64,
    pub item_id: ItemId,
    pub skills: Vec<String>,
}

/// A result entered for one item of a sheet, read from the events.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetResult {
    pub position: i64,
    /// What the student wrote, as entered (the student's own entry only).
    pub response: Option<String>,
    pub correct: bool,
    /// True for the student's own entry (`sheet-result`), false for a teacher's
    /// confirmation or entry (`sheet-answer`, which counts toward mastery).
    pub self_reported: bool,
    pub at: i64,
}

/// The idempotency key of a sheet result: one self-reported and one confirmed result per
/// printed item.
pub fn sheet_key(sheet_id: &str, position: i64, confirmed: bool) -> String {
    let who = if confirmed { "confirmed" } else { "self" };
    format!("sheet:{sheet_id}:{position}:{who}")
}

/// (class id, class name, daily, weekly, exemption note) as selected.
type ClassBudgetRow = (String, String, Option<i64>, Option<i64>, Option<String>);
/// (kind, idempotency key, response, correct, occurred at) as selected.
type SheetResultRow = (String, String, Option<String>, Option<i64>, i64);

fn minutes(field: &'static str, value: Option<i64>, max: u32) -> Result<Option<u32>> {
    match value {
        None => Ok(None),
        Some(m) if m >= 1 && m <= i64::from(max) => Ok(u32::try_from(m).ok()),
        Some(_) => Err(StoreError::Invalid {
            field,
            message: format!("must be 1 to {max} minutes, or empty for no budget"),
        }),
    }
}

/// Checks a budget as typed: whole minutes, a day at most 1,440, a week at most 10,080.
pub fn check_budget(daily: Option<i64>, weekly: Option<i64>) -> Result<Budget> {
    Ok(Budget {
        daily_minutes: minutes("daily_minutes", daily, MAX_DAILY_MINUTES)?,
        weekly_minutes: minutes("weekly_minutes", weekly, MAX_WEEKLY_MINUTES)?,
    })
}

fn budget_from(daily: Option<i64>, weekly: Option<i64>) -> Budget {
    let m = |v: Option<i64>| v.and_then(|m| u32::try_from(m).ok());
    Budget {
        daily_minutes: m(daily),
        weekly_minutes: m(weekly),
    }
}

fn as_i64(v: Option<u32>) -> Option<i64> {
    v.map(i64::from)
}

impl Store {
    /// Sets (or, with an empty budget, removes) a class's screen-time budget.
    pub async fn set_class_budget(
        &self,
        class_id: &ClassId,
        budget: Budget,
        set_by: &UserId,
        at: i64,
    ) -> Result<()> {
        if budget.is_empty() {
            sqlx::query("DELETE FROM class_screen_budgets WHERE class_id = $1")
                .bind(class_id.as_str())
                .execute(&self.pool)
                .await?;
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO class_screen_budgets (class_id, daily_minutes, weekly_minutes, set_by, set_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (class_id) DO UPDATE SET \
             daily_minutes = excluded.daily_minutes, weekly_minutes = excluded.weekly_minutes, \
             set_by = excluded.set_by, set_at = excluded.set_at",
        )
        .bind(class_id.as_str())
        .bind(as_i64(budget.daily_minutes))
        .bind(as_i64(budget.weekly_minutes))
        .bind(set_by.as_str())
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A class's budget (empty when none is set).
    pub async fn class_budget(&self, class_id: &ClassId) -> Result<Budget> {
        let row: Option<(Option<i64>, Option<i64>)> = sqlx::query_as(
            "SELECT daily_minutes, weekly_minutes FROM class_screen_budgets WHERE class_id = $1",
        )
        .bind(class_id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map_or_else(Budget::default, |(d, w)| budget_from(d, w)))
    }

    /// Sets (or, with an empty budget, removes) a guardian's own budget for their child.
    pub async fn set_guardian_budget(
        &self,
        student_id: &UserId,
        guardian_id: &UserId,
        budget: Budget,
        at: i64,
    ) -> Result<()> {
        if budget.is_empty() {
            sqlx::query(
                "DELETE FROM guardian_screen_budgets WHERE student_id = $1 AND guardian_id = $2",
            )
            .bind(student_id.as_str())
            .bind(guardian_id.as_str())
            .execute(&self.pool)
            .await?;
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO guardian_screen_budgets (student_id, guardian_id, daily_minutes, weekly_minutes, set_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (student_id, guardian_id) DO UPDATE SET \
             daily_minutes = excluded.daily_minutes, weekly_minutes = excluded.weekly_minutes, \
             set_at = excluded.set_at",
        )
        .bind(student_id.as_str())
        .bind(guardian_id.as_str())
        .bind(as_i64(budget.daily_minutes))
        .bind(as_i64(budget.weekly_minutes))
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Exempts a student from a class's budget, with the teacher's note (1 to 500
    /// characters); `None` lifts the exemption.
    pub async fn set_exemption(
        &self,
        student_id: &UserId,
        class_id: &ClassId,
        note: Option<&str>,
        set_by: &UserId,
        at: i64,
    ) -> Result<()> {
        let Some(note) = note else {
            sqlx::query(
                "DELETE FROM screen_time_exemptions WHERE student_id = $1 AND class_id = $2",
            )
            .bind(student_id.as_str())
            .bind(class_id.as_str())
            .execute(&self.pool)
            .await?;
            return Ok(());
        };
        let note = note.trim();
        if note.is_empty() || note.chars().count() > MAX_EXEMPTION_NOTE_CHARS {
            return Err(StoreError::Invalid {
                field: "note",
                message: format!(
                    "say why in 1 to {MAX_EXEMPTION_NOTE_CHARS} characters (e.g. an accommodation)"
                ),
            });
        }
        sqlx::query(
            "INSERT INTO screen_time_exemptions (student_id, class_id, note, set_by, set_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (student_id, class_id) DO UPDATE SET \
             note = excluded.note, set_by = excluded.set_by, set_at = excluded.set_at",
        )
        .bind(student_id.as_str())
        .bind(class_id.as_str())
        .bind(note)
        .bind(set_by.as_str())
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The budgets that apply to a student: per open enrolment the class's budget (and
    /// the student's exemption from it), and each guardian's.
    pub async fn student_budgets(&self, student_id: &UserId) -> Result<StudentBudgets> {
        let classes: Vec<ClassBudgetRow> = sqlx::query_as(
            "SELECT c.id, c.name, b.daily_minutes, b.weekly_minutes, x.note \
                 FROM enrollments e JOIN classes c ON c.id = e.class_id \
                 LEFT JOIN class_screen_budgets b ON b.class_id = c.id \
                 LEFT JOIN screen_time_exemptions x \
                   ON x.class_id = c.id AND x.student_id = e.student_id \
                 WHERE e.student_id = $1 AND e.left_at IS NULL ORDER BY c.name, c.id",
        )
        .bind(student_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        let guardians: Vec<(String, Option<i64>, Option<i64>)> = sqlx::query_as(
            "SELECT guardian_id, daily_minutes, weekly_minutes FROM guardian_screen_budgets \
             WHERE student_id = $1 ORDER BY guardian_id",
        )
        .bind(student_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(StudentBudgets {
            classes: classes
                .into_iter()
                .map(|(id, name, d, w, note)| ClassBudget {
                    class_id: id.into(),
                    class_name: name,
                    budget: budget_from(d, w),
                    exemption: note,
                })
                .collect(),
            guardians: guardians
                .into_iter()
                .map(|(g, d, w)| (g.into(), budget_from(d, w)))
                .collect(),
        })
    }

    /// The student's on-screen events since `since` (ms), in time order, as the screen
    /// time measurement reads them: when each was recorded and its server-measured
    /// duration. One range read on `events_student_time`.
    pub async fn screen_stamps(&self, student_id: &UserId, since: i64) -> Result<Vec<Stamp>> {
        let kinds: Vec<&str> = EventKind::ALL
            .into_iter()
            .filter(|k| k.on_screen())
            .map(EventKind::as_str)
            .collect();
        let [k1, k2, k3, k4, k5, k6, k7] = kinds.as_slice() else {
            return Err(StoreError::Corrupt {
                what: "on-screen event kinds",
                detail: format!("expected 7, the core lists {}", kinds.len()),
            });
        };
        let rows: Vec<(i64, Option<i64>)> = sqlx::query_as(
            "SELECT occurred_at, duration_ms FROM events WHERE student_id = $1 \
             AND occurred_at >= $2 AND kind IN ($3, $4, $5, $6, $7, $8, $9) ORDER BY occurred_at",
        )
        .bind(student_id.as_str())
        .bind(since)
        .bind(*k1)
        .bind(*k2)
        .bind(*k3)
        .bind(*k4)
        .bind(*k5)
        .bind(*k6)
        .bind(*k7)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(at, measured_ms)| Stamp { at, measured_ms })
            .collect())
    }

    /// Stores a new sheet with its items, in one transaction; returns its id.
    pub async fn create_sheet(
        &self,
        student_id: &UserId,
        course_id: &CourseId,
        course_version: i64,
        items: &[(ItemId, Vec<String>)],
        at: i64,
    ) -> Result<String> {
        if items.is_empty() || items.len() > MAX_SHEET_ITEMS {
            return Err(StoreError::Invalid {
                field: "items",
                message: format!("a sheet holds 1 to {MAX_SHEET_ITEMS} items"),
            });
        }
        let id = new_id();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO practice_sheets (id, student_id, course_id, course_version, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(student_id.as_str())
        .bind(course_id.as_str())
        .bind(course_version)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        for (position, (item, skills)) in (1_i64..).zip(items) {
            sqlx::query(
                "INSERT INTO practice_sheet_items (sheet_id, student_id, position, item_id, skills) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&id)
            .bind(student_id.as_str())
            .bind(position)
            .bind(item.as_str())
            .bind(skills.join(" "))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// A sheet with its items, if it exists.
    pub async fn sheet(&self, sheet_id: &str) -> Result<Option<Sheet>> {
        if sheet_id.len() > 64 {
            return Ok(None);
        }
        let row: Option<(String, String, String, i64, i64)> = sqlx::query_as(
            "SELECT id, student_id, course_id, course_version, created_at FROM practice_sheets \
             WHERE id = $1",
        )
        .bind(sheet_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some((id, student_id, course_id, course_version, created_at)) = row else {
            return Ok(None);
        };
        let items: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT position, item_id, skills FROM practice_sheet_items WHERE sheet_id = $1 \
             ORDER BY position",
        )
        .bind(&id)
        .fetch_all(&self.pool)
        .await?;
        Ok(Some(Sheet {
            id,
            student_id: student_id.into(),
            course_id: course_id.into(),
            course_version,
            created_at,
            items: items
                .into_iter()
                .map(|(position, item, skills)| SheetItem {
                    position,
                    item_id: item.into(),
                    skills: skills.split_whitespace().map(str::to_string).collect(),
                })
                .collect(),
        }))
    }

    /// A student's sheets in a course, newest first (ids and times), at most `limit`.
    pub async fn student_sheets(
        &self,
        student_id: &UserId,
        course_id: &CourseId,
        limit: i64,
    ) -> Result<Vec<(String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT id, created_at FROM practice_sheets WHERE student_id = $1 AND course_id = $2 \
             ORDER BY created_at DESC, id DESC LIMIT $3",
        )
        .bind(student_id.as_str())
        .bind(course_id.as_str())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The results entered for a sheet, from the events, in position order (a
    /// self-reported result before the confirmed one).
    pub async fn sheet_results(&self, sheet: &Sheet) -> Result<Vec<SheetResult>> {
        let rows: Vec<SheetResultRow> = sqlx::query_as(
            "SELECT kind, idempotency_key, response, correct, occurred_at FROM events \
             WHERE student_id = $1 AND kind IN ($2, $3) AND idempotency_key LIKE $4 \
             ORDER BY occurred_at, id",
        )
        .bind(sheet.student_id.as_str())
        .bind(EventKind::SheetResult.as_str())
        .bind(EventKind::SheetAnswer.as_str())
        .bind(format!("sheet:{}:%", sheet.id))
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<SheetResult> = rows
            .into_iter()
            .filter_map(|(kind, key, response, correct, at)| {
                let position = key.split(':').nth(2)?.parse().ok()?;
                let self_reported = kind == EventKind::SheetResult.as_str();
                Some(SheetResult {
                    position,
                    response: if self_reported { response } else { None },
                    correct: correct.unwrap_or(0) != 0,
                    self_reported,
                    at,
                })
            })
            .collect();
        out.sort_by_key(|r| (r.position, !r.self_reported));
        Ok(out)
    }

    /// Appends the student's own (self-reported) result for one printed item. It moves
    /// nothing until a teacher confirms it. Returns false when one was entered before.
    pub async fn record_sheet_result(
        &self,
        sheet: &Sheet,
        item: &SheetItem,
        response: &str,
        correct: bool,
        at: i64,
    ) -> Result<bool> {
        let inserted = sqlx::query(
            "INSERT INTO events (id, student_id, course_id, course_version, kind, skills, item_id, \
             response, correct, occurred_at, duration_ms, idempotency_key, data) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, $11, NULL) \
             ON CONFLICT (student_id, idempotency_key) DO NOTHING",
        )
        .bind(new_id())
        .bind(sheet.student_id.as_str())
        .bind(sheet.course_id.as_str())
        .bind(sheet.course_version)
        .bind(EventKind::SheetResult.as_str())
        .bind(item.skills.join(" "))
        .bind(item.item_id.as_str())
        .bind(response)
        .bind(i64::from(correct))
        .bind(at)
        .bind(sheet_key(&sheet.id, item.position, false))
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(inserted > 0)
    }
}
