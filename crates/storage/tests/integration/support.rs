//! What the storage tests share: a migrated store on a scratch database, and accounts.

use ownpace_storage::testing::{ScratchDatabase, scratch};
use ownpace_storage::{Backend, NewUser, Role, Store};

/// A migrated store on a fresh scratch database of `backend` (dropped with the guard).
pub async fn open(backend: Backend) -> (Store, ScratchDatabase) {
    let db = scratch(backend).await;
    let store = Store::connect(&db.url).await.expect("connect and migrate");
    assert_eq!(store.backend(), backend);
    (store, db)
}

/// Creates a student account; returns its id.
pub async fn student(store: &Store, name: &str) -> String {
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
