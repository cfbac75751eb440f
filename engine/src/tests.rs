//! Unit tests on small rule sets built by hand, counted on the real
//! England and Wales calendar.

mod plugins;
mod properties;
mod replay;
pub(crate) mod rules;
mod scenario;
