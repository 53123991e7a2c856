//! [`RecordReader`]: the records of one roster read through caches of cells and row patterns.

use super::{ColumnMap, Fill, Record, SeenIds, fill, read, read_prose};
use crate::cache::{Gate, Generations};
use crate::roster::Row;
use crate::rules::{DeclaredCell, RuleSet};

/// Most distinct cell texts remembered per column.
const CELL_CACHE_LIMIT: usize = 2048;
/// Most bytes of cell texts and their warnings remembered per column (2,048 texts of at most
/// 256 bytes, or fewer with warnings).
const CELL_CACHE_BYTES: usize = CELL_CACHE_LIMIT * CACHED_CELL_BYTES;
/// Longest cell text a cache remembers: caches are bounded in bytes too (2,048 texts of at most
/// 256 bytes a column), and long cells rarely repeat.
pub(super) const CACHED_CELL_BYTES: usize = 256;
/// Longest row pattern (declared role and fact cells) remembered (see [`PATTERN_BYTES`] for the
/// bound of all of them).
const CACHED_PATTERN_BYTES: usize = 1024;

/// Reads the records of one roster, remembering how each distinct cell text of each fact
/// column was read (rosters repeat the same cells, such as `provisioning;implementation`), so
/// a repeated cell costs one lookup instead of splitting, folding and matching it again. A cell
/// with unknown values is remembered with its warnings and ignored-value sentences, so a
/// hand-typed value that comes back costs no formatting either.
pub struct RecordReader<'r> {
    rules: &'r RuleSet,
    seen: SeenIds,
    cache: Cache,
    text: crate::text::Scratch,
    /// Whether new row patterns are worth remembering: while nine rows in ten find theirs
    /// remembered (a roster that repeats itself). On a long tail (the diverse benchmark roster
    /// finds about half) remembering every new pattern and evicting old ones costs more than it
    /// saves: the cell caches read those rows nearly as fast (measured on 1M rows: 20% less CPU
    /// on the diverse roster without it, 30% more on the repetitive one).
    patterns: Gate,
}

pub(super) struct Cache {
    pub(super) cells: Vec<Generations<Box<str>, CellRead>>,
    /// Each declared-role text, with the warnings it gives.
    pub(super) declared: Generations<Box<str>, (DeclaredCell, Box<[String]>)>,
    /// Row patterns: the declared role and fact cells of a row, as written, to what they gave,
    /// by the hash of the cells. One pattern a hash: a pattern whose hash another one holds is
    /// not remembered (distinct cells share a hash by chance about never, but a roster made to
    /// can have thousands of them share one; a list per hash grew without bound there and was
    /// searched at every row).
    pub(super) rows: Generations<u64, Pattern>,
    /// Whether each column's new cells are worth remembering: while one lookup in five finds
    /// its cell (a column of free-form cells seldom does).
    pub(super) cell_gates: Vec<Gate>,
    pub(super) key: Vec<u8>,
}

/// How a fact cell was read: its value bits (`None` when unknown) and, for the few cells that
/// give any, its warnings and ignored-value sentences, in the order the read gave them (a hit
/// adds them where a fresh read would).
#[derive(Clone)]
pub(super) struct CellRead {
    pub(super) bits: Option<u64>,
    pub(super) notes: Option<std::sync::Arc<CellNotes>>,
}

/// The warnings and ignored-value sentences of a fact cell.
pub(super) struct CellNotes {
    pub(super) warnings: Box<[String]>,
    pub(super) ignored: Box<[String]>,
}

impl CellNotes {
    /// The bytes it holds, for the cache's bound.
    fn bytes(&self) -> usize {
        self.warnings
            .iter()
            .chain(self.ignored.iter())
            .map(|s| s.len() + std::mem::size_of::<String>())
            .sum()
    }
}

/// What the declared role and fact cells of a row gave: everything of a record but its key,
/// name and line.
pub(super) struct Pattern {
    pub(super) key: Box<[u8]>,
    pub(super) id: u64,
    pub(super) facts: Box<[Option<u64>]>,
    pub(super) declared_text: Option<Box<str>>,
    pub(super) declared_roles: u64,
    pub(super) warnings: Box<[String]>,
    pub(super) ignored: Box<[String]>,
}

impl Pattern {
    /// The bytes it holds, for the cache's bound: the structure, its texts and facts, and the
    /// allocations and table slot they take.
    fn bytes(&self) -> usize {
        let strings = self.warnings.iter().chain(self.ignored.iter());
        std::mem::size_of::<Self>()
            + self.key.len()
            + std::mem::size_of_val(&*self.facts)
            + self.declared_text.as_deref().map_or(0, str::len)
            + strings
                .map(|s| s.len() + std::mem::size_of::<String>())
                .sum::<usize>()
            + PATTERN_OVERHEAD
    }
}

/// Bytes a remembered pattern costs besides its structure and texts: the allocations of its
/// key, facts and declared text, and its slot in the table.
const PATTERN_OVERHEAD: usize = 96;

/// Most row patterns remembered per generation (two are kept), and most bytes they take (a
/// pattern of the diverse benchmark roster takes about 450 bytes).
const PATTERN_LIMIT: usize = 4096;
const PATTERN_BYTES: usize = 2 << 20;

/// Pattern ids, unique in the process.
static NEXT_PATTERN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl<'r> RecordReader<'r> {
    /// A reader for rosters classified with `rules`.
    pub fn new(rules: &'r RuleSet) -> Self {
        RecordReader {
            rules,
            seen: SeenIds::default(),
            cache: Cache {
                cells: (0..rules.columns.len())
                    .map(|_| Generations::new(CELL_CACHE_LIMIT, CELL_CACHE_BYTES))
                    .collect(),
                declared: Generations::new(CELL_CACHE_LIMIT, CELL_CACHE_BYTES),
                rows: Generations::new(PATTERN_LIMIT, PATTERN_BYTES),
                cell_gates: vec![Gate::new(1, 4, true); rules.columns.len()],
                key: Vec::new(),
            },
            text: crate::text::Scratch::default(),
            patterns: Gate::new(9, 1, false),
        }
    }

    /// Like [`RecordReader::read`], into `record`, reusing its buffers.
    ///
    /// A row whose declared role and fact cells were seen before (byte for byte) takes what
    /// they gave then, with one lookup; only its key and name are read.
    pub fn read_into(&mut self, columns: &ColumnMap, row: &Row, record: &mut Record) {
        use std::hash::Hasher;
        let cache = &mut self.cache;
        cache.key.clear();
        // The pattern cells in one piece when they are side by side in the row, else one by one
        // with a byte that is never in UTF-8 text after each (the two kinds of keys never meet).
        match columns
            .pattern_run
            .and_then(|(first, last)| row.span(first, last))
        {
            Some(span) => cache.key.extend_from_slice(span.as_bytes()),
            None => {
                for &i in &columns.pattern_columns {
                    match row.cell(i) {
                        Some(cell) => cache.key.extend_from_slice(cell.as_bytes()),
                        None => cache.key.push(0xfe),
                    }
                    cache.key.push(0xff);
                }
            }
        }
        let mut hasher = rustc_hash::FxHasher::default();
        hasher.write(&cache.key);
        let hash = hasher.finish();
        let held = match row.problem {
            Some(_) => None,
            None => cache.rows.get(&hash),
        };
        // Another pattern with the same hash keeps its place.
        let taken = held.is_some_and(|p| *p.key != *cache.key);
        let known = held.filter(|_| !taken);
        let remember = self.patterns.count(known.is_some());
        if let Some(pattern) = known {
            fill(
                self.rules,
                columns,
                row,
                &mut self.seen,
                Fill::Pattern(pattern),
                record,
            );
            read_prose(self.rules, columns, row, record, &mut self.text, false);
            return;
        }
        let cell_warnings = fill(
            self.rules,
            columns,
            row,
            &mut self.seen,
            Fill::Cached(cache),
            record,
        );
        // Remember the pattern, unless the row is odd (unreadable or ragged), its pattern long
        // or its hash taken, or patterns are not worth it on this roster.
        if !remember
            || row.problem.is_some()
            || row.len() != columns.header.names.len()
            || cache.key.len() > CACHED_PATTERN_BYTES
            || taken
        {
            read_prose(self.rules, columns, row, record, &mut self.text, false);
            return;
        }
        let id = NEXT_PATTERN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let pattern = Pattern {
            key: cache.key.as_slice().into(),
            id,
            facts: record.facts.values.as_slice().into(),
            declared_text: record.declared_text.as_deref().map(Into::into),
            declared_roles: record.declared_roles,
            warnings: record.warnings[columns.warnings.len()..cell_warnings].into(),
            ignored: record.ignored.as_slice().into(),
        };
        let bytes = pattern.bytes();
        cache.rows.insert(hash, pattern, bytes);
        record.pattern = Some(id);
        read_prose(self.rules, columns, row, record, &mut self.text, false);
    }

    /// Normalizes the next row of the roster.
    pub fn read(&mut self, columns: &ColumnMap, row: &Row) -> Record {
        read(
            self.rules,
            columns,
            row,
            &mut self.seen,
            false,
            Some(&mut self.cache),
        )
    }
}

/// Remembers what cell `text` of column `column` gave, when cells of that column are worth
/// remembering; `read` makes what is remembered only when it is.
pub(super) fn remember(
    cache: &mut Cache,
    column: usize,
    text: &str,
    read: impl FnOnce() -> CellRead,
) {
    if text.len() > CACHED_CELL_BYTES || !cache.cell_gates[column].count(false) {
        return;
    }
    let read = read();
    let bytes = text.len() + read.notes.as_ref().map_or(0, |n| n.bytes());
    cache.cells[column].insert(text.into(), read, bytes);
}

#[cfg(test)]
mod tests {
    /// Distinct pattern cells that share one hash (built for rustc-hash 2.1, a multicollision of
    /// its byte hash) are read as fresh ones, and take one place in the pattern cache between
    /// them however often they come back: a list per hash grew with every one of them and was
    /// searched at every row (a roster of a million such cells took 38 s and 155 MB).
    #[test]
    fn patterns_sharing_a_hash_take_one_place() {
        use crate::facts::{ColumnMap, Record, RecordReader, SeenIds, read_record};
        use crate::roster::{RosterReader, Row};
        use std::hash::Hasher;
        const KEYS: [&str; 4] = [
            "YgoooiK:eHKG0xlFnJzjha75d5A2ljHEQ2WS:50ahonyAxTUAxHS4f6v7JWWe:0MLOTuJMfoEbcsRIQ:Z",
            "YgoooiK:eHKG0xlFnJzjha75d5A2ljHEv6cgU75_OkZM.zQkAxHS4f6v7JWWe:0MLOTuJMfoEbcsRIQ:Z",
            "YgoooiK:eHKG0xlFnJzjha75d5A2ljHEQ2WS:50ahonyAxTULWJ7ihEu:eU384CNLOTuJMfoEbcsRIQ:Z",
            "YgoooiK:eHKG0xlFnJzjha75d5A2ljHEv6cgU75_OkZM.zQkLWJ7ihEu:eU384CNLOTuJMfoEbcsRIQ:Z",
        ];
        let hash = |key: &str| {
            let mut hasher = rustc_hash::FxHasher::default();
            hasher.write(key.as_bytes());
            hasher.finish()
        };
        assert!(
            KEYS.iter().all(|k| hash(k) == hash(KEYS[0])),
            "the keys no longer collide (rustc-hash changed): build new ones"
        );
        let rules = crate::rules::RuleSet::builtin().expect("built-in rules");
        let header = "partner_id,partner_name,activities\n".as_bytes();
        let reader = RosterReader::new(header, "collisions", None).expect("header");
        let columns = ColumnMap::new(reader.header().clone(), &rules);
        let mut reader = RecordReader::new(&rules);
        let mut record = Record::blank();
        for n in 0..400 {
            let key = n as usize % 4;
            let row = Row::new(n + 2, &[format!("P{n}").as_str(), "N", KEYS[key]]);
            reader.read_into(&columns, &row, &mut record);
            let fresh = read_record(&rules, &columns, &row, &mut SeenIds::default());
            assert_eq!(
                (&record.facts, &record.warnings, &record.ignored),
                (&fresh.facts, &fresh.warnings, &fresh.ignored),
                "row {n}"
            );
            // The first key's pattern is remembered at once (while the cache warms up, every
            // new pattern is); the others find its place taken.
            assert_eq!(record.pattern.is_some(), key == 0, "row {n}, key {key}");
        }
        assert_eq!(reader.cache.rows.len(), 1, "one pattern for the one hash");
    }

    /// A prose text read again (in another column, with other texts beside it) through the
    /// remembered hits reads as it did fresh: same facts, evidence and warnings.
    #[test]
    fn remembered_texts_read_as_fresh_ones() {
        use crate::facts::{ColumnMap, Record, RecordReader, SeenIds, read_record};
        use crate::roster::{RosterReader, Row};
        let rules = crate::rules::RuleSet::builtin().expect("built-in rules");
        let header = "partner_id,notes,description\n".as_bytes();
        let reader = RosterReader::new(header, "prose", None).expect("header");
        let columns = ColumnMap::new(reader.header().clone(), &rules);
        let texts = [
            "We resell the vendor's licences and run managed services, but we do not ship hardware.",
            "Onboarded 2022, reviewed by ops",
            "Does not resell; may offer implementation later.",
            "",
            "note 90",
            "Resells licences. Fulfils orders from its own warehouse.",
        ];
        let shown = |r: &Record| {
            format!(
                "{:?} {:?} {:?} {:?}",
                r.facts, r.evidence, r.warnings, r.ignored
            )
        };
        let mut reader = RecordReader::new(&rules);
        let mut record: Record = reader.read(&columns, &Row::new(1, &["P0", "", ""]));
        let mut n = 0;
        for _round in 0..3 {
            for a in texts {
                for b in texts {
                    n += 1;
                    let row = Row::new(n + 1, &[format!("P{n}").as_str(), a, b]);
                    reader.read_into(&columns, &row, &mut record);
                    let fresh = read_record(&rules, &columns, &row, &mut SeenIds::default());
                    assert_eq!(
                        shown(&record),
                        shown(&fresh),
                        "notes {a:?}, description {b:?}"
                    );
                }
            }
        }
    }
}
