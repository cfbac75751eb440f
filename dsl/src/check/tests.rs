use super::*;

fn codes(text: &str) -> Vec<&'static str> {
    check_text("test.duly", text)
        .diagnostics
        .iter()
        .map(|d| d.code)
        .collect()
}

#[test]
fn a_small_clean_workflow_compiles() {
    let checked = check_text(
        "w.duly",
        "workflow w {\n  title \"W\"\n  version \"1\"\n  source \"Act\"\n  calendar england_and_wales\n  starts with a\n  step a {\n    title \"A\"\n    due 5 working days after a started\n      source \"Act s1\"\n    on complete end\n  }\n}\n",
    );
    assert!(checked.diagnostics.is_empty(), "{:#?}", checked.diagnostics);
    let rules = checked.rules.unwrap();
    assert_eq!(rules.workflows[0].steps[0].id, "a");
    assert!(rules.locate("a").is_some());
}

#[test]
fn the_library_checks_clean() {
    let root = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../rules"));
    let checked = check(&crate::loader::FsLoader, &[root], &CheckOptions::default());
    assert!(checked.diagnostics.is_empty(), "{:#?}", checked.diagnostics);
    let rules = checked.rules.unwrap();
    assert_eq!(rules.workflows.len(), 5);
    let (workflow, core_group) = rules.step("core_group").unwrap();
    assert_eq!(workflow.calendar, "example_council");
    assert!(core_group.local);
    assert_eq!(rules.calendar("example_council").unwrap().closures.len(), 9);
}

#[test]
fn an_unknown_step_suggests_the_near_one() {
    let checked = check_text(
        "w.duly",
        "workflow w {\n  title \"W\"\n  version \"1\"\n  source \"Act\"\n  calendar england_and_wales\n  starts with a\n  step a {\n    title \"A\"\n    on complete open bb\n  }\n  step b {\n    title \"B\"\n    on complete end\n  }\n}\n",
    );
    let unknown: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.code == "unknown-step")
        .collect();
    assert_eq!(unknown.len(), 1, "{:#?}", checked.diagnostics);
    assert_eq!(unknown[0].help.as_deref(), Some("did you mean `b`?"));
    assert!(checked.rules.is_none());
}

#[test]
fn missing_required_clauses_are_one_error() {
    assert_eq!(codes("workflow w {\n}\n"), ["missing-clause"]);
}
