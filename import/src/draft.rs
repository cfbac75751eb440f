//! Events in the making: what the readers produce before ids are given and
//! the child's events are put in order.

use duly_events::{Action, At, Event, Fact, Facts};
use jiff::civil::Date;
use std::collections::HashMap;

/// One event, before it has an id.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    pub at: Date,
    /// Events of an earlier group (an earlier CIN episode, an earlier
    /// episode of care) come first on the same day.
    pub group: usize,
    pub step: Option<&'static str>,
    pub action: Action,
    pub outcome: Option<&'static str>,
    pub facts: Facts,
    /// Names a `record` event in its id (`child`, `worker`).
    pub label: &'static str,
}

impl Draft {
    /// A `start`, `complete` or `cancel` of `step`.
    pub fn step(at: Date, group: usize, step: &'static str, action: Action) -> Self {
        Draft {
            at,
            group,
            step: Some(step),
            action,
            outcome: None,
            facts: Facts::new(),
            label: "",
        }
    }

    /// A `record` event carrying facts only.
    pub fn record(at: Date, group: usize, label: &'static str) -> Self {
        Draft {
            at,
            group,
            step: None,
            action: Action::Record,
            outcome: None,
            facts: Facts::new(),
            label,
        }
    }

    /// Sets the outcome (for `complete`).
    pub fn outcome(mut self, outcome: &'static str) -> Self {
        self.outcome = Some(outcome);
        self
    }

    /// Adds a text fact.
    pub fn fact(mut self, name: &str, value: impl Into<String>) -> Self {
        self.facts
            .insert(name.to_owned(), Some(Fact::Text(value.into())));
        self
    }

    /// Adds a fact of any kind, or says it is no longer known (`None`).
    pub fn fact_value(mut self, name: &str, value: Option<Fact>) -> Self {
        self.facts.insert(name.to_owned(), value);
        self
    }

    /// Adds a text fact if there is one.
    pub fn maybe_fact(self, name: &str, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(value) => self.fact(name, value),
            None => self,
        }
    }
}

/// Gives events ids derived from what they say, so that importing the same
/// return twice gives the same events, and the same real event imported from
/// two years' returns has the same id.
///
/// The id is `<source>:<child>:<date>:<step>.<action>` (or `:<label>` for a
/// `record`); a second event with the same id in one file gets `:2`, and so on.
#[derive(Debug)]
pub(crate) struct Ids {
    source: &'static str,
    seen: HashMap<String, u32>,
}

impl Ids {
    pub fn new(source: &'static str) -> Self {
        Ids {
            source,
            seen: HashMap::new(),
        }
    }

    fn make(&mut self, child: &str, draft: &Draft) -> String {
        let what = match draft.step {
            Some(step) => format!("{step}.{}", draft.action),
            None => draft.label.to_owned(),
        };
        let base = format!("{}:{child}:{}:{what}", self.source, draft.at);
        let count = self.seen.entry(base.clone()).or_insert(0);
        *count += 1;
        if *count == 1 {
            base
        } else {
            format!("{base}:{count}")
        }
    }

    /// Puts one child's drafts in order (by day, then group, then the order
    /// they were made in, which follows cause and effect) and makes events.
    pub fn finish(&mut self, child: &str, mut drafts: Vec<Draft>) -> Vec<Event> {
        drafts.sort_by_key(|d| (d.at, d.group));
        drafts
            .into_iter()
            .map(|draft| Event {
                id: self.make(child, &draft),
                case: child.to_owned(),
                at: At::Date(draft.at),
                step: draft.step.map(str::to_owned),
                action: draft.action,
                outcome: draft.outcome.map(str::to_owned),
                facts: draft.facts,
            })
            .collect()
    }
}
