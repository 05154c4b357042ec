//! `ownpace evaluate`: runs the learner models on a public dataset with the published
//! five-fold protocol and prints AUC, RMSE, accuracy, log-loss, calibration error and fit
//! and predict times per model (mean ± sd over folds), or one JSON object with `--json`.
//!
//! This file does the IO (reading the folder, the progress bar, printing); parsing, fitting
//! and scoring are `ownpace_core::learner`.
//!
//! Folder layouts:
//! * AKT folders (`assist2009_pid`, `statics`): `*_train{k}.csv`, `*_valid{k}.csv` and
//!   `*_test{k}.csv` for k = 1..5; fold k fits on train{k} + valid{k} and tests on test{k}.
//!   Folders published without `valid{k}` files fit fold k on train{k} alone.
//!
//! Each file's line layout (4-line, 3-line with a length, 3-line with a header) is detected
//! from the shape of the whole file, or named with `--layout`.
//! * The DKT folder (`assist2009_dkt`): only `builder_train.csv` and `builder_test.csv`.
//!   The two files are joined (train students first, in file order) and student i goes to
//!   the test set of fold (i mod 5) + 1, so every student is tested exactly once, as in the
//!   AKT protocol. The files hold skill ids only, so `--merge-repeats` cannot tell a repeated
//!   row from a real second attempt and is ignored there (with a warning).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use ownpace_core::learner::datasets::{self, AktLayout};
use ownpace_core::learner::eval::{self, FoldResult, Summary};
use ownpace_core::learner::{ModelKind, Sequence, merge_repeats};
use serde_json::json;

/// Evaluate the learner models on a public dataset (5-fold, as in the published papers).
#[derive(Debug, clap::Args)]
pub struct EvaluateArgs {
    /// Dataset folder (e.g. datasets/assist2009_pid).
    #[arg(long, value_name = "DIR")]
    pub dataset: PathBuf,
    /// Merge consecutive rows of the same problem into one multi-skill attempt (the
    /// honest protocol for assist2009_pid).
    #[arg(long)]
    pub merge_repeats: bool,
    /// Comma-separated models (default: all): logistic, logistic-plain, pfa, elo, bkt,
    /// bkt-forget, bkt-item.
    #[arg(long, value_delimiter = ',')]
    pub models: Option<Vec<String>>,
    /// Comma-separated folds to run, 1..5 (default: all five).
    #[arg(long, value_delimiter = ',')]
    pub folds: Option<Vec<usize>>,
    /// Line layout of the files (default: detected per file from its whole shape).
    #[arg(long, value_enum, default_value_t = LayoutArg::Auto)]
    pub layout: LayoutArg,
    /// Print one JSON object on stdout instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Also write each fold's exact training and test rows (after merging, if asked) to
    /// DIR/fold{k}_train.csv and DIR/fold{k}_test.csv as `student,item,skills,correct`
    /// (skills `;`-separated), so other tools (bench/deepkt) fit and score the same rows.
    #[arg(long, value_name = "DIR", hide = true)]
    pub export_folds: Option<PathBuf>,
}

/// `--layout`: the line layout of the dataset files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LayoutArg {
    /// Detect each file's layout from its whole shape.
    Auto,
    /// Header `student index,user id`, problem ids, skill ids, correctness.
    HeaderProblemsSkills,
    /// Sequence length, ids, correctness.
    LengthIds,
    /// Header `student index,user id`, skill ids, correctness.
    HeaderSkills,
}

impl LayoutArg {
    fn akt(self) -> Option<AktLayout> {
        match self {
            LayoutArg::Auto => None,
            LayoutArg::HeaderProblemsSkills => Some(AktLayout::FourLine),
            LayoutArg::LengthIds => Some(AktLayout::ThreeLine),
            LayoutArg::HeaderSkills => Some(AktLayout::HeaderThreeLine),
        }
    }
}

/// Where each fold's students come from.
enum Layout {
    /// `with_valid`: the folder has `valid{k}` files to add to the training rows.
    Akt {
        prefix: String,
        with_valid: bool,
    },
    Dkt,
}

pub fn run(args: EvaluateArgs) -> anyhow::Result<()> {
    let dir = &args.dataset;
    if !dir.is_dir() {
        bail!(
            "dataset folder {} does not exist or is not a folder",
            dir.display()
        );
    }
    let models: Vec<ModelKind> = match &args.models {
        None => ModelKind::ALL.to_vec(),
        Some(names) => names
            .iter()
            .map(|n| {
                ModelKind::from_name(n.trim()).with_context(|| {
                    let known: Vec<&str> = ModelKind::ALL.iter().map(|k| k.name()).collect();
                    format!("unknown model {n:?}; known models: {}", known.join(", "))
                })
            })
            .collect::<anyhow::Result<_>>()?,
    };
    let folds = args.folds.clone().unwrap_or_else(|| (1..=5).collect());
    if let Some(bad) = folds.iter().find(|&&k| !(1..=5).contains(&k)) {
        bail!("fold {bad} does not exist; folds are 1 to 5");
    }
    let layout = detect(dir)?;
    let mut merge = args.merge_repeats;
    if merge && matches!(layout, Layout::Dkt) {
        eprintln!(
            "warning: {} has skill ids only; --merge-repeats ignored",
            dir.display()
        );
        merge = false;
    }
    let dkt_all = match layout {
        Layout::Dkt => {
            let mut all = read(dir, "builder_train.csv", args.layout)?;
            all.extend(read(dir, "builder_test.csv", args.layout)?);
            Some(all)
        }
        Layout::Akt { .. } => None,
    };

    let bar = ProgressBar::new((folds.len() * models.len()) as u64);
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let start = Instant::now();
    let clock = move || start.elapsed().as_secs_f64();
    let mut results: HashMap<ModelKind, Vec<FoldResult>> = HashMap::new();
    for &k in &folds {
        bar.set_message(format!("fold {k}: reading"));
        let (mut train, mut test) = match (&layout, &dkt_all) {
            (Layout::Akt { prefix, with_valid }, _) => {
                let mut train = read(dir, &format!("{prefix}_train{k}.csv"), args.layout)?;
                if *with_valid {
                    train.extend(read(dir, &format!("{prefix}_valid{k}.csv"), args.layout)?);
                }
                (
                    train,
                    read(dir, &format!("{prefix}_test{k}.csv"), args.layout)?,
                )
            }
            (Layout::Dkt, Some(all)) => {
                let (mut train, mut test) = (Vec::new(), Vec::new());
                for (i, s) in all.iter().enumerate() {
                    if i % 5 == k - 1 {
                        test.push(s.clone())
                    } else {
                        train.push(s.clone())
                    }
                }
                (train, test)
            }
            (Layout::Dkt, None) => unreachable!("the DKT files are read above"),
        };
        if merge {
            train = merge_repeats(&train);
            test = merge_repeats(&test);
        }
        if let Some(out) = &args.export_folds {
            export(&out.join(format!("fold{k}_train.csv")), &train)?;
            export(&out.join(format!("fold{k}_test.csv")), &test)?;
        }
        for &m in &models {
            bar.set_message(format!("fold {k}: {}", m.name()));
            let r = eval::evaluate_fold(m, &train, &test, &clock);
            results.entry(m).or_default().push(r);
            bar.inc(1);
        }
    }
    bar.finish_and_clear();

    let name = dir.file_name().map_or_else(
        || dir.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let summaries: Vec<(ModelKind, [Summary; 7])> = models
        .iter()
        .map(|&m| {
            let rs = &results[&m];
            let s =
                |f: &dyn Fn(&FoldResult) -> f64| Summary::of(&rs.iter().map(f).collect::<Vec<_>>());
            (
                m,
                [
                    s(&|r| r.metrics.auc),
                    s(&|r| r.metrics.rmse),
                    s(&|r| r.metrics.accuracy),
                    s(&|r| r.metrics.log_loss),
                    s(&|r| r.metrics.calibration_error),
                    s(&|r| r.fit_seconds),
                    s(&|r| r.predict_seconds),
                ],
            )
        })
        .collect();
    if args.json {
        let models: Vec<_> = summaries
            .iter()
            .map(|(m, s)| {
                let v = |s: &Summary| json!({"mean": s.mean, "sd": s.sd});
                json!({
                    "name": m.name(),
                    "default": *m == ModelKind::DEFAULT,
                    "auc": v(&s[0]),
                    "rmse": v(&s[1]),
                    "accuracy": v(&s[2]),
                    "log_loss": v(&s[3]),
                    "calibration_error": v(&s[4]),
                    "fit_seconds": v(&s[5]),
                    "predict_seconds": v(&s[6]),
                })
            })
            .collect();
        println!(
            "{}",
            json!({"dataset": name, "folds": folds, "models": models})
        );
    } else {
        let folds_text: Vec<String> = folds.iter().map(ToString::to_string).collect();
        println!(
            "{name}{}, folds {} (mean ± sd)",
            if merge { ", merged repeats" } else { "" },
            folds_text.join(",")
        );
        println!(
            "{:<16} {:>15} {:>15} {:>15} {:>15} {:>15} {:>14} {:>14}",
            "model", "AUC", "RMSE", "accuracy", "log-loss", "calib. error", "fit s", "predict s"
        );
        for (m, s) in &summaries {
            let label = if *m == ModelKind::DEFAULT {
                format!("{} *", m.name())
            } else {
                m.name().to_string()
            };
            let c = |s: &Summary| format!("{:.4} ± {:.4}", s.mean, s.sd);
            let t = |s: &Summary| format!("{:.2} ± {:.2}", s.mean, s.sd);
            println!(
                "{:<16} {:>15} {:>15} {:>15} {:>15} {:>15} {:>14} {:>14}",
                label,
                c(&s[0]),
                c(&s[1]),
                c(&s[2]),
                c(&s[3]),
                c(&s[4]),
                t(&s[5]),
                t(&s[6])
            );
        }
        println!("* default model");
    }
    Ok(())
}

/// Writes one row per attempt: sequence index, item, `;`-separated skills, 0/1.
fn export(path: &Path, sequences: &[Sequence]) -> anyhow::Result<()> {
    use std::fmt::Write as _;
    let mut text = String::from("student,item,skills,correct\n");
    for (i, seq) in sequences.iter().enumerate() {
        for a in &seq.attempts {
            let skills: Vec<String> = a.skills.iter().map(ToString::to_string).collect();
            let _ = writeln!(
                text,
                "{i},{},{},{}",
                a.item,
                skills.join(";"),
                u8::from(a.correct)
            );
        }
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// Finds the AKT fold files or the DKT pair.
fn detect(dir: &Path) -> anyhow::Result<Layout> {
    let mut prefixes: Vec<String> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix("_train1.csv"))
                .map(str::to_string)
        })
        .collect();
    prefixes.sort();
    if let Some(prefix) = prefixes.into_iter().next() {
        for k in 1..=5 {
            for part in ["train", "test"] {
                let f = dir.join(format!("{prefix}_{part}{k}.csv"));
                if !f.is_file() {
                    bail!(
                        "{} is missing (an AKT dataset folder needs {prefix}_train1..5.csv and {prefix}_test1..5.csv, and optionally {prefix}_valid1..5.csv)",
                        f.display()
                    );
                }
            }
        }
        let valid: Vec<bool> = (1..=5)
            .map(|k| dir.join(format!("{prefix}_valid{k}.csv")).is_file())
            .collect();
        if let Some(k) = valid.iter().position(|v| !v)
            && valid.iter().any(|v| *v)
        {
            bail!(
                "{} is missing while other {prefix}_valid files exist; add it or remove all five valid files (fold k then fits on {prefix}_train{{k}}.csv alone)",
                dir.join(format!("{prefix}_valid{}.csv", k + 1)).display()
            );
        }
        return Ok(Layout::Akt {
            prefix,
            with_valid: valid[0],
        });
    }
    if dir.join("builder_train.csv").is_file() && dir.join("builder_test.csv").is_file() {
        return Ok(Layout::Dkt);
    }
    bail!(
        "{} holds no dataset: expected NAME_train1.csv … NAME_test5.csv (AKT layout) or builder_train.csv and builder_test.csv (DKT layout)",
        dir.display()
    )
}

fn read(dir: &Path, file: &str, layout: LayoutArg) -> anyhow::Result<Vec<Sequence>> {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let shown = path.display().to_string();
    Ok(match layout.akt() {
        Some(l) => datasets::read_akt(&shown, &text, l)?,
        None => datasets::read_akt_detected(&shown, &text)?.1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder of header-skills files with train/test but no valid files: each fold must
    /// fit on its train file alone, read in the detected layout.
    #[test]
    fn folders_without_valid_files_fit_on_train_alone() {
        let dir = tempfile::tempdir().expect("temp dir");
        for k in 1..=5 {
            // Student ids encode the file, so the exported rows show where they came from.
            let train = format!("0,{k}01\n3,4,3\n1,0,1\n1,{k}02\n4,3\n0,1\n");
            let test = format!("0,{k}09\n3,4\n1,1\n");
            std::fs::write(dir.path().join(format!("x_train{k}.csv")), train).expect("write");
            std::fs::write(dir.path().join(format!("x_test{k}.csv")), test).expect("write");
        }
        let out = dir.path().join("export");
        let args = |layout| EvaluateArgs {
            dataset: dir.path().to_path_buf(),
            merge_repeats: false,
            models: Some(vec!["elo".into()]),
            folds: Some(vec![2]),
            json: true,
            layout,
            export_folds: Some(out.clone()),
        };
        run(args(LayoutArg::Auto)).expect("evaluate");
        let train = std::fs::read_to_string(out.join("fold2_train.csv")).expect("export");
        assert_eq!(
            train,
            "student,item,skills,correct\n0,3,3,1\n0,4,4,0\n0,3,3,1\n1,4,4,0\n1,3,3,1\n"
        );
        let test = std::fs::read_to_string(out.join("fold2_test.csv")).expect("export");
        assert_eq!(test, "student,item,skills,correct\n0,3,3,1\n0,4,4,1\n");

        // Named wrongly, the layout fails on a line of a file.
        let e = run(args(LayoutArg::HeaderProblemsSkills)).expect_err("4-line");
        assert!(format!("{e:#}").contains("x_train2.csv:4:"), "{e:#}");

        // Some valid files but not all: refused, naming the first missing one.
        std::fs::write(dir.path().join("x_valid1.csv"), "0,1\n3\n1\n").expect("write");
        let e = run(args(LayoutArg::Auto)).expect_err("partial valid");
        assert!(
            format!("{e:#}").contains("x_valid2.csv is missing"),
            "{e:#}"
        );
    }
}
