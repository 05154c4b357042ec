//! The demo school keeps the promises of `shared/CONTRACTS.md` ("The demo school"), on
//! both engines: what ana has (goals, notices, grades, check-ins, assignments, the
//! guardian's page), where the budgets are, a class in the middle of a unit, and the
//! project rounds (a finished one with ana's group, its work, peer feedback and the
//! teacher's assessment; an open one to rank).

use crate::support::{get_page, login_api, signed_in, spawn_app, user_id};
use ownpace_storage::{Backend, GoalAgreement};
use serde_json::Value;
use std::collections::HashMap;

on_both_engines!(the_demo_school_has_what_the_contract_lists,);

async fn the_demo_school_has_what_the_contract_lists(backend: Backend) {
    // The size `ownpace demo` seeds.
    let app = spawn_app(backend, 25).await;
    let school = &app.school;
    let ana_name = &school.students[0];
    assert_eq!(ana_name, "ana");
    let ana = user_id(&app, ana_name).await;

    // One agreed goal, one unread notice.
    let goals = app.store.open_goals(&ana, &school.course_id).await.unwrap();
    assert!(
        goals.iter().any(|g| g.agreement == GoalAgreement::Agreed),
        "ana has an agreed goal"
    );
    let notices = app.store.notices_for(&ana, 50).await.unwrap();
    assert!(
        notices.iter().any(|n| n.read_at.is_none()),
        "an unread notice"
    );

    // Grades on several skills.
    let grades: Value = reqwest::Client::new()
        .get(format!("{}/api/v1/me/grades", app.base))
        .bearer_auth(login_api(&app, ana_name).await)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let graded = grades
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["level"].is_u64())
        .count();
    assert!(graded >= 3, "ana has grades on {graded} skills");

    // A past check-in with a note shared with the family.
    let held = app.store.checkins_of_student(&ana, None, 50).await.unwrap();
    assert!(
        held.iter().any(|c| c.notes.iter().any(|n| n.shared)),
        "a check-in with a shared note"
    );

    // One assignment done and one due (seeded by `ownpace demo`), which the guardian's
    // page lists beside the chart of skills mastered week by week.
    let now = ownpace_web::now_ms();
    ownpace::demo::seed_assignments(&app.store, school, now)
        .await
        .unwrap();
    let (guardian, _) = signed_in(&app, &school.guardian).await;
    let (status, page) = get_page(&guardian, &format!("{}/family/{ana}", app.base)).await;
    assert_eq!(status, 200);
    let listed = page
        .split("id=\"child-assignment-list\"")
        .nth(1)
        .unwrap_or("");
    assert!(listed.contains("data-status=\"done\""), "a done assignment");
    assert!(
        listed.contains("data-status=\"to-do\"") || listed.contains("data-status=\"in-progress\""),
        "an assignment due"
    );
    let chart = page
        .split("<svg class=\"mastered-chart\"")
        .nth(1)
        .and_then(|c| c.split("</svg>").next())
        .expect("the chart of skills mastered");
    assert_eq!(chart.matches("<rect").count(), 8, "eight weeks");
    let mastered_now = app
        .store
        .student_mastery(&ana, &school.course_id)
        .await
        .unwrap()
        .iter()
        .filter(|m| m.progress.is_mastered())
        .count();
    assert!(
        chart.contains(&format!("{mastered_now} skills known")),
        "this week's bar counts the {mastered_now} skills ana knows"
    );

    // Budgets on the second class, none on ana's.
    let own = app.store.class_budget(&school.class_id).await.unwrap();
    let other = app
        .store
        .class_budget(&school.other_class_id)
        .await
        .unwrap();
    assert!(own.is_empty(), "no budget on ana's class");
    assert!(!other.is_empty(), "a budget on the second class");

    // The middle of a unit: a frontier of skills some students have mastered while others
    // are still working on them, and far from every practised cell mastered.
    let mastery = app.store.class_mastery(&school.class_id).await.unwrap();
    let mut per_skill: HashMap<&str, (u32, u32)> = HashMap::new();
    for row in &mastery {
        let cell = per_skill.entry(row.skill_id.as_str()).or_default();
        if row.progress.is_mastered() {
            cell.0 += 1;
        } else if row.progress.attempts > 0 {
            cell.1 += 1;
        }
    }
    let frontier = per_skill
        .values()
        .filter(|(mastered, working)| *mastered > 0 && *working >= 2)
        .count();
    let working: u32 = per_skill.values().map(|c| c.1).sum();
    let mastered: u32 = per_skill.values().map(|c| c.0).sum();
    assert!(frontier >= 5, "{frontier} skills on the frontier");
    assert!(
        f64::from(working) >= 0.12 * f64::from(working + mastered),
        "{working} cells in progress beside {mastered} mastered"
    );

    // Project rounds (issue 10, point 8), seeded last by `ownpace demo`.
    let before_rounds = app
        .store
        .student_mastery(&ana, &school.course_id)
        .await
        .unwrap();
    let rounds = ownpace::demo_projects::seed(&app.store, school, now, 2026)
        .await
        .unwrap();
    let token = login_api(&app, ana_name).await;
    let http = reqwest::Client::new();
    let projects: Value = http
        .get(format!("{}/api/v1/me/projects", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let finished = projects
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["round"]["status"] == "finished")
        .expect("a finished round in ana's projects");
    assert_eq!(finished["group"]["id"], rounds.ana_group.as_str());
    let size = finished["group"]["members"].as_array().unwrap().len();
    assert!((2..=4).contains(&size), "ana's group of {size}");
    let posts = app.store.posts(&rounds.ana_group).await.unwrap();
    assert!(posts.len() >= 3, "several posts in ana's group");
    assert!(!finished["milestones"].as_array().unwrap().is_empty());
    let submission = &finished["submission"];
    assert!(submission["text"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(
        !submission["files"].as_array().unwrap().is_empty(),
        "a file in the submission"
    );
    // Peer feedback she can see, through the function the API and pages use: at least
    // two reviewers, no name.
    let visible = app
        .store
        .visible_feedback_for_group(&rounds.ana_group)
        .await
        .unwrap();
    assert!(visible.len() >= 2, "{} visible reviews", visible.len());
    assert_eq!(
        finished["feedback"].as_array().unwrap().len(),
        visible.len()
    );
    let reviews = app
        .store
        .reviews_of_round(&rounds.finished_round)
        .await
        .unwrap();
    for r in reviews.iter().filter(|r| r.group_id == rounds.ana_group) {
        let text = finished.to_string();
        assert!(!text.contains(r.reviewer_id.as_str()) && !text.contains(&r.reviewer_name));
    }
    assert!(
        app.store
            .self_assessment(&rounds.ana_group, &ana)
            .await
            .unwrap()
            .is_some(),
        "ana's self-assessment"
    );
    // The teacher's assessment, through the real path: mastery moved, rebuild agrees.
    assert!(
        finished["assessment"]["levels"]
            .as_array()
            .is_some_and(|l| !l.is_empty())
    );
    let after_rounds = app
        .store
        .student_mastery(&ana, &school.course_id)
        .await
        .unwrap();
    assert_ne!(
        after_rounds, before_rounds,
        "the assessment moved ana's mastery"
    );
    app.store
        .rebuild_mastery(|_| Default::default())
        .await
        .unwrap();
    assert_eq!(
        app.store
            .student_mastery(&ana, &school.course_id)
            .await
            .unwrap(),
        after_rounds,
        "rebuild reproduces ana's mastery"
    );
    // Everyone of the class is in a group of the finished round.
    let mut placed = 0;
    for g in app
        .store
        .groups_of_round(&rounds.finished_round)
        .await
        .unwrap()
    {
        placed += app.store.group_members(&g.id).await.unwrap().len();
    }
    assert_eq!(
        placed,
        app.store
            .class_students(&school.class_id)
            .await
            .unwrap()
            .len()
    );
    // An open round she can rank and has not ranked yet.
    let my_rounds: Value = http
        .get(format!("{}/api/v1/me/rounds", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let open = my_rounds
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == rounds.open_round.as_str())
        .expect("the open round");
    assert_eq!(open["ranking_open"], true);
    assert_eq!(open["my_ranking"], serde_json::json!([]));
    let (ana_web, _) = signed_in(&app, ana_name).await;
    let (status, _) = get_page(
        &ana_web,
        &format!("{}/rounds/{}/rank", app.base, rounds.open_round),
    )
    .await;
    assert_eq!(status, 200);
}
