//! Helpers shared by the report's tests: the rules library, events written
//! compactly, and a report run through the engine as `duly report` runs it.

#![allow(dead_code, reason = "each test file uses part of it")]
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "a test stops at its first failure"
)]

use duly_dsl::model::RuleSet;
use duly_dsl::{CheckOptions, FsLoader};
use duly_engine::{AsOf, Engine, RunOptions};
use duly_report::model::Input;
use duly_report::{Options, Report, Reporter, Tally};
use jiff::civil::Date;
use std::path::{Path, PathBuf};

/// The workspace's root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The checked rules at `path` (from the workspace's root).
pub fn rules(path: &str) -> RuleSet {
    let checked = duly_dsl::check(&FsLoader, &[root().join(path)], &CheckOptions::default());
    assert!(!checked.has_errors(), "{:#?}", checked.diagnostics);
    checked.rules.unwrap()
}

/// The national library.
pub fn national() -> RuleSet {
    rules("rules/national")
}

pub fn date(text: &str) -> Date {
    text.parse().unwrap()
}

/// Events from compact lines, one an event:
/// `CASE ID AT STEP ACTION [OUTCOME] [fact=value …]` or `CASE ID AT record fact=value …`
/// (`fact=null` removes a fact).
pub fn events(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let mut words = line.split_whitespace();
        let case = words.next().unwrap();
        let id = words.next().unwrap();
        let at = words.next().unwrap();
        let mut json = serde_json::json!({"id": id, "case": case, "at": at});
        let mut facts = serde_json::Map::new();
        let mut rest = Vec::new();
        for word in words {
            match word.split_once('=') {
                Some((name, "null")) => {
                    facts.insert(name.into(), serde_json::Value::Null);
                }
                Some((name, value)) => {
                    facts.insert(name.into(), value.replace('_', " ").into());
                }
                None => rest.push(word),
            }
        }
        match rest.as_slice() {
            ["record"] => json["action"] = "record".into(),
            [step, action] => {
                json["step"] = (*step).into();
                json["action"] = (*action).into();
            }
            [step, action, outcome] => {
                json["step"] = (*step).into();
                json["action"] = (*action).into();
                json["outcome"] = (*outcome).into();
            }
            other => panic!("bad test line {other:?}"),
        }
        if !facts.is_empty() {
            json["facts"] = facts.into();
        }
        out.push_str(&json.to_string());
        out.push('\n');
    }
    out
}

/// The report on `text` (compact events) with `engine`, streamed as
/// `duly report` streams it.
pub fn report_with(engine: &Engine, text: &str, options: Options) -> Report {
    let reporter = Reporter::new(engine.rules(), options);
    let mut tally = Tally::new(&reporter);
    let run = RunOptions {
        as_of: AsOf::end_of(options.as_of),
        case: None,
    };
    let lines = events(text);
    let summary = engine
        .run_with(
            lines.as_bytes(),
            &run,
            |state| {
                assert!(state.errors.is_empty(), "{:#?}", state.errors);
                reporter.figures(&state)
            },
            |figures| tally.add(figures),
        )
        .unwrap();
    assert!(summary.errors.is_empty(), "{:#?}", summary.errors);
    tally.finish(Input {
        events: summary.events as u64,
        cases: summary.cases as u64,
        refused: 0,
    })
}

/// The report on `text` under the national library.
pub fn report(text: &str, options: Options) -> Report {
    report_with(&Engine::new(national()).unwrap(), text, options)
}

/// Options as of `as_of` for the period `from` to `to`.
pub fn period(as_of: &str, from: &str, to: &str) -> Options {
    Options {
        from: date(from),
        to: date(to),
        ..Options::new(date(as_of))
    }
}

/// Referrals are due 1 working day after they are received. The period is
/// June 2025; the report is as of 15 July 2025.
pub const JUNE: &str = "
    C1  c1-1  2025-05-29 referral start
    C2  c2-1  2025-05-30 referral start
    C2  c2-2  2025-06-02 referral complete nfa
    C3  c3-1  2025-06-27 referral start
    C4  c4-1  2025-06-30 referral start team=East worker=W9
    C5  c5-1  2025-06-02 referral start team=North worker=W1
    C5  c5-2  2025-06-04 record worker=W2
    C5  c5-3  2025-06-05 referral complete nfa
    C6  c6-1  2025-06-09 referral start
    C6  c6-2  2025-06-09 case_closure complete nfa
    C12 c12-1 2025-06-02 referral start team=Front_Door worker=W1
    C12 c12-2 2025-06-02 referral complete nfa team=North worker=W2
    C12 c12-3 2025-06-03 record worker=W3
";

pub fn june() -> duly_report::Report {
    report(JUNE, period("2025-07-15", "2025-06-01", "2025-06-30"))
}
