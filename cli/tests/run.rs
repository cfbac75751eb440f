//! `duly run` end to end: the JSON contract, the table for people, refused
//! events, `--strict` and `--case`.

#![allow(clippy::unwrap_used, reason = "a test stops at its first failure")]

use assert_cmd::Command;
use std::path::Path;

const EVENTS: &str = r#"{"id":"e-5","case":"C123","at":"2019-05-07","step":"icpc","action":"complete","outcome":"cp_plan"}
{"id":"e-1","case":"C123","at":"2019-04-01","step":"referral","action":"start","facts":{"team":"North"}}
{"id":"e-2","case":"C123","at":"2019-04-02","step":"referral","action":"complete","outcome":"strategy_discussion"}
{"id":"e-3","case":"C123","at":"2019-04-12","step":"strategy_discussion","action":"complete","outcome":"s47"}
{"id":"e-4","case":"C123","at":"2019-04-15","step":"s47_enquiry","action":"complete","outcome":"icpc"}
{"id":"m-1","case":"C007","at":"2019-10-25T12:00:00+01:00","step":"missing_episode","action":"complete"}
{"id":"x-1","case":"C007","at":"2019-10-26","step":"rhii","action":"complete"}
not json
"#;

/// Runs `duly run` on the events above with the national library, and
/// renders the command, its output and its exit code for a snapshot.
fn session(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.jsonl");
    std::fs::write(&events, EVENTS).unwrap();
    // From the workspace, so that rules are cited as `rules/national/…`.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let output = Command::new(env!("CARGO_BIN_EXE_duly"))
        .current_dir(root)
        .args(["run", "--rules", "rules/national", "--events"])
        .arg(&events)
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stdout = match serde_json::from_str::<serde_json::Value>(&stdout) {
        Ok(json) => serde_json::to_string_pretty(&json).unwrap() + "\n",
        Err(_) => stdout.into_owned(),
    };
    format!(
        "$ duly run --rules rules/national --events events.jsonl {}\n--- stdout\n{stdout}--- stderr\n{}--- exit {}\n",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr),
        output.status.code().unwrap(),
    )
}

#[test]
fn json_follows_the_contract() {
    insta::assert_snapshot!(session(&["--as-of", "2019-10-31", "--format", "json"]));
}

#[test]
fn the_table_puts_overdue_first() {
    insta::assert_snapshot!(session(&["--as-of", "2019-10-31"]));
}

#[test]
fn strict_prints_nothing_when_an_event_is_refused() {
    insta::assert_snapshot!(session(&[
        "--as-of",
        "2019-10-31",
        "--format",
        "json",
        "--strict"
    ]));
}

#[test]
fn one_case_only() {
    insta::assert_snapshot!(session(&[
        "--as-of",
        "2019-05-31",
        "--case",
        "C123",
        "--format",
        "table"
    ]));
}

#[test]
fn a_wrong_date_is_explained() {
    insta::assert_snapshot!(session(&["--as-of", "31/10/2019"]));
}
