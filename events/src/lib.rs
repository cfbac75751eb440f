//! The Duly event format: the public contract between case systems and Duly.
//!
//! Events arrive as JSON Lines, one object a line:
//!
//! ```json
//! {"id": "e-17", "case": "C123", "at": "2019-04-12", "step": "strategy_discussion", "action": "complete", "outcome": "s47", "facts": {"team": "North", "worker": "W12"}}
//! ```
//!
//! This crate parses and writes that format and checks what can be checked
//! without the rules (field types, dates, which fields each action needs).
//! Whether a step or an outcome exists is for the engine to say.
//!
//! ```
//! let event = duly_events::parse_line(1, r#"{"id":"e-1","case":"C1","at":"2019-04-12","step":"referral","action":"start"}"#).unwrap();
//! assert_eq!(event.step.as_deref(), Some("referral"));
//! assert_eq!(event.at.local_date().to_string(), "2019-04-12");
//! ```

mod at;
mod event;
mod parse;

pub use at::At;
pub use event::{Action, Event, EventRef, Fact, FactRef, Facts};
pub use parse::{EventError, parse_event, parse_line, read_lines};
