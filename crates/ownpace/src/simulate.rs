//! `ownpace simulate`: runs simulated students through a fixed sequence, mastery-based
//! progression and Ownpace's adaptive path (placement, mastery, spaced review) on a course
//! and prints what each costs and keeps. The engine and every assumption are in
//! `ownpace_core::simulate`; this file reads the course, shows the progress bar and prints.

use std::path::PathBuf;

use anyhow::bail;
use indicatif::{ProgressBar, ProgressStyle};
use ownpace::course_dir;
use ownpace_core::simulate::{FixedLength, LearnerFamily, SimConfig, simulate};
use serde_json::json;

/// Simulate students on a course under three policies (fixed, mastery, ownpace).
#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// Course folder (default: the built-in demo course).
    #[arg(long, value_name = "DIR")]
    pub course: Option<PathBuf>,
    /// Simulated students.
    #[arg(long, default_value_t = 200)]
    pub students: usize,
    /// Random seed (the same seed gives the same figures).
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Items per skill in the fixed policy (default: the shortest fixed sequence that leaves
    /// no more skills unlearnt than Ownpace, so both are compared at equal learning).
    #[arg(long, value_name = "N")]
    pub fixed_items: Option<usize>,
    /// Cap on placement questions.
    #[arg(long, default_value_t = 12)]
    pub placement_questions: usize,
    /// Which simulated learners answer: `bkt` (BKT with FSRS forgetting, the family the
    /// policy's own tracker assumes) or `logistic` (ability, skill easiness and practice
    /// that builds and fades, drawn from a PFA fit on ASSISTments 2009).
    #[arg(long, default_value = "bkt", value_parser = parse_learners)]
    pub learners: LearnerFamily,
    /// Print one JSON object on stdout instead of a table.
    #[arg(long)]
    pub json: bool,
}

fn parse_learners(text: &str) -> Result<LearnerFamily, String> {
    LearnerFamily::parse(text)
        .ok_or_else(|| format!("`{text}` is not a learner family; use bkt or logistic"))
}

pub fn run(args: SimulateArgs) -> anyhow::Result<()> {
    if args.students == 0 {
        bail!("--students must be at least 1");
    }
    let files = match &args.course {
        Some(dir) => course_dir::read_folder(dir)?,
        None => course_dir::demo_course_files(),
    };
    let course = match course_dir::load(&files) {
        Ok(loaded) => loaded.course,
        Err(errors) => {
            for e in &errors {
                eprintln!("{e}");
            }
            bail!(
                "the course has {} problem(s); check it with `ownpace import --check`",
                errors.len()
            );
        }
    };
    let mut config = SimConfig {
        students: args.students,
        seed: args.seed,
        learners: args.learners,
        fixed_length: args
            .fixed_items
            .map_or(FixedLength::MatchOwnpace, FixedLength::ItemsPerSkill),
        ..SimConfig::default()
    };
    config.placement.max_questions = args.placement_questions;

    let bar = ProgressBar::new(args.students as u64);
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} students")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let report = simulate(&course, &config, &|| bar.inc(1));
    bar.finish_and_clear();

    if args.json {
        let policies: Vec<_> = report
            .policies
            .iter()
            .map(|p| {
                json!({
                    "name": p.name,
                    "items_to_mastery_mean": p.items_to_mastery_mean,
                    "minutes_to_mastery_mean": p.minutes_to_mastery_mean,
                    "retained_30d": p.retained_30d,
                    "over_practice": p.over_practice,
                    "under_practice": p.under_practice,
                    "reached_mastery": p.reached_mastery,
                    "items_mean": p.items_mean,
                    "review_items": p.review_items,
                })
            })
            .collect();
        println!(
            "{}",
            json!({
                "course": course.id,
                "students": report.students,
                "skills": report.skills,
                "seed": args.seed,
                "learners": report.learners.name(),
                "fixed_items_per_skill": report.fixed_items_per_skill,
                "prior_known": report.prior_known,
                "placement": {
                    "questions_mean": report.placement_questions_mean,
                    "accuracy": report.placement_accuracy,
                },
                "policies": policies,
            })
        );
        return Ok(());
    }
    println!(
        "{} ({} skills), {} simulated {} learners, seed {}; {:.0}% of skills known before the course",
        course.id,
        report.skills,
        report.students,
        report.learners.name(),
        args.seed,
        100.0 * report.prior_known
    );
    println!(
        "{:<9} {:>17} {:>19} {:>9} {:>11} {:>13} {:>10} {:>14} {:>8}",
        "policy",
        "items to mastery",
        "minutes to mastery",
        "reached",
        "all items",
        "kept 30 days",
        "over",
        "under (skills)",
        "reviews"
    );
    for p in &report.policies {
        println!(
            "{:<9} {:>17.1} {:>19.1} {:>8.0}% {:>11.1} {:>12.1}% {:>10.1} {:>14.2} {:>8.1}",
            p.name,
            p.items_to_mastery_mean,
            p.minutes_to_mastery_mean,
            100.0 * p.reached_mastery,
            p.items_mean,
            100.0 * p.retained_30d,
            p.over_practice,
            p.under_practice,
            p.review_items
        );
    }
    println!(
        "placement: {:.1} questions on average, {:.1}% of skills classified correctly",
        report.placement_questions_mean,
        100.0 * report.placement_accuracy
    );
    let policy = |name: &str| report.policies.iter().find(|p| p.name == name);
    if let (Some(fixed), Some(own)) = (policy("fixed"), policy("ownpace")) {
        let rule = match args.fixed_items {
            Some(_) => "set by --fixed-items",
            None if fixed.under_practice <= own.under_practice => {
                "the shortest fixed sequence that leaves no more skills unlearnt than ownpace"
            }
            None => "no fixed sequence up to this length leaves as few skills unlearnt as ownpace",
        };
        println!(
            "fixed: {} items per skill ({rule})",
            report.fixed_items_per_skill
        );
        if fixed.items_to_mastery_mean > 0.0 {
            println!(
                "ownpace vs fixed: {:+.0}% items to mastery, {:+.1} points of 30-day retention",
                100.0 * (own.items_to_mastery_mean / fixed.items_to_mastery_mean - 1.0),
                100.0 * (own.retained_30d - fixed.retained_30d)
            );
        }
    }
    Ok(())
}
