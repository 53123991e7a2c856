//! `partner-roles classify ROSTER`: classify every record of a roster.

use clap::Args;

use super::{Outcome, RosterOpt, WriteOpt, stream};
use crate::error::Error;

#[derive(Debug, Args)]
#[command(
    after_help = "Confidence (0 to 1) says how firmly the evidence shows the held roles: the share of the weakest held role's conditions that hold on known facts (a defining condition weighs 1, a typical one 0.5), divided by one plus the rival roles still possible (by the tied roles when ambiguous), and times the rule set's text factor (0.8 built in) when it rests on facts read from text. A candidate's score (0 to 1) says how near a role came: each condition of its best rule counts 1 when it holds, 0.5 when it is unknown, 0 when it fails.\n\nExamples:\n  partner-roles classify fixtures/sample-roster.csv\n  partner-roles classify roster.csv --format jsonl -o roles.jsonl\n  cat roster.csv | partner-roles classify - --format csv"
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
