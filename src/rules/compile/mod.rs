//! From rule files to a [`RuleSet`]: merge the sections, check every name against the
//! vocabulary and taxonomy, intern values as bit positions, flatten conditions into a node
//! arena, and work out which roles refine which. Every problem is collected, not just the first.

//!
//! The rooms: `vocabulary.rs` (columns, facts, values), `taxonomy.rs` (categories, roles,
//! combinations), `conditions.rs` (rules and their conditions into the node arena),
//! `locations.rs` (where in a file each problem is). This file merges the files' sections and
//! runs the rooms in order.

mod conditions;
mod locations;
mod taxonomy;
mod vocabulary;

use super::model::{RuleDef, RuleFile, TaxonomyDef, VocabularyDef};
use super::{Fact, RuleSet, implies, problem};
use crate::error::{Error, Problem};
use crate::normalize::normalize_token;
use crate::yaml;

/// Most values a fact may have: each is one bit of a `u64`.
pub(super) const MAX_VALUES: usize = 64;
/// Most facts a rule set may define: each is one bit of a `u64` read-mask.
pub(super) const MAX_FACTS: usize = 64;
/// Longest chain of rules extending rules (the built-in set uses one link).
pub(super) const MAX_EXTENDS: usize = 16;
/// Most roles a rule set may define: each is one bit of a `u64` role mask.
pub(super) const MAX_ROLES: usize = 64;
/// Deepest nesting of conditions accepted.
pub(super) const MAX_DEPTH: usize = 32;

pub(super) fn compile(files: &[(String, String)], origin: &str) -> Result<RuleSet, Error> {
    compile_files(files, origin).map_err(|e| match e {
        Error::RuleSet(mut problems) => {
            locations::locate(&mut problems, files);
            Error::RuleSet(problems)
        }
        other => other,
    })
}

fn compile_files(files: &[(String, String)], origin: &str) -> Result<RuleSet, Error> {
    let parsed = parse_files(files)?;
    let mut problems = Vec::new();
    let mut sections = Sections::merge(parsed, &mut problems);
    let Some(required) = sections.required(files, &mut problems) else {
        return Err(Error::RuleSet(problems));
    };
    let (meta, (vocab_file, vocabulary), (tax_file, taxonomy)) = required;
    let mut set = empty_set(meta.name, meta.version, origin);
    vocabulary::compile_vocabulary(&mut set, vocabulary, &vocab_file, &mut problems);
    set.phrases = super::phrases::compile(sections.text, &set.facts, &mut problems);
    taxonomy::compile_taxonomy(&mut set, taxonomy, &tax_file, &mut problems);
    conditions::compile_rules(&mut set, sections.rules, &mut problems);
    if let Some((file, lint)) = sections.lint {
        compile_lint(&mut set, lint, &file, &mut problems);
    }
    taxonomy::roles_without_rules(&set, &tax_file, &mut problems);
    if !problems.is_empty() {
        return Err(Error::RuleSet(problems));
    }
    set.refines = implies::refinements(&set);
    set.render_pieces();
    Ok(set)
}

/// Each file parsed into the model. serde stops at the first unknown key or wrong type; in a
/// file that is good YAML (so the error is about what the rule-file schema takes) every one is
/// listed instead. Where the schema check finds nothing to say (a missing key, a value of no
/// allowed form, a text that is not YAML), the parser's own error stands, beside the problems
/// of the files before it.
fn parse_files(files: &[(String, String)]) -> Result<Vec<(&str, RuleFile)>, Error> {
    let mut parsed = Vec::new();
    let mut problems = Vec::new();
    for (name, text) in files {
        match yaml::parse::<RuleFile>(text, name) {
            Ok(file) => parsed.push((name.as_str(), file)),
            Err(e) => {
                let unknown = match &e {
                    Error::RuleSyntax { .. } if yaml::is_good_yaml(text) => {
                        locations::misfits(name, text)
                    }
                    _ => Vec::new(),
                };
                match (unknown.is_empty(), &e) {
                    (true, _) if problems.is_empty() => return Err(e),
                    (
                        true,
                        Error::RuleSyntax {
                            file,
                            line,
                            column,
                            message,
                        },
                    ) => {
                        let mut p = problem(file, "", message.clone());
                        (p.line, p.column) = (*line, *column);
                        problems.push(p);
                    }
                    (true, _) => return Err(e),
                    (false, _) => problems.extend(unknown),
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(Error::RuleSet(problems));
    }
    Ok(parsed)
}

/// The sections of a rule set's files, each with the file it came from.
struct Sections<'f> {
    meta: Option<(String, super::model::RuleSetMeta)>,
    vocabulary: Option<(String, VocabularyDef)>,
    taxonomy: Option<(String, TaxonomyDef)>,
    rules: Vec<(&'f str, usize, RuleDef)>,
    lint: Option<(String, super::model::LintDef)>,
    text: Option<(String, super::model::TextDef)>,
}

impl<'f> Sections<'f> {
    /// The sections of all files together; a section defined twice is a problem.
    fn merge(parsed: Vec<(&'f str, RuleFile)>, problems: &mut Vec<Problem>) -> Sections<'f> {
        let mut sections = Sections {
            meta: None,
            vocabulary: None,
            taxonomy: None,
            rules: Vec::new(),
            lint: None,
            text: None,
        };
        for (name, file) in parsed {
            take_once(&mut sections.text, file.text, name, "text", problems);
            take_once(&mut sections.meta, file.ruleset, name, "ruleset", problems);
            take_once(
                &mut sections.vocabulary,
                file.vocabulary,
                name,
                "vocabulary",
                problems,
            );
            take_once(
                &mut sections.taxonomy,
                file.taxonomy,
                name,
                "taxonomy",
                problems,
            );
            if let Some(defs) = file.rules {
                sections
                    .rules
                    .extend(defs.into_iter().enumerate().map(|(i, r)| (name, i, r)));
            }
            take_once(&mut sections.lint, file.lint, name, "lint", problems);
        }
        sections
    }

    /// The sections every rule set needs (`ruleset`, `vocabulary`, `taxonomy`), taken out, or
    /// `None` with a problem for each one missing. Missing `rules` is a problem too.
    #[allow(clippy::type_complexity)]
    fn required(
        &mut self,
        files: &[(String, String)],
        problems: &mut Vec<Problem>,
    ) -> Option<(
        super::model::RuleSetMeta,
        (String, VocabularyDef),
        (String, TaxonomyDef),
    )> {
        let all_files = files
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let missing = |section: &str, problems: &mut Vec<Problem>| {
            problems.push(problem(&all_files, section, format!("no `{section}:` section")).with_help("a rule set needs `ruleset`, `vocabulary`, `taxonomy` and `rules` sections, in one file or spread over the files of one folder".into()));
        };
        let Some((_, meta)) = self.meta.take() else {
            missing("ruleset", problems);
            return None;
        };
        let (vocabulary, taxonomy) = (self.vocabulary.take(), self.taxonomy.take());
        let (has_vocabulary, has_taxonomy) = (vocabulary.is_some(), taxonomy.is_some());
        let (Some(vocabulary), Some(taxonomy)) = (vocabulary, taxonomy) else {
            for (section, present) in [("vocabulary", has_vocabulary), ("taxonomy", has_taxonomy)] {
                if !present {
                    missing(section, problems);
                }
            }
            return None;
        };
        if self.rules.is_empty() {
            missing("rules", problems);
        }
        Some((meta, vocabulary, taxonomy))
    }
}

/// A rule set with nothing compiled into it yet.
fn empty_set(name: String, version: Option<String>, origin: &str) -> RuleSet {
    RuleSet {
        name,
        version,
        origin: origin.to_string(),
        columns: Vec::new(),
        header_index: rustc_hash::FxHashMap::default(),
        unknown_markers: Vec::new(),
        longest_marker: 0,
        marker_starts: [false; 256],
        facts: Vec::new(),
        categories: Vec::new(),
        umbrella: None,
        roles: Vec::new(),
        declared_index: rustc_hash::FxHashMap::default(),
        declared_separators: Vec::new(),
        combinations: Vec::new(),
        compatible: Vec::new(),
        rules: Vec::new(),
        nodes: Vec::new(),
        refines: Vec::new(),
        lint_accepts: Vec::new(),
        phrases: Default::default(),
        said: Vec::new(),
        defined: Vec::new(),
    }
}

fn take_once<T>(
    slot: &mut Option<(String, T)>,
    value: Option<T>,
    file: &str,
    section: &str,
    problems: &mut Vec<Problem>,
) {
    if let Some(value) = value {
        if let Some((first, _)) = slot {
            problems.push(
                problem(
                    file,
                    section,
                    format!("`{section}:` is defined again (first in {first})"),
                )
                .with_help("define each section once across the rule files".into()),
            );
        } else {
            *slot = Some((file.to_string(), value));
        }
    }
}

/// Lower-cases the first letter of a definition so it reads inside a sentence ("Turns a deal"
/// -> "turns a deal"), leaving a leading acronym ("OEM ...", "SI ...") alone.
pub(super) fn sentence_case(text: &str) -> String {
    let first_word = text.split_whitespace().next().unwrap_or("");
    let acronym = first_word.chars().filter(|c| c.is_alphabetic()).count() > 1
        && first_word.chars().all(|c| !c.is_lowercase());
    let mut chars = text.chars();
    match chars.next() {
        Some(first) if !acronym => first.to_lowercase().chain(chars).collect(),
        _ => text.to_string(),
    }
}

/// "did you mean `x`?" when a known name is close to `given`, else the list of known names.
pub(crate) fn did_you_mean<'a>(
    given: &str,
    known: impl Iterator<Item = &'a str>,
    what: &str,
) -> String {
    let known: Vec<&str> = known.collect();
    let best = known
        .iter()
        .map(|k| (strsim::jaro_winkler(given, k), *k))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((_, k)) => format!("did you mean `{k}`? ({what}: {})", known.join(", ")),
        None => format!("{what}: {}", known.join(", ")),
    }
}

/// "did you mean" for a value, comparing with the ids and with every synonym (a typo of a
/// synonym suggests the id it stands for).
pub(super) fn suggest_value(fact: &Fact, given: &str) -> String {
    let key = normalize_token(given);
    let ids: Vec<&str> = fact.values.iter().map(|v| v.id.as_str()).collect();
    let best = fact
        .index
        .iter()
        .map(|(text, &vi)| (strsim::jaro_winkler(&key, text), vi))
        .filter(|(score, _)| *score >= 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
    match best {
        Some((_, vi)) => format!(
            "did you mean `{}`? (known values: {})",
            ids[vi as usize],
            ids.join(", ")
        ),
        None => format!("known values: {}", ids.join(", ")),
    }
}

fn compile_lint(
    set: &mut RuleSet,
    lint: super::model::LintDef,
    file: &str,
    problems: &mut Vec<Problem>,
) {
    for (i, accept) in lint.accept.into_iter().enumerate() {
        let at = format!("lint.accept[{i}]");
        if !matches!(
            accept.finding.as_str(),
            "overlap"
                | "gaps"
                | "dead_vocabulary"
                | "phrase_conflict"
                | "phrase_in_cue"
                | "untested_phrases"
        ) {
            problems.push(problem(
                file,
                format!("{at}.finding"),
                format!("unknown finding `{}`", accept.finding),
            ).with_help("use overlap, gaps, dead_vocabulary, phrase_conflict, phrase_in_cue or untested_phrases".into()));
        }
        if accept.finding == "overlap" && accept.roles.len() != 2 {
            problems.push(problem(
                file,
                format!("{at}.roles"),
                "an accepted overlap names exactly two roles",
            ));
        }
        for (k, role) in accept.roles.iter().enumerate() {
            if set.roles.iter().all(|r| r.id != *role) {
                problems.push(taxonomy::unknown_role(
                    set,
                    file,
                    format!("{at}.roles[{k}]"),
                    format!("unknown role `{role}`"),
                    role,
                ));
            }
        }
        set.lint_accepts.push(super::Accept {
            kind: accept.finding,
            roles: accept.roles,
            because: accept.because.trim().to_string(),
        });
    }
}
