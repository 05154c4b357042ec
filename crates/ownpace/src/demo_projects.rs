//! The demo school's project rounds (issue 10, point 8; CONTRACTS "The demo school"), in
//! ana's class (the first class; the pilot and budgets are on the second):
//!
//! - a **finished round**: every student of the class ranked three projects (simulated,
//!   seeded; ana puts "Cook for the class" first, one student in ten never ranks), the
//!   groups come from the real proposal (`web::projects::propose`, `core::grouping`) and
//!   are published with their notices; ana's group has milestones, a log of posts, a
//!   small text file and its final submission, and the teacher assessed the whole group
//!   through the real storage path (`Store::record_group_assessment`: each member's
//!   mastery moves and `rebuild` agrees); the other groups posted and most submitted;
//!   then peer review ran (two reviews per student, of other groups' submitted work):
//!   every review of ana's group was written, so she reads at least two, anonymous, and
//!   she assessed her own work on the rubric;
//! - an **open round** to rank until next week, which ana has not ranked yet (a few
//!   classmates have).
//!
//! Deterministic: the same seed gives the same rankings, groups and work.

use anyhow::{Context, anyhow, bail};
use ownpace_core::ids::UserId;
use ownpace_storage::{
    FileQuota, NewFile, NewGroupAssessment, NewReview, NewRound, NewSelfAssessment, Round,
    RoundProject, Store, User,
};
use ownpace_web::{AppState, Config};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

const DAY: i64 = 86_400_000;
/// The project ana ranks first in the finished round (groups of 2 to 4).
pub const ANA_PROJECT: &str = "cook-for-the-class";
/// The finished round's title.
pub const FINISHED_ROUND: &str = "Autumn projects";
/// The open round's title.
pub const OPEN_ROUND: &str = "Winter projects";

/// What the demo's rounds hold, for printing and tests.
#[derive(Debug, Clone)]
pub struct DemoRounds {
    pub finished_round: String,
    pub open_round: String,
    /// Ana's group in the finished round.
    pub ana_group: String,
}

/// A clock the demo moves forward through the round, so what the web functions stamp
/// (proposal, publication, notices) happens on the round's days.
struct DemoClock(Arc<AtomicI64>);

impl DemoClock {
    fn set(&self, at: i64) {
        self.0.store(at, Ordering::SeqCst);
    }
}

fn shuffled<T: Clone>(items: &[T], rng: &mut ChaCha8Rng) -> Vec<T> {
    let mut out = items.to_vec();
    for i in (1..out.len()).rev() {
        let j = rng.random_range(0..=i);
        out.swap(i, j);
    }
    out
}

/// The round's projects: every project of the course with its own group size.
fn round_projects(course: &ownpace_core::course::Course) -> Vec<RoundProject> {
    course
        .projects
        .iter()
        .map(|p| {
            let max = i64::from(p.group_max).clamp(1, 12);
            RoundProject {
                project_id: p.id.clone(),
                group_min: i64::from(p.group_min).clamp(1, max),
                group_max: max,
            }
        })
        .collect()
}

/// Simulated rankings: three projects each in a seeded order; `first` for ana; every
/// tenth student (not ana) does not rank.
async fn rank_all(
    store: &Store,
    round: &Round,
    students: &[User],
    ana: &UserId,
    at: i64,
    rng: &mut ChaCha8Rng,
    skip_ana: bool,
) -> anyhow::Result<()> {
    let ids: Vec<String> = round
        .projects
        .iter()
        .map(|p| p.project_id.clone())
        .collect();
    for (n, student) in students.iter().enumerate() {
        let is_ana = &student.id == ana;
        if (is_ana && skip_ana) || (!is_ana && n % 10 == 9) {
            continue;
        }
        let mut ranking: Vec<String> = shuffled(&ids, rng).into_iter().take(3).collect();
        if is_ana && ids.iter().any(|p| p == ANA_PROJECT) {
            ranking.retain(|p| p != ANA_PROJECT);
            ranking.insert(0, ANA_PROJECT.to_string());
            ranking.truncate(3);
        }
        store
            .set_ranking(&round.id, &student.id, &ranking, at + n as i64 * 60_000)
            .await?;
    }
    Ok(())
}

/// Seeds both rounds in ana's class. Call it after [`crate::demo::seed`] (and last: the
/// teacher's assessment is stamped `now`, after every simulated answer, so replaying the
/// event log in time order gives the same mastery).
pub async fn seed(
    store: &Store,
    school: &crate::demo::DemoSchool,
    now: i64,
    seed: u64,
) -> anyhow::Result<DemoRounds> {
    let clock = Arc::new(AtomicI64::new(now));
    let reader = clock.clone();
    let state = AppState::with_clock(
        store.clone(),
        Config::default(),
        Arc::new(move || reader.load(Ordering::SeqCst)),
    );
    let clock = DemoClock(clock);
    let version = store
        .current_course(&school.course_id)
        .await?
        .context("the demo course")?;
    let course = version.course.clone();
    let teacher = store
        .class_teachers(&school.class_id)
        .await?
        .into_iter()
        .next()
        .context("the demo class's teacher")?;
    let students = store.class_students(&school.class_id).await?;
    let ana = students
        .iter()
        .find(|s| Some(&s.username) == school.students.first())
        .context("ana in the demo class")?
        .id
        .clone();
    let projects = round_projects(&course);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);

    // The finished round: ranked five weeks ago, published, worked on, submitted.
    let opens = now - 35 * DAY;
    let finished = store
        .create_round(
            &NewRound {
                class_id: &school.class_id,
                course_id: &school.course_id,
                title: FINISHED_ROUND,
                opened_by: &teacher.id,
                opens_at: opens,
                closes_at: opens + 5 * DAY,
                due_at: now - 4 * DAY,
                seed: 2026,
                projects: &projects,
            },
            opens,
        )
        .await?;
    rank_all(
        store,
        &finished,
        &students,
        &ana,
        opens + DAY,
        &mut rng,
        false,
    )
    .await?;
    clock.set(opens + 6 * DAY);
    let finished = store.round(&finished.id).await?.context("the round")?;
    ownpace_web::projects::propose(&state, &finished, &course)
        .await
        .map_err(|e| anyhow!("proposing the demo groups: {e}"))?;
    clock.set(opens + 6 * DAY + 3_600_000);
    ownpace_web::projects::publish(&state, &finished, &course)
        .await
        .map_err(|e| anyhow!("publishing the demo groups: {e}"))?;
    let ana_group = store
        .group_of(&ana, &finished.id)
        .await?
        .context("ana's group")?;
    let size = store.group_members(&ana_group.id).await?.len();
    if !(2..=4).contains(&size) {
        bail!("the demo's grouping put ana in a group of {size}, not 2 to 4");
    }
    let start = opens + 7 * DAY;
    for (n, group) in store
        .groups_of_round(&finished.id)
        .await?
        .into_iter()
        .enumerate()
    {
        let members = store.group_members(&group.id).await?;
        let is_ana = group.id == ana_group.id;
        work_in_group(store, &group, &members, is_ana, start, &mut rng).await?;
        // Every group but one in four handed in (ana's always).
        if let Some(first) = members.first()
            && (is_ana || n % 4 != 3)
        {
            let by = if is_ana { &ana } else { &first.student_id };
            let files: Vec<String> = store
                .group_files(&group.id)
                .await?
                .into_iter()
                .map(|f| f.id)
                .collect();
            store
                .submit_group(
                    &group.id,
                    by,
                    &submission_text(&group.project_id),
                    None,
                    &files,
                    finished.due_at - DAY,
                )
                .await?;
        }
    }
    // Peer review after the due day: two reviews each, of other groups' submitted work;
    // every review of ana's group is written (so she reads them without a release), most
    // of the others too. Ana assessed her own work on the rubric.
    peer_review(
        store,
        &finished,
        &course,
        &teacher.id,
        &ana_group.id,
        &mut rng,
    )
    .await?;
    if let Some(project) = course.project(&ana_group.project_id) {
        let levels: Vec<u32> = project
            .rubric
            .iter()
            .map(|c| c.meets().unwrap_or(1))
            .collect();
        store
            .save_self_assessment(&NewSelfAssessment {
                group_id: &ana_group.id,
                student: &ana,
                project,
                levels: &levels,
                note: "Scaling went well; I still check the unit prices twice.",
                at: finished.due_at + DAY,
            })
            .await?;
    }
    // The teacher assessed ana's group as a whole, now (after every simulated answer).
    let project = course
        .project(&ana_group.project_id)
        .context("ana's project")?
        .clone();
    let levels: Vec<u32> = project
        .rubric
        .iter()
        .enumerate()
        .map(|(n, c)| {
            let meets = c.meets().unwrap_or(1);
            // Meets every criterion, and the first one with the top level.
            if n == 0 {
                c.levels.iter().map(|l| l.points).max().unwrap_or(meets)
            } else {
                meets
            }
        })
        .collect();
    clock.set(now);
    let bkt = state.clone();
    let assessed = store
        .record_group_assessment(
            &NewGroupAssessment {
                group_id: &ana_group.id,
                course_id: &school.course_id,
                course_version: version.version,
                project: &project,
                by: &teacher.id,
                levels: &levels,
                feedback: "Your scaled recipe is clear and every amount can be measured. Next time, \
                           show how you chose the better buy for each pack size.",
                at: now,
            },
            move |s| bkt.bkt_params(s),
        )
        .await?;
    for student in &assessed {
        store
            .notify(
                student,
                student,
                "project_assessed",
                &format!(
                    "Your teacher assessed your group's project “{}”",
                    project.title
                ),
                &format!("/groups/{}#assessment", ana_group.id),
                now,
            )
            .await?;
    }
    store.finish_round(&finished.id, now - 3 * DAY).await?;

    // The open round: ranking until next week; ana has not ranked yet.
    let open = store
        .create_round(
            &NewRound {
                class_id: &school.class_id,
                course_id: &school.course_id,
                title: OPEN_ROUND,
                opened_by: &teacher.id,
                opens_at: now - DAY,
                closes_at: now + 6 * DAY,
                due_at: now + 27 * DAY,
                seed: 2027,
                projects: &projects,
            },
            now - DAY,
        )
        .await?;
    let some: Vec<User> = students.iter().take(8).cloned().collect();
    rank_all(
        store,
        &open,
        &some,
        &ana,
        now - DAY + 60_000,
        &mut rng,
        true,
    )
    .await?;
    Ok(DemoRounds {
        finished_round: finished.id,
        open_round: open.id,
        ana_group: ana_group.id,
    })
}

/// Starts peer review on the round (two reviews per student) and writes the reviews:
/// all of `ana_group`'s, and three in four of the others, at levels around "meets".
async fn peer_review(
    store: &Store,
    round: &Round,
    course: &ownpace_core::course::Course,
    teacher: &UserId,
    ana_group: &str,
    rng: &mut ChaCha8Rng,
) -> anyhow::Result<()> {
    let at = round.due_at + 3_600_000;
    store.start_peer_review(&round.id, 2, teacher, at).await?;
    const WORKS: &[&str] = &[
        "Every amount is worked out step by step, so we could follow it.",
        "The table makes the comparison easy to read.",
        "Your drawing shows the scale clearly.",
        "The numbers add up and the units are always written.",
    ];
    const IMPROVE: &[&str] = &[
        "Say how you rounded the amounts you could not measure exactly.",
        "Show the price per 100 g for both packs, not just the cheaper one.",
        "Explain why you chose this scale factor.",
        "Check the second step again: one fraction was not simplified.",
    ];
    const QUESTIONS: &[&str] = &[
        "Would the recipe still work for 30 people?",
        "How did you decide which pack was the better buy?",
        "",
        "What would you change if you did it again?",
    ];
    for (n, review) in store
        .reviews_of_round(&round.id)
        .await?
        .into_iter()
        .enumerate()
    {
        if review.group_id != ana_group && n % 4 == 3 {
            continue;
        }
        let Some(project) = course.project(&review.project_id) else {
            continue;
        };
        let levels: Vec<u32> = project
            .rubric
            .iter()
            .map(|c| {
                let meets = c.meets().unwrap_or(1);
                let points: Vec<u32> = c.levels.iter().map(|l| l.points).collect();
                // "meets", or one level either side of it now and then.
                let i = points.iter().position(|p| *p == meets).unwrap_or(0);
                let step = rng.random_range(0..4_usize);
                let i = match step {
                    0 => i.saturating_sub(1),
                    1 => (i + 1).min(points.len() - 1),
                    _ => i,
                };
                points[i]
            })
            .collect();
        let pick = rng.random_range(0..WORKS.len());
        store
            .submit_review(&NewReview {
                review_id: &review.id,
                reviewer: &review.reviewer_id,
                project,
                levels: &levels,
                works: WORKS[pick],
                improve: IMPROVE[(pick + n) % IMPROVE.len()],
                question: QUESTIONS[(pick + 2 * n) % QUESTIONS.len()],
                at: at + DAY + n as i64 * 600_000,
            })
            .await?;
    }
    Ok(())
}

fn submission_text(project: &str) -> String {
    match project {
        "cook-for-the-class" => {
            "Our fruit salad for 28: every amount scaled by 7, turned into cups \
             and spoons, with the shopping list priced at €0.62 a serving (the recipe card is \
             attached)."
                .into()
        }
        _ => "Our finished project: the plan, the working and what we found, with the numbers \
              checked by two of us."
            .into(),
    }
}

/// A group's work: two milestones (the first done), posts by its members, and for ana's
/// group a small text file (the recipe card) to hand in.
async fn work_in_group(
    store: &Store,
    group: &ownpace_storage::Group,
    members: &[ownpace_storage::GroupMember],
    is_ana: bool,
    start: i64,
    rng: &mut ChaCha8Rng,
) -> anyhow::Result<()> {
    let Some(first) = members.first() else {
        return Ok(());
    };
    let plan = store
        .add_milestone(
            &group.id,
            "Plan and share out the work",
            start + 3 * DAY,
            &first.student_id,
            start,
        )
        .await?;
    store
        .set_milestone_done(&group.id, &plan, Some(start + 2 * DAY))
        .await?;
    store
        .add_milestone(
            &group.id,
            "First draft to check together",
            start + 12 * DAY,
            &first.student_id,
            start,
        )
        .await?;
    let lines: &[&str] = if is_ana {
        &[
            "We chose a fruit salad: the recipe serves 4, the class is 28, so we scale by 7.",
            "I scaled the fruit: 3/4 cup of grapes × 7 = 5 1/4 cups.",
            "The yoghurt is 2/3 cup × 7 = 4 2/3 cups; we will measure it with a 1/3 cup.",
            "Prices from the flyer: the 1 kg pack of apples is the better buy.",
            "Recipe card done, uploaded as a text file.",
        ]
    } else {
        &[
            "We split the work: one of us collects the data, the others check it.",
            "First numbers are in the shared sheet.",
            "Draft ready to check together.",
        ]
    };
    for (n, line) in lines.iter().enumerate() {
        let author = &members[(n + rng.random_range(0..members.len())) % members.len()];
        store
            .add_post(
                &group.id,
                &author.student_id,
                line,
                None,
                start + (n as i64 + 1) * DAY + rng.random_range(0..3_600_000),
            )
            .await?;
    }
    if is_ana {
        let card = "Fruit salad for 28 (scaled by 7)\n\
                    grapes: 5 1/4 cups\napples: 7 (1 kg pack)\nyoghurt: 4 2/3 cups (14 × 1/3 cup)\n\
                    honey: 3 1/2 tablespoons\ncost per serving: €0.62\n";
        store
            .add_file(
                &NewFile {
                    group_id: &group.id,
                    uploaded_by: &members[0].student_id,
                    name: "recipe-card.txt",
                    content_type: "text/plain; charset=utf-8",
                    bytes: card.as_bytes(),
                    at: start + 6 * DAY,
                },
                FileQuota::default(),
            )
            .await?;
    }
    Ok(())
}
