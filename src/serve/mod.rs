//! `partner-roles serve`: the tool in a browser, for the people who own rosters. A local
//! server (axum on tokio) with three pages (check a partner, audit a roster, the rules) and a
//! small JSON API beside them, all over the same library calls as the command line, so the
//! pages, the API and the CLI never disagree.
//!
//! Owns: routes, request limits, the security headers, HTML of the pages (`pages.rs`, through
//! the askama templates `templates/serve_*.html`) and the API's JSON (`api.rs`). Must not
//! touch: how records are read or decided (it calls `facts`, `engine`, `pipeline` and
//! `report` as the CLI does).
//!
//! Safe by default: loopback unless told otherwise, uploads bounded in bytes (`--max-upload`),
//! every request bounded in time, at most one classification a core at once, a
//! Content-Security-Policy on every response that allows nothing from outside and scripts only
//! by a per-response nonce (so no inline event handler runs), every roster text escaped, and
//! uploads held in memory for their request only (a spreadsheet goes through a temporary file
//! with a random name, deleted at once).

mod api;
mod pages;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::error::Error;
use crate::rules::RuleSet;

/// How long requests in flight may still run after Ctrl-C or SIGTERM.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// What went wrong and what to do, apart (a roster error's `help` is its own line in a page).
pub(crate) fn message_of(e: &Error) -> (String, String) {
    match e {
        Error::Roster { message, help, .. } => (message.clone(), help.clone()),
        other => (
            other.to_string(),
            "send a CSV roster with a header line; /rules lists the columns the rules read".into(),
        ),
    }
}

/// How a server runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The address to listen on (`127.0.0.1:8080`; port 0 picks a free one).
    pub bind: SocketAddr,
    /// Most bytes of one upload.
    pub max_upload: usize,
    /// Longest a request may take.
    pub timeout: Duration,
    /// Classifications run at once (each uses one core's worth of threads at most).
    pub concurrency: usize,
}

/// What every handler shares: the rule set and the bounds.
pub(crate) struct App {
    pub(crate) rules: RuleSet,
    pub(crate) max_upload: usize,
    /// Longest a request may take, streaming its answer included.
    pub(crate) timeout: Duration,
    /// Classifications that may run at once; a request waits for a permit (within its time).
    pub(crate) permits: Arc<tokio::sync::Semaphore>,
    /// Where nonces come from (see [`App::nonce`]).
    nonce_keys: std::hash::RandomState,
    nonce_count: std::sync::atomic::AtomicU64,
    /// The rule set's lint summary, worked out the first time the rules page asks.
    lint: std::sync::OnceLock<String>,
}

impl App {
    /// `rules lint` in one line: how many errors, warnings and accepted findings.
    pub(crate) fn lint_summary(&self) -> &str {
        self.lint.get_or_init(|| {
            use crate::authoring::lint::{Severity, lint};
            let report = lint(&self.rules);
            format!(
                "rules lint: {} errors, {} warnings, {} accepted findings",
                report.count(Severity::Error),
                report.count(Severity::Warning),
                report.count(Severity::Accepted)
            )
        })
    }

    /// A fresh nonce for one response's scripts: a keyed hash (keys from the operating system's
    /// randomness, per process) of a counter, so no page can predict another's.
    pub(crate) fn nonce(&self) -> String {
        use std::hash::BuildHasher;
        let n = self
            .nonce_count
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let a = self.nonce_keys.hash_one(n);
        let b = self.nonce_keys.hash_one(!n);
        format!("{a:016x}{b:016x}")
    }
}

/// The Content-Security-Policy of every response: nothing from outside, inline styles (the
/// report colours its cells), images only as data, forms only to this server, and scripts only
/// with `nonce` (none when `None`).
pub(crate) fn csp(nonce: Option<&str>) -> String {
    let script = match nonce {
        Some(n) => format!("script-src 'nonce-{n}'"),
        None => "script-src 'none'".to_string(),
    };
    format!(
        "default-src 'none'; {script}; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )
}

/// Runs the server until Ctrl-C (or SIGTERM); `ready` is told the address it listens on.
pub fn run(
    rules: RuleSet,
    options: ServeOptions,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Output(format!("cannot start the server: {e}")))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(options.bind)
            .await
            .map_err(|e| Error::Usage {
                message: format!(
                    "--bind {}: {e}; pick another port (e.g. --bind 127.0.0.1:0 for any free one)",
                    options.bind
                ),
            })?;
        let address = listener
            .local_addr()
            .map_err(|e| Error::Output(e.to_string()))?;
        let app = Arc::new(App {
            rules,
            max_upload: options.max_upload,
            timeout: options.timeout,
            permits: Arc::new(tokio::sync::Semaphore::new(options.concurrency.max(1))),
            nonce_keys: std::hash::RandomState::new(),
            nonce_count: std::sync::atomic::AtomicU64::new(0),
            lint: std::sync::OnceLock::new(),
        });
        ready(address);
        // On Ctrl-C or SIGTERM: no new connection, and the requests in flight get
        // `SHUTDOWN_GRACE` to finish (a client that stopped reading does not keep the server up).
        let (signalled, mut on_signal) = tokio::sync::watch::channel(false);
        let server = axum::serve(listener, router(app, &options)).with_graceful_shutdown(async move {
            stopped().await;
            let _ = signalled.send(true);
        });
        let grace = async move {
            let _ = on_signal.wait_for(|&s| s).await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        };
        tokio::select! {
            done = std::future::IntoFuture::into_future(server) => {
                done.map_err(|e| Error::Output(format!("the server stopped: {e}")))
            }
            () = grace => {
                eprintln!("requests still running {} s after the signal were cut off", SHUTDOWN_GRACE.as_secs());
                Ok(())
            }
        }
    })
}

/// The routes, with the limits and headers every one gets.
fn router(app: Arc<App>, options: &ServeOptions) -> Router {
    Router::new()
        .route("/", get(pages::check))
        .route("/audit", get(pages::audit_form).post(pages::audit))
        .route("/rules", get(pages::rules))
        .route("/api/classify", post(api::classify))
        .route("/api/check", post(api::check))
        .route("/api/rules", get(api::rules))
        .fallback(not_found)
        // The handlers check sizes themselves, to say what to do; this bounds what is read.
        .layer(DefaultBodyLimit::max(
            options.max_upload.saturating_add(64 * 1024),
        ))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            options.timeout,
        ))
        // Outermost, so that every response gets the headers, the timeout's 408 included.
        .layer(axum::middleware::map_response(secure))
        .with_state(app)
}

/// The headers every response carries: a Content-Security-Policy (a page with scripts sets
/// its own, with its nonce), no content-type sniffing, no referrer.
async fn secure(response: Response) -> Response {
    // The answers the layers give without a word: say what to do.
    let empty = axum::body::HttpBody::size_hint(response.body()).exact() == Some(0);
    let said = match response.status() {
        StatusCode::REQUEST_TIMEOUT if empty => Some(
            "The request took longer than the server's --timeout. Send it again, split a large roster, or start the server with a larger --timeout.",
        ),
        StatusCode::METHOD_NOT_ALLOWED if empty => Some(
            "This address does not take that method: the pages are read with GET (an upload to /audit is a POST), the API is POST /api/classify, POST /api/check and GET /api/rules.",
        ),
        _ => None,
    };
    let mut response = match said {
        Some(text) => (response.status(), text).into_response(),
        None => response,
    };
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY)
        && let Ok(value) = HeaderValue::from_str(&csp(None))
    {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        "No such page. The pages are / (check a partner), /audit (audit a roster) and /rules; the API is POST /api/classify, POST /api/check and GET /api/rules.",
    )
        .into_response()
}

/// Resolves on Ctrl-C or SIGTERM.
async fn stopped() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
