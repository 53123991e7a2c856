//! `partner-roles rules ...`: work with rule sets. One file per subcommand that owns more
//! than a few lines.

mod diff;
mod lint;
mod schema;
mod test;

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{Outcome, RulesOpt, print_out};
use crate::error::Error;
use crate::rules::RuleSet;
use crate::rules::export_builtin;

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  partner-roles rules list\n  partner-roles rules export my-rules && partner-roles rules lint --rules my-rules"
)]
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
    /// Show one role (definition, source, conditions in plain words, what it refines), one
    /// fact (each value with the cell texts and the phrases of text that state it), or one
    /// value of a fact (`earns.recurring_fees`).
    #[command(
        after_help = "Examples:\n  partner-roles rules show value_added_reseller\n  partner-roles rules show delivers\n  partner-roles rules show earns.recurring_fees"
    )]
    Show {
        /// A role id, a fact name, or FACT.VALUE.
        role: String,
        #[command(flatten)]
        rules: RulesOpt,
    },
    /// The impact of a rule change on a roster: records that change role or status.
    Diff(diff::DiffArgs),
    /// Static analysis: overlaps, unreachable rules and roles, gaps, dead vocabulary.
    Lint(lint::LintArgs),
    /// Run rule tests: cases with facts and the expected outcome.
    Test(test::TestArgs),
    /// Print the JSON Schema of rule files, so editors validate and complete them.
    #[command(
        after_help = "Example:\n  partner-roles rules schema > partner-roles.schema.json\nthen put this first line in a rules file (YAML language server: VS Code, Neovim, ...):\n  # yaml-language-server: $schema=./partner-roles.schema.json"
    )]
    Schema,
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
                print_out(&format!("{}\n", path.display()))?;
            }
            Ok(Outcome::Success)
        }
        RulesCommand::Show { role, rules } => {
            let rules: RuleSet = rules.load()?;
            let (fact_name, value) = match role.split_once(['.', '=']) {
                Some((f, v)) => (f, Some(v)),
                None => (role.as_str(), None),
            };
            // Any name a roster's declared-role cell accepts ("VAR", "Value-Added Reseller",
            // "VAR & MSP") names its roles.
            let declared = rules.declared_cell(&role);
            let text = if let Some(ri) = rules.role_by_id(&role) {
                rules.describe_role(ri)
            } else if declared.roles != 0 && declared.unknown.is_empty() {
                crate::rules::roles_in(declared.roles)
                    .map(|r| rules.describe_role(r))
                    .collect::<Vec<_>>()
                    .join("\n")
            } else if let (Some(umbrella), 0) = (&rules.umbrella, declared.roles)
                && declared.umbrella.is_some()
                && declared.unknown.is_empty()
            {
                format!(
                    "{role:?} names the umbrella term, not a role: {} ({}), {}\n  source: {}\n  A partner declared only as it is compared with no role (its record carries a warning that says so).\n",
                    umbrella.name, umbrella.id, umbrella.definition, umbrella.source
                )
            } else if let Some(f) = rules.fact_by_name(fact_name) {
                rules
                    .describe_fact(f, value)
                    .map_err(|message| Error::Usage { message })?
            } else {
                return Err(Error::Usage {
                    message: format!(
                        "no role or fact {role:?}; {}",
                        rules.closest_role_or_fact(&role)
                    ),
                });
            };
            print_out(&crate::output::visible(&text))?;
            Ok(Outcome::Success)
        }
        RulesCommand::Diff(args) => diff::run(args),
        RulesCommand::Lint(args) => lint::run(args),
        RulesCommand::Test(args) => test::run(args),
        RulesCommand::Schema => schema::run(),
        RulesCommand::List { rules } => {
            print_out(&crate::output::visible(&rules.load()?.describe()))?;
            Ok(Outcome::Success)
        }
    }
}
