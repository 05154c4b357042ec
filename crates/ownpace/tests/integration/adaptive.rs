//! The adaptive path end to end, through the pages, on SQLite and PostgreSQL: a new
//! student takes the placement check, gets three options with reasons, chooses one,
//! practises it to mastery, and weeks later (the server's clock moved forward) sees a
//! review come due; the teacher pins an activity, which then comes first.

use crate::support::{TestApp, as_field, client, csrf_in, login_page, right_answer, spawn_app};
use ownpace_core::course::Course;
use ownpace_storage::{Backend, NewUser, Role};

on_both_engines!(a_new_student_is_placed_guided_reviewed_and_steered);

/// The value of `<input … name="NAME" value="…">` in a page.
fn field(page: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let at = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no field {name} in:\n{page}"))
        + marker.len();
    page[at..].split('"').next().unwrap().to_string()
}

/// The options on the student home: (kind, title, reason), in order.
fn options(page: &str) -> Vec<(String, String, String)> {
    let Some(list) = page.split(r#"id="next-steps""#).nth(1) else {
        return Vec::new();
    };
    let list = list.split("</ol>").next().unwrap();
    list.split(r#"<li class="option">"#)
        .skip(1)
        .map(|li| {
            let text = |open: &str| {
                li.split(open)
                    .nth(1)
                    .unwrap()
                    .split('<')
                    .next()
                    .unwrap()
                    .to_string()
            };
            let title = li
                .split("<h3>")
                .nth(1)
                .unwrap()
                .split('>')
                .nth(1)
                .unwrap()
                .split('<')
                .next()
                .unwrap()
                .to_string();
            (
                text(r#"<p class="kind">"#),
                title,
                text(r#"<p class="why">"#),
            )
        })
        .collect()
}

async fn get(app: &TestApp, http: &reqwest::Client, path: &str) -> String {
    let response = http
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "GET {path}");
    response.text().await.unwrap()
}

async fn a_new_student_is_placed_guided_reviewed_and_steered(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    let school = &app.school;
    let course_id = &school.course_id;
    let course: Course = (*app
        .store
        .current_course(course_id)
        .await
        .unwrap()
        .unwrap()
        .course)
        .clone();
    let hash = ownpace_web::hash_password(ownpace::demo::DEMO_PASSWORD.to_string())
        .await
        .unwrap();
    let newbie = app
        .store
        .create_user(NewUser {
            username: "newbie",
            display_name: "Nova N.",
            role: Role::Student,
            password_hash: &hash,
            created_at: ownpace_web::now_ms(),
        })
        .await
        .unwrap();
    app.store
        .add_to_class(&school.class_id, &newbie.id, ownpace_web::now_ms())
        .await
        .unwrap();

    // Placement: Nova knows the first third of the course (in prerequisite order).
    let http = client();
    let csrf = login_page(&app, &http, "newbie").await;
    let home = get(&app, &http, &format!("/learn/{course_id}")).await;
    assert!(
        home.contains("Take the placement check"),
        "a new student is invited to the check"
    );
    let known: Vec<&str> = course.skills[..course.skills.len() / 3]
        .iter()
        .map(|s| s.id.as_str())
        .collect();
    let mut questions = 0;
    let summary = loop {
        let page = get(&app, &http, &format!("/learn/{course_id}/placement")).await;
        if page.contains(r#"id="placement-summary""#) {
            break page;
        }
        questions += 1;
        assert!(questions <= 12, "the check stops by the cap");
        let (skill, item_id) = (field(&page, "skill"), field(&page, "item"));
        let item = course.item(&item_id).expect("a course item");
        let response = if known.contains(&skill.as_str()) {
            as_field(&right_answer(item))
        } else {
            String::new()
        };
        let posted = http
            .post(format!("{}/learn/{course_id}/placement/answer", app.base))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("skill", &skill),
                ("item", &item_id),
                ("key", &field(&page, "key")),
                ("served", &field(&page, "served")),
                ("response", &response),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(posted.status(), 303);
    };
    assert!(questions >= 3, "asked only {questions} questions");
    assert!(summary.contains("You already know"), "{summary}");
    let placed = app
        .store
        .student_mastery(&newbie.id, course_id)
        .await
        .unwrap();
    let mastered: Vec<&str> = placed
        .iter()
        .filter(|m| m.progress.is_mastered())
        .map(|m| m.skill_id.as_str())
        .collect();
    assert!(
        mastered.contains(&course.skills[0].id.as_str()),
        "the first skill is placed as known: {mastered:?}"
    );
    assert!(
        !mastered.contains(&course.skills.last().unwrap().id.as_str()),
        "the last skill is not"
    );

    // Three options, each with its reason; the teacher sees the placement.
    let home = get(&app, &http, &format!("/learn/{course_id}")).await;
    assert!(!home.contains("Take the placement check"));
    let offered = options(&home);
    assert_eq!(offered.len(), 3, "{offered:?}");
    assert!(
        offered.iter().all(|(_, _, why)| why.len() > 5),
        "{offered:?}"
    );
    let (_, title, _) = offered
        .iter()
        .find(|(kind, _, _)| kind == "Practice")
        .expect("a practice option")
        .clone();
    let skill = course
        .skills
        .iter()
        .find(|s| s.name == title)
        .expect("the option names a skill")
        .id
        .clone();

    // Practise it to mastery.
    let mut answers = 0;
    loop {
        let page = get(&app, &http, &format!("/learn/{course_id}/skills/{skill}")).await;
        let action = page
            .split(r#"id="answer-form""#)
            .next()
            .unwrap()
            .rsplit(r#"action=""#)
            .next()
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let item = course.item(action.rsplit('/').nth(1).unwrap()).unwrap();
        let feedback = http
            .post(format!("{}{action}", app.base))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("skill", &skill),
                ("key", &field(&page, "key")),
                ("served", &field(&page, "served")),
                ("hints", "0"),
                ("response", &as_field(&right_answer(item))),
            ])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        answers += 1;
        assert!(feedback.contains("Correct!"));
        if feedback.contains("Mastered!") {
            break;
        }
        assert!(answers < 15, "mastery within 15 right answers");
    }

    // Two months later the skill is due for review.
    app.advance_days(60);
    let http = client();
    login_page(&app, &http, "newbie").await;
    let home = get(&app, &http, &format!("/learn/{course_id}")).await;
    let skill_name = &course.skill(&skill).unwrap().name;
    let offered = options(&home);
    assert!(
        offered.iter().any(|(kind, _, why)| kind == "Review"
            && why.starts_with("due for review")
            && why.contains("recall now about")),
        "reviews come first once recall has dropped: {offered:?}"
    );
    let map = get(&app, &http, &format!("/learn/{course_id}/map")).await;
    let spoken = format!(
        "{}: mastered, review due",
        ownpace_core::skillmap::escape(skill_name)
    );
    assert!(map.contains(&spoken), "the skill map marks `{spoken}`");

    // The teacher pins a lesson for Nova: it comes first, saying why.
    let teacher = client();
    let teacher_csrf = login_page(&app, &teacher, "teacher").await;
    let record = get(&app, &teacher, &format!("/students/{}", newbie.id)).await;
    assert!(
        record.contains("Placement check") && record.contains("questions"),
        "the teacher sees the placement"
    );
    let lesson = course.lessons.last().unwrap();
    let pinned = teacher
        .post(format!("{}/students/{}/overrides", app.base, newbie.id))
        .form(&[
            ("_csrf", teacher_csrf.as_str()),
            ("course_id", course_id.as_str()),
            ("activity", &format!("lesson:{}", lesson.id)),
            ("action", "pin"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(pinned.status(), 303);
    let home = get(&app, &http, &format!("/learn/{course_id}")).await;
    let first = options(&home).into_iter().next().expect("options");
    assert_eq!(
        (first.1.as_str(), first.2.as_str()),
        (lesson.title.as_str(), "pinned by your teacher")
    );

    // Once Nova has finished it, the pinned lesson leaves the top and shows as done.
    let csrf = csrf_in(&home).expect("the page's CSRF token");
    let done = http
        .post(format!(
            "{}/learn/{course_id}/lessons/{}/done",
            app.base, lesson.id
        ))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("served", ""),
            ("key", "done-pinned"),
        ])
        .send()
        .await
        .unwrap();
    assert!(done.status().is_success() || done.status().is_redirection());
    let home = get(&app, &http, &format!("/learn/{course_id}")).await;
    assert!(
        !options(&home)
            .iter()
            .any(|(_, title, why)| title == &lesson.title && why == "pinned by your teacher"),
        "a finished pinned lesson is no longer offered first"
    );
    let record = get(&app, &teacher, &format!("/students/{}", newbie.id)).await;
    assert!(
        record.contains(&format!("{} (done)", lesson.title)),
        "the teacher sees the pinned lesson as done"
    );
}
