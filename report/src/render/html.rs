//! The report as one self-contained HTML page that a manager opens and
//! prints: no scripts, and no styles, fonts or images from anywhere else.
//! Charts are inline SVG with a title, a description that reads the data
//! out, axis labels and every value written on its bar (never colour alone).

use super::{Cell, columns, rows};
use crate::model::{Report, StepTimeliness};
use crate::{Section, Split};
use jiff::civil::Date;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

const STYLE: &str = r#"
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #111; background: #fff; margin: 0 auto; max-width: 1200px; padding: 1rem 1.5rem; line-height: 1.4; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; border-bottom: 2px solid #1d4e89; padding-bottom: .2rem; }
h3 { font-size: 1rem; margin: 1rem 0 .25rem; }
p.meta { margin: 0; color: #333; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; margin: .5rem 0 1rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { border: 1px solid #999; padding: .25rem .4rem; text-align: left; vertical-align: top; }
th { background: #e8eef6; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
td.explanation { min-width: 22rem; }
td.d { white-space: nowrap; }
.measures td.pc { font-weight: 700; font-size: 1rem; }
figure { margin: .5rem 0 1.25rem; }
figcaption { font-size: .85rem; color: #333; }
svg { max-width: 100%; height: auto; }
svg text { font-family: inherit; fill: #111; }
.bar { fill: #1d4e89; }
.axis { stroke: #444; stroke-width: 1; }
.grid { stroke: #bbb; stroke-width: 1; stroke-dasharray: 3 3; }
dl.notes dt { font-weight: 600; margin-top: .5rem; }
dl.notes dd { margin: 0 0 0 1rem; }
.none { font-style: italic; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  h2, h3 { break-after: avoid; }
  figure, tr { break-inside: avoid; }
  thead { display: table-header-group; }
  table { font-size: 8.5pt; }
  th { background: #e8eef6; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .bar { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  section.tables { break-before: page; }
}
"#;

/// Escapes text for HTML and SVG.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn long_date(date: Date) -> String {
    date.strftime("%A %-d %B %Y").to_string()
}

/// Writes the report as one self-contained HTML page (timeliness split `by`).
pub fn html(report: &Report, by: Split, out: &mut dyn Write) -> std::io::Result<()> {
    let mut page = String::new();
    let title = format!("Timescale compliance as of {}", report.as_of);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&title)
    );
    let _ = write!(
        page,
        "<header>\n<h1>Timescale compliance</h1>\n<p class=\"meta\">As of the end of {}. \
         Period {} to {}{}.</p>\n<p class=\"meta\">{} cases and {} events read; {} refused and not counted. \
         {} breaches; {} deadlines at risk in the next {} working days.</p>\n</header>\n<main>\n",
        esc(&long_date(report.as_of)),
        esc(&long_date(report.from)),
        esc(&long_date(report.to)),
        if report.counted_to < report.to {
            format!(" (counted to {})", esc(&long_date(report.counted_to)))
        } else {
            String::new()
        },
        report.input.cases,
        report.input.events,
        report.input.refused,
        report.breaches.len(),
        report.at_risk.len(),
        report.at_risk_days,
    );
    measures(&mut page, report);
    monthly_charts(&mut page, report);
    team_chart(&mut page, report);
    page.push_str(
        "<section class=\"tables\" aria-labelledby=\"tables-h\">\n<h2 id=\"tables-h\">Lists</h2>\n",
    );
    out.write_all(page.as_bytes())?;
    let timeliness_caption = match by {
        Split::Step => "Timeliness by step".to_owned(),
        other => format!("Timeliness by step and {}", other.as_str()),
    };
    let at_risk_caption = format!(
        "At risk: open deadlines due within {} working days, soonest first",
        report.at_risk_days
    );
    for (section, caption) in [
        (
            Section::Breaches,
            "Breaches: deadlines due in the period and missed",
        ),
        (Section::AtRisk, at_risk_caption.as_str()),
        (Section::Timeliness, timeliness_caption.as_str()),
    ] {
        table(out, report, section, by, caption)?;
    }
    let mut page = String::from("</section>\n");
    page.push_str("<section aria-labelledby=\"notes-h\">\n<h2 id=\"notes-h\">How this is counted</h2>\n<dl class=\"notes\">\n");
    for note in &report.notes {
        let _ = writeln!(
            page,
            "<dt>{}</dt><dd>{}</dd>",
            esc(&note.topic),
            esc(&note.text)
        );
    }
    page.push_str("</dl>\n</section>\n</main>\n</body>\n</html>\n");
    out.write_all(page.as_bytes())
}

fn measures(page: &mut String, report: &Report) {
    page.push_str(
        "<section aria-labelledby=\"measures-h\">\n<h2 id=\"measures-h\">Headline measures</h2>\n\
         <table class=\"measures\">\n<thead><tr><th scope=\"col\">Measure</th><th scope=\"col\" class=\"n\">Per cent</th>\
         <th scope=\"col\" class=\"n\">Count</th><th scope=\"col\" class=\"n\">Of</th></tr></thead>\n<tbody>\n",
    );
    for m in &report.measures {
        let _ = writeln!(
            page,
            "<tr><th scope=\"row\">{} <small>({})</small></th><td class=\"n pc\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(m.title),
            esc(m.id),
            m.percent
                .map_or("no data".to_owned(), |p| format!("{p:.1}%")),
            m.numerator,
            m.denominator
        );
    }
    page.push_str("</tbody>\n</table>\n</section>\n");
}

/// Every month of the period, for the charts' axes.
fn months(report: &Report) -> Vec<(i16, i8)> {
    let mut months = Vec::new();
    let (mut year, mut month) = (report.from.year(), report.from.month());
    let end = (report.counted_to.year(), report.counted_to.month());
    while (year, month) <= end && months.len() < 240 {
        months.push((year, month));
        if month == 12 {
            year += 1;
            month = 1;
        } else {
            month += 1;
        }
    }
    months
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn month_name((year, month): (i16, i8)) -> String {
    format!("{} {year}", MONTHS[(month as usize).saturating_sub(1) % 12])
}

fn monthly_charts(page: &mut String, report: &Report) {
    page.push_str(
        "<section aria-labelledby=\"monthly-h\">\n<h2 id=\"monthly-h\">On time by month</h2>\n\
         <p>For each timescale: the share of deadlines due in each month that were met. Each bar is labelled \
         with its percentage and how many were due; a month with none due says so.</p>\n",
    );
    let months = months(report);
    let mut drawn = 0;
    for (i, step) in report.timeliness.iter().enumerate() {
        if step.all.due == 0 {
            continue;
        }
        drawn += 1;
        month_chart(page, i, step, &months);
    }
    if drawn == 0 {
        page.push_str("<p class=\"none\">No deadline was due in the period.</p>\n");
    }
    page.push_str("</section>\n");
}

fn month_chart(page: &mut String, i: usize, step: &StepTimeliness, months: &[(i16, i8)]) {
    let by_month: BTreeMap<&str, &crate::model::Figures> = step
        .by_month
        .iter()
        .filter_map(|g| Some((g.group.as_deref()?, &g.figures)))
        .collect();
    let (left, right, top, bottom) = (48.0, 12.0, 16.0, 46.0);
    let slot = 52.0_f64;
    let height = 220.0;
    let width = left + right + slot * months.len().max(1) as f64;
    let plot = height - top - bottom;
    let title = format!(
        "{} ({}): per cent on time by month",
        step.title, step.timescale
    );
    let mut desc = Vec::new();
    let mut bars = String::new();
    for (k, &(year, month)) in months.iter().enumerate() {
        let key = format!("{year:04}-{month:02}");
        let x = left + slot * k as f64;
        let name = month_name((year, month));
        match by_month
            .get(key.as_str())
            .and_then(|f| Some((f.percent_on_time?, f.due)))
        {
            Some((pc, due)) => {
                let h = plot * pc / 100.0;
                let y = top + plot - h;
                desc.push(format!("{name}: {pc:.1}% of {due}"));
                let _ = write!(
                    bars,
                    "<rect class=\"bar\" x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{h:.1}\"><title>{}: {pc:.1}% of {due} on time</title></rect>\
                     <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{pc:.0}%</text>\
                     <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"middle\">n={due}</text>",
                    x + slot * 0.15,
                    slot * 0.7,
                    esc(&name),
                    x + slot / 2.0,
                    (y - 3.0).max(10.0),
                    x + slot / 2.0,
                    height - bottom + 36.0,
                );
            }
            None => {
                desc.push(format!("{name}: none due"));
                let _ = write!(
                    bars,
                    "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"middle\">none</text>",
                    x + slot / 2.0,
                    top + plot - 3.0
                );
            }
        }
        let _ = write!(
            bars,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{}</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{year}</text>",
            x + slot / 2.0,
            height - bottom + 13.0,
            MONTHS[(month as usize).saturating_sub(1) % 12],
            x + slot / 2.0,
            height - bottom + 24.0,
        );
    }
    let id = format!("chart-{i}");
    let _ = write!(
        page,
        "<figure>\n<h3>{} <small>({})</small></h3>\n",
        esc(&step.title),
        esc(&step.timescale)
    );
    let _ = write!(
        page,
        "<svg role=\"img\" viewBox=\"0 0 {width:.0} {height:.0}\" width=\"{width:.0}\" height=\"{height:.0}\" aria-labelledby=\"{id}-t {id}-d\">\
         <title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>",
        esc(&title),
        esc(&desc.join("; ")),
    );
    for pc in [0.0, 50.0, 100.0] {
        let y = top + plot - plot * pc / 100.0;
        let _ = write!(
            page,
            "<line class=\"grid\" x1=\"{left}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\">{pc:.0}%</text>",
            width - right,
            left - 4.0,
            y + 3.0
        );
    }
    let _ = write!(
        page,
        "<line class=\"axis\" x1=\"{left}\" x2=\"{left}\" y1=\"{top}\" y2=\"{:.1}\"/>\
         <line class=\"axis\" x1=\"{left}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/>\
         <text x=\"12\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\" transform=\"rotate(-90 12 {:.1})\">% on time</text>",
        top + plot,
        width - right,
        top + plot,
        top + plot,
        top + plot / 2.0,
        top + plot / 2.0,
    );
    page.push_str(&bars);
    let _ = write!(
        page,
        "</svg>\n<figcaption>{}: {} of {} due in the period met ({}).</figcaption>\n</figure>\n",
        esc(&step.title),
        step.all.met,
        step.all.due,
        step.all
            .percent_on_time
            .map_or("none due".to_owned(), |p| format!("{p:.1}%")),
    );
}

fn team_chart(page: &mut String, report: &Report) {
    page.push_str(
        "<section aria-labelledby=\"teams-h\">\n<h2 id=\"teams-h\">Breaches by team</h2>\n\
         <p>Deadlines due in the period and missed, by the team that held the case when each was missed.</p>\n",
    );
    let mut teams: BTreeMap<Option<&str>, u64> = BTreeMap::new();
    for b in &report.breaches {
        *teams.entry(b.team.as_deref()).or_default() += 1;
    }
    if teams.is_empty() {
        page.push_str("<p class=\"none\">No breaches in the period.</p>\n</section>\n");
        return;
    }
    let mut teams: Vec<(String, u64)> = teams
        .into_iter()
        .map(|(t, n)| (t.unwrap_or("team not recorded").to_owned(), n))
        .collect();
    teams.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let most = teams.iter().map(|t| t.1).max().unwrap_or(1).max(1) as f64;
    let (label, row, top) = (180.0, 26.0, 8.0);
    let plot = 440.0;
    let width = label + plot + 60.0;
    let height = top * 2.0 + row * teams.len() as f64 + 20.0;
    let desc: Vec<String> = teams.iter().map(|(t, n)| format!("{t}: {n}")).collect();
    let _ = write!(
        page,
        "<figure>\n<svg role=\"img\" viewBox=\"0 0 {width:.0} {height:.0}\" width=\"{width:.0}\" height=\"{height:.0}\" aria-labelledby=\"teams-t teams-d\">\
         <title id=\"teams-t\">Breaches by team</title><desc id=\"teams-d\">{}</desc>",
        esc(&desc.join("; "))
    );
    for (k, (team, n)) in teams.iter().enumerate() {
        let y = top + row * k as f64;
        let w = plot * *n as f64 / most;
        let _ = write!(
            page,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{}</text>\
             <rect class=\"bar\" x=\"{label}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\"><title>{}: {n}</title></rect>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\">{n}</text>",
            label - 6.0,
            y + row * 0.6,
            esc(team),
            y + 3.0,
            row - 8.0,
            esc(team),
            label + w + 4.0,
            y + row * 0.6,
        );
    }
    let axis_y = top + row * teams.len() as f64 + 2.0;
    let _ = write!(
        page,
        "<line class=\"axis\" x1=\"{label}\" x2=\"{label}\" y1=\"{top}\" y2=\"{axis_y:.1}\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">breaches (count)</text></svg>\n\
         <figcaption>{} breaches in all.</figcaption>\n</figure>\n</section>\n",
        label + plot / 2.0,
        axis_y + 14.0,
        report.breaches.len()
    );
}

/// A section's table, written row by row: a breach list can be long.
fn table(
    out: &mut dyn Write,
    report: &Report,
    section: Section,
    by: Split,
    caption: &str,
) -> std::io::Result<()> {
    let columns: Vec<(usize, &str)> = columns(section)
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.wide)
        .map(|(i, c)| (i, c.name))
        .collect();
    let id = section.name();
    writeln!(out, "<h3 id=\"{id}-h\">{}</h3>", esc(caption))?;
    let mut rows = rows(report, section, by).peekable();
    if rows.peek().is_none() {
        return out.write_all(b"<p class=\"none\">None.</p>\n");
    }
    let mut head = format!("<table aria-labelledby=\"{id}-h\">\n<thead><tr>");
    for (_, name) in &columns {
        let _ = write!(
            head,
            "<th scope=\"col\">{}</th>",
            esc(&name.replace('_', " "))
        );
    }
    head.push_str("</tr></thead>\n<tbody>\n");
    out.write_all(head.as_bytes())?;
    let mut line = String::new();
    for row in rows {
        line.clear();
        line.push_str("<tr>");
        for &(i, name) in &columns {
            let cell = &row[i];
            let class = match (cell, name) {
                (_, "explanation") => " class=\"explanation\"",
                (Cell::Int(_) | Cell::Num(_), _) => " class=\"n\"",
                (Cell::Date(_) | Cell::Time(..), _) => " class=\"d\"",
                _ => "",
            };
            let _ = write!(line, "<td{class}>{}</td>", esc(&cell.text()));
        }
        line.push_str("</tr>\n");
        out.write_all(line.as_bytes())?;
    }
    out.write_all(b"</tbody>\n</table>\n")
}
