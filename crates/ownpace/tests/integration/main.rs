//! The binary's integration tests, in one test binary (see ARCHITECTURE.md, "Tests"): the
//! real server on a random port and the `ownpace` command, on SQLite and on PostgreSQL.
//! Each module is one former test file; `support` holds what they share and is also used
//! by the browser tests and the load bench. Tests run in parallel threads of one process:
//! each starts its own server on its own scratch database, and a child `ownpace` process
//! gets its settings through its own environment, never through this process's.

/// Declares, for each `async fn name(backend: Backend)` of the module, a test
/// `sqlite::name` and a test `postgres::name`.
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(ownpace_storage::Backend::Sqlite).await } )* }
        mod postgres { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(ownpace_storage::Backend::Postgres).await } )* }
    };
}

mod support;

mod accounts;
mod adaptive;
mod admin;
mod assignments;
mod balance_help;
mod checkins;
mod cli;
mod config;
mod consent;
mod crash;
mod data_rights;
mod demo;
mod fit;
mod flows;
mod grades;
mod letters;
mod openapi;
mod peer_review;
mod pilot;
mod pilot_conditions;
mod pilots;
mod policy;
mod privacy;
mod project_groups;
mod projects;
mod record;
mod screen_time;
mod security;
mod together;
mod trust;
