//! Parsing one line of the event format, as the engine reads a file: the
//! borrowed parse (`parse_event`), and the owned one (`parse_line`) that
//! other readers use.
//!
//! `cargo bench -p duly-events`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

/// Lines as a case system (or `duly gen`) writes them: a referral with the
/// child's facts, a completion with an outcome, an exact time, a record.
const LINES: [&str; 4] = [
    r#"{"id":"C0000001-0001","case":"C0000001","at":"2026-03-20","step":"referral","action":"start","facts":{"date_of_birth":"2022-11-01","sex":"M","team":"Front Door","worker":"W116"}}"#,
    r#"{"id":"C0000001-0002","case":"C0000001","at":"2026-03-20","step":"referral","action":"complete","outcome":"assessment","facts":{"team":"East","worker":"W420"}}"#,
    r#"{"id":"C0000042-0017","case":"C0000042","at":"2025-10-26T01:30:00+01:00","step":"missing_episode","action":"start"}"#,
    r#"{"id":"C0000042-0018","case":"C0000042","at":"2025-11-02","action":"record","facts":{"worker":"W17"}}"#,
];

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Elements(LINES.len() as u64));
    group.bench_function("parse_event, borrowed (4 lines)", |b| {
        b.iter(|| {
            for (i, line) in LINES.iter().enumerate() {
                black_box(duly_events::parse_event(i + 1, black_box(line)).ok());
            }
        })
    });
    group.bench_function("parse_line, owned (4 lines)", |b| {
        b.iter(|| {
            for (i, line) in LINES.iter().enumerate() {
                black_box(duly_events::parse_line(i + 1, black_box(line)).ok());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
