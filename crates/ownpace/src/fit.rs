//! `ownpace fit`: refits the learner model on this school's own answers and stores the
//! parameters as a new version, which the server prefers over its built-in defaults.
//!
//! This file does the IO (database, spinner, printing); the fit itself is
//! `ownpace_core::learner::fitted`, the storage is `Store::answer_log` and
//! `Store::save_model_params`.

use std::time::Duration;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use ownpace::config::{DatabaseArgs, Settings};
use ownpace_core::learner::fitted::{
    DEFAULT_MIN_ANSWERS_PER_SKILL, FitAnswer, STORE_MODEL_NAME, fit_from_answers,
};
use ownpace_storage::Store;

/// Refit the learner model on this school's own answers.
#[derive(Debug, clap::Args)]
pub struct FitArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// Answers a skill needs for its own BKT parameters; skills with fewer keep the defaults.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MIN_ANSWERS_PER_SKILL)]
    pub min_answers: usize,
    /// Fit on the answers of this course only.
    #[arg(long, value_name = "ID")]
    pub course: Option<ownpace_core::ids::CourseId>,
}

pub async fn run(args: FitArgs) -> anyhow::Result<()> {
    let settings = Settings::resolve(&args.db, None)?;
    let store = Store::connect(&settings.database_url)
        .await
        .context("cannot open the database")?;

    let spinner = spinner("Reading the answer log…");
    let log = store.answer_log(args.course.as_ref()).await?;
    if log.is_empty() {
        spinner.finish_and_clear();
        store.close().await;
        let scope = match &args.course {
            Some(course) => format!(" for course `{course}`"),
            None => String::new(),
        };
        bail!(
            "no answers{scope} yet, so there is nothing to fit and nothing was stored. \
             Run `ownpace fit` after students have practised; until then the server uses \
             the built-in defaults."
        );
    }

    spinner.set_message(format!(
        "Fitting the learner model on {} answers…",
        log.len()
    ));
    let min_answers = args.min_answers;
    let (fitted, json) = tokio::task::spawn_blocking(move || {
        let answers: Vec<FitAnswer<'_>> = log
            .iter()
            .map(|a| {
                (
                    a.student_id.as_str(),
                    a.item_id.as_str(),
                    a.skills.as_slice(),
                    a.correct,
                    a.occurred_at,
                )
            })
            .collect();
        let fitted = fit_from_answers(&answers, min_answers);
        let json = serde_json::to_string(&fitted);
        (fitted, json)
    })
    .await
    .context("the fit stopped unexpectedly")?;
    let json = json.context("cannot serialize the fitted parameters")?;

    spinner.set_message("Storing the parameters…");
    let answers = i64::try_from(fitted.answers_used()).unwrap_or(i64::MAX);
    let version = store
        .save_model_params(STORE_MODEL_NAME, &json, answers, ownpace_web::now_ms())
        .await?;
    spinner.finish_and_clear();
    store.close().await;

    println!(
        "Fitted version {version} on {} answers from {} students; BKT fitted for {} of {} skills (others use defaults)",
        fitted.answers_used(),
        fitted.students(),
        fitted.skills_with_data(),
        fitted.skills_seen(),
    );
    Ok(())
}

/// A spinner on stderr (hidden when stderr is not a terminal).
fn spinner(message: &'static str) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
        bar.set_style(style);
    }
    bar.set_message(message);
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}
