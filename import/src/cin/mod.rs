//! The children in need (CIN) census: the XML return, schemas 2022 to 2026.
//!
//! See `docs/import.md` for which element becomes which event.

mod child;
mod episode;
mod read;
mod xml;

use crate::ImportError;
use crate::draft::Ids;
use duly_events::Event;
use jiff::civil::Date;
use std::collections::VecDeque;
use std::io::BufRead;
use xml::{Elements, Item};

/// Reads a CIN census file child by child, yielding each event or problem as
/// soon as its child has been read. `file` names the file in problems.
///
/// A problem is an `Err`: [`ImportError::is_error`] tells whether something
/// was left out or only looks out of step.
pub fn read_cin<R: BufRead>(file: &str, reader: R) -> CinEvents<R> {
    CinEvents {
        file: file.to_owned(),
        elements: Elements::new(file, reader),
        reference_date: None,
        ids: Ids::new("cin"),
        queue: VecDeque::new(),
    }
}

/// The events and problems of a CIN census file; see [`read_cin`].
pub struct CinEvents<R> {
    file: String,
    elements: Elements<R>,
    reference_date: Option<Date>,
    ids: Ids,
    queue: VecDeque<Result<Event, ImportError>>,
}

impl<R: BufRead> Iterator for CinEvents<R> {
    type Item = Result<Event, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(next) = self.queue.pop_front() {
                return Some(next);
            }
            match self.elements.next()? {
                Item::Problem(problem) => return Some(Err(problem)),
                Item::Header(header) => {
                    // `Header/CollectionDetails/ReferenceDate`: the census day.
                    self.reference_date = header
                        .first("CollectionDetails")
                        .and_then(|c| c.first("ReferenceDate"))
                        .and_then(|r| crate::values::iso_date(r.value()).ok());
                }
                Item::Child(node) => {
                    let (events, problems) =
                        child::import(&self.file, &node, self.reference_date, &mut self.ids);
                    self.queue.extend(problems.into_iter().map(Err));
                    self.queue.extend(events.into_iter().map(Ok));
                }
            }
        }
    }
}
