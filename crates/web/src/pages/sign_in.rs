//! Signing in and out, and the home redirect to each role's start page.

use crate::auth::guard::{MaybeUser, SignedIn};
use crate::auth::{self, LOGIN_CSRF_COOKIE, LoginRefused, SESSION_COOKIE};
use crate::layout::Layout;
use crate::routing::{Access, Route, get, post};
use crate::{AppState, WebError};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use ownpace_storage::Role;
use serde::Deserialize;

pub(crate) fn routes() -> Vec<Route> {
    vec![
        get("/login", Access::Public, login_form),
        post("/login", Access::Public, login_submit),
        post("/logout", Access::SignedIn, logout),
        get("/", Access::SignedIn, home),
    ]
}

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

/// Only local paths are followed after login, so the form cannot send people elsewhere.
fn safe_next(next: Option<&str>) -> Option<String> {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .map(str::to_string)
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
    // Keep an existing token so several open login forms (tabs) all stay valid.
    let token = match auth::cookie_value(&headers, LOGIN_CSRF_COOKIE) {
        Some(token) if token.len() >= 32 => token,
        _ => auth::random_token()?,
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
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    let username = form.username.trim().to_string();
    match auth::login(&state, &username, &form.password).await? {
        Ok((user_now, token)) => {
            // Rotate: whatever session this browser had before is ended.
            if let Some(previous) = &user.0 {
                state.store.delete_session(&previous.token_hash).await?;
            }
            let secure = auth::secure_request(&state, &headers);
            let target =
                safe_next(Some(&form.next)).unwrap_or_else(|| role_home(user_now.role).to_string());
            let mut response = Redirect::to(&target).into_response();
            let cookies = response.headers_mut();
            cookies.append(
                header::SET_COOKIE,
                auth::set_cookie(
                    SESSION_COOKIE,
                    &token,
                    state.config.session_hours * 3_600,
                    secure,
                ),
            );
            cookies.append(
                header::SET_COOKIE,
                auth::set_cookie(LOGIN_CSRF_COOKIE, "", 0, secure),
            );
            Ok(response)
        }
        Err(refused) => {
            let (status, error) = match refused {
                LoginRefused::BadCredentials => (
                    StatusCode::UNAUTHORIZED,
                    "That username and password do not match.".to_string(),
                ),
                LoginRefused::Throttled { minutes } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    format!(
                        "Too many failed attempts for this username. Try again in {minutes} minutes, or ask your teacher or administrator to reset your password."
                    ),
                ),
            };
            let page = LoginPage {
                layout: Layout::new("Sign in", None, "/login"),
                login_csrf: auth::cookie_value(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default(),
                next: safe_next(Some(&form.next)).unwrap_or_default(),
                username,
                error,
            };
            Ok((status, page).into_response())
        }
    }
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
