//! `duly test <dir>`: runs every rule scenario (`*.toml`) below a folder and
//! says, in plain words, where the engine's deadlines differ from the
//! expected ones.

use crate::rules;
use duly_engine::Engine;
use duly_engine::scenario::Scenario;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Run rule scenarios: events in, expected deadlines out.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folders (searched below) or scenario files.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// A folder to look for plugin scripts in.
    #[arg(long = "plugins", value_name = "DIR")]
    pub plugins: Vec<PathBuf>,
}

/// Runs `duly test`.
pub fn run(args: Args) -> ExitCode {
    let mut files = Vec::new();
    for path in &args.paths {
        if path.is_dir() {
            collect(path, &mut files);
        } else {
            files.push(path.clone());
        }
    }
    files.sort();
    if files.is_empty() {
        eprintln!("error: no scenario (`*.toml`) found in the paths given");
        return ExitCode::FAILURE;
    }
    let mut engines: HashMap<PathBuf, Option<Engine>> = HashMap::new();
    let (mut passed, mut failed) = (0, 0);
    for file in &files {
        match run_one(file, &args.plugins, &mut engines) {
            Ok(()) => {
                passed += 1;
            }
            Err(failures) => {
                failed += 1;
                println!("FAIL {}", file.display());
                for failure in failures {
                    println!("  - {failure}");
                }
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "toml") {
            files.push(path);
        }
    }
}

fn run_one(
    file: &Path,
    plugins: &[PathBuf],
    engines: &mut HashMap<PathBuf, Option<Engine>>,
) -> Result<(), Vec<String>> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| vec![format!("cannot read the file: {}", e.kind())])?;
    let scenario = Scenario::parse(&text).map_err(|e| vec![e.message])?;
    let here = file.parent().unwrap_or(Path::new("."));
    let rules = here.join(scenario.rules.as_deref().unwrap_or(".."));
    let engine = engines
        .entry(rules.clone())
        .or_insert_with(|| rules::engine(&rules, plugins))
        .as_ref()
        .ok_or_else(|| {
            vec![format!(
                "the rules in `{}` could not be loaded (see above)",
                rules.display()
            )]
        })?;
    let events = match (&scenario.events, &scenario.events_file) {
        (Some(events), _) => events.clone(),
        (None, Some(path)) => std::fs::read_to_string(here.join(path))
            .map_err(|e| vec![format!("cannot read events file `{path}`: {}", e.kind())])?,
        (None, None) => String::new(),
    };
    let outcome = scenario.run(engine, &events).map_err(|e| vec![e.message])?;
    if outcome.passed() {
        println!("ok   {}: {}", file.display(), scenario.description);
        Ok(())
    } else {
        let mut failures = vec![scenario.description.clone()];
        failures.extend(outcome.failures);
        Err(failures)
    }
}
