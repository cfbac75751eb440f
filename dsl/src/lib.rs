//! The Duly workflow language.
//!
//! Data flows one way: text → [syntax tree](ast) → checks → [`model::RuleSet`],
//! a checked workflow graph that the engine runs.

pub mod model;
