//! Duplicate ids: the ids of a run seen so far, kept compactly.

/// Keeps the ids seen so far, to flag duplicates: the only memory of a run that grows with the
/// roster, a little at a time (no table doubling), about the id's length plus 3 bytes an id.
///
/// Each id is hashed; the top 16 bits of the hash pick one of 65,536 buckets. A bucket is one
/// run of bytes holding, for each of its ids, the next 16 bits of its hash, its length (one
/// byte, or five for ids of 255 bytes or more) and the id itself. An id is looked up by walking
/// its bucket (about 15 entries at a million ids) and comparing the ids whose hash bits match,
/// so two different ids are never called duplicates.
#[derive(Debug, Default)]
pub struct SeenIds {
    buckets: Vec<Bucket>,
}

#[derive(Debug, Default, Clone)]
struct Bucket {
    entries: Vec<u8>,
}

impl Bucket {
    /// Whether the bucket holds `id`, whose hash bits are `tag`.
    fn holds(&self, tag: u16, id: &[u8]) -> bool {
        let bytes = &self.entries;
        let mut at = 0;
        while at < bytes.len() {
            let t = u16::from_le_bytes([bytes[at], bytes[at + 1]]);
            let (len, head) = match bytes[at + 2] {
                0xff => {
                    let b = &bytes[at + 3..at + 7];
                    (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize, 7)
                }
                short => (usize::from(short), 3),
            };
            let start = at + head;
            if t == tag && &bytes[start..start + len] == id {
                return true;
            }
            at = start + len;
        }
        false
    }

    fn push(&mut self, tag: u16, id: &[u8]) {
        // Grow by a quarter (at least a few ids): little slack, few reallocations, no doubling
        // peak.
        let need = id.len() + 7;
        let entries = &mut self.entries;
        if entries.capacity() - entries.len() < need {
            entries.reserve_exact((entries.len() / 4).max(48).max(need));
        }
        entries.extend_from_slice(&tag.to_le_bytes());
        if id.len() < 0xff {
            entries.push(id.len() as u8);
        } else {
            entries.push(0xff);
            entries.extend_from_slice(&(id.len() as u32).to_le_bytes());
        }
        entries.extend_from_slice(id);
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
        let mut touched = 0u8;
        for hash in hashes.iter().flatten() {
            touched ^= self.buckets[(hash >> 48) as usize]
                .entries
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
        let tag = (hash >> 32) as u16;
        let id = id.as_bytes();
        let found = bucket.holds(tag, id);
        if !found {
            bucket.push(tag, id);
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::SeenIds;

    /// Every id is a duplicate from its second sighting on, and only then: short ids, ids of
    /// 255 bytes and more, and enough of them that buckets hold many.
    #[test]
    fn duplicates_exactly() {
        let mut seen = SeenIds::default();
        let id = |i: usize| {
            if i.is_multiple_of(97) {
                format!("{i:0>300}")
            } else {
                format!("P{i:07}")
            }
        };
        for i in 0..200_000 {
            assert!(!seen.check(&id(i)), "{i} is new");
        }
        for i in (0..200_000).step_by(7) {
            assert!(seen.check(&id(i)), "{i} was seen");
        }
        assert!(!seen.check("P9999999x"), "a new id");
        assert!(!seen.check(""), "the empty id is new once");
        assert!(seen.check(""), "and seen after");
    }
}
