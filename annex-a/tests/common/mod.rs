//! Helpers shared by the Annex A tests: the rule library, the template, and
//! reading a written workbook back.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use duly_engine::Engine;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A file of the shared sample data: beside the checkout (`main`, CI), or
/// beside the folder of work trees.
pub fn data(rel: &str) -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    for up in ["../../shared/data", "../../../shared/data"] {
        let path = here.join(up).join(rel);
        if path.exists() {
            return path;
        }
    }
    panic!("sample data `{rel}` not found beside the checkout");
}

/// The Annex A template.
pub fn template() -> PathBuf {
    data("annex-a/Annex_A.xlsx")
}

/// An engine for the national library, with the example council's rules
/// when `local`.
pub fn engine(local: bool) -> Engine {
    let mut roots = vec![root().join("rules/national")];
    if local {
        roots.push(root().join("rules/local/example-council"));
    }
    let checked = duly_dsl::check(
        &duly_dsl::FsLoader,
        &roots,
        &duly_dsl::CheckOptions::default(),
    );
    assert!(!checked.has_errors(), "the rule library does not check");
    Engine::new(checked.rules.unwrap()).unwrap()
}

/// A sheet read back: every row, every cell rendered as text. Dates read
/// back as date cells are written `d:dd/mm/yyyy`, so that a date written as
/// text would not pass for one.
#[derive(Debug)]
pub struct Sheet {
    pub name: String,
    pub rows: Vec<Vec<String>>,
}

impl Sheet {
    pub fn headers(&self) -> &[String] {
        &self.rows[0]
    }

    /// The data rows, cells joined with ` | `.
    pub fn lines(&self) -> Vec<String> {
        self.rows[1..].iter().map(|row| row.join(" | ")).collect()
    }
}

fn render(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => {
            let (y, m, d, h, min, s, ms) = dt.to_ymd_hms_milli();
            assert_eq!((h, min, s, ms), (0, 0, 0, 0), "a date cell with a time");
            format!("d:{d:02}/{m:02}/{y}")
        }
        other => format!("?{other:?}"),
    }
}

/// Every sheet of a workbook, in order.
pub fn read(bytes: &[u8]) -> Vec<Sheet> {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let names = book.sheet_names();
    names
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).unwrap();
            assert_eq!(range.start(), Some((0, 0)), "sheet `{name}` starts at A1");
            let rows = range
                .rows()
                .map(|row| row.iter().map(render).collect())
                .collect();
            Sheet { name, rows }
        })
        .collect()
}

/// The template's sheets.
pub fn template_sheets() -> Vec<Sheet> {
    let bytes = std::fs::read(template()).unwrap();
    read(&bytes)
}

/// A file inside the xlsx (zip) package, as text.
pub fn part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut file = zip.by_name(name).unwrap();
    let mut text = String::new();
    file.read_to_string(&mut text).unwrap();
    text
}
