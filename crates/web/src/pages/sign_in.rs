//! Signing in and out, and the home redirect to each role's start page.

use crate::auth::address::ClientAddress;
use crate::auth::guard::{MaybeUser, SignedIn};
use crate::auth::{
    self, DEVICE_COOKIE, LOGIN_CSRF_COOKIE, LoginAttempt, LoginRefused, SESSION_COOKIE, throttle,
    two_factor,
};
use crate::layout::Layout;
use crate::routing::{Access, Route, get, post};
use crate::{AppState, WebError};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use ownpace_core::ids::UserId;
use ownpace_storage::{Role, StaffAction};
use serde::Deserialize;

pub(crate) fn routes() -> Vec<Route> {
    vec![
        get("/login", Access::Public, login_form),
        post("/login", Access::Public, login_submit),
        post("/login/second-factor", Access::Public, second_factor_submit),
        post("/logout", Access::SignedIn, logout),
        get("/", Access::SignedIn, home),
    ]
}

/// How long a browser stays a trusted device for an account (see `auth::throttle`).
const DEVICE_COOKIE_SECONDS: i64 = 365 * 86_400;

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    login_csrf: String,
    next: String,
    username: String,
    error: String,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// The longest `next` path followed after login.
const MAX_NEXT_BYTES: usize = 2_048;

/// Only paths of this site are followed after login, so the form cannot send people
/// elsewhere: one leading `/` (not `//` or `/\`, which browsers read as another host),
/// then visible ASCII only: no control characters or whitespace (`/\t/evil.example` is
/// `//evil.example` to a browser) and no backslash anywhere.
pub(crate) fn safe_next(next: Option<&str>) -> Option<String> {
    let next = next?;
    let rest = next.strip_prefix('/')?;
    let acceptable = next.len() <= MAX_NEXT_BYTES
        && !rest.starts_with('/')
        && next.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    acceptable.then(|| next.to_string())
}

fn role_home(role: Role) -> &'static str {
    match role {
        Role::Student => "/learn",
        Role::Teacher => "/classes",
        Role::Guardian => "/family",
        Role::Admin => "/admin",
    }
}

pub async fn login_form(
    State(state): State<AppState>,
    user: MaybeUser,
    headers: HeaderMap,
    Query(query): Query<NextQuery>,
) -> Result<Response, WebError> {
    if let Some(current) = &user.0 {
        return Ok(Redirect::to(role_home(current.user.role)).into_response());
    }
    // Keep an existing token this server signed, so several open login forms (tabs) all
    // stay valid; anything else is replaced.
    let signer = state.signer().await?;
    let token = match auth::cookie_value(&headers, LOGIN_CSRF_COOKIE) {
        Some(token) if signer.token_is_valid(auth::LOGIN_FORM, &[], &token) => token,
        _ => signer.token(auth::LOGIN_FORM, &[])?,
    };
    let page = LoginPage {
        layout: Layout::new("Sign in", None, "/login"),
        login_csrf: token.clone(),
        next: safe_next(query.next.as_deref()).unwrap_or_default(),
        username: String::new(),
        error: String::new(),
    };
    let cookie = auth::set_cookie(
        LOGIN_CSRF_COOKIE,
        &token,
        3_600,
        auth::secure_request(&state, &headers),
    );
    Ok(([(header::SET_COOKIE, cookie)], page).into_response())
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn login_submit(
    State(state): State<AppState>,
    user: MaybeUser,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    let username = form.username.trim();
    let device = auth::cookie_value(&headers, DEVICE_COOKIE);
    let attempt = LoginAttempt {
        username,
        password: &form.password,
        address,
        device: device.as_deref(),
        client: auth::describe_device(
            headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok()),
        ),
        second_factor: None,
    };
    match auth::login(&state, attempt).await? {
        Ok(signed_in) => signed_in_response(&state, &headers, &user, signed_in, &form.next).await,
        Err(LoginRefused::SecondFactorNeeded { pending }) => Ok(SecondFactorPage {
            layout: Layout::new("Sign in: second step", None, "/login"),
            login_csrf: auth::cookie_value(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default(),
            next: safe_next(Some(&form.next)).unwrap_or_default(),
            pending,
            error: String::new(),
        }
        .into_response()),
        Err(refused) => {
            let (status, error, retry_after) = match refused {
                LoginRefused::BadCredentials
                | LoginRefused::SecondFactorWrong
                | LoginRefused::SecondFactorNeeded { .. } => (
                    StatusCode::UNAUTHORIZED,
                    "That username and password do not match.".to_string(),
                    None,
                ),
                LoginRefused::Throttled {
                    retry_after_seconds,
                } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    format!(
                        "Too many failed attempts. Try again in {}, or ask your teacher or administrator to reset your password.",
                        throttle::wait_in_words(retry_after_seconds)
                    ),
                    Some(retry_after_seconds),
                ),
            };
            let page = LoginPage {
                layout: Layout::new("Sign in", None, "/login"),
                login_csrf: auth::cookie_value(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default(),
                next: safe_next(Some(&form.next)).unwrap_or_default(),
                username: username
                    .chars()
                    .take(throttle::MAX_USERNAME_BYTES)
                    .collect(),
                error,
            };
            let mut response = (status, page).into_response();
            if let Some(seconds) = retry_after
                && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
            {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            Ok(response)
        }
    }
}

/// The redirect after a successful sign-in, with its cookies: the new session, the login
/// form's token cleared, and this browser's trusted-device token for the account.
async fn signed_in_response(
    state: &AppState,
    headers: &HeaderMap,
    user: &MaybeUser,
    signed_in: auth::SignedInNow,
    next: &str,
) -> Result<Response, WebError> {
    // Rotate: whatever session this browser had before is ended.
    if let Some(previous) = &user.0 {
        state.store.delete_session(&previous.token_hash).await?;
    }
    let secure = auth::secure_request(state, headers);
    let target =
        safe_next(Some(next)).unwrap_or_else(|| role_home(signed_in.user.role).to_string());
    let mut response = Redirect::to(&target).into_response();
    let cookies = response.headers_mut();
    cookies.append(
        header::SET_COOKIE,
        auth::set_cookie(
            SESSION_COOKIE,
            &signed_in.token,
            state.config.session_hours * 3_600,
            secure,
        ),
    );
    cookies.append(
        header::SET_COOKIE,
        auth::set_cookie(LOGIN_CSRF_COOKIE, "", 0, secure),
    );
    cookies.append(
        header::SET_COOKIE,
        auth::set_cookie(
            DEVICE_COOKIE,
            &signed_in.device,
            DEVICE_COOKIE_SECONDS,
            secure,
        ),
    );
    Ok(response)
}

#[derive(Template, WebTemplate)]
#[template(path = "login_second_factor.html")]
struct SecondFactorPage {
    layout: Layout,
    login_csrf: String,
    next: String,
    pending: String,
    error: String,
}

#[derive(Deserialize)]
pub struct SecondFactorForm {
    pending: String,
    code: String,
    #[serde(default)]
    next: String,
}

/// The second step of a staff sign-in: the code from the authenticator app (or a
/// recovery code), within five minutes of the right password. Wrong codes are charged to
/// the account's login counter like wrong passwords.
pub async fn second_factor_submit(
    State(state): State<AppState>,
    user: MaybeUser,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<SecondFactorForm>,
) -> Result<Response, WebError> {
    let now = state.now();
    let signer = state.signer().await?;
    let expired =
        || WebError::BadRequest("the sign-in took too long: enter your password again".into());
    let user_id = two_factor::pending_user(&signer, &form.pending, now).ok_or_else(expired)?;
    let account = state
        .store
        .user(&UserId::new(user_id))
        .await?
        .filter(|u| !u.disabled)
        .ok_or_else(expired)?;
    let enrolled = state
        .store
        .two_factor(account.id.as_str())
        .await?
        .filter(|t| t.confirmed_at.is_some())
        .ok_or_else(expired)?;
    let counter = throttle::account_counter(&signer, &account.username);
    let page = |error: String| SecondFactorPage {
        layout: Layout::new("Sign in: second step", None, "/login"),
        login_csrf: auth::cookie_value(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default(),
        next: safe_next(Some(&form.next)).unwrap_or_default(),
        pending: form.pending.clone(),
        error,
    };
    let rule = throttle::account_rule(&state.config);
    if let ownpace_storage::Charge::Refused { retry_at } = state
        .store
        .charge_login_attempt(&counter, &rule, now)
        .await?
    {
        let wait = throttle::wait_in_words((retry_at - now + 999) / 1000);
        let error = format!("Too many failed attempts. Try again in {wait}.");
        return Ok((StatusCode::TOO_MANY_REQUESTS, page(error)).into_response());
    }
    if !auth::second_factor_is_right(&state, account.id.as_str(), &enrolled, &form.code, now)
        .await?
    {
        crate::audit::staff_counted(
            &state,
            StaffAction::SignInFailed,
            None,
            Some(&account.id),
            "wrong second-factor code",
            Some(address),
        )
        .await?;
        let error = "That code is not right (or was used already): try the next one.".to_string();
        return Ok((StatusCode::UNAUTHORIZED, page(error)).into_response());
    }
    state.store.reset_login_throttle(&counter).await?;
    let client = auth::describe_device(
        headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok()),
    );
    crate::audit::staff(
        &state,
        StaffAction::SignIn,
        Some(&account.id),
        Some(&account.id),
        &client,
        Some(address),
    )
    .await?;
    let signed_in = auth::open_session(&state, &signer, account, &client).await?;
    signed_in_response(&state, &headers, &user, signed_in, &form.next).await
}

pub async fn logout(
    State(state): State<AppState>,
    SignedIn(current): SignedIn,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    state.store.delete_session(&current.token_hash).await?;
    let cookie = auth::set_cookie(
        SESSION_COOKIE,
        "",
        0,
        auth::secure_request(&state, &headers),
    );
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response())
}

pub async fn home(SignedIn(current): SignedIn) -> Redirect {
    Redirect::to(role_home(current.user.role))
}
