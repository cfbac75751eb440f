//! The report as an Excel workbook: a sheet per section, then the notes.
//! Dates are real date cells, every sheet has its filters on and its
//! header row frozen. The measures sheet has a bar chart of the measures
//! beside its table, for a slide or a cabinet paper. Sheets are written in constant memory (row by row,
//! through a temporary file), so a long breach list does not fill memory.

use super::{Cell, columns, row_count, rows};
use crate::model::Report;
use crate::{Section, Split};
use rust_xlsxwriter::{Chart, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

/// The most data rows a sheet holds (Excel's limit less the header row).
/// A longer section is cut there and the notes sheet says so.
pub const XLSX_ROWS: usize = 1_048_575;

/// The widest a column is set (in characters).
const MAX_WIDTH: usize = 60;

/// The report as the bytes of an `.xlsx` workbook (timeliness split `by`).
pub fn xlsx(report: &Report, by: Split) -> std::io::Result<Vec<u8>> {
    build(report, by).map_err(std::io::Error::other)
}

struct Formats {
    header: Format,
    date: Format,
    time: Format,
    percent: Format,
    wrap: Format,
}

fn build(report: &Report, by: Split) -> Result<Vec<u8>, XlsxError> {
    let formats = Formats {
        header: Format::new().set_bold(),
        date: Format::new().set_num_format("yyyy-mm-dd"),
        time: Format::new().set_num_format("yyyy-mm-dd hh:mm"),
        percent: Format::new().set_num_format("0.0"),
        wrap: Format::new().set_text_wrap(),
    };
    let mut workbook = Workbook::new();
    let mut cut = Vec::new();
    for section in Section::ALL {
        let sheet = workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name(section.title())?;
        let total = row_count(report, section, by);
        if total > XLSX_ROWS {
            cut.push((section, total));
        }
        write_section(sheet, report, section, by, &formats)?;
        if section == Section::Measures && !report.measures.is_empty() {
            let chart = measures_chart(report.measures.len());
            sheet.insert_chart(1, columns(section).len() as u16 + 1, &chart)?;
        }
    }
    let notes = workbook.add_worksheet_with_constant_memory()?;
    notes.set_name("Notes")?;
    write_notes(notes, report, &cut, &formats)?;
    workbook.save_to_buffer()
}

fn write_section(
    sheet: &mut Worksheet,
    report: &Report,
    section: Section,
    by: Split,
    formats: &Formats,
) -> Result<(), XlsxError> {
    let columns = columns(section);
    let last_col = (columns.len() - 1) as u16;
    let mut widths: Vec<usize> = columns.iter().map(|c| c.name.len() + 3).collect();
    // Widths come from the first rows; constant memory writes row by row,
    // so they are set before any row is written.
    for row in rows(report, section, by).take(200) {
        for (w, cell) in widths.iter_mut().zip(&row) {
            let len = match cell {
                Cell::Date(_) => 11,
                Cell::Time(..) => 17,
                other => other.text().chars().count() + 1,
            };
            *w = (*w).max(len).min(MAX_WIDTH);
        }
    }
    for (c, w) in widths.iter().enumerate() {
        sheet.set_column_width(c as u16, *w as f64)?;
    }
    for (c, column) in columns.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, column.name, &formats.header)?;
    }
    let mut last_row = 0u32;
    for (r, row) in rows(report, section, by).take(XLSX_ROWS).enumerate() {
        let r = (r + 1) as u32;
        last_row = r;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            let wide = columns[c as usize].name == "explanation";
            match cell {
                Cell::Text(t) if wide => {
                    sheet.write_string_with_format(r, c, t, &formats.wrap)?;
                }
                Cell::Text(t) => {
                    sheet.write_string(r, c, t)?;
                }
                Cell::Int(n) => {
                    sheet.write_number(r, c, *n as f64)?;
                }
                Cell::Num(x) => {
                    sheet.write_number_with_format(r, c, *x, &formats.percent)?;
                }
                Cell::Date(d) => {
                    let date = excel_date(d.year(), d.month(), d.day())?;
                    sheet.write_datetime_with_format(r, c, &date, &formats.date)?;
                }
                Cell::Time(t, _) => {
                    let time = excel_date(t.year(), t.month(), t.day())?.and_hms(
                        t.hour() as u16,
                        t.minute() as u8,
                        t.second(),
                    )?;
                    sheet.write_datetime_with_format(r, c, &time, &formats.time)?;
                }
                Cell::Bool(b) => {
                    sheet.write_boolean(r, c, *b)?;
                }
                Cell::Empty => {}
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, last_row, last_col)?;
    Ok(())
}

/// A bar chart of the measures sheet's `n` rows: each measure's title and
/// its percentage (a measure with nothing to count has no bar).
fn measures_chart(n: usize) -> Chart {
    let sheet = Section::Measures.title();
    let column = |name: &str| {
        columns(Section::Measures)
            .iter()
            .position(|c| c.name == name)
            .unwrap_or_default() as u16
    };
    let last = n as u32;
    let mut chart = Chart::new_bar();
    chart
        .add_series()
        .set_name("% within the timescale")
        .set_categories((sheet, 1, column("title"), last, column("title")))
        .set_values((sheet, 1, column("percent"), last, column("percent")));
    chart
        .title()
        .set_name("The measures councils are compared on");
    chart.x_axis().set_name("%").set_min(0).set_max(100);
    chart.y_axis().set_reverse();
    chart.legend().set_hidden();
    chart.set_width(720).set_height(80 + 40 * last);
    chart
}

fn excel_date(year: i16, month: i8, day: i8) -> Result<ExcelDateTime, XlsxError> {
    let year = u16::try_from(year).map_err(|_| XlsxError::DateTimeRangeError(year.to_string()))?;
    ExcelDateTime::from_ymd(year, month as u8, day as u8)
}

fn write_notes(
    sheet: &mut Worksheet,
    report: &Report,
    cut: &[(Section, usize)],
    formats: &Formats,
) -> Result<(), XlsxError> {
    sheet.set_column_width(0, 22)?;
    sheet.set_column_width(1, 120)?;
    sheet.write_string_with_format(0, 0, "topic", &formats.header)?;
    sheet.write_string_with_format(0, 1, "note", &formats.header)?;
    let mut lines: Vec<(String, String)> = vec![
        ("as_of".into(), report.as_of.to_string()),
        ("period".into(), format!("{} to {}", report.from, report.to)),
        (
            "input".into(),
            format!(
                "{} cases, {} events read, {} refused",
                report.input.cases, report.input.events, report.input.refused
            ),
        ),
    ];
    for (section, total) in cut {
        lines.push((
            section.name().into(),
            format!(
                "the sheet holds the first {XLSX_ROWS} of {total} rows (Excel's limit): the CSV or JSON format has them all"
            ),
        ));
    }
    lines.extend(
        report
            .notes
            .iter()
            .map(|n| (n.topic.clone(), n.text.clone())),
    );
    for (i, (topic, text)) in lines.iter().enumerate() {
        let r = (i + 1) as u32;
        sheet.write_string(r, 0, topic)?;
        sheet.write_string_with_format(r, 1, text, &formats.wrap)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, lines.len() as u32, 1)?;
    Ok(())
}
