//! `duly`: check statutory workflows, run cases against them, report breaches.

mod r#gen;

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
    /// Write realistic synthetic events, with labelled injected breaches.
    Gen(r#gen::Args),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Gen(args) => r#gen::run(args),
    }
}
