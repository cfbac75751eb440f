//! The syntax tree of one `.duly` file, as written.
//!
//! Every node carries the byte [`Span`] it was read from, and comments are
//! kept (in [`SourceFile::comments`]) so that a formatter and a language
//! server can be built on this tree. Nothing here is checked yet: ids may name
//! nothing, units may be unknown. The checker turns it into a
//! [`model::RuleSet`](crate::model::RuleSet).

use duly_calendar::Unit;
use jiff::civil::Date;

pub use crate::diagnostic::Span;

/// One file: its top-level items and its comments, in source order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceFile {
    /// Imports, calendars, workflows and extensions.
    pub items: Vec<Item>,
    /// Every `# …` comment, wherever it stands.
    pub comments: Vec<Comment>,
}

/// A `# …` comment (the span includes the `#`).
#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    /// The text after `#`.
    pub text: String,
    /// Where it is.
    pub span: Span,
}

/// A top-level item.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `import "…"`.
    Import(Import),
    /// `calendar id { … }`.
    Calendar(CalendarDecl),
    /// `workflow id { … }` or `extend workflow id { … }`.
    Workflow(WorkflowDecl),
}

/// An id as written (`s47_enquiry`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    /// The id.
    pub name: String,
    /// Where it is.
    pub span: Span,
}

/// Text in double quotes, with `\"` and `\\` already unescaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    /// The text.
    pub value: String,
    /// Where it is, quotes included.
    pub span: Span,
}

/// `import "../../national"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    /// The path, relative to the importing file.
    pub path: Text,
    /// The whole line.
    pub span: Span,
}

/// `calendar example_council { … }`.
#[derive(Debug, Clone, PartialEq)]
pub struct CalendarDecl {
    /// Its id, if it could be read.
    pub id: Option<Ident>,
    /// Its lines, in order.
    pub clauses: Vec<CalendarClause>,
    /// From `calendar` to the closing `}`.
    pub span: Span,
    /// The header line.
    pub header: Span,
}

/// A line of a calendar.
#[derive(Debug, Clone, PartialEq)]
pub enum CalendarClause {
    /// `title "…"`.
    Title(Text),
    /// `based on england_and_wales`.
    BasedOn(Ident),
    /// `closures "closures.csv"`.
    Closures(Text),
    /// `closed 2024-12-27 "Christmas closure"`.
    Closed {
        /// The day.
        date: Date,
        /// Its name.
        name: Text,
        /// The whole line.
        span: Span,
    },
}

/// `workflow id { … }`, or `extend workflow id { … }` when `extend` is set.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkflowDecl {
    /// Whether this is `extend workflow` (local rules on a national workflow).
    pub extend: bool,
    /// Its id, if it could be read.
    pub id: Option<Ident>,
    /// Its lines other than steps, in order.
    pub clauses: Vec<WorkflowClause>,
    /// Its steps, in order.
    pub steps: Vec<StepDecl>,
    /// From the keyword to the closing `}`.
    pub span: Span,
    /// The header line.
    pub header: Span,
    /// Whether a line of it could not be read (so a clause that seems to be
    /// missing may be on that line).
    pub recovered: bool,
}

/// A line of a workflow.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkflowClause {
    /// `title "…"`.
    Title(Text),
    /// `version "…"`.
    Version(Text),
    /// `moves cases from "…", "…"`: the older versions whose cases may run
    /// under this one.
    MovesCasesFrom(Vec<Text>, Span),
    /// `source "…"`.
    Source(SourceLine),
    /// `calendar id`.
    Calendar(Ident),
    /// `starts with a, b`.
    StartsWith(Vec<Ident>, Span),
    /// `plugins a, b`.
    Plugins(Vec<Ident>, Span),
}

/// `source "…"` or `source local "…"`.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceLine {
    /// The citation.
    pub text: Text,
    /// `source local`: the council's own practice.
    pub local: bool,
    /// The whole line.
    pub span: Span,
}

/// `step id { … }`.
#[derive(Debug, Clone, PartialEq)]
pub struct StepDecl {
    /// Its id, if it could be read.
    pub id: Option<Ident>,
    /// Its lines, in order.
    pub clauses: Vec<StepClause>,
    /// From `step` to the closing `}`.
    pub span: Span,
    /// Whether a line of it could not be read.
    pub recovered: bool,
}

/// A line (or block) of a step.
#[derive(Debug, Clone, PartialEq)]
pub enum StepClause {
    /// `title "…"`.
    Title(Text),
    /// `description "…"`.
    Description(Text),
    /// `outcomes a, b`.
    Outcomes(Vec<Ident>, Span),
    /// `several may be open`.
    SeveralMayBeOpen(Span),
    /// `due …` with its `warn` and `source` lines.
    Due(Timescale),
    /// `repeats { … }`.
    Repeats(Repeats),
    /// `on … `.
    On(OnLine),
}

/// A timescale line with the `warn` and `source` lines under it.
#[derive(Debug, Clone, PartialEq)]
pub struct Timescale {
    /// How long.
    pub period: PeriodAst,
    /// After what.
    pub anchor: AnchorAst,
    /// `warn N unit before`.
    pub warn: Option<PeriodAst>,
    /// `source "…"`.
    pub source: Option<SourceLine>,
    /// The timescale line itself (not its `warn` and `source` lines).
    pub span: Span,
}

/// A count of a unit as written: `15 working days`.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodAst {
    /// The count (may be zero or negative, or too large: the checker says so).
    pub count: i64,
    /// Where the count is.
    pub count_span: Span,
    /// The unit as written (`working days`, `workdays`).
    pub unit_text: String,
    /// The unit, if the words name one.
    pub unit: Option<Unit>,
    /// Where the unit is.
    pub unit_span: Span,
    /// Count and unit.
    pub span: Span,
}

/// What a timescale counts from.
#[derive(Debug, Clone, PartialEq)]
pub enum AnchorAst {
    /// `the previous one`.
    Previous(Span),
    /// `[the first|the latest] step started|completed`.
    Event {
        /// The step.
        step: Ident,
        /// Started or completed.
        milestone: crate::model::Milestone,
        /// Which occurrence.
        pick: crate::model::Pick,
        /// The whole anchor.
        span: Span,
    },
}

impl AnchorAst {
    /// Where the anchor is.
    pub fn span(&self) -> Span {
        match self {
            AnchorAst::Previous(span) => *span,
            AnchorAst::Event { span, .. } => *span,
        }
    }
}

/// `repeats { … }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Repeats {
    /// `first due …` lines (one expected).
    pub first: Vec<Timescale>,
    /// `second due …` lines (at most one expected).
    pub second: Vec<Timescale>,
    /// `then due … [if …]` lines, in order.
    pub then: Vec<ThenLine>,
    /// `until …` lines (one expected).
    pub until: Vec<UntilLine>,
    /// From `repeats` to the closing `}`.
    pub span: Span,
    /// The `repeats {` line.
    pub header: Span,
}

/// `then due … [if …]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ThenLine {
    /// The timescale.
    pub timescale: Timescale,
    /// The condition, if any.
    pub condition: Option<ConditionAst>,
}

/// `until a completed, b completed with x`.
#[derive(Debug, Clone, PartialEq)]
pub struct UntilLine {
    /// The events that end the series.
    pub events: Vec<HappeningAst>,
    /// The whole line.
    pub span: Span,
}

/// `rcpc completed with end_plan`.
#[derive(Debug, Clone, PartialEq)]
pub struct HappeningAst {
    /// The step.
    pub step: Ident,
    /// Started or completed.
    pub milestone: crate::model::Milestone,
    /// `with outcome`.
    pub outcome: Option<Ident>,
    /// The whole event.
    pub span: Span,
}

/// `on <trigger> [if <condition>] <effect>`.
#[derive(Debug, Clone, PartialEq)]
pub struct OnLine {
    /// What sets it off.
    pub trigger: TriggerAst,
    /// `if …`.
    pub condition: Option<ConditionAst>,
    /// What it does.
    pub effect: EffectAst,
    /// The whole line.
    pub span: Span,
}

/// `start`, `complete` or an outcome.
#[derive(Debug, Clone, PartialEq)]
pub enum TriggerAst {
    /// `on start`.
    Start(Span),
    /// `on complete`.
    Complete(Span),
    /// `on <outcome>`.
    Outcome(Ident),
}

/// What an `on` line does.
#[derive(Debug, Clone, PartialEq)]
pub enum EffectAst {
    /// `open a, b`.
    Open(Vec<Ident>),
    /// `close a, b`.
    Close(Vec<Ident>),
    /// `close everything`.
    CloseEverything(Span),
    /// `end`.
    End(Span),
}

/// A condition as written.
#[derive(Debug, Clone, PartialEq)]
pub enum ConditionAst {
    /// `fact op value`.
    Compare {
        /// The fact.
        fact: Ident,
        /// The comparison.
        op: crate::model::CompareOp,
        /// The value.
        value: crate::model::Value,
        /// The whole comparison.
        span: Span,
    },
    /// `within 1 year of placement started`.
    Within {
        /// The period.
        period: PeriodAst,
        /// From what.
        anchor: AnchorAst,
        /// The whole condition.
        span: Span,
    },
    /// `not …`.
    Not(Box<ConditionAst>, Span),
    /// `… and …`.
    All(Vec<ConditionAst>, Span),
    /// `… or …`.
    Any(Vec<ConditionAst>, Span),
}
