//! Peer feedback on the rubric (issue 10, point 4), on both engines. The storage rules
//! first: review assignments (never one's own group, distinct, balanced, done reviews kept
//! when started again), a final review, the release rule (two submitted reviews or a
//! teacher's release), hidden comments, helpful ratings by members only, self-assessments,
//! and erasure of a reviewer (their comments cleared, the review kept under the pseudonym;
//! their ratings and self-assessments deleted) and the export of what a student wrote.

use crate::support::{TestApp, login_api, signed_in, spawn_app, user_id};
use crate::support::{get_page as page, post_form as post};
use ownpace_core::course::Project;
use ownpace_core::ids::UserId;
use ownpace_storage::erasure::ErasedVia;
use ownpace_storage::{
    Backend, NewFile, NewReview, NewRound, NewSelfAssessment, ProposedGroup, RoundProject,
};

on_both_engines!(
    peer_review_storage_keeps_the_rules,
    an_author_never_learns_who_reviewed_them,
);

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

/// For the policy test: a round of ana's class where ana's group has not submitted and
/// the second student's has, with peer review started, so ana reviews that group;
/// returns its id.
pub(crate) async fn reviewed_by_ana(app: &TestApp) -> String {
    let (round, groups, _, teacher) = round_with_groups(app, &[&[0], &[1]]).await;
    let now = ownpace_web::now_ms();
    let second = user_id(app, &app.school.students[1]).await;
    app.store
        .submit_group(&groups[1], &second, "Our work", None, &[], now)
        .await
        .unwrap();
    let added = app
        .store
        .start_peer_review(&round, 1, &teacher, now)
        .await
        .unwrap();
    let ana = user_id(app, &app.school.students[0]).await;
    assert!(
        added
            .iter()
            .any(|a| a.reviewer_id == ana && a.group_id == groups[1])
    );
    groups[1].clone()
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
    let work_before = store
        .project_work_since(&first.reviewer_id, 0)
        .await
        .unwrap()
        .len();
    let visible = store.submit_review(&bad).await.unwrap();
    // A written review counts as group work in the solo/group balance.
    assert_eq!(
        store
            .project_work_since(&first.reviewer_id, 0)
            .await
            .unwrap()
            .len(),
        work_before + 1
    );
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

/// Through the server: the teacher starts peer review, reviewers read only the submission
/// and send reviews (escaped), the authors read them without any reviewer name or id in
/// their pages or API answers, rate them, the teacher sees names and the helpful share,
/// hides a comment (gone for the authors, kept for the teacher), and releases a group's
/// single review; a self-assessment shows beside the teacher's assessment form.
async fn an_author_never_learns_who_reviewed_them(backend: Backend) {
    let app = spawn_app(backend, 6).await;
    let school = &app.school;
    let (round, groups, project, _) = round_with_groups(&app, &[&[0, 1, 2], &[3, 4, 5]]).await;
    let now = ownpace_web::now_ms();
    let ana = user_id(&app, &school.students[0]).await;
    let dan = user_id(&app, &school.students[3]).await;
    // Group 1 has a file handed in and one kept back; both groups submit.
    let mut file_ids = Vec::new();
    for name in ["handed.txt", "draft.txt"] {
        file_ids.push(
            app.store
                .add_file(
                    &NewFile {
                        group_id: &groups[0],
                        uploaded_by: &ana,
                        name,
                        content_type: "text/plain; charset=utf-8",
                        bytes: b"our numbers",
                        at: now,
                    },
                    ownpace_storage::FileQuota::default(),
                )
                .await
                .unwrap(),
        );
    }
    app.store
        .submit_group(&groups[0], &ana, "Our fair game", None, &file_ids[..1], now)
        .await
        .unwrap();
    app.store
        .submit_group(&groups[1], &dan, "Our mural", None, &[], now)
        .await
        .unwrap();

    let (teacher, t_csrf) = signed_in(&app, &school.teacher).await;
    let reviews_url = format!("{}/rounds/{round}/reviews", app.base);
    let (status, _) = post(
        &teacher,
        &format!("{reviews_url}/start"),
        &[("_csrf", &t_csrf), ("per_student", "3")],
    )
    .await;
    assert_eq!(status, 303);
    assert!(app.store.reviews_of_round(&round).await.unwrap().is_empty());
    post(
        &teacher,
        &format!("{reviews_url}/start"),
        &[("_csrf", &t_csrf), ("per_student", "1")],
    )
    .await;
    let assigned = app.store.reviews_of_round(&round).await.unwrap();
    assert_eq!(assigned.len(), 6);
    let notices = app.store.notices_for(&dan, 20).await.unwrap();
    assert!(
        notices.iter().any(|n| n.kind == "peer_review_assigned"
            && n.link == format!("/groups/{}/review", groups[0]))
    );

    // A reviewer reads the submission and its handed-in file only.
    let (dan_http, dan_csrf) = signed_in(&app, &school.students[3]).await;
    let review_url = format!("{}/groups/{}/review", app.base, groups[0]);
    let (status, html) = page(&dan_http, &review_url).await;
    assert_eq!(status, 200);
    assert!(html.contains("Our fair game") && html.contains("handed.txt"));
    assert!(!html.contains("draft.txt"));
    let file = |id: &str| format!("{}/groups/{}/files/{id}", app.base, groups[0]);
    assert_eq!(page(&dan_http, &file(&file_ids[0])).await.0, 200);
    assert_eq!(page(&dan_http, &file(&file_ids[1])).await.0, 404);
    assert_eq!(
        page(&dan_http, &format!("{}/groups/{}", app.base, groups[0]))
            .await
            .0,
        404
    );
    let dan_token = login_api(&app, &school.students[3]).await;
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/groups/{}/feedback", app.base, groups[0]))
        .bearer_auth(&dan_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404, "a reviewer reads no group feedback");
    let (status, _) = post(
        &dan_http,
        &format!("{}/groups/{}/posts", app.base, groups[0]),
        &[("_csrf", &dan_csrf), ("text", "hi")],
    )
    .await;
    assert_eq!(status, 404);
    // Ana (a member, not a reviewer of her own group) has no review page there.
    let (ana_http, ana_csrf) = signed_in(&app, &school.students[0]).await;
    assert_eq!(page(&ana_http, &review_url).await.0, 404);

    // Reviews through the form: a missing level is refused and nothing is written.
    let levels = lowest_levels(&project);
    let level_fields: Vec<(String, String)> = levels
        .iter()
        .enumerate()
        .map(|(n, p)| (format!("level_{}", n + 1), p.to_string()))
        .collect();
    post(
        &dan_http,
        &review_url,
        &[("_csrf", &dan_csrf), ("works", "Nice")],
    )
    .await;
    assert!(
        app.store
            .reviews_of_round(&round)
            .await
            .unwrap()
            .iter()
            .all(|r| r.submitted_at.is_none())
    );
    let mut reviewer_names = Vec::new();
    let mut reviewer_ids = Vec::new();
    for (i, works) in [
        (3, "<b>Clear</b> rules"),
        (4, "Fun dice"),
        (5, "Good chart"),
    ] {
        let id = user_id(&app, &school.students[i]).await;
        reviewer_names.push(app.store.user(&id).await.unwrap().unwrap().display_name);
        reviewer_ids.push(id.to_string());
        let (http, csrf) = signed_in(&app, &school.students[i]).await;
        let mut fields: Vec<(&str, &str)> = vec![
            ("_csrf", csrf.as_str()),
            ("works", works),
            ("improve", "Explain the scoring"),
            ("question", "Why six sides?"),
        ];
        fields.extend(level_fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let (status, _) = post(&http, &review_url, &fields).await;
        assert_eq!(status, 303);
    }
    let done = app.store.reviews_of_round(&round).await.unwrap();
    assert_eq!(done.iter().filter(|r| r.submitted_at.is_some()).count(), 3);
    assert!(
        app.store
            .notices_for(&ana, 20)
            .await
            .unwrap()
            .iter()
            .any(|n| n.kind == "peer_feedback")
    );

    // The author's page and API answers: the feedback, never a reviewer's name or id.
    let group_url = format!("{}/groups/{}", app.base, groups[0]);
    let (status, html) = page(&ana_http, &group_url).await;
    assert_eq!(status, 200);
    assert!(html.contains("Feedback from classmates"));
    assert!(
        html.contains("b&#62;Clear&#60;/b&#62; rules")
            || html.contains("b&gt;Clear&lt;/b&gt; rules"),
        "escaped"
    );
    assert!(!html.contains("<b>Clear</b>"));
    assert_eq!(html.matches("Explain the scoring").count(), 3);
    let token = login_api(&app, &school.students[0]).await;
    let api = reqwest::Client::new();
    let mut answers = vec![html];
    for path in [
        format!("/api/v1/groups/{}/feedback", groups[0]),
        "/api/v1/me/rounds".to_string(),
        "/api/v1/me/reviews".to_string(),
    ] {
        let response = api
            .get(format!("{}{path}", app.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        answers.push(response.text().await.unwrap());
    }
    let feedback: serde_json::Value = serde_json::from_str(&answers[1]).unwrap();
    assert_eq!(feedback.as_array().map(Vec::len), Some(3));
    for answer in &answers {
        for (name, id) in reviewer_names.iter().zip(&reviewer_ids) {
            assert!(
                !answer.contains(name.as_str()),
                "{name} in an author's answer"
            );
            assert!(
                !answer.contains(id.as_str()),
                "a reviewer id in an author's answer"
            );
        }
    }

    // Ana rates one piece of feedback helpful; the teacher sees names and the share.
    let first = feedback[0]["review_id"].as_str().unwrap().to_string();
    let (status, _) = post(
        &ana_http,
        &format!("{group_url}/feedback/rate"),
        &[("_csrf", &ana_csrf), ("review", &first), ("helpful", "1")],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = page(&ana_http, &group_url).await;
    assert!(html.contains("you rated it helpful"));
    let (status, html) = page(&teacher, &reviews_url).await;
    assert_eq!(status, 200);
    for name in &reviewer_names {
        assert!(html.contains(name.as_str()), "the teacher sees {name}");
    }
    assert!(html.contains("100% (1 of 1 ratings)"), "{html}");

    // Hiding a review's comments: gone for the authors, kept for the teacher.
    let hidden = done
        .iter()
        .find(|r| r.reviewer_id.as_str() == reviewer_ids[1])
        .unwrap();
    post(
        &teacher,
        &format!("{reviews_url}/hide"),
        &[("_csrf", &t_csrf), ("review", &hidden.id), ("hidden", "1")],
    )
    .await;
    let (_, html) = page(&ana_http, &group_url).await;
    assert!(!html.contains("Fun dice"));
    assert_eq!(html.matches("Explain the scoring").count(), 2);
    let (_, html) = page(&teacher, &reviews_url).await;
    assert!(html.contains("Fun dice") && html.contains("comments hidden from the group"));

    // Group 2 has one review in: nothing for its authors until the teacher releases it.
    let to_second = done.iter().find(|r| r.group_id == groups[1]).unwrap();
    let reviewer = app
        .store
        .user(&to_second.reviewer_id)
        .await
        .unwrap()
        .unwrap();
    let (http, csrf) = signed_in(&app, &reviewer.username).await;
    let mut fields: Vec<(&str, &str)> = vec![("_csrf", csrf.as_str()), ("question", "Which wall?")];
    fields.extend(level_fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    post(
        &http,
        &format!("{}/groups/{}/review", app.base, groups[1]),
        &fields,
    )
    .await;
    let (dan_page_status, html) =
        page(&dan_http, &format!("{}/groups/{}", app.base, groups[1])).await;
    assert_eq!(dan_page_status, 200);
    assert!(!html.contains("Which wall?"));
    post(
        &teacher,
        &format!("{reviews_url}/release"),
        &[("_csrf", &t_csrf), ("group", &groups[1])],
    )
    .await;
    let (_, html) = page(&dan_http, &format!("{}/groups/{}", app.base, groups[1])).await;
    assert!(html.contains("Which wall?"));
    assert!(!html.contains(reviewer.display_name.as_str()));
    // A group id of another round is refused.
    let (_, location) = post(
        &teacher,
        &format!("{reviews_url}/release"),
        &[("_csrf", &t_csrf), ("group", "not-a-group")],
    )
    .await;
    assert!(location.contains("/reviews"));

    // Ana's self-assessment shows beside the teacher's assessment form.
    let mut fields: Vec<(&str, &str)> =
        vec![("_csrf", ana_csrf.as_str()), ("note", "We ran out of time")];
    fields.extend(level_fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let (status, _) = post(&ana_http, &format!("{group_url}/self-assessment"), &fields).await;
    assert_eq!(status, 303);
    let (status, html) = page(
        &teacher,
        &format!("{}/classes/{}/assess/{}", app.base, school.class_id, ana),
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("self-assessment") && html.contains("We ran out of time"));
}
