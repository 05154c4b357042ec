//! Enrolments with dates (closed, never deleted; every class query reads open ones),
//! moving students, guardians, set-up codes, page messages, applying a CSV roster in one
//! transaction, and paging through a student's history: on both engines.

use crate::store::{answer, course};
use crate::support::{COURSE, I1, I2, open, student};
use ownpace_core::learner::bkt::BktParams;
use ownpace_storage::{
    Backend, HistoryCursor, NewOverride, NewUser, OverrideAction, OverrideScope, Role,
    RosterAccount, RosterMembership, StoreError, StudentRelation, User,
};

on_both_engines!(
    removing_closes_the_enrolment_and_every_class_query_reads_open_ones,
    moving_a_student_closes_one_enrolment_and_opens_another,
    guardians_link_and_unlink,
    a_setup_code_works_once_and_expires,
    a_page_message_is_taken_once,
    a_roster_with_a_taken_username_stores_nothing,
    history_pages_and_filters_by_skill,
);

async fn teacher(store: &ownpace_storage::Store, name: &str) -> User {
    store
        .create_user(NewUser {
            username: name,
            display_name: name,
            role: Role::Teacher,
            password_hash: "x",
            created_at: 1,
        })
        .await
        .unwrap()
}

async fn removing_closes_the_enrolment_and_every_class_query_reads_open_ones(backend: Backend) {
    let (store, _db) = open(backend).await;
    store.import_course(&course("C"), &[], 1).await.unwrap();
    let class = store.create_class("6B", &COURSE, 10).await.unwrap();
    let tess = teacher(&store, "tess").await;
    store.add_to_class(&class.id, &tess.id, 20).await.unwrap();
    let s = student(&store, "sam").await;
    store.add_to_class(&class.id, &s, 100).await.unwrap();
    let skills = vec!["a".to_string()];
    store
        .record_answer(&answer(&s, &I1, &skills, true, 150, "k1"), |_| {
            BktParams::default()
        })
        .await
        .unwrap();
    store
        .add_override(NewOverride {
            course_id: &COURSE,
            scope: OverrideScope::Class(&class.id),
            activity: "skill:a",
            action: OverrideAction::Pin,
            created_by: &tess.id,
            at: 120,
        })
        .await
        .unwrap();
    assert!(store.is_enrolled(&s, &class.id).await.unwrap());
    assert_eq!(
        store.student_relation(&tess, &s).await.unwrap(),
        StudentRelation::Teacher
    );

    store.remove_from_class(&class.id, &s, 200).await.unwrap();
    // Kept with its dates, not deleted.
    let roster = store.class_enrolments(&class.id).await.unwrap();
    assert_eq!(roster.len(), 1);
    assert_eq!((roster[0].joined_at, roster[0].left_at), (100, Some(200)));
    // Every query about who is in the class now leaves the student out.
    assert!(store.class_students(&class.id).await.unwrap().is_empty());
    assert!(!store.is_enrolled(&s, &class.id).await.unwrap());
    assert!(store.classes_of_student(&s).await.unwrap().is_empty());
    assert_eq!(
        store.student_relation(&tess, &s).await.unwrap(),
        StudentRelation::None
    );
    assert!(
        !store
            .teaches_student_in_course(&tess.id, &s, &COURSE)
            .await
            .unwrap()
    );
    assert!(store.class_mastery(&class.id).await.unwrap().is_empty());
    assert!(
        store
            .class_last_activity(&class.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .class_last_activity_anywhere(&class.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .overrides_for_student(&s, &COURSE)
            .await
            .unwrap()
            .is_empty()
    );
    // History stays attached to the student.
    assert_eq!(
        store.student_events(&s, &COURSE, 10).await.unwrap().len(),
        1
    );
    // Removing again is not found; coming back opens a new enrolment.
    assert!(matches!(
        store.remove_from_class(&class.id, &s, 250).await,
        Err(StoreError::NotFound { .. })
    ));
    store.add_to_class(&class.id, &s, 300).await.unwrap();
    let roster = store.class_enrolments(&class.id).await.unwrap();
    assert_eq!(roster.len(), 2);
    assert_eq!(roster[1].left_at, None);
    assert_eq!(store.class_students(&class.id).await.unwrap().len(), 1);
    // Adding someone already in the class changes nothing.
    store.add_to_class(&class.id, &s, 400).await.unwrap();
    assert_eq!(store.class_enrolments(&class.id).await.unwrap().len(), 2);
    // A teacher is removed from teaching.
    store
        .remove_from_class(&class.id, &tess.id, 500)
        .await
        .unwrap();
    assert!(store.class_teachers(&class.id).await.unwrap().is_empty());
}

async fn moving_a_student_closes_one_enrolment_and_opens_another(backend: Backend) {
    let (store, _db) = open(backend).await;
    store.import_course(&course("C"), &[], 1).await.unwrap();
    let a = store.create_class("6A", &COURSE, 10).await.unwrap();
    let b = store.create_class("6B", &COURSE, 10).await.unwrap();
    let s = student(&store, "sam").await;
    store.add_to_class(&a.id, &s, 100).await.unwrap();
    store.move_student(&a.id, &b.id, &s, 200).await.unwrap();
    assert!(!store.is_enrolled(&s, &a.id).await.unwrap());
    assert!(store.is_enrolled(&s, &b.id).await.unwrap());
    let history = store.student_enrolments(&s).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].class.id, b.id);
    assert_eq!(
        (history[1].class.id.as_str(), history[1].left_at),
        (a.id.as_str(), Some(200))
    );
    // Not in `a` any more, and already in `b`.
    assert!(matches!(
        store.move_student(&a.id, &b.id, &s, 300).await,
        Err(StoreError::Conflict(_))
    ));
    let other = student(&store, "ola").await;
    assert!(matches!(
        store.move_student(&a.id, &b.id, &other, 300).await,
        Err(StoreError::NotFound { .. })
    ));
    // A class's school id finds it; Ownpace's id finds it while it has none.
    assert_eq!(
        store
            .class_by_sourced_id(a.id.as_str())
            .await
            .unwrap()
            .map(|c| c.id),
        Some(a.id.clone())
    );
    store
        .set_class_sourced_id(&a.id, Some("SIS-6A"))
        .await
        .unwrap();
    assert_eq!(
        store
            .class_by_sourced_id("SIS-6A")
            .await
            .unwrap()
            .map(|c| c.id),
        Some(a.id.clone())
    );
    assert!(
        store
            .class_by_sourced_id(a.id.as_str())
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        store.set_class_sourced_id(&b.id, Some("SIS-6A")).await,
        Err(StoreError::Conflict(_))
    ));
}

async fn guardians_link_and_unlink(backend: Backend) {
    let (store, _db) = open(backend).await;
    let s = student(&store, "sam").await;
    let g = store
        .create_user(NewUser {
            username: "gia",
            display_name: "Gia",
            role: Role::Guardian,
            password_hash: "x",
            created_at: 1,
        })
        .await
        .unwrap();
    store.add_guardian(&g.id, &s).await.unwrap();
    assert_eq!(store.guardians_of(&s).await.unwrap()[0].id, g.id);
    assert_eq!(
        store.student_relation(&g, &s).await.unwrap(),
        StudentRelation::Guardian
    );
    store.remove_guardian(&g.id, &s).await.unwrap();
    assert!(store.guardians_of(&s).await.unwrap().is_empty());
    assert_eq!(
        store.student_relation(&g, &s).await.unwrap(),
        StudentRelation::None
    );
    assert!(matches!(
        store.remove_guardian(&g.id, &s).await,
        Err(StoreError::NotFound { .. })
    ));
}

async fn a_setup_code_works_once_and_expires(backend: Backend) {
    let (store, _db) = open(backend).await;
    let s = student(&store, "sam").await;
    store.issue_setup_code(&s, "h1", 100, 1_000).await.unwrap();
    assert!(store.has_setup_code(&s, 500).await.unwrap());
    // A new code replaces the old one.
    store.issue_setup_code(&s, "h2", 200, 1_000).await.unwrap();
    assert_eq!(store.use_setup_code("h1", "pw1", 300).await.unwrap(), None);
    assert_eq!(
        store.setup_code_user("h2", 2_000).await.unwrap(),
        None,
        "expired"
    );
    assert_eq!(
        store.use_setup_code("h2", "pw2", 300).await.unwrap(),
        Some(s.clone())
    );
    assert_eq!(
        store.use_setup_code("h2", "pw3", 301).await.unwrap(),
        None,
        "once"
    );
    let (_, hash) = store.credentials("sam").await.unwrap().unwrap();
    assert_eq!(hash, "pw2");
    // A disabled account's code does not work.
    store.issue_setup_code(&s, "h3", 400, 1_000).await.unwrap();
    store.set_user_disabled(&s, true).await.unwrap();
    assert_eq!(store.setup_code_user("h3", 500).await.unwrap(), None);
    assert!(store.user(&s).await.unwrap().unwrap().disabled);
    store.set_user_disabled(&s, false).await.unwrap();
    assert!(!store.user(&s).await.unwrap().unwrap().disabled);
}

async fn a_page_message_is_taken_once(backend: Backend) {
    let (store, _db) = open(backend).await;
    store.set_flash("sess", "/admin", "one", 1).await.unwrap();
    store.set_flash("sess", "/admin", "two", 2).await.unwrap();
    store
        .set_flash("other", "/admin", "theirs", 2)
        .await
        .unwrap();
    assert_eq!(store.take_flash("sess", "/elsewhere").await.unwrap(), None);
    assert_eq!(
        store.take_flash("sess", "/admin").await.unwrap().as_deref(),
        Some("two")
    );
    assert_eq!(store.take_flash("sess", "/admin").await.unwrap(), None);
    assert_eq!(
        store
            .take_flash("other", "/admin")
            .await
            .unwrap()
            .as_deref(),
        Some("theirs")
    );
}

async fn a_roster_with_a_taken_username_stores_nothing(backend: Backend) {
    let (store, _db) = open(backend).await;
    store.import_course(&course("C"), &[], 1).await.unwrap();
    let class = store.create_class("6B", &COURSE, 10).await.unwrap();
    student(&store, "taken").await;
    let admin = store
        .create_user(NewUser {
            username: "root",
            display_name: "Root",
            role: Role::Admin,
            password_hash: "x",
            created_at: 1,
        })
        .await
        .unwrap();
    let accounts = |second: &'static str| {
        vec![
            RosterAccount {
                username: "lucia.r",
                display_name: "Lucía R.",
                role: Role::Student,
                sourced_id: Some("s-1"),
                disabled: false,
                birth_year: Some(2014),
                setup_code_hash: "c1",
            },
            RosterAccount {
                username: second,
                display_name: "Bo",
                role: Role::Student,
                sourced_id: Some("s-2"),
                disabled: true,
                birth_year: None,
                setup_code_hash: "c2",
            },
        ]
    };
    let memberships = [RosterMembership {
        class_id: &class.id,
        username: "lucia.r",
    }];
    let users_before = store.users(None).await.unwrap().len();
    let refused = store
        .apply_roster(None, &accounts("taken"), &memberships, 50, 1_000)
        .await;
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );
    assert_eq!(store.users(None).await.unwrap().len(), users_before);
    assert!(store.class_students(&class.id).await.unwrap().is_empty());
    assert_eq!(store.setup_code_user("c1", 60).await.unwrap(), None);

    // The same files once the username is free: everything, with the upload used up.
    let upload = store
        .save_roster_import(&admin.id, "users", "enrollments", 40)
        .await
        .unwrap();
    assert!(
        store
            .roster_import(&upload, &admin.id, 45)
            .await
            .unwrap()
            .is_some()
    );
    let applied = store
        .apply_roster(Some(&upload), &accounts("bo"), &memberships, 50, 1_000)
        .await
        .unwrap();
    assert_eq!((applied.accounts, applied.memberships), (2, 1));
    assert!(
        store
            .roster_import(&upload, &admin.id, 60)
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        store
            .apply_roster(Some(&upload), &[], &memberships, 70, 1_000)
            .await,
        Err(StoreError::NotFound { .. })
    ));
    let lucia = store.user_by_username("lucia.r").await.unwrap().unwrap();
    assert_eq!(
        store.user_sourced_id(&lucia.id).await.unwrap().as_deref(),
        Some("s-1")
    );
    // The roster's birthDate year is kept with the account.
    assert_eq!(store.birth_year(&lucia.id).await.unwrap(), Some(2014));
    assert!(
        store
            .user_by_username("bo")
            .await
            .unwrap()
            .unwrap()
            .disabled
    );
    assert_eq!(
        store.setup_code_user("c1", 60).await.unwrap(),
        Some(lucia.id.clone())
    );
    assert_eq!(
        store.class_enrolments(&class.id).await.unwrap()[0].joined_at,
        50
    );
    // A second application of the same enrolment changes nothing.
    let again = store
        .apply_roster(None, &[], &memberships, 80, 1_000)
        .await
        .unwrap();
    assert_eq!((again.memberships, again.unchanged), (0, 1));
    // Uploads are kept for a day at most.
    assert!(
        store
            .roster_import(
                &store
                    .save_roster_import(&admin.id, "u", "e", 100)
                    .await
                    .unwrap(),
                &admin.id,
                100 + 86_400_001
            )
            .await
            .unwrap()
            .is_none()
    );
}

async fn history_pages_and_filters_by_skill(backend: Backend) {
    let (store, _db) = open(backend).await;
    store.import_course(&course("C"), &[], 1).await.unwrap();
    let s = student(&store, "sam").await;
    let a = vec!["a".to_string()];
    let ab = vec!["a".to_string(), "b".to_string()];
    for i in 0..7 {
        let (item, skills) = if i % 2 == 0 { (&I1, &a) } else { (&I2, &ab) };
        store
            .record_answer(
                &answer(&s, item, skills, true, 1_000 + i, &format!("k{i}")),
                |_| BktParams::default(),
            )
            .await
            .unwrap();
    }
    let first = store
        .student_history(&s, &COURSE, None, None, 3)
        .await
        .unwrap();
    assert_eq!(
        first.iter().map(|e| e.occurred_at).collect::<Vec<_>>(),
        [1_006, 1_005, 1_004]
    );
    let last = first.last().unwrap();
    let next = store
        .student_history(
            &s,
            &COURSE,
            None,
            Some(HistoryCursor {
                occurred_at: last.occurred_at,
                id: last.id.as_str(),
            }),
            10,
        )
        .await
        .unwrap();
    assert_eq!(
        next.iter().map(|e| e.occurred_at).collect::<Vec<_>>(),
        [1_003, 1_002, 1_001, 1_000]
    );
    let on_b = store
        .student_history(&s, &COURSE, Some("b"), None, 10)
        .await
        .unwrap();
    assert_eq!(on_b.len(), 3);
    assert!(on_b.iter().all(|e| e.skills.contains(&"b".to_string())));
    // LIKE's own characters in a skill id match only themselves.
    assert!(
        store
            .student_history(&s, &COURSE, Some("_"), None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .student_history(&s, &COURSE, Some("%"), None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}
