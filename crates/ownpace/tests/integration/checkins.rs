//! Check-ins (issue 9, point 2), on both engines: a class's rhythm decides who is due (the
//! test clock moves it), the student prepares with their data beside them, the teacher
//! holds the check-in (notes shared with the family or not, actions made into a goal or a
//! pin in one click), the guardian sees only shared notes, notices go out, text limits
//! answer clear errors, nobody else sees a thing, and erasure removes every row.

use crate::support::{TestApp, client, login_api, spawn_app, user_id};
use crate::support::{get_page as page, post_form as post, signed_in};
use ownpace_storage::{ActionKind, Backend, ErasedVia, GoalAgreement, OverrideAction};
use serde_json::Value;

on_both_engines!(
    rhythm_preparation_holding_actions_and_what_each_person_sees,
    nobody_else_sees_a_check_in_and_erasure_removes_them,
);

async fn api(app: &TestApp, username: &str, path: &str) -> (u16, Value) {
    let token = login_api(app, username).await;
    let response = client()
        .get(format!("{}{path}", app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// `YYYY-MM-DD` of the server's clock plus `days`.
fn day(app: &TestApp, days: i64) -> String {
    let offset = app.clock_offset.load(std::sync::atomic::Ordering::SeqCst);
    let ms = ownpace_web::now_ms() + offset + days * 86_400_000;
    let (y, m, d) = ownpace_core::recommend::dates::civil(ms);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The class API's row for a student.
fn row<'a>(rows: &'a Value, student: &ownpace_core::ids::UserId) -> &'a Value {
    rows.as_array()
        .expect("a JSON array")
        .iter()
        .find(|r| r["student_id"] == student.as_str())
        .unwrap_or_else(|| panic!("{student} is listed"))
}

async fn rhythm_preparation_holding_actions_and_what_each_person_sees(backend: Backend) {
    let app = spawn_app(backend, 3).await;
    let school = &app.school;
    let class = school.class_id.to_string();
    let ana = user_id(&app, &school.students[0]).await;
    let ben = user_id(&app, &school.students[1]).await;
    let chloe = user_id(&app, &school.students[2]).await;
    let class_api = format!("/api/v1/classes/{class}/checkins");

    // The demo's weekly rhythm: Ana met her teacher 4 days ago, Ben 10, Chloé 3.
    let (status, rows) = api(&app, &school.teacher, &class_api).await;
    assert_eq!(status, 200);
    assert_eq!(row(&rows, &ana)["due"], false);
    assert_eq!(row(&rows, &ben)["due"], true, "10 days > a week");
    assert_eq!(row(&rows, &chloe)["due"], false);
    assert_eq!(row(&rows, &ana)["rhythm_days"], 7);
    assert_eq!(rows[0]["student_id"], ben.as_str(), "due first");
    let (teacher, t_csrf) = signed_in(&app, &school.teacher).await;
    let list_page = format!("{}/classes/{class}/checkins", app.base);
    let (status, body) = page(&teacher, &list_page).await;
    assert_eq!(status, 200);
    assert!(body.contains("every week"));
    assert!(body.contains(&format!("data-student=\"{ben}\" class=\"due\"")));
    assert!(body.contains(&format!("data-student=\"{ana}\" class=\"not-due\"")));

    // A rhythm of 3 days makes Ana due too; a rhythm that is not a number is refused with
    // a clear message and changes nothing.
    let rhythm = format!("{list_page}/rhythm");
    let (status, _) = post(
        &teacher,
        &rhythm,
        &[("_csrf", &t_csrf), ("every_days", "3")],
    )
    .await;
    assert_eq!(status, 303);
    let (_, rows) = api(&app, &school.teacher, &class_api).await;
    assert_eq!(row(&rows, &ana)["due"], true);
    let (status, _) = post(
        &teacher,
        &rhythm,
        &[("_csrf", &t_csrf), ("every_days", "400")],
    )
    .await;
    assert_eq!(status, 303);
    let (_, body) = page(&teacher, &list_page).await;
    assert!(
        body.contains("every-days-error") && body.contains("1 to 92 days"),
        "{body}"
    );
    assert_eq!(
        app.store
            .checkin_rhythm(&school.class_id)
            .await
            .unwrap()
            .unwrap()
            .every_days,
        3
    );
    post(
        &teacher,
        &rhythm,
        &[("_csrf", &t_csrf), ("every_days", "7")],
    )
    .await;

    // Four days on, Ana's weekly check-in is due: on the list and on "who needs you today".
    app.advance_days(4);
    let (_, rows) = api(&app, &school.teacher, &class_api).await;
    assert_eq!(row(&rows, &ana)["due"], true);
    assert_eq!(row(&rows, &chloe)["due"], true);
    let (teacher, t_csrf) = signed_in(&app, &school.teacher).await;
    let (_, home) = page(&teacher, &format!("{}/classes", app.base)).await;
    let list = home
        .split("id=\"needs-list\"")
        .nth(1)
        .expect("a needs list");
    let ana_item = list
        .split("class=\"need\"")
        .find(|i| i.contains(&format!("data-student=\"{ana}\"")))
        .expect("Ana is on the list");
    assert!(ana_item.contains("check-in due since"), "{ana_item}");

    // The student prepares, with their data beside the prompts. Too long: a clear error,
    // nothing saved.
    let (student, s_csrf) = signed_in(&app, &school.students[0]).await;
    let own = format!("{}/checkins/{class}", app.base);
    let (status, body) = page(&student, &own).await;
    assert_eq!(status, 200);
    for part in [
        "Pace against goals",
        "Skills stuck",
        "Reviews due",
        "Time on screen this week",
    ] {
        assert!(body.contains(part), "{part} beside the prompts");
    }
    assert!(body.contains("due now"));
    let before = app
        .store
        .checkin_prep(&ana, &school.class_id)
        .await
        .unwrap();
    let long = "x".repeat(1_001);
    let (status, location) = post(
        &student,
        &format!("{own}/prep"),
        &[
            ("_csrf", &s_csrf),
            ("went_well", &long),
            ("was_hard", ""),
            ("next_step", ""),
        ],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, format!("/checkins/{class}#prepare").as_str())
    );
    let (_, body) = page(&student, &own).await;
    assert!(body.contains("went-well-error") && body.contains("at most 1000 characters"));
    assert_eq!(
        app.store
            .checkin_prep(&ana, &school.class_id)
            .await
            .unwrap(),
        before
    );
    post(
        &student,
        &format!("{own}/prep"),
        &[
            ("_csrf", &s_csrf),
            ("went_well", "Finished <b>ratios</b>"),
            ("was_hard", "Unit rates"),
            ("next_step", "A project"),
        ],
    )
    .await;
    let prep = app
        .store
        .checkin_prep(&ana, &school.class_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(prep.went_well, "Finished <b>ratios</b>");

    // The teacher's agenda: the same data and the answers, escaped.
    let agenda = format!("{list_page}/{ana}");
    let (status, body) = page(&teacher, &agenda).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("Finished &#60;b&#62;ratios") && !body.contains("<b>ratios"),
        "{}",
        body.split("agenda-answers").nth(1).unwrap_or(&body)
    );
    assert!(body.contains("Time on screen this week") && body.contains("Unit rates"));

    // Errors: a note over the limit, a goal without a skill; nothing is stored.
    let held_before = app
        .store
        .checkins_of_student(&ana, None, 100)
        .await
        .unwrap()
        .len();
    let long_note = "n".repeat(2_001);
    let (status, _) = post(
        &teacher,
        &agenda,
        &[("_csrf", &t_csrf), ("note1", &long_note)],
    )
    .await;
    assert_eq!(status, 303);
    let (_, body) = page(&teacher, &agenda).await;
    assert!(
        body.contains("notes-error") && body.contains("at most 2000 characters"),
        "{body}"
    );
    post(
        &teacher,
        &agenda,
        &[
            ("_csrf", &t_csrf),
            ("action1", "Learn it"),
            ("kind1", "goal"),
            ("skill1", ""),
            ("due1", &day(&app, 7)),
        ],
    )
    .await;
    let (_, body) = page(&teacher, &agenda).await;
    assert!(body.contains("a goal needs a skill"), "{body}");
    assert_eq!(
        app.store
            .checkins_of_student(&ana, None, 100)
            .await
            .unwrap()
            .len(),
        held_before
    );

    // The check-in held: one shared note, one private, a goal, a pin and an assignment.
    let course = app
        .store
        .current_course(&school.course_id)
        .await
        .unwrap()
        .unwrap();
    let goal_skill = course.course.skills[4].id.clone();
    let pin_skill = course.course.skills[5].id.clone();
    let due = day(&app, 14);
    let (status, location) = post(
        &teacher,
        &agenda,
        &[
            ("_csrf", &t_csrf),
            ("note1", "Shared with the family: great week"),
            ("shared1", "1"),
            ("note2", "Private: talk about confidence"),
            ("action1", "Master unit rates"),
            ("kind1", "goal"),
            ("skill1", &goal_skill),
            ("due1", &due),
            ("action2", "Practise this first"),
            ("kind2", "pin"),
            ("skill2", &pin_skill),
            ("action3", "Worksheet on rates"),
            ("kind3", "assignment"),
            ("skill3", &pin_skill),
            ("due3", &due),
        ],
    )
    .await;
    assert_eq!(
        (status, location),
        (303, format!("/classes/{class}/checkins/{ana}#hold"))
    );
    let held = app
        .store
        .checkins_of_student(&ana, None, 100)
        .await
        .unwrap();
    assert_eq!(held.len(), held_before + 1);
    let newest = &held[0];
    assert!(
        held.windows(2).all(|w| w[0].held_at >= w[1].held_at),
        "newest first"
    );
    assert_eq!(
        newest.prep.went_well, "Finished <b>ratios</b>",
        "the answers are kept with it"
    );
    assert_eq!(newest.notes.len(), 2);
    assert_eq!(newest.notes.iter().filter(|n| n.shared).count(), 1);
    let kinds: Vec<ActionKind> = newest.actions.iter().map(|a| a.kind).collect();
    assert_eq!(
        kinds,
        [ActionKind::Goal, ActionKind::Pin, ActionKind::Assignment]
    );
    assert!(
        app.store
            .checkin_prep(&ana, &school.class_id)
            .await
            .unwrap()
            .is_none(),
        "the next check-in starts with empty answers"
    );
    let (_, rows) = api(&app, &school.teacher, &class_api).await;
    assert_eq!(row(&rows, &ana)["due"], false, "no longer due");

    // Notices: the student and the guardian.
    let guardian = user_id(&app, &school.guardian).await;
    for who in [&ana, &guardian] {
        let notices = app.store.notices_for(who, 10).await.unwrap();
        assert!(
            notices
                .iter()
                .any(|n| n.kind == "checkin_note" && n.student_id == ana),
            "{who} told"
        );
    }

    // One click: the goal (agreed, set by the teacher), then a second click changes nothing.
    let action = |i: usize| format!("{agenda}/actions/{}", newest.actions[i].id);
    let goals_before = app
        .store
        .open_goals(&ana, &school.course_id)
        .await
        .unwrap()
        .len();
    let (status, _) = post(&teacher, &action(0), &[("_csrf", &t_csrf)]).await;
    assert_eq!(status, 303);
    let goals = app.store.open_goals(&ana, &school.course_id).await.unwrap();
    assert_eq!(goals.len(), goals_before + 1);
    let goal = goals
        .iter()
        .find(|g| g.title == "Master unit rates")
        .expect("the goal");
    assert_eq!(goal.agreement, GoalAgreement::Agreed);
    assert_eq!(goal.skills, std::slice::from_ref(&goal_skill));
    post(&teacher, &action(0), &[("_csrf", &t_csrf)]).await;
    assert_eq!(
        app.store
            .open_goals(&ana, &school.course_id)
            .await
            .unwrap()
            .len(),
        goals_before + 1
    );
    // The pin.
    post(&teacher, &action(1), &[("_csrf", &t_csrf)]).await;
    let pins = app
        .store
        .overrides_for_student(&ana, &school.course_id)
        .await
        .unwrap();
    assert!(pins.iter().any(|o| o.action == OverrideAction::Pin
        && o.activity == format!("skill:{pin_skill}")
        && o.student_id.as_ref() == Some(&ana)));
    // The assignment: for ana alone, due on the action's day, in her list.
    post(&teacher, &action(2), &[("_csrf", &t_csrf)]).await;
    let actions = &app.store.checkins_of_student(&ana, None, 1).await.unwrap()[0].actions;
    assert!(actions.iter().all(|a| a.made_at.is_some()));
    assert_eq!(actions[0].made_id.as_deref(), Some(goal.id.as_str()));
    let assigned: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/api/v1/me/assignments", app.base))
        .bearer_auth(crate::support::login_api(&app, &school.students[0]).await)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let made = assigned
        .as_array()
        .unwrap()
        .iter()
        .find(|a| Some(a["id"].as_str().unwrap_or("")) == actions[2].made_id.as_deref())
        .unwrap_or_else(|| panic!("the action's assignment in {assigned}"));
    assert_eq!(made["target"], pin_skill.as_str());
    assert_eq!(made["kind"], "skill");

    // The student sees the whole check-in; the guardian only the shared note.
    let (_, body) = page(&student, &own).await;
    assert!(
        body.contains("Shared with the family: great week")
            && body.contains("Private: talk about confidence")
    );
    let (status, mine) = api(&app, &school.students[0], "/api/v1/me/checkins").await;
    assert_eq!(status, 200);
    let mine = mine.as_array().expect("a JSON array");
    assert_eq!(mine.len(), held_before + 1);
    assert_eq!(mine[0]["notes"].as_array().unwrap().len(), 2);
    assert_eq!(mine[0]["actions"][0]["kind"], "goal");
    assert!(
        mine.windows(2)
            .all(|w| w[0]["held_at"].as_i64() >= w[1]["held_at"].as_i64())
    );
    let (family, _) = signed_in(&app, &school.guardian).await;
    let (_, body) = page(&family, &format!("{}/family/{ana}", app.base)).await;
    assert!(body.contains("Shared with the family: great week"));
    assert!(!body.contains("Private: talk about confidence") && !body.contains("Finished &#60;b"));
    let (status, theirs) = api(&app, &school.guardian, "/api/v1/me/checkins").await;
    assert_eq!(status, 200);
    let theirs = theirs.as_array().expect("a JSON array");
    assert!(!theirs.is_empty());
    let text = serde_json::to_string(theirs).unwrap();
    assert!(
        text.contains("great week") && !text.contains("Private: talk") && !text.contains("ratios")
    );
    assert!(theirs.iter().all(|c| {
        c["notes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["shared"] == true)
    }));
    assert!(
        theirs
            .iter()
            .all(|c| c["actions"].as_array().unwrap().is_empty())
    );
}

async fn nobody_else_sees_a_check_in_and_erasure_removes_them(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    let school = &app.school;
    let ana = user_id(&app, &school.students[0]).await;
    let other_student = user_id(&app, &school.other_students[0]).await;
    let class = school.class_id.to_string();
    let other_class = school.other_class_id.to_string();
    let held = app
        .store
        .checkins_of_student(&ana, None, 100)
        .await
        .unwrap();
    assert!(
        held.iter().any(|c| c.has_shared_note()),
        "the demo's shared note"
    );
    let count = held.len();

    // The other class's teacher: not through Ana's class, not through their own.
    let (other, o_csrf) = signed_in(&app, &school.other_teacher).await;
    for url in [
        format!("{}/classes/{class}/checkins/{ana}", app.base),
        format!("{}/classes/{other_class}/checkins/{ana}", app.base),
        format!("{}/classes/{class}/checkins", app.base),
    ] {
        assert_eq!(page(&other, &url).await.0, 404, "{url}");
    }
    let (status, _) = post(
        &other,
        &format!("{}/classes/{other_class}/checkins/{ana}", app.base),
        &[("_csrf", &o_csrf), ("note1", "sneaky")],
    )
    .await;
    assert_eq!(status, 404);
    let action = &held.iter().find(|c| !c.actions.is_empty()).unwrap().actions[0];
    let (status, _) = post(
        &other,
        &format!(
            "{}/classes/{other_class}/checkins/{other_student}/actions/{}",
            app.base, action.id
        ),
        &[("_csrf", &o_csrf)],
    )
    .await;
    assert_eq!(
        status, 303,
        "an action of another class's student is not found there"
    );
    assert_eq!(
        app.store
            .checkins_of_student(&ana, None, 100)
            .await
            .unwrap()
            .len(),
        count
    );
    assert!(
        app.store
            .checkins_of_student(&ana, None, 100)
            .await
            .unwrap()
            .iter()
            .all(|c| c.actions.iter().all(|a| a.made_at.is_none()))
    );
    let (status, _) = api(
        &app,
        &school.other_teacher,
        &format!("/api/v1/classes/{class}/checkins"),
    )
    .await;
    assert_eq!(status, 404);

    // Ana's teacher cannot open another class's student through their class.
    let (teacher, _) = signed_in(&app, &school.teacher).await;
    assert_eq!(
        page(
            &teacher,
            &format!("{}/classes/{class}/checkins/{other_student}", app.base)
        )
        .await
        .0,
        404
    );

    // Another student cannot open Ana's class's check-ins; the API gives each their own.
    let (stranger, _) = signed_in(&app, &school.other_students[0]).await;
    assert_eq!(
        page(&stranger, &format!("{}/checkins/{class}", app.base))
            .await
            .0,
        404
    );
    let (_, theirs) = api(&app, &school.other_students[0], "/api/v1/me/checkins").await;
    assert!(
        theirs
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["student_id"] == other_student.as_str())
    );
    // Another family's guardian sees none of Ana's.
    let (_, theirs) = api(&app, "guardian2", "/api/v1/me/checkins").await;
    assert!(
        theirs
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["student_id"] != ana.as_str())
    );
    let (status, _) = api(&app, &school.teacher, "/api/v1/me/checkins").await;
    assert_eq!(status, 403, "teachers read check-ins per class");

    // Erasure removes every check-in row of Ana's, the prepared answers too.
    assert!(
        app.store
            .checkin_prep(&ana, &school.class_id)
            .await
            .unwrap()
            .is_some()
    );
    app.store
        .erase_student(
            &ana,
            "test",
            None,
            ErasedVia::CommandLine,
            ownpace_web::now_ms(),
        )
        .await
        .unwrap();
    assert!(
        app.store
            .checkins_of_student(&ana, None, 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        app.store
            .checkin_prep(&ana, &school.class_id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        !app.store
            .last_checkins_in_class(&school.class_id)
            .await
            .unwrap()
            .contains_key(&ana)
    );
}
