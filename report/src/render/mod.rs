//! Laying a [`Report`] out: each section is a table of typed cells
//! ([`rows`]), which the table, CSV, HTML and Excel writers share; JSON is
//! the report itself.

mod html;
mod table;
mod xlsx;

pub use html::html;
pub use table::table;
pub use xlsx::{XLSX_ROWS, xlsx};

use crate::model::{Figures, Report, StepTimeliness};
use crate::{Section, Split};
use duly_engine::Due;
use duly_events::At;
use jiff::civil::{Date, DateTime};
use std::io::Write;

/// One cell of a section's table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A whole number.
    Int(i64),
    /// A percentage or other decimal.
    Num(f64),
    /// A day.
    Date(Date),
    /// A moment: its London wall-clock time, and its text with the offset.
    Time(DateTime, String),
    /// Yes or no.
    Bool(bool),
    /// Nothing recorded.
    Empty,
}

impl Cell {
    /// The cell as CSV and terminal text.
    pub fn text(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Num(x) => format!("{x:.1}"),
            Cell::Date(d) => d.to_string(),
            Cell::Time(_, text) => text.clone(),
            Cell::Bool(b) => if *b { "yes" } else { "no" }.to_owned(),
            Cell::Empty => String::new(),
        }
    }
}

fn text(value: impl ToString) -> Cell {
    Cell::Text(value.to_string())
}

fn maybe(value: &Option<String>) -> Cell {
    value.as_deref().map_or(Cell::Empty, text)
}

fn int(value: impl Into<i64>) -> Cell {
    Cell::Int(value.into())
}

fn count(value: u64) -> Cell {
    i64::try_from(value).map_or(Cell::Num(value as f64), Cell::Int)
}

fn opt_int(value: Option<i64>) -> Cell {
    value.map_or(Cell::Empty, Cell::Int)
}

fn opt_num(value: Option<f64>) -> Cell {
    value.map_or(Cell::Empty, Cell::Num)
}

fn london(at: jiff::Timestamp) -> DateTime {
    at.to_zoned_datetime(duly_calendar::LONDON.clone())
        .datetime()
}

fn due(due: &Due) -> Cell {
    match due {
        Due::Day(date) => Cell::Date(*date),
        Due::Instant(at) => Cell::Time(london(*at), due.to_string()),
    }
}

fn at(at: &At) -> Cell {
    match at {
        At::Date(date) => Cell::Date(*date),
        At::Instant { timestamp, .. } => Cell::Time(london(*timestamp), at.to_string()),
    }
}

/// A column of a section's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Its header: the JSON field name where there is one.
    pub name: &'static str,
    /// Long text (explanations, reasons, sources) that a terminal table leaves
    /// out or keeps last.
    pub wide: bool,
}

const fn col(name: &'static str) -> Column {
    Column { name, wide: false }
}

const fn wide(name: &'static str) -> Column {
    Column { name, wide: true }
}

/// The columns of `section`'s table.
pub fn columns(section: Section) -> &'static [Column] {
    match section {
        Section::Measures => {
            const {
                &[
                    col("id"),
                    col("title"),
                    col("step"),
                    col("numerator"),
                    col("denominator"),
                    col("percent"),
                ]
            }
        }
        Section::Breaches => {
            const {
                &[
                    col("case"),
                    col("step"),
                    col("occurrence"),
                    col("due"),
                    col("completed"),
                    col("status"),
                    col("late"),
                    col("late_unit"),
                    col("team"),
                    col("worker"),
                    wide("workflow"),
                    wide("source"),
                    wide("local"),
                    wide("anchor_event"),
                    col("explanation"),
                ]
            }
        }
        Section::AtRisk => {
            const {
                &[
                    col("case"),
                    col("step"),
                    col("occurrence"),
                    col("due"),
                    col("working_days_left"),
                    col("approaching"),
                    col("team"),
                    col("worker"),
                    wide("workflow"),
                    col("explanation"),
                ]
            }
        }
        Section::Timeliness => {
            const {
                &[
                    col("step"),
                    wide("title"),
                    col("timescale"),
                    col("by"),
                    col("group"),
                    col("due"),
                    col("met"),
                    col("late"),
                    col("overdue"),
                    col("percent_on_time"),
                    col("unit"),
                    col("median_from_due"),
                    col("p90_from_due"),
                    col("median_taken"),
                    col("p90_taken"),
                ]
            }
        }
        Section::OpenCases => const { &[col("team"), col("worker"), col("open_cases")] },
        Section::WorkerChanges => {
            const { &[col("case"), col("changes"), col("team"), col("worker")] }
        }
        Section::Drift => {
            const {
                &[
                    col("case"),
                    col("team"),
                    col("worker"),
                    col("last_completed_step"),
                    col("last_completed"),
                    col("since"),
                    col("working_days"),
                ]
            }
        }
        Section::PluginSummary => const { &[col("plugin"), col("action"), col("count")] },
        Section::PluginActions => {
            const {
                &[
                    col("case"),
                    col("at"),
                    col("plugin"),
                    col("hook"),
                    col("action"),
                    col("subject"),
                    col("reason"),
                ]
            }
        }
    }
}

/// How many rows `section`'s table has, split `by`.
pub fn row_count(report: &Report, section: Section, by: Split) -> usize {
    match section {
        Section::Measures => report.measures.len(),
        Section::Breaches => report.breaches.len(),
        Section::AtRisk => report.at_risk.len(),
        Section::Timeliness => report
            .timeliness
            .iter()
            .map(|s| 1 + groups(s, by).len())
            .sum(),
        Section::OpenCases => report.open_cases.len(),
        Section::WorkerChanges => report.worker_changes.len(),
        Section::Drift => report.drift.len(),
        Section::PluginSummary => report.plugin_summary.len(),
        Section::PluginActions => report.plugin_actions.len(),
    }
}

fn groups(step: &StepTimeliness, by: Split) -> &[crate::model::Group] {
    match by {
        Split::Step => &[],
        Split::Team => &step.by_team,
        Split::Worker => &step.by_worker,
        Split::Month => &step.by_month,
    }
}

fn figures(step: &StepTimeliness, by: &str, group: Cell, f: &Figures) -> Vec<Cell> {
    vec![
        text(&step.step),
        text(&step.title),
        text(&step.timescale),
        text(by),
        group,
        count(f.due),
        count(f.met),
        count(f.late),
        count(f.overdue),
        opt_num(f.percent_on_time),
        text(step.unit.as_str()),
        opt_int(f.median_from_due),
        opt_int(f.p90_from_due),
        opt_int(f.median_taken),
        opt_int(f.p90_taken),
    ]
}

/// The rows of `section`'s table (timeliness split `by`), one at a time,
/// in [`columns`] order.
pub fn rows<'a>(
    report: &'a Report,
    section: Section,
    by: Split,
) -> Box<dyn Iterator<Item = Vec<Cell>> + 'a> {
    match section {
        Section::Measures => Box::new(report.measures.iter().map(|m| {
            vec![
                text(m.id),
                text(m.title),
                text(m.step),
                count(m.numerator),
                count(m.denominator),
                opt_num(m.percent),
            ]
        })),
        Section::Breaches => Box::new(report.breaches.iter().map(|b| {
            vec![
                text(&b.case),
                text(&b.step),
                int(b.occurrence),
                due(&b.due),
                b.completed.as_ref().map_or(Cell::Empty, at),
                text(b.status.as_str()),
                Cell::Int(b.late),
                text(b.late_unit.as_str()),
                maybe(&b.team),
                maybe(&b.worker),
                text(&b.workflow),
                b.source.as_deref().map_or(Cell::Empty, text),
                Cell::Bool(b.local),
                b.anchor_event.as_deref().map_or(Cell::Empty, text),
                text(&b.explanation),
            ]
        })),
        Section::AtRisk => Box::new(report.at_risk.iter().map(|r| {
            vec![
                text(&r.case),
                text(&r.step),
                int(r.occurrence),
                due(&r.due),
                Cell::Int(r.working_days_left),
                Cell::Bool(r.approaching),
                maybe(&r.team),
                maybe(&r.worker),
                text(&r.workflow),
                text(&r.explanation),
            ]
        })),
        Section::Timeliness => Box::new(report.timeliness.iter().flat_map(move |step| {
            std::iter::once(figures(step, "all", Cell::Empty, &step.all)).chain(
                groups(step, by)
                    .iter()
                    .map(move |g| figures(step, by.as_str(), maybe(&g.group), &g.figures)),
            )
        })),
        Section::OpenCases => Box::new(
            report
                .open_cases
                .iter()
                .map(|o| vec![maybe(&o.team), maybe(&o.worker), count(o.open_cases)]),
        ),
        Section::WorkerChanges => Box::new(report.worker_changes.iter().map(|w| {
            vec![
                text(&w.case),
                int(w.changes),
                maybe(&w.team),
                maybe(&w.worker),
            ]
        })),
        Section::Drift => Box::new(report.drift.iter().map(|d| {
            vec![
                text(&d.case),
                maybe(&d.team),
                maybe(&d.worker),
                d.last_completed_step.as_deref().map_or(Cell::Empty, text),
                d.last_completed.map_or(Cell::Empty, Cell::Date),
                Cell::Date(d.since),
                Cell::Int(d.working_days),
            ]
        })),
        Section::PluginSummary => Box::new(
            report
                .plugin_summary
                .iter()
                .map(|p| vec![text(&p.plugin), text(p.action), count(p.count)]),
        ),
        Section::PluginActions => Box::new(report.plugin_actions.iter().map(|a| {
            vec![
                text(&a.case),
                Cell::Time(london(a.at), a.at.to_string()),
                text(&a.plugin),
                text(a.hook),
                text(a.action),
                text(&a.subject),
                text(&a.reason),
            ]
        })),
    }
}

/// Writes `section` as CSV with a header row (timeliness split `by`).
pub fn csv(report: &Report, section: Section, by: Split, out: impl Write) -> std::io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    let header = columns(section).iter().map(|c| c.name);
    writer.write_record(header).map_err(std::io::Error::other)?;
    for row in rows(report, section, by) {
        writer
            .write_record(row.iter().map(Cell::text))
            .map_err(std::io::Error::other)?;
    }
    writer.flush()
}

/// Writes the whole report as JSON: every figure, with the field names
/// documented in `docs/report.md`.
pub fn json(report: &Report, out: impl Write) -> std::io::Result<()> {
    let mut out = out;
    serde_json::to_writer_pretty(&mut out, report).map_err(std::io::Error::other)?;
    out.write_all(b"\n")
}
