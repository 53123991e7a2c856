//! Rule evaluation and the decision. Given a [`Record`], evaluates every condition node of every
//! rule in three-valued logic (keeping each outcome), scores each role, applies the decision
//! policy and returns a [`Classification`]: a plain value that writers format.
//!
//! Owns: three-valued logic, the decision policy, confidence, candidates, reasons.
//! Must not touch: CSV, the command line, output formatting.

mod classifier;
mod decision;
mod explain;
mod near_miss;
mod parts;
mod reasons;

pub use classifier::{Classifier, Decisions};
pub use decision::{
    Candidate, Classification, Decided, Declaration, Finding, Fit, Outcome, Sentences, Status, Tri,
};
pub use parts::Parts;

pub use explain::{Explained, RoleConfidence, explain};
pub use near_miss::{Change, NearMiss, near_miss, near_miss_lines};

/// The near misses worth showing for a record: one for each candidate role it does not hold
/// (nor hold through a role that refines it), best first; none for an unreadable row.
pub fn near_misses(rules: &RuleSet, record: &Record, eval: &Evaluation) -> Vec<NearMiss> {
    if eval.status == Status::Error {
        return Vec::new();
    }
    let classified = eval.status == Status::Classified;
    let held: &[RoleId] = if classified { &eval.chosen } else { &[] };
    let certain = certain_roles(eval);
    candidate_order(rules, eval, record.declared_roles)
        .into_iter()
        .filter(|&r| certain & (1u64 << r) == 0)
        .filter(|&r| eval.roles[r].state != Tri::True || !classified)
        .map(|r| near_miss(rules, &record.facts, r, held))
        .collect()
}

use std::sync::Arc;

use crate::facts::{Facts, Record};
use crate::rules::{NodeKind, RoleId, RuleId, RuleSet};

static NEXT_DECISION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// How one role stands: its best rule and that rule's state and score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RoleResult {
    pub state: Tri,
    pub score: f64,
    pub rule: RuleId,
}

/// Everything the engine worked out for a record: the per-node trace, each role's standing and
/// the decision. `explain` prints it whole; `classify` condenses it.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub(crate) trace: Vec<Tri>,
    pub(crate) roles: Vec<RoleResult>,
    pub(crate) status: Status,
    /// The held roles (classified) or the tied roles (ambiguous), in taxonomy order.
    pub(crate) chosen: Vec<RoleId>,
    /// Roles that fit but that a chosen role refines.
    pub(crate) refined: Vec<RoleId>,
    /// Pairs of tied roles one partner cannot hold together (what makes it ambiguous).
    pub(crate) conflicts: Vec<(RoleId, RoleId)>,
    /// The confidence of each chosen role, in the order of `chosen`.
    pub(crate) role_confidence: Vec<f64>,
    pub(crate) confidence: f64,
    /// Classified on what is left: no role fits, but every other is ruled out and this one has
    /// positive evidence (its missing facts are named in the reasons).
    pub(crate) tentative: bool,
    /// What the weakest held role's confidence was divided by: the tied roles when ambiguous,
    /// else one plus the rival roles still possible.
    pub(crate) divisor: f64,
    /// The facts known of the record evaluated ([`Facts::known_mask`]), worked out once for
    /// the whole decision.
    pub(crate) known: u64,
}

impl Evaluation {
    /// The roles in a conflicting pair (the tied roles of an ambiguous decision), as a mask.
    pub(crate) fn tied(&self) -> u64 {
        crate::rules::mask_of(self.conflicts.iter().flat_map(|&(a, b)| [a, b]))
    }

    /// An evaluation of nothing yet, whose buffers [`evaluate_into`] fills.
    pub(crate) fn empty() -> Self {
        Evaluation {
            trace: Vec::new(),
            roles: Vec::new(),
            status: Status::Unclassified,
            chosen: Vec::new(),
            refined: Vec::new(),
            conflicts: Vec::new(),
            role_confidence: Vec::new(),
            confidence: 0.0,
            tentative: false,
            divisor: 1.0,
            known: 0,
        }
    }
}

/// The three-valued outcome of node `node` on `facts`, the outcomes of its parts given by
/// `part` (the trace so far, for the engine; a recursive evaluation, for the lint's search).
#[inline]
pub(crate) fn node_outcome(
    rules: &RuleSet,
    node: crate::rules::NodeId,
    facts: &Facts,
    part: impl Fn(crate::rules::NodeId) -> Tri,
) -> Tri {
    match &rules.nodes[node].kind {
        NodeKind::Test {
            fact,
            op,
            mask,
            if_known,
        } => match facts.get(*fact) {
            Some(bits) => Tri::from_bool(op.holds(bits, *mask)),
            None => {
                let f = &rules.facts[*fact];
                match op.holds_partly(facts.absent(*fact), *mask, f.all_bits, f.list) {
                    Some(holds) => Tri::from_bool(holds),
                    None if *if_known => Tri::True,
                    None => Tri::Unknown,
                }
            }
        },
        NodeKind::Present(f) => Tri::from_bool(facts.get(*f).is_some()),
        NodeKind::Missing(f) => Tri::from_bool(facts.get(*f).is_none()),
        NodeKind::All(parts) => combined(parts, &part, Tri::False, Tri::True),
        NodeKind::Any(parts) => combined(parts, &part, Tri::True, Tri::False),
        NodeKind::Not(p) => part(*p).not(),
    }
}

/// The outcome of an `all` node (`decisive` false, `empty` true: the least of its parts) or
/// of an `any` node (true, false: the greatest): the first part with the decisive outcome
/// decides, and the parts after it are not looked at; else unknown when a part is, else
/// `empty`.
#[inline]
fn combined(
    parts: &[crate::rules::NodeId],
    part: &impl Fn(crate::rules::NodeId) -> Tri,
    decisive: Tri,
    empty: Tri,
) -> Tri {
    let mut outcome = empty;
    for &p in parts {
        match part(p) {
            Tri::Unknown => outcome = Tri::Unknown,
            t if t == decisive => return t,
            _ => {}
        }
    }
    outcome
}

/// Evaluates `facts`, of which `known` are known ([`Facts::known_mask`]), against every rule:
/// each node's outcome into `trace` and each role's standing into `roles` (both cleared first,
/// so a caller that keeps them allocates nothing).
pub(crate) fn evaluate(
    rules: &RuleSet,
    facts: &Facts,
    known: u64,
    trace: &mut Vec<Tri>,
    roles: &mut Vec<RoleResult>,
) {
    trace.clear();
    trace.reserve(rules.nodes.len());
    for node in 0..rules.nodes.len() {
        let outcome = node_outcome(rules, node, facts, |part| trace[part]);
        trace.push(outcome);
    }
    roles.clear();
    roles.extend(rules.roles.iter().map(|role| {
        role.rules
            .iter()
            .map(|&r| {
                let rule = &rules.rules[r];
                let score = rule
                    .conjuncts
                    .iter()
                    .map(|&c| match trace[c] {
                        // Holding only because its facts are unknown (`if_known`) is no
                        // evidence either way.
                        Tri::True if rules.nodes[c].reads & known == 0 => 0.5,
                        Tri::True => 1.0,
                        Tri::Unknown => 0.5,
                        Tri::False => 0.0,
                    })
                    .sum::<f64>()
                    / rule.conjuncts.len().max(1) as f64;
                RoleResult {
                    state: trace[rule.root],
                    score,
                    rule: r,
                }
            })
            .fold(None::<RoleResult>, |best, cur| match best {
                Some(b) if (b.state, b.score) >= (cur.state, cur.score) => Some(b),
                _ => Some(cur),
            })
            .expect("every role has a rule")
    }));
}

/// Evaluates a record and applies the decision policy.
pub fn evaluate_record(rules: &RuleSet, record: &Record) -> Evaluation {
    let mut eval = Evaluation::empty();
    evaluate_into(rules, &record.facts, record.problem.is_some(), &mut eval);
    eval
}

/// Evaluates `facts` and applies the decision policy into `eval`, reusing its buffers: a
/// caller that keeps one `Evaluation` decides without allocating.
pub(crate) fn evaluate_into(rules: &RuleSet, facts: &Facts, error: bool, eval: &mut Evaluation) {
    eval.known = facts.known_mask();
    evaluate(rules, facts, eval.known, &mut eval.trace, &mut eval.roles);
    decide(rules, facts, error, eval);
}

/// The decision policy over the standings in `eval.roles` and the trace in `eval.trace`: fills
/// the rest of `eval`.
fn decide(rules: &RuleSet, facts: &Facts, error: bool, eval: &mut Evaluation) {
    let roles = &eval.roles;
    let fits = crate::rules::mask_of((0..roles.len()).filter(|&r| roles[r].state == Tri::True));
    // A fitting role that another fitting role refines is set aside.
    let refined_by_fit = |r: RoleId| crate::rules::roles_in(fits).any(|o| rules.refines[o][r]);
    eval.chosen.clear();
    eval.refined.clear();
    for r in crate::rules::roles_in(fits) {
        if refined_by_fit(r) {
            eval.refined.push(r);
        } else {
            eval.chosen.push(r);
        }
    }
    let known = eval.known;
    eval.tentative = false;
    if eval.chosen.is_empty()
        && !error
        && let Some(only) = on_what_is_left(rules, &eval.trace, &eval.roles, known)
    {
        eval.chosen.push(only);
        eval.tentative = true;
    }
    eval.conflicts.clear();
    for (i, &a) in eval.chosen.iter().enumerate() {
        for &b in &eval.chosen[i + 1..] {
            if !rules.compatible[a][b] {
                eval.conflicts.push((a, b));
            }
        }
    }
    eval.status = if error {
        Status::Error
    } else if eval.chosen.is_empty() {
        Status::Unclassified
    } else if eval.conflicts.is_empty() {
        Status::Classified
    } else {
        Status::Ambiguous
    };
    eval.role_confidence.clear();
    (eval.confidence, eval.divisor) = match eval.status {
        Status::Classified | Status::Ambiguous => confidences(rules, facts, eval),
        Status::Unclassified | Status::Error => (0.0, 1.0),
    };
    if error {
        eval.chosen.clear();
    }
}

/// Deciding on what is left, when no role fits: every role but one is ruled out (a role that
/// refines another possible one counts with it) and that one has positive evidence; or it is
/// the one role with evidence, nothing at all speaks for the others still possible (no
/// defining condition of theirs holds on known facts), and it has more: three defining
/// conditions holding on known facts (a guard such as "handles physical goods, if known"
/// counts when its fact is known).
fn on_what_is_left(
    rules: &RuleSet,
    trace: &[Tri],
    roles: &[RoleResult],
    known: u64,
) -> Option<RoleId> {
    use crate::rules::{mask_of, roles_in};
    let possible = mask_of((0..roles.len()).filter(|&r| roles[r].state == Tri::Unknown));
    let general =
        mask_of(roles_in(possible).filter(|&r| !roles_in(possible).any(|o| rules.refines[r][o])));
    // The one role of `mask`, if it has exactly one.
    let only = |mask: u64| (mask.count_ones() == 1).then(|| mask.trailing_zeros() as RoleId);
    if let Some(only) = only(general)
        && evidence(rules, trace, known, roles[only].rule) >= EVIDENCE_ON_WHAT_IS_LEFT
    {
        return Some(only);
    }
    let with_evidence =
        mask_of(roles_in(general).filter(|&r| evidence(rules, trace, known, roles[r].rule) > 0));
    match only(with_evidence) {
        Some(only)
            if evidence_with_guards(rules, trace, known, roles[only].rule)
                >= EVIDENCE_AGAINST_SILENCE =>
        {
            Some(only)
        }
        _ => None,
    }
}

/// Each chosen role's confidence, the record's (the weakest, divided by the tied roles when
/// ambiguous, else by one plus the rival roles still possible), and that divisor. A decision
/// resting on facts read from text is less sure than one on stated columns, by the factor the
/// rule set sets.
fn confidences(rules: &RuleSet, facts: &Facts, eval: &mut Evaluation) -> (f64, f64) {
    let known = eval.known;
    let (roles, chosen, trace) = (&eval.roles, &eval.chosen, &eval.trace);
    eval.role_confidence.extend(
        chosen
            .iter()
            .map(|&r| round2(role_confidence(rules, trace, known, roles[r].rule))),
    );
    let weakest = eval.role_confidence.iter().copied().fold(1.0, f64::min);
    let divisor = if eval.status == Status::Ambiguous {
        // The tied roles: those in a conflicting pair. A chosen role compatible with every
        // other is held whichever way the tie is decided.
        f64::from(eval.tied().count_ones())
    } else {
        // Roles still possible that would contradict what is held: not a refinement of a held
        // role, and not one that can be held beside all of them.
        let rivals = (0..roles.len())
            .filter(|&r| roles[r].state == Tri::Unknown && !chosen.contains(&r))
            .filter(|&r| !chosen.iter().any(|&h| rules.refines[r][h]))
            .filter(|&r| !chosen.iter().all(|&h| rules.compatible[r][h]))
            .count();
        1.0 + rivals as f64
    };
    let reads = chosen
        .iter()
        .fold(0u64, |acc, &r| acc | rules.rules[roles[r].rule].reads);
    let factor = if facts.from_text & reads != 0 {
        rules.phrases.confidence_factor
    } else {
        1.0
    };
    for c in &mut eval.role_confidence {
        *c = round2(*c * factor);
    }
    (round2(weakest / divisor * factor), divisor)
}

/// Weight of a defining condition in a role's confidence; a typical one weighs half.
const DEFINING_WEIGHT: f64 = 1.0;
const TYPICAL_WEIGHT: f64 = 0.5;

/// The confidence of one role's rule on a record: the weighted share of its top-level
/// conditions decided on known facts in the role's favour. A condition counts when it holds on
/// known facts (an `any` counts when a branch holds on known facts, whatever the other branches
/// are), not when it holds only because its facts are unknown (`if_known`) or is still unknown;
/// a typical condition that is false counts against. Defining conditions weigh 1, typical ones
/// 0.5.
pub(crate) fn role_confidence(rules: &RuleSet, trace: &[Tri], known: u64, rule: RuleId) -> f64 {
    let (got, total) = confidence_weights(rules, trace, known, rule);
    if total == 0.0 { 0.0 } else { got / total }
}

/// The weights behind [`role_confidence`]: (of the conditions that hold on known facts, of all).
pub(crate) fn confidence_weights(
    rules: &RuleSet,
    trace: &[Tri],
    known: u64,
    rule: RuleId,
) -> (f64, f64) {
    let rule = &rules.rules[rule];
    let (mut got, mut total) = (0.0, 0.0);
    for &c in &rule.conjuncts {
        let weight = if rules.nodes[c].typical {
            TYPICAL_WEIGHT
        } else {
            DEFINING_WEIGHT
        };
        total += weight;
        if trace[c] == Tri::True && decided_on_known(rules, trace, known, c) {
            got += weight;
        } else if rules.nodes[c].typical && trace[c] == Tri::False {
            // An unmet typical condition counts against the role.
            got -= weight;
        }
    }
    (got.max(0.0), total)
}

/// Whether node `c`, which holds, holds on known facts: a test on a known fact; an `all` whose
/// parts all do; an `any` with a part that does; a `not` whose part is false on known facts.
fn decided_on_known(rules: &RuleSet, trace: &[Tri], known: u64, c: crate::rules::NodeId) -> bool {
    match &rules.nodes[c].kind {
        NodeKind::Test { fact, .. } => known & (1u64 << fact) != 0,
        NodeKind::Present(_) | NodeKind::Missing(_) => true,
        NodeKind::All(parts) => parts
            .iter()
            .all(|&p| decided_on_known(rules, trace, known, p)),
        NodeKind::Any(parts) => parts
            .iter()
            .any(|&p| trace[p] == Tri::True && decided_on_known(rules, trace, known, p)),
        NodeKind::Not(part) => rules.nodes[*part].reads & !known == 0,
    }
}

/// How many defining conditions of `rule` hold on known facts (an `if_known` guard that holds
/// says nothing for the role).
fn evidence(rules: &RuleSet, trace: &[Tri], known: u64, rule: RuleId) -> usize {
    rules.rules[rule]
        .defining
        .iter()
        .filter(|&&c| {
            trace[c] == Tri::True
                && !matches!(rules.nodes[c].kind, NodeKind::Test { if_known: true, .. })
                && decided_on_known(rules, trace, known, c)
        })
        .count()
}

/// Like [`evidence`], counting `if_known` guards that hold on a known fact too.
fn evidence_with_guards(rules: &RuleSet, trace: &[Tri], known: u64, rule: RuleId) -> usize {
    rules.rules[rule]
        .defining
        .iter()
        .filter(|&&c| trace[c] == Tri::True && decided_on_known(rules, trace, known, c))
        .count()
}

/// Defining conditions (guards included) that must hold on known facts before a role is
/// classified on what is left while other roles are still possible, with nothing for them.
const EVIDENCE_AGAINST_SILENCE: usize = 3;

/// Whether some defining condition of `rule` holds on known facts: positive evidence.
pub(crate) fn has_evidence(rules: &RuleSet, trace: &[Tri], known: u64, rule: RuleId) -> bool {
    evidence(rules, trace, known, rule) > 0
}

/// Defining conditions that must hold on known facts before a role is classified on what is
/// left: one fact alone (a recurring fee) says too little.
const EVIDENCE_ON_WHAT_IS_LEFT: usize = 2;

/// The facts read by the conditions of `rule` that are still unknown.
pub(crate) fn unknown_reads(rules: &RuleSet, trace: &[Tri], rule: RuleId, known: u64) -> u64 {
    rules.rules[rule]
        .defining
        .iter()
        .filter(|&&c| trace[c] == Tri::Unknown)
        .fold(0, |acc, &c| acc | rules.nodes[c].reads)
        & !known
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Classifies one record (no cache: see [`Classifier`] for rosters).
pub fn classify<'r>(rules: &'r RuleSet, record: &Record) -> Classification<'r> {
    let eval = evaluate_record(rules, record);
    condense(rules, record, &eval)
}

/// Turns an evaluation into the classification written out.
pub fn condense<'r>(rules: &'r RuleSet, record: &Record, eval: &Evaluation) -> Classification<'r> {
    Classification {
        partner_id: record.partner_id.clone(),
        partner_name: record.partner_name.clone(),
        decided: Arc::new(decided(rules, record, eval, &mut Parts::default(), false)),
        own_reasons: own_reasons(record),
        warnings: record.warnings.clone(),
        line: record.line,
    }
}

/// The reasons about one record alone: the words its text facts were read from, then the
/// values it ignored.
fn own_reasons(record: &Record) -> Vec<String> {
    let mut out = Vec::with_capacity(record.evidence.len() + record.ignored.len());
    out.extend_from_slice(&record.evidence);
    out.extend_from_slice(&record.ignored);
    out
}

/// How one declared role stands against the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeclaredStanding {
    /// A held role, or refined by another declared role that is held.
    Held,
    /// Refined by this held role, which the roster does not declare.
    RefinedBy(RoleId),
    /// Ruled out by the evidence.
    RuledOut,
    /// Neither shown nor ruled out.
    NotShown,
}

/// The roles held whichever way the decision goes, as a mask: the held roles when classified;
/// when ambiguous, the chosen roles in no conflicting pair (compatible with every other).
pub(crate) fn certain_roles(eval: &Evaluation) -> u64 {
    let chosen = || crate::rules::mask_of(eval.chosen.iter().copied());
    match eval.status {
        Status::Classified => chosen(),
        Status::Ambiguous => chosen() & !eval.tied(),
        _ => 0,
    }
}

/// How declared role `d` stands against `eval` (with `declared`, the mask of every declared
/// role).
pub(crate) fn declared_standing(
    rules: &RuleSet,
    eval: &Evaluation,
    declared: u64,
    d: RoleId,
) -> DeclaredStanding {
    let classified = eval.status == Status::Classified;
    if certain_roles(eval) & (1u64 << d) != 0 {
        return DeclaredStanding::Held;
    }
    if classified && let Some(&h) = eval.chosen.iter().find(|&&h| rules.refines[h][d]) {
        return if declared & (1u64 << h) != 0 {
            DeclaredStanding::Held
        } else {
            DeclaredStanding::RefinedBy(h)
        };
    }
    if eval.roles[d].state == Tri::False {
        DeclaredStanding::RuledOut
    } else {
        DeclaredStanding::NotShown
    }
}

/// The held roles that are not declared and neither refine nor are refined by a declared role,
/// as a mask.
pub(crate) fn undeclared_held(rules: &RuleSet, eval: &Evaluation, declared: u64) -> u64 {
    if eval.status != Status::Classified {
        return 0;
    }
    crate::rules::mask_of(eval.chosen.iter().copied().filter(|&h| {
        declared & (1u64 << h) == 0
            && !crate::rules::roles_in(declared).any(|d| rules.refines[h][d] || rules.refines[d][h])
    }))
}

/// The audit finding of a decision against the declared roles (a mask).
pub(crate) fn finding(rules: &RuleSet, eval: &Evaluation, declared: u64) -> Finding {
    if eval.status == Status::Error {
        return Finding::Error;
    }
    if declared == 0 {
        return Finding::Undeclared;
    }
    let mut worst = Finding::Agree;
    for d in crate::rules::roles_in(declared) {
        let f = match declared_standing(rules, eval, declared, d) {
            DeclaredStanding::Held => Finding::Agree,
            DeclaredStanding::RefinedBy(_) => Finding::LessSpecific,
            DeclaredStanding::RuledOut => Finding::Mismatch,
            DeclaredStanding::NotShown => Finding::Unconfirmed,
        };
        worst = worst.min(f);
    }
    if worst == Finding::Agree && undeclared_held(rules, eval, declared) != 0 {
        worst = Finding::Incomplete;
    }
    worst
}

/// The decision of `record`, sharing its parts through `parts`, and its sentences when `share`
/// (see [`Sentences::new`]).
fn decided<'r>(
    rules: &'r RuleSet,
    record: &Record,
    eval: &Evaluation,
    parts: &mut Parts<'r>,
    share: bool,
) -> Decided<'r> {
    // The roles worth showing, in order: the candidates column and the alternatives' sentences.
    let mut order = std::mem::take(&mut parts.order);
    candidate_order_into(rules, eval, record.declared_roles, &mut order);
    let (base_reasons, key_reason, trace_reasons) =
        reasons::reasons(rules, record, eval, share, &mut parts.sentences, &order);
    let declared = record.declared_roles;
    let finding = finding(rules, eval, declared);
    let (outcome, a) = parts.outcome(rules, eval);
    let (candidates, b) = parts.candidates(rules, eval, &order);
    let (declaration, c) = parts.declaration(rules, record);
    parts.order = order;
    Decided {
        id: NEXT_DECISION.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        outcome,
        candidates,
        base_reasons,
        key_reason,
        declared,
        declaration,
        matches_declared: finding.matches_declared(),
        finding,
        trace_reasons,
        parts_bytes: u32::try_from(a + b + c).unwrap_or(u32::MAX),
    }
}

fn fit_of(state: Tri) -> Fit {
    match state {
        Tri::True => Fit::Fits,
        Tri::Unknown => Fit::Possible,
        Tri::False => Fit::RuledOut,
    }
}

/// The roles worth showing, best first: the chosen ones, the others that fit, the possible
/// ones, the near misses (ruled out by a single condition) and the declared role.
pub fn candidate_order(rules: &RuleSet, eval: &Evaluation, declared: u64) -> Vec<RoleId> {
    let mut order = Vec::new();
    candidate_order_into(rules, eval, declared, &mut order);
    order
}

/// [`candidate_order`] into `order` (cleared first).
pub(crate) fn candidate_order_into(
    rules: &RuleSet,
    eval: &Evaluation,
    declared: u64,
    order: &mut Vec<RoleId>,
) {
    order.clear();
    if eval.status == Status::Error {
        return;
    }
    order.extend((0..rules.roles.len()).filter(|&r| {
        let res = eval.roles[r];
        res.state != Tri::False || declared & (1u64 << r) != 0 || is_near_miss(rules, eval, r)
    }));
    // A total order (it ends in the role id), so an unstable sort gives the one result.
    order.sort_unstable_by(|&a, &b| {
        let (ra, rb) = (eval.roles[a], eval.roles[b]);
        let chosen = |r| eval.chosen.contains(&r);
        chosen(b)
            .cmp(&chosen(a))
            .then(rb.state.cmp(&ra.state))
            .then(rb.score.total_cmp(&ra.score))
            .then(a.cmp(&b))
    });
}

/// A role ruled out by exactly one top-level condition while most of the others hold on the
/// evidence: one fact away.
pub(crate) fn is_near_miss(rules: &RuleSet, eval: &Evaluation, role: RoleId) -> bool {
    let result = eval.roles[role];
    let false_parts = rules.rules[result.rule]
        .defining
        .iter()
        .filter(|&&c| eval.trace[c] == Tri::False)
        .count();
    result.state == Tri::False && false_parts == 1 && result.score > 0.5
}
