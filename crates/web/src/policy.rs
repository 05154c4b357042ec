//! The route table: every route, and who may call it.
//!
//! Each area declares its own rows (`pages::student::routes`, `pages::teacher::routes`,
//! …, `api::routes`) with the method named once; this module gathers them, and the
//! router is built *from* the table, so a route cannot exist without a policy. The guard
//! (`auth::guard`) enforces each row's [`Access`] before the handler runs. Deny is the
//! default.
//!
//! Tests enumerate [`route_table`] and call every route as every role and relation, so a
//! new route is tested against the policy it declares the moment it is added.

use crate::auth::guard;
use crate::error::{WebError, render_errors};
use crate::routing::Route;
use crate::{AppState, api, pages};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;

pub use crate::routing::{Access, RouteSpec, Subject};

fn routes() -> Vec<Route> {
    let mut routes = pages::routes();
    routes.extend(api::routes());
    routes.extend(crate::screen_api::routes());
    routes.extend(crate::grades::routes());
    routes.extend(crate::checkins_api::routes());
    routes.extend(crate::pilots_api::routes());
    routes.extend(crate::next_steps_api::routes());
    routes.extend(crate::assignments_api::routes());
    routes.extend(crate::projects_api::routes());
    routes.extend(crate::my_projects_api::routes());
    routes.extend(crate::peer_api::routes());
    routes
}

/// The route table without handlers: what tests enumerate.
pub fn route_table() -> Vec<RouteSpec> {
    routes().into_iter().map(|route| route.spec).collect()
}

pub(crate) fn build_router(state: AppState) -> Router {
    let mut router = Router::new();
    for Route { spec, mut handler } in routes() {
        let path = spec.path;
        if path == crate::projects::UPLOAD_PATH {
            // A group's upload may be one file at the settings' per-file limit.
            handler = handler.layer(DefaultBodyLimit::max(crate::projects::upload_body_limit(
                &state.config.uploads,
            )));
        }
        let guarded = handler.route_layer(middleware::from_fn_with_state(
            (state.clone(), spec),
            guard::guard,
        ));
        router = router.route(path, guarded);
    }
    router
        .fallback(|| async { WebError::NotFound })
        .layer(middleware::from_fn(render_errors))
        .with_state(state)
}
