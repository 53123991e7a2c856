//! Rule sets from files: export, `--rules` with a file or a folder, and load errors that point.

use crate::support::{bin, exported_rules, fixture, stdout_of};
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;

fn classify_with(rules: Option<&std::path::Path>) -> String {
    let mut cmd = bin();
    cmd.args(["classify", "--format", "jsonl", "-q"])
        .arg(fixture("sample-roster.csv"));
    if let Some(r) = rules {
        cmd.arg("--rules").arg(r);
    }
    stdout_of(&mut cmd)
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
    for name in [
        "vocabulary.yaml",
        "taxonomy.yaml",
        "rules.yaml",
        "text.yaml",
    ] {
        all.push_str(&std::fs::read_to_string(dir.path().join(name)).expect("exported"));
        all.push('\n');
    }
    let single = dir.path().join("all-in-one.yml.txt");
    std::fs::write(&single, all).expect("write");
    assert_eq!(classify_with(Some(&single)), built_in);
}

#[test]
fn a_rule_change_changes_the_result() {
    let dir = exported_rules();
    let keystone = |out: &str| {
        out.lines()
            .find(|l| l.contains("\"P020\""))
            .expect("P020")
            .to_string()
    };
    assert!(keystone(&classify_with(None)).contains("\"role\":\"reseller\""));
    // Let a distributor sell to end customers and earn margin: Keystone Direct, a reseller
    // under the built-in rules, now holds both roles (the taxonomy lets one partner be both).
    // Nothing in Rust had to change.
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
    assert!(
        changed.contains("\"role\":\"reseller+distributor\""),
        "{changed}"
    );
    assert!(changed.contains("Holds 2 roles at once"), "{changed}");
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

/// The `file:line:column` where `needle` first appears in a fixture (1-based).
fn place(name: &str, needle: &str) -> String {
    let path = fixture(name);
    let text = std::fs::read_to_string(&path).expect("fixture");
    let (line, column) = text
        .lines()
        .enumerate()
        .find_map(|(i, l)| l.find(needle).map(|c| (i + 1, c + 1)))
        .unwrap_or_else(|| panic!("{needle} not in {name}"));
    format!("{}:{line}:{column}", path.display())
}

#[test]
fn unknown_keys_and_wrong_shapes_are_all_reported_with_place() {
    let out = bin()
        .args(["check", "--rules"])
        .arg(fixture("rules-bad/several-unknown-keys.yaml"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).expect("utf-8");
    for (key, suggestion) in [
        ("alias:", "did you mean `aliases`?"),
        ("verison:", "did you mean `version`?"),
        ("has_anyy:", "did you mean `has_any`?"),
        ("if_know:", "did you mean `if_known`?"),
    ] {
        let name = key.trim_end_matches(':');
        let at = place("rules-bad/several-unknown-keys.yaml", key);
        assert!(
            err.contains(&format!("{at}: unknown key `{name}`\n  help: {suggestion}")),
            "{key} at {at}:\n{err}"
        );
    }
    for (needle, message) in [
        (
            "aliases: {name",
            "`vocabulary.columns[1].aliases` should be a list, not a map",
        ),
        (
            "has_any: warehousing",
            "`rules[11].when.all[0].has_any` should be a list, not a single value",
        ),
    ] {
        let at = place("rules-bad/several-unknown-keys.yaml", needle);
        assert!(
            err.contains(&format!("{at}: {message}")),
            "{message} at {at}:\n{err}"
        );
    }
}

#[test]
fn every_semantic_problem_is_listed_at_once_with_its_place() {
    let out = bin()
        .args(["check", "--rules"])
        .arg(fixture("rules-bad/unknown-names.yaml"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).expect("utf-8");
    let file = "rules-bad/unknown-names.yaml";
    for (needle, message) in [
        ("fact: colour", "`colour` is not a fact of the vocabulary"),
        (
            "marginn",
            "`marginn` is not a value of `earns`\n  help: did you mean `resale_margin`?",
        ),
        (
            "role: resellerr",
            "rule `r2` concludes unknown role `resellerr`\n  help: did you mean `reseller`?",
        ),
        (
            "is: resale_margin",
            "`is` does not fit `earns`, a list fact",
        ),
    ] {
        let at = place(file, needle);
        assert!(
            err.contains(&format!("{at}: {message}")),
            "missing {message:?} at {at} in:\n{err}"
        );
    }
    assert!(err.contains("duplicate rule id `r1`"), "{err}");
    assert!(
        err.contains("role `fulfillment_partner` has no rule"),
        "{err}"
    );
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

/// An alias stands for its anchor's value: the schema check does not call `in: *sides` a
/// single value, and the parser's own error (here a missing `source`) stands.
#[test]
fn an_alias_is_no_wrong_shape_and_the_real_error_stands() {
    let dir = exported_rules();
    let rules = dir.path().join("rules.yaml");
    let text = std::fs::read_to_string(&rules).expect("read");
    let extra = "rules:\n  - id: anchored\n    role: reseller\n    source: test\n    when:\n      all:\n        - {fact: transacts, in: &sides [vendor, other_partner]}\n  - id: aliased\n    role: reseller\n    when:\n      all:\n        - {fact: transacts, in: *sides}\n";
    std::fs::write(&rules, text.replacen("rules:\n", extra, 1)).expect("write");
    bin()
        .args(["rules", "list", "--rules"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(contains("missing field `source`"))
        .stderr(contains("should be").not());
}
