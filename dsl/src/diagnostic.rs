//! One renderer-neutral [`Diagnostic`] for everything Duly tells a person
//! about their files: language errors here, and (later) event and plugin
//! errors in other crates.
//!
//! A diagnostic points into a file of a [`Sources`] table by [`FileId`] and
//! byte [`Span`]; line and column are worked out only when it is rendered.
//! Render it for a terminal with [`render`] (miette: graphical, or a plain
//! narrated form for screen readers) or for an editor with [`to_json`].

use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A byte range in a file: `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// The span `start..end`.
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// Its length in bytes.
    pub fn len(self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// Whether it covers no bytes.
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }
}

/// Which file of a [`Sources`] table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct FileId(pub u32);

/// One file's text, with the name it is shown under.
#[derive(Debug, Clone)]
pub struct SourceText {
    /// The name shown to people (the path as given, tidied).
    pub name: Arc<str>,
    /// The path it was read from.
    pub path: PathBuf,
    /// Its text.
    pub text: Arc<str>,
    line_starts: Vec<usize>,
}

impl SourceText {
    /// One-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self
            .line_starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1);
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line + 1, column + 1)
    }

    /// The text of the one-based `line`, without its line break.
    pub fn line_text(&self, line: usize) -> &str {
        let start = self
            .line_starts
            .get(line.wrapping_sub(1))
            .copied()
            .unwrap_or(self.text.len());
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        self.text
            .get(start..end)
            .unwrap_or("")
            .trim_end_matches(['\n', '\r'])
    }
}

/// Every file diagnostics may point into.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<SourceText>,
}

impl Sources {
    /// An empty table.
    pub fn new() -> Self {
        Sources::default()
    }

    /// Adds a file and returns its id.
    pub fn add(
        &mut self,
        name: impl Into<Arc<str>>,
        path: impl Into<PathBuf>,
        text: impl Into<Arc<str>>,
    ) -> FileId {
        let text: Arc<str> = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(SourceText {
            name: name.into(),
            path: path.into(),
            text,
            line_starts,
        });
        id
    }

    /// The file with this id.
    pub fn get(&self, id: FileId) -> Option<&SourceText> {
        self.files.get(id.0 as usize)
    }

    /// The file read from this path, if any.
    pub fn find(&self, path: &Path) -> Option<FileId> {
        let at = self.files.iter().position(|f| f.path == path)?;
        Some(FileId(u32::try_from(at).ok()?))
    }

    /// Every file, with its id.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceText)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(u32::try_from(i).unwrap_or(u32::MAX)), f))
    }
}

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The files cannot be used until it is fixed.
    Error,
    /// Worth a look; the files can still be used.
    Warning,
}

/// A marked span with a short note under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// What it marks.
    pub span: Span,
    /// The note (may be empty).
    pub message: String,
}

/// Something to tell a person about their files.
///
/// Messages follow Cedar's style: lower-case, one line, no full stop, user
/// input in backticks; the detail goes in labels and `help`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A stable code (`unknown-step`), for documentation and for editors.
    pub code: &'static str,
    /// One line saying what is wrong.
    pub message: String,
    /// The file it is about, if any.
    pub file: Option<FileId>,
    /// The main span, with its note; the caret goes here.
    pub primary: Option<Label>,
    /// Further marked spans in the same file.
    pub labels: Vec<Label>,
    /// What to do about it, in plain English.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A new error.
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic::new(Severity::Error, code, message)
    }

    /// A new warning.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic::new(Severity::Warning, code, message)
    }

    fn new(severity: Severity, code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            code,
            message: message.into(),
            file: None,
            primary: None,
            labels: Vec::new(),
            help: None,
        }
    }

    /// Points it at `span` of `file`, with a note under the span.
    pub fn at(mut self, file: FileId, span: Span, note: impl Into<String>) -> Self {
        self.file = Some(file);
        self.primary = Some(Label {
            span,
            message: note.into(),
        });
        self
    }

    /// Names the file without pointing into it.
    pub fn in_file(mut self, file: FileId) -> Self {
        self.file = Some(file);
        self
    }

    /// Marks another span of the same file.
    pub fn label(mut self, span: Span, note: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: note.into(),
        });
        self
    }

    /// Says what to do.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Whether it is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// How to render diagnostics for a terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Boxes, carets and (if `color`) colour, with Unicode line drawing.
    Graphical {
        /// Use ANSI colours.
        color: bool,
    },
    /// The same in plain ASCII, no colour (for logs and snapshots).
    Ascii,
    /// Plain sentences, for screen readers and narration.
    Narrated,
}

/// Renders one diagnostic for a terminal, `width` columns wide.
pub fn render(sources: &Sources, diagnostic: &Diagnostic, style: Style, width: usize) -> String {
    use miette::{GraphicalReportHandler, GraphicalTheme, NarratableReportHandler};
    let view = MietteView::new(sources, diagnostic);
    let mut out = String::new();
    let result = match style {
        Style::Graphical { color } => {
            let theme = if color {
                GraphicalTheme::unicode()
            } else {
                GraphicalTheme::unicode_nocolor()
            };
            GraphicalReportHandler::new_themed(theme)
                .with_width(width)
                .with_links(false)
                .render_report(&mut out, &view)
        }
        Style::Ascii => GraphicalReportHandler::new_themed(GraphicalTheme::none())
            .with_width(width)
            .with_links(false)
            .render_report(&mut out, &view),
        Style::Narrated => NarratableReportHandler::new().render_report(&mut out, &view),
    };
    if result.is_err() {
        // Rendering into a String does not fail; fall back to one line all the same.
        out = format!(
            "{}: {}\n",
            severity_word(diagnostic.severity),
            diagnostic.message
        );
    }
    out
}

fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// A one-line summary: `2 errors, 1 warning`.
pub fn summary(diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

/// The diagnostics as JSON for editors and CI. Field names are stable:
/// `severity`, `code`, `message`, `file`, `line`, `column`, `end_line`,
/// `end_column` (one-based; columns count characters), `offset`, `length`
/// (bytes), `labels` (each with `message`, `line`, `column`, `offset`,
/// `length`) and `help`.
pub fn to_json(sources: &Sources, diagnostics: &[Diagnostic]) -> serde_json::Value {
    let items: Vec<JsonDiagnostic> = diagnostics
        .iter()
        .map(|d| JsonDiagnostic::new(sources, d))
        .collect();
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    serde_json::json!({
        "diagnostics": items,
        "errors": errors,
        "warnings": diagnostics.len() - errors,
    })
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    severity: Severity,
    code: &'a str,
    message: &'a str,
    file: Option<&'a str>,
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
    offset: Option<usize>,
    length: Option<usize>,
    labels: Vec<JsonLabel<'a>>,
    help: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    message: &'a str,
    line: usize,
    column: usize,
    offset: usize,
    length: usize,
}

impl<'a> JsonDiagnostic<'a> {
    fn new(sources: &'a Sources, d: &'a Diagnostic) -> Self {
        let file = d.file.and_then(|f| sources.get(f));
        let at = |span: Span| file.map(|f| (f.line_col(span.start), f.line_col(span.end)));
        let primary = d
            .primary
            .as_ref()
            .and_then(|p| at(p.span).map(|pos| (p.span, pos)));
        let mut labels = Vec::new();
        if let Some(p) = &d.primary
            && let Some(((line, column), _)) = at(p.span)
        {
            labels.push(JsonLabel {
                message: &p.message,
                line,
                column,
                offset: p.span.start,
                length: p.span.len(),
            });
        }
        for l in &d.labels {
            if let Some(((line, column), _)) = at(l.span) {
                labels.push(JsonLabel {
                    message: &l.message,
                    line,
                    column,
                    offset: l.span.start,
                    length: l.span.len(),
                });
            }
        }
        JsonDiagnostic {
            severity: d.severity,
            code: d.code,
            message: &d.message,
            file: file.map(|f| &*f.name),
            line: primary.map(|(_, ((l, _), _))| l),
            column: primary.map(|(_, ((_, c), _))| c),
            end_line: primary.map(|(_, (_, (l, _)))| l),
            end_column: primary.map(|(_, (_, (_, c)))| c),
            offset: primary.map(|(s, _)| s.start),
            length: primary.map(|(s, _)| s.len()),
            labels,
            help: d.help.as_deref(),
        }
    }
}

/// The longest line (in bytes) drawn with a caret under it.
const MAX_DRAWN_COLUMN: usize = 2_000;

/// A diagnostic and its file, in the shape miette renders.
struct MietteView {
    severity: Severity,
    code: &'static str,
    message: String,
    help: Option<String>,
    labels: Vec<miette::LabeledSpan>,
    source: Option<miette::NamedSource<Arc<str>>>,
}

impl MietteView {
    fn new(sources: &Sources, d: &Diagnostic) -> Self {
        let file = d.file.and_then(|f| sources.get(f));
        let mut labels = Vec::new();
        let mut message = d.message.clone();
        // miette cannot draw a caret far along a very long line (its padding
        // width is limited), and repeating such a line helps nobody: give the
        // position in words instead.
        let too_far = |span: Span| {
            file.is_some_and(|f| {
                let (line, _) = f.line_col(span.start);
                f.line_text(line).len() > MAX_DRAWN_COLUMN || span.len() > MAX_DRAWN_COLUMN
            })
        };
        let drawable = d.primary.iter().chain(&d.labels).all(|l| !too_far(l.span));
        let file = match (file, &d.primary) {
            (Some(f), Some(p)) if !drawable => {
                let (line, column) = f.line_col(p.span.start);
                message = format!("{message}\n  at {}:{line}:{column}", f.name);
                None
            }
            _ => file,
        };
        if let Some(file) = file {
            let clamp = |span: Span| {
                let start = span.start.min(file.text.len());
                (start, span.end.clamp(start, file.text.len()) - start)
            };
            if let Some(p) = &d.primary {
                let note = (!p.message.is_empty()).then(|| p.message.clone());
                labels.push(miette::LabeledSpan::new_primary_with_span(
                    note,
                    clamp(p.span),
                ));
            }
            for l in &d.labels {
                let note = (!l.message.is_empty()).then(|| l.message.clone());
                labels.push(miette::LabeledSpan::new_with_span(note, clamp(l.span)));
            }
            if d.primary.is_none() {
                message = format!("{message}\n  in {}", file.name);
            }
        }
        MietteView {
            severity: d.severity,
            code: d.code,
            message,
            help: d.help.clone(),
            labels,
            source: file
                .filter(|_| d.primary.is_some())
                .map(|f| miette::NamedSource::new(&f.name, f.text.clone())),
        }
    }
}

impl fmt::Debug for MietteView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for MietteView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for MietteView {}

impl miette::Diagnostic for MietteView {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters_from_one() {
        let mut sources = Sources::new();
        let file = sources.add("a.duly", "a.duly", "ab\n\u{e9}cd\n");
        let text = sources.get(file).unwrap();
        assert_eq!(text.line_col(0), (1, 1));
        assert_eq!(text.line_col(3), (2, 1));
        assert_eq!(text.line_col(5), (2, 2)); // after the two-byte é
        assert_eq!(text.line_text(2), "\u{e9}cd");
    }

    #[test]
    fn json_has_one_based_positions_and_byte_offsets() {
        let mut sources = Sources::new();
        let file = sources.add("a.duly", "a.duly", "x\n  bad\n");
        let d = Diagnostic::error("test", "bad thing")
            .at(file, Span::new(4, 7), "here")
            .help("fix it");
        let json = to_json(&sources, &[d]);
        let first = &json["diagnostics"][0];
        assert_eq!(first["line"], 2);
        assert_eq!(first["column"], 3);
        assert_eq!(first["offset"], 4);
        assert_eq!(first["length"], 3);
        assert_eq!(first["help"], "fix it");
        assert_eq!(json["errors"], 1);
    }
}
