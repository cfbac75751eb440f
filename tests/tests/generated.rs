//! Two independent pieces of Duly agree: the generator injects delays it
//! labels as breaches, and the engine, counting on the real calendar, finds
//! exactly those breaches — no more, no fewer — in the rules the events were
//! generated for.

#![allow(clippy::unwrap_used, reason = "a test stops at its first failure")]

use duly_dsl::{CheckOptions, FsLoader};
use duly_engine::{AsOf, Engine, RunOptions, Status};
use duly_gen::{Generator, Lateness, Options, Params};
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

fn options(seed: u64, children: u64, shuffle: bool) -> Options {
    Options {
        children,
        seed,
        from: date(2023, 4, 1),
        to: date(2026, 3, 31),
        shuffle,
    }
}

/// Runs the engine over what `generator` writes; returns the breaches it
/// finds and the ones the generator labelled. Every event must fit the rules.
fn breaches_found_and_labelled(generator: &Generator) -> (BTreeSet<Breach>, BTreeSet<Breach>) {
    let options = generator.options();
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
        let generator = Generator::new(options(seed, 1500, false)).unwrap();
        let (found, labelled) = breaches_found_and_labelled(&generator);
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
    let generator = Generator::new(options(7, 1200, true)).unwrap();
    let (found, labelled) = breaches_found_and_labelled(&generator);
    assert_eq!(found, labelled);
}

#[test]
fn with_heavy_delays_the_breaches_still_match() {
    let mut params = Params::default();
    let late = &mut params.late;
    for p in [
        &mut late.referral,
        &mut late.assessment,
        &mut late.icpc,
        &mut late.core_group,
        &mut late.rcpc,
        &mut late.care_plan,
        &mut late.cla_review,
        &mut late.health_first,
        &mut late.health_review,
        &mut late.cla_visit,
        &mut late.rhi,
    ] {
        *p = 0.6;
    }
    params.looked_after_from_cin = 0.5;
    params.missing_teen_per_year = 0.9;
    let generator = Generator::with_params(options(11, 1000, false), params).unwrap();
    let (found, labelled) = breaches_found_and_labelled(&generator);
    assert!(labelled.len() > 500, "{}", labelled.len());
    assert_eq!(found, labelled);
}

#[test]
fn without_delays_nothing_is_breached() {
    let params = Params {
        late: Lateness::none(),
        ..Params::default()
    };
    let generator = Generator::with_params(options(5, 1500, false), params).unwrap();
    let (found, labelled) = breaches_found_and_labelled(&generator);
    assert!(labelled.is_empty());
    assert!(found.is_empty(), "{found:?}");
}
