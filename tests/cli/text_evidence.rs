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

/// Descriptions put together from clauses that state facts, followed by one that negates what a
/// role needs: whatever the other clauses say, no record holds a role a negated phrase rules out.
mod negation {
    use partner_roles::engine::classify;
    use partner_roles::facts::{Given, record_from_given};
    use partner_roles::rules::RuleSet;
    use proptest::prelude::*;

    const CLAUSES: [&str; 16] = [
        "buys and resells licences to end customers at a markup",
        "implements and integrates the platform",
        "runs it as a managed service for a monthly fee",
        "sends qualified leads for a referral fee",
        "writes comparison posts and reviews for a commission per sign-up",
        "speaks at our meetups and gets swag",
        "warehouses, picks, packs and ships hardware for a per-order fee",
        "sells to retailers and VARs and earns volume rebates",
        "embeds our engine in its own product and sells it under its own brand",
        "our apps integrate natively and we co-market",
        "paid service fees after the reseller closes the deal",
        "designs multi-vendor solutions under a statement of work",
        "provisions subscriptions and sets up SSO",
        "helpdesk and 24/7 monitoring on a retainer",
        "introduces CFOs from its network",
        "a long-standing partner in the region",
    ];

    /// (negating sentence, roles it rules out): each role listed needs what the sentence denies.
    const NEGATIONS: [(&str, &[&str]); 5] = [
        (
            "Does not resell anything.",
            &["reseller", "value_added_reseller", "distributor"],
        ),
        ("Takes no margin.", &["reseller", "value_added_reseller"]),
        (
            "Never earns a commission.",
            &["referral_partner", "b2b_affiliate"],
        ),
        (
            "No warehousing, picking, packing or shipping whatsoever.",
            &["third_party_logistics"],
        ),
        ("It does not sell to resellers.", &["distributor"]),
    ];

    fn rules() -> &'static RuleSet {
        static RULES: std::sync::OnceLock<RuleSet> = std::sync::OnceLock::new();
        RULES.get_or_init(|| RuleSet::builtin().expect("built-in rules"))
    }

    proptest! {
        #[test]
        fn a_negated_need_is_never_held(
            picks in proptest::collection::vec(0..CLAUSES.len(), 1..5),
            negation in 0..NEGATIONS.len(),
            before in any::<bool>(),
        ) {
            let (denial, ruled_out) = NEGATIONS[negation];
            let clauses: Vec<&str> = picks.iter().map(|&i| CLAUSES[i]).collect();
            let positive = format!("{}.", clauses.join("; "));
            let text = if before {
                format!("{denial} {positive}")
            } else {
                format!("{positive} {denial}")
            };
            let facts = vec![("description".to_string(), text.clone())];
            let record = record_from_given(
                rules(),
                &Given { id: "x", facts: &facts, ..Given::default() },
            )
            .expect("reads");
            let c = classify(rules(), &record);
            for role in ruled_out {
                // Even where another clause states the value (the negation stands).
                prop_assert!(
                    !c.roles.contains(role),
                    "{text:?} holds {role}, which {denial:?} rules out: {:?}",
                    c.roles
                );
            }
        }
    }
}

/// `--evidence` switches text reading off (`columns`) or column reading off (`text`).
#[test]
fn evidence_chooses_where_facts_come_from() {
    let roster = support::fixture("text-roster.csv");
    let status_of = |evidence: &str| -> Vec<(String, String)> {
        let out = support::stdout_of(support::bin().args([
            "classify",
            roster.to_str().expect("path"),
            "--format",
            "jsonl",
            "--evidence",
            evidence,
        ]));
        out.lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).expect("jsonl");
                (
                    v["partner_id"].as_str().unwrap_or("").to_string(),
                    v["role"]
                        .as_str()
                        .unwrap_or(v["status"].as_str().unwrap_or(""))
                        .to_string(),
                )
            })
            .collect()
    };
    let columns = status_of("columns");
    let text = status_of("text");
    let both = status_of("both");
    // The description alone decides Acme Cloud: nothing without it.
    assert_eq!(columns[0], ("T001".into(), "unclassified".into()));
    assert_eq!(both[0], ("T001".into(), "value_added_reseller".into()));
    // Cobalt Works' column says project fees, its description a margin: the column wins
    // unless only the text is read.
    assert_eq!(both[8], ("T009".into(), "unclassified".into()));
    assert_eq!(text[8], ("T009".into(), "value_added_reseller".into()));
    // Sentinel Ops' fee is only in its column.
    assert_eq!(text[4], ("T005".into(), "unclassified".into()));
    assert_eq!(both[4], ("T005".into(), "managed_service_provider".into()));
}

/// `explain` lists every phrase hit with how it was read, and `check --text` reads a
/// description as a prose cell.
#[test]
fn explain_and_check_show_the_words() {
    let roster = support::fixture("text-roster.csv");
    let out = support::stdout_of(support::bin().args([
        "explain",
        roster.to_str().expect("path"),
        "--id",
        "T009",
    ]));
    assert!(
        out.contains("Text (phrases found in prose columns)"),
        "{out}"
    );
    assert!(out.contains("stated   \"Resells\""), "{out}");
    assert!(out.contains("the fact's own column wins"), "{out}");
    let out = support::stdout_of(support::bin().args([
        "explain",
        roster.to_str().expect("path"),
        "--id",
        "T003",
    ]));
    assert!(out.contains("negated  \"resell\""), "{out}");
    assert!(out.contains("transacts    not partner"), "{out}");

    let out = support::stdout_of(support::bin().args([
        "check",
        "--text",
        "Warehousing, pick and pack and shipping for our hardware kits",
        "--declared",
        "Fulfillment Partner",
    ]));
    assert!(out.contains("third_party_logistics"), "{out}");
    assert!(out.contains("mismatch"), "{out}");
    assert!(
        out.contains("From the text: delivers warehousing, pick_and_pack, shipping"),
        "{out}"
    );
}

/// `rules show` lists a value's cell texts and phrases; `rules lint` reports a phrase stating
/// two values of a one-valued fact, a phrase inside a cue, and phrases no test uses.
#[test]
fn rule_authors_see_and_lint_the_phrases() {
    let out = support::stdout_of(support::bin().args(["rules", "show", "earns.recurring_fees"]));
    assert!(out.contains("in text (description, notes):"), "{out}");
    assert!(out.contains("\"retainer\""), "{out}");
    assert!(!out.contains("service_fees"), "{out}");

    let dir = support::exported_rules();
    let text = dir.path().join("text.yaml");
    let yaml = std::fs::read_to_string(&text).expect("text.yaml exported");
    let yaml = yaml
        .replacen(
            "      vendor: [",
            "      vendor: [\"direct billing\", \"longer\", ",
            1,
        )
        .replacen(
            "      partner: [",
            "      partner: [\"direct billing\", ",
            1,
        );
    std::fs::write(&text, yaml).expect("write");
    let assert = support::bin()
        .args([
            "rules",
            "lint",
            "--rules",
            dir.path().to_str().expect("path"),
        ])
        .assert();
    let out = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(
        out.contains("warning[phrase_conflict]: the phrase \"direct billing\" states two values of the one-valued fact transacts"),
        "{out}"
    );
    assert!(
        out.contains("warning[phrase_in_cue]: the phrase \"longer\" is part of the negation cue \"no longer\""),
        "{out}"
    );
    // The exported tests come along: the untested phrases are counted, and accepted.
    assert!(out.contains("accepted[untested_phrases]"), "{out}");
}

/// A reader that stops early (`| head`) ends the command quietly, with status 0.
#[test]
fn check_into_a_closed_pipe_is_no_panic() {
    use std::io::Read as _;
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("partner-roles"))
        .args([
            "check",
            "--text",
            "Resells our licenses to SMBs and runs implementation projects",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // Close our end of standard output at once.
    drop(child.stdout.take());
    let status = child.wait().expect("wait");
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("read");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(status.code(), Some(0), "{err}");
}
