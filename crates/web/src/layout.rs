//! The frame every page shares (title, who is signed in, navigation, CSRF token) and the
//! error page. Pages (`pages::*`) and error rendering (`error`) both build on it.

use crate::auth::CurrentUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ownpace_storage::Role;

pub(crate) struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// One step of a page's breadcrumb trail: a link up, or (with an empty `href`) the page
/// itself.
pub(crate) struct Crumb {
    pub href: String,
    pub label: String,
}

/// What every page's frame shows: title, who is signed in, navigation, CSRF token, and
/// where the page sits (breadcrumbs).
pub(crate) struct Layout {
    pub title: String,
    pub user_name: String,
    pub role: String,
    pub csrf: String,
    pub nav: Vec<NavLink>,
    pub crumbs: Vec<Crumb>,
}

impl Layout {
    pub(crate) fn new(
        title: impl Into<String>,
        current: Option<&CurrentUser>,
        active: &str,
    ) -> Layout {
        let nav = match current.map(|c| c.user.role) {
            Some(Role::Student) => vec![
                ("/learn", "My learning"),
                ("/grades", "Grades"),
                ("/notices", "Notices"),
            ],
            Some(Role::Teacher) => vec![("/classes", "My classes")],
            Some(Role::Guardian) => vec![("/family", "My family"), ("/notices", "Notices")],
            Some(Role::Admin) => vec![("/admin", "Administration")],
            None => vec![],
        }
        .into_iter()
        .chain(current.map(|_| ("/account", "Account")))
        .map(|(href, label)| NavLink {
            href,
            label,
            current: active.starts_with(href),
        })
        .collect();
        Layout {
            title: title.into(),
            user_name: current
                .map(|c| c.user.display_name.clone())
                .unwrap_or_default(),
            role: current.map(|c| c.user.role.to_string()).unwrap_or_default(),
            csrf: current.map(|c| c.csrf_token.clone()).unwrap_or_default(),
            nav,
            crumbs: Vec::new(),
        }
    }

    /// Adds a breadcrumb trail: (href, label) pairs from the top down; the page itself
    /// comes last with the page's title.
    pub(crate) fn with_crumbs<'a>(
        mut self,
        trail: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Layout {
        self.crumbs = trail
            .into_iter()
            .map(|(href, label)| Crumb {
                href: href.to_string(),
                label: label.to_string(),
            })
            .collect();
        self.crumbs.push(Crumb {
            href: String::new(),
            label: self.title.clone(),
        });
        self
    }
}

/// Percent-encodes `text` for a query string value.
pub fn url_encode(text: &str) -> String {
    serde_urlencoded::to_string([("", text)])
        .map(|s| s.trim_start_matches('=').to_string())
        .unwrap_or_default()
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    status: u16,
    message: String,
}

/// The error page, in the signed-in frame when someone is signed in.
pub fn error_page(status: StatusCode, message: &str, user: Option<&CurrentUser>) -> Response {
    let title = status.canonical_reason().unwrap_or("Error").to_string();
    ErrorPage {
        layout: Layout::new(title, user, ""),
        status: status.as_u16(),
        message: message.to_string(),
    }
    .into_response()
}
