//! What a script sees and can do: the read-only case view (`case`), the
//! event (`event`), deadlines, dates with working-day and month arithmetic
//! on the case's calendar, and the four actions. Everything is registered
//! on the sandbox's engine; nothing else reaches the outside world.

use crate::sandbox::CALL;
use duly_calendar::Unit;
use duly_engine::{Deadline, PluginAction};
use duly_events::Fact;
use jiff::ToSpan;
use jiff::civil::{Date, Weekday};
use rhai::{Array, Dynamic, EvalAltResult, FLOAT, INT, ImmutableString};
use std::sync::Arc;

type Outcome<T> = Result<T, Box<EvalAltResult>>;

/// An error raised by a Duly function (not by a script's `throw`): its
/// message is Duly's, so it may be shown.
#[derive(Debug, Clone)]
pub(crate) struct HostError(pub String);

fn fail<T>(message: impl Into<String>) -> Outcome<T> {
    Err(Box::new(EvalAltResult::ErrorRuntime(
        Dynamic::from(HostError(message.into())),
        rhai::Position::NONE,
    )))
}

// ----- dates -----

/// A day, as scripts see it (`Date`): compared with `<`, `==` …, printed
/// `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Day(pub Date);

fn day_or_unit(day: Option<Date>) -> Dynamic {
    day.map_or(Dynamic::UNIT, |d| Dynamic::from(Day(d)))
}

fn int(n: i64) -> INT {
    n
}

fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "Monday",
        Weekday::Tuesday => "Tuesday",
        Weekday::Wednesday => "Wednesday",
        Weekday::Thursday => "Thursday",
        Weekday::Friday => "Friday",
        Weekday::Saturday => "Saturday",
        Weekday::Sunday => "Sunday",
    }
}

/// `count` on the case's calendar for this call.
fn on_calendar<T>(count: impl FnOnce(&duly_calendar::Calendar) -> T) -> Outcome<T> {
    let result = CALL.with(|c| {
        let call = c.borrow();
        let calendar = call
            .calendars
            .as_ref()
            .filter(|_| call.active)
            .and_then(|all| all.get(call.calendar));
        calendar.map(count)
    });
    match result {
        Some(result) => Ok(result),
        None => fail("working days can only be counted inside a hook"),
    }
}

fn out_of_range<T>(_: impl std::fmt::Debug) -> Outcome<T> {
    fail("the date is out of range")
}

fn add_span(day: Day, span: jiff::Span) -> Outcome<Day> {
    day.0.checked_add(span).map(Day).or_else(out_of_range)
}

fn count(n: INT, what: &str) -> Outcome<i64> {
    if n.abs() > 100_000 {
        return fail(format!("{what}: the count is too large"));
    }
    Ok(n)
}

/// The replay day: never the wall clock.
fn today() -> Outcome<Day> {
    CALL.with(|c| {
        let mut call = c.borrow_mut();
        call.read_time = true;
        call.today
    })
    .map_or_else(
        || fail("`today()` can only be used inside a hook"),
        |d| Ok(Day(d)),
    )
}

fn parse_date(text: &str) -> Outcome<Day> {
    match text.trim().parse::<Date>() {
        Ok(date) => Ok(Day(date)),
        Err(_) => fail("`date(…)` needs a date written `YYYY-MM-DD`"),
    }
}

fn add_working_days(day: Day, n: INT) -> Outcome<Day> {
    let n = count(n, "add_working_days")?;
    let magnitude = u32::try_from(n.unsigned_abs()).unwrap_or(u32::MAX);
    let result = on_calendar(|calendar| {
        if n >= 0 {
            calendar.add_working_days(day.0, magnitude)
        } else {
            calendar.sub_working_days(day.0, magnitude)
        }
    })?;
    result.map(Day).or_else(out_of_range)
}

fn working_days_between(from: Day, to: Day) -> Outcome<INT> {
    on_calendar(|calendar| int(calendar.working_days_between(from.0, to.0)))
}

fn is_working_day(day: Day) -> Outcome<bool> {
    on_calendar(|calendar| calendar.is_working_day(day.0))
}

fn days_between(from: Day, to: Day) -> Outcome<INT> {
    from.0
        .until(to.0)
        .map(|span| int(i64::from(span.get_days())))
        .or_else(out_of_range)
}

/// Whole months from `from` to `to` (negative when `to` is earlier): the
/// count of month steps, clamped to month ends, that stay on or before `to`.
fn months_between(from: Day, to: Day) -> Outcome<INT> {
    let span = from
        .0
        .until((jiff::Unit::Month, to.0))
        .or_else(out_of_range)?;
    Ok(int(i64::from(span.get_months())))
}

// ----- unknown values -----

/// `()` (an unknown fact, an age with no date of birth) compares false with
/// anything, as conditions in the language do; `!=` is true.
fn register_unknown_comparisons(engine: &mut rhai::Engine) {
    macro_rules! unknown_with {
        ($($t:ty),*) => {$(
            engine.register_fn("<", |_: (), _: $t| false);
            engine.register_fn("<=", |_: (), _: $t| false);
            engine.register_fn(">", |_: (), _: $t| false);
            engine.register_fn(">=", |_: (), _: $t| false);
            engine.register_fn("<", |_: $t, _: ()| false);
            engine.register_fn("<=", |_: $t, _: ()| false);
            engine.register_fn(">", |_: $t, _: ()| false);
            engine.register_fn(">=", |_: $t, _: ()| false);
        )*};
    }
    unknown_with!(INT, FLOAT, Day, ImmutableString, ());
    engine.register_fn("==", |_: (), _: Day| false);
    engine.register_fn("==", |_: Day, _: ()| false);
    engine.register_fn("!=", |_: (), _: Day| true);
    engine.register_fn("!=", |_: Day, _: ()| true);
}

// ----- facts -----

/// Facts by name: `case.facts.worker` or `case.facts["worker"]`; a fact not
/// known is `()`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Facts(Arc<Vec<(ImmutableString, Dynamic)>>);

impl Facts {
    pub(crate) fn new<'a>(facts: impl Iterator<Item = (&'a str, Option<Fact>)>) -> Facts {
        Facts(Arc::new(
            facts
                .map(|(name, value)| (name.into(), value.map_or(Dynamic::UNIT, fact_value)))
                .collect(),
        ))
    }

    fn get(&self, name: &str) -> Dynamic {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map_or(Dynamic::UNIT, |(_, v)| v.clone())
    }
}

fn fact_value(fact: Fact) -> Dynamic {
    match fact {
        Fact::Bool(b) => Dynamic::from_bool(b),
        Fact::Int(n) => Dynamic::from_int(n),
        Fact::Float(x) => Dynamic::from_float(x),
        Fact::Text(t) => Dynamic::from(ImmutableString::from(t)),
    }
}

// ----- the case -----

/// One step's history, for `case.is_open`, `started`, `completed` and
/// `completions`.
#[derive(Debug, Clone)]
pub(crate) struct StepTimes {
    pub step: compact_str::CompactString,
    pub open: bool,
    pub started: Option<Date>,
    pub completed: Option<Date>,
    pub completions: Vec<Date>,
}

impl StepTimes {
    pub(crate) fn new(step: &str) -> StepTimes {
        StepTimes {
            step: step.into(),
            open: false,
            started: None,
            completed: None,
            completions: Vec::new(),
        }
    }
}

/// What a case view holds for one call: only what the script can look at
/// (see [`crate::Needs`]).
#[derive(Debug, Default)]
pub(crate) struct CaseData {
    pub id: ImmutableString,
    pub facts: Facts,
    pub age: Option<i64>,
    pub open_steps: Array,
    pub steps: Vec<StepTimes>,
    pub deadlines: Array,
    /// The history fields the script names (an object map: reading it
    /// needs no function call).
    pub history: Option<rhai::Map>,
}

/// `case`: a read-only view of the child's case as of the hook's moment.
#[derive(Debug, Clone)]
pub(crate) struct Case(pub Arc<CaseData>);

impl Case {
    fn step(&self, step: &str) -> Option<&StepTimes> {
        self.0.steps.iter().find(|s| s.step == step)
    }
}

/// Marks the call as looking at something that changes with time alone.
fn read_time() {
    CALL.with(|c| c.borrow_mut().read_time = true);
}

/// The fields of `case.history`.
pub(crate) const HISTORY_FIELDS: [&str; 4] = [
    "referrals_last_12_months",
    "worker_changes_last_12_months",
    "days_since_last_visit",
    "missing_episodes_last_30_days",
];

// ----- the event -----

/// `event`: what just happened.
#[derive(Debug, Clone)]
pub(crate) struct Event(pub Arc<EventData>);

#[derive(Debug)]
pub(crate) struct EventData {
    pub id: ImmutableString,
    pub step: Dynamic,
    pub action: ImmutableString,
    pub outcome: Dynamic,
    pub date: Date,
    pub facts: Facts,
    pub changed: Vec<ImmutableString>,
}

// ----- deadlines -----

/// A deadline (`deadline` in `on_approaching` and `on_breach`, and each of
/// `case.deadlines`).
#[derive(Debug, Clone)]
pub(crate) struct DeadlineView(pub Arc<DeadlineData>);

#[derive(Debug)]
pub(crate) struct DeadlineData {
    step: ImmutableString,
    workflow: ImmutableString,
    occurrence: INT,
    due: Date,
    status: ImmutableString,
    approaching: bool,
    local: bool,
    completed: Option<Date>,
}

impl DeadlineView {
    pub(crate) fn new(deadline: &Deadline) -> DeadlineView {
        DeadlineView(Arc::new(DeadlineData {
            step: (&*deadline.step).into(),
            workflow: (&*deadline.workflow).into(),
            occurrence: INT::from(deadline.occurrence),
            due: deadline.due.local_date(),
            status: deadline.status.as_str().into(),
            approaching: deadline.approaching,
            local: deadline.local,
            completed: deadline.completed.map(|at| at.local_date()),
        }))
    }
}

// ----- actions -----

fn act(what: &str, action: impl FnOnce(usize) -> Outcome<PluginAction>) -> Outcome<()> {
    let (active, count, limit, chars) = CALL.with(|c| {
        let call = c.borrow();
        (
            call.active,
            call.actions.len(),
            call.max_actions,
            call.max_reason_chars,
        )
    });
    if !active {
        return fail(format!("`{what}` can only be used inside a hook"));
    }
    if count >= limit {
        return fail(format!(
            "`{what}`: more than {limit} actions in one call; look for a loop that acts on every turn"
        ));
    }
    let action = action(chars)?;
    CALL.with(|c| c.borrow_mut().actions.push(action));
    Ok(())
}

/// A reason or a note: the council's words, trimmed, not too long.
fn words(text: &str, what: &str, limit: usize) -> Outcome<String> {
    let text = text.trim();
    if text.chars().count() > limit {
        return fail(format!(
            "`{what}`: the text is longer than {limit} characters"
        ));
    }
    Ok(text.to_owned())
}

/// A role or a flag name: one short line.
fn label(text: &str, what: &str, field: &str) -> Outcome<String> {
    let text = text.trim();
    if text.is_empty() {
        return fail(format!("`{what}` needs a {field}"));
    }
    if text.chars().count() > 100 || text.contains('\n') {
        return fail(format!(
            "`{what}`: the {field} must be one short line (up to 100 characters)"
        ));
    }
    Ok(text.to_owned())
}

/// `working days`, `working_day`, `calendar days`, `weeks`, `months`,
/// `years`, `hours`, singular or plural.
pub(crate) fn parse_unit(text: &str) -> Option<Unit> {
    let text = text.trim().to_ascii_lowercase().replace('_', " ");
    let text = text.strip_suffix('s').unwrap_or(&text);
    Some(match text {
        "working day" => Unit::WorkingDays,
        "calendar day" => Unit::CalendarDays,
        "week" => Unit::Weeks,
        "month" => Unit::Months,
        "year" => Unit::Years,
        "hour" => Unit::Hours,
        _ => return None,
    })
}

// ----- registration -----

pub(crate) fn register(engine: &mut rhai::Engine) {
    register_unknown_comparisons(engine);

    // Dates.
    engine.register_type_with_name::<Day>("Date");
    engine.register_fn("today", today);
    engine.register_fn("date", parse_date);
    engine.register_fn("to_string", |d: &mut Day| d.0.to_string());
    engine.register_fn("to_debug", |d: &mut Day| d.0.to_string());
    engine.register_fn("+", |s: ImmutableString, d: Day| format!("{s}{}", d.0));
    engine.register_fn("+", |d: Day, s: ImmutableString| format!("{}{s}", d.0));
    engine.register_get("year", |d: &mut Day| INT::from(d.0.year()));
    engine.register_get("month", |d: &mut Day| INT::from(d.0.month()));
    engine.register_get("day", |d: &mut Day| INT::from(d.0.day()));
    engine.register_get("weekday", |d: &mut Day| weekday_name(d.0.weekday()));
    engine.register_fn("==", |a: Day, b: Day| a == b);
    engine.register_fn("!=", |a: Day, b: Day| a != b);
    engine.register_fn("<", |a: Day, b: Day| a < b);
    engine.register_fn("<=", |a: Day, b: Day| a <= b);
    engine.register_fn(">", |a: Day, b: Day| a > b);
    engine.register_fn(">=", |a: Day, b: Day| a >= b);
    engine.register_fn("add_days", |d: Day, n: INT| {
        add_span(d, count(n, "add_days")?.days())
    });
    engine.register_fn("add_weeks", |d: Day, n: INT| {
        add_span(d, count(n, "add_weeks")?.weeks())
    });
    engine.register_fn("add_months", |d: Day, n: INT| {
        add_span(d, count(n, "add_months")?.months())
    });
    engine.register_fn("add_years", |d: Day, n: INT| {
        add_span(d, count(n, "add_years")?.years())
    });
    engine.register_fn("add_working_days", add_working_days);
    engine.register_fn("working_days_between", working_days_between);
    engine.register_fn("is_working_day", is_working_day);
    engine.register_fn("days_between", days_between);
    engine.register_fn("months_between", months_between);

    // Facts.
    engine.register_type_with_name::<Facts>("Facts");
    engine.register_indexer_get(|f: &mut Facts, name: &str| f.get(name));
    engine.register_fn("contains", |f: &mut Facts, name: &str| {
        f.0.iter().any(|(n, v)| n == name && !v.is_unit())
    });

    // The case.
    engine.register_type_with_name::<Case>("Case");
    engine.register_get("id", |c: &mut Case| c.0.id.clone());
    engine.register_get("facts", |c: &mut Case| c.0.facts.clone());
    engine.register_get("age", |c: &mut Case| {
        read_time();
        c.0.age.map_or(Dynamic::UNIT, Dynamic::from_int)
    });
    engine.register_get("open_steps", |c: &mut Case| c.0.open_steps.clone());
    engine.register_get("deadlines", |c: &mut Case| {
        read_time();
        c.0.deadlines.clone()
    });
    engine.register_get("history", |c: &mut Case| {
        read_time();
        c.0.history.clone().map_or(Dynamic::UNIT, Dynamic::from_map)
    });
    engine.register_fn("is_open", |c: &mut Case, step: &str| {
        c.step(step).is_some_and(|s| s.open)
    });
    engine.register_fn("started", |c: &mut Case, step: &str| {
        day_or_unit(c.step(step).and_then(|s| s.started))
    });
    engine.register_fn("completed", |c: &mut Case, step: &str| {
        day_or_unit(c.step(step).and_then(|s| s.completed))
    });
    engine.register_fn("completions", |c: &mut Case, step: &str| -> Array {
        c.step(step).map_or_else(Array::new, |s| {
            s.completions
                .iter()
                .map(|&d| Dynamic::from(Day(d)))
                .collect()
        })
    });

    // The event.
    engine.register_type_with_name::<Event>("Event");
    engine.register_get("id", |e: &mut Event| e.0.id.clone());
    engine.register_get("step", |e: &mut Event| e.0.step.clone());
    engine.register_get("action", |e: &mut Event| e.0.action.clone());
    engine.register_get("outcome", |e: &mut Event| e.0.outcome.clone());
    engine.register_get("date", |e: &mut Event| Day(e.0.date));
    engine.register_get("facts", |e: &mut Event| e.0.facts.clone());
    engine.register_fn("records", |e: &mut Event, name: &str| {
        e.0.facts.0.iter().any(|(n, _)| n == name)
    });
    engine.register_fn("changed", |e: &mut Event, name: &str| {
        e.0.changed.iter().any(|n| n == name)
    });

    // Deadlines.
    engine.register_type_with_name::<DeadlineView>("Deadline");
    engine.register_get("step", |d: &mut DeadlineView| d.0.step.clone());
    engine.register_get("workflow", |d: &mut DeadlineView| d.0.workflow.clone());
    engine.register_get("occurrence", |d: &mut DeadlineView| d.0.occurrence);
    engine.register_get("due", |d: &mut DeadlineView| Day(d.0.due));
    engine.register_get("status", |d: &mut DeadlineView| d.0.status.clone());
    engine.register_get("approaching", |d: &mut DeadlineView| d.0.approaching);
    engine.register_get("local", |d: &mut DeadlineView| d.0.local);
    engine.register_get("completed", |d: &mut DeadlineView| {
        day_or_unit(d.0.completed)
    });

    // Actions.
    engine.register_fn("escalate", |to: &str, reason: &str| {
        act("escalate", |chars| {
            Ok(PluginAction::Escalate {
                to: label(to, "escalate", "role to escalate to")?,
                reason: words(reason, "escalate", chars)?,
            })
        })
    });
    engine.register_fn("flag", |name: &str, reason: &str| {
        act("flag", |chars| {
            Ok(PluginAction::Flag {
                name: label(name, "flag", "flag name")?,
                reason: words(reason, "flag", chars)?,
            })
        })
    });
    engine.register_fn("note", |text: &str| {
        act("note", |chars| {
            let text = words(text, "note", chars)?;
            if text.is_empty() {
                return fail("`note` needs some text");
            }
            Ok(PluginAction::Note { text })
        })
    });
    engine.register_fn(
        "require",
        |step: &str, n: INT, unit: &str, reason: &str| {
            act("require", |chars| {
                let Some(unit) = parse_unit(unit) else {
                    return fail(
                        "`require`: unknown unit; write `working days`, `calendar days`, `weeks`, `months`, `years` or `hours`",
                    );
                };
                let count = match u32::try_from(n) {
                    Ok(count) if (1..=1000).contains(&count) => count,
                    _ => return fail("`require`: the count must be a whole number from 1 to 1000"),
                };
                Ok(PluginAction::Require {
                    step: label(step, "require", "step")?,
                    count,
                    unit,
                    reason: words(reason, "require", chars)?,
                })
            })
        },
    );
    engine.register_fn("check_again_after_next_event", || -> Outcome<()> {
        CALL.with(|c| {
            let mut call = c.borrow_mut();
            if !call.active {
                return fail("`check_again_after_next_event` can only be used inside a hook");
            }
            call.after_next_event = true;
            Ok(())
        })
    });
    engine.register_fn("check_again_on", |day: Day| -> Outcome<()> {
        CALL.with(|c| {
            let mut call = c.borrow_mut();
            if !call.active {
                return fail("`check_again_on` can only be used inside a hook");
            }
            call.next_check = Some(call.next_check.map_or(day.0, |n| n.min(day.0)));
            Ok(())
        })
    });
}
