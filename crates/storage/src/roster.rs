//! Classes, who teaches them, who is enrolled, and who is whose guardian.
//!
//! These relations are what authorization is decided on: a teacher sees the students of
//! the classes they teach, a guardian their own children, a student themself.

use crate::accounts::{Role, User};
use crate::{Conflict, Result, Store, StoreError, new_id};
use ownpace_core::ids::{ClassId, CourseId, UserId};
// Fragments passed to AssertSqlSafe below are `&'static str` literals of this module.
use sqlx::AssertSqlSafe;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    pub id: ClassId,
    pub name: String,
    pub course_id: CourseId,
    pub created_at: i64,
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

type ClassRow = (String, String, String, i64);

fn class_from_row((id, name, course_id, created_at): ClassRow) -> Class {
    Class {
        id: id.into(),
        name,
        course_id: course_id.into(),
        created_at,
    }
}

impl Store {
    /// Creates a class following a course, created at `at` (ms since the epoch).
    pub async fn create_class(&self, name: &str, course_id: &CourseId, at: i64) -> Result<Class> {
        if self.current_course(course_id).await?.is_none() {
            return Err(StoreError::NotFound {
                what: "course",
                id: course_id.to_string(),
            });
        }
        let class = Class {
            id: new_id().into(),
            name: name.to_string(),
            course_id: course_id.clone(),
            created_at: at,
        };
        sqlx::query(
            "INSERT INTO classes (id, name, course_id, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(class.id.as_str())
        .bind(&class.name)
        .bind(class.course_id.as_str())
        .bind(class.created_at)
        .execute(&self.pool)
        .await?;
        Ok(class)
    }

    pub async fn class(&self, class_id: &ClassId) -> Result<Option<Class>> {
        let row: Option<ClassRow> =
            sqlx::query_as("SELECT id, name, course_id, created_at FROM classes WHERE id = $1")
                .bind(class_id.as_str())
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(class_from_row))
    }

    pub async fn classes(&self) -> Result<Vec<Class>> {
        let rows: Vec<ClassRow> =
            sqlx::query_as("SELECT id, name, course_id, created_at FROM classes ORDER BY name, id")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(class_from_row).collect())
    }

    pub async fn classes_taught_by(&self, teacher_id: &UserId) -> Result<Vec<Class>> {
        let rows: Vec<ClassRow> = sqlx::query_as(
            "SELECT c.id, c.name, c.course_id, c.created_at FROM classes c \
             JOIN class_teachers t ON t.class_id = c.id WHERE t.teacher_id = $1 ORDER BY c.name, c.id",
        )
        .bind(teacher_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(class_from_row).collect())
    }

    pub async fn classes_of_student(&self, student_id: &UserId) -> Result<Vec<Class>> {
        let rows: Vec<ClassRow> = sqlx::query_as(
            "SELECT c.id, c.name, c.course_id, c.created_at FROM classes c \
             JOIN enrollments e ON e.class_id = c.id WHERE e.student_id = $1 ORDER BY c.name, c.id",
        )
        .bind(student_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(class_from_row).collect())
    }

    /// Adds `user_id` to a class as `role` (teacher or student).
    pub async fn add_to_class(&self, class_id: &ClassId, user_id: &UserId) -> Result<()> {
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
                "INSERT INTO enrollments (class_id, student_id) VALUES ($1, $2) \
                 ON CONFLICT DO NOTHING"
            }
            other => {
                return Err(StoreError::Conflict(Conflict::NotAClassMember {
                    username: user.username,
                    role: other,
                }));
            }
        };
        sqlx::query(sql)
            .bind(class_id.as_str())
            .bind(user_id.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn add_guardian(&self, guardian_id: &UserId, student_id: &UserId) -> Result<()> {
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
        .bind(guardian_id.as_str())
        .bind(student_id.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Students enrolled in a class, by display name.
    pub async fn class_students(&self, class_id: &ClassId) -> Result<Vec<User>> {
        self.users_where(
            "JOIN enrollments e ON e.student_id = u.id WHERE e.class_id = $1",
            class_id.as_str(),
        )
        .await
    }

    pub async fn class_teachers(&self, class_id: &ClassId) -> Result<Vec<User>> {
        self.users_where(
            "JOIN class_teachers t ON t.teacher_id = u.id WHERE t.class_id = $1",
            class_id.as_str(),
        )
        .await
    }

    pub async fn children_of(&self, guardian_id: &UserId) -> Result<Vec<User>> {
        self.users_where(
            "JOIN guardianships g ON g.student_id = u.id WHERE g.guardian_id = $1",
            guardian_id.as_str(),
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
                    id: id.into(),
                    username,
                    display_name,
                    role,
                    created_at,
                    disabled: disabled != 0,
                })
            })
            .collect()
    }

    pub async fn teaches_class(&self, teacher_id: &UserId, class_id: &ClassId) -> Result<bool> {
        self.exists(
            "SELECT 1 FROM class_teachers WHERE teacher_id = $1 AND class_id = $2",
            teacher_id.as_str(),
            class_id.as_str(),
        )
        .await
    }

    pub async fn is_enrolled(&self, student_id: &UserId, class_id: &ClassId) -> Result<bool> {
        self.exists(
            "SELECT 1 FROM enrollments WHERE student_id = $1 AND class_id = $2",
            student_id.as_str(),
            class_id.as_str(),
        )
        .await
    }

    /// How `viewer` relates to the student `student_id`.
    pub async fn student_relation(
        &self,
        viewer: &User,
        student_id: &UserId,
    ) -> Result<StudentRelation> {
        Ok(match viewer.role {
            Role::Student if viewer.id == *student_id => StudentRelation::Own,
            Role::Teacher
                if self
                    .exists(
                        "SELECT 1 FROM class_teachers t JOIN enrollments e ON e.class_id = t.class_id \
                         WHERE t.teacher_id = $1 AND e.student_id = $2",
                        viewer.id.as_str(),
                        student_id.as_str(),
                    )
                    .await? =>
            {
                StudentRelation::Teacher
            }
            Role::Guardian
                if self
                    .exists(
                        "SELECT 1 FROM guardianships WHERE guardian_id = $1 AND student_id = $2",
                        viewer.id.as_str(),
                        student_id.as_str(),
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
        teacher_id: &UserId,
        student_id: &UserId,
        course_id: &CourseId,
    ) -> Result<bool> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM class_teachers t \
             JOIN enrollments e ON e.class_id = t.class_id \
             JOIN classes c ON c.id = t.class_id \
             WHERE t.teacher_id = $1 AND e.student_id = $2 AND c.course_id = $3",
        )
        .bind(teacher_id.as_str())
        .bind(student_id.as_str())
        .bind(course_id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some_and(|(n,)| n > 0))
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
