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
            "42 records read: 24 agree, 13 mismatch, 2 unconfirmed, 3 undeclared, 0 errors"
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
    let unconfirmed = "partner_id,declared_role,transacts,earns,activities\nU1,Referral Partner,vendor,commission,leads;content\n";
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
