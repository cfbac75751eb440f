//! `duly check`: reads workflow files and says whether they are right.

use crate::rules::{self, Format};
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
    // Plugin scripts compile with the rules: their errors join the
    // workflows' diagnostics, pointing into the `.rhai` files.
    let loaded = rules::load_with_plugins(&args.paths, &args.plugins);
    rules::print(&loaded.checked, &loaded.plugin_diagnostics, args.format);
    let failed = loaded.has_errors();
    let quiet = loaded.checked.diagnostics.is_empty() && loaded.plugin_diagnostics.is_empty();
    if args.format != Format::Json && !failed && quiet {
        let workflows = loaded
            .checked
            .rules
            .as_ref()
            .map_or(0, |r| r.workflows.len());
        let plugins = loaded.scripts.len();
        eprintln!(
            "ok: {workflows} workflow{} checked{}, no problems",
            if workflows == 1 { "" } else { "s" },
            match plugins {
                0 => String::new(),
                1 => ", 1 plugin compiled".to_owned(),
                n => format!(", {n} plugins compiled"),
            }
        );
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
