//! `partner-roles report ROSTER --format markdown|html -o FILE`: a classification report.

use std::io::Write;
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
    /// Report format [default: from the -o extension (.md is markdown), else html]
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

pub(crate) fn run(args: ReportArgs) -> Result<Outcome, Error> {
    let rules = args.input.rules.load()?;
    let format = args.format.unwrap_or_else(|| {
        let md = args
            .output
            .as_ref()
            .and_then(|p| p.extension())
            .is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"));
        if md {
            ReportFormat::Markdown
        } else {
            ReportFormat::Html
        }
    });
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
    if !args.quiet {
        eprintln!("{}", summary.line());
    }
    Ok(Outcome::Success)
}
