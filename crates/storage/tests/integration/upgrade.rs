//! Upgrades keep everything: a database at the schema of the previous release (migrations
//! 0001–0004, as the release before this session's work shipped them) is filled with an
//! account, a class, an enrolment, answers, a goal and a live session, then opened by this
//! build, which applies the newer migrations. Every row must still be there and usable.

use crate::support::open_raw;
use ownpace_core::ids::{ClassId, CourseId, UserId};
use ownpace_storage::{Backend, Store};

on_both_engines!(a_database_of_the_previous_release_keeps_everything);

/// The migrations the previous release shipped.
const PREVIOUS_RELEASE: usize = 4;

async fn a_database_of_the_previous_release_keeps_everything(backend: Backend) {
    let (pool, db) = open_raw(backend).await;
    let migrations = tempfile::tempdir().expect("temp dir");
    let mut files: Vec<_> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .expect("read the migrations")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    assert!(files.len() > PREVIOUS_RELEASE, "this build adds migrations");
    for file in &files[..PREVIOUS_RELEASE] {
        std::fs::copy(
            file,
            migrations.path().join(file.file_name().expect("name")),
        )
        .expect("copy a migration");
    }
    sqlx::migrate::Migrator::new(migrations.path())
        .await
        .expect("read the old migrations")
        .run(&pool)
        .await
        .expect("migrate to the previous release's schema");
    for sql in [
        "INSERT INTO users (id, username, display_name, role, password_hash, created_at, disabled) \
         VALUES ('u-ana', 'ana', 'Ana P.', 'student', 'argon2-hash-of-ana', 1000, 0)",
        "INSERT INTO courses (id, title, current_version) VALUES ('c', 'Course', 1)",
        "INSERT INTO classes (id, name, course_id, created_at, placement_questions) \
         VALUES ('k-6b', '6B', 'c', 500, 12)",
        "INSERT INTO enrollments (class_id, student_id) VALUES ('k-6b', 'u-ana')",
        "INSERT INTO events (id, student_id, course_id, course_version, kind, skills, item_id, \
         response, correct, occurred_at, duration_ms, idempotency_key, data) VALUES \
         ('e-1', 'u-ana', 'c', 1, 'answer', 'a', 'i1', '{\"kind\":\"text\",\"value\":\"4\"}', 1, 2000, 5000, 'k1', NULL)",
        "INSERT INTO goals (id, student_id, course_id, title, skills, project_id, target_at, \
         created_by, created_at, closed_at) VALUES ('g-1', 'u-ana', 'c', 'Fractions', 'a', NULL, \
         9000, 'u-ana', 1500, NULL)",
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) \
         VALUES ('t-hash', 'u-ana', 'csrf', 3000, 99999999999999)",
    ] {
        sqlx::query(sql).execute(&pool).await.expect(sql);
    }
    pool.close().await;

    let store = Store::connect(&db.url)
        .await
        .expect("this build opens and upgrades it");
    let ana = UserId::new("u-ana");
    let user = store
        .user(&ana)
        .await
        .unwrap()
        .expect("the account is kept");
    assert_eq!(
        (user.username.as_str(), user.display_name.as_str()),
        ("ana", "Ana P.")
    );
    let (_, hash) = store
        .credentials("ana")
        .await
        .unwrap()
        .expect("the login is kept");
    assert_eq!(hash, "argon2-hash-of-ana");
    let classes = store.classes_of_student(&ana).await.unwrap();
    assert_eq!(classes.len(), 1, "the enrolment is kept and open");
    assert_eq!(classes[0].id, ClassId::new("k-6b"));
    let events = store
        .student_events(&ana, &CourseId::new("c"), 10)
        .await
        .unwrap();
    assert_eq!(events.len(), 1, "the answer event is kept");
    assert_eq!(
        events[0].response.as_deref(),
        Some("{\"kind\":\"text\",\"value\":\"4\"}")
    );
    let goals = store.open_goals(&ana, &CourseId::new("c")).await.unwrap();
    assert_eq!(goals.len(), 1, "the goal is kept");
    let session = store
        .session("t-hash", 4000, 2000)
        .await
        .unwrap()
        .expect("the session is kept (last used when it was made)");
    assert_eq!(session.user.id, ana);
    store.close().await;
}
