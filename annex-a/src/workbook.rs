//! Writing the workbook: one sheet a list, then the notes.

use crate::layout::{Fill, LISTS, List};
use crate::rows::{Cell, Row};
use crate::window::Window;
use jiff::civil::Date;
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Workbook, Worksheet, XlsxError};
use std::io::Write;

/// The notes sheet's name.
pub const NOTES: &str = "Notes";

/// How dates are shown: as inspectors expect them.
const DATE_FORMAT: &str = "dd/mm/yyyy";

/// General readings, the first lines of the notes sheet.
const ABOUT: &[&str] = &[
    "Filled by Duly from the events it holds, replayed as at the end of the as-of date. Only what the lists ask for is written.",
    "Activity lists (3 referrals, 4 assessments, 5 section 47 enquiries) hold what was received, open or done in the activity window: the six months before the as-of date, both days included.",
    "Case lists (6 children in need, 7 child protection, 8 looked after) hold what is open at the as-of date and what ended in the activity window; List 9 (care leavers) holds what is open at the as-of date.",
    "'In the last 12 months' counts back 12 calendar months from the as-of date (List 8), or from the row's own referral or enquiry (Lists 3 and 5, where the row itself is not counted).",
    "Facts (gender, ethnicity, team, worker, codes) are as at the as-of date. Facts keep only their latest value, so a fact describing one referral, plan, period of care or placement is written only on the row of the latest one.",
    "A period (assessment, plan, period of care) that reached Duly only through its end has no start date; what happened in it is then counted from the end of the one before.",
    "Yes/no columns use the template's coded values: a) Yes, b) No. Ages are whole years at the as-of date.",
    "A code Duly does not know is written as it is when it looks like a code; anything else is left out. Empty cells are not known to Duly: see below for why.",
    "Lists 1, 2, 10 and 11 are empty: Duly has no steps for contacts, early help assessments, adoption or adopters.",
];

/// Writes the lists and the notes to `writer`.
pub(crate) fn write<W: Write + Send>(
    window: &Window,
    lists: &[Vec<Row>; LISTS.len()],
    writer: W,
) -> Result<(), XlsxError> {
    let mut workbook = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Top);
    let date = Format::new().set_num_format(DATE_FORMAT);
    for (list, rows) in LISTS.iter().zip(lists) {
        let sheet = workbook.add_worksheet();
        sheet.set_name(list.sheet)?;
        write_list(sheet, list, rows, &header, &date)?;
    }
    let sheet = workbook.add_worksheet();
    sheet.set_name(NOTES)?;
    write_notes(sheet, window, &header, &date)?;
    workbook.save_to_writer(writer)
}

fn write_list(
    sheet: &mut Worksheet,
    list: &List,
    rows: &[Row],
    header: &Format,
    date: &Format,
) -> Result<(), XlsxError> {
    let last_column = column(list.columns.len().saturating_sub(1))?;
    for (c, col) in list.columns.iter().enumerate() {
        let c = column(c)?;
        sheet.write_string_with_format(0, c, col.header, header)?;
        // Wide enough for a date, narrow enough to see a list at a glance:
        // the header wraps.
        let width = (col.header.len() as f64 / 2.5).clamp(12.0, 30.0);
        sheet.set_column_width(c, width)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = line(r + 1)?;
        for (c, cell) in row.iter().enumerate() {
            write_cell(sheet, r, column(c)?, cell, date)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, line(rows.len())?, last_column)?;
    Ok(())
}

fn write_cell(
    sheet: &mut Worksheet,
    r: u32,
    c: u16,
    cell: &Cell,
    date: &Format,
) -> Result<(), XlsxError> {
    match cell {
        Cell::Empty => {}
        Cell::Text(text) => {
            sheet.write_string(r, c, text)?;
        }
        Cell::Number(n) => {
            sheet.write_number(r, c, f64::from(*n))?;
        }
        Cell::Date(day) => write_date(sheet, r, c, *day, date)?,
    }
    Ok(())
}

/// A date cell; a day Excel cannot hold (before 1900) is written as text,
/// so that it is not lost.
fn write_date(
    sheet: &mut Worksheet,
    r: u32,
    c: u16,
    day: Date,
    date: &Format,
) -> Result<(), XlsxError> {
    let excel = u16::try_from(day.year())
        .ok()
        .and_then(|year| ExcelDateTime::from_ymd(year, day.month() as u8, day.day() as u8).ok());
    match excel {
        Some(excel) => sheet.write_datetime_with_format(r, c, &excel, date)?,
        None => sheet.write_string(r, c, day.strftime("%d/%m/%Y").to_string())?,
    };
    Ok(())
}

fn write_notes(
    sheet: &mut Worksheet,
    window: &Window,
    header: &Format,
    date: &Format,
) -> Result<(), XlsxError> {
    let dates = [
        ("As at (the end of the day)", window.as_of),
        ("Activity window from", window.from),
        ("Activity window to", window.as_of),
        ("Last 12 months from", window.year_ago),
    ];
    let mut r = 0;
    for (label, day) in dates {
        sheet.write_string_with_format(r, 0, label, header)?;
        write_date(sheet, r, 1, day, date)?;
        r += 1;
    }
    for about in ABOUT {
        sheet.write_string(r, 0, *about)?;
        r += 1;
    }
    r += 1;
    let table = r;
    for (c, title) in ["List", "Column", "Filled", "From what, or why it is empty"]
        .into_iter()
        .enumerate()
    {
        sheet.write_string_with_format(r, column(c)?, title, header)?;
    }
    for list in &LISTS {
        let name = format!("{} ({})", list.sheet, list.title);
        r += 1;
        sheet.write_string(r, 0, &name)?;
        sheet.write_string(r, 1, "(which rows)")?;
        sheet.write_string(r, 3, list.rows)?;
        for col in list.columns {
            r += 1;
            let (filled, how) = match col.fill {
                Fill::From(what) => ("yes", what),
                Fill::Empty(why) => ("no", why),
            };
            sheet.write_string(r, 0, &name)?;
            sheet.write_string(r, 1, col.header)?;
            sheet.write_string(r, 2, filled)?;
            sheet.write_string(r, 3, how)?;
        }
    }
    sheet.set_column_width(0, 30)?;
    sheet.set_column_width(1, 50)?;
    sheet.set_column_width(2, 8)?;
    sheet.set_column_width(3, 120)?;
    sheet.autofilter(table, 0, r, 3)?;
    Ok(())
}

fn line(r: usize) -> Result<u32, XlsxError> {
    u32::try_from(r).map_err(|_| XlsxError::RowColumnLimitError)
}

fn column(c: usize) -> Result<u16, XlsxError> {
    u16::try_from(c).map_err(|_| XlsxError::RowColumnLimitError)
}
