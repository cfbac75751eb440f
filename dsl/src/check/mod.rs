//! Checking rule files and compiling them into a [`RuleSet`].
//!
//! [`check`] reads files through a [`SourceLoader`], then checks everything
//! together and reports every problem in one run: names, references,
//! timescales, local extensions, and the shape of each workflow's graph.

mod calendars;
mod flow;
mod period;
mod workflows;

use crate::diagnostic::{Diagnostic, FileId, Sources, Span};
use crate::loader::{self, MemoryLoader, SourceLoader};
use crate::model::{Origin, RuleSet};
use crate::suggest::did_you_mean;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

/// The most diagnostics one run reports; the rest are counted in a last one.
pub const MAX_DIAGNOSTICS: usize = 500;

/// Settings for [`check`].
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Extra folders to look in for plugin scripts (`--plugins`), after the
    /// folder of the file that names the plugin.
    pub plugin_dirs: Vec<PathBuf>,
}

/// What [`check`] found.
#[derive(Debug, Clone)]
pub struct Checked {
    /// Every file read: rule files, closure files and plugin scripts.
    pub sources: Sources,
    /// Every problem, errors and warnings, in file and line order.
    pub diagnostics: Vec<Diagnostic>,
    /// The compiled rules, when there is no error.
    pub rules: Option<RuleSet>,
    /// The plugin scripts found, even when there are errors, so that a
    /// plugin compiler can add its own diagnostics.
    pub plugins: Vec<crate::model::PluginSpec>,
}

impl Checked {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Reads the rule files at `roots` (files, or folders of `.duly` files) and
/// everything they use, checks them, and compiles them.
pub fn check(
    source_loader: &dyn SourceLoader,
    roots: &[PathBuf],
    options: &CheckOptions,
) -> Checked {
    let loaded = loader::load(source_loader, roots);
    let mut checker = Checker {
        sources: loaded.sources,
        diagnostics: loaded.diagnostics,
        loader: source_loader,
        options,
        outcome_index: HashMap::new(),
        step_homes: HashMap::new(),
        quiet_unknown_steps: false,
        unresolved_references: false,
    };
    let rules = checker.run(&loaded.files);
    let Checker {
        sources,
        mut diagnostics,
        ..
    } = checker;
    diagnostics.sort_by_key(|d| {
        (
            d.file.map_or(u32::MAX, |f| f.0),
            d.primary.as_ref().map_or(0, |p| p.span.start),
        )
    });
    diagnostics.dedup();
    if diagnostics.len() > MAX_DIAGNOSTICS {
        let more = diagnostics.len() - MAX_DIAGNOSTICS;
        let errors = diagnostics.iter().any(Diagnostic::is_error);
        diagnostics.truncate(MAX_DIAGNOSTICS);
        let note = if errors {
            Diagnostic::error(
                "too-many-problems",
                format!("{more} more problems not shown"),
            )
        } else {
            Diagnostic::warning(
                "too-many-problems",
                format!("{more} more problems not shown"),
            )
        };
        diagnostics.push(note.help("fix the problems shown and check again"));
    }
    let plugins = rules.plugins.clone();
    let rules = (!diagnostics.iter().any(Diagnostic::is_error)).then_some(rules);
    Checked {
        sources,
        diagnostics,
        rules,
        plugins,
    }
}

/// Checks one file's text on its own (imports are not followed); handy in
/// tests and editors.
pub fn check_text(name: &str, text: &str) -> Checked {
    let loader = MemoryLoader::new().with(name, text);
    check(&loader, &[PathBuf::from(name)], &CheckOptions::default())
}

pub(crate) struct Checker<'l> {
    sources: Sources,
    diagnostics: Vec<Diagnostic>,
    loader: &'l dyn SourceLoader,
    options: &'l CheckOptions,
    /// Each step's declared outcomes, for `until … completed with …`.
    outcome_index: HashMap<String, Vec<String>>,
    /// Which workflow declares each step id, to say so when another
    /// workflow names it.
    step_homes: HashMap<String, String>,
    /// While lowering a workflow with a step whose id could not be read:
    /// unknown step ids are probably that step, already reported.
    quiet_unknown_steps: bool,
    /// Whether the workflow being lowered names a step that does not exist
    /// (then a step nothing opens is probably the one meant).
    unresolved_references: bool,
}

impl Checker<'_> {
    fn run(&mut self, files: &[loader::LoadedFile]) -> RuleSet {
        let calendars = self.calendars(files);
        let (workflows, plugins) = self.workflows(files, &calendars);
        RuleSet::new(workflows, calendars, plugins)
    }

    fn push(&mut self, diagnostic: Diagnostic) {
        if diagnostic.code == "unknown-step" {
            self.unresolved_references = true;
            if self.quiet_unknown_steps {
                return;
            }
        }
        self.diagnostics.push(diagnostic);
    }

    /// "`kind` `id` is declared twice".
    fn duplicate(
        &self,
        kind: &str,
        id: &str,
        file: FileId,
        span: Span,
        first_file: FileId,
        first: Option<Span>,
    ) -> Diagnostic {
        let mut d = Diagnostic::error("duplicate-id", format!("{kind} `{id}` is declared twice"))
            .at(file, span, "declared again here");
        match first {
            Some(first) if first_file == file => d = d.label(first, "first declared here"),
            Some(first) => {
                if let Some(f) = self.sources.get(first_file) {
                    let (line, _) = f.line_col(first.start);
                    d = d.help(format!(
                        "it is first declared in {} at line {line}; ids must be unique: rename one",
                        f.name
                    ));
                    return d;
                }
            }
            None => {}
        }
        d.help("ids must be unique: rename one, or remove it")
    }

    /// "a second `title` line".
    fn second_clause(&self, clause: &str, file: FileId, span: Span) -> Diagnostic {
        Diagnostic::error("duplicate-clause", format!("a second `{clause}` line"))
            .at(file, span, "second one")
            .help(format!("say `{clause}` once: remove one of them"))
    }

    /// "unknown `kind` `name`", with a suggestion from `known`.
    fn unknown<'a>(
        &self,
        kind: &str,
        name: &str,
        file: FileId,
        span: Span,
        known: impl IntoIterator<Item = &'a str>,
    ) -> Diagnostic {
        let code = match kind {
            "step" => "unknown-step",
            "outcome" => "unknown-outcome",
            "calendar" => "unknown-calendar",
            "plugin" => "unknown-plugin",
            "workflow" => "unknown-workflow",
            _ => "unknown-id",
        };
        let known: Vec<&str> = known.into_iter().collect();
        let mut d = Diagnostic::error(code, format!("unknown {kind} `{name}`")).at(
            file,
            span,
            format!("no such {kind}"),
        );
        let home = (kind == "step")
            .then(|| self.step_homes.get(name))
            .flatten();
        if let Some(home) = home {
            d = d.help(format!(
                "`{name}` is a step of workflow `{home}`: a workflow names only its own steps, so count from or open one of this workflow's steps"
            ));
        } else if let Some(s) = did_you_mean(name, known.iter().copied()) {
            d = d.help(format!("did you mean `{s}`?"));
        } else if !known.is_empty() && known.len() <= 12 {
            let list: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
            d = d.help(format!("the {kind}s here are {}", list.join(", ")));
        }
        d
    }
}

/// Where a rule was written, for the model.
pub(crate) fn origin(checker: &Checker<'_>, name: Arc<str>, file: FileId, span: Span) -> Origin {
    let line = checker
        .sources
        .get(file)
        .map_or(0, |f| f.line_col(span.start).0);
    Origin {
        file: name,
        span: (span.start, span.end),
        line: u32::try_from(line).unwrap_or(u32::MAX),
    }
}

#[cfg(test)]
mod tests;
