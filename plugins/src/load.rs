//! Finding and compiling the plugin scripts of a rule set: one way for every
//! command (`duly check`, `run`, `test`, `report`) and for the service, which
//! reads the same files from disk or, for an older rules generation, from
//! the text it saved.

use crate::{Sandbox, Script};
use duly_dsl::loader::normalize;
use duly_dsl::model::{PluginSpec, RuleSet};
use duly_dsl::{Checked, Diagnostic, SourceLoader, Sources};
use std::path::PathBuf;
use std::sync::Arc;

/// Compiles the plugin scripts of checked rules: those the workflows name
/// (found by the checker) and every `.rhai` file in the `plugin_dirs`
/// folders, read through `loader`. Each script's text is registered in
/// `checked.sources`, so that diagnostics point into it and a service saves
/// it with the rules. Returns the scripts that compiled and every problem.
pub fn add_scripts(
    checked: &mut Checked,
    loader: &dyn SourceLoader,
    plugin_dirs: &[PathBuf],
) -> (Vec<Arc<Script>>, Vec<Diagnostic>) {
    let mut specs = checked.plugins.clone();
    let mut diagnostics = Vec::new();
    for dir in plugin_dirs {
        let found = match loader.list(dir, "rhai") {
            Ok(found) => found,
            Err(error) => {
                diagnostics.push(
                    Diagnostic::error(
                        "unreadable-file",
                        format!("cannot read the plugin folder `{}`", dir.display()),
                    )
                    .help(format!(
                        "check that it exists and can be read ({})",
                        error.kind()
                    )),
                );
                continue;
            }
        };
        for path in found {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            if specs.iter().any(|s| s.name == name) {
                continue;
            }
            match loader.read(&path) {
                Ok(text) => specs.push(PluginSpec {
                    name,
                    path: normalize(&path),
                    text: text.into(),
                }),
                Err(error) => diagnostics.push(
                    Diagnostic::error(
                        "unreadable-file",
                        format!("cannot read the plugin `{}`", path.display()),
                    )
                    .help(format!("check that it can be read ({})", error.kind())),
                ),
            }
        }
    }
    let (scripts, found) = compile_all(&specs, &mut checked.sources, checked.rules.as_ref());
    diagnostics.extend(found);
    (scripts, diagnostics)
}

/// Compiles each plugin script (registering its text in `sources` if the
/// loader has not, so that diagnostics can point into it), checking the
/// steps it names against `rules` when they are known.
pub fn compile_all(
    plugins: &[PluginSpec],
    sources: &mut Sources,
    rules: Option<&RuleSet>,
) -> (Vec<Arc<Script>>, Vec<Diagnostic>) {
    let sandbox = Sandbox::standard();
    let mut scripts = Vec::new();
    let mut diagnostics = Vec::new();
    for spec in plugins {
        let file = sources.find(&spec.path).unwrap_or_else(|| {
            sources.add(
                spec.path.display().to_string(),
                spec.path.clone(),
                spec.text.clone(),
            )
        });
        let (script, found) = crate::compile(spec, file, rules, sandbox.clone());
        scripts.extend(script);
        diagnostics.extend(found);
    }
    diagnostics.sort_by_key(|d| {
        (
            d.file.map_or(u32::MAX, |f| f.0),
            d.primary.as_ref().map_or(0, |p| p.span.start),
        )
    });
    (scripts, diagnostics)
}

/// Lists each script that no workflow names in every workflow's plugins: a
/// script from a `--plugins` folder that no workflow names is used by every
/// workflow.
pub fn assign(rules: &mut RuleSet, scripts: &[Arc<Script>]) {
    for script in scripts {
        let named = rules
            .workflows
            .iter()
            .any(|w| w.plugins.iter().any(|p| p == script.name()));
        if !named {
            for workflow in &mut rules.workflows {
                workflow.plugins.push(script.name().to_owned());
            }
        }
    }
}
