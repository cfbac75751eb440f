//! The durable event store: every event a case system sends, kept once and
//! never lost.
//!
//! The log is append-only and keyed by event id. Sending the same event again
//! is harmless (it is reported as a duplicate); sending a different event
//! under an id already used is refused (a conflict), because an event, once
//! acknowledged, is part of a child's record and is never rewritten.
//!
//! [`EventStore`] is what the rest of Duly uses; [`SqliteStore`] is the
//! embedded implementation. The API is synchronous: a service calls it from a
//! blocking task or a writer thread.
//!
//! ```
//! use duly_store::{Appended, EventStore, SqliteStore};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let store = SqliteStore::open(dir.path().join("duly.db")).unwrap();
//! let event = duly_events::parse_line(1, r#"{"id":"e-1","case":"C1","at":"2019-04-12","step":"referral","action":"start"}"#).unwrap();
//! assert_eq!(store.append(&[event.clone()]).unwrap(), [Appended::Accepted]);
//! assert_eq!(store.append(&[event]).unwrap(), [Appended::Duplicate]);
//! assert_eq!(store.case_events("C1").unwrap().len(), 1);
//! ```

mod schema;
mod sqlite;

pub use sqlite::SqliteStore;

mod rules;
pub use rules::{Generation, RuleHistory};

use duly_events::Event;
use jiff::Timestamp;

/// A durable, append-only log of events, read back per case or as a whole.
///
/// Every method that writes returns only once what it wrote is durable.
pub trait EventStore: Send + Sync {
    /// Appends a batch in one transaction: either every accepted event is
    /// stored or, on error, none is. Returns what happened to each event, in
    /// the order given.
    fn append(&self, events: &[Event]) -> Result<Vec<Appended>, StoreError>;

    /// One child's events in the order they apply: by when they happened
    /// ([`duly_events::At`]'s order), ties in the order they arrived.
    fn case_events(&self, case: &str) -> Result<Vec<StoredEvent>, StoreError>;

    /// How many events case `case` has, and the arrival of the newest. The
    /// log is append-only, so any event stored for the case since, by this
    /// process or another, changes it: a cache of a case's events is
    /// current while its tally is the same. The default reads the events.
    fn case_tally(&self, case: &str) -> Result<CaseTally, StoreError> {
        Ok(CaseTally::of(&self.case_events(case)?))
    }

    /// Every event, case by case (cases in id order), each case in the order
    /// its events apply, read a page at a time from one consistent snapshot.
    /// The snapshot is held until the stream is dropped: drop it when done.
    fn events(&self) -> Result<EventStream<'_>, StoreError>;

    /// The ids of every case with at least one event, in order.
    fn case_ids(&self) -> Result<Vec<String>, StoreError>;

    /// How many events are stored.
    fn count(&self) -> Result<u64, StoreError>;

    /// Records that a plugin action happened, once per key: the first call
    /// stores it and says [`ActionRecorded::Inserted`]; any later call with
    /// the same key, from any process, says [`ActionRecorded::AlreadyRecorded`].
    fn record_action(
        &self,
        key: &ActionKey,
        action: &serde_json::Value,
    ) -> Result<ActionRecorded, StoreError>;
}

/// The events of the whole store, one at a time. A stored event that cannot
/// be read back is an error item; the events after it still follow.
pub type EventStream<'a> = Box<dyn Iterator<Item = Result<StoredEvent, StoreError>> + Send + 'a>;

/// An event as stored, with the place it arrived in.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// The order in which the store accepted events, counting up from 1.
    /// It breaks ties between events that happened at the same moment.
    pub arrival: u64,
    /// The event, exactly as it was accepted.
    pub event: Event,
}

/// A case's event count and newest arrival ([`EventStore::case_tally`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CaseTally {
    /// How many events the case has.
    pub events: u64,
    /// The arrival of its newest event (0 without any).
    pub last_arrival: u64,
}

impl CaseTally {
    /// The tally of a case's events as read back by
    /// [`EventStore::case_events`].
    pub fn of(events: &[StoredEvent]) -> CaseTally {
        CaseTally {
            events: events.len() as u64,
            last_arrival: events.iter().map(|e| e.arrival).max().unwrap_or(0),
        }
    }
}

/// What the store did with one event of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Appended {
    /// Stored now, for the first time.
    Accepted,
    /// Already stored with exactly this content; nothing was written.
    Duplicate,
    /// Refused; nothing was written.
    Rejected(Rejection),
}

/// Why the store refused an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// An event with this id is already stored and says something else.
    #[error(
        "event `{id}` is already stored with different content: send a correction as a new event with its own id"
    )]
    Conflict {
        /// The id both events share.
        id: String,
    },
}

/// What makes a plugin action unique: firing it again for the same key is a
/// repeat, not a new action.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ActionKey {
    /// The child's case id.
    pub case: String,
    /// The plugin that acted.
    pub plugin: String,
    /// The hook it acted on (`on_breach`, `on_approaching`, …).
    pub hook: String,
    /// Which deadline, or which occurrence of a repeating one.
    pub occurrence: String,
    /// The moment the action was due.
    pub moment: Timestamp,
}

/// Whether [`EventStore::record_action`] stored the action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionRecorded {
    /// First time: the caller should carry the action out.
    Inserted,
    /// Already recorded before: the caller must not carry it out again.
    AlreadyRecorded,
}

/// Why the store could not do what was asked. Messages name the database and
/// event ids, never the content of an event.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database was written by a newer Duly, whose schema this one does
    /// not know.
    #[error(
        "the database `{db}` was written by a newer version of Duly (schema {found}, this version knows up to {known}): upgrade Duly to open it"
    )]
    NewerSchema {
        /// The database.
        db: String,
        /// The schema version found in it.
        found: i64,
        /// The newest schema version this build knows.
        known: i64,
    },
    /// The file exists but holds something other than a Duly database.
    #[error("`{db}` is not a Duly database: choose a new file or an existing Duly database")]
    NotDuly {
        /// The file.
        db: String,
    },
    /// Another writer held the database for longer than the store waits.
    #[error("the database `{db}` is busy with another writer: try again when it has finished")]
    Busy {
        /// The database.
        db: String,
    },
    /// A stored event could not be read back as an event.
    #[error(
        "stored event `{id}` in `{db}` cannot be read back: the database was changed outside Duly; restore it from a backup"
    )]
    Corrupt {
        /// The database.
        db: String,
        /// The id of the unreadable event.
        id: String,
    },
    /// The database itself failed (file system, disk full, locking).
    #[error("the database `{db}` could not be used: {source}")]
    Backend {
        /// The database.
        db: String,
        /// What the database reported.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}
