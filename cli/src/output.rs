//! Standard output, where a reader that stops early (`duly run … | head`)
//! is not an error: the rest was not wanted, so the command ends quietly.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

/// Whether `err` says the reader of standard output has gone (a closed
/// pipe), in which case the command stops writing and ends with success.
pub fn reader_gone(err: &io::Error) -> bool {
    err.kind() == io::ErrorKind::BrokenPipe
}

/// Prints `text` to standard output: success, also when the reader has
/// gone; a failure, said on standard error, when it cannot be written.
pub fn print(text: &str) -> ExitCode {
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if reader_gone(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!(
                "error: cannot write to standard output: {}",
                crate::source::why(&err)
            );
            ExitCode::FAILURE
        }
    }
}

/// Standard output for a long stream, buffered by `capacity` bytes. On Unix
/// it writes to the file descriptor itself: the standard library's
/// standard output is line-buffered, and looks for the last newline in
/// every write it is given (all of each megabyte of `duly run`'s JSON,
/// which is one line: some 2% of a run).
pub fn stream(capacity: usize) -> Box<dyn Write> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        if let Ok(fd) = io::stdout().as_fd().try_clone_to_owned() {
            return Box::new(BufWriter::with_capacity(capacity, std::fs::File::from(fd)));
        }
    }
    Box::new(BufWriter::with_capacity(capacity, io::stdout().lock()))
}
