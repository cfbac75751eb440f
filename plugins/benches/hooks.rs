//! Hook calls per second on realistic plugins.
//!
//! `cargo bench -p duly-plugins --bench hooks`
//!
//! One child's case of 1,000 events over 1,000 days is replayed with a
//! plugin whose hook runs on every event (or at the end of every day), and
//! without: each iteration makes 1,000 hook calls, and the difference from
//! `no plugin` is their cost (hooks per second = 1,000 / difference).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use duly_dsl::model::{PluginSpec, RuleSet};
use duly_dsl::{CheckOptions, FsLoader, Sources};
use duly_engine::{AsOf, CaseEvent, Engine};
use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;

const EVENTS: usize = 1_000;

fn rules() -> RuleSet {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/national");
    duly_dsl::check(&FsLoader, &[root], &CheckOptions::default())
        .rules
        .expect("the national library checks")
}

fn engine(rules: &RuleSet, text: Option<&str>) -> Engine {
    let mut rules = rules.clone();
    let Some(text) = text else {
        return Engine::new(rules).expect("the rules run");
    };
    for workflow in &mut rules.workflows {
        workflow.plugins.push("bench".into());
    }
    let spec = PluginSpec {
        name: "bench".into(),
        path: "bench.rhai".into(),
        text: text.into(),
    };
    let mut sources = Sources::new();
    let file = sources.add("bench.rhai", "bench.rhai", text);
    let (script, diagnostics) =
        duly_plugins::compile(&spec, file, Some(&rules), duly_plugins::Sandbox::standard());
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let script = script.expect("the plugin compiles");
    let plugins = duly_plugins::plugins_for(&[script], &rules);
    let mut engine = Engine::new(rules).expect("the rules run");
    for plugin in plugins {
        engine = engine.with_plugin(plugin);
    }
    engine
}

/// A referral, then an event every day (the team recorded, the worker
/// changed every 60 days, domestic abuse now and then), checked against the
/// rules once (as a run does before replaying).
fn events(engine: &Engine) -> Vec<CaseEvent> {
    let mut lines = vec![
        r#"{"id":"e-0","case":"C1","at":"2020-01-01","step":"referral","action":"start","facts":{"date_of_birth":"2017-03-02","worker":"W0"}}"#.to_owned(),
    ];
    let mut day: jiff::civil::Date = "2020-01-02".parse().expect("a date");
    for i in 1..EVENTS {
        lines.push(format!(
            r#"{{"id":"e-{i}","case":"C1","at":"{day}","action":"record","facts":{{"team":"North","worker":"W{}","domestic_abuse":{}}}}}"#,
            i / 60,
            i % 90 == 0
        ));
        day = day.tomorrow().expect("a day");
    }
    lines
        .iter()
        .enumerate()
        .map(|(n, line)| {
            let event = duly_events::parse_line(n + 1, line).expect("an event");
            engine.check_event(n + 1, event).expect("the event fits").1
        })
        .collect()
}

/// Escalates a change of worker that makes three in 12 months, and notes
/// domestic abuse recorded for a child under 5 with no strategy discussion
/// open: the event, facts, age, history and open steps, on every event.
const ON_EVENT: &str = r#"
fn on_event(case, event) {
    if event.changed("worker") && case.history.worker_changes_last_12_months >= 3 {
        escalate("team_manager", "three or more changes of social worker in 12 months");
    }
    if event.facts.domestic_abuse == true && case.age < 5 && !case.is_open("strategy_discussion") {
        note("domestic abuse recorded for a child under 5");
    }
}
"#;

/// A visiting rule that looks at the case at the end of every day: dates
/// on the case's calendar.
const ON_DAILY: &str = r#"
fn on_daily(case) {
    let since = case.started("referral");
    let visit = case.completed("cp_visit");
    if visit != () && visit > since {
        since = visit;
    }
    if today() == add_working_days(since, 10) {
        escalate("team_manager", "not seen for 10 working days");
    }
}
"#;

fn hooks(c: &mut Criterion) {
    let rules = rules();
    let events = events(&engine(&rules, None));
    let as_of = AsOf::end_of("2022-09-27".parse().expect("a date"));
    let mut group = c.benchmark_group("hooks");
    group.throughput(Throughput::Elements(EVENTS as u64));
    for (name, text) in [
        ("no plugin", None),
        ("empty on_event", Some("fn on_event(case, event) { }")),
        ("realistic on_event", Some(ON_EVENT)),
        ("realistic on_daily", Some(ON_DAILY)),
    ] {
        let engine = Arc::new(engine(&rules, text));
        group.bench_function(name, |b| {
            b.iter(|| black_box(engine.case_state("C1", events.clone(), as_of)))
        });
    }
    group.finish();
}

criterion_group!(benches, hooks);
criterion_main!(benches);
