//! The page where a person uses the one-time set-up code an admin handed them and chooses
//! their own password (passwords never travel: not in roster files, not on paper). Open to
//! anyone, like the login page, and it cannot grow storage: a code only replaces the
//! password of the account it was made for, and is deleted when used.

use crate::auth::guard::MaybeUser;
use crate::auth::{self, LOGIN_CSRF_COOKIE};
use crate::layout::Layout;
use crate::routing::{Access, Route, get, post};
use crate::{AppState, WebError};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

pub(crate) fn routes() -> Vec<Route> {
    vec![
        get("/setup", Access::Public, setup_form),
        post("/setup", Access::Public, setup_submit),
        get("/setup/done", Access::Public, setup_done),
    ]
}

#[derive(Template, WebTemplate)]
#[template(path = "setup.html")]
struct SetupPage {
    layout: Layout,
    csrf: String,
    code: String,
    error: String,
    field: &'static str,
}

#[derive(Deserialize)]
pub struct CodeQuery {
    #[serde(default)]
    code: String,
}

/// The CSRF token the form carries: the session's when signed in, else the login form's
/// double-submit cookie (a token this server signed; made here when missing or not ours).
async fn form_token(
    state: &AppState,
    user: &MaybeUser,
    headers: &HeaderMap,
) -> Result<(String, bool), WebError> {
    if let Some(current) = &user.0 {
        return Ok((current.csrf_token.clone(), false));
    }
    let signer = state.signer().await?;
    match auth::cookie_value(headers, LOGIN_CSRF_COOKIE) {
        Some(token) if signer.token_is_valid(auth::LOGIN_FORM, &[], &token) => Ok((token, false)),
        _ => Ok((signer.token(auth::LOGIN_FORM, &[])?, true)),
    }
}

fn page(user: &MaybeUser, csrf: String, code: &str, error: &str, field: &'static str) -> SetupPage {
    SetupPage {
        layout: Layout::new("Choose your password", user.0.as_ref(), "/setup"),
        csrf,
        code: code.chars().take(40).collect(),
        error: error.to_string(),
        field,
    }
}

pub async fn setup_form(
    State(state): State<AppState>,
    user: MaybeUser,
    headers: HeaderMap,
    Query(query): Query<CodeQuery>,
) -> Result<Response, WebError> {
    let (token, fresh) = form_token(&state, &user, &headers).await?;
    let body = page(&user, token.clone(), query.code.trim(), "", "");
    if fresh {
        let cookie = auth::set_cookie(
            LOGIN_CSRF_COOKIE,
            &token,
            3_600,
            auth::secure_request(&state, &headers),
        );
        Ok(([(header::SET_COOKIE, cookie)], body).into_response())
    } else {
        Ok(body.into_response())
    }
}

#[derive(Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    repeat: String,
}

pub async fn setup_submit(
    State(state): State<AppState>,
    user: MaybeUser,
    headers: HeaderMap,
    Form(form): Form<SetupForm>,
) -> Result<Response, WebError> {
    let (token, _) = form_token(&state, &user, &headers).await?;
    let refuse = |message: &str, field: &'static str| {
        Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            page(&user, token.clone(), form.code.trim(), message, field),
        )
            .into_response())
    };
    let code_hash = auth::setup_code_hash(&form.code);
    if form.code.trim().is_empty() || form.code.len() > 40 {
        return refuse("Type the set-up code you were given.", "code");
    }
    if state
        .store
        .setup_code_user(&code_hash, state.now())
        .await?
        .is_none()
    {
        return refuse(
            "This set-up code does not work: it may have been used or be older than 14 days. Ask your administrator for a new one.",
            "code",
        );
    }
    if let Err(error) = super::admin::check_password(&form.password) {
        return refuse(
            &crate::flash::sentence(&upper_first(&error.public_message())),
            "password",
        );
    }
    if form.password != form.repeat {
        return refuse(
            "The two passwords differ: type the same password twice.",
            "repeat",
        );
    }
    let hash = auth::hash_password(form.password.clone()).await?;
    match state
        .store
        .use_setup_code(&code_hash, &hash, state.now())
        .await?
    {
        Some(_) => Ok(Redirect::to("/setup/done").into_response()),
        None => refuse(
            "This set-up code does not work: it may have been used or be older than 14 days. Ask your administrator for a new one.",
            "code",
        ),
    }
}

fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "setup_done.html")]
struct DonePage {
    layout: Layout,
}

pub async fn setup_done(user: MaybeUser) -> Response {
    DonePage {
        layout: Layout::new("Your password is set", user.0.as_ref(), "/setup"),
    }
    .into_response()
}
