//! The rule files as written: plain serde types mirroring the YAML. Nothing here is checked
//! beyond its shape; `compile` turns it into a [`crate::rules::RuleSet`] and reports every
//! mistake it finds.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One YAML document. A rule set is one file holding every section, or a folder of files whose
/// sections are merged (each section defined once).
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// Name and version of the rule set.
    pub ruleset: Option<RuleSetMeta>,
    /// The roster columns and their values.
    pub vocabulary: Option<VocabularyDef>,
    /// Categories, roles and the umbrella flag.
    pub taxonomy: Option<TaxonomyDef>,
    /// The conditions that make a record fit a role.
    pub rules: Option<Vec<RuleDef>>,
    /// Lint findings the rule author has looked at and accepts, each with the reason.
    pub lint: Option<LintDef>,
    /// How facts are read from the words of `prose` columns: the phrases that state each value,
    /// and the words that negate, hedge and end a clause.
    pub text: Option<TextDef>,
}

/// Reading facts from prose (description-like columns). Phrases match case-insensitively on
/// word boundaries; a phrase's last word also matches its simple inflections (`resell`:
/// resells, reselling, reselled is harmless; irregular forms such as `resold` are listed). A
/// phrase ending in `*` matches any word that starts with it (`warehous*`); a phrase starting
/// with `=` matches only as written.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TextDef {
    /// What the confidence of a decision is multiplied by when a fact it rests on was read
    /// from text rather than given in its own column (0 to 1; default 0.8).
    #[serde(default)]
    pub confidence_factor: Option<f64>,
    /// Words that negate what follows them in the clause ("not", "no", "never", "without").
    #[serde(default)]
    pub negation: Vec<String>,
    /// Words that negate the phrases before them in their clause ("Implementation and support
    /// are not offered", "Resale: no", "resells nothing"). A cue may be in both lists.
    #[serde(default)]
    pub negation_after: Vec<String>,
    /// Words that join phrases ("and"): after a negated phrase, a phrase about another fact ends
    /// the negation ("does not resell and implements"), one about the same fact goes on ("no
    /// implementation and integration work").
    #[serde(default)]
    pub conjunctions: Vec<String>,
    /// Facts whose phrases, after a negated phrase in the same clause, are the object of the
    /// negated words and still state ("doesn't resell our software": the goods are software).
    #[serde(default)]
    pub objects: Vec<String>,
    /// Texts that start with a negation word but negate nothing ("not only", "no matter").
    #[serde(default)]
    pub not_negation: Vec<String>,
    /// Texts that state nothing though a phrase is inside them ("quarterly business review" is
    /// no product review): where they are written, they are read as nothing.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Words that make what follows them in the clause uncertain ("may", "plans to"): a hedged
    /// phrase states nothing either way.
    #[serde(default)]
    pub hedges: Vec<String>,
    /// Words that end a clause like punctuation does ("but", "however", "although").
    #[serde(default)]
    pub clause_breaks: Vec<String>,
    /// Words that carry a negation over a comma when they follow it in the clause ("or",
    /// "nor": "no warehousing, picking or shipping").
    #[serde(default)]
    pub list_continues: Vec<String>,
    /// fact -> value -> the phrases that state that value.
    #[serde(default)]
    pub phrases:
        std::collections::BTreeMap<String, std::collections::BTreeMap<String, Vec<String>>>,
}

/// Settings of `rules lint`.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LintDef {
    /// Findings accepted as deliberate.
    #[serde(default)]
    pub accept: Vec<AcceptDef>,
}

/// A lint finding accepted as a deliberate choice.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptDef {
    /// `overlap`, `gaps` or `dead_vocabulary`.
    pub finding: String,
    /// For an overlap: the two role ids.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Why it is right as it is.
    pub because: String,
}

/// Name and provenance of a rule set.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleSetMeta {
    /// Shown in reports.
    pub name: String,
    /// Free-form version text.
    #[serde(default)]
    pub version: Option<String>,
    /// What the rule set is for.
    #[serde(default)]
    pub description: Option<String>,
}

/// The roster columns the rules understand.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VocabularyDef {
    /// Cell texts that mean "not known" (as if the cell were empty), such as `n/a`.
    #[serde(default)]
    pub unknown_markers: Vec<String>,
    /// The columns, in the order they are documented.
    pub columns: Vec<ColumnDef>,
}

/// What role a column plays for the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    /// The record's key.
    Id,
    /// The display name.
    Name,
    /// The role the roster claims; matched against role names.
    DeclaredRole,
    /// Free text carried through.
    Text,
    /// Free text that describes the partner: facts are read from its words (see `text:`).
    /// Several roster columns may be prose at once (Description, Services, Notes).
    Prose,
    /// A fact with at most one value.
    One,
    /// A fact with a set of values.
    List,
}

/// One roster column.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ColumnDef {
    /// Canonical name (snake_case).
    pub name: String,
    /// How the engine reads it.
    pub kind: ColumnKind,
    /// What the column means.
    #[serde(default)]
    pub description: Option<String>,
    /// Other headers that mean this column.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// How a value reads in a sentence, with `{}` for the values: "it earns {}".
    #[serde(default)]
    pub phrase: Option<String>,
    /// The values of a `one` or `list` column.
    #[serde(default)]
    pub values: Vec<ValueDef>,
    /// In a `declared_role` column: the texts that separate several roles in one cell
    /// (`VAR/MSP`, `Reseller;Managed Service Provider`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub separators: Vec<String>,
}

/// One value of a fact.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ValueDef {
    /// Canonical id (snake_case).
    pub id: String,
    /// How the value reads in a sentence, when not its id.
    #[serde(default)]
    pub label: Option<String>,
    /// Other cell texts that mean this value.
    #[serde(default)]
    pub synonyms: Vec<String>,
    /// In a list column: this value means "none of the others" (the list is known and empty).
    #[serde(default)]
    pub means_nothing: bool,
    /// What the value means.
    #[serde(default)]
    pub description: Option<String>,
}

/// Categories, roles and the umbrella flag.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaxonomyDef {
    /// Role categories.
    pub categories: Vec<CategoryDef>,
    /// An umbrella term reported as a flag, not as a role.
    #[serde(default)]
    pub umbrella: Option<UmbrellaDef>,
    /// The roles, in the order used to break ties in listings.
    pub roles: Vec<RoleDef>,
    /// Pairs of roles one partner can hold at once (a role profile). Two roles that both fit a
    /// record and are not listed here make it ambiguous. A profile of three or more roles is
    /// allowed when every pair in it is.
    #[serde(default)]
    pub combinations: Vec<CombinationDef>,
}

/// Two roles one partner can hold at once.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CombinationDef {
    /// The two role ids.
    pub roles: Vec<String>,
    /// Why one partner can be both, in the rule author's words.
    pub because: String,
    /// The glossary entry the reason rests on.
    pub source: String,
}

/// A role category.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryDef {
    /// Canonical id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// What the category means.
    #[serde(default)]
    pub description: Option<String>,
}

/// An umbrella term: roles carry it as a flag.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UmbrellaDef {
    /// The flag's field name in the output.
    pub id: String,
    /// Display name.
    pub name: String,
    /// One-line definition in the rule author's words.
    pub definition: String,
    /// The glossary entry it rests on.
    pub source: String,
    /// Names a roster may use for it in `declared_role` (they name no role).
    #[serde(default)]
    pub names: Vec<String>,
}

/// One role.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleDef {
    /// Stable snake_case id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// A category id.
    pub category: String,
    /// Whether the umbrella flag is set for this role.
    #[serde(default)]
    pub umbrella: bool,
    /// One-line definition in the rule author's words.
    pub definition: String,
    /// The glossary entry it rests on.
    pub source: String,
    /// Names a roster may use for it in `declared_role`.
    #[serde(default)]
    pub names: Vec<String>,
}

/// A rule: when its condition holds, the record fits the role.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    /// Unique id.
    pub id: String,
    /// The role it concludes.
    pub role: String,
    /// The glossary entry it rests on.
    pub source: String,
    /// Another rule whose conditions this one includes before its own.
    #[serde(default)]
    pub extends: Option<String>,
    /// The condition.
    pub when: ConditionDef,
}

/// A condition: exactly one of `all`, `any`, `not`, `fact` with one operator, `present` or
/// `missing`.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConditionDef {
    /// Holds when every part holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all: Option<Vec<ConditionDef>>,
    /// Holds when at least one part holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any: Option<Vec<ConditionDef>>,
    /// Holds when the part does not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not: Option<Box<ConditionDef>>,
    /// The fact an operator tests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fact: Option<String>,
    /// A one-valued fact has this value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is: Option<String>,
    /// A one-valued fact has one of these values.
    #[serde(default, rename = "in", skip_serializing_if = "Option::is_none")]
    pub in_: Option<Vec<String>>,
    /// A list fact includes at least one of these values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_any: Option<Vec<String>>,
    /// A list fact includes every one of these values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_all: Option<Vec<String>>,
    /// A list fact includes none of these values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_none: Option<Vec<String>>,
    /// This fact is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub present: Option<String>,
    /// This fact is not known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<String>,
    /// An operator test that holds when its fact is unknown (it only rules out on evidence).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub if_known: bool,
    /// What the condition requires, as it continues "a ROLE ...".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub says: Option<String>,
    /// `defining` (the default): the glossary states it as what the role is or never does, and
    /// a false outcome rules the role out. `typical`: the glossary says typically, usually,
    /// often, such as or for example; it never rules the role out, only lowers its score and
    /// confidence, and the reasons say when a record is atypical. Top-level conditions only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<Grade>,
    /// The glossary words the condition rests on (a short quotation or paraphrase, with the
    /// entry it comes from).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cites: Option<String>,
}

/// How strictly the glossary states a condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// What the role is or never does: false rules the role out.
    Defining,
    /// What the role usually is: it never rules the role out.
    Typical,
}

/// The JSON Schema of a rule file, generated from these types (for `rules schema`, editors, and
/// to name the allowed keys when a file has unknown ones).
pub fn schema() -> serde_json::Value {
    schemars::schema_for!(RuleFile).to_value()
}

#[cfg(test)]
mod tests {
    use super::schema;
    use crate::rules::BUILTIN_FILES;

    #[test]
    fn built_in_rule_files_validate_against_the_schema() {
        let schema = schema();
        let validator = jsonschema::validator_for(&schema).expect("the generated schema is valid");
        for (name, text) in BUILTIN_FILES {
            let document: serde_json::Value =
                crate::yaml::parse(text, name).expect("built-in YAML parses");
            let errors: Vec<String> = validator
                .iter_errors(&document)
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{name}: {errors:?}");
        }
    }

    #[test]
    fn the_schema_rejects_a_typo_and_a_wrong_type() {
        let validator = jsonschema::validator_for(&schema()).expect("valid schema");
        let typo = serde_json::json!({"rules": [{"id": "r", "role": "x", "source": "s", "when": {"fact": "earns", "has_anyy": ["a"]}}]});
        assert!(!validator.is_valid(&typo));
        let wrong_type = serde_json::json!({"rules": [{"id": "r", "role": "x", "source": "s", "when": {"fact": "earns", "has_any": "a"}}]});
        assert!(!validator.is_valid(&wrong_type));
    }
}
