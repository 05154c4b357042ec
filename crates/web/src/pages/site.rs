//! What every visitor shares: the health check, the static assets Ownpace serves itself,
//! and course media.

use crate::auth::guard::CourseInPath;
use crate::routing::{Access, LEARNING, Route, Subject, get};
use crate::{AppState, WebError};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

pub(crate) fn routes() -> Vec<Route> {
    vec![
        get("/healthz", Access::Public, healthz),
        get("/static/{file}", Access::Public, static_asset),
        get(
            "/courses/{course}/media/{*path}",
            Access::Roles(LEARNING, Subject::Course("course")),
            course_media,
        ),
    ]
}

pub async fn healthz(State(state): State<AppState>) -> Result<&'static str, WebError> {
    state.store.ping().await?;
    Ok("ok")
}

const ASSETS: &[(&str, &str, &str)] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../../assets/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/app.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_str!("../../assets/favicon.svg"),
    ),
];

pub async fn static_asset(Path(file): Path<String>) -> Result<Response, WebError> {
    let (_, media_type, body) = ASSETS
        .iter()
        .find(|(name, _, _)| *name == file)
        .ok_or(WebError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(media_type)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        *body,
    )
        .into_response())
}

pub async fn course_media(
    State(state): State<AppState>,
    CourseInPath(course): CourseInPath,
    Path((_, path)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let asset = state
        .store
        .course_asset(&course.course.id, course.version, &path)
        .await?
        .ok_or(WebError::NotFound)?;
    let media_type = HeaderValue::from_str(&asset.media_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    Ok((
        [
            (header::CONTENT_TYPE, media_type),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=3600"),
            ),
            // SVG from a course may not run script, even when opened on its own.
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
            ),
        ],
        asset.bytes,
    )
        .into_response())
}
