//! `duly import`: turns a DfE return (the CIN census XML, the SSDA903 CSV
//! tables) into Duly events, one JSON object a line.
//!
//! Problems go to standard error, one a line. Exit status: 0 when everything
//! converted (warnings allowed), 1 when something could not be (what could
//! is still written), 2 when the files could not be read or written.

use duly_events::Event;
use duly_import::{ImportError, Table, read_903, read_cin};
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Which return a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The children in need census (XML).
    Cin,
    /// The SSDA903 children looked after return (CSV tables).
    #[value(name = "903")]
    Ssda903,
}

/// `duly import cin|903 <file|dir> [--out events.jsonl]`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which return: `cin` (CIN census XML) or `903` (SSDA903 CSV tables).
    pub format: Format,
    /// A file, or a folder: every `.xml` file in it (cin), every 903 table
    /// in it (903: header.csv, episodes.csv, reviews.csv, missing.csv, …).
    pub path: PathBuf,
    /// Where to write the events; standard output if absent.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Runs `duly import`.
pub fn run(args: Args) -> ExitCode {
    let files = match files(args.format, &args.path) {
        Ok(files) => files,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let mut out: Box<dyn Write> = match &args.out {
        Some(path) => match File::create(path) {
            Ok(file) => Box::new(BufWriter::new(file)),
            Err(err) => {
                eprintln!("error: cannot write `{}`: {}", path.display(), why(&err));
                return ExitCode::from(2);
            }
        },
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
    let mut tally = Tally::default();
    for path in &files {
        let name = path.display().to_string();
        let file = match File::open(path) {
            Ok(file) => file,
            Err(err) => {
                eprintln!("error: cannot read `{name}`: {}", why(&err));
                tally.io_failed = true;
                continue;
            }
        };
        let items: Box<dyn Iterator<Item = Result<Event, ImportError>>> = match args.format {
            Format::Cin => Box::new(read_cin(&name, BufReader::new(file))),
            Format::Ssda903 => Box::new(read_903(&name, BufReader::new(file))),
        };
        if let Err(err) = tally.copy(items, &mut out) {
            if crate::output::reader_gone(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: cannot write the events: {}", why(&err));
            return ExitCode::from(2);
        }
    }
    if let Err(err) = out.flush() {
        if crate::output::reader_gone(&err) {
            return ExitCode::SUCCESS;
        }
        eprintln!("error: cannot write the events: {}", why(&err));
        return ExitCode::from(2);
    }
    eprintln!(
        "imported {} events from {} file{}: {} error{}, {} warning{}",
        tally.events,
        files.len(),
        plural(files.len()),
        tally.errors,
        plural(tally.errors),
        tally.warnings,
        plural(tally.warnings)
    );
    if tally.io_failed {
        ExitCode::from(2)
    } else if tally.errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[derive(Default)]
struct Tally {
    events: usize,
    errors: usize,
    warnings: usize,
    io_failed: bool,
}

impl Tally {
    /// Writes the events and prints the problems.
    fn copy(
        &mut self,
        items: impl Iterator<Item = Result<Event, ImportError>>,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        for item in items {
            match item {
                Ok(event) => {
                    writeln!(out, "{}", event.to_line())?;
                    self.events += 1;
                }
                Err(problem) => {
                    eprintln!("{problem}");
                    if problem.is_error() {
                        self.errors += 1;
                    } else {
                        self.warnings += 1;
                    }
                }
            }
        }
        Ok(())
    }
}

/// The files to read: the one given, or the matching files of a folder.
pub(crate) fn files(format: Format, path: &Path) -> Result<Vec<PathBuf>, String> {
    let shown = path.display();
    let metadata =
        std::fs::metadata(path).map_err(|err| format!("cannot read `{shown}`: {}", why(&err)))?;
    if !metadata.is_dir() {
        if format == Format::Ssda903 && table(path).is_none() {
            return Err(format!(
                "`{shown}` is not a 903 table Duly imports: give header, episodes, reviews, missing or social worker episodes"
            ));
        }
        return Ok(vec![path.to_path_buf()]);
    }
    let entries = std::fs::read_dir(path)
        .map_err(|err| format!("cannot read the folder `{shown}`: {}", why(&err)))?;
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .filter(|p| {
            let ext = p
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase);
            ext.as_deref()
                == Some(match format {
                    Format::Cin => "xml",
                    Format::Ssda903 => "csv",
                })
        })
        .collect();
    found.sort();
    if format == Format::Ssda903 {
        let mut tables = Vec::new();
        for file in found {
            match table(&file) {
                Some(t) => tables.push((t, file)),
                None => eprintln!(
                    "note: `{}` is not a 903 table Duly imports; skipped",
                    file.display()
                ),
            }
        }
        tables.sort();
        found = tables.into_iter().map(|(_, file)| file).collect();
    }
    if found.is_empty() {
        let what = match format {
            Format::Cin => "no `.xml` files",
            Format::Ssda903 => "no 903 tables (`.csv`)",
        };
        return Err(format!("{what} in the folder `{shown}`"));
    }
    Ok(found)
}

/// The 903 table a CSV file holds, from its header row.
fn table(path: &Path) -> Option<Table> {
    let file = File::open(path).ok()?;
    read_903(&path.display().to_string(), BufReader::new(file)).table()
}

/// An I/O error in plain words.
fn why(err: &io::Error) -> String {
    match err.kind() {
        io::ErrorKind::NotFound => "no such file or folder".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        kind => kind.to_string(),
    }
}
