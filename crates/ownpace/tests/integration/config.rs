//! The settings as a user meets them: the README's settings table says exactly what
//! `ownpace::config::SETTINGS` declares, and `ownpace serve` refuses to start on a value out
//! of range, naming the setting, where the value came from (flag, environment variable or
//! file key) and the valid range, with flags over environment over file.

use crate::support::{ownpace_command, workspace_root};
use ownpace::config::{SETTINGS, Setting};
use std::process::Output;

/// The rows of the README's settings table (the one whose header has a `flag` column),
/// each as its cells with backticks removed.
fn readme_settings_rows() -> Vec<Vec<String>> {
    let path = workspace_root().join("README.md");
    let readme = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let cells = |line: &str| -> Vec<String> {
        line.trim()
            .trim_matches('|')
            .split('|')
            .map(|cell| cell.trim().replace('`', ""))
            .collect()
    };
    let mut lines = readme.lines();
    let header = lines
        .find(|line| line.starts_with('|') && cells(line).contains(&"flag".to_string()))
        .expect("the README has a settings table with a `flag` column");
    assert_eq!(
        cells(header),
        [
            "setting",
            "flag",
            "environment",
            "file key",
            "default",
            "valid"
        ],
        "the settings table's columns"
    );
    lines
        .skip(1) // the |---| line
        .take_while(|line| line.starts_with('|'))
        .map(cells)
        .collect()
}

#[test]
fn the_readme_documents_every_declared_setting_and_nothing_else() {
    let rows = readme_settings_rows();
    let find = |setting: &Setting| {
        let flag = format!("--{}", setting.flag);
        let found: Vec<&Vec<String>> = rows.iter().filter(|row| row[1] == flag).collect();
        assert_eq!(found.len(), 1, "README rows for {flag}: {found:?}");
        found[0].clone()
    };
    for &setting in SETTINGS {
        let row = find(setting);
        assert_eq!(
            row[2], setting.env,
            "environment variable of {}",
            setting.name
        );
        assert_eq!(
            row[3],
            setting.file_key().unwrap_or("—"),
            "file key of {}",
            setting.name
        );
        if let Some(default) = setting.default {
            assert_eq!(row[4], default, "default of {}", setting.name);
        }
        assert_eq!(
            row[5],
            setting.kind.valid(),
            "valid values of {}",
            setting.name
        );
    }
    let declared: Vec<String> = SETTINGS.iter().map(|s| format!("--{}", s.flag)).collect();
    for row in &rows {
        assert!(
            declared.contains(&row[1]),
            "the README documents {}, which is not declared in ownpace::config::SETTINGS",
            row[1]
        );
    }
    assert_eq!(rows.len(), SETTINGS.len());
}

fn serve(args: &[&str], env: &[(&str, &str)]) -> Output {
    let data = tempfile::tempdir().expect("temp dir");
    let mut command = ownpace_command();
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data.path())
        .args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("run ownpace serve")
}

fn refused_with(output: &Output, message: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "serve should refuse to start; stderr:\n{stderr}"
    );
    assert!(
        stderr.contains(message),
        "stderr should contain {message:?}:\n{stderr}"
    );
}

#[test]
fn serve_refuses_out_of_range_values_naming_their_source() {
    // The flag wins over the environment for session_hours; inactive_days comes from the
    // environment and is out of range.
    let output = serve(
        &["--session-hours", "5"],
        &[
            ("OWNPACE_SESSION_HOURS", "0"),
            ("OWNPACE_INACTIVE_DAYS", "400"),
        ],
    );
    refused_with(
        &output,
        "setting inactive_days = 400 (from environment variable OWNPACE_INACTIVE_DAYS) is out of range: use 1 to 365",
    );

    // The environment wins over the file for session_hours; the file's inactive_days = 0
    // is refused, not clamped.
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("ownpace.toml");
    std::fs::write(&file, "session_hours = 0\ninactive_days = 0\n").expect("write settings");
    let file = file.to_str().expect("utf-8 path");
    let output = serve(&["--config", file], &[("OWNPACE_SESSION_HOURS", "6")]);
    refused_with(
        &output,
        &format!(
            "setting inactive_days = 0 (from settings file {file}:inactive_days) is out of range: use 1 to 365"
        ),
    );
    let output = serve(&["--session-hours", "721"], &[]);
    refused_with(
        &output,
        "setting session_hours = 721 (from flag --session-hours) is out of range: use 1 to 720",
    );
}
