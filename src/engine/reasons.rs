//! Reasons: the sentences that justify a classification. Built from the rule set's own words
//! (each condition's `says`, each fact's phrase, each role's definition and source), so a rule
//! author who changes the YAML changes the explanation with it.
//!
//! The sentences are written one after the other into one buffer per thread (see [`Out`]), from
//! pieces rendered when the rule set was compiled (`RuleSet::said`, `RuleSet::defined`): a
//! decision's reasons cost two allocations, its text and its sentence ends, however many
//! sentences and pieces they have.

use std::cell::RefCell;
use std::fmt::Write as _;

use super::parts::{SentenceMemo, number};
use super::{
    DeclaredStanding, Evaluation, Sentences, Status, Tri, certain_roles, declared_standing,
    undeclared_held, unknown_reads,
};
use crate::facts::Record;
use crate::rules::{NodeId, NodeKind, Op, RoleId, RuleSet, facts_in, mask_of, roles_in};

/// How many alternatives are explained one by one before the rest are summarized.
const MAX_ALTERNATIVES: usize = 4;

/// Where the sentences a writer may single out are, as they are written: typed, so that no
/// writer finds them by their English.
#[derive(Debug, Default)]
struct Marks {
    /// The sentence ruling out each role that has one (at most [`MAX_ALTERNATIVES`]), the
    /// first `ruled_out_count` of them.
    ruled_out: [(RoleId, usize); MAX_ALTERNATIVES],
    ruled_out_count: usize,
    /// The sentence saying a declared role is less specific than a held one.
    less_specific: Option<usize>,
    /// The sentence saying the declared roles are held along with others.
    incomplete: Option<usize>,
    /// The sentences that trace the rules (bit `i` for sentence `i`).
    trace: u64,
}

impl Marks {
    /// Marks the sentence about to be written as rule trace.
    fn trace(&mut self, out: &Out) {
        if out.len() < 64 {
            self.trace |= 1u64 << out.len();
        }
    }
}

/// The sentences being written: their text, one after the other, and where each ends; and
/// the buffers of the evaluations `tell_apart` runs, kept with them.
#[derive(Debug, Default)]
struct Out {
    text: String,
    ends: Vec<u32>,
    trace: Vec<Tri>,
    roles: Vec<super::RoleResult>,
    facts: Option<crate::facts::Facts>,
}

impl Out {
    /// Ends the sentence written since the last end.
    fn end(&mut self) {
        self.ends.push(self.text.len() as u32);
    }

    /// How many sentences are written.
    fn len(&self) -> usize {
        self.ends.len()
    }

    /// Writes `text` as a whole sentence.
    fn sentence(&mut self, text: &str) {
        self.text.push_str(text);
        self.end();
    }
}

thread_local! {
    /// Each thread's buffer for the sentences of the decision it is explaining.
    static SCRATCH: RefCell<Out> = RefCell::new(Out::default());
}

/// The reasons of a decision, which of them says most about it (see
/// [`super::Decided::key_reason`]) and which trace the rules (see
/// [`super::Decided::trace_reasons`]).
pub(super) fn reasons(
    rules: &RuleSet,
    record: &Record,
    eval: &Evaluation,
    share: bool,
    memo: &mut SentenceMemo,
    order: &[RoleId],
) -> (Sentences, usize, u64) {
    SCRATCH.with(|scratch| {
        // A reason being written when a panic unwound would leave the buffer borrowed: start
        // over with a fresh one then.
        let mut fresh = Out::default();
        let mut held = scratch.try_borrow_mut();
        let out = match held.as_deref_mut() {
            Ok(out) => out,
            Err(_) => &mut fresh,
        };
        out.text.clear();
        out.ends.clear();
        let mut marks = Marks::default();
        sentences(rules, record, eval, out, &mut marks, memo, order);
        let declared_ruled_out = || {
            roles_in(record.declared_roles).find_map(|d| {
                marks.ruled_out[..marks.ruled_out_count]
                    .iter()
                    .find(|&&(r, _)| r == d)
                    .map(|&(_, at)| at)
            })
        };
        let key = match super::finding(rules, eval, record.declared_roles) {
            super::Finding::Mismatch => declared_ruled_out(),
            super::Finding::LessSpecific => marks.less_specific,
            super::Finding::Incomplete => marks.incomplete,
            _ => None,
        }
        .unwrap_or(if out.len() > 1 { 1 } else { 0 });
        (
            Sentences::new(&out.text, &out.ends, share),
            key,
            marks.trace,
        )
    })
}

fn sentences(
    rules: &RuleSet,
    record: &Record,
    eval: &Evaluation,
    out: &mut Out,
    marks: &mut Marks,
    memo: &mut SentenceMemo,
    order: &[RoleId],
) {
    if let Some(problem) = &record.problem {
        let _ = write!(out.text, "The row could not be read: {problem}");
        out.end();
        return;
    }
    match eval.status {
        Status::Classified => classified(rules, record, eval, out, marks),
        Status::Ambiguous => ambiguous(rules, record, eval, out, marks),
        Status::Unclassified => {
            if eval.known == 0 {
                out.sentence("Unclassified: no fact is known; every column the rules read is empty or missing.");
            } else {
                out.sentence("Unclassified: no role fits the evidence.");
            }
        }
        Status::Error => {}
    }
    alternatives(rules, record, eval, out, marks, memo, order);
    declared(rules, record, eval, out, marks);
}

/// The sentences of a classified record: the profile, each held role's definition and the
/// rule that decided it (or, decided on what is left, what would confirm it), what is
/// atypical, and the roles set aside as less specific.
fn classified(
    rules: &RuleSet,
    record: &Record,
    eval: &Evaluation,
    out: &mut Out,
    marks: &mut Marks,
) {
    if eval.chosen.len() > 1 {
        profile(rules, eval, out);
    }
    for &role in &eval.chosen {
        let id = &rules.roles[role].id;
        if eval.tentative {
            // A fact only known not to be some values is still to be known.
            let missing = unknown_reads(
                rules,
                &eval.trace,
                eval.roles[role].rule,
                record.facts.value_mask(),
            );
            definition(rules, role, "Classified, on what is left, as", out);
            let others_possible =
                (0..eval.roles.len()).any(|r| r != role && eval.roles[r].state == Tri::Unknown);
            out.text.push_str(if others_possible {
                "Nothing known speaks for the other roles still possible, while"
            } else {
                "Every other role is ruled out and"
            });
            let _ = write!(
                out.text,
                " the evidence speaks for {} {id}, but it is not shown yet: knowing ",
                article_word(id)
            );
            if missing == 0 {
                out.text.push_str("more of its facts");
            } else {
                fact_list(rules, missing, &mut out.text);
            }
            out.sentence(" would confirm it.");
            atypical(rules, record, eval, role, out);
            continue;
        }
        definition(rules, role, "Classified as", out);
        let rule = &rules.rules[eval.roles[role].rule];
        marks.trace(out);
        push(&mut out.text, &["Decided by rule ", &rule.id, ": "]);
        held(rules, record, eval, role, &mut out.text);
        out.sentence(".");
        atypical(rules, record, eval, role, out);
    }
    for &r in &eval.refined {
        let by = eval
            .chosen
            .iter()
            .copied()
            .find(|&c| rules.refines[c][r])
            .unwrap_or(eval.chosen[0]);
        let (r, by) = (&rules.roles[r].id, &rules.roles[by].id);
        let _ = write!(
            out.text,
            "Also fits {r}, but {by} is more specific: its conditions include all of {r}'s."
        );
        out.end();
    }
}

/// The sentences of an ambiguous record: the tied roles and why one partner cannot hold them,
/// what fits each, what it holds either way, and what would tell them apart.
fn ambiguous(
    rules: &RuleSet,
    record: &Record,
    eval: &Evaluation,
    out: &mut Out,
    marks: &mut Marks,
) {
    let certain = certain_roles(eval);
    let tied = eval.tied();
    out.text.push_str("Ambiguous between ");
    role_list(rules, roles_in(tied), "and", &mut out.text);
    out.text.push_str(": each fits the evidence, neither's conditions include the other's, and the taxonomy lists no combination that lets one partner hold ");
    list(
        &mut out.text,
        eval.conflicts.iter(),
        "or",
        |text, &(a, b)| {
            push(text, &[&rules.roles[a].id, " with ", &rules.roles[b].id]);
        },
    );
    out.sentence(".");
    for &r in &eval.chosen {
        marks.trace(out);
        let _ = write!(out.text, "Fits {}: ", rules.roles[r].id);
        held(rules, record, eval, r, &mut out.text);
        out.sentence(".");
    }
    if certain != 0 {
        out.text.push_str("Either way it holds ");
        role_list(rules, roles_in(certain), "and", &mut out.text);
        out.sentence(", which can be held with each of the others.");
    }
    tell_apart(rules, record, eval, out);
}

/// The sentence that introduces a role profile: its roles and why the taxonomy lets one partner
/// hold each pair.
fn profile(rules: &RuleSet, eval: &Evaluation, out: &mut Out) {
    let _ = write!(out.text, "Holds {} roles at once, ", eval.chosen.len());
    role_list(rules, eval.chosen.iter().copied(), "and", &mut out.text);
    out.text
        .push_str("; the taxonomy lets one partner hold them together (");
    let mut first = true;
    for (i, &a) in eval.chosen.iter().enumerate() {
        for &b in &eval.chosen[i + 1..] {
            let pair = (a.min(b), a.max(b));
            if let Some(c) = rules.combinations.iter().find(|c| c.roles == pair) {
                if !first {
                    out.text.push_str("; ");
                }
                first = false;
                let _ = write!(
                    out.text,
                    "{} with {}: {} [glossary: {}]",
                    rules.roles[pair.0].id, rules.roles[pair.1].id, c.because, c.source
                );
            }
        }
    }
    out.sentence(").");
}

/// For an ambiguous record: the unknown facts that would tell the tied roles apart, or that
/// none are left.
fn tell_apart(rules: &RuleSet, record: &Record, eval: &Evaluation, out: &mut Out) {
    let known = eval.known;
    let tied = eval.tied();
    let candidates =
        roles_in(tied).fold(0u64, |acc, r| acc | rules.rules[eval.roles[r].rule].reads) & !known;
    // A fact tells them apart when some value of it would rule one of the tied roles out:
    // checked by evaluating the record with that value.
    let (mut trace, mut roles) = (
        std::mem::take(&mut out.trace),
        std::mem::take(&mut out.roles),
    );
    let mut facts = out.facts.take().unwrap_or_else(|| record.facts.clone());
    facts.copy_from(&record.facts);
    let reads = facts_in(candidates)
        .filter(|&f| {
            let fact = &rules.facts[f];
            let values = (0..fact.values.len() as u8)
                .filter(|&v| Some(v) != fact.nothing)
                .map(|v| 1u64 << v)
                .chain(fact.nothing.map(|_| 0));
            let told = values.into_iter().any(|bits| {
                facts.values[f] = Some(bits);
                super::evaluate(rules, &facts, facts.known_mask(), &mut trace, &mut roles);
                roles_in(tied).any(|r| roles[r].state == Tri::False)
            });
            facts.values[f] = record.facts.values[f];
            told
        })
        .fold(0u64, |acc, f| acc | 1u64 << f);
    (out.trace, out.roles, out.facts) = (trace, roles, Some(facts));
    if reads == 0 {
        out.sentence("No fact still unknown would tell them apart; a person must decide which one describes the partner.");
    } else {
        out.text.push_str("Knowing ");
        fact_list(rules, reads, &mut out.text);
        out.sentence(" would tell them apart.");
    }
}

/// `lead` and the role's definition with its source, as a sentence.
fn definition(rules: &RuleSet, role: RoleId, lead: &str, out: &mut Out) {
    out.text.push_str(lead);
    out.text.push(' ');
    out.sentence(&rules.defined[role]);
}

/// The known facts behind the conditions of `role`'s best rule that hold, as `fact = values`
/// (what the role requires of them is in its definition and in `rules show`).
fn held(rules: &RuleSet, record: &Record, eval: &Evaluation, role: RoleId, text: &mut String) {
    let rule = &rules.rules[eval.roles[role].rule];
    let known = eval.known;
    let reads = rule
        .conjuncts
        .iter()
        .filter(|&&c| eval.trace[c] == Tri::True)
        .fold(0u64, |acc, &c| acc | rules.nodes[c].reads)
        & known;
    let mut any = false;
    for f in facts_in(reads) {
        let bits = record.facts.get(f);
        // Known only not to be some values (negated in a text).
        let absent = record.facts.absent(f);
        if bits.is_none() && absent == 0 {
            continue;
        }
        if any {
            text.push_str("; ");
        }
        any = true;
        text.push_str(&rules.facts[f].name);
        match bits {
            Some(bits) => {
                text.push_str(" = ");
                rules.value_text_into(text, f, bits);
            }
            None => {
                text.push_str(" = not ");
                rules.value_ids_into(text, f, absent, " or ");
            }
        }
    }
    if !any {
        text.push_str("no known fact contradicts it");
    }
}

fn alternatives(
    rules: &RuleSet,
    record: &Record,
    eval: &Evaluation,
    out: &mut Out,
    marks: &mut Marks,
    memo: &mut SentenceMemo,
    order: &[RoleId],
) {
    let declared = record.declared_roles;
    let is_declared = |r: RoleId| declared & (1u64 << r) != 0;
    let others = order
        .iter()
        .copied()
        .filter(|r| !eval.chosen.contains(r) && !eval.refined.contains(r));
    let possible = others
        .clone()
        .filter(|&r| eval.roles[r].state == Tri::Unknown);
    let possible_count = possible.clone().count();
    // The declared role first: it is the alternative the reader cares about. Other ruled-out
    // roles only while no role is still possible (then the possible ones are the story).
    let close = mask_of(
        others
            .clone()
            .filter(|&r| eval.roles[r].state == Tri::False)
            .filter(|&r| {
                is_declared(r) || possible_count == 0 || eval.status != Status::Unclassified
            })
            // A close alternative is one the evidence speaks for in part.
            .filter(|&r| is_declared(r) || has_evidence(rules, eval, r)),
    );
    let is_close = move |r: RoleId| close & (1u64 << r) != 0;
    let ruled_out = order
        .iter()
        .copied()
        .filter(move |&r| is_close(r) && is_declared(r))
        .chain(
            order
                .iter()
                .copied()
                .filter(move |&r| is_close(r) && !is_declared(r)),
        );
    let missing = || {
        possible.clone().fold(0u64, |acc, r| {
            acc | unknown_reads(rules, &eval.trace, eval.roles[r].rule, eval.known)
        })
    };

    if possible_count > MAX_ALTERNATIVES {
        let _ = write!(out.text, "{possible_count} roles remain possible (");
        for (i, r) in possible.clone().enumerate() {
            if i > 0 {
                out.text.push_str(", ");
            }
            out.text.push_str(&rules.roles[r].id);
        }
        out.text.push_str("); knowing ");
        fact_list(rules, missing(), &mut out.text);
        out.sentence(" would decide between them.");
    } else {
        for r in possible.clone() {
            conditions_sentence(
                rules,
                record,
                eval,
                r,
                ("Could be", Tri::Unknown),
                out,
                memo,
            );
        }
        if eval.status == Status::Unclassified && possible_count > 0 {
            out.text.push_str("Missing evidence: ");
            fact_list(rules, missing(), &mut out.text);
            out.sentence(" would decide it.");
        }
    }
    for r in ruled_out.clone().take(MAX_ALTERNATIVES) {
        marks.ruled_out[marks.ruled_out_count] = (r, out.len());
        marks.ruled_out_count += 1;
        conditions_sentence(rules, record, eval, r, ("Not", Tri::False), out, memo);
    }
    if close.count_ones() as usize > MAX_ALTERNATIVES {
        out.text.push_str("Also ruled out by one condition each: ");
        role_list(
            rules,
            ruled_out.skip(MAX_ALTERNATIVES),
            "and",
            &mut out.text,
        );
        out.sentence(" (`partner-roles explain` shows why).");
    }
    if eval.status == Status::Unclassified && possible_count == 0 && close == 0 {
        out.sentence("Every role is ruled out by two or more of its conditions; no role is close.");
    }
}

/// "`lead` a ROLE: ..." with, for each defining condition of the role's rule whose outcome is
/// `state`, the facts behind it (for a false one, what makes it false: see [`fault_of`]) and
/// what the role requires: "Not a reseller: it earns volume, and a reseller earns a resale
/// margin." or "Could be a distributor: sells_to is not given, and a distributor ...".
fn conditions_sentence(
    rules: &RuleSet,
    record: &Record,
    eval: &Evaluation,
    r: RoleId,
    (lead, state): (&str, Tri),
    out: &mut Out,
    memo: &mut SentenceMemo,
) {
    let rule = eval.roles[r].rule;
    let defining = &rules.rules[rule].defining;
    // The sentence's words depend on the lead, the role and its rule, which of the rule's
    // conditions are in `state`, and the facts those read (values and denied values): one kept
    // under the same key is the same sentence.
    let keyed = defining.len() <= 64;
    if keyed {
        let key = &mut memo.key;
        key.clear();
        key.push(state as u8);
        key.extend_from_slice(lead.as_bytes());
        // Never a byte of UTF-8 text: the lead ends here.
        key.push(0xff);
        number(key, r as u64);
        number(key, rule as u64);
        let (mut matched, mut reads) = (0u64, 0u64);
        for (i, &c) in defining.iter().enumerate() {
            if eval.trace[c] == state {
                matched |= 1 << i;
                reads |= rules.nodes[c].reads;
            }
        }
        number(key, matched);
        for f in facts_in(reads) {
            match record.facts.get(f) {
                None => key.push(0),
                Some(bits) => {
                    key.push(1);
                    number(key, bits);
                }
            }
            number(key, record.facts.absent(f));
        }
        if let Some(text) = memo.get() {
            out.sentence(text);
            return;
        }
    }
    let start = out.text.len();
    let id = &rules.roles[r].id;
    push(&mut out.text, &[lead, " ", article_word(id), " ", id, ": "]);
    let mut first = true;
    for &c in defining {
        if eval.trace[c] != state {
            continue;
        }
        if !first {
            out.text.push_str("; ");
        }
        first = false;
        if state == Tri::False {
            fault_of(rules, record, c, &mut out.text);
        } else {
            facts_of(rules, record, c, &mut out.text);
        }
        push(
            &mut out.text,
            &[", and ", article_word(id), " ", id, " ", rules.says(c)],
        );
    }
    out.sentence(".");
    if keyed {
        memo.keep(&out.text[start..]);
    }
}

/// Whether the evidence speaks for `role` in part (see [`super::has_evidence`]).
fn has_evidence(rules: &RuleSet, eval: &Evaluation, role: RoleId) -> bool {
    super::has_evidence(rules, &eval.trace, eval.known, eval.roles[role].rule)
}

/// The facts that make a false condition false, as sentences: for a `has_none` test only the
/// values it forbids (not the rest of the list); for an `any`, the faults of its parts; else
/// the fact as it is.
fn fault_of(rules: &RuleSet, record: &Record, node: NodeId, text: &mut String) {
    match &rules.nodes[node].kind {
        NodeKind::Test {
            fact,
            op: Op::HasNone,
            mask,
            ..
        } => {
            if let Some(bits) = record.facts.get(*fact)
                && bits & mask != 0
            {
                rules.fact_sentence_into(text, *fact, Some(bits & mask));
                return;
            }
            facts_of(rules, record, node, text)
        }
        NodeKind::Any(parts) => {
            for (i, &p) in parts.iter().enumerate() {
                if i > 0 {
                    text.push_str(" and ");
                }
                fault_of(rules, record, p, text);
            }
        }
        _ => facts_of(rules, record, node, text),
    }
}

/// Sentences for the typical conditions a held role does not meet: "An atypical
/// systems_integrator: the work is ongoing, though a systems_integrator typically works in
/// project-based engagements."
fn atypical(rules: &RuleSet, record: &Record, eval: &Evaluation, role: RoleId, out: &mut Out) {
    let id = &rules.roles[role].id;
    for &c in &rules.rules[eval.roles[role].rule].conjuncts {
        if rules.nodes[c].typical && eval.trace[c] == Tri::False {
            push(&mut out.text, &["An atypical ", id, ": "]);
            fault_of(rules, record, c, &mut out.text);
            push(
                &mut out.text,
                &[
                    ", though ",
                    article_word(id),
                    " ",
                    id,
                    " typically ",
                    rules.says(c),
                    ".",
                ],
            );
            out.end();
        }
    }
}

/// One sentence per declared role that does not simply agree, naming the finding and the
/// roles concerned; one sentence when every declared role agrees.
fn declared(rules: &RuleSet, record: &Record, eval: &Evaluation, out: &mut Out, marks: &mut Marks) {
    let declared = record.declared_roles;
    let Some(text) = record.declared_text.as_deref().filter(|_| declared != 0) else {
        return;
    };
    let id = |r: RoleId| rules.roles[r].id.as_str();
    // The declared roles held outright, as a mask.
    let mut agreed = 0u64;
    let mut covered = 0;
    let certain = certain_roles(eval);
    let before = out.len();
    for d in roles_in(declared) {
        match declared_standing(rules, eval, declared, d) {
            // Held, or refined by another declared role that is held (named through that one).
            DeclaredStanding::Held if certain & (1u64 << d) != 0 => agreed |= 1u64 << d,
            DeclaredStanding::Held => covered += 1,
            DeclaredStanding::RefinedBy(h) => {
                marks.less_specific.get_or_insert(out.len());
                let _ = write!(
                    out.text,
                    "Less specific than the evidence: declared {text:?} ({}), and it holds {}, which refines {}: {} {} is {} {} that meets more conditions.",
                    id(d),
                    id(h),
                    id(d),
                    article_word(id(h)),
                    id(h),
                    article_word(id(d)),
                    id(d)
                );
                out.end();
            }
            DeclaredStanding::RuledOut => {
                let _ = write!(
                    out.text,
                    "Disagrees with the declared role {text:?} ({}): the evidence rules it out",
                    id(d)
                );
                if eval.status == Status::Classified {
                    push(
                        &mut out.text,
                        &[" and makes it ", article_word(id(eval.chosen[0])), " "],
                    );
                    role_list(rules, eval.chosen.iter().copied(), "and", &mut out.text);
                }
                out.sentence(".");
            }
            DeclaredStanding::NotShown if eval.roles[d].state == Tri::True => {
                let _ = write!(
                    out.text,
                    "Declared as {text:?} ({}); the evidence does not confirm it: it fits, but so does ",
                    id(d)
                );
                let rivals = eval
                    .conflicts
                    .iter()
                    .filter_map(|&(a, b)| (a == d).then_some(b).or((b == d).then_some(a)));
                role_list(rules, rivals, "and", &mut out.text);
                out.sentence(", and one partner is not both.");
            }
            DeclaredStanding::NotShown => {
                let _ = write!(
                    out.text,
                    "Declared as {text:?} ({}); the evidence does not confirm it: it is still possible but not shown.",
                    id(d)
                );
                out.end();
            }
        }
    }
    let all_agree = agreed.count_ones() as usize + covered == declared.count_ones() as usize;
    let told = out.len() > before || !all_agree;
    agreement(rules, eval, declared, text, agreed, told, out, marks);
}

/// What the declared roles come to: agreement (or incompleteness, when the partner holds
/// roles the roster does not list), or, when some declared role was `told` about (refined,
/// ruled out or not shown), which declared roles are held and what else is.
#[allow(clippy::too_many_arguments)]
fn agreement(
    rules: &RuleSet,
    eval: &Evaluation,
    declared: u64,
    text: &str,
    agreed: u64,
    told: bool,
    out: &mut Out,
    marks: &mut Marks,
) {
    let extra = undeclared_held(rules, eval, declared);
    if told {
        // Some declared role is refined, ruled out or not shown: say what does hold, and what
        // else the partner holds, each in its own sentence.
        if agreed != 0 {
            let _ = write!(out.text, "Of the roles declared in {text:?}, ");
            role_list(rules, roles_in(agreed), "and", &mut out.text);
            out.sentence(if agreed.count_ones() == 1 {
                " is held."
            } else {
                " are held."
            });
        }
        if extra != 0 {
            out.text.push_str("The partner also holds ");
            role_list(rules, roles_in(extra), "and", &mut out.text);
            out.sentence(", which the roster does not list.");
        }
    } else if agreed != 0 {
        if extra == 0 {
            let _ = write!(out.text, "Agrees with the declared role {text:?} (");
            role_list(rules, roles_in(agreed), ",", &mut out.text);
            out.sentence(").");
        } else {
            marks.incomplete = Some(out.len());
            let _ = write!(out.text, "Incomplete: the declared role {text:?} (");
            role_list(rules, roles_in(agreed), ",", &mut out.text);
            out.text.push_str(") is held, and the partner also holds ");
            role_list(rules, roles_in(extra), "and", &mut out.text);
            out.sentence(", which the roster does not list.");
        }
    }
}

/// The known or unknown facts a condition reads, as sentences.
fn facts_of(rules: &RuleSet, record: &Record, node: NodeId, text: &mut String) {
    let reads = rules.nodes[node].reads;
    for (i, f) in facts_in(reads).enumerate() {
        if i > 0 {
            text.push_str(" and ");
        }
        match record.facts.get(f) {
            None if record.facts.absent(f) != 0 => {
                text.push_str("the text denies that ");
                rules.fact_sentence_into(text, f, Some(record.facts.absent(f)));
            }
            bits => rules.fact_sentence_into(text, f, bits),
        }
    }
}

/// The names of the facts of `mask`, as a list ending in `and`.
fn fact_list(rules: &RuleSet, mask: u64, text: &mut String) {
    list(text, facts_in(mask), "and", |text, f| {
        text.push_str(&rules.facts[f].name)
    });
}

/// The ids of `roles` as a list ending in `word` (`a, b and c`); with `word` `,`, joined with
/// commas only (`a, b, c`).
fn role_list(
    rules: &RuleSet,
    roles: impl Iterator<Item = RoleId> + Clone,
    word: &str,
    text: &mut String,
) {
    list(text, roles, word, |text, r| {
        text.push_str(&rules.roles[r].id)
    });
}

/// The `items`, each written by `item`, separated by commas, the last by ` word ` (by a comma
/// too when `word` is `,`).
fn list<T>(
    text: &mut String,
    items: impl Iterator<Item = T> + Clone,
    word: &str,
    mut item: impl FnMut(&mut String, T),
) {
    let count = items.clone().count();
    for (i, it) in items.enumerate() {
        if i > 0 {
            if i + 1 < count || word == "," {
                text.push_str(", ");
            } else {
                text.push(' ');
                text.push_str(word);
                text.push(' ');
            }
        }
        item(text, it);
    }
}

/// Appends `parts` one after the other (what `write!` would, without its formatting machinery,
/// on the path of every fresh decision).
fn push(text: &mut String, parts: &[&str]) {
    for part in parts {
        text.push_str(part);
    }
}

fn article_word(id: &str) -> &'static str {
    if id.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}
