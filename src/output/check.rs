//! `check`'s text output: one partner's classification with its reasoning, for a terminal.

use super::{text_hit_lines, visible};
use crate::engine::{Explained, Finding, Status};
use crate::rules::RuleSet;

/// Wraps `text` in `style` (anstyle, clap's own styling crate) when colour is on.
fn paint(text: &str, style: anstyle::Style, on: bool) -> String {
    if on {
        format!("{}{text}{}", style.render(), style.render_reset())
    } else {
        text.to_string()
    }
}

fn colour(c: anstyle::AnsiColor) -> anstyle::Style {
    anstyle::Style::new().fg_color(Some(c.into()))
}

/// `check`'s text: the partner, its status and role profile, each held role with its
/// definition, the declared role and finding, the candidates, the near misses, the reasons,
/// the warnings and the phrases read from its text; coloured when `colour` is on.
pub fn check_text(rules: &RuleSet, explained: &Explained, colour_on: bool) -> String {
    let r = &explained.result;
    let near_misses = &explained.near_miss_lines;
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
        Status::Classified => colour(anstyle::AnsiColor::Green),
        Status::Ambiguous | Status::Unclassified => colour(anstyle::AnsiColor::Yellow),
        Status::Error => colour(anstyle::AnsiColor::Red),
    };
    line("status", paint(r.status.as_str(), status_colour, colour_on));
    line(
        "role",
        match (&r.role, &r.category) {
            (Some(role), Some(cat)) => format!("{} ({role}, {cat})", r.role_words()),
            (Some(role), None) => format!("{} ({role})", r.role_words()),
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
                "{} ({id}, {}), confidence {confidence:.2}",
                role.name, rules.categories[role.category].id
            ),
        );
        line(
            "",
            format!("  {} [glossary: {}]", role.definition, role.source),
        );
    }
    if r.declaration.umbrella_only {
        line(
            "declared role",
            format!("{} ({})", visible(&r.declared_words()), r.finding_words()),
        );
    }
    if let Some(declared) = &r.declaration.declared_role {
        let style = match r.matches_declared {
            Some(true) => colour(anstyle::AnsiColor::Green),
            _ if r.finding == Finding::Mismatch => colour(anstyle::AnsiColor::Red).bold(),
            _ => colour(anstyle::AnsiColor::Yellow),
        };
        line(
            "declared role",
            format!(
                "{} ({declared}: {})",
                visible(&r.declared_words()),
                paint(r.finding.as_str(), style, colour_on)
            ),
        );
    }
    let candidates: Vec<String> = r
        .candidates
        .iter()
        .map(|c| format!("{} {:.2} {}", c.role, c.score, c.fit.as_str()))
        .collect();
    line("candidates", candidates.join(", "));
    for (i, miss) in near_misses.iter().enumerate() {
        line(if i == 0 { "near misses" } else { "" }, miss.clone());
    }
    // The rule trace is `explain`'s (and the JSON output's): here the reasons in plain words.
    out.push_str("reasons\n");
    for reason in r.plain_reasons() {
        out.push_str(&format!("  - {}\n", visible(reason)));
    }
    if !r.warnings.is_empty() {
        out.push_str("warnings\n");
        for w in &r.warnings {
            out.push_str(&format!("  - {}\n", visible(w)));
        }
    }
    out.push_str(&text_hit_lines(&explained.record.text_hits));
    out
}
