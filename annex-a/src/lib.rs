//! Ofsted's **Annex A**: the lists of children an inspector asks for on the
//! first day of an inspection of local authority children's services
//! (ILACS), filled from Duly's case states.
//!
//! The workbook has the template's eleven sheets (`List 1` to `List 11`),
//! with its column headers in its order ([`LISTS`]), real date cells shown
//! `dd/mm/yyyy`, the header row frozen and filters on, and a last sheet,
//! `Notes`, saying for every list which rows it holds and, for every column,
//! what fills it or why it stays empty. Duly adds one column to the
//! template: List 9's latest pathway plan review ([`PATHWAY_REVIEW`]), last.
//!
//! # Which rows
//!
//! The template carries no guidance notes; this follows the Annex A
//! guidance ("in the six months before the inspection") and the template's
//! own columns (end dates, closure reasons and a "closed episode" status
//! mean that cases ended in the period are listed). The template's sample
//! rows agree: their ages are worked out as at 16/03/2021 and their
//! activity dates begin on 16/09/2020, so both ends of the six months are
//! included. See [`Window`] for the days.
//!
//! | list | rows |
//! |---|---|
//! | 1 contacts, 2 early help | none: Duly has no steps for them |
//! | 3 referrals | every `referral` received in the six months before the as-of date |
//! | 4 assessments | every `assessment` open at any time in those six months |
//! | 5 section 47 enquiries | every `s47_enquiry` open at any time in those six months |
//! | 6 children in need | every children-in-need episode (past the referral) open at the as-of date or closed in those six months |
//! | 7 child protection | every `cp_plan` open at the as-of date or ended in those six months |
//! | 8 looked after | every period of care (a `looked_after`, or a run of placements with none around it) open at the as-of date or ended in those six months |
//! | 9 care leavers | every `pathway_plan` open at the as-of date |
//! | 10 adoption, 11 adopters | none: Duly has no steps for them |
//!
//! # Child data
//!
//! Only what the lists ask for is written: ids, dates, counts, the
//! allocated team and worker, and DfE codes with their Annex A labels. A
//! fact that should be a code but is not one is left out, so free text
//! never reaches the workbook. Errors carry case ids and dates only.
//!
//! # Using it
//!
//! Add each case's state as of the Annex A date, in any order (rows come
//! out in the order added), then write. Only the rows are kept, never the
//! states. Over a whole run, make each case's rows on every core with
//! [`Window::rows`] and add them in order with [`AnnexA::extend`]:
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use duly_annex_a::AnnexA;
//! use duly_engine::{AsOf, Engine, RunOptions};
//!
//! let rules = duly_dsl::check_text("s.duly", r#"
//! workflow safeguarding {
//!   title "Referrals"
//!   version "1"
//!   source "Working Together to Safeguard Children 2018"
//!   calendar england_and_wales
//!   starts with referral
//!   step referral {
//!     title "Referral"
//!     outcomes nfa, assessment
//!     on nfa end
//!     on assessment end
//!   }
//! }
//! "#).rules.ok_or("the rules do not check")?;
//! let engine = Engine::new(rules)?;
//! let events = r#"{"id": "e-1", "case": "C1", "at": "2021-01-04", "step": "referral", "action": "start", "facts": {"team": "North"}}
//! {"id": "e-2", "case": "C1", "at": "2021-01-04", "step": "referral", "action": "complete", "outcome": "nfa"}
//! "#;
//! let as_of = "2021-03-16".parse()?;
//! let mut annex = AnnexA::new(as_of)?;
//! let window = annex.window();
//! let options = RunOptions { as_of: AsOf::end_of(as_of), case: None };
//! engine.run_with(events.as_bytes(), &options, |state| window.rows(&state), |rows| {
//!     annex.extend(rows)
//! })?;
//! assert_eq!(annex.counts()[2], 1); // one referral in List 3
//!
//! let mut xlsx = Vec::new();
//! annex.write(std::io::Cursor::new(&mut xlsx))?;
//! assert!(xlsx.starts_with(b"PK")); // a zip: an xlsx workbook
//! # Ok(())
//! # }
//! ```

mod codes;
mod layout;
mod rows;
mod window;
mod workbook;

pub use layout::{Column, Fill, LISTS, List, PATHWAY_REVIEW};
pub use rows::CaseRows;
pub use window::Window;
pub use workbook::NOTES;

use duly_engine::CaseState;
use jiff::civil::Date;
use rows::Row;
use std::io::Write;

/// What can go wrong making an Annex A.
#[derive(Debug, thiserror::Error)]
pub enum AnnexError {
    /// A case judged as of another day than the lists.
    #[error(
        "case `{case}` was judged as of {state}, not {as_of}: replay every case as of the Annex A date"
    )]
    AsOfMismatch {
        /// The case id.
        case: String,
        /// The day its state was judged as of.
        state: Date,
        /// The Annex A date.
        as_of: Date,
    },
    /// An as-of date too early to count back a year from.
    #[error("the as-of date {as_of} is too early: there is no year before it to count back to")]
    AsOfTooEarly {
        /// The as-of date.
        as_of: Date,
    },
    /// The workbook could not be written (or has more rows than a sheet holds).
    #[error("cannot write the Annex A workbook: {0}")]
    Write(#[from] rust_xlsxwriter::XlsxError),
}

/// An Annex A being filled: the rows of every list so far.
#[derive(Debug, Clone)]
pub struct AnnexA {
    window: Window,
    lists: [Vec<Row>; LISTS.len()],
}

impl AnnexA {
    /// Empty lists as at the end of `as_of`.
    pub fn new(as_of: Date) -> Result<AnnexA, AnnexError> {
        Ok(AnnexA {
            window: Window::new(as_of)?,
            lists: Default::default(),
        })
    }

    /// The days the lists are drawn up for; [`Window::rows`] makes a case's
    /// rows on any thread.
    pub fn window(&self) -> Window {
        self.window
    }

    /// Adds a case's rows. Its state must be judged as of the lists' date.
    pub fn add(&mut self, state: &CaseState) -> Result<(), AnnexError> {
        if state.as_of != self.window.as_of {
            return Err(AnnexError::AsOfMismatch {
                case: state.case.clone(),
                state: state.as_of,
                as_of: self.window.as_of,
            });
        }
        self.extend(self.window.rows(state));
        Ok(())
    }

    /// Adds rows made with [`Window::rows`] (of this window).
    pub fn extend(&mut self, rows: CaseRows) {
        for (list, new) in self.lists.iter_mut().zip(rows.lists) {
            list.extend(new);
        }
    }

    /// How many rows each list has, List 1 first.
    pub fn counts(&self) -> [usize; LISTS.len()] {
        std::array::from_fn(|i| self.lists[i].len())
    }

    /// Writes the workbook (xlsx) to `writer`.
    pub fn write<W: Write + Send>(&self, writer: W) -> Result<(), AnnexError> {
        workbook::write(&self.window, &self.lists, writer)?;
        Ok(())
    }
}
