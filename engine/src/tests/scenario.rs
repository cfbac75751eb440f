//! The scenario runner, on the hand-built rules.

use super::rules::engine;
use crate::scenario::Scenario;

const SCENARIO: &str = r#"
description = "ICPC over Easter"
as_of = "2019-06-10"
exhaustive = true
events = """
{"id": "e-1", "case": "C1", "at": "2019-04-01", "step": "referral", "action": "start"}
{"id": "e-2", "case": "C1", "at": "2019-04-02", "step": "referral", "action": "complete", "outcome": "strategy_discussion"}
{"id": "e-3", "case": "C1", "at": "2019-04-12", "step": "strategy_discussion", "action": "complete", "outcome": "s47"}
{"id": "e-4", "case": "C1", "at": "2019-04-15", "step": "s47_enquiry", "action": "complete", "outcome": "icpc"}
{"id": "e-5", "case": "C1", "at": "2019-04-16", "step": "icpcc", "action": "complete"}
"""

[[expect]]
step = "referral"
due = "2019-04-02"
status = "met"

[[expect]]
step = "assessment"
due = "2019-06-07"
status = "overdue"
late_working_days = 1

[[expect]]
step = "icpc"
due = "2019-05-08"
status = "overdue"
completed = "none"
explanation_contains = ["Good Friday 19 Apr", "(event e-3)"]

[[absent]]
step = "icpc"
occurrence = 2

[[error]]
line = 5
field = "step"
message_contains = "did you mean `icpc`?"

[[episode]]
workflow = "safeguarding"
number = 1
started = "2019-04-01"
ended = "none"
version = "2018.1"
"#;

#[test]
fn a_scenario_that_holds_passes() {
    let scenario = Scenario::parse(SCENARIO).unwrap();
    let outcome = scenario
        .run(&engine(), scenario.events.as_deref().unwrap())
        .unwrap();
    assert!(outcome.passed(), "{:#?}", outcome.failures);
}

#[test]
fn a_failing_scenario_says_what_was_expected_and_what_came() {
    let text = SCENARIO
        .replace(r#"due = "2019-05-08""#, r#"due = "2019-05-09""#)
        .replace("late_working_days = 1", "late_working_days = 2")
        .replace(
            r#"[[expect]]
step = "referral""#,
            r#"[[expect]]
step = "cp_plan""#,
        )
        .replace("line = 5", "line = 4");
    let scenario = Scenario::parse(&text).unwrap();
    let outcome = scenario
        .run(&engine(), scenario.events.as_deref().unwrap())
        .unwrap();
    assert_eq!(
        outcome.failures,
        [
            "`cp_plan` occurrence 1 of case `C1`: expected a deadline, found none (deadlines: referral 1, assessment 1, icpc 1)",
            "`assessment` occurrence 1 of case `C1`: expected late_working_days 2, got 1",
            "`icpc` occurrence 1 of case `C1`: expected due 2019-05-09, got 2019-05-08",
            "expected an error on line 4 about `step` saying `did you mean `icpc`?`; errors: line 5: unknown step `icpcc`: did you mean `icpc`?",
            "unexpected deadline `referral` occurrence 1 of case `C1` (due 2019-04-02, met): list it, or remove `exhaustive = true`",
        ]
    );
}

#[test]
fn a_wrong_scenario_file_is_explained() {
    let error =
        Scenario::parse("description = \"x\"\nas_of = \"2019-13-01\"\nevents = \"\"").unwrap_err();
    assert_eq!(
        error.message,
        "`as_of` is not a date: found `2019-13-01`; write `YYYY-MM-DD`"
    );
    let error =
        Scenario::parse("description = \"x\"\nas_of = \"2019-01-01\"\nevents = \"\"\nexpected = 1")
            .unwrap_err();
    assert!(
        error.message.contains("unknown field `expected`"),
        "{}",
        error.message
    );
    assert!(error.message.ends_with("(line 4)"), "{}", error.message);
}
