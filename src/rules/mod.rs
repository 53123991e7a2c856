//! Rule sets: loading YAML (built-in or from a path) and the compiled, fast form the engine runs.
//!
//! Owns: the rule-file model, validation, compilation to bitmasks, specificity between roles.
//! Must not touch: CSV, output formats, the command line.

mod builtin;
mod compile;
mod implies;
pub mod model;
pub(crate) mod phrases;

use std::path::Path;

pub use builtin::{BUILTIN_FILES, BUILTIN_TESTS, export_builtin};
use compile::did_you_mean;
pub use model::ColumnKind;

use crate::error::{Error, Problem};
use crate::normalize::normalize_token;

/// Largest rule file read: rule sets are small, and a huge file is a mistake or an attack.
const MAX_RULE_FILE: u64 = 8 << 20;

/// Index of a fact (a `one` or `list` column) of a rule set, in vocabulary order.
pub type FactId = usize;
/// Index of a role of a rule set, in taxonomy order.
pub type RoleId = usize;
/// Index of a rule of a rule set.
pub type RuleId = usize;
/// Index of a condition node in the rule set's node arena.
pub type NodeId = usize;

/// A compiled rule set: vocabulary, taxonomy and rules, with every name resolved to an index and
/// every value set to a bitmask. Built once, shared read-only by every classification.
#[derive(Debug)]
pub struct RuleSet {
    pub(crate) name: String,
    pub(crate) version: Option<String>,
    pub(crate) origin: String,
    pub(crate) columns: Vec<Column>,
    pub(crate) header_index: rustc_hash::FxHashMap<String, usize>,
    pub(crate) unknown_markers: Vec<String>,
    /// Length of the longest unknown marker, in bytes (longer cells are never markers).
    pub(crate) longest_marker: usize,
    /// The lower-cased first bytes unknown markers can start with (a cell starting otherwise is
    /// never a marker): `marker_starts[b]` for byte `b`.
    pub(crate) marker_starts: [bool; 256],
    pub(crate) facts: Vec<Fact>,
    pub(crate) categories: Vec<Category>,
    pub(crate) umbrella: Option<Umbrella>,
    pub(crate) roles: Vec<Role>,
    pub(crate) declared_index: rustc_hash::FxHashMap<String, Declared>,
    /// Texts that separate several roles in one `declared_role` cell.
    pub(crate) declared_separators: Vec<String>,
    /// The pairs of roles one partner can hold at once, as the taxonomy lists them.
    pub(crate) combinations: Vec<Combination>,
    /// `compatible[a][b]`: one partner can hold roles `a` and `b` at once (symmetric).
    pub(crate) compatible: Vec<Vec<bool>>,
    pub(crate) rules: Vec<Rule>,
    pub(crate) nodes: Vec<Node>,
    /// `refines[a][b]`: role `a`'s conditions imply role `b`'s and not the other way round.
    pub(crate) refines: Vec<Vec<bool>>,
    /// Lint findings accepted by the rule author.
    pub(crate) lint_accepts: Vec<Accept>,
    /// The `text:` section: phrases and cues for reading facts from prose columns.
    pub(crate) phrases: phrases::Phrases,
    /// What each condition says (see [`RuleSet::says`]), rendered at compile time.
    pub(crate) said: Vec<String>,
    /// Each role as reasons define it: `id: definition [glossary: source]`, rendered at
    /// compile time.
    pub(crate) defined: Vec<String>,
}

/// A lint finding the rule author accepts.
#[derive(Debug, Clone)]
pub(crate) struct Accept {
    pub kind: String,
    pub roles: Vec<String>,
    pub because: String,
}

/// Two roles one partner can hold at once, with the rule author's reason.
#[derive(Debug, Clone)]
pub(crate) struct Combination {
    /// The two roles, the lower index first.
    pub roles: (RoleId, RoleId),
    pub because: String,
    pub source: String,
}

/// A roster column the vocabulary knows.
#[derive(Debug)]
pub(crate) struct Column {
    pub name: String,
    pub kind: ColumnKind,
    pub fact: Option<FactId>,
    /// What the column means, as the vocabulary says.
    pub description: Option<String>,
}

/// A fact: a `one` or `list` column with its interned values.
#[derive(Debug)]
pub(crate) struct Fact {
    pub name: String,
    pub list: bool,
    pub phrase: String,
    /// The phrase cut at each `{}` (where the values go), once, for the reasons.
    pub phrase_pieces: Vec<String>,
    pub values: Vec<Value>,
    /// Normalized id or synonym -> value index (looked up for every list item read: FxHash,
    /// the keys being the rule author's).
    pub index: rustc_hash::FxHashMap<String, u8>,
    /// The value that means "nothing" in a list column.
    pub nothing: Option<u8>,
    /// Mask of every value that sets a bit.
    pub all_bits: u64,
}

#[derive(Debug)]
pub(crate) struct Value {
    pub id: String,
    pub label: Option<String>,
}

#[derive(Debug)]
pub(crate) struct Category {
    pub id: String,
    pub name: String,
}

#[derive(Debug)]
pub(crate) struct Umbrella {
    pub id: String,
    pub name: String,
    pub definition: String,
    pub source: String,
}

#[derive(Debug)]
pub(crate) struct Role {
    pub id: String,
    pub name: String,
    pub category: usize,
    pub umbrella: bool,
    pub definition: String,
    pub source: String,
    pub rules: Vec<RuleId>,
}

/// The roles in a mask of roles (bit `r` for role `r`), in taxonomy order.
pub(crate) fn roles_in(mask: u64) -> impl Iterator<Item = RoleId> + Clone {
    let mut left = mask;
    std::iter::from_fn(move || {
        let role = (left != 0).then(|| left.trailing_zeros() as RoleId);
        left &= left.wrapping_sub(1);
        role
    })
}

/// The facts in a mask of facts (bit `f` for fact `f`), in vocabulary order: the set bits
/// walked as [`roles_in`] walks them, not every fact tested against the mask.
pub(crate) fn facts_in(mask: u64) -> impl Iterator<Item = FactId> + Clone {
    roles_in(mask)
}

/// The mask of `roles` (bit `r` for role `r`): what [`roles_in`] walks.
pub(crate) fn mask_of(roles: impl IntoIterator<Item = RoleId>) -> u64 {
    roles.into_iter().fold(0, |mask, r| mask | 1u64 << r)
}

/// The mask of a fact's `count` values (bit `v` for value `v`).
fn value_bits(count: usize) -> u64 {
    if count >= 64 {
        u64::MAX
    } else {
        (1u64 << count) - 1
    }
}

/// What one `declared_role` cell names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct DeclaredCell {
    /// The roles named, as a mask (bit `r` for role `r`).
    pub roles: u64,
    /// The part that names the umbrella term, if one does.
    pub umbrella: Option<String>,
    /// Parts that name nothing known, as written: each once, at most
    /// [`DeclaredCell::UNKNOWN_KEPT`] of them.
    pub unknown: Vec<String>,
    /// Parts that name nothing known past those kept (repeats of a kept one not counted).
    pub more_unknown: usize,
}

impl DeclaredCell {
    /// Most parts naming nothing known kept for their own warnings: a cell of thousands of
    /// such parts would otherwise give thousands of warnings, each quoting the whole cell.
    pub const UNKNOWN_KEPT: usize = 5;

    /// About the bytes it holds beside itself, for the bound of a cache that keeps it.
    pub fn bytes(&self) -> usize {
        let texts = self.unknown.iter().chain(&self.umbrella);
        texts.map(|t| t.len() + std::mem::size_of::<String>()).sum()
    }

    fn add_unknown(&mut self, part: &str) {
        if self.unknown.iter().any(|u| u == part) {
            return;
        }
        if self.unknown.len() < Self::UNKNOWN_KEPT {
            self.unknown.push(part.to_string());
        } else {
            self.more_unknown += 1;
        }
    }
}

/// What a `declared_role` text names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Declared {
    Role(RoleId),
    Umbrella,
}

#[derive(Debug)]
pub(crate) struct Rule {
    pub id: String,
    pub source: String,
    pub root: NodeId,
    /// The top-level parts of the condition (the children of an `all`, else the root alone).
    pub conjuncts: Vec<NodeId>,
    /// The defining ones among them (the rule fits when these hold); the others are typical.
    pub defining: Vec<NodeId>,
    /// Bitmask over facts of every fact the rule reads.
    pub reads: u64,
}

/// One condition, compiled. Nodes are stored children first, so one pass in index order
/// evaluates every node after its parts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub kind: NodeKind,
    pub says: Option<String>,
    /// A typical condition (top level of a rule only): it never rules its role out.
    pub typical: bool,
    /// The glossary words the condition rests on.
    pub cites: Option<String>,
    /// Bitmask over facts of every fact this node reads.
    pub reads: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NodeKind {
    All(Vec<NodeId>),
    Any(Vec<NodeId>),
    Not(NodeId),
    Test {
        fact: FactId,
        op: Op,
        mask: u64,
        if_known: bool,
    },
    Present(FactId),
    Missing(FactId),
}

/// A value test. One-valued facts hold a single bit, so `is` and `in` are both "intersects".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Is,
    In,
    HasAny,
    HasAll,
    HasNone,
}

impl Op {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Op::Is => "is",
            Op::In => "in",
            Op::HasAny => "has_any",
            Op::HasAll => "has_all",
            Op::HasNone => "has_none",
        }
    }

    /// The test on a fact that is not known but has values known to be absent (`absent`), of
    /// the fact's values `all`: `Some` when the absent values decide it (every tested value is
    /// absent; for a one-valued fact, every value left is tested), else `None`.
    pub(crate) fn holds_partly(self, absent: u64, mask: u64, all: u64, list: bool) -> Option<bool> {
        if absent == 0 {
            return None;
        }
        let left = all & !absent;
        match self {
            Op::Is | Op::In | Op::HasAny if mask & left == 0 => Some(false),
            Op::Is | Op::In if !list && left != 0 && left & !mask == 0 => Some(true),
            Op::HasAll if mask & absent != 0 => Some(false),
            Op::HasNone if mask & left == 0 => Some(true),
            _ => None,
        }
    }

    pub(crate) fn holds(self, bits: u64, mask: u64) -> bool {
        match self {
            Op::Is | Op::In | Op::HasAny => bits & mask != 0,
            Op::HasAll => bits & mask == mask,
            Op::HasNone => bits & mask == 0,
        }
    }
}

impl RuleSet {
    /// The rule set built into the binary (from `rules/` at build time).
    pub fn builtin() -> Result<RuleSet, Error> {
        let files: Vec<(String, String)> = BUILTIN_FILES
            .iter()
            .map(|(name, text)| (format!("rules/{name}"), text.to_string()))
            .collect();
        compile::compile(&files, "built-in")
    }

    /// Loads a rule set from a YAML file holding every section, or from a folder whose `*.yaml`
    /// and `*.yml` files (not sub-folders) together hold every section.
    pub fn load(path: &Path) -> Result<RuleSet, Error> {
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut files = Vec::new();
        // At most the cap from each file, whatever kind of file it is, and from all together.
        let mut total = 0u64;
        let mut read = |file: &Path| -> Result<String, Error> {
            let text = crate::files::read_text(
                file,
                MAX_RULE_FILE,
                "a rule file (the built-in set is under 60 KiB)",
            )?;
            total += text.len() as u64;
            if total > MAX_RULE_FILE * 2 {
                return Err(Error::Usage {
                    message: format!(
                        "{}: the rule files of the folder hold more than {} MiB together; refusing them",
                        path.display(),
                        (MAX_RULE_FILE * 2) >> 20
                    ),
                });
            }
            Ok(text)
        };
        if path.is_dir() {
            let mut names: Vec<_> = std::fs::read_dir(path)
                .map_err(io)?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
                .collect();
            names.sort();
            // Every rule file of the folder is read, or the load fails: a FIFO, a device or a
            // broken link named like one is refused rather than skipped (a rule set silently
            // missing a file would classify differently).
            if let Some(odd) = names
                .iter()
                .find(|p| !std::fs::metadata(p).is_ok_and(|m| m.is_file()))
            {
                return Err(Error::Usage {
                    message: format!(
                        "{}: not a regular file (a FIFO, a device, or a broken or looping link); a rules folder holds rule files only",
                        odd.display()
                    ),
                });
            }
            if names.is_empty() {
                return Err(Error::Usage {
                    message: format!(
                        "{}: the folder holds no .yaml files; point --rules at a rule file or a folder of them (see `partner-roles rules export DIR`)",
                        path.display()
                    ),
                });
            }
            for file in names {
                let text = read(&file)?;
                files.push((file.display().to_string(), text));
            }
        } else {
            let text = read(path)?;
            files.push((path.display().to_string(), text));
        }
        compile::compile(&files, &path.display().to_string())
    }

    /// Compiles a rule set from one YAML text holding every section.
    pub fn from_yaml(text: &str) -> Result<RuleSet, Error> {
        compile::compile(&[("<string>".to_string(), text.to_string())], "<string>")
    }

    /// The rule set's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where the rule set came from: `built-in` or a path.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The rule set's version text, if any.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// The role ids, in taxonomy order.
    pub fn role_ids(&self) -> impl Iterator<Item = &str> {
        self.roles.iter().map(|r| r.id.as_str())
    }

    /// The role named by a `declared_role` text (an id or any of its names), if any.
    pub(crate) fn declared(&self, text: &str) -> Option<Declared> {
        self.declared_index.get(&normalize_token(text)).copied()
    }

    /// The roles a `declared_role` cell names: the whole cell when it is one name, else each
    /// part between the vocabulary's separators (`VAR/MSP`, `Reseller;Managed Service
    /// Provider`). Parts that name no role are kept, to be reported.
    pub(crate) fn declared_cell(&self, text: &str) -> DeclaredCell {
        let mut cell = DeclaredCell::default();
        let add = |cell: &mut DeclaredCell, part: &str| match self.declared(part) {
            Some(Declared::Role(r)) => cell.roles |= 1u64 << r,
            Some(Declared::Umbrella) => cell.umbrella = Some(part.to_string()),
            // A name as whole words inside a longer part: "Gold Reseller", "Reseller - Tier 2",
            // "Fulfilment partner (EMEA)".
            None => match self.declared_within(part) {
                Some(Declared::Role(r)) => cell.roles |= 1u64 << r,
                Some(Declared::Umbrella) => cell.umbrella = Some(part.to_string()),
                None => cell.add_unknown(part),
            },
        };
        if self.declared(text).is_some() || self.declared_separators.is_empty() {
            add(&mut cell, text);
            return cell;
        }
        // The parts between separators, as byte ranges of `text`.
        let mut parts: Vec<(usize, usize)> = Vec::new();
        let mut start = 0;
        let mut at = 0;
        while at < text.len() {
            match self
                .declared_separators
                .iter()
                .find(|sep| text[at..].starts_with(sep.as_str()))
            {
                Some(sep) => {
                    parts.push((start, at));
                    at += sep.len();
                    start = at;
                }
                None => at += text[at..].chars().next().map_or(1, char::len_utf8),
            }
        }
        parts.push((start, text.len()));
        // Longest names first: a role name may hold a separator ("Sales & Service Partner").
        // A name spans few parts: in a cell of many, joins are tried over at most twice the
        // words of the longest name (and two more), so that a long cell costs a time in
        // proportion to its length, not to its square.
        let span = if parts.len() > 16 {
            2 * self.longest_declared_name() + 2
        } else {
            parts.len()
        };
        let mut i = 0;
        while i < parts.len() {
            let joined = (i + 1..parts.len().min(i + span))
                .rev()
                .find(|&j| self.declared(&text[parts[i].0..parts[j].1]).is_some());
            let j = joined.unwrap_or(i);
            let part = text[parts[i].0..parts[j].1].trim();
            if !part.is_empty() {
                add(&mut cell, part);
            }
            i = j + 1;
        }
        cell
    }

    /// The name that `text` holds as whole words: a role's before the umbrella's ("Reseller -
    /// Tier 2 Channel Partner" names the reseller), then the longest.
    fn declared_within(&self, text: &str) -> Option<Declared> {
        let words: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        // No name has more words than the longest: runs of words past that are not looked up
        // (a part of thousands of words costs a time in proportion to its length).
        let longest = if words.len() > 8 {
            self.longest_declared_name()
        } else {
            words.len()
        };
        let mut best: Option<(bool, usize, Declared)> = None;
        for start in 0..words.len() {
            for end in start + 1..=words.len().min(start + longest) {
                let key = words[start..end].join("_");
                if let Some(&d) = self.declared_index.get(&key) {
                    // A role before the umbrella, then the longer name.
                    let rank = (matches!(d, Declared::Role(_)), end - start);
                    if best.is_none_or(|(role, n, _)| rank > (role, n)) {
                        best = Some((rank.0, rank.1, d));
                    }
                }
            }
        }
        best.map(|(_, _, d)| d)
    }

    /// The most words of any role or umbrella name (its index key joins them with `_`).
    fn longest_declared_name(&self) -> usize {
        self.declared_index
            .keys()
            .map(|key| key.split('_').count())
            .max()
            .unwrap_or(1)
    }

    /// The role ids of a mask of roles, in taxonomy order.
    pub(crate) fn role_ids_of(&self, mask: u64) -> impl Iterator<Item = &str> + Clone {
        roles_in(mask).map(|r| self.roles[r].id.as_str())
    }

    /// The column a roster header means, if the vocabulary knows it.
    pub(crate) fn column_for_header(&self, header: &str) -> Option<usize> {
        self.header_index.get(&normalize_token(header)).copied()
    }

    /// A fact for `rules show`: each value (or only `value`) with the cell texts that mean it
    /// and the phrases of text that state it (or, negated, deny it).
    pub(crate) fn describe_fact(
        &self,
        fact: FactId,
        value: Option<&str>,
    ) -> Result<String, String> {
        use std::fmt::Write as _;
        let f = &self.facts[fact];
        let wanted = match value {
            Some(v) => Some(
                f.values
                    .iter()
                    .position(|x| x.id == v)
                    .or_else(|| f.index.get(&normalize_token(v)).map(|&i| i as usize))
                    .ok_or_else(|| {
                        format!(
                            "{} has no value {v:?}; its values are: {}",
                            f.name,
                            f.values
                                .iter()
                                .map(|x| x.id.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    })?,
            ),
            None => None,
        };
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} ({}): \"{}\"",
            f.name,
            if f.list {
                "a list of values"
            } else {
                "one value"
            },
            f.phrase
        );
        let prose = self
            .columns
            .iter()
            .filter(|c| c.kind == ColumnKind::Prose)
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>();
        for vi in 0..f.values.len() {
            if wanted.is_none_or(|w| w == vi) {
                self.describe_value(fact, vi, &prose, &mut out);
            }
        }
        if !prose.is_empty() && !self.phrases.negation.is_empty() {
            let _ = writeln!(
                out,
                "\nA phrase after a negation cue ({}) states that the value does not hold, to the end of its clause.",
                self.phrases
                    .negation
                    .iter()
                    .map(|c| format!("{c:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        Ok(out)
    }

    /// One value of a fact for `rules show`: the cell texts that mean it and, when the
    /// vocabulary has `prose` columns, the phrases that state it.
    fn describe_value(&self, fact: FactId, vi: usize, prose: &[&str], out: &mut String) {
        use std::fmt::Write as _;
        let f = &self.facts[fact];
        let v = &f.values[vi];
        let mut synonyms: Vec<&str> = f
            .index
            .iter()
            .filter(|&(k, &i)| i as usize == vi && *k != v.id)
            .map(|(k, _)| k.as_str())
            .collect();
        synonyms.sort_unstable();
        let mut phrases: Vec<&str> = self
            .phrases
            .phrases
            .iter()
            .filter(|p| p.states.contains(&(fact, vi as u8)))
            .map(|p| p.text.as_str())
            .collect();
        phrases.sort_unstable();
        let _ = writeln!(
            out,
            "\n  {}{}",
            v.id,
            if Some(vi as u8) == f.nothing {
                " (the known empty list)"
            } else {
                ""
            }
        );
        let _ = writeln!(
            out,
            "    in its column: {}",
            if synonyms.is_empty() {
                format!("{} (the id)", v.id)
            } else {
                format!("{}, {}", v.id, synonyms.join(", "))
            }
        );
        if !prose.is_empty() {
            let _ = writeln!(
                out,
                "    in text ({}): {}",
                prose.join(", "),
                if phrases.is_empty() {
                    "no phrase".to_string()
                } else {
                    phrases
                        .iter()
                        .map(|p| format!("{p:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            );
        }
    }

    /// The vocabulary column whose name or alias is closest to a header the vocabulary does
    /// not know ("Transact" -> `transacts`), when one is close.
    pub(crate) fn closest_column(&self, header: &str) -> Option<&str> {
        let key = normalize_token(header);
        self.header_index
            .iter()
            .map(|(alias, &col)| (strsim::jaro_winkler(&key, alias), col))
            .filter(|(score, _)| *score >= 0.85)
            .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)))
            .map(|(_, col)| self.columns[col].name.as_str())
    }

    /// "did you mean `reseller`?" for a name that is no role id or fact, with the list of both.
    pub(crate) fn closest_role_or_fact(&self, name: &str) -> String {
        did_you_mean(
            &normalize_token(name),
            self.role_ids().chain(self.fact_names()),
            "roles and facts",
        )
    }

    /// The name of the first column of kind `prose`, if the vocabulary has one.
    pub(crate) fn prose_column(&self) -> Option<&str> {
        self.columns
            .iter()
            .find(|c| c.kind == ColumnKind::Prose)
            .map(|c| c.name.as_str())
    }

    pub(crate) fn fact_by_name(&self, name: &str) -> Option<FactId> {
        self.facts.iter().position(|f| f.name == name)
    }

    /// Names of every fact, in vocabulary order.
    pub fn fact_names(&self) -> impl Iterator<Item = &str> {
        self.facts.iter().map(|f| f.name.as_str())
    }

    /// A fact's known value(s) the way reasons print them, at the end of `out`: labels (or
    /// ids) joined with commas and a last `and`, the "nothing" value's id (or `nothing`) when no bit is set.
    pub(crate) fn render_values_into(&self, out: &mut String, fact: FactId, bits: u64) {
        let f = &self.facts[fact];
        let bits = bits & value_bits(f.values.len());
        let count = bits.count_ones() as usize;
        if count == 0 {
            out.push_str(f.nothing.map_or("nothing", |n| &f.values[n as usize].id));
            return;
        }
        for (i, r) in roles_in(bits).enumerate() {
            if i > 0 {
                out.push_str(if i + 1 == count { " and " } else { ", " });
            }
            let v = &f.values[r];
            out.push_str(v.label.as_deref().unwrap_or(&v.id));
        }
    }

    /// A known value as reasons print it: ids joined with commas, the "nothing" value's id (or
    /// `none`) for an empty list.
    pub(crate) fn value_text(&self, fact: FactId, bits: u64) -> String {
        let mut out = String::new();
        self.value_text_into(&mut out, fact, bits);
        out
    }

    /// [`RuleSet::value_text`], written at the end of `out`.
    pub(crate) fn value_text_into(&self, out: &mut String, fact: FactId, bits: u64) {
        let f = &self.facts[fact];
        if bits == 0 {
            out.push_str(f.nothing.map_or("none", |n| &f.values[n as usize].id));
            return;
        }
        self.value_ids_into(out, fact, bits, ", ");
    }

    /// The value ids of a mask, joined with `sep`.
    pub(crate) fn value_ids(&self, fact: FactId, mask: u64, sep: &str) -> String {
        let mut out = String::new();
        self.value_ids_into(&mut out, fact, mask, sep);
        out
    }

    /// [`RuleSet::value_ids`], written at the end of `out`.
    pub(crate) fn value_ids_into(&self, out: &mut String, fact: FactId, mask: u64, sep: &str) {
        let f = &self.facts[fact];
        for (i, r) in roles_in(mask & value_bits(f.values.len())).enumerate() {
            if i > 0 {
                out.push_str(sep);
            }
            out.push_str(&f.values[r].id);
        }
    }

    /// A known fact as a sentence ("it earns service_fees"), at the end of `out`: the fact's
    /// phrase with its values where the phrase has `{}`.
    pub(crate) fn fact_sentence_into(&self, out: &mut String, fact: FactId, bits: Option<u64>) {
        let f = &self.facts[fact];
        let Some(bits) = bits else {
            out.push_str(&f.name);
            out.push_str(" is not given");
            return;
        };
        let mut pieces = f.phrase_pieces.iter();
        out.push_str(pieces.next().map_or("", String::as_str));
        for piece in pieces {
            self.render_values_into(out, fact, bits);
            out.push_str(piece);
        }
    }

    /// What a condition requires, in the rule author's words or generated from its form: kept
    /// in [`RuleSet::said`] when the rule set is compiled.
    pub(crate) fn says(&self, node: NodeId) -> &str {
        &self.said[node]
    }

    /// [`RuleSet::says`], made from the condition.
    fn says_text(&self, node: NodeId) -> String {
        let n = &self.nodes[node];
        if let Some(s) = &n.says {
            return s.clone();
        }
        match &n.kind {
            NodeKind::Test {
                fact,
                op,
                mask,
                if_known,
            } => {
                let name = &self.facts[*fact].name;
                let values = self.value_ids(*fact, *mask, ", ");
                let text = match op {
                    Op::Is => format!("needs {name} = {values}"),
                    Op::In => format!("needs {name} to be one of {values}"),
                    Op::HasAny => format!("needs {name} to include any of {values}"),
                    Op::HasAll => format!("needs {name} to include all of {values}"),
                    Op::HasNone => format!("needs {name} to include none of {values}"),
                };
                if *if_known {
                    format!("{text} (when given)")
                } else {
                    text
                }
            }
            NodeKind::Present(f) => format!("needs {} to be given", self.facts[*f].name),
            NodeKind::Missing(f) => format!("needs {} not to be given", self.facts[*f].name),
            NodeKind::All(parts) => parts
                .iter()
                .map(|&p| self.says_text(p))
                .collect::<Vec<_>>()
                .join(" and "),
            NodeKind::Any(parts) => parts
                .iter()
                .map(|&p| self.says_text(p))
                .collect::<Vec<_>>()
                .join(" or "),
            NodeKind::Not(part) => format!("does not meet this: {}", self.says_text(*part)),
        }
    }

    /// Renders the texts reasons are assembled from, once, after compiling: what each condition
    /// says, and each role's definition with its source.
    pub(crate) fn render_pieces(&mut self) {
        self.said = (0..self.nodes.len()).map(|n| self.says_text(n)).collect();
        self.defined = self
            .roles
            .iter()
            .map(|r| format!("{}: {} [glossary: {}]", r.id, r.definition, r.source))
            .collect();
    }
}

impl RuleSet {
    /// A condition in plain words, with its `says` when the author wrote one:
    /// `earns has_any resale_margin ("earns a resale margin")`.
    pub(crate) fn describe_node(&self, node: NodeId) -> String {
        let n = &self.nodes[node];
        let body = match &n.kind {
            NodeKind::Test {
                fact,
                op,
                mask,
                if_known,
            } => format!(
                "{} {} {}{}",
                self.facts[*fact].name,
                op.name(),
                self.value_ids(*fact, *mask, ", "),
                if *if_known { " (if known)" } else { "" }
            ),
            NodeKind::Present(f) => format!("{} is given", self.facts[*f].name),
            NodeKind::Missing(f) => format!("{} is not given", self.facts[*f].name),
            NodeKind::All(parts) | NodeKind::Any(parts) => {
                let word = if matches!(n.kind, NodeKind::All(_)) {
                    "all of"
                } else {
                    "any of"
                };
                let inner: Vec<String> = parts.iter().map(|&p| self.describe_node(p)).collect();
                format!("{word} ({})", inner.join("; "))
            }
            NodeKind::Not(part) => format!("not ({})", self.describe_node(*part)),
        };
        let grade = if n.typical { " [typical]" } else { "" };
        let cites = n
            .cites
            .as_ref()
            .map(|c| format!(" [cites: {c}]"))
            .unwrap_or_default();
        match &n.says {
            Some(says) => format!("{body}{grade} (\"{says}\"){cites}"),
            None => format!("{body}{grade}{cites}"),
        }
    }

    /// One role: name, flag, definition, source, each rule's conditions in plain words, and the
    /// roles it refines (and is refined by).
    pub(crate) fn describe_role(&self, ri: RoleId) -> String {
        let role = &self.roles[ri];
        let mut out = String::new();
        let flag = match (&self.umbrella, role.umbrella) {
            (Some(u), true) => format!(", {}", u.id),
            _ => String::new(),
        };
        out.push_str(&format!(
            "  {} - {} ({}{})\n",
            role.id, role.name, self.categories[role.category].id, flag
        ));
        out.push_str(&format!(
            "    {}\n    source: {}\n",
            role.definition, role.source
        ));
        for &r in &role.rules {
            let rule = &self.rules[r];
            out.push_str(&format!("    rule {} [{}]:\n", rule.id, rule.source));
            for &c in &rule.conjuncts {
                out.push_str(&format!("      - {}\n", self.describe_node(c)));
            }
        }
        let list = |pick: &dyn Fn(usize) -> bool| {
            (0..self.roles.len())
                .filter(|&b| pick(b))
                .map(|b| self.roles[b].id.as_str())
                .collect::<Vec<_>>()
        };
        let refines = list(&|b| self.refines[ri][b]);
        if !refines.is_empty() {
            out.push_str(&format!("    refines: {}\n", refines.join(", ")));
        }
        let refined_by = list(&|b| self.refines[b][ri]);
        if !refined_by.is_empty() {
            out.push_str(&format!("    refined by: {}\n", refined_by.join(", ")));
        }
        let held_with = list(&|b| self.compatible[ri][b]);
        if !held_with.is_empty() {
            out.push_str(&format!("    can be held with: {}\n", held_with.join(", ")));
        }
        out
    }

    /// The role with this id.
    pub fn role_by_id(&self, id: &str) -> Option<RoleId> {
        self.roles.iter().position(|r| r.id == id)
    }

    /// Every role with its category, definition, source and conditions, for `rules list`.
    pub fn describe(&self) -> String {
        let mut out = format!(
            "{} {} ({}): {} roles in {} categories\n",
            self.name,
            self.version.as_deref().unwrap_or(""),
            self.origin,
            self.roles.len(),
            self.categories.len()
        );
        if let Some(u) = &self.umbrella {
            out.push_str(&format!(
                "umbrella flag `{}` ({}): {} [{}]\n",
                u.id, u.name, u.definition, u.source
            ));
        }
        for (ci, category) in self.categories.iter().enumerate() {
            out.push_str(&format!("\n{} ({})\n", category.name, category.id));
            for (ri, _) in self
                .roles
                .iter()
                .enumerate()
                .filter(|(_, r)| r.category == ci)
            {
                out.push_str(&self.describe_role(ri));
            }
        }
        out
    }
}

pub(crate) fn problem(file: &str, at: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem {
        file: file.to_string(),
        at: at.into(),
        message: message.into(),
        help: String::new(),
        line: 0,
        column: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::{Declared, RuleSet};
    use crate::normalize::normalize_token;
    use proptest::prelude::*;

    /// The built-in rules, with one more name that holds a separator (as a custom taxonomy may).
    fn rules() -> RuleSet {
        let mut rules = RuleSet::builtin().expect("built-in rules");
        let msp = rules.role_by_id("managed_service_provider").expect("msp");
        rules.declared_index.insert(
            normalize_token("Sales & Service Partner"),
            Declared::Role(msp),
        );
        rules
    }

    /// The roles of a cell as the join was read before it was bounded: every longer join
    /// tried, whatever the number of parts.
    fn roles_unbounded(rules: &RuleSet, parts: &[&str]) -> u64 {
        let mut roles = 0;
        let mut i = 0;
        while i < parts.len() {
            let joined = (i + 1..parts.len())
                .rev()
                .find(|&j| rules.declared(&parts[i..=j].join("&")).is_some());
            let j = joined.unwrap_or(i);
            let part = parts[i..=j].join("&");
            let part = part.trim();
            if !part.is_empty()
                && let Some(Declared::Role(r)) =
                    rules.declared(part).or_else(|| rules.declared_within(part))
            {
                roles |= 1u64 << r;
            }
            i = j + 1;
        }
        roles
    }

    #[test]
    fn a_long_cell_reads_its_names_and_keeps_a_few_unknown_parts() {
        let rules = rules();
        let role = |id: &str| 1u64 << rules.role_by_id(id).expect("role");
        let cell = rules.declared_cell("Reseller;Sales & Service Partner");
        assert_eq!(
            cell.roles,
            role("reseller") | role("managed_service_provider")
        );
        // Forty parts: the name that holds a separator is still found, "x" reported once.
        let long = format!("{}Sales & Service Partner;x", "x;".repeat(40));
        let cell = rules.declared_cell(&long);
        assert_eq!(cell.roles, role("managed_service_provider"));
        assert_eq!(
            (cell.unknown.clone(), cell.more_unknown),
            (vec!["x".to_string()], 0)
        );
        // Thirty distinct unknown parts: five kept, the rest counted.
        let many: Vec<String> = (0..30).map(|i| format!("u{i}")).collect();
        let cell = rules.declared_cell(&format!("{},VAR", many.join(",")));
        assert_eq!(cell.roles, role("value_added_reseller"));
        assert_eq!(cell.unknown, many[..5].to_vec());
        assert_eq!(cell.more_unknown, 25);
        // A part of twenty thousand words ending in a name (read in time in proportion).
        let words = format!("{} reseller", "word ".repeat(20_000));
        assert_eq!(rules.declared_cell(&words).roles, role("reseller"));
    }

    proptest! {
        /// Bounding the joins changes no answer: cells of up to 60 parts (names, pieces of the
        /// name with a separator in it, junk) read the roles the unbounded join reads.
        #[test]
        fn bounded_joins_read_what_unbounded_ones_read(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "Reseller", " VAR ", "Sales ", " Service Partner", "x", "", " ", "Gold Reseller", "MSP", "Partner",
            ]), 1..60),
        ) {
            let rules = rules();
            prop_assert_eq!(rules.declared_cell(&parts.join("&")).roles, roles_unbounded(&rules, &parts));
        }
    }
}
