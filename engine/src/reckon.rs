//! What the engine asks of a calendar: due moments, warning moments and
//! lateness. The arithmetic itself lives in `duly-calendar`; this module only
//! says what the engine needs from it, so that the engine never counts days
//! itself.

use duly_calendar::{Calendar, Lateness, Moment, Period, Working, start_of_day};
use duly_dsl::model::RuleSet;
use duly_events::At;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Serialize, Serializer};
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// When a deadline falls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Due {
    /// The end of a day in Europe/London: timescales in days, weeks, months
    /// and years. Work done any time that day is on time.
    Day(Date),
    /// An exact instant: timescales in hours.
    Instant(Timestamp),
}

impl Due {
    /// The first instant at which the deadline has passed: the start of the
    /// next day for a day, the instant itself for an instant (work at exactly
    /// the due instant is on time, so it has passed just after; an instant
    /// counts as passed from the next nanosecond).
    pub fn passes_at(self) -> Timestamp {
        match self {
            Due::Day(date) => start_of_day(date.tomorrow().unwrap_or(date)),
            Due::Instant(at) => at
                .checked_add(jiff::SignedDuration::from_nanos(1))
                .unwrap_or(at),
        }
    }

    /// Whether the deadline has passed at `now`.
    pub fn passed(self, now: Timestamp) -> bool {
        now >= self.passes_at()
    }

    /// Whether something done `at` is on time. A day-based deadline compares
    /// local dates; an hour-based one compares instants, except that a
    /// date-only record counts as on time if its date is on or before the
    /// due instant's local date.
    pub fn met_by(self, at: &At) -> bool {
        match (self, at) {
            (Due::Day(due), at) => at.local_date() <= due,
            (Due::Instant(due), At::Date(date)) => *date <= duly_calendar::local_date(due),
            (Due::Instant(due), At::Instant { timestamp, .. }) => *timestamp <= due,
        }
    }

    /// The day it falls on in Europe/London.
    pub fn local_date(self) -> Date {
        match self {
            Due::Day(date) => date,
            Due::Instant(at) => duly_calendar::local_date(at),
        }
    }
}

impl fmt::Display for Due {
    /// A date `YYYY-MM-DD`, or an RFC 3339 date-time with the London offset.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Due::Day(date) => write!(f, "{date}"),
            Due::Instant(at) => {
                let zoned = at.to_zoned_datetime(duly_calendar::LONDON.clone());
                let offset = zoned.offset().seconds();
                let sign = if offset < 0 { '-' } else { '+' };
                let offset = offset.abs();
                write!(
                    f,
                    "{}{sign}{:02}:{:02}",
                    zoned.datetime().strftime("%Y-%m-%dT%H:%M:%S"),
                    offset / 3600,
                    (offset % 3600) / 60
                )
            }
        }
    }
}

impl Serialize for Due {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A due moment and how the calendar reached it, in words ready for an
/// explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Worked {
    /// When it falls.
    pub due: Due,
    /// The due moment as people read it (`Wed 8 May 2019`, `11:00 GMT on Mon
    /// 28 Oct 2019`).
    pub due_text: String,
    /// What it was counted from, as people read it (`Fri 12 Apr 2019`).
    pub from_text: String,
    /// The working after the count, ready to follow it: `; skipped Good
    /// Friday 19 Apr, … (England and Wales)`, `; February 2024 has no 30th,
    /// so the last day of the month`, `; the clocks went back 1 hour on …`,
    /// or empty.
    pub working: String,
}

/// The timescale arithmetic of the calendars of a rule set, indexed as
/// [`duly_dsl::model::RuleSet::calendars`].
pub trait Reckoner: Send + Sync {
    /// The moment `period` after `anchor` on calendar `calendar`, with its
    /// working. `None` if the calendar is unknown or the date out of range.
    fn due(&self, calendar: usize, anchor: &At, period: Period) -> Option<Arc<Worked>>;

    /// When `period` after `anchor` falls due, without the working: what
    /// replay needs to know when time passes it.
    fn due_moment(&self, calendar: usize, anchor: &At, period: Period) -> Option<Due> {
        self.due(calendar, anchor, period).map(|worked| worked.due)
    }

    /// When a deadline `due` starts to be approaching: `warn` before it.
    fn warn_from(&self, calendar: usize, due: Due, warn: Period) -> Option<Due>;

    /// How late something done at `done` is against `due`: working days
    /// after a day-based deadline, whole hours after an hour-based one;
    /// 0 when on time.
    fn late_by(&self, calendar: usize, due: Due, done: &At) -> i64;
}

/// The calendars of a rule set, from `duly-calendar`. Due moments counted
/// from a day are remembered per thread: many children share the same
/// anchor days, and the working takes longer to write than to look up.
#[derive(Debug, Clone)]
pub struct Calendars {
    calendars: Vec<Calendar>,
    /// Tells the calendars of one rule set from another's in the cache.
    id: u64,
}

/// Day-anchored due moments already worked out on this thread.
type DayCache = HashMap<(u64, usize, Date, Period), Arc<Worked>, crate::ingest::FastHash>;

/// At most this many remembered due moments per thread (about 4 MB): a
/// country's cases anchor on every day of several years, for a dozen
/// periods and more than one calendar; fewer, and the cache emptied itself
/// every few thousand cases.
const CACHE_LIMIT: usize = 32_768;

thread_local! {
    static WORKED: RefCell<DayCache> = RefCell::new(DayCache::default());
}

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

impl Calendars {
    /// The calendars a rule set declares (built-in ones shared).
    pub fn of(rules: &RuleSet) -> Calendars {
        let calendars = rules
            .calendars
            .iter()
            .map(|spec| {
                if spec.closures.is_empty() && spec.id == spec.division.id() {
                    Calendar::builtin(spec.division)
                } else {
                    Calendar::new(
                        spec.id.clone(),
                        spec.title.clone(),
                        spec.division,
                        spec.closures.clone(),
                    )
                }
            })
            .collect();
        Calendars {
            calendars,
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// The calendar at `index` (as [`RuleSet::calendars`] orders them).
    pub fn get(&self, index: usize) -> Option<&Calendar> {
        self.calendars.get(index)
    }

    fn work(&self, calendar: usize, anchor: Moment, period: Period) -> Option<Worked> {
        let reckoning = self.calendars.get(calendar)?.reckon(anchor, period).ok()?;
        let from_text = reckoning.from.to_string();
        // Only these workings add words after the count.
        let working = match &reckoning.working {
            Working::Days | Working::Months { clamped_from: None } => String::new(),
            Working::Hours { clock_changes } if clock_changes.is_empty() => String::new(),
            _ => {
                let text = reckoning.to_string();
                let count = format!("{} after {from_text}", reckoning.period);
                match text.strip_prefix(&count) {
                    // Working days with no holiday in between: name the calendar all the same.
                    Some(rest) if rest.starts_with(" (") => {
                        format!("; no holiday in between{rest}")
                    }
                    Some(rest) => rest.to_owned(),
                    None => format!("; {text}"),
                }
            }
        };
        Some(Worked {
            due: to_due(reckoning.due),
            due_text: reckoning.due.to_string(),
            from_text,
            working,
        })
    }
}

fn moment(at: &At) -> Moment {
    match at {
        At::Date(date) => Moment::Day(*date),
        At::Instant { timestamp, .. } => Moment::Instant(*timestamp),
    }
}

fn to_due(moment: Moment) -> Due {
    match moment {
        Moment::Day(date) => Due::Day(date),
        Moment::Instant(at) => Due::Instant(at),
    }
}

fn from_due(due: Due) -> Moment {
    match due {
        Due::Day(date) => Moment::Day(date),
        Due::Instant(at) => Moment::Instant(at),
    }
}

impl Reckoner for Calendars {
    fn due(&self, calendar: usize, anchor: &At, period: Period) -> Option<Arc<Worked>> {
        let anchor = moment(anchor);
        // A day-based count from an instant counts from its day.
        let day = match (anchor, period.unit) {
            (Moment::Day(date), _) => Some(date),
            (Moment::Instant(at), unit) if unit.is_day_based() => {
                Some(duly_calendar::local_date(at))
            }
            _ => None,
        };
        let Some(day) = day else {
            return self.work(calendar, anchor, period).map(Arc::new);
        };
        let key = (self.id, calendar, day, period);
        if let Some(hit) = WORKED.with(|cache| cache.borrow().get(&key).cloned()) {
            return Some(hit);
        }
        let worked = Arc::new(self.work(calendar, Moment::Day(day), period)?);
        WORKED.with(|cache| {
            let mut cache = cache.borrow_mut();
            if cache.len() >= CACHE_LIMIT {
                cache.clear();
            }
            cache.insert(key, worked.clone());
        });
        Some(worked)
    }

    fn due_moment(&self, calendar: usize, anchor: &At, period: Period) -> Option<Due> {
        self.calendars
            .get(calendar)?
            .due(moment(anchor), period)
            .ok()
            .map(to_due)
    }

    fn warn_from(&self, calendar: usize, due: Due, warn: Period) -> Option<Due> {
        self.calendars
            .get(calendar)?
            .warning(from_due(due), warn)
            .ok()
            .map(to_due)
    }

    fn late_by(&self, calendar: usize, due: Due, done: &At) -> i64 {
        let Some(calendar) = self.calendars.get(calendar) else {
            return 0;
        };
        match calendar.lateness(from_due(due), moment(done)) {
            Lateness::WorkingDays(n) => n.max(0),
            Lateness::Elapsed(elapsed) => (elapsed.as_secs() / 3600).max(0),
        }
    }
}
