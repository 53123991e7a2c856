//! `partner-roles classify ROSTER`: classify every record of a roster.

use std::path::{Path, PathBuf};

use clap::Args;

use super::{Outcome, RulesOpt, open_input_with_progress, open_output, stdout_is_terminal};
use crate::error::Error;
use crate::output::{Format, writer_with};
use crate::pipeline::{self, RunOptions};

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  partner-roles classify fixtures/sample-roster.csv\n  partner-roles classify roster.csv --format jsonl -o roles.jsonl\n  cat roster.csv | partner-roles classify - --format csv"
)]
pub(crate) struct ClassifyArgs {
    /// The roster CSV, or - for standard input.
    #[arg(value_name = "ROSTER.csv")]
    roster: PathBuf,
    #[command(flatten)]
    rules: RulesOpt,
    /// Output format [default: table on a terminal, else csv; with -o, from the file's extension]
    #[arg(long, short = 'f', value_enum)]
    format: Option<Format>,
    /// Write to FILE instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// The roster's field delimiter, one character [default: detected from the header line: comma, semicolon or tab].
    #[arg(long, value_name = "CHAR", value_parser = parse_delimiter)]
    delimiter: Option<u8>,
    /// Print no summary on standard error.
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Write CSV and Markdown cells as they are, without the leading ' that keeps a spreadsheet
    /// from running a cell that starts with = + - @ as a formula.
    #[arg(long)]
    raw: bool,
}

pub(crate) fn parse_delimiter(text: &str) -> Result<u8, String> {
    match text {
        "\\t" | "tab" => Ok(b'\t'),
        _ if text.len() == 1 && text.is_ascii() => Ok(text.as_bytes()[0]),
        _ => Err(format!(
            "expected one ASCII character such as , or ; or tab, got {text:?}"
        )),
    }
}

/// The format to use when none was asked for.
pub(crate) fn default_format(output: Option<&Path>) -> Format {
    let by_extension = output
        .and_then(|p| p.extension())
        .and_then(|e| e.to_str())
        .and_then(|e| match e.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            "md" | "markdown" => Some(Format::Markdown),
            "txt" => Some(Format::Table),
            _ => None,
        });
    by_extension.unwrap_or(if stdout_is_terminal(output) {
        Format::Table
    } else {
        Format::Csv
    })
}

pub(crate) fn run(args: ClassifyArgs) -> Result<Outcome, Error> {
    let rules = args.rules.load()?;
    let format = args
        .format
        .unwrap_or_else(|| default_format(args.output.as_deref()));
    let input = open_input_with_progress(&args.roster, args.quiet)?;
    let (out, pending) = open_output(args.output.as_deref(), Some(&args.roster))?;
    let mut writer = writer_with(format, out, args.raw);
    let options = RunOptions {
        delimiter: args.delimiter,
    };
    let source = args.roster.display().to_string();
    let summary = pipeline::run(&rules, input, &source, options, writer.as_mut())?;
    drop(writer);
    if let Some(pending) = pending {
        pending.commit()?;
    }
    if !args.quiet {
        eprintln!("{}", summary.line());
    }
    Ok(Outcome::Success)
}
