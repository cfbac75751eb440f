//! Plugins through the command line: `duly check` reports script errors
//! with the workflows', `--plugins` adds every script in a folder, and
//! `duly run` reports what plugins did and where they failed.

#![allow(clippy::unwrap_used, reason = "a test stops at its first failure")]

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

fn duly() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_duly"));
    cmd.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    cmd.env("NO_COLOR", "1").env("COLUMNS", "100");
    cmd
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

const EVENTS: &str = r#"{"id":"e-1","case":"C1","at":"2024-04-01","step":"referral","action":"start","facts":{"worker":"W1"}}
{"id":"e-2","case":"C1","at":"2024-04-01","step":"referral","action":"complete","outcome":"nfa"}
{"id":"e-3","case":"C1","at":"2024-06-03","step":"referral","action":"start"}
{"id":"f-1","case":"C2","at":"2024-04-01","step":"referral","action":"start"}
{"id":"f-2","case":"C2","at":"2024-04-01","step":"referral","action":"complete","outcome":"nfa"}
{"id":"f-3","case":"C2","at":"2024-06-03","step":"referral","action":"start"}
"#;

/// Loops for ever on case C1 only; flags every re-referral.
const LOOPING: &str = r#"
const WATCH_EVENTS = ["referral started"];

fn on_event(case, event) {
    let turns = 0;
    if case.id == "C1" && case.facts.worker == "W1" && event.id == "e-3" {
        loop { turns += 1; }
    }
    if case.history.referrals_last_12_months >= 2 {
        flag("management_review", "re-referral within 12 months");
    }
}
"#;

#[test]
fn a_plugin_that_loops_is_stopped_named_in_errors_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = dir.path().join("plugins");
    std::fs::create_dir(&plugins).unwrap();
    write(&plugins, "looping.rhai", LOOPING);
    let events = write(dir.path(), "events.jsonl", EVENTS);
    let out = duly()
        .args(["run", "--rules", "rules/national", "--events", &events])
        .args(["--as-of", "2024-06-30", "--format", "json", "--plugins"])
        .arg(&plugins)
        .assert()
        .success();
    let json: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let errors = json["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let error = &errors[0];
    assert_eq!(error["case"], "C1");
    assert_eq!(error["plugin"], "looping");
    assert_eq!(error["hook"], "on_event");
    assert_eq!(error["at"], "2024-06-03T00:00:00+01:00");
    assert_eq!(
        error["message"],
        "plugin `looping` failed in `on_event` for case `C1`: stopped after 100000 operations: look for a loop that never ends"
    );
    // The other case was replayed and acted on; the looping one keeps its
    // deadlines.
    let cases = json["cases"].as_array().unwrap();
    assert_eq!(cases[0]["case"], "C1");
    assert!(cases[0].get("actions").is_none());
    assert_eq!(cases[0]["deadlines"].as_array().unwrap().len(), 2);
    let actions = cases[1]["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 1);
    let action = &actions[0];
    let keys: Vec<&str> = action
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        ["at", "hash", "hook", "kind", "name", "plugin", "reason"]
    );
    assert_eq!(action["plugin"], "looping");
    assert_eq!(action["kind"], "flag");
    assert_eq!(action["name"], "management_review");
    assert_eq!(action["reason"], "re-referral within 12 months");
    assert_eq!(action["at"], "2024-06-03T00:00:00+01:00");
    assert_eq!(action["hook"], "on_event");
    assert_eq!(action["hash"].as_str().unwrap().len(), 16);
}

/// `duly run` as a table on the events above with the national library and
/// `script` as the one plugin; it must succeed.
fn run_table_with(script: &str) -> assert_cmd::assert::Assert {
    let dir = tempfile::tempdir().unwrap();
    let plugins = dir.path().join("plugins");
    std::fs::create_dir(&plugins).unwrap();
    write(&plugins, "looping.rhai", script);
    let events = write(dir.path(), "events.jsonl", EVENTS);
    duly()
        .args(["run", "--rules", "rules/national", "--events", &events])
        .args(["--as-of", "2024-06-30", "--plugins"])
        .arg(&plugins)
        .assert()
        .success()
}

#[test]
fn the_table_names_a_failing_plugin_on_standard_error() {
    let out = run_table_with(LOOPING);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr);
    assert_eq!(
        stderr.trim_end(),
        "plugin `looping` failed in `on_event` for case `C1`: stopped after 100000 operations: look for a loop that never ends"
    );
}

#[test]
fn the_table_lists_plugin_actions_after_the_deadlines() {
    let out = run_table_with(&LOOPING.replace("loop { turns += 1; }", ""));
    let stdout = String::from_utf8_lossy(&out.get_output().stdout);
    let (deadlines, actions) = stdout.split_once("\n\n").unwrap();
    assert!(
        deadlines.starts_with("as of 2024-06-30: 2 cases"),
        "{stdout}"
    );
    assert_eq!(
        actions,
        "2 plugin actions:\n\
         CASE  AT                PLUGIN   ACTION  WHAT\n\
         C1    2024-06-03 00:00  looping  flag    management_review: re-referral within 12 months\n\
         C2    2024-06-03 00:00  looping  flag    management_review: re-referral within 12 months\n"
    );
}

#[test]
fn check_reports_plugin_errors_with_the_workflows() {
    let dir = tempfile::tempdir().unwrap();
    let national = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/national");
    write(
        dir.path(),
        "council.duly",
        &format!(
            "import \"{}\"\n\nextend workflow safeguarding {{\n  plugins broken, missing_one\n}}\n",
            national.display()
        ),
    );
    write(
        dir.path(),
        "broken.rhai",
        "// Mistakes.\nconst WATCH_EVENTS = [\"referal started\"];\n\nfn on_event(case, event) {\n    require(\"strategy_discussion\", 1, \"working day\", \"x\");\n    print(case.id);\n}\n",
    );
    let out = duly()
        .args(["check", "--format", "plain"])
        .arg(dir.path().join("council.duly"))
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr);
    let stderr = stderr.replace(&dir.path().display().to_string(), "<dir>");
    insta::assert_snapshot!(stderr);
}

#[test]
fn plugins_folders_add_every_script_in_them() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "on_breach.rhai",
        "fn on_breach(case, deadline) { escalate(\"team_manager\", deadline.step + \" overdue\"); }\n",
    );
    write(dir.path(), "typo.rhai", "fn on_daly(case) { }\n");
    let out = duly()
        .args(["check", "rules/national", "--plugins"])
        .arg(dir.path())
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(
        stderr.contains("`on_daly` is not a hook, so Duly never calls it"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `on_daily`?"), "{stderr}");
    assert!(stderr.contains("0 errors, 2 warnings"), "{stderr}");
    // A script no workflow names applies to every workflow.
    let events = write(
        dir.path(),
        "events.jsonl",
        r#"{"id":"m-1","case":"C9","at":"2024-04-05T12:00:00+01:00","step":"missing_episode","action":"complete"}"#,
    );
    let out = duly()
        .args(["run", "--rules", "rules/national", "--events", &events])
        .args(["--as-of", "2024-04-30", "--format", "json", "--plugins"])
        .arg(dir.path())
        .assert()
        .success();
    let json: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let action = &json["cases"][0]["actions"][0];
    assert_eq!(action["plugin"], "on_breach");
    assert_eq!(action["kind"], "escalate");
    assert_eq!(action["to"], "team_manager");
    assert_eq!(action["reason"], "rhi overdue");
    // The return home interview was due 72 hours after the return.
    assert_eq!(action["at"], "2024-04-08T12:00:00+01:00");
    assert_eq!(action["hook"], "on_breach");
}
