//! The storage layer against both engines: every test runs on SQLite and on PostgreSQL.

use crate::support::{COURSE, I1, I2, open, student};
use ownpace_core::course::{AnswerSpec, Course, Item, Skill};
use ownpace_core::ids::{ItemId, UserId};
use ownpace_core::learner::bkt::BktParams;
use ownpace_storage::{
    AnswerRecord, Backend, ImportOutcome, NewOverride, NewUser, OverrideScope, Role, StoredAsset,
};

/// The time the tests' records are made at (storage takes it from its caller).
const T0: i64 = 1_000;

on_both_engines!(
    answers_are_idempotent_and_update_mastery,
    rebuild_reproduces_the_projection,
    a_projection_from_another_rule_is_rebuilt_once,
    reimport_creates_versions_and_keeps_history,
    failed_import_writes_nothing,
    goals_overrides_and_interests_round_trip,
    placement_seeds_mastery_once_and_rebuild_replays_it,
);

#[tokio::test]
async fn sqlite_runs_in_wal_mode_with_full_sync() {
    let (store, _db) = open(Backend::Sqlite).await;
    let (journal, synchronous, foreign_keys) = store
        .sqlite_pragmas()
        .await
        .unwrap()
        .expect("a SQLite store");
    assert_eq!(journal, "wal");
    assert_eq!(synchronous, 2, "synchronous=FULL is 2");
    assert_eq!(foreign_keys, 1);
}

pub(crate) fn course(title: &str) -> Course {
    let skill = |id: &str, pre: &[&str]| Skill {
        id: id.into(),
        name: id.into(),
        description: String::new(),
        prerequisites: pre.iter().map(|s| s.to_string()).collect(),
        standards: vec![],
    };
    let item = |id: &str, skills: &[&str]| Item {
        id: id.into(),
        skills: skills.iter().map(|s| s.to_string()).collect(),
        prompt: "2 + 2?".into(),
        answer: AnswerSpec::Numeric {
            value: 4.0,
            tolerance: 0.0,
            unit: None,
        },
        hints: vec![],
        explanation: String::new(),
        template: None,
    };
    Course {
        id: "c".into(),
        title: title.into(),
        description: String::new(),
        level: String::new(),
        language: "en".into(),
        skills: vec![skill("a", &[]), skill("b", &["a"])],
        lessons: vec![],
        items: vec![item("i1", &["a"]), item("i2", &["a", "b"])],
        projects: vec![],
        assets: vec![],
    }
}

pub(crate) fn answer<'a>(
    student: &'a UserId,
    item: &'a ItemId,
    skills: &'a [String],
    correct: bool,
    at: i64,
    key: &'a str,
) -> AnswerRecord<'a> {
    AnswerRecord {
        student_id: student,
        course_id: &COURSE,
        course_version: 1,
        item_id: item,
        skills,
        response: r#"{"kind":"text","value":"4"}"#,
        correct,
        occurred_at: at,
        duration_ms: Some(5_000),
        idempotency_key: key,
    }
}

async fn answers_are_idempotent_and_update_mastery(backend: Backend) {
    let (store, _db) = open(backend).await;
    store.import_course(&course("C"), &[], T0).await.unwrap();
    let s = student(&store, "sam").await;
    let skills = vec!["a".to_string(), "b".to_string()];
    let first = store
        .record_answer(&answer(&s, &I2, &skills, true, 1_000, "k1"), |_| {
            BktParams::default()
        })
        .await
        .unwrap();
    assert!(!first.duplicate);
    assert_eq!(first.mastery.len(), 2);
    for change in &first.mastery {
        assert!((change.before.p_mastery - 0.2).abs() < 1e-12);
        assert_eq!(change.before.attempts, 0);
        assert!(
            (change.after.p_mastery - 0.6).abs() < 1e-9,
            "hand-computed BKT update is 0.6"
        );
    }
    // The same key again, even with a different answer, stores nothing and reports the first.
    let again = store
        .record_answer(&answer(&s, &I2, &skills, false, 2_000, "k1"), |_| {
            BktParams::default()
        })
        .await
        .unwrap();
    assert!(again.duplicate);
    assert!(again.correct);
    assert_eq!(again.event_id, first.event_id);
    // The first outcome, before and after, even after later answers moved the skill.
    assert_eq!(again.mastery, first.mastery);
    store
        .record_answer(&answer(&s, &I2, &skills, true, 3_000, "k2"), |_| {
            BktParams::default()
        })
        .await
        .unwrap();
    let later = store
        .record_answer(&answer(&s, &I2, &skills, true, 4_000, "k1"), |_| {
            BktParams::default()
        })
        .await
        .unwrap();
    assert!(later.duplicate);
    assert_eq!(later.mastery, first.mastery);
    let events = store.student_events(&s, &COURSE, 10).await.unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].skills, skills);
    let rows = store.student_mastery(&s, &COURSE).await.unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].progress.attempts, 2);
}

async fn rebuild_reproduces_the_projection(backend: Backend) {
    let (store, _db) = open(backend).await;
    store.import_course(&course("C"), &[], T0).await.unwrap();
    let (s1, s2) = (student(&store, "ann").await, student(&store, "bo").await);
    let a = vec!["a".to_string()];
    let ab = vec!["a".to_string(), "b".to_string()];
    let pattern = [true, false, true, true, false, true, true, true];
    for (i, correct) in pattern.iter().enumerate() {
        let at = 1_000 * (i as i64 + 1);
        let key1 = format!("one-{i}");
        let key2 = format!("two-{i}");
        store
            .record_answer(&answer(&s1, &I1, &a, *correct, at, &key1), |_| {
                BktParams::default()
            })
            .await
            .unwrap();
        store
            .record_answer(&answer(&s2, &I2, &ab, !*correct, at, &key2), |_| {
                BktParams::default()
            })
            .await
            .unwrap();
    }
    let before = (
        store.student_mastery(&s1, &COURSE).await.unwrap(),
        store.student_mastery(&s2, &COURSE).await.unwrap(),
    );
    let replayed = store
        .rebuild_mastery(|_| BktParams::default())
        .await
        .unwrap();
    assert_eq!(replayed, 16);
    let after = (
        store.student_mastery(&s1, &COURSE).await.unwrap(),
        store.student_mastery(&s2, &COURSE).await.unwrap(),
    );
    assert_eq!(before, after);
    // A rebuild with other parameters really recomputes.
    store
        .rebuild_mastery(|_| BktParams {
            learn: 0.01,
            ..BktParams::default()
        })
        .await
        .unwrap();
    assert_ne!(store.student_mastery(&s1, &COURSE).await.unwrap(), before.0);
}

/// A database whose projection was computed under an older rule (no version row: rule 1)
/// is rebuilt once; a second start with the same rule leaves the projection alone.
async fn a_projection_from_another_rule_is_rebuilt_once(backend: Backend) {
    let (store, _db) = open(backend).await;
    store.import_course(&course("C"), &[], T0).await.unwrap();
    let s1 = student(&store, "ann").await;
    let a = vec!["a".to_string()];
    for (i, correct) in [true, true, false].iter().enumerate() {
        store
            .record_answer(
                &answer(
                    &s1,
                    &I1,
                    &a,
                    *correct,
                    1_000 * (i as i64 + 1),
                    &format!("k{i}"),
                ),
                |_| BktParams::default(),
            )
            .await
            .unwrap();
    }
    let live = store.student_mastery(&s1, &COURSE).await.unwrap();
    assert_eq!(store.mastery_rule_version().await.unwrap(), 1);
    // What an older rule would have left: other values than this build computes.
    store
        .rebuild_mastery(|_| BktParams {
            learn: 0.01,
            ..BktParams::default()
        })
        .await
        .unwrap();
    store.forget_mastery_rule_version().await.unwrap();
    let rebuilt = store
        .rebuild_mastery_if_rule_changed(|_| BktParams::default())
        .await
        .unwrap();
    assert_eq!(rebuilt, Some(3));
    assert_eq!(store.student_mastery(&s1, &COURSE).await.unwrap(), live);
    assert_eq!(
        store.mastery_rule_version().await.unwrap(),
        i64::from(ownpace_core::progress::RULE_VERSION)
    );
    assert_eq!(
        store
            .rebuild_mastery_if_rule_changed(|_| BktParams {
                learn: 0.01,
                ..BktParams::default()
            })
            .await
            .unwrap(),
        None,
        "the projection is current: nothing is replayed"
    );
    assert_eq!(store.student_mastery(&s1, &COURSE).await.unwrap(), live);
}

async fn reimport_creates_versions_and_keeps_history(backend: Backend) {
    let (store, _db) = open(backend).await;
    let svg = StoredAsset {
        path: "media/x.svg".into(),
        media_type: "image/svg+xml".into(),
        bytes: b"<svg/>".to_vec(),
    };
    assert_eq!(
        store
            .import_course(&course("C"), std::slice::from_ref(&svg), T0)
            .await
            .unwrap(),
        ImportOutcome::Created { version: 1 }
    );
    assert_eq!(
        store
            .import_course(&course("C"), std::slice::from_ref(&svg), T0)
            .await
            .unwrap(),
        ImportOutcome::Unchanged { version: 1 }
    );
    let s = student(&store, "cy").await;
    let a = vec!["a".to_string()];
    store
        .record_answer(&answer(&s, &I1, &a, true, 1, "k"), |_| BktParams::default())
        .await
        .unwrap();
    assert_eq!(
        store
            .import_course(&course("C, revised"), std::slice::from_ref(&svg), T0)
            .await
            .unwrap(),
        ImportOutcome::NewVersion { version: 2 }
    );
    let current = store
        .current_course(&COURSE)
        .await
        .unwrap()
        .expect("course");
    assert_eq!(
        (current.version, current.course.title.as_str()),
        (2, "C, revised")
    );
    assert_eq!(store.student_mastery(&s, &COURSE).await.unwrap().len(), 1);
    let asset = store
        .course_asset(&COURSE, 2, "media/x.svg")
        .await
        .unwrap()
        .expect("asset");
    assert_eq!(asset.bytes, b"<svg/>");
}

async fn failed_import_writes_nothing(backend: Backend) {
    let (store, _db) = open(backend).await;
    store.import_course(&course("C"), &[], T0).await.unwrap();
    // Two assets with the same path violate the primary key half-way through the import.
    let dup = StoredAsset {
        path: "p.svg".into(),
        media_type: "image/svg+xml".into(),
        bytes: vec![1],
    };
    let err = store
        .import_course(&course("C2"), &[dup.clone(), dup], T0)
        .await;
    assert!(err.is_err());
    let current = store
        .current_course(&COURSE)
        .await
        .unwrap()
        .expect("course");
    assert_eq!((current.version, current.course.title.as_str()), (1, "C"));
    assert!(
        store
            .course_asset(&COURSE, 2, "p.svg")
            .await
            .unwrap()
            .is_none()
    );
}

async fn goals_overrides_and_interests_round_trip(backend: Backend) {
    use ownpace_storage::{NewGoal, OverrideAction};
    let (store, _db) = open(backend).await;
    store.import_course(&course("C"), &[], T0).await.unwrap();
    let s = student(&store, "dee").await;
    let t = store
        .create_user(NewUser {
            username: "tess",
            display_name: "Tess",
            role: Role::Teacher,
            password_hash: "x",
            created_at: T0,
        })
        .await
        .unwrap()
        .id;
    let class = store.create_class("6B", &COURSE, T0).await.unwrap();
    store.add_to_class(&class.id, &s, T0).await.unwrap();
    let skills = vec!["a".to_string(), "b".to_string()];
    let goal = store
        .create_goal(NewGoal {
            student_id: &s,
            course_id: &COURSE,
            title: "Ratios",
            skills: &skills,
            project_id: None,
            target_at: 9_000,
            created_by: &s,
            created_at: T0,
        })
        .await
        .unwrap();
    assert_eq!(
        store.open_goals(&s, &COURSE).await.unwrap(),
        vec![goal.clone()]
    );
    store.close_goal(&s, &goal.id, 10_000).await.unwrap();
    assert!(store.open_goals(&s, &COURSE).await.unwrap().is_empty());
    assert!(
        store.close_goal(&s, &goal.id, 10_000).await.is_err(),
        "closing twice is an error"
    );

    store
        .add_override(NewOverride {
            course_id: &COURSE,
            scope: OverrideScope::Class(&class.id),
            activity: "skill:b",
            action: OverrideAction::Pin,
            created_by: &t,
            at: T0,
        })
        .await
        .unwrap();
    // An override for nobody (neither a class nor a student) cannot be written: the scope
    // is one or the other by type.
    store
        .add_override(NewOverride {
            course_id: &COURSE,
            scope: OverrideScope::Student(&s),
            activity: "skill:a",
            action: OverrideAction::Hide,
            created_by: &t,
            at: T0,
        })
        .await
        .unwrap();
    let mine = store.overrides_for_student(&s, &COURSE).await.unwrap();
    assert_eq!(mine.len(), 2);
    assert!(mine.iter().any(|o| o.activity == "skill:b"
        && o.action == OverrideAction::Pin
        && o.class_id.is_some()));
    assert_eq!(
        store
            .overrides_for_class(&class.id, &COURSE)
            .await
            .unwrap()
            .len(),
        2
    );

    store
        .set_interests(&s, &["sport".into(), "music".into()])
        .await
        .unwrap();
    assert_eq!(
        store.interests(&s).await.unwrap(),
        vec!["music".to_string(), "sport".to_string()]
    );
    assert_eq!(store.placement_questions(&class.id).await.unwrap(), 12);
    store.set_placement_questions(&class.id, 8).await.unwrap();
    assert_eq!(store.placement_questions(&class.id).await.unwrap(), 8);
    assert!(store.set_placement_questions(&class.id, 0).await.is_err());
}

async fn placement_seeds_mastery_once_and_rebuild_replays_it(backend: Backend) {
    let (store, _db) = open(backend).await;
    store.import_course(&course("C"), &[], T0).await.unwrap();
    let s = student(&store, "eli").await;
    let a = vec!["a".to_string()];
    // "a" was practised before the check: the check must not overwrite it.
    store
        .record_answer(&answer(&s, &I1, &a, true, 1_000, "k1"), |_| {
            BktParams::default()
        })
        .await
        .unwrap();
    let mut check = answer(&s, &I1, &a, false, 2_000, "p1");
    check.correct = false;
    assert!(store.record_placement_answer(&check).await.unwrap());
    assert_eq!(
        store.placement_answers(&s, &COURSE).await.unwrap(),
        vec![("a".to_string(), false)]
    );
    let beliefs = vec![("a".to_string(), 0.05), ("b".to_string(), 0.99)];
    let placed = |at| ownpace_storage::PlacementRecord {
        at,
        beliefs: beliefs.clone(),
        questions: 1,
    };
    assert!(
        store
            .record_placement_result(&s, &COURSE, 1, &placed(3_000), |_| BktParams::default())
            .await
            .unwrap()
    );
    assert!(
        !store
            .record_placement_result(&s, &COURSE, 1, &placed(4_000), |_| BktParams::default())
            .await
            .unwrap(),
        "only once"
    );
    let rows = store.student_mastery(&s, &COURSE).await.unwrap();
    let of = |skill: &str| {
        rows.iter()
            .find(|r| r.skill_id == skill)
            .unwrap()
            .progress
            .clone()
    };
    assert!(
        (of("a").p_mastery - 0.6).abs() < 1e-9,
        "practised skill keeps its answers' mastery"
    );
    assert_eq!(of("b").p_mastery, 0.99);
    assert_eq!(of("b").mastered_at, Some(3_000));
    let result = store.placement_result(&s, &COURSE).await.unwrap().unwrap();
    assert_eq!(
        (result.at, result.questions, result.beliefs.clone()),
        (3_000, 1, beliefs)
    );
    // Practice after placement continues from the seed, and a rebuild gives the same state.
    store
        .record_answer(
            &answer(
                &s,
                &I2,
                &["a".to_string(), "b".to_string()],
                false,
                5_000,
                "k2",
            ),
            |_| BktParams::default(),
        )
        .await
        .unwrap();
    let before = store.student_mastery(&s, &COURSE).await.unwrap();
    assert!(
        before
            .iter()
            .find(|r| r.skill_id == "b")
            .unwrap()
            .progress
            .p_mastery
            < 0.99
    );
    store
        .rebuild_mastery(|_| BktParams::default())
        .await
        .unwrap();
    assert_eq!(store.student_mastery(&s, &COURSE).await.unwrap(), before);
}
