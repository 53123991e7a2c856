//! Rule tests: YAML cases that give a partner's facts and the expected outcome, run against a
//! rule set like unit tests, with a diff on failure and coverage of rules and conditions.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::engine::{Tri, condense, evaluate_record};
use crate::error::Error;
use crate::facts::{Given, record_from_given};
use crate::rules::{NodeKind, RuleSet};
use crate::yaml;

/// A cell given as one text or as a list of texts (joined as a list cell).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Cell {
    /// One text.
    One(String),
    /// Several values.
    Many(Vec<String>),
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::One(s) => s.clone(),
            Cell::Many(v) => v.join(";"),
        }
    }
}

/// What a case expects.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// classified, ambiguous, unclassified.
    pub status: String,
    /// The role id, when classified; a role profile as its ids joined by `+`
    /// (`managed_service_provider+value_added_reseller`).
    #[serde(default)]
    pub role: Option<String>,
    /// The held roles, in any order (an alternative to `role` for a profile).
    #[serde(default)]
    pub roles: Option<Vec<String>>,
    /// The audit finding of the declared role: agree, mismatch, unconfirmed, less_specific,
    /// incomplete or undeclared.
    #[serde(default)]
    pub finding: Option<String>,
    /// The record's confidence (to two decimals).
    #[serde(default)]
    pub confidence: Option<f64>,
    /// Texts the reasons must contain (each in some reason).
    #[serde(default)]
    pub reasons: Vec<String>,
    /// Texts no reason may contain.
    #[serde(default)]
    pub absent: Vec<String>,
    /// Facts as the record reads them, each with its values (ids or any synonym; `none` for
    /// the empty list): checks what was read from text cells.
    #[serde(default)]
    pub facts: BTreeMap<String, Cell>,
    /// Values known *not* to hold (negated in a text cell), per fact.
    #[serde(default)]
    pub negated: BTreeMap<String, Cell>,
    /// Facts that must stay unknown.
    #[serde(default)]
    pub unknown: Vec<String>,
    /// Texts the record's warnings must contain (each in some warning).
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// One rule test.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// What the case shows.
    pub name: String,
    /// Facts (or roster headers) and their cell texts, read as a roster row would be.
    #[serde(default)]
    pub facts: BTreeMap<String, Cell>,
    /// The declared role text.
    #[serde(default)]
    pub declared: Option<String>,
    /// The glossary words that decide the case, for the reader.
    #[serde(default)]
    pub why: Option<String>,
    /// The expected outcome.
    pub expect: Expect,
}

/// A file of rule tests.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TestFile {
    /// The cases.
    pub cases: Vec<Case>,
}

/// The result of one case.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// The file and the case name.
    pub file: String,
    /// The case name.
    pub name: String,
    /// Empty when the case passed; else what differs.
    pub failures: Vec<String>,
}

/// Outcomes seen per condition node across all cases, and the phrases of the `text:` section
/// some case's text cells used, for `--coverage` and `rules lint`.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    seen: Vec<[bool; 3]>,
    /// `phrases[n]`: phrase `n` matched in some case (stated, negated or hedged).
    pub(crate) phrases: Vec<bool>,
}

/// Results of a test run.
#[derive(Debug, Clone, Default)]
pub struct Run {
    /// Every case, in order.
    pub results: Vec<CaseResult>,
    /// Condition outcomes seen.
    pub coverage: Coverage,
}

impl Run {
    /// Cases that passed.
    pub fn passed(&self) -> usize {
        self.results
            .iter()
            .filter(|r| r.failures.is_empty())
            .count()
    }

    /// Cases that failed.
    pub fn failed(&self) -> usize {
        self.results.len() - self.passed()
    }
}

/// Parses a test file.
pub fn parse(text: &str, file: &str) -> Result<TestFile, Error> {
    yaml::parse(text, file)
}

/// Runs every case of `files` ((name, parsed file) pairs) against `rules`.
pub fn run(rules: &RuleSet, files: &[(String, TestFile)]) -> Run {
    let mut run = Run {
        results: Vec::new(),
        coverage: Coverage {
            seen: vec![[false; 3]; rules.nodes.len()],
            phrases: vec![false; rules.phrases.phrases.len()],
        },
    };
    for (file, tests) in files {
        for case in &tests.cases {
            let result = run_case(rules, case, &mut run.coverage);
            run.results.push(CaseResult {
                file: file.clone(),
                name: case.name.clone(),
                failures: result,
            });
        }
    }
    run
}

fn run_case(rules: &RuleSet, case: &Case, coverage: &mut Coverage) -> Vec<String> {
    let facts: Vec<(String, String)> = case
        .facts
        .iter()
        .map(|(k, v)| (k.clone(), v.text()))
        .collect();
    let given = Given {
        id: &case.name,
        name: None,
        declared: case.declared.as_deref(),
        facts: &facts,
    };
    let record = match record_from_given(rules, &given) {
        Ok(r) => r,
        Err(e) => return vec![format!("the case cannot be read: {e}")],
    };
    let eval = evaluate_record(rules, &record);
    for (node, outcome) in eval.trace.iter().enumerate() {
        coverage.seen[node][*outcome as usize] = true;
    }
    for hit in &record.text_hits {
        coverage.phrases[hit.phrase_id as usize] = true;
    }
    let got = condense(rules, &record, &eval);
    let mut failures = Vec::new();
    check_facts(rules, &case.expect, &record, &mut failures);
    let got_role = got.role.as_deref().unwrap_or("");
    let wanted = expected_roles(rules, &case.expect, &mut failures);
    let role_differs = wanted.iter().any(|w| w != got_role);
    if got.status.as_str() != case.expect.status || role_differs {
        failures.push(format!(
            "expected: {} {}\n     got:      {} {}",
            case.expect.status,
            wanted.join(" and "),
            got.status.as_str(),
            got_role
        ));
    }
    if let Some(want) = &case.expect.finding
        && got.finding.as_str() != want
    {
        failures.push(format!(
            "expected finding: {want}\n     got finding:      {}",
            got.finding.as_str()
        ));
    }
    for text in &case.expect.reasons {
        if !got.reasons().any(|r| r.contains(text.as_str())) {
            failures.push(format!("no reason contains {text:?}"));
        }
    }
    if let Some(want) = case.expect.confidence
        && (got.confidence - want).abs() > 0.005
    {
        failures.push(format!(
            "expected confidence: {want:.2}\n     got confidence:      {:.2}",
            got.confidence
        ));
    }
    for text in &case.expect.warnings {
        if !got.warnings.iter().any(|w| w.contains(text.as_str())) {
            failures.push(format!(
                "no warning contains {text:?} (warnings: {:?})",
                got.warnings
            ));
        }
    }
    for text in &case.expect.absent {
        if let Some(r) = got.reasons().find(|r| r.contains(text.as_str())) {
            failures.push(format!("a reason contains {text:?}: {r}"));
        }
    }
    if !failures.is_empty() {
        let mut reasons = String::from("reasons were:");
        for r in got.reasons() {
            let _ = write!(reasons, "\n       - {r}");
        }
        failures.push(reasons);
    }
    failures
}

/// The held profile a case expects (from `role`, ids joined by `+`, and `roles`, a list in
/// any order; neither: only the status is checked), with a failure for each role or finding it
/// names that the rule set does not have.
fn expected_roles(rules: &RuleSet, expect: &Expect, failures: &mut Vec<String>) -> Vec<String> {
    // `role` (ids joined by `+`) and `roles` (a list, any order) each say the held profile; a
    // case may give either, both, or neither (then only the status is checked).
    let from_roles = expect.roles.as_ref().map(|roles| {
        let mut ids: Vec<&str> = roles.iter().map(String::as_str).collect();
        ids.sort_by_key(|id| rules.role_by_id(id).unwrap_or(usize::MAX));
        ids.join("+")
    });
    let wanted: Vec<String> = expect.role.iter().cloned().chain(from_roles).collect();
    for id in wanted
        .iter()
        .flat_map(|w| w.split('+'))
        .filter(|id| !id.is_empty())
    {
        if rules.role_by_id(id).is_none() {
            failures.push(format!(
                "the case expects role {id:?}, which the rule set does not have (its roles: {})",
                rules.role_ids().collect::<Vec<_>>().join(", ")
            ));
        }
    }
    if let Some(want) = &expect.finding
        && !crate::engine::Finding::ALL
            .iter()
            .any(|f| f.as_str() == want)
    {
        failures.push(format!(
            "the case expects finding {want:?}, which is none of: {}",
            crate::engine::Finding::ALL
                .iter()
                .map(|f| f.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    wanted
}

/// Compares the facts a case expects read (`facts`, `negated`, `unknown`) with the record's.
fn check_facts(
    rules: &RuleSet,
    expect: &Expect,
    record: &crate::facts::Record,
    failures: &mut Vec<String>,
) {
    let fact_of = |name: &str, failures: &mut Vec<String>| {
        let f = rules.fact_by_name(name);
        if f.is_none() {
            failures.push(format!(
                "the case names fact {name:?}, which the rule set does not have"
            ));
        }
        f
    };
    let bits_of = |fact: usize, cell: &Cell, failures: &mut Vec<String>| {
        let f = &rules.facts[fact];
        let mut bits = 0u64;
        for item in cell
            .text()
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            match f.index.get(&crate::normalize::normalize_token(item)) {
                Some(&v) if Some(v) == f.nothing => {}
                Some(&v) => bits |= 1u64 << v,
                None => failures.push(format!("{item:?} is no value of {}", f.name)),
            }
        }
        bits
    };
    let shown = |fact: usize, bits: Option<u64>| match bits {
        Some(0) => rules.facts[fact]
            .nothing
            .map(|n| rules.facts[fact].values[n as usize].id.clone())
            .unwrap_or_else(|| "the empty list".into()),
        Some(b) => rules.value_ids(fact, b, ";"),
        None => "unknown".into(),
    };
    for (name, cell) in &expect.facts {
        let Some(fact) = fact_of(name, failures) else {
            continue;
        };
        let want = bits_of(fact, cell, failures);
        let got = record.facts.get(fact);
        if got != Some(want) {
            failures.push(format!(
                "expected {name}: {}
     got {name}:      {}",
                shown(fact, Some(want)),
                shown(fact, got)
            ));
        }
    }
    for (name, cell) in &expect.negated {
        let Some(fact) = fact_of(name, failures) else {
            continue;
        };
        let want = bits_of(fact, cell, failures);
        let got = record.facts.absent(fact);
        if got & want != want {
            failures.push(format!(
                "expected {name} known not to be {}
     got {name} not:      {}",
                shown(fact, Some(want)),
                if got == 0 {
                    "nothing".into()
                } else {
                    shown(fact, Some(got))
                }
            ));
        }
    }
    for name in &expect.unknown {
        let Some(fact) = fact_of(name, failures) else {
            continue;
        };
        if let Some(bits) = record.facts.get(fact) {
            failures.push(format!(
                "expected {name} unknown
     got {name}: {}",
                shown(fact, Some(bits))
            ));
        }
    }
}

impl Run {
    /// Test-runner output: one line per case, details of failures, and a closing
    /// `N passed, N failed` line.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "running {} rule tests", self.results.len());
        for r in &self.results {
            if r.failures.is_empty() {
                let _ = writeln!(out, "ok     {}", r.name);
            } else {
                let _ = writeln!(out, "FAILED {}  ({})", r.name, r.file);
                for f in &r.failures {
                    let _ = writeln!(out, "     {f}");
                }
            }
        }
        let _ = writeln!(out, "\n{} passed, {} failed", self.passed(), self.failed());
        out
    }

    /// Which rules and conditions the tests exercised: rules never fitting a case, and
    /// conditions never seen true or never seen false.
    pub fn render_coverage(&self, rules: &RuleSet) -> String {
        let seen = &self.coverage.seen;
        let mut out = String::from("coverage\n");
        let fired: Vec<&str> = rules
            .rules
            .iter()
            .filter(|r| seen[r.root][Tri::True as usize])
            .map(|r| r.id.as_str())
            .collect();
        let _ = writeln!(
            out,
            "  rules that fit at least one case: {} of {}",
            fired.len(),
            rules.rules.len()
        );
        for rule in rules
            .rules
            .iter()
            .filter(|r| !seen[r.root][Tri::True as usize])
        {
            let _ = writeln!(out, "  never fit a case: rule {}", rule.id);
        }
        let mut conditions = 0;
        let mut both = 0;
        let mut gaps = Vec::new();
        for rule in &rules.rules {
            for &c in &rule.conjuncts {
                let mut stack = vec![c];
                while let Some(n) = stack.pop() {
                    conditions += 1;
                    let s = seen[n];
                    if s[Tri::True as usize] && s[Tri::False as usize] {
                        both += 1;
                    } else {
                        let missing = match (s[Tri::True as usize], s[Tri::False as usize]) {
                            (false, false) => "never true and never false",
                            (false, true) => "never true",
                            _ => "never false",
                        };
                        gaps.push(format!(
                            "  rule {}: {} -- {missing}",
                            rule.id,
                            rules.describe_node(n)
                        ));
                    }
                    match &rules.nodes[n].kind {
                        NodeKind::All(parts) | NodeKind::Any(parts) => {
                            stack.extend(parts.iter().copied())
                        }
                        NodeKind::Not(part) => stack.push(*part),
                        _ => {}
                    }
                }
            }
        }
        let _ = writeln!(
            out,
            "  conditions seen both true and false: {both} of {conditions}"
        );
        let phrases = &self.coverage.phrases;
        if !phrases.is_empty() {
            let _ = writeln!(
                out,
                "  phrases of text: matched by some case: {} of {} (`rules lint` lists the others)",
                phrases.iter().filter(|s| **s).count(),
                phrases.len()
            );
        }
        for g in gaps {
            let _ = writeln!(out, "{g}");
        }
        out
    }
}
