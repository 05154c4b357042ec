//! The standards-based gradebook (issue 9 point 5), on both engines: levels follow the
//! answers (3 once mastered, 4 after a correct return a week later), a teacher's override
//! needs a note, stands until cleared and survives `rebuild`, the CSV keeps formulas
//! inert, and only the student, their teachers and their guardians see the grades.

use crate::support::{
    TestApp, get_page, login_api, post_form, right_answer, signed_in, spawn_app, user_id,
};
use ownpace_storage::{Backend, NewUser, Role};
use serde_json::Value;

on_both_engines!(
    levels_follow_the_answers_and_an_override_stands_until_cleared,
    the_gradebook_is_for_the_class_teacher_and_its_csv_keeps_formulas_inert,
);

/// The signed-in student's grade on `skill` from `GET /api/v1/me/grades`.
async fn my_grade(app: &TestApp, token: &str, skill: &str) -> Value {
    let grades: Value = reqwest::Client::new()
        .get(format!("{}/api/v1/me/grades", app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let all = grades.as_array().expect("a JSON array");
    all.iter()
        .find(|g| g["skill_id"] == skill)
        .cloned()
        .unwrap_or_else(|| panic!("{skill} in {grades}"))
}

/// Answers the next item on `skill` right, through the API.
async fn answer_right(app: &TestApp, token: &str, skill: &str, key: &str) {
    let api = reqwest::Client::new();
    let base = format!("{}/api/v1/courses/{}", app.base, app.school.course_id);
    let next: Value = api
        .get(format!("{base}/skills/{skill}/next-item"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let course = app
        .store
        .current_course(&app.school.course_id)
        .await
        .unwrap()
        .unwrap();
    let item = course
        .course
        .item(
            next["item_id"]
                .as_str()
                .unwrap_or_else(|| panic!("an item: {next}")),
        )
        .expect("the item exists")
        .clone();
    let response = crate::support::as_json(&right_answer(&item));
    let answered = api
        .post(format!("{base}/answers"))
        .bearer_auth(token)
        .json(
            &serde_json::json!({"item_id": item.id, "response": response, "idempotency_key": key}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(answered.status(), 200, "{}", answered.text().await.unwrap());
}

async fn levels_follow_the_answers_and_an_override_stands_until_cleared(backend: Backend) {
    let app = spawn_app(backend, 3).await;
    let school = &app.school;
    let ana_name = &school.students[0];
    let ana = user_id(&app, ana_name).await;
    let token = login_api(&app, ana_name).await;
    let course = app
        .store
        .current_course(&school.course_id)
        .await
        .unwrap()
        .unwrap();

    // A skill ana has not mastered yet (its level is below "meets") and may practise (each
    // prerequisite meets or exceeds).
    let mut skill = None;
    for s in &course.course.skills {
        let g = my_grade(&app, &token, &s.id).await;
        let mut ready = true;
        for p in &s.prerequisites {
            ready &= my_grade(&app, &token, p).await["level"]
                .as_u64()
                .is_some_and(|l| l >= 3);
        }
        if ready && g["level"].as_u64().is_none_or(|l| l < 3) {
            skill = Some(s.id.clone());
            break;
        }
    }
    let skill = skill.expect("the demo leaves some skill below meets");

    // Right answers raise it to 3 · meets once mastered.
    let mut n = 0;
    while my_grade(&app, &token, &skill).await["level"] != 3 {
        n += 1;
        assert!(n <= 20, "mastered within 20 right answers");
        answer_right(&app, &token, &skill, &format!("grade-{n}")).await;
    }
    let grade = my_grade(&app, &token, &skill).await;
    assert_eq!(grade["level_word"], "meets");
    assert!(grade["evidence"]["correct"].as_u64().unwrap() >= 1);
    assert_eq!(grade["derived_level"], 3);

    // A correct return eight days later: 4 · exceeds.
    app.advance_days(8);
    let token = login_api(&app, ana_name).await;
    answer_right(&app, &token, &skill, "grade-return").await;
    let grade = my_grade(&app, &token, &skill).await;
    assert_eq!(grade["level"], 4, "{grade}");
    assert!(grade["evidence"]["last_at"].as_i64() > grade["evidence"]["first_at"].as_i64());

    // The teacher's override needs a note; without one nothing is stored.
    let (teacher, t_csrf) = signed_in(&app, &school.teacher).await;
    let card = format!("{}/students/{ana}/grades", app.base);
    let course_id = school.course_id.to_string();
    let (status, location) = post_form(
        &teacher,
        &format!("{card}/override"),
        &[
            ("_csrf", &t_csrf),
            ("course", &course_id),
            ("skill", &skill),
            ("level", "2"),
            ("note", "  "),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert!(location.starts_with(&format!("/students/{ana}/grades")));
    let (_, body) = get_page(&teacher, &card).await;
    assert!(body.contains("Not done:"), "the form says why");
    assert_eq!(my_grade(&app, &token, &skill).await["overridden"], false);
    // A level out of range is refused too.
    post_form(
        &teacher,
        &format!("{card}/override"),
        &[
            ("_csrf", &t_csrf),
            ("course", &course_id),
            ("skill", &skill),
            ("level", "7"),
            ("note", "x"),
        ],
    )
    .await;
    assert_eq!(my_grade(&app, &token, &skill).await["overridden"], false);

    post_form(
        &teacher,
        &format!("{card}/override"),
        &[
            ("_csrf", &t_csrf),
            ("course", &course_id),
            ("skill", &skill),
            ("level", "2"),
            ("note", "Seen in class: still <mixes> up the steps"),
        ],
    )
    .await;
    let grade = my_grade(&app, &token, &skill).await;
    assert_eq!(
        (
            &grade["level"],
            &grade["derived_level"],
            &grade["overridden"]
        ),
        (&Value::from(2), &Value::from(4), &Value::from(true))
    );
    assert_eq!(grade["note"], "Seen in class: still <mixes> up the steps");
    // The report card shows the note, escaped, and the evidence's own level beside it.
    let (_, body) = get_page(&teacher, &card).await;
    assert!(
        body.contains("still &lt;mixes&gt; up") || body.contains("still &#60;mixes&#62; up"),
        "escaped note"
    );
    assert!(!body.contains("<mixes>"));
    assert!(body.contains("the evidence alone gives 4 · exceeds"));

    // The override is an event: a replay of the log gives the same grades.
    app.store
        .rebuild_mastery(|_| Default::default())
        .await
        .unwrap();
    assert_eq!(my_grade(&app, &token, &skill).await, grade);

    // The guardian sees the same level and note; the other teacher sees nothing.
    let (guardian, _) = signed_in(&app, &school.guardian).await;
    let (status, body) = get_page(&guardian, &format!("{}/family/{ana}/grades", app.base)).await;
    assert_eq!(status, 200);
    assert!(body.contains("Seen in class"));
    let (other, _) = signed_in(&app, &school.other_teacher).await;
    assert_eq!(get_page(&other, &card).await.0, 404);
    let stranger = user_id(&app, &school.other_students[0]).await;
    assert_eq!(
        get_page(&guardian, &format!("{}/family/{stranger}/grades", app.base))
            .await
            .0,
        404
    );

    // Cleared: the level follows the evidence again.
    post_form(
        &teacher,
        &format!("{card}/override"),
        &[
            ("_csrf", &t_csrf),
            ("course", &course_id),
            ("skill", &skill),
            ("level", "clear"),
            ("note", ""),
        ],
    )
    .await;
    let grade = my_grade(&app, &token, &skill).await;
    assert_eq!(
        (&grade["level"], &grade["overridden"]),
        (&Value::from(4), &Value::from(false))
    );
    // ana's own report card page.
    let (student, _) = signed_in(&app, ana_name).await;
    let (status, body) = get_page(&student, &format!("{}/grades", app.base)).await;
    assert_eq!(status, 200);
    assert!(body.contains(&format!("id=\"grade-{skill}\"")));
}

async fn the_gradebook_is_for_the_class_teacher_and_its_csv_keeps_formulas_inert(backend: Backend) {
    let app = spawn_app(backend, 3).await;
    let school = &app.school;
    let sly = app
        .store
        .create_user(NewUser {
            username: "sly",
            display_name: "=HYPERLINK(\"http://evil.example\",\"x\")",
            role: Role::Student,
            password_hash: "x",
            created_at: 0,
        })
        .await
        .unwrap();
    app.store
        .add_to_class(&school.class_id, &sly.id, 0)
        .await
        .unwrap();

    let (teacher, _) = signed_in(&app, &school.teacher).await;
    let book = format!("{}/classes/{}/grades", app.base, school.class_id);
    let (status, body) = get_page(&teacher, &book).await;
    assert_eq!(status, 200);
    for name in &school.students {
        assert!(
            body.contains(&format!("data-student=\"{name}\"")),
            "{name} in the gradebook"
        );
    }
    let csv = teacher.get(format!("{book}.csv")).send().await.unwrap();
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let text = csv.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), school.students.len() + 1);
    let sly_row = rows.iter().find(|r| &r[1] == "sly").expect("sly's row");
    assert!(sly_row[0].starts_with("'="), "escaped: {:?}", &sly_row[0]);
    // Every level cell is empty or 1 to 4, and the levels agree with the API.
    let api: Value = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/classes/{}/grades",
            app.base, school.class_id
        ))
        .bearer_auth(login_api(&app, &school.teacher).await)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let students = api.as_array().expect("a JSON array");
    assert_eq!(students.len(), rows.len());
    let first = &school.students[0];
    let ana = user_id(&app, first).await;
    let ana_api = students
        .iter()
        .find(|s| s["student_id"] == ana.as_str())
        .unwrap();
    let ana_csv = rows.iter().find(|r| &r[1] == first.as_str()).unwrap();
    for (i, g) in ana_api["grades"].as_array().unwrap().iter().enumerate() {
        let cell = &ana_csv[2 + i];
        match g["level"].as_u64() {
            Some(l) => assert_eq!(cell, l.to_string()),
            None => assert_eq!(cell, ""),
        }
    }
    assert!(
        ana_api["grades"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["level"].is_u64()),
        "the demo gives ana grades"
    );
    // The class-wide read gives each student the same grades and evidence as their own.
    let own: Value = reqwest::Client::new()
        .get(format!("{}/api/v1/me/grades", app.base))
        .bearer_auth(login_api(&app, first).await)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ana_api["grades"], own);

    // Another teacher, a student and a guardian cannot open the class's gradebook.
    for who in [&school.other_teacher, &school.students[1], &school.guardian] {
        let (http, _) = signed_in(&app, who).await;
        let status = get_page(&http, &book).await.0;
        assert!(status == 404 || status == 403, "{who}: {status}");
        let status = get_page(&http, &format!("{book}.csv")).await.0;
        assert!(status == 404 || status == 403, "{who}: {status}");
    }
}
