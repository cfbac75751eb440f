//! `duly gen`: writes realistic synthetic events, and the labels of the
//! breaches injected into them, for examples, tests and scale runs.
//!
//! Exit status: 0 when everything was written, 2 when the options are wrong
//! or a file could not be written.

use crate::run::parse_date;
use duly_gen::{Generator, Options};
use jiff::civil::Date;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `duly gen --children N --seed S --from DATE --to DATE [--out FILE] [--labels FILE] [--shuffle]`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many children to simulate.
    #[arg(long, value_name = "N")]
    pub children: u64,
    /// The seed: the same seed and options give the same bytes.
    #[arg(long, value_name = "S")]
    pub seed: u64,
    /// The first day of the period: first referrals fall from here.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub from: Date,
    /// The last day of the period: nothing after it is written, and labels
    /// say what is expected as of this day.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub to: Date,
    /// Where to write the events (JSON Lines); standard output if absent.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Where to write the labels of the injected delays (CSV).
    #[arg(long, value_name = "FILE")]
    pub labels: Option<PathBuf>,
    /// Shuffle the events (deterministically, 1,000 children at a time), to
    /// test out-of-order input.
    #[arg(long)]
    pub shuffle: bool,
}

/// Runs `duly gen`.
pub fn run(args: Args) -> ExitCode {
    let options = Options {
        children: args.children,
        seed: args.seed,
        from: args.from,
        to: args.to,
        shuffle: args.shuffle,
    };
    let generator = match Generator::new(options) {
        Ok(generator) => generator,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    let events: Box<dyn Write> = match &args.out {
        Some(path) => match create(path) {
            Ok(file) => Box::new(file),
            Err(code) => return code,
        },
        None => Box::new(BufWriter::with_capacity(1 << 20, io::stdout().lock())),
    };
    let labels = match &args.labels {
        Some(path) => match create(path) {
            Ok(file) => Some(file),
            Err(code) => return code,
        },
        None => None,
    };
    match generator.write(events, labels) {
        Ok(summary) => {
            eprintln!(
                "wrote {} events for {} children, with {} injected delays",
                summary.events, summary.children, summary.labels
            );
            ExitCode::SUCCESS
        }
        Err(duly_gen::GenError::Write(err)) if crate::output::reader_gone(&err) => {
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(2)
        }
    }
}

fn create(path: &Path) -> Result<BufWriter<File>, ExitCode> {
    File::create(path)
        .map(|file| BufWriter::with_capacity(1 << 20, file))
        .map_err(|err| {
            eprintln!("error: cannot write `{}`: {}", path.display(), err.kind());
            ExitCode::from(2)
        })
}
