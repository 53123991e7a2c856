//! Plain words first (readable-output issue, item 2): the human formats (table, Markdown,
//! the Markdown and HTML reports, `check`'s text) name roles by their display names with the
//! id beside them, show the declared cell as typed with its reading, lead with the definition
//! and leave the rule trace to `explain`, JSON and CSV; a declared umbrella term is its own
//! finding wording. Cases from `fixtures/plain-words.csv`: P1 declared `VAR` and is one, P2
//! declared only `Partner` (the umbrella term), P3 declared `Distributor` and is a reseller.

use crate::support::{bin, check_reseller, fixture, stdout_of};

/// The rule trace a person does not need: the rule that decided and the facts it read.
const TRACE: &str = "Decided by rule";

fn human_outputs() -> Vec<(&'static str, String)> {
    let roster = fixture("plain-words.csv");
    let run = |args: &[&str]| {
        let mut cmd = bin();
        cmd.args(args).arg(&roster).arg("-q");
        stdout_of(&mut cmd)
    };
    vec![
        ("table", run(&["classify", "--format", "table"])),
        ("markdown", run(&["classify", "--format", "markdown"])),
        (
            "report markdown",
            run(&["report", "--format", "markdown", "-o", "/dev/stdout"]),
        ),
        (
            "report html",
            run(&["report", "--format", "html", "-o", "/dev/stdout"]),
        ),
    ]
}

#[test]
fn human_formats_speak_in_display_names_and_typed_cells() {
    for (format, out) in human_outputs() {
        // A table wraps its cells at spaces: there, the first words of each.
        let wrapped = format == "table";
        for (whole, first_words) in [
            ("Value-Added Reseller", "Value-Added Reseller"),
            ("VAR → Value-Added Reseller", "VAR → Value-Added"),
            ("declared only as a channel partner", "declared only as"),
            // The definition leads the reasons.
            ("a reseller that also does hands-on work", "Classified as"),
        ] {
            let expected = if wrapped { first_words } else { whole };
            assert!(
                out.contains(expected),
                "{format} lacks {expected:?}:\n{out}"
            );
        }
        assert!(
            !out.contains(TRACE),
            "{format} shows the rule trace:\n{out}"
        );
    }
    // The ids stay at hand: in the Markdown outputs beside the name, in HTML as a tooltip.
    let outputs = human_outputs();
    assert!(
        outputs[1]
            .1
            .contains("Value-Added Reseller<br>`value_added_reseller`")
    );
    assert!(outputs[2].1.contains("`value_added_reseller`"));
    assert!(
        outputs[3]
            .1
            .contains(r#"title="value_added_reseller">Value-Added Reseller<"#)
    );
    // The declared x derived matrix too: its rows and columns in plain words, ids as tooltips
    // in HTML.
    assert!(
        outputs[3]
            .1
            .contains(r#"<th class="col" title="value_added_reseller">Value-Added Reseller</th>"#),
        "{}",
        outputs[3].1
    );
    let matrix_header = outputs[2]
        .1
        .lines()
        .find(|l| l.starts_with("| declared"))
        .expect("the matrix");
    assert!(
        matrix_header.contains("| Value-Added Reseller |"),
        "{matrix_header}"
    );
}

#[test]
fn machine_formats_and_explain_keep_ids_and_the_trace() {
    let roster = fixture("plain-words.csv");
    let jsonl = stdout_of(
        bin()
            .args(["classify", "--format", "jsonl", "-q"])
            .arg(&roster),
    );
    let records: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(records[0]["role"], "value_added_reseller");
    assert_eq!(records[0]["declared_role"], "value_added_reseller");
    assert!(
        records[0]["reasons"][1]
            .as_str()
            .unwrap()
            .starts_with(TRACE)
    );
    // The umbrella term is still `undeclared` on the wire: the contract's finding values.
    assert_eq!(records[1]["finding"], "undeclared");
    let csv = stdout_of(
        bin()
            .args(["classify", "--format", "csv", "-q"])
            .arg(&roster),
    );
    assert!(csv.contains(TRACE));
    let explain = stdout_of(bin().args(["explain"]).arg(&roster).args(["--row", "2"]));
    assert!(explain.contains("value_added_reseller"), "{explain}");
}

#[test]
fn check_text_names_the_role_and_reads_the_declared_cell() {
    let out = check_reseller(&["--delivers", "none", "--declared", "Partner"]);
    assert!(
        out.contains("role            Reseller (reseller, resale)"),
        "{out}"
    );
    assert!(
        out.contains(
            "Partner → a channel partner only, no role (declared only as a channel partner)"
        ),
        "{out}"
    );
    assert!(!out.contains(TRACE), "{out}");
}
