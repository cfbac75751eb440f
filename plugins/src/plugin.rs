//! A compiled script ([`Script`]) and the engine's [`Plugin`] for it
//! ([`ScriptPlugin`]).

use crate::api::{
    Case, CaseData, DeadlineView, Event, EventData, Facts, HISTORY_FIELDS, StepTimes,
};
use crate::errors;
use crate::sandbox::{self, CallState, Sandbox};
use crate::source::{self, CASE_STANDIN, Spanned, Token};
use duly_dsl::model::{PluginSpec, RuleSet};
use duly_dsl::{Diagnostic, FileId, Span};
use duly_engine::plugin::{
    CaseView, DailyResult, EventView, Hook, HookResult, NextDaily, content_hash,
};
use duly_engine::{Calendars, Deadline, Plugin};
use duly_events::{Action, Fact};
use rhai::{CallFnOptions, Dynamic, FuncArgs, ImmutableString, Scope};
use std::sync::Arc;

/// Each hook's parameters, as a script declares them.
const HOOKS: [(Hook, &str, usize); 4] = [
    (Hook::Event, "(case, event)", 2),
    (Hook::Approaching, "(case, deadline)", 2),
    (Hook::Breach, "(case, deadline)", 2),
    (Hook::Daily, "(case)", 1),
];

/// The constants a script declares to say what matters.
const DECLARATIONS: [&str; 7] = [
    "ONLY_WHEN",
    "WATCH_EVENTS",
    "WATCH_FACTS",
    "WATCH_DEADLINES",
    "DAILY_WHILE_OPEN",
    "DAILY_WHILE_FACTS",
    "DAILY_ONLY_WHEN_ASKED",
];

/// What the constants said.
#[derive(Debug, Default)]
struct Declarations {
    watch: Option<Watch>,
    watch_deadlines: Option<Vec<String>>,
    daily_while_open: Option<Vec<String>>,
    daily_while_facts: Option<Vec<WatchFact>>,
    daily_only_when_asked: bool,
    only_when: Vec<Guard>,
}

/// An entry of `ONLY_WHEN`: `worker_changes_last_12_months >= 3`, checked
/// before a hook is called (no script runs when it does not hold).
#[derive(Debug, Clone, Copy)]
struct Guard {
    field: GuardField,
    op: std::cmp::Ordering,
    or_equal: bool,
    negated: bool,
    value: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GuardField {
    Age,
    Referrals,
    WorkerChanges,
    DaysSinceLastVisit,
    MissingEpisodes,
}

/// The names `ONLY_WHEN` can test.
const GUARD_FIELDS: [(&str, GuardField); 5] = [
    ("age", GuardField::Age),
    ("referrals_last_12_months", GuardField::Referrals),
    ("worker_changes_last_12_months", GuardField::WorkerChanges),
    ("days_since_last_visit", GuardField::DaysSinceLastVisit),
    ("missing_episodes_last_30_days", GuardField::MissingEpisodes),
];

impl Guard {
    /// `<name> <op> <whole number>`, with `<`, `<=`, `>`, `>=`, `==`, `!=`.
    fn parse(text: &str) -> Option<Guard> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let [name, op, value] = words.as_slice() else {
            return None;
        };
        let field = GUARD_FIELDS.iter().find(|(n, _)| n == name)?.1;
        let value = value.parse().ok()?;
        use std::cmp::Ordering::*;
        let (op, or_equal, negated) = match *op {
            "<" => (Less, false, false),
            "<=" => (Less, true, false),
            ">" => (Greater, false, false),
            ">=" => (Greater, true, false),
            "==" => (Equal, false, false),
            "!=" => (Equal, false, true),
            _ => return None,
        };
        Some(Guard {
            field,
            op,
            or_equal,
            negated,
            value,
        })
    }

    /// Whether it holds for the case now; an unknown value never does.
    fn holds(&self, case: &CaseView<'_>) -> bool {
        let known = match self.field {
            GuardField::Age => case.age(),
            GuardField::Referrals => Some(i64::from(case.referrals_last_12_months())),
            GuardField::WorkerChanges => Some(i64::from(case.worker_changes_last_12_months())),
            GuardField::DaysSinceLastVisit => case.days_since_last_visit(),
            GuardField::MissingEpisodes => Some(i64::from(case.missing_episodes_last_30_days())),
        };
        known.is_some_and(|n| {
            let ordering = n.cmp(&self.value);
            let hit = ordering == self.op || (self.or_equal && ordering.is_eq());
            hit != self.negated
        })
    }
}

/// The case's methods that take a step id.
const STEP_METHODS: [&str; 4] = ["is_open", "started", "completed", "completions"];

/// A plugin script, compiled once and shared by every thread.
pub struct Script {
    name: String,
    hash: String,
    ast: rhai::AST,
    sandbox: Arc<Sandbox>,
    hooks: [bool; 4],
    watch: Option<Watch>,
    /// `WATCH_DEADLINES`: the steps whose deadlines call `on_approaching`
    /// and `on_breach`.
    watch_deadlines: Option<Vec<String>>,
    daily_while_open: Option<Vec<String>>,
    /// `DAILY_WHILE_FACTS`: `on_daily` runs only while one of these facts
    /// holds.
    daily_while_facts: Option<Vec<WatchFact>>,
    /// `DAILY_ONLY_WHEN_ASKED`: `on_daily` runs only on the days a hook
    /// asked for.
    daily_only_when_asked: bool,
    /// `ONLY_WHEN`: `on_event`, `on_approaching` and `on_breach` run only
    /// when every one holds.
    only_when: Vec<Guard>,
    needs: Needs,
}

impl std::fmt::Debug for Script {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Script")
            .field("name", &self.name)
            .field("hash", &self.hash)
            .field("hooks", &self.hooks)
            .finish()
    }
}

impl Script {
    /// Its name (the file name without `.rhai`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The hash of its text, recorded with each action.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// Whether it defines this hook.
    pub fn has_hook(&self, hook: Hook) -> bool {
        self.hooks[hook as usize]
    }
}

/// Which events call `on_event`: `WATCH_EVENTS` and `WATCH_FACTS`.
#[derive(Debug, Clone, Default)]
struct Watch {
    events: Vec<WatchEvent>,
    facts: Vec<WatchFact>,
}

/// An entry of `WATCH_FACTS`: `team`, `worker changed`, or
/// `domestic_abuse is true`.
#[derive(Debug, Clone)]
struct WatchFact {
    name: String,
    value: Option<Fact>,
    changed: bool,
}

impl WatchFact {
    fn parse(text: &str) -> WatchFact {
        if let Some(name) = text.trim().strip_suffix(" changed") {
            return WatchFact {
                name: name.trim().to_owned(),
                value: None,
                changed: true,
            };
        }
        let Some((name, value)) = text.split_once(" is ") else {
            return WatchFact {
                name: text.trim().to_owned(),
                value: None,
                changed: false,
            };
        };
        let value = value.trim();
        let value = match value {
            "true" => Fact::Bool(true),
            "false" => Fact::Bool(false),
            _ => match (value.parse::<i64>(), value.parse::<f64>()) {
                (Ok(n), _) => Fact::Int(n),
                (_, Ok(x)) => Fact::Float(x),
                _ => Fact::Text(value.trim_matches('"').to_owned()),
            },
        };
        WatchFact {
            name: name.trim().to_owned(),
            value: Some(value),
            changed: false,
        }
    }

    /// Whether the case's fact holds now (is known, or has the value).
    fn holds(&self, case: &CaseView<'_>) -> bool {
        match (&self.value, case.fact(&self.name)) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(value), Some(fact)) => fact == *value,
        }
    }

    fn matches(&self, event: &EventView<'_>) -> bool {
        match &self.value {
            None if self.changed => event.changed(&self.name),
            None => event.records(&self.name),
            Some(value) => event
                .facts()
                .any(|(name, fact)| name == self.name && fact.as_ref() == Some(value)),
        }
    }
}

#[derive(Debug, Clone)]
struct WatchEvent {
    step: String,
    action: Option<Action>,
    outcome: Option<String>,
}

impl Watch {
    fn wants(&self, event: &EventView<'_>) -> bool {
        self.events.iter().any(|w| {
            event.step == Some(w.step.as_str())
                && w.action.is_none_or(|a| a == event.action)
                && w.outcome
                    .as_deref()
                    .is_none_or(|o| event.outcome == Some(o))
        }) || self.facts.iter().any(|f| f.matches(event))
    }
}

/// What a script can look at, read from its names: a call builds only
/// that.
#[derive(Debug, Clone, Default)]
struct Needs {
    facts: bool,
    age: bool,
    open_steps: bool,
    deadlines: bool,
    /// The fields of `case.history` the script names (all of them when it
    /// names none but reads `history`).
    history: Vec<&'static str>,
    /// Steps asked about by `case.is_open("…")` and the like: `None` when
    /// a call names a step with something other than a written id.
    steps: Option<Vec<String>>,
    step_times: bool,
    completions: bool,
    changed: bool,
    /// `case.id`, `event.id`.
    ids: bool,
    /// `event.facts`, `event.records(…)`.
    event_facts: bool,
}

/// Compiles a plugin's text (registered in the diagnostics' sources as
/// `file`), checking what it names against `rules` when they are known.
/// Returns the script when there is no error, and every problem found.
pub fn compile(
    spec: &PluginSpec,
    file: FileId,
    rules: Option<&RuleSet>,
    sandbox: Arc<Sandbox>,
) -> (Option<Arc<Script>>, Vec<Diagnostic>) {
    let text = &*spec.text;
    let tokens = source::tokens(text);
    let mut diagnostics = Vec::new();
    if let Some(t) = tokens.iter().find(|t| t.token == Token::Name(CASE_STANDIN)) {
        diagnostics.push(
            Diagnostic::error(
                "plugin-syntax",
                format!("`{CASE_STANDIN}` is a name Duly keeps for itself"),
            )
            .at(file, Span::new(t.start, t.end), "reserved")
            .help("choose another name"),
        );
        return (None, diagnostics);
    }
    let ast = match sandbox
        .engine
        .compile(source::for_rhai(text, &tokens).as_str())
    {
        Ok(ast) => ast,
        Err(error) => {
            diagnostics.push(errors::parse_error(&error, file, text));
            return (None, diagnostics);
        }
    };
    let checker = Checker {
        file,
        text,
        tokens: &tokens,
        rules,
    };
    let hooks = checker.hooks(&ast, &mut diagnostics);
    let Declarations {
        watch,
        watch_deadlines,
        daily_while_open,
        daily_while_facts,
        daily_only_when_asked,
        only_when,
    } = checker.declarations(&ast, &mut diagnostics);
    checker.step_ids(&mut diagnostics);
    checker.properties(&mut diagnostics);
    let needs = needs(&tokens);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return (None, diagnostics);
    }
    let script = Script {
        name: spec.name.clone(),
        hash: content_hash(text),
        ast,
        sandbox,
        hooks,
        watch,
        watch_deadlines,
        daily_while_open,
        daily_while_facts,
        daily_only_when_asked,
        only_when,
        needs,
    };
    (Some(Arc::new(script)), diagnostics)
}

struct Checker<'a> {
    file: FileId,
    text: &'a str,
    tokens: &'a [Spanned<'a>],
    rules: Option<&'a RuleSet>,
}

impl Checker<'_> {
    /// The span of the name after `fn`, or of a `const`'s name.
    fn declared(&self, keyword: &str, name: &str) -> Span {
        self.tokens
            .windows(2)
            .find(|w| w[0].token == Token::Name(keyword) && w[1].token == Token::Name(name))
            .map_or(Span::new(0, 0), |w| Span::new(w[1].start, w[1].end))
    }

    /// The span of the text `entry` in the list declared at `declared`.
    fn entry(&self, declared: Span, entry: &str) -> Span {
        self.tokens
            .iter()
            .skip_while(|t| t.start < declared.end)
            .take_while(|t| t.token != Token::Symbol(';'))
            .find(|t| t.token == Token::Text(entry))
            .map_or(declared, |t| Span::new(t.start, t.end))
    }

    /// Which hooks the script defines, each with the right parameters;
    /// a function that looks like a misspelt hook is a warning.
    fn hooks(&self, ast: &rhai::AST, diagnostics: &mut Vec<Diagnostic>) -> [bool; 4] {
        let mut hooks = [false; 4];
        for function in ast.iter_functions() {
            let known = HOOKS.iter().find(|(hook, ..)| hook.name() == function.name);
            match known {
                Some(&(hook, params, count)) => {
                    if function.params.len() == count {
                        hooks[hook as usize] = true;
                    } else {
                        diagnostics.push(
                            Diagnostic::error(
                                "plugin-hook",
                                format!(
                                    "`{}` takes {count} parameter{}, not {}",
                                    function.name,
                                    if count == 1 { "" } else { "s" },
                                    function.params.len()
                                ),
                            )
                            .at(self.file, self.declared("fn", function.name), "this hook")
                            .help(format!("write `fn {}{params}`", function.name)),
                        );
                    }
                }
                None if function.name.starts_with("on_") => {
                    let names = HOOKS.iter().map(|(hook, ..)| hook.name());
                    let mut d = Diagnostic::warning(
                        "plugin-hook",
                        format!("`{}` is not a hook, so Duly never calls it", function.name),
                    )
                    .at(
                        self.file,
                        self.declared("fn", function.name),
                        "not a hook",
                    );
                    d = match duly_dsl::suggest::did_you_mean(function.name, names) {
                        Some(near) => d.help(format!("did you mean `{near}`?")),
                        None => d.help(
                            "the hooks are `on_event`, `on_approaching`, `on_breach` and `on_daily`",
                        ),
                    };
                    diagnostics.push(d);
                }
                None => {}
            }
        }
        if hooks.iter().all(|h| !h) && !diagnostics.iter().any(Diagnostic::is_error) {
            diagnostics.push(
                Diagnostic::warning("plugin-no-hook", "the script has no hook, so it never acts")
                    .in_file(self.file)
                    .help("define `fn on_event(case, event)`, `fn on_approaching(case, deadline)`, `fn on_breach(case, deadline)` or `fn on_daily(case)`"),
            );
        }
        hooks
    }

    /// `WATCH_EVENTS`, `WATCH_FACTS`, `WATCH_DEADLINES`, `DAILY_WHILE_OPEN`
    /// and `DAILY_ONLY_WHEN_ASKED`.
    fn declarations(&self, ast: &rhai::AST, diagnostics: &mut Vec<Diagnostic>) -> Declarations {
        let mut found = Declarations::default();
        let literal: Vec<(&str, bool, Dynamic)> = ast.iter_literal_variables(true, true).collect();
        for name in DECLARATIONS {
            let declared = self
                .tokens
                .windows(2)
                .find(|w| {
                    matches!(w[0].token, Token::Name("const" | "let"))
                        && w[1].token == Token::Name(name)
                })
                .map(|w| {
                    (
                        w[0].token == Token::Name("const"),
                        Span::new(w[1].start, w[1].end),
                    )
                });
            let Some((constant, span)) = declared else {
                continue;
            };
            let value = literal
                .iter()
                .find(|(n, ..)| *n == name)
                .map(|(_, _, value)| value.clone())
                .filter(|_| constant);
            if name == "DAILY_ONLY_WHEN_ASKED" {
                match value.and_then(|v| v.as_bool().ok()) {
                    Some(flag) => found.daily_only_when_asked = flag,
                    None => diagnostics.push(
                        Diagnostic::error(
                            "plugin-watch",
                            format!("`{name}` must be a constant `true` or `false`"),
                        )
                        .at(self.file, span, "not true or false")
                        .help(format!("write `const {name} = true;`")),
                    ),
                }
                continue;
            }
            let texts = value
                .and_then(|v| v.try_cast::<rhai::Array>())
                .and_then(|items| {
                    items
                        .into_iter()
                        .map(|i| i.into_immutable_string().ok().map(|s| s.to_string()))
                        .collect::<Option<Vec<String>>>()
                });
            let Some(texts) = texts else {
                diagnostics.push(
                    Diagnostic::error(
                        "plugin-watch",
                        format!("`{name}` must be a constant list of texts"),
                    )
                    .at(self.file, span, "not a list of texts")
                    .help(format!(
                        "write it out, as in `const {name} = [\"…\", \"…\"];`"
                    )),
                );
                continue;
            };
            match name {
                "ONLY_WHEN" => {
                    for text in &texts {
                        match Guard::parse(text) {
                            Some(guard) => found.only_when.push(guard),
                            None => diagnostics.push(
                                Diagnostic::error("plugin-watch", format!("cannot read the condition `{text}` in `ONLY_WHEN`"))
                                    .at(self.file, self.entry(span, text), "cannot read this")
                                    .help(format!(
                                        "write `<name> <op> <whole number>`, with a name among {} and `<`, `<=`, `>`, `>=`, `==` or `!=`",
                                        GUARD_FIELDS.iter().map(|(n, _)| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                                    )),
                            ),
                        }
                    }
                }
                "WATCH_EVENTS" => {
                    let events = texts
                        .iter()
                        .filter_map(|t| self.watch_event(t, self.entry(span, t), diagnostics))
                        .collect();
                    found.watch.get_or_insert_with(Watch::default).events = events;
                }
                "WATCH_FACTS" => {
                    found.watch.get_or_insert_with(Watch::default).facts =
                        texts.iter().map(|t| WatchFact::parse(t)).collect();
                }
                "DAILY_WHILE_FACTS" => {
                    let facts: Vec<WatchFact> = texts.iter().map(|t| WatchFact::parse(t)).collect();
                    if facts.iter().any(|f| f.changed) {
                        diagnostics.push(
                            Diagnostic::error(
                                "plugin-watch",
                                "`DAILY_WHILE_FACTS` cannot say `changed`",
                            )
                            .at(self.file, span, "a fact holds or not on a day")
                            .help("write `<fact>` (known) or `<fact> is <value>`"),
                        );
                    }
                    found.daily_while_facts = Some(facts);
                }
                _ => {
                    for step in &texts {
                        self.known_step(step, self.entry(span, step), diagnostics);
                    }
                    if name == "WATCH_DEADLINES" {
                        found.watch_deadlines = Some(texts);
                    } else {
                        found.daily_while_open = Some(texts);
                    }
                }
            }
        }
        found
    }

    /// One entry of `WATCH_EVENTS`: `referral`, `referral started`,
    /// `case_closure completed with nfa`, `cp_plan cancelled`.
    fn watch_event(
        &self,
        text: &str,
        span: Span,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<WatchEvent> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let (step, action, outcome) = match words.as_slice() {
            [step] => (*step, None, None),
            [step, "started"] => (*step, Some(Action::Start), None),
            [step, "completed"] => (*step, Some(Action::Complete), None),
            [step, "cancelled"] => (*step, Some(Action::Cancel), None),
            [step, "completed", "with", outcome] => (*step, Some(Action::Complete), Some(*outcome)),
            _ => {
                diagnostics.push(
                    Diagnostic::error("plugin-watch", format!("cannot read the event `{text}` in `WATCH_EVENTS`"))
                        .at(self.file, span, "cannot read this")
                        .help("write `<step>`, `<step> started`, `<step> completed`, `<step> completed with <outcome>` or `<step> cancelled`"),
                );
                return None;
            }
        };
        self.known_step(step, span, diagnostics);
        if let (Some(outcome), Some((_, st))) = (outcome, self.rules.and_then(|r| r.step(step)))
            && !st.outcomes.iter().any(|o| o == outcome)
        {
            let mut d = Diagnostic::error(
                "plugin-watch",
                format!("step `{step}` has no outcome `{outcome}`"),
            )
            .at(self.file, span, "no such outcome");
            d = match duly_dsl::suggest::did_you_mean(
                outcome,
                st.outcomes.iter().map(String::as_str),
            ) {
                Some(near) => d.help(format!("did you mean `{near}`?")),
                None => d.help(format!("its outcomes are {}", quoted(&st.outcomes))),
            };
            diagnostics.push(d);
        }
        Some(WatchEvent {
            step: step.to_owned(),
            action,
            outcome: outcome.map(str::to_owned),
        })
    }

    /// An unknown step id (when the rules are known) is an error.
    fn known_step(&self, step: &str, span: Span, diagnostics: &mut Vec<Diagnostic>) {
        let Some(rules) = self.rules else {
            return;
        };
        if rules.locate(step).is_some() {
            return;
        }
        let ids = rules
            .workflows
            .iter()
            .flat_map(|w| w.steps.iter().map(|s| s.id.as_str()));
        let mut d = Diagnostic::error("unknown-step", format!("unknown step `{step}`")).at(
            self.file,
            span,
            "no such step",
        );
        d = match duly_dsl::suggest::did_you_mean(step, ids) {
            Some(near) => d.help(format!("did you mean `{near}`?")),
            None => d.help("use a step id of the rules (see `duly explain`)"),
        };
        diagnostics.push(d);
    }

    /// Step ids written in `require("…")` and `case.is_open("…")` and the
    /// like must be steps of the rules.
    fn step_ids(&self, diagnostics: &mut Vec<Diagnostic>) {
        for w in self.tokens.windows(3) {
            let (Token::Name(name), Token::Symbol('('), Token::Text(step)) =
                (&w[0].token, &w[1].token, &w[2].token)
            else {
                continue;
            };
            if *name == "require" || STEP_METHODS.contains(name) {
                let span = Span::new(w[2].start, w[2].end);
                self.known_step(step, span, diagnostics);
            }
        }
        let _ = self.text;
    }
}

/// What each view has, for `duly check` to catch a misspelt name.
const MEMBERS: [(&str, &[&str]); 4] = [
    (
        "case",
        &[
            "id",
            "facts",
            "age",
            "open_steps",
            "is_open",
            "started",
            "completed",
            "completions",
            "deadlines",
            "history",
        ],
    ),
    ("history", &HISTORY_FIELDS),
    (
        "event",
        &[
            "id", "step", "action", "outcome", "date", "facts", "records", "changed",
        ],
    ),
    (
        "deadline",
        &[
            "step",
            "workflow",
            "occurrence",
            "due",
            "status",
            "approaching",
            "local",
            "completed",
        ],
    ),
];

impl Checker<'_> {
    /// `case.histroy`, `event.stpe`: a name the view does not have is an
    /// error (on the names hooks give their parameters, and `history`).
    fn properties(&self, diagnostics: &mut Vec<Diagnostic>) {
        for w in self.tokens.windows(3) {
            let (Token::Name(on), Token::Symbol('.'), Token::Name(name)) =
                (&w[0].token, &w[1].token, &w[2].token)
            else {
                continue;
            };
            let Some((_, members)) = MEMBERS.iter().find(|(view, _)| view == on) else {
                continue;
            };
            if members.contains(name) {
                continue;
            }
            let mut d = Diagnostic::error("plugin-property", format!("`{on}` has no `{name}`")).at(
                self.file,
                Span::new(w[2].start, w[2].end),
                "unknown",
            );
            d = match duly_dsl::suggest::did_you_mean(name, members.iter().copied()) {
                Some(near) => d.help(format!("did you mean `{near}`?")),
                None => d.help(format!("`{on}` has {}", list_of(members))),
            };
            diagnostics.push(d);
        }
    }
}

fn list_of(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn quoted(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a script can look at, from the names it uses.
fn needs(tokens: &[Spanned<'_>]) -> Needs {
    let uses = |name: &str| tokens.iter().any(|t| t.token == Token::Name(name));
    let mut steps = Some(Vec::new());
    let mut step_times = false;
    for (i, t) in tokens.iter().enumerate() {
        let Token::Name(name) = t.token else {
            continue;
        };
        if !STEP_METHODS.contains(&name) {
            continue;
        }
        step_times = true;
        // `.started("cp_plan")`: a written step id. Anything else (a
        // variable, `started(case, "x")`) could ask about any step.
        let written = i > 0
            && tokens[i - 1].token == Token::Symbol('.')
            && tokens.get(i + 1).map(|t| &t.token) == Some(&Token::Symbol('('))
            && matches!(
                tokens.get(i + 3).map(|t| &t.token),
                Some(Token::Symbol(')' | ','))
            );
        match (written, tokens.get(i + 2).map(|t| &t.token), steps.as_mut()) {
            (true, Some(Token::Text(step)), Some(list)) => {
                if !list.iter().any(|s| s == step) {
                    list.push((*step).to_owned());
                }
            }
            // `completed` is also a deadline's property: `d.completed`.
            _ if name == "completed"
                && tokens.get(i + 1).map(|t| &t.token) != Some(&Token::Symbol('(')) => {}
            _ => steps = None,
        }
    }
    Needs {
        facts: uses("facts"),
        age: uses("age"),
        open_steps: uses("open_steps"),
        deadlines: uses("deadlines"),
        history: {
            let named: Vec<&'static str> = HISTORY_FIELDS
                .into_iter()
                .filter(|field| uses(field))
                .collect();
            match (uses("history"), named.is_empty()) {
                (false, _) => Vec::new(),
                (true, true) => HISTORY_FIELDS.to_vec(),
                (true, false) => named,
            }
        },
        steps,
        step_times,
        completions: uses("completions"),
        changed: uses("changed"),
        ids: uses("id"),
        event_facts: uses("facts") || uses("records"),
    }
}

/// The engine's plugin for a compiled script.
pub struct ScriptPlugin {
    script: Arc<Script>,
    calendars: Arc<Calendars>,
}

impl std::fmt::Debug for ScriptPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScriptPlugin")
            .field("script", &self.script)
            .finish()
    }
}

/// The engine's plugins for these scripts, counting working days on the
/// calendars of `rules`.
pub fn plugins_for(scripts: &[Arc<Script>], rules: &RuleSet) -> Vec<Arc<dyn Plugin>> {
    let calendars = Arc::new(Calendars::of(rules));
    scripts
        .iter()
        .map(|script| {
            Arc::new(ScriptPlugin::new(script.clone(), calendars.clone())) as Arc<dyn Plugin>
        })
        .collect()
}

impl ScriptPlugin {
    /// The plugin for `script`, counting working days on `calendars`.
    pub fn new(script: Arc<Script>, calendars: Arc<Calendars>) -> ScriptPlugin {
        ScriptPlugin { script, calendars }
    }

    /// Whether every `ONLY_WHEN` condition holds.
    fn guards_hold(&self, case: &CaseView<'_>) -> bool {
        self.script.only_when.iter().all(|g| g.holds(case))
    }

    /// The case view for one call: only what the script can look at.
    fn case(&self, view: &CaseView<'_>) -> Case {
        let needs = &self.script.needs;
        let mut data = CaseData::default();
        if needs.ids {
            data.id = view.id().into();
        }
        if needs.facts {
            data.facts = Facts::new(view.facts().map(|(name, value)| (name, Some(value))));
        }
        if needs.age {
            data.age = view.age();
        }
        if needs.open_steps {
            data.open_steps = view
                .open_steps()
                .into_iter()
                .map(|s| Dynamic::from(ImmutableString::from(s)))
                .collect();
        }
        if needs.deadlines {
            data.deadlines = view
                .deadlines()
                .iter()
                .map(|d| Dynamic::from(DeadlineView::new(d)))
                .collect();
        }
        if !needs.history.is_empty() {
            let mut history = rhai::Map::new();
            for &field in &needs.history {
                let value = match field {
                    "referrals_last_12_months" => {
                        Dynamic::from_int(i64::from(view.referrals_last_12_months()))
                    }
                    "worker_changes_last_12_months" => {
                        Dynamic::from_int(i64::from(view.worker_changes_last_12_months()))
                    }
                    "days_since_last_visit" => view
                        .days_since_last_visit()
                        .map_or(Dynamic::UNIT, Dynamic::from_int),
                    _ => Dynamic::from_int(i64::from(view.missing_episodes_last_30_days())),
                };
                history.insert(field.into(), value);
            }
            data.history = Some(history);
        }
        if needs.step_times {
            let all = needs.steps.is_none();
            data.steps = needs
                .steps
                .iter()
                .flatten()
                .map(|s| StepTimes::new(s))
                .collect();
            for occ in view.occurrences() {
                let times = match data.steps.iter().position(|s| s.step == occ.step) {
                    Some(i) => &mut data.steps[i],
                    None if all => {
                        data.steps.push(StepTimes::new(occ.step));
                        let last = data.steps.len() - 1;
                        &mut data.steps[last]
                    }
                    None => continue,
                };
                times.open |= occ.completed.is_none() && occ.closed.is_none();
                times.started = Some(occ.started.local_date());
                if let Some(done) = occ.completed {
                    let day = done.local_date();
                    times.completed = Some(times.completed.map_or(day, |d| d.max(day)));
                    if needs.completions {
                        times.completions.push(day);
                    }
                }
            }
            for times in &mut data.steps {
                times.completions.sort();
            }
        }
        Case(Arc::new(data))
    }

    fn event(&self, event: &EventView<'_>) -> Event {
        let needs = &self.script.needs;
        let action = match event.action {
            Action::Start => "start",
            Action::Complete => "complete",
            Action::Cancel => "cancel",
            Action::Record => "record",
        };
        Event(Arc::new(EventData {
            id: if needs.ids {
                event.id.into()
            } else {
                ImmutableString::new()
            },
            step: event
                .step
                .map_or(Dynamic::UNIT, |s| Dynamic::from(ImmutableString::from(s))),
            action: action.into(),
            outcome: event
                .outcome
                .map_or(Dynamic::UNIT, |o| Dynamic::from(ImmutableString::from(o))),
            date: event.at.local_date(),
            facts: if needs.event_facts {
                Facts::new(event.facts())
            } else {
                Facts::default()
            },
            changed: if needs.changed {
                event
                    .facts()
                    .filter(|(name, _)| event.changed(name))
                    .map(|(name, _)| ImmutableString::from(name))
                    .collect()
            } else {
                Vec::new()
            },
        }))
    }

    /// Calls hook `hook` with `args`, inside the sandbox.
    fn call(
        &self,
        hook: Hook,
        view: &CaseView<'_>,
        args: impl FuncArgs,
    ) -> Result<CallState, String> {
        let script = &*self.script;
        let sandbox = &*script.sandbox;
        let (result, state) = sandbox::within(
            sandbox,
            &self.calendars,
            view.calendar(),
            view.today(),
            || {
                let options = CallFnOptions::new().eval_ast(false).rewind_scope(false);
                sandbox.engine.call_fn_with_options::<Dynamic>(
                    options,
                    &mut Scope::new(),
                    &script.ast,
                    hook.name(),
                    args,
                )
            },
        );
        match result {
            Ok(_) => {
                // `check_again_on` in any other hook sets a timer for
                // `on_daily`.
                if hook != Hook::Daily
                    && let Some(day) = state.next_check
                {
                    view.check_again_on(day);
                }
                Ok(state)
            }
            Err(error) => Err(errors::runtime_error(&error, &sandbox.limits)),
        }
    }
}

impl Plugin for ScriptPlugin {
    fn name(&self) -> &str {
        &self.script.name
    }

    fn content_hash(&self) -> &str {
        &self.script.hash
    }

    fn has_hook(&self, hook: Hook) -> bool {
        self.script.has_hook(hook)
    }

    fn daily_on_events(&self) -> bool {
        !self.script.daily_only_when_asked
    }

    fn watches_event(&self, event: &EventView<'_>) -> bool {
        self.script.has_hook(Hook::Event)
            && self.script.watch.as_ref().is_none_or(|w| w.wants(event))
    }

    fn watches_deadline(&self, step: &str) -> bool {
        self.script
            .watch_deadlines
            .as_ref()
            .is_none_or(|steps| steps.iter().any(|s| s == step))
    }

    fn on_event(&self, case: &CaseView<'_>, event: &EventView<'_>) -> HookResult {
        if !self.watches_event(event) || !self.guards_hold(case) {
            return Ok(Vec::new());
        }
        let args = (self.case(case), self.event(event));
        self.call(Hook::Event, case, args)
            .map(|state| state.actions)
    }

    fn on_approaching(&self, case: &CaseView<'_>, deadline: &Deadline) -> HookResult {
        self.on_deadline(Hook::Approaching, case, deadline)
    }

    fn on_breach(&self, case: &CaseView<'_>, deadline: &Deadline) -> HookResult {
        self.on_deadline(Hook::Breach, case, deadline)
    }

    fn on_daily(&self, case: &CaseView<'_>, _day: jiff::civil::Date) -> DailyResult {
        if !self.script.has_hook(Hook::Daily) {
            return Ok((Vec::new(), NextDaily::AfterNextEvent));
        }
        // Open steps change only with events (and `require`), which wake
        // the hook again.
        if let Some(steps) = &self.script.daily_while_open
            && !steps.iter().any(|s| case.is_open(s))
        {
            return Ok((Vec::new(), NextDaily::AfterNextEvent));
        }
        // Facts too.
        if let Some(facts) = &self.script.daily_while_facts
            && !facts.iter().any(|f| f.holds(case))
        {
            return Ok((Vec::new(), NextDaily::AfterNextEvent));
        }
        let state = self.call(Hook::Daily, case, (self.case(case),))?;
        let next = match (state.next_check, state.after_next_event, state.read_time) {
            (Some(day), ..) => NextDaily::On(day),
            (None, true, _) | (None, false, false) => NextDaily::AfterNextEvent,
            (None, false, true) => NextDaily::Tomorrow,
        };
        Ok((state.actions, next))
    }
}

impl ScriptPlugin {
    fn on_deadline(&self, hook: Hook, case: &CaseView<'_>, deadline: &Deadline) -> HookResult {
        if !self.script.has_hook(hook)
            || !self.watches_deadline(&deadline.step)
            || !self.guards_hold(case)
        {
            return Ok(Vec::new());
        }
        let args = (self.case(case), DeadlineView::new(deadline));
        self.call(hook, case, args).map(|state| state.actions)
    }
}
