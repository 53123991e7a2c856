//! The taxonomy: categories, the umbrella term, roles and the names a roster may declare them
//! by, and the pairs of roles one partner can hold.

use super::{MAX_ROLES, did_you_mean, sentence_case};
use crate::error::Problem;
use crate::normalize::normalize_token;
use crate::rules::model::{CombinationDef, TaxonomyDef};
use crate::rules::{Category, Declared, Role, RuleSet, Umbrella, problem};

pub(super) fn compile_taxonomy(
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
            problems.push(problem(
                file,
                format!("{at}.roles"),
                format!("a combination names two roles, not {}", def.roles.len()),
            ).with_help("list each pair of roles that can be held together; a profile of three roles is allowed when each of its pairs is".into()));
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
        set.combinations.push(crate::rules::Combination {
            roles: (a.min(b), a.max(b)),
            because: def.because.trim().to_string(),
            source: def.source.trim().to_string(),
        });
    }
}

fn compile_roles(set: &mut RuleSet, tax: TaxonomyDef, file: &str, problems: &mut Vec<Problem>) {
    compile_categories(set, tax.categories, tax.umbrella, file, problems);
    for role in tax.roles {
        if !compile_role(set, role, file, problems) {
            break;
        }
    }
}

/// The categories of roles and the umbrella term (a declared name that names no role).
fn compile_categories(
    set: &mut RuleSet,
    categories: Vec<crate::rules::model::CategoryDef>,
    umbrella: Option<crate::rules::model::UmbrellaDef>,
    file: &str,
    problems: &mut Vec<Problem>,
) {
    for (i, cat) in categories.into_iter().enumerate() {
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
    if let Some(u) = umbrella {
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
}

/// One role: its id, category and the names a roster may declare it by. False when the
/// rule set has as many roles as it may.
fn compile_role(
    set: &mut RuleSet,
    role: crate::rules::model::RoleDef,
    file: &str,
    problems: &mut Vec<Problem>,
) -> bool {
    let rid = set.roles.len();
    let at = format!("taxonomy.roles[{rid}]");
    if rid == MAX_ROLES {
        problems.push(problem(file, &at, format!("more than {MAX_ROLES} roles")));
        return false;
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
            problems.push(
                problem(
                    file,
                    format!("{at}.category"),
                    format!("unknown category `{}`", role.category),
                )
                .with_help(format!(
                    "use one of: {}",
                    set.categories
                        .iter()
                        .map(|c| c.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
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
    true
}

/// A problem naming a role the taxonomy does not have, with the closest ids.
pub(super) fn unknown_role(
    set: &RuleSet,
    file: &str,
    at: String,
    message: String,
    name: &str,
) -> Problem {
    problem(file, at, message).with_help(did_you_mean(
        name,
        set.role_ids(),
        "role ids of the taxonomy",
    ))
}

/// A role with no rule: no record could ever be classified as it.
pub(super) fn roles_without_rules(set: &RuleSet, file: &str, problems: &mut Vec<Problem>) {
    for (ri, role) in set.roles.iter().enumerate() {
        if role.rules.is_empty() {
            problems.push(
                problem(
                    file,
                    format!("taxonomy.roles[{ri}]"),
                    format!(
                        "role `{}` has no rule, so no record can ever be classified as it",
                        role.id
                    ),
                )
                .with_help(format!(
                    "add a rule with `role: {}` under `rules:`, or remove the role",
                    role.id
                )),
            );
        }
    }
}
