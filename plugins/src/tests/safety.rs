//! The sandbox: what a script cannot do, the limits that stop it, and the
//! errors that say so without a child's details.

use super::*;

/// The hook error a script gives on the first event of the referral.
fn first_error(body: &str) -> String {
    let text = format!(
        "const WATCH_EVENTS = [\"referral started\"];\nfn on_event(case, event) {{\n{body}\n}}\n"
    );
    let state = run(&text, REFERRAL, "2024-04-30");
    assert!(state.actions.is_empty(), "{:?}", actions(&state));
    let errors = errors(&state);
    assert_eq!(errors.len(), 1, "{errors:?}");
    errors[0].clone()
}

#[test]
fn a_loop_that_never_ends_is_stopped_and_every_other_case_goes_on() {
    let text = r#"
        const WATCH_EVENTS = ["referral started"];
        fn on_event(case, event) {
            let turns = 0;
            if case.id == "C1" {
                loop { turns += 1; }
            }
            flag("seen", "every other case goes on");
        }
    "#;
    let events = format!(
        "{REFERRAL}{}",
        REFERRAL.replace("C1", "C2").replace("\"e-", "\"c2-")
    );
    // A generous wall clock, so that the operations limit is what stops it
    // however slow the machine.
    let sandbox = Arc::new(Sandbox::new(Limits {
        wall_time: Duration::from_secs(60),
        ..Limits::default()
    }));
    let engine = engine_for(&NATIONAL, &[script_in(text, sandbox)]);
    let states = run_all(&engine, &events, "2024-04-30");
    assert_eq!(
        errors(&states[0]),
        [
            "plugin `t` failed in `on_event` for case `C1`: stopped after 100000 operations: look for a loop that never ends"
        ]
    );
    assert_eq!(states[0].deadlines.len(), 2);
    assert_eq!(actions(&states[1]).len(), 1);
    assert!(states[1].hook_errors.is_empty());
}

#[test]
fn a_call_that_runs_too_long_is_stopped_by_the_wall_clock() {
    // No limit on operations here: only the clock stops it.
    let sandbox = Arc::new(Sandbox::new(Limits {
        max_operations: 0,
        wall_time: Duration::from_millis(20),
        ..Limits::default()
    }));
    let text = "const WATCH_EVENTS = [\"referral started\"];\nfn on_event(case, event) {\n  let turns = 0;\n  loop { turns += 1; }\n}\n";
    let engine = engine_for(&NATIONAL, &[script_in(text, sandbox)]);
    let states = run_all(&engine, REFERRAL, "2024-04-30");
    assert_eq!(
        errors(&states[0]),
        [
            "plugin `t` failed in `on_event` for case `C1`: stopped after 20 ms: look for a loop that never ends, or work that grows too large"
        ]
    );
}

#[test]
fn calls_too_deep_are_stopped() {
    let error = first_error("  deeper(0)\n}\nfn deeper(n) {\n  deeper(n + 1)");
    assert!(
        error.contains("stopped: functions called each other more than 16 deep"),
        "{error}"
    );
}

#[test]
fn texts_lists_and_maps_cannot_grow_past_their_limits() {
    let text = first_error("  let s = \"x\";\n  loop { s += s; }");
    assert!(
        text.ends_with("stopped: a text grew past 10000 bytes"),
        "{text}"
    );
    let list = first_error("  let a = [];\n  loop { a.push(1); }");
    assert!(
        list.contains("stopped: a list grew past 1000 items"),
        "{list}"
    );
    let map = first_error("  let m = #{};\n  let i = 0;\n  loop { m.set(\"k\" + i, 1); i += 1; }");
    assert!(
        map.contains("stopped: a map grew past 200 entries"),
        "{map}"
    );
    // rhai does not measure a map grown by `m[k] = v`: the operations
    // limit (or, in a slow debug build, the wall clock) bounds it all the
    // same, at a few thousand entries.
    let map = first_error("  let m = #{};\n  let i = 0;\n  loop { m[\"k\" + i] = 1; i += 1; }");
    assert!(map.contains("stopped after"), "{map}");
}

#[test]
fn expressions_nested_too_deeply_are_refused_when_compiled() {
    let deep = format!(
        "fn on_daily(case) {{ let x = {}1{}; }}",
        "(".repeat(200),
        ")".repeat(200)
    );
    assert!(refused(&deep).contains("the expression is nested too deeply"));
}

#[test]
fn too_many_variables_are_stopped() {
    let body: String = (0..210).map(|i| format!("  let v{i} = {i};\n")).collect();
    let error = first_error(&body);
    assert!(
        error.contains("stopped: more than 200 variables at once"),
        "{error}"
    );
}

#[test]
fn too_many_actions_in_one_call_are_stopped() {
    let error = first_error("  loop { note(\"again\"); }");
    assert!(
        error.contains("more than 20 actions in one call"),
        "{error}"
    );
}

#[test]
fn no_file_network_process_environment_or_clock() {
    for call in [
        "open(\"/etc/passwd\")",
        "read_file(\"/etc/passwd\")",
        "write_file(\"x\", \"y\")",
        "http_get(\"http://example.invalid\")",
        "system(\"ls\")",
        "command(\"ls\")",
        "env(\"HOME\")",
        "timestamp()",
        "sleep(10)",
        "exit()",
        "parse_json(\"{}\")",
    ] {
        let error = first_error(&format!("  {call};"));
        assert!(error.contains("no function"), "{call}: {error}");
    }
}

#[test]
fn no_code_from_text_no_imports_and_no_output() {
    assert!(
        refused("fn on_event(case, event) { eval(\"1 + 1\") }")
            .contains("`eval` is switched off in plugins")
    );
    assert!(
        refused("import \"other\" as other;\nfn on_daily(case) { }")
            .contains("`import` is switched off in plugins")
    );
    assert!(
        refused("fn on_daily(case) { print(case.facts.name) }")
            .contains("`print` is switched off in plugins")
    );
    assert!(
        refused("fn on_daily(case) { debug(case) }").contains("`debug` is switched off in plugins")
    );
    // Not through a function pointer either.
    let error = first_error("  Fn(\"eval\").call(\"1 + 1\");");
    assert!(!error.contains("2"), "{error}");
    let error = first_error("  call(Fn(\"print\"), \"x\");");
    assert!(error.contains("failed"), "{error}");
}

#[test]
fn error_messages_never_carry_a_childs_details() {
    // The worker W1, the date of birth and the age are the case's.
    for body in [
        "  throw case.facts.worker;",
        "  throw `${case.facts.date_of_birth}`;",
        "  let x = 10 / (case.age - 2);",
        "  let m = #{}; m[case.facts.worker]",
        "  let a = [1, 2]; a[case.age * 1000]",
        "  case.facts.worker.foo()",
        "  case.facts.date_of_birth - 1",
    ] {
        let error = first_error(body);
        for secret in ["W1", "2021", "06-15", "2000"] {
            assert!(!error.contains(secret), "{body}: {error}");
        }
    }
    assert!(first_error("  throw case.facts.worker;").contains("the script stopped with `throw`"));
}

#[test]
fn print_is_refused_with_the_line_column_and_what_to_do() {
    insta::assert_snapshot!(refused(
        "// A rule that prints.\nfn on_event(case, event) {\n    print(case.facts.worker);\n}\n"
    ), @r#"
    plugin-syntax

      x `print` is switched off in plugins
       ,-[t.rhai:3:5]
     2 | fn on_event(case, event) {
     3 |     print(case.facts.worker);
       :     ^^|^^
       :       `-- not allowed
     4 | }
       `----
      help: what a script prints could put a child's details into logs; to say something on the case,
            use `note("…")`
    "#);
}

#[test]
fn a_syntax_error_points_into_the_script() {
    insta::assert_snapshot!(refused(
        "fn on_event(case, event) {\n    fi case.age < 5 {\n        flag(\"under_5\", \"young\");\n    }\n}\n"
    ), @r#"
    plugin-syntax

      x unknown name `fi`
       ,-[t.rhai:2:5]
     1 | fn on_event(case, event) {
     2 |     fi case.age < 5 {
       :     ^|
       :      `-- not declared
     3 |         flag("under_5", "young");
       `----
      help: declare it with `let` before using it; a hook sees only its own parameters, what it
            declares and Duly's functions
    "#);
}

#[test]
fn a_misspelt_name_of_the_case_is_refused_when_compiled() {
    let text = "fn on_event(case, event) {\n    if case.histroy.referals_last_12_months >= 2 { }\n    if case.history.referals_last_12_months >= 2 { }\n}\n";
    let errors = refused(text);
    assert!(errors.contains("`case` has no `histroy`"), "{errors}");
    assert!(errors.contains("did you mean `history`?"), "{errors}");
    assert!(
        errors.contains("`history` has no `referals_last_12_months`"),
        "{errors}"
    );
    assert!(
        errors.contains("did you mean `referrals_last_12_months`?"),
        "{errors}"
    );
}

#[test]
fn a_condition_not_written_as_a_list_is_refused_not_ignored() {
    // Ignored, the plugin would act for children of every age.
    let errors = refused("const ONLY_WHEN = \"age < 5\";\nfn on_event(case, event) { }\n");
    assert!(
        errors.contains("`ONLY_WHEN` must be a constant list of texts"),
        "{errors}"
    );
    let errors = refused("const ONLY_WHEN = [\"age under 5\"];\nfn on_event(case, event) { }\n");
    assert!(
        errors.contains("cannot read the condition `age under 5` in `ONLY_WHEN`"),
        "{errors}"
    );
}
