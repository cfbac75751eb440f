//! A council's closure days, from the text of the CSV file its rules name
//! (`closures "closures.csv"`): one `date,name` a line, header optional.
//! Reading the file is the caller's job; this only reads its text.

use jiff::civil::Date;
use std::collections::HashMap;

/// What is wrong with one line of a closures file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ClosureError {
    /// The line of the file, counting from 1.
    pub line: u64,
    /// What is wrong, on one line (`` `27/12/2024` is not a date ``).
    pub message: String,
    /// What to do about it.
    pub help: String,
}

const EXAMPLE: &str = "`2024-12-27,Christmas closure`";

/// Reads closure days from the text of a CSV file: one `date,name` a line
/// (`2024-12-27,Christmas closure`), dates written `YYYY-MM-DD`, an optional
/// `date,name` header, blank lines ignored, names with commas in double
/// quotes. Gives the days in the file's order, or every line that is wrong.
pub fn parse_closures(text: &str) -> Result<Vec<(Date, String)>, Vec<ClosureError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut closures = Vec::new();
    let mut errors = Vec::new();
    let mut first_line: HashMap<Date, u64> = HashMap::new();
    let mut header_allowed = true;
    for (line, text) in (1u64..).zip(text.lines()) {
        if text.trim().is_empty() {
            continue;
        }
        let fields = match fields(text) {
            Ok(fields) => fields,
            Err(message) => {
                errors.push(ClosureError {
                    line,
                    message: message.into(),
                    help: "put a name that contains a comma in double quotes, on one line: \
                           `2024-12-27,\"Christmas closure, day 1\"`"
                        .into(),
                });
                continue;
            }
        };
        let is_header = fields
            .first()
            .is_some_and(|f| f.eq_ignore_ascii_case("date"));
        if std::mem::take(&mut header_allowed) && is_header {
            continue;
        }
        match read_line(&fields, line) {
            Ok((date, name)) => match first_line.get(&date) {
                Some(first) => errors.push(ClosureError {
                    line,
                    message: format!("`{date}` is listed twice"),
                    help: format!("it is also on line {first}; keep one of the two lines"),
                }),
                None => {
                    first_line.insert(date, line);
                    closures.push((date, name));
                }
            },
            Err(error) => errors.push(error),
        }
    }
    if errors.is_empty() {
        Ok(closures)
    } else {
        Err(errors)
    }
}

/// The comma-separated fields of one line, trimmed; a field in double quotes
/// may hold commas, and `""` inside it is a quote. (Split by hand rather
/// than with the csv crate, whose line numbers drift after blank lines and
/// which takes a quote after a space as part of the name.)
fn fields(line: &str) -> Result<Vec<String>, &'static str> {
    let mut fields = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut field = String::new();
        if chars.next_if_eq(&'"').is_some() {
            loop {
                match chars.next() {
                    Some('"') if chars.next_if_eq(&'"').is_some() => field.push('"'),
                    Some('"') => break,
                    Some(c) => field.push(c),
                    None => return Err("a double quote is not closed"),
                }
            }
            while chars.next_if(|c| c.is_whitespace()).is_some() {}
            fields.push(field);
            match chars.next() {
                None => return Ok(fields),
                Some(',') => continue,
                Some(_) => return Err("there is text after a closing double quote"),
            }
        }
        let mut comma = false;
        for c in chars.by_ref() {
            if c == ',' {
                comma = true;
                break;
            }
            field.push(c);
        }
        fields.push(field.trim().to_string());
        if !comma {
            return Ok(fields);
        }
    }
}

fn read_line(record: &[String], line: u64) -> Result<(Date, String), ClosureError> {
    let error = |message: String, help: String| ClosureError {
        line,
        message,
        help,
    };
    if record.len() > 2 {
        return Err(error(
            format!("expected 2 columns (`date,name`), found {}", record.len()),
            "put a name that contains a comma in double quotes: \
             `2024-12-27,\"Christmas closure, day 1\"`"
                .into(),
        ));
    }
    let date_text = record.first().map_or("", String::as_str);
    if date_text.is_empty() {
        return Err(error(
            "the date is missing".into(),
            format!("write each line as `date,name`, for example {EXAMPLE}"),
        ));
    }
    let date = parse_date(date_text)
        .map_err(|help| error(format!("`{date_text}` is not a date"), help))?;
    match record.get(1) {
        Some(name) if !name.is_empty() => Ok((date, name.clone())),
        _ => Err(error(
            format!("the closure day `{date}` has no name"),
            format!("write its name after the date and a comma, for example {EXAMPLE}"),
        )),
    }
}

/// A date written `YYYY-MM-DD`, or what to do about it.
fn parse_date(text: &str) -> Result<Date, String> {
    let shape = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    let year: Option<i16> = text.get(0..4).and_then(|t| t.parse().ok());
    let month: Option<i8> = text.get(5..7).and_then(|t| t.parse().ok());
    let day: Option<i8> = text.get(8..10).and_then(|t| t.parse().ok());
    let (true, Some(year), Some(month), Some(day)) = (shape, year, month, day) else {
        return Err("write dates as YYYY-MM-DD, for example `2024-12-27`".into());
    };
    if !(1..=12).contains(&month) {
        return Err("months run from 01 to 12".into());
    }
    let first = Date::new(year, month, 1).map_err(|_| "write dates as YYYY-MM-DD".to_string())?;
    Date::new(year, month, day).map_err(|_| {
        format!(
            "{} has {} days",
            first.strftime("%B %Y"),
            first.days_in_month()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use insta::assert_snapshot;
    use jiff::civil::date;

    fn errors(text: &str) -> String {
        match parse_closures(text) {
            Ok(days) => format!("read {} days", days.len()),
            Err(errors) => errors
                .iter()
                .map(|e| format!("line {}: {}\n  help: {}", e.line, e, e.help))
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    #[test]
    fn reads_dates_and_names_with_or_without_a_header() {
        let text = "\u{feff}date,name\n2024-12-27,Christmas closure\n\n 2024-12-30 , \"Closure, day 2\"\r\n2024-12-31,Closure day 3";
        assert_eq!(
            parse_closures(text),
            Ok(vec![
                (date(2024, 12, 27), "Christmas closure".to_string()),
                (date(2024, 12, 30), "Closure, day 2".to_string()),
                (date(2024, 12, 31), "Closure day 3".to_string()),
            ])
        );
        assert_eq!(
            parse_closures("2024-12-27,Christmas closure"),
            Ok(vec![(date(2024, 12, 27), "Christmas closure".to_string())])
        );
        assert_eq!(parse_closures(""), Ok(vec![]));
        assert_eq!(
            parse_closures("2024-12-27,\"The \"\"big\"\" closure\""),
            Ok(vec![(
                date(2024, 12, 27),
                "The \"big\" closure".to_string()
            )])
        );
        assert_eq!(parse_closures("Date,Name\n"), Ok(vec![]));
    }

    #[test]
    fn names_every_wrong_line() {
        let text = "date,name
27/12/2024,Christmas closure
2024-13-01,Bad month
2024-02-30,Bad day
2024-12-28
2024-12-29,
,No date
2024-12-30,Christmas, day 2
2024-12-31,Closure
2024-12-31,Closure again
date,name";
        assert_snapshot!(errors(text), @r#"
        line 2: `27/12/2024` is not a date
          help: write dates as YYYY-MM-DD, for example `2024-12-27`
        line 3: `2024-13-01` is not a date
          help: months run from 01 to 12
        line 4: `2024-02-30` is not a date
          help: February 2024 has 29 days
        line 5: the closure day `2024-12-28` has no name
          help: write its name after the date and a comma, for example `2024-12-27,Christmas closure`
        line 6: the closure day `2024-12-29` has no name
          help: write its name after the date and a comma, for example `2024-12-27,Christmas closure`
        line 7: the date is missing
          help: write each line as `date,name`, for example `2024-12-27,Christmas closure`
        line 8: expected 2 columns (`date,name`), found 3
          help: put a name that contains a comma in double quotes: `2024-12-27,"Christmas closure, day 1"`
        line 10: `2024-12-31` is listed twice
          help: it is also on line 9; keep one of the two lines
        line 11: `date` is not a date
          help: write dates as YYYY-MM-DD, for example `2024-12-27`
        "#);
    }

    #[test]
    fn line_numbers_count_blank_lines_and_crlf() {
        let text =
            "date,name\r\n\r\n2024-12-27,One\r\n   \r\n\r\n2024-12-27,Two\n\n2024-12-28,\"Three\n";
        assert_snapshot!(errors(text), @r#"
        line 6: `2024-12-27` is listed twice
          help: it is also on line 3; keep one of the two lines
        line 8: a double quote is not closed
          help: put a name that contains a comma in double quotes, on one line: `2024-12-27,"Christmas closure, day 1"`
        "#);
        assert_snapshot!(errors("2024-12-28,\"Three\" and four"), @r#"
        line 1: there is text after a closing double quote
          help: put a name that contains a comma in double quotes, on one line: `2024-12-27,"Christmas closure, day 1"`
        "#);
    }

    #[test]
    fn odd_dates_are_refused() {
        for text in [
            "2024-1-05",
            "+2024-01-05",
            "2024-01-05T00:00",
            "２０２４-01-05",
            "0000-00-00",
        ] {
            assert!(parse_closures(&format!("{text},x")).is_err(), "{text}");
        }
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_text_gives_days_or_errors_never_a_panic(text in "\\PC*") {
            let _ = parse_closures(&text);
        }

        #[test]
        fn written_closures_read_back(
            days in proptest::collection::btree_map(0i32..20_000, "[^\"\r\n]{1,30}", 0..20),
        ) {
            let start = jiff::civil::date(1990, 1, 1);
            let closures: Vec<(Date, String)> = days
                .into_iter()
                .filter(|(_, name)| !name.trim().is_empty())
                .map(|(k, name)| {
                    let date = start.checked_add(jiff::Span::new().days(k)).unwrap();
                    (date, name.trim().to_string())
                })
                .collect();
            let text: String = closures
                .iter()
                .map(|(date, name)| format!("{date},\"{name}\"\n"))
                .collect();
            prop_assert_eq!(parse_closures(&text), Ok(closures));
        }
    }
}
