//! The Duly engine: reads each child's events, tracks the state of their case
//! and every statutory deadline against a working-day calendar, and says why
//! each deadline falls when it does.
//!
//! The engine is pure and deterministic: time is an argument ([`AsOf`]),
//! never the wall clock, and the same rules and events always give the same
//! state.
//!
//! # Semantics
//!
//! These are the rules of replay; `docs/language.md` says the same for
//! policy leads.
//!
//! 1. **Order.** A case's events apply in the order of [`duly_events::At::order_key`]
//!    (local London date, then instant; a date alone counts as the start of
//!    its day), ties in file order, whatever order they arrive in. A state
//!    as of a moment uses only the events up to it; an as-of date means the
//!    end of that day in London.
//! 2. **Bad events.** The same event id twice with identical content is
//!    ignored; with different content it is an error naming the id and both
//!    lines, and the first stands. An unknown step (with a suggestion), an
//!    outcome the step does not have, a missing outcome on a step with
//!    outcomes, or an outcome on a step without is an error naming the line
//!    and field, and the event is not applied. Everything valid goes on.
//!    An id reused by another child's event is different content: in a run
//!    over many cases ([`Engine::run`]) the later line is refused, with an
//!    error naming both lines, and the first stands.
//! 3. **Facts.** Each event's facts merge into the case before its action
//!    (`null` removes one). `age` is whole years from the fact
//!    `date_of_birth` (`YYYY-MM-DD`) at the moment judged. A condition on an
//!    unknown fact is false.
//! 4. **Occurrences.** Each step has occurrences numbered from 1 per step per
//!    case (across episodes), each with when it opened, its start, what
//!    opened it (an event, a reaction of another occurrence, the previous
//!    occurrence of a series, or a plugin), its completion, its closing, its
//!    episode and its deadline.
//!    - `start` attaches to the oldest open occurrence with no start yet, or
//!      opens a new one (its `on start` reactions fire).
//!    - `complete` completes the oldest open occurrence, or opens one then
//!      and completes it (case systems often record only the day something
//!      happened). Its `on <outcome>` and `on complete` reactions fire, with
//!      conditions on the facts as of the event. A recurring step then opens
//!      its next occurrence at the completion moment, unless an `until`
//!      matches or the series was stopped.
//!    - `cancel` closes the oldest open occurrence without completing it,
//!      and stops a recurring step's series.
//!    - `open X` does nothing if X is open and does not say `several may be
//!      open`: the clock keeps running from the first (a later strategy
//!      discussion does not restart the ICPC clock). `close X` and `close
//!      everything` close open occurrences and stop series. After each
//!      event, `until` events close their series.
//!    - Episodes are per workflow: one begins when an occurrence opens while
//!      none of the workflow's steps is open, and ends when, after an event,
//!      none is open. A case keeps the rules version each episode began under.
//! 5. **Deadlines.** An occurrence of a step with a timescale gets one
//!    deadline: the `due` rule, or for a recurring step `first` for the
//!    first of a series, `second` for the second if given, else the first
//!    `then` whose guard holds when the previous one completed. Anchors: the
//!    previous occurrence's completion; or a step's start or completion —
//!    by default the one on the chain of events that led here, falling back
//!    (and saying so) to the latest in the episode; `the first` and `the
//!    latest` search the episode up to the opening. With no anchor there is
//!    no deadline, and a note says which step, occurrence and anchor.
//! 6. **Status** as of a moment: `met` (completed on or before the due
//!    moment), `late` (after it), `open` (not completed, not yet due),
//!    `overdue` (not completed, due passed), `cancelled` (closed before it
//!    fell due). Day-based deadlines fall at the end of their day;
//!    hour-based ones are instants, and a date-only completion is on time if
//!    its date is on or before the due instant's date. **Closing a step or a
//!    case cancels only deadlines not yet due: a breach is never erased.**
//!    An open deadline past its warning moment is *approaching*.
//! 7. **Explanations.** Each deadline says how it was worked out: the
//!    period, the anchor (event id and date), the calendar's working
//!    (non-working days skipped by name, month-end clamping, clock changes)
//!    and the rule's source, marked local for a council's own standard.
//!
//! # Using it
//!
//! Build an [`Engine`] from a checked [`duly_dsl::model::RuleSet`], then
//! either replay one case ([`Engine::replay`], [`Engine::case_state`]) or
//! run a whole event file over every core ([`Engine::run`]), which hands
//! each case's state to a callback in order of case id.
//!
//! # Scale
//!
//! [`Engine::run`] streams its input in chunks of about 8 MB: while every
//! core parses one chunk (the event crate's own parser, borrowing the
//! fields from the line), the calling thread reads the next. Each event is
//! checked and kept as a record of bytes, about 30 for an event dated by
//! day with a short id; each distinct fact is kept once for the run, and an
//! event keeps its facts' numbers. Records are grouped by case in 64 shards
//! filled on every core. Ids reused across cases are found with a hash of
//! each id, part of the hash range at a time, and compared in full only
//! when hashes agree. Cases then replay in batches on every core, each in
//! time linear in its events, and are handed to the caller in order of case
//! id while the next batch replays, so that a report need not hold every
//! case. Due moments counted from a day are remembered per thread.
//!
//! Local escalation plugins implement [`Plugin`]; see [`plugin`]. Rule
//! scenarios (events in, expected deadlines out) are in [`scenario`].
//!
//! ```
//! use duly_engine::{AsOf, Engine, RunOptions, Status};
//!
//! let rules = duly_dsl::check_text("cp.duly", r#"
//! workflow child_protection {
//!   title "Child protection"
//!   version "2018.1"
//!   source "Working Together to Safeguard Children 2018"
//!   calendar england_and_wales
//!   starts with strategy_discussion
//!
//!   step strategy_discussion {
//!     title "Strategy discussion"
//!     outcomes s47, no_s47
//!     on s47 open icpc
//!     on no_s47 end
//!   }
//!
//!   step icpc {
//!     title "Initial child protection conference"
//!     due 15 working days after strategy_discussion completed
//!       source "Working Together to Safeguard Children 2018, chapter 1"
//!     on complete end
//!   }
//! }
//! "#).rules.expect("the rules check");
//! let engine = Engine::new(rules)?;
//!
//! let events = r#"{"id": "e-3", "case": "C123", "at": "2019-04-12", "step": "strategy_discussion", "action": "complete", "outcome": "s47"}
//! {"id": "e-9", "case": "C123", "at": "2019-05-09", "step": "icpc", "action": "complete"}
//! "#;
//! let options = RunOptions { as_of: AsOf::end_of("2019-06-30".parse()?), case: None };
//! let mut cases = Vec::new();
//! let summary = engine.run(events.as_bytes(), &options, |case| cases.push(case))?;
//! assert!(summary.errors.is_empty());
//!
//! let icpc = &cases[0].deadlines[0];
//! assert_eq!(icpc.due.to_string(), "2019-05-08");
//! assert_eq!(icpc.status, Status::Late);
//! assert_eq!(
//!     icpc.explanation,
//!     "due Wed 8 May 2019: 15 working days after the strategy discussion on Fri 12 Apr 2019 \
//!      (event e-3); skipped Good Friday 19 Apr, Easter Monday 22 Apr, Early May bank holiday \
//!      6 May (England and Wales); Working Together to Safeguard Children 2018, chapter 1"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod batch;
mod book;
mod ingest;
mod plan;
pub mod plugin;
mod reckon;
mod replay;
pub mod scenario;
mod state;

#[cfg(test)]
mod tests;

pub use batch::{CaseBook, RunOptions, RunSummary};
pub use ingest::CaseEvent;
pub use plan::RulesError;
pub use plugin::{Plugin, PluginAction};
pub use reckon::{Calendars, Due, Reckoner, Worked};
pub use state::{
    AsOf, CaseState, Cause, Deadline, Episode, EventId, FactChanged, Lateness, MilestoneName,
    Occurrence, OpenStep, Status,
};

use duly_dsl::model::RuleSet;
use duly_events::{Event, EventError};
use std::sync::Arc;

/// The engine for one rule set: compiled rules, the calendars' arithmetic,
/// and any plugins. Cheap to share between threads.
pub struct Engine {
    plan: plan::Plan,
    reckoner: Arc<dyn Reckoner>,
    plugins: Vec<PluginSlot>,
    /// Whether any plugin has `on_approaching` or `on_breach`: only then are
    /// warning and due moments watched during replay.
    timed_hooks: bool,
    /// Whether any plugin has `on_daily`.
    daily_hooks: bool,
}

pub(crate) struct PluginSlot {
    plugin: Arc<dyn Plugin>,
    /// Which workflows list it, by index.
    workflows: Vec<bool>,
    /// Which hooks it has, by [`plugin::Hook`] as an index.
    hooks: [bool; 4],
    /// The calendar of the first workflow that lists it: working days for
    /// its hooks that concern no workflow in particular (`on_daily`, events
    /// with no step).
    calendar: usize,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("steps", &self.plan.steps.len())
            .field("plugins", &self.plugins.len())
            .finish()
    }
}

impl Engine {
    /// An engine for `rules`, counting time on their calendars.
    pub fn new(rules: impl Into<Arc<RuleSet>>) -> Result<Engine, RulesError> {
        let rules = rules.into();
        let calendars = Calendars::of(&rules);
        Engine::with_reckoner(rules, Arc::new(calendars))
    }

    /// An engine for `rules`, counting time with `reckoner`.
    pub fn with_reckoner(
        rules: impl Into<Arc<RuleSet>>,
        reckoner: Arc<dyn Reckoner>,
    ) -> Result<Engine, RulesError> {
        Ok(Engine {
            plan: plan::Plan::new(rules.into())?,
            reckoner,
            plugins: Vec::new(),
            timed_hooks: false,
            daily_hooks: false,
        })
    }

    /// Adds a plugin. It hears the events and deadlines of the workflows
    /// that list it by name.
    pub fn with_plugin(mut self, plugin: Arc<dyn Plugin>) -> Engine {
        let workflows: Vec<bool> = self
            .plan
            .rules
            .workflows
            .iter()
            .map(|w| w.plugins.iter().any(|p| p == plugin.name()))
            .collect();
        let hooks = plugin::Hook::ALL.map(|hook| plugin.has_hook(hook));
        let calendar = workflows
            .iter()
            .position(|&listed| listed)
            .or((!workflows.is_empty()).then_some(0))
            .and_then(|w| self.plan.workflows.get(w))
            .map_or(0, |w| w.calendar);
        self.timed_hooks |=
            hooks[plugin::Hook::Approaching as usize] || hooks[plugin::Hook::Breach as usize];
        self.daily_hooks |= hooks[plugin::Hook::Daily as usize];
        self.plugins.push(PluginSlot {
            plugin,
            workflows,
            hooks,
            calendar,
        });
        self
    }

    /// The rules it runs.
    pub fn rules(&self) -> &RuleSet {
        &self.plan.rules
    }

    /// Checks one parsed event (from line `line`) against the rules: returns
    /// its case id and the compact event, or an error naming the line and
    /// the field.
    pub fn check_event(
        &self,
        line: usize,
        event: Event,
    ) -> Result<(String, CaseEvent), EventError> {
        let read = duly_events::EventRef::from(&event);
        let checked = ingest::check(&self.plan, line, &read)?;
        let facts = ingest::fact_changes(&read.facts);
        let line = u32::try_from(line).unwrap_or(u32::MAX);
        let checked = ingest::CaseEvent::new(line, &event.id, checked, facts);
        Ok((event.case, checked))
    }

    /// The state of case `case` as of `as_of`, from its checked events in
    /// any order.
    pub fn case_state(&self, case: &str, mut events: Vec<CaseEvent>, as_of: AsOf) -> CaseState {
        let mut errors = Vec::new();
        let keys = ingest::order(&mut events, &mut errors);
        errors.sort_by_key(|e| e.line);
        replay::replay(self, case, &events, &keys, errors, as_of)
    }

    /// The state of case `case` as of `as_of`, from its events (numbered
    /// from line 1 in the order given). Events of other cases, and events
    /// that do not fit the rules, are reported in [`CaseState::errors`].
    pub fn replay(
        &self,
        case: &str,
        events: impl IntoIterator<Item = Event>,
        as_of: AsOf,
    ) -> CaseState {
        let (checked, errors) = self.check_case(case, events);
        self.replay_checked(case, checked, errors, as_of)
    }

    /// What [`Engine::replay`] gives, from what [`Engine::check_case`] gave:
    /// the events that fit, replayed as of `as_of`, and the errors of the
    /// check added to the state's in line order.
    pub fn replay_checked(
        &self,
        case: &str,
        events: Vec<CaseEvent>,
        errors: impl IntoIterator<Item = EventError>,
        as_of: AsOf,
    ) -> CaseState {
        let mut state = self.case_state(case, events, as_of);
        state.errors.extend(errors);
        state.errors.sort_by_key(|e| e.line);
        state
    }

    /// Checks the events of case `case` (numbered from line 1 in the order
    /// given), as [`Engine::replay`] does before it replays them: the
    /// events that fit, and an error for each event of another case or that
    /// does not fit the rules. [`Engine::replay_checked`] then gives what
    /// [`Engine::replay`] gives, so that a caller can check a case's events
    /// once and replay them as of many moments.
    pub fn check_case(
        &self,
        case: &str,
        events: impl IntoIterator<Item = Event>,
    ) -> (Vec<CaseEvent>, Vec<EventError>) {
        let mut checked = Vec::new();
        let mut errors = Vec::new();
        for (index, event) in events.into_iter().enumerate() {
            if event.case != case {
                errors.push(EventError {
                    line: index + 1,
                    id: Some(event.id.clone()),
                    field: Some("case".into()),
                    message: format!("the event belongs to another case than `{case}`"),
                });
                continue;
            }
            match self.check_event(index + 1, event) {
                Ok((_, event)) => checked.push(event),
                Err(error) => errors.push(error),
            }
        }
        (checked, errors)
    }
}
