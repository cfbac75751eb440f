//! Batched ingest into the durable store (WAL, `synchronous=FULL`, a real
//! file under `target/`): how many events a second one writer appends.
//!
//! `cargo bench -p duly-store --bench append`

#![allow(clippy::unwrap_used, reason = "a benchmark stops at its first failure")]

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use duly_events::{Event, parse_line};
use duly_store::{EventStore, SqliteStore};

/// Events per transaction, as `duly ingest` batches them.
const BATCH: usize = 10_000;

/// A realistic line: a step with an outcome and a few facts, 2,000 cases.
fn line(n: usize) -> String {
    format!(
        r#"{{"id":"ev-{n:09}","case":"C{:06}","at":"2019-{:02}-{:02}T{:02}:15:00+01:00","step":"strategy_discussion","action":"complete","outcome":"s47","facts":{{"team":"North","worker":"W{:03}"}}}}"#,
        n % 2_000,
        1 + n % 12,
        1 + n % 28,
        n % 24,
        n % 150,
    )
}

fn lines(next: &mut usize) -> Vec<String> {
    let lines = (*next..*next + BATCH).map(line).collect();
    *next += BATCH;
    lines
}

fn parse(lines: &[String]) -> Vec<Event> {
    lines
        .iter()
        .enumerate()
        .map(|(n, text)| parse_line(n + 1, text).unwrap())
        .collect()
}

fn append(c: &mut Criterion) {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let store = SqliteStore::open(dir.path().join("bench.db")).unwrap();
    let mut next = 0;
    let mut group = c.benchmark_group("ingest");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.sample_size(20);
    group.bench_function("append 10k events, one durable transaction", |b| {
        b.iter_batched(
            || parse(&lines(&mut next)),
            |events| store.append(&events).unwrap(),
            BatchSize::PerIteration,
        )
    });
    group.bench_function("parse and append 10k lines", |b| {
        b.iter_batched(
            || lines(&mut next),
            |lines| store.append(&parse(&lines)).unwrap(),
            BatchSize::PerIteration,
        )
    });
    group.bench_function("append 10k duplicates", |b| {
        let events = parse(&(0..BATCH).map(line).collect::<Vec<_>>());
        b.iter(|| store.append(&events).unwrap())
    });
    group.finish();
}

criterion_group!(benches, append);
criterion_main!(benches);
