//! A writer killed with SIGKILL in the middle of a stream of batches loses
//! nothing it acknowledged and stores nothing twice; the batch it was
//! writing is there whole or not at all; and sending again from where it
//! had got to completes the log without doubling anything.
//!
//! The test runs this same binary as the writer (with `DULY_CRASH_DB` set),
//! which prints `committed <batch> <accepted> <duplicates>` after each
//! `append` returns, and kills it at varying moments.

#![allow(clippy::unwrap_used, reason = "a test stops at its first failure")]
#![allow(clippy::panic, reason = "a test stops at its first failure")]

use duly_events::{Event, parse_line};
use duly_store::{Appended, EventStore, SqliteStore};
use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const BATCH: usize = 500;
const ROUNDS: usize = 6;

fn event(batch: usize, n: usize) -> Event {
    let line = format!(
        r#"{{"id":"b{batch}-{n}","case":"C{}","at":"2019-04-{:02}T10:00:00+01:00","step":"referral","action":"start","facts":{{"team":"North"}}}}"#,
        n % 50,
        1 + batch % 28
    );
    parse_line(1, &line).unwrap()
}

/// The child: appends batches from `from` on until it is killed.
fn writer(db: &Path, from: usize) {
    let store = SqliteStore::open(db).unwrap();
    let mut out = std::io::stdout().lock();
    // A bound, should the parent die before killing it.
    for batch in from..from + 10_000 {
        let events: Vec<Event> = (0..BATCH).map(|n| event(batch, n)).collect();
        let outcomes = store.append(&events).unwrap();
        let accepted = outcomes
            .iter()
            .filter(|o| **o == Appended::Accepted)
            .count();
        let duplicates = outcomes
            .iter()
            .filter(|o| **o == Appended::Duplicate)
            .count();
        writeln!(out, "committed {batch} {accepted} {duplicates}").unwrap();
        out.flush().unwrap();
    }
}

/// One round: start a writer at batch `from`, let it report `reports`
/// commits, wait `delay`, kill it. Returns every commit it reported.
fn kill_a_writer(
    db: &Path,
    from: usize,
    reports: usize,
    delay: Duration,
) -> Vec<(usize, usize, usize)> {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env("DULY_CRASH_DB", db)
        .env("DULY_CRASH_FROM", from.to_string())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut committed = Vec::new();
    let mut read = |line: String| {
        let fields: Vec<usize> = line
            .split(' ')
            .skip(1)
            .map(|f| f.parse().unwrap())
            .collect();
        committed.push((fields[0], fields[1], fields[2]));
    };
    for _ in 0..reports {
        read(
            lines
                .next()
                .expect("the writer stopped before it was killed")
                .unwrap(),
        );
    }
    std::thread::sleep(delay);
    child.kill().unwrap(); // SIGKILL on Unix.
    let status = child.wait().unwrap();
    assert!(!status.success(), "the writer was killed, not finished");
    // What it printed before dying was acknowledged too.
    for line in lines {
        read(line.unwrap());
    }
    committed
}

fn check_round(db: &Path, from: usize, committed: &[(usize, usize, usize)]) -> usize {
    // Reported batches are consecutive from `from`; the first may have been
    // committed (unreported) by the writer killed before, so it is either
    // all new or all duplicates; every later one is all new.
    for (i, &(batch, accepted, duplicates)) in committed.iter().enumerate() {
        assert_eq!(batch, from + i);
        let whole = (accepted, duplicates) == (BATCH, 0)
            || (i == 0 && (accepted, duplicates) == (0, BATCH));
        assert!(
            whole,
            "batch {batch}: {accepted} accepted, {duplicates} duplicates"
        );
    }

    let conn = rusqlite::Connection::open(db).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    drop(conn);

    let store = SqliteStore::open(db).unwrap();
    let mut per_batch: BTreeMap<usize, usize> = BTreeMap::new();
    let mut seen = HashSet::new();
    for stored in store.events().unwrap() {
        let id = stored.unwrap().event.id;
        let batch: usize = id[1..id.find('-').unwrap()].parse().unwrap();
        *per_batch.entry(batch).or_default() += 1;
        assert!(seen.insert(id.clone()), "event `{id}` is stored twice");
    }
    assert_eq!(store.count().unwrap(), seen.len() as u64);
    // Each batch whole or absent, and batches form an unbroken run from 0.
    assert!(
        per_batch.values().all(|&n| n == BATCH),
        "a batch was stored in part: {per_batch:?}"
    );
    let stored: Vec<usize> = per_batch.keys().copied().collect();
    assert_eq!(stored, (0..stored.len()).collect::<Vec<_>>());
    // Everything acknowledged is there; at most one batch more (committed,
    // then killed before it could say so).
    let last_reported = committed.last().map(|c| c.0);
    if let Some(last) = last_reported {
        assert!(
            stored.len() > last,
            "batch {last} was acknowledged but is missing"
        );
    }
    let next = last_reported.map_or(from, |last| last + 1);
    assert!(
        stored.len() <= next + 1,
        "{} batches stored, {next} acknowledged",
        stored.len()
    );
    next
}

fn main() {
    if let Some(db) = std::env::var_os("DULY_CRASH_DB") {
        let from = std::env::var("DULY_CRASH_FROM").unwrap().parse().unwrap();
        writer(Path::new(&db), from);
        return;
    }
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let db = dir.path().join("crash.db");
    let mut from = 0;
    for round in 0..ROUNDS {
        // Kill at different points of a batch: right after a report (most
        // likely inside the next transaction) and a little later.
        let delay = Duration::from_micros([0, 300, 1_000, 2_500, 5_000, 9_000][round]);
        let committed = kill_a_writer(&db, from, 3 + round, delay);
        from = check_round(&db, from, &committed);
    }
    println!(
        "test a_killed_writer_loses_nothing_acknowledged ... ok ({ROUNDS} writers killed, {from} batches acknowledged)"
    );
}
