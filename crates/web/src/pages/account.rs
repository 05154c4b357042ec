//! A person's own account: change the password (the rules are `auth::passwords`), see
//! where they are signed in and sign out everywhere; and an admin's forced reset.

use crate::auth::guard::{Admin, SignedIn};
use crate::auth::{self, CurrentUser, SESSION_COOKIE, passwords};
use crate::layout::Layout;
use crate::routing::{ADMIN, Access, Route, Subject, get, post};
use crate::views::ago;
use crate::{AppState, WebError};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

pub(crate) fn routes() -> Vec<Route> {
    vec![
        get("/account", Access::SignedIn, account),
        post("/account/password", Access::SignedIn, change_password),
        post(
            "/account/sessions/logout",
            Access::SignedIn,
            sign_out_everywhere,
        ),
        post(
            "/admin/password-reset",
            Access::Roles(ADMIN, Subject::None),
            force_reset,
        ),
    ]
}

struct SessionLine {
    device: String,
    signed_in: String,
    last_used: String,
    this_one: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
struct AccountPage {
    layout: Layout,
    username: String,
    must_change: bool,
    min_chars: usize,
    message: String,
    error: String,
    sessions: Vec<SessionLine>,
    /// Staff can turn on two-factor sign-in.
    staff: bool,
    two_factor_on: bool,
}

async fn account_page(
    state: &AppState,
    current: &CurrentUser,
    message: String,
    error: String,
) -> Result<AccountPage, WebError> {
    let now = state.now();
    let sessions = state
        .store
        .sessions_of(current.user.id.as_str())
        .await?
        .into_iter()
        .filter(|s| s.expires_at > now)
        .map(|s| SessionLine {
            device: s.device,
            signed_in: ago(now, s.created_at),
            last_used: ago(now, s.last_seen_at),
            this_one: s.token_hash == current.token_hash,
        })
        .collect();
    Ok(AccountPage {
        layout: Layout::new("Your account", Some(current), "/account"),
        username: current.user.username.clone(),
        must_change: current.must_change_password,
        min_chars: passwords::MIN_PASSWORD_CHARS,
        message,
        error,
        sessions,
        staff: auth::two_factor::for_role(current.user.role),
        two_factor_on: current.two_factor,
    })
}

pub async fn account(
    State(state): State<AppState>,
    SignedIn(current): SignedIn,
) -> Result<Response, WebError> {
    Ok(account_page(&state, &current, String::new(), String::new())
        .await?
        .into_response())
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    SignedIn(current): SignedIn,
    Form(form): Form<PasswordForm>,
) -> Result<Response, WebError> {
    let refused = |state: AppState, current: CurrentUser, error: String| async move {
        let page = account_page(&state, &current, String::new(), error).await?;
        Ok::<_, WebError>((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
    };
    let stored = state
        .store
        .password_hash(current.user.id.as_str())
        .await?
        .ok_or(WebError::NotFound)?;
    if form.current.len() > passwords::MAX_PASSWORD_BYTES
        || !auth::verify_password(form.current.clone(), stored).await
    {
        let error = "Your current password is not right.".to_string();
        return refused(state, current, error).await;
    }
    if form.new != form.confirm {
        let error = "The new password and its confirmation differ.".to_string();
        return refused(state, current, error).await;
    }
    if form.new == form.current {
        let error = "The new password must differ from the current one.".to_string();
        return refused(state, current, error).await;
    }
    if let Err(error) = passwords::check_new_password(&form.new, &current.user.username) {
        return refused(state, current, error.public_message()).await;
    }
    let hash = auth::hash_password(form.new).await?;
    // Every other session ends; this one goes on.
    state
        .store
        .set_password(
            current.user.id.as_str(),
            &hash,
            false,
            Some(&current.token_hash),
        )
        .await?;
    let current = CurrentUser {
        must_change_password: false,
        ..current
    };
    let message = "Your password was changed. You are signed out everywhere else.".to_string();
    Ok(account_page(&state, &current, message, String::new())
        .await?
        .into_response())
}

pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    SignedIn(current): SignedIn,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    state
        .store
        .delete_sessions_of(current.user.id.as_str())
        .await?;
    let cookie = auth::set_cookie(
        SESSION_COOKIE,
        "",
        0,
        auth::secure_request(&state, &headers),
    );
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response())
}

#[derive(Deserialize)]
pub struct ResetForm {
    username: String,
    password: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "notice.html")]
struct NoticePage {
    layout: Layout,
    message: String,
    back: &'static str,
}

/// An admin sets a temporary password: the account's sessions end, and its next sign-in
/// must choose a new password before anything else.
pub async fn force_reset(
    State(state): State<AppState>,
    Admin(current): Admin,
    Form(form): Form<ResetForm>,
) -> Result<Response, WebError> {
    let username = form.username.trim();
    let result = async {
        let user = state
            .store
            .user_by_username(username)
            .await?
            .ok_or_else(|| WebError::BadRequest(format!("username: no account named `{username}`")))?;
        passwords::check_new_password(&form.password, &user.username)?;
        let hash = auth::hash_password(form.password.clone()).await?;
        state.store.set_password(user.id.as_str(), &hash, true, None).await?;
        Ok::<_, WebError>(format!(
            "The password of `{}` was reset. Give them the temporary password; they must choose a new one when they sign in.",
            user.username
        ))
    }
    .await;
    let (status, message) = match result {
        Ok(message) => (StatusCode::OK, message),
        Err(error @ (WebError::BadRequest(_) | WebError::Store(_))) => (
            error.status(),
            format!("Not done: {}", error.public_message()),
        ),
        Err(other) => return Err(other),
    };
    let page = NoticePage {
        layout: Layout::new("Password reset", Some(&current), "/admin"),
        message,
        back: "/admin",
    };
    Ok((status, page).into_response())
}
