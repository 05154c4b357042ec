//! Pilot studies through the real server (issue 12, points 5-7 and 10), on both engines:
//! a teacher defines a pilot and sees its power calculation; starting it freezes the plan
//! (an edit is refused, an amendment is logged with its reason), draws a stratified
//! assignment that replays from the stored seed, and leaves out a student without the
//! consent the school requires; a condition turns spaced review off and adds its budget
//! while the pilot runs; a guardian's opt-out is recorded, gives the child the default
//! experience and counts as attrition; a small pilot's report says it is too small; the
//! demo's finished pilot on the second class reports exactly what `core::pilot` computes
//! on the stored data, in the page and in the API, and keeps its numbers after one of
//! its students is erased.

use crate::support::{TestApp, client, login_api, login_page, spawn_app, spawn_app_with, user_id};
use ownpace_core::consent::{Policy, WhenAgeUnknown};
use ownpace_core::ids::{ClassId, UserId};
use ownpace_core::pilot::design::{self, Participant, RandomisationPlan, Unit};
use ownpace_core::pilot::report::{self, PilotData, PilotReport, StudentResult};
use ownpace_storage::pilots::{ConditionSetting, NewMember, Outcome, PilotPlan, PilotStatus};
use ownpace_storage::{AuditAction, Backend, NewUser, Role};

on_both_engines!(
    a_pilot_is_defined_started_frozen_amended_and_opted_out_of,
    the_demo_pilot_reports_what_core_computes,
    placement_off_in_a_pilot_is_never_offered,
    an_admin_sees_every_pilot_and_defines_and_runs_one,
    retention_after_30_days_is_ready_30_days_after_the_end,
);

async fn get(http: &reqwest::Client, app: &TestApp, path: &str) -> String {
    let response = http
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "GET {path}");
    response.text().await.unwrap()
}

async fn post(http: &reqwest::Client, app: &TestApp, path: &str, form: &[(&str, &str)]) -> String {
    let response = http
        .post(format!("{}{path}", app.base))
        .form(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303, "POST {path}");
    response.headers()["location"].to_str().unwrap().to_string()
}

/// A running pilot on `class` with its students (for the policy test).
pub(crate) async fn running_pilot(app: &TestApp, class: &ClassId, teacher: &UserId) -> String {
    let course = app.store.class(class).await.unwrap().unwrap().course_id;
    let plan = PilotPlan {
        question: "Policy check".into(),
        conditions: vec![condition("A", true, None), condition("B", false, None)],
        classes: vec![class.clone()],
        unit_class: false,
        outcome: Outcome::PostTest,
        duration_days: 30,
        min_effect: 0.3,
        pre_test_r2: 0.5,
        blinded: true,
        mastery_bands: 3,
        post_test_per_skill: 0,
    };
    let now = ownpace_web::now_ms();
    let id = app
        .store
        .create_pilot(class, &course, &plan, teacher, now)
        .await
        .unwrap();
    let members: Vec<NewMember> = app
        .store
        .class_students(class)
        .await
        .unwrap()
        .into_iter()
        .enumerate()
        .map(|(i, s)| NewMember {
            student_id: s.id,
            class_id: class.clone(),
            condition: i % 2,
            stratum: "all".into(),
            pre_test: 0.5,
        })
        .collect();
    app.store
        .start_pilot(&id, 7, design::ALGORITHM, &members, &[], now)
        .await
        .unwrap();
    id
}

pub(crate) fn condition(name: &str, review: bool, daily: Option<u32>) -> ConditionSetting {
    ConditionSetting {
        name: name.into(),
        spaced_review: review,
        placement: true,
        daily_minutes: daily,
        weekly_minutes: None,
        note: String::new(),
        policy: Default::default(),
        lesson_variant: None,
    }
}

/// The pilot form as a teacher fills it in.
fn plan_form<'a>(csrf: &'a str, question: &'a str, second: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("_csrf", csrf),
        ("question", question),
        ("cond1_name", "Review on"),
        ("cond1_review", "on"),
        ("cond1_placement", "on"),
        ("cond2_name", second),
        ("cond2_review", "off"),
        ("cond2_placement", "on"),
        ("cond2_daily", "25"),
        ("unit", "student"),
        ("outcome", "mastery_per_hour"),
        ("duration_days", "21"),
        ("min_effect", "0.4"),
        ("pre_test_r2", "0.5"),
        ("blinded", "on"),
    ]
}

async fn a_pilot_is_defined_started_frozen_amended_and_opted_out_of(backend: Backend) {
    // Consent required when the age is unknown: a student added below without a birth
    // year or consent may not be enrolled in the pilot.
    let config = ownpace_web::Config {
        consent: Policy {
            age: 16,
            when_unknown: WhenAgeUnknown::Required,
        },
        ..ownpace_web::Config::default()
    };
    let app = spawn_app_with(backend, 6, config).await;
    let school = app.school.clone();
    let class = school.class_id.clone();
    let waiting = app
        .store
        .create_user(NewUser {
            username: "no-consent",
            display_name: "No Consent",
            role: Role::Student,
            password_hash: "!",
            created_at: ownpace_web::now_ms(),
        })
        .await
        .unwrap();
    app.store
        .add_to_class(&class, &waiting.id, ownpace_web::now_ms())
        .await
        .unwrap();

    let teacher = client();
    let csrf = login_page(&app, &teacher, &school.teacher).await;
    let list = get(&teacher, &app, &format!("/classes/{class}/pilots")).await;
    assert!(list.contains("Define a pilot"), "{list}");

    // Bad input: one condition is not a comparison; the form says so and keeps the input.
    let mut one = plan_form(&csrf, "Does review help?", "");
    one.retain(|(k, _)| !k.starts_with("cond2"));
    let back = post(&teacher, &app, &format!("/classes/{class}/pilots"), &one).await;
    let page = get(&teacher, &app, back.split('#').next().unwrap()).await;
    assert!(page.contains("2 to 4 conditions"), "{page}");
    assert!(app.store.pilots_of_class(&class).await.unwrap().is_empty());

    // Define: the page shows the power calculation with its assumptions.
    let form = plan_form(&csrf, "Does review help?", "Review off");
    let location = post(&teacher, &app, &format!("/classes/{class}/pilots"), &form).await;
    let pilot_id = location.rsplit('/').next().unwrap().to_string();
    let page = get(&teacher, &app, &location).await;
    assert!(page.contains("id=\"power-statement\""), "{page}");
    assert!(page.contains("two-sided test at α = 0.05"), "{page}");
    assert!(page.contains("explains 50% of the outcome"), "{page}");
    assert!(page.contains("students would take part"));
    assert!(
        page.contains("1 are left out because the school needs a guardian"),
        "the student without consent is counted out: {page}"
    );

    // A draft may be edited.
    let edited = plan_form(&csrf, "Does spaced review help?", "Review off");
    post(&teacher, &app, &format!("{location}/edit"), &edited).await;
    let pilot = app.store.pilot(&pilot_id).await.unwrap().unwrap();
    assert_eq!(pilot.plan.question, "Does spaced review help?");
    assert_eq!(pilot.status, PilotStatus::Draft);
    assert_eq!(pilot.plan.conditions[1].daily_minutes, Some(25));

    // Start: members assigned, the student without consent left out.
    post(
        &teacher,
        &app,
        &format!("{location}/start"),
        &[("_csrf", &csrf)],
    )
    .await;
    let pilot = app.store.pilot(&pilot_id).await.unwrap().unwrap();
    assert_eq!(pilot.status, PilotStatus::Running);
    let seed = pilot.seed.expect("the seed is stored");
    let members = app.store.pilot_members(&pilot_id).await.unwrap();
    assert_eq!(
        members.len(),
        school.students.len(),
        "every consenting student"
    );
    assert!(members.iter().all(|m| m.student_id != waiting.id));
    let per = |c: usize| members.iter().filter(|m| m.condition == c).count();
    assert!(
        per(0).abs_diff(per(1)) <= 1,
        "balanced: {} vs {}",
        per(0),
        per(1)
    );
    for m in &members {
        assert!(m.stratum.contains("prior mastery band"), "{}", m.stratum);
        // Balanced within every stratum too.
        let in_stratum: Vec<_> = members.iter().filter(|o| o.stratum == m.stratum).collect();
        let a = in_stratum.iter().filter(|o| o.condition == 0).count();
        assert!(a.abs_diff(in_stratum.len() - a) <= 1);
    }
    // Replayable: a fresh draw from the stored seed with the stored pre-tests gives the
    // same assignment.
    let participants: Vec<Participant> = members
        .iter()
        .map(|m| Participant {
            id: m.student_id.to_string(),
            class: m.class_id.to_string(),
            prior_mastery: m.pre_test,
        })
        .collect();
    let again = design::randomise(
        &participants,
        &RandomisationPlan {
            conditions: vec!["Review on".into(), "Review off".into()],
            unit: Unit::Student,
            mastery_bands: 3,
            seed,
        },
    )
    .unwrap();
    for (a, m) in again.assignments.iter().zip(&members) {
        assert_eq!(a.student, m.student_id.as_str());
        assert_eq!(a.condition, pilot.plan.conditions[m.condition].name);
        assert_eq!(a.stratum, m.stratum);
    }
    let page = get(&teacher, &app, &location).await;
    assert!(page.contains(&seed.to_string()));
    assert!(
        page.contains("yes: drawing again from the stored seed"),
        "{page}"
    );
    // The start is on each student's access log.
    let ana = user_id(&app, &school.students[0]).await;
    let log = app.store.audit_entries_for(&ana, 100).await.unwrap();
    assert!(
        log.iter()
            .any(|e| e.action == AuditAction::PilotAssigned.as_str()),
        "{log:?}"
    );

    // Frozen: an edit is refused and changes nothing; an amendment needs a reason.
    let changed = plan_form(&csrf, "Another question", "Review off");
    post(&teacher, &app, &format!("{location}/edit"), &changed).await;
    let page = get(&teacher, &app, &location).await;
    assert!(page.contains("its plan is frozen"), "{page}");
    let still = app.store.pilot(&pilot_id).await.unwrap().unwrap();
    assert_eq!(still.plan.question, "Does spaced review help?");
    post(
        &teacher,
        &app,
        &format!("{location}/amend"),
        &[
            ("_csrf", &csrf),
            ("field", "duration_days"),
            ("value", "28"),
            ("reason", ""),
        ],
    )
    .await;
    assert!(
        app.store
            .pilot_amendments(&pilot_id)
            .await
            .unwrap()
            .is_empty()
    );
    post(
        &teacher,
        &app,
        &format!("{location}/amend"),
        &[
            ("_csrf", &csrf),
            ("field", "duration_days"),
            ("value", "28"),
            ("reason", "The school trip took a week"),
        ],
    )
    .await;
    let amendments = app.store.pilot_amendments(&pilot_id).await.unwrap();
    assert_eq!(amendments.len(), 1);
    assert_eq!(
        (amendments[0].before.as_str(), amendments[0].after.as_str()),
        ("21", "28")
    );
    assert_eq!(
        app.store
            .pilot(&pilot_id)
            .await
            .unwrap()
            .unwrap()
            .plan
            .duration_days,
        28
    );
    let page = get(&teacher, &app, &location).await;
    assert!(
        page.contains("Reason: The school trip took a week"),
        "{page}"
    );

    // The conditions take effect: "Review off" has no spaced review and a 25-minute budget.
    let off = members.iter().find(|m| m.condition == 1).unwrap();
    let now = ownpace_web::now_ms();
    let setting = app
        .store
        .running_condition(&off.student_id, now)
        .await
        .unwrap()
        .expect("in a running pilot");
    assert!(!setting.spaced_review);
    let off_name = app
        .store
        .user(&off.student_id)
        .await
        .unwrap()
        .unwrap()
        .username;
    let token = login_api(&app, &off_name).await;
    let budgets: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/api/v1/me/screen-budget", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(budgets[0]["budget_minutes"], 25, "{budgets}");
    // A student sees nothing of pilots.
    let student = client();
    login_page(&app, &student, &off_name).await;
    let home = get(&student, &app, &format!("/learn/{}", school.course_id)).await;
    assert!(!home.contains("Does spaced review help?"));
    assert!(!home.to_lowercase().contains("pilot"));

    // The guardian sees the pilot in plain words, not the condition (blinded), and opts out.
    let guardian = client();
    let gcsrf = login_page(&app, &guardian, &school.guardian).await;
    let family = get(&guardian, &app, &format!("/family/{ana}")).await;
    assert!(family.contains("Does spaced review help?"), "{family}");
    assert!(family.contains("does not show which way your child has"));
    assert!(!family.contains("Review off") && !family.contains("Review on<"));
    post(
        &guardian,
        &app,
        &format!("/family/{ana}/pilots/{pilot_id}/opt-out"),
        &[("_csrf", &gcsrf)],
    )
    .await;
    let ana_member = app
        .store
        .pilot_members(&pilot_id)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.student_id == ana)
        .unwrap();
    assert!(ana_member.opted_out_at.is_some(), "recorded");
    assert_eq!(
        app.store.running_condition(&ana, now).await.unwrap(),
        None,
        "the default experience"
    );
    let log = app.store.audit_entries_for(&ana, 100).await.unwrap();
    assert!(
        log.iter()
            .any(|e| e.action == AuditAction::PilotOptedOut.as_str())
    );
    let family = get(&guardian, &app, &format!("/family/{ana}")).await;
    assert!(family.contains("Opted out"));
    // Another family's child: 404, like a missing pilot.
    let other = user_id(&app, &school.other_students[0]).await;
    let response = guardian
        .post(format!(
            "{}/family/{other}/pilots/{pilot_id}/opt-out",
            app.base
        ))
        .form(&[("_csrf", gcsrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);

    // Finish: outcomes stored, the opted-out student has none; the conditions end.
    post(
        &teacher,
        &app,
        &format!("{location}/finish"),
        &[("_csrf", &csrf)],
    )
    .await;
    let finished = app.store.pilot(&pilot_id).await.unwrap().unwrap();
    assert_eq!(finished.status, PilotStatus::Finished);
    assert_eq!(
        app.store
            .running_condition(&off.student_id, now)
            .await
            .unwrap(),
        None
    );
    let members = app.store.pilot_members(&pilot_id).await.unwrap();
    assert!(
        members
            .iter()
            .find(|m| m.student_id == ana)
            .unwrap()
            .outcome
            .is_none()
    );
    // Too few students: the report says so instead of reporting.
    let report = get(&teacher, &app, &format!("{location}/report")).await;
    assert!(
        report.contains("Too few students to report an effect"),
        "{report}"
    );
    assert!(!report.contains("id=\"comparisons\""));
    assert!(report.contains("opted out by a guardian"));
    // Another class's teacher cannot see it.
    let other_teacher = client();
    login_page(&app, &other_teacher, &school.other_teacher).await;
    let response = other_teacher
        .get(format!("{}{location}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

/// The report's data built here from the stored rows, independently of the web's code.
fn core_data(
    pilot: &ownpace_storage::pilots::Pilot,
    members: &[ownpace_storage::pilots::PilotMember],
) -> PilotData {
    PilotData {
        conditions: pilot
            .plan
            .conditions
            .iter()
            .map(|c| c.name.clone())
            .collect(),
        control: 0,
        unit: Unit::Student,
        students: members
            .iter()
            .map(|m| StudentResult {
                condition: m.condition,
                class: 0,
                pre: m.pre_test,
                post: if m.opted_out_at.is_some() {
                    None
                } else {
                    m.outcome
                },
            })
            .collect(),
    }
}

async fn the_demo_pilot_reports_what_core_computes(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    let school = app.school.clone();
    let pilots = app
        .store
        .pilots_of_class(&school.other_class_id)
        .await
        .unwrap();
    assert_eq!(pilots.len(), 1, "the demo's pilot is on the second class");
    assert!(
        app.store
            .pilots_of_class(&school.class_id)
            .await
            .unwrap()
            .is_empty(),
        "never on ana's class"
    );
    let pilot = &pilots[0];
    assert_eq!(pilot.status, PilotStatus::Finished);
    let members = app.store.pilot_members(&pilot.id).await.unwrap();
    assert!(members.iter().any(|m| m.opted_out_at.is_some()));
    let expected = report::report(&core_data(pilot, &members)).unwrap();
    let PilotReport::Ready {
        comparisons,
        attrition,
        ..
    } = &expected
    else {
        panic!("the demo pilot has enough students: {expected:?}");
    };
    let effect = &comparisons[0].effect;

    // The API answers core's numbers.
    let token = login_api(&app, &school.other_teacher).await;
    let path = format!(
        "/api/v1/classes/{}/pilots/{}/report",
        school.other_class_id, pilot.id
    );
    let response = reqwest::Client::new()
        .get(format!("{}{path}", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["report"]["status"], "ready");
    let got = &body["report"]["comparisons"][0]["effect"];
    for (key, want) in [
        ("g", effect.g),
        ("ci_low", effect.ci_low),
        ("ci_high", effect.ci_high),
        ("p_value", effect.p_value),
    ] {
        let value = got[key].as_f64().unwrap();
        assert!((value - want).abs() < 1e-12, "{key}: {value} vs {want}");
    }
    assert_eq!(got["method"], "ancova");
    assert_eq!(
        body["report"]["attrition"][0]["assigned"].as_u64().unwrap() as usize,
        attrition[0].assigned
    );
    assert_eq!(body["opted_out"], 1);
    assert_eq!(body["seed"], "2026");
    // The recorded assignment replays from its seed.
    let participants: Vec<Participant> = members
        .iter()
        .map(|m| Participant {
            id: m.student_id.to_string(),
            class: m.class_id.to_string(),
            prior_mastery: m.pre_test,
        })
        .collect();
    let again = design::randomise(
        &participants,
        &RandomisationPlan {
            conditions: pilot
                .plan
                .conditions
                .iter()
                .map(|c| c.name.clone())
                .collect(),
            unit: Unit::Student,
            mastery_bands: 3,
            seed: pilot.seed.unwrap(),
        },
    )
    .unwrap();
    let drawn: Vec<&str> = again
        .assignments
        .iter()
        .map(|a| a.condition.as_str())
        .collect();
    let stored: Vec<&str> = members
        .iter()
        .map(|m| pilot.plan.conditions[m.condition].name.as_str())
        .collect();
    assert_eq!(drawn, stored);

    // The page: the same g, the forest plot, distributions, subgroups, the reading.
    let teacher2 = client();
    login_page(&app, &teacher2, &school.other_teacher).await;
    let page = get(
        &teacher2,
        &app,
        &format!(
            "/classes/{}/pilots/{}/report",
            school.other_class_id, pilot.id
        ),
    )
    .await;
    assert!(
        page.contains(&format!("<td class=\"g\">{:.2}</td>", effect.g)),
        "{page}"
    );
    assert!(page.contains("<svg class=\"pilot-plot forest-plot\""));
    assert!(page.contains("<svg class=\"pilot-plot distribution-plot\""));
    assert!(page.contains("Prior mastery: lower third"));
    assert!(page.contains("What Works Clearinghouse"));
    // Ana's teacher, a student and a guardian do not get it.
    let other = login_api(&app, &school.teacher).await;
    let response = reqwest::Client::new()
        .get(format!("{}{path}", app.base))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let student = login_api(&app, &school.students[0]).await;
    let response = reqwest::Client::new()
        .get(format!("{}{path}", app.base))
        .bearer_auth(&student)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);

    // Erasing a member keeps the report's numbers: their row stays under a pseudonym.
    // (One of the students who joined for the pilot: the newest id.)
    let analysed = members
        .iter()
        .rev()
        .find(|m| m.opted_out_at.is_none() && m.outcome.is_some())
        .unwrap();
    app.store
        .erase_student(
            &analysed.student_id,
            "test",
            None,
            ownpace_storage::ErasedVia::CommandLine,
            ownpace_web::now_ms(),
        )
        .await
        .unwrap();
    // And the second class's student near the budget, a member with a practice sheet
    // (its items go before the sheet).
    let near = user_id(&app, school.near_budget.as_deref().unwrap()).await;
    assert!(members.iter().any(|m| m.student_id == near));
    app.store
        .erase_student(
            &near,
            "test",
            None,
            ownpace_storage::ErasedVia::CommandLine,
            ownpace_web::now_ms(),
        )
        .await
        .unwrap();
    let after = app.store.pilot_members(&pilot.id).await.unwrap();
    assert!(after.iter().all(|m| m.student_id != analysed.student_id));
    assert!(after.iter().all(|m| m.student_id != near));
    assert_eq!(after.len(), members.len());
    let again = report::report(&core_data(pilot, &after)).unwrap();
    let PilotReport::Ready {
        comparisons: c2, ..
    } = again
    else {
        panic!("still ready");
    };
    assert!((c2[0].effect.g - effect.g).abs() < 1e-12);
}

/// A new student with the demo password in `class` (no answers, no placement yet).
pub(crate) async fn new_student(app: &TestApp, class: &ClassId, username: &str) -> UserId {
    let hash = ownpace_web::hash_password(ownpace::demo::DEMO_PASSWORD.to_string())
        .await
        .unwrap();
    let user = app
        .store
        .create_user(NewUser {
            username,
            display_name: username,
            role: Role::Student,
            password_hash: &hash,
            created_at: ownpace_web::now_ms(),
        })
        .await
        .unwrap();
    app.store
        .add_to_class(class, &user.id, ownpace_web::now_ms())
        .await
        .unwrap();
    user.id
}

/// Issue 12, point 5: a condition that turns placement off takes effect. Its students are
/// never invited to the placement check and the check's page sends them back to the
/// course page without recording an answer; students of the other condition, and a
/// student opted out by a guardian, get the default (the invitation, the check).
async fn placement_off_in_a_pilot_is_never_offered(backend: Backend) {
    let app = spawn_app(backend, 2).await;
    let school = app.school.clone();
    let class = school.class_id.clone();
    let course = school.course_id.clone();
    let on = new_student(&app, &class, "place-on").await;
    let off = new_student(&app, &class, "place-off").await;
    let opted = new_student(&app, &class, "place-opted").await;
    let teacher = user_id(&app, &school.teacher).await;
    let mut without = condition("No placement", true, None);
    without.placement = false;
    let plan = PilotPlan {
        question: "Does the placement check help?".into(),
        conditions: vec![condition("Placement", true, None), without],
        classes: vec![class.clone()],
        unit_class: false,
        outcome: Outcome::PostTest,
        duration_days: 14,
        min_effect: 0.3,
        pre_test_r2: 0.5,
        blinded: true,
        mastery_bands: 3,
        post_test_per_skill: 0,
    };
    let now = ownpace_web::now_ms();
    let id = app
        .store
        .create_pilot(&class, &course, &plan, &teacher, now)
        .await
        .unwrap();
    let member = |s: &UserId, condition: usize| NewMember {
        student_id: s.clone(),
        class_id: class.clone(),
        condition,
        stratum: "all".into(),
        pre_test: 0.0,
    };
    let members = vec![member(&on, 0), member(&off, 1), member(&opted, 1)];
    app.store
        .start_pilot(&id, 11, design::ALGORITHM, &members, &[], now)
        .await
        .unwrap();
    let guardian = user_id(&app, &school.guardian).await;
    assert!(
        app.store
            .opt_out_of_pilot(&id, &opted, &guardian, now)
            .await
            .unwrap()
    );

    let course_page = format!("/learn/{course}");
    let check = format!("/learn/{course}/placement");
    // Placement on: invited, and the check asks a question.
    let http = client();
    login_page(&app, &http, "place-on").await;
    let home = get(&http, &app, &course_page).await;
    assert!(home.contains("id=\"start-placement\""), "{home}");
    let page = get(&http, &app, &check).await;
    assert!(page.contains("id=\"placement-form\""), "{page}");

    // Placement off: no invitation, the check's page sends the student back, and an
    // answer posted anyway is not recorded.
    let http = client();
    let csrf = login_page(&app, &http, "place-off").await;
    let home = get(&http, &app, &course_page).await;
    assert!(home.contains("id=\"next-steps\"") || home.contains("Nothing to suggest"));
    assert!(!home.contains("start-placement"), "{home}");
    assert!(!home.to_lowercase().contains("pilot"));
    let response = http
        .get(format!("{}{check}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], course_page.as_str());
    let data = app.store.current_course(&course).await.unwrap().unwrap();
    let item = &data.course.items[0];
    let response = http
        .post(format!("{}{check}/answer", app.base))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("skill", item.skills[0].as_str()),
            ("item", item.id.as_str()),
            ("key", "00000000-0000-4000-8000-000000000001"),
            ("response", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert!(
        app.store
            .placement_answers(&off, &course)
            .await
            .unwrap()
            .is_empty(),
        "nothing recorded while placement is off"
    );

    // Opted out of the same condition: the default experience, the check is offered.
    let http = client();
    login_page(&app, &http, "place-opted").await;
    let home = get(&http, &app, &course_page).await;
    assert!(home.contains("id=\"start-placement\""), "{home}");

    // Once the pilot's planned days are over, the condition ends: placement comes back.
    app.advance_days(15);
    let http = client();
    login_page(&app, &http, "place-off").await;
    let home = get(&http, &app, &course_page).await;
    assert!(home.contains("id=\"start-placement\""), "{home}");
}

/// Issue 12, point 5 ("admin or teacher"): the admin page lists every class's pilots and
/// opens their pages; an admin defines, starts and reads a pilot on a class they do not
/// teach, and the class's teachers see it; a teacher of another class still gets 404.
async fn an_admin_sees_every_pilot_and_defines_and_runs_one(backend: Backend) {
    let app = spawn_app(backend, 4).await;
    let school = app.school.clone();
    let teacher = user_id(&app, &school.teacher).await;
    let running = running_pilot(&app, &school.class_id, &teacher).await;

    let admin = client();
    let csrf = login_page(&app, &admin, &school.admin).await;
    let home = get(&admin, &app, "/admin").await;
    let link = format!("/classes/{}/pilots/{running}", school.class_id);
    assert!(home.contains("id=\"admin-pilots\""), "{home}");
    assert!(
        home.contains(&link) && home.contains("Policy check"),
        "{home}"
    );
    let page = get(&admin, &app, &link).await;
    assert!(page.contains("Policy check"), "{page}");
    assert!(
        page.contains("href=\"/admin\""),
        "the crumb leads to the admin page"
    );

    // Define on the other class (the admin teaches none): the power calculation shows.
    let other = school.other_class_id.clone();
    let list = get(&admin, &app, &format!("/classes/{other}/pilots")).await;
    assert!(list.contains("Define a pilot"), "{list}");
    let form = plan_form(&csrf, "Do budgets help?", "Budget");
    let location = post(&admin, &app, &format!("/classes/{other}/pilots"), &form).await;
    let pilot_id = location.rsplit('/').next().unwrap().to_string();
    let pilot = app.store.pilot(&pilot_id).await.unwrap().unwrap();
    assert_eq!(pilot.class_id, other);
    assert_eq!(pilot.created_by, user_id(&app, &school.admin).await);
    let page = get(&admin, &app, &location).await;
    assert!(page.contains("id=\"power-statement\""), "{page}");

    // Start: the other class's students are randomised; the report page opens.
    post(
        &admin,
        &app,
        &format!("{location}/start"),
        &[("_csrf", &csrf)],
    )
    .await;
    let pilot = app.store.pilot(&pilot_id).await.unwrap().unwrap();
    assert_eq!(pilot.status, PilotStatus::Running);
    let members = app.store.pilot_members(&pilot_id).await.unwrap();
    let students = app.store.class_students(&other).await.unwrap();
    assert_eq!(members.len(), students.len());
    assert!(!members.is_empty());
    let report = get(&admin, &app, &format!("{location}/report")).await;
    assert!(report.contains("Do budgets help?"), "{report}");
    let home = get(&admin, &app, "/admin").await;
    assert!(home.contains("Do budgets help?"), "{home}");

    // A teacher who does not teach that class still gets 404; a missing class 404s for
    // the admin too.
    let teacher_http = client();
    login_page(&app, &teacher_http, &school.teacher).await;
    let response = teacher_http
        .get(format!("{}{location}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let response = admin
        .get(format!("{}/classes/no-such-class/pilots", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

/// Issue 12, point 5, outcome "retention after 30 days": at the finish nothing is known and
/// the report says on which day it will be; once 30 days have passed after the end, each
/// student's outcome is the share of the skills they mastered during the pilot that they
/// answered correctly when they next met them 30 or more days later, from the events.
async fn retention_after_30_days_is_ready_30_days_after_the_end(backend: Backend) {
    const DAY: i64 = 86_400_000;
    let app = spawn_app(backend, 2).await;
    let school = app.school.clone();
    let class = school.class_id.clone();
    let course_id = school.course_id.clone();
    let course = app.store.current_course(&course_id).await.unwrap().unwrap();
    let keeps = new_student(&app, &class, "ret-keeps").await;
    let forgets = new_student(&app, &class, "ret-forgets").await;
    let idle = new_student(&app, &class, "ret-idle").await;
    let teacher = user_id(&app, &school.teacher).await;
    let plan = PilotPlan {
        question: "Does review keep skills?".into(),
        conditions: vec![
            condition("Review on", true, None),
            condition("Review off", false, None),
        ],
        classes: vec![class.clone()],
        unit_class: false,
        outcome: Outcome::Retention30,
        duration_days: 14,
        min_effect: 0.3,
        pre_test_r2: 0.5,
        blinded: true,
        mastery_bands: 3,
        post_test_per_skill: 0,
    };
    let t0 = ownpace_web::now_ms();
    let id = app
        .store
        .create_pilot(&class, &course_id, &plan, &teacher, t0)
        .await
        .unwrap();
    let member = |s: &UserId, condition: usize| NewMember {
        student_id: s.clone(),
        class_id: class.clone(),
        condition,
        stratum: "all".into(),
        pre_test: 0.0,
    };
    app.store
        .start_pilot(
            &id,
            5,
            design::ALGORITHM,
            &[member(&keeps, 0), member(&forgets, 1), member(&idle, 0)],
            &[],
            t0,
        )
        .await
        .unwrap();
    let state = app.state(ownpace_web::Config::default());
    let skill = course.course.skills[0].id.clone();
    let item = course
        .course
        .items_for_skill(&skill)
        .next()
        .unwrap()
        .id
        .clone();
    let skills = vec![skill.clone()];
    let answer = |student: UserId, correct: bool, at: i64, key: String| {
        let store = app.store.clone();
        let item = item.clone();
        let skills = skills.clone();
        let course_id = course_id.clone();
        let state = state.clone();
        async move {
            store
                .record_answer(
                    &ownpace_storage::AnswerRecord {
                        student_id: &student,
                        course_id: &course_id,
                        course_version: course.version,
                        item_id: &item,
                        skills: &skills,
                        response: "null",
                        correct,
                        occurred_at: at,
                        duration_ms: Some(20_000),
                        idempotency_key: &key,
                    },
                    |s| state.bkt_params(s),
                )
                .await
                .unwrap();
        }
    };
    // Both master the skill in the pilot's first hour.
    for (who, student) in [("k", &keeps), ("f", &forgets)] {
        for i in 0..15 {
            answer(
                student.clone(),
                true,
                t0 + 60_000 * (i + 1),
                format!("{who}{i}"),
            )
            .await;
        }
        let mastered = app
            .store
            .student_mastery(student, &course_id)
            .await
            .unwrap()
            .iter()
            .any(|m| m.skill_id == skill && m.progress.is_mastered());
        assert!(mastered, "15 right answers master the skill");
    }
    // 20 days later a wrong answer (too early to count), then at 31 days: right / wrong.
    answer(keeps.clone(), false, t0 + 20 * DAY, "k-early".into()).await;
    answer(keeps.clone(), true, t0 + 31 * DAY, "k-late".into()).await;
    answer(forgets.clone(), false, t0 + 31 * DAY, "f-late".into()).await;
    answer(forgets.clone(), true, t0 + 32 * DAY, "f-later".into()).await;

    // Finish a day in: the report says when it will be ready, nothing is stored yet.
    app.advance_days(1);
    let http = client();
    let csrf = login_page(&app, &http, &school.teacher).await;
    let location = format!("/classes/{class}/pilots/{id}");
    post(
        &http,
        &app,
        &format!("{location}/finish"),
        &[("_csrf", &csrf)],
    )
    .await;
    let pilot = app.store.pilot(&id).await.unwrap().unwrap();
    let finished = pilot.finished_at.unwrap();
    let page = get(&http, &app, &format!("{location}/report")).await;
    assert!(page.contains("id=\"retention-ready-on\""), "{page}");
    let day = ownpace_core::recommend::dates::day_month(finished + 30 * DAY, finished);
    assert!(page.contains(&day), "ready on {day}: {page}");
    assert!(
        app.store
            .pilot_members(&id)
            .await
            .unwrap()
            .iter()
            .all(|m| m.outcome.is_none())
    );

    // 29 days after the finish: still not ready (signed in again: sessions expire).
    app.advance_days(29);
    let http = client();
    login_page(&app, &http, &school.teacher).await;
    let page = get(&http, &app, &format!("{location}/report")).await;
    assert!(page.contains("id=\"retention-ready-on\""));

    // 31 days after the finish: computed from the events and stored.
    app.advance_days(2);
    let http = client();
    login_page(&app, &http, &school.teacher).await;
    let page = get(&http, &app, &format!("{location}/report")).await;
    assert!(!page.contains("retention-ready-on"), "{page}");
    let outcome = |s: &UserId, members: &[ownpace_storage::pilots::PilotMember]| {
        members.iter().find(|m| &m.student_id == s).unwrap().outcome
    };
    let members = app.store.pilot_members(&id).await.unwrap();
    assert_eq!(outcome(&keeps, &members), Some(1.0));
    assert_eq!(outcome(&forgets, &members), Some(0.0));
    assert_eq!(
        outcome(&idle, &members),
        None,
        "nothing mastered: no outcome"
    );
}
