//! `partner-roles audit ROSTER`: declared against derived, listing the records a person must
//! look at (mismatches, unconfirmed declarations, unreadable rows).

use clap::{Args, ValueEnum};

use super::{Outcome, RosterOpt, WriteOpt, stream};
use crate::engine::{Classification, Finding};
use crate::error::Error;
use crate::output::{RecordWriter, RowRenderer};
use crate::pipeline::{Item, Sink};
use crate::roster::{Header, Row};

#[derive(Debug, Args)]
#[command(
    after_help = "Confidence (0 to 1) says how firmly the evidence shows the held roles: the share of the weakest held role's conditions that hold on known facts (a defining condition weighs 1, a typical one 0.5), divided by one plus the rival roles still possible (by the tied roles when ambiguous), and times the rule set's text factor (0.8 built in) when it rests on facts read from text. A candidate's score (0 to 1) says how near a role came: each condition of its best rule counts 1 when it holds, 0.5 when it is unknown, 0 when it fails.\n\nExamples:\n  partner-roles audit fixtures/sample-roster.csv\n  partner-roles audit roster.csv --format jsonl --fail-on unconfirmed   # in CI\n  partner-roles audit roster.csv --all --format csv -o audit.csv"
)]
pub(crate) struct AuditArgs {
    #[command(flatten)]
    input: RosterOpt,
    #[command(flatten)]
    write: WriteOpt,
    /// List every record with its finding, not only those that need a person.
    #[arg(long)]
    all: bool,
    /// Which findings make the exit status 1 (comma-separated or repeated). `unconfirmed`
    /// includes `mismatch`, as it always has; `never` always exits 0 when the roster could be
    /// read.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "mismatch")]
    fail_on: Vec<FailOn>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailOn {
    /// A declared role is ruled out by the evidence.
    Mismatch,
    /// A declared role is still possible but not shown (and mismatches).
    Unconfirmed,
    /// The declared roles are held or refined by held ones (declared reseller, held VAR).
    #[value(name = "less_specific", alias = "less-specific")]
    LessSpecific,
    /// The declared roles are held, and the partner also holds others.
    Incomplete,
    /// The declared roles are the held ones.
    Agree,
    /// No known role is declared.
    Undeclared,
    /// A row could not be read.
    Error,
    /// Never exit 1.
    Never,
}

impl FailOn {
    /// The findings this choice fails on.
    fn findings(self) -> &'static [Finding] {
        match self {
            FailOn::Mismatch => &[Finding::Mismatch],
            FailOn::Unconfirmed => &[Finding::Mismatch, Finding::Unconfirmed],
            FailOn::LessSpecific => &[Finding::LessSpecific],
            FailOn::Incomplete => &[Finding::Incomplete],
            FailOn::Agree => &[Finding::Agree],
            FailOn::Undeclared => &[Finding::Undeclared],
            FailOn::Error => &[Finding::Error],
            FailOn::Never => &[],
        }
    }
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
    if args.fail_on.contains(&FailOn::Never) && args.fail_on.len() > 1 {
        return Err(Error::Usage {
            message: "--fail-on never cannot be combined with findings: it turns the gate off; pass either never or the findings that should fail the run".into(),
        });
    }
    let all = args.all;
    let summary = stream(&args.input, &args.write, |out| AuditSink { out, all })?;
    super::warn_unusable(&args.input, &summary);
    if !args.write.quiet {
        eprintln!("{}", summary.audit_line());
    }
    let never = args.fail_on.contains(&FailOn::Never);
    let failed = !never
        && args
            .fail_on
            .iter()
            .flat_map(|f| f.findings())
            .any(|&f| summary.finding(f) > 0);
    Ok(if failed {
        Outcome::Findings
    } else {
        Outcome::Success
    })
}
