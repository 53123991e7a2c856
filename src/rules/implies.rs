//! Which roles refine which. Role A refines role B when every rule of A implies some rule of B
//! (so any record A fits, B fits too) and not the other way round: a value-added reseller is a
//! reseller that also delivers services. The check is structural, over compiled nodes: it may
//! miss an implication (then the two roles tie as `ambiguous`), but never claims a false one.

use super::{NodeId, NodeKind, Op, RuleSet};

pub(super) fn refinements(set: &RuleSet) -> Vec<Vec<bool>> {
    let n = set.roles.len();
    let implies_role: Vec<Vec<bool>> = (0..n)
        .map(|a| (0..n).map(|b| a != b && role_implies(set, a, b)).collect())
        .collect();
    (0..n)
        .map(|a| {
            (0..n)
                .map(|b| implies_role[a][b] && !implies_role[b][a])
                .collect()
        })
        .collect()
}

fn role_implies(set: &RuleSet, a: usize, b: usize) -> bool {
    let (ra, rb) = (&set.roles[a].rules, &set.roles[b].rules);
    !ra.is_empty()
        && ra.iter().all(|&x| {
            rb.iter()
                .any(|&y| implies(set, set.rules[x].root, set.rules[y].root))
        })
}

/// Whenever node `a` is true, node `b` is true.
pub(crate) fn implies(set: &RuleSet, a: NodeId, b: NodeId) -> bool {
    if a == b || set.nodes[a].kind == set.nodes[b].kind {
        return true;
    }
    match (&set.nodes[a].kind, &set.nodes[b].kind) {
        (_, NodeKind::All(parts)) => parts.iter().all(|&p| implies(set, a, p)),
        (NodeKind::Any(parts), _) => parts.iter().all(|&p| implies(set, p, b)),
        (NodeKind::All(parts), _) => parts.iter().any(|&p| implies(set, p, b)),
        (_, NodeKind::Any(parts)) => parts.iter().any(|&p| implies(set, a, p)),
        (
            NodeKind::Test {
                fact: fa,
                op: oa,
                mask: ma,
                if_known: ka,
            },
            NodeKind::Test {
                fact: fb,
                op: ob,
                mask: mb,
                if_known: kb,
            },
        ) => {
            // A test that holds on an unknown fact cannot imply one that does not.
            fa == fb && (!ka || *kb) && test_implies(*oa, *ma, *ob, *mb)
        }
        (NodeKind::Test { fact, if_known, .. }, NodeKind::Present(fb)) => fact == fb && !if_known,
        _ => false,
    }
}

/// On a known fact: whenever `oa ma` holds, `ob mb` holds.
fn test_implies(oa: Op, ma: u64, ob: Op, mb: u64) -> bool {
    use Op::*;
    match (oa, ob) {
        (Is | In, Is | In) | (HasAny, HasAny) => ma & !mb == 0,
        (HasAll, HasAll) | (HasNone, HasNone) => mb & !ma == 0,
        (HasAll, HasAny) => ma & mb != 0,
        _ => false,
    }
}
