//! The parallel pipeline: rows are classified and rendered on several threads, and the output
//! must be what one thread gives, in input order, with duplicate ids flagged on the later rows
//! even when the first one is in another batch.

use std::io::Write;

use crate::support::{bin, fixture};

/// A roster of several thousand rows (several batches) built from the sample roster: ids are
/// renumbered, every 7th row reuses the id of a row about 600 rows earlier (another batch), and
/// some rows are unreadable (invalid UTF-8), short, or hold quoted line breaks.
fn big_roster() -> tempfile::NamedTempFile {
    let sample = std::fs::read_to_string(fixture("sample-roster.csv")).expect("sample roster");
    let mut lines = sample.lines();
    let header = lines.next().expect("header");
    let rows: Vec<&str> = lines.collect();
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    writeln!(file, "{header}").expect("write");
    for n in 0..3_000usize {
        let row = rows[n % rows.len()];
        let rest = row.split_once(',').map_or("", |(_, rest)| rest);
        let id = if n % 7 == 6 && n > 600 { n - 600 } else { n };
        let bytes: Vec<u8> = match n % 97 {
            13 => format!("X{id},\"two\nlines\",Reseller,partner,,,resale_margin\n").into_bytes(),
            29 => [
                format!("X{id},bad ").into_bytes(),
                vec![0xff, 0xfe],
                b",VAR\n".to_vec(),
            ]
            .concat(),
            41 => format!("X{id},short\n").into_bytes(),
            _ => format!("X{id},{rest}\n").into_bytes(),
        };
        file.write_all(&bytes).expect("write");
    }
    file.flush().expect("flush");
    file
}

fn run(args: &[&str], roster: &std::path::Path) -> Vec<u8> {
    let out = bin().args(args).arg(roster).output().expect("runs");
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn every_thread_count_writes_the_same_bytes() {
    let roster = big_roster();
    for format in ["csv", "jsonl"] {
        let one = run(
            &["classify", "-q", "--threads", "1", "--format", format],
            roster.path(),
        );
        for threads in ["2", "5"] {
            let many = run(
                &["classify", "-q", "--threads", threads, "--format", format],
                roster.path(),
            );
            assert!(
                one == many,
                "{format} with {threads} threads differs from one thread"
            );
        }
        let lines = one.iter().filter(|&&b| b == b'\n').count();
        assert!(lines >= 3_000, "{format}: {lines} lines for 3,000 rows");
    }
    let one = run(
        &["audit", "-q", "--threads", "1", "--format", "csv"],
        roster.path(),
    );
    let many = run(
        &["audit", "-q", "--threads", "3", "--format", "csv"],
        roster.path(),
    );
    assert!(one == many, "audit output depends on the thread count");
}

/// JSON Lines (rendered on worker threads) against JSON (classified one by one on the calling
/// thread and written by serde): the same records, in the same order.
#[test]
fn rendered_records_equal_the_one_by_one_records() {
    let roster = big_roster();
    let lines = run(
        &["classify", "-q", "--threads", "3", "--format", "jsonl"],
        roster.path(),
    );
    let parallel: Vec<serde_json::Value> = String::from_utf8(lines)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object a line"))
        .collect();
    let array = run(&["classify", "-q", "--format", "json"], roster.path());
    let sequential: Vec<serde_json::Value> = serde_json::from_slice(&array).expect("a JSON array");
    assert_eq!(parallel.len(), 3_000);
    assert_eq!(parallel.len(), sequential.len());
    for (i, (p, s)) in parallel.iter().zip(&sequential).enumerate() {
        assert_eq!(p, s, "record {i} differs");
    }
    // Duplicates are flagged on the later row only, across batches.
    let duplicate =
        |r: &serde_json::Value| r["warnings"].to_string().contains("duplicate partner_id");
    let flagged: Vec<usize> = parallel
        .iter()
        .enumerate()
        .filter(|(_, r)| duplicate(r))
        .map(|(i, _)| i)
        .collect();
    let expected = (601..3_000).filter(|n| n % 7 == 6).count();
    assert_eq!(flagged.len(), expected, "every reused id is flagged once");
    for &i in &flagged {
        assert!(
            i > 600 && i % 7 == 6,
            "record {i} is flagged but its id is new"
        );
    }
    let errors = parallel.iter().filter(|r| r["status"] == "error").count();
    assert!(
        errors >= 30,
        "{errors} error records; the invalid UTF-8 rows are errors"
    );
}

/// A row whose pattern was seen is read from the pattern cache (only its key and name afresh);
/// the record must be the one a fresh, uncached read gives.
#[test]
fn rows_read_through_the_pattern_cache_equal_fresh_reads() {
    use partner_roles::facts::{RecordReader, SeenIds, read_record};
    use partner_roles::roster::{RosterReader, Row};
    let rules = partner_roles::RuleSet::builtin().expect("built-in rules");
    let roster = big_roster();
    let file = std::fs::File::open(roster.path()).expect("open");
    let mut reader = RosterReader::new(file, "big", None).expect("header");
    let header = partner_roles::facts::ColumnMap::new(reader.header().clone(), &rules);
    let mut cached = RecordReader::new(&rules);
    let mut seen = SeenIds::default();
    let mut record = None;
    let mut row = Row::default();
    let mut rows = 0;
    while reader.read_row(&mut row) {
        rows += 1;
        let fresh = read_record(&rules, &header, &row, &mut seen);
        let record = match &mut record {
            Some(r) => {
                cached.read_into(&header, &row, r);
                &*r
            }
            None => &*record.insert(cached.read(&header, &row)),
        };
        let what = format!("row on line {}", row.line);
        assert_eq!(record.line, fresh.line, "{what}");
        assert_eq!(record.partner_id, fresh.partner_id, "{what}");
        assert_eq!(record.partner_name, fresh.partner_name, "{what}");
        assert_eq!(record.declared_text, fresh.declared_text, "{what}");
        assert_eq!(record.declared_roles, fresh.declared_roles, "{what}");
        assert_eq!(record.facts, fresh.facts, "{what}");
        assert_eq!(record.warnings, fresh.warnings, "{what}");
        assert_eq!(record.ignored, fresh.ignored, "{what}");
        assert_eq!(record.problem, fresh.problem, "{what}");
    }
    assert_eq!(rows, 3_000);
}

/// A writer whose output stops working (a closed pipe): it renders like the CSV writer, then
/// fails on the first bytes it is asked to write, after the classifying threads have had time to
/// fill every output buffer.
struct FailingWriter<'a> {
    inner: Box<dyn partner_roles::output::RecordWriter + 'a>,
}

impl partner_roles::output::RecordWriter for FailingWriter<'_> {
    fn start(&mut self, header: &partner_roles::roster::Header) -> std::io::Result<()> {
        self.inner.start(header)
    }
    fn write(
        &mut self,
        _row: &partner_roles::roster::Row,
        _record: &partner_roles::engine::Classification,
    ) -> std::io::Result<()> {
        Err(std::io::ErrorKind::BrokenPipe.into())
    }
    fn finish(&mut self) -> std::io::Result<()> {
        Ok(())
    }
    fn renderer(&self) -> Option<Box<dyn partner_roles::output::RowRenderer>> {
        self.inner.renderer()
    }
    fn write_rendered(&mut self, _bytes: &[u8]) -> std::io::Result<()> {
        std::thread::sleep(std::time::Duration::from_millis(300));
        Err(std::io::ErrorKind::BrokenPipe.into())
    }
}

/// When writing fails mid-run, the run ends with the error: no classifying thread is left
/// waiting for an output buffer that will never come back (a hang seen with `| head`).
#[test]
fn a_run_whose_output_fails_ends_with_the_error() {
    let rules = partner_roles::RuleSet::builtin().expect("built-in rules");
    let sample = std::fs::read_to_string(fixture("sample-roster.csv")).expect("sample roster");
    let mut lines = sample.lines();
    let mut roster = format!("{}\n", lines.next().expect("header"));
    let rows: Vec<&str> = lines.collect();
    for n in 0..20_000usize {
        let rest = rows[n % rows.len()].split_once(',').map_or("", |(_, r)| r);
        roster.push_str(&format!("F{n},{rest}\n"));
    }
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut sink = Vec::new();
        let mut writer = FailingWriter {
            inner: partner_roles::output::writer_for(
                partner_roles::output::Format::Csv,
                Box::new(&mut sink),
            ),
        };
        // More classifying threads than output buffers: some are always waiting for one.
        let options = partner_roles::pipeline::RunOptions {
            workers: 16,
            ..Default::default()
        };
        let result = partner_roles::pipeline::run(
            &rules,
            roster.as_bytes(),
            "failing",
            options,
            &mut writer,
        );
        let _ = done_tx.send(result.err().map(|e| e.to_string()));
    });
    let outcome = done_rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the run ends instead of waiting forever");
    assert!(outcome.is_some(), "the write error is returned");
}
