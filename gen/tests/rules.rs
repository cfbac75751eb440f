//! Replays generated events against the rule library, read from the `.duly`
//! files with a simple scan, and checks that they follow the rules and that
//! the labels are exactly the breaches, whatever the bank holidays.
//!
//! The replay is deliberately small and independent of the generator: it
//! knows the rules only from the files, counts working days only by bounds
//! (at least N calendar days, at most N plus weekends plus 8 holiday or
//! closure weekdays), and judges months, weeks and hours exactly.

// Test code: anything unexpected should stop the test where it happens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use duly_events::{Action, At, Event, Fact};
use duly_gen::{Expected, Generator, Options, Params};
use jiff::civil::Date;
use jiff::{Span, Timestamp};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;

// ----- the library, scanned ----------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq)]
enum Unit {
    WorkingDays,
    CalendarDays,
    Weeks,
    Months,
    Hours,
}

#[derive(Debug, Clone, PartialEq)]
enum Anchor {
    Previous,
    Event { step: String, completed: bool },
}

#[derive(Debug, Clone, PartialEq)]
struct DueLine {
    n: i64,
    unit: Unit,
    anchor: Anchor,
    condition: Option<Condition>,
}

#[derive(Debug, Clone, PartialEq)]
enum Condition {
    AgeBelow(i64),
    FactTrue(String),
    WithinYears { years: i64, step: String },
}

#[derive(Debug, Clone, PartialEq, Default)]
struct Repeats {
    first: Option<DueLine>,
    second: Option<DueLine>,
    then: Vec<DueLine>,
    until: Vec<(String, bool, Option<String>)>,
}

#[derive(Debug, Clone, PartialEq)]
enum Effect {
    Open(Vec<String>),
    Close(Vec<String>),
    CloseEverything,
    End,
}

#[derive(Debug, Clone, Default)]
struct StepRule {
    workflow: String,
    outcomes: Vec<String>,
    several: bool,
    due: Option<DueLine>,
    repeats: Option<Repeats>,
    /// (`start`, `complete` or an outcome, effect)
    reactions: Vec<(String, Effect)>,
}

#[derive(Debug, Default)]
struct Library {
    steps: HashMap<String, StepRule>,
    entries: BTreeSet<String>,
}

fn list(text: &str) -> Vec<String> {
    text.split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

fn parse_due(words: &[&str]) -> DueLine {
    // N unit… after anchor [if condition]
    let n: i64 = words[0].parse().unwrap();
    let (unit, rest) = match words[1] {
        "working" => (Unit::WorkingDays, &words[3..]),
        "calendar" => (Unit::CalendarDays, &words[3..]),
        "week" | "weeks" => (Unit::Weeks, &words[2..]),
        "month" | "months" => (Unit::Months, &words[2..]),
        "hour" | "hours" => (Unit::Hours, &words[2..]),
        other => panic!("unknown unit `{other}`"),
    };
    assert_eq!(rest[0], "after", "{words:?}");
    let (anchor, rest) = if rest[1..].starts_with(&["the", "previous", "one"]) {
        (Anchor::Previous, &rest[4..])
    } else {
        let rest = if rest[1] == "the" {
            &rest[3..]
        } else {
            &rest[1..]
        };
        let completed = match rest[1] {
            "completed" => true,
            "started" => false,
            other => panic!("unknown milestone `{other}`"),
        };
        (
            Anchor::Event {
                step: rest[0].to_owned(),
                completed,
            },
            &rest[2..],
        )
    };
    let condition = match rest {
        [] => None,
        ["if", "age", "<", n] => Some(Condition::AgeBelow(n.parse().unwrap())),
        ["if", fact, "is", "true"] => Some(Condition::FactTrue((*fact).to_owned())),
        ["if", "within", n, "year" | "years", "of", step, "started"] => {
            Some(Condition::WithinYears {
                years: n.parse().unwrap(),
                step: (*step).to_owned(),
            })
        }
        other => panic!("condition not understood by this test: {other:?}"),
    };
    DueLine {
        n,
        unit,
        anchor,
        condition,
    }
}

fn scan(library: &mut Library, text: &str) {
    #[derive(PartialEq)]
    enum Block {
        Workflow,
        Step,
        Repeats,
        Other,
    }
    let mut blocks: Vec<Block> = Vec::new();
    let mut workflow = String::new();
    let mut step = String::new();
    for raw in text.lines() {
        let line = raw.split('#').next().unwrap().trim();
        if line.is_empty() {
            continue;
        }
        if line == "}" {
            blocks.pop();
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let in_step = blocks.last() == Some(&Block::Step);
        let in_repeats = blocks.last() == Some(&Block::Repeats);
        match words.as_slice() {
            ["workflow", id, "{"] | ["extend", "workflow", id, "{"] => {
                workflow = (*id).to_owned();
                blocks.push(Block::Workflow);
            }
            ["step", id, "{"] => {
                step = (*id).to_owned();
                let rule = library.steps.entry(step.clone()).or_default();
                rule.workflow = workflow.clone();
                blocks.push(Block::Step);
            }
            ["repeats", "{"] if in_step => {
                let rule = library.steps.get_mut(&step).unwrap();
                rule.repeats = Some(Repeats::default());
                rule.due = None;
                blocks.push(Block::Repeats);
            }
            [.., "{"] => blocks.push(Block::Other),
            ["starts", "with", ..] if blocks.last() == Some(&Block::Workflow) => {
                library.entries.extend(list(&line["starts with".len()..]));
            }
            ["outcomes", ..] if in_step => {
                library.steps.get_mut(&step).unwrap().outcomes = list(&line["outcomes".len()..]);
            }
            ["several", "may", "be", "open"] if in_step => {
                library.steps.get_mut(&step).unwrap().several = true
            }
            ["due", rest @ ..] if in_step => {
                let rule = library.steps.get_mut(&step).unwrap();
                rule.due = Some(parse_due(rest));
                rule.repeats = None;
            }
            ["on", trigger, rest @ ..] if in_step => {
                let effect = match rest {
                    ["end"] => Effect::End,
                    ["close", "everything"] => Effect::CloseEverything,
                    ["open", ..] => Effect::Open(list(&rest[1..].join(" "))),
                    ["close", ..] => Effect::Close(list(&rest[1..].join(" "))),
                    other => panic!("reaction not understood by this test: {other:?}"),
                };
                library
                    .steps
                    .get_mut(&step)
                    .unwrap()
                    .reactions
                    .push(((*trigger).to_owned(), effect));
            }
            [which @ ("first" | "second" | "then"), "due", rest @ ..] if in_repeats => {
                let due = parse_due(rest);
                let repeats = library
                    .steps
                    .get_mut(&step)
                    .unwrap()
                    .repeats
                    .as_mut()
                    .unwrap();
                match *which {
                    "first" => repeats.first = Some(due),
                    "second" => repeats.second = Some(due),
                    _ => repeats.then.push(due),
                }
            }
            ["until", ..] if in_repeats => {
                let repeats = library
                    .steps
                    .get_mut(&step)
                    .unwrap()
                    .repeats
                    .as_mut()
                    .unwrap();
                for item in list(&line["until".len()..]) {
                    let words: Vec<&str> = item.split_whitespace().collect();
                    let happening = match words.as_slice() {
                        [s, "completed"] => ((*s).to_owned(), true, None),
                        [s, "started"] => ((*s).to_owned(), false, None),
                        [s, "completed", "with", o] => {
                            ((*s).to_owned(), true, Some((*o).to_owned()))
                        }
                        other => panic!("until not understood: {other:?}"),
                    };
                    repeats.until.push(happening);
                }
            }
            _ => {}
        }
    }
}

fn library(local: bool) -> Library {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules");
    let mut library = Library::default();
    let mut files: Vec<_> = std::fs::read_dir(root.join("national"))
        .unwrap()
        .map(|e| e.unwrap().path())
        // The folder also holds the library's scenarios (`tests/`).
        .filter(|path| path.extension().is_some_and(|e| e == "duly"))
        .collect();
    files.sort();
    for file in files {
        scan(&mut library, &std::fs::read_to_string(file).unwrap());
    }
    if local {
        scan(
            &mut library,
            &std::fs::read_to_string(root.join("local/example-council/council.duly")).unwrap(),
        );
    }
    assert!(
        library.steps.len() >= 20 && library.entries.contains("referral"),
        "the scan found too little"
    );
    library
}

// ----- the replay --------------------------------------------------------

/// Holiday or closure weekdays, at most, in any deadline window on the
/// England and Wales calendar with the example council's closures.
const HOLIDAYS: i64 = 8;

#[derive(Debug, Clone, Copy)]
struct When {
    day: Date,
    instant: Option<Timestamp>,
}

impl When {
    fn of(at: &At) -> When {
        When {
            day: at.local_date(),
            instant: at.instant(),
        }
    }
}

/// When an occurrence is due: a day between two bounds, or an exact instant.
#[derive(Debug, Clone, Copy)]
enum Deadline {
    Days { earliest: Date, latest: Date },
    Instant(Timestamp),
}

#[derive(Debug, Clone)]
struct Occurrence {
    number: u32,
    /// Which of its series (0 the first).
    index: u32,
    opened: When,
    deadline: Option<Deadline>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Verdict {
    Late,
    Overdue,
}

struct Replay<'a> {
    library: &'a Library,
    to: Date,
    open: HashMap<String, Vec<Occurrence>>,
    counts: HashMap<String, u32>,
    started: HashMap<String, When>,
    completed: HashMap<String, When>,
    dob: Option<Date>,
    facts: HashMap<String, Fact>,
    /// Completes of steps that were not open, by step.
    strays: Vec<String>,
    breaches: BTreeSet<(String, u32, Verdict)>,
    problems: Vec<String>,
}

fn add(date: Date, days: i64) -> Date {
    date.checked_add(Span::new().days(days)).unwrap()
}

impl<'a> Replay<'a> {
    fn new(library: &'a Library, to: Date) -> Self {
        Replay {
            library,
            to,
            open: HashMap::new(),
            counts: HashMap::new(),
            started: HashMap::new(),
            completed: HashMap::new(),
            dob: None,
            facts: HashMap::new(),
            strays: Vec::new(),
            breaches: BTreeSet::new(),
            problems: Vec::new(),
        }
    }

    fn deadline(&self, line: &DueLine, opened: When) -> Deadline {
        let anchor = match &line.anchor {
            Anchor::Previous => opened,
            Anchor::Event { step, completed } => {
                let seen = if *completed {
                    self.completed.get(step)
                } else {
                    self.started.get(step)
                };
                *seen.unwrap_or_else(|| panic!("anchor `{step}` never happened"))
            }
        };
        let n = line.n;
        match line.unit {
            Unit::Hours => Deadline::Instant(
                anchor.instant.expect("an hours anchor has a time") + Span::new().hours(n),
            ),
            Unit::WorkingDays => {
                let m = n + HOLIDAYS;
                Deadline::Days {
                    earliest: add(anchor.day, n),
                    latest: add(anchor.day, m + 2 * ((m + 4) / 5)),
                }
            }
            Unit::CalendarDays => Deadline::Days {
                earliest: add(anchor.day, n),
                latest: add(anchor.day, n),
            },
            Unit::Weeks => Deadline::Days {
                earliest: add(anchor.day, 7 * n),
                latest: add(anchor.day, 7 * n),
            },
            Unit::Months => {
                let due = anchor.day.checked_add(Span::new().months(n)).unwrap();
                Deadline::Days {
                    earliest: due,
                    latest: due,
                }
            }
        }
    }

    fn holds(&self, condition: &Condition, at: When) -> bool {
        match condition {
            Condition::AgeBelow(years) => {
                let Some(dob) = self.dob else { return false };
                let age = dob.until((jiff::Unit::Year, at.day)).unwrap().get_years();
                i64::from(age) < *years
            }
            Condition::FactTrue(fact) => self.facts.get(fact) == Some(&Fact::Bool(true)),
            Condition::WithinYears { years, step } => match self.started.get(step) {
                Some(started) => {
                    at.day <= started.day.checked_add(Span::new().years(*years)).unwrap()
                }
                None => false,
            },
        }
    }

    fn open_step(&mut self, step: &str, at: When, index: u32) {
        let rule = &self.library.steps[step];
        if !rule.several && self.open.get(step).is_some_and(|o| !o.is_empty()) {
            return;
        }
        self.started.insert(step.to_owned(), at);
        let line = match (&rule.due, &rule.repeats) {
            (Some(due), _) => Some(due.clone()),
            (None, Some(repeats)) => {
                let fixed = match index {
                    0 => repeats.first.clone(),
                    1 => repeats.second.clone(),
                    _ => None,
                };
                fixed.or_else(|| {
                    repeats
                        .then
                        .iter()
                        .find(|l| l.condition.as_ref().is_none_or(|c| self.holds(c, at)))
                        .cloned()
                })
            }
            _ => None,
        };
        let deadline = line.map(|line| self.deadline(&line, at));
        let count = self.counts.entry(step.to_owned()).or_default();
        *count += 1;
        let number = *count;
        self.open
            .entry(step.to_owned())
            .or_default()
            .push(Occurrence {
                number,
                index,
                opened: at,
                deadline,
            });
        self.react(step, "start", at);
    }

    fn react(&mut self, step: &str, trigger: &str, at: When) {
        let reactions: Vec<Effect> = self.library.steps[step]
            .reactions
            .iter()
            .filter(|(t, _)| t == trigger)
            .map(|(_, e)| e.clone())
            .collect();
        for effect in reactions {
            match effect {
                Effect::Open(steps) => steps.iter().for_each(|s| self.open_step(s, at, 0)),
                Effect::Close(steps) => steps.iter().for_each(|s| self.close(s, at)),
                Effect::CloseEverything => {
                    let workflow = self.library.steps[step].workflow.clone();
                    let mine: Vec<String> = self
                        .open
                        .keys()
                        .filter(|s| self.library.steps[s.as_str()].workflow == workflow)
                        .cloned()
                        .collect();
                    mine.iter().for_each(|s| self.close(s, at));
                }
                Effect::End => {}
            }
        }
    }

    /// Closes a step's open occurrences without their being done: fine only
    /// if none was surely past its deadline, and never in doubt.
    fn close(&mut self, step: &str, at: When) {
        for occurrence in self.open.remove(step).unwrap_or_default() {
            let fine = match occurrence.deadline {
                None => true,
                Some(Deadline::Days { earliest, .. }) => at.day <= earliest,
                Some(Deadline::Instant(due)) => {
                    at.instant.is_some_and(|i| i <= due)
                        || at.day < due.to_zoned_datetime(duly_calendar::LONDON.clone()).date()
                }
            };
            if !fine {
                self.problems.push(format!(
                    "`{step}` #{} opened on {} closed on {}, after or near its deadline",
                    occurrence.number, occurrence.opened.day, at.day
                ));
            }
        }
    }

    fn judge_done(&mut self, step: &str, occurrence: &Occurrence, at: When) {
        let verdict = match occurrence.deadline {
            None => return,
            Some(Deadline::Instant(due)) => {
                if at.instant.expect("a time") <= due {
                    return;
                }
                Verdict::Late
            }
            Some(Deadline::Days { earliest, latest }) => {
                if at.day <= earliest {
                    return;
                }
                if at.day <= latest {
                    self.problems.push(format!(
                        "`{step}` #{} done on {}, too near its deadline to be sure",
                        occurrence.number, at.day
                    ));
                    return;
                }
                Verdict::Late
            }
        };
        self.breaches
            .insert((step.to_owned(), occurrence.number, verdict));
    }

    fn event(&mut self, event: &Event) {
        let at = When::of(&event.at);
        for (name, value) in &event.facts {
            match (name.as_str(), value) {
                ("date_of_birth", Some(Fact::Text(text))) => self.dob = Some(text.parse().unwrap()),
                (_, Some(value)) => {
                    self.facts.insert(name.clone(), value.clone());
                }
                (_, None) => {
                    self.facts.remove(name);
                }
            }
        }
        let Some(step) = event.step.as_deref() else {
            assert_eq!(event.action, Action::Record);
            return;
        };
        let Some(rule) = self.library.steps.get(step) else {
            self.problems
                .push(format!("step `{step}` is not in the library"));
            return;
        };
        match event.action {
            Action::Start => {
                if !self.library.entries.contains(step) {
                    self.problems
                        .push(format!("`{step}` started, but no workflow starts with it"));
                }
                if event.outcome.is_some() {
                    self.problems.push("an outcome on a start".into());
                }
                self.open_step(step, at, 0);
            }
            Action::Complete => {
                match (&event.outcome, rule.outcomes.is_empty()) {
                    (Some(outcome), false) if rule.outcomes.contains(outcome) => {}
                    (None, true) => {}
                    (outcome, _) => self
                        .problems
                        .push(format!("`{step}` completed with outcome {outcome:?}")),
                }
                let open = self.open.get_mut(step).filter(|o| !o.is_empty());
                let Some(open) = open else {
                    self.strays.push(step.to_owned());
                    return;
                };
                let occurrence = open.remove(0);
                self.judge_done(step, &occurrence, at);
                self.completed.insert(step.to_owned(), at);
                let outcome = event.outcome.clone();
                if let Some(outcome) = &outcome {
                    self.react(step, outcome, at);
                }
                self.react(step, "complete", at);
                // The series goes on unless this completion ends it.
                if let Some(repeats) = rule.repeats.clone() {
                    let ends = repeats.until.iter().any(|(s, completed, o)| {
                        s == step
                            && *completed
                            && o.as_ref().is_none_or(|o| outcome.as_ref() == Some(o))
                    });
                    if !ends {
                        self.open_step(step, at, occurrence.index + 1);
                    }
                }
                // Other series this completion ends.
                let ended: Vec<String> = self
                    .library
                    .steps
                    .iter()
                    .filter(|(s, r)| {
                        s.as_str() != step
                            && r.repeats.as_ref().is_some_and(|rep| {
                                rep.until.iter().any(|(u, completed, o)| {
                                    u == step
                                        && *completed
                                        && o.as_ref().is_none_or(|o| outcome.as_ref() == Some(o))
                                })
                            })
                    })
                    .map(|(s, _)| s.clone())
                    .collect();
                ended.iter().for_each(|s| self.close(s, at));
            }
            Action::Cancel => self.close(step, at),
            Action::Record => self.problems.push("a record with a step".into()),
        }
    }

    /// What is open when the period ends: overdue if surely past its
    /// deadline, pending if surely not, and never in doubt.
    fn finish(&mut self) {
        let last_start = duly_calendar::start_of_day(self.to);
        let next_start = duly_calendar::start_of_day(add(self.to, 1));
        let open: Vec<(String, Occurrence)> = self
            .open
            .iter()
            .flat_map(|(s, o)| o.iter().map(move |o| (s.clone(), o.clone())))
            .collect();
        for (step, occurrence) in open {
            let overdue = match occurrence.deadline {
                None => continue,
                Some(Deadline::Days { earliest, latest }) => {
                    if earliest > self.to {
                        continue;
                    }
                    latest < self.to
                }
                Some(Deadline::Instant(due)) => {
                    if due >= next_start {
                        continue;
                    }
                    due < last_start
                }
            };
            if overdue {
                self.breaches
                    .insert((step, occurrence.number, Verdict::Overdue));
            } else {
                self.problems.push(format!(
                    "`{step}` #{} opened on {} open at the end, its deadline in doubt",
                    occurrence.number, occurrence.opened.day
                ));
            }
        }
    }
}

fn options(children: u64, seed: u64, from: &str, to: &str) -> Options {
    Options {
        children,
        seed,
        from: from.parse().unwrap(),
        to: to.parse().unwrap(),
        shuffle: false,
    }
}

/// Replays every child; returns the strays (completes of steps not open).
fn check(generator: &Generator, library: &Library) -> Vec<String> {
    let to = generator.options().to;
    let mut strays = Vec::new();
    let mut labelled = 0;
    for history in generator.histories() {
        let mut replay = Replay::new(library, to);
        for pair in history.events.windows(2) {
            assert!(
                pair[0].at <= pair[1].at,
                "{}: `{}` after `{}`",
                history.case,
                pair[1].id,
                pair[0].id
            );
        }
        for event in &history.events {
            assert_eq!(event.case, history.case);
            assert!(event.at.local_date() <= to, "{} after the period", event.id);
            replay.event(event);
        }
        replay.finish();
        assert!(
            replay.problems.is_empty(),
            "{}: {:#?}",
            history.case,
            replay.problems
        );
        let expected: BTreeSet<(String, u32, Verdict)> = history
            .labels
            .iter()
            .map(|l| {
                let verdict = match l.expected {
                    Expected::Late => Verdict::Late,
                    Expected::Overdue => Verdict::Overdue,
                };
                (l.step.to_owned(), l.occurrence, verdict)
            })
            .collect();
        assert_eq!(
            replay.breaches, expected,
            "{}: breaches found (left) and labels (right) differ",
            history.case
        );
        labelled += expected.len();
        strays.extend(replay.strays);
    }
    assert!(labelled > 0 || generator.params().late == duly_gen::Lateness::none());
    strays
}

#[test]
fn events_follow_the_councils_rules_and_labels_are_exactly_the_breaches() {
    let library = library(true);
    for (seed, from, to) in [
        (1, "2024-04-01", "2026-03-31"),
        (7, "2022-12-01", "2023-06-30"),
    ] {
        let generator = Generator::new(options(4000, seed, from, to)).unwrap();
        let strays = check(&generator, &library);
        assert!(strays.is_empty(), "completes of steps not open: {strays:?}");
    }
}

#[test]
fn under_the_national_rules_alone_only_later_protection_visits_stray() {
    // Nationally `cp_visit` has no timescale and ends at its first visit;
    // the example council makes it a series. Every other event fits both.
    let library = library(false);
    let generator = Generator::new(options(3000, 3, "2024-04-01", "2026-03-31")).unwrap();
    let strays = check(&generator, &library);
    assert!(!strays.is_empty());
    assert!(strays.iter().all(|s| s == "cp_visit"), "{strays:?}");
}

#[test]
fn with_heavy_delays_labels_still_match() {
    let mut params = Params::default();
    let late = &mut params.late;
    for p in [
        &mut late.referral,
        &mut late.assessment,
        &mut late.icpc,
        &mut late.core_group,
        &mut late.rcpc,
        &mut late.care_plan,
        &mut late.cla_review,
        &mut late.health_first,
        &mut late.health_review,
        &mut late.cla_visit,
        &mut late.rhi,
    ] {
        *p = 0.6;
    }
    params.looked_after_from_cin = 0.5;
    params.missing_teen_per_year = 0.9;
    let generator =
        Generator::with_params(options(2000, 11, "2024-01-01", "2025-06-30"), params).unwrap();
    check(&generator, &library(true));
}

#[test]
fn without_delays_nothing_is_breached() {
    let params = Params {
        late: duly_gen::Lateness::none(),
        ..Params::default()
    };
    let generator =
        Generator::with_params(options(2000, 5, "2024-04-01", "2026-03-31"), params).unwrap();
    check(&generator, &library(true));
    assert!(generator.histories().all(|h| h.labels.is_empty()));
}
