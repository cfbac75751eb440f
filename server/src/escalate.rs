//! Live escalations: plugins act when a deadline's warning or due moment
//! passes, once, also across restarts.
//!
//! The core is replay: a case replayed as of now gives every plugin action
//! with its moment (the engine calls the hooks for every moment up to now,
//! and after every event). Each action is recorded in the store by its key —
//! case, plugin, hook, what it was about and its moment — and carried out
//! only when the store says it is new, so replaying a case again, in this
//! process or after a restart, never acts twice.
//!
//! The timer keeps, for each case whose workflows have plugins, the next
//! moment at which a hook will fire (an open deadline's warning or due
//! moment, or the end of the day for daily hooks), ordered by moment. It
//! sleeps until the earliest, replays the cases due, and sleeps again. A
//! case is also replayed when it gets new events (its deadlines may have
//! changed) and, on start and after a reload, every case is: that catches up
//! on everything that passed while the service was down.

use crate::cache::{Answer, CaseCache, Checked};
use crate::rules::{Generations, Rules, ServiceStore};
use duly_calendar::start_of_day;
use duly_engine::plugin::{ActionRecord, Hook};
use duly_engine::{AsOf, CaseState, Due, Status};
use duly_store::{ActionKey, ActionRecorded, StoreError};
use jiff::Timestamp;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::Notify;

/// Where the time comes from: the wall clock, or a test's.
pub trait Clock: Send + Sync + 'static {
    /// Now.
    fn now(&self) -> Timestamp;
}

/// The system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that moves only when told to, for tests.
#[derive(Debug)]
pub struct ManualClock(Mutex<Timestamp>);

impl ManualClock {
    /// A clock stopped at `now`.
    pub fn new(now: Timestamp) -> ManualClock {
        ManualClock(Mutex::new(now))
    }

    /// Sets the time.
    pub fn set(&self, now: Timestamp) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = now;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The longest the timer sleeps without looking again (a guard against a
/// wall clock set back or forward).
const LONGEST_SLEEP: std::time::Duration = std::time::Duration::from_secs(600);

/// How many cases one blocking task replays.
const CHUNK: usize = 500;

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sweep {
    /// Cases replayed.
    pub cases: usize,
    /// Actions carried out now, for the first time.
    pub carried_out: usize,
    /// Actions found already recorded (carried out before).
    pub already: usize,
}

#[derive(Default)]
struct Timer {
    by_moment: BTreeSet<(Timestamp, String)>,
    next: HashMap<String, Timestamp>,
    dirty: HashSet<String>,
    everything: bool,
}

impl Timer {
    fn set(&mut self, case: String, next: Option<Timestamp>) {
        if let Some(old) = self.next.remove(&case) {
            self.by_moment.remove(&(old, case.clone()));
        }
        if let Some(next) = next {
            self.by_moment.insert((next, case.clone()));
            self.next.insert(case, next);
        }
    }

    fn due(&mut self, now: Timestamp) -> Vec<String> {
        let mut due = Vec::new();
        while let Some((moment, _)) = self.by_moment.first() {
            if *moment > now {
                break;
            }
            if let Some((_, case)) = self.by_moment.pop_first() {
                self.next.remove(&case);
                due.push(case);
            }
        }
        due
    }
}

/// The escalation timer.
pub struct Escalator {
    store: Arc<dyn ServiceStore>,
    /// Where each case's answer is kept, as of the replay.
    cases: Arc<CaseCache>,
    clock: Arc<dyn Clock>,
    timer: Mutex<Timer>,
    /// One sweep at a time.
    sweeping: tokio::sync::Mutex<()>,
    wake: Notify,
}

impl Escalator {
    /// A timer that will look at every case on its first sweep.
    pub(crate) fn new(
        store: Arc<dyn ServiceStore>,
        cases: Arc<CaseCache>,
        clock: Arc<dyn Clock>,
    ) -> Escalator {
        Escalator {
            store,
            cases,
            clock,
            timer: Mutex::new(Timer {
                everything: true,
                ..Timer::default()
            }),
            sweeping: tokio::sync::Mutex::new(()),
            wake: Notify::new(),
        }
    }

    fn timer(&self) -> std::sync::MutexGuard<'_, Timer> {
        self.timer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// These cases got new events: replay them soon.
    pub fn touched(&self, cases: Vec<String>) {
        self.timer().dirty.extend(cases);
        self.wake.notify_one();
    }

    /// The rules changed: replay every case soon.
    pub fn everything(&self) {
        self.timer().everything = true;
        self.wake.notify_one();
    }

    /// Wakes the timer to look at the clock again (a test's clock moved).
    pub fn nudge(&self) {
        self.wake.notify_one();
    }

    /// The next moment the timer will wake for, if any.
    pub fn next_moment(&self) -> Option<Timestamp> {
        self.timer().by_moment.first().map(|(m, _)| *m)
    }

    /// Replays every case that is due, touched, or (after a start or a
    /// reload) every case, carries out new actions, and sets each case's
    /// next moment.
    pub async fn sweep(
        self: &Arc<Self>,
        generations: &Arc<Generations>,
    ) -> Result<Sweep, StoreError> {
        let _one = self.sweeping.lock().await;
        let now = self.clock.now();
        let (everything, mut cases) = {
            let mut timer = self.timer();
            let everything = std::mem::take(&mut timer.everything);
            let mut cases: Vec<String> = timer.dirty.drain().collect();
            cases.extend(timer.due(now));
            (everything, cases)
        };
        let any_plugins = generations.all().iter().any(|r| r.has_plugins());
        if !any_plugins {
            // Nothing can act: keep no timer at all.
            let mut timer = self.timer();
            timer.by_moment.clear();
            timer.next.clear();
            return Ok(Sweep::default());
        }
        if everything {
            let store = self.store.clone();
            cases = tokio::task::spawn_blocking(move || store.case_ids())
                .await
                .map_err(|_| joined())??;
        } else {
            cases.sort_unstable();
            cases.dedup();
        }
        let mut total = Sweep::default();
        for chunk in cases.chunks(CHUNK) {
            let chunk = chunk.to_vec();
            let this = self.clone();
            let generations = generations.clone();
            let (sweep, next) = tokio::task::spawn_blocking(move || {
                let mut sweep = Sweep::default();
                let mut next = Vec::with_capacity(chunk.len());
                for case in chunk {
                    let rules = generations.rules_for(&case);
                    let moment = this.escalate(&rules, &case, now, &mut sweep)?;
                    next.push((case, moment));
                }
                Ok::<_, StoreError>((sweep, next))
            })
            .await
            .map_err(|_| joined())??;
            total.cases += sweep.cases;
            total.carried_out += sweep.carried_out;
            total.already += sweep.already;
            let mut timer = self.timer();
            for (case, moment) in next {
                timer.set(case, moment);
            }
        }
        Ok(total)
    }

    /// Replays one case as of `now`, carries out its new actions and says
    /// when it next needs looking at.
    fn escalate(
        &self,
        rules: &Rules,
        case: &str,
        now: Timestamp,
        sweep: &mut Sweep,
    ) -> Result<Option<Timestamp>, StoreError> {
        if !rules.has_plugins() {
            return Ok(None);
        }
        let events = self.store.case_events(case)?;
        if events.is_empty() {
            return Ok(None);
        }
        sweep.cases += 1;
        let (tally, checked) = Checked::of(&rules.engine, case, events);
        let state = checked.replay(&rules.engine, case, AsOf::instant(now));
        // The answer a read of the case as of now gives: kept, so that the
        // read after a case's new events or moment finds it ready.
        if let Ok(answer) = Answer::of(&state, now) {
            self.cases.put(case, rules.number, tally, checked, answer);
        }
        for error in &state.hook_errors {
            tracing::warn!(
                case = %error.case,
                plugin = %error.plugin,
                hook = error.hook.name(),
                "a plugin hook failed"
            );
        }
        for (record, occurrence) in keyed(&state.actions) {
            let key = ActionKey {
                case: case.to_owned(),
                plugin: record.plugin.clone(),
                hook: record.hook.name().to_owned(),
                occurrence,
                moment: record.at,
            };
            let body = serde_json::to_value(record).unwrap_or_default();
            match self.store.record_action(&key, &body)? {
                ActionRecorded::Inserted => {
                    sweep.carried_out += 1;
                    tracing::info!(
                        case = %case,
                        plugin = %record.plugin,
                        hook = record.hook.name(),
                        about = %record.about,
                        moment = %record.at,
                        action = action_kind(record),
                        "escalation carried out"
                    );
                }
                ActionRecorded::AlreadyRecorded => sweep.already += 1,
            }
        }
        Ok(next_moment(rules, &state, now))
    }

    /// Runs the timer until the service stops.
    pub async fn run(self: Arc<Self>, generations: Arc<Generations>) {
        loop {
            if let Err(err) = self.sweep(&generations).await {
                tracing::error!(error = %err, "the escalation timer could not read the store; trying again in a minute");
                self.timer().everything = true;
                tokio::select! {
                    () = tokio::time::sleep(std::time::Duration::from_secs(60)) => {}
                    () = self.wake.notified() => {}
                }
                continue;
            }
            let wait = self.next_moment().map_or(LONGEST_SLEEP, |moment| {
                let now = self.clock.now();
                let until = now.duration_until(moment);
                std::time::Duration::try_from(until)
                    .unwrap_or(std::time::Duration::ZERO)
                    .min(LONGEST_SLEEP)
            });
            if wait.is_zero() {
                tokio::task::yield_now().await;
                continue;
            }
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = self.wake.notified() => {}
            }
        }
    }
}

fn joined() -> StoreError {
    StoreError::Backend {
        db: String::new(),
        source: "a replay task stopped unexpectedly".into(),
    }
}

/// Each action with its occurrence key: what it was about and its place
/// among the actions the same hook call returned (`icpc#1/1`).
fn keyed(actions: &[ActionRecord]) -> Vec<(&ActionRecord, String)> {
    let mut seen: HashMap<(&str, Hook, &str, Timestamp), usize> = HashMap::new();
    actions
        .iter()
        .map(|a| {
            let n = seen.entry((&a.plugin, a.hook, &a.about, a.at)).or_insert(0);
            *n += 1;
            (a, format!("{}/{n}", a.about))
        })
        .collect()
}

fn action_kind(record: &ActionRecord) -> &'static str {
    use duly_engine::PluginAction;
    match record.action {
        PluginAction::Escalate { .. } => "escalate",
        PluginAction::Flag { .. } => "flag",
        PluginAction::Require { .. } => "require",
        PluginAction::Note { .. } => "note",
    }
}

/// The next moment after `now` at which a hook will fire for this case.
pub fn next_moment(rules: &Rules, state: &CaseState, now: Timestamp) -> Option<Timestamp> {
    let mut next: Option<Timestamp> = None;
    let mut consider = |moment: Timestamp| {
        if moment > now && next.is_none_or(|n| moment < n) {
            next = Some(moment);
        }
    };
    for deadline in &state.deadlines {
        if deadline.status != Status::Open || !rules.watches(&deadline.workflow) {
            continue;
        }
        if !deadline.approaching
            && let Some(warn) = deadline.warn_from
        {
            consider(match warn {
                Due::Day(day) => start_of_day(day),
                Due::Instant(t) => t,
            });
        }
        consider(deadline.due.passes_at());
    }
    if rules.daily {
        let today = duly_calendar::local_date(now);
        let end = AsOf::end_of(today).instant;
        if end > now {
            consider(end);
        } else if let Ok(tomorrow) = today.tomorrow() {
            consider(AsOf::end_of(tomorrow).instant);
        }
    }
    next
}
