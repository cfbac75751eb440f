//! Replay semantics, worked by hand on the national timescales.

use super::rules::{as_of, engine, events, state};
use crate::{CaseState, Cause, Deadline, Due, Lateness, MilestoneName, Status};

fn deadline<'a>(state: &'a CaseState, step: &str, occurrence: u32) -> &'a Deadline {
    state
        .deadlines
        .iter()
        .find(|d| &*d.step == step && d.occurrence == occurrence)
        .unwrap_or_else(|| {
            panic!(
                "no deadline for {step} {occurrence}: {:#?}",
                state.deadlines
            )
        })
}

fn summary(d: &Deadline) -> String {
    let late = match d.late {
        None => String::new(),
        Some(Lateness::WorkingDays(n)) => format!(" +{n}wd"),
        Some(Lateness::Hours(n)) => format!(" +{n}h"),
    };
    format!(
        "{} {} due {} {}{late}",
        d.step,
        d.occurrence,
        d.due,
        d.status.as_str()
    )
}

const CHILD_PROTECTION: &str = "
    e-1 2019-04-01 referral start
    e-2 2019-04-02 referral complete strategy_discussion
    e-3 2019-04-12 strategy_discussion complete s47
    e-4 2019-04-15 s47_enquiry complete icpc
    e-5 2019-05-07 icpc complete cp_plan
";

#[test]
fn icpc_counts_fifteen_working_days_over_easter_and_explains_itself() {
    let state = state(CHILD_PROTECTION, "2019-06-10");
    let icpc = deadline(&state, "icpc", 1);
    assert_eq!(icpc.due, Due::Day("2019-05-08".parse().unwrap()));
    assert_eq!(icpc.status, Status::Met);
    assert_eq!(icpc.late, Some(Lateness::WorkingDays(0)));
    assert_eq!(
        icpc.explanation,
        "due Wed 8 May 2019: 15 working days after the strategy discussion on Fri 12 Apr 2019 (event e-3); \
         skipped Good Friday 19 Apr, Easter Monday 22 Apr, Early May bank holiday 6 May (England and Wales); \
         Working Together to Safeguard Children 2018, chapter 1"
    );
    assert_eq!(icpc.anchor_event.as_deref(), Some("e-3"));
    let all: Vec<String> = state.deadlines.iter().map(summary).collect();
    assert_eq!(
        all,
        [
            "referral 1 due 2019-04-02 met +0wd",
            "assessment 1 due 2019-06-07 overdue +1wd",
            "icpc 1 due 2019-05-08 met +0wd",
            "core_group 1 due 2019-05-21 overdue +13wd",
            "rcpc 1 due 2019-08-07 open",
            "cp_visit 1 due 2019-05-21 overdue +13wd",
        ]
    );
}

#[test]
fn the_causal_chain_is_recorded() {
    let state = state(CHILD_PROTECTION, "2019-06-10");
    let icpc = state
        .occurrences
        .iter()
        .find(|o| &*o.step == "icpc")
        .unwrap();
    assert_eq!(
        icpc.cause,
        Cause::Reaction {
            step: "s47_enquiry".into(),
            occurrence: 1,
            milestone: MilestoneName::Completed
        }
    );
    let referral = &state.occurrences[0];
    assert_eq!(
        referral.cause,
        Cause::Event {
            event: "e-1".into()
        }
    );
    assert_eq!(referral.start_event.as_deref(), Some("e-1"));
}

#[test]
fn a_later_strategy_discussion_does_not_restart_the_icpc_clock() {
    let text = format!(
        "{CHILD_PROTECTION}
        e-6 2019-04-17 strategy_discussion complete s47
        e-7 2019-04-18 s47_enquiry complete icpc"
    );
    // Events 6 and 7 come before the conference on 7 May.
    let state = state(&text, "2019-06-10");
    let icpc: Vec<_> = state
        .deadlines
        .iter()
        .filter(|d| &*d.step == "icpc")
        .collect();
    assert_eq!(icpc.len(), 1, "{icpc:#?}");
    assert_eq!(icpc[0].due.to_string(), "2019-05-08");
    assert_eq!(icpc[0].anchor_event.as_deref(), Some("e-3"));
    // The second discussion is occurrence 2 and opened a second enquiry.
    assert_eq!(
        state
            .occurrences
            .iter()
            .filter(|o| &*o.step == "strategy_discussion")
            .count(),
        2
    );
    assert_eq!(
        state
            .occurrences
            .iter()
            .filter(|o| &*o.step == "s47_enquiry")
            .count(),
        2
    );
}

#[test]
fn events_apply_in_time_order_whatever_order_they_arrive_in() {
    let lines: Vec<&str> = CHILD_PROTECTION
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    let mut reversed = lines.clone();
    reversed.reverse();
    let a = state(&lines.join("\n"), "2019-06-10");
    let b = state(&reversed.join("\n"), "2019-06-10");
    assert_eq!(a.deadlines, b.deadlines);
    assert_eq!(a.occurrences, b.occurrences);
}

#[test]
fn as_of_uses_only_events_up_to_the_end_of_that_day() {
    let state = state(CHILD_PROTECTION, "2019-04-15");
    let icpc = deadline(&state, "icpc", 1);
    assert_eq!(icpc.status, Status::Open);
    assert!(!icpc.approaching);
    assert_eq!(
        icpc.warn_from.map(|w| w.to_string()).as_deref(),
        Some("2019-04-30")
    );
    let later = super::rules::state(CHILD_PROTECTION, "2019-05-01");
    let icpc = deadline(&later, "icpc", 1);
    assert!(icpc.approaching && icpc.status == Status::Open);
    assert!(later.deadlines.iter().all(|d| &*d.step != "core_group"));
}

#[test]
fn repeated_events_are_ignored_and_conflicting_ones_reported() {
    let text = "
        e-1 2019-04-01 referral start
        e-1 2019-04-01 referral start
        e-2 2019-04-02 referral complete assessment
        e-2 2019-04-03 referral complete nfa
    ";
    let state = state(text, "2019-04-30");
    assert_eq!(state.errors.len(), 1, "{:?}", state.errors);
    let error = &state.errors[0];
    assert_eq!(
        (error.line, error.field.as_deref(), error.id.as_deref()),
        (4, Some("id"), Some("e-2"))
    );
    assert!(
        error.message.contains("line 4") && error.message.contains("line 3"),
        "{}",
        error.message
    );
    assert_eq!(
        state
            .occurrences
            .iter()
            .filter(|o| &*o.step == "referral")
            .count(),
        1
    );
    assert_eq!(deadline(&state, "referral", 1).status, Status::Met);
    assert_eq!(deadline(&state, "assessment", 1).status, Status::Open);
}

#[test]
fn events_that_do_not_fit_the_rules_are_reported_and_not_applied() {
    let text = "
        e-1 2019-04-01 referal start
        e-2 2019-04-01 referral start
        e-3 2019-04-02 referral complete asessment
        e-4 2019-04-02 referral complete
        e-5 2019-04-02 cp_plan complete done
        e-6 2019-04-02 referral complete assessment
    ";
    let state = state(text, "2019-04-30");
    let errors: Vec<_> = state
        .errors
        .iter()
        .map(|e| (e.line, e.field.clone().unwrap(), e.message.clone()))
        .collect();
    assert_eq!(errors.len(), 4, "{errors:#?}");
    assert_eq!(errors[0].0, 1);
    assert_eq!(
        errors[0].2,
        "unknown step `referal`: did you mean `referral`?"
    );
    assert_eq!((errors[1].0, errors[1].1.as_str()), (3, "outcome"));
    assert_eq!(
        errors[1].2,
        "step `referral` has no outcome `asessment`: did you mean `assessment`?"
    );
    assert_eq!(
        errors[2].2,
        "`outcome` is missing: step `referral` completes with `assessment`, `strategy_discussion`, `nfa` or `early_help`"
    );
    assert_eq!(
        errors[3].2,
        "step `cp_plan` has no outcomes, but this event gives `done`: remove `outcome`"
    );
    assert_eq!(deadline(&state, "referral", 1).status, Status::Met);
    assert_eq!(state.occurrences.len(), 2);
}

#[test]
fn closing_a_case_keeps_a_breach_and_cancels_what_was_not_yet_due() {
    let text = "
        e-1 2019-04-01 referral start
        e-2 2019-04-02 referral complete strategy_discussion
        e-3 2019-06-18 strategy_discussion complete s47
        e-4 2019-06-19 s47_enquiry complete icpc
        e-5 2019-06-20 case_closure complete nfa
        e-6 2019-07-01 referral start
    ";
    let state = state(text, "2019-07-31");
    let all: Vec<String> = state.deadlines.iter().map(summary).collect();
    assert_eq!(
        all,
        [
            "referral 1 due 2019-04-02 met +0wd",
            "assessment 1 due 2019-06-07 overdue +9wd",
            "icpc 1 due 2019-07-09 cancelled",
            "referral 2 due 2019-07-02 overdue +21wd",
        ]
    );
    let assessment = deadline(&state, "assessment", 1);
    assert_eq!(
        assessment.closed.map(|c| c.to_string()).as_deref(),
        Some("2019-06-20")
    );
    // The re-referral after closure starts a second episode.
    let episodes: Vec<_> = state
        .episodes
        .iter()
        .map(|e| {
            (
                &*e.workflow,
                e.number,
                e.started.to_string(),
                e.ended.map(|x| x.to_string()),
            )
        })
        .collect();
    assert_eq!(
        episodes,
        [
            (
                "safeguarding",
                1,
                "2019-04-01".into(),
                Some("2019-06-20".into())
            ),
            ("safeguarding", 2, "2019-07-01".into(), None),
        ]
    );
    assert_eq!(state.open_steps.len(), 1);
    assert_eq!(state.occurrences.last().unwrap().episode, 1);
}

#[test]
fn return_home_interviews_count_elapsed_hours_across_the_clock_change() {
    let text = "
        m-1 2019-10-24T20:00:00+01:00 missing_episode start
        m-2 2019-10-25T12:00:00+01:00 missing_episode complete
        m-3 2019-10-26T09:00:00+01:00 missing_episode start
        m-4 2019-10-26T18:00:00+01:00 missing_episode complete
        m-5 2019-10-28 rhi complete
    ";
    let state = state(text, "2019-10-31");
    let first = deadline(&state, "rhi", 1);
    assert_eq!(first.due.to_string(), "2019-10-28T11:00:00+00:00");
    assert_eq!(
        first.status,
        Status::Met,
        "a date-only completion on the due day is on time"
    );
    assert_eq!(
        first.explanation,
        "due 11:00 GMT on Mon 28 Oct 2019: 72 hours after the missing episode on 12:00 BST on Fri 25 Oct 2019 (event m-2); \
         the clocks went back 1 hour on Sun 27 Oct 2019; Missing guidance 2014"
    );
    // Every return has its own interview.
    let second = deadline(&state, "rhi", 2);
    assert_eq!(second.due.to_string(), "2019-10-29T17:00:00+00:00");
    assert_eq!(second.status, Status::Overdue);
    assert_eq!(second.late, Some(Lateness::Hours(54)));
    let json = serde_json::to_value(second).unwrap();
    assert_eq!(json["late_hours"], 54);
    assert!(json.get("late_working_days").is_none());
}

#[test]
fn months_clamp_to_the_end_of_the_month() {
    let text = "
        e-1 2023-11-01 referral start
        e-2 2023-11-01 referral complete strategy_discussion
        e-3 2023-11-02 strategy_discussion complete s47
        e-4 2023-11-03 s47_enquiry complete icpc
        e-5 2023-11-30 icpc complete cp_plan
        e-6 2024-02-29 rcpc complete continue
        e-7 2024-08-31 rcpc complete continue
        e-8 2025-02-28 rcpc complete end_plan
    ";
    let state = state(text, "2025-03-31");
    let rcpc: Vec<String> = state
        .deadlines
        .iter()
        .filter(|d| &*d.step == "rcpc")
        .map(summary)
        .collect();
    assert_eq!(
        rcpc,
        [
            "rcpc 1 due 2024-02-29 met +0wd",
            "rcpc 2 due 2024-08-29 late +1wd",
            "rcpc 3 due 2025-02-28 met +0wd",
        ]
    );
    assert!(
        !state.open_steps.iter().any(|s| &*s.step == "rcpc"),
        "end_plan ends the series"
    );
}

#[test]
fn looked_after_reviews_recur_and_a_breach_survives_the_end_of_care() {
    let text = "
        e-1 2019-01-07 looked_after start date_of_birth=\"2015-03-01\"
        e-2 2019-02-01 cla_review complete
        e-3 2019-05-10 cla_review complete
        e-4 2019-06-03 looked_after complete
    ";
    let state = state(text, "2019-12-31");
    let all: Vec<String> = state.deadlines.iter().map(summary).collect();
    assert_eq!(
        all,
        [
            "cla_review 1 due 2019-02-04 met +0wd",
            "health_assessment 1 due 2019-02-04 overdue +81wd",
            "cla_review 2 due 2019-05-01 late +6wd",
            "cla_review 3 due 2019-11-10 cancelled",
        ]
    );
    assert_eq!(
        state.episodes[0].ended.map(|e| e.to_string()).as_deref(),
        Some("2019-06-03")
    );
}

#[test]
fn health_assessments_follow_the_childs_age_when_each_completes() {
    let text = "
        e-1 2019-01-07 looked_after start date_of_birth=\"2015-03-01\"
        e-2 2019-02-01 health_assessment complete
        e-3 2019-07-01 health_assessment complete
        e-4 2020-01-02 health_assessment complete
        e-5 2020-06-01 health_assessment complete
    ";
    let state = state(text, "2020-06-30");
    let dues: Vec<String> = state
        .deadlines
        .iter()
        .filter(|d| &*d.step == "health_assessment")
        .map(|d| d.due.to_string())
        .collect();
    assert_eq!(
        dues,
        [
            "2019-02-04",
            "2019-08-01",
            "2020-01-01",
            "2020-07-02",
            "2021-06-01"
        ]
    );
}

#[test]
fn visits_follow_the_placement_cadence() {
    let text = "
        e-1 2019-01-07 placement start long_term_placement=true
        e-2 2019-01-10 cla_visit complete
        e-3 2019-12-20 cla_visit complete
        e-4 2020-01-20 cla_visit complete
        e-5 2020-03-01 placement complete
    ";
    let state = state(text, "2020-06-30");
    let all: Vec<String> = state.deadlines.iter().map(summary).collect();
    assert_eq!(
        all,
        [
            "cla_visit 1 due 2019-01-14 met +0wd",
            "cla_visit 2 due 2019-02-21 late +211wd",
            "cla_visit 3 due 2020-01-31 met +0wd",
            "cla_visit 4 due 2020-04-20 cancelled",
        ]
    );
}

#[test]
fn a_missing_anchor_gives_a_note_not_a_deadline() {
    // A visit recorded with no placement: the first visit has nothing to count from.
    let state = state("e-1 2019-01-10 cla_visit complete", "2019-03-31");
    assert_eq!(
        state.notes,
        ["no deadline for `cla_visit` occurrence 1: no `placement` started to count from"]
    );
    // The next visit counts from this one.
    assert_eq!(
        deadline(&state, "cla_visit", 2).due.to_string(),
        "2019-02-21"
    );
}

#[test]
fn cancel_closes_the_oldest_open_occurrence_and_stops_a_series() {
    let text = "
        e-1 2019-01-07 placement start
        e-2 2019-01-10 cla_visit cancel
    ";
    let state = state(text, "2019-06-30");
    assert_eq!(
        state.deadlines.iter().map(summary).collect::<Vec<_>>(),
        ["cla_visit 1 due 2019-01-14 cancelled"]
    );
    assert!(!state.open_steps.iter().any(|s| &*s.step == "cla_visit"));
}

#[test]
fn facts_merge_and_null_removes_one() {
    let text = "
        e-1 2019-01-07 record team=\"North\" worker=\"W1\"
        e-2 2019-01-08 record worker=null
    ";
    let state = state(text, "2019-06-30");
    assert_eq!(state.facts.len(), 1);
    assert_eq!(state.facts["team"].to_string(), "North");
}

#[test]
fn fact_changes_keep_who_held_the_case_when() {
    let text = "
        e-1 2019-01-07 record team=\"North\" worker=\"W1\"
        e-2 2019-01-08 record worker=\"W1\"
        e-3 2019-02-01 record worker=\"W2\"
        e-4 2019-03-01 record worker=null
        e-5 2019-03-02 record worker=null
        e-6 2019-07-01 record worker=\"W3\"
    ";
    let state = state(text, "2019-06-30");
    let changes: Vec<String> = state
        .fact_changes
        .iter()
        .map(|c| {
            let value = c
                .value
                .as_ref()
                .map_or("removed".to_owned(), |v| v.to_string());
            format!("{} {} {value}", c.at, c.name)
        })
        .collect();
    // A repeated value and removing an unknown fact are not changes; events
    // after the as-of moment do not count.
    assert_eq!(
        changes,
        [
            "2019-01-07 team North",
            "2019-01-07 worker W1",
            "2019-02-01 worker W2",
            "2019-03-01 worker removed",
        ]
    );
}

#[test]
fn events_after_the_as_of_moment_do_not_count() {
    let all = state(CHILD_PROTECTION, "2019-04-14");
    assert!(all.deadlines.iter().all(|d| &*d.step != "icpc"));
    let one = engine().replay("C1", events("C1", CHILD_PROTECTION), as_of("2019-04-15"));
    assert!(one.deadlines.iter().any(|d| &*d.step == "icpc"));
}

#[test]
fn a_start_event_moves_a_deadline_not_yet_due_but_never_erases_a_breach() {
    let moved = state(
        &format!("{CHILD_PROTECTION}\n e-6 2019-05-09 cp_plan start"),
        "2019-05-31",
    );
    let visit = deadline(&moved, "cp_visit", 1);
    assert_eq!(
        (visit.due.to_string().as_str(), visit.status),
        ("2019-05-23", Status::Overdue)
    );
    assert!(visit.local);
    assert!(
        visit
            .explanation
            .ends_with("; local standard: Example Council standard 2"),
        "{}",
        visit.explanation
    );
    let kept = state(
        &format!("{CHILD_PROTECTION}\n e-6 2019-05-28 cp_plan start"),
        "2019-05-31",
    );
    let visit = deadline(&kept, "cp_visit", 1);
    assert_eq!(
        (visit.due.to_string().as_str(), visit.status),
        ("2019-05-21", Status::Overdue)
    );
}

#[test]
fn with_nothing_on_the_chain_the_latest_in_the_episode_counts_and_the_explanation_says_so() {
    // The conference is recorded with no enquiry before it: it opens on its
    // own, so no strategy discussion led to it.
    let text = "
        e-1 2019-04-01 referral start
        e-2 2019-04-02 referral complete strategy_discussion
        e-3 2019-04-12 strategy_discussion complete no_s47
        e-4 2019-05-07 icpc complete no_plan
    ";
    let state = state(text, "2019-06-10");
    let icpc = deadline(&state, "icpc", 1);
    assert_eq!(icpc.due.to_string(), "2019-05-08");
    assert!(
        icpc.explanation.contains(
            "(event e-3); none on the chain of events that led here, so the latest in the episode (strategy_discussion occurrence 1)"
        ),
        "{}",
        icpc.explanation
    );
}

#[test]
fn the_first_and_the_latest_search_the_episode_up_to_the_opening() {
    use crate::tests::rules::{after, due, rule_set};
    use duly_calendar::Unit;
    use duly_dsl::model::{Milestone, Pick, Schedule};
    let mut rules = rule_set(&[]);
    let safeguarding = &mut rules.workflows[0];
    let position = |id: &str| safeguarding.steps.iter().position(|s| s.id == id).unwrap();
    let (icpc, core) = (position("icpc"), position("core_group"));
    safeguarding.steps[icpc].schedule = Schedule::Once(due(
        15,
        Unit::WorkingDays,
        after("strategy_discussion", Milestone::Completed, Pick::First),
        "first",
    ));
    safeguarding.steps[core].schedule = Schedule::Once(due(
        10,
        Unit::WorkingDays,
        after("strategy_discussion", Milestone::Completed, Pick::Latest),
        "latest",
    ));
    let rules =
        duly_dsl::model::RuleSet::new(rules.workflows.clone(), rules.calendars.clone(), Vec::new());
    let engine = crate::Engine::new(rules).unwrap();
    let text = "
        e-1 2019-04-01 referral start
        e-2 2019-04-02 referral complete strategy_discussion
        e-3 2019-04-12 strategy_discussion complete no_s47
        e-4 2019-04-16 strategy_discussion complete s47
        e-5 2019-04-17 s47_enquiry complete icpc
        e-6 2019-05-07 icpc complete cp_plan
        e-7 2019-05-08 strategy_discussion complete no_s47
    ";
    let state = engine.replay("C1", super::rules::events("C1", text), as_of("2019-06-10"));
    let icpc = deadline(&state, "icpc", 1);
    assert_eq!(
        icpc.anchor_event.as_deref(),
        Some("e-3"),
        "{}",
        icpc.explanation
    );
    assert!(
        icpc.explanation
            .contains("after the first strategy discussion on Fri 12 Apr 2019"),
        "{}",
        icpc.explanation
    );
    // The discussion on 8 May came after the core group opened: not counted.
    let core = deadline(&state, "core_group", 1);
    assert_eq!(
        core.anchor_event.as_deref(),
        Some("e-4"),
        "{}",
        core.explanation
    );
    assert!(
        core.explanation
            .contains("after the latest strategy discussion on Tue 16 Apr 2019"),
        "{}",
        core.explanation
    );
}
