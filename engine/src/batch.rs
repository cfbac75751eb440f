//! Running many cases at once: events are read in chunks and parsed on every
//! core, grouped by case in a compact form, then cases are replayed on every
//! core and handed to the caller one at a time, in order of case id, so that
//! a report never needs to hold every case.

use crate::ingest::{FastHash, Pool, check};
use crate::state::{AsOf, CaseState};
use crate::{CaseEvent, Engine};
use duly_events::{EventError, parse_line};
use rayon::prelude::*;
use std::collections::HashMap;
use std::io::{BufRead, Read};

/// Bytes of input parsed together: large enough to keep both cores busy,
/// small enough that only the compact events stay in memory.
const CHUNK_BYTES: usize = 8 << 20;
/// Cases replayed together before they are handed over in order.
const CASES_PER_BATCH: usize = 2048;

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
    /// Lines that could not be read or do not fit the rules, by line. (Errors
    /// found within one case, such as a repeated event id, are in that
    /// case's [`CaseState::errors`].)
    pub errors: Vec<EventError>,
    /// Events read and applied or held (valid lines of the selected cases).
    pub events: usize,
    /// Cases replayed.
    pub cases: usize,
}

/// Shards of the case book: cases are spread over them by a hash of their
/// id, so that grouping a chunk's events runs on every core.
const SHARDS: usize = 64;

/// Events grouped by case, compactly.
#[derive(Debug)]
pub struct CaseBook {
    shards: Vec<Shard>,
}

impl Default for CaseBook {
    fn default() -> Self {
        CaseBook {
            shards: (0..SHARDS).map(|_| Shard::default()).collect(),
        }
    }
}

impl CaseBook {
    /// How many events it holds.
    pub fn events(&self) -> usize {
        self.shards
            .iter()
            .flat_map(|s| &s.events)
            .map(Vec::len)
            .sum()
    }

    /// How many cases it holds.
    pub fn cases(&self) -> usize {
        self.shards.iter().map(|s| s.names.len()).sum()
    }
}

#[derive(Debug, Default)]
struct Shard {
    index: HashMap<Box<str>, usize, FastHash>,
    names: Vec<Box<str>>,
    events: Vec<Vec<CaseEvent>>,
}

impl Shard {
    fn add(&mut self, case: String, event: CaseEvent) {
        let slot = match self.index.get(case.as_str()) {
            Some(&slot) => slot,
            None => {
                let slot = self.names.len();
                let name: Box<str> = case.into_boxed_str();
                self.index.insert(name.clone(), slot);
                self.names.push(name);
                self.events.push(Vec::new());
                slot
            }
        };
        self.events[slot].push(event);
    }
}

fn shard_of(case: &str) -> usize {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = FastHash::default().build_hasher();
    hasher.write(case.as_bytes());
    // The high bits mix best.
    (hasher.finish() >> 58) as usize % SHARDS
}

/// What one worker made of part of a chunk: events by shard, and errors.
struct Parsed {
    pool: Pool,
    shards: Vec<Vec<(String, CaseEvent)>>,
    errors: Vec<EventError>,
}

impl Parsed {
    fn new() -> Parsed {
        Parsed {
            pool: Pool::default(),
            shards: (0..SHARDS).map(|_| Vec::new()).collect(),
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
    /// not, by line. Parsing and grouping run on every core.
    pub fn read_events<R: BufRead>(
        &self,
        input: R,
        only: Option<&str>,
    ) -> std::io::Result<(CaseBook, Vec<EventError>)> {
        self.read_events_in(input, only, CHUNK_BYTES)
    }

    fn read_events_in<R: BufRead>(
        &self,
        mut input: R,
        only: Option<&str>,
        chunk_bytes: usize,
    ) -> std::io::Result<(CaseBook, Vec<EventError>)> {
        let mut book = CaseBook::default();
        let mut errors = Vec::new();
        let mut reader = ChunkReader::new(chunk_bytes);
        let mut current = reader.next(&mut input, Vec::new())?;
        // While every core parses one chunk, this thread reads the next.
        while let Some(chunk) = current {
            let mut next = Ok(None);
            let spare = reader.spare.take().unwrap_or_default();
            rayon::in_place_scope(|scope| {
                scope.spawn(|_| self.absorb(&chunk, only, &mut book, &mut errors));
                next = reader.next(&mut input, spare);
            });
            reader.spare = Some(chunk.bytes);
            current = next?;
        }
        // Growth by doubling leaves up to half of each case's list unused.
        book.shards
            .par_iter_mut()
            .flat_map(|s| s.events.par_iter_mut())
            .for_each(|events| {
                if events.capacity() > events.len() + events.len() / 4 + 4 {
                    events.shrink_to_fit();
                }
            });
        errors.sort_by_key(|e| e.line);
        Ok((book, errors))
    }

    /// Parses a chunk's lines on every core and files them by case.
    fn absorb(
        &self,
        chunk: &Chunk,
        only: Option<&str>,
        book: &mut CaseBook,
        errors: &mut Vec<EventError>,
    ) {
        let ends = &chunk.ends;
        let parsed: Vec<Parsed> = (0..ends.len())
            .into_par_iter()
            .fold(Parsed::new, |mut parsed, i| {
                let start = if i == 0 { 0 } else { ends[i - 1] };
                let n = chunk.first_line + i;
                match self.read_line(n, &chunk.bytes[start..ends[i]], only, &mut parsed.pool) {
                    None => {}
                    Some(Ok((case, event))) => parsed.shards[shard_of(&case)].push((case, event)),
                    Some(Err(error)) => parsed.errors.push(error),
                }
                parsed
            })
            .collect();
        // Each shard takes its events from every worker, on every core.
        // The order within a case does not matter: replay sorts by line.
        let mut columns: Vec<Vec<Vec<(String, CaseEvent)>>> =
            (0..SHARDS).map(|_| Vec::new()).collect();
        for mut part in parsed {
            errors.append(&mut part.errors);
            for (column, events) in columns.iter_mut().zip(part.shards.drain(..)) {
                column.push(events);
            }
        }
        book.shards
            .par_iter_mut()
            .zip(columns.into_par_iter())
            .for_each(|(shard, column)| {
                for (case, event) in column.into_iter().flatten() {
                    shard.add(case, event);
                }
            });
    }

    /// One line: parsed, checked against the rules, kept if its case is selected.
    fn read_line(
        &self,
        n: usize,
        bytes: &[u8],
        only: Option<&str>,
        pool: &mut Pool,
    ) -> Option<Result<(String, CaseEvent), EventError>> {
        let text = match std::str::from_utf8(bytes) {
            Ok(text) => text.trim_end_matches(['\n', '\r']),
            Err(_) => {
                return Some(Err(EventError::new(
                    n,
                    None,
                    "the line is not valid UTF-8: save the file as UTF-8",
                )));
            }
        };
        if text.trim().is_empty() {
            return None;
        }
        let event = match parse_line(n, text) {
            Ok(event) => event,
            Err(error) => return Some(Err(error)),
        };
        if only.is_some_and(|case| case != event.case) {
            return None;
        }
        Some(check(&self.plan, n, event, pool))
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
        let mut shards = book.shards;
        let mut order: Vec<(usize, usize)> = shards
            .iter()
            .enumerate()
            .flat_map(|(k, s)| (0..s.names.len()).map(move |slot| (k, slot)))
            .collect();
        order.par_sort_unstable_by(|&(a, i), &(b, j)| shards[a].names[i].cmp(&shards[b].names[j]));
        let cases = order.len();
        // While every core replays one batch, this thread hands over the last.
        let mut finished: Vec<T> = Vec::new();
        for batch in order.chunks(CASES_PER_BATCH) {
            let work: Vec<(Box<str>, Vec<CaseEvent>)> = batch
                .iter()
                .map(|&(k, slot)| {
                    let shard = &mut shards[k];
                    (
                        std::mem::take(&mut shard.names[slot]),
                        std::mem::take(&mut shard.events[slot]),
                    )
                })
                .collect();
            let mut done: Vec<T> = Vec::new();
            rayon::in_place_scope(|scope| {
                scope.spawn(|_| {
                    done = work
                        .into_par_iter()
                        .map(|(name, case_events)| map(self.case_state(&name, case_events, as_of)))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::rules::engine;

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
}
