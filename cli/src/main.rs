//! `duly`: check statutory workflows, run cases against them, report breaches.

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

/// What `duly` is asked to do.
#[derive(Subcommand)]
enum Command {
    /// Store a file of events durably, each event once.
    Ingest(ingest::Args),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Ingest(args) => ingest::run(args),
    }
}
