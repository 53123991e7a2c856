//! Duplicate ids: the ids of a run seen so far, kept compactly.

/// Keeps the ids seen so far, to flag duplicates: the only memory of a run that grows with the
/// roster, a little at a time (no table doubling), about the id's length plus 5 bytes an id.
///
/// Each id is hashed; the top 16 bits of the hash pick one of 65,536 buckets. A bucket keeps
/// the next 32 bits of each of its ids' hashes side by side (a tight scan), and the ids
/// themselves, each behind its length (one byte, or five for ids of 255 bytes or more). An id
/// is looked up by its hash bits, and a duplicate is confirmed by comparing the ids themselves,
/// so two different ids with the same hash are never called duplicates.
#[derive(Debug, Default)]
pub struct SeenIds {
    buckets: Vec<Bucket>,
}

#[derive(Debug, Default, Clone)]
struct Bucket {
    tags: Vec<u32>,
    ids: Vec<u8>,
}

impl Bucket {
    /// The `k`th id kept (by walking the length prefixes: only on a hash match).
    fn id(&self, k: usize) -> &[u8] {
        let mut at = 0;
        for i in 0..=k {
            let (len, head) = match self.ids[at] {
                0xff => {
                    let b = &self.ids[at + 1..at + 5];
                    (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize, 5)
                }
                short => (usize::from(short), 1),
            };
            if i == k {
                return &self.ids[at + head..at + head + len];
            }
            at += head + len;
        }
        &[]
    }

    fn push(&mut self, tag: u32, id: &[u8]) {
        // Grow by half (at least a few ids): some slack, few reallocations, no doubling peak.
        if self.tags.len() == self.tags.capacity() {
            self.tags.reserve_exact((self.tags.len() / 2).max(4));
        }
        let need = id.len() + 5;
        if self.ids.capacity() - self.ids.len() < need {
            self.ids
                .reserve_exact((self.ids.len() / 2).max(64).max(need));
        }
        self.tags.push(tag);
        if id.len() < 0xff {
            self.ids.push(id.len() as u8);
        } else {
            self.ids.push(0xff);
            self.ids.extend_from_slice(&(id.len() as u32).to_le_bytes());
        }
        self.ids.extend_from_slice(id);
    }
}

impl SeenIds {
    /// Records `id`; returns true if an earlier row had it.
    pub fn check(&mut self, id: &str) -> bool {
        self.check_hashed(Self::hash(id), id)
    }

    /// The hash `check` keeps of `id`: FxHash of the bytes, then the 64-bit finalizer of
    /// MurmurHash3 so that every output bit depends on every input bit (the buckets use the top
    /// bits, the entries the next ones).
    pub fn hash(id: &str) -> u64 {
        use std::hash::Hasher;
        let mut hasher = rustc_hash::FxHasher::default();
        hasher.write(id.as_bytes());
        hasher.write_usize(id.len());
        let mut h = hasher.finish();
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }

    /// Records the ids `ids`, in order (`None`: a row without id), and sets `duplicate[i]`
    /// when an earlier id equals id `i`. The buckets are read ahead for the whole slice first,
    /// so the memory waits overlap instead of adding up.
    pub fn check_many(&mut self, ids: &[Option<&str>], duplicate: &mut Vec<bool>) {
        self.ensure_buckets();
        let hashes: Vec<Option<u64>> = ids.iter().map(|id| id.map(Self::hash)).collect();
        let mut touched = 0u32;
        for hash in hashes.iter().flatten() {
            touched ^= self.buckets[(hash >> 48) as usize]
                .tags
                .first()
                .copied()
                .unwrap_or(0);
        }
        std::hint::black_box(touched);
        duplicate.clear();
        duplicate.extend(ids.iter().zip(&hashes).map(
            |(id, hash)| matches!((id, hash), (Some(id), Some(h)) if self.check_hashed(*h, id)),
        ));
    }

    fn ensure_buckets(&mut self) {
        if self.buckets.is_empty() {
            self.buckets = vec![Bucket::default(); 1 << 16];
        }
    }

    pub(super) fn check_hashed(&mut self, hash: u64, id: &str) -> bool {
        self.ensure_buckets();
        let bucket = &mut self.buckets[(hash >> 48) as usize];
        let tag = (hash >> 16) as u32;
        let id = id.as_bytes();
        let found = bucket
            .tags
            .iter()
            .enumerate()
            .filter(|&(_, &t)| t == tag)
            .any(|(k, _)| bucket.id(k) == id);
        if !found {
            bucket.push(tag, id);
        }
        found
    }
}
