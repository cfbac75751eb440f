//! Benchmarks: one case's deadlines from its events; reading events as a run
//! does (parsed, checked and filed in the compact case book); and a whole
//! run (read, group, replay) over many cases. Parsing alone is benchmarked
//! in `duly-events`.
//!
//! `cargo bench -p duly-engine`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use duly_calendar::{Division, Period, Unit};
use duly_dsl::model::*;
use duly_engine::{AsOf, Engine, RunOptions};
use std::hint::black_box;

fn origin() -> Origin {
    Origin {
        file: "bench.duly".into(),
        span: (0, 0),
        line: 1,
    }
}

fn step(
    id: &str,
    outcomes: &[&str],
    schedule: Schedule,
    reactions: Vec<(Trigger, Effect)>,
) -> Step {
    Step {
        id: id.into(),
        title: id.replace('_', " "),
        description: None,
        outcomes: outcomes.iter().map(|o| o.to_string()).collect(),
        several_may_be_open: false,
        schedule,
        reactions: reactions
            .into_iter()
            .map(|(trigger, effect)| Reaction {
                trigger,
                condition: None,
                effect,
                origin: origin(),
            })
            .collect(),
        local: false,
        origin: origin(),
    }
}

fn due(count: u32, unit: Unit, anchor: Anchor) -> DueRule {
    DueRule {
        period: Period::new(count, unit),
        anchor,
        warn: Some(Period::new(2, Unit::WorkingDays)),
        source: Some(Source {
            text: "Working Together to Safeguard Children 2018, chapter 1".into(),
            local: false,
        }),
        origin: origin(),
    }
}

fn after(step: &str, milestone: Milestone) -> Anchor {
    Anchor::Event {
        step: step.into(),
        milestone,
        pick: Pick::LedHere,
    }
}

fn open(ids: &[&str]) -> Effect {
    Effect::Open(ids.iter().map(|s| s.to_string()).collect())
}

fn outcome(name: &str) -> Trigger {
    Trigger::Outcome(name.into())
}

/// The safeguarding timescales of the national library.
fn rules() -> RuleSet {
    use Milestone::*;
    let steps = vec![
        step(
            "referral",
            &["assessment", "strategy_discussion", "nfa"],
            Schedule::Once(due(1, Unit::WorkingDays, after("referral", Started))),
            vec![
                (outcome("assessment"), open(&["assessment"])),
                (
                    outcome("strategy_discussion"),
                    open(&["strategy_discussion", "assessment"]),
                ),
                (outcome("nfa"), Effect::End),
            ],
        ),
        step(
            "assessment",
            &["nfa", "cin"],
            Schedule::Once(due(45, Unit::WorkingDays, after("referral", Started))),
            vec![(Trigger::Complete, Effect::End)],
        ),
        step(
            "strategy_discussion",
            &["s47"],
            Schedule::None,
            vec![(outcome("s47"), open(&["s47_enquiry"]))],
        ),
        step(
            "s47_enquiry",
            &["icpc"],
            Schedule::None,
            vec![(outcome("icpc"), open(&["icpc"]))],
        ),
        step(
            "icpc",
            &["cp_plan"],
            Schedule::Once(due(
                15,
                Unit::WorkingDays,
                after("strategy_discussion", Completed),
            )),
            vec![(outcome("cp_plan"), open(&["cp_plan", "core_group", "rcpc"]))],
        ),
        step(
            "cp_plan",
            &[],
            Schedule::None,
            vec![(
                Trigger::Complete,
                Effect::Close(vec!["rcpc".into(), "core_group".into()]),
            )],
        ),
        step(
            "core_group",
            &[],
            Schedule::Once(due(10, Unit::WorkingDays, after("icpc", Completed))),
            vec![(Trigger::Complete, Effect::End)],
        ),
        step(
            "rcpc",
            &["continue", "end_plan"],
            Schedule::Repeats(Recurrence {
                first: due(3, Unit::Months, after("icpc", Completed)),
                second: None,
                then: vec![Cadence {
                    guard: None,
                    rule: due(6, Unit::Months, Anchor::Previous),
                }],
                until: vec![Happening {
                    step: "cp_plan".into(),
                    milestone: Completed,
                    outcome: None,
                }],
            }),
            vec![(outcome("end_plan"), Effect::End)],
        ),
    ];
    let workflow = Workflow {
        id: "safeguarding".into(),
        title: "Safeguarding".into(),
        version: "2018.1".into(),
        moves_from: Vec::new(),
        source: "Working Together to Safeguard Children 2018".into(),
        calendar: "england_and_wales".into(),
        entries: vec![0],
        steps,
        plugins: Vec::new(),
        origin: origin(),
    };
    let calendar = CalendarSpec {
        id: "england_and_wales".into(),
        title: "England and Wales".into(),
        division: Division::EnglandAndWales,
        closures: Vec::new(),
        origin: None,
    };
    RuleSet::new(vec![workflow], vec![calendar], Vec::new())
}

/// A child protection case of 20 events, as JSON lines.
fn case_lines(case: &str, first_line: usize) -> Vec<String> {
    let path: [(&str, &str, Option<&str>, i64); 10] = [
        ("referral", "start", None, 0),
        ("referral", "complete", Some("strategy_discussion"), 1),
        ("strategy_discussion", "complete", Some("s47"), 9),
        ("s47_enquiry", "complete", Some("icpc"), 12),
        ("icpc", "complete", Some("cp_plan"), 30),
        ("core_group", "complete", None, 40),
        ("assessment", "complete", Some("cin"), 50),
        ("rcpc", "complete", Some("continue"), 120),
        ("rcpc", "complete", Some("continue"), 300),
        ("cp_plan", "complete", None, 400),
    ];
    let start: jiff::civil::Date = "2019-01-07".parse().unwrap_or_default();
    let mut lines = Vec::new();
    for round in 0..2i64 {
        for (i, (step, action, outcome, day)) in path.iter().enumerate() {
            let at = start
                .checked_add(jiff::Span::new().days(round * 450 + day))
                .unwrap_or(start);
            let outcome = outcome
                .map(|o| format!(r#","outcome":"{o}""#))
                .unwrap_or_default();
            lines.push(format!(
                r#"{{"id":"e-{}","case":"{case}","at":"{at}","step":"{step}","action":"{action}"{outcome},"facts":{{"team":"North","worker":"W{}"}}}}"#,
                first_line + round as usize * 10 + i,
                i % 3
            ));
        }
    }
    lines
}

fn benches(c: &mut Criterion) {
    let engine = match Engine::new(rules()) {
        Ok(engine) => engine,
        Err(error) => {
            eprintln!("the bench rules do not compile: {error}");
            return;
        }
    };
    let as_of = AsOf::end_of("2021-06-30".parse().unwrap_or_default());

    let events: Vec<_> = case_lines("C000001", 1)
        .iter()
        .enumerate()
        .filter_map(|(i, l)| duly_events::parse_line(i + 1, l).ok())
        .filter_map(|e| engine.check_event(1, e).ok().map(|(_, e)| e))
        .collect();
    c.bench_function("one case's deadlines from 20 events", |b| {
        b.iter(|| black_box(engine.case_state("C000001", events.clone(), as_of)))
    });

    let cases = 500;
    let text: String = (0..cases)
        .flat_map(|n| case_lines(&format!("C{n:06}"), n * 20))
        .map(|l| l + "\n")
        .collect();
    let mut group = c.benchmark_group("run");
    group.throughput(Throughput::Elements(cases as u64 * 20));
    group.sample_size(20);
    // The real reading path, per event: parse (borrowed), check against the
    // rules, number the facts, file the record, find ids reused across cases.
    group.bench_function("read, check and file 10,000 events", |b| {
        b.iter(|| {
            let read = engine.read_events(black_box(text.as_bytes()), None);
            black_box(
                read.map(|(book, errors)| (book.events(), errors.len()))
                    .ok(),
            )
        })
    });
    group.bench_function("parse, group and replay 10,000 events", |b| {
        b.iter(|| {
            let mut deadlines = 0;
            let options = RunOptions { as_of, case: None };
            let summary = engine.run(text.as_bytes(), &options, |state| {
                deadlines += state.deadlines.len()
            });
            black_box((summary.map(|s| s.events).ok(), deadlines))
        })
    });
    group.finish();
}

criterion_group!(engine, benches);
criterion_main!(engine);
