//! The parts decisions share: each classifying thread keeps the [`Outcome`]s, candidate lists
//! and [`Declaration`]s it made lately, keyed by what each depends on, and a new decision takes
//! the kept part when one matches. A roster's tens of thousands of patterns have a few hundred
//! outcomes and a few thousand declarations, so a decision holds pointers, and a cache of
//! decisions holds many more in the same memory.
//!
//! Owns: building and sharing those parts. Must not touch: how a decision is reached.

use std::sync::Arc;

use super::{Candidate, Declaration, Evaluation, Outcome, Status, Tri, fit_of};
use crate::cache::{Gate, Generations};
use crate::facts::Record;
use crate::rules::RuleSet;

/// Most parts of each kind one generation keeps (see [`crate::cache`]).
const ENTRIES: usize = 2048;
/// Most bytes of parts of each kind one generation keeps, as [`size_of`] counts them.
const BYTES: usize = 256 << 10;

/// One thread's kept parts (one per [`super::Classifier`]).
#[derive(Debug)]
pub struct Parts<'r> {
    outcomes: Generations<Box<[u8]>, Arc<Outcome<'r>>>,
    candidates: Generations<Box<[u8]>, Arc<[Candidate<'r>]>>,
    declarations: Generations<Box<[u8]>, Arc<Declaration<'r>>>,
    /// Sentences about one role's conditions, by what they say (see
    /// `reasons::conditions_sentence`): many patterns rule out the same role for the same facts.
    pub(super) sentences: SentenceMemo,
    key: Vec<u8>,
    /// The candidate order of the decision being made (see [`super::candidate_order_into`]),
    /// kept so that a fresh decision does not allocate it.
    pub(super) order: Vec<crate::rules::RoleId>,
}

/// Sentences by a key naming everything their words depend on, for one rule set.
#[derive(Debug)]
pub(super) struct SentenceMemo {
    texts: Generations<Box<[u8]>, Box<str>>,
    /// Whether new sentences are worth keeping: while one lookup in two finds its sentence
    /// (on a roster of new patterns, most of these sentences are new too).
    gate: Gate,
    /// The key of the sentence being looked up or written.
    pub(super) key: Vec<u8>,
    /// Whether the sentence last looked up is to be kept once written.
    keep: bool,
}

impl SentenceMemo {
    /// The sentence kept under the key in [`SentenceMemo::key`].
    pub(super) fn get(&mut self) -> Option<&str> {
        let found = self.texts.get(self.key.as_slice());
        self.keep = self.gate.count(found.is_some());
        found.map(|text| &**text)
    }

    /// Keeps `text` under the key in [`SentenceMemo::key`], when keeping pays.
    pub(super) fn keep(&mut self, text: &str) {
        if !self.keep {
            return;
        }
        let bytes = OVERHEAD + self.key.len() + text.len();
        self.texts
            .insert(self.key.as_slice().into(), text.into(), bytes);
    }
}

impl Default for Parts<'_> {
    fn default() -> Self {
        Parts {
            outcomes: Generations::new(ENTRIES, BYTES),
            candidates: Generations::new(ENTRIES, BYTES),
            declarations: Generations::new(ENTRIES, BYTES),
            sentences: SentenceMemo {
                texts: Generations::new(ENTRIES, BYTES),
                gate: Gate::new(1, 1, true),
                key: Vec::new(),
                keep: false,
            },
            key: Vec::new(),
            order: Vec::new(),
        }
    }
}

/// Appends `n` as a variable-length integer (7 bits a byte, low first).
pub(super) fn number(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Appends the bits of `x` whole, in eight bytes: a float's bits are rarely a small number, and
/// as a variable-length one (see [`number`]) they take ten bytes and a loop.
fn float(out: &mut Vec<u8>, x: f64) {
    out.extend_from_slice(&x.to_bits().to_le_bytes());
}

/// Bytes a kept part costs besides its content: its key, the table slot, the `Arc`.
const OVERHEAD: usize = 96;

/// The bytes of a part that lists `items` of `item` bytes and `text` bytes of text.
fn size_of(items: usize, item: usize, text: usize) -> usize {
    OVERHEAD + items * item + text
}

impl<'r> Parts<'r> {
    /// The outcome of `eval`, and the bytes it took when it was made now (0 when shared).
    pub(super) fn outcome(
        &mut self,
        rules: &'r RuleSet,
        eval: &Evaluation,
    ) -> (Arc<Outcome<'r>>, usize) {
        let key = &mut self.key;
        key.clear();
        key.push(eval.status as u8);
        float(key, eval.confidence);
        number(key, eval.chosen.len() as u64);
        for &r in &eval.chosen {
            number(key, r as u64);
        }
        let fired = fired(rules, eval);
        for r in fired.clone() {
            number(key, r as u64);
        }
        if let Some(kept) = self.outcomes.get_cloned(key.as_slice()) {
            return (kept, 0);
        }
        let outcome = Arc::new(build_outcome(rules, eval, fired.collect()));
        let bytes = size_of(
            outcome.roles.len() + outcome.names.len() + outcome.chosen.len() + outcome.fired.len(),
            16,
            outcome.role.as_ref().map_or(0, String::len)
                + outcome.category.as_ref().map_or(0, String::len),
        );
        keep(&mut self.outcomes, key, outcome, bytes)
    }

    /// The candidates of `eval` for a row declaring `declared`, and the bytes they took when
    /// they were made now (0 when shared).
    pub(super) fn candidates(
        &mut self,
        rules: &'r RuleSet,
        eval: &Evaluation,
        order: &[usize],
    ) -> (Arc<[Candidate<'r>]>, usize) {
        let held = |r: usize| {
            (eval.status == Status::Classified)
                .then(|| eval.chosen.iter().position(|&c| c == r))
                .flatten()
                .map(|i| eval.role_confidence[i])
        };
        let key = &mut self.key;
        key.clear();
        for &r in order {
            number(key, r as u64);
            float(key, super::round2(eval.roles[r].score));
            key.push(eval.roles[r].state as u8);
            match held(r) {
                None => key.push(0),
                Some(c) => {
                    key.push(1);
                    float(key, c);
                }
            }
        }
        if let Some(kept) = self.candidates.get_cloned(key.as_slice()) {
            return (kept, 0);
        }
        let list: Arc<[Candidate<'r>]> = order
            .iter()
            .map(|&r| Candidate {
                role: rules.roles[r].id.as_str(),
                score: super::round2(eval.roles[r].score),
                fit: fit_of(eval.roles[r].state),
                confidence: held(r),
            })
            .collect();
        let bytes = size_of(list.len(), std::mem::size_of::<Candidate>(), 0);
        keep(&mut self.candidates, key, list, bytes)
    }

    /// What `record` declares, and the bytes it took when it was made now (0 when shared).
    pub(super) fn declaration(
        &mut self,
        rules: &'r RuleSet,
        record: &Record,
    ) -> (Arc<Declaration<'r>>, usize) {
        let declared = record.declared_roles;
        let key = &mut self.key;
        key.clear();
        number(key, declared);
        match &record.declared_text {
            None => key.push(0),
            Some(text) => {
                key.push(1);
                key.extend_from_slice(text.as_bytes());
            }
        }
        if let Some(kept) = self.declarations.get_cloned(key.as_slice()) {
            return (kept, 0);
        }
        let declaration = Arc::new(Declaration {
            declared_role: (declared != 0).then(|| joined(rules.role_ids_of(declared), ';')),
            declared_names: crate::rules::roles_in(declared)
                .map(|r| rules.roles[r].name.as_str())
                .collect(),
            declared_text: record.declared_text.clone(),
            umbrella_only: declared == 0
                && record
                    .declared_text
                    .as_deref()
                    .is_some_and(|t| rules.declared_cell(t).umbrella.is_some()),
        });
        let bytes = size_of(
            declaration.declared_names.len(),
            16,
            declaration.declared_role.as_ref().map_or(0, String::len)
                + declaration.declared_text.as_ref().map_or(0, String::len),
        );
        keep(&mut self.declarations, key, declaration, bytes)
    }
}

/// Keeps `part` under `key`, counting `bytes` for it (and the key), and hands it back with
/// `bytes`, the memory it took.
fn keep<T: ?Sized>(
    kept: &mut Generations<Box<[u8]>, Arc<T>>,
    key: &[u8],
    part: Arc<T>,
    bytes: usize,
) -> (Arc<T>, usize) {
    kept.insert(key.into(), Arc::clone(&part), bytes + key.len());
    (part, bytes)
}

/// The rules that fit (none for an unreadable row).
fn fired<'a>(rules: &'a RuleSet, eval: &'a Evaluation) -> impl Iterator<Item = usize> + Clone + 'a {
    (0..rules.rules.len()).filter(move |&r| {
        eval.status != Status::Error && eval.trace[rules.rules[r].root] == Tri::True
    })
}

/// `parts` joined by `separator`, in one allocation of exactly their size.
fn joined<'a>(parts: impl Iterator<Item = &'a str> + Clone, separator: char) -> String {
    let (count, bytes) = parts
        .clone()
        .fold((0usize, 0), |(n, b), p| (n + 1, b + p.len()));
    let mut out = String::with_capacity(bytes + count.saturating_sub(1) * separator.len_utf8());
    for (i, part) in parts.enumerate() {
        if i > 0 {
            out.push(separator);
        }
        out.push_str(part);
    }
    out
}

fn build_outcome<'r>(rules: &'r RuleSet, eval: &Evaluation, fired: Vec<usize>) -> Outcome<'r> {
    let classified = eval.status == Status::Classified;
    let roles: Vec<&'r str> = if classified {
        eval.chosen
            .iter()
            .map(|&r| rules.roles[r].id.as_str())
            .collect()
    } else {
        Vec::new()
    };
    let role = classified.then(|| roles.join("+"));
    let category = match eval.status {
        Status::Classified => {
            // Each category once, in the order of the roles (a role set is a few roles).
            let firsts = eval.chosen.iter().enumerate().filter_map(|(i, &r)| {
                let c = rules.roles[r].category;
                (!eval.chosen[..i]
                    .iter()
                    .any(|&e| rules.roles[e].category == c))
                .then(|| rules.categories[c].id.as_str())
            });
            Some(joined(firsts, '+'))
        }
        Status::Ambiguous => {
            let first = rules.roles[eval.chosen[0]].category;
            eval.chosen
                .iter()
                .all(|&r| rules.roles[r].category == first)
                .then(|| rules.categories[first].id.clone())
        }
        _ => None,
    };
    let channel_partner = match eval.status {
        Status::Classified => eval.chosen.iter().any(|&r| rules.roles[r].umbrella),
        Status::Ambiguous => eval.chosen.iter().all(|&r| rules.roles[r].umbrella),
        _ => false,
    };
    Outcome {
        status: eval.status,
        roles,
        role,
        category,
        channel_partner,
        confidence: eval.confidence,
        names: eval
            .chosen
            .iter()
            .map(|&r| rules.roles[r].name.as_str())
            .collect(),
        chosen: eval.chosen.clone(),
        fired,
    }
}
