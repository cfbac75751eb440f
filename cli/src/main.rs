//! `duly`: check statutory workflows, run cases against them, report breaches.

mod r#gen;
mod holidays;
mod import;
mod ingest;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Keeps children's social care on its statutory clock.
#[derive(Parser)]
#[command(name = "duly", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// What `duly` can do.
#[derive(Subcommand)]
enum Command {
    /// Turn a DfE return (CIN census XML, SSDA903 CSV) into events.
    Import(import::Args),
    /// List the bank holidays of a built-in calendar for a year.
    Holidays(holidays::Args),
    /// Write realistic synthetic events, with labelled injected breaches.
    Gen(r#gen::Args),
    /// Store a file of events durably, each event once.
    Ingest(ingest::Args),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Import(args) => import::run(args),
        Command::Holidays(args) => holidays::run(args),
        Command::Gen(args) => r#gen::run(args),
        Command::Ingest(args) => ingest::run(args),
    }
}
