//! Two independent pieces of Duly agree: the generator injects delays it
//! labels as breaches, and the engine, counting on the real calendar, finds
//! exactly those breaches — no more, no fewer — in the rules the events were
//! generated for.

#![allow(clippy::unwrap_used, reason = "a test stops at its first failure")]

use duly_dsl::{CheckOptions, FsLoader};
use duly_engine::{AsOf, Engine, RunOptions, Status};
use duly_gen::{Generator, Options};
use jiff::civil::date;
use std::collections::BTreeSet;
use std::path::Path;

type Breach = (String, String, u32, &'static str);

fn engine() -> Engine {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/local/example-council");
    let checked = duly_dsl::check(&FsLoader, &[rules], &CheckOptions::default());
    Engine::new(
        checked
            .rules
            .expect("the example council's rules check clean"),
    )
    .unwrap()
}

fn breaches_found_and_labelled(
    seed: u64,
    children: u64,
    shuffle: bool,
) -> (BTreeSet<Breach>, BTreeSet<Breach>) {
    let options = Options {
        children,
        seed,
        from: date(2023, 4, 1),
        to: date(2026, 3, 31),
        shuffle,
    };
    let generator = Generator::new(options.clone()).unwrap();
    let labelled = generator
        .histories()
        .flat_map(|history| history.labels)
        .map(|label| {
            (
                label.case,
                label.step.to_owned(),
                label.occurrence,
                label.expected.as_str(),
            )
        })
        .collect();

    let mut events = Vec::new();
    generator.write(&mut events, None::<Vec<u8>>).unwrap();
    let mut found = BTreeSet::new();
    let run = RunOptions {
        as_of: AsOf::end_of(options.to),
        case: None,
    };
    let summary = engine()
        .run(&events[..], &run, |state| {
            assert!(state.errors.is_empty(), "{:?}", state.errors);
            for deadline in state.deadlines {
                let status = match deadline.status {
                    Status::Late => "late",
                    Status::Overdue => "overdue",
                    _ => continue,
                };
                found.insert((
                    state.case.to_string(),
                    deadline.step.to_string(),
                    deadline.occurrence,
                    status,
                ));
            }
        })
        .unwrap();
    assert!(summary.errors.is_empty(), "{:?}", summary.errors);
    (found, labelled)
}

#[test]
fn the_engine_finds_exactly_the_breaches_the_generator_injected() {
    for seed in [1, 2, 3] {
        let (found, labelled) = breaches_found_and_labelled(seed, 1500, false);
        assert!(
            labelled.len() > 50,
            "seed {seed}: too few injected breaches to mean much"
        );
        let missed: Vec<_> = labelled.difference(&found).collect();
        let extra: Vec<_> = found.difference(&labelled).collect();
        assert!(
            missed.is_empty() && extra.is_empty(),
            "seed {seed}: missed {missed:?}, extra {extra:?}"
        );
    }
}

#[test]
fn arrival_order_does_not_change_the_breaches() {
    let (found, labelled) = breaches_found_and_labelled(7, 1200, true);
    assert_eq!(found, labelled);
}
