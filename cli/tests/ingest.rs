//! `duly ingest` end to end: what a person sees, the exit codes, and an
//! ingest killed part-way and run again.

#![allow(clippy::unwrap_used, reason = "a test stops at its first failure")]

use assert_cmd::Command;
use duly_store::{EventStore, SqliteStore};
use std::path::Path;
use std::time::Duration;

/// Runs `duly` in `dir` and renders the command, its input, its output and
/// its exit code together, for a snapshot.
fn session(dir: &Path, args: &[&str], input: &str) -> String {
    std::fs::write(dir.join("events.jsonl"), input).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_duly"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    format!(
        "$ duly {}\n--- events.jsonl\n{input}--- stdout\n{}--- stderr\n{}--- exit {}\n",
        args.join(" "),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
        output.status.code().unwrap(),
    )
}

#[test]
fn reports_refused_lines_and_sums_up() {
    let dir = tempfile::tempdir().unwrap();
    let input = r#"{"id":"e-1","case":"C1","at":"2019-04-12","step":"referral","action":"start"}
{"id":"e-2","case":"C1","at":"2019-04-15","step":"referral","action":"complete","outcome":"s47","facts":{"team":"North"}}
{"id":"e-3","case":"C2","at":"2019-13-01","step":"referral","action":"start"}

{"id":"e-1","case":"C1","at":"2019-04-12","step":"referral","action":"start"}
{"id":"e-2","case":"C1","at":"2019-04-16","step":"referral","action":"complete","outcome":"s47","facts":{"team":"North"}}
{"id":"e-4","case":"C2","at":"2019-04-12","action":"record","facts":{"worker":["Jane","Doe"]}}
{"id":"e-5","case":"C2","at":"2019-04-12T09:30:00+01:00","action":"record","facts":{"worker":"W12"}
{"id":"e-6","case":"C2","at":"2019-04-12T09:30:00+01:00","action":"record","facts":{"worker":"W12"}}
"#;
    insta::assert_snapshot!(
        "refused_lines",
        session(dir.path(), &["ingest", "events.jsonl"], input)
    );

    let again = session(
        dir.path(),
        &["ingest", "--db", "duly.db", "events.jsonl"],
        "",
    );
    insta::assert_snapshot!("empty_file", again);
    let store = SqliteStore::open(dir.path().join("duly.db")).unwrap();
    assert_eq!(store.case_ids().unwrap(), ["C1", "C2"]);
    assert_eq!(store.count().unwrap(), 3);
}

#[test]
fn says_plainly_when_the_file_or_database_cannot_be_used() {
    let dir = tempfile::tempdir().unwrap();
    let missing = session(dir.path(), &["ingest", "missing.jsonl"], "");
    insta::assert_snapshot!("missing_file", missing);
    std::fs::write(
        dir.path().join("notes.txt"),
        "not a database, just some notes that go on for a while",
    )
    .unwrap();
    let foreign = session(
        dir.path(),
        &["ingest", "--db", "notes.txt", "events.jsonl"],
        "",
    );
    insta::assert_snapshot!("not_a_database", foreign);
    let folder = session(dir.path(), &["ingest", "."], "");
    insta::assert_snapshot!("a_folder", folder);
    let usage = session(
        dir.path(),
        &["ingest", "--batch-size", "0", "events.jsonl"],
        "",
    );
    assert!(usage.ends_with("--- exit 2\n"), "{usage}");
    assert!(!dir.path().join("duly.db").exists(), "nothing was created");
}

#[test]
fn reads_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let line = r#"{"id":"e-1","case":"C1","at":"2019-04-12","step":"referral","action":"start"}"#;
    Command::new(env!("CARGO_BIN_EXE_duly"))
        .current_dir(dir.path())
        .args(["ingest", "-"])
        .write_stdin(format!("{line}\n{line}\n"))
        .assert()
        .success()
        .stdout("1 accepted, 1 duplicate, 0 rejected\n");
}

/// Kills `duly ingest` once it has stored its first batches, then runs it
/// again: the second run stores exactly what the first had not, and the
/// store ends with every event once.
#[test]
fn an_interrupted_ingest_is_finished_by_running_it_again() {
    const EVENTS: usize = 100_000;
    const BATCH: usize = 2_000;
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let events = dir.path().join("events.jsonl");
    let db = dir.path().join("duly.db");
    let mut text = String::new();
    for n in 0..EVENTS {
        text.push_str(&format!(
            "{{\"id\":\"e-{n}\",\"case\":\"C{}\",\"at\":\"2019-04-{:02}\",\"step\":\"referral\",\"action\":\"start\"}}\n",
            n % 997,
            1 + n % 28
        ));
    }
    std::fs::write(&events, text).unwrap();

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_duly"))
        .args(["ingest", "--batch-size", &BATCH.to_string(), "--db"])
        .arg(&db)
        .arg(&events)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let store = loop {
        std::thread::sleep(Duration::from_millis(5));
        if let Some(status) = child.try_wait().unwrap() {
            panic!("`duly ingest` ended ({status}) before it could be killed");
        }
        if let Ok(store) = SqliteStore::open(&db)
            && store.count().unwrap_or(0) >= 2 * BATCH as u64
        {
            break store;
        }
    };
    child.kill().unwrap();
    child.wait().unwrap();
    let stored = store.count().unwrap() as usize;
    assert!(
        stored < EVENTS,
        "the first run was killed before it finished"
    );
    assert_eq!(stored % BATCH, 0, "only whole batches are stored");
    // Batches are stored in file order, so what is stored is the file's start.
    let ids: std::collections::HashSet<String> = store
        .events()
        .unwrap()
        .map(|e| e.unwrap().event.id)
        .collect();
    assert_eq!(ids, (0..stored).map(|n| format!("e-{n}")).collect());

    Command::new(env!("CARGO_BIN_EXE_duly"))
        .args(["ingest", "--db"])
        .arg(&db)
        .arg(&events)
        .assert()
        .success()
        .stdout(format!(
            "{} accepted, {stored} duplicate{}, 0 rejected\n",
            EVENTS - stored,
            if stored == 1 { "" } else { "s" }
        ));
    assert_eq!(store.count().unwrap(), EVENTS as u64);
    assert_eq!(store.events().unwrap().count(), EVENTS);
}
