//! Reading one child's census elements into checked, typed records. Every
//! problem is reported here, once, naming the element and its line.

use super::xml::Node;
use crate::values::{self, Refusal};
use crate::{ImportError, Severity};
use jiff::civil::Date;

/// Collects the problems found in one child's record.
pub(crate) struct Report<'a> {
    pub file: &'a str,
    pub child: Option<String>,
    pub problems: Vec<ImportError>,
}

impl Report<'_> {
    pub fn push(&mut self, severity: Severity, line: u64, element: &str, message: String) {
        self.problems.push(ImportError {
            file: self.file.to_owned(),
            line: Some(line),
            child: self.child.clone(),
            element: Some(element.to_owned()),
            severity,
            message,
        });
    }

    pub fn error(&mut self, line: u64, element: &str, message: String) {
        self.push(Severity::Error, line, element, message);
    }

    pub fn warning(&mut self, line: u64, element: &str, message: String) {
        self.push(Severity::Warning, line, element, message);
    }

    /// The one `name` element inside `node`, if present and not empty.
    /// A repeated one is reported and ignored.
    pub fn single<'n>(&mut self, node: &'n Node, path: &str, name: &str) -> Option<&'n Node> {
        let mut found = node.all(name);
        let first = found.next();
        if let Some(extra) = found.next() {
            self.error(
                extra.line,
                &format!("{path}/{name}"),
                format!("`{name}` is given more than once; only the first is read"),
            );
        }
        first.filter(|n| !n.value().is_empty())
    }

    /// Reads a value with `read`; a refused value is reported, followed by
    /// `then` (what was done instead). `Err` means it was present but refused.
    pub fn value<T>(
        &mut self,
        node: &Node,
        path: &str,
        name: &str,
        read: impl Fn(&str) -> Result<T, Refusal>,
        then: &str,
    ) -> Result<Option<T>, ()> {
        let Some(found) = self.single(node, path, name) else {
            return Ok(None);
        };
        match read(found.value()) {
            Ok(value) => Ok(Some(value)),
            Err(why) => {
                self.error(
                    found.line,
                    &format!("{path}/{name}"),
                    format!("`{name}` {why}; {then}"),
                );
                Err(())
            }
        }
    }

    /// Reads a census date (see [`values::iso_date`]).
    pub fn date(
        &mut self,
        node: &Node,
        path: &str,
        name: &str,
        then: &str,
    ) -> Result<Option<Date>, ()> {
        self.value(node, path, name, values::iso_date, then)
    }

    /// Reads a list of codes, such as `Disabilities/Disability`; refused ones
    /// are reported and left out.
    pub fn codes(&mut self, node: Option<&Node>, path: &str, item: &str) -> Vec<String> {
        let Some(node) = node else { return Vec::new() };
        let mut codes = Vec::new();
        for found in node.all(item) {
            match values::code(found.value()) {
                Ok(code) => codes.push(code),
                Err(why) => self.error(
                    found.line,
                    &format!("{path}/{item}"),
                    format!("`{item}` {why}; it is left out"),
                ),
            }
        }
        codes
    }

    /// Reads an optional code kept as a fact; a refused one is left out.
    pub fn code(&mut self, node: &Node, path: &str, name: &str) -> Option<String> {
        self.value(node, path, name, values::code, "it is left out")
            .ok()
            .flatten()
    }
}

/// The elements that hold only other elements: text directly inside them is
/// a mistake in the file.
pub(crate) const CONTAINERS: &[&str] = &[
    "Child",
    "ChildIdentifiers",
    "ChildCharacteristics",
    "Disabilities",
    "CINdetails",
    "Assessments",
    "FactorsIdentifiedAtAssessment",
    "CINPlanDates",
    "Section47",
    "ChildProtectionPlans",
    "Reviews",
];

/// Reports text standing directly inside a container element.
pub(crate) fn stray_text(report: &mut Report<'_>, node: &Node) {
    if CONTAINERS.contains(&node.name.as_str()) && !node.value().is_empty() {
        report.error(
            node.line,
            &node.name,
            format!(
                "unexpected text inside `{}`, which holds only elements; the text is ignored",
                node.name
            ),
        );
    }
    for child in &node.children {
        stray_text(report, child);
    }
}
