//! Benchmarks: what the report adds to a run. One case's figures (the part
//! that runs on every core while states stream), and a whole report (read,
//! replay, tally, JSON) over generated children.
//!
//! `cargo bench -p duly-report`. Scale runs on files of millions of events
//! are in `docs/report.md`.

#![allow(clippy::unwrap_used, reason = "a benchmark stops at its first failure")]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use duly_dsl::{CheckOptions, FsLoader};
use duly_engine::{AsOf, CaseState, Engine, RunOptions};
use duly_report::{Options, Reporter, Tally, render};
use jiff::civil::Date;
use std::hint::black_box;
use std::path::Path;

const CHILDREN: u64 = 5_000;

fn engine() -> Engine {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/local/example-council");
    let checked = duly_dsl::check(&FsLoader, &[rules], &CheckOptions::default());
    Engine::new(checked.rules.unwrap()).unwrap()
}

fn events(from: Date, to: Date) -> Vec<u8> {
    let options = duly_gen::Options {
        children: CHILDREN,
        seed: 42,
        from,
        to,
        shuffle: false,
    };
    let mut events = Vec::new();
    duly_gen::Generator::new(options)
        .and_then(|g| g.write(&mut events, None::<Vec<u8>>))
        .unwrap();
    events
}

fn bench(c: &mut Criterion) {
    let from: Date = Date::constant(2024, 4, 1);
    let as_of: Date = Date::constant(2026, 3, 31);
    let engine = engine();
    let events = events(from, as_of);
    let lines = events.iter().filter(|&&b| b == b'\n').count() as u64;
    let run = RunOptions {
        as_of: AsOf::end_of(as_of),
        case: None,
    };
    let options = Options::new(as_of);

    let mut states: Vec<CaseState> = Vec::new();
    engine
        .run(events.as_slice(), &run, |state| states.push(state))
        .unwrap();
    let reporter = Reporter::new(engine.rules(), options);
    let mut group = c.benchmark_group("figures");
    group.throughput(Throughput::Elements(states.len() as u64));
    group.bench_function("every case's figures", |b| {
        b.iter(|| {
            for state in &states {
                black_box(reporter.figures(state));
            }
        })
    });
    group.finish();

    let mut group = c.benchmark_group("report");
    group.sample_size(10);
    group.throughput(Throughput::Elements(lines));
    group.bench_function("read, replay, tally and JSON", |b| {
        b.iter(|| {
            let mut tally = Tally::new(&reporter);
            let read = engine.run_with(
                events.as_slice(),
                &run,
                |state| reporter.figures(&state),
                |figures| tally.add(figures),
            );
            let report = tally.finish(Default::default());
            let mut out = Vec::new();
            let written = render::json(&report, &mut out);
            black_box((read.is_ok(), written.is_ok(), out.len()))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
