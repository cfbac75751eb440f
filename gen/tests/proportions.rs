//! The generated picture is close to the published national figures the
//! parameters reflect (see `params.rs`), measured from the events alone.

// Test code: anything unexpected should stop the test where it happens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use duly_events::{Action, Event, Fact};
use duly_gen::{Generator, Options};
use jiff::civil::Date;
use std::collections::BTreeMap;

fn days(from: Date, to: Date) -> i64 {
    from.until(to).unwrap().get_days().into()
}

#[derive(Default)]
struct Tally {
    counts: BTreeMap<&'static str, f64>,
}

impl Tally {
    fn add(&mut self, what: &'static str) {
        *self.counts.entry(what).or_default() += 1.0;
    }

    fn get(&self, what: &str) -> f64 {
        self.counts.get(what).copied().unwrap_or_default()
    }

    fn ratio(&self, part: &str, whole: &str) -> f64 {
        self.get(part) / self.get(whole)
    }
}

fn is(event: &Event, step: &str, action: Action) -> bool {
    event.step.as_deref() == Some(step) && event.action == action
}

fn outcome(event: &Event) -> &str {
    event.outcome.as_deref().unwrap_or("")
}

/// Counts what the published figures count, child by child.
fn measure(generator: &Generator) -> Tally {
    let mut tally = Tally::default();
    for history in generator.histories() {
        tally.add("children");
        let mut referral: Option<Date> = None;
        let mut strategy: Option<Date> = None;
        let mut looked_after = false;
        let mut missing = false;
        for event in &history.events {
            let day = event.at.local_date();
            if let Some(Some(Fact::Text(sex))) = event.facts.get("sex") {
                tally.add(if sex == "M" { "male" } else { "female" });
            }
            if is(event, "referral", Action::Start) {
                tally.add("referrals");
                if referral.is_some_and(|previous| days(previous, day) <= 365) {
                    tally.add("re-referrals");
                }
                referral = Some(day);
            } else if is(event, "referral", Action::Complete) && outcome(event) == "nfa" {
                tally.add("referral nfa");
            } else if is(event, "assessment", Action::Complete) {
                tally.add("assessments");
                if outcome(event) == "nfa" {
                    tally.add("assessment nfa");
                }
                if referral.is_some_and(|r| days(r, day) <= 44) {
                    tally.add("assessments on time");
                }
                if event.facts.get("domestic_abuse") == Some(&Some(Fact::Bool(true))) {
                    tally.add("domestic abuse");
                }
            } else if is(event, "strategy_discussion", Action::Complete) && outcome(event) == "s47"
            {
                tally.add("s47");
                strategy = Some(day);
            } else if is(event, "icpc", Action::Complete) {
                tally.add("icpc");
                if strategy.is_some_and(|s| days(s, day) <= 14) {
                    tally.add("icpc on time");
                }
                if outcome(event) == "cp_plan" {
                    tally.add("cp plans");
                }
            } else if is(event, "looked_after", Action::Start) {
                tally.add("looked after");
                looked_after = true;
            } else if is(event, "missing_episode", Action::Start) {
                tally.add("missing episodes");
                missing |= looked_after;
            }
        }
        if looked_after {
            tally.add("looked-after children");
        }
        if missing {
            tally.add("looked-after children missing");
        }
        tally.add_events(history.events.len());
    }
    tally
}

impl Tally {
    fn add_events(&mut self, n: usize) {
        *self.counts.entry("events").or_default() += n as f64;
    }
}

fn near(name: &str, value: f64, target: f64, tolerance: f64) {
    assert!(
        (value - target).abs() <= tolerance,
        "{name}: {value:.3}, expected {target} ± {tolerance}"
    );
}

#[test]
fn proportions_are_close_to_the_national_figures() {
    let options = Options {
        children: 20_000,
        seed: 2024,
        from: "2024-04-01".parse().unwrap(),
        to: "2026-03-31".parse().unwrap(),
        shuffle: false,
    };
    let t = measure(&Generator::new(options).unwrap());
    for (what, n) in &t.counts {
        println!("{what:>32} {n}");
    }
    near("male", t.ratio("male", "children"), 0.54, 0.02);
    near(
        "re-referrals within 12 months",
        t.ratio("re-referrals", "referrals"),
        0.22,
        0.03,
    );
    near(
        "referrals with no further action",
        t.ratio("referral nfa", "referrals"),
        0.071,
        0.01,
    );
    near(
        "referrals assessed as not in need",
        t.ratio("assessment nfa", "referrals"),
        0.299,
        0.03,
    );
    near(
        "assessments within 45 working days",
        t.ratio("assessments on time", "assessments"),
        0.86,
        0.03,
    );
    near(
        "domestic abuse at assessment",
        t.ratio("domestic abuse", "assessments"),
        0.24,
        0.02,
    );
    near(
        "section 47 enquiries per referral",
        t.ratio("s47", "referrals"),
        0.35,
        0.04,
    );
    near(
        "initial conferences per enquiry",
        t.ratio("icpc", "s47"),
        0.33,
        0.03,
    );
    near(
        "initial conferences within 15 working days",
        t.ratio("icpc on time", "icpc"),
        0.78,
        0.04,
    );
    near(
        "looked-after episodes per referral",
        t.ratio("looked after", "referrals"),
        0.053,
        0.015,
    );
    near(
        "looked-after children who go missing",
        t.ratio("looked-after children missing", "looked-after children"),
        0.11,
        0.04,
    );
    near("events per child", t.ratio("events", "children"), 10.0, 2.0);
}
