//! The route table: every route, and who may call it.
//!
//! The router is built from [`routes`], and each route's [`Access`] is enforced by
//! [`guard`] before its handler runs: first the session (cookie for pages, bearer token for
//! `/api/`), then the role, then the relation between the person and the student, class
//! or course named in the path. A relation that does not hold answers 404, exactly like a
//! missing record, so ids cannot be probed. State-changing page requests must carry the
//! session's CSRF token (or, for the login form, the double-submit cookie) and, when the
//! browser sends an `Origin`, come from this host.
//!
//! Tests enumerate [`route_table`] and call every route as every role and relation, so a
//! new route is tested against the policy it declares the moment it is added.

use crate::auth::{self, CurrentUser, LOGIN_CSRF_COOKIE};
use crate::error::WebError;
use crate::{AppState, adaptive, api, pages};
use axum::Router;
use axum::body::Body;
use axum::extract::{RawPathParams, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};
use ownpace_storage::{Role, StudentRelation};
use std::sync::Arc;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in person.
    SignedIn,
    /// Signed-in people with one of these roles who relate to the path's subject.
    Roles(&'static [Role], Subject),
}

/// What a path parameter names, and so which relation the caller must have to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    None,
    /// A student: themself, a teacher of one of their classes, or their guardian.
    Student(&'static str),
    /// A class: one of its teachers, or (for student routes) one of its students.
    Class(&'static str),
    /// A course: taught by the teacher, or taken by the student, in some class.
    Course(&'static str),
}

/// One row of the route table.
#[derive(Debug, Clone)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

impl RouteSpec {
    pub fn is_api(&self) -> bool {
        self.path.starts_with("/api/")
    }
}

const STUDENT: &[Role] = &[Role::Student];
const TEACHER: &[Role] = &[Role::Teacher];
const GUARDIAN: &[Role] = &[Role::Guardian];
const ADMIN: &[Role] = &[Role::Admin];
const LEARNING: &[Role] = &[Role::Student, Role::Teacher];

fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    use Access::*;
    use Subject as S;
    let r =
        |method: Method, path: &'static str, access: Access, handler: MethodRouter<AppState>| {
            (
                RouteSpec {
                    method,
                    path,
                    access,
                },
                handler,
            )
        };
    vec![
        r(Method::GET, "/healthz", Public, get(pages::healthz)),
        r(
            Method::GET,
            "/static/{file}",
            Public,
            get(pages::static_asset),
        ),
        r(Method::GET, "/login", Public, get(pages::login_form)),
        r(Method::POST, "/login", Public, post(pages::login_submit)),
        r(Method::POST, "/logout", SignedIn, post(pages::logout)),
        r(Method::GET, "/", SignedIn, get(pages::home)),
        r(
            Method::GET,
            "/courses/{course}/media/{*path}",
            Roles(LEARNING, S::Course("course")),
            get(pages::course_media),
        ),
        // Students
        r(
            Method::GET,
            "/learn",
            Roles(STUDENT, S::None),
            get(pages::student_home),
        ),
        r(
            Method::GET,
            "/learn/{course}",
            Roles(STUDENT, S::Course("course")),
            get(pages::student_course),
        ),
        r(
            Method::GET,
            "/learn/{course}/skills/{skill}",
            Roles(STUDENT, S::Course("course")),
            get(pages::practice),
        ),
        r(
            Method::POST,
            "/learn/{course}/items/{item}/answer",
            Roles(STUDENT, S::Course("course")),
            post(pages::answer),
        ),
        r(
            Method::POST,
            "/learn/{course}/items/{item}/hint",
            Roles(STUDENT, S::Course("course")),
            post(pages::hint),
        ),
        r(
            Method::GET,
            "/learn/{course}/lessons/{lesson}",
            Roles(STUDENT, S::Course("course")),
            get(pages::lesson),
        ),
        r(
            Method::POST,
            "/learn/{course}/lessons/{lesson}/done",
            Roles(STUDENT, S::Course("course")),
            post(pages::lesson_done),
        ),
        r(
            Method::GET,
            "/learn/{course}/placement",
            Roles(STUDENT, S::Course("course")),
            get(adaptive::placement),
        ),
        r(
            Method::POST,
            "/learn/{course}/placement/answer",
            Roles(STUDENT, S::Course("course")),
            post(adaptive::placement_answer),
        ),
        r(
            Method::GET,
            "/learn/{course}/map",
            Roles(STUDENT, S::Course("course")),
            get(adaptive::skill_map),
        ),
        r(
            Method::GET,
            "/learn/{course}/projects/{project}",
            Roles(STUDENT, S::Course("course")),
            get(adaptive::project),
        ),
        r(
            Method::POST,
            "/learn/{course}/goals",
            Roles(STUDENT, S::Course("course")),
            post(adaptive::add_goal),
        ),
        r(
            Method::POST,
            "/learn/{course}/goals/{goal}/close",
            Roles(STUDENT, S::Course("course")),
            post(adaptive::close_goal),
        ),
        r(
            Method::POST,
            "/learn/{course}/interests",
            Roles(STUDENT, S::Course("course")),
            post(adaptive::set_interests),
        ),
        // Teachers
        r(
            Method::GET,
            "/classes",
            Roles(TEACHER, S::None),
            get(pages::teacher_classes),
        ),
        r(
            Method::GET,
            "/classes/{class}",
            Roles(TEACHER, S::Class("class")),
            get(pages::class_dashboard),
        ),
        r(
            Method::GET,
            "/students/{student}",
            Roles(TEACHER, S::Student("student")),
            get(pages::student_record),
        ),
        r(
            Method::POST,
            "/students/{student}/overrides",
            Roles(TEACHER, S::Student("student")),
            post(adaptive::student_override),
        ),
        r(
            Method::POST,
            "/students/{student}/goals",
            Roles(TEACHER, S::Student("student")),
            post(adaptive::student_goal),
        ),
        r(
            Method::POST,
            "/classes/{class}/overrides",
            Roles(TEACHER, S::Class("class")),
            post(adaptive::class_override),
        ),
        r(
            Method::POST,
            "/classes/{class}/overrides/{override}/delete",
            Roles(TEACHER, S::Class("class")),
            post(adaptive::remove_override),
        ),
        r(
            Method::POST,
            "/classes/{class}/placement",
            Roles(TEACHER, S::Class("class")),
            post(adaptive::placement_cap),
        ),
        // Guardians
        r(
            Method::GET,
            "/family",
            Roles(GUARDIAN, S::None),
            get(pages::family),
        ),
        r(
            Method::GET,
            "/family/{student}",
            Roles(GUARDIAN, S::Student("student")),
            get(pages::child),
        ),
        // Admins
        r(
            Method::GET,
            "/admin",
            Roles(ADMIN, S::None),
            get(pages::admin),
        ),
        r(
            Method::POST,
            "/admin/users",
            Roles(ADMIN, S::None),
            post(pages::admin_create_user),
        ),
        r(
            Method::POST,
            "/admin/classes",
            Roles(ADMIN, S::None),
            post(pages::admin_create_class),
        ),
        r(
            Method::POST,
            "/admin/members",
            Roles(ADMIN, S::None),
            post(pages::admin_add_member),
        ),
        r(
            Method::POST,
            "/admin/guardians",
            Roles(ADMIN, S::None),
            post(pages::admin_add_guardian),
        ),
        // JSON API
        r(Method::GET, "/api/openapi.json", Public, get(api::openapi)),
        r(Method::POST, "/api/v1/login", Public, post(api::login)),
        r(Method::POST, "/api/v1/logout", SignedIn, post(api::logout)),
        r(Method::GET, "/api/v1/me", SignedIn, get(api::me)),
        r(
            Method::GET,
            "/api/v1/courses/{course}/skills/{skill}/next-item",
            Roles(STUDENT, S::Course("course")),
            get(api::next_item),
        ),
        r(
            Method::POST,
            "/api/v1/courses/{course}/answers",
            Roles(STUDENT, S::Course("course")),
            post(api::submit_answer),
        ),
        r(
            Method::GET,
            "/api/v1/classes/{class}/mastery",
            Roles(TEACHER, S::Class("class")),
            get(api::class_mastery),
        ),
    ]
}

/// The route table without handlers: what tests enumerate.
pub fn route_table() -> Vec<RouteSpec> {
    routes().into_iter().map(|(spec, _)| spec).collect()
}

pub(crate) fn build_router(state: AppState) -> Router {
    let mut router = Router::new();
    for (spec, handler) in routes() {
        let path = spec.path;
        let guarded =
            handler.route_layer(middleware::from_fn_with_state((state.clone(), spec), guard));
        router = router.route(path, guarded);
    }
    router
        .fallback(|| async { WebError::NotFound })
        .layer(middleware::from_fn(render_errors))
        .with_state(state)
}

/// Enforces a route's [`Access`] and CSRF rules, and hands the handler the signed-in person.
/// The person also rides on the response, so error pages can show the signed-in frame.
async fn guard(
    State((state, spec)): State<(AppState, RouteSpec)>,
    params: RawPathParams,
    request: Request,
    next: Next,
) -> Response {
    let user = match auth::session_of(&state, request.headers(), spec.is_api()).await {
        Ok(user) => user,
        Err(error) => return error.into_response(),
    };
    let mut response = match authorize(&state, &spec, params, request, user.clone()).await {
        Ok(request) => next.run(request).await,
        Err(error) => error.into_response(),
    };
    response.extensions_mut().insert(MaybeUser(user));
    response
}

async fn authorize(
    state: &AppState,
    spec: &RouteSpec,
    params: RawPathParams,
    request: Request,
    user: Option<CurrentUser>,
) -> Result<Request, WebError> {
    let api = spec.is_api();
    match spec.access {
        Access::Public => {}
        Access::SignedIn => {
            if user.is_none() {
                return Err(WebError::Unauthenticated);
            }
        }
        Access::Roles(roles, subject) => {
            let Some(current) = &user else {
                return Err(WebError::Unauthenticated);
            };
            if !roles.contains(&current.user.role) {
                return Err(WebError::Forbidden);
            }
            let param = |name: &str| {
                params
                    .iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| value.to_string())
            };
            if !related(state, current, subject, param).await? {
                return Err(WebError::NotFound);
            }
        }
    }
    let request = if !api && !matches!(*request.method(), Method::GET | Method::HEAD) {
        check_csrf(request, user.as_ref()).await?
    } else {
        request
    };
    let mut request = request;
    request.extensions_mut().insert(MaybeUser(user));
    Ok(request)
}

async fn related(
    state: &AppState,
    current: &CurrentUser,
    subject: Subject,
    param: impl Fn(&str) -> Option<String>,
) -> Result<bool, WebError> {
    let store = &state.store;
    let user = &current.user;
    let value = |name: &str| param(name).ok_or(WebError::NotFound);
    Ok(match subject {
        Subject::None => true,
        Subject::Student(name) => {
            store.student_relation(user, &value(name)?).await? != StudentRelation::None
        }
        Subject::Class(name) => {
            let class = value(name)?;
            match user.role {
                Role::Teacher => store.teaches_class(&user.id, &class).await?,
                Role::Student => store.is_enrolled(&user.id, &class).await?,
                _ => false,
            }
        }
        Subject::Course(name) => {
            let course = value(name)?;
            let classes = match user.role {
                Role::Teacher => store.classes_taught_by(&user.id).await?,
                Role::Student => store.classes_of_student(&user.id).await?,
                _ => Vec::new(),
            };
            classes.iter().any(|c| c.course_id == course)
        }
    })
}

/// Checks the CSRF token of a page form, returning the request with its body intact.
async fn check_csrf(request: Request, user: Option<&CurrentUser>) -> Result<Request, WebError> {
    let (parts, body) = request.into_parts();
    if let Some(origin) = parts
        .headers
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
    {
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
        if origin != "null" && origin_host != host {
            return Err(WebError::Csrf);
        }
    }
    let bytes = axum::body::to_bytes(body, 256 * 1024)
        .await
        .map_err(|_| WebError::BadRequest("the form is too large (256 KiB at most)".into()))?;
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
    let sent = fields
        .iter()
        .find(|(k, _)| k == "_csrf")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    let expected = match user {
        Some(current) => Some(current.csrf_token.clone()),
        None => auth::cookie_value(&parts.headers, LOGIN_CSRF_COOKIE),
    };
    match expected {
        Some(expected) if !sent.is_empty() && auth::tokens_match(sent, &expected) => {
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        _ => Err(WebError::Csrf),
    }
}

/// The signed-in person, if any, as the guard found them.
#[derive(Clone, Debug)]
pub struct MaybeUser(pub Option<CurrentUser>);

/// Turns a [`WebError`] carried by a response into the right body: JSON for the API, a
/// redirect to the login page for signed-out page visits, an HTML page otherwise.
async fn render_errors(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let wants_page = request.method() == Method::GET;
    let target = request
        .uri()
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    let response = next.run(request).await;
    let Some(error) = response.extensions().get::<Arc<WebError>>().cloned() else {
        return response;
    };
    let status = error.status();
    if api {
        let mut r = (
            status,
            axum::Json(serde_json::json!({ "error": error.public_message() })),
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        return r;
    }
    if matches!(*error, WebError::Unauthenticated) {
        let next = if wants_page { target } else { "/".to_string() };
        let location = format!("/login?next={}", pages::url_encode(&next));
        return Redirect::to(&location).into_response();
    }
    let user = response
        .extensions()
        .get::<MaybeUser>()
        .and_then(|m| m.0.clone());
    (
        status,
        pages::error_page(status, &error.public_message(), user.as_ref()),
    )
        .into_response()
}
