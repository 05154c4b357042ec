//! Screen-time budgets (class, guardian, exemption: the lowest that applies wins), the
//! on-screen events screen time is measured from, and printable sheets whose results are
//! events (self-reported ones move nothing; a confirmed one moves mastery and survives a
//! rebuild): on both engines.

use crate::store::{answer, course};
use crate::support::{COURSE, I1, I2, open, student};
use ownpace_core::events::EventKind;
use ownpace_core::ids::ItemId;
use ownpace_core::learner::bkt::BktParams;
use ownpace_core::screen_time::{Budget, Stamp};
use ownpace_storage::{
    AnswerRecord, Backend, EventRecord, NewUser, Role, StoreError, check_budget, sheet_key,
};

on_both_engines!(
    the_lowest_budget_applies_and_an_exemption_lifts_the_class_one,
    budgets_out_of_range_are_refused,
    screen_stamps_are_the_on_screen_events_only,
    sheet_results_count_toward_mastery_only_once_confirmed,
);

fn budget(daily: Option<u32>, weekly: Option<u32>) -> Budget {
    Budget {
        daily_minutes: daily,
        weekly_minutes: weekly,
    }
}

async fn user(store: &ownpace_storage::Store, name: &str, role: Role) -> ownpace_storage::User {
    store
        .create_user(NewUser {
            username: name,
            display_name: name,
            role,
            password_hash: "x",
            created_at: 1,
        })
        .await
        .expect("user")
}

async fn the_lowest_budget_applies_and_an_exemption_lifts_the_class_one(backend: Backend) {
    let (store, _db) = open(backend).await;
    store.import_course(&course("C"), &[], 1).await.unwrap();
    let a = store.create_class("6A", &COURSE, 10).await.unwrap();
    let b = store.create_class("6B", &COURSE, 10).await.unwrap();
    let tess = user(&store, "tess", Role::Teacher).await;
    let gina = user(&store, "gina", Role::Guardian).await;
    let s = student(&store, "sam").await;
    store.add_to_class(&a.id, &s, 20).await.unwrap();
    store.add_to_class(&b.id, &s, 20).await.unwrap();
    assert!(
        store
            .student_budgets(&s)
            .await
            .unwrap()
            .effective()
            .is_empty()
    );

    store
        .set_class_budget(&a.id, budget(Some(60), Some(300)), &tess.id, 30)
        .await
        .unwrap();
    store
        .set_class_budget(&b.id, budget(Some(45), None), &tess.id, 30)
        .await
        .unwrap();
    assert_eq!(
        store.class_budget(&b.id).await.unwrap(),
        budget(Some(45), None)
    );
    let budgets = store.student_budgets(&s).await.unwrap();
    assert_eq!(budgets.classes.len(), 2);
    assert_eq!(budgets.effective(), budget(Some(45), Some(300)));

    // A guardian's lower budget wins; a higher one changes nothing.
    store
        .set_guardian_budget(&s, &gina.id, budget(Some(30), None), 40)
        .await
        .unwrap();
    assert_eq!(
        store.student_budgets(&s).await.unwrap().effective(),
        budget(Some(30), Some(300))
    );
    store
        .set_guardian_budget(&s, &gina.id, budget(Some(90), Some(900)), 41)
        .await
        .unwrap();
    assert_eq!(
        store.student_budgets(&s).await.unwrap().effective(),
        budget(Some(45), Some(300))
    );

    // Exempt from 6B: 6A's budget and the guardian's remain.
    store
        .set_exemption(
            &s,
            &b.id,
            Some("  extra time: accommodation plan "),
            &tess.id,
            50,
        )
        .await
        .unwrap();
    let budgets = store.student_budgets(&s).await.unwrap();
    let b_row = budgets.classes.iter().find(|c| c.class_id == b.id).unwrap();
    assert_eq!(
        b_row.exemption.as_deref(),
        Some("extra time: accommodation plan")
    );
    assert_eq!(budgets.effective(), budget(Some(60), Some(300)));
    // An empty note is refused; lifting the exemption brings 6B's back.
    assert!(matches!(
        store
            .set_exemption(&s, &b.id, Some("   "), &tess.id, 51)
            .await,
        Err(StoreError::Invalid { field: "note", .. })
    ));
    store
        .set_exemption(&s, &b.id, None, &tess.id, 52)
        .await
        .unwrap();
    assert_eq!(
        store.student_budgets(&s).await.unwrap().effective(),
        budget(Some(45), Some(300))
    );

    // Leaving a class drops its budget; removing one works.
    store.remove_from_class(&b.id, &s, 60).await.unwrap();
    assert_eq!(
        store.student_budgets(&s).await.unwrap().effective(),
        budget(Some(60), Some(300))
    );
    store
        .set_class_budget(&a.id, Budget::default(), &tess.id, 70)
        .await
        .unwrap();
    store
        .set_guardian_budget(&s, &gina.id, Budget::default(), 70)
        .await
        .unwrap();
    assert!(
        store
            .student_budgets(&s)
            .await
            .unwrap()
            .effective()
            .is_empty()
    );
}

async fn budgets_out_of_range_are_refused(_backend: Backend) {
    assert!(check_budget(Some(0), None).is_err());
    assert!(check_budget(Some(1_441), None).is_err());
    assert!(check_budget(None, Some(10_081)).is_err());
    assert_eq!(
        check_budget(Some(30), Some(10_080)).unwrap(),
        budget(Some(30), Some(10_080))
    );
}

async fn screen_stamps_are_the_on_screen_events_only(backend: Backend) {
    let (store, _db) = open(backend).await;
    store.import_course(&course("C"), &[], 1).await.unwrap();
    let s = student(&store, "sam").await;
    let other = student(&store, "ola").await;
    let skills = vec!["a".to_string()];
    let params = |_: &str| BktParams::default();
    store
        .record_answer(&answer(&s, &I1, &skills, true, 1_000, "k1"), params)
        .await
        .unwrap();
    store
        .record_answer(&answer(&other, &I1, &skills, true, 1_500, "k1"), params)
        .await
        .unwrap();
    let event = |kind, at, key| EventRecord {
        student_id: &s,
        course_id: &COURSE,
        course_version: 1,
        kind,
        skills: &[],
        item_id: None,
        data: None,
        occurred_at: at,
        duration_ms: None,
        idempotency_key: key,
    };
    store
        .record_event(&event(EventKind::Hint, 2_000, "h1"))
        .await
        .unwrap();
    store
        .record_event(&event(EventKind::OfflineActivity, 3_000, "o1"))
        .await
        .unwrap();
    let stamps = store.screen_stamps(&s, 0).await.unwrap();
    assert_eq!(
        stamps,
        vec![
            Stamp {
                at: 1_000,
                measured_ms: Some(5_000)
            },
            Stamp {
                at: 2_000,
                measured_ms: None
            }
        ]
    );
    assert_eq!(store.screen_stamps(&s, 1_001).await.unwrap().len(), 1);
}

async fn sheet_results_count_toward_mastery_only_once_confirmed(backend: Backend) {
    let (store, _db) = open(backend).await;
    store.import_course(&course("C"), &[], 1).await.unwrap();
    let s = student(&store, "sam").await;
    let params = |_: &str| BktParams::default();
    let items = vec![
        (I1.clone(), vec!["a".to_string()]),
        (I2.clone(), vec!["a".to_string(), "b".to_string()]),
    ];
    assert!(
        store.create_sheet(&s, &COURSE, 1, &[], 10).await.is_err(),
        "an empty sheet is refused"
    );
    let id = store
        .create_sheet(&s, &COURSE, 1, &items, 10)
        .await
        .unwrap();
    let sheet = store.sheet(&id).await.unwrap().expect("stored");
    assert_eq!(sheet.items.len(), 2);
    assert_eq!(sheet.items[1].position, 2);
    assert_eq!(sheet.items[1].item_id, ItemId::new("i2"));
    assert_eq!(sheet.items[1].skills, vec!["a", "b"]);
    assert!(store.sheet("nope").await.unwrap().is_none());
    assert_eq!(
        store.student_sheets(&s, &COURSE, 5).await.unwrap(),
        vec![(id.clone(), 10)]
    );

    // The student's own entry: kept, self-reported, moves nothing; once only.
    assert!(
        store
            .record_sheet_result(&sheet, &sheet.items[0], "4", true, 100)
            .await
            .unwrap()
    );
    assert!(
        !store
            .record_sheet_result(&sheet, &sheet.items[0], "5", false, 101)
            .await
            .unwrap()
    );
    assert!(store.student_mastery(&s, &COURSE).await.unwrap().is_empty());
    let results = store.sheet_results(&sheet).await.unwrap();
    assert_eq!(results.len(), 1);
    assert!(results[0].self_reported && results[0].correct);
    assert_eq!(results[0].response.as_deref(), Some("4"));
    // Not screen time.
    assert!(store.screen_stamps(&s, 0).await.unwrap().is_empty());

    // The teacher confirms: a sheet-answer event moves mastery.
    let key = sheet_key(&sheet.id, 1, true);
    let skills = sheet.items[0].skills.clone();
    let confirm = AnswerRecord {
        student_id: &s,
        course_id: &COURSE,
        course_version: 1,
        item_id: &sheet.items[0].item_id,
        skills: &skills,
        response: r#"{"kind":"text","value":"4"}"#,
        correct: true,
        occurred_at: 200,
        duration_ms: None,
        idempotency_key: &key,
    };
    let recorded = store.record_sheet_answer(&confirm, params).await.unwrap();
    assert!(!recorded.duplicate);
    let again = store.record_sheet_answer(&confirm, params).await.unwrap();
    assert!(again.duplicate, "confirming twice records once");
    let mastery = store.student_mastery(&s, &COURSE).await.unwrap();
    assert_eq!(mastery.len(), 1);
    assert_eq!(mastery[0].progress.attempts, 1);
    let results = store.sheet_results(&sheet).await.unwrap();
    assert_eq!(results.len(), 2);
    assert!(!results[1].self_reported && results[1].correct);
    assert!(store.screen_stamps(&s, 0).await.unwrap().is_empty());

    // The projection stays a function of the events: a rebuild gives the same rows.
    store.rebuild_mastery(params).await.unwrap();
    assert_eq!(store.student_mastery(&s, &COURSE).await.unwrap(), mastery);
    // The same key cannot be reused as an on-screen answer.
    let mut reused: AnswerRecord = confirm.clone();
    reused.occurred_at = 300;
    assert!(matches!(
        store.record_answer(&reused, params).await,
        Err(StoreError::Conflict(_))
    ));
}
