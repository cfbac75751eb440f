//! The rule sets the service runs, and which case runs under which.
//!
//! Every rule set the service loads is a numbered *generation*, saved in the
//! store with the text of its files ([`duly_store::RuleHistory`]), so that it
//! can be rebuilt after a restart even when the files on disk have changed.
//! A case runs under the generation in force when its first event arrived,
//! until a reload moves it:
//!
//! - when every workflow of the old generation has the same `version` in the
//!   new one, or the new one says `moves cases from "<old version>"`, all
//!   the old generation's cases move (the generation is forwarded);
//! - otherwise each case is replayed under its rules: one with an episode of
//!   a workflow that may not move stays where it is, for good; the others
//!   move.
//!
//! In memory the service keeps the current generation, the older ones that
//! still have cases, and the ids of those cases (`stuck`): any other case,
//! and any new one, runs under the current generation.

use crate::error::ApiError;
use duly_dsl::diagnostic::{self, Style};
use duly_dsl::{CheckOptions, Checked, Diagnostic, FsLoader, MemoryLoader, SourceLoader};
use duly_engine::{AsOf, Engine, Plugin};
use duly_store::{EventStore, Generation, RuleHistory, StoreError};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, PoisonError, RwLock};

/// The store a service needs: the event log and the history of its rules.
pub trait ServiceStore: EventStore + RuleHistory {}

impl<T: EventStore + RuleHistory> ServiceStore for T {}

/// Turns the plugin scripts of checked rules into plugins, or says, as
/// diagnostics, why it cannot. It reads the scripts of the `--plugins`
/// folders through the loader it is given (the disk, or the text saved with
/// an older generation), registers every script's text in the checked
/// sources (so that it is saved with the generation and a changed script is
/// a new generation), and may add plugins to the workflows of the checked
/// rules (a script from a folder that no workflow names is used by every
/// workflow).
pub type PluginLoader = Arc<
    dyn Fn(
            &mut Checked,
            &dyn SourceLoader,
            &[PathBuf],
        ) -> Result<Vec<Arc<dyn Plugin>>, Vec<Diagnostic>>
        + Send
        + Sync,
>;

/// The plugin loader of `duly serve`: the workflows' rhai scripts and those
/// of the `--plugins` folders, compiled as `duly check` and `duly run`
/// compile them ([`duly_plugins::add_scripts`]). A script that does not
/// compile refuses the rules, with its diagnostics.
pub fn script_plugins() -> PluginLoader {
    Arc::new(
        |checked: &mut Checked, loader: &dyn SourceLoader, dirs: &[PathBuf]| {
            let (scripts, diagnostics) = duly_plugins::add_scripts(checked, loader, dirs);
            let errors: Vec<Diagnostic> = diagnostics
                .into_iter()
                .filter(Diagnostic::is_error)
                .collect();
            let rules = match checked.rules.as_mut() {
                Some(rules) if errors.is_empty() => rules,
                _ => return Err(errors),
            };
            duly_plugins::assign(rules, &scripts);
            Ok(duly_plugins::plugins_for(&scripts, rules))
        },
    )
}

/// Where the rules are read from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RulesSource {
    /// Rule files or folders (`--rules`).
    pub roots: Vec<PathBuf>,
    /// Folders of plugin scripts (`--plugins`).
    pub plugin_dirs: Vec<PathBuf>,
}

/// What a generation saves to be rebuilt: where its files were and their text.
#[derive(Serialize, Deserialize)]
struct Snapshot {
    source: RulesSource,
    files: Vec<(PathBuf, String)>,
}

/// Rules that cannot run, with their diagnostics.
#[derive(Debug, Clone)]
pub struct RulesFailure {
    /// One line for people.
    pub message: String,
    /// Every diagnostic, rendered for people.
    pub rendered: String,
    /// The diagnostics as JSON (`duly check --format json`).
    pub diagnostics: serde_json::Value,
}

impl RulesFailure {
    fn new(checked: &Checked, diagnostics: &[Diagnostic]) -> RulesFailure {
        let errors = diagnostics.iter().filter(|d| d.is_error()).count();
        let rendered = diagnostics
            .iter()
            .map(|d| {
                diagnostic::render(&checked.sources, d, Style::Graphical { color: false }, 100)
            })
            .collect::<Vec<_>>()
            .join("\n");
        RulesFailure {
            message: format!(
                "the rules do not check: {errors} error{}",
                if errors == 1 { "" } else { "s" }
            ),
            rendered,
            diagnostics: diagnostic::to_json(&checked.sources, diagnostics),
        }
    }

    fn plain(message: String) -> RulesFailure {
        RulesFailure {
            rendered: message.clone(),
            message,
            diagnostics: serde_json::json!({"diagnostics": [], "errors": 1, "warnings": 0}),
        }
    }

    /// The answer to a reload that failed: 422 with the diagnostics.
    pub fn to_api(&self) -> ApiError {
        ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "rules_invalid",
            format!("{}; the service keeps the rules it had", self.message),
        )
        .with_detail(self.diagnostics.clone())
    }
}

/// One generation of rules, ready to run.
pub struct Rules {
    /// Its number in the store.
    pub number: u64,
    /// The engine, with its plugins.
    pub engine: Engine,
    body: String,
    /// Each workflow's version and the versions it takes cases from.
    workflows: HashMap<String, (String, Vec<String>)>,
    /// Workflows that list a plugin that is loaded.
    plugin_workflows: HashSet<String>,
    /// Whether a plugin has a daily hook.
    pub daily: bool,
}

impl std::fmt::Debug for Rules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rules")
            .field("number", &self.number)
            .finish_non_exhaustive()
    }
}

impl Rules {
    /// Whether any workflow of these rules has a plugin.
    pub fn has_plugins(&self) -> bool {
        !self.plugin_workflows.is_empty() || self.daily
    }

    /// Whether the workflow `id` has a plugin that can act on its deadlines.
    pub fn watches(&self, workflow: &str) -> bool {
        self.plugin_workflows.contains(workflow)
    }

    /// The workflows of these rules with their versions, in id order.
    pub fn versions(&self) -> Vec<(String, String)> {
        let mut list: Vec<(String, String)> = self
            .workflows
            .iter()
            .map(|(id, (version, _))| (id.clone(), version.clone()))
            .collect();
        list.sort();
        list
    }

    /// The workflows of `self` whose cases may not run under `new`.
    fn kept_by(&self, new: &Rules) -> BTreeSet<String> {
        self.workflows
            .iter()
            .filter(|(id, (version, _))| match new.workflows.get(*id) {
                Some((v, from)) => v != version && !from.contains(version),
                None => true,
            })
            .map(|(id, _)| id.clone())
            .collect()
    }
}

/// Checks the rules that `loader` reads from `source` and builds them.
fn build(
    number: u64,
    source: &RulesSource,
    loader: &dyn SourceLoader,
    plugins: &PluginLoader,
) -> Result<Rules, RulesFailure> {
    let options = CheckOptions {
        plugin_dirs: source.plugin_dirs.clone(),
    };
    let mut checked = duly_dsl::check(loader, &source.roots, &options);
    if checked.rules.is_none() || checked.has_errors() {
        let errors: Vec<Diagnostic> = checked
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .cloned()
            .collect();
        return Err(RulesFailure::new(&checked, &errors));
    }
    let loaded = plugins(&mut checked, loader, &source.plugin_dirs)
        .map_err(|d| RulesFailure::new(&checked, &d))?;
    let Some(rules) = checked.rules.clone() else {
        return Err(RulesFailure::plain("the rules cannot run".into()));
    };
    let files = checked
        .sources
        .iter()
        .map(|(_, s)| (s.path.clone(), s.text.to_string()))
        .collect();
    let body = serde_json::to_string(&Snapshot {
        source: source.clone(),
        files,
    })
    .map_err(|e| RulesFailure::plain(format!("the rules cannot be saved: {e}")))?;
    let workflows = rules
        .workflows
        .iter()
        .map(|w| (w.id.clone(), (w.version.clone(), w.moves_from.clone())))
        .collect();
    let names: HashSet<&str> = loaded.iter().map(|p| p.name()).collect();
    let plugin_workflows = rules
        .workflows
        .iter()
        .filter(|w| w.plugins.iter().any(|p| names.contains(p.as_str())))
        .map(|w| w.id.clone())
        .collect();
    let daily = loaded
        .iter()
        .any(|p| p.has_hook(duly_engine::plugin::Hook::Daily));
    let mut engine = Engine::new(rules)
        .map_err(|e| RulesFailure::plain(format!("the rules cannot run: {e}")))?;
    for plugin in loaded {
        engine = engine.with_plugin(plugin);
    }
    Ok(Rules {
        number,
        engine,
        body,
        workflows,
        plugin_workflows,
        daily,
    })
}

/// Rebuilds a saved generation from the text of its files.
fn rebuild(generation: &Generation, plugins: &PluginLoader) -> Result<Rules, RulesFailure> {
    let snapshot: Snapshot = serde_json::from_str(&generation.body).map_err(|_| {
        RulesFailure::plain(format!(
            "rules generation {} in the store cannot be read back",
            generation.number
        ))
    })?;
    let mut loader = MemoryLoader::new();
    for (path, text) in &snapshot.files {
        loader = loader.with(path, text.clone());
    }
    let mut rules =
        build(generation.number, &snapshot.source, &loader, plugins).map_err(|f| RulesFailure {
            message: format!(
                "rules generation {} in the store no longer checks: {}",
                generation.number, f.message
            ),
            ..f
        })?;
    // Keep the saved text as it was, so that it compares equal.
    rules.body = generation.body.clone();
    Ok(rules)
}

/// Why the service could not start with its rules.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The rules on disk, or a saved generation, do not check.
    #[error("{}\n{}", .0.message, .0.rendered)]
    Rules(RulesFailure),
    /// The store failed.
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// What a reload did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reloaded {
    /// `reloaded`, or `unchanged` when the rules are the ones running.
    pub status: &'static str,
    /// The generation now in force.
    pub generation: u64,
    /// The workflows in force, with their versions.
    pub workflows: Vec<WorkflowVersion>,
    /// Cases moved to the new generation one by one.
    pub moved_cases: usize,
    /// Cases that keep older rules (started under a version the new rules do
    /// not take over).
    pub kept_cases: usize,
}

/// A workflow and its version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkflowVersion {
    /// The workflow id.
    pub workflow: String,
    /// Its version.
    pub version: String,
}

struct Pins {
    current: Arc<Rules>,
    older: HashMap<u64, Arc<Rules>>,
    stuck: HashMap<String, u64>,
}

/// The generations in force, and which case runs under which.
pub struct Generations {
    source: RulesSource,
    plugins: PluginLoader,
    store: Arc<dyn ServiceStore>,
    pins: RwLock<Pins>,
}

/// Read access to the pins, held while a batch of events is checked and
/// queued, so that a reload never slips in between.
pub struct Pinned<'a>(std::sync::RwLockReadGuard<'a, Pins>);

impl Pinned<'_> {
    /// The rules case `case` runs under.
    pub fn rules_for(&self, case: &str) -> &Arc<Rules> {
        let pins = &self.0;
        if pins.stuck.is_empty() {
            return &pins.current;
        }
        pins.stuck
            .get(case)
            .and_then(|g| pins.older.get(g))
            .unwrap_or(&pins.current)
    }
}

/// Which rules each case runs under, as at one moment
/// ([`Generations::assignment`]).
pub struct Assignment {
    current: Arc<Rules>,
    older: Vec<Arc<Rules>>,
    stuck: HashMap<String, u64>,
}

impl Assignment {
    /// The rules case `case` runs under.
    pub fn rules_for(&self, case: &str) -> &Arc<Rules> {
        match self.stuck.get(case) {
            Some(&number) => self
                .older
                .iter()
                .find(|r| r.number == number)
                .unwrap_or(&self.current),
            None => &self.current,
        }
    }

    /// The generation new cases run under.
    pub fn current(&self) -> &Arc<Rules> {
        &self.current
    }

    /// Every generation in force: the current one, then the older ones that
    /// still have cases, newest first.
    pub fn all(&self) -> impl Iterator<Item = &Arc<Rules>> {
        std::iter::once(&self.current).chain(&self.older)
    }
}

impl Generations {
    /// Loads the rules from `source`, finds the generations saved in the
    /// store and which cases run under which. Rules on disk that differ
    /// from the last saved generation are a reload.
    pub fn open(
        source: RulesSource,
        plugins: PluginLoader,
        store: Arc<dyn ServiceStore>,
        now: Timestamp,
    ) -> Result<(Generations, Reloaded), StartError> {
        let fresh = build(0, &source, &FsLoader, &plugins).map_err(StartError::Rules)?;
        let saved = store.generations()?;
        let Some(last) = saved.last() else {
            let number = store.save_generation(&fresh.body, &[], &[])?;
            let current = Arc::new(Rules { number, ..fresh });
            let reloaded = summary("reloaded", &current, 0, 0);
            let generations = Generations::with(source, plugins, store, current);
            return Ok((generations, reloaded));
        };
        if last.body == fresh.body {
            let current = Rules {
                number: last.number,
                ..fresh
            };
            let generations = Generations::with(source, plugins, store, Arc::new(current));
            generations.restore(&saved)?;
            let reloaded = {
                let pins = generations.read();
                summary("unchanged", &pins.0.current, 0, pins.0.stuck.len())
            };
            return Ok((generations, reloaded));
        }
        let current = rebuild(last, &plugins).map_err(StartError::Rules)?;
        let generations = Generations::with(source, plugins, store, Arc::new(current));
        generations.restore(&saved)?;
        let reloaded = generations
            .install(fresh, now, || {})
            .map_err(|InstallError::Store(e)| StartError::Store(e))?;
        Ok((generations, reloaded))
    }

    fn with(
        source: RulesSource,
        plugins: PluginLoader,
        store: Arc<dyn ServiceStore>,
        current: Arc<Rules>,
    ) -> Generations {
        Generations {
            source,
            plugins,
            store,
            pins: RwLock::new(Pins {
                current,
                older: HashMap::new(),
                stuck: HashMap::new(),
            }),
        }
    }

    /// Works out which cases keep an older generation, from the store.
    fn restore(&self, saved: &[Generation]) -> Result<(), StartError> {
        let mut pins = self.pins.write().unwrap_or_else(PoisonError::into_inner);
        let current = pins.current.number;
        let moved: HashMap<u64, Option<u64>> =
            saved.iter().map(|g| (g.number, g.moved_to)).collect();
        let resolve = |mut g: u64| {
            // A chain of forwards is short; the bound guards a damaged store.
            for _ in 0..=saved.len() {
                match moved.get(&g).copied().flatten() {
                    Some(next) => g = next,
                    None => break,
                }
            }
            g
        };
        if saved.iter().all(|g| resolve(g.number) == current) {
            return Ok(());
        }
        let moves: HashMap<String, u64> = self.store.case_moves()?.into_iter().collect();
        let mut stuck = HashMap::new();
        for (case, first) in self.store.case_first_arrivals()? {
            let base = saved
                .iter()
                .rev()
                .find(|g| g.from_arrival <= first)
                .or(saved.first())
                .map_or(current, |g| g.number);
            let g = resolve(moves.get(&case).copied().unwrap_or(base));
            if g != current {
                stuck.insert(case, g);
            }
        }
        let needed: BTreeSet<u64> = stuck.values().copied().collect();
        for number in needed {
            let Some(generation) = saved.iter().find(|g| g.number == number) else {
                continue;
            };
            let rules = rebuild(generation, &self.plugins).map_err(StartError::Rules)?;
            pins.older.insert(number, Arc::new(rules));
        }
        pins.stuck = stuck;
        Ok(())
    }

    /// Holds the pins for reading.
    pub fn read(&self) -> Pinned<'_> {
        Pinned(self.pins.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// The rules case `case` runs under.
    pub fn rules_for(&self, case: &str) -> Arc<Rules> {
        self.read().rules_for(case).clone()
    }

    /// The rules new cases run under.
    pub fn current(&self) -> Arc<Rules> {
        self.read().0.current.clone()
    }

    /// Which rules each case runs under, now: for long work (a report) that
    /// must neither hold up a reload nor see one half-way.
    pub fn assignment(&self) -> Assignment {
        let pins = self.read();
        let mut older: Vec<Arc<Rules>> = pins.0.older.values().cloned().collect();
        older.sort_by_key(|r| std::cmp::Reverse(r.number));
        Assignment {
            current: pins.0.current.clone(),
            older,
            stuck: pins.0.stuck.clone(),
        }
    }

    /// Every generation in force, current first.
    pub fn all(&self) -> Vec<Arc<Rules>> {
        let pins = self.read();
        let mut all = vec![pins.0.current.clone()];
        all.extend(pins.0.older.values().cloned());
        all
    }

    /// Reads the rules from disk again and, if they check and differ from
    /// the rules in force, makes them the current generation. `flush` is
    /// called, with no batch being checked, to wait until every queued
    /// write is stored. On failure the rules in force stay.
    pub fn reload(&self, now: Timestamp, flush: impl FnOnce()) -> Result<Reloaded, ReloadError> {
        let fresh = build(0, &self.source, &FsLoader, &self.plugins).map_err(ReloadError::Rules)?;
        self.install(fresh, now, flush).map_err(|e| match e {
            InstallError::Store(e) => ReloadError::Store(e),
        })
    }

    fn install(
        &self,
        fresh: Rules,
        now: Timestamp,
        flush: impl FnOnce(),
    ) -> Result<Reloaded, InstallError> {
        let mut pins = self.pins.write().unwrap_or_else(PoisonError::into_inner);
        if pins.current.body == fresh.body {
            let kept = pins.stuck.len();
            return Ok(summary("unchanged", &pins.current, 0, kept));
        }
        flush();
        let current = pins.current.clone();
        let mut live: BTreeSet<u64> = pins.stuck.values().copied().collect();
        live.insert(current.number);
        let mut forward = Vec::new();
        let mut moves = Vec::new();
        let mut stays: HashMap<String, u64> = HashMap::new();
        for g in live {
            let rules = if g == current.number {
                current.clone()
            } else {
                match pins.older.get(&g) {
                    Some(rules) => rules.clone(),
                    None => continue,
                }
            };
            let kept = rules.kept_by(&fresh);
            if kept.is_empty() {
                forward.push(g);
                continue;
            }
            let cases: Vec<String> = if g == current.number {
                let stuck = &pins.stuck;
                self.store
                    .case_ids()?
                    .into_iter()
                    .filter(|c| !stuck.contains_key(c))
                    .collect()
            } else {
                pins.stuck
                    .iter()
                    .filter(|(_, n)| **n == g)
                    .map(|(c, _)| c.clone())
                    .collect()
            };
            for case in cases {
                let events: Vec<_> = self
                    .store
                    .case_events(&case)?
                    .into_iter()
                    .map(|s| s.event)
                    .collect();
                // Every stored event counts, future-dated ones too.
                let last = events
                    .iter()
                    .map(|e| e.at.start_instant())
                    .max()
                    .unwrap_or(now);
                let state = rules
                    .engine
                    .replay(&case, events, AsOf::instant(now.max(last)));
                if state.episodes.iter().any(|e| kept.contains(&*e.workflow)) {
                    stays.insert(case, g);
                } else {
                    moves.push(case);
                }
            }
        }
        let number = self.store.save_generation(&fresh.body, &forward, &moves)?;
        let fresh = Arc::new(Rules { number, ..fresh });
        // Cases of forwarded generations move; the rest keep theirs.
        let mut stuck: HashMap<String, u64> = pins
            .stuck
            .drain()
            .filter(|(_, g)| !forward.contains(g))
            .collect();
        for case in &moves {
            stuck.remove(case);
        }
        stuck.extend(stays);
        let needed: HashSet<u64> = stuck.values().copied().collect();
        pins.older.retain(|g, _| needed.contains(g));
        if needed.contains(&current.number) {
            pins.older.insert(current.number, current);
        }
        pins.stuck = stuck;
        pins.current = fresh.clone();
        let kept = pins.stuck.len();
        Ok(summary("reloaded", &fresh, moves.len(), kept))
    }
}

fn summary(status: &'static str, rules: &Rules, moved: usize, kept: usize) -> Reloaded {
    Reloaded {
        status,
        generation: rules.number,
        workflows: rules
            .versions()
            .into_iter()
            .map(|(workflow, version)| WorkflowVersion { workflow, version })
            .collect(),
        moved_cases: moved,
        kept_cases: kept,
    }
}

enum InstallError {
    Store(StoreError),
}

impl From<StoreError> for InstallError {
    fn from(e: StoreError) -> Self {
        InstallError::Store(e)
    }
}

/// Why a reload did not happen; the rules in force stay.
#[derive(Debug)]
pub enum ReloadError {
    /// The new rules do not check.
    Rules(RulesFailure),
    /// The store failed.
    Store(StoreError),
}

impl ReloadError {
    /// The answer to the reload request.
    pub fn to_api(&self) -> ApiError {
        match self {
            ReloadError::Rules(failure) => failure.to_api(),
            ReloadError::Store(e) => ApiError::store(e),
        }
    }
}
