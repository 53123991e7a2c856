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
//! Owns: the eviction policy. Must not touch: what is cached.

use std::borrow::Borrow;
use std::hash::Hash;

use rustc_hash::FxHashMap;

/// A two-generation cache (see the module comment).
#[derive(Debug)]
pub(crate) struct Generations<K, V> {
    young: FxHashMap<K, V>,
    old: FxHashMap<K, V>,
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
        if !self.young.contains_key(key) {
            let (k, v) = self.old.remove_entry(key)?;
            // Its size is not known here; it counts as nothing until the next generation.
            self.make_room(0);
            self.young.insert(k, v);
        }
        self.young.get(key)
    }

    /// Like [`Generations::get`], mutable.
    pub(crate) fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.get(key)?;
        self.young.get_mut(key)
    }

    /// Keeps `value` under `key`, counting `bytes` for it.
    pub(crate) fn insert(&mut self, key: K, value: V, bytes: usize) {
        self.make_room(bytes);
        self.young_bytes += bytes;
        self.young.insert(key, value);
    }

    /// Starts a new young generation when one more entry of `bytes` would not fit.
    fn make_room(&mut self, bytes: usize) {
        if self.young.len() >= self.entries || self.young_bytes + bytes > self.bytes {
            self.old = std::mem::take(&mut self.young);
            self.young_bytes = 0;
        }
    }

    /// Entries held, in both generations.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.young.len() + self.old.len()
    }
}

#[cfg(test)]
mod tests {
    use super::Generations;

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

    /// The byte bound starts a new generation too.
    #[test]
    fn bounded_in_bytes() {
        let mut cache: Generations<u32, u32> = Generations::new(1000, 100);
        for k in 0..10 {
            cache.insert(k, k, 40);
        }
        assert!(cache.len() <= 4);
    }
}
