//! What the binary's tests share (the integration tests, the browser tests through
//! `tests/common/`, and the load bench): the real application on a random port, against a
//! scratch SQLite file or a scratch PostgreSQL database, seeded with a small demo school;
//! the `ownpace` command with a clean environment; signing in; the right and a wrong answer
//! to an item.
#![allow(dead_code)]

use ownpace::demo::{self, DemoSchool};
use ownpace_core::course::{AnswerSpec, Item, Response, format_number};
use ownpace_storage::testing::{ScratchDatabase, scratch};
use ownpace_storage::{Backend, Store};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

pub struct TestApp {
    pub base: String,
    /// Added to the server's clock: tests move time forward with [`TestApp::advance_days`].
    pub clock_offset: Arc<AtomicI64>,
    pub store: Store,
    pub school: DemoSchool,
    _db: ScratchDatabase,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

impl TestApp {
    /// The scratch database the app runs on (other server processes can share it).
    pub fn database_url(&self) -> &str {
        &self._db.url
    }

    /// Moves the server's clock forward (sessions expire with it: sign in again after).
    pub fn advance_days(&self, days: i64) {
        self.advance_ms(days * 86_400_000);
    }

    /// Moves the server's clock forward by `ms` milliseconds.
    pub fn advance_ms(&self, ms: i64) {
        self.clock_offset.fetch_add(ms, Ordering::SeqCst);
    }

    /// An application state on the same database and clock as the running server (to call
    /// what the server runs in the background, such as `ownpace_web::housekeeping`).
    pub fn state(&self, config: ownpace_web::Config) -> ownpace_web::AppState {
        let offset = self.clock_offset.clone();
        let clock: ownpace_web::Clock =
            Arc::new(move || ownpace_web::now_ms() + offset.load(Ordering::SeqCst));
        ownpace_web::AppState::with_clock(self.store.clone(), config, clock)
    }
}

/// A fixed-offset time zone (`Etc/GMT±N`) in which it is about noon now: screen-time
/// tests count "today" far from a local midnight, whenever they run.
pub fn noon_zone() -> ownpace_core::screen_time::SchoolZone {
    let utc_hour = (ownpace_web::now_ms() / 3_600_000).rem_euclid(24);
    let west = utc_hour - 12;
    let name = match west {
        0 => "UTC".to_string(),
        n if n > 0 => format!("Etc/GMT+{n}"),
        n => format!("Etc/GMT-{}", -n),
    };
    ownpace_core::screen_time::SchoolZone::new(&name).expect("an Etc/GMT zone")
}

/// Starts Ownpace with a demo school of `students` students (plus the other class).
pub async fn spawn_app(backend: Backend, students: usize) -> TestApp {
    spawn_app_with(backend, students, ownpace_web::Config::default()).await
}

/// [`spawn_app`] with other server settings.
pub async fn spawn_app_with(
    backend: Backend,
    students: usize,
    config: ownpace_web::Config,
) -> TestApp {
    let db = scratch(backend).await;
    let store = Store::connect(&db.url)
        .await
        .expect("connect to the scratch database");
    let school = demo::seed(&store, ownpace_web::now_ms(), students, 7)
        .await
        .expect("seed the demo school");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a random port");
    let base = format!("http://{}", listener.local_addr().expect("local address"));
    let clock_offset = Arc::new(AtomicI64::new(0));
    let offset = clock_offset.clone();
    let clock: ownpace_web::Clock =
        Arc::new(move || ownpace_web::now_ms() + offset.load(Ordering::SeqCst));
    let state = ownpace_web::AppState::with_clock(store.clone(), config, clock);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        ownpace_web::serve(listener, state, async {
            let _ = rx.await;
        })
        .await
        .expect("server runs");
    });
    TestApp {
        base,
        clock_offset,
        store,
        school,
        _db: db,
        shutdown: Some(tx),
    }
}

/// The `ownpace` binary with none of its settings taken from this process's environment
/// (every `OWNPACE_*` variable of [`ownpace::config::SETTINGS`] is removed) and quiet logs;
/// tests pass settings as flags or with `.env` on the command.
pub fn ownpace_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ownpace"));
    for setting in ownpace::config::SETTINGS {
        command.env_remove(setting.env);
    }
    command.env("OWNPACE_LOG", "warn");
    command
}

/// The answer a student who knows gives to `item`: its correct choice, its number as
/// written by the product, or its first accepted text.
pub fn right_answer(item: &Item) -> Response {
    match &item.answer {
        AnswerSpec::Choice { choices } => Response::Choice(
            choices
                .iter()
                .position(|c| c.correct)
                .unwrap_or_else(|| panic!("{} has no correct choice", item.id)),
        ),
        AnswerSpec::Numeric { value, .. } => Response::Text(format_number(*value)),
        AnswerSpec::Text { accepted, .. } => Response::Text(
            accepted
                .first()
                .unwrap_or_else(|| panic!("{} has no accepted answer", item.id))
                .clone(),
        ),
    }
}

/// An answer that is wrong for `item`: the choice after the correct one, a number beyond
/// the tolerance, or a text no item accepts.
pub fn wrong_answer(item: &Item) -> Response {
    match (&item.answer, right_answer(item)) {
        (AnswerSpec::Choice { choices }, Response::Choice(right)) => {
            Response::Choice((right + 1) % choices.len())
        }
        (
            AnswerSpec::Numeric {
                value, tolerance, ..
            },
            _,
        ) => Response::Text(format_number(value + tolerance.abs() + 7.0)),
        _ => Response::Text("zzz not it".into()),
    }
}

/// A response as the JSON API takes it: a choice's index, or the typed text.
pub fn as_json(response: &Response) -> serde_json::Value {
    match response {
        Response::Choice(index) => serde_json::json!(index),
        Response::Text(text) => serde_json::json!(text),
    }
}

/// A response as the practice page's `response` field sends it.
pub fn as_field(response: &Response) -> String {
    match response {
        Response::Choice(index) => index.to_string(),
        Response::Text(text) => text.clone(),
    }
}

/// Starts `command` (an `ownpace serve … --listen 127.0.0.1:0`) and reads the URL it
/// prints first; returns the child and the base URL without a final slash.
pub fn start_serve(command: &mut Command) -> (Child, String) {
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .expect("start ownpace serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read the server's first line");
    let url = line
        .trim()
        .strip_prefix("Ownpace is listening on ")
        .unwrap_or_else(|| panic!("unexpected first line from serve: {line}"))
        .trim_end_matches('/')
        .to_string();
    (child, url)
}

/// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client")
}

/// The value of the first `name="_csrf"` hidden field in a page.
pub fn csrf_in(html: &str) -> Option<String> {
    let at = html.find(r#"name="_csrf" value=""#)? + r#"name="_csrf" value=""#.len();
    Some(html[at..].split('"').next()?.to_string())
}

/// Signs in through the login form; returns the session's CSRF token.
pub async fn login_page(app: &TestApp, client: &reqwest::Client, username: &str) -> String {
    login_page_at(&app.base, client, username).await
}

/// [`login_page`] against any running server (`base` is its URL without a final slash).
pub async fn login_page_at(base: &str, client: &reqwest::Client, username: &str) -> String {
    let form = client
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf_in(&form).expect("login form has a CSRF token");
    let response = client
        .post(format!("{base}/login"))
        .form(&[
            ("_csrf", token.as_str()),
            ("username", username),
            ("password", demo::DEMO_PASSWORD),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        303,
        "login as {username} should redirect"
    );
    let home = response.headers()["location"].to_str().unwrap().to_string();
    let page = client.get(format!("{base}{home}")).send().await.unwrap();
    let page = if page.status() == 303 {
        let next = page.headers()["location"].to_str().unwrap().to_string();
        client.get(format!("{base}{next}")).send().await.unwrap()
    } else {
        page
    };
    let status = page.status();
    let body = page.text().await.unwrap();
    csrf_in(&body).unwrap_or_else(|| {
        panic!("{username}'s start page ({status}) has no session CSRF token:\n{body}")
    })
}

/// Signs in through the API; returns the bearer token.
pub async fn login_api(app: &TestApp, username: &str) -> String {
    login_api_at(&app.base, &reqwest::Client::new(), username).await
}

/// [`login_api`] against any running server, with the caller's client.
pub async fn login_api_at(base: &str, client: &reqwest::Client, username: &str) -> String {
    let response = client
        .post(format!("{base}/api/v1/login"))
        .json(&serde_json::json!({ "username": username, "password": demo::DEMO_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "API login as {username}");
    let body: serde_json::Value = response.json().await.unwrap();
    body["token"].as_str().expect("token").to_string()
}

pub async fn user_id(app: &TestApp, username: &str) -> ownpace_core::ids::UserId {
    app.store
        .user_by_username(username)
        .await
        .unwrap()
        .expect("user exists")
        .id
}

/// GETs a page with a signed-in client: its status and body.
pub async fn get_page(http: &reqwest::Client, url: &str) -> (u16, String) {
    let response = http.get(url).send().await.expect("the server answers");
    let status = response.status().as_u16();
    (status, response.text().await.expect("a body"))
}

/// POSTs a form with a signed-in client: its status and where it redirects ("" for none).
pub async fn post_form(
    http: &reqwest::Client,
    url: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let response = http
        .post(url)
        .form(fields)
        .send()
        .await
        .expect("the server answers");
    let location = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or("")
        .to_string();
    (response.status().as_u16(), location)
}

/// A client signed in through the sign-in page, and its CSRF token.
pub async fn signed_in(app: &TestApp, username: &str) -> (reqwest::Client, String) {
    let http = client();
    let csrf = login_page(app, &http, username).await;
    (http, csrf)
}
