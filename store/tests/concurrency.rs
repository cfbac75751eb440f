//! Several writers at once, sending overlapping batches: each event is
//! stored exactly once, and accepted exactly once.

#![allow(clippy::unwrap_used, reason = "test helpers stop at the first failure")]

use duly_events::{Event, parse_line};
use duly_store::{Appended, EventStore, SqliteStore};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

const WRITERS: usize = 4;

fn event(n: usize) -> Event {
    let line = format!(
        r#"{{"id":"e-{n}","case":"C{}","at":"2019-04-{:02}","step":"referral","action":"start"}}"#,
        n % 13,
        1 + n % 28
    );
    parse_line(1, &line).unwrap()
}

/// Writer `w` sends events `w * 300 .. w * 300 + 900` in batches of 100,
/// each batch also repeating an event of its own: every event is sent by up to
/// three writers, and some twice in one batch.
fn batches(w: usize) -> Vec<Vec<Event>> {
    let ids: Vec<usize> = (w * 300..w * 300 + 900).collect();
    ids.chunks(100)
        .map(|chunk| {
            let mut batch: Vec<Event> = chunk.iter().rev().map(|&n| event(n)).collect();
            batch.push(event(chunk[0]));
            batch
        })
        .collect()
}

/// Runs the writers, each through `store_for(w)`, and checks the outcome.
fn run(path: &Path, store_for: impl Fn(usize) -> Arc<SqliteStore> + Sync) {
    let outcomes: Vec<Vec<(String, Appended)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..WRITERS)
            .map(|w| {
                let store_for = &store_for;
                scope.spawn(move || {
                    let store = store_for(w);
                    let mut outcomes = Vec::new();
                    for batch in batches(w) {
                        let results = store.append(&batch).unwrap();
                        assert_eq!(results.len(), batch.len());
                        outcomes.extend(batch.into_iter().map(|e| e.id).zip(results));
                    }
                    outcomes
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });

    let mut accepted: HashMap<String, usize> = HashMap::new();
    for (id, outcome) in outcomes.iter().flatten() {
        match outcome {
            Appended::Accepted => *accepted.entry(id.clone()).or_default() += 1,
            Appended::Duplicate => {}
            Appended::Rejected(why) => unreachable!("nothing conflicts here: {why}"),
        }
    }
    let sent: HashSet<&String> = outcomes.iter().flatten().map(|(id, _)| id).collect();
    assert_eq!(sent.len(), (WRITERS - 1) * 300 + 900);
    assert_eq!(accepted.len(), sent.len(), "every event accepted once");
    assert!(
        accepted.values().all(|&n| n == 1),
        "no event accepted twice"
    );

    let store = SqliteStore::open(path).unwrap();
    assert_eq!(store.count().unwrap(), sent.len() as u64);
    let streamed: Vec<String> = store
        .events()
        .unwrap()
        .map(|e| e.unwrap().event.id)
        .collect();
    let unique: HashSet<&String> = streamed.iter().collect();
    assert_eq!((streamed.len(), unique.len()), (sent.len(), sent.len()));
    let arrivals: HashSet<u64> = store
        .events()
        .unwrap()
        .map(|e| e.unwrap().arrival)
        .collect();
    assert_eq!(
        arrivals,
        (1..=sent.len() as u64).collect(),
        "arrival numbers are 1..n without gaps"
    );
}

#[test]
fn threads_sharing_one_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("duly.db");
    let store = Arc::new(SqliteStore::open(&path).unwrap());
    run(&path, |_| store.clone());
}

#[test]
fn separate_stores_on_one_file() {
    // As several processes would: each opens (and creates, and migrates) the
    // file at the same time, with its own connections, meeting only at
    // SQLite's file lock.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("duly.db");
    run(&path, |_| Arc::new(SqliteStore::open(&path).unwrap()));
}
