//! `duly import` end to end: what it writes, what it prints, how it exits.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// The shared sample data: beside the checkout, or beside the work trees.
fn data(rel: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    ["../../shared/data", "../../../shared/data"]
        .iter()
        .map(|up| root.join(up).join(rel))
        .find(|p| p.exists())
        .expect("sample data beside the checkout")
}

fn duly() -> Command {
    Command::cargo_bin("duly").expect("the duly binary")
}

#[test]
fn bar_converts_and_exits_0_with_warnings_only() {
    let out = duly()
        .args(["import", "cin"])
        .arg(data("cin-census/BAR_cin_2022.xml"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(stdout.lines().count(), 18);
    for line in stdout.lines() {
        duly_events::parse_line(1, line).expect("each line is an event");
    }
    let stderr = String::from_utf8(out.stderr).expect("utf-8");
    assert!(
        stderr.ends_with("imported 18 events from 1 file: 0 errors, 7 warnings\n"),
        "{stderr}"
    );
}

#[test]
fn a_broken_file_exits_1_and_still_writes_what_converted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let events = dir.path().join("events.jsonl");
    let out = duly()
        .args(["import", "cin"])
        .arg(data("cin-census/CIN_Census_2024.xml"))
        .arg("--out")
        .arg(&events)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).expect("utf-8");
    assert!(
        stderr.contains("error: child `DfEX0000001`, `CINdetails[1]/Assessments[1]`: the assessment is authorised (2020-09-19) before it started (2028-04-28); it is not imported"),
        "{stderr}"
    );
    let written = std::fs::read_to_string(&events).expect("events written");
    assert_eq!(written.lines().count(), 23);
}

#[test]
fn a_903_folder_reads_every_table_it_knows() {
    let out = duly()
        .args(["import", "903"])
        .arg(data("ssda903"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8(out.stderr).expect("utf-8");
    assert!(
        stderr.contains("uasc.csv` is not a 903 table Duly imports; skipped"),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("imported 24386 events from 5 files: 0 errors, 1460 warnings\n"),
        "{stderr}"
    );
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    // The header (the child's facts) comes first.
    assert!(
        stdout.starts_with(r#"{"id":"903:566910:2008-03-27:child""#),
        "{}",
        &stdout[..200]
    );
}

#[test]
fn usage_and_io_errors_exit_2() {
    let out = duly()
        .args(["import", "cin", "no/such/file.xml"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: cannot read `no/such/file.xml`: no such file or folder\n"
    );

    let out = duly()
        .args(["import", "903"])
        .arg(data("ssda903/uasc.csv"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));

    let out = duly().args(["import", "csv", "x"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));

    let empty = tempfile::tempdir().expect("temp dir");
    let out = duly()
        .args(["import", "cin"])
        .arg(empty.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
}
