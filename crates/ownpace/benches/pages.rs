//! The teacher's pages as the year goes on (issue 16, "Both pages stay fast"): the class
//! dashboard and a student's record, served over HTTP, with a year of history per
//! student, on SQLite and on PostgreSQL.
//!
//! ```text
//! cargo bench -p ownpace --bench pages                  # 25 students × 9,000 answers, both engines
//! cargo bench -p ownpace --bench pages -- --events 20000 --requests 300 --engine postgres
//! ```
//!
//! The demo school's class gets, for every student, `--events` answers spread over the
//! last 365 days (about 25 a day, on every skill of the course, 70% right), written in
//! bulk and then projected with `rebuild` (the same rule as the live path). Then the
//! teacher loads `GET /classes/{id}` (heatmap, who is stuck or inactive) and
//! `GET /students/{id}` (the record, with the student's path and goals) `--requests`
//! times each, one after the other, and the bench prints p50, p95 and max per page.
//! The goal is under 50 ms at p95 on the 2-core development machine.
//!
//! `cargo test --all-targets` runs this file without `--bench`: a small smoke run on both
//! engines (300 answers per student, a few requests) that fails on any error, so the
//! bench cannot rot.

#[path = "../tests/integration/support.rs"]
mod support;

use ownpace_core::course::Course;
use ownpace_core::ids::{ItemId, UserId};
use ownpace_storage::{AnswerRecord, Backend};
use std::time::Instant;
use support::{TestApp, client, login_page, right_answer, spawn_app, wrong_answer};

struct Options {
    students: usize,
    events: usize,
    requests: usize,
    engines: Vec<Backend>,
}

fn options() -> Result<Options, String> {
    let benching = std::env::args().any(|a| a == "--bench");
    let mut o = if benching {
        Options {
            students: 25,
            events: 9_000,
            requests: 200,
            engines: vec![Backend::Sqlite, Backend::Postgres],
        }
    } else {
        Options {
            students: 3,
            events: 300,
            requests: 3,
            engines: vec![Backend::Sqlite, Backend::Postgres],
        }
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<usize, String> {
            let v = args.next().ok_or_else(|| format!("{name} needs a value"))?;
            v.parse()
                .map_err(|_| format!("{name} takes a whole number, got `{v}`"))
        };
        match arg.as_str() {
            "--bench" => {}
            "--students" => o.students = number("--students")?.max(1),
            "--events" => o.events = number("--events")?,
            "--requests" => o.requests = number("--requests")?.max(1),
            "--engine" => {
                let v = args.next().ok_or("--engine needs sqlite or postgres")?;
                o.engines = match v.as_str() {
                    "sqlite" => vec![Backend::Sqlite],
                    "postgres" => vec![Backend::Postgres],
                    _ => return Err(format!("--engine takes sqlite or postgres, got `{v}`")),
                };
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(o)
}

fn main() {
    let options = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("pages bench: {e}");
            std::process::exit(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    for &engine in &options.engines {
        runtime.block_on(run(engine, &options));
    }
}

/// A year of answers for one student: `count` answers, evenly over the last 365 days,
/// cycling through the course's items, 70% right (a fixed pattern, so runs compare).
fn year_of_answers(
    course: &Course,
    count: usize,
    now: i64,
    seed: usize,
) -> Vec<(ItemId, String, bool, i64)> {
    let year = 365 * 86_400_000_i64;
    let items: Vec<_> = course.items.iter().collect();
    (0..count)
        .map(|n| {
            let item = items[(n * 7 + seed * 13) % items.len()];
            let right = (n + seed) % 10 < 7;
            let response = if right {
                right_answer(item)
            } else {
                wrong_answer(item)
            };
            let at = now - year + (n as i64 * year) / count.max(1) as i64;
            (
                item.id.clone(),
                serde_json::to_string(&response).unwrap_or_default(),
                right,
                at,
            )
        })
        .collect()
}

async fn fill_history(app: &TestApp, course: &Course, students: &[UserId], events: usize) -> u64 {
    let now = ownpace_web::now_ms();
    let mut written = 0;
    for (s, student) in students.iter().enumerate() {
        let answers = year_of_answers(course, events, now, s);
        let skills: Vec<Vec<String>> = answers
            .iter()
            .map(|(item, ..)| {
                course
                    .item(item.as_str())
                    .map(|i| i.skills.clone())
                    .unwrap_or_default()
            })
            .collect();
        let keys: Vec<String> = (0..answers.len()).map(|n| format!("year-{n}")).collect();
        let records: Vec<AnswerRecord<'_>> = answers
            .iter()
            .zip(&skills)
            .zip(&keys)
            .map(
                |(((item, response, right, at), skills), key)| AnswerRecord {
                    student_id: student,
                    course_id: &course.id,
                    course_version: 1,
                    item_id: item,
                    skills,
                    response,
                    correct: *right,
                    occurred_at: *at,
                    duration_ms: Some(25_000),
                    idempotency_key: key,
                },
            )
            .collect();
        written += app
            .store
            .append_answers_in_bulk(&records)
            .await
            .expect("append a year of answers");
    }
    written
}

struct Timings(Vec<f64>);

impl Timings {
    fn percentile(&mut self, p: f64) -> f64 {
        self.0.sort_by(f64::total_cmp);
        let i = ((self.0.len() as f64 - 1.0) * p).round() as usize;
        self.0.get(i).copied().unwrap_or(f64::NAN)
    }
}

async fn time_page(http: &reqwest::Client, url: &str, requests: usize) -> Timings {
    let mut timings = Vec::with_capacity(requests);
    for _ in 0..requests {
        let t = Instant::now();
        let response = http.get(url).send().await.expect("request a page");
        let status = response.status();
        let body = response.bytes().await.expect("read the page");
        assert!(status.is_success(), "{url}: {status}");
        assert!(!body.is_empty(), "{url}: an empty page");
        timings.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    Timings(timings)
}

async fn run(engine: Backend, options: &Options) {
    let started = Instant::now();
    let app = spawn_app(engine, options.students).await;
    let course = app
        .store
        .current_course(&app.school.course_id)
        .await
        .expect("read the course")
        .expect("the demo course")
        .course
        .as_ref()
        .clone();
    let mut ids = Vec::new();
    for username in &app.school.students {
        let user = app
            .store
            .user_by_username(username)
            .await
            .expect("look up a student")
            .expect("a demo student");
        ids.push(user.id);
    }
    let written = fill_history(&app, &course, &ids, options.events).await;
    let filled = started.elapsed().as_secs_f64();
    let replayed = app
        .store
        .rebuild_mastery(|_| Default::default())
        .await
        .expect("project the history");
    println!(
        "{engine:?}: {} students, {written} answers written in {filled:.1} s, {replayed} answers \
         projected in {:.1} s",
        ids.len(),
        started.elapsed().as_secs_f64() - filled
    );

    let http = client();
    login_page(&app, &http, "teacher").await;
    let dashboard = format!("{}/classes/{}", app.base, app.school.class_id);
    // The record of the student with the most history (every filled student has as much).
    let record = format!("{}/students/{}", app.base, ids[0]);
    // Warm up: course caches, prepared statements, the page cache.
    time_page(&http, &dashboard, 3).await;
    time_page(&http, &record, 3).await;
    println!("  machine load average before: {}", load_average());
    for (name, url) in [("dashboard", &dashboard), ("record", &record)] {
        let mut t = time_page(&http, url, options.requests).await;
        println!(
            "  {name:<10} p50 {:>6.1} ms   p95 {:>6.1} ms   max {:>6.1} ms   ({} requests)",
            t.percentile(0.5),
            t.percentile(0.95),
            t.percentile(1.0),
            options.requests
        );
    }
    println!("  machine load average after: {}", load_average());
    breakdown(&app, &ids[0], options).await;
}

/// The machine's load average (1, 5, 15 minutes): the figures mean little when other
/// jobs keep the 2 cores busy, so the bench says how busy they were.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// The median time of each storage read the record page makes, in-process, to show where
/// a page's time goes.
async fn breakdown(app: &TestApp, student: &UserId, options: &Options) {
    let course = &app.school.course_id;
    let reps = options.requests.clamp(1, 50);
    let mut lines = Vec::new();
    macro_rules! time {
        ($name:expr, $call:expr) => {{
            let mut t = Timings(Vec::with_capacity(reps));
            for _ in 0..reps {
                let started = Instant::now();
                $call.await.expect($name);
                t.0.push(started.elapsed().as_secs_f64() * 1000.0);
            }
            lines.push(format!("{}: {:.2} ms", $name, t.percentile(0.5)));
        }};
    }
    let now = ownpace_web::now_ms();
    time!(
        "class mastery",
        app.store.class_mastery(&app.school.class_id)
    );
    time!(
        "class last activity",
        app.store.class_last_activity(&app.school.class_id)
    );
    time!(
        "student mastery",
        app.store.student_mastery(student, course)
    );
    time!(
        "50 latest events",
        app.store.student_events(student, course, 50)
    );
    time!(
        "time this week",
        app.store
            .time_spent_since(student, course, now - 7 * 86_400_000)
    );
    time!("lessons done", app.store.lessons_done(student, course));
    time!("placement", app.store.placement_result(student, course));
    time!(
        "1,000 latest answers",
        app.store.student_answers(student, course, 1_000)
    );
    time!("open goals", app.store.open_goals(student, course));
    println!("  storage reads (median of {reps}): {}", lines.join(", "));
}
