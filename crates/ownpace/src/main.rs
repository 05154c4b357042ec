//! `ownpace`: one binary for the whole product. Each subcommand is a thin wrapper over the
//! library crates; see ARCHITECTURE.md for the layers.

mod data_rights;
mod evaluate;
mod fit;
mod grouping_report;
mod pilot;
mod simulate;

use anyhow::{Context, anyhow, bail};
use clap::{Args, Parser, Subcommand};
use ownpace::config::{DatabaseArgs, ServerArgs, Settings};
use ownpace::{course_dir, demo};
use ownpace_storage::{ImportOutcome, NewUser, Role, Store};
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "ownpace",
    version,
    about = "Self-hosted personalized learning: every student at their own pace toward mastery."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct ServeArgs {
    #[command(flatten)]
    db: DatabaseArgs,
    #[command(flatten)]
    server: ServerArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Serve Ownpace (migrations are applied on start).
    Serve(ServeArgs),
    /// Create a demo school (if the database has none yet) and serve it.
    Demo {
        #[command(flatten)]
        serve: ServeArgs,
        /// Students in the demo class.
        #[arg(long, default_value_t = 25)]
        students: usize,
        /// Create the demo school and exit without serving.
        #[arg(long)]
        no_serve: bool,
    },
    /// Validate a course folder and import it (a changed course becomes a new version).
    Import {
        /// The course folder (holding course.toml).
        dir: PathBuf,
        /// Only validate; store nothing.
        #[arg(long)]
        check: bool,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Manage accounts.
    Users {
        #[command(subcommand)]
        action: UsersAction,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Manage classes.
    Classes {
        #[command(subcommand)]
        action: ClassesAction,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Recompute every student's mastery from the event log.
    Rebuild {
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Evaluate the learner models on a public dataset (5-fold, as in the papers).
    Evaluate(evaluate::EvaluateArgs),
    /// Refit the learner model on this school's own answers
    Fit(fit::FitArgs),
    /// Simulate students under a fixed sequence, mastery progression and Ownpace's adaptive path.
    Simulate(simulate::SimulateArgs),
    /// Pilot studies: `calibrate` checks the statistics on simulated pilots.
    Pilot(pilot::PilotArgs),
    /// How the proposal of project groups does against random assignment (simulated classes).
    GroupingReport(grouping_report::GroupingReportArgs),
    /// Write a student's whole record to one zip (summary, JSON, xAPI statements, CSV).
    ExportStudent {
        username: String,
        /// The zip file to write.
        #[arg(long)]
        out: PathBuf,
        /// The school's Ownpace address, the xAPI actor's account home page.
        #[arg(long, default_value = "http://localhost:8080")]
        homepage: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Erase a student: asks for the username on standard input unless --yes.
    EraseStudent {
        username: String,
        /// Why (kept in the erasure log without the student's name).
        #[arg(long)]
        reason: Option<String>,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Print the erasure log (pseudonyms only); --json for `reapply-erasures --log`.
    ErasureLog {
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Erase again, in a restored backup, every student the erasure log names.
    ReapplyErasures {
        /// A saved `ownpace erasure-log --json` (default: this database's own log).
        #[arg(long)]
        log: Option<PathBuf>,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Send the weekly letters to guardians now (the job `serve` runs), once per guardian,
    /// child and week: letters already sent are not sent again.
    SendLetters {
        /// A day of the week to send (YYYY-MM-DD); default: the week due now.
        #[arg(long)]
        week: Option<String>,
        #[command(flatten)]
        db: DatabaseArgs,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Erase students who left their last class more than retention_days_after_leaving ago.
    Retention {
        /// Only list who would be erased.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

#[derive(Subcommand)]
enum UsersAction {
    /// Create an account; the password is read from standard input.
    Add {
        username: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// A student's birth year (only the year is kept), for the consent age.
        #[arg(long)]
        birth_year: Option<String>,
    },
    /// List accounts.
    List {
        #[arg(long, value_parser = parse_role)]
        role: Option<Role>,
    },
    /// Set a new password (read from standard input); ends the user's sessions.
    Passwd { username: String },
    /// Link a guardian account to a student account.
    LinkGuardian { guardian: String, student: String },
}

#[derive(Subcommand)]
enum ClassesAction {
    /// Create a class for a course.
    Create {
        name: String,
        #[arg(long)]
        course: ownpace_core::ids::CourseId,
    },
    /// Add a teacher or a student to a class.
    Add {
        class_id: ownpace_core::ids::ClassId,
        username: String,
    },
    /// List classes.
    List,
}

fn parse_role(text: &str) -> Result<Role, String> {
    text.parse()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(cli.command));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Structured logs on stderr: `OWNPACE_LOG` sets the filter (default `info`),
/// `OWNPACE_LOG_FORMAT=json` switches to JSON lines.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("OWNPACE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("OWNPACE_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn settings(db: &DatabaseArgs, server: Option<&ServerArgs>) -> anyhow::Result<Settings> {
    Ok(Settings::resolve(db, server)?)
}

async fn open(settings: &Settings) -> anyhow::Result<Store> {
    Store::connect(&settings.database_url)
        .await
        .with_context(|| {
            format!(
                "cannot open the database ({})",
                redact(&settings.database_url)
            )
        })
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            let user = credentials.split(':').next().unwrap_or("");
            format!("{}{}@{}", &url[..scheme + 3], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => {
            let settings = settings(&args.db, Some(&args.server))?;
            let store = open(&settings).await?;
            serve(settings, store, None).await
        }
        Command::Demo {
            serve: args,
            students,
            no_serve,
        } => {
            let settings = settings(&args.db, Some(&args.server))?;
            let store = open(&settings).await?;
            let school = if demo::exists(&store).await? {
                eprintln!(
                    "The demo school already exists in {}; serving it.",
                    redact(&settings.database_url)
                );
                None
            } else {
                eprintln!(
                    "Creating the demo school (course, classes, {students} students with simulated histories)…"
                );
                let now = ownpace_web::now_ms();
                let school = demo::seed(&store, now, students, 2026).await?;
                demo::seed_assignments(&store, &school, now).await?;
                // Last: the teacher's assessment in it comes after every simulated answer.
                ownpace::demo_projects::seed(&store, &school, now, 2026).await?;
                Some(school)
            };
            if no_serve {
                return Ok(());
            }
            let logins = format!(
                "Demo logins (password for all: {pw}):\n  teacher:  teacher      (who needs you, class dashboard, gradebook, check-ins, assignments)\n  student:  {student}          (next steps, practice, assignments, grades)\n  guardian: guardian     (child: {student})\n  admin:    admin\n  another teacher: teacher2  (Period 4: a finished pilot study and a screen-time budget)\n  near the budget: {near}  (next steps offline, a practice sheet)",
                pw = demo::DEMO_PASSWORD,
                student = school
                    .as_ref()
                    .and_then(|s| s.students.first().cloned())
                    .unwrap_or_else(|| "ana".into()),
                near = school
                    .as_ref()
                    .and_then(|s| s.near_budget.clone())
                    .unwrap_or_else(|| "(the first student of Period 4)".into()),
            );
            serve(settings, store, Some(logins)).await
        }
        Command::Import { dir, check, db } => {
            let files = course_dir::read_folder(&dir)?;
            let loaded = match course_dir::load(&files) {
                Ok(loaded) => loaded,
                Err(errors) => {
                    for error in &errors {
                        eprintln!("{}", with_folder(&dir, error));
                    }
                    bail!(
                        "{} problem{} in {}: nothing was imported. Fix them and run the import again.",
                        errors.len(),
                        if errors.len() == 1 { "" } else { "s" },
                        dir.display()
                    );
                }
            };
            let c = &loaded.course;
            let summary = format!(
                "{} skills, {} items, {} lessons, {} projects",
                c.skills.len(),
                c.items.len(),
                c.lessons.len(),
                c.projects.len()
            );
            if check {
                println!("{} is valid: {summary}.", dir.display());
                return Ok(());
            }
            let settings = settings(&db, None)?;
            let store = open(&settings).await?;
            let outcome = store
                .import_course(c, &loaded.assets, ownpace_web::now_ms())
                .await?;
            match outcome {
                ImportOutcome::Created { version } => {
                    println!("Imported course `{}` (version {version}): {summary}.", c.id)
                }
                ImportOutcome::NewVersion { version } => println!(
                    "Updated course `{}` to version {version}: {summary}. Student history is kept.",
                    c.id
                ),
                ImportOutcome::Unchanged { version } => {
                    println!("Course `{}` is unchanged (still version {version}).", c.id)
                }
            }
            // Say where: without --data-dir or --database-url the default folder is used
            // (and created), which is easy to miss.
            println!("Database: {}", redact(&settings.database_url));
            Ok(())
        }
        Command::Users { action, db } => {
            let store = open(&settings(&db, None)?).await?;
            users(&store, action).await
        }
        Command::Classes { action, db } => {
            let store = open(&settings(&db, None)?).await?;
            classes(&store, action).await
        }
        Command::Rebuild { db } => {
            let store = open(&settings(&db, None)?).await?;
            // The same parameters the server uses: the newest fit, defaults otherwise.
            let state = ownpace_web::AppState::new(store.clone(), ownpace_web::Config::default());
            state.refresh_models().await.map_err(|e| anyhow!("{e}"))?;
            let replayed = store
                .rebuild_mastery(|skill| state.bkt_params(skill))
                .await?;
            println!("Rebuilt mastery from {replayed} answers.");
            Ok(())
        }
        // CPU-bound batch jobs (rayon inside); nothing else runs on the runtime meanwhile.
        Command::Evaluate(args) => evaluate::run(args),
        Command::Fit(args) => fit::run(args).await,
        Command::Simulate(args) => simulate::run(args),
        Command::Pilot(args) => pilot::run(args),
        Command::GroupingReport(args) => grouping_report::run(args),
        Command::ExportStudent {
            username,
            out,
            homepage,
            db,
        } => {
            let store = open(&settings(&db, None)?).await?;
            data_rights::export(&store, &username, &out, &homepage).await
        }
        Command::EraseStudent {
            username,
            reason,
            yes,
            db,
        } => {
            let store = open(&settings(&db, None)?).await?;
            let done = data_rights::erase(&store, &username, reason.as_deref(), yes).await;
            store.close().await;
            done
        }
        Command::ErasureLog { json, db } => {
            let store = open(&settings(&db, None)?).await?;
            data_rights::log(&store, json).await
        }
        Command::ReapplyErasures { log, db } => {
            let store = open(&settings(&db, None)?).await?;
            let done = data_rights::reapply(&store, log.as_deref()).await;
            store.close().await;
            done
        }
        Command::SendLetters { week, db, server } => {
            let settings = settings(&db, Some(&server))?;
            let store = open(&settings).await?;
            let done = send_letters(&store, settings.web.clone(), week.as_deref()).await;
            store.close().await;
            done
        }
        Command::Retention { dry_run, db } => {
            let settings = settings(&db, None)?;
            let store = open(&settings).await?;
            let done = data_rights::retention(&store, settings.web.clone(), dry_run).await;
            store.close().await;
            done
        }
    }
}

/// `ownpace send-letters [--week YYYY-MM-DD]`: one run of the weekly letter job.
async fn send_letters(
    store: &Store,
    config: ownpace_web::Config,
    week: Option<&str>,
) -> anyhow::Result<()> {
    let week = match week {
        Some(text) => Some(
            ownpace_core::letters::parse_week(&config.timezone, text).map_err(|e| anyhow!(e))?,
        ),
        None => None,
    };
    let state = ownpace_web::AppState::new(store.clone(), config);
    let holder = format!("send-letters {}", std::process::id());
    let report = ownpace_web::letters::run(&state, week, &holder)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    if let Some(off) = report.off {
        println!("No letter sent: {off} (set smtp_url, mail_from and public_url).");
        return Ok(());
    }
    println!(
        "Weekly letters for the week of {}: {} sent, {} failed (retried later), {} already sent or being sent, {} held back (no consent to send outside).",
        report.week, report.sent, report.failed, report.already_claimed, report.without_consent
    );
    if report.failed > 0 {
        bail!("{} letters could not be sent; see the log", report.failed);
    }
    Ok(())
}

fn with_folder(dir: &std::path::Path, error: &ownpace_core::course::CourseError) -> String {
    let file = dir.join(&error.file);
    match error.line {
        Some(line) => format!("{}:{}: {}", file.display(), line, error.message),
        None => format!("{}: {}", file.display(), error.message),
    }
}

/// Reads a new password for `username` from standard input (its first line) and checks it
/// against the password rules (`ownpace_web::check_new_password`).
fn read_password(username: &str) -> anyhow::Result<String> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .context("reading the password from standard input")?;
    let password = text.lines().next().unwrap_or("").to_string();
    ownpace_web::check_new_password(&password, username)
        .map_err(|e| anyhow!("the password (first line of standard input): {e}"))?;
    Ok(password)
}

async fn users(store: &Store, action: UsersAction) -> anyhow::Result<()> {
    match action {
        UsersAction::Add {
            username,
            name,
            role,
            birth_year,
        } => {
            let now = ownpace_web::now_ms();
            let birth_year = match birth_year {
                Some(text) if role == Role::Student => ownpace_core::consent::parse_birth_year(
                    &text,
                    ownpace_web::consent::year_of(now),
                )
                .map_err(|e| anyhow!("{e}"))?,
                Some(_) => bail!("--birth-year is for student accounts"),
                None => None,
            };
            let password = read_password(&username)?;
            ownpace_web::validate_new_user(&username, &name, &password)
                .map_err(|e| anyhow!("{e}"))?;
            let hash = ownpace_web::hash_password(password)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            let user = store
                .create_user(NewUser {
                    username: &username,
                    display_name: &name,
                    role,
                    password_hash: &hash,
                    created_at: now,
                })
                .await?;
            if birth_year.is_some() {
                store
                    .set_birth_year(None, &user.id, birth_year, now)
                    .await?;
            }
            println!(
                "Created {} `{}` (id {}).",
                user.role, user.username, user.id
            );
        }
        UsersAction::List { role } => {
            for user in store.users(role).await? {
                println!(
                    "{:<10} {:<20} {}",
                    user.role, user.username, user.display_name
                );
            }
        }
        UsersAction::Passwd { username } => {
            let user = account(store, &username).await?;
            let hash = ownpace_web::hash_password(read_password(&username)?)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            store.set_password_hash(user.id.as_str(), &hash).await?;
            println!("Password changed for `{username}`; their sessions were ended.");
        }
        UsersAction::LinkGuardian { guardian, student } => {
            let (g, s) = (
                account(store, &guardian).await?,
                account(store, &student).await?,
            );
            store.add_guardian(&g.id, &s.id).await?;
            println!(
                "{} is now a guardian of {}.",
                g.display_name, s.display_name
            );
        }
    }
    Ok(())
}

/// The account called `username`, or an error saying how to find the right name.
async fn account(store: &Store, username: &str) -> anyhow::Result<ownpace_storage::User> {
    store.user_by_username(username).await?.ok_or_else(|| {
        anyhow!("no account named `{username}`: `ownpace users list` shows every username")
    })
}

async fn classes(store: &Store, action: ClassesAction) -> anyhow::Result<()> {
    match action {
        ClassesAction::Create { name, course } => {
            let class = store
                .create_class(&name, &course, ownpace_web::now_ms())
                .await?;
            println!("Created class `{}` (id {}).", class.name, class.id);
        }
        ClassesAction::Add { class_id, username } => {
            let user = account(store, &username).await?;
            store
                .add_to_class(&class_id, &user.id, ownpace_web::now_ms())
                .await?;
            println!("Added {} to the class.", user.display_name);
        }
        ClassesAction::List => {
            for class in store.classes().await? {
                let students = store.class_students(&class.id).await?.len();
                println!(
                    "{}  {:<30} course {:<20} {students} students",
                    class.id, class.name, class.course_id
                );
            }
        }
    }
    Ok(())
}

async fn serve(settings: Settings, store: Store, banner: Option<String>) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {}: is another program using it? Choose another with --listen",
                settings.listen
            )
        })?;
    let address = listener.local_addr()?;
    let state = ownpace_web::AppState::new(store.clone(), settings.web.clone());
    println!("Ownpace is listening on http://{address}/");
    if let Some(banner) = banner {
        println!("{banner}");
    }
    tracing::info!(%address, backend = ?store.backend(), "serving");
    ownpace_web::serve(listener, state, shutdown_signal()).await?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}
