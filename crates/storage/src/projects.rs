//! Projects together (issue 10, points 1-3): rounds, rankings, groups and their members,
//! pairs kept apart, and the group space (milestones, posts, files, the final submission).
//! Rows, not events. Every text is length-limited here and every link must be `http(s)`,
//! so no caller can store more or store a `javascript:` link; files arrive already checked
//! (type on content, metadata stripped, name cleaned: `web::uploads`) and the per-file
//! size, per-student and per-group quotas are enforced by the insert itself.
//!
//! Members leave a group by closing their row (`left_at`), like enrolments; a move closes
//! one row and opens another, so the history of who worked with whom stays (the grouping
//! reads it to avoid repeat partners).

use crate::{Result, Store, StoreError, check_text, new_id};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ownpace_core::ids::{ClassId, CourseId, UserId};

/// The longest round title.
pub const MAX_ROUND_TITLE_CHARS: usize = 120;
/// The longest group name.
pub const MAX_GROUP_NAME_CHARS: usize = 80;
/// The longest post in a group's log.
pub const MAX_POST_CHARS: usize = 2_000;
/// The longest link (posts and submissions).
pub const MAX_LINK_CHARS: usize = 500;
/// The longest milestone title.
pub const MAX_MILESTONE_CHARS: usize = 200;
/// The longest submission text.
pub const MAX_SUBMISSION_CHARS: usize = 5_000;
/// The longest file name kept for display.
pub const MAX_FILE_NAME_CHARS: usize = 120;
/// Projects a round offers at most.
pub const MAX_ROUND_PROJECTS: usize = 30;
/// Groups a proposal holds at most.
pub const MAX_GROUPS: usize = 100;
/// Milestones a group holds at most.
pub const MAX_MILESTONES: i64 = 30;
/// Posts a group's log holds at most.
pub const MAX_POSTS: i64 = 1_000;
/// The largest group size a round accepts.
pub const MAX_GROUP_SIZE: i64 = 12;

/// Where a round is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RoundStatus {
    /// Open to rank (until `closes_at`).
    Ranking,
    /// Groups proposed; only the teacher sees them.
    Proposed,
    /// Groups shown to students; work under way.
    Published,
    Finished,
}

impl RoundStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RoundStatus::Ranking => "ranking",
            RoundStatus::Proposed => "proposed",
            RoundStatus::Published => "published",
            RoundStatus::Finished => "finished",
        }
    }

    pub fn parse(text: &str) -> Option<RoundStatus> {
        match text {
            "ranking" => Some(RoundStatus::Ranking),
            "proposed" => Some(RoundStatus::Proposed),
            "published" => Some(RoundStatus::Published),
            "finished" => Some(RoundStatus::Finished),
            _ => None,
        }
    }
}

/// A project offered in a round, with the group size for this round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundProject {
    pub project_id: String,
    pub group_min: i64,
    pub group_max: i64,
}

/// A round as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Round {
    pub id: String,
    pub class_id: ClassId,
    pub course_id: CourseId,
    pub title: String,
    pub opened_by: UserId,
    pub opens_at: i64,
    /// The ranking deadline.
    pub closes_at: i64,
    /// When the work is due.
    pub due_at: i64,
    pub status: RoundStatus,
    pub seed: i64,
    pub created_at: i64,
    pub published_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub projects: Vec<RoundProject>,
}

impl Round {
    /// Whether a student may (still) rank at `now`.
    pub fn ranking_open(&self, now: i64) -> bool {
        self.status == RoundStatus::Ranking && now >= self.opens_at && now <= self.closes_at
    }
}

/// A round to open.
#[derive(Debug, Clone)]
pub struct NewRound<'a> {
    pub class_id: &'a ClassId,
    pub course_id: &'a CourseId,
    pub title: &'a str,
    pub opened_by: &'a UserId,
    pub opens_at: i64,
    pub closes_at: i64,
    pub due_at: i64,
    pub seed: i64,
    pub projects: &'a [RoundProject],
}

/// A group as stored (without its members: [`Store::group_members`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub id: String,
    pub round_id: String,
    pub class_id: ClassId,
    pub project_id: String,
    pub name: String,
    pub position: i64,
    pub created_at: i64,
    pub published_at: Option<i64>,
    pub submitted_at: Option<i64>,
    pub submission_text: Option<String>,
    pub submission_link: Option<String>,
    pub submitted_by: Option<UserId>,
}

impl Group {
    /// After the final submission the group's work is read-only.
    pub fn is_submitted(&self) -> bool {
        self.submitted_at.is_some()
    }
}

/// A member of a group (an open row unless read as history).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupMember {
    pub group_id: String,
    pub student_id: UserId,
    pub display_name: String,
    pub joined_at: i64,
    pub left_at: Option<i64>,
    /// Why the proposal placed them here, in words, or "moved by hand".
    pub reason: String,
}

/// A group to save as part of a proposal: its project, name and members with reasons.
#[derive(Debug, Clone)]
pub struct ProposedGroup {
    pub project_id: String,
    pub name: String,
    pub members: Vec<(UserId, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Milestone {
    pub id: String,
    pub group_id: String,
    pub title: String,
    pub due_at: i64,
    pub added_by: UserId,
    pub added_at: i64,
    pub done_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Post {
    pub id: String,
    pub group_id: String,
    pub author_id: UserId,
    /// The author's display name ("Erased student" after an erasure).
    pub author_name: String,
    pub text: String,
    pub link: Option<String>,
    pub posted_at: i64,
}

/// A file's description (without its content).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupFile {
    pub id: String,
    pub group_id: String,
    pub uploaded_by: UserId,
    pub uploader_name: String,
    pub name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub uploaded_at: i64,
    pub in_submission: bool,
}

/// A file already checked (`web::uploads::check`) to store.
#[derive(Debug, Clone)]
pub struct NewFile<'a> {
    pub group_id: &'a str,
    pub uploaded_by: &'a UserId,
    pub name: &'a str,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
    pub at: i64,
}

/// The limits an upload is stored under (from the settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileQuota {
    pub max_file_bytes: i64,
    pub per_student_bytes: i64,
    pub per_group_bytes: i64,
}

impl Default for FileQuota {
    fn default() -> Self {
        FileQuota {
            max_file_bytes: 5 * 1024 * 1024,
            per_student_bytes: 20 * 1024 * 1024,
            per_group_bytes: 50 * 1024 * 1024,
        }
    }
}

fn invalid(field: &'static str, message: impl Into<String>) -> StoreError {
    StoreError::Invalid {
        field,
        message: message.into(),
    }
}

/// A link: `http://` or `https://`, no spaces or control characters, at most
/// [`MAX_LINK_CHARS`].
pub fn check_link(field: &'static str, link: &str) -> Result<()> {
    check_text(field, link, MAX_LINK_CHARS, true)?;
    let lower = link.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    if rest.is_none_or(|r| r.is_empty() || r.starts_with('/')) {
        return Err(invalid(
            field,
            "a web address starting with https:// (or http://)",
        ));
    }
    if link.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid(
            field,
            "a web address without spaces: copy it from the browser's address bar",
        ));
    }
    Ok(())
}

type RoundRow = (
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    i64,
    String,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
);

const ROUND_COLUMNS: &str = "id, class_id, course_id, title, opened_by, opens_at, closes_at, \
     due_at, status, seed, created_at, published_at, finished_at";

type GroupRow = (
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
);

const GROUP_COLUMNS: &str = "g.id, g.round_id, r.class_id, g.project_id, g.name, g.position, \
     g.created_at, g.published_at, g.submitted_at, g.submission_text, g.submission_link, \
     g.submitted_by";

fn group_from(row: GroupRow) -> Group {
    let (
        id,
        round_id,
        class_id,
        project_id,
        name,
        position,
        created_at,
        published_at,
        submitted_at,
        submission_text,
        submission_link,
        submitted_by,
    ) = row;
    Group {
        id,
        round_id,
        class_id: ClassId::new(class_id),
        project_id,
        name,
        position,
        created_at,
        published_at,
        submitted_at,
        submission_text,
        submission_link,
        submitted_by: submitted_by.map(UserId::new),
    }
}

type MemberRow = (String, String, String, i64, Option<i64>, String);

fn member_from((group_id, student, name, joined_at, left_at, reason): MemberRow) -> GroupMember {
    GroupMember {
        group_id,
        student_id: UserId::new(student),
        display_name: name,
        joined_at,
        left_at,
        reason,
    }
}

type MilestoneRow = (String, String, String, i64, String, i64, Option<i64>);
type PostRow = (String, String, String, String, String, Option<String>, i64);
type FileWithContentRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    i64,
    String,
);

type FileRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    i64,
);

fn file_from(row: FileRow) -> GroupFile {
    let (id, group_id, by, by_name, name, content_type, size_bytes, uploaded_at, in_sub) = row;
    GroupFile {
        id,
        group_id,
        uploaded_by: UserId::new(by),
        uploader_name: by_name,
        name,
        content_type,
        size_bytes,
        uploaded_at,
        in_submission: in_sub != 0,
    }
}

impl Store {
    // ----- rounds -----

    /// Opens a round for a class with its projects (each with its group size). Checks
    /// dates (opens ≤ closes ≤ due), sizes (1 ≤ min ≤ max ≤ [`MAX_GROUP_SIZE`]), that
    /// at least one project is offered, and no project twice.
    pub async fn create_round(&self, new: &NewRound<'_>, at: i64) -> Result<Round> {
        check_text("title", new.title, MAX_ROUND_TITLE_CHARS, true)?;
        if new.projects.is_empty() {
            return Err(invalid("projects", "choose at least one project"));
        }
        if new.projects.len() > MAX_ROUND_PROJECTS {
            return Err(invalid(
                "projects",
                format!("at most {MAX_ROUND_PROJECTS} projects in a round"),
            ));
        }
        if new.closes_at < new.opens_at {
            return Err(invalid(
                "closes_at",
                "the ranking deadline comes after the round opens",
            ));
        }
        if new.due_at < new.closes_at {
            return Err(invalid(
                "due_at",
                "the work is due after the ranking deadline",
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for p in new.projects {
            check_text("projects", &p.project_id, 200, true)?;
            if !seen.insert(p.project_id.as_str()) {
                return Err(invalid(
                    "projects",
                    format!("{} is offered twice", p.project_id),
                ));
            }
            if p.group_min < 1 || p.group_min > p.group_max || p.group_max > MAX_GROUP_SIZE {
                return Err(invalid(
                    "group size",
                    format!(
                        "{}: a group of 1 to {MAX_GROUP_SIZE}, the smallest size not above the largest (given {}–{})",
                        p.project_id, p.group_min, p.group_max
                    ),
                ));
            }
        }
        let id = new_id();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO project_rounds (id, class_id, course_id, title, opened_by, opens_at, \
             closes_at, due_at, status, seed, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'ranking', $9, $10)",
        )
        .bind(&id)
        .bind(new.class_id.as_str())
        .bind(new.course_id.as_str())
        .bind(new.title.trim())
        .bind(new.opened_by.as_str())
        .bind(new.opens_at)
        .bind(new.closes_at)
        .bind(new.due_at)
        .bind(new.seed)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        for (position, p) in new.projects.iter().enumerate() {
            sqlx::query(
                "INSERT INTO round_projects (round_id, project_id, position, group_min, group_max) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&id)
            .bind(&p.project_id)
            .bind(position as i64)
            .bind(p.group_min)
            .bind(p.group_max)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.round(&id)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: "round", id })
    }

    /// Adds a project to a round still open to rank (at the end of its list).
    pub async fn add_round_project(&self, round_id: &str, project: &RoundProject) -> Result<()> {
        let round = self.round_or_404(round_id).await?;
        if round.status != RoundStatus::Ranking {
            return Err(StoreError::Conflict(crate::Conflict::ProjectRound(
                "projects are added while the round is open to rank",
            )));
        }
        if round
            .projects
            .iter()
            .any(|p| p.project_id == project.project_id)
        {
            return Err(invalid("projects", "that project is already in the round"));
        }
        if project.group_min < 1
            || project.group_min > project.group_max
            || project.group_max > MAX_GROUP_SIZE
        {
            return Err(invalid(
                "group size",
                format!("a group of 1 to {MAX_GROUP_SIZE}"),
            ));
        }
        sqlx::query(
            "INSERT INTO round_projects (round_id, project_id, position, group_min, group_max) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(round_id)
        .bind(&project.project_id)
        .bind(round.projects.len() as i64)
        .bind(project.group_min)
        .bind(project.group_max)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A round with its projects.
    pub async fn round(&self, round_id: &str) -> Result<Option<Round>> {
        let sql = format!("SELECT {ROUND_COLUMNS} FROM project_rounds WHERE id = $1");
        let row: Option<RoundRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(round_id)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => Ok(Some(self.round_from(row).await?)),
            None => Ok(None),
        }
    }

    async fn round_or_404(&self, round_id: &str) -> Result<Round> {
        self.round(round_id)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "round",
                id: round_id.to_string(),
            })
    }

    async fn round_from(&self, row: RoundRow) -> Result<Round> {
        let (
            id,
            class_id,
            course_id,
            title,
            opened_by,
            opens_at,
            closes_at,
            due_at,
            status,
            seed,
            created_at,
            published_at,
            finished_at,
        ) = row;
        let projects: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT project_id, group_min, group_max FROM round_projects WHERE round_id = $1 \
             ORDER BY position, project_id",
        )
        .bind(&id)
        .fetch_all(&self.pool)
        .await?;
        Ok(Round {
            class_id: ClassId::new(class_id),
            course_id: CourseId::new(course_id),
            title,
            opened_by: UserId::new(opened_by),
            opens_at,
            closes_at,
            due_at,
            status: RoundStatus::parse(&status).ok_or_else(|| StoreError::Corrupt {
                what: "project_rounds.status",
                detail: status.clone(),
            })?,
            seed,
            created_at,
            published_at,
            finished_at,
            projects: projects
                .into_iter()
                .map(|(project_id, group_min, group_max)| RoundProject {
                    project_id,
                    group_min,
                    group_max,
                })
                .collect(),
            id,
        })
    }

    /// A class's rounds, newest first.
    pub async fn rounds_of_class(&self, class_id: &ClassId) -> Result<Vec<Round>> {
        let sql = format!(
            "SELECT {ROUND_COLUMNS} FROM project_rounds WHERE class_id = $1 \
             ORDER BY created_at DESC, id DESC"
        );
        let rows: Vec<RoundRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(class_id.as_str())
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(self.round_from(row).await?);
        }
        Ok(out)
    }

    /// The rounds of every class the student is in now, newest first.
    pub async fn rounds_of_student(&self, student_id: &UserId) -> Result<Vec<Round>> {
        let sql = format!(
            "SELECT {ROUND_COLUMNS} FROM project_rounds WHERE class_id IN \
             (SELECT class_id FROM enrollments WHERE student_id = $1 AND left_at IS NULL) \
             ORDER BY created_at DESC, id DESC"
        );
        let rows: Vec<RoundRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(student_id.as_str())
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(self.round_from(row).await?);
        }
        Ok(out)
    }

    /// Marks a published round finished.
    pub async fn finish_round(&self, round_id: &str, at: i64) -> Result<()> {
        let done = sqlx::query(
            "UPDATE project_rounds SET status = 'finished', finished_at = $2 \
             WHERE id = $1 AND status = 'published'",
        )
        .bind(round_id)
        .bind(at)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if done == 0 {
            return Err(StoreError::Conflict(crate::Conflict::ProjectRound(
                "only a round whose groups are published can be finished",
            )));
        }
        Ok(())
    }

    // ----- rankings -----

    /// Replaces the student's ranking of the round: `project_ids` in order, first choice
    /// first (a subset of the round's projects, each once). Only while ranking is open at
    /// `at`.
    pub async fn set_ranking(
        &self,
        round_id: &str,
        student_id: &UserId,
        project_ids: &[String],
        at: i64,
    ) -> Result<()> {
        let round = self.round_or_404(round_id).await?;
        if !round.ranking_open(at) {
            return Err(StoreError::Conflict(crate::Conflict::ProjectRound(
                "ranking has closed for this round: your teacher forms the groups now",
            )));
        }
        let mut seen = std::collections::BTreeSet::new();
        for id in project_ids {
            if !round.projects.iter().any(|p| &p.project_id == id) {
                return Err(invalid(
                    "ranking",
                    "a project that is not in this round: reload the page",
                ));
            }
            if !seen.insert(id.as_str()) {
                return Err(invalid(
                    "ranking",
                    "each project gets one place: give every project a different rank",
                ));
            }
        }
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM round_rankings WHERE round_id = $1 AND student_id = $2")
            .bind(round_id)
            .bind(student_id.as_str())
            .execute(&mut *tx)
            .await?;
        for (i, project) in project_ids.iter().enumerate() {
            sqlx::query(
                "INSERT INTO round_rankings (round_id, student_id, project_id, rank, ranked_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(round_id)
            .bind(student_id.as_str())
            .bind(project)
            .bind(i as i64 + 1)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The student's ranking of the round, first choice first (empty: not ranked).
    pub async fn ranking(&self, round_id: &str, student_id: &UserId) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT project_id FROM round_rankings WHERE round_id = $1 AND student_id = $2 \
             ORDER BY rank",
        )
        .bind(round_id)
        .bind(student_id.as_str())
        .fetch_all(&self.pool)
        .await?)
    }

    /// Every ranking of the round: (student, project ids first choice first).
    pub async fn rankings(&self, round_id: &str) -> Result<Vec<(UserId, Vec<String>)>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT student_id, project_id FROM round_rankings WHERE round_id = $1 \
             ORDER BY student_id, rank",
        )
        .bind(round_id)
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<(UserId, Vec<String>)> = Vec::new();
        for (student, project) in rows {
            match out.last_mut() {
                Some((s, list)) if s.as_str() == student => list.push(project),
                _ => out.push((UserId::new(student), vec![project])),
            }
        }
        Ok(out)
    }

    // ----- groups -----

    /// Saves a proposal: replaces the round's unpublished groups with `groups` (members
    /// with their reasons) and marks the round `proposed`. Refused once published.
    pub async fn save_proposal(
        &self,
        round_id: &str,
        groups: &[ProposedGroup],
        at: i64,
    ) -> Result<()> {
        let round = self.round_or_404(round_id).await?;
        if !matches!(round.status, RoundStatus::Ranking | RoundStatus::Proposed) {
            return Err(StoreError::Conflict(crate::Conflict::ProjectRound(
                "the groups are already published: move members one by one instead",
            )));
        }
        if groups.len() > MAX_GROUPS {
            return Err(invalid("groups", format!("at most {MAX_GROUPS} groups")));
        }
        let mut placed = std::collections::BTreeSet::new();
        for g in groups {
            check_text("group name", &g.name, MAX_GROUP_NAME_CHARS, true)?;
            if !round.projects.iter().any(|p| p.project_id == g.project_id) {
                return Err(invalid("groups", "a group's project is not in the round"));
            }
            for (student, _) in &g.members {
                if !placed.insert(student.as_str()) {
                    return Err(invalid("groups", "a student is placed in two groups"));
                }
            }
        }
        let mut tx = self.pool.begin().await?;
        // The write first, so SQLite takes the lock up front.
        sqlx::query("UPDATE project_rounds SET status = 'proposed' WHERE id = $1")
            .bind(round_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "DELETE FROM group_members WHERE group_id IN \
             (SELECT id FROM project_groups WHERE round_id = $1 AND published_at IS NULL)",
        )
        .bind(round_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM project_groups WHERE round_id = $1 AND published_at IS NULL")
            .bind(round_id)
            .execute(&mut *tx)
            .await?;
        for (position, g) in groups.iter().enumerate() {
            let group_id = new_id();
            sqlx::query(
                "INSERT INTO project_groups (id, round_id, project_id, name, position, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&group_id)
            .bind(round_id)
            .bind(&g.project_id)
            .bind(g.name.trim())
            .bind(position as i64)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            for (student, reason) in &g.members {
                let reason: String = reason.chars().take(300).collect();
                sqlx::query(
                    "INSERT INTO group_members (id, group_id, student_id, joined_at, reason) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(new_id())
                .bind(&group_id)
                .bind(student.as_str())
                .bind(at)
                .bind(reason)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Publishes the round's proposed groups (students see them from now on); returns
    /// the groups with their open members, for the notices.
    pub async fn publish_groups(
        &self,
        round_id: &str,
        at: i64,
    ) -> Result<Vec<(Group, Vec<GroupMember>)>> {
        let mut tx = self.pool.begin().await?;
        let changed = sqlx::query(
            "UPDATE project_rounds SET status = 'published', published_at = $2 \
             WHERE id = $1 AND status = 'proposed'",
        )
        .bind(round_id)
        .bind(at)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::Conflict(crate::Conflict::ProjectRound(
                "there is no proposal to publish: propose groups first",
            )));
        }
        sqlx::query(
            "UPDATE project_groups SET published_at = $2 WHERE round_id = $1 AND published_at IS NULL",
        )
        .bind(round_id)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        let mut out = Vec::new();
        for group in self.groups_of_round(round_id).await? {
            let members = self.group_members(&group.id).await?;
            out.push((group, members));
        }
        Ok(out)
    }

    /// A group with its round's class.
    pub async fn group(&self, group_id: &str) -> Result<Option<Group>> {
        let sql = format!(
            "SELECT {GROUP_COLUMNS} FROM project_groups g \
             JOIN project_rounds r ON r.id = g.round_id WHERE g.id = $1"
        );
        let row: Option<GroupRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(group_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(group_from))
    }

    /// The round's groups (proposed or published), in order.
    pub async fn groups_of_round(&self, round_id: &str) -> Result<Vec<Group>> {
        let sql = format!(
            "SELECT {GROUP_COLUMNS} FROM project_groups g \
             JOIN project_rounds r ON r.id = g.round_id WHERE g.round_id = $1 \
             ORDER BY g.position, g.id"
        );
        let rows: Vec<GroupRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(round_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(group_from).collect())
    }

    /// The published groups the student is in now, newest round first.
    pub async fn groups_of_student(&self, student_id: &UserId) -> Result<Vec<Group>> {
        let sql = format!(
            "SELECT {GROUP_COLUMNS} FROM project_groups g \
             JOIN project_rounds r ON r.id = g.round_id \
             JOIN group_members m ON m.group_id = g.id \
             WHERE m.student_id = $1 AND m.left_at IS NULL AND g.published_at IS NOT NULL \
             ORDER BY r.created_at DESC, g.id"
        );
        let rows: Vec<GroupRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(student_id.as_str())
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(group_from).collect())
    }

    /// The group the student is in now in the round (proposed or published).
    pub async fn group_of(&self, student_id: &UserId, round_id: &str) -> Result<Option<Group>> {
        let sql = format!(
            "SELECT {GROUP_COLUMNS} FROM project_groups g \
             JOIN project_rounds r ON r.id = g.round_id \
             JOIN group_members m ON m.group_id = g.id \
             WHERE m.student_id = $1 AND g.round_id = $2 AND m.left_at IS NULL"
        );
        let row: Option<GroupRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(student_id.as_str())
            .bind(round_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(group_from))
    }

    /// The group's members now (open rows), by name.
    pub async fn group_members(&self, group_id: &str) -> Result<Vec<GroupMember>> {
        let rows: Vec<MemberRow> = sqlx::query_as(
            "SELECT m.group_id, m.student_id, u.display_name, m.joined_at, m.left_at, m.reason \
             FROM group_members m JOIN users u ON u.id = m.student_id \
             WHERE m.group_id = $1 AND m.left_at IS NULL ORDER BY u.display_name, m.student_id",
        )
        .bind(group_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(member_from).collect())
    }

    /// Whether the student is a member of the group now.
    pub async fn is_group_member(&self, group_id: &str, student_id: &UserId) -> Result<bool> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT 1 FROM group_members WHERE group_id = $1 AND student_id = $2 AND left_at IS NULL",
        )
        .bind(group_id)
        .bind(student_id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    /// Moves the student into `to_group` (same round): closes their open row in the
    /// round and opens one in `to_group` with `reason`. Refused for a submitted group.
    pub async fn move_member(
        &self,
        student_id: &UserId,
        to_group: &str,
        by: &UserId,
        reason: &str,
        at: i64,
    ) -> Result<()> {
        let target = self
            .group(to_group)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "group",
                id: to_group.to_string(),
            })?;
        if target.is_submitted() {
            return Err(StoreError::Conflict(crate::Conflict::ProjectRound(
                "that group has submitted its work: it is read-only",
            )));
        }
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE group_members SET left_at = $3, left_by = $4 WHERE student_id = $1 \
             AND left_at IS NULL AND group_id IN (SELECT id FROM project_groups WHERE round_id = $2)",
        )
        .bind(student_id.as_str())
        .bind(&target.round_id)
        .bind(at)
        .bind(by.as_str())
        .execute(&mut *tx)
        .await?;
        let reason: String = reason.chars().take(300).collect();
        sqlx::query(
            "INSERT INTO group_members (id, group_id, student_id, joined_at, reason) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(new_id())
        .bind(to_group)
        .bind(student_id.as_str())
        .bind(at)
        .bind(reason)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes the student from the group (their row is closed, history kept).
    pub async fn remove_member(
        &self,
        group_id: &str,
        student_id: &UserId,
        by: &UserId,
        at: i64,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE group_members SET left_at = $3, left_by = $4 \
             WHERE group_id = $1 AND student_id = $2 AND left_at IS NULL",
        )
        .bind(group_id)
        .bind(student_id.as_str())
        .bind(at)
        .bind(by.as_str())
        .execute(&self.pool)
        .await?
        .rows_affected();
        if done == 0 {
            return Err(StoreError::NotFound {
                what: "group member",
                id: student_id.to_string(),
            });
        }
        Ok(())
    }

    /// Pairs of students who shared a published group in the class's earlier rounds
    /// (other than `except_round`), once per shared group: the grouping's history.
    pub async fn past_partners(
        &self,
        class_id: &ClassId,
        except_round: &str,
    ) -> Result<Vec<(UserId, UserId)>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT DISTINCT a.student_id, b.student_id FROM group_members a \
             JOIN group_members b ON b.group_id = a.group_id AND a.student_id < b.student_id \
             JOIN project_groups g ON g.id = a.group_id \
             JOIN project_rounds r ON r.id = g.round_id \
             WHERE r.class_id = $1 AND r.id <> $2 AND g.published_at IS NOT NULL",
        )
        .bind(class_id.as_str())
        .bind(except_round)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(a, b)| (UserId::new(a), UserId::new(b)))
            .collect())
    }

    // ----- pairs kept apart -----

    /// Keeps two students of a class apart in future groups.
    pub async fn set_keep_apart(
        &self,
        class_id: &ClassId,
        a: &UserId,
        b: &UserId,
        by: &UserId,
        at: i64,
    ) -> Result<()> {
        if a == b {
            return Err(invalid("students", "choose two different students"));
        }
        let (a, b) = if a < b { (a, b) } else { (b, a) };
        sqlx::query(
            "INSERT INTO keep_apart (class_id, student_a, student_b, set_by, set_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(class_id.as_str())
        .bind(a.as_str())
        .bind(b.as_str())
        .bind(by.as_str())
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Lets two students share a group again.
    pub async fn remove_keep_apart(
        &self,
        class_id: &ClassId,
        a: &UserId,
        b: &UserId,
    ) -> Result<()> {
        let (a, b) = if a < b { (a, b) } else { (b, a) };
        sqlx::query(
            "DELETE FROM keep_apart WHERE class_id = $1 AND student_a = $2 AND student_b = $3",
        )
        .bind(class_id.as_str())
        .bind(a.as_str())
        .bind(b.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The class's pairs kept apart.
    pub async fn keep_apart_pairs(&self, class_id: &ClassId) -> Result<Vec<(UserId, UserId)>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT student_a, student_b FROM keep_apart WHERE class_id = $1 \
             ORDER BY student_a, student_b",
        )
        .bind(class_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(a, b)| (UserId::new(a), UserId::new(b)))
            .collect())
    }

    // ----- the group space -----

    async fn writable_group(&self, group_id: &str) -> Result<Group> {
        let group = self
            .group(group_id)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "group",
                id: group_id.to_string(),
            })?;
        if group.is_submitted() {
            return Err(StoreError::Conflict(crate::Conflict::ProjectRound(
                "the group has submitted its work: it is read-only now",
            )));
        }
        Ok(group)
    }

    /// Adds a milestone to a group.
    pub async fn add_milestone(
        &self,
        group_id: &str,
        title: &str,
        due_at: i64,
        by: &UserId,
        at: i64,
    ) -> Result<String> {
        check_text("milestone", title, MAX_MILESTONE_CHARS, true)?;
        self.writable_group(group_id).await?;
        let id = new_id();
        let added = sqlx::query(
            "INSERT INTO group_milestones (id, group_id, title, due_at, added_by, added_at) \
             SELECT $1, $2, $3, $4, $5, $6 WHERE \
             (SELECT COUNT(*) FROM group_milestones WHERE group_id = $2) < $7",
        )
        .bind(&id)
        .bind(group_id)
        .bind(title.trim())
        .bind(due_at)
        .bind(by.as_str())
        .bind(at)
        .bind(MAX_MILESTONES)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if added == 0 {
            return Err(invalid(
                "milestone",
                format!("a group has at most {MAX_MILESTONES} milestones"),
            ));
        }
        Ok(id)
    }

    /// Marks a milestone of the group done (or not done again).
    pub async fn set_milestone_done(
        &self,
        group_id: &str,
        milestone_id: &str,
        done_at: Option<i64>,
    ) -> Result<()> {
        self.writable_group(group_id).await?;
        let done =
            sqlx::query("UPDATE group_milestones SET done_at = $3 WHERE id = $1 AND group_id = $2")
                .bind(milestone_id)
                .bind(group_id)
                .bind(done_at)
                .execute(&self.pool)
                .await?
                .rows_affected();
        if done == 0 {
            return Err(StoreError::NotFound {
                what: "milestone",
                id: milestone_id.to_string(),
            });
        }
        Ok(())
    }

    /// The group's milestones by date.
    pub async fn milestones(&self, group_id: &str) -> Result<Vec<Milestone>> {
        let rows: Vec<MilestoneRow> = sqlx::query_as(
            "SELECT id, group_id, title, due_at, added_by, added_at, done_at \
             FROM group_milestones WHERE group_id = $1 ORDER BY due_at, id",
        )
        .bind(group_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, group_id, title, due_at, added_by, added_at, done_at)| Milestone {
                    id,
                    group_id,
                    title,
                    due_at,
                    added_by: UserId::new(added_by),
                    added_at,
                    done_at,
                },
            )
            .collect())
    }

    /// Adds a post to the group's log (text required; link optional, `http(s)` only).
    pub async fn add_post(
        &self,
        group_id: &str,
        author: &UserId,
        text: &str,
        link: Option<&str>,
        at: i64,
    ) -> Result<String> {
        check_text("post", text, MAX_POST_CHARS, true)?;
        if let Some(link) = link {
            check_link("link", link)?;
        }
        self.writable_group(group_id).await?;
        let id = new_id();
        let added = sqlx::query(
            "INSERT INTO group_posts (id, group_id, author_id, text, link, posted_at) \
             SELECT $1, $2, $3, $4, $5, $6 WHERE \
             (SELECT COUNT(*) FROM group_posts WHERE group_id = $2) < $7",
        )
        .bind(&id)
        .bind(group_id)
        .bind(author.as_str())
        .bind(text.trim())
        .bind(link)
        .bind(at)
        .bind(MAX_POSTS)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if added == 0 {
            return Err(invalid(
                "post",
                format!("a group's log holds at most {MAX_POSTS} posts"),
            ));
        }
        Ok(id)
    }

    /// The group's log, newest first.
    pub async fn posts(&self, group_id: &str) -> Result<Vec<Post>> {
        let rows: Vec<PostRow> = sqlx::query_as(
            "SELECT p.id, p.group_id, p.author_id, u.display_name, p.text, p.link, p.posted_at \
                 FROM group_posts p JOIN users u ON u.id = p.author_id \
                 WHERE p.group_id = $1 ORDER BY p.posted_at DESC, p.id DESC",
        )
        .bind(group_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, group_id, author, author_name, text, link, posted_at)| Post {
                    id,
                    group_id,
                    author_id: UserId::new(author),
                    author_name,
                    text,
                    link,
                    posted_at,
                },
            )
            .collect())
    }

    /// Stores a checked file, within the per-file limit and the student's and group's
    /// quotas (checked by the insert itself, so two uploads at once cannot both pass).
    pub async fn add_file(&self, file: &NewFile<'_>, quota: FileQuota) -> Result<String> {
        let size = file.bytes.len() as i64;
        if size == 0 {
            return Err(invalid("file", "the file is empty"));
        }
        if size > quota.max_file_bytes {
            return Err(invalid(
                "file",
                format!(
                    "at most {} per file (this one is {})",
                    bytes_in_words(quota.max_file_bytes),
                    bytes_in_words(size)
                ),
            ));
        }
        check_text("file name", file.name, MAX_FILE_NAME_CHARS, true)?;
        self.writable_group(file.group_id).await?;
        let id = new_id();
        let added = sqlx::query(
            "INSERT INTO group_files (id, group_id, uploaded_by, name, content_type, size_bytes, \
             content_base64, uploaded_at, in_submission) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, 0 WHERE \
             (SELECT COALESCE(SUM(size_bytes), 0) FROM group_files WHERE uploaded_by = $3) + $6 <= $9 \
             AND (SELECT COALESCE(SUM(size_bytes), 0) FROM group_files WHERE group_id = $2) + $6 <= $10",
        )
        .bind(&id)
        .bind(file.group_id)
        .bind(file.uploaded_by.as_str())
        .bind(file.name)
        .bind(file.content_type)
        .bind(size)
        .bind(BASE64.encode(file.bytes))
        .bind(file.at)
        .bind(quota.per_student_bytes)
        .bind(quota.per_group_bytes)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if added == 0 {
            return Err(invalid(
                "file",
                format!(
                    "no room left: each student may keep {} and each group {} of files; ask your teacher or delete nothing and share a link instead",
                    bytes_in_words(quota.per_student_bytes),
                    bytes_in_words(quota.per_group_bytes)
                ),
            ));
        }
        Ok(id)
    }

    /// The group's files (descriptions only), newest first.
    pub async fn group_files(&self, group_id: &str) -> Result<Vec<GroupFile>> {
        let rows: Vec<FileRow> = sqlx::query_as(
            "SELECT f.id, f.group_id, f.uploaded_by, u.display_name, f.name, f.content_type, \
             f.size_bytes, f.uploaded_at, f.in_submission FROM group_files f \
             JOIN users u ON u.id = f.uploaded_by WHERE f.group_id = $1 \
             ORDER BY f.uploaded_at DESC, f.id DESC",
        )
        .bind(group_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(file_from).collect())
    }

    /// One file of the group with its content (`None` when it is not the group's).
    pub async fn group_file(
        &self,
        group_id: &str,
        file_id: &str,
    ) -> Result<Option<(GroupFile, Vec<u8>)>> {
        let row: Option<FileWithContentRow> = sqlx::query_as(
            "SELECT f.id, f.group_id, f.uploaded_by, u.display_name, f.name, f.content_type, \
                 f.size_bytes, f.uploaded_at, f.in_submission, f.content_base64 FROM group_files f \
                 JOIN users u ON u.id = f.uploaded_by WHERE f.id = $1 AND f.group_id = $2",
        )
        .bind(file_id)
        .bind(group_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some((id, g, by, by_name, name, content_type, size, at, in_sub, content)) = row else {
            return Ok(None);
        };
        let bytes = BASE64.decode(content).map_err(|e| StoreError::Corrupt {
            what: "group_files.content_base64",
            detail: e.to_string(),
        })?;
        Ok(Some((
            file_from((id, g, by, by_name, name, content_type, size, at, in_sub)),
            bytes,
        )))
    }

    /// The final submission by a member: text, an optional link and the chosen files of
    /// the group. Once only (a conditional update); afterwards the work is read-only.
    pub async fn submit_group(
        &self,
        group_id: &str,
        by: &UserId,
        text: &str,
        link: Option<&str>,
        file_ids: &[String],
        at: i64,
    ) -> Result<()> {
        check_text("submission", text, MAX_SUBMISSION_CHARS, true)?;
        if let Some(link) = link {
            check_link("link", link)?;
        }
        let group = self.writable_group(group_id).await?;
        if group.published_at.is_none() {
            return Err(StoreError::NotFound {
                what: "group",
                id: group_id.to_string(),
            });
        }
        let files = self.group_files(group_id).await?;
        for id in file_ids {
            if !files.iter().any(|f| &f.id == id) {
                return Err(invalid(
                    "files",
                    "a file that is not the group's: reload the page",
                ));
            }
        }
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE project_groups SET submitted_at = $2, submitted_by = $3, submission_text = $4, \
             submission_link = $5 WHERE id = $1 AND submitted_at IS NULL",
        )
        .bind(group_id)
        .bind(at)
        .bind(by.as_str())
        .bind(text.trim())
        .bind(link)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done == 0 {
            return Err(StoreError::Conflict(crate::Conflict::ProjectRound(
                "the group has already submitted its work",
            )));
        }
        for id in file_ids {
            sqlx::query("UPDATE group_files SET in_submission = 1 WHERE id = $1 AND group_id = $2")
                .bind(id)
                .bind(group_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// A size in words: "5 MB", "300 KB", "12 bytes".
pub fn bytes_in_words(bytes: i64) -> String {
    const MB: i64 = 1024 * 1024;
    if bytes >= MB {
        let tenths = bytes * 10 / MB;
        if tenths % 10 == 0 {
            format!("{} MB", tenths / 10)
        } else {
            format!("{}.{} MB", tenths / 10, tenths % 10)
        }
    } else if bytes >= 1024 {
        format!("{} KB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_web_addresses_only() {
        assert!(check_link("link", "https://example.org/a?b=1").is_ok());
        assert!(check_link("link", "http://x.y").is_ok());
        assert!(check_link("link", "javascript:alert(1)").is_err());
        assert!(check_link("link", "https://a b").is_err());
        assert!(check_link("link", "https://").is_err());
        assert!(check_link("link", &format!("https://{}", "a".repeat(600))).is_err());
    }

    #[test]
    fn sizes_read_in_words() {
        assert_eq!(bytes_in_words(5 * 1024 * 1024), "5 MB");
        assert_eq!(bytes_in_words(1536 * 1024), "1.5 MB");
        assert_eq!(bytes_in_words(2048), "2 KB");
        assert_eq!(bytes_in_words(12), "12 bytes");
    }
}
