//! Properties of replay over random event histories.

use super::rules::{as_of, engine, rule_set};
use crate::plugin::{CaseView, DailyResult, Hook, HookResult, NextDaily, content_hash};
use crate::{AsOf, CaseState, Deadline, Due, Engine, Plugin, PluginAction, Status};
use duly_events::{Action, At, Event, Facts};
use jiff::ToSpan;
use jiff::civil::Date;
use proptest::prelude::*;
use std::collections::HashMap;

/// Steps and their outcomes, as in the hand-built rules.
const STEPS: &[(&str, &[&str])] = &[
    (
        "referral",
        &["assessment", "strategy_discussion", "nfa", "early_help"],
    ),
    ("assessment", &["nfa", "cin", "strategy_discussion"]),
    ("strategy_discussion", &["s47", "no_s47"]),
    ("s47_enquiry", &["icpc", "cin", "nfa"]),
    ("icpc", &["cp_plan", "no_plan"]),
    ("cp_plan", &[]),
    ("core_group", &[]),
    ("rcpc", &["continue", "end_plan"]),
    ("cp_visit", &[]),
    ("case_closure", &["nfa", "early_help", "other"]),
    ("missing_episode", &[]),
    ("rhi", &[]),
    ("looked_after", &[]),
    ("placement", &[]),
    ("cla_review", &[]),
    ("cla_visit", &[]),
    ("health_assessment", &[]),
];

fn event() -> impl Strategy<Value = (u32, Option<u32>, usize, u8, usize)> {
    (
        0u32..400,
        proptest::option::of(0u32..24),
        0..STEPS.len(),
        0u8..10,
        0usize..4,
    )
}

fn build(raw: &[(u32, Option<u32>, usize, u8, usize)]) -> Vec<Event> {
    let base: Date = "2019-01-01".parse().unwrap();
    raw.iter()
        .enumerate()
        .map(|(i, &(day, hour, step, action, outcome))| {
            let date = base.checked_add(i64::from(day).days()).unwrap();
            let at = match hour {
                None => At::Date(date),
                Some(h) => At::parse(&format!("{date}T{h:02}:00:00+00:00")).unwrap(),
            };
            let (id, outcomes) = STEPS[step];
            let action = match action {
                0..=2 => Action::Start,
                3..=8 => Action::Complete,
                _ => Action::Cancel,
            };
            let outcome = (action == Action::Complete && !outcomes.is_empty())
                .then(|| outcomes[outcome % outcomes.len()].to_string());
            let mut facts = Facts::new();
            if i % 7 == 0 {
                facts.insert(
                    "date_of_birth".into(),
                    Some(duly_events::Fact::Text("2016-02-29".into())),
                );
            }
            Event {
                id: format!("e-{i}"),
                case: "C1".into(),
                at,
                step: Some(id.into()),
                action,
                outcome,
                facts,
            }
        })
        .collect()
}

fn run(events: Vec<Event>, when: AsOf) -> CaseState {
    engine().replay("C1", events, when)
}

/// What must not depend on the order events arrived in.
fn essence(state: &CaseState) -> impl PartialEq + std::fmt::Debug {
    (
        state.deadlines.clone(),
        state.occurrences.clone(),
        state.episodes.clone(),
        state.open_steps.clone(),
        state.facts.clone(),
        state.notes.clone(),
    )
}

/// A plugin whose every hook says when it ran, so that a state judged
/// later shows at once any hook that ran in between.
struct Witness(String);

impl Plugin for Witness {
    fn name(&self) -> &str {
        "witness"
    }

    fn content_hash(&self) -> &str {
        &self.0
    }

    fn has_hook(&self, _: Hook) -> bool {
        true
    }

    fn on_approaching(&self, case: &CaseView<'_>, deadline: &Deadline) -> HookResult {
        Ok(vec![note(case, &deadline.step)])
    }

    fn on_breach(&self, case: &CaseView<'_>, deadline: &Deadline) -> HookResult {
        Ok(vec![note(case, &deadline.step)])
    }

    fn on_daily(&self, case: &CaseView<'_>, _day: Date) -> DailyResult {
        Ok((vec![note(case, "daily")], NextDaily::Tomorrow))
    }
}

fn note(case: &CaseView<'_>, what: &str) -> PluginAction {
    PluginAction::Note {
        text: format!("{what} at {}", case.now()),
    }
}

fn witnessed() -> Engine {
    let witness = Witness(content_hash("witness"));
    Engine::new(rule_set(&["witness"]))
        .unwrap()
        .with_plugin(std::sync::Arc::new(witness))
}

fn sorted(mut events: Vec<Event>) -> Vec<Event> {
    events.sort_by_key(|e| e.at.order_key());
    events
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn replay_is_deterministic(raw in proptest::collection::vec(event(), 0..40)) {
        let events = build(&raw);
        let a = run(events.clone(), as_of("2020-06-30"));
        let b = run(events, as_of("2020-06-30"));
        prop_assert_eq!(a, b);
    }

    #[test]
    fn the_order_events_arrive_in_does_not_matter(
        raw in proptest::collection::vec(event(), 0..40),
        keys in proptest::collection::vec(any::<u32>(), 40),
    ) {
        let events = build(&raw);
        // Shuffle, but keep events at the same moment in file order.
        let mut order: Vec<usize> = (0..events.len()).collect();
        order.sort_by_key(|&i| keys[i]);
        let mut groups: HashMap<_, Vec<usize>> = HashMap::new();
        for (i, event) in events.iter().enumerate() {
            groups.entry(event.at.order_key()).or_default().push(i);
        }
        let mut taken: HashMap<_, usize> = HashMap::new();
        let shuffled: Vec<Event> = order
            .iter()
            .map(|&i| {
                let key = events[i].at.order_key();
                let n = taken.entry(key).or_default();
                let pick = groups[&key][*n];
                *n += 1;
                events[pick].clone()
            })
            .collect();
        let a = run(events, as_of("2020-06-30"));
        let b = run(shuffled, as_of("2020-06-30"));
        prop_assert_eq!(essence(&a), essence(&b));
    }

    #[test]
    fn deadlines_never_go_backwards_as_the_as_of_moves_forward(
        raw in proptest::collection::vec(event(), 0..40),
        days in proptest::collection::vec(0i64..450, 2..6),
    ) {
        let events = build(&raw);
        let base: Date = "2019-01-01".parse().unwrap();
        let mut days = days;
        days.sort();
        let states: Vec<CaseState> = days
            .iter()
            .map(|&d| run(events.clone(), AsOf::end_of(base.checked_add(d.days()).unwrap())))
            .collect();
        for pair in states.windows(2) {
            for before in &pair[0].deadlines {
                let after = pair[1]
                    .deadlines
                    .iter()
                    .find(|d| d.step == before.step && d.occurrence == before.occurrence);
                let after = after.unwrap_or_else(|| panic!("{} {} vanished", before.step, before.occurrence));
                prop_assert!(after.due >= before.due, "{} {}: {} then {}", before.step, before.occurrence, before.due, after.due);
            }
        }
    }

    #[test]
    fn a_breach_never_disappears_as_more_events_arrive(raw in proptest::collection::vec(event(), 1..40)) {
        let events = sorted(build(&raw));
        let mut previous: Option<CaseState> = None;
        for k in 1..=events.len() {
            let when = AsOf::end_of(events[k - 1].at.local_date());
            let state = run(events[..k].to_vec(), when);
            if let Some(previous) = &previous {
                for breach in previous.deadlines.iter().filter(|d| d.status == Status::Overdue) {
                    let now = state
                        .deadlines
                        .iter()
                        .find(|d| d.step == breach.step && d.occurrence == breach.occurrence);
                    let now = now.unwrap_or_else(|| panic!("{} {} vanished", breach.step, breach.occurrence));
                    // The one way back: an hour-based deadline completed on its due
                    // day by a date-only event, which counts as on time (the time of
                    // day is not known), after the end of that day had found it open.
                    let on_its_day_without_a_time = matches!(
                        (now.due, now.completed),
                        (Due::Instant(due), Some(At::Date(day)))
                            if day == duly_calendar::local_date(due)
                    );
                    prop_assert!(
                        matches!(now.status, Status::Overdue | Status::Late)
                            || (now.status == Status::Met && on_its_day_without_a_time),
                        "{} {} was overdue, now {:?}", breach.step, breach.occurrence, now.status
                    );
                    prop_assert_eq!(now.due, breach.due);
                }
            }
            previous = Some(state);
        }
    }

    #[test]
    fn a_state_reads_the_same_until_the_moment_it_says(
        raw in proptest::collection::vec(event(), 0..40),
        day in 0i64..450,
        minute in 0i64..(24 * 60),
        fractions in proptest::collection::vec(0.0f64..1.0, 3),
        plugins in any::<bool>(),
    ) {
        let events = build(&raw);
        let engine = if plugins { witnessed() } else { engine() };
        let base: Date = "2019-01-01".parse().unwrap();
        let day = base.checked_add(day.days()).unwrap();
        let from = AsOf::instant(
            duly_calendar::start_of_day(day)
                .checked_add(jiff::SignedDuration::from_mins(minute))
                .unwrap(),
        );
        let state = engine.replay("C1", events.clone(), from);
        let until = state.unchanged_until;
        prop_assert!(until > from.instant);
        prop_assert!(until <= AsOf::end_of(day).instant.checked_add(jiff::SignedDuration::from_nanos(1)).unwrap());
        let span = until.duration_since(from.instant);
        let last = until.checked_sub(jiff::SignedDuration::from_nanos(1)).unwrap();
        let mut moments: Vec<jiff::Timestamp> = fractions
            .iter()
            .map(|f| from.instant.checked_add(span.mul_f64(*f)).unwrap().min(last))
            .collect();
        moments.push(last);
        for moment in moments {
            let later = engine.replay("C1", events.clone(), AsOf::instant(moment));
            prop_assert_eq!(&later, &state, "judged at {} and at {}", from.instant, moment);
        }
    }
}
