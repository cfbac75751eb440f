//! Compliance reports over the store: `GET /v1/reports/{section}`.
//!
//! The report is `duly report`'s (`duly-report`), from every stored event:
//! each case is replayed by the engine of the rules generation it runs
//! under — the one in force when its first event arrived, unless a newer
//! version took it over — with that generation's plugins, exactly as
//! `GET /v1/cases/{id}` replays it. Its deadlines, their status and
//! explanations, and its plugin actions are therefore those of its own
//! rules. The figures of every case then add up in one report: the steps
//! of every generation in force, titled by the current one; a step whose
//! timescale differs between generations has no single limit, so its
//! times are given only from the due day (see
//! [`duly_report::Reporter::for_rule_sets`]).
//!
//! Plugin actions in a report are those the replay gives as of the report's
//! day, as `duly report` gives them; the escalation timer's record of what
//! was carried out is separate.

use crate::error::ApiError;
use crate::rules::{Assignment, ServiceStore};
use duly_engine::AsOf;
use duly_events::Event;
use duly_report::model::Input;
use duly_report::{Options, Report, Reporter, Section, Split, Tally};
use duly_store::StoreError;
use jiff::Timestamp;
use jiff::civil::Date;

/// The formats one section is served in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `Report::section_json`: what `duly report --format json --section` prints.
    Json,
    /// A header line and a row a line, as `duly report --format csv --section`.
    Csv,
    /// Aligned columns, as `duly report --section` prints for a terminal.
    Table,
}

impl Format {
    const NAMES: &[(&str, Format)] = &[
        ("json", Format::Json),
        ("csv", Format::Csv),
        ("table", Format::Table),
    ];

    /// The `Content-Type` of its answers.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Table => "text/plain; charset=utf-8",
        }
    }
}

/// What a report request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportQuery {
    /// The day, the period and the horizons.
    pub options: Options,
    /// How the section is written.
    pub format: Format,
    /// How timeliness is split (CSV and table; the JSON has every split).
    pub by: Split,
}

/// The query parameters a report takes.
const PARAMETERS: &[&str] = &[
    "as_of",
    "from",
    "to",
    "format",
    "by",
    "at_risk_days",
    "drift_days",
];

/// The longest horizon, in working days, for `at_risk_days` and `drift_days`.
const LONGEST_HORIZON: u32 = 1000;

fn bad(parameter: &str, message: String) -> ApiError {
    let code = if parameter == "as_of" {
        "bad_as_of"
    } else {
        "bad_parameter"
    };
    ApiError::bad_request(code, message).with_detail(serde_json::json!({ "parameter": parameter }))
}

fn day(parameter: &str, text: &str) -> Result<Date, ApiError> {
    text.parse::<Date>().map_err(|_| {
        bad(
            parameter,
            format!("`{parameter}` must be a day such as `2025-03-31`"),
        )
    })
}

fn horizon(parameter: &str, text: &str) -> Result<u32, ApiError> {
    match text.parse::<u32>() {
        Ok(n) if n <= LONGEST_HORIZON => Ok(n),
        _ => Err(bad(
            parameter,
            format!(
                "`{parameter}` must be a whole number of working days from 0 to {LONGEST_HORIZON}"
            ),
        )),
    }
}

impl ReportQuery {
    /// Reads the query parameters, with `duly report`'s defaults: as of
    /// today in London (`now`'s day there), over the 12 months ending on the
    /// as-of day, JSON, timeliness by step, at risk within 5 working days,
    /// drift after 20. A parameter that cannot be read is a `400` naming it.
    pub fn parse(pairs: &[(String, String)], now: Timestamp) -> Result<ReportQuery, ApiError> {
        let mut seen: Vec<&str> = Vec::new();
        for (name, _) in pairs {
            if !PARAMETERS.contains(&name.as_str()) {
                let mut shown: String = name.chars().take(40).collect();
                if shown.len() < name.len() {
                    shown.push('…');
                }
                let known: Vec<String> = PARAMETERS.iter().map(|p| format!("`{p}`")).collect();
                return Err(bad(
                    &shown,
                    format!(
                        "unknown parameter `{shown}`: a report takes {}",
                        known.join(", ")
                    ),
                ));
            }
            if seen.contains(&name.as_str()) {
                return Err(bad(name, format!("`{name}` is given twice: give it once")));
            }
            seen.push(name);
        }
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        let as_of = match get("as_of") {
            Some(text) => text.parse::<Date>().map_err(|_| {
                bad(
                    "as_of",
                    "`as_of` must be a day such as `2025-03-31`: cases are judged as of the end of that day in London".into(),
                )
            })?,
            None => duly_calendar::local_date(now),
        };
        let to = get("to")
            .map(|t| day("to", t))
            .transpose()?
            .unwrap_or(as_of);
        let from = match get("from") {
            Some(text) => day("from", text)?,
            None => Options::new(to).from,
        };
        if from > to {
            return Err(bad(
                "from",
                format!(
                    "the period starts on {from} (`from`) after it ends on {to} (`to`): give a `from` on or before `to`"
                ),
            ));
        }
        let format = match get("format") {
            None => Format::Json,
            Some(text) => Format::NAMES
                .iter()
                .find(|(name, _)| *name == text)
                .map(|(_, f)| *f)
                .ok_or_else(|| {
                    bad(
                        "format",
                        "`format` must be `json`, `csv` or `table` (HTML, xlsx and Annex A hold a whole report: use `duly report`)".into(),
                    )
                })?,
        };
        let by = match get("by") {
            None | Some("step") => Split::Step,
            Some("team") => Split::Team,
            Some("worker") => Split::Worker,
            Some("month") => Split::Month,
            Some(_) => {
                return Err(bad(
                    "by",
                    "`by` must be `step`, `team`, `worker` or `month`".into(),
                ));
            }
        };
        let mut options = Options {
            from,
            to,
            ..Options::new(as_of)
        };
        if let Some(text) = get("at_risk_days") {
            options.at_risk_days = horizon("at_risk_days", text)?;
        }
        if let Some(text) = get("drift_days") {
            options.drift_days = horizon("drift_days", text)?;
        }
        Ok(ReportQuery {
            options,
            format,
            by,
        })
    }
}

/// The answer to an unknown section: `404` listing the known ones.
pub fn unknown_section(name: &str) -> ApiError {
    let mut shown: String = name.chars().take(40).collect();
    if shown.len() < name.len() {
        shown.push('…');
    }
    let names: Vec<&str> = Section::ALL.iter().map(|s| s.name()).collect();
    ApiError::not_found(
        "unknown_section",
        format!(
            "unknown report section `{shown}`: choose one of {}",
            names.join(", ")
        ),
    )
    .with_detail(serde_json::json!({ "sections": names }))
}

/// The report of every stored case as of `options`, each case replayed by
/// the rules it runs under in `assignment`. A stored event that cannot be
/// read back is left out and counted in `input.refused`.
pub fn compute(
    store: &dyn ServiceStore,
    assignment: &Assignment,
    options: Options,
) -> Result<Report, StoreError> {
    let generations: Vec<_> = assignment.all().collect();
    let rule_sets: Vec<_> = generations.iter().map(|r| r.engine.rules()).collect();
    let reporters = Reporter::for_rule_sets(&rule_sets, options);
    let Some(first) = reporters.first() else {
        // Never: the current generation is always in force.
        return Ok(Report::from_states(
            assignment.current().engine.rules(),
            options,
            [],
        ));
    };
    let mut tally = Tally::new(first);
    let as_of = AsOf::end_of(options.as_of);
    let mut input = Input::default();
    let mut unreadable = 0;
    let mut add = |case: &str, events: Vec<Event>| {
        let rules = assignment.rules_for(case);
        let reporter = generations
            .iter()
            .position(|r| r.number == rules.number)
            .and_then(|i| reporters.get(i))
            .unwrap_or(first);
        let (checked, errors) = rules.engine.check_case(case, events);
        input.events += checked.len() as u64;
        input.cases += 1;
        let state = rules.engine.replay_checked(case, checked, errors, as_of);
        input.refused += state.errors.len() as u64;
        tally.add(reporter.figures(&state));
    };
    let mut case = String::new();
    let mut events: Vec<Event> = Vec::new();
    for item in store.events()? {
        match item {
            Ok(stored) => {
                if stored.event.case != case {
                    if !events.is_empty() {
                        add(&case, std::mem::take(&mut events));
                    }
                    case.clone_from(&stored.event.case);
                }
                events.push(stored.event);
            }
            Err(StoreError::Corrupt { id, .. }) => {
                tracing::warn!(event = %id, "a stored event cannot be read back: the report leaves it out");
                unreadable += 1;
            }
            Err(err) => return Err(err),
        }
    }
    if !events.is_empty() {
        add(&case, events);
    }
    input.refused += unreadable;
    Ok(tally.finish(input))
}
