//! `partner-roles classify ROSTER`: classify every record of a roster.

use clap::Args;

use super::{Outcome, RosterOpt, WriteOpt, default_format, open_input_with_progress, open_output};
use crate::error::Error;
use crate::output::writer_with;
use crate::pipeline::{self, RunOptions};

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  partner-roles classify fixtures/sample-roster.csv\n  partner-roles classify roster.csv --format jsonl -o roles.jsonl\n  cat roster.csv | partner-roles classify - --format csv"
)]
pub(crate) struct ClassifyArgs {
    #[command(flatten)]
    input: RosterOpt,
    #[command(flatten)]
    write: WriteOpt,
}

pub(crate) fn run(args: ClassifyArgs) -> Result<Outcome, Error> {
    let rules = args.input.rules.load()?;
    let format = args
        .write
        .format
        .unwrap_or_else(|| default_format(args.write.output.as_deref()));
    let input = open_input_with_progress(&args.input.roster, args.write.quiet)?;
    let (out, pending) = open_output(args.write.output.as_deref(), Some(&args.input.roster))?;
    let mut writer = writer_with(format, out, args.write.raw);
    let options = RunOptions {
        delimiter: args.input.delimiter,
    };
    let source = args.input.roster.display().to_string();
    let summary = pipeline::run(&rules, input, &source, options, writer.as_mut())?;
    drop(writer);
    if let Some(pending) = pending {
        pending.commit()?;
    }
    if !args.write.quiet {
        eprintln!("{}", summary.line());
    }
    Ok(Outcome::Success)
}
