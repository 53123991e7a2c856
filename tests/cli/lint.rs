//! `rules lint`: each seeded fault is caught with its witness or place, every witness is a real
//! input that `check` reproduces, the built-in set has no unaccepted finding, and (a property)
//! no random record contradicts what lint claims.

use partner_roles::authoring::lint::{Severity, lint};
use partner_roles::output::{Format, writer_for};
use partner_roles::pipeline;
use partner_roles::rules::RuleSet;
use proptest::prelude::*;

use crate::support::{bin, fixture};

fn lint_text(rules: &str) -> (i32, String) {
    let out = bin()
        .args(["rules", "lint", "--rules"])
        .arg(fixture(rules))
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("utf-8"),
    )
}

/// Runs every witness line's `check` command as written (its `--rules` included; the fixture
/// paths have no spaces) and returns (expected, got) statuses.
fn replay(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("witness: partner-roles check "))
        .map(|w| {
            let (args, expected) = w.split_once("  =>  ").expect("witness shows the outcome");
            let mut cmd = bin();
            cmd.args(["check", "--format", "json"]);
            cmd.args(args.split_whitespace());
            let out = cmd.output().expect("check runs");
            let got: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
            let expected_status = expected
                .split_whitespace()
                .next()
                .expect("status")
                .to_string();
            (
                expected_status,
                got["status"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn seeded_overlap_is_caught_with_a_witness_check_reproduces() {
    let (code, text) = lint_text("rules-lint/overlap.yaml");
    assert_eq!(code, 0, "warnings alone exit 0");
    assert!(
        text.contains("warning[overlap]: reseller and servicer can both fit one record"),
        "{text}"
    );
    assert!(text.contains(&format!("witness: partner-roles check --rules {} --fact transacts=partner --fact earns=margin,fees  =>  ambiguous (reseller, servicer)", fixture("rules-lint/overlap.yaml").display())), "{text}");
    let replays = replay(&text);
    assert!(!replays.is_empty());
    for (want, got) in replays {
        assert_eq!(want, got);
    }
    bin()
        .args(["rules", "lint", "--deny", "warnings", "--rules"])
        .arg(fixture("rules-lint/overlap.yaml"))
        .assert()
        .code(1);
}

#[test]
fn seeded_gap_is_counted_with_witnesses() {
    let (_, text) = lint_text("rules-lint/gap.yaml");
    assert!(
        text.contains(
            "warning[gaps]: 4 of the 8 combinations of known facts the rules tell apart fit no role"
        ),
        "{text}"
    );
    let replays = replay(&text);
    assert!(replays.len() >= 2);
    for (want, got) in replays {
        assert_eq!(
            (want.as_str(), got.as_str()),
            ("unclassified", "unclassified")
        );
    }
}

#[test]
fn seeded_unreachable_rule_is_an_error_with_the_reason() {
    let (code, text) = lint_text("rules-lint/unreachable.yaml");
    assert_eq!(code, 1, "errors exit 1");
    assert!(text.contains("error[unreachable]: rule ghost can never fit: no input satisfies all of: earns has_any margin; earns has_none margin"), "{text}");
    assert!(
        text.contains(
            "error[unreachable]: role ghost can never be classified: none of its rules can fit"
        ),
        "{text}"
    );
}

#[test]
fn built_in_set_has_no_unaccepted_finding() {
    let (code, text) = lint_text("../rules");
    assert_eq!(code, 0);
    assert!(text.contains("0 errors, 0 warnings,"), "{text}");
    for (want, got) in replay(&text) {
        assert_eq!(want, got, "accepted findings reproduce too");
    }
}

#[test]
fn witnesses_become_a_roster_that_reproduces_the_findings() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("witnesses.csv");
    bin()
        .args(["rules", "lint", "--rules"])
        .arg(fixture("rules-lint/overlap.yaml"))
        .arg("--witnesses")
        .arg(&path)
        .assert()
        .success();
    let out = bin()
        .args(["classify", "-f", "jsonl", "-q", "--rules"])
        .arg(fixture("rules-lint/overlap.yaml"))
        .arg(&path)
        .output()
        .expect("runs");
    let records: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert!(records.len() >= 2);
    assert_eq!(
        records[0]["status"], "ambiguous",
        "the overlap witness comes first"
    );
    assert!(
        records
            .iter()
            .skip(1)
            .all(|r| r["status"] == "unclassified"),
        "then the gap witnesses"
    );
}

fn builtin() -> &'static RuleSet {
    static RULES: std::sync::OnceLock<RuleSet> = std::sync::OnceLock::new();
    RULES.get_or_init(|| RuleSet::builtin().expect("built-in"))
}

fn report() -> &'static partner_roles::authoring::lint::Report {
    static REPORT: std::sync::OnceLock<partner_roles::authoring::lint::Report> =
        std::sync::OnceLock::new();
    REPORT.get_or_init(|| lint(builtin()))
}

fn pick(values: &'static [&'static str]) -> impl Strategy<Value = String> {
    proptest::sample::subsequence(values.to_vec(), 0..=values.len().min(4))
        .prop_map(|v| v.join(";"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Soundness: whatever a random record gets, lint has said it can happen.
    #[test]
    fn no_record_contradicts_lint(
        transacts in proptest::sample::select(vec!["", "partner", "vendor", "other_partner", "none"]),
        sells_to in pick(&["end_customers", "resellers"]),
        delivers in pick(&["provisioning", "implementation", "integration", "operations", "solution_design", "warehousing", "shipping", "embedding", "support", "none"]),
        earns in pick(&["service_fees", "resale_margin", "volume", "commission", "logistics_fees", "recurring_fees", "project_fees", "perks", "product_revenue", "none"]),
        activities in pick(&["leads", "content", "speaking", "product_integration", "co_marketing", "white_label"]),
        goods in proptest::sample::select(vec!["", "software", "physical"]),
        vendors in proptest::sample::select(vec!["", "single", "multiple"]),
        engagement in proptest::sample::select(vec!["", "one_off", "project", "ongoing"]),
    ) {
        let roster = format!("partner_id,transacts,sells_to,delivers,earns,activities,goods,vendors,engagement\nX,{transacts},\"{sells_to}\",\"{delivers}\",\"{earns}\",\"{activities}\",{goods},{vendors},{engagement}\n");
        let mut out = Vec::new();
        {
            let mut writer = writer_for(Format::Jsonl, Box::new(&mut out));
            pipeline::run(builtin(), roster.as_bytes(), "prop", Default::default(), writer.as_mut()).expect("runs");
        }
        let rec: serde_json::Value = serde_json::from_slice(&out).expect("json");
        let report = report();
        match rec["status"].as_str().unwrap_or("") {
            "classified" => {
                let role = rec["role"].as_str().unwrap_or("");
                prop_assert!(!report.findings.iter().any(|f| f.kind == "unreachable" && f.roles.iter().any(|r| r == role)));
            }
            "ambiguous" => {
                let tied: Vec<&str> = rec["candidates"].as_array().expect("candidates").iter()
                    .filter(|c| c["fit"] == "fits").map(|c| c["role"].as_str().unwrap_or("")).collect();
                // Some pair of the tied roles was reported as an overlap (warning or accepted).
                let reported = report.findings.iter().any(|f| f.kind == "overlap"
                    && f.severity != Severity::Error
                    && f.roles.iter().all(|r| tied.contains(&r.as_str())));
                prop_assert!(reported, "ambiguous between {:?} but lint reported no such overlap", tied);
            }
            "unclassified" => {
                let all_known = [transacts, sells_to.as_str(), delivers.as_str(), earns.as_str(), activities.as_str(), goods, vendors, engagement]
                    .iter()
                    .all(|v| !v.is_empty());
                if all_known {
                    prop_assert!(report.gap_count.is_some_and(|(gaps, _)| gaps > 0));
                }
            }
            other => prop_assert!(false, "status {}", other),
        }
    }
}

#[test]
fn grades_are_checked_where_they_stand_and_hedged_defining_conditions_are_flagged() {
    let dir = crate::support::exported_rules();
    let path = dir.path().join("rules.yaml");
    let text = std::fs::read_to_string(&path).expect("rules");
    // A defining condition that hedges.
    let hedged = text.replacen(
        "says: \"earns a resale margin\"",
        "says: \"usually earns a resale margin\"",
        1,
    );
    std::fs::write(&path, &hedged).expect("write");
    let out = crate::support::bin()
        .args(["rules", "lint", "--rules"])
        .arg(dir.path())
        .output()
        .expect("runs");
    let lint = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        lint.contains("warning[hedged_defining]: rule reseller"),
        "{lint}"
    );
    // `grade: typical` inside an `any` is refused with its place.
    let nested = text.replacen(
        "            - fact: delivers\n              has_any: [embedding]\n",
        "            - fact: delivers\n              has_any: [embedding]\n              grade: typical\n",
        1,
    );
    assert_ne!(nested, text);
    std::fs::write(&path, &nested).expect("write");
    crate::support::bin()
        .args(["rules", "list", "--rules"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "`grade: typical` goes on a top-level condition",
        ));
}

/// The witness roster is written like every other output: never over an input, and never half
/// written.
#[test]
fn witnesses_never_overwrite_the_rules() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rules = dir.path().join("overlap.yaml");
    std::fs::copy(fixture("rules-lint/overlap.yaml"), &rules).expect("copy");
    let before = std::fs::read(&rules).expect("read");
    bin()
        .args(["rules", "lint", "--rules"])
        .arg(&rules)
        .arg("--witnesses")
        .arg(&rules)
        .assert()
        .code(2);
    assert_eq!(
        std::fs::read(&rules).expect("read"),
        before,
        "the rules are untouched"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left: {leftovers:?}");
}

/// A witness line is a command that reproduces it: pasted into a shell (the rule set in a
/// folder whose name has a space), `check` gives the status the witness claims.
#[test]
fn pasted_witnesses_reproduce_their_finding() {
    let parent = tempfile::tempdir().expect("temp dir");
    let dir = parent.path().join("my rules");
    bin().args(["rules", "export"]).arg(&dir).assert().success();
    let out = bin()
        .args(["rules", "lint", "--rules"])
        .arg(&dir)
        .output()
        .expect("runs");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let binary = assert_cmd::cargo::cargo_bin("partner-roles");
    let mut pasted = 0;
    for line in text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("witness: "))
    {
        let (command, claim) = line.split_once("  =>  ").expect("command => claim");
        assert!(command.contains("--rules "), "{command}");
        let status = claim.split_whitespace().next().expect("status");
        let run = command.replacen("partner-roles", &format!("'{}'", binary.display()), 1);
        let got = std::process::Command::new("sh")
            .args(["-c", &run])
            .env("NO_COLOR", "1")
            .output()
            .expect("sh runs");
        let stdout = String::from_utf8_lossy(&got.stdout);
        let shown = stdout
            .lines()
            .find_map(|l| l.strip_prefix("status"))
            .map(str::trim)
            .unwrap_or_default();
        assert_eq!(
            shown,
            status,
            "{run}\n{stdout}{}",
            String::from_utf8_lossy(&got.stderr)
        );
        pasted += 1;
    }
    assert!(pasted >= 3, "{pasted} witnesses pasted:\n{text}");
}
