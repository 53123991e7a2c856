//! The command line: argument parsing and wiring. Each subcommand is one file owning its
//! arguments and its run; none of them classifies or formats anything itself.

mod audit;
mod check;
pub(crate) mod classify;
mod completions;
mod explain;
mod report;
mod rules;
mod serve;

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::error::Error;
use crate::files::Pending;
use crate::output::{Format, RecordWriter, TableWriter, writer_with};
use crate::pipeline::{self, RunOptions, Sink, Summary};
use crate::rules::RuleSet;

/// Tell what kind of partner each company on a partner roster really is, and why.
///
/// partner-roles reads a partner roster (CSV), applies rules derived from a partner-program
/// glossary (who transacts the deal, who does the hands-on work, how the partner is paid) and
/// gives every record a role, a category, a confidence and the reasons. It audits declared
/// roles, explains single records, and writes reports. Exit status: 0 success, 1 findings,
/// 2 bad usage or unreadable input.
#[derive(Debug, Parser)]
#[command(
    name = "partner-roles",
    version,
    about,
    long_about,
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Say on standard error which rule set was loaded and how long the command took.
    #[arg(short, long, global = true)]
    verbose: bool,
}

/// Set from `-v`: commands report what they loaded on standard error.
static VERBOSE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn verbose() -> bool {
    VERBOSE.load(std::sync::atomic::Ordering::Relaxed)
}

/// Whether to colour standard output: only on a terminal, and never when `NO_COLOR` is set.
pub(crate) fn colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Classify every record of a roster CSV.
    Classify(classify::ClassifyArgs),
    /// List the records whose declared role the evidence contradicts or cannot confirm.
    Audit(audit::AuditArgs),
    /// Classify one partner described by flags, with its full reasoning.
    Check(Box<check::CheckArgs>),
    /// Show the whole trace for one record: facts, every condition, the decision, near misses.
    Explain(explain::ExplainArgs),
    /// Write a classification report (Markdown, or one self-contained HTML page).
    Report(report::ReportArgs),
    /// Serve the tool in a browser: check a partner, audit a roster, read the rules.
    Serve(serve::ServeArgs),
    /// Work with rule sets.
    Rules(rules::RulesArgs),
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  source <(partner-roles completions bash)\n  partner-roles completions zsh > ~/.zfunc/_partner-roles\n  partner-roles completions fish > ~/.config/fish/completions/partner-roles.fish"
    )]
    Completions {
        /// The shell.
        shell: completions::Shell,
    },
    /// Print the manual page (roff), or write one page per command into a folder.
    #[command(
        after_help = "Examples:\n  partner-roles man > partner-roles.1 && man ./partner-roles.1\n  partner-roles man --dir /usr/local/share/man/man1"
    )]
    Man {
        /// Write partner-roles.1 and one page per subcommand into DIR.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// `--rules PATH`, shared by every command that classifies.
#[derive(Debug, Clone, Args)]
pub(crate) struct RulesOpt {
    /// Rule file or folder to use instead of the built-in rule set.
    #[arg(long, value_name = "PATH")]
    pub(crate) rules: Option<PathBuf>,
}

impl RulesOpt {
    pub(crate) fn load(&self) -> Result<RuleSet, Error> {
        let started = std::time::Instant::now();
        let rules = match &self.rules {
            Some(path) => RuleSet::load(path),
            None => RuleSet::builtin(),
        }?;
        if verbose() {
            eprintln!(
                "rules: {} {} ({}), {} roles, compiled in {:.1?}",
                rules.name(),
                rules.version().unwrap_or(""),
                rules.origin(),
                rules.role_ids().count(),
                started.elapsed()
            );
        }
        Ok(rules)
    }
}

/// The roster a command reads: `ROSTER.csv`, `--rules` and `--delimiter`.
#[derive(Debug, Args)]
pub(crate) struct RosterOpt {
    /// The roster CSV, or - for standard input.
    #[arg(value_name = "ROSTER.csv")]
    pub(crate) roster: PathBuf,
    #[command(flatten)]
    pub(crate) rules: RulesOpt,
    /// The roster's field delimiter, one character [default: detected from the header line: comma, semicolon or tab].
    #[arg(long, value_name = "CHAR", value_parser = parse_delimiter)]
    pub(crate) delimiter: Option<u8>,
    /// Classifying threads, 1 to 64, besides the one reading the roster and the one writing [default: one per core, at most 8].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS))]
    pub(crate) threads: Option<u16>,
    /// Most bytes one record may take; a longer one becomes an error record [default: 1048576].
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1024..=1 << 30))]
    pub(crate) max_record_bytes: Option<u64>,
    /// Most lines one record may span (a quoted cell with line breaks); a quote still open after
    /// them makes the row an error record, and reading resumes on its next line [default: 100].
    #[arg(long, value_name = "LINES", value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub(crate) max_record_lines: Option<u64>,
    /// The sheet to read when the roster is a spreadsheet (.xlsx, .xlsm, .xlsb, .xls, .ods)
    /// [default: the first sheet].
    #[arg(long, value_name = "NAME")]
    pub(crate) sheet: Option<String>,
    /// Where facts come from: their own columns, the words of prose columns (Description,
    /// Notes, ...), or both (a fact's own column wins over the text).
    #[arg(long, value_enum, default_value_t = EvidenceArg::Both)]
    pub(crate) evidence: EvidenceArg,
    /// Refuse (exit 2) a roster no column of which the rules read, instead of warning and
    /// writing every record unclassified.
    #[arg(long)]
    pub(crate) strict: bool,
}

/// `--evidence`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum EvidenceArg {
    /// Only the facts' own columns; prose columns are carried through unread.
    Columns,
    /// Only the words of prose columns; the fact columns are carried through unread.
    Text,
    /// Both; a fact's own column wins over the text, and a disagreement is a warning.
    Both,
}

impl From<EvidenceArg> for crate::facts::Evidence {
    fn from(arg: EvidenceArg) -> Self {
        match arg {
            EvidenceArg::Columns => crate::facts::Evidence::Columns,
            EvidenceArg::Text => crate::facts::Evidence::Text,
            EvidenceArg::Both => crate::facts::Evidence::Both,
        }
    }
}

impl RosterOpt {
    /// The files this run reads (an `-o` must name none of them).
    pub(crate) fn inputs(&self) -> Vec<&Path> {
        let mut inputs = vec![self.roster.as_path()];
        inputs.extend(self.rules.rules.as_deref());
        inputs
    }

    /// The bounds on one record.
    pub(crate) fn limits(&self) -> crate::roster::Limits {
        let default = crate::roster::Limits::default();
        crate::roster::Limits {
            record_bytes: self
                .max_record_bytes
                .map_or(default.record_bytes, |b| b as usize),
            record_lines: self.max_record_lines.unwrap_or(default.record_lines),
        }
    }

    /// Opens the roster, with a progress bar unless `quiet`, and the options of its run: a
    /// spreadsheet is converted to CSV first (see [`crate::sheet`]), its rows numbered as in
    /// the sheet.
    pub(crate) fn open(&self, quiet: bool) -> Result<(Box<dyn Read + Send>, RunOptions), Error> {
        let mut options = self.run_options();
        if crate::sheet::is_spreadsheet(&self.roster) {
            let (csv, rows) = crate::sheet::read(&self.roster, self.sheet.as_deref())?;
            options.sheet = Some(std::sync::Arc::new(rows));
            return Ok((Box::new(std::io::Cursor::new(csv)), options));
        }
        if let Some(sheet) = &self.sheet {
            return Err(Error::Usage {
                message: format!(
                    "--sheet {sheet:?}: {} is not a spreadsheet (.xlsx, .xlsm, .xlsb, .xls or .ods)",
                    self.roster.display()
                ),
            });
        }
        Ok((open_input_with_progress(&self.roster, quiet)?, options))
    }

    /// The options of a pipeline run.
    pub(crate) fn run_options(&self) -> RunOptions {
        RunOptions {
            delimiter: self.delimiter,
            workers: self.threads.map_or(0, usize::from),
            limits: self.limits(),
            evidence: self.evidence.into(),
            sheet: None,
            strict: self.strict,
        }
    }
}

/// Most classifying threads `--threads` accepts: more than any machine this runs on has cores,
/// few enough that spawning them never fails.
const MAX_THREADS: i64 = 64;

/// How a command writes records: `--format`, `-o`, `--quiet`, `--raw`.
#[derive(Debug, Args)]
pub(crate) struct WriteOpt {
    /// Output format [default: with -o, from the file's extension (.csv, .json, .jsonl, .md, .txt
    /// for the table); else the table on a terminal and csv elsewhere]
    #[arg(long, short = 'f', value_enum)]
    pub(crate) format: Option<Format>,
    /// Write to FILE instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Print no summary on standard error.
    #[arg(long, short = 'q')]
    pub(crate) quiet: bool,
    /// Write CSV and Markdown cells as they are, without the leading ' that keeps a spreadsheet
    /// from running a cell that starts with = + - @ as a formula.
    #[arg(long)]
    pub(crate) raw: bool,
}

/// Parses `--delimiter`: one ASCII character, or `tab`.
pub(crate) fn parse_delimiter(text: &str) -> Result<u8, String> {
    match text {
        "\\t" | "tab" => Ok(b'\t'),
        "\n" | "\r" | "\"" => Err(format!(
            "{text:?} cannot separate cells: line breaks end records and double quotes quote cells; use , or ; or tab"
        )),
        _ if text.len() == 1
            && text.is_ascii()
            && (text == "\t" || !text.as_bytes()[0].is_ascii_control()) =>
        {
            Ok(text.as_bytes()[0])
        }
        _ => Err(format!(
            "expected one ASCII character such as , or ; or tab, got {text:?}"
        )),
    }
}

/// The format to use when none was asked for: from the extension of `-o FILE` (`.csv`,
/// `.json`, `.jsonl` or `.ndjson`, `.md` or `.markdown`, `.txt` for the table), refusing one
/// these records cannot be written as; with no `-o` (or no extension), the table on a terminal
/// and CSV elsewhere.
pub(crate) fn default_format(output: Option<&Path>) -> Result<Format, Error> {
    let extension = output
        .and_then(|p| p.extension())
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let refuse = |help: &str| {
        Err(Error::Usage {
            message: format!(
                "-o {}: {help}",
                output.map(|p| p.display().to_string()).unwrap_or_default()
            ),
        })
    };
    match extension.as_deref() {
        Some("csv") => Ok(Format::Csv),
        Some("json") => Ok(Format::Json),
        Some("jsonl" | "ndjson") => Ok(Format::Jsonl),
        Some("md" | "markdown") => Ok(Format::Markdown),
        Some("txt") => Ok(Format::Table),
        Some("html" | "htm") => refuse(
            "records are not written as HTML; for a page, run `partner-roles report ROSTER -o FILE.html`",
        ),
        Some("xlsx" | "xls" | "xlsm" | "ods") => refuse(
            "records are not written as a spreadsheet; write .csv (a spreadsheet opens it) or give --format",
        ),
        Some(other) => refuse(&format!(
            "no format is written as .{other}; use .csv, .json, .jsonl, .md or .txt (the table), or give --format"
        )),
        None if stdout_is_terminal(output) => Ok(Format::Table),
        None => Ok(Format::Csv),
    }
}

/// Streams the roster of `input` through the pipeline into the writer `write` asks for,
/// wrapped by `wrap` (a filter such as audit's, or nothing), and commits an `-o` file once the
/// run succeeded. The shared body of `classify` and `audit`.
pub(crate) fn stream<S: Sink>(
    input: &RosterOpt,
    write: &WriteOpt,
    wrap: impl FnOnce(Box<dyn RecordWriter>) -> S,
) -> Result<Summary, Error> {
    let rules = input.rules.load()?;
    let format = match write.format {
        Some(format) => format,
        None => default_format(write.output.as_deref())?,
    };
    let (reader, options) = input.open(write.quiet)?;
    let (out, pending) = open_output(write.output.as_deref(), &input.inputs())?;
    let writer = match (format, terminal_width(write.output.as_deref())) {
        (Format::Table, Some(width)) => Box::new(TableWriter::new(out).fit_to(width)),
        _ => writer_with(format, out, write.raw),
    };
    let mut sink = wrap(writer);
    let source = input.roster.display().to_string();
    let summary = pipeline::run(&rules, reader, &source, options, &mut sink)?;
    drop(sink);
    if let Some(pending) = pending {
        pending.commit()?;
    }
    Ok(summary)
}

/// Says on standard error, before the summary and even with `--quiet`, that no column of the
/// roster is one the rules read (every record then is unclassified).
pub(crate) fn warn_unusable(input: &RosterOpt, summary: &Summary) {
    if let Some(problem) = &summary.unusable {
        eprintln!(
            "warning: {}: {problem}; --strict makes this an error",
            input.roster.display()
        );
    }
}

/// Writes `text` to standard output. A reader that stopped reading (`partner-roles check ... |
/// head`) is no error: the command ends as if it had written everything.
pub(crate) fn print_out(text: &str) -> Result<(), Error> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::Write(e)),
    }
}

/// The outcome of a command that ran: success, or findings (exit status 1).
pub(crate) enum Outcome {
    Success,
    Findings,
}

/// Runs the command line and returns the exit status: 0 success, 1 findings, 2 bad usage or
/// unreadable input.
pub fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let matches = match command_for(&args).try_get_matches_from(&args) {
        Ok(matches) => matches,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(2);
        }
    };
    VERBOSE.store(cli.verbose, std::sync::atomic::Ordering::Relaxed);
    // Ctrl-C or SIGTERM during a run: remove the temporary file of an `-o` being written, then
    // exit as a process killed by SIGINT does.
    // (`serve` stops on its own signal handling, after the requests in flight.)
    if !matches!(cli.command, Command::Serve(_)) {
        let _ = ctrlc::set_handler(|| {
            crate::files::remove_temporaries();
            std::process::exit(130);
        });
    }
    let started = std::time::Instant::now();
    let result = match cli.command {
        Command::Classify(args) => classify::run(args),
        Command::Audit(args) => audit::run(args),
        Command::Check(args) => check::run(*args, matches.subcommand_matches("check")),
        Command::Explain(args) => explain::run(args),
        Command::Report(args) => report::run(args),
        Command::Rules(args) => rules::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Completions { shell } => completions::completions(shell),
        Command::Man { dir } => completions::man(dir.as_deref()),
    };
    if cli.verbose {
        eprintln!("done in {:.2?}", started.elapsed());
    }
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", crate::output::visible(&e.to_string()));
            ExitCode::from(e.exit_code())
        }
    }
}

/// The command line of `args`: `check` gets one flag per fact of the rule set it will use
/// (`--rules PATH` among its arguments, else the built-in one), so no fact is named in Rust.
/// A rule set that does not load adds no flags; `check` then reports why it does not load.
pub(crate) fn command_for(args: &[std::ffi::OsString]) -> clap::Command {
    let command = Cli::command();
    let Some(at) = args.iter().skip(1).position(|a| a == "check") else {
        return command;
    };
    let rest = &args[at + 2..];
    let path = rest.iter().enumerate().find_map(|(i, a)| {
        let a = a.to_str()?;
        match a.strip_prefix("--rules=") {
            Some(p) => Some(PathBuf::from(p)),
            None if a == "--rules" => rest.get(i + 1).map(PathBuf::from),
            None => None,
        }
    });
    let rules = match path {
        Some(path) => RuleSet::load(&path),
        None => RuleSet::builtin(),
    };
    match rules {
        Ok(rules) => command.mut_subcommand("check", |c| c.args(check::fact_args(&rules))),
        Err(_) => command,
    }
}

/// The command line with the built-in rule set's fact flags, for completions and the man page.
pub(crate) fn full_command() -> clap::Command {
    command_for(&["partner-roles".into(), "check".into()])
}

/// Opens the roster: a path, or `-` for standard input.
pub(crate) fn open_input(path: &Path) -> Result<Box<dyn Read + Send>, Error> {
    if path == Path::new("-") {
        return Ok(Box::new(std::io::BufReader::with_capacity(
            1 << 16,
            std::io::stdin(),
        )));
    }
    if path.is_dir() {
        return Err(Error::Usage {
            message: format!(
                "{} is a folder; give a roster CSV file, or - for standard input",
                path.display()
            ),
        });
    }
    let file = std::fs::File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(Box::new(std::io::BufReader::with_capacity(1 << 16, file)))
}

/// How long a run goes before its progress bar is drawn.
const PROGRESS_DELAY: std::time::Duration = std::time::Duration::from_millis(500);

/// Counts the bytes read into a progress bar that appears once a run takes more than a moment,
/// and clears itself when the reader is dropped.
struct ProgressReader<R> {
    inner: R,
    bar: indicatif::ProgressBar,
    started: std::time::Instant,
    shown: bool,
}

impl<R: Read> Read for ProgressReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bar.inc(n as u64);
        if !self.shown && self.started.elapsed() >= PROGRESS_DELAY {
            self.shown = true;
            self.bar
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
        Ok(n)
    }
}

impl<R> Drop for ProgressReader<R> {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// Opens the roster like [`open_input`], with a progress bar on standard error when it is a
/// terminal and `quiet` is not set.
pub(crate) fn open_input_with_progress(
    path: &Path,
    quiet: bool,
) -> Result<Box<dyn Read + Send>, Error> {
    let input = open_input(path)?;
    if quiet || !std::io::stderr().is_terminal() {
        return Ok(input);
    }
    let size = std::fs::metadata(path)
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len());
    let bar =
        indicatif::ProgressBar::with_draw_target(size, indicatif::ProgressDrawTarget::hidden());
    let template = if size.is_some() {
        "{spinner} classifying {wide_bar} {bytes}/{total_bytes} ({eta} left)"
    } else {
        "{spinner} classifying {bytes} read ({bytes_per_sec})"
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    Ok(Box::new(ProgressReader {
        inner: input,
        bar,
        started: std::time::Instant::now(),
        shown: false,
    }))
}

/// Opens the output: a file for `-o` (see [`crate::files::create_output`]: written whole under a
/// temporary name, never over an input), else standard output.
pub(crate) fn open_output(
    path: Option<&Path>,
    inputs: &[&Path],
) -> Result<(Box<dyn Write>, Option<Pending>), Error> {
    let Some(p) = path else {
        return Ok((
            Box::new(std::io::BufWriter::with_capacity(
                1 << 16,
                std::io::stdout().lock(),
            )),
            None,
        ));
    };
    let (file, pending) = crate::files::create_output(p, inputs)?;
    Ok((
        Box::new(std::io::BufWriter::with_capacity(1 << 16, file)),
        pending,
    ))
}

/// Whether standard output is a terminal (and not redirected by `-o`).
pub(crate) fn stdout_is_terminal(output: Option<&Path>) -> bool {
    output.is_none() && std::io::stdout().is_terminal()
}

/// The width of the terminal standard output goes to (none with `-o` or when piped, so that
/// a table written to a file or a pipe is laid out as always).
fn terminal_width(output: Option<&Path>) -> Option<usize> {
    if !stdout_is_terminal(output) {
        return None;
    }
    terminal_size::terminal_size().map(|(terminal_size::Width(w), _)| usize::from(w))
}
