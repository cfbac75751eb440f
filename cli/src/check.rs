//! `duly check`: reads workflow files and says whether they are right.

use crate::rules::{self, Format};
use duly_dsl::model::PluginSpec;
use duly_dsl::{Diagnostic, Sources};
use std::path::PathBuf;
use std::process::ExitCode;

/// Check workflow files: exit 0 when there is no error (warnings allowed), 1 otherwise.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Workflow files, or folders of `.duly` files.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// A folder to look for plugin scripts (`<name>.rhai`) in, after the folder of the file that names them.
    #[arg(long = "plugins", value_name = "DIR")]
    pub plugins: Vec<PathBuf>,
    /// How to print problems.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

/// Runs `duly check`.
pub fn run(args: Args) -> ExitCode {
    let checked = rules::load(&args.paths, &args.plugins);
    let extra = plugin_diagnostics(&checked.plugins, &checked.sources);
    rules::print(&checked, &extra, args.format);
    let failed = checked.has_errors() || extra.iter().any(Diagnostic::is_error);
    if args.format != Format::Json && !failed && checked.diagnostics.is_empty() {
        let workflows = checked.rules.as_ref().map_or(0, |r| r.workflows.len());
        eprintln!(
            "ok: {workflows} workflow{} checked, no problems",
            if workflows == 1 { "" } else { "s" }
        );
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// The seam for plugin scripts: diagnostics from compiling each plugin's
/// text (found by the loader, registered in `sources` under its path so that
/// errors can point into it with `Sources::find`). Plugins are not compiled
/// yet; the rhai engine will add its errors here.
pub fn plugin_diagnostics(plugins: &[PluginSpec], sources: &Sources) -> Vec<Diagnostic> {
    let _ = (plugins, sources);
    Vec::new()
}
