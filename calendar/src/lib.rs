//! Working-day calendars and statutory timescale arithmetic.
//!
//! This crate is pure: it never reads the clock or the file system. Dates are
//! [`jiff::civil::Date`] (a day in Europe/London) and instants are
//! [`jiff::Timestamp`].
//!
//! - [`bank_holidays`]: the UK bank holidays of a [`Division`] in any year, by
//!   rule, with gov.uk's titles and the one-off changes by proclamation.
//! - [`Calendar`]: a division plus a council's closure days
//!   ([`parse_closures`] reads them from CSV text); working days by look-up.
//! - [`Calendar::due`], [`Calendar::reckon`], [`Calendar::warning`],
//!   [`Calendar::lateness`]: timescale arithmetic, and its working in plain
//!   English.
//!
//! ```
//! use duly_calendar::{Calendar, Division, Moment, Period, Unit};
//! use jiff::civil::date;
//!
//! let calendar = Calendar::builtin(Division::EnglandAndWales);
//! let deadline = calendar.reckon(date(2019, 4, 12), Period::new(15, Unit::WorkingDays))?;
//! assert_eq!(deadline.due, Moment::Day(date(2019, 5, 8)));
//! assert_eq!(
//!     deadline.to_string(),
//!     "15 working days after Fri 12 Apr 2019; skipped Good Friday 19 Apr, \
//!      Easter Monday 22 Apr, Early May bank holiday 6 May (England and Wales)",
//! );
//! # Ok::<(), duly_calendar::OutOfRange>(())
//! ```

mod calendar;
mod closures;
mod holidays;
mod london;
mod period;
mod timescale;

pub use calendar::{Calendar, NonWorkingDay, OutOfRange};
pub use closures::{ClosureError, parse_closures};
pub use holidays::{BankHoliday, bank_holidays, easter_sunday};
pub use london::{LONDON, local_date, start_of_day};
pub use period::{Division, Period, Unit};
pub use timescale::{ClockChange, Due, Lateness, Moment, Reckoning, SkippedDay, Working};
