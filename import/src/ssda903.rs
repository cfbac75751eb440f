//! The SSDA903 children looked after return: one CSV table a file, dates
//! `dd/mm/YYYY`, the child's id in `CHILD`.
//!
//! See `docs/import.md` for which column becomes which event.

use crate::draft::{Draft, Ids};
use crate::values::{self, Refusal};
use crate::{ImportError, Severity};
use duly_events::{Action, Event, Fact};
use jiff::civil::Date;
use std::collections::{HashMap, VecDeque};
use std::io::Read;

/// The 903 tables Duly imports, told apart by their columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Table {
    /// `header`: date of birth and sex (`CHILD, SEX, DOB, ETHNIC, …`).
    Header,
    /// `episodes`: episodes of care (`CHILD, DECOM, RNE, LS, …, DEC, REC, …`).
    Episodes,
    /// `reviews`: looked-after reviews (`CHILD, DOB, REVIEW, REVIEW_CODE`).
    Reviews,
    /// `missing`: missing and away episodes (`CHILD, DOB, MISSING, MIS_START, MIS_END`).
    Missing,
    /// `social_worker` episodes, from 2023/24 (`CHILD, DOB, SW_ID, SW_DECOM, SW_DEC, SW_REASON`).
    SocialWorkers,
}

impl Table {
    /// The table whose columns these are, if it is one Duly imports.
    pub fn detect<'a>(columns: impl IntoIterator<Item = &'a str>) -> Option<Table> {
        let columns: Vec<String> = columns.into_iter().map(normalise_column).collect();
        let has = |name: &str| columns.iter().any(|c| c == name);
        if has("CHILD") && has("DECOM") && has("RNE") {
            Some(Table::Episodes)
        } else if has("CHILD") && has("REVIEW") {
            Some(Table::Reviews)
        } else if has("CHILD") && has("MIS_START") {
            Some(Table::Missing)
        } else if has("CHILD") && has("SW_ID") && has("SW_DECOM") {
            Some(Table::SocialWorkers)
        } else if has("CHILD") && has("SEX") && has("DOB") && !has("DUC") {
            Some(Table::Header)
        } else {
            None
        }
    }

    /// Its name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Table::Header => "header",
            Table::Episodes => "episodes",
            Table::Reviews => "reviews",
            Table::Missing => "missing",
            Table::SocialWorkers => "social worker episodes",
        }
    }
}

fn normalise_column(name: &str) -> String {
    name.trim()
        .trim_start_matches('\u{feff}')
        .to_ascii_uppercase()
}

/// Reads one 903 table (any of [`Table`]), yielding each event or problem.
/// The table is told by its header row; `file` names the file in problems.
///
/// Reviews, missing episodes and header rows stream row by row; episodes of
/// care and social worker episodes are read whole first, because each
/// child's episodes are read in date order.
pub fn read_903<R: Read>(file: &str, reader: R) -> Ssda903Events<R> {
    let mut csv = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(reader);
    let (columns, problem) = match csv.byte_headers() {
        Ok(headers) => (
            headers
                .iter()
                .map(|h| normalise_column(&String::from_utf8_lossy(h)))
                .collect(),
            None,
        ),
        Err(_) => (
            Vec::new(),
            Some(ImportError::file(
                file,
                Some(1),
                "the header row could not be read",
            )),
        ),
    };
    let table = Table::detect(columns.iter().map(String::as_str));
    let mut queue = VecDeque::new();
    match (problem, table) {
        (Some(problem), _) => queue.push_back(Err(problem)),
        (None, None) => queue.push_back(Err(ImportError::file(
            file,
            Some(1),
            "these columns are not a 903 table Duly imports (header, episodes, reviews, missing, social worker episodes)",
        ))),
        (None, Some(_)) => {}
    }
    Ssda903Events {
        file: file.to_owned(),
        table,
        columns,
        csv,
        ids: Ids::new("903"),
        queue,
        read_all: false,
        done: table.is_none(),
    }
}

/// The events and problems of one 903 table; see [`read_903`].
pub struct Ssda903Events<R> {
    file: String,
    table: Option<Table>,
    columns: Vec<String>,
    csv: csv::Reader<R>,
    ids: Ids,
    queue: VecDeque<Result<Event, ImportError>>,
    read_all: bool,
    done: bool,
}

impl<R: Read> Ssda903Events<R> {
    /// The table the file holds, or `None` if it is not one Duly imports.
    pub fn table(&self) -> Option<Table> {
        self.table
    }

    fn next_row(&mut self) -> Option<Row> {
        let mut record = csv::ByteRecord::new();
        loop {
            match self.csv.read_byte_record(&mut record) {
                Ok(false) => return None,
                Ok(true) => {
                    let line = record.position().map_or(0, |p| p.line());
                    let mut values = HashMap::new();
                    for (column, value) in self.columns.iter().zip(record.iter()) {
                        values.insert(
                            column.clone(),
                            String::from_utf8_lossy(value).trim().to_owned(),
                        );
                    }
                    return Some(Row {
                        line,
                        values,
                        child: None,
                    });
                }
                Err(err) => {
                    let line = err.position().map(|p| p.line());
                    let io = matches!(err.kind(), csv::ErrorKind::Io(_));
                    self.queue.push_back(Err(ImportError::file(
                        &self.file,
                        line,
                        "this row could not be read; it is not imported",
                    )));
                    if io {
                        return None;
                    }
                }
            }
        }
    }
}

impl<R: Read> Iterator for Ssda903Events<R> {
    type Item = Result<Event, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(next) = self.queue.pop_front() {
                return Some(next);
            }
            if self.done {
                return None;
            }
            let table = self.table?;
            match table {
                Table::Episodes | Table::SocialWorkers => {
                    if self.read_all {
                        self.done = true;
                        continue;
                    }
                    self.read_all = true;
                    let mut rows = Vec::new();
                    while let Some(row) = self.next_row() {
                        rows.push(row);
                    }
                    let mut out = Out::new(&self.file);
                    let children = out.by_child(rows);
                    for (child, rows) in children {
                        let drafts = match table {
                            Table::Episodes => episodes(&mut out, &rows),
                            _ => workers(&mut out, &rows),
                        };
                        out.events.extend(self.ids.finish(&child, drafts));
                    }
                    self.queue.extend(out.finish());
                }
                Table::Header | Table::Reviews | Table::Missing => {
                    let Some(row) = self.next_row() else {
                        self.done = true;
                        continue;
                    };
                    let mut out = Out::new(&self.file);
                    if let Some((child, row)) = out.child(row) {
                        let drafts = match table {
                            Table::Header => header(&mut out, &row),
                            Table::Reviews => review(&mut out, &row),
                            _ => missing(&mut out, &row),
                        };
                        out.events.extend(self.ids.finish(&child, drafts));
                    }
                    self.queue.extend(out.finish());
                }
            }
        }
    }
}

/// One CSV row, by column name.
struct Row {
    line: u64,
    values: HashMap<String, String>,
    child: Option<String>,
}

impl Row {
    fn get(&self, column: &str) -> Option<&str> {
        self.values
            .get(column)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// Events and problems made from some rows.
struct Out<'a> {
    file: &'a str,
    events: Vec<Event>,
    problems: Vec<ImportError>,
}

impl<'a> Out<'a> {
    fn new(file: &'a str) -> Self {
        Out {
            file,
            events: Vec::new(),
            problems: Vec::new(),
        }
    }

    fn push(&mut self, severity: Severity, row: &Row, column: Option<&str>, message: String) {
        self.problems.push(ImportError {
            file: self.file.to_owned(),
            line: Some(row.line),
            child: row.child.clone(),
            element: column.map(str::to_owned),
            severity,
            message,
        });
    }

    fn error(&mut self, row: &Row, column: &str, message: String) {
        self.push(Severity::Error, row, Some(column), message);
    }

    fn warning(&mut self, row: &Row, column: Option<&str>, message: String) {
        self.push(Severity::Warning, row, column, message);
    }

    /// The row's child id; a row without a readable one is reported.
    fn child(&mut self, mut row: Row) -> Option<(String, Row)> {
        let read = row.get("CHILD").map(values::child_id);
        match read {
            Some(Ok(id)) => {
                row.child = Some(id.clone());
                Some((id, row))
            }
            Some(Err(why)) => {
                self.error(
                    &row,
                    "CHILD",
                    format!("`CHILD` {why}; the row is not imported"),
                );
                None
            }
            None => {
                self.error(
                    &row,
                    "CHILD",
                    "the row has no `CHILD`; it is not imported".into(),
                );
                None
            }
        }
    }

    /// Rows grouped by child, children in the order they first appear.
    fn by_child(&mut self, rows: Vec<Row>) -> Vec<(String, Vec<Row>)> {
        let mut order: Vec<(String, Vec<Row>)> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for row in rows {
            let Some((child, row)) = self.child(row) else {
                continue;
            };
            match index.get(&child) {
                Some(&i) => order[i].1.push(row),
                None => {
                    index.insert(child.clone(), order.len());
                    order.push((child, vec![row]));
                }
            }
        }
        order
    }

    /// Reads a value with `read`; a refused value is reported with `then`.
    fn value<T>(
        &mut self,
        row: &Row,
        column: &str,
        read: impl Fn(&str) -> Result<T, Refusal>,
        then: &str,
    ) -> Result<Option<T>, ()> {
        let Some(text) = row.get(column) else {
            return Ok(None);
        };
        read(text)
            .map(Some)
            .map_err(|why| self.error(row, column, format!("`{column}` {why}; {then}")))
    }

    /// A required date; `None` (reported) if missing or refused.
    fn required_date(&mut self, row: &Row, column: &str, then: &str) -> Option<Date> {
        match self.value(row, column, values::uk_date, then) {
            Ok(Some(date)) => Some(date),
            Ok(None) => {
                self.error(row, column, format!("the row has no `{column}`; {then}"));
                None
            }
            Err(()) => None,
        }
    }

    /// A code kept as a fact; a refused one is left out.
    fn code(&mut self, row: &Row, column: &str) -> Option<String> {
        self.value(row, column, values::code, "it is left out")
            .ok()
            .flatten()
    }

    /// The problems first (by line), then the events.
    fn finish(mut self) -> impl Iterator<Item = Result<Event, ImportError>> {
        self.problems.sort_by_key(|p| p.line);
        self.problems
            .into_iter()
            .map(Err)
            .chain(self.events.into_iter().map(Ok))
    }
}

/// `header`: the child's facts on a `record` event dated on the birth date.
fn header(out: &mut Out<'_>, row: &Row) -> Vec<Draft> {
    let sex = out
        .value(row, "SEX", values::sex, "it is left out")
        .ok()
        .flatten();
    let ethnicity = out.code(row, "ETHNIC");
    let Some(dob) = out.required_date(row, "DOB", "the child's facts are not imported") else {
        return Vec::new();
    };
    vec![
        Draft::record(dob, 0, "child")
            .fact("date_of_birth", dob.to_string())
            .maybe_fact("sex", sex)
            .maybe_fact("ethnicity", ethnicity),
    ]
}

/// `reviews`: each review completes a `cla_review`.
fn review(out: &mut Out<'_>, row: &Row) -> Vec<Draft> {
    let participation = out.code(row, "REVIEW_CODE");
    let Some(date) = out.required_date(row, "REVIEW", "the review is not imported") else {
        return Vec::new();
    };
    vec![
        Draft::step(date, 0, "cla_review", Action::Complete)
            .maybe_fact("review_participation", participation),
    ]
}

/// `missing`: a missing episode (`MISSING` = `M`) starts and completes a
/// `missing_episode`. Time away from placement without authorisation
/// (`MISSING` = `A`: whereabouts known) is not a missing episode and is not
/// imported.
fn missing(out: &mut Out<'_>, row: &Row) -> Vec<Draft> {
    match row.get("MISSING") {
        Some("M") => {}
        Some("A") => return Vec::new(),
        Some(_) => {
            out.error(row, "MISSING", "`MISSING` is not `M` (missing) or `A` (away without authorisation); the row is not imported".into());
            return Vec::new();
        }
        None => {
            out.error(
                row,
                "MISSING",
                "the row has no `MISSING` (`M` or `A`); it is not imported".into(),
            );
            return Vec::new();
        }
    }
    let then = "the missing episode is not imported";
    let Some(start) = out.required_date(row, "MIS_START", then) else {
        return Vec::new();
    };
    let Ok(end) = out.value(row, "MIS_END", values::uk_date, then) else {
        return Vec::new();
    };
    if let Some(end) = end
        && end < start
    {
        out.error(
            row,
            "MIS_END",
            format!("the child returns ({end}) before going missing ({start}); {then}"),
        );
        return Vec::new();
    }
    let mut drafts = vec![Draft::step(start, 0, "missing_episode", Action::Start)];
    if let Some(end) = end {
        drafts.push(Draft::step(end, 0, "missing_episode", Action::Complete));
    }
    drafts
}

/// How an episode of care began (`RNE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NewEpisode {
    /// `S`: started to be looked after.
    Started,
    /// `L`: change of legal status only.
    LegalStatus,
    /// `P`, `T`, `B`, `U`: a change of placement (with or without a change
    /// of carers or of legal status).
    Placement,
}

fn new_episode(code: &str) -> Result<NewEpisode, Refusal> {
    match code {
        "S" => Ok(NewEpisode::Started),
        "L" => Ok(NewEpisode::LegalStatus),
        "P" | "T" | "B" | "U" => Ok(NewEpisode::Placement),
        _ => Err("is not a reason for a new episode (`S`, `L`, `P`, `T`, `B` or `U`)"),
    }
}

/// `X1` (a new episode begins the same day) or a reason the child ceased to
/// be looked after (`E…`), as the 903 guidance lists them.
fn episode_end(code: &str) -> Result<String, Refusal> {
    const CEASED: &[&str] = &[
        "E11", "E12", "E13", "E14", "E15", "E16", "E17", "E2", "E3", "E41", "E45", "E46", "E47",
        "E48", "E4A", "E4B", "E5", "E6", "E7", "E8", "E9",
    ];
    if code == "X1" || CEASED.contains(&code) {
        Ok(code.to_owned())
    } else {
        Err("is not `X1` or a reason for ceasing to be looked after (`E2` … `E48`)")
    }
}

/// One episode of care, read.
struct Episode {
    row: usize,
    start: Date,
    new: NewEpisode,
    end: Option<Date>,
    /// `X1` or an `E…` reason, when the end is known.
    reason: Option<String>,
    facts: Vec<(&'static str, Option<String>)>,
    place_change: Option<String>,
}

impl Episode {
    fn continues_into(&self, next: &Episode) -> bool {
        self.end == Some(next.start) && self.reason.as_deref() == Some("X1")
    }
}

fn read_episode(out: &mut Out<'_>, row: &Row, index: usize) -> Option<Episode> {
    let then = "the episode is not imported";
    let start = out.required_date(row, "DECOM", then)?;
    let new = match out.value(row, "RNE", new_episode, then) {
        Ok(Some(new)) => new,
        Ok(None) => {
            out.error(row, "RNE", format!("the row has no `RNE`; {then}"));
            return None;
        }
        Err(()) => return None,
    };
    let end = out.value(row, "DEC", values::uk_date, then).ok()?;
    if let Some(end) = end
        && end < start
    {
        out.error(
            row,
            "DEC",
            format!("the episode ends ({end}) before it starts ({start}); {then}"),
        );
        return None;
    }
    let open = "the episode is imported as not yet ended";
    let reason = match (end, out.value(row, "REC", episode_end, open)) {
        (Some(_), Ok(Some(reason))) => Some(reason),
        (Some(_), Ok(None)) => {
            out.error(
                row,
                "REC",
                format!("the episode ends but has no `REC`; {open}"),
            );
            None
        }
        (None, Ok(Some(_))) => {
            // Nothing is lost: without an end date the episode is open anyway.
            out.warning(row, Some("REC"), "`REC` is given but the episode has no `DEC`; the episode is imported as not yet ended".into());
            None
        }
        (_, _) => None,
    };
    let end = end.filter(|_| reason.is_some());
    let facts = vec![
        ("legal_status", out.code(row, "LS")),
        ("category_of_need", out.code(row, "CIN")),
        ("placement_type", out.code(row, "PLACE")),
        ("placement_provider", out.code(row, "PLACE_PROVIDER")),
    ];
    let place_change = out.code(row, "REASON_PLACE_CHANGE");
    Some(Episode {
        row: index,
        start,
        new,
        end,
        reason,
        facts,
        place_change,
    })
}

/// `episodes`: one child's episodes of care, in date order, as the start and
/// end of being looked after and of each placement.
fn episodes(out: &mut Out<'_>, rows: &[Row]) -> Vec<Draft> {
    use Action::{Complete, Start};
    let mut read: Vec<Episode> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let Some(episode) = read_episode(out, row, i) else {
            continue;
        };
        if read.iter().any(|e| e.start == episode.start) {
            out.error(
                row,
                "DECOM",
                format!(
                    "the episode repeats one that starts the same day ({}); it is not imported",
                    episode.start
                ),
            );
            continue;
        }
        read.push(episode);
    }
    read.sort_by_key(|e| e.start);

    let mut drafts = Vec::new();
    for (i, episode) in read.iter().enumerate() {
        let row = &rows[episode.row];
        let group = i + 1;
        let previous = i.checked_sub(1).and_then(|p| read.get(p));
        let with_facts = |mut draft: Draft| {
            for (name, value) in &episode.facts {
                draft = draft.maybe_fact(name, value.clone());
            }
            draft
        };
        let continues = previous.is_some_and(|p| p.continues_into(episode));
        match episode.new {
            NewEpisode::Started => {
                if previous.is_some_and(|p| p.end.is_none_or(|_| p.reason.as_deref() == Some("X1")))
                {
                    out.warning(row, Some("RNE"), format!("a new period of care starts ({}) but the previous episode did not end it", episode.start));
                }
                drafts.push(with_facts(Draft::step(
                    episode.start,
                    group,
                    "looked_after",
                    Start,
                )));
                drafts.push(with_facts(Draft::step(
                    episode.start,
                    group,
                    "placement",
                    Start,
                )));
            }
            NewEpisode::Placement => {
                if let Some(previous) = previous {
                    if continues {
                        let ended = Draft::step(episode.start, group, "placement", Complete)
                            .maybe_fact("reason_placement_change", previous.place_change.clone());
                        drafts.push(ended);
                    } else {
                        out.warning(row, Some("DECOM"), format!("the placement changes ({}) but the previous episode does not end that day with `X1`", episode.start));
                    }
                }
                drafts.push(with_facts(Draft::step(
                    episode.start,
                    group,
                    "placement",
                    Start,
                )));
            }
            NewEpisode::LegalStatus => {
                if previous.is_some() && !continues {
                    out.warning(row, Some("DECOM"), format!("the legal status changes ({}) but the previous episode does not end that day with `X1`", episode.start));
                }
                drafts.push(with_facts(Draft::record(
                    episode.start,
                    group,
                    "legal_status",
                )));
            }
        }
        match (episode.end, episode.reason.as_deref()) {
            (Some(end), Some("X1")) if read.get(i + 1).is_none_or(|next| next.start != end) => {
                out.warning(row, Some("REC"), format!("the episode ends ({end}) with `X1`, but no episode starts that day; its placement is left open"));
            }
            (Some(end), Some(reason)) if reason != "X1" => {
                drafts.push(Draft::step(end, group, "placement", Complete));
                drafts.push(
                    Draft::step(end, group, "looked_after", Complete).fact("reason_ceased", reason),
                );
            }
            _ => {}
        }
    }
    drafts
}

/// `social_worker` episodes: the `worker` fact from `SW_DECOM`, forgotten at
/// `SW_DEC` unless another episode starts that day.
fn workers(out: &mut Out<'_>, rows: &[Row]) -> Vec<Draft> {
    let mut spans: Vec<(Date, Option<Date>, String)> = Vec::new();
    for row in rows {
        let then = "the social worker episode is not imported";
        let Ok(Some(worker)) = out.value(row, "SW_ID", values::worker_id, then) else {
            if row.get("SW_ID").is_none() {
                out.error(row, "SW_ID", format!("the row has no `SW_ID`; {then}"));
            }
            continue;
        };
        let Some(start) = out.required_date(row, "SW_DECOM", then) else {
            continue;
        };
        let Ok(end) = out.value(row, "SW_DEC", values::uk_date, then) else {
            continue;
        };
        if let Some(end) = end
            && end < start
        {
            out.error(row, "SW_DEC", format!("the social worker episode ends ({end}) before it starts ({start}); it is not imported"));
            continue;
        }
        spans.push((start, end, worker));
    }
    spans.sort();
    let mut drafts = Vec::new();
    for (start, end, worker) in &spans {
        drafts.push(Draft::record(*start, 1, "worker").fact("worker", worker.clone()));
        if let Some(end) = end
            && !spans.iter().any(|(s, _, _)| s == end)
        {
            drafts.push(Draft::record(*end, 0, "worker").fact_value("worker", None::<Fact>));
        }
    }
    drafts
}
