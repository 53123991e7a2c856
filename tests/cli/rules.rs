//! Rule sets from files: export, `--rules` with a file or a folder, and load errors that point.

use crate::support::{bin, fixture};
use predicates::str::contains;

fn classify_with(rules: Option<&std::path::Path>) -> String {
    let mut cmd = bin();
    cmd.args(["classify", "--format", "jsonl", "-q"])
        .arg(fixture("sample-roster.csv"));
    if let Some(r) = rules {
        cmd.arg("--rules").arg(r);
    }
    let out = cmd.output().expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn exported_rules_classify_like_the_built_in_set() {
    let dir = tempfile::tempdir().expect("temp dir");
    bin()
        .args(["rules", "export"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(contains("rules.yaml"));
    bin()
        .args(["rules", "export"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(contains("pass --force"));
    let built_in = classify_with(None);
    assert_eq!(classify_with(Some(dir.path())), built_in);

    // One file holding every section works too.
    let mut all = String::new();
    for name in ["vocabulary.yaml", "taxonomy.yaml", "rules.yaml"] {
        all.push_str(&std::fs::read_to_string(dir.path().join(name)).expect("exported"));
        all.push('\n');
    }
    let single = dir.path().join("all-in-one.yml.txt");
    std::fs::write(&single, all).expect("write");
    assert_eq!(classify_with(Some(&single)), built_in);
}

#[test]
fn a_rule_change_changes_the_result() {
    let dir = tempfile::tempdir().expect("temp dir");
    bin()
        .args(["rules", "export"])
        .arg(dir.path())
        .assert()
        .success();
    let keystone = |out: &str| {
        out.lines()
            .find(|l| l.contains("\"P020\""))
            .expect("P020")
            .to_string()
    };
    assert!(keystone(&classify_with(None)).contains("\"role\":\"reseller\""));
    // Let a distributor sell to end customers and earn margin: Keystone Direct, a reseller
    // under the built-in rules, now fits both roles. Nothing in Rust had to change.
    let rules = dir.path().join("rules.yaml");
    let text = std::fs::read_to_string(&rules).expect("read");
    let edited = text
        .replace(
            "          has_any: [volume]\n",
            "          has_any: [volume, resale_margin]\n",
        )
        .replace(
            "          has_any: [resellers]\n",
            "          has_any: [resellers, end_customers]\n",
        );
    assert_ne!(text, edited);
    std::fs::write(&rules, edited).expect("write");
    let changed = keystone(&classify_with(Some(dir.path())));
    assert!(changed.contains("\"status\":\"ambiguous\""), "{changed}");
    assert!(
        changed.contains("Ambiguous between reseller and distributor"),
        "{changed}"
    );
}

#[test]
fn syntax_errors_point_at_line_and_column() {
    bin()
        .args(["classify", "--rules"])
        .arg(fixture("rules-bad/syntax.yaml"))
        .arg(fixture("sample-roster.csv"))
        .assert()
        .code(2)
        .stderr(contains("rules-bad/syntax.yaml:3:"));
}

#[test]
fn unknown_keys_are_rejected_with_their_location() {
    bin()
        .args(["check", "--rules"])
        .arg(fixture("rules-bad/unknown-key.yaml"))
        .assert()
        .code(2)
        .stderr(contains("unknown-key.yaml:"))
        .stderr(contains("unknown field `has_anyy`"));
}

#[test]
fn every_semantic_problem_is_listed_at_once() {
    let out = bin()
        .args(["check", "--rules"])
        .arg(fixture("rules-bad/unknown-names.yaml"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).expect("utf-8");
    for needle in [
        "rules[r1].when.all[0]: `colour` is not a fact of the vocabulary",
        "rules[r1].when.all[1].has_any: `marginn` is not a value of `earns`",
        "rules[r2].role: unknown role `resellerr`",
        "rules[r1]: duplicate rule id",
        "rules[r3].when.all[0].is: `is` does not fit `earns`, a list fact",
    ] {
        assert!(err.contains(needle), "missing {needle:?} in:\n{err}");
    }
    assert!(err.contains("help: known values:"), "{err}");
}

#[test]
fn rules_list_shows_roles_definitions_and_conditions() {
    bin()
        .args(["rules", "list"])
        .assert()
        .success()
        .stdout(contains("value_added_reseller - Value-Added Reseller"))
        .stdout(contains("refines: reseller"))
        .stdout(contains(
            "source: Partner Program Glossary: Value-Added Reseller (VAR)",
        ));
}
