//! The shape of a workflow: every step reachable, every step with a way out,
//! no undeclared loops, outcomes handled, and every timescale counted from
//! an event that has surely happened when the step opens.

use super::Checker;
use super::workflows::StepSpans;
use crate::diagnostic::Diagnostic;
use crate::graph::{Edge, Node, WorkflowGraph};
use crate::model::{Anchor, Condition, DueRule, Effect, Milestone, Schedule, Trigger, Workflow};
use petgraph::graph::NodeIndex;

impl Checker<'_> {
    pub(super) fn flow(&mut self, workflow: &Workflow, spans: &[StepSpans], unresolved: bool) {
        let graph = WorkflowGraph::new(workflow);
        let reachable = graph.reachable_steps();
        let entries_known = !workflow.entries.is_empty();

        for (i, step) in workflow.steps.iter().enumerate() {
            let Some(at) = spans.get(i) else { continue };
            if entries_known && !unresolved && !reachable.get(i).copied().unwrap_or(true) {
                let help = if step.local {
                    format!(
                        "a step added by a council is opened by an `on` line the extension adds to a national step, such as `step icpc {{ on cp_plan open {} }}`",
                        step.id
                    )
                } else {
                    format!(
                        "open it from another step (`on complete open {}`), or add it to `starts with`",
                        step.id
                    )
                };
                self.push(
                    Diagnostic::error(
                        "unreachable-step",
                        format!("step `{}` is never opened", step.id),
                    )
                    .at(at.file, at.id, "nothing opens this step")
                    .help(help),
                );
            }

            let recurring_with_until = at.has_until;
            let has_way_out = recurring_with_until
                || step.reactions.iter().any(|r| {
                    matches!(
                        r.effect,
                        Effect::Open(_) | Effect::CloseEverything | Effect::End
                    )
                });
            let recurring_without_until = at.repeats.is_some() && !at.has_until;
            if !has_way_out && !recurring_without_until {
                self.push(
                    Diagnostic::error("no-way-out", format!("step `{}` has no way out", step.id))
                        .at(at.file, at.id, "nothing follows this step")
                        .help("add `on complete end` if this path of the work ends here, or `on complete open …` for what comes next (`close` alone does not end the path)".to_string()),
                );
            }

            if !matches!(step.schedule, Schedule::Repeats(_)) {
                let on_complete = step
                    .reactions
                    .iter()
                    .any(|r| r.trigger == Trigger::Complete);
                for (o, outcome) in step.outcomes.iter().enumerate() {
                    let handled = on_complete
                        || step
                            .reactions
                            .iter()
                            .any(|r| r.trigger == Trigger::Outcome(outcome.clone()));
                    if !handled && let Some(span) = at.outcomes.get(o) {
                        self.push(
                            Diagnostic::warning(
                                "unhandled-outcome",
                                format!("outcome `{outcome}` of `{}` is never handled", step.id),
                            )
                            .at(at.file, *span, "nothing happens after this outcome")
                            .help(format!(
                                "say what follows it: `on {outcome} end`, or `on {outcome} open …`"
                            )),
                        );
                    }
                }
            }

            // A recurring step must not reopen itself by an `on` line too.
        }

        for cycle in graph.step_cycles() {
            let names: Vec<String> = cycle
                .iter()
                .filter_map(|&i| workflow.steps.get(i))
                .map(|s| format!("`{}`", s.id))
                .collect();
            let Some(&first) = cycle.first() else {
                continue;
            };
            let Some(at) = spans.get(first) else { continue };
            // Point at the `on` line in the first step that opens another step of the loop.
            let line = workflow.steps.get(first).and_then(|s| {
                s.reactions.iter().position(|r| match &r.effect {
                    Effect::Open(targets) => targets.iter().any(|t| {
                        cycle
                            .iter()
                            .any(|&c| workflow.steps.get(c).is_some_and(|cs| &cs.id == t))
                    }),
                    _ => false,
                })
            });
            let (file, span) = line
                .and_then(|r| at.reactions.get(r).copied())
                .unwrap_or((at.file, at.id));
            let message = if cycle.len() == 1 {
                format!("step {} opens itself", names.join(""))
            } else {
                format!("steps {} open each other in a loop", names.join(", "))
            };
            let recurring_self = cycle.len() == 1 && at.repeats.is_some();
            let help = if recurring_self {
                "a recurring step opens each next occurrence by itself: remove this `open`"
            } else {
                "a step that happens again and again is declared with `repeats { … }`, which opens each next occurrence itself; otherwise end the loop with `end`"
            };
            self.push(
                Diagnostic::error("step-cycle", message)
                    .at(file, span, "this leads back round the loop")
                    .help(help),
            );
        }

        let dominators = graph.dominators();
        for (i, step) in workflow.steps.iter().enumerate() {
            if !reachable.get(i).copied().unwrap_or(false) {
                continue;
            }
            let Some(at) = spans.get(i) else { continue };
            let Some(opened) = graph.node(i, Milestone::Started) else {
                continue;
            };
            let rules: Vec<(&DueRule, Vec<&Anchor>)> = match &step.schedule {
                Schedule::None => Vec::new(),
                Schedule::Once(rule) => vec![(rule, Vec::new())],
                Schedule::Repeats(r) => std::iter::once((&r.first, Vec::new()))
                    .chain(r.second.iter().map(|s| (s, Vec::new())))
                    .chain(r.then.iter().map(|c| {
                        (
                            &c.rule,
                            c.guard.as_ref().map(within_anchors).unwrap_or_default(),
                        )
                    }))
                    .collect(),
            };
            for (k, (rule, guards)) in rules.iter().enumerate() {
                let Some(rs) = at.rules.get(k) else { continue };
                for anchor in std::iter::once(&rule.anchor).chain(guards.iter().copied()) {
                    let Anchor::Event {
                        step: on,
                        milestone,
                        ..
                    } = anchor
                    else {
                        continue;
                    };
                    let Some(j) = workflow.steps.iter().position(|s| &s.id == on) else {
                        continue;
                    };
                    let Some(through) = graph.node(j, *milestone) else {
                        continue;
                    };
                    if graph.always_through(&dominators, through, opened) {
                        continue;
                    }
                    let event = format!("{on} {}", milestone_word(*milestone));
                    let path = graph
                        .path_avoiding(opened, through)
                        .map(|p| describe_path(&graph, workflow, &p))
                        .unwrap_or_default();
                    let span = if std::ptr::eq(anchor, &rule.anchor) {
                        rs.anchor
                    } else {
                        rs.line
                    };
                    self.push(
                        Diagnostic::error("anchor-not-before", format!("`{event}` may not have happened when `{}` opens", step.id))
                            .at(rs.file, span, "not on every path to this step")
                            .help(format!(
                                "a case can reach `{}` without `{event}`: {path}. Count from an event on every path to `{}`, or open it only after `{event}`",
                                step.id, step.id
                            )),
                    );
                }
            }
        }
    }
}

fn within_anchors(c: &Condition) -> Vec<&Anchor> {
    let mut out = Vec::new();
    let mut stack = vec![c];
    while let Some(c) = stack.pop() {
        match c {
            Condition::Within { anchor, .. } => out.push(anchor),
            Condition::Not(inner) => stack.push(inner),
            Condition::All(items) | Condition::Any(items) => stack.extend(items.iter()),
            Condition::Compare { .. } => {}
        }
    }
    out
}

fn milestone_word(m: Milestone) -> &'static str {
    match m {
        Milestone::Started => "started",
        Milestone::Completed => "completed",
    }
}

/// "referral started → referral completed with `assessment` → assessment started".
fn describe_path(graph: &WorkflowGraph, workflow: &Workflow, path: &[NodeIndex]) -> String {
    let mut words = Vec::new();
    for (k, &n) in path.iter().enumerate() {
        let Some(node) = graph.graph.node_weight(n) else {
            continue;
        };
        let (i, m) = match node {
            Node::Entry => continue,
            Node::Started(i) => (*i, Milestone::Started),
            Node::Completed(i) => (*i, Milestone::Completed),
        };
        let Some(step) = workflow.steps.get(i) else {
            continue;
        };
        let mut word = format!("{} {}", step.id, milestone_word(m));
        // Name the outcome that leads on, if the next edge needs one.
        if let (Milestone::Completed, Some(&next)) = (m, path.get(k + 1))
            && let Some(e) = graph.graph.find_edge(n, next)
            && let Edge::Opens { step: s, reaction } = graph.graph[e]
            && let Some(Trigger::Outcome(o)) = workflow
                .steps
                .get(s)
                .and_then(|st| st.reactions.get(reaction))
                .map(|r| &r.trigger)
        {
            word = format!("{word} with `{o}`");
        }
        words.push(word);
    }
    words.join(" → ")
}
