//! Facts read from prose, measured on `fixtures/text-evidence/descriptions.csv`: 64 partner
//! descriptions labeled (by a separate session, from the specs alone) with the facts each
//! states, the values it negates and the role profile it supports.
//!
//! Every label is checked and the outcome of each is compared with
//! `fixtures/text-evidence/expected.txt`, so any change in what is read shows up as a diff;
//! the precision, recall and classified share computed here must be the figures
//! `docs/text-evidence.md` reports. `PARTNER_ROLES_UPDATE_TEXT=1` rewrites both files.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use partner_roles::engine::classify;
use partner_roles::facts::{Given, record_from_given};
use partner_roles::rules::RuleSet;

const FACTS: [&str; 8] = [
    "transacts",
    "sells_to",
    "delivers",
    "earns",
    "activities",
    "goods",
    "vendors",
    "engagement",
];

struct Row {
    id: String,
    description: String,
    /// (fact, value) stated, including `none` for a known empty list.
    stated: BTreeSet<(String, String)>,
    negated: BTreeSet<(String, String)>,
    /// Role ids `;`-joined in taxonomy order, or `unclassified` / `ambiguous`.
    roles: String,
}

fn rows() -> Vec<Row> {
    let path = support::fixture("text-evidence/descriptions.csv");
    let mut reader = csv::Reader::from_path(&path).expect("fixture");
    let headers = reader.headers().expect("header").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.expect("row");
        let mut stated = BTreeSet::new();
        for fact in FACTS {
            for v in record[col(&format!("label_{fact}"))]
                .split(';')
                .filter(|v| !v.is_empty())
            {
                stated.insert((fact.to_string(), v.to_string()));
            }
        }
        let negated = record[col("label_absent")]
            .split(';')
            .filter(|v| !v.is_empty())
            .map(|item| {
                let (f, v) = item.split_once('=').expect("fact=value");
                (f.to_string(), v.to_string())
            })
            .collect();
        out.push(Row {
            id: record[col("partner_id")].to_string(),
            description: record[col("description")].to_string(),
            stated,
            negated,
            roles: record[col("label_roles")].to_string(),
        });
    }
    out
}

use super::support;

/// What the engine read and decided for one description.
struct Read {
    stated: BTreeSet<(String, String)>,
    negated: BTreeSet<(String, String)>,
    roles: String,
}

fn read(rules: &RuleSet, description: &str) -> Read {
    let facts = vec![("description".to_string(), description.to_string())];
    let record = record_from_given(
        rules,
        &Given {
            id: "x",
            facts: &facts,
            ..Given::default()
        },
    )
    .expect("a description reads");
    let mut stated = BTreeSet::new();
    let mut negated = BTreeSet::new();
    for fact in FACTS {
        if let Some(ids) = record.facts.value_ids(rules, fact) {
            if ids.is_empty() {
                stated.insert((fact.to_string(), "none".to_string()));
            }
            for v in ids {
                stated.insert((fact.to_string(), v));
            }
        }
        for v in record.facts.negated_ids(rules, fact) {
            negated.insert((fact.to_string(), v));
        }
    }
    let c = classify(rules, &record);
    let roles = match c.status.as_str() {
        "classified" => c.roles.join(";"),
        other => other.to_string(),
    };
    Read {
        stated,
        negated,
        roles,
    }
}

fn pairs(set: &BTreeSet<(String, String)>) -> String {
    set.iter()
        .map(|(f, v)| format!("{f}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The measured figures, as the docs print them.
fn measure() -> (String, String) {
    let rules = RuleSet::builtin().expect("built-in rules");
    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    let (mut ntp, mut nfp, mut nfn) = (0usize, 0usize, 0usize);
    let (mut classified, mut profile_right, mut total) = (0usize, 0usize, 0usize);
    let mut detail = String::new();
    for row in rows() {
        let got = read(&rules, &row.description);
        total += 1;
        tp += got.stated.intersection(&row.stated).count();
        fp += got.stated.difference(&row.stated).count();
        fn_ += row.stated.difference(&got.stated).count();
        ntp += got.negated.intersection(&row.negated).count();
        nfp += got.negated.difference(&row.negated).count();
        nfn += row.negated.difference(&got.negated).count();
        if !matches!(got.roles.as_str(), "unclassified" | "ambiguous") {
            classified += 1;
        }
        if got.roles == row.roles {
            profile_right += 1;
        }
        let extra = pairs(&got.stated.difference(&row.stated).cloned().collect());
        let missed = pairs(&row.stated.difference(&got.stated).cloned().collect());
        let nextra = pairs(&got.negated.difference(&row.negated).cloned().collect());
        let nmissed = pairs(&row.negated.difference(&got.negated).cloned().collect());
        let _ = writeln!(
            detail,
            "{} {} (label {}){}{}{}{}",
            row.id,
            got.roles,
            row.roles,
            if extra.is_empty() {
                String::new()
            } else {
                format!("\n  read, not labeled: {extra}")
            },
            if missed.is_empty() {
                String::new()
            } else {
                format!("\n  labeled, not read: {missed}")
            },
            if nextra.is_empty() {
                String::new()
            } else {
                format!("\n  negated, not labeled: {nextra}")
            },
            if nmissed.is_empty() {
                String::new()
            } else {
                format!("\n  labeled negated, not read: {nmissed}")
            },
        );
    }
    let ratio = |a: usize, b: usize| {
        if b == 0 {
            "n/a".to_string()
        } else {
            format!("{:.2}", a as f64 / b as f64)
        }
    };
    let summary = format!(
        "| stated facts | {} | {} |\n| negated facts | {} | {} |\n\nstated: {tp} read right, {fp} read but not labeled, {fn_} labeled but not read; negated: {ntp} right, {nfp} not labeled, {nfn} not read.\n\nclassified (a role or a profile): {classified} of {total} ({}%) with text reading, 0 of {total} (0%) without; the role profile equals the label in {profile_right} of {total} ({}%).\n",
        ratio(tp, tp + fp),
        ratio(tp, tp + fn_),
        ratio(ntp, ntp + nfp),
        ratio(ntp, ntp + nfn),
        classified * 100 / total,
        profile_right * 100 / total,
    );
    (summary, detail)
}

/// Every label is checked: the outcome of each row (what was read beyond and short of the
/// labels, the profile decided) must be the one recorded, and the summary the one the docs
/// report.
#[test]
fn every_label_of_the_text_fixture_is_checked_and_the_docs_quote_the_figures() {
    let (summary, detail) = measure();
    let expected_path = support::fixture("text-evidence/expected.txt");
    let docs_path = support::root().join("docs/text-evidence.md");
    let docs = std::fs::read_to_string(&docs_path).expect("docs/text-evidence.md");
    let begin = "<!-- measured: begin -->\n";
    let end = "<!-- measured: end -->";
    let (head, rest) = docs
        .split_once(begin)
        .expect("measured markers in the docs");
    let (_, tail) = rest.split_once(end).expect("measured end marker");
    let table =
        format!("| facts read from text | precision | recall |\n|---|---:|---:|\n{summary}");
    if std::env::var_os("PARTNER_ROLES_UPDATE_TEXT").is_some() {
        std::fs::write(&expected_path, &detail).expect("write expected");
        std::fs::write(&docs_path, format!("{head}{begin}{table}{end}{tail}")).expect("docs");
        return;
    }
    let expected = std::fs::read_to_string(&expected_path).expect("expected.txt");
    assert_eq!(
        detail, expected,
        "what is read from the labeled descriptions changed; review, then rerun with PARTNER_ROLES_UPDATE_TEXT=1"
    );
    assert!(
        rest.starts_with(&table),
        "docs/text-evidence.md does not report the measured figures:\n{table}\n(rerun with PARTNER_ROLES_UPDATE_TEXT=1)"
    );
}
