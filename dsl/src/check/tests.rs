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

/// The `unknown-step` diagnostics of a check.
fn unknown_steps(checked: &Checked) -> Vec<&Diagnostic> {
    checked
        .diagnostics
        .iter()
        .filter(|d| d.code == "unknown-step")
        .collect()
}

#[test]
fn an_unknown_step_suggests_the_near_one() {
    let checked = check_text(
        "w.duly",
        "workflow w {\n  title \"W\"\n  version \"1\"\n  source \"Act\"\n  calendar england_and_wales\n  starts with a\n  step a {\n    title \"A\"\n    on complete open bb\n  }\n  step b {\n    title \"B\"\n    on complete end\n  }\n}\n",
    );
    let unknown = unknown_steps(&checked);
    assert_eq!(unknown.len(), 1, "{:#?}", checked.diagnostics);
    assert_eq!(unknown[0].help.as_deref(), Some("did you mean `b`?"));
    assert!(checked.rules.is_none());
}

#[test]
fn a_step_of_another_workflow_is_named_as_such() {
    let checked = check_text(
        "w.duly",
        "workflow v {\n  title \"V\"\n  version \"1\"\n  source \"Act\"\n  calendar england_and_wales\n  starts with s\n  step s {\n    title \"S\"\n    on complete end\n  }\n}\nworkflow w {\n  title \"W\"\n  version \"1\"\n  source \"Act\"\n  calendar england_and_wales\n  starts with t\n  step t {\n    title \"T\"\n    due 5 working days after s completed\n      source \"Act s1\"\n    on complete end\n  }\n}\n",
    );
    let unknown = unknown_steps(&checked);
    assert_eq!(unknown.len(), 1, "{:#?}", checked.diagnostics);
    assert_eq!(
        unknown[0].help.as_deref(),
        Some(
            "`s` is a step of workflow `v`: a workflow names only its own steps, so count from or open one of this workflow's steps"
        )
    );
}

#[test]
fn missing_required_clauses_are_one_error() {
    assert_eq!(codes("workflow w {\n}\n"), ["missing-clause"]);
}

const NATIONAL: &str = "workflow s {\n  title \"S\"\n  version \"1\"\n  source \"Act\"\n  calendar england_and_wales\n  starts with a\n  step a {\n    title \"A\"\n    outcomes yes, no\n    due 10 working days after a started\n      source \"Act s1\"\n    on yes end\n    on no end\n  }\n}\n";

#[test]
fn an_extension_may_tighten_and_add_a_step_it_opens() {
    let local = "extend workflow s {\n  step a {\n    due 5 working days after a started\n      source local \"Standard 1\"\n    on yes open visit\n  }\n  step visit {\n    title \"Visit\"\n    due 2 working days after a completed\n      source local \"Standard 2\"\n    on complete end\n  }\n}\n";
    let checked = check_text("s.duly", &format!("{NATIONAL}{local}"));
    assert!(checked.diagnostics.is_empty(), "{:#?}", checked.diagnostics);
    let rules = checked.rules.unwrap();
    let (_, a) = rules.step("a").unwrap();
    assert!(a.local);
    assert_eq!(a.reactions.len(), 3);
    let crate::model::Schedule::Once(rule) = &a.schedule else {
        panic!()
    };
    assert_eq!(rule.period.count, 5);
    assert!(rule.source.as_ref().unwrap().local);
    assert!(rules.step("visit").unwrap().1.local);
}

#[test]
fn an_extension_cannot_loosen_a_national_timescale() {
    let local = "extend workflow s {\n  step a {\n    due 11 working days after a started\n      source local \"Standard 1\"\n  }\n}\n";
    assert_eq!(codes(&format!("{NATIONAL}{local}")), ["local-longer"]);
}

#[test]
fn every_library_file_checks_clean_on_its_own() {
    let root = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../rules"));
    let files = crate::loader::FsLoader.list(&root, "duly").unwrap();
    assert!(files.len() >= 6);
    for file in files {
        let checked = check(
            &crate::loader::FsLoader,
            std::slice::from_ref(&file),
            &CheckOptions::default(),
        );
        assert!(
            checked.diagnostics.is_empty(),
            "{}: {:#?}",
            file.display(),
            checked.diagnostics
        );
        assert!(checked.rules.is_some());
    }
}

#[test]
fn dominators_accept_the_initiating_strategy_discussion() {
    let checked = check_text(
        "w.duly",
        "workflow w {\n  title \"W\"\n  version \"1\"\n  source \"Act\"\n  calendar england_and_wales\n  starts with sd\n  step sd {\n    title \"SD\"\n    on complete open s47\n  }\n  step s47 {\n    title \"S47\"\n    on complete open icpc\n  }\n  step icpc {\n    title \"ICPC\"\n    due 15 working days after sd completed\n      source \"WT\"\n    on complete end\n  }\n}\n",
    );
    assert!(checked.diagnostics.is_empty(), "{:#?}", checked.diagnostics);
}

const MOVING: &str = "workflow w {\n  title \"W\"\n  version \"2023.1\"\n  moves cases from \"2018.1\", \"2018.2\"\n  moves cases from \"2020.1\"\n  source \"Act\"\n  calendar england_and_wales\n  starts with a\n  step a {\n    title \"A\"\n    on complete end\n  }\n}\n";

#[test]
fn a_workflow_names_the_versions_whose_cases_it_takes_over() {
    let checked = check_text("w.duly", MOVING);
    assert!(checked.diagnostics.is_empty(), "{:#?}", checked.diagnostics);
    let rules = checked.rules.unwrap();
    assert_eq!(
        rules.workflows[0].moves_from,
        ["2018.1", "2018.2", "2020.1"]
    );
}

#[test]
fn a_workflow_without_moves_keeps_its_cases() {
    let rules = check_text("w.duly", NATIONAL).rules.unwrap();
    assert!(rules.workflows[0].moves_from.is_empty());
}

#[test]
fn moving_cases_from_its_own_version_is_an_error() {
    let text = MOVING.replace("\"2020.1\"", "\"2023.1\"");
    assert_eq!(codes(&text), ["moves-own-version"]);
}

#[test]
fn an_extension_cannot_move_cases() {
    let local = "extend workflow s {\n  moves cases from \"0\"\n}\n";
    let checked = check(
        &crate::loader::MemoryLoader::new()
            .with("n.duly", NATIONAL)
            .with("l.duly", format!("import \"n.duly\"\n{local}")),
        &[std::path::PathBuf::from("l.duly")],
        &CheckOptions::default(),
    );
    let codes: Vec<_> = checked.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["extend-clause"], "{:#?}", checked.diagnostics);
}
