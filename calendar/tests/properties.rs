//! Properties of working-day and timescale arithmetic, on random dates, and
//! the precomputed tables against a plain day-by-day count by the rules.

use duly_calendar::{Calendar, Division, Moment, Period, Unit, Working, bank_holidays};
use jiff::civil::{Date, Weekday, date};
use jiff::{SignedDuration, Span, Timestamp};
use proptest::prelude::*;
use std::sync::LazyLock;

/// A council calendar with a Christmas shutdown every year (some of it at
/// weekends, some on bank holidays) and a closure outside the tables' years.
static COUNCIL: LazyLock<Calendar> = LazyLock::new(|| {
    let mut closures: Vec<(Date, String)> = (1990..=2040)
        .flat_map(|y| (24..=31).map(move |d| (date(y, 12, d), "Christmas closure".to_string())))
        .collect();
    closures.push((date(2201, 1, 5), "far-future closure".to_string()));
    closures.push((date(1899, 12, 27), "far-past closure".to_string()));
    Calendar::new(
        "example_council",
        "Example Council",
        Division::Scotland,
        closures,
    )
});

fn calendars() -> impl Strategy<Value = Calendar> {
    prop_oneof![
        Just(Calendar::builtin(Division::EnglandAndWales)),
        Just(Calendar::builtin(Division::Scotland)),
        Just(Calendar::builtin(Division::NorthernIreland)),
        Just(COUNCIL.clone()),
    ]
}

fn shift(d: Date, days: i64) -> Date {
    d.checked_add(Span::new().days(days)).expect("in range")
}

/// Mostly 1990–2040; sometimes either edge of the tables (1900, 2200).
fn dates() -> impl Strategy<Value = Date> {
    prop_oneof![
        8 => (0i64..18_628).prop_map(|k| shift(date(1990, 1, 1), k)),
        1 => (-400i64..400).prop_map(|k| shift(date(1900, 1, 1), k)),
        1 => (-400i64..400).prop_map(|k| shift(date(2200, 12, 31), k)),
    ]
}

fn day_units() -> impl Strategy<Value = Unit> {
    prop_oneof![
        Just(Unit::WorkingDays),
        Just(Unit::CalendarDays),
        Just(Unit::Weeks),
        Just(Unit::Months),
        Just(Unit::Years),
    ]
}

/// The definition, day by day: not a Saturday, a Sunday, a bank holiday of
/// the division or a closure.
fn by_definition(calendar: &Calendar, d: Date) -> bool {
    !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
        && !bank_holidays(calendar.division(), d.year())
            .iter()
            .any(|h| h.date == d)
        && !calendar.closures().any(|(c, _)| c == d)
}

fn nth_by_definition(calendar: &Calendar, from: Date, n: u32, step: i64) -> Date {
    let (mut d, mut left) = (from, n);
    while left > 0 {
        d = shift(d, step);
        if by_definition(calendar, d) {
            left -= 1;
        }
    }
    d
}

fn count_by_definition(calendar: &Calendar, from: Date, to: Date) -> i64 {
    let (lo, hi, sign) = if from <= to {
        (from, to, 1)
    } else {
        (to, from, -1)
    };
    let mut d = lo;
    let mut count = 0;
    while d < hi {
        d = shift(d, 1);
        count += i64::from(by_definition(calendar, d));
    }
    sign * count
}

#[allow(clippy::panic)] // a test helper: a wrong kind of deadline fails the test
fn day(moment: Moment) -> Date {
    match moment {
        Moment::Day(d) => d,
        Moment::Instant(at) => panic!("expected a day, got {at}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn tables_agree_with_the_definition(cal in calendars(), d in dates(), n in 0u32..70, k in -120i64..120) {
        prop_assert_eq!(cal.is_working_day(d), by_definition(&cal, d));
        prop_assert_eq!(cal.non_working(d).is_none(), by_definition(&cal, d));
        prop_assert_eq!(cal.add_working_days(d, n), Ok(nth_by_definition(&cal, d, n, 1)));
        prop_assert_eq!(cal.sub_working_days(d, n), Ok(nth_by_definition(&cal, d, n, -1)));
        let to = shift(d, k);
        prop_assert_eq!(cal.working_days_between(d, to), count_by_definition(&cal, d, to));
    }

    #[test]
    fn a_working_day_deadline_is_a_working_day(cal in calendars(), d in dates(), n in 1u32..400) {
        let due = day(cal.due(d, Period::new(n, Unit::WorkingDays)).unwrap());
        prop_assert!(cal.is_working_day(due));
        prop_assert!(due > d);
    }

    #[test]
    fn n_then_m_working_days_is_n_plus_m(cal in calendars(), d in dates(), n in 0u32..300, m in 0u32..300) {
        let then = cal.add_working_days(cal.add_working_days(d, n).unwrap(), m).unwrap();
        prop_assert_eq!(then, cal.add_working_days(d, n + m).unwrap());
    }

    #[test]
    fn counting_undoes_adding(cal in calendars(), d in dates(), n in 0u32..1000) {
        let due = cal.add_working_days(d, n).unwrap();
        prop_assert_eq!(cal.working_days_between(d, due), i64::from(n));
        prop_assert_eq!(cal.working_days_between(due, d), -i64::from(n));
    }

    #[test]
    fn sub_undoes_add_on_working_days(cal in calendars(), d in dates(), n in 0u32..1000) {
        prop_assume!(cal.is_working_day(d));
        let due = cal.add_working_days(d, n).unwrap();
        prop_assert_eq!(cal.sub_working_days(due, n).unwrap(), d);
    }

    #[test]
    fn due_days_never_go_backwards(
        cal in calendars(), d in dates(), later in 0i64..60, unit in day_units(), n in 0u32..40,
    ) {
        let period = Period::new(n, unit);
        let first = day(cal.due(d, period).unwrap());
        let second = day(cal.due(shift(d, later), period).unwrap());
        prop_assert!(first <= second, "{period} after {d}: {first}, but {later} days later: {second}");
        prop_assert!(first >= d);
    }

    #[test]
    fn months_come_from_the_anchor_and_clamp_to_the_month_end(d in dates(), n in 0u32..400) {
        let cal = Calendar::builtin(Division::EnglandAndWales);
        let due = day(cal.due(d, Period::new(n, Unit::Months)).unwrap());
        let months = i32::from(due.year()) * 12 + i32::from(due.month())
            - (i32::from(d.year()) * 12 + i32::from(d.month()));
        prop_assert_eq!(months, i32::try_from(n).unwrap());
        if due.day() != d.day() {
            prop_assert!(d.day() > due.day());
            prop_assert_eq!(due, due.last_of_month());
        }
        let years = day(cal.due(d, Period::new(n, Unit::Years)).unwrap());
        prop_assert_eq!(years, day(cal.due(d, Period::new(12 * n, Unit::Months)).unwrap()));
    }

    #[test]
    fn warnings_come_no_later_than_the_anchor_they_mirror(
        cal in calendars(), d in dates(), unit in day_units(), n in 0u32..40,
    ) {
        let period = Period::new(n, unit);
        let due = cal.due(d, period).unwrap();
        let warn = day(cal.warning(due, period).unwrap());
        prop_assert!(warn <= d, "{period} back from {due} is {warn}, after {d}");
        prop_assert!(warn <= day(due));
    }

    #[test]
    fn hours_are_elapsed_time(secs in 0i64..2_000_000_000, n in 0u32..20_000, later in 0i64..1_000_000) {
        let cal = Calendar::builtin(Division::EnglandAndWales);
        let anchor = Timestamp::from_second(secs).unwrap();
        let due = cal.due(anchor, Period::new(n, Unit::Hours)).unwrap().instant();
        prop_assert_eq!(due.duration_since(anchor), SignedDuration::from_hours(i64::from(n)));
        let second = Timestamp::from_second(secs + later).unwrap();
        prop_assert!(cal.due(second, Period::new(n, Unit::Hours)).unwrap().instant() >= due);
        let deadline = cal.reckon(anchor, Period::new(n, Unit::Hours)).unwrap();
        prop_assert_eq!(deadline.due.instant(), due);
    }

    #[test]
    fn the_explained_deadline_is_the_deadline(cal in calendars(), d in dates(), unit in day_units(), n in 0u32..60) {
        let period = Period::new(n, unit);
        let deadline = cal.reckon(d, period).unwrap();
        prop_assert_eq!(deadline.due, cal.due(d, period).unwrap());
        prop_assert_eq!(cal.lateness(deadline.due, deadline.due), cal.lateness(Moment::Day(d), d));
        if let Working::WorkingDays { skipped, .. } = &deadline.working {
            // Every day between the anchor and the due day is counted or skipped.
            let days = day(deadline.due).since(d).unwrap().get_days();
            prop_assert_eq!(skipped.len() as i64 + i64::from(n), i64::from(days));
            prop_assert!(skipped.iter().all(|s| !cal.is_working_day(s.date) && s.date > d));
        }
    }
}
