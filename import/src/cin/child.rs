//! One child's census record as events.

use super::episode::{Episode, closure_outcome};
use super::read::{Report, stray_text};
use super::xml::Node;
use crate::draft::{Draft, Ids};
use crate::{ImportError, values};
use duly_events::{Action, Event, Fact};
use jiff::civil::Date;

/// One child's events and problems.
pub(crate) fn import(
    file: &str,
    node: &Node,
    reference_date: Option<Date>,
    ids: &mut Ids,
) -> (Vec<Event>, Vec<ImportError>) {
    let mut report = Report {
        file,
        child: None,
        problems: Vec::new(),
    };
    let identifiers = node.first("ChildIdentifiers");
    let id = identifiers.map(|n| {
        report.value(
            n,
            "ChildIdentifiers",
            "LAchildID",
            values::child_id,
            "the child is not imported",
        )
    });
    let child = match id {
        Some(Ok(Some(id))) => id,
        Some(Err(())) => return (Vec::new(), report.problems),
        None | Some(Ok(None)) => {
            report.error(
                node.line,
                "Child",
                "the child has no `ChildIdentifiers/LAchildID`; the child is not imported".into(),
            );
            return (Vec::new(), report.problems);
        }
    };
    report.child = Some(child.clone());
    stray_text(&mut report, node);

    let mut drafts = Vec::new();
    for (i, details) in node.all("CINdetails").enumerate() {
        let mut episode = Episode::read(&mut report, details, i + 1);
        episode.derive(&mut report, reference_date);
        drafts.extend(episode_drafts(&episode));
    }
    if let Some(record) = child_record(&mut report, node, &drafts) {
        drafts.push(record);
    }
    let mut problems = report.problems;
    problems.sort_by_key(|p| p.line);
    (ids.finish(&child, drafts), problems)
}

/// The facts about the child, on a `record` event dated on the birth date
/// (for an unborn child, on the first event; failing that, the expected date).
fn child_record(report: &mut Report<'_>, node: &Node, drafts: &[Draft]) -> Option<Draft> {
    let left_out = "it is left out";
    let ids = node.first("ChildIdentifiers")?;
    let p = "ChildIdentifiers";
    let birth = report
        .date(ids, p, "PersonBirthDate", left_out)
        .ok()
        .flatten();
    let expected = report
        .date(ids, p, "ExpectedPersonBirthDate", left_out)
        .ok()
        .flatten();
    // `GenderCurrent` until 2024, `Sex` from 2025 (and in some 2024 files).
    let sex_element = if ids.first("Sex").is_some() {
        "Sex"
    } else {
        "GenderCurrent"
    };
    let sex = report
        .value(ids, p, sex_element, values::sex, left_out)
        .ok()
        .flatten();
    let characteristics = node.first("ChildCharacteristics");
    let ethnicity =
        characteristics.and_then(|c| report.code(c, "ChildCharacteristics", "Ethnicity"));
    let disabilities = report.codes(
        characteristics.and_then(|c| c.first("Disabilities")),
        "ChildCharacteristics/Disabilities",
        "Disability",
    );

    let first_event = drafts.iter().map(|d| d.at).min();
    let at = birth.or(first_event).or(expected)?;
    let mut record = Draft::record(at, 0, "child")
        .maybe_fact("date_of_birth", birth.map(|d| d.to_string()))
        .maybe_fact("expected_date_of_birth", expected.map(|d| d.to_string()))
        .maybe_fact("sex", sex)
        .maybe_fact("ethnicity", ethnicity);
    if !disabilities.is_empty() {
        let disabled = disabilities.iter().any(|d| d != "NONE");
        record = record
            .fact("disabilities", disabilities.join(","))
            .fact_value("disabled", Some(Fact::Bool(disabled)));
    }
    (!record.facts.is_empty()).then_some(record)
}

/// The events of one episode, in cause-and-effect order for events on the
/// same day.
fn episode_drafts(episode: &Episode) -> Vec<Draft> {
    use Action::{Complete, Start};
    let g = episode.index;
    let mut out = Vec::new();

    if let Some(referral) = episode.referral {
        out.push(
            Draft::step(referral, g, "referral", Start)
                .maybe_fact("referral_source", episode.referral_source.clone())
                .maybe_fact("primary_need", episode.primary_need.clone()),
        );
        if let Some(outcome) = episode.referral_outcome {
            out.push(Draft::step(referral, g, "referral", Complete).outcome(outcome));
        }
    }

    for a in &episode.assessments {
        out.push(Draft::step(a.start, g, "assessment", Start));
        if let Some(authorised) = a.authorised {
            let factors = (!a.factors.is_empty()).then(|| a.factors.join(","));
            out.push(
                Draft::step(authorised, g, "assessment", Complete)
                    .outcome(a.outcome)
                    .maybe_fact("assessment_factors", factors),
            );
        }
    }

    for (i, e) in episode.enquiries.iter().enumerate() {
        if !e.opened {
            out.push(Draft::step(e.start, g, "strategy_discussion", Start));
        }
        // The census has no date for the strategy discussion: the enquiry's
        // start is the day it decided on one.
        out.push(Draft::step(e.start, g, "strategy_discussion", Complete).outcome("s47"));
        out.push(Draft::step(e.start, g, "s47_enquiry", Start));
        if let Some(date) = e.conference {
            out.push(Draft::step(date, g, "s47_enquiry", Complete).outcome("icpc"));
            let plan = episode
                .conferences
                .iter()
                .any(|c| c.enquiry == Some(i) && c.plan);
            out.push(Draft::step(date, g, "icpc", Complete).outcome(if plan {
                "cp_plan"
            } else {
                "no_plan"
            }));
        } else if e.not_required {
            let cin = episode.cin_plans.iter().any(|c| c.start >= e.start);
            out.push(
                Draft::step(e.start, g, "s47_enquiry", Complete).outcome(if cin {
                    "cin"
                } else {
                    "nfa"
                }),
            );
        }
    }

    for c in episode.conferences.iter().filter(|c| c.enquiry.is_none()) {
        out.push(Draft::step(c.date, g, "icpc", Start));
        out.push(Draft::step(c.date, g, "icpc", Complete).outcome(if c.plan {
            "cp_plan"
        } else {
            "no_plan"
        }));
    }

    for c in &episode.cin_plans {
        out.push(Draft::step(c.start, g, "cin_plan", Start));
        if let Some(end) = c.end {
            out.push(Draft::step(end, g, "cin_plan", Complete));
        }
    }

    for c in &episode.cp_plans {
        let mut start = Draft::step(c.start, g, "cp_plan", Start)
            .maybe_fact("category_of_abuse", c.initial_category.clone());
        if let Some(n) = c.previous_plans {
            start = start.fact_value("previous_cp_plans", Some(Fact::Int(n)));
        }
        out.push(start);
        for &review in &c.reviews {
            let outcome = if Some(review) == c.end {
                "end_plan"
            } else {
                "continue"
            };
            out.push(Draft::step(review, g, "rcpc", Complete).outcome(outcome));
        }
        if let Some(end) = c.end {
            out.push(
                Draft::step(end, g, "cp_plan", Complete)
                    .maybe_fact("category_of_abuse", c.latest_category.clone()),
            );
        }
    }

    if let Some(closure) = episode.closure {
        out.push(Draft::step(closure, g, "case_closure", Start));
        out.push(
            Draft::step(closure, g, "case_closure", Complete)
                .outcome(closure_outcome(episode.closure_reason.as_deref()))
                .maybe_fact("reason_for_closure", episode.closure_reason.clone()),
        );
    }
    out
}
