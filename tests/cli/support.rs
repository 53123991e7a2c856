//! Helpers shared by the test modules.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The binary under test.
pub fn bin() -> Command {
    let mut cmd = Command::cargo_bin("partner-roles").expect("binary is built");
    cmd.env_remove("NO_COLOR");
    cmd
}

/// A path under `fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// Reads a CSV fixture into rows of (header -> value) in file order.
pub fn csv_rows(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut reader =
        csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = reader.headers().expect("header row").clone();
    reader
        .records()
        .map(|r| {
            let r = r.expect("readable fixture row");
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// Runs `cmd`, which must succeed, and returns its standard output.
/// `check` of a partner that transacts itself, sells to end customers and earns a margin (a
/// reseller, unless `more` facts say otherwise), with `more` arguments; its standard output.
pub fn check_reseller(more: &[&str]) -> String {
    stdout_of(
        bin()
            .args([
                "check",
                "--transacts",
                "partner",
                "--sells-to",
                "end_customers",
                "--earns",
                "margin",
            ])
            .args(more),
    )
}

pub fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.output().expect("runs");
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// The built-in rule set exported into a fresh temporary folder.
pub fn exported_rules() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    bin()
        .args(["rules", "export"])
        .arg(dir.path())
        .assert()
        .success();
    dir
}

/// Runs `classify --format jsonl` on a roster file and parses each output line.
pub fn classify_jsonl(roster: &Path) -> Vec<serde_json::Value> {
    stdout_of(
        bin()
            .args(["classify", "--format", "jsonl", "--quiet"])
            .arg(roster),
    )
    .lines()
    .map(|l| serde_json::from_str(l).expect("each line is a JSON object"))
    .collect()
}

/// The project's root folder.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `command` in a shell on a pseudo-terminal (util-linux `script`) and returns what it
/// printed, carriage returns removed; `None`, with a note naming `what` was not run, when
/// `script` is missing.
pub fn on_a_terminal(command: &str, what: &str) -> Option<String> {
    let Some(script) = ["/usr/bin/script", "/bin/script"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
    else {
        eprintln!("note: `script` (util-linux) not found; {what} was not run");
        return None;
    };
    let out = std::process::Command::new(script)
        .args(["-qec", command, "/dev/null"])
        .output()
        .expect("script runs");
    Some(String::from_utf8_lossy(&out.stdout).replace('\r', ""))
}
