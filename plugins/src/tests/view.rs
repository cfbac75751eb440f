//! What a script sees: the case, the event, dates on the case's calendar,
//! and when `on_daily` is called.

use super::*;

/// The reasons (and notes) of a case's actions, in order.
fn said(state: &CaseState) -> Vec<String> {
    assert!(state.hook_errors.is_empty(), "{:?}", errors(state));
    state
        .actions
        .iter()
        .map(|a| a.action.reason().to_owned())
        .collect()
}

#[test]
fn facts_age_and_unknown_values() {
    let text = r#"
        const WATCH_EVENTS = ["referral started"];
        fn on_event(case, event) {
            if case.age < 5 { note("under 5: " + case.age); }
            if case.age >= 5 { note("5 or over"); }
            if case.facts.missing == () && !(case.facts.missing < 3) && !(case.facts.missing >= 3) {
                note("an unknown fact compares false");
            }
            if case.facts["worker"] == "W1" && event.facts.worker == "W1"
                && event.records("worker") && event.changed("worker") && !event.changed("team") {
                note("worker W1, newly recorded");
            }
            note(event.id + " " + event.step + " " + event.action + " " + event.date + " " + event.outcome);
        }
    "#;
    assert_eq!(
        said(&run(text, REFERRAL, "2024-04-30")),
        [
            "under 5: 2",
            "an unknown fact compares false",
            "worker W1, newly recorded",
            "e-1 referral start 2024-04-01"
        ]
    );
    // No date of birth: neither under 5 nor 5 or over.
    let no_birth = REFERRAL.replace("\"date_of_birth\":\"2021-06-15\",", "");
    assert_eq!(
        said(&run(text, &no_birth, "2024-04-30"))[0],
        "an unknown fact compares false"
    );
}

#[test]
fn dates_count_on_the_case_calendar() {
    let text = r#"
        const WATCH_EVENTS = ["referral started"];
        fn on_event(case, event) {
            let icpc = date("2024-12-20");
            note("5 working days on: " + add_working_days(icpc, 5));
            note("back 2: " + add_working_days(date("2025-01-02"), -2));
            note("between: " + working_days_between(icpc, date("2025-01-06")));
            note("27 Dec working: " + is_working_day(date("2024-12-27")));
            note("months: " + add_months(date("2024-01-31"), 1) + " " + months_between(date("2024-01-15"), date("2024-04-14")));
            note("days: " + days_between(icpc, date("2025-01-06")) + " " + add_weeks(icpc, 6) + " " + add_days(icpc, -1) + " " + add_years(icpc, 1));
            note("today: " + today() + " " + today().weekday + " " + (today() < icpc) + " " + today().year);
        }
    "#;
    let events = REFERRAL.replace("2024-04-01", "2024-12-10");
    let council = rules("rules/local/example-council");
    let engine = engine_for(&council, &[script(text)]);
    let states = run_all(&engine, &events, "2024-12-31");
    assert_eq!(
        said(&states[0]),
        [
            // Christmas Day, Boxing Day, the council's closures 27, 30, 31
            // December, and New Year's Day are not working days.
            "5 working days on: 2025-01-06",
            "back 2: 2024-12-23",
            "between: 5",
            "27 Dec working: false",
            "months: 2024-02-29 2",
            "days: 17 2025-01-31 2024-12-19 2025-12-20",
            "today: 2024-12-10 Tuesday true 2024",
        ]
    );
    // On the national calendar, 27 December 2024 is a working day.
    let national = run(text, &events, "2024-12-31");
    assert_eq!(said(&national)[3], "27 Dec working: true");
}

const HISTORY: &str = r#"{"id":"e-1","case":"C1","at":"2024-04-01","step":"referral","action":"start","facts":{"worker":"W1"}}
{"id":"e-2","case":"C1","at":"2024-04-02","step":"referral","action":"complete","outcome":"assessment"}
{"id":"e-3","case":"C1","at":"2024-04-20","action":"record","facts":{"worker":"W2"}}
{"id":"e-4","case":"C1","at":"2024-05-10","step":"assessment","action":"complete","outcome":"nfa"}
{"id":"e-5","case":"C1","at":"2024-05-10","step":"case_closure","action":"complete","outcome":"nfa"}
{"id":"e-6","case":"C1","at":"2024-06-03","step":"referral","action":"start","facts":{"worker":"W3"}}
"#;

#[test]
fn step_times_history_and_deadlines() {
    let text = r#"
        const WATCH_EVENTS = ["referral started"];
        fn on_event(case, event) {
            note("referral started " + case.started("referral") + ", completed " + case.completed("referral")
                + ", assessment open " + case.is_open("assessment") + ", closures " + case.completions("case_closure").len()
                + ", cp_plan " + case.started("cp_plan"));
            let h = case.history;
            note("referrals " + h.referrals_last_12_months + ", worker changes " + h.worker_changes_last_12_months
                + ", last visit " + h.days_since_last_visit);
            let open = [];
            for d in case.deadlines { if d.status == "open" { open.push(d.step + " " + d.due); } }
            note("open deadlines " + open + ", open steps " + case.open_steps);
            let step = "assessment";
            note("by name " + case.is_open(step) + " " + case.completed(step));
        }
    "#;
    let state = run(text, HISTORY, "2024-06-30");
    assert_eq!(
        said(&state)[4..],
        [
            "referral started 2024-06-03, completed 2024-04-02, assessment open false, closures 1, cp_plan",
            "referrals 2, worker changes 2, last visit",
            "open deadlines [\"referral 2024-06-04\"], open steps [\"referral\"]",
            "by name false 2024-05-10",
        ]
    );
}

/// The days `on_daily` was called on, from its notes.
fn daily_days(text: &str, events: &str, as_of: &str) -> Vec<String> {
    let state = run(text, events, as_of);
    assert!(state.hook_errors.is_empty(), "{:?}", errors(&state));
    state
        .actions
        .iter()
        .map(|a| format!("{} {}", duly_calendar::local_date(a.at), a.action.reason()))
        .collect()
}

const ASSESSMENT: &str = r#"{"id":"e-1","case":"C1","at":"2024-04-01","step":"referral","action":"start"}
{"id":"e-2","case":"C1","at":"2024-04-02","step":"referral","action":"complete","outcome":"assessment"}
{"id":"e-3","case":"C1","at":"2024-04-10","action":"record","facts":{"team":"North"}}
{"id":"e-4","case":"C1","at":"2024-06-10","step":"assessment","action":"complete","outcome":"nfa"}
"#;

#[test]
fn on_daily_runs_only_while_a_watched_step_is_open_and_sleeps_when_time_cannot_matter() {
    // Looks at nothing that changes with time: called on the days of
    // events while the assessment is open, and then not again.
    let text = r#"
        const DAILY_WHILE_OPEN = ["assessment"];
        fn on_daily(case) { note("called"); }
    "#;
    assert_eq!(
        daily_days(text, ASSESSMENT, "2024-06-30"),
        ["2024-04-02 called", "2024-04-10 called"]
    );
}

#[test]
fn on_daily_runs_every_day_it_looks_at_time_unless_it_says_when() {
    let every_day = r#"
        const DAILY_WHILE_OPEN = ["assessment"];
        fn on_daily(case) {
            if today() == add_working_days(case.started("referral"), 35) {
                escalate("team_manager", "assessment still open at 35 working days");
            }
        }
    "#;
    assert_eq!(
        daily_days(every_day, ASSESSMENT, "2024-06-30"),
        ["2024-05-21 assessment still open at 35 working days"]
    );
    // The same, asking to be called on the day that matters: the same
    // escalation, from two calls instead of thirty-five (the event of 10
    // April does not call it: it has said when it next matters).
    let when = r#"
        const DAILY_WHILE_OPEN = ["assessment"];
        fn on_daily(case) {
            note("called");
            let day_35 = add_working_days(case.started("referral"), 35);
            if today() == day_35 {
                escalate("team_manager", "assessment still open at 35 working days");
            }
            if today() < day_35 {
                check_again_on(day_35);
            } else {
                check_again_after_next_event();
            }
        }
    "#;
    assert_eq!(
        daily_days(when, ASSESSMENT, "2024-06-30"),
        [
            "2024-04-02 called",
            "2024-05-21 called",
            "2024-05-21 assessment still open at 35 working days",
        ]
    );
}

#[test]
fn any_hook_can_set_a_timer_for_on_daily() {
    // on_daily runs only on the days asked for: here, 10 working days after
    // the referral, asked for by on_event.
    let text = r#"
        const WATCH_EVENTS = ["referral started"];
        const DAILY_ONLY_WHEN_ASKED = true;
        fn on_event(case, event) {
            check_again_on(add_working_days(event.date, 10));
        }
        fn on_daily(case) {
            note("called, assessment open " + case.is_open("assessment"));
        }
    "#;
    assert_eq!(
        daily_days(text, ASSESSMENT, "2024-06-30"),
        ["2024-04-15 called, assessment open true"]
    );
}

#[test]
fn watched_deadlines_only_call_on_breach() {
    let text = r#"
        const WATCH_DEADLINES = ["assessment"];
        fn on_breach(case, deadline) { note(deadline.step + " " + deadline.due); }
    "#;
    // The referral decision (due 2 April) was made; the assessment (due 5
    // June) was late. Without the constant, both would call it.
    let late_referral = ASSESSMENT.replace(
        r#"{"id":"e-2","case":"C1","at":"2024-04-02""#,
        r#"{"id":"e-2","case":"C1","at":"2024-04-05""#,
    );
    assert_eq!(
        daily_days(text, &late_referral, "2024-06-30"),
        ["2024-06-06 assessment 2024-06-05"]
    );
    let everything = text.replace("const WATCH_DEADLINES = [\"assessment\"];", "");
    assert_eq!(
        daily_days(&everything, &late_referral, "2024-06-30"),
        [
            "2024-04-03 referral 2024-04-02",
            "2024-06-06 assessment 2024-06-05"
        ]
    );
}
