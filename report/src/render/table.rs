//! The report for a terminal: a heading, then each section as aligned
//! columns (long columns other than the explanation left out: they are in
//! the CSV, JSON and workbook).

use super::{Cell, columns, rows};
use crate::model::Report;
use crate::{Section, Split};
use std::io::Write;

/// Writes the report (or one section) for a terminal.
pub fn table(
    report: &Report,
    sections: &[Section],
    by: Split,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    writeln!(
        out,
        "Timescale compliance as of {}: period {} to {}{}",
        report.as_of,
        report.from,
        report.to,
        if report.counted_to < report.to {
            format!(" (counted to {})", report.counted_to)
        } else {
            String::new()
        }
    )?;
    writeln!(
        out,
        "{} case{}, {} event{} read, {} refused; {} breach{}, {} at risk",
        report.input.cases,
        plural(report.input.cases),
        report.input.events,
        plural(report.input.events),
        report.input.refused,
        report.breaches.len(),
        if report.breaches.len() == 1 { "" } else { "es" },
        report.at_risk.len(),
    )?;
    for &section in sections {
        writeln!(out)?;
        let title = match section {
            Section::AtRisk => format!(
                "{} (due within {} working days)",
                section.title(),
                report.at_risk_days
            ),
            Section::Drift => format!(
                "{} (nothing completed in {} working days)",
                section.title(),
                report.drift_days
            ),
            Section::Timeliness if by != Split::Step => {
                format!("{} and {}", section.title(), by.as_str())
            }
            _ => section.title().to_owned(),
        };
        writeln!(out, "{title}")?;
        let keep: Vec<usize> = columns(section)
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.wide)
            .map(|(i, _)| i)
            .collect();
        let header: Vec<String> = keep
            .iter()
            .map(|&i| columns(section)[i].name.to_uppercase())
            .collect();
        let body: Vec<Vec<String>> = rows(report, section, by)
            .map(|row| keep.iter().map(|&i| shown(&row[i])).collect())
            .collect();
        if body.is_empty() {
            writeln!(out, "  none")?;
            continue;
        }
        let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
        for row in &body {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        for row in std::iter::once(&header).chain(&body) {
            let mut line = String::from(" ");
            for (i, cell) in row.iter().enumerate() {
                line.push(' ');
                if i + 1 == row.len() {
                    line.push_str(cell);
                } else {
                    let pad = widths[i] - cell.chars().count();
                    line.push_str(cell);
                    line.extend(std::iter::repeat_n(' ', pad + 1));
                }
            }
            writeln!(out, "{}", line.trim_end())?;
        }
    }
    if sections.len() > 1 {
        writeln!(out)?;
        writeln!(out, "How this is counted")?;
        for note in &report.notes {
            writeln!(out, "  {}: {}", note.topic, note.text)?;
        }
    }
    Ok(())
}

fn shown(cell: &Cell) -> String {
    match cell {
        Cell::Empty => "-".to_owned(),
        other => other.text(),
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}
