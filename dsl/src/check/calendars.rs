//! Calendars: the built-in bank-holiday divisions and local ones with their
//! closure days (`closed` lines and `closures "file.csv"`).

use super::{Checker, origin};
use crate::ast::{CalendarClause, CalendarDecl, Text};
use crate::diagnostic::{Diagnostic, FileId, Span};
use crate::loader::{LoadedFile, normalize};
use crate::model::CalendarSpec;
use duly_calendar::Division;
use jiff::civil::Date;
use std::path::Path;

/// A declared calendar before `based on` is resolved.
struct Declared<'a> {
    file: FileId,
    decl: &'a CalendarDecl,
    id: String,
    title: Option<String>,
    based_on: Option<(String, Span)>,
    closures: Vec<(Date, String)>,
}

impl Checker<'_> {
    /// Every calendar: the built-in ones, then those declared, in file order.
    pub(super) fn calendars(&mut self, files: &[LoadedFile]) -> Vec<CalendarSpec> {
        let mut specs: Vec<CalendarSpec> = Division::ALL
            .iter()
            .map(|d| CalendarSpec {
                id: d.id().to_string(),
                title: d.title().to_string(),
                division: *d,
                closures: Vec::new(),
                origin: None,
            })
            .collect();
        let mut declared: Vec<Declared<'_>> = Vec::new();
        for file in files {
            for item in &file.syntax.items {
                let crate::ast::Item::Calendar(decl) = item else {
                    continue;
                };
                let Some(id) = &decl.id else { continue };
                if Division::from_id(&id.name).is_some() {
                    self.push(
                        Diagnostic::error("duplicate-id", format!("calendar `{}` is built in", id.name))
                            .at(file.id, id.span, "already a calendar")
                            .help("give the local calendar its own id and write `based on` the built-in one"),
                    );
                    continue;
                }
                if let Some(first) = declared.iter().find(|d| d.id == id.name) {
                    let d = self.duplicate(
                        "calendar",
                        &id.name,
                        file.id,
                        id.span,
                        first.file,
                        first.decl.id.as_ref().map(|i| i.span),
                    );
                    self.push(d);
                    continue;
                }
                let mut cal = Declared {
                    file: file.id,
                    decl,
                    id: id.name.clone(),
                    title: None,
                    based_on: None,
                    closures: Vec::new(),
                };
                for clause in &decl.clauses {
                    match clause {
                        CalendarClause::Title(t) => {
                            if cal.title.is_some() {
                                self.push(self.second_clause("title", file.id, t.span));
                            }
                            cal.title = Some(t.value.clone());
                        }
                        CalendarClause::BasedOn(b) => {
                            if cal.based_on.is_some() {
                                self.push(self.second_clause("based on", file.id, b.span));
                            }
                            cal.based_on = Some((b.name.clone(), b.span));
                        }
                        CalendarClause::Closed { date, name, .. } => {
                            cal.closures.push((*date, name.value.clone()))
                        }
                        CalendarClause::Closures(path) => {
                            let days = self.closures_file(&file.path, file.id, path);
                            cal.closures.extend(days);
                        }
                    }
                }
                if cal.based_on.is_none() {
                    self.push(
                        Diagnostic::error(
                            "missing-clause",
                            format!("calendar `{}` does not say what it is based on", id.name),
                        )
                        .at(file.id, decl.header, "no `based on` line")
                        .help(
                            "add `based on england_and_wales` (or `scotland`, `northern_ireland`)",
                        ),
                    );
                }
                declared.push(cal);
            }
        }
        // Resolve `based on`, following local calendars to a division.
        let ids: Vec<String> = specs
            .iter()
            .map(|s| s.id.clone())
            .chain(declared.iter().map(|d| d.id.clone()))
            .collect();
        for cal in &declared {
            let Some((base, span)) = &cal.based_on else {
                continue;
            };
            let mut closures = cal.closures.clone();
            let mut at = base.clone();
            let mut division = None;
            for _ in 0..=declared.len() {
                if let Some(d) = Division::from_id(&at) {
                    division = Some(d);
                    break;
                }
                match declared.iter().find(|d| d.id == at) {
                    Some(next) if next.id != cal.id => {
                        closures.extend(next.closures.iter().cloned());
                        match &next.based_on {
                            Some((b, _)) => at = b.clone(),
                            None => break,
                        }
                    }
                    _ => break,
                }
            }
            let Some(division) = division else {
                if !declared.iter().any(|d| d.id == *base && d.id != cal.id) {
                    let d = self.unknown(
                        "calendar",
                        base,
                        cal.file,
                        *span,
                        ids.iter().map(String::as_str),
                    );
                    self.push(d);
                }
                continue;
            };
            closures.sort();
            closures.dedup_by(|a, b| a.0 == b.0);
            let file = self.sources.get(cal.file).map(|f| f.name.clone());
            specs.push(CalendarSpec {
                id: cal.id.clone(),
                title: cal.title.clone().unwrap_or_else(|| cal.id.clone()),
                division,
                closures,
                origin: file.map(|f| origin(self, f, cal.file, cal.decl.span)),
            });
        }
        specs
    }

    /// Reads a `closures "file.csv"` file with the calendar crate's parser.
    fn closures_file(
        &mut self,
        rule_file: &Path,
        rule_file_id: FileId,
        path: &Text,
    ) -> Vec<(Date, String)> {
        let base = rule_file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let target = normalize(&base.join(&path.value));
        let text = match self.loader.read(&target) {
            Ok(text) => text,
            Err(e) => {
                let why = if e.kind() == std::io::ErrorKind::NotFound {
                    "there is no such file".to_string()
                } else {
                    e.to_string()
                };
                self.push(
                    Diagnostic::error(
                        "unreadable-file",
                        format!("cannot read `{}`", target.display()),
                    )
                    .at(rule_file_id, path.span, why)
                    .help("the path is relative to the folder of this file"),
                );
                return Vec::new();
            }
        };
        let file = self
            .sources
            .add(target.display().to_string(), target.clone(), text.as_str());
        match duly_calendar::parse_closures(&text) {
            Ok(days) => days,
            Err(errors) => {
                for error in errors {
                    let line = usize::try_from(error.line).unwrap_or(usize::MAX);
                    let span = self.line_span(file, line);
                    self.push(
                        Diagnostic::error("bad-closures", error.message)
                            .at(file, span, "this line")
                            .help(error.help),
                    );
                }
                Vec::new()
            }
        }
    }

    /// The span of a one-based line of a file, without its line break.
    fn line_span(&self, file: FileId, line: usize) -> Span {
        let Some(source) = self.sources.get(file) else {
            return Span::default();
        };
        let start: usize = source
            .text
            .split_inclusive('\n')
            .take(line.saturating_sub(1))
            .map(str::len)
            .sum();
        Span::new(start, start + source.line_text(line).len())
    }
}

/// The calendar ids a workflow may name, for suggestions.
pub(super) fn calendar_ids(specs: &[CalendarSpec]) -> Vec<&str> {
    specs.iter().map(|s| s.id.as_str()).collect()
}
