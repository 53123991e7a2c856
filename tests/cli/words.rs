//! One vocabulary (readable-output issue, item 6): the words listed in `docs/words.md` are the
//! ones every output uses, and the retired synonyms it lists appear in none.

use crate::support::{bin, check_reseller, fixture, root, stdout_of};

/// The (field, label) pairs of the table in `docs/words.md`.
fn words() -> Vec<(String, String)> {
    let doc = std::fs::read_to_string(root().join("docs/words.md")).expect("docs/words.md");
    let pairs: Vec<(String, String)> = doc
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (cells[2].trim_matches('`').to_string(), cells[3].to_string())
        })
        .collect();
    assert_eq!(pairs.len(), 9, "the table of docs/words.md: {pairs:?}");
    pairs
}

/// The synonyms `docs/words.md` retires, as headers would carry them.
fn retired() -> Vec<String> {
    let doc = std::fs::read_to_string(root().join("docs/words.md")).expect("docs/words.md");
    let line = doc
        .split("Retired synonyms")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .expect("a retired-synonyms paragraph")
        .to_string();
    line.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

#[test]
fn every_output_uses_the_documented_words() {
    let roster = fixture("sample-roster.csv");
    let run = |args: &[&str]| stdout_of(bin().args(args).arg(&roster).arg("-q"));
    let csv_header = first_line(&run(&["classify", "--format", "csv"])).to_string();
    let markdown_header = first_line(&run(&["classify", "--format", "markdown"])).to_string();
    let table = run(&["classify", "--format", "table"]);
    let table_header = table.lines().nth(1).unwrap_or("").to_string();
    let jsonl = run(&["classify", "--format", "jsonl"]);
    let record: serde_json::Value = serde_json::from_str(first_line(&jsonl)).expect("a JSON line");
    let report_md = run(&["report", "--format", "markdown", "-o", "/dev/stdout"]);
    let details_md = report_md
        .lines()
        .find(|l| l.starts_with("| partner_id | partner_name | status | role"))
        .expect("the report's partners table")
        .to_string();
    let html = run(&["report", "--format", "html", "-o", "/dev/stdout"]);
    let details_html = html
        .lines()
        .find(|l| l.contains("<thead><tr><th>partner</th>"))
        .expect("the report's partners table")
        .to_string();
    let check = check_reseller(&["--declared", "VAR"]);
    for (field, label) in words() {
        assert!(
            csv_header.split(',').any(|c| c == field),
            "CSV header lacks {field}: {csv_header}"
        );
        assert!(record.get(&field).is_some(), "JSON lacks {field}");
        assert!(
            markdown_header.contains(&format!("| {field} |")),
            "Markdown header lacks {field}: {markdown_header}"
        );
        // The table shows one reason; the report's partners table has no category.
        if field != "reasons" {
            let label = if field == "reasons" {
                "reason"
            } else {
                label.as_str()
            };
            assert!(
                table_header.contains(&format!("│ {label} ")) || table_header.contains(label),
                "table header lacks {label}: {table_header}"
            );
        }
        if field != "category" {
            assert!(
                details_md.contains(&format!("| {field} |")),
                "report Markdown lacks {field}: {details_md}"
            );
        }
        if !matches!(field.as_str(), "category" | "partner_id" | "partner_name") {
            assert!(
                details_html.contains(&format!(">{label}</th>")),
                "report HTML lacks {label}: {details_html}"
            );
        }
        if matches!(
            field.as_str(),
            "status" | "role" | "confidence" | "declared_role" | "reasons"
        ) {
            assert!(
                check.lines().any(|l| l.starts_with(label.as_str())),
                "check lacks {label}:\n{check}"
            );
        }
    }
    assert!(table_header.contains("reason"), "{table_header}");
    for word in retired() {
        for (what, header) in [
            ("table", table_header.as_str()),
            ("Markdown", markdown_header.as_str()),
            ("report Markdown", details_md.as_str()),
        ] {
            let cells: Vec<&str> = header.split(['|', '│']).map(str::trim).collect();
            assert!(
                !cells.contains(&word.as_str()),
                "{what} header has {word:?}: {header}"
            );
        }
        assert!(
            !html.contains(&format!(">{word}</th>")),
            "the HTML report has a {word:?} column"
        );
        assert!(
            !report_md.lines().any(|l| l.starts_with("| ")
                && l.split('|').map(str::trim).any(|c| c == word)
                && l.contains("partner_id")),
            "a report Markdown table has a {word:?} column"
        );
    }
}

#[test]
fn summaries_use_the_documented_words() {
    let roster = fixture("small-roster.csv");
    let stderr = |command: &str| {
        let out = bin()
            .args([command, "--format", "csv", "--fail-on", "never"])
            .arg(&roster)
            .output()
            .expect("runs");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let classify = bin()
        .args(["classify", "--format", "csv"])
        .arg(&roster)
        .output()
        .expect("runs");
    let classify = String::from_utf8_lossy(&classify.stderr);
    assert!(
        classify.contains("5 rows read: 4 classified, 0 ambiguous, 1 unclassified, 0 error; 2 mismatch with the declared role"),
        "{classify}"
    );
    let audit = stderr("audit");
    assert!(
        audit.contains("5 rows read: 1 agree, 2 mismatch, 0 unconfirmed, 0 less_specific, 1 incomplete, 1 undeclared, 0 error"),
        "{audit}"
    );
}
