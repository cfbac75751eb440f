//! Reading `.duly` text into the [syntax tree](crate::ast).
//!
//! pest pairs are turned into the tree at once and never kept. A line the
//! grammar cannot read becomes one diagnostic (the line is re-read on its own
//! to say, in words, what was expected there) and the rest of the file is
//! still read.
//!
//! Guards against pathological input: files over [`MAX_SOURCE_BYTES`] are
//! refused, and pest's process-wide call limit is set once, to
//! [`PEST_CALL_LIMIT`], the first time anything is parsed (pest reads it at the
//! start of each parse; an embedding program that sets its own limit should
//! do so after its first parse, or not at all). The grammar has no recursion
//! and re-reads nothing longer than a line, so parsing is linear.

mod expected;

use crate::ast::*;
use crate::diagnostic::{Diagnostic, FileId, Span};
use crate::model::{CompareOp, Milestone, Pick, Value};
use duly_calendar::Unit;
use pest::Parser;
use pest::iterators::Pair;
use std::sync::Once;

/// The largest file read, in bytes (1 MiB; the national library is 20 KiB).
pub const MAX_SOURCE_BYTES: usize = 1 << 20;

/// The most lines of one file reported as unreadable; after that, one more
/// diagnostic says that reading stopped.
pub const MAX_SYNTAX_DIAGNOSTICS: usize = 100;

/// pest's limit on rule calls per parse, set once for the process.
pub const PEST_CALL_LIMIT: usize = 50_000_000;

mod grammar {
    #![allow(missing_docs)]
    #[derive(pest_derive::Parser)]
    #[grammar = "syntax/duly.pest"]
    pub(crate) struct DulyParser;
}

use grammar::{DulyParser, Rule};

static CALL_LIMIT: Once = Once::new();

fn set_call_limit() {
    CALL_LIMIT.call_once(|| pest::set_call_limit(std::num::NonZeroUsize::new(PEST_CALL_LIMIT)));
}

/// Reads one file's text into a syntax tree, with a diagnostic for each line
/// that could not be read. Never panics; always returns a tree of what could
/// be read.
pub fn parse(file: FileId, text: &str) -> (SourceFile, Vec<Diagnostic>) {
    set_call_limit();
    let mut reader = Reader {
        file,
        text,
        diagnostics: Vec::new(),
        comments: Vec::new(),
    };
    if text.len() > MAX_SOURCE_BYTES {
        let d = Diagnostic::error(
            "file-too-large",
            format!("this file is larger than {} KiB", MAX_SOURCE_BYTES / 1024),
        )
        .in_file(file)
        .help("split the rules into several files and import them");
        return (SourceFile::default(), vec![d]);
    }
    let items = match DulyParser::parse(Rule::file, text) {
        Ok(mut pairs) => pairs.next().map(|p| reader.file(p)).unwrap_or_default(),
        Err(error) => {
            // The grammar accepts any text line by line, so this is pest's
            // call or stack limit on extreme input.
            let at = match error.location {
                pest::error::InputLocation::Pos(p) => Span::new(p, p),
                pest::error::InputLocation::Span((s, e)) => Span::new(s, e),
            };
            reader.diagnostics.push(
                Diagnostic::error("syntax", "this file is too complex to read")
                    .at(file, at, "reading stopped here")
                    .help("split long lines and deeply nested blocks into simpler ones"),
            );
            Vec::new()
        }
    };
    (
        SourceFile {
            items,
            comments: reader.comments,
        },
        reader.diagnostics,
    )
}

/// Where a bad line stood, which decides what was expected on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Context {
    Top,
    Calendar,
    Workflow,
    Step,
    Repeats,
    Close,
}

impl Context {
    fn rule(self) -> Rule {
        match self {
            Context::Top => Rule::line_check_top,
            Context::Calendar => Rule::line_check_calendar,
            Context::Workflow => Rule::line_check_workflow,
            Context::Step => Rule::line_check_step,
            Context::Repeats => Rule::line_check_repeats,
            Context::Close => Rule::line_check_close,
        }
    }
}

struct Reader<'t> {
    file: FileId,
    text: &'t str,
    diagnostics: Vec<Diagnostic>,
    comments: Vec<Comment>,
}

fn span_of(pair: &Pair<'_, Rule>) -> Span {
    let s = pair.as_span();
    Span::new(s.start(), s.end())
}

impl<'t> Reader<'t> {
    fn file(&mut self, pair: Pair<'_, Rule>) -> Vec<Item> {
        let mut items = Vec::new();
        let mut skipping = 0usize;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::comment => self.comment(&p),
                Rule::import_line => {
                    let span = span_of(&p);
                    if let Some(path) = p
                        .into_inner()
                        .find(|c| c.as_rule() == Rule::string)
                        .map(|s| self.string(s))
                    {
                        items.push(Item::Import(Import { path, span }));
                    }
                }
                Rule::calendar_block => items.push(Item::Calendar(self.calendar(p))),
                Rule::workflow_block | Rule::extend_block => {
                    items.push(Item::Workflow(self.workflow(p)))
                }
                Rule::top_bad_line => {
                    // After a line that opened a block we could not read, skip
                    // to its closing `}` rather than report each line in it.
                    let line = p.as_str().trim();
                    if skipping > 0 {
                        skipping = (skipping + usize::from(line.ends_with('{')))
                            .saturating_sub(usize::from(line.starts_with('}')));
                        continue;
                    }
                    self.bad_line(Context::Top, span_of(&p));
                    if line.ends_with('{') {
                        skipping = 1;
                    }
                }
                _ => {}
            }
        }
        items
    }

    fn comment(&mut self, pair: &Pair<'_, Rule>) {
        let text = pair
            .as_str()
            .strip_prefix('#')
            .unwrap_or("")
            .trim_end()
            .to_string();
        self.comments.push(Comment {
            text,
            span: span_of(pair),
        });
    }

    /// The text of the line containing `offset`, as a span without its break.
    fn line_at(&self, offset: usize) -> Span {
        let start = self
            .text
            .get(..offset)
            .and_then(|t| t.rfind('\n'))
            .map_or(0, |i| i + 1);
        let end = self
            .text
            .get(offset..)
            .and_then(|t| t.find('\n'))
            .map_or(self.text.len(), |i| offset + i);
        let end = if self.text.get(..end).is_some_and(|t| t.ends_with('\r')) {
            end - 1
        } else {
            end
        };
        let indent = self
            .text
            .get(start..end)
            .map_or(0, |t| t.len() - t.trim_start().len());
        Span::new((start + indent).min(end), end.max(start))
    }

    /// Says what is wrong with a line that the grammar could not read.
    fn bad_line(&mut self, context: Context, span: Span) {
        if self.diagnostics.len() >= MAX_SYNTAX_DIAGNOSTICS {
            if self.diagnostics.len() == MAX_SYNTAX_DIAGNOSTICS {
                self.diagnostics.push(
                    Diagnostic::error("syntax", "too many lines could not be read; stopping here")
                        .at(self.file, self.line_at(span.start), "and more after this")
                        .help("is this a `.duly` file? Fix the first problems and check again"),
                );
            }
            return;
        }
        let line = Span::new(span.start, self.line_at(span.start).end);
        let text = self.text.get(line.start..line.end).unwrap_or("");
        let diagnostic = match DulyParser::parse(context.rule(), text) {
            Ok(_) => Diagnostic::error("syntax", "this line is not allowed here")
                .at(self.file, line, "not allowed here")
                .help(expected::allowed_in(context)),
            Err(error) => expected::describe(self.file, line.start, text, context, &error),
        };
        self.diagnostics.push(diagnostic);
    }

    /// Handles the header of a block: `<kw> id {`. Reports a header that
    /// could not be read and returns the id if there is one.
    fn header<'i>(
        &mut self,
        children: &[Pair<'i, Rule>],
        id_rule: Rule,
        context: Context,
        start: usize,
    ) -> (Option<Ident>, Span) {
        let id = children
            .iter()
            .find(|c| c.as_rule() == id_rule)
            .map(|c| Ident {
                name: c.as_str().to_string(),
                span: span_of(c),
            });
        let line = self.line_at(start);
        let broken = id.is_none() && id_rule != Rule::EOI
            || children.iter().any(|c| c.as_rule() == Rule::bad_rest);
        if broken {
            self.bad_line(context, line);
        }
        (id, line)
    }

    fn close(&mut self, children: &[Pair<'_, Rule>], what: &str, header: Span) {
        match children.iter().find(|c| c.as_rule() == Rule::block_end) {
            Some(end) => {
                if end
                    .clone()
                    .into_inner()
                    .any(|c| c.as_rule() == Rule::bad_rest)
                {
                    self.bad_line(Context::Close, self.line_at(end.as_span().start()));
                }
            }
            None => self.diagnostics.push(
                Diagnostic::error("unclosed-block", format!("{what} has no closing `}}`"))
                    .at(self.file, header, "opened here")
                    .help("add a line with `}` after its last line"),
            ),
        }
    }

    fn calendar(&mut self, pair: Pair<'_, Rule>) -> CalendarDecl {
        let span = span_of(&pair);
        let children: Vec<_> = pair.into_inner().collect();
        let (id, header) = self.header(&children, Rule::calendar_id, Context::Top, span.start);
        let mut clauses = Vec::new();
        for c in children.iter().cloned() {
            match c.as_rule() {
                Rule::comment => self.comment(&c),
                Rule::title_line => clauses.extend(self.text_clause(c).map(CalendarClause::Title)),
                Rule::based_on_line => clauses.extend(
                    self.first_ident(c, Rule::calendar_id)
                        .map(CalendarClause::BasedOn),
                ),
                Rule::closures_line => {
                    clauses.extend(self.text_clause(c).map(CalendarClause::Closures))
                }
                Rule::closed_line => {
                    let line = span_of(&c);
                    let mut date = None;
                    let mut name = None;
                    for p in c.into_inner() {
                        match p.as_rule() {
                            Rule::date => date = self.date(&p),
                            Rule::string => name = Some(self.string(p)),
                            _ => {}
                        }
                    }
                    if let (Some(date), Some(name)) = (date, name) {
                        clauses.push(CalendarClause::Closed {
                            date,
                            name,
                            span: line,
                        });
                    }
                }
                Rule::calendar_bad_line => self.bad_line(Context::Calendar, span_of(&c)),
                _ => {}
            }
        }
        let what = id.as_ref().map_or("this calendar".to_string(), |i| {
            format!("calendar `{}`", i.name)
        });
        self.close(&children, &what, header);
        CalendarDecl {
            id,
            clauses,
            span,
            header,
        }
    }

    fn workflow(&mut self, pair: Pair<'_, Rule>) -> WorkflowDecl {
        let extend = pair.as_rule() == Rule::extend_block;
        let span = span_of(&pair);
        let children: Vec<_> = pair.into_inner().collect();
        let (id, header) = self.header(&children, Rule::workflow_id, Context::Top, span.start);
        let mut recovered = false;
        let mut clauses = Vec::new();
        let mut steps = Vec::new();
        for c in children.iter().cloned() {
            match c.as_rule() {
                Rule::comment => self.comment(&c),
                Rule::title_line => clauses.extend(self.text_clause(c).map(WorkflowClause::Title)),
                Rule::version_line => {
                    clauses.extend(self.text_clause(c).map(WorkflowClause::Version))
                }
                Rule::moves_line => {
                    let line = span_of(&c);
                    let versions = c
                        .into_inner()
                        .filter(|p| p.as_rule() == Rule::string)
                        .map(|p| self.string(p))
                        .collect();
                    clauses.push(WorkflowClause::MovesCasesFrom(versions, line));
                }
                Rule::source_line => {
                    clauses.extend(self.source_line(c).map(WorkflowClause::Source))
                }
                Rule::calendar_line => clauses.extend(
                    self.first_ident(c, Rule::calendar_id)
                        .map(WorkflowClause::Calendar),
                ),
                Rule::starts_line => {
                    let line = span_of(&c);
                    clauses.push(WorkflowClause::StartsWith(
                        self.idents(c, Rule::step_id),
                        line,
                    ));
                }
                Rule::plugins_line => {
                    let line = span_of(&c);
                    clauses.push(WorkflowClause::Plugins(
                        self.idents(c, Rule::plugin_id),
                        line,
                    ));
                }
                Rule::step_block => steps.push(self.step(c)),
                Rule::workflow_bad_line => {
                    recovered = true;
                    self.bad_line(Context::Workflow, span_of(&c));
                }
                _ => {}
            }
        }
        let kind = if extend {
            "extension of workflow"
        } else {
            "workflow"
        };
        let what = id
            .as_ref()
            .map_or(format!("this {kind}"), |i| format!("{kind} `{}`", i.name));
        self.close(&children, &what, header);
        WorkflowDecl {
            extend,
            id,
            clauses,
            steps,
            span,
            header,
            recovered,
        }
    }

    fn step(&mut self, pair: Pair<'_, Rule>) -> StepDecl {
        let span = span_of(&pair);
        let children: Vec<_> = pair.into_inner().collect();
        let (id, header) = self.header(&children, Rule::step_id, Context::Workflow, span.start);
        let mut clauses: Vec<StepClause> = Vec::new();
        // The timescale that `warn` and `source` lines attach to, if the
        // previous clause was one.
        let mut open_timescale = false;
        let mut recovered = false;
        for c in children.iter().cloned() {
            let rule = c.as_rule();
            if !matches!(
                rule,
                Rule::warn_line | Rule::source_line | Rule::comment | Rule::line_end
            ) {
                open_timescale = false;
            }
            match rule {
                Rule::comment => self.comment(&c),
                Rule::title_line => clauses.extend(self.text_clause(c).map(StepClause::Title)),
                Rule::description_line => {
                    clauses.extend(self.text_clause(c).map(StepClause::Description))
                }
                Rule::outcomes_line => {
                    let line = span_of(&c);
                    clauses.push(StepClause::Outcomes(self.idents(c, Rule::outcome_id), line));
                }
                Rule::several_line => clauses.push(StepClause::SeveralMayBeOpen(span_of(&c))),
                Rule::due_line => {
                    if let Some(t) = self.timescale(c) {
                        clauses.push(StepClause::Due(t));
                        open_timescale = true;
                    }
                }
                Rule::warn_line | Rule::source_line => {
                    let target = match clauses.last_mut() {
                        Some(StepClause::Due(t)) if open_timescale => Some(t),
                        _ => None,
                    };
                    if target.is_some() || !recovered {
                        self.note(c, target);
                    }
                }
                Rule::repeats_block => clauses.push(StepClause::Repeats(self.repeats(c))),
                Rule::on_line => clauses.extend(self.on_line(c).map(StepClause::On)),
                Rule::step_bad_line => {
                    recovered = true;
                    self.bad_line(Context::Step, span_of(&c));
                }
                _ => {}
            }
        }
        let what = id
            .as_ref()
            .map_or("this step".to_string(), |i| format!("step `{}`", i.name));
        self.close(&children, &what, header);
        StepDecl {
            id,
            clauses,
            span,
            recovered,
        }
    }

    fn repeats(&mut self, pair: Pair<'_, Rule>) -> Repeats {
        let span = span_of(&pair);
        let children: Vec<_> = pair.into_inner().collect();
        let (_, header) = self.header(&children, Rule::EOI, Context::Step, span.start);
        let mut r = Repeats {
            first: Vec::new(),
            second: Vec::new(),
            then: Vec::new(),
            until: Vec::new(),
            span,
            header,
        };
        // Which list the last timescale went to: 0 first, 1 second, 2 then.
        let mut last: Option<u8> = None;
        let mut recovered = false;
        for c in children.iter().cloned() {
            let rule = c.as_rule();
            if !matches!(
                rule,
                Rule::warn_line | Rule::source_line | Rule::comment | Rule::line_end
            ) {
                last = None;
            }
            match rule {
                Rule::comment => self.comment(&c),
                Rule::first_line | Rule::second_line => {
                    if let Some(t) = self.timescale(c) {
                        if rule == Rule::first_line {
                            r.first.push(t);
                            last = Some(0);
                        } else {
                            r.second.push(t);
                            last = Some(1);
                        }
                    }
                }
                Rule::then_line => {
                    let condition = c
                        .clone()
                        .into_inner()
                        .find(|p| p.as_rule() == Rule::condition)
                        .map(|p| self.condition(p));
                    if let Some(timescale) = self.timescale(c) {
                        r.then.push(ThenLine {
                            timescale,
                            condition,
                        });
                        last = Some(2);
                    }
                }
                Rule::warn_line | Rule::source_line => {
                    let target = match last {
                        Some(0) => r.first.last_mut(),
                        Some(1) => r.second.last_mut(),
                        Some(_) => r.then.last_mut().map(|t| &mut t.timescale),
                        None => None,
                    };
                    if target.is_some() || !recovered {
                        self.note(c, target);
                    }
                }
                Rule::until_line => {
                    let line = span_of(&c);
                    let events = c
                        .into_inner()
                        .filter(|p| p.as_rule() == Rule::happening)
                        .map(|p| self.happening(p))
                        .collect();
                    r.until.push(UntilLine { events, span: line });
                }
                Rule::repeats_bad_line => {
                    recovered = true;
                    self.bad_line(Context::Repeats, span_of(&c));
                }
                _ => {}
            }
        }
        self.close(&children, "`repeats`", header);
        r
    }

    /// Attaches a `warn` or `source` line to the timescale above it.
    fn note(&mut self, pair: Pair<'_, Rule>, target: Option<&mut Timescale>) {
        let line = span_of(&pair);
        let is_warn = pair.as_rule() == Rule::warn_line;
        let word = if is_warn { "warn" } else { "source" };
        let Some(target) = target else {
            self.diagnostics.push(
                Diagnostic::error("misplaced-line", format!("`{word}` is not under a timescale"))
                    .at(self.file, line, "this line belongs under a `due` line")
                    .help(format!("put the `{word}` line right under the `due …`, `first due …`, `second due …` or `then due …` line it belongs to")),
            );
            return;
        };
        let taken = if is_warn {
            target.warn.is_some()
        } else {
            target.source.is_some()
        };
        if taken {
            self.diagnostics.push(
                Diagnostic::error(
                    "duplicate-clause",
                    format!("a second `{word}` line for the same timescale"),
                )
                .at(self.file, line, "second one")
                .label(target.span, "the timescale")
                .help(format!(
                    "a timescale has at most one `{word}` line: remove one"
                )),
            );
            return;
        }
        if is_warn {
            if let Some(p) = pair.into_inner().find(|p| p.as_rule() == Rule::period) {
                target.warn = Some(self.period(p));
            }
        } else if let Some(s) = self.source_line(pair) {
            target.source = Some(s);
        }
    }

    fn timescale(&mut self, pair: Pair<'_, Rule>) -> Option<Timescale> {
        let mut span = span_of(&pair);
        let mut period = None;
        let mut anchor = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::period => period = Some(self.period(p)),
                Rule::anchor => {
                    let a = self.anchor(p);
                    span = Span::new(span.start, a.span().end);
                    anchor = Some(a);
                }
                _ => {}
            }
        }
        Some(Timescale {
            period: period?,
            anchor: anchor?,
            warn: None,
            source: None,
            span,
        })
    }

    fn period(&mut self, pair: Pair<'_, Rule>) -> PeriodAst {
        let span = span_of(&pair);
        let mut count = 0;
        let mut count_span = span;
        let mut unit_text = String::new();
        let mut unit_span = span;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::count => {
                    count_span = span_of(&p);
                    count = p
                        .as_str()
                        .parse::<i64>()
                        .unwrap_or(if p.as_str().starts_with('-') {
                            i64::MIN
                        } else {
                            i64::MAX
                        });
                }
                Rule::unit => {
                    unit_span = span_of(&p);
                    unit_text = p.as_str().split_whitespace().collect::<Vec<_>>().join(" ");
                }
                _ => {}
            }
        }
        let unit = unit_from_words(&unit_text);
        PeriodAst {
            count,
            count_span,
            unit_text,
            unit,
            unit_span,
            span,
        }
    }

    fn anchor(&mut self, pair: Pair<'_, Rule>) -> AnchorAst {
        let span = span_of(&pair);
        let Some(inner) = pair.into_inner().next() else {
            return AnchorAst::Previous(span);
        };
        if inner.as_rule() == Rule::previous_anchor {
            return AnchorAst::Previous(span);
        }
        let mut pick = Pick::LedHere;
        let mut step = Ident {
            name: String::new(),
            span,
        };
        let mut milestone = Milestone::Started;
        for p in inner.into_inner() {
            match p.as_rule() {
                Rule::pick => {
                    pick = if p.as_str().trim() == "first" {
                        Pick::First
                    } else {
                        Pick::Latest
                    }
                }
                Rule::step_id => {
                    step = Ident {
                        name: p.as_str().to_string(),
                        span: span_of(&p),
                    }
                }
                Rule::milestone => milestone = milestone_of(&p),
                _ => {}
            }
        }
        AnchorAst::Event {
            step,
            milestone,
            pick,
            span,
        }
    }

    fn happening(&mut self, pair: Pair<'_, Rule>) -> HappeningAst {
        let span = span_of(&pair);
        let mut step = Ident {
            name: String::new(),
            span,
        };
        let mut milestone = Milestone::Completed;
        let mut outcome = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::step_id => {
                    step = Ident {
                        name: p.as_str().to_string(),
                        span: span_of(&p),
                    }
                }
                Rule::milestone => milestone = milestone_of(&p),
                Rule::outcome_id => {
                    outcome = Some(Ident {
                        name: p.as_str().to_string(),
                        span: span_of(&p),
                    })
                }
                _ => {}
            }
        }
        HappeningAst {
            step,
            milestone,
            outcome,
            span,
        }
    }

    fn on_line(&mut self, pair: Pair<'_, Rule>) -> Option<OnLine> {
        let span = span_of(&pair);
        let mut trigger = None;
        let mut condition = None;
        let mut effect = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::trigger => {
                    let inner = p.into_inner().next()?;
                    let s = span_of(&inner);
                    trigger = Some(match inner.as_rule() {
                        Rule::kw_start => TriggerAst::Start(s),
                        Rule::kw_complete => TriggerAst::Complete(s),
                        _ => TriggerAst::Outcome(Ident {
                            name: inner.as_str().to_string(),
                            span: s,
                        }),
                    });
                }
                Rule::condition => condition = Some(self.condition(p)),
                Rule::effect => {
                    let inner = p.into_inner().next()?;
                    let s = span_of(&inner);
                    effect = Some(match inner.as_rule() {
                        Rule::open_effect => EffectAst::Open(self.idents(inner, Rule::step_id)),
                        Rule::close_effect => EffectAst::Close(self.idents(inner, Rule::step_id)),
                        Rule::close_everything => EffectAst::CloseEverything(s),
                        _ => EffectAst::End(s),
                    });
                }
                _ => {}
            }
        }
        Some(OnLine {
            trigger: trigger?,
            condition,
            effect: effect?,
            span,
        })
    }

    fn condition(&mut self, pair: Pair<'_, Rule>) -> ConditionAst {
        let span = span_of(&pair);
        let mut any: Vec<ConditionAst> = pair
            .into_inner()
            .filter(|p| p.as_rule() == Rule::conjunction)
            .map(|conj| {
                let cspan = span_of(&conj);
                let mut all: Vec<ConditionAst> = conj
                    .into_inner()
                    .filter(|p| p.as_rule() == Rule::negation)
                    .map(|n| self.negation(n))
                    .collect();
                if all.len() == 1 {
                    all.remove(0)
                } else {
                    ConditionAst::All(all, cspan)
                }
            })
            .collect();
        if any.len() == 1 {
            any.remove(0)
        } else {
            ConditionAst::Any(any, span)
        }
    }

    fn negation(&mut self, pair: Pair<'_, Rule>) -> ConditionAst {
        let span = span_of(&pair);
        let mut nots = 0;
        let mut atom = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::kw_not => nots += 1,
                Rule::within => {
                    let wspan = span_of(&p);
                    let mut period = None;
                    let mut anchor = None;
                    for q in p.into_inner() {
                        match q.as_rule() {
                            Rule::period => period = Some(self.period(q)),
                            Rule::anchor => anchor = Some(self.anchor(q)),
                            _ => {}
                        }
                    }
                    if let (Some(period), Some(anchor)) = (period, anchor) {
                        atom = Some(ConditionAst::Within {
                            period,
                            anchor,
                            span: wspan,
                        });
                    }
                }
                Rule::comparison => atom = self.comparison(p),
                _ => {}
            }
        }
        let mut c = atom.unwrap_or(ConditionAst::All(Vec::new(), span));
        // `not not x` is `x`: keep the tree shallow however many are written.
        for _ in 0..nots % 2 {
            c = ConditionAst::Not(Box::new(c), span);
        }
        c
    }

    fn comparison(&mut self, pair: Pair<'_, Rule>) -> Option<ConditionAst> {
        let span = span_of(&pair);
        let mut fact = None;
        let mut op = CompareOp::Is;
        let mut value = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::fact => {
                    fact = Some(Ident {
                        name: p.as_str().to_string(),
                        span: span_of(&p),
                    })
                }
                Rule::compare_op => {
                    let words: Vec<&str> = p.as_str().split_whitespace().collect();
                    op = match words.as_slice() {
                        ["is", "not"] => CompareOp::IsNot,
                        ["<="] => CompareOp::LessOrEqual,
                        [">="] => CompareOp::GreaterOrEqual,
                        ["<"] => CompareOp::Less,
                        [">"] => CompareOp::Greater,
                        _ => CompareOp::Is,
                    }
                }
                Rule::value => {
                    let inner = p.into_inner().next()?;
                    value = match inner.as_rule() {
                        Rule::string => Some(Value::Text(self.string(inner).value)),
                        Rule::date => self.date(&inner).map(Value::Date),
                        Rule::boolean => Some(Value::Bool(inner.as_str() == "true")),
                        _ => inner.as_str().parse::<f64>().ok().map(Value::Number),
                    };
                }
                _ => {}
            }
        }
        Some(ConditionAst::Compare {
            fact: fact?,
            op,
            value: value?,
            span,
        })
    }

    fn text_clause(&mut self, pair: Pair<'_, Rule>) -> Option<Text> {
        pair.into_inner()
            .find(|p| p.as_rule() == Rule::string)
            .map(|p| self.string(p))
    }

    fn source_line(&mut self, pair: Pair<'_, Rule>) -> Option<SourceLine> {
        let span = span_of(&pair);
        let mut local = false;
        let mut text = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::kw_local => local = true,
                Rule::string => text = Some(self.string(p)),
                _ => {}
            }
        }
        Some(SourceLine {
            text: text?,
            local,
            span,
        })
    }

    fn first_ident(&mut self, pair: Pair<'_, Rule>, rule: Rule) -> Option<Ident> {
        pair.into_inner()
            .find(|p| p.as_rule() == rule)
            .map(|p| Ident {
                name: p.as_str().to_string(),
                span: span_of(&p),
            })
    }

    fn idents(&mut self, pair: Pair<'_, Rule>, rule: Rule) -> Vec<Ident> {
        pair.into_inner()
            .filter(|p| p.as_rule() == rule)
            .map(|p| Ident {
                name: p.as_str().to_string(),
                span: span_of(&p),
            })
            .collect()
    }

    fn string(&mut self, pair: Pair<'_, Rule>) -> Text {
        let span = span_of(&pair);
        let raw = pair.as_str();
        let inner = raw.get(1..raw.len().saturating_sub(1)).unwrap_or("");
        let mut value = String::with_capacity(inner.len());
        let mut chars = inner.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                value.push(c);
                continue;
            }
            match chars.next() {
                Some((_, e @ ('"' | '\\'))) => value.push(e),
                Some((j, e)) => {
                    let at = span.start + 1 + i;
                    self.diagnostics.push(
                        Diagnostic::error("syntax", format!("unknown escape `\\{e}` in text"))
                            .at(self.file, Span::new(at, span.start + 1 + j + e.len_utf8()), "not an escape")
                            .help("inside quotes, write `\\\"` for a quote and `\\\\` for a backslash"),
                    );
                    value.push(e);
                }
                None => value.push('\\'),
            }
        }
        Text { value, span }
    }

    fn date(&mut self, pair: &Pair<'_, Rule>) -> Option<jiff::civil::Date> {
        match pair.as_str().parse::<jiff::civil::Date>() {
            Ok(d) => Some(d),
            Err(_) => {
                self.diagnostics.push(
                    Diagnostic::error("bad-date", format!("`{}` is not a date", pair.as_str()))
                        .at(self.file, span_of(pair), "no such day")
                        .help("write dates as year-month-day, such as `2024-12-27`"),
                );
                None
            }
        }
    }
}

fn milestone_of(pair: &Pair<'_, Rule>) -> Milestone {
    if pair.as_str().trim() == "completed" {
        Milestone::Completed
    } else {
        Milestone::Started
    }
}

/// The unit named by these words, singular or plural (`working day`,
/// `working days`), if any.
pub fn unit_from_words(words: &str) -> Option<Unit> {
    let unit = match words {
        "working day" | "working days" => Unit::WorkingDays,
        "calendar day" | "calendar days" => Unit::CalendarDays,
        "week" | "weeks" => Unit::Weeks,
        "month" | "months" => Unit::Months,
        "year" | "years" => Unit::Years,
        "hour" | "hours" => Unit::Hours,
        _ => return None,
    };
    Some(unit)
}

#[cfg(test)]
mod tests;
