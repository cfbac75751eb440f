//! The case book: every checked event of a run, grouped by case, kept as
//! compactly as the engine can read it back between reading and replay.
//!
//! A whole country is ten million events or more, and every one must be
//! held until its case replays (a case's events may be anywhere in the
//! input). [`CaseEvent`] is the form a case replays from, about 72 bytes and
//! its facts; here each event is a record of bytes instead, about 26 for an
//! event dated by day with a short id:
//!
//! | bytes | what |
//! |---|---|
//! | 4 | the line, little-endian |
//! | 2 | the step's index (`u16::MAX`: none) |
//! | 1 | the outcome's index (`u8::MAX`: none) |
//! | 1 | the action (bits 0–1), facts (bit 2), an instant (bit 3) |
//! | 4 or 16 | a date (year, month, day), or an instant (seconds, nanoseconds, offset seconds) |
//! | 1 or more | the id's length in bytes (LEB128) |
//! | n | the id |
//! | 1 or more each | with facts: how many, then each fact's number in the run's [`FactBook`] (LEB128) |
//!
//! Lengths and numbers take seven bits a byte, so that small ones take one.

use crate::ingest::{CaseEvent, Checked, FactBook, FactChanges, Facts, FastHash};
use compact_str::CompactString;
use duly_events::FactRef;
use duly_events::{Action, At};
use hashbrown::HashTable;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::Offset;
use std::borrow::Cow;
use std::hash::BuildHasher;

const FACTS: u8 = 1 << 2;
const INSTANT: u8 = 1 << 3;

fn action_code(action: Action) -> u8 {
    match action {
        Action::Start => 0,
        Action::Complete => 1,
        Action::Cancel => 2,
        Action::Record => 3,
    }
}

fn action_of(code: u8) -> Action {
    match code & 3 {
        0 => Action::Start,
        1 => Action::Complete,
        2 => Action::Cancel,
        _ => Action::Record,
    }
}

/// An event's facts, as read, to be numbered in a record.
pub(crate) type ReadFacts<'f, 'a> = &'f [(Cow<'a, str>, Option<FactRef<'a>>)];

/// Appends the record of one checked event, numbering its facts in `book`.
pub(crate) fn write_record(
    out: &mut Vec<u8>,
    line: u32,
    id: &str,
    event: &Checked,
    facts: ReadFacts<'_, '_>,
    book: &FactBook,
) {
    out.extend_from_slice(&line.to_le_bytes());
    out.extend_from_slice(&event.step.to_le_bytes());
    out.push(event.outcome);
    let mut head = action_code(event.action);
    if !facts.is_empty() {
        head |= FACTS;
    }
    match event.at {
        At::Date(date) => {
            out.push(head);
            out.extend_from_slice(&date.year().to_le_bytes());
            out.extend_from_slice(&date.month().to_le_bytes());
            out.extend_from_slice(&date.day().to_le_bytes());
        }
        At::Instant { timestamp, offset } => {
            out.push(head | INSTANT);
            out.extend_from_slice(&timestamp.as_second().to_le_bytes());
            out.extend_from_slice(&timestamp.subsec_nanosecond().to_le_bytes());
            out.extend_from_slice(&offset.seconds().to_le_bytes());
        }
    }
    write_len(out, id.len());
    out.extend_from_slice(id.as_bytes());
    if !facts.is_empty() {
        write_len(out, facts.len());
        for (name, value) in facts {
            write_len(out, book.number(name, value.as_ref()) as usize);
        }
    }
}

/// Appends a length, seven bits a byte (LEB128).
pub(crate) fn write_len(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Reads a length written by [`write_len`] at the start of `bytes`: the
/// length, and how many bytes it took.
pub(crate) fn read_len(bytes: &[u8]) -> Option<(usize, usize)> {
    let mut n = 0usize;
    for (i, &byte) in bytes.iter().enumerate().take(10) {
        n |= usize::from(byte & 0x7f).checked_shl(7 * i as u32)?;
        if byte < 0x80 {
            return Some((n, i + 1));
        }
    }
    None
}

/// One record read back.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Record<'b> {
    pub line: u32,
    pub id: &'b str,
    step: u16,
    outcome: u8,
    head: u8,
    at: At,
    /// The numbers of its facts, as written.
    facts: &'b [u8],
}

impl Record<'_> {
    /// The event, with its facts from `facts`; `None` if a fact's number
    /// is not there.
    pub fn event(&self, facts: &Facts) -> Option<CaseEvent> {
        let changes: Option<FactChanges> = if self.head & FACTS == 0 {
            None
        } else {
            let mut rest = self.facts;
            let (count, used) = read_len(rest)?;
            rest = &rest[used..];
            let changes = (0..count)
                .map(|_| {
                    let (n, used) = read_len(rest)?;
                    rest = &rest[used..];
                    facts.get(u32::try_from(n).ok()?).cloned()
                })
                .collect::<Option<FactChanges>>()?;
            Some(changes)
        };
        let checked = Checked {
            step: self.step,
            outcome: self.outcome,
            action: action_of(self.head),
            at: self.at,
        };
        Some(CaseEvent::new(self.line, self.id, checked, changes))
    }
}

fn take<const N: usize>(bytes: &[u8], at: &mut usize) -> Option<[u8; N]> {
    let piece = bytes.get(*at..*at + N)?;
    *at += N;
    piece.try_into().ok()
}

/// Reads the record at the start of `bytes`: the record, and its length.
/// `None` only if the bytes are not a record this module wrote.
pub(crate) fn read_record(bytes: &[u8]) -> Option<(Record<'_>, usize)> {
    let mut at = 0;
    let line = u32::from_le_bytes(take(bytes, &mut at)?);
    let step = u16::from_le_bytes(take(bytes, &mut at)?);
    let [outcome, head] = take(bytes, &mut at)?;
    let when = if head & INSTANT == 0 {
        let year = i16::from_le_bytes(take(bytes, &mut at)?);
        let [month, day] = take(bytes, &mut at)?;
        At::Date(Date::new(year, month as i8, day as i8).ok()?)
    } else {
        let second = i64::from_le_bytes(take(bytes, &mut at)?);
        let nanosecond = i32::from_le_bytes(take(bytes, &mut at)?);
        let offset = i32::from_le_bytes(take(bytes, &mut at)?);
        At::Instant {
            timestamp: Timestamp::new(second, nanosecond).ok()?,
            offset: Offset::from_seconds(offset).ok()?,
        }
    };
    let (len, used) = read_len(bytes.get(at..)?)?;
    at += used;
    let id = std::str::from_utf8(bytes.get(at..at.checked_add(len)?)?).ok()?;
    at += len;
    let facts_at = at;
    if head & FACTS != 0 {
        at += facts_len(bytes.get(at..)?)?;
    }
    Some((
        Record {
            line,
            id,
            step,
            outcome,
            head,
            at: when,
            facts: &bytes[facts_at..at],
        },
        at,
    ))
}

/// One case's events, as records.
#[derive(Debug, Default)]
pub(crate) struct Case {
    pub name: CompactString,
    pub records: Box<[u8]>,
}

impl Case {
    /// The case's events, with their facts from `facts`, leaving out the
    /// lines in `dropped`. The second value is false if a record could not
    /// be read back.
    pub fn events(&self, facts: &Facts, dropped: &impl Fn(u32) -> bool) -> (Vec<CaseEvent>, bool) {
        let mut events = Vec::new();
        let mut rest = &self.records[..];
        while let Some((record, len)) = read_record(rest) {
            rest = &rest[len..];
            if !dropped(record.line) {
                match record.event(facts) {
                    Some(event) => events.push(event),
                    None => return (events, false),
                }
            }
        }
        (events, rest.is_empty())
    }
}

/// Bytes of a block of a shard's log.
const LOG_BLOCK: usize = 1 << 18;

/// Part of the book: cases spread over shards by a hash of their id, so
/// that filing a chunk's events runs on every core.
///
/// While the input is read, events are appended to a log (each the slot of
/// its case, then its record) in blocks that never move; when reading ends,
/// [`Shard::close`] copies each case's records into one allocation of
/// exactly their size. Growing a buffer per case instead, as events
/// arrive, copied and freed memory over and over: a tenth of the run went
/// in the kernel handing out pages again.
#[derive(Debug, Default)]
pub(crate) struct Shard {
    /// Each case's slot, found by its name.
    index: HashTable<u32>,
    /// The cases by slot: only their names until the shard is closed.
    pub cases: Vec<Case>,
    /// Bytes of records of each slot.
    sizes: Vec<u32>,
    log: Vec<Vec<u8>>,
    /// How many events the shard holds.
    pub events: usize,
}

impl Shard {
    /// The slot of the case named `name`, made if new.
    fn slot(&mut self, name: &str) -> usize {
        let hash = FastHash::default().hash_one(name);
        let cases = &mut self.cases;
        match self
            .index
            .find(hash, |&slot| cases[slot as usize].name == name)
        {
            Some(&slot) => slot as usize,
            None => {
                let slot = cases.len();
                cases.push(Case {
                    name: CompactString::from(name),
                    ..Case::default()
                });
                self.sizes.push(0);
                self.index.insert_unique(hash, slot as u32, |&slot| {
                    FastHash::default().hash_one(&*cases[slot as usize].name)
                });
                slot
            }
        }
    }

    /// Files the entries a worker wrote with [`write_entry`] (each a case's
    /// name, then a record). `None` if an entry cannot be read back (a bug).
    pub fn file(&mut self, entries: &[u8]) -> Option<()> {
        let mut rest = entries;
        while !rest.is_empty() {
            let (len, used) = read_len(rest)?;
            let name = std::str::from_utf8(rest.get(used..used.checked_add(len)?)?).ok()?;
            rest = &rest[used + len..];
            let size = record_len(rest)?;
            let (record, next) = rest.split_at(size);
            let slot = self.slot(name);
            // An entry is never split between blocks.
            let room = self.log.last().map_or(0, |b| b.capacity() - b.len());
            if room < record.len() + 5 {
                self.log
                    .push(Vec::with_capacity(LOG_BLOCK.max(record.len() + 5)));
            }
            let block = self.log.last_mut()?;
            write_len(block, slot);
            block.extend_from_slice(record);
            self.sizes[slot] += record.len() as u32;
            rest = next;
            self.events += 1;
        }
        Some(())
    }

    /// Ends the reading: gives each case its records, in one allocation of
    /// exactly their size, and frees the log as it goes. `None` if the log
    /// cannot be read back (a bug).
    pub fn close(&mut self) -> Option<()> {
        self.index = HashTable::new();
        let mut records: Vec<Vec<u8>> = (self.sizes.iter())
            .map(|&bytes| Vec::with_capacity(bytes as usize))
            .collect();
        self.sizes = Vec::new();
        for block in std::mem::take(&mut self.log) {
            let mut rest = &block[..];
            while !rest.is_empty() {
                let (slot, used) = read_len(rest)?;
                rest = &rest[used..];
                let size = record_len(rest)?;
                let (record, next) = rest.split_at(size);
                records.get_mut(slot)?.extend_from_slice(record);
                rest = next;
            }
        }
        for (case, records) in self.cases.iter_mut().zip(records) {
            case.records = records.into_boxed_slice();
        }
        Some(())
    }
}

/// Appends an entry for [`Shard::file`]: the case's name, then the record.
pub(crate) fn write_entry(
    out: &mut Vec<u8>,
    case: &str,
    line: u32,
    id: &str,
    event: &Checked,
    facts: ReadFacts<'_, '_>,
    book: &FactBook,
) {
    write_len(out, case.len());
    out.extend_from_slice(case.as_bytes());
    write_record(out, line, id, event, facts, book);
}

/// Bytes of the facts part of a record at the start of `bytes`.
fn facts_len(bytes: &[u8]) -> Option<usize> {
    let (count, mut at) = read_len(bytes)?;
    for _ in 0..count {
        at += read_len(bytes.get(at..)?)?.1;
    }
    Some(at)
}

/// Bytes of a record before its id's length: 4 + 2 + 1 + 1, and a date
/// (4) or an instant (16).
fn fixed_len(head: u8) -> usize {
    if head & INSTANT == 0 { 12 } else { 24 }
}

/// Where the id of the record at the start of `bytes` starts and ends.
fn id_span(bytes: &[u8]) -> Option<(usize, usize)> {
    let fixed = fixed_len(*bytes.get(7)?);
    let (len, used) = read_len(bytes.get(fixed..)?)?;
    let start = fixed + used;
    let end = start.checked_add(len)?;
    (end <= bytes.len()).then_some((start, end))
}

/// The length of the record at the start of `bytes`, without reading it.
fn record_len(bytes: &[u8]) -> Option<usize> {
    let (_, end) = id_span(bytes)?;
    if bytes[7] & FACTS == 0 {
        return Some(end);
    }
    let len = end + facts_len(bytes.get(end..)?)?;
    (len <= bytes.len()).then_some(len)
}

/// The line and id of every record of `bytes`, read quickly: what looking
/// for repeated ids needs.
pub(crate) fn ids(bytes: &[u8]) -> impl Iterator<Item = (u32, &str)> {
    let mut rest = bytes;
    std::iter::from_fn(move || {
        let (start, end) = id_span(rest)?;
        let line = u32::from_le_bytes(rest.get(..4)?.try_into().ok()?);
        let id = std::str::from_utf8(&rest[start..end]).ok()?;
        rest = &rest[record_len(rest)?..];
        Some((line, id))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{FactChange, Value};
    use std::sync::Arc;

    fn checked(at: At) -> Checked {
        Checked {
            step: 3,
            outcome: 1,
            action: Action::Complete,
            at,
        }
    }

    /// Facts as read: none, or a team and a date of birth, or one removed.
    fn read_facts(i: usize) -> Vec<(Cow<'static, str>, Option<FactRef<'static>>)> {
        match i % 3 {
            0 => Vec::new(),
            1 => vec![
                (
                    "date_of_birth".into(),
                    Some(FactRef::Text("2015-01-01".into())),
                ),
                ("team".into(), Some(FactRef::Text("North".into()))),
            ],
            _ => vec![
                ("team".into(), None),
                ("score".into(), Some(FactRef::Float(1.5))),
            ],
        }
    }

    fn changes(i: usize) -> Option<FactChanges> {
        let text = |t: &str| Some(Value::Text(Arc::from(t)));
        let change = |name: &str, value| FactChange {
            name: Arc::from(name),
            value,
        };
        match i % 3 {
            0 => None,
            1 => Some(Arc::from(vec![
                change("date_of_birth", text("2015-01-01")),
                change("team", text("North")),
            ])),
            _ => Some(Arc::from(vec![
                change("team", None),
                change("score", Some(Value::Float(1.5))),
            ])),
        }
    }

    #[test]
    fn records_read_back_as_written() {
        let ats = [
            At::parse("2019-04-12").unwrap(),
            At::Date(jiff::civil::date(-44, 3, 15)),
            At::parse("2019-10-25T12:00:00.123456789+01:00").unwrap(),
            At::parse("1969-12-31T23:59:59.5-05:30").unwrap(),
        ];
        let long_id = "x".repeat(300);
        let book = FactBook::default();
        let mut bytes = Vec::new();
        let mut expected = Vec::new();
        for (i, at) in ats.iter().enumerate() {
            for (j, id) in ["e-1", "", long_id.as_str(), "é✓"].into_iter().enumerate() {
                let line = i as u32 * 1000 + j as u32;
                let event = checked(*at);
                write_record(&mut bytes, line, id, &event, &read_facts(i + j), &book);
                expected.push(CaseEvent::new(line, id, event, changes(i + j)));
            }
        }
        let facts = book.close();
        let mut read = Vec::new();
        let mut rest = &bytes[..];
        while let Some((record, len)) = read_record(rest) {
            assert_eq!(record_len(rest), Some(len));
            rest = &rest[len..];
            read.push(record.event(&facts).unwrap());
        }
        assert!(rest.is_empty());
        assert_eq!(read, expected);
        let lines: Vec<u32> = ids(&bytes).map(|(line, _)| line).collect();
        assert_eq!(lines, expected.iter().map(|e| e.line).collect::<Vec<_>>());
    }

    #[test]
    fn lengths_round_trip() {
        for n in [0, 1, 127, 128, 300, 16_383, 16_384, u32::MAX as usize] {
            let mut bytes = Vec::new();
            write_len(&mut bytes, n);
            assert_eq!(read_len(&bytes), Some((n, bytes.len())), "{n}");
        }
        assert_eq!(read_len(&[0x80, 0x80]), None);
    }

    #[test]
    fn a_shard_files_entries_by_case_keeping_their_order() {
        let book = FactBook::default();
        let mut entries = Vec::new();
        let at = At::parse("2020-01-01T10:00:00Z").unwrap();
        for line in 1..=9u32 {
            let case = ["C1", "C2", "C3"][line as usize % 3];
            let facts = read_facts(line as usize);
            write_entry(
                &mut entries,
                case,
                line,
                &format!("e-{line}"),
                &checked(at),
                &facts,
                &book,
            );
        }
        let mut shard = Shard::default();
        shard.file(&entries).unwrap();
        shard.close().unwrap();
        let facts = book.close();
        assert_eq!(shard.events, 9);
        let case = |name: &str| shard.cases.iter().find(|c| c.name == name).unwrap();
        let ids: Vec<(u32, &str)> = ids(&case("C2").records).collect();
        assert_eq!(ids, [(1, "e-1"), (4, "e-4"), (7, "e-7")]);
        let names: Vec<&str> = shard.cases.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["C2", "C3", "C1"]);
        let (events, whole) = case("C3").events(&facts, &|line| line == 5);
        assert!(whole);
        let read: Vec<(u32, Option<FactChanges>)> =
            events.into_iter().map(|e| (e.line, e.facts)).collect();
        assert_eq!(read, [(2, changes(2)), (8, changes(8))]);
    }
}
