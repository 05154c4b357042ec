//! What the storage tests share: a migrated store on a scratch database, and accounts.

use ownpace_core::ids::{CourseId, ItemId, UserId};
use ownpace_storage::testing::{ScratchDatabase, scratch};
use ownpace_storage::{Backend, NewUser, Role, Store};
use std::sync::LazyLock;

/// The course id the storage tests record events in.
pub static COURSE: LazyLock<CourseId> = LazyLock::new(|| CourseId::new("c"));
/// Items the storage tests answer (the store does not check them against a course).
pub static I1: LazyLock<ItemId> = LazyLock::new(|| ItemId::new("i1"));
pub static I2: LazyLock<ItemId> = LazyLock::new(|| ItemId::new("i2"));

/// A migrated store on a fresh scratch database of `backend` (dropped with the guard).
pub async fn open(backend: Backend) -> (Store, ScratchDatabase) {
    let db = scratch(backend).await;
    let store = Store::connect(&db.url).await.expect("connect and migrate");
    assert_eq!(store.backend(), backend);
    (store, db)
}

/// A bare connection to a fresh scratch database of `backend`, with no migrations run
/// (for tests that build an older schema first).
pub async fn open_raw(backend: Backend) -> (sqlx::AnyPool, ScratchDatabase) {
    sqlx::any::install_default_drivers();
    let db = scratch(backend).await;
    let url = match backend {
        Backend::Sqlite => format!("{}?mode=rwc", db.url),
        Backend::Postgres => db.url.clone(),
    };
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .expect("connect to the scratch database");
    (pool, db)
}

/// Creates a student account; returns its id.
pub async fn student(store: &Store, name: &str) -> UserId {
    store
        .create_user(NewUser {
            username: name,
            display_name: name,
            role: Role::Student,
            password_hash: "x",
            created_at: 1_000,
        })
        .await
        .expect("create student")
        .id
}
