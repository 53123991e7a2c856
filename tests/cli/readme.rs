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
/// quotes is the one a repeated id gets.
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
}
