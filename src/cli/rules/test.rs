//! `partner-roles rules test [--rules PATH] [TESTS...] [--coverage]`: run rule tests.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::authoring::rule_tests::{TestFile, parse, run as run_tests};
use crate::cli::{Outcome, RulesOpt};
use crate::error::Error;
use crate::rules::BUILTIN_TESTS;

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  partner-roles rules test                       # the built-in set and its tests\n  partner-roles rules test --rules my-rules       # runs my-rules/tests/*.yaml\n  partner-roles rules test --rules my-rules extra-cases.yaml --coverage"
)]
pub(crate) struct TestArgs {
    #[command(flatten)]
    rules: RulesOpt,
    /// Test files or folders of them [default: the tests/ folder of --rules, or the built-in tests].
    #[arg(value_name = "TESTS")]
    tests: Vec<PathBuf>,
    /// Also report which rules and conditions the tests exercised and which they never did.
    #[arg(long)]
    coverage: bool,
}

fn yaml_files(path: &Path) -> Result<Vec<PathBuf>, Error> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
        .collect();
    files.sort();
    Ok(files)
}

pub(crate) fn run(args: TestArgs) -> Result<Outcome, Error> {
    let rules = args.rules.load()?;
    let files = test_files(&args.rules, &args.tests)?;
    run_loaded(&rules, &files, args.coverage)
}

/// The rule tests that go with a rule set: the given files or folders, else the `tests/`
/// folder of a `--rules` folder, else the built-in tests; `Ok(None)` for a single rule file
/// with no tests named (lint then says nothing about untested phrases).
pub(crate) fn find_test_files(
    rules: &RulesOpt,
    tests: &[PathBuf],
) -> Result<Option<Vec<(String, TestFile)>>, Error> {
    if tests.is_empty()
        && let Some(file) = &rules.rules
        && !file.is_dir()
    {
        return Ok(None);
    }
    test_files(rules, tests).map(Some)
}

fn test_files(rules_opt: &RulesOpt, tests: &[PathBuf]) -> Result<Vec<(String, TestFile)>, Error> {
    let mut sources: Vec<(String, String)> = Vec::new();
    let paths: Vec<PathBuf> = match (tests, &rules_opt.rules) {
        ([], Some(dir)) if dir.is_dir() => yaml_files(&dir.join("tests"))?,
        ([], Some(file)) => {
            return Err(Error::Usage {
                message: format!(
                    "{} is a single rule file; name the test files after it (partner-roles rules test --rules {} TESTS...)",
                    file.display(),
                    file.display()
                ),
            });
        }
        ([], None) => {
            sources.extend(
                BUILTIN_TESTS
                    .iter()
                    .map(|(n, t)| (format!("rules/tests/{n}"), t.to_string())),
            );
            Vec::new()
        }
        (given, _) => {
            let mut all = Vec::new();
            for p in given {
                all.extend(yaml_files(p)?);
            }
            all
        }
    };
    for path in paths {
        let text = crate::files::read_text(&path, 8 << 20, "a rule test file")?;
        sources.push((path.display().to_string(), text));
    }
    let mut files: Vec<(String, TestFile)> = Vec::new();
    for (name, text) in &sources {
        files.push((name.clone(), parse(text, name)?));
    }
    Ok(files)
}

fn run_loaded(
    rules: &crate::rules::RuleSet,
    files: &[(String, TestFile)],
    coverage: bool,
) -> Result<Outcome, Error> {
    if files.iter().all(|(_, f)| f.cases.is_empty()) {
        return Err(Error::Usage {
            message: "no rule tests found; write cases in a tests/ folder beside the rules (see `partner-roles rules export DIR`)".into(),
        });
    }
    let result = run_tests(rules, files);
    crate::cli::print_out(&crate::output::visible(&result.render()))?;
    if coverage {
        crate::cli::print_out(&format!("\n{}", result.render_coverage(rules)))?;
    }
    Ok(if result.failed() > 0 {
        Outcome::Findings
    } else {
        Outcome::Success
    })
}
