//! The vocabulary: columns and their header aliases, facts and their values (each a bit of a
//! `u64`), synonyms, unknown markers.

use std::collections::HashSet;

use super::{MAX_FACTS, MAX_VALUES};
use crate::error::Problem;
use crate::normalize::normalize_token;
use crate::rules::model::{ColumnKind, VocabularyDef};
use crate::rules::{Column, Fact, RuleSet, Value, problem};

pub(super) fn compile_vocabulary(
    set: &mut RuleSet,
    vocab: VocabularyDef,
    file: &str,
    problems: &mut Vec<Problem>,
) {
    compile_markers(set, &vocab.unknown_markers);
    let mut seen_kinds = HashSet::new();
    for (ci, col) in vocab.columns.into_iter().enumerate() {
        compile_column(set, col, ci, file, &mut seen_kinds, problems);
    }
    if !seen_kinds.contains(&ColumnKind::Id) {
        let mut p = problem(file, "vocabulary.columns", "no column of kind `id`");
        p.help =
            "one column must be the record key, e.g. `- name: partner_id` with `kind: id`".into();
        problems.push(p);
    }
}

/// The unknown markers (`n/a`, `?`), folded, and what lets a cell be ruled out as one
/// without folding it: the longest a marker may be as written and the bytes they start with.
fn compile_markers(set: &mut RuleSet, markers: &[String]) {
    set.unknown_markers = markers.iter().map(|m| normalize_token(m)).collect();
    // A marker may be written with spaces or hyphens its folded form does not have.
    set.longest_marker = markers.iter().map(|m| m.trim().len()).max().unwrap_or(0) * 2;
    for marker in markers {
        if let Some(&b) = marker.trim().as_bytes().first() {
            set.marker_starts[b.to_ascii_lowercase() as usize] = true;
            set.marker_starts[b.to_ascii_uppercase() as usize] = true;
        }
    }
}

/// One column of the vocabulary: its name and aliases as headers, its fact (for `one` and
/// `list` columns) and its separators (for the declared role).
fn compile_column(
    set: &mut RuleSet,
    col: crate::rules::model::ColumnDef,
    ci: usize,
    file: &str,
    seen_kinds: &mut HashSet<ColumnKind>,
    problems: &mut Vec<Problem>,
) {
    let at = format!("vocabulary.columns[{ci}]");
    let name = col.name.clone();
    if normalize_token(&name) != name || name.is_empty() {
        problems.push(problem(
            file,
            &at,
            format!("column name `{name}` is not snake_case"),
        ));
    }
    if matches!(
        col.kind,
        ColumnKind::Id | ColumnKind::Name | ColumnKind::DeclaredRole
    ) && !seen_kinds.insert(col.kind)
    {
        problems.push(problem(
            file,
            &at,
            format!("a second column of kind {:?}; there can be one", col.kind),
        ));
    }
    for header in std::iter::once(&name).chain(col.aliases.iter()) {
        let key = normalize_token(header);
        if let Some(&other) = set.header_index.get(&key) {
            if other != ci {
                problems.push(
                    problem(
                        file,
                        &at,
                        format!(
                            "header `{header}` already means column `{}`",
                            set.columns[other].name
                        ),
                    )
                    .with_help("each header or alias may name one column".into()),
                );
            }
        } else {
            set.header_index.insert(key, ci);
        }
    }
    let fact = match col.kind {
        ColumnKind::One | ColumnKind::List => {
            let fid = set.facts.len();
            if fid >= MAX_FACTS {
                problems.push(problem(file, &at, format!("more than {MAX_FACTS} facts")));
            }
            set.facts.push(compile_fact(&col, file, &at, problems));
            Some(fid)
        }
        _ => {
            if !col.values.is_empty() {
                problems.push(problem(
                    file,
                    &at,
                    "only `one` and `list` columns take values",
                ));
            }
            None
        }
    };
    if !col.separators.is_empty() {
        if col.kind == ColumnKind::DeclaredRole {
            set.declared_separators = col
                .separators
                .iter()
                .filter(|s| !s.trim().is_empty())
                .map(|s| s.trim().to_string())
                .collect();
        } else {
            problems.push(problem(
                file,
                format!("{at}.separators"),
                "only the `declared_role` column takes `separators`",
            ));
        }
    }
    set.columns.push(Column {
        name,
        kind: col.kind,
        fact,
        description: col.description.clone(),
    });
}

fn compile_fact(
    col: &crate::rules::model::ColumnDef,
    file: &str,
    at: &str,
    problems: &mut Vec<Problem>,
) -> Fact {
    let list = col.kind == ColumnKind::List;
    let mut fact = Fact {
        name: col.name.clone(),
        list,
        phrase: col
            .phrase
            .clone()
            .unwrap_or_else(|| format!("{} is {{}}", col.name)),
        phrase_pieces: Vec::new(),
        values: Vec::new(),
        index: rustc_hash::FxHashMap::default(),
        nothing: None,
        all_bits: 0,
    };
    fact.phrase_pieces = fact.phrase.split("{}").map(String::from).collect();
    if !fact.phrase.contains("{}") {
        problems.push(problem(
            file,
            format!("{at}.phrase"),
            "the phrase has no `{}` for the values",
        ));
    }
    if col.values.is_empty() {
        problems.push(problem(
            file,
            at,
            format!("fact `{}` has no values", col.name),
        ));
    }
    if col.values.len() > MAX_VALUES {
        problems.push(problem(file, at, format!("more than {MAX_VALUES} values")));
    }
    for (vi, value) in col.values.iter().enumerate().take(MAX_VALUES) {
        let vat = format!("{at}.values[{vi}]");
        if normalize_token(&value.id) != value.id || value.id.is_empty() {
            problems.push(problem(
                file,
                &vat,
                format!("value id `{}` is not snake_case", value.id),
            ));
        }
        if value.means_nothing {
            if !list {
                problems.push(problem(
                    file,
                    &vat,
                    "`means_nothing` only fits a list column",
                ));
            } else if fact.nothing.is_some() {
                problems.push(problem(file, &vat, "a second `means_nothing` value"));
            }
            fact.nothing = Some(vi as u8);
        } else {
            fact.all_bits |= 1u64 << vi;
        }
        for text in std::iter::once(&value.id).chain(value.synonyms.iter()) {
            let key = normalize_token(text);
            match fact.index.get(&key) {
                Some(&other) if other as usize != vi => {
                    problems.push(
                        problem(
                            file,
                            &vat,
                            format!(
                                "`{text}` already means `{}` in `{}`",
                                col.values[other as usize].id, col.name
                            ),
                        )
                        .with_help("a text may stand for one value of a fact".into()),
                    );
                }
                _ => {
                    fact.index.insert(key, vi as u8);
                }
            }
        }
        fact.values.push(Value {
            id: value.id.clone(),
            label: value.label.clone(),
        });
    }
    fact
}
