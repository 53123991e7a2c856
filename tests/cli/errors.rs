//! Exit statuses and error messages: 0 success, 2 unusable input or bad usage, and messages
//! that say where and what to do.

use crate::support::{bin, fixture};
use predicates::str::contains;

#[test]
fn missing_roster_file_exits_2_and_names_it() {
    bin()
        .args(["classify", "no/such/roster.csv"])
        .assert()
        .code(2)
        .stderr(contains("no/such/roster.csv"));
}

#[test]
fn empty_roster_exits_2_and_says_what_to_do() {
    bin()
        .args(["classify"])
        .arg(fixture("bad/empty.csv"))
        .assert()
        .code(2)
        .stderr(contains("empty.csv: the roster is empty"))
        .stderr(contains("help: the first line must be a header row"));
}

#[test]
fn header_only_roster_yields_no_records() {
    bin()
        .args(["classify", "--format", "jsonl"])
        .arg(fixture("bad/header-only.csv"))
        .assert()
        .success()
        .stdout("")
        .stderr(contains("0 rows read: 0 classified"));
}

#[test]
fn unreadable_row_becomes_an_error_record_and_nothing_is_lost() {
    let out = bin()
        .args(["classify", "--format", "jsonl"])
        .arg(fixture("bad/invalid-utf8.csv"))
        .output()
        .expect("runs");
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .expect("output is utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(lines.len(), 3, "three rows in, three records out");
    assert_eq!(lines[1]["status"], "error");
    let reason = lines[1]["reasons"][0].as_str().expect("reason");
    assert!(
        reason.contains("line 3, column 2 (partner_name)") && reason.contains("UTF-8"),
        "{reason}"
    );
    assert_eq!(lines[0]["status"], "classified");
    assert_eq!(lines[2]["status"], "classified");
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 error;"));
}

#[test]
fn ragged_rows_are_classified_with_a_warning() {
    let got = crate::support::classify_jsonl(&fixture("bad/ragged.csv"));
    assert_eq!(got.len(), 2);
    assert!(
        got[0]["warnings"]
            .to_string()
            .contains("the row has 4 cells and the header 6"),
        "{}",
        got[0]
    );
    assert!(
        got[1]["warnings"].to_string().contains("extra cells"),
        "{}",
        got[1]
    );
    assert_eq!(got[0]["status"], "unclassified");
    assert_eq!(got[1]["role"], "reseller");
}

#[test]
fn usage_errors_exit_2_and_say_what_was_expected() {
    bin().assert().code(2).stderr(contains("Usage"));
    bin()
        .args(["classify"])
        .assert()
        .code(2)
        .stderr(contains("<ROSTER.csv>"));
    bin()
        .args(["classify", "x.csv", "--format", "xml"])
        .assert()
        .code(2)
        .stderr(contains(
            "possible values: table, csv, json, jsonl, markdown",
        ));
    bin()
        .args(["classify", "x.csv", "--delimiter", "ab"])
        .assert()
        .code(2)
        .stderr(contains("expected one ASCII character"));
}

#[test]
fn help_and_version_exit_0() {
    bin()
        .arg("--help")
        .assert()
        .success()
        .stdout(contains("classify"));
    bin().arg("--version").assert().success();
    bin()
        .args(["classify", "--help"])
        .assert()
        .success()
        .stdout(contains("Examples:"));
    bin()
        .args(["check", "--help"])
        .assert()
        .success()
        .stdout(contains("Examples:"));
}

#[test]
fn semicolon_delimited_roster_with_delimiter_flag() {
    let roster = "partner_id;transacts;sells_to;earns;delivers\nX1;partner;end_customers;margin|volume;none\n";
    let out = bin()
        .args([
            "classify",
            "-",
            "--delimiter",
            ";",
            "--format",
            "jsonl",
            "-q",
        ])
        .write_stdin(roster)
        .output()
        .expect("runs");
    let rec: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(rec["role"], "reseller");
}

/// A roster the rules cannot read a fact from (a wrong delimiter, misspelled headers) is said
/// on standard error before the summary (or the explanation), even with --quiet, with what to
/// do; --strict refuses it with exit status 2.
#[test]
fn a_roster_with_no_column_the_rules_read_is_said_and_refused_with_strict() {
    let dir = tempfile::tempdir().expect("temp dir");
    let semicolons = dir.path().join("semicolons.csv");
    std::fs::write(
        &semicolons,
        "partner_id;transacts;earns\nA;partner;margin\n",
    )
    .expect("write");
    let typos = dir.path().join("typos.csv");
    std::fs::write(&typos, "partner_id,Transact,Earning\nA,partner,margin\n").expect("write");
    // (roster, extra arguments, what the warning says)
    let cases = [
        (
            &semicolons,
            vec!["--delimiter", ","],
            "pass --delimiter \";\"",
        ),
        (
            &typos,
            vec![],
            "\"Transact\" -> transacts, \"Earning\" -> earns",
        ),
    ];
    for (roster, extra, says) in cases {
        for command in ["classify", "audit", "report", "explain"] {
            let how: &[&str] = match command {
                "report" => &["-q", "-f", "markdown"],
                "explain" => &["--row", "1"],
                _ => &["-q", "-f", "csv"],
            };
            let run = |strict: &[&str]| {
                bin()
                    .arg(command)
                    .args(how)
                    .args(strict)
                    .args(&extra)
                    .arg(roster)
                    .output()
                    .expect("runs")
            };
            let out = run(&[]);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(0), "{command}: {stderr}");
            assert!(
                stderr.contains("warning:")
                    && stderr.contains("no column of the roster is one the rules read")
                    && stderr.contains(says),
                "{command}: {stderr}"
            );
            let strict = run(&["--strict"]);
            let stderr = String::from_utf8_lossy(&strict.stderr);
            assert_eq!(
                strict.status.code(),
                Some(2),
                "{command} --strict: {stderr}"
            );
            assert!(stderr.contains(says), "{command} --strict: {stderr}");
            assert!(
                strict.stdout.is_empty(),
                "{command} --strict writes nothing"
            );
        }
    }
    // A roster the rules can read says nothing of the kind.
    let out = bin()
        .args(["classify", "-q", "-f", "csv"])
        .arg(fixture("sample-roster.csv"))
        .output()
        .expect("runs");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
