//! Timescales in the law's own units.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A unit in which a statutory timescale is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Days that are not a Saturday, a Sunday or a holiday of the calendar.
    WorkingDays,
    /// Every day counts.
    CalendarDays,
    /// Seven calendar days.
    Weeks,
    /// Calendar months, by the corresponding-date rule (clamped to the month's end).
    Months,
    /// Twelve calendar months.
    Years,
    /// Elapsed hours, across clock changes.
    Hours,
}

impl Unit {
    /// The unit's name as written in the language, for `count` of it
    /// (`1 working day`, `2 working days`).
    pub fn name(self, count: u32) -> &'static str {
        let one = count == 1;
        match self {
            Unit::WorkingDays if one => "working day",
            Unit::WorkingDays => "working days",
            Unit::CalendarDays if one => "calendar day",
            Unit::CalendarDays => "calendar days",
            Unit::Weeks if one => "week",
            Unit::Weeks => "weeks",
            Unit::Months if one => "month",
            Unit::Months => "months",
            Unit::Years if one => "year",
            Unit::Years => "years",
            Unit::Hours if one => "hour",
            Unit::Hours => "hours",
        }
    }

    /// Whether deadlines in this unit fall on a day (all units but hours).
    pub fn is_day_based(self) -> bool {
        !matches!(self, Unit::Hours)
    }
}

/// A count of a [`Unit`], such as `15 working days` or `72 hours`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Period {
    /// How many units; at least 1 in a checked workflow.
    pub count: u32,
    /// The unit counted.
    pub unit: Unit,
}

impl Period {
    /// A period of `count` `unit`s.
    pub fn new(count: u32, unit: Unit) -> Self {
        Period { count, unit }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.count, self.unit.name(self.count))
    }
}

/// The UK bank-holiday divisions a calendar can be based on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Division {
    /// England and Wales (`england_and_wales`).
    EnglandAndWales,
    /// Scotland (`scotland`).
    Scotland,
    /// Northern Ireland (`northern_ireland`).
    NorthernIreland,
}

impl Division {
    /// Every division, in a fixed order.
    pub const ALL: [Division; 3] = [
        Division::EnglandAndWales,
        Division::Scotland,
        Division::NorthernIreland,
    ];

    /// The id a workflow names it by (`england_and_wales`).
    pub fn id(self) -> &'static str {
        match self {
            Division::EnglandAndWales => "england_and_wales",
            Division::Scotland => "scotland",
            Division::NorthernIreland => "northern_ireland",
        }
    }

    /// The division with this id, if there is one.
    pub fn from_id(id: &str) -> Option<Division> {
        Division::ALL.into_iter().find(|d| d.id() == id)
    }

    /// Its name for people (`England and Wales`).
    pub fn title(self) -> &'static str {
        match self {
            Division::EnglandAndWales => "England and Wales",
            Division::Scotland => "Scotland",
            Division::NorthernIreland => "Northern Ireland",
        }
    }
}
