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

/// `-o FILE` picks the format from every known extension, and refuses, before reading anything
/// and writing no file, an extension these records cannot be written as, saying what to run.
#[test]
fn output_extensions_pick_the_format_or_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    // (command, file name, how the written file starts, or the refusal's words)
    let cases: &[(&str, &str, Result<&str, &str>)] = &[
        ("classify", "out.csv", Ok("partner_id,")),
        ("classify", "out.CSV", Ok("partner_id,")),
        ("classify", "out.json", Ok("[")),
        ("classify", "out.jsonl", Ok("{")),
        ("classify", "out.ndjson", Ok("{")),
        ("classify", "out.md", Ok("|")),
        ("classify", "out.markdown", Ok("|")),
        ("classify", "out.txt", Ok("┌")),
        (
            "classify",
            "out.html",
            Err("partner-roles report ROSTER -o FILE.html"),
        ),
        ("classify", "out.xlsx", Err("write .csv")),
        ("classify", "out.tsv", Err("no format is written as .tsv")),
        (
            "audit",
            "out.htm",
            Err("partner-roles report ROSTER -o FILE.html"),
        ),
        ("report", "out.html", Ok("<!DOCTYPE html>")),
        ("report", "out.md", Ok("#")),
        (
            "report",
            "out.csv",
            Err("partner-roles classify ROSTER -o FILE.csv"),
        ),
    ];
    for (i, (command, name, want)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("{i}-{name}"));
        let out = bin()
            .args([*command, "-q", "-o"])
            .arg(&path)
            .arg(fixture("small-roster.csv"))
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        match want {
            Ok(start) => {
                assert!(
                    matches!(out.status.code(), Some(0 | 1)),
                    "{command} -o {name}: {stderr}"
                );
                let text = std::fs::read_to_string(&path).expect("written");
                assert!(
                    text.trim_start().starts_with(start),
                    "{command} -o {name}: {}",
                    &text[..text.len().min(80)]
                );
            }
            Err(words) => {
                assert_eq!(out.status.code(), Some(2), "{command} -o {name}: {stderr}");
                assert!(stderr.contains(words), "{command} -o {name}: {stderr}");
                assert!(!path.exists(), "{command} -o {name}: no file is written");
            }
        }
    }
}

/// On a terminal the table fits its width: no line is wider than the terminal, words wrap at
/// spaces (no wrapped line starts with one), and a terminal too narrow for the table gets a
/// block of labelled lines a record. Piped, the table is laid out as always.
#[test]
fn the_table_fits_the_terminal() {
    let binary = assert_cmd::cargo::cargo_bin("partner-roles");
    let roster = fixture("sample-roster.csv");
    for width in [60usize, 80, 120, 200] {
        let command = format!(
            "stty rows 50 cols {width}; {} classify -q {}",
            binary.display(),
            roster.display()
        );
        let Some(text) = crate::support::on_a_terminal(&command, "the terminal width test") else {
            return;
        };
        assert!(text.contains("P001"), "{width}: {text}");
        for line in text.lines() {
            assert!(line.chars().count() <= width, "{width}: {line:?}");
            assert!(
                !line.contains("│  ") || line.contains("│   "),
                "{width}: a wrapped line starts with a space: {line:?}"
            );
        }
        let table = text.contains('┌');
        assert_eq!(table, width >= 200, "{width}: table {table}:\n{text}");
        if !table {
            assert!(
                text.contains("\n  status         classified"),
                "{width}: {text}"
            );
        }
    }
    let piped =
        crate::support::stdout_of(bin().args(["classify", "-q", "-f", "table"]).arg(&roster));
    assert!(piped.starts_with('┌'));
    assert!(
        piped.lines().any(|l| l.chars().count() > 200),
        "piped: not fitted"
    );
}
