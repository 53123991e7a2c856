//! `partner-roles classify ROSTER`: classify every record of a roster.

use clap::Args;

use super::{Outcome, RosterOpt, WriteOpt, stream};
use crate::error::Error;

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
    let summary = stream(&args.input, &args.write, |writer| writer)?;
    super::warn_unusable(&args.input, &summary);
    if !args.write.quiet {
        eprintln!("{}", summary.line());
    }
    Ok(Outcome::Success)
}
