//! Reading the values the DfE returns hold: dates, yes/no flags and codes.
//!
//! Each reader says why a value was refused in words that do not quote it:
//! a refused value may be free text, a name even.

use jiff::civil::Date;

/// Why a value could not be read, as the end of a sentence naming the field.
pub type Refusal = &'static str;

/// The earliest year taken as real: earlier years are typing mistakes.
const FIRST_YEAR: i16 = 1900;

/// A CIN census date: `YYYY-MM-DD` (`xs:date`), optionally with the time zone
/// XML Schema allows after it (`Z`, `+01:00`), which does not change the day.
pub fn iso_date(text: &str) -> Result<Date, Refusal> {
    let text = text.trim();
    let (day, zone) = text.split_at(text.len().min(10));
    let zone_ok = zone.is_empty() || zone == "Z" || is_offset(zone);
    if day.len() != 10 || !zone_ok || !day.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        return Err("is not a date in the form YYYY-MM-DD");
    }
    let date = day
        .parse::<Date>()
        .map_err(|_| "is not a real date (YYYY-MM-DD)")?;
    plausible(date)
}

fn is_offset(zone: &str) -> bool {
    let b = zone.as_bytes();
    b.len() == 6
        && (b[0] == b'+' || b[0] == b'-')
        && b[1..3].iter().all(u8::is_ascii_digit)
        && b[3] == b':'
        && b[4..6].iter().all(u8::is_ascii_digit)
}

/// An SSDA903 date: `dd/mm/YYYY`. A day or month written with one digit is
/// read; a two-digit year is refused, because its century is a guess.
pub fn uk_date(text: &str) -> Result<Date, Refusal> {
    let mut parts = text.trim().split('/');
    let (Some(d), Some(m), Some(y), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("is not a date in the form dd/mm/YYYY");
    };
    let digits =
        |s: &str, lens: &[usize]| lens.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(d, &[1, 2]) || !digits(m, &[1, 2]) {
        return Err("is not a date in the form dd/mm/YYYY");
    }
    if !digits(y, &[4]) {
        return Err("does not have a four-digit year (dd/mm/YYYY)");
    }
    let (Ok(year), Ok(month), Ok(day)) = (y.parse::<i16>(), m.parse::<i8>(), d.parse::<i8>())
    else {
        return Err("is not a date in the form dd/mm/YYYY");
    };
    let date = Date::new(year, month, day).map_err(|_| "is not a real date (dd/mm/YYYY)")?;
    plausible(date)
}

fn plausible(date: Date) -> Result<Date, Refusal> {
    if date.year() < FIRST_YEAR {
        return Err("is before 1900: check the year");
    }
    Ok(date)
}

/// A yes/no flag: `true`/`false` or `1`/`0`, as the CIN schemas allow.
pub fn flag(text: &str) -> Result<bool, Refusal> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err("is not `true`, `false`, `1` or `0`"),
    }
}

/// A DfE code kept as a fact: upper-case letters and digits, at most eight.
/// Anything else might be free text and is refused.
pub fn code(text: &str) -> Result<String, Refusal> {
    let text = text.trim();
    let ok = !text.is_empty()
        && text.len() <= 8
        && text
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if ok {
        Ok(text.to_owned())
    } else {
        Err("is not a DfE code (capital letters and digits)")
    }
}

/// The child's sex as the current DfE code list has it: `M`, `F` or `U`.
///
/// Returns up to 2024 (`GenderCurrent`, and `Sex` before 2025) used `1` male,
/// `2` female, `0` not recorded or unborn, `9` indeterminate; from 2025 `Sex`
/// is `M`, `F` or `U` (unknown). `0` and `9` become `U`, the only code left
/// for them.
pub fn sex(text: &str) -> Result<&'static str, Refusal> {
    match text.trim() {
        "1" | "M" | "m" => Ok("M"),
        "2" | "F" | "f" => Ok("F"),
        "0" | "9" | "U" | "u" => Ok("U"),
        _ => Err("is not a DfE sex code (`M`, `F`, `U`, or `1`, `2`, `0`, `9` before 2025)"),
    }
}

/// A child's id (`LAchildID`, `CHILD`): it becomes the case id and appears in
/// messages, so it must look like an id, not a name: no spaces, at most 64
/// characters.
pub fn child_id(text: &str) -> Result<String, Refusal> {
    let text = text.trim();
    if text.is_empty() {
        return Err("is empty");
    }
    let ok =
        text.chars().count() <= 64 && text.chars().all(|c| !c.is_whitespace() && !c.is_control());
    if ok {
        Ok(text.to_owned())
    } else {
        Err("does not look like an id (no spaces, at most 64 characters)")
    }
}

/// A social worker's id (`SW_ID`): letters, digits, `-` or `_`, with at least
/// one digit, at most 20 characters, so that a name is never taken for one.
pub fn worker_id(text: &str) -> Result<String, Refusal> {
    let text = text.trim();
    let ok = !text.is_empty()
        && text.len() <= 20
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && text.bytes().any(|b| b.is_ascii_digit());
    if ok {
        Ok(text.to_owned())
    } else {
        Err("does not look like a worker id (letters and digits, with a digit)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_census_dates_and_refuses_the_rest() {
        assert_eq!(iso_date("2022-03-31").unwrap().to_string(), "2022-03-31");
        assert_eq!(iso_date(" 2022-03-31Z ").unwrap().to_string(), "2022-03-31");
        assert_eq!(
            iso_date("2022-03-31+01:00").unwrap().to_string(),
            "2022-03-31"
        );
        for bad in [
            "31/03/2022",
            "2022-02-30",
            "2022-3-1",
            "2022-03-31T10:00:00",
            "",
            "Jane",
            "1066-04-13",
        ] {
            assert!(iso_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn reads_903_dates_and_refuses_two_digit_years() {
        assert_eq!(uk_date("15/02/2016").unwrap().to_string(), "2016-02-15");
        assert_eq!(uk_date("1/2/2016").unwrap().to_string(), "2016-02-01");
        assert_eq!(
            uk_date("15/02/16"),
            Err("does not have a four-digit year (dd/mm/YYYY)")
        );
        for bad in [
            "2016-02-15",
            "31/02/2016",
            "15-02-2016",
            "",
            "x/y/z",
            "15/02/2016/1",
        ] {
            assert!(uk_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn reads_flags_both_ways() {
        for (text, value) in [
            ("true", true),
            ("1", true),
            ("False", false),
            (" 0 ", false),
        ] {
            assert_eq!(flag(text), Ok(value));
        }
        assert!(flag("yes").is_err());
    }

    #[test]
    fn codes_and_ids_refuse_what_could_be_free_text() {
        assert_eq!(code("RC8").as_deref(), Ok("RC8"));
        assert!(code("Jane").is_err());
        assert!(code("rc8").is_err());
        assert!(code("A VERY LONG CODE").is_err());
        assert_eq!(sex("1"), Ok("M"));
        assert_eq!(sex("F"), Ok("F"));
        assert_eq!(sex("9"), Ok("U"));
        assert!(sex("X").is_err());
        assert!(child_id("Jane Doe").is_err());
        assert_eq!(child_id(" DfEX0000001 ").as_deref(), Ok("DfEX0000001"));
        assert_eq!(worker_id("SW999").as_deref(), Ok("SW999"));
        assert!(worker_id("jsmith").is_err());
    }
}
