//! Snapshots of every output format on a small roster (insta). A change to any layout shows
//! up as a reviewed snapshot diff.

use crate::support::{bin, fixture, stdout_of};

fn render(format: &str) -> String {
    stdout_of(
        bin()
            .args(["classify", "--format", format, "-q"])
            .arg(fixture("small-roster.csv")),
    )
}

#[test]
fn table() {
    insta::assert_snapshot!("format_table", render("table"));
}

#[test]
fn csv() {
    insta::assert_snapshot!("format_csv", render("csv"));
}

#[test]
fn json() {
    let text = render("json");
    let parsed: serde_json::Value = serde_json::from_str(&text).expect("one JSON array");
    assert_eq!(parsed.as_array().map(Vec::len), Some(5));
    insta::assert_snapshot!("format_json", text);
}

#[test]
fn jsonl() {
    insta::assert_snapshot!("format_jsonl", render("jsonl"));
}

#[test]
fn markdown() {
    let text = render("markdown");
    assert!(
        text.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "roster text is escaped"
    );
    insta::assert_snapshot!("format_markdown", text);
}

#[test]
fn format_follows_the_output_extension() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("out.jsonl");
    bin()
        .args(["classify", "-q", "-o"])
        .arg(&path)
        .arg(fixture("small-roster.csv"))
        .assert()
        .success();
    let text = std::fs::read_to_string(&path).expect("written");
    assert_eq!(text.lines().count(), 5);
    assert!(text.lines().all(|l| l.starts_with('{')));
}

#[test]
fn csv_is_the_default_when_not_a_terminal() {
    let out = bin()
        .args(["classify", "-q"])
        .arg(fixture("small-roster.csv"))
        .output()
        .expect("runs");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        text.starts_with("partner_id,partner_name,declared_role"),
        "{text}"
    );
    assert!(
        text.lines()
            .next()
            .unwrap_or("")
            .contains(",result_declared_role,"),
        "the input's own declared_role column keeps its name"
    );
}
