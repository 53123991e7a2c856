//! Deciding a roster: `Classifier` (one per classifying thread) remembers the decision of
//! each row pattern, and through `Decisions`, one cache shared by the threads of a run, the
//! decision of each fact pattern.

use std::sync::Arc;

use super::{
    Classification, Decided, Evaluation, Parts, decided, evaluate_into, evaluate_record,
    own_reasons,
};
use crate::cache::{Gate, Generations};
use crate::facts::Record;
use crate::rules::RuleSet;

/// Most decisions a [`Classifier`] keeps by row pattern per generation.
const CACHE_LIMIT: usize = 1024;
/// Most bytes of decisions a [`Classifier`] keeps by row pattern per generation (decisions
/// quoting long declared cells are large, and each classifying thread has its own).
const PATTERN_BYTES: usize = 1 << 20;
/// Most decisions the shared cache keeps per generation.
const DECISIONS_LIMIT: usize = 32768;
/// Most bytes of decisions one generation of the shared cache holds (see `Decided::size`):
/// two generations hold the 41,564 fact patterns of the diverse benchmark roster, so each is
/// decided about once.
const CACHE_BYTES: usize = 8 << 20;
/// While keeping decisions does not pay (see `Classifier::keep`), the few still kept fill at
/// most this share of a generation: on a roster of patterns that do not come back they would
/// otherwise fill the whole bound with decisions never found again.
const TRICKLE_SHARE: usize = 8;

/// The decisions of a run, by their key (see `pattern_key`): sharded by the key's hash so
/// that the classifying threads seldom wait for each other, each shard a two-generation cache
/// bounded in entries and bytes.
pub struct Decisions<'r> {
    shards: Vec<std::sync::Mutex<DecisionShard<'r>>>,
}

type DecisionShard<'r> = Generations<Box<[u8]>, Arc<Decided<'r>>>;

/// Shards of the shared decision cache.
const SHARDS: usize = 16;

impl<'r> Decisions<'r> {
    /// An empty cache for one run.
    pub fn new() -> Self {
        Decisions {
            shards: (0..SHARDS)
                .map(|_| {
                    std::sync::Mutex::new(Generations::new(
                        DECISIONS_LIMIT / SHARDS,
                        CACHE_BYTES / SHARDS,
                    ))
                })
                .collect(),
        }
    }

    fn shard(&self, key: &[u8]) -> std::sync::MutexGuard<'_, DecisionShard<'r>> {
        use std::hash::Hasher;
        let mut h = rustc_hash::FxHasher::default();
        h.write(key);
        let shard = &self.shards[(h.finish() >> 60) as usize % SHARDS];
        // A poisoned shard only means another thread panicked; its entries are whole.
        shard.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn find(&self, key: &[u8]) -> Option<Arc<Decided<'r>>> {
        self.shard(key).get_cloned(key)
    }

    /// Keeps `decided` under `key`; when keeping does not pay (`pays` false), only while the
    /// young generation holds less than [`TRICKLE_SHARE`] of its bound.
    fn keep(&self, key: &[u8], decided: &Arc<Decided<'r>>, pays: bool) {
        let mut shard = self.shard(key);
        if !pays && shard.young_past(TRICKLE_SHARE) {
            return;
        }
        // Another thread may have decided the same pattern meanwhile: one is enough.
        if shard.get(key).is_none() {
            let bytes = decided.size() + key.len() + KEY_OVERHEAD;
            shard.insert(key.into(), Arc::clone(decided), bytes);
        }
    }
}

/// Bytes a cache entry costs besides its decision and key bytes: the key's allocation and the
/// table's slot.
const KEY_OVERHEAD: usize = 48;

/// Writes the key of a record's decision into `out`: everything a decision depends on (the
/// facts, the declared roles and the declared cell as typed), each number as a variable-length
/// integer and each optional part behind a tag, so that two records have the same key exactly
/// when they have the same facts and declaration. About 40 bytes, against some 300 for a copy
/// of the facts.
fn pattern_key(record: &Record, out: &mut Vec<u8>) {
    use super::parts::number;
    out.clear();
    let facts = &record.facts;
    number(out, facts.from_text);
    number(out, facts.values.len() as u64);
    for (value, absent) in facts.values.iter().zip(&facts.absent) {
        match value {
            None => out.push(0),
            Some(v) => {
                out.push(1);
                number(out, *v);
            }
        }
        number(out, *absent);
    }
    number(out, record.declared_roles);
    match &record.declared_text {
        None => out.push(0),
        Some(text) => {
            out.push(1);
            number(out, text.len() as u64);
            out.extend_from_slice(text.as_bytes());
        }
    }
}

impl Default for Decisions<'_> {
    fn default() -> Self {
        Self::new()
    }
}

/// Classifies records with a bounded cache of decisions: a classification depends only on the
/// record's facts and declared role, and rosters repeat the same patterns, so each distinct
/// pattern is evaluated and explained once. One classifier per thread.
pub struct Classifier<'r> {
    rules: &'r RuleSet,
    /// Decisions by the hash of their facts and declared role, shared by the classifiers of
    /// one run (each pattern is decided once, whichever thread meets it first).
    cache: Arc<Decisions<'r>>,
    /// Decisions by row pattern (see `Record::pattern`): one lookup for a row seen before.
    by_pattern: Generations<u64, Arc<Decided<'r>>>,
    /// Whether new decisions are worth keeping in `cache`: while one lookup in five finds its
    /// decision. On a roster where nearly every row is a new pattern, keeping each decision
    /// (a copy of its facts, and dropping it unused later) costs more than the rare hit saves.
    keep: Gate,
    /// The evaluation of the record being decided, its buffers kept from one to the next.
    eval: Evaluation,
    /// The key of the record being decided (see [`pattern_key`]).
    key: Vec<u8>,
    /// The parts this thread's decisions share.
    parts: Parts<'r>,
}

impl<'r> Classifier<'r> {
    /// A classifier for `rules`.
    pub fn new(rules: &'r RuleSet) -> Self {
        Classifier {
            rules,
            cache: Arc::new(Decisions::new()),
            by_pattern: Generations::new(CACHE_LIMIT, PATTERN_BYTES),
            keep: Gate::new(1, 4, true),
            eval: Evaluation::empty(),
            key: Vec::new(),
            parts: Parts::default(),
        }
    }

    /// A classifier for `rules` that shares its decisions with the other classifiers of
    /// `shared` (one per thread of a run).
    pub fn sharing(rules: &'r RuleSet, shared: Arc<Decisions<'r>>) -> Self {
        Classifier {
            cache: shared,
            ..Classifier::new(rules)
        }
    }

    /// Classifies one record.
    pub fn classify(&mut self, record: &Record) -> Classification<'r> {
        let decided = self.decided(record);
        Classification {
            partner_id: record.partner_id.clone(),
            partner_name: record.partner_name.clone(),
            decided,
            own_reasons: own_reasons(record),
            warnings: record.warnings.clone(),
            line: record.line,
        }
    }

    /// The shared decision for a record: from the cache when its pattern was seen.
    pub fn decided(&mut self, record: &Record) -> Arc<Decided<'r>> {
        if record.problem.is_some() {
            let eval = evaluate_record(self.rules, record);
            return Arc::new(decided(self.rules, record, &eval, &mut self.parts, false));
        }
        let Some(pattern) = record.pattern else {
            return self.decided_by_facts(record);
        };
        if let Some(decided) = self.by_pattern.get_cloned(&pattern) {
            return decided;
        }
        let decided = self.decided_by_facts(record);
        let bytes = decided.size();
        self.by_pattern.insert(pattern, Arc::clone(&decided), bytes);
        decided
    }

    fn decided_by_facts(&mut self, record: &Record) -> Arc<Decided<'r>> {
        pattern_key(record, &mut self.key);
        let found = self.cache.find(&self.key);
        let keep = self.keep.count(found.is_some());
        if let Some(decided) = found {
            return decided;
        }
        evaluate_into(self.rules, &record.facts, false, &mut self.eval);
        // A long declared cell is quoted in the reasons: such decisions are not kept, so the
        // cache stays bounded in bytes. A decision not kept does not share its sentences: on a
        // roster where patterns do not come back, interning them costs more than it saves.
        let keep = keep && record.declared_text.as_ref().is_none_or(|t| t.len() <= 256);
        let decided = Arc::new(decided(
            self.rules,
            record,
            &self.eval,
            &mut self.parts,
            keep,
        ));
        if keep {
            self.cache.keep(&self.key, &decided, self.keep.pays());
        }
        decided
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::pattern_key;
    use crate::facts::{Facts, Record};

    fn record(
        values: Vec<Option<u64>>,
        absent: Vec<u64>,
        from_text: u64,
        declared: u64,
        text: Option<String>,
    ) -> Record {
        Record {
            declared_text: text,
            declared_roles: declared,
            ..Record::with_facts(Facts {
                values,
                absent,
                from_text,
            })
        }
    }

    fn parts() -> impl Strategy<Value = Parts> {
        // Few distinct small values, so that equal records come up often; large ones test
        // every byte of the variable-length integers.
        let number = prop_oneof![3 => Just(0u64), 3 => 1u64..4, 1 => Just(u64::MAX), 1 => Just(1 << 63), 1 => Just(0x80)];
        (1usize..4).prop_flat_map(move |n| {
            (
                proptest::collection::vec(proptest::option::of(number.clone()), n),
                proptest::collection::vec(number.clone(), n),
                number.clone(),
                number.clone(),
                proptest::option::of("[a\u{0}\u{1}\u{80}é]{0,3}"),
            )
        })
    }

    /// Facts values, absent values, text mask, declared roles, declared cell.
    type Parts = (Vec<Option<u64>>, Vec<u64>, u64, u64, Option<String>);

    /// `a` with one part changed to `other`'s (picked by `which`), or `a` itself.
    fn near(a: &Parts, other: &Parts, which: usize, at: usize) -> Parts {
        let mut b = a.clone();
        let i = at % b.0.len();
        match which {
            0 => {}
            1 => b.0[i] = other.0[at % other.0.len()],
            2 => b.1[i] = other.1[at % other.1.len()],
            3 => b.2 = other.2,
            4 => b.3 = other.3,
            _ => b.4 = other.4.clone(),
        }
        b
    }

    /// Records of random facts (a sixth unknown, list facts with one to three values, some
    /// values denied by text, some facts read from text) and random declarations, from `seed`.
    fn random_records(rules: &crate::rules::RuleSet, count: usize, seed: u64) -> Vec<Record> {
        let mut state = seed | 1;
        let mut next = move |below: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % below.max(1)
        };
        (0..count)
            .map(|_| {
                let mut facts = Facts::unknown(rules);
                for (f, fact) in rules.facts.iter().enumerate() {
                    let values = fact.values.len() as u64;
                    match next(6) {
                        0 => {}
                        1 => facts.absent[f] = 1 << next(values),
                        _ => {
                            let mut bits = 1 << next(values);
                            if fact.list {
                                for _ in 0..next(3) {
                                    bits |= 1 << next(values);
                                }
                            }
                            facts.values[f] = Some(bits & fact.all_bits);
                        }
                    }
                    if next(8) == 0 {
                        facts.from_text |= 1 << f;
                    }
                }
                let roles = rules.roles.len() as u64;
                let declared = match next(4) {
                    0 => 0,
                    1 => 1 << next(roles) | 1 << next(roles),
                    _ => 1 << next(roles),
                };
                record(
                    facts.values,
                    facts.absent,
                    facts.from_text,
                    declared,
                    (declared != 0).then(|| "Partner".to_string()),
                )
            })
            .collect()
    }

    /// A fresh decision allocates only what it keeps: the decision, its sentences and the
    /// cache entries made for it. Its scratch (the trace, the standings, the chosen roles,
    /// the candidate order, the lists of alternatives, the reasons being written) is kept by
    /// the thread, so no block a decision allocates is freed before it returns.
    #[test]
    fn fresh_decisions_allocate_no_temporaries() {
        use crate::engine::Status;
        let rules = crate::rules::RuleSet::builtin().expect("built-in rules");
        // Ambiguous decisions are rare among random facts: they are picked out of many, so
        // that every kind of decision is measured often.
        let mut by_status: std::collections::BTreeMap<String, Vec<Record>> = Default::default();
        for record in random_records(&rules, 40_000, 7) {
            let status = format!("{:?}", crate::engine::classify(&rules, &record).status);
            let kind = by_status.entry(status).or_default();
            if kind.len() < 400 {
                kind.push(record);
            }
        }
        // More ambiguous ones: each declaring each role (the declaration is part of a
        // decision: each is a new one).
        let ambiguous = format!("{:?}", Status::Ambiguous);
        if let Some(found) = by_status.get_mut(&ambiguous) {
            let variants: Vec<Record> = found
                .iter()
                .flat_map(|record| {
                    (0..rules.roles.len()).map(move |r| Record {
                        declared_roles: 1 << r,
                        declared_text: Some(format!("role {r}")),
                        ..record.clone()
                    })
                })
                .collect();
            found.extend(variants);
            found.truncate(400);
        }
        let kinds: Vec<String> = by_status.keys().cloned().collect();
        assert_eq!(
            kinds.len(),
            3,
            "classified, ambiguous and unclassified records expected: {kinds:?}"
        );
        // Interleaved, so that each kind follows each other kind.
        let mut records = Vec::new();
        for i in 0..400 {
            records.extend(by_status.values().filter_map(|kind| kind.get(i).cloned()));
        }
        let mut classifier = super::Classifier::new(&rules);
        let mut kept = Vec::with_capacity(records.len());
        // The first decisions size the thread's scratch buffers; the last are watched as one.
        let (warm, rest) = records.split_at(100);
        let (measured, window) = rest.split_at(rest.len() - 300);
        for record in warm {
            kept.push(classifier.decided(record));
        }
        let (mut allocated, mut temporaries) = (0, 0);
        let mut measured_kinds = std::collections::BTreeMap::<String, usize>::new();
        for record in measured {
            let (decided, a, t) = crate::alloc_count::watch(|| classifier.decided(record));
            *measured_kinds
                .entry(format!("{:?}", decided.outcome.status))
                .or_default() += 1;
            kept.push(decided);
            allocated += a;
            temporaries += t;
        }
        let ambiguous = measured_kinds.get(&ambiguous).copied().unwrap_or(0);
        assert!(
            measured_kinds.len() == 3 && ambiguous >= 100,
            "every kind of decision measured, ambiguous ones often: {measured_kinds:?}"
        );
        assert!(
            allocated >= measured.len() as u64,
            "{allocated} blocks allocated: the watch does not count"
        );
        assert_eq!(
            temporaries,
            0,
            "blocks allocated and freed within {} fresh decisions ({measured_kinds:?}, {allocated} allocated)",
            measured.len()
        );
        // Watched as one, a scratch buffer made anew for each decision (the last one freed
        // by the next) shows too; what is freed then is the caches' tables that grew.
        let (decided, allocated, freed) = crate::alloc_count::watch(|| {
            window
                .iter()
                .map(|record| classifier.decided(record))
                .collect::<Vec<_>>()
        });
        kept.extend(decided);
        assert!(
            freed <= 4,
            "{freed} of the blocks allocated over {} fresh decisions freed before their end ({allocated} allocated)",
            window.len()
        );
    }

    /// While keeping decisions does not pay, the few still kept fill only a share of the
    /// shared cache: a roster of patterns that never come back does not fill its bound.
    #[test]
    fn decisions_kept_while_keeping_does_not_pay_fill_a_share() {
        use super::{Classifier, Decisions, TRICKLE_SHARE};
        let rules = crate::rules::RuleSet::builtin().expect("built-in rules");
        let decided = Classifier::new(&rules).decided(&Record::with_facts(Facts::unknown(&rules)));
        let held = |pays: bool| {
            let cache = Decisions::new();
            for i in 0..200_000u32 {
                cache.keep(&i.to_le_bytes(), &decided, pays);
            }
            let shards = cache.shards.iter();
            shards
                .map(|s| s.lock().expect("shard").len())
                .sum::<usize>()
        };
        let (paying, not) = (held(true), held(false));
        assert!(
            paying > 1_000,
            "the cache fills while keeping pays ({paying})"
        );
        assert!(
            not <= paying / TRICKLE_SHARE + 2 * super::SHARDS,
            "{not} kept while not paying, against {paying}"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        /// Two records have the same decision key exactly when they have the same facts,
        /// declared roles and declared cell: the key is what the shared decision cache
        /// compares, so equal keys for different records would give one the other's decision.
        /// Pairs are records that differ in one part at most (an unknown fact against a value
        /// of 0, no declared cell against an empty one, ...), and unrelated ones.
        #[test]
        fn keys_are_equal_exactly_when_records_are(
            a in parts(), other in parts(), which in 0usize..6, at in 0usize..4, unrelated in any::<bool>(),
        ) {
            let b = if unrelated { other } else { near(&a, &other, which, at) };
            let same = a == b;
            let (mut ka, mut kb) = (Vec::new(), Vec::new());
            pattern_key(&record(a.0, a.1, a.2, a.3, a.4), &mut ka);
            pattern_key(&record(b.0, b.1, b.2, b.3, b.4), &mut kb);
            prop_assert_eq!(ka == kb, same);
        }
    }
}
