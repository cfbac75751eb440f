//! The rule set compiled for replay: steps, outcomes and anchors as indexes,
//! so that replaying a case compares numbers, not strings.

use duly_calendar::Period;
use duly_dsl::model::{
    Anchor, Condition, DueRule, Effect, Milestone, Pick, RuleSet, Schedule, Trigger,
};
use std::collections::HashMap;
use std::sync::Arc;

/// A step's index in [`Plan::steps`].
pub(crate) type StepIx = u32;
/// A rule's index in [`Plan::rules`].
pub(crate) type RuleIx = u32;

/// What is wrong with a rule set the engine was given (the checker should
/// have refused it; this is the engine's own guard).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RulesError {
    /// What is wrong, in plain words.
    pub message: String,
}

fn rules_error(message: String) -> RulesError {
    RulesError { message }
}

/// The compiled rule set.
#[derive(Debug)]
pub(crate) struct Plan {
    pub rules: Arc<RuleSet>,
    pub steps: Vec<StepPlan>,
    pub by_id: HashMap<String, StepIx, crate::ingest::FastHash>,
    pub workflows: Vec<WorkflowPlan>,
    pub due_rules: Vec<RulePlan>,
    /// For each step, the recurring steps whose `until` names it, with the
    /// index of the matching `until` entry.
    pub until_watchers: Vec<Vec<(StepIx, usize)>>,
}

#[derive(Debug)]
pub(crate) struct WorkflowPlan {
    pub id: Arc<str>,
    pub version: Arc<str>,
    /// Index into `RuleSet::calendars`.
    pub calendar: usize,
    pub steps: Vec<StepIx>,
}

#[derive(Debug)]
pub(crate) struct StepPlan {
    pub id: Arc<str>,
    /// The title in running text: "strategy discussion".
    pub phrase: String,
    pub workflow: usize,
    pub outcomes: Vec<Arc<str>>,
    pub several: bool,
    pub schedule: SchedulePlan,
    pub on_start: Vec<ReactionPlan>,
    pub on_complete: Vec<ReactionPlan>,
    pub until: Vec<HappeningPlan>,
}

#[derive(Debug)]
pub(crate) enum SchedulePlan {
    None,
    Once(RuleIx),
    Repeats {
        first: RuleIx,
        second: Option<RuleIx>,
        then: Vec<(Option<CondPlan>, RuleIx)>,
    },
}

impl SchedulePlan {
    pub fn recurring(&self) -> bool {
        matches!(self, SchedulePlan::Repeats { .. })
    }
}

#[derive(Debug)]
pub(crate) struct RulePlan {
    pub period: Period,
    pub anchor: AnchorPlan,
    pub warn: Option<Period>,
    pub source: Option<Arc<str>>,
    pub local: bool,
    /// `file:line` of the rule.
    pub origin: Arc<str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AnchorPlan {
    Previous,
    Event {
        step: StepIx,
        milestone: Milestone,
        pick: Pick,
    },
}

#[derive(Debug)]
pub(crate) struct ReactionPlan {
    /// `Some(o)`: only on completion with outcome `o`.
    pub outcome: Option<u16>,
    pub condition: Option<CondPlan>,
    pub effect: EffectPlan,
}

#[derive(Debug)]
pub(crate) enum EffectPlan {
    Open(Vec<StepIx>),
    Close(Vec<StepIx>),
    CloseEverything,
    End,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HappeningPlan {
    pub step: StepIx,
    pub milestone: Milestone,
    pub outcome: Option<u16>,
}

/// A condition with its `within` anchors compiled.
#[derive(Debug)]
pub(crate) enum CondPlan {
    Compare(Condition),
    Within { period: Period, anchor: AnchorPlan },
    Not(Box<CondPlan>),
    All(Vec<CondPlan>),
    Any(Vec<CondPlan>),
}

impl Plan {
    pub fn new(rules: Arc<RuleSet>) -> Result<Plan, RulesError> {
        let mut by_id = HashMap::default();
        let mut step_workflow = Vec::new();
        for (w, workflow) in rules.workflows.iter().enumerate() {
            for step in &workflow.steps {
                let ix = step_workflow.len() as StepIx;
                if by_id.insert(step.id.clone(), ix).is_some() {
                    return Err(rules_error(format!("step `{}` is declared twice", step.id)));
                }
                step_workflow.push(w);
            }
        }
        // Events keep step and outcome indexes in 16 and 8 bits.
        if step_workflow.len() >= usize::from(u16::MAX) {
            return Err(rules_error(format!(
                "{} steps are more than the engine can hold",
                step_workflow.len()
            )));
        }
        let outcomes = rules
            .workflows
            .iter()
            .flat_map(|w| &w.steps)
            .map(|s| s.outcomes.len())
            .max();
        if outcomes.is_some_and(|n| n >= usize::from(u8::MAX)) {
            return Err(rules_error(
                "a step has more outcomes than the engine can hold (254)".into(),
            ));
        }
        let mut plan = Plan {
            rules: rules.clone(),
            steps: Vec::new(),
            by_id,
            workflows: Vec::new(),
            due_rules: Vec::new(),
            until_watchers: vec![Vec::new(); step_workflow.len()],
        };
        for workflow in &rules.workflows {
            let calendar = rules
                .calendars
                .iter()
                .position(|c| c.id == workflow.calendar)
                .ok_or_else(|| {
                    rules_error(format!(
                        "workflow `{}` counts on unknown calendar `{}`",
                        workflow.id, workflow.calendar
                    ))
                })?;
            let steps = workflow
                .steps
                .iter()
                .filter_map(|s| plan.by_id.get(&s.id).copied())
                .collect();
            plan.workflows.push(WorkflowPlan {
                id: workflow.id.as_str().into(),
                version: workflow.version.as_str().into(),
                calendar,
                steps,
            });
        }
        for (w, workflow) in rules.workflows.iter().enumerate() {
            for step in &workflow.steps {
                let schedule = match &step.schedule {
                    Schedule::None => SchedulePlan::None,
                    Schedule::Once(rule) => SchedulePlan::Once(plan.add_rule(rule)?),
                    Schedule::Repeats(rec) => {
                        let first = plan.add_rule(&rec.first)?;
                        let second = rec.second.as_ref().map(|r| plan.add_rule(r)).transpose()?;
                        let mut then = Vec::new();
                        for cadence in &rec.then {
                            let guard = cadence
                                .guard
                                .as_ref()
                                .map(|g| plan.condition(g))
                                .transpose()?;
                            then.push((guard, plan.add_rule(&cadence.rule)?));
                        }
                        SchedulePlan::Repeats {
                            first,
                            second,
                            then,
                        }
                    }
                };
                let outcome_of = |name: &str| -> Result<u16, RulesError> {
                    step.outcomes
                        .iter()
                        .position(|o| o == name)
                        .map(|o| o as u16)
                        .ok_or_else(|| {
                            rules_error(format!("step `{}` has no outcome `{name}`", step.id))
                        })
                };
                let mut on_start = Vec::new();
                let mut on_complete = Vec::new();
                for reaction in &step.reactions {
                    let effect = match &reaction.effect {
                        Effect::Open(ids) => EffectPlan::Open(plan.step_list(ids)?),
                        Effect::Close(ids) => EffectPlan::Close(plan.step_list(ids)?),
                        Effect::CloseEverything => EffectPlan::CloseEverything,
                        Effect::End => EffectPlan::End,
                    };
                    let condition = reaction
                        .condition
                        .as_ref()
                        .map(|c| plan.condition(c))
                        .transpose()?;
                    match &reaction.trigger {
                        Trigger::Start => on_start.push(ReactionPlan {
                            outcome: None,
                            condition,
                            effect,
                        }),
                        Trigger::Complete => on_complete.push(ReactionPlan {
                            outcome: None,
                            condition,
                            effect,
                        }),
                        Trigger::Outcome(name) => on_complete.push(ReactionPlan {
                            outcome: Some(outcome_of(name)?),
                            condition,
                            effect,
                        }),
                    }
                }
                let mut until = Vec::new();
                if let Schedule::Repeats(rec) = &step.schedule {
                    for happening in &rec.until {
                        let watched = plan.step_ix(&happening.step)?;
                        let outcome = match &happening.outcome {
                            None => None,
                            Some(name) => {
                                let (_, other) = rules.step(&happening.step).ok_or_else(|| {
                                    rules_error(format!("unknown step `{}`", happening.step))
                                })?;
                                Some(other.outcomes.iter().position(|o| o == name).ok_or_else(
                                    || {
                                        rules_error(format!(
                                            "step `{}` has no outcome `{name}`",
                                            other.id
                                        ))
                                    },
                                )? as u16)
                            }
                        };
                        until.push(HappeningPlan {
                            step: watched,
                            milestone: happening.milestone,
                            outcome,
                        });
                    }
                }
                let ix = plan.steps.len() as StepIx;
                for (u, happening) in until.iter().enumerate() {
                    plan.until_watchers[happening.step as usize].push((ix, u));
                }
                plan.steps.push(StepPlan {
                    id: step.id.as_str().into(),
                    phrase: phrase(&step.title),
                    workflow: w,
                    outcomes: step
                        .outcomes
                        .iter()
                        .map(|o| Arc::from(o.as_str()))
                        .collect(),
                    several: step.several_may_be_open,
                    schedule,
                    on_start,
                    on_complete,
                    until,
                });
            }
        }
        Ok(plan)
    }

    pub fn step_ix(&self, id: &str) -> Result<StepIx, RulesError> {
        self.by_id
            .get(id)
            .copied()
            .ok_or_else(|| rules_error(format!("unknown step `{id}`")))
    }

    fn step_list(&self, ids: &[String]) -> Result<Vec<StepIx>, RulesError> {
        ids.iter().map(|id| self.step_ix(id)).collect()
    }

    fn anchor(&self, anchor: &Anchor) -> Result<AnchorPlan, RulesError> {
        Ok(match anchor {
            Anchor::Previous => AnchorPlan::Previous,
            Anchor::Event {
                step,
                milestone,
                pick,
            } => AnchorPlan::Event {
                step: self.step_ix(step)?,
                milestone: *milestone,
                pick: *pick,
            },
        })
    }

    fn add_rule(&mut self, rule: &DueRule) -> Result<RuleIx, RulesError> {
        let anchor = self.anchor(&rule.anchor)?;
        let ix = self.due_rules.len() as RuleIx;
        self.due_rules.push(RulePlan {
            period: rule.period,
            anchor,
            warn: rule.warn,
            source: rule.source.as_ref().map(|s| Arc::from(s.text.as_str())),
            local: rule.source.as_ref().is_some_and(|s| s.local),
            origin: format!("{}:{}", rule.origin.file, rule.origin.line).into(),
        });
        Ok(ix)
    }

    fn condition(&self, condition: &Condition) -> Result<CondPlan, RulesError> {
        Ok(match condition {
            Condition::Compare { .. } => CondPlan::Compare(condition.clone()),
            Condition::Within { period, anchor } => CondPlan::Within {
                period: *period,
                anchor: self.anchor(anchor)?,
            },
            Condition::Not(inner) => CondPlan::Not(Box::new(self.condition(inner)?)),
            Condition::All(all) => CondPlan::All(
                all.iter()
                    .map(|c| self.condition(c))
                    .collect::<Result<_, _>>()?,
            ),
            Condition::Any(any) => CondPlan::Any(
                any.iter()
                    .map(|c| self.condition(c))
                    .collect::<Result<_, _>>()?,
            ),
        })
    }
}

/// A title as it reads inside a sentence: "Strategy discussion" becomes
/// "strategy discussion"; an acronym ("ICPC review") keeps its capitals.
fn phrase(title: &str) -> String {
    let mut words = title.split(' ');
    let Some(first) = words.next() else {
        return String::new();
    };
    let second_upper = first.chars().nth(1).is_some_and(char::is_uppercase);
    let mut out = if second_upper {
        first.to_owned()
    } else {
        first.to_lowercase()
    };
    for word in words {
        out.push(' ');
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::phrase;

    #[test]
    fn titles_read_in_running_text() {
        assert_eq!(phrase("Strategy discussion"), "strategy discussion");
        assert_eq!(phrase("ICPC"), "ICPC");
        assert_eq!(
            phrase("Looked-after child review"),
            "looked-after child review"
        );
    }
}
