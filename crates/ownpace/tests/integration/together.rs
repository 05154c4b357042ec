//! Learning together (issue 9), on both engines: goals a student proposes and a teacher
//! agrees to, adjusts or declines with a comment (the guardian sees agreed ones), and a
//! raised hand that puts the student on the teacher's "who needs you today" list until the
//! teacher answers it.

use crate::support::{TestApp, spawn_app, user_id};
use crate::support::{get_page as page, post_form as post, signed_in};
use ownpace_storage::{Backend, GoalAgreement};

on_both_engines!(
    goals_are_proposed_then_agreed_adjusted_or_declined_by_the_teacher,
    a_raised_hand_ranks_first_for_the_teacher_until_answered,
);

/// `YYYY-MM-DD` of the server's clock plus `days`.
fn day(app: &TestApp, days: i64) -> String {
    let offset = app.clock_offset.load(std::sync::atomic::Ordering::SeqCst);
    let ms = ownpace_web::now_ms() + offset + days * 86_400_000;
    let (y, m, d) = ownpace_core::recommend::dates::civil(ms);
    format!("{y:04}-{m:02}-{d:02}")
}

async fn goals_are_proposed_then_agreed_adjusted_or_declined_by_the_teacher(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    let school = &app.school;
    let course = school.course_id.to_string();
    let ana = user_id(&app, &school.students[0]).await;
    let (student, s_csrf) = signed_in(&app, &school.students[0]).await;
    let course_page = format!("{}/learn/{course}", app.base);
    let skills = app
        .store
        .current_course(&school.course_id)
        .await
        .unwrap()
        .unwrap()
        .course
        .skills
        .clone();
    let before = app.store.open_goals(&ana, &school.course_id).await.unwrap();
    // The demo may leave notices of its own unread.
    let unread_before = app.store.unread_notices(&ana).await.unwrap();

    // A past date: the form says so in place, keeps the input, and stores nothing.
    let target = format!("skill:{}", skills[5].id);
    let (status, location) = post(
        &student,
        &format!("{course_page}/goals"),
        &[
            ("_csrf", &s_csrf),
            ("target", &target),
            ("title", "Catch up"),
            ("due", &day(&app, -3)),
        ],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, format!("/learn/{course}#goals").as_str())
    );
    let (_, body) = page(&student, &course_page).await;
    assert!(
        body.contains("goal-due-error") && body.contains("from today on"),
        "the error shows beside the date"
    );
    assert_eq!(
        app.store
            .open_goals(&ana, &school.course_id)
            .await
            .unwrap()
            .len(),
        before.len(),
        "nothing stored"
    );

    // A proposal waits for the teacher.
    let (status, _) = post(
        &student,
        &format!("{course_page}/goals"),
        &[
            ("_csrf", &s_csrf),
            ("target", &target),
            ("title", "Catch up"),
            ("due", &day(&app, 10)),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let goals = app.store.open_goals(&ana, &school.course_id).await.unwrap();
    let proposed = goals
        .iter()
        .find(|g| g.title == "Catch up")
        .expect("stored");
    assert_eq!(proposed.agreement, GoalAgreement::Proposed);
    let (_, body) = page(&student, &course_page).await;
    assert!(body.contains("Goal proposed: Catch up"), "a confirmation");
    assert!(
        body.contains("Proposed by you") && body.contains("waiting for the teacher"),
        "the student sees who set it and where it stands"
    );

    // Another teacher's attempt finds nothing (404), and changes nothing.
    let (other, o_csrf) = signed_in(&app, &school.other_teacher).await;
    let review = format!("{}/students/{ana}/goals/{}/review", app.base, proposed.id);
    let (status, _) = post(
        &other,
        &review,
        &[
            ("_csrf", &o_csrf),
            ("course_id", &course),
            ("decision", "accept"),
        ],
    )
    .await;
    assert_eq!(status, 404);

    // The teacher sees the proposal on the record; an over-long comment is refused in place.
    let (teacher, t_csrf) = signed_in(&app, &school.teacher).await;
    let (_, record) = page(&teacher, &format!("{}/students/{ana}", app.base)).await;
    assert!(
        record.contains(&format!(
            "data-goal=\"{}\" data-agreement=\"proposed\"",
            proposed.id
        )),
        "the record lists the proposal"
    );
    let long = "x".repeat(501);
    let (status, _) = post(
        &teacher,
        &review,
        &[
            ("_csrf", &t_csrf),
            ("course_id", &course),
            ("decision", "accept"),
            ("comment", &long),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, record) = page(&teacher, &format!("{}/students/{ana}", app.base)).await;
    assert!(
        record.contains("at most 500 characters"),
        "the error names the limit"
    );
    let still = app.store.open_goals(&ana, &school.course_id).await.unwrap();
    assert_eq!(
        still
            .iter()
            .find(|g| g.id == proposed.id)
            .unwrap()
            .agreement,
        GoalAgreement::Proposed
    );

    // Agreed with a comment: the student and the guardian see it.
    let (status, _) = post(
        &teacher,
        &review,
        &[
            ("_csrf", &t_csrf),
            ("course_id", &course),
            ("decision", "accept"),
            ("comment", "Yes: start with the lesson on Monday."),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, body) = page(&student, &course_page).await;
    assert!(body.contains("agreed with Ms. Rivera"), "who agreed");
    assert!(
        body.contains("start with the lesson on Monday"),
        "the comment"
    );
    let (guardian, _) = signed_in(&app, &school.guardian).await;
    let (_, child) = page(&guardian, &format!("{}/family/{ana}", app.base)).await;
    let agreed = child
        .split("id=\"agreed-goals\"")
        .nth(1)
        .unwrap_or_default();
    assert!(
        agreed.contains("Catch up"),
        "the guardian sees the agreed goal"
    );

    // Adjusted: a new date.
    let (status, _) = post(
        &teacher,
        &review,
        &[
            ("_csrf", &t_csrf),
            ("course_id", &course),
            ("decision", "adjust"),
            ("due", &day(&app, 20)),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let adjusted = app.store.open_goals(&ana, &school.course_id).await.unwrap();
    let adjusted = adjusted.iter().find(|g| g.id == proposed.id).unwrap();
    assert!(
        adjusted.target_at > proposed.target_at + 9 * 86_400_000,
        "the target moved ten days later"
    );

    // Declined: the goal closes and the student reads why; a proposal from a guardian's
    // page does not exist, so the guardian never sees it.
    post(
        &student,
        &format!("{course_page}/goals"),
        &[
            ("_csrf", &s_csrf),
            ("target", &target),
            ("title", "Everything by Friday"),
            ("due", &day(&app, 2)),
        ],
    )
    .await;
    let rushed = app
        .store
        .open_goals(&ana, &school.course_id)
        .await
        .unwrap()
        .into_iter()
        .find(|g| g.title == "Everything by Friday")
        .unwrap();
    let (status, _) = post(
        &teacher,
        &format!("{}/students/{ana}/goals/{}/review", app.base, rushed.id),
        &[
            ("_csrf", &t_csrf),
            ("course_id", &course),
            ("decision", "decline"),
            ("comment", "Too much at once: pick one skill."),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert!(
        !app.store
            .open_goals(&ana, &school.course_id)
            .await
            .unwrap()
            .iter()
            .any(|g| g.id == rushed.id),
        "a declined goal is closed"
    );
    let (_, body) = page(&student, &course_page).await;
    let declined = body
        .split("id=\"declined-goals\"")
        .nth(1)
        .unwrap_or_default();
    assert!(
        declined.contains("Everything by Friday") && declined.contains("Too much at once"),
        "the student reads why"
    );
    let (_, child) = page(&guardian, &format!("{}/family/{ana}", app.base)).await;
    assert!(
        !child.contains("Everything by Friday"),
        "the guardian sees agreed goals only"
    );

    // Notices: the student has one per decision; the guardian only of agreed goals.
    let (_, notices) = page(&student, &format!("{}/notices", app.base)).await;
    assert!(
        notices.contains("Ms. Rivera agreed to the goal Catch up"),
        "{notices}"
    );
    assert!(notices.contains("Ms. Rivera declined the goal Everything by Friday"));
    let (_, family_notices) = page(&guardian, &format!("{}/notices", app.base)).await;
    assert!(family_notices.contains("Ms. Rivera agreed to the goal Catch up"));
    assert!(
        !family_notices.contains("Everything by Friday"),
        "declined goals stay between student and teacher"
    );
    assert_eq!(
        app.store.unread_notices(&ana).await.unwrap(),
        unread_before + 3
    );
    let token = crate::support::login_api(&app, &school.students[0]).await;
    let listed: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/api/v1/me/notices", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = listed
        .as_array()
        .expect("a JSON array")
        .iter()
        .filter_map(|n| n["kind"].as_str())
        .collect();
    // This test's three, newest first, above what the demo left.
    assert_eq!(
        kinds[..3],
        ["goal_declined", "goal_adjusted", "goal_agreed"],
        "newest first"
    );
    post(
        &student,
        &format!("{}/notices/read", app.base),
        &[("_csrf", &s_csrf)],
    )
    .await;
    assert_eq!(
        app.store.unread_notices(&ana).await.unwrap(),
        0,
        "marked read"
    );

    // Each decision is on the student's access log.
    let (_, log) = page(&student, &format!("{}/me/access-log", app.base)).await;
    for action in [
        "agreed to a goal",
        "agreed to a goal with a new date",
        "declined a goal",
    ] {
        assert!(log.contains(action), "the access log says {action}");
    }
}

async fn a_raised_hand_ranks_first_for_the_teacher_until_answered(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    let school = &app.school;
    let course = school.course_id.to_string();
    let ana = user_id(&app, &school.students[0]).await;
    let ben = user_id(&app, &school.students[1]).await;
    let skills = app
        .store
        .current_course(&school.course_id)
        .await
        .unwrap()
        .unwrap()
        .course
        .skills
        .clone();
    let (student, s_csrf) = signed_in(&app, &school.students[0]).await;
    let course_page = format!("{}/learn/{course}", app.base);
    let raise = format!("{course_page}/hand");

    // An unknown skill is refused; a real one raises the hand.
    post(
        &student,
        &raise,
        &[("_csrf", &s_csrf), ("skill", "no-such-skill")],
    )
    .await;
    assert!(
        app.store.open_hand(&ana).await.unwrap().is_none(),
        "nothing stored"
    );
    let (status, _) = post(
        &student,
        &raise,
        &[("_csrf", &s_csrf), ("skill", &skills[0].id)],
    )
    .await;
    assert_eq!(status, 303);
    let (_, body) = page(&student, &course_page).await;
    assert!(
        body.contains("id=\"hand-status\""),
        "the page says the hand is up"
    );
    // One open hand at a time.
    post(
        &student,
        &raise,
        &[("_csrf", &s_csrf), ("skill", &skills[1].id)],
    )
    .await;
    let (_, body) = page(&student, &course_page).await;
    assert!(
        body.contains("already up"),
        "a second hand is refused with a reason"
    );
    let hand = app
        .store
        .open_hand(&ana)
        .await
        .unwrap()
        .expect("one open hand");
    assert_eq!(
        hand.skill_id.as_ref().map(|s| s.as_str()),
        Some(skills[0].id.as_str())
    );

    // The teacher's home lists both raised hands first, the longer wait (Ben's, from the
    // demo) before Ana's, each with its reason.
    let (teacher, t_csrf) = signed_in(&app, &school.teacher).await;
    let (_, home) = page(&teacher, &format!("{}/classes", app.base)).await;
    let list = home
        .split("id=\"needs-list\"")
        .nth(1)
        .expect("a needs list");
    let at = |id: &ownpace_core::ids::UserId| {
        list.find(&format!("data-student=\"{id}\""))
            .unwrap_or_else(|| panic!("{id} is on the list"))
    };
    assert!(at(&ben) < at(&ana), "the longer wait first");
    let first_items: Vec<&str> = list.split("class=\"need\"").skip(1).take(2).collect();
    assert!(
        first_items
            .iter()
            .all(|i| i.contains("raised a hand about")),
        "both hands come before any other reason: {first_items:?}"
    );
    assert!(list.contains(&format!("raised a hand about {}", skills[0].name)));

    // The other class's teacher does not see Ana, and cannot close her hand through
    // their own class.
    let (other, o_csrf) = signed_in(&app, &school.other_teacher).await;
    let (_, other_home) = page(&other, &format!("{}/classes", app.base)).await;
    assert!(!other_home.contains(&format!("data-student=\"{ana}\"")));
    post(
        &other,
        &format!(
            "{}/classes/{}/hands/{}/close",
            app.base, school.other_class_id, hand.id
        ),
        &[("_csrf", &o_csrf), ("reply", "hi")],
    )
    .await;
    assert!(
        app.store.open_hand(&ana).await.unwrap().is_some(),
        "still open"
    );

    // The teacher answers; the hand goes down and the student reads the reply.
    let (status, location) = post(
        &teacher,
        &format!(
            "{}/classes/{}/hands/{}/close",
            app.base, school.class_id, hand.id
        ),
        &[
            ("_csrf", &t_csrf),
            ("reply", "Come to my desk after the bell."),
        ],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, "/classes#needs"));
    assert!(app.store.open_hand(&ana).await.unwrap().is_none());
    let (_, home) = page(&teacher, &format!("{}/classes", app.base)).await;
    assert!(home.contains("Answered Ana"), "a confirmation");
    let list = home.split("id=\"needs-list\"").nth(1).unwrap_or_default();
    assert!(
        !list.contains(&format!("raised a hand about {}", skills[0].name)),
        "Ana's hand is off the list"
    );
    let (_, body) = page(&student, &course_page).await;
    let replies = body.split("id=\"hand-replies\"").nth(1).unwrap_or_default();
    assert!(
        replies.contains("Come to my desk after the bell."),
        "the student reads the reply"
    );

    // The student can raise a hand again, and lower it themself.
    post(&student, &raise, &[("_csrf", &s_csrf), ("skill", "")]).await;
    assert!(app.store.open_hand(&ana).await.unwrap().is_some());
    post(&student, &format!("{raise}/lower"), &[("_csrf", &s_csrf)]).await;
    assert!(
        app.store.open_hand(&ana).await.unwrap().is_none(),
        "lowered"
    );
}
