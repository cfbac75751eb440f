//! `duly gen`: realistic synthetic events for English children's social
//! care, with a known set of breaches.
//!
//! Used for examples, for tests with a known answer, and for scale runs (a
//! whole country: a million children, about ten million events).
//!
//! ```
//! use duly_gen::{Generator, Options};
//! let options = Options {
//!     children: 3,
//!     seed: 42,
//!     from: "2024-04-01".parse().unwrap(),
//!     to: "2026-03-31".parse().unwrap(),
//!     shuffle: false,
//! };
//! let generator = Generator::new(options).unwrap();
//! let history = generator.child(0);
//! assert_eq!(history.case, "C0000001");
//! assert_eq!(history.events[0].step.as_deref(), Some("referral"));
//! ```
//!
//! # The model of a child's history
//!
//! Each child is simulated causally, the way the case would unfold, and the
//! period then cuts what comes after its end (the idea of simulating the whole
//! history and then taking the period, from Social Finance's `cscsynth`; the
//! dates are never drawn independently, so they are always in causal order).
//!
//! - The **first referral** falls on a day drawn evenly across the period;
//!   the child is 0 to 17 then (date of birth, sex recorded on it). Children
//!   already known before the period are not modelled: every history begins
//!   with its first referral inside the period.
//! - The **referral decision** comes the same day: no further action, early
//!   help (both close the case), a strategy discussion (which also opens the
//!   assessment) or an assessment, allocated to a locality team.
//! - A section 17 **assessment** finds the child not in need (closed with no
//!   further action), in need (a child in need plan) or at risk (a strategy
//!   discussion). Domestic abuse is recorded on it.
//! - A **strategy discussion** starts a section 47 enquiry or not; the
//!   **enquiry** ends in an initial conference, a child in need plan or no
//!   further action. Straight from a referral, the assessment ends with the
//!   enquiry.
//! - The **initial conference** (ICPC) makes a child protection plan or not;
//!   without one, a child in need plan goes on or the case closes.
//! - A **child protection plan** has its first core group, review conferences
//!   (3 months, then 6-monthly) until one ends the plan, and visits every 4 to
//!   9 days (the example council's 10 working days). A child may become
//!   looked after from it.
//! - A **child in need plan** lasts 2 to 18 months, then the case closes
//!   (stepped down to early help or not), unless the child becomes looked
//!   after.
//! - A **looked-after episode** lasts weeks, months or years (never past 18):
//!   care plan, reviews, health assessments (6-monthly under 5, yearly from
//!   5), placements (some long-term, some with parents) each with its visits,
//!   and for teenagers missing episodes with return home interviews (exact
//!   times with their Europe/London offset).
//! - The case **closes** (`case_closure`, outcome `nfa`, `early_help` or
//!   `other`) when the work ends; some children are **referred again** later.
//! - The social **worker changes** now and then while the case is open
//!   (`record` events), and the team with the stage of the work.
//!
//! The probabilities are in [`Params`], each with the published figure it
//! reflects. Not modelled: care leavers' pathway plans, private fostering,
//! unborn children, and children already known before the period.
//!
//! The events follow the national library with the example council's rules
//! (`rules/local/example-council`): visits to a child on a protection plan
//! come every 4 to 9 days, as a `cp_visit` series. Under the national library
//! alone `cp_visit` ends at its first visit, so the later visits complete a
//! step that is not open; every other event fits both.
//!
//! # Injected delays and labels
//!
//! Work is done on time with a safe margin, or, for a chosen fraction
//! ([`params::Lateness`]), deliberately late by a large margin; see
//! [`timescale`] for the margins, which make every label right whatever the
//! bank holidays and closure days. Each delay is a [`Label`]: the case, the
//! step, which occurrence of that step in the case (counting from 1, every
//! time the step was opened, including occurrences later closed without
//! being done), and the status expected **as of the period's last day**:
//! `late` (done after its deadline, within the period) or `overdue` (not done
//! by the end of the period, its deadline already past). The labels file is
//! CSV with the header `case,step,occurrence,expected,reason`.
//!
//! Review conferences are labelled only in a case's first child protection
//! plan, and visits to a child on a plan never: the first because whether a
//! review that ends a plan opens another occurrence is for the engine to
//! decide, the second because visits have no national timescale.
//!
//! # Output
//!
//! Events are written one child after another, each child's in time order,
//! as they are made: memory stays flat however many children. Ids are
//! `C0000001` for cases and `C0000001-0001` for events. The same options give
//! byte-identical output on every platform (a ChaCha stream per child, from
//! the seed). `shuffle` shuffles events within blocks of
//! [`SHUFFLE_BLOCK`] children, deterministically, for tests of
//! out-of-order input.
//!
//! A million children over two years (about 11.8 million events, 1.4 GB)
//! take about 8 seconds of one core and 6 MB of memory in a release build
//! (`cargo bench -p duly-gen`: about 110 ms for 10,000 children).

mod child;
mod day;
pub mod params;
pub mod timescale;

pub use params::{Lateness, Params};

use day::Day;
use duly_events::Event;
use jiff::civil::Date;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use std::fmt;
use std::io::Write;

/// How many children are shuffled together with `shuffle`.
pub const SHUFFLE_BLOCK: u64 = 1000;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// How many children.
    pub children: u64,
    /// The seed: the same seed gives the same events.
    pub seed: u64,
    /// The first day of the period (first referrals fall from here).
    pub from: Date,
    /// The last day of the period: nothing after it is written, and labels
    /// say what is expected as of this day.
    pub to: Date,
    /// Shuffle events within blocks of [`SHUFFLE_BLOCK`] children.
    pub shuffle: bool,
}

/// The status a deliberately delayed piece of work should be reported with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Expected {
    /// Done, after its deadline.
    Late,
    /// Not done by the end of the period, its deadline past.
    Overdue,
}

impl Expected {
    /// The status as written in the labels file.
    pub fn as_str(self) -> &'static str {
        match self {
            Expected::Late => "late",
            Expected::Overdue => "overdue",
        }
    }
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One injected delay: the breach a report must show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// The child's case id.
    pub case: String,
    /// The step (`assessment`).
    pub step: &'static str,
    /// Which occurrence of the step in the case, counting from 1.
    pub occurrence: u32,
    /// `late` or `overdue`.
    pub expected: Expected,
    /// What was injected, in words (no child data).
    pub reason: String,
    /// The id of the late `complete` event; none when overdue. Not written
    /// to the labels file.
    pub event: Option<String>,
}

/// One child's events, in time order, and the labels of their delays.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// The child's case id.
    pub case: String,
    /// The events, in time order.
    pub events: Vec<Event>,
    /// The injected delays.
    pub labels: Vec<Label>,
}

/// What a run wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Children simulated.
    pub children: u64,
    /// Events written.
    pub events: u64,
    /// Labels written.
    pub labels: u64,
}

/// Why a run could not be made or finished.
#[derive(Debug)]
pub enum GenError {
    /// The period ends before it begins.
    Period {
        /// The first day given.
        from: Date,
        /// The last day given.
        to: Date,
    },
    /// Writing the events or labels failed.
    Write(std::io::Error),
}

impl fmt::Display for GenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GenError::Period { from, to } => {
                write!(
                    f,
                    "the period ends (`{to}`) before it begins (`{from}`): give `--to` on or after `--from`"
                )
            }
            GenError::Write(err) => write!(f, "the output could not be written: {err}"),
        }
    }
}

impl std::error::Error for GenError {}

impl From<std::io::Error> for GenError {
    fn from(err: std::io::Error) -> Self {
        GenError::Write(err)
    }
}

impl From<csv::Error> for GenError {
    fn from(err: csv::Error) -> Self {
        GenError::Write(err.into())
    }
}

/// Makes children's histories from [`Options`] and [`Params`].
#[derive(Debug, Clone)]
pub struct Generator {
    options: Options,
    params: Params,
    from: Day,
    to: Day,
}

impl Generator {
    /// A generator with the national parameters ([`Params::default`]).
    pub fn new(options: Options) -> Result<Generator, GenError> {
        Generator::with_params(options, Params::default())
    }

    /// A generator with these parameters.
    pub fn with_params(options: Options, params: Params) -> Result<Generator, GenError> {
        if options.to < options.from {
            return Err(GenError::Period {
                from: options.from,
                to: options.to,
            });
        }
        let (from, to) = (Day::of(options.from), Day::of(options.to));
        Ok(Generator {
            options,
            params,
            from,
            to,
        })
    }

    /// The options it was made with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The parameters it draws from.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The history of child `index` (from 0; case `C0000001` is index 0).
    /// It depends only on the seed, the period, the parameters and the index.
    pub fn child(&self, index: u64) -> History {
        let mut rng = ChaCha8Rng::seed_from_u64(self.options.seed);
        rng.set_stream(index);
        let case = format!("C{:07}", index + 1);
        child::Sim::new(&self.params, self.from, self.to, rng, case).into_history()
    }

    /// Every child's history, one after another, made as they are asked for.
    pub fn histories(&self) -> impl Iterator<Item = History> + '_ {
        (0..self.options.children).map(|index| self.child(index))
    }

    /// Writes every child's events as JSON Lines to `events` and, if given,
    /// the labels as CSV to `labels`, child by child.
    pub fn write<E: Write, L: Write>(
        &self,
        events: E,
        labels: Option<L>,
    ) -> Result<Summary, GenError> {
        let mut events = events;
        let mut labels = labels.map(csv::Writer::from_writer);
        if let Some(labels) = labels.as_mut() {
            labels.write_record(["case", "step", "occurrence", "expected", "reason"])?;
        }
        let mut summary = Summary::default();
        let mut block: Vec<Event> = Vec::new();
        for index in 0..self.options.children {
            let history = self.child(index);
            summary.children += 1;
            summary.events += history.events.len() as u64;
            if self.options.shuffle {
                block.extend(history.events);
                let ends_block = (index + 1).is_multiple_of(SHUFFLE_BLOCK);
                if ends_block || index + 1 == self.options.children {
                    let mut rng = ChaCha8Rng::seed_from_u64(self.options.seed);
                    rng.set_stream(u64::MAX - index / SHUFFLE_BLOCK);
                    for event in shuffle_keeping_ties(&mut block, &mut rng) {
                        events.write_all(event.to_line().as_bytes())?;
                        events.write_all(b"\n")?;
                    }
                }
            } else {
                for event in &history.events {
                    events.write_all(event.to_line().as_bytes())?;
                    events.write_all(b"\n")?;
                }
            }
            if let Some(labels) = labels.as_mut() {
                for label in &history.labels {
                    summary.labels += 1;
                    labels.write_record([
                        label.case.as_str(),
                        label.step,
                        &label.occurrence.to_string(),
                        label.expected.as_str(),
                        &label.reason,
                    ])?;
                }
            } else {
                summary.labels += history.labels.len() as u64;
            }
        }
        events.flush()?;
        if let Some(labels) = labels.as_mut() {
            labels.flush()?;
        }
        Ok(summary)
    }
}

/// Shuffles `block` (draining it) into an arrival order a case system might
/// produce, except that events of one child at the same moment keep their
/// order: the event contract applies ties in file order, so swapping them
/// would change what the events mean (a `complete` before its `start`).
fn shuffle_keeping_ties(block: &mut Vec<Event>, rng: &mut ChaCha8Rng) -> Vec<Event> {
    let mut order: Vec<usize> = (0..block.len()).collect();
    order.shuffle(rng);
    // The slots each tie group landed in, in file order, refilled with the
    // group's events in their original order.
    let mut groups: HashMap<(&str, (Date, jiff::Timestamp)), Vec<usize>> = HashMap::new();
    for &original in &order {
        let event = &block[original];
        groups
            .entry((event.case.as_str(), event.at.order_key()))
            .or_default()
            .push(original);
    }
    for members in groups.values_mut() {
        members.sort_unstable();
    }
    let mut next: HashMap<(&str, (Date, jiff::Timestamp)), usize> = HashMap::new();
    let arranged: Vec<usize> = order
        .iter()
        .map(|&original| {
            let event = &block[original];
            let key = (event.case.as_str(), event.at.order_key());
            let taken = next.entry(key).or_default();
            let chosen = groups[&key][*taken];
            *taken += 1;
            chosen
        })
        .collect();
    let mut slots: Vec<Option<Event>> = block.drain(..).map(Some).collect();
    arranged
        .into_iter()
        .filter_map(|i| slots.get_mut(i).and_then(Option::take))
        .collect()
}
