//! The cross-check on the shipped sample: `examples/labels.csv` is the
//! answer key of the delays `duly gen` injected, and the report as of
//! 31 March 2026 must find exactly those breaches.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "a test stops at its first failure"
)]

mod common;

use common::{date, root, rules};
use duly_engine::{AsOf, Engine, RunOptions};
use duly_report::{Options, Report, Reporter, Tally};
use std::collections::BTreeSet;
use std::fs::File;
use std::io::BufReader;

fn sample(options: Options) -> Report {
    let engine = Engine::new(rules("rules/local/example-council")).unwrap();
    let reporter = Reporter::new(engine.rules(), options);
    let mut tally = Tally::new(&reporter);
    let file = File::open(root().join("examples/events.jsonl")).unwrap();
    let run = RunOptions {
        as_of: AsOf::end_of(options.as_of),
        case: None,
    };
    let summary = engine
        .run_with(
            BufReader::new(file),
            &run,
            |state| {
                assert!(state.errors.is_empty(), "{:?}", state.errors);
                reporter.figures(&state)
            },
            |figures| tally.add(figures),
        )
        .unwrap();
    assert!(summary.errors.is_empty(), "{:?}", summary.errors);
    tally.finish(Default::default())
}

type Key = (String, String, u32, String);

fn labels() -> BTreeSet<Key> {
    let mut reader = csv::Reader::from_path(root().join("examples/labels.csv")).unwrap();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (
                r[0].to_owned(),
                r[1].to_owned(),
                r[2].parse().unwrap(),
                r[3].to_owned(),
            )
        })
        .collect()
}

fn breaches(report: &Report) -> BTreeSet<Key> {
    report
        .breaches
        .iter()
        .map(|b| {
            (
                b.case.clone(),
                b.step.to_string(),
                b.occurrence,
                b.status.as_str().to_owned(),
            )
        })
        .collect()
}

#[test]
fn the_breaches_in_the_sample_are_exactly_the_injected_ones() {
    // The sample runs from 1 April 2024: over the whole of it, every label.
    let whole = sample(Options {
        from: date("2024-04-01"),
        ..Options::new(date("2026-03-31"))
    });
    assert_eq!(whole.breaches.len(), 34);
    assert_eq!(breaches(&whole), labels());

    // The default period, the 12 months to the as-of day, keeps those due
    // from 1 April 2025.
    let year = sample(Options::new(date("2026-03-31")));
    assert_eq!(year.from, date("2025-04-01"));
    let due_in_year: BTreeSet<Key> = whole
        .breaches
        .iter()
        .filter(|b| b.due_date >= date("2025-04-01"))
        .map(|b| {
            (
                b.case.clone(),
                b.step.to_string(),
                b.occurrence,
                b.status.as_str().to_owned(),
            )
        })
        .collect();
    assert_eq!(breaches(&year), due_in_year);
    assert_eq!(year.breaches.len(), 21);
    assert!(breaches(&year).is_subset(&labels()));
}
