//! The abstract state space of a rule set: per fact its atoms, facts read together as one
//! dimension, and per top-level condition the states where it is true, false, unknown.

use std::collections::HashMap;

use crate::engine::Tri;
use crate::facts::Facts;
use crate::rules::{FactId, NodeId, NodeKind, Op, RuleSet};

/// Most atoms of one list fact (2^atoms states).
const MAX_LIST_ATOMS: usize = 16;
/// Most states of one dimension.
const MAX_DIM_STATES: usize = 1 << 20;

pub(super) type Bits = Vec<u64>;

/// Index of the "false or unknown" set of a condition.
pub(super) const NOT_TRUE: usize = 3;

pub(super) fn bits_new(n: usize, all: bool) -> Bits {
    let mut b = vec![if all { u64::MAX } else { 0 }; n.div_ceil(64)];
    if all
        && !n.is_multiple_of(64)
        && let Some(last) = b.last_mut()
    {
        *last = (1u64 << (n % 64)) - 1;
    }
    b
}

pub(super) fn bits_and(a: &mut Bits, b: &Bits) {
    for (x, y) in a.iter_mut().zip(b) {
        *x &= y;
    }
}

pub(super) fn bits_count(b: &Bits) -> u128 {
    b.iter().map(|w| u128::from(w.count_ones())).sum()
}

pub(super) fn bits_first(b: &Bits) -> Option<usize> {
    b.iter()
        .enumerate()
        .find(|(_, w)| **w != 0)
        .map(|(i, w)| i * 64 + w.trailing_zeros() as usize)
}

/// One dimension: a group of facts and the states of their product.
pub(super) struct Dim {
    pub(super) facts: Vec<FactId>,
    /// Per state, the value (None = unknown) of each fact of `facts`.
    pub(super) states: Vec<Vec<Option<u64>>>,
    /// States where every fact is known.
    pub(super) known: Bits,
}

/// The abstract space of a rule set.
pub(super) struct Space {
    pub(super) dims: Vec<Dim>,
    /// For each top-level condition: its dimension and the states where it is false, unknown,
    /// true (indexed by `Tri as usize`), and not true (`NOT_TRUE`).
    pub(super) conditions: HashMap<NodeId, (usize, [Bits; 4])>,
    /// Facts whose states could not be enumerated.
    pub(super) too_large: Vec<FactId>,
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

/// The outcome of condition `node` on `facts`, by the engine's own rule for each node.
pub(super) fn eval(rules: &RuleSet, node: NodeId, facts: &Facts) -> Tri {
    crate::engine::node_outcome(rules, node, facts, |part| eval(rules, part, facts))
}

pub(super) fn build_space(rules: &RuleSet) -> Space {
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
    let mut too_large = Vec::new();
    let mut dims = Vec::new();
    let mut dim_of_fact = vec![usize::MAX; rules.facts.len()];
    for facts in fact_groups(rules, &conjuncts) {
        match dimension(rules, facts) {
            Ok(dim) => {
                for &f in &dim.facts {
                    dim_of_fact[f] = dims.len();
                }
                dims.push(dim);
            }
            Err(facts) => too_large.extend(facts),
        }
    }
    let mut conditions = HashMap::new();
    for &c in &conjuncts {
        let reads = rules.nodes[c].reads;
        let Some(first) = (0..rules.facts.len()).find(|f| reads & (1u64 << f) != 0) else {
            continue;
        };
        let d = dim_of_fact[first];
        if d != usize::MAX {
            conditions.insert(c, (d, condition_sets(rules, c, &dims[d])));
        }
    }
    Space {
        dims,
        conditions,
        too_large,
    }
}

/// The facts grouped by the conditions that read several of them together (union-find).
fn fact_groups(rules: &RuleSet, conjuncts: &[NodeId]) -> Vec<Vec<FactId>> {
    let n = rules.facts.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], x: usize) -> usize {
        let mut x = x;
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for &c in conjuncts {
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
    groups
}

/// The dimension of a group of facts: every combination of their states, and which have every
/// fact known. `Err` with the facts when their states are too many to enumerate.
fn dimension(rules: &RuleSet, facts: Vec<FactId>) -> Result<Dim, Vec<FactId>> {
    let per_fact: Vec<Option<Vec<Option<u64>>>> =
        facts.iter().map(|&f| fact_states(rules, f)).collect();
    let size = per_fact
        .iter()
        .map(|s| s.as_ref().map_or(usize::MAX, Vec::len))
        .fold(1usize, |a, b| a.saturating_mul(b));
    if per_fact.iter().any(Option::is_none) || size > MAX_DIM_STATES {
        return Err(facts);
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
    Ok(Dim {
        facts,
        states,
        known,
    })
}

/// The states of `dim` where condition `c` is false, unknown, true, and not true.
fn condition_sets(rules: &RuleSet, c: NodeId, dim: &Dim) -> [Bits; 4] {
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
    sets
}
