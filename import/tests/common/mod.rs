//! Helpers shared by the import tests.

#![allow(dead_code, clippy::unwrap_used, clippy::panic)]

use duly_events::Event;
use duly_import::ImportError;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A file of the shared sample data: beside the checkout (`main`, CI), or
/// beside the folder of work trees.
pub fn data(rel: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for up in ["../../shared/data", "../../../shared/data"] {
        let path = root.join(up).join(rel);
        if path.exists() {
            return path;
        }
    }
    panic!("sample data `{rel}` not found beside the checkout");
}

/// Splits what a reader yields into events and problems.
pub fn split(
    items: impl Iterator<Item = Result<Event, ImportError>>,
) -> (Vec<Event>, Vec<ImportError>) {
    let mut events = Vec::new();
    let mut problems = Vec::new();
    for item in items {
        match item {
            Ok(event) => events.push(event),
            Err(problem) => problems.push(problem),
        }
    }
    (events, problems)
}

/// Problems then events, one a line, as a snapshot shows them.
pub fn render(events: &[Event], problems: &[ImportError]) -> String {
    let mut out = String::new();
    for problem in problems {
        out.push_str(&problem.to_string());
        out.push('\n');
    }
    for event in events {
        out.push_str(&event.to_line());
        out.push('\n');
    }
    out
}

/// `step.action` → outcome, for each event (for quick assertions).
pub fn outcomes(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| {
            let step = e.step.as_deref()?;
            Some(format!(
                "{} {step}.{}{}",
                e.at,
                e.action,
                e.outcome
                    .as_deref()
                    .map(|o| format!(" {o}"))
                    .unwrap_or_default()
            ))
        })
        .collect()
}

/// The steps and their outcomes declared in the national rules, read from
/// the `.duly` text (`step <id> {` … `outcomes a, b`).
pub fn national_steps() -> BTreeMap<String, BTreeSet<String>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/national");
    let mut steps = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        // The folder also holds the library's scenarios (`tests/`).
        if path.extension().is_none_or(|e| e != "duly") {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        let mut current: Option<String> = None;
        for line in text.lines().map(str::trim) {
            if let Some(rest) = line.strip_prefix("step ") {
                let id = rest.trim_end_matches('{').trim().to_owned();
                steps.insert(id.clone(), BTreeSet::new());
                current = Some(id);
            } else if let (Some(rest), Some(id)) = (line.strip_prefix("outcomes "), &current) {
                let outcomes = steps.get_mut(id).unwrap();
                outcomes.extend(rest.split(',').map(|o| o.trim().to_owned()));
            }
        }
    }
    steps
}

/// Fails unless every event names a step the national rules have, with an
/// outcome that step declares (and an outcome exactly when it has some).
pub fn assert_known_to_rules(events: &[Event]) {
    let steps = national_steps();
    for event in events {
        let Some(step) = event.step.as_deref() else {
            continue;
        };
        let outcomes = steps
            .get(step)
            .unwrap_or_else(|| panic!("unknown step `{step}` in {}", event.to_line()));
        match &event.outcome {
            Some(outcome) => assert!(
                outcomes.contains(outcome),
                "`{step}` has no outcome `{outcome}`"
            ),
            None => assert!(
                event.action != duly_events::Action::Complete || outcomes.is_empty(),
                "`{step}` needs an outcome: {}",
                event.to_line()
            ),
        }
    }
}
