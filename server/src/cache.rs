//! Cases read recently: their checked events, and the last answer given,
//! so that reading a case again skips reading its events from the store,
//! decoding them and checking them against the rules, and, while the
//! answer still holds, replaying them.
//!
//! An entry is used only while it is provably what a fresh read would give:
//!
//! - the case's [`CaseTally`] in the store (its event count and newest
//!   arrival, read from the index on every request) is the tally of the
//!   events the entry was made from. The log is append-only, so any event
//!   stored for the case since, by this service or by another process on
//!   the same database, changes the count; the same set of events reads
//!   back in the same order, numbered the same;
//! - the case runs under the rules generation the events were checked
//!   against (a reload that moves it, or a new generation, misses);
//! - for the answer, the moment asked falls within the span the engine says
//!   the case reads the same ([`duly_engine::CaseState::unchanged_until`]):
//!   from the moment the answer was worked out at, up to the next event,
//!   warning or due moment, hour late or end of day.
//!
//! The cache keeps to a budget of bytes (estimated): when full, it drops
//! entries not used since the last pass over them (second chance).

use axum::body::Bytes;
use duly_engine::{AsOf, CaseEvent, CaseState, Deadline, Engine, Episode, OpenStep};
use duly_events::EventError;
use duly_store::{CaseTally, StoredEvent};
use jiff::Timestamp;
use serde::Serialize;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

/// The default budget: room for some 140,000 cases of a dozen events, each
/// about 2 KB of checked events and 5 KB of answer.
pub const DEFAULT_BUDGET: usize = 1024 * 1024 * 1024;

/// A case's events checked against its rules, as [`duly_engine::Engine::check_case`]
/// gives them.
#[derive(Debug)]
pub(crate) struct Checked {
    /// The events that fit the rules, numbered in the store's order.
    pub events: Vec<CaseEvent>,
    /// An error for each event that does not.
    pub errors: Vec<EventError>,
}

impl Checked {
    /// The events of `case` as the store gave them, checked against the
    /// rules of `engine`, with the tally of exactly those events.
    pub fn of(engine: &Engine, case: &str, stored: Vec<StoredEvent>) -> (CaseTally, Arc<Checked>) {
        let tally = CaseTally::of(&stored);
        let (events, errors) = engine.check_case(case, stored.into_iter().map(|s| s.event));
        (tally, Arc::new(Checked { events, errors }))
    }

    /// The case's state as of `as_of`.
    pub fn replay(&self, engine: &Engine, case: &str, as_of: AsOf) -> CaseState {
        engine.replay_checked(
            case,
            self.events.clone(),
            self.errors.iter().cloned(),
            as_of,
        )
    }

    fn footprint(&self) -> usize {
        std::mem::size_of::<Checked>()
            + self.events.iter().map(CaseEvent::footprint).sum::<usize>()
            + self
                .errors
                .iter()
                .map(|e| {
                    std::mem::size_of::<EventError>()
                        + e.message.len()
                        + e.id.as_ref().map_or(0, String::len)
                        + e.field.as_ref().map_or(0, String::len)
                })
                .sum::<usize>()
    }
}

/// The JSON answer for a case, and the moments it holds for.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    /// The moment it was worked out as of.
    pub from: Timestamp,
    /// The first moment it may no longer hold.
    pub until: Timestamp,
    /// The answer's body.
    pub body: Bytes,
}

/// One case, with the same fields as a case of `duly run --format json`.
#[derive(Serialize)]
struct CaseOut<'a> {
    case: &'a str,
    as_of: jiff::civil::Date,
    deadlines: &'a [Deadline],
    episodes: &'a [Episode],
    open_steps: &'a [OpenStep],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    notes: &'a [String],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    actions: &'a [duly_engine::plugin::ActionRecord],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    hook_errors: &'a [duly_engine::plugin::HookError],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [EventError],
}

impl Answer {
    /// The answer for a case judged as of `from`, as `GET /v1/cases/{id}`
    /// gives it.
    pub fn of(state: &CaseState, from: Timestamp) -> Result<Answer, serde_json::Error> {
        let body = serde_json::to_vec(&CaseOut {
            case: &state.case,
            as_of: state.as_of,
            deadlines: &state.deadlines,
            episodes: &state.episodes,
            open_steps: &state.open_steps,
            notes: &state.notes,
            actions: &state.actions,
            hook_errors: &state.hook_errors,
            errors: &state.errors,
        })?;
        Ok(Answer {
            from,
            until: state.unchanged_until,
            body: Bytes::from(body),
        })
    }

    fn holds_at(&self, at: Timestamp) -> bool {
        self.from <= at && at < self.until
    }
}

/// What the cache holds of a case whose tally and generation still fit.
pub(crate) enum Held {
    /// An answer for the moment asked.
    Answer(Bytes),
    /// The checked events alone: the answer is for another moment.
    Checked(Arc<Checked>),
}

struct Entry {
    generation: u64,
    tally: CaseTally,
    checked: Arc<Checked>,
    answer: Answer,
    bytes: usize,
    used: bool,
}

#[derive(Default)]
struct Slots {
    entries: HashMap<Arc<str>, Entry>,
    /// Every key of `entries`, once, oldest first.
    order: VecDeque<Arc<str>>,
    bytes: usize,
}

/// Checked events by case, within a budget of bytes.
pub(crate) struct CaseCache {
    budget: usize,
    slots: Mutex<Slots>,
}

impl CaseCache {
    /// A cache of at most about `budget` bytes; 0 keeps nothing.
    pub fn new(budget: usize) -> CaseCache {
        CaseCache {
            budget,
            slots: Mutex::new(Slots::default()),
        }
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, Slots> {
        // Every change below leaves the slots consistent before it can
        // panic, so a poisoned lock is still sound.
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether it holds events of `case` checked under rules generation
    /// `generation`, current or not: only then is the case's tally worth
    /// asking the store for.
    pub fn holds(&self, case: &str, generation: u64) -> bool {
        self.slots()
            .entries
            .get(case)
            .is_some_and(|entry| entry.generation == generation)
    }

    /// What it holds of `case`, if its events were checked under rules
    /// generation `generation` from events whose tally is `tally`: the
    /// answer, if it holds at `at`, else the checked events.
    pub fn get(
        &self,
        case: &str,
        generation: u64,
        tally: CaseTally,
        at: Timestamp,
    ) -> Option<Held> {
        let mut slots = self.slots();
        let entry = slots.entries.get_mut(case)?;
        if entry.generation != generation || entry.tally != tally {
            return None;
        }
        entry.used = true;
        Some(if entry.answer.holds_at(at) {
            Held::Answer(entry.answer.body.clone())
        } else {
            Held::Checked(entry.checked.clone())
        })
    }

    /// Keeps the events of `case` checked under `generation`, read back
    /// with tally `tally`, and the answer last worked out from them.
    pub fn put(
        &self,
        case: &str,
        generation: u64,
        tally: CaseTally,
        checked: Arc<Checked>,
        answer: Answer,
    ) {
        let bytes = checked.footprint()
            + answer.body.len()
            + case.len()
            + std::mem::size_of::<Entry>()
            + 4 * std::mem::size_of::<Arc<str>>();
        if bytes > self.budget {
            return;
        }
        let mut slots = self.slots();
        let entry = Entry {
            generation,
            tally,
            checked,
            answer,
            bytes,
            used: false,
        };
        if let Some(old) = slots.entries.get_mut(case) {
            let freed = old.bytes;
            *old = entry;
            slots.bytes = slots.bytes - freed + bytes;
        } else {
            let key: Arc<str> = Arc::from(case);
            slots.order.push_back(key.clone());
            slots.entries.insert(key, entry);
            slots.bytes += bytes;
        }
        while slots.bytes > self.budget {
            let Some(key) = slots.order.pop_front() else {
                break;
            };
            match slots.entries.get_mut(&key) {
                Some(entry) if entry.used => {
                    entry.used = false;
                    slots.order.push_back(key);
                }
                Some(_) => {
                    if let Some(entry) = slots.entries.remove(&key) {
                        slots.bytes -= entry.bytes;
                    }
                }
                None => {}
            }
        }
    }

    /// Drops every entry (after a reload, whose new generation none fits).
    pub fn clear(&self) {
        let mut slots = self.slots();
        *slots = Slots::default();
    }

    /// How many cases and bytes it holds.
    #[cfg(test)]
    fn size(&self) -> (usize, usize) {
        let slots = self.slots();
        (slots.entries.len(), slots.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(events: usize) -> Arc<Checked> {
        let rules = duly_dsl::check_text(
            "t.duly",
            r#"workflow w {
  title "W"
  version "1"
  source "S"
  calendar england_and_wales
  starts with a
  step a {
    title "A"
    on complete end
  }
}
"#,
        )
        .rules
        .expect("the rules check");
        let engine = duly_engine::Engine::new(rules).expect("the rules run");
        let lines: Vec<duly_events::Event> = (0..events)
            .map(|i| {
                duly_events::parse_line(
                    i + 1,
                    &format!(r#"{{"id":"e-{i}","case":"C","at":"2019-04-12","step":"a","action":"start"}}"#),
                )
                .expect("an event")
            })
            .collect();
        let (events, errors) = engine.check_case("C", lines);
        Arc::new(Checked { events, errors })
    }

    fn tally(events: u64) -> CaseTally {
        CaseTally {
            events,
            last_arrival: events,
        }
    }

    fn moment(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    /// An answer holding from noon to midnight on 1 April 2019.
    fn answer(text: &str) -> Answer {
        Answer {
            from: moment("2019-04-01T12:00:00Z"),
            until: moment("2019-04-02T00:00:00Z"),
            body: Bytes::copy_from_slice(text.as_bytes()),
        }
    }

    const NOON: &str = "2019-04-01T12:00:00Z";

    /// The events held of `case`, if they are held at all.
    fn events_held(cache: &CaseCache, case: &str, generation: u64, events: u64) -> Option<usize> {
        match cache.get(case, generation, tally(events), moment(NOON))? {
            Held::Answer(_) => Some(usize::MAX),
            Held::Checked(checked) => Some(checked.events.len()),
        }
    }

    #[test]
    fn an_entry_serves_only_the_same_tally_and_generation() {
        let cache = CaseCache::new(1 << 20);
        assert!(!cache.holds("C", 1));
        cache.put("C", 1, tally(3), checked(3), answer("three"));
        assert!(cache.holds("C", 1) && !cache.holds("C", 2));
        assert!(cache.get("C", 1, tally(3), moment(NOON)).is_some());
        assert!(
            cache.get("C", 1, tally(4), moment(NOON)).is_none(),
            "a new event"
        );
        assert!(
            cache.get("C", 2, tally(3), moment(NOON)).is_none(),
            "other rules"
        );
        assert!(cache.get("D", 1, tally(3), moment(NOON)).is_none());
        cache.put("C", 1, tally(4), checked(4), answer("four"));
        assert!(matches!(
            cache.get("C", 1, tally(4), moment(NOON)),
            Some(Held::Answer(body)) if body == "four"
        ));
        assert_eq!(cache.size().0, 1);
        cache.clear();
        assert!(cache.get("C", 1, tally(4), moment(NOON)).is_none());
    }

    #[test]
    fn an_answer_serves_only_the_moments_it_holds_for() {
        let cache = CaseCache::new(1 << 20);
        cache.put("C", 1, tally(3), checked(3), answer("three"));
        for (at, answered) in [
            ("2019-04-01T11:59:59.999999999Z", false),
            ("2019-04-01T12:00:00Z", true),
            ("2019-04-01T23:59:59.999999999Z", true),
            ("2019-04-02T00:00:00Z", false),
        ] {
            match cache.get("C", 1, tally(3), moment(at)) {
                Some(Held::Answer(body)) => assert!(answered && body == "three", "{at}"),
                Some(Held::Checked(checked)) => {
                    assert!(!answered && checked.events.len() == 3, "{at}");
                }
                None => panic!("{at}: nothing held"),
            }
        }
    }

    #[test]
    fn it_keeps_to_its_budget_and_keeps_what_is_used() {
        let one = checked(10);
        let budget = 20 * (one.footprint() + 100);
        let cache = CaseCache::new(budget);
        for i in 0..100 {
            cache.put(
                &format!("C{i}"),
                1,
                tally(10),
                one.clone(),
                answer(&"x".repeat(100)),
            );
            // C0 is read between every two writes: it stays.
            assert!(i == 0 || events_held(&cache, "C0", 1, 10).is_some(), "{i}");
        }
        let (cases, bytes) = cache.size();
        assert!(bytes <= budget, "{bytes} > {budget}");
        assert!(cases > 5 && cases < 20, "{cases}");
        assert!(events_held(&cache, "C99", 1, 10).is_some());
        assert!(events_held(&cache, "C1", 1, 10).is_none());
    }

    #[test]
    fn nothing_is_kept_without_a_budget() {
        let cache = CaseCache::new(0);
        cache.put("C", 1, tally(1), checked(1), answer("one"));
        assert!(cache.get("C", 1, tally(1), moment(NOON)).is_none());
    }
}
