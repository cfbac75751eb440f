//! Europe/London, where English children's social care counts its days.

use jiff::Timestamp;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use std::sync::LazyLock;

/// The Europe/London time zone.
pub static LONDON: LazyLock<TimeZone> = LazyLock::new(|| {
    // The tz database is bundled into the binary (jiff's `tzdb-bundle-always`),
    // so this lookup does not fail; UTC is a last resort all the same.
    TimeZone::get("Europe/London").unwrap_or(TimeZone::UTC)
});

// Both functions below ask the time zone directly rather than through a
// `ZonedDateTime`, which takes a clone of the zone: a count shared by every
// core, changed twice a call, millions of times a run.

/// Midnight at the start of `date` in Europe/London.
pub fn start_of_day(date: Date) -> Timestamp {
    LONDON
        .to_ambiguous_timestamp(date.to_datetime(Time::midnight()))
        .compatible()
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The day `instant` falls on in Europe/London.
pub fn local_date(instant: Timestamp) -> Date {
    LONDON.to_offset(instant).to_datetime(instant).date()
}
