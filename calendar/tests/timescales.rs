//! The worked examples of the reference (`timescales.md` §0 and §11) and of
//! the language reference, and the plain-English working for each unit.

use duly_calendar::{
    Calendar, Division, Lateness, Moment, NonWorkingDay, OutOfRange, Period, Unit, Working,
};
use insta::assert_snapshot;
use jiff::civil::{Date, date};
use jiff::{SignedDuration, Timestamp};

fn ew() -> Calendar {
    Calendar::builtin(Division::EnglandAndWales)
}

fn at(text: &str) -> Timestamp {
    text.parse().expect("a timestamp")
}

#[allow(clippy::panic)] // a test helper: a wrong kind of deadline fails the test
fn due_day(calendar: &Calendar, anchor: impl Into<Moment>, period: Period) -> Date {
    match calendar.due(anchor, period).expect("in range") {
        Moment::Day(day) => day,
        Moment::Instant(instant) => panic!("expected a day, got {instant}"),
    }
}

fn wd(n: u32) -> Period {
    Period::new(n, Unit::WorkingDays)
}

fn months(n: u32) -> Period {
    Period::new(n, Unit::Months)
}

#[test]
fn section_0_working_day_examples_day_0_convention() {
    // (trigger, working days, due with day 0, due with the trigger as day 1)
    let rows = [
        (
            date(2023, 4, 5),
            45,
            date(2023, 6, 14),
            Some(date(2023, 6, 13)),
        ),
        (
            date(2022, 9, 8),
            15,
            date(2022, 9, 30),
            Some(date(2022, 9, 29)),
        ),
        (
            date(2022, 12, 23),
            20,
            date(2023, 1, 25),
            Some(date(2023, 1, 24)),
        ),
        (date(2022, 12, 23), 1, date(2022, 12, 28), None),
        (
            date(2023, 4, 28),
            10,
            date(2023, 5, 16),
            Some(date(2023, 5, 15)),
        ),
    ];
    for (trigger, n, due, inclusive) in rows {
        assert_eq!(due_day(&ew(), trigger, wd(n)), due, "{trigger} + {n}");
        // The other convention is exactly one working day earlier: we are not using it.
        if let Some(inclusive) = inclusive {
            assert_eq!(ew().add_working_days(trigger, n - 1), Ok(inclusive));
        }
    }
}

#[test]
fn section_0_month_examples() {
    assert_eq!(
        due_day(&ew(), date(2023, 11, 30), months(3)),
        date(2024, 2, 29)
    );
    assert_eq!(
        due_day(&ew(), date(2024, 8, 31), months(3)),
        date(2024, 11, 30)
    );
    assert_eq!(
        due_day(&ew(), date(2023, 8, 31), months(6)),
        date(2024, 2, 29)
    );
}

#[test]
fn section_11_months_clamp_and_never_chain() {
    assert_eq!(
        due_day(&ew(), date(2014, 1, 31), months(1)),
        date(2014, 2, 28)
    );
    assert_eq!(
        due_day(&ew(), date(2020, 1, 31), months(1)),
        date(2020, 2, 29)
    );
    // From the anchor, not from a clamped intermediate month.
    assert_eq!(
        due_day(&ew(), date(2014, 1, 31), months(2)),
        date(2014, 3, 31)
    );
    assert_eq!(
        due_day(&ew(), date(2024, 2, 29), Period::new(1, Unit::Years)),
        date(2025, 2, 28)
    );
    assert_eq!(
        due_day(&ew(), date(2024, 2, 29), Period::new(4, Unit::Years)),
        date(2028, 2, 29)
    );
    assert_eq!(
        due_day(&ew(), date(2023, 12, 31), months(14)),
        date(2025, 2, 28)
    );
}

#[test]
fn section_11_weeks_and_calendar_days_count_every_day() {
    let one_week = Period::new(1, Unit::Weeks);
    assert_eq!(
        due_day(&ew(), date(2022, 12, 21), one_week),
        date(2022, 12, 28)
    );
    let six_weeks = Period::new(6, Unit::Weeks);
    assert_eq!(
        due_day(&ew(), date(2024, 1, 1), six_weeks),
        date(2024, 2, 12)
    );
    let days = Period::new(7, Unit::CalendarDays);
    assert_eq!(due_day(&ew(), date(2022, 12, 23), days), date(2022, 12, 30));
}

#[test]
fn section_11_christmas_day_and_good_friday_are_not_working_days() {
    for division in Division::ALL {
        let calendar = Calendar::builtin(division);
        assert!(!calendar.is_working_day(date(2024, 12, 25)));
        assert!(!calendar.is_working_day(date(2024, 3, 29)));
    }
    // Easter Monday is not a bank holiday in Scotland.
    assert!(Calendar::builtin(Division::Scotland).is_working_day(date(2024, 4, 1)));
    assert!(!ew().is_working_day(date(2024, 4, 1)));
}

#[test]
fn the_anchor_never_counts_even_when_it_is_a_day_off() {
    // Good Friday 2019 + 1: Easter Monday is off too, so Tuesday.
    assert_eq!(due_day(&ew(), date(2019, 4, 19), wd(1)), date(2019, 4, 23));
    // A Saturday + 1: Monday.
    assert_eq!(due_day(&ew(), date(2019, 4, 13), wd(1)), date(2019, 4, 15));
    // A working day + 0: itself; a Sunday + 0: itself.
    assert_eq!(due_day(&ew(), date(2019, 4, 14), wd(0)), date(2019, 4, 14));
}

#[test]
fn hours_are_elapsed_time_across_clock_changes() {
    let hours = Period::new(72, Unit::Hours);
    // 12:00 BST on Fri 25 Oct 2019 + 72 hours = 11:00 GMT on Mon 28 Oct 2019.
    let due = ew().due(at("2019-10-25T11:00:00Z"), hours);
    assert_eq!(due, Ok(Moment::Instant(at("2019-10-28T11:00:00Z"))));
    assert_eq!(due.unwrap().to_string(), "11:00 GMT on Mon 28 Oct 2019");
    // Spring forward: 12:00 GMT on Fri 29 Mar 2019 + 72 hours = 13:00 BST on Mon 1 Apr.
    let due = ew().due(at("2019-03-29T12:00:00Z"), hours).unwrap();
    assert_eq!(due.to_string(), "13:00 BST on Mon 1 Apr 2019");
}

#[test]
fn a_day_anchor_for_hours_counts_from_the_start_of_the_day_in_london() {
    let due = ew()
        .due(date(2019, 10, 25), Period::new(72, Unit::Hours))
        .unwrap();
    // 00:00 BST on Fri 25 Oct (23:00 UTC on the 24th) + 72 hours.
    assert_eq!(due, Moment::Instant(at("2019-10-27T23:00:00Z")));
    assert_eq!(due.to_string(), "23:00 GMT on Sun 27 Oct 2019");
}

#[test]
fn an_instant_anchor_for_days_uses_its_day_in_london() {
    // 00:30 BST on Fri 12 Apr 2019 is still Thu 11 Apr in UTC.
    let anchor = at("2019-04-11T23:30:00Z");
    assert_eq!(due_day(&ew(), anchor, wd(15)), date(2019, 5, 8));
    assert_eq!(due_day(&ew(), anchor, months(1)), date(2019, 5, 12));
}

#[test]
fn warnings_count_back_in_the_same_unit() {
    let warn = |due: Moment, period: Period| ew().warning(due, period).unwrap();
    // Wed 8 May 2019 less 5 working days, over the early May bank holiday.
    assert_eq!(
        warn(Moment::Day(date(2019, 5, 8)), wd(5)),
        Moment::Day(date(2019, 4, 30))
    );
    assert_eq!(
        warn(Moment::Day(date(2024, 3, 31)), months(1)),
        Moment::Day(date(2024, 2, 29))
    );
    assert_eq!(
        warn(Moment::Day(date(2024, 3, 31)), Period::new(2, Unit::Weeks)),
        Moment::Day(date(2024, 3, 17))
    );
    let due = Moment::Instant(at("2019-10-28T11:00:00Z"));
    assert_eq!(
        warn(due, Period::new(24, Unit::Hours)),
        Moment::Instant(at("2019-10-27T11:00:00Z"))
    );
    // Hours before a day deadline count back from the end of the day.
    assert_eq!(
        warn(Moment::Day(date(2019, 5, 8)), Period::new(24, Unit::Hours)),
        Moment::Instant(at("2019-05-07T23:00:00Z"))
    );
    // Days before an instant count back from its day.
    assert_eq!(warn(due, wd(1)), Moment::Day(date(2019, 10, 25)));
}

#[test]
fn lateness_is_working_days_or_elapsed_time() {
    let due = Moment::Day(date(2019, 5, 8));
    let late = |at: Moment| ew().lateness(due, at);
    assert_eq!(
        late(Moment::Day(date(2019, 5, 13))),
        Lateness::WorkingDays(3)
    );
    assert_eq!(
        late(Moment::Day(date(2019, 5, 11))),
        Lateness::WorkingDays(2)
    );
    assert_eq!(
        late(Moment::Day(date(2019, 5, 8))),
        Lateness::WorkingDays(0)
    );
    assert_eq!(
        late(Moment::Day(date(2019, 5, 7))),
        Lateness::WorkingDays(-1)
    );
    assert_eq!(
        late(at("2019-05-13T23:30:00Z").into()),
        Lateness::WorkingDays(4)
    );
    assert_eq!(
        late(Moment::Day(date(2019, 5, 13))).to_string(),
        "3 working days"
    );

    let due = Moment::Instant(at("2019-10-28T11:00:00Z"));
    let late = ew().lateness(due, at("2019-10-28T13:30:00Z"));
    assert_eq!(late, Lateness::Elapsed(SignedDuration::from_mins(150)));
    assert_eq!(late.to_string(), "2 hours 30 minutes");
    assert_eq!(
        ew().lateness(due, at("2019-10-28T10:00:00Z")).to_string(),
        "-1 hour"
    );
}

#[test]
fn a_day_deadline_falls_at_the_end_of_its_day() {
    let due = Moment::Day(date(2019, 5, 8));
    assert!(!due.is_late(at("2019-05-08T22:59:59Z"))); // 23:59:59 BST
    assert!(due.is_late(at("2019-05-08T23:00:00Z"))); // 00:00 BST on the 9th
    let due = Moment::Instant(at("2019-10-28T11:00:00Z"));
    assert!(!due.is_late(at("2019-10-28T11:00:00Z")));
    assert!(due.is_late(at("2019-10-28T11:00:01Z")));
}

#[test]
fn counts_past_the_last_date_are_refused() {
    let far = date(9999, 12, 1);
    assert_eq!(ew().due(far, months(1)), Err(OutOfRange));
    assert_eq!(ew().due(far, Period::new(5, Unit::Weeks)), Err(OutOfRange));
    assert_eq!(ew().due(far, wd(30)), Err(OutOfRange));
    assert_eq!(
        ew().due(far, Period::new(u32::MAX, Unit::Hours)),
        Err(OutOfRange)
    );
    assert_eq!(
        ew().due(far, Period::new(u32::MAX, Unit::Years)),
        Err(OutOfRange)
    );
    assert_eq!(
        OutOfRange.to_string(),
        "the date falls outside the years duly can count (-9999 to 9999)"
    );
}

#[test]
fn working_days_record_every_day_skipped() {
    let deadline = ew().reckon(date(2019, 4, 12), wd(15)).unwrap();
    assert_eq!(deadline.due, Moment::Day(date(2019, 5, 8)));
    let Working::WorkingDays { skipped, .. } = &deadline.working else {
        panic!("expected working days, got {:?}", deadline.working);
    };
    let named: Vec<(Date, &NonWorkingDay)> = skipped.iter().map(|s| (s.date, &s.reason)).collect();
    // Four weekends and three bank holidays between Fri 12 Apr and Wed 8 May.
    assert_eq!(named.len(), 11);
    assert_eq!(named[0], (date(2019, 4, 13), &NonWorkingDay::Saturday));
    assert_eq!(
        named[2],
        (
            date(2019, 4, 19),
            &NonWorkingDay::BankHoliday("Good Friday")
        )
    );
}

#[test]
fn the_working_reads_as_plain_english() {
    let explain = |calendar: &Calendar, anchor: Moment, period: Period| {
        calendar.reckon(anchor, period).unwrap().to_string()
    };
    let day = |d: Date| Moment::Day(d);

    assert_snapshot!(explain(&ew(), day(date(2019, 4, 12)), wd(15)), @"15 working days after Fri 12 Apr 2019; skipped Good Friday 19 Apr, Easter Monday 22 Apr, Early May bank holiday 6 May (England and Wales)");
    assert_snapshot!(explain(&ew(), day(date(2022, 12, 23)), wd(20)), @"20 working days after Fri 23 Dec 2022; skipped Boxing Day 26 Dec, Christmas Day (substitute day) 27 Dec, New Year’s Day (substitute day) 2 Jan 2023 (England and Wales)");
    assert_snapshot!(explain(&ew(), day(date(2019, 7, 1)), wd(10)), @"10 working days after Mon 1 Jul 2019 (England and Wales)");
    assert_snapshot!(explain(&ew(), day(date(2024, 8, 31)), months(3)), @"3 months after Sat 31 Aug 2024; November 2024 has no 31st, so the last day of the month");
    assert_snapshot!(explain(&ew(), day(date(2024, 8, 30)), months(3)), @"3 months after Fri 30 Aug 2024");
    assert_snapshot!(explain(&ew(), day(date(2019, 7, 1)), Period::new(10, Unit::CalendarDays)), @"10 calendar days after Mon 1 Jul 2019");
    assert_snapshot!(explain(&ew(), at("2019-10-25T11:00:00Z").into(), Period::new(72, Unit::Hours)), @"72 hours after 12:00 BST on Fri 25 Oct 2019; the clocks went back 1 hour on Sun 27 Oct 2019");
    assert_snapshot!(explain(&ew(), at("2019-03-01T09:00:00Z").into(), Period::new(1, Unit::Years)), @"1 year after Fri 1 Mar 2019");
    assert_snapshot!(explain(&ew(), at("2019-03-01T09:00:00Z").into(), Period::new(8760, Unit::Hours)), @"8760 hours after 09:00 GMT on Fri 1 Mar 2019; the clocks went forward 1 hour on Sun 31 Mar 2019, back 1 hour on Sun 27 Oct 2019");

    let council = Calendar::new(
        "example_council",
        "Example Council working days",
        Division::EnglandAndWales,
        vec![(date(2024, 12, 27), "Christmas closure".to_string())],
    );
    assert_snapshot!(explain(&council, day(date(2024, 12, 24)), wd(1)), @"1 working day after Tue 24 Dec 2024; skipped Christmas Day 25 Dec, Boxing Day 26 Dec, Christmas closure 27 Dec (Example Council working days)");
}
