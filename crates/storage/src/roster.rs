//! Classes, who teaches them, who is enrolled, and who is whose guardian.
//!
//! These relations are what authorization is decided on: a teacher sees the students of
//! the classes they teach, a guardian their own children, a student themself.

use crate::accounts::{Role, User};
use crate::{Conflict, Result, Store, StoreError, new_id};
// Fragments passed to AssertSqlSafe below are `&'static str` literals of this module.
use sqlx::AssertSqlSafe;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    pub id: String,
    pub name: String,
    pub course_id: String,
    pub created_at: i64,
    /// The school's own id of the class (OneRoster `classSourcedId`), if it has one.
    pub sourced_id: Option<String>,
}

/// A student's enrolment in a class: open while `left_at` is `None`. Removing a student
/// closes it; it is never deleted (shared/CONTRACTS.md, "Enrolments").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    pub class: Class,
    pub student: User,
    pub joined_at: i64,
    pub left_at: Option<i64>,
}

/// How a signed-in person relates to a student's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StudentRelation {
    /// The student themself.
    Own,
    /// Teaches a class the student is enrolled in.
    Teacher,
    /// Is the student's guardian.
    Guardian,
    /// No relation (or no such student).
    None,
}

/// A user row followed by an enrolment's `joined_at` and `left_at`.
type EnrolmentRow = (String, String, String, String, i64, i64, i64, Option<i64>);

fn enrolment_from_row(
    (id, username, display_name, role, created_at, disabled, joined_at, left_at): EnrolmentRow,
) -> Result<(User, i64, Option<i64>)> {
    let role = role.parse().map_err(|detail| StoreError::Corrupt {
        what: "users.role",
        detail,
    })?;
    Ok((
        User {
            id,
            username,
            display_name,
            role,
            created_at,
            disabled: disabled != 0,
        },
        joined_at,
        left_at,
    ))
}

type ClassRow = (String, String, String, i64, Option<String>);

fn class_from_row((id, name, course_id, created_at, sourced_id): ClassRow) -> Class {
    Class {
        id,
        name,
        course_id,
        created_at,
        sourced_id,
    }
}

/// The columns of [`ClassRow`], for a `classes` table aliased `c`.
macro_rules! class_columns {
    () => {
        "c.id, c.name, c.course_id, c.created_at, c.sourced_id"
    };
}

impl Store {
    /// Creates a class following a course, created at `at` (ms since the epoch).
    pub async fn create_class(&self, name: &str, course_id: &str, at: i64) -> Result<Class> {
        if self.current_course(course_id).await?.is_none() {
            return Err(StoreError::NotFound {
                what: "course",
                id: course_id.to_string(),
            });
        }
        let class = Class {
            id: new_id(),
            name: name.to_string(),
            course_id: course_id.to_string(),
            created_at: at,
            sourced_id: None,
        };
        sqlx::query(
            "INSERT INTO classes (id, name, course_id, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&class.id)
        .bind(&class.name)
        .bind(&class.course_id)
        .bind(class.created_at)
        .execute(&self.pool)
        .await?;
        Ok(class)
    }

    pub async fn class(&self, class_id: &str) -> Result<Option<Class>> {
        let row: Option<ClassRow> = sqlx::query_as(concat!(
            "SELECT ",
            class_columns!(),
            " FROM classes c WHERE c.id = $1"
        ))
        .bind(class_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(class_from_row))
    }

    /// The class a roster file names: by the school's own id (`sourced_id`), else by
    /// Ownpace's class id.
    pub async fn class_by_sourced_id(&self, sourced_id: &str) -> Result<Option<Class>> {
        let row: Option<ClassRow> = sqlx::query_as(concat!(
            "SELECT ",
            class_columns!(),
            " FROM classes c WHERE c.sourced_id = $1 \
             UNION ALL SELECT ",
            class_columns!(),
            " FROM classes c WHERE c.id = $1 AND c.sourced_id IS NULL"
        ))
        .bind(sourced_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(class_from_row))
    }

    /// Sets (or with `None` clears) the school's own id of a class; another class with the
    /// same id is a conflict.
    pub async fn set_class_sourced_id(
        &self,
        class_id: &str,
        sourced_id: Option<&str>,
    ) -> Result<()> {
        if let Some(sid) = sourced_id
            && let Some(other) = self.class_by_sourced_id(sid).await?
            && other.id != class_id
        {
            return Err(StoreError::Conflict(Conflict::SourcedIdTaken {
                sourced_id: sid.to_string(),
            }));
        }
        let done = sqlx::query("UPDATE classes SET sourced_id = $1 WHERE id = $2")
            .bind(sourced_id)
            .bind(class_id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                what: "class",
                id: class_id.to_string(),
            });
        }
        Ok(())
    }

    pub async fn classes(&self) -> Result<Vec<Class>> {
        let rows: Vec<ClassRow> = sqlx::query_as(concat!(
            "SELECT ",
            class_columns!(),
            " FROM classes c ORDER BY c.name, c.id"
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(class_from_row).collect())
    }

    pub async fn classes_taught_by(&self, teacher_id: &str) -> Result<Vec<Class>> {
        let rows: Vec<ClassRow> = sqlx::query_as(concat!(
            "SELECT ",
            class_columns!(),
            " FROM classes c \
             JOIN class_teachers t ON t.class_id = c.id WHERE t.teacher_id = $1 ORDER BY c.name, c.id"
        ))
        .bind(teacher_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(class_from_row).collect())
    }

    /// The classes a student is enrolled in now (open enrolments).
    pub async fn classes_of_student(&self, student_id: &str) -> Result<Vec<Class>> {
        let rows: Vec<ClassRow> = sqlx::query_as(concat!(
            "SELECT ",
            class_columns!(),
            " FROM classes c \
             JOIN enrollments e ON e.class_id = c.id \
             WHERE e.student_id = $1 AND e.left_at IS NULL ORDER BY c.name, c.id"
        ))
        .bind(student_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(class_from_row).collect())
    }

    /// Adds `user_id` to a class as what their account is: a teacher teaches it, a student
    /// is enrolled from `at` (ms since the epoch). Adding someone already there changes
    /// nothing.
    pub async fn add_to_class(&self, class_id: &str, user_id: &str, at: i64) -> Result<()> {
        let user = self
            .user(user_id)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "user",
                id: user_id.to_string(),
            })?;
        if self.class(class_id).await?.is_none() {
            return Err(StoreError::NotFound {
                what: "class",
                id: class_id.to_string(),
            });
        }
        let sql = match user.role {
            Role::Teacher => {
                "INSERT INTO class_teachers (class_id, teacher_id) VALUES ($1, $2) \
                 ON CONFLICT DO NOTHING"
            }
            Role::Student => {
                "INSERT INTO enrollments (class_id, student_id, joined_at) VALUES ($1, $2, $3) \
                 ON CONFLICT DO NOTHING"
            }
            other => {
                return Err(StoreError::Conflict(Conflict::NotAClassMember {
                    username: user.username,
                    role: other,
                }));
            }
        };
        let query = sqlx::query(sql).bind(class_id).bind(user_id);
        let query = if user.role == Role::Student {
            query.bind(at)
        } else {
            query
        };
        query.execute(&self.pool).await?;
        Ok(())
    }

    pub async fn add_guardian(&self, guardian_id: &str, student_id: &str) -> Result<()> {
        let guardian = self.user(guardian_id).await?;
        let student = self.user(student_id).await?;
        match (guardian, student) {
            (Some(g), Some(s)) if g.role == Role::Guardian && s.role == Role::Student => {}
            _ => {
                return Err(StoreError::Conflict(Conflict::NotAGuardianship));
            }
        }
        sqlx::query(
            "INSERT INTO guardianships (guardian_id, student_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(guardian_id)
        .bind(student_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Students enrolled in a class now, by display name.
    pub async fn class_students(&self, class_id: &str) -> Result<Vec<User>> {
        self.users_where(
            "JOIN enrollments e ON e.student_id = u.id WHERE e.class_id = $1 AND e.left_at IS NULL",
            class_id,
        )
        .await
    }

    pub async fn class_teachers(&self, class_id: &str) -> Result<Vec<User>> {
        self.users_where(
            "JOIN class_teachers t ON t.teacher_id = u.id WHERE t.class_id = $1",
            class_id,
        )
        .await
    }

    pub async fn children_of(&self, guardian_id: &str) -> Result<Vec<User>> {
        self.users_where(
            "JOIN guardianships g ON g.student_id = u.id WHERE g.guardian_id = $1",
            guardian_id,
        )
        .await
    }

    async fn users_where(&self, join_and_filter: &'static str, param: &str) -> Result<Vec<User>> {
        let rows: Vec<(String, String, String, String, i64, i64)> =
            sqlx::query_as(AssertSqlSafe(format!(
                "SELECT u.id, u.username, u.display_name, u.role, u.created_at, u.disabled \
             FROM users u {join_and_filter} ORDER BY u.display_name, u.id"
            )))
            .bind(param)
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter()
            .map(|(id, username, display_name, role, created_at, disabled)| {
                let role = role.parse().map_err(|detail| StoreError::Corrupt {
                    what: "users.role",
                    detail,
                })?;
                Ok(User {
                    id,
                    username,
                    display_name,
                    role,
                    created_at,
                    disabled: disabled != 0,
                })
            })
            .collect()
    }

    pub async fn teaches_class(&self, teacher_id: &str, class_id: &str) -> Result<bool> {
        self.exists(
            "SELECT 1 FROM class_teachers WHERE teacher_id = $1 AND class_id = $2",
            teacher_id,
            class_id,
        )
        .await
    }

    /// Whether the student is enrolled in the class now.
    pub async fn is_enrolled(&self, student_id: &str, class_id: &str) -> Result<bool> {
        self.exists(
            "SELECT 1 FROM enrollments WHERE student_id = $1 AND class_id = $2 AND left_at IS NULL",
            student_id,
            class_id,
        )
        .await
    }

    /// How `viewer` relates to the student `student_id`.
    pub async fn student_relation(
        &self,
        viewer: &User,
        student_id: &str,
    ) -> Result<StudentRelation> {
        Ok(match viewer.role {
            Role::Student if viewer.id == student_id => StudentRelation::Own,
            Role::Teacher
                if self
                    .exists(
                        "SELECT 1 FROM class_teachers t JOIN enrollments e ON e.class_id = t.class_id \
                         WHERE t.teacher_id = $1 AND e.student_id = $2 AND e.left_at IS NULL",
                        &viewer.id,
                        student_id,
                    )
                    .await? =>
            {
                StudentRelation::Teacher
            }
            Role::Guardian
                if self
                    .exists(
                        "SELECT 1 FROM guardianships WHERE guardian_id = $1 AND student_id = $2",
                        &viewer.id,
                        student_id,
                    )
                    .await? =>
            {
                StudentRelation::Guardian
            }
            _ => StudentRelation::None,
        })
    }

    /// Whether `teacher_id` teaches one class that holds both the student and the course:
    /// the rule for a course id that arrives in a form body beside a student in the path.
    pub async fn teaches_student_in_course(
        &self,
        teacher_id: &str,
        student_id: &str,
        course_id: &str,
    ) -> Result<bool> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM class_teachers t \
             JOIN enrollments e ON e.class_id = t.class_id \
             JOIN classes c ON c.id = t.class_id \
             WHERE t.teacher_id = $1 AND e.student_id = $2 AND c.course_id = $3 \
             AND e.left_at IS NULL",
        )
        .bind(teacher_id)
        .bind(student_id)
        .bind(course_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some_and(|(n,)| n > 0))
    }

    /// Every enrolment of a class, open and closed, by student name then join time: the
    /// class roster with its history.
    pub async fn class_enrolments(&self, class_id: &str) -> Result<Vec<Enrolment>> {
        let class = self
            .class(class_id)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "class",
                id: class_id.to_string(),
            })?;
        let rows: Vec<EnrolmentRow> = sqlx::query_as(
            "SELECT u.id, u.username, u.display_name, u.role, u.created_at, u.disabled, \
             e.joined_at, e.left_at FROM enrollments e JOIN users u ON u.id = e.student_id \
             WHERE e.class_id = $1 ORDER BY u.display_name, u.id, e.joined_at",
        )
        .bind(class_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                let (student, joined_at, left_at) = enrolment_from_row(row)?;
                Ok(Enrolment {
                    class: class.clone(),
                    student,
                    joined_at,
                    left_at,
                })
            })
            .collect()
    }

    /// Every enrolment of a student, open and closed, newest first.
    pub async fn student_enrolments(&self, student_id: &str) -> Result<Vec<Enrolment>> {
        let mut enrolments = Vec::new();
        let rows: Vec<(String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT class_id, joined_at, left_at FROM enrollments WHERE student_id = $1 \
             ORDER BY joined_at DESC, class_id",
        )
        .bind(student_id)
        .fetch_all(&self.pool)
        .await?;
        let Some(student) = self.user(student_id).await? else {
            return Ok(enrolments);
        };
        for (class_id, joined_at, left_at) in rows {
            if let Some(class) = self.class(&class_id).await? {
                enrolments.push(Enrolment {
                    class,
                    student: student.clone(),
                    joined_at,
                    left_at,
                });
            }
        }
        Ok(enrolments)
    }

    /// Takes someone out of a class at `at`: a student's open enrolment is closed (kept,
    /// with the date), a teacher stops teaching it. `NotFound` when they are not in it.
    pub async fn remove_from_class(&self, class_id: &str, user_id: &str, at: i64) -> Result<()> {
        let done = sqlx::query(
            "UPDATE enrollments SET left_at = $1 WHERE class_id = $2 AND student_id = $3 \
             AND left_at IS NULL",
        )
        .bind(at)
        .bind(class_id)
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() > 0 {
            return Ok(());
        }
        let done =
            sqlx::query("DELETE FROM class_teachers WHERE class_id = $1 AND teacher_id = $2")
                .bind(class_id)
                .bind(user_id)
                .execute(&self.pool)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                what: "member of the class",
                id: user_id.to_string(),
            });
        }
        Ok(())
    }

    /// Moves a student from one class to another at `at`, in one transaction: the old
    /// enrolment is closed and a new one opened. `NotFound` when the student is not in
    /// `from` or `to` does not exist; a conflict when they are already in `to`.
    pub async fn move_student(
        &self,
        from: &str,
        to: &str,
        student_id: &str,
        at: i64,
    ) -> Result<()> {
        if self.class(to).await?.is_none() {
            return Err(StoreError::NotFound {
                what: "class",
                id: to.to_string(),
            });
        }
        if from == to || self.is_enrolled(student_id, to).await? {
            return Err(StoreError::Conflict(Conflict::AlreadyEnrolled));
        }
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE enrollments SET left_at = $1 WHERE class_id = $2 AND student_id = $3 \
             AND left_at IS NULL",
        )
        .bind(at)
        .bind(from)
        .bind(student_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                what: "student in the class",
                id: student_id.to_string(),
            });
        }
        sqlx::query(
            "INSERT INTO enrollments (class_id, student_id, joined_at) VALUES ($1, $2, $3)",
        )
        .bind(to)
        .bind(student_id)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The guardians linked to a student, by name.
    pub async fn guardians_of(&self, student_id: &str) -> Result<Vec<User>> {
        self.users_where(
            "JOIN guardianships g ON g.guardian_id = u.id WHERE g.student_id = $1",
            student_id,
        )
        .await
    }

    /// Unlinks a guardian from a student. `NotFound` when they were not linked.
    pub async fn remove_guardian(&self, guardian_id: &str, student_id: &str) -> Result<()> {
        let done =
            sqlx::query("DELETE FROM guardianships WHERE guardian_id = $1 AND student_id = $2")
                .bind(guardian_id)
                .bind(student_id)
                .execute(&self.pool)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                what: "guardianship",
                id: format!("{guardian_id}/{student_id}"),
            });
        }
        Ok(())
    }

    async fn exists(&self, sql: &'static str, a: &str, b: &str) -> Result<bool> {
        let row: Option<(i64,)> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM ({sql}) AS found"
        )))
        .bind(a)
        .bind(b)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some_and(|(n,)| n > 0))
    }
}
