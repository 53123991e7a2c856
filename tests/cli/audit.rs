//! `audit`: exactly the records with wrong or unconfirmed declarations, the summary, and the
//! exit status under each `--fail-on`.

use crate::support::{bin, csv_rows, fixture};
use predicates::str::contains;

#[test]
fn lists_exactly_the_known_wrong_and_unconfirmed_declarations() {
    let expected = csv_rows(&fixture("expected-audit/sample-roster.csv"));
    let out = bin()
        .args(["audit", "--format", "jsonl"])
        .arg(fixture("sample-roster.csv"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1), "mismatches exit 1");
    let got: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let got_rows: Vec<(String, String, String, String)> = got
        .iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or("").to_string();
            (s("partner_id"), s("finding"), s("declared_role"), s("role"))
        })
        .collect();
    let want_rows: Vec<(String, String, String, String)> = expected
        .iter()
        .map(|r| {
            (
                r["partner_id"].clone(),
                r["finding"].clone(),
                r["declared_role"].clone(),
                r["role"].clone(),
            )
        })
        .collect();
    assert_eq!(got_rows, want_rows);
    for rec in &got {
        assert!(!rec["reasons"].as_array().expect("reasons").is_empty());
    }
    let stderr = String::from_utf8(out.stderr).expect("utf-8");
    assert!(
        stderr.contains(
            "42 rows read: 24 agree, 12 mismatch, 0 unconfirmed, 1 less_specific, 2 incomplete, 3 undeclared, 0 error"
        ),
        "{stderr}"
    );
}

#[test]
fn fail_on_changes_the_exit_status() {
    let roster = fixture("sample-roster.csv");
    bin()
        .args(["audit", "-q", "--fail-on", "never"])
        .arg(&roster)
        .assert()
        .code(0);
    bin()
        .args(["audit", "-q", "--fail-on", "mismatch"])
        .arg(&roster)
        .assert()
        .code(1);
    // A roster whose only finding is an unconfirmed declaration.
    // (A reseller on the evidence; whether it also supplies resellers is not recorded.)
    let unconfirmed =
        "partner_id,declared_role,transacts,earns\nU1,Distributor,partner,resale_margin;volume\n";
    bin()
        .args(["audit", "-", "-q"])
        .write_stdin(unconfirmed)
        .assert()
        .code(0);
    bin()
        .args([
            "audit",
            "-",
            "-q",
            "--fail-on",
            "unconfirmed",
            "--format",
            "jsonl",
        ])
        .write_stdin(unconfirmed)
        .assert()
        .code(1)
        .stdout(contains("\"finding\":\"unconfirmed\""));
}

/// Rows that cannot be read (a cp1252 export read as UTF-8) fail an audit when asked:
/// `--fail-on error`; the default gate (mismatches) lets them through, counted in the summary.
#[test]
fn unreadable_rows_fail_the_audit_with_fail_on_error() {
    let run = |fail_on: &[&str]| {
        bin()
            .args(["audit", "-q"])
            .args(fail_on)
            .arg(fixture("bad/invalid-utf8.csv"))
            .output()
            .expect("runs")
            .status
            .code()
    };
    assert_eq!(run(&[]), Some(0), "no mismatch: the default gate passes");
    assert_eq!(run(&["--fail-on", "error"]), Some(1));
    assert_eq!(run(&["--fail-on", "mismatch,error"]), Some(1));
    let out = bin()
        .args(["audit", "--fail-on", "never"])
        .arg(fixture("bad/invalid-utf8.csv"))
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(", 1 error"), "{stderr}");
}

#[test]
fn each_finding_can_fail_the_run() {
    // V1 is less specific (declared reseller, held VAR), V2 incomplete (declared VAR, held VAR
    // and MSP), V3 agrees.
    let roster = "partner_id,declared_role,transacts,sells_to,delivers,earns\n\
        V1,Reseller,partner,end_customers,implementation,margin\n\
        V2,VAR,partner,end_customers,implementation;operations,margin;recurring_fees\n\
        V3,VAR/MSP,partner,end_customers,implementation;operations,margin;recurring_fees\n";
    let run = |fail_on: &str| {
        bin()
            .args(["audit", "-", "-q", "--fail-on", fail_on])
            .write_stdin(roster)
            .output()
            .expect("runs")
            .status
            .code()
    };
    assert_eq!(run("mismatch"), Some(0), "no declared role is wrong");
    assert_eq!(run("unconfirmed"), Some(0));
    assert_eq!(run("less_specific"), Some(1));
    assert_eq!(run("incomplete"), Some(1));
    assert_eq!(run("mismatch,incomplete"), Some(1));
    assert_eq!(run("undeclared"), Some(0));
    assert_eq!(run("agree"), Some(1));
    assert_eq!(
        run("incomplete,never"),
        Some(2),
        "never with findings is a usage error, not a silent off switch"
    );
    let out = bin()
        .args(["audit", "-", "--all", "--format", "jsonl"])
        .write_stdin(roster)
        .output()
        .expect("runs");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let findings: Vec<(String, bool)> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json"))
        .map(|r| {
            (
                r["finding"].as_str().expect("finding").to_string(),
                r["matches_declared"].as_bool().expect("declared"),
            )
        })
        .collect();
    assert_eq!(
        findings,
        [
            ("less_specific".to_string(), true),
            ("incomplete".to_string(), true),
            ("agree".to_string(), true)
        ]
    );
    let stderr = String::from_utf8(out.stderr).expect("utf-8");
    assert!(
        stderr.contains("3 rows read: 1 agree, 0 mismatch, 0 unconfirmed, 1 less_specific, 1 incomplete, 0 undeclared, 0 error"),
        "{stderr}"
    );
}

#[test]
fn all_lists_every_record_with_its_finding() {
    let out = bin()
        .args([
            "audit",
            "--all",
            "--format",
            "csv",
            "-q",
            "--fail-on",
            "never",
        ])
        .arg(fixture("sample-roster.csv"))
        .output()
        .expect("runs");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(text.lines().count(), 43, "header and 42 records");
    assert!(text.lines().next().expect("header").contains(",finding,"));
}

#[test]
fn audit_table_shows_why_it_is_not_the_declared_role() {
    let out = bin()
        .args(["audit", "--format", "table", "-q"])
        .arg(fixture("small-roster.csv"))
        .output()
        .expect("runs");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    insta::assert_snapshot!("audit_table_small", text);
}

/// classify and audit count in the same words: rows read, then the words of the `status` or
/// the `finding` column; one row is "1 row read".
#[test]
fn summaries_speak_the_output_columns_words() {
    let dir = tempfile::tempdir().expect("temp dir");
    let roster = dir.path().join("one.csv");
    std::fs::write(
        &roster,
        "partner_id,transacts,earns\nA,partner,resale_margin\n",
    )
    .expect("write");
    let classify = bin()
        .args(["classify", "-f", "csv"])
        .arg(&roster)
        .output()
        .expect("runs");
    let audit = bin()
        .args(["audit", "-f", "csv", "--fail-on", "never"])
        .arg(&roster)
        .output()
        .expect("runs");
    assert_eq!(
        String::from_utf8_lossy(&classify.stderr).trim(),
        "1 row read: 1 classified, 0 ambiguous, 0 unclassified, 0 error; 0 mismatch with the declared role"
    );
    assert_eq!(
        String::from_utf8_lossy(&audit.stderr).trim(),
        "1 row read: 0 agree, 0 mismatch, 0 unconfirmed, 0 less_specific, 0 incomplete, 1 undeclared, 0 error"
    );
}
