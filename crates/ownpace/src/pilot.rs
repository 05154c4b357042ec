//! `ownpace pilot`: pilot-study tools on the command line. For now `calibrate`, which runs
//! simulated pilots through the real randomisation and report code and prints how often
//! the intervals hold what they claim. The statistics live in `ownpace_core::pilot`; the
//! method and the measured figures are in `docs/evidence.md`.

use anyhow::anyhow;
use ownpace_core::pilot::calibrate::{CalibrationConfig, Design, calibrate};
use serde_json::json;

/// Pilot studies.
#[derive(Debug, clap::Args)]
pub struct PilotArgs {
    #[command(subcommand)]
    pub action: PilotAction,
}

#[derive(Debug, clap::Subcommand)]
pub enum PilotAction {
    /// Run simulated pilots with a planted effect and with none; report the 95% interval's
    /// coverage, the false-positive rate and the power.
    Calibrate(CalibrateArgs),
}

#[derive(Debug, clap::Args)]
pub struct CalibrateArgs {
    /// Simulated pilots with the planted effect (and as many without), 1 to 100,000.
    #[arg(long, default_value_t = 1000)]
    pub runs: usize,
    /// Random seed (the same seed gives the same figures).
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// What is randomised: students within 6 classes, or the 6 whole classes.
    #[arg(long, value_enum, default_value_t = DesignArg::Student)]
    pub design: DesignArg,
    /// Print one JSON object on stdout instead of sentences.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum DesignArg {
    Student,
    Cluster,
}

pub fn run(args: PilotArgs) -> anyhow::Result<()> {
    match args.action {
        PilotAction::Calibrate(args) => run_calibrate(args),
    }
}

fn run_calibrate(args: CalibrateArgs) -> anyhow::Result<()> {
    let design = match args.design {
        DesignArg::Student => Design::Student,
        DesignArg::Cluster => Design::Cluster,
    };
    let config = CalibrationConfig::new(design, args.runs, args.seed);
    let c = calibrate(&config).map_err(|e| anyhow!("pilot calibrate: {e}"))?;
    if args.json {
        println!(
            "{}",
            json!({
                "runs": c.runs,
                "coverage_95": c.coverage_95,
                "type1_error": c.type1_error,
                "power": c.power,
                "design": c.design,
                "seed": c.seed,
                "planted_g": c.planted_g,
                "predicted_power": c.predicted_power,
                "mean_g": c.mean_g,
                "too_small": c.too_small,
            })
        );
        return Ok(());
    }
    let school = match design {
        Design::Student => "students randomised within classes, ANCOVA on the pre-test",
        Design::Cluster => "whole classes randomised (3 against 3), cluster-level analysis",
    };
    println!(
        "{} simulated pilots with g = {} and {} with none, seed {}: {} students in {} classes, \
         {school}.",
        c.runs, c.planted_g, c.runs, c.seed, config.students, config.classes
    );
    println!(
        "coverage of the 95% interval: {:.1}%  (target 93–97%)",
        100.0 * c.coverage_95
    );
    println!(
        "false positives with no effect: {:.1}%  (target at most 7%)",
        100.0 * c.type1_error
    );
    println!(
        "power at g = {}: {:.1}%  (the power formula predicts {:.1}%)",
        c.planted_g,
        100.0 * c.power,
        100.0 * c.predicted_power
    );
    println!("mean estimated g: {:.3}", c.mean_g);
    Ok(())
}
