//! Rule scenarios: events in, expected deadlines out, as of a date.
//!
//! Policy leads write scenarios beside the rules they test (`duly test DIR`
//! runs every `*.toml` file below `DIR`); the engine's own corpus
//! uses the same format. A scenario is a TOML file:
//!
//! ```toml
//! description = "the ICPC is due 15 working days after the strategy discussion, over Easter"
//! rules = ".."                 # rule folder or file, relative to this file (default: the folder above)
//! as_of = "2019-06-10"         # judged as of the end of this day
//! exhaustive = true            # every deadline must be listed below (default false)
//! events = """
//! {"id": "e-1", "case": "C1", "at": "2019-04-01", "step": "referral", "action": "start"}
//! {"id": "e-2", "case": "C1", "at": "2019-04-02", "step": "referral", "action": "complete", "outcome": "strategy_discussion"}
//! """
//! # or: events_file = "icpc.jsonl"  (relative to this file)
//!
//! [[expect]]
//! step = "icpc"                # case = "C1" when the events have several cases
//! occurrence = 1               # default 1
//! due = "2019-05-08"           # a date, or an RFC 3339 date-time for hours
//! status = "met"               # met, late, open, overdue, cancelled
//! completed = "2019-05-07"     # optional, like every field below
//! late_working_days = 0        # or late_hours
//! approaching = false
//! local = false
//! explanation_contains = ["Good Friday 19 Apr"]
//!
//! [[absent]]                   # no deadline for this occurrence
//! step = "icpc"
//! occurrence = 2
//!
//! [[error]]                    # an event the engine must refuse
//! line = 3
//! field = "step"
//! message_contains = "did you mean `referral`?"
//!
//! [[note]]
//! contains = "no `placement` started"
//!
//! [[episode]]
//! workflow = "safeguarding"
//! number = 2
//! started = "2019-07-01"
//! ended = "none"               # or a date
//!
//! [[action]]                   # a plugin's action (every field optional)
//! plugin = "re_referral"
//! kind = "flag"                # flag, escalate, require, note
//! name = "management_review"   # a flag's name, or the step a `require` opens
//! to = "team_manager"          # whom an escalation goes to
//! at = "2024-05-01"            # the day it acted (or an RFC 3339 moment)
//! hook = "on_event"
//! reason_contains = "re-referral"
//! count = 1                    # exactly this many such actions (default: at least one)
//!
//! [[no_action]]                # no such action (the same fields)
//! plugin = "cp_visits"
//! to = "head_of_service"
//!
//! [[plugin_error]]             # a hook that must fail
//! plugin = "broken"
//! message_contains = "stopped after"
//! ```
//!
//! Line numbers count the lines of the events text (or file) from 1.
//! Failures say what was expected and what the engine gave, in plain words.
//! A plugin hook that fails is a failure of the scenario unless a
//! `[[plugin_error]]` expects it. With `exhaustive_actions = true`, an
//! action no `[[action]]` matches is a failure too. Each kind of
//! expectation is a table and an [`Expectation`] implementation.

use crate::plugin::{ActionRecord, HookError, moment_text};
use crate::{AsOf, CaseState, Deadline, Engine, Lateness, RunOptions};
use duly_events::EventError;
use jiff::civil::Date;
use serde::Deserialize;
use std::fmt::Write as _;

/// A scenario file, as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// What it checks, in plain words.
    pub description: String,
    /// The rules, relative to the scenario file.
    #[serde(default)]
    pub rules: Option<String>,
    /// The day it is judged as of (`YYYY-MM-DD`).
    pub as_of: String,
    /// The events, one JSON object a line.
    #[serde(default)]
    pub events: Option<String>,
    /// Or a file of events, relative to the scenario file.
    #[serde(default)]
    pub events_file: Option<String>,
    /// Whether every deadline must be listed in `expect`.
    #[serde(default)]
    pub exhaustive: bool,
    /// Deadlines expected.
    #[serde(default)]
    pub expect: Vec<ExpectDeadline>,
    /// Deadlines that must not exist.
    #[serde(default)]
    pub absent: Vec<Absent>,
    /// Events the engine must refuse.
    #[serde(default)]
    pub error: Vec<ExpectError>,
    /// Notes the engine must make.
    #[serde(default)]
    pub note: Vec<ExpectNote>,
    /// Episodes expected.
    #[serde(default)]
    pub episode: Vec<ExpectEpisode>,
    /// Plugin actions expected.
    #[serde(default)]
    pub action: Vec<ExpectAction>,
    /// Plugin actions that must not happen.
    #[serde(default)]
    pub no_action: Vec<NoAction>,
    /// Plugin hooks that must fail.
    #[serde(default)]
    pub plugin_error: Vec<ExpectPluginError>,
    /// Whether every plugin action must be matched by an `[[action]]`.
    #[serde(default)]
    pub exhaustive_actions: bool,
}

/// Which actions an `[[action]]` or `[[no_action]]` means: every field
/// given must match.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionPattern {
    /// The case; any case when not given.
    #[serde(default)]
    pub case: Option<String>,
    /// The plugin's name.
    #[serde(default)]
    pub plugin: Option<String>,
    /// `flag`, `escalate`, `require` or `note`.
    #[serde(default)]
    pub kind: Option<String>,
    /// A flag's name, or the step a `require` opens.
    #[serde(default)]
    pub name: Option<String>,
    /// Whom an escalation goes to.
    #[serde(default)]
    pub to: Option<String>,
    /// The day (`YYYY-MM-DD`) or the moment (RFC 3339, as the output
    /// writes it) it acted at.
    #[serde(default)]
    pub at: Option<String>,
    /// The hook it acted in (`on_event` …).
    #[serde(default)]
    pub hook: Option<String>,
    /// A piece of its reason (a note's text).
    #[serde(default)]
    pub reason_contains: Option<String>,
}

/// `[[action]]`: a plugin action that must happen.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectAction {
    /// Which actions.
    #[serde(flatten)]
    pub pattern: ActionPattern,
    /// Exactly how many; at least one when not given.
    #[serde(default)]
    pub count: Option<usize>,
}

/// `[[no_action]]`: a plugin action that must not happen.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoAction {
    /// Which actions.
    #[serde(flatten)]
    pub pattern: ActionPattern,
}

/// `[[plugin_error]]`: a plugin hook that must fail.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectPluginError {
    /// The case; any case when not given.
    #[serde(default)]
    pub case: Option<String>,
    /// The plugin's name.
    #[serde(default)]
    pub plugin: Option<String>,
    /// The hook (`on_event` …).
    #[serde(default)]
    pub hook: Option<String>,
    /// A piece of the message.
    #[serde(default)]
    pub message_contains: Option<String>,
}

/// `[[expect]]`: a deadline and what must be true of it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectDeadline {
    /// The case; needed only when the events have several.
    #[serde(default)]
    pub case: Option<String>,
    /// The step id.
    pub step: String,
    /// Which occurrence (default 1).
    #[serde(default = "one")]
    pub occurrence: u32,
    /// When it is due.
    #[serde(default)]
    pub due: Option<String>,
    /// Its status.
    #[serde(default)]
    pub status: Option<String>,
    /// When it was completed (`none` for not completed).
    #[serde(default)]
    pub completed: Option<String>,
    /// Working days late.
    #[serde(default)]
    pub late_working_days: Option<i64>,
    /// Hours late.
    #[serde(default)]
    pub late_hours: Option<i64>,
    /// Whether it is approaching.
    #[serde(default)]
    pub approaching: Option<bool>,
    /// Whether it is a local standard.
    #[serde(default)]
    pub local: Option<bool>,
    /// The explanation, exactly.
    #[serde(default)]
    pub explanation: Option<String>,
    /// Pieces the explanation must contain.
    #[serde(default)]
    pub explanation_contains: Vec<String>,
}

fn one() -> u32 {
    1
}

/// `[[absent]]`: a deadline that must not exist.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Absent {
    /// The case; needed only when the events have several.
    #[serde(default)]
    pub case: Option<String>,
    /// The step id.
    pub step: String,
    /// Which occurrence (default 1).
    #[serde(default = "one")]
    pub occurrence: u32,
}

/// `[[error]]`: an event the engine must refuse.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectError {
    /// The line of the events.
    pub line: usize,
    /// The field at fault.
    #[serde(default)]
    pub field: Option<String>,
    /// A piece of the message.
    #[serde(default)]
    pub message_contains: Option<String>,
}

/// `[[note]]`: a note the engine must make.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectNote {
    /// The case; needed only when the events have several.
    #[serde(default)]
    pub case: Option<String>,
    /// A piece of the note.
    pub contains: String,
}

/// `[[episode]]`: an episode of a workflow.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectEpisode {
    /// The case; needed only when the events have several.
    #[serde(default)]
    pub case: Option<String>,
    /// The workflow id.
    pub workflow: String,
    /// Which episode, from 1.
    pub number: u32,
    /// When it began.
    #[serde(default)]
    pub started: Option<String>,
    /// When it ended, or `none`.
    #[serde(default)]
    pub ended: Option<String>,
    /// The rules version it began under.
    #[serde(default)]
    pub version: Option<String>,
}

/// What is wrong with a scenario file itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ScenarioError {
    /// What is wrong and what to do.
    pub message: String,
}

impl Scenario {
    /// Reads a scenario from TOML text.
    pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        let scenario: Scenario = toml::from_str(text).map_err(|e| ScenarioError {
            message: e.message().trim_end_matches('.').to_owned()
                + &e.span()
                    .map(|span| {
                        format!(
                            " (line {})",
                            text.get(..span.start).unwrap_or(text).matches('\n').count() + 1
                        )
                    })
                    .unwrap_or_default(),
        })?;
        scenario.as_of_date()?;
        if scenario.events.is_some() == scenario.events_file.is_some() {
            return Err(ScenarioError {
                message: "give the events either inline (`events = \"\"\"…\"\"\"`) or as a file (`events_file = \"…\"`), not both or neither".into(),
            });
        }
        Ok(scenario)
    }

    fn as_of_date(&self) -> Result<Date, ScenarioError> {
        self.as_of.parse().map_err(|_| ScenarioError {
            message: format!(
                "`as_of` is not a date: found `{}`; write `YYYY-MM-DD`",
                self.as_of
            ),
        })
    }

    /// Runs the events (the text of `events` or of `events_file`) through
    /// `engine` and checks every expectation.
    pub fn run(&self, engine: &Engine, events: &str) -> Result<Outcome, ScenarioError> {
        let as_of = AsOf::end_of(self.as_of_date()?);
        let mut states = Vec::new();
        let summary = engine
            .run(
                events.as_bytes(),
                &RunOptions { as_of, case: None },
                |state| states.push(state),
            )
            .map_err(|e| ScenarioError {
                message: format!("the events could not be read: {e}"),
            })?;
        let mut errors = summary.errors;
        for state in &states {
            errors.extend(state.errors.iter().cloned());
        }
        errors.sort_by_key(|e| e.line);
        let mut outcome = Outcome {
            states,
            errors,
            failures: Vec::new(),
        };
        let checks: [&dyn Expectation; 8] = [
            &self.expect,
            &self.absent,
            &self.error,
            &self.note,
            &self.episode,
            &self.action,
            &self.no_action,
            &self.plugin_error,
        ];
        for check in checks {
            check.check(&mut outcome);
        }
        if self.exhaustive {
            let mut surprises = Vec::new();
            for state in &outcome.states {
                for deadline in &state.deadlines {
                    let listed = self.expect.iter().any(|e| {
                        *e.step == *deadline.step
                            && e.occurrence == deadline.occurrence
                            && e.case.as_deref().is_none_or(|c| c == state.case)
                    });
                    if !listed {
                        surprises.push(format!(
                            "unexpected deadline `{}` occurrence {} of case `{}` ({}): list it, or remove `exhaustive = true`",
                            deadline.step,
                            deadline.occurrence,
                            state.case,
                            describe(deadline)
                        ));
                    }
                }
            }
            outcome.failures.extend(surprises);
        }
        self.check_plugins(&mut outcome);
        Ok(outcome)
    }

    /// A hook error no `[[plugin_error]]` expects, and (with
    /// `exhaustive_actions`) an action no `[[action]]` matches, fail.
    fn check_plugins(&self, outcome: &mut Outcome) {
        let mut surprises = Vec::new();
        for state in &outcome.states {
            for error in &state.hook_errors {
                if !self.plugin_error.iter().any(|e| e.matches(error)) {
                    surprises.push(format!(
                        "{error}; fix the plugin, or add a `[[plugin_error]]` if it should fail"
                    ));
                }
            }
            if self.exhaustive_actions {
                for action in &state.actions {
                    if !self
                        .action
                        .iter()
                        .any(|e| e.pattern.matches(&state.case, action))
                    {
                        surprises.push(format!(
                            "unexpected action of case `{}`: {}; list it, or remove `exhaustive_actions = true`",
                            state.case,
                            describe_action(action)
                        ));
                    }
                }
            }
        }
        outcome.failures.extend(surprises);
    }
}

/// What a scenario run gave, and what did not match.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Each case's state, in order of case id.
    pub states: Vec<CaseState>,
    /// Every event refused, by line.
    pub errors: Vec<EventError>,
    /// What did not match, in plain words; empty when the scenario passed.
    pub failures: Vec<String>,
}

impl Outcome {
    /// Whether every expectation held.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }

    /// The state of `case`, or of the only case when `case` is `None`.
    pub fn state(&self, case: Option<&str>) -> Result<&CaseState, String> {
        match case {
            Some(case) => self
                .states
                .iter()
                .find(|s| s.case == case)
                .ok_or_else(|| format!("no events for case `{case}`")),
            None if self.states.len() == 1 => Ok(&self.states[0]),
            None if self.states.is_empty() => Err("no case has any valid event".into()),
            None => Err("the events have several cases: say which with `case = \"…\"`".into()),
        }
    }
}

/// One kind of expectation: checks an outcome and adds a failure for each
/// mismatch.
pub trait Expectation {
    /// Checks `outcome`, pushing failures onto `outcome.failures`.
    fn check(&self, outcome: &mut Outcome);
}

impl<T: Expectation> Expectation for Vec<T> {
    fn check(&self, outcome: &mut Outcome) {
        for expectation in self {
            expectation.check(outcome);
        }
    }
}

fn describe(deadline: &Deadline) -> String {
    format!("due {}, {}", deadline.due, deadline.status.as_str())
}

impl Expectation for ExpectDeadline {
    fn check(&self, outcome: &mut Outcome) {
        let state = match outcome.state(self.case.as_deref()) {
            Ok(state) => state,
            Err(problem) => {
                outcome.failures.push(format!(
                    "`{}` occurrence {}: {problem}",
                    self.step, self.occurrence
                ));
                return;
            }
        };
        let who = format!(
            "`{}` occurrence {} of case `{}`",
            self.step, self.occurrence, state.case
        );
        let Some(deadline) = state
            .deadlines
            .iter()
            .find(|d| *d.step == *self.step && d.occurrence == self.occurrence)
        else {
            let have: Vec<String> = state
                .deadlines
                .iter()
                .map(|d| format!("{} {}", d.step, d.occurrence))
                .collect();
            let mut failure = format!(
                "{who}: expected a deadline, found none (deadlines: {})",
                list(&have)
            );
            let notes: Vec<&String> = state
                .notes
                .iter()
                .filter(|n| n.contains(&format!("`{}`", self.step)))
                .collect();
            for note in notes {
                let _ = write!(failure, "; note: {note}");
            }
            outcome.failures.push(failure);
            return;
        };
        let mut problems = Vec::new();
        let mut compare = |what: &str, expected: Option<String>, got: String| {
            if let Some(expected) = expected
                && expected != got
            {
                problems.push(format!("expected {what} {expected}, got {got}"));
            }
        };
        compare("due", self.due.clone(), deadline.due.to_string());
        compare(
            "status",
            self.status.clone(),
            deadline.status.as_str().to_owned(),
        );
        compare(
            "completed",
            self.completed.clone(),
            deadline
                .completed
                .map(|c| c.to_string())
                .unwrap_or_else(|| "none".into()),
        );
        let (late_days, late_hours) = match deadline.late {
            Some(Lateness::WorkingDays(n)) => (Some(n), None),
            Some(Lateness::Hours(n)) => (None, Some(n)),
            None => (None, None),
        };
        let show = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_else(|| "none".into());
        compare(
            "late_working_days",
            self.late_working_days.map(|n| n.to_string()),
            show(late_days),
        );
        compare(
            "late_hours",
            self.late_hours.map(|n| n.to_string()),
            show(late_hours),
        );
        compare(
            "approaching",
            self.approaching.map(|b| b.to_string()),
            deadline.approaching.to_string(),
        );
        compare(
            "local",
            self.local.map(|b| b.to_string()),
            deadline.local.to_string(),
        );
        if let Some(explanation) = &self.explanation
            && *explanation != deadline.explanation
        {
            problems.push(format!(
                "expected the explanation\n      {explanation}\n    got\n      {}",
                deadline.explanation
            ));
        }
        for piece in &self.explanation_contains {
            if !deadline.explanation.contains(piece.as_str()) {
                problems.push(format!(
                    "expected the explanation to contain `{piece}`, got: {}",
                    deadline.explanation
                ));
            }
        }
        if !problems.is_empty() {
            outcome
                .failures
                .push(format!("{who}: {}", problems.join("; ")));
        }
    }
}

impl Expectation for Absent {
    fn check(&self, outcome: &mut Outcome) {
        let state = match outcome.state(self.case.as_deref()) {
            Ok(state) => state,
            Err(problem) => {
                outcome.failures.push(format!(
                    "`{}` occurrence {}: {problem}",
                    self.step, self.occurrence
                ));
                return;
            }
        };
        if let Some(deadline) = state
            .deadlines
            .iter()
            .find(|d| *d.step == *self.step && d.occurrence == self.occurrence)
        {
            outcome.failures.push(format!(
                "`{}` occurrence {} of case `{}`: expected no deadline, got one ({})",
                self.step,
                self.occurrence,
                state.case,
                describe(deadline)
            ));
        }
    }
}

impl Expectation for ExpectError {
    fn check(&self, outcome: &mut Outcome) {
        let found = outcome.errors.iter().any(|e| {
            e.line == self.line
                && self
                    .field
                    .as_ref()
                    .is_none_or(|f| e.field.as_ref() == Some(f))
                && self
                    .message_contains
                    .as_ref()
                    .is_none_or(|m| e.message.contains(m.as_str()))
        });
        if !found {
            let got: Vec<String> = outcome
                .errors
                .iter()
                .map(|e| format!("line {}: {}", e.line, e.message))
                .collect();
            let mut what = format!("expected an error on line {}", self.line);
            if let Some(field) = &self.field {
                let _ = write!(what, " about `{field}`");
            }
            if let Some(message) = &self.message_contains {
                let _ = write!(what, " saying `{message}`");
            }
            outcome
                .failures
                .push(format!("{what}; errors: {}", list(&got)));
        }
    }
}

impl Expectation for ExpectNote {
    fn check(&self, outcome: &mut Outcome) {
        match outcome.state(self.case.as_deref()) {
            Ok(state)
                if state
                    .notes
                    .iter()
                    .any(|n| n.contains(self.contains.as_str())) => {}
            Ok(state) => {
                let failure = format!(
                    "expected a note saying `{}`; notes: {}",
                    self.contains,
                    list(&state.notes)
                );
                outcome.failures.push(failure);
            }
            Err(problem) => outcome
                .failures
                .push(format!("note `{}`: {problem}", self.contains)),
        }
    }
}

impl Expectation for ExpectEpisode {
    fn check(&self, outcome: &mut Outcome) {
        let state = match outcome.state(self.case.as_deref()) {
            Ok(state) => state,
            Err(problem) => {
                outcome.failures.push(format!(
                    "episode {} of `{}`: {problem}",
                    self.number, self.workflow
                ));
                return;
            }
        };
        let who = format!(
            "episode {} of `{}` in case `{}`",
            self.number, self.workflow, state.case
        );
        let Some(episode) = state
            .episodes
            .iter()
            .find(|e| *e.workflow == *self.workflow && e.number == self.number)
        else {
            outcome
                .failures
                .push(format!("{who}: expected it, found none"));
            return;
        };
        let mut problems = Vec::new();
        if let Some(started) = &self.started
            && *started != episode.started.to_string()
        {
            problems.push(format!(
                "expected it to start {started}, got {}",
                episode.started
            ));
        }
        let ended = episode
            .ended
            .map(|e| e.to_string())
            .unwrap_or_else(|| "none".into());
        if let Some(expected) = &self.ended
            && *expected != ended
        {
            problems.push(format!("expected it to end {expected}, got {ended}"));
        }
        if let Some(version) = &self.version
            && **version != *episode.version
        {
            problems.push(format!(
                "expected rules version {version}, got {}",
                episode.version
            ));
        }
        if !problems.is_empty() {
            outcome
                .failures
                .push(format!("{who}: {}", problems.join("; ")));
        }
    }
}

impl ActionPattern {
    /// Whether `action` of case `case` is one of those meant.
    pub fn matches(&self, case: &str, action: &ActionRecord) -> bool {
        let same = |expected: &Option<String>, got: Option<&str>| {
            expected.as_deref().is_none_or(|e| Some(e) == got)
        };
        same(&self.case, Some(case))
            && same(&self.plugin, Some(&action.plugin))
            && same(&self.kind, Some(action.action.kind()))
            && same(&self.name, action.action.name())
            && same(&self.to, action.action.to())
            && same(&self.hook, Some(action.hook.name()))
            && self.at.as_deref().is_none_or(|at| {
                if at.len() == 10 {
                    duly_calendar::local_date(action.at).to_string() == at
                } else {
                    moment_text(action.at) == at
                }
            })
            && self
                .reason_contains
                .as_deref()
                .is_none_or(|r| action.action.reason().contains(r))
    }

    /// The actions meant, in plain words: ``a flag `review` by plugin `x` on 2024-05-01``.
    fn describe(&self) -> String {
        let mut text = match (&self.kind, &self.name, &self.to) {
            (Some(kind), _, Some(to)) => format!("{} to `{to}`", article(kind)),
            (None, _, Some(to)) => format!("an escalation to `{to}`"),
            (Some(kind), Some(name), None) => format!("{} `{name}`", article(kind)),
            (None, Some(name), None) => format!("an action `{name}`"),
            (Some(kind), None, None) => article(kind),
            (None, None, None) => "an action".into(),
        };
        if let Some(plugin) = &self.plugin {
            let _ = write!(text, " by plugin `{plugin}`");
        }
        if let Some(hook) = &self.hook {
            let _ = write!(text, " in `{hook}`");
        }
        if let Some(at) = &self.at {
            let _ = write!(text, " on {at}");
        }
        if let Some(reason) = &self.reason_contains {
            let _ = write!(text, " saying `{reason}`");
        }
        if let Some(case) = &self.case {
            let _ = write!(text, " for case `{case}`");
        }
        text
    }

    /// The actions of the cases this pattern is about.
    fn candidates<'a>(&self, outcome: &'a Outcome) -> Vec<(&'a str, &'a ActionRecord)> {
        outcome
            .states
            .iter()
            .filter(|s| self.case.as_deref().is_none_or(|c| c == s.case))
            .flat_map(|s| s.actions.iter().map(move |a| (s.case.as_str(), a)))
            .collect()
    }
}

fn article(kind: &str) -> String {
    match kind {
        "escalate" => "an escalation".into(),
        "require" => "a requirement".into(),
        "flag" => "a flag".into(),
        "note" => "a note".into(),
        other => format!("a `{other}`"),
    }
}

/// An action in plain words: ``escalate to `team_manager` by plugin `x` on
/// 2024-05-01 (on_daily): reason``.
fn describe_action(action: &ActionRecord) -> String {
    let what = match (action.action.name(), action.action.to()) {
        (_, Some(to)) => format!("{} to `{to}`", action.action.kind()),
        (Some(name), None) => format!("{} `{name}`", action.action.kind()),
        (None, None) => action.action.kind().to_owned(),
    };
    let mut text = format!(
        "{what} by plugin `{}` on {} ({})",
        action.plugin,
        duly_calendar::local_date(action.at),
        action.hook
    );
    if !action.action.reason().is_empty() {
        let _ = write!(text, ": {}", action.action.reason());
    }
    text
}

fn describe_actions(actions: &[(&str, &ActionRecord)]) -> String {
    if actions.is_empty() {
        return "no actions".into();
    }
    actions
        .iter()
        .map(|(case, a)| format!("{} (case `{case}`)", describe_action(a)))
        .collect::<Vec<_>>()
        .join("; ")
}

impl Expectation for ExpectAction {
    fn check(&self, outcome: &mut Outcome) {
        let candidates = self.pattern.candidates(outcome);
        let found = candidates
            .iter()
            .filter(|(case, a)| self.pattern.matches(case, a))
            .count();
        let ok = match self.count {
            Some(count) => found == count,
            None => found > 0,
        };
        if !ok {
            let expected = match self.count {
                Some(1) => format!("{} once", self.pattern.describe()),
                Some(count) => format!("{} {count} times", self.pattern.describe()),
                None => self.pattern.describe(),
            };
            outcome.failures.push(format!(
                "expected {expected}, found {found}; got: {}",
                describe_actions(&candidates)
            ));
        }
    }
}

impl Expectation for NoAction {
    fn check(&self, outcome: &mut Outcome) {
        let candidates = self.pattern.candidates(outcome);
        let found: Vec<(&str, &ActionRecord)> = candidates
            .into_iter()
            .filter(|(case, a)| self.pattern.matches(case, a))
            .collect();
        if !found.is_empty() {
            outcome.failures.push(format!(
                "expected no {}, got: {}",
                self.pattern
                    .describe()
                    .trim_start_matches("a ")
                    .trim_start_matches("an "),
                describe_actions(&found)
            ));
        }
    }
}

impl ExpectPluginError {
    fn matches(&self, error: &HookError) -> bool {
        self.case.as_deref().is_none_or(|c| c == error.case)
            && self.plugin.as_deref().is_none_or(|p| p == error.plugin)
            && self.hook.as_deref().is_none_or(|h| h == error.hook.name())
            && self
                .message_contains
                .as_deref()
                .is_none_or(|m| error.to_string().contains(m))
    }
}

impl Expectation for ExpectPluginError {
    fn check(&self, outcome: &mut Outcome) {
        let errors: Vec<&HookError> = outcome.states.iter().flat_map(|s| &s.hook_errors).collect();
        if !errors.iter().any(|e| self.matches(e)) {
            let mut what = "expected a plugin error".to_owned();
            if let Some(plugin) = &self.plugin {
                let _ = write!(what, " of `{plugin}`");
            }
            if let Some(hook) = &self.hook {
                let _ = write!(what, " in `{hook}`");
            }
            if let Some(case) = &self.case {
                let _ = write!(what, " for case `{case}`");
            }
            if let Some(message) = &self.message_contains {
                let _ = write!(what, " saying `{message}`");
            }
            let got: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            outcome
                .failures
                .push(format!("{what}; plugin errors: {}", list(&got)));
        }
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}
