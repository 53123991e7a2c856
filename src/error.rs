//! Errors that stop a command. Problems with a single roster row are not errors: they become
//! an `error` record or a warning on that record, so no row is lost.

use std::path::PathBuf;

/// Everything that can make a command give up, with enough context to point at the cause.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be opened, read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A rules file is not valid YAML or does not have the expected shape.
    #[error(
        "{file}:{line}:{column}: {message}\n  help: fix the YAML at that place; `partner-roles rules export DIR` writes a working rule set to start from"
    )]
    RuleSyntax {
        /// The rules file.
        file: String,
        /// 1-based line (0 when unknown).
        line: usize,
        /// 1-based column (0 when unknown).
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A rule set parsed but does not make sense (unknown fact, value, role...). All problems
    /// found are listed, not only the first.
    #[error("{}", render_problems(.0))]
    RuleSet(Vec<Problem>),
    /// The roster cannot be used at all (no header row, unreadable file).
    #[error("{file}: {message}\n  help: {help}")]
    Roster {
        /// The roster file, or `-` for standard input.
        file: String,
        /// What is wrong.
        message: String,
        /// What to do about it.
        help: String,
    },
    /// The command line asked for something that cannot be done.
    #[error("{message}")]
    Usage {
        /// What was expected.
        message: String,
    },
    /// Producing output failed before anything was written (a template, a serializer).
    #[error("cannot write output: {0}")]
    Output(String),
    /// Writing output failed (disk full, closed pipe, ...); the error keeps its kind, so a
    /// reader that stopped reading (a broken pipe) is told apart without reading its message.
    #[error("cannot write output: {0}")]
    Write(#[source] std::io::Error),
}

/// One problem in a rule set: where it is and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file the definition came from.
    pub file: String,
    /// Where in the file, as a path of keys (`rules[reseller].when.all[2].has_any`).
    pub at: String,
    /// What is wrong.
    pub message: String,
    /// What to do about it (may be empty).
    pub help: String,
    /// 1-based line of the place in the file (0 when it could not be found).
    pub line: usize,
    /// 1-based column of the place (0 when it could not be found).
    pub column: usize,
}

impl Problem {
    /// The problem with what to do about it.
    pub(crate) fn with_help(mut self, help: String) -> Self {
        self.help = help;
        self
    }
}

fn render_problems(problems: &[Problem]) -> String {
    let mut out = String::new();
    for (i, p) in problems.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if p.line > 0 {
            out.push_str(&format!(
                "{}:{}:{}: {}",
                p.file, p.line, p.column, p.message
            ));
        } else {
            out.push_str(&format!("{}: {}: {}", p.file, p.at, p.message));
        }
        if !p.help.is_empty() {
            out.push_str(&format!("\n  help: {}", p.help));
        }
    }
    out
}

impl Error {
    /// The process exit status for this error: 2, unusable input or bad usage, for every kind.
    pub fn exit_code(&self) -> u8 {
        2
    }

    /// Whether the output's reader stopped reading (`partner-roles ... | head`): not a failure.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Write(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}
