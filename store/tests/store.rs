//! The store's contract: each event kept once, read back in apply order.

#![allow(clippy::unwrap_used, reason = "test helpers stop at the first failure")]

use duly_events::{Event, parse_line};
use duly_store::{
    ActionKey, ActionRecorded, Appended, CaseTally, EventStore, Rejection, SqliteStore, StoreError,
};
use proptest::prelude::*;

fn event(id: &str, case: &str, at: &str) -> Event {
    let line = format!(
        r#"{{"id":"{id}","case":"{case}","at":"{at}","step":"referral","action":"start"}}"#
    );
    parse_line(1, &line).unwrap()
}

fn open() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("duly.db")).unwrap();
    (dir, store)
}

fn ids(events: &[duly_store::StoredEvent]) -> Vec<&str> {
    events
        .iter()
        .map(|stored| stored.event.id.as_str())
        .collect()
}

#[test]
fn a_case_tally_changes_with_every_new_event_of_the_case_and_only_then() {
    let (_dir, store) = open();
    assert_eq!(store.case_tally("C1").unwrap(), CaseTally::default());
    store
        .append(&[
            event("e-1", "C1", "2019-04-12"),
            event("e-2", "C2", "2019-04-12"),
        ])
        .unwrap();
    let first = store.case_tally("C1").unwrap();
    assert_eq!(first, CaseTally::of(&store.case_events("C1").unwrap()));
    assert_eq!(first.events, 1);
    // Another case's event, and a duplicate, leave it as it was.
    store
        .append(&[
            event("e-3", "C2", "2019-04-13"),
            event("e-1", "C1", "2019-04-12"),
        ])
        .unwrap();
    assert_eq!(store.case_tally("C1").unwrap(), first);
    // An event dated before the others still changes it.
    store.append(&[event("e-4", "C1", "2018-01-01")]).unwrap();
    let second = store.case_tally("C1").unwrap();
    assert_ne!(second, first);
    assert_eq!(second, CaseTally::of(&store.case_events("C1").unwrap()));
}

#[test]
fn keeps_each_event_once_and_refuses_changed_content() {
    let (_dir, store) = open();
    let first = event("e-1", "C1", "2019-04-12");
    let mut changed = first.clone();
    changed.at = duly_events::At::parse("2019-04-13").unwrap();

    let outcomes = store
        .append(&[
            first.clone(),
            event("e-2", "C1", "2019-04-12"),
            first.clone(),
            changed.clone(),
        ])
        .unwrap();
    assert_eq!(
        outcomes,
        [
            Appended::Accepted,
            Appended::Accepted,
            Appended::Duplicate,
            Appended::Rejected(Rejection::Conflict { id: "e-1".into() }),
        ]
    );
    assert_eq!(
        store.append(std::slice::from_ref(&first)).unwrap(),
        [Appended::Duplicate]
    );
    assert_eq!(store.count().unwrap(), 2);
    let stored = store.case_events("C1").unwrap();
    assert_eq!(stored[0].event, first, "the first content stays");
}

#[test]
fn a_conflict_names_the_id_and_never_the_content() {
    let (_dir, store) = open();
    let line = r#"{"id":"e-9","case":"C1","at":"2019-04-12","action":"record","facts":{"worker":"Jane Doe"}}"#;
    let other = r#"{"id":"e-9","case":"C1","at":"2019-04-12","action":"record","facts":{"worker":"John Roe"}}"#;
    store.append(&[parse_line(1, line).unwrap()]).unwrap();
    let outcome = store.append(&[parse_line(2, other).unwrap()]).unwrap();
    let Appended::Rejected(rejection) = &outcome[0] else {
        panic!("expected a conflict, got {outcome:?}")
    };
    let message = rejection.to_string();
    assert_eq!(
        message,
        "event `e-9` is already stored with different content: send a correction as a new event with its own id"
    );
    assert!(!message.contains("Jane") && !message.contains("John"));
}

#[test]
fn the_same_instant_written_with_another_offset_is_other_content() {
    // The offset is part of what the case system sent, and is written back.
    let (_dir, store) = open();
    let summer = event("e-1", "C1", "2019-10-25T12:00:00+01:00");
    let utc = event("e-1", "C1", "2019-10-25T11:00:00Z");
    assert_eq!(
        store.append(&[summer, utc]).unwrap()[1],
        Appended::Rejected(Rejection::Conflict { id: "e-1".into() })
    );
}

#[test]
fn reads_a_case_in_the_order_its_events_apply() {
    let (_dir, store) = open();
    store
        .append(&[
            event("late", "C1", "2019-04-13"),
            event("other-case", "C2", "2019-01-01"),
            event("evening", "C1", "2019-04-12T18:00:00+01:00"),
            event("day", "C1", "2019-04-12"),
            event("morning", "C1", "2019-04-12T09:00:00+01:00"),
            // 23:30 UTC on the 11th is 00:30 on the 12th in London: after
            // both dates alone (the start of the day), before the morning.
            event("night", "C1", "2019-04-11T23:30:00Z"),
            event("day-again", "C1", "2019-04-12"),
        ])
        .unwrap();
    assert_eq!(
        ids(&store.case_events("C1").unwrap()),
        ["day", "day-again", "night", "morning", "evening", "late"]
    );
    assert_eq!(ids(&store.case_events("C2").unwrap()), ["other-case"]);
    assert!(store.case_events("C3").unwrap().is_empty());
}

#[test]
fn arrival_counts_up_across_batches() {
    let (_dir, store) = open();
    store.append(&[event("a", "C1", "2019-04-12")]).unwrap();
    store
        .append(&[
            event("a", "C1", "2019-04-12"),
            event("b", "C1", "2019-04-12"),
        ])
        .unwrap();
    let arrivals: Vec<u64> = store
        .case_events("C1")
        .unwrap()
        .iter()
        .map(|stored| stored.arrival)
        .collect();
    assert_eq!(arrivals, [1, 2]);
}

#[test]
fn streams_every_event_case_by_case_across_pages() {
    let (_dir, store) = open();
    // More than one page (1,000), cases interleaved and days out of order.
    let events: Vec<Event> = (0..2_500)
        .map(|n| {
            event(
                &format!("e-{n}"),
                &format!("C{}", n % 7),
                &format!("2019-{:02}-{:02}", 12 - n % 12, 1 + n % 28),
            )
        })
        .collect();
    for batch in events.chunks(600) {
        store.append(batch).unwrap();
    }
    // Read on another thread, as a service's blocking task would.
    let stream = store.events().unwrap();
    let streamed: Vec<_> = std::thread::scope(|scope| {
        scope
            .spawn(|| stream.map(Result::unwrap).collect())
            .join()
            .unwrap()
    });
    let mut expected = Vec::new();
    for case in store.case_ids().unwrap() {
        expected.extend(store.case_events(&case).unwrap());
    }
    assert_eq!(streamed.len(), 2_500);
    assert_eq!(streamed, expected);
    assert_eq!(
        store.case_ids().unwrap(),
        ["C0", "C1", "C2", "C3", "C4", "C5", "C6"]
    );
    assert_eq!(store.count().unwrap(), 2_500);
}

#[test]
fn a_stream_reads_one_snapshot_while_writes_go_on() {
    let (_dir, store) = open();
    let events: Vec<Event> = (0..1_500)
        .map(|n| event(&format!("e-{n}"), "C1", "2019-04-12"))
        .collect();
    store.append(&events).unwrap();
    let mut stream = store.events().unwrap();
    assert!(stream.next().is_some());
    // Written after the stream began, and sorting before what is left of it.
    store
        .append(&[
            event("new", "C0", "2019-01-01"),
            event("new-2", "C1", "2019-01-01"),
        ])
        .unwrap();
    assert_eq!(stream.count(), 1_499);
    assert_eq!(store.events().unwrap().count(), 1_502);
}

#[test]
fn keeps_everything_across_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("duly.db");
    {
        let store = SqliteStore::open(&path).unwrap();
        store
            .append(&[event("e-1", "C1", "2019-04-12T10:15:30.5+01:00")])
            .unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    let stored = store.case_events("C1").unwrap();
    assert_eq!(
        stored[0].event,
        event("e-1", "C1", "2019-04-12T10:15:30.5+01:00")
    );
    assert_eq!(
        store
            .append(&[event("e-1", "C1", "2019-04-12T10:15:30.5+01:00")])
            .unwrap(),
        [Appended::Duplicate]
    );
}

#[test]
fn records_each_action_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("duly.db");
    let key = ActionKey {
        case: "C1".into(),
        plugin: "escalate".into(),
        hook: "on_breach".into(),
        occurrence: "initial_assessment#1".into(),
        moment: "2019-04-26T23:00:00Z".parse().unwrap(),
    };
    let action = serde_json::json!({"notify": "team-manager"});
    {
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(
            store.record_action(&key, &action).unwrap(),
            ActionRecorded::Inserted
        );
        assert_eq!(
            store.record_action(&key, &action).unwrap(),
            ActionRecorded::AlreadyRecorded
        );
    }
    // After a restart, and from another store on the same file.
    let store = SqliteStore::open(&path).unwrap();
    let again = SqliteStore::open(&path).unwrap();
    assert_eq!(
        again.record_action(&key, &serde_json::json!({})).unwrap(),
        ActionRecorded::AlreadyRecorded
    );
    for other in [
        ActionKey {
            case: "C2".into(),
            ..key.clone()
        },
        ActionKey {
            plugin: "notify".into(),
            ..key.clone()
        },
        ActionKey {
            hook: "on_approaching".into(),
            ..key.clone()
        },
        ActionKey {
            occurrence: "initial_assessment#2".into(),
            ..key.clone()
        },
        ActionKey {
            moment: "2019-04-27T23:00:00Z".parse().unwrap(),
            ..key.clone()
        },
    ] {
        assert_eq!(
            store.record_action(&other, &action).unwrap(),
            ActionRecorded::Inserted,
            "{other:?}"
        );
    }
}

#[test]
fn refuses_a_file_that_is_not_a_duly_database() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("notes.db");
    std::fs::write(
        &garbage,
        b"these are not the bytes of a database, but they are long enough to look at",
    )
    .unwrap();
    let err = SqliteStore::open(&garbage).unwrap_err();
    assert!(matches!(err, StoreError::NotDuly { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "`{}` is not a Duly database: choose a new file or an existing Duly database",
            garbage.display()
        )
    );

    let foreign = dir.path().join("other.db");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE t (x)")
        .unwrap();
    let err = SqliteStore::open(&foreign).unwrap_err();
    assert!(matches!(err, StoreError::NotDuly { .. }), "{err:?}");
    let mode: String = rusqlite::Connection::open(&foreign)
        .unwrap()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "delete", "a foreign file is left as it was");
}

#[test]
fn a_missing_folder_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = SqliteStore::open(dir.path().join("nowhere/duly.db")).unwrap_err();
    assert!(
        err.to_string()
            .contains("could not be used: unable to open database file"),
        "{err}"
    );
}

#[test]
fn an_event_changed_outside_duly_is_an_error_naming_its_id() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("duly.db");
    let store = SqliteStore::open(&path).unwrap();
    store
        .append(&[
            event("e-1", "C1", "2019-04-12"),
            event("e-2", "C1", "2019-04-13"),
            event("e-3", "C2", "2019-04-13"),
        ])
        .unwrap();
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE events SET body = '{\"secret\":' WHERE id = 'e-2'",
            [],
        )
        .unwrap();

    let err = store.case_events("C1").unwrap_err();
    assert!(
        matches!(&err, StoreError::Corrupt { id, .. } if id == "e-2"),
        "{err:?}"
    );
    assert!(!err.to_string().contains("secret"));
    // The stream reports the bad event and goes on with the rest.
    let streamed: Vec<_> = store.events().unwrap().collect();
    assert_eq!(streamed.len(), 3);
    assert!(streamed[1].is_err());
    assert_eq!(streamed[2].as_ref().unwrap().event.id, "e-3");
}

fn arb_at() -> impl Strategy<Value = String> {
    // Days and instants around the end of British Summer Time, where the
    // local date and the UTC date disagree for an hour.
    prop_oneof![
        (24u8..=28).prop_map(|day| format!("2019-10-{day:02}")),
        (
            24u8..=28,
            0u8..24,
            0u8..60,
            prop::sample::select(vec!["Z", "+01:00", "-05:00", "+00:00"])
        )
            .prop_map(|(day, hour, minute, offset)| format!(
                "2019-10-{day:02}T{hour:02}:{minute:02}:00{offset}"
            )),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// The store's order is the event format's own: `At`'s order, ties kept
    /// in arrival order (a stable sort of what was accepted).
    #[test]
    fn apply_order_is_the_order_of_at(ats in prop::collection::vec(arb_at(), 1..60), split in 0usize..60) {
        let (_dir, store) = open();
        let events: Vec<Event> = ats.iter().enumerate().map(|(n, at)| event(&format!("e-{n}"), "C1", at)).collect();
        let (first, second) = events.split_at(split.min(events.len()));
        store.append(second).unwrap();
        store.append(first).unwrap();
        let mut expected: Vec<Event> = second.iter().chain(first).cloned().collect();
        expected.sort_by_key(|event| event.at.order_key());
        let stored: Vec<Event> = store.case_events("C1").unwrap().into_iter().map(|stored| stored.event).collect();
        prop_assert_eq!(stored, expected);
    }
}

#[test]
fn keeps_each_rule_generation_and_the_cases_moved_to_later_ones() {
    use duly_store::RuleHistory;
    let (_dir, store) = open();
    store
        .append(&[
            event("e-1", "C1", "2019-04-12"),
            event("e-2", "C2", "2019-04-12"),
        ])
        .unwrap();
    let first = store.save_generation("{\"rules\":1}", &[], &[]).unwrap();
    store.append(&[event("e-3", "C3", "2019-04-13")]).unwrap();
    let second = store
        .save_generation("{\"rules\":2}", &[first], &["C2".to_owned()])
        .unwrap();
    let generations = store.generations().unwrap();
    assert_eq!(generations.len(), 2);
    assert_eq!((first, second), (1, 2));
    assert_eq!(generations[0].from_arrival, 3, "after the first two events");
    assert_eq!(generations[0].moved_to, Some(2));
    assert_eq!(generations[1].from_arrival, 4);
    assert_eq!(generations[1].moved_to, None);
    assert_eq!(generations[1].body, "{\"rules\":2}");
    assert_eq!(store.case_moves().unwrap(), [("C2".to_owned(), 2)]);
    assert_eq!(
        store.case_first_arrivals().unwrap(),
        [
            ("C1".to_owned(), 1),
            ("C2".to_owned(), 2),
            ("C3".to_owned(), 3)
        ]
    );
    assert_eq!(store.first_arrival("C3").unwrap(), Some(3));
    assert_eq!(store.first_arrival("nobody").unwrap(), None);
}
