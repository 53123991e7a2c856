//! `partner-roles rules diff --old PATH --new PATH ROSTER`: the impact of a rule change.

use std::path::PathBuf;

use clap::Args;

use crate::authoring::diff::diff;
use crate::cli::parse_delimiter;
use crate::cli::{Outcome, open_input};
use crate::error::Error;
use crate::rules::RuleSet;

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  partner-roles rules export my-rules   # edit my-rules/rules.yaml, then:\n  partner-roles rules diff --new my-rules fixtures/sample-roster.csv\n  partner-roles rules diff --old v1/ --new v2/ roster.csv --fail-on-change   # in CI"
)]
pub(crate) struct DiffArgs {
    /// The rule set before the change [default: the built-in set].
    #[arg(long, value_name = "PATH")]
    old: Option<PathBuf>,
    /// The rule set after the change.
    #[arg(long, value_name = "PATH")]
    new: PathBuf,
    /// The roster CSV to measure the change on, or - for standard input.
    #[arg(value_name = "ROSTER.csv")]
    roster: PathBuf,
    /// The roster's field delimiter, one character [default: detected from the header line: comma, semicolon or tab].
    #[arg(long, value_name = "CHAR", value_parser = parse_delimiter)]
    delimiter: Option<u8>,
    /// Most changed records listed.
    #[arg(long, value_name = "N", default_value_t = 200)]
    max_changes: usize,
    /// Exit 1 when any record changes role or status.
    #[arg(long)]
    fail_on_change: bool,
}

pub(crate) fn run(args: DiffArgs) -> Result<Outcome, Error> {
    let old = match &args.old {
        Some(path) => RuleSet::load(path)?,
        None => RuleSet::builtin()?,
    };
    let new = RuleSet::load(&args.new)?;
    let input = open_input(&args.roster)?;
    let impact = diff(
        &old,
        &new,
        input,
        &args.roster.display().to_string(),
        args.delimiter,
        args.max_changes,
    )?;
    crate::cli::print_out(&crate::output::visible(&impact.render()))?;
    Ok(if args.fail_on_change && impact.changed > 0 {
        Outcome::Findings
    } else {
        Outcome::Success
    })
}
