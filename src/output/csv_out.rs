//! CSV: the input row's columns as read, then the result columns, so a user gets the roster back
//! enriched. A result column whose name an input header already uses is written as
//! `result_<name>`.

use std::io::Write;

use super::{RecordWriter, candidates_cell, opt_bool};
use crate::engine::Classification;
use crate::normalize::normalize_token;
use crate::roster::Header;

const RESULT_COLUMNS: [&str; 11] = [
    "status",
    "role",
    "category",
    "channel_partner",
    "confidence",
    "candidates",
    "reasons",
    "declared_role",
    "matches_declared",
    "finding",
    "warnings",
];

/// Writes the enriched roster as CSV.
pub struct CsvWriter<'w> {
    out: csv::Writer<Box<dyn Write + 'w>>,
    width: usize,
    add_id: bool,
}

impl<'w> CsvWriter<'w> {
    /// A CSV writer over `out`.
    pub fn new(out: Box<dyn Write + 'w>) -> Self {
        CsvWriter {
            out: csv::WriterBuilder::new().flexible(true).from_writer(out),
            width: 0,
            add_id: false,
        }
    }
}

fn io(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

impl RecordWriter for CsvWriter<'_> {
    fn start(&mut self, header: &Header) -> std::io::Result<()> {
        self.width = header.names.len();
        self.add_id = !header.has_id;
        let taken: Vec<String> = header.names.iter().map(|n| normalize_token(n)).collect();
        let mut row: Vec<String> = header.names.clone();
        let mut result: Vec<&str> = Vec::new();
        if self.add_id {
            result.push("partner_id");
        }
        result.extend(RESULT_COLUMNS);
        for name in result {
            if taken.iter().any(|t| t == name) {
                row.push(format!("result_{name}"));
            } else {
                row.push(name.to_string());
            }
        }
        self.out.write_record(&row).map_err(io)
    }

    fn write(&mut self, cells: &[String], r: &Classification) -> std::io::Result<()> {
        let mut row: Vec<&str> = Vec::with_capacity(self.width + 12);
        // Pad short rows so the result columns line up; longer rows keep their extra cells
        // at the end of the input part.
        for i in 0..self.width.max(cells.len()) {
            row.push(cells.get(i).map(String::as_str).unwrap_or(""));
        }
        if cells.len() > self.width {
            row.truncate(self.width);
        }
        let confidence = format!("{:.2}", r.confidence);
        let candidates = candidates_cell(r);
        let reasons = r.reasons().collect::<Vec<_>>().join(" | ");
        let warnings = r.warnings.join(" | ");
        if self.add_id {
            row.push(&r.partner_id);
        }
        row.extend([
            r.status.as_str(),
            r.role.unwrap_or(""),
            r.category.unwrap_or(""),
            if r.channel_partner { "true" } else { "false" },
            &confidence,
            &candidates,
            &reasons,
            r.declared_role.unwrap_or(""),
            opt_bool(r.matches_declared),
            r.finding.as_str(),
            &warnings,
        ]);
        self.out.write_record(&row).map_err(io)
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}
