//! Running many cases at once: events are read in chunks and parsed on every
//! core, checked and filed by case in the compact case book, then cases are
//! replayed on every core and handed to the caller one at a time, in order
//! of case id, so that a report never needs to hold every case.

use crate::Engine;
use crate::book::{self, Case, Shard};
use crate::ingest::{FactBook, Facts, FastHash, check, shorten};
use crate::state::{AsOf, CaseState};
use compact_str::CompactString;
use duly_events::{EventError, parse_event};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
use std::io::{BufRead, Read};
use std::sync::{Mutex, PoisonError};

/// Bytes of input parsed together: large enough to keep both cores busy,
/// small enough that only the compact events stay in memory.
const CHUNK_BYTES: usize = 8 << 20;
/// Cases replayed together before they are handed over in order.
const CASES_PER_BATCH: usize = 8192;
/// Hashes of event ids held at once while looking for ids repeated across
/// cases (8 bytes each: 64 MB); more events take more passes.
const HASHES_AT_ONCE: usize = 8 << 20;

/// What to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOptions {
    /// The moment the cases are judged as of.
    pub as_of: AsOf,
    /// Only this case, if given.
    pub case: Option<String>,
}

/// What a run read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunSummary {
    /// Lines that could not be read, do not fit the rules, or reuse the id
    /// of another case's event, by line. (Errors found within one case, such
    /// as an id repeated with other content, are in that case's
    /// [`CaseState::errors`].)
    pub errors: Vec<EventError>,
    /// Events read and applied or held (valid lines of the selected cases).
    pub events: usize,
    /// Cases replayed.
    pub cases: usize,
}

/// Shards of the case book: cases are spread over them by a hash of their
/// id, so that filing a chunk's events runs on every core.
const SHARDS: usize = 64;

/// Events grouped by case, compactly (see `book.rs`: about 30 bytes an
/// event dated by day with a short id), and every distinct fact once.
#[derive(Debug)]
pub struct CaseBook {
    shards: Vec<Shard>,
    facts: Facts,
    /// The records of the valid events of cases not selected: kept, without
    /// their facts, only to find ids that a selected case repeats.
    others: Vec<u8>,
    /// Lines left out: events reusing the id of another case's event.
    dropped: HashSet<u32, FastHash>,
}

impl Default for CaseBook {
    fn default() -> Self {
        CaseBook {
            shards: (0..SHARDS).map(|_| Shard::default()).collect(),
            facts: Facts::default(),
            others: Vec::new(),
            dropped: HashSet::default(),
        }
    }
}

impl CaseBook {
    /// How many events it holds.
    pub fn events(&self) -> usize {
        let held: usize = self.shards.iter().map(|s| s.events).sum();
        held - self.dropped.len()
    }

    /// How many cases it holds.
    pub fn cases(&self) -> usize {
        (self.shards.iter().flat_map(|s| &s.cases))
            .filter(|case| !case.records.is_empty())
            .count()
    }

    /// Finds events that reuse the id of an earlier line in another case,
    /// leaves them out (and a case left with no events), and gives an error
    /// for each. (The same id within a case is for the case's replay to
    /// judge.)
    ///
    /// Memory stays small whatever the number of events: first, `hash` of
    /// every id, for part of the hash range at a time (at most `at_once`
    /// hashes), sorted to find hashes seen twice; then only the events with
    /// those hashes are compared by their ids, so that a collision of
    /// hashes is never taken for a repeat.
    fn leave_out_ids_of_other_cases(
        &mut self,
        hash: fn(&str) -> u64,
        at_once: usize,
    ) -> Vec<EventError> {
        let held: usize = self.shards.iter().map(|s| s.events).sum();
        let others = book::ids(&self.others).count();
        let passes = (held + others).div_ceil(at_once.max(1)).max(1) as u64;
        let mut candidates: HashSet<u64, FastHash> = HashSet::default();
        for pass in 0..passes {
            let mine = |h: &u64| (*h >> 40) % passes == pass;
            let mut hashes: Vec<u64> = self
                .shards
                .par_iter()
                .flat_map_iter(|s| &s.cases)
                .flat_map_iter(|c| book::ids(&c.records).map(|(_, id)| hash(id)))
                .filter(mine)
                .collect();
            hashes.extend(book::ids(&self.others).map(|(_, id)| hash(id)).filter(mine));
            hashes.par_sort_unstable();
            candidates.extend(
                hashes
                    .windows(2)
                    .filter(|pair| pair[0] == pair[1])
                    .map(|pair| pair[0]),
            );
        }
        if candidates.is_empty() {
            return Vec::new();
        }
        let candidates = &candidates;
        let mut seen: Vec<Seen> = self
            .shards
            .par_iter()
            .enumerate()
            .flat_map_iter(|(k, s)| {
                s.cases.iter().enumerate().flat_map(move |(slot, c)| {
                    book::ids(&c.records)
                        .filter(move |(_, id)| candidates.contains(&hash(id)))
                        .map(move |(line, id)| (id.into(), line, Some((k as u32, slot as u32))))
                })
            })
            .collect();
        seen.extend(
            book::ids(&self.others)
                .filter(|(_, id)| candidates.contains(&hash(id)))
                .map(|(line, id)| (id.into(), line, None)),
        );
        seen.sort_unstable_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        let mut errors = Vec::new();
        let mut emptied: HashMap<(u32, u32), usize, FastHash> = HashMap::default();
        for group in seen.chunk_by(|a, b| a.0 == b.0) {
            let (id, first, case) = &group[0];
            for (_, line, other) in &group[1..] {
                let Some(other) = other.filter(|other| Some(*other) != *case) else {
                    continue;
                };
                self.dropped.insert(*line);
                *emptied.entry(other).or_default() += 1;
                errors.push(EventError {
                    line: *line as usize,
                    id: Some(id.to_string()),
                    field: Some("id".into()),
                    message: format!(
                        "event `{}` on line {line} repeats the id of line {first}, another child's event: the event on line {first} stands; give each event its own id",
                        shorten(id)
                    ),
                });
            }
        }
        // A case whose every event was left out is no case at all, as if
        // none of its lines fitted the rules.
        for ((k, slot), dropped) in emptied {
            let case = &mut self.shards[k as usize].cases[slot as usize];
            if book::ids(&case.records).count() == dropped {
                case.records = Box::default();
            }
        }
        errors
    }
}

/// Entries and records are written and read by `book.rs` alone: one that
/// cannot be read back would be a bug, said rather than hidden.
fn unreadable() -> std::io::Error {
    std::io::Error::other("the engine could not file the events it read: please report this")
}

/// An event whose id may be repeated: its id, its line, and its case (its
/// shard and slot; `None`: a case not selected).
type Seen = (CompactString, u32, Option<(u32, u32)>);

fn id_hash(id: &str) -> u64 {
    FastHash::default().hash_one(id)
}

fn shard_of(case: &str) -> usize {
    // The high bits mix best.
    (FastHash::default().hash_one(case) >> 58) as usize % SHARDS
}

/// What one worker made of part of a chunk: entries to file by shard (see
/// `book.rs`), the records of cases not selected, and errors. Kept from
/// chunk to chunk, so that its buffers are allocated once, not for every
/// chunk.
struct Parsed {
    entries: Vec<Vec<u8>>,
    others: Vec<u8>,
    errors: Vec<EventError>,
}

impl Parsed {
    fn new() -> Parsed {
        Parsed {
            entries: (0..SHARDS).map(|_| Vec::new()).collect(),
            others: Vec::new(),
            errors: Vec::new(),
        }
    }
}

/// Whole lines of input, with where each ends and the number of the first.
struct Chunk {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    first_line: usize,
}

/// Cuts input into chunks of whole lines.
struct ChunkReader {
    /// Bytes a chunk aims at.
    size: usize,
    /// The start of a line that the last chunk cut off.
    carry: Vec<u8>,
    /// Lines handed out so far.
    lines: usize,
    eof: bool,
    /// A used chunk's buffer, to fill again.
    spare: Option<Vec<u8>>,
}

impl ChunkReader {
    fn new(size: usize) -> ChunkReader {
        ChunkReader {
            size: size.max(1),
            carry: Vec::new(),
            lines: 0,
            eof: false,
            spare: None,
        }
    }

    /// The next chunk, filled into `buffer`; `None` at the end.
    fn next<R: BufRead>(
        &mut self,
        input: &mut R,
        mut buffer: Vec<u8>,
    ) -> std::io::Result<Option<Chunk>> {
        buffer.clear();
        buffer.reserve(self.size + (1 << 16));
        buffer.append(&mut self.carry);
        let mut want = self.size;
        loop {
            while !self.eof && buffer.len() < want {
                let room = (want - buffer.len()) as u64;
                if input.take(room).read_to_end(&mut buffer)? == 0 {
                    self.eof = true;
                }
            }
            match memchr::memrchr(b'\n', &buffer) {
                _ if self.eof => break,
                Some(last) => {
                    self.carry.extend_from_slice(&buffer[last + 1..]);
                    buffer.truncate(last + 1);
                    break;
                }
                // One line longer than a chunk: read on until it ends.
                None => want = (buffer.len() * 2).max(1),
            }
        }
        if buffer.is_empty() {
            return Ok(None);
        }
        let mut ends: Vec<usize> = memchr::memchr_iter(b'\n', &buffer).map(|i| i + 1).collect();
        if ends.last() != Some(&buffer.len()) {
            ends.push(buffer.len());
        }
        let first_line = self.lines + 1;
        self.lines += ends.len();
        Ok(Some(Chunk {
            bytes: buffer,
            ends,
            first_line,
        }))
    }
}

impl Engine {
    /// Reads events in the event format from `input`, keeping those of the
    /// selected cases that fit the rules, and reports each line that does
    /// not, by line, and each event that reuses the id of an earlier line
    /// in another case. Parsing and filing run on every core.
    pub fn read_events<R: BufRead>(
        &self,
        input: R,
        only: Option<&str>,
    ) -> std::io::Result<(CaseBook, Vec<EventError>)> {
        self.read_events_in(input, only, CHUNK_BYTES)
    }

    fn read_events_in<R: BufRead>(
        &self,
        input: R,
        only: Option<&str>,
        chunk_bytes: usize,
    ) -> std::io::Result<(CaseBook, Vec<EventError>)> {
        let (mut book, mut errors) = self.file_events(input, only, chunk_bytes)?;
        errors.append(&mut book.leave_out_ids_of_other_cases(id_hash, HASHES_AT_ONCE));
        book.others = Vec::new();
        errors.sort_by_key(|e| e.line);
        Ok((book, errors))
    }

    /// Reads, checks and files the events, in chunks of `chunk_bytes`.
    fn file_events<R: BufRead>(
        &self,
        mut input: R,
        only: Option<&str>,
        chunk_bytes: usize,
    ) -> std::io::Result<(CaseBook, Vec<EventError>)> {
        let mut book = CaseBook::default();
        let mut errors = Vec::new();
        let facts = FactBook::default();
        let parts = Mutex::new(Vec::new());
        let mut reader = ChunkReader::new(chunk_bytes);
        let mut current = reader.next(&mut input, Vec::new())?;
        // While every core parses one chunk, this thread reads the next.
        while let Some(chunk) = current {
            let mut next = Ok(None);
            let mut absorbed = Ok(());
            let spare = reader.spare.take().unwrap_or_default();
            rayon::in_place_scope(|scope| {
                scope.spawn(|_| {
                    absorbed = self.absorb(&chunk, only, &facts, &parts, &mut book, &mut errors)
                });
                next = reader.next(&mut input, spare);
            });
            absorbed?;
            reader.spare = Some(chunk.bytes);
            current = next?;
        }
        drop(reader);
        drop(parts);
        book.facts = facts.close();
        if !book
            .shards
            .par_iter_mut()
            .all(|shard| shard.close().is_some())
        {
            return Err(unreadable());
        }
        Ok((book, errors))
    }

    /// Parses a chunk's lines on every core and files them by case.
    /// `spare` holds the workers' buffers between chunks.
    fn absorb(
        &self,
        chunk: &Chunk,
        only: Option<&str>,
        facts: &FactBook,
        spare: &Mutex<Vec<Parsed>>,
        book: &mut CaseBook,
        errors: &mut Vec<EventError>,
    ) -> std::io::Result<()> {
        let ends = &chunk.ends;
        let start = || {
            spare
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop()
                .unwrap_or_else(Parsed::new)
        };
        let mut parts: Vec<Parsed> = (0..ends.len())
            .into_par_iter()
            .fold(start, |mut parsed, i| {
                let start = if i == 0 { 0 } else { ends[i - 1] };
                let n = chunk.first_line + i;
                self.read_line(n, &chunk.bytes[start..ends[i]], only, facts, &mut parsed);
                parsed
            })
            .collect();
        // Each shard takes its entries from every worker, in the order of
        // the lines, on every core; the buffers then go back to the workers.
        let mut columns: Vec<Vec<Vec<u8>>> = (0..SHARDS)
            .map(|_| Vec::with_capacity(parts.len()))
            .collect();
        for part in &mut parts {
            errors.append(&mut part.errors);
            book.others.append(&mut part.others);
            for (k, column) in columns.iter_mut().enumerate() {
                column.push(std::mem::take(&mut part.entries[k]));
            }
        }
        let filed = book
            .shards
            .par_iter_mut()
            .zip(columns.par_iter())
            .all(|(shard, column)| column.iter().all(|entries| shard.file(entries).is_some()));
        for (k, column) in columns.into_iter().enumerate() {
            for (part, mut entries) in parts.iter_mut().zip(column) {
                entries.clear();
                part.entries[k] = entries;
            }
        }
        spare
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .append(&mut parts);
        if filed { Ok(()) } else { Err(unreadable()) }
    }

    /// One line: parsed, checked against the rules, and filed if its case
    /// is selected (or kept aside for its id if not).
    fn read_line(
        &self,
        n: usize,
        bytes: &[u8],
        only: Option<&str>,
        facts: &FactBook,
        parsed: &mut Parsed,
    ) {
        let text = match std::str::from_utf8(bytes) {
            Ok(text) => text.trim_end_matches(['\n', '\r']),
            Err(_) => {
                parsed.errors.push(EventError::new(
                    n,
                    None,
                    "the line is not valid UTF-8: save the file as UTF-8",
                ));
                return;
            }
        };
        if text.trim().is_empty() {
            return;
        }
        let event = match parse_event(n, text) {
            Ok(event) => event,
            Err(error) => return parsed.errors.push(error),
        };
        let line = u32::try_from(n).unwrap_or(u32::MAX);
        let selected = only.is_none_or(|case| case == event.case);
        match check(&self.plan, n, &event) {
            Ok(checked) if selected => {
                let entries = &mut parsed.entries[shard_of(&event.case)];
                let case = &event.case;
                book::write_entry(
                    entries,
                    case,
                    line,
                    &event.id,
                    &checked,
                    &event.facts,
                    facts,
                );
            }
            Ok(checked) => {
                book::write_record(&mut parsed.others, line, &event.id, &checked, &[], facts);
            }
            Err(error) if selected => parsed.errors.push(error),
            Err(_) => {}
        }
    }

    /// Replays every case of `book` as of `as_of` on every core, handing each
    /// state to `each` in order of case id. Returns how many cases ran.
    pub fn replay_book(&self, book: CaseBook, as_of: AsOf, each: impl FnMut(CaseState)) -> usize {
        self.replay_book_with(book, as_of, |state| state, each)
    }

    /// Like [`Engine::replay_book`], but first turns each state into what the
    /// caller needs with `map`, on every core (a report's rows, a JSON text),
    /// then hands the results to `each` in order of case id.
    pub fn replay_book_with<T: Send>(
        &self,
        book: CaseBook,
        as_of: AsOf,
        map: impl Fn(CaseState) -> T + Sync,
        mut each: impl FnMut(T),
    ) -> usize {
        let CaseBook {
            mut shards,
            facts,
            dropped,
            ..
        } = book;
        // Every case has records, but for one whose every event was left out.
        // Each is sorted by the first 16 bytes of its name, held beside it:
        // comparing the names where they lie took two cache misses a
        // comparison, some 40 million of them for a million cases.
        let mut order: Vec<(u128, u32, u32)> = shards
            .iter()
            .enumerate()
            .flat_map(|(k, s)| {
                (s.cases.iter().enumerate())
                    .filter(|(_, case)| !case.records.is_empty())
                    .map(move |(slot, case)| (name_key(&case.name), k as u32, slot as u32))
            })
            .collect();
        let name = |&(_, k, slot): &(u128, u32, u32)| &shards[k as usize].cases[slot as usize].name;
        order.par_sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| name(a).cmp(name(b))));
        let cases = order.len();
        let dropped = |line: u32| !dropped.is_empty() && dropped.contains(&line);
        // While every core replays one batch, this thread hands over the last.
        let mut finished: Vec<T> = Vec::new();
        for batch in order.chunks(CASES_PER_BATCH) {
            let work: Vec<Case> = batch
                .iter()
                .map(|&(_, k, slot)| std::mem::take(&mut shards[k as usize].cases[slot as usize]))
                .collect();
            let mut done: Vec<T> = Vec::new();
            rayon::in_place_scope(|scope| {
                scope.spawn(|_| {
                    done = work
                        .into_par_iter()
                        .map(|case| map(self.replay_case(case, &facts, &dropped, as_of)))
                        .collect();
                });
                for result in finished.drain(..) {
                    each(result);
                }
            });
            finished = done;
        }
        for result in finished {
            each(result);
        }
        cases
    }

    /// The state of one case of the book.
    fn replay_case(
        &self,
        case: Case,
        facts: &Facts,
        dropped: &impl Fn(u32) -> bool,
        as_of: AsOf,
    ) -> CaseState {
        let (events, whole) = case.events(facts, dropped);
        let last = events.last().map_or(0, |e| e.line as usize);
        let mut state = self.case_state(&case.name, events, as_of);
        if !whole {
            // Records are written and read by `book.rs` alone: this would be
            // a bug, said rather than hidden.
            state.errors.push(EventError::new(
                last,
                None,
                "the engine could not read back this case's events after this line: please report this",
            ));
        }
        state
    }

    /// Reads events from `input` and replays the selected cases as of the
    /// given moment, handing each case's state to `each` in order of case id.
    pub fn run<R: BufRead>(
        &self,
        input: R,
        options: &RunOptions,
        each: impl FnMut(CaseState),
    ) -> std::io::Result<RunSummary> {
        self.run_with(input, options, |state| state, each)
    }

    /// Like [`Engine::run`], with `map` applied to each state on every core
    /// before `each` receives the results in order of case id.
    pub fn run_with<R: BufRead, T: Send>(
        &self,
        input: R,
        options: &RunOptions,
        map: impl Fn(CaseState) -> T + Sync,
        each: impl FnMut(T),
    ) -> std::io::Result<RunSummary> {
        let (book, errors) = self.read_events(input, options.case.as_deref())?;
        let events = book.events();
        let cases = self.replay_book_with(book, options.as_of, map, each);
        Ok(RunSummary {
            errors,
            events,
            cases,
        })
    }
}

/// The first 16 bytes of a case's name as a number that sorts as the names
/// do: a name that sorts before another never has a larger key (a shorter
/// name is padded with zero bytes), so only equal keys need the names.
fn name_key(name: &str) -> u128 {
    let mut key = [0u8; 16];
    let bytes = name.as_bytes();
    let n = bytes.len().min(16);
    key[..n].copy_from_slice(&bytes[..n]);
    u128::from_be_bytes(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::rules::engine;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_name_key_never_contradicts_the_names_order(
            a in "[A\\x00é]{0,20}",
            b in "[A\\x00é]{0,20}",
        ) {
            if a < b {
                prop_assert!(name_key(&a) <= name_key(&b), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn chunks_hold_whole_lines_whatever_their_size() {
        let text = "a\nbb\n\nccccccccccccccc\r\ndd\neeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\nlast";
        for size in [1, 2, 3, 7, 16, 1000] {
            let mut reader = ChunkReader::new(size);
            let mut input = text.as_bytes();
            let mut lines = Vec::new();
            while let Some(chunk) = reader.next(&mut input, Vec::new()).unwrap() {
                let mut start = 0;
                for (i, &end) in chunk.ends.iter().enumerate() {
                    let line = std::str::from_utf8(&chunk.bytes[start..end]).unwrap();
                    lines.push((
                        chunk.first_line + i,
                        line.trim_end_matches(['\n', '\r']).to_owned(),
                    ));
                    start = end;
                }
            }
            let expected: Vec<(usize, String)> = text
                .lines()
                .enumerate()
                .map(|(i, l)| (i + 1, l.to_owned()))
                .collect();
            assert_eq!(lines, expected, "chunks of {size} bytes");
        }
    }

    #[test]
    fn line_numbers_hold_across_chunks() {
        let good =
            r#"{"id":"e-1","case":"C1","at":"2019-04-01","step":"referral","action":"start"}"#;
        let mut text = String::new();
        for i in 0..50 {
            match i % 10 {
                3 => text.push_str("not json\n"),
                7 => text.push('\n'),
                _ => text.push_str(
                    &good
                        .replace("e-1", &format!("e-{i}"))
                        .replace("C1", &format!("C{}", i % 4)),
                ),
            }
            if i % 10 != 3 && i % 10 != 7 {
                text.push('\n');
            }
        }
        let engine = engine();
        for size in [10, 100, 1 << 20] {
            let (book, errors) = engine.read_events_in(text.as_bytes(), None, size).unwrap();
            let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
            assert_eq!(lines, [4, 14, 24, 34, 44], "chunks of {size} bytes");
            assert_eq!((book.events(), book.cases()), (40, 4));
        }
    }

    const REFERRAL: &str =
        r#"{"id":"ID","case":"CASE","at":"2019-04-01","step":"referral","action":"start"}"#;

    fn referral(id: &str, case: &str) -> String {
        REFERRAL.replace("ID", id).replace("CASE", case)
    }

    /// Lines 3 and 6 reuse ids of other children's earlier events; line 4
    /// repeats its own case's event.
    fn reused_ids() -> String {
        [
            referral("e-1", "C1"),
            referral("e-2", "C2"),
            referral("e-1", "C2"),
            referral("e-1", "C1"),
            referral("e-3", "C3"),
            referral("e-3", "C4"),
        ]
        .join("\n")
    }

    fn run(only: Option<&str>) -> (RunSummary, Vec<CaseState>) {
        let options = RunOptions {
            as_of: AsOf::end_of("2019-06-30".parse().unwrap()),
            case: only.map(str::to_owned),
        };
        let mut cases = Vec::new();
        let summary = engine()
            .run(reused_ids().as_bytes(), &options, |case| cases.push(case))
            .unwrap();
        (summary, cases)
    }

    #[test]
    fn an_id_another_child_used_first_is_refused_and_the_first_stands() {
        let (summary, cases) = run(None);
        let refused: Vec<(usize, Option<&str>)> = (summary.errors.iter())
            .map(|e| (e.line, e.field.as_deref()))
            .collect();
        assert_eq!(refused, [(3, Some("id")), (6, Some("id"))]);
        assert_eq!(
            summary.errors[0].message,
            "event `e-1` on line 3 repeats the id of line 1, another child's event: the event on line 1 stands; give each event its own id"
        );
        // C4's only event was refused: C4 is not a case.
        let names: Vec<&str> = cases.iter().map(|c| c.case.as_str()).collect();
        assert_eq!(names, ["C1", "C2", "C3"]);
        assert_eq!((summary.cases, summary.events), (3, 4));
        let starts = |case: &CaseState| -> Vec<String> {
            (case.occurrences.iter())
                .filter_map(|o| o.start_event.as_ref().map(|e| e.to_string()))
                .collect()
        };
        assert_eq!(starts(&cases[0]), ["e-1"]);
        assert!(
            cases[0].errors.is_empty(),
            "the same event twice is ignored"
        );
        assert_eq!(starts(&cases[1]), ["e-2"]);
    }

    #[test]
    fn one_case_alone_is_judged_as_in_the_whole_run() {
        let lines =
            |summary: &RunSummary| summary.errors.iter().map(|e| e.line).collect::<Vec<_>>();
        let (summary, cases) = run(Some("C2"));
        assert_eq!(lines(&summary), [3]);
        assert_eq!(cases.len(), 1);
        let (summary, cases) = run(Some("C1"));
        assert!(summary.errors.is_empty());
        assert_eq!(cases.len(), 1);
        let (summary, cases) = run(Some("C4"));
        assert_eq!(lines(&summary), [6]);
        assert!(cases.is_empty());
    }

    #[test]
    fn colliding_hashes_are_never_taken_for_repeats_however_many_passes() {
        let engine = engine();
        let mut text = reused_ids();
        for i in 0..40 {
            text.push('\n');
            text.push_str(&referral(&format!("x-{i}"), &format!("D{}", i % 7)));
        }
        let (_, expected) = engine.read_events(text.as_bytes(), None).unwrap();
        // Every id of the same length has the same hash (spread over the
        // passes by its length), and a pass holds one or two hashes: many
        // passes, and collisions everywhere.
        let by_length = |id: &str| id.len() as u64 * ((1 << 40) + 1);
        for at_once in [1, 2, 1000] {
            let (mut book, _) = engine.file_events(text.as_bytes(), None, 64).unwrap();
            let mut errors = book.leave_out_ids_of_other_cases(by_length, at_once);
            errors.sort_by_key(|e| e.line);
            assert_eq!(errors, expected, "{at_once} at once");
            assert_eq!(book.events(), 4 + 40);
        }
    }
}
