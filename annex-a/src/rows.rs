//! One child's rows of every list, from the child's case state.
//!
//! Each function here fills one list, column by column in the order of
//! [`crate::layout::LISTS`]; the notes there say the same in words.

use crate::codes;
use crate::layout::{LISTS, index};
use crate::window::Window;
use duly_engine::{CaseState, Cause, MilestoneName, Occurrence};
use duly_events::Fact;
use jiff::civil::Date;

/// One cell of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cell {
    /// Nothing known.
    Empty,
    /// Text: an id, a code's label, a team.
    Text(String),
    /// A day, written as a date cell.
    Date(Date),
    /// A count.
    Number(u32),
}

impl Cell {
    fn text(text: Option<String>) -> Cell {
        text.map_or(Cell::Empty, Cell::Text)
    }

    fn date(date: Option<Date>) -> Cell {
        date.map_or(Cell::Empty, Cell::Date)
    }

    fn yes_no(answer: Option<bool>) -> Cell {
        Cell::text(answer.map(codes::yes_no))
    }
}

/// One row of a list.
pub(crate) type Row = Vec<Cell>;

/// One child's rows of every list: what the workbook keeps of a case.
///
/// Made on any thread ([`Window::rows`]), then added in order with
/// [`crate::AnnexA::extend`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseRows {
    pub(crate) lists: [Vec<Row>; LISTS.len()],
}

impl CaseRows {
    /// How many rows this child has in each list, List 1 first.
    pub fn counts(&self) -> [usize; LISTS.len()] {
        std::array::from_fn(|i| self.lists[i].len())
    }
}

/// Steps of children-in-need work past the referral: an episode holding one
/// of them is a children-in-need episode (List 6).
const IN_NEED_STEPS: &[&str] = &[
    "assessment",
    "strategy_discussion",
    "s47_enquiry",
    "icpc",
    "cp_plan",
    "cin_plan",
];

/// Steps still in the assessment stage, for List 6's case status.
const ASSESSING_STEPS: &[&str] = &["assessment", "strategy_discussion", "s47_enquiry", "icpc"];

/// Steps that are a visit to the child, for List 6's date last seen.
const VISIT_STEPS: &[&str] = &["cp_visit", "cla_visit", "pf_visit"];

/// A period of care, for List 8.
#[derive(Debug, Clone, Copy)]
struct Period<'a> {
    /// Its `looked_after`, if Duly has one.
    occurrence: Option<&'a Occurrence>,
    /// When it began, if Duly knows.
    start: Option<Date>,
    /// Where what happened in it is counted from.
    from: Date,
    /// When it ended, if it has.
    end: Option<Date>,
}

/// A case being turned into rows.
struct Case<'a> {
    state: &'a CaseState,
    window: Window,
}

impl Window {
    /// One child's rows of every list. The state should be judged as of the
    /// window's as-of date ([`crate::AnnexA::add`] checks it).
    pub fn rows(&self, state: &CaseState) -> CaseRows {
        let case = Case {
            state,
            window: *self,
        };
        let mut rows = CaseRows::default();
        rows.lists[index::REFERRALS] = case.referrals();
        rows.lists[index::ASSESSMENTS] = case.assessments();
        rows.lists[index::S47] = case.enquiries();
        rows.lists[index::CHILDREN_IN_NEED] = case.children_in_need();
        rows.lists[index::CHILD_PROTECTION] = case.protection_plans();
        rows.lists[index::LOOKED_AFTER] = case.looked_after();
        rows.lists[index::CARE_LEAVERS] = case.care_leavers();
        rows
    }
}

/// The day an occurrence was completed, or else closed.
fn ended(o: &Occurrence) -> Option<Date> {
    o.completed
        .as_ref()
        .map(|(at, _, _)| at.local_date())
        .or_else(|| o.closed.as_ref().map(|(at, _)| at.local_date()))
}

fn started(o: &Occurrence) -> Date {
    o.started.local_date()
}

/// When a period (an assessment, a plan, a period of care) began, if Duly
/// knows: not when the period came to Duly only through its end (a child
/// already looked after when the SSDA903 year began, say), where the
/// engine's start is the end.
fn known_start(o: &Occurrence) -> Option<Date> {
    let only_ended = o.start_event.is_none()
        && matches!(
            (&o.cause, &o.completed),
            (Cause::Event { event }, Some((_, _, by))) if event == by
        );
    (!only_ended).then(|| started(o))
}

fn completed(o: &Occurrence) -> Option<Date> {
    o.completed.as_ref().map(|(at, _, _)| at.local_date())
}

fn outcome(o: &Occurrence) -> Option<&str> {
    o.completed
        .as_ref()
        .and_then(|(_, outcome, _)| outcome.as_deref())
}

fn is_open(o: &Occurrence) -> bool {
    o.completed.is_none() && o.closed.is_none()
}

/// Whether `o` was opened by the completion of occurrence `number` of `step`.
fn opened_by(o: &Occurrence, step: &str, number: u32) -> bool {
    matches!(
        &o.cause,
        Cause::Reaction { step: s, occurrence, milestone: MilestoneName::Completed }
            if &**s == step && *occurrence == number
    )
}

impl Case<'_> {
    fn occurrences<'s>(&'s self, step: &'s str) -> impl Iterator<Item = &'s Occurrence> + 's {
        self.state
            .occurrences
            .iter()
            .filter(move |o| &*o.step == step)
    }

    /// The number of the latest occurrence of `step`: the one the case's
    /// facts (which keep only their latest value) describe.
    fn latest(&self, step: &str) -> Option<u32> {
        self.occurrences(step).map(|o| o.number).max()
    }

    /// Open at any time in the activity window: not ended before it.
    fn in_window(&self, o: &Occurrence) -> bool {
        ended(o).is_none_or(|end| end >= self.window.from)
    }

    /// The first day of a plan, for finding what happened in it: its start
    /// or, when Duly knows only its end, the start of its episode; if its end
    /// is all its episode holds, the end of the step's previous occurrence
    /// (the whole record before it, if none).
    fn period_from(&self, o: &Occurrence) -> Date {
        if let Some(start) = known_start(o) {
            return start;
        }
        if let Some(episode) = self.state.episodes.get(o.episode) {
            let began = episode.started.local_date();
            if Some(began) != ended(o) {
                return began;
            }
        }
        self.occurrences(&o.step)
            .filter(|p| p.number < o.number)
            .filter_map(ended)
            .max()
            .unwrap_or(Date::MIN)
    }

    /// The latest completion of `step` from `from` to `to`, both included.
    fn latest_completed(&self, step: &str, from: Date, to: Date) -> Option<Date> {
        self.occurrences(step)
            .filter_map(completed)
            .filter(|day| (from..=to).contains(day))
            .max()
    }

    // ----- facts --------------------------------------------------------

    fn fact(&self, name: &str) -> Option<&Fact> {
        self.state.facts.get(name)
    }

    /// A fact as text: text as it is, a whole number written out.
    fn fact_text(&self, name: &str) -> Option<String> {
        match self.fact(name)? {
            Fact::Text(text) if !text.trim().is_empty() => Some(text.trim().to_owned()),
            Fact::Int(n) => Some(n.to_string()),
            _ => None,
        }
    }

    fn coded(&self, name: &str, label: fn(&str) -> Option<String>) -> Cell {
        Cell::text(self.fact_text(name).and_then(|code| label(&code)))
    }

    /// A coded fact, only on the row of the latest occurrence of a step.
    fn coded_if(&self, latest: bool, name: &str, label: fn(&str) -> Option<String>) -> Cell {
        if latest {
            self.coded(name, label)
        } else {
            Cell::Empty
        }
    }

    fn birth(&self) -> Option<Date> {
        self.fact_text("date_of_birth")?.parse().ok()
    }

    /// Whole years from the date of birth to the as-of date, as the engine
    /// counts `age`.
    fn age(&self) -> Option<u32> {
        let born = self.birth()?;
        let day = self.window.as_of;
        let mut years = i32::from(day.year()) - i32::from(born.year());
        if (day.month(), day.day()) < (born.month(), born.day()) {
            years -= 1;
        }
        u32::try_from(years).ok()
    }

    fn disabled(&self) -> Option<bool> {
        match self.fact("disabled")? {
            Fact::Bool(b) => Some(*b),
            Fact::Text(t) if t == "true" => Some(true),
            Fact::Text(t) if t == "false" => Some(false),
            _ => None,
        }
    }

    /// Child Unique ID, Gender, Ethnicity, Date of Birth, Age.
    fn child(&self) -> Row {
        vec![
            Cell::Text(self.state.case.clone()),
            self.coded("sex", codes::gender),
            self.coded("ethnicity", codes::ethnicity),
            Cell::date(self.birth()),
            self.age().map_or(Cell::Empty, Cell::Number),
        ]
    }

    /// [`Case::child`], then Does the Child have a Disability.
    fn child_with_disability(&self) -> Row {
        let mut row = self.child();
        row.push(Cell::yes_no(self.disabled()));
        row
    }

    fn team(&self) -> Cell {
        Cell::text(self.fact_text("team"))
    }

    fn worker(&self) -> Cell {
        Cell::text(self.fact_text("worker"))
    }

    // ----- List 3: referrals -------------------------------------------

    fn referrals(&self) -> Vec<Row> {
        let w = self.window;
        let latest = self.latest("referral");
        self.occurrences("referral")
            .filter(|o| (w.from..=w.as_of).contains(&started(o)))
            .map(|o| {
                let day = started(o);
                let year_before = Window::months_before(day, 12);
                let previous = self
                    .occurrences("referral")
                    .filter(|r| r.number < o.number && started(r) >= year_before)
                    .count();
                let nfa = match outcome(o) {
                    Some("nfa" | "early_help") => Some(true),
                    Some("assessment" | "strategy_discussion") => Some(false),
                    _ => None,
                };
                let mut row = self.child();
                row.extend([
                    Cell::Date(day),
                    self.coded_if(
                        Some(o.number) == latest,
                        "referral_source",
                        codes::referral_source,
                    ),
                    Cell::yes_no(nfa),
                    Cell::Number(count(previous)),
                    self.team(),
                    self.worker(),
                ]);
                row
            })
            .collect()
    }

    // ----- List 4: assessments ------------------------------------------

    fn assessments(&self) -> Vec<Row> {
        self.occurrences("assessment")
            .filter(|o| self.in_window(o))
            .map(|o| {
                let support = match outcome(o) {
                    Some("cin" | "strategy_discussion") => Some(true),
                    Some("nfa") => Some(false),
                    _ => None,
                };
                let mut row = self.child_with_disability();
                row.extend([
                    Cell::date(known_start(o)),
                    Cell::Empty,
                    Cell::date(completed(o)),
                    Cell::yes_no(support),
                    self.team(),
                    self.worker(),
                ]);
                row
            })
            .collect()
    }

    // ----- List 5: section 47 enquiries ----------------------------------

    fn enquiries(&self) -> Vec<Row> {
        self.occurrences("s47_enquiry")
            .filter(|o| self.in_window(o))
            .map(|o| {
                let start = started(o);
                let strategy = match &o.cause {
                    Cause::Reaction {
                        step,
                        occurrence,
                        milestone: MilestoneName::Completed,
                    } if &**step == "strategy_discussion" => self
                        .occurrences("strategy_discussion")
                        .find(|s| s.number == *occurrence)
                        .and_then(completed),
                    _ => None,
                };
                let unnecessary = match outcome(o) {
                    Some("cin" | "nfa") => Some(true),
                    Some("icpc") => Some(false),
                    _ => None,
                };
                let conference = self
                    .occurrences("icpc")
                    .find(|c| opened_by(c, "s47_enquiry", o.number));
                let plan = match conference.and_then(outcome) {
                    Some("cp_plan") => Some(true),
                    Some("no_plan") => Some(false),
                    _ => None,
                };
                let year_before = Window::months_before(start, 12);
                let enquiries = self
                    .occurrences("s47_enquiry")
                    .filter(|e| e.number < o.number && started(e) >= year_before)
                    .count();
                let conferences = self
                    .occurrences("icpc")
                    .filter(|c| !opened_by(c, "s47_enquiry", o.number))
                    .filter_map(completed)
                    .filter(|day| (year_before..=start).contains(day))
                    .count();
                let mut row = self.child_with_disability();
                row.extend([
                    Cell::date(strategy.or_else(|| known_start(o))),
                    Cell::yes_no(unnecessary),
                    Cell::date(conference.and_then(completed)),
                    Cell::yes_no(plan),
                    Cell::Number(count(enquiries)),
                    Cell::Number(count(conferences)),
                    self.team(),
                    self.worker(),
                ]);
                row
            })
            .collect()
    }

    // ----- List 6: children in need ---------------------------------------

    fn children_in_need(&self) -> Vec<Row> {
        let w = self.window;
        let mut episodes: Vec<usize> = self
            .state
            .occurrences
            .iter()
            .filter(|o| IN_NEED_STEPS.contains(&&*o.step))
            .map(|o| o.episode)
            .collect();
        episodes.sort_unstable();
        episodes.dedup();
        let latest_episode = episodes.last().copied();
        let looked_after = self.periods().iter().any(|p| p.end.is_none());
        let latest_closure = self
            .occurrences("case_closure")
            .filter(|o| o.completed.is_some())
            .map(|o| o.number)
            .max();
        let mut rows = Vec::new();
        for e in episodes {
            let Some(episode) = self.state.episodes.get(e) else {
                continue;
            };
            // The closure: in the episode, or alone in the next one when the
            // work had already ended (a plan ending before the case closes).
            let closure = self
                .occurrences("case_closure")
                .filter(|o| o.episode == e && o.completed.is_some())
                .last()
                .or_else(|| self.closure_after(e));
            let end = match closure {
                Some(closure) if episode.ended.is_some() => completed(closure),
                _ => episode.ended.map(|at| at.local_date()),
            };
            if end.is_some_and(|end| end < w.from) {
                continue;
            }
            let start = episode.started.local_date();
            let until = end.unwrap_or(w.as_of);
            let seen = self
                .state
                .occurrences
                .iter()
                .filter(|o| VISIT_STEPS.contains(&&*o.step))
                .filter_map(completed)
                .filter(|day| (start..=until).contains(day))
                .max();
            let reason = match (end, closure) {
                (Some(_), Some(closure)) => match outcome(closure).and_then(codes::closure_outcome)
                {
                    Some(code) => codes::closure_reason(code),
                    None if Some(closure.number) == latest_closure => self
                        .fact_text("reason_for_closure")
                        .filter(|code| !matches!(code.as_str(), "RC8" | "RC9"))
                        .and_then(|code| codes::closure_reason(&code)),
                    None => None,
                },
                _ => None,
            };
            let open_here = |steps: &[&str]| {
                self.state
                    .occurrences
                    .iter()
                    .any(|o| o.episode == e && steps.contains(&&*o.step) && is_open(o))
            };
            let status = if end.is_some() {
                Some("e) Closed episode")
            } else if looked_after {
                Some("a) Looked after child")
            } else if open_here(&["cp_plan"]) {
                Some("b) Child Protection plan")
            } else if open_here(&["cin_plan"]) {
                Some("c) Child in need plan")
            } else if open_here(ASSESSING_STEPS) {
                Some("d) Open assessment")
            } else {
                None
            };
            let mut row = self.child_with_disability();
            row.extend([
                Cell::Date(start),
                self.coded_if(Some(e) == latest_episode, "primary_need", codes::need),
                Cell::date(seen),
                Cell::date(end),
                Cell::text(reason),
                Cell::text(status.map(str::to_owned)),
                self.team(),
                self.worker(),
            ]);
            rows.push(row);
        }
        rows
    }

    /// The closure that makes up the whole of the episode after `e` of the
    /// same workflow, if it does.
    fn closure_after(&self, e: usize) -> Option<&Occurrence> {
        let workflow = &self.state.episodes.get(e)?.workflow;
        let next = (e + 1..self.state.episodes.len())
            .find(|&f| self.state.episodes[f].workflow == *workflow)?;
        let mut held = self.state.occurrences.iter().filter(|o| o.episode == next);
        let closure = held.next()?;
        let alone = &*closure.step == "case_closure"
            && closure.completed.is_some()
            && held.next().is_none();
        alone.then_some(closure)
    }

    // ----- List 7: child protection ---------------------------------------

    fn protection_plans(&self) -> Vec<Row> {
        let latest = self.latest("cp_plan");
        self.occurrences("cp_plan")
            .filter(|o| self.in_window(o))
            .map(|o| {
                let start = known_start(o);
                let from = self.period_from(o);
                let until = ended(o).unwrap_or(self.window.as_of);
                let previous = self
                    .occurrences("cp_plan")
                    .filter(|p| p.number < o.number)
                    .count();
                let mut row = self.child_with_disability();
                row.extend([
                    Cell::date(start),
                    Cell::Empty,
                    self.coded_if(Some(o.number) == latest, "category_of_abuse", codes::abuse),
                    Cell::date(self.latest_completed("cp_visit", from, until)),
                    Cell::Empty,
                    Cell::date(self.latest_completed("rcpc", from, until)),
                    Cell::date(ended(o)),
                    Cell::Empty,
                    Cell::Number(count(previous)),
                    self.team(),
                    self.worker(),
                ]);
                row
            })
            .collect()
    }

    // ----- List 8: children looked after ------------------------------------

    /// The child's periods of care, in order.
    ///
    /// Placements and periods of care are episodes of one workflow. A change
    /// of placement with no `looked_after` open ends one episode and begins
    /// the next on the same day, so such episodes are joined into runs, and
    /// so is a `looked_after` known only by its end that follows its last
    /// placement. A run holding no `looked_after` at all (a child already
    /// looked after when an SSDA903 year began, still looked after at its
    /// end) is a period with no known start.
    fn periods(&self) -> Vec<Period<'_>> {
        let mut episodes: Vec<usize> = self
            .state
            .occurrences
            .iter()
            .filter(|o| matches!(&*o.step, "placement" | "looked_after"))
            .map(|o| o.episode)
            .collect();
        episodes.sort_unstable();
        episodes.dedup();
        let mut runs: Vec<(Date, Option<Date>, Vec<usize>)> = Vec::new();
        for e in episodes {
            let Some(episode) = self.state.episodes.get(e) else {
                continue;
            };
            let start = episode.started.local_date();
            let end = episode.ended.map(|at| at.local_date());
            let begins_care = self
                .occurrences("looked_after")
                .any(|o| o.episode == e && known_start(o).is_some());
            match runs.last_mut() {
                Some(run) if !begins_care && run.1 == Some(start) => {
                    run.1 = end;
                    run.2.push(e);
                }
                _ => runs.push((start, end, vec![e])),
            }
        }
        let mut periods = Vec::new();
        for (from, end, held) in runs {
            let mut cared = self
                .occurrences("looked_after")
                .filter(|o| held.contains(&o.episode))
                .peekable();
            if cared.peek().is_none() {
                periods.push(Period {
                    occurrence: None,
                    start: None,
                    from,
                    end,
                });
            }
            let mut previous: Option<Date> = None;
            for o in cared {
                let start = known_start(o);
                periods.push(Period {
                    occurrence: Some(o),
                    start,
                    from: start.unwrap_or_else(|| previous.map_or(from, |p| p.max(from))),
                    end: ended(o),
                });
                previous = ended(o).or(previous);
            }
        }
        periods
    }

    fn looked_after(&self) -> Vec<Row> {
        let w = self.window;
        let periods = self.periods();
        let latest_placement = self.latest("placement");
        let placements = self
            .occurrences("placement")
            .filter(|p| ended(p).is_none_or(|end| end >= w.year_ago))
            .count();
        let missing = self
            .occurrences("missing_episode")
            .filter(|m| started(m) >= w.year_ago)
            .count();
        let interview = self
            .latest("missing_episode")
            .and_then(|n| {
                self.occurrences("rhi")
                    .find(|r| opened_by(r, "missing_episode", n))
            })
            .and_then(completed)
            .map(|_| true);
        let mut rows = Vec::new();
        for (i, period) in periods.iter().enumerate() {
            let Period {
                start, from, end, ..
            } = *period;
            if end.is_some_and(|end| end < w.from) {
                continue;
            }
            let until = end.unwrap_or(w.as_of);
            let is_latest = i + 1 == periods.len();
            let again = start.map(|start| {
                start >= w.year_ago
                    && periods[..i]
                        .iter()
                        .any(|p| p.end.is_none_or(|e| e >= w.year_ago))
            });
            let ceased = is_latest && end.is_some() && period.occurrence.is_some();
            let placement = self
                .occurrences("placement")
                .filter(|p| (from..=until).contains(&started(p)))
                .max_by_key(|p| (started(p), p.number));
            let placement_is_latest = placement.is_some_and(|p| Some(p.number) == latest_placement);
            let mut row = self.child();
            row.extend([
                Cell::Empty,
                Cell::yes_no(self.disabled()),
                Cell::date(start),
                self.coded_if(is_latest, "category_of_need", codes::need),
                Cell::yes_no(again),
                Cell::Empty,
                self.coded_if(is_latest, "legal_status", codes::legal_status),
                Cell::date(self.latest_completed("cla_review", from, until)),
                Cell::date(self.latest_completed("cla_visit", from, until)),
                Cell::Empty,
                Cell::Empty,
                Cell::date(self.latest_completed("health_assessment", from, until)),
                Cell::Empty,
                Cell::Number(count(placements)),
                Cell::date(end),
                self.coded_if(ceased, "reason_ceased", codes::reason_ceased),
                Cell::date(placement.map(started)),
                self.coded_if(placement_is_latest, "placement_type", codes::placement_type),
                self.coded_if(
                    placement_is_latest,
                    "placement_provider",
                    codes::placement_provider,
                ),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Number(count(missing)),
                Cell::Empty,
                Cell::yes_no(interview),
                Cell::yes_no(interview),
                self.team(),
                self.worker(),
            ]);
            rows.push(row);
        }
        rows
    }

    // ----- List 9: care leavers ----------------------------------------------

    fn care_leavers(&self) -> Vec<Row> {
        self.occurrences("pathway_plan")
            .filter(|o| is_open(o))
            .map(|o| {
                let review = self.latest_completed(
                    "pathway_plan_review",
                    self.period_from(o),
                    self.window.as_of,
                );
                let mut row = self.child_with_disability();
                row.extend([
                    self.team(),
                    self.worker(),
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Empty,
                    Cell::date(review),
                ]);
                row
            })
            .collect()
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
