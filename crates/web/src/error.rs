//! Errors of the web layer and how each becomes a response.
//!
//! HTML routes get a small error page, API routes a JSON body `{"error": "..."}`; which
//! one is decided by the request path (see [`render_errors`]). Internal errors are logged
//! with their cause (minus any values a database error quotes) but shown to the user
//! without details.

use crate::auth::guard::MaybeUser;
use crate::layout;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// Not signed in (or the session expired).
    #[error("please sign in")]
    Unauthenticated,
    /// Signed in, but this role may not use this route.
    #[error("your account cannot open this page")]
    Forbidden,
    /// Missing, or not visible to this person (we do not say which).
    #[error("not found")]
    NotFound,
    /// The request was understood but its content is wrong; the message says how.
    #[error("{0}")]
    BadRequest(String),
    /// An answer that cannot be read for its item: not graded; says the expected form.
    #[error("{message}")]
    NotUnderstood { message: String, expected: String },
    #[error("{0}")]
    TooManyRequests(String),
    #[error("the form expired or came from another site: reload the page and try again")]
    Csrf,
    /// An admin reset the password: the user must choose a new one first.
    #[error("your password was reset: choose a new one on the website (Account) first")]
    PasswordChangeRequired,
    /// The school requires two-factor sign-in for admins and this admin has none yet.
    #[error(
        "this school requires two-factor sign-in for admins: set it up on the website (Account) first"
    )]
    TwoFactorRequired,
    /// The student needs a guardian's consent before using Ownpace and has none.
    #[error(
        "waiting for your family's consent: the school asks a parent or guardian to agree (on their family page) before you use Ownpace"
    )]
    ConsentRequired,
    #[error("storage: {0}")]
    Store(#[from] ownpace_storage::StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::Unauthenticated => StatusCode::UNAUTHORIZED,
            WebError::Forbidden
            | WebError::Csrf
            | WebError::PasswordChangeRequired
            | WebError::TwoFactorRequired
            | WebError::ConsentRequired => StatusCode::FORBIDDEN,
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::BadRequest(_) | WebError::NotUnderstood { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            WebError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            WebError::Store(ownpace_storage::StoreError::NotFound { .. }) => StatusCode::NOT_FOUND,
            WebError::Store(ownpace_storage::StoreError::Conflict(_)) => StatusCode::CONFLICT,
            WebError::Store(ownpace_storage::StoreError::Invalid { .. }) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            WebError::Store(_) | WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the log is told: storage errors lose any quoted values (see
    /// [`ownpace_storage::StoreError::redacted`]); internal messages are written by us and
    /// never carry student data.
    fn log_message(&self) -> String {
        match self {
            WebError::Store(e) => format!("storage: {}", e.redacted()),
            other => other.to_string(),
        }
    }

    /// What the person is told: never internal details.
    pub fn public_message(&self) -> String {
        match self {
            WebError::Store(
                e @ (ownpace_storage::StoreError::Conflict(_)
                | ownpace_storage::StoreError::Invalid { .. }),
            ) => e.to_string(),
            WebError::Store(ownpace_storage::StoreError::NotFound { .. }) => "not found".into(),
            WebError::Store(_) | WebError::Internal(_) => {
                "something went wrong on the server; the administrator can find details in the log"
                    .into()
            }
            other => other.to_string(),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self.log_message(), "request failed");
        }
        // The body is rendered by `render_errors`, which knows whether the route
        // is an API route; here we only carry the error along.
        let mut response = status.into_response();
        response.extensions_mut().insert(std::sync::Arc::new(self));
        response
    }
}

/// An error response the framework made itself (a body that is not JSON, too large, of
/// the wrong type, a method the route does not have…) in the API's error shape,
/// `{"error": "..."}`, with its status kept. Anything else passes through.
async fn framework_rejection_as_json(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    // The framework's own messages are short; they go back to the caller, never to the log.
    let text = axum::body::to_bytes(body, 4 * 1024)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_string())
        .unwrap_or_default();
    let message = if text.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("the request was refused")
            .to_lowercase()
    } else {
        text
    };
    let mut json = (status, axum::Json(serde_json::json!({ "error": message }))).into_response();
    for name in [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
        if let Some(value) = parts.headers.get(&name) {
            json.headers_mut().insert(name, value.clone());
        }
    }
    json
}

/// Turns a [`WebError`] carried by a response into the right body: JSON for the API, a
/// redirect to the login page for signed-out page visits, an HTML page otherwise.
pub(crate) async fn render_errors(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let wants_page = request.method() == Method::GET;
    let target = request
        .uri()
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    let response = next.run(request).await;
    let Some(error) = response.extensions().get::<Arc<WebError>>().cloned() else {
        if api {
            return framework_rejection_as_json(response).await;
        }
        return response;
    };
    let status = error.status();
    if api {
        let body = match &*error {
            WebError::NotUnderstood { message, expected } => {
                serde_json::json!({ "error": message, "expected": expected })
            }
            other => serde_json::json!({ "error": other.public_message() }),
        };
        let mut r = (status, axum::Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(retry) = response.headers().get(header::RETRY_AFTER) {
            r.headers_mut().insert(header::RETRY_AFTER, retry.clone());
        }
        return r;
    }
    if matches!(*error, WebError::PasswordChangeRequired) {
        return Redirect::to("/account").into_response();
    }
    if matches!(*error, WebError::TwoFactorRequired) {
        return Redirect::to("/account/two-factor").into_response();
    }
    if matches!(*error, WebError::ConsentRequired) {
        let user = response
            .extensions()
            .get::<MaybeUser>()
            .and_then(|m| m.0.clone());
        return (status, crate::consent::waiting_page(user.as_ref())).into_response();
    }
    if matches!(*error, WebError::Unauthenticated) {
        let next = if wants_page { target } else { "/".to_string() };
        let location = format!("/login?next={}", layout::url_encode(&next));
        return Redirect::to(&location).into_response();
    }
    let user = response
        .extensions()
        .get::<MaybeUser>()
        .and_then(|m| m.0.clone());
    (
        status,
        layout::error_page(status, &error.public_message(), user.as_ref()),
    )
        .into_response()
}
