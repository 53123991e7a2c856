//! Streaming a roster through the engine: reader -> records -> classifications -> writer, in
//! batches of rows spread over threads (see `ARCHITECTURE.md`), written back in input order.
//! Every input row yields exactly one output record.

use std::io::Read;

use crate::engine::{Classification, Classifier, Finding, Status};
use crate::error::Error;
use crate::facts::{ColumnMap, Record, RecordReader, SeenIds, id_key};
use crate::output::{RecordWriter, RowRenderer};
use crate::roster::{Header, RosterReader, Row};
use crate::rules::RuleSet;

/// Counts of one run, for the summary line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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
    /// Records per audit finding, in the order of [`Finding::ALL`] (most severe first).
    pub findings: [usize; Finding::ALL.len()],
    /// Why the roster cannot serve, when no column of it is one the rules read
    /// ([`ColumnMap::unusable`]); the command says it on standard error.
    pub unusable: Option<String>,
}

impl Summary {
    fn add(&mut self, other: &Summary) {
        self.rows += other.rows;
        self.written += other.written;
        self.classified += other.classified;
        self.ambiguous += other.ambiguous;
        self.unclassified += other.unclassified;
        self.errors += other.errors;
        for (mine, theirs) in self.findings.iter_mut().zip(other.findings) {
            *mine += theirs;
        }
    }

    /// Records with `finding`.
    pub fn finding(&self, finding: Finding) -> usize {
        Finding::ALL
            .iter()
            .position(|&f| f == finding)
            .map_or(0, |i| self.findings[i])
    }

    /// One row read, classified and written.
    fn record(&mut self, result: &Classification) {
        self.rows += 1;
        self.written += 1;
        self.count(result);
    }

    fn count(&mut self, result: &Classification) {
        match result.status {
            Status::Classified => self.classified += 1,
            Status::Ambiguous => self.ambiguous += 1,
            Status::Unclassified => self.unclassified += 1,
            Status::Error => self.errors += 1,
        }
        if let Some(i) = Finding::ALL.iter().position(|&f| f == result.finding) {
            self.findings[i] += 1;
        }
    }

    /// `audit`'s line for standard error: the rows read and the records per finding, in the
    /// words of the `finding` column.
    pub fn audit_line(&self) -> String {
        let f = |finding| self.finding(finding);
        format!(
            "{}: {} agree, {} mismatch, {} unconfirmed, {} less_specific, {} incomplete, {} undeclared, {} error",
            rows_read(self.rows),
            f(Finding::Agree),
            f(Finding::Mismatch),
            f(Finding::Unconfirmed),
            f(Finding::LessSpecific),
            f(Finding::Incomplete),
            f(Finding::Undeclared),
            self.errors
        )
    }

    /// `classify`'s and `report`'s line for standard error: the rows read and the records per
    /// status, in the words of the `status` column, and the mismatches with the declared role
    /// (one record is written per row, so the counts add up to the rows).
    pub fn line(&self) -> String {
        format!(
            "{}: {} classified, {} ambiguous, {} unclassified, {} error; {} mismatch with the declared role",
            rows_read(self.rows),
            self.classified,
            self.ambiguous,
            self.unclassified,
            self.errors,
            self.finding(Finding::Mismatch)
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
    /// A renderer that turns one item into output bytes on a worker thread, when this sink's
    /// output is the concatenation of such bytes (CSV, JSON Lines). The run then calls
    /// [`Sink::rendered`] instead of [`Sink::item`]. `None` (the default): items come one by one.
    fn renderer(&self) -> Option<Box<dyn RowRenderer>> {
        None
    }
    /// Takes the bytes a [`Sink::renderer`] rendered, in input order.
    fn rendered(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let _ = bytes;
        Err(std::io::Error::other(
            "this sink renders no items on its own",
        ))
    }
}

impl<W: RecordWriter + ?Sized> Sink for W {
    fn start(&mut self, header: &Header) -> std::io::Result<()> {
        RecordWriter::start(self, header)
    }
    fn item(&mut self, item: &Item) -> std::io::Result<()> {
        self.write(item.row, item.result)
    }
    fn finish(&mut self) -> std::io::Result<()> {
        RecordWriter::finish(self)
    }
    fn renderer(&self) -> Option<Box<dyn RowRenderer>> {
        RecordWriter::renderer(self)
    }
    fn rendered(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.write_rendered(bytes)
    }
}

/// Options of a run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The field delimiter of the roster; `None` detects it from the header line.
    pub delimiter: Option<u8>,
    /// Classifying threads; `0` picks one per core.
    pub workers: usize,
    /// Bounds on one record of the roster.
    pub limits: crate::roster::Limits,
    /// Where facts are read from: their columns, prose, or both.
    pub evidence: crate::facts::Evidence,
    /// When the roster is a spreadsheet converted to CSV: the sheet row of each record.
    pub sheet: Option<std::sync::Arc<crate::sheet::SheetRows>>,
    /// Refuse a roster no column of which the rules read (an error instead of a run of
    /// unclassified records).
    pub strict: bool,
}

/// Most classifying threads a run starts, whatever `RunOptions::workers` asks.
pub const MAX_WORKERS: usize = 64;

/// Rows handed from the reading thread to a classifying one at a time.
const BATCH: usize = 256;
/// Batches that exist in a run besides one per classifying thread: the reader waits for one to
/// come back before reading more, so this bounds the memory of a run whatever the size of the
/// roster. Four spare batches keep the reader and the writer busy while
/// every classifying thread holds one.
const SPARE_BATCHES: usize = 4;
/// Most batches a run has, however many classifying threads it has: more threads than this
/// take turns, and the rows in flight do not grow with `--threads`.
const MAX_BATCHES: usize = 8;
/// Bytes of row text (plus 16 a header column) after which a batch is handed on before it
/// has [`BATCH`] rows, so that batches of long rows, or of rows of a very wide roster, stay
/// small too.
const BATCH_BYTES: usize = 256 << 10;

/// A batch of rows and its place in the input.
struct Batch {
    seq: u64,
    rows: Vec<Row>,
}

/// Classifies every row of `input` (named `source` in errors) and hands each item to `out`, in
/// input order.
///
/// One thread parses the CSV into batches of rows and checks ids for duplicates, in input
/// order. When `out` has a [`Sink::renderer`], classifying threads (one per core) read the
/// facts, classify and render whole batches, and the calling thread writes the rendered batches
/// in input order; otherwise the calling thread classifies and hands over each item itself.
/// A fixed number of batches and output buffers circulate, so memory stays flat.
pub fn run<S: Sink + ?Sized>(
    rules: &RuleSet,
    input: impl Read + Send,
    source: &str,
    options: RunOptions,
    out: &mut S,
) -> Result<Summary, Error> {
    use std::sync::{Arc, mpsc};
    let write_err = Error::Write;
    std::thread::scope(|scope| {
        let asked_workers = options.workers;
        let workers = match asked_workers {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get().min(8)),
            // However many are asked for, spawning never fails.
            n => n.min(MAX_WORKERS),
        };
        let batches = (workers + SPARE_BATCHES).min(MAX_BATCHES);
        let (header_tx, header_rx) = mpsc::sync_channel::<Result<Arc<ColumnMap>, Error>>(1);
        let (batch_tx, batch_rx) = mpsc::sync_channel::<Batch>(batches);
        let (free_tx, free_rx) = mpsc::channel::<Vec<Row>>();
        for _ in 0..batches {
            let _ = free_tx.send(Vec::new());
        }
        let strict = options.strict;
        scope.spawn(move || {
            read_batches(rules, input, source, options, header_tx, batch_tx, free_rx)
        });
        let header = header_rx
            .recv()
            .map_err(|_| Error::Output("the roster reader stopped unexpectedly".into()))??;
        let unusable = header.unusable(rules);
        if let (true, Some(problem)) = (strict, &unusable) {
            return Err(Error::Roster {
                file: source.to_string(),
                message: problem.clone(),
                help: "name the columns as the vocabulary does, or pass --delimiter; without --strict the run goes on and every record is unclassified".into(),
            });
        }
        out.start(&header.header).map_err(write_err)?;
        let mut summary = Summary {
            unusable,
            ..Summary::default()
        };
        let renderers: Option<Vec<Box<dyn RowRenderer>>> =
            (0..workers).map(|_| out.renderer()).collect();
        // One decision cache for every classifying thread of the run.
        let decisions = Arc::new(crate::engine::Decisions::new());
        let Some(renderers) = renderers else {
            // One by one on this thread.
            let mut worker = Worker::new(rules, &decisions);
            for batch in batch_rx {
                worker.classify_batch(&header, &batch.rows, |row, record, result| {
                    summary.record(result);
                    out.item(&Item {
                        row,
                        record,
                        result,
                    })
                    .map_err(write_err)
                })?;
                let _ = free_tx.send(batch.rows);
            }
            out.finish().map_err(write_err)?;
            return Ok(summary);
        };
        let summary = Summary {
            unusable: summary.unusable,
            ..classify_in_parallel(
                scope, rules, &header, batch_rx, &free_tx, renderers, &decisions, batches, out,
            )?
        };
        out.finish().map_err(write_err)?;
        Ok(summary)
    })
}

/// The reading thread: the header, then batches of rows in input order.
fn read_batches(
    rules: &RuleSet,
    input: impl Read,
    source: &str,
    options: RunOptions,
    header_tx: std::sync::mpsc::SyncSender<Result<std::sync::Arc<ColumnMap>, Error>>,
    batch_tx: std::sync::mpsc::SyncSender<Batch>,
    free_rx: std::sync::mpsc::Receiver<Vec<Row>>,
) {
    let mut reader =
        match RosterReader::with_limits(input, source, options.delimiter, options.limits) {
            Ok(reader) => reader,
            Err(e) => {
                let _ = header_tx.send(Err(e));
                return;
            }
        };
    if let Some(sheet) = &options.sheet {
        reader.set_sheet(std::sync::Arc::clone(sheet));
    }
    let columns = std::sync::Arc::new(ColumnMap::with_evidence(
        reader.header().clone(),
        rules,
        options.evidence,
    ));
    if header_tx.send(Ok(std::sync::Arc::clone(&columns))).is_err() {
        return;
    }
    let mut ids = Ids::default();
    let width = reader.header().names.len();
    for seq in 0.. {
        // A closed channel means the consumer stopped (an error): stop too.
        let Ok(mut rows) = free_rx.recv() else { return };
        let mut n = 0;
        let mut bytes = 0;
        let mut more = true;
        while n < BATCH && bytes < BATCH_BYTES {
            if n == rows.len() {
                rows.push(Row::default());
            }
            if !reader.read_row(&mut rows[n]) {
                more = false;
                break;
            }
            // What a row costs downstream grows with the header's width too (every output
            // record names every column), so count both.
            bytes += rows[n].byte_len() + 16 * width;
            n += 1;
        }
        rows.truncate(n);
        ids.mark(rules, &columns, &mut rows);
        if (n > 0 && batch_tx.send(Batch { seq, rows }).is_err()) || !more {
            return;
        }
    }
}

/// The ids seen so far in a run, on the reading thread: marks each row whose id an earlier row
/// has, in input order, as the rows are read.
#[derive(Default)]
struct Ids {
    seen: SeenIds,
    scratch: String,
    duplicate: Vec<bool>,
}

impl Ids {
    fn mark(&mut self, rules: &RuleSet, header: &ColumnMap, rows: &mut [Row]) {
        let scratch = &mut self.scratch;
        let ids: Vec<Option<&str>> = rows
            .iter()
            .map(|row| {
                header
                    .id_column
                    .and_then(|i| row.cell(i))
                    .and_then(|cell| id_key(rules, cell, scratch))
            })
            .collect();
        self.seen.check_many(&ids, &mut self.duplicate);
        drop(ids);
        for (row, &duplicate) in rows.iter_mut().zip(&self.duplicate) {
            row.duplicate_id = Some(duplicate);
        }
    }
}

/// Rows taken through each stage of a worker together: enough to keep a stage's code in the
/// instruction cache, few enough that their records stay in the data caches (256 at once cost
/// a fifth more second-level cache misses than 64 in cachegrind).
const STAGE_ROWS: usize = 64;

/// Most bytes a worker's record keeps in its buffers for the next rows: a record that read a
/// longer cell (up to the record limit, 1 MiB by default) is let go, so that the worker does not
/// keep [`STAGE_ROWS`] buffers that size.
const RECORD_BYTES_KEPT: usize = 64 << 10;
/// Rows of at most this many bytes cannot fill a record's buffers past [`RECORD_BYTES_KEPT`]
/// (its warnings quote a cell a few times at most, escaped), so the records are looked at only
/// after a longer row.
const SHORT_ROW_BYTES: usize = 1 << 10;

/// What one classifying thread keeps: caches, a record a row of a stage and one classification,
/// refilled for every row (no allocation a row).
struct Worker<'r> {
    records: RecordReader<'r>,
    classifier: Classifier<'r>,
    /// The records of the batch at hand, a record a row (their buffers kept for the next).
    batch: Vec<Record>,
    /// The decisions of the batch at hand.
    decided: Vec<std::sync::Arc<crate::engine::Decided<'r>>>,
    result: Option<Classification<'r>>,
}

impl<'r> Worker<'r> {
    fn new(rules: &'r RuleSet, decisions: &std::sync::Arc<crate::engine::Decisions<'r>>) -> Self {
        Worker {
            records: RecordReader::new(rules),
            classifier: Classifier::sharing(rules, std::sync::Arc::clone(decisions)),
            batch: Vec::new(),
            decided: Vec::new(),
            result: None,
        }
    }

    /// Classifies a batch of rows, handing each row's result to `each` in order; stops at the
    /// first error `each` returns. The rows go through in stages, [`STAGE_ROWS`] at a time (see
    /// [`Worker::stages`]).
    fn classify_batch<E>(
        &mut self,
        header: &ColumnMap,
        rows: &[Row],
        mut each: impl FnMut(&Row, &Record, &Classification<'r>) -> Result<(), E>,
    ) -> Result<(), E> {
        for rows in rows.chunks(STAGE_ROWS) {
            self.stages(header, rows, &mut each)?;
        }
        Ok(())
    }

    /// The facts of every row of `rows`, then every decision, then each result handed to
    /// `each`: each stage runs over all the rows, so its code stays in the processor's
    /// instruction cache from one row to the next (taking a row through every stage at once
    /// evicted it at every row: cachegrind counted twice the instruction-cache misses).
    fn stages<E>(
        &mut self,
        header: &ColumnMap,
        rows: &[Row],
        each: &mut impl FnMut(&Row, &Record, &Classification<'r>) -> Result<(), E>,
    ) -> Result<(), E> {
        let long = rows.iter().any(|row| row.byte_len() > SHORT_ROW_BYTES);
        if self.batch.len() < rows.len() {
            self.batch.resize_with(rows.len(), Record::blank);
        }
        for (row, record) in rows.iter().zip(&mut self.batch) {
            self.records.read_into(header, row, record);
        }
        self.decided.clear();
        for record in &self.batch[..rows.len()] {
            self.decided.push(self.classifier.decided(record));
        }
        for ((row, record), decided) in rows.iter().zip(&self.batch).zip(self.decided.drain(..)) {
            let result = match &mut self.result {
                Some(result) => {
                    result.refill(record, decided);
                    result
                }
                None => self.result.insert(self.classifier.classify(record)),
            };
            each(row, record, result)?;
        }
        if long {
            self.batch
                .retain(|record| record.held_bytes() <= RECORD_BYTES_KEPT);
        }
        Ok(())
    }
}

/// The classifying threads of a run, each with a renderer, and the calling thread writing what
/// they rendered in input order. Returns the run's counts, or the first write error.
#[allow(clippy::too_many_arguments)]
fn classify_in_parallel<'scope, 'env, S: Sink + ?Sized>(
    scope: &'scope std::thread::Scope<'scope, 'env>,
    rules: &'env RuleSet,
    header: &std::sync::Arc<ColumnMap>,
    batch_rx: std::sync::mpsc::Receiver<Batch>,
    free_tx: &std::sync::mpsc::Sender<Vec<Row>>,
    renderers: Vec<Box<dyn RowRenderer>>,
    decisions: &std::sync::Arc<crate::engine::Decisions<'env>>,
    batches: usize,
    out: &mut S,
) -> Result<Summary, Error> {
    use std::sync::{Arc, Mutex, mpsc};
    let write_err = Error::Write;
    let mut summary = Summary::default();
    let batch_rx = Arc::new(Mutex::new(batch_rx));
    let (done_tx, done_rx) = mpsc::sync_channel::<(u64, Vec<u8>, Summary)>(batches);
    let (buf_tx, buf_rx) = mpsc::channel::<Vec<u8>>();
    for _ in 0..batches {
        let _ = buf_tx.send(Vec::new());
    }
    let buf_rx = Arc::new(Mutex::new(buf_rx));
    // Set when writing fails: the classifying threads stop at their next batch, and this
    // thread takes their last buffers back until they have all gone (a thread waiting for
    // a buffer must get one to see that it is to stop).
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    for mut renderer in renderers {
        let (batch_rx, buf_rx) = (Arc::clone(&batch_rx), Arc::clone(&buf_rx));
        let (free_tx, done_tx, header) = (free_tx.clone(), done_tx.clone(), Arc::clone(header));
        let buf_tx = buf_tx.clone();
        let decisions = Arc::clone(decisions);
        let stop = Arc::clone(&stop);
        scope.spawn(move || {
            let mut worker = Worker::new(rules, &decisions);
            loop {
                // An output buffer first, then a batch: whoever holds a batch can finish it.
                let buf = buf_rx
                    .lock()
                    .map_err(drop)
                    .and_then(|rx| rx.recv().map_err(drop));
                let Ok(mut buf) = buf else { return };
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let _ = buf_tx.send(buf);
                    return;
                }
                let batch = batch_rx
                    .lock()
                    .map_err(drop)
                    .and_then(|rx| rx.recv().map_err(drop));
                let Ok(batch) = batch else {
                    // No more batches: hand the buffer on, so that a thread still waiting
                    // for one wakes up and finds the end too (there may be more threads
                    // than buffers).
                    let _ = buf_tx.send(buf);
                    return;
                };
                buf.clear();
                let mut counts = Summary::default();
                let _ = worker.classify_batch(&header, &batch.rows, |row, _, result| {
                    counts.record(result);
                    renderer.render(row, result, &mut buf);
                    Ok::<(), ()>(())
                });
                let _ = free_tx.send(batch.rows);
                if done_tx.send((batch.seq, buf, counts)).is_err() {
                    return;
                }
            }
        });
    }
    drop(done_tx);
    // Batches come back in any order; write them in input order.
    let mut waiting = std::collections::BTreeMap::new();
    let mut next = 0u64;
    let mut failed = None;
    for (seq, buf, counts) in done_rx {
        if failed.is_some() {
            let _ = buf_tx.send(buf);
            continue;
        }
        waiting.insert(seq, (buf, counts));
        while let Some((buf, counts)) = waiting.remove(&next) {
            if let Err(e) = out.rendered(&buf) {
                stop.store(true, std::sync::atomic::Ordering::Relaxed);
                failed = Some(e);
                for (buf, _) in std::iter::once((buf, counts)).chain(waiting.into_values()) {
                    let _ = buf_tx.send(buf);
                }
                waiting = std::collections::BTreeMap::new();
                break;
            }
            summary.add(&counts);
            let _ = buf_tx.send(buf);
            next += 1;
        }
    }
    if let Some(e) = failed {
        return Err(write_err(e));
    }
    Ok(summary)
}

/// "1 row read", "42 rows read".
fn rows_read(rows: usize) -> String {
    format!("{rows} {} read", if rows == 1 { "row" } else { "rows" })
}

#[cfg(test)]
mod tests {
    use super::{RECORD_BYTES_KEPT, Worker};
    use crate::facts::ColumnMap;
    use crate::roster::{RosterReader, Row};
    use crate::rules::RuleSet;

    /// A worker keeps a record a row of a stage for the next rows, but not one whose buffers
    /// grew for a long row: 64 of those would hold 64 times the longest row.
    #[test]
    fn a_worker_lets_go_of_records_that_read_long_rows() {
        let rules = RuleSet::builtin().expect("built-in rules");
        let header = "partner_id,partner_name,delivers\n".as_bytes();
        let reader = RosterReader::new(header, "roster", None).expect("header");
        let columns = ColumnMap::new(reader.header().clone(), &rules);
        let decisions = std::sync::Arc::new(crate::engine::Decisions::new());
        let mut worker = Worker::new(&rules, &decisions);
        let long = "n".repeat(200_000);
        let rows: Vec<Row> = (0..64u64)
            .map(|i| {
                let name = if i % 2 == 0 {
                    long.as_str()
                } else {
                    "Short Ltd"
                };
                Row::new(i + 2, &[format!("P{i}").as_str(), name, "support"])
            })
            .collect();
        let mut seen = 0;
        worker
            .classify_batch(&columns, &rows, |_, record, _| {
                seen += 1;
                assert_eq!(record.partner_id, format!("P{}", seen - 1));
                Ok::<(), ()>(())
            })
            .expect("no error");
        assert_eq!(seen, 64, "every row classified, in order");
        assert!(
            worker
                .batch
                .iter()
                .all(|r| r.held_bytes() <= RECORD_BYTES_KEPT),
            "no record kept with a long row's buffers"
        );
        assert_eq!(worker.batch.len(), 32, "the short rows' records are kept");
    }
}
