//! Questions over the state space: a depth-first search for states that meet one alternative
//! of every group of constraints, the rules' (not) fitting as such groups, witnesses as real
//! rows classified by the engine, and the count of gaps.

use super::Witness;
use super::space::{Bits, NOT_TRUE, Space, bits_and, bits_count, bits_first, bits_new};
use crate::engine::{Tri, condense, evaluate_record};
use crate::facts::{Given, record_from_given};
use crate::rules::RuleSet;

/// Most search steps of one question before lint gives up on it.
const MAX_STEPS: usize = 2_000_000;

/// A constraint: the state of dimension `.0` must be in `.1`.
type Constraint<'a> = (usize, &'a Bits);
/// Pick one alternative (a list of constraints) per group.
type Group<'a> = Vec<Vec<Constraint<'a>>>;

pub(super) enum Answer {
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

pub(super) fn ask(
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

pub(super) fn witness(rules: &RuleSet, space: &Space, states: &[usize]) -> Witness {
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

pub(super) fn fits<'a>(rules: &RuleSet, space: &'a Space, rule: usize) -> Option<Group<'a>> {
    let mut constraints = Vec::new();
    for c in &rules.rules[rule].defining {
        let (d, sets) = space.conditions.get(c)?;
        constraints.push((*d, &sets[Tri::True as usize]));
    }
    Some(vec![constraints])
}

/// "This rule does not fit": one of its conditions is false or unknown.
pub(super) fn not_fits<'a>(rules: &RuleSet, space: &'a Space, rule: usize) -> Option<Group<'a>> {
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

/// Combinations of known facts (over the abstract states) that fit no rule, by
/// inclusion-exclusion over rules; `None` when there are too many rules to do it quickly.
pub(super) fn count_gaps(rules: &RuleSet, space: &Space) -> Option<(u128, u128)> {
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
