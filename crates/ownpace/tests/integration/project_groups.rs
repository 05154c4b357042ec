//! Projects together, the group as a whole (issue 10, points 5 per group and 9, and the
//! upload limits as settings), through the real server on both engines: the teacher
//! assesses a whole group once from its space (every member's assessment and mastery
//! move, `rebuild` reproduces them, members read it in the space, one member is adjusted
//! alone afterwards); `GET /api/v1/me/projects` gives the student's groups as an array
//! with members, milestones, submission, assessment and feedback, never a reviewer; the
//! teacher's round overview has groups with members and submission status; a smaller
//! upload limit refuses a file the default accepts, with a clear message.

use crate::support::{TestApp, client, login_api, signed_in, spawn_app, spawn_app_with, user_id};
use crate::support::{get_page as page, post_form as post};
use ownpace_core::course::Project;
use ownpace_core::ids::UserId;
use ownpace_storage::{Backend, FileQuota, NewFile, NewRound, ProposedGroup, RoundProject};
use serde_json::Value;

on_both_engines!(
    a_teacher_assesses_a_whole_group_once,
    my_projects_lists_groups_without_reviewers,
    a_smaller_upload_limit_refuses_what_the_default_accepts,
);

/// A project of the demo course whose rubric ties a criterion to skills.
async fn project_with_skills(app: &TestApp) -> Project {
    let version = app
        .store
        .current_course(&app.school.course_id)
        .await
        .unwrap()
        .unwrap();
    version
        .course
        .projects
        .iter()
        .find(|p| p.rubric.iter().any(|c| !c.skills.is_empty()))
        .expect("a project whose rubric names skills")
        .clone()
}

/// A published round of the main class with one group on `project` of `students`.
async fn group_of(app: &TestApp, project: &Project, students: &[String]) -> (String, String) {
    let (round, groups) = groups_of(app, project, &[students]).await;
    (round, groups[0].clone())
}

/// A published round of the main class with a group on `project` of each list.
async fn groups_of(
    app: &TestApp,
    project: &Project,
    groups: &[&[String]],
) -> (String, Vec<String>) {
    let now = ownpace_web::now_ms();
    let school = &app.school;
    let teacher = app.store.class_teachers(&school.class_id).await.unwrap()[0]
        .id
        .clone();
    let projects = [RoundProject {
        project_id: project.id.clone(),
        group_min: 1,
        group_max: 4,
    }];
    let round = app
        .store
        .create_round(
            &NewRound {
                class_id: &school.class_id,
                course_id: &school.course_id,
                title: "Group round",
                opened_by: &teacher,
                opens_at: now - 1_000,
                closes_at: now + 86_400_000,
                due_at: now + 10 * 86_400_000,
                seed: 1,
                projects: &projects,
            },
            now,
        )
        .await
        .unwrap();
    let mut proposed = Vec::new();
    for (n, students) in groups.iter().enumerate() {
        let mut members = Vec::new();
        for s in students.iter() {
            members.push((user_id(app, s).await, "first choice".to_string()));
        }
        proposed.push(ProposedGroup {
            project_id: project.id.clone(),
            name: format!("Bakers {}", n + 1),
            members,
        });
    }
    app.store
        .save_proposal(&round.id, &proposed, now)
        .await
        .unwrap();
    let published = app.store.publish_groups(&round.id, now).await.unwrap();
    (round.id, published.into_iter().map(|(g, _)| g.id).collect())
}

/// (attempts, correct) of a student on a skill.
async fn attempts(app: &TestApp, student: &UserId, skill: &str) -> (u32, u32) {
    app.store
        .student_mastery(student, &app.school.course_id)
        .await
        .unwrap()
        .iter()
        .find(|r| r.skill_id.as_str() == skill)
        .map_or((0, 0), |r| (r.progress.attempts, r.progress.correct))
}

/// The form fields of a level per criterion: `pick` chooses the level of each.
fn level_fields(
    project: &Project,
    pick: impl Fn(&ownpace_core::course::RubricCriterion) -> u32,
) -> Vec<(String, String)> {
    project
        .rubric
        .iter()
        .enumerate()
        .map(|(n, c)| (format!("level_{}", n + 1), pick(c).to_string()))
        .collect()
}

async fn a_teacher_assesses_a_whole_group_once(backend: Backend) {
    let app = spawn_app(backend, 4).await;
    let school = &app.school;
    let project = project_with_skills(&app).await;
    let skill = project
        .rubric
        .iter()
        .find(|c| !c.skills.is_empty())
        .unwrap()
        .skills[0]
        .clone();
    let (_, group) = group_of(&app, &project, &school.students[..3]).await;
    let mut members = Vec::new();
    for s in &school.students[..3] {
        members.push(user_id(&app, s).await);
    }
    let outsider = user_id(&app, &school.students[3]).await;
    let mut before = Vec::new();
    for m in &members {
        before.push(attempts(&app, m, &skill).await);
    }
    let outsider_before = attempts(&app, &outsider, &skill).await;

    let space = format!("{}/groups/{group}", app.base);
    let (teacher, t_csrf) = signed_in(&app, &school.teacher).await;
    let (status, body) = page(&teacher, &space).await;
    assert_eq!(status, 200);
    assert!(body.contains("Assess the whole group"), "{body}");

    // A level missing: a clear error, nothing written for anyone.
    let top = level_fields(&project, |c| c.levels.last().unwrap().points);
    let mut partial: Vec<(&str, &str)> = vec![("_csrf", &t_csrf), ("feedback", "x")];
    partial.extend(top.iter().skip(1).map(|(k, v)| (k.as_str(), v.as_str())));
    let (status, _) = post(&teacher, &format!("{space}/assess"), &partial).await;
    assert_eq!(status, 303);
    assert!(
        app.store
            .group_assessments(&group)
            .await
            .unwrap()
            .is_empty()
    );
    let (_, body) = page(&teacher, &space).await;
    assert!(body.contains("choose a level for"), "the error names it");
    // Feedback too long: refused whole.
    let long = "x".repeat(2_001);
    let mut too_long: Vec<(&str, &str)> = vec![("_csrf", &t_csrf), ("feedback", &long)];
    too_long.extend(top.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    post(&teacher, &format!("{space}/assess"), &too_long).await;
    assert!(
        app.store
            .group_assessments(&group)
            .await
            .unwrap()
            .is_empty()
    );

    // The whole group at once.
    let mut full: Vec<(&str, &str)> = vec![
        ("_csrf", &t_csrf),
        ("feedback", "Clear <b>recipe</b> card; check the units"),
    ];
    full.extend(top.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let (status, _) = post(&teacher, &format!("{space}/assess"), &full).await;
    assert_eq!(status, 303);
    let rows = app.store.group_assessments(&group).await.unwrap();
    assert_eq!(rows.len(), 3, "one assessment per member");
    for (m, b) in members.iter().zip(&before) {
        assert!(rows.iter().any(|r| &r.student_id == m));
        assert_eq!(
            attempts(&app, m, &skill).await,
            (b.0 + 1, b.1 + 1),
            "one correct answer's worth for every member"
        );
        assert!(
            app.store
                .notices_for(m, 10)
                .await
                .unwrap()
                .iter()
                .any(|n| n.kind == "project_assessed")
        );
    }
    assert_eq!(
        attempts(&app, &outsider, &skill).await,
        outsider_before,
        "a student outside the group is untouched"
    );

    // Members read the levels and feedback in the space, escaped.
    let (ana, ana_csrf) = signed_in(&app, &school.students[0]).await;
    let (status, mine) = page(&ana, &space).await;
    assert_eq!(status, 200);
    let section = mine
        .split("id=\"my-assessment\"")
        .nth(1)
        .expect("ana's assessment in the space");
    assert!(
        section.contains("Clear &#60;b&#62;recipe&#60;/b&#62; card; check the units"),
        "{section}"
    );
    assert!(section.contains(&project.rubric[0].name));
    assert!(
        !mine.contains("Assess the whole group"),
        "no form for members"
    );
    // A student cannot assess.
    let (status, _) = post(&ana, &format!("{space}/assess"), &[("_csrf", &ana_csrf)]).await;
    assert_eq!(status, 403);

    // The teacher adjusts one member alone on the per-student page: a newer assessment
    // for them in the same group; the others keep the group's.
    let ben = &members[1];
    let low = level_fields(&project, |c| c.levels[0].points);
    let mut adjust: Vec<(&str, &str)> = vec![("_csrf", &t_csrf), ("feedback", "Ben: redo")];
    adjust.extend(low.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let (status, _) = post(
        &teacher,
        &format!(
            "{}/classes/{}/assess/{ben}/{}",
            app.base, school.class_id, project.id
        ),
        &adjust,
    )
    .await;
    assert_eq!(status, 303);
    let bens = app
        .store
        .my_group_assessment(&group, ben)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bens.feedback, "Ben: redo");
    assert_eq!(bens.group_id.as_deref(), Some(group.as_str()));
    let anas = app
        .store
        .my_group_assessment(&group, &members[0])
        .await
        .unwrap()
        .unwrap();
    assert!(anas.feedback.starts_with("Clear"));
    let (_, teacher_view) = page(&teacher, &space).await;
    assert!(
        teacher_view.contains("Adjust"),
        "the teacher sees each member"
    );

    // Rebuild replays every member's evidence exactly.
    let mut live = Vec::new();
    for m in &members {
        live.push(
            app.store
                .student_mastery(m, &school.course_id)
                .await
                .unwrap(),
        );
    }
    app.store
        .rebuild_mastery(|_| Default::default())
        .await
        .unwrap();
    for (m, live) in members.iter().zip(&live) {
        let rebuilt = app
            .store
            .student_mastery(m, &school.course_id)
            .await
            .unwrap();
        assert_eq!(&rebuilt, live, "rebuild reproduces {m}'s mastery");
    }
}

async fn my_projects_lists_groups_without_reviewers(backend: Backend) {
    let app = spawn_app(backend, 5).await;
    let school = &app.school;
    let project = project_with_skills(&app).await;
    let (round, groups) = groups_of(
        &app,
        &project,
        &[&school.students[..2], &school.students[2..4]],
    )
    .await;
    let group = groups[0].clone();
    let ana = user_id(&app, &school.students[0]).await;
    let ben = user_id(&app, &school.students[1]).await;
    let now = ownpace_web::now_ms();
    app.store
        .add_milestone(&group, "First draft", now + 86_400_000, &ana, now)
        .await
        .unwrap();
    let file = app
        .store
        .add_file(
            &NewFile {
                group_id: &group,
                uploaded_by: &ben,
                name: "card.txt",
                content_type: "text/plain; charset=utf-8",
                bytes: b"our card",
                at: now,
            },
            FileQuota::default(),
        )
        .await
        .unwrap();
    app.store
        .submit_group(
            &group,
            &ana,
            "Our work",
            Some("https://example.org/ours"),
            &[file],
            now,
        )
        .await
        .unwrap();
    let (teacher, t_csrf) = signed_in(&app, &school.teacher).await;
    let mut full: Vec<(&str, &str)> = vec![("_csrf", &t_csrf), ("feedback", "Well done")];
    let top = level_fields(&project, |c| c.levels.last().unwrap().points);
    full.extend(top.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    post(
        &teacher,
        &format!("{}/groups/{group}/assess", app.base),
        &full,
    )
    .await;
    // Peer review: the other group's two members review ana's group.
    let teacher_id = user_id(&app, &school.teacher).await;
    app.store
        .start_peer_review(&round, 1, &teacher_id, now)
        .await
        .unwrap();
    let reviews: Vec<_> = app
        .store
        .reviews_of_round(&round)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.group_id == group)
        .collect();
    assert_eq!(reviews.len(), 2, "two reviewers of ana's group");
    let mid = level_fields(&project, |c| c.levels[c.levels.len() / 2].points);
    let mid: Vec<u32> = mid.iter().map(|(_, v)| v.parse().unwrap()).collect();
    let feedback_of = |token: String| {
        let url = format!("{}/api/v1/me/projects", app.base);
        async move {
            let body: Value = client()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            body[0]["feedback"].as_array().unwrap().clone()
        }
    };
    let token = login_api(&app, &school.students[0]).await;
    for (n, review) in reviews.iter().enumerate() {
        assert!(
            feedback_of(token.clone()).await.is_empty(),
            "nothing before two reviews are in (the release rule)"
        );
        app.store
            .submit_review(&ownpace_storage::NewReview {
                review_id: &review.id,
                reviewer: &review.reviewer_id,
                project: &project,
                levels: &mid,
                works: &format!("The card is clear ({n})"),
                improve: "Show the unit prices",
                question: "",
                at: now,
            })
            .await
            .unwrap();
    }
    app.store
        .set_review_hidden(&reviews[0].id, true, &teacher_id, now)
        .await
        .unwrap();
    let reviewers: Vec<UserId> = {
        let mut out = Vec::new();
        for s in &school.students[2..4] {
            out.push(user_id(&app, s).await);
        }
        out
    };
    let reviewer_names: Vec<String> = {
        let mut out = Vec::new();
        for r in &reviewers {
            out.push(app.store.user(r).await.unwrap().unwrap().display_name);
        }
        out
    };

    let response = client()
        .get(format!("{}/api/v1/me/projects", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    let body: Value = serde_json::from_str(&text).unwrap();
    let entries = body.as_array().expect("a JSON array at the top level");
    assert_eq!(entries.len(), 1, "{body}");
    let entry = &entries[0];
    assert_eq!(entry["round"]["id"], round.as_str());
    assert_eq!(entry["round"]["status"], "published");
    assert!(entry["round"]["due_at"].is_i64());
    assert_eq!(entry["project"]["id"], project.id.as_str());
    assert_eq!(entry["project"]["title"], project.title.as_str());
    assert_eq!(entry["group"]["id"], group.as_str());
    let members = entry["group"]["members"].as_array().expect("members array");
    assert_eq!(members.len(), 2);
    assert!(
        members
            .iter()
            .all(|m| m["id"].is_string() && m["name"].is_string())
    );
    assert_eq!(entry["milestones"][0]["title"], "First draft");
    assert_eq!(entry["milestones"][0]["done"], false);
    assert_eq!(entry["submission"]["text"], "Our work");
    assert_eq!(entry["submission"]["link"], "https://example.org/ours");
    assert_eq!(entry["submission"]["files"][0], "card.txt");
    assert_eq!(entry["assessment"]["feedback"], "Well done");
    let levels = entry["assessment"]["levels"].as_array().unwrap();
    assert_eq!(levels.len(), project.rubric.len());
    assert_eq!(levels[0]["criterion"], project.rubric[0].name.as_str());
    let feedback = entry["feedback"].as_array().expect("feedback is an array");
    assert_eq!(feedback.len(), 2, "both reviews, anonymous: {text}");
    let hidden: Vec<&Value> = feedback
        .iter()
        .filter(|f| f["comments_hidden"] == true)
        .collect();
    assert_eq!(hidden.len(), 1);
    assert!(
        hidden[0]["works"].is_null(),
        "a hidden comment never reaches the authors"
    );
    let shown = feedback
        .iter()
        .find(|f| f["comments_hidden"] == false)
        .unwrap();
    assert!(
        shown["works"]
            .as_str()
            .unwrap()
            .starts_with("The card is clear")
    );
    assert_eq!(shown["improve"], "Show the unit prices");
    assert_eq!(
        shown["levels"].as_array().unwrap().len(),
        project.rubric.len()
    );
    assert!(shown["levels"][0]["points"].is_u64());
    assert_eq!(reviewers.len(), 2);
    for (id, name) in reviewers.iter().zip(&reviewer_names) {
        assert!(!text.contains(id.as_str()), "no reviewer id in {text}");
        assert!(!text.contains(name.as_str()), "no reviewer name in {text}");
    }
    for f in feedback {
        let keys: Vec<&String> = f.as_object().unwrap().keys().collect();
        assert!(
            keys.iter().all(|k| !k.contains("reviewer")),
            "no reviewer field: {keys:?}"
        );
    }

    // A student without a group: an empty array. A teacher: 403.
    let other = login_api(&app, &school.students[4]).await;
    let none: Value = client()
        .get(format!("{}/api/v1/me/projects", app.base))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(none, serde_json::json!([]));
    let teacher_token = login_api(&app, &school.teacher).await;
    let status = client()
        .get(format!("{}/api/v1/me/projects", app.base))
        .bearer_auth(&teacher_token)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 403);

    // The teacher's overview: groups with members and the submission.
    let rounds: Value = client()
        .get(format!(
            "{}/api/v1/classes/{}/rounds",
            app.base, school.class_id
        ))
        .bearer_auth(&teacher_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ours = rounds
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == round.as_str())
        .expect("the round in the overview");
    let g = &ours["groups"][0];
    assert_eq!(g["members"].as_array().unwrap().len(), 2);
    assert!(g["submitted_at"].is_i64(), "the submission status");
}

/// Uploads `bytes` as `name` to the group's files: the status and the body (a redirect
/// on success or a refusal in the form, an error page when the guard refuses the body).
async fn upload(
    http: &reqwest::Client,
    url: &str,
    csrf: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (u16, String) {
    let form = reqwest::multipart::Form::new()
        .text("_csrf", csrf.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    let response = http.post(url).multipart(form).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

async fn a_smaller_upload_limit_refuses_what_the_default_accepts(backend: Backend) {
    const MB: i64 = 1024 * 1024;
    let file = vec![b'a'; (3 * MB / 2) as usize];
    let project = {
        let app = spawn_app(backend, 2).await;
        let project = project_with_skills(&app).await;
        // The defaults (5 MB a file) take a 1.5 MB text file.
        let (_, group) = group_of(&app, &project, &app.school.students[..1]).await;
        let (ana, csrf) = signed_in(&app, &app.school.students[0]).await;
        let url = format!("{}/groups/{group}/files", app.base);
        let (status, _) = upload(&ana, &url, &csrf, "notes.txt", file.clone()).await;
        assert_eq!(status, 303);
        assert_eq!(app.store.group_files(&group).await.unwrap().len(), 1);
        let (_, space) = page(&ana, &format!("{}/groups/{group}", app.base)).await;
        assert!(
            space.contains("at most 5 MB a file, 20 MB per student and 50 MB per group"),
            "the default limits shown"
        );
        project
    };

    // upload_file_mb = 1: the same file is refused, saying the limit.
    let config = ownpace_web::Config {
        uploads: FileQuota {
            max_file_bytes: MB,
            per_student_bytes: 2 * MB,
            per_group_bytes: 3 * MB,
        },
        ..ownpace_web::Config::default()
    };
    let app = spawn_app_with(backend, 2, config).await;
    let (_, group) = group_of(&app, &project, &app.school.students[..2]).await;
    let (ana, csrf) = signed_in(&app, &app.school.students[0]).await;
    let space = format!("{}/groups/{group}", app.base);
    let (_, body) = page(&ana, &space).await;
    assert!(
        body.contains("at most 1 MB a file, 2 MB per student and 3 MB per group"),
        "the group page shows the settings' limits"
    );
    let url = format!("{space}/files");
    let (status, body) = upload(&ana, &url, &csrf, "notes.txt", file.clone()).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("too large (1 MB at most)"), "{body}");
    assert!(app.store.group_files(&group).await.unwrap().is_empty());
    // The per-student quota: 0.9 MB twice fits, a third does not.
    let part = vec![b'b'; (9 * MB / 10) as usize];
    for _ in 0..2 {
        let (status, _) = upload(&ana, &url, &csrf, "part.txt", part.clone()).await;
        assert_eq!(status, 303);
    }
    let (status, _) = upload(&ana, &url, &csrf, "part.txt", part).await;
    assert_eq!(status, 303);
    assert_eq!(app.store.group_files(&group).await.unwrap().len(), 2);
    let (_, body) = page(&ana, &space).await;
    assert!(
        body.contains("each student may keep 2 MB and each group 3 MB"),
        "the quota's refusal names the limits"
    );
}
