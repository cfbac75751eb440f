//! Reads the returns councils already send the Department for Education into
//! Duly events, so that a council's own data can be put on the statutory
//! clock without a new extract.
//!
//! - [`read_cin`]: the children in need census (XML, schemas 2022 to 2026);
//! - [`read_903`]: the SSDA903 children looked after return (CSV tables).
//!
//! Both read from any reader and yield, in order, each event or each problem
//! found ([`ImportError`]); nothing here touches the file system. Problems
//! name the file, line, child id and element or column, never a value that
//! could be a name or free text. `docs/import.md` says which element or
//! column becomes which event, and what is not imported.
//!
//! ```
//! let xml = r#"<Message><Children><Child>
//!   <ChildIdentifiers><LAchildID>C1</LAchildID></ChildIdentifiers>
//!   <CINdetails><CINreferralDate>2024-01-08</CINreferralDate><ReferralNFA>true</ReferralNFA></CINdetails>
//! </Child></Children></Message>"#;
//! let events: Vec<_> = duly_import::read_cin("c.xml", xml.as_bytes()).collect::<Result<_, _>>().unwrap();
//! assert_eq!(events[1].to_line(), r#"{"id":"cin:C1:2024-01-08:referral.complete","case":"C1","at":"2024-01-08","step":"referral","action":"complete","outcome":"nfa"}"#);
//! ```

mod cin;
mod draft;
mod problem;
mod ssda903;
mod values;

pub use cin::{CinEvents, read_cin};
pub use problem::{ImportError, Severity};
pub use ssda903::{Ssda903Events, Table, read_903};
