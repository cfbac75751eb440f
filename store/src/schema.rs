//! The database schema and its forward-only migrations.
//!
//! `PRAGMA user_version` holds the number of migrations applied. A migration
//! is never edited once released: a change to the schema is a new migration
//! at the end of [`MIGRATIONS`]. A database from a newer Duly (a higher
//! version than this build knows) is refused rather than guessed at.

use rusqlite::{Connection, TransactionBehavior};

/// Marks a SQLite file as a Duly database (`PRAGMA application_id`): "Duly".
pub(crate) const APPLICATION_ID: i32 = 0x4475_6C79;

/// Each migration, in order; the schema version is how many have run.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: the event log.
    //
    // `arrival` is the rowid, so it counts up in commit order and, with no
    // deletes, is never reused. `body` is the event's canonical JSON (what
    // `Event::to_line` writes); the other columns are copies of its fields
    // for indexes and SQL reports. `order_key` encodes `At::order_key` so
    // that byte order is apply order. The case index is by arrival, not by
    // apply order: a batch then adds to the end of each case's run in the
    // index, whatever order its events come in (a late, backdated event
    // would otherwise split an index page), and reads sort one case at a
    // time, which is a few hundred events at most.
    "CREATE TABLE events (
        arrival INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        case_id TEXT NOT NULL,
        local_date TEXT NOT NULL,
        order_key BLOB NOT NULL,
        step TEXT,
        action TEXT NOT NULL,
        body TEXT NOT NULL
    ) STRICT;
    CREATE INDEX events_by_case ON events (case_id, arrival);",
    // 2: plugin actions, each recorded once by its idempotency key, so that
    // an escalation fires once across restarts.
    "CREATE TABLE actions (
        case_id TEXT NOT NULL,
        plugin TEXT NOT NULL,
        hook TEXT NOT NULL,
        occurrence TEXT NOT NULL,
        moment TEXT NOT NULL,
        body TEXT NOT NULL,
        recorded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        PRIMARY KEY (case_id, plugin, hook, occurrence, moment)
    ) STRICT, WITHOUT ROWID;",
    // 3: the rule sets a service has run, so that a case keeps the rules it
    // started under across reloads and restarts.
    //
    // A generation is one rule set: `body` holds its files' texts (JSON), so
    // that it can be rebuilt when the files on disk have moved on. A case
    // starts under the generation in force when its first event arrived:
    // the one with the greatest `from_arrival` not after that event's
    // arrival. `moved_to` forwards every case of a generation to a later
    // one; `case_moves` moves single cases.
    "CREATE TABLE rule_generations (
        generation INTEGER PRIMARY KEY,
        from_arrival INTEGER NOT NULL,
        moved_to INTEGER REFERENCES rule_generations (generation),
        body TEXT NOT NULL,
        loaded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    ) STRICT;
    CREATE TABLE case_moves (
        case_id TEXT PRIMARY KEY,
        generation INTEGER NOT NULL REFERENCES rule_generations (generation)
    ) STRICT, WITHOUT ROWID;",
];

/// What the file holds before any migration runs.
pub(crate) enum Found {
    /// A Duly database at this schema version (0: a new, empty file).
    Duly(i64),
    /// Some other SQLite database.
    Foreign,
    /// A Duly database from a newer Duly.
    Newer(i64),
}

/// Looks at the file without changing it.
pub(crate) fn inspect(conn: &Connection) -> rusqlite::Result<Found> {
    let application_id: i32 = conn.query_row("PRAGMA application_id", [], |row| row.get(0))?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get(0))?;
    Ok(match (application_id, version) {
        (APPLICATION_ID, v) if v > latest() => Found::Newer(v),
        (APPLICATION_ID, v) => Found::Duly(v),
        (0, 0) if tables == 0 => Found::Duly(0),
        _ => Found::Foreign,
    })
}

/// The schema version this build writes.
pub(crate) fn latest() -> i64 {
    MIGRATIONS.len() as i64
}

/// Brings the schema up to `target` in one transaction, so that a crash
/// leaves either the old schema or the new one. Another process may migrate
/// at the same time: the version is read again under the write lock.
pub(crate) fn migrate_to(conn: &mut Connection, target: i64) -> rusqlite::Result<Found> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found = inspect(&tx)?;
    if let Found::Duly(current) = found {
        for migration in MIGRATIONS
            .iter()
            .take(target as usize)
            .skip(current as usize)
        {
            tx.execute_batch(migration)?;
        }
        if current < target {
            tx.pragma_update(None, "application_id", APPLICATION_ID)?;
            tx.pragma_update(None, "user_version", target)?;
        }
    }
    tx.commit()?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ActionKey, ActionRecorded, Appended, EventStore, SqliteStore, StoreError};

    fn event(id: &str) -> duly_events::Event {
        let line = format!(
            r#"{{"id":"{id}","case":"C1","at":"2019-04-12","step":"referral","action":"start"}}"#
        );
        duly_events::parse_line(1, &line).unwrap()
    }

    #[test]
    fn migrates_a_database_from_the_first_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("duly.db");
        {
            // What the first release wrote: the event log, no actions.
            let mut conn = Connection::open(&path).unwrap();
            assert!(matches!(migrate_to(&mut conn, 1).unwrap(), Found::Duly(0)));
            let tx = conn.transaction().unwrap();
            crate::sqlite::append_in(&tx, &[event("e-1"), event("e-2")]).unwrap();
            tx.commit().unwrap();
            let version: i64 = conn
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .unwrap();
            assert_eq!(version, 1);
        }
        let store = SqliteStore::open(&path).unwrap();
        let conn = Connection::open(&path).unwrap();
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, latest());
        assert_eq!(store.count().unwrap(), 2);
        assert_eq!(
            store.append(&[event("e-2"), event("e-3")]).unwrap(),
            [Appended::Duplicate, Appended::Accepted]
        );
        let key = ActionKey {
            case: "C1".into(),
            plugin: "p".into(),
            hook: "on_breach".into(),
            occurrence: "referral#1".into(),
            moment: jiff::Timestamp::UNIX_EPOCH,
        };
        assert_eq!(
            store.record_action(&key, &serde_json::json!({})).unwrap(),
            ActionRecorded::Inserted
        );
    }

    #[test]
    fn refuses_a_database_from_a_newer_duly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("duly.db");
        drop(SqliteStore::open(&path).unwrap());
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", latest() + 1)
            .unwrap();
        let err = SqliteStore::open(&path).unwrap_err();
        assert!(matches!(err, StoreError::NewerSchema { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            format!(
                "the database `{}` was written by a newer version of Duly (schema {}, this version knows up to {}): upgrade Duly to open it",
                path.display(),
                latest() + 1,
                latest()
            )
        );
    }

    #[test]
    fn opening_again_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("duly.db");
        drop(SqliteStore::open(&path).unwrap());
        let schema = |path: &std::path::Path| -> Vec<String> {
            let conn = Connection::open(path).unwrap();
            let mut stmt = conn
                .prepare("SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY name")
                .unwrap();
            stmt.query_map([], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        let before = schema(&path);
        drop(SqliteStore::open(&path).unwrap());
        assert_eq!(schema(&path), before);
        assert!(
            before
                .iter()
                .all(|sql| !sql.starts_with("CREATE TABLE") || sql.contains("STRICT")),
            "{before:?}"
        );
    }
}
