//! Turning two-factor sign-in on and off, for staff (`auth::two_factor`): a new secret
//! shown once, confirmed by a first code, then ten recovery codes shown once.

use crate::auth::guard::SignedIn;
use crate::auth::{self, CurrentUser, passwords, two_factor};
use crate::layout::Layout;
use crate::routing::{Access, Route, Subject, get, post};
use crate::{AppState, WebError};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ownpace_storage::Role;
use serde::Deserialize;

const STAFF: &[Role] = &[Role::Teacher, Role::Admin];

pub(crate) fn routes() -> Vec<Route> {
    let staff = Access::Roles(STAFF, Subject::None);
    vec![
        get("/account/two-factor", staff, setup_page),
        post("/account/two-factor/start", staff, start),
        post("/account/two-factor/confirm", staff, confirm),
        post("/account/two-factor/disable", staff, disable),
    ]
}

#[derive(Template, WebTemplate)]
#[template(path = "two_factor.html")]
struct SetupPage {
    layout: Layout,
    /// On already: the number of recovery codes left.
    on: bool,
    recovery_left: i64,
    /// While enrolling: the key to type into the app, grouped by four, and the link.
    key: String,
    link: String,
    /// Right after confirming: the recovery codes, shown this once.
    codes: Vec<String>,
    error: String,
    message: String,
}

fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

async fn page(
    state: &AppState,
    current: &CurrentUser,
    codes: Vec<String>,
    error: String,
    message: String,
) -> Result<SetupPage, WebError> {
    let enrolled = state.store.two_factor(current.user.id.as_str()).await?;
    let on = enrolled.as_ref().is_some_and(|t| t.confirmed_at.is_some());
    let (key, link) = match &enrolled {
        Some(t) if t.confirmed_at.is_none() => (
            grouped(&t.secret),
            two_factor::otpauth_link(&t.secret, &current.user.username),
        ),
        _ => (String::new(), String::new()),
    };
    Ok(SetupPage {
        layout: Layout::new("Two-factor sign-in", Some(current), "/account"),
        on,
        recovery_left: state
            .store
            .recovery_codes_left(current.user.id.as_str())
            .await?,
        key,
        link,
        codes,
        error,
        message,
    })
}

pub async fn setup_page(
    State(state): State<AppState>,
    SignedIn(current): SignedIn,
) -> Result<Response, WebError> {
    Ok(page(&state, &current, vec![], String::new(), String::new())
        .await?
        .into_response())
}

/// Makes a new secret (replacing an unconfirmed one) and shows it.
pub async fn start(
    State(state): State<AppState>,
    SignedIn(current): SignedIn,
) -> Result<Response, WebError> {
    let secret = two_factor::new_secret()?;
    state
        .store
        .start_two_factor(current.user.id.as_str(), &secret, state.now())
        .await?;
    Ok(Redirect::to("/account/two-factor").into_response())
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    code: String,
}

/// A first code from the app turns two-factor sign-in on and shows the recovery codes.
pub async fn confirm(
    State(state): State<AppState>,
    SignedIn(current): SignedIn,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, WebError> {
    let now = state.now();
    let refused = |error: &str| {
        let error = error.to_string();
        let state = state.clone();
        let current = current.clone();
        async move {
            let page = page(&state, &current, vec![], error, String::new()).await?;
            Ok::<_, WebError>((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    };
    let Some(enrolled) = state
        .store
        .two_factor(current.user.id.as_str())
        .await?
        .filter(|t| t.confirmed_at.is_none())
    else {
        return refused("Start the set-up first.").await;
    };
    let Some(step) = two_factor::check_code(&enrolled.secret, &form.code, now) else {
        return refused("That code is not right: check the app's clock and try the next one.")
            .await;
    };
    let (codes, hashes) = two_factor::new_recovery_codes()?;
    if !state
        .store
        .accept_two_factor_step(current.user.id.as_str(), step, Some((&hashes, now)))
        .await?
    {
        return refused("That code was used already: wait for the next one.").await;
    }
    let message = "Two-factor sign-in is on.".to_string();
    Ok(page(&state, &current, codes, String::new(), message)
        .await?
        .into_response())
}

#[derive(Deserialize)]
pub struct DisableForm {
    password: String,
}

/// Turns two-factor sign-in off, with the current password.
pub async fn disable(
    State(state): State<AppState>,
    SignedIn(current): SignedIn,
    Form(form): Form<DisableForm>,
) -> Result<Response, WebError> {
    let stored = state
        .store
        .password_hash(current.user.id.as_str())
        .await?
        .ok_or(WebError::NotFound)?;
    if form.password.len() > passwords::MAX_PASSWORD_BYTES
        || !auth::verify_password(form.password, stored).await
    {
        let error = "Your password is not right.".to_string();
        let page = page(&state, &current, vec![], error, String::new()).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    state
        .store
        .remove_two_factor(current.user.id.as_str())
        .await?;
    let message = "Two-factor sign-in is off.".to_string();
    Ok(page(&state, &current, vec![], String::new(), message)
        .await?
        .into_response())
}
