//! A reader that stops early (`duly run … | head`) is not an error: the
//! commands that write long results end quietly, with success, and never
//! panic.

#![allow(clippy::unwrap_used, reason = "a test stops at its first failure")]

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

/// Runs `duly` with `args` from the workspace, reads the first bytes of its
/// output (a JSON result may be one long line) and closes the pipe: the command must end with success and
/// nothing on standard error.
fn stops_quietly(args: &[&str]) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut child = Command::new(env!("CARGO_BIN_EXE_duly"))
        .current_dir(root)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0; 100];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The reader is dropped here: the pipe is closed with output unread.
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "`duly {}` ended with {:?}: {stderr}",
        args.join(" "),
        output.status
    );
    assert_eq!(stderr, "", "`duly {}`", args.join(" "));
}

const SAMPLE: [&str; 6] = [
    "--rules",
    "rules/local/example-council",
    "--events",
    "examples/events.jsonl",
    "--as-of",
    "2026-03-31",
];

#[test]
fn run_as_json_stops_quietly() {
    let mut args = vec!["run", "--format", "json"];
    args.extend(SAMPLE);
    stops_quietly(&args);
}

#[test]
fn report_as_json_stops_quietly() {
    let mut args = vec!["report", "--format", "json"];
    args.extend(SAMPLE);
    stops_quietly(&args);
}

#[test]
fn generated_events_stop_quietly() {
    stops_quietly(&[
        "gen",
        "--children",
        "2000",
        "--seed",
        "1",
        "--from",
        "2024-04-01",
        "--to",
        "2025-03-31",
    ]);
}
