//! Every figure of the report against expectations worked out by hand, on
//! small scenarios under the national library (England and Wales working
//! days; bank holidays in 2025: 1 Jan, 18 and 21 Apr, 5 and 26 May, 25 Aug).

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "a test stops at its first failure"
)]

mod common;

use common::{date, june, national, period, report, report_with};
use duly_engine::plugin::{CaseView, HookResult};
use duly_engine::{Deadline, Engine, Plugin, PluginAction, Status};
use duly_report::Options;
use duly_report::model::{Figures, Group, TimeUnit};
use std::sync::Arc;

fn figures(due: u64, met: u64, late: u64, overdue: u64) -> Figures {
    Figures {
        due,
        met,
        late,
        overdue,
        percent_on_time: (due > 0).then(|| (1000.0 * met as f64 / due as f64).round() / 10.0),
        ..Figures::default()
    }
}

/// Counts only: the times are checked where they are worked out.
fn counts(f: &Figures) -> Figures {
    Figures {
        median_from_due: None,
        p90_from_due: None,
        median_taken: None,
        p90_taken: None,
        ..f.clone()
    }
}

fn measure(report: &duly_report::Report, id: &str) -> (u64, u64, Option<f64>) {
    let m = report.measures.iter().find(|m| m.id == id).unwrap();
    (m.numerator, m.denominator, m.percent)
}

#[test]
fn breaches_are_the_deadlines_due_in_the_period_and_missed() {
    let report = june();
    let breaches: Vec<(&str, &str, String, &str, i64, TimeUnit)> = report
        .breaches
        .iter()
        .map(|b| {
            (
                b.case.as_str(),
                &*b.step,
                b.due.to_string(),
                b.status.as_str(),
                b.late,
                b.late_unit,
            )
        })
        .collect();
    assert_eq!(
        breaches,
        [
            // Due Mon 30 June, the period's last day; still not done on 15
            // July: 11 working days (1–4, 7–11, 14, 15 July).
            (
                "C3",
                "referral",
                "2025-06-30".into(),
                "overdue",
                11,
                TimeUnit::WorkingDays
            ),
            // Due Tue 3 June, done Thu 5 June.
            (
                "C5",
                "referral",
                "2025-06-03".into(),
                "late",
                2,
                TimeUnit::WorkingDays
            ),
        ]
    );
    // C1 was due on 30 May, before the period; C4 on 1 July, after it; C6
    // was closed before its referral fell due (cancelled).
    let c3 = &report.breaches[0];
    assert_eq!(c3.completed, None);
    assert_eq!(c3.anchor_event.as_deref(), Some("c3-1"));
    assert!(
        c3.explanation
            .starts_with("due Mon 30 Jun 2025: 1 working day after the referral started on Fri 27 Jun 2025 (event c3-1)"),
        "{}",
        c3.explanation
    );
}

#[test]
fn a_breach_is_put_to_who_held_the_case_when_it_fell_due() {
    let report = june();
    let c5 = &report.breaches[1];
    // Worker W2 took over on 4 June, the day after the referral fell due.
    assert_eq!(
        (c5.team.as_deref(), c5.worker.as_deref()),
        (Some("North"), Some("W1"))
    );
    // A deadline met is put to who held the case the day it was done,
    // counting the facts on the completing event (C12: North and W2, not
    // the front door's W1, nor W3 who took over on the due day).
    let referral = &report
        .timeliness
        .iter()
        .find(|s| s.step == "referral")
        .unwrap();
    let by_worker: Vec<(Option<&str>, Figures)> = referral
        .by_worker
        .iter()
        .map(|g: &Group| (g.group.as_deref(), counts(&g.figures)))
        .collect();
    assert_eq!(
        by_worker,
        [
            (Some("W1"), figures(1, 0, 1, 0)),
            (Some("W2"), figures(1, 1, 0, 0)),
            (None, figures(2, 1, 0, 1)),
        ]
    );
    let by_team: Vec<(Option<&str>, Figures)> = referral
        .by_team
        .iter()
        .map(|g| (g.group.as_deref(), counts(&g.figures)))
        .collect();
    assert_eq!(
        by_team,
        [
            (Some("North"), figures(2, 1, 1, 0)),
            (None, figures(2, 1, 0, 1)),
        ]
    );
}

#[test]
fn timeliness_counts_met_late_and_overdue_and_times_them_against_the_limit() {
    let report = june();
    let referral = report
        .timeliness
        .iter()
        .find(|s| s.step == "referral")
        .unwrap();
    assert_eq!(referral.timescale, "1 working day");
    assert_eq!(referral.unit, TimeUnit::WorkingDays);
    // Due in June: C2 (met on its due day), C3 (overdue), C5 (late by 2),
    // C12 (met the day before its due day). C6 is cancelled: left out.
    // Times from the due day of those completed: 0, 2 and -1; the median
    // by nearest rank is the 2nd of 3 (0), the 90th the 3rd (2); taken:
    // the 1-day limit plus those.
    assert_eq!(
        referral.all,
        Figures {
            median_from_due: Some(0),
            p90_from_due: Some(2),
            median_taken: Some(1),
            p90_taken: Some(3),
            ..figures(4, 2, 1, 1)
        }
    );
    let months: Vec<(Option<&str>, u64)> = referral
        .by_month
        .iter()
        .map(|g| (g.group.as_deref(), g.figures.due))
        .collect();
    assert_eq!(months, [(Some("2025-06"), 4)]);
    // Steps with a timescale and nothing due are listed with zeros.
    let assessment = report
        .timeliness
        .iter()
        .find(|s| s.step == "assessment")
        .unwrap();
    assert_eq!(assessment.all, Figures::default());
    // Steps without a timescale are not.
    assert!(
        report
            .timeliness
            .iter()
            .all(|s| s.step != "strategy_discussion")
    );
}

#[test]
fn the_referral_measure_leaves_out_cancelled_deadlines() {
    let report = june();
    assert_eq!(
        measure(&report, "referral_decision_1wd"),
        (2, 4, Some(50.0))
    );
    assert_eq!(measure(&report, "assessment_45wd"), (0, 0, None));
    // Received in June: C3, C4, C5, C6 and C12; none within 12 months of
    // an earlier referral.
    assert_eq!(measure(&report, "re_referral_12m"), (0, 5, Some(0.0)));
    let ids: Vec<&str> = report.measures.iter().map(|m| m.id).collect();
    assert_eq!(
        ids,
        [
            "referral_decision_1wd",
            "assessment_45wd",
            "icpc_15wd",
            "rcpc_on_time",
            "cla_review_on_time",
            "rhi_72h",
            "re_referral_12m"
        ]
    );
}

#[test]
fn open_cases_and_drift_are_as_at_the_as_of_day() {
    let report = june();
    let open: Vec<(Option<&str>, Option<&str>, u64)> = report
        .open_cases
        .iter()
        .map(|o| (o.team.as_deref(), o.worker.as_deref(), o.open_cases))
        .collect();
    // C1, C3 and C4 still have their referral open.
    assert_eq!(open, [(Some("East"), Some("W9"), 1), (None, None, 2)]);
    // C1: nothing completed since its referral on 29 May: 1 working day in
    // May, 21 in June, 11 in July. C3 (12) and C4 (11) are under 20.
    let drift: Vec<(&str, i64, String)> = report
        .drift
        .iter()
        .map(|d| (d.case.as_str(), d.working_days, d.since.to_string()))
        .collect();
    assert_eq!(drift, [("C1", 33, "2025-05-29".to_owned())]);
    assert_eq!(report.drift[0].last_completed, None);
    // Nothing open is due within 5 working days of 15 July.
    assert!(report.at_risk.is_empty());
}

#[test]
fn the_period_ends_at_the_as_of_day_and_a_deadline_due_that_day_is_not_yet_due() {
    let text = "
        C7  c7-1  2025-07-14 referral start team=North worker=W1
        C8  c8-1  2025-07-14 referral start
        C8  c8-2  2025-07-15 referral complete nfa
        C9  c9-1  2025-07-08 looked_after start
        C10 c10-1 2025-07-09 looked_after start
        C11 c11-1 2025-07-13 missing_episode start
        C11 c11-2 2025-07-14T10:00:00+01:00 missing_episode complete
    ";
    let report = report(text, Options::new(date("2025-07-15")));
    assert_eq!(
        (report.from.to_string(), report.to.to_string()),
        ("2024-07-16".into(), "2025-07-15".into())
    );
    // C7's referral is due at the end of the as-of day: open, not a breach,
    // not counted; C8's, done that day, is met and counted.
    assert!(report.breaches.is_empty());
    assert_eq!(
        measure(&report, "referral_decision_1wd"),
        (1, 1, Some(100.0))
    );
    // At risk up to Tue 22 July (5 working days), soonest first. C10's care
    // plan (10 working days after Wed 9 July: Wed 23 July) is not.
    let at_risk: Vec<(&str, &str, String, i64)> = report
        .at_risk
        .iter()
        .map(|r| {
            (
                r.case.as_str(),
                &*r.step,
                r.due.to_string(),
                r.working_days_left,
            )
        })
        .collect();
    assert_eq!(
        at_risk,
        [
            ("C7", "referral", "2025-07-15".into(), 0),
            ("C11", "rhi", "2025-07-17T10:00:00+01:00".into(), 2),
            ("C9", "care_plan", "2025-07-22".into(), 5),
        ]
    );
    assert_eq!(
        (
            report.at_risk[0].team.as_deref(),
            report.at_risk[0].worker.as_deref()
        ),
        (Some("North"), Some("W1"))
    );
}

#[test]
fn a_deadline_done_on_its_due_day_is_met() {
    // 45 working days after Mon 3 March 2025, skipping Good Friday, Easter
    // Monday and the Early May bank holiday: Thu 8 May.
    let text = "
        A1 a1-1 2025-03-03 referral start
        A1 a1-2 2025-03-03 referral complete assessment
        A1 a1-3 2025-05-08 assessment complete nfa
        A2 a2-1 2025-03-03 referral start
        A2 a2-2 2025-03-03 referral complete assessment
        A2 a2-3 2025-05-09 assessment complete nfa
    ";
    let report = report(text, Options::new(date("2025-07-15")));
    assert_eq!(measure(&report, "assessment_45wd"), (1, 2, Some(50.0)));
    let breaches: Vec<(&str, &str, String, i64)> = report
        .breaches
        .iter()
        .map(|b| (b.case.as_str(), &*b.step, b.due.to_string(), b.late))
        .collect();
    assert_eq!(breaches, [("A2", "assessment", "2025-05-08".into(), 1)]);
    let assessment = report
        .timeliness
        .iter()
        .find(|s| s.step == "assessment")
        .unwrap();
    // Times from the due day: 0 and 1; taken: 45 and 46 working days.
    assert_eq!(
        (
            assessment.all.median_taken,
            assessment.all.p90_taken,
            assessment.limit.map(|l| l.count)
        ),
        (Some(45), Some(46), Some(45))
    );
}

#[test]
fn hour_based_timescales_count_whole_hours() {
    let text = "
        M1 m1-1 2025-06-10T08:00:00+01:00 missing_episode start
        M1 m1-2 2025-06-10T22:00:00+01:00 missing_episode complete
        M1 m1-3 2025-06-14T09:30:00+01:00 rhi complete
        M2 m2-1 2025-06-20 missing_episode start
        M2 m2-2 2025-06-21T12:00:00+01:00 missing_episode complete
        M2 m2-3 2025-06-22T12:00:00+01:00 rhi complete
    ";
    let report = report(text, Options::new(date("2025-07-15")));
    let m1 = &report.breaches[0];
    assert_eq!(report.breaches.len(), 1);
    assert_eq!(
        (
            m1.case.as_str(),
            m1.due.to_string(),
            m1.completed.map(|c| c.to_string()),
            m1.late,
            m1.late_unit
        ),
        (
            "M1",
            "2025-06-13T22:00:00+01:00".into(),
            Some("2025-06-14T09:30:00+01:00".into()),
            11,
            TimeUnit::Hours
        )
    );
    assert_eq!(measure(&report, "rhi_72h"), (1, 2, Some(50.0)));
    let rhi = report.timeliness.iter().find(|s| s.step == "rhi").unwrap();
    assert_eq!(rhi.unit, TimeUnit::Hours);
    // From the due moment: -48 hours (M2) and 11½ hours, counted 11.
    assert_eq!(
        rhi.all,
        Figures {
            median_from_due: Some(-48),
            p90_from_due: Some(11),
            median_taken: Some(24),
            p90_taken: Some(83),
            ..figures(2, 1, 1, 0)
        }
    );
}

#[test]
fn re_referrals_count_up_to_twelve_months_to_the_day() {
    let text = "
        R1 r1-1 2024-03-10 referral start
        R1 r1-2 2024-03-10 referral complete nfa
        R1 r1-3 2025-03-10 referral start
        R1 r1-4 2025-03-10 referral complete nfa
        R2 r2-1 2024-03-10 referral start
        R2 r2-2 2024-03-10 referral complete nfa
        R2 r2-3 2025-03-11 referral start
        R2 r2-4 2025-03-11 referral complete nfa
        R3 r3-1 2024-02-29 referral start
        R3 r3-2 2024-02-29 referral complete nfa
        R3 r3-3 2025-02-28 referral start
        R3 r3-4 2025-02-28 referral complete nfa
        R4 r4-1 2024-02-29 referral start
        R4 r4-2 2024-02-29 referral complete nfa
        R4 r4-3 2025-03-01 referral start
        R4 r4-4 2025-03-01 referral complete nfa
        R5 r5-1 2025-05-05 referral start
        R5 r5-2 2025-05-05 referral complete nfa
        R6 r6-1 2025-06-02 referral start
        R6 r6-2 2025-06-02 referral complete nfa
        R6 r6-3 2025-06-02 referral start
        R6 r6-4 2025-06-02 referral complete nfa
        R7 r7-1 2024-06-01 referral start
        R7 r7-2 2024-06-01 referral complete nfa
    ";
    let report = report(text, period("2025-12-31", "2025-01-01", "2025-12-31"));
    // Received in 2025: R1, R2, R3, R4, R5 and R6 twice (R7's is in 2024).
    // Within 12 months: R1 (10 Mar to 10 Mar), R3 (29 Feb + 12 months is
    // 28 Feb), R6's second (the same day). Not: R2 and R4 (a day later).
    assert_eq!(measure(&report, "re_referral_12m"), (3, 7, Some(42.9)));
    assert_eq!(
        measure(&report, "referral_decision_1wd"),
        (7, 7, Some(100.0))
    );
}

#[test]
fn worker_changes_count_a_new_worker_in_place_of_another() {
    let text = "
        W1 w1-1 2024-06-01 record worker=A
        W1 w1-2 2024-07-15 record worker=B
        W1 w1-3 2024-09-01 record worker=C
        W1 w1-4 2024-10-01 record worker=null
        W1 w1-5 2024-11-01 record worker=C
        W1 w1-6 2025-01-01 record worker=D team=East
        W1 w1-7 2025-07-15 record worker=E
        W1 w1-8 2025-07-16 record worker=F
        W2 w2-1 2025-01-01 record worker=A
        W2 w2-2 2025-02-01 record worker=B
        W2 w2-3 2025-03-01 record worker=A
    ";
    let report = report(text, Options::new(date("2025-07-15")));
    // W1: B on 15 July 2024 is on the day 12 months back, outside; C, D
    // and E count (removing the worker and C again do not); F is after the
    // as-of day. W2 has 2 changes.
    let rows: Vec<(&str, u32, Option<&str>, Option<&str>)> = report
        .worker_changes
        .iter()
        .map(|w| {
            (
                w.case.as_str(),
                w.changes,
                w.team.as_deref(),
                w.worker.as_deref(),
            )
        })
        .collect();
    assert_eq!(rows, [("W1", 3, Some("East"), Some("E"))]);
    // No step was ever open: no open cases, no drift.
    assert!(report.open_cases.is_empty() && report.drift.is_empty());
}

/// A test double for a council's escalation script.
struct Watch;

impl Plugin for Watch {
    fn name(&self) -> &str {
        "watch"
    }

    fn content_hash(&self) -> &str {
        "0"
    }

    fn on_event(
        &self,
        _case: &CaseView<'_>,
        event: &duly_engine::plugin::EventView<'_>,
    ) -> HookResult {
        Ok(vec![PluginAction::Note {
            text: format!("event {}", event.id),
        }])
    }

    fn on_breach(&self, _case: &CaseView<'_>, deadline: &Deadline) -> HookResult {
        assert_eq!(deadline.status, Status::Overdue);
        Ok(vec![
            PluginAction::Escalate {
                to: "team_manager".into(),
                reason: format!("{} overdue", deadline.step),
            },
            PluginAction::Flag {
                name: "late_decision".into(),
                reason: "no decision in a working day".into(),
            },
        ])
    }
}

#[test]
fn plugin_flags_and_escalations_in_the_period_are_counted_by_rule() {
    let mut rules = national();
    for workflow in &mut rules.workflows {
        if workflow.id == "safeguarding" {
            workflow.plugins.push("watch".into());
        }
    }
    let engine = Engine::new(rules).unwrap().with_plugin(Arc::new(Watch));
    let text = "
        P1 p1-1 2025-06-02 referral start
        P2 p2-1 2025-05-20 referral start
    ";
    let report = report_with(
        &engine,
        text,
        period("2025-07-15", "2025-06-01", "2025-06-30"),
    );
    // P1: a note on 2 June, and at the end of 3 June (its due day) an
    // escalation and a flag. P2's all fell in May.
    let summary: Vec<(&str, &str, u64)> = report
        .plugin_summary
        .iter()
        .map(|p| (p.plugin.as_str(), p.action, p.count))
        .collect();
    assert_eq!(
        summary,
        [
            ("watch", "escalate", 1),
            ("watch", "flag", 1),
            ("watch", "note", 1)
        ]
    );
    let actions: Vec<(&str, String, &str, &str, &str)> = report
        .plugin_actions
        .iter()
        .map(|a| {
            (
                a.case.as_str(),
                a.date.to_string(),
                a.hook,
                a.action,
                a.subject.as_str(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            (
                "P1",
                "2025-06-04".into(),
                "on_breach",
                "escalate",
                "team_manager"
            ),
            (
                "P1",
                "2025-06-04".into(),
                "on_breach",
                "flag",
                "late_decision"
            ),
        ]
    );
}

#[test]
fn a_period_that_starts_after_it_ends_is_refused() {
    let options = period("2025-07-15", "2025-07-01", "2025-06-01");
    let error = options.check().unwrap_err();
    assert_eq!(
        error,
        "the period starts on 2025-07-01 after it ends on 2025-06-01: swap `--from` and `--to`"
    );
}
