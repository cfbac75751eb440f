//! `duly report`: the compliance report on timescale breaches, as of a day,
//! over a period: breaches, deadlines at risk, timeliness by step, the
//! measures councils are compared on, workforce and drift, plugin actions.
//!
//! Cases stream from the engine into the report's tally (`duly-report`); no
//! case state is kept. Event errors go to standard error, as `duly run`
//! prints them, and the figures leave those events out.

use crate::rules;
use crate::run::parse_date;
use crate::source::{Outcome, Source, SourceArgs, why};
use duly_annex_a::AnnexA;
use duly_engine::{AsOf, Engine, RunOptions};
use duly_events::EventError;
use duly_report::model::Input;
use duly_report::{Options, Report, Reporter, Section, Split, Tally, render};
use jiff::civil::Date;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Report timescale breaches, at-risk deadlines, timeliness and measures.
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
    /// The first day of the period (default: 12 months before its last day,
    /// plus one day).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub from: Option<Date>,
    /// The last day of the period (default: the as-of day).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub to: Option<Date>,
    /// Split timeliness by `team`, `worker` or `month` (default: by step only).
    #[arg(long, value_enum, default_value_t = By::Step)]
    pub by: By,
    /// `table` for a terminal; `csv`, `json`, `html` or `xlsx` for files.
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// Write here instead of standard output: a file, or for CSV of every
    /// section a folder (one file a section).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Only this section: measures, breaches, at_risk, timeliness,
    /// open_cases, worker_changes, drift, plugin_summary, plugin_actions.
    #[arg(long, value_name = "NAME", value_parser = parse_section)]
    pub section: Option<Section>,
    /// At risk: open deadlines due within this many working days.
    #[arg(long = "at-risk-days", value_name = "N", default_value_t = 5)]
    pub at_risk_days: u32,
    /// Drift: open cases with no step completed in this many working days.
    #[arg(long = "drift-days", value_name = "N", default_value_t = 20)]
    pub drift_days: u32,
    /// A folder to look for plugin scripts in.
    #[arg(long = "plugins", value_name = "DIR")]
    pub plugins: Vec<PathBuf>,
}

/// How timeliness is split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum By {
    /// By step only.
    Step,
    /// By step and team.
    Team,
    /// By step and worker.
    Worker,
    /// By step and the month deadlines were due.
    Month,
}

impl From<By> for Split {
    fn from(by: By) -> Split {
        match by {
            By::Step => Split::Step,
            By::Team => Split::Team,
            By::Worker => Split::Worker,
            By::Month => Split::Month,
        }
    }
}

/// How `duly report` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Aligned columns for a terminal.
    Table,
    /// CSV: one section (`--section`), or a file a section in the `--out` folder.
    Csv,
    /// Every figure, with the field names of `docs/report.md`.
    Json,
    /// One self-contained page to open and print.
    Html,
    /// An Excel workbook (`--out` a file): a sheet a section.
    Xlsx,
    /// Ofsted's Annex A lists (`--out` a file), as at the as-of day.
    #[value(name = "annex-a")]
    AnnexA,
}

fn parse_section(text: &str) -> Result<Section, String> {
    text.parse()
}

/// Runs `duly report`.
pub fn run(args: Args) -> ExitCode {
    match report(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The options the arguments ask for.
fn options(args: &Args) -> Result<Options, String> {
    let to = args.to.unwrap_or(args.as_of);
    let from = args.from.unwrap_or(Options::new(to).from);
    let options = Options {
        from,
        to,
        at_risk_days: args.at_risk_days,
        drift_days: args.drift_days,
        ..Options::new(args.as_of)
    };
    options.check()?;
    Ok(options)
}

fn report(args: &Args) -> Result<(), String> {
    let options = options(args)?;
    check_output(args)?;
    let source = Source::new(&args.source)?;
    let engine = rules::engine(&args.rules, &args.plugins)
        .ok_or_else(|| format!("the rules in `{}` cannot run", args.rules.display()))?;
    if args.format == ReportFormat::AnnexA {
        return annex_a(&engine, &source, args);
    }
    let reporter = Reporter::new(engine.rules(), options);
    let mut tally = Tally::new(&reporter);
    let mut case_errors = Vec::new();
    let run = RunOptions {
        as_of: AsOf::end_of(args.as_of),
        case: None,
    };
    let read = source.run_with(
        &engine,
        &run,
        |state| (reporter.figures(&state), state.errors),
        |(figures, errors)| {
            case_errors.extend(errors);
            tally.add(figures);
        },
    )?;
    let refused = tell(&source, &read, case_errors);
    let report = tally.finish(Input {
        events: read.events as u64,
        cases: read.cases as u64,
        refused: refused as u64,
    });
    write(&report, args)
}

/// Prints what was refused (problems reading a return or the store, then
/// event errors by line), as `duly run` does; gives how many events the
/// figures leave out.
fn tell(source: &Source, read: &Outcome, mut case_errors: Vec<EventError>) -> usize {
    let mut errors = read.errors.clone();
    errors.append(&mut case_errors);
    errors.sort_by_key(|e| e.line);
    for problem in &read.problems {
        eprintln!("{problem}");
    }
    for error in &errors {
        eprintln!("{}", source.describe(error));
    }
    let refused = errors.len() + read.problems.iter().filter(|p| p.left_out()).count();
    if refused > 0 {
        eprintln!(
            "note: {refused} event{} refused: the figures leave {} out",
            if refused == 1 { " was" } else { "s were" },
            if refused == 1 { "it" } else { "them" }
        );
    }
    refused
}

/// Refuses, before any work, output the format cannot go to.
fn check_output(args: &Args) -> Result<(), String> {
    match (args.format, &args.out, args.section) {
        (ReportFormat::Xlsx | ReportFormat::AnnexA, None, _) => Err(
            "a workbook cannot go to the terminal: give the file to write with `--out FILE`".into(),
        ),
        (ReportFormat::Csv, None, None) => Err(
            "CSV has a file per section: give a folder with `--out DIR`, or one section with `--section NAME`".into(),
        ),
        (ReportFormat::Html | ReportFormat::Xlsx, _, Some(_)) => Err(
            "`--section` is for table, CSV and JSON: HTML and workbooks hold the whole report".into(),
        ),
        _ => Ok(()),
    }
}

/// `--format annex-a`: Ofsted's Annex A lists as at the as-of day (over
/// their own six months, whatever the period), from the `duly-annex-a`
/// writer: each case's rows are made on every core, only the rows kept.
fn annex_a(engine: &Engine, source: &Source, args: &Args) -> Result<(), String> {
    let mut annex = AnnexA::new(args.as_of).map_err(|err| err.to_string())?;
    let window = annex.window();
    let run = RunOptions {
        as_of: AsOf::end_of(args.as_of),
        case: None,
    };
    let mut case_errors = Vec::new();
    let read = source.run_with(
        engine,
        &run,
        |state| (window.rows(&state), state.errors),
        |(rows, errors)| {
            annex.extend(rows);
            case_errors.extend(errors);
        },
    )?;
    tell(source, &read, case_errors);
    let mut bytes = Vec::new();
    annex
        .write(&mut bytes)
        .map_err(|err| format!("cannot make the workbook: {err}"))?;
    to(args.out.as_deref(), |w| w.write_all(&bytes))
}

fn write(report: &Report, args: &Args) -> Result<(), String> {
    let by = Split::from(args.by);
    let sections: Vec<Section> = match args.section {
        Some(section) => vec![section],
        None => Section::ALL.to_vec(),
    };
    match args.format {
        ReportFormat::Csv => match (args.section, &args.out) {
            (Some(section), out) => to(out.as_deref(), |w| render::csv(report, section, by, w)),
            (None, Some(dir)) => {
                std::fs::create_dir_all(dir).map_err(|err| {
                    format!("cannot make the folder `{}`: {}", dir.display(), why(&err))
                })?;
                for section in Section::ALL {
                    let path = dir.join(format!("{}.csv", section.name()));
                    to(Some(&path), |w| render::csv(report, section, by, w))?;
                }
                Ok(())
            }
            (None, None) => Ok(()),
        },
        ReportFormat::Table => to(args.out.as_deref(), |w| {
            render::table(report, &sections, by, w)
        }),
        ReportFormat::Json => to(args.out.as_deref(), |w| match args.section {
            Some(section) => {
                serde_json::to_writer_pretty(&mut *w, &report.section_json(section))
                    .map_err(std::io::Error::other)?;
                w.write_all(b"\n")
            }
            None => render::json(report, w),
        }),
        ReportFormat::Html => to(args.out.as_deref(), |w| render::html(report, by, w)),
        ReportFormat::Xlsx => {
            let bytes = render::xlsx(report, by)
                .map_err(|err| format!("cannot make the workbook: {err}"))?;
            to(args.out.as_deref(), |w| w.write_all(&bytes))
        }
        ReportFormat::AnnexA => Ok(()),
    }
}

/// Writes to the file `out`, or to standard output.
fn to(
    out: Option<&Path>,
    body: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), String> {
    let written = match out {
        Some(path) => {
            let file = File::create(path)
                .map_err(|err| format!("cannot write `{}`: {}", path.display(), why(&err)))?;
            let mut writer = BufWriter::with_capacity(1 << 20, file);
            body(&mut writer).and_then(|()| writer.flush())
        }
        None => {
            let stdout = std::io::stdout();
            let mut writer = BufWriter::with_capacity(1 << 20, stdout.lock());
            match body(&mut writer).and_then(|()| writer.flush()) {
                Err(err) if crate::output::reader_gone(&err) => Ok(()),
                written => written,
            }
        }
    };
    written.map_err(|err| {
        let place = out.map_or("standard output".to_owned(), |p| {
            format!("`{}`", p.display())
        });
        format!("cannot write {place}: {}", why(&err))
    })
}
