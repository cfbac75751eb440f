//! One child's history, simulated causally from the first referral to the
//! end of the period.
//!
//! Each path of the work (the front door, a section 47 enquiry, a plan, a
//! looked-after episode, its placements and visits) is simulated in time
//! order and only ever moves forward from the event that opened it, so a
//! child's events always follow the rules. Events are kept in a list and
//! sorted by day, time and the order they were made in (which is causal
//! within a day); the period's end cuts what comes after.

use crate::day::Day;
use crate::params::Params;
use crate::timescale::Timescale;
use crate::{Expected, History, Label};
use duly_calendar::LONDON;
use duly_events::{Action, At, Event, Fact, Facts};
use jiff::Timestamp;
use jiff::civil::Time;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// Team names: the front door takes referrals, four locality teams hold
/// children in need and on plans, one team holds looked-after children.
const TEAMS: [&str; 6] = [
    "Front Door",
    "North",
    "South",
    "East",
    "West",
    "Children in Care",
];
const FRONT_DOOR: usize = 0;
const CHILDREN_IN_CARE: usize = 5;
/// Social workers in each team (`W101` … `W640`).
const WORKERS_PER_TEAM: i32 = 40;

/// The steps whose occurrences are counted for labels.
#[derive(Debug, Clone, Copy)]
enum Tracked {
    Referral,
    Assessment,
    Icpc,
    CoreGroup,
    Rcpc,
    CarePlan,
    ClaReview,
    HealthAssessment,
    ClaVisit,
    Rhi,
}

impl Tracked {
    const COUNT: usize = 10;

    fn step(self) -> &'static str {
        match self {
            Tracked::Referral => "referral",
            Tracked::Assessment => "assessment",
            Tracked::Icpc => "icpc",
            Tracked::CoreGroup => "core_group",
            Tracked::Rcpc => "rcpc",
            Tracked::CarePlan => "care_plan",
            Tracked::ClaReview => "cla_review",
            Tracked::HealthAssessment => "health_assessment",
            Tracked::ClaVisit => "cla_visit",
            Tracked::Rhi => "rhi",
        }
    }
}

/// A fact's value as the simulation makes it.
enum Value {
    Text(String),
    Bool(bool),
}

/// An event before it has its id.
struct Raw {
    day: Day,
    /// 0 for an event with a date only; 1 + seconds after local midnight for
    /// one with a time, so that it sorts after the day's dated events, as
    /// [`At`] orders them.
    secs: u32,
    seq: u32,
    at: At,
    step: Option<&'static str>,
    action: Action,
    outcome: Option<&'static str>,
    facts: Vec<(&'static str, Value)>,
}

/// A label waiting for its event's id.
struct Draft {
    step: &'static str,
    occurrence: u32,
    expected: Expected,
    reason: String,
    seq: Option<u32>,
}

/// When a piece of work is done, and whether it is deliberately late.
#[derive(Debug, Clone, Copy)]
struct Done {
    day: Day,
    late: bool,
}

/// One timescale to judge work by: the anchor it runs from and the rule it
/// must keep, with the rule that an injected delay must break (the national
/// one where a council's is shorter).
#[derive(Clone, Copy)]
struct Due {
    anchor: Day,
    /// The anchor in words, for the label's reason (`referral started`).
    anchor_name: &'static str,
    rule: Timescale,
    late_rule: Timescale,
}

impl Due {
    fn new(anchor: Day, anchor_name: &'static str, rule: Timescale) -> Due {
        Due {
            anchor,
            anchor_name,
            rule,
            late_rule: rule,
        }
    }

    fn late_under(mut self, late_rule: Timescale) -> Due {
        self.late_rule = late_rule;
        self
    }
}

/// The simulation of one child.
pub(crate) struct Sim<'a> {
    params: &'a Params,
    to: Day,
    rng: ChaCha8Rng,
    case: String,
    sex: &'static str,
    dob: Day,
    fifth: Day,
    eighteen: Day,
    raws: Vec<Raw>,
    drafts: Vec<Draft>,
    opened: [u32; Tracked::COUNT],
    seq: u32,
    /// Team changes in the current episode: from this day, this team.
    teams: Vec<(Day, usize)>,
    /// Child protection plans so far in this case.
    plans: u32,
}

impl<'a> Sim<'a> {
    /// A child whose first referral falls between `from` and `to`.
    pub fn new(params: &'a Params, from: Day, to: Day, rng: ChaCha8Rng, case: String) -> Sim<'a> {
        let mut sim = Sim {
            params,
            to,
            rng,
            case,
            sex: "F",
            dob: from,
            fifth: from,
            eighteen: from,
            raws: Vec::with_capacity(32),
            drafts: Vec::new(),
            opened: [0; Tracked::COUNT],
            seq: 0,
            teams: Vec::new(),
            plans: 0,
        };
        sim.run(from);
        sim
    }

    // ----- randomness ---------------------------------------------------

    fn uniform(&mut self, lo: i32, hi: i32) -> i32 {
        if hi <= lo {
            lo
        } else {
            self.rng.random_range(lo..=hi)
        }
    }

    fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.rng.random::<f64>() < p
    }

    /// A whole number drawn from an exponential distribution with this
    /// mean: the wait for something that happens at a steady rate.
    fn wait(&mut self, mean: f64) -> i32 {
        let u: f64 = self.rng.random();
        (-(1.0 - u).ln() * mean).min(100_000.0) as i32
    }

    fn pick(&mut self, shares: &[f64]) -> usize {
        let total: f64 = shares.iter().sum();
        let mut u = self.rng.random::<f64>() * total;
        for (i, share) in shares.iter().enumerate() {
            if u < *share {
                return i;
            }
            u -= share;
        }
        shares.len().saturating_sub(1)
    }

    // ----- events -------------------------------------------------------

    fn push(&mut self, raw: Raw) -> u32 {
        let seq = raw.seq;
        self.raws.push(raw);
        seq
    }

    fn next_seq(&mut self) -> u32 {
        self.seq += 1;
        self.seq
    }

    fn dated(
        &mut self,
        day: Day,
        step: Option<&'static str>,
        action: Action,
        outcome: Option<&'static str>,
        facts: Vec<(&'static str, Value)>,
    ) -> u32 {
        let seq = self.next_seq();
        self.push(Raw {
            day,
            secs: 0,
            seq,
            at: At::Date(day.date()),
            step,
            action,
            outcome,
            facts,
        })
    }

    fn start(&mut self, day: Day, step: &'static str, facts: Vec<(&'static str, Value)>) -> u32 {
        self.dated(day, Some(step), Action::Start, None, facts)
    }

    fn complete(&mut self, day: Day, step: &'static str, outcome: Option<&'static str>) -> u32 {
        self.dated(day, Some(step), Action::Complete, outcome, Vec::new())
    }

    fn complete_with(
        &mut self,
        day: Day,
        step: &'static str,
        outcome: Option<&'static str>,
        facts: Vec<(&'static str, Value)>,
    ) -> u32 {
        self.dated(day, Some(step), Action::Complete, outcome, facts)
    }

    /// An event at an exact moment, written with its Europe/London offset.
    fn timed(&mut self, second: i64, step: &'static str, action: Action) -> u32 {
        let timestamp = Timestamp::from_second(second).unwrap_or(Timestamp::UNIX_EPOCH);
        let local = LONDON.to_datetime(timestamp);
        let day = Day::of(local.date());
        let secs = 1 + local.time().hour() as u32 * 3600 + local.time().minute() as u32 * 60;
        let offset = LONDON.to_offset(timestamp);
        let seq = self.next_seq();
        self.push(Raw {
            day,
            secs,
            seq,
            at: At::Instant { timestamp, offset },
            step: Some(step),
            action,
            outcome: None,
            facts: Vec::new(),
        })
    }

    fn open(&mut self, tracked: Tracked) -> u32 {
        let count = &mut self.opened[tracked as usize];
        *count += 1;
        *count
    }

    // ----- teams and workers --------------------------------------------

    fn allocate(&mut self, day: Day, team: usize) -> Vec<(&'static str, Value)> {
        self.teams.push((day, team));
        let worker = self.worker(team);
        vec![
            ("team", Value::Text(TEAMS[team].to_owned())),
            ("worker", worker),
        ]
    }

    fn worker(&mut self, team: usize) -> Value {
        let n = self.uniform(1, WORKERS_PER_TEAM);
        Value::Text(format!("W{}{n:02}", team + 1))
    }

    fn locality(&mut self) -> usize {
        self.uniform(1, 4) as usize
    }

    /// Changes of social worker (and now and then of locality team) while
    /// the case is open, strictly between its referral and its closure.
    fn worker_changes(&mut self, referral: Day, closed: Day) {
        let mean = self.params.worker_change_days;
        let mut day = referral.plus(1 + self.wait(mean));
        while day < closed && day <= self.to {
            let team = self
                .teams
                .iter()
                .rev()
                .find(|(from, _)| *from <= day)
                .map_or(FRONT_DOOR, |t| t.1);
            let facts = if (1..=4).contains(&team) && self.chance(0.15) {
                let moved = self.locality();
                self.allocate(day, moved)
            } else {
                vec![("worker", self.worker(team))]
            };
            self.dated(day, None, Action::Record, None, facts);
            day = day.plus(1 + self.wait(mean));
        }
    }

    // ----- timing -------------------------------------------------------

    /// When work opened on `opened` is done: on time, at least `min` days
    /// after the anchor and within the safe margin; or, with chance
    /// `p_late`, in the late window. A delay is kept only if its label is
    /// certain: done by the period's end and before `limit` (when what
    /// contains the work ends), or still open at the period's end with its
    /// latest possible deadline already past.
    fn when(&mut self, due: Due, opened: Day, min: i32, p_late: f64, limit: Day) -> Done {
        if opened <= self.to && self.chance(p_late) {
            let (lo, hi) = due.late_rule.late_window();
            let day = due.anchor.plus(self.uniform(lo, hi));
            let latest_due = due.anchor.plus(due.late_rule.latest_due());
            let late_in_period = day <= self.to && day < limit;
            let open_at_end = day > self.to && latest_due < self.to && limit > self.to;
            if late_in_period || open_at_end {
                return Done { day, late: true };
            }
        }
        let hi = due.rule.on_time_within();
        let lo = min.max(opened.since(due.anchor)).min(hi);
        Done {
            day: due.anchor.plus(self.uniform(lo, hi)),
            late: false,
        }
    }

    /// Labels a deliberate delay: `late` if its completion (event `seq`) is
    /// in the period, `overdue` if the period ends first.
    fn label(&mut self, done: Done, due: Due, tracked: Tracked, occurrence: u32, seq: Option<u32>) {
        if !done.late {
            return;
        }
        let (expected, reason) = if done.day <= self.to {
            let days = done.day.since(due.anchor);
            (
                Expected::Late,
                format!(
                    "injected delay: done {days} calendar days after {}, due within {}",
                    due.anchor_name,
                    due.late_rule.describe()
                ),
            )
        } else {
            (
                Expected::Overdue,
                format!(
                    "injected delay: not done by the end of the period, due within {} of {}",
                    due.late_rule.describe(),
                    due.anchor_name
                ),
            )
        };
        self.drafts.push(Draft {
            step: tracked.step(),
            occurrence,
            expected,
            reason,
            seq,
        });
    }

    /// Completes a step when `done` says (unless after the period), and labels it.
    fn finish(
        &mut self,
        done: Done,
        due: Due,
        tracked: Tracked,
        occurrence: u32,
        outcome: Option<&'static str>,
        facts: Vec<(&'static str, Value)>,
    ) {
        let seq = (done.day <= self.to)
            .then(|| self.complete_with(done.day, tracked.step(), outcome, facts));
        self.label(done, due, tracked, occurrence, seq);
    }

    // ----- the child's life ---------------------------------------------

    fn run(&mut self, from: Day) {
        let params = self.params;
        self.sex = if self.chance(params.male) { "M" } else { "F" };
        let first = from.plus(self.uniform(0, self.to.since(from)));
        let band = self.pick(&params.ages.map(|(_, _, share)| share));
        let (youngest, oldest, _) = params.ages[band];
        let age_days = self.uniform(youngest * 365, oldest * 365 + 364);
        self.dob = first.plus(-age_days);
        self.fifth = self.dob.years_on(5);
        self.eighteen = self.dob.years_on(18);

        let mut referral = first;
        let mut first_episode = true;
        while referral <= self.to && referral < self.eighteen {
            let closed = self.episode(referral, first_episode);
            first_episode = false;
            let (quick, slow) = params.rereferral;
            let quickly_closed = closed.since(referral) <= 90;
            if closed >= self.to || !self.chance(if quickly_closed { quick } else { slow }) {
                break;
            }
            let gap = if quickly_closed {
                self.uniform(14, 300)
            } else {
                self.uniform(30, 720)
            };
            referral = closed.plus(gap);
        }
    }

    /// One episode of need, from referral to closure. Returns the day the
    /// case closed (which may be after the period).
    fn episode(&mut self, referral: Day, first: bool) -> Day {
        let params = self.params;
        self.teams.clear();
        let mut facts = self.allocate(referral, FRONT_DOOR);
        if first {
            facts.push(("date_of_birth", Value::Text(self.dob.date().to_string())));
            facts.push(("sex", Value::Text(self.sex.to_owned())));
        }
        self.start(referral, "referral", facts);
        let occurrence = self.open(Tracked::Referral);

        let shares = [
            params.referral_nfa,
            params.referral_early_help,
            params.referral_strategy,
            1.0 - params.referral_nfa - params.referral_early_help - params.referral_strategy,
        ];
        let outcome =
            ["nfa", "early_help", "strategy_discussion", "assessment"][self.pick(&shares)];
        let due = Due::new(referral, "referral started", Timescale::WorkingDays(1));
        // Only a decision to assess is ever late: a delayed strategy
        // discussion would push the conference late as well.
        let p_late = if outcome == "assessment" {
            params.late.referral
        } else {
            0.0
        };
        let decided = self.when(due, referral, 0, p_late, Day(i32::MAX));
        let facts = match outcome {
            "assessment" | "strategy_discussion" => {
                let team = self.locality();
                self.allocate(decided.day, team)
            }
            _ => Vec::new(),
        };
        self.finish(
            decided,
            due,
            Tracked::Referral,
            occurrence,
            Some(outcome),
            facts,
        );
        let day = decided.day;
        let closed = match outcome {
            "nfa" | "early_help" => self.close_case(day, outcome),
            _ => {
                let assessment = self.open(Tracked::Assessment);
                if outcome == "strategy_discussion" {
                    self.strategy_at_referral(referral, day, assessment)
                } else {
                    self.assessment(referral, day, assessment)
                }
            }
        };
        self.worker_changes(referral, closed);
        closed
    }

    /// Closes the case (`case_closure` start and complete) on `day`.
    fn close_case(&mut self, day: Day, outcome: &'static str) -> Day {
        if day <= self.to {
            self.start(day, "case_closure", Vec::new());
            self.complete(day, "case_closure", Some(outcome));
        }
        day
    }

    fn assessment_facts(&mut self) -> Vec<(&'static str, Value)> {
        let domestic_abuse = self.chance(self.params.domestic_abuse);
        vec![("domestic_abuse", Value::Bool(domestic_abuse))]
    }

    /// A section 17 assessment opened on `opened`, due 45 working days after
    /// the referral.
    fn assessment(&mut self, referral: Day, opened: Day, occurrence: u32) -> Day {
        let params = self.params;
        if opened > self.to {
            return opened;
        }
        let due = Due::new(referral, "referral started", Timescale::WorkingDays(45));
        let min = opened.since(referral) + 1;
        let done = self.when(
            due,
            opened,
            min.max(5),
            params.late.assessment,
            Day(i32::MAX),
        );
        let shares = [
            params.assessment_nfa,
            params.assessment_strategy,
            1.0 - params.assessment_nfa - params.assessment_strategy,
        ];
        let outcome = ["nfa", "strategy_discussion", "cin"][self.pick(&shares)];
        let facts = self.assessment_facts();
        self.finish(
            done,
            due,
            Tracked::Assessment,
            occurrence,
            Some(outcome),
            facts,
        );
        let day = done.day;
        if day > self.to {
            return day;
        }
        match outcome {
            "nfa" => {
                let wait = self.uniform(0, 5);
                self.close_case(day.plus(wait), "nfa")
            }
            "cin" => self.cin_plan(day, day),
            _ => {
                let held = day.plus(self.uniform(0, 3));
                self.strategy(held, false)
            }
        }
    }

    /// The referral went straight to a strategy discussion: the assessment
    /// runs alongside and ends with the section 47 enquiry.
    fn strategy_at_referral(&mut self, referral: Day, decided: Day, assessment: u32) -> Day {
        let held = decided.plus(self.uniform(0, 2));
        if held > self.to {
            return held;
        }
        if !self.chance(self.params.strategy_s47) {
            self.complete(held, "strategy_discussion", Some("no_s47"));
            return self.assessment(referral, held, assessment);
        }
        self.complete(held, "strategy_discussion", Some("s47"));
        let enquiry = self.enquiry_outcome();
        let ended = held.plus(self.uniform(1, 10));
        if ended > self.to {
            return ended;
        }
        self.complete(ended, "s47_enquiry", Some(enquiry));
        let found = if enquiry == "nfa" { "nfa" } else { "cin" };
        let facts = self.assessment_facts();
        self.complete_with(ended, "assessment", Some(found), facts);
        match enquiry {
            "icpc" => self.icpc(held, ended, true),
            "cin" => self.cin_plan(ended, ended),
            _ => {
                let wait = self.uniform(0, 10);
                self.close_case(ended.plus(wait), "nfa")
            }
        }
    }

    fn enquiry_outcome(&mut self) -> &'static str {
        let params = self.params;
        let shares = [
            params.s47_icpc,
            params.s47_cin,
            1.0 - params.s47_icpc - params.s47_cin,
        ];
        ["icpc", "cin", "nfa"][self.pick(&shares)]
    }

    /// A strategy discussion held on `held`, after an assessment.
    fn strategy(&mut self, held: Day, plan_open: bool) -> Day {
        if held > self.to {
            return held;
        }
        if !self.chance(self.params.strategy_s47) {
            self.complete(held, "strategy_discussion", Some("no_s47"));
            let wait = self.uniform(0, 20);
            return self.close_case(held.plus(wait), "other");
        }
        self.complete(held, "strategy_discussion", Some("s47"));
        let enquiry = self.enquiry_outcome();
        let ended = held.plus(self.uniform(1, 10));
        if ended > self.to {
            return ended;
        }
        self.complete(ended, "s47_enquiry", Some(enquiry));
        match enquiry {
            "icpc" => self.icpc(held, ended, plan_open),
            "cin" => self.cin_plan(ended, ended),
            _ => {
                let wait = self.uniform(0, 10);
                self.close_case(ended.plus(wait), "nfa")
            }
        }
    }

    /// The initial conference, due 15 working days after the strategy
    /// discussion held on `strategy`. `cin_open`: a child in need plan is
    /// open (it ends if a protection plan begins, and goes on if not).
    fn icpc(&mut self, strategy: Day, enquiry_ended: Day, cin_open: bool) -> Day {
        let params = self.params;
        let occurrence = self.open(Tracked::Icpc);
        let due = Due::new(
            strategy,
            "strategy_discussion completed",
            Timescale::WorkingDays(15),
        );
        let min = enquiry_ended.since(strategy).max(5);
        let done = self.when(due, enquiry_ended, min, params.late.icpc, Day(i32::MAX));
        let plan = self.chance(params.icpc_plan);
        let outcome = if plan { "cp_plan" } else { "no_plan" };
        self.finish(
            done,
            due,
            Tracked::Icpc,
            occurrence,
            Some(outcome),
            Vec::new(),
        );
        let day = done.day;
        if day > self.to {
            return day;
        }
        if plan {
            if cin_open {
                self.complete(day, "cin_plan", None);
            }
            self.protection_plan(day)
        } else if cin_open {
            self.cin_plan(enquiry_ended, day)
        } else {
            let wait = self.uniform(0, 30);
            self.close_case(day.plus(wait), "other")
        }
    }

    /// A child in need plan opened on `opened`, running past `not_before`.
    fn cin_plan(&mut self, opened: Day, not_before: Day) -> Day {
        let params = self.params;
        if not_before > self.to {
            return not_before;
        }
        let (shortest, longest) = params.cin_plan_days;
        let length = self.uniform(shortest, longest);
        let ends = opened
            .plus(length)
            .max(not_before.plus(1))
            .min(self.eighteen.plus(-1).max(not_before.plus(1)));
        if self.chance(params.looked_after_from_cin) && ends.since(not_before) > 1 {
            let becomes = not_before.plus(self.uniform(1, ends.since(not_before)));
            if becomes > self.to {
                return becomes;
            }
            self.complete(becomes, "cin_plan", None);
            return self.looked_after(becomes);
        }
        self.missing_from_home(not_before, ends);
        if ends > self.to {
            return ends;
        }
        self.complete(ends, "cin_plan", None);
        let step_down = if self.chance(0.2) {
            "early_help"
        } else {
            "other"
        };
        let wait = self.uniform(0, 30);
        self.close_case(ends.plus(wait), step_down)
    }

    /// A child protection plan begun at the initial conference on `icpc`:
    /// the first core group, review conferences until one ends the plan (or
    /// the child becomes looked after), and visits every few days.
    fn protection_plan(&mut self, icpc: Day) -> Day {
        let params = self.params;
        self.plans += 1;
        // Only the first plan's reviews are labelled: whether a review that
        // ends a plan opens another occurrence is for the engine to say, and
        // would shift the count for a later plan.
        let rcpc_late = if self.plans == 1 {
            params.late.rcpc
        } else {
            0.0
        };

        let core_occurrence = self.open(Tracked::CoreGroup);
        let core_due = Due::new(icpc, "icpc completed", Timescale::WorkingDays(5))
            .late_under(Timescale::WorkingDays(10));
        let core = self.when(core_due, icpc, 1, params.late.core_group, Day(i32::MAX));
        self.finish(
            core,
            core_due,
            Tracked::CoreGroup,
            core_occurrence,
            None,
            Vec::new(),
        );

        let mut previous = icpc;
        let mut reviews = 0usize;
        let (ended, looked_after) = loop {
            let occurrence = self.open(Tracked::Rcpc);
            let (rule, min, anchor_name) = if reviews == 0 {
                (Timescale::Months(3), 62, "icpc completed")
            } else {
                (Timescale::Months(6), 150, "the previous rcpc completed")
            };
            // The child may become looked after before this review is due.
            if self.chance(params.looked_after_from_plan) {
                let earliest = previous.max(core.day).plus(1);
                let latest = previous.plus(rule.on_time_within());
                if earliest <= latest {
                    break (earliest.plus(self.uniform(0, latest.since(earliest))), true);
                }
            }
            let due = Due::new(previous, anchor_name, rule);
            let done = self.when(due, previous, min, rcpc_late, Day(i32::MAX));
            let last_chance =
                done.day.plus(Timescale::Months(6).latest_due() + 30) >= self.eighteen;
            let ends = (self.chance(params.plan_ends_at_review[reviews.min(3)]) || last_chance)
                && done.day > core.day;
            let outcome = if ends { "end_plan" } else { "continue" };
            self.finish(
                done,
                due,
                Tracked::Rcpc,
                occurrence,
                Some(outcome),
                Vec::new(),
            );
            previous = done.day;
            reviews += 1;
            if ends || done.day > self.to {
                break (done.day, false);
            }
        };
        self.protection_visits(icpc, ended);
        self.missing_from_home(icpc, ended);
        if ended > self.to {
            return ended;
        }
        self.complete(ended, "cp_plan", None);
        if looked_after {
            self.looked_after(ended)
        } else {
            let wait = self.uniform(0, 90);
            self.close_case(ended.plus(wait), "other")
        }
    }

    /// Child protection visits, within 10 working days of the plan's start
    /// and of each other (the example council's standard), until the plan
    /// ends.
    fn protection_visits(&mut self, start: Day, end: Day) {
        let safe = Timescale::WorkingDays(10).on_time_within();
        let mut day = start.plus(self.uniform(4, safe));
        while day < end && day <= self.to {
            self.complete(day, "cp_visit", None);
            day = day.plus(self.uniform(4, safe));
        }
    }

    /// A looked-after episode from `start`: care plan, reviews, health
    /// assessments, placements with their visits, missing episodes.
    fn looked_after(&mut self, start: Day) -> Day {
        let params = self.params;
        let length = match self.pick(&params.care_lengths) {
            0 => self.uniform(7, 182),
            1 => self.uniform(183, 730),
            _ => self.uniform(731, 3650),
        };
        let end = start.plus(length).min(self.eighteen).max(start.plus(1));
        let facts = self.allocate(start, CHILDREN_IN_CARE);
        self.start(start, "looked_after", facts);

        let occurrence = self.open(Tracked::CarePlan);
        let due = Due::new(start, "looked_after started", Timescale::WorkingDays(10));
        let done = self.when(due, start, 0, params.late.care_plan, end);
        if done.day < end || done.late {
            self.finish(done, due, Tracked::CarePlan, occurrence, None, Vec::new());
        }

        let last_placement = self.placements(start, end);
        self.reviews(start, end);
        self.health_assessments(start, end);
        if start.since(self.dob) >= 12 * 365 || end.since(self.dob) >= 13 * 365 {
            let years = f64::from(end.since(start)) / 365.0;
            if self.chance((params.missing_teen_per_year * years).min(0.9)) {
                self.missing(start, end, params.missing_episodes_per_year);
            }
        }
        if end > self.to {
            return end;
        }
        if last_placement < end {
            self.complete(end, "placement", None);
        }
        self.complete(end, "looked_after", None);
        let wait = self.uniform(0, 30);
        self.close_case(end.plus(wait), "other")
    }

    /// Placements from `start` to `end`, each with its visits. Returns the
    /// day the last one began.
    fn placements(&mut self, start: Day, end: Day) -> Day {
        let params = self.params;
        let mut begins = start;
        loop {
            let remaining = end.since(begins);
            let long_term = remaining > 540 && self.chance(params.long_term_placement);
            let length = if long_term {
                remaining
            } else {
                self.wait(params.placement_days)
                    .clamp(14, remaining.max(14))
            };
            let ends = begins.plus(length).min(end);
            let age = begins.since(self.dob) / 365;
            let kind = self.placement_type(age, long_term);
            let facts = vec![
                ("placement_type", Value::Text(kind.to_owned())),
                ("long_term_placement", Value::Bool(long_term)),
                ("placed_with_parents", Value::Bool(kind == "P1")),
            ];
            if begins > self.to {
                return begins;
            }
            self.start(begins, "placement", facts);
            self.visits(begins, ends, long_term);
            if ends >= end || ends > self.to {
                return begins;
            }
            self.complete(ends, "placement", None);
            begins = ends;
        }
    }

    /// A placement type from the SSDA903 codes: foster care with relatives
    /// or friends (`U1`, `U3`) or other carers (`U4`, `U6`), long-term or
    /// not; a children's home (`K2`); placed with parents (`P1`); supported
    /// accommodation (`H5`, 16 and over).
    fn placement_type(&mut self, age: i32, long_term: bool) -> &'static str {
        if long_term {
            return if self.chance(0.3) { "U1" } else { "U4" };
        }
        let home = if age >= 10 { 0.15 } else { 0.03 };
        let supported = if age >= 16 { 0.25 } else { 0.0 };
        let shares = [0.20, 0.52, home, 0.07, supported];
        ["U3", "U6", "K2", "P1", "H5"][self.pick(&shares)]
    }

    /// Social worker visits for a placement from `start` to `end`: within a
    /// week, then every six weeks, or every three months in a long-term
    /// placement once its first year is clearly over.
    fn visits(&mut self, start: Day, end: Day, long_term: bool) {
        let late = self.params.late.cla_visit;
        let first_year_over = start.years_on(1).plus(14);
        let mut previous = start;
        let mut first = true;
        while previous <= self.to {
            let occurrence = self.open(Tracked::ClaVisit);
            let (due, min) = if first {
                (Due::new(start, "placement started", Timescale::Weeks(1)), 1)
            } else if long_term && previous > first_year_over {
                (
                    Due::new(previous, "the previous visit", Timescale::Months(3)),
                    50,
                )
            } else {
                let due = Due::new(previous, "the previous visit", Timescale::Weeks(6));
                (due.late_under(Timescale::Months(3)), 21)
            };
            let done = self.when(due, previous, min, late, end);
            if done.day >= end && !done.late {
                return;
            }
            self.finish(done, due, Tracked::ClaVisit, occurrence, None, Vec::new());
            previous = done.day;
            first = false;
        }
    }

    /// Looked-after reviews: within 20 working days, then 3 months, then
    /// every 6 months.
    fn reviews(&mut self, start: Day, end: Day) {
        let late = self.params.late.cla_review;
        let mut previous = start;
        let mut held = 0;
        while previous <= self.to {
            let occurrence = self.open(Tracked::ClaReview);
            let (due, min) = match held {
                0 => (
                    Due::new(start, "looked_after started", Timescale::WorkingDays(20)),
                    7,
                ),
                1 => (
                    Due::new(previous, "the previous review", Timescale::Months(3)),
                    60,
                ),
                _ => (
                    Due::new(previous, "the previous review", Timescale::Months(6)),
                    150,
                ),
            };
            let done = self.when(due, previous, min, late, end);
            if done.day >= end && !done.late {
                return;
            }
            self.finish(done, due, Tracked::ClaReview, occurrence, None, Vec::new());
            previous = done.day;
            held += 1;
        }
    }

    /// Health assessments: the initial one within 20 working days, then
    /// reviews every 6 months under 5 and every 12 months from 5. Near the
    /// fifth birthday the shorter interval is kept, which is on time under
    /// either reading; a delay is judged against 12 months, late under both.
    fn health_assessments(&mut self, start: Day, end: Day) {
        let params = self.params;
        let mut previous = start;
        let mut first = true;
        while previous <= self.to {
            let occurrence = self.open(Tracked::HealthAssessment);
            let (due, min, late) = if first {
                let due = Due::new(start, "looked_after started", Timescale::WorkingDays(20));
                (due, 5, params.late.health_first)
            } else if previous < self.fifth.plus(14) {
                let due = Due::new(
                    previous,
                    "the previous health assessment",
                    Timescale::Months(6),
                );
                (
                    due.late_under(Timescale::Months(12)),
                    120,
                    params.late.health_review,
                )
            } else {
                let due = Due::new(
                    previous,
                    "the previous health assessment",
                    Timescale::Months(12),
                );
                (due, 300, params.late.health_review)
            };
            let done = self.when(due, previous, min, late, end);
            if done.day >= end && !done.late {
                return;
            }
            self.finish(
                done,
                due,
                Tracked::HealthAssessment,
                occurrence,
                None,
                Vec::new(),
            );
            previous = done.day;
            first = false;
        }
    }

    /// Missing episodes for a child of 12 or more on a plan at home.
    fn missing_from_home(&mut self, start: Day, end: Day) {
        if start.since(self.dob) >= 12 * 365 && self.chance(self.params.missing_from_home) {
            self.missing(start, end, 3.0);
        }
    }

    /// Missing episodes between `start` and `end`, `per_year` a year on
    /// average, each with its return home interview, one after another.
    fn missing(&mut self, start: Day, end: Day, per_year: f64) {
        let late = self.params.late.rhi;
        let mean_gap = 365.0 / per_year;
        let period_end = duly_calendar::start_of_day(self.to.date()).as_second();
        let mut day = start.plus(1 + self.wait(mean_gap));
        while day < end && day <= self.to {
            let minute = self.uniform(14 * 60, 23 * 60 + 59);
            let time = Time::new((minute / 60) as i8, (minute % 60) as i8, 0, 0)
                .unwrap_or(Time::midnight());
            let gone = LONDON
                .to_timestamp(day.date().to_datetime(time))
                .map(Timestamp::as_second)
                .unwrap_or(0);
            // Nine in ten back within 2 days, most within hours.
            let hours = if self.chance(0.9) {
                i64::from(self.wait(10.0).clamp(1, 47))
            } else {
                i64::from(self.uniform(48, 168))
            };
            let back = gone + hours * 3600 + i64::from(self.uniform(0, 59)) * 60;
            let back_day = london_day(back);
            if back_day >= end {
                return;
            }
            self.timed(gone, "missing_episode", Action::Start);
            if back_day > self.to {
                return;
            }
            self.timed(back, "missing_episode", Action::Complete);
            let occurrence = self.open(Tracked::Rhi);
            // Due 72 hours after the return: done within 6 to 60 hours, or
            // deliberately 4 to 9 days later.
            let due = back + 72 * 3600;
            let mut interview = back + i64::from(self.uniform(6 * 60, 60 * 60)) * 60;
            let mut injected = false;
            if self.chance(late) {
                let later = back + i64::from(self.uniform(4 * 24 * 60, 9 * 24 * 60)) * 60;
                let later_day = london_day(later);
                if later_day <= self.to || due < period_end {
                    interview = later;
                    injected = true;
                }
            }
            let interview_day = london_day(interview);
            let seq =
                (interview_day <= self.to).then(|| self.timed(interview, "rhi", Action::Complete));
            if injected {
                let (expected, reason) = if interview_day <= self.to {
                    let hours = (interview - back) / 3600;
                    (
                        Expected::Late,
                        format!(
                            "injected delay: done {hours} hours after missing_episode completed, due within 72 hours"
                        ),
                    )
                } else {
                    (Expected::Overdue, "injected delay: not done by the end of the period, due within 72 hours of missing_episode completed".to_owned())
                };
                self.drafts.push(Draft {
                    step: Tracked::Rhi.step(),
                    occurrence,
                    expected,
                    reason,
                    seq,
                });
            }
            day = interview_day.plus(1 + self.wait(mean_gap));
        }
    }

    // ----- the result ---------------------------------------------------

    /// The child's events in time order, cut at the period's end, with ids,
    /// and the labels of their injected delays.
    pub fn into_history(mut self) -> History {
        let to = self.to;
        self.raws.retain(|raw| raw.day <= to);
        self.raws
            .sort_unstable_by_key(|raw| (raw.day, raw.secs, raw.seq));
        let mut ids = Vec::with_capacity(self.raws.len());
        let mut events = Vec::with_capacity(self.raws.len());
        for (n, raw) in self.raws.into_iter().enumerate() {
            let id = format!("{}-{:04}", self.case, n + 1);
            ids.push((raw.seq, id.clone()));
            let facts: Facts = raw
                .facts
                .into_iter()
                .map(|(name, value)| {
                    let fact = match value {
                        Value::Text(text) => Fact::Text(text),
                        Value::Bool(flag) => Fact::Bool(flag),
                    };
                    (name.to_owned(), Some(fact))
                })
                .collect();
            events.push(Event {
                id,
                case: self.case.clone(),
                at: raw.at,
                step: raw.step.map(str::to_owned),
                action: raw.action,
                outcome: raw.outcome.map(str::to_owned),
                facts,
            });
        }
        ids.sort_unstable_by_key(|(seq, _)| *seq);
        let labels = self
            .drafts
            .into_iter()
            .map(|draft| Label {
                case: self.case.clone(),
                step: draft.step,
                occurrence: draft.occurrence,
                expected: draft.expected,
                reason: draft.reason,
                event: draft.seq.and_then(|seq| {
                    ids.binary_search_by_key(&seq, |(s, _)| *s)
                        .ok()
                        .map(|i| ids[i].1.clone())
                }),
            })
            .collect();
        History {
            case: self.case,
            events,
            labels,
        }
    }
}

/// The day in Europe/London of an instant given in seconds since 1970.
fn london_day(second: i64) -> Day {
    let instant = Timestamp::from_second(second).unwrap_or(Timestamp::UNIX_EPOCH);
    Day::of(duly_calendar::local_date(instant))
}
