//! The DfE returns' samples (`shared/data`), imported as councils import
//! them, through the engine into a workbook: nothing panics, every row reads
//! back whole, and every child placed at the as-of date is in List 8.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{data, engine, read};
use duly_annex_a::{AnnexA, LISTS};
use duly_engine::{AsOf, RunOptions};
use duly_events::Event;
use duly_import::{ImportError, read_903, read_cin};
use jiff::civil::{Date, date};
use std::collections::BTreeSet;
use std::io::BufReader;

fn lines(events: impl Iterator<Item = Result<Event, ImportError>>) -> Vec<u8> {
    let mut out = Vec::new();
    for event in events.flatten() {
        out.extend(event.to_line().bytes());
        out.push(b'\n');
    }
    out
}

/// The workbook as of `as_of`, and the children with a placement open then.
fn annex(events: &[u8], as_of: Date) -> (Vec<u8>, BTreeSet<String>) {
    let engine = engine(false);
    let mut annex = AnnexA::new(as_of).unwrap();
    let mut placed = BTreeSet::new();
    let options = RunOptions {
        as_of: AsOf::end_of(as_of),
        case: None,
    };
    engine
        .run(events, &options, |state| {
            let open = state
                .occurrences
                .iter()
                .any(|o| &*o.step == "placement" && o.completed.is_none() && o.closed.is_none());
            if open {
                placed.insert(state.case.clone());
            }
            annex.add(&state).unwrap();
        })
        .unwrap();
    let mut bytes = Vec::new();
    annex.write(&mut bytes).unwrap();
    (bytes, placed)
}

fn check_widths(bytes: &[u8]) {
    for (list, sheet) in LISTS.iter().zip(read(bytes)) {
        assert_eq!(sheet.name, list.sheet);
        assert!(
            sheet.rows.iter().all(|r| r.len() == list.columns.len()),
            "{}",
            list.sheet
        );
    }
}

#[test]
fn every_child_placed_at_the_date_is_in_list_8() {
    let mut events = Vec::new();
    for table in ["header", "episodes", "reviews", "missing", "sw_episodes"] {
        let path = data(&format!("ssda903/{table}.csv"));
        let file = std::fs::File::open(&path).unwrap();
        events.extend(lines(read_903(table, BufReader::new(file))));
    }
    for as_of in [date(2017, 3, 31), date(2018, 3, 31)] {
        let (bytes, placed) = annex(&events, as_of);
        check_widths(&bytes);
        let sheets = read(&bytes);
        let list_8 = &sheets[7];
        let ceased = list_8
            .headers()
            .iter()
            .position(|h| h == "Date Ceased to be Looked After")
            .unwrap();
        let listed: BTreeSet<String> = list_8.rows[1..]
            .iter()
            .filter(|r| r[ceased].is_empty())
            .map(|r| r[0].clone())
            .collect();
        assert!(placed.len() > 500, "as of {as_of}: {} placed", placed.len());
        let missing: Vec<_> = placed.difference(&listed).collect();
        assert!(
            missing.is_empty(),
            "as of {as_of}, not in List 8: {missing:?}"
        );
    }
}

#[test]
fn cin_census_samples_make_a_workbook_that_reads_back_whole() {
    let mut events = Vec::new();
    for file in [
        "BAR_cin_2022.xml",
        "CIN_Census_2021.xml",
        "CIN_Census_2024.xml",
        "CIN_Census_2026.xml",
        "CIN2rows.xml",
    ] {
        let path = data(&format!("cin-census/{file}"));
        let reader = BufReader::new(std::fs::File::open(&path).unwrap());
        events.extend(lines(read_cin(file, reader)));
    }
    for as_of in [date(2021, 3, 31), date(2022, 3, 31), date(2024, 3, 31)] {
        let (bytes, _) = annex(&events, as_of);
        check_widths(&bytes);
    }
}
