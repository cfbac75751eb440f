//! The embedded store: one SQLite file in write-ahead-log mode.
//!
//! Durability: `synchronous=FULL` makes every commit wait for the log to
//! reach the disk, so a write acknowledged by [`EventStore::append`] survives
//! a crash of the process or of the machine. A crash before the commit leaves
//! nothing of the batch.
//!
//! Concurrency: one writer connection, behind a lock, takes SQLite's write
//! lock at the start of each transaction (`BEGIN IMMEDIATE`), so batches from
//! many threads, or many processes, apply one after another. Readers use
//! their own connections and never wait for the writer.

use crate::schema::{self, Found};
use crate::{
    ActionKey, ActionRecorded, Appended, CaseTally, EventStore, EventStream, Generation, Rejection,
    RuleHistory, StoreError, StoredEvent,
};
use duly_events::{At, Event};
use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior, params};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// How long a writer waits for another process's transaction to finish.
const BUSY_WAIT: Duration = Duration::from_secs(30);

/// How many events [`EventStore::events`] reads at a time.
const PAGE: usize = 1_000;

/// The writer's page cache, in KiB (as `PRAGMA cache_size` takes it: negative).
const WRITER_CACHE_KIB: i64 = -64 * 1024;

/// Pages in the write-ahead log before it is copied into the database
/// (about 40 MiB at SQLite's 4 KiB pages).
const CHECKPOINT_PAGES: i64 = 10_000;

/// How many idle reader connections are kept for reuse.
const SPARE_READERS: usize = 4;

/// The event store in one SQLite file (and its `-wal` and `-shm` files).
///
/// Share one `SqliteStore` between threads (it is `Sync`); several processes
/// may also open the same file.
pub struct SqliteStore {
    path: PathBuf,
    db: String,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("db", &self.db)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens the database at `path`, creating it if there is no file, and
    /// brings its schema up to date. Refuses a file that is not a Duly
    /// database or comes from a newer Duly.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        let path = path.as_ref().to_path_buf();
        // While another process turns a new file to write-ahead logging,
        // SQLite can answer `busy` at once, without waiting: opening is
        // then tried again, for as long as a write would wait. Every step
        // of it can be repeated (the look reads; the migrations are
        // transactions).
        let started = Instant::now();
        loop {
            match SqliteStore::open_once(&path) {
                Err(StoreError::Busy { .. }) if started.elapsed() < BUSY_WAIT => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                opened => return opened,
            }
        }
    }

    fn open_once(path: &Path) -> Result<SqliteStore, StoreError> {
        let path = path.to_path_buf();
        let db = path.display().to_string();
        let fail = |err| failure(&db, err);
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(&path, flags).map_err(fail)?;
        conn.busy_timeout(BUSY_WAIT).map_err(fail)?;
        // Look before changing anything: a foreign file stays as it was. The
        // look is one read transaction, so that another process migrating
        // the same new file cannot be caught half-way between its reads.
        let found = {
            let tx = conn.transaction().map_err(fail)?;
            let found = schema::inspect(&tx).map_err(fail)?;
            tx.finish().map_err(fail)?;
            found
        };
        check(&db, found)?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(fail)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Backend {
                db,
                source: format!(
                    "write-ahead logging could not be switched on (the journal is `{mode}`)"
                )
                .into(),
            });
        }
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(fail)?;
        // A batch of 10,000 events touches thousands of index pages, one
        // per case. With SQLite's default 2 MiB cache they spill to the log
        // before the commit and are read back; with checkpoints every 4 MiB
        // each one is copied into the database after every batch. Both
        // doubled the bytes written and halved the speed.
        conn.pragma_update(None, "cache_size", WRITER_CACHE_KIB)
            .map_err(fail)?;
        conn.pragma_update(None, "wal_autocheckpoint", CHECKPOINT_PAGES)
            .map_err(fail)?;
        check(
            &db,
            schema::migrate_to(&mut conn, schema::latest()).map_err(fail)?,
        )?;
        Ok(SqliteStore {
            path,
            db,
            writer: Mutex::new(conn),
            readers: Mutex::new(Vec::new()),
        })
    }

    fn fail(&self, err: rusqlite::Error) -> StoreError {
        failure(&self.db, err)
    }

    fn writer(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a transaction open:
        // rusqlite rolls back a transaction when it is dropped.
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn take_reader(&self) -> Result<Connection, StoreError> {
        let spare = self
            .readers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        if let Some(conn) = spare {
            return Ok(conn);
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.path, flags).map_err(|e| self.fail(e))?;
        conn.busy_timeout(BUSY_WAIT).map_err(|e| self.fail(e))?;
        conn.pragma_update(None, "query_only", true)
            .map_err(|e| self.fail(e))?;
        // A plan that does not depend on the values bound: without it, the
        // bundled SQLite (built with STAT4) marks the case id of
        // `case_events` as one whose value may change the plan, and
        // compiles the query again on nearly every read.
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
            true,
        )
        .map_err(|e| self.fail(e))?;
        Ok(conn)
    }

    fn give_back(&self, conn: Connection) {
        let mut readers = self.readers.lock().unwrap_or_else(PoisonError::into_inner);
        if readers.len() < SPARE_READERS {
            readers.push(conn);
        }
    }

    fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let conn = self.take_reader()?;
        let result = f(&conn);
        self.give_back(conn);
        result
    }

    fn decode(&self, arrival: u64, id: String, body: &str) -> Result<StoredEvent, StoreError> {
        match duly_events::parse_line(0, body) {
            Ok(event) if event.id == id => Ok(StoredEvent { arrival, event }),
            _ => Err(StoreError::Corrupt {
                db: self.db.clone(),
                id,
            }),
        }
    }
}

impl EventStore for SqliteStore {
    fn append(&self, events: &[Event]) -> Result<Vec<Appended>, StoreError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.writer();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.fail(e))?;
        let outcomes = append_in(&tx, events).map_err(|e| self.fail(e))?;
        tx.commit().map_err(|e| self.fail(e))?;
        Ok(outcomes)
    }

    fn case_events(&self, case: &str) -> Result<Vec<StoredEvent>, StoreError> {
        self.read(|conn| {
            let fail = |e| self.fail(e);
            let mut stmt = conn
                .prepare_cached(
                    "SELECT arrival, id, body FROM events WHERE case_id = ?1 ORDER BY order_key, arrival",
                )
                .map_err(fail)?;
            let rows = stmt
                .query_map([case], |row| {
                    Ok((row.get::<_, i64>(0)?, row.get(1)?, row.get::<_, String>(2)?))
                })
                .map_err(fail)?;
            rows.map(|row| {
                let (arrival, id, body) = row.map_err(fail)?;
                self.decode(arrival.cast_unsigned(), id, &body)
            })
            .collect()
        })
    }

    fn case_tally(&self, case: &str) -> Result<CaseTally, StoreError> {
        // From the index by case alone: no event is read.
        self.read(|conn| {
            conn.prepare_cached(
                "SELECT count(*), coalesce(max(arrival), 0) FROM events WHERE case_id = ?1",
            )
            .and_then(|mut stmt| {
                stmt.query_row([case], |row| {
                    Ok(CaseTally {
                        events: row.get::<_, i64>(0)?.cast_unsigned(),
                        last_arrival: row.get::<_, i64>(1)?.cast_unsigned(),
                    })
                })
            })
            .map_err(|e| self.fail(e))
        })
    }

    fn events(&self) -> Result<EventStream<'_>, StoreError> {
        let conn = self.take_reader()?;
        // One read transaction for the whole stream: every page comes from
        // the same snapshot, whatever is written meanwhile.
        if let Err(err) = conn.execute_batch("BEGIN") {
            return Err(self.fail(err));
        }
        Ok(Box::new(Pages {
            store: self,
            conn: Some(conn),
            after: (String::new(), Vec::new(), 0),
            page: Vec::new().into_iter(),
            finished: false,
        }))
    }

    fn case_ids(&self) -> Result<Vec<String>, StoreError> {
        self.read(|conn| {
            let fail = |e| self.fail(e);
            let mut stmt = conn
                .prepare_cached("SELECT DISTINCT case_id FROM events ORDER BY case_id")
                .map_err(fail)?;
            let ids = stmt.query_map([], |row| row.get(0)).map_err(fail)?;
            ids.collect::<Result<_, _>>().map_err(fail)
        })
    }

    fn count(&self) -> Result<u64, StoreError> {
        self.read(|conn| {
            conn.query_row("SELECT count(*) FROM events", [], |row| {
                row.get::<_, i64>(0)
            })
            .map(i64::cast_unsigned)
            .map_err(|e| self.fail(e))
        })
    }

    fn record_action(
        &self,
        key: &ActionKey,
        action: &serde_json::Value,
    ) -> Result<ActionRecorded, StoreError> {
        let conn = self.writer();
        let inserted = conn
            .prepare_cached(
                "INSERT INTO actions (case_id, plugin, hook, occurrence, moment, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    key.case,
                    key.plugin,
                    key.hook,
                    key.occurrence,
                    key.moment.to_string(),
                    action.to_string(),
                ])
            })
            .map_err(|e| self.fail(e))?;
        Ok(if inserted == 1 {
            ActionRecorded::Inserted
        } else {
            ActionRecorded::AlreadyRecorded
        })
    }
}

impl RuleHistory for SqliteStore {
    fn generations(&self) -> Result<Vec<Generation>, StoreError> {
        self.read(|conn| {
            let fail = |e| self.fail(e);
            let mut stmt = conn
                .prepare_cached(
                    "SELECT generation, from_arrival, moved_to, body FROM rule_generations
                     ORDER BY generation",
                )
                .map_err(fail)?;
            let rows = stmt
                .query_map([], |row| {
                    Ok(Generation {
                        number: row.get::<_, i64>(0)?.cast_unsigned(),
                        from_arrival: row.get::<_, i64>(1)?.cast_unsigned(),
                        moved_to: row.get::<_, Option<i64>>(2)?.map(i64::cast_unsigned),
                        body: row.get(3)?,
                    })
                })
                .map_err(fail)?;
            rows.collect::<Result<_, _>>().map_err(fail)
        })
    }

    fn save_generation(
        &self,
        body: &str,
        forward: &[u64],
        cases: &[String],
    ) -> Result<u64, StoreError> {
        let mut conn = self.writer();
        let fail = |e| self.fail(e);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(fail)?;
        tx.execute(
            "INSERT INTO rule_generations (from_arrival, body)
             VALUES ((SELECT coalesce(max(arrival), 0) + 1 FROM events), ?1)",
            [body],
        )
        .map_err(fail)?;
        let number = tx.last_insert_rowid();
        {
            let mut forward_one = tx
                .prepare_cached("UPDATE rule_generations SET moved_to = ?1 WHERE generation = ?2")
                .map_err(fail)?;
            for old in forward {
                forward_one
                    .execute(params![number, old.cast_signed()])
                    .map_err(fail)?;
            }
            let mut move_one = tx
                .prepare_cached(
                    "INSERT INTO case_moves (case_id, generation) VALUES (?1, ?2)
                     ON CONFLICT (case_id) DO UPDATE SET generation = excluded.generation",
                )
                .map_err(fail)?;
            for case in cases {
                move_one.execute(params![case, number]).map_err(fail)?;
            }
        }
        tx.commit().map_err(fail)?;
        Ok(number.cast_unsigned())
    }

    fn case_moves(&self) -> Result<Vec<(String, u64)>, StoreError> {
        self.read(|conn| {
            let fail = |e| self.fail(e);
            let mut stmt = conn
                .prepare_cached("SELECT case_id, generation FROM case_moves ORDER BY case_id")
                .map_err(fail)?;
            let rows = stmt
                .query_map([], |row| {
                    Ok((row.get(0)?, row.get::<_, i64>(1)?.cast_unsigned()))
                })
                .map_err(fail)?;
            rows.collect::<Result<_, _>>().map_err(fail)
        })
    }

    fn case_first_arrivals(&self) -> Result<Vec<(String, u64)>, StoreError> {
        self.read(|conn| {
            let fail = |e| self.fail(e);
            let mut stmt = conn
                .prepare_cached(
                    "SELECT case_id, min(arrival) FROM events GROUP BY case_id ORDER BY case_id",
                )
                .map_err(fail)?;
            let rows = stmt
                .query_map([], |row| {
                    Ok((row.get(0)?, row.get::<_, i64>(1)?.cast_unsigned()))
                })
                .map_err(fail)?;
            rows.collect::<Result<_, _>>().map_err(fail)
        })
    }

    fn first_arrival(&self, case: &str) -> Result<Option<u64>, StoreError> {
        self.read(|conn| {
            conn.prepare_cached("SELECT min(arrival) FROM events WHERE case_id = ?1")
                .and_then(|mut stmt| stmt.query_row([case], |row| row.get::<_, Option<i64>>(0)))
                .map(|first| first.map(i64::cast_unsigned))
                .map_err(|e| self.fail(e))
        })
    }
}

/// Appends `events` inside the caller's transaction, one outcome each.
pub(crate) fn append_in(tx: &Connection, events: &[Event]) -> rusqlite::Result<Vec<Appended>> {
    let mut insert = tx.prepare_cached(
        "INSERT INTO events (id, case_id, local_date, order_key, step, action, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING",
    )?;
    let mut stored = tx.prepare_cached("SELECT body FROM events WHERE id = ?1")?;
    events
        .iter()
        .map(|event| {
            let body = event.to_line();
            let inserted = insert.execute(params![
                event.id,
                event.case,
                event.at.local_date().to_string(),
                order_key(&event.at),
                event.step,
                event.action.as_str(),
                body,
            ])?;
            if inserted == 1 {
                return Ok(Appended::Accepted);
            }
            let existing: String = stored.query_row([&event.id], |row| row.get(0))?;
            Ok(if existing == body {
                Appended::Duplicate
            } else {
                Appended::Rejected(Rejection::Conflict {
                    id: event.id.clone(),
                })
            })
        })
        .collect()
}

/// [`At::order_key`] as bytes whose order is the same: the local date
/// (year with its sign bit flipped, month, day), then the instant in
/// nanoseconds (sign bit flipped), all big-endian.
pub(crate) fn order_key(at: &At) -> [u8; 20] {
    let (date, instant) = at.order_key();
    let mut key = [0; 20];
    key[..2].copy_from_slice(&(date.year().cast_unsigned() ^ 0x8000).to_be_bytes());
    key[2] = date.month().cast_unsigned();
    key[3] = date.day().cast_unsigned();
    key[4..].copy_from_slice(&(instant.as_nanosecond().cast_unsigned() ^ (1 << 127)).to_be_bytes());
    key
}

/// Refuses what is not a Duly database of a schema this build knows.
fn check(db: &str, found: Found) -> Result<(), StoreError> {
    match found {
        Found::Duly(_) => Ok(()),
        Found::Foreign => Err(StoreError::NotDuly { db: db.to_owned() }),
        Found::Newer(found) => Err(StoreError::NewerSchema {
            db: db.to_owned(),
            found,
            known: schema::latest(),
        }),
    }
}

fn failure(db: &str, err: rusqlite::Error) -> StoreError {
    let db = db.to_owned();
    match err.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy { db },
        Some(ErrorCode::NotADatabase) => StoreError::NotDuly { db },
        _ => StoreError::Backend {
            db,
            source: Box::new(err),
        },
    }
}

/// [`EventStore::events`]: pages read by key, inside one read transaction.
struct Pages<'a> {
    store: &'a SqliteStore,
    conn: Option<Connection>,
    /// The (case, order key, arrival) of the last event read.
    after: (String, Vec<u8>, i64),
    page: std::vec::IntoIter<Result<StoredEvent, StoreError>>,
    finished: bool,
}

impl Pages<'_> {
    fn fetch(
        &mut self,
        conn: &Connection,
    ) -> rusqlite::Result<Vec<Result<StoredEvent, StoreError>>> {
        let mut stmt = conn.prepare_cached(
            "SELECT arrival, id, body, case_id, order_key FROM events
             WHERE (case_id, order_key, arrival) > (?1, ?2, ?3)
             ORDER BY case_id, order_key, arrival LIMIT ?4",
        )?;
        let (case, key, arrival) = &self.after;
        let mut rows = stmt.query(params![case, key, arrival, PAGE as i64])?;
        let mut page = Vec::with_capacity(PAGE);
        while let Some(row) = rows.next()? {
            let arrival: i64 = row.get(0)?;
            let id: String = row.get(1)?;
            let body: String = row.get(2)?;
            self.after = (row.get(3)?, row.get(4)?, arrival);
            page.push(self.store.decode(arrival.cast_unsigned(), id, &body));
        }
        Ok(page)
    }
}

impl Iterator for Pages<'_> {
    type Item = Result<StoredEvent, StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.page.next() {
                return Some(item);
            }
            if self.finished {
                return None;
            }
            let conn = self.conn.take()?;
            let fetched = self.fetch(&conn);
            self.conn = Some(conn);
            match fetched {
                Ok(page) => {
                    self.finished = page.len() < PAGE;
                    self.page = page.into_iter();
                }
                Err(err) => {
                    self.finished = true;
                    return Some(Err(self.store.fail(err)));
                }
            }
        }
    }
}

impl Drop for Pages<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            // A connection whose transaction will not end is not reused.
            if conn.execute_batch("COMMIT").is_ok() {
                self.store.give_back(conn);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_commit_waits_for_the_disk() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("duly.db")).unwrap();
        let conn = store.writer();
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        let synchronous: i64 = conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            (mode.as_str(), synchronous),
            ("wal", 2),
            "WAL with synchronous=FULL"
        );
    }

    #[test]
    fn reading_cases_does_not_compile_the_query_again() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("duly.db")).unwrap();
        let events: Vec<Event> = (0..30)
            .map(|i| {
                let line = format!(
                    r#"{{"id":"e-{i}","case":"C{}","at":"2019-04-{:02}","step":"referral","action":"start"}}"#,
                    i % 3,
                    i % 28 + 1
                );
                duly_events::parse_line(1, &line).unwrap()
            })
            .collect();
        store.append(&events).unwrap();
        for case in ["C0", "C1", "C2", "C0", "C1"] {
            assert_eq!(store.case_events(case).unwrap().len(), 10);
        }
        let conn = store.take_reader().unwrap();
        let stmt = conn
            .prepare_cached(
                "SELECT arrival, id, body FROM events WHERE case_id = ?1 ORDER BY order_key, arrival",
            )
            .unwrap();
        assert_eq!(stmt.get_status(rusqlite::StatementStatus::RePrepare), 0);
    }

    fn arb_at() -> impl Strategy<Value = At> {
        prop_oneof![
            (-9999i16..=9999, 1i8..=12, 1i8..=28)
                .prop_map(|(y, m, d)| At::Date(jiff::civil::date(y, m, d))),
            (
                -377_705_116_800i64..=253_402_207_200,
                0i32..1_000_000_000,
                -64_800i32..=64_800
            )
                .prop_filter_map("in range", |(s, ns, off)| {
                    let timestamp = jiff::Timestamp::new(s, ns).ok()?;
                    let offset = jiff::tz::Offset::from_seconds(off).ok()?;
                    Some(At::Instant { timestamp, offset })
                }),
        ]
    }

    proptest! {
        #[test]
        fn order_key_bytes_sort_as_at_does(a in arb_at(), b in arb_at()) {
            prop_assert_eq!(order_key(&a).cmp(&order_key(&b)), a.order_key().cmp(&b.order_key()));
        }
    }
}
