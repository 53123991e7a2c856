//! Hostile input, second round: each reproduction of the issue as a test that failed before its
//! fix. Hangs, files written where they must not be, rows merged or cells dropped in silence,
//! control characters reaching a terminal, and inputs that used to take memory without bound
//! (these assert the refusal and its message, never a time).

use std::path::Path;
use std::time::Duration;

use predicates::str::contains;

use crate::support::{bin, exported_rules, fixture, stdout_of};

fn jsonl(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect()
}

fn classify_stdin(roster: &[u8], args: &[&str]) -> Vec<serde_json::Value> {
    let out = bin()
        .args(["classify", "-", "-f", "jsonl", "-q"])
        .args(args)
        .write_stdin(roster.to_vec())
        .timeout(Duration::from_secs(60))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    jsonl(&String::from_utf8(out.stdout).expect("utf-8"))
}

// --- hangs and aborts -----------------------------------------------------------------------

#[test]
fn more_threads_than_buffers_never_hang() {
    for threads in ["9", "17", "64"] {
        for format in ["csv", "jsonl"] {
            bin()
                .args(["classify", "-q", "-f", format, "--threads", threads])
                .arg(fixture("bad/header-only.csv"))
                .timeout(Duration::from_secs(60))
                .assert()
                .success();
            let out = bin()
                .args(["classify", "-q", "-f", format, "--threads", threads])
                .arg(fixture("sample-roster.csv"))
                .timeout(Duration::from_secs(60))
                .output()
                .expect("runs");
            assert!(out.status.success(), "--threads {threads}: {out:?}");
        }
        bin()
            .args(["audit", "-q", "--fail-on", "never", "--threads", threads])
            .arg(fixture("sample-roster.csv"))
            .timeout(Duration::from_secs(60))
            .assert()
            .success();
    }
    bin()
        .args(["classify", "--threads", "20000"])
        .arg(fixture("sample-roster.csv"))
        .assert()
        .code(2)
        .stderr(contains("20000 is not in 1..=64"));
}

#[test]
fn lint_claims_nothing_about_roles_it_could_not_check() {
    let dir = exported_rules();
    let path = dir.path().join("rules.yaml");
    let text = std::fs::read_to_string(&path).expect("rules");
    let extra = "  - id: extra_rule\n    role: reseller\n    source: a test\n    when: {any: [{fact: delivers, has_any: [training]}, {fact: earns, has_any: [commission]}, {fact: activities, has_any: [leads]}]}\n";
    let at = text.find("\nlint:").expect("lint section");
    std::fs::write(&path, format!("{}\n{extra}{}", &text[..at], &text[at..])).expect("write");
    let out = bin()
        .args(["rules", "lint", "--rules"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1), "not_checked is an error");
    let lint = String::from_utf8(out.stdout).expect("utf-8");
    assert!(lint.contains("not_checked"), "{lint}");
    assert!(!lint.contains("unreachable"), "{lint}");
    assert!(!lint.contains("stale_accept"), "{lint}");
    // And classify, with the same rules, assigns every role of the sample roster's kinds.
    let out = stdout_of(
        bin()
            .args(["classify", "-q", "-f", "jsonl", "--rules"])
            .arg(dir.path())
            .arg(fixture("sample-roster.csv")),
    );
    let roles: std::collections::BTreeSet<String> = jsonl(&out)
        .iter()
        .flat_map(|r| r["roles"].as_array().cloned().unwrap_or_default())
        .map(|r| r.as_str().expect("id").to_string())
        .collect();
    assert_eq!(roles.len(), 12, "{roles:?}");
}

// --- files written where they must not be ---------------------------------------------------

#[cfg(unix)]
#[test]
fn output_through_a_symlink_writes_its_target_and_keeps_the_link() {
    let dir = tempfile::tempdir().expect("dir");
    let target = dir.path().join("real.csv");
    std::fs::write(&target, "old").expect("write");
    let link = dir.path().join("link.csv");
    std::os::unix::fs::symlink(&target, &link).expect("link");
    bin()
        .args(["classify", "-q", "-f", "csv", "-o"])
        .arg(&link)
        .arg(fixture("small-roster.csv"))
        .assert()
        .success();
    assert!(
        std::fs::symlink_metadata(&link)
            .expect("link")
            .file_type()
            .is_symlink(),
        "the link stays a link"
    );
    assert!(
        std::fs::read_to_string(&target)
            .expect("target")
            .starts_with("partner_id,")
    );
    let left: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
    assert_eq!(left.len(), 2, "no temporary file is left");
}

#[cfg(target_os = "linux")]
#[test]
fn output_to_proc_self_fd_writes_standard_output() {
    let out = bin()
        .args(["classify", "-q", "-f", "csv", "-o", "/proc/self/fd/1"])
        .arg(fixture("small-roster.csv"))
        .output()
        .expect("runs");
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("partner_id,"));
}

#[cfg(unix)]
#[test]
fn a_planted_temporary_link_is_never_followed_and_modes_are_kept() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("dir");
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "precious").expect("write");
    let out = dir.path().join("out.csv");
    std::fs::write(&out, "old").expect("write");
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    // The old predictable names, for the next few process ids.
    for pid in 0..2000u32 {
        let _ = std::os::unix::fs::symlink(
            &victim,
            dir.path().join(format!(".out.csv.partner-roles-{pid}.tmp")),
        );
    }
    bin()
        .args(["classify", "-q", "-f", "csv", "-o"])
        .arg(&out)
        .arg(fixture("small-roster.csv"))
        .assert()
        .success();
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "precious"
    );
    let meta = std::fs::symlink_metadata(&out).expect("out");
    assert!(meta.is_file(), "the output is a file, not a link");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600, "the mode is kept");
}

#[cfg(unix)]
#[test]
fn export_and_man_refuse_to_write_through_links() {
    let dir = tempfile::tempdir().expect("dir");
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "precious").expect("write");
    let export = dir.path().join("export");
    std::fs::create_dir(&export).expect("dir");
    std::os::unix::fs::symlink(&victim, export.join("rules.yaml")).expect("link");
    bin()
        .args(["rules", "export", "--force"])
        .arg(&export)
        .assert()
        .code(2)
        .stderr(contains("symbolic link"));
    let man = dir.path().join("man");
    std::fs::create_dir(&man).expect("dir");
    std::os::unix::fs::symlink(&victim, man.join("partner-roles.1")).expect("link");
    bin()
        .args(["man", "--dir"])
        .arg(&man)
        .assert()
        .code(2)
        .stderr(contains("symbolic link"));
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "precious"
    );
}

#[test]
fn output_over_the_rules_file_is_refused() {
    let dir = exported_rules();
    let rules = dir.path().join("rules.yaml");
    let before = std::fs::read(&rules).expect("rules");
    // With a format given (without one, `.yaml` is refused as no output format first).
    bin()
        .args(["classify", "-q", "-f", "csv", "--rules"])
        .arg(dir.path())
        .arg("-o")
        .arg(&rules)
        .arg(fixture("small-roster.csv"))
        .assert()
        .code(2)
        .stderr(contains("an input of this run"));
    assert_eq!(std::fs::read(&rules).expect("rules"), before);
}

#[cfg(unix)]
#[test]
fn sigterm_during_output_leaves_no_temporary_file() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("dir");
    let out = dir.path().join("out.csv");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("partner-roles"))
        .args(["classify", "-", "-q", "-f", "csv", "-o"])
        .arg(&out)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("spawns");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(b"partner_id,transacts,earns\nA,partner,margin\n")
        .expect("write");
    // The run holds its temporary file while it waits for more input.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::fs::read_dir(dir.path()).expect("dir").count() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "no temporary file appeared"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    let _ = child.wait();
    drop(stdin);
    let left: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
    assert!(left.is_empty(), "{left:?}");
}

// --- rows and cells lost or merged ----------------------------------------------------------

#[test]
fn an_unclosed_quote_in_the_header_is_an_error_not_an_empty_roster() {
    let mut roster = String::from("partner_id,\"partner_name,transacts\n");
    for i in 0..200 {
        roster.push_str(&format!("P{i},Name {i},partner\n"));
    }
    bin()
        .args(["classify", "-"])
        .write_stdin(roster)
        .assert()
        .code(2)
        .stderr(contains("the header row cannot be read"))
        .stderr(contains("column 2"));
}

#[test]
fn a_quote_closed_rows_later_costs_one_row_not_fifty() {
    let mut roster = String::from("partner_id,partner_name,transacts,earns\n");
    roster.push_str("P0,\"Broken Name,partner,margin\n");
    for i in 1..49 {
        roster.push_str(&format!("P{i},Name {i},partner,margin\n"));
    }
    roster.push_str("P49,Closing\" Name,partner,margin\n");
    let records = classify_stdin(roster.as_bytes(), &[]);
    assert_eq!(records.len(), 50, "one record a row");
    assert_eq!(records[0]["status"], "error");
    assert_eq!(records[0]["partner_id"], "P0");
    assert!(
        records[0]["reasons"][0]
            .as_str()
            .expect("reason")
            .contains("line 2, column 2 (partner_name): a quoted cell opens here")
    );
    for (i, r) in records.iter().enumerate().skip(1) {
        assert_eq!(r["partner_id"], format!("P{i}"));
        assert_eq!(r["status"], "classified", "{r}");
    }
}

#[test]
fn a_quote_open_past_the_line_limit_is_an_error_and_reading_resumes() {
    let mut roster = String::from("partner_id,memo_x\nA,\"");
    for _ in 0..10 {
        roster.push_str("note line\n");
    }
    roster.push_str("end\"\nB,ok\n");
    let records = classify_stdin(roster.as_bytes(), &["--max-record-lines", "5"]);
    assert_eq!(records[0]["status"], "error");
    assert!(
        records[0]["reasons"][0]
            .as_str()
            .expect("reason")
            .contains("still open after 5 lines")
    );
    assert_eq!(records.last().expect("last")["partner_id"], "B");
    // Within the limit, the same cell is read whole.
    let records = classify_stdin(roster.as_bytes(), &[]);
    assert_eq!(records.len(), 2);
    assert!(
        records[0]["extra"]["memo_x"]
            .as_str()
            .expect("memo")
            .ends_with("end")
    );
}

#[test]
fn extra_cells_reach_every_format_that_carries_input_columns() {
    let roster = b"partner_id,transacts,earns\nA,partner,margin,surplus one,surplus two\n";
    let records = classify_stdin(roster, &[]);
    assert_eq!(records[0]["extra"]["cell_4"], "surplus one");
    assert_eq!(records[0]["extra"]["cell_5"], "surplus two");
    let csv = stdout_of(
        bin()
            .args(["classify", "-", "-q", "-f", "csv"])
            .write_stdin(roster.to_vec()),
    );
    assert!(
        csv.contains("\"\"surplus one\"\", \"\"surplus two\"\""),
        "{csv}"
    );
}

#[test]
fn duplicate_and_empty_headers_become_unique_names() {
    let records = classify_stdin(b"x,x,x,,partner_id\n1,2,3,4,P\n", &[]);
    let extra = records[0]["extra"].as_object().expect("extra");
    let mut keys: Vec<&str> = extra.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["column_4", "x", "x_2", "x_3"]);
    assert!(records[0]["warnings"].to_string().contains("as x_2"));
    let records = classify_stdin(b",,,\n1,2,3,4\n", &[]);
    assert_eq!(records[0]["extra"].as_object().expect("extra").len(), 4);
    let csv = stdout_of(
        bin()
            .args(["classify", "-", "-q", "-f", "csv"])
            .write_stdin("partner_id,declared_role,result_declared_role\nP,VAR,x\n"),
    );
    let header: Vec<&str> = csv.lines().next().expect("header").split(',').collect();
    let mut unique = header.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), header.len(), "{header:?}");
}

#[test]
fn utf16_rosters_are_decoded_and_odd_encodings_refused() {
    let text = "partner_id,transacts,earns\nA,partner,margin\n";
    let mut utf16 = vec![0xff, 0xfe];
    for unit in text.encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    let records = classify_stdin(&utf16, &[]);
    assert_eq!(records[0]["partner_id"], "A");
    assert_eq!(records[0]["role"], "reseller");
    let mut utf32 = vec![0xff, 0xfe, 0, 0];
    for c in text.chars() {
        utf32.extend_from_slice(&(c as u32).to_le_bytes());
    }
    bin()
        .args(["classify", "-"])
        .write_stdin(utf32)
        .assert()
        .code(2)
        .stderr(contains("UTF-32"));
    let records = classify_stdin(b"partner_id,not\xffes\nA,x\n", &[]);
    assert!(
        records[0]["warnings"]
            .to_string()
            .contains("not valid UTF-8")
    );
    bin()
        .args(["classify", "--delimiter", "\n"])
        .arg(fixture("small-roster.csv"))
        .assert()
        .code(2)
        .stderr(contains("cannot separate cells"));
}

#[test]
fn lone_cr_line_endings_count_lines() {
    let records = classify_stdin(b"partner_name,earns\rA,margin\rB,margin\rC,margin\r", &[]);
    let lines: Vec<u64> = records
        .iter()
        .map(|r| r["line"].as_u64().expect("line"))
        .collect();
    assert_eq!(lines, [2, 3, 4]);
    let ids: Vec<&str> = records
        .iter()
        .map(|r| r["partner_id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["2", "3", "4"]);
}

// --- output that attacks the reader ---------------------------------------------------------

#[test]
fn control_characters_never_reach_a_terminal_or_a_spreadsheet_raw() {
    let dir = tempfile::tempdir().expect("dir");
    let roster = dir.path().join("roster.csv");
    std::fs::write(
        &roster,
        "partner_id,partner_name,declared_role,transacts,earns\nA\u{1b}[31m,Evil\u{9b}2J\u{202e}Co,VAR\u{1b}]0;x\u{7},partner,margin\n",
    )
    .expect("write");
    let raw = |text: &str| {
        text.contains('\u{1b}')
            || text.contains('\u{9b}')
            || text.contains('\u{202e}')
            || text.contains('\u{7}')
    };
    for format in ["table", "csv", "markdown"] {
        let out = stdout_of(bin().args(["classify", "-q", "-f", format]).arg(&roster));
        assert!(!raw(&out), "{format}: {out:?}");
        assert!(out.contains("\\u{1b}"), "{format} shows the escape: {out}");
    }
    for args in [
        vec!["audit", "-q", "-f", "table", "--fail-on", "never"],
        vec!["explain", "--row", "1"],
    ] {
        let out = stdout_of(bin().args(&args).arg(&roster));
        assert!(!raw(&out), "{args:?}: {out:?}");
    }
    // Rule-set text too.
    let rules = exported_rules();
    let path = rules.path().join("taxonomy.yaml");
    let text = std::fs::read_to_string(&path).expect("taxonomy");
    std::fs::write(
        &path,
        text.replacen("name: Reseller", "name: \"Re\\e[2Jseller\"", 1),
    )
    .expect("write");
    let out = stdout_of(bin().args(["rules", "list", "--rules"]).arg(rules.path()));
    assert!(!raw(&out), "{out:?}");
    // A formula behind leading blanks is guarded too.
    let out = stdout_of(
        bin()
            .args(["classify", "-", "-q", "-f", "csv"])
            .write_stdin("partner_id,partner_name\nA, =HYPERLINK(\"x\")\n"),
    );
    assert!(out.contains("' =HYPERLINK"), "{out}");
}

// --- memory and time without a bound --------------------------------------------------------

#[cfg(unix)]
#[test]
fn rule_input_is_capped_whatever_kind_of_file_it_is() {
    bin()
        .args(["rules", "lint", "--rules", "/dev/zero"])
        .timeout(Duration::from_secs(60))
        .assert()
        .code(2)
        .stderr(contains("far too large for a rule file"));
    let dir = tempfile::tempdir().expect("dir");
    let big = dir.path().join("big.yaml");
    std::fs::write(&big, "cases: []\n".repeat(1 << 20)).expect("write");
    bin()
        .args(["rules", "test"])
        .arg(&big)
        .timeout(Duration::from_secs(60))
        .assert()
        .code(2)
        .stderr(contains("far too large for a rule test file"));
}

#[test]
fn alias_bombs_deep_nesting_and_extends_chains_are_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let alias = dir.path().join("alias.yaml");
    let mut text = format!("x: &a \"{}\"\nl: [", "A".repeat(1 << 20));
    text.push_str(&vec!["*a"; 6000].join(","));
    text.push_str("]\n");
    std::fs::write(&alias, text).expect("write");
    bin()
        .args(["rules", "lint", "--rules"])
        .arg(&alias)
        .timeout(Duration::from_secs(60))
        .assert()
        .code(2)
        .stderr(contains("aliases expand the document"));
    let nested = dir.path().join("nested.yaml");
    std::fs::write(
        &nested,
        format!("a: {}{}\n", "[".repeat(40_000), "]".repeat(40_000)),
    )
    .expect("write");
    bin()
        .args(["rules", "lint", "--rules"])
        .arg(&nested)
        .timeout(Duration::from_secs(60))
        .assert()
        .code(2);
    let rules = exported_rules();
    let path = rules.path().join("rules.yaml");
    let text = std::fs::read_to_string(&path).expect("rules");
    let at = text.find("\nlint:").expect("lint");
    let mut chain = String::new();
    for k in 0..20_000 {
        let base = if k == 0 {
            "reseller".to_string()
        } else {
            format!("chain{}", k - 1)
        };
        chain.push_str(&format!(
            "  - id: chain{k}\n    role: reseller\n    source: a test\n    extends: {base}\n    when: {{fact: earns, has_any: [resale_margin]}}\n"
        ));
    }
    std::fs::write(&path, format!("{}\n{chain}{}", &text[..at], &text[at..])).expect("write");
    bin()
        .args(["rules", "lint", "--rules"])
        .arg(rules.path())
        .timeout(Duration::from_secs(60))
        .assert()
        .code(2)
        .stderr(contains("more than 16 rules down a chain of `extends`"));
}

#[cfg(unix)]
#[test]
fn a_roster_without_line_breaks_is_bounded() {
    bin()
        .args(["classify", "/dev/zero"])
        .timeout(Duration::from_secs(60))
        .assert()
        .code(2)
        .stderr(contains("NUL bytes"));
    let mut roster = b"partner_id,notes\nA,".to_vec();
    roster.extend(std::iter::repeat_n(b'x', 3 << 20));
    roster.extend_from_slice(b"\nB,ok\n");
    let records = classify_stdin(&roster, &[]);
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["status"], "error");
    assert!(
        records[0]["reasons"][0]
            .as_str()
            .expect("reason")
            .contains("longer than 1048576 bytes")
    );
    assert_eq!(records[1]["partner_id"], "B");
}

#[test]
fn a_table_holds_a_bounded_number_of_rows_and_says_so() {
    let mut roster = String::from("partner_id,transacts,earns\n");
    for i in 0..5003 {
        roster.push_str(&format!("P{i},partner,margin\n"));
    }
    let out = stdout_of(
        bin()
            .args(["classify", "-", "-q", "-f", "table"])
            .write_stdin(roster),
    );
    assert!(
        out.contains("3 more records are not shown: a table stops at 5000 rows"),
        "{}",
        &out[out.len().saturating_sub(300)..]
    );
}

#[test]
fn fixtures_stay_readable_with_the_new_reader() {
    // Every good fixture roster still reads with no error record.
    for name in ["sample-roster.csv", "messy-roster.csv", "hybrid-roster.csv"] {
        let out = stdout_of(
            bin()
                .args(["classify", "-q", "-f", "jsonl"])
                .arg(fixture(name)),
        );
        assert!(jsonl(&out).iter().all(|r| r["status"] != "error"), "{name}");
        let _ = Path::new(name);
    }
}

// --- a second adversarial pass -------------------------------------------------------------

#[test]
fn stray_quotes_before_short_rows_cost_their_own_rows_only() {
    let roster = "partner_id,partner_name,transacts,earns\nE1,\"broken,partner,margin\nE2,\"broken,partner,margin\nR3,ok,partner,margin\n";
    let records = classify_stdin(roster.as_bytes(), &[]);
    let ids: Vec<&str> = records
        .iter()
        .map(|r| r["partner_id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["E1", "E2", "R3"]);
    assert_eq!(records[0]["status"], "error");
    assert_eq!(records[2]["status"], "classified");
    let roster = "partner_id,partner_name,declared_role,transacts,earns\nA1,\"Foo,VAR,partner,margin\nA2,Bar\nA3,Baz\nA4,\"Q,VAR,partner,margin\n";
    let records = classify_stdin(roster.as_bytes(), &[]);
    assert_eq!(records.len(), 4, "one record a row");
    assert!(
        records[0]["reasons"][0]
            .as_str()
            .expect("reason")
            .contains("closes nothing")
    );
}

#[test]
fn wide_and_repetitive_headers_stay_small_and_fast() {
    // 10,000 columns named x: renamed in linear time, one warning per record.
    let mut roster = vec!["x"; 10_000].join(",");
    roster.push_str("\n1\n2\n");
    let records = classify_stdin(roster.as_bytes(), &[]);
    let warnings = records[0]["warnings"].as_array().expect("warnings");
    let renames: Vec<_> = warnings
        .iter()
        .filter(|w| w.as_str().is_some_and(|w| w.contains("outputs call")))
        .collect();
    assert_eq!(renames.len(), 1, "{renames:?}");
    assert!(
        renames[0]
            .as_str()
            .expect("text")
            .contains("and 9996 more columns likewise")
    );
    assert_eq!(records[0]["extra"]["x_10000"], "");
}

#[test]
fn output_over_a_roster_read_from_standard_input_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let roster = dir.path().join("roster.csv");
    std::fs::copy(fixture("small-roster.csv"), &roster).expect("copy");
    let before = std::fs::read(&roster).expect("read");
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("partner-roles"))
        .args(["classify", "-", "-o"])
        .arg(&roster)
        .stdin(std::fs::File::open(&roster).expect("open"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("an input of this run"));
    assert_eq!(std::fs::read(&roster).expect("read"), before);
}

#[cfg(unix)]
#[test]
fn export_refuses_a_linked_tests_folder_and_man_writes_nothing_before_refusing() {
    let dir = tempfile::tempdir().expect("dir");
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).expect("dir");
    let export = dir.path().join("export");
    std::fs::create_dir(&export).expect("dir");
    std::os::unix::fs::symlink(&elsewhere, export.join("tests")).expect("link");
    bin()
        .args(["rules", "export", "--force"])
        .arg(&export)
        .assert()
        .code(2)
        .stderr(contains("symbolic link"));
    assert_eq!(std::fs::read_dir(&elsewhere).expect("dir").count(), 0);
    let man = dir.path().join("man");
    std::fs::create_dir(&man).expect("dir");
    std::os::unix::fs::symlink(dir.path().join("victim"), man.join("partner-roles.1"))
        .expect("link");
    bin().args(["man", "--dir"]).arg(&man).assert().code(2);
    assert_eq!(
        std::fs::read_dir(&man).expect("dir").count(),
        1,
        "only the link"
    );
}

#[cfg(unix)]
#[test]
fn a_rules_folder_with_a_fifo_is_refused_not_skipped() {
    let dir = exported_rules();
    let fifo = dir.path().join("extra.yaml");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(status.success());
    bin()
        .args(["rules", "list", "--rules"])
        .arg(dir.path())
        .timeout(Duration::from_secs(60))
        .assert()
        .code(2)
        .stderr(contains("not a regular file"));
}

#[test]
fn reports_and_tables_show_hostile_text_escaped_and_bounded() {
    let dir = tempfile::tempdir().expect("dir");
    let roster = dir.path().join("roster.csv");
    let long = "N".repeat(50_000);
    std::fs::write(
        &roster,
        format!("partner_id,partner_name,transacts,earns\nA\u{1b}[2J,=HYPERLINK(\"x\"),partner,margin\nB,{long},partner,margin\n"),
    )
    .expect("write");
    let md = dir.path().join("report.md");
    bin()
        .args(["report", "-q", "-o"])
        .arg(&md)
        .arg(&roster)
        .assert()
        .success();
    let text = std::fs::read_to_string(&md).expect("report");
    assert!(!text.contains('\u{1b}'), "no raw escape in the report");
    assert!(text.contains("'=HYPERLINK"), "formula guarded");
    let html = dir.path().join("report.html");
    bin()
        .args(["report", "-q", "-o"])
        .arg(&html)
        .arg(&roster)
        .assert()
        .success();
    assert!(
        !std::fs::read_to_string(&html)
            .expect("html")
            .contains('\u{1b}')
    );
    let table = stdout_of(bin().args(["classify", "-q", "-f", "table"]).arg(&roster));
    assert!(
        table.len() < 20_000,
        "long cells are cut in a table: {} bytes",
        table.len()
    );
}

#[test]
fn a_record_of_exactly_the_limit_is_read() {
    let mut roster = b"partner_id,memo_x\n".to_vec();
    let line = format!("A,{}", "x".repeat(1022));
    assert_eq!(line.len(), 1024);
    roster.extend_from_slice(line.as_bytes());
    roster.extend_from_slice(b"\n");
    let records = classify_stdin(&roster, &["--max-record-bytes", "1024"]);
    assert_eq!(records[0]["partner_id"], "A");
    assert_ne!(records[0]["status"], "error");
    roster.truncate(roster.len() - 1);
    roster.extend_from_slice(b"x\n");
    let records = classify_stdin(&roster, &["--max-record-bytes", "1024"]);
    assert_eq!(records[0]["status"], "error");
}
