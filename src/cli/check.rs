//! `partner-roles check --transacts partner --earns resale_margin ...`: classify one partner
//! given as flags and print the classification with its full reasoning. The flags become one
//! roster row, so they are read exactly as a roster cell would be (synonyms, lists, case).

use clap::{Args, ValueEnum};

use super::{Outcome, RulesOpt};
use crate::engine::explain;
use crate::error::Error;
use crate::facts::{Given, record_from_given};
use crate::output::check_text;
use crate::rules::RuleSet;

#[derive(Debug, Args)]
#[command(
    after_help = "Confidence (0 to 1) says how firmly the evidence shows the held roles: the share of the weakest held role's conditions that hold on known facts (a defining condition weighs 1, a typical one 0.5), divided by one plus the rival roles still possible (by the tied roles when ambiguous), and times the rule set's text factor (0.8 built in) when it rests on facts read from text. A candidate's score (0 to 1) says how near a role came: each condition of its best rule counts 1 when it holds, 0.5 when it is unknown, 0 when it fails.\n\nExamples:\n  partner-roles check --transacts partner --sells-to end_customers --earns margin\n  partner-roles check --transacts other_partner --delivers provisioning,implementation --earns service_fees --declared \"Fulfillment Partner\"\n  partner-roles check --fact transacts=vendor --fact earns=commission --format json"
)]
pub(crate) struct CheckArgs {
    /// A description of the partner in words, read as a prose column would be (facts given
    /// as flags win over it).
    #[arg(long, alias = "description", value_name = "TEXT")]
    text: Option<String>,
    /// Any fact of the rule set's vocabulary, as NAME=VALUE (repeatable).
    #[arg(long = "fact", value_name = "NAME=VALUE")]
    facts: Vec<String>,
    /// The role the roster claims, to compare against.
    #[arg(long)]
    declared: Option<String>,
    /// The partner's id, shown in the output.
    #[arg(long, default_value = "check")]
    id: String,
    /// The partner's name, shown in the output.
    #[arg(long)]
    name: Option<String>,
    #[command(flatten)]
    rules: RulesOpt,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = CheckFormat::Text)]
    format: CheckFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CheckFormat {
    /// Labelled lines for reading.
    Text,
    /// One JSON object, as `classify --format json` writes it.
    Json,
}

/// One flag per fact of the rule set's vocabulary (`--transacts`, `--sells-to`, ...), built from
/// the loaded rules, so a rule set of one's own brings its own facts as flags. Each takes a
/// value, or a list (comma-separated or repeated), read as the fact's cell would be.
pub(crate) fn fact_args(rules: &RuleSet) -> Vec<clap::Arg> {
    rules
        .columns
        .iter()
        .filter_map(|c| c.fact.map(|f| (c, &rules.facts[f])))
        .map(|(column, fact)| {
            let long = fact.name.replace('_', "-");
            let values: Vec<&str> = fact.values.iter().map(|v| v.id.as_str()).collect();
            let help = format!(
                "{} [{}: {}]",
                column
                    .description
                    .as_deref()
                    .unwrap_or(fact.name.as_str())
                    .trim_end_matches('.'),
                if fact.list {
                    "one or more of"
                } else {
                    "one of"
                },
                values.join(", ")
            );
            let mut arg = clap::Arg::new(fact_id(&fact.name))
                .long(long.clone())
                .value_name("VALUE")
                .help(help)
                .help_heading("Facts (the rule set's vocabulary)")
                .action(clap::ArgAction::Append);
            if long != fact.name {
                arg = arg.alias(fact.name.clone());
            }
            arg
        })
        .collect()
}

/// The id of a fact's flag among the command's arguments.
fn fact_id(fact: &str) -> String {
    format!("fact-flag:{fact}")
}

pub(crate) fn run(args: CheckArgs, matches: Option<&clap::ArgMatches>) -> Result<Outcome, Error> {
    let rules = args.rules.load()?;
    let mut given: Vec<(String, String)> = Vec::new();
    if let Some(matches) = matches {
        for name in rules.fact_names() {
            let id = fact_id(name);
            if let Ok(Some(values)) = matches.try_get_many::<String>(&id) {
                let values: Vec<&str> = values.map(String::as_str).collect();
                if !values.is_empty() {
                    given.push((name.to_string(), values.join(";")));
                }
            }
        }
    }
    for fact in &args.facts {
        let (name, value) = fact.split_once('=').ok_or_else(|| Error::Usage {
            message: format!("--fact {fact:?}: expected NAME=VALUE, e.g. --fact earns=commission"),
        })?;
        given.push((name.trim().to_string(), value.to_string()));
    }
    if let Some(text) = args.text {
        let column = rules.prose_column().ok_or_else(|| Error::Usage {
            message: "--text: this rule set has no prose column to read a description from (a vocabulary column of kind `prose`)".into(),
        })?;
        given.push((column.to_string(), text));
    }
    if given.is_empty() {
        let flags: Vec<String> = rules
            .fact_names()
            .map(|name| format!("--{}", name.replace('_', "-")))
            .collect();
        return Err(Error::Usage {
            message: format!(
                "check needs at least one fact of the partner: a fact flag ({} VALUE), --fact NAME=VALUE, or --text \"DESCRIPTION\"; see `partner-roles check --help`",
                flags.join(", ")
            ),
        });
    }
    let record = record_from_given(
        &rules,
        &Given {
            id: &args.id,
            name: args.name.as_deref(),
            declared: args.declared.as_deref(),
            facts: &given,
        },
    )
    .map_err(|message| Error::Usage { message })?;
    let explained = explain(&rules, &record);
    match args.format {
        CheckFormat::Json => {
            let text = serde_json::to_string_pretty(&explained.result)
                .map_err(|e| Error::Output(e.to_string()))?;
            super::print_out(&format!("{text}\n"))?;
        }
        CheckFormat::Text => {
            super::print_out(&check_text(&rules, &explained, super::colour()))?;
        }
    }
    Ok(Outcome::Success)
}
