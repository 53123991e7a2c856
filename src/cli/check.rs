//! `partner-roles check --transacts partner --earns resale_margin ...`: classify one partner
//! given as flags and print the classification with its full reasoning. The flags become one
//! roster row, so they are read exactly as a roster cell would be (synonyms, lists, case).

use clap::{Args, ValueEnum};

use super::{Outcome, RulesOpt};
use crate::engine::{Classification, explain};
use crate::error::Error;
use crate::facts::{Given, record_from_given};
use crate::output::visible;
use crate::rules::RuleSet;

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  partner-roles check --transacts partner --sells-to end_customers --earns margin\n  partner-roles check --transacts other_partner --delivers provisioning,implementation --earns service_fees --declared \"Fulfillment Partner\"\n  partner-roles check --fact transacts=vendor --fact earns=commission --format json"
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
            super::print_out(&format!(
                "{}{}",
                render_text(&rules, &explained.result, &explained.near_miss_lines),
                crate::output::text_hit_lines(&record.text_hits)
            ))?;
        }
    }
    Ok(Outcome::Success)
}

/// Wraps `text` in `style` (anstyle, clap's own styling crate) when colour is on.
fn paint(text: &str, style: anstyle::Style) -> String {
    if super::colour() {
        format!("{}{text}{}", style.render(), style.render_reset())
    } else {
        text.to_string()
    }
}

fn colour(c: anstyle::AnsiColor) -> anstyle::Style {
    anstyle::Style::new().fg_color(Some(c.into()))
}

fn render_text(rules: &RuleSet, r: &Classification, near_misses: &[String]) -> String {
    let mut out = String::new();
    let mut line = |label: &str, value: String| out.push_str(&format!("{label:<16}{value}\n"));
    line(
        "partner",
        visible(&format!(
            "{}{}",
            r.partner_id,
            r.partner_name
                .as_ref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default()
        ))
        .into_owned(),
    );
    let status_colour = match r.status {
        crate::engine::Status::Classified => colour(anstyle::AnsiColor::Green),
        crate::engine::Status::Ambiguous | crate::engine::Status::Unclassified => {
            colour(anstyle::AnsiColor::Yellow)
        }
        crate::engine::Status::Error => colour(anstyle::AnsiColor::Red),
    };
    line("status", paint(r.status.as_str(), status_colour));
    line(
        "role",
        match (&r.role, &r.category) {
            (Some(role), Some(cat)) => format!("{role} ({cat})"),
            (Some(role), None) => role.to_string(),
            (None, _) => "-".into(),
        },
    );
    if let Some(umbrella) = &rules.umbrella {
        line(&umbrella.id, r.channel_partner.to_string());
    }
    line("confidence", format!("{:.2}", r.confidence));
    // One section per held role: its category, its own confidence and its definition.
    for (i, id) in r.roles.iter().enumerate() {
        let Some(role) = rules.role_by_id(id).map(|ri| &rules.roles[ri]) else {
            continue;
        };
        let confidence = r
            .candidates
            .iter()
            .find(|c| c.role == *id)
            .and_then(|c| c.confidence)
            .unwrap_or(r.confidence);
        line(
            if i == 0 { "holds" } else { "" },
            format!(
                "{id} ({}), confidence {confidence:.2}",
                rules.categories[role.category].id
            ),
        );
        line(
            "",
            format!("  {} [glossary: {}]", role.definition, role.source),
        );
    }
    if let Some(declared) = &r.declared_role {
        let style = match r.matches_declared {
            Some(true) => colour(anstyle::AnsiColor::Green),
            _ if r.finding == crate::engine::Finding::Mismatch => {
                colour(anstyle::AnsiColor::Red).bold()
            }
            _ => colour(anstyle::AnsiColor::Yellow),
        };
        line(
            "declared",
            format!("{declared} ({})", paint(r.finding.as_str(), style)),
        );
    }
    let candidates: Vec<String> = r
        .candidates
        .iter()
        .map(|c| {
            format!(
                "{} {:.2} {}",
                c.role,
                c.score,
                serde_json::to_value(c.fit)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default()
            )
        })
        .collect();
    line("candidates", candidates.join(", "));
    for (i, miss) in near_misses.iter().enumerate() {
        line(if i == 0 { "near misses" } else { "" }, miss.clone());
    }
    out.push_str("reasons\n");
    for reason in r.reasons() {
        out.push_str(&format!("  - {}\n", visible(reason)));
    }
    if !r.warnings.is_empty() {
        out.push_str("warnings\n");
        for w in &r.warnings {
            out.push_str(&format!("  - {}\n", visible(w)));
        }
    }
    out
}
