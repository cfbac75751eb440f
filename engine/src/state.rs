//! What the engine says about a case as of a moment.

use crate::plugin::{ActionRecord, HookError};
use crate::reckon::Due;
use duly_calendar::start_of_day;
use duly_dsl::model::Milestone;
use duly_events::{At, EventError, Fact};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;
use std::sync::Arc;

/// An event id, as the case system wrote it: kept inline when short (up to
/// 24 bytes), so that copying one costs no allocation.
pub type EventId = compact_str::CompactString;

/// The moment a state is judged at. Only events up to it count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AsOf {
    /// The last instant that counts.
    pub instant: Timestamp,
    /// The day it falls on, in Europe/London.
    pub date: Date,
}

impl AsOf {
    /// The end of `date` in Europe/London: everything that day counts.
    pub fn end_of(date: Date) -> AsOf {
        let next = date.tomorrow().map(start_of_day).unwrap_or(Timestamp::MAX);
        let instant = next
            .checked_sub(jiff::SignedDuration::from_nanos(1))
            .unwrap_or(next);
        AsOf { instant, date }
    }

    /// An exact moment.
    pub fn instant(instant: Timestamp) -> AsOf {
        AsOf {
            instant,
            date: duly_calendar::local_date(instant),
        }
    }

    /// Whether an event at `at` counts: a date alone counts as the start of
    /// its day.
    pub fn includes(&self, at: &At) -> bool {
        at.start_instant() <= self.instant
    }
}

/// Where a deadline stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not completed and past due: a breach. Closing a step or a case never
    /// turns this into anything else.
    Overdue,
    /// Completed after it was due.
    Late,
    /// Not completed, not yet due.
    Open,
    /// Completed on or before it was due.
    Met,
    /// Closed without being completed before it fell due.
    Cancelled,
}

impl Status {
    /// Its name in reports (`overdue`).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Overdue => "overdue",
            Status::Late => "late",
            Status::Open => "open",
            Status::Met => "met",
            Status::Cancelled => "cancelled",
        }
    }
}

/// How late: working days for day-based timescales, hours for hour-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lateness {
    /// Working days after the due day.
    WorkingDays(i64),
    /// Whole hours after the due instant.
    Hours(i64),
}

/// One deadline of one occurrence of a step.
#[derive(Debug, Clone, PartialEq)]
pub struct Deadline {
    /// The step id.
    pub step: Arc<str>,
    /// The workflow id.
    pub workflow: Arc<str>,
    /// Which occurrence of the step in this child's case, from 1.
    pub occurrence: u32,
    /// When it is due.
    pub due: Due,
    /// Where it stands as of the moment judged.
    pub status: Status,
    /// When the occurrence was completed, if it was.
    pub completed: Option<At>,
    /// When it was closed without being completed, if it was.
    pub closed: Option<At>,
    /// How late it was completed, or is so far (overdue); `None` when open
    /// or cancelled.
    pub late: Option<Lateness>,
    /// Open and past its warning moment.
    pub approaching: bool,
    /// When it becomes approaching, if the rule warns.
    pub warn_from: Option<Due>,
    /// How it was worked out, in plain English.
    pub explanation: String,
    /// The legal source (or local standard) of the timescale.
    pub source: Option<Arc<str>>,
    /// A council's own standard (or a plugin's requirement), not the law.
    pub local: bool,
    /// Where the rule was written (`file:line`), or the plugin that required it.
    pub rule: Arc<str>,
    /// The event the deadline counts from, if any.
    pub anchor_event: Option<EventId>,
}

impl Serialize for Deadline {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("step", &self.step)?;
        map.serialize_entry("workflow", &self.workflow)?;
        map.serialize_entry("occurrence", &self.occurrence)?;
        map.serialize_entry("due", &self.due)?;
        map.serialize_entry("status", &self.status)?;
        map.serialize_entry("completed", &self.completed)?;
        if self.closed.is_some() {
            map.serialize_entry("closed", &self.closed)?;
        }
        let late = self.late.map(|l| match l {
            Lateness::WorkingDays(n) | Lateness::Hours(n) => n,
        });
        match self.due {
            Due::Day(_) => map.serialize_entry("late_working_days", &late)?,
            Due::Instant(_) => map.serialize_entry("late_hours", &late)?,
        }
        map.serialize_entry("approaching", &self.approaching)?;
        if let Some(warn) = &self.warn_from {
            map.serialize_entry("warn_from", warn)?;
        }
        map.serialize_entry("explanation", &self.explanation)?;
        map.serialize_entry("source", &self.source)?;
        map.serialize_entry("local", &self.local)?;
        map.serialize_entry("rule", &self.rule)?;
        if let Some(anchor) = &self.anchor_event {
            map.serialize_entry("anchor_event", anchor)?;
        }
        map.end()
    }
}

/// A step that is open as of the moment judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenStep {
    /// The step id.
    pub step: Arc<str>,
    /// Which occurrence.
    pub occurrence: u32,
    /// When it opened.
    pub opened: At,
}

/// One episode of a workflow: from an opening while none of its steps was
/// open, to the moment none is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Episode {
    /// The workflow id.
    pub workflow: Arc<str>,
    /// Which episode of that workflow for this child, from 1.
    pub number: u32,
    /// The rules version it started under.
    pub version: Arc<str>,
    /// When it began.
    pub started: At,
    /// When it ended, if it has.
    pub ended: Option<At>,
}

/// What opened an occurrence: the causal chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Cause {
    /// An event for the step itself (`start`, or a `complete` with nothing open).
    Event {
        /// The event id.
        event: EventId,
    },
    /// A reaction (`on … open`) of another occurrence.
    Reaction {
        /// The step whose reaction it was.
        step: Arc<str>,
        /// Its occurrence.
        occurrence: u32,
        /// Its start or its completion.
        milestone: MilestoneName,
    },
    /// The completion of the previous occurrence of a recurring step.
    Previous {
        /// The previous occurrence.
        occurrence: u32,
    },
    /// A plugin's `require`.
    Plugin {
        /// The plugin's name.
        plugin: String,
    },
}

/// A milestone, as reports name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneName {
    /// Started.
    Started,
    /// Completed.
    Completed,
}

impl From<Milestone> for MilestoneName {
    fn from(m: Milestone) -> Self {
        match m {
            Milestone::Started => MilestoneName::Started,
            Milestone::Completed => MilestoneName::Completed,
        }
    }
}

/// One occurrence of a step in a child's case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Occurrence {
    /// The step id.
    pub step: Arc<str>,
    /// Which occurrence of the step, from 1.
    pub number: u32,
    /// When it opened.
    pub opened: At,
    /// When it started: the start event, else when it opened.
    pub started: At,
    /// The start event, if one came.
    pub start_event: Option<EventId>,
    /// What opened it.
    pub cause: Cause,
    /// When it was completed, with which outcome, by which event.
    pub completed: Option<(At, Option<Arc<str>>, EventId)>,
    /// When it was closed without completing, and by what.
    pub closed: Option<(At, String)>,
    /// Index into [`CaseState::episodes`].
    pub episode: usize,
}

/// A fact set to a new value (or removed) by an event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactChanged {
    /// When the event happened.
    pub at: At,
    /// The fact's name.
    pub name: Arc<str>,
    /// Its new value; `None` when the event removed it.
    pub value: Option<Fact>,
}

/// A child's case as of a moment: the result of replaying its events.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseState {
    /// The child's id.
    pub case: String,
    /// The day it is judged as of.
    pub as_of: Date,
    /// The facts known.
    pub facts: BTreeMap<String, Fact>,
    /// Steps open.
    pub open_steps: Vec<OpenStep>,
    /// Episodes, per workflow, in the order they began.
    pub episodes: Vec<Episode>,
    /// Every occurrence of every step, in the order they opened.
    pub occurrences: Vec<Occurrence>,
    /// Every deadline, in the order their occurrences opened.
    pub deadlines: Vec<Deadline>,
    /// Every change of a fact's value, in the order the events applied:
    /// who held the case when (`team`, `worker`) for reports. An event that
    /// repeats a fact's value is not a change.
    pub fact_changes: Vec<FactChanged>,
    /// Things the engine could not do (a deadline with nothing to count
    /// from), with ids only.
    pub notes: Vec<String>,
    /// What plugins did, in the order they did it.
    pub actions: Vec<ActionRecord>,
    /// Plugin hooks that failed.
    pub hook_errors: Vec<HookError>,
    /// Events of this case that could not be applied.
    pub errors: Vec<EventError>,
    /// The first moment after the one judged at which the state may read
    /// differently: the next event, warning or due moment, whole hour of
    /// lateness, or end of day. Judged at any moment from the one it was
    /// judged at up to (not including) this one, the case reads the same;
    /// the service keeps a case's answer that long. Not written out.
    #[serde(skip)]
    pub unchanged_until: Timestamp,
}
