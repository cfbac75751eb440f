//! Working-day and timescale arithmetic on the engine's hot path: each call
//! here is what the engine makes per event, millions of times a run.

use criterion::{Criterion, criterion_group, criterion_main};
use duly_calendar::{Calendar, Division, Moment, Period, Unit, start_of_day};
use jiff::civil::{Date, date};
use std::hint::black_box;

/// 4,096 dates spread over 2010–2035, the same every run.
fn dates() -> Vec<Date> {
    let start = date(2010, 1, 1);
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..4096)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let days = ((state >> 33) % 9_131) as i64;
            start
                .checked_add(jiff::Span::new().days(days))
                .unwrap_or(start)
        })
        .collect()
}

fn working_days(c: &mut Criterion) {
    let calendar = Calendar::builtin(Division::EnglandAndWales);
    let dates = dates();
    let mut group = c.benchmark_group("per call");

    group.bench_function("is_working_day", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % dates.len();
            calendar.is_working_day(black_box(dates[i]))
        })
    });
    group.bench_function("add_working_days 45", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % dates.len();
            calendar.add_working_days(black_box(dates[i]), black_box(45))
        })
    });
    group.bench_function("sub_working_days 5", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % dates.len();
            calendar.sub_working_days(black_box(dates[i]), black_box(5))
        })
    });
    group.bench_function("working_days_between", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % dates.len();
            let j = (i + 1) % dates.len();
            calendar.working_days_between(black_box(dates[i]), black_box(dates[j]))
        })
    });
    group.bench_function("non_working", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % dates.len();
            calendar.non_working(black_box(dates[i]))
        })
    });
    for period in [
        Period::new(15, Unit::WorkingDays),
        Period::new(3, Unit::Months),
        Period::new(6, Unit::Weeks),
    ] {
        group.bench_function(format!("due {period}"), |b| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % dates.len();
                calendar.due(black_box(Moment::Day(dates[i])), black_box(period))
            })
        });
    }
    group.bench_function("due 72 hours", |b| {
        let anchor = start_of_day(date(2019, 10, 25));
        b.iter(|| calendar.due(black_box(anchor), black_box(Period::new(72, Unit::Hours))))
    });
    group.bench_function("deadline 45 working days (with working)", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % dates.len();
            calendar.reckon(
                black_box(dates[i]),
                black_box(Period::new(45, Unit::WorkingDays)),
            )
        })
    });
    group.finish();

    let mut group = c.benchmark_group("once per calendar");
    group.sample_size(10);
    group.bench_function("build a council calendar (tables for 1900–2200)", |b| {
        let closures = vec![(date(2024, 12, 27), "Christmas closure".to_string())];
        b.iter(|| {
            Calendar::new(
                "example_council",
                "Example Council",
                Division::EnglandAndWales,
                black_box(closures.clone()),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, working_days);
criterion_main!(benches);
