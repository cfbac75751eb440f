//! `duly graph`: draws a workflow.

use crate::rules::{self, Format};
use duly_dsl::model::{RuleSet, Workflow};
use std::path::PathBuf;
use std::process::ExitCode;

/// The drawing language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT (`dot -Tsvg`).
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
}

/// Draw workflows as graphs: steps with their timescales, outcomes on the edges.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A workflow file, or a folder of `.duly` files.
    pub path: PathBuf,
    /// Only this workflow (by id).
    #[arg(long)]
    pub workflow: Option<String>,
    /// The drawing language.
    #[arg(long, value_enum)]
    pub format: GraphFormat,
    /// A folder to look for plugin scripts in.
    #[arg(long = "plugins", value_name = "DIR")]
    pub plugins: Vec<PathBuf>,
}

/// Runs `duly graph`.
pub fn run(args: Args) -> ExitCode {
    let Some(rules) = checked_rules(&args.path, &args.plugins) else {
        return ExitCode::FAILURE;
    };
    let Some(workflows) = select(&rules, args.workflow.as_deref()) else {
        return ExitCode::FAILURE;
    };
    let drawings: Vec<String> = workflows
        .iter()
        .map(|w| match args.format {
            GraphFormat::Dot => duly_dsl::render::to_dot(w),
            GraphFormat::Mermaid => duly_dsl::render::to_mermaid(w),
        })
        .collect();
    crate::output::print(&drawings.join("\n"))
}

/// Checks the rules; prints problems and returns `None` if there are errors.
pub fn checked_rules(path: &std::path::Path, plugins: &[PathBuf]) -> Option<RuleSet> {
    let checked = rules::load(&[path.to_path_buf()], plugins);
    if checked.has_errors() {
        rules::print(&checked, &[], Format::Human);
        eprintln!("fix these first: `duly check` says more");
        return None;
    }
    checked.rules
}

/// The workflows asked for: all, or the one named (with a suggestion if unknown).
pub fn select<'r>(rules: &'r RuleSet, id: Option<&str>) -> Option<Vec<&'r Workflow>> {
    let Some(id) = id else {
        return Some(rules.workflows.iter().collect());
    };
    if let Some(w) = rules.workflows.iter().find(|w| w.id == id) {
        return Some(vec![w]);
    }
    let known: Vec<&str> = rules.workflows.iter().map(|w| w.id.as_str()).collect();
    let hint = match duly_dsl::suggest::did_you_mean(id, known.iter().copied()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!(
            "the workflows are {}",
            known
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    eprintln!("error: unknown workflow `{id}`\n  help: {hint}");
    None
}
