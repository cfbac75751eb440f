//! The compiled rule set: workflows that have passed every check, ready for
//! the engine. Nothing here refers back to the syntax tree except [`Origin`],
//! which says where each rule was written so that deadlines can cite it.
//!
//! Semantics are documented for policy leads in `docs/language.md`; the
//! comments here say how each piece maps onto that text.

use duly_calendar::{Division, Period};
use jiff::civil::Date;
use serde::Serialize;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

/// Every workflow, calendar and plugin loaded from a set of rule files.
/// Step ids are unique across the whole set: an event names a step, and the
/// step names its workflow.
#[derive(Debug, Clone, Serialize)]
pub struct RuleSet {
    /// The workflows, in the order their files were read.
    pub workflows: Vec<Workflow>,
    /// Calendars the workflows count working days on (built-in and local).
    pub calendars: Vec<CalendarSpec>,
    /// Plugin scripts the workflows use, with their text.
    pub plugins: Vec<PluginSpec>,
    #[serde(skip)]
    steps: HashMap<String, StepRef>,
}

/// Where a step lives in a [`RuleSet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct StepRef {
    /// Index into [`RuleSet::workflows`].
    pub workflow: usize,
    /// Index into [`Workflow::steps`].
    pub step: usize,
}

impl RuleSet {
    /// Builds a rule set and its step index. Callers (the checker) make sure
    /// step ids are unique; a later duplicate would shadow an earlier one.
    pub fn new(
        workflows: Vec<Workflow>,
        calendars: Vec<CalendarSpec>,
        plugins: Vec<PluginSpec>,
    ) -> Self {
        let mut steps = HashMap::new();
        for (w, workflow) in workflows.iter().enumerate() {
            for (s, step) in workflow.steps.iter().enumerate() {
                steps.insert(
                    step.id.clone(),
                    StepRef {
                        workflow: w,
                        step: s,
                    },
                );
            }
        }
        RuleSet {
            workflows,
            calendars,
            plugins,
            steps,
        }
    }

    /// Where the step with this id is, if any workflow has it.
    pub fn locate(&self, step_id: &str) -> Option<StepRef> {
        self.steps.get(step_id).copied()
    }

    /// The workflow and step with this id, if any.
    pub fn step(&self, step_id: &str) -> Option<(&Workflow, &Step)> {
        let at = self.locate(step_id)?;
        let workflow = self.workflows.get(at.workflow)?;
        Some((workflow, workflow.steps.get(at.step)?))
    }

    /// The calendar with this id, if declared or built in.
    pub fn calendar(&self, id: &str) -> Option<&CalendarSpec> {
        self.calendars.iter().find(|c| c.id == id)
    }
}

/// Where something was written: file, byte span and one-based line, so that
/// explanations and reports can point back to the rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// The file, as given to the loader.
    pub file: Arc<str>,
    /// Byte offsets of the rule in the file.
    pub span: (usize, usize),
    /// One-based line of the start of the span.
    pub line: u32,
}

/// One statutory workflow (`workflow safeguarding { … }`), with any local
/// extensions already merged in.
#[derive(Debug, Clone, Serialize)]
pub struct Workflow {
    /// Its id (`safeguarding`).
    pub id: String,
    /// Its title for people.
    pub title: String,
    /// The version of the rules (`2018.1`); a case keeps the version it started under.
    pub version: String,
    /// Older versions whose cases may run under this one instead
    /// (`moves cases from "2014.1"`): a service moves them on reload.
    pub moves_from: Vec<String>,
    /// The legal source it implements.
    pub source: String,
    /// Id of the calendar its working days count on.
    pub calendar: String,
    /// Indexes of the steps that can begin the workflow (`starts with …`).
    pub entries: Vec<usize>,
    /// Its steps, in the order written.
    pub steps: Vec<Step>,
    /// Names of the plugins it uses.
    pub plugins: Vec<String>,
    /// Where it was declared.
    pub origin: Origin,
}

/// One step of a workflow (`step icpc { … }`).
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// Its id, a public contract (`icpc`).
    pub id: String,
    /// Its title for people.
    pub title: String,
    /// What it is, for people.
    pub description: Option<String>,
    /// Outcomes that may be recorded when it completes; if any are declared,
    /// a `complete` must carry one of them.
    pub outcomes: Vec<String>,
    /// `several may be open`: opening it while one is open opens another
    /// occurrence instead of leaving the open one be.
    pub several_may_be_open: bool,
    /// When each occurrence is due.
    pub schedule: Schedule,
    /// What happens when it starts or completes (`on … open/close/end`).
    pub reactions: Vec<Reaction>,
    /// Whether a local extension added or changed this step.
    pub local: bool,
    /// Where it was declared.
    pub origin: Origin,
}

/// When a step's occurrences are due.
#[derive(Debug, Clone, Serialize)]
pub enum Schedule {
    /// No timescale (a strategy discussion: "as soon as possible").
    None,
    /// Each occurrence is due by one rule (`due 15 working days after …`).
    Once(DueRule),
    /// A series: each completion opens the next occurrence (`repeats { … }`).
    Repeats(Recurrence),
}

/// A recurring step's cadence.
#[derive(Debug, Clone, Serialize)]
pub struct Recurrence {
    /// The first occurrence of a series (`first due …`).
    pub first: DueRule,
    /// The second occurrence, if it has its own rule (`second due …`).
    pub second: Option<DueRule>,
    /// Later occurrences: the first whose guard holds when the previous one
    /// completed gives the rule (`then due … [if …]`).
    pub then: Vec<Cadence>,
    /// What ends the series (`until …`).
    pub until: Vec<Happening>,
}

/// One `then` line of a recurrence.
#[derive(Debug, Clone, Serialize)]
pub struct Cadence {
    /// When it applies; `None` means always.
    pub guard: Option<Condition>,
    /// The timescale, anchored on the previous occurrence.
    pub rule: DueRule,
}

/// One timescale: `due 15 working days after strategy_discussion completed`.
#[derive(Debug, Clone, Serialize)]
pub struct DueRule {
    /// How long, in the law's units.
    pub period: Period,
    /// Counted from what.
    pub anchor: Anchor,
    /// `warn N unit before`: when the deadline starts to be approaching.
    pub warn: Option<Period>,
    /// The legal source (`source "…"`); every statutory timescale has one.
    pub source: Option<Source>,
    /// Where the rule was written.
    pub origin: Origin,
}

/// The document and paragraph or regulation a timescale comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    /// The citation as written.
    pub text: String,
    /// `source local "…"`: a council's own practice standard, not the law.
    pub local: bool,
}

/// What a timescale is counted from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Anchor {
    /// An event on a step: `after the first referral started`.
    Event {
        /// The step id.
        step: String,
        /// Its start or its completion.
        milestone: Milestone,
        /// Which occurrence, when there have been several.
        pick: Pick,
    },
    /// The completion of the previous occurrence of this step, in a
    /// recurrence (`after the previous one`).
    Previous,
}

/// Which moment of a step occurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Milestone {
    /// When it started (`started`): the start event if one came, otherwise
    /// when it was opened.
    Started,
    /// When it was completed (`completed`).
    Completed,
}

/// Which occurrence an anchor means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Pick {
    /// The occurrence on the chain of events that led to this step (the
    /// default): for an ICPC, the strategy discussion that began the section
    /// 47 enquiry that called it. Falls back to the latest if none is on the
    /// chain.
    LedHere,
    /// `the first`: the first in the current episode.
    First,
    /// `the latest`: the latest before this step opened.
    Latest,
}

/// Something that happens to a step: `rcpc completed with end_plan`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Happening {
    /// The step id.
    pub step: String,
    /// Started or completed.
    pub milestone: Milestone,
    /// Only with this outcome, if given.
    pub outcome: Option<String>,
}

/// One `on …` line: what a step's start or completion does.
#[derive(Debug, Clone, Serialize)]
pub struct Reaction {
    /// What sets it off.
    pub trigger: Trigger,
    /// `if …`: only when this holds (facts as of the event).
    pub condition: Option<Condition>,
    /// What it does.
    pub effect: Effect,
    /// Where it was written.
    pub origin: Origin,
}

/// What sets a reaction off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Trigger {
    /// `on start`: the step opened.
    Start,
    /// `on complete`: the step completed, whatever the outcome.
    Complete,
    /// `on <outcome>`: the step completed with this outcome.
    Outcome(String),
}

/// What a reaction does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Effect {
    /// `open a, b`: open these steps of the same workflow.
    Open(Vec<String>),
    /// `close a, b`: close these steps' open occurrences.
    Close(Vec<String>),
    /// `close everything`: close every open step of the workflow.
    CloseEverything,
    /// `end`: this path of the work ends here.
    End,
}

/// A condition on the case's facts or on time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Condition {
    /// `fact op value`. The fact `age` is whole years from `date_of_birth`.
    /// A fact that is not known makes the comparison false.
    Compare {
        /// The fact's name.
        fact: String,
        /// The comparison.
        op: CompareOp,
        /// The value compared with.
        value: Value,
    },
    /// `within 1 year of placement started`: the moment being judged is no
    /// later than the anchor plus the period.
    Within {
        /// The period.
        period: Period,
        /// From what.
        anchor: Anchor,
    },
    /// `not …`.
    Not(Box<Condition>),
    /// `… and …`.
    All(Vec<Condition>),
    /// `… or …`.
    Any(Vec<Condition>),
}

/// A comparison between a fact and a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CompareOp {
    /// `is`
    Is,
    /// `is not`
    IsNot,
    /// `<`
    Less,
    /// `<=`
    LessOrEqual,
    /// `>`
    Greater,
    /// `>=`
    GreaterOrEqual,
}

/// A literal value in a condition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Value {
    /// `"text"`
    Text(String),
    /// `5`, `2.5`
    Number(f64),
    /// `true`, `false`
    Bool(bool),
    /// `2024-01-31`
    Date(Date),
}

/// A working-day calendar: a bank-holiday division plus local closure days.
#[derive(Debug, Clone, Serialize)]
pub struct CalendarSpec {
    /// Its id (`england_and_wales`, `example_council`).
    pub id: String,
    /// Its title for people.
    pub title: String,
    /// The bank holidays it is based on.
    pub division: Division,
    /// Local closure days (a council's Christmas shutdown), with their names.
    pub closures: Vec<(Date, String)>,
    /// Where it was declared; `None` for the built-in calendars.
    pub origin: Option<Origin>,
}

/// A plugin script named by a workflow.
#[derive(Debug, Clone, Serialize)]
pub struct PluginSpec {
    /// Its name (`re_referral`), the file name without `.rhai`.
    pub name: String,
    /// Where it was found.
    pub path: PathBuf,
    /// Its text.
    #[serde(skip)]
    pub text: Arc<str>,
}
