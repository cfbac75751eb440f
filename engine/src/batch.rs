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

/// Events grouped by case, compactly.
#[derive(Debug, Default)]
pub struct CaseBook {
    index: HashMap<Box<str>, usize, FastHash>,
    names: Vec<Box<str>>,
    events: Vec<Vec<CaseEvent>>,
}

impl CaseBook {
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

impl Engine {
    /// Reads events in the event format from `input`, keeping those of the
    /// selected cases that fit the rules, and reports each line that does
    /// not. Parsing runs on every core.
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
        let mut parsed: Vec<Option<Result<(String, CaseEvent), EventError>>> = Vec::new();
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
            (0..ends.len())
                .into_par_iter()
                .map_init(Pool::default, |pool, i| {
                    let start = if i == 0 { 0 } else { ends_ref[i - 1] };
                    let bytes = &chunk[start..ends_ref[i]];
                    let n = first_line + i;
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
                })
                .collect_into_vec(&mut parsed);
            for result in parsed.drain(..).flatten() {
                match result {
                    Ok((case, event)) => book.add(case, event),
                    Err(error) => errors.push(error),
                }
            }
            line += ends.len();
            buffer.drain(..cut);
        }
        // Growth by doubling leaves up to half of each case's list unused.
        for events in &mut book.events {
            if events.capacity() > events.len() + events.len() / 4 + 4 {
                events.shrink_to_fit();
            }
        }
        Ok((book, errors))
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
            names, mut events, ..
        } = book;
        let mut order: Vec<usize> = (0..names.len()).collect();
        order.sort_by(|&a, &b| names[a].cmp(&names[b]));
        let cases = order.len();
        for batch in order.chunks(CASES_PER_BATCH) {
            let work: Vec<(usize, Vec<CaseEvent>)> = batch
                .iter()
                .map(|&slot| (slot, std::mem::take(&mut events[slot])))
                .collect();
            let done: Vec<T> = work
                .into_par_iter()
                .map(|(slot, case_events)| map(self.case_state(&names[slot], case_events, as_of)))
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
        let (book, mut errors) = self.read_events(input, options.case.as_deref())?;
        let events = book.events.iter().map(Vec::len).sum();
        let cases = self.replay_book_with(book, options.as_of, map, each);
        errors.sort_by_key(|e| e.line);
        Ok(RunSummary {
            errors,
            events,
            cases,
        })
    }
}
