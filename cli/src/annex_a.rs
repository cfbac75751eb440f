//! `duly annex-a`: replays every child's events as of a date and writes
//! Ofsted's Annex A lists (an xlsx workbook) for an inspection of local
//! authority children's services.
//!
//! `duly report --format annex-a` calls the same library (`duly-annex-a`)
//! and reads every event source (`--db`, `--input-format`).

use crate::{rules, run};
use duly_annex_a::{AnnexA, LISTS};
use duly_engine::{AsOf, RunOptions};
use jiff::civil::Date;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Write the Annex A lists as at a date.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The rules: a folder of `.duly` files, or one file.
    #[arg(long, value_name = "DIR")]
    pub rules: PathBuf,
    /// The events, one JSON object a line.
    #[arg(long, value_name = "FILE")]
    pub events: PathBuf,
    /// Draw the lists up as at the end of this day (`YYYY-MM-DD`).
    #[arg(long = "as-of", value_name = "DATE", value_parser = run::parse_date)]
    pub as_of: Date,
    /// The workbook to write (`annex_a.xlsx`).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// A folder to look for plugin scripts in.
    #[arg(long = "plugins", value_name = "DIR")]
    pub plugins: Vec<PathBuf>,
}

/// Runs `duly annex-a`.
pub fn run(args: Args) -> ExitCode {
    let mut annex = match AnnexA::new(args.as_of) {
        Ok(annex) => annex,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let Some(engine) = rules::engine(&args.rules, &args.plugins) else {
        return ExitCode::FAILURE;
    };
    let file = match File::open(&args.events) {
        Ok(file) => file,
        Err(err) => {
            eprintln!(
                "error: cannot read `{}`: {}",
                args.events.display(),
                err.kind()
            );
            return ExitCode::FAILURE;
        }
    };
    let options = RunOptions {
        as_of: AsOf::end_of(args.as_of),
        case: None,
    };
    // Each case's rows are made on every core; only the rows are kept.
    let window = annex.window();
    let mut errors = Vec::new();
    let summary = engine.run_with(
        BufReader::new(file),
        &options,
        |state| (window.rows(&state), state.errors),
        |(rows, case_errors)| {
            annex.extend(rows);
            errors.extend(case_errors);
        },
    );
    match summary {
        Ok(summary) => errors.extend(summary.errors),
        Err(err) => {
            eprintln!(
                "error: cannot read `{}`: {}",
                args.events.display(),
                err.kind()
            );
            return ExitCode::FAILURE;
        }
    }
    errors.sort_by_key(|e| e.line);
    for error in &errors {
        eprintln!("{}", run::describe(error));
    }
    if let Err(message) = write(&annex, &args.out) {
        eprintln!("error: cannot write `{}`: {message}", args.out.display());
        return ExitCode::FAILURE;
    }
    let window = annex.window();
    let counts: Vec<String> = LISTS
        .iter()
        .zip(annex.counts())
        .map(|(list, n)| format!("{} ({}) {n}", list.sheet, list.title.to_lowercase()))
        .collect();
    println!(
        "wrote `{}` as at {} (activity from {}): {}",
        args.out.display(),
        window.as_of,
        window.from,
        counts.join(", ")
    );
    if !errors.is_empty() {
        println!(
            "{} event{} refused and left out",
            errors.len(),
            if errors.len() == 1 { " was" } else { "s were" }
        );
    }
    ExitCode::SUCCESS
}

fn write(annex: &AnnexA, out: &std::path::Path) -> Result<(), String> {
    let file = File::create(out).map_err(|e| e.kind().to_string())?;
    let mut writer = BufWriter::new(file);
    annex.write(&mut writer).map_err(|e| e.to_string())?;
    writer.flush().map_err(|e| e.kind().to_string())
}
