//! Replaying one child's events: occurrences, episodes, reactions, and the
//! deadlines they carry. See the crate documentation for the semantics.

use crate::Engine;
use crate::ingest::{CaseEvent, FactChange, Value as FactValue};
use crate::plan::{AnchorPlan, CondPlan, EffectPlan, RuleIx, SchedulePlan, StepIx};
use crate::plugin::{
    ActionRecord, CaseView, EventView, HistorySummary, Hook, HookError, NextDaily, OccurrenceTimes,
    PluginAction,
};
use crate::reckon::{Due, Worked};
use crate::state::{
    AsOf, CaseState, Cause, Deadline, Episode, EventId, FactChanged, Lateness, MilestoneName,
    Occurrence, OpenStep, Status,
};
use duly_calendar::{Period, start_of_day};
use duly_dsl::model::{CompareOp, Condition, Milestone, Pick, Value};
use duly_events::{Action, At, EventError};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::Offset;
use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write as _;
use std::sync::Arc;

/// Reactions set off by one event, at most: a guard against a rule set that
/// loops (the checker refuses loops; the engine never hangs all the same).
const MAX_REACTIONS_PER_EVENT: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CauseIx {
    Event(u32),
    Reaction { occ: u32, milestone: Milestone },
    Previous(u32),
    Plugin(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Closer {
    Event(u32),
    Reaction { occ: u32, milestone: Milestone },
    Until(StepIx, Milestone),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Series {
    None,
    Running { root: u32 },
    Stopped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opening {
    /// By a `start` event or a reaction: a recurring step starts a new series.
    Fresh,
    /// By a `complete` with nothing open.
    OnTheFly,
    /// The next of a series, at the previous one's completion.
    Next { previous: u32 },
    /// A plugin's `require`: no reactions, its own deadline.
    Required(u32),
}

#[derive(Debug, Clone)]
struct Occ {
    step: StepIx,
    number: u32,
    opened: At,
    /// The event during which it opened.
    opened_during: u32,
    start: Option<(At, u32)>,
    cause: CauseIx,
    completed: Option<(At, Option<u16>, u32)>,
    closed: Option<(At, Closer)>,
    episode: u32,
    /// Position in its series, from 1 (1 for a step that does not recur).
    position: u32,
    previous: Option<u32>,
    root: u32,
    rule: Option<RuleIx>,
    required: Option<u32>,
    /// The deadline as it stood when it passed, kept when a later start
    /// event moves the anchor: a breach is never erased.
    frozen: Option<Box<Resolved>>,
    warned: bool,
    breached: bool,
    /// When its deadline warns and falls, remembered with the anchor they
    /// were counted from (the anchor moves only when a start event moves
    /// it): replay time is checked against them after every event.
    moments: std::cell::Cell<Option<(At, Due, Option<Due>)>>,
}

impl Occ {
    fn is_open(&self) -> bool {
        self.completed.is_none() && self.closed.is_none()
    }

    fn started(&self) -> &At {
        self.start
            .as_ref()
            .map(|(at, _)| at)
            .unwrap_or(&self.opened)
    }
}

struct Ep {
    workflow: usize,
    number: u32,
    started: At,
    ended: Option<At>,
}

/// When a plugin's daily hook runs for this case.
#[derive(Debug, Clone, Copy, Default)]
struct Daily {
    /// The day it is next called at the end of; `None` until an event.
    next: Option<Date>,
    /// The last day it was called.
    last: Option<Date>,
    /// Whether `next` is the day the hook asked for: events before it do
    /// not call it.
    asked: bool,
}

struct Requirement {
    plugin: usize,
    period: Period,
    at: Timestamp,
}

#[derive(Clone, Copy)]
enum Pending {
    Start(u32),
    Complete(u32),
}

/// Where a deadline counts from.
struct Hit {
    occ: u32,
    milestone: Milestone,
    at: At,
    how: How,
}

#[derive(PartialEq, Eq)]
enum How {
    Chain,
    Fallback,
    First,
    Latest,
    Previous,
}

/// When a deadline falls and warns, and where it counts from (`None` for a
/// plugin's requirement, or a deadline kept as it stood).
struct Reckoned {
    worked: Arc<Worked>,
    warn_from: Option<Due>,
    hit: Option<Hit>,
}

/// A deadline worked out, before judging its status.
#[derive(Debug, Clone)]
struct Resolved {
    reckoning: Arc<Worked>,
    calendar: usize,
    warn_from: Option<Due>,
    explanation: String,
    source: Option<Arc<str>>,
    local: bool,
    rule: Arc<str>,
    anchor_event: Option<EventId>,
}

/// The replay of one case.
pub(crate) struct Replay<'a> {
    engine: &'a Engine,
    pub(crate) case: &'a str,
    events: &'a [CaseEvent],
    pub(crate) facts: BTreeMap<Arc<str>, FactValue>,
    occs: Vec<Occ>,
    by_step: Vec<Vec<u32>>,
    open: Vec<Vec<u32>>,
    series: Vec<Series>,
    episodes: Vec<Ep>,
    current: Vec<Option<u32>>,
    open_count: Vec<u32>,
    /// For each step, the occurrences whose deadline counts from its start.
    start_dependents: Vec<Vec<u32>>,
    happened: Vec<(StepIx, Milestone, Option<u16>)>,
    queue: VecDeque<Pending>,
    notes: Vec<String>,
    worker_changes: Vec<Date>,
    fact_changes: Vec<FactChanged>,
    actions: Vec<ActionRecord>,
    hook_errors: Vec<HookError>,
    requirements: Vec<Requirement>,
    clock: Timestamp,
    /// Per plugin, when its daily hook is next called.
    daily: Vec<Daily>,
    /// The facts the event being applied changed, by index in its facts.
    changed_facts: Vec<usize>,
    now: At,
    event_ix: u32,
}

/// Replays `events` (checked, ordered, without repeats) up to `as_of`.
pub(crate) fn replay(
    engine: &Engine,
    case: &str,
    events: &[CaseEvent],
    keys: &[Timestamp],
    errors: Vec<EventError>,
    as_of: AsOf,
) -> CaseState {
    let steps = engine.plan.steps.len();
    let workflows = engine.plan.workflows.len();
    let first = events.first().map(|e| e.at).unwrap_or(At::Date(as_of.date));
    let mut replay = Replay {
        engine,
        case,
        events,
        facts: BTreeMap::new(),
        occs: Vec::new(),
        by_step: vec![Vec::new(); steps],
        open: vec![Vec::new(); steps],
        series: vec![Series::None; steps],
        episodes: Vec::new(),
        current: vec![None; workflows],
        open_count: vec![0; workflows],
        start_dependents: vec![Vec::new(); steps],
        happened: Vec::new(),
        queue: VecDeque::new(),
        notes: Vec::new(),
        worker_changes: Vec::new(),
        fact_changes: Vec::new(),
        actions: Vec::new(),
        hook_errors: Vec::new(),
        requirements: Vec::new(),
        clock: first
            .start_instant()
            .checked_sub(jiff::SignedDuration::from_nanos(1))
            .unwrap_or(Timestamp::MIN),
        daily: vec![Daily::default(); engine.plugins.len()],
        changed_facts: Vec::new(),
        now: first,
        event_ix: 0,
    };
    let mut next_event = None;
    for (i, &key) in keys.iter().take(events.len()).enumerate() {
        if key > as_of.instant {
            next_event = Some(key);
            break;
        }
        replay.advance(key);
        replay.apply(i as u32);
        replay.hook_event(i as u32);
    }
    replay.advance(as_of.instant);
    let mut state = replay.finish(as_of, errors);
    state.unchanged_until = unchanged_until(as_of, next_event, &state.deadlines);
    state
}

/// The first moment after `as_of` at which replaying the same events could
/// give a different state: the next event not yet counted, the end of the
/// as-of day (daily hooks run then; a day later, every day-based status,
/// warning and count of working days late may change), and within the day
/// the instants of hour-based deadlines still open: the warning, the due
/// moment and each further whole hour late. Plugin hooks run only at these
/// moments, so what they say changes only then too.
fn unchanged_until(
    as_of: AsOf,
    next_event: Option<Timestamp>,
    deadlines: &[Deadline],
) -> Timestamp {
    let end = end_of_day(as_of.date);
    let mut until = if as_of.instant < end {
        end
    } else {
        end.checked_add(jiff::SignedDuration::from_nanos(1))
            .unwrap_or(end)
    };
    let mut consider = |moment: Timestamp| {
        if moment > as_of.instant && moment < until {
            until = moment;
        }
    };
    if let Some(key) = next_event {
        consider(key);
    }
    for deadline in deadlines {
        let Due::Instant(due) = deadline.due else {
            continue;
        };
        if deadline.completed.is_some() || deadline.closed.is_some() {
            continue;
        }
        if let Some(Due::Instant(warn)) = deadline.warn_from {
            consider(warn);
        }
        let passes = deadline.due.passes_at();
        consider(passes);
        if let Some(Lateness::Hours(hours)) = deadline.late {
            consider(
                due.saturating_add(jiff::SignedDuration::from_hours(hours + 1))
                    .unwrap_or(Timestamp::MAX),
            );
        }
    }
    until
}

impl<'a> Replay<'a> {
    fn apply(&mut self, i: u32) {
        let event = &self.events[i as usize];
        self.event_ix = i;
        self.now = event.at;
        self.happened.clear();
        self.changed_facts.clear();
        let listen = !self.engine.plugins.is_empty();
        if let Some(facts) = &event.facts {
            for (index, FactChange { name, value }) in facts.iter().enumerate() {
                if &**name == "worker" {
                    let before = self.facts.get("worker");
                    if before.is_some() && before != value.as_ref() {
                        self.worker_changes.push(event.at.local_date());
                    }
                }
                let changed = match value {
                    Some(value) => match self.facts.get_mut(&**name) {
                        Some(known) if known == value => false,
                        Some(known) => {
                            *known = value.clone();
                            true
                        }
                        None => {
                            self.facts.insert(name.clone(), value.clone());
                            true
                        }
                    },
                    None => self.facts.remove(&**name).is_some(),
                };
                if changed {
                    self.fact_changes.push(FactChanged {
                        at: event.at,
                        name: name.clone(),
                        value: value.as_ref().map(FactValue::to_fact),
                    });
                }
                if changed && listen {
                    self.changed_facts.push(index);
                }
            }
        }
        let at = event.at;
        match (event.action, event.step()) {
            (Action::Record, _) | (_, None) => {}
            (Action::Start, Some(step)) => {
                let waiting = self.open[step as usize]
                    .iter()
                    .copied()
                    .find(|&o| self.occs[o as usize].start.is_none());
                match waiting {
                    Some(o) => {
                        self.freeze_passed(step, &at);
                        self.occs[o as usize].start = Some((at, i));
                    }
                    None => {
                        let o = self.open_occ(step, CauseIx::Event(i), Opening::Fresh);
                        self.occs[o as usize].start = Some((at, i));
                    }
                }
            }
            (Action::Complete, Some(step)) => {
                let o = match self.open[step as usize].first() {
                    Some(&o) => o,
                    None => self.open_occ(step, CauseIx::Event(i), Opening::OnTheFly),
                };
                let o_ = &mut self.occs[o as usize];
                o_.completed = Some((at, event.outcome(), i));
                self.unlist(o);
                self.happened
                    .push((step, Milestone::Completed, event.outcome()));
                self.queue.push_back(Pending::Complete(o));
            }
            (Action::Cancel, Some(step)) => {
                match self.open[step as usize].first() {
                    Some(&o) => self.close(o, Closer::Event(i)),
                    None => self.notes.push(format!(
                        "event `{}` cancels `{}`, which had nothing open",
                        event.id, self.engine.plan.steps[step as usize].id
                    )),
                }
                if self.engine.plan.steps[step as usize].schedule.recurring() {
                    self.series[step as usize] = Series::Stopped;
                }
            }
        }
        self.drain();
        self.after_event();
    }

    /// Opens an occurrence of `step` now.
    fn open_occ(&mut self, step: StepIx, cause: CauseIx, opening: Opening) -> u32 {
        let plan = &self.engine.plan;
        let s = step as usize;
        let workflow = plan.steps[s].workflow;
        let episode = match self.current[workflow] {
            Some(e) => e,
            None => {
                let number = self
                    .episodes
                    .iter()
                    .filter(|e| e.workflow == workflow)
                    .count() as u32
                    + 1;
                self.episodes.push(Ep {
                    workflow,
                    number,
                    started: self.now,
                    ended: None,
                });
                let e = (self.episodes.len() - 1) as u32;
                self.current[workflow] = Some(e);
                e
            }
        };
        let o = self.occs.len() as u32;
        let recurring = plan.steps[s].schedule.recurring();
        let (position, previous, root, required) = match opening {
            Opening::Next { previous } => {
                let p = &self.occs[previous as usize];
                (p.position + 1, Some(previous), p.root, None)
            }
            Opening::Required(q) => (1, None, o, Some(q)),
            Opening::Fresh => {
                if recurring {
                    self.series[s] = Series::Running { root: o };
                }
                (1, None, o, None)
            }
            Opening::OnTheFly => {
                if recurring && self.series[s] != Series::Stopped {
                    self.series[s] = Series::Running { root: o };
                }
                (1, None, o, None)
            }
        };
        let rule = match (&plan.steps[s].schedule, required) {
            (_, Some(_)) | (SchedulePlan::None, _) => None,
            (SchedulePlan::Once(rule), _) => Some(*rule),
            (
                SchedulePlan::Repeats {
                    first,
                    second,
                    then,
                },
                _,
            ) => match (position, second) {
                (1, _) => Some(*first),
                (2, Some(second)) => Some(*second),
                _ => {
                    let context = previous.unwrap_or(o);
                    let at = self.now;
                    then.iter()
                        .find(|(guard, _)| {
                            guard.as_ref().is_none_or(|g| self.holds(g, context, &at))
                        })
                        .map(|(_, rule)| *rule)
                }
            },
        };
        self.occs.push(Occ {
            step,
            number: self.by_step[s].len() as u32 + 1,
            opened: self.now,
            opened_during: self.event_ix,
            start: None,
            cause,
            completed: None,
            closed: None,
            episode,
            position,
            previous,
            root,
            rule,
            required,
            frozen: None,
            warned: false,
            breached: false,
            moments: std::cell::Cell::new(None),
        });
        if let Some(rule) = rule
            && let AnchorPlan::Event {
                step: anchor,
                milestone: Milestone::Started,
                ..
            } = plan.due_rules[rule as usize].anchor
        {
            self.start_dependents[anchor as usize].push(o);
        }
        self.by_step[s].push(o);
        self.open[s].push(o);
        self.open_count[workflow] += 1;
        self.happened.push((step, Milestone::Started, None));
        if required.is_none() {
            self.queue.push_back(Pending::Start(o));
        }
        o
    }

    /// Before a start event moves the start of an occurrence of `step`,
    /// keeps the deadlines counted from such a start that have already
    /// passed: a breach is never erased.
    fn freeze_passed(&mut self, step: StepIx, at: &At) {
        let now = at.start_instant();
        let dependents = std::mem::take(&mut self.start_dependents[step as usize]);
        for &o in &dependents {
            if self.occs[o as usize].frozen.is_some() {
                continue;
            }
            if let Ok(resolved) = self.resolve(o)
                && resolved.reckoning.due.passed(now)
            {
                self.occs[o as usize].frozen = Some(Box::new(resolved));
            }
        }
        self.start_dependents[step as usize] = dependents;
    }

    /// Takes a finished occurrence off the open lists.
    fn unlist(&mut self, o: u32) {
        let step = self.occs[o as usize].step as usize;
        if let Some(pos) = self.open[step].iter().position(|&x| x == o) {
            self.open[step].remove(pos);
            let workflow = self.engine.plan.steps[step].workflow;
            self.open_count[workflow] = self.open_count[workflow].saturating_sub(1);
        }
    }

    fn close(&mut self, o: u32, by: Closer) {
        if !self.occs[o as usize].is_open() {
            return;
        }
        self.occs[o as usize].closed = Some((self.now, by));
        self.unlist(o);
    }

    fn close_step(&mut self, step: StepIx, by: Closer) {
        while let Some(&o) = self.open[step as usize].first() {
            self.close(o, by);
        }
        if self.engine.plan.steps[step as usize].schedule.recurring() {
            self.series[step as usize] = Series::Stopped;
        }
    }

    /// Runs the reactions set off so far, and what they set off in turn.
    fn drain(&mut self) {
        let plan = &self.engine.plan;
        let mut count = 0;
        while let Some(pending) = self.queue.pop_front() {
            count += 1;
            if count > MAX_REACTIONS_PER_EVENT {
                self.queue.clear();
                let event = &self.events[self.event_ix as usize];
                self.notes.push(format!(
                    "event `{}` set off too many reactions; the rest were not applied",
                    event.id
                ));
                return;
            }
            let (o, milestone) = match pending {
                Pending::Start(o) => (o, Milestone::Started),
                Pending::Complete(o) => (o, Milestone::Completed),
            };
            let step = self.occs[o as usize].step as usize;
            let outcome = self.occs[o as usize]
                .completed
                .and_then(|(_, outcome, _)| outcome);
            let reactions = match milestone {
                Milestone::Started => &plan.steps[step].on_start,
                Milestone::Completed => &plan.steps[step].on_complete,
            };
            let at = self.now;
            for reaction in reactions {
                if reaction.outcome.is_some() && reaction.outcome != outcome {
                    continue;
                }
                if let Some(condition) = &reaction.condition
                    && !self.holds(condition, o, &at)
                {
                    continue;
                }
                let by = Closer::Reaction { occ: o, milestone };
                match &reaction.effect {
                    EffectPlan::Open(targets) => {
                        for &target in targets {
                            let t = target as usize;
                            if !plan.steps[t].several && !self.open[t].is_empty() {
                                continue;
                            }
                            self.open_occ(
                                target,
                                CauseIx::Reaction { occ: o, milestone },
                                Opening::Fresh,
                            );
                        }
                    }
                    EffectPlan::Close(targets) => {
                        for &target in targets {
                            self.close_step(target, by);
                        }
                    }
                    EffectPlan::CloseEverything => {
                        let workflow = plan.steps[step].workflow;
                        for &target in &plan.workflows[workflow].steps {
                            self.close_step(target, by);
                        }
                    }
                    EffectPlan::End => {}
                }
            }
            if milestone == Milestone::Completed && plan.steps[step].schedule.recurring() {
                let own_until = plan.steps[step].until.iter().any(|u| {
                    u.step as usize == step
                        && u.milestone == Milestone::Completed
                        && (u.outcome.is_none() || u.outcome == outcome)
                });
                let root = self.occs[o as usize].root;
                if own_until {
                    self.series[step] = Series::Stopped;
                } else if self.series[step] == (Series::Running { root }) {
                    self.open_occ(
                        step as StepIx,
                        CauseIx::Previous(o),
                        Opening::Next { previous: o },
                    );
                }
            }
        }
    }

    /// After each event: `until` closes series; an episode with nothing open ends.
    fn after_event(&mut self) {
        let plan = &self.engine.plan;
        let happened = std::mem::take(&mut self.happened);
        for &(step, milestone, outcome) in &happened {
            for &(recurring, u) in &plan.until_watchers[step as usize] {
                let until = plan.steps[recurring as usize].until[u];
                if until.milestone == milestone
                    && (until.outcome.is_none() || until.outcome == outcome)
                {
                    self.close_step(recurring, Closer::Until(step, milestone));
                }
            }
        }
        self.happened = happened;
        for workflow in 0..self.current.len() {
            if self.open_count[workflow] == 0
                && let Some(e) = self.current[workflow].take()
            {
                self.episodes[e as usize].ended = Some(self.now);
            }
        }
    }

    /// Whether a condition holds for occurrence `context` at `at`, with the
    /// facts as they are now. A condition on an unknown fact is false.
    fn holds(&self, condition: &CondPlan, context: u32, at: &At) -> bool {
        match condition {
            CondPlan::Not(inner) => !self.holds(inner, context, at),
            CondPlan::All(all) => all.iter().all(|c| self.holds(c, context, at)),
            CondPlan::Any(any) => any.iter().any(|c| self.holds(c, context, at)),
            CondPlan::Within { period, anchor } => {
                let Some(hit) = self.anchor(context, *anchor) else {
                    return false;
                };
                let calendar = self.calendar_of(context);
                self.engine
                    .reckoner
                    .due(calendar, &hit.at, *period)
                    .is_some_and(|r| r.due.met_by(at))
            }
            CondPlan::Compare(Condition::Compare { fact, op, value }) => {
                if fact == "age" {
                    return match self.age_on(at.local_date()) {
                        Some(age) => compare_numbers(age as f64, *op, value),
                        None => false,
                    };
                }
                match self.facts.get(fact.as_str()) {
                    Some(known) => compare(known, *op, value),
                    None => false,
                }
            }
            CondPlan::Compare(_) => false,
        }
    }

    /// Whole years from `date_of_birth` to `day`.
    pub(crate) fn age_on(&self, day: Date) -> Option<i64> {
        let FactValue::Text(born) = self.facts.get("date_of_birth")? else {
            return None;
        };
        let born: Date = born.parse().ok()?;
        let mut years = i64::from(day.year()) - i64::from(born.year());
        if (day.month(), day.day()) < (born.month(), born.day()) {
            years -= 1;
        }
        (years >= 0).then_some(years)
    }

    fn calendar_of(&self, o: u32) -> usize {
        let step = self.occs[o as usize].step as usize;
        let workflow = self.engine.plan.steps[step].workflow;
        self.engine.plan.workflows[workflow].calendar
    }

    fn milestone_at(&self, o: u32, milestone: Milestone) -> Option<At> {
        let occ = &self.occs[o as usize];
        match milestone {
            Milestone::Started => Some(*occ.started()),
            Milestone::Completed => occ.completed.map(|(at, _, _)| at),
        }
    }

    /// The event by which occurrence `o` reached `milestone` (its opening
    /// event, for a start that no start event recorded).
    fn milestone_event(&self, o: u32, milestone: Milestone) -> u32 {
        let occ = &self.occs[o as usize];
        match milestone {
            Milestone::Started => occ.start.map_or(occ.opened_during, |(_, e)| e),
            Milestone::Completed => occ.completed.map_or(u32::MAX, |(_, _, e)| e),
        }
    }

    /// Where occurrence `o`'s timescale counts from.
    fn anchor(&self, o: u32, anchor: AnchorPlan) -> Option<Hit> {
        let occ = &self.occs[o as usize];
        match anchor {
            AnchorPlan::Previous => {
                let previous = occ.previous?;
                let at = self.milestone_at(previous, Milestone::Completed)?;
                Some(Hit {
                    occ: previous,
                    milestone: Milestone::Completed,
                    at,
                    how: How::Previous,
                })
            }
            AnchorPlan::Event {
                step,
                milestone,
                pick,
            } => match pick {
                Pick::LedHere => {
                    let mut cursor = Some(o);
                    let mut guard = 0;
                    while let Some(c) = cursor {
                        guard += 1;
                        if guard > 10_000 {
                            break;
                        }
                        let here = &self.occs[c as usize];
                        if here.step == step
                            && let Some(at) = self.milestone_at(c, milestone)
                        {
                            return Some(Hit {
                                occ: c,
                                milestone,
                                at,
                                how: How::Chain,
                            });
                        }
                        cursor = match here.cause {
                            CauseIx::Event(_) | CauseIx::Plugin(_) => None,
                            CauseIx::Reaction { occ, .. } => Some(occ),
                            CauseIx::Previous(p) => {
                                if self.occs[p as usize].step == step {
                                    Some(p)
                                } else {
                                    let root = self.occs[p as usize].root;
                                    match self.occs[root as usize].cause {
                                        CauseIx::Reaction { occ, .. } => Some(occ),
                                        _ => None,
                                    }
                                }
                            }
                        };
                    }
                    self.latest_before(o, step, milestone).map(|mut hit| {
                        hit.how = How::Fallback;
                        hit
                    })
                }
                Pick::Latest => self.latest_before(o, step, milestone),
                Pick::First => {
                    let same_workflow = self.same_workflow(o, step);
                    let list = &self.by_step[step as usize];
                    let end = list.partition_point(|&x| x <= o);
                    list[..end]
                        .iter()
                        .copied()
                        .filter(|&c| !same_workflow || self.occs[c as usize].episode == occ.episode)
                        .find_map(|c| {
                            self.milestone_at(c, milestone).map(|at| Hit {
                                occ: c,
                                milestone,
                                at,
                                how: How::First,
                            })
                        })
                }
            },
        }
    }

    fn same_workflow(&self, o: u32, step: StepIx) -> bool {
        let steps = &self.engine.plan.steps;
        steps[self.occs[o as usize].step as usize].workflow == steps[step as usize].workflow
    }

    /// The latest occurrence of `step` in `o`'s episode that reached
    /// `milestone` no later than `o` opened.
    fn latest_before(&self, o: u32, step: StepIx, milestone: Milestone) -> Option<Hit> {
        let occ = &self.occs[o as usize];
        let same_workflow = self.same_workflow(o, step);
        let list = &self.by_step[step as usize];
        let end = list.partition_point(|&x| x <= o);
        for &c in list[..end].iter().rev() {
            if same_workflow && self.occs[c as usize].episode != occ.episode {
                break;
            }
            // Events apply one by one in order, so "no later than `o`
            // opened" is "by an event no later than the one that opened
            // it": an event at the same moment but after it does not count.
            if let Some(at) = self.milestone_at(c, milestone)
                && (c == o || self.milestone_event(c, milestone) <= occ.opened_during)
            {
                return Some(Hit {
                    occ: c,
                    milestone,
                    at,
                    how: How::Latest,
                });
            }
        }
        None
    }

    /// When occurrence `o` is due and warned, remembered while its anchor
    /// stays where it was.
    fn moments(&self, o: u32) -> Option<(Due, Option<Due>)> {
        let occ = &self.occs[o as usize];
        if let Some(frozen) = &occ.frozen {
            return Some((frozen.reckoning.due, frozen.warn_from));
        }
        // A requirement counts from a fixed moment; a rule from its anchor.
        let (anchor, period, warn) = match (occ.required, occ.rule) {
            (Some(q), _) => {
                let requirement = &self.requirements[q as usize];
                let at = At::Instant {
                    timestamp: requirement.at,
                    offset: Offset::UTC,
                };
                (at, requirement.period, None)
            }
            (None, Some(rule)) => {
                let rule = &self.engine.plan.due_rules[rule as usize];
                (self.anchor(o, rule.anchor)?.at, rule.period, rule.warn)
            }
            (None, None) => return None,
        };
        if let Some((known, due, warn)) = occ.moments.get()
            && known == anchor
        {
            return Some((due, warn));
        }
        let calendar = self.calendar_of(o);
        let reckoner = &self.engine.reckoner;
        let due = reckoner.due_moment(calendar, &anchor, period)?;
        let warn_from = warn.and_then(|w| reckoner.warn_from(calendar, due, w));
        occ.moments.set(Some((anchor, due, warn_from)));
        Some((due, warn_from))
    }

    /// Works out when occurrence `o` is due and warned, without the words:
    /// what the hooks need to know when replay time passes them.
    fn reckon(&self, o: u32) -> Result<Reckoned, Option<String>> {
        let plan = &self.engine.plan;
        let occ = &self.occs[o as usize];
        if let Some(frozen) = &occ.frozen {
            return Ok(Reckoned {
                worked: frozen.reckoning.clone(),
                warn_from: frozen.warn_from,
                hit: None,
            });
        }
        let step = &plan.steps[occ.step as usize];
        let calendar = self.calendar_of(o);
        let uncountable = || {
            Some(format!(
                "no deadline for `{}` occurrence {}: the calendar could not count it",
                step.id, occ.number
            ))
        };
        if let Some(q) = occ.required {
            let requirement = &self.requirements[q as usize];
            let at = At::Instant {
                timestamp: requirement.at,
                offset: Offset::UTC,
            };
            let worked = self
                .engine
                .reckoner
                .due(calendar, &at, requirement.period)
                .ok_or_else(uncountable)?;
            return Ok(Reckoned {
                worked,
                warn_from: None,
                hit: None,
            });
        }
        let Some(rule_ix) = occ.rule else {
            return match step.schedule {
                SchedulePlan::None => Err(None),
                _ => Err(Some(format!(
                    "no deadline for `{}` occurrence {}: no timescale of the step applies",
                    step.id, occ.number
                ))),
            };
        };
        let rule = &plan.due_rules[rule_ix as usize];
        let Some(hit) = self.anchor(o, rule.anchor) else {
            let missing = match rule.anchor {
                AnchorPlan::Previous => format!("the previous `{}` completed", step.id),
                AnchorPlan::Event {
                    step: anchor,
                    milestone,
                    ..
                } => format!(
                    "`{}` {}",
                    plan.steps[anchor as usize].id,
                    milestone_word(milestone)
                ),
            };
            return Err(Some(format!(
                "no deadline for `{}` occurrence {}: no {missing} to count from",
                step.id, occ.number
            )));
        };
        let worked = self
            .engine
            .reckoner
            .due(calendar, &hit.at, rule.period)
            .ok_or_else(uncountable)?;
        let warn_from = rule
            .warn
            .and_then(|w| self.engine.reckoner.warn_from(calendar, worked.due, w));
        Ok(Reckoned {
            worked,
            warn_from,
            hit: Some(hit),
        })
    }

    /// Works out occurrence `o`'s deadline, or says why it has none
    /// (`Err(Some(note))`; `Err(None)` for a step with no timescale).
    fn resolve(&self, o: u32) -> Result<Resolved, Option<String>> {
        let plan = &self.engine.plan;
        let occ = &self.occs[o as usize];
        if let Some(frozen) = &occ.frozen {
            return Ok((**frozen).clone());
        }
        let calendar = self.calendar_of(o);
        let Reckoned {
            worked: reckoning,
            warn_from,
            hit,
        } = self.reckon(o)?;
        let (Some(hit), Some(rule_ix)) = (hit, occ.rule) else {
            // A plugin's requirement.
            let plugin = occ
                .required
                .map(|q| self.requirements[q as usize].plugin)
                .map_or("", |p| self.engine.plugins[p].plugin.name());
            let period = occ
                .required
                .map(|q| self.requirements[q as usize].period)
                .unwrap_or(Period::new(1, duly_calendar::Unit::WorkingDays));
            let explanation = explain(
                &reckoning,
                period,
                &format!("plugin `{plugin}` required it"),
                None,
                "",
                Some(&format!("local requirement of plugin `{plugin}`")),
            );
            return Ok(Resolved {
                reckoning,
                calendar,
                warn_from: None,
                explanation,
                source: Some(format!("plugin `{plugin}`").into()),
                local: true,
                rule: format!("plugin `{plugin}`").into(),
                anchor_event: None,
            });
        };
        let rule = &plan.due_rules[rule_ix as usize];
        let anchor_occ = &self.occs[hit.occ as usize];
        let anchor_step = &plan.steps[anchor_occ.step as usize];
        let anchor_event = match hit.milestone {
            Milestone::Started => anchor_occ
                .start
                .map(|(_, e)| e)
                .unwrap_or(anchor_occ.opened_during),
            Milestone::Completed => anchor_occ
                .completed
                .map(|(_, _, e)| e)
                .unwrap_or(anchor_occ.opened_during),
        };
        let anchor_event = self.events.get(anchor_event as usize).map(|e| e.id.clone());
        let which = match hit.how {
            How::Previous => "previous ",
            How::First => "first ",
            How::Latest => "latest ",
            How::Chain | How::Fallback => "",
        };
        let verb = match hit.milestone {
            Milestone::Started if hit.how != How::Previous => " started",
            _ => "",
        };
        let anchor_text = format!("the {which}{}{verb}", anchor_step.phrase);
        let fallback = if hit.how == How::Fallback {
            format!(
                "; none on the chain of events that led here, so the latest in the episode ({} occurrence {})",
                anchor_step.id, anchor_occ.number
            )
        } else {
            String::new()
        };
        let source = rule.source.as_ref().map(|s| {
            if rule.local {
                format!("local standard: {s}")
            } else {
                s.to_string()
            }
        });
        let explanation = explain(
            &reckoning,
            rule.period,
            &anchor_text,
            anchor_event.as_deref(),
            &fallback,
            source.as_deref(),
        );
        Ok(Resolved {
            reckoning,
            calendar,
            warn_from,
            explanation,
            source: rule.source.clone(),
            local: rule.local,
            rule: rule.origin.clone(),
            anchor_event,
        })
    }

    /// Occurrence `o`'s deadline judged at `now`.
    fn deadline(&self, o: u32, resolved: Resolved, now: Timestamp) -> Deadline {
        let plan = &self.engine.plan;
        let occ = &self.occs[o as usize];
        let step = &plan.steps[occ.step as usize];
        let due = resolved.reckoning.due;
        let completed = occ.completed.map(|(at, _, _)| at);
        let closed = occ.closed.map(|(at, _)| at);
        let reckoner = &self.engine.reckoner;
        let late = |done: &At| {
            let n = reckoner.late_by(resolved.calendar, due, done);
            match due {
                Due::Day(_) => Lateness::WorkingDays(n),
                Due::Instant(_) => Lateness::Hours(n),
            }
        };
        let now_at = At::Instant {
            timestamp: now,
            offset: Offset::UTC,
        };
        let (status, late) = match (completed, closed) {
            (Some(done), _) if due.met_by(&done) => (Status::Met, Some(late(&done))),
            (Some(done), _) => (Status::Late, Some(late(&done))),
            (None, Some(shut)) if due.met_by(&shut) => (Status::Cancelled, None),
            (None, Some(shut)) => (Status::Overdue, Some(late(&shut))),
            (None, None) if due.passed(now) => (Status::Overdue, Some(late(&now_at))),
            (None, None) => (Status::Open, None),
        };
        let approaching = status == Status::Open
            && resolved.warn_from.is_some_and(|w| match w {
                Due::Day(day) => duly_calendar::local_date(now) >= day,
                Due::Instant(t) => now >= t,
            });
        Deadline {
            step: step.id.clone(),
            workflow: plan.workflows[step.workflow].id.clone(),
            occurrence: occ.number,
            due,
            status,
            completed,
            closed,
            late,
            approaching,
            warn_from: resolved.warn_from,
            explanation: resolved.explanation,
            source: resolved.source,
            local: resolved.local,
            rule: resolved.rule,
            anchor_event: resolved.anchor_event,
        }
    }

    /// Every deadline as of `now`.
    pub(crate) fn deadlines_at(&self, now: Timestamp) -> Vec<Deadline> {
        (0..self.occs.len() as u32)
            .filter_map(|o| self.resolve(o).ok().map(|r| self.deadline(o, r, now)))
            .collect()
    }

    pub(crate) fn is_open(&self, step: &str) -> bool {
        self.engine
            .plan
            .by_id
            .get(step)
            .is_some_and(|&s| !self.open[s as usize].is_empty())
    }

    pub(crate) fn occurrence_times(&self) -> impl Iterator<Item = OccurrenceTimes<'_>> {
        let plan = &self.engine.plan;
        self.occs.iter().map(|o| OccurrenceTimes {
            step: &plan.steps[o.step as usize].id,
            opened: o.opened,
            started: *o.started(),
            completed: o.completed.map(|(at, _, _)| at),
            closed: o.closed.map(|(at, _)| at),
        })
    }

    pub(crate) fn open_step_ids(&self) -> Vec<&str> {
        let plan = &self.engine.plan;
        self.occs
            .iter()
            .filter(|o| o.is_open())
            .map(|o| &*plan.steps[o.step as usize].id)
            .collect()
    }

    pub(crate) fn history(&self, now: Timestamp) -> HistorySummary {
        let today = duly_calendar::local_date(now);
        HistorySummary {
            referrals_last_12_months: self.referrals_last_12_months(today),
            worker_changes_last_12_months: self.worker_changes_last_12_months(today),
            days_since_last_visit: self.days_since_last_visit(today),
            missing_episodes_last_30_days: self.missing_episodes_last_30_days(today),
        }
    }

    /// Occurrences of step `id` opened after `since`.
    fn opened_since(&self, id: &str, since: Date) -> u32 {
        self.engine.plan.by_id.get(id).map_or(0, |&s| {
            self.by_step[s as usize]
                .iter()
                .filter(|&&o| self.occs[o as usize].opened.local_date() > since)
                .count() as u32
        })
    }

    pub(crate) fn referrals_last_12_months(&self, today: Date) -> u32 {
        let year_ago = today
            .checked_sub(jiff::Span::new().months(12))
            .unwrap_or(today);
        self.opened_since("referral", year_ago)
    }

    pub(crate) fn worker_changes_last_12_months(&self, today: Date) -> u32 {
        let year_ago = today
            .checked_sub(jiff::Span::new().months(12))
            .unwrap_or(today);
        self.worker_changes
            .iter()
            .filter(|d| **d > year_ago)
            .count() as u32
    }

    pub(crate) fn days_since_last_visit(&self, today: Date) -> Option<i64> {
        let plan = &self.engine.plan;
        let last_visit = self
            .occs
            .iter()
            .filter(|o| plan.steps[o.step as usize].id.ends_with("visit"))
            .filter_map(|o| o.completed.map(|(at, _, _)| at.local_date()))
            .max();
        last_visit
            .and_then(|d| d.until(today).ok())
            .map(|span| i64::from(span.get_days()))
    }

    pub(crate) fn missing_episodes_last_30_days(&self, today: Date) -> u32 {
        let month_ago = today
            .checked_sub(jiff::Span::new().days(30))
            .unwrap_or(today);
        self.opened_since("missing_episode", month_ago)
    }

    fn finish(mut self, as_of: AsOf, errors: Vec<EventError>) -> CaseState {
        let plan = &self.engine.plan;
        let mut deadlines = Vec::new();
        for o in 0..self.occs.len() as u32 {
            match self.resolve(o) {
                Ok(resolved) => deadlines.push(self.deadline(o, resolved, as_of.instant)),
                Err(Some(note)) => self.notes.push(note),
                Err(None) => {}
            }
        }
        let event_id = |e: u32| {
            self.events
                .get(e as usize)
                .map(|e| e.id.clone())
                .unwrap_or_default()
        };
        let occurrences = self
            .occs
            .iter()
            .map(|occ| {
                let step = &plan.steps[occ.step as usize];
                let cause = match occ.cause {
                    CauseIx::Event(e) => Cause::Event { event: event_id(e) },
                    CauseIx::Reaction { occ: by, milestone } => Cause::Reaction {
                        step: plan.steps[self.occs[by as usize].step as usize].id.clone(),
                        occurrence: self.occs[by as usize].number,
                        milestone: MilestoneName::from(milestone),
                    },
                    CauseIx::Previous(p) => Cause::Previous {
                        occurrence: self.occs[p as usize].number,
                    },
                    CauseIx::Plugin(q) => Cause::Plugin {
                        plugin: self.engine.plugins[self.requirements[q as usize].plugin]
                            .plugin
                            .name()
                            .to_owned(),
                    },
                };
                let closed = occ.closed.map(|(at, by)| {
                    let by = match by {
                        Closer::Event(e) => format!("event `{}`", event_id(e)),
                        Closer::Reaction { occ: by, milestone } => format!(
                            "`{}` occurrence {} {}",
                            plan.steps[self.occs[by as usize].step as usize].id,
                            self.occs[by as usize].number,
                            milestone_word(milestone)
                        ),
                        Closer::Until(step, milestone) => {
                            format!(
                                "until `{}` {}",
                                plan.steps[step as usize].id,
                                milestone_word(milestone)
                            )
                        }
                    };
                    (at, by)
                });
                Occurrence {
                    step: step.id.clone(),
                    number: occ.number,
                    opened: occ.opened,
                    started: *occ.started(),
                    start_event: occ.start.map(|(_, e)| event_id(e)),
                    cause,
                    completed: occ.completed.map(|(at, outcome, e)| {
                        (
                            at,
                            outcome.map(|x| step.outcomes[x as usize].clone()),
                            event_id(e),
                        )
                    }),
                    closed,
                    episode: occ.episode as usize,
                }
            })
            .collect();
        let open_steps = self
            .occs
            .iter()
            .filter(|o| o.is_open())
            .map(|o| OpenStep {
                step: plan.steps[o.step as usize].id.clone(),
                occurrence: o.number,
                opened: o.opened,
            })
            .collect();
        let episodes = self
            .episodes
            .iter()
            .map(|e| Episode {
                workflow: plan.workflows[e.workflow].id.clone(),
                number: e.number,
                version: plan.workflows[e.workflow].version.clone(),
                started: e.started,
                ended: e.ended,
            })
            .collect();
        CaseState {
            case: self.case.to_owned(),
            as_of: as_of.date,
            facts: self
                .facts
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_fact()))
                .collect(),
            open_steps,
            episodes,
            occurrences,
            deadlines,
            fact_changes: self.fact_changes,
            notes: self.notes,
            actions: self.actions,
            hook_errors: self.hook_errors,
            errors,
            unchanged_until: Timestamp::MAX,
        }
    }

    // ----- plugins -----

    /// Moves replay time forward to `to`, calling the approaching, breach
    /// and daily hooks for every moment passed, in time order.
    fn advance(&mut self, to: Timestamp) {
        let engine = self.engine;
        if !engine.timed_hooks && !engine.daily_hooks {
            self.clock = self.clock.max(to);
            return;
        }
        // Warning and due moments up to `to`, latest first; worked out again
        // only when a hook opens an occurrence.
        let mut timed: Vec<(Timestamp, u8, u32)> = Vec::new();
        let mut scanned = None;
        loop {
            if engine.timed_hooks && scanned != Some(self.occs.len()) {
                timed = self.timed_moments(to);
                scanned = Some(self.occs.len());
            }
            let mut next = timed.last().copied();
            // The end of the earliest day a daily hook waits for. A hook
            // woken during the calls of a day it was not yet called on is
            // called that same day, hence `>=`.
            if let Some(day) = self.daily.iter().filter_map(|d| d.next).min() {
                let end = end_of_day(day);
                if end >= self.clock && end <= to && next.is_none_or(|n| (end, 2, 0) < n) {
                    next = Some((end, 2, 0));
                }
            }
            let Some((moment, kind, o)) = next else { break };
            self.clock = moment;
            match kind {
                0 | 1 => {
                    timed.pop();
                    self.passed(o, kind == 1, moment);
                }
                _ => self.daily_calls(moment),
            }
        }
        if to > self.clock {
            self.clock = to;
        }
    }

    /// The warning and due moments of open occurrences after the clock and
    /// up to `to`, latest first.
    fn timed_moments(&self, to: Timestamp) -> Vec<(Timestamp, u8, u32)> {
        let mut moments = Vec::new();
        for o in self.open.iter().flatten().map(|&o| o as usize) {
            let occ = &self.occs[o];
            if occ.warned && occ.breached {
                continue;
            }
            let Some((due, warn_from)) = self.moments(o as u32) else {
                continue;
            };
            let mut consider = |moment: Timestamp, kind: u8| {
                if moment > self.clock && moment <= to {
                    moments.push((moment, kind, o as u32));
                }
            };
            if !occ.warned
                && let Some(warn) = warn_from
            {
                consider(moment_of(warn), 0);
            }
            if !occ.breached {
                consider(passes_at(due), 1);
            }
        }
        moments.sort_unstable_by(|a, b| b.cmp(a));
        moments
    }

    /// Replay time passed the warning (or due) moment of occurrence `o`.
    fn passed(&mut self, o: u32, breach: bool, moment: Timestamp) {
        let occ = &mut self.occs[o as usize];
        occ.warned = true;
        if breach {
            occ.breached = true;
        }
        let hook = if breach {
            Hook::Breach
        } else {
            Hook::Approaching
        };
        let step = &self.engine.plan.steps[self.occs[o as usize].step as usize];
        let workflow = step.workflow;
        let listening = |slot: &crate::PluginSlot| {
            slot.workflows[workflow]
                && slot.hooks[hook as usize]
                && slot.plugin.watches_deadline(&step.id)
        };
        if !self.engine.plugins.iter().any(listening) {
            return;
        }
        let Ok(resolved) = self.resolve(o) else {
            return;
        };
        let deadline = self.deadline(o, resolved, moment);
        let calendar = self.engine.plan.workflows[workflow].calendar;
        let about = format!("{}#{}", deadline.step, deadline.occurrence);
        for p in 0..self.engine.plugins.len() {
            if !listening(&self.engine.plugins[p]) {
                continue;
            }
            let actions = self.call(p, hook, moment, calendar, |plugin, view| {
                if breach {
                    plugin.on_breach(view, &deadline)
                } else {
                    plugin.on_approaching(view, &deadline)
                }
            });
            for action in actions.into_iter().flatten() {
                self.act(p, hook, moment, &about, action);
            }
        }
    }

    /// Calls the daily hooks waiting for the day that ends at `moment`.
    fn daily_calls(&mut self, moment: Timestamp) {
        let day = duly_calendar::local_date(moment);
        for p in 0..self.engine.plugins.len() {
            if self.daily[p].next != Some(day) {
                continue;
            }
            self.daily[p] = Daily {
                next: None,
                last: Some(day),
                asked: false,
            };
            let calendar = self.engine.plugins[p].calendar;
            let result = self.call(p, Hook::Daily, moment, calendar, |plugin, view| {
                plugin.on_daily(view, day)
            });
            let (asked, on) = match result {
                Some((actions, next)) => {
                    let about = day.to_string();
                    for action in actions {
                        self.act(p, Hook::Daily, moment, &about, action);
                    }
                    match next {
                        NextDaily::Tomorrow => (day.tomorrow().ok(), false),
                        NextDaily::On(later) if later > day => (Some(later), true),
                        NextDaily::On(_) => (day.tomorrow().ok(), false),
                        NextDaily::AfterNextEvent => (None, false),
                    }
                }
                // A failing hook waits for the next event rather than
                // failing again every day.
                None => (None, false),
            };
            let state = &mut self.daily[p];
            // A `require`, or `check_again_on`, during the call may have
            // asked already.
            state.next = match (state.next, asked) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            if on && state.next == asked {
                state.asked = true;
            }
        }
    }

    /// Asks for plugin `p`'s daily hook at the end of `day` (or the next day
    /// if it was already called on `day`), unless the hook asked to be
    /// called next on a day of its own.
    fn wake(&mut self, p: usize, day: Date) {
        let state = &mut self.daily[p];
        if state.asked {
            return;
        }
        let day = match state.last {
            Some(last) if last >= day => match last.tomorrow() {
                Ok(next) => next,
                Err(_) => return,
            },
            _ => day,
        };
        state.next = Some(state.next.map_or(day, |n| n.min(day)));
    }

    fn hook_event(&mut self, i: u32) {
        if self.engine.plugins.is_empty() {
            return;
        }
        let plan = &self.engine.plan;
        let event = &self.events[i as usize];
        let workflow = event.step().map(|s| plan.steps[s as usize].workflow);
        let step = event.step().map(|s| &plan.steps[s as usize]);
        let changed = std::mem::take(&mut self.changed_facts);
        let view = EventView {
            id: &event.id,
            at: &event.at,
            step: step.map(|s| &*s.id),
            action: event.action,
            outcome: step
                .zip(event.outcome())
                .map(|(s, o)| &*s.outcomes[o as usize]),
            facts: event.facts.as_deref().unwrap_or(&[]),
            changed: &changed,
        };
        let moment = event.at.start_instant().max(self.clock);
        let day = event.at.local_date();
        self.happened.clear();
        for p in 0..self.engine.plugins.len() {
            let slot = &self.engine.plugins[p];
            if workflow.is_some_and(|w| !slot.workflows[w]) {
                continue;
            }
            if slot.hooks[Hook::Daily as usize] && slot.plugin.daily_on_events() {
                self.wake(p, day);
            }
            if !slot.hooks[Hook::Event as usize] || !slot.plugin.watches_event(&view) {
                continue;
            }
            let calendar = workflow.map_or(slot.calendar, |w| plan.workflows[w].calendar);
            let actions = self.call(p, Hook::Event, moment, calendar, |plugin, case| {
                plugin.on_event(case, &view)
            });
            for action in actions.into_iter().flatten() {
                self.act(p, Hook::Event, moment, view.id, action);
            }
        }
        self.changed_facts = changed;
        self.after_event();
    }

    /// Calls one hook of plugin `p`; a failure (or a panic) is recorded as
    /// a hook error, and the replay goes on.
    fn call<R>(
        &mut self,
        p: usize,
        hook: Hook,
        moment: Timestamp,
        calendar: usize,
        run: impl FnOnce(&dyn crate::plugin::Plugin, &CaseView<'_>) -> Result<R, String>,
    ) -> Option<R> {
        let plugin = self.engine.plugins[p].plugin.as_ref();
        let (result, asked) = {
            let view = CaseView {
                replay: self,
                now: moment,
                calendar,
                asked: std::cell::Cell::new(None),
            };
            let result =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(plugin, &view)))
                    .unwrap_or_else(|_| Err("the hook stopped unexpectedly".to_owned()));
            (result, view.asked.get())
        };
        if let Some(day) = asked {
            self.ask(p, day, duly_calendar::local_date(moment));
        }
        match result {
            Ok(result) => Some(result),
            Err(message) => {
                self.hook_error(p, hook, moment, message);
                None
            }
        }
    }

    /// Plugin `p` asked, on `today`, for its daily hook on `day` (never
    /// twice a day, never in the past).
    fn ask(&mut self, p: usize, day: Date, today: Date) {
        let state = &mut self.daily[p];
        let earliest = match state.last {
            Some(last) if last >= today => match last.tomorrow() {
                Ok(next) => next,
                Err(_) => return,
            },
            _ => today,
        };
        let day = day.max(earliest);
        state.next = Some(state.next.map_or(day, |n| n.min(day)));
        state.asked = true;
    }

    fn hook_error(&mut self, p: usize, hook: Hook, moment: Timestamp, message: String) {
        self.hook_errors.push(HookError {
            plugin: self.engine.plugins[p].plugin.name().to_owned(),
            hook,
            case: self.case.to_owned(),
            at: moment,
            message,
        });
    }

    fn act(&mut self, p: usize, hook: Hook, moment: Timestamp, about: &str, action: PluginAction) {
        let plugin = self.engine.plugins[p].plugin.as_ref();
        if let PluginAction::Require {
            step, count, unit, ..
        } = &action
        {
            let Some(&s) = self.engine.plan.by_id.get(step.as_str()) else {
                // The step is not echoed: a script could have built it from
                // a fact. `duly check` catches a misspelt written id.
                let message =
                    "`require` names a step the rules do not have; check its spelling".to_owned();
                self.hook_error(p, hook, moment, message);
                return;
            };
            if *count == 0 {
                let message = "`require` needs a count of at least 1".to_owned();
                self.hook_error(p, hook, moment, message);
                return;
            }
            let q = self.requirements.len() as u32;
            self.requirements.push(Requirement {
                plugin: p,
                period: Period::new(*count, *unit),
                at: moment,
            });
            let saved = self.now;
            self.now = At::Instant {
                timestamp: moment,
                offset: Offset::UTC,
            };
            self.open_occ(s, CauseIx::Plugin(q), Opening::Required(q));
            self.now = saved;
            // A new open step is news to every daily hook of its workflow.
            let workflow = self.engine.plan.steps[s as usize].workflow;
            let day = duly_calendar::local_date(moment);
            for other in 0..self.engine.plugins.len() {
                let slot = &self.engine.plugins[other];
                if slot.workflows[workflow]
                    && slot.hooks[Hook::Daily as usize]
                    && slot.plugin.daily_on_events()
                {
                    self.wake(other, day);
                }
            }
        }
        self.actions.push(ActionRecord {
            plugin: plugin.name().to_owned(),
            hash: plugin.content_hash().to_owned(),
            hook,
            at: moment,
            about: about.to_owned(),
            action,
        });
    }
}

/// The start of `day` in Europe/London, remembered per thread: replay asks
/// for the same few days again and again, and the time-zone lookup is the
/// slow part.
fn day_start(day: Date) -> Timestamp {
    const SLOTS: usize = 512;
    thread_local! {
        static STARTS: [std::cell::Cell<Option<(Date, Timestamp)>>; SLOTS] =
            const { [const { std::cell::Cell::new(None) }; SLOTS] };
    }
    let slot = (i32::from(day.year()) * 366 + i32::from(day.day_of_year())).rem_euclid(SLOTS as i32)
        as usize;
    STARTS.with(|starts| match starts[slot].get() {
        Some((known, start)) if known == day => start,
        _ => {
            let start = start_of_day(day);
            starts[slot].set(Some((day, start)));
            start
        }
    })
}

/// The last instant of `day` in Europe/London (as [`AsOf::end_of`]).
fn end_of_day(day: Date) -> Timestamp {
    let next = day.tomorrow().map(day_start).unwrap_or(Timestamp::MAX);
    next.checked_sub(jiff::SignedDuration::from_nanos(1))
        .unwrap_or(next)
}

/// When a warning starts: the start of its day, or its instant.
fn moment_of(due: Due) -> Timestamp {
    match due {
        Due::Day(day) => day_start(day),
        Due::Instant(t) => t,
    }
}

/// As [`Due::passes_at`], with the start of a day remembered.
fn passes_at(due: Due) -> Timestamp {
    match due {
        Due::Day(day) => day_start(day.tomorrow().unwrap_or(day)),
        Due::Instant(_) => due.passes_at(),
    }
}

fn milestone_word(milestone: Milestone) -> &'static str {
    match milestone {
        Milestone::Started => "started",
        Milestone::Completed => "completed",
    }
}

/// `due Wed 8 May 2019: 15 working days after the strategy discussion on Fri
/// 12 Apr 2019 (event e-3); skipped …; source`.
fn explain(
    worked: &Worked,
    period: Period,
    anchor: &str,
    event: Option<&str>,
    fallback: &str,
    source: Option<&str>,
) -> String {
    // Room for the whole text at once (64: the period and the joining
    // words): growing it copied it over again for one deadline in three.
    let mut text = String::with_capacity(
        64 + worked.due_text.len()
            + anchor.len()
            + worked.from_text.len()
            + event.map_or(0, |e| e.len() + 9)
            + fallback.len()
            + worked.working.len()
            + source.map_or(0, |s| s.len() + 2),
    );
    let _ = write!(
        text,
        "due {}: {period} after {anchor} on {}",
        worked.due_text, worked.from_text
    );
    if let Some(event) = event {
        let _ = write!(text, " (event {event})");
    }
    text.push_str(fallback);
    text.push_str(&worked.working);
    if let Some(source) = source {
        text.push_str("; ");
        text.push_str(source);
    }
    text
}

fn compare_numbers(left: f64, op: CompareOp, value: &Value) -> bool {
    let Value::Number(right) = value else {
        return false;
    };
    ordered(left.partial_cmp(right), op)
}

fn ordered(ordering: Option<std::cmp::Ordering>, op: CompareOp) -> bool {
    use std::cmp::Ordering::*;
    let Some(ordering) = ordering else {
        return false;
    };
    match op {
        CompareOp::Is => ordering == Equal,
        CompareOp::IsNot => ordering != Equal,
        CompareOp::Less => ordering == Less,
        CompareOp::LessOrEqual => ordering != Greater,
        CompareOp::Greater => ordering == Greater,
        CompareOp::GreaterOrEqual => ordering != Less,
    }
}

/// Compares a known fact with a literal; values of different kinds compare
/// as not equal (so `is not` holds) and are not ordered.
fn compare(fact: &FactValue, op: CompareOp, value: &Value) -> bool {
    let ordering = match (fact, value) {
        (FactValue::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
        (FactValue::Text(a), Value::Text(b)) => Some((**a).cmp(b.as_str())),
        (FactValue::Text(a), Value::Date(b)) => a.parse::<Date>().ok().map(|a| a.cmp(b)),
        (FactValue::Int(a), Value::Number(b)) => (*a as f64).partial_cmp(b),
        (FactValue::Float(a), Value::Number(b)) => a.partial_cmp(b),
        _ => None,
    };
    match (ordering, op) {
        (None, CompareOp::IsNot) => true,
        (None, _) => false,
        (
            Some(_),
            CompareOp::Less
            | CompareOp::LessOrEqual
            | CompareOp::Greater
            | CompareOp::GreaterOrEqual,
        ) if matches!(value, Value::Bool(_)) => false,
        (ordering, op) => ordered(ordering, op),
    }
}
