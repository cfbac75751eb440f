//! Compliance reports on timescale breaches: what managers check weekly,
//! what inspectors ask for on their first day, what a council reports to its
//! cabinet.
//!
//! A report is computed from case states as they stream out of the engine,
//! then rendered, section by section, to a format:
//!
//! 1. [`Reporter::new`] takes the rules and the [`Options`] (as-of day,
//!    period, at-risk and drift horizons);
//! 2. [`Reporter::figures`] reduces one [`duly_engine::CaseState`] to what
//!    the report needs from it. It is pure and shared between threads: call
//!    it as the `map` of [`duly_engine::Engine::run_with`], on every core;
//! 3. [`Tally::add`] adds each case's figures, in case order, and
//!    [`Tally::finish`] gives the [`Report`];
//! 4. [`render`] lays a report out as a table, CSV, JSON, HTML or an Excel
//!    workbook, whole or one [`Section`] at a time.
//!
//! No case state is held: only the report's own rows (breaches, at-risk
//! deadlines, drifting cases, …) and, for timeliness, counts and histograms
//! of times (see [`Tally`]). Every counting rule is in [`Report::notes`]
//! and `docs/report.md`.
//!
//! ```
//! use duly_engine::{AsOf, Engine, RunOptions};
//! use duly_report::{Options, Reporter, Tally, render};
//!
//! let rules = duly_dsl::check_text("s.duly", r#"
//! workflow safeguarding {
//!   title "Safeguarding"
//!   version "1"
//!   source "Working Together to Safeguard Children 2018"
//!   calendar england_and_wales
//!   starts with referral
//!   step referral {
//!     title "Referral"
//!     due 1 working day after referral started
//!       source "Working Together to Safeguard Children 2018, chapter 1"
//!     on complete end
//!   }
//! }
//! "#).rules.expect("the rules check");
//! let engine = Engine::new(rules)?;
//! let events = r#"{"id":"e-1","case":"C1","at":"2025-06-02","step":"referral","action":"start","facts":{"team":"North"}}
//! {"id":"e-2","case":"C1","at":"2025-06-05","step":"referral","action":"complete"}
//! "#;
//! let as_of: jiff::civil::Date = "2025-06-30".parse()?;
//! let reporter = Reporter::new(engine.rules(), Options::new(as_of));
//! let mut tally = Tally::new(&reporter);
//! let run = RunOptions { as_of: AsOf::end_of(as_of), case: None };
//! engine.run_with(events.as_bytes(), &run, |state| reporter.figures(&state), |f| tally.add(f))?;
//! let report = tally.finish(Default::default());
//!
//! assert_eq!(report.breaches.len(), 1);
//! assert_eq!(report.breaches[0].late, 2);
//! assert_eq!(report.breaches[0].team.as_deref(), Some("North"));
//! let referrals = &report.measures[0];
//! assert_eq!((referrals.id, referrals.numerator, referrals.denominator), ("referral_decision_1wd", 0, 1));
//! let mut csv = Vec::new();
//! render::csv(&report, duly_report::Section::Breaches, Default::default(), &mut csv)?;
//! assert!(String::from_utf8(csv)?.starts_with("case,step,occurrence,due,"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod extract;
mod measures;
pub mod model;
mod notes;
pub mod render;
mod tally;

pub use extract::{CaseFigures, Reporter};
pub use measures::{DEFINED as MEASURES, MeasureDef};
pub use model::Report;
pub use tally::Tally;

use duly_dsl::model::RuleSet;
use duly_engine::CaseState;
use jiff::civil::Date;
use std::fmt;
use std::str::FromStr;

/// What a report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Cases are judged as of the end of this day (London).
    pub as_of: Date,
    /// The first day of the period.
    pub from: Date,
    /// The last day of the period (counted only up to `as_of`).
    pub to: Date,
    /// At risk: open deadlines due within this many working days (5).
    pub at_risk_days: u32,
    /// Drift: open cases with no step completed in this many working days (20).
    pub drift_days: u32,
}

impl Options {
    /// The default report as of `as_of`: the 12 months ending that day
    /// (from the day after the same date a year before), at risk within 5
    /// working days, drift after 20.
    pub fn new(as_of: Date) -> Options {
        let from = as_of
            .checked_sub(jiff::Span::new().months(12))
            .and_then(|d| d.tomorrow())
            .unwrap_or(as_of);
        Options {
            as_of,
            from,
            to: as_of,
            at_risk_days: 5,
            drift_days: 20,
        }
    }

    /// The last day counted: the earlier of `to` and `as_of`.
    pub fn counted_to(&self) -> Date {
        self.to.min(self.as_of)
    }

    /// Whether `day` is in the period and not after the as-of day.
    pub fn in_period(&self, day: Date) -> bool {
        self.from <= day && day <= self.counted_to()
    }

    /// Checks the period: its first day must not be after its last.
    pub fn check(&self) -> Result<(), String> {
        if self.from > self.to {
            return Err(format!(
                "the period starts on {} after it ends on {}: swap `--from` and `--to`",
                self.from, self.to
            ));
        }
        Ok(())
    }
}

impl Report {
    /// A report from case states already at hand (tests, a service's
    /// single case): the same as streaming them through a [`Tally`].
    pub fn from_states(
        rules: &RuleSet,
        options: Options,
        states: impl IntoIterator<Item = CaseState>,
    ) -> Report {
        let reporter = Reporter::new(rules, options);
        let mut tally = Tally::new(&reporter);
        let mut cases = 0;
        for state in states {
            cases += 1;
            tally.add(reporter.figures(&state));
        }
        tally.finish(model::Input {
            events: 0,
            cases,
            refused: 0,
        })
    }

    /// One section as JSON: what `GET /v1/reports/{section}` serves.
    pub fn section_json(&self, section: Section) -> serde_json::Value {
        let value = |v: serde_json::Result<serde_json::Value>| v.unwrap_or_default();
        match section {
            Section::Measures => value(serde_json::to_value(&self.measures)),
            Section::Breaches => value(serde_json::to_value(&self.breaches)),
            Section::AtRisk => value(serde_json::to_value(&self.at_risk)),
            Section::Timeliness => value(serde_json::to_value(&self.timeliness)),
            Section::OpenCases => value(serde_json::to_value(&self.open_cases)),
            Section::WorkerChanges => value(serde_json::to_value(&self.worker_changes)),
            Section::Drift => value(serde_json::to_value(&self.drift)),
            Section::PluginSummary => value(serde_json::to_value(&self.plugin_summary)),
            Section::PluginActions => value(serde_json::to_value(&self.plugin_actions)),
        }
    }
}

/// How timeliness is split.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Split {
    /// By step only.
    #[default]
    Step,
    /// By step and the team that held the case.
    Team,
    /// By step and the worker who held the case.
    Worker,
    /// By step and the month the deadline was due.
    Month,
}

impl Split {
    /// Its name (`team`).
    pub fn as_str(self) -> &'static str {
        match self {
            Split::Step => "step",
            Split::Team => "team",
            Split::Worker => "worker",
            Split::Month => "month",
        }
    }
}

/// A section of a report: a table of its own in every format, a key of the
/// JSON, a CSV file, a sheet of the workbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    /// The measures councils are compared on.
    Measures,
    /// Deadlines due in the period and missed.
    Breaches,
    /// Open deadlines due soon.
    AtRisk,
    /// Timeliness by step.
    Timeliness,
    /// Open cases per team and worker.
    OpenCases,
    /// Children with 3 or more changes of worker in 12 months.
    WorkerChanges,
    /// Open cases with nothing completed for a while.
    Drift,
    /// Plugin actions by plugin and kind.
    PluginSummary,
    /// Each flag and escalation.
    PluginActions,
}

impl Section {
    /// Every section, in report order.
    pub const ALL: [Section; 9] = [
        Section::Measures,
        Section::Breaches,
        Section::AtRisk,
        Section::Timeliness,
        Section::OpenCases,
        Section::WorkerChanges,
        Section::Drift,
        Section::PluginSummary,
        Section::PluginActions,
    ];

    /// Its name: the JSON key, the CSV file's stem (`at_risk`).
    pub fn name(self) -> &'static str {
        match self {
            Section::Measures => "measures",
            Section::Breaches => "breaches",
            Section::AtRisk => "at_risk",
            Section::Timeliness => "timeliness",
            Section::OpenCases => "open_cases",
            Section::WorkerChanges => "worker_changes",
            Section::Drift => "drift",
            Section::PluginSummary => "plugin_summary",
            Section::PluginActions => "plugin_actions",
        }
    }

    /// Its title for people.
    pub fn title(self) -> &'static str {
        match self {
            Section::Measures => "Measures",
            Section::Breaches => "Breaches",
            Section::AtRisk => "At risk",
            Section::Timeliness => "Timeliness by step",
            Section::OpenCases => "Open cases by worker",
            Section::WorkerChanges => "Changes of worker",
            Section::Drift => "Drift",
            Section::PluginSummary => "Plugin actions",
            Section::PluginActions => "Flags and escalations",
        }
    }
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Section {
    type Err = String;

    fn from_str(text: &str) -> Result<Section, String> {
        Section::ALL
            .into_iter()
            .find(|s| s.name() == text)
            .ok_or_else(|| {
                let names: Vec<&str> = Section::ALL.iter().map(|s| s.name()).collect();
                format!(
                    "unknown section `{text}`: choose one of {}",
                    names.join(", ")
                )
            })
    }
}
