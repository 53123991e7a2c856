//! `partner-roles rules ...`: work with rule sets.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{Outcome, RulesOpt};
use crate::error::Error;
use crate::rules::export_builtin;

#[derive(Debug, Args)]
pub(crate) struct RulesArgs {
    #[command(subcommand)]
    command: RulesCommand,
}

#[derive(Debug, Subcommand)]
enum RulesCommand {
    /// Write the built-in rule set into DIR as a starting point for your own.
    #[command(
        after_help = "Example:\n  partner-roles rules export my-rules && partner-roles classify roster.csv --rules my-rules"
    )]
    Export {
        /// The folder to write into (created if needed).
        dir: PathBuf,
        /// Overwrite files that exist.
        #[arg(long)]
        force: bool,
    },
    /// List the roles with category, definition, source and conditions.
    #[command(
        after_help = "Examples:\n  partner-roles rules list\n  partner-roles rules list --rules my-rules"
    )]
    List {
        #[command(flatten)]
        rules: RulesOpt,
    },
}

pub(crate) fn run(args: RulesArgs) -> Result<Outcome, Error> {
    match args.command {
        RulesCommand::Export { dir, force } => {
            for path in export_builtin(&dir, force)? {
                println!("{}", path.display());
            }
            Ok(Outcome::Success)
        }
        RulesCommand::List { rules } => {
            print!("{}", rules.load()?.describe());
            Ok(Outcome::Success)
        }
    }
}
