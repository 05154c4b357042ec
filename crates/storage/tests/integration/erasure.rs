//! Export, erasure and retention on both engines: the export holds every row that names
//! the student (found by scanning every column of the live schema, so a new table that
//! the inventory forgets fails here) and nothing about another student; after an
//! erasure, no column of the database (read through SQL after `VACUUM`), and on SQLite
//! no byte of the database file or its WAL, holds the student's username, name, typed
//! answers, goal, interests or id; a restored backup gets the erasure again from the log;
//! retention finds who left long enough ago; one lease holder at a time.

use crate::store::course;
use crate::support::{COURSE, I1, open};
use ownpace_core::events::EventKind;
use ownpace_core::ids::{ClassId, UserId};
use ownpace_core::learner::bkt::BktParams;
use ownpace_storage::{
    AnswerRecord, Backend, ErasedVia, EventRecord, FileQuota, NewFile, NewGoal, NewRound, NewUser,
    ProposedGroup, Role, RoundProject, Store, User,
};

on_both_engines!(
    the_export_holds_every_row_that_names_the_student_and_no_other_student,
    an_erased_student_leaves_no_trace_in_the_database_or_its_files,
    retention_finds_students_who_left_every_class_long_enough_ago,
    one_server_at_a_time_holds_a_lease,
    an_erasure_request_is_pending_until_the_student_is_erased,
);

const USERNAME: &str = "zelda-unique-7q";
const NAME: &str = "Zelda Quixote-Unique";
const ANSWER: &str = "my secret answer 8812";
const GOAL: &str = "reach the stars 5521";
const INTEREST: &str = "kitesurfing-4410";
const OTHER_ANSWER: &str = "other typed 3310";
const OTHER_GOAL: &str = "other goal 6620";

async fn user(store: &Store, username: &str, name: &str, role: Role) -> User {
    store
        .create_user(NewUser {
            username,
            display_name: name,
            role,
            password_hash: "$argon2id$not-a-real-hash",
            created_at: 1_000,
        })
        .await
        .expect("create user")
}

/// A student with something in every table that can hold them, beside another student
/// with the same kinds of rows. Returns (student, other student).
async fn fill(store: &Store, username: &str, name: &str) -> (User, User) {
    store.import_course(&course("C"), &[], 1).await.unwrap();
    let class = store.create_class("6B", &COURSE, 10).await.unwrap();
    let tess = user(store, "tess", "Tess Teacher", Role::Teacher).await;
    store.add_to_class(&class.id, &tess.id, 20).await.unwrap();
    let guardian = user(store, "guardian-one", "A Guardian", Role::Guardian).await;
    let student = user(store, username, name, Role::Student).await;
    let other = user(store, "olga-other", "Olga Other", Role::Student).await;
    for (s, typed, goal, interest) in [
        (&student, ANSWER, GOAL, INTEREST),
        (&other, OTHER_ANSWER, OTHER_GOAL, "chess-club"),
    ] {
        store.add_to_class(&class.id, &s.id, 100).await.unwrap();
        let skills = vec!["a".to_string()];
        let response = serde_json::json!({"kind": "text", "value": typed}).to_string();
        let key = format!("key-{}", s.username);
        store
            .record_answer(
                &AnswerRecord {
                    student_id: &s.id,
                    course_id: &COURSE,
                    course_version: 1,
                    item_id: &I1,
                    skills: &skills,
                    response: &response,
                    correct: false,
                    occurred_at: 2_000,
                    duration_ms: Some(4_000),
                    idempotency_key: &key,
                },
                |_| BktParams::default(),
            )
            .await
            .unwrap();
        store
            .record_event(&EventRecord {
                student_id: &s.id,
                course_id: &COURSE,
                course_version: 1,
                kind: EventKind::Hint,
                skills: &skills,
                item_id: Some("i1"),
                data: None,
                occurred_at: 2_500,
                duration_ms: None,
                idempotency_key: &format!("hint-{}", s.username),
            })
            .await
            .unwrap();
        store
            .create_goal(NewGoal {
                student_id: &s.id,
                course_id: &COURSE,
                title: goal,
                skills: &skills,
                project_id: None,
                target_at: 9_000,
                created_by: &s.id,
                created_at: 3_000,
            })
            .await
            .unwrap();
        store
            .set_interests(&s.id, &[interest.to_string()])
            .await
            .unwrap();
        store
            .create_session(
                &format!("session-{}", s.username),
                &s.id,
                "csrf",
                1,
                9_999_999,
                "Firefox",
            )
            .await
            .unwrap();
        store
            .issue_setup_code(&s.id, &format!("code-{}", s.username), 1, 9_999_999)
            .await
            .unwrap();
        store
            .audit(&tess.id, "teacher viewed record", Some(&s.id), 4_000)
            .await
            .unwrap();
        store
            .audit(&s.id, "student downloaded their record", Some(&s.id), 4_100)
            .await
            .unwrap();
    }
    store.add_guardian(&guardian.id, &student.id).await.unwrap();
    fill_projects(store, &class.id, &tess, &student, &other).await;
    store
        .request_erasure(&student.id, &guardian.id, 5_000)
        .await
        .unwrap();
    store
        .set_flash(
            "some-session",
            "/admin",
            &format!("{name} was saved"),
            5_100,
        )
        .await
        .unwrap();
    (student, other)
}

/// A project round (issue 10): the student ranked, is in a group with the other student,
/// posted, added a milestone, uploaded a file and submitted; a third student is kept
/// apart from them.
async fn fill_projects(store: &Store, class: &ClassId, tess: &User, student: &User, other: &User) {
    let third = user(store, "third-one", "Third One", Role::Student).await;
    store.add_to_class(class, &third.id, 100).await.unwrap();
    let projects = [RoundProject {
        project_id: "p-bridge".into(),
        group_min: 2,
        group_max: 3,
    }];
    let round = store
        .create_round(
            &NewRound {
                class_id: class,
                course_id: &COURSE,
                title: "Round",
                opened_by: &tess.id,
                opens_at: 0,
                closes_at: 3_000,
                due_at: 9_000,
                seed: 1,
                projects: &projects,
            },
            1_000,
        )
        .await
        .unwrap();
    for s in [student, other] {
        store
            .set_ranking(&round.id, &s.id, &["p-bridge".to_string()], 1_100)
            .await
            .unwrap();
    }
    store
        .save_proposal(
            &round.id,
            &[ProposedGroup {
                project_id: "p-bridge".into(),
                name: "Bridge builders".into(),
                members: vec![
                    (student.id.clone(), "first choice".into()),
                    (other.id.clone(), "first choice".into()),
                ],
            }],
            3_100,
        )
        .await
        .unwrap();
    store.publish_groups(&round.id, 3_200).await.unwrap();
    let group = store
        .group_of(&student.id, &round.id)
        .await
        .unwrap()
        .unwrap();
    store
        .add_post(
            &group.id,
            &student.id,
            GOAL,
            Some("https://example.org/zq"),
            3_300,
        )
        .await
        .unwrap();
    store
        .add_post(&group.id, &other.id, OTHER_GOAL, None, 3_300)
        .await
        .unwrap();
    store
        .add_milestone(&group.id, ANSWER, 8_000, &student.id, 3_400)
        .await
        .unwrap();
    let file = store
        .add_file(
            &NewFile {
                group_id: &group.id,
                uploaded_by: &student.id,
                name: "zelda-unique-7q.txt",
                content_type: "text/plain",
                bytes: INTEREST.as_bytes(),
                at: 3_500,
            },
            FileQuota::default(),
        )
        .await
        .unwrap();
    store
        .submit_group(&group.id, &student.id, GOAL, None, &[file], 3_600)
        .await
        .unwrap();
    store
        .set_keep_apart(class, &student.id, &third.id, &tess.id, 3_700)
        .await
        .unwrap();
}

/// A bare connection to the same database, for scanning it the way an auditor would.
async fn raw(url: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .expect("connect")
}

/// (table, column) pairs of the live schema whose text contains `needle` (any case).
async fn sql_hits(store: &Store, url: &str, needle: &str) -> Vec<(String, String)> {
    let pool = raw(url).await;
    let mut hits = Vec::new();
    for (table, column) in store.schema_columns().await.unwrap() {
        let sql =
            format!("SELECT COUNT(*) FROM {table} WHERE LOWER(CAST({column} AS TEXT)) LIKE $1");
        let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(format!("%{}%", needle.to_lowercase()))
            .fetch_one(&pool)
            .await
            .unwrap();
        if n > 0 {
            hits.push((table, column));
        }
    }
    pool.close().await;
    hits
}

/// How many rows of each table have a column equal to `value`.
async fn rows_naming(store: &Store, url: &str, value: &str) -> Vec<(String, i64)> {
    let pool = raw(url).await;
    let mut by_table: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (table, column) in store.schema_columns().await.unwrap() {
        by_table.entry(table).or_default().push(column);
    }
    let mut out = Vec::new();
    for (table, columns) in by_table {
        let filter: Vec<String> = columns
            .iter()
            .map(|c| format!("CAST({c} AS TEXT) = $1"))
            .collect();
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE {}", filter.join(" OR "));
        let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(value)
            .fetch_one(&pool)
            .await
            .unwrap();
        if n > 0 {
            out.push((table, n));
        }
    }
    pool.close().await;
    out
}

async fn the_export_holds_every_row_that_names_the_student_and_no_other_student(backend: Backend) {
    let (store, db) = open(backend).await;
    let (student, other) = fill(&store, USERNAME, NAME).await;
    let export = store.export_student(&student.id).await.unwrap();
    for (table, rows) in rows_naming(&store, &db.url, student.id.as_str()).await {
        let exported = export
            .iter()
            .find(|t| t.table == table)
            .unwrap_or_else(|| panic!("{table} holds {rows} rows naming the student and is not exported: give it a student_column in the inventory"));
        assert_eq!(exported.rows.len() as i64, rows, "{table}");
    }
    let text = serde_json::to_string(
        &export
            .iter()
            .map(|t| (t.table, t.objects()))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    for needle in [ANSWER, GOAL, INTEREST, USERNAME, NAME] {
        assert!(text.contains(needle), "the export lacks {needle}");
    }
    for foreign in [
        other.id.as_str(),
        &other.username,
        &other.display_name,
        OTHER_ANSWER,
        OTHER_GOAL,
        "$argon2id",
        "session-",
        "code-",
    ] {
        assert!(
            !text.contains(foreign),
            "the export holds {foreign}: {text}"
        );
    }
    store.close().await;
}

async fn an_erased_student_leaves_no_trace_in_the_database_or_its_files(backend: Backend) {
    let (store, db) = open(backend).await;
    let (student, other) = fill(&store, USERNAME, NAME).await;
    let backup = db.url.strip_prefix("sqlite://").map(|path| {
        let backup = format!("{path}.backup");
        (backup.clone(), format!("sqlite://{backup}"))
    });
    if let Some((path, _)) = &backup {
        let pool = raw(&db.url).await;
        sqlx::query(sqlx::AssertSqlSafe(format!("VACUUM INTO '{path}'")))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
    let events_before = rows_naming(&store, &db.url, student.id.as_str()).await;
    let erased = store
        .erase_student(
            &student.id,
            &format!("{NAME} ({USERNAME}) left the school; parents asked"),
            None,
            ErasedVia::CommandLine,
            6_000,
        )
        .await
        .unwrap();
    assert!(erased.pseudonym.starts_with("erased-"));
    assert!(
        erased.rows_deleted > 0 && erased.rows_pseudonymised > 0,
        "{erased:?}"
    );

    let needles = [USERNAME, NAME, ANSWER, GOAL, INTEREST, student.id.as_str()];
    for needle in needles {
        let hits = sql_hits(&store, &db.url, needle).await;
        assert!(hits.is_empty(), "{needle} is still in {hits:?}");
    }
    if let Some(path) = db.url.strip_prefix("sqlite://") {
        for file in [path.to_string(), format!("{path}-wal")] {
            let bytes = std::fs::read(&file).unwrap_or_default();
            for needle in needles {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                    "{needle} is still in the bytes of {file}"
                );
            }
        }
    }
    // The statistics stay, under the pseudonym; the other student is untouched.
    let pseudonym = UserId::new(erased.pseudonym.as_str());
    let answers = store
        .export_student(&pseudonym)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.table == "events")
        .unwrap();
    assert_eq!(
        answers.rows.len(),
        2,
        "the answer and the hint stay for statistics"
    );
    let before_events = events_before.iter().find(|(t, _)| t == "events").unwrap().1;
    assert_eq!(before_events, 2);
    assert!(
        store
            .user_by_username(&other.username)
            .await
            .unwrap()
            .is_some()
    );
    let other_text = serde_json::to_string(
        &store
            .export_student(&other.id)
            .await
            .unwrap()
            .iter()
            .map(|t| t.objects())
            .collect::<Vec<_>>(),
    )
    .unwrap();
    assert!(other_text.contains(OTHER_ANSWER) && other_text.contains(OTHER_GOAL));

    // The log names the pseudonym only; the reason lost the name.
    let log = store.erasure_log().await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].pseudonym, erased.pseudonym);
    assert_eq!(
        log[0].reason,
        "[the student] ([the student]) left the school; parents asked"
    );
    assert_eq!(log[0].via, "command line");

    // A backup from before the erasure: reapplying the log erases the same student
    // under the same pseudonym, and the restored database then holds no trace either.
    if let Some((path, url)) = backup {
        let restored = Store::connect(&url).await.unwrap();
        assert!(restored.user_by_username(USERNAME).await.unwrap().is_some());
        let again = restored.reapply_erasures(&log, 7_000).await.unwrap();
        assert_eq!(again, vec![erased.pseudonym.clone()]);
        assert!(restored.user_by_username(USERNAME).await.unwrap().is_none());
        assert_eq!(restored.erasure_log().await.unwrap(), log);
        for needle in needles {
            let hits = sql_hits(&restored, &url, needle).await;
            assert!(hits.is_empty(), "restored: {needle} is still in {hits:?}");
        }
        for file in [path.clone(), format!("{path}-wal")] {
            let bytes = std::fs::read(&file).unwrap_or_default();
            for needle in needles {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                    "restored: {needle} is still in the bytes of {file}"
                );
            }
        }
        // Reapplying twice changes nothing.
        assert!(
            restored
                .reapply_erasures(&log, 8_000)
                .await
                .unwrap()
                .is_empty()
        );
        restored.close().await;
    }
    // Only students are erased, and an erased student cannot be erased again.
    let tess = store.user_by_username("tess").await.unwrap().unwrap();
    assert!(
        store
            .erase_student(&tess.id, "", None, ErasedVia::CommandLine, 9_000)
            .await
            .is_err()
    );
    assert!(
        store
            .erase_student(&pseudonym, "", None, ErasedVia::CommandLine, 9_000)
            .await
            .is_err()
    );
    store.close().await;
}

async fn retention_finds_students_who_left_every_class_long_enough_ago(backend: Backend) {
    let (store, _db) = open(backend).await;
    store.import_course(&course("C"), &[], 1).await.unwrap();
    let a = store.create_class("A", &COURSE, 10).await.unwrap();
    let b = store.create_class("B", &COURSE, 10).await.unwrap();
    let gone = user(&store, "gone", "Gone Long", Role::Student).await;
    let recent = user(&store, "recent", "Left Recently", Role::Student).await;
    let half = user(&store, "half", "Still In One", Role::Student).await;
    let never = user(&store, "never", "Never Enrolled", Role::Student).await;
    for s in [&gone, &recent, &half] {
        store.add_to_class(&a.id, &s.id, 100).await.unwrap();
    }
    store.add_to_class(&b.id, &gone.id, 100).await.unwrap();
    store.add_to_class(&b.id, &half.id, 100).await.unwrap();
    store
        .remove_from_class(&a.id, &gone.id, 1_000)
        .await
        .unwrap();
    store
        .remove_from_class(&b.id, &gone.id, 2_000)
        .await
        .unwrap();
    store
        .remove_from_class(&a.id, &recent.id, 50_000)
        .await
        .unwrap();
    store
        .remove_from_class(&a.id, &half.id, 1_000)
        .await
        .unwrap();
    let due = store.students_left_before(10_000).await.unwrap();
    assert_eq!(due.len(), 1, "{due:?}");
    assert_eq!(due[0].student.id, gone.id);
    assert_eq!(due[0].left_at, 2_000, "counted from the last class left");
    let later: Vec<_> = store
        .students_left_before(60_000)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.student.username)
        .collect();
    assert_eq!(later, ["gone", "recent"]);
    assert!(!later.contains(&never.username));
    store.close().await;
}

async fn one_server_at_a_time_holds_a_lease(backend: Backend) {
    let (store, _db) = open(backend).await;
    let attempts: Vec<_> = (0..8)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .take_lease(
                        "retention",
                        &format!("server-{i}"),
                        1_000,
                        1_000 + 86_400_000,
                    )
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut taken = 0;
    for attempt in attempts {
        taken += usize::from(attempt.await.unwrap());
    }
    assert_eq!(
        taken, 1,
        "exactly one of eight concurrent servers takes the lease"
    );
    assert!(
        !store
            .take_lease("retention", "late", 86_000_000, 90_000_000)
            .await
            .unwrap()
    );
    assert!(
        store
            .take_lease("retention", "next-day", 1_000 + 86_400_000, 2 * 86_400_000)
            .await
            .unwrap()
    );
    assert!(store.take_lease("another-job", "x", 5, 10).await.unwrap());
    // An expired lease that several servers want at once: again exactly one gets it.
    for round in 0..5 {
        let now = 10 * 86_400_000 * (round + 1);
        let attempts: Vec<_> = (0..8)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .take_lease("retention", &format!("s{i}"), now, now + 86_400_000)
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut taken = 0;
        for attempt in attempts {
            taken += usize::from(attempt.await.unwrap());
        }
        assert_eq!(
            taken, 1,
            "round {round}: one of eight takes the expired lease"
        );
    }
    store.close().await;
}

async fn an_erasure_request_is_pending_until_the_student_is_erased(backend: Backend) {
    let (store, _db) = open(backend).await;
    let (student, other) = fill(&store, USERNAME, NAME).await;
    assert_eq!(
        store.erasure_requested_at(&student.id).await.unwrap(),
        Some(5_000)
    );
    assert!(
        !store
            .request_erasure(&student.id, &student.id, 5_500)
            .await
            .unwrap(),
        "one pending request is enough"
    );
    assert_eq!(store.erasure_requested_at(&other.id).await.unwrap(), None);
    let pending = store.pending_erasure_requests().await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].student.id, student.id);
    assert_eq!(pending[0].requested_by, "A Guardian");
    store
        .erase_student(&student.id, "asked", None, ErasedVia::AdminPage, 6_000)
        .await
        .unwrap();
    assert!(store.pending_erasure_requests().await.unwrap().is_empty());
    store.close().await;
}
