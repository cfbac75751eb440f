//! A workflow as a `petgraph` graph, for the checks and for drawing.
//!
//! Each step has two nodes, its start and its completion, so that "every path
//! to the ICPC passes through the strategy discussion's completion" is an
//! exact dominator question. Edges carry what causes them: a step completes,
//! an `on` line opens another step, a recurring step opens its next
//! occurrence.

use crate::model::{Effect, Milestone, Schedule, Trigger, Workflow};
use petgraph::algo::dominators::{Dominators, simple_fast};
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::VecDeque;

/// A node: the entry, or a step's start or completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Node {
    /// Where every case begins (before any `starts with` step).
    Entry,
    /// The step (by index) starts or is opened.
    Started(usize),
    /// The step (by index) completes.
    Completed(usize),
}

/// Why one node follows another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edge {
    /// A case system may start the step on its own (`starts with`).
    Begins,
    /// An open step completes.
    Completes,
    /// An `on` line (index into the step's reactions) opens the step.
    Opens {
        /// The step whose `on` line it is.
        step: usize,
        /// Index into that step's [`reactions`](crate::model::Step::reactions).
        reaction: usize,
    },
    /// A recurring step's completion opens its next occurrence.
    Recurs,
}

/// A workflow's steps and what leads to what.
#[derive(Debug, Clone)]
pub struct WorkflowGraph {
    /// The graph.
    pub graph: DiGraph<Node, Edge>,
    /// The entry node.
    pub entry: NodeIndex,
    started: Vec<NodeIndex>,
    completed: Vec<NodeIndex>,
}

impl WorkflowGraph {
    /// Builds the graph of a workflow.
    pub fn new(workflow: &Workflow) -> Self {
        let mut graph = DiGraph::new();
        let entry = graph.add_node(Node::Entry);
        let mut started = Vec::with_capacity(workflow.steps.len());
        let mut completed = Vec::with_capacity(workflow.steps.len());
        for i in 0..workflow.steps.len() {
            let s = graph.add_node(Node::Started(i));
            let c = graph.add_node(Node::Completed(i));
            graph.add_edge(s, c, Edge::Completes);
            started.push(s);
            completed.push(c);
        }
        for &e in &workflow.entries {
            if let Some(&s) = started.get(e) {
                graph.add_edge(entry, s, Edge::Begins);
            }
        }
        for (i, step) in workflow.steps.iter().enumerate() {
            for (r, reaction) in step.reactions.iter().enumerate() {
                let Effect::Open(targets) = &reaction.effect else {
                    continue;
                };
                let from = match reaction.trigger {
                    Trigger::Start => started[i],
                    Trigger::Complete | Trigger::Outcome(_) => completed[i],
                };
                for t in targets {
                    if let Some(j) = workflow.steps.iter().position(|s| &s.id == t) {
                        graph.add_edge(
                            from,
                            started[j],
                            Edge::Opens {
                                step: i,
                                reaction: r,
                            },
                        );
                    }
                }
            }
            if matches!(step.schedule, Schedule::Repeats(_)) {
                graph.add_edge(completed[i], started[i], Edge::Recurs);
            }
        }
        WorkflowGraph {
            graph,
            entry,
            started,
            completed,
        }
    }

    /// The node of a step's start or completion.
    pub fn node(&self, step: usize, milestone: Milestone) -> Option<NodeIndex> {
        match milestone {
            Milestone::Started => self.started.get(step).copied(),
            Milestone::Completed => self.completed.get(step).copied(),
        }
    }

    /// Which steps some path from the entry opens.
    pub fn reachable_steps(&self) -> Vec<bool> {
        let mut seen = vec![false; self.graph.node_count()];
        let mut bfs = petgraph::visit::Bfs::new(&self.graph, self.entry);
        while let Some(n) = bfs.next(&self.graph) {
            seen[n.index()] = true;
        }
        self.started.iter().map(|n| seen[n.index()]).collect()
    }

    /// The dominator tree from the entry.
    pub fn dominators(&self) -> Dominators<NodeIndex> {
        simple_fast(&self.graph, self.entry)
    }

    /// Whether every path from the entry to `to` passes through `through`.
    pub fn always_through(
        &self,
        dominators: &Dominators<NodeIndex>,
        through: NodeIndex,
        to: NodeIndex,
    ) -> bool {
        dominators
            .dominators(to)
            .is_some_and(|mut d| d.any(|n| n == through))
    }

    /// A shortest path from the entry to `to` that avoids `avoid`, if any:
    /// the counterexample when `avoid` does not dominate `to`.
    pub fn path_avoiding(&self, to: NodeIndex, avoid: NodeIndex) -> Option<Vec<NodeIndex>> {
        let mut previous: Vec<Option<NodeIndex>> = vec![None; self.graph.node_count()];
        let mut seen = vec![false; self.graph.node_count()];
        let mut queue = VecDeque::from([self.entry]);
        seen[self.entry.index()] = true;
        while let Some(n) = queue.pop_front() {
            if n == to {
                let mut path = vec![n];
                let mut at = n;
                while let Some(p) = previous[at.index()] {
                    path.push(p);
                    at = p;
                }
                path.reverse();
                return Some(path);
            }
            for next in self.graph.neighbors(n) {
                if next != avoid && !seen[next.index()] {
                    seen[next.index()] = true;
                    previous[next.index()] = Some(n);
                    queue.push_back(next);
                }
            }
        }
        None
    }

    /// Loops of steps that open each other (not counting a recurring step's
    /// own recurrence): each is a list of step indexes, in order.
    pub fn step_cycles(&self) -> Vec<Vec<usize>> {
        let mut steps = DiGraph::<usize, ()>::new();
        let nodes: Vec<_> = (0..self.started.len()).map(|i| steps.add_node(i)).collect();
        for edge in self.graph.edge_indices() {
            if !matches!(self.graph[edge], Edge::Opens { .. }) {
                continue;
            }
            let Some((a, b)) = self.graph.edge_endpoints(edge) else {
                continue;
            };
            let (Some(from), Some(to)) = (self.step_of(a), self.step_of(b)) else {
                continue;
            };
            steps.update_edge(nodes[from], nodes[to], ());
        }
        let mut cycles: Vec<Vec<usize>> = petgraph::algo::tarjan_scc(&steps)
            .into_iter()
            .filter(|c| c.len() > 1 || c.first().is_some_and(|&n| steps.contains_edge(n, n)))
            .map(|c| {
                let mut v: Vec<usize> = c.into_iter().map(|n| steps[n]).collect();
                v.sort_unstable();
                v
            })
            .collect();
        cycles.sort();
        cycles
    }

    /// The step a node belongs to.
    pub fn step_of(&self, node: NodeIndex) -> Option<usize> {
        match self.graph.node_weight(node)? {
            Node::Entry => None,
            Node::Started(i) | Node::Completed(i) => Some(*i),
        }
    }
}
