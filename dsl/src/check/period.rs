//! Units and comparing timescales: exactly when the units allow it,
//! conservatively (by bounds on elapsed time) when they do not.

use crate::ast::PeriodAst;
use crate::diagnostic::{Diagnostic, FileId};
use crate::suggest::did_you_mean;
use duly_calendar::{Period, Unit};

/// Turns a period as written into a [`Period`], or says why it cannot.
pub(super) fn lower(period: &PeriodAst, file: FileId, out: &mut Vec<Diagnostic>) -> Option<Period> {
    let unit = match period.unit {
        Some(unit) => Some(unit),
        None => {
            out.push(unknown_unit(period, file));
            None
        }
    };
    let count = if period.count <= 0 {
        out.push(
            Diagnostic::error(
                "bad-period",
                format!("a timescale of `{}` is not after anything", period.count),
            )
            .at(file, period.count_span, "zero or less")
            .help("a timescale counts forward from its anchor: give a number of 1 or more"),
        );
        None
    } else if period.count > 100_000 {
        out.push(
            Diagnostic::error(
                "bad-period",
                format!("`{}` is too large for a timescale", period.count),
            )
            .at(file, period.count_span, "too large")
            .help("give a number of at most 100000"),
        );
        None
    } else {
        u32::try_from(period.count).ok()
    };
    Some(Period::new(count?, unit?))
}

fn unknown_unit(period: &PeriodAst, file: FileId) -> Diagnostic {
    let written = period.unit_text.as_str();
    let lower = written.to_lowercase();
    let plural = period.count != 1;
    let name = |unit: Unit| unit.name(if plural { 2 } else { 1 });
    if lower == "day" || lower == "days" {
        let message = format!("`{written}` does not say which days");
        return Diagnostic::error("unknown-unit", message)
            .at(file, period.unit_span, "working days or calendar days?")
            .help(format!(
                "the law always says which it means: write `{} {}` or `{} {}`",
                period.count,
                name(Unit::WorkingDays),
                period.count,
                name(Unit::CalendarDays)
            ));
    }
    let synonyms: &[(&str, Unit)] = &[
        ("workdays", Unit::WorkingDays),
        ("workday", Unit::WorkingDays),
        ("work days", Unit::WorkingDays),
        ("work day", Unit::WorkingDays),
        ("business days", Unit::WorkingDays),
        ("business day", Unit::WorkingDays),
        ("weekdays", Unit::WorkingDays),
        ("wd", Unit::WorkingDays),
        ("clear days", Unit::CalendarDays),
        ("hrs", Unit::Hours),
        ("hr", Unit::Hours),
        ("wks", Unit::Weeks),
        ("mths", Unit::Months),
        ("yrs", Unit::Years),
    ];
    let all = [
        Unit::WorkingDays,
        Unit::CalendarDays,
        Unit::Weeks,
        Unit::Months,
        Unit::Years,
        Unit::Hours,
    ];
    let suggestion = synonyms
        .iter()
        .find(|(w, _)| *w == lower)
        .map(|(_, u)| name(*u))
        .or_else(|| {
            let names: Vec<&'static str> = all.iter().map(|u| name(*u)).collect();
            did_you_mean(&lower, names.iter().copied())
        });
    let listed = "working days, calendar days, weeks, months, years or hours";
    let help = match suggestion {
        Some(s) => format!("did you mean `{s}`? Timescales are counted in {listed}"),
        None => format!("timescales are counted in {listed}"),
    };
    Diagnostic::error("unknown-unit", format!("unknown unit `{written}`"))
        .at(file, period.unit_span, "not a unit")
        .help(help)
}

/// How two timescales compare, as far as can be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Comparison {
    /// The first always ends earlier.
    Shorter,
    /// The first never ends later (may end at the same time).
    NotLonger,
    /// They are the same.
    Same,
    /// The first never ends earlier (may end at the same time).
    NotShorter,
    /// The first always ends later.
    Longer,
    /// It depends on the dates.
    Unclear,
}

/// Compares `a` with `b`, counted from the same moment.
pub(super) fn compare(a: Period, b: Period) -> Comparison {
    if let (Some(x), Some(y)) = (exact_in_common(a, b), exact_in_common(b, a)) {
        return match x.cmp(&y) {
            std::cmp::Ordering::Less => Comparison::Shorter,
            std::cmp::Ordering::Equal => Comparison::Same,
            std::cmp::Ordering::Greater => Comparison::Longer,
        };
    }
    let (a_min, a_max) = bounds_in_hours(a);
    let (b_min, b_max) = bounds_in_hours(b);
    if a_max < b_min {
        Comparison::Shorter
    } else if a_max <= b_min {
        Comparison::NotLonger
    } else if a_min > b_max {
        Comparison::Longer
    } else if a_min >= b_max {
        Comparison::NotShorter
    } else {
        Comparison::Unclear
    }
}

/// `period` as a count of a unit it shares exactly with `other`, if any:
/// the same unit, months and years, or calendar days and weeks.
fn exact_in_common(period: Period, other: Period) -> Option<u64> {
    use Unit::*;
    let n = u64::from(period.count);
    match (period.unit, other.unit) {
        (a, b) if a == b => Some(n),
        (Years, Months) => Some(n * 12),
        (Months, Years) => Some(n),
        (Weeks, CalendarDays) => Some(n * 7),
        (CalendarDays, Weeks) => Some(n),
        _ => None,
    }
}

/// Least and most hours from an anchor moment to the deadline.
fn bounds_in_hours(period: Period) -> (u64, u64) {
    let n = u64::from(period.count);
    let days = |min: u64, max: u64| (min * 24, max * 24 + 24);
    match period.unit {
        Unit::Hours => (n, n),
        Unit::CalendarDays => days(n, n),
        Unit::Weeks => days(7 * n, 7 * n),
        Unit::Months => month_days(n),
        Unit::Years => month_days(12 * n),
        // Weekends, and generously many holidays and closure days.
        Unit::WorkingDays => days(n, n + 2 * (n / 5 + 2) + 12),
    }
}

fn month_days(months: u64) -> (u64, u64) {
    // An average month is 30.436875 days; n calendar months stay within a few
    // days of n times that (clamping to a month's end included).
    let mean = months * 30_436_875 / 1_000_000;
    let min = mean.saturating_sub(4);
    let max = mean + 5;
    (min * 24, max * 24 + 24)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(count: u32, unit: Unit) -> Period {
        Period::new(count, unit)
    }

    #[test]
    fn same_units_compare_exactly() {
        assert_eq!(
            compare(p(5, Unit::WorkingDays), p(10, Unit::WorkingDays)),
            Comparison::Shorter
        );
        assert_eq!(
            compare(p(12, Unit::Months), p(1, Unit::Years)),
            Comparison::Same
        );
        assert_eq!(
            compare(p(2, Unit::Weeks), p(13, Unit::CalendarDays)),
            Comparison::Longer
        );
    }

    #[test]
    fn different_units_compare_conservatively() {
        assert_eq!(
            compare(p(10, Unit::WorkingDays), p(3, Unit::Months)),
            Comparison::Shorter
        );
        assert_eq!(
            compare(p(24, Unit::Hours), p(3, Unit::CalendarDays)),
            Comparison::Shorter
        );
        assert_eq!(
            compare(p(20, Unit::WorkingDays), p(1, Unit::Months)),
            Comparison::Unclear
        );
        assert_eq!(
            compare(p(2, Unit::Months), p(20, Unit::WorkingDays)),
            Comparison::Longer
        );
    }
}
