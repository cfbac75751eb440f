//! `duly`: check statutory workflows, run cases against them, report breaches.

mod check;
mod explain;
mod r#gen;
mod graph;
mod holidays;
mod import;
mod ingest;
mod output;
mod report;
mod rules;
mod run;
mod serve;
mod source;
mod test;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// A run allocates small things on every core at a great rate; mimalloc's
/// per-thread heaps do that far faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Turn a DfE return (CIN census XML, SSDA903 CSV) into events.
    Import(import::Args),
    /// List the bank holidays of a built-in calendar for a year.
    Holidays(holidays::Args),
    /// Write realistic synthetic events, with labelled injected breaches.
    Gen(r#gen::Args),
    /// Store a file of events durably, each event once.
    Ingest(ingest::Args),
    /// Replay every child's events against the rules and report each deadline.
    Run(run::Args),
    /// Run rule scenarios: events in, expected deadlines out.
    Test(test::Args),
    /// Serve events, cases and reports over HTTP, and fire escalations.
    Serve(serve::Args),
    /// Report timescale breaches, deadlines at risk, timeliness and the
    /// measures councils are compared on.
    Report(report::Args),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Check(args) => check::run(args),
        Command::Graph(args) => graph::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Import(args) => import::run(args),
        Command::Holidays(args) => holidays::run(args),
        Command::Gen(args) => r#gen::run(args),
        Command::Ingest(args) => ingest::run(args),
        Command::Run(args) => run::run(args),
        Command::Test(args) => test::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Report(args) => report::run(args),
    }
}
