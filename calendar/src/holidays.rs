//! UK bank holidays by rule, for any year, with the one-off changes made by
//! proclamation.
//!
//! The rules are those of the Banking and Financial Dealings Act 1971 (and
//! the St Andrew's Day Bank Holiday (Scotland) Act 2007) as they stand today,
//! with the substitute days the annual proclamations give. They are applied
//! to every year: dates before 1978 (the first early May bank holiday) follow
//! today's rules, not the law of the time. Titles are gov.uk's, with its
//! typographic apostrophe (’).

use crate::Division;
use jiff::civil::{Date, Weekday};

/// A bank holiday: its date and its gov.uk title.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BankHoliday {
    /// The day off.
    pub date: Date,
    /// Its title as gov.uk writes it (`Easter Monday`, `Boxing Day (substitute day)`).
    pub title: &'static str,
}

/// A holiday on a fixed day of the year, moved to the next free weekday when
/// it falls at a weekend.
struct Fixed {
    month: i8,
    day: i8,
    title: &'static str,
    substitute: &'static str,
}

const NEW_YEAR: Fixed = Fixed {
    month: 1,
    day: 1,
    title: "New Year’s Day",
    substitute: "New Year’s Day (substitute day)",
};
const SECOND_JANUARY: Fixed = Fixed {
    month: 1,
    day: 2,
    title: "2nd January",
    substitute: "2nd January (substitute day)",
};
const ST_PATRICK: Fixed = Fixed {
    month: 3,
    day: 17,
    title: "St Patrick’s Day",
    substitute: "St Patrick’s Day (substitute day)",
};
const BOYNE: Fixed = Fixed {
    month: 7,
    day: 12,
    title: "Battle of the Boyne (Orangemen’s Day)",
    substitute: "Battle of the Boyne (Orangemen’s Day) (substitute day)",
};
const ST_ANDREW: Fixed = Fixed {
    month: 11,
    day: 30,
    title: "St Andrew’s Day",
    substitute: "St Andrew’s Day (substitute day)",
};
const CHRISTMAS: Fixed = Fixed {
    month: 12,
    day: 25,
    title: "Christmas Day",
    substitute: "Christmas Day (substitute day)",
};
const BOXING_DAY: Fixed = Fixed {
    month: 12,
    day: 26,
    title: "Boxing Day",
    substitute: "Boxing Day (substitute day)",
};

/// A one-off change by proclamation: `removes` (if it is a holiday that year)
/// stops being one, and `date` becomes one with `title`. A change of label
/// only removes and adds the same date.
struct OneOff {
    /// `None` for every division.
    division: Option<Division>,
    removes: Option<(i16, i8, i8)>,
    date: (i16, i8, i8),
    title: &'static str,
}

const fn all(removes: Option<(i16, i8, i8)>, date: (i16, i8, i8), title: &'static str) -> OneOff {
    OneOff {
        division: None,
        removes,
        date,
        title,
    }
}

/// One-off changes, oldest first. From 2016 they are checked against gov.uk's
/// published data (see the tests). The earlier dates are from the
/// proclamations; the 2012 titles are gov.uk's, the older ones descriptive.
const ONE_OFFS: &[OneOff] = &[
    all(
        Some((1995, 5, 1)),
        (1995, 5, 8),
        "Early May bank holiday (VE day)",
    ),
    all(None, (1999, 12, 31), "Millennium celebrations"),
    all(Some((2002, 5, 27)), (2002, 6, 3), "Spring bank holiday"),
    all(None, (2002, 6, 4), "Queen’s Golden Jubilee"),
    all(None, (2011, 4, 29), "Royal wedding"),
    all(
        Some((2012, 5, 28)),
        (2012, 6, 4),
        "Spring bank holiday (substitute day)",
    ),
    all(None, (2012, 6, 5), "Queen’s Diamond Jubilee"),
    all(
        Some((2020, 5, 4)),
        (2020, 5, 8),
        "Early May bank holiday (VE day)",
    ),
    all(Some((2022, 5, 30)), (2022, 6, 2), "Spring bank holiday"),
    all(None, (2022, 6, 3), "Platinum Jubilee bank holiday"),
    all(
        None,
        (2022, 9, 19),
        "Bank Holiday for the State Funeral of Queen Elizabeth II",
    ),
    all(
        None,
        (2023, 5, 8),
        "Bank holiday for the coronation of King Charles III",
    ),
    // Label only: with 1 January on a Sunday, gov.uk names Monday 2 January
    // "2nd January" and Tuesday 3 January the New Year substitute (2012,
    // 2017), except in 2023, where it named them the other way round.
    OneOff {
        division: Some(Division::Scotland),
        removes: Some((2023, 1, 2)),
        date: (2023, 1, 2),
        title: "New Year’s Day (substitute day)",
    },
    OneOff {
        division: Some(Division::Scotland),
        removes: Some((2023, 1, 3)),
        date: (2023, 1, 3),
        title: "2nd January (substitute day)",
    },
    OneOff {
        division: Some(Division::Scotland),
        removes: None,
        date: (2026, 6, 15),
        title: "World Cup bank holiday",
    },
];

/// Easter Sunday of `year` in the Gregorian calendar (the anonymous
/// Gregorian computus), or `None` outside the years a date can hold.
pub fn easter_sunday(year: i16) -> Option<Date> {
    let y = i32::from(year);
    let a = y.rem_euclid(19);
    let (b, c) = (y.div_euclid(100), y.rem_euclid(100));
    let (d, e) = (b.div_euclid(4), b.rem_euclid(4));
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let (i, k) = (c / 4, c % 4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    Date::new(year, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok()
}

/// The bank holidays of `division` in `year`, in date order. Empty outside
/// the years a date can hold.
pub fn bank_holidays(division: Division, year: i16) -> Vec<BankHoliday> {
    let mut days = by_rule(division, year).unwrap_or_default();
    for change in ONE_OFFS {
        if change.date.0 != year || change.division.is_some_and(|d| d != division) {
            continue;
        }
        if let Some(removed) = change.removes.and_then(ymd) {
            days.retain(|h| h.date != removed);
        }
        if let Some(date) = ymd(change.date) {
            days.push(BankHoliday {
                date,
                title: change.title,
            });
        }
    }
    days.sort();
    days
}

fn ymd((y, m, d): (i16, i8, i8)) -> Option<Date> {
    Date::new(y, m, d).ok()
}

fn by_rule(division: Division, year: i16) -> Option<Vec<BankHoliday>> {
    let easter = easter_sunday(year)?;
    let monday = |month: i8, nth: i8| -> Option<Date> {
        Date::new(year, month, 1)
            .ok()?
            .nth_weekday_of_month(nth, Weekday::Monday)
            .ok()
    };
    let day =
        |date: Option<Date>, title: &'static str| date.map(|date| BankHoliday { date, title });
    let mut days = vec![
        day(
            easter.checked_sub(jiff::Span::new().days(2)).ok(),
            "Good Friday",
        )?,
        day(monday(5, 1), "Early May bank holiday")?,
        day(monday(5, -1), "Spring bank holiday")?,
    ];
    match division {
        Division::EnglandAndWales | Division::NorthernIreland => {
            days.push(day(easter.tomorrow().ok(), "Easter Monday")?);
            days.push(day(monday(8, -1), "Summer bank holiday")?);
        }
        Division::Scotland => days.push(day(monday(8, 1), "Summer bank holiday")?),
    }
    let fixed: &[&Fixed] = match division {
        Division::EnglandAndWales => &[&NEW_YEAR, &CHRISTMAS, &BOXING_DAY],
        Division::Scotland => &[
            &NEW_YEAR,
            &SECOND_JANUARY,
            &ST_ANDREW,
            &CHRISTMAS,
            &BOXING_DAY,
        ],
        Division::NorthernIreland => &[&NEW_YEAR, &ST_PATRICK, &BOYNE, &CHRISTMAS, &BOXING_DAY],
    };
    place_fixed(year, fixed, &mut days)?;
    Some(days)
}

fn is_weekend(date: Date) -> bool {
    matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// Places fixed-day holidays: those on a weekday keep their day; then each
/// one at a weekend moves to the first later weekday that is not already a
/// holiday (25 December on a Sunday: Boxing Day keeps Monday 26, Christmas
/// moves to Tuesday 27).
fn place_fixed(year: i16, fixed: &[&Fixed], days: &mut Vec<BankHoliday>) -> Option<()> {
    let mut weekend = Vec::new();
    for f in fixed {
        let date = Date::new(year, f.month, f.day).ok()?;
        if is_weekend(date) {
            weekend.push((date, f));
        } else {
            days.push(BankHoliday {
                date,
                title: f.title,
            });
        }
    }
    for (mut date, f) in weekend {
        while is_weekend(date) || days.iter().any(|h| h.date == date) {
            date = date.tomorrow().ok()?;
        }
        days.push(BankHoliday {
            date,
            title: f.substitute,
        });
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn easter_matches_known_dates() {
        for (y, m, d) in [
            (1818, 3, 22),
            (1943, 4, 25),
            (1961, 4, 2),
            (2000, 4, 23),
            (2019, 4, 21),
            (2024, 3, 31),
            (2025, 4, 20),
            (2038, 4, 25),
            (2285, 3, 22),
        ] {
            assert_eq!(easter_sunday(y), Some(date(y, m, d)), "{y}");
        }
    }

    #[test]
    fn easter_is_a_sunday_between_22_march_and_25_april() {
        for y in 1583..=4099 {
            let e = easter_sunday(y).unwrap();
            assert_eq!(e.weekday(), Weekday::Sunday, "{y}");
            assert!(date(y, 3, 22) <= e && e <= date(y, 4, 25), "{y}");
        }
    }

    #[test]
    fn every_year_has_its_holidays_on_distinct_weekdays() {
        for division in Division::ALL {
            for y in 1900..=2200 {
                let days = bank_holidays(division, y);
                let expected = match division {
                    Division::EnglandAndWales => 8,
                    Division::Scotland => 9,
                    Division::NorthernIreland => 10,
                };
                // One-off years add or move days; the rest have exactly the rule's count.
                if !ONE_OFFS.iter().any(|o| o.date.0 == y) {
                    assert_eq!(days.len(), expected, "{division:?} {y}");
                }
                for (i, h) in days.iter().enumerate() {
                    assert!(!is_weekend(h.date), "{division:?} {h:?}");
                    assert_eq!(h.date.year(), y);
                    assert!(days[i + 1..].iter().all(|o| o.date != h.date), "{h:?}");
                }
            }
        }
    }

    #[test]
    fn years_a_date_cannot_hold_have_no_holidays() {
        assert!(bank_holidays(Division::Scotland, 10_000).is_empty());
        assert!(!bank_holidays(Division::Scotland, 9999).is_empty());
        assert!(!bank_holidays(Division::NorthernIreland, -9999).is_empty());
    }
}
