//! Rules and their conditions: `extends` resolved in dependency order, every condition
//! checked against the vocabulary and flattened into the node arena (children before parents).

use std::collections::{HashMap, HashSet};

use super::taxonomy::unknown_role;
use super::{MAX_DEPTH, MAX_EXTENDS, did_you_mean, suggest_value};
use crate::error::Problem;
use crate::normalize::normalize_token;
use crate::rules::model::{ConditionDef, RuleDef};
use crate::rules::{Fact, FactId, Node, NodeId, NodeKind, Op, Rule, RuleSet, problem};

pub(super) fn compile_rules(
    set: &mut RuleSet,
    defs: Vec<(&str, usize, RuleDef)>,
    problems: &mut Vec<Problem>,
) {
    // Rules may extend rules defined later, so resolve `extends` in dependency order.
    let by_id: HashMap<&str, usize> = defs
        .iter()
        .enumerate()
        .rev()
        .map(|(i, (_, _, r))| (r.id.as_str(), i))
        .collect();
    let mut compiled: Vec<Option<usize>> = vec![None; defs.len()];
    let mut seen = HashSet::new();
    for (file, index, def) in &defs {
        if !seen.insert(def.id.as_str()) {
            problems.push(
                problem(
                    file,
                    format!("rules[{index}].id"),
                    format!("duplicate rule id `{}`", def.id),
                )
                .with_help("give every rule its own id".into()),
            );
        }
    }
    for i in 0..defs.len() {
        let mut chain = Vec::new();
        compile_rule(set, &defs, &by_id, i, &mut compiled, &mut chain, problems);
    }
}

#[allow(clippy::too_many_arguments)]
fn compile_rule(
    set: &mut RuleSet,
    defs: &[(&str, usize, RuleDef)],
    by_id: &HashMap<&str, usize>,
    i: usize,
    compiled: &mut Vec<Option<usize>>,
    chain: &mut Vec<usize>,
    problems: &mut Vec<Problem>,
) -> Option<usize> {
    if let Some(done) = compiled[i] {
        return Some(done);
    }
    let (file, index, def) = &defs[i];
    let at = format!("rules[{index}]");
    if chain.contains(&i) {
        problems.push(problem(
            file,
            format!("{at}.extends"),
            format!("rule `{}` extends itself through a cycle of rules", def.id),
        ));
        return None;
    }
    if extends_depth(defs, by_id, i) > MAX_EXTENDS {
        problems.push(problem(
            file,
            format!("{at}.extends"),
            format!(
                "rule `{}` is more than {MAX_EXTENDS} rules down a chain of `extends`; extend a rule that extends few others",
                def.id
            ),
        ));
        return None;
    }
    chain.push(i);
    let mut conjuncts = Vec::new();
    if let Some(base) = &def.extends {
        match by_id.get(base.as_str()) {
            Some(&b) => {
                let base_rule = compile_rule(set, defs, by_id, b, compiled, chain, problems)?;
                conjuncts.extend(set.rules[base_rule].conjuncts.iter().copied());
            }
            None => {
                problems.push(
                    problem(
                        file,
                        format!("{at}.extends"),
                        format!(
                            "rule `{}` extends `{base}`, but no rule has that id",
                            def.id
                        ),
                    )
                    .with_help("`extends` names the id of another rule".into()),
                );
            }
        }
    }
    chain.pop();
    let role = set.roles.iter().position(|r| r.id == def.role);
    if role.is_none() {
        problems.push(unknown_role(
            set,
            file,
            format!("{at}.role"),
            format!("rule `{}` concludes unknown role `{}`", def.id, def.role),
            &def.role,
        ));
    }
    let own = compile_condition(set, &def.when, file, &format!("{at}.when"), 0, problems)?;
    match &set.nodes[own].kind {
        NodeKind::All(children) if set.nodes[own].says.is_none() => {
            conjuncts.extend(children.iter().copied())
        }
        _ => conjuncts.push(own),
    }
    let id = push_rule(set, def, file, &at, conjuncts, role, problems)?;
    compiled[i] = Some(id);
    Some(id)
}

/// How many rules down a chain of `extends` rule `i` is. The walk stops past the limit, and at
/// a cycle (0: the caller names the cycle).
fn extends_depth(defs: &[(&str, usize, RuleDef)], by_id: &HashMap<&str, usize>, i: usize) -> usize {
    let mut depth = 0;
    let mut walked = vec![i];
    let mut base = defs[i].2.extends.as_deref();
    while let Some(&b) = base.and_then(|b| by_id.get(b)) {
        if walked.contains(&b) {
            return 0;
        }
        walked.push(b);
        depth += 1;
        if depth > MAX_EXTENDS {
            break;
        }
        base = defs[b].2.extends.as_deref();
    }
    depth
}

/// Adds the rule of `role` with these top-level conditions: it fits when its defining ones
/// hold (typical ones only weigh). A rule with only typical conditions is a problem.
fn push_rule(
    set: &mut RuleSet,
    def: &RuleDef,
    file: &str,
    at: &str,
    conjuncts: Vec<NodeId>,
    role: Option<usize>,
    problems: &mut Vec<Problem>,
) -> Option<usize> {
    let reads = conjuncts.iter().fold(0, |acc, &n| acc | set.nodes[n].reads);
    let defining: Vec<NodeId> = conjuncts
        .iter()
        .copied()
        .filter(|&n| !set.nodes[n].typical)
        .collect();
    if defining.is_empty() {
        let mut p = problem(
            file,
            format!("{at}.when"),
            format!("rule `{}` has only typical conditions", def.id),
        );
        p.help =
            "a rule needs at least one defining condition: what the role is or never does".into();
        problems.push(p);
        return None;
    }
    let root = push_node(
        set,
        Node {
            kind: NodeKind::All(defining.clone()),
            says: None,
            typical: false,
            cites: None,
            reads,
        },
    );
    let role = role?;
    let id = set.rules.len();
    set.rules.push(Rule {
        id: def.id.clone(),
        source: def.source.clone(),
        root,
        conjuncts,
        defining,
        reads,
    });
    set.roles[role].rules.push(id);
    Some(id)
}

fn push_node(set: &mut RuleSet, node: Node) -> NodeId {
    set.nodes.push(node);
    set.nodes.len() - 1
}

fn compile_condition(
    set: &mut RuleSet,
    def: &ConditionDef,
    file: &str,
    at: &str,
    depth: usize,
    problems: &mut Vec<Problem>,
) -> Option<NodeId> {
    if depth > MAX_DEPTH {
        problems.push(problem(
            file,
            at,
            format!("conditions nested deeper than {MAX_DEPTH}"),
        ));
        return None;
    }
    if !has_one_form(def, file, at, problems) {
        return None;
    }
    if def.if_known && def.fact.is_none() {
        problems.push(problem(file, at, "`if_known` goes with a `fact` test"));
    }
    let kind = if let Some(parts) = def.all.as_ref().or(def.any.as_ref()) {
        compile_parts(set, parts, def.all.is_some(), file, at, depth, problems)?
    } else if let Some(part) = &def.not {
        let child = compile_condition(set, part, file, &format!("{at}.not"), depth + 1, problems)?;
        NodeKind::Not(child)
    } else if let Some(name) = def.present.as_ref().or(def.missing.as_ref()) {
        let key = if def.present.is_some() {
            "present"
        } else {
            "missing"
        };
        let fact = resolve_fact(set, name, file, &format!("{at}.{key}"), problems)?;
        if def.present.is_some() {
            NodeKind::Present(fact)
        } else {
            NodeKind::Missing(fact)
        }
    } else {
        compile_test(set, def, file, at, problems)?
    };
    Some(push_condition(set, def, kind, file, at, depth, problems))
}

/// Whether `def` is exactly one kind of condition; a problem when not.
fn has_one_form(def: &ConditionDef, file: &str, at: &str, problems: &mut Vec<Problem>) -> bool {
    let forms = [
        def.all.is_some(),
        def.any.is_some(),
        def.not.is_some(),
        def.fact.is_some(),
        def.present.is_some(),
        def.missing.is_some(),
    ];
    if forms.iter().filter(|f| **f).count() == 1 {
        return true;
    }
    problems.push(problem(
        file,
        at,
        "a condition needs exactly one of `all`, `any`, `not`, `fact` (with an operator), `present` or `missing`",
    ).with_help("split combined conditions into an `all:` list".into()));
    false
}

/// An `all` (`is_all`) or `any` of `parts`, each compiled; `None` when one fails.
fn compile_parts(
    set: &mut RuleSet,
    parts: &[ConditionDef],
    is_all: bool,
    file: &str,
    at: &str,
    depth: usize,
    problems: &mut Vec<Problem>,
) -> Option<NodeKind> {
    let word = if is_all { "all" } else { "any" };
    if parts.is_empty() {
        problems.push(problem(file, at, format!("`{word}` with no parts")));
        return None;
    }
    let mut children = Vec::new();
    for (k, part) in parts.iter().enumerate() {
        let sub = format!("{at}.{word}[{k}]");
        if let Some(n) = compile_condition(set, part, file, &sub, depth + 1, problems) {
            children.push(n);
        }
    }
    if children.len() != parts.len() {
        return None;
    }
    Some(if is_all {
        NodeKind::All(children)
    } else {
        NodeKind::Any(children)
    })
}

/// A test of a fact with one operator over its values.
fn compile_test(
    set: &RuleSet,
    def: &ConditionDef,
    file: &str,
    at: &str,
    problems: &mut Vec<Problem>,
) -> Option<NodeKind> {
    let ops: [(&str, Option<Vec<String>>, Op); 5] = [
        ("is", def.is.clone().map(|v| vec![v]), Op::Is),
        ("in", def.in_.clone(), Op::In),
        ("has_any", def.has_any.clone(), Op::HasAny),
        ("has_all", def.has_all.clone(), Op::HasAll),
        ("has_none", def.has_none.clone(), Op::HasNone),
    ];
    let name = def.fact.as_ref().expect("one form is set");
    let fact = resolve_fact(set, name, file, &format!("{at}.fact"), problems);
    let given: Vec<_> = ops.iter().filter(|(_, v, _)| v.is_some()).collect();
    if given.len() != 1 {
        problems.push(
            problem(
                file,
                at,
                format!("`fact: {name}` needs exactly one operator"),
            )
            .with_help(
                "use one of is, in (one-valued facts) or has_any, has_all, has_none (list facts)"
                    .into(),
            ),
        );
        return None;
    }
    let (op_name, values, op) = given[0];
    let fact = fact?;
    let f = &set.facts[fact];
    let list_op = matches!(op, Op::HasAny | Op::HasAll | Op::HasNone);
    if list_op != f.list {
        problems.push(
            problem(
                file,
                format!("{at}.{op_name}"),
                format!(
                    "`{op_name}` does not fit `{name}`, a {} fact",
                    if f.list { "list" } else { "one-valued" }
                ),
            )
            .with_help(if f.list {
                "list facts take has_any, has_all or has_none".into()
            } else {
                "one-valued facts take is or in".into()
            }),
        );
        return None;
    }
    let values = values.as_ref().expect("filtered on is_some");
    if values.is_empty() {
        problems.push(problem(
            file,
            format!("{at}.{op_name}"),
            "an empty list of values",
        ));
        return None;
    }
    let mask = value_mask(f, name, *op, op_name, values, file, at, problems);
    Some(NodeKind::Test {
        fact,
        op: *op,
        mask,
        if_known: def.if_known,
    })
}

/// The bits of the values a test names; a problem for each value that is not one of the
/// fact's, a synonym instead of an id, or the value that means an empty list.
#[allow(clippy::too_many_arguments)]
fn value_mask(
    f: &Fact,
    name: &str,
    op: Op,
    op_name: &str,
    values: &[String],
    file: &str,
    at: &str,
    problems: &mut Vec<Problem>,
) -> u64 {
    let mut mask = 0u64;
    for (k, v) in values.iter().enumerate() {
        let vat = if op == Op::Is {
            format!("{at}.is")
        } else {
            format!("{at}.{op_name}[{k}]")
        };
        match f.index.get(&normalize_token(v)) {
            Some(&vi) if Some(vi) == f.nothing => {
                let mut p = problem(
                    file,
                    vat.clone(),
                    format!("`{v}` means an empty `{name}` list and cannot be tested for"),
                );
                p.help =
                    "test for emptiness with `has_none` over the values that must be absent".into();
                problems.push(p);
            }
            Some(&vi) => {
                if f.values[vi as usize].id != *v {
                    problems.push(problem(
                        file,
                        vat.clone(),
                        format!(
                            "write the value id `{}` instead of the synonym `{v}`",
                            f.values[vi as usize].id
                        ),
                    ));
                }
                mask |= 1u64 << vi;
            }
            None => {
                problems.push(
                    problem(
                        file,
                        vat.clone(),
                        format!("`{v}` is not a value of `{name}`"),
                    )
                    .with_help(suggest_value(f, v)),
                );
            }
        }
    }
    mask
}

/// Adds the condition's node: what it reads, its words, its grade (typical only at the top
/// level of a rule) and its citation.
fn push_condition(
    set: &mut RuleSet,
    def: &ConditionDef,
    kind: NodeKind,
    file: &str,
    at: &str,
    depth: usize,
    problems: &mut Vec<Problem>,
) -> NodeId {
    let reads = match &kind {
        NodeKind::All(c) | NodeKind::Any(c) => c.iter().fold(0, |acc, &n| acc | set.nodes[n].reads),
        NodeKind::Not(c) => set.nodes[*c].reads,
        NodeKind::Test { fact, .. } | NodeKind::Present(fact) | NodeKind::Missing(fact) => {
            1u64 << fact
        }
    };
    let typical = def.grade == Some(crate::rules::model::Grade::Typical);
    if typical && depth != 1 {
        problems.push(problem(
            file,
            at,
            "`grade: typical` goes on a top-level condition of a rule (an item of its `when: all:` list)",
        ).with_help("a typical condition only weighs for or against its role; inside `any`, `not` or a nested `all` it would change what the role is".into()));
    }
    push_node(
        set,
        Node {
            kind,
            says: def.says.clone(),
            typical,
            cites: def.cites.clone(),
            reads,
        },
    )
}

fn resolve_fact(
    set: &RuleSet,
    name: &str,
    file: &str,
    at: &str,
    problems: &mut Vec<Problem>,
) -> Option<FactId> {
    match set.fact_by_name(name) {
        Some(f) => Some(f),
        None => {
            problems.push(
                problem(
                    file,
                    at,
                    format!("`{name}` is not a fact of the vocabulary"),
                )
                .with_help(did_you_mean(
                    name,
                    set.fact_names(),
                    "facts are the `one` and `list` columns",
                )),
            );
            None
        }
    }
}
