//! Days as plain numbers, so that a simulation adds days without date maths.

use jiff::civil::Date;
use jiff::{SignedDuration, Span};

const EPOCH: Date = Date::constant(1970, 1, 1);

/// A day, counted from 1 January 1970 (day 0). Adding days is adding numbers;
/// [`Day::date`] turns it back into a date for the event format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Day(pub i32);

impl Day {
    /// The day of `date`.
    pub fn of(date: Date) -> Day {
        let hours = date.duration_since(EPOCH).as_hours();
        Day(i32::try_from(hours / 24).unwrap_or(i32::MAX))
    }

    /// The date of this day.
    pub fn date(self) -> Date {
        EPOCH
            .checked_add(SignedDuration::from_hours(i64::from(self.0) * 24))
            .unwrap_or(EPOCH)
    }

    /// `days` days later (earlier if negative).
    pub fn plus(self, days: i32) -> Day {
        Day(self.0.saturating_add(days))
    }

    /// Calendar days from `earlier` to this day.
    pub fn since(self, earlier: Day) -> i32 {
        self.0 - earlier.0
    }

    /// The same day `years` years on (29 February becomes 28 February).
    pub fn years_on(self, years: i32) -> Day {
        self.date()
            .checked_add(Span::new().years(years))
            .map(Day::of)
            .unwrap_or(Day(i32::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_dates() {
        for text in [
            "1970-01-01",
            "2000-02-29",
            "2024-03-31",
            "2026-12-31",
            "1969-12-31",
        ] {
            let date: Date = text.parse().unwrap();
            assert_eq!(Day::of(date).date(), date, "{text}");
        }
        assert_eq!(Day::of(Date::constant(1970, 1, 2)), Day(1));
        assert_eq!(
            Day::of(Date::constant(2008, 2, 29)).years_on(18).date(),
            Date::constant(2026, 2, 28)
        );
    }
}
