//! The one place that parses YAML. Every rule file goes through [`parse`], so replacing
//! `serde_yaml` (archived upstream) with a maintained fork is a change to this file only.

use serde::de::DeserializeOwned;

use crate::error::Error;

/// Parses `text` (read from `file`) into `T`, turning syntax and type errors into an
/// [`Error::RuleSyntax`] that points at the line and column.
pub fn parse<T: DeserializeOwned>(text: &str, file: &str) -> Result<T, Error> {
    serde_yaml::from_str(text).map_err(|err| {
        let (line, column) = err
            .location()
            .map(|loc| (loc.line(), loc.column()))
            .unwrap_or((0, 0));
        Error::RuleSyntax {
            file: file.to_string(),
            line,
            column,
            message: clean_message(&err.to_string()),
        }
    })
}

/// serde_yaml appends " at line L column C" to its messages; the location is reported
/// separately, so drop it from the text.
fn clean_message(message: &str) -> String {
    match message.find(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}
