//! Unit tests on small rule sets built by hand, with a stand-in for the
//! calendar's arithmetic (weekends and a short list of holidays).

mod plugins;
mod properties;
mod replay;
pub(crate) mod rules;
mod scenario;

use crate::{Due, Reckoner, Reckoning};
use duly_calendar::{Period, Unit};
use duly_events::At;
use jiff::civil::Date;
use jiff::{SignedDuration, ToSpan};

/// A stand-in for `duly-calendar`: weekends and a fixed list of named
/// holidays; months clamp (jiff); hours are elapsed time.
pub(crate) struct TestCalendar {
    pub holidays: Vec<(Date, &'static str)>,
}

impl TestCalendar {
    pub fn england() -> TestCalendar {
        let d = |s: &str| s.parse::<Date>().unwrap();
        TestCalendar {
            holidays: vec![
                (d("2019-04-19"), "Good Friday"),
                (d("2019-04-22"), "Easter Monday"),
                (d("2019-05-06"), "Early May bank holiday"),
                (d("2019-05-27"), "Spring bank holiday"),
                (d("2019-08-26"), "Summer bank holiday"),
                (d("2019-12-25"), "Christmas Day"),
                (d("2019-12-26"), "Boxing Day"),
                (d("2020-01-01"), "New Year's Day"),
            ],
        }
    }

    fn holiday(&self, day: Date) -> Option<&'static str> {
        self.holidays
            .iter()
            .find(|(d, _)| *d == day)
            .map(|(_, n)| *n)
    }

    fn working(&self, day: Date) -> bool {
        use jiff::civil::Weekday::*;
        !matches!(day.weekday(), Saturday | Sunday) && self.holiday(day).is_none()
    }
}

impl Reckoner for TestCalendar {
    fn due(&self, _calendar: usize, anchor: &At, period: Period) -> Option<Reckoning> {
        let n = i64::from(period.count);
        let start = anchor.local_date();
        let mut working = Vec::new();
        let due = match period.unit {
            Unit::WorkingDays => {
                let mut day = start;
                let mut left = n;
                let mut skipped = Vec::new();
                while left > 0 {
                    day = day.tomorrow().ok()?;
                    if self.working(day) {
                        left -= 1;
                    } else if let Some(name) = self.holiday(day) {
                        skipped.push(format!("{name} {}", day.strftime("%-d %b")));
                    }
                }
                if !skipped.is_empty() {
                    working.push(format!(
                        "skipped {} (England and Wales)",
                        skipped.join(", ")
                    ));
                }
                Due::Day(day)
            }
            Unit::CalendarDays => Due::Day(start.checked_add(n.days()).ok()?),
            Unit::Weeks => Due::Day(start.checked_add((7 * n).days()).ok()?),
            Unit::Months => Due::Day(start.checked_add(n.months()).ok()?),
            Unit::Years => Due::Day(start.checked_add(n.years()).ok()?),
            Unit::Hours => Due::Instant(
                anchor
                    .start_instant()
                    .checked_add(SignedDuration::from_hours(n))
                    .ok()?,
            ),
        };
        Some(Reckoning { due, working })
    }

    fn warn_from(&self, _calendar: usize, due: Due, warn: Period) -> Option<Due> {
        let n = i64::from(warn.count);
        Some(match (due, warn.unit) {
            (Due::Day(day), Unit::WorkingDays) => {
                let mut day = day;
                let mut left = n;
                while left > 0 {
                    day = day.yesterday().ok()?;
                    if self.working(day) {
                        left -= 1;
                    }
                }
                Due::Day(day)
            }
            (Due::Day(day), Unit::CalendarDays) => Due::Day(day.checked_sub(n.days()).ok()?),
            (Due::Day(day), _) => Due::Day(day.checked_sub(n.days()).ok()?),
            (Due::Instant(t), _) => {
                Due::Instant(t.checked_sub(SignedDuration::from_hours(n)).ok()?)
            }
        })
    }

    fn late_by(&self, _calendar: usize, due: Due, done: &At) -> i64 {
        match due {
            Due::Day(day) => {
                let done = done.local_date();
                let mut n = 0;
                let mut d = day;
                while d < done {
                    d = d.tomorrow().unwrap();
                    if self.working(d) {
                        n += 1;
                    }
                }
                n
            }
            Due::Instant(t) => (done.start_instant().duration_since(t).as_secs() / 3600).max(0),
        }
    }

    fn is_working_day(&self, _calendar: usize, day: Date) -> bool {
        self.working(day)
    }
}
