//! The one place that parses YAML. Every rule file goes through [`parse`], so replacing
//! `serde_yaml` (archived upstream) with a maintained fork is a change to this file only.

use serde::de::DeserializeOwned;

use crate::error::Error;

/// Parses `text` (read from `file`) into `T`, turning syntax and type errors into an
/// [`Error::RuleSyntax`] that points at the line and column.
pub fn parse<T: DeserializeOwned>(text: &str, file: &str) -> Result<T, Error> {
    serde_yaml::from_str(text).map_err(|err| {
        let mut message = clean_message(&err.to_string());
        let (line, column) = match err.location() {
            Some(loc) => (loc.line(), loc.column()),
            None if message.contains("more than one document") => {
                message = "a rules file holds one YAML document, and this one has several; split them into separate files of one folder".into();
                (second_document_line(text).unwrap_or(1), 1)
            }
            None => (1, 1),
        };
        Error::RuleSyntax {
            file: file.to_string(),
            line,
            column,
            message,
        }
    })
}

/// The line of the `---` or `...` marker that ends the first document with content.
fn second_document_line(text: &str) -> Option<usize> {
    let mut seen_content = false;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if line.starts_with("---") || line.starts_with("...") {
            if seen_content {
                return Some(i + 1);
            }
            // Content on the marker's own line ("--- value") belongs to the document it opens.
            seen_content = line.starts_with("---")
                && !line[3..].trim().is_empty()
                && !line[3..].trim_start().starts_with('#');
        } else if !trimmed.is_empty() && !trimmed.starts_with('#') && !line.starts_with('%') {
            seen_content = true;
        }
    }
    None
}

/// serde_yaml appends " at line L column C" to its messages; the location is reported
/// separately, so drop it from the text.
fn clean_message(message: &str) -> String {
    match message.find(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}
