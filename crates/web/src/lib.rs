//! Ownpace's web layer: authentication, authorization, server-rendered pages and the
//! JSON API, all on one axum router.
//!
//! Layout of the crate:
//! - [`policy`] gathers the route table: every route with who may call it, declared by
//!   each area (`pages::*`, `api`) with `routing::{get, post}`. The router is built
//!   *from* that table, so a route cannot exist without a policy, and the guard
//!   (`auth::guard`: role, then relation to the student/class/course named in the path)
//!   runs before any handler. Deny is the default. Handlers take what the guard proved
//!   through extractors (`Student`, `TeacherOfClass`, `CourseInPath`, …).
//! - `auth` owns passwords (Argon2id), sessions (hashed random tokens), CSRF, login
//!   throttling and the guard.
//! - `practice` is the learning loop shared by pages and API: choose the next item, grade
//!   an answer, record it and update mastery in one transaction; `path` gathers a
//!   student's adaptive path (next steps, goals, placement) from storage for the core.
//! - `pages` renders HTML per audience (askama templates in `templates/`) in the frame of
//!   `layout`; `api` serves JSON and the OpenAPI document.
//! - `assets/` holds the CSS and JS Ownpace serves itself; no page loads anything from
//!   another origin (the Content-Security-Policy header says so to the browser).

mod api;
pub mod assignments;
mod assignments_api;
mod audit;
mod auth;
mod calendar;
mod checkins;
mod checkins_api;
pub mod consent;
mod error;
pub mod export;
mod flash;
mod grades;
mod layout;
pub mod letters;
mod my_projects_api;
mod next_steps_api;
mod pages;
mod path;
mod peer_api;
pub mod pilots;
mod pilots_api;
pub mod policy;
mod post_test;
mod practice;
pub mod projects;
mod projects_api;
pub mod retention;
mod routing;
mod screen;
mod screen_api;
mod together;
mod views;

pub use auth::address::{IpRange, parse_ranges};
pub use auth::passwords::check_new_password;
pub use auth::two_factor::code_at as two_factor_code_at;
pub use auth::{hash_password, verify_password};
pub use error::WebError;
pub use pages::{check_password, validate_new_user};
pub use routing::{Access, Subject};

use auth::signing::Signer;
use axum::Router;
use axum::extract::MatchedPath;
use axum::http::{HeaderName, HeaderValue, header};
use ownpace_core::ids::CourseId;
use ownpace_core::learner::bkt::BktParams;
use ownpace_core::learner::fitted::{FittedModels, STORE_MODEL_NAME};
use ownpace_storage::{CourseVersion, Store};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

/// Milliseconds since the Unix epoch. Injectable so tests can move time forward.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The wall clock in milliseconds since the Unix epoch. The web layer and the binary read
/// it; the core and storage take times from their callers (their `clippy.toml` forbids
/// reading the clock).
pub fn now_ms() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}

/// Settings of a running server.
#[derive(Debug, Clone)]
pub struct Config {
    /// Mark cookies `Secure` (set when Ownpace is served over TLS, directly or behind a
    /// proxy). Requests carrying `X-Forwarded-Proto: https` get Secure cookies regardless.
    pub secure_cookies: bool,
    /// How long a session lasts without a new login.
    pub session_hours: i64,
    /// A session unused for this long ends (the idle timeout beside `session_hours`).
    pub session_idle_minutes: i64,
    /// Failed logins of one account that cost no delay; after them each attempt waits
    /// 30 seconds, doubling up to [`Config::throttle_minutes`] (see `auth::throttle`).
    pub max_failed_logins: i64,
    pub throttle_minutes: i64,
    /// Failed logins from one address per [`Config::throttle_minutes`] before further
    /// attempts from it are refused until the window ends (a school may share one address).
    pub login_failures_per_address: i64,
    /// Proxies whose `X-Forwarded-For` names the client (none by default: the header is
    /// ignored).
    pub trusted_proxies: Vec<IpRange>,
    /// Days without activity after which a student shows as inactive on the dashboard.
    pub inactive_days: i64,
    /// Who families write to about their data, shown on `/privacy`.
    pub privacy_contact: Option<String>,
    /// Guardians see their child's answers word for word (off: right or wrong only).
    pub guardians_see_answers: bool,
    /// Admins must turn on two-factor sign-in before they can use anything else.
    pub admins_need_two_factor: bool,
    /// Students are erased this many days after their last enrolment closed (0: never
    /// automatically; see `retention`).
    pub retention_days_after_leaving: i64,
    /// Who needs a guardian's consent before using Ownpace (`consent_age`,
    /// `consent_when_age_unknown`; off by default). See `consent`.
    pub consent: ownpace_core::consent::Policy,
    /// The school's time zone: where its days and weeks begin (screen-time budgets).
    pub timezone: ownpace_core::screen_time::SchoolZone,
    /// The weekly letter to guardians: SMTP, sender, public address, day and hour.
    pub letters: letters::LetterSettings,
    /// Uploads to a project group's space: the largest file, a student's quota over all
    /// their groups and a group's (`upload_file_mb`, `upload_student_mb`,
    /// `upload_group_mb`; 5, 20 and 50 MB by default). The upload route's body limit
    /// follows the per-file limit ([`projects::upload_body_limit`]).
    pub uploads: ownpace_storage::FileQuota,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            secure_cookies: false,
            session_hours: 12,
            session_idle_minutes: 60,
            max_failed_logins: 5,
            throttle_minutes: 15,
            login_failures_per_address: 300,
            trusted_proxies: Vec::new(),
            inactive_days: 7,
            privacy_contact: None,
            guardians_see_answers: false,
            admins_need_two_factor: false,
            retention_days_after_leaving: 0,
            consent: ownpace_core::consent::Policy::OFF,
            timezone: ownpace_core::screen_time::SchoolZone::default(),
            letters: letters::LetterSettings::default(),
            uploads: ownpace_storage::FileQuota::default(),
        }
    }
}

/// Shared state of every request.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    pub clock: Clock,
    courses: Arc<RwLock<HashMap<CourseId, CourseVersion>>>,
    /// The newest `ownpace fit` (version, models); defaults until one exists.
    models: Arc<RwLock<(i64, Arc<FittedModels>)>>,
    /// The per-install signing key, read from the database on first use.
    signer: Arc<tokio::sync::OnceCell<Signer>>,
}

impl AppState {
    pub fn new(store: Store, config: Config) -> AppState {
        AppState::with_clock(store, config, Arc::new(now_ms))
    }

    pub fn with_clock(store: Store, config: Config, clock: Clock) -> AppState {
        AppState {
            store,
            config: Arc::new(config),
            clock,
            courses: Arc::default(),
            models: Arc::new(RwLock::new((0, Arc::new(FittedModels::none())))),
            signer: Arc::default(),
        }
    }

    /// The server's signing key (`auth::signing`): the install's stored secret, made by
    /// the first server that needed it.
    pub async fn signer(&self) -> Result<Signer, WebError> {
        self.signer
            .get_or_try_init(|| async {
                let candidate = auth::random_token()?;
                let secret = self
                    .store
                    .server_secret("signing", &candidate, self.now())
                    .await?;
                let key = base64::Engine::decode(
                    &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                    secret.as_bytes(),
                )
                .map_err(|_| WebError::Internal("the stored server secret is unreadable".into()))?;
                Signer::new(&key)
            })
            .await
            .cloned()
    }

    pub fn now(&self) -> i64 {
        (self.clock)()
    }

    /// The current version of a course, cached in memory and refreshed when the database
    /// says a newer version was imported (by this process or another).
    pub async fn course(&self, course_id: &CourseId) -> Result<Option<CourseVersion>, WebError> {
        let cached = self
            .courses
            .read()
            .ok()
            .and_then(|c| c.get(course_id.as_str()).cloned());
        let current = self.store.current_course_version(course_id).await?;
        match (cached, current) {
            (_, None) => Ok(None),
            (Some(hit), Some(version)) if hit.version == version => Ok(Some(hit)),
            (_, Some(_)) => {
                let fresh = self.store.current_course(course_id).await?;
                if let (Some(fresh), Ok(mut cache)) = (&fresh, self.courses.write()) {
                    cache.insert(course_id.clone(), fresh.clone());
                }
                Ok(fresh)
            }
        }
    }

    /// Learner-model parameters for a skill: from the newest `ownpace fit` when the skill
    /// had enough answers, the defaults otherwise.
    pub fn bkt_params(&self, skill_id: &str) -> BktParams {
        self.models().bkt_params(skill_id)
    }

    /// The fitted learner models in use.
    pub fn models(&self) -> Arc<FittedModels> {
        self.models
            .read()
            .map(|m| m.1.clone())
            .unwrap_or_else(|_| Arc::new(FittedModels::none()))
    }

    /// Loads the newest fit if it is newer than the one in use. A fit this build cannot
    /// read is logged and ignored (the server keeps what it has): run `ownpace fit` again.
    pub async fn refresh_models(&self) -> Result<(), WebError> {
        let Some((version, json, _, _)) = self.store.latest_model_params(STORE_MODEL_NAME).await?
        else {
            return Ok(());
        };
        if self.models.read().is_ok_and(|m| m.0 == version) {
            return Ok(());
        }
        match serde_json::from_str::<FittedModels>(&json) {
            Ok(models) => {
                if let Ok(mut current) = self.models.write() {
                    *current = (version, Arc::new(models));
                }
                tracing::info!(version, "using fitted learner models");
            }
            Err(error) => {
                tracing::warn!(version, %error, "cannot read the stored fit; run `ownpace fit` again");
            }
        }
        Ok(())
    }
}

/// The whole application: routes from the policy table plus the security headers.
pub fn router(state: AppState) -> Router {
    // Request logs name the route template (`/students/{student}`), never the ids, names or
    // answers in the request.
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &axum::http::Request<axum::body::Body>| {
            let route = request
                .extensions()
                .get::<MatchedPath>()
                .map_or("(unmatched)", MatchedPath::as_str);
            tracing::info_span!("request", method = %request.method(), route)
        })
        .on_request(())
        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO));
    policy::build_router(state.clone())
        .layer(axum::middleware::from_fn_with_state(
            state,
            strict_transport,
        ))
        .layer(trace)
        // A route that sets its own, stricter policy (course media) keeps it.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; \
                 script-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; \
                 frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
            ),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static(
                "camera=(), microphone=(), geolocation=(), interest-cohort=()",
            ),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}

/// Tells browsers that reached Ownpace over TLS to use nothing else for a year (HSTS).
/// Sent only on secure requests: over plain HTTP the header means nothing and browsers
/// ignore it.
async fn strict_transport(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let secure = auth::secure_request(&state, request.headers());
    let mut response = next.run(request).await;
    if secure {
        response.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}

/// Deletes what no longer serves a purpose: expired sessions, login-throttle counters
/// whose window passed, and counted staff-audit rows (failed sign-ins, refused requests)
/// older than their keeping period. Run at start and every minute by [`serve`]; returns
/// (sessions, counters) deleted.
pub async fn housekeeping(state: &AppState) -> Result<(u64, u64), WebError> {
    let now = state.now();
    let idle_since = now - state.config.session_idle_minutes * 60_000;
    let sessions = state.store.delete_expired_sessions(now, idle_since).await?;
    let longest_window = auth::throttle::account_rule(&state.config).window_ms;
    let counters = state
        .store
        .prune_login_throttle(now - longest_window, now)
        .await?;
    state
        .store
        .prune_staff_audit(now - audit::KEEP_COUNTED_DAYS * 86_400_000)
        .await?;
    Ok((sessions, counters))
}

/// Serves the application on `listener` until `shutdown` resolves, then finishes the
/// requests in flight and returns.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if let Err(error) = state.refresh_models().await {
        tracing::warn!(%error, "cannot load fitted learner models; using defaults");
    }
    // A build with another mastery rule than the projection was computed with replays the
    // events first, so every page shows the current rule (once, even with several servers).
    match state
        .store
        .rebuild_mastery_if_rule_changed(|skill| state.bkt_params(skill))
        .await
    {
        Ok(Some(answers)) => tracing::info!(
            answers,
            rule = ownpace_core::progress::RULE_VERSION,
            "rebuilt the mastery projection under this build's rule"
        ),
        Ok(None) => {}
        Err(error) => {
            return Err(std::io::Error::other(format!(
                "rebuilding the mastery projection failed: {}",
                error.redacted()
            )));
        }
    }
    // Pick up a new `ownpace fit` (run while serving, or by another server process), and
    // delete expired sessions and spent throttle counters (first at start).
    let refresher = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            if let Err(error) = housekeeping(&refresher).await {
                tracing::warn!(%error, "housekeeping failed");
            }
            if let Err(error) = refresher.refresh_models().await {
                tracing::warn!(%error, "checking for a newer fit failed");
            }
        }
    });
    // Retention: checked every hour, run at most once a day across all servers.
    if state.config.retention_days_after_leaving > 0 {
        let retention = state.clone();
        let holder = uuid::Uuid::new_v4().to_string();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
            loop {
                tick.tick().await;
                match retention::daily(&retention, &holder).await {
                    Ok(Some(erased)) => tracing::info!(erased = erased.len(), "retention ran"),
                    Ok(None) => {}
                    Err(error) => tracing::warn!(%error, "retention failed"),
                }
            }
        });
    }
    // Weekly letters: checked every ten minutes; each letter is claimed in the database
    // before it is sent, so several servers send it once.
    if state.config.letters.smtp.is_some() {
        let mailer = state.clone();
        let holder = uuid::Uuid::new_v4().to_string();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
            loop {
                tick.tick().await;
                match letters::run(&mailer, None, &holder).await {
                    Ok(report) if report.sent + report.failed > 0 => tracing::info!(
                        sent = report.sent,
                        failed = report.failed,
                        week = %report.week,
                        "weekly letters"
                    ),
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "weekly letters failed"),
                }
            }
        });
    }
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

#[cfg(test)]
mod tests {
    /// ARCHITECTURE.md promises that no file in `web/src` reaches 800 lines: an area that
    /// grows past it is split (as `pages/pilots/` was).
    #[test]
    fn no_source_file_reaches_800_lines() {
        fn walk(dir: &std::path::Path, long: &mut Vec<String>) {
            let entries = std::fs::read_dir(dir).expect("web/src is readable");
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, long);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).expect("a source file is UTF-8");
                    let lines = text.lines().count();
                    if lines >= 800 {
                        long.push(format!("{} ({lines} lines)", path.display()));
                    }
                }
            }
        }
        let mut long = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut long,
        );
        assert!(long.is_empty(), "split these files: {long:?}");
    }
}
