//! The rule sets a service has run, and which cases run under which.
//!
//! A service keeps every rule set it has loaded as a numbered
//! [`Generation`], with the text of its files, so that a case keeps the
//! rules it started under across reloads and restarts. A case starts under
//! the generation in force when its first event arrived; a later generation
//! may take over every case of an older one (`moved_to`), or single cases.

use crate::StoreError;

/// One rule set a service has run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generation {
    /// Its number, counting up from 1.
    pub number: u64,
    /// The arrival number of the first event accepted under it: a case
    /// whose first event arrived at or after this (and before the next
    /// generation's) started under it.
    pub from_arrival: u64,
    /// The later generation that took over all its cases, if one did.
    pub moved_to: Option<u64>,
    /// What the service saved to rebuild it (its files' texts, as JSON).
    pub body: String,
}

/// Keeps the rule sets a service has run and the cases moved between them.
///
/// Like [`crate::EventStore`], every method that writes returns only once
/// what it wrote is durable.
pub trait RuleHistory: Send + Sync {
    /// Every generation, oldest first.
    fn generations(&self) -> Result<Vec<Generation>, StoreError>;

    /// Saves a new generation in force from the next event to arrive, and in
    /// the same transaction hands it every case of the generations in
    /// `forward` and the single cases in `cases`. Returns its number.
    fn save_generation(
        &self,
        body: &str,
        forward: &[u64],
        cases: &[String],
    ) -> Result<u64, StoreError>;

    /// The cases moved one by one, with the generation each was moved to.
    fn case_moves(&self) -> Result<Vec<(String, u64)>, StoreError>;

    /// Every case with the arrival number of its first event, in case order.
    fn case_first_arrivals(&self) -> Result<Vec<(String, u64)>, StoreError>;

    /// The arrival number of a case's first event, if it has any.
    fn first_arrival(&self, case: &str) -> Result<Option<u64>, StoreError>;
}
