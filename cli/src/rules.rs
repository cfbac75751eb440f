//! Loading rule files and their plugin scripts, and printing their
//! diagnostics: one way for every command that checks or runs rules
//! (`check`, `run`, `test`, `report`; `serve` shares `duly_plugins::add_scripts`).

use duly_dsl::diagnostic::{self, Style};
use duly_dsl::model::RuleSet;
use duly_dsl::{CheckOptions, Checked, Diagnostic, FsLoader};
use duly_plugins::Script;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

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
            // The exit code says whether the rules check, not the output.
            let _ = crate::output::print(&format!("{json:#}\n"));
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

/// Rules with their plugin scripts, compiled.
pub struct Loaded {
    /// The rules, checked, with every file read (plugin scripts included).
    pub checked: Checked,
    /// What compiling the plugin scripts found.
    pub plugin_diagnostics: Vec<Diagnostic>,
    /// The scripts that compiled.
    pub scripts: Vec<Arc<Script>>,
}

impl Loaded {
    /// Whether the rules or a plugin have an error.
    pub fn has_errors(&self) -> bool {
        self.checked.has_errors() || self.plugin_diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The rules, each workflow listing the plugins it uses: a script from a
    /// `--plugins` folder that no workflow names is used by every workflow.
    /// `None` when there is an error.
    pub fn rules(&self) -> Option<RuleSet> {
        let mut rules = self.checked.rules.clone().filter(|_| !self.has_errors())?;
        duly_plugins::assign(&mut rules, &self.scripts);
        Some(rules)
    }

    /// The engine, with the plugins; `None` (saying why) when there is an
    /// error.
    pub fn engine(&self) -> Option<duly_engine::Engine> {
        let rules = self.rules()?;
        let plugins = duly_plugins::plugins_for(&self.scripts, &rules);
        match duly_engine::Engine::new(rules) {
            Ok(engine) => Some(
                plugins
                    .into_iter()
                    .fold(engine, |engine, plugin| engine.with_plugin(plugin)),
            ),
            Err(error) => {
                eprintln!("error: the rules cannot run: {error}");
                None
            }
        }
    }
}

/// Reads and checks the rule files at `paths`, and compiles their plugin
/// scripts: those the workflows name, and every `.rhai` file in the
/// `plugin_dirs` folders (the same loader as the service's).
pub fn load_with_plugins(paths: &[PathBuf], plugin_dirs: &[PathBuf]) -> Loaded {
    let mut checked = load(paths, plugin_dirs);
    let (scripts, plugin_diagnostics) =
        duly_plugins::add_scripts(&mut checked, &FsLoader, plugin_dirs);
    Loaded {
        checked,
        plugin_diagnostics,
        scripts,
    }
}

/// Loads the rules at `path` and their plugins for running cases: prints
/// their diagnostics, and gives the engine when there is no error.
pub fn engine(path: &std::path::Path, plugin_dirs: &[PathBuf]) -> Option<duly_engine::Engine> {
    let loaded = load_with_plugins(&[path.to_path_buf()], plugin_dirs);
    if loaded.has_errors()
        || !loaded.checked.diagnostics.is_empty()
        || !loaded.plugin_diagnostics.is_empty()
    {
        print(&loaded.checked, &loaded.plugin_diagnostics, Format::Human);
    }
    if loaded.has_errors() {
        return None;
    }
    loaded.engine()
}
