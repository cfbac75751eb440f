//! Safe margins: when work is surely on time, and when surely late, whatever
//! the bank holidays and local closure days.
//!
//! The generator does not count working days (the calendar is not its job,
//! and a label must not depend on it). It only needs two bounds for each
//! timescale, in calendar days after the anchor:
//!
//! - the **earliest** the deadline can fall: *N working days* is at least N
//!   calendar days (the Nth working day after D is never before D + N);
//!   *N weeks* is exactly 7N days; *N months* is at least the shortest span
//!   of N calendar months (89 days for 3 months, 181 for 6, 365 for 12);
//! - the **latest** it can fall: *N working days* is at most
//!   `M + 2 × ⌈M / 5⌉` calendar days with `M = N +` [`HOLIDAY_ALLOWANCE`]
//!   (every 5 working days cost at most 2 weekend days, and each holiday or
//!   closure weekday costs one more working day); *N months* is at most the
//!   longest span of N calendar months (92 days for 3 months, 184 for 6, 366
//!   for 12).
//!
//! Work done on time is done **at least one day before the earliest
//! deadline**, so it is `met` on any calendar (an assessment done within 44
//! calendar days of the referral is always within 45 working days). An
//! injected delay lands **14 to 21 days after the latest deadline**, so it is
//! late on any calendar (an assessment done 95 to 102 days after the
//! referral). Nothing is generated in between: no label depends on which
//! days are holidays.

use jiff::Span;
use jiff::civil::Date;
use std::sync::LazyLock;

/// Weekdays, at most, that are bank holidays or local closure days within
/// one deadline's window (the longest window used is 81 days, for 45 working
/// days). England and Wales have at most 5 bank holidays in any 81 days
/// (Easter to the spring bank holiday, 2023 with the coronation); 12 leaves
/// room for a week of local closure days as well.
pub const HOLIDAY_ALLOWANCE: i32 = 12;

/// How far past the latest possible deadline an injected delay lands, in
/// calendar days: from the first number to the second, inclusive.
pub const LATE_BY: (i32, i32) = (14, 21);

/// The time a rule gives for a piece of work, in the law's units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timescale {
    /// `N working days`.
    WorkingDays(i32),
    /// `N weeks`.
    Weeks(i32),
    /// `N months` (calendar months, clamped to the month's end).
    Months(i32),
}

impl Timescale {
    /// The earliest the deadline can fall, in calendar days after the anchor,
    /// on any calendar.
    pub fn earliest_due(self) -> i32 {
        match self {
            Timescale::WorkingDays(n) => n,
            Timescale::Weeks(n) => 7 * n,
            Timescale::Months(n) => month_spans(n).0,
        }
    }

    /// The latest the deadline can fall, in calendar days after the anchor,
    /// on any calendar with at most [`HOLIDAY_ALLOWANCE`] holiday weekdays
    /// in the window.
    pub fn latest_due(self) -> i32 {
        match self {
            Timescale::WorkingDays(n) => {
                let m = n + HOLIDAY_ALLOWANCE;
                m + 2 * ((m + 4) / 5)
            }
            Timescale::Weeks(n) => 7 * n,
            Timescale::Months(n) => month_spans(n).1,
        }
    }

    /// Work done no later than this many calendar days after the anchor is on
    /// time on any calendar: one day before the earliest deadline.
    pub fn on_time_within(self) -> i32 {
        self.earliest_due() - 1
    }

    /// The window, in calendar days after the anchor, where injected delays
    /// land: [`LATE_BY`] after the latest deadline.
    pub fn late_window(self) -> (i32, i32) {
        let latest = self.latest_due();
        (latest + LATE_BY.0, latest + LATE_BY.1)
    }

    /// The rule in words, as the rules write it (`45 working days`).
    pub fn describe(self) -> String {
        let (n, unit) = match self {
            Timescale::WorkingDays(n) => (n, "working day"),
            Timescale::Weeks(n) => (n, "week"),
            Timescale::Months(n) => (n, "month"),
        };
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    }
}

/// The shortest and longest spans of `n` calendar months, in days, over every
/// start day of a four-year cycle (so leap days and month ends are covered).
fn month_spans(n: i32) -> (i32, i32) {
    static TABLE: LazyLock<Vec<(i32, i32)>> =
        LazyLock::new(|| (0..=24).map(compute_month_spans).collect());
    usize::try_from(n)
        .ok()
        .and_then(|i| TABLE.get(i).copied())
        .unwrap_or_else(|| compute_month_spans(n))
}

fn compute_month_spans(n: i32) -> (i32, i32) {
    let first = Date::constant(2024, 1, 1);
    let mut shortest = i32::MAX;
    let mut longest = i32::MIN;
    for day in first.series(Span::new().days(1)).take(4 * 365 + 1) {
        if let Ok(later) = day.checked_add(Span::new().months(n)) {
            let days = i32::try_from(later.duration_since(day).as_hours() / 24).unwrap_or(i32::MAX);
            shortest = shortest.min(days);
            longest = longest.max(days);
        }
    }
    (shortest, longest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_spans_are_the_known_extremes() {
        assert_eq!(month_spans(1), (28, 31));
        assert_eq!(month_spans(3), (89, 92));
        assert_eq!(month_spans(6), (181, 184));
        assert_eq!(month_spans(12), (365, 366));
    }

    #[test]
    fn working_day_bounds_hold_on_the_worst_real_calendars() {
        // Referral Wed 2023-04-05 (Easter, May Day, coronation): 45 WD falls
        // on 2023-06-14, 70 days later; Christmas 2024 with the example
        // council's closures: 1 WD after Tue 24 December is Thu 2 January.
        let assessment = Timescale::WorkingDays(45);
        assert!(assessment.earliest_due() <= 70 && 70 <= assessment.latest_due());
        let decision = Timescale::WorkingDays(1);
        assert!(decision.latest_due() >= 9);
        assert_eq!(assessment.on_time_within(), 44);
        assert_eq!(assessment.late_window(), (95, 102));
    }

    #[test]
    fn describes_like_the_rules() {
        assert_eq!(Timescale::WorkingDays(1).describe(), "1 working day");
        assert_eq!(Timescale::Months(6).describe(), "6 months");
    }
}
