//! `partner-roles rules lint [--rules PATH] [--witnesses FILE] [--deny warnings]`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::authoring::lint::{Severity, lint_with_tests};
use crate::cli::{Outcome, RulesOpt};
use crate::error::Error;

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  partner-roles rules lint\n  partner-roles rules lint --rules my-rules --deny warnings          # in CI\n  partner-roles rules lint --rules my-rules --witnesses witnesses.csv # findings as a roster"
)]
pub(crate) struct LintArgs {
    #[command(flatten)]
    rules: RulesOpt,
    /// Write every witness as a roster row to FILE (CSV), ready to become a fixture.
    #[arg(long, value_name = "FILE")]
    witnesses: Option<PathBuf>,
    /// Make warnings fail too (exit 1).
    #[arg(long, value_enum)]
    deny: Option<Deny>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Deny {
    /// Exit 1 on warnings as well as errors.
    Warnings,
}

pub(crate) fn run(args: LintArgs) -> Result<Outcome, Error> {
    let rules = args.rules.load()?;
    // The rule tests that go with the rules tell which phrases some test exercises.
    let exercised = super::test::find_test_files(&args.rules, &[])?.map(|files| {
        crate::authoring::rule_tests::run(&rules, &files)
            .coverage
            .phrases
    });
    let report = lint_with_tests(&rules, exercised.as_deref());
    let rendered = report.render(&rules, args.rules.rules.as_deref());
    crate::cli::print_out(&crate::output::visible(&rendered))?;
    if let Some(path) = &args.witnesses {
        // Written like every other output: whole under a temporary name, never over an input,
        // each cell quoted and guarded against spreadsheet formulas by the CSV writer's rules.
        let inputs: Vec<&std::path::Path> = args.rules.rules.iter().map(|p| p.as_path()).collect();
        let (mut out, pending) = crate::cli::open_output(Some(path), &inputs)?;
        let mut write_row = |cells: &[String]| -> Result<(), Error> {
            let mut line = Vec::new();
            for (i, cell) in cells.iter().enumerate() {
                if i > 0 {
                    line.push(b',');
                }
                crate::output::csv_field(&mut line, cell, false);
            }
            line.push(b'\n');
            out.write_all(&line).map_err(Error::Write)
        };
        let facts: Vec<String> = rules.fact_names().map(str::to_string).collect();
        let mut header = vec!["partner_id".to_string()];
        header.extend(facts.iter().cloned());
        // Not `notes`: that is a prose column, whose words would be read as facts.
        header.push("lint_finding".into());
        write_row(&header)?;
        let mut n = 0;
        for finding in &report.findings {
            for w in &finding.witnesses {
                n += 1;
                let mut row = vec![format!("W{n:03}")];
                row.extend(facts.iter().map(|f| {
                    w.facts
                        .iter()
                        .find(|(k, _)| k == f)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default()
                }));
                row.push(format!("{}: {}", finding.kind, finding.message));
                write_row(&row)?;
            }
        }
        out.flush().map_err(Error::Write)?;
        drop(out);
        if let Some(pending) = pending {
            pending.commit()?;
        }
        eprintln!("{n} witnesses written to {}", path.display());
    }
    let errors = report.count(Severity::Error);
    let warnings = report.count(Severity::Warning);
    Ok(if errors > 0 || (args.deny.is_some() && warnings > 0) {
        Outcome::Findings
    } else {
        Outcome::Success
    })
}
