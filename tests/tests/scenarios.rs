//! The engine's scenario corpus (`tests/scenarios/`), the national
//! library's own scenarios (`rules/national/tests/`) and the example
//! council's plugin scenarios (`rules/local/example-council/tests/`), run
//! through `duly test` as policy leads run them. `cargo test --workspace`
//! builds `duly` first; alone, run `cargo build -p duly-cli` before `cargo
//! test -p duly-tests`.

#![allow(clippy::unwrap_used, reason = "a test stops at its first failure")]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[allow(deprecated)] // the binary is in another package of the workspace
fn duly() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin("duly"))
}

fn run(paths: &[&str]) -> (bool, String) {
    let output = duly()
        .current_dir(root())
        .arg("test")
        .args(paths)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

#[test]
fn the_scenario_corpus_passes() {
    let (ok, text) = run(&["tests/scenarios"]);
    assert!(ok, "{text}");
    assert!(text.trim_end().ends_with("12 passed, 0 failed"), "{text}");
}

#[test]
fn the_national_library_scenarios_pass() {
    let (ok, text) = run(&["rules/national/tests"]);
    assert!(ok, "{text}");
    assert!(text.trim_end().ends_with("6 passed, 0 failed"), "{text}");
}

#[test]
fn the_example_council_plugin_scenarios_pass() {
    let (ok, text) = run(&["rules/local/example-council/tests"]);
    assert!(ok, "{text}");
    assert!(text.trim_end().ends_with("7 passed, 0 failed"), "{text}");
}

#[test]
fn a_failing_scenario_says_what_was_expected_and_what_came() {
    let dir = tempfile::tempdir().unwrap();
    let rules = root().join("rules/national");
    let scenario = format!(
        r#"description = "a wrong expectation"
rules = "{}"
as_of = "2019-06-10"
events = """
{{"id": "e-1", "case": "C1", "at": "2019-04-01", "step": "referral", "action": "start"}}
"""

[[expect]]
step = "referral"
due = "2019-04-03"
status = "met"
"#,
        rules.display()
    );
    std::fs::write(dir.path().join("wrong.toml"), scenario).unwrap();
    let output = duly().arg("test").arg(dir.path()).output().unwrap();
    assert!(!output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    let text = text.replace(&dir.path().display().to_string(), "<dir>");
    insta::assert_snapshot!(text, @r"
    FAIL <dir>/wrong.toml
      - a wrong expectation
      - `referral` occurrence 1 of case `C1`: expected due 2019-04-03, got 2019-04-02; expected status met, got overdue
    0 passed, 1 failed
    ");
}
