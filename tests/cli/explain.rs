//! `explain`: the whole trace of one record, with every condition's outcome and the near misses.

use crate::support::{bin, check_reseller, fixture, stdout_of};
use predicates::str::contains;

fn explain(args: &[&str]) -> String {
    // A relative path, so the snapshot is the same wherever the project is checked out.
    stdout_of(
        bin()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["explain", "fixtures/sample-roster.csv"])
            .args(args),
    )
}

#[test]
fn shows_every_condition_and_the_near_miss() {
    let text = explain(&["--id", "P013"]);
    // Every rule of every role is listed with an outcome.
    let rules_listed = text
        .lines()
        .filter(|l| l.trim_start().starts_with("rule "))
        .count();
    assert_eq!(rules_listed, 12, "{text}");
    assert!(text.contains(
        "[false  ] delivers has_any provisioning, implementation, integration, access_enablement, customization, training, support, solution_design"
    ));
    assert!(text.contains("[unknown] activities has_any leads, introductions"));
    assert!(text.contains("\"margin\" -> resale_margin (synonym)"));
    assert!(
        text.contains("would be a value_added_reseller if delivers included provisioning, or if delivers included implementation"),
        "{text}"
    );
    assert!(text.contains("2. One role is left: classified as reseller."));
    insta::assert_snapshot!("explain_p013", text);
}

#[test]
fn near_misses_are_true_when_checked() {
    // The near miss of P013 says adding implementation makes it a value-added reseller: check it.
    let answer = check_reseller(&[
        "--format",
        "json",
        "--delivers",
        "implementation",
        "--goods",
        "software",
        "--vendors",
        "single",
        "--engagement",
        "one_off",
    ]);
    assert!(
        answer.contains("\"role\": \"value_added_reseller\""),
        "{answer}"
    );
    // A role profile's near miss keeps the roles held: H016 resells and earns recurring fees,
    // with its services not recorded.
    let out = bin()
        .arg("explain")
        .arg(fixture("hybrid-roster.csv"))
        .args(["--id", "H016"])
        .output()
        .expect("runs");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        text.contains(
            "would also be a managed_service_provider if delivers were given as operations"
        ),
        "{text}"
    );
    bin()
        .args(["check", "--format", "json", "--transacts", "partner"])
        .args([
            "--sells-to",
            "end_customers",
            "--earns",
            "resale_margin,recurring_fees",
        ])
        .args(["--delivers", "operations"])
        .assert()
        .success()
        .stdout(contains("\"role\": \"managed_service_provider+reseller\""));
    // Two roles one partner cannot hold: ambiguous, each with the change that decides it.
    let out = bin()
        .arg("explain")
        .arg(fixture("hybrid-roster.csv"))
        .args(["--id", "H031"])
        .output()
        .expect("runs");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        text.contains("lets no partner hold distributor with oem_partner: ambiguous"),
        "{text}"
    );
    assert!(
        text.contains("would be a distributor if delivers did not include embedding"),
        "{text}"
    );
}

#[test]
fn row_selects_by_position_and_missing_records_exit_2() {
    assert!(explain(&["--row", "3"]).starts_with("Record P003 (Northwind Deployments) on line 4"));
    bin()
        .arg("explain")
        .arg(fixture("sample-roster.csv"))
        .args(["--id", "NOPE"])
        .assert()
        .code(2)
        .stderr(contains(
            "no record has partner_id \"NOPE\"; ids look like: P001",
        ));
    bin()
        .arg("explain")
        .arg(fixture("sample-roster.csv"))
        .args(["--row", "99"])
        .assert()
        .code(2)
        .stderr(contains("there is no row 99: the roster has 42 data rows"));
    bin()
        .arg("explain")
        .arg(fixture("sample-roster.csv"))
        .assert()
        .code(2)
        .stderr(contains("--id"));
}
