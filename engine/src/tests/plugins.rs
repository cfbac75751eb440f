//! The plugin plumbing, with Rust test doubles in place of scripts.

use super::rules::{as_of, events, rule_set};
use crate::plugin::{CaseView, DailyResult, EventView, Hook, HookResult, NextDaily, content_hash};
use crate::{Deadline, Engine, Plugin, PluginAction, Status};
use duly_calendar::Unit;
use duly_events::Action;
use jiff::civil::Date;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Escalator {
    hash: String,
    daily_calls: AtomicUsize,
    daily: Option<NextDaily>,
}

impl Escalator {
    fn new(daily: Option<NextDaily>) -> Escalator {
        Escalator {
            hash: content_hash("escalate v1"),
            daily_calls: AtomicUsize::new(0),
            daily,
        }
    }
}

impl Plugin for Escalator {
    fn name(&self) -> &str {
        "escalate"
    }

    fn content_hash(&self) -> &str {
        &self.hash
    }

    fn has_hook(&self, hook: Hook) -> bool {
        hook != Hook::Daily || self.daily.is_some()
    }

    fn on_event(&self, case: &CaseView<'_>, event: &EventView<'_>) -> HookResult {
        if event.step == Some("referral")
            && event.action == Action::Start
            && case.history().referrals_last_12_months >= 2
        {
            return Ok(vec![PluginAction::Require {
                step: "strategy_discussion".into(),
                count: 2,
                unit: Unit::WorkingDays,
                reason: "re-referral within 12 months".into(),
            }]);
        }
        Ok(Vec::new())
    }

    fn on_approaching(&self, _case: &CaseView<'_>, deadline: &Deadline) -> HookResult {
        Ok(vec![PluginAction::Flag {
            name: format!("{}_approaching", deadline.step),
            reason: String::new(),
        }])
    }

    fn on_breach(&self, case: &CaseView<'_>, deadline: &Deadline) -> HookResult {
        assert_eq!(deadline.status, Status::Overdue);
        Ok(vec![PluginAction::Escalate {
            to: "team_manager".into(),
            reason: format!("{} overdue on {}", deadline.step, case.today()),
        }])
    }

    fn on_daily(&self, _case: &CaseView<'_>, _day: Date) -> DailyResult {
        self.daily_calls.fetch_add(1, Ordering::Relaxed);
        Ok((Vec::new(), self.daily.unwrap_or(NextDaily::Tomorrow)))
    }
}

struct Broken;

impl Plugin for Broken {
    fn name(&self) -> &str {
        "broken"
    }

    fn content_hash(&self) -> &str {
        "0"
    }

    fn on_event(&self, _case: &CaseView<'_>, _event: &EventView<'_>) -> HookResult {
        Err("the script ran too long".into())
    }
}

fn engine_with(plugin: Arc<dyn Plugin>) -> Engine {
    Engine::new(rule_set(&["escalate", "broken"]))
        .unwrap()
        .with_plugin(plugin)
}

const TEXT: &str = "
    e-1 2019-04-01 referral start
    e-2 2019-04-02 referral complete assessment
    e-3 2019-06-20 case_closure complete nfa
    e-4 2019-07-01 referral start
";

#[test]
fn breaches_and_warnings_call_their_hooks_at_the_replay_moment() {
    let engine = engine_with(Arc::new(Escalator::new(None)));
    let state = engine.replay("C1", events("C1", TEXT), as_of("2019-07-31"));
    let actions: Vec<(Hook, String, String)> = state
        .actions
        .iter()
        .map(|a| {
            (
                a.hook,
                a.at.to_string(),
                serde_json::to_string(&a.action).unwrap(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            // Referral 1 was met; the assessment warns from 23 May, 10 working
            // days before 7 June, and breaches when 7 June ends (BST).
            (
                Hook::Approaching,
                "2019-05-22T23:00:00Z".into(),
                r#"{"action":"flag","name":"assessment_approaching","reason":""}"#.into()
            ),
            (
                Hook::Breach,
                "2019-06-07T23:00:00Z".into(),
                r#"{"action":"escalate","to":"team_manager","reason":"assessment overdue on 2019-06-08"}"#.into()
            ),
            // The second referral is the second in 12 months.
            (
                Hook::Event,
                "2019-06-30T23:00:00Z".into(),
                r#"{"action":"require","step":"strategy_discussion","count":2,"unit":"working_days","reason":"re-referral within 12 months"}"#.into()
            ),
            (
                Hook::Breach,
                "2019-07-02T23:00:00Z".into(),
                r#"{"action":"escalate","to":"team_manager","reason":"referral overdue on 2019-07-03"}"#.into()
            ),
            (
                Hook::Breach,
                "2019-07-03T23:00:00Z".into(),
                r#"{"action":"escalate","to":"team_manager","reason":"strategy_discussion overdue on 2019-07-04"}"#.into()
            ),
        ]
    );
    assert!(
        state
            .actions
            .iter()
            .all(|a| a.plugin == "escalate" && a.hash == content_hash("escalate v1"))
    );
    // The required discussion is tracked like a statutory deadline, marked local.
    let required = state
        .deadlines
        .iter()
        .find(|d| &*d.step == "strategy_discussion")
        .unwrap();
    assert!(required.local);
    assert_eq!(required.due.to_string(), "2019-07-03");
    assert_eq!(required.status, Status::Overdue);
    assert!(
        required
            .explanation
            .contains("plugin `escalate` required it"),
        "{}",
        required.explanation
    );
    // A replay gives the same actions.
    let again = engine.replay("C1", events("C1", TEXT), as_of("2019-07-31"));
    assert_eq!(state.actions, again.actions);
}

fn daily_calls(next: Option<NextDaily>, as_of_day: &str) -> usize {
    let plugin = Arc::new(Escalator::new(next));
    engine_with(plugin.clone()).replay("C1", events("C1", TEXT), as_of(as_of_day));
    plugin.daily_calls.load(Ordering::Relaxed)
}

#[test]
fn the_daily_hook_runs_once_a_day_only_when_a_plugin_has_one() {
    // 1 to 30 April, from the first event.
    assert_eq!(daily_calls(Some(NextDaily::Tomorrow), "2019-04-30"), 30);
    assert_eq!(daily_calls(None, "2019-04-30"), 0);
}

#[test]
fn the_daily_hook_sleeps_until_the_next_event_or_the_day_it_asked_for() {
    // Only the days of events: 1 and 2 April, 20 June, 1 July.
    assert_eq!(
        daily_calls(Some(NextDaily::AfterNextEvent), "2019-04-30"),
        2
    );
    assert_eq!(
        daily_calls(Some(NextDaily::AfterNextEvent), "2019-07-31"),
        4
    );
    // Asked for 10 June on 1 April: not called for the event of 2 April,
    // then called on 10 June.
    let june = NextDaily::On("2019-06-10".parse().unwrap());
    assert_eq!(daily_calls(Some(june), "2019-06-09"), 1);
    assert_eq!(daily_calls(Some(june), "2019-06-10"), 2);
    // A day already past means tomorrow: from 10 June on, every day.
    assert_eq!(daily_calls(Some(june), "2019-06-15"), 7);
    let past = NextDaily::On("2019-01-01".parse().unwrap());
    assert_eq!(daily_calls(Some(past), "2019-04-30"), 30);
}

#[test]
fn a_failing_hook_is_reported_and_the_replay_goes_on() {
    let engine = engine_with(Arc::new(Broken));
    let state = engine.replay("C1", events("C1", TEXT), as_of("2019-07-31"));
    assert_eq!(state.hook_errors.len(), 4);
    let error = &state.hook_errors[0];
    assert_eq!(
        (error.plugin.as_str(), error.hook, error.case.as_str()),
        ("broken", Hook::Event, "C1")
    );
    assert_eq!(error.message, "the script ran too long");
    assert_eq!(state.deadlines.len(), 3);
}

fn scenario_outcome(engine: &Engine, expectations: &str) -> Vec<String> {
    let text = format!(
        r#"description = "plugin actions"
as_of = "2019-07-31"
events = """
{{"id": "e-1", "case": "C1", "at": "2019-04-01", "step": "referral", "action": "start"}}
{{"id": "e-2", "case": "C1", "at": "2019-04-02", "step": "referral", "action": "complete", "outcome": "assessment"}}
{{"id": "e-3", "case": "C1", "at": "2019-06-20", "step": "case_closure", "action": "complete", "outcome": "nfa"}}
{{"id": "e-4", "case": "C1", "at": "2019-07-01", "step": "referral", "action": "start"}}
"""
{expectations}"#
    );
    let scenario = crate::scenario::Scenario::parse(&text).unwrap();
    let outcome = scenario
        .run(engine, scenario.events.as_deref().unwrap())
        .unwrap();
    outcome.failures
}

#[test]
fn scenarios_expect_actions_and_their_absence() {
    let engine = engine_with(Arc::new(Escalator::new(None)));
    let passing = r#"
[[action]]
plugin = "escalate"
kind = "escalate"
to = "team_manager"
at = "2019-06-08"
hook = "on_breach"
reason_contains = "assessment overdue"
count = 1

[[action]]
kind = "require"
name = "strategy_discussion"
at = "2019-07-01T00:00:00+01:00"

[[no_action]]
to = "head_of_service"
"#;
    assert_eq!(scenario_outcome(&engine, passing), Vec::<String>::new());
    let failing = r#"
exhaustive_actions = true

[[action]]
kind = "flag"
name = "management_review"
at = "2019-07-01"

[[no_action]]
plugin = "escalate"
kind = "escalate"
at = "2019-07-03"
"#;
    let failures = scenario_outcome(&engine, failing);
    assert_eq!(
        failures[0],
        "expected a flag `management_review` on 2019-07-01, found 0; got: flag `assessment_approaching` by plugin `escalate` on 2019-05-23 (on_approaching) (case `C1`); escalate to `team_manager` by plugin `escalate` on 2019-06-08 (on_breach): assessment overdue on 2019-06-08 (case `C1`); require `strategy_discussion` by plugin `escalate` on 2019-07-01 (on_event): re-referral within 12 months (case `C1`); escalate to `team_manager` by plugin `escalate` on 2019-07-03 (on_breach): referral overdue on 2019-07-03 (case `C1`); escalate to `team_manager` by plugin `escalate` on 2019-07-04 (on_breach): strategy_discussion overdue on 2019-07-04 (case `C1`)"
    );
    assert_eq!(
        failures[1],
        "expected no escalation by plugin `escalate` on 2019-07-03, got: escalate to `team_manager` by plugin `escalate` on 2019-07-03 (on_breach): referral overdue on 2019-07-03 (case `C1`)"
    );
    // Every action unlisted is a failure too.
    assert_eq!(failures.len(), 2 + 5);
    assert!(
        failures[2].starts_with("unexpected action of case `C1`: flag `assessment_approaching`")
    );
}

#[test]
fn a_failing_hook_fails_the_scenario_unless_expected() {
    let engine = engine_with(Arc::new(Broken));
    let failures = scenario_outcome(&engine, "");
    assert_eq!(failures.len(), 4);
    assert_eq!(
        failures[0],
        "plugin `broken` failed in `on_event` for case `C1`: the script ran too long; fix the plugin, or add a `[[plugin_error]]` if it should fail"
    );
    let expected = "[[plugin_error]]\nplugin = \"broken\"\nhook = \"on_event\"\nmessage_contains = \"too long\"\n";
    assert_eq!(scenario_outcome(&engine, expected), Vec::<String>::new());
    let wrong = "[[plugin_error]]\nplugin = \"broken\"\nhook = \"on_daily\"\n";
    let failures = scenario_outcome(&engine, wrong);
    assert!(
        failures[0].starts_with("expected a plugin error of `broken` in `on_daily`; plugin errors: plugin `broken` failed in `on_event`"),
        "{}",
        failures[0]
    );
}

#[test]
fn an_unknown_field_in_an_action_table_is_refused() {
    let text =
        "description = \"x\"\nas_of = \"2019-07-31\"\nevents = \"\"\n\n[[action]]\nplugn = \"x\"\n";
    let error = crate::scenario::Scenario::parse(text).unwrap_err();
    assert!(error.message.contains("plugn"), "{}", error.message);
}
