//! The demo school: the demo course, two classes, teachers, ~25 students with simulated
//! histories, a guardian and an admin, so every page has something real to show.
//!
//! Histories are simulated, not invented: each student has a hidden knowledge state per
//! skill that grows with practice (at a rate set by the student's profile), answers are
//! drawn from it with guessing and slipping, graded by the real grader and recorded
//! through the same storage call the web uses, so mastery, "stuck" and "inactive" on the
//! dashboard arise the way they would in a real class. A fixed seed makes it repeatable.

use crate::course_dir;
use anyhow::{Context, anyhow};
use ownpace_core::course::{AnswerSpec, Course, Item, Response, Skill, grade};
use ownpace_core::events::EventKind;
use ownpace_core::ids::{ClassId, CourseId, SkillId, UserId};
use ownpace_core::learner::bkt::BktParams;
use ownpace_core::progress::SkillProgress;
use ownpace_storage::{AnswerRecord, EventRecord, NewUser, Role, Store};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;

/// The one password of every demo account (the demo is for trying Ownpace, not for real data).
pub const DEMO_PASSWORD: &str = "ownpace-demo";

/// The demo's accounts and ids, for printing and for tests.
#[derive(Debug, Clone)]
pub struct DemoSchool {
    pub course_id: CourseId,
    pub class_id: ClassId,
    pub other_class_id: ClassId,
    pub admin: String,
    pub teacher: String,
    pub other_teacher: String,
    pub guardian: String,
    /// Usernames of the main class's students; the guardian's child is the first.
    pub students: Vec<String>,
    pub other_students: Vec<String>,
    /// The second class's student whose screen time is near the class budget (issue 12).
    pub near_budget: Option<String>,
}

/// The demo guardian's address for weekly letters.
pub const DEMO_GUARDIAN_ADDRESS: &str = "sam.okafor@family.example";

const FIRST_NAMES: &[&str] = &[
    "Ana", "Ben", "Chloé", "Dmitri", "Esi", "Farah", "Gabriel", "Hana", "Ibrahim", "Jade", "Kofi",
    "Lena", "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tariq", "Uma", "Viktor",
    "Wen", "Ximena", "Yusuf", "Zoe", "Aiko", "Bruno", "Carmen", "Dev",
];
const LAST_INITIALS: &str = "ABCDEFGHJKLMNOPRSTVWYZ";

/// How a simulated student learns and how much they have worked.
#[derive(Clone, Copy)]
struct Profile {
    /// Chance per practice opportunity of learning an unknown skill.
    learn: f64,
    /// Chance of already knowing each of the first skills of the course.
    prior: f64,
    guess: f64,
    slip: f64,
    /// Days with practice in the last three weeks.
    active_days: u32,
    /// Days since the last activity.
    idle_days: u32,
}

fn profile_for(index: usize, rng: &mut ChaCha8Rng) -> Profile {
    let jitter = |rng: &mut ChaCha8Rng, x: f64| (x * rng.random_range(0.8..1.25)).min(0.9);
    match index % 8 {
        // Strong, steady learners.
        0 | 4 => Profile {
            learn: jitter(rng, 0.6),
            prior: 0.7,
            guess: 0.25,
            slip: 0.04,
            active_days: 12,
            idle_days: 0,
        },
        // Struggling: learns slowly, answers wrongly often (shows up as stuck).
        3 => Profile {
            learn: jitter(rng, 0.06),
            prior: 0.2,
            guess: 0.15,
            slip: 0.15,
            active_days: 8,
            idle_days: 1,
        },
        // Has not logged in for a while (inactive).
        6 => Profile {
            learn: jitter(rng, 0.4),
            prior: 0.4,
            guess: 0.2,
            slip: 0.06,
            active_days: 3,
            idle_days: 9 + (index as u32 % 5),
        },
        // Typical.
        _ => Profile {
            learn: jitter(rng, 0.4),
            prior: 0.5,
            guess: 0.2,
            slip: 0.06,
            active_days: 9,
            idle_days: 0,
        },
    }
}

/// Creates the demo school in an empty database. `now` is the time the histories end at.
pub async fn seed(
    store: &Store,
    now: i64,
    students: usize,
    seed: u64,
) -> anyhow::Result<DemoSchool> {
    let loaded = course_dir::load(&course_dir::demo_course_files()).map_err(|errors| {
        anyhow!(
            "the built-in demo course is invalid:\n{}",
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    })?;
    store
        .import_course(&loaded.course, &loaded.assets, now)
        .await?;
    let course = loaded.course;
    let hash = ownpace_web::hash_password(DEMO_PASSWORD.to_string())
        .await
        .map_err(|e| anyhow!("hashing the demo password: {e}"))?;
    let user = |username: &'static str, name: &'static str, role| {
        let hash = hash.clone();
        async move {
            store
                .create_user(NewUser {
                    username,
                    display_name: name,
                    role,
                    password_hash: &hash,
                    created_at: now,
                })
                .await
                .with_context(|| format!("creating demo account {username}"))
        }
    };
    let admin = user("admin", "Alex Admin", Role::Admin).await?;
    let teacher = user("teacher", "Ms. Rivera", Role::Teacher).await?;
    let other_teacher = user("teacher2", "Mr. Osei", Role::Teacher).await?;
    let guardian = user("guardian", "Sam Okafor", Role::Guardian).await?;
    // The family of every other demo student (one account, so the demo stays small): it
    // records their consent, as a guardian would where the school asks for it.
    let families = user("guardian2", "Lee Mensah", Role::Guardian).await?;
    let notice = ownpace_web::consent::notice_version(&ownpace_web::Config::default());
    let this_year = ownpace_web::consent::year_of(now);

    let class = store
        .create_class("Grade 6 Maths · Period 2", &course.id, now)
        .await?;
    let other_class = store
        .create_class("Grade 6 Maths · Period 4", &course.id, now)
        .await?;
    store.add_to_class(&class.id, &teacher.id, now).await?;
    store
        .add_to_class(&other_class.id, &other_teacher.id, now)
        .await?;

    // Check-ins every week in the main class (issue 9, point 2), set five weeks ago.
    store
        .set_checkin_rhythm(&class.id, Some(7), &teacher.id, now - 35 * 86_400_000)
        .await?;

    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let other_count = 5.min(FIRST_NAMES.len().saturating_sub(students));
    let mut main_usernames = Vec::new();
    let mut other_usernames = Vec::new();
    let mut other_ids = Vec::new();
    for index in 0..students + other_count {
        let first = FIRST_NAMES[index % FIRST_NAMES.len()];
        let initial = LAST_INITIALS
            .chars()
            .nth((index * 7) % LAST_INITIALS.len())
            .unwrap_or('A');
        let display = format!("{first} {initial}.");
        let username = first
            .to_lowercase()
            .chars()
            .map(|c| match c {
                'é' => 'e',
                c => c,
            })
            .collect::<String>();
        let username = if index >= FIRST_NAMES.len() {
            format!("{username}{index}")
        } else {
            username
        };
        let student = store
            .create_user(NewUser {
                username: &username,
                display_name: &display,
                role: Role::Student,
                password_hash: &hash,
                created_at: now,
            })
            .await?;
        let in_main = index < students;
        store
            .add_to_class(
                if in_main { &class.id } else { &other_class.id },
                &student.id,
                now,
            )
            .await?;
        // Consent where the school asks for it: every demo student is 11 or 12 and has
        // a guardian's consent to use Ownpace (none to send data outside the server).
        let family = if index == 0 { &guardian } else { &families };
        store.add_guardian(&family.id, &student.id).await?;
        store
            .set_birth_year(
                None,
                &student.id,
                Some(this_year - 12 - (index as i64 % 2)),
                now,
            )
            .await?;
        store
            .give_consent(
                &family.id,
                &student.id,
                &[ownpace_core::consent::Scope::Use],
                &notice,
                now,
            )
            .await?;
        let profile = profile_for(index, &mut rng);
        simulate_history(store, &course, &student.id, profile, now, &mut rng).await?;
        let class_teacher = if in_main {
            &teacher.id
        } else {
            &other_teacher.id
        };
        give_interests_and_goal(store, &course, &student.id, class_teacher, index, now).await?;
        if index == 1 {
            // A raised hand waiting on the teacher's "who needs you today" list.
            let skill = course.skills.get(2).map(|s| SkillId::new(s.id.as_str()));
            store
                .raise_hand(&student.id, &course.id, skill.as_ref(), None, now - 600_000)
                .await?;
        }
        if in_main {
            seed_checkins(
                store,
                &course,
                &class.id,
                &teacher.id,
                &student.id,
                index,
                now,
            )
            .await?;
        }
        if in_main {
            main_usernames.push(username)
        } else {
            other_usernames.push(username);
            other_ids.push(student.id.clone());
        }
    }
    // The second class's student near the budget: the first one without screen time in
    // the last day, so today's figure is exactly what `seed_screen_time` adds.
    let mut near = None;
    for id in &other_ids {
        if store.screen_stamps(id, now - 86_400_000).await?.is_empty() {
            near = Some(id.clone());
            break;
        }
    }
    let near = near.or_else(|| other_ids.first().cloned());
    let near_budget = near
        .as_ref()
        .and_then(|id| other_ids.iter().position(|o| o == id))
        .and_then(|i| other_usernames.get(i).cloned());
    if let Some(student) = near {
        seed_screen_time(
            store,
            &course,
            &other_class.id,
            &other_teacher.id,
            &student,
            now,
            &mut rng,
        )
        .await?;
    }
    // The finished pilot on the second class (issue 12, point 10; CONTRACTS: never ana's).
    let pilot_cohort = seed_pilot(
        store,
        &course,
        &other_class.id,
        &other_teacher.id,
        &families.id,
        &hash,
        &other_ids,
        now,
        &mut rng,
    )
    .await?;
    other_usernames.extend(pilot_cohort);
    // The weekly letter (issue 9, point 7): the demo's guardian gave an address, so their
    // child's page shows the letter and, with `--smtp-url`, it is sent.
    store
        .set_letter_address(&guardian.id, Some(DEMO_GUARDIAN_ADDRESS), &guardian.id, now)
        .await?;
    Ok(DemoSchool {
        course_id: course.id.clone(),
        class_id: class.id,
        other_class_id: other_class.id,
        admin: admin.username,
        teacher: teacher.username,
        other_teacher: other_teacher.username,
        guardian: guardian.username,
        students: main_usernames,
        other_students: other_usernames,
        near_budget,
    })
}

/// Interests for everyone (so projects are matched), and for every third student a goal:
/// the next skill they have not mastered, due in one to three weeks, proposed by the
/// student and (for every other one) agreed by their teacher.
async fn give_interests_and_goal(
    store: &Store,
    course: &Course,
    student_id: &UserId,
    teacher_id: &UserId,
    index: usize,
    now: i64,
) -> anyhow::Result<()> {
    let mut tags: Vec<String> = course
        .projects
        .iter()
        .flat_map(|p| p.interests.clone())
        .collect();
    tags.sort();
    tags.dedup();
    if !tags.is_empty() {
        let chosen = vec![
            tags[index % tags.len()].clone(),
            tags[(index * 7 + 3) % tags.len()].clone(),
        ];
        store.set_interests(student_id, &chosen).await?;
    }
    if !index.is_multiple_of(3) {
        return Ok(());
    }
    let mastery = store.student_mastery(student_id, &course.id).await?;
    let mastered = |id: &str| {
        mastery
            .iter()
            .any(|m| m.skill_id == id && m.progress.is_mastered())
    };
    if let Some(skill) = course.skills.iter().find(|s| !mastered(&s.id)) {
        let due = now + (7 + 7 * (index % 3) as i64) * 86_400_000;
        store
            .create_goal(ownpace_storage::NewGoal {
                student_id,
                course_id: &course.id,
                title: &skill.name,
                skills: std::slice::from_ref(&skill.id),
                project_id: None,
                target_at: due,
                created_by: student_id,
                created_at: now,
            })
            .await?;
        // Every other goal is already agreed with the teacher; the rest wait for them.
        if index.is_multiple_of(2) {
            let goal = store
                .open_goals(student_id, &course.id)
                .await?
                .into_iter()
                .next();
            if let Some(goal) = goal {
                store
                    .review_goal(
                        student_id,
                        &goal.id,
                        ownpace_storage::GoalDecision::Accept,
                        "Good choice: we will look at your answers together on Friday.",
                        teacher_id,
                        now,
                    )
                    .await?;
                // The notice the page writes when a teacher agrees (left unread).
                store
                    .notify(
                        student_id,
                        student_id,
                        "goal_agreed",
                        &format!(
                            "Your teacher agreed to your goal \u{201c}{}\u{201d}.",
                            goal.title
                        ),
                        &format!("/learn/{}#goals", course.id),
                        now,
                    )
                    .await?;
            }
        }
    }
    Ok(())
}

/// A response to `item` that is correct or not, as asked (when the item allows it).
fn respond(item: &Item, correct: bool, rng: &mut ChaCha8Rng) -> Response {
    match &item.answer {
        AnswerSpec::Choice { choices } => {
            let wanted: Vec<usize> = (0..choices.len())
                .filter(|&i| choices[i].correct == correct)
                .collect();
            Response::Choice(
                wanted
                    .get(rng.random_range(0..wanted.len().max(1)))
                    .copied()
                    .unwrap_or(0),
            )
        }
        AnswerSpec::Numeric {
            value, tolerance, ..
        } => {
            let shown = if correct {
                *value
            } else {
                value + tolerance + [1.0, -1.0, 2.0, 0.5][rng.random_range(0..4)]
            };
            Response::Text(ownpace_core::course::format_number(shown))
        }
        AnswerSpec::Text { accepted, .. } => {
            if correct {
                Response::Text(accepted.first().cloned().unwrap_or_default())
            } else {
                Response::Text("I am not sure".to_string())
            }
        }
    }
}

async fn simulate_history(
    store: &Store,
    course: &Course,
    student_id: &UserId,
    profile: Profile,
    now: i64,
    rng: &mut ChaCha8Rng,
) -> anyhow::Result<()> {
    const DAY: i64 = 86_400_000;
    let params = BktParams::default();
    let mut known: HashMap<&str, bool> = HashMap::new();
    for (depth, skill) in course.skills.iter().enumerate() {
        let prior = profile.prior * (1.0 - depth as f64 / course.skills.len() as f64).powi(2);
        known.insert(skill.id.as_str(), rng.random_bool(prior.clamp(0.0, 1.0)));
    }
    let mut progress: HashMap<String, SkillProgress> = HashMap::new();
    let mut seen: HashMap<&str, u32> = HashMap::new();
    let mut given_up: Vec<String> = Vec::new();
    let first_day = 21_i64;
    let last_day = i64::from(profile.idle_days);
    let mut day_choices: Vec<i64> = (last_day..first_day).collect();
    // Spread the active days over the window, always including the most recent one.
    let mut days = vec![last_day];
    while days.len() < profile.active_days as usize && !day_choices.is_empty() {
        let pick = day_choices.swap_remove(rng.random_range(0..day_choices.len()));
        if pick != last_day {
            days.push(pick);
        }
    }
    days.sort_unstable_by(|a, b| b.cmp(a));
    let mut key = 0u32;
    for days_ago in days {
        let mut at = now - days_ago * DAY - rng.random_range(2..6) * 3_600_000;
        let answers_today = rng.random_range(5..12);
        let mut answered = 0;
        while answered < answers_today {
            let mastered = |id: &str| progress.get(id).is_some_and(|p| p.is_mastered());
            // Like a class in the middle of a unit: students move between the two or three
            // skills open to them rather than finishing one before the next, so the
            // heatmap shows a frontier of skills in progress.
            let open: Vec<&Skill> = course
                .skills
                .iter()
                .filter(|s| {
                    !mastered(&s.id)
                        && !given_up.contains(&s.id)
                        && s.prerequisites.iter().all(|p| mastered(p))
                })
                .take(3)
                .collect();
            if open.is_empty() {
                break;
            }
            let skill = open[rng.random_range(0..open.len())];
            let state = progress
                .entry(skill.id.clone())
                .or_insert_with(|| SkillProgress::initial(&params));
            if state.attempts == 0
                && let Some(lesson) = course.lessons_for_skill(&skill.id).next()
            {
                key += 1;
                store
                    .record_event(&EventRecord {
                        student_id,
                        course_id: &course.id,
                        course_version: 1,
                        kind: EventKind::Lesson,
                        skills: &lesson.skills,
                        item_id: Some(&lesson.id),
                        data: None,
                        occurred_at: at,
                        duration_ms: Some(i64::from(lesson.minutes) * 60_000),
                        idempotency_key: &format!("demo-{key}"),
                    })
                    .await?;
                at += i64::from(lesson.minutes) * 60_000;
            }
            let items: Vec<&Item> = course.items_for_skill(&skill.id).collect();
            if items.is_empty() {
                given_up.push(skill.id.clone());
                continue;
            }
            let count = seen.entry(skill.id.as_str()).or_insert(0);
            let item = items[*count as usize % items.len()];
            *count += 1;
            let knows = known.get(skill.id.as_str()).copied().unwrap_or(false);
            let correct_wanted = rng.random_bool(if knows {
                1.0 - profile.slip
            } else {
                profile.guess
            });
            let response = respond(item, correct_wanted, rng);
            let correct = grade(item, &response).correct;
            let response_json = serde_json::to_string(&response)?;
            let duration = rng.random_range(15_000..90_000);
            at += duration;
            key += 1;
            let recorded = store
                .record_answer(
                    &AnswerRecord {
                        student_id,
                        course_id: &course.id,
                        course_version: 1,
                        item_id: &item.id,
                        skills: &item.skills,
                        response: &response_json,
                        correct,
                        occurred_at: at,
                        duration_ms: Some(duration),
                        idempotency_key: &format!("demo-{key}"),
                    },
                    |_| params,
                )
                .await?;
            for change in recorded.mastery {
                progress.insert(change.skill, change.after);
            }
            if !knows && rng.random_bool(profile.learn) {
                known.insert(skill.id.as_str(), true);
            }
            let state = &progress[&skill.id];
            if state.attempts >= 14 && !state.is_mastered() {
                // Leaves the skill for now, still flagged as stuck for the teacher.
                given_up.push(skill.id.clone());
            }
            answered += 1;
        }
    }
    Ok(())
}

/// The demo's screen-time budget, on the second class (CONTRACTS: never ana's), in
/// minutes a day and a week.
pub const DEMO_DAILY_BUDGET: u32 = 30;
pub const DEMO_WEEKLY_BUDGET: u32 = 600;

/// Screen time on the second class (issue 12): Mr. Osei sets a budget of 30 minutes a day,
/// and the class's first student has worked on screen for the last 22 minutes, so 8 are
/// left and their next steps are offline ones, a printable practice sheet first. One
/// sheet is made already, with a self-reported result waiting for the teacher.
async fn seed_screen_time(
    store: &Store,
    course: &Course,
    class_id: &ClassId,
    teacher_id: &UserId,
    student_id: &UserId,
    now: i64,
    rng: &mut ChaCha8Rng,
) -> anyhow::Result<()> {
    const MINUTE: i64 = 60_000;
    store
        .set_class_budget(
            class_id,
            ownpace_core::screen_time::Budget {
                daily_minutes: Some(DEMO_DAILY_BUDGET),
                weekly_minutes: Some(DEMO_WEEKLY_BUDGET),
            },
            teacher_id,
            now,
        )
        .await?;
    // The first item opened 23 minutes ago, answers two minutes apart from 21 to 1 minute
    // ago: 22 minutes on screen today (unless the demo is made just after midnight).
    let mastery = store.student_mastery(student_id, &course.id).await?;
    let mastered = |id: &str| {
        mastery
            .iter()
            .any(|m| m.skill_id.as_str() == id && m.progress.is_mastered())
    };
    let skill = course
        .skills
        .iter()
        .find(|s| {
            !mastered(&s.id)
                && s.prerequisites.iter().all(|p| mastered(p))
                && course.items_for_skill(&s.id).next().is_some()
        })
        .or_else(|| course.skills.first())
        .ok_or_else(|| anyhow!("the demo course has no skills"))?;
    let items: Vec<&Item> = course.items_for_skill(&skill.id).collect();
    let params = BktParams::default();
    for (i, minutes_ago) in (1..=21).rev().step_by(2).enumerate() {
        let Some(item) = items.get(i % items.len().max(1)) else {
            break;
        };
        let response = respond(item, rng.random_bool(0.6), rng);
        let correct = grade(item, &response).correct;
        store
            .record_answer(
                &AnswerRecord {
                    student_id,
                    course_id: &course.id,
                    course_version: 1,
                    item_id: &item.id,
                    skills: &item.skills,
                    response: &serde_json::to_string(&response)?,
                    correct,
                    occurred_at: now - minutes_ago * MINUTE,
                    duration_ms: Some(2 * MINUTE),
                    idempotency_key: &format!("demo-screen-{i}"),
                },
                |_| params,
            )
            .await?;
    }
    // A sheet made yesterday evening, one result typed in by the student.
    let answered = HashMap::new();
    let sheet_items: Vec<_> = ownpace_core::sheet::choose_items(
        course,
        std::slice::from_ref(&skill.id),
        &answered,
        "demo",
    )
    .into_iter()
    .map(|i| (i.id.clone(), i.skills.clone()))
    .collect();
    if !sheet_items.is_empty() {
        let made = now - 20 * 3_600_000;
        let id = store
            .create_sheet(student_id, &course.id, 1, &sheet_items, made)
            .await?;
        if let Some(sheet) = store.sheet(&id).await?
            && let Some(first) = sheet.items.first()
            && let Some(item) = course.item(first.item_id.as_str())
        {
            let response = respond(item, true, rng);
            let correct = grade(item, &response).correct;
            store
                .record_sheet_result(
                    &sheet,
                    first,
                    &serde_json::to_string(&response)?,
                    correct,
                    made + 3_600_000,
                )
                .await?;
        }
    }
    Ok(())
}

/// Students who join the second class for its pilot (so the report has enough students
/// to say something: 10 or more analysed per condition).
pub const DEMO_PILOT_JOINERS: usize = 19;
/// The demo pilot's seed: its assignment replays from it.
pub const DEMO_PILOT_SEED: u64 = 2026;

/// The second class's finished pilot (issue 12, point 10): Mr. Osei compared spaced review
/// on and off for four weeks, students randomised within prior-mastery bands, a post-test
/// he entered at the end; one guardian opted their child out (attrition). The class grows
/// by [`DEMO_PILOT_JOINERS`] students for it, whose pre-test (the share of the course they
/// had mastered when the pilot started, five weeks ago) and post-test are simulated: a
/// post-test that follows the pre-test, plus a planted effect of spaced review (5 points,
/// about half an SD), plus noise. The assignment is the real randomisation of `core::pilot`
/// from [`DEMO_PILOT_SEED`], so the page's replay check holds.
#[allow(clippy::too_many_arguments)]
async fn seed_pilot(
    store: &Store,
    course: &Course,
    class_id: &ClassId,
    teacher_id: &UserId,
    family_id: &UserId,
    hash: &str,
    class_students: &[UserId],
    now: i64,
    rng: &mut ChaCha8Rng,
) -> anyhow::Result<Vec<String>> {
    use ownpace_core::pilot::design::{self, Participant, RandomisationPlan, Unit};
    use ownpace_storage::pilots::{ConditionSetting, NewMember, Outcome, PilotPlan};
    const DAY: i64 = 86_400_000;
    let notice = ownpace_web::consent::notice_version(&ownpace_web::Config::default());
    let this_year = ownpace_web::consent::year_of(now);
    let started = now - 35 * DAY;
    let mut usernames = Vec::new();
    let mut participants = Vec::new();
    let skills = course.skills.len().max(1) as f64;
    for id in class_students {
        let mastered = store
            .student_mastery(id, &course.id)
            .await?
            .iter()
            .filter(|m| m.progress.is_mastered())
            .count() as f64;
        participants.push(Participant {
            id: id.to_string(),
            class: class_id.to_string(),
            prior_mastery: mastered / skills,
        });
    }
    for n in 0..DEMO_PILOT_JOINERS {
        let first = FIRST_NAMES[(n * 7 + 3) % FIRST_NAMES.len()];
        let initial = LAST_INITIALS
            .chars()
            .nth((n * 5 + 2) % LAST_INITIALS.len())
            .unwrap_or('A');
        let username = format!(
            "{}-p4",
            first
                .to_lowercase()
                .chars()
                .map(|c| if c == 'é' { 'e' } else { c })
                .collect::<String>()
        );
        let username = if usernames.contains(&username) {
            format!("{username}{n}")
        } else {
            username
        };
        let display = format!("{first} {initial}.");
        let student = store
            .create_user(NewUser {
                username: &username,
                display_name: &display,
                role: Role::Student,
                password_hash: hash,
                created_at: started - 7 * DAY,
            })
            .await?;
        store
            .add_to_class(class_id, &student.id, started - 7 * DAY)
            .await?;
        store.add_guardian(family_id, &student.id).await?;
        store
            .set_birth_year(None, &student.id, Some(this_year - 12), now)
            .await?;
        store
            .give_consent(
                family_id,
                &student.id,
                &[ownpace_core::consent::Scope::Use],
                &notice,
                started - 7 * DAY,
            )
            .await?;
        participants.push(Participant {
            id: student.id.to_string(),
            class: class_id.to_string(),
            prior_mastery: rng.random_range(0.05..0.75),
        });
        usernames.push(username);
    }
    let conditions = vec![
        ConditionSetting {
            name: "Spaced review off".into(),
            spaced_review: false,
            placement: true,
            daily_minutes: None,
            weekly_minutes: None,
            note: String::new(),
            policy: Default::default(),
            lesson_variant: None,
        },
        ConditionSetting {
            name: "Spaced review on".into(),
            spaced_review: true,
            placement: true,
            daily_minutes: None,
            weekly_minutes: None,
            note: String::new(),
            policy: Default::default(),
            lesson_variant: None,
        },
    ];
    let plan = PilotPlan {
        question: "Does spaced review help Period 4 do better on the end-of-unit post-test?".into(),
        conditions: conditions.clone(),
        classes: vec![class_id.clone()],
        unit_class: false,
        outcome: Outcome::PostTest,
        duration_days: 28,
        min_effect: 0.3,
        pre_test_r2: 0.5,
        blinded: true,
        mastery_bands: 3,
        post_test_per_skill: 2,
    };
    let pilot = store
        .create_pilot(class_id, &course.id, &plan, teacher_id, started - 2 * DAY)
        .await?;
    let drawn = design::randomise(
        &participants,
        &RandomisationPlan {
            conditions: conditions.iter().map(|c| c.name.clone()).collect(),
            unit: Unit::Student,
            mastery_bands: 3,
            seed: DEMO_PILOT_SEED,
        },
    )
    .map_err(|e| anyhow!("the demo pilot's randomisation: {e}"))?;
    let members: Vec<NewMember> = drawn
        .assignments
        .iter()
        .map(|a| NewMember {
            student_id: UserId::new(a.student.as_str()),
            class_id: ClassId::new(a.class.as_str()),
            condition: usize::from(a.condition == "Spaced review on"),
            stratum: a.stratum.clone(),
            pre_test: participants
                .iter()
                .find(|p| p.id == a.student)
                .map_or(0.0, |p| p.prior_mastery),
        })
        .collect();
    // The post-test's held-out items, drawn from the pilot's seed as a real start does.
    let held_out = ownpace_core::pilot::post_test::hold_out(course, 2, DEMO_PILOT_SEED);
    store
        .start_pilot(
            &pilot,
            DEMO_PILOT_SEED,
            &drawn.algorithm,
            &members,
            &held_out,
            started,
        )
        .await?;
    // A guardian opted one child out in the second week.
    if let Some(first) = members.first() {
        store
            .opt_out_of_pilot(&pilot, &first.student_id, family_id, started + 9 * DAY)
            .await?;
    }
    // Each student (but the opted-out one) took the post-test at the end: every held-out
    // item answered right with their simulated chance, as `post-test-answer` events; two
    // took it on paper, their scores entered by the teacher. The outcome is computed from
    // those, as for a real pilot.
    let items: Vec<&Item> = held_out.iter().filter_map(|id| course.item(id)).collect();
    let mut outcomes: Vec<(UserId, Option<f64>)> = Vec::new();
    let mut paper = Vec::new();
    for (i, m) in members.iter().enumerate() {
        let noise: f64 = (0..4).map(|_| rng.random_range(-1.0..1.0)).sum::<f64>() * 6.0;
        let chance = (45.0 + 45.0 * m.pre_test + 5.0 * m.condition as f64 + noise) / 100.0;
        let chance = chance.clamp(0.02, 0.98);
        if i == 0 {
            outcomes.push((m.student_id.clone(), None));
            continue;
        }
        if i <= 2 {
            let score = (100.0 * chance).round();
            paper.push((m.student_id.clone(), Some(score)));
            outcomes.push((m.student_id.clone(), Some(score)));
            continue;
        }
        let mut at = started + 28 * DAY - 3 * 3_600_000;
        let mut answers = Vec::new();
        for (k, item) in items.iter().enumerate() {
            let wanted = rng.random_bool(chance);
            let response = respond(item, wanted, rng);
            let correct = grade(item, &response).correct;
            let duration = rng.random_range(20_000..80_000);
            at += duration;
            store
                .record_post_test_answer(&AnswerRecord {
                    student_id: &m.student_id,
                    course_id: &course.id,
                    course_version: 1,
                    item_id: &item.id,
                    skills: &item.skills,
                    response: &serde_json::to_string(&response)?,
                    correct,
                    occurred_at: at,
                    duration_ms: Some(duration),
                    idempotency_key: &format!("demo-post-test-{k}"),
                })
                .await?;
            answers.push((item.id.to_string(), correct));
        }
        outcomes.push((
            m.student_id.clone(),
            ownpace_core::pilot::post_test::score(&held_out, &answers),
        ));
    }
    store.set_paper_scores(&pilot, &paper).await?;
    store
        .finish_pilot(&pilot, &outcomes, started + 28 * DAY)
        .await?;
    Ok(usernames)
}

/// Whether the database already holds the demo school (so `demo` can be run again).
pub async fn exists(store: &Store) -> anyhow::Result<bool> {
    Ok(store.user_by_username("teacher").await?.is_some())
}

/// Past check-ins in the main class: the guardian's child (index 0) has three, the latest
/// four days ago (so not due under the weekly rhythm), one with a note shared with the
/// family and one with an agreed pin, plus answers prepared for the next one; every other
/// student has one, ten days ago for every second one (so a check-in is due for them) and
/// three days ago for the rest.
async fn seed_checkins(
    store: &Store,
    course: &Course,
    class_id: &ownpace_core::ids::ClassId,
    teacher_id: &UserId,
    student_id: &UserId,
    index: usize,
    now: i64,
) -> anyhow::Result<()> {
    use ownpace_storage::{ActionKind, CheckinPrep, NewAction, NewCheckin};
    const DAY: i64 = 86_400_000;
    let hold = |days_ago: i64, notes: Vec<(String, bool)>, actions: Vec<NewAction>| async move {
        store
            .hold_checkin(NewCheckin {
                student_id,
                class_id,
                teacher_id,
                at: now - days_ago * DAY,
                notes: &notes,
                actions: &actions,
            })
            .await
    };
    let prep = |well: &str, hard: &str, next: &str| CheckinPrep {
        went_well: well.into(),
        was_hard: hard.into(),
        next_step: next.into(),
        saved_at: 0,
    };
    if index == 0 {
        let skill = course.skills.get(3).map(|s| SkillId::new(s.id.as_str()));
        store
            .save_checkin_prep(
                student_id,
                class_id,
                &prep(
                    "Finished the first unit early.",
                    "Word problems with mixed numbers.",
                    "Start ratios.",
                ),
                now - 26 * DAY,
            )
            .await?;
        hold(
            25,
            vec![("Settling in well; practises most evenings.".into(), false)],
            Vec::new(),
        )
        .await?;
        store
            .save_checkin_prep(
                student_id,
                class_id,
                &prep(
                    "I kept my streak every day.",
                    "Comparing fractions with different denominators.",
                    "Ask for help sooner.",
                ),
                now - 12 * DAY,
            )
            .await?;
        hold(
            11,
            vec![
                (
                    "Great persistence this week: Ana asked for help when she was stuck and finished the unit review.".into(),
                    true,
                ),
                (
                    "Check in on confidence with common denominators.".into(),
                    false,
                ),
            ],
            vec![NewAction {
                text: "Practise the next skill first for a week".into(),
                kind: ActionKind::Pin,
                skill_id: skill,
                due_at: None,
            }],
        )
        .await?;
        hold(
            4,
            vec![("Short check-in: on track.".into(), false)],
            Vec::new(),
        )
        .await?;
        store
            .save_checkin_prep(
                student_id,
                class_id,
                &prep(
                    "I understood equivalent fractions.",
                    "Remembering the steps for dividing.",
                    "Try a project with a friend.",
                ),
                now - DAY,
            )
            .await?;
    } else {
        let days_ago = if index % 2 == 1 { 10 } else { 3 };
        hold(
            days_ago,
            vec![("Talked about this week's practice.".into(), false)],
            Vec::new(),
        )
        .await?;
    }
    Ok(())
}

/// The demo school's assignments (issue 9, point 4), made by `ownpace demo` after
/// [`seed`]: the first student (ana) has one assignment done (a skill she has mastered,
/// due three days ago) and one due (the next skill she has not mastered, due in five
/// days, with its notice), and the second student has a late one (a skill started, not
/// mastered, due two days ago). Kept apart from [`seed`] so the tests' schools stay
/// without assignments unless a test asks for them.
pub async fn seed_assignments(store: &Store, school: &DemoSchool, now: i64) -> anyhow::Result<()> {
    use ownpace_core::assignments::TargetKind;
    use ownpace_storage::{AssignTo, NewAssignment};
    const DAY: i64 = 86_400_000;
    let Some(version) = store.current_course(&school.course_id).await? else {
        return Ok(());
    };
    let course = &version.course;
    let Some(teacher) = store.user_by_username(&school.teacher).await? else {
        return Ok(());
    };
    let students: Vec<UserId> = {
        let mut ids = Vec::new();
        for name in school.students.iter().take(2) {
            if let Some(user) = store.user_by_username(name).await? {
                ids.push(user.id);
            }
        }
        ids
    };
    let assign = |student: UserId, skill: String, starts_at: i64, due_at: i64| {
        let teacher = teacher.id.clone();
        async move {
            store
                .create_assignment(NewAssignment {
                    class_id: &school.class_id,
                    course_id: &school.course_id,
                    kind: TargetKind::Skill,
                    target_id: &skill,
                    to: AssignTo::Students(vec![student]),
                    starts_at,
                    due_at,
                    created_by: &teacher,
                    at: starts_at,
                })
                .await
        }
    };
    if let Some(ana) = students.first() {
        let mastery = store.student_mastery(ana, &school.course_id).await?;
        let mastered = |id: &str| {
            mastery
                .iter()
                .any(|m| m.skill_id.as_str() == id && m.progress.is_mastered())
        };
        let has_items = |id: &str| course.items_for_skill(id).next().is_some();
        if let Some(done) = course.skills.iter().find(|s| mastered(&s.id)) {
            assign(ana.clone(), done.id.clone(), now - 10 * DAY, now - 3 * DAY).await?;
        }
        if let Some(next) = course
            .skills
            .iter()
            .find(|s| !mastered(&s.id) && has_items(&s.id))
        {
            let due = now + 5 * DAY;
            let made = assign(ana.clone(), next.id.clone(), now - DAY, due).await?;
            store
                .notify(
                    ana,
                    ana,
                    "assignment_new",
                    &format!("New assignment: “{}”, due in five days", next.name),
                    &format!("/learn/{}#assignments", school.course_id),
                    made.created_at,
                )
                .await?;
        }
    }
    if let Some(second) = students.get(1) {
        let mastery = store.student_mastery(second, &school.course_id).await?;
        let started = mastery
            .iter()
            .find(|m| !m.progress.is_mastered() && m.progress.attempts > 0)
            .map(|m| m.skill_id.to_string())
            .or_else(|| {
                course
                    .skills
                    .iter()
                    .find(|s| !mastery.iter().any(|m| m.skill_id.as_str() == s.id))
                    .map(|s| s.id.clone())
            });
        if let Some(skill) = started {
            assign(second.clone(), skill, now - 9 * DAY, now - 2 * DAY).await?;
        }
    }
    Ok(())
}
