//! The group space (issue 10, point 3): the members, milestones with dates (the teacher
//! sets them or the group adds them), a shared log of posts (text and an optional web
//! link, length-limited, escaped by the templates, never logged), file uploads and the
//! final submission, after which the work is read-only.
//!
//! Uploads: the type is checked on the content (`core::uploads`: PNG, JPEG, WebP, PDF,
//! plain text), images lose their metadata, the name is cleaned for display, the bytes are
//! stored in the database under an id the server makes (no client path touches a file
//! system), within the per-file limit and the student's and group's quotas
//! (the `upload_*_mb` settings, `Config::uploads`); the route has its own body limit. Files are served only to those
//! `projects::may_read_group_files` lets in, as attachments with `nosniff` and the
//! stored, safe Content-Type.

use crate::auth::guard::{GroupFileReader, InGroup, MemberOfGroup};
use crate::flash::{self, Flash};
use crate::layout::Layout;
use crate::projects::{self, GroupRelation, project_title};
use crate::routing::{Access, LEARNING, Route, STUDENT, Subject, get, post};
use crate::views;
use crate::{AppState, WebError};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Multipart, Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use ownpace_core::uploads::{self, FileKind};
use ownpace_storage::projects::{
    MAX_LINK_CHARS, MAX_MILESTONE_CHARS, MAX_POST_CHARS, MAX_SUBMISSION_CHARS, bytes_in_words,
};
use ownpace_storage::{AuditAction, NewFile};
use serde::Deserialize;

pub(crate) fn routes() -> Vec<Route> {
    let in_group = Access::Roles(LEARNING, Subject::Group("group"));
    let member = Access::Roles(STUDENT, Subject::Group("group"));
    // Its body limit follows the settings (`policy::build_router`).
    let upload = post(projects::UPLOAD_PATH, in_group, upload_file);
    vec![
        get("/groups/{group}", in_group, group_space),
        post("/groups/{group}/posts", in_group, add_post),
        post("/groups/{group}/milestones", in_group, add_milestone),
        post(
            "/groups/{group}/milestones/{milestone}/done",
            in_group,
            milestone_done,
        ),
        upload,
        get(
            "/groups/{group}/files/{attachment}",
            in_group,
            download_file,
        ),
        post("/groups/{group}/submit", member, submit),
    ]
}

struct PostView {
    author: String,
    when: String,
    text: String,
    link: String,
}

struct FileView {
    id: String,
    name: String,
    by: String,
    size: String,
    when: String,
    in_submission: bool,
}

struct MilestoneView {
    id: String,
    title: String,
    due: String,
    done: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "group_space.html")]
struct GroupPage {
    layout: Layout,
    flash: Flash,
    group_id: String,
    name: String,
    project: String,
    project_href: String,
    due: String,
    members: Vec<String>,
    is_member: bool,
    read_only: bool,
    milestones: Vec<MilestoneView>,
    posts: Vec<PostView>,
    files: Vec<FileView>,
    submitted: String,
    submission_text: String,
    submission_link: String,
    today: String,
    max_post: usize,
    max_link: usize,
    max_milestone: usize,
    max_submission: usize,
    limits: String,
    /// The teacher's assessment: the form for teachers, what applies to a member.
    assessment: super::group_assess::AssessmentSection,
    is_teacher: bool,
    /// Peer feedback: what classmates wrote (anonymous), the reviews to write, the
    /// self-assessment (`peer_feedback`).
    peer: super::peer_feedback::PeerSection,
}

pub async fn group_space(
    State(state): State<AppState>,
    InGroup {
        user: current,
        group,
        relation,
    }: InGroup,
) -> Result<Response, WebError> {
    let page = format!("/groups/{}", group.id);
    let flash = flash::take(&state, &current, &page).await?;
    let now = state.now();
    let round = state
        .store
        .round(&group.round_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let course = state.course(&round.course_id).await?;
    let members = state.store.group_members(&group.id).await?;
    if relation == GroupRelation::Teacher {
        crate::audit::access(
            &state,
            &current,
            AuditAction::GroupsViewed,
            &projects::ids(&members),
            None,
        )
        .await?;
    }
    let posts = state.store.posts(&group.id).await?;
    let files = state.store.group_files(&group.id).await?;
    let milestones = state.store.milestones(&group.id).await?;
    let submitted_by = match &group.submitted_by {
        Some(id) => state
            .store
            .user(id)
            .await?
            .map_or_else(|| "a former member".to_string(), |u| u.display_name),
        None => String::new(),
    };
    let assessment = super::group_assess::section(
        &state,
        &group,
        relation,
        &current.user.id,
        course
            .as_ref()
            .and_then(|c| c.course.project(&group.project_id)),
    )
    .await?;
    let peer = super::peer_feedback::section(
        &state,
        &group,
        relation,
        &current.user.id,
        course
            .as_ref()
            .and_then(|c| c.course.project(&group.project_id)),
    )
    .await?;
    let (crumb_href, crumb_label) = if relation == GroupRelation::Teacher {
        (format!("/rounds/{}", round.id), round.title.clone())
    } else {
        (format!("/rounds/{}/rank", round.id), round.title.clone())
    };
    let active = if relation == GroupRelation::Teacher {
        "/classes"
    } else {
        "/learn"
    };
    Ok(GroupPage {
        layout: Layout::new(group.name.clone(), Some(&current), active)
            .with_crumbs([(crumb_href.as_str(), crumb_label.as_str())]),
        flash,
        group_id: group.id.clone(),
        name: group.name.clone(),
        project: course.as_ref().map_or_else(
            || group.project_id.clone(),
            |c| project_title(&c.course, &group.project_id),
        ),
        project_href: format!("/learn/{}/projects/{}", round.course_id, group.project_id),
        due: views::date(round.due_at, now),
        members: members.iter().map(|m| m.display_name.clone()).collect(),
        is_member: relation == GroupRelation::Member,
        is_teacher: relation == GroupRelation::Teacher,
        assessment,
        read_only: group.is_submitted(),
        milestones: milestones
            .into_iter()
            .map(|m| MilestoneView {
                id: m.id,
                title: m.title,
                due: views::date(m.due_at, now),
                done: m.done_at.is_some(),
            })
            .collect(),
        posts: posts
            .into_iter()
            .map(|p| PostView {
                author: p.author_name,
                when: views::ago(now, p.posted_at),
                text: p.text,
                link: p.link.unwrap_or_default(),
            })
            .collect(),
        files: files
            .into_iter()
            .map(|f| FileView {
                id: f.id,
                name: f.name,
                by: f.uploader_name,
                size: bytes_in_words(f.size_bytes),
                when: views::ago(now, f.uploaded_at),
                in_submission: f.in_submission,
            })
            .collect(),
        submitted: group.submitted_at.map_or_else(String::new, |at| {
            format!("Submitted by {submitted_by} {}", views::ago(now, at))
        }),
        submission_text: group.submission_text.clone().unwrap_or_default(),
        submission_link: group.submission_link.clone().unwrap_or_default(),
        today: views::date_input(now),
        max_post: MAX_POST_CHARS,
        max_link: MAX_LINK_CHARS,
        max_milestone: MAX_MILESTONE_CHARS,
        max_submission: MAX_SUBMISSION_CHARS,
        limits: format!(
            "Pictures (PNG, JPEG, WebP: location and camera details are removed), PDF or plain text; at most {} a file, {} per student and {} per group",
            bytes_in_words(state.config.uploads.max_file_bytes),
            bytes_in_words(state.config.uploads.per_student_bytes),
            bytes_in_words(state.config.uploads.per_group_bytes),
        ),
        peer,
    }
    .into_response())
}

fn space(group_id: &str, anchor: &str) -> String {
    format!("/groups/{group_id}#{anchor}")
}

/// An optional link field: empty means none.
fn link_of(text: &str) -> Option<&str> {
    let text = text.trim();
    (!text.is_empty()).then_some(text)
}

#[derive(Deserialize)]
pub struct PostForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    link: String,
}

pub async fn add_post(
    State(state): State<AppState>,
    InGroup {
        user: current,
        group,
        ..
    }: InGroup,
    Form(form): Form<PostForm>,
) -> Result<Response, WebError> {
    let result = async {
        state
            .store
            .add_post(
                &group.id,
                &current.user.id,
                &form.text,
                link_of(&form.link),
                state.now(),
            )
            .await?;
        Ok(Flash::success("Posted to the group's log"))
    }
    .await;
    flash::finish(
        &state,
        &current,
        &space(&group.id, "log"),
        result,
        "post",
        [("text", form.text.as_str()), ("link", form.link.as_str())],
    )
    .await
}

#[derive(Deserialize)]
pub struct MilestoneForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    due: String,
}

pub async fn add_milestone(
    State(state): State<AppState>,
    InGroup {
        user: current,
        group,
        ..
    }: InGroup,
    Form(form): Form<MilestoneForm>,
) -> Result<Response, WebError> {
    let result = async {
        let due = views::parse_date(form.due.trim())
            .ok_or_else(|| WebError::BadRequest("date: choose the milestone's day".into()))?;
        state
            .store
            .add_milestone(
                &group.id,
                &form.title,
                due + 86_400_000 - 1,
                &current.user.id,
                state.now(),
            )
            .await?;
        Ok(Flash::success("Milestone added"))
    }
    .await;
    flash::finish(
        &state,
        &current,
        &space(&group.id, "milestones"),
        result,
        "milestone",
        [("title", form.title.as_str()), ("due", form.due.as_str())],
    )
    .await
}

#[derive(Deserialize)]
pub struct DoneForm {
    #[serde(default)]
    done: String,
}

pub async fn milestone_done(
    State(state): State<AppState>,
    InGroup {
        user: current,
        group,
        ..
    }: InGroup,
    Path((_, milestone)): Path<(String, String)>,
    Form(form): Form<DoneForm>,
) -> Result<Response, WebError> {
    let result = async {
        let done = form.done == "1";
        state
            .store
            .set_milestone_done(&group.id, &milestone, done.then(|| state.now()))
            .await?;
        Ok(Flash::success(if done {
            "Milestone done"
        } else {
            "Milestone open again"
        }))
    }
    .await;
    flash::finish(
        &state,
        &current,
        &space(&group.id, "milestones"),
        result,
        "milestone",
        [],
    )
    .await
}

/// The upload form: one `file` (and the CSRF field the guard reads).
pub async fn upload_file(
    State(state): State<AppState>,
    InGroup {
        user: current,
        group,
        ..
    }: InGroup,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, WebError> {
    let result = async {
        let unreadable =
            || WebError::BadRequest("file: the upload could not be read, send it again".into());
        let mut multipart = multipart.map_err(|_| unreadable())?;
        let mut upload = None;
        while let Some(field) = multipart.next_field().await.map_err(|_| unreadable())? {
            if field.name() != Some("file") {
                continue;
            }
            let name = field.file_name().unwrap_or("").to_string();
            let bytes = field.bytes().await.map_err(|_| {
                WebError::BadRequest(format!(
                    "file: at most {} per file",
                    bytes_in_words(state.config.uploads.max_file_bytes)
                ))
            })?;
            upload = Some((name, bytes));
        }
        let Some((name, bytes)) = upload else {
            return Err(WebError::BadRequest("file: choose a file to upload".into()));
        };
        if bytes.len() as i64 > state.config.uploads.max_file_bytes {
            return Err(WebError::BadRequest(format!(
                "file: at most {} per file (this one is {})",
                bytes_in_words(state.config.uploads.max_file_bytes),
                bytes_in_words(bytes.len() as i64)
            )));
        }
        let checked = uploads::check(&name, &bytes)
            .map_err(|refused| WebError::BadRequest(format!("file: {refused}")))?;
        state
            .store
            .add_file(
                &NewFile {
                    group_id: &group.id,
                    uploaded_by: &current.user.id,
                    name: &checked.name,
                    content_type: checked.kind.content_type(),
                    bytes: &checked.bytes,
                    at: state.now(),
                },
                state.config.uploads,
            )
            .await?;
        Ok(Flash::success(format!("Uploaded {}", checked.name)))
    }
    .await;
    flash::finish(
        &state,
        &current,
        &space(&group.id, "files"),
        result,
        "file",
        [],
    )
    .await
}

pub async fn download_file(
    State(state): State<AppState>,
    GroupFileReader {
        user,
        group,
        relation,
    }: GroupFileReader,
    Path((_, attachment)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let (file, bytes) = state
        .store
        .group_file(&group.id, &attachment)
        .await?
        .ok_or(WebError::NotFound)?;
    if !projects::may_read_group_file(relation, &group, &file) {
        return Err(WebError::NotFound);
    }
    if relation == GroupRelation::Teacher {
        crate::audit::access(
            &state,
            &user,
            AuditAction::GroupsViewed,
            &[&file.uploaded_by],
            None,
        )
        .await?;
    }
    // Only the types the check lets in are ever served with their own type.
    let content_type = FileKind::from_content_type(&file.content_type)
        .map_or("application/octet-stream", FileKind::content_type);
    let disposition = format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        uploads::ascii_name(&file.name),
        uploads::percent_name(&file.name)
    );
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition)
            .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    Ok(response)
}

pub async fn submit(
    State(state): State<AppState>,
    MemberOfGroup {
        student: current,
        group,
    }: MemberOfGroup,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let text = field("text");
    let link = field("link");
    let result = async {
        let files: Vec<String> = form
            .iter()
            .filter(|(k, _)| k == "file")
            .map(|(_, v)| v.clone())
            .take(100)
            .collect();
        state
            .store
            .submit_group(
                &group.id,
                &current.user.id,
                &text,
                link_of(&link),
                &files,
                state.now(),
            )
            .await?;
        Ok(Flash::success(
            "Submitted: your teacher sees your group's work, which is read-only now",
        ))
    }
    .await;
    flash::finish(
        &state,
        &current,
        &space(&group.id, "submission"),
        result,
        "submit",
        [("text", text.as_str()), ("link", link.as_str())],
    )
    .await
}
