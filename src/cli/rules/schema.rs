//! `partner-roles rules schema`: the JSON Schema of rule files, for editors.

use crate::cli::Outcome;
use crate::error::Error;
use crate::rules::model::schema;

pub(crate) fn run() -> Result<Outcome, Error> {
    let text = serde_json::to_string_pretty(&schema()).map_err(|e| Error::Output(e.to_string()))?;
    crate::cli::print_out(&format!("{text}\n"))?;
    Ok(Outcome::Success)
}
