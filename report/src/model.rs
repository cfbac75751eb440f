//! What a report says: every figure, with the field names of the JSON
//! contract (`docs/report.md`). Renderers only lay these out.

use duly_engine::{Due, EventId, Status};
use duly_events::At;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;
use std::sync::Arc;

/// A compliance report on timescale breaches, as of a day, over a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The day every case is judged as of (the end of that day in London).
    pub as_of: Date,
    /// The first day of the period.
    pub from: Date,
    /// The last day of the period, as asked.
    pub to: Date,
    /// The last day counted: the earlier of `to` and `as_of` (nothing after
    /// the as-of day is known).
    pub counted_to: Date,
    /// At risk: open deadlines due within this many working days.
    pub at_risk_days: u32,
    /// Drift: open cases with no step completed in this many working days.
    pub drift_days: u32,
    /// What was read.
    pub input: Input,
    /// The measures councils are compared on.
    pub measures: Vec<Measure>,
    /// Every deadline due in the period and missed, by child.
    pub breaches: Vec<Breach>,
    /// Open deadlines due within the next `at_risk_days` working days,
    /// soonest first.
    pub at_risk: Vec<AtRisk>,
    /// For each step with a timescale: its deadlines due in the period.
    pub timeliness: Vec<StepTimeliness>,
    /// Open cases per team and worker, as at the as-of day.
    pub open_cases: Vec<OpenCases>,
    /// Children with 3 or more changes of social worker in the 12 months up
    /// to the as-of day.
    pub worker_changes: Vec<WorkerChanges>,
    /// Open cases with no step completed in the last `drift_days` working
    /// days, longest first.
    pub drift: Vec<Drift>,
    /// Plugin actions in the period, by plugin and kind.
    pub plugin_summary: Vec<PluginCount>,
    /// Each flag and escalation raised by a plugin in the period.
    pub plugin_actions: Vec<PluginActionRow>,
    /// How every figure is counted, in plain English.
    pub notes: Vec<Note>,
}

/// What the report was made from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Input {
    /// Events read and applied.
    pub events: u64,
    /// Children's cases replayed.
    pub cases: u64,
    /// Events (and import problems that left something out) refused: the
    /// figures do not include them.
    pub refused: u64,
}

/// One measure: the share of a denominator that meets it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measure {
    /// Its id: a contract, never renamed (`assessment_45wd`).
    pub id: &'static str,
    /// Its name for people.
    pub title: &'static str,
    /// The step it counts, if one.
    pub step: &'static str,
    /// How many meet it.
    pub numerator: u64,
    /// How many were counted.
    pub denominator: u64,
    /// `100 × numerator / denominator`, to one decimal place; `null` when
    /// nothing was counted.
    pub percent: Option<f64>,
    /// Its counting rule.
    pub rule: &'static str,
}

/// How lateness is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    /// Working days, on the deadline's calendar.
    WorkingDays,
    /// Whole hours of elapsed time.
    Hours,
}

impl TimeUnit {
    /// Its name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            TimeUnit::WorkingDays => "working_days",
            TimeUnit::Hours => "hours",
        }
    }

    /// `3 working days`, `1 hour`.
    pub fn describe(self, n: i64) -> String {
        let plural = if n == 1 || n == -1 { "" } else { "s" };
        match self {
            TimeUnit::WorkingDays => format!("{n} working day{plural}"),
            TimeUnit::Hours => format!("{n} hour{plural}"),
        }
    }
}

/// A deadline due in the period and missed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Breach {
    /// The child's case id.
    pub case: String,
    /// The step.
    pub step: Arc<str>,
    /// Its workflow.
    pub workflow: Arc<str>,
    /// Which occurrence of the step in the child's case, from 1.
    pub occurrence: u32,
    /// When it was due: a date, or a date and time for hour-based timescales.
    pub due: Due,
    /// The day it was due, in London.
    pub due_date: Date,
    /// When it was done, if it was.
    pub completed: Option<At>,
    /// `late` (done after it was due) or `overdue` (not done by the as-of day).
    pub status: Status,
    /// How late: working days after the due day, or whole hours after the
    /// due moment (so far, when overdue).
    pub late: i64,
    /// The unit of `late`.
    pub late_unit: TimeUnit,
    /// The team that held the case (see the notes for when).
    pub team: Option<String>,
    /// The social worker who held the case.
    pub worker: Option<String>,
    /// How the deadline was worked out.
    pub explanation: String,
    /// Its legal source, or the council's own standard.
    pub source: Option<Arc<str>>,
    /// A council's own standard (or a plugin's), not the law.
    pub local: bool,
    /// The event the deadline counts from.
    pub anchor_event: Option<EventId>,
}

/// An open deadline due soon.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AtRisk {
    /// The child's case id.
    pub case: String,
    /// The step.
    pub step: Arc<str>,
    /// Its workflow.
    pub workflow: Arc<str>,
    /// Which occurrence.
    pub occurrence: u32,
    /// When it is due.
    pub due: Due,
    /// The day it is due, in London.
    pub due_date: Date,
    /// Working days from the as-of day to the due day (0: due on the as-of day).
    pub working_days_left: i64,
    /// Past the rule's warning moment.
    pub approaching: bool,
    /// The team holding the case at the as-of day.
    pub team: Option<String>,
    /// The worker holding the case at the as-of day.
    pub worker: Option<String>,
    /// How the deadline was worked out.
    pub explanation: String,
}

/// A step's timescale, when every deadline of the step has the same one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limit {
    /// How many units.
    pub count: u32,
    /// Which unit.
    pub unit: TimeUnit,
}

/// Timeliness of one step's deadlines due in the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepTimeliness {
    /// The step id.
    pub step: String,
    /// Its title.
    pub title: String,
    /// Its workflow.
    pub workflow: String,
    /// Its timescale in words (`45 working days`; a series lists each).
    pub timescale: String,
    /// The limit, when the step has one timescale in working days or
    /// hours: then `median_taken` and `p90_taken` are given.
    pub limit: Option<Limit>,
    /// The unit of the times below.
    pub unit: TimeUnit,
    /// Every deadline of the step due in the period.
    pub all: Figures,
    /// Split by the team that held the case.
    pub by_team: Vec<Group>,
    /// Split by the worker who held the case.
    pub by_worker: Vec<Group>,
    /// Split by the month the deadline was due (`2025-04`).
    pub by_month: Vec<Group>,
}

/// The figures of one group of deadlines.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Figures {
    /// Deadlines due (met + late + overdue; cancelled ones are left out).
    pub due: u64,
    /// Done on time.
    pub met: u64,
    /// Done after they were due.
    pub late: u64,
    /// Not done by the as-of day.
    pub overdue: u64,
    /// `100 × met / due`, to one decimal place; `null` when none was due.
    pub percent_on_time: Option<f64>,
    /// Median of the completed ones' time from the due day (negative:
    /// before it), in `unit`.
    pub median_from_due: Option<i64>,
    /// 90th percentile of the same.
    pub p90_from_due: Option<i64>,
    /// Median time taken (the limit plus the time from the due day), when
    /// the step has one limit.
    pub median_taken: Option<i64>,
    /// 90th percentile of the time taken.
    pub p90_taken: Option<i64>,
}

/// The figures of one team, worker or month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// The team, worker or month (`2025-04`); `null` when not recorded.
    pub group: Option<String>,
    /// Its figures.
    #[serde(flatten)]
    pub figures: Figures,
}

/// Open cases of one team and worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenCases {
    /// The team; `null` when not recorded.
    pub team: Option<String>,
    /// The worker; `null` when unallocated.
    pub worker: Option<String>,
    /// How many open cases they hold.
    pub open_cases: u64,
}

/// A child whose social worker changed often.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkerChanges {
    /// The child's case id.
    pub case: String,
    /// Changes of worker in the 12 months up to the as-of day.
    pub changes: u32,
    /// The team now.
    pub team: Option<String>,
    /// The worker now.
    pub worker: Option<String>,
}

/// An open case where nothing has been completed for a while.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Drift {
    /// The child's case id.
    pub case: String,
    /// The team now.
    pub team: Option<String>,
    /// The worker now.
    pub worker: Option<String>,
    /// The last step completed, if any.
    pub last_completed_step: Option<Arc<str>>,
    /// When it was completed.
    pub last_completed: Option<Date>,
    /// The day counted from: the last completion, or the start of the
    /// current episode if later.
    pub since: Date,
    /// Working days from `since` to the as-of day.
    pub working_days: i64,
}

/// How many actions of one kind one plugin took in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PluginCount {
    /// The plugin (the rule's name).
    pub plugin: String,
    /// `flag`, `escalate`, `require` or `note`.
    pub action: &'static str,
    /// How many.
    pub count: u64,
}

/// A flag or escalation a plugin raised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PluginActionRow {
    /// The child's case id.
    pub case: String,
    /// When (the replay moment).
    pub at: Timestamp,
    /// Its day in London.
    pub date: Date,
    /// The plugin.
    pub plugin: String,
    /// The hook it acted at (`on_breach`).
    pub hook: &'static str,
    /// `flag` or `escalate`.
    pub action: &'static str,
    /// The flag's name, or whom it escalated to.
    pub subject: String,
    /// Why, as the plugin said.
    pub reason: String,
}

/// A counting rule, in plain English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    /// What it is about (`breaches`, `assessment_45wd`).
    pub topic: String,
    /// The rule.
    pub text: String,
}
