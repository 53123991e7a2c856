//! Reasons: the sentences that justify a classification. Built from the rule set's own words
//! (each condition's `says`, each fact's phrase, each role's definition and source), so a rule
//! author who changes the YAML changes the explanation with it.

use super::{
    DeclaredStanding, Evaluation, Status, Tri, candidate_order, certain_roles, declared_standing,
    undeclared_held, unknown_reads,
};
use crate::facts::Record;
use crate::rules::{NodeId, NodeKind, Op, RoleId, RuleSet, roles_in};

/// How many alternatives are explained one by one before the rest are summarized.
const MAX_ALTERNATIVES: usize = 4;

/// Where the sentences a writer may single out are, as they are written: typed, so that no
/// writer finds them by their English.
#[derive(Debug, Default)]
struct Marks {
    /// The sentence ruling out each role that has one.
    ruled_out: Vec<(RoleId, usize)>,
    /// The sentence saying a declared role is less specific than a held one.
    less_specific: Option<usize>,
    /// The sentence saying the declared roles are held along with others.
    incomplete: Option<usize>,
}

/// The reasons of a decision, and which of them says most about it (see
/// [`super::Decided::key_reason`]).
pub(super) fn reasons(rules: &RuleSet, record: &Record, eval: &Evaluation) -> (Vec<String>, usize) {
    let mut marks = Marks::default();
    let out = sentences(rules, record, eval, &mut marks);
    let declared_ruled_out = || {
        roles_in(record.declared_roles).find_map(|d| {
            marks
                .ruled_out
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
    (out, key)
}

fn sentences(
    rules: &RuleSet,
    record: &Record,
    eval: &Evaluation,
    marks: &mut Marks,
) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(problem) = &record.problem {
        out.push(format!("The row could not be read: {problem}"));
        return out;
    }
    match eval.status {
        Status::Classified => classified(rules, record, eval, &mut out),
        Status::Ambiguous => ambiguous(rules, record, eval, &mut out),
        Status::Unclassified => {
            if record.facts.known_count() == 0 {
                out.push("Unclassified: no fact is known; every column the rules read is empty or missing.".into());
            } else {
                out.push("Unclassified: no role fits the evidence.".into());
            }
        }
        Status::Error => {}
    }
    alternatives(rules, record, eval, &mut out, marks);
    declared(rules, record, eval, &mut out, marks);
    out
}

/// The sentences of a classified record: the profile, each held role's definition and the
/// rule that decided it (or, decided on what is left, what would confirm it), what is
/// atypical, and the roles set aside as less specific.
fn classified(rules: &RuleSet, record: &Record, eval: &Evaluation, out: &mut Vec<String>) {
    if eval.chosen.len() > 1 {
        out.push(profile(rules, eval));
    }
    for &role in &eval.chosen {
        if eval.tentative {
            // A fact only known not to be some values is still to be known.
            let missing = unknown_reads(
                rules,
                &eval.trace,
                eval.roles[role].rule,
                record.facts.value_mask(),
            );
            out.push(definition(rules, role, "Classified, on what is left, as"));
            let others_possible =
                (0..eval.roles.len()).any(|r| r != role && eval.roles[r].state == Tri::Unknown);
            out.push(format!(
                "{} the evidence speaks for {} {}, but it is not shown yet: knowing {} would confirm it.",
                if others_possible {
                    "Nothing known speaks for the other roles still possible, while"
                } else {
                    "Every other role is ruled out and"
                },
                article_word(&rules.roles[role].id),
                rules.roles[role].id,
                if missing == 0 {
                    "more of its facts".to_string()
                } else {
                    fact_list(rules, missing)
                }
            ));
            atypical(rules, record, eval, role, out);
            continue;
        }
        out.push(definition(rules, role, "Classified as"));
        let rule = &rules.rules[eval.roles[role].rule];
        out.push(format!(
            "Decided by rule {}: {}.",
            rule.id,
            held(rules, record, eval, role)
        ));
        atypical(rules, record, eval, role, out);
    }
    for &r in &eval.refined {
        let by = eval
            .chosen
            .iter()
            .copied()
            .find(|&c| rules.refines[c][r])
            .unwrap_or(eval.chosen[0]);
        out.push(format!(
            "Also fits {}, but {} is more specific: its conditions include all of {}'s.",
            rules.roles[r].id, rules.roles[by].id, rules.roles[r].id
        ));
    }
}

/// The sentences of an ambiguous record: the tied roles and why one partner cannot hold them,
/// what fits each, what it holds either way, and what would tell them apart.
fn ambiguous(rules: &RuleSet, record: &Record, eval: &Evaluation, out: &mut Vec<String>) {
    let certain = certain_roles(eval);
    let ids: Vec<&str> = eval
        .chosen
        .iter()
        .filter(|r| !certain.contains(r))
        .map(|&r| rules.roles[r].id.as_str())
        .collect();
    let pairs: Vec<String> = eval
        .conflicts
        .iter()
        .map(|&(a, b)| format!("{} with {}", rules.roles[a].id, rules.roles[b].id))
        .collect();
    out.push(format!(
        "Ambiguous between {}: each fits the evidence, neither's conditions include the other's, and the taxonomy lists no combination that lets one partner hold {}.",
        join_or(&ids, "and"),
        join_or(&pairs.iter().map(String::as_str).collect::<Vec<_>>(), "or")
    ));
    for &r in &eval.chosen {
        out.push(format!(
            "Fits {}: {}.",
            rules.roles[r].id,
            held(rules, record, eval, r)
        ));
    }
    let certain: Vec<&str> = certain_roles(eval)
        .into_iter()
        .map(|r| rules.roles[r].id.as_str())
        .collect();
    if !certain.is_empty() {
        out.push(format!(
            "Either way it holds {}, which can be held with each of the others.",
            join_or(&certain, "and")
        ));
    }
    out.push(tell_apart(rules, record, eval));
}

/// The sentence that introduces a role profile: its roles and why the taxonomy lets one partner
/// hold each pair.
fn profile(rules: &RuleSet, eval: &Evaluation) -> String {
    let ids: Vec<&str> = eval
        .chosen
        .iter()
        .map(|&r| rules.roles[r].id.as_str())
        .collect();
    let mut why = Vec::new();
    for (i, &a) in eval.chosen.iter().enumerate() {
        for &b in &eval.chosen[i + 1..] {
            let pair = (a.min(b), a.max(b));
            if let Some(c) = rules.combinations.iter().find(|c| c.roles == pair) {
                why.push(format!(
                    "{} with {}: {} [glossary: {}]",
                    rules.roles[pair.0].id, rules.roles[pair.1].id, c.because, c.source
                ));
            }
        }
    }
    format!(
        "Holds {} roles at once, {}; the taxonomy lets one partner hold them together ({}).",
        ids.len(),
        join_or(&ids, "and"),
        why.join("; ")
    )
}

/// For an ambiguous record: the unknown facts that would tell the tied roles apart, or that
/// none are left.
fn tell_apart(rules: &RuleSet, record: &Record, eval: &Evaluation) -> String {
    let known = record.facts.known_mask();
    let tied: Vec<RoleId> = eval.conflicts.iter().flat_map(|&(a, b)| [a, b]).collect();
    let candidates = tied
        .iter()
        .fold(0u64, |acc, &r| acc | rules.rules[eval.roles[r].rule].reads)
        & !known;
    // A fact tells them apart when some value of it would rule one of the tied roles out:
    // checked by evaluating the record with that value.
    let mut trace = Vec::new();
    let reads = (0..rules.facts.len())
        .filter(|&f| candidates & (1u64 << f) != 0)
        .filter(|&f| {
            let fact = &rules.facts[f];
            let values = (0..fact.values.len() as u8)
                .filter(|&v| Some(v) != fact.nothing)
                .map(|v| 1u64 << v)
                .chain(fact.nothing.map(|_| 0));
            values.into_iter().any(|bits| {
                let mut facts = record.facts.clone();
                facts.values[f] = Some(bits);
                let roles = super::evaluate(rules, &facts, &mut trace);
                tied.iter().any(|&r| roles[r].state == Tri::False)
            })
        })
        .fold(0u64, |acc, f| acc | 1u64 << f);
    if reads == 0 {
        "No fact still unknown would tell them apart; a person must decide which one describes the partner.".into()
    } else {
        format!("Knowing {} would tell them apart.", fact_list(rules, reads))
    }
}

fn definition(rules: &RuleSet, role: RoleId, lead: &str) -> String {
    let r = &rules.roles[role];
    format!("{lead} {}: {} [glossary: {}]", r.id, r.definition, r.source)
}

/// The known facts behind the conditions of `role`'s best rule that hold, as `fact = values`
/// (what the role requires of them is in its definition and in `rules show`).
fn held(rules: &RuleSet, record: &Record, eval: &Evaluation, role: RoleId) -> String {
    let rule = &rules.rules[eval.roles[role].rule];
    let known = record.facts.known_mask();
    let reads = rule
        .conjuncts
        .iter()
        .filter(|&&c| eval.trace[c] == Tri::True)
        .fold(0u64, |acc, &c| acc | rules.nodes[c].reads)
        & known;
    let facts: Vec<String> = (0..rules.facts.len())
        .filter(|&f| reads & (1u64 << f) != 0)
        .filter_map(|f| match record.facts.get(f) {
            Some(bits) => Some(format!(
                "{} = {}",
                rules.facts[f].name,
                rules.value_text(f, bits)
            )),
            // Known only not to be some values (negated in a text).
            None if record.facts.absent(f) != 0 => Some(format!(
                "{} = not {}",
                rules.facts[f].name,
                rules.value_ids(f, record.facts.absent(f), " or ")
            )),
            None => None,
        })
        .collect();
    if facts.is_empty() {
        "no known fact contradicts it".into()
    } else {
        facts.join("; ")
    }
}

fn alternatives(
    rules: &RuleSet,
    record: &Record,
    eval: &Evaluation,
    out: &mut Vec<String>,
    marks: &mut Marks,
) {
    let declared = record.declared_roles;
    let is_declared = |r: RoleId| declared & (1u64 << r) != 0;
    let order = candidate_order(rules, eval, declared);
    let others: Vec<RoleId> = order
        .into_iter()
        .filter(|r| !eval.chosen.contains(r) && !eval.refined.contains(r))
        .collect();
    let possible: Vec<RoleId> = others
        .iter()
        .copied()
        .filter(|&r| eval.roles[r].state == Tri::Unknown)
        .collect();
    // The declared role first: it is the alternative the reader cares about. Other ruled-out
    // roles only while no role is still possible (then the possible ones are the story).
    let mut ruled_out: Vec<RoleId> = others
        .iter()
        .copied()
        .filter(|&r| eval.roles[r].state == Tri::False)
        .filter(|&r| is_declared(r) || possible.is_empty() || eval.status != Status::Unclassified)
        // A close alternative is one the evidence speaks for in part.
        .filter(|&r| is_declared(r) || has_evidence(rules, record, eval, r))
        .collect();
    ruled_out.sort_by_key(|&r| !is_declared(r));

    if possible.len() > MAX_ALTERNATIVES {
        let ids: Vec<&str> = possible
            .iter()
            .map(|&r| rules.roles[r].id.as_str())
            .collect();
        let missing = possible.iter().fold(0u64, |acc, &r| {
            acc | unknown_reads(
                rules,
                &eval.trace,
                eval.roles[r].rule,
                record.facts.known_mask(),
            )
        });
        out.push(format!(
            "{} roles remain possible ({}); knowing {} would decide between them.",
            ids.len(),
            ids.join(", "),
            fact_list(rules, missing)
        ));
    } else {
        for &r in &possible {
            let rule = eval.roles[r].rule;
            let parts: Vec<String> = rules.rules[rule]
                .defining
                .iter()
                .filter(|&&c| eval.trace[c] == Tri::Unknown)
                .map(|&c| {
                    format!(
                        "{}, and {} {}",
                        facts_of(rules, record, c),
                        article(&rules.roles[r].id),
                        says(rules, c)
                    )
                })
                .collect();
            out.push(format!(
                "Could be {} {}: {}.",
                article_word(&rules.roles[r].id),
                rules.roles[r].id,
                parts.join("; ")
            ));
        }
        if eval.status == Status::Unclassified && !possible.is_empty() {
            let missing = possible.iter().fold(0u64, |acc, &r| {
                acc | unknown_reads(
                    rules,
                    &eval.trace,
                    eval.roles[r].rule,
                    record.facts.known_mask(),
                )
            });
            out.push(format!(
                "Missing evidence: {} would decide it.",
                fact_list(rules, missing)
            ));
        }
    }
    for &r in ruled_out.iter().take(MAX_ALTERNATIVES) {
        marks.ruled_out.push((r, out.len()));
        out.push(ruled_out_sentence(rules, record, eval, r));
    }
    if let Some(more) = ruled_out.get(MAX_ALTERNATIVES..).filter(|m| !m.is_empty()) {
        out.push(also_ruled_out(rules, more));
    }
    if eval.status == Status::Unclassified && possible.is_empty() && ruled_out.is_empty() {
        out.push(
            "Every role is ruled out by two or more of its conditions; no role is close.".into(),
        );
    }
}

/// The sentence naming the roles ruled out by one condition each past the ones told.
fn also_ruled_out(rules: &RuleSet, more: &[RoleId]) -> String {
    let ids: Vec<&str> = more.iter().map(|&r| rules.roles[r].id.as_str()).collect();
    format!(
        "Also ruled out by one condition each: {} (`partner-roles explain` shows why).",
        join_or(&ids, "and")
    )
}

fn ruled_out_sentence(rules: &RuleSet, record: &Record, eval: &Evaluation, r: RoleId) -> String {
    let rule = eval.roles[r].rule;
    let id = &rules.roles[r].id;
    let parts: Vec<String> = rules.rules[rule]
        .defining
        .iter()
        .filter(|&&c| eval.trace[c] == Tri::False)
        .map(|&c| {
            format!(
                "{}, and {} {}",
                fault_of(rules, record, c),
                article(id),
                says(rules, c)
            )
        })
        .collect();
    format!("Not {} {id}: {}.", article_word(id), parts.join("; "))
}

/// Whether the evidence speaks for `role` in part (see [`super::has_evidence`]).
fn has_evidence(rules: &RuleSet, record: &Record, eval: &Evaluation, role: RoleId) -> bool {
    super::has_evidence(
        rules,
        &eval.trace,
        record.facts.known_mask(),
        eval.roles[role].rule,
    )
}

/// The facts that make a false condition false, as sentences: for a `has_none` test only the
/// values it forbids (not the rest of the list); for an `any`, the faults of its parts; else
/// the fact as it is.
fn fault_of(rules: &RuleSet, record: &Record, node: NodeId) -> String {
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
                return rules.fact_sentence(*fact, Some(bits & mask));
            }
            facts_of(rules, record, node)
        }
        NodeKind::Any(parts) => parts
            .iter()
            .map(|&p| fault_of(rules, record, p))
            .collect::<Vec<_>>()
            .join(" and "),
        _ => facts_of(rules, record, node),
    }
}

/// Sentences for the typical conditions a held role does not meet: "An atypical
/// systems_integrator: the work is ongoing, though a systems_integrator typically works in
/// project-based engagements."
fn atypical(
    rules: &RuleSet,
    record: &Record,
    eval: &Evaluation,
    role: RoleId,
    out: &mut Vec<String>,
) {
    let id = &rules.roles[role].id;
    for &c in &rules.rules[eval.roles[role].rule].conjuncts {
        if rules.nodes[c].typical && eval.trace[c] == Tri::False {
            out.push(format!(
                "An atypical {id}: {}, though {} typically {}.",
                fault_of(rules, record, c),
                article(id),
                says(rules, c)
            ));
        }
    }
}

/// One sentence per declared role that does not simply agree, naming the finding and the
/// roles concerned; one sentence when every declared role agrees.
fn declared(
    rules: &RuleSet,
    record: &Record,
    eval: &Evaluation,
    out: &mut Vec<String>,
    marks: &mut Marks,
) {
    let declared = record.declared_roles;
    let Some(text) = record.declared_text.as_deref().filter(|_| declared != 0) else {
        return;
    };
    let id = |r: RoleId| rules.roles[r].id.as_str();
    let held: Vec<&str> = eval.chosen.iter().map(|&r| id(r)).collect();
    let held = join_or(&held, "and");
    let mut agreed = Vec::new();
    let mut covered = 0;
    let certain = certain_roles(eval);
    let before = out.len();
    for d in roles_in(declared) {
        match declared_standing(rules, eval, declared, d) {
            // Held, or refined by another declared role that is held (named through that one).
            DeclaredStanding::Held if certain.contains(&d) => agreed.push(id(d)),
            DeclaredStanding::Held => covered += 1,
            DeclaredStanding::RefinedBy(h) => out.push({
                marks.less_specific.get_or_insert(out.len());
                format!(
                "Less specific than the evidence: declared {text:?} ({}), and it holds {}, which refines {}: {} {} is {} {} that meets more conditions.",
                id(d),
                id(h),
                id(d),
                article_word(id(h)),
                id(h),
                article_word(id(d)),
                id(d)
            )
            }),
            DeclaredStanding::RuledOut => out.push(match eval.status {
                Status::Classified => format!(
                    "Disagrees with the declared role {text:?} ({}): the evidence rules it out and makes it {} {held}.",
                    id(d),
                    article_word(id(eval.chosen[0]))
                ),
                _ => format!(
                    "Disagrees with the declared role {text:?} ({}): the evidence rules it out.",
                    id(d)
                ),
            }),
            DeclaredStanding::NotShown if eval.roles[d].state == Tri::True => out.push(format!(
                "Declared as {text:?} ({}); the evidence does not confirm it: it fits, but so does {}, and one partner is not both.",
                id(d),
                join_or(
                    &eval
                        .conflicts
                        .iter()
                        .filter_map(|&(a, b)| {
                            (a == d).then_some(b).or((b == d).then_some(a))
                        })
                        .map(id)
                        .collect::<Vec<_>>(),
                    "and"
                )
            )),
            DeclaredStanding::NotShown => out.push(format!(
                "Declared as {text:?} ({}); the evidence does not confirm it: it is still possible but not shown.",
                id(d)
            )),
        }
    }
    let all_agree = agreed.len() + covered == roles_in(declared).count();
    let told = out.len() > before || !all_agree;
    agreement(rules, eval, declared, text, &agreed, told, out, marks);
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
    agreed: &[&str],
    told: bool,
    out: &mut Vec<String>,
    marks: &mut Marks,
) {
    let extra: Vec<&str> = undeclared_held(rules, eval, declared)
        .into_iter()
        .map(|r| rules.roles[r].id.as_str())
        .collect();
    if told {
        // Some declared role is refined, ruled out or not shown: say what does hold, and what
        // else the partner holds, each in its own sentence.
        if !agreed.is_empty() {
            out.push(format!(
                "Of the roles declared in {text:?}, {} {} held.",
                join_or(agreed, "and"),
                if agreed.len() == 1 { "is" } else { "are" }
            ));
        }
        if !extra.is_empty() {
            out.push(format!(
                "The partner also holds {}, which the roster does not list.",
                join_or(&extra, "and")
            ));
        }
    } else if !agreed.is_empty() {
        out.push(if extra.is_empty() {
            format!(
                "Agrees with the declared role {text:?} ({}).",
                agreed.join(", ")
            )
        } else {
            marks.incomplete = Some(out.len());
            format!(
                "Incomplete: the declared role {text:?} ({}) is held, and the partner also holds {}, which the roster does not list.",
                agreed.join(", "),
                join_or(&extra, "and")
            )
        });
    }
}

/// The known or unknown facts a condition reads, as sentences.
fn facts_of(rules: &RuleSet, record: &Record, node: NodeId) -> String {
    let reads = rules.nodes[node].reads;
    (0..rules.facts.len())
        .filter(|&f| reads & (1u64 << f) != 0)
        .map(|f| match record.facts.get(f) {
            None if record.facts.absent(f) != 0 => format!(
                "the text denies that {}",
                rules.fact_sentence(f, Some(record.facts.absent(f)))
            ),
            bits => rules.fact_sentence(f, bits),
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

/// What a condition requires, in the rule author's words or generated from its form.
pub(crate) fn says(rules: &RuleSet, node: NodeId) -> String {
    let n = &rules.nodes[node];
    if let Some(s) = &n.says {
        return s.clone();
    }
    match &n.kind {
        NodeKind::Test {
            fact,
            op,
            mask,
            if_known,
        } => {
            let name = &rules.facts[*fact].name;
            let values = rules.value_ids(*fact, *mask, ", ");
            let text = match op {
                Op::Is => format!("needs {name} = {values}"),
                Op::In => format!("needs {name} to be one of {values}"),
                Op::HasAny => format!("needs {name} to include any of {values}"),
                Op::HasAll => format!("needs {name} to include all of {values}"),
                Op::HasNone => format!("needs {name} to include none of {values}"),
            };
            if *if_known {
                format!("{text} (when given)")
            } else {
                text
            }
        }
        NodeKind::Present(f) => format!("needs {} to be given", rules.facts[*f].name),
        NodeKind::Missing(f) => format!("needs {} not to be given", rules.facts[*f].name),
        NodeKind::All(parts) => parts
            .iter()
            .map(|&p| says(rules, p))
            .collect::<Vec<_>>()
            .join(" and "),
        NodeKind::Any(parts) => parts
            .iter()
            .map(|&p| says(rules, p))
            .collect::<Vec<_>>()
            .join(" or "),
        NodeKind::Not(part) => format!("does not meet this: {}", says(rules, *part)),
    }
}

fn fact_list(rules: &RuleSet, mask: u64) -> String {
    let names: Vec<&str> = (0..rules.facts.len())
        .filter(|&f| mask & (1u64 << f) != 0)
        .map(|f| rules.facts[f].name.as_str())
        .collect();
    join_or(&names, "and")
}

fn join_or(items: &[&str], word: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} {word} {last}", rest.join(", ")),
    }
}

fn article_word(id: &str) -> &'static str {
    if id.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

fn article(id: &str) -> String {
    format!("{} {id}", article_word(id))
}
