//! Hostile input: malformed rosters and rule files never make the binary panic or hang, every
//! row yields exactly one record (an `error` record naming the line when it cannot be read),
//! and outputs cannot attack the person who opens them.

use std::io::Read;

use partner_roles::output::Format;
use partner_roles::pipeline;
use partner_roles::rules::RuleSet;
use predicates::str::contains;
use proptest::prelude::*;

use crate::support::{bin, classify_jsonl, exported_rules, fixture};

fn statuses(path: &std::path::Path) -> Vec<(u64, String, String)> {
    classify_jsonl(path)
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap_or(0),
                r["status"].as_str().unwrap_or("").to_string(),
                r["role"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn malformed_rosters_give_a_result_or_an_error_record_per_row() {
    let s = |v: &[(u64, &str, &str)]| {
        v.iter()
            .map(|(l, a, b)| (*l, a.to_string(), b.to_string()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        statuses(&fixture("bad/bom.csv")),
        s(&[(2, "classified", "reseller")]),
        "a byte-order mark is not part of the first header"
    );
    assert_eq!(
        statuses(&fixture("bad/crlf.csv")),
        s(&[
            (2, "classified", "reseller"),
            (3, "classified", "fulfillment_partner")
        ])
    );
    assert_eq!(
        statuses(&fixture("bad/semicolon.csv")),
        s(&[
            (2, "classified", "reseller"),
            (3, "classified", "fulfillment_partner")
        ]),
        "semicolon exports are detected"
    );
    assert_eq!(
        statuses(&fixture("bad/tab.csv")),
        s(&[(2, "classified", "reseller")]),
        "tab exports are detected"
    );
    assert_eq!(
        statuses(&fixture("bad/quoted-newline.csv")),
        s(&[(2, "classified", "reseller"), (4, "classified", "reseller")]),
        "a quoted line break stays in its cell and line numbers stay physical"
    );
    // The stray quote costs its own row only: the row after it is read.
    let unterminated = classify_jsonl(&fixture("bad/unterminated-quote.csv"));
    assert_eq!(unterminated.len(), 3);
    assert_eq!(unterminated[1]["status"], "error");
    assert_eq!(
        unterminated[1]["partner_id"], "U2",
        "the id is read from the line"
    );
    let reason = unterminated[1]["reasons"][0].as_str().expect("reason");
    assert!(
        reason.contains("line 3, column 7 (notes): a quoted cell opens here and is still open on line 4, which reads like a row of its own"),
        "{reason}"
    );
    assert!(reason.contains("reading resumes on line 4"), "{reason}");
    assert_eq!(unterminated[2]["partner_id"], "U3");
    assert_eq!(unterminated[2]["status"], "classified");
    let duplicate = classify_jsonl(&fixture("bad/duplicate-headers.csv"));
    assert!(
        duplicate[0]["warnings"][0]
            .as_str()
            .unwrap_or("")
            .contains("both mean `earns`")
    );
    assert_eq!(
        duplicate[0]["extra"]["Revenue Model"], "commission",
        "the second column is carried through"
    );
}

#[test]
fn an_explicit_delimiter_wins_over_detection() {
    let roster = "partner_id|transacts|earns\nP1|partner|margin\n";
    let out = bin()
        .args(["classify", "-", "-f", "jsonl", "-q", "--delimiter", "|"])
        .write_stdin(roster)
        .output()
        .expect("runs");
    let rec: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(rec["partner_id"], "P1");
}

/// A declared-role cell of a megabyte of parts that name nothing (or of words around a name)
/// is read in a time in proportion to its length, and says so in a few warnings: each distinct
/// unknown part once, at most five, and a count of the rest (it used to give one warning per
/// part, each quoting the whole cell: a gigabyte of output, and minutes, for this roster).
#[test]
fn a_megabyte_declared_role_cell_gives_a_few_warnings() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("long-declared.csv");
    let repeated = vec!["ab"; 300_000].join(",");
    let distinct: Vec<String> = (0..60_000).map(|i| format!("u{i}")).collect();
    let words = format!("{}reseller", "word ".repeat(150_000));
    std::fs::write(
        &path,
        format!(
            "partner_id,declared_role,transacts,earns\nP1,\"{repeated}\",partner,margin\nP2,\"{},VAR\",partner,margin\nP3,{words},partner,margin\n",
            distinct.join(",")
        ),
    )
    .expect("write");
    let got = classify_jsonl(&path);
    assert_eq!(got.len(), 3);
    let declared_warnings = |r: &serde_json::Value| -> Vec<String> {
        r["warnings"]
            .as_array()
            .expect("warnings")
            .iter()
            .filter_map(|w| w.as_str())
            .filter(|w| w.starts_with("declared_role"))
            .map(|w| w.chars().take(40).collect())
            .collect()
    };
    assert_eq!(
        declared_warnings(&got[0]),
        ["declared_role: \"ab\" in \"ab,ab,ab,ab,ab,a"]
    );
    let second = declared_warnings(&got[1]);
    assert_eq!(second.len(), 6, "{second:?}");
    assert!(second[5].starts_with("declared_role: 59995 more parts"));
    assert_eq!(got[1]["declared_role"], "value_added_reseller");
    assert_eq!(got[2]["declared_role"], "reseller");
}

/// Long fact cells of unknown items warn about each distinct item once, at most five, and
/// count the rest; `explain` of a description that is one long clause full of phrases quotes
/// each hit with a short snippet (it used to scan the whole clause for each: quadratic).
#[test]
fn long_fact_and_prose_cells_warn_and_explain_in_proportion() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("long-cells.csv");
    let repeated = vec!["zq"; 100_000].join(";");
    let distinct: Vec<String> = (0..20_000).map(|i| format!("a{i}")).collect();
    let prose = "resells ".repeat(40_000);
    std::fs::write(
        &path,
        format!(
            "partner_id,transacts,activities,earns,description\nP1,\"{repeated};partner\",{},margin,{prose}\n",
            distinct.join(";")
        ),
    )
    .expect("write");
    let got = classify_jsonl(&path);
    let warnings: Vec<&str> = got[0]["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter_map(|w| w.as_str())
        .filter(|w| w.starts_with("transacts") || w.starts_with("activities"))
        .collect();
    assert_eq!(
        warnings,
        [
            "transacts: \"zq\" is not a known value; ignored",
            "activities: \"a0\" is not a known value; ignored",
            "activities: \"a1\" is not a known value; ignored",
            "activities: \"a2\" is not a known value; ignored",
            "activities: \"a3\" is not a known value; ignored",
            "activities: \"a4\" is not a known value; ignored",
            "activities: 19995 more items are not known values; ignored",
        ]
    );
    assert_eq!(got[0]["declared_role"], serde_json::Value::Null);
    let out = bin()
        .args(["explain", "--row", "1"])
        .arg(&path)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        text.matches("in \"...resells resells").count() > 1000,
        "{}",
        &text[..2000.min(text.len())]
    );
}

#[test]
fn a_ten_megabyte_cell_and_ten_thousand_columns() {
    let dir = tempfile::tempdir().expect("temp dir");
    let big = dir.path().join("big-cell.csv");
    let cell = "x".repeat(10 << 20);
    std::fs::write(&big, format!("partner_id,notes,transacts,earns\nP1,\"{cell}\",partner,margin\nP2,short,vendor,commission\n")).expect("write");
    // Over the default limit of one record: an error record, and the next row is read.
    let got = classify_jsonl(&big);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0]["status"], "error");
    assert!(
        got[0]["reasons"][0]
            .to_string()
            .contains("longer than 1048576 bytes")
    );
    assert_eq!(got[1]["line"], 3);
    // With the limit raised, the cell is read and carried through.
    let out = bin()
        .args([
            "classify",
            "-q",
            "-f",
            "jsonl",
            "--max-record-bytes",
            "20000000",
        ])
        .arg(&big)
        .output()
        .expect("runs");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let first: serde_json::Value =
        serde_json::from_str(text.lines().next().expect("a record")).expect("json");
    assert_eq!(first["status"], "classified");
    let wide = dir.path().join("wide.csv");
    let header: Vec<String> = (0..10_000).map(|i| format!("c{i}")).collect();
    let row: Vec<String> = (0..10_000).map(|i| i.to_string()).collect();
    std::fs::write(
        &wide,
        format!(
            "partner_id,transacts,{}\nW1,partner,{}\n",
            header.join(","),
            row.join(",")
        ),
    )
    .expect("write");
    let got = classify_jsonl(&wide);
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0]["extra"].as_object().map(|o| o.len()),
        Some(10_000),
        "unknown columns are carried through"
    );
}

#[test]
fn hostile_rule_files_are_rejected_quickly_with_a_place() {
    let dir = tempfile::tempdir().expect("temp dir");
    // An alias bomb over conditions: 10^8 nodes if expanded.
    let mut bomb = String::from(
        "rules:\n  - id: r\n    role: x\n    source: s\n    when:\n      all:\n        - &c0 {fact: earns, has_any: [margin]}\n",
    );
    for i in 1..9 {
        bomb.push_str(&format!(
            "        - &c{i} {{all: [{}]}}\n",
            vec![format!("*c{}", i - 1); 10].join(",")
        ));
    }
    let path = dir.path().join("bomb.yaml");
    std::fs::write(&path, bomb).expect("write");
    bin()
        .args(["rules", "list", "--rules"])
        .arg(&path)
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(2)
        .stderr(contains("billion laughs"));
    // Deep nesting.
    let deep = dir.path().join("deep.yaml");
    std::fs::write(
        &deep,
        format!("ruleset: {}{}\n", "[".repeat(5000), "]".repeat(5000)),
    )
    .expect("write");
    bin()
        .args(["rules", "list", "--rules"])
        .arg(&deep)
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(2)
        .stderr(contains("deep.yaml:1:"));
    // Conditions nested deeper than the engine allows.
    let mut nested = String::from("@@");
    for _ in 0..40 {
        nested = format!("{{not: {nested}}}");
    }
    let nested = nested.replace("@@", "{fact: earns, has_any: [margin]}");
    let exported = exported_rules();
    let rules = exported.path().join("rules.yaml");
    let text = std::fs::read_to_string(&rules).expect("read");
    let deep_rule = format!(
        "  - id: too_deep\n    role: reseller\n    source: test\n    when: {nested}\n\nlint:\n"
    );
    assert!(text.contains("\nlint:\n"));
    std::fs::write(
        &rules,
        text.replacen("\nlint:\n", &format!("\n{deep_rule}"), 1),
    )
    .expect("write");
    bin()
        .args(["rules", "list", "--rules"])
        .arg(exported.path())
        .assert()
        .code(2)
        .stderr(contains("nested deeper than 32"));
    // A 50 MB file is refused before it is read.
    let huge = dir.path().join("huge.yaml");
    let file = std::fs::File::create(&huge).expect("create");
    file.set_len(50 << 20).expect("size");
    bin()
        .args(["rules", "list", "--rules"])
        .arg(&huge)
        .assert()
        .code(2)
        .stderr(contains("far too large for a rule file"));
}

#[test]
fn csv_and_markdown_outputs_neutralize_formulas_unless_raw() {
    let roster = "partner_id,partner_name,transacts,earns,notes\n=1+1,@SUM(A1),partner,margin,\"=HYPERLINK(\"\"http://x\"\")\"\n";
    let csv = bin()
        .args(["classify", "-", "-f", "csv", "-q"])
        .write_stdin(roster)
        .output()
        .expect("runs");
    let text = String::from_utf8(csv.stdout).expect("utf-8");
    let row = text.lines().nth(1).expect("row");
    assert!(
        row.starts_with("'=1+1,'@SUM(A1),partner,margin,\"'=HYPERLINK(\"\"http://x\"\")\""),
        "{row}"
    );
    let raw = bin()
        .args(["classify", "-", "-f", "csv", "-q", "--raw"])
        .write_stdin(roster)
        .output()
        .expect("runs");
    assert!(
        String::from_utf8_lossy(&raw.stdout)
            .lines()
            .nth(1)
            .expect("row")
            .starts_with("=1+1,@SUM(A1)")
    );
    let md = bin()
        .args(["classify", "-", "-f", "markdown", "-q"])
        .write_stdin(roster)
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&md.stdout).contains("| '=1+1 | '@SUM(A1) |"));
}

#[test]
fn output_files_are_replaced_whole_and_never_the_roster() {
    let dir = tempfile::tempdir().expect("temp dir");
    let roster = dir.path().join("roster.csv");
    std::fs::copy(fixture("small-roster.csv"), &roster).expect("copy");
    bin()
        .args(["classify", "-o"])
        .arg(&roster)
        .arg(&roster)
        .assert()
        .code(2)
        .stderr(contains("an input of this run"));
    assert_eq!(
        std::fs::read(&roster).expect("read"),
        std::fs::read(fixture("small-roster.csv")).expect("read"),
        "the roster is untouched"
    );
    // A run that fails leaves neither a half-written file nor its temporary file.
    let out = dir.path().join("out.csv");
    bin()
        .args(["classify", "-o"])
        .arg(&out)
        .arg(fixture("bad/empty.csv"))
        .assert()
        .code(2);
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(
        left,
        vec![std::ffi::OsString::from("roster.csv")],
        "{left:?}"
    );
    bin()
        .args(["classify", "-q", "-o"])
        .arg(&out)
        .arg(&roster)
        .assert()
        .success();
    assert!(
        std::fs::read_to_string(&out)
            .expect("written")
            .starts_with("partner_id,")
    );
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let roster = dir.path().join("roster.csv");
    let mut text = String::from("partner_id,transacts,earns\n");
    for i in 0..200_000 {
        text.push_str(&format!("P{i},partner,margin\n"));
    }
    std::fs::write(&roster, text).expect("write");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("partner-roles"))
        .args(["classify", "-f", "csv"])
        .arg(&roster)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawns");
    let mut first = [0u8; 100];
    child
        .stdout
        .take()
        .expect("stdout")
        .read_exact(&mut first)
        .expect("some output");
    // Dropping the read end closes the pipe, like `| head`.
    let out = child.wait_with_output().expect("waits");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

fn builtin() -> &'static RuleSet {
    static RULES: std::sync::OnceLock<RuleSet> = std::sync::OnceLock::new();
    RULES.get_or_init(|| RuleSet::builtin().expect("built-in"))
}

/// Runs `bytes` through the pipeline with raw CSV output and reads that output back with the
/// csv crate: (the input columns of each record, its status, its warnings, its first reason).
fn through_csv(bytes: &[u8]) -> Vec<(Vec<String>, String, String, String)> {
    through_csv_with(bytes, b',')
}

/// [`through_csv`] for a roster whose cells are separated by `delimiter`.
fn through_csv_with(bytes: &[u8], delimiter: u8) -> Vec<(Vec<String>, String, String, String)> {
    let mut out = Vec::new();
    {
        let mut writer = partner_roles::output::writer_with(Format::Csv, Box::new(&mut out), true);
        let options = pipeline::RunOptions {
            delimiter: Some(delimiter),
            ..Default::default()
        };
        pipeline::run(builtin(), bytes, "prop", options, writer.as_mut())
            .expect("a header row is there");
    }
    let mut reader = csv::ReaderBuilder::new().from_reader(&out[..]);
    let header = reader.headers().expect("header").clone();
    let width = header
        .iter()
        .position(|h| h == "status")
        .expect("status column");
    let col = |name: &str| header.iter().position(|h| h == name).expect("column");
    let (warnings, reasons) = (col("warnings"), col("reasons"));
    reader
        .records()
        .map(|r| {
            let r = r.expect("our CSV output is valid CSV");
            (
                r.iter().take(width).map(String::from).collect(),
                r[width].to_string(),
                r[warnings].to_string(),
                r[reasons].to_string(),
            )
        })
        .collect()
}

/// The records the csv crate reads from `bytes` (after the header), cells decoded lossily.
fn csv_crate_records(bytes: &[u8]) -> Vec<Vec<String>> {
    csv_crate_records_with(bytes, b',')
}

/// [`csv_crate_records`] for cells separated by `delimiter`.
fn csv_crate_records_with(bytes: &[u8], delimiter: u8) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes);
    let mut records = Vec::new();
    let mut record = csv::ByteRecord::new();
    while let Ok(true) = reader.read_byte_record(&mut record) {
        records.push(
            record
                .iter()
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect(),
        );
    }
    records
}

/// Our records against the csv crate's, cell by cell: the input columns as read (short rows
/// padded with empty cells), and cells past the header kept in the warnings.
fn same_cells(
    ours: &[(Vec<String>, String, String, String)],
    theirs: &[Vec<String>],
    width: usize,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(
        ours.len(),
        theirs.len(),
        "records out = the csv crate's records"
    );
    for ((cells, _, warnings, _), want) in ours.iter().zip(theirs) {
        for (i, cell) in cells.iter().enumerate().take(width) {
            prop_assert_eq!(cell, want.get(i).map_or("", String::as_str), "cell {}", i);
        }
        for extra in want.iter().skip(width) {
            prop_assert!(
                warnings.contains(&format!("{extra:?}")),
                "extra cell {:?} kept in {:?}",
                extra,
                warnings
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Arbitrary bytes as a roster: never a panic, one output record per record, and, whenever
    /// no quote is left open (then the row is an error record and reading resumes on the next
    /// line, where the csv crate would run on to the end), the same cells as the csv crate reads.
    #[test]
    fn arbitrary_bytes_read_as_the_csv_crate_reads_them(body in proptest::collection::vec(
        proptest::sample::select(vec![b'a', b'P', b'1', b',', b';', b'"', b'\n', b'\r', b' ', 0xff, 0xc3, b'=', b'|']), 0..400)) {
        let mut bytes = b"partner_id,transacts,earns,delivers\n".to_vec();
        bytes.extend_from_slice(&body);
        let ours = through_csv(&bytes);
        let theirs = csv_crate_records(&bytes);
        let open_quote = ours.iter().any(|(_, status, _, reason)| status == "error" && reason.contains("a quoted cell opens here"));
        if open_quote {
            // Every physical line with content is in some record, so at least one record a
            // line... and never more records than lines.
            let lines = bytes.split(|&b| b == b'\n' || b == b'\r').filter(|l| !l.is_empty()).count();
            prop_assert!(ours.len() < lines.max(1), "{} records from {} lines", ours.len(), lines);
        } else {
            same_cells(&ours, &theirs, 4)?;
        }
    }

    /// Well-formed CSV written by the csv crate (quoted cells with commas, semicolons, tabs,
    /// quotes, line breaks, CR, unicode; LF, CRLF or CR between records; comma, semicolon or
    /// tab between cells; with or without a UTF-8 byte-order mark; ragged rows) reads back cell
    /// for cell. The cells come back through our CSV writer and the csv crate's reader, so the
    /// writer's quoting is checked by the same comparison.
    #[test]
    fn csv_written_by_the_csv_crate_reads_back_cell_for_cell(
        rows in proptest::collection::vec(proptest::collection::vec("[a-c ,;\t\"é€=\\-]{0,6}(\n[a-c \"]{0,4}){0,2}", 1..6), 1..25),
        terminator in proptest::sample::select(vec![csv::Terminator::CRLF, csv::Terminator::Any(b'\n'), csv::Terminator::Any(b'\r')]),
        delimiter in proptest::sample::select(vec![b',', b';', b'\t']),
        bom in any::<bool>(),
    ) {
        let mut writer = csv::WriterBuilder::new().flexible(true).delimiter(delimiter).terminator(terminator).from_writer(Vec::new());
        writer.write_record(["partner_id", "name", "notes", "x"]).expect("header");
        for row in &rows {
            writer.write_record(row).expect("row");
        }
        let mut bytes = if bom { b"\xef\xbb\xbf".to_vec() } else { Vec::new() };
        bytes.extend(writer.into_inner().expect("flush"));
        let theirs = csv_crate_records_with(&bytes, delimiter);
        let ours = through_csv_with(&bytes, delimiter);
        same_cells(&ours, &theirs, 4)?;
    }
}

#[test]
fn rules_that_extend_each_other_in_a_cycle_are_an_error() {
    let dir = exported_rules();
    let rules = dir.path().join("rules.yaml");
    let text = std::fs::read_to_string(&rules).expect("read");
    let cycle = "  - id: loop_a\n    role: reseller\n    source: test\n    extends: loop_b\n    when: {fact: earns, has_any: [margin]}\n  - id: loop_b\n    role: reseller\n    source: test\n    extends: loop_a\n    when: {fact: earns, has_any: [volume]}\n\nlint:\n";
    std::fs::write(&rules, text.replacen("\nlint:\n", &format!("\n{cycle}"), 1)).expect("write");
    bin()
        .args(["rules", "list", "--rules"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(contains("extends itself through a cycle of rules"));
}

/// Every roster and rule file under `fixtures/`, good or bad, through the real binary: it may
/// succeed, find something (1) or refuse the input (2), but never panic (101).
#[test]
fn no_fixture_makes_the_binary_panic() {
    let mut checked = 0;
    for dir in ["", "bad", "rules-bad", "rules-lint"] {
        let folder = fixture(dir);
        for entry in std::fs::read_dir(&folder).expect("fixtures") {
            let path = entry.expect("entry").path();
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            let out = match ext {
                "csv" => bin()
                    .args(["audit", "-q", "-f", "jsonl"])
                    .arg(&path)
                    .output(),
                "yaml" => bin().args(["rules", "lint", "--rules"]).arg(&path).output(),
                _ => continue,
            }
            .expect("runs");
            let code = out.status.code();
            assert!(
                matches!(code, Some(0..=2)),
                "{}: exit {code:?}: {}",
                path.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            checked += 1;
        }
    }
    assert!(checked >= 20, "{checked} fixtures");
}
