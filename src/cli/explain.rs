//! `partner-roles explain ROSTER --id ID | --row N`: the whole trace for one record.

use clap::Args;

use super::{Outcome, RosterOpt};
use crate::engine::explain;
use crate::error::Error;
use crate::facts::{ColumnMap, SeenIds, read_record_traced};
use crate::output::Explanation;
use crate::roster::{RosterReader, Row};

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  partner-roles explain fixtures/sample-roster.csv --id P013\n  partner-roles explain fixtures/sample-roster.csv --row 3"
)]
#[command(group(clap::ArgGroup::new("record").required(true).multiple(false)))]
pub(crate) struct ExplainArgs {
    #[command(flatten)]
    input: RosterOpt,
    /// The partner_id of the record (the first one, if the id repeats); or give --row.
    #[arg(long, group = "record")]
    id: Option<String>,
    /// The record's position among the data rows, counting from 1; or give --id.
    #[arg(long, group = "record")]
    row: Option<usize>,
}

pub(crate) fn run(args: ExplainArgs) -> Result<Outcome, Error> {
    let rules = args.input.rules.load()?;
    let source = args.input.roster.display().to_string();
    let (input, options) = args.input.open(true)?;
    let mut reader = RosterReader::with_limits(input, &source, options.delimiter, options.limits)?;
    if let Some(sheet) = options.sheet {
        reader.set_sheet(sheet);
    }
    let header = ColumnMap::with_evidence(reader.header().clone(), &rules, options.evidence);
    // A roster no column of which the rules read: refused with --strict, else said on stderr
    // before the explanation (which then shows every fact unknown).
    if let Some(problem) = header.unusable(&rules) {
        if options.strict {
            return Err(Error::Roster {
                file: source.clone(),
                message: problem,
                help: "name the columns as the vocabulary does, or pass --delimiter; without --strict the record is explained with every fact unknown".into(),
            });
        }
        eprintln!("warning: {source}: {problem}; --strict makes this an error");
    }
    let mut seen = SeenIds::default();
    let mut row = Row::default();
    let mut index = 0;
    let mut first_ids = Vec::new();
    while reader.read_row(&mut row) {
        index += 1;
        let record = read_record_traced(&rules, &header, &row, &mut seen);
        let wanted = match (&args.id, args.row) {
            (Some(id), _) => record.partner_id == *id,
            (None, Some(n)) => index == n,
            (None, None) => false,
        };
        if !wanted {
            if first_ids.len() < 5 {
                first_ids.push(record.partner_id.clone());
            }
            continue;
        }
        let explained = explain(&rules, &record);
        let explanation = Explanation {
            rules: &rules,
            source: &source,
            header: &header.header,
            columns: header.vocabulary_columns(),
            row: &row,
            explained: &explained,
        };
        super::print_out(&crate::output::visible(&explanation.render()))?;
        return Ok(Outcome::Success);
    }
    let what = match (&args.id, args.row) {
        (Some(id), _) => format!("no record has partner_id {id:?}"),
        (_, Some(n)) => format!("there is no row {n}: the roster has {index} data rows"),
        _ => unreachable!("clap requires --id or --row"),
    };
    Err(Error::Usage {
        message: format!(
            "{source}: {what}; ids look like: {}",
            if first_ids.is_empty() {
                "(no rows)".to_string()
            } else {
                first_ids.join(", ")
            }
        ),
    })
}
