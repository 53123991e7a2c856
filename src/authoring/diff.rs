//! `rules diff`: classify one roster under an old and a new rule set and report what changes.

use std::collections::BTreeMap;
use std::io::Read;

use crate::engine::{Classification, Status, classify};
use crate::error::Error;
use crate::facts::{ColumnMap, SeenIds, read_record};
use crate::roster::{RosterReader, Row};
use crate::rules::RuleSet;

/// How one record came out under one rule set.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordOutcome {
    /// classified, ambiguous, unclassified or error.
    pub status: Status,
    /// The held role, or the role profile (`a+b`), when classified.
    pub role: Option<String>,
    /// The reasons.
    pub reasons: Vec<String>,
}

impl RecordOutcome {
    fn of(c: &Classification) -> RecordOutcome {
        RecordOutcome {
            status: c.status,
            role: c.role.clone(),
            reasons: c.reasons().map(String::from).collect(),
        }
    }

    /// The role id, or the status when there is no role.
    pub fn label(&self) -> &str {
        self.role.as_deref().unwrap_or(self.status.as_str())
    }
}

/// A record whose role or status changed.
#[derive(Debug, Clone)]
pub struct Changed {
    /// The line the row starts on.
    pub line: u64,
    /// The record key.
    pub partner_id: String,
    /// Under the old rules.
    pub old: RecordOutcome,
    /// Under the new rules.
    pub new: RecordOutcome,
}

/// The impact of a rule change on a roster.
#[derive(Debug, Clone, Default)]
pub struct Impact {
    /// Records read.
    pub records: usize,
    /// Records whose role or status changed.
    pub changed: usize,
    /// (old label, new label) -> records, for changed records.
    pub transitions: BTreeMap<(String, String), usize>,
    /// The changed records, up to the cap.
    pub examples: Vec<Changed>,
}

/// Classifies every row of `input` under `old` and `new`, keeping at most `cap` changed records.
pub fn diff(
    old: &RuleSet,
    new: &RuleSet,
    input: impl Read,
    source: &str,
    delimiter: Option<u8>,
    cap: usize,
) -> Result<Impact, Error> {
    let mut reader = RosterReader::new(input, source, delimiter)?;
    let new_header = ColumnMap::new(reader.header().clone(), new);
    let old_header = ColumnMap::new(reader.header().clone(), old);
    let (mut seen_old, mut seen_new) = (SeenIds::default(), SeenIds::default());
    let mut impact = Impact::default();
    let mut row = Row::default();
    while reader.read_row(&mut row) {
        impact.records += 1;
        let before = RecordOutcome::of(&classify(
            old,
            &read_record(old, &old_header, &row, &mut seen_old),
        ));
        let after_record = read_record(new, &new_header, &row, &mut seen_new);
        let after = RecordOutcome::of(&classify(new, &after_record));
        if before.label() == after.label() {
            continue;
        }
        impact.changed += 1;
        *impact
            .transitions
            .entry((before.label().to_string(), after.label().to_string()))
            .or_insert(0) += 1;
        if impact.examples.len() < cap {
            impact.examples.push(Changed {
                line: row.line,
                partner_id: after_record.partner_id,
                old: before,
                new: after,
            });
        }
    }
    Ok(impact)
}

impl Impact {
    /// The impact as text: counts, the from -> to table, and the changed records with their
    /// old and new reasons.
    pub fn render(&self) -> String {
        let mut out = format!(
            "{} records, {} change role or status\n",
            self.records, self.changed
        );
        if self.changed == 0 {
            return out;
        }
        let width = self
            .transitions
            .keys()
            .map(|(from, _)| from.len())
            .max()
            .unwrap_or(0)
            .max(4);
        out.push_str(&format!(
            "\n  {:<width$}  ->  {:<24} records\n",
            "from", "to"
        ));
        for ((from, to), n) in &self.transitions {
            out.push_str(&format!("  {from:<width$}  ->  {to:<24} {n}\n"));
        }
        out.push_str("\nChanged records\n");
        for c in &self.examples {
            out.push_str(&format!(
                "\n  {} (line {}): {} -> {}\n",
                c.partner_id,
                c.line,
                c.old.label(),
                c.new.label()
            ));
            out.push_str("    before:\n");
            for r in &c.old.reasons {
                out.push_str(&format!("      - {r}\n"));
            }
            out.push_str("    after:\n");
            for r in &c.new.reasons {
                out.push_str(&format!("      - {r}\n"));
            }
        }
        if self.examples.len() < self.changed {
            out.push_str(&format!(
                "\n  ... {} more changed records not shown\n",
                self.changed - self.examples.len()
            ));
        }
        out
    }
}
