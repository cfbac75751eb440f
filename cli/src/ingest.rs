//! `duly ingest`: store a file of events durably, each event once.
//!
//! The file is read as a stream and stored in batches of one transaction
//! each. A batch is on disk before the next is read, so a run that is
//! interrupted is finished by running it again: what it had stored comes
//! back as duplicates and is skipped.

use duly_events::{Event, parse_line};
use duly_store::{Appended, EventStore, SqliteStore};
use indicatif::{ProgressBar, ProgressStyle};
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The longest line read as an event; a longer one is refused and skipped.
const MAX_LINE: usize = 1 << 20;

/// Store events durably, each once, reporting every line that is refused.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The database to store the events in; created if it does not exist.
    #[arg(long, value_name = "FILE", default_value = "duly.db")]
    pub db: PathBuf,
    /// How many events to store in each transaction.
    #[arg(long, value_name = "N", default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..))]
    pub batch_size: u32,
    /// The events, in JSON Lines (one event a line); `-` reads standard input.
    #[arg(value_name = "EVENTS")]
    pub events: PathBuf,
}

/// Runs `duly ingest`: exit 0 when nothing was refused, 1 when a line was,
/// 2 when the file or the database could not be used.
pub fn run(args: Args) -> ExitCode {
    let (mut reader, length) = match open(&args.events) {
        Ok(opened) => opened,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let store = match SqliteStore::open(&args.db) {
        Ok(store) => store,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    let bar = progress_bar(length);
    let outcome = ingest(
        &mut reader,
        &store,
        args.batch_size as usize,
        &bar,
        &mut |line| bar.suspend(|| eprintln!("{line}")),
    );
    bar.finish_and_clear();
    if let Some(stop) = &outcome.stopped {
        eprintln!("error: {stop}");
        eprintln!(
            "  help: events from line {} on were not stored; run the same command again to store them (events already stored are skipped as duplicates)",
            outcome.from_line
        );
    }
    println!("{}", outcome.summary);
    match (&outcome.stopped, outcome.summary.rejected) {
        (Some(_), _) => ExitCode::from(2),
        (None, 0) => ExitCode::SUCCESS,
        (None, _) => ExitCode::from(1),
    }
}

/// Opens the events file (or standard input), with its length if known.
fn open(path: &Path) -> Result<(Box<dyn BufRead>, Option<u64>), String> {
    if path.as_os_str() == "-" {
        return Ok((Box::new(io::stdin().lock()), None));
    }
    let cannot = |err: io::Error| format!("cannot read `{}`: {}", path.display(), describe(&err));
    let file = File::open(path).map_err(cannot)?;
    let metadata = file.metadata().map_err(cannot)?;
    if metadata.is_dir() {
        return Err(format!(
            "`{}` is a folder: give the file of events",
            path.display()
        ));
    }
    Ok((
        Box::new(BufReader::with_capacity(1 << 16, file)),
        Some(metadata.len()),
    ))
}

/// A bar on standard error when it is a terminal, showing how much of the
/// file is stored; nothing otherwise.
fn progress_bar(length: Option<u64>) -> ProgressBar {
    if !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let (bar, template) = match length {
        Some(length) => (
            ProgressBar::new(length),
            "{elapsed_precise} [{wide_bar}] {bytes}/{total_bytes} ({eta} left) {msg}",
        ),
        None => (
            ProgressBar::new_spinner(),
            "{spinner} {elapsed_precise} {bytes} read {msg}",
        ),
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// What became of the lines read.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Summary {
    accepted: u64,
    duplicates: u64,
    rejected: u64,
}

impl Summary {
    fn events(&self) -> u64 {
        self.accepted + self.duplicates + self.rejected
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = if self.duplicates == 1 { "" } else { "s" };
        write!(
            f,
            "{} accepted, {} duplicate{s}, {} rejected",
            self.accepted, self.duplicates, self.rejected
        )
    }
}

/// How a run ended.
#[derive(Debug)]
struct Outcome {
    summary: Summary,
    /// Why reading or storing stopped early, if it did.
    stopped: Option<String>,
    /// The first line not stored, when it stopped early.
    from_line: usize,
}

/// One transaction's worth of events, with the notes for its lines.
#[derive(Default)]
struct Batch {
    events: Vec<Event>,
    lines: Vec<usize>,
    notes: Vec<(usize, String)>,
}

/// Reads `reader` to its end, storing events in batches of `batch_size`
/// and passing a note for each line refused or skipped to `report`, in line
/// order. Stops early only when the input cannot be read or the store fails.
fn ingest(
    reader: &mut dyn BufRead,
    store: &dyn EventStore,
    batch_size: usize,
    bar: &ProgressBar,
    report: &mut dyn FnMut(&str),
) -> Outcome {
    let mut summary = Summary::default();
    let mut batch = Batch::default();
    let mut buf = Vec::new();
    let mut line = 0;
    let mut bytes = 0;
    let mut stopped = None;
    loop {
        line += 1;
        match read_line(reader, &mut buf) {
            Ok(Line::End) => break,
            Ok(Line::Text(read)) => {
                bytes += read as u64;
                take_line(line, &buf, &mut batch, &mut summary);
            }
            Ok(Line::TooLong(read)) => {
                bytes += read as u64;
                summary.rejected += 1;
                let note = format!(
                    "the line is longer than {} MiB: write one event a line",
                    MAX_LINE >> 20
                );
                batch.notes.push((line, note));
            }
            Err(err) => {
                stopped = Some(format!(
                    "the events could not be read past line {}: {}",
                    line - 1,
                    describe(&err)
                ));
                break;
            }
        }
        if batch.events.len() >= batch_size {
            let first = batch.lines.first().copied().unwrap_or(line);
            if let Err(err) = store_batch(store, &mut batch, &mut summary, report) {
                return Outcome {
                    summary,
                    stopped: Some(err),
                    from_line: first,
                };
            }
            bar.set_position(bytes);
            bar.set_message(format!("{} events", summary.events()));
        }
    }
    let first = batch.lines.first().copied().unwrap_or(line);
    if let Err(err) = store_batch(store, &mut batch, &mut summary, report) {
        return Outcome {
            summary,
            stopped: Some(err),
            from_line: first,
        };
    }
    Outcome {
        summary,
        stopped,
        from_line: line,
    }
}

/// Parses one line into the batch, or notes why it cannot be.
fn take_line(line: usize, bytes: &[u8], batch: &mut Batch, summary: &mut Summary) {
    let mut bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    if line == 1 {
        // A byte-order mark, as some Windows tools write.
        bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        summary.rejected += 1;
        batch.notes.push((
            line,
            "the line is not UTF-8 text: save the file as UTF-8".into(),
        ));
        return;
    };
    if text.trim().is_empty() {
        return;
    }
    match parse_line(line, text) {
        Ok(event) => {
            batch.events.push(event);
            batch.lines.push(line);
        }
        Err(err) => {
            summary.rejected += 1;
            batch.notes.push((line, err.message));
        }
    }
}

/// Stores the batch in one transaction and reports its notes in line order.
fn store_batch(
    store: &dyn EventStore,
    batch: &mut Batch,
    summary: &mut Summary,
    report: &mut dyn FnMut(&str),
) -> Result<(), String> {
    let stored = if batch.events.is_empty() {
        Ok(Vec::new())
    } else {
        store.append(&batch.events)
    };
    let result = match stored {
        Ok(outcomes) => {
            for ((event, line), outcome) in batch.events.iter().zip(&batch.lines).zip(outcomes) {
                match outcome {
                    Appended::Accepted => summary.accepted += 1,
                    Appended::Duplicate => {
                        summary.duplicates += 1;
                        let note = format!(
                            "event `{}` is already stored: skipped as a duplicate",
                            event.id
                        );
                        batch.notes.push((*line, note));
                    }
                    Appended::Rejected(why) => {
                        summary.rejected += 1;
                        batch.notes.push((*line, why.to_string()));
                    }
                }
            }
            Ok(())
        }
        Err(err) => Err(err.to_string()),
    };
    batch.notes.sort_by_key(|(line, _)| *line);
    for (line, note) in batch.notes.drain(..) {
        report(&format!("line {line}: {note}"));
    }
    batch.events.clear();
    batch.lines.clear();
    result
}

/// What [`read_line`] found.
enum Line {
    /// The end of the input.
    End,
    /// A line (in the buffer) of this many bytes, with its newline.
    Text(usize),
    /// A line longer than [`MAX_LINE`], skipped: this many bytes.
    TooLong(usize),
}

/// Reads one line into `buf`, reading no more than [`MAX_LINE`] of it into
/// memory.
fn read_line(reader: &mut dyn BufRead, buf: &mut Vec<u8>) -> io::Result<Line> {
    buf.clear();
    let read = reader.take(MAX_LINE as u64 + 1).read_until(b'\n', buf)?;
    if read == 0 {
        return Ok(Line::End);
    }
    if read > MAX_LINE && buf.last() != Some(&b'\n') {
        let skipped = reader.skip_until(b'\n')?;
        return Ok(Line::TooLong(read + skipped));
    }
    Ok(Line::Text(read))
}

/// An I/O error in plain words.
fn describe(err: &io::Error) -> String {
    match err.kind() {
        io::ErrorKind::NotFound => "there is no such file".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        io::ErrorKind::IsADirectory => "it is a folder, not a file".into(),
        _ => err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn run_on(
        input: &[u8],
        batch_size: usize,
    ) -> (Outcome, Vec<String>, SqliteStore, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("duly.db")).unwrap();
        let mut notes = Vec::new();
        let outcome = ingest(
            &mut &input[..],
            &store,
            batch_size,
            &ProgressBar::hidden(),
            &mut |note| notes.push(note.to_owned()),
        );
        (outcome, notes, store, dir)
    }

    const GOOD: &str =
        r#"{"id":"e-1","case":"C1","at":"2019-04-12","step":"referral","action":"start"}"#;

    #[test]
    fn reports_each_refused_line_in_order_across_batches() {
        let input = format!(
            "{GOOD}\nnot json\n\n{}\n{GOOD}\n{}\n",
            GOOD.replace("e-1", "e-2"),
            GOOD.replace("2019-04-12", "2019-04-13"),
        );
        let (outcome, notes, store, _dir) = run_on(input.as_bytes(), 2);
        assert_eq!(
            outcome.summary,
            Summary {
                accepted: 2,
                duplicates: 1,
                rejected: 2
            }
        );
        assert!(outcome.stopped.is_none());
        assert_eq!(
            notes,
            [
                "line 2: not valid JSON (a syntax error at column 2): each line must be one JSON object",
                "line 5: event `e-1` is already stored: skipped as a duplicate",
                "line 6: event `e-1` is already stored with different content: send a correction as a new event with its own id",
            ]
        );
        assert_eq!(store.count().unwrap(), 2);
    }

    #[test]
    fn refuses_bytes_that_are_not_text_and_lines_too_long_and_goes_on() {
        let mut input = b"\xEF\xBB\xBF".to_vec(); // A byte-order mark.
        input.extend_from_slice(GOOD.as_bytes());
        input.extend_from_slice(b"\r\n\xff\xfe{\n");
        input.extend(std::iter::repeat_n(b'x', MAX_LINE + 10));
        input.extend_from_slice(format!("\n{}", GOOD.replace("e-1", "e-2")).as_bytes());
        let (outcome, notes, store, _dir) = run_on(&input, 10);
        assert_eq!(
            outcome.summary,
            Summary {
                accepted: 2,
                duplicates: 0,
                rejected: 2
            }
        );
        assert_eq!(
            notes,
            [
                "line 2: the line is not UTF-8 text: save the file as UTF-8",
                "line 3: the line is longer than 1 MiB: write one event a line",
            ]
        );
        assert_eq!(store.count().unwrap(), 2);
    }

    #[test]
    fn a_line_of_exactly_the_limit_is_read() {
        let padded = GOOD.replace(
            "\"action\"",
            &format!("{}\"action\"", " ".repeat(MAX_LINE - GOOD.len())),
        );
        assert_eq!(padded.len(), MAX_LINE);
        let (outcome, notes, _store, _dir) = run_on(format!("{padded}\n").as_bytes(), 10);
        assert_eq!((outcome.summary.accepted, notes.len()), (1, 0));
    }

    #[test]
    fn a_read_error_stops_after_storing_what_came_before() {
        struct Failing<'a>(&'a [u8]);
        impl Read for Failing<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0.is_empty() {
                    return Err(io::Error::other("the disk went away"));
                }
                let n = self.0.read(buf)?;
                Ok(n)
            }
        }
        let input = format!("{GOOD}\n{}\n", GOOD.replace("e-1", "e-2"));
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("duly.db")).unwrap();
        let mut reader = BufReader::with_capacity(8, Failing(input.as_bytes()));
        let outcome = ingest(&mut reader, &store, 10, &ProgressBar::hidden(), &mut |_| {});
        assert_eq!(
            outcome.stopped.as_deref(),
            Some("the events could not be read past line 2: the disk went away")
        );
        assert_eq!(outcome.summary.accepted, 2);
        assert_eq!(store.count().unwrap(), 2);
    }

    fn arb_line() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            // Valid events, some sharing ids.
            (
                0u8..20,
                prop::sample::select(vec![
                    "2019-04-12",
                    "2019-04-13",
                    "2019-10-27T01:30:00+01:00"
                ])
            )
                .prop_map(|(id, at)| GOOD
                    .replace("e-1", &format!("e-{id}"))
                    .replace("2019-04-12", at)
                    .into_bytes()),
            // Valid events with a byte changed.
            (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(at, byte)| {
                let mut line = GOOD.as_bytes().to_vec();
                line[at.index(GOOD.len())] = byte;
                line
            }),
            // Anything at all.
            prop::collection::vec(any::<u8>(), 0..80),
            ".{0,80}".prop_map(String::into_bytes),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// Malformed input never panics, every line is accounted for, and
        /// every refused or skipped line has a note.
        #[test]
        fn any_input_is_accounted_for(lines in prop::collection::vec(arb_line(), 0..40), batch_size in 1usize..8) {
            let input = lines.join(&b'\n');
            let (outcome, notes, store, _dir) = run_on(&input, batch_size);
            prop_assert!(outcome.stopped.is_none());
            let summary = outcome.summary;
            let lines_with_content = input
                .split(|&b| b == b'\n')
                .enumerate()
                .filter(|(n, line)| {
                    let line = if *n == 0 { line.strip_prefix("\u{feff}".as_bytes()).unwrap_or(line) } else { line };
                    std::str::from_utf8(line).map_or(true, |text| !text.trim().is_empty())
                })
                .count() as u64;
            prop_assert_eq!(summary.events(), lines_with_content);
            prop_assert_eq!(notes.len() as u64, summary.duplicates + summary.rejected);
            prop_assert_eq!(store.count().unwrap(), summary.accepted);
        }
    }
}
