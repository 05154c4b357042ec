//! Projects together (issue 10, points 1-3) through the real server, on both engines: a
//! teacher opens a round, students rank (and change their ranking until the deadline,
//! not after), the proposal places everyone with reasons and keeps a pair apart, the
//! teacher moves a student and publishes (members get a notice), only members and their
//! teacher reach a group; the group space takes posts (escaped, web links only),
//! milestones, files checked on content (a JPEG's GPS position gone, an executable
//! refused, served as an attachment with `nosniff`) and one final submission, after which
//! it is read-only; the API's round overviews are arrays.

use crate::support::{TestApp, client, login_api, signed_in, spawn_app, user_id};
use crate::support::{get_page as page, post_form as post};
use ownpace_storage::{Backend, NewFile, NewRound, ProposedGroup, RoundProject};

on_both_engines!(
    a_round_goes_from_ranking_to_published_groups,
    the_group_space_takes_posts_files_and_one_submission,
);

/// `YYYY-MM-DD` of the server's clock plus `days`.
fn day(app: &TestApp, days: i64) -> String {
    let offset = app.clock_offset.load(std::sync::atomic::Ordering::SeqCst);
    let ms = ownpace_web::now_ms() + offset + days * 86_400_000;
    let (y, m, d) = ownpace_core::recommend::dates::civil(ms);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The ids the policy test puts in paths: a published round and group with ana (the
/// first student) in her class, with a file in it, and the same in the other class.
pub(crate) struct PolicyRounds {
    pub own_round: String,
    pub own_group: String,
    pub other_round: String,
    pub other_group: String,
    pub attachment: String,
}

pub(crate) async fn published_round(
    app: &TestApp,
    class: &ownpace_core::ids::ClassId,
    students: &[String],
) -> (String, String) {
    let now = ownpace_web::now_ms();
    let class_row = app.store.class(class).await.unwrap().unwrap();
    let course = app
        .store
        .current_course(&class_row.course_id)
        .await
        .unwrap()
        .unwrap();
    let project = &course.course.projects[0];
    let teacher = app.store.class_teachers(class).await.unwrap()[0].id.clone();
    let projects = [RoundProject {
        project_id: project.id.clone(),
        group_min: 1,
        group_max: 4,
    }];
    let round = app
        .store
        .create_round(
            &NewRound {
                class_id: class,
                course_id: &class_row.course_id,
                title: "Policy round",
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
    let mut members = Vec::new();
    for s in students {
        members.push((user_id(app, s).await, "first choice".to_string()));
    }
    app.store
        .save_proposal(
            &round.id,
            &[ProposedGroup {
                project_id: project.id.clone(),
                name: "Policy group".into(),
                members,
            }],
            now,
        )
        .await
        .unwrap();
    let published = app.store.publish_groups(&round.id, now).await.unwrap();
    (round.id, published[0].0.id.clone())
}

pub(crate) async fn rounds_for_policy(app: &TestApp) -> PolicyRounds {
    let school = &app.school;
    let (own_round, own_group) =
        published_round(app, &school.class_id, &school.students[..1]).await;
    let (other_round, other_group) =
        published_round(app, &school.other_class_id, &school.other_students[..1]).await;
    let ana = user_id(app, &school.students[0]).await;
    let attachment = app
        .store
        .add_file(
            &NewFile {
                group_id: &own_group,
                uploaded_by: &ana,
                name: "notes.txt",
                content_type: "text/plain; charset=utf-8",
                bytes: b"our plan",
                at: ownpace_web::now_ms(),
            },
            ownpace_storage::FileQuota::default(),
        )
        .await
        .unwrap();
    PolicyRounds {
        own_round,
        own_group,
        other_round,
        other_group,
        attachment,
    }
}

async fn a_round_goes_from_ranking_to_published_groups(backend: Backend) {
    let app = spawn_app(backend, 6).await;
    let school = &app.school;
    let course = app
        .store
        .current_course(&school.course_id)
        .await
        .unwrap()
        .unwrap();
    let projects: Vec<String> = course
        .course
        .projects
        .iter()
        .map(|p| p.id.clone())
        .collect();
    assert!(projects.len() >= 2, "the demo course has projects to rank");
    let (teacher, t_csrf) = signed_in(&app, &school.teacher).await;
    let class_rounds = format!("{}/classes/{}/rounds", app.base, school.class_id);
    let (status, body) = page(&teacher, &class_rounds).await;
    assert_eq!(status, 200, "{body}");

    // A pair kept apart: the first two students.
    let a = user_id(&app, &school.students[0]).await;
    let b = user_id(&app, &school.students[1]).await;
    let (status, _) = post(
        &teacher,
        &format!("{}/classes/{}/keep-apart", app.base, school.class_id),
        &[("_csrf", &t_csrf), ("a", a.as_str()), ("b", b.as_str())],
    )
    .await;
    assert_eq!(status, 303);
    // A student of another class is refused like a path id.
    let stranger = user_id(&app, &school.other_students[0]).await;
    post(
        &teacher,
        &format!("{}/classes/{}/keep-apart", app.base, school.class_id),
        &[
            ("_csrf", &t_csrf),
            ("a", a.as_str()),
            ("b", stranger.as_str()),
        ],
    )
    .await;
    assert_eq!(
        app.store
            .keep_apart_pairs(&school.class_id)
            .await
            .unwrap()
            .len(),
        1
    );

    // Open a round: the first two projects, one with its group size overridden.
    let closes = day(&app, 3);
    let due = day(&app, 20);
    let mut form: Vec<(String, String)> = vec![
        ("_csrf".into(), t_csrf.clone()),
        ("title".into(), "Autumn projects".into()),
        ("closes".into(), closes.clone()),
        ("due".into(), due.clone()),
    ];
    for p in &projects[..2] {
        form.push((format!("project_{p}"), "1".into()));
        form.push((format!("min_{p}"), "2".into()));
        form.push((format!("max_{p}"), "3".into()));
    }
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, location) = post(&teacher, &class_rounds, &fields).await;
    assert_eq!(status, 303);
    assert!(location.starts_with("/rounds/"), "{location}");
    let round_id = location.trim_start_matches("/rounds/").to_string();
    let round = app.store.round(&round_id).await.unwrap().unwrap();
    assert_eq!(round.projects.len(), 2);
    assert_eq!(
        (round.projects[0].group_min, round.projects[0].group_max),
        (2, 3)
    );
    // A deadline in the past is refused, nothing is stored.
    let bad: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| {
            if *k == "closes" {
                (*k, "2001-01-01")
            } else {
                (*k, *v)
            }
        })
        .collect();
    post(&teacher, &class_rounds, &bad).await;
    assert_eq!(
        app.store
            .rounds_of_class(&school.class_id)
            .await
            .unwrap()
            .len(),
        1
    );

    // Students rank: five of six, the last never does. Ana changes her mind once.
    let rank_url = format!("{}/rounds/{round_id}/rank", app.base);
    for (i, student) in school.students.iter().enumerate().take(5) {
        let (http, csrf) = signed_in(&app, student).await;
        let (status, body) = page(&http, &rank_url).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("Save my ranking"), "{body}");
        let (first, second) = if i % 2 == 0 {
            (&projects[0], &projects[1])
        } else {
            (&projects[1], &projects[0])
        };
        let f1 = format!("rank_{first}");
        let f2 = format!("rank_{second}");
        let (status, _) = post(
            &http,
            &rank_url,
            &[("_csrf", &csrf), (&f1, "1"), (&f2, "2")],
        )
        .await;
        assert_eq!(status, 303);
        if i == 0 {
            // Two projects with the same place are refused; then a new ranking replaces it.
            post(
                &http,
                &rank_url,
                &[("_csrf", &csrf), (&f1, "1"), (&f2, "1")],
            )
            .await;
            post(
                &http,
                &rank_url,
                &[("_csrf", &csrf), (&f2, "1"), (&f1, "2")],
            )
            .await;
            let mine = app.store.ranking(&round_id, &a).await.unwrap();
            assert_eq!(mine, vec![second.clone(), first.clone()]);
        }
    }
    assert_eq!(app.store.rankings(&round_id).await.unwrap().len(), 5);
    // The student API: one round, ranking open, not yet in a group.
    let token = login_api(&app, &school.students[0]).await;
    let mine: serde_json::Value = client()
        .get(format!("{}/api/v1/me/rounds", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(mine[0]["ranking_open"], true);
    assert!(mine[0]["group"].is_null());

    // After the deadline, ranking is refused.
    app.advance_days(4);
    let (late, late_csrf) = signed_in(&app, &school.students[5]).await;
    let f = format!("rank_{}", projects[0]);
    post(&late, &rank_url, &[("_csrf", &late_csrf), (&f, "1")]).await;
    assert_eq!(app.store.rankings(&round_id).await.unwrap().len(), 5);

    // The proposal: everyone placed once, sizes 2-3, the pair apart, reasons in words.
    let (teacher, t_csrf) = signed_in(&app, &school.teacher).await;
    let round_url = format!("{}/rounds/{round_id}", app.base);
    let (status, _) = post(
        &teacher,
        &format!("{round_url}/propose"),
        &[("_csrf", &t_csrf)],
    )
    .await;
    assert_eq!(status, 303);
    let groups = app.store.groups_of_round(&round_id).await.unwrap();
    let mut placed = Vec::new();
    for g in &groups {
        let members = app.store.group_members(&g.id).await.unwrap();
        assert!((2..=3).contains(&members.len()), "{members:?}");
        let ids: Vec<_> = members.iter().map(|m| m.student_id.clone()).collect();
        assert!(!(ids.contains(&a) && ids.contains(&b)), "kept apart");
        for m in members {
            assert!(!m.reason.is_empty());
            placed.push(m.student_id);
        }
    }
    placed.sort();
    placed.dedup();
    assert_eq!(placed.len(), 6);
    let (status, body) = page(&teacher, &round_url).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("choice;") || body.contains("did not rank"),
        "{body}"
    );
    assert!(
        body.contains("did not rank"),
        "the student who never ranked: {body}"
    );
    // Students do not see a proposal.
    let (ana_http, ana_csrf) = signed_in(&app, &school.students[0]).await;
    let ana_group = app.store.group_of(&a, &round_id).await.unwrap().unwrap();
    let (status, _) = page(&ana_http, &format!("{}/groups/{}", app.base, ana_group.id)).await;
    assert_eq!(status, 404);

    // Move ana by hand to another group; publish; members get a notice.
    let other = groups.iter().find(|g| g.id != ana_group.id).unwrap();
    let (status, _) = post(
        &teacher,
        &format!("{round_url}/move"),
        &[
            ("_csrf", &t_csrf),
            ("student", a.as_str()),
            ("to", &other.id),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let moved = app.store.group_of(&a, &round_id).await.unwrap().unwrap();
    assert_eq!(moved.id, other.id);
    assert_eq!(
        app.store
            .group_members(&other.id)
            .await
            .unwrap()
            .iter()
            .find(|m| m.student_id == a)
            .unwrap()
            .reason,
        "moved by hand"
    );
    post(
        &teacher,
        &format!("{round_url}/publish"),
        &[("_csrf", &t_csrf)],
    )
    .await;
    let round = app.store.round(&round_id).await.unwrap().unwrap();
    assert_eq!(round.status, ownpace_storage::RoundStatus::Published);
    let notices = app.store.notices_for(&a, 10).await.unwrap();
    assert!(
        notices
            .iter()
            .any(|n| n.kind == "group_published" && n.link == format!("/groups/{}", other.id)),
        "{notices:?}"
    );
    let (status, body) = page(&ana_http, &format!("{}/groups/{}", app.base, other.id)).await;
    assert_eq!(status, 200, "{body}");
    // Ana is not in her first group any more: 404 there, like a missing id.
    let (status, _) = page(&ana_http, &format!("{}/groups/{}", app.base, ana_group.id)).await;
    assert_eq!(status, 404);
    // Another class's teacher and student: 404.
    let (stranger_teacher, _) = signed_in(&app, &school.other_teacher).await;
    let (status, _) = page(
        &stranger_teacher,
        &format!("{}/groups/{}", app.base, other.id),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = page(&stranger_teacher, &round_url).await;
    assert_eq!(status, 404);

    // A member who left: removed, the row closed.
    let (status, _) = post(
        &teacher,
        &format!("{round_url}/move"),
        &[
            ("_csrf", &t_csrf),
            ("student", a.as_str()),
            ("to", "remove"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert!(app.store.group_of(&a, &round_id).await.unwrap().is_none());
    let (status, _) = page(&ana_http, &format!("{}/groups/{}", app.base, other.id)).await;
    assert_eq!(status, 404);
    let _ = ana_csrf;

    // The teacher's API overview: an array with the groups and their reasons.
    let token = login_api(&app, &school.teacher).await;
    let overview: serde_json::Value = client()
        .get(format!(
            "{}/api/v1/classes/{}/rounds",
            app.base, school.class_id
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rounds = overview.as_array().expect("an array");
    assert_eq!(rounds.len(), 1);
    assert_eq!(rounds[0]["status"], "published");
    assert_eq!(rounds[0]["ranked"], 5);
    assert!(rounds[0]["groups"].as_array().unwrap().len() >= 2);
    assert!(rounds[0]["groups"][0]["members"].is_array());
}

/// A tiny JPEG with a GPS position and a camera in its EXIF segment.
fn jpeg_with_gps() -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8];
    let exif = b"Exif\0\0MM\0*GPSLatitude 52.3676 N Canon EOS";
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(exif);
    out.extend_from_slice(&[0xFF, 0xDB, 0x00, 0x04, 0x00, 0x01]);
    out.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 0x12, 0x34, 0xFF, 0xD9]);
    out
}

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
    let location = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or("")
        .to_string();
    (response.status().as_u16(), location)
}

async fn the_group_space_takes_posts_files_and_one_submission(backend: Backend) {
    let app = spawn_app(backend, 3).await;
    let school = &app.school;
    let (_, group_id) = published_round(&app, &school.class_id, &school.students[..2]).await;
    let space = format!("{}/groups/{group_id}", app.base);
    let (ana, csrf) = signed_in(&app, &school.students[0]).await;
    let (status, body) = page(&ana, &space).await;
    assert_eq!(status, 200, "{body}");

    // Posts: escaped, length-limited, web links only.
    post(
        &ana,
        &format!("{space}/posts"),
        &[
            ("_csrf", &csrf),
            ("text", "<script>alert(1)</script> plan"),
            ("link", "https://example.org/plan"),
        ],
    )
    .await;
    post(
        &ana,
        &format!("{space}/posts"),
        &[
            ("_csrf", &csrf),
            ("text", "bad link"),
            ("link", "javascript:alert(1)"),
        ],
    )
    .await;
    let long = "x".repeat(2_001);
    post(
        &ana,
        &format!("{space}/posts"),
        &[("_csrf", &csrf), ("text", &long)],
    )
    .await;
    assert_eq!(app.store.posts(&group_id).await.unwrap().len(), 1);
    let (_, body) = page(&ana, &space).await;
    assert!(
        body.contains("script&#62;alert(1)") || body.contains("script&gt;alert(1)"),
        "escaped"
    );
    assert!(!body.contains("<script>alert"), "never raw");
    // A milestone.
    let due = day(&app, 5);
    post(
        &ana,
        &format!("{space}/milestones"),
        &[("_csrf", &csrf), ("title", "First draft"), ("due", &due)],
    )
    .await;
    assert_eq!(app.store.milestones(&group_id).await.unwrap().len(), 1);

    // Files: a JPEG loses its GPS; an executable and an oversized file are refused.
    let files_url = format!("{space}/files");
    let (status, _) = upload(
        &ana,
        &files_url,
        &csrf,
        "../../holiday.jpeg",
        jpeg_with_gps(),
    )
    .await;
    assert_eq!(status, 303);
    upload(
        &ana,
        &files_url,
        &csrf,
        "game.exe",
        b"MZ\x90\0\x03\0\0\0\x04\0".to_vec(),
    )
    .await;
    upload(
        &ana,
        &files_url,
        &csrf,
        "big.txt",
        vec![b'a'; 5 * 1024 * 1024 + 1],
    )
    .await;
    let files = app.store.group_files(&group_id).await.unwrap();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].name, "holiday.jpg");
    let response = ana
        .get(format!("{files_url}/{}", files[0].id))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "image/jpeg");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with(&[0xFF, 0xD8]));
    assert!(
        !bytes.windows(3).any(|w| w == b"GPS"),
        "the GPS position is gone"
    );
    assert!(
        !bytes.windows(5).any(|w| w == b"Canon"),
        "the camera is gone"
    );

    // A student of the class outside the group: 404 on the space and the file.
    let (outsider, _) = signed_in(&app, &school.students[2]).await;
    let (status, _) = page(&outsider, &space).await;
    assert_eq!(status, 404);
    let (status, _) = page(&outsider, &format!("{files_url}/{}", files[0].id)).await;
    assert_eq!(status, 404);
    // The teacher reads it (and the read is logged).
    let (teacher, _) = signed_in(&app, &school.teacher).await;
    let (status, _) = page(&teacher, &space).await;
    assert_eq!(status, 200);

    // The final submission, once; then the work is read-only.
    let file_id = files[0].id.clone();
    let (status, _) = post(
        &ana,
        &format!("{space}/submit"),
        &[
            ("_csrf", &csrf),
            ("text", "Our bridge model"),
            ("link", ""),
            ("file", &file_id),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let group = app.store.group(&group_id).await.unwrap().unwrap();
    assert!(group.submitted_at.is_some());
    assert_eq!(group.submission_text.as_deref(), Some("Our bridge model"));
    let (ben, ben_csrf) = signed_in(&app, &school.students[1]).await;
    post(
        &ben,
        &format!("{space}/submit"),
        &[("_csrf", &ben_csrf), ("text", "again")],
    )
    .await;
    post(
        &ben,
        &format!("{space}/posts"),
        &[("_csrf", &ben_csrf), ("text", "late")],
    )
    .await;
    let (status, _) = upload(&ben, &files_url, &ben_csrf, "late.txt", b"late".to_vec()).await;
    assert_eq!(status, 303);
    let group = app.store.group(&group_id).await.unwrap().unwrap();
    assert_eq!(group.submission_text.as_deref(), Some("Our bridge model"));
    assert_eq!(app.store.posts(&group_id).await.unwrap().len(), 1);
    assert_eq!(app.store.group_files(&group_id).await.unwrap().len(), 1);
    let (_, body) = page(&ben, &space).await;
    assert!(body.contains("read-only"), "{body}");
}
