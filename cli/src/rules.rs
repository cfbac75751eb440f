//! Loading rule files and printing their diagnostics, shared by the commands.

use duly_dsl::diagnostic::{self, Style};
use duly_dsl::{CheckOptions, Checked, Diagnostic, FsLoader};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// How diagnostics are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people at a terminal: the line, a caret under the problem, and help.
    Human,
    /// Plain sentences, for screen readers and logs.
    Plain,
    /// JSON for editors and CI.
    Json,
}

/// Reads and checks the rule files at `paths`.
pub fn load(paths: &[PathBuf], plugin_dirs: &[PathBuf]) -> Checked {
    let options = CheckOptions {
        plugin_dirs: plugin_dirs.to_vec(),
    };
    duly_dsl::check(&FsLoader, paths, &options)
}

/// Prints diagnostics: human and plain to standard error, JSON to standard
/// output. Prints a summary line for people when there is anything to say.
pub fn print(checked: &Checked, extra: &[Diagnostic], format: Format) {
    let all: Vec<Diagnostic> = checked.diagnostics.iter().chain(extra).cloned().collect();
    match format {
        Format::Json => {
            let json = diagnostic::to_json(&checked.sources, &all);
            println!("{json:#}");
        }
        Format::Human | Format::Plain => {
            let stderr = std::io::stderr();
            let color = format == Format::Human
                && stderr.is_terminal()
                && std::env::var_os("NO_COLOR").is_none();
            let style = match format {
                Format::Plain => Style::Narrated,
                _ if color => Style::Graphical { color: true },
                _ => Style::Graphical { color: false },
            };
            let width = std::env::var("COLUMNS")
                .ok()
                .and_then(|c| c.parse().ok())
                .unwrap_or(100);
            let mut out = stderr.lock();
            for d in &all {
                let _ = write!(
                    out,
                    "{}",
                    diagnostic::render(&checked.sources, d, style, width)
                );
                let _ = writeln!(out);
            }
            if !all.is_empty() {
                let _ = writeln!(out, "{}", diagnostic::summary(&all));
            }
        }
    }
}

/// Loads the rules at `path` for running cases: prints their diagnostics,
/// and gives the engine when there is no error.
pub fn engine(path: &std::path::Path, plugin_dirs: &[PathBuf]) -> Option<duly_engine::Engine> {
    let checked = load(&[path.to_path_buf()], plugin_dirs);
    let errors = checked.has_errors();
    if errors || !checked.diagnostics.is_empty() {
        print(&checked, &[], Format::Human);
    }
    let rules = checked.rules.filter(|_| !errors)?;
    match duly_engine::Engine::new(rules) {
        Ok(engine) => Some(engine),
        Err(error) => {
            eprintln!(
                "error: the rules in `{}` cannot run: {error}",
                path.display()
            );
            None
        }
    }
}
