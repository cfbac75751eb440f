//! The workbook read back: the template's sheets and headers, and for a
//! small hand-written scenario every row and date of every list, worked out
//! by hand, with the window's edges.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Sheet, engine, part, read, template_sheets};
use duly_annex_a::{AnnexA, AnnexError, Fill, LISTS, NOTES, PATHWAY_REVIEW};
use duly_engine::AsOf;
use jiff::civil::{Date, date};

/// The Annex A date of the scenario: the activity window runs from
/// 16/09/2020 to 16/03/2021, the last 12 months from 16/03/2020.
const AS_OF: Date = date(2021, 3, 16);

/// Eight children. Dates on the window's edges are on purpose: 15/09/2020
/// is the day before the window, 16/09/2020 its first day, 16/03/2021 the
/// as-of date and 17/03/2021 the day after (never counted). F6's period of
/// care and assessment reach Duly only through their ends, as a child
/// already looked after when an SSDA903 year began does; G7 has only
/// placements (no `looked_after` at all); H8's period ends alone in an
/// episode after its placements'.
const EVENTS: &str = r#"
{"id":"a01","case":"A1","at":"2019-09-15","step":"referral","action":"start","facts":{"date_of_birth":"2010-03-17","sex":"F","ethnicity":"WBRI","disabled":false,"team":"North","worker":"W101"}}
{"id":"a02","case":"A1","at":"2019-09-15","step":"referral","action":"complete","outcome":"nfa"}
{"id":"a03","case":"A1","at":"2019-09-16","step":"referral","action":"start"}
{"id":"a04","case":"A1","at":"2019-09-16","step":"referral","action":"complete","outcome":"nfa"}
{"id":"a05","case":"A1","at":"2020-09-15","step":"referral","action":"start"}
{"id":"a06","case":"A1","at":"2020-09-15","step":"referral","action":"complete","outcome":"nfa"}
{"id":"a07","case":"A1","at":"2020-09-16","step":"referral","action":"start","facts":{"referral_source":"8","primary_need":"N1"}}
{"id":"a08","case":"A1","at":"2020-09-16","step":"referral","action":"complete","outcome":"assessment"}
{"id":"a09","case":"A1","at":"2020-10-20","step":"assessment","action":"complete","outcome":"strategy_discussion"}
{"id":"a10","case":"A1","at":"2020-10-21","step":"strategy_discussion","action":"complete","outcome":"s47"}
{"id":"a11","case":"A1","at":"2020-10-22","step":"s47_enquiry","action":"start"}
{"id":"a12","case":"A1","at":"2020-11-05","step":"s47_enquiry","action":"complete","outcome":"icpc"}
{"id":"a13","case":"A1","at":"2020-11-12","step":"icpc","action":"complete","outcome":"cp_plan"}
{"id":"a14","case":"A1","at":"2020-11-12","step":"cp_plan","action":"start","facts":{"category_of_abuse":"NEG"}}
{"id":"a15","case":"A1","at":"2020-11-19","step":"cp_visit","action":"complete"}
{"id":"a16","case":"A1","at":"2020-12-01","step":"cp_visit","action":"complete"}
{"id":"a17","case":"A1","at":"2021-02-10","step":"rcpc","action":"complete","outcome":"continue"}
{"id":"a18","case":"A1","at":"2021-03-16","step":"cp_visit","action":"complete"}
{"id":"a19","case":"A1","at":"2021-03-16","step":"referral","action":"start","facts":{"referral_source":"1A"}}
{"id":"a20","case":"A1","at":"2021-03-17","step":"cp_visit","action":"complete"}
{"id":"b01","case":"B2","at":"2019-01-10","step":"looked_after","action":"start","facts":{"date_of_birth":"2005-03-16","sex":"M","ethnicity":"APKN","legal_status":"C2","category_of_need":"N1","team":"CiC","worker":"W300"}}
{"id":"b02","case":"B2","at":"2019-01-10","step":"placement","action":"start","facts":{"placement_type":"U6","placement_provider":"PR1"}}
{"id":"b03","case":"B2","at":"2020-03-15T22:00:00Z","step":"missing_episode","action":"start"}
{"id":"b04","case":"B2","at":"2020-03-16T07:00:00Z","step":"missing_episode","action":"complete"}
{"id":"b05","case":"B2","at":"2020-03-17T10:00:00Z","step":"rhi","action":"complete"}
{"id":"b06","case":"B2","at":"2020-03-16T20:00:00Z","step":"missing_episode","action":"start"}
{"id":"b07","case":"B2","at":"2020-03-17T09:00:00Z","step":"missing_episode","action":"complete"}
{"id":"b08","case":"B2","at":"2020-03-18T10:00:00Z","step":"rhi","action":"complete"}
{"id":"b09","case":"B2","at":"2020-06-01","step":"looked_after","action":"complete","facts":{"reason_ceased":"E4A"}}
{"id":"b10","case":"B2","at":"2020-09-16","step":"looked_after","action":"start"}
{"id":"b11","case":"B2","at":"2020-09-16","step":"placement","action":"start","facts":{"placement_type":"U6","placement_provider":"PR1"}}
{"id":"b12","case":"B2","at":"2020-09-22","step":"cla_visit","action":"complete"}
{"id":"b13","case":"B2","at":"2020-10-01","step":"health_assessment","action":"complete"}
{"id":"b14","case":"B2","at":"2020-10-14","step":"cla_review","action":"complete"}
{"id":"b15","case":"B2","at":"2020-12-01","step":"placement","action":"complete"}
{"id":"b16","case":"B2","at":"2020-12-01","step":"placement","action":"start","facts":{"placement_type":"K2","placement_provider":"PR4"}}
{"id":"b17","case":"B2","at":"2020-12-05","step":"cla_visit","action":"complete"}
{"id":"b18","case":"B2","at":"2020-12-20","step":"cla_review","action":"complete"}
{"id":"b19","case":"B2","at":"2021-01-10T20:00:00Z","step":"missing_episode","action":"start"}
{"id":"b20","case":"B2","at":"2021-01-11T08:00:00Z","step":"missing_episode","action":"complete"}
{"id":"b21","case":"B2","at":"2021-01-12T10:00:00Z","step":"rhi","action":"complete"}
{"id":"c01","case":"C3","at":"2018-05-01","step":"looked_after","action":"start","facts":{"date_of_birth":"2002-09-01","sex":"U","disabled":true,"team":"Leaving Care","worker":"W400"}}
{"id":"c02","case":"C3","at":"2018-05-01","step":"placement","action":"start","facts":{"placement_type":"H5","placement_provider":"PR5"}}
{"id":"c03","case":"C3","at":"2019-05-01","step":"health_assessment","action":"complete"}
{"id":"c04","case":"C3","at":"2020-08-01","step":"cla_review","action":"complete"}
{"id":"c05","case":"C3","at":"2020-08-01T21:00:00+01:00","step":"missing_episode","action":"start"}
{"id":"c06","case":"C3","at":"2020-08-02T09:00:00+01:00","step":"missing_episode","action":"complete"}
{"id":"c07","case":"C3","at":"2020-09-16","step":"looked_after","action":"complete","facts":{"reason_ceased":"E5"}}
{"id":"c08","case":"C3","at":"2020-09-16","step":"pathway_plan","action":"start"}
{"id":"c09","case":"C3","at":"2021-03-10","step":"pathway_plan_review","action":"complete"}
{"id":"c10","case":"C3","at":"2021-03-17","step":"pathway_plan_review","action":"complete"}
{"id":"d01","case":"D4","at":"2020-01-06","step":"referral","action":"start"}
{"id":"d02","case":"D4","at":"2020-01-06","step":"referral","action":"complete","outcome":"assessment"}
{"id":"d03","case":"D4","at":"2020-02-20","step":"assessment","action":"complete","outcome":"cin"}
{"id":"d04","case":"D4","at":"2020-02-20","step":"cin_plan","action":"start"}
{"id":"d05","case":"D4","at":"2020-09-15","step":"case_closure","action":"start"}
{"id":"d06","case":"D4","at":"2020-09-15","step":"case_closure","action":"complete","outcome":"nfa"}
{"id":"d07","case":"D4","at":"2020-10-01","step":"referral","action":"start"}
{"id":"d08","case":"D4","at":"2020-10-01","step":"referral","action":"complete","outcome":"assessment"}
{"id":"d09","case":"D4","at":"2020-10-02","step":"assessment","action":"start"}
{"id":"e01","case":"E5","at":"2020-03-02","step":"referral","action":"start","facts":{"date_of_birth":"2015-06-30","sex":"F","ethnicity":"Chinese","team":"South","worker":"W200","referral_source":"2A"}}
{"id":"e02","case":"E5","at":"2020-03-02","step":"referral","action":"complete","outcome":"strategy_discussion"}
{"id":"e03","case":"E5","at":"2020-03-03","step":"strategy_discussion","action":"complete","outcome":"s47"}
{"id":"e04","case":"E5","at":"2020-03-20","step":"s47_enquiry","action":"complete","outcome":"icpc"}
{"id":"e05","case":"E5","at":"2020-03-25","step":"icpc","action":"complete","outcome":"cp_plan"}
{"id":"e06","case":"E5","at":"2020-03-25","step":"cp_plan","action":"start","facts":{"category_of_abuse":"EMO"}}
{"id":"e07","case":"E5","at":"2020-04-10","step":"assessment","action":"complete","outcome":"nfa"}
{"id":"e08","case":"E5","at":"2020-06-20","step":"rcpc","action":"complete","outcome":"continue"}
{"id":"e09","case":"E5","at":"2020-09-16","step":"rcpc","action":"complete","outcome":"end_plan"}
{"id":"e10","case":"E5","at":"2020-09-16","step":"cp_plan","action":"complete"}
{"id":"e11","case":"E5","at":"2020-09-16","step":"case_closure","action":"start"}
{"id":"e12","case":"E5","at":"2020-09-16","step":"case_closure","action":"complete","outcome":"other","facts":{"reason_for_closure":"RC7"}}
{"id":"e13","case":"E5","at":"2020-12-01","step":"referral","action":"start","facts":{"referral_source":"6"}}
{"id":"e14","case":"E5","at":"2020-12-01","step":"referral","action":"complete","outcome":"strategy_discussion"}
{"id":"e15","case":"E5","at":"2020-12-02","step":"strategy_discussion","action":"complete","outcome":"s47"}
{"id":"e16","case":"E5","at":"2020-12-02","step":"s47_enquiry","action":"start"}
{"id":"e17","case":"E5","at":"2020-12-02","step":"s47_enquiry","action":"complete","outcome":"nfa"}
{"id":"f01","case":"F6","at":"2019-06-01","step":"placement","action":"start","facts":{"date_of_birth":"2009-12-31","placement_type":"U4","placement_provider":"PR2","legal_status":"E1"}}
{"id":"f02","case":"F6","at":"2020-11-20","step":"cla_review","action":"complete"}
{"id":"f03","case":"F6","at":"2020-12-01","step":"assessment","action":"complete","outcome":"nfa"}
{"id":"f04","case":"F6","at":"2021-01-15","step":"placement","action":"complete"}
{"id":"f05","case":"F6","at":"2021-01-15","step":"looked_after","action":"complete","facts":{"reason_ceased":"E41"}}
{"id":"g01","case":"G7","at":"2019-02-01","step":"placement","action":"start","facts":{"date_of_birth":"2012-05-05","placement_type":"U6"}}
{"id":"g02","case":"G7","at":"2020-10-10","step":"placement","action":"complete"}
{"id":"g03","case":"G7","at":"2020-10-10","step":"placement","action":"start","facts":{"placement_type":"U4"}}
{"id":"g04","case":"G7","at":"2021-02-01","step":"cla_visit","action":"complete"}
{"id":"g05","case":"G7","at":"2020-11-01","step":"referral","action":"start"}
{"id":"g06","case":"G7","at":"2020-11-01","step":"referral","action":"complete","outcome":"assessment"}
{"id":"h01","case":"H8","at":"2019-03-01","step":"placement","action":"start","facts":{"date_of_birth":"2006-01-01"}}
{"id":"h02","case":"H8","at":"2020-10-05","step":"placement","action":"complete"}
{"id":"h03","case":"H8","at":"2020-10-05","step":"looked_after","action":"complete","facts":{"reason_ceased":"E13"}}
"#;

/// The scenario's workbook, each case replayed alone and added in turn.
fn scenario() -> Vec<u8> {
    let engine = engine(false);
    let events: Vec<_> = EVENTS
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| duly_events::parse_line(i + 1, l).unwrap())
        .collect();
    let mut annex = AnnexA::new(AS_OF).unwrap();
    for case in ["A1", "B2", "C3", "D4", "E5", "F6", "G7", "H8"] {
        let mine = events.iter().filter(|e| e.case == case).cloned();
        let state = engine.replay(case, mine, AsOf::end_of(AS_OF));
        assert!(state.errors.is_empty(), "{case}: {:?}", state.errors);
        annex.add(&state).unwrap();
    }
    assert_eq!(annex.counts(), [0, 0, 5, 5, 2, 6, 2, 5, 1, 0, 0]);
    let mut bytes = Vec::new();
    annex.write(&mut bytes).unwrap();
    bytes
}

fn sheet<'a>(sheets: &'a [Sheet], name: &str) -> &'a Sheet {
    sheets.iter().find(|s| s.name == name).unwrap()
}

fn trimmed(headers: &[String]) -> Vec<String> {
    let mut headers = headers.to_vec();
    while headers.last().is_some_and(String::is_empty) {
        headers.pop();
    }
    headers
}

#[test]
fn sheet_names_and_headers_are_the_templates() {
    let template = template_sheets();
    let ours = read(&scenario());
    let names: Vec<&str> = ours.iter().map(|s| s.name.as_str()).collect();
    let mut expected: Vec<&str> = template.iter().map(|s| s.name.as_str()).collect();
    expected.push(NOTES);
    assert_eq!(names, expected);
    for (t, o) in template.iter().zip(&ours) {
        let mut headers = trimmed(t.headers());
        // Duly's one addition, after the template's columns.
        if t.name == "List 9" {
            headers.push(PATHWAY_REVIEW.to_owned());
        }
        assert_eq!(o.headers(), headers, "{}", t.name);
        // Every row is as wide as the headers.
        assert!(
            o.rows.iter().all(|r| r.len() == headers.len()),
            "{}",
            t.name
        );
    }
}

#[test]
fn every_list_is_there_with_its_headers_even_when_empty() {
    let annex = AnnexA::new(AS_OF).unwrap();
    let mut bytes = Vec::new();
    annex.write(&mut bytes).unwrap();
    let sheets = read(&bytes);
    assert_eq!(sheets.len(), LISTS.len() + 1);
    for (list, sheet) in LISTS.iter().zip(&sheets) {
        assert_eq!(sheet.name, list.sheet);
        let headers: Vec<&str> = list.columns.iter().map(|c| c.header).collect();
        assert_eq!(sheet.rows, vec![headers], "{}", list.sheet);
    }
}

#[test]
fn headers_are_frozen_filters_are_on_and_dates_show_as_inspectors_expect() {
    let bytes = scenario();
    let widths = ["G", "H", "K", "L", "N", "N", "Q", "AH", "N", "P", "S"];
    let rows = [1, 1, 6, 6, 3, 7, 3, 6, 2, 1, 1];
    for (i, (width, rows)) in widths.iter().zip(rows).enumerate() {
        let xml = part(&bytes, &format!("xl/worksheets/sheet{}.xml", i + 1));
        assert!(
            xml.contains(
                r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
            ),
            "List {}: {xml}",
            i + 1
        );
        assert!(
            xml.contains(&format!(r#"<autoFilter ref="A1:{width}{rows}"/>"#)),
            "List {}: {xml}",
            i + 1
        );
    }
    let styles = part(&bytes, "xl/styles.xml");
    assert!(styles.contains(r#"formatCode="dd/mm/yyyy""#), "{styles}");
}

#[test]
fn referrals_are_those_received_in_the_six_months() {
    let sheets = read(&scenario());
    assert_eq!(
        sheet(&sheets, "List 3").lines(),
        [
            // 15/09/2020 is before the window; of the earlier referrals,
            // 16/09/2019 (exactly 12 months before) and 15/09/2020 count.
            // The source is the latest referral's.
            "A1 | b) Female | a) WBRI | d:17/03/2010 | 10 | d:16/09/2020 |  | b) No | 2 | North | W101",
            // On the as-of date, no decision yet.
            "A1 | b) Female | a) WBRI | d:17/03/2010 | 10 | d:16/03/2021 | a) 1A: Individual |  | 2 | North | W101",
            "D4 |  |  |  |  | d:01/10/2020 |  | b) No | 1 |  | ",
            // Ethnicity written as free text is left out.
            "E5 | b) Female |  | d:30/06/2015 | 5 | d:01/12/2020 | q) 6: Police | b) No | 1 | South | W200",
            "G7 |  |  | d:05/05/2012 | 8 | d:01/11/2020 |  | b) No | 0 |  | ",
        ]
    );
}

#[test]
fn assessments_are_those_open_in_the_six_months() {
    let sheets = read(&scenario());
    // D4's and E5's first assessments ended before the window.
    assert_eq!(
        sheet(&sheets, "List 4").lines(),
        [
            "A1 | b) Female | a) WBRI | d:17/03/2010 | 10 | b) No | d:16/09/2020 |  | d:20/10/2020 | a) Yes | North | W101",
            "D4 |  |  |  |  |  | d:02/10/2020 |  |  |  |  | ",
            "E5 | b) Female |  | d:30/06/2015 | 5 |  | d:01/12/2020 |  |  |  | South | W200",
            // Known only by its end: no start date.
            "F6 |  |  | d:31/12/2009 | 11 |  |  |  | d:01/12/2020 | b) No |  | ",
            "G7 |  |  | d:05/05/2012 | 8 |  | d:01/11/2020 |  |  |  |  | ",
        ]
    );
}

#[test]
fn section_47_enquiries_say_their_strategy_discussion_and_conference() {
    let sheets = read(&scenario());
    assert_eq!(
        sheet(&sheets, "List 5").lines(),
        [
            // The strategy discussion (21/10), not the enquiry's start (22/10).
            "A1 | b) Female | a) WBRI | d:17/03/2010 | 10 | b) No | d:21/10/2020 | b) No | d:12/11/2020 | a) Yes | 0 | 0 | North | W101",
            // The earlier enquiry (03/03/2020) and its conference
            // (25/03/2020) fall in the 12 months before 02/12/2020.
            "E5 | b) Female |  | d:30/06/2015 | 5 |  | d:02/12/2020 | a) Yes |  |  | 1 | 1 | South | W200",
        ]
    );
}

#[test]
fn children_in_need_are_episodes_open_or_closed_in_the_six_months() {
    let sheets = read(&scenario());
    assert_eq!(
        sheet(&sheets, "List 6").lines(),
        [
            // A1's referral-only episodes are not children in need; last
            // seen on the as-of date.
            "A1 | b) Female | a) WBRI | d:17/03/2010 | 10 | b) No | d:16/09/2020 | N1 - Abuse or neglect | d:16/03/2021 |  |  | b) Child Protection plan | North | W101",
            // D4's first episode closed the day before the window.
            "D4 |  |  |  |  |  | d:01/10/2020 |  |  |  |  | d) Open assessment |  | ",
            // Closed on the window's first day.
            "E5 | b) Female |  | d:30/06/2015 | 5 |  | d:02/03/2020 |  |  | d:16/09/2020 | RC7 - Services ceased for any other reason, including child no longer in need | e) Closed episode | South | W200",
            "E5 | b) Female |  | d:30/06/2015 | 5 |  | d:01/12/2020 |  |  |  |  | d) Open assessment | South | W200",
            "F6 |  |  | d:31/12/2009 | 11 |  | d:01/12/2020 |  |  | d:01/12/2020 |  | e) Closed episode |  | ",
            // Looked after (a run of placements) comes first; seen at the
            // social worker's visit.
            "G7 |  |  | d:05/05/2012 | 8 |  | d:01/11/2020 |  | d:01/02/2021 |  |  | a) Looked after child |  | ",
        ]
    );
}

#[test]
fn child_protection_plans_say_their_last_visit_and_latest_review() {
    let sheets = read(&scenario());
    assert_eq!(
        sheet(&sheets, "List 7").lines(),
        [
            // The visit on 17/03/2021 is after the as-of date.
            "A1 | b) Female | a) WBRI | d:17/03/2010 | 10 | b) No | d:12/11/2020 |  | a) Neglect | d:16/03/2021 |  | d:10/02/2021 |  |  | 0 | North | W101",
            // Ended on the window's first day, with its last review.
            "E5 | b) Female |  | d:30/06/2015 | 5 |  | d:25/03/2020 |  | d) Emotional abuse |  |  | d:16/09/2020 | d:16/09/2020 |  | 0 | South | W200",
        ]
    );
}

#[test]
fn children_looked_after_say_their_reviews_visits_health_placements_and_missing() {
    let sheets = read(&scenario());
    assert_eq!(
        sheet(&sheets, "List 8").lines(),
        [
            // B2's first period ended (01/06/2020) before the window but in
            // the last 12 months: this is a second period. Three placements
            // in the 12 months; two missing episodes from 16/03/2020 (the one
            // on 15/03/2020 is not counted); the last return interview done.
            "B2 | a) Male | k) APKN | d:16/03/2005 | 16 |  |  | d:16/09/2020 | N1 - Abuse or neglect | a) Yes |  | C2: FCO | d:20/12/2020 | d:05/12/2020 |  |  | d:01/10/2020 |  | 3 |  |  | d:01/12/2020 | p) K2: Children's Homes | e) PR4: Private provision |  |  |  |  | 2 |  | a) Yes | a) Yes | CiC | W300",
            // Ceased on the window's first day; its return interview not done.
            "C3 | c) Not stated/recorded |  | d:01/09/2002 | 18 |  | a) Yes | d:01/05/2018 |  | b) No |  |  | d:01/08/2020 |  |  |  | d:01/05/2019 |  | 1 | d:16/09/2020 | m) E5: Moved into independent living - supported | d:01/05/2018 | n) H5: Residential accommodation | f) PR5: Voluntary/third sector |  |  |  |  | 1 |  |  |  | Leaving Care | W400",
            // Known only by its end: no start, and whether it is a second
            // period is not known; its review and placement still count.
            "F6 |  |  | d:31/12/2009 | 11 |  |  |  |  |  |  | E1: Placement order | d:20/11/2020 |  |  |  |  |  | 1 | d:15/01/2021 | h) E41: Residence order granted | d:01/06/2019 | d) U4: Foster placement - long term | c) PR2: Other LA provision |  |  |  |  | 0 |  |  |  |  | ",
            // Placements and no `looked_after`: still a period of care.
            "G7 |  |  | d:05/05/2012 | 8 |  |  |  |  |  |  |  |  | d:01/02/2021 |  |  |  |  | 2 |  |  | d:10/10/2020 | d) U4: Foster placement - long term |  |  |  |  |  | 0 |  |  |  |  | ",
            // One period, with the placements before its end.
            "H8 |  |  | d:01/01/2006 | 15 |  |  |  |  |  |  |  |  |  |  |  |  |  | 1 | d:05/10/2020 | g) E13: Parents, relatives or other with no parental responsibility | d:01/03/2019 |  |  |  |  |  |  | 0 |  |  |  |  | ",
        ]
    );
}

#[test]
fn care_leavers_say_their_latest_pathway_plan_review() {
    let sheets = read(&scenario());
    assert_eq!(
        sheet(&sheets, "List 9").lines(),
        [
            "C3 | c) Not stated/recorded |  | d:01/09/2002 | 18 | a) Yes | Leaving Care | W400 |  |  |  |  |  | d:10/03/2021"
        ]
    );
}

#[test]
fn lists_duly_has_no_steps_for_are_empty() {
    let sheets = read(&scenario());
    for name in ["List 1", "List 2", "List 10", "List 11"] {
        assert!(sheet(&sheets, name).lines().is_empty(), "{name}");
    }
}

#[test]
fn the_notes_say_the_window_and_how_each_column_is_filled() {
    let sheets = read(&scenario());
    let notes = sheet(&sheets, NOTES);
    assert_eq!(
        notes.rows[0][..2],
        ["As at (the end of the day)", "d:16/03/2021"]
    );
    assert_eq!(notes.rows[1][..2], ["Activity window from", "d:16/09/2020"]);
    assert_eq!(notes.rows[2][..2], ["Activity window to", "d:16/03/2021"]);
    assert_eq!(notes.rows[3][..2], ["Last 12 months from", "d:16/03/2020"]);
    let table = notes
        .rows
        .iter()
        .position(|r| r[0] == "List" && r[1] == "Column")
        .unwrap();
    for list in &LISTS {
        let name = format!("{} ({})", list.sheet, list.title);
        let mine: Vec<&Vec<String>> = notes.rows[table..]
            .iter()
            .filter(|r| r[0] == name)
            .collect();
        assert_eq!(mine[0][1], "(which rows)");
        assert_eq!(mine[0][3], list.rows);
        assert_eq!(mine.len(), list.columns.len() + 1, "{name}");
        for (row, column) in mine[1..].iter().zip(list.columns) {
            assert_eq!(row[1], column.header);
            let (filled, how) = match column.fill {
                Fill::From(what) => ("yes", what),
                Fill::Empty(why) => ("no", why),
            };
            assert_eq!((row[2].as_str(), row[3].as_str()), (filled, how));
            assert!(!how.is_empty());
        }
    }
}

#[test]
fn every_column_the_notes_call_empty_is_empty() {
    let sheets = read(&scenario());
    for list in &LISTS {
        let sheet = sheet(&sheets, list.sheet);
        for (c, column) in list.columns.iter().enumerate() {
            if matches!(column.fill, Fill::Empty(_)) {
                assert!(
                    sheet.rows[1..].iter().all(|r| r[c].is_empty()),
                    "{} `{}`",
                    list.sheet,
                    column.header
                );
            }
        }
    }
}

#[test]
fn a_state_judged_on_another_day_is_refused_with_its_case_id() {
    let engine = engine(false);
    let state = engine.replay("C9", [], AsOf::end_of(date(2021, 3, 15)));
    let mut annex = AnnexA::new(AS_OF).unwrap();
    let err = annex.add(&state).unwrap_err();
    assert!(matches!(err, AnnexError::AsOfMismatch { .. }));
    assert_eq!(
        err.to_string(),
        "case `C9` was judged as of 2021-03-15, not 2021-03-16: replay every case as of the Annex A date"
    );
    assert_eq!(annex.counts(), [0; 11]);
}
