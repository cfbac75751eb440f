//! Europe/London, where English children's social care counts its days.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ZonedDateTime};
use std::sync::LazyLock;

/// The Europe/London time zone.
pub static LONDON: LazyLock<TimeZone> = LazyLock::new(|| {
    // The tz database is bundled into the binary (jiff's `tzdb-bundle-always`),
    // so this lookup does not fail; UTC is a last resort all the same.
    TimeZone::get("Europe/London").unwrap_or(TimeZone::UTC)
});

/// Midnight at the start of `date` in Europe/London.
pub fn start_of_day(date: Date) -> Timestamp {
    date.to_datetime(Time::midnight())
        .to_zoned_datetime(LONDON.clone())
        .map(|z: ZonedDateTime| z.timestamp())
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The day `instant` falls on in Europe/London.
pub fn local_date(instant: Timestamp) -> Date {
    instant.to_zoned_datetime(LONDON.clone()).date()
}
