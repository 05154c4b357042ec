//! Birth years, guardians' consents and the staff audit trail's bounds, on both engines.

use crate::support::{open, student};
use ownpace_core::consent::Scope;
use ownpace_core::ids::UserId;
use ownpace_storage::{Backend, NewUser, Role, StaffAction, StaffEvent, Store};

on_both_engines!(
    consent_counts_while_given_and_the_guardian_is_linked,
    a_birth_year_change_is_logged_with_the_change,
    failed_sign_ins_are_counted_not_multiplied,
    the_trail_pages_newest_first_and_filters_by_kind,
);

async fn guardian(store: &Store, name: &str) -> UserId {
    store
        .create_user(NewUser {
            username: name,
            display_name: name,
            role: Role::Guardian,
            password_hash: "x",
            created_at: 1_000,
        })
        .await
        .expect("create guardian")
        .id
}

async fn consent_counts_while_given_and_the_guardian_is_linked(backend: Backend) {
    let (store, _db) = open(backend).await;
    let ana = student(&store, "ana").await;
    let sam = guardian(&store, "sam").await;
    store.add_guardian(&sam, &ana).await.unwrap();
    assert!(store.consent_facts(&ana).await.unwrap().given.is_empty());

    store
        .give_consent(&sam, &ana, &[Scope::Use], "v1", 10)
        .await
        .unwrap();
    // Given again under a newer notice: one consent in force, of the newer version.
    store
        .give_consent(&sam, &ana, &[Scope::Use, Scope::Outside], "v2", 20)
        .await
        .unwrap();
    let facts = store.consent_facts(&ana).await.unwrap();
    assert_eq!(facts.given, vec![Scope::Use, Scope::Outside]);
    let consents = store.consents(&ana).await.unwrap();
    assert_eq!(consents.len(), 2, "{consents:?}");
    assert!(
        consents
            .iter()
            .all(|c| c.notice_version == "v2" && c.given_at == 20)
    );
    assert_eq!(consents[0].guardian_name, "sam");

    // Withdrawing the outside scope leaves the use scope.
    assert_eq!(
        store
            .withdraw_consent(&sam, &ana, &[Scope::Outside], 30)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store.consent_facts(&ana).await.unwrap().given,
        vec![Scope::Use]
    );
    // An unlinked guardian's consent no longer counts.
    store.remove_guardian(&sam, &ana).await.unwrap();
    assert!(store.consent_facts(&ana).await.unwrap().given.is_empty());
    store.add_guardian(&sam, &ana).await.unwrap();
    assert_eq!(
        store.consent_facts(&ana).await.unwrap().given,
        vec![Scope::Use]
    );
    // Every change is in the access log, newest first.
    let log: Vec<String> = store
        .audit_entries_for(&ana, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| format!("{} {}", e.action, e.detail))
        .collect();
    assert_eq!(
        log,
        vec![
            "consent_withdrawn outside",
            "consent_given use,outside",
            "consent_given use"
        ]
    );
    // Bad input is refused before anything is written.
    assert!(store.give_consent(&sam, &ana, &[], "v3", 40).await.is_err());
    assert!(
        store
            .give_consent(&sam, &ana, &[Scope::Use], &"x".repeat(65), 40)
            .await
            .is_err()
    );
    assert_eq!(store.audit_entries_for(&ana, 10).await.unwrap().len(), 3);
}

async fn a_birth_year_change_is_logged_with_the_change(backend: Backend) {
    let (store, _db) = open(backend).await;
    let ana = student(&store, "ana").await;
    let admin = guardian(&store, "not-a-student").await;
    assert_eq!(store.birth_year(&ana).await.unwrap(), None);
    store
        .set_birth_year(Some(&admin), &ana, Some(2014), 5)
        .await
        .unwrap();
    assert_eq!(store.birth_year(&ana).await.unwrap(), Some(2014));
    let entries = store.audit_entries_for(&ana, 5).await.unwrap();
    assert_eq!(entries[0].action, "birth_year_set");
    assert_eq!(entries[0].detail, "2014");
    // Only students have a birth year; nothing is logged for a refused change.
    assert!(
        store
            .set_birth_year(Some(&admin), &admin, Some(2014), 6)
            .await
            .is_err()
    );
    assert!(store.audit_entries_for(&admin, 5).await.unwrap().is_empty());
    store.set_birth_year(None, &ana, None, 7).await.unwrap();
    assert_eq!(store.birth_year(&ana).await.unwrap(), None);
    assert_eq!(store.audit_entries_for(&ana, 5).await.unwrap().len(), 1);
}

const QUARTER: i64 = 15 * 60_000;

async fn rows(store: &Store, kind: StaffAction) -> Vec<ownpace_storage::StaffEntry> {
    store
        .staff_audit_page(Some(kind), None, 10_000)
        .await
        .unwrap()
}

/// A thousand failed sign-ins from 600 addresses in one quarter hour grow the trail by
/// at most the cap plus one overflow row, and every attempt is counted; the next quarter
/// hour starts again, and the housekeeping prune removes old counted rows.
async fn failed_sign_ins_are_counted_not_multiplied(backend: Backend) {
    let (store, _db) = open(backend).await;
    let ana = student(&store, "ana").await;
    let start = 100 * QUARTER;
    let cap = 50;
    for i in 0..1_000i64 {
        let address = format!("10.0.{}.{}", (i % 600) / 250, (i % 600) % 250);
        store
            .staff_audit_counted(
                StaffEvent {
                    kind: StaffAction::SignInFailed,
                    actor: None,
                    subject: (i % 2 == 0).then_some(&ana),
                    detail: "wrong password",
                    address: &address,
                    at: start + i,
                },
                QUARTER,
                cap,
            )
            .await
            .unwrap();
    }
    let counted = rows(&store, StaffAction::SignInFailed).await;
    assert!(
        counted.len() as i64 <= cap + 1,
        "{} rows for one quarter hour",
        counted.len()
    );
    assert_eq!(counted.iter().map(|r| r.count).sum::<i64>(), 1_000);
    assert!(counted.iter().any(|r| r.address.is_empty() && r.count > 1));
    // A repeat from a known address and account adds to its row.
    let repeat = counted
        .iter()
        .find(|r| !r.address.is_empty())
        .expect("a row with an address")
        .clone();
    assert!(repeat.address.len() <= 45);

    // The next quarter hour gets rows of its own; an over-long address is cut.
    store
        .staff_audit_counted(
            StaffEvent {
                kind: StaffAction::SignInFailed,
                actor: None,
                subject: None,
                detail: &"d".repeat(5_000),
                address: &"a".repeat(5_000),
                at: start + QUARTER,
            },
            QUARTER,
            cap,
        )
        .await
        .unwrap();
    let newest = &rows(&store, StaffAction::SignInFailed).await[0];
    assert_eq!(newest.count, 1);
    assert_eq!(newest.address.chars().count(), 45);
    assert_eq!(newest.detail.chars().count(), 200);

    // Counted rows go after their keeping period; one-off rows stay.
    store
        .staff_audit(StaffEvent {
            kind: StaffAction::SignIn,
            actor: Some(&ana),
            subject: Some(&ana),
            detail: "Firefox on Linux",
            address: "10.0.0.1",
            at: start,
        })
        .await
        .unwrap();
    let pruned = store.prune_staff_audit(start + QUARTER).await.unwrap();
    assert_eq!(pruned as usize, counted.len());
    assert_eq!(rows(&store, StaffAction::SignInFailed).await.len(), 1);
    assert_eq!(rows(&store, StaffAction::SignIn).await.len(), 1);
}

async fn the_trail_pages_newest_first_and_filters_by_kind(backend: Backend) {
    let (store, _db) = open(backend).await;
    let ana = student(&store, "ana").await;
    for at in 0..7 {
        let kind = if at % 2 == 0 {
            StaffAction::SignIn
        } else {
            StaffAction::GuardianLinked
        };
        store
            .staff_audit(StaffEvent {
                kind,
                actor: Some(&ana),
                subject: Some(&ana),
                detail: "",
                address: "",
                at: 1_000 + at,
            })
            .await
            .unwrap();
    }
    let first = store.staff_audit_page(None, None, 3).await.unwrap();
    assert_eq!(
        first.iter().map(|e| e.at).collect::<Vec<_>>(),
        vec![1_006, 1_005, 1_004]
    );
    assert_eq!(first[0].actor.as_deref(), Some("ana"));
    let last = first.last().unwrap();
    let second = store
        .staff_audit_page(None, Some((last.at, &last.id)), 3)
        .await
        .unwrap();
    assert_eq!(
        second.iter().map(|e| e.at).collect::<Vec<_>>(),
        vec![1_003, 1_002, 1_001]
    );
    let links = store
        .staff_audit_page(Some(StaffAction::GuardianLinked), None, 10)
        .await
        .unwrap();
    assert_eq!(links.len(), 3);
    assert!(
        links
            .iter()
            .all(|e| e.kind == Some(StaffAction::GuardianLinked))
    );
}
