//! `ownpace pilot calibrate` as a user runs it: the JSON has the promised keys with
//! sensible values, the same seed prints the same figures, and bad input is refused with
//! a message naming the flag.

use crate::support::ownpace_command;

fn calibrate(args: &[&str]) -> std::process::Output {
    ownpace_command()
        .args(["pilot", "calibrate"])
        .args(args)
        .env("OWNPACE_LOG", "warn")
        .output()
        .expect("run ownpace")
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = calibrate(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object on stdout")
}

#[test]
fn calibrate_prints_its_figures_as_json_and_repeats_them_by_seed() {
    for design in ["student", "cluster"] {
        let args = ["--runs", "60", "--seed", "4", "--json", "--design", design];
        let first = json(&args);
        assert_eq!(first["runs"], 60);
        assert_eq!(first["design"], design);
        for key in ["coverage_95", "type1_error", "power"] {
            let value = first[key].as_f64().unwrap_or(-1.0);
            assert!((0.0..=1.0).contains(&value), "{key} = {}", first[key]);
        }
        // 60 runs: coverage is far above one half for any working interval.
        assert!(first["coverage_95"].as_f64().unwrap() > 0.8, "{first}");
        assert_eq!(json(&args), first, "the same seed gives the same figures");
        let other = json(&["--runs", "60", "--seed", "5", "--json", "--design", design]);
        assert_ne!(other["mean_g"], first["mean_g"]);
    }
}

#[test]
fn calibrate_refuses_bad_input() {
    let out = calibrate(&["--runs", "0", "--json"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--runs"));
    let out = calibrate(&["--design", "school"]);
    assert!(!out.status.success());
}
