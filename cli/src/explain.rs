//! `duly explain`: a workflow in plain English, for a policy lead to review.

use crate::graph::{checked_rules, select};
use std::path::PathBuf;
use std::process::ExitCode;

/// Explain workflows in plain English: each step, what opens it, its timescale and source, what follows.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A workflow file, or a folder of `.duly` files.
    pub path: PathBuf,
    /// Only this workflow (by id).
    #[arg(long)]
    pub workflow: Option<String>,
    /// A folder to look for plugin scripts in.
    #[arg(long = "plugins", value_name = "DIR")]
    pub plugins: Vec<PathBuf>,
}

/// Runs `duly explain`.
pub fn run(args: Args) -> ExitCode {
    let Some(rules) = checked_rules(&args.path, &args.plugins) else {
        return ExitCode::FAILURE;
    };
    let Some(workflows) = select(&rules, args.workflow.as_deref()) else {
        return ExitCode::FAILURE;
    };
    let texts: Vec<String> = workflows
        .iter()
        .map(|w| duly_dsl::render::explain(&rules, w))
        .collect();
    crate::output::print(&texts.join("\n\n"))
}
