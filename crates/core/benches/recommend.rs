//! Cost of choosing a student's next options (SPEC C4), which runs on every answer
//! submission: [`recommend`] for a synthetic 200-skill course with a thousand items, 400
//! lessons and 20 projects, for a student part-way through with goals, assignments and
//! teacher pins. Target: well under 1 ms. The skill overview, the skill-map SVG and a goal
//! forecast are measured beside it (they run on page views, not on every answer).

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ownpace_core::course::{AnswerSpec, Course, Item, Lesson, Modality, Project, Skill};
use ownpace_core::goals::{Goal, GoalTarget, PracticeEvent, forecast};
use ownpace_core::recommend::{
    Activity, Assignment, Situation, SkillState, SkillStatus, overview, recommend,
};
use ownpace_core::skillmap::render_svg;

const SKILLS: usize = 200;
const DAY: i64 = 86_400_000;
const NOW: i64 = 1_772_445_600_000;

fn id(i: usize) -> String {
    format!("skill-{i:03}")
}

fn course() -> Course {
    let skills: Vec<Skill> = (0..SKILLS)
        .map(|i| {
            // Up to three prerequisites among the previous twenty skills.
            let prerequisites = [7, 13, 19]
                .iter()
                .filter(|&&k| i >= k && (i * k) % 3 != 0)
                .map(|&k| id(i - k))
                .collect();
            Skill {
                id: id(i),
                name: format!("Skill number {i} of the synthetic course"),
                description: String::new(),
                prerequisites,
                standards: Vec::new(),
            }
        })
        .collect();
    let items = (0..SKILLS * 5)
        .map(|k| Item {
            id: format!("item-{k}").into(),
            skills: vec![id(k / 5)],
            prompt: String::new(),
            answer: AnswerSpec::Numeric {
                value: 1.0,
                tolerance: 0.0,
                unit: None,
            },
            hints: Vec::new(),
            explanation: String::new(),
            template: None,
        })
        .collect();
    let modalities = [
        Modality::Read,
        Modality::Watch,
        Modality::HandsOn,
        Modality::Group,
    ];
    let lessons = (0..SKILLS * 2)
        .map(|k| Lesson {
            id: format!("lesson-{k}"),
            title: format!("Lesson {k}"),
            skills: vec![id(k / 2)],
            modality: modalities[k % 4],
            minutes: 10,
            body: String::new(),
            media: None,
            variant: None,
            variant_of: None,
        })
        .collect();
    let projects = (0..20)
        .map(|k| Project {
            id: format!("project-{k}"),
            title: format!("Project {k}"),
            body: String::new(),
            interests: vec![["sport", "music", "art", "games"][k % 4].to_string()],
            skills: vec![id(k * 10), id(k * 10 + 3)],
            group_min: 1 + (k % 2) as u32,
            group_max: 4,
            rubric: Vec::new(),
        })
        .collect();
    Course {
        id: "synthetic".into(),
        title: "Synthetic".into(),
        description: String::new(),
        level: String::new(),
        language: "en".into(),
        skills,
        lessons,
        items,
        projects,
        assets: Vec::new(),
    }
}

fn situation() -> Situation {
    let mut skills = HashMap::new();
    for i in 0..80 {
        let mastered = i < 60;
        skills.insert(
            id(i),
            SkillStatus {
                state: if mastered {
                    SkillState::Mastered
                } else {
                    SkillState::InProgress
                },
                p_mastery: if mastered { 0.97 } else { 0.5 },
                attempts: 8,
                last_practised: Some(NOW - (i as i64 % 20) * DAY),
                recall: mastered.then_some(0.7 + (i % 3) as f64 * 0.1),
                review_due: mastered && i % 6 == 0,
                view: Default::default(),
            },
        );
    }
    Situation {
        skills,
        goals: vec![
            Goal {
                name: "Half way".into(),
                target: GoalTarget::Skills(vec![id(120), id(130)]),
                due: NOW + 20 * DAY,
            },
            Goal {
                name: String::new(),
                target: GoalTarget::Project("project-9".into()),
                due: NOW + 40 * DAY,
            },
        ],
        assignments: (0..5)
            .map(|k| Assignment {
                skill: id(90 + 7 * k),
                due: NOW + (k as i64 + 1) * 2 * DAY,
                pressing: k == 0,
            })
            .collect(),
        assigned_work: vec![ownpace_core::recommend::AssignedWork {
            activity: Activity::Lesson("lesson-5".into()),
            due: NOW + 3 * DAY,
            pressing: false,
        }],
        modality_last_used: HashMap::from([
            (Modality::Read, NOW - DAY),
            (Modality::Watch, NOW - 9 * DAY),
        ]),
        interests: vec!["sport".into(), "art".into()],
        pinned: vec![Activity::Lesson("lesson-3".into())],
        lessons_done: Default::default(),
        hidden: vec![Activity::PracticeSkill(id(61))],
        screen_time: Default::default(),
        policy: Default::default(),
        lesson_variant: None,
        group_work: None,
        now: NOW,
    }
}

fn bench(c: &mut Criterion) {
    let course = course();
    let s = situation();
    assert_eq!(recommend(&course, &s, 3).len(), 3);
    c.bench_function("recommend 200 skills", |b| {
        b.iter(|| recommend(black_box(&course), black_box(&s), 3))
    });
    let mut offline = s.clone();
    offline.screen_time = ownpace_core::screen_time::Level::Spent;
    c.bench_function("recommend 200 skills, screen time spent", |b| {
        b.iter(|| recommend(black_box(&course), black_box(&offline), 3))
    });
    c.bench_function("overview 200 skills", |b| {
        b.iter(|| overview(black_box(&course), black_box(&s.skills)))
    });
    let all = overview(&course, &s.skills);
    c.bench_function("skill map svg 200 skills", |b| {
        b.iter(|| {
            render_svg(black_box(&course), black_box(&all), &|id| {
                format!("/s/{id}")
            })
        })
    });
    let events: Vec<PracticeEvent> = (0..2000)
        .map(|k| PracticeEvent {
            at: NOW - (k as i64 % 40) * DAY,
            duration_ms: 45_000,
            skill: id(k % 80),
            correct: k % 3 != 0,
        })
        .collect();
    let mastered_at: HashMap<String, i64> = (0..60).map(|i| (id(i), NOW - DAY)).collect();
    c.bench_function("goal forecast 2000 answers", |b| {
        b.iter(|| {
            forecast(
                black_box(&course),
                black_box(&s.goals[0]),
                black_box(&events),
                black_box(&mastered_at),
                &HashMap::new(),
                None,
                NOW,
            )
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
