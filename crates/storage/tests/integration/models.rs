//! The answer log and fitted model parameters, on SQLite and on PostgreSQL.

use crate::support::{COURSE, I1, I2, open, student};
use ownpace_core::ids::{CourseId, ItemId, UserId};
use ownpace_core::learner::bkt::BktParams;
use ownpace_storage::{AnswerRecord, Backend, EventRecord};

on_both_engines!(
    answer_log_holds_answers_in_time_order,
    model_params_get_increasing_versions,
);

fn answer<'a>(
    student: &'a UserId,
    course: &'a CourseId,
    item: &'a ItemId,
    skills: &'a [String],
    correct: bool,
    at: i64,
    key: &'a str,
) -> AnswerRecord<'a> {
    AnswerRecord {
        student_id: student,
        course_id: course,
        course_version: 1,
        item_id: item,
        skills,
        response: r#"{"kind":"text","value":"4"}"#,
        correct,
        occurred_at: at,
        duration_ms: None,
        idempotency_key: key,
    }
}

async fn answer_log_holds_answers_in_time_order(backend: Backend) {
    let (store, _db) = open(backend).await;
    assert!(store.answer_log(None).await.unwrap().is_empty());
    let (ann, bob) = (student(&store, "ann").await, student(&store, "bob").await);
    let (other_course, x1) = (CourseId::new("d"), ItemId::new("x1"));
    let ab = vec!["a".to_string(), "b".to_string()];
    let b = vec!["b".to_string()];
    // Recorded out of time order, across two courses.
    let recorded = [
        answer(&ann, &COURSE, &I2, &ab, true, 3_000, "k1"),
        answer(&bob, &COURSE, &I1, &b, false, 1_000, "k2"),
        answer(&ann, &other_course, &x1, &b, true, 2_000, "k3"),
    ];
    for a in &recorded {
        store
            .record_answer(a, |_| BktParams::default())
            .await
            .unwrap();
    }
    // Neither a hint nor a placement answer is practice.
    store
        .record_event(&EventRecord {
            student_id: &ann,
            course_id: &COURSE,
            course_version: 1,
            kind: ownpace_core::events::EventKind::Hint,
            skills: &b,
            item_id: Some("i1"),
            data: None,
            occurred_at: 1_500,
            duration_ms: None,
            idempotency_key: "k4",
        })
        .await
        .unwrap();
    store
        .record_placement_answer(&answer(&bob, &COURSE, &I1, &b, true, 500, "k5"))
        .await
        .unwrap();

    let log = store.answer_log(None).await.unwrap();
    let times: Vec<i64> = log.iter().map(|a| a.occurred_at).collect();
    assert_eq!(times, vec![1_000, 2_000, 3_000]);
    assert_eq!(log[0].student_id, bob);
    assert_eq!(log[0].course_id, *COURSE);
    assert_eq!(log[0].item_id, *I1);
    assert!(!log[0].correct);
    assert_eq!(log[2].skills, ab);
    assert!(log[2].correct);

    let only_c = store.answer_log(Some(&COURSE)).await.unwrap();
    let items: Vec<&str> = only_c.iter().map(|a| a.item_id.as_str()).collect();
    assert_eq!(items, vec!["i1", "i2"]);
    assert!(
        store
            .answer_log(Some(&CourseId::new("nope")))
            .await
            .unwrap()
            .is_empty()
    );
}

async fn model_params_get_increasing_versions(backend: Backend) {
    let (store, _db) = open(backend).await;
    assert_eq!(store.latest_model_params("default").await.unwrap(), None);
    let v1 = store
        .save_model_params("default", r#"{"a":1}"#, 120, 1_000)
        .await
        .unwrap();
    assert_eq!(v1, 1);
    assert_eq!(
        store.latest_model_params("default").await.unwrap(),
        Some((1, r#"{"a":1}"#.to_string(), 1_000, 120))
    );
    let other = store
        .save_model_params("experiment", "{}", 5, 1_500)
        .await
        .unwrap();
    assert_eq!(other, 2, "versions are numbered across models");
    let v3 = store
        .save_model_params("default", r#"{"a":2}"#, 130, 2_000)
        .await
        .unwrap();
    assert_eq!(v3, 3);
    assert_eq!(
        store.latest_model_params("default").await.unwrap(),
        Some((3, r#"{"a":2}"#.to_string(), 2_000, 130))
    );
    assert_eq!(
        store
            .latest_model_params("experiment")
            .await
            .unwrap()
            .map(|(v, ..)| v),
        Some(2)
    );

    // Concurrent saves each get their own version.
    let saves = (0..4).map(|i| {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .save_model_params("default", "{}", i, 3_000 + i)
                .await
                .unwrap()
        })
    });
    let mut versions = Vec::new();
    for save in saves {
        versions.push(save.await.unwrap());
    }
    versions.sort_unstable();
    assert_eq!(versions, vec![4, 5, 6, 7]);
}
