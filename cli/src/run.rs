//! `duly run`: replays every child's events against the rules as of a date,
//! and prints each deadline with its status and how it was worked out.

use crate::rules;
use crate::source::{Problem, Source, SourceArgs};
use duly_engine::plugin::{ActionRecord, HookError};
use duly_engine::{AsOf, CaseState, Deadline, Due, Engine, Lateness, RunOptions, Status};
use duly_events::EventError;
use jiff::civil::Date;
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Replay cases against the rules and report every deadline.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The rules: a folder of `.duly` files, or one file.
    #[arg(long, value_name = "DIR")]
    pub rules: PathBuf,
    /// Where the events come from.
    #[command(flatten)]
    pub source: SourceArgs,
    /// Judge every case as of the end of this day (`YYYY-MM-DD`).
    #[arg(long = "as-of", value_name = "DATE", value_parser = parse_date)]
    pub as_of: Date,
    /// Only this child's case.
    #[arg(long, value_name = "ID")]
    pub case: Option<String>,
    /// `table` for people, `json` for programs.
    #[arg(long, value_enum, default_value_t = RunFormat::Table)]
    pub format: RunFormat,
    /// Fail (exit 1, printing no result) if any event is refused.
    #[arg(long)]
    pub strict: bool,
    /// A folder to look for plugin scripts in.
    #[arg(long = "plugins", value_name = "DIR")]
    pub plugins: Vec<PathBuf>,
}

/// How `duly run` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RunFormat {
    /// One line a deadline, overdue first.
    Table,
    /// The JSON contract.
    Json,
}

/// Reads a `YYYY-MM-DD` date argument.
pub(crate) fn parse_date(text: &str) -> Result<Date, String> {
    text.parse()
        .map_err(|_| format!("`{text}` is not a date: write `YYYY-MM-DD`"))
}

/// Runs `duly run`.
pub fn run(args: Args) -> ExitCode {
    let Some(engine) = rules::engine(&args.rules, &args.plugins) else {
        return ExitCode::FAILURE;
    };
    let source = match Source::new(&args.source) {
        Ok(source) => source,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };
    let options = RunOptions {
        as_of: AsOf::end_of(args.as_of),
        case: args.case.clone(),
    };
    let mut out: Vec<u8> = Vec::new();
    // In strict mode nothing is printed until the run is known to be clean.
    let mut sink: Box<dyn Write> = if args.strict {
        Box::new(&mut out)
    } else {
        crate::output::stream(1 << 20)
    };
    let mut problems = Vec::new();
    let result = match args.format {
        RunFormat::Json => json(&engine, &source, &options, &mut sink, &mut problems),
        RunFormat::Table => table(&engine, &source, &options, &mut sink, &mut problems),
    };
    let result = result.and_then(|errors| Ok(sink.flush().map(|_| errors)?));
    drop(sink);
    let (errors, hook_errors) = match result {
        Ok(errors) => errors,
        Err(Failed::Source(message)) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
        Err(Failed::Output(err)) if crate::output::reader_gone(&err) => {
            return ExitCode::SUCCESS;
        }
        Err(Failed::Output(err)) => {
            eprintln!(
                "error: cannot write the result: {}",
                crate::source::why(&err)
            );
            return ExitCode::FAILURE;
        }
    };
    for problem in &problems {
        eprintln!("{problem}");
    }
    if args.format == RunFormat::Table || args.strict {
        for error in &errors {
            eprintln!("{}", source.describe(error));
        }
        // A plugin that failed: the run went on for every other case.
        for error in &hook_errors {
            eprintln!("{error}");
        }
    }
    let refused = errors.len() + problems.iter().filter(|p| p.left_out()).count();
    if args.strict && refused > 0 {
        eprintln!(
            "error: {} event{} refused; nothing reported (--strict)",
            refused,
            if refused == 1 { " was" } else { "s were" }
        );
        return ExitCode::FAILURE;
    }
    if args.strict && std::io::stdout().write_all(&out).is_err() {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// An event error as people read it, by line of a JSON Lines file.
pub(crate) fn describe(error: &EventError) -> String {
    match &error.field {
        Some(field) => format!("line {} (`{field}`): {}", error.line, error.message),
        None => format!("line {}: {}", error.line, error.message),
    }
}

/// One case in the JSON output.
#[derive(Serialize)]
struct CaseOut<'a> {
    case: &'a str,
    deadlines: &'a [Deadline],
    episodes: &'a [duly_engine::Episode],
    open_steps: &'a [duly_engine::OpenStep],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    notes: &'a [String],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    actions: &'a [duly_engine::plugin::ActionRecord],
}

/// One entry of the output's `errors`: an event refused (by line), or a
/// plugin hook that failed (by case, plugin and hook).
#[derive(Serialize)]
#[serde(untagged)]
enum RunError<'a> {
    Event(&'a EventError),
    Hook(&'a HookError),
}

/// What went wrong in a run: refused events, by line, and failed plugin
/// hooks, by case.
type Errors = (Vec<EventError>, Vec<HookError>);

/// Streams the JSON contract: cases are written as they are replayed.
/// Why a run stopped: its input could not be read, or its output not written.
enum Failed {
    Source(String),
    Output(std::io::Error),
}

impl From<std::io::Error> for Failed {
    fn from(err: std::io::Error) -> Self {
        Failed::Output(err)
    }
}

impl From<String> for Failed {
    fn from(message: String) -> Self {
        Failed::Source(message)
    }
}

fn json(
    engine: &Engine,
    source: &Source,
    options: &RunOptions,
    out: &mut dyn Write,
    problems: &mut Vec<Problem>,
) -> Result<Errors, Failed> {
    write!(out, "{{\"as_of\":\"{}\",\"cases\":[", options.as_of.date)?;
    let mut first = true;
    let mut failed = None;
    let mut case_errors = Vec::new();
    let mut hook_errors = Vec::new();
    // Each case is written to JSON on every core; the texts are then
    // joined in order of case id. sonic-rs writes the bytes serde_json
    // would (the tests below hold it to that), faster.
    let to_json = |state: CaseState| {
        let case = CaseOut {
            case: &state.case,
            deadlines: &state.deadlines,
            episodes: &state.episodes,
            open_steps: &state.open_steps,
            notes: &state.notes,
            actions: &state.actions,
        };
        // Room for the text at once (a deadline is its explanation, its
        // source and rule, and about 300 bytes more): growing by doubling
        // copied it over and again.
        let deadlines: usize = (state.deadlines.iter())
            .map(|d| 300 + d.explanation.len() + d.source.as_ref().map_or(0, |s| s.len()))
            .sum();
        let room = 256 + deadlines + 160 * (state.episodes.len() + state.open_steps.len());
        let mut text = Vec::with_capacity(room);
        let written = sonic_rs::to_writer(&mut text, &case).map(|()| text);
        (written, state.errors, state.hook_errors)
    };
    let read = source.run_with(engine, options, to_json, |(text, errors, hooks)| {
        if failed.is_some() {
            return;
        }
        case_errors.extend(errors);
        hook_errors.extend(hooks);
        let written = text.map_err(std::io::Error::other).and_then(|text| {
            if !first {
                out.write_all(b",")?;
            }
            out.write_all(&text)
        });
        first = false;
        if let Err(err) = written {
            failed = Some(err);
        }
    });
    let read = read.map_err(Failed::Source)?;
    problems.extend(read.problems);
    if let Some(err) = failed {
        return Err(Failed::Output(err));
    }
    let mut errors = read.errors;
    errors.extend(case_errors);
    errors.sort_by_key(|e| e.line);
    out.write_all(b"],\"errors\":")?;
    let all: Vec<RunError<'_>> = errors
        .iter()
        .map(RunError::Event)
        .chain(hook_errors.iter().map(RunError::Hook))
        .collect();
    serde_json::to_writer(&mut *out, &all).map_err(std::io::Error::other)?;
    out.write_all(b"}\n")?;
    Ok((errors, hook_errors))
}

/// What the table keeps of a deadline: not its explanation, so that a
/// country's deadlines fit in memory.
struct Row {
    case: Arc<str>,
    step: Arc<str>,
    occurrence: u32,
    due: Due,
    status: Status,
    approaching: bool,
    late: Option<Lateness>,
    source: Option<Arc<str>>,
    local: bool,
}

impl Row {
    fn of(case: &Arc<str>, d: Deadline) -> Row {
        Row {
            case: case.clone(),
            step: d.step,
            occurrence: d.occurrence,
            due: d.due,
            status: d.status,
            approaching: d.approaching,
            late: d.late,
            source: d.source,
            local: d.local,
        }
    }

    /// Overdue first, then approaching, open, late, met and cancelled.
    fn rank(&self) -> u8 {
        match self.status {
            Status::Overdue => 0,
            Status::Open if self.approaching => 1,
            Status::Open => 2,
            Status::Late => 3,
            Status::Met => 4,
            Status::Cancelled => 5,
        }
    }

    fn cells(&self) -> [String; 7] {
        let status = if self.approaching {
            "approaching".to_owned()
        } else {
            self.status.as_str().to_owned()
        };
        let late = match (self.status, self.late) {
            (Status::Overdue | Status::Late, Some(Lateness::WorkingDays(n))) => {
                format!("{n} working day{}", if n == 1 { "" } else { "s" })
            }
            (Status::Overdue | Status::Late, Some(Lateness::Hours(n))) => {
                format!("{n} hour{}", if n == 1 { "" } else { "s" })
            }
            _ => String::new(),
        };
        let source = match &self.source {
            Some(source) if self.local => format!("local: {}", shorten(source)),
            Some(source) => shorten(source),
            None => String::new(),
        };
        [
            self.case.to_string(),
            self.step.to_string(),
            self.occurrence.to_string(),
            self.due.to_string(),
            status,
            late,
            source,
        ]
    }
}

/// What the table keeps of one case, made on the core that replayed it.
struct CaseRows {
    rows: Vec<Row>,
    actions: Vec<(Arc<str>, ActionRecord)>,
    errors: Vec<EventError>,
    hook_errors: Vec<HookError>,
}

impl CaseRows {
    fn of(state: CaseState) -> CaseRows {
        let case: Arc<str> = state.case.as_str().into();
        CaseRows {
            rows: state
                .deadlines
                .into_iter()
                .map(|d| Row::of(&case, d))
                .collect(),
            actions: state
                .actions
                .into_iter()
                .map(|a| (case.clone(), a))
                .collect(),
            errors: state.errors,
            hook_errors: state.hook_errors,
        }
    }
}

/// One line a deadline, overdue first (longest overdue first), then
/// approaching, open, late, met and cancelled.
fn table(
    engine: &Engine,
    source: &Source,
    options: &RunOptions,
    out: &mut dyn Write,
    problems: &mut Vec<Problem>,
) -> Result<Errors, Failed> {
    let mut rows = Vec::new();
    let mut actions = Vec::new();
    let mut errors = Vec::new();
    let mut hook_errors = Vec::new();
    let mut cases = 0;
    let read = source.run_with(engine, options, CaseRows::of, |case| {
        cases += 1;
        rows.extend(case.rows);
        actions.extend(case.actions);
        errors.extend(case.errors);
        hook_errors.extend(case.hook_errors);
    })?;
    problems.extend(read.problems);
    errors.extend(read.errors);
    errors.sort_by_key(|e| e.line);
    rows.sort_by(|a, b| {
        a.rank()
            .cmp(&b.rank())
            .then(a.due.cmp(&b.due))
            .then(a.case.cmp(&b.case))
            .then(a.step.cmp(&b.step))
            .then(a.occurrence.cmp(&b.occurrence))
    });
    let count = |status: Status| rows.iter().filter(|r| r.status == status).count();
    writeln!(
        out,
        "as of {}: {cases} case{}, {} deadline{}: {} overdue, {} open ({} approaching), {} late, {} met, {} cancelled",
        options.as_of.date,
        if cases == 1 { "" } else { "s" },
        rows.len(),
        if rows.len() == 1 { "" } else { "s" },
        count(Status::Overdue),
        count(Status::Open),
        rows.iter().filter(|r| r.approaching).count(),
        count(Status::Late),
        count(Status::Met),
        count(Status::Cancelled),
    )?;
    let header = ["CASE", "STEP", "#", "DUE", "STATUS", "LATE", "SOURCE"];
    aligned(header, || rows.iter().map(Row::cells), out)?;
    if !actions.is_empty() {
        writeln!(out)?;
        actions_block(&actions, out)?;
    }
    Ok((errors, hook_errors))
}

/// What plugins did, after the deadlines: one line an action, in order of
/// case, then moment (London time).
fn actions_block(actions: &[(Arc<str>, ActionRecord)], out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{} plugin action{}:",
        actions.len(),
        if actions.len() == 1 { "" } else { "s" }
    )?;
    let header = ["CASE", "AT", "PLUGIN", "ACTION", "WHAT"];
    let cells = |(case, record): &(Arc<str>, ActionRecord)| {
        let at = record
            .at
            .to_zoned_datetime(duly_calendar::LONDON.clone())
            .strftime("%Y-%m-%d %H:%M")
            .to_string();
        let action = &record.action;
        let what = match (action.name(), action.to()) {
            (_, Some(to)) => format!("to {to}: {}", action.reason()),
            (Some(name), None) => format!("{name}: {}", action.reason()),
            (None, None) => action.reason().to_owned(),
        };
        [
            case.to_string(),
            at,
            record.plugin.clone(),
            action.kind().to_owned(),
            shorten_reason(&what),
        ]
    };
    aligned(header, || actions.iter().map(cells), out)
}

/// Writes a header and rows in aligned columns, two spaces apart. The rows
/// are made twice, once to measure and once to write, rather than held.
fn aligned<const N: usize, I: Iterator<Item = [String; N]>>(
    header: [&str; N],
    rows: impl Fn() -> I,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut widths = header.map(str::len);
    for row in rows() {
        for (width, cell) in widths.iter_mut().zip(&row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; N]| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == N {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<width$}  ", width = widths[i]));
            }
        }
        text.trim_end().to_owned()
    };
    writeln!(out, "{}", line(header))?;
    for row in rows() {
        writeln!(out, "{}", line(row.each_ref().map(String::as_str)))?;
    }
    Ok(())
}

/// A plugin's reason cut to fit a table.
fn shorten_reason(text: &str) -> String {
    let mut out: String = text.chars().take(80).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

/// A source citation cut to fit a table.
fn shorten(text: &str) -> String {
    let head = text.split(':').next().unwrap_or(text);
    let mut out: String = head.chars().take(60).collect();
    if out.len() < head.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde::Serialize;
    use std::collections::BTreeMap;

    /// The shapes a case's JSON is made of.
    #[derive(Serialize)]
    struct Shapes {
        text: String,
        maybe: Option<String>,
        list: Vec<String>,
        counts: (u32, i64, bool),
        map: BTreeMap<String, Option<i64>>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        empty: Vec<u8>,
        tag: Tag,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "snake_case", tag = "kind")]
    enum Tag {
        Event { event: String },
    }

    proptest! {
        #[test]
        fn a_case_is_written_as_serde_json_writes_it(
            text in any::<String>(),
            maybe in proptest::option::of("[\\x00-\\x7f\"\\\\é→]{0,40}"),
            list in proptest::collection::vec(any::<String>(), 0..4),
            counts in any::<(u32, i64, bool)>(),
            map in proptest::collection::btree_map(any::<String>(), any::<Option<i64>>(), 0..4),
        ) {
            let shapes = Shapes {
                text: text.clone(),
                maybe,
                list,
                counts,
                map,
                empty: Vec::new(),
                tag: Tag::Event { event: text },
            };
            let mut fast = Vec::new();
            sonic_rs::to_writer(&mut fast, &shapes).unwrap();
            prop_assert_eq!(fast, serde_json::to_vec(&shapes).unwrap());
        }
    }
}
