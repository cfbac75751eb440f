//! The `duly` command: exit codes, JSON diagnostics, and what `graph` and
//! `explain` print for the shipped library.

use assert_cmd::Command;
use std::path::Path;

fn duly() -> Command {
    let mut cmd = Command::cargo_bin("duly").expect("the duly binary is built for tests");
    cmd.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    cmd.env("NO_COLOR", "1").env("COLUMNS", "100");
    cmd
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("a temporary file can be written");
    path.display().to_string()
}

const CLEAN: &str = "workflow w {\n  title \"W\"\n  version \"1\"\n  source \"Act\"\n  calendar england_and_wales\n  starts with a\n  step a {\n    title \"A\"\n    due 5 working days after a started\n      source \"Act s1\"\n    on complete end\n  }\n}\n";

#[test]
fn the_library_checks_clean_and_exits_0() {
    let out = duly().args(["check", "rules"]).assert().success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("ok: 5 workflows checked"), "{stderr}");
}

#[test]
fn an_error_exits_1_and_points_at_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "bad.duly",
        &CLEAN.replace("5 working days", "5 workdays"),
    );
    let out = duly().args(["check", &path]).assert().code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("unknown unit `workdays`"), "{stderr}");
    assert!(stderr.contains("bad.duly:9:"), "{stderr}");
    assert!(stderr.contains("did you mean `working days`?"), "{stderr}");
    assert!(stderr.contains("1 error, 0 warnings"), "{stderr}");
}

#[test]
fn warnings_alone_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "warn.duly",
        &CLEAN.replace("      source \"Act s1\"\n", ""),
    );
    let out = duly().args(["check", &path]).assert().success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("timescale has no `source`"), "{stderr}");
}

#[test]
fn json_diagnostics_have_stable_fields() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "bad.duly",
        &CLEAN
            .replace("open", "opne")
            .replace("on complete end", "on complete open b"),
    );
    let out = duly()
        .args(["check", &path, "--format", "json"])
        .assert()
        .code(1);
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let first = &json["diagnostics"][0];
    assert_eq!(first["severity"], "error");
    assert_eq!(first["code"], "unknown-step");
    assert_eq!(first["message"], "unknown step `b`");
    assert_eq!(first["line"], 11);
    assert_eq!(first["column"], 22);
    assert_eq!(first["length"], 1);
    assert!(first["offset"].as_u64().is_some());
    assert!(first["file"].as_str().unwrap().ends_with("bad.duly"));
    assert!(first["help"].is_string());
    assert_eq!(first["labels"][0]["line"], 11);
    assert_eq!(json["errors"], 1);
}

#[test]
fn json_for_a_clean_library_is_empty() {
    let out = duly()
        .args(["check", "rules", "--format", "json"])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["diagnostics"].as_array().map(Vec::len), Some(0));
}

#[test]
fn plain_format_is_narrated() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "bad.duly",
        &CLEAN.replace("england_and_wales", "england"),
    );
    let out = duly()
        .args(["check", &path, "--format", "plain"])
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("unknown calendar `england`"), "{stderr}");
    assert!(stderr.contains("label at line 5"), "{stderr}");
}

#[test]
fn plugins_are_found_beside_the_file_or_in_the_plugins_folder() {
    let dir = tempfile::tempdir().unwrap();
    let with_plugin = CLEAN.replace("  starts with a\n", "  starts with a\n  plugins escalate\n");
    let path = write(dir.path(), "w.duly", &with_plugin);
    duly().args(["check", &path]).assert().code(1);
    let plugins = dir.path().join("scripts");
    std::fs::create_dir(&plugins).unwrap();
    std::fs::write(plugins.join("escalate.rhai"), "// escalate\n").unwrap();
    duly()
        .args(["check", &path, "--plugins", &plugins.display().to_string()])
        .assert()
        .success();
}

#[test]
fn a_missing_path_is_an_error() {
    duly()
        .args(["check", "no/such/place.duly"])
        .assert()
        .code(1);
}

#[test]
fn graph_and_explain_need_clean_rules() {
    let dir = tempfile::tempdir().unwrap();
    let bad = CLEAN.replace("on complete end", "on complete open nowhere");
    let bad_path = write(dir.path(), "bad.duly", &bad);
    duly()
        .args(["graph", &bad_path, "--format", "dot"])
        .assert()
        .code(1);
    duly().args(["explain", &bad_path]).assert().code(1);
    duly()
        .args(["explain", "rules", "--workflow", "safeguardng"])
        .assert()
        .code(1);
}

fn stdout(args: &[&str]) -> String {
    let out = duly().args(args).assert().success();
    String::from_utf8(out.get_output().stdout.clone()).expect("output is UTF-8")
}

#[test]
fn graph_dot_of_the_library() {
    insta::assert_snapshot!(stdout(&["graph", "rules", "--format", "dot"]));
}

#[test]
fn graph_mermaid_of_the_library() {
    insta::assert_snapshot!(stdout(&["graph", "rules", "--format", "mermaid"]));
}

#[test]
fn explain_the_library() {
    insta::assert_snapshot!(stdout(&["explain", "rules"]));
}

#[test]
fn explain_one_workflow() {
    let text = stdout(&["explain", "rules", "--workflow", "missing"]);
    assert!(text.starts_with("Workflow `missing`"));
    assert!(!text.contains("Workflow `safeguarding`"));
}
