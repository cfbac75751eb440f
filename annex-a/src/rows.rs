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

    /// The latest completion of `step` in episode `episode`, from `from` to
    /// `to`, both included.
    fn latest_completed(&self, step: &str, episode: usize, from: Date, to: Date) -> Option<Date> {
        self.occurrences(step)
            .filter(|o| o.episode == episode)
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
                    Cell::Date(started(o)),
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
                    Cell::Date(strategy.unwrap_or(start)),
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
        let looked_after = self.occurrences("looked_after").any(is_open);
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
                let start = started(o);
                let until = ended(o).unwrap_or(self.window.as_of);
                let previous = self
                    .occurrences("cp_plan")
                    .filter(|p| p.number < o.number)
                    .count();
                let mut row = self.child_with_disability();
                row.extend([
                    Cell::Date(start),
                    Cell::Empty,
                    self.coded_if(Some(o.number) == latest, "category_of_abuse", codes::abuse),
                    Cell::date(self.latest_completed("cp_visit", o.episode, start, until)),
                    Cell::Empty,
                    Cell::date(self.latest_completed("rcpc", o.episode, start, until)),
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

    fn looked_after(&self) -> Vec<Row> {
        let w = self.window;
        let latest = self.latest("looked_after");
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
        self.occurrences("looked_after")
            .filter(|o| self.in_window(o))
            .map(|o| {
                let start = started(o);
                let end = ended(o);
                let until = end.unwrap_or(w.as_of);
                let is_latest = Some(o.number) == latest;
                let again = start >= w.year_ago
                    && self
                        .occurrences("looked_after")
                        .any(|p| p.number < o.number && ended(p).is_none_or(|e| e >= w.year_ago));
                let placement = self
                    .occurrences("placement")
                    .filter(|p| p.episode == o.episode && (start..=until).contains(&started(p)))
                    .max_by_key(|p| (started(p), p.number));
                let placement_is_latest =
                    placement.is_some_and(|p| Some(p.number) == latest_placement);
                let mut row = self.child();
                row.extend([
                    Cell::Empty,
                    Cell::yes_no(self.disabled()),
                    Cell::Date(start),
                    self.coded_if(is_latest, "category_of_need", codes::need),
                    Cell::yes_no(Some(again)),
                    Cell::Empty,
                    self.coded_if(is_latest, "legal_status", codes::legal_status),
                    Cell::date(self.latest_completed("cla_review", o.episode, start, until)),
                    Cell::date(self.latest_completed("cla_visit", o.episode, start, until)),
                    Cell::Empty,
                    Cell::Empty,
                    Cell::date(self.latest_completed("health_assessment", o.episode, start, until)),
                    Cell::Empty,
                    Cell::Number(count(placements)),
                    Cell::date(end),
                    self.coded_if(
                        is_latest && end.is_some(),
                        "reason_ceased",
                        codes::reason_ceased,
                    ),
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
                row
            })
            .collect()
    }

    // ----- List 9: care leavers ----------------------------------------------

    fn care_leavers(&self) -> Vec<Row> {
        self.occurrences("pathway_plan")
            .filter(|o| is_open(o))
            .map(|o| {
                let review = self.latest_completed(
                    "pathway_plan_review",
                    o.episode,
                    started(o),
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
