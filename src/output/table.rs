//! Table: an aligned, wrapped table for a terminal (tabled). It needs every row to size the
//! columns, so it holds the rows it prints; use csv or jsonl for very large rosters.

use std::io::Write;

use tabled::builder::Builder;
use tabled::settings::{Modify, Style, Width, object::Columns};

use super::RecordWriter;
use crate::engine::{Classification, Finding};
use crate::roster::{Header, Row};

/// Writes an aligned table when finished. It holds at most `TABLE_ROWS` (5,000) rows (a table needs
/// them all to size its columns); the rest are counted and the table says so.
pub struct TableWriter<'w> {
    out: Box<dyn Write + 'w>,
    builder: Builder,
    rows: usize,
    left_out: usize,
}

/// Most records a table shows; use csv or jsonl for a whole large roster.
pub const TABLE_ROWS: usize = 5000;

impl<'w> TableWriter<'w> {
    /// A table writer over `out`.
    pub fn new(out: Box<dyn Write + 'w>) -> Self {
        TableWriter {
            out,
            builder: Builder::default(),
            rows: 0,
            left_out: 0,
        }
    }
}

/// Longest cell a table holds, in characters; longer ones end with " ...".
const CELL_CHARS: usize = 200;

/// `text` cut to at most `max` characters, at a space when there is one, with " ...".
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map(|(head, _)| head).unwrap_or(&cut);
    format!("{cut} ...")
}

/// Longest "why" shown; the full reasons are in every other format and in `check`.
const WHY_CHARS: usize = 180;

/// The sentence that says most about a record, shortened for a glance.
fn why(r: &Classification) -> String {
    let text = r.reasons().nth(r.key_reason).unwrap_or("");
    shorten(text, WHY_CHARS)
}

impl RecordWriter for TableWriter<'_> {
    fn start(&mut self, _header: &Header) -> std::io::Result<()> {
        self.builder.push_record([
            "partner_id",
            "partner_name",
            "status",
            "role",
            "category",
            "conf",
            "declared",
            "finding",
            "why",
        ]);
        Ok(())
    }

    fn write(&mut self, _row: &Row, r: &Classification) -> std::io::Result<()> {
        if self.rows == TABLE_ROWS {
            self.left_out += 1;
            return Ok(());
        }
        self.rows += 1;
        let cells = [
            r.partner_id.clone(),
            r.partner_name.clone().unwrap_or_default(),
            r.status.as_str().to_string(),
            r.role.clone().unwrap_or_else(|| "-".into()),
            r.category.clone().unwrap_or_else(|| "-".into()),
            format!("{:.2}", r.confidence),
            r.declared_role.clone().unwrap_or_default(),
            match r.finding {
                Finding::Mismatch => "MISMATCH",
                Finding::Undeclared => "",
                other => other.as_str(),
            }
            .to_string(),
            why(r),
        ];
        // Roster text reaches a terminal: control and bidirectional characters as escapes, and
        // no cell longer than a table can show (the table holds its rows until the end).
        self.builder
            .push_record(cells.map(|cell| shorten(&super::visible(&cell), CELL_CHARS)));
        Ok(())
    }

    fn finish(&mut self) -> std::io::Result<()> {
        let builder = std::mem::take(&mut self.builder);
        let mut table = builder.build();
        table
            .with(Style::sharp())
            .with(Modify::new(Columns::one(1)).with(Width::wrap(24)))
            .with(Modify::new(Columns::one(8)).with(Width::wrap(60).keep_words(true)));
        writeln!(self.out, "{table}")?;
        if self.left_out > 0 {
            writeln!(
                self.out,
                "{} more records are not shown: a table stops at {TABLE_ROWS} rows; use --format csv or jsonl for the whole roster (the summary counts every record)",
                self.left_out
            )?;
        }
        self.out.flush()
    }
}
