//! Working together (issue 10, points 6 and 7), on both engines: time alone at a screen
//! against time with others, a teacher's threshold turning group work into next steps
//! (and time recorded with others turning it off again), the teacher's balance column;
//! a student offering help on a mastered skill, the teacher seeing them next to a stuck
//! classmate (nobody else does), pairing them (both get a notice), refusals for helpers
//! who did not offer, for students of another class, and bad input.

use crate::support::{TestApp, spawn_app, user_id};
use crate::support::{get_page as page, post_form as post, signed_in};
use ownpace_core::events::EventKind;
use ownpace_core::ids::UserId;
use ownpace_storage::{AnswerRecord, Backend, ErasedVia, EventRecord};

on_both_engines!(
    the_balance_offers_group_work_above_the_threshold_until_time_together_counts,
    a_teacher_pairs_a_helper_with_a_stuck_classmate,
    a_teacher_assessment_moves_mastery_and_rebuild_reproduces_it,
);

fn now(app: &TestApp) -> i64 {
    ownpace_web::now_ms() + app.clock_offset.load(std::sync::atomic::Ordering::SeqCst)
}

/// `minutes` of on-screen activity (hints one minute apart) ending now.
async fn screen_minutes(app: &TestApp, student: &UserId, minutes: i64) {
    let end = now(app);
    for m in 0..=minutes {
        app.store
            .record_event(&EventRecord {
                student_id: student,
                course_id: &app.school.course_id,
                course_version: 1,
                kind: EventKind::Hint,
                skills: &[],
                item_id: Some("screen"),
                data: None,
                occurred_at: end - (minutes - m) * 60_000,
                duration_ms: None,
                idempotency_key: &format!("screen-{m}"),
            })
            .await
            .unwrap();
    }
}

async fn the_balance_offers_group_work_above_the_threshold_until_time_together_counts(
    backend: Backend,
) {
    let app = spawn_app(backend, 3).await;
    let school = &app.school;
    let class = school.class_id.to_string();
    let course = school.course_id.to_string();
    let ana = user_id(&app, &school.students[0]).await;
    screen_minutes(&app, &ana, 240).await;

    // The teacher sets the threshold to 50%: four hours alone ask for group work.
    let (teacher, t_csrf) = signed_in(&app, &school.teacher).await;
    let threshold = format!("{}/classes/{class}/balance", app.base);
    let (status, _) = post(
        &teacher,
        &threshold,
        &[("_csrf", &t_csrf), ("threshold", "50")],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(
        app.store.balance_threshold(&school.class_id).await.unwrap(),
        50
    );
    // Out of range: a clear error on the field, and nothing changes.
    post(
        &teacher,
        &threshold,
        &[("_csrf", &t_csrf), ("threshold", "20")],
    )
    .await;
    let dashboard = format!("{}/classes/{class}", app.base);
    let (_, body) = page(&teacher, &dashboard).await;
    assert!(body.contains("balance-threshold-error"), "{body}");
    assert!(body.contains("from 50 to 100"));
    assert_eq!(
        app.store.balance_threshold(&school.class_id).await.unwrap(),
        50
    );
    let ana_row = body
        .split("id=\"balance-table\"")
        .nth(1)
        .expect("the balance table")
        .split(&format!("<tr data-student=\"{ana}\"><th scope=\"row\">"))
        .nth(1)
        .expect("ana's row in the balance table");
    let ana_row = ana_row.split("</tr>").next().unwrap();
    assert!(ana_row.contains("<td>yes</td>"), "{ana_row}");

    let (student, s_csrf) = signed_in(&app, &school.students[0]).await;
    let (_, learn) = page(&student, &format!("{}/learn/{course}", app.base)).await;
    assert!(
        learn.contains("work with others:") && learn.contains("was alone at a screen"),
        "group work is offered with its reason: {learn}"
    );

    // Bad input is refused with a clear message and stores nothing.
    let time = format!("{}/together/{class}/time", app.base);
    post(
        &student,
        &time,
        &[("_csrf", &s_csrf), ("minutes", "lots"), ("what", "x")],
    )
    .await;
    let (_, mine) = page(&student, &format!("{}/together/{class}", app.base)).await;
    assert!(mine.contains("together-minutes-error"), "{mine}");
    let long = "a".repeat(201);
    post(
        &student,
        &time,
        &[("_csrf", &s_csrf), ("minutes", "30"), ("what", &long)],
    )
    .await;
    assert!(
        app.store
            .together_entries(&ana, 0)
            .await
            .unwrap()
            .is_empty()
    );

    // Ana records a long afternoon with others: the balance tips, group work is no longer
    // asked for.
    let (status, _) = post(
        &student,
        &time,
        &[
            ("_csrf", &s_csrf),
            ("minutes", "600"),
            ("what", "Built the <b>model</b> bridge together"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, mine) = page(&student, &format!("{}/together/{class}", app.base)).await;
    assert!(mine.contains("600 min: Built the &#60;b&#62;model&#60;/b&#62; bridge together"));
    let (_, learn) = page(&student, &format!("{}/learn/{course}", app.base)).await;
    assert!(!learn.contains("work with others:"), "{learn}");

    // The teacher records time for a student of the class; not for one of another class.
    let ben = user_id(&app, &school.students[1]).await;
    let record = format!("{}/classes/{class}/together", app.base);
    let (status, _) = post(
        &teacher,
        &record,
        &[
            ("_csrf", &t_csrf),
            ("student", ben.as_str()),
            ("minutes", "45"),
            ("what", "Workshop"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let entries = app.store.together_entries(&ben, 0).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert!(entries[0].recorded_by_teacher.is_some());
    let stranger = user_id(&app, &school.other_students[0]).await;
    let (status, _) = post(
        &teacher,
        &record,
        &[
            ("_csrf", &t_csrf),
            ("student", stranger.as_str()),
            ("minutes", "45"),
            ("what", "Workshop"),
        ],
    )
    .await;
    assert_eq!(status, 404);
    assert!(
        app.store
            .together_entries(&stranger, 0)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn a_teacher_pairs_a_helper_with_a_stuck_classmate(backend: Backend) {
    let app = spawn_app(backend, 3).await;
    let school = &app.school;
    let class = school.class_id.to_string();
    let ana = user_id(&app, &school.students[0]).await;
    let ben = user_id(&app, &school.students[1]).await;
    let chloe = user_id(&app, &school.students[2]).await;
    let version = app
        .store
        .current_course(&school.course_id)
        .await
        .unwrap()
        .unwrap();
    let item = version.course.items[0].clone();
    let skill = item.skills[0].clone();
    let skill_name = version.course.skill(&skill).unwrap().name.clone();
    let item_id = item.id.clone();
    let answer = |student: UserId, correct: bool, n: i64| {
        let store = app.store.clone();
        let course_id = school.course_id.clone();
        let item_id = item_id.clone();
        let skills = item.skills.clone();
        let at = now(&app) - 3_600_000 + n * 60_000;
        async move {
            store
                .record_answer(
                    &AnswerRecord {
                        student_id: &student,
                        course_id: &course_id,
                        course_version: version.version,
                        item_id: &item_id,
                        skills: &skills,
                        response: "null",
                        correct,
                        occurred_at: at,
                        duration_ms: None,
                        idempotency_key: &format!("help-{correct}-{n}"),
                    },
                    |_| Default::default(),
                )
                .await
                .unwrap();
        }
    };
    for n in 0..20 {
        answer(ben.clone(), true, n).await;
    }
    for n in 0..4 {
        answer(ana.clone(), false, n).await;
    }

    // Ben offers help on the skill he mastered; Chloé offers nothing.
    let (ben_http, b_csrf) = signed_in(&app, &school.students[1]).await;
    let together = format!("{}/together/{class}", app.base);
    let (_, ben_page) = page(&ben_http, &together).await;
    assert!(ben_page.contains(&skill_name), "{ben_page}");
    let (status, _) = post(
        &ben_http,
        &format!("{together}/helper"),
        &[("_csrf", &b_csrf), ("skill", &skill), ("action", "offer")],
    )
    .await;
    assert_eq!(status, 303);
    // An unknown skill is refused.
    post(
        &ben_http,
        &format!("{together}/helper"),
        &[
            ("_csrf", &b_csrf),
            ("skill", "no-such"),
            ("action", "offer"),
        ],
    )
    .await;
    assert_eq!(
        app.store
            .helper_offers(&ben, &school.class_id)
            .await
            .unwrap(),
        vec![skill.clone()]
    );

    // The teacher sees Ben next to Ana, stuck on the skill.
    let (teacher, t_csrf) = signed_in(&app, &school.teacher).await;
    let (_, body) = page(&teacher, &format!("{}/classes/{class}", app.base)).await;
    let help = body
        .split("id=\"peer-help-list\"")
        .nth(1)
        .expect("possible helpers are listed")
        .split("</ul>")
        .next()
        .unwrap();
    let ana_entry = help
        .split(&format!("data-student=\"{ana}\" data-skill=\"{skill}\""))
        .nth(1)
        .expect("ana is stuck on the skill")
        .split("</li>")
        .next()
        .unwrap();
    assert!(
        ana_entry.contains(&format!("value=\"{ben}\"")),
        "{ana_entry}"
    );
    assert!(!ana_entry.contains(&format!("value=\"{chloe}\"")));

    // Other students never see the offer; Ana sees nothing of it before a pairing.
    let (ana_http, _) = signed_in(&app, &school.students[0]).await;
    let (_, ana_page) = page(&ana_http, &together).await;
    assert!(!ana_page.contains("Your helper is"));

    // Chloé did not offer: pairing her is refused with a clear message.
    let pairs = format!("{}/classes/{class}/help-pairs", app.base);
    post(
        &teacher,
        &pairs,
        &[
            ("_csrf", &t_csrf),
            ("student", ana.as_str()),
            ("helper", chloe.as_str()),
            ("skill", &skill),
        ],
    )
    .await;
    assert!(
        app.store
            .class_help_pairs(&school.class_id)
            .await
            .unwrap()
            .is_empty()
    );
    // A student of another class: 404, like a path id.
    let stranger = user_id(&app, &school.other_students[0]).await;
    let (status, _) = post(
        &teacher,
        &pairs,
        &[
            ("_csrf", &t_csrf),
            ("student", ana.as_str()),
            ("helper", stranger.as_str()),
            ("skill", &skill),
        ],
    )
    .await;
    assert_eq!(status, 404);

    let (status, _) = post(
        &teacher,
        &pairs,
        &[
            ("_csrf", &t_csrf),
            ("student", ana.as_str()),
            ("helper", ben.as_str()),
            ("skill", &skill),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let made = app.store.class_help_pairs(&school.class_id).await.unwrap();
    assert_eq!(made.len(), 1);
    assert_eq!((&made[0].student_id, &made[0].helper_id), (&ana, &ben));
    for (who, words) in [(&ana, "to help you with"), (&ben, "asked you to help")] {
        let notices = app.store.notices_for(who, 10).await.unwrap();
        assert!(
            notices
                .iter()
                .any(|n| n.kind == "help_paired" && n.text.contains(words)),
            "{notices:?}"
        );
    }
    let (_, ana_page) = page(&ana_http, &together).await;
    assert!(ana_page.contains("Your helper is"), "{ana_page}");
    let (chloe_http, _) = signed_in(&app, &school.students[2]).await;
    let (_, chloe_page) = page(&chloe_http, &together).await;
    assert!(!chloe_page.contains("Your helper is") && !chloe_page.contains("You help"));
    assert!(
        app.store
            .notices_for(&chloe, 10)
            .await
            .unwrap()
            .iter()
            .all(|n| n.kind != "help_paired")
    );

    // Erasing Ben removes his offer and the pair.
    app.store
        .erase_student(&ben, "test", None, ErasedVia::CommandLine, now(&app))
        .await
        .unwrap();
    assert!(
        app.store
            .class_help_pairs(&school.class_id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        app.store
            .class_helper_offers(&school.class_id)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn a_teacher_assessment_moves_mastery_and_rebuild_reproduces_it(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    let school = &app.school;
    let class = school.class_id.to_string();
    let ana = user_id(&app, &school.students[0]).await;
    let version = app
        .store
        .current_course(&school.course_id)
        .await
        .unwrap()
        .unwrap();
    let project = version
        .course
        .projects
        .iter()
        .find(|p| p.rubric.iter().any(|c| !c.skills.is_empty()))
        .expect("a project whose rubric names skills")
        .clone();
    let assessed = project
        .rubric
        .iter()
        .position(|c| !c.skills.is_empty())
        .unwrap();
    let skill = project.rubric[assessed].skills[0].clone();
    let attempts = |rows: &[ownpace_storage::MasteryRow]| {
        rows.iter()
            .find(|r| r.skill_id.as_str() == skill)
            .map_or((0, 0), |r| (r.progress.attempts, r.progress.correct))
    };
    let before = attempts(
        &app.store
            .student_mastery(&ana, &school.course_id)
            .await
            .unwrap(),
    );

    let (teacher, t_csrf) = signed_in(&app, &school.teacher).await;
    let (status, body) = page(
        &teacher,
        &format!("{}/classes/{class}/assess/{ana}", app.base),
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.contains(&project.title));
    let form_url = format!("{}/classes/{class}/assess/{ana}/{}", app.base, project.id);
    let top: Vec<String> = project
        .rubric
        .iter()
        .map(|c| c.levels.last().unwrap().points.to_string())
        .collect();
    let names: Vec<String> = (1..=top.len()).map(|n| format!("level_{n}")).collect();
    // A missing level: a clear error, nothing written.
    let mut partial: Vec<(&str, &str)> = vec![("_csrf", &t_csrf), ("feedback", "x")];
    partial.extend(
        names
            .iter()
            .skip(1)
            .map(|n| n.as_str())
            .zip(top.iter().skip(1).map(|p| p.as_str())),
    );
    post(&teacher, &form_url, &partial).await;
    assert!(
        app.store
            .student_assessments(&ana)
            .await
            .unwrap()
            .is_empty()
    );
    // A level that is not one of the criterion's: refused too.
    let mut wrong: Vec<(&str, &str)> = vec![("_csrf", &t_csrf), ("feedback", "x")];
    wrong.extend(
        names
            .iter()
            .map(|n| n.as_str())
            .zip(std::iter::repeat("999")),
    );
    post(&teacher, &form_url, &wrong).await;
    assert!(
        app.store
            .student_assessments(&ana)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        attempts(
            &app.store
                .student_mastery(&ana, &school.course_id)
                .await
                .unwrap()
        ),
        before
    );

    let mut full: Vec<(&str, &str)> = vec![
        ("_csrf", &t_csrf),
        ("feedback", "Clear <script>table</script>, check the units"),
    ];
    full.extend(
        names
            .iter()
            .map(|n| n.as_str())
            .zip(top.iter().map(|p| p.as_str())),
    );
    let (status, _) = post(&teacher, &form_url, &full).await;
    assert_eq!(status, 303);
    let live = app
        .store
        .student_mastery(&ana, &school.course_id)
        .await
        .unwrap();
    let after = attempts(&live);
    assert_eq!(
        after,
        (before.0 + 1, before.1 + 1),
        "one correct answer's worth"
    );
    let evidence = app
        .store
        .skill_evidence(&ana, &school.course_id)
        .await
        .unwrap();
    assert_eq!(evidence[&skill].assessed, 1);
    assert_eq!(evidence[&skill].assessed_meets, 1);
    assert!(
        app.store
            .notices_for(&ana, 10)
            .await
            .unwrap()
            .iter()
            .any(|n| n.kind == "project_assessed")
    );
    let (student, _) = signed_in(&app, &school.students[0]).await;
    let (_, mine) = page(&student, &format!("{}/together/{class}", app.base)).await;
    assert!(
        mine.contains("Clear &#60;script&#62;table&#60;/script&#62;, check the units"),
        "{mine}"
    );

    // Rebuild replays the assessment exactly.
    app.store
        .rebuild_mastery(|_| Default::default())
        .await
        .unwrap();
    let rebuilt = app
        .store
        .student_mastery(&ana, &school.course_id)
        .await
        .unwrap();
    assert_eq!(attempts(&rebuilt), after);

    // Another class's student: 404.
    let stranger = user_id(&app, &school.other_students[0]).await;
    let (status, _) = page(
        &teacher,
        &format!("{}/classes/{class}/assess/{stranger}", app.base),
    )
    .await;
    assert_eq!(status, 404);
}
