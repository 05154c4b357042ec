//! Adding accounts and enrolments from CSV files, as a school's information system
//! exports them (OneRoster 1.2 `users.csv` and `enrollments.csv`, read by
//! `ownpace_core::roster`). Three steps, each ending in a redirect: upload (every problem
//! with its file and line, and nothing kept while any line is wrong), preview (what will
//! be created, and what exists already), confirm (everything in one transaction). New
//! accounts get one-time set-up codes, shown once on the hand-out page; passwords never
//! travel in the files.

use crate::auth::guard::Admin;
use crate::auth::{self};
use crate::flash::{self, Flash, HandedCode};
use crate::layout::Layout;
use crate::routing::{ADMIN, Access, Route, Subject, get, post};
use crate::{AppState, WebError};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use ownpace_core::ids::ClassId;
use ownpace_core::roster::{MAX_BYTES, MAX_ROWS, RosterFile, RosterRole, read_roster};
use ownpace_storage::{Role, RosterAccount, RosterMembership};
use std::collections::HashMap;

pub(crate) fn routes() -> Vec<Route> {
    let admins = Access::Roles(ADMIN, Subject::None);
    vec![
        get("/admin/import", admins, import_page),
        post("/admin/import", admins, upload),
        get("/admin/import/{upload}", admins, preview),
        post("/admin/import/{upload}", admins, confirm),
        get("/admin/handout", admins, handout),
    ]
}

fn role_of(role: RosterRole) -> Role {
    match role {
        RosterRole::Student => Role::Student,
        RosterRole::Teacher => Role::Teacher,
        RosterRole::Guardian => Role::Guardian,
        RosterRole::Admin => Role::Admin,
    }
}

/// A person the files name, as the preview lists them.
struct PlannedAccount {
    name: String,
    username: String,
    role: Role,
    sourced_id: String,
    enabled: bool,
    birth_year: Option<i64>,
}

/// A membership the files name, resolved to a class and an account.
struct PlannedMembership {
    class_id: ClassId,
    class_name: String,
    username: String,
    name: String,
    role: Role,
}

/// What the files would do, checked against what is stored.
#[derive(Default)]
struct Plan {
    new_accounts: Vec<PlannedAccount>,
    existing: Vec<PlannedAccount>,
    memberships: Vec<PlannedMembership>,
    notes: Vec<String>,
    errors: Vec<String>,
}

/// Reads the files and checks them against the database; every problem at once.
async fn plan(
    state: &AppState,
    users_csv: &[u8],
    enrollments_csv: &[u8],
) -> Result<Plan, WebError> {
    let roster = read_roster(users_csv, enrollments_csv);
    let mut plan = Plan {
        notes: roster.notes.iter().map(ToString::to_string).collect(),
        errors: roster.errors.iter().map(ToString::to_string).collect(),
        ..Plan::default()
    };
    let stored_by_sourced_id: HashMap<String, (String, Role)> = state
        .store
        .usernames_by_sourced_id()
        .await?
        .into_iter()
        .map(|(sid, username, role)| (sid, (username, role)))
        .collect();
    let mut problems = Vec::new();
    // sourcedId → (username, name, role) of everyone the files or the database know.
    let mut people: HashMap<String, (String, String, Role)> = HashMap::new();
    for user in &roster.users {
        let role = role_of(user.role);
        let at =
            |message: String| format!("{} line {}: {message}", RosterFile::Users.name(), user.line);
        let planned = PlannedAccount {
            name: user.display_name.clone(),
            username: user.username.clone(),
            role,
            sourced_id: user.sourced_id.clone(),
            enabled: user.enabled,
            // Kept for students only.
            birth_year: user.birth_year.filter(|_| role == Role::Student),
        };
        if let Some(year) = planned.birth_year
            && year > crate::consent::year_of(state.now())
        {
            problems.push((
                RosterFile::Users,
                user.line,
                at(format!("birthDate: the year {year} has not come yet")),
            ));
        }
        match state.store.user_by_username(&user.username).await? {
            Some(existing) => {
                let same_id = stored_by_sourced_id
                    .get(&user.sourced_id)
                    .is_none_or(|(username, _)| *username == existing.username);
                if existing.role != role {
                    problems.push((
                        RosterFile::Users,
                        user.line,
                        at(format!(
                            "the username {} belongs to a {} account here, not a {}",
                            user.username, existing.role, role
                        )),
                    ));
                } else if !same_id {
                    problems.push((
                        RosterFile::Users,
                        user.line,
                        at(format!(
                            "the username {} belongs to another person here (another sourcedId)",
                            user.username
                        )),
                    ));
                } else {
                    people.insert(
                        user.sourced_id.clone(),
                        (
                            existing.username.clone(),
                            existing.display_name.clone(),
                            role,
                        ),
                    );
                    plan.existing.push(planned);
                }
            }
            None => {
                if let Some((username, _)) = stored_by_sourced_id.get(&user.sourced_id) {
                    problems.push((
                        RosterFile::Users,
                        user.line,
                        at(format!(
                            "sourcedId {} belongs to the account {} here: use that username",
                            user.sourced_id, username
                        )),
                    ));
                } else {
                    people.insert(
                        user.sourced_id.clone(),
                        (user.username.clone(), user.display_name.clone(), role),
                    );
                    plan.new_accounts.push(planned);
                }
            }
        }
    }
    for e in &roster.enrolments {
        let at = |message: String| {
            format!(
                "{} line {}: {message}",
                RosterFile::Enrollments.name(),
                e.line
            )
        };
        let class = state.store.class_by_sourced_id(&e.class_sourced_id).await?;
        let person = match people.get(&e.user_sourced_id) {
            Some(p) => Some(p.clone()),
            None => match stored_by_sourced_id.get(&e.user_sourced_id) {
                Some((username, role)) => {
                    let name = state
                        .store
                        .user_by_username(username)
                        .await?
                        .map_or(username.clone(), |u| u.display_name);
                    Some((username.clone(), name, *role))
                }
                None => None,
            },
        };
        let mut wrong = false;
        if class.is_none() {
            wrong = true;
            problems.push((
                RosterFile::Enrollments,
                e.line,
                at(format!(
                    "no class has the id {}: the class's page shows the id to use",
                    e.class_sourced_id
                )),
            ));
        }
        match &person {
            // Named on a wrong line of users.csv: that line's error says what to correct.
            None if roster.named.contains(&e.user_sourced_id) => wrong = true,
            None => {
                wrong = true;
                problems.push((
                    RosterFile::Enrollments,
                    e.line,
                    at(format!(
                        "no person has the sourcedId {} in users.csv or here",
                        e.user_sourced_id
                    )),
                ));
            }
            Some((_, _, role)) if *role != role_of(e.role) => {
                wrong = true;
                problems.push((
                    RosterFile::Enrollments,
                    e.line,
                    at(format!(
                        "role {} but {} has a {} account",
                        e.role.as_str(),
                        e.user_sourced_id,
                        role
                    )),
                ));
            }
            Some(_) => {}
        }
        if let (false, Some(class), Some((username, name, role))) = (wrong, class, person) {
            plan.memberships.push(PlannedMembership {
                class_id: class.id,
                class_name: class.name,
                username,
                name,
                role,
            });
        }
    }
    problems.sort_by_key(|p| (p.0, p.1));
    plan.errors
        .extend(problems.into_iter().map(|(_, _, text)| text));
    Ok(plan)
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_import.html")]
struct ImportPage {
    layout: Layout,
    flash: Flash,
    max_rows: usize,
    max_kib: usize,
}

pub async fn import_page(
    State(state): State<AppState>,
    Admin(current): Admin,
) -> Result<Response, WebError> {
    let flash = flash::take(&state, &current, "/admin/import").await?;
    Ok(ImportPage {
        layout: Layout::new("Add accounts from CSV files", Some(&current), "/admin")
            .with_crumbs([("/admin", "Administration")]),
        flash,
        max_rows: MAX_ROWS,
        max_kib: MAX_BYTES / 1024,
    }
    .into_response())
}

/// Ends an upload or a confirmation that found problems: back to the upload form, with
/// every problem listed.
async fn refused(
    state: &AppState,
    current: &crate::auth::CurrentUser,
    message: &str,
    lines: Vec<String>,
) -> Result<Response, WebError> {
    let mut flash = Flash::error(message);
    flash.lines = lines;
    flash::redirect(state, current, "/admin/import", flash).await
}

pub async fn upload(
    State(state): State<AppState>,
    Admin(current): Admin,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, WebError> {
    let Ok(mut multipart) = multipart else {
        return refused(
            &state,
            &current,
            "Nothing was stored: choose users.csv, enrollments.csv or both",
            Vec::new(),
        )
        .await;
    };
    let mut users = Vec::new();
    let mut enrollments = Vec::new();
    let mut too_large = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| WebError::BadRequest("the upload could not be read: send it again".into()))?
    {
        let name = field.name().unwrap_or("").to_string();
        let bytes = field.bytes().await.map_err(|_| {
            WebError::BadRequest("the upload could not be read: send it again".into())
        })?;
        match name.as_str() {
            "users" => users = bytes.to_vec(),
            "enrollments" => enrollments = bytes.to_vec(),
            _ => continue,
        }
        if bytes.len() > MAX_BYTES {
            too_large.push(format!(
                "{}.csv has {} KiB; {} KiB at most: split it",
                name,
                bytes.len() / 1024,
                MAX_BYTES / 1024
            ));
        }
    }
    if !too_large.is_empty() {
        return refused(
            &state,
            &current,
            "Nothing was stored: a file is too large",
            too_large,
        )
        .await;
    }
    if users.is_empty() && enrollments.is_empty() {
        return refused(
            &state,
            &current,
            "Nothing was stored: choose users.csv, enrollments.csv or both",
            Vec::new(),
        )
        .await;
    }
    // A missing file is read as one with only its header, so each file can come alone.
    if users.is_empty() {
        users = b"sourcedId,username,givenName,familyName\n".to_vec();
    }
    if enrollments.is_empty() {
        enrollments = b"classSourcedId,userSourcedId,role\n".to_vec();
    }
    let checked = plan(&state, &users, &enrollments).await?;
    if !checked.errors.is_empty() {
        let count = checked.errors.len();
        return refused(
            &state,
            &current,
            &format!(
                "Nothing was stored: {count} line{} to correct. Correct the file{} and upload again",
                if count == 1 { "" } else { "s" },
                if count == 1 { "" } else { "s" }
            ),
            checked.errors,
        )
        .await;
    }
    let (Ok(users), Ok(enrollments)) = (String::from_utf8(users), String::from_utf8(enrollments))
    else {
        return refused(
            &state,
            &current,
            "Nothing was stored: save the files as CSV UTF-8",
            Vec::new(),
        )
        .await;
    };
    let id = state
        .store
        .save_roster_import(&current.user.id, &users, &enrollments, state.now())
        .await?;
    flash::redirect(
        &state,
        &current,
        &format!("/admin/import/{id}"),
        Flash::success(
            "The files are read without a problem; check what will be added, then confirm",
        ),
    )
    .await
}

struct PreviewAccount {
    name: String,
    username: String,
    role: String,
    note: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_import_preview.html")]
struct PreviewPage {
    layout: Layout,
    flash: Flash,
    upload_id: String,
    new_accounts: Vec<PreviewAccount>,
    existing: Vec<PreviewAccount>,
    /// (class, person, role)
    memberships: Vec<(String, String, String)>,
    notes: Vec<String>,
}

fn preview_account(a: &PlannedAccount) -> PreviewAccount {
    PreviewAccount {
        name: a.name.clone(),
        username: a.username.clone(),
        role: super::admin::role_name(a.role).to_string(),
        note: if a.enabled {
            String::new()
        } else {
            "disabled (enabledUser is false)".into()
        },
    }
}

pub async fn preview(
    State(state): State<AppState>,
    Admin(current): Admin,
    Path(upload_id): Path<String>,
) -> Result<Response, WebError> {
    let Some(pending) = state
        .store
        .roster_import(&upload_id, &current.user.id, state.now())
        .await?
    else {
        return refused(
            &state,
            &current,
            "That upload is no longer kept (uploads are kept for a day, and once confirmed): upload the files again",
            Vec::new(),
        )
        .await;
    };
    let path = format!("/admin/import/{}", pending.id);
    let flash = flash::take(&state, &current, &path).await?;
    let checked = plan(
        &state,
        pending.users_csv.as_bytes(),
        pending.enrollments_csv.as_bytes(),
    )
    .await?;
    if !checked.errors.is_empty() {
        return refused(
            &state,
            &current,
            "Nothing was stored: the files no longer fit what is stored. Correct them and upload again",
            checked.errors,
        )
        .await;
    }
    Ok(PreviewPage {
        layout: Layout::new("Check and confirm", Some(&current), "/admin").with_crumbs([
            ("/admin", "Administration"),
            ("/admin/import", "Add accounts from CSV files"),
        ]),
        flash,
        upload_id: pending.id,
        new_accounts: checked.new_accounts.iter().map(preview_account).collect(),
        existing: checked.existing.iter().map(preview_account).collect(),
        memberships: checked
            .memberships
            .iter()
            .map(|m| {
                (
                    m.class_name.clone(),
                    format!("{} ({})", m.name, m.username),
                    super::admin::role_name(m.role).to_string(),
                )
            })
            .collect(),
        notes: checked.notes,
    }
    .into_response())
}

pub async fn confirm(
    State(state): State<AppState>,
    Admin(current): Admin,
    Path(upload_id): Path<String>,
) -> Result<Response, WebError> {
    let Some(pending) = state
        .store
        .roster_import(&upload_id, &current.user.id, state.now())
        .await?
    else {
        return refused(
            &state,
            &current,
            "That upload is no longer kept (uploads are kept for a day, and once confirmed): upload the files again",
            Vec::new(),
        )
        .await;
    };
    let checked = plan(
        &state,
        pending.users_csv.as_bytes(),
        pending.enrollments_csv.as_bytes(),
    )
    .await?;
    if !checked.errors.is_empty() {
        return refused(
            &state,
            &current,
            "Nothing was stored: the files no longer fit what is stored. Correct them and upload again",
            checked.errors,
        )
        .await;
    }
    let mut codes: Vec<HandedCode> = Vec::new();
    let mut hashes = Vec::new();
    for account in &checked.new_accounts {
        let code = auth::setup_code()?;
        hashes.push(auth::setup_code_hash(&code));
        codes.push(HandedCode {
            name: account.name.clone(),
            username: account.username.clone(),
            code,
        });
    }
    let accounts: Vec<RosterAccount> = checked
        .new_accounts
        .iter()
        .zip(&hashes)
        .map(|(a, hash)| RosterAccount {
            username: &a.username,
            display_name: &a.name,
            role: a.role,
            sourced_id: Some(&a.sourced_id),
            disabled: !a.enabled,
            birth_year: a.birth_year,
            setup_code_hash: hash,
        })
        .collect();
    let memberships: Vec<RosterMembership> = checked
        .memberships
        .iter()
        .map(|m| RosterMembership {
            class_id: &m.class_id,
            username: &m.username,
        })
        .collect();
    let now = state.now();
    let applied = match state
        .store
        .apply_roster(
            Some(&pending.id),
            &accounts,
            &memberships,
            now,
            now + super::admin::SETUP_CODE_MS,
        )
        .await
    {
        Ok(applied) => applied,
        Err(
            error @ (ownpace_storage::StoreError::Conflict(_)
            | ownpace_storage::StoreError::NotFound { .. }),
        ) => {
            return refused(
                &state,
                &current,
                &format!(
                    "Nothing was stored: {}",
                    WebError::from(error).public_message()
                ),
                Vec::new(),
            )
            .await;
        }
        Err(other) => return Err(other.into()),
    };
    let enrolled: Vec<&ownpace_core::ids::UserId> = applied.enrolled_students.iter().collect();
    crate::audit::access(
        &state,
        &current,
        ownpace_storage::AuditAction::Enrolled,
        &enrolled,
        Some("from a roster file"),
    )
    .await?;
    let classes: Vec<&str> = {
        let mut names: Vec<&str> = checked
            .memberships
            .iter()
            .map(|m| m.class_name.as_str())
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    };
    let mut done = Flash::success(format!(
        "Added {} account{} and {} enrolment{}{}{}",
        applied.accounts,
        if applied.accounts == 1 { "" } else { "s" },
        applied.memberships,
        if applied.memberships == 1 { "" } else { "s" },
        if classes.is_empty() {
            String::new()
        } else {
            format!(" in {}", classes.join(", "))
        },
        if applied.unchanged > 0 {
            format!("; {} were there already", applied.unchanged)
        } else {
            String::new()
        }
    ));
    done.codes = codes;
    flash::redirect(&state, &current, "/admin/handout", done).await
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_handout.html")]
struct HandoutPage {
    layout: Layout,
    flash: Flash,
    origin: String,
}

pub async fn handout(
    State(state): State<AppState>,
    Admin(current): Admin,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let flash = flash::take(&state, &current, "/admin/handout").await?;
    Ok(HandoutPage {
        layout: Layout::new("Set-up codes", Some(&current), "/admin")
            .with_crumbs([("/admin", "Administration")]),
        flash,
        origin: super::admin::origin(&state, &headers),
    }
    .into_response())
}
