//! The one kind of cache the hot path uses: bounded in entries and in bytes, keeping what is
//! used. Entries live in two generations: new entries go to the young one; when it is full, it
//! becomes the old one (the previous old one is dropped) and a new young one starts. An entry
//! found in the old generation is moved back to the young one. So an entry survives as long as it
//! is used at least once per generation, and at most twice the bounds are held.
//!
//! A cache that is simply cleared when full (what the caches did before) forgets the frequent
//! entries with the rare ones, and on a roster with a long tail of patterns it recomputed the
//! frequent decisions every few thousand rows: on the diverse 1M-row benchmark roster 221,715
//! decisions were made for 41,564 distinct patterns.
//!
//! A [`Gate`] says whether keeping new entries pays on the input at hand: on a roster where
//! nearly every row is new, keeping each entry and evicting it unused later costs more than the
//! few hits save.
//!
//! Owns: the eviction policy and when to keep. Must not touch: what is cached.

use std::borrow::Borrow;
use std::hash::Hash;

use rustc_hash::FxHashMap;

/// A two-generation cache (see the module comment).
#[derive(Debug)]
pub(crate) struct Generations<K, V> {
    /// Each entry with the bytes it was counted for.
    young: FxHashMap<K, (V, usize)>,
    old: FxHashMap<K, (V, usize)>,
    /// The bytes the young generation holds, as callers count them.
    young_bytes: usize,
    /// Most entries, and most bytes, of one generation.
    entries: usize,
    bytes: usize,
}

impl<K: Hash + Eq, V> Generations<K, V> {
    /// A cache of at most `entries` entries and `bytes` bytes per generation.
    pub(crate) fn new(entries: usize, bytes: usize) -> Self {
        Generations {
            young: FxHashMap::default(),
            old: FxHashMap::default(),
            young_bytes: 0,
            entries: entries.max(1),
            bytes,
        }
    }

    /// The entry of `key`, moved to the young generation if it was in the old one.
    pub(crate) fn get<Q>(&mut self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if !self.touch(key) {
            return None;
        }
        self.young.get(key).map(|(v, _)| v)
    }

    /// Whether `key` has an entry; if so it is in the young generation afterwards (moved from
    /// the old one), where [`Generations::get_or_insert`] finds it with one lookup.
    fn touch<Q>(&mut self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if self.young.contains_key(key) {
            return true;
        }
        let Some((k, v)) = self.old.remove_entry(key) else {
            return false;
        };
        self.move_back(k, v);
        true
    }

    /// The entry of `key`, or the one `make` makes when there is none: kept (with its bytes)
    /// when `make` says so, else `None`. Two lookups for an entry found (a `get` and then a
    /// `get` after an insert take four).
    pub(crate) fn get_or_insert<Q>(
        &mut self,
        key: &Q,
        make: impl FnOnce() -> Option<(K, V, usize)>,
    ) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if !self.touch(key) {
            let (k, v, bytes) = make()?;
            self.insert(k, v, bytes);
        }
        self.young.get(key).map(|(v, _)| v)
    }

    /// Like [`Generations::get`], for values cheap to clone (an `Arc`, a number): a value in
    /// the young generation is found with one lookup (`get` needs two, to hand out a borrow).
    pub(crate) fn get_cloned<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
        V: Clone,
    {
        if let Some((value, _)) = self.young.get(key) {
            return Some(value.clone());
        }
        let (k, v) = self.old.remove_entry(key)?;
        let value = v.0.clone();
        self.move_back(k, v);
        Some(value)
    }

    /// Puts an entry found in the old generation back in the young one, counting its bytes
    /// there again.
    fn move_back(&mut self, key: K, entry: (V, usize)) {
        self.make_room(entry.1);
        self.young_bytes += entry.1;
        self.young.insert(key, entry);
    }

    /// Keeps `value` under `key`, counting `bytes` for it.
    pub(crate) fn insert(&mut self, key: K, value: V, bytes: usize) {
        self.make_room(bytes);
        self.young_bytes += bytes;
        self.young.insert(key, (value, bytes));
    }

    /// Starts a new young generation when one more entry of `bytes` would not fit.
    fn make_room(&mut self, bytes: usize) {
        if self.young.len() >= self.entries || self.young_bytes + bytes > self.bytes {
            // The next generation will likely grow as large as this one: sized for it at once,
            // it is not rehashed on the way.
            let size = self.young.len();
            self.old = std::mem::replace(
                &mut self.young,
                FxHashMap::with_capacity_and_hasher(size, Default::default()),
            );
            self.young_bytes = 0;
        }
    }

    /// Whether the young generation holds more than `1 / share` of its byte bound.
    pub(crate) fn young_past(&self, share: usize) -> bool {
        self.young_bytes > self.bytes / share
    }

    /// Entries held, in both generations.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.young.len() + self.old.len()
    }
}

/// Whether a cache's new entries are worth keeping: it counts the lookups that found their
/// entry (hits) and the ones that did not (misses), and keeps new entries while there are at
/// least `hits` hits for `misses` misses, or the cache is still warming up. While it does not
/// pay, one new entry in [`Gate::TRICKLE`] is still kept (when `trickle` is on), so that a
/// roster that starts repeating itself later is noticed.
#[derive(Debug, Clone)]
pub(crate) struct Gate {
    found: u32,
    missed: u32,
    /// The share of hits that pays: `hits` hits for `misses` misses.
    hits: u32,
    misses: u32,
    trickle: bool,
    skipped: u32,
}

impl Gate {
    /// Misses counted before the share of hits decides.
    const WARMUP: u32 = 2048;
    /// The counts are halved when they reach this many lookups together, so that the policy
    /// follows the roster as it changes.
    const WINDOW: u32 = 1 << 16;
    /// While keeping does not pay, one new entry in this many is kept all the same.
    const TRICKLE: u32 = 16;

    /// A gate that keeps new entries while there are `hits` hits for `misses` misses.
    pub(crate) const fn new(hits: u32, misses: u32, trickle: bool) -> Self {
        Gate {
            found: 0,
            missed: 0,
            hits,
            misses,
            trickle,
            skipped: 0,
        }
    }

    /// Whether keeping pays now: the share of hits is met, or the cache is still warming up
    /// (when it does not, [`Gate::count`] still lets one new entry in [`Gate::TRICKLE`] through).
    pub(crate) fn pays(&self) -> bool {
        self.missed < Self::WARMUP
            || u64::from(self.found) * u64::from(self.misses)
                >= u64::from(self.hits) * u64::from(self.missed)
    }

    /// Counts a lookup that found its entry (`hit`) or not, and says whether the entry the
    /// caller makes after a miss is worth keeping.
    pub(crate) fn count(&mut self, hit: bool) -> bool {
        if hit {
            self.found += 1;
        } else {
            self.missed += 1;
        }
        if self.found + self.missed >= Self::WINDOW {
            self.found /= 2;
            self.missed /= 2;
        }
        if self.pays() {
            return true;
        }
        if !self.trickle || hit {
            return false;
        }
        self.skipped += 1;
        if self.skipped >= Self::TRICKLE {
            self.skipped = 0;
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::{Gate, Generations};

    /// A gate keeps while hits pay, stops when nearly every lookup misses, keeps one in
    /// sixteen then, and opens again when hits come back.
    #[test]
    fn gate_follows_the_hits() {
        let mut gate = Gate::new(1, 4, true);
        for _ in 0..Gate::WARMUP - 1 {
            assert!(gate.count(false), "warming up");
        }
        let kept = (0..1600).filter(|_| gate.count(false)).count();
        assert_eq!(kept, 100, "one in sixteen while nothing is found");
        for _ in 0..Gate::WINDOW {
            gate.count(true);
        }
        assert!(
            gate.count(false),
            "open again once most lookups find their entry"
        );
        let mut strict = Gate::new(9, 1, false);
        for _ in 0..Gate::WARMUP + 10 {
            strict.count(false);
        }
        assert!(!(0..100).any(|_| strict.count(false)), "no trickle");
    }

    /// A key used once per generation stays; one never used again goes after two generations.
    #[test]
    fn keeps_what_is_used() {
        let mut cache: Generations<u32, u32> = Generations::new(4, usize::MAX);
        cache.insert(0, 0, 0);
        for k in 1..100 {
            assert_eq!(cache.get(&0), Some(&0), "the frequent key at {k}");
            if cache.get(&k).is_none() {
                cache.insert(k, k, 0);
            }
            assert!(cache.len() <= 8);
        }
        assert!(cache.get(&1).is_none(), "a key used once is forgotten");
    }

    /// `get_or_insert` finds an entry in either generation, makes one only when there is
    /// none, and keeps it only when told to.
    #[test]
    fn get_or_insert_makes_only_what_is_missing() {
        let mut cache: Generations<u32, u32> = Generations::new(2, usize::MAX);
        let mut made = 0;
        let mut make = |v: u32, keep: bool| {
            made += 1;
            keep.then_some((v, v * 10, 0))
        };
        assert_eq!(cache.get_or_insert(&1, || make(1, true)), Some(&10));
        assert_eq!(cache.get_or_insert(&1, || make(1, true)), Some(&10));
        assert_eq!(cache.get_or_insert(&2, || make(2, false)), None);
        assert_eq!(cache.get(&2), None, "not kept when told not to");
        // 1 goes to the old generation, then is found there and moved back.
        cache.insert(3, 30, 0);
        cache.insert(4, 40, 0);
        assert_eq!(cache.get_or_insert(&1, || make(1, true)), Some(&10));
        assert_eq!(made, 2, "made once for 1 and once for 2");
        assert_eq!(cache.young.get(&1).map(|e| e.0), Some(10), "moved back");
    }

    /// The byte bound starts a new generation too.
    #[test]
    fn bounded_in_bytes() {
        let mut cache: Generations<u32, u32> = Generations::new(1000, 100);
        for k in 0..10 {
            cache.insert(k, k, 40);
        }
        assert!(cache.len() <= 4);
    }

    /// An entry moved back from the old generation counts its bytes in the young one: however
    /// the entries are used, a generation holds at most its bound.
    #[test]
    fn entries_moved_back_count_their_bytes() {
        let mut cache: Generations<u32, u32> = Generations::new(1000, 100);
        for round in 0..50u32 {
            for k in 0..10 {
                if cache.get(&k).is_none() {
                    cache.insert(k, k, 40);
                }
                // Another key found again, in whichever generation it is.
                let _ = cache.get_cloned(&((k * 7 + round) % 10));
                assert!(
                    cache.young_bytes <= 100,
                    "young holds {}",
                    cache.young_bytes
                );
                assert!(cache.len() <= 4, "{} entries of 40 bytes", cache.len());
            }
        }
    }
}
