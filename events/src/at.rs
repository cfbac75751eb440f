//! When an event happened: a local date, or an exact instant.

use duly_calendar::{local_date, start_of_day};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::{Offset, TimeZone};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;

/// When something happened, as a case system recorded it.
///
/// A date counts as that day in Europe/London. An instant keeps the offset it
/// was written with, so that it is written back the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum At {
    /// A day, with no time (`2019-04-12`).
    Date(Date),
    /// An exact moment (`2019-10-25T12:00:00+01:00`).
    Instant {
        /// The moment itself.
        timestamp: Timestamp,
        /// The offset it was written with.
        offset: Offset,
    },
}

impl At {
    /// Parses `YYYY-MM-DD` or an RFC 3339 date-time with an offset.
    pub fn parse(text: &str) -> Option<At> {
        if text.len() == 10 {
            return text.parse::<Date>().ok().map(At::Date);
        }
        let pieces = jiff::fmt::temporal::Pieces::parse(text).ok()?;
        let offset = match pieces.offset()? {
            jiff::fmt::temporal::PiecesOffset::Zulu => Offset::UTC,
            jiff::fmt::temporal::PiecesOffset::Numeric(n) => n.offset(),
            _ => return None,
        };
        // A bracketed time zone annotation is not part of RFC 3339.
        if pieces.time_zone_annotation().is_some() {
            return None;
        }
        let time = pieces.time()?;
        let timestamp = pieces
            .date()
            .to_datetime(time)
            .to_zoned_datetime(TimeZone::fixed(offset))
            .ok()?;
        Some(At::Instant {
            timestamp: timestamp.timestamp(),
            offset,
        })
    }

    /// The day this happened, in Europe/London.
    pub fn local_date(&self) -> Date {
        match self {
            At::Date(date) => *date,
            At::Instant { timestamp, .. } => local_date(*timestamp),
        }
    }

    /// The exact instant, if one was given.
    pub fn instant(&self) -> Option<Timestamp> {
        match self {
            At::Date(_) => None,
            At::Instant { timestamp, .. } => Some(*timestamp),
        }
    }

    /// The instant this counts from when only exact time makes sense: the
    /// instant itself, or the start of the day in Europe/London for a date.
    pub fn start_instant(&self) -> Timestamp {
        match self {
            At::Instant { timestamp, .. } => *timestamp,
            At::Date(date) => start_of_day(*date),
        }
    }

    /// The key events are ordered by: the local day, then the instant (a
    /// date alone counts as the start of its day). Ties keep file order.
    pub fn order_key(&self) -> (Date, Timestamp) {
        (self.local_date(), self.start_instant())
    }

    /// Whether the event was recorded with a time of day.
    pub fn has_time(&self) -> bool {
        matches!(self, At::Instant { .. })
    }
}

impl PartialOrd for At {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for At {
    fn cmp(&self, other: &Self) -> Ordering {
        self.order_key().cmp(&other.order_key())
    }
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::Date(date) => write!(f, "{date}"),
            At::Instant { timestamp, offset } => {
                let dt = offset.to_datetime(*timestamp);
                let printer = jiff::fmt::temporal::DateTimePrinter::new();
                let mut text = String::new();
                printer
                    .print_datetime(&dt, &mut text)
                    .map_err(|_| fmt::Error)?;
                // RFC 3339 wants seconds; jiff omits a zero fraction already.
                write!(f, "{text}")?;
                if *offset == Offset::UTC {
                    write!(f, "Z")
                } else {
                    let secs = offset.seconds();
                    let sign = if secs < 0 { '-' } else { '+' };
                    let secs = secs.abs();
                    write!(f, "{sign}{:02}:{:02}", secs / 3600, (secs % 3600) / 60)
                }
            }
        }
    }
}

impl Serialize for At {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for At {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
        At::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(
                "expected a date `YYYY-MM-DD` or an RFC 3339 date-time with offset",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dates_and_instants() {
        assert_eq!(
            At::parse("2019-04-12").map(|a| a.to_string()).as_deref(),
            Some("2019-04-12")
        );
        let at = At::parse("2019-10-25T12:00:00+01:00").unwrap();
        assert_eq!(at.to_string(), "2019-10-25T12:00:00+01:00");
        assert_eq!(at.instant().unwrap().to_string(), "2019-10-25T11:00:00Z");
        let z = At::parse("2019-10-25T23:30:00Z").unwrap();
        assert_eq!(z.to_string(), "2019-10-25T23:30:00Z");
        // 23:30 UTC is 00:30 BST the next day in London.
        assert_eq!(z.local_date().to_string(), "2019-10-26");
    }

    #[test]
    fn rejects_what_is_not_a_date() {
        for bad in [
            "2019-13-01",
            "2019-02-30",
            "12/04/2019",
            "2019-04-12T10:00:00",
            "",
            "x",
        ] {
            assert_eq!(At::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_date_orders_before_a_time_on_the_same_day() {
        let date = At::parse("2019-04-12").unwrap();
        let time = At::parse("2019-04-12T09:00:00+01:00").unwrap();
        let next = At::parse("2019-04-13").unwrap();
        assert!(date < time && time < next);
    }
}
