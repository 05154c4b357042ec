//! Project rounds, groups and the group space on both engines: ranking until the deadline,
//! a proposal replaced and published, members moved and removed (rows closed, history
//! kept for the partners' history), pairs kept apart, quotas enforced by the insert, and
//! the work read-only after the final submission.

use crate::store::course;
use crate::support::{COURSE, open, student};
use ownpace_core::ids::UserId;
use ownpace_storage::{
    Backend, FileQuota, NewFile, NewRound, ProposedGroup, RoundProject, RoundStatus, StoreError,
};

on_both_engines!(
    a_round_goes_from_ranking_to_published_groups,
    the_group_space_keeps_posts_files_and_is_read_only_after_submission,
);

fn projects() -> Vec<RoundProject> {
    ["p-bridge", "p-garden"]
        .iter()
        .map(|id| RoundProject {
            project_id: id.to_string(),
            group_min: 2,
            group_max: 3,
        })
        .collect()
}

async fn a_round_goes_from_ranking_to_published_groups(backend: Backend) {
    let (store, _db) = open(backend).await;
    store.import_course(&course("C"), &[], 1).await.unwrap();
    let class = store.create_class("6B", &COURSE, 10).await.unwrap();
    let teacher = student(&store, "tess").await;
    let students = [
        student(&store, "ana").await,
        student(&store, "ben").await,
        student(&store, "cai").await,
        student(&store, "dee").await,
    ];
    for s in &students {
        store.add_to_class(&class.id, s, 20).await.unwrap();
    }
    let list = projects();
    let new = NewRound {
        class_id: &class.id,
        course_id: &COURSE,
        title: "Spring projects",
        opened_by: &teacher,
        opens_at: 100,
        closes_at: 1_000,
        due_at: 5_000,
        seed: 7,
        projects: &list,
    };
    // Dates out of order and a project twice are refused.
    let bad = NewRound {
        closes_at: 50,
        ..new.clone()
    };
    assert!(matches!(
        store.create_round(&bad, 100).await,
        Err(StoreError::Invalid {
            field: "closes_at",
            ..
        })
    ));
    let twice = [list[0].clone(), list[0].clone()];
    assert!(
        store
            .create_round(
                &NewRound {
                    projects: &twice,
                    ..new.clone()
                },
                100
            )
            .await
            .is_err()
    );
    let round = store.create_round(&new, 100).await.unwrap();
    assert_eq!(round.status, RoundStatus::Ranking);
    assert_eq!(round.projects, list);
    assert_eq!(store.rounds_of_class(&class.id).await.unwrap().len(), 1);
    assert_eq!(
        store.rounds_of_student(&students[0]).await.unwrap().len(),
        1
    );

    // Rank, change the ranking, refuse an unknown project and a late ranking.
    let rank = |a: &str, b: &str| vec![a.to_string(), b.to_string()];
    store
        .set_ranking(&round.id, &students[0], &rank("p-bridge", "p-garden"), 200)
        .await
        .unwrap();
    store
        .set_ranking(&round.id, &students[0], &rank("p-garden", "p-bridge"), 300)
        .await
        .unwrap();
    assert_eq!(
        store.ranking(&round.id, &students[0]).await.unwrap(),
        rank("p-garden", "p-bridge")
    );
    assert!(
        store
            .set_ranking(&round.id, &students[1], &rank("p-garden", "p-nope"), 300)
            .await
            .is_err()
    );
    assert!(
        store
            .set_ranking(&round.id, &students[1], &rank("p-garden", "p-garden"), 300)
            .await
            .is_err()
    );
    assert!(matches!(
        store
            .set_ranking(
                &round.id,
                &students[1],
                &rank("p-garden", "p-bridge"),
                1_001
            )
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.rankings(&round.id).await.unwrap().len(), 1);

    // A proposal, replaced by another; students do not see it until published.
    let group = |project: &str, name: &str, members: &[&UserId]| ProposedGroup {
        project_id: project.into(),
        name: name.into(),
        members: members
            .iter()
            .map(|m| ((*m).clone(), "first choice".to_string()))
            .collect(),
    };
    store
        .save_proposal(
            &round.id,
            &[group(
                "p-bridge",
                "G1",
                &[&students[0], &students[1], &students[2], &students[3]],
            )],
            1_100,
        )
        .await
        .unwrap();
    store
        .save_proposal(
            &round.id,
            &[
                group("p-garden", "Garden 1", &[&students[0], &students[1]]),
                group("p-bridge", "Bridge 1", &[&students[2], &students[3]]),
            ],
            1_200,
        )
        .await
        .unwrap();
    // A student in two groups is refused.
    assert!(
        store
            .save_proposal(
                &round.id,
                &[
                    group("p-garden", "A", &[&students[0]]),
                    group("p-bridge", "B", &[&students[0]]),
                ],
                1_250,
            )
            .await
            .is_err()
    );
    let groups = store.groups_of_round(&round.id).await.unwrap();
    assert_eq!(groups.len(), 2);
    assert!(
        store
            .groups_of_student(&students[0])
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .group_of(&students[0], &round.id)
            .await
            .unwrap()
            .unwrap()
            .name,
        "Garden 1"
    );

    let published = store.publish_groups(&round.id, 1_300).await.unwrap();
    assert_eq!(published.len(), 2);
    assert_eq!(published[0].1.len(), 2);
    assert!(store.publish_groups(&round.id, 1_300).await.is_err());
    assert!(store.save_proposal(&round.id, &[], 1_400).await.is_err());
    let mine = store.groups_of_student(&students[0]).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].class_id, class.id);

    // Move ana to the bridge group, then remove dee: rows closed, history kept.
    let bridge = groups.iter().find(|g| g.name == "Bridge 1").unwrap();
    let garden = groups.iter().find(|g| g.name == "Garden 1").unwrap();
    store
        .move_member(&students[0], &bridge.id, &teacher, "moved by hand", 1_400)
        .await
        .unwrap();
    assert_eq!(store.group_members(&bridge.id).await.unwrap().len(), 3);
    assert_eq!(store.group_members(&garden.id).await.unwrap().len(), 1);
    assert!(
        store
            .is_group_member(&bridge.id, &students[0])
            .await
            .unwrap()
    );
    assert!(
        !store
            .is_group_member(&garden.id, &students[0])
            .await
            .unwrap()
    );
    store
        .remove_member(&bridge.id, &students[3], &teacher, 1_500)
        .await
        .unwrap();
    assert!(
        store
            .remove_member(&bridge.id, &students[3], &teacher, 1_500)
            .await
            .is_err()
    );
    assert!(
        store
            .group_of(&students[3], &round.id)
            .await
            .unwrap()
            .is_none()
    );

    // The next round's history: every pair that shared a published group (ana with ben
    // before the move, ana with cai and dee after).
    let partners = store
        .past_partners(&class.id, "another-round")
        .await
        .unwrap();
    let pair = |a: &UserId, b: &UserId| {
        partners
            .iter()
            .any(|(x, y)| (x == a && y == b) || (x == b && y == a))
    };
    assert!(pair(&students[0], &students[1]));
    assert!(pair(&students[0], &students[2]));
    assert!(pair(&students[2], &students[3]));
    assert!(
        store
            .past_partners(&class.id, &round.id)
            .await
            .unwrap()
            .is_empty()
    );

    // Pairs kept apart, in either order, once.
    store
        .set_keep_apart(&class.id, &students[1], &students[0], &teacher, 10)
        .await
        .unwrap();
    store
        .set_keep_apart(&class.id, &students[0], &students[1], &teacher, 11)
        .await
        .unwrap();
    assert_eq!(store.keep_apart_pairs(&class.id).await.unwrap().len(), 1);
    assert!(
        store
            .set_keep_apart(&class.id, &students[0], &students[0], &teacher, 11)
            .await
            .is_err()
    );
    store
        .remove_keep_apart(&class.id, &students[0], &students[1])
        .await
        .unwrap();
    assert!(store.keep_apart_pairs(&class.id).await.unwrap().is_empty());

    store.finish_round(&round.id, 9_000).await.unwrap();
    assert_eq!(
        store.round(&round.id).await.unwrap().unwrap().status,
        RoundStatus::Finished
    );
    store.close().await;
}

async fn the_group_space_keeps_posts_files_and_is_read_only_after_submission(backend: Backend) {
    let (store, _db) = open(backend).await;
    store.import_course(&course("C"), &[], 1).await.unwrap();
    let class = store.create_class("6B", &COURSE, 10).await.unwrap();
    let teacher = student(&store, "tess").await;
    let ana = student(&store, "ana").await;
    let ben = student(&store, "ben").await;
    let list = projects();
    let round = store
        .create_round(
            &NewRound {
                class_id: &class.id,
                course_id: &COURSE,
                title: "R",
                opened_by: &teacher,
                opens_at: 0,
                closes_at: 10,
                due_at: 100,
                seed: 1,
                projects: &list,
            },
            0,
        )
        .await
        .unwrap();
    store
        .save_proposal(
            &round.id,
            &[ProposedGroup {
                project_id: "p-bridge".into(),
                name: "G".into(),
                members: vec![(ana.clone(), "r".into()), (ben.clone(), "r".into())],
            }],
            20,
        )
        .await
        .unwrap();
    store.publish_groups(&round.id, 30).await.unwrap();
    let group = store.groups_of_student(&ana).await.unwrap().remove(0);

    // Milestones and posts, with their limits.
    store
        .add_milestone(&group.id, "Sketch", 50, &teacher, 31)
        .await
        .unwrap();
    assert!(
        store
            .add_milestone(&group.id, "  ", 50, &ana, 31)
            .await
            .is_err()
    );
    store
        .add_post(
            &group.id,
            &ana,
            "<b>first</b> idea",
            Some("https://example.org/x"),
            32,
        )
        .await
        .unwrap();
    assert!(
        store
            .add_post(&group.id, &ana, "x", Some("javascript:alert(1)"), 33)
            .await
            .is_err()
    );
    assert!(
        store
            .add_post(&group.id, &ana, &"x".repeat(2_001), None, 33)
            .await
            .is_err()
    );
    let posts = store.posts(&group.id).await.unwrap();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].text, "<b>first</b> idea");
    assert_eq!(posts[0].author_name, "ana");

    // Files: the per-file limit, then the student's quota, then the group's.
    let quota = FileQuota {
        max_file_bytes: 10,
        per_student_bytes: 15,
        per_group_bytes: 20,
    };
    fn file<'a>(group: &'a str, by: &'a UserId, bytes: &'a [u8]) -> NewFile<'a> {
        NewFile {
            group_id: group,
            uploaded_by: by,
            name: "notes.txt",
            content_type: "text/plain",
            bytes,
            at: 40,
        }
    }
    assert!(
        store
            .add_file(&file(&group.id, &ana, b"0123456789A"), quota)
            .await
            .is_err()
    );
    let first = store
        .add_file(&file(&group.id, &ana, b"0123456789"), quota)
        .await
        .unwrap();
    assert!(
        store
            .add_file(&file(&group.id, &ana, b"012345"), quota)
            .await
            .is_err()
    );
    store
        .add_file(&file(&group.id, &ben, b"0123456789"), quota)
        .await
        .unwrap();
    assert!(
        store
            .add_file(&file(&group.id, &ben, b"0"), quota)
            .await
            .is_err()
    );
    let files = store.group_files(&group.id).await.unwrap();
    assert_eq!(files.len(), 2);
    let (meta, bytes) = store.group_file(&group.id, &first).await.unwrap().unwrap();
    assert_eq!(bytes, b"0123456789");
    assert_eq!(meta.size_bytes, 10);
    assert!(
        store
            .group_file("another-group", &first)
            .await
            .unwrap()
            .is_none()
    );

    // The submission, once; then the work is read-only.
    assert!(
        store
            .submit_group(&group.id, &ana, "done", None, &["not-a-file".into()], 60)
            .await
            .is_err()
    );
    store
        .submit_group(
            &group.id,
            &ana,
            "Our bridge",
            Some("https://example.org/b"),
            std::slice::from_ref(&first),
            60,
        )
        .await
        .unwrap();
    let submitted = store.group(&group.id).await.unwrap().unwrap();
    assert_eq!(submitted.submitted_at, Some(60));
    assert_eq!(submitted.submitted_by.as_ref(), Some(&ana));
    assert!(
        store
            .group_files(&group.id)
            .await
            .unwrap()
            .iter()
            .any(|f| f.id == first && f.in_submission)
    );
    assert!(matches!(
        store
            .submit_group(&group.id, &ben, "again", None, &[], 70)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(
        store
            .add_post(&group.id, &ben, "late", None, 70)
            .await
            .is_err()
    );
    assert!(
        store
            .add_file(&file(&group.id, &ben, b"1"), FileQuota::default())
            .await
            .is_err()
    );
    assert!(
        store
            .add_milestone(&group.id, "more", 90, &ben, 70)
            .await
            .is_err()
    );
    store.close().await;
}
