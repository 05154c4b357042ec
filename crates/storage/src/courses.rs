//! Course versions and their assets.
//!
//! A course is stored whole, as the JSON of the validated `ownpace_core::course::Course`,
//! one row per version. Importing identical content again changes nothing; changed content
//! becomes a new version, and because events refer to stable skill and item ids, student
//! history carries over.

use crate::{Result, Store, StoreError};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ownpace_core::course::Course;
use ownpace_core::ids::CourseId;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// The current version of a course, as loaded for serving.
#[derive(Debug, Clone)]
pub struct CourseVersion {
    pub course: Arc<Course>,
    pub version: i64,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportOutcome {
    /// The course was new: version 1.
    Created { version: i64 },
    /// The course existed and its content changed.
    NewVersion { version: i64 },
    /// The same content is already the current version; nothing was written.
    Unchanged { version: i64 },
}

impl ImportOutcome {
    pub fn version(self) -> i64 {
        match self {
            ImportOutcome::Created { version }
            | ImportOutcome::NewVersion { version }
            | ImportOutcome::Unchanged { version } => version,
        }
    }
}

/// A course file that lessons reference (image, SVG, video).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAsset {
    pub path: String,
    pub media_type: String,
    pub bytes: Vec<u8>,
}

impl Store {
    /// Stores `course` with its assets as a new version, in one transaction: either the
    /// whole version is stored or nothing is.
    pub async fn import_course(
        &self,
        course: &Course,
        assets: &[StoredAsset],
        at: i64,
    ) -> Result<ImportOutcome> {
        let content = serde_json::to_string(course).map_err(|e| StoreError::Corrupt {
            what: "course",
            detail: e.to_string(),
        })?;
        let mut hasher = Sha256::new();
        hasher.update(content.as_bytes());
        for asset in assets {
            hasher.update(asset.path.as_bytes());
            hasher.update([0]);
            hasher.update(&asset.bytes);
        }
        let hash: String = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();

        let mut tx = self.pool.begin().await?;
        // Write first, so SQLite takes the write lock before we read.
        sqlx::query(
            "INSERT INTO courses (id, title, current_version) VALUES ($1, $2, 0) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(course.id.as_str())
        .bind(&course.title)
        .execute(&mut *tx)
        .await?;
        let current: Option<(i64, String)> = sqlx::query_as(
            "SELECT v.version, v.content_hash FROM courses c JOIN course_versions v \
             ON v.course_id = c.id AND v.version = c.current_version WHERE c.id = $1",
        )
        .bind(course.id.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((version, existing)) = &current
            && *existing == hash
        {
            tx.rollback().await?;
            return Ok(ImportOutcome::Unchanged { version: *version });
        }
        let version = current.as_ref().map_or(1, |(v, _)| v + 1);
        sqlx::query(
            "INSERT INTO course_versions (course_id, version, content_hash, content, imported_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(course.id.as_str())
        .bind(version)
        .bind(&hash)
        .bind(&content)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        for asset in assets {
            sqlx::query(
                "INSERT INTO course_assets (course_id, version, path, media_type, content_base64) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(course.id.as_str())
            .bind(version)
            .bind(&asset.path)
            .bind(&asset.media_type)
            .bind(BASE64.encode(&asset.bytes))
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE courses SET title = $1, current_version = $2 WHERE id = $3")
            .bind(&course.title)
            .bind(version)
            .bind(course.id.as_str())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(if current.is_some() {
            ImportOutcome::NewVersion { version }
        } else {
            ImportOutcome::Created { version }
        })
    }

    /// The current version of every course.
    pub async fn current_courses(&self) -> Result<Vec<CourseVersion>> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT v.version, v.content FROM courses c JOIN course_versions v \
             ON v.course_id = c.id AND v.version = c.current_version ORDER BY c.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(decode_course).collect()
    }

    pub async fn current_course(&self, course_id: &CourseId) -> Result<Option<CourseVersion>> {
        let row: Option<(i64, String)> = sqlx::query_as(
            "SELECT v.version, v.content FROM courses c JOIN course_versions v \
             ON v.course_id = c.id AND v.version = c.current_version WHERE c.id = $1",
        )
        .bind(course_id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(decode_course).transpose()
    }

    /// The number of the current version of a course (a cheap check for caches).
    pub async fn current_course_version(&self, course_id: &CourseId) -> Result<Option<i64>> {
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT current_version FROM courses WHERE id = $1")
                .bind(course_id.as_str())
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(v,)| v).filter(|v| *v > 0))
    }

    pub async fn course_asset(
        &self,
        course_id: &CourseId,
        version: i64,
        path: &str,
    ) -> Result<Option<StoredAsset>> {
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT media_type, content_base64 FROM course_assets \
             WHERE course_id = $1 AND version = $2 AND path = $3",
        )
        .bind(course_id.as_str())
        .bind(version)
        .bind(path)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(media_type, encoded)| {
            let bytes = BASE64.decode(encoded).map_err(|e| StoreError::Corrupt {
                what: "course_assets.content_base64",
                detail: e.to_string(),
            })?;
            Ok(StoredAsset {
                path: path.to_string(),
                media_type,
                bytes,
            })
        })
        .transpose()
    }
}

fn decode_course((version, content): (i64, String)) -> Result<CourseVersion> {
    let course: Course = serde_json::from_str(&content).map_err(|e| StoreError::Corrupt {
        what: "course_versions.content",
        detail: e.to_string(),
    })?;
    Ok(CourseVersion {
        course: Arc::new(course),
        version,
    })
}
