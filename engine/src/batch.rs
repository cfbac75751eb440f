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

impl Engine {
    /// Reads events in the event format from `input`, keeping those of the
    /// selected cases that fit the rules, and reports each line that does
    /// not, by line. Parsing and grouping run on every core.
    pub fn read_events<R: BufRead>(
        &self,
        mut input: R,
        only: Option<&str>,
    ) -> std::io::Result<(CaseBook, Vec<EventError>)> {
        let mut book = CaseBook::default();
        let mut errors = Vec::new();
        let mut line = 0usize;
        let mut buffer: Vec<u8> = Vec::with_capacity(CHUNK_BYTES + (1 << 16));
        let mut ends: Vec<usize> = Vec::new();
        let mut eof = false;
        while !(eof && buffer.is_empty()) {
            // Fill the chunk; keep a part line at its end for the next one.
            while !eof && buffer.len() < CHUNK_BYTES {
                let room = (CHUNK_BYTES - buffer.len()) as u64;
                if (&mut input).take(room).read_to_end(&mut buffer)? == 0 {
                    eof = true;
                }
            }
            let cut = match memchr::memrchr(b'\n', &buffer) {
                _ if eof => buffer.len(),
                Some(last) => last + 1,
                // One line longer than a chunk: read on until it ends.
                None => {
                    let room = (buffer.len() as u64).max(CHUNK_BYTES as u64);
                    if (&mut input).take(room).read_to_end(&mut buffer)? == 0 {
                        eof = true;
                    }
                    continue;
                }
            };
            ends.clear();
            ends.extend(memchr::memchr_iter(b'\n', &buffer[..cut]).map(|i| i + 1));
            if ends.last() != Some(&cut) && cut > 0 {
                ends.push(cut);
            }
            let first_line = line + 1;
            let (chunk, ends_ref) = (&buffer[..cut], &ends);
            let parsed: Vec<Parsed> = (0..ends.len())
                .into_par_iter()
                .fold(Parsed::new, |mut parsed, i| {
                    let start = if i == 0 { 0 } else { ends_ref[i - 1] };
                    let n = first_line + i;
                    match self.read_line(n, &chunk[start..ends_ref[i]], only, &mut parsed.pool) {
                        None => {}
                        Some(Ok((case, event))) => {
                            parsed.shards[shard_of(&case)].push((case, event))
                        }
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
            line += ends.len();
            buffer.drain(..cut);
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
            let done: Vec<T> = work
                .into_par_iter()
                .map(|(name, case_events)| map(self.case_state(&name, case_events, as_of)))
                .collect();
            for result in done {
                each(result);
            }
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
