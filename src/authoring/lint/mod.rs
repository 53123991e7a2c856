//! `rules lint`: static analysis of a rule set over its own finite vocabulary.
//!
//! The analysis is exact, over an abstract state space that loses nothing the rules can see:
//! - For each fact, values are grouped into atoms by which condition masks contain them (values
//!   in a `has_all` mask are split apart), so two inputs with the same atoms give every
//!   condition the same outcome. A one-valued fact's states are "unknown" and one value per
//!   atom; a list fact's are "unknown" and every set of atoms (the empty set written as its
//!   `none` value, or as a value no rule reads).
//! - Facts that one condition reads together (an `any` over two facts) form one dimension whose
//!   states are the product of theirs. Each top-level condition gets three bitsets over its
//!   dimension: the states where it is true, false, unknown.
//! - A question ("can roles A and B both fit while nothing refines them?") is a list of groups
//!   of alternatives of constraints on dimensions; a depth-first search picks one alternative
//!   per group and prunes as soon as a dimension has no state left. The gap count uses
//!   inclusion-exclusion over rules.
//!
//! Every witness is turned into a real roster row and classified by the real engine; the
//! finding is only reported as the engine reproduces it. When a space is too large to
//! enumerate, lint says it did not check, rather than claiming there is no problem.

mod findings;
mod search;
mod space;

use std::fmt::Write as _;

use crate::rules::RuleSet;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Documented and accepted by the rule set's `lint.accept`.
    Accepted,
    /// Worth a look; fails only with `--deny warnings`.
    Warning,
    /// A rule or role that can never apply, or an analysis that could not be completed.
    Error,
}

/// One finding, with the witness rows that reproduce it.
#[derive(Debug, Clone)]
pub struct Finding {
    /// error, warning or accepted.
    pub severity: Severity,
    /// overlap, unreachable, gaps, dead_vocabulary, not_checked.
    pub kind: &'static str,
    /// What was found.
    pub message: String,
    /// The roles the finding is about (the two of an overlap, the one that is unreachable).
    pub roles: Vec<String>,
    /// Why it is accepted, when it is.
    pub accepted_because: Option<String>,
    /// Real inputs that show it: (fact, cell text) pairs, and what the engine made of them.
    pub witnesses: Vec<Witness>,
}

/// A real input that shows a finding.
#[derive(Debug, Clone)]
pub struct Witness {
    /// (fact, cell text) pairs; facts not listed are empty.
    pub facts: Vec<(String, String)>,
    /// The engine's status on it.
    pub status: String,
    /// The engine's role or tied roles on it.
    pub roles: Vec<String>,
}

/// The result of linting a rule set.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Every finding, errors first.
    pub findings: Vec<Finding>,
    /// (combinations of known facts with no role, all combinations), when counted.
    pub gap_count: Option<(u128, u128)>,
}

impl Report {
    /// Findings of a severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

/// Lints `rules`.
pub fn lint(rules: &RuleSet) -> Report {
    lint_with_tests(rules, None)
}

/// Like [`lint`], with the phrases the rule tests exercised (`exercised[n]` for phrase `n` of
/// the `text:` section), so that phrases no test uses are reported too.
pub fn lint_with_tests(rules: &RuleSet, exercised: Option<&[bool]>) -> Report {
    let mut report = lint_rules(rules);
    report
        .findings
        .extend(super::phrases::lint_phrases(rules, exercised));
    report
        .findings
        .sort_by_key(|f| std::cmp::Reverse(f.severity));
    report
}

/// Every analysis of the rules, in the order its findings are listed before sorting by
/// severity: the state space too large, unreachable rules and roles, overlaps, hedged defining
/// conditions, stale acceptances, unreachable combinations, gaps, dead vocabulary.
fn lint_rules(rules: &RuleSet) -> Report {
    let space = space::build_space(rules);
    let mut report = Report::default();
    findings::not_checked(rules, &space, &mut report);
    findings::unreachable_rules(rules, &space, &mut report);
    let checkable = findings::checkable_roles(rules, &space);
    findings::unreachable_roles(rules, &space, &checkable, &mut report);
    findings::overlaps(rules, &space, &checkable, &mut report);
    findings::hedged_defining(rules, &mut report);
    findings::stale_accepts(rules, &checkable, &mut report);
    for combination in &rules.combinations {
        let (a, b) = combination.roles;
        if checkable[a] && checkable[b] {
            findings::combination_reach(rules, &space, combination.roles, &mut report);
        }
    }
    findings::gaps(rules, &space, &mut report);
    findings::dead_vocabulary(rules, &mut report);
    report
        .findings
        .sort_by_key(|f| std::cmp::Reverse(f.severity));
    report
}

impl Report {
    /// The report as text. Each witness is a `check` command that reproduces it when pasted
    /// into a shell: with `--rules` and the rule set's path when it is not the built-in one,
    /// every word quoted where the shell would read it otherwise.
    pub fn render(&self, rules: &RuleSet, rules_path: Option<&std::path::Path>) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "lint {} ({}): {} roles, {} rules, {} facts",
            rules.name(),
            rules.origin(),
            rules.roles.len(),
            rules.rules.len(),
            rules.facts.len()
        );
        for f in &self.findings {
            let label = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Accepted => "accepted",
            };
            let _ = writeln!(out, "\n{label}[{}]: {}", f.kind, f.message);
            if let Some(because) = &f.accepted_because {
                let _ = writeln!(out, "  accepted because: {because}");
            }
            for w in &f.witnesses {
                let mut words: Vec<String> = Vec::new();
                if let Some(path) = rules_path {
                    words.push("--rules".into());
                    words.push(shell_word(&path.to_string_lossy()));
                }
                for (k, v) in &w.facts {
                    words.push("--fact".into());
                    words.push(shell_word(&format!("{k}={v}")));
                }
                let roles = if w.roles.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", w.roles.join(", "))
                };
                let _ = writeln!(
                    out,
                    "  witness: partner-roles check {}  =>  {}{roles}",
                    words.join(" "),
                    w.status
                );
            }
        }
        let _ = writeln!(
            out,
            "\n{} errors, {} warnings, {} accepted",
            self.count(Severity::Error),
            self.count(Severity::Warning),
            self.count(Severity::Accepted)
        );
        out
    }
}

/// `word` as a POSIX shell reads it back: as it is when it holds only characters the shell
/// takes literally, else in single quotes (a quote inside written as `'\''`).
fn shell_word(word: &str) -> String {
    let literal = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-./=:,+@%".contains(&b));
    if literal {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}
