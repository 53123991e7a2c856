//! The roster's header mapped to the rule set's vocabulary: which input column gives which
//! fact, the key, the name and the declared role; which columns are prose; which facts the
//! rules read that no column gives; and which cells make a row's pattern.

use crate::roster::Header;
use crate::rules::{ColumnKind, FactId, RuleSet};

/// Where facts come from (`--evidence`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Evidence {
    /// Only the facts' own columns.
    Columns,
    /// Only the words of prose columns (the fact columns are carried through unread).
    Text,
    /// Both; a fact's own column wins over the text.
    #[default]
    Both,
}

/// What each input column is to the engine.
#[derive(Debug, Clone)]
pub struct ColumnMap {
    /// The header row, with which columns are carried through unread and whether there is a
    /// key column.
    pub header: Header,
    /// For each input column, the vocabulary column it maps to; `None` for a column the
    /// vocabulary does not know (carried through) or a second column mapping to the same name.
    pub(crate) uses: Vec<Option<usize>>,
    /// Facts the rules read that no input column provides.
    pub(crate) missing_facts: Vec<FactId>,
    /// Whether some column maps to the record key.
    pub(crate) has_id: bool,
    /// The input column holding the record key, if any.
    pub(crate) id_column: Option<usize>,
    /// The input columns that make a row's pattern (declared role and facts), in read order.
    pub(crate) pattern_columns: Vec<usize>,
    /// `(first, last)` when the pattern columns are exactly the input columns first..=last.
    pub(crate) pattern_run: Option<(usize, usize)>,
    /// The entries of `read_order` that are not in the pattern (the key and the name).
    pub(crate) key_columns: Vec<(usize, usize)>,
    /// Problems with the header (columns meaning the same, names repeated), repeated on every
    /// record.
    pub(crate) warnings: Vec<String>,
    /// (input column, vocabulary column) for every mapped column, in vocabulary order, so a
    /// record reads the same whatever the order of the roster's columns. Prose columns are
    /// not in it (see `prose`).
    pub(crate) read_order: Vec<(usize, usize)>,
    /// The input columns whose words facts are read from (`prose` columns of the vocabulary),
    /// in input order; empty when text reading is off.
    pub(crate) prose: Vec<usize>,
}

impl ColumnMap {
    /// Why the roster cannot serve, when no column of it is one the rules read (every record
    /// would be unclassified): the headers found, the delimiter that probably separates a
    /// header read as one column, and the known column each unknown header is close to.
    pub fn unusable(&self, rules: &RuleSet) -> Option<String> {
        let read_by_rules = rules.rules.iter().fold(0u64, |acc, r| acc | r.reads);
        let serves = self.uses.iter().flatten().any(|&col| {
            let column = &rules.columns[col];
            match column.fact {
                Some(f) => read_by_rules & (1u64 << f) != 0,
                None => column.kind == ColumnKind::Prose && !self.prose.is_empty(),
            }
        });
        if serves {
            return None;
        }
        let names = &self.header.written;
        let shown: Vec<String> = names
            .iter()
            .take(12)
            .map(|n| format!("{:?}", crate::sanitize::visible(n)))
            .collect();
        let mut message = format!(
            "no column of the roster is one the rules read, so no record can be classified (headers found: {}{})",
            shown.join(", "),
            if names.len() > 12 { ", ..." } else { "" }
        );
        let separator = match names.as_slice() {
            [only] => [';', ',', '\t', '|']
                .into_iter()
                .find(|c| only.contains(*c)),
            _ => None,
        };
        if let Some(c) = separator {
            let shown = if c == '\t' {
                "tab".to_string()
            } else {
                c.to_string()
            };
            message.push_str(&format!(
                ". The header is one column holding {shown:?}: the cells are probably separated by it; pass --delimiter {shown:?}"
            ));
        } else {
            let close: Vec<String> = names
                .iter()
                .filter(|n| rules.column_for_header(n).is_none())
                .filter_map(|n| {
                    rules
                        .closest_column(n)
                        .map(|c| format!("{:?} -> {c}", crate::sanitize::visible(n)))
                })
                .collect();
            if !close.is_empty() {
                message.push_str(&format!(". Did you mean: {}", close.join(", ")));
            }
            message.push_str(&format!(
                ". The rules read: {} (their header names and aliases: `partner-roles rules list`)",
                rules.fact_names().collect::<Vec<_>>().join(", ")
            ));
        }
        Some(message)
    }

    /// For each input column, the vocabulary column it is read as; `None` for a column carried
    /// through unread.
    pub fn vocabulary_columns(&self) -> &[Option<usize>] {
        &self.uses
    }

    /// Maps `header`'s cells to the vocabulary of `rules`, reading facts from their columns and
    /// from prose.
    pub fn new(header: Header, rules: &RuleSet) -> ColumnMap {
        ColumnMap::with_evidence(header, rules, Evidence::Both)
    }

    /// Maps `header`'s cells to the vocabulary of `rules`, reading facts from where `evidence`
    /// says.
    pub fn with_evidence(mut header: Header, rules: &RuleSet, evidence: Evidence) -> ColumnMap {
        let Uses {
            uses,
            prose,
            taken,
            mut warnings,
        } = uses_of(&header.written, rules, evidence);
        let read_by_rules = rules.rules.iter().fold(0u64, |acc, r| acc | r.reads);
        let missing_facts = rules
            .columns
            .iter()
            .enumerate()
            .filter_map(|(ci, c)| c.fact.filter(|_| taken[ci].is_none()))
            .filter(|f| read_by_rules & (1u64 << f) != 0)
            .collect();
        let id_column = rules
            .columns
            .iter()
            .enumerate()
            .find_map(|(ci, c)| taken[ci].filter(|_| c.kind == ColumnKind::Id));
        let has_id = id_column.is_some();
        let mut read_order: Vec<(usize, usize)> = uses
            .iter()
            .enumerate()
            .filter_map(|(i, u)| u.map(|col| (i, col)))
            .filter(|&(_, col)| rules.columns[col].kind != ColumnKind::Prose)
            .collect();
        read_order.sort_by_key(|&(_, col)| col);
        let (pattern_columns, pattern_run) = pattern_of(rules, &read_order);
        let key_columns = read_order
            .iter()
            .copied()
            .filter(|&(_, col)| {
                matches!(rules.columns[col].kind, ColumnKind::Id | ColumnKind::Name)
            })
            .collect();
        warnings.extend(header.warnings.iter().cloned());
        header.carried = uses.iter().map(Option::is_none).collect();
        header.has_id = has_id;
        ColumnMap {
            header,
            read_order,
            uses,
            missing_facts,
            has_id,
            id_column,
            pattern_columns,
            pattern_run,
            key_columns,
            warnings,
            prose,
        }
    }
}

/// What each input column is used for, before anything is derived from it.
struct Uses {
    /// For each input column, the vocabulary column it is read as.
    uses: Vec<Option<usize>>,
    /// The prose columns read.
    prose: Vec<usize>,
    /// For each vocabulary column, the input column that gives it.
    taken: Vec<Option<usize>>,
    /// Columns that mean a column already read.
    warnings: Vec<String>,
}

/// Maps each header name to the vocabulary column it means. Several prose columns are each
/// read; a second column meaning a column already read is carried through unread (one warning
/// for the first few, a count for the rest); with `--evidence text` the fact columns are
/// carried through unread.
fn uses_of(names: &[String], rules: &RuleSet, evidence: Evidence) -> Uses {
    let mut out = Uses {
        uses: Vec::with_capacity(names.len()),
        prose: Vec::new(),
        taken: vec![None; rules.columns.len()],
        warnings: Vec::new(),
    };
    let mut collisions = 0usize;
    for (i, name) in names.iter().enumerate() {
        let used = match rules.column_for_header(name) {
            Some(col) if rules.columns[col].kind == ColumnKind::Prose => {
                if evidence != Evidence::Columns {
                    out.prose.push(i);
                }
                Some(col)
            }
            Some(col) if evidence == Evidence::Text && rules.columns[col].fact.is_some() => None,
            Some(col) => match out.taken[col] {
                Some(first) => {
                    collisions += 1;
                    if collisions <= 3 {
                        out.warnings.push(format!(
                            "columns {} ({:?}) and {} ({:?}) both mean `{}`; the second is carried through unread",
                            first + 1,
                            crate::sanitize::visible(&names[first]),
                            i + 1,
                            crate::sanitize::visible(name),
                            rules.columns[col].name
                        ));
                    }
                    None
                }
                None => {
                    out.taken[col] = Some(i);
                    Some(col)
                }
            },
            None => None,
        };
        out.uses.push(used);
    }
    if collisions > 3 {
        out.warnings.push(format!(
            "{} more columns mean a column already read; they are carried through unread",
            collisions - 3
        ));
    }
    out
}

/// The input columns that make a row's pattern (declared role and facts), in read order, and
/// `(first, last)` when they are exactly the input columns first..=last.
fn pattern_of(
    rules: &RuleSet,
    read_order: &[(usize, usize)],
) -> (Vec<usize>, Option<(usize, usize)>) {
    let in_pattern = |col: usize| {
        !matches!(
            rules.columns[col].kind,
            ColumnKind::Id | ColumnKind::Name | ColumnKind::Text | ColumnKind::Prose
        )
    };
    let pattern_columns: Vec<usize> = read_order
        .iter()
        .filter(|&&(_, col)| in_pattern(col))
        .map(|&(i, _)| i)
        .collect();
    let pattern_run = match (pattern_columns.iter().min(), pattern_columns.iter().max()) {
        (Some(&first), Some(&last)) if last - first + 1 == pattern_columns.len() => {
            Some((first, last))
        }
        _ => None,
    };
    (pattern_columns, pattern_run)
}
