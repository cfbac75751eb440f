//! One thing that happened to a child, as a case system reports it.

use crate::At;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

/// What an event does to a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The step began (a referral received, a child became looked after).
    Start,
    /// The step was done (the conference held), with an outcome if it has any.
    Complete,
    /// The step will not happen (closed without being done).
    Cancel,
    /// Only facts changed; no step.
    Record,
}

impl Action {
    /// The action's name in the event format.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Start => "start",
            Action::Complete => "complete",
            Action::Cancel => "cancel",
            Action::Record => "record",
        }
    }

    /// Parses an action name from the event format.
    pub fn parse(text: &str) -> Option<Action> {
        match text {
            "start" => Some(Action::Start),
            "complete" => Some(Action::Complete),
            "cancel" => Some(Action::Cancel),
            "record" => Some(Action::Record),
            _ => None,
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A scalar value known about a child (team, worker, date of birth, …).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Fact {
    /// `true` or `false`.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A number with a fraction.
    Float(f64),
    /// Text, including dates written `YYYY-MM-DD`.
    Text(String),
}

impl Fact {
    /// The value as text, if it is text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Fact::Text(text) => Some(text),
            _ => None,
        }
    }

    /// The value as a number, if it is one.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Fact::Int(n) => Some(*n as f64),
            Fact::Float(n) => Some(*n),
            _ => None,
        }
    }
}

/// Reads a plain JSON value directly (an untagged enum would buffer the
/// value and try each variant in turn, which costs more than the rest of
/// the line).
impl<'de> Deserialize<'de> for Fact {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FactVisitor;

        impl serde::de::Visitor<'_> for FactVisitor {
            type Value = Fact;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("text, a number, true or false")
            }

            fn visit_bool<E>(self, v: bool) -> Result<Fact, E> {
                Ok(Fact::Bool(v))
            }

            fn visit_i64<E>(self, v: i64) -> Result<Fact, E> {
                Ok(Fact::Int(v))
            }

            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Fact, E> {
                Ok(i64::try_from(v)
                    .map(Fact::Int)
                    .unwrap_or(Fact::Float(v as f64)))
            }

            fn visit_f64<E>(self, v: f64) -> Result<Fact, E> {
                Ok(Fact::Float(v))
            }

            fn visit_str<E>(self, v: &str) -> Result<Fact, E> {
                Ok(Fact::Text(v.to_owned()))
            }

            fn visit_string<E>(self, v: String) -> Result<Fact, E> {
                Ok(Fact::Text(v))
            }
        }

        deserializer.deserialize_any(FactVisitor)
    }
}

impl fmt::Display for Fact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fact::Bool(b) => write!(f, "{b}"),
            Fact::Int(n) => write!(f, "{n}"),
            Fact::Float(n) => write!(f, "{n}"),
            Fact::Text(t) => f.write_str(t),
        }
    }
}

/// A fact's value as read from a line, borrowing its text from the line
/// where it can (see [`EventRef`]).
#[derive(Debug, Clone, PartialEq)]
pub enum FactRef<'a> {
    /// `true` or `false`.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A number with a fraction.
    Float(f64),
    /// Text, including dates written `YYYY-MM-DD`.
    Text(Cow<'a, str>),
}

impl FactRef<'_> {
    /// The value, owning its text.
    pub fn into_owned(self) -> Fact {
        match self {
            FactRef::Bool(b) => Fact::Bool(b),
            FactRef::Int(n) => Fact::Int(n),
            FactRef::Float(n) => Fact::Float(n),
            FactRef::Text(t) => Fact::Text(t.into_owned()),
        }
    }
}

impl<'a> From<&'a Fact> for FactRef<'a> {
    fn from(fact: &'a Fact) -> Self {
        match fact {
            Fact::Bool(b) => FactRef::Bool(*b),
            Fact::Int(n) => FactRef::Int(*n),
            Fact::Float(n) => FactRef::Float(*n),
            Fact::Text(t) => FactRef::Text(Cow::Borrowed(t)),
        }
    }
}

/// Reads a plain JSON value directly, borrowing text that has no escapes.
impl<'de: 'a, 'a> Deserialize<'de> for FactRef<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FactVisitor;

        impl<'de> serde::de::Visitor<'de> for FactVisitor {
            type Value = FactRef<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("text, a number, true or false")
            }

            fn visit_bool<E>(self, v: bool) -> Result<FactRef<'de>, E> {
                Ok(FactRef::Bool(v))
            }

            fn visit_i64<E>(self, v: i64) -> Result<FactRef<'de>, E> {
                Ok(FactRef::Int(v))
            }

            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<FactRef<'de>, E> {
                Ok(i64::try_from(v)
                    .map(FactRef::Int)
                    .unwrap_or(FactRef::Float(v as f64)))
            }

            fn visit_f64<E>(self, v: f64) -> Result<FactRef<'de>, E> {
                Ok(FactRef::Float(v))
            }

            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<FactRef<'de>, E> {
                Ok(FactRef::Text(Cow::Borrowed(v)))
            }

            fn visit_str<E>(self, v: &str) -> Result<FactRef<'de>, E> {
                Ok(FactRef::Text(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E>(self, v: String) -> Result<FactRef<'de>, E> {
                Ok(FactRef::Text(Cow::Owned(v)))
            }
        }

        deserializer.deserialize_any(FactVisitor)
    }
}

/// Facts carried by an event, by name. A `null` value in the input means the
/// fact is no longer known and is kept here as `None`.
pub type Facts = BTreeMap<String, Option<Fact>>;

/// One event about one child.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Unique id of the event, from the case system.
    pub id: String,
    /// The child's id: all of a child's episodes share it.
    pub case: String,
    /// When it happened.
    pub at: At,
    /// The step it concerns; absent for `record`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// What happened to the step.
    pub action: Action,
    /// The outcome recorded on `complete`, for steps that have outcomes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// Facts merged into the case (team, worker, date of birth, …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub facts: Facts,
}

/// One event as read from a line of the event format, borrowing its text
/// from the line where it can: what the engine reads a whole file with,
/// without an allocation for every field. [`EventRef::into_owned`] gives
/// the [`Event`]; both are checked alike.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRef<'a> {
    /// Unique id of the event, from the case system.
    pub id: Cow<'a, str>,
    /// The child's id.
    pub case: Cow<'a, str>,
    /// When it happened.
    pub at: At,
    /// The step it concerns; absent for `record`.
    pub step: Option<Cow<'a, str>>,
    /// What happened to the step.
    pub action: Action,
    /// The outcome recorded on `complete`.
    pub outcome: Option<Cow<'a, str>>,
    /// Facts merged into the case, in order of name, each name once (as in
    /// [`Facts`]: the last value given for a name).
    pub facts: Vec<(Cow<'a, str>, Option<FactRef<'a>>)>,
}

impl EventRef<'_> {
    /// The event, owning its text.
    pub fn into_owned(self) -> Event {
        Event {
            id: self.id.into_owned(),
            case: self.case.into_owned(),
            at: self.at,
            step: self.step.map(Cow::into_owned),
            action: self.action,
            outcome: self.outcome.map(Cow::into_owned),
            facts: self
                .facts
                .into_iter()
                .map(|(name, value)| (name.into_owned(), value.map(FactRef::into_owned)))
                .collect(),
        }
    }
}

impl<'a> From<&'a Event> for EventRef<'a> {
    fn from(event: &'a Event) -> Self {
        EventRef {
            id: Cow::Borrowed(&event.id),
            case: Cow::Borrowed(&event.case),
            at: event.at,
            step: event.step.as_deref().map(Cow::Borrowed),
            action: event.action,
            outcome: event.outcome.as_deref().map(Cow::Borrowed),
            facts: event
                .facts
                .iter()
                .map(|(name, value)| {
                    (
                        Cow::Borrowed(name.as_str()),
                        value.as_ref().map(FactRef::from),
                    )
                })
                .collect(),
        }
    }
}

impl Event {
    /// The event as one line of the event format (no trailing newline).
    pub fn to_line(&self) -> String {
        // Serialising these plain types cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}
