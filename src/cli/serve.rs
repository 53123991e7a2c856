//! `partner-roles serve`: the tool in a browser (see [`crate::serve`]).

use std::io::Write as _;
use std::net::SocketAddr;

use clap::Args;

use super::{Outcome, RulesOpt};
use crate::error::Error;
use crate::serve::ServeOptions;

#[derive(Debug, Args)]
#[command(
    after_help = "Pages: / (check a partner), /audit (upload a roster: its report, or its classified CSV or JSON Lines), /rules. API: POST /api/classify (a CSV body, Content-Type: text/csv -> JSON Lines), POST /api/check (JSON facts -> the classification), GET /api/rules.\n\nExamples:\n  partner-roles serve\n  partner-roles serve --bind 127.0.0.1:9000 --rules my-rules --open\n  curl -H 'Content-Type: text/csv' --data-binary @roster.csv http://127.0.0.1:8080/api/classify"
)]
pub(crate) struct ServeArgs {
    /// The address to listen on; another than loopback makes rosters reachable from the
    /// network (a warning says so). Port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    #[command(flatten)]
    rules: RulesOpt,
    /// Open the check page in the default browser once the server listens.
    #[arg(long)]
    open: bool,
    /// Most bytes of one upload; a larger one is refused with 413.
    #[arg(long, value_name = "BYTES", default_value_t = 64 << 20, value_parser = clap::value_parser!(u64).range(1024..=1 << 34))]
    max_upload: u64,
    /// Longest a request may take, in seconds; a slower one gets 408.
    #[arg(long, value_name = "SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    timeout: u64,
}

pub(crate) fn run(args: ServeArgs) -> Result<Outcome, Error> {
    let rules = args.rules.load()?;
    if !args.bind.ip().is_loopback() {
        eprintln!(
            "warning: serving on {}: rosters uploaded here and the answers are reachable from the network; use --bind 127.0.0.1:PORT to keep them on this machine",
            args.bind
        );
    }
    let options = ServeOptions {
        bind: args.bind,
        max_upload: usize::try_from(args.max_upload).unwrap_or(usize::MAX),
        timeout: std::time::Duration::from_secs(args.timeout),
        concurrency: std::thread::available_parallelism().map_or(2, usize::from),
    };
    let open = args.open;
    crate::serve::run(rules, options, |address| {
        let url = format!("http://{address}/");
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "partner-roles serve: {url} (Ctrl-C stops it)");
        let _ = out.flush();
        if open {
            open_browser(&url);
        }
    })?;
    eprintln!("stopped");
    Ok(Outcome::Success)
}

/// Opens `url` in the default browser, or says how to.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    let started = std::process::Command::new(opener)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if started.is_err() {
        eprintln!("warning: could not start {opener}; open {url} in a browser");
    }
}
