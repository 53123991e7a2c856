//! `partner-roles` tells what kind of partner each company on a partner roster really is.
//!
//! It reads a roster CSV, turns each row into three-valued facts (who transacts the deal, what
//! the partner delivers, how it earns, ...), evaluates the YAML rules derived from a
//! partner-program glossary, and returns for every record a role, a category, a confidence and
//! the reasons: the facts that decided it, the definition it rests on, and why each close
//! alternative was ruled out.
//!
//! Data flows one way: [`roster`] (CSV rows) -> [`facts`] (normalized records) -> [`engine`]
//! (trace and decision) -> [`output`] (writers). [`rules`] compiles the YAML once; [`pipeline`]
//! streams a roster through all of it.
//!
//! ```
//! use partner_roles::{rules::RuleSet, pipeline, output::{Format, writer_for}};
//!
//! let rules = RuleSet::builtin().unwrap();
//! let roster = "partner_id,transacts,sells_to,earns,delivers\nP1,partner,end customers,margin,none\n";
//! let mut out = Vec::new();
//! {
//!     let mut writer = writer_for(Format::Jsonl, Box::new(&mut out));
//!     pipeline::run(&rules, roster.as_bytes(), "example", Default::default(), writer.as_mut()).unwrap();
//! }
//! let line = String::from_utf8(out).unwrap();
//! assert!(line.contains(r#""role":"reseller""#));
//! ```

#![deny(missing_docs)]

#[cfg(test)]
mod alloc_count;
pub mod authoring;
mod cache;
pub mod cli;
pub mod engine;
pub mod error;
pub mod facts;
pub mod files;
pub mod normalize;
pub mod output;
pub mod pipeline;
pub mod report;
pub mod roster;
pub mod rules;
mod sanitize;
pub mod serve;
pub mod sheet;
pub mod text;
mod yaml;

pub use engine::{Classification, Classifier};
pub use error::Error;
pub use rules::RuleSet;

/// Classifies one partner described by (fact, value) pairs, read exactly as roster cells are
/// read (synonyms, lists, case): the quickest way to embed the engine.
///
/// ```
/// let rules = partner_roles::RuleSet::builtin()?;
/// let result = partner_roles::classify_partner(
///     &rules,
///     &[("transacts", "partner"), ("sells_to", "end customers"), ("earns", "margin"), ("delivers", "none")],
/// )?;
/// assert_eq!(result.role.as_deref(), Some("reseller"));
/// assert_eq!(result.roles, ["reseller"]);
/// # Ok::<(), partner_roles::Error>(())
/// ```
pub fn classify_partner<'r>(
    rules: &'r RuleSet,
    facts: &[(&str, &str)],
) -> Result<Classification<'r>, Error> {
    let facts: Vec<(String, String)> = facts
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let given = facts::Given {
        id: "partner",
        name: None,
        declared: None,
        facts: &facts,
    };
    let record =
        facts::record_from_given(rules, &given).map_err(|message| Error::Usage { message })?;
    Ok(engine::classify(rules, &record))
}
