//! Reading a roster CSV: the header row, then one [`Row`] per record with its line number and
//! cells. All CSV handling on the input side lives here.
//!
//! Owns: bytes -> cells, the header row's names. Must not touch: facts, rules, output.
//!
//! The rooms: `input.rs` (the input buffer, UTF-16 decoding, encodings refused), `reader.rs`
//! (`RosterReader`: scanning each record to its end, splitting or parsing it, line numbers),
//! `row.rs` (`Row`, a record's text and the end of each cell). This file holds the header,
//! delimiter detection and the limits on one record.

mod input;
mod reader;
mod row;

pub use reader::RosterReader;
pub use row::Row;

/// The header row: the input's column names, and what reading it showed.
#[derive(Debug, Clone)]
pub struct Header {
    /// The header cells, made unique for outputs (a leading byte-order mark removed).
    pub names: Vec<String>,
    /// The header cells as written (trimmed), before they were made unique: what the
    /// vocabulary's aliases are matched against.
    pub(crate) written: Vec<String>,
    /// Problems with the header itself (repeated or empty names, invalid UTF-8), repeated on
    /// every record.
    pub(crate) warnings: Vec<String>,
    /// The sheet's name when the roster is a spreadsheet (rows are then named `Sheet!row`).
    pub(crate) sheet: Option<String>,
    /// For each input column, whether it maps to no vocabulary column (a column the
    /// vocabulary does not know, or a second one meaning a column already read): such a column
    /// is carried through to the outputs as it is. Set by the facts layer when it maps the
    /// header to the rules' columns ([`crate::facts::ColumnMap`]); all true until then.
    pub(crate) carried: Vec<bool>,
    /// Whether some column holds the record key. Set by the facts layer like `carried`.
    pub(crate) has_id: bool,
}

impl Header {
    /// The header of a roster with these column names (as written).
    pub fn new(names: Vec<String>) -> Header {
        let mut warnings = Vec::new();
        let written = names.clone();
        let names = unique_names(names, &mut warnings);
        Header {
            carried: vec![true; names.len()],
            names,
            written,
            warnings,
            sheet: None,
            has_id: false,
        }
    }

    /// How messages name the row that starts on `line`: `line 12`, or `Partners!12` for a
    /// spreadsheet.
    pub(crate) fn location(&self, line: u64) -> String {
        match &self.sheet {
            Some(sheet) => format!("{sheet}!{line}"),
            None => format!("line {line}"),
        }
    }
}

/// Header names made unique for outputs (a JSON object cannot have two keys `x`, a CSV reader
/// keyed by header loses one of two columns `x`): an empty name becomes `column_N`, a repeated
/// one `x_2`, `x_3`, .... One warning names the first few renames and counts the rest (every
/// record carries the header's warnings). The names were mapped to the vocabulary before.
fn unique_names(names: Vec<String>, warnings: &mut Vec<String>) -> Vec<String> {
    let mut taken: std::collections::HashSet<String> = names.iter().cloned().collect();
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    // Next suffix to try for each base name: linear in the number of columns.
    let mut next: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut renamed = Vec::new();
    let mut out = Vec::with_capacity(names.len());
    for (i, name) in names.into_iter().enumerate() {
        if !name.is_empty() && seen.insert(name.clone()) {
            out.push(name);
            continue;
        }
        let base = if name.is_empty() {
            "column".to_string()
        } else {
            name.clone()
        };
        let n = next
            .entry(base.clone())
            .or_insert(if name.is_empty() { i + 1 } else { 2 });
        let mut candidate = format!("{base}_{n}");
        while taken.contains(&candidate) {
            *n += 1;
            candidate = format!("{base}_{n}");
        }
        *n += 1;
        taken.insert(candidate.clone());
        seen.insert(candidate.clone());
        renamed.push(if name.is_empty() {
            format!("column {} (no name) as {candidate}", i + 1)
        } else {
            format!(
                "column {} (a repeated {:?}) as {candidate}",
                i + 1,
                crate::sanitize::visible(&name)
            )
        });
        out.push(candidate);
    }
    if !renamed.is_empty() {
        const SHOWN: usize = 3;
        let more = renamed.len().saturating_sub(SHOWN);
        warnings.push(format!(
            "header names are missing or repeated; outputs call {}{}",
            renamed[..renamed.len().min(SHOWN)].join(", "),
            if more > 0 {
                format!(", and {more} more columns likewise")
            } else {
                String::new()
            }
        ));
    }
    out
}

/// The delimiter of a roster from its first line: the most frequent of comma, semicolon and
/// tab outside quotes (Excel writes semicolons in many locales), comma when none appears.
pub fn sniff_delimiter(start: &[u8]) -> u8 {
    let line = start.split(|&b| b == b'\n').next().unwrap_or(start);
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for &b in line {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            for (d, n) in counts.iter_mut() {
                if b == *d {
                    *n += 1;
                }
            }
        }
    }
    counts
        .iter()
        .fold(
            (b',', 0),
            |best, &(d, n)| if n > best.1 { (d, n) } else { best },
        )
        .0
}

/// Bounds on one record of a roster, so that a stray quote or a file with no line breaks costs
/// an `error` record, not the memory of the whole file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most bytes one record (the header row included) may take.
    pub record_bytes: usize,
    /// Most physical lines one record may span (a quoted cell with line breaks).
    pub record_lines: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            record_bytes: 1 << 20,
            record_lines: 100,
        }
    }
}
