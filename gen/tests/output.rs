//! What `duly gen` writes: the event format, ids, determinism, shuffling
//! and the labels file.

// Test code: anything unexpected should stop the test where it happens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use duly_events::{Action, Event, parse_line};
use duly_gen::{Generator, Options, SHUFFLE_BLOCK};
use std::collections::{BTreeMap, HashMap, HashSet};

fn options(children: u64, seed: u64) -> Options {
    Options {
        children,
        seed,
        from: "2024-04-01".parse().unwrap(),
        to: "2026-03-31".parse().unwrap(),
        shuffle: false,
    }
}

fn run(options: Options) -> (String, String) {
    let mut events = Vec::new();
    let mut labels = Vec::new();
    let summary = Generator::new(options.clone())
        .unwrap()
        .write(&mut events, Some(&mut labels))
        .unwrap();
    let (events, labels) = (
        String::from_utf8(events).unwrap(),
        String::from_utf8(labels).unwrap(),
    );
    assert_eq!(summary.children, options.children);
    assert_eq!(summary.events, events.lines().count() as u64);
    assert_eq!(summary.labels + 1, labels.lines().count() as u64);
    (events, labels)
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let first = run(options(500, 42));
    assert_eq!(first, run(options(500, 42)));
    let other = run(options(500, 43));
    assert_ne!(first.0, other.0);
    // A child's history depends on its index, not on how many come after.
    let shorter = run(options(100, 42));
    assert!(first.0.starts_with(&shorter.0));
}

#[test]
fn the_shipped_example_is_what_the_generator_makes() {
    // Also guards against a silent change of random stream (a new rand or
    // rand_chacha, another platform). If the model changes on purpose,
    // regenerate the example as `examples/README.md` says.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let options = Options {
        children: 200,
        seed: 42,
        ..options(0, 0)
    };
    let (events, labels) = run(options);
    let shipped = std::fs::read_to_string(root.join("events.jsonl")).unwrap();
    assert!(
        events == shipped,
        "examples/events.jsonl is not what `duly gen` makes now"
    );
    assert_eq!(
        labels,
        std::fs::read_to_string(root.join("labels.csv")).unwrap()
    );
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let counts = (events.lines().count(), labels.lines().count() - 1);
    assert!(
        readme.contains(&format!("{} events for 200 children", thousands(counts.0))),
        "{counts:?}"
    );
    assert!(
        readme.contains(&format!("exactly these {} breaches", counts.1)),
        "{counts:?}"
    );
}

fn thousands(n: usize) -> String {
    let text = n.to_string();
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i > 0 && (text.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn every_line_is_an_event_and_ids_are_unique() {
    let (events, _) = run(options(2000, 7));
    let mut ids = HashSet::new();
    let mut per_case: HashMap<String, Vec<Event>> = HashMap::new();
    for (n, line) in events.lines().enumerate() {
        let event = parse_line(n + 1, line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(event.to_line(), line, "writes back the same");
        assert!(ids.insert(event.id.clone()), "id `{}` twice", event.id);
        assert!(
            event.case.len() == 8 && event.case.starts_with('C'),
            "{}",
            event.case
        );
        assert!(
            event.id.starts_with(&format!("{}-", event.case)),
            "{}",
            event.id
        );
        per_case.entry(event.case.clone()).or_default().push(event);
    }
    // Missing episodes and interviews carry exact times with their offset.
    let timed: Vec<&Event> = per_case
        .values()
        .flatten()
        .filter(|e| e.at.has_time())
        .collect();
    assert!(!timed.is_empty());
    for event in timed {
        assert!(
            matches!(event.step.as_deref(), Some("missing_episode" | "rhi")),
            "{}",
            event.id
        );
    }
    // Each child's events are in time order.
    for events in per_case.values() {
        assert!(events.windows(2).all(|w| w[0].at <= w[1].at));
    }
}

#[test]
fn facts_are_where_they_make_sense() {
    let generator = Generator::new(options(3000, 9)).unwrap();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for history in generator.histories() {
        let first = &history.events[0];
        assert_eq!(
            (first.step.as_deref(), first.action),
            (Some("referral"), Action::Start)
        );
        for name in ["date_of_birth", "sex", "team", "worker"] {
            assert!(
                first.facts.contains_key(name),
                "{}: no `{name}` on the first referral",
                history.case
            );
        }
        for event in &history.events {
            for name in event.facts.keys() {
                let allowed: &[&str] = match (event.step.as_deref(), event.action) {
                    (Some("referral"), Action::Start) => {
                        &["date_of_birth", "sex", "team", "worker"]
                    }
                    (Some("referral"), Action::Complete)
                    | (Some("looked_after"), Action::Start) => &["team", "worker"],
                    (Some("assessment"), Action::Complete) => &["domestic_abuse"],
                    (Some("placement"), Action::Start) => &[
                        "placement_type",
                        "long_term_placement",
                        "placed_with_parents",
                    ],
                    (None, Action::Record) => &["team", "worker"],
                    _ => &[],
                };
                assert!(
                    allowed.contains(&name.as_str()),
                    "{}: `{name}` on {:?}",
                    event.id,
                    event.step
                );
                *seen
                    .entry(match name.as_str() {
                        "date_of_birth" => "date_of_birth",
                        "sex" => "sex",
                        "team" => "team",
                        "worker" => "worker",
                        "domestic_abuse" => "domestic_abuse",
                        "placement_type" => "placement_type",
                        "long_term_placement" => "long_term_placement",
                        _ => "placed_with_parents",
                    })
                    .or_default() += 1;
            }
        }
    }
    assert_eq!(seen.len(), 8, "{seen:?}");
}

#[test]
fn shuffling_reorders_within_blocks_and_keeps_every_line() {
    let children = SHUFFLE_BLOCK + 300;
    let (plain, plain_labels) = run(options(children, 5));
    let shuffled_options = Options {
        shuffle: true,
        ..options(children, 5)
    };
    let (shuffled, labels) = run(shuffled_options.clone());
    assert_eq!((shuffled.clone(), labels.clone()), run(shuffled_options));
    assert_eq!(labels, plain_labels);
    assert_ne!(plain, shuffled);
    let mut a: Vec<&str> = plain.lines().collect();
    let mut b: Vec<&str> = shuffled.lines().collect();
    // Children of the first block all come before those of the second.
    let first_block_lines = a
        .iter()
        .take_while(|l| !l.contains(&format!("\"C{:07}", SHUFFLE_BLOCK + 1)))
        .count();
    assert!(b[..first_block_lines].iter().all(|l| {
        let case: u64 = l[l.find("\"case\":\"C").unwrap() + 9..][..7]
            .parse()
            .unwrap();
        case <= SHUFFLE_BLOCK
    }));
    a.sort_unstable();
    b.sort_unstable();
    assert_eq!(a, b);
}

#[test]
fn labels_are_csv_and_point_at_events_that_exist() {
    let generator = Generator::new(options(3000, 13)).unwrap();
    let (events, labels) = run(generator.options().clone());
    let events: HashMap<String, Event> = events
        .lines()
        .enumerate()
        .map(|(n, l)| parse_line(n + 1, l).unwrap())
        .map(|e| (e.id.clone(), e))
        .collect();
    let mut reader = csv::Reader::from_reader(labels.as_bytes());
    assert_eq!(
        reader.headers().unwrap(),
        vec!["case", "step", "occurrence", "expected", "reason"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let histories: Vec<_> = generator
        .histories()
        .filter(|h| !h.labels.is_empty())
        .collect();
    let in_memory: Vec<_> = histories.iter().flat_map(|h| h.labels.iter()).collect();
    assert_eq!(rows.len(), in_memory.len());
    assert!(rows.len() > 100, "too few labels to test: {}", rows.len());
    let mut statuses = HashSet::new();
    for (row, label) in rows.iter().zip(&in_memory) {
        assert_eq!(&row[0], label.case);
        assert_eq!(&row[1], label.step);
        assert_eq!(row[2].parse::<u32>().unwrap(), label.occurrence);
        assert!(label.occurrence >= 1);
        assert_eq!(&row[3], label.expected.as_str());
        assert!(row[4].starts_with("injected delay"), "{}", &row[4]);
        statuses.insert(row[3].to_owned());
        match &label.event {
            Some(id) => {
                let event = &events[id];
                assert_eq!(event.case, label.case);
                assert_eq!(event.step.as_deref(), Some(label.step));
                assert_eq!(event.action, Action::Complete);
                assert_eq!(&row[3], "late");
            }
            None => {
                assert_eq!(&row[3], "overdue");
                // The case has events, and fewer completes of the step than
                // the occurrence overdue.
                let completes = events
                    .values()
                    .filter(|e| e.case == label.case && e.step.as_deref() == Some(label.step))
                    .filter(|e| e.action == Action::Complete)
                    .count();
                assert!(completes < label.occurrence as usize, "{label:?}");
            }
        }
    }
    assert_eq!(statuses.len(), 2, "both statuses occur");
}

#[test]
fn a_period_that_ends_before_it_begins_is_refused() {
    let mut bad = options(1, 1);
    std::mem::swap(&mut bad.from, &mut bad.to);
    let message = Generator::new(bad).unwrap_err().to_string();
    assert!(
        message.starts_with("the period ends (`2024-04-01`)"),
        "{message}"
    );
}
