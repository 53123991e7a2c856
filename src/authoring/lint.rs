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

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::engine::{Status, Tri, condense, evaluate_record};
use crate::facts::{Facts, Given, record_from_given};
use crate::rules::{FactId, NodeId, NodeKind, Op, RuleSet};

/// Most atoms of one list fact (2^atoms states).
const MAX_LIST_ATOMS: usize = 16;
/// Most states of one dimension.
const MAX_DIM_STATES: usize = 1 << 20;
/// Most search steps of one question before lint gives up on it.
const MAX_STEPS: usize = 2_000_000;
/// Witnesses shown for gaps.
const GAP_WITNESSES: usize = 5;

type Bits = Vec<u64>;

/// Index of the "false or unknown" set of a condition.
const NOT_TRUE: usize = 3;

fn bits_new(n: usize, all: bool) -> Bits {
    let mut b = vec![if all { u64::MAX } else { 0 }; n.div_ceil(64)];
    if all
        && !n.is_multiple_of(64)
        && let Some(last) = b.last_mut()
    {
        *last = (1u64 << (n % 64)) - 1;
    }
    b
}

fn bits_and(a: &mut Bits, b: &Bits) {
    for (x, y) in a.iter_mut().zip(b) {
        *x &= y;
    }
}

fn bits_count(b: &Bits) -> u128 {
    b.iter().map(|w| u128::from(w.count_ones())).sum()
}

fn bits_first(b: &Bits) -> Option<usize> {
    b.iter()
        .enumerate()
        .find(|(_, w)| **w != 0)
        .map(|(i, w)| i * 64 + w.trailing_zeros() as usize)
}

/// One dimension: a group of facts and the states of their product.
struct Dim {
    facts: Vec<FactId>,
    /// Per state, the value (None = unknown) of each fact of `facts`.
    states: Vec<Vec<Option<u64>>>,
    /// States where every fact is known.
    known: Bits,
}

/// The abstract space of a rule set.
struct Space {
    dims: Vec<Dim>,
    /// For each top-level condition: its dimension and the states where it is false, unknown,
    /// true (indexed by `Tri as usize`), and not true (`NOT_TRUE`).
    conditions: HashMap<NodeId, (usize, [Bits; 4])>,
    /// Facts whose states could not be enumerated.
    too_large: Vec<FactId>,
}

/// The states of one fact.
fn fact_states(rules: &RuleSet, fact: FactId) -> Option<Vec<Option<u64>>> {
    let f = &rules.facts[fact];
    let mut masks: Vec<(u64, bool)> = Vec::new();
    for node in &rules.nodes {
        if let NodeKind::Test {
            fact: nf, op, mask, ..
        } = &node.kind
            && *nf == fact
        {
            masks.push((*mask, *op == Op::HasAll));
        }
    }
    // Atoms: values grouped by the masks that contain them; values in a has_all mask alone.
    let mut atoms: Vec<(Vec<bool>, u64)> = Vec::new();
    let mut other: Option<u64> = None;
    for v in 0..f.values.len() {
        if Some(v as u8) == f.nothing {
            continue;
        }
        let bit = 1u64 << v;
        let signature: Vec<bool> = masks.iter().map(|(m, _)| m & bit != 0).collect();
        let in_has_all = masks.iter().any(|(m, all)| *all && m & bit != 0);
        if signature.iter().all(|s| !s) {
            other.get_or_insert(bit);
            continue;
        }
        match atoms
            .iter_mut()
            .find(|(s, _)| *s == signature && !in_has_all)
        {
            Some((_, bits)) => *bits |= bit,
            None => atoms.push((signature, bit)),
        }
        if in_has_all {
            // Mark this atom as closed so later values open their own.
            if let Some(last) = atoms.last_mut() {
                last.0.push(true);
            }
        }
    }
    let mut states = vec![None];
    if f.list {
        if atoms.len() > MAX_LIST_ATOMS {
            return None;
        }
        for subset in 0u64..(1u64 << atoms.len()) {
            let bits = atoms
                .iter()
                .enumerate()
                .filter(|(i, _)| subset & (1u64 << i) != 0)
                .fold(0u64, |acc, (_, (_, b))| acc | b);
            if bits != 0 {
                states.push(Some(bits));
            } else if f.nothing.is_some() {
                states.push(Some(0));
            } else if let Some(o) = other {
                states.push(Some(o));
            }
        }
    } else {
        for (_, bits) in &atoms {
            states.push(Some(1u64 << bits.trailing_zeros()));
        }
        if let Some(o) = other {
            states.push(Some(o));
        }
    }
    Some(states)
}

fn eval(rules: &RuleSet, node: NodeId, facts: &Facts) -> Tri {
    match &rules.nodes[node].kind {
        NodeKind::Test {
            fact,
            op,
            mask,
            if_known,
        } => match facts.get(*fact) {
            Some(bits) => {
                if op.holds(bits, *mask) {
                    Tri::True
                } else {
                    Tri::False
                }
            }
            None if *if_known => Tri::True,
            None => Tri::Unknown,
        },
        NodeKind::Present(f) => {
            if facts.get(*f).is_some() {
                Tri::True
            } else {
                Tri::False
            }
        }
        NodeKind::Missing(f) => {
            if facts.get(*f).is_none() {
                Tri::True
            } else {
                Tri::False
            }
        }
        NodeKind::All(parts) => parts
            .iter()
            .map(|&p| eval(rules, p, facts))
            .min()
            .unwrap_or(Tri::True),
        NodeKind::Any(parts) => parts
            .iter()
            .map(|&p| eval(rules, p, facts))
            .max()
            .unwrap_or(Tri::False),
        NodeKind::Not(part) => match eval(rules, *part, facts) {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        },
    }
}

fn build_space(rules: &RuleSet) -> Space {
    let n = rules.facts.len();
    // Union-find over facts, joined by conditions that read several.
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], x: usize) -> usize {
        let mut x = x;
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    let conjuncts: Vec<NodeId> = {
        let mut all: Vec<NodeId> = rules
            .rules
            .iter()
            .flat_map(|r| r.conjuncts.iter().copied())
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    };
    for &c in &conjuncts {
        let reads = rules.nodes[c].reads;
        let facts: Vec<usize> = (0..n).filter(|f| reads & (1u64 << f) != 0).collect();
        for w in facts.windows(2) {
            let (a, b) = (find(&mut parent, w[0]), find(&mut parent, w[1]));
            parent[a] = b;
        }
    }
    let mut groups: Vec<Vec<FactId>> = Vec::new();
    let mut group_of: HashMap<usize, usize> = HashMap::new();
    for f in 0..n {
        let root = find(&mut parent, f);
        let g = *group_of.entry(root).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[g].push(f);
    }
    let mut too_large = Vec::new();
    let mut dims = Vec::new();
    let mut dim_of_fact = vec![usize::MAX; n];
    for facts in groups {
        let per_fact: Vec<Option<Vec<Option<u64>>>> =
            facts.iter().map(|&f| fact_states(rules, f)).collect();
        let size = per_fact
            .iter()
            .map(|s| s.as_ref().map_or(usize::MAX, Vec::len))
            .fold(1usize, |a, b| a.saturating_mul(b));
        if per_fact.iter().any(Option::is_none) || size > MAX_DIM_STATES {
            too_large.extend(facts.iter().copied());
            continue;
        }
        let per_fact: Vec<Vec<Option<u64>>> =
            per_fact.into_iter().map(|s| s.expect("checked")).collect();
        let mut states = Vec::with_capacity(size);
        let mut index = vec![0usize; facts.len()];
        loop {
            states.push(
                index
                    .iter()
                    .enumerate()
                    .map(|(i, &k)| per_fact[i][k])
                    .collect::<Vec<_>>(),
            );
            let mut i = 0;
            loop {
                if i == index.len() {
                    break;
                }
                index[i] += 1;
                if index[i] < per_fact[i].len() {
                    break;
                }
                index[i] = 0;
                i += 1;
            }
            if i == index.len() {
                break;
            }
        }
        let mut known = bits_new(states.len(), false);
        for (s, values) in states.iter().enumerate() {
            if values.iter().all(Option::is_some) {
                known[s / 64] |= 1u64 << (s % 64);
            }
        }
        for &f in &facts {
            dim_of_fact[f] = dims.len();
        }
        dims.push(Dim {
            facts,
            states,
            known,
        });
    }
    let mut conditions = HashMap::new();
    for &c in &conjuncts {
        let reads = rules.nodes[c].reads;
        let Some(first) = (0..n).find(|f| reads & (1u64 << f) != 0) else {
            continue;
        };
        let d = dim_of_fact[first];
        if d == usize::MAX {
            continue;
        }
        let dim = &dims[d];
        let mut sets: [Bits; 4] = std::array::from_fn(|_| bits_new(dim.states.len(), false));
        let mut facts = Facts::unknown(rules);
        for (s, values) in dim.states.iter().enumerate() {
            for (i, &f) in dim.facts.iter().enumerate() {
                facts.values[f] = values[i];
            }
            let t = eval(rules, c, &facts);
            sets[t as usize][s / 64] |= 1u64 << (s % 64);
            if t != Tri::True {
                sets[NOT_TRUE][s / 64] |= 1u64 << (s % 64);
            }
        }
        conditions.insert(c, (d, sets));
    }
    Space {
        dims,
        conditions,
        too_large,
    }
}

/// A constraint: the state of dimension `.0` must be in `.1`.
type Constraint<'a> = (usize, &'a Bits);
/// Pick one alternative (a list of constraints) per group.
type Group<'a> = Vec<Vec<Constraint<'a>>>;

enum Answer {
    /// One state per dimension.
    Yes(Vec<usize>),
    No,
    /// The search was cut short.
    GaveUp,
}

struct Solver {
    steps: usize,
}

impl Solver {
    fn solve(
        &mut self,
        base: &[Bits],
        groups: &[Group],
        found: &mut Vec<Vec<usize>>,
        want: usize,
    ) -> Result<(), ()> {
        if found.len() >= want {
            return Ok(());
        }
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return Err(());
        }
        let Some((group, rest)) = groups.split_first() else {
            let states: Vec<usize> = base
                .iter()
                .map(|b| bits_first(b).expect("non-empty"))
                .collect();
            if !found.contains(&states) {
                found.push(states);
            }
            return Ok(());
        };
        for alternative in group {
            let mut next = base.to_vec();
            let mut ok = true;
            for &(d, set) in alternative {
                bits_and(&mut next[d], set);
                if bits_count(&next[d]) == 0 {
                    ok = false;
                    break;
                }
            }
            if ok {
                self.solve(&next, rest, found, want)?;
                if found.len() >= want {
                    return Ok(());
                }
            }
        }
        Ok(())
    }
}

fn ask(
    space: &Space,
    known_only: bool,
    groups: &[Group],
    want: usize,
) -> (Answer, Vec<Vec<usize>>) {
    let base: Vec<Bits> = space
        .dims
        .iter()
        .map(|d| {
            if known_only {
                d.known.clone()
            } else {
                bits_new(d.states.len(), true)
            }
        })
        .collect();
    let mut solver = Solver { steps: 0 };
    let mut found = Vec::new();
    match solver.solve(&base, groups, &mut found, want) {
        Err(()) if found.is_empty() => (Answer::GaveUp, found),
        _ if found.is_empty() => (Answer::No, found),
        _ => (Answer::Yes(found[0].clone()), found),
    }
}

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

fn witness(rules: &RuleSet, space: &Space, states: &[usize]) -> Witness {
    let mut facts = Vec::new();
    for (d, dim) in space.dims.iter().enumerate() {
        for (i, &f) in dim.facts.iter().enumerate() {
            if let Some(bits) = dim.states[states[d]][i] {
                let fact = &rules.facts[f];
                let text = if bits == 0 {
                    fact.nothing
                        .map(|n| fact.values[n as usize].id.clone())
                        .unwrap_or_default()
                } else {
                    rules.value_ids(f, bits, ",")
                };
                facts.push((fact.name.clone(), text));
            }
        }
    }
    let mut w = Witness {
        facts,
        status: String::new(),
        roles: Vec::new(),
    };
    let record = record_from_given(
        rules,
        &Given {
            id: "witness",
            name: None,
            declared: None,
            facts: &w.facts,
        },
    )
    .expect("witness facts are vocabulary facts");
    let eval = evaluate_record(rules, &record);
    let result = condense(rules, &record, &eval);
    w.status = result.status.as_str().to_string();
    w.roles = eval
        .chosen
        .iter()
        .map(|&r| rules.roles[r].id.clone())
        .collect();
    w
}

fn fits<'a>(rules: &RuleSet, space: &'a Space, rule: usize) -> Option<Group<'a>> {
    let mut constraints = Vec::new();
    for c in &rules.rules[rule].defining {
        let (d, sets) = space.conditions.get(c)?;
        constraints.push((*d, &sets[Tri::True as usize]));
    }
    Some(vec![constraints])
}

/// "This rule does not fit": one of its conditions is false or unknown.
fn not_fits<'a>(rules: &RuleSet, space: &'a Space, rule: usize) -> Option<Group<'a>> {
    rules.rules[rule]
        .defining
        .iter()
        .map(|c| {
            space
                .conditions
                .get(c)
                .map(|(d, sets)| vec![(*d, &sets[NOT_TRUE])])
        })
        .collect()
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

fn lint_rules(rules: &RuleSet) -> Report {
    let space = build_space(rules);
    let mut report = Report::default();
    if !space.too_large.is_empty() {
        let names: Vec<&str> = space
            .too_large
            .iter()
            .map(|&f| rules.facts[f].name.as_str())
            .collect();
        report.findings.push(Finding {
            severity: Severity::Error,
            kind: "not_checked",
            message: format!(
                "too many combinations to check the rules that read {}; no claim is made about them",
                names.join(", ")
            ),
            roles: Vec::new(),
            accepted_because: None,
            witnesses: Vec::new(),
        });
    }
    let nroles = rules.roles.len();

    // Unreachable rules and roles.
    for (ri, rule) in rules.rules.iter().enumerate() {
        let Some(group) = fits(rules, &space, ri) else {
            continue;
        };
        if let (Answer::No, _) = ask(&space, false, &[group], 1) {
            report.findings.push(Finding {
                severity: Severity::Error,
                kind: "unreachable",
                message: format!(
                    "rule {} can never fit: {}",
                    rule.id,
                    contradiction(rules, &space, ri)
                ),
                roles: Vec::new(),
                accepted_because: None,
                witnesses: Vec::new(),
            });
        }
    }
    // A role whose conditions read facts the search cannot hold (the `not_checked` finding above)
    // gets no claim at all: neither reachable nor not.
    let checkable: Vec<bool> = (0..nroles)
        .map(|r| {
            rules.roles[r]
                .rules
                .iter()
                .all(|&rule| fits(rules, &space, rule).is_some())
        })
        .collect();
    for r in (0..nroles).filter(|&r| checkable[r]) {
        let mut reachable = false;
        let mut gave_up = false;
        let mut some_rule_fits = false;
        for &rule in &rules.roles[r].rules {
            let Some(first) = fits(rules, &space, rule) else {
                continue;
            };
            if !matches!(
                ask(&space, false, std::slice::from_ref(&first), 1).0,
                Answer::No
            ) {
                some_rule_fits = true;
            }
            // Held alone first; else held in a profile with roles it can be held with.
            for alone in [true, false] {
                let mut groups = vec![first.clone()];
                for other in (0..nroles).filter(|&o| {
                    o != r && !rules.refines[r][o] && (alone || !rules.compatible[r][o])
                }) {
                    for &orule in &rules.roles[other].rules {
                        if let Some(g) = not_fits(rules, &space, orule) {
                            groups.push(g);
                        }
                    }
                }
                match ask(&space, false, &groups, 1) {
                    (Answer::Yes(states), _) => {
                        let w = witness(rules, &space, &states);
                        if w.status == Status::Classified.as_str()
                            && w.roles.contains(&rules.roles[r].id)
                        {
                            reachable = true;
                            break;
                        }
                    }
                    (Answer::GaveUp, _) => gave_up = true,
                    (Answer::No, _) => {}
                }
            }
            if reachable {
                break;
            }
        }
        if !reachable {
            report.findings.push(Finding {
                severity: Severity::Error,
                kind: if gave_up { "not_checked" } else { "unreachable" },
                message: if gave_up {
                    format!("could not decide whether role {} can be classified (search too large)", rules.roles[r].id)
                } else if !some_rule_fits {
                    format!("role {} can never be classified: none of its rules can fit", rules.roles[r].id)
                } else {
                    format!(
                        "role {} can never be classified: whenever one of its rules fits, another role that it does not refine fits too",
                        rules.roles[r].id
                    )
                },
                roles: vec![rules.roles[r].id.clone()],
                accepted_because: None,
                witnesses: Vec::new(),
            });
        }
    }

    // Overlaps: two roles that both fit while nothing that refines either fits, and that the
    // taxonomy does not let one partner hold together.
    for a in (0..nroles).filter(|&a| checkable[a]) {
        for b in (a + 1..nroles).filter(|&b| checkable[b]) {
            if rules.refines[a][b] || rules.refines[b][a] || rules.compatible[a][b] {
                continue;
            }
            let mut shown = None;
            'rules: for &ra in &rules.roles[a].rules {
                for &rb in &rules.roles[b].rules {
                    let (Some(ga), Some(gb)) = (fits(rules, &space, ra), fits(rules, &space, rb))
                    else {
                        continue;
                    };
                    let mut groups = vec![ga, gb];
                    for c in (0..nroles).filter(|&c| {
                        c != a && c != b && (rules.refines[c][a] || rules.refines[c][b])
                    }) {
                        for &crule in &rules.roles[c].rules {
                            if let Some(g) = not_fits(rules, &space, crule) {
                                groups.push(g);
                            }
                        }
                    }
                    if let (Answer::Yes(states), _) = ask(&space, false, &groups, 1) {
                        shown = Some(witness(rules, &space, &states));
                        break 'rules;
                    }
                }
            }
            if let Some(w) = shown {
                let (ida, idb) = (&rules.roles[a].id, &rules.roles[b].id);
                let accepted = rules.lint_accepts.iter().find(|acc| {
                    acc.kind == "overlap" && acc.roles.contains(ida) && acc.roles.contains(idb)
                });
                report.findings.push(Finding {
                    severity: if accepted.is_some() { Severity::Accepted } else { Severity::Warning },
                    kind: "overlap",
                    message: format!("{ida} and {idb} can both fit one record, and neither refines the other: it is ambiguous"),
                    roles: vec![ida.clone(), idb.clone()],
                    accepted_because: accepted.map(|a| a.because.clone()),
                    witnesses: vec![w],
                });
            }
        }
    }

    // A defining condition whose words hedge ("typically", "such as"): the glossary states it
    // as typical, so it should not rule the role out.
    for rule in &rules.rules {
        for &c in &rule.defining {
            let Some(says) = &rules.nodes[c].says else {
                continue;
            };
            let lower = says.to_lowercase();
            if let Some(hedge) = HEDGES.iter().find(|h| contains_words(&lower, h)) {
                report.findings.push(Finding {
                    severity: Severity::Warning,
                    kind: "hedged_defining",
                    message: format!(
                        "rule {}: a defining condition says {hedge:?} (\"{says}\"); a condition the glossary states as typical should be `grade: typical`, which never rules the role out",
                        rule.id
                    ),
                    roles: Vec::new(),
                    accepted_because: None,
                    witnesses: Vec::new(),
                });
            }
        }
    }

    // Accepted overlaps that no longer occur (the rules changed, or the pair became a
    // combination): the acceptance is stale.
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
                severity: Severity::Warning,
                kind: "stale_accept",
                message: format!(
                    "lint.accept lists an overlap of {} that no longer occurs; remove the entry",
                    accept.roles.join(" and ")
                ),
                roles: accept.roles.clone(),
                accepted_because: None,
                witnesses: Vec::new(),
            });
        }
    }

    // Combinations the taxonomy allows that no record can hold.
    for combination in &rules.combinations {
        let (a, b) = combination.roles;
        if checkable[a] && checkable[b] {
            combination_reach(rules, &space, combination.roles, &mut report);
        }
    }

    // Gaps: combinations of known facts that fit no role.
    report.gap_count = count_gaps(rules, &space);
    let mut groups = Vec::new();
    for ri in 0..rules.rules.len() {
        if let Some(g) = not_fits(rules, &space, ri) {
            groups.push(g);
        }
    }
    let (answer, found) = ask(&space, true, &groups, GAP_WITNESSES);
    if let Answer::Yes(_) = answer {
        let accepted = rules.lint_accepts.iter().find(|acc| acc.kind == "gaps");
        let witnesses: Vec<Witness> = found.iter().map(|s| witness(rules, &space, s)).collect();
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

    // Dead vocabulary: facts no rule reads, list values no condition tests.
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
    report
        .findings
        .sort_by_key(|f| std::cmp::Reverse(f.severity));
    report
}

/// Reports the allowed combination `(a, b)` when no record can hold both roles: it searches for
/// facts where a rule of each fits, no role refining either fits, and no role that cannot be
/// held with both fits; a witness found is classified to confirm it.
fn combination_reach(rules: &RuleSet, space: &Space, (a, b): (usize, usize), report: &mut Report) {
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

fn dead(rules: &RuleSet, message: String) -> Finding {
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

/// Combinations of known facts (over the abstract states) that fit no rule, by
/// inclusion-exclusion over rules; `None` when there are too many rules to do it quickly.
fn count_gaps(rules: &RuleSet, space: &Space) -> Option<(u128, u128)> {
    let n = rules.rules.len();
    if n > 20 || !space.too_large.is_empty() {
        return None;
    }
    let total: u128 = space.dims.iter().map(|d| bits_count(&d.known)).product();
    let mut no_fit: i128 = 0;
    for subset in 0u32..(1u32 << n) {
        let mut dims: Vec<Bits> = space.dims.iter().map(|d| d.known.clone()).collect();
        for (ri, rule) in rules.rules.iter().enumerate() {
            if subset & (1 << ri) == 0 {
                continue;
            }
            for c in &rule.defining {
                let (d, sets) = space.conditions.get(c)?;
                bits_and(&mut dims[*d], &sets[Tri::True as usize]);
            }
        }
        let count: u128 = dims.iter().map(bits_count).product();
        let sign: i128 = if subset.count_ones() % 2 == 0 { 1 } else { -1 };
        no_fit += sign * count as i128;
    }
    Some((no_fit.max(0) as u128, total))
}

impl Report {
    /// The report as text.
    pub fn render(&self, rules: &RuleSet) -> String {
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
                let facts: Vec<String> = w
                    .facts
                    .iter()
                    .map(|(k, v)| format!("--fact {k}={v}"))
                    .collect();
                let roles = if w.roles.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", w.roles.join(", "))
                };
                let _ = writeln!(
                    out,
                    "  witness: partner-roles check {}  =>  {}{roles}",
                    facts.join(" "),
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
