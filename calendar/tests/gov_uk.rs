//! The rules against gov.uk's published bank holidays, 2016–2030, in both
//! directions: every published day is produced with the same title, and every
//! produced day is published.

use duly_calendar::{Division, bank_holidays};
use jiff::civil::Date;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Rows for 2029–2030 carry this mark: gov.uk has not published them yet.
const COMPUTED: &str = " [computed by rule - not yet published - unconfirmed]";

/// The reference folder sits beside the checkout (`../shared` from the
/// workspace root). A worktree nested one folder deeper (`wt/<branch>`) finds
/// it one level further up. The test fails if neither exists.
fn reference_csv(name: &str) -> PathBuf {
    let beside = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/reference/bank-holidays"
    ));
    let nested = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/reference/bank-holidays"
    ));
    let folder = if beside.is_dir() { beside } else { nested };
    folder.join(name)
}

fn published(division: Division) -> BTreeMap<Date, String> {
    let path = reference_csv(match division {
        Division::EnglandAndWales => "england-and-wales.csv",
        Division::Scotland => "scotland.csv",
        Division::NorthernIreland => "northern-ireland.csv",
    });
    assert!(path.is_file(), "cannot find {}", path.display());
    let mut reader = csv::Reader::from_path(&path).expect("the reference CSV is readable");
    let mut rows = BTreeMap::new();
    for record in reader.records() {
        let record = record.expect("a well-formed row");
        let date: Date = record[0].parse().expect("a date");
        let title = record[1].strip_suffix(COMPUTED).unwrap_or(&record[1]);
        assert!(
            rows.insert(date, title.to_string()).is_none(),
            "{date} twice"
        );
    }
    rows
}

#[test]
fn rules_reproduce_gov_uk_both_ways() {
    for division in Division::ALL {
        let published = published(division);
        assert!(published.len() > 100, "{division:?}: too few rows");
        let produced: BTreeMap<Date, String> = (2016..=2030)
            .flat_map(|year| bank_holidays(division, year))
            .map(|h| (h.date, h.title.to_string()))
            .collect();
        for (date, title) in &published {
            assert_eq!(
                produced.get(date),
                Some(title),
                "{division:?}: published {date} {title}"
            );
        }
        for (date, title) in &produced {
            assert_eq!(
                published.get(date),
                Some(title),
                "{division:?}: produced {date} {title}"
            );
        }
    }
}
