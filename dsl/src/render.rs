//! Drawing a workflow (Graphviz DOT, Mermaid) and reading it back in plain
//! English for a policy lead to review.

use crate::model::{
    Anchor, CalendarSpec, CompareOp, Condition, DueRule, Effect, Happening, Milestone, Pick,
    RuleSet, Schedule, Step, Trigger, Value, Workflow,
};
use std::fmt::Write;

/// A timescale in words: `15 working days after strategy_discussion completed`.
pub fn due_text(rule: &DueRule) -> String {
    format!("{} after {}", rule.period, anchor_text(&rule.anchor))
}

/// An anchor in words: `the first referral started`, `the previous one`.
pub fn anchor_text(anchor: &Anchor) -> String {
    match anchor {
        Anchor::Previous => "the previous one".to_string(),
        Anchor::Event {
            step,
            milestone,
            pick,
        } => {
            let pick = match pick {
                Pick::LedHere => "",
                Pick::First => "the first ",
                Pick::Latest => "the latest ",
            };
            format!("{pick}{step} {}", milestone_text(*milestone))
        }
    }
}

fn milestone_text(m: Milestone) -> &'static str {
    match m {
        Milestone::Started => "started",
        Milestone::Completed => "completed",
    }
}

/// A condition as it would be written.
pub fn condition_text(condition: &Condition) -> String {
    match condition {
        Condition::Compare { fact, op, value } => {
            let op = match op {
                CompareOp::Is => "is",
                CompareOp::IsNot => "is not",
                CompareOp::Less => "<",
                CompareOp::LessOrEqual => "<=",
                CompareOp::Greater => ">",
                CompareOp::GreaterOrEqual => ">=",
            };
            let value = match value {
                Value::Text(t) => format!("{t:?}"),
                Value::Number(n) => format!("{n}"),
                Value::Bool(b) => format!("{b}"),
                Value::Date(d) => format!("{d}"),
            };
            format!("{fact} {op} {value}")
        }
        Condition::Within { period, anchor } => {
            format!("within {period} of {}", anchor_text(anchor))
        }
        Condition::Not(inner) => format!("not {}", condition_text(inner)),
        Condition::All(items) => items
            .iter()
            .map(condition_text)
            .collect::<Vec<_>>()
            .join(" and "),
        Condition::Any(items) => items
            .iter()
            .map(condition_text)
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

fn trigger_text(trigger: &Trigger) -> String {
    match trigger {
        Trigger::Start => "start".to_string(),
        Trigger::Complete => "complete".to_string(),
        Trigger::Outcome(o) => o.clone(),
    }
}

/// The timescale lines shown on a step's box.
fn schedule_lines(step: &Step) -> Vec<String> {
    let local = |rule: &DueRule| {
        if rule.source.as_ref().is_some_and(|s| s.local) {
            " (local)"
        } else {
            ""
        }
    };
    match &step.schedule {
        Schedule::None => Vec::new(),
        Schedule::Once(rule) => vec![format!("due {}{}", due_text(rule), local(rule))],
        Schedule::Repeats(r) => {
            let mut lines = vec![format!(
                "first due {}{}",
                due_text(&r.first),
                local(&r.first)
            )];
            if let Some(second) = &r.second {
                lines.push(format!("second due {}{}", due_text(second), local(second)));
            }
            for c in &r.then {
                let guard = c
                    .guard
                    .as_ref()
                    .map(|g| format!(" if {}", condition_text(g)))
                    .unwrap_or_default();
                lines.push(format!(
                    "then due {}{guard}{}",
                    due_text(&c.rule),
                    local(&c.rule)
                ));
            }
            lines
        }
    }
}

/// An edge of a drawing: from, to (`None` for the end), label, dashed.
struct Line {
    from: String,
    to: Option<String>,
    label: String,
    dashed: bool,
}

fn lines(workflow: &Workflow) -> Vec<Line> {
    let mut out = Vec::new();
    for &e in &workflow.entries {
        if let Some(step) = workflow.steps.get(e) {
            out.push(Line {
                from: String::new(),
                to: Some(step.id.clone()),
                label: String::new(),
                dashed: false,
            });
        }
    }
    for step in &workflow.steps {
        for r in &step.reactions {
            let cond = r
                .condition
                .as_ref()
                .map(|c| format!(" if {}", condition_text(c)))
                .unwrap_or_default();
            let label = format!("{}{cond}", trigger_text(&r.trigger));
            match &r.effect {
                Effect::Open(targets) => {
                    for t in targets {
                        out.push(Line {
                            from: step.id.clone(),
                            to: Some(t.clone()),
                            label: label.clone(),
                            dashed: false,
                        });
                    }
                }
                Effect::Close(targets) => {
                    for t in targets {
                        out.push(Line {
                            from: step.id.clone(),
                            to: Some(t.clone()),
                            label: format!("{label}: close"),
                            dashed: true,
                        });
                    }
                }
                Effect::CloseEverything => out.push(Line {
                    from: step.id.clone(),
                    to: None,
                    label: format!("{label}: close everything"),
                    dashed: false,
                }),
                Effect::End => out.push(Line {
                    from: step.id.clone(),
                    to: None,
                    label,
                    dashed: false,
                }),
            }
        }
        if let Schedule::Repeats(r) = &step.schedule {
            let until: Vec<String> = r.until.iter().map(happening_text).collect();
            out.push(Line {
                from: step.id.clone(),
                to: Some(step.id.clone()),
                label: format!("next, until {}", until.join(" or ")),
                dashed: false,
            });
        }
    }
    out
}

fn happening_text(h: &Happening) -> String {
    let with = h
        .outcome
        .as_ref()
        .map(|o| format!(" with {o}"))
        .unwrap_or_default();
    format!("{} {}{with}", h.step, milestone_text(h.milestone))
}

fn dot_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The workflow as a Graphviz DOT graph: steps as boxes with their
/// timescales, outcomes on the edges, closing edges dashed.
pub fn to_dot(workflow: &Workflow) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph \"{}\" {{", dot_escape(&workflow.id));
    let _ = writeln!(
        out,
        "  label=\"{} ({})\";",
        dot_escape(&workflow.title),
        dot_escape(&workflow.version)
    );
    let _ = writeln!(out, "  labelloc=t;");
    let _ = writeln!(
        out,
        "  node [shape=box, style=rounded, fontname=\"Helvetica\"];"
    );
    let _ = writeln!(out, "  edge [fontname=\"Helvetica\", fontsize=10];");
    let _ = writeln!(out, "  \"(start)\" [label=\"start\", shape=circle];");
    let _ = writeln!(out, "  \"(end)\" [label=\"end\", shape=doublecircle];");
    for step in &workflow.steps {
        let mut label = format!("{}\n({})", step.title, step.id);
        for line in schedule_lines(step) {
            label.push('\n');
            label.push_str(&line);
        }
        let style = if step.local { ", color=blue" } else { "" };
        let _ = writeln!(
            out,
            "  \"{}\" [label=\"{}\"{style}];",
            dot_escape(&step.id),
            dot_escape(&label)
        );
    }
    for line in lines(workflow) {
        let from = if line.from.is_empty() {
            "(start)".to_string()
        } else {
            line.from
        };
        let to = line.to.unwrap_or_else(|| "(end)".to_string());
        let mut attrs = Vec::new();
        if !line.label.is_empty() {
            attrs.push(format!("label=\"{}\"", dot_escape(&line.label)));
        }
        if line.dashed {
            attrs.push("style=dashed".to_string());
        }
        let attrs = if attrs.is_empty() {
            String::new()
        } else {
            format!(" [{}]", attrs.join(", "))
        };
        let _ = writeln!(
            out,
            "  \"{}\" -> \"{}\"{attrs};",
            dot_escape(&from),
            dot_escape(&to)
        );
    }
    out.push_str("}\n");
    out
}

fn mermaid_escape(text: &str) -> String {
    text.replace('&', "#amp;")
        .replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
        .replace('|', "#124;")
}

/// The workflow as a Mermaid flowchart.
pub fn to_mermaid(workflow: &Workflow) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "---\ntitle: \"{} ({})\"\n---",
        mermaid_escape(&workflow.title),
        mermaid_escape(&workflow.version)
    );
    out.push_str("flowchart TD\n");
    out.push_str("  start_((start))\n  end_(((end)))\n");
    for step in &workflow.steps {
        let mut label = format!("{}<br/>({})", mermaid_escape(&step.title), step.id);
        for line in schedule_lines(step) {
            label.push_str("<br/>");
            label.push_str(&mermaid_escape(&line));
        }
        let _ = writeln!(out, "  s_{}[\"{label}\"]", step.id);
    }
    for line in lines(workflow) {
        let from = if line.from.is_empty() {
            "start_".to_string()
        } else {
            format!("s_{}", line.from)
        };
        let to = line.to.map_or("end_".to_string(), |t| format!("s_{t}"));
        let arrow = if line.dashed { "-.->" } else { "-->" };
        if line.label.is_empty() {
            let _ = writeln!(out, "  {from} {arrow} {to}");
        } else {
            let _ = writeln!(
                out,
                "  {from} {arrow}|\"{}\"| {to}",
                mermaid_escape(&line.label)
            );
        }
    }
    for step in workflow.steps.iter().filter(|s| s.local) {
        let _ = writeln!(out, "  style s_{} stroke:#1f4e9c,stroke-width:2px", step.id);
    }
    out
}

/// The workflow in plain English: each step, what opens it, its timescale
/// with units and source (local practice marked), what each outcome leads
/// to, and what closes it.
pub fn explain(rules: &RuleSet, workflow: &Workflow) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Workflow `{}`: {}", workflow.id, workflow.title);
    let _ = writeln!(
        out,
        "  Version {}. It implements: {}.",
        workflow.version,
        workflow.source.trim_end_matches('.')
    );
    let _ = writeln!(
        out,
        "  Working days are counted on {}.",
        calendar_text(rules.calendar(&workflow.calendar), &workflow.calendar)
    );
    let entries: Vec<String> = workflow
        .entries
        .iter()
        .filter_map(|&e| workflow.steps.get(e))
        .map(step_name)
        .collect();
    let _ = writeln!(out, "  A case system begins it with {}.", join_or(&entries));
    if !workflow.plugins.is_empty() {
        let _ = writeln!(
            out,
            "  Local escalation scripts: {}.",
            workflow.plugins.join(", ")
        );
    }
    for (i, step) in workflow.steps.iter().enumerate() {
        out.push('\n');
        explain_step(&mut out, workflow, i, step);
    }
    out
}

fn step_name(step: &Step) -> String {
    format!("{} (`{}`)", step.title, step.id)
}

fn named(workflow: &Workflow, id: &str) -> String {
    workflow
        .steps
        .iter()
        .find(|s| s.id == id)
        .map_or_else(|| format!("`{id}`"), step_name)
}

fn join_or(items: &[String]) -> String {
    join(items, "or")
}

fn join(items: &[String], word: &str) -> String {
    match items {
        [] => "nothing".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {word} {last}", init.join(", ")),
    }
}

fn calendar_text(calendar: Option<&CalendarSpec>, id: &str) -> String {
    match calendar {
        None => format!("the calendar `{id}`"),
        Some(c) if c.closures.is_empty() => format!(
            "{} (`{}`): {} bank holidays",
            c.title,
            c.id,
            c.division.title()
        ),
        Some(c) => {
            let n = c.closures.len();
            format!(
                "{} (`{}`): {} bank holidays and {n} local closure day{}",
                c.title,
                c.id,
                c.division.title(),
                if n == 1 { "" } else { "s" }
            )
        }
    }
}

fn explain_step(out: &mut String, workflow: &Workflow, index: usize, step: &Step) {
    let local = if step.local {
        " [changed or added locally]"
    } else {
        ""
    };
    let _ = writeln!(out, "Step `{}`: {}{local}", step.id, step.title);
    if let Some(d) = &step.description {
        let _ = writeln!(out, "  {}", d);
    }

    let mut opened = Vec::new();
    if workflow.entries.contains(&index) {
        opened.push("a case system, on its own".to_string());
    }
    for other in &workflow.steps {
        for r in &other.reactions {
            if matches!(&r.effect, Effect::Open(t) if t.contains(&step.id)) {
                opened.push(format!(
                    "{}{}",
                    when_text(other, &r.trigger),
                    if_text(r.condition.as_ref())
                ));
            }
        }
    }
    let _ = writeln!(out, "  Opened by: {}.", join_or(&opened));
    if step.several_may_be_open {
        let _ = writeln!(
            out,
            "  Several may be open at once: each opening starts another."
        );
    }
    if !step.outcomes.is_empty() {
        let list: Vec<String> = step.outcomes.iter().map(|o| format!("`{o}`")).collect();
        let _ = writeln!(
            out,
            "  When it completes, the case system records one outcome: {}.",
            join_or(&list)
        );
    }

    match &step.schedule {
        Schedule::None => {
            let _ = writeln!(out, "  No timescale.");
        }
        Schedule::Once(rule) => write_rule(out, "Due", rule, None),
        Schedule::Repeats(r) => {
            let _ = writeln!(out, "  Recurring: each completion opens the next one.");
            write_rule(out, "The first is due", &r.first, None);
            if let Some(second) = &r.second {
                write_rule(out, "The second is due", second, None);
            }
            let later = if r.second.is_some() {
                "Each later one is due"
            } else {
                "Each one after the first is due"
            };
            let guarded = r.then.len() > 1;
            for c in &r.then {
                let condition = match (&c.guard, guarded) {
                    (Some(g), _) => Some(format!("if {}", condition_text(g))),
                    (None, true) => Some("otherwise".to_string()),
                    (None, false) => None,
                };
                write_rule(out, later, &c.rule, condition);
            }
            let until: Vec<String> = r
                .until
                .iter()
                .map(|h| happening_words(workflow, h))
                .collect();
            let _ = writeln!(out, "  The series stops when {}.", join_or(&until));
        }
    }

    for r in &step.reactions {
        let cond = if_text(r.condition.as_ref());
        let when = match &r.trigger {
            Trigger::Start => "When it opens".to_string(),
            Trigger::Complete => "When it completes".to_string(),
            Trigger::Outcome(o) => format!("When it completes with `{o}`"),
        };
        let what = match &r.effect {
            Effect::Open(t) => format!(
                "opens {}",
                join(
                    &t.iter().map(|id| named(workflow, id)).collect::<Vec<_>>(),
                    "and"
                )
            ),
            Effect::Close(t) => format!(
                "closes {}",
                join(
                    &t.iter().map(|id| named(workflow, id)).collect::<Vec<_>>(),
                    "and"
                )
            ),
            Effect::CloseEverything => "closes every open step of this workflow".to_string(),
            Effect::End => "this path of the work ends".to_string(),
        };
        let _ = writeln!(out, "  {when}{cond}: {what}.");
    }

    let mut closed = Vec::new();
    for other in &workflow.steps {
        for r in &other.reactions {
            let closes = match &r.effect {
                Effect::Close(t) => t.contains(&step.id),
                Effect::CloseEverything => true,
                _ => false,
            };
            if closes {
                let how = if matches!(r.effect, Effect::CloseEverything) {
                    " (closes everything)"
                } else {
                    ""
                };
                closed.push(format!(
                    "{}{}{how}",
                    when_text(other, &r.trigger),
                    if_text(r.condition.as_ref())
                ));
            }
        }
    }
    if !closed.is_empty() {
        let _ = writeln!(
            out,
            "  Closed without completing by: {}. A deadline already passed stays overdue.",
            join_or(&closed)
        );
    }
}

fn when_text(step: &Step, trigger: &Trigger) -> String {
    match trigger {
        Trigger::Start => format!("`{}` opening", step.id),
        Trigger::Complete => format!("`{}` completing", step.id),
        Trigger::Outcome(o) => format!("`{}` completing with `{o}`", step.id),
    }
}

fn if_text(condition: Option<&Condition>) -> String {
    condition
        .map(|c| format!(", if {}", condition_text(c)))
        .unwrap_or_default()
}

fn happening_words(workflow: &Workflow, h: &Happening) -> String {
    let with = h
        .outcome
        .as_ref()
        .map(|o| format!(" with `{o}`"))
        .unwrap_or_default();
    let verb = match h.milestone {
        Milestone::Started => "starts",
        Milestone::Completed => "completes",
    };
    format!("{} {verb}{with}", named(workflow, &h.step))
}

fn write_rule(out: &mut String, lead: &str, rule: &DueRule, condition: Option<String>) {
    let condition = condition.map(|c| format!(", {c}")).unwrap_or_default();
    let _ = writeln!(out, "  {lead} {}{condition}.", due_text(rule));
    if let Some(w) = &rule.warn {
        let _ = writeln!(out, "    Approaching from {w} before the deadline.");
    }
    match &rule.source {
        Some(s) if s.local => {
            let _ = writeln!(out, "    Local practice, not the law: {}", s.text);
        }
        Some(s) => {
            let _ = writeln!(out, "    Source: {}", s.text);
        }
        None => {
            let _ = writeln!(out, "    Source: none given.");
        }
    }
}
