//! Rosters exported as spreadsheets (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`): one sheet is
//! read through calamine and turned into CSV text, one CSV record per non-empty sheet row, so
//! that the roster reader (headers, row problems, limits) treats it exactly as a CSV export.
//! The sheet's own row numbers go with it: a record's `line` is its row in the sheet, and
//! messages name it as `Sheet!row`.
//!
//! Owns: opening workbooks, choosing the sheet, cell values as text.
//! Must not touch: CSV parsing (roster), facts, rules, output.

use std::path::Path;

use calamine::{Data, Reader, open_workbook_auto};

use crate::error::Error;

/// The extensions read as spreadsheets.
const EXTENSIONS: [&str; 5] = ["xlsx", "xlsm", "xlsb", "xls", "ods"];

/// Whether `path` names a spreadsheet (by its extension).
pub fn is_spreadsheet(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Where each CSV record of a converted sheet comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SheetRows {
    /// The sheet's name.
    pub name: String,
    /// The sheet row number (1-based, as the spreadsheet shows it) of each CSV record, the
    /// header first.
    pub rows: Vec<u64>,
}

impl SheetRows {
    /// How a row is named in messages: `Partners!12`.
    pub fn location(&self, row: u64) -> String {
        format!("{}!{row}", self.name)
    }
}

/// Reads sheet `sheet` (or the first) of the workbook at `path` into CSV text.
pub fn read(path: &Path, sheet: Option<&str>) -> Result<(Vec<u8>, SheetRows), Error> {
    let file = path.display().to_string();
    let failure = |message: String, help: &str| Error::Roster {
        file: file.clone(),
        message,
        help: help.to_string(),
    };
    let mut book = open_workbook_auto(path).map_err(|e| {
        failure(
            format!("cannot read the spreadsheet: {e}"),
            "check that the file is an .xlsx, .xlsm, .xlsb, .xls or .ods workbook that opens in a spreadsheet program, or export the sheet as CSV UTF-8",
        )
    })?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(wanted) => names
            .iter()
            .find(|n| *n == wanted)
            .or_else(|| names.iter().find(|n| n.eq_ignore_ascii_case(wanted)))
            .cloned()
            .ok_or_else(|| Error::Usage {
                message: format!(
                    "{file} has no sheet named {wanted:?}; its sheets are: {}",
                    names
                        .iter()
                        .map(|n| format!("{n:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })?,
        None => names.first().cloned().ok_or_else(|| {
            failure(
                "the workbook has no sheet".into(),
                "export the roster with its header row on the first sheet",
            )
        })?,
    };
    let range = book.worksheet_range(&name).map_err(|e| {
        failure(
            format!("cannot read sheet {name:?}: {e}"),
            "export the sheet as CSV UTF-8 and run again",
        )
    })?;
    let first_row = range.start().map_or(0, |(row, _)| u64::from(row)) + 1;
    let mut out = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    let mut rows = SheetRows {
        name,
        rows: Vec::new(),
    };
    let mut cells: Vec<String> = Vec::new();
    // The header's width, once read: rows are cut or padded to it where the cells past it are
    // empty (the sheet's used range is wider than some rows).
    let mut width: Option<usize> = None;
    for (i, row) in range.rows().enumerate() {
        cells.clear();
        cells.extend(row.iter().map(text));
        let keep = width.unwrap_or(0);
        while cells.len() > keep && cells.last().is_some_and(String::is_empty) {
            cells.pop();
        }
        // An empty row is skipped, like a blank line of a CSV file.
        if cells.iter().all(String::is_empty) {
            continue;
        }
        match width {
            None => width = Some(cells.len()),
            Some(w) if cells.len() < w => cells.resize(w, String::new()),
            Some(_) => {}
        }
        out.write_record(&cells)
            .map_err(|e| failure(format!("cannot convert the sheet: {e}"), ""))?;
        rows.rows.push(first_row + i as u64);
    }
    let bytes = out
        .into_inner()
        .map_err(|e| failure(format!("cannot convert the sheet: {e}"), ""))?;
    Ok((bytes, rows))
}

/// A cell as text: numbers without a trailing `.0` when whole (ids, years), booleans as
/// `true`/`false`, errors as the spreadsheet shows them (`#N/A`), dates as calamine writes them.
fn text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}
