//! Timescale arithmetic: when a period after an anchor falls due, how that
//! was worked out, when to warn, and how late something is.
//!
//! The rules (see `docs/language.md`):
//! - The anchor day is day 0 and never counts. N working days after D is the
//!   Nth working day after D, also when D is itself a weekend or holiday.
//! - Calendar days and weeks add N or 7N days.
//! - Months give the same day of the month N months on, or that month's last
//!   day when it has no such day; years are 12 months. Always counted from the
//!   anchor, never chained.
//! - Hours are elapsed time, across Europe/London clock changes.
//! - A day anchor for hours counts from the start of that day in London; an
//!   instant anchor for days counts from its day in London.

use crate::calendar::{Calendar, NonWorkingDay, OutOfRange};
use crate::london::{LONDON, local_date, start_of_day};
use crate::period::{Period, Unit};
use jiff::civil::Date;
use jiff::{SignedDuration, Span, Timestamp};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// A day (in Europe/London) or an instant: an anchor, a due moment, or the
/// time something happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "at", rename_all = "snake_case")]
pub enum Moment {
    /// A whole day. As a deadline it falls at the end of the day: work done
    /// any time that day is on time.
    Day(Date),
    /// An instant.
    Instant(Timestamp),
}

/// When something falls due: a day for day-based units, an instant for hours.
pub type Due = Moment;

impl Moment {
    /// Its day in Europe/London.
    pub fn date(self) -> Date {
        match self {
            Moment::Day(date) => date,
            Moment::Instant(at) => local_date(at),
        }
    }

    /// Its instant: for a day, the start of that day in Europe/London.
    pub fn instant(self) -> Timestamp {
        match self {
            Moment::Day(date) => start_of_day(date),
            Moment::Instant(at) => at,
        }
    }

    /// Whether something done at `done` misses this deadline: after the day
    /// (for a day), or after the instant.
    pub fn is_late(self, done: Timestamp) -> bool {
        match self {
            Moment::Day(date) => local_date(done) > date,
            Moment::Instant(at) => done > at,
        }
    }
}

impl From<Date> for Moment {
    fn from(date: Date) -> Moment {
        Moment::Day(date)
    }
}

impl From<Timestamp> for Moment {
    fn from(at: Timestamp) -> Moment {
        Moment::Instant(at)
    }
}

impl fmt::Display for Moment {
    /// `Wed 8 May 2019`, or `11:00 GMT on Mon 28 Oct 2019`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Moment::Day(date) => write!(f, "{}", date.strftime("%a %-d %b %Y")),
            Moment::Instant(at) => {
                let local = at.to_zoned_datetime(LONDON.clone());
                write!(f, "{}", local.strftime("%H:%M %Z on %a %-d %b %Y"))
            }
        }
    }
}

/// How a due moment was reached from its anchor: the working behind a deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reckoning {
    /// The timescale.
    pub period: Period,
    /// What it was counted from: the anchor's day for day-based units, its
    /// instant for hours.
    pub from: Moment,
    /// When it falls due.
    pub due: Due,
    /// The working.
    pub working: Working,
}

/// How a deadline was worked out, beyond the plain count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "unit", rename_all = "snake_case")]
pub enum Working {
    /// Calendar days or weeks: every day counts.
    Days,
    /// Working days, on the calendar titled `calendar`.
    WorkingDays {
        /// The calendar's title (`England and Wales`).
        calendar: Arc<str>,
        /// Every non-working day passed over, in order.
        skipped: Vec<SkippedDay>,
    },
    /// Months or years.
    Months {
        /// The anchor's day of the month, when the due month has no such day
        /// and the deadline is that month's last day instead.
        clamped_from: Option<i8>,
    },
    /// Hours of elapsed time.
    Hours {
        /// The clock changes in the period, in order.
        clock_changes: Vec<ClockChange>,
    },
}

/// A day a working-day count passed over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedDay {
    /// The day.
    pub date: Date,
    /// Why it is not a working day.
    pub reason: NonWorkingDay,
}

/// A change of the clocks in Europe/London.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ClockChange {
    /// When the clocks changed.
    pub at: Timestamp,
    /// How far they moved: positive forward (spring), negative back (autumn).
    pub shift: SignedDuration,
}

/// How late something is against a deadline; zero or negative when it is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "unit", content = "by", rename_all = "snake_case")]
pub enum Lateness {
    /// For a day-based deadline: the working days after the due day, up to
    /// and including the day in question.
    WorkingDays(i64),
    /// For an hour-based deadline: the time elapsed since the due instant.
    Elapsed(SignedDuration),
}

impl Calendar {
    /// When `period` after `anchor` falls due.
    pub fn due(&self, anchor: impl Into<Moment>, period: Period) -> Result<Due, OutOfRange> {
        let anchor = anchor.into();
        let n = period.count;
        if period.unit == Unit::Hours {
            return add_hours(anchor.instant(), i64::from(n)).map(Moment::Instant);
        }
        self.shift(anchor.date(), period.unit, i64::from(n))
            .map(Moment::Day)
    }

    /// `n` of a day-based `unit` on from `date` (back when negative).
    fn shift(&self, date: Date, unit: Unit, n: i64) -> Result<Date, OutOfRange> {
        let count = u32::try_from(n.unsigned_abs()).map_err(|_| OutOfRange)?;
        match unit {
            Unit::WorkingDays if n < 0 => self.sub_working_days(date, count),
            Unit::WorkingDays => self.add_working_days(date, count),
            Unit::CalendarDays => add_days(date, n),
            Unit::Weeks => add_days(date, 7 * n),
            Unit::Months => add_months(date, n).map(|(date, _)| date),
            // Hours are elapsed time, never shifted by day; callers see to it.
            Unit::Years | Unit::Hours => add_months(date, 12 * n).map(|(date, _)| date),
        }
    }

    /// When `period` after `anchor` falls due, with the working: the days
    /// skipped, the month end clamped, the clock changes crossed. Slower than
    /// [`Calendar::due`]; use it to explain.
    pub fn reckon(
        &self,
        anchor: impl Into<Moment>,
        period: Period,
    ) -> Result<Reckoning, OutOfRange> {
        let anchor = anchor.into();
        let due = self.due(anchor, period)?;
        let (from, working) = match period.unit {
            Unit::WorkingDays => {
                let from = anchor.date();
                let mut skipped = Vec::new();
                let mut date = from;
                while date < due.date() {
                    date = date.tomorrow().map_err(|_| OutOfRange)?;
                    if let Some(reason) = self.non_working(date) {
                        skipped.push(SkippedDay { date, reason });
                    }
                }
                let calendar = self.title_shared();
                (
                    Moment::Day(from),
                    Working::WorkingDays { calendar, skipped },
                )
            }
            Unit::CalendarDays | Unit::Weeks => (Moment::Day(anchor.date()), Working::Days),
            Unit::Months | Unit::Years => {
                let from = anchor.date();
                let clamped_from = (due.date().day() != from.day()).then_some(from.day());
                (Moment::Day(from), Working::Months { clamped_from })
            }
            Unit::Hours => {
                let from = anchor.instant();
                let clock_changes = clock_changes(from, due.instant());
                (Moment::Instant(from), Working::Hours { clock_changes })
            }
        };
        Ok(Reckoning {
            period,
            from,
            due,
            working,
        })
    }

    /// When to start warning: `before` ahead of `due` (working days back,
    /// months back with clamping, hours back). Hours before a day deadline
    /// count back from the end of that day; days before an instant count back
    /// from its day.
    pub fn warning(&self, due: Due, before: Period) -> Result<Moment, OutOfRange> {
        let n = before.count;
        if before.unit == Unit::Hours {
            let end = match due {
                Moment::Day(date) => start_of_day(date.tomorrow().map_err(|_| OutOfRange)?),
                Moment::Instant(at) => at,
            };
            return add_hours(end, -i64::from(n)).map(Moment::Instant);
        }
        self.shift(due.date(), before.unit, -i64::from(n))
            .map(Moment::Day)
    }

    /// How late `at` is against `due`: for a day, the working days in (due
    /// day, `at`'s day]; for an instant, the time since it (from the start of
    /// `at` when `at` is a day). Zero or negative when not late. A deadline
    /// passed at a weekend is 0 working days late until the next working day.
    pub fn lateness(&self, due: Due, at: impl Into<Moment>) -> Lateness {
        let at = at.into();
        match due {
            Moment::Day(date) => Lateness::WorkingDays(self.working_days_between(date, at.date())),
            Moment::Instant(due) => Lateness::Elapsed(at.instant().duration_since(due)),
        }
    }
}

fn add_hours(from: Timestamp, hours: i64) -> Result<Timestamp, OutOfRange> {
    let span = Span::new().try_hours(hours).map_err(|_| OutOfRange)?;
    from.checked_add(span).map_err(|_| OutOfRange)
}

fn add_days(from: Date, days: i64) -> Result<Date, OutOfRange> {
    let span = Span::new().try_days(days).map_err(|_| OutOfRange)?;
    from.checked_add(span).map_err(|_| OutOfRange)
}

/// `months` calendar months on from `from` (back when negative): the same day
/// of the month, or the month's last day when it is shorter; with the day of
/// the month that was clamped, if any.
fn add_months(from: Date, months: i64) -> Result<(Date, Option<i8>), OutOfRange> {
    let index = i64::from(from.year()) * 12 + i64::from(from.month() - 1) + months;
    let year = i16::try_from(index.div_euclid(12)).map_err(|_| OutOfRange)?;
    let month = i8::try_from(index.rem_euclid(12) + 1).map_err(|_| OutOfRange)?;
    let last = Date::new(year, month, 1)
        .map_err(|_| OutOfRange)?
        .days_in_month();
    let (day, clamped) = if from.day() > last {
        (last, Some(from.day()))
    } else {
        (from.day(), None)
    };
    let due = Date::new(year, month, day).map_err(|_| OutOfRange)?;
    Ok((due, clamped))
}

/// Changes of the Europe/London clocks in (`from`, `to`].
fn clock_changes(from: Timestamp, to: Timestamp) -> Vec<ClockChange> {
    let mut offset = LONDON.to_offset(from);
    let mut changes = Vec::new();
    for transition in LONDON.following(from) {
        if transition.timestamp() > to {
            break;
        }
        let shift = transition.offset().duration_since(offset);
        offset = transition.offset();
        // Some transitions change only the zone's name, not the clocks.
        if !shift.is_zero() {
            changes.push(ClockChange {
                at: transition.timestamp(),
                shift,
            });
        }
    }
    changes
}

impl fmt::Display for Reckoning {
    /// Plain English for reports: `15 working days after Fri 12 Apr 2019;
    /// skipped Good Friday 19 Apr, Easter Monday 22 Apr, Early May bank holiday
    /// 6 May (England and Wales)`. Weekends go without saying.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} after {}", self.period, self.from)?;
        match &self.working {
            Working::Days => Ok(()),
            Working::WorkingDays { calendar, skipped } => {
                let named = skipped.iter().filter(|s| !s.reason.is_weekend());
                for (i, day) in named.enumerate() {
                    f.write_str(if i == 0 { "; skipped " } else { ", " })?;
                    let same_year = day.date.year() == self.from.date().year();
                    let format = if same_year { "%-d %b" } else { "%-d %b %Y" };
                    write!(f, "{} {}", day.reason, day.date.strftime(format))?;
                }
                write!(f, " ({calendar})")
            }
            Working::Months {
                clamped_from: Some(day),
            } => {
                let due = self.due.date();
                write!(
                    f,
                    "; {} has no {}, so the last day of the month",
                    due.strftime("%B %Y"),
                    ordinal(*day)
                )
            }
            Working::Months { clamped_from: None } => Ok(()),
            Working::Hours { clock_changes } => {
                for (i, change) in clock_changes.iter().enumerate() {
                    let direction = if change.shift.is_negative() {
                        "back"
                    } else {
                        "forward"
                    };
                    let minutes = change.shift.as_mins().abs();
                    let amount = match minutes {
                        60 => "1 hour".to_string(),
                        m if m % 60 == 0 => format!("{} hours", m / 60),
                        m => format!("{m} minutes"),
                    };
                    let day = Moment::Day(local_date(change.at));
                    let lead = if i == 0 { "; the clocks went" } else { "," };
                    write!(f, "{lead} {direction} {amount} on {day}")?;
                }
                Ok(())
            }
        }
    }
}

/// `29th`, `30th`, `31st`.
fn ordinal(day: i8) -> String {
    let suffix = match (day % 10, day % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{day}{suffix}")
}

impl fmt::Display for Lateness {
    /// `3 working days`, `1 working day`, `26 hours`, `2 hours 30 minutes`;
    /// negative amounts with a minus sign.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Lateness::WorkingDays(n) => {
                let unit = Unit::WorkingDays.name(u32::try_from(n.unsigned_abs()).unwrap_or(0));
                write!(f, "{n} {unit}")
            }
            Lateness::Elapsed(elapsed) => {
                let sign = if elapsed.is_negative() { "-" } else { "" };
                let minutes = elapsed.as_mins().unsigned_abs();
                let (hours, minutes) = (minutes / 60, minutes % 60);
                let hour_unit = if hours == 1 { "hour" } else { "hours" };
                write!(f, "{sign}{hours} {hour_unit}")?;
                match minutes {
                    0 => Ok(()),
                    1 => write!(f, " 1 minute"),
                    m => write!(f, " {m} minutes"),
                }
            }
        }
    }
}
