//! The README's examples are the real binary's output: every ```console block that starts with
//! `$ partner-roles ...` is run (from the project folder, with the built binary first on PATH)
//! and its output compared. `PARTNER_ROLES_UPDATE_README=1 cargo test readme` rewrites them.

use std::path::Path;

fn run(command: &str) -> String {
    let bin = assert_cmd::cargo::cargo_bin("partner-roles");
    let dir = bin.parent().expect("binary folder");
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = std::process::Command::new("sh")
        .args(["-c", command])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", "1795305600")
        .output()
        .expect("sh runs");
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn readme_examples_are_the_real_output() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let text = std::fs::read_to_string(&path).expect("README");
    let update = std::env::var_os("PARTNER_ROLES_UPDATE_README").is_some();
    let mut out = String::new();
    let mut rest = text.as_str();
    let mut checked = 0;
    let mut failures = Vec::new();
    while let Some(start) = rest.find("```console\n$ partner-roles") {
        let body_start = start + "```console\n".len();
        let end = rest[body_start..].find("\n```").expect("closed block") + body_start;
        let block = &rest[body_start..end];
        let (command_line, expected) = block.split_once('\n').unwrap_or((block, ""));
        let command = command_line.trim_start_matches("$ ");
        let actual = run(command);
        let actual = actual.trim_end_matches('\n');
        if actual != expected {
            failures.push(format!(
                "$ {command}\n--- README\n{expected}\n--- binary\n{actual}"
            ));
        }
        out.push_str(&rest[..body_start]);
        out.push_str(command_line);
        out.push('\n');
        out.push_str(actual);
        rest = &rest[end..];
        checked += 1;
    }
    out.push_str(rest);
    assert!(checked >= 8, "{checked} examples in the README");
    if update {
        std::fs::write(&path, out).expect("README written");
        return;
    }
    assert!(
        failures.is_empty(),
        "README examples differ from the binary (PARTNER_ROLES_UPDATE_README=1 rewrites them):\n{}",
        failures.join("\n\n")
    );
}

/// What the README promises in words is what the binary does: the duplicate-id warning it
/// quotes is the one a repeated id gets, and near misses say when more ways exist than the
/// three listed.
#[test]
fn readme_promises_are_kept() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let dir = tempfile::tempdir().expect("temp dir");
    let roster = dir.path().join("dup.csv");
    std::fs::write(
        &roster,
        "partner_id,transacts,earns\nP7,partner,margin\nP7,partner,margin\n",
    )
    .expect("write");
    let out = crate::support::stdout_of(
        crate::support::bin()
            .args(["classify", "-q", "-f", "jsonl"])
            .arg(&roster),
    );
    let second: serde_json::Value =
        serde_json::from_str(out.lines().nth(1).expect("two records")).expect("json");
    let warning = second["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter_map(|w| w.as_str())
        .find(|w| w.starts_with("duplicate partner_id"))
        .expect("a duplicate-id warning");
    assert!(
        readme.contains(&format!("`{warning}`")),
        "the README quotes {warning:?}"
    );
    // Near misses: at most three ways a role, and a line that has more says so, in the words
    // the README quotes.
    let check = crate::support::check_reseller(&["--delivers", "none"]);
    let line = check
        .lines()
        .find(|l| l.contains("would be a value_added_reseller"))
        .expect("a near miss to value_added_reseller");
    assert_eq!(line.matches(" if ").count(), 3, "three ways: {line}");
    let more = "(and other ways besides these 3)";
    assert!(line.ends_with(more), "{line}");
    assert!(
        readme.contains(&format!("`{more}`")),
        "the README quotes {more:?}"
    );
}

/// The README's synopsis names every flag of every command, as `--help` lists them (the fact
/// flags of `check` are the rule set's vocabulary, shown there as examples): a flag added to a
/// command cannot go missing from the README.
#[test]
fn readme_synopsis_names_every_flag() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let synopsis: Vec<&str> = readme
        .split("## Commands")
        .nth(1)
        .expect("a Commands section")
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("partner-roles "))
        .collect();
    let commands: &[&[&str]] = &[
        &["classify"],
        &["check"],
        &["audit"],
        &["explain"],
        &["report"],
        &["rules", "export"],
        &["rules", "list"],
        &["rules", "show"],
        &["rules", "lint"],
        &["rules", "test"],
        &["rules", "diff"],
        &["serve"],
    ];
    let mut missing = Vec::new();
    for words in commands {
        let help = crate::support::stdout_of(crate::support::bin().args(*words).arg("--help"));
        // Options before a "Facts" heading (check's vocabulary flags come after it).
        let options = help
            .split("\nFacts")
            .next()
            .and_then(|h| h.split("\nExample").next())
            .unwrap_or(&help);
        let prefix = format!("partner-roles {}", words.join(" "));
        let lines: Vec<&&str> = synopsis
            .iter()
            .filter(|l| {
                l.starts_with(&prefix)
                    || (words[0] == "rules"
                        && l.starts_with("partner-roles rules ")
                        && l.contains(words[1]))
            })
            .collect();
        assert!(!lines.is_empty(), "no synopsis line for {prefix}");
        for flag in options
            .split_whitespace()
            .filter(|w| w.starts_with("--"))
            .map(|w| {
                w.trim_end_matches([',', '.', ')'])
                    .split(['=', '[', '<'])
                    .next()
                    .unwrap_or("")
            })
            .filter(|f| f.len() > 2 && !["--help", "--version", "--verbose"].contains(f))
        {
            let named = lines.iter().any(|l| {
                l.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                    .any(|w| w == flag)
            });
            if !named && !missing.contains(&format!("{prefix} {flag}")) {
                missing.push(format!("{prefix} {flag}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "flags missing from the README synopsis:\n{}",
        missing.join("\n")
    );
}
