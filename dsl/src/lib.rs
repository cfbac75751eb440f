//! The Duly workflow language.
//!
//! Data flows one way: text → [syntax tree](ast) → checks → [`model::RuleSet`],
//! a checked workflow graph that the engine runs.
//!
//! - [`syntax::parse`] reads one file into an [`ast::SourceFile`];
//! - [`check()`] loads files through a [`SourceLoader`] (imports, closure files,
//!   plugin scripts), checks them together and returns a [`Checked`]: every
//!   [`Diagnostic`] found, and the [`model::RuleSet`] when there is no error;
//! - [`graph::WorkflowGraph`] is a checked workflow as a `petgraph` graph;
//! - [`diagnostic`] renders diagnostics for terminals and editors;
//! - [`render`] draws a workflow (DOT, Mermaid) and explains it in English.

pub mod ast;
pub mod check;
pub mod diagnostic;
pub mod graph;
pub mod loader;
pub mod model;
pub mod render;
pub mod suggest;
pub mod syntax;

pub use check::{CheckOptions, Checked, check, check_text};
pub use diagnostic::{Diagnostic, FileId, Severity, Sources, Span};
pub use loader::{FsLoader, MemoryLoader, SourceLoader};
