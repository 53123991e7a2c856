//! Streaming a roster through the engine: reader -> records -> classifications -> writer, one row
//! at a time, in input order. Every input row yields exactly one output record.

use std::io::Read;

use crate::engine::{Classification, Classifier, Finding, Status};
use crate::error::Error;
use crate::facts::{Record, RecordReader};
use crate::output::RecordWriter;
use crate::roster::{Header, RosterReader, Row};
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
    /// Records whose declared role is the derived one.
    pub agree: usize,
    /// Records whose declared role disagrees with the derived one.
    pub mismatches: usize,
    /// Records with a declared role that is ambiguous or unclassified.
    pub unconfirmed: usize,
    /// Records with no known declared role.
    pub undeclared: usize,
}

impl Summary {
    fn count(&mut self, result: &Classification) {
        match result.status {
            Status::Classified => self.classified += 1,
            Status::Ambiguous => self.ambiguous += 1,
            Status::Unclassified => self.unclassified += 1,
            Status::Error => self.errors += 1,
        }
        match result.finding {
            Finding::Agree => self.agree += 1,
            Finding::Mismatch => self.mismatches += 1,
            Finding::Unconfirmed => self.unconfirmed += 1,
            Finding::Undeclared => self.undeclared += 1,
            Finding::Error => {}
        }
    }

    /// One line for standard error, for `audit`.
    pub fn audit_line(&self) -> String {
        format!(
            "{} records read: {} agree, {} mismatch, {} unconfirmed, {} undeclared, {} errors",
            self.rows, self.agree, self.mismatches, self.unconfirmed, self.undeclared, self.errors
        )
    }

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

/// Everything known about one row once it is classified.
pub struct Item<'a, 'r> {
    /// The input row.
    pub row: &'a Row,
    /// The normalized record.
    pub record: &'a Record,
    /// The classification written out.
    pub result: &'a Classification<'r>,
}

/// Receives every item of a run, in input order.
pub trait Sink {
    /// Called once before any item, with the input header.
    fn start(&mut self, header: &Header) -> std::io::Result<()>;
    /// Called once per row.
    fn item(&mut self, item: &Item) -> std::io::Result<()>;
    /// Called once after the last item.
    fn finish(&mut self) -> std::io::Result<()>;
}

impl<W: RecordWriter + ?Sized> Sink for W {
    fn start(&mut self, header: &Header) -> std::io::Result<()> {
        RecordWriter::start(self, header)
    }
    fn item(&mut self, item: &Item) -> std::io::Result<()> {
        self.write(&item.row.cells, item.result)
    }
    fn finish(&mut self) -> std::io::Result<()> {
        RecordWriter::finish(self)
    }
}

/// Options of a run.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    /// The field delimiter of the roster; `None` detects it from the header line.
    pub delimiter: Option<u8>,
}

/// Rows handed from the reading thread to the classifying one at a time.
const BATCH: usize = 1024;
/// Batches in flight between the two threads (bounds the memory of a run).
const BATCHES_IN_FLIGHT: usize = 4;

/// Classifies every row of `input` (named `source` in errors) and hands each item to `out`, in
/// input order.
///
/// Two threads: one parses the CSV into batches of rows, the calling thread reads the facts,
/// classifies and writes. Both stages are sequential, so the output order is the input order
/// and duplicate ids are seen in order; batches are recycled, and at most a few are in flight.
pub fn run<S: Sink + ?Sized>(
    rules: &RuleSet,
    input: impl Read + Send,
    source: &str,
    options: RunOptions,
    out: &mut S,
) -> Result<Summary, Error> {
    use std::sync::mpsc;
    let write_err = |e: std::io::Error| Error::Output(e.to_string());
    std::thread::scope(|scope| {
        let (header_tx, header_rx) = mpsc::sync_channel::<Result<Header, Error>>(1);
        let (batch_tx, batch_rx) = mpsc::sync_channel::<Vec<Row>>(BATCHES_IN_FLIGHT);
        let (recycle_tx, recycle_rx) = mpsc::channel::<Vec<Row>>();
        scope.spawn(move || {
            let mut reader = match RosterReader::new(input, source, rules, options.delimiter) {
                Ok(reader) => reader,
                Err(e) => {
                    let _ = header_tx.send(Err(e));
                    return;
                }
            };
            if header_tx.send(Ok(reader.header().clone())).is_err() {
                return;
            }
            loop {
                let mut batch = recycle_rx.try_recv().unwrap_or_default();
                let mut n = 0;
                let mut more = true;
                while n < BATCH {
                    if n == batch.len() {
                        batch.push(Row::default());
                    }
                    if !reader.read_row(&mut batch[n]) {
                        more = false;
                        break;
                    }
                    n += 1;
                }
                batch.truncate(n);
                // A closed channel means the consumer stopped (an error): stop too.
                if (n > 0 && batch_tx.send(batch).is_err()) || !more {
                    return;
                }
            }
        });
        let header = header_rx
            .recv()
            .map_err(|_| Error::Output("the roster reader stopped unexpectedly".into()))??;
        let mut records = RecordReader::new(rules);
        let mut classifier = Classifier::new(rules);
        let mut summary = Summary::default();
        out.start(&header).map_err(write_err)?;
        // One record and one classification, refilled for every row: no allocation a row.
        let mut record: Option<Record> = None;
        let mut result: Option<Classification> = None;
        for batch in batch_rx {
            for row in &batch {
                summary.rows += 1;
                let record = match &mut record {
                    Some(r) => {
                        records.read_into(&header, row, r);
                        &*r
                    }
                    None => &*record.insert(records.read(&header, row)),
                };
                let decided = classifier.decided(record);
                let result = match &mut result {
                    Some(c) => {
                        c.refill(record, decided);
                        &*c
                    }
                    None => &*result.insert(classifier.classify(record)),
                };
                summary.count(result);
                let item = Item {
                    row,
                    record,
                    result,
                };
                out.item(&item).map_err(write_err)?;
                summary.written += 1;
            }
            let _ = recycle_tx.send(batch);
        }
        out.finish().map_err(write_err)?;
        Ok(summary)
    })
}
