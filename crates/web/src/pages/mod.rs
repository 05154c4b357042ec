//! Server-rendered pages, one module per audience. Each handler gathers what one page
//! shows into a small view struct and renders it with an askama template from
//! `templates/`. Pages work without JavaScript; `assets/app.js` only adds conveniences.
//!
//! Each module declares its own rows of the route table (`routes()`); `policy` gathers
//! them. No file here grows to 800 lines: a new area gets a new module.

mod account;
mod admin;
mod admin_account;
mod admin_audit;
mod admin_class;
mod admin_import;
mod assess;
pub(crate) mod assignments;
mod checkins;
mod data_rights;
mod family;
mod group_assess;
mod groups;
pub(crate) mod hands;
mod heatmap;
pub(crate) mod letters;
pub(crate) mod notices;
mod peer_feedback;
pub(crate) mod peer_review;
pub(crate) mod pilots;
mod placement;
mod practice;
mod privacy;
pub(crate) mod record;
mod rounds;
mod screen;
mod setup;
mod sheets;
mod sign_in;
mod site;
mod student;
mod teacher;
mod together;
mod two_factor;

pub(crate) use admin::origin;
pub use admin::{check_password, validate_new_user};

use crate::routing::Route;

/// Every page route, by audience.
pub(crate) fn routes() -> Vec<Route> {
    [
        site::routes(),
        sign_in::routes(),
        student::routes(),
        practice::routes(),
        placement::routes(),
        teacher::routes(),
        record::routes(),
        hands::routes(),
        checkins::routes(),
        rounds::routes(),
        groups::routes(),
        group_assess::routes(),
        peer_review::routes(),
        peer_feedback::routes(),
        assignments::routes(),
        crate::calendar::routes(),
        notices::routes(),
        family::routes(),
        letters::routes(),
        crate::consent::routes(),
        screen::routes(),
        sheets::routes(),
        pilots::routes(),
        crate::post_test::routes(),
        together::routes(),
        assess::routes(),
        privacy::routes(),
        data_rights::routes(),
        admin::routes(),
        setup::routes(),
        account::routes(),
        two_factor::routes(),
    ]
    .into_iter()
    .flatten()
    .collect()
}
