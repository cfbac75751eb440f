//! The reporting window: the as-of date and the days Annex A counts back to.

use crate::AnnexError;
use jiff::ToSpan;
use jiff::civil::Date;

/// The days an Annex A is drawn up for.
///
/// - **Activity** (Lists 3 to 5, and what ended for Lists 6 to 8): the six
///   months before the as-of date, both ends included: from
///   [`Window::from`] (the as-of date less 6 calendar months, clamped to the
///   month's end: 31 August → 28 or 29 February) to [`Window::as_of`].
/// - **Snapshot** (what is open): everything open at the end of the as-of
///   date.
/// - **Last 12 months** (counts in Lists 3, 5 and 8): from the as-of date
///   (or the row's own date, for repeat referrals and enquiries) less 12
///   months, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Window {
    /// The day the lists are drawn up as at (the end of that day).
    pub as_of: Date,
    /// The first day of the activity window: `as_of` less 6 months.
    pub from: Date,
    /// The first day of the last 12 months: `as_of` less 12 months.
    pub year_ago: Date,
}

impl Window {
    /// The window for lists as at the end of `as_of`.
    pub fn new(as_of: Date) -> Result<Window, AnnexError> {
        let back = |months: i64| {
            as_of
                .checked_sub(months.months())
                .map_err(|_| AnnexError::AsOfTooEarly { as_of })
        };
        Ok(Window {
            as_of,
            from: back(6)?,
            year_ago: back(12)?,
        })
    }

    /// `day` less `months` calendar months, clamped to the month's end; the
    /// earliest day there is if that is before it.
    pub(crate) fn months_before(day: Date, months: i64) -> Date {
        day.checked_sub(months.months()).unwrap_or(Date::MIN)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use jiff::civil::date;

    #[test]
    fn six_months_back_clamps_to_the_months_end() {
        let w = Window::new(date(2021, 8, 31)).unwrap();
        assert_eq!(w.from, date(2021, 2, 28));
        assert_eq!(w.year_ago, date(2020, 8, 31));
        let w = Window::new(date(2024, 8, 31)).unwrap();
        assert_eq!(w.from, date(2024, 2, 29));
        let w = Window::new(date(2021, 3, 16)).unwrap();
        assert_eq!((w.from, w.year_ago), (date(2020, 9, 16), date(2020, 3, 16)));
    }

    #[test]
    fn an_as_of_date_with_no_year_before_it_is_refused() {
        assert!(Window::new(Date::MIN).is_err());
    }
}
