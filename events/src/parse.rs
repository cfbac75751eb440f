//! Reading events from JSON Lines, with an error for each bad line.
//!
//! Error messages name the line and the field, never the content of a fact or
//! any free text: child data must not leak into logs.

use crate::{Action, At, Event, EventRef, FactRef};
use serde::Deserialize;
use serde_json::Value;
use std::borrow::Cow;
use std::io::BufRead;

/// What is wrong with one line of an event file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[error("line {line}: {message}")]
pub struct EventError {
    /// The line number, counting from 1.
    pub line: usize,
    /// The event's id, when it could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The field at fault (`at`, `facts.date_of_birth`), if one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What is wrong and what to do, in plain words.
    pub message: String,
}

impl EventError {
    /// An error about `field` on `line`.
    pub fn new(line: usize, field: Option<&str>, message: impl Into<String>) -> Self {
        EventError {
            line,
            id: None,
            field: field.map(str::to_owned),
            message: message.into(),
        }
    }

    fn with_id(mut self, id: Option<&str>) -> Self {
        self.id = id.map(str::to_owned);
        self
    }
}

/// A field of text, borrowed from the line unless it holds escapes. (serde
/// borrows a `Cow<str>` field only when it is not inside an `Option`.)
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;

        impl<'de> serde::de::Visitor<'de> for TextVisitor {
            type Value = Text<'de>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("text")
            }

            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }

            fn visit_str<E>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }

        deserializer.deserialize_str(TextVisitor)
    }
}

/// An event's facts as the line gives them, in the line's order.
struct RawFacts<'a>(Vec<(Cow<'a, str>, Option<FactRef<'a>>)>);

impl<'de: 'a, 'a> Deserialize<'de> for RawFacts<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FactsVisitor;

        impl<'de> serde::de::Visitor<'de> for FactsVisitor {
            type Value = RawFacts<'de>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of named values")
            }

            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> Result<RawFacts<'de>, M::Error> {
                let mut facts = Vec::with_capacity(map.size_hint().unwrap_or(4));
                while let Some((Text(name), value)) = map.next_entry::<Text<'de>, _>()? {
                    facts.push((name, value));
                }
                Ok(RawFacts(facts))
            }
        }

        deserializer.deserialize_map(FactsVisitor)
    }
}

#[derive(Deserialize)]
struct RawEvent<'a> {
    #[serde(borrow, default)]
    id: Option<Text<'a>>,
    #[serde(borrow, default)]
    case: Option<Text<'a>>,
    #[serde(borrow, default)]
    at: Option<Text<'a>>,
    #[serde(borrow, default)]
    step: Option<Text<'a>>,
    #[serde(borrow, default)]
    action: Option<Text<'a>>,
    #[serde(borrow, default)]
    outcome: Option<Text<'a>>,
    #[serde(borrow, default)]
    facts: Option<RawFacts<'a>>,
}

/// Parses one line of the event format. `line` is its number, for errors.
pub fn parse_line(line: usize, text: &str) -> Result<Event, EventError> {
    parse_event(line, text).map(EventRef::into_owned)
}

/// Parses one line of the event format, borrowing the event's text from the
/// line: the same checks and errors as [`parse_line`], without copying.
pub fn parse_event(line: usize, text: &str) -> Result<EventRef<'_>, EventError> {
    match serde_json::from_str::<RawEvent<'_>>(text) {
        Ok(raw) => check(line, raw),
        Err(_) => Err(explain_shape(line, text)),
    }
}

/// Reads every non-blank line of `reader`, yielding each event or the error
/// that stops it, with its line number. Reading stops at an I/O error, which
/// is yielded as the last item.
pub fn read_lines<R: BufRead>(reader: R) -> impl Iterator<Item = Result<Event, EventError>> {
    let mut lines = reader.lines().enumerate();
    std::iter::from_fn(move || {
        loop {
            let (index, next) = lines.next()?;
            let line = index + 1;
            match next {
                Ok(text) if text.trim().is_empty() => continue,
                Ok(text) => return Some(parse_line(line, &text)),
                Err(err) => {
                    return Some(Err(EventError::new(
                        line,
                        None,
                        format!("the file could not be read here: {}", err.kind()),
                    )));
                }
            }
        }
    })
}

fn check(line: usize, raw: RawEvent<'_>) -> Result<EventRef<'_>, EventError> {
    let id = raw.id.map(|t| t.0);
    let err = |field: &str, message: String| {
        EventError::new(line, Some(field), message).with_id(id.as_deref())
    };

    match id.as_deref() {
        Some(id) if !id.trim().is_empty() => {}
        Some(_) => {
            return Err(err(
                "id",
                "`id` is empty: give each event a unique id".into(),
            ));
        }
        None => {
            return Err(err(
                "id",
                "`id` is missing: give each event a unique id".into(),
            ));
        }
    }
    let case = match raw.case {
        Some(Text(case)) if !case.trim().is_empty() => case,
        Some(_) => return Err(err("case", "`case` is empty: give the child's id".into())),
        None => return Err(err("case", "`case` is missing: give the child's id".into())),
    };
    let at = match raw.at.as_ref().map(|t| &*t.0) {
        Some(text) => At::parse(text).ok_or_else(|| {
            err(
                "at",
                format!(
                    "`at` is not a date: found `{}`; write `YYYY-MM-DD` or a date-time with an offset such as `2019-10-25T12:00:00+01:00`",
                    shorten(text)
                ),
            )
        })?,
        None => return Err(err("at", "`at` is missing: say when this happened".into())),
    };
    let action = match raw.action.as_ref().map(|t| &*t.0) {
        Some(text) => Action::parse(text).ok_or_else(|| {
            err(
                "action",
                format!(
                    "unknown action `{}`: use `start`, `complete`, `cancel` or `record`",
                    shorten(text)
                ),
            )
        })?,
        None => {
            return Err(err(
                "action",
                "`action` is missing: use `start`, `complete`, `cancel` or `record`".into(),
            ));
        }
    };
    let step = raw.step.map(|t| t.0);
    match (&step, action) {
        (Some(_), Action::Record) => {
            return Err(err(
                "step",
                "a `record` event carries facts only: remove `step`, or use another action".into(),
            ));
        }
        (None, Action::Start | Action::Complete | Action::Cancel) => {
            return Err(err(
                "step",
                format!("`step` is missing: a `{action}` event needs the step it concerns"),
            ));
        }
        (Some(step), _) if step.trim().is_empty() => {
            return Err(err("step", "`step` is empty: give the step id".into()));
        }
        _ => {}
    }
    let outcome = raw.outcome.map(|t| t.0);
    if outcome.is_some() && action != Action::Complete {
        return Err(err(
            "outcome",
            format!(
                "an outcome is recorded only on `complete`, not on `{action}`: remove `outcome`"
            ),
        ));
    }
    let mut facts = raw.facts.map(|f| f.0).unwrap_or_default();
    if facts.iter().any(|(name, _)| name.trim().is_empty()) {
        return Err(err("facts", "a fact has an empty name".into()));
    }
    // In order of name, each name once with the last value given (as a
    // map read from JSON keeps it): reversed, a stable sort puts the last
    // value given first among equal names, and `dedup_by` keeps the first.
    if facts.len() > 1 {
        facts.reverse();
        facts.sort_by(|a, b| a.0.cmp(&b.0));
        facts.dedup_by(|later, kept| later.0 == kept.0);
    }
    Ok(EventRef {
        id: id.unwrap_or_default(),
        case,
        at,
        step,
        action,
        outcome,
        facts,
    })
}

/// The line did not fit the expected shape: say precisely how, without
/// quoting any content.
fn explain_shape(line: usize, text: &str) -> EventError {
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(err) => {
            return EventError::new(
                line,
                None,
                format!(
                    "not valid JSON ({} at column {}): each line must be one JSON object",
                    syntax_problem(&err),
                    err.column()
                ),
            );
        }
    };
    let Value::Object(map) = value else {
        return EventError::new(
            line,
            None,
            "each line must be one JSON object, like `{\"id\": …}`",
        );
    };
    let id = map.get("id").and_then(Value::as_str);
    for field in ["id", "case", "at", "step", "action", "outcome"] {
        match map.get(field) {
            None | Some(Value::Null) | Some(Value::String(_)) => {}
            Some(other) => {
                return EventError::new(
                    line,
                    Some(field),
                    format!("`{field}` must be text, not {}", kind(other)),
                )
                .with_id(id);
            }
        }
    }
    match map.get("facts") {
        None | Some(Value::Null) => {}
        Some(Value::Object(facts)) => {
            for (name, value) in facts {
                if matches!(value, Value::Array(_) | Value::Object(_)) {
                    return EventError::new(
                        line,
                        Some(&format!("facts.{name}")),
                        format!(
                            "fact `{name}` must be a plain value (text, a number, true or false), not {}",
                            kind(value)
                        ),
                    )
                    .with_id(id);
                }
            }
        }
        Some(other) => {
            return EventError::new(
                line,
                Some("facts"),
                format!(
                    "`facts` must be an object of named values, not {}",
                    kind(other)
                ),
            )
            .with_id(id);
        }
    }
    EventError::new(line, None, "the event could not be read").with_id(id)
}

fn syntax_problem(err: &serde_json::Error) -> &'static str {
    match err.classify() {
        serde_json::error::Category::Eof => "it ends too early",
        serde_json::error::Category::Syntax => "a syntax error",
        serde_json::error::Category::Data => "unexpected data",
        serde_json::error::Category::Io => "a read error",
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Quotes at most 40 characters of user input in a message.
fn shorten(text: &str) -> String {
    let mut out: String = text.chars().take(40).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Fact;

    fn error(text: &str) -> EventError {
        parse_line(7, text).unwrap_err()
    }

    #[test]
    fn reads_the_example_from_the_contract() {
        let event = parse_line(
            1,
            r#"{"id": "e-17", "case": "C123", "at": "2019-04-12", "step": "strategy_discussion", "action": "complete", "outcome": "s47", "facts": {"team": "North", "worker": "W12"}}"#,
        )
        .unwrap();
        assert_eq!(event.id, "e-17");
        assert_eq!(event.case, "C123");
        assert_eq!(event.action, Action::Complete);
        assert_eq!(event.outcome.as_deref(), Some("s47"));
        assert_eq!(event.facts["team"], Some(Fact::Text("North".into())));
    }

    #[test]
    fn borrows_plain_text_and_unescapes_the_rest() {
        let text = r#"{"id":"e-1","case":"C\u0031","at":"2019-04-12","step":"referral","action":"start","facts":{"team":"North","note":"a\"b"}}"#;
        let event = parse_event(1, text).unwrap();
        assert!(matches!(event.id, Cow::Borrowed("e-1")));
        assert!(matches!(event.step, Some(Cow::Borrowed("referral"))));
        assert_eq!(event.case, "C1");
        assert_eq!(
            event.facts,
            [
                ("note".into(), Some(FactRef::Text("a\"b".into()))),
                ("team".into(), Some(FactRef::Text(Cow::Borrowed("North")))),
            ]
        );
        assert_eq!(event.clone().into_owned(), parse_line(1, text).unwrap());
        assert_eq!(EventRef::from(&event.clone().into_owned()), event);
    }

    #[test]
    fn a_fact_named_twice_keeps_its_last_value_as_a_map_would() {
        let text = r#"{"id":"e-1","case":"C1","at":"2019-04-12","action":"record","facts":{"b":1,"a":true,"b":null,"a":"x","c":2.5}}"#;
        let event = parse_line(1, text).unwrap();
        let map: std::collections::BTreeMap<String, Option<Fact>> =
            serde_json::from_str(r#"{"b":1,"a":true,"b":null,"a":"x","c":2.5}"#).unwrap();
        assert_eq!(event.facts, map);
        assert_eq!(event.facts["a"], Some(Fact::Text("x".into())));
        assert_eq!(event.facts["b"], None);
    }

    #[test]
    fn writes_what_it_reads() {
        let text = r#"{"id":"e-1","case":"C1","at":"2019-10-25T12:00:00+01:00","step":"missing_episode","action":"complete","facts":{"age":4,"dob":"2015-01-01","flag":true,"gone":null,"score":1.5}}"#;
        let event = parse_line(1, text).unwrap();
        assert_eq!(event.to_line(), text);
        assert_eq!(parse_line(1, &event.to_line()).unwrap(), event);
    }

    #[test]
    fn names_the_line_and_the_field() {
        let e = error(
            r#"{"id":"e-1","case":"C1","at":"2019-13-01","step":"referral","action":"start"}"#,
        );
        assert_eq!(
            (e.line, e.field.as_deref(), e.id.as_deref()),
            (7, Some("at"), Some("e-1"))
        );
        assert!(e.message.contains("`2019-13-01`"), "{}", e.message);

        let e = error(
            r#"{"id":"e-1","case":"C1","at":"2019-01-01","step":"referral","action":"begin"}"#,
        );
        assert_eq!(e.field.as_deref(), Some("action"));

        let e = error(r#"{"id":"e-1","case":"C1","at":"2019-01-01","action":"start"}"#);
        assert_eq!(e.field.as_deref(), Some("step"));

        let e = error(
            r#"{"id":"e-1","case":"C1","at":"2019-01-01","step":"referral","action":"start","outcome":"nfa"}"#,
        );
        assert_eq!(e.field.as_deref(), Some("outcome"));

        let e = error(r#"{"case":"C1","at":"2019-01-01","step":"referral","action":"start"}"#);
        assert_eq!(e.field.as_deref(), Some("id"));
    }

    #[test]
    fn never_quotes_fact_values() {
        let e = error(
            r#"{"id":"e-1","case":"C1","at":"2019-01-01","action":"record","facts":{"name":["Jane","Doe"]}}"#,
        );
        assert_eq!(e.field.as_deref(), Some("facts.name"));
        assert!(!e.message.contains("Jane"), "{}", e.message);

        let e = error(
            r#"{"id":"e-1","case":"C1","at":"2019-01-01","action":"record","facts":"Jane Doe"}"#,
        );
        assert_eq!(e.field.as_deref(), Some("facts"));
        assert!(!e.message.contains("Jane"), "{}", e.message);

        let e =
            error(r#"{"id":"e-1","case":"C1","at":"2019-01-01","action":"record","facts":{"x":1}"#);
        assert!(e.message.starts_with("not valid JSON"), "{}", e.message);
    }

    #[test]
    fn rejects_non_objects_and_wrong_types() {
        assert!(error("[1,2]").message.contains("JSON object"));
        let e =
            error(r#"{"id":5,"case":"C1","at":"2019-01-01","step":"referral","action":"start"}"#);
        assert_eq!(e.field.as_deref(), Some("id"));
    }

    #[test]
    fn reads_lines_and_skips_blank_ones() {
        let input = "\n{\"id\":\"a\",\"case\":\"C\",\"at\":\"2020-01-01\",\"action\":\"record\"}\n\nnot json\n";
        let results: Vec<_> = read_lines(input.as_bytes()).collect();
        assert_eq!(results.len(), 2);
        assert!(results[0].is_ok());
        assert_eq!(results[1].as_ref().unwrap_err().line, 4);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(text in ".{0,200}") {
            let _ = parse_line(1, &text);
        }
    }
}
