//! Scripts run against the national library, replayed by the engine.

use crate::{Limits, Sandbox, Script, compile, plugins_for};
use duly_dsl::diagnostic::{Style, render};
use duly_dsl::model::{PluginSpec, RuleSet};
use duly_dsl::{CheckOptions, Diagnostic, FsLoader, Sources};
use duly_engine::plugin::{Hook, content_hash};
use duly_engine::{AsOf, CaseState, Engine, PluginAction, RunOptions};
use std::path::Path;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

mod safety;
mod view;

static NATIONAL: LazyLock<RuleSet> = LazyLock::new(|| rules("rules/national"));

fn rules(dir: &str) -> RuleSet {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let checked = duly_dsl::check(&FsLoader, &[root.join(dir)], &CheckOptions::default());
    checked.rules.expect("the rules check")
}

/// Compiles `text` as plugin `t`, with the national library's steps.
fn compile_with(
    text: &str,
    sandbox: Arc<Sandbox>,
) -> (Option<Arc<Script>>, Vec<Diagnostic>, Sources) {
    let mut sources = Sources::new();
    let file = sources.add("t.rhai", "t.rhai", text);
    let spec = PluginSpec {
        name: "t".into(),
        path: "t.rhai".into(),
        text: text.into(),
    };
    let (script, diagnostics) = compile(&spec, file, Some(&NATIONAL), sandbox);
    (script, diagnostics, sources)
}

fn script(text: &str) -> Arc<Script> {
    script_in(text, Sandbox::standard())
}

fn script_in(text: &str, sandbox: Arc<Sandbox>) -> Arc<Script> {
    let (script, diagnostics, sources) = compile_with(text, sandbox);
    match script {
        Some(script) => script,
        None => panic!("{}", rendered(&diagnostics, &sources)),
    }
}

/// Diagnostics as people read them, without colour.
fn rendered(diagnostics: &[Diagnostic], sources: &Sources) -> String {
    diagnostics
        .iter()
        .map(|d| render(sources, d, Style::Ascii, 100))
        .collect()
}

/// The compile errors of `text`, as people read them.
fn refused(text: &str) -> String {
    let (script, diagnostics, sources) = compile_with(text, Sandbox::standard());
    assert!(script.is_none(), "`{text}` compiled");
    rendered(&diagnostics, &sources)
}

/// An engine for `rules` with the scripts as plugins every workflow lists.
fn engine_for(rules: &RuleSet, scripts: &[Arc<Script>]) -> Engine {
    let mut rules = rules.clone();
    for workflow in &mut rules.workflows {
        workflow
            .plugins
            .extend(scripts.iter().map(|s| s.name().to_owned()));
    }
    let plugins = plugins_for(scripts, &rules);
    let mut engine = Engine::new(rules).expect("the rules run");
    for plugin in plugins {
        engine = engine.with_plugin(plugin);
    }
    engine
}

/// Every case's state, as of the end of `as_of`.
fn run_all(engine: &Engine, events: &str, as_of: &str) -> Vec<CaseState> {
    let options = RunOptions {
        as_of: AsOf::end_of(as_of.parse().expect("a date")),
        case: None,
    };
    let mut states = Vec::new();
    let summary = engine
        .run(events.as_bytes(), &options, |s| states.push(s))
        .expect("the events read");
    assert!(summary.errors.is_empty(), "{:?}", summary.errors);
    states
}

/// The one case's state, with plugin `text` on the national library.
fn run(text: &str, events: &str, as_of: &str) -> CaseState {
    let engine = engine_for(&NATIONAL, &[script(text)]);
    let mut states = run_all(&engine, events, as_of);
    assert_eq!(states.len(), 1);
    states.remove(0)
}

/// `kind name/to: reason @ at (hook)` for each action.
fn actions(state: &CaseState) -> Vec<String> {
    state
        .actions
        .iter()
        .map(|a| {
            let who = a.action.name().or(a.action.to()).unwrap_or("");
            format!(
                "{} {who}: {} @ {} ({})",
                a.action.kind(),
                a.action.reason(),
                duly_engine::plugin::moment_text(a.at),
                a.hook
            )
        })
        .collect()
}

fn errors(state: &CaseState) -> Vec<String> {
    state.hook_errors.iter().map(|e| e.to_string()).collect()
}

const REFERRAL: &str = r#"{"id":"e-1","case":"C1","at":"2024-04-01","step":"referral","action":"start","facts":{"date_of_birth":"2021-06-15","worker":"W1"}}
{"id":"e-2","case":"C1","at":"2024-04-02","step":"referral","action":"complete","outcome":"assessment"}
"#;

#[test]
fn a_hook_acts_through_functions_and_every_action_is_recorded() {
    let text = r#"
        fn on_event(case, event) {
            if event.step == "referral" && event.action == "start" {
                flag("new_referral", "a referral came in");
                escalate("team_manager", "age " + case.age);
                note("seen by the front door");
                require("strategy_discussion", 2, "working days", "local practice");
            }
        }
    "#;
    let state = run(text, REFERRAL, "2024-04-30");
    assert_eq!(
        actions(&state),
        [
            "flag new_referral: a referral came in @ 2024-04-01T00:00:00+01:00 (on_event)",
            "escalate team_manager: age 2 @ 2024-04-01T00:00:00+01:00 (on_event)",
            "note : seen by the front door @ 2024-04-01T00:00:00+01:00 (on_event)",
            "require strategy_discussion: local practice @ 2024-04-01T00:00:00+01:00 (on_event)",
        ]
    );
    assert!(
        state
            .actions
            .iter()
            .all(|a| a.plugin == "t" && a.hash == content_hash(text) && a.hook == Hook::Event)
    );
    // The requirement is a local deadline, explained.
    let required = state
        .deadlines
        .iter()
        .find(|d| &*d.step == "strategy_discussion")
        .expect("a deadline");
    assert!(required.local);
    assert_eq!(required.due.to_string(), "2024-04-03");
    assert!(
        required
            .explanation
            .contains("2 working days after plugin `t` required it"),
        "{}",
        required.explanation
    );
    // The same events give the same actions.
    let again = run(text, REFERRAL, "2024-04-30");
    assert_eq!(state.actions, again.actions);
    assert!(state.hook_errors.is_empty(), "{:?}", errors(&state));
}

#[test]
fn actions_serialise_as_the_json_contract_says() {
    let text = r#"
        const WATCH_EVENTS = ["referral started"];
        fn on_event(case, event) {
            flag("review", "why");
            escalate("team_manager", "why not");
            note("a note");
        }
    "#;
    let state = run(text, REFERRAL, "2024-04-30");
    let json = serde_json::to_string(&state.actions).expect("json");
    let hash = content_hash(text);
    assert_eq!(
        json,
        format!(
            r#"[{{"plugin":"t","kind":"flag","name":"review","reason":"why","at":"2024-04-01T00:00:00+01:00","hook":"on_event","hash":"{hash}"}},{{"plugin":"t","kind":"escalate","to":"team_manager","reason":"why not","at":"2024-04-01T00:00:00+01:00","hook":"on_event","hash":"{hash}"}},{{"plugin":"t","kind":"note","reason":"a note","at":"2024-04-01T00:00:00+01:00","hook":"on_event","hash":"{hash}"}}]"#
        )
    );
}

#[test]
fn watched_events_only_call_on_event() {
    let text = r#"
        const WATCH_EVENTS = ["referral completed with assessment"];
        const WATCH_FACTS = ["team"];
        fn on_event(case, event) { note(event.id); }
    "#;
    let events = format!(
        "{REFERRAL}{}",
        r#"{"id":"e-3","case":"C1","at":"2024-04-05","action":"record","facts":{"team":"North"}}
{"id":"e-4","case":"C1","at":"2024-04-06","action":"record","facts":{"worker":"W2"}}
"#
    );
    let state = run(text, &events, "2024-04-30");
    let notes: Vec<&str> = state.actions.iter().map(|a| a.action.reason()).collect();
    assert_eq!(notes, ["e-2", "e-3"]);
}

#[test]
fn on_breach_and_on_approaching_see_the_deadline() {
    let text = r#"
        fn on_approaching(case, deadline) {
            note(deadline.step + " warned, due " + deadline.due);
        }
        fn on_breach(case, deadline) {
            escalate("team_manager", deadline.step + " " + deadline.status + " since " + today());
        }
    "#;
    let state = run(text, REFERRAL, "2024-06-30");
    assert_eq!(
        actions(&state),
        [
            // The referral decision came the next day: met. The assessment
            // is due 45 working days after the referral, warned 10 before.
            "note : assessment warned, due 2024-06-05 @ 2024-05-21T00:00:00+01:00 (on_approaching)",
            "escalate team_manager: assessment overdue since 2024-06-06 @ 2024-06-06T00:00:00+01:00 (on_breach)",
        ]
    );
}

#[test]
fn a_script_error_names_the_plugin_hook_case_line_and_column() {
    let text = "fn on_event(case, event) {\n    let x = case.facts.worker;\n    x.nope\n}\n";
    let state = run(text, REFERRAL, "2024-04-30");
    assert_eq!(
        errors(&state)[0],
        "plugin `t` failed in `on_event` for case `C1`: unknown property `nope` of a text at line 3, column 7"
    );
    // Each event fails on its own; the deadlines are all there.
    assert_eq!(state.hook_errors.len(), 2);
    assert_eq!(state.deadlines.len(), 2);
}

#[test]
fn limits_are_set_explicitly_so_debug_and_release_agree() {
    // rhai's own defaults differ between debug and release builds (call
    // levels 8 or 64, expression depths 32/16 or 64/32) and some are
    // unlimited: the engine must carry ours, whatever the build.
    let sandbox = Sandbox::standard();
    let limits = sandbox.limits().clone();
    assert_eq!(limits, Limits::default());
    let engine = &sandbox.engine;
    assert_eq!(engine.max_operations(), 100_000);
    assert_eq!(engine.max_call_levels(), 16);
    assert_eq!(engine.max_expr_depth(), 64);
    assert_eq!(engine.max_function_expr_depth(), 32);
    assert_eq!(engine.max_string_size(), 10_000);
    assert_eq!(engine.max_array_size(), 1_000);
    assert_eq!(engine.max_map_size(), 200);
    assert_eq!(engine.max_variables(), 200);
    assert_eq!(engine.max_functions(), 100);
    assert_eq!(limits.wall_time, Duration::from_millis(250));
}

#[test]
fn an_unknown_step_built_at_run_time_is_refused_without_repeating_it() {
    let text = r#"
        const WATCH_EVENTS = ["referral started"];
        fn on_event(case, event) { require(case.facts.worker, 1, "working day", "x"); }
    "#;
    let state = run(text, REFERRAL, "2024-04-30");
    assert_eq!(
        errors(&state),
        [
            "plugin `t` failed in `on_event` for case `C1`: `require` names a step the rules do not have; check its spelling"
        ]
    );
}

#[test]
fn require_checks_its_unit_and_count() {
    let text = r#"
        const WATCH_EVENTS = ["referral started"];
        fn on_event(case, event) { require("strategy_discussion", 0, "fortnights", "x"); }
    "#;
    let state = run(text, REFERRAL, "2024-04-30");
    assert_eq!(
        errors(&state),
        [
            "plugin `t` failed in `on_event` for case `C1`: `require`: unknown unit; write `working days`, `calendar days`, `weeks`, `months`, `years` or `hours` at line 3, column 36"
        ]
    );
    assert!(matches!(
        crate::api::parse_unit("Working_Day"),
        Some(duly_calendar::Unit::WorkingDays)
    ));
    let _ = PluginAction::Note {
        text: String::new(),
    };
}
