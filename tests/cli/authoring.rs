//! Rule authoring: `rules test` (pass, fail with a diff, coverage), `rules diff`, `rules show`.

use crate::support::{bin, exported_rules, fixture};
use predicates::str::contains;

#[test]
fn built_in_rule_tests_pass_and_cover_every_rule() {
    let out = bin()
        .args(["rules", "test", "--coverage"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let closing = text
        .lines()
        .find(|l| l.ends_with(" failed"))
        .expect("closing line");
    assert!(closing.ends_with("passed, 0 failed"), "{closing}");
    let passed: usize = closing
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("count");
    assert!(passed >= 30, "{passed} cases");
    assert!(
        text.contains("rules that fit at least one case: 12 of 12"),
        "{text}"
    );
    assert!(!text.contains("never fit a case"), "{text}");
}

#[test]
fn a_wrong_case_fails_with_a_diff() {
    let out = bin()
        .args(["rules", "test"])
        .arg(fixture("rule-tests/wrong-expectation.yaml"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        text.contains("FAILED a VAR that adds no services"),
        "{text}"
    );
    assert!(
        text.contains(
            "expected: classified value_added_reseller\n     got:      classified reseller"
        ),
        "{text}"
    );
    assert!(
        text.contains("no reason contains \"a text no reason has\""),
        "{text}"
    );
    assert!(text.contains("ok     a textbook reseller"));
    assert!(text.trim_end().ends_with("1 passed, 1 failed"), "{text}");
}

#[test]
fn coverage_names_what_the_tests_never_exercised() {
    let out = bin()
        .args(["rules", "test", "--coverage"])
        .arg(fixture("rule-tests/wrong-expectation.yaml"))
        .output()
        .expect("runs");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        text.contains("rules that fit at least one case: 1 of 12"),
        "{text}"
    );
    assert!(
        text.contains("never fit a case: rule third_party_logistics"),
        "{text}"
    );
    assert!(text.contains("rule value_added_reseller: delivers has_any provisioning, implementation, integration, access_enablement, customization, training, support, solution_design"), "{text}");
}

#[test]
fn exported_rules_carry_their_tests() {
    let dir = exported_rules();
    assert!(dir.path().join("tests/confusable.yaml").exists());
    bin()
        .args(["rules", "test", "--rules"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(contains(" passed, 0 failed"));
}

#[test]
fn diff_reports_the_impact_of_a_rule_change() {
    let dir = exported_rules();
    let roster = fixture("sample-roster.csv");
    // No change: nothing moves, exit 0 even with --fail-on-change.
    bin()
        .args(["rules", "diff", "--fail-on-change", "--new"])
        .arg(dir.path())
        .arg(&roster)
        .assert()
        .code(0)
        .stdout("42 records, 0 change role or status\n");
    let rules = dir.path().join("rules.yaml");
    let text = std::fs::read_to_string(&rules).expect("read");
    std::fs::write(
        &rules,
        text.replace(
            "          has_any: [volume]\n",
            "          has_any: [volume, resale_margin]\n",
        )
        .replace(
            "          has_any: [resellers]\n",
            "          has_any: [resellers, end_customers]\n",
        ),
    )
    .expect("write");
    let out = bin()
        .args(["rules", "diff", "--fail-on-change", "--new"])
        .arg(dir.path())
        .arg(&roster)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        text.starts_with("42 records, 10 change role or status"),
        "{text}"
    );
    // A change of role profile is a change.
    assert!(
        text.contains("reseller              ->  reseller+distributor     6"),
        "{text}"
    );
    assert!(
        text.contains("P020 (line 21): reseller -> reseller+distributor"),
        "{text}"
    );
    assert!(
        text.contains("before:\n      - Classified as reseller"),
        "{text}"
    );
    assert!(
        text.contains("after:\n      - Holds 2 roles at once, reseller and distributor"),
        "{text}"
    );
}

#[test]
fn show_prints_one_role_and_rejects_unknown_ones() {
    bin()
        .args(["rules", "show", "value_added_reseller"])
        .assert()
        .success()
        .stdout(contains("refines: reseller"))
        .stdout(contains("delivers has_any provisioning, implementation"));
    bin()
        .args(["rules", "show", "reseller"])
        .assert()
        .success()
        .stdout(contains("refined by: value_added_reseller"));
    // Any name a roster's declared-role cell takes names its roles; the umbrella term is
    // said to be one; a near miss of an id is suggested.
    let cases: &[(&str, Result<&[&str], &str>)] = &[
        ("var", Ok(&["value_added_reseller - Value-Added Reseller"])),
        ("Value-Added Reseller", Ok(&["value_added_reseller - "])),
        (
            "VAR & MSP",
            Ok(&["value_added_reseller - ", "managed_service_provider - "]),
        ),
        ("Partner", Ok(&["names the umbrella term, not a role"])),
        ("earns.margin", Ok(&["earns ("])),
        ("resller", Err("did you mean `reseller`?")),
        ("no such thing", Err("no role or fact \"no such thing\"")),
    ];
    for (name, want) in cases {
        let out = bin().args(["rules", "show", name]).output().expect("runs");
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        match want {
            Ok(parts) => {
                assert!(out.status.success(), "{name}: {stderr}");
                for part in *parts {
                    assert!(stdout.contains(part), "{name}: {part:?} in {stdout}");
                }
            }
            Err(words) => {
                assert_eq!(out.status.code(), Some(2), "{name}");
                assert!(stderr.contains(words), "{name}: {stderr}");
            }
        }
    }
}

#[test]
fn schema_is_json_that_names_every_rule_file_section() {
    let out = bin().args(["rules", "schema"]).output().expect("runs");
    assert!(out.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    for section in ["ruleset", "vocabulary", "taxonomy", "rules"] {
        assert!(schema["properties"][section].is_object(), "{section}");
    }
    assert_eq!(
        schema["$defs"]["ConditionDef"]["additionalProperties"],
        false
    );
    bin()
        .args(["rules", "schema", "--help"])
        .assert()
        .success()
        .stdout(contains("yaml-language-server: $schema="));
}
