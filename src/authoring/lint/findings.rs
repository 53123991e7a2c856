//! The analyses of `rules lint`, each adding its findings to the report: questions asked of the
//! state space, every witness classified by the engine.

use std::collections::HashMap;

use super::search::{Answer, ask, count_gaps, fits, not_fits, witness};
use super::space::{Bits, Space, bits_and, bits_count, bits_new};
use super::{Finding, Report, Severity, Witness};
use crate::engine::{Status, Tri};
use crate::rules::{NodeId, NodeKind, RuleSet};

/// Witnesses shown for gaps.
const GAP_WITNESSES: usize = 5;

/// A finding with no roles, acceptance or witnesses.
fn plain(severity: Severity, kind: &'static str, message: String) -> Finding {
    Finding {
        severity,
        kind,
        message,
        roles: Vec::new(),
        accepted_because: None,
        witnesses: Vec::new(),
    }
}

/// Facts whose states are too many to enumerate: no claim about the rules that read them.
pub(super) fn not_checked(rules: &RuleSet, space: &Space, report: &mut Report) {
    if space.too_large.is_empty() {
        return;
    }
    let names: Vec<&str> = space
        .too_large
        .iter()
        .map(|&f| rules.facts[f].name.as_str())
        .collect();
    report.findings.push(plain(
        Severity::Error,
        "not_checked",
        format!(
            "too many combinations to check the rules that read {}; no claim is made about them",
            names.join(", ")
        ),
    ));
}

/// Rules that can never fit.
pub(super) fn unreachable_rules(rules: &RuleSet, space: &Space, report: &mut Report) {
    for (ri, rule) in rules.rules.iter().enumerate() {
        let Some(group) = fits(rules, space, ri) else {
            continue;
        };
        if let (Answer::No, _) = ask(space, false, &[group], 1) {
            report.findings.push(plain(
                Severity::Error,
                "unreachable",
                format!(
                    "rule {} can never fit: {}",
                    rule.id,
                    contradiction(rules, space, ri)
                ),
            ));
        }
    }
}

/// For each role, whether the search can hold every fact its rules read. A role whose
/// conditions read facts the search cannot hold (the `not_checked` finding) gets no claim at
/// all: neither reachable nor not.
pub(super) fn checkable_roles(rules: &RuleSet, space: &Space) -> Vec<bool> {
    (0..rules.roles.len())
        .map(|r| {
            rules.roles[r]
                .rules
                .iter()
                .all(|&rule| fits(rules, space, rule).is_some())
        })
        .collect()
}

/// Roles that can never be classified: no rule of theirs fits, or whenever one does another
/// role fits that they cannot be held with.
pub(super) fn unreachable_roles(
    rules: &RuleSet,
    space: &Space,
    checkable: &[bool],
    report: &mut Report,
) {
    for r in (0..rules.roles.len()).filter(|&r| checkable[r]) {
        let reach = role_reach(rules, space, r);
        if reach.reachable {
            continue;
        }
        let id = &rules.roles[r].id;
        report.findings.push(Finding {
            roles: vec![id.clone()],
            ..plain(
                Severity::Error,
                if reach.gave_up { "not_checked" } else { "unreachable" },
                if reach.gave_up {
                    format!("could not decide whether role {id} can be classified (search too large)")
                } else if !reach.some_rule_fits {
                    format!("role {id} can never be classified: none of its rules can fit")
                } else {
                    format!(
                        "role {id} can never be classified: whenever one of its rules fits, another role that it does not refine fits too"
                    )
                },
            )
        });
    }
}

/// What the search found about one role.
struct Reach {
    reachable: bool,
    gave_up: bool,
    some_rule_fits: bool,
}

/// Searches for facts where a rule of role `r` fits and the engine classifies the record with
/// `r` held: alone first, else in a profile with roles it can be held with.
fn role_reach(rules: &RuleSet, space: &Space, r: usize) -> Reach {
    let nroles = rules.roles.len();
    let mut reach = Reach {
        reachable: false,
        gave_up: false,
        some_rule_fits: false,
    };
    for &rule in &rules.roles[r].rules {
        let Some(first) = fits(rules, space, rule) else {
            continue;
        };
        if !matches!(
            ask(space, false, std::slice::from_ref(&first), 1).0,
            Answer::No
        ) {
            reach.some_rule_fits = true;
        }
        for alone in [true, false] {
            let mut groups = vec![first.clone()];
            for other in (0..nroles)
                .filter(|&o| o != r && !rules.refines[r][o] && (alone || !rules.compatible[r][o]))
            {
                for &orule in &rules.roles[other].rules {
                    if let Some(g) = not_fits(rules, space, orule) {
                        groups.push(g);
                    }
                }
            }
            match ask(space, false, &groups, 1) {
                (Answer::Yes(states), _) => {
                    let w = witness(rules, space, &states);
                    if w.status == Status::Classified.as_str()
                        && w.roles.contains(&rules.roles[r].id)
                    {
                        reach.reachable = true;
                        return reach;
                    }
                }
                (Answer::GaveUp, _) => reach.gave_up = true,
                (Answer::No, _) => {}
            }
        }
    }
    reach
}

/// Two roles that both fit while nothing that refines either fits, and that the taxonomy does
/// not let one partner hold together.
pub(super) fn overlaps(rules: &RuleSet, space: &Space, checkable: &[bool], report: &mut Report) {
    let nroles = rules.roles.len();
    for a in (0..nroles).filter(|&a| checkable[a]) {
        for b in (a + 1..nroles).filter(|&b| checkable[b]) {
            if rules.refines[a][b] || rules.refines[b][a] || rules.compatible[a][b] {
                continue;
            }
            let Some(w) = overlap_witness(rules, space, a, b) else {
                continue;
            };
            let (ida, idb) = (&rules.roles[a].id, &rules.roles[b].id);
            let accepted = rules.lint_accepts.iter().find(|acc| {
                acc.kind == "overlap" && acc.roles.contains(ida) && acc.roles.contains(idb)
            });
            report.findings.push(Finding {
                severity: if accepted.is_some() {
                    Severity::Accepted
                } else {
                    Severity::Warning
                },
                kind: "overlap",
                message: format!(
                    "{ida} and {idb} can both fit one record, and neither refines the other: it is ambiguous"
                ),
                roles: vec![ida.clone(), idb.clone()],
                accepted_because: accepted.map(|a| a.because.clone()),
                witnesses: vec![w],
            });
        }
    }
}

/// Facts where a rule of `a` and a rule of `b` fit and no role refining either fits.
fn overlap_witness(rules: &RuleSet, space: &Space, a: usize, b: usize) -> Option<Witness> {
    let nroles = rules.roles.len();
    for &ra in &rules.roles[a].rules {
        for &rb in &rules.roles[b].rules {
            let (Some(ga), Some(gb)) = (fits(rules, space, ra), fits(rules, space, rb)) else {
                continue;
            };
            let mut groups = vec![ga, gb];
            for c in (0..nroles)
                .filter(|&c| c != a && c != b && (rules.refines[c][a] || rules.refines[c][b]))
            {
                for &crule in &rules.roles[c].rules {
                    if let Some(g) = not_fits(rules, space, crule) {
                        groups.push(g);
                    }
                }
            }
            if let (Answer::Yes(states), _) = ask(space, false, &groups, 1) {
                return Some(witness(rules, space, &states));
            }
        }
    }
    None
}

/// A defining condition whose words hedge ("typically", "such as"): the glossary states it as
/// typical, so it should not rule the role out.
pub(super) fn hedged_defining(rules: &RuleSet, report: &mut Report) {
    for rule in &rules.rules {
        for &c in &rule.defining {
            let Some(says) = &rules.nodes[c].says else {
                continue;
            };
            let lower = says.to_lowercase();
            if let Some(hedge) = HEDGES.iter().find(|h| contains_words(&lower, h)) {
                report.findings.push(plain(
                    Severity::Warning,
                    "hedged_defining",
                    format!(
                        "rule {}: a defining condition says {hedge:?} (\"{says}\"); a condition the glossary states as typical should be `grade: typical`, which never rules the role out",
                        rule.id
                    ),
                ));
            }
        }
    }
}

/// Accepted overlaps that no longer occur (the rules changed, or the pair became a
/// combination): the acceptance is stale.
pub(super) fn stale_accepts(rules: &RuleSet, checkable: &[bool], report: &mut Report) {
    let checked = |id: &String| rules.role_by_id(id).is_some_and(|r| checkable[r]);
    for accept in rules
        .lint_accepts
        .iter()
        .filter(|a| a.kind == "overlap" && a.roles.iter().all(checked))
    {
        let found = report
            .findings
            .iter()
            .any(|f| f.kind == "overlap" && accept.roles.iter().all(|r| f.roles.contains(r)));
        if !found {
            report.findings.push(Finding {
                roles: accept.roles.clone(),
                ..plain(
                    Severity::Warning,
                    "stale_accept",
                    format!(
                        "lint.accept lists an overlap of {} that no longer occurs; remove the entry",
                        accept.roles.join(" and ")
                    ),
                )
            });
        }
    }
}

/// Gaps: combinations of known facts that fit no role, counted, with a few witnesses.
pub(super) fn gaps(rules: &RuleSet, space: &Space, report: &mut Report) {
    report.gap_count = count_gaps(rules, space);
    let groups: Vec<_> = (0..rules.rules.len())
        .filter_map(|ri| not_fits(rules, space, ri))
        .collect();
    let (answer, found) = ask(space, true, &groups, GAP_WITNESSES);
    let Answer::Yes(_) = answer else {
        return;
    };
    let accepted = rules.lint_accepts.iter().find(|acc| acc.kind == "gaps");
    let witnesses: Vec<Witness> = found.iter().map(|s| witness(rules, space, s)).collect();
    let count = match report.gap_count {
        Some((gaps, total)) => {
            format!("{gaps} of the {total} combinations of known facts the rules tell apart")
        }
        None => "some combinations of known facts".to_string(),
    };
    report.findings.push(Finding {
        severity: if accepted.is_some() {
            Severity::Accepted
        } else {
            Severity::Warning
        },
        kind: "gaps",
        message: format!("{count} fit no role (they are unclassified)"),
        roles: Vec::new(),
        accepted_because: accepted.map(|a| a.because.clone()),
        witnesses,
    });
}

/// Dead vocabulary: facts no rule reads, list values no condition tests.
pub(super) fn dead_vocabulary(rules: &RuleSet, report: &mut Report) {
    let read = rules.rules.iter().fold(0u64, |acc, r| acc | r.reads);
    for (f, fact) in rules.facts.iter().enumerate() {
        if read & (1u64 << f) == 0 {
            report.findings.push(dead(
                rules,
                format!("fact {} is read by no rule", fact.name),
            ));
            continue;
        }
        if !fact.list {
            continue;
        }
        let tested = rules.nodes.iter().fold(0u64, |acc, n| match &n.kind {
            NodeKind::Test { fact: nf, mask, .. } if *nf == f => acc | mask,
            _ => acc,
        });
        let unread: Vec<&str> = fact
            .values
            .iter()
            .enumerate()
            .filter(|(v, _)| Some(*v as u8) != fact.nothing && tested & (1u64 << v) == 0)
            .map(|(_, v)| v.id.as_str())
            .collect();
        if !unread.is_empty() {
            report.findings.push(dead(
                rules,
                format!(
                    "values of {} that no condition tests: {}",
                    fact.name,
                    unread.join(", ")
                ),
            ));
        }
    }
}

/// Words that say a condition is typical rather than defining.
const HEDGES: &[&str] = &[
    "typically",
    "usually",
    "often",
    "such as",
    "for example",
    "generally",
    "commonly",
    "mostly",
    "as a rule",
];

/// Whether `text` holds `words` as whole words.
fn contains_words(text: &str, words: &str) -> bool {
    text.match_indices(words).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + words.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// Reports the allowed combination `(a, b)` when no record can hold both roles: it searches for
/// facts where a rule of each fits, no role refining either fits, and no role that cannot be
/// held with both fits; a witness found is classified to confirm it.
pub(super) fn combination_reach(
    rules: &RuleSet,
    space: &Space,
    (a, b): (usize, usize),
    report: &mut Report,
) {
    let nroles = rules.roles.len();
    let (ida, idb) = (&rules.roles[a].id, &rules.roles[b].id);
    if rules.refines[a][b] || rules.refines[b][a] {
        let (specific, general) = if rules.refines[a][b] {
            (ida, idb)
        } else {
            (idb, ida)
        };
        report.findings.push(Finding {
            severity: Severity::Warning,
            kind: "unreachable_combination",
            message: format!(
                "the taxonomy lets one partner hold {ida} and {idb}, but {specific} refines {general}: a record that fits both holds only {specific}; remove the combination"
            ),
            roles: vec![ida.clone(), idb.clone()],
            accepted_because: None,
            witnesses: Vec::new(),
        });
        return;
    }
    let mut gave_up = false;
    for &ra in &rules.roles[a].rules {
        for &rb in &rules.roles[b].rules {
            let (Some(ga), Some(gb)) = (fits(rules, space, ra), fits(rules, space, rb)) else {
                gave_up = true;
                continue;
            };
            let mut groups = vec![ga, gb];
            for c in (0..nroles).filter(|&c| {
                let refined = rules.refines[a][c] || rules.refines[b][c];
                let refining = rules.refines[c][a] || rules.refines[c][b];
                c != a
                    && c != b
                    && !refined
                    && (refining || !(rules.compatible[a][c] && rules.compatible[b][c]))
            }) {
                for &crule in &rules.roles[c].rules {
                    if let Some(g) = not_fits(rules, space, crule) {
                        groups.push(g);
                    }
                }
            }
            match ask(space, false, &groups, 1) {
                (Answer::Yes(states), _) => {
                    let w = witness(rules, space, &states);
                    if w.status == Status::Classified.as_str()
                        && w.roles.contains(ida)
                        && w.roles.contains(idb)
                    {
                        return;
                    }
                    gave_up = true;
                }
                (Answer::GaveUp, _) => gave_up = true,
                (Answer::No, _) => {}
            }
        }
    }
    report.findings.push(Finding {
        severity: Severity::Warning,
        kind: if gave_up { "not_checked" } else { "unreachable_combination" },
        message: if gave_up {
            format!("could not decide whether one record can hold both {ida} and {idb} (search too large)")
        } else {
            format!(
                "the taxonomy lets one partner hold {ida} and {idb}, but no record can: whenever both fit, a role that refines one of them, or one that cannot be held with them, fits too, or their conditions contradict each other"
            )
        },
        roles: vec![ida.clone(), idb.clone()],
        accepted_because: None,
        witnesses: Vec::new(),
    });
}

pub(super) fn dead(rules: &RuleSet, message: String) -> Finding {
    let accepted = rules
        .lint_accepts
        .iter()
        .find(|acc| acc.kind == "dead_vocabulary");
    Finding {
        severity: if accepted.is_some() {
            Severity::Accepted
        } else {
            Severity::Warning
        },
        kind: "dead_vocabulary",
        message,
        roles: Vec::new(),
        accepted_because: accepted.map(|a| a.because.clone()),
        witnesses: Vec::new(),
    }
}

/// Why a rule cannot fit: the dimension whose conditions leave no state, and those conditions.
fn contradiction(rules: &RuleSet, space: &Space, rule: usize) -> String {
    let mut per_dim: HashMap<usize, (Bits, Vec<NodeId>)> = HashMap::new();
    for c in &rules.rules[rule].defining {
        let Some((d, sets)) = space.conditions.get(c) else {
            continue;
        };
        let entry = per_dim
            .entry(*d)
            .or_insert_with(|| (bits_new(space.dims[*d].states.len(), true), Vec::new()));
        bits_and(&mut entry.0, &sets[Tri::True as usize]);
        entry.1.push(*c);
    }
    per_dim
        .values()
        .find(|(b, _)| bits_count(b) == 0)
        .map(|(_, nodes)| {
            let parts: Vec<String> = nodes.iter().map(|&n| rules.describe_node(n)).collect();
            format!("no input satisfies all of: {}", parts.join("; "))
        })
        .unwrap_or_else(|| "its conditions contradict each other".into())
}
