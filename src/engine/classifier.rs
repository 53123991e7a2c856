//! Deciding a roster: `Classifier` (one per classifying thread) remembers the decision of
//! each row pattern, and through `Decisions`, one cache shared by the threads of a run, the
//! decision of each fact pattern.

use std::sync::Arc;

use super::{
    Classification, Decided, Tri, decide, decided, evaluate, evaluate_record, own_reasons,
};
use crate::cache::{Gate, Generations};
use crate::facts::{Facts, Record};
use crate::rules::RuleSet;

/// Most decisions a [`Classifier`] keeps by row pattern per generation.
const CACHE_LIMIT: usize = 4096;
/// Most decisions the shared cache keeps per generation.
const DECISIONS_LIMIT: usize = 4096;
/// Most bytes of decisions one generation of a classifier's cache holds (see `Decided::size`).
const CACHE_BYTES: usize = 8 << 20;

/// The decisions of a run, by the hash of their facts and declared role: sharded by the hash so
/// that the classifying threads seldom wait for each other, each shard a two-generation cache
/// bounded in entries and bytes.
pub struct Decisions<'r> {
    shards: Vec<std::sync::Mutex<DecisionShard<'r>>>,
}

type DecisionShard<'r> = Generations<u64, Vec<(CacheKey, Arc<Decided<'r>>)>>;

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

    fn shard(&self, hash: u64) -> std::sync::MutexGuard<'_, DecisionShard<'r>> {
        let shard = &self.shards[(hash >> 60) as usize % SHARDS];
        // A poisoned shard only means another thread panicked; its entries are whole.
        shard.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn find(&self, hash: u64, record: &Record) -> Option<Arc<Decided<'r>>> {
        let mut shard = self.shard(hash);
        shard.get(&hash).and_then(|bucket| {
            bucket
                .iter()
                .find(|(key, _)| {
                    key.facts == record.facts
                        && key.declared == record.declared_roles
                        && key.declared_text.as_deref() == record.declared_text.as_deref()
                })
                .map(|(_, decided)| Arc::clone(decided))
        })
    }

    fn keep(&self, hash: u64, entry: (CacheKey, Arc<Decided<'r>>)) {
        let bytes = entry.1.size();
        let mut shard = self.shard(hash);
        match shard.get_mut(&hash) {
            Some(bucket) => {
                // Another thread may have decided the same pattern meanwhile: one is enough.
                if !bucket.iter().any(|(key, _)| *key == entry.0) {
                    bucket.push(entry);
                }
            }
            None => shard.insert(hash, vec![entry], bytes),
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
    trace: Vec<Tri>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct CacheKey {
    facts: Facts,
    declared: u64,
    declared_text: Option<Box<str>>,
}

impl<'r> Classifier<'r> {
    /// A classifier for `rules`.
    pub fn new(rules: &'r RuleSet) -> Self {
        Classifier {
            rules,
            cache: Arc::new(Decisions::new()),
            by_pattern: Generations::new(CACHE_LIMIT, usize::MAX),
            keep: Gate::new(1, 4, true),
            trace: Vec::new(),
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
            return Arc::new(decided(self.rules, record, &eval));
        }
        let Some(pattern) = record.pattern else {
            return self.decided_by_facts(record);
        };
        if let Some(decided) = self.by_pattern.get(&pattern) {
            return Arc::clone(decided);
        }
        let decided = self.decided_by_facts(record);
        self.by_pattern.insert(pattern, Arc::clone(&decided), 0);
        decided
    }

    fn decided_by_facts(&mut self, record: &Record) -> Arc<Decided<'r>> {
        let hash = {
            use std::hash::{Hash, Hasher};
            let mut h = rustc_hash::FxHasher::default();
            record.facts.hash(&mut h);
            record.declared_roles.hash(&mut h);
            record.declared_text.hash(&mut h);
            h.finish()
        };
        let found = self.cache.find(hash, record);
        let keep = self.keep.count(found.is_some());
        match found {
            Some(decided) => decided,
            None => {
                let roles = evaluate(self.rules, &record.facts, &mut self.trace);
                let eval = decide(
                    self.rules,
                    &record.facts,
                    std::mem::take(&mut self.trace),
                    roles,
                    false,
                );
                let decided = Arc::new(decided(self.rules, record, &eval));
                self.trace = eval.trace;
                // A long declared cell is quoted in the reasons: such decisions are not kept, so
                // the cache stays bounded in bytes (4,096 decisions with short texts).
                if !keep || record.declared_text.as_ref().is_some_and(|t| t.len() > 256) {
                    return decided;
                }
                let entry = (
                    CacheKey {
                        facts: record.facts.clone(),
                        declared: record.declared_roles,
                        declared_text: record.declared_text.as_deref().map(Into::into),
                    },
                    Arc::clone(&decided),
                );
                self.cache.keep(hash, entry);
                decided
            }
        }
    }
}
