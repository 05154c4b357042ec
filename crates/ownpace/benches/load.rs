//! Load test (SPEC quality bar "Speed"): hundreds of concurrent students answering items
//! while teachers reload the class dashboard, against the real server over HTTP; once on
//! embedded SQLite (one server), once on PostgreSQL with several `ownpace serve`
//! processes sharing the database.
//!
//! ```text
//! cargo bench -p ownpace --bench load                     # 300 students, 20 s per engine
//! cargo bench -p ownpace --bench load -- --students 500 --seconds 30 --servers 3 --engine postgres
//! ```
//!
//! Each student signs in through the API and then loops without pause: ask for the next
//! item on a skill (`GET …/next-item`, which picks the item and predicts the answer),
//! answer it (`POST …/answers`: grade, event, mastery projection, in one transaction),
//! and move to the next skill every five answers. Three teachers reload the dashboard
//! (`GET /classes/{id}`, the heatmap and who needs help) in a loop. The figures are
//! throughput and latency percentiles per request kind; with no pause, this is the
//! server's capacity (a real student answers every 20 s or so).
//!
//! `cargo test --all-targets` runs this file without `--bench`: then it is a short smoke
//! run on both engines that fails on any error, so the load test itself stays working.

#[path = "../tests/integration/support.rs"]
mod support;

use std::process::{Child, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ownpace::demo::DEMO_PASSWORD;
use ownpace_storage::{Backend, NewUser, Role};
use serde_json::{Value, json};
use support::{TestApp, login_api_at, login_page_at, ownpace_command, spawn_app, start_serve};
use tokio::sync::Mutex;

/// Students per extra class (the demo class keeps its own size).
const CLASS_SIZE: usize = 25;
const TEACHERS: usize = 3;

struct Options {
    students: usize,
    seconds: u64,
    servers: usize,
    engines: Vec<Backend>,
    /// One phase per entry: each student's pause between answers (0: capacity).
    pauses_ms: Vec<u64>,
}

fn options() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let benching = std::env::args().any(|a| a == "--bench");
    let mut o = if benching {
        Options {
            students: 300,
            seconds: 20,
            servers: 2,
            engines: vec![Backend::Sqlite, Backend::Postgres],
            pauses_ms: vec![2_000, 0],
        }
    } else {
        Options {
            students: 20,
            seconds: 2,
            servers: 2,
            engines: vec![Backend::Sqlite, Backend::Postgres],
            pauses_ms: vec![0],
        }
    };
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        let number = |name: &str, v: String| {
            v.parse::<u64>()
                .map_err(|_| format!("{name} takes a whole number, got `{v}`"))
        };
        match arg.as_str() {
            "--bench" => {}
            "--students" => o.students = number("--students", value("--students")?)? as usize,
            "--seconds" => o.seconds = number("--seconds", value("--seconds")?)?,
            "--pause-ms" => o.pauses_ms = vec![number("--pause-ms", value("--pause-ms")?)?],
            "--servers" => o.servers = number("--servers", value("--servers")?)?.max(1) as usize,
            "--engine" => {
                o.engines = match value("--engine")?.as_str() {
                    "sqlite" => vec![Backend::Sqlite],
                    "postgres" => vec![Backend::Postgres],
                    "both" => vec![Backend::Sqlite, Backend::Postgres],
                    other => {
                        return Err(format!(
                            "--engine is sqlite, postgres or both, not `{other}`"
                        ));
                    }
                }
            }
            other => {
                return Err(format!(
                    "unknown argument `{other}` (see the file's doc comment)"
                ));
            }
        }
    }
    Ok(o)
}

fn main() {
    let options = match options() {
        Ok(o) => o,
        Err(message) => {
            eprintln!("load: {message}");
            std::process::exit(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    for &engine in &options.engines {
        for mut report in runtime.block_on(run(engine, &options)) {
            report.print();
            assert_eq!(
                report.errors, 0,
                "requests failed under load: {:?}",
                report.first_error
            );
            assert!(report.answers.len() > 0, "no answer was recorded");
        }
    }
}

/// Latencies of one request kind, in microseconds.
#[derive(Default)]
struct Latencies(Vec<u64>);

impl Latencies {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn percentile(&mut self, p: f64) -> f64 {
        if self.0.is_empty() {
            return f64::NAN;
        }
        self.0.sort_unstable();
        let rank = ((self.0.len() - 1) as f64 * p).round() as usize;
        self.0[rank] as f64 / 1000.0
    }
}

#[derive(Default)]
struct Report {
    engine: &'static str,
    servers: usize,
    students: usize,
    pause_ms: u64,
    seconds: f64,
    login_seconds: f64,
    next_items: Latencies,
    answers: Latencies,
    dashboards: Latencies,
    errors: usize,
    first_error: Option<String>,
}

impl Report {
    fn print(&mut self) {
        println!(
            "{} · {} server process(es) · {} students + {TEACHERS} teachers · {} · {:.0} s (sign-in of all: {:.1} s)",
            self.engine,
            self.servers,
            self.students,
            if self.pause_ms == 0 {
                "no pause (capacity)".to_string()
            } else {
                format!("a pause of about {} ms between requests", self.pause_ms)
            },
            self.seconds,
            self.login_seconds
        );
        let seconds = self.seconds;
        for (name, l) in [
            ("next item", &mut self.next_items),
            ("answer", &mut self.answers),
            ("dashboard", &mut self.dashboards),
        ] {
            println!(
                "  {name:<10} {:>8.1}/s   p50 {:>7.1} ms   p95 {:>7.1} ms   p99 {:>7.1} ms   ({} requests)",
                l.len() as f64 / seconds,
                l.percentile(0.5),
                l.percentile(0.95),
                l.percentile(0.99),
                l.len()
            );
        }
        print!("  errors {}", self.errors);
        if self.pause_ms == 0 {
            print!(
                "; at one answer per student every 20 s, {:.0} answers/s would serve {:.0} students",
                self.answers.len() as f64 / seconds,
                self.answers.len() as f64 / seconds * 20.0
            );
        }
        println!();
    }
}

/// `ownpace serve` processes on the app's database, stopped on drop.
struct Servers(Vec<Child>);

impl Drop for Servers {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn start_servers(app: &TestApp, count: usize) -> (Servers, Vec<String>) {
    let mut servers = Servers(Vec::new());
    let mut bases = Vec::new();
    for _ in 0..count {
        let (child, base) = start_serve(
            ownpace_command()
                .args(["serve", "--listen", "127.0.0.1:0"])
                .env("OWNPACE_DATABASE_URL", app.database_url())
                .env("OWNPACE_DATA_DIR", std::env::temp_dir())
                .stderr(Stdio::inherit()),
        );
        servers.0.push(child);
        bases.push(base);
    }
    (servers, bases)
}

/// Adds students beyond the demo class, in classes of [`CLASS_SIZE`], taught by the demo
/// teachers; returns every student's username.
async fn enrol_students(app: &TestApp, total: usize) -> Vec<String> {
    let mut usernames = app.school.students.clone();
    usernames.truncate(total);
    let hash = ownpace_web::hash_password(DEMO_PASSWORD.to_string())
        .await
        .expect("hash the password");
    let teacher = app
        .store
        .user_by_username(&app.school.teacher)
        .await
        .expect("read the teacher")
        .expect("the demo teacher");
    let mut class = None;
    for index in usernames.len()..total {
        if class.is_none() || index % CLASS_SIZE == 0 {
            let c = app
                .store
                .create_class(
                    &format!("Load class {}", index / CLASS_SIZE),
                    &app.school.course_id,
                    ownpace_web::now_ms(),
                )
                .await
                .expect("create a class");
            app.store
                .add_to_class(&c.id, &teacher.id, ownpace_web::now_ms())
                .await
                .expect("assign the teacher");
            class = Some(c);
        }
        let username = format!("load{index}");
        let student = app
            .store
            .create_user(NewUser {
                username: &username,
                display_name: &format!("Load student {index}"),
                role: Role::Student,
                password_hash: &hash,
                created_at: ownpace_web::now_ms(),
            })
            .await
            .expect("create a student");
        let class_id = &class.as_ref().expect("a class").id;
        app.store
            .add_to_class(class_id, &student.id, ownpace_web::now_ms())
            .await
            .expect("enrol the student");
        usernames.push(username);
    }
    usernames
}

type Shared = Arc<Mutex<Report>>;

async fn failed(report: &Shared, what: String) {
    let mut r = report.lock().await;
    r.errors += 1;
    r.first_error.get_or_insert(what);
}

async fn run(engine: Backend, options: &Options) -> Vec<Report> {
    let app = spawn_app(engine, 25).await;
    let students = enrol_students(&app, options.students).await;
    let (_servers, bases) = match engine {
        Backend::Sqlite => (Servers(Vec::new()), vec![app.base.clone()]),
        Backend::Postgres => start_servers(&app, options.servers),
    };
    let course = app
        .store
        .current_course(&app.school.course_id)
        .await
        .expect("read the course")
        .expect("the demo course");
    let skills: Arc<Vec<String>> =
        Arc::new(course.course.skills.iter().map(|s| s.id.clone()).collect());
    // Sign everyone in first (Argon2id is deliberately slow), a few at a time.
    let started = Instant::now();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(options.students + TEACHERS)
        .build()
        .expect("http client");
    let sign_ins = Arc::new(tokio::sync::Semaphore::new(4));
    let mut tokens = Vec::new();
    for (index, username) in students.iter().enumerate() {
        let (client, base, username, permits) = (
            client.clone(),
            bases[index % bases.len()].clone(),
            username.clone(),
            sign_ins.clone(),
        );
        tokens.push(tokio::spawn(async move {
            let _permit = permits.acquire().await.expect("semaphore");
            login_api_at(&base, &client, &username).await
        }));
    }
    let mut signed_in = Vec::new();
    for t in tokens {
        signed_in.push(t.await.expect("sign-in task"));
    }
    let mut teachers = Vec::new();
    for index in 0..TEACHERS {
        let base = bases[index % bases.len()].clone();
        let cookies = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client");
        login_page_at(&base, &cookies, &app.school.teacher).await;
        teachers.push((base, cookies));
    }
    let login_seconds = started.elapsed().as_secs_f64();
    let mut reports = Vec::new();
    for (phase, &pause_ms) in options.pauses_ms.iter().enumerate() {
        let report: Shared = Arc::new(Mutex::new(Report {
            engine: match engine {
                Backend::Sqlite => "SQLite",
                Backend::Postgres => "PostgreSQL",
            },
            servers: bases.len(),
            students: students.len(),
            login_seconds,
            pause_ms,
            ..Report::default()
        }));
        let load = Load {
            phase,
            pause_ms,
            until: Instant::now() + Duration::from_secs(options.seconds),
        };
        let began = Instant::now();
        run_phase(
            &app, &bases, &client, &signed_in, &teachers, &skills, &report, load,
        )
        .await;
        let mut report = std::mem::take(&mut *report.lock().await);
        report.seconds = began.elapsed().as_secs_f64();
        reports.push(report);
    }
    reports
}

/// One phase of load: how long, and how long each student pauses between answers.
#[derive(Clone, Copy)]
struct Load {
    phase: usize,
    pause_ms: u64,
    until: Instant,
}

impl Load {
    /// The pause after a student's `n`th answer: `pause_ms` spread over ±50%, so the
    /// students do not march in step.
    fn pause(&self, student: usize, n: usize) -> Duration {
        let spread = ((student * 7919 + n * 104_729) % 1000) as f64 / 1000.0;
        Duration::from_secs_f64(self.pause_ms as f64 * (0.5 + spread) / 1000.0)
    }
}

#[allow(clippy::too_many_arguments)]
async fn run_phase(
    app: &TestApp,
    bases: &[String],
    client: &reqwest::Client,
    signed_in: &[String],
    teachers: &[(String, reqwest::Client)],
    skills: &Arc<Vec<String>>,
    report: &Shared,
    load: Load,
) {
    let until = load.until;
    let mut tasks = Vec::new();
    for (index, token) in signed_in.iter().cloned().enumerate() {
        let api = format!(
            "{}/api/v1/courses/{}",
            bases[index % bases.len()],
            app.school.course_id
        );
        let (client, skills, report) = (client.clone(), skills.clone(), report.clone());
        tasks.push(tokio::spawn(async move {
            student_loop(index, &api, &token, &client, &skills, &report, load).await;
        }));
    }
    for (teacher, (base, cookies)) in teachers.iter().cloned().enumerate() {
        let url = format!("{base}/classes/{}", app.school.class_id);
        let report = report.clone();
        tasks.push(tokio::spawn(async move {
            let mut reloads = 0;
            while Instant::now() < until {
                tokio::time::sleep(load.pause(teacher, reloads)).await;
                reloads += 1;
                let t = Instant::now();
                let outcome = match cookies.get(&url).send().await {
                    Ok(r) if r.status() == 200 => r.text().await.map_err(|e| e.to_string()),
                    Ok(r) => Err(r.status().to_string()),
                    Err(e) => Err(e.to_string()),
                };
                match outcome {
                    Ok(_) => {
                        let us = t.elapsed().as_micros() as u64;
                        report.lock().await.dashboards.0.push(us);
                    }
                    Err(e) => failed(&report, format!("dashboard: {e}")).await,
                }
            }
        }));
    }
    for task in tasks {
        task.await.expect("load task");
    }
}

async fn student_loop(
    index: usize,
    api: &str,
    token: &str,
    client: &reqwest::Client,
    skills: &[String],
    report: &Shared,
    load: Load,
) {
    let mut answered = 0usize;
    while Instant::now() < load.until {
        tokio::time::sleep(load.pause(index, answered)).await;
        let skill = &skills[(index + answered / 5) % skills.len()];
        let t = Instant::now();
        let next = client
            .get(format!("{api}/skills/{skill}/next-item"))
            .bearer_auth(token)
            .send()
            .await;
        let item: Value = match next {
            Ok(r) if r.status() == 200 => match r.json().await {
                Ok(v) => v,
                Err(e) => return failed(report, format!("next item body: {e}")).await,
            },
            Ok(r) => return failed(report, format!("next item: {}", r.status())).await,
            Err(e) => return failed(report, format!("next item: {e}")).await,
        };
        report
            .lock()
            .await
            .next_items
            .0
            .push(t.elapsed().as_micros() as u64);
        // Any well-formed answer will do: grading costs the same right or wrong.
        let response = match item["kind"].as_str() {
            Some("choice") => json!(answered % 2),
            _ => json!(format!("{}", answered % 7)),
        };
        let t = Instant::now();
        let answer = client
            .post(format!("{api}/answers"))
            .bearer_auth(token)
            .json(&json!({
                "item_id": item["item_id"],
                "response": response,
                "idempotency_key": format!("load-{}-{index}-{answered}", load.phase),
                "duration_ms": 20_000,
            }))
            .send()
            .await;
        let outcome = match answer {
            Ok(r) if r.status() == 200 => r.bytes().await.map_err(|e| e.to_string()),
            Ok(r) => Err(r.status().to_string()),
            Err(e) => Err(e.to_string()),
        };
        match outcome {
            Ok(_) => report
                .lock()
                .await
                .answers
                .0
                .push(t.elapsed().as_micros() as u64),
            Err(e) => return failed(report, format!("answer: {e}")).await,
        }
        answered += 1;
    }
}
