//! Table-driven `check` cases from `fixtures/check-cases.csv`: the glossary's textbook records
//! and each confusable pair, given as flags.

use crate::support::{bin, check_reseller, csv_rows, fixture};

#[test]
fn check_cases_from_fixture() {
    let cases = csv_rows(&fixture("check-cases.csv"));
    assert!(cases.len() >= 20);
    let mut failures = Vec::new();
    for case in &cases {
        let mut cmd = bin();
        cmd.args(["check", "--format", "json"]);
        cmd.args(case["args"].split_whitespace());
        let out = cmd.output().expect("runs");
        if !out.status.success() {
            failures.push(format!(
                "{}: exit {:?}: {}",
                case["name"],
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            ));
            continue;
        }
        let rec: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let role = rec["role"].as_str().unwrap_or("");
        let reasons = rec["reasons"].to_string();
        let wanted_text = case["reason_contains"].replace('"', "\\\"");
        if rec["status"] != case["status"].as_str()
            || role != case["role"]
            || !reasons.contains(&wanted_text)
        {
            failures.push(format!(
                "{}: want {} {:?} with {:?}; got {} {:?}; reasons {}",
                case["name"],
                case["status"],
                case["role"],
                case["reason_contains"],
                rec["status"],
                role,
                reasons
            ));
        }
        assert!(
            rec["reasons"].as_array().is_some_and(|r| !r.is_empty()),
            "{}: reasons",
            case["name"]
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn check_text_output_shows_the_reasoning() {
    let text = check_reseller(&["--delivers", "none", "--declared", "VAR"]);
    insta::assert_snapshot!("check_declared_var_is_reseller", text);
}

#[test]
fn check_rejects_a_fact_the_rules_do_not_know() {
    bin()
        .args(["check", "--fact", "colour=blue"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no fact \"colour\""));
    bin()
        .args(["check", "--fact", "earns"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("expected NAME=VALUE"));
}

/// The fact flags come from the loaded rule set's vocabulary: a rule set with a fact of its own
/// gets a flag for it, in the help and on the command line.
#[test]
fn fact_flags_come_from_the_rule_set() {
    let dir = crate::support::exported_rules();
    let vocabulary = dir.path().join("vocabulary.yaml");
    let yaml = std::fs::read_to_string(&vocabulary).expect("exported vocabulary");
    let yaml = yaml.replacen(
        "    - name: notes\n",
        "    - name: partner_tier\n      kind: one\n      description: The tier of the partner program.\n      values:\n        - id: gold\n        - id: silver\n\n    - name: notes\n",
        1,
    );
    std::fs::write(&vocabulary, yaml).expect("write");
    let rules = dir.path().to_str().expect("path").to_string();
    let help = crate::support::stdout_of(
        crate::support::bin().args(["check", "--rules", &rules, "--help"]),
    );
    assert!(help.contains("--partner-tier <VALUE>"), "{help}");
    assert!(
        help.contains("The tier of the partner program [one of: gold, silver]"),
        "{help}"
    );
    assert!(help.contains("--transacts <VALUE>"), "{help}");
    crate::support::bin()
        .args([
            "check",
            "--rules",
            &rules,
            "--partner-tier",
            "gold",
            "--transacts",
            "partner",
        ])
        .assert()
        .success();
    // The built-in rule set has no such fact: an unknown flag, with clap's usage error.
    crate::support::bin()
        .args(["check", "--partner-tier", "gold"])
        .assert()
        .code(2);
}

/// `check` with no fact is a usage error naming every way to give one, not a dump of twelve
/// possible roles; `explain` without --id or --row names both.
#[test]
fn check_and_explain_usage_errors_name_every_way_to_call_them() {
    bin()
        .arg("check")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--transacts"))
        .stderr(predicates::str::contains("--fact NAME=VALUE"))
        .stderr(predicates::str::contains("--text"));
    bin()
        .args(["explain"])
        .arg(crate::support::fixture("sample-roster.csv"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--id <ID>|--row <ROW>"));
}

/// The reasons name at most four roles ruled out by one condition each, and say which others
/// are (instead of stopping silently).
#[test]
fn ruled_out_alternatives_past_four_are_named() {
    let out = crate::support::stdout_of(bin().args([
        "check",
        "--transacts",
        "vendor",
        "--delivers",
        "none",
        "--activities",
        "leads,introductions",
        "--declared",
        "Reseller;Managed Service Provider",
        "--format",
        "json",
    ]));
    let record: serde_json::Value = serde_json::from_str(&out).expect("json");
    let reasons: Vec<&str> = record["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .filter_map(|r| r.as_str())
        .collect();
    let shown = reasons.iter().filter(|r| r.starts_with("Not a")).count();
    assert_eq!(shown, 4, "{reasons:#?}");
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("Also ruled out by one condition each: third_party_logistics")),
        "{reasons:#?}"
    );
}
