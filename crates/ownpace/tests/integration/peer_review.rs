//! Peer feedback on the rubric (issue 10, point 4), on both engines. The storage rules
//! first: review assignments (never one's own group, distinct, balanced, done reviews kept
//! when started again), a final review, the release rule (two submitted reviews or a
//! teacher's release), hidden comments, helpful ratings by members only, self-assessments,
//! and erasure of a reviewer (their comments cleared, the review kept under the pseudonym;
//! their ratings and self-assessments deleted) and the export of what a student wrote.

use crate::support::{TestApp, spawn_app, user_id};
use ownpace_core::course::Project;
use ownpace_core::ids::UserId;
use ownpace_storage::erasure::ErasedVia;
use ownpace_storage::{
    Backend, NewReview, NewRound, NewSelfAssessment, ProposedGroup, RoundProject,
};

on_both_engines!(peer_review_storage_keeps_the_rules,);

/// A published round of the main class with `groups` groups of the given students (by
/// index into the school's students), all of one project; returns the round, the group
/// ids, the project and the teacher.
pub(crate) async fn round_with_groups(
    app: &TestApp,
    groups: &[&[usize]],
) -> (String, Vec<String>, Project, UserId) {
    let now = ownpace_web::now_ms();
    let school = &app.school;
    let class_row = app.store.class(&school.class_id).await.unwrap().unwrap();
    let course = app
        .store
        .current_course(&class_row.course_id)
        .await
        .unwrap()
        .unwrap();
    let project = course.course.projects[0].clone();
    let teacher = app.store.class_teachers(&school.class_id).await.unwrap()[0]
        .id
        .clone();
    let projects = [RoundProject {
        project_id: project.id.clone(),
        group_min: 1,
        group_max: 6,
    }];
    let round = app
        .store
        .create_round(
            &NewRound {
                class_id: &school.class_id,
                course_id: &class_row.course_id,
                title: "Peer round",
                opened_by: &teacher,
                opens_at: now - 1_000,
                closes_at: now + 86_400_000,
                due_at: now + 10 * 86_400_000,
                seed: 3,
                projects: &projects,
            },
            now,
        )
        .await
        .unwrap();
    let mut proposed = Vec::new();
    for (n, members) in groups.iter().enumerate() {
        let mut ids = Vec::new();
        for &i in *members {
            ids.push((
                user_id(app, &school.students[i]).await,
                "first choice".to_string(),
            ));
        }
        proposed.push(ProposedGroup {
            project_id: project.id.clone(),
            name: format!("Group {}", n + 1),
            members: ids,
        });
    }
    app.store
        .save_proposal(&round.id, &proposed, now)
        .await
        .unwrap();
    let published = app.store.publish_groups(&round.id, now).await.unwrap();
    let group_ids = published.into_iter().map(|(g, _)| g.id).collect();
    (round.id, group_ids, project, teacher)
}

/// The lowest level of every criterion (a valid review).
pub(crate) fn lowest_levels(project: &Project) -> Vec<u32> {
    project
        .rubric
        .iter()
        .map(|c| c.levels.iter().map(|l| l.points).min().unwrap())
        .collect()
}

async fn peer_review_storage_keeps_the_rules(backend: Backend) {
    let app = spawn_app(backend, 9).await;
    let store = &app.store;
    let now = ownpace_web::now_ms();
    let (round, groups, project, teacher) =
        round_with_groups(&app, &[&[0, 1, 2], &[3, 4, 5], &[6, 7, 8]]).await;
    let member = |i: usize| user_id(&app, &app.school.students[i]);
    let ana = member(0).await;

    // Nothing submitted: peer review cannot start.
    let err = store
        .start_peer_review(&round, 1, &teacher, now)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("submitted"), "{err}");
    assert!(
        store
            .start_peer_review(&round, 3, &teacher, now)
            .await
            .unwrap_err()
            .to_string()
            .contains("1 or 2"),
    );

    // Groups 1 and 2 submit; group 3 is late.
    for (g, by) in [(&groups[0], 0), (&groups[1], 3)] {
        store
            .submit_group(g, &member(by).await, "Our work", None, &[], now)
            .await
            .unwrap();
    }
    let added = store
        .start_peer_review(&round, 1, &teacher, now)
        .await
        .unwrap();
    assert_eq!(
        added.len(),
        9,
        "every student of the round reviews one group"
    );
    let reviews = store.reviews_of_round(&round).await.unwrap();
    for r in &reviews {
        let own = store
            .group_of(&r.reviewer_id, &round)
            .await
            .unwrap()
            .unwrap();
        assert_ne!(own.id, r.group_id, "never one's own group");
        assert!(r.group_id == groups[0] || r.group_id == groups[1]);
    }
    let count = |g: &str| reviews.iter().filter(|r| r.group_id == g).count();
    assert!(count(&groups[0]).abs_diff(count(&groups[1])) <= 1);
    assert!(count(&groups[0]) >= 2 && count(&groups[1]) >= 2);

    // A reviewer of group 1 reads it; ana (a member) is not its reviewer.
    assert!(!store.is_reviewer_of(&groups[0], &ana).await.unwrap());
    let to_first: Vec<_> = reviews.iter().filter(|r| r.group_id == groups[0]).collect();
    assert!(
        store
            .is_reviewer_of(&groups[0], &to_first[0].reviewer_id)
            .await
            .unwrap()
    );

    // A review: levels per criterion, at least one prompt, each prompt length-limited.
    let levels = lowest_levels(&project);
    let first = to_first[0];
    let mut bad = NewReview {
        review_id: &first.id,
        reviewer: &first.reviewer_id,
        project: &project,
        levels: &levels,
        works: " ",
        improve: "",
        question: "",
        at: now,
    };
    let err = store.submit_review(&bad).await.unwrap_err();
    assert!(err.to_string().contains("at least one"), "{err}");
    let long = "x".repeat(1_001);
    bad.works = &long;
    assert!(store.submit_review(&bad).await.is_err());
    bad.works = "Clear charts";
    bad.levels = &[];
    assert!(store.submit_review(&bad).await.is_err());
    // Another student cannot submit someone else's review.
    bad.levels = &levels;
    bad.reviewer = &ana;
    assert!(store.submit_review(&bad).await.is_err());
    bad.reviewer = &first.reviewer_id;
    let visible = store.submit_review(&bad).await.unwrap();
    assert!(!visible, "one review: not visible without a release");
    assert!(
        store
            .submit_review(&bad)
            .await
            .unwrap_err()
            .to_string()
            .contains("final")
    );
    assert!(
        store
            .visible_feedback_for_group(&groups[0])
            .await
            .unwrap()
            .is_empty()
    );
    // Rating invisible feedback is refused.
    assert!(
        store
            .rate_feedback(&first.id, &ana, true, now)
            .await
            .is_err()
    );

    // The second review makes the feedback visible.
    let second = to_first[1];
    let visible = store
        .submit_review(&NewReview {
            review_id: &second.id,
            reviewer: &second.reviewer_id,
            project: &project,
            levels: &levels,
            works: "",
            improve: "Label the <axes>",
            question: "Why pie charts?",
            at: now,
        })
        .await
        .unwrap();
    assert!(visible);
    let feedback = store.visible_feedback_for_group(&groups[0]).await.unwrap();
    assert_eq!(feedback.len(), 2);
    assert!(feedback.iter().all(|f| f.levels == levels));

    // Hidden comments never reach the authors; the teacher still reads them.
    store
        .set_review_hidden(&second.id, true, &teacher, now)
        .await
        .unwrap();
    let feedback = store.visible_feedback_for_group(&groups[0]).await.unwrap();
    let hidden = feedback.iter().find(|f| f.review_id == second.id).unwrap();
    assert!(hidden.comments_hidden && hidden.improve.is_none() && hidden.question.is_none());
    let teacher_view = store.peer_review(&second.id).await.unwrap().unwrap();
    assert_eq!(teacher_view.improve.as_deref(), Some("Label the <axes>"));
    store
        .set_review_hidden(&second.id, false, &teacher, now)
        .await
        .unwrap();
    assert!(
        store
            .visible_feedback_for_group(&groups[0])
            .await
            .unwrap()
            .iter()
            .all(|f| !f.comments_hidden)
    );

    // Ratings: members only, one per member and review, changeable.
    store
        .rate_feedback(&first.id, &ana, false, now)
        .await
        .unwrap();
    store
        .rate_feedback(&first.id, &ana, true, now)
        .await
        .unwrap();
    store
        .rate_feedback(&second.id, &member(1).await, false, now)
        .await
        .unwrap();
    assert!(
        store
            .rate_feedback(&first.id, &member(6).await, true, now)
            .await
            .is_err(),
        "not a member of the reviewed group"
    );
    let mine = store.my_feedback_ratings(&groups[0], &ana).await.unwrap();
    assert_eq!(mine.get(&first.id), Some(&true));
    assert_eq!(mine.len(), 1);
    let helpful = store.reviewer_helpfulness(&round).await.unwrap();
    let of_first = helpful
        .iter()
        .find(|h| h.reviewer_id == first.reviewer_id)
        .unwrap();
    assert_eq!(
        (of_first.done, of_first.ratings, of_first.helpful),
        (1, 1, 1)
    );
    assert_eq!(of_first.helpful_percent(), Some(100));
    let of_second = helpful
        .iter()
        .find(|h| h.reviewer_id == second.reviewer_id)
        .unwrap();
    assert_eq!(of_second.helpful_percent(), Some(0));

    // Group 2 with one review sees nothing until the teacher releases it.
    let to_second: Vec<_> = reviews.iter().filter(|r| r.group_id == groups[1]).collect();
    store
        .submit_review(&NewReview {
            review_id: &to_second[0].id,
            reviewer: &to_second[0].reviewer_id,
            project: &project,
            levels: &levels,
            works: "Nice",
            improve: "",
            question: "",
            at: now,
        })
        .await
        .unwrap();
    assert!(
        store
            .visible_feedback_for_group(&groups[1])
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .release_feedback(&groups[1], &teacher, now)
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .visible_feedback_for_group(&groups[1])
            .await
            .unwrap()
            .len(),
        1
    );

    // The late group submits; starting again gives it reviewers, done reviews stay.
    store
        .submit_group(&groups[2], &member(6).await, "Late work", None, &[], now)
        .await
        .unwrap();
    let done_before: Vec<String> = store
        .reviews_of_round(&round)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.submitted_at.is_some())
        .map(|r| r.id)
        .collect();
    let added = store
        .start_peer_review(&round, 1, &teacher, now + 1)
        .await
        .unwrap();
    assert!(!added.is_empty());
    let after = store.reviews_of_round(&round).await.unwrap();
    for id in &done_before {
        assert!(
            after
                .iter()
                .any(|r| &r.id == id && r.submitted_at.is_some())
        );
    }
    let late = after.iter().filter(|r| r.group_id == groups[2]).count();
    assert!(late >= 2, "the late group gets reviewers: {late}");
    for r in &after {
        let own = store
            .group_of(&r.reviewer_id, &round)
            .await
            .unwrap()
            .unwrap();
        assert_ne!(own.id, r.group_id);
    }
    assert_eq!(
        store
            .peer_review_settings(&round)
            .await
            .unwrap()
            .unwrap()
            .reviews_per_student,
        1
    );

    // Self-assessment: members only, on the rubric, replaced when saved again.
    let mut own = NewSelfAssessment {
        group_id: &groups[0],
        student: &ana,
        project: &project,
        levels: &levels,
        note: "We rushed the end",
        at: now,
    };
    store.save_self_assessment(&own).await.unwrap();
    own.note = "";
    store.save_self_assessment(&own).await.unwrap();
    let saved = store
        .self_assessment(&groups[0], &ana)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (saved.levels.clone(), saved.note.as_str()),
        (levels.clone(), "")
    );
    let outsider = member(6).await;
    own.student = &outsider;
    assert!(store.save_self_assessment(&own).await.is_err());
    own.student = &ana;
    let long_note = "n".repeat(1_001);
    own.note = &long_note;
    assert!(store.save_self_assessment(&own).await.is_err());
    assert_eq!(
        store
            .self_assessments_in_class(&app.school.class_id, &ana)
            .await
            .unwrap()
            .len(),
        1
    );

    // The export holds what a student wrote: their reviews, ratings, self-assessments.
    let export = store.export_student(&first.reviewer_id).await.unwrap();
    let reviews_table = export
        .iter()
        .find(|t| t.table == "peer_reviews")
        .expect("the reviewer's reviews are exported");
    assert!(!reviews_table.objects().is_empty());
    let ana_export = store.export_student(&ana).await.unwrap();
    for table in ["self_assessments", "peer_review_ratings"] {
        assert!(
            ana_export
                .iter()
                .any(|t| t.table == table && !t.objects().is_empty()),
            "{table} in ana's export"
        );
    }
    let ana_reviews = ana_export
        .iter()
        .find(|t| t.table == "peer_reviews")
        .map(|t| t.objects())
        .unwrap_or_default();
    assert!(
        ana_reviews
            .iter()
            .all(|o| o["reviewer_id"] == serde_json::json!(ana.as_str())),
        "only the reviews ana wrote"
    );

    // Erasing the first reviewer: the review stays for the authors (levels), its comments
    // are cleared; erasing ana deletes her ratings and self-assessment.
    store
        .erase_student(
            &first.reviewer_id,
            "test",
            None,
            ErasedVia::CommandLine,
            now,
        )
        .await
        .unwrap();
    let kept = store.peer_review(&first.id).await.unwrap().unwrap();
    assert_ne!(kept.reviewer_id, first.reviewer_id);
    assert!(kept.works.is_none() && kept.levels == levels);
    store
        .erase_student(&ana, "test", None, ErasedVia::CommandLine, now)
        .await
        .unwrap();
    assert!(
        store
            .self_assessment(&groups[0], &ana)
            .await
            .unwrap()
            .is_none()
    );
    let ratings = store.review_ratings(&round).await.unwrap();
    assert_eq!(ratings.get(&first.id), None, "ana's rating went with her");
}
