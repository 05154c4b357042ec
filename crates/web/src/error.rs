//! Errors of the web layer and how each becomes a response.
//!
//! HTML routes get a small error page, API routes a JSON body `{"error": "..."}`; which
//! one is decided by the request path (see [`crate::policy`]). Internal errors are logged
//! with their cause (minus any values a database error quotes) but shown to the user
//! without details.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

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
    #[error("{0}")]
    TooManyRequests(String),
    #[error("the form expired or came from another site: reload the page and try again")]
    Csrf,
    #[error("storage: {0}")]
    Store(#[from] ownpace_storage::StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::Unauthenticated => StatusCode::UNAUTHORIZED,
            WebError::Forbidden | WebError::Csrf => StatusCode::FORBIDDEN,
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::BadRequest(_) => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            WebError::Store(ownpace_storage::StoreError::NotFound { .. }) => StatusCode::NOT_FOUND,
            WebError::Store(ownpace_storage::StoreError::Conflict(_)) => StatusCode::CONFLICT,
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
            WebError::Store(ownpace_storage::StoreError::Conflict(m)) => m.clone(),
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
        // The body is rendered by `policy::render_errors`, which knows whether the route
        // is an API route; here we only carry the error along.
        let mut response = status.into_response();
        response.extensions_mut().insert(std::sync::Arc::new(self));
        response
    }
}
