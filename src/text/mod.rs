//! Facts read from the words of prose columns (Description, Services, Notes, ...).
//!
//! A prose cell is folded, scanned once by the rule set's automaton (phrases, their inflections
//! and the cues, see `rules::phrases`), and walked clause by clause: a negation cue negates the
//! phrases after it up to the end of the clause (punctuation, or a clause-break word such as
//! "but"; a comma ends it too unless a list word such as "or" follows in the clause), a hedge
//! makes them say nothing. What the cells state is then merged into the record's facts: a fact
//! given in its own column wins (a disagreeing text is a warning quoting both), a fact known
//! only from text is used and marked as read from text, a negated value is known to be absent.
//!
//! Owns: clause scope, merging text facts with column facts, evidence sentences and snippets.
//! Must not touch: CSV parsing (roster), rule evaluation (engine), output.

mod scan;

use scan::scan;

use crate::cache::{Gate, Generations};
use crate::facts::Record;
use crate::rules::phrases::PatternKind;
use crate::rules::{FactId, RuleSet};

/// How a phrase found in a prose cell was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// It states its values.
    Stated,
    /// A negation cue governs it: its values are known to be absent.
    Negated,
    /// A hedge governs it ("may", "plans to"): it states nothing.
    Hedged,
}

impl Reading {
    /// `stated`, `negated` or `hedged`.
    pub fn name(self) -> &'static str {
        match self {
            Reading::Stated => "stated",
            Reading::Negated => "negated",
            Reading::Hedged => "hedged",
        }
    }
}

/// One phrase found in a prose cell, for `explain`.
#[derive(Debug, Clone, PartialEq)]
pub struct TextHit {
    /// The column's header as written.
    pub column: String,
    /// The words as written in the cell.
    pub words: String,
    /// The rule set's phrase that matched.
    pub phrase: String,
    /// `fact value` pairs the phrase states.
    pub states: Vec<(String, String)>,
    /// Stated, negated or hedged.
    pub reading: Reading,
    /// The clause around the words, at most about 80 characters.
    pub snippet: String,
    /// Set when a fact given in its own column overrides what the phrase says.
    pub lost_to_column: bool,
    /// The phrase's index in the compiled rule set (for test coverage).
    pub(crate) phrase_id: u32,
}

/// Buffers reused from cell to cell, and the phrases found in the prose cells seen lately.
#[derive(Debug, Default)]
pub struct Scratch {
    found: Found,
    folded: Vec<u8>,
    map: Vec<u32>,
    candidates: Vec<(u32, u32, u32)>,
    /// The (pattern, end) of the patterns that start at one place.
    ends: Vec<(u32, u32)>,
    tokens: Vec<(u32, u32, PatternKind)>,
    keys: Vec<(u32, u32, u32)>,
    hits: Vec<Hit>,
    parts: Vec<(usize, FactId, bool)>,
    said: Vec<Said>,
}

/// The phrases found in each prose cell text seen lately (notes such as "Onboarded 2022,
/// reviewed by ops" repeat from row to row), so a repeated cell is not scanned again. What a
/// scan finds depends on the text and the rule set alone, and a scratch serves one rule set.
/// Texts up to [`Found::TEXT_BYTES`] bytes; at most [`Found::ENTRIES`] texts and
/// [`Found::BYTES`] bytes per generation (see [`crate::cache`]), kept while one lookup in five
/// finds its text.
#[derive(Debug)]
struct Found {
    texts: Generations<Box<str>, Box<[Hit]>>,
    keep: Gate,
}

impl Found {
    const TEXT_BYTES: usize = 256;
    const ENTRIES: usize = 2048;
    const BYTES: usize = 256 << 10;
}

impl Default for Found {
    fn default() -> Self {
        Found {
            texts: Generations::new(Self::ENTRIES, Self::BYTES),
            keep: Gate::new(1, 4, true),
        }
    }
}

/// Appends the hits of prose cell `text` (cell `cell`) to `scratch.hits`: those found in the
/// same text before, or a scan's.
fn scan_cell(rules: &RuleSet, text: &str, cell: u32, scratch: &mut Scratch) {
    if text.len() > Found::TEXT_BYTES {
        scan(rules, text, cell, scratch);
        return;
    }
    if let Some(hits) = scratch.found.texts.get(text) {
        scratch.found.keep.count(true);
        scratch
            .hits
            .extend(hits.iter().map(|&hit| Hit { cell, ..hit }));
        return;
    }
    let from = scratch.hits.len();
    scan(rules, text, cell, scratch);
    if scratch.found.keep.count(false) {
        let hits: Box<[Hit]> = scratch.hits[from..].into();
        let bytes = text.len() + std::mem::size_of_val(&*hits);
        scratch.found.texts.insert(text.into(), hits, bytes);
    }
}

/// A phrase found: pattern span in the cell (bytes of the original text) and how it is read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit {
    phrase: u32,
    start: u32,
    end: u32,
    reading: Reading,
    /// The prose cell it is in (an index into the cells given to `read`).
    cell: u32,
}

/// The bounds of the sentence or clause (ended by . ! ? ; or a line break) around
/// `start..end` in `text`.
fn clause_bounds(text: &str, start: usize, end: usize) -> (usize, usize) {
    let bytes = text.as_bytes();
    let is_stop = |j: usize| {
        matches!(bytes[j], b'.' | b'!' | b'?')
            && bytes.get(j + 1).is_none_or(|b| b.is_ascii_whitespace())
            || matches!(bytes[j], b';' | b'\n' | b'\r')
    };
    let from = (0..start)
        .rev()
        .find(|&j| is_stop(j))
        .map(|j| j + 1)
        .unwrap_or(0);
    let to = (end..bytes.len())
        .find(|&j| is_stop(j))
        .unwrap_or(bytes.len());
    (from, to)
}

/// The sentence or clause around `start..end` in `text`, at most about 80 characters, cut at
/// word boundaries with "..." where it was cut.
pub(crate) fn snippet(text: &str, start: usize, end: usize) -> String {
    let mut out = String::new();
    push_snippet(&mut out, text, start, end);
    out
}

/// Most characters a snippet keeps.
const SNIPPET_CHARS: usize = 80;

/// [`clause_bounds`], looked for at most `window` bytes on either side of `start..end`: the
/// window's edge (at a character boundary) where no stop lies within it.
fn clause_bounds_near(text: &str, start: usize, end: usize, window: usize) -> (usize, usize) {
    let mut lo = start.saturating_sub(window);
    while !text.is_char_boundary(lo) {
        lo -= 1;
    }
    let mut hi = end.saturating_add(window).min(text.len());
    while !text.is_char_boundary(hi) {
        hi += 1;
    }
    let (from, to) = clause_bounds(&text[lo..hi], start - lo, end - lo);
    (lo + from, lo + to)
}

/// Appends [`snippet`] to `out`.
fn push_snippet(out: &mut String, text: &str, start: usize, end: usize) {
    // A clause is looked for within eight times the longest snippet on either side (a snippet
    // keeps at most SNIPPET_CHARS characters, four bytes at most each): the same snippet as from the
    // whole clause, in a time that does not grow with it (a cell of one long clause holding
    // many phrases made `explain` quadratic).
    let bounds = clause_bounds_near(text, start, end, 8 * SNIPPET_CHARS);
    push_snippet_in(out, text, start, end, bounds);
}

/// [`push_snippet`] in the clause `from..to` around `start..end`.
fn push_snippet_in(out: &mut String, text: &str, start: usize, end: usize, bounds: (usize, usize)) {
    let (mut from, mut to) = bounds;
    let (mut cut_front, mut cut_back) = (false, false);
    let chars = |a: usize, b: usize| text[a..b].chars().count();
    if chars(from, to) > SNIPPET_CHARS {
        // Keep the words, then what comes before and after them in turn.
        let budget = SNIPPET_CHARS.saturating_sub(chars(start, end));
        let before = budget / 3;
        let mut a = start;
        let mut n = 0;
        while a > from && n < before {
            a -= 1;
            while !text.is_char_boundary(a) {
                a -= 1;
            }
            n += 1;
        }
        if a > from {
            cut_front = true;
            from = text[a..start].find(' ').map(|k| a + k + 1).unwrap_or(start);
        }
        let after = budget.saturating_sub(chars(from, start));
        let mut b = end;
        let mut m = 0;
        while b < to && m < after {
            b += 1;
            while !text.is_char_boundary(b) {
                b += 1;
            }
            m += 1;
        }
        if b < to {
            cut_back = true;
            to = text[end..b].rfind(' ').map(|k| end + k).unwrap_or(end);
        }
    }
    let body = text[from..to].trim();
    if cut_front || from > 0 && !body.is_empty() {
        out.push_str("...");
    }
    out.push_str(&crate::sanitize::visible(body));
    if cut_back {
        out.push_str("...");
    }
}

/// What the prose cells of one record say about one fact.
#[derive(Debug, Default, Clone, Copy)]
struct Said {
    stated: u64,
    negated: u64,
    /// The first hit that states (or negates) a value, for the quote.
    first_stated: Option<usize>,
    first_negated: Option<usize>,
}

/// Reads the prose `cells` ((header as written, cell text)) of a record whose column facts are
/// already read, and merges what they say into `record` (see the module comment). Keeps every
/// hit in `record.text_hits` when `trace`.
pub(crate) fn read(
    rules: &RuleSet,
    cells: &[(&str, &str)],
    record: &mut Record,
    scratch: &mut Scratch,
    trace: bool,
) {
    scratch.hits.clear();
    for (k, (_, text)) in cells.iter().enumerate() {
        scan_cell(rules, text, k as u32, scratch);
    }
    if scratch.hits.is_empty() {
        return;
    }
    let mut said = std::mem::take(&mut scratch.said);
    tally(rules, &scratch.hits, &mut said);
    // (hit quoted, fact, negated) of what was read, to group by the clause quoted.
    let mut parts = std::mem::take(&mut scratch.parts);
    parts.clear();
    let lost = merge(rules, cells, &scratch.hits, &said, record, &mut parts);
    scratch.said = said;
    let mut keys = std::mem::take(&mut scratch.keys);
    evidence_sentences(rules, cells, &scratch.hits, &parts, &mut keys, record);
    scratch.parts = parts;
    scratch.keys = keys;
    if trace {
        trace_hits(rules, cells, &scratch.hits, lost, record);
    }
}

/// What the hits say of each fact: the values stated and negated, and the first hit of each.
fn tally(rules: &RuleSet, hits: &[Hit], said: &mut Vec<Said>) {
    let phrases = &rules.phrases;
    said.clear();
    said.resize(rules.facts.len(), Said::default());
    for (h, hit) in hits.iter().enumerate() {
        for &(fact, value) in &phrases.phrases[hit.phrase as usize].states {
            let s = &mut said[fact];
            match hit.reading {
                Reading::Stated => {
                    s.stated |= value_bit(rules, fact, value);
                    s.first_stated.get_or_insert(h);
                }
                Reading::Negated => {
                    // Negating "nothing" ("not unpaid") says nothing usable.
                    if rules.facts[fact].nothing != Some(value) {
                        s.negated |= 1u64 << value;
                        s.first_negated.get_or_insert(h);
                    }
                }
                Reading::Hedged => {}
            }
        }
    }
}

/// The column of hit `h` and the words around it, quoted for a warning.
fn quote(cells: &[(&str, &str)], hits: &[Hit], h: usize) -> String {
    let hit = hits[h];
    let text = cells[hit.cell as usize].1;
    format!(
        "{}: \"{}\"",
        crate::sanitize::visible(cells[hit.cell as usize].0),
        snippet(text, hit.start as usize, hit.end as usize)
    )
}

/// Merges what the text says into the record's facts: a fact's column wins (a warning where
/// the text disagrees), a value both stated and negated is negated (with a warning), a
/// one-valued fact stated twice stays unknown. Adds (hit, fact, negated) to `parts` for each
/// fact read; returns the facts whose column won over the text.
fn merge(
    rules: &RuleSet,
    cells: &[(&str, &str)],
    hits: &[Hit],
    said: &[Said],
    record: &mut Record,
    parts: &mut Vec<(usize, FactId, bool)>,
) -> u64 {
    let mut lost = 0u64;
    for (fact, s) in said.iter().enumerate() {
        let f = &rules.facts[fact];
        let nothing_said = s.first_stated.is_some() && s.stated == 0;
        if s.first_stated.is_none() && s.first_negated.is_none() {
            continue;
        }
        if let Some(column) = record.facts.values[fact] {
            // The column wins; say where the text disagrees.
            let disagrees = if f.list {
                (s.stated & !column != 0) || (nothing_said && column != 0)
            } else {
                s.stated != 0 && s.stated != column
            } || s.negated & column != 0;
            if disagrees {
                lost |= 1u64 << fact;
                let text_says = match (s.stated != 0 || nothing_said, s.negated != 0) {
                    (true, _) => format!(
                        "{} ({})",
                        rules.value_text(fact, s.stated),
                        quote(cells, hits, s.first_stated.unwrap_or(0))
                    ),
                    (false, _) => format!(
                        "not {} ({})",
                        rules.value_ids(fact, s.negated, ", "),
                        quote(cells, hits, s.first_negated.unwrap_or(0))
                    ),
                };
                record.warnings.push(format!(
                    "{}: the column says {} but the text says {text_says}; the column is used",
                    f.name,
                    rules.value_text(fact, column),
                ));
            }
            continue;
        }
        // A value both stated and negated: the negation stands (a role the text denies is
        // never held on the strength of the same text), and the record says so.
        let both = s.stated & s.negated;
        if both != 0 {
            let (said, denied) = (
                quote(cells, hits, s.first_stated.unwrap_or(0)),
                quote(cells, hits, s.first_negated.unwrap_or(0)),
            );
            let quotes = if said == denied {
                said
            } else {
                format!("{said}; {denied}")
            };
            record.warnings.push(format!(
                "{}: the text both states and negates {} ({quotes}); read as negated",
                f.name,
                rules.value_ids(fact, both, ", "),
            ));
        }
        let stated = s.stated & !both;
        let negated = s.negated;
        if !f.list && stated.count_ones() > 1 {
            record.warnings.push(format!(
                "{} takes one value but the text says {} ({}); read as unknown",
                f.name,
                rules.value_ids(fact, stated, " and "),
                quote(cells, hits, s.first_stated.unwrap_or(0))
            ));
        } else if stated != 0 || nothing_said {
            record.facts.values[fact] = Some(stated);
            record.facts.from_text |= 1u64 << fact;
            parts.push((s.first_stated.unwrap_or(0), fact, false));
        }
        if negated != 0 {
            // Kept beside a known value too (where it adds nothing to the evaluation), so that
            // what the text negates is reported.
            record.facts.absent[fact] = negated;
            record.facts.from_text |= 1u64 << fact;
            parts.push((s.first_negated.unwrap_or(0), fact, true));
        }
    }
    lost
}

/// One sentence per clause quoted (stated, then negated): the facts read from it, then the
/// clause. Hits in the same clause of the same cell share it.
fn evidence_sentences(
    rules: &RuleSet,
    cells: &[(&str, &str)],
    hits: &[Hit],
    parts: &[(usize, FactId, bool)],
    keys: &mut Vec<(u32, u32, u32)>,
    record: &mut Record,
) {
    let clause = |h: usize| {
        let hit = hits[h];
        let text = cells[hit.cell as usize].1;
        let (from, to) = clause_bounds(text, hit.start as usize, hit.end as usize);
        (hit.cell, from as u32, to as u32)
    };
    // The clause of each part, found once.
    keys.clear();
    keys.extend(parts.iter().map(|&(h, _, _)| clause(h)));
    for negated in [false, true] {
        let mut done = 0u128;
        for i in 0..parts.len() {
            let (h, _, neg) = parts[i];
            if neg != negated || done & (1u128 << i) != 0 {
                continue;
            }
            let key = keys[i];
            let mut sentence = String::from(if negated {
                "Negated in the text: "
            } else {
                "From the text: "
            });
            let mut first = true;
            for (j, &(_, fact, nj)) in parts.iter().enumerate().skip(i) {
                if nj != negated || done & (1u128 << j) != 0 || keys[j] != key {
                    continue;
                }
                done |= 1u128 << j;
                if !first {
                    sentence.push_str("; ");
                }
                first = false;
                sentence.push_str(&rules.facts[fact].name);
                sentence.push(' ');
                if negated {
                    sentence.push_str("not ");
                    sentence.push_str(&rules.value_ids(fact, record.facts.absent[fact], " or "));
                } else {
                    let bits = record.facts.values[fact].unwrap_or(0);
                    sentence.push_str(&rules.value_text(fact, bits));
                }
            }
            sentence.push_str(" (");
            let hit = hits[h];
            let (column, text) = cells[hit.cell as usize];
            sentence.push_str(&crate::sanitize::visible(column));
            sentence.push_str(": \"");
            push_snippet(&mut sentence, text, hit.start as usize, hit.end as usize);
            sentence.push_str("\").");
            record.evidence.push(sentence);
        }
    }
}

/// Every hit as `explain` shows it: the words, the phrase, the values, the reading.
fn trace_hits(
    rules: &RuleSet,
    cells: &[(&str, &str)],
    hits: &[Hit],
    lost: u64,
    record: &mut Record,
) {
    let phrases = &rules.phrases;
    for hit in hits {
        let phrase = &phrases.phrases[hit.phrase as usize];
        let text = cells[hit.cell as usize].1;
        record.text_hits.push(TextHit {
            column: cells[hit.cell as usize].0.to_string(),
            words: text[hit.start as usize..hit.end as usize].to_string(),
            phrase: phrase.text.clone(),
            states: phrase
                .states
                .iter()
                .map(|&(f, v)| {
                    (
                        rules.facts[f].name.clone(),
                        rules.facts[f].values[v as usize].id.clone(),
                    )
                })
                .collect(),
            reading: hit.reading,
            snippet: snippet(text, hit.start as usize, hit.end as usize),
            lost_to_column: phrase.states.iter().any(|&(f, _)| lost & (1u64 << f) != 0),
            phrase_id: hit.phrase,
        });
    }
}

/// The bit of `value`, or none for the value that means "nothing".
fn value_bit(rules: &RuleSet, fact: FactId, value: u8) -> u64 {
    if rules.facts[fact].nothing == Some(value) {
        0
    } else {
        1u64 << value
    }
}

#[cfg(test)]
mod tests {
    use super::snippet;
    use proptest::prelude::*;

    proptest! {
        /// The snippet found within a window around the words is the one the whole clause
        /// gives: texts of words, stops, long clauses and wide characters, every place.
        #[test]
        fn a_snippet_from_a_window_is_the_one_from_the_whole_clause(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "resells ", "word ", "wörter ", "€ ", "x", ". ", "; ", "\n", ".x", "a.b ", "   ", "long-word-without-spaces",
            ]), 0..400),
            at in any::<proptest::sample::Index>(),
            len in 1usize..12,
        ) {
            let text: String = pieces.concat();
            prop_assume!(!text.is_empty());
            let mut start = at.index(text.len());
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            let mut end = (start + len).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            let mut whole = String::new();
            super::push_snippet_in(&mut whole, &text, start, end, super::clause_bounds(&text, start, end));
            prop_assert_eq!(snippet(&text, start, end), whole);
        }
    }

    #[test]
    fn snippets_stay_short_and_keep_the_words() {
        let text = "Acme Cloud is a long-standing partner in the region with many happy customers. Resells our licenses to SMBs and runs implementation projects for hospitals, schools, banks and several government agencies across the whole country";
        let start = text.find("implementation").unwrap();
        let s = snippet(text, start, start + "implementation".len());
        assert!(s.contains("implementation"), "{s}");
        assert!(s.chars().count() <= 90, "{s}");
        assert!(s.starts_with("..."), "{s}");
        let short = "Resells licenses. Runs implementation projects.";
        let start = short.find("Runs").unwrap();
        assert_eq!(
            snippet(short, start, start + 4),
            "...Runs implementation projects"
        );
    }
}
