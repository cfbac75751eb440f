//! The report's formats: the JSON contract, CSV and the terminal table as
//! snapshots, the HTML page self-contained and accessible, the workbook
//! read back with calamine.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "a test stops at its first failure"
)]

mod common;

use calamine::{Data, Reader, Xlsx};
use common::{JUNE, period, report};
use duly_report::{Report, Section, Split, render};
use std::io::{Cursor, Read};

/// June's referrals, a late return home interview (an hour-based deadline),
/// a referral at risk, and a team name that HTML must escape.
fn fixture() -> Report {
    let text = format!(
        "{JUNE}
        M1 m1-1 2025-06-10T08:00:00+01:00 missing_episode start team=Missing_&_<Found>
        M1 m1-2 2025-06-10T22:00:00+01:00 missing_episode complete
        M1 m1-3 2025-06-14T09:30:00+01:00 rhi complete
        C7 c7-1 2025-07-14 referral start team=North worker=W1
        "
    );
    report(&text, period("2025-07-15", "2025-06-01", "2025-06-30"))
}

fn csv(report: &Report, section: Section, by: Split) -> String {
    let mut out = Vec::new();
    render::csv(report, section, by, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn json_follows_the_contract() {
    let report = fixture();
    let mut out = Vec::new();
    render::json(&report, &mut out).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    // The measures' fields are a contract with every reader.
    for measure in json["measures"].as_array().unwrap() {
        for field in ["id", "numerator", "denominator", "percent"] {
            assert!(measure.get(field).is_some(), "{field} in {measure}");
        }
    }
    insta::assert_snapshot!(String::from_utf8(out).unwrap());
}

#[test]
fn a_section_alone_is_its_part_of_the_json() {
    let report = fixture();
    let mut whole = Vec::new();
    render::json(&report, &mut whole).unwrap();
    let whole: serde_json::Value = serde_json::from_slice(&whole).unwrap();
    for section in Section::ALL {
        assert_eq!(
            report.section_json(section),
            whole[section.name()],
            "{section}"
        );
        assert_eq!(section.name().parse::<Section>().unwrap(), section);
    }
    assert_eq!(
        "breach".parse::<Section>().unwrap_err(),
        "unknown section `breach`: choose one of measures, breaches, at_risk, timeliness, open_cases, worker_changes, drift, plugin_summary, plugin_actions"
    );
}

#[test]
fn csv_has_a_header_and_a_row_for_each_breach() {
    insta::assert_snapshot!(csv(&fixture(), Section::Breaches, Split::Step));
}

#[test]
fn csv_of_timeliness_by_worker_has_the_overall_row_then_each_worker() {
    let text = csv(&fixture(), Section::Timeliness, Split::Worker);
    insta::assert_snapshot!(text);
}

#[test]
fn the_table_for_a_terminal() {
    let mut out = Vec::new();
    render::table(&fixture(), &Section::ALL, Split::Month, &mut out).unwrap();
    insta::assert_snapshot!(String::from_utf8(out).unwrap());
}

fn html(report: &Report) -> String {
    let mut out = Vec::new();
    render::html(report, Split::Team, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn the_html_page_is_self_contained() {
    let page = html(&fixture());
    let lower = page.to_lowercase();
    for banned in [
        "src=", "<script", "@import", "url(", "<link", "http:", "https:", "//cdn",
    ] {
        assert!(!lower.contains(banned), "the page holds `{banned}`");
    }
    // Links, if any, stay within the page.
    for (i, _) in lower.match_indices("href=") {
        assert!(lower[i + 5..].starts_with("\"#"), "{}", &page[i..i + 40]);
    }
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<style>") && page.contains("@media print"));
}

#[test]
fn the_html_page_has_the_measures_charts_and_tables_in_order() {
    let page = html(&fixture());
    let at = |needle: &str| {
        page.find(needle)
            .unwrap_or_else(|| panic!("no `{needle}` in the page"))
    };
    assert!(at("Headline measures") < at("On time by month"));
    assert!(at("On time by month") < at("Breaches by team"));
    assert!(at("Breaches by team") < at("<h3 id=\"breaches-h\">"));
    assert!(at("<h3 id=\"breaches-h\">") < at("<h3 id=\"at_risk-h\">"));
    // A chart for each timescale with deadlines due, one for the teams.
    assert_eq!(page.matches("<svg role=\"img\"").count(), 3);
    // Each chart says what it shows in words, and every bar its value.
    assert_eq!(page.matches("<title id=").count(), 3);
    assert_eq!(page.matches("<desc id=").count(), 3);
    assert!(page.contains("Jun 2025: 50.0% of 4"));
    assert!(page.contains("% on time"));
    assert!(page.contains(">50%</text>"));
    // Team names are escaped, never markup.
    assert!(page.contains("Missing &amp; &lt;Found&gt;"));
    assert!(!page.contains("<Found>"));
    // The explanations are in the breach table.
    assert!(page.contains("1 working day after the referral started on Fri 27 Jun 2025"));
}

fn sheet_xml(bytes: &[u8], n: usize) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    zip.by_name(&format!("xl/worksheets/sheet{n}.xml"))
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

#[test]
fn the_workbook_has_a_sheet_a_section_with_dates_filters_and_a_frozen_header() {
    let report = fixture();
    let bytes = render::xlsx(&report, Split::Month).unwrap();
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.clone())).unwrap();
    let names = book.sheet_names();
    let mut expected: Vec<String> = Section::ALL.iter().map(|s| s.title().to_owned()).collect();
    expected.push("Notes".into());
    assert_eq!(names, expected);

    let breaches = book.worksheet_range("Breaches").unwrap();
    let header: Vec<String> = breaches
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(
        header,
        [
            "case",
            "step",
            "occurrence",
            "due",
            "completed",
            "status",
            "late",
            "late_unit",
            "team",
            "worker",
            "workflow",
            "source",
            "local",
            "anchor_event",
            "explanation"
        ]
    );
    assert_eq!(breaches.height(), 1 + report.breaches.len());
    // C3's referral, due Mon 30 June 2025, not done.
    let c3 = breaches
        .rows()
        .find(|r| r[0] == Data::String("C3".into()))
        .unwrap();
    match &c3[3] {
        Data::DateTime(due) => {
            assert!(due.is_datetime());
            // Excel's serial day for 2025-06-30.
            assert_eq!(due.as_f64(), 45838.0);
        }
        other => panic!("the due cell is {other:?}, not a date"),
    }
    assert_eq!(c3[4], Data::Empty);
    assert_eq!(c3[6], Data::Float(11.0));
    // M1's return home interview was due at 22:00 on 13 June 2025 and done
    // at 09:30 on the 14th: date and time cells, London time.
    let m1 = breaches
        .rows()
        .find(|r| r[0] == Data::String("M1".into()))
        .unwrap();
    match (&m1[3], &m1[4]) {
        (Data::DateTime(due), Data::DateTime(done)) => {
            assert!((due.as_f64() - (45821.0 + 22.0 / 24.0)).abs() < 1e-6);
            assert!((done.as_f64() - (45822.0 + 9.5 / 24.0)).abs() < 1e-6);
        }
        other => panic!("{other:?}"),
    }

    let timeliness = book.worksheet_range("Timeliness by step").unwrap();
    let rows: Vec<Vec<String>> = timeliness
        .rows()
        .filter(|r| r[0] == Data::String("referral".into()))
        .map(|r| r[3..6].iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows, [["all", "", "4"], ["month", "2025-06", "4"]]);

    // Every sheet: the header row frozen, filters on over every column and row.
    for (n, name) in expected.iter().enumerate() {
        let xml = sheet_xml(&bytes, n + 1);
        assert!(
            xml.contains(
                r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
            ),
            "{name}: {xml}"
        );
        let range = book.worksheet_range(name).unwrap();
        let (rows, cols) = range.get_size();
        let last_col = (b'A' + (cols as u8) - 1) as char;
        assert!(
            xml.contains(&format!(r#"<autoFilter ref="A1:{last_col}{rows}"/>"#)),
            "{name}: {xml}"
        );
    }
}

#[test]
fn the_measures_sheet_charts_each_measure_from_its_own_cells() {
    let report = fixture();
    let bytes = render::xlsx(&report, Split::Step).unwrap();
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut chart = String::new();
    zip.by_name("xl/charts/chart1.xml")
        .unwrap()
        .read_to_string(&mut chart)
        .unwrap();
    let rows = report.measures.len() + 1;
    // Titles (column B) against percentages (column F), one bar a measure.
    assert!(
        chart.contains(&format!("<c:f>Measures!$B$2:$B${rows}</c:f>")),
        "{chart}"
    );
    assert!(
        chart.contains(&format!("<c:f>Measures!$F$2:$F${rows}</c:f>")),
        "{chart}"
    );
    assert!(chart.contains("<c:barDir val=\"bar\"/>"), "{chart}");
    // The chart sits on the measures sheet, the first.
    let mut rels = String::new();
    zip.by_name("xl/worksheets/_rels/sheet1.xml.rels")
        .unwrap()
        .read_to_string(&mut rels)
        .unwrap();
    assert!(rels.contains("drawing"), "{rels}");
}
