//! Every route against every role and relation.
//!
//! The test holds its own reviewed copy of the access policy (`REVIEWED`). A route in the
//! router's table that is missing here, or whose declared access differs, fails the test,
//! so adding a route forces a security review of it. Then every route is called as each
//! role (and signed out) with path ids that are the caller's own, belong to another class
//! or family, or do not exist, and the status must match what the policy says.

use crate::support::{TestApp, client, login_api, login_page, spawn_app, user_id, workspace_root};
use ownpace_storage::{Backend, Role};
use ownpace_web::policy::{Access, RouteSpec, Subject, route_table};
use std::collections::HashMap;

/// (method, path) → who may call it: `public`, `signed-in`, or the roles allowed and the
/// relation they must have to the id in the path (`teacher of class {class}`).
const REVIEWED: &[(&str, &str, &str)] = &[
    ("GET", "/healthz", "public"),
    ("GET", "/static/{file}", "public"),
    ("GET", "/login", "public"),
    ("POST", "/login", "public"),
    ("POST", "/logout", "signed-in"),
    ("GET", "/", "signed-in"),
    (
        "GET",
        "/courses/{course}/media/{*path}",
        "student,teacher of course {course}",
    ),
    ("GET", "/learn", "student"),
    ("GET", "/learn/{course}", "student of course {course}"),
    (
        "GET",
        "/learn/{course}/skills/{skill}",
        "student of course {course}",
    ),
    (
        "POST",
        "/learn/{course}/items/{item}/answer",
        "student of course {course}",
    ),
    (
        "POST",
        "/learn/{course}/items/{item}/hint",
        "student of course {course}",
    ),
    (
        "GET",
        "/learn/{course}/lessons/{lesson}",
        "student of course {course}",
    ),
    (
        "POST",
        "/learn/{course}/lessons/{lesson}/done",
        "student of course {course}",
    ),
    (
        "GET",
        "/learn/{course}/placement",
        "student of course {course}",
    ),
    (
        "POST",
        "/learn/{course}/placement/answer",
        "student of course {course}",
    ),
    // A pilot's post-test (issue 12): redirects to the course page unless it is open.
    (
        "GET",
        "/learn/{course}/post-test/{pilot}",
        "student of course {course}",
    ),
    (
        "POST",
        "/learn/{course}/post-test/{pilot}/answer",
        "student of course {course}",
    ),
    ("GET", "/learn/{course}/map", "student of course {course}"),
    (
        "GET",
        "/learn/{course}/projects/{project}",
        "student of course {course}",
    ),
    (
        "POST",
        "/learn/{course}/goals",
        "student of course {course}",
    ),
    (
        "POST",
        "/learn/{course}/goals/{goal}/close",
        "student of course {course}",
    ),
    (
        "POST",
        "/learn/{course}/interests",
        "student of course {course}",
    ),
    ("POST", "/learn/{course}/hand", "student of course {course}"),
    (
        "POST",
        "/learn/{course}/hand/lower",
        "student of course {course}",
    ),
    (
        "POST",
        "/classes/{class}/hands/{hand}/close",
        "teacher of class {class}",
    ),
    (
        "POST",
        "/students/{student}/goals/{goal}/review",
        "teacher of student {student}",
    ),
    ("GET", "/classes", "teacher"),
    ("GET", "/classes/{class}", "teacher of class {class}"),
    ("GET", "/students/{student}", "teacher of student {student}"),
    (
        "POST",
        "/students/{student}/overrides",
        "teacher of student {student}",
    ),
    (
        "POST",
        "/students/{student}/goals",
        "teacher of student {student}",
    ),
    (
        "POST",
        "/classes/{class}/overrides",
        "teacher of class {class}",
    ),
    (
        "POST",
        "/classes/{class}/overrides/{override}/delete",
        "teacher of class {class}",
    ),
    (
        "POST",
        "/classes/{class}/placement",
        "teacher of class {class}",
    ),
    ("GET", "/family", "guardian"),
    ("GET", "/family/{student}", "guardian of student {student}"),
    (
        "GET",
        "/family/{student}/access-log",
        "guardian of student {student}",
    ),
    ("GET", "/privacy", "public"),
    // Check-ins (issue 9, point 2).
    ("GET", "/checkins/{class}", "student of class {class}"),
    ("POST", "/checkins/{class}/prep", "student of class {class}"),
    (
        "GET",
        "/classes/{class}/checkins",
        "teacher of class {class}",
    ),
    (
        "POST",
        "/classes/{class}/checkins/rhythm",
        "teacher of class {class}",
    ),
    (
        "GET",
        "/classes/{class}/checkins/{student}",
        "teacher of class {class}",
    ),
    (
        "POST",
        "/classes/{class}/checkins/{student}",
        "teacher of class {class}",
    ),
    (
        "POST",
        "/classes/{class}/checkins/{student}/actions/{action}",
        "teacher of class {class}",
    ),
    // Working together (issue 10, points 6 and 7): the student's own page and forms; the
    // teacher's threshold, time recorded and pairs (student ids in the body are checked
    // against the class like path ids).
    ("GET", "/together/{class}", "student of class {class}"),
    ("POST", "/together/{class}/time", "student of class {class}"),
    (
        "POST",
        "/together/{class}/helper",
        "student of class {class}",
    ),
    (
        "POST",
        "/classes/{class}/balance",
        "teacher of class {class}",
    ),
    (
        "POST",
        "/classes/{class}/together",
        "teacher of class {class}",
    ),
    (
        "POST",
        "/classes/{class}/help-pairs",
        "teacher of class {class}",
    ),
    // Teacher assessment of project work (issue 10, point 5): the student in the path must
    // be in the class.
    (
        "GET",
        "/classes/{class}/assess/{student}",
        "teacher of class {class}",
    ),
    (
        "POST",
        "/classes/{class}/assess/{student}/{project}",
        "teacher of class {class}",
    ),
    ("GET", "/api/v1/me/checkins", "student,guardian"),
    (
        "GET",
        "/api/v1/classes/{class}/checkins",
        "teacher of class {class}",
    ),
    ("GET", "/notices", "student,guardian"),
    ("GET", "/classes/{class}/grades", "teacher of class {class}"),
    (
        "GET",
        "/classes/{class}/grades.csv",
        "teacher of class {class}",
    ),
    (
        "GET",
        "/students/{student}/grades",
        "teacher of student {student}",
    ),
    (
        "POST",
        "/students/{student}/grades/override",
        "teacher of student {student}",
    ),
    (
        "GET",
        "/family/{student}/grades",
        "guardian of student {student}",
    ),
    ("GET", "/grades", "student"),
    ("GET", "/api/v1/me/grades", "student"),
    (
        "GET",
        "/api/v1/classes/{class}/grades",
        "teacher of class {class}",
    ),
    ("POST", "/notices/read", "student,guardian"),
    ("GET", "/api/v1/me/notices", "student,guardian"),
    (
        "POST",
        "/family/{student}/consent",
        "guardian of student {student}",
    ),
    (
        "POST",
        "/family/{student}/consent/withdraw",
        "guardian of student {student}",
    ),
    ("POST", "/admin/users/{user}/birth-year", "admin"),
    ("GET", "/admin/audit", "admin"),
    ("GET", "/me/access-log", "student"),
    (
        "POST",
        "/students/{student}/overrides/{override}/delete",
        "teacher of student {student}",
    ),
    ("GET", "/admin", "admin"),
    ("POST", "/admin/users", "admin"),
    ("POST", "/admin/classes", "admin"),
    ("GET", "/admin/classes/{class}", "admin"),
    ("POST", "/admin/classes/{class}/members", "admin"),
    ("POST", "/admin/classes/{class}/remove", "admin"),
    ("POST", "/admin/classes/{class}/move", "admin"),
    ("POST", "/admin/classes/{class}/sourced-id", "admin"),
    ("GET", "/admin/users/{user}", "admin"),
    ("POST", "/admin/users/{user}/setup-code", "admin"),
    ("POST", "/admin/users/{user}/access", "admin"),
    ("POST", "/admin/users/{user}/guardians", "admin"),
    ("POST", "/admin/users/{user}/unlink", "admin"),
    // The weekly letter (issue 9, point 7): pages/letters.rs. The unsubscribe address is
    // public (its secret is the credential); a wrong secret is a 404 for everyone.
    ("POST", "/admin/users/{user}/letter-address", "admin"),
    ("GET", "/letters/unsubscribe/{token}", "public"),
    ("POST", "/letters/unsubscribe/{token}", "public"),
    ("POST", "/family/letter-address", "guardian"),
    (
        "POST",
        "/family/{student}/letter",
        "guardian of student {student}",
    ),
    ("GET", "/admin/import", "admin"),
    ("POST", "/admin/import", "admin"),
    ("GET", "/admin/import/{upload}", "admin"),
    ("POST", "/admin/import/{upload}", "admin"),
    ("GET", "/admin/handout", "admin"),
    ("GET", "/setup", "public"),
    ("POST", "/setup", "public"),
    ("GET", "/setup/done", "public"),
    ("POST", "/admin/password-reset", "admin"),
    ("GET", "/account", "signed-in"),
    ("POST", "/account/password", "signed-in"),
    ("POST", "/account/sessions/logout", "signed-in"),
    ("POST", "/login/second-factor", "public"),
    ("GET", "/account/two-factor", "teacher,admin"),
    ("POST", "/account/two-factor/start", "teacher,admin"),
    ("POST", "/account/two-factor/confirm", "teacher,admin"),
    ("POST", "/account/two-factor/disable", "teacher,admin"),
    // Export, erasure (issue 11, points 2-3): pages/data_rights.rs.
    ("GET", "/me/data", "student"),
    ("GET", "/me/export", "student"),
    ("POST", "/me/erasure-request", "student"),
    (
        "GET",
        "/family/{student}/data",
        "guardian of student {student}",
    ),
    (
        "GET",
        "/family/{student}/export",
        "guardian of student {student}",
    ),
    (
        "POST",
        "/family/{student}/erasure-request",
        "guardian of student {student}",
    ),
    ("GET", "/admin/users/{user}/export", "admin"),
    ("GET", "/admin/users/{user}/erase", "admin"),
    ("POST", "/admin/users/{user}/erase", "admin"),
    ("GET", "/admin/erasures", "admin"),
    // Screen time and printable sheets (issue 12).
    (
        "GET",
        "/learn/{course}/sheets",
        "student of course {course}",
    ),
    (
        "POST",
        "/learn/{course}/sheets",
        "student of course {course}",
    ),
    (
        "GET",
        "/learn/{course}/sheets/{sheet}",
        "student of course {course}",
    ),
    (
        "POST",
        "/learn/{course}/sheets/{sheet}/results",
        "student of course {course}",
    ),
    (
        "GET",
        "/students/{student}/sheets/{sheet}",
        "teacher of student {student}",
    ),
    (
        "POST",
        "/students/{student}/sheets/{sheet}/confirm",
        "teacher of student {student}",
    ),
    (
        "POST",
        "/classes/{class}/screen-time",
        "teacher of class {class}",
    ),
    (
        "POST",
        "/students/{student}/screen-time/exemption",
        "teacher of student {student}",
    ),
    (
        "POST",
        "/family/{student}/screen-time",
        "guardian of student {student}",
    ),
    // Assignments and calendars (issue 9, points 4 and 6): pages/assignments.rs,
    // calendar.rs, assignments_api.rs.
    (
        "GET",
        "/classes/{class}/assignments",
        "teacher of class {class}",
    ),
    (
        "POST",
        "/classes/{class}/assignments",
        "teacher of class {class}",
    ),
    (
        "POST",
        "/classes/{class}/assignments/{assignment}/change",
        "teacher of class {class}",
    ),
    (
        "POST",
        "/classes/{class}/assignments/{assignment}/withdraw",
        "teacher of class {class}",
    ),
    (
        "POST",
        "/classes/{class}/assignments/{assignment}/done",
        "teacher of class {class}",
    ),
    ("GET", "/calendars", "student,guardian,teacher"),
    ("POST", "/calendars/reset", "student,guardian,teacher"),
    // Public: the secret in the address is the credential; a wrong one is a bare 404
    // (checked below and in `assignments`).
    ("GET", "/calendar/{feed}", "public"),
    ("GET", "/api/v1/me/assignments", "student"),
    (
        "GET",
        "/api/v1/classes/{class}/assignments",
        "teacher of class {class}",
    ),
    // Pilot studies (issue 12, points 5-7): pages/pilots.rs, pilots_api.rs. An admin
    // may open any class's pilots (issue 12 point 5, "admin or teacher").
    (
        "GET",
        "/classes/{class}/pilots",
        "teacher,admin of class {class}",
    ),
    (
        "POST",
        "/classes/{class}/pilots",
        "teacher,admin of class {class}",
    ),
    (
        "GET",
        "/classes/{class}/pilots/{pilot}",
        "teacher,admin of class {class}",
    ),
    (
        "POST",
        "/classes/{class}/pilots/{pilot}/edit",
        "teacher,admin of class {class}",
    ),
    (
        "POST",
        "/classes/{class}/pilots/{pilot}/start",
        "teacher,admin of class {class}",
    ),
    (
        "POST",
        "/classes/{class}/pilots/{pilot}/amend",
        "teacher,admin of class {class}",
    ),
    (
        "POST",
        "/classes/{class}/pilots/{pilot}/scores",
        "teacher,admin of class {class}",
    ),
    (
        "POST",
        "/classes/{class}/pilots/{pilot}/finish",
        "teacher,admin of class {class}",
    ),
    (
        "GET",
        "/classes/{class}/pilots/{pilot}/report",
        "teacher,admin of class {class}",
    ),
    (
        "GET",
        "/api/v1/classes/{class}/pilots/{pilot}/report",
        "teacher,admin of class {class}",
    ),
    (
        "POST",
        "/family/{student}/pilots/{pilot}/opt-out",
        "guardian of student {student}",
    ),
    (
        "GET",
        "/api/v1/me/courses/{course}/next-steps",
        "student of course {course}",
    ),
    ("GET", "/api/v1/me/screen-time", "student"),
    ("GET", "/api/v1/me/screen-budget", "student"),
    ("GET", "/api/openapi.json", "public"),
    ("POST", "/api/v1/login", "public"),
    ("POST", "/api/v1/logout", "signed-in"),
    ("GET", "/api/v1/me", "signed-in"),
    (
        "GET",
        "/api/v1/courses/{course}/skills/{skill}/next-item",
        "student of course {course}",
    ),
    (
        "POST",
        "/api/v1/courses/{course}/answers",
        "student of course {course}",
    ),
    (
        "GET",
        "/api/v1/classes/{class}/mastery",
        "teacher of class {class}",
    ),
    // Projects together (issue 10, points 1-3): rounds, groups, the group space.
    ("GET", "/classes/{class}/rounds", "teacher of class {class}"),
    (
        "POST",
        "/classes/{class}/rounds",
        "teacher of class {class}",
    ),
    (
        "POST",
        "/classes/{class}/keep-apart",
        "teacher of class {class}",
    ),
    ("GET", "/rounds/{round}", "teacher of round {round}"),
    (
        "POST",
        "/rounds/{round}/propose",
        "teacher of round {round}",
    ),
    ("POST", "/rounds/{round}/move", "teacher of round {round}"),
    (
        "POST",
        "/rounds/{round}/publish",
        "teacher of round {round}",
    ),
    ("POST", "/rounds/{round}/finish", "teacher of round {round}"),
    ("GET", "/rounds/{round}/rank", "student of round {round}"),
    ("POST", "/rounds/{round}/rank", "student of round {round}"),
    ("GET", "/groups/{group}", "student,teacher of group {group}"),
    (
        "POST",
        "/groups/{group}/posts",
        "student,teacher of group {group}",
    ),
    (
        "POST",
        "/groups/{group}/milestones",
        "student,teacher of group {group}",
    ),
    (
        "POST",
        "/groups/{group}/milestones/{milestone}/done",
        "student,teacher of group {group}",
    ),
    (
        "POST",
        "/groups/{group}/files",
        "student,teacher of group {group}",
    ),
    (
        "GET",
        "/groups/{group}/files/{attachment}",
        "student,teacher of group {group}",
    ),
    ("POST", "/groups/{group}/submit", "student of group {group}"),
    // Point 5 per group: the teacher assesses the whole group from its space.
    ("POST", "/groups/{group}/assess", "teacher of group {group}"),
    (
        "GET",
        "/api/v1/classes/{class}/rounds",
        "teacher of class {class}",
    ),
    ("GET", "/api/v1/me/rounds", "student"),
    // Point 9: the student's project groups (peer feedback without reviewers).
    ("GET", "/api/v1/me/projects", "student"),
    // Peer feedback (issue 10, point 4): reviewers (a student assigned to a submitted
    // group), the round's teacher, the reviewed group's members.
    ("GET", "/groups/{group}/review", "student of group {group}"),
    ("POST", "/groups/{group}/review", "student of group {group}"),
    ("GET", "/rounds/{round}/reviews", "teacher of round {round}"),
    (
        "POST",
        "/rounds/{round}/reviews/start",
        "teacher of round {round}",
    ),
    (
        "POST",
        "/rounds/{round}/reviews/hide",
        "teacher of round {round}",
    ),
    (
        "POST",
        "/rounds/{round}/reviews/release",
        "teacher of round {round}",
    ),
    (
        "POST",
        "/groups/{group}/feedback/rate",
        "student of group {group}",
    ),
    (
        "POST",
        "/groups/{group}/self-assessment",
        "student of group {group}",
    ),
    ("GET", "/api/v1/me/reviews", "student"),
    (
        "GET",
        "/api/v1/groups/{group}/feedback",
        "student of group {group}",
    ),
];

fn declared(access: Access) -> String {
    match access {
        Access::Public => "public".into(),
        Access::SignedIn => "signed-in".into(),
        Access::Roles(roles, subject) => {
            let roles = roles
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(",");
            match subject {
                Subject::None => roles,
                Subject::Student(param) => format!("{roles} of student {{{param}}}"),
                Subject::Class(param) => format!("{roles} of class {{{param}}}"),
                Subject::Course(param) => format!("{roles} of course {{{param}}}"),
                Subject::Round(param) => format!("{roles} of round {{{param}}}"),
                Subject::Group(param) => format!("{roles} of group {{{param}}}"),
            }
        }
    }
}

#[test]
fn every_route_has_a_reviewed_policy() {
    let reviewed: HashMap<(&str, &str), &str> =
        REVIEWED.iter().map(|(m, p, a)| ((*m, *p), *a)).collect();
    let mut problems = Vec::new();
    for route in route_table() {
        match reviewed.get(&(route.method.as_str(), route.path)) {
            None => problems.push(format!(
                "{} {} is not in the reviewed policy table",
                route.method, route.path
            )),
            Some(expected) if *expected != declared(route.access) => problems.push(format!(
                "{} {} declares `{}` but the review says `{expected}`",
                route.method,
                route.path,
                declared(route.access)
            )),
            Some(_) => {}
        }
    }
    assert_eq!(
        route_table().len(),
        REVIEWED.len(),
        "reviewed routes that no longer exist: update REVIEWED"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Relation {
    Own,
    Other,
    Missing,
}

struct Caller {
    role: Option<Role>,
    username: &'static str,
    http: reqwest::Client,
    csrf: String,
    bearer: String,
}

impl Caller {
    async fn sign_in(app: &TestApp, role: Option<Role>, username: &'static str) -> Caller {
        let http = client();
        let (csrf, bearer) = match role {
            Some(_) => (
                login_page(app, &http, username).await,
                login_api(app, username).await,
            ),
            None => {
                // Signed out: only the login form's double-submit token.
                let page = http
                    .get(format!("{}/login", app.base))
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap();
                (crate::support::csrf_in(&page).unwrap(), String::new())
            }
        };
        Caller {
            role,
            username,
            http,
            csrf,
            bearer,
        }
    }
}

/// Ids to put into a path, per relation.
struct Ids {
    course: HashMap<String, ownpace_core::ids::CourseId>,
    class: HashMap<String, ownpace_core::ids::ClassId>,
    /// Per role: a student of theirs / a student not theirs.
    student_own: HashMap<String, ownpace_core::ids::UserId>,
    student_other: String,
    skill: String,
    item: String,
    lesson: String,
    media: String,
    project: String,
    goal: String,
    override_id: String,
    /// An account the admin routes may change (a student made for this test).
    user: String,
    /// Per role: a practice sheet of the student they may see (the student's own, the
    /// teacher's student's).
    sheet: HashMap<String, String>,
    /// A running pilot on the caller's class with ana (the guardian's child) in it.
    pilot: String,
    /// Project rounds and published groups: ana's and her teacher's ("own"), and another
    /// class's ("other"); a file in ana's group.
    round: HashMap<String, String>,
    group: HashMap<String, String>,
    attachment: String,
    /// A submitted group of ana's class that ana was assigned to review (the review
    /// routes' "own" group: a reviewer relates to the group they review, not their own).
    reviewed_group: String,
}

fn fill(path: &str, relation: Relation, caller: &Caller, ids: &Ids) -> String {
    let role = caller.role.map_or("anonymous", |r| r.as_str()).to_string();
    let pick = |own: Option<&str>, other: &str| -> String {
        match relation {
            Relation::Own => own.unwrap_or(other).to_string(),
            Relation::Other => other.to_string(),
            Relation::Missing => "01900000-0000-7000-8000-000000000000".to_string(),
        }
    };
    path.replace(
        "{course}",
        &pick(
            ids.course.get("own").map(|id| id.as_str()),
            ids.course["other"].as_str(),
        ),
    )
    .replace(
        "{class}",
        &pick(
            ids.class.get("own").map(|id| id.as_str()),
            ids.class["other"].as_str(),
        ),
    )
    .replace(
        "{student}",
        &pick(
            ids.student_own.get(&role).map(|id| id.as_str()),
            &ids.student_other,
        ),
    )
    .replace("{skill}", &ids.skill)
    .replace("{item}", &ids.item)
    .replace("{lesson}", &ids.lesson)
    .replace("{*path}", &ids.media)
    .replace("{project}", &ids.project)
    .replace("{goal}", &ids.goal)
    .replace("{override}", &ids.override_id)
    .replace("{hand}", "01900000-0000-7000-8000-000000000002")
    .replace("{action}", "01900000-0000-7000-8000-000000000003")
    .replace("{user}", &ids.user)
    .replace(
        "{sheet}",
        ids.sheet
            .get(&role)
            .map_or("01900000-0000-7000-8000-000000000002", String::as_str),
    )
    .replace("{pilot}", &ids.pilot)
    .replace(
        "{round}",
        &pick(
            ids.round.get("own").map(String::as_str),
            &ids.round["other"],
        ),
    )
    .replace(
        "{group}",
        &pick(
            if path.starts_with("/groups/{group}/review") {
                Some(ids.reviewed_group.as_str())
            } else {
                ids.group.get("own").map(String::as_str)
            },
            &ids.group["other"],
        ),
    )
    .replace("{attachment}", &ids.attachment)
    .replace("{milestone}", "01900000-0000-7000-8000-000000000004")
    .replace("{upload}", "01900000-0000-7000-8000-000000000001")
    .replace("{file}", "app.css")
}

fn subject(access: Access) -> Subject {
    match access {
        Access::Roles(_, subject) => subject,
        _ => Subject::None,
    }
}

async fn call(app: &TestApp, caller: &Caller, route: &RouteSpec, url: &str) -> (u16, String) {
    let full = format!("{}{}", app.base, url);
    let request = if route.is_api() {
        let builder = caller.http.request(route.method.clone(), &full);
        let builder = if caller.bearer.is_empty() {
            builder
        } else {
            builder.bearer_auth(&caller.bearer)
        };
        if route.method == reqwest::Method::POST {
            builder.json(&serde_json::json!({}))
        } else {
            builder
        }
    } else if route.method == reqwest::Method::POST {
        caller
            .http
            .post(&full)
            .form(&[("_csrf", caller.csrf.as_str())])
    } else {
        caller.http.get(&full)
    };
    let response = request.send().await.unwrap();
    let location = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or("")
        .to_string();
    (response.status().as_u16(), location)
}

/// Imports the small valid fixture course beside the demo course.
async fn import_second_course(app: &TestApp) -> ownpace::course_dir::LoadedCourse {
    let files = ownpace::course_dir::read_folder(
        &workspace_root().join("crates/core/tests/fixtures/courses/valid"),
    )
    .unwrap();
    let second = ownpace::course_dir::load(&files).unwrap();
    app.store
        .import_course(&second.course, &second.assets, ownpace_web::now_ms())
        .await
        .unwrap();
    second
}

async fn check_every_route(backend: Backend) {
    let app = spawn_app(backend, 3).await;
    let school = &app.school;
    // A second course nobody here takes: "other course" for every role.
    let other = import_second_course(&app).await;
    let course = app
        .store
        .current_course(&school.course_id)
        .await
        .unwrap()
        .unwrap();
    let skill = course.course.skills[0].id.clone();
    let item = course
        .course
        .items_for_skill(&skill)
        .next()
        .unwrap()
        .id
        .clone();
    let ana = user_id(&app, &school.students[0]).await;
    let teacher = user_id(&app, "teacher").await;
    let goal = app
        .store
        .create_goal(ownpace_storage::NewGoal {
            student_id: &ana,
            course_id: &school.course_id,
            title: "Ratios",
            skills: std::slice::from_ref(&skill),
            project_id: None,
            target_at: ownpace_web::now_ms() + 86_400_000,
            created_by: &ana,
            created_at: ownpace_web::now_ms(),
        })
        .await
        .unwrap()
        .id;
    let activity = format!("skill:{skill}");
    app.store
        .add_override(ownpace_storage::NewOverride {
            course_id: &school.course_id,
            scope: ownpace_storage::OverrideScope::Class(&school.class_id),
            activity: &activity,
            action: ownpace_storage::OverrideAction::Pin,
            created_by: &teacher,
            at: ownpace_web::now_ms(),
        })
        .await
        .unwrap();
    let override_id = app
        .store
        .overrides_for_class(&school.class_id, &school.course_id)
        .await
        .unwrap()[0]
        .id
        .clone();
    let mut sheet = HashMap::new();
    for (role, student) in [
        ("student", &school.students[0]),
        ("teacher", &school.students[1]),
    ] {
        let id = user_id(&app, student).await;
        let made = app
            .store
            .create_sheet(
                &id,
                &school.course_id,
                course.version,
                &[(item.clone(), vec![skill.clone()])],
                ownpace_web::now_ms(),
            )
            .await
            .unwrap();
        sheet.insert(role.to_string(), made);
    }
    let pilot = crate::pilots::running_pilot(&app, &school.class_id, &teacher).await;
    let rounds = crate::projects::rounds_for_policy(&app).await;
    let reviewed_group = crate::peer_review::reviewed_by_ana(&app).await;
    let ids = Ids {
        reviewed_group,
        round: HashMap::from([
            ("own".into(), rounds.own_round),
            ("other".into(), rounds.other_round),
        ]),
        group: HashMap::from([
            ("own".into(), rounds.own_group),
            ("other".into(), rounds.other_group),
        ]),
        attachment: rounds.attachment,
        pilot,
        sheet,
        course: HashMap::from([
            ("own".into(), school.course_id.clone()),
            ("other".into(), other.course.id.clone()),
        ]),
        class: HashMap::from([
            ("own".into(), school.class_id.clone()),
            ("other".into(), school.other_class_id.clone()),
        ]),
        student_own: HashMap::from([
            ("student".into(), user_id(&app, &school.students[0]).await),
            ("teacher".into(), user_id(&app, &school.students[1]).await),
            ("guardian".into(), user_id(&app, &school.students[0]).await),
        ]),
        student_other: user_id(&app, &school.other_students[0]).await.into_string(),
        item: item.into_string(),
        lesson: course.course.lessons[0].id.clone(),
        media: course.course.assets[0].clone(),
        project: course.course.projects[0].id.clone(),
        goal: goal.into_string(),
        override_id: override_id.into_string(),
        skill,
        user: app
            .store
            .create_user(ownpace_storage::NewUser {
                username: "policy-target",
                display_name: "Policy Target",
                role: Role::Student,
                password_hash: "!",
                created_at: ownpace_web::now_ms(),
            })
            .await
            .unwrap()
            .id
            .into_string(),
    };
    let mut callers = vec![
        Caller::sign_in(&app, None, "").await,
        Caller::sign_in(&app, Some(Role::Student), "ana").await,
        Caller::sign_in(&app, Some(Role::Teacher), "teacher").await,
        Caller::sign_in(&app, Some(Role::Guardian), "guardian").await,
        Caller::sign_in(&app, Some(Role::Admin), "admin").await,
    ];
    assert_eq!(callers[1].username, school.students[0]);

    let mut failures = Vec::new();
    let mut checked = 0;
    // Logout routes end the session: run them last.
    let mut routes = route_table();
    routes.sort_by_key(|r| r.path.ends_with("/logout"));
    for route in &routes {
        let relations: &[Relation] = match subject(route.access) {
            Subject::None => &[Relation::Own],
            _ => &[Relation::Own, Relation::Other, Relation::Missing],
        };
        for caller in &mut callers {
            for &relation in relations {
                let url = fill(route.path, relation, caller, &ids);
                let (status, location) = call(&app, caller, route, &url).await;
                checked += 1;
                let role_allowed = match route.access {
                    Access::Public => true,
                    Access::SignedIn => caller.role.is_some(),
                    Access::Roles(roles, _) => caller.role.is_some_and(|r| roles.contains(&r)),
                };
                let expectation = if route.path == "/calendar/{feed}"
                    || route.path == "/letters/unsubscribe/{token}"
                {
                    // A wrong calendar or unsubscribe secret: 404 for everyone, signed in
                    // or not.
                    "404"
                } else if caller.role.is_none() && route.access != Access::Public {
                    if route.is_api() {
                        "401"
                    } else {
                        "redirect to login"
                    }
                } else if !role_allowed {
                    "403"
                } else if relation == Relation::Other
                    && caller.role == Some(Role::Admin)
                    && matches!(subject(route.access), Subject::Class(_))
                {
                    // "admin: any class": another class is the admin's too; a pilot is
                    // found only under the class it was defined on.
                    if route.path.contains("{pilot}") {
                        "404"
                    } else {
                        "allowed"
                    }
                } else if relation != Relation::Own {
                    "404"
                } else {
                    "allowed"
                };
                let ok = match expectation {
                    "401" => status == 401,
                    "403" => status == 403,
                    "404" => status == 404,
                    "redirect to login" => status == 303 && location.starts_with("/login"),
                    // Signing out answers with a redirect to the login page.
                    _ if route.path.ends_with("/logout") && !route.is_api() => status == 303,
                    _ => {
                        (200..300).contains(&status)
                            || status == 422
                            || (status == 303 && !location.starts_with("/login"))
                    }
                };
                if !ok {
                    failures.push(format!(
                        "{} {url} as {:?} ({relation:?}): expected {expectation}, got {status} {location}",
                        route.method, caller.role
                    ));
                }
            }
            if route.path.ends_with("/logout") && caller.role.is_some() {
                *caller = Caller::sign_in(&app, caller.role, caller.username).await;
            }
        }
    }
    assert!(checked > 200, "only {checked} calls were made");
    assert!(
        failures.is_empty(),
        "{} of {checked} calls broke the policy:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_every_role_sqlite() {
    check_every_route(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_every_role_postgres() {
    check_every_route(Backend::Postgres).await;
}

/// A course id in a form body beside a student in the path answers like a path id: the
/// teacher must teach one class that holds both the student and that course. Here the
/// teacher teaches ana (fractions) and a class of a second course ana does not take.
async fn check_body_course_ids(backend: Backend) {
    let app = spawn_app(backend, 3).await;
    let school = &app.school;
    let second = import_second_course(&app).await;
    let second_class = app
        .store
        .create_class("Second course", &second.course.id, ownpace_web::now_ms())
        .await
        .unwrap();
    let teacher = user_id(&app, "teacher").await;
    app.store
        .add_to_class(&second_class.id, &teacher, ownpace_web::now_ms())
        .await
        .unwrap();
    let ana = user_id(&app, &school.students[0]).await;
    let http = client();
    let csrf = login_page(&app, &http, "teacher").await;
    let skill = second.course.skills[0].id.clone();
    let post = |path: String, fields: Vec<(&'static str, String)>| {
        let http = http.clone();
        let csrf = csrf.clone();
        async move {
            let mut form = vec![("_csrf", csrf)];
            form.extend(fields);
            http.post(path).form(&form).send().await.unwrap().status()
        }
    };
    let pin = post(
        format!("{}/students/{ana}/overrides", app.base),
        vec![
            ("course_id", second.course.id.to_string()),
            ("activity", format!("skill:{skill}")),
            ("action", "pin".into()),
        ],
    )
    .await;
    let goal = post(
        format!("{}/students/{ana}/goals", app.base),
        vec![
            ("course_id", second.course.id.to_string()),
            ("target", format!("skill:{skill}")),
            ("due", "2099-01-01".into()),
        ],
    )
    .await;
    assert_eq!((pin.as_u16(), goal.as_u16()), (404, 404));
    let pins = app
        .store
        .overrides_for_student(&ana, &second.course.id)
        .await
        .unwrap();
    let goals = app.store.open_goals(&ana, &second.course.id).await.unwrap();
    assert!(pins.is_empty() && goals.is_empty(), "nothing is stored");

    // The same forms in the course they share are accepted.
    let own_skill = app
        .store
        .current_course(&school.course_id)
        .await
        .unwrap()
        .unwrap()
        .course
        .skills[0]
        .id
        .clone();
    let pin = post(
        format!("{}/students/{ana}/overrides", app.base),
        vec![
            ("course_id", school.course_id.to_string()),
            ("activity", format!("skill:{own_skill}")),
            ("action", "pin".into()),
        ],
    )
    .await;
    assert_eq!(pin.as_u16(), 303);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn body_course_ids_follow_the_path_rule_sqlite() {
    check_body_course_ids(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn body_course_ids_follow_the_path_rule_postgres() {
    check_body_course_ids(Backend::Postgres).await;
}
