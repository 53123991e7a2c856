//! `partner-roles report ROSTER --format markdown|html -o FILE`: a classification report.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{Outcome, RosterOpt, open_output};
use crate::error::Error;
use crate::pipeline;
use crate::report::{ReportBuilder, render_html, render_markdown, report_date};

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  partner-roles report fixtures/sample-roster.csv -o report.html\n  partner-roles report roster.csv --format markdown -o report.md\n  partner-roles report big.csv -o big.html --max-details 500"
)]
pub(crate) struct ReportArgs {
    #[command(flatten)]
    input: RosterOpt,
    /// Report format [default: from the -o extension (.html, .md); with no -o, markdown on a
    /// terminal and html elsewhere]
    #[arg(long, short = 'f', value_enum)]
    format: Option<ReportFormat>,
    /// Write to FILE instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// Most records listed in each section; the summaries always cover every record.
    #[arg(long, value_name = "N", default_value_t = 2000)]
    max_details: usize,
    /// Print no summary on standard error.
    #[arg(long, short = 'q')]
    quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    /// Markdown, for a wiki or a pull request.
    Markdown,
    /// One self-contained HTML page: inline CSS, SVG and script, no network.
    Html,
}

/// The report's format when none was asked for: from the extension of `-o FILE` (`.html` or
/// `.htm`, `.md` or `.markdown`), refusing another; with no `-o`, Markdown on a terminal (a page
/// of raw HTML is no use there) and HTML elsewhere.
fn report_format(output: Option<&std::path::Path>) -> Result<ReportFormat, Error> {
    let extension = output
        .and_then(|p| p.extension())
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match extension.as_deref() {
        Some("html" | "htm") => Ok(ReportFormat::Html),
        Some("md" | "markdown") => Ok(ReportFormat::Markdown),
        Some(other) => Err(Error::Usage {
            message: format!(
                "-o {}: a report is written as .html or .md, not .{other}; for records, run `partner-roles classify ROSTER -o FILE.{other}`",
                output.map(|p| p.display().to_string()).unwrap_or_default()
            ),
        }),
        None if output.is_none() && std::io::stdout().is_terminal() => Ok(ReportFormat::Markdown),
        None => Ok(ReportFormat::Html),
    }
}

pub(crate) fn run(args: ReportArgs) -> Result<Outcome, Error> {
    let rules = args.input.rules.load()?;
    let format = match args.format {
        Some(format) => format,
        None => report_format(args.output.as_deref())?,
    };
    let (input, options) = args.input.open(args.quiet)?;
    let source = args.input.roster.display().to_string();
    let mut builder = ReportBuilder::new(&rules, &source, report_date(), args.max_details);
    let summary = pipeline::run(&rules, input, &source, options, &mut builder)?;
    let report = builder.finish();
    let text = match format {
        ReportFormat::Html => render_html(&report)?,
        ReportFormat::Markdown => render_markdown(&report)?,
    };
    let (mut out, pending) = open_output(args.output.as_deref(), &args.input.inputs())?;
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(Error::Write)?;
    drop(out);
    if let Some(pending) = pending {
        pending.commit()?;
    }
    super::warn_unusable(&args.input, &summary);
    if !args.quiet {
        eprintln!("{}", summary.line());
    }
    Ok(Outcome::Success)
}
