//! The CIN census: the sample files, and small records made to test one
//! mapping decision each.

mod common;

use common::{assert_known_to_rules, data, outcomes, render, split};
use duly_events::{Event, Fact};
use duly_import::{ImportError, Severity, read_cin};
use std::fs::File;
use std::io::BufReader;

fn import_file(name: &str) -> (Vec<Event>, Vec<ImportError>) {
    let path = data(&format!("cin-census/{name}"));
    split(read_cin(
        name,
        BufReader::new(File::open(path).expect("sample file")),
    ))
}

fn import_text(xml: &str) -> (Vec<Event>, Vec<ImportError>) {
    split(read_cin("test.xml", xml.as_bytes()))
}

/// A census file with one child holding `body` after its identifiers.
fn child(body: &str) -> String {
    format!(
        "<Message><Header><CollectionDetails><ReferenceDate>2024-03-31</ReferenceDate></CollectionDetails></Header>\
         <Children><Child><ChildIdentifiers><LAchildID>C1</LAchildID><PersonBirthDate>2015-06-01</PersonBirthDate>\
         <Sex>F</Sex></ChildIdentifiers>{body}</Child></Children></Message>"
    )
}

fn errors(problems: &[ImportError]) -> Vec<&ImportError> {
    problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .collect()
}

#[test]
fn bar_converts_in_full() {
    let (events, problems) = import_file("BAR_cin_2022.xml");
    // Every element of the one child becomes events; nothing is left out.
    assert!(errors(&problems).is_empty(), "{problems:#?}");
    assert_eq!(
        outcomes(&events),
        [
            "1970-02-02 strategy_discussion.complete s47",
            "1970-02-02 s47_enquiry.start",
            "1970-02-06 icpc.start",
            "1970-02-06 icpc.complete no_plan",
            "1970-02-11 s47_enquiry.complete icpc",
            "1970-02-11 icpc.complete cp_plan",
            "1970-02-17 cp_plan.start",
            "1970-06-03 assessment.start",
            "1970-10-06 referral.start",
            "1970-10-06 referral.complete strategy_discussion",
            "1971-01-24 cin_plan.start",
            "1971-01-26 cin_plan.complete",
            "1971-02-15 rcpc.complete continue",
            "1971-02-27 case_closure.start",
            "1971-02-27 case_closure.complete other",
            "1971-03-14 cp_plan.complete",
            "1971-07-18 assessment.complete cin",
        ]
    );
    let record = &events[0];
    assert_eq!(
        record.facts["date_of_birth"],
        Some(Fact::Text("1966-03-24".into()))
    );
    assert_eq!(record.facts["sex"], Some(Fact::Text("M".into())));
    assert_eq!(
        record.facts["disabilities"],
        Some(Fact::Text("HAND,HEAR".into()))
    );
    assert!(!record.facts.contains_key("upn"));
    // The sample's own dates are out of step (its enquiry and plan come
    // before its referral): that is said, as warnings.
    assert_eq!(problems.len(), 7);
    assert_known_to_rules(&events);
    insta::assert_snapshot!("bar_cin_2022", render(&events, &problems));
}

#[test]
fn broken_samples_give_one_problem_each_and_convert_the_rest() {
    for name in [
        "CIN_Census_2021.xml",
        "CIN_Census_2024.xml",
        "CIN_Census_2026.xml",
        "CIN2rows.xml",
    ] {
        let (events, problems) = import_file(name);
        assert_known_to_rules(&events);
        for problem in &problems {
            assert!(
                problem.child.is_some() && problem.element.is_some() && problem.line.is_some(),
                "{problem}"
            );
        }
        let unique: std::collections::BTreeSet<_> =
            problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            unique.len(),
            problems.len(),
            "a problem is reported twice in {name}"
        );
        insta::assert_snapshot!(name, render(&events, &problems));
    }
}

#[test]
fn the_2024_sample_refuses_the_assessment_authorised_before_it_started() {
    let (events, problems) = import_file("CIN_Census_2024.xml");
    let refused: Vec<_> = errors(&problems).iter().map(|p| p.to_string()).collect();
    assert_eq!(
        refused,
        [
            "CIN_Census_2024.xml:19: error: child `DfEX0000001`, `ChildIdentifiers`: unexpected text inside `ChildIdentifiers`, which holds only elements; the text is ignored",
            "CIN_Census_2024.xml:43: error: child `DfEX0000001`, `CINdetails[1]/Assessments[1]`: the assessment is authorised (2020-09-19) before it started (2028-04-28); it is not imported",
        ]
    );
    // The rest of that child converts, and so does the second child.
    let first: Vec<_> = events.iter().filter(|e| e.case == "DfEX0000001").collect();
    assert!(
        first
            .iter()
            .all(|e| e.step.as_deref() != Some("assessment"))
    );
    assert!(first.iter().any(|e| e.step.as_deref() == Some("cp_plan")));
    let second = outcomes(
        &events
            .iter()
            .filter(|e| e.case == "child_fails_assessments")
            .cloned()
            .collect::<Vec<_>>(),
    );
    assert!(
        second.contains(&"2024-10-29 case_closure.complete early_help".to_owned()),
        "{second:?}"
    );
    // `Sex` (2025 on) is read in a 2024 file, `1` and `M` alike.
    assert!(
        events
            .iter()
            .filter(|e| e.facts.contains_key("sex"))
            .all(|e| e.facts["sex"] == Some(Fact::Text("M".into())))
    );
}

#[test]
fn importing_twice_gives_the_same_events() {
    for name in ["BAR_cin_2022.xml", "CIN_Census_2024.xml"] {
        let once = import_file(name);
        let twice = import_file(name);
        assert_eq!(once, twice);
        let ids: std::collections::BTreeSet<_> = once.0.iter().map(|e| &e.id).collect();
        assert_eq!(ids.len(), once.0.len(), "ids are unique");
    }
}

#[test]
fn assessment_then_cin_plan() {
    let (events, problems) = import_text(&child(
        "<CINdetails><CINreferralDate>2023-05-02</CINreferralDate><ReferralSource>2A</ReferralSource>\
         <Assessments><AssessmentActualStartDate>2023-05-03</AssessmentActualStartDate>\
         <AssessmentAuthorisationDate>2023-06-20</AssessmentAuthorisationDate></Assessments>\
         <CINPlanDates><CINPlanStartDate>2023-06-20</CINPlanStartDate></CINPlanDates>\
         <ReferralNFA>0</ReferralNFA></CINdetails>",
    ));
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(
        outcomes(&events),
        [
            "2023-05-02 referral.start",
            "2023-05-02 referral.complete assessment",
            "2023-05-03 assessment.start",
            "2023-06-20 assessment.complete cin",
            "2023-06-20 cin_plan.start",
        ]
    );
    assert_eq!(
        events[1].facts["referral_source"],
        Some(Fact::Text("2A".into()))
    );
}

#[test]
fn section_47_to_a_plan_and_its_reviews() {
    let (events, problems) = import_text(&child(
        "<CINdetails><CINreferralDate>2023-05-02</CINreferralDate><CINclosureDate>2024-01-10</CINclosureDate>\
         <ReasonForClosure>RC8</ReasonForClosure>\
         <Assessments><AssessmentActualStartDate>2023-05-02</AssessmentActualStartDate>\
         <AssessmentAuthorisationDate>2023-06-01</AssessmentAuthorisationDate></Assessments>\
         <Section47><S47ActualStartDate>2023-05-04</S47ActualStartDate><DateOfInitialCPC>2023-05-24</DateOfInitialCPC>\
         <ICPCnotRequired>false</ICPCnotRequired></Section47><ReferralNFA>false</ReferralNFA>\
         <ChildProtectionPlans><CPPstartDate>2023-05-24</CPPstartDate><CPPendDate>2024-01-10</CPPendDate>\
         <InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse><LatestCategoryOfAbuse>EMO</LatestCategoryOfAbuse>\
         <NumberOfPreviousCPP>0</NumberOfPreviousCPP>\
         <Reviews><CPPreviewDate>2023-08-20</CPPreviewDate><CPPreviewDate>2024-01-10</CPPreviewDate></Reviews>\
         </ChildProtectionPlans></CINdetails>",
    ));
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(
        outcomes(&events),
        [
            "2023-05-02 referral.start",
            // The enquiry began before the assessment was authorised: the
            // referral opened both.
            "2023-05-02 referral.complete strategy_discussion",
            "2023-05-02 assessment.start",
            // No strategy discussion date in the census: its day is the
            // enquiry's start.
            "2023-05-04 strategy_discussion.complete s47",
            "2023-05-04 s47_enquiry.start",
            "2023-05-24 s47_enquiry.complete icpc",
            "2023-05-24 icpc.complete cp_plan",
            "2023-05-24 cp_plan.start",
            "2023-06-01 assessment.complete nfa",
            "2023-08-20 rcpc.complete continue",
            "2024-01-10 rcpc.complete end_plan",
            "2024-01-10 cp_plan.complete",
            "2024-01-10 case_closure.start",
            "2024-01-10 case_closure.complete nfa",
        ]
    );
    let plan = events
        .iter()
        .find(|e| e.id == "cin:C1:2023-05-24:cp_plan.start")
        .unwrap();
    assert_eq!(
        plan.facts["category_of_abuse"],
        Some(Fact::Text("NEG".into()))
    );
    assert_eq!(plan.facts["previous_cp_plans"], Some(Fact::Int(0)));
    let closure = events.last().unwrap();
    assert_eq!(
        closure.facts["reason_for_closure"],
        Some(Fact::Text("RC8".into()))
    );
}

#[test]
fn an_enquiry_after_the_assessment_is_its_outcome_and_no_conference_is_nfa_or_cin() {
    let (events, problems) = import_text(&child(
        "<CINdetails><CINreferralDate>2023-05-02</CINreferralDate>\
         <Assessments><AssessmentActualStartDate>2023-05-02</AssessmentActualStartDate>\
         <AssessmentAuthorisationDate>2023-06-01</AssessmentAuthorisationDate></Assessments>\
         <Section47><S47ActualStartDate>2023-06-05</S47ActualStartDate><ICPCnotRequired>1</ICPCnotRequired></Section47>\
         <Section47><S47ActualStartDate>2023-09-01</S47ActualStartDate><ICPCnotRequired>true</ICPCnotRequired></Section47>\
         <CINPlanDates><CINPlanStartDate>2023-09-20</CINPlanStartDate><CINPlanEndDate>2023-12-01</CINPlanEndDate></CINPlanDates>\
         <ReferralNFA>false</ReferralNFA></CINdetails>",
    ));
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(
        outcomes(&events),
        [
            "2023-05-02 referral.start",
            "2023-05-02 referral.complete assessment",
            "2023-05-02 assessment.start",
            "2023-06-01 assessment.complete strategy_discussion",
            "2023-06-05 strategy_discussion.complete s47",
            "2023-06-05 s47_enquiry.start",
            // No conference needed, and a CIN plan follows: `cin`.
            "2023-06-05 s47_enquiry.complete cin",
            // A second enquiry: nothing in the rules opened its strategy
            // discussion, so it is started explicitly.
            "2023-09-01 strategy_discussion.start",
            "2023-09-01 strategy_discussion.complete s47",
            "2023-09-01 s47_enquiry.start",
            "2023-09-01 s47_enquiry.complete cin",
            "2023-09-20 cin_plan.start",
            "2023-12-01 cin_plan.complete",
        ]
    );
}

#[test]
fn a_referral_with_no_further_action() {
    let (events, problems) = import_text(&child(
        "<CINdetails><CINreferralDate>2023-05-02</CINreferralDate><CINclosureDate>2023-05-02</CINclosureDate>\
         <ReasonForClosure>RC9</ReasonForClosure><ReferralNFA>1</ReferralNFA><UnknownFutureElement>x</UnknownFutureElement>\
         </CINdetails>",
    ));
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(
        outcomes(&events),
        [
            "2023-05-02 referral.start",
            "2023-05-02 referral.complete nfa",
            "2023-05-02 case_closure.start",
            "2023-05-02 case_closure.complete early_help",
        ]
    );
}

#[test]
fn each_problem_is_named_once_and_the_rest_converts() {
    let (events, problems) = import_text(&child(
        "<CINdetails><CINreferralDate>Jane Smith</CINreferralDate><ReferralNFA>yes</ReferralNFA>\
         <CINclosureDate>2023-01-01</CINclosureDate><ReasonForClosure>Moved to Leeds</ReasonForClosure>\
         <Assessments><AssessmentActualStartDate>2023-02-30</AssessmentActualStartDate></Assessments>\
         <CINPlanDates><CINPlanStartDate>2022-10-01</CINPlanStartDate><CINPlanEndDate>2022-09-01</CINPlanEndDate></CINPlanDates>\
         <Section47><ICPCnotRequired>false</ICPCnotRequired></Section47>\
         </CINdetails>\
         <CINdetails><ReferralNFA>false</ReferralNFA><Assessments><AssessmentActualStartDate>2022-11-01</AssessmentActualStartDate>\
         </Assessments></CINdetails>",
    ));
    let messages: Vec<_> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "test.xml:1: error: child `C1`, `CINdetails[1]/CINreferralDate`: `CINreferralDate` is not a date in the form YYYY-MM-DD; the referral is not imported",
            "test.xml:1: error: child `C1`, `CINdetails[1]/ReferralNFA`: `ReferralNFA` is not `true`, `false`, `1` or `0`; the referral's outcome is taken from what follows it",
            "test.xml:1: error: child `C1`, `CINdetails[1]/ReasonForClosure`: `ReasonForClosure` is not a DfE closure code (`RC1` to `RC9`); the closure is imported with outcome `other`",
            "test.xml:1: error: child `C1`, `CINdetails[1]/Assessments[1]/AssessmentActualStartDate`: `AssessmentActualStartDate` is not a real date (YYYY-MM-DD); the assessment is not imported",
            "test.xml:1: error: child `C1`, `CINdetails[1]/Section47[1]`: the section 47 enquiry has no `S47ActualStartDate`; it is not imported",
            "test.xml:1: error: child `C1`, `CINdetails[1]/CINPlanDates[1]`: the CIN plan ends (2022-09-01) before it started (2022-10-01); it is not imported",
            "test.xml:1: error: child `C1`, `CINdetails[2]`: the episode has no `CINreferralDate`; the referral is not imported",
        ]
    );
    // Names and free text in the file never reach a message.
    for message in &messages {
        assert!(
            !message.contains("Jane") && !message.contains("Leeds"),
            "{message}"
        );
    }
    // What is valid still converts: the closure, and the second episode's assessment.
    assert_eq!(
        outcomes(&events),
        [
            "2022-11-01 assessment.start",
            "2023-01-01 case_closure.start",
            "2023-01-01 case_closure.complete other"
        ]
    );
}

#[test]
fn gender_current_and_flags_of_earlier_years_are_read() {
    let xml = "<Message><Children><Child><ChildIdentifiers><LAchildID>C2</LAchildID>\
               <ExpectedPersonBirthDate>2024-02-01</ExpectedPersonBirthDate><GenderCurrent>0</GenderCurrent></ChildIdentifiers>\
               <ChildCharacteristics><Ethnicity>NOBT</Ethnicity><Disabilities><Disability>NONE</Disability></Disabilities>\
               </ChildCharacteristics><CINdetails><CINreferralDate>2023-11-20</CINreferralDate><ReferralNFA>TRUE</ReferralNFA>\
               </CINdetails></Child></Children></Message>";
    let (events, problems) = import_text(xml);
    assert!(problems.is_empty(), "{problems:#?}");
    // An unborn child: the facts are recorded on the first event.
    let record = &events[0];
    assert_eq!(record.at.to_string(), "2023-11-20");
    assert_eq!(
        record.facts["expected_date_of_birth"],
        Some(Fact::Text("2024-02-01".into()))
    );
    assert_eq!(record.facts["sex"], Some(Fact::Text("U".into())));
    assert_eq!(record.facts["disabled"], Some(Fact::Bool(false)));
    assert!(!record.facts.contains_key("date_of_birth"));
}

#[test]
fn broken_xml_keeps_the_children_read_before_it() {
    let xml = child("<CINdetails><CINreferralDate>2023-05-02</CINreferralDate><ReferralNFA>1</ReferralNFA></CINdetails>")
        .replace("</Children></Message>", "<Child><ChildIdentifiers><LAchildID>C3</LAchildID></Oops>");
    let (events, problems) = import_text(&xml);
    assert_eq!(events.iter().filter(|e| e.case == "C1").count(), 3);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].child, None);
    assert!(
        problems[0]
            .message
            .starts_with("an end tag here does not match"),
        "{}",
        problems[0]
    );
}

#[test]
fn a_file_that_is_not_a_census_says_so() {
    let (events, problems) = import_text("<schema><element name=\"x\"/></schema>");
    assert!(events.is_empty());
    assert_eq!(
        problems[0].message,
        "no `Children/Child` elements found: is this a CIN census file?"
    );
    let (_, problems) = import_text("not xml at all");
    assert_eq!(problems.len(), 1);
}
