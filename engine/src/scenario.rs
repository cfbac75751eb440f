//! Rule scenarios: events in, expected deadlines out, as of a date.
//!
//! Policy leads write scenarios beside the rules they test (`duly test
//! <dir>` runs every `*.toml` file below `<dir>`); the engine's own corpus
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
//! ```
//!
//! Line numbers count the lines of the events text (or file) from 1.
//! Failures say what was expected and what the engine gave, in plain words.
//! New kinds of expectation (plugin flags and escalations) are added as new
//! tables and a [`Expectation`] implementation each.

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
        let checks: [&dyn Expectation; 5] = [
            &self.expect,
            &self.absent,
            &self.error,
            &self.note,
            &self.episode,
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
        Ok(outcome)
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

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}
