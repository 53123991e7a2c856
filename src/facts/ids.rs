//! Duplicate ids: the ids of a run seen so far, kept compactly.

/// Keeps the ids seen so far, to flag duplicates: the only memory of a run that grows with the
/// roster, a little at a time (no table doubling), about the id's length plus 4 bytes an id.
///
/// Each id is hashed; the top 16 bits of the hash pick one of 65,536 buckets. A bucket is one
/// run of bytes: the number of its ids; its entry slots, as many as that number calls for, each
/// holding the next 16 bits of an id's hash and its length (one byte; 255 for an id of 255 bytes
/// or more, whose length then comes first in its bytes); then the ids themselves. An id is
/// looked up by walking the short fixed-size entries (about 15 at a million ids, in one or two
/// cache lines) and comparing only the ids whose hash bits and length match, so two different
/// ids are never called duplicates. Full slots grow by half, so the ids after them move a few
/// times in a bucket's life, not at every id (a bucket that many long ids fall into costs time
/// in proportion to its bytes, not to their square).
#[derive(Debug, Default)]
pub struct SeenIds {
    buckets: Vec<Bucket>,
}

#[derive(Debug, Default, Clone)]
struct Bucket {
    bytes: Vec<u8>,
}

/// Bytes of a bucket's head: the count of its ids.
const HEAD: usize = 4;
/// Bytes of an entry: 16 bits of hash and a length byte.
const ENTRY: usize = 3;
/// Entry slots of a new bucket.
const FIRST_SLOTS: usize = 4;
/// The length byte of an id of this many bytes or more.
const LONG: u8 = 0xff;

/// The entry slots of a bucket of `n` ids: none for none, then [`FIRST_SLOTS`], growing by half
/// (at least [`FIRST_SLOTS`]) each time they are full, so a bucket's slots follow from its count.
fn slots(n: usize) -> usize {
    let mut slots = 0;
    while slots < n {
        slots += (slots / 2).max(FIRST_SLOTS);
    }
    slots
}

impl Bucket {
    /// The number of ids in the bucket.
    fn count(&self) -> usize {
        match self.bytes.get(..HEAD) {
            Some(b) => u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize,
            None => 0,
        }
    }

    /// Whether the bucket holds `id`, whose hash bits are `tag`.
    fn holds(&self, tag: u16, id: &[u8]) -> bool {
        let n = self.count();
        if n == 0 {
            return false;
        }
        let bytes = &self.bytes;
        let entries = &bytes[HEAD..HEAD + n * ENTRY];
        let tag = tag.to_le_bytes();
        // Where the id of the entry being looked at starts.
        let mut at = HEAD + slots(n) * ENTRY;
        for entry in entries.chunks_exact(ENTRY) {
            let (len, head) = match entry[2] {
                LONG => {
                    let b = &bytes[at..at + 4];
                    (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize, 4)
                }
                short => (usize::from(short), 0),
            };
            if entry[..2] == tag && len == id.len() && &bytes[at + head..at + head + len] == id {
                return true;
            }
            at += head + len;
        }
        false
    }

    fn push(&mut self, tag: u16, id: &[u8]) {
        let n = self.count();
        let (had, more) = (slots(n), slots(n + 1) - slots(n));
        let long = id.len() >= usize::from(LONG);
        let need =
            more * ENTRY + id.len() + if long { 4 } else { 0 } + if n == 0 { HEAD } else { 0 };
        let bytes = &mut self.bytes;
        // Grow by a quarter (at least a few ids): little slack, few reallocations, no doubling
        // peak.
        if bytes.capacity() - bytes.len() < need {
            bytes.reserve_exact((bytes.len() / 4).max(48).max(need));
        }
        if n == 0 {
            bytes.extend_from_slice(&[0; HEAD]);
        }
        if more > 0 {
            // The slots are full: the ids move up past the new ones.
            let at = HEAD + had * ENTRY;
            let end = bytes.len();
            bytes.resize(end + more * ENTRY, 0);
            bytes.copy_within(at..end, at + more * ENTRY);
        }
        let at = HEAD + n * ENTRY;
        bytes[at..at + 2].copy_from_slice(&tag.to_le_bytes());
        bytes[at + 2] = if long { LONG } else { id.len() as u8 };
        if long {
            bytes.extend_from_slice(&(id.len() as u32).to_le_bytes());
        }
        bytes.extend_from_slice(id);
        bytes[..HEAD].copy_from_slice(&(n as u32 + 1).to_le_bytes());
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
                .bytes
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

    /// Many ids in one bucket, short and long, with equal and different hash bits: each is
    /// found once added and not before, across the growths of the bucket's slots.
    #[test]
    fn one_crowded_bucket() {
        let mut seen = SeenIds::default();
        let id = |i: usize| "x".repeat(i % 300 + 1) + &i.to_string();
        // The same top 16 bits (one bucket); the next 16 bits from a few values.
        let hash = |i: usize| (0xabcd_u64 << 48) | (((i % 3) as u64) << 32);
        for i in 0..2_000 {
            assert!(!seen.check_hashed(hash(i), &id(i)), "{i} is new");
            assert!(seen.check_hashed(hash(i), &id(i)), "{i} was just added");
        }
        for i in 0..2_000 {
            assert!(seen.check_hashed(hash(i), &id(i)), "{i} is still there");
            assert!(
                !seen.check_hashed(hash(i), &format!("{}y", id(i))),
                "{i}y is new"
            );
        }
    }

    /// Every id is a duplicate from its second sighting on, and only then: short ids, ids of
    /// 255 bytes and more, and enough of them that buckets hold many.
    #[test]
    fn duplicates_exactly() {
        let mut seen = SeenIds::default();
        let id = |i: usize| {
            if i.is_multiple_of(97) {
                // Around the long-id length byte too.
                let width = [300, 254, 255, 256][(i / 97) % 4];
                format!("{i:0>width$}")
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
