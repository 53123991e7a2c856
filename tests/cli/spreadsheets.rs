//! Rosters exported as spreadsheets (`fixtures/spreadsheets/`, written by its `make.py`): read
//! like a CSV export, each record numbered by its sheet row.

use crate::support::{bin, fixture, stdout_of};

fn records(args: &[&str]) -> Vec<serde_json::Value> {
    let mut cmd = bin();
    cmd.arg("classify").args(args).args(["--format", "jsonl"]);
    stdout_of(&mut cmd)
        .lines()
        .map(|l| serde_json::from_str(l).expect("jsonl"))
        .collect()
}

#[test]
fn xlsx_and_ods_read_like_csv_with_sheet_row_numbers() {
    for name in ["roster.xlsx", "roster.ods"] {
        let path = fixture("spreadsheets").join(name);
        let got: Vec<(u64, String, String, String)> = records(&[path.to_str().expect("path")])
            .iter()
            .map(|r| {
                (
                    r["line"].as_u64().expect("line"),
                    r["partner_id"].as_str().expect("id").to_string(),
                    r["role"].as_str().unwrap_or("").to_string(),
                    r["finding"].as_str().expect("finding").to_string(),
                )
            })
            .collect();
        let want = [
            (2, "T001", "value_added_reseller", "less_specific"),
            (3, "T002", "third_party_logistics", "mismatch"),
            // Row 4 is blank and skipped; a whole number reads without ".0"; a cell with a line
            // break is one cell.
            (5, "1003", "referral_partner", "mismatch"),
            (6, "6", "managed_service_provider", "agree"),
        ];
        assert_eq!(
            got.len(),
            want.len(),
            "{name}: one record per non-empty row"
        );
        for (g, w) in got.iter().zip(want) {
            assert_eq!((g.0, g.1.as_str(), g.2.as_str(), g.3.as_str()), w, "{name}");
        }
    }
    // A row without id is named by its sheet and row.
    let path = fixture("spreadsheets/roster.xlsx");
    let last = records(&[path.to_str().expect("path")])
        .pop()
        .expect("a record");
    assert!(
        last["warnings"]
            .as_array()
            .expect("warnings")
            .iter()
            .any(|w| w.as_str().unwrap_or("").contains("Partners!6")),
        "{last}"
    );
}

#[test]
fn a_sheet_is_chosen_by_name_and_a_missing_one_is_a_usage_error() {
    let path = fixture("spreadsheets/roster.xlsx");
    let path = path.to_str().expect("path");
    // The second sheet holds no roster rows: a header and nothing else.
    assert!(records(&[path, "--sheet", "summary"]).is_empty());
    bin()
        .args(["classify", path, "--sheet", "Nope"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no sheet named \"Nope\""))
        .stderr(predicates::str::contains("\"Partners\", \"Summary\""));
    bin()
        .args([
            "classify",
            fixture("sample-roster.csv").to_str().expect("path"),
            "--sheet",
            "Partners",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("is not a spreadsheet"));
}

#[test]
fn a_file_that_is_no_workbook_is_refused_with_what_to_do() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fake = dir.path().join("roster.xlsx");
    std::fs::write(&fake, "partner_id,transacts\nP1,partner\n").expect("write");
    bin()
        .args(["classify", fake.to_str().expect("path")])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("cannot read the spreadsheet"))
        .stderr(predicates::str::contains("export the sheet as CSV UTF-8"));
}
