//! Workflows: required clauses, ids, references, timescales, local
//! extensions merged onto national workflows, plugins; then lowering to the
//! model.

use super::period::{self, Comparison};
use super::{Checker, origin};
use crate::ast::*;
use crate::diagnostic::{Diagnostic, FileId, Span};
use crate::loader::{LoadedFile, normalize};
use crate::model::{
    self, Anchor, Cadence, CalendarSpec, Condition, DueRule, Effect, Happening, PluginSpec,
    Reaction, Recurrence, Schedule, Source, Trigger, Workflow,
};
use std::collections::HashMap;
use std::path::Path;

/// A step's timescale as written: one `due` line or a `repeats` block.
#[derive(Clone, Copy)]
pub(super) enum Sched<'a> {
    Once(&'a Timescale),
    Repeats(&'a Repeats),
}

/// A workflow with its extensions merged, still pointing at the text.
struct Wf<'a> {
    file: FileId,
    decl: &'a WorkflowDecl,
    id: &'a Ident,
    title: Option<&'a Text>,
    version: Option<&'a Text>,
    moves_from: Vec<(FileId, &'a Text)>,
    source: Option<&'a SourceLine>,
    calendar: Option<(FileId, &'a Ident)>,
    entries: Vec<(FileId, &'a Ident)>,
    plugins: Vec<(FileId, &'a Ident)>,
    steps: Vec<St<'a>>,
}

/// A step with its local changes merged.
struct St<'a> {
    file: FileId,
    id: &'a Ident,
    title: Option<&'a Text>,
    description: Option<&'a Text>,
    outcomes: Vec<&'a Ident>,
    several: bool,
    schedule: Option<(FileId, Sched<'a>)>,
    /// The national timescale a local one replaced.
    national: Option<(FileId, Sched<'a>)>,
    reactions: Vec<(FileId, &'a OnLine)>,
    local: bool,
}

/// Where a lowered step's parts were written, parallel to the model.
pub(super) struct StepSpans {
    pub file: FileId,
    pub id: Span,
    /// Parallel to the step's reactions.
    pub reactions: Vec<(FileId, Span)>,
    /// Parallel to the step's due rules: first, second, then lines (or the one `due`).
    pub rules: Vec<RuleSpans>,
    /// The outcome ids, parallel to the step's outcomes.
    pub outcomes: Vec<Span>,
    /// The `repeats` header, for a recurring step.
    pub repeats: Option<(FileId, Span)>,
    /// Whether it is a recurring step with an `until` line (a way out, even
    /// if its timescales could not be compiled).
    pub has_until: bool,
}

/// Where a due rule was written.
pub(super) struct RuleSpans {
    pub file: FileId,
    pub line: Span,
    pub anchor: Span,
}

impl<'l> Checker<'l> {
    pub(super) fn workflows(
        &mut self,
        files: &[LoadedFile],
        calendars: &[CalendarSpec],
    ) -> (Vec<Workflow>, Vec<PluginSpec>) {
        let mut wfs: Vec<Wf<'_>> = Vec::new();
        let mut step_ids: HashMap<&str, (FileId, Span)> = HashMap::new();
        for file in files {
            for item in &file.syntax.items {
                let Item::Workflow(decl) = item else { continue };
                if decl.extend {
                    continue;
                }
                let Some(id) = &decl.id else { continue };
                if let Some(first) = wfs.iter().find(|w| w.id.name == id.name) {
                    let d = self.duplicate(
                        "workflow",
                        &id.name,
                        file.id,
                        id.span,
                        first.file,
                        Some(first.id.span),
                    );
                    self.push(d);
                    continue;
                }
                let wf = self.base_workflow(file.id, decl, id, &mut step_ids);
                wfs.push(wf);
            }
        }
        for file in files {
            for item in &file.syntax.items {
                let Item::Workflow(decl) = item else { continue };
                if !decl.extend {
                    continue;
                }
                let Some(id) = &decl.id else { continue };
                match wfs.iter_mut().find(|w| w.id.name == id.name) {
                    Some(wf) => self.extend(file.id, decl, wf, &mut step_ids),
                    None => {
                        let known: Vec<&str> = wfs.iter().map(|w| w.id.name.as_str()).collect();
                        let d = self
                            .unknown("workflow", &id.name, file.id, id.span, known)
                            .help_if_none("`extend workflow` changes a workflow declared in an imported file: check the `import` line");
                        self.push(d);
                    }
                }
            }
        }
        for wf in &wfs {
            for st in &wf.steps {
                self.outcome_index.insert(
                    st.id.name.clone(),
                    st.outcomes.iter().map(|o| o.name.clone()).collect(),
                );
                self.step_homes
                    .insert(st.id.name.clone(), wf.id.name.clone());
            }
        }
        let mut plugins: Vec<PluginSpec> = Vec::new();
        let mut workflows = Vec::new();
        for wf in &wfs {
            self.quiet_unknown_steps = wf.decl.steps.iter().any(|s| s.id.is_none());
            self.unresolved_references = false;
            let (workflow, spans) = self.lower(wf, calendars, &mut plugins);
            self.quiet_unknown_steps = false;
            let unresolved = self.unresolved_references;
            self.flow(&workflow, &spans, unresolved);
            workflows.push(workflow);
        }
        (workflows, plugins)
    }

    fn base_workflow<'a>(
        &mut self,
        file: FileId,
        decl: &'a WorkflowDecl,
        id: &'a Ident,
        step_ids: &mut HashMap<&'a str, (FileId, Span)>,
    ) -> Wf<'a> {
        let mut wf = Wf {
            file,
            decl,
            id,
            title: None,
            version: None,
            moves_from: Vec::new(),
            source: None,
            calendar: None,
            entries: Vec::new(),
            plugins: Vec::new(),
            steps: Vec::new(),
        };
        let mut starts_seen = false;
        for clause in &decl.clauses {
            match clause {
                WorkflowClause::Title(t) => self.once(&mut wf.title, t, "title", file, t.span),
                WorkflowClause::Version(t) => {
                    self.once(&mut wf.version, t, "version", file, t.span)
                }
                WorkflowClause::MovesCasesFrom(versions, _) => {
                    wf.moves_from.extend(versions.iter().map(|v| (file, v)));
                }
                WorkflowClause::Source(s) => self.once(&mut wf.source, s, "source", file, s.span),
                WorkflowClause::Calendar(c) => {
                    if wf.calendar.is_some() {
                        self.push(self.second_clause("calendar", file, c.span));
                    }
                    wf.calendar = Some((file, c));
                }
                WorkflowClause::StartsWith(ids, span) => {
                    if starts_seen {
                        self.push(self.second_clause("starts with", file, *span));
                    }
                    starts_seen = true;
                    wf.entries.extend(ids.iter().map(|i| (file, i)));
                }
                WorkflowClause::Plugins(ids, _) => wf.plugins.extend(ids.iter().map(|i| (file, i))),
            }
        }
        let missing: Vec<&str> = [
            (wf.title.is_none(), "title"),
            (wf.version.is_none(), "version"),
            (wf.source.is_none(), "source"),
            (wf.calendar.is_none(), "calendar"),
            (!starts_seen, "starts with"),
        ]
        .into_iter()
        .filter(|(m, _)| *m)
        .map(|(_, c)| c)
        .collect();
        if !missing.is_empty() && !decl.recovered {
            let list: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
            self.push(
                Diagnostic::error("missing-clause", format!("workflow `{}` has no {}", id.name, join_list(&list)))
                    .at(file, decl.header, "declared here")
                    .help("every workflow says its `title`, `version`, `source`, `calendar` and the steps it `starts with`"),
            );
        }
        if let Some(version) = wf.version {
            for &(f, from) in &wf.moves_from {
                if from.value == version.value {
                    self.push(
                        Diagnostic::error(
                            "moves-own-version",
                            format!(
                                "workflow `{}` moves cases from its own version `{}`",
                                id.name, from.value
                            ),
                        )
                        .at(f, from.span, "this is the version of this workflow")
                        .help("name an older version whose cases may run under this one, or remove it"),
                    );
                }
            }
        }
        for step in &decl.steps {
            let Some(sid) = &step.id else { continue };
            if let Some(&(f, s)) = step_ids.get(sid.name.as_str()) {
                let d = self.duplicate("step", &sid.name, file, sid.span, f, Some(s));
                self.push(d);
                continue;
            }
            step_ids.insert(&sid.name, (file, sid.span));
            let mut st = St {
                file,
                id: sid,
                title: None,
                description: None,
                outcomes: Vec::new(),
                several: false,
                schedule: None,
                national: None,
                reactions: Vec::new(),
                local: false,
            };
            self.step_clauses(file, step, &mut st, false);
            wf.steps.push(st);
        }
        wf
    }

    fn once<'a, T>(
        &mut self,
        slot: &mut Option<&'a T>,
        value: &'a T,
        clause: &str,
        file: FileId,
        span: Span,
    ) {
        if slot.is_some() {
            self.push(self.second_clause(clause, file, span));
        } else {
            *slot = Some(value);
        }
    }

    /// Reads a step's lines into `st`. When `changing` (an extension of an
    /// existing step), only timescales and `on` lines are allowed.
    fn step_clauses<'a>(
        &mut self,
        file: FileId,
        decl: &'a StepDecl,
        st: &mut St<'a>,
        changing: bool,
    ) {
        let mut outcomes_seen = false;
        let mut schedule_seen: Option<Span> = None;
        for clause in &decl.clauses {
            let not_here = |what: &str, span: Span| {
                Diagnostic::error("extend-clause", format!("an extension cannot change a national step's {what}"))
                    .at(file, span, "not allowed in `extend workflow`")
                    .help("an extension may give a national step a timescale (no longer than the national one) and add `on` lines; add a new step for anything else")
            };
            match clause {
                StepClause::Title(t) if changing => self.push(not_here("title", t.span)),
                StepClause::Description(t) if changing => {
                    self.push(not_here("description", t.span))
                }
                StepClause::Outcomes(_, span) if changing => self.push(not_here("outcomes", *span)),
                StepClause::SeveralMayBeOpen(span) if changing => {
                    self.push(not_here("`several may be open`", *span))
                }
                StepClause::Title(t) => self.once(&mut st.title, t, "title", file, t.span),
                StepClause::Description(t) => {
                    self.once(&mut st.description, t, "description", file, t.span)
                }
                StepClause::Outcomes(ids, span) => {
                    if outcomes_seen {
                        self.push(self.second_clause("outcomes", file, *span));
                    }
                    outcomes_seen = true;
                    for id in ids {
                        if let Some(first) = st.outcomes.iter().find(|o| o.name == id.name) {
                            let d = self.duplicate(
                                "outcome",
                                &id.name,
                                file,
                                id.span,
                                file,
                                Some(first.span),
                            );
                            self.push(d);
                        } else {
                            st.outcomes.push(id);
                        }
                    }
                }
                StepClause::SeveralMayBeOpen(_) => st.several = true,
                StepClause::Due(_) | StepClause::Repeats(_) => {
                    let (sched, span) = match clause {
                        StepClause::Due(t) => (Sched::Once(t), t.span),
                        StepClause::Repeats(r) => (Sched::Repeats(r), r.header),
                        _ => continue,
                    };
                    if let Some(first) = schedule_seen {
                        self.push(
                            Diagnostic::error("duplicate-clause", format!("step `{}` has a second timescale", st.id.name))
                                .at(file, span, "second timescale")
                                .label(first, "first timescale")
                                .help("a step has one timescale: one `due` line, or one `repeats { … }` block"),
                        );
                        continue;
                    }
                    schedule_seen = Some(span);
                    if changing && st.national.is_none() {
                        st.national = st.schedule.take();
                    }
                    st.schedule = Some((file, sched));
                }
                StepClause::On(on) => st.reactions.push((file, on)),
            }
        }
        if !changing && st.title.is_none() && !decl.recovered {
            self.push(
                Diagnostic::error(
                    "missing-clause",
                    format!("step `{}` has no `title`", st.id.name),
                )
                .at(file, st.id.span, "declared here")
                .help("give it a name for people: `title \"Initial child protection conference\"`"),
            );
        }
    }

    fn extend<'a>(
        &mut self,
        file: FileId,
        decl: &'a WorkflowDecl,
        wf: &mut Wf<'a>,
        step_ids: &mut HashMap<&'a str, (FileId, Span)>,
    ) {
        for clause in &decl.clauses {
            let refuse = |checker: &mut Self, what: &str, span: Span| {
                checker.push(
                    Diagnostic::error("extend-clause", format!("an extension cannot change a workflow's {what}"))
                        .at(file, span, "not allowed in `extend workflow`")
                        .help("an extension may set `calendar` and `plugins`, change steps' timescales, add `on` lines and add steps"),
                );
            };
            match clause {
                WorkflowClause::Title(t) => refuse(self, "`title`", t.span),
                WorkflowClause::Version(t) => refuse(self, "`version`", t.span),
                WorkflowClause::MovesCasesFrom(_, span) => {
                    refuse(self, "`moves cases from`", *span)
                }
                WorkflowClause::Source(s) => refuse(self, "`source`", s.span),
                WorkflowClause::StartsWith(_, span) => refuse(self, "`starts with`", *span),
                WorkflowClause::Calendar(c) => wf.calendar = Some((file, c)),
                WorkflowClause::Plugins(ids, _) => wf.plugins.extend(ids.iter().map(|i| (file, i))),
            }
        }
        for step in &decl.steps {
            let Some(sid) = &step.id else { continue };
            if let Some(existing) = wf.steps.iter_mut().position(|s| s.id.name == sid.name) {
                let mut st = std::mem::replace(&mut wf.steps[existing], placeholder(sid, file));
                st.local = true;
                self.step_clauses(file, step, &mut st, true);
                wf.steps[existing] = st;
                continue;
            }
            if let Some(&(f, s)) = step_ids.get(sid.name.as_str()) {
                let d = self.duplicate("step", &sid.name, file, sid.span, f, Some(s));
                self.push(d);
                continue;
            }
            step_ids.insert(&sid.name, (file, sid.span));
            let mut st = placeholder(sid, file);
            st.local = true;
            self.step_clauses(file, step, &mut st, false);
            wf.steps.push(st);
        }
    }

    /// Lowers a merged workflow to the model, checking references and
    /// timescales on the way.
    fn lower(
        &mut self,
        wf: &Wf<'_>,
        calendars: &[CalendarSpec],
        plugins: &mut Vec<PluginSpec>,
    ) -> (Workflow, Vec<StepSpans>) {
        let step_names: Vec<&str> = wf.steps.iter().map(|s| s.id.name.as_str()).collect();
        let name = self
            .sources
            .get(wf.file)
            .map(|f| f.name.clone())
            .unwrap_or_else(|| "".into());

        let calendar = match wf.calendar {
            Some((file, c)) => {
                if calendars.iter().all(|k| k.id != c.name) {
                    let d = self.unknown(
                        "calendar",
                        &c.name,
                        file,
                        c.span,
                        super::calendars::calendar_ids(calendars),
                    );
                    self.push(d);
                }
                c.name.clone()
            }
            None => String::new(),
        };
        let mut entries = Vec::new();
        for (file, e) in &wf.entries {
            match step_names.iter().position(|s| *s == e.name) {
                Some(i) => entries.push(i),
                None => {
                    let d =
                        self.unknown("step", &e.name, *file, e.span, step_names.iter().copied());
                    self.push(d);
                }
            }
        }
        let mut plugin_names = Vec::new();
        for (file, p) in &wf.plugins {
            if !plugin_names.contains(&p.name) {
                plugin_names.push(p.name.clone());
            }
            if plugins.iter().all(|k| k.name != p.name)
                && let Some(spec) = self.plugin(*file, p)
            {
                plugins.push(spec);
            }
        }

        let mut steps = Vec::new();
        let mut spans = Vec::new();
        for st in &wf.steps {
            let (step, step_spans) = self.lower_step(wf, st, &step_names);
            steps.push(step);
            spans.push(step_spans);
        }
        let workflow = Workflow {
            id: wf.id.name.clone(),
            title: wf.title.map(|t| t.value.clone()).unwrap_or_default(),
            version: wf.version.map(|t| t.value.clone()).unwrap_or_default(),
            moves_from: wf.moves_from.iter().map(|(_, t)| t.value.clone()).collect(),
            source: wf.source.map(|s| s.text.value.clone()).unwrap_or_default(),
            calendar,
            entries,
            steps,
            plugins: plugin_names,
            origin: origin(self, name, wf.file, wf.decl.span),
        };
        (workflow, spans)
    }

    fn lower_step(
        &mut self,
        wf: &Wf<'_>,
        st: &St<'_>,
        step_names: &[&str],
    ) -> (model::Step, StepSpans) {
        let mut spans = StepSpans {
            file: st.file,
            id: st.id.span,
            reactions: Vec::new(),
            rules: Vec::new(),
            outcomes: st.outcomes.iter().map(|o| o.span).collect(),
            repeats: None,
            has_until: matches!(st.schedule, Some((_, Sched::Repeats(r))) if !r.until.is_empty()),
        };
        let outcomes: Vec<String> = st.outcomes.iter().map(|o| o.name.clone()).collect();
        let outcome_names: Vec<&str> = outcomes.iter().map(String::as_str).collect();

        let schedule = match st.schedule {
            None => Schedule::None,
            Some((file, Sched::Once(t))) => {
                match self.due_rule(file, t, step_names, false, &st.id.name) {
                    Some((rule, s)) => {
                        spans.rules.push(s);
                        Schedule::Once(rule)
                    }
                    None => Schedule::None,
                }
            }
            Some((file, Sched::Repeats(r))) => {
                spans.repeats = Some((file, r.header));
                self.recurrence(file, r, st, step_names, &mut spans)
                    .map_or(Schedule::None, Schedule::Repeats)
            }
        };
        if let (Some(national), Some((file, _))) = (st.national, st.schedule) {
            self.compare_with_national(st, national, &schedule, file);
        }

        let mut reactions = Vec::new();
        for (file, on) in &st.reactions {
            let trigger = match &on.trigger {
                TriggerAst::Start(_) => Trigger::Start,
                TriggerAst::Complete(_) => Trigger::Complete,
                TriggerAst::Outcome(o) => {
                    if !outcome_names.contains(&o.name.as_str()) {
                        let mut d = self.unknown(
                            "outcome",
                            &o.name,
                            *file,
                            o.span,
                            outcome_names.iter().copied(),
                        );
                        if outcome_names.is_empty() {
                            d = d.help(format!(
                                "step `{}` declares no outcomes: write `on complete …`, or declare them with `outcomes {}`",
                                st.id.name, o.name
                            ));
                        }
                        self.push(d);
                    }
                    Trigger::Outcome(o.name.clone())
                }
            };
            let condition = on
                .condition
                .as_ref()
                .and_then(|c| self.condition(*file, c, step_names));
            let effect = match &on.effect {
                EffectAst::Open(ids) => {
                    Effect::Open(self.step_refs(*file, ids, step_names, &wf.id.name))
                }
                EffectAst::Close(ids) => {
                    Effect::Close(self.step_refs(*file, ids, step_names, &wf.id.name))
                }
                EffectAst::CloseEverything(_) => Effect::CloseEverything,
                EffectAst::End(_) => Effect::End,
            };
            let name = self
                .sources
                .get(*file)
                .map(|f| f.name.clone())
                .unwrap_or_else(|| "".into());
            reactions.push(Reaction {
                trigger,
                condition,
                effect,
                origin: origin(self, name, *file, on.span),
            });
            spans.reactions.push((*file, on.span));
        }
        let name = self
            .sources
            .get(st.file)
            .map(|f| f.name.clone())
            .unwrap_or_else(|| "".into());
        let step = model::Step {
            id: st.id.name.clone(),
            title: st.title.map(|t| t.value.clone()).unwrap_or_default(),
            description: st.description.map(|t| t.value.clone()),
            outcomes,
            several_may_be_open: st.several,
            schedule,
            reactions,
            local: st.local,
            origin: origin(self, name, st.file, st.id.span),
        };
        (step, spans)
    }

    fn step_refs(
        &mut self,
        file: FileId,
        ids: &[Ident],
        step_names: &[&str],
        workflow: &str,
    ) -> Vec<String> {
        let mut out = Vec::new();
        for id in ids {
            if step_names.contains(&id.name.as_str()) {
                out.push(id.name.clone());
            } else {
                let d = self
                    .unknown("step", &id.name, file, id.span, step_names.iter().copied())
                    .help_if_none(format!(
                        "a step can only open and close steps of its own workflow, `{workflow}`"
                    ));
                self.push(d);
            }
        }
        out
    }

    fn recurrence(
        &mut self,
        file: FileId,
        r: &Repeats,
        st: &St<'_>,
        step_names: &[&str],
        spans: &mut StepSpans,
    ) -> Option<Recurrence> {
        let id = &st.id.name;
        for extra in r.first.iter().skip(1) {
            self.push(self.second_clause("first due", file, extra.span));
        }
        for extra in r.second.iter().skip(1) {
            self.push(self.second_clause("second due", file, extra.span));
        }
        for extra in r.until.iter().skip(1) {
            self.push(self.second_clause("until", file, extra.span).help(
                "list every event that ends the series on one `until` line, separated by commas",
            ));
        }
        let Some(first) = r.first.first() else {
            self.push(
                Diagnostic::error("missing-clause", format!("recurring step `{id}` has no `first due` line"))
                    .at(file, r.header, "in this `repeats`")
                    .help("say when the first occurrence is due: `first due 20 working days after looked_after started`"),
            );
            return None;
        };
        if r.then.is_empty() {
            self.push(
                Diagnostic::error("missing-clause", format!("recurring step `{id}` has no `then due` line"))
                    .at(file, r.header, "in this `repeats`")
                    .help("say when each later occurrence is due: `then due 6 months after the previous one`"),
            );
        }
        if r.until.is_empty() {
            self.push(
                Diagnostic::error("no-until", format!("recurring step `{id}` never stops"))
                    .at(file, r.header, "no `until` line")
                    .help("say what ends the series: `until looked_after completed`"),
            );
        }
        let first_rule = self.due_rule(file, first, step_names, false, id);
        let second_rule = r
            .second
            .first()
            .and_then(|s| self.due_rule(file, s, step_names, true, id));
        let mut then = Vec::new();
        let mut unconditional: Option<Span> = None;
        for line in &r.then {
            if let Some(always) = unconditional {
                self.push(
                    Diagnostic::warning("unused-cadence", "this `then` line never applies")
                        .at(file, line.timescale.span, "never applies")
                        .label(always, "this line, with no condition, always applies first")
                        .help("the first `then` line whose condition holds applies: put lines with conditions before the one without"),
                );
            }
            if line.condition.is_none() && unconditional.is_none() {
                unconditional = Some(line.timescale.span);
            }
            let guard = line
                .condition
                .as_ref()
                .and_then(|c| self.condition(file, c, step_names));
            if let Some((rule, s)) = self.due_rule(file, &line.timescale, step_names, true, id) {
                then.push((Cadence { guard, rule }, s));
            }
        }
        if unconditional.is_none()
            && let Some(last) = r.then.last()
        {
            self.push(
                    Diagnostic::warning("no-default-cadence", format!("every `then` line of `{id}` has a condition"))
                        .at(file, last.timescale.span, "the last `then` line has a condition")
                        .help("when none of the conditions holds, nothing is due: end with a `then` line without `if`"),
                );
        }
        let mut until = Vec::new();
        for line in r.until.iter().take(1) {
            for event in &line.events {
                if !step_names.contains(&event.step.name.as_str()) {
                    let d = self.unknown(
                        "step",
                        &event.step.name,
                        file,
                        event.step.span,
                        step_names.iter().copied(),
                    );
                    self.push(d);
                    continue;
                }
                if let Some(o) = &event.outcome {
                    let declared = self.outcomes_of(&event.step.name, st);
                    if event.milestone != model::Milestone::Completed {
                        self.push(
                            Diagnostic::error("syntax", "only a completion has an outcome")
                                .at(file, o.span, "write `completed with …`")
                                .help(format!(
                                    "write `{} completed with {}`",
                                    event.step.name, o.name
                                )),
                        );
                    } else if let Some(declared) = declared
                        && !declared.contains(&o.name)
                    {
                        let d = self.unknown(
                            "outcome",
                            &o.name,
                            file,
                            o.span,
                            declared.iter().map(String::as_str),
                        );
                        self.push(d);
                    }
                }
                until.push(Happening {
                    step: event.step.name.clone(),
                    milestone: event.milestone,
                    outcome: event.outcome.as_ref().map(|o| o.name.clone()),
                });
            }
        }
        let (first, first_spans) = first_rule?;
        spans.rules.push(first_spans);
        let second = second_rule.map(|(rule, s)| {
            spans.rules.push(s);
            rule
        });
        let then = then
            .into_iter()
            .map(|(c, s)| {
                spans.rules.push(s);
                c
            })
            .collect();
        Some(Recurrence {
            first,
            second,
            then,
            until,
        })
    }

    /// The outcomes the step `name` declares: `own`'s as merged so far, or
    /// any other step's from the index.
    fn outcomes_of(&self, name: &str, own: &St<'_>) -> Option<Vec<String>> {
        if name == own.id.name {
            return Some(own.outcomes.iter().map(|o| o.name.clone()).collect());
        }
        self.outcome_index.get(name).cloned()
    }

    fn due_rule(
        &mut self,
        file: FileId,
        t: &Timescale,
        step_names: &[&str],
        allow_previous: bool,
        step: &str,
    ) -> Option<(DueRule, RuleSpans)> {
        let period = period::lower(&t.period, file, &mut self.diagnostics);
        let anchor = self.anchor(file, &t.anchor, step_names, allow_previous, step);
        let warn = t
            .warn
            .as_ref()
            .and_then(|w| period::lower(w, file, &mut self.diagnostics));
        if let (Some(p), Some(w), Some(wa)) = (period, warn, t.warn.as_ref()) {
            let d = match period::compare(w, p) {
                Comparison::Shorter => None,
                Comparison::Unclear | Comparison::NotLonger => Some(
                    Diagnostic::warning("warn-unclear", format!("cannot tell whether warning `{w}` before is shorter than the timescale `{p}`"))
                        .at(file, wa.span, "may not be shorter")
                        .label(t.period.span, "the timescale")
                        .help("a warning in other units than its timescale may start before the clock does: use the timescale's units"),
                ),
                Comparison::Same | Comparison::NotShorter | Comparison::Longer => Some(
                    Diagnostic::error("warn-too-long", format!("the warning `{w}` before is not shorter than the timescale `{p}`"))
                        .at(file, wa.span, "not shorter")
                        .label(t.period.span, "the timescale")
                        .help("the warning says when the deadline starts to be approaching: make it shorter than the timescale"),
                ),
            };
            if let Some(d) = d {
                self.push(d);
            }
        }
        let source = match &t.source {
            Some(s) => Some(Source {
                text: s.text.value.clone(),
                local: s.local,
            }),
            None => {
                self.push(
                    Diagnostic::warning("missing-source", "timescale has no `source`")
                        .at(file, t.span, "where does this come from?")
                        .help("cite the law or guidance on the next line: `source \"… regulation 33(1)\"`, or `source local \"…\"` for the council's own practice"),
                );
                None
            }
        };
        let name = self
            .sources
            .get(file)
            .map(|f| f.name.clone())
            .unwrap_or_else(|| "".into());
        let rule = DueRule {
            period: period?,
            anchor: anchor?,
            warn,
            source,
            origin: origin(self, name, file, t.span),
        };
        Some((
            rule,
            RuleSpans {
                file,
                line: t.span,
                anchor: t.anchor.span(),
            },
        ))
    }

    fn anchor(
        &mut self,
        file: FileId,
        anchor: &AnchorAst,
        step_names: &[&str],
        allow_previous: bool,
        step: &str,
    ) -> Option<Anchor> {
        match anchor {
            AnchorAst::Previous(span) => {
                if !allow_previous {
                    self.push(
                        Diagnostic::error("anchor-previous", "there is no previous one to count from")
                            .at(file, *span, "no previous occurrence")
                            .help(format!(
                                "`the previous one` is for the `second` and `then` lines of a recurring step; count `{step}` from an event on another step, such as `after referral started`"
                            )),
                    );
                    return None;
                }
                Some(Anchor::Previous)
            }
            AnchorAst::Event {
                step: s,
                milestone,
                pick,
                ..
            } => {
                if !step_names.contains(&s.name.as_str()) {
                    let d = self.unknown("step", &s.name, file, s.span, step_names.iter().copied());
                    self.push(d);
                    return None;
                }
                Some(Anchor::Event {
                    step: s.name.clone(),
                    milestone: *milestone,
                    pick: *pick,
                })
            }
        }
    }

    fn condition(
        &mut self,
        file: FileId,
        c: &ConditionAst,
        step_names: &[&str],
    ) -> Option<Condition> {
        Some(match c {
            ConditionAst::Compare {
                fact, op, value, ..
            } => Condition::Compare {
                fact: fact.name.clone(),
                op: *op,
                value: value.clone(),
            },
            ConditionAst::Within { period, anchor, .. } => {
                let p = period::lower(period, file, &mut self.diagnostics);
                let a = self.anchor(file, anchor, step_names, true, "");
                Condition::Within {
                    period: p?,
                    anchor: a?,
                }
            }
            ConditionAst::Not(inner, _) => {
                Condition::Not(Box::new(self.condition(file, inner, step_names)?))
            }
            ConditionAst::All(items, _) => Condition::All(
                items
                    .iter()
                    .map(|i| self.condition(file, i, step_names))
                    .collect::<Option<Vec<_>>>()?,
            ),
            ConditionAst::Any(items, _) => Condition::Any(
                items
                    .iter()
                    .map(|i| self.condition(file, i, step_names))
                    .collect::<Option<Vec<_>>>()?,
            ),
        })
    }

    /// Checks that a local timescale is no longer than the national one it replaces.
    fn compare_with_national(
        &mut self,
        st: &St<'_>,
        national: (FileId, Sched<'_>),
        local: &Schedule,
        local_file: FileId,
    ) {
        let (nfile, nsched) = national;
        let national_rules: Vec<(String, &Timescale, Option<&ConditionAst>)> = match nsched {
            Sched::Once(t) => vec![("".into(), t, None)],
            Sched::Repeats(r) => r
                .first
                .iter()
                .take(1)
                .map(|t| ("first".to_string(), t, None))
                .chain(
                    r.second
                        .iter()
                        .take(1)
                        .map(|t| ("second".to_string(), t, None)),
                )
                .chain(
                    r.then
                        .iter()
                        .map(|t| ("then".to_string(), &t.timescale, t.condition.as_ref())),
                )
                .collect(),
        };
        let local_rules: Vec<(&str, &DueRule, Option<&Condition>)> = match local {
            Schedule::None => return,
            Schedule::Once(rule) => vec![("", rule, None)],
            Schedule::Repeats(r) => std::iter::once(("first", &r.first, None))
                .chain(r.second.iter().map(|s| ("second", s, None)))
                .chain(r.then.iter().map(|c| ("then", &c.rule, c.guard.as_ref())))
                .collect(),
        };
        let local_spans: Vec<Span> = match st.schedule {
            Some((_, Sched::Once(t))) => vec![t.span],
            Some((_, Sched::Repeats(r))) => r
                .first
                .iter()
                .take(1)
                .chain(r.second.iter().take(1))
                .chain(r.then.iter().map(|t| &t.timescale))
                .map(|t| t.span)
                .collect(),
            None => Vec::new(),
        };
        let nname = self
            .sources
            .get(nfile)
            .map(|f| f.name.to_string())
            .unwrap_or_default();
        for (i, (kind, rule, _guard)) in local_rules.iter().enumerate() {
            let span = local_spans.get(i).copied().unwrap_or_default();
            // The national rule it replaces: same kind; for `then`, every national `then`.
            let candidates: Vec<&(String, &Timescale, Option<&ConditionAst>)> = national_rules
                .iter()
                .filter(|(k, _, _)| {
                    k == kind
                        || (kind == &"second" && k == "then")
                        || (kind == &"then" && k == "second")
                })
                .collect();
            let candidates: Vec<_> = if candidates.is_empty() {
                national_rules.iter().collect()
            } else {
                candidates
            };
            let mut longer = Vec::new();
            let mut unclear = Vec::new();
            for (_, nt, _) in &candidates {
                let Some(np) = nt.period.unit.map(|u| {
                    duly_calendar::Period::new(
                        u32::try_from(nt.period.count.max(1)).unwrap_or(1),
                        u,
                    )
                }) else {
                    continue;
                };
                let same_anchor = match (&rule.anchor, &nt.anchor) {
                    (Anchor::Previous, AnchorAst::Previous(_)) => true,
                    (
                        Anchor::Event {
                            step,
                            milestone,
                            pick,
                        },
                        AnchorAst::Event {
                            step: s2,
                            milestone: m2,
                            pick: p2,
                            ..
                        },
                    ) => step == &s2.name && milestone == m2 && pick == p2,
                    _ => false,
                };
                let (line, _) = self
                    .sources
                    .get(nfile)
                    .map_or((0, 0), |f| f.line_col(nt.span.start));
                let at = format!("`{np}` at {nname}:{line}");
                if !same_anchor {
                    unclear.push(format!("{at}, counted from another event"));
                    continue;
                }
                match period::compare(rule.period, np) {
                    Comparison::Longer => longer.push(at),
                    Comparison::Unclear | Comparison::NotShorter => unclear.push(at),
                    _ => {}
                }
            }
            if !longer.is_empty() && longer.len() == candidates.len() {
                self.push(
                    Diagnostic::error("local-longer", format!("local timescale `{}` is longer than the national one for `{}`", rule.period, st.id.name))
                        .at(local_file, span, "longer than the law allows")
                        .help(format!("the national timescale is {}; a council may tighten a national timescale, never loosen it", longer.join(" and "))),
                );
            } else if !longer.is_empty() || !unclear.is_empty() {
                let all: Vec<String> = longer.into_iter().chain(unclear).collect();
                self.push(
                    Diagnostic::warning("local-unclear", format!("cannot tell whether local timescale `{}` is no longer than the national one for `{}`", rule.period, st.id.name))
                        .at(local_file, span, "may be longer")
                        .help(format!("the national timescale is {}; use the same units and anchor so that it can be checked", all.join(" and "))),
                );
            }
        }
    }

    /// Finds a plugin script: `<name>.rhai` beside the file that names it,
    /// or in a `--plugins` folder.
    fn plugin(&mut self, file: FileId, id: &Ident) -> Option<PluginSpec> {
        let dir = self
            .sources
            .get(file)
            .and_then(|f| f.path.parent().map(Path::to_path_buf))
            .unwrap_or_default();
        let mut dirs = vec![dir];
        dirs.extend(self.options.plugin_dirs.iter().cloned());
        let file_name = format!("{}.rhai", id.name);
        for d in &dirs {
            let path = normalize(&d.join(&file_name));
            if let Ok(text) = self.loader.read(&path) {
                self.sources
                    .add(path.display().to_string(), path.clone(), text.as_str());
                return Some(PluginSpec {
                    name: id.name.clone(),
                    path,
                    text: text.into(),
                });
            }
        }
        let mut known: Vec<String> = Vec::new();
        for d in &dirs {
            if let Ok(found) = self.loader.list(d, "rhai") {
                known.extend(
                    found
                        .iter()
                        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().to_string())),
                );
            }
        }
        let looked: Vec<String> = dirs.iter().map(|d| format!("`{}`", d.display())).collect();
        let mut d = Diagnostic::error("unknown-plugin", format!("unknown plugin `{}`", id.name))
            .at(file, id.span, "no such script");
        d = match crate::suggest::did_you_mean(&id.name, known.iter().map(String::as_str)) {
            Some(s) => d.help(format!("did you mean `{s}`? Looked for `{file_name}` in {}", looked.join(", "))),
            None => d.help(format!("put `{file_name}` beside this file or in a folder given with `--plugins`; looked in {}", looked.join(", "))),
        };
        self.push(d);
        None
    }
}

fn placeholder<'a>(id: &'a Ident, file: FileId) -> St<'a> {
    St {
        file,
        id,
        title: None,
        description: None,
        outcomes: Vec::new(),
        several: false,
        schedule: None,
        national: None,
        reactions: Vec::new(),
        local: false,
    }
}

fn join_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

impl Diagnostic {
    /// Sets the help text unless one is already there.
    pub(crate) fn help_if_none(self, help: impl Into<String>) -> Self {
        if self.help.is_some() {
            self
        } else {
            self.help(help)
        }
    }
}
