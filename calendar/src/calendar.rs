//! A working-day calendar: a bank-holiday division plus local closure days.
//!
//! Working-day arithmetic is on the engine's hot path, so each calendar keeps
//! two tables for 1900–2200: how many working days come before each day, and
//! the list of working days itself. Counting and adding working days is then
//! two array look-ups. Days outside those years are counted day by day, by
//! the same rules.

use crate::Division;
use crate::holidays::{BankHoliday, bank_holidays};
use jiff::civil::{Date, Weekday};
use serde::Serialize;
use std::fmt;
use std::sync::{Arc, LazyLock};

/// First year of the precomputed tables.
const FIRST_YEAR: i16 = 1900;
/// Last year of the precomputed tables.
const LAST_YEAR: i16 = 2200;
const START: Date = Date::constant(FIRST_YEAR, 1, 1);
const END: Date = Date::constant(LAST_YEAR, 12, 31);

/// A count ran past the dates that can be written (years -9999 to 9999).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the date falls outside the years duly can count (-9999 to 9999)")]
pub struct OutOfRange;

/// Why a day is not a working day.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum NonWorkingDay {
    /// A Saturday (also when a closure falls on it).
    Saturday,
    /// A Sunday (also when a closure falls on it).
    Sunday,
    /// A bank holiday of the calendar's division, by its gov.uk title.
    BankHoliday(&'static str),
    /// A local closure day, by the name the council gave it.
    Closure(Arc<str>),
}

impl NonWorkingDay {
    /// Its name for people: `Saturday`, `Good Friday`, `Christmas closure`.
    pub fn name(&self) -> &str {
        match self {
            NonWorkingDay::Saturday => "Saturday",
            NonWorkingDay::Sunday => "Sunday",
            NonWorkingDay::BankHoliday(title) => title,
            NonWorkingDay::Closure(name) => name,
        }
    }

    /// Whether it is a Saturday or a Sunday (rather than a named day off).
    pub fn is_weekend(&self) -> bool {
        matches!(self, NonWorkingDay::Saturday | NonWorkingDay::Sunday)
    }
}

impl fmt::Display for NonWorkingDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A working-day calendar: a UK bank-holiday division plus local closure
/// days. A working day is any day that is not a Saturday, a Sunday, a bank
/// holiday of the division or a closure day.
///
/// Cheap to clone (the tables are shared) and safe to share across threads.
#[derive(Clone)]
pub struct Calendar(Arc<Inner>);

struct Inner {
    id: String,
    title: Arc<str>,
    division: Division,
    /// One per date, in date order; the first name given for a date wins.
    closures: Vec<(Date, Arc<str>)>,
    /// The division's bank holidays in the table's years, in date order.
    holidays: Vec<BankHoliday>,
    /// `before[i]`: working days from `START` up to, not including, day `i`
    /// (one entry more than there are days).
    before: Vec<u32>,
    /// The table's working days, in order.
    working: Vec<Date>,
}

static BUILTIN: [LazyLock<Calendar>; 3] = [
    LazyLock::new(|| Calendar::builtin_uncached(Division::EnglandAndWales)),
    LazyLock::new(|| Calendar::builtin_uncached(Division::Scotland)),
    LazyLock::new(|| Calendar::builtin_uncached(Division::NorthernIreland)),
];

impl Calendar {
    /// A calendar named `id` (`example_council`), based on `division`'s bank
    /// holidays, with local `closures` (a council's Christmas shutdown). When a
    /// date is listed twice, its first name is kept.
    pub fn new(
        id: impl Into<String>,
        title: impl Into<String>,
        division: Division,
        closures: Vec<(Date, String)>,
    ) -> Calendar {
        let mut closures: Vec<(Date, Arc<str>)> = closures
            .into_iter()
            .map(|(date, name)| (date, Arc::from(name)))
            .collect();
        closures.sort_by_key(|(date, _)| *date); // stable: the first name stays first
        closures.dedup_by_key(|(date, _)| *date);

        let holidays: Vec<BankHoliday> = (FIRST_YEAR..=LAST_YEAR)
            .flat_map(|year| bank_holidays(division, year))
            .collect();
        let mut days_off: Vec<Date> = holidays
            .iter()
            .map(|h| h.date)
            .chain(closures.iter().map(|(date, _)| *date))
            .filter(|date| (START..=END).contains(date))
            .collect();
        days_off.sort();

        let mut before = vec![0u32];
        let mut working = Vec::new();
        let mut off = days_off.iter().peekable();
        let mut date = START;
        let mut weekday = START.weekday();
        loop {
            let mut is_off = is_weekend(weekday);
            while let Some(&&d) = off.peek() {
                if d > date {
                    break;
                }
                is_off |= d == date;
                off.next();
            }
            if !is_off {
                working.push(date);
            }
            // The table has fewer than 2^32 days, so this count fits.
            before.push(u32::try_from(working.len()).unwrap_or(u32::MAX));
            match date.tomorrow() {
                Ok(next) if next <= END => date = next,
                _ => break,
            }
            weekday = weekday.next();
        }

        Calendar(Arc::new(Inner {
            id: id.into(),
            title: Arc::from(title.into()),
            division,
            closures,
            holidays,
            before,
            working,
        }))
    }

    /// The built-in calendar of a division (`england_and_wales`,
    /// `scotland`, `northern_ireland`), titled as the division. Its tables are
    /// built once and shared.
    pub fn builtin(division: Division) -> Calendar {
        let i = match division {
            Division::EnglandAndWales => 0,
            Division::Scotland => 1,
            Division::NorthernIreland => 2,
        };
        Calendar::clone(&BUILTIN[i])
    }

    fn builtin_uncached(division: Division) -> Calendar {
        Calendar::new(division.id(), division.title(), division, Vec::new())
    }

    /// Its id (`england_and_wales`, `example_council`).
    pub fn id(&self) -> &str {
        &self.0.id
    }

    /// Its title for people (`England and Wales`).
    pub fn title(&self) -> &str {
        &self.0.title
    }

    pub(crate) fn title_shared(&self) -> Arc<str> {
        Arc::clone(&self.0.title)
    }

    /// The bank-holiday division it is based on.
    pub fn division(&self) -> Division {
        self.0.division
    }

    /// Its local closure days, in date order.
    pub fn closures(&self) -> impl Iterator<Item = (Date, &str)> {
        self.0.closures.iter().map(|(date, name)| (*date, &**name))
    }

    /// The bank holidays and closure days of `year`, in date order (closures
    /// that fall at a weekend included).
    pub fn holidays(&self, year: i16) -> Vec<(Date, NonWorkingDay)> {
        let mut days: Vec<(Date, NonWorkingDay)> = bank_holidays(self.0.division, year)
            .into_iter()
            .map(|h| (h.date, NonWorkingDay::BankHoliday(h.title)))
            .collect();
        for (date, name) in &self.0.closures {
            if date.year() == year && !days.iter().any(|(d, _)| d == date) {
                days.push((*date, NonWorkingDay::Closure(Arc::clone(name))));
            }
        }
        days.sort_by_key(|(date, _)| *date);
        days
    }

    /// Why `date` is not a working day, or `None` if it is one. A weekend
    /// day is reported as such even when it is also a closure day.
    pub fn non_working(&self, date: Date) -> Option<NonWorkingDay> {
        match date.weekday() {
            Weekday::Saturday => return Some(NonWorkingDay::Saturday),
            Weekday::Sunday => return Some(NonWorkingDay::Sunday),
            _ => {}
        }
        let holiday = match self.index(date) {
            Some(i) if self.0.before[i + 1] > self.0.before[i] => return None,
            Some(_) => self
                .0
                .holidays
                .binary_search_by_key(&date, |h| h.date)
                .ok()
                .and_then(|i| self.0.holidays.get(i))
                .map(|h| h.title),
            None => bank_holidays(self.0.division, date.year())
                .into_iter()
                .find(|h| h.date == date)
                .map(|h| h.title),
        };
        if let Some(title) = holiday {
            return Some(NonWorkingDay::BankHoliday(title));
        }
        self.closure(date).map(NonWorkingDay::Closure)
    }

    fn closure(&self, date: Date) -> Option<Arc<str>> {
        let closures = &self.0.closures;
        let i = closures.binary_search_by_key(&date, |(d, _)| *d).ok()?;
        closures.get(i).map(|(_, name)| Arc::clone(name))
    }

    /// Whether `date` is a working day.
    pub fn is_working_day(&self, date: Date) -> bool {
        match self.index(date) {
            Some(i) => self.0.before[i + 1] > self.0.before[i],
            None => self.is_working_day_by_rule(date),
        }
    }

    /// The same answer as [`Calendar::is_working_day`], from the rules
    /// rather than the tables (for days outside them).
    fn is_working_day_by_rule(&self, date: Date) -> bool {
        !is_weekend(date.weekday())
            && !bank_holidays(self.0.division, date.year())
                .iter()
                .any(|h| h.date == date)
            && self.closure(date).is_none()
    }

    /// The `n`th working day after `date`. `date` is day 0 and never counts,
    /// even when it is itself a working day; `n = 0` gives `date`.
    pub fn add_working_days(&self, date: Date, n: u32) -> Result<Date, OutOfRange> {
        if n == 0 {
            return Ok(date);
        }
        let n = n as usize;
        let Some(i) = self.index(date) else {
            return self.walk(date, n, Step::Forward);
        };
        let k = self.0.before[i + 1] as usize + n - 1;
        match self.0.working.get(k) {
            Some(&due) => Ok(due),
            // Past the table: count on from its last day.
            None => self.walk(END, k + 1 - self.0.working.len(), Step::Forward),
        }
    }

    /// The `n`th working day before `date` (which never counts); `n = 0`
    /// gives `date`.
    pub fn sub_working_days(&self, date: Date, n: u32) -> Result<Date, OutOfRange> {
        if n == 0 {
            return Ok(date);
        }
        let n = n as usize;
        let Some(i) = self.index(date) else {
            return self.walk(date, n, Step::Back);
        };
        let earlier = self.0.before[i] as usize;
        match earlier.checked_sub(n) {
            Some(k) => self.0.working.get(k).copied().ok_or(OutOfRange),
            // Before the table: count back from its first day.
            None => self.walk(START, n - earlier, Step::Back),
        }
    }

    /// The number of working days in (`from`, `to`]: `from` never counts,
    /// `to` does. Negative when `to` is before `from`.
    pub fn working_days_between(&self, from: Date, to: Date) -> i64 {
        self.rank(to) - self.rank(from)
    }

    /// Working days in [`START`, `date`] when `date` is on or after `START`,
    /// less those in (`date`, `START`) when it is before.
    fn rank(&self, date: Date) -> i64 {
        if let Some(i) = self.index(date) {
            return i64::from(self.0.before[i + 1]);
        }
        let days_in_table = self.0.working.len() as i64;
        if date > END {
            days_in_table + self.count_by_rule(END, date)
        } else {
            let day_before_start = START.yesterday().unwrap_or(START);
            -self.count_by_rule(date, day_before_start)
        }
    }

    /// Working days in (`from`, `to`], day by day, for `from` < `to`.
    fn count_by_rule(&self, from: Date, to: Date) -> i64 {
        let mut year = YearOff::new(self, from.year());
        let mut count = 0;
        let mut date = from;
        while date < to {
            match date.tomorrow() {
                Ok(next) => date = next,
                Err(_) => break,
            }
            if year.is_working_day(self, date) {
                count += 1;
            }
        }
        count
    }

    /// The `n`th working day after (or before) `date`, day by day.
    fn walk(&self, date: Date, n: usize, step: Step) -> Result<Date, OutOfRange> {
        let mut year = YearOff::new(self, date.year());
        let mut date = date;
        let mut left = n;
        while left > 0 {
            date = match step {
                Step::Forward => date.tomorrow(),
                Step::Back => date.yesterday(),
            }
            .map_err(|_| OutOfRange)?;
            if self.is_in_table(date) {
                if self.is_working_day(date) {
                    left -= 1;
                }
            } else if year.is_working_day(self, date) {
                left -= 1;
            }
        }
        Ok(date)
    }

    fn is_in_table(&self, date: Date) -> bool {
        (START..=END).contains(&date)
    }

    /// Where `date` is in the tables, if it is in their years.
    fn index(&self, date: Date) -> Option<usize> {
        if !self.is_in_table(date) {
            return None;
        }
        usize::try_from(date.duration_since(START).as_secs() / 86_400).ok()
    }
}

#[derive(Clone, Copy)]
enum Step {
    Forward,
    Back,
}

/// The named days off of one year, for counting outside the tables.
struct YearOff {
    year: i16,
    days: Vec<Date>,
}

impl YearOff {
    fn new(calendar: &Calendar, year: i16) -> YearOff {
        let mut days: Vec<Date> = bank_holidays(calendar.0.division, year)
            .into_iter()
            .map(|h| h.date)
            .collect();
        days.extend(
            calendar
                .0
                .closures
                .iter()
                .map(|(d, _)| *d)
                .filter(|d| d.year() == year),
        );
        YearOff { year, days }
    }

    fn is_working_day(&mut self, calendar: &Calendar, date: Date) -> bool {
        if date.year() != self.year {
            *self = YearOff::new(calendar, date.year());
        }
        !is_weekend(date.weekday()) && !self.days.contains(&date)
    }
}

fn is_weekend(weekday: Weekday) -> bool {
    matches!(weekday, Weekday::Saturday | Weekday::Sunday)
}

impl fmt::Debug for Calendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Calendar")
            .field("id", &self.0.id)
            .field("title", &self.0.title)
            .field("division", &self.0.division)
            .field("closures", &self.0.closures)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn council() -> Calendar {
        Calendar::new(
            "example_council",
            "Example Council working days",
            Division::EnglandAndWales,
            vec![
                (date(2024, 12, 27), "Christmas closure".into()),
                (date(2024, 12, 28), "Christmas closure (Saturday)".into()),
                (date(2024, 12, 27), "listed twice".into()),
                (date(2250, 6, 3), "far-future closure".into()),
            ],
        )
    }

    #[test]
    fn calendars_are_shared_across_threads() {
        fn shareable<T: Send + Sync + Clone>() {}
        shareable::<Calendar>();
    }

    #[test]
    fn builtins_have_the_division_ids() {
        for division in Division::ALL {
            let calendar = Calendar::builtin(division);
            assert_eq!(calendar.id(), division.id());
            assert_eq!(calendar.title(), division.title());
            assert_eq!(calendar.division(), division);
            assert_eq!(calendar.closures().count(), 0);
        }
    }

    #[test]
    fn non_working_days_say_why() {
        let ew = Calendar::builtin(Division::EnglandAndWales);
        assert_eq!(
            ew.non_working(date(2019, 4, 19)),
            Some(NonWorkingDay::BankHoliday("Good Friday"))
        );
        assert_eq!(
            ew.non_working(date(2019, 4, 20)),
            Some(NonWorkingDay::Saturday)
        );
        assert_eq!(
            ew.non_working(date(2019, 4, 21)),
            Some(NonWorkingDay::Sunday)
        );
        assert_eq!(ew.non_working(date(2019, 4, 23)), None);
        // Outside the tables, by rule.
        assert_eq!(
            ew.non_working(date(2301, 12, 25)),
            Some(NonWorkingDay::BankHoliday("Christmas Day"))
        );
        assert_eq!(ew.non_working(date(1850, 12, 24)), None);

        let council = council();
        assert_eq!(
            council.non_working(date(2024, 12, 27)).unwrap().name(),
            "Christmas closure"
        );
        assert_eq!(
            council.non_working(date(2024, 12, 28)),
            Some(NonWorkingDay::Saturday)
        );
        assert_eq!(
            council.non_working(date(2250, 6, 3)).unwrap().name(),
            "far-future closure"
        );
        assert!(council.is_working_day(date(2024, 12, 30)));
        assert!(!council.is_working_day(date(2250, 6, 3)));
        assert!(ew.is_working_day(date(2024, 12, 27)));
    }

    #[test]
    fn holidays_of_a_year_include_closures() {
        let names: Vec<String> = council()
            .holidays(2024)
            .iter()
            .map(|(d, why)| format!("{d} {why}"))
            .collect();
        assert_eq!(
            names[names.len() - 4..],
            [
                "2024-12-25 Christmas Day",
                "2024-12-26 Boxing Day",
                "2024-12-27 Christmas closure",
                "2024-12-28 Christmas closure (Saturday)",
            ]
        );
    }

    #[test]
    fn working_days_across_the_edges_of_the_tables() {
        let ew = Calendar::builtin(Division::EnglandAndWales);
        // Tue 30 Dec 2200 + 2: Wed 31, then Thu 1 Jan 2201 is New Year's Day, so Fri 2 Jan.
        assert_eq!(
            ew.add_working_days(date(2200, 12, 30), 2),
            Ok(date(2201, 1, 2))
        );
        assert_eq!(
            ew.sub_working_days(date(2201, 1, 2), 2),
            Ok(date(2200, 12, 30))
        );
        assert_eq!(
            ew.working_days_between(date(2200, 12, 30), date(2201, 1, 2)),
            2
        );
        // Tue 2 Jan 1900: Mon 1 Jan is New Year's Day; Fri 29 Dec 1899 before it.
        assert_eq!(
            ew.sub_working_days(date(1900, 1, 2), 1),
            Ok(date(1899, 12, 29))
        );
        assert_eq!(
            ew.add_working_days(date(1899, 12, 29), 1),
            Ok(date(1900, 1, 2))
        );
        assert_eq!(
            ew.working_days_between(date(1900, 1, 2), date(1899, 12, 29)),
            -1
        );
        assert_eq!(ew.add_working_days(date(9999, 12, 30), 5), Err(OutOfRange));
        assert_eq!(ew.sub_working_days(date(-9999, 1, 3), 5), Err(OutOfRange));
    }
}
