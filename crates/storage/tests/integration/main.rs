//! The storage crate's integration tests, in one test binary (see ARCHITECTURE.md,
//! "Tests"): every test runs on SQLite and on PostgreSQL, each on its own scratch database.

/// Declares, for each `async fn name(backend: Backend)` of the module, a test
/// `sqlite::name` and a test `postgres::name`.
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::$name(ownpace_storage::Backend::Sqlite).await } )* }
        mod postgres { $( #[tokio::test] async fn $name() { super::$name(ownpace_storage::Backend::Postgres).await } )* }
    };
}

mod support;

mod consent;
mod erasure;
mod inventory;
mod models;
mod projects;
mod roster;
mod screen;
mod security;
mod store;
mod upgrade;
