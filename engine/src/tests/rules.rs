//! The national library's safeguarding, missing and looked-after workflows,
//! built by hand as `RuleSet`s (the loader is another crate's).

use crate::{AsOf, CaseState, Engine};
use duly_calendar::{Division, Period, Unit};
use duly_dsl::model::*;
use duly_events::{Event, parse_line};

fn origin(line: u32) -> Origin {
    Origin {
        file: "national.duly".into(),
        span: (0, 0),
        line,
    }
}

fn step(id: &str, title: &str) -> Step {
    Step {
        id: id.into(),
        title: title.into(),
        description: None,
        outcomes: Vec::new(),
        several_may_be_open: false,
        schedule: Schedule::None,
        reactions: Vec::new(),
        local: false,
        origin: origin(1),
    }
}

fn outcomes(mut s: Step, list: &[&str]) -> Step {
    s.outcomes = list.iter().map(|o| o.to_string()).collect();
    s
}

fn on(mut s: Step, trigger: &str, effect: Effect) -> Step {
    let trigger = match trigger {
        "start" => Trigger::Start,
        "complete" => Trigger::Complete,
        outcome => Trigger::Outcome(outcome.into()),
    };
    s.reactions.push(Reaction {
        trigger,
        condition: None,
        effect,
        origin: origin(1),
    });
    s
}

fn open(ids: &[&str]) -> Effect {
    Effect::Open(ids.iter().map(|s| s.to_string()).collect())
}

pub(crate) fn after(step: &str, milestone: Milestone, pick: Pick) -> Anchor {
    Anchor::Event {
        step: step.into(),
        milestone,
        pick,
    }
}

pub(crate) fn due(count: u32, unit: Unit, anchor: Anchor, source: &str) -> DueRule {
    DueRule {
        period: Period::new(count, unit),
        anchor,
        warn: None,
        source: Some(Source {
            text: source.into(),
            local: false,
        }),
        origin: origin(10),
    }
}

fn warn(mut rule: DueRule, count: u32, unit: Unit) -> DueRule {
    rule.warn = Some(Period::new(count, unit));
    rule
}

fn once(mut s: Step, rule: DueRule) -> Step {
    s.schedule = Schedule::Once(rule);
    s
}

fn workflow(id: &str, entries: &[usize], steps: Vec<Step>) -> Workflow {
    Workflow {
        id: id.into(),
        title: id.into(),
        version: "2018.1".into(),
        moves_from: Vec::new(),
        source: "test".into(),
        calendar: "england_and_wales".into(),
        entries: entries.to_vec(),
        steps,
        plugins: Vec::new(),
        origin: origin(1),
    }
}

const STARTED: Milestone = Milestone::Started;
const COMPLETED: Milestone = Milestone::Completed;

pub(crate) fn safeguarding() -> Workflow {
    use Pick::*;
    let referral = once(
        outcomes(
            step("referral", "Referral"),
            &["assessment", "strategy_discussion", "nfa", "early_help"],
        ),
        due(
            1,
            Unit::WorkingDays,
            after("referral", STARTED, LedHere),
            "WT 2018: referral decision",
        ),
    );
    let referral = on(referral, "assessment", open(&["assessment"]));
    let referral = on(
        referral,
        "strategy_discussion",
        open(&["strategy_discussion", "assessment"]),
    );
    let referral = on(on(referral, "nfa", Effect::End), "early_help", Effect::End);
    let assessment = once(
        outcomes(
            step("assessment", "Child and family assessment"),
            &["nfa", "cin", "strategy_discussion"],
        ),
        warn(
            due(
                45,
                Unit::WorkingDays,
                after("referral", STARTED, LedHere),
                "WT 2018: assessment",
            ),
            10,
            Unit::WorkingDays,
        ),
    );
    let assessment = on(
        on(assessment, "nfa", Effect::End),
        "strategy_discussion",
        open(&["strategy_discussion"]),
    );
    let sd = outcomes(
        step("strategy_discussion", "Strategy discussion"),
        &["s47", "no_s47"],
    );
    let sd = on(on(sd, "s47", open(&["s47_enquiry"])), "no_s47", Effect::End);
    let s47 = outcomes(
        step("s47_enquiry", "Section 47 enquiry"),
        &["icpc", "cin", "nfa"],
    );
    let s47 = on(on(s47, "icpc", open(&["icpc"])), "nfa", Effect::End);
    let icpc = once(
        outcomes(
            step("icpc", "Initial child protection conference"),
            &["cp_plan", "no_plan"],
        ),
        warn(
            due(
                15,
                Unit::WorkingDays,
                after("strategy_discussion", COMPLETED, LedHere),
                "Working Together to Safeguard Children 2018, chapter 1",
            ),
            5,
            Unit::WorkingDays,
        ),
    );
    let icpc = on(
        on(icpc, "cp_plan", open(&["cp_plan", "core_group", "rcpc"])),
        "no_plan",
        Effect::End,
    );
    let cp_plan = on(
        step("cp_plan", "Child protection plan"),
        "start",
        open(&["cp_visit"]),
    );
    let cp_plan = on(
        on(
            cp_plan,
            "complete",
            Effect::Close(vec!["core_group".into(), "rcpc".into(), "cp_visit".into()]),
        ),
        "complete",
        Effect::End,
    );
    let core_group = once(
        step("core_group", "First core group meeting"),
        due(
            10,
            Unit::WorkingDays,
            after("icpc", COMPLETED, LedHere),
            "WT 2018: core group",
        ),
    );
    let mut rcpc = outcomes(
        step("rcpc", "Review child protection conference"),
        &["continue", "end_plan"],
    );
    rcpc.schedule = Schedule::Repeats(Recurrence {
        first: due(
            3,
            Unit::Months,
            after("icpc", COMPLETED, LedHere),
            "WT 2018: first review",
        ),
        second: None,
        then: vec![Cadence {
            guard: None,
            rule: due(6, Unit::Months, Anchor::Previous, "WT 2018: later reviews"),
        }],
        until: vec![
            Happening {
                step: "rcpc".into(),
                milestone: COMPLETED,
                outcome: Some("end_plan".into()),
            },
            Happening {
                step: "cp_plan".into(),
                milestone: COMPLETED,
                outcome: None,
            },
        ],
    });
    let rcpc = on(rcpc, "end_plan", Effect::End);
    let mut cp_visit = step("cp_visit", "Child protection visit");
    let mut local = due(
        10,
        Unit::WorkingDays,
        after("cp_plan", STARTED, LedHere),
        "Example Council standard 2",
    );
    local.source = Some(Source {
        text: "Example Council standard 2".into(),
        local: true,
    });
    let mut then = local.clone();
    then.anchor = Anchor::Previous;
    cp_visit.local = true;
    cp_visit.schedule = Schedule::Repeats(Recurrence {
        first: local,
        second: None,
        then: vec![Cadence {
            guard: None,
            rule: then,
        }],
        until: vec![Happening {
            step: "cp_plan".into(),
            milestone: COMPLETED,
            outcome: None,
        }],
    });
    let closure = outcomes(
        step("case_closure", "Case closure"),
        &["nfa", "early_help", "other"],
    );
    let closure = on(closure, "complete", Effect::CloseEverything);
    workflow(
        "safeguarding",
        &[0, 9],
        vec![
            referral, assessment, sd, s47, icpc, cp_plan, core_group, rcpc, cp_visit, closure,
        ],
    )
}

pub(crate) fn missing() -> Workflow {
    let episode = on(
        step("missing_episode", "Missing episode"),
        "complete",
        open(&["rhi"]),
    );
    let mut rhi = once(
        step("rhi", "Return home interview"),
        warn(
            due(
                72,
                Unit::Hours,
                after("missing_episode", COMPLETED, Pick::LedHere),
                "Missing guidance 2014",
            ),
            24,
            Unit::Hours,
        ),
    );
    rhi.several_may_be_open = true;
    let rhi = on(rhi, "complete", Effect::End);
    let mut w = workflow("missing", &[0], vec![episode, rhi]);
    w.version = "2014.1".into();
    w
}

pub(crate) fn looked_after() -> Workflow {
    use Pick::*;
    let la = on(
        on(
            step("looked_after", "Looked after"),
            "start",
            open(&["cla_review", "health_assessment"]),
        ),
        "complete",
        Effect::CloseEverything,
    );
    let placement = on(
        step("placement", "Placement"),
        "start",
        open(&["cla_visit"]),
    );
    let placement = on(
        placement,
        "complete",
        Effect::Close(vec!["cla_visit".into()]),
    );
    let mut review = step("cla_review", "Looked-after child review");
    review.schedule = Schedule::Repeats(Recurrence {
        first: due(
            20,
            Unit::WorkingDays,
            after("looked_after", STARTED, LedHere),
            "reg 33(1)",
        ),
        second: Some(due(3, Unit::Months, Anchor::Previous, "reg 33(2)(a)")),
        then: vec![Cadence {
            guard: None,
            rule: due(6, Unit::Months, Anchor::Previous, "reg 33(2)(b)"),
        }],
        until: vec![Happening {
            step: "looked_after".into(),
            milestone: COMPLETED,
            outcome: None,
        }],
    });
    let mut health = step("health_assessment", "Health assessment");
    health.schedule = Schedule::Repeats(Recurrence {
        first: due(
            20,
            Unit::WorkingDays,
            after("looked_after", STARTED, LedHere),
            "reg 7",
        ),
        second: None,
        then: vec![
            Cadence {
                guard: Some(Condition::Compare {
                    fact: "age".into(),
                    op: CompareOp::Less,
                    value: Value::Number(5.0),
                }),
                rule: due(6, Unit::Months, Anchor::Previous, "under five"),
            },
            Cadence {
                guard: None,
                rule: due(12, Unit::Months, Anchor::Previous, "five and over"),
            },
        ],
        until: vec![Happening {
            step: "looked_after".into(),
            milestone: COMPLETED,
            outcome: None,
        }],
    });
    let mut visit = step("cla_visit", "Social worker visit");
    visit.schedule = Schedule::Repeats(Recurrence {
        first: due(
            1,
            Unit::Weeks,
            after("placement", STARTED, LedHere),
            "reg 28(2)(a)",
        ),
        second: None,
        then: vec![
            Cadence {
                guard: Some(Condition::Within {
                    period: Period::new(1, Unit::Years),
                    anchor: after("placement", STARTED, LedHere),
                }),
                rule: due(6, Unit::Weeks, Anchor::Previous, "reg 28(2)(b)(i)"),
            },
            Cadence {
                guard: Some(Condition::Compare {
                    fact: "long_term_placement".into(),
                    op: CompareOp::Is,
                    value: Value::Bool(true),
                }),
                rule: due(
                    3,
                    Unit::Months,
                    Anchor::Previous,
                    "reg 28(2)(b)(ii) long term",
                ),
            },
            Cadence {
                guard: None,
                rule: due(6, Unit::Weeks, Anchor::Previous, "reg 28(2)(b)(ii)"),
            },
        ],
        until: vec![
            Happening {
                step: "placement".into(),
                milestone: COMPLETED,
                outcome: None,
            },
            Happening {
                step: "looked_after".into(),
                milestone: COMPLETED,
                outcome: None,
            },
        ],
    });
    let mut w = workflow(
        "looked_after",
        &[0, 1],
        vec![la, placement, review, health, visit],
    );
    w.version = "2010.1".into();
    w
}

pub(crate) fn rule_set(plugins: &[&str]) -> RuleSet {
    let mut safeguarding = safeguarding();
    safeguarding.plugins = plugins.iter().map(|p| p.to_string()).collect();
    RuleSet::new(
        vec![safeguarding, missing(), looked_after()],
        vec![CalendarSpec {
            id: "england_and_wales".into(),
            title: "England and Wales".into(),
            division: Division::EnglandAndWales,
            closures: Vec::new(),
            origin: None,
        }],
        Vec::new(),
    )
}

pub(crate) fn engine() -> Engine {
    Engine::new(rule_set(&[])).unwrap()
}

/// Events from compact lines: `id date step action [outcome] [k=v…]`.
pub(crate) fn events(case: &str, text: &str) -> Vec<Event> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
        .map(|(i, line)| {
            let mut words = line.split_whitespace();
            let id = words.next().unwrap();
            let at = words.next().unwrap();
            let mut json = serde_json::json!({"id": id, "case": case, "at": at});
            let mut facts = serde_json::Map::new();
            let mut rest = Vec::new();
            for word in words {
                match word.split_once('=') {
                    Some((k, v)) => {
                        let value =
                            serde_json::from_str(v).unwrap_or(serde_json::Value::String(v.into()));
                        facts.insert(k.into(), value);
                    }
                    None => rest.push(word),
                }
            }
            match rest.as_slice() {
                ["record"] => json["action"] = "record".into(),
                [step, action] => {
                    json["step"] = (*step).into();
                    json["action"] = (*action).into();
                }
                [step, action, outcome] => {
                    json["step"] = (*step).into();
                    json["action"] = (*action).into();
                    json["outcome"] = (*outcome).into();
                }
                other => panic!("bad test line {other:?}"),
            }
            if !facts.is_empty() {
                json["facts"] = facts.into();
            }
            parse_line(i + 1, &json.to_string()).unwrap()
        })
        .collect()
}

pub(crate) fn as_of(date: &str) -> AsOf {
    AsOf::end_of(date.parse().unwrap())
}

pub(crate) fn state(text: &str, date: &str) -> CaseState {
    engine().replay("C1", events("C1", text), as_of(date))
}
