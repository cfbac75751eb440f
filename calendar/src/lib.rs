//! Working-day calendars and statutory timescale arithmetic.
//!
//! This crate is pure: it never reads the clock or the file system. Dates are
//! [`jiff::civil::Date`] (a day in Europe/London) and instants are
//! [`jiff::Timestamp`].

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
pub use timescale::{ClockChange, Deadline, Due, Lateness, Moment, SkippedDay, Working};
