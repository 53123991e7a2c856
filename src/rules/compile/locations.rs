//! Where in its file each problem is: line and column from the problem's key path, and every
//! key or value the rule-file schema does not allow.

use std::collections::HashMap;

use super::did_you_mean;
use crate::error::Problem;
use crate::rules::problem;
use crate::yaml;

/// Fills in the line and column of each problem from its file's key path. Trees are built
/// only here, when something went wrong, so loading a good rule set pays nothing for it.
pub(super) fn locate(problems: &mut [Problem], files: &[(String, String)]) {
    let mut trees: HashMap<&str, Option<yaml::Tree>> = HashMap::new();
    for p in problems.iter_mut().filter(|p| p.line == 0) {
        let Some((name, text)) = files.iter().find(|(n, _)| *n == p.file) else {
            continue;
        };
        let tree = trees
            .entry(name.as_str())
            .or_insert_with(|| yaml::tree(text));
        if let Some(mark) = tree.as_ref().and_then(|t| yaml::locate(t, &p.at)) {
            p.line = mark.line;
            p.column = mark.column;
        }
    }
}

/// Every key of `text` that the rule-file schema does not allow (each with a suggestion) and
/// every value of the wrong shape.
pub(super) fn misfits(name: &str, text: &str) -> Vec<Problem> {
    let Some(tree) = yaml::tree(text) else {
        return Vec::new();
    };
    yaml::misfits(&tree, &crate::rules::model::schema())
        .into_iter()
        .map(|m| {
            let mut p = match m.kind {
                yaml::MisfitKind::UnknownKey { key, known } => {
                    let mut p = problem(name, &m.path, format!("unknown key `{key}`"));
                    p.help =
                        did_you_mean(&key, known.iter().map(String::as_str), "keys allowed here");
                    p
                }
                yaml::MisfitKind::WrongShape { expected, found } => {
                    let (at, what) = if m.path.is_empty() {
                        ("(document)".to_string(), "the document".to_string())
                    } else {
                        (m.path.clone(), format!("`{}`", m.path))
                    };
                    let mut p = problem(
                        name,
                        at,
                        format!("{what} should be {expected}, not {found}"),
                    );
                    p.help = match expected {
                        "a list" => {
                            "write the values as a list: [a, b] or one `- item` per line".into()
                        }
                        "a map of keys" => "write keys under it, one `key: value` per line".into(),
                        _ => "write one value here".into(),
                    };
                    p
                }
            };
            p.line = m.mark.line;
            p.column = m.mark.column;
            p
        })
        .collect()
}
