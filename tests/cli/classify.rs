//! Table-driven: every roster under `fixtures/` that has an expectation file under
//! `fixtures/expected/` is classified, and each output record is compared in order: `line`,
//! `partner_id`, `status` and `role` always, and `roles` (`;`-joined), `finding` and
//! `matches_declared` when the expectation file has those columns.

use std::path::Path;

use crate::support::{classify_jsonl, csv_rows, fixture};

fn check_roster(name: &str) {
    let expected = csv_rows(&fixture("expected").join(name));
    let got = classify_jsonl(&fixture(name));
    assert_eq!(
        got.len(),
        expected.len(),
        "{name}: one output record per input row"
    );
    let mut failures = Vec::new();
    for (want, rec) in expected.iter().zip(&got) {
        let role = rec["role"].as_str().unwrap_or("");
        let line = rec["line"].as_u64().unwrap_or(0).to_string();
        let roles: Vec<&str> = rec["roles"]
            .as_array()
            .expect("roles is a list")
            .iter()
            .map(|r| r.as_str().expect("role ids"))
            .collect();
        let matches = match rec["matches_declared"].as_bool() {
            Some(b) => b.to_string(),
            None => String::new(),
        };
        let optional = [
            ("roles", roles.join(";")),
            ("finding", rec["finding"].as_str().unwrap_or("").to_string()),
            ("matches_declared", matches),
        ];
        let optional_differ = optional
            .iter()
            .any(|(k, v)| want.get(*k).is_some_and(|w| w != v));
        if rec["partner_id"] != want["partner_id"].as_str()
            || rec["status"] != want["status"].as_str()
            || role != want["role"]
            || line != want["line"]
            || optional_differ
        {
            failures.push(format!(
                "line {}: want {} {} {:?} {:?}, got {} {} {:?} {:?}; reasons: {}",
                want["line"],
                want["partner_id"],
                want["status"],
                want["role"],
                want,
                rec["partner_id"],
                rec["status"],
                role,
                optional,
                rec["reasons"]
            ));
        }
        let reasons = rec["reasons"].as_array().expect("reasons is a list");
        assert!(
            !reasons.is_empty(),
            "{name} line {}: every record has reasons",
            want["line"]
        );
    }
    assert!(failures.is_empty(), "{name}:\n{}", failures.join("\n"));
}

#[test]
fn every_fixture_roster_matches_its_expectations() {
    let dir = fixture("expected");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixtures/expected exists")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".csv"))
        .collect();
    names.sort();
    assert!(
        names.len() >= 2,
        "the sample and messy rosters have expectations"
    );
    for name in names {
        assert!(
            Path::new(&fixture(&name)).exists(),
            "{name}: expectation without a roster"
        );
        check_roster(&name);
    }
}

#[test]
fn sample_roster_covers_every_role_twice() {
    let got = classify_jsonl(&fixture("sample-roster.csv"));
    for role in [
        "fulfillment_partner",
        "systems_integrator",
        "managed_service_provider",
        "reseller",
        "value_added_reseller",
        "distributor",
        "referral_partner",
        "b2b_affiliate",
        "partner_ambassador",
        "oem_partner",
        "technology_alliance",
        "third_party_logistics",
    ] {
        let n = got.iter().filter(|r| r["role"] == role).count();
        assert!(
            n >= 2,
            "{role} is classified {n} times in the sample roster"
        );
    }
}

#[test]
fn records_carry_the_contract_fields() {
    let got = classify_jsonl(&fixture("sample-roster.csv"));
    for rec in &got {
        for field in [
            "partner_id",
            "partner_name",
            "status",
            "role",
            "category",
            "channel_partner",
            "confidence",
            "candidates",
            "reasons",
            "declared_role",
            "matches_declared",
            "warnings",
        ] {
            assert!(rec.get(field).is_some(), "{field} missing in {rec}");
        }
        let confidence = rec["confidence"].as_f64().expect("number");
        assert!((0.0..=1.0).contains(&confidence));
        match rec["status"].as_str().expect("status") {
            "classified" => {
                assert!(
                    rec["role"].is_string() && rec["category"].is_string(),
                    "{rec}"
                );
                assert!(confidence > 0.0);
            }
            "ambiguous" | "unclassified" => assert!(rec["role"].is_null(), "{rec}"),
            other => panic!("unexpected status {other}"),
        }
        let roles = rec["roles"].as_array().expect("roles is a list");
        if rec["status"] == "classified" {
            let joined: Vec<&str> = roles.iter().map(|r| r.as_str().expect("id")).collect();
            assert_eq!(rec["role"], joined.join("+"), "role joins the held roles");
            for (i, role) in roles.iter().enumerate() {
                assert_eq!(
                    rec["candidates"][i]["role"], *role,
                    "the held roles are the first candidates"
                );
                assert!(rec["candidates"][i]["confidence"].is_f64(), "{rec}");
            }
        } else {
            assert!(roles.is_empty(), "{rec}");
        }
        let finding = rec["finding"].as_str().expect("finding");
        if rec["declared_role"].is_null() {
            assert!(rec["matches_declared"].is_null());
            assert_eq!(finding, "undeclared");
        } else {
            assert_eq!(
                rec["matches_declared"].as_bool(),
                Some(matches!(finding, "agree" | "less_specific" | "incomplete")),
                "{rec}"
            );
        }
    }
}

#[test]
fn warnings_name_unknown_values_missing_ids_and_duplicates() {
    let got = classify_jsonl(&fixture("sample-roster.csv"));
    let by_line = |line: u64| {
        got.iter()
            .find(|r| r["line"] == line)
            .expect("line present")
    };
    let messy = by_line(40);
    assert!(messy["warnings"].to_string().contains("bananas"), "{messy}");
    let no_id = by_line(41);
    assert_eq!(no_id["partner_id"], "41");
    assert!(
        no_id["warnings"].to_string().contains("line number 41"),
        "{no_id}"
    );
    let dup = by_line(42);
    assert!(
        dup["warnings"]
            .to_string()
            .contains("duplicate partner_id \\\"P012\\\": an earlier row has the same id"),
        "{dup}"
    );
}

#[test]
fn unknown_columns_are_carried_through() {
    let got = classify_jsonl(&fixture("messy-roster.csv"));
    assert_eq!(got[1]["extra"]["Region"], "NA");
    let csv = crate::support::bin()
        .args(["classify", "--format", "csv", "-q"])
        .arg(fixture("messy-roster.csv"))
        .output()
        .expect("runs");
    let text = String::from_utf8(csv.stdout).expect("utf-8");
    let header = text.lines().next().expect("header");
    assert!(
        header.starts_with("Partner ID, COMPANY ,Partner Type")
            || header.starts_with("Partner ID,COMPANY,Partner Type"),
        "{header}"
    );
    assert!(
        header.contains("Region,Comments,status,roles,role,category"),
        "{header}"
    );
}

#[test]
fn standard_input_is_read_with_dash() {
    let roster = std::fs::read(fixture("sample-roster.csv")).expect("fixture");
    let out = crate::support::bin()
        .args(["classify", "-", "--format", "jsonl", "-q"])
        .write_stdin(roster)
        .output()
        .expect("runs");
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 42);
}
