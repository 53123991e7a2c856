//! `partner-roles audit ROSTER`: declared against derived, listing the records a person must
//! look at (mismatches, unconfirmed declarations, unreadable rows).

use clap::{Args, ValueEnum};

use super::{Outcome, RosterOpt, WriteOpt, stream};
use crate::engine::Classification;
use crate::error::Error;
use crate::output::{RecordWriter, RowRenderer};
use crate::pipeline::{Item, Sink};
use crate::roster::{Header, Row};

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  partner-roles audit fixtures/sample-roster.csv\n  partner-roles audit roster.csv --format jsonl --fail-on unconfirmed   # in CI\n  partner-roles audit roster.csv --all --format csv -o audit.csv"
)]
pub(crate) struct AuditArgs {
    #[command(flatten)]
    input: RosterOpt,
    #[command(flatten)]
    write: WriteOpt,
    /// List every record with its finding, not only those that need a person.
    #[arg(long)]
    all: bool,
    /// Which findings make the exit status 1.
    #[arg(long, value_enum, default_value_t = FailOn::Mismatch)]
    fail_on: FailOn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailOn {
    /// Exit 1 when a declared role disagrees with a classified one.
    Mismatch,
    /// Exit 1 on mismatches and on declared roles the evidence cannot confirm.
    Unconfirmed,
    /// Always exit 0 when the roster could be read.
    Never,
}

/// Passes on only the records that need a person (or all, with `--all`).
struct AuditSink<'w> {
    out: Box<dyn RecordWriter + 'w>,
    all: bool,
}

impl Sink for AuditSink<'_> {
    fn start(&mut self, header: &Header) -> std::io::Result<()> {
        RecordWriter::start(&mut self.out, header)
    }
    fn item(&mut self, item: &Item) -> std::io::Result<()> {
        if self.all || item.result.finding.needs_review() {
            self.out.write(item.row, item.result)?;
        }
        Ok(())
    }
    fn finish(&mut self) -> std::io::Result<()> {
        RecordWriter::finish(&mut self.out)
    }
    fn renderer(&self) -> Option<Box<dyn RowRenderer>> {
        let inner = RecordWriter::renderer(&self.out)?;
        Some(Box::new(NeedsReview {
            inner,
            all: self.all,
        }))
    }
    fn rendered(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.out.write_rendered(bytes)
    }
}

/// Renders only the records that need a person (or all, with `--all`), on a worker thread.
struct NeedsReview {
    inner: Box<dyn RowRenderer>,
    all: bool,
}

impl RowRenderer for NeedsReview {
    fn render(&mut self, row: &Row, record: &Classification, out: &mut Vec<u8>) {
        if self.all || record.finding.needs_review() {
            self.inner.render(row, record, out);
        }
    }
}

pub(crate) fn run(args: AuditArgs) -> Result<Outcome, Error> {
    let all = args.all;
    let summary = stream(&args.input, &args.write, |out| AuditSink { out, all })?;
    if !args.write.quiet {
        eprintln!("{}", summary.audit_line());
    }
    let failed = match args.fail_on {
        FailOn::Mismatch => summary.mismatches > 0,
        FailOn::Unconfirmed => summary.mismatches + summary.unconfirmed > 0,
        FailOn::Never => false,
    };
    Ok(if failed {
        Outcome::Findings
    } else {
        Outcome::Success
    })
}
