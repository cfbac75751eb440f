//! What went wrong while reading a return, said so that a council's data team
//! can find and fix it, without quoting any child's data.

use serde::Serialize;
use std::fmt;

/// How much a problem matters for the events produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Part of the record was not imported as recorded: it was left out, or
    /// read with a stated default.
    Error,
    /// Imported as recorded, but out of step with the rest of the child's
    /// record (a DfE validation rule says so), so the engine may not be able
    /// to follow it.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One problem in one place of a return.
///
/// Messages name elements, columns, codes lists and dates of events; they
/// never quote a value that could be a name or free text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportError {
    /// The file, as given.
    pub file: String,
    /// The line in the file (XML) or the CSV record's line, counting from 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The child's id (`LAchildID`, `CHILD`), when it could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub child: Option<String>,
    /// Where: an element path (`CINdetails[1]/Assessments[2]`) or a column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub element: Option<String>,
    /// Whether something was left out ([`Severity::Error`]) or only looks wrong.
    pub severity: Severity,
    /// What is wrong and what was done about it, in plain words.
    pub message: String,
}

impl ImportError {
    /// A problem with the file as a whole.
    pub fn file(file: &str, line: Option<u64>, message: impl Into<String>) -> Self {
        ImportError {
            file: file.to_owned(),
            line,
            child: None,
            element: None,
            severity: Severity::Error,
            message: message.into(),
        }
    }

    /// Whether this problem left something out of the events.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": {}: ", self.severity)?;
        match (&self.child, &self.element) {
            (Some(child), Some(element)) => write!(f, "child `{child}`, `{element}`: ")?,
            (Some(child), None) => write!(f, "child `{child}`: ")?,
            (None, Some(element)) => write!(f, "`{element}`: ")?,
            (None, None) => {}
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ImportError {}
