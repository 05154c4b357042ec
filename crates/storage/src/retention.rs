//! Retention: which students left every class long enough ago to be erased, and the
//! lease that lets one server of several run a daily job.

use crate::{Result, Store, User};

/// A student whose enrolments are all closed, with when they left the last one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftStudent {
    pub student: User,
    pub left_at: i64,
}

impl Store {
    /// Students with at least one enrolment, all of them closed before `left_before`
    /// (ms since the epoch), oldest departure first. A student never enrolled anywhere
    /// is not included (retention counts from leaving).
    pub async fn students_left_before(&self, left_before: i64) -> Result<Vec<LeftStudent>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT e.student_id, MAX(e.left_at) FROM enrollments e \
             JOIN users u ON u.id = e.student_id WHERE u.role = 'student' \
             GROUP BY e.student_id \
             HAVING COUNT(*) = COUNT(e.left_at) AND MAX(e.left_at) < $1 \
             ORDER BY MAX(e.left_at), e.student_id",
        )
        .bind(left_before)
        .fetch_all(&self.pool)
        .await?;
        let mut students = Vec::new();
        for (id, left_at) in rows {
            if let Some(student) = self.user(&id.into()).await? {
                students.push(LeftStudent { student, left_at });
            }
        }
        Ok(students)
    }

    /// Takes the lease `name` for `holder` until `until` if nobody holds it at `now`
    /// (the previous lease expired or there was none), in one conditional statement:
    /// of several servers asking at once, exactly one gets it. Returns whether this one did.
    pub async fn take_lease(&self, name: &str, holder: &str, now: i64, until: i64) -> Result<bool> {
        let taken = sqlx::query(
            "INSERT INTO job_leases (name, holder, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, \
             expires_at = excluded.expires_at WHERE job_leases.expires_at <= $4",
        )
        .bind(name)
        .bind(holder)
        .bind(until)
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(taken == 1)
    }
}
