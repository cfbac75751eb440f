//! Where a command's events come from: a JSON Lines file, a DfE return read
//! directly (CIN census XML, SSDA903 CSV tables), or the SQLite store. Every
//! command that replays cases (`run`, `report`, and the service) reads
//! through here, so that each reads every source the same way.
//!
//! A return or the store is turned into the event format as it is read and
//! handed to the engine as lines: the engine's one reader parses and checks
//! every event, on every core, whatever its source.

use crate::import::{Format as Return, files};
use duly_engine::{CaseState, Engine, RunOptions};
use duly_events::{Event, EventError};
use duly_import::{ImportError, read_903, read_cin};
use duly_store::{EventStore, SqliteStore};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// The format of `--events`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    /// The Duly event format: one JSON object a line.
    Jsonl,
    /// The children in need census (XML): a file, or a folder of `.xml` files.
    Cin,
    /// The SSDA903 return (CSV tables): a table, or a folder of them.
    #[value(name = "903")]
    Ssda903,
}

/// The options that say where events come from, shared by the commands.
#[derive(Debug, Clone, clap::Args)]
pub struct SourceArgs {
    /// The events: a JSON Lines file, or with `--input-format` a DfE return
    /// (a file or a folder).
    #[arg(long, value_name = "FILE", required_unless_present = "db")]
    pub events: Option<PathBuf>,
    /// Read the events from a Duly database (made by `duly ingest`) instead
    /// of `--events`.
    #[arg(long, value_name = "FILE", conflicts_with = "events")]
    pub db: Option<PathBuf>,
    /// What `--events` holds: `jsonl` (the default), `cin` (CIN census XML)
    /// or `903` (SSDA903 CSV tables).
    #[arg(
        long = "input-format",
        value_enum,
        value_name = "FORMAT",
        conflicts_with = "db"
    )]
    pub input_format: Option<InputFormat>,
}

/// A source of events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A JSON Lines file.
    Jsonl(PathBuf),
    /// A CIN census file or folder.
    Cin(PathBuf),
    /// An SSDA903 table or folder.
    Ssda903(PathBuf),
    /// A Duly database.
    Db(PathBuf),
}

/// What was read, besides the cases.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Events read.
    pub events: usize,
    /// Cases replayed.
    pub cases: usize,
    /// Events refused by the engine (bad lines, events that do not fit the
    /// rules), by line. Add the errors found within each case
    /// ([`CaseState::errors`]) to have them all.
    pub errors: Vec<EventError>,
    /// Problems found reading a return or the store, as people read them.
    pub problems: Vec<Problem>,
}

/// A problem found before an event reached the engine.
#[derive(Debug)]
pub enum Problem {
    /// A DfE return could not be converted as recorded.
    Import(ImportError),
    /// A stored event could not be read back.
    Store(String),
}

impl Problem {
    /// Whether something was left out (an import warning leaves nothing out).
    pub fn left_out(&self) -> bool {
        match self {
            Problem::Import(problem) => problem.is_error(),
            Problem::Store(_) => true,
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Import(problem) => write!(f, "{problem}"),
            Problem::Store(message) => write!(f, "error: {message}"),
        }
    }
}

impl Source {
    /// The source the options name.
    pub fn new(args: &SourceArgs) -> Result<Source, String> {
        match (&args.events, &args.db) {
            (_, Some(db)) => Ok(Source::Db(db.clone())),
            (Some(path), None) => Ok(match args.input_format.unwrap_or(InputFormat::Jsonl) {
                InputFormat::Jsonl => Source::Jsonl(path.clone()),
                InputFormat::Cin => Source::Cin(path.clone()),
                InputFormat::Ssda903 => Source::Ssda903(path.clone()),
            }),
            (None, None) => Err("give the events with `--events FILE` or `--db FILE`".into()),
        }
    }

    fn path(&self) -> &Path {
        match self {
            Source::Jsonl(p) | Source::Cin(p) | Source::Ssda903(p) | Source::Db(p) => p,
        }
    }

    /// How an event error reads: by line in a JSON Lines file; by event id
    /// (and its place in the order read) otherwise.
    pub fn describe(&self, error: &EventError) -> String {
        match (self, &error.id) {
            (Source::Jsonl(_), _) => crate::run::describe(error),
            (_, id) => {
                let field = error
                    .field
                    .as_deref()
                    .map(|f| format!(" (`{f}`)"))
                    .unwrap_or_default();
                match id {
                    Some(id) => format!("event `{id}`{field}: {}", error.message),
                    None => format!("event {}{field}: {}", error.line, error.message),
                }
            }
        }
    }

    /// Reads the events and replays every selected case as of the options'
    /// moment: `map` runs on every core, `each` receives the results in
    /// order of case id. An error is a file or database that could not be
    /// read at all.
    pub fn run_with<T: Send>(
        &self,
        engine: &Engine,
        options: &RunOptions,
        map: impl Fn(CaseState) -> T + Sync,
        each: impl FnMut(T),
    ) -> Result<Outcome, String> {
        let shown = self.path().display().to_string();
        let cannot = |err: io::Error| format!("cannot read `{shown}`: {}", why(&err));
        let (summary, problems) = match self {
            Source::Jsonl(path) => {
                let file = File::open(path).map_err(cannot)?;
                let summary = engine
                    .run_with(BufReader::new(file), options, map, each)
                    .map_err(cannot)?;
                (summary, Vec::new())
            }
            Source::Cin(path) | Source::Ssda903(path) => {
                let format = match self {
                    Source::Cin(_) => Return::Cin,
                    _ => Return::Ssda903,
                };
                let mut readers = Vec::new();
                for file in files(format, path)? {
                    let name = file.display().to_string();
                    let opened = File::open(&file)
                        .map_err(|err| format!("cannot read `{name}`: {}", why(&err)))?;
                    readers.push((name, BufReader::new(opened)));
                }
                let events = readers.into_iter().flat_map(move |(name, reader)| {
                    let items: Box<dyn Iterator<Item = Result<Event, ImportError>>> = match format {
                        Return::Cin => Box::new(read_cin(&name, reader)),
                        Return::Ssda903 => Box::new(read_903(&name, reader)),
                    };
                    items.map(|item| item.map_err(Problem::Import))
                });
                let mut lines = Lines::new(events);
                let summary = engine
                    .run_with(&mut lines, options, map, each)
                    .map_err(cannot)?;
                (summary, lines.problems)
            }
            Source::Db(path) => {
                // Opening a missing file would make an empty database.
                if !path.is_file() {
                    return Err(format!("cannot read `{shown}`: no such file"));
                }
                let store = SqliteStore::open(path).map_err(|err| err.to_string())?;
                let stream = store.events().map_err(|err| err.to_string())?;
                let events = stream.map(|item| {
                    item.map(|stored| stored.event)
                        .map_err(|err| Problem::Store(err.to_string()))
                });
                let mut lines = Lines::new(events);
                let summary = engine
                    .run_with(&mut lines, options, map, each)
                    .map_err(cannot)?;
                (summary, lines.problems)
            }
        };
        Ok(Outcome {
            events: summary.events,
            cases: summary.cases,
            errors: summary.errors,
            problems,
        })
    }
}

/// Events turned into lines of the event format as the engine reads them;
/// problems are kept aside.
struct Lines<I> {
    events: I,
    buffer: Vec<u8>,
    at: usize,
    problems: Vec<Problem>,
}

/// Bytes of lines made at a time.
const LINES_BYTES: usize = 1 << 16;

impl<I: Iterator<Item = Result<Event, Problem>>> Lines<I> {
    fn new(events: I) -> Self {
        Lines {
            events,
            buffer: Vec::with_capacity(LINES_BYTES + 1024),
            at: 0,
            problems: Vec::new(),
        }
    }
}

impl<I: Iterator<Item = Result<Event, Problem>>> BufRead for Lines<I> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.at == self.buffer.len() {
            self.buffer.clear();
            self.at = 0;
            while self.buffer.len() < LINES_BYTES {
                match self.events.next() {
                    Some(Ok(event)) => {
                        self.buffer.extend_from_slice(event.to_line().as_bytes());
                        self.buffer.push(b'\n');
                    }
                    Some(Err(problem)) => self.problems.push(problem),
                    None => break,
                }
            }
        }
        Ok(&self.buffer[self.at..])
    }

    fn consume(&mut self, amount: usize) {
        self.at = (self.at + amount).min(self.buffer.len());
    }
}

impl<I: Iterator<Item = Result<Event, Problem>>> Read for Lines<I> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

/// An I/O error in plain words.
pub fn why(err: &io::Error) -> String {
    match err.kind() {
        io::ErrorKind::NotFound => "no such file or folder".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        kind => kind.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_carry_every_event_whole_and_keep_problems_aside() {
        let event = |i: usize| {
            duly_events::parse_line(
                1,
                &format!(
                    r#"{{"id":"e-{i}","case":"C{}","at":"2019-04-01","step":"referral","action":"start"}}"#,
                    i % 7
                ),
            )
        };
        let items: Vec<Result<Event, Problem>> = (0..5000)
            .map(|i| match i % 1000 {
                999 => Err(Problem::Store(format!("stored event {i} is unreadable"))),
                _ => Ok(event(i).unwrap()),
            })
            .collect();
        let mut lines = Lines::new(items.into_iter());
        let mut text = String::new();
        // Small reads, as a chunked reader might make.
        let mut piece = [0u8; 777];
        loop {
            let n = lines.read(&mut piece).unwrap();
            if n == 0 {
                break;
            }
            text.push_str(std::str::from_utf8(&piece[..n]).unwrap());
        }
        let read: Vec<Event> = text
            .lines()
            .enumerate()
            .map(|(i, l)| duly_events::parse_line(i + 1, l).unwrap())
            .collect();
        assert_eq!(read.len(), 4995);
        assert_eq!(lines.problems.len(), 5);
        assert_eq!(read[0].id, "e-0");
        assert_eq!(read[4994].id, "e-4998");
    }
}
