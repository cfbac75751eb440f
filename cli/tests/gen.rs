//! `duly gen` on the command line.

use assert_cmd::Command;
use std::path::Path;

fn duly() -> Command {
    Command::cargo_bin("duly").expect("the duly binary is built for its tests")
}

#[test]
fn writes_the_shipped_example_with_the_documented_command() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let (events, labels) = (
        dir.path().join("events.jsonl"),
        dir.path().join("labels.csv"),
    );
    duly()
        .args([
            "gen",
            "--children",
            "200",
            "--seed",
            "42",
            "--from",
            "2024-04-01",
            "--to",
            "2026-03-31",
        ])
        .arg("--out")
        .arg(&events)
        .arg("--labels")
        .arg(&labels)
        .assert()
        .success()
        .stderr("wrote 2341 events for 200 children, with 34 injected delays\n");
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let read = |path: &Path| std::fs::read_to_string(path).expect("readable");
    assert!(read(&events) == read(&examples.join("events.jsonl")));
    assert_eq!(read(&labels), read(&examples.join("labels.csv")));
}

#[test]
fn writes_to_standard_output_and_shuffles_on_request() {
    let args = [
        "gen",
        "--children",
        "50",
        "--seed",
        "1",
        "--from",
        "2024-01-01",
        "--to",
        "2024-12-31",
    ];
    let plain = duly().args(args).output().expect("runs");
    let shuffled = duly().args(args).arg("--shuffle").output().expect("runs");
    assert!(plain.status.success() && shuffled.status.success());
    assert_ne!(plain.stdout, shuffled.stdout);
    let mut a: Vec<&[u8]> = plain.stdout.split(|b| *b == b'\n').collect();
    let mut b: Vec<&[u8]> = shuffled.stdout.split(|b| *b == b'\n').collect();
    a.sort_unstable();
    b.sort_unstable();
    assert_eq!(a, b);
}

#[test]
fn says_what_is_wrong_with_the_options() {
    duly()
        .args(["gen", "--children", "5", "--seed", "1", "--from", "2025-01-01", "--to", "2024-01-01"])
        .assert()
        .code(2)
        .stderr("error: the period ends (`2024-01-01`) before it begins (`2025-01-01`): give `--to` on or after `--from`\n");
    duly()
        .args([
            "gen",
            "--children",
            "5",
            "--seed",
            "1",
            "--from",
            "01/04/2024",
            "--to",
            "2024-12-31",
        ])
        .assert()
        .code(2);
}
