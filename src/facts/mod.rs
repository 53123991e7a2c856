//! From a roster row to a [`Record`]: the key, name and declared role, and the facts, each
//! three-valued (unknown, or a known set of interned values held as a bitmask).
//!
//! Owns: value synonyms, list splitting, unknown markers, per-record warnings.
//! Must not touch: CSV parsing (roster), rule evaluation (engine), output.

mod columns;
mod ids;
mod reader;

pub use columns::{ColumnMap, Evidence};
pub use ids::SeenIds;
pub use reader::RecordReader;
use reader::{CACHED_CELL_BYTES, Cache, CellNotes, CellRead, Pattern, remember};

use crate::normalize::{is_normalized, normalize_into, split_list};
use crate::roster::{Header, Row};
use crate::rules::{ColumnKind, DeclaredCell, FactId, RuleSet};

/// The facts of one record. `None` is unknown: not false, not empty.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Facts {
    pub(crate) values: Vec<Option<u64>>,
    /// For a fact not known (`None`), the values known *not* to hold (a text negated them:
    /// "does not resell"); 0 when nothing is known about it.
    pub(crate) absent: Vec<u64>,
    /// Bitmask over facts of those read from text rather than from their own column.
    pub(crate) from_text: u64,
}

impl Facts {
    /// Every fact unknown.
    pub fn unknown(rules: &RuleSet) -> Facts {
        Facts {
            values: vec![None; rules.facts.len()],
            absent: vec![0; rules.facts.len()],
            from_text: 0,
        }
    }

    /// Makes these facts equal to `other`, keeping the buffers.
    pub(crate) fn copy_from(&mut self, other: &Facts) {
        // Every field named, so that a new one is not forgotten here.
        let Facts {
            values,
            absent,
            from_text,
        } = other;
        self.values.clone_from(values);
        self.absent.clone_from(absent);
        self.from_text = *from_text;
    }

    /// Makes every fact unknown again, keeping the buffers.
    pub(crate) fn reset(&mut self, facts: usize) {
        self.values.clear();
        self.values.resize(facts, None);
        self.absent.clear();
        self.absent.resize(facts, 0);
        self.from_text = 0;
    }

    /// The values known not to hold, for a fact that is not known.
    pub(crate) fn absent(&self, fact: FactId) -> u64 {
        self.absent.get(fact).copied().unwrap_or(0)
    }

    pub(crate) fn get(&self, fact: FactId) -> Option<u64> {
        self.values[fact]
    }

    /// Bitmask over facts of the known ones (a fact with values known to be absent counts:
    /// something is known about it).
    pub(crate) fn known_mask(&self) -> u64 {
        self.values
            .iter()
            .enumerate()
            .filter(|&(i, v)| v.is_some() || self.absent(i) != 0)
            .fold(0, |acc, (i, _)| acc | 1u64 << i)
    }

    /// The value ids of fact `name` when it is known (empty for the known empty list); `None`
    /// when it is unknown or no fact of `rules`.
    pub fn value_ids(&self, rules: &RuleSet, name: &str) -> Option<Vec<String>> {
        let fact = rules.fact_by_name(name)?;
        let bits = self.get(fact)?;
        Some(ids_of(rules, fact, bits))
    }

    /// The value ids of fact `name` known *not* to hold (negated in a text).
    pub fn negated_ids(&self, rules: &RuleSet, name: &str) -> Vec<String> {
        rules
            .fact_by_name(name)
            .map(|fact| ids_of(rules, fact, self.absent(fact)))
            .unwrap_or_default()
    }

    /// Whether fact `name` was read from text rather than from its own column.
    pub fn from_text(&self, rules: &RuleSet, name: &str) -> bool {
        rules
            .fact_by_name(name)
            .is_some_and(|fact| self.from_text & (1u64 << fact) != 0)
    }

    /// Bitmask over facts of those with a known value (not counting values only known absent).
    pub(crate) fn value_mask(&self) -> u64 {
        self.values
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_some())
            .fold(0, |acc, (i, _)| acc | 1u64 << i)
    }

    /// How many facts are known (in whole, or some values known to be absent).
    pub fn known_count(&self) -> usize {
        self.known_mask().count_ones() as usize
    }
}

fn ids_of(rules: &RuleSet, fact: FactId, bits: u64) -> Vec<String> {
    rules.facts[fact]
        .values
        .iter()
        .enumerate()
        .filter(|(i, _)| bits & (1u64 << i) != 0)
        .map(|(_, v)| v.id.clone())
        .collect()
}

/// How one cell text was read, for `explain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// The fact.
    pub fact: String,
    /// The text as written in the cell.
    pub raw: String,
    /// The value id it was read as; `None` when no vocabulary knows it.
    pub value: Option<String>,
}

/// One roster record, normalized.
#[derive(Debug, Clone)]
pub struct Record {
    /// The line the row starts on.
    pub line: u64,
    /// The key (the line number when the row has none).
    pub partner_id: String,
    /// The display name.
    pub partner_name: Option<String>,
    /// The `declared_role` cell as written.
    pub declared_text: Option<String>,
    /// The roles the declared text names, as a mask (bit `r` for role `r`; 0 when none).
    pub declared_roles: u64,
    /// The facts.
    pub facts: Facts,
    /// Unknown values, missing columns, duplicate ids, ...
    pub warnings: Vec<String>,
    /// Sentences for the reasons about values that were ignored.
    pub ignored: Vec<String>,
    /// How each fact cell was read.
    pub mappings: Vec<Mapping>,
    /// Sentences quoting the words facts were read from (prose columns), for the reasons.
    pub evidence: Vec<String>,
    /// Every phrase found in the prose columns (kept for `explain` only).
    pub text_hits: Vec<crate::text::TextHit>,
    /// Why the row could not be read, if it could not.
    pub problem: Option<String>,
    /// Names the row's pattern (its declared role and fact cells) when a [`RecordReader`] saw
    /// it before: records with the same pattern have the same facts, declared role and cell
    /// warnings. Unique in the process, so a classifier may key decisions on it.
    pub(crate) pattern: Option<u64>,
}

impl Record {
    /// A record of `facts` and nothing else: no id, name, declaration, warnings or pattern.
    pub(crate) fn with_facts(facts: Facts) -> Record {
        Record {
            line: 0,
            partner_id: String::new(),
            partner_name: None,
            declared_text: None,
            declared_roles: 0,
            facts,
            warnings: Vec::new(),
            ignored: Vec::new(),
            mappings: Vec::new(),
            evidence: Vec::new(),
            text_hits: Vec::new(),
            problem: None,
            pattern: None,
        }
    }

    /// A record to read rows into (see [`RecordReader::read_into`]): no facts yet.
    pub(crate) fn blank() -> Record {
        Record::with_facts(Facts {
            values: Vec::new(),
            absent: Vec::new(),
            from_text: 0,
        })
    }

    /// About the bytes its text buffers hold, which keep the size of the longest text they
    /// held (a reused record keeps them for the next row).
    pub(crate) fn held_bytes(&self) -> usize {
        let texts = self
            .warnings
            .iter()
            .chain(&self.ignored)
            .chain(&self.evidence);
        self.partner_id.capacity()
            + self.partner_name.as_ref().map_or(0, String::capacity)
            + self.declared_text.as_ref().map_or(0, String::capacity)
            + self.problem.as_ref().map_or(0, String::capacity)
            + texts.map(String::capacity).sum::<usize>()
    }
}

/// The key a row's id cell gives, or `None` when the cell is empty or an unknown marker (the
/// record then takes its line number as key). `scratch` is reused for normalizing.
pub(crate) fn id_key<'a>(rules: &RuleSet, cell: &'a str, scratch: &mut String) -> Option<&'a str> {
    let text = trim(cell);
    if text.is_empty() || is_unknown_marker(rules, text, scratch) {
        return None;
    }
    Some(text)
}

/// `text` without surrounding white space; a cell that starts and ends with a visible ASCII
/// character (most do) is returned without decoding any character.
fn trim(text: &str) -> &str {
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (Some(a), Some(b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => text,
        _ => text.trim(),
    }
}

/// Whether `text` (trimmed, not empty) is one of the vocabulary's unknown markers (`n/a`, `?`).
fn is_unknown_marker(rules: &RuleSet, text: &str, scratch: &mut String) -> bool {
    // Unknown markers are short; longer texts (ids, names) need no folding to tell.
    if text.len() <= rules.longest_marker && rules.marker_starts[text.as_bytes()[0] as usize] {
        normalize_into(text, scratch);
        return rules.unknown_markers.contains(scratch);
    }
    false
}

/// One partner described directly rather than by a roster row (for `check` and rule tests).
#[derive(Debug, Clone, Default)]
pub struct Given<'a> {
    /// The record key.
    pub id: &'a str,
    /// The display name.
    pub name: Option<&'a str>,
    /// The declared role text.
    pub declared: Option<&'a str>,
    /// (fact or header alias, cell text) pairs; pairs naming the same fact are joined as a list.
    pub facts: &'a [(String, String)],
}

/// Builds a record from a [`Given`], reading each text exactly as a roster cell would be read.
/// Facts not given are unknown, without a "missing column" warning. Errs when a name is no
/// column of the vocabulary, or a declared role is given and the vocabulary has no column for it.
pub fn record_from_given(rules: &RuleSet, given: &Given) -> Result<Record, String> {
    let column_of = |kind: ColumnKind| {
        rules
            .columns
            .iter()
            .find(|c| c.kind == kind)
            .map(|c| c.name.clone())
    };
    let mut names = Vec::new();
    let mut cells: Vec<String> = Vec::new();
    if let Some(col) = column_of(ColumnKind::Id) {
        names.push(col);
        cells.push(given.id.to_string());
    }
    if let (Some(col), Some(name)) = (column_of(ColumnKind::Name), given.name) {
        names.push(col);
        cells.push(name.to_string());
    }
    if let Some(declared) = given.declared {
        let col = column_of(ColumnKind::DeclaredRole)
            .ok_or("this rule set has no declared_role column")?;
        names.push(col);
        cells.push(declared.to_string());
    }
    for (name, value) in given.facts {
        let Some(col) = rules.column_for_header(name) else {
            return Err(format!(
                "the rule set has no fact {name:?}; its facts are: {}",
                rules.fact_names().collect::<Vec<_>>().join(", ")
            ));
        };
        match names
            .iter()
            .position(|n| rules.column_for_header(n) == Some(col))
        {
            Some(pos) => cells[pos] = format!("{};{value}", cells[pos]),
            None => {
                names.push(name.clone());
                cells.push(value.clone());
            }
        }
    }
    let mut columns = ColumnMap::new(Header::new(names), rules);
    columns.missing_facts.clear();
    let mut row = Row::new(1, &cells);
    // One partner: no earlier row to share its id with.
    row.duplicate_id = Some(false);
    Ok(read_record_traced(
        rules,
        &columns,
        &row,
        &mut SeenIds::default(),
    ))
}

/// The warnings a `declared_role` cell gives: names of nothing known, and the umbrella term
/// (which names no role to compare against).
fn declared_warnings(text: &str, declared: &DeclaredCell, warnings: &mut Vec<String>) {
    for part in &declared.unknown {
        warnings.push(if part == text {
            format!(
                "declared_role: {text:?} names no known role; use a role id or one of its names (see `partner-roles rules export`)"
            )
        } else {
            format!(
                "declared_role: {part:?} in {text:?} names no known role and is ignored; the other names in the cell count"
            )
        });
    }
    if declared.more_unknown > 0 {
        warnings.push(format!(
            "declared_role: {} more parts of {text:?} name no known role and are ignored",
            declared.more_unknown
        ));
    }
    match &declared.umbrella {
        Some(part) if declared.roles == 0 && part == text => warnings.push(format!(
            "declared_role: {text:?} is the umbrella term, not a role; nothing to compare against"
        )),
        Some(part) if declared.roles == 0 => warnings.push(format!(
            "declared_role: {part:?} in {text:?} is the umbrella term, not a role; nothing to compare against"
        )),
        _ => {}
    }
    if declared.roles == 0 && declared.umbrella.is_none() && declared.unknown.is_empty() {
        warnings.push(format!(
            "declared_role: {text:?} names no role, only separators; write a role id or name"
        ));
    }
}

/// Normalizes a row into a [`Record`].
pub fn read_record(rules: &RuleSet, columns: &ColumnMap, row: &Row, seen: &mut SeenIds) -> Record {
    read(rules, columns, row, seen, false, None)
}

/// Like [`read_record`], also keeping how each cell was read ([`Record::mappings`]), for
/// `explain`.
pub fn read_record_traced(
    rules: &RuleSet,
    columns: &ColumnMap,
    row: &Row,
    seen: &mut SeenIds,
) -> Record {
    read(rules, columns, row, seen, true, None)
}

fn read(
    rules: &RuleSet,
    columns: &ColumnMap,
    row: &Row,
    seen: &mut SeenIds,
    trace: bool,
    cache: Option<&mut Cache>,
) -> Record {
    let mut record = Record::with_facts(Facts::unknown(rules));
    let how = match (trace, cache) {
        (true, _) => Fill::Traced,
        (false, Some(cache)) => Fill::Cached(cache),
        (false, None) => Fill::Plain,
    };
    fill(rules, columns, row, seen, how, &mut record);
    read_prose(
        rules,
        columns,
        row,
        &mut record,
        &mut crate::text::Scratch::default(),
        trace,
    );
    record
}

/// Reads the record's facts from its prose cells (after its columns): see [`crate::text`]. A
/// record whose facts text changed no longer has the facts of its row pattern.
fn read_prose(
    rules: &RuleSet,
    columns: &ColumnMap,
    row: &Row,
    record: &mut Record,
    scratch: &mut crate::text::Scratch,
    trace: bool,
) {
    if columns.prose.is_empty() || row.problem.is_some() || rules.phrases.automaton.is_none() {
        return;
    }
    // Most rosters have a prose column or two: their cells on the stack.
    const ON_STACK: usize = 8;
    let mut stack: [(&str, &str); ON_STACK] = [("", ""); ON_STACK];
    let mut heap: Vec<(&str, &str)> = Vec::new();
    let mut n = 0;
    for &i in &columns.prose {
        if let Some(cell) = row.cell(i).map(str::trim).filter(|c| !c.is_empty()) {
            let cell = (columns.header.names[i].as_str(), cell);
            if n < ON_STACK {
                stack[n] = cell;
            } else {
                if heap.is_empty() {
                    heap.extend_from_slice(&stack);
                }
                heap.push(cell);
            }
            n += 1;
        }
    }
    let cells = if n > ON_STACK { &heap[..] } else { &stack[..n] };
    if cells.is_empty() {
        return;
    }
    let warnings = record.warnings.len();
    crate::text::read(rules, cells, record, scratch, trace);
    if record.facts.from_text != 0 || record.warnings.len() != warnings {
        record.pattern = None;
    }
}

/// How [`fill`] reads the cells.
enum Fill<'c> {
    /// Each cell afresh.
    Plain,
    /// Each cell afresh, keeping how it was read ([`Record::mappings`]).
    Traced,
    /// Through the cell caches, remembering what it reads.
    Cached(&'c mut Cache),
    /// Only the key and name: the rest is what this pattern gave.
    Pattern(&'c Pattern),
}

/// Reads `row` into `record`, reusing the record's buffers. Returns how many warnings the
/// record had after reading its cells (before the ones about the row as a whole).
fn fill(
    rules: &RuleSet,
    columns: &ColumnMap,
    row: &Row,
    seen: &mut SeenIds,
    how: Fill,
    record: &mut Record,
) -> usize {
    let (trace, cache, pattern) = match how {
        Fill::Plain => (false, None, None),
        Fill::Traced => (true, None, None),
        Fill::Cached(cache) => (false, Some(cache), None),
        Fill::Pattern(pattern) => (false, None, Some(pattern)),
    };
    let mut buffers = start_record(rules, columns, row, pattern, record);
    // With a pattern, only the key and the name are left to read.
    let cells = match pattern {
        Some(_) => &columns.key_columns,
        None => &columns.read_order,
    };
    read_cells(rules, row, cells, cache, trace, &mut buffers, record);
    let cell_warnings = record.warnings.len();
    row_warnings(rules, columns, row, seen, record);
    cell_warnings
}

/// Buffers of the previous record kept for the next one's texts.
struct Buffers {
    name: String,
    declared_text: String,
    key: String,
}

/// Empties `record` for `row` (keeping its buffers), with the header's warnings, and what
/// `pattern` gave when the row's pattern was seen before.
fn start_record(
    rules: &RuleSet,
    columns: &ColumnMap,
    row: &Row,
    pattern: Option<&Pattern>,
    record: &mut Record,
) -> Buffers {
    record.line = row.line;
    record.partner_id.clear();
    // The name's buffer is kept for the next row's name.
    let name = record.partner_name.take().unwrap_or_default();
    record.mappings.clear();
    record.evidence.clear();
    record.text_hits.clear();
    record.facts.absent.clear();
    record.facts.absent.resize(rules.facts.len(), 0);
    record.facts.from_text = 0;
    record.problem.clone_from(&row.problem);
    record.warnings.clone_from(&columns.warnings);
    record.pattern = pattern.map(|p| p.id);
    // The declared text's buffer is kept for the next row's (unless a pattern gives it).
    let mut declared_text = String::new();
    match pattern {
        Some(p) => {
            record.facts.values.clear();
            record.facts.values.extend_from_slice(&p.facts);
            record.declared_roles = p.declared_roles;
            match (&mut record.declared_text, &p.declared_text) {
                (Some(mine), Some(theirs)) => {
                    mine.clear();
                    mine.push_str(theirs);
                }
                (mine, theirs) => *mine = theirs.as_deref().map(String::from),
            }
            record.warnings.extend_from_slice(&p.warnings);
            record.ignored.clear();
            record.ignored.extend_from_slice(&p.ignored);
        }
        None => {
            declared_text = record.declared_text.take().unwrap_or_default();
            record.declared_roles = 0;
            record.facts.reset(rules.facts.len());
            record.ignored.clear();
        }
    }
    Buffers {
        name,
        declared_text,
        key: String::new(),
    }
}

/// Reads the cells of `row` that `cells` lists (input column, vocabulary column) into
/// `record`: the key, the name, the declared role and the facts, through `cache` when there
/// is one.
fn read_cells(
    rules: &RuleSet,
    row: &Row,
    cells: &[(usize, usize)],
    mut cache: Option<&mut Cache>,
    trace: bool,
    buffers: &mut Buffers,
    record: &mut Record,
) {
    for &(i, ci) in cells {
        let Some(cell) = row.cell(i) else {
            continue;
        };
        let column = &rules.columns[ci];
        if matches!(column.kind, ColumnKind::Text | ColumnKind::Prose) {
            continue;
        }
        let text = trim(cell);
        if text.is_empty() {
            continue;
        }
        if let (Some(fact), Some(cache)) = (column.fact, cache.as_deref_mut())
            && let Some(read) = cache.cells[ci].get_cloned(text)
        {
            cache.cell_gates[ci].count(true);
            record.facts.values[fact] = read.bits;
            if let Some(notes) = &read.notes {
                record.warnings.extend_from_slice(&notes.warnings);
                record.ignored.extend_from_slice(&notes.ignored);
            }
            continue;
        }
        if is_unknown_marker(rules, text, &mut buffers.key) {
            if let (Some(_), Some(cache)) = (column.fact, cache.as_deref_mut()) {
                let read = || CellRead {
                    bits: None,
                    notes: None,
                };
                remember(cache, ci, text, read);
            }
            continue;
        }
        match column.kind {
            ColumnKind::Id => record.partner_id.push_str(text),
            ColumnKind::Name => {
                buffers.name.clear();
                buffers.name.push_str(text);
                record.partner_name = Some(std::mem::take(&mut buffers.name));
            }
            ColumnKind::DeclaredRole => {
                buffers.declared_text.clear();
                buffers.declared_text.push_str(text);
                record.declared_text = Some(std::mem::take(&mut buffers.declared_text));
                read_declared(rules, text, cache.as_deref_mut(), record);
            }
            ColumnKind::Text | ColumnKind::Prose => {}
            ColumnKind::One | ColumnKind::List => {
                let fact = column.fact.expect("fact columns have a fact");
                let (warnings, ignored) = (record.warnings.len(), record.ignored.len());
                read_fact(rules, fact, text, &mut buffers.key, record, trace);
                if let Some(cache) = cache.as_deref_mut() {
                    let read = || {
                        let said =
                            record.warnings.len() > warnings || record.ignored.len() > ignored;
                        let notes = said.then(|| {
                            std::sync::Arc::new(CellNotes {
                                warnings: record.warnings[warnings..].into(),
                                ignored: record.ignored[ignored..].into(),
                            })
                        });
                        CellRead {
                            bits: record.facts.values[fact],
                            notes,
                        }
                    };
                    remember(cache, ci, text, read);
                }
            }
        }
    }
}

/// Reads a declared-role cell into the record's role mask, with its warnings.
fn read_declared(rules: &RuleSet, text: &str, cache: Option<&mut Cache>, record: &mut Record) {
    match cache {
        Some(cache) if text.len() <= CACHED_CELL_BYTES => {
            // Two lookups for a cell seen before; a key is allocated only for a new one.
            let made = || {
                let declared = rules.declared_cell(text);
                let mut warnings = Vec::new();
                declared_warnings(text, &declared, &mut warnings);
                let bytes =
                    text.len() + declared.bytes() + warnings.iter().map(String::len).sum::<usize>();
                Some((text.into(), (declared, warnings.into()), bytes))
            };
            let (declared, warnings) = cache
                .declared
                .get_or_insert(text, made)
                .expect("always kept");
            record.declared_roles = declared.roles;
            record.warnings.extend_from_slice(warnings);
        }
        _ => {
            let declared = rules.declared_cell(text);
            record.declared_roles = declared.roles;
            declared_warnings(text, &declared, &mut record.warnings);
        }
    }
}

/// The warnings about the row as a whole: a cell count that is not the header's, facts no
/// column gives, a missing key (the line number is used), an id an earlier row has.
fn row_warnings(
    rules: &RuleSet,
    columns: &ColumnMap,
    row: &Row,
    seen: &mut SeenIds,
    record: &mut Record,
) {
    let header = &columns.header;
    let width = header.names.len();
    if row.len() > width || (row.len() < width && row.problem.is_none()) {
        record.warnings.push(if row.len() < width {
            format!(
                "the row has {} cells and the header {width}; the missing cells are read as unknown",
                row.len()
            )
        } else {
            let extra: Vec<String> = (width..row.len())
                .map(|i| format!("{:?}", row.cell(i).unwrap_or("")))
                .collect();
            format!(
                "the row has {} cells and the header {width}; the extra cells are kept here, unread: {}",
                row.len(),
                extra.join(", ")
            )
        });
    }
    if !columns.missing_facts.is_empty() {
        let names: Vec<&str> = columns
            .missing_facts
            .iter()
            .map(|&f| rules.facts[f].name.as_str())
            .collect();
        record.warnings.push(if columns.prose.is_empty() {
            format!("the roster has no column for: {}", names.join(", "))
        } else {
            format!(
                "the roster has no column for: {}; they are read from the text where it says them",
                names.join(", ")
            )
        });
    }
    let has_key = !record.partner_id.is_empty();
    if !has_key {
        record.partner_id = row.line.to_string();
        record.warnings.push(if header.sheet.is_some() {
            format!(
                "partner_id is empty in row {}; the row number {} is used as id",
                header.location(row.line),
                row.line
            )
        } else if columns.has_id {
            format!(
                "partner_id is empty; the line number {} is used as id",
                row.line
            )
        } else {
            format!(
                "the roster has no partner_id column; the line number {} is used as id",
                row.line
            )
        });
    }
    // The reading thread of a run checks ids in input order and says so on the row.
    let duplicate = match row.duplicate_id {
        Some(duplicate) => duplicate,
        None => has_key && seen.check(&record.partner_id),
    };
    if duplicate {
        record.warnings.push(format!(
            "duplicate partner_id {:?}: an earlier row has the same id",
            record.partner_id
        ));
    }
}

/// Most distinct unknown items of one fact cell reported each in its own warning (a cell of
/// thousands of unknown items would otherwise give as many warnings).
const UNKNOWN_ITEMS_KEPT: usize = 5;

fn read_fact(
    rules: &RuleSet,
    fact: FactId,
    text: &str,
    key: &mut String,
    record: &mut Record,
    trace: bool,
) {
    let f = &rules.facts[fact];
    let mut bits = 0u64;
    let mut said_nothing = false;
    let mut recognized = 0usize;
    // Unknown items are reported once each, at most a few; the rest are counted.
    let mut unknown: [&str; UNKNOWN_ITEMS_KEPT] = [""; UNKNOWN_ITEMS_KEPT];
    let (mut kept, mut more) = (0usize, 0usize);
    for item in split_list(text) {
        let lookup = if is_normalized(item) {
            item
        } else {
            normalize_into(item, key);
            key.as_str()
        };
        match f.index.get(lookup) {
            Some(&v) => {
                recognized += 1;
                if trace {
                    record.mappings.push(Mapping {
                        fact: f.name.clone(),
                        raw: item.to_string(),
                        value: Some(f.values[v as usize].id.clone()),
                    });
                }
                if Some(v) == f.nothing {
                    said_nothing = true;
                } else {
                    bits |= 1u64 << v;
                }
            }
            None => {
                if rules.unknown_markers.iter().any(|m| m == lookup) {
                    continue;
                }
                if trace {
                    record.mappings.push(Mapping {
                        fact: f.name.clone(),
                        raw: item.to_string(),
                        value: None,
                    });
                }
                if unknown[..kept].contains(&item) {
                    continue;
                }
                if kept == UNKNOWN_ITEMS_KEPT {
                    more += 1;
                    continue;
                }
                unknown[kept] = item;
                kept += 1;
                record.warnings.push(format!(
                    "{}: {item:?} is not a known value; ignored",
                    f.name
                ));
                record.ignored.push(format!(
                    "Ignored {item:?} in {}: no value of the vocabulary means it.",
                    f.name
                ));
            }
        }
    }
    if more > 0 {
        record.warnings.push(format!(
            "{}: {more} more items are not known values; ignored",
            f.name
        ));
        record.ignored.push(format!(
            "Ignored {more} more items in {}: no value of the vocabulary means them.",
            f.name
        ));
    }
    if recognized == 0 {
        return;
    }
    if said_nothing && bits != 0 {
        let none = &f.values[f.nothing.expect("said_nothing implies a nothing value") as usize].id;
        record.warnings.push(format!(
            "{}: {none:?} is listed together with other values; {none:?} is ignored",
            f.name
        ));
    }
    if !f.list && bits.count_ones() > 1 {
        record.warnings.push(format!(
            "{} takes one value but the cell names {}; read as unknown",
            f.name,
            rules.value_ids(fact, bits, " and ")
        ));
        return;
    }
    record.facts.values[fact] = Some(bits);
}

#[cfg(test)]
mod tests {
    /// Two different ids that share a whole hash are not duplicates: the ids are compared.
    #[test]
    fn a_hash_collision_is_not_a_duplicate() {
        let mut seen = super::SeenIds::default();
        let hash = 0x1234_5678_9abc_def0;
        assert!(!seen.check_hashed(hash, "first id"));
        assert!(!seen.check_hashed(hash, "second id"));
        assert!(seen.check_hashed(hash, "first id"));
        assert!(seen.check_hashed(hash, "second id"));
        // Long ids (255 bytes and more) are kept whole, behind a longer length field.
        let long = "L".repeat(70_000);
        assert!(!seen.check_hashed(hash, &long));
        assert!(seen.check_hashed(hash, &long));
        assert!(!seen.check_hashed(hash, &"L".repeat(69_999)));
        assert!(!seen.check_hashed(hash, &format!("{}M", "L".repeat(69_999))));
    }

    /// Sequential ids (the usual kind) are never taken for one another.
    #[test]
    fn sequential_ids_are_all_distinct() {
        let mut seen = super::SeenIds::default();
        for prefix in ["P", "PARTNER-", ""] {
            for n in 0..200_000u32 {
                let id = format!("{prefix}{n:07}");
                assert!(!seen.check(&id), "{id} reported as a duplicate");
            }
        }
        assert!(seen.check("P0000042"));
        assert!(seen.check("0199999"));
    }
}
