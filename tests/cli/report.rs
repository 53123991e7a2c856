//! `report`: Markdown and self-contained HTML, escaping, the cap on long lists, and the progress
//! bar's manners.

use std::io::Write;

use crate::support::{bin, fixture};

fn report(roster: &std::path::Path, args: &[&str]) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let format = if args.contains(&"markdown") {
        "md"
    } else {
        "html"
    };
    let out = dir.path().join(format!("report.{format}"));
    bin()
        .env("SOURCE_DATE_EPOCH", "1795305600")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("report")
        .arg(roster)
        .arg("-o")
        .arg(&out)
        .args(args)
        .assert()
        .success();
    std::fs::read_to_string(&out).expect("report written")
}

#[test]
fn markdown_report_snapshot() {
    // A relative path, so the snapshot is the same wherever the project is checked out.
    let text = report(
        std::path::Path::new("fixtures/small-roster.csv"),
        &["--format", "markdown"],
    );
    assert!(text.contains("Date: 2026-11-22"));
    assert!(
        text.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "roster text is escaped"
    );
    insta::assert_snapshot!("report_markdown_small", text);
}

#[test]
fn html_report_is_self_contained_and_escaped() {
    let html = report(&fixture("small-roster.csv"), &[]);
    assert!(html.starts_with("<!DOCTYPE html>"));
    for external in ["http://", "https://", "<link", " src=\"", "@import", "url("] {
        assert!(
            !html.contains(external),
            "no external asset: found {external:?}"
        );
    }
    assert!(!html.contains("<img src=x"), "the hostile name is escaped");
    assert!(html.contains("&#60;img src=x onerror=alert(1)&#62;"));
    // HYPERLINK formula text from the notes column never reaches the page unescaped either.
    assert!(html.contains("<svg role=\"img\""), "inline SVG charts");
    assert!(
        html.contains("id=\"finding-mismatch\">2<"),
        "summary numbers"
    );
    assert!(html.contains("@media print"), "printable");
}

#[test]
fn long_lists_are_capped_and_say_so_while_summaries_cover_everything() {
    let html = report(&fixture("sample-roster.csv"), &["--max-details", "5"]);
    assert_eq!(html.matches("<tr data-role=").count(), 5);
    assert!(
        html.contains(
            "37 records are not shown here (details stop at 5); the summaries above cover all 42."
        ),
        "note on the cap"
    );
    assert!(html.contains("<span id=\"total\">42</span>"));
    assert!(html.contains("id=\"finding-mismatch\">12<"));
    let md = report(
        &fixture("sample-roster.csv"),
        &["--format", "markdown", "--max-details", "5"],
    );
    assert!(
        md.contains("7 more records need a person and are not listed"),
        "{md}"
    );
}

#[test]
fn no_progress_bar_without_a_terminal() {
    let out = bin()
        .args(["classify", "-f", "csv"])
        .arg(fixture("sample-roster.csv"))
        .output()
        .expect("runs");
    let stderr = String::from_utf8(out.stderr).expect("utf-8");
    assert!(!stderr.contains("classifying"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "only the summary line: {stderr}");
}

#[test]
fn progress_bar_on_a_terminal_unless_quiet() {
    let Some(script) = ["/usr/bin/script", "/bin/script"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
    else {
        let _ = writeln!(
            std::io::stderr(),
            "note: `script` (util-linux) not found; the terminal progress test was not run"
        );
        return;
    };
    // The roster arrives on standard input with a pause in the middle, so the run lasts longer
    // than the half second before the bar is drawn, however fast the machine is.
    let dir = tempfile::tempdir().expect("temp dir");
    let roster = dir.path().join("roster.csv");
    let mut text = String::from("partner_id,transacts,sells_to,earns,delivers\n");
    for i in 0..2_000 {
        text.push_str(&format!(
            "P{i},partner,end_customers,margin,implementation\n"
        ));
    }
    std::fs::write(&roster, text).expect("roster");
    let binary = assert_cmd::cargo::cargo_bin("partner-roles");
    let run = |extra: &str| {
        let command = format!(
            "(head -n 1000 {r}; sleep 1.2; tail -n +1001 {r}) | {b} classify - -f csv -o {o} {extra}",
            r = roster.display(),
            b = binary.display(),
            o = dir.path().join("out.csv").display()
        );
        let out = std::process::Command::new(script)
            .args(["-qec", &command, "/dev/null"])
            .output()
            .expect("script runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let shown = run("");
    assert!(
        shown.contains("classifying"),
        "a bar on a terminal: {shown:?}"
    );
    assert!(shown.contains("2000 rows read"), "{shown:?}");
    let quiet = run("--quiet");
    assert!(
        !quiet.contains("classifying"),
        "no bar with --quiet: {quiet:?}"
    );
}

/// `report` with no `-o` on a terminal writes Markdown, not a page of raw HTML; piped, HTML.
#[test]
fn report_on_a_terminal_is_markdown_and_piped_is_html() {
    let binary = assert_cmd::cargo::cargo_bin("partner-roles");
    let command = format!(
        "{} report -q {}",
        binary.display(),
        fixture("small-roster.csv").display()
    );
    let Some(shown) = crate::support::on_a_terminal(&command, "the terminal report test") else {
        return;
    };
    assert!(shown.trim_start().starts_with('#'), "{shown:?}");
    assert!(!shown.contains("<html"), "{shown:?}");
    let piped = crate::support::stdout_of(
        bin()
            .args(["report", "-q"])
            .arg(fixture("small-roster.csv")),
    );
    assert!(
        piped.trim_start().starts_with("<!DOCTYPE html>"),
        "{piped:?}"
    );
}

/// Score and confidence are explained once: in the help of the commands that print them and
/// in the report's footer.
#[test]
fn score_and_confidence_are_explained() {
    for command in ["classify", "audit", "check"] {
        let help = crate::support::stdout_of(bin().args([command, "--help"]));
        assert!(
            help.contains("Confidence (0 to 1)") && help.contains("A candidate's score"),
            "{command} --help"
        );
    }
    for format in ["html", "markdown"] {
        let text = crate::support::stdout_of(
            bin()
                .args(["report", "-q", "--format", format])
                .arg(fixture("small-roster.csv")),
        );
        assert!(
            text.contains("A candidate's score (0 to 1) says how near a role came"),
            "{format}"
        );
    }
}
