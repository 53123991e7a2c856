//! Fitting the command-line ecosystem: completions that load, a man page, an example in every
//! command's help, `-v`, colour only on a terminal and never with NO_COLOR.

use predicates::str::contains;

use crate::support::bin;

/// Every command path of the binary.
const COMMANDS: &[&[&str]] = &[
    &["classify"],
    &["check"],
    &["audit"],
    &["explain"],
    &["report"],
    &["rules"],
    &["rules", "export"],
    &["rules", "show"],
    &["rules", "diff"],
    &["rules", "lint"],
    &["rules", "test"],
    &["rules", "schema"],
    &["rules", "list"],
    &["completions"],
    &["man"],
];

#[test]
fn every_command_help_shows_an_example() {
    for path in COMMANDS {
        let out = bin().args(*path).arg("--help").output().expect("runs");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{path:?}");
        assert!(
            text.contains("Example"),
            "{path:?} --help has no example:\n{text}"
        );
    }
}

#[test]
fn bash_completions_load_and_complete_subcommands() {
    let script = format!(
        "source <({} completions bash) && complete -p partner-roles && COMP_WORDS=(partner-roles cl) COMP_CWORD=1 && _partner__roles partner-roles cl && echo \"${{COMPREPLY[@]}}\"",
        assert_cmd::cargo::cargo_bin("partner-roles").display()
    );
    let out = std::process::Command::new("bash")
        .args(["-c", &script])
        .output()
        .expect("bash runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains(
            "complete -o bashdefault -o default -o nosort -F _partner__roles partner-roles"
        ),
        "{text}"
    );
    assert!(
        text.lines()
            .last()
            .is_some_and(|l| l.split_whitespace().any(|w| w == "classify")),
        "completing `cl`: {text}"
    );
}

#[test]
fn other_shells_get_scripts_too() {
    for shell in ["zsh", "fish", "powershell"] {
        bin()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(contains("partner-roles"));
    }
}

#[test]
fn man_page_is_roff_and_one_page_per_command_can_be_written() {
    bin()
        .arg("man")
        .assert()
        .success()
        .stdout(contains(".TH partner-roles 1"))
        .stdout(contains("partner\\-roles\\-classify(1)"));
    let dir = tempfile::tempdir().expect("temp dir");
    bin()
        .args(["man", "--dir"])
        .arg(dir.path())
        .assert()
        .success();
    for page in [
        "partner-roles.1",
        "partner-roles-classify.1",
        "partner-roles-rules-lint.1",
    ] {
        assert!(dir.path().join(page).exists(), "{page}");
    }
}

#[test]
fn verbose_goes_to_standard_error_only() {
    let quiet = bin()
        .args(["check", "--earns", "margin"])
        .output()
        .expect("runs");
    let loud = bin()
        .args(["check", "--earns", "margin", "-v"])
        .output()
        .expect("runs");
    assert_eq!(
        quiet.stdout, loud.stdout,
        "data on standard output is the same"
    );
    let err = String::from_utf8_lossy(&loud.stderr);
    assert!(
        err.contains("rules: partner-program-glossary 1.0 (built-in), 12 roles, compiled in"),
        "{err}"
    );
    assert!(err.contains("done in"), "{err}");
}

#[test]
fn colour_only_on_a_terminal_and_never_with_no_color() {
    let piped = bin()
        .args([
            "check",
            "--transacts",
            "partner",
            "--earns",
            "margin",
            "--declared",
            "VAR",
        ])
        .output()
        .expect("runs");
    assert!(!piped.stdout.contains(&0x1b), "no colour when piped");
    let Some(script) = ["/usr/bin/script", "/bin/script"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
    else {
        return;
    };
    let binary = assert_cmd::cargo::cargo_bin("partner-roles");
    let run = |env: &str| {
        let command = format!(
            "{env} {} check --transacts partner --earns margin --declared VAR",
            binary.display()
        );
        let out = std::process::Command::new(script)
            .args(["-qec", &command, "/dev/null"])
            .env_remove("NO_COLOR")
            .output()
            .expect("script runs");
        out.stdout
    };
    assert!(run("").contains(&0x1b), "colour on a terminal");
    assert!(!run("NO_COLOR=1").contains(&0x1b), "none with NO_COLOR");
}
