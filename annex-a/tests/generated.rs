//! Generated histories (`duly gen`) through the engine into a workbook, as
//! of days before, inside and after their period: nothing panics, and the
//! workbook holds every row the lists counted, as wide as its headers, with
//! date cells only in date columns.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{engine, read};
use duly_annex_a::{AnnexA, LISTS};
use duly_engine::{AsOf, RunOptions};
use duly_gen::{Generator, Options};
use jiff::civil::date;

#[test]
fn generated_histories_make_a_workbook_that_reads_back_whole() {
    let options = Options {
        children: 400,
        seed: 20210316,
        from: date(2024, 4, 1),
        to: date(2026, 3, 31),
        shuffle: true,
    };
    let mut events = Vec::new();
    Generator::new(options)
        .unwrap()
        .write(&mut events, None::<Vec<u8>>)
        .unwrap();
    let engine = engine(true);
    let mut filled = [0; LISTS.len()];
    for as_of in [
        date(2024, 3, 31),
        date(2024, 10, 1),
        date(2025, 8, 31),
        date(2026, 3, 31),
        date(2027, 2, 28),
    ] {
        let mut annex = AnnexA::new(as_of).unwrap();
        let window = annex.window();
        let run = RunOptions {
            as_of: AsOf::end_of(as_of),
            case: None,
        };
        let summary = engine
            .run_with(
                events.as_slice(),
                &run,
                |state| window.rows(&state),
                |rows| annex.extend(rows),
            )
            .unwrap();
        assert!(summary.errors.is_empty(), "{:?}", summary.errors);
        let mut bytes = Vec::new();
        annex.write(&mut bytes).unwrap();
        let sheets = read(&bytes);
        for ((list, sheet), count) in LISTS.iter().zip(&sheets).zip(annex.counts()) {
            assert_eq!(sheet.rows.len(), count + 1, "{} as of {as_of}", list.sheet);
            for row in &sheet.rows[1..] {
                assert_eq!(row.len(), list.columns.len());
                for (cell, column) in row.iter().zip(list.columns) {
                    let is_date = cell.starts_with("d:");
                    let date_column = column.header.contains("Date");
                    assert!(
                        !is_date || date_column,
                        "{} `{}`: {cell}",
                        list.sheet,
                        column.header
                    );
                    assert!(
                        cell.is_empty() || is_date || !date_column,
                        "{} `{}`: {cell}",
                        list.sheet,
                        column.header
                    );
                }
                // Every row names its child.
                assert!(row[0].starts_with('C'), "{}: {row:?}", list.sheet);
            }
        }
        if as_of == date(2024, 3, 31) {
            assert_eq!(annex.counts(), [0; 11], "nothing before the period");
        }
        for (total, count) in filled.iter_mut().zip(annex.counts()) {
            *total += count;
        }
    }
    // The generator's children reach Lists 3 to 8 (it makes no care leavers).
    for (list, total) in LISTS.iter().zip(filled).take(8).skip(2) {
        assert!(total > 0, "{} is never filled", list.sheet);
    }
}
