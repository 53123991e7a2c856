//! The whole trace of one record, as text: cells, facts and how each was read, every condition
//! of every rule with its outcome, the decision step by step, the near misses and the reasons.

use std::fmt::Write as _;

use crate::engine::{Explained, Status, Tri};
use crate::normalize::normalize_token;
use crate::roster::{Header, Row};
use crate::rules::{NodeId, NodeKind, RuleSet};

fn mark(t: Tri) -> &'static str {
    match t {
        Tri::True => "[true   ]",
        Tri::False => "[false  ]",
        Tri::Unknown => "[unknown]",
    }
}

fn standing(t: Tri) -> &'static str {
    match t {
        Tri::True => "FITS",
        Tri::False => "ruled out",
        Tri::Unknown => "possible",
    }
}

/// Every phrase found in a record's prose cells, one line each: how it was read (stated,
/// negated, hedged; lost to a column), the words, the values, the clause. Empty when none.
pub fn text_hit_lines(hits: &[crate::text::TextHit]) -> String {
    if hits.is_empty() {
        return String::new();
    }
    let mut out = String::from("\nText (phrases found in prose columns)\n");
    for hit in hits {
        let states: Vec<String> = hit.states.iter().map(|(f, v)| format!("{f} {v}")).collect();
        let _ = writeln!(
            out,
            "  {:<8} {:?} ({}: phrase {:?}) -> {}{}",
            hit.reading.name(),
            super::visible(&hit.words),
            super::visible(&hit.column),
            hit.phrase,
            states.join(", "),
            if hit.lost_to_column {
                "; the fact's own column wins"
            } else {
                ""
            }
        );
        let _ = writeln!(out, "           in \"{}\"", hit.snippet);
    }
    out
}

/// Everything `explain` prints about one record.
pub struct Explanation<'a> {
    /// The rule set.
    pub rules: &'a RuleSet,
    /// The roster's name, for the title.
    pub source: &'a str,
    /// The input header.
    pub header: &'a Header,
    /// For each input column, the vocabulary column it is read as (`None`: carried through),
    /// from [`crate::facts::ColumnMap::vocabulary_columns`].
    pub columns: &'a [Option<usize>],
    /// The input row.
    pub row: &'a Row,
    /// The record, evaluated, decided and explained by the engine.
    pub explained: &'a Explained<'a>,
}

impl Explanation<'_> {
    /// Renders the explanation as text: the record, its cells, its facts, every rule's
    /// conditions, the decision, the held roles, the near misses, the reasons, the warnings.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let record = self.explained.record;
        let _ = writeln!(
            out,
            "Record {}{} on {} of {}",
            record.partner_id,
            record
                .partner_name
                .as_ref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default(),
            self.header.location(record.line),
            self.source
        );
        self.cells(&mut out);
        self.facts(&mut out);
        self.rules(&mut out);
        out.push_str("\nDecision\n");
        self.decision(&mut out);
        self.held_roles(&mut out);

        out.push_str("\nNear misses (the smallest change of facts that would make it each close alternative)\n");
        if self.explained.near_misses.is_empty() {
            out.push_str("  none: no other role is close\n");
        }
        for line in &self.explained.near_miss_lines {
            let _ = writeln!(out, "  {line}");
        }

        out.push_str("\nReasons\n");
        for reason in self.explained.result.reasons() {
            let _ = writeln!(out, "  - {reason}");
        }
        if !record.warnings.is_empty() {
            out.push_str("\nWarnings\n");
            for w in &record.warnings {
                let _ = writeln!(out, "  - {w}");
            }
        }
        out
    }

    /// Each input cell with the vocabulary column it is read as.
    fn cells(&self, out: &mut String) {
        let rules = self.rules;
        out.push_str("\nCells\n");
        let width = self
            .header
            .names
            .iter()
            .map(|n| n.chars().count())
            .max()
            .unwrap_or(0);
        for (i, name) in self.header.names.iter().enumerate() {
            let cell = self.row.cell(i).unwrap_or("");
            let meaning = match self.columns.get(i).copied().flatten() {
                Some(col) if normalize_token(name) == rules.columns[col].name => String::new(),
                Some(col) => format!("  (header alias of {})", rules.columns[col].name),
                None => "  (not read: carried through)".into(),
            };
            let _ = writeln!(out, "  {name:<width$}  {cell:?}{meaning}");
        }
    }

    /// Each fact: its value, the cells it was read from, whether text gave it; the phrases
    /// found in prose; the declared role.
    fn facts(&self, out: &mut String) {
        let (rules, record) = (self.rules, self.explained.record);
        out.push_str("\nFacts\n");
        for (f, fact) in rules.facts.iter().enumerate() {
            let value = match record.facts.get(f) {
                Some(0) => fact
                    .nothing
                    .map(|n| fact.values[n as usize].id.clone())
                    .unwrap_or_else(|| "(empty)".into()),
                Some(bits) => rules.value_ids(f, bits, ", "),
                None => "unknown".into(),
            };
            let read: Vec<String> = record
                .mappings
                .iter()
                .filter(|m| m.fact == fact.name)
                .map(|m| match &m.value {
                    Some(v) if normalize_token(&m.raw) == *v => format!("{:?}", m.raw),
                    Some(v) => format!("{:?} -> {v} (synonym)", m.raw),
                    None => format!("{:?} ignored (no value means it)", m.raw),
                })
                .collect();
            let how = if read.is_empty() {
                String::new()
            } else {
                format!("  from {}", read.join(", "))
            };
            let value = if value == "unknown" && record.facts.absent(f) != 0 {
                format!("not {}", rules.value_ids(f, record.facts.absent(f), " or "))
            } else {
                value
            };
            let text = if record.facts.from_text & (1u64 << f) != 0 {
                "  (read from text)"
            } else {
                ""
            };
            let _ = writeln!(out, "  {:<12} {value:<28}{how}{text}", fact.name);
        }
        out.push_str(&text_hit_lines(&record.text_hits));
        if let Some(text) = &record.declared_text {
            let roles: Vec<&str> = rules.role_ids_of(record.declared_roles).collect();
            let roles = if roles.is_empty() {
                "no known role".to_string()
            } else {
                roles.join(", ")
            };
            let _ = writeln!(out, "  {:<12} {text:?} -> {roles}", "declared");
        }
    }

    /// Every role with its standing, and every condition of its rules with its outcome.
    fn rules(&self, out: &mut String) {
        let (rules, eval) = (self.rules, &self.explained.evaluation);
        out.push_str("\nRules (every condition with its outcome)\n");
        for (r, role) in rules.roles.iter().enumerate() {
            let result = eval.roles[r];
            let _ = writeln!(
                out,
                "  {} ({}): {}, score {:.2}",
                role.id,
                rules.categories[role.category].id,
                standing(result.state),
                result.score
            );
            for &rule_id in &role.rules {
                let rule = &rules.rules[rule_id];
                let _ = writeln!(out, "    rule {} {}", rule.id, mark(eval.trace[rule.root]));
                for &c in &rule.conjuncts {
                    self.node(out, c, 3);
                }
            }
        }
    }

    fn node(&self, out: &mut String, node: NodeId, depth: usize) {
        let rules = self.rules;
        let n = &rules.nodes[node];
        let indent = "  ".repeat(depth);
        let outcome = mark(self.explained.evaluation.trace[node]);
        let says = n
            .says
            .as_ref()
            .map(|s| format!("  -- \"{s}\""))
            .unwrap_or_default();
        match &n.kind {
            NodeKind::All(parts) | NodeKind::Any(parts) => {
                let word = if matches!(n.kind, NodeKind::All(_)) {
                    "all of"
                } else {
                    "any of"
                };
                let _ = writeln!(out, "{indent}{outcome} {word}{says}");
                for &p in parts {
                    self.node(out, p, depth + 1);
                }
            }
            NodeKind::Not(part) => {
                let _ = writeln!(out, "{indent}{outcome} not{says}");
                self.node(out, *part, depth + 1);
            }
            _ => {
                let text = rules.describe_node(node);
                let text = match &n.says {
                    Some(s) => text.replace(&format!(" (\"{s}\")"), ""),
                    None => text,
                };
                let _ = writeln!(out, "{indent}{outcome} {text}{says}");
            }
        }
    }

    /// One section per held role: category, its own confidence, the rule that fits, the
    /// definition.
    fn held_roles(&self, out: &mut String) {
        let (rules, eval) = (self.rules, &self.explained.evaluation);
        if eval.status != Status::Classified {
            return;
        }
        out.push_str("\nHeld roles\n");
        for (&r, confidence) in eval.chosen.iter().zip(&eval.role_confidence) {
            let role = &rules.roles[r];
            let _ = writeln!(
                out,
                "  {} ({}): confidence {confidence:.2}, by rule {}",
                role.id, rules.categories[role.category].id, rules.rules[eval.roles[r].rule].id
            );
            let _ = writeln!(out, "    {} [glossary: {}]", role.definition, role.source);
        }
    }

    fn decision(&self, out: &mut String) {
        let (rules, eval) = (self.rules, &self.explained.evaluation);
        let ids = |list: &mut dyn Iterator<Item = usize>| {
            list.map(|r| rules.roles[r].id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if self.explained.record.problem.is_some() {
            out.push_str("  1. The row could not be read: error.\n");
            return;
        }
        let n = rules.roles.len();
        let fits = ids(&mut (0..n).filter(|&r| eval.roles[r].state == Tri::True));
        let possible = ids(&mut (0..n).filter(|&r| eval.roles[r].state == Tri::Unknown));
        let ruled = (0..n)
            .filter(|&r| eval.roles[r].state == Tri::False)
            .count();
        let none = |s: String| if s.is_empty() { "none".to_string() } else { s };
        let _ = writeln!(
            out,
            "  1. Fit: {}. Possible: {}. Ruled out: {ruled} of {n} roles.",
            none(fits),
            none(possible)
        );
        let mut step = 2;
        for (r, by) in &self.explained.refinements {
            let r = *r;
            let by: Vec<&str> = by.iter().map(|&c| rules.roles[c].id.as_str()).collect();
            let _ = writeln!(
                out,
                "  {step}. {} refines {} (its conditions include all of {}'s), so {} is set aside.",
                by.join(", "),
                rules.roles[r].id,
                rules.roles[r].id,
                rules.roles[r].id
            );
            step += 1;
        }
        let chosen = ids(&mut eval.chosen.iter().copied());
        let verdict = match eval.status {
            Status::Classified if eval.chosen.len() == 1 => {
                format!("One role is left: classified as {chosen}.")
            }
            Status::Classified => format!(
                "{} roles are left ({chosen}), and the taxonomy lets one partner hold each pair of them: classified as the profile {}.",
                eval.chosen.len(),
                ids(&mut eval.chosen.iter().copied()).replace(", ", "+")
            ),
            Status::Ambiguous => format!(
                "{} roles are left ({chosen}), none refines another, and the taxonomy lets no partner hold {}: ambiguous.",
                eval.chosen.len(),
                eval.conflicts
                    .iter()
                    .map(|&(a, b)| format!("{} with {}", rules.roles[a].id, rules.roles[b].id))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
            Status::Unclassified => "No role fits: unclassified.".into(),
            Status::Error => "error".into(),
        };
        let _ = writeln!(out, "  {step}. {verdict}");
        step += 1;
        if matches!(eval.status, Status::Classified | Status::Ambiguous) {
            let each: Vec<String> = self
                .explained
                .confidences
                .iter()
                .map(|c| {
                    format!(
                        "{} {:.2} ({} of {} weighted conditions hold on known facts)",
                        rules.roles[c.role].id, c.confidence, c.holding, c.total
                    )
                })
                .collect();
            let divided = match eval.status {
                Status::Ambiguous => format!(", divided by the {} tied roles", eval.divisor),
                _ if eval.divisor > 1.0 => format!(
                    ", divided by {} (one plus the {} roles still possible that could not be held beside it)",
                    eval.divisor,
                    eval.divisor - 1.0
                ),
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "  {step}. Confidence {:.2}: the weakest of {}{divided}. A condition weighs 1 (defining) or 0.5 (typical) and counts when it holds on given facts.",
                eval.confidence,
                each.join(", ")
            );
        } else {
            let _ = writeln!(out, "  {step}. Confidence 0.00: no role was decided.");
        }
    }
}
