//! The shape of a route-table row: a path, who may call it, and its handler.
//!
//! Each page area (`pages::*`) and the API declare their own rows with [`get`] and
//! [`post`], which name the method once; `policy` gathers them into the one table the
//! router is built from and the guard enforces.

use crate::AppState;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::MethodRouter;
use ownpace_storage::Role;

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
    /// A project round: the teacher teaches its class, or the student is enrolled in it.
    Round(&'static str),
    /// A project group: a teacher of its class, or (once the groups are published) one
    /// of its members now (`projects::group_relation`, which part B extends with the
    /// group's peer reviewers for the routes that let them in).
    Group(&'static str),
}

/// One row of the route table, without its handler: what tests enumerate.
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

/// One row of the route table with its handler.
pub(crate) struct Route {
    pub spec: RouteSpec,
    pub handler: MethodRouter<AppState>,
}

/// A `GET` route.
pub(crate) fn get<H, T>(path: &'static str, access: Access, handler: H) -> Route
where
    H: Handler<T, AppState>,
    T: 'static,
{
    route(Method::GET, path, access, axum::routing::get(handler))
}

/// A `POST` route.
pub(crate) fn post<H, T>(path: &'static str, access: Access, handler: H) -> Route
where
    H: Handler<T, AppState>,
    T: 'static,
{
    route(Method::POST, path, access, axum::routing::post(handler))
}

fn route(
    method: Method,
    path: &'static str,
    access: Access,
    handler: MethodRouter<AppState>,
) -> Route {
    Route {
        spec: RouteSpec {
            method,
            path,
            access,
        },
        handler,
    }
}

pub(crate) const STUDENT: &[Role] = &[Role::Student];
pub(crate) const TEACHER: &[Role] = &[Role::Teacher];
pub(crate) const GUARDIAN: &[Role] = &[Role::Guardian];
pub(crate) const ADMIN: &[Role] = &[Role::Admin];
/// A class's teachers, or an admin for any class (the guard proves "admin: any class").
pub(crate) const TEACHER_OR_ADMIN: &[Role] = &[Role::Teacher, Role::Admin];
pub(crate) const LEARNING: &[Role] = &[Role::Student, Role::Teacher];
