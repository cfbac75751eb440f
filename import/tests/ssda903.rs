//! The SSDA903 return: small tables made to test one mapping decision each,
//! and the random sample year for volume and robustness.

mod common;

use common::{assert_known_to_rules, data, outcomes, split};
use duly_events::{Event, Fact};
use duly_import::{ImportError, Severity, Table, read_903};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::fs::File;

fn import(name: &str, csv: &str) -> (Vec<Event>, Vec<ImportError>) {
    split(read_903(name, csv.as_bytes()))
}

const EPISODES: &str = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n";

#[test]
fn tables_are_told_by_their_columns() {
    let detect = |header: &str| Table::detect(header.split(','));
    assert_eq!(
        detect("CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"),
        Some(Table::Header)
    );
    assert_eq!(detect(EPISODES.trim()), Some(Table::Episodes));
    assert_eq!(detect("child,dob,review,review_code"), Some(Table::Reviews));
    assert_eq!(
        detect("CHILD,DOB,MISSING,MIS_START,MIS_END"),
        Some(Table::Missing)
    );
    assert_eq!(
        detect("\u{feff}CHILD,DOB,SW_ID,SW_DECOM,SW_DEC,SW_REASON"),
        Some(Table::SocialWorkers)
    );
    assert_eq!(detect("CHILD,SEX,DOB,DUC"), None, "uasc is not imported");
}

#[test]
fn a_period_of_care_with_a_change_of_placement_and_of_legal_status() {
    let csv = format!(
        "{EPISODES}\
         C1,01/04/2020,S,V2,N1,U1,PR1,10/05/2020,X1,CARPL,AB1 2CD,EF3 4GH,SC000001\n\
         C1,10/05/2020,P,V2,N1,R1,PR4,02/06/2020,X1,,,,\n\
         C1,02/06/2020,L,C2,N1,R1,PR4,1/9/2020,E4A,,,,\n\
         C1,15/01/2021,S,V2,N1,U3,PR1,,,,,,\n"
    );
    let (events, problems) = import("episodes.csv", &csv);
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(
        outcomes(&events),
        [
            "2020-04-01 looked_after.start",
            "2020-04-01 placement.start",
            "2020-05-10 placement.complete",
            "2020-05-10 placement.start",
            "2020-09-01 placement.complete",
            "2020-09-01 looked_after.complete",
            "2021-01-15 looked_after.start",
            "2021-01-15 placement.start",
        ]
    );
    let start = &events[1];
    assert_eq!(start.facts["placement_type"], Some(Fact::Text("U1".into())));
    assert_eq!(start.facts["legal_status"], Some(Fact::Text("V2".into())));
    assert_eq!(
        events[2].facts["reason_placement_change"],
        Some(Fact::Text("CARPL".into()))
    );
    // A change of legal status only: facts, no step.
    let legal = events
        .iter()
        .find(|e| e.id == "903:C1:2020-06-02:legal_status")
        .unwrap();
    assert_eq!(legal.facts["legal_status"], Some(Fact::Text("C2".into())));
    let ceased = events
        .iter()
        .find(|e| e.id == "903:C1:2020-09-01:looked_after.complete")
        .unwrap();
    assert_eq!(
        ceased.facts["reason_ceased"],
        Some(Fact::Text("E4A".into()))
    );
    // Postcodes and URNs are never imported.
    assert!(
        events
            .iter()
            .all(|e| !e.to_line().contains("AB1") && !e.to_line().contains("SC000001"))
    );
    assert_known_to_rules(&events);
}

#[test]
fn rows_out_of_order_and_care_begun_before_the_return() {
    let csv = format!(
        "{EPISODES}\
         C2,03/03/2021,T,C2,N2,U2,PR1,,,,,,\n\
         C2,01/01/2021,P,C2,N2,U1,PR1,03/03/2021,X1,STAND,,,\n"
    );
    let (events, problems) = import("episodes.csv", &csv);
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(
        outcomes(&events),
        [
            "2021-01-01 placement.start",
            "2021-03-03 placement.complete",
            "2021-03-03 placement.start"
        ]
    );
}

#[test]
fn bad_rows_are_named_and_the_rest_converts() {
    let csv = format!(
        "{EPISODES}\
         C3,01/04/20,S,V2,N1,U1,PR1,,,,,,\n\
         C3,31/02/2020,S,V2,N1,U1,PR1,,,,,,\n\
         C3,01/05/2020,Q,V2,N1,U1,PR1,,,,,,\n\
         C3,01/06/2020,S,V2,N1,U1,PR1,01/05/2020,E8,,,,\n\
         ,01/06/2020,S,V2,N1,U1,PR1,,,,,,\n\
         Jane Smith,01/06/2020,S,V2,N1,U1,PR1,,,,,,\n\
         C4,01/07/2020,S,Foster with Mrs Smith,N1,U1,PR1,05/07/2020,,,,,\n"
    );
    let (events, problems) = import("episodes.csv", &csv);
    let messages: Vec<_> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "episodes.csv:2: error: child `C3`, `DECOM`: `DECOM` does not have a four-digit year (dd/mm/YYYY); the episode is not imported",
            "episodes.csv:3: error: child `C3`, `DECOM`: `DECOM` is not a real date (dd/mm/YYYY); the episode is not imported",
            "episodes.csv:4: error: child `C3`, `RNE`: `RNE` is not a reason for a new episode (`S`, `L`, `P`, `T`, `B` or `U`); the episode is not imported",
            "episodes.csv:5: error: child `C3`, `DEC`: the episode ends (2020-05-01) before it starts (2020-06-01); the episode is not imported",
            "episodes.csv:6: error: `CHILD`: the row has no `CHILD`; it is not imported",
            "episodes.csv:7: error: `CHILD`: `CHILD` does not look like an id (no spaces, at most 64 characters); the row is not imported",
            "episodes.csv:8: error: child `C4`, `REC`: the episode ends but has no `REC`; the episode is imported as not yet ended",
            "episodes.csv:8: error: child `C4`, `LS`: `LS` is not a DfE code (capital letters and digits); it is left out",
        ]
    );
    for message in &messages {
        assert!(!message.contains("Smith"), "{message}");
    }
    assert_eq!(
        outcomes(&events),
        [
            "2020-07-01 looked_after.start",
            "2020-07-01 placement.start"
        ]
    );
    assert!(!events[0].facts.contains_key("legal_status"));
}

#[test]
fn reviews_missing_header_and_social_workers() {
    let (events, problems) = import(
        "reviews.csv",
        "CHILD,DOB,REVIEW,REVIEW_CODE\nC1,01/01/2010,20/05/2020,PN1\nC1,01/01/2010,,PN1\n",
    );
    assert_eq!(outcomes(&events), ["2020-05-20 cla_review.complete"]);
    assert_eq!(
        events[0].facts["review_participation"],
        Some(Fact::Text("PN1".into()))
    );
    assert_eq!(
        problems[0].to_string(),
        "reviews.csv:3: error: child `C1`, `REVIEW`: the row has no `REVIEW`; the review is not imported"
    );

    let (events, problems) = import(
        "missing.csv",
        "CHILD,DOB,MISSING,MIS_START,MIS_END\nC1,01/01/2010,M,01/06/2020,03/06/2020\nC1,01/01/2010,A,05/06/2020,06/06/2020\n\
         C1,01/01/2010,M,10/06/2020,\nC1,01/01/2010,M,20/06/2020,19/06/2020\n",
    );
    assert_eq!(
        outcomes(&events),
        [
            "2020-06-01 missing_episode.start",
            "2020-06-03 missing_episode.complete",
            "2020-06-10 missing_episode.start"
        ]
    );
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].element.as_deref(), Some("MIS_END"));

    let (events, problems) = import(
        "header.csv",
        "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nC1,2,01/01/2010,WBRI,A123456789012,1,01/01/2026\n",
    );
    assert!(problems.is_empty());
    assert_eq!(
        events[0].to_line(),
        r#"{"id":"903:C1:2010-01-01:child","case":"C1","at":"2010-01-01","action":"record","facts":{"date_of_birth":"2010-01-01","ethnicity":"WBRI","sex":"F"}}"#
    );

    let (events, problems) = import(
        "sw_episodes.csv",
        "\u{feff}CHILD,DOB,SW_ID,SW_DECOM,SW_DEC,SW_REASON\r\nC1,01/01/2010,SW101,01/01/2020,01/03/2020,MGRDEC\r\n\
         C1,01/01/2010,SW202,01/03/2020,01/05/2020,X\r\nC1,01/01/2010,Ann Lee,01/05/2020,,X\r\n",
    );
    let workers: Vec<_> = events
        .iter()
        .map(|e| format!("{} {:?}", e.at, e.facts["worker"]))
        .collect();
    assert_eq!(
        workers,
        [
            "2020-01-01 Some(Text(\"SW101\"))",
            "2020-03-01 Some(Text(\"SW202\"))",
            "2020-05-01 None"
        ]
    );
    assert_eq!(problems.len(), 1);
    assert!(!problems[0].to_string().contains("Ann"), "{}", problems[0]);
}

#[test]
fn a_table_not_imported_says_so() {
    let events = read_903(
        "uasc.csv",
        "CHILD,SEX,DOB,DUC\nC1,1,01/01/2010,01/01/2028\n".as_bytes(),
    );
    assert_eq!(events.table(), None);
    let (events, problems) = split(events);
    assert!(events.is_empty());
    assert_eq!(problems.len(), 1);
}

/// The random sample year (2,675 children): no panics, every table read,
/// and the counts of events and of problems kept as a snapshot. The sample
/// is random, so these counts are robustness checks, not an answer key.
#[test]
fn the_sample_year_converts_without_panics() {
    let mut summary = String::new();
    for name in [
        "header.csv",
        "episodes.csv",
        "reviews.csv",
        "missing.csv",
        "sw_episodes.csv",
    ] {
        let path = data(&format!("ssda903/{name}"));
        let reader = read_903(name, File::open(path).unwrap());
        assert!(reader.table().is_some(), "{name}");
        let (events, problems) = split(reader);
        assert_known_to_rules(&events);
        let ids: std::collections::BTreeSet<_> = events.iter().map(|e| &e.id).collect();
        assert_eq!(ids.len(), events.len(), "ids are unique in {name}");
        let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
        for event in &events {
            *kinds
                .entry(
                    event
                        .step
                        .clone()
                        .map_or("record".into(), |s| format!("{s}.{}", event.action)),
                )
                .or_default() += 1;
        }
        for problem in &problems {
            let shape: String = problem
                .message
                .chars()
                .map(|c| if c.is_ascii_digit() { '#' } else { c })
                .collect();
            let severity = if problem.severity == Severity::Error {
                "error"
            } else {
                "warning"
            };
            *kinds.entry(format!("{severity}: {shape}")).or_default() += 1;
        }
        writeln!(
            summary,
            "{name}: {} events, {} problems",
            events.len(),
            problems.len()
        )
        .unwrap();
        for (kind, count) in kinds {
            writeln!(summary, "  {count:>6}  {kind}").unwrap();
        }
    }
    insta::assert_snapshot!("sample_year", summary);
}
