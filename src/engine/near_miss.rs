//! Near misses: the smallest change of facts that would make a record classified as another
//! role. Single edits (set, add or remove one value of one fact) are tried first, then pairs;
//! each candidate is run through the whole decision, so a near miss is only reported when the
//! record really would be classified as that role.

use super::{Evaluation, Status, evaluate_into};
use crate::facts::Facts;
use crate::rules::{FactId, RoleId, RuleSet};

/// One edit of one fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Give an unknown one-valued fact a value, or replace a known one.
    Set(FactId, u8),
    /// Give an unknown list fact exactly this value.
    SetList(FactId, u8),
    /// State that a list fact is known and empty (its `none` value).
    SetNothing(FactId),
    /// Add a value to a known list fact.
    Add(FactId, u8),
    /// Remove a value from a known list fact.
    Remove(FactId, u8),
}

impl Change {
    fn fact(self) -> FactId {
        match self {
            Change::Set(f, _)
            | Change::SetList(f, _)
            | Change::SetNothing(f)
            | Change::Add(f, _)
            | Change::Remove(f, _) => f,
        }
    }

    fn apply(self, facts: &mut Facts) {
        let slot = &mut facts.values[self.fact()];
        match self {
            Change::Set(_, v) | Change::SetList(_, v) => *slot = Some(1u64 << v),
            Change::SetNothing(_) => *slot = Some(0),
            Change::Add(_, v) => *slot = Some(slot.unwrap_or(0) | 1u64 << v),
            Change::Remove(_, v) => *slot = Some(slot.unwrap_or(0) & !(1u64 << v)),
        }
    }

    /// The edit in words: "delivers included implementation".
    pub fn describe(self, rules: &RuleSet, facts: &Facts) -> String {
        let name = |f: FactId| rules.facts[f].name.as_str();
        let value = |f: FactId, v: u8| rules.facts[f].values[v as usize].id.as_str();
        match self {
            Change::Set(f, v) => match facts.get(f) {
                Some(bits) => format!(
                    "{} were {} instead of {}",
                    name(f),
                    value(f, v),
                    rules.value_ids(f, bits, ", ")
                ),
                None => format!("{} were {}", name(f), value(f, v)),
            },
            Change::SetList(f, v) => format!("{} were given as {}", name(f), value(f, v)),
            Change::SetNothing(f) => format!(
                "{} were given as {}",
                name(f),
                rules.facts[f]
                    .nothing
                    .map(|n| value(f, n))
                    .unwrap_or("nothing")
            ),
            Change::Add(f, v) => format!("{} included {}", name(f), value(f, v)),
            Change::Remove(f, v) => format!("{} did not include {}", name(f), value(f, v)),
        }
    }
}

/// The smallest ways found to make a record hold one role.
#[derive(Debug, Clone)]
pub struct NearMiss {
    /// The role.
    pub role: RoleId,
    /// Each way is a set of changes (one or two); empty when nothing within two changes works.
    /// Ways that keep the roles the record holds now come first.
    pub ways: Vec<Vec<Change>>,
    /// How many of the first `ways` keep every role the record holds now (the record would
    /// hold `role` as well, in a profile).
    pub also: usize,
    /// Whether more ways exist than the ones listed (at most three are).
    pub more: bool,
}

/// Most ways reported per role.
const MAX_WAYS: usize = 3;

/// Every single edit of `facts` the vocabulary allows.
fn single_changes(rules: &RuleSet, facts: &Facts) -> Vec<Change> {
    let mut out = Vec::new();
    for (f, fact) in rules.facts.iter().enumerate() {
        let values = (0..fact.values.len() as u8).filter(|&v| Some(v) != fact.nothing);
        match (facts.get(f), fact.list) {
            (None, false) => out.extend(values.map(|v| Change::Set(f, v))),
            (Some(bits), false) => out.extend(
                values
                    .filter(|&v| bits & (1u64 << v) == 0)
                    .map(|v| Change::Set(f, v)),
            ),
            (None, true) => {
                out.extend(values.map(|v| Change::SetList(f, v)));
                if fact.nothing.is_some() {
                    out.push(Change::SetNothing(f));
                }
            }
            (Some(bits), true) => {
                for v in values {
                    out.push(if bits & (1u64 << v) == 0 {
                        Change::Add(f, v)
                    } else {
                        Change::Remove(f, v)
                    });
                }
            }
        }
    }
    out
}

/// Whether `facts` are classified with `role` among the held roles; `Some(true)` when every
/// role of `held` is held too.
fn holds(
    rules: &RuleSet,
    facts: &Facts,
    role: RoleId,
    held: &[RoleId],
    eval: &mut Evaluation,
) -> Option<bool> {
    evaluate_into(rules, facts, false, eval);
    // A real fit, not a classification on what is left.
    (eval.status == Status::Classified && !eval.tentative && eval.chosen.contains(&role))
        .then(|| held.iter().all(|h| eval.chosen.contains(h)))
}

/// The smallest changes (one fact, else two) that make `facts` classified with `role` held;
/// `held` are the roles the record holds now (empty unless it is classified).
pub fn near_miss(rules: &RuleSet, facts: &Facts, role: RoleId, held: &[RoleId]) -> NearMiss {
    let singles = single_changes(rules, facts);
    let mut eval = Evaluation::empty();
    // (way, keeps the held roles)
    let mut ways: Vec<(Vec<Change>, bool)> = Vec::new();
    // One way past the most listed is looked for, to say that more exist.
    for &change in &singles {
        let mut edited = facts.clone();
        change.apply(&mut edited);
        if let Some(keeps) = holds(rules, &edited, role, held, &mut eval) {
            ways.push((vec![change], keeps));
            if ways.len() > MAX_WAYS {
                break;
            }
        }
    }
    if ways.is_empty() {
        'pairs: for (i, &a) in singles.iter().enumerate() {
            for &b in &singles[i + 1..] {
                if a.fact() == b.fact()
                    && !matches!(
                        (a, b),
                        (
                            Change::Add(..) | Change::Remove(..),
                            Change::Add(..) | Change::Remove(..)
                        )
                    )
                {
                    continue;
                }
                let mut edited = facts.clone();
                a.apply(&mut edited);
                b.apply(&mut edited);
                if let Some(keeps) = holds(rules, &edited, role, held, &mut eval) {
                    ways.push((vec![a, b], keeps));
                    if ways.len() > MAX_WAYS {
                        break 'pairs;
                    }
                }
            }
        }
    }
    let more = ways.len() > MAX_WAYS;
    ways.truncate(MAX_WAYS);
    // Ways that keep the current roles first; stable, so search order is kept within each.
    ways.sort_by_key(|(_, keeps)| !keeps);
    NearMiss {
        role,
        also: if held.is_empty() {
            0
        } else {
            ways.iter().filter(|(_, keeps)| *keeps).count()
        },
        ways: ways.into_iter().map(|(way, _)| way).collect(),
        more,
    }
}

/// The near misses in words, one line each: "would also be a managed_service_provider if
/// earns included recurring_fees" (the roles held now are kept), "would be a reseller if ...".
pub fn near_miss_lines(rules: &RuleSet, facts: &Facts, misses: &[NearMiss]) -> Vec<String> {
    let mut out = Vec::new();
    for miss in misses {
        let id = &rules.roles[miss.role].id;
        if miss.ways.is_empty() {
            out.push(format!(
                "{id}: no single edit of one or two facts (setting a value, adding or removing one) makes it one"
            ));
            continue;
        }
        let ways: Vec<String> = miss
            .ways
            .iter()
            .map(|way| {
                way.iter()
                    .map(|c| c.describe(rules, facts))
                    .collect::<Vec<_>>()
                    .join(" and ")
            })
            .collect();
        let (also, instead) = ways.split_at(miss.also);
        if !also.is_empty() {
            out.push(format!(
                "would also be {} {id} if {}",
                article(id),
                also.join(", or if ")
            ));
        }
        if !instead.is_empty() {
            out.push(format!(
                "would be {} {id}{} if {}",
                article(id),
                if also.is_empty() {
                    ""
                } else {
                    " (giving up a role it holds)"
                },
                instead.join(", or if ")
            ));
        }
        if miss.more
            && let Some(last) = out.last_mut()
        {
            last.push_str(&format!(
                " (and other ways besides these {})",
                miss.ways.len()
            ));
        }
    }
    out
}

fn article(id: &str) -> &'static str {
    if id.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}
