//! Streaming a roster through the engine: reader -> records -> classifications -> writer, one row
//! at a time, in input order. Every input row yields exactly one output record.

use std::io::Read;

use crate::engine::{Status, classify};
use crate::error::Error;
use crate::facts::{SeenIds, read_record};
use crate::output::RecordWriter;
use crate::roster::{RosterReader, Row};
use crate::rules::RuleSet;

/// Counts of one run, for the summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Data rows read.
    pub rows: usize,
    /// Records written.
    pub written: usize,
    /// Records per status.
    pub classified: usize,
    /// Two or more roles fit.
    pub ambiguous: usize,
    /// No role fits.
    pub unclassified: usize,
    /// Rows that could not be read.
    pub errors: usize,
    /// Records whose declared role disagrees with the derived one.
    pub mismatches: usize,
}

impl Summary {
    /// One line for standard error.
    pub fn line(&self) -> String {
        format!(
            "{} rows read, {} records written: {} classified, {} ambiguous, {} unclassified, {} errors; {} disagree with their declared role",
            self.rows,
            self.written,
            self.classified,
            self.ambiguous,
            self.unclassified,
            self.errors,
            self.mismatches
        )
    }
}

/// Options of a run.
#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    /// The field delimiter of the roster.
    pub delimiter: u8,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions { delimiter: b',' }
    }
}

/// Classifies every row of `input` (named `source` in errors) and writes each record to `out`.
pub fn run(
    rules: &RuleSet,
    input: impl Read,
    source: &str,
    options: RunOptions,
    out: &mut dyn RecordWriter,
) -> Result<Summary, Error> {
    let mut reader = RosterReader::new(input, source, rules, options.delimiter)?;
    let header = reader.header().clone();
    let write_err = |e: std::io::Error| Error::Output(e.to_string());
    let mut seen = SeenIds::default();
    let mut summary = Summary::default();
    out.start(&header).map_err(write_err)?;
    let mut row = Row::default();
    while reader.read_row(&mut row) {
        summary.rows += 1;
        let record = read_record(rules, &header, &row, &mut seen);
        let result = classify(rules, &record);
        match result.status {
            Status::Classified => summary.classified += 1,
            Status::Ambiguous => summary.ambiguous += 1,
            Status::Unclassified => summary.unclassified += 1,
            Status::Error => summary.errors += 1,
        }
        if result.matches_declared == Some(false) {
            summary.mismatches += 1;
        }
        out.write(&row.cells, &result).map_err(write_err)?;
        summary.written += 1;
    }
    out.finish().map_err(write_err)?;
    Ok(summary)
}
