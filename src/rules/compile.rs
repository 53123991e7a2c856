//! From rule files to a [`RuleSet`]: merge the sections, check every name against the
//! vocabulary and taxonomy, intern values as bit positions, flatten conditions into a node
//! arena, and work out which roles refine which. Every problem is collected, not just the first.

use std::collections::{HashMap, HashSet};

use super::model::{
    ColumnKind, CombinationDef, ConditionDef, RuleDef, RuleFile, TaxonomyDef, VocabularyDef,
};
use super::{
    Category, Column, Declared, Fact, FactId, Node, NodeId, NodeKind, Op, Role, Rule, RuleSet,
    Umbrella, Value, implies, problem,
};
use crate::error::{Error, Problem};
use crate::normalize::normalize_token;
use crate::yaml;

/// Most values a fact may have: each is one bit of a `u64`.
const MAX_VALUES: usize = 64;
/// Most facts a rule set may define: each is one bit of a `u64` read-mask.
const MAX_FACTS: usize = 64;
/// Longest chain of rules extending rules (the built-in set uses one link).
const MAX_EXTENDS: usize = 16;
/// Most roles a rule set may define: each is one bit of a `u64` role mask.
const MAX_ROLES: usize = 64;
/// Deepest nesting of conditions accepted.
const MAX_DEPTH: usize = 32;

pub(super) fn compile(files: &[(String, String)], origin: &str) -> Result<RuleSet, Error> {
    compile_files(files, origin).map_err(|e| match e {
        Error::RuleSet(mut problems) => {
            locate(&mut problems, files);
            Error::RuleSet(problems)
        }
        other => other,
    })
}

/// Fills in the line and column of each problem from its file's key path. Trees are built
/// only here, when something went wrong, so loading a good rule set pays nothing for it.
fn locate(problems: &mut [Problem], files: &[(String, String)]) {
    let mut trees: HashMap<&str, Option<yaml::Tree>> = HashMap::new();
    for p in problems.iter_mut().filter(|p| p.line == 0) {
        let Some((name, text)) = files.iter().find(|(n, _)| *n == p.file) else {
            continue;
        };
        let tree = trees
            .entry(name.as_str())
            .or_insert_with(|| yaml::tree(text));
        if let Some(mark) = tree.as_ref().and_then(|t| yaml::locate(t, &p.at)) {
            p.line = mark.line;
            p.column = mark.column;
        }
    }
}

/// Every key of `text` that the rule-file schema does not allow (each with a suggestion) and
/// every value of the wrong shape.
fn misfits(name: &str, text: &str) -> Vec<Problem> {
    let Some(tree) = yaml::tree(text) else {
        return Vec::new();
    };
    yaml::misfits(&tree, &super::model::schema())
        .into_iter()
        .map(|m| {
            let mut p = match m.kind {
                yaml::MisfitKind::UnknownKey { key, known } => {
                    let mut p = problem(name, &m.path, format!("unknown key `{key}`"));
                    p.help =
                        did_you_mean(&key, known.iter().map(String::as_str), "keys allowed here");
                    p
                }
                yaml::MisfitKind::WrongShape { expected, found } => {
                    let (at, what) = if m.path.is_empty() {
                        ("(document)".to_string(), "the document".to_string())
                    } else {
                        (m.path.clone(), format!("`{}`", m.path))
                    };
                    let mut p = problem(
                        name,
                        at,
                        format!("{what} should be {expected}, not {found}"),
                    );
                    p.help = match expected {
                        "a list" => {
                            "write the values as a list: [a, b] or one `- item` per line".into()
                        }
                        "a map of keys" => "write keys under it, one `key: value` per line".into(),
                        _ => "write one value here".into(),
                    };
                    p
                }
            };
            p.line = m.mark.line;
            p.column = m.mark.column;
            p
        })
        .collect()
}

fn compile_files(files: &[(String, String)], origin: &str) -> Result<RuleSet, Error> {
    let mut parsed = Vec::new();
    let mut problems = Vec::new();
    for (name, text) in files {
        match yaml::parse::<RuleFile>(text, name) {
            Ok(file) => parsed.push((name.as_str(), file)),
            Err(e) => {
                // serde stops at the first unknown key or wrong type; list them all. The
                // schema check runs on a document of a sane shape only, and finds nothing in a
                // text that is not YAML: the parser's own error then stands.
                let unknown = match &e {
                    Error::RuleSyntax { .. } if yaml::has_sane_shape(text) => misfits(name, text),
                    _ => Vec::new(),
                };
                if unknown.is_empty() {
                    return Err(e);
                }
                problems.extend(unknown);
            }
        }
    }
    if !problems.is_empty() {
        return Err(Error::RuleSet(problems));
    }

    let mut meta = None;
    let mut vocabulary = None;
    let mut taxonomy = None;
    let mut rules: Vec<(&str, usize, RuleDef)> = Vec::new();
    let mut lint = None;
    let mut text = None;
    for (name, file) in parsed {
        take_once(&mut text, file.text, name, "text", &mut problems);
        take_once(&mut meta, file.ruleset, name, "ruleset", &mut problems);
        take_once(
            &mut vocabulary,
            file.vocabulary,
            name,
            "vocabulary",
            &mut problems,
        );
        take_once(
            &mut taxonomy,
            file.taxonomy,
            name,
            "taxonomy",
            &mut problems,
        );
        if let Some(defs) = file.rules {
            rules.extend(defs.into_iter().enumerate().map(|(i, r)| (name, i, r)));
        }
        take_once(&mut lint, file.lint, name, "lint", &mut problems);
    }
    let all_files = files
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let missing = |section: &str, problems: &mut Vec<Problem>| {
        let mut p = problem(&all_files, section, format!("no `{section}:` section"));
        p.help = "a rule set needs `ruleset`, `vocabulary`, `taxonomy` and `rules` sections, in one file or spread over the files of one folder".into();
        problems.push(p);
    };
    let Some((_, meta)) = meta else {
        missing("ruleset", &mut problems);
        return Err(Error::RuleSet(problems));
    };
    let (has_vocabulary, has_taxonomy) = (vocabulary.is_some(), taxonomy.is_some());
    let (Some((vocab_file, vocabulary)), Some((tax_file, taxonomy))) = (vocabulary, taxonomy)
    else {
        for (section, present) in [("vocabulary", has_vocabulary), ("taxonomy", has_taxonomy)] {
            if !present {
                missing(section, &mut problems);
            }
        }
        return Err(Error::RuleSet(problems));
    };
    if rules.is_empty() {
        missing("rules", &mut problems);
    }

    let mut set = RuleSet {
        name: meta.name,
        version: meta.version,
        origin: origin.to_string(),
        columns: Vec::new(),
        header_index: HashMap::new(),
        unknown_markers: Vec::new(),
        longest_marker: 0,
        marker_starts: [false; 256],
        facts: Vec::new(),
        categories: Vec::new(),
        umbrella: None,
        roles: Vec::new(),
        declared_index: HashMap::new(),
        declared_separators: Vec::new(),
        combinations: Vec::new(),
        compatible: Vec::new(),
        rules: Vec::new(),
        nodes: Vec::new(),
        refines: Vec::new(),
        lint_accepts: Vec::new(),
        phrases: Default::default(),
    };
    compile_vocabulary(&mut set, vocabulary, &vocab_file, &mut problems);
    set.phrases = super::phrases::compile(text, &set.facts, &mut problems);
    compile_taxonomy(&mut set, taxonomy, &tax_file, &mut problems);
    compile_rules(&mut set, rules, &mut problems);
    if let Some((file, lint)) = lint {
        compile_lint(&mut set, lint, &file, &mut problems);
    }
    for (ri, role) in set.roles.iter().enumerate() {
        if role.rules.is_empty() {
            let mut p = problem(
                &tax_file,
                format!("taxonomy.roles[{ri}]"),
                format!(
                    "role `{}` has no rule, so no record can ever be classified as it",
                    role.id
                ),
            );
            p.help = format!(
                "add a rule with `role: {}` under `rules:`, or remove the role",
                role.id
            );
            problems.push(p);
        }
    }
    if !problems.is_empty() {
        return Err(Error::RuleSet(problems));
    }
    set.refines = implies::refinements(&set);
    Ok(set)
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
            let mut p = problem(
                file,
                section,
                format!("`{section}:` is defined again (first in {first})"),
            );
            p.help = "define each section once across the rule files".into();
            problems.push(p);
        } else {
            *slot = Some((file.to_string(), value));
        }
    }
}

fn compile_vocabulary(
    set: &mut RuleSet,
    vocab: VocabularyDef,
    file: &str,
    problems: &mut Vec<Problem>,
) {
    set.unknown_markers = vocab
        .unknown_markers
        .iter()
        .map(|m| normalize_token(m))
        .collect();
    // A marker may be written with spaces or hyphens its folded form does not have.
    set.longest_marker = vocab
        .unknown_markers
        .iter()
        .map(|m| m.trim().len())
        .max()
        .unwrap_or(0)
        * 2;
    for marker in &vocab.unknown_markers {
        if let Some(&b) = marker.trim().as_bytes().first() {
            set.marker_starts[b.to_ascii_lowercase() as usize] = true;
            set.marker_starts[b.to_ascii_uppercase() as usize] = true;
        }
    }
    let mut seen_kinds = HashSet::new();
    for (ci, col) in vocab.columns.into_iter().enumerate() {
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
                    let mut p = problem(
                        file,
                        &at,
                        format!(
                            "header `{header}` already means column `{}`",
                            set.columns[other].name
                        ),
                    );
                    p.help = "each header or alias may name one column".into();
                    problems.push(p);
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
    if !seen_kinds.contains(&ColumnKind::Id) {
        let mut p = problem(file, "vocabulary.columns", "no column of kind `id`");
        p.help =
            "one column must be the record key, e.g. `- name: partner_id` with `kind: id`".into();
        problems.push(p);
    }
}

fn compile_fact(
    col: &super::model::ColumnDef,
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
        values: Vec::new(),
        index: HashMap::new(),
        nothing: None,
        all_bits: 0,
    };
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
                    let mut p = problem(
                        file,
                        &vat,
                        format!(
                            "`{text}` already means `{}` in `{}`",
                            col.values[other as usize].id, col.name
                        ),
                    );
                    p.help = "a text may stand for one value of a fact".into();
                    problems.push(p);
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

fn compile_taxonomy(
    set: &mut RuleSet,
    mut tax: TaxonomyDef,
    file: &str,
    problems: &mut Vec<Problem>,
) {
    let combinations = std::mem::take(&mut tax.combinations);
    compile_roles(set, tax, file, problems);
    compile_combinations(set, combinations, file, problems);
}

/// The pairs of roles one partner can hold at once, as a symmetric table.
fn compile_combinations(
    set: &mut RuleSet,
    defs: Vec<CombinationDef>,
    file: &str,
    problems: &mut Vec<Problem>,
) {
    let n = set.roles.len();
    set.compatible = vec![vec![false; n]; n];
    for (i, def) in defs.into_iter().enumerate() {
        let at = format!("taxonomy.combinations[{i}]");
        let mut ids = Vec::new();
        for name in &def.roles {
            match set.roles.iter().position(|r| r.id == *name) {
                Some(r) => ids.push(r),
                None => problems.push(unknown_role(
                    set,
                    file,
                    format!("{at}.roles"),
                    format!("unknown role `{name}`"),
                    name,
                )),
            }
        }
        if def.roles.len() != 2 {
            let mut p = problem(
                file,
                format!("{at}.roles"),
                format!("a combination names two roles, not {}", def.roles.len()),
            );
            p.help = "list each pair of roles that can be held together; a profile of three roles is allowed when each of its pairs is".into();
            problems.push(p);
            continue;
        }
        let [a, b] = ids[..] else { continue };
        if a == b {
            problems.push(problem(
                file,
                format!("{at}.roles"),
                format!("`{}` is paired with itself", set.roles[a].id),
            ));
            continue;
        }
        if set.compatible[a][b] {
            problems.push(problem(
                file,
                format!("{at}.roles"),
                format!(
                    "{} and {} are already a combination",
                    set.roles[a].id, set.roles[b].id
                ),
            ));
        }
        set.compatible[a][b] = true;
        set.compatible[b][a] = true;
        set.combinations.push(super::Combination {
            roles: (a.min(b), a.max(b)),
            because: def.because.trim().to_string(),
            source: def.source.trim().to_string(),
        });
    }
}

fn compile_roles(set: &mut RuleSet, tax: TaxonomyDef, file: &str, problems: &mut Vec<Problem>) {
    for (i, cat) in tax.categories.into_iter().enumerate() {
        if set.categories.iter().any(|c| c.id == cat.id) {
            problems.push(problem(
                file,
                format!("taxonomy.categories[{i}]"),
                format!("duplicate category id `{}`", cat.id),
            ));
        }
        set.categories.push(Category {
            id: cat.id,
            name: cat.name,
        });
    }
    if let Some(u) = tax.umbrella {
        for name in u.names.iter().chain(std::iter::once(&u.id)) {
            set.declared_index
                .insert(normalize_token(name), Declared::Umbrella);
        }
        set.umbrella = Some(Umbrella {
            id: u.id,
            name: u.name,
            definition: sentence_case(u.definition.trim()),
            source: u.source.trim().to_string(),
        });
    }
    for role in tax.roles {
        let rid = set.roles.len();
        let at = format!("taxonomy.roles[{rid}]");
        if rid == MAX_ROLES {
            problems.push(problem(file, &at, format!("more than {MAX_ROLES} roles")));
            break;
        }
        if normalize_token(&role.id) != role.id || role.id.is_empty() {
            problems.push(problem(
                file,
                &at,
                format!("role id `{}` is not snake_case", role.id),
            ));
        }
        if set.roles.iter().any(|r| r.id == role.id) {
            problems.push(problem(
                file,
                &at,
                format!("duplicate role id `{}`", role.id),
            ));
        }
        let category = match set.categories.iter().position(|c| c.id == role.category) {
            Some(c) => c,
            None => {
                let mut p = problem(
                    file,
                    format!("{at}.category"),
                    format!("unknown category `{}`", role.category),
                );
                p.help = format!(
                    "use one of: {}",
                    set.categories
                        .iter()
                        .map(|c| c.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                problems.push(p);
                0
            }
        };
        for name in std::iter::once(&role.id)
            .chain(std::iter::once(&role.name))
            .chain(role.names.iter())
        {
            let key = normalize_token(name);
            match set.declared_index.get(&key) {
                Some(Declared::Role(other)) if *other != rid => {
                    problems.push(problem(
                        file,
                        format!("{at}.names"),
                        format!("`{name}` already names role `{}`", set.roles[*other].id),
                    ));
                }
                Some(Declared::Umbrella) => {
                    problems.push(problem(
                        file,
                        format!("{at}.names"),
                        format!("`{name}` already names the umbrella"),
                    ));
                }
                _ => {
                    set.declared_index.insert(key, Declared::Role(rid));
                }
            }
        }
        set.roles.push(Role {
            id: role.id,
            name: role.name,
            category,
            umbrella: role.umbrella,
            definition: sentence_case(role.definition.trim()),
            source: role.source.trim().to_string(),
            rules: Vec::new(),
        });
    }
}

fn compile_rules(
    set: &mut RuleSet,
    defs: Vec<(&str, usize, RuleDef)>,
    problems: &mut Vec<Problem>,
) {
    // Rules may extend rules defined later, so resolve `extends` in dependency order.
    let by_id: HashMap<&str, usize> = defs
        .iter()
        .enumerate()
        .rev()
        .map(|(i, (_, _, r))| (r.id.as_str(), i))
        .collect();
    let mut compiled: Vec<Option<usize>> = vec![None; defs.len()];
    let mut seen = HashSet::new();
    for (file, index, def) in &defs {
        if !seen.insert(def.id.as_str()) {
            let mut p = problem(
                file,
                format!("rules[{index}].id"),
                format!("duplicate rule id `{}`", def.id),
            );
            p.help = "give every rule its own id".into();
            problems.push(p);
        }
    }
    for i in 0..defs.len() {
        let mut chain = Vec::new();
        compile_rule(set, &defs, &by_id, i, &mut compiled, &mut chain, problems);
    }
}

#[allow(clippy::too_many_arguments)]
fn compile_rule(
    set: &mut RuleSet,
    defs: &[(&str, usize, RuleDef)],
    by_id: &HashMap<&str, usize>,
    i: usize,
    compiled: &mut Vec<Option<usize>>,
    chain: &mut Vec<usize>,
    problems: &mut Vec<Problem>,
) -> Option<usize> {
    if let Some(done) = compiled[i] {
        return Some(done);
    }
    let (file, index, def) = &defs[i];
    let at = format!("rules[{index}]");
    if chain.contains(&i) {
        problems.push(problem(
            file,
            format!("{at}.extends"),
            format!("rule `{}` extends itself through a cycle of rules", def.id),
        ));
        return None;
    }
    // How many rules down a chain of `extends` this one is (the walk stops past the limit, so a
    // cycle is left to the check below).
    let mut depth = 0;
    let mut walked = vec![i];
    let mut base = def.extends.as_deref();
    while let Some(&b) = base.and_then(|b| by_id.get(b)) {
        if walked.contains(&b) {
            // A cycle: the check below names it.
            depth = 0;
            break;
        }
        walked.push(b);
        depth += 1;
        if depth > MAX_EXTENDS {
            break;
        }
        base = defs[b].2.extends.as_deref();
    }
    if depth > MAX_EXTENDS {
        problems.push(problem(
            file,
            format!("{at}.extends"),
            format!(
                "rule `{}` is more than {MAX_EXTENDS} rules down a chain of `extends`; extend a rule that extends few others",
                def.id
            ),
        ));
        return None;
    }
    chain.push(i);
    let mut conjuncts = Vec::new();
    if let Some(base) = &def.extends {
        match by_id.get(base.as_str()) {
            Some(&b) => {
                let base_rule = compile_rule(set, defs, by_id, b, compiled, chain, problems)?;
                conjuncts.extend(set.rules[base_rule].conjuncts.iter().copied());
            }
            None => {
                let mut p = problem(
                    file,
                    format!("{at}.extends"),
                    format!(
                        "rule `{}` extends `{base}`, but no rule has that id",
                        def.id
                    ),
                );
                p.help = "`extends` names the id of another rule".into();
                problems.push(p);
            }
        }
    }
    chain.pop();
    let role = set.roles.iter().position(|r| r.id == def.role);
    if role.is_none() {
        problems.push(unknown_role(
            set,
            file,
            format!("{at}.role"),
            format!("rule `{}` concludes unknown role `{}`", def.id, def.role),
            &def.role,
        ));
    }
    let own = compile_condition(set, &def.when, file, &format!("{at}.when"), 0, problems)?;
    match &set.nodes[own].kind {
        NodeKind::All(children) if set.nodes[own].says.is_none() => {
            conjuncts.extend(children.iter().copied())
        }
        _ => conjuncts.push(own),
    }
    let reads = conjuncts.iter().fold(0, |acc, &n| acc | set.nodes[n].reads);
    // The rule fits when its defining conditions hold; typical ones only weigh.
    let defining: Vec<NodeId> = conjuncts
        .iter()
        .copied()
        .filter(|&n| !set.nodes[n].typical)
        .collect();
    if defining.is_empty() {
        let mut p = problem(
            file,
            format!("{at}.when"),
            format!("rule `{}` has only typical conditions", def.id),
        );
        p.help =
            "a rule needs at least one defining condition: what the role is or never does".into();
        problems.push(p);
        return None;
    }
    let root = push_node(
        set,
        Node {
            kind: NodeKind::All(defining.clone()),
            says: None,
            typical: false,
            cites: None,
            reads,
        },
    );
    let role = role?;
    let id = set.rules.len();
    set.rules.push(Rule {
        id: def.id.clone(),
        source: def.source.clone(),
        root,
        conjuncts,
        defining,
        reads,
    });
    set.roles[role].rules.push(id);
    compiled[i] = Some(id);
    Some(id)
}

/// A problem naming a role the taxonomy does not have, with the closest ids.
fn unknown_role(set: &RuleSet, file: &str, at: String, message: String, name: &str) -> Problem {
    let mut p = problem(file, at, message);
    p.help = did_you_mean(name, set.role_ids(), "role ids of the taxonomy");
    p
}

fn push_node(set: &mut RuleSet, node: Node) -> NodeId {
    set.nodes.push(node);
    set.nodes.len() - 1
}

fn compile_condition(
    set: &mut RuleSet,
    def: &ConditionDef,
    file: &str,
    at: &str,
    depth: usize,
    problems: &mut Vec<Problem>,
) -> Option<NodeId> {
    if depth > MAX_DEPTH {
        problems.push(problem(
            file,
            at,
            format!("conditions nested deeper than {MAX_DEPTH}"),
        ));
        return None;
    }
    let ops: [(&str, Option<Vec<String>>, Op); 5] = [
        ("is", def.is.clone().map(|v| vec![v]), Op::Is),
        ("in", def.in_.clone(), Op::In),
        ("has_any", def.has_any.clone(), Op::HasAny),
        ("has_all", def.has_all.clone(), Op::HasAll),
        ("has_none", def.has_none.clone(), Op::HasNone),
    ];
    let forms = [
        def.all.is_some(),
        def.any.is_some(),
        def.not.is_some(),
        def.fact.is_some(),
        def.present.is_some(),
        def.missing.is_some(),
    ];
    if forms.iter().filter(|f| **f).count() != 1 {
        let mut p = problem(
            file,
            at,
            "a condition needs exactly one of `all`, `any`, `not`, `fact` (with an operator), `present` or `missing`",
        );
        p.help = "split combined conditions into an `all:` list".into();
        problems.push(p);
        return None;
    }
    let says = def.says.clone();
    if def.if_known && def.fact.is_none() {
        problems.push(problem(file, at, "`if_known` goes with a `fact` test"));
    }
    let kind = if let Some(parts) = def.all.as_ref().or(def.any.as_ref()) {
        let is_all = def.all.is_some();
        if parts.is_empty() {
            problems.push(problem(
                file,
                at,
                format!("`{}` with no parts", if is_all { "all" } else { "any" }),
            ));
            return None;
        }
        let mut children = Vec::new();
        for (k, part) in parts.iter().enumerate() {
            let sub = format!("{at}.{}[{k}]", if is_all { "all" } else { "any" });
            if let Some(n) = compile_condition(set, part, file, &sub, depth + 1, problems) {
                children.push(n);
            }
        }
        if children.len() != parts.len() {
            return None;
        }
        if is_all {
            NodeKind::All(children)
        } else {
            NodeKind::Any(children)
        }
    } else if let Some(part) = &def.not {
        let child = compile_condition(set, part, file, &format!("{at}.not"), depth + 1, problems)?;
        NodeKind::Not(child)
    } else if let Some(name) = def.present.as_ref().or(def.missing.as_ref()) {
        let key = if def.present.is_some() {
            "present"
        } else {
            "missing"
        };
        let fact = resolve_fact(set, name, file, &format!("{at}.{key}"), problems)?;
        if def.present.is_some() {
            NodeKind::Present(fact)
        } else {
            NodeKind::Missing(fact)
        }
    } else {
        let name = def.fact.as_ref().expect("one form is set");
        let fact = resolve_fact(set, name, file, &format!("{at}.fact"), problems);
        let given: Vec<_> = ops.iter().filter(|(_, v, _)| v.is_some()).collect();
        if given.len() != 1 {
            let mut p = problem(
                file,
                at,
                format!("`fact: {name}` needs exactly one operator"),
            );
            p.help =
                "use one of is, in (one-valued facts) or has_any, has_all, has_none (list facts)"
                    .into();
            problems.push(p);
            return None;
        }
        let (op_name, values, op) = given[0];
        let fact = fact?;
        let f = &set.facts[fact];
        let list_op = matches!(op, Op::HasAny | Op::HasAll | Op::HasNone);
        if list_op != f.list {
            let mut p = problem(
                file,
                format!("{at}.{op_name}"),
                format!(
                    "`{op_name}` does not fit `{name}`, a {} fact",
                    if f.list { "list" } else { "one-valued" }
                ),
            );
            p.help = if f.list {
                "list facts take has_any, has_all or has_none".into()
            } else {
                "one-valued facts take is or in".into()
            };
            problems.push(p);
            return None;
        }
        let values = values.as_ref().expect("filtered on is_some");
        if values.is_empty() {
            problems.push(problem(
                file,
                format!("{at}.{op_name}"),
                "an empty list of values",
            ));
            return None;
        }
        let mut mask = 0u64;
        for (k, v) in values.iter().enumerate() {
            let vat = if *op == Op::Is {
                format!("{at}.is")
            } else {
                format!("{at}.{op_name}[{k}]")
            };
            match f.index.get(&normalize_token(v)) {
                Some(&vi) if Some(vi) == f.nothing => {
                    let mut p = problem(
                        file,
                        vat.clone(),
                        format!("`{v}` means an empty `{name}` list and cannot be tested for"),
                    );
                    p.help =
                        "test for emptiness with `has_none` over the values that must be absent"
                            .into();
                    problems.push(p);
                }
                Some(&vi) => {
                    if f.values[vi as usize].id != *v {
                        problems.push(problem(
                            file,
                            vat.clone(),
                            format!(
                                "write the value id `{}` instead of the synonym `{v}`",
                                f.values[vi as usize].id
                            ),
                        ));
                    }
                    mask |= 1u64 << vi;
                }
                None => {
                    let mut p = problem(
                        file,
                        vat.clone(),
                        format!("`{v}` is not a value of `{name}`"),
                    );
                    p.help = suggest_value(f, v);
                    problems.push(p);
                }
            }
        }
        NodeKind::Test {
            fact,
            op: *op,
            mask,
            if_known: def.if_known,
        }
    };
    let reads = match &kind {
        NodeKind::All(c) | NodeKind::Any(c) => c.iter().fold(0, |acc, &n| acc | set.nodes[n].reads),
        NodeKind::Not(c) => set.nodes[*c].reads,
        NodeKind::Test { fact, .. } | NodeKind::Present(fact) | NodeKind::Missing(fact) => {
            1u64 << fact
        }
    };
    let typical = def.grade == Some(super::model::Grade::Typical);
    if typical && depth != 1 {
        let mut p = problem(
            file,
            at,
            "`grade: typical` goes on a top-level condition of a rule (an item of its `when: all:` list)",
        );
        p.help = "a typical condition only weighs for or against its role; inside `any`, `not` or a nested `all` it would change what the role is".into();
        problems.push(p);
    }
    Some(push_node(
        set,
        Node {
            kind,
            says,
            typical,
            cites: def.cites.clone(),
            reads,
        },
    ))
}

fn resolve_fact(
    set: &RuleSet,
    name: &str,
    file: &str,
    at: &str,
    problems: &mut Vec<Problem>,
) -> Option<FactId> {
    match set.fact_by_name(name) {
        Some(f) => Some(f),
        None => {
            let mut p = problem(
                file,
                at,
                format!("`{name}` is not a fact of the vocabulary"),
            );
            p.help = did_you_mean(
                name,
                set.fact_names(),
                "facts are the `one` and `list` columns",
            );
            problems.push(p);
            None
        }
    }
}

/// Lower-cases the first letter of a definition so it reads inside a sentence ("Turns a deal"
/// -> "turns a deal"), leaving a leading acronym ("OEM ...", "SI ...") alone.
fn sentence_case(text: &str) -> String {
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
fn suggest_value(fact: &Fact, given: &str) -> String {
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
            let mut p = problem(
                file,
                format!("{at}.finding"),
                format!("unknown finding `{}`", accept.finding),
            );
            p.help = "use overlap, gaps, dead_vocabulary, phrase_conflict, phrase_in_cue or untested_phrases".into();
            problems.push(p);
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
                problems.push(unknown_role(
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
