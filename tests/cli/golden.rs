//! The outputs of a diverse roster, byte for byte. `fixtures/diverse-roster.csv` (1,574 rows
//! with a long tail of patterns, quoted cells and descriptions) is classified as CSV and JSON
//! Lines and audited, on one classifying thread and on three, and each output is compared with
//! the one kept in `fixtures/expected-output/` (gzip). Work on speed changes no byte of them. A
//! change meant to change the output rewrites them with
//! `PARTNER_ROLES_BLESS=1 cargo test golden`, and the review shows what changed.

use std::io::{Read, Write};

use crate::support::{bin, fixture};

/// Each expected output and the arguments that write it (the roster comes first).
const CASES: &[(&str, &[&str])] = &[
    (
        "diverse-roster.classify.csv.gz",
        &["classify", "diverse-roster.csv", "--format", "csv", "-q"],
    ),
    (
        "diverse-roster.classify.jsonl.gz",
        &["classify", "diverse-roster.csv", "--format", "jsonl", "-q"],
    ),
    (
        "diverse-roster.audit.csv.gz",
        &[
            "audit",
            "diverse-roster.csv",
            "--format",
            "csv",
            "-q",
            "--fail-on",
            "never",
        ],
    ),
];

/// What the binary writes for `args` (the roster named under `fixtures/`) on `threads`
/// classifying threads.
fn output(args: &[&str], threads: &str) -> String {
    let mut cmd = bin();
    for arg in args {
        if arg.ends_with(".csv") {
            cmd.arg(fixture(arg));
        } else {
            cmd.arg(arg);
        }
    }
    let out = cmd.args(["--threads", threads]).output().expect("runs");
    assert!(out.status.success(), "{args:?}: {:?}", out);
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn expected(name: &str) -> String {
    let path = fixture("expected-output").join(name);
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text
}

fn bless(name: &str, text: &str) {
    let path = fixture("expected-output").join(name);
    let file = std::fs::File::create(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::best());
    gz.write_all(text.as_bytes()).expect("written");
    gz.finish().expect("written");
}

/// Where `got` first differs from `want`: the line, and both versions of it.
fn first_difference(want: &str, got: &str) -> String {
    let cut = |line: Option<&str>| match line {
        None => "(no such line)".to_string(),
        Some(l) if l.len() > 400 => format!("{:?}...", &l[..l.floor_char_boundary(400)]),
        Some(l) => format!("{l:?}"),
    };
    let (mut want_lines, mut got_lines) = (want.lines(), got.lines());
    for n in 1.. {
        let (w, g) = (want_lines.next(), got_lines.next());
        if w != g {
            return format!("line {n}\n  expected: {}\n  got:      {}", cut(w), cut(g));
        }
        if w.is_none() {
            break;
        }
    }
    "the line ends differ".to_string()
}

#[test]
fn diverse_roster_outputs_are_byte_identical() {
    let bless_all = std::env::var_os("PARTNER_ROLES_BLESS").is_some();
    let mut failures = Vec::new();
    for &(name, args) in CASES {
        if bless_all {
            bless(name, &output(args, "1"));
        }
        let want = expected(name);
        for threads in ["1", "3"] {
            let got = output(args, threads);
            if got != want {
                failures.push(format!(
                    "{name} ({} on {threads} threads) differs at {}",
                    args.join(" "),
                    first_difference(&want, &got)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n(if the change is meant, rewrite them: PARTNER_ROLES_BLESS=1 cargo test golden)",
        failures.join("\n")
    );
}
