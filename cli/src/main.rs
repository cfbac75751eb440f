//! `duly`: check statutory workflows, run cases against them, report breaches.

mod check;
mod explain;
mod graph;
mod rules;

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
    /// Check workflow files and say, in plain English, what is wrong.
    Check(check::Args),
    /// Draw a workflow as a Graphviz (dot) or Mermaid graph.
    Graph(graph::Args),
    /// Read a workflow back in plain English, for review.
    Explain(explain::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => check::run(args),
        Command::Graph(args) => graph::run(args),
        Command::Explain(args) => explain::run(args),
    }
}
