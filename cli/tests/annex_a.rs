//! `duly annex-a` end to end: the workbook written, what it says it wrote,
//! refused events by line only, and the errors people read.

#![allow(clippy::unwrap_used, reason = "a test stops at its first failure")]

use assert_cmd::Command;
use std::path::Path;

const EVENTS: &str = r#"{"id":"e-1","case":"C123","at":"2021-01-04","step":"referral","action":"start","facts":{"team":"North","worker":"W12"}}
{"id":"e-2","case":"C123","at":"2021-01-04","step":"referral","action":"complete","outcome":"assessment"}
{"id":"e-3","case":"C124","at":"2020-09-15","step":"referral","action":"start"}
{"id":"x-1","case":"C124","at":"2020-10-26","step":"asessment","action":"complete"}
"#;

fn duly(dir: &Path, args: &[&str]) -> (String, String, i32) {
    std::fs::write(dir.join("events.jsonl"), EVENTS).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let output = Command::new(env!("CARGO_BIN_EXE_duly"))
        .current_dir(dir)
        .arg("annex-a")
        .arg("--rules")
        .arg(root.join("rules/national"))
        .args(["--events", "events.jsonl"])
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        output.status.code().unwrap(),
    )
}

#[test]
fn writes_the_workbook_and_says_how_many_rows_each_list_has() {
    let dir = tempfile::tempdir().unwrap();
    let (stdout, stderr, code) = duly(
        dir.path(),
        &["--as-of", "2021-03-16", "--out", "annex_a.xlsx"],
    );
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!(stdout, @r"
    wrote `annex_a.xlsx` as at 2021-03-16 (activity from 2020-09-16): List 1 (contacts) 0, List 2 (early help assessments) 0, List 3 (referrals) 1, List 4 (assessments) 1, List 5 (section 47 enquiries) 0, List 6 (children in need) 1, List 7 (child protection) 0, List 8 (children looked after) 0, List 9 (care leavers) 0, List 10 (adoption) 0, List 11 (adopters) 0
    1 event was refused and left out
    ");
    // The refused event is named by its line, never by its content.
    insta::assert_snapshot!(stderr, @"line 4 (`step`): unknown step `asessment`: did you mean `assessment`?");
    let xlsx = std::fs::read(dir.path().join("annex_a.xlsx")).unwrap();
    assert!(xlsx.starts_with(b"PK"), "an xlsx workbook is a zip");
}

#[test]
fn a_bad_date_and_an_unwritable_file_are_plain_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (_, stderr, code) = duly(dir.path(), &["--as-of", "16/03/2021", "--out", "a.xlsx"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("`16/03/2021` is not a date: write `YYYY-MM-DD`"),
        "{stderr}"
    );
    let (_, stderr, code) = duly(
        dir.path(),
        &["--as-of", "2021-03-16", "--out", "no/such/folder/a.xlsx"],
    );
    assert_eq!(code, 1);
    assert!(
        stderr.ends_with("error: cannot write `no/such/folder/a.xlsx`: entity not found\n"),
        "{stderr}"
    );
}
