//! The JSON API: `POST /api/classify` (a CSV roster -> JSON Lines, streamed), `POST /api/check`
//! (facts as JSON -> the classification, as `check --format json` gives it) and `GET
//! /api/rules`. Errors are JSON too: `{"error": ..., "help": ...}` with status 400, 413 or 415.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::App;
use crate::engine::explain;
use crate::facts::{Given, record_from_given};
use crate::output::{Format, writer_with};
use crate::pipeline::{self, RunOptions};

/// An error of the API: its status, what went wrong and what to do.
pub(crate) fn error(status: StatusCode, message: &str, help: &str) -> Response {
    (
        status,
        Json(serde_json::json!({ "error": message, "help": help })),
    )
        .into_response()
}

/// The content types a roster upload may have.
pub(crate) fn is_csv_type(headers: &HeaderMap) -> bool {
    let Some(kind) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let kind = kind.split(';').next().unwrap_or("").trim();
    [
        "text/csv",
        "application/csv",
        "text/plain",
        "application/octet-stream",
    ]
    .iter()
    .any(|k| kind.eq_ignore_ascii_case(k))
}

/// The body of an upload, read once the caller holds its permit, or the error that says what
/// to do: too large (413), empty or cut off (400). A body is read up to one byte past the
/// limit, so a larger one is known without holding it.
pub(crate) async fn upload(
    app: &App,
    headers: &HeaderMap,
    body: Body,
) -> Result<Bytes, Box<Response>> {
    let too_large = || {
        Box::new(error(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("the upload is larger than {} bytes", app.max_upload),
            "split the roster, or start the server with a larger --max-upload",
        ))
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > app.max_upload as u64) {
        return Err(too_large());
    }
    let body = match axum::body::to_bytes(body, app.max_upload.saturating_add(1)).await {
        Ok(body) => body,
        Err(e) => {
            let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&e);
            while let Some(c) = cause {
                if c.to_string().contains("length limit") {
                    return Err(too_large());
                }
                cause = c.source();
            }
            return Err(Box::new(error(
                StatusCode::BAD_REQUEST,
                &format!("the upload could not be read: {e}"),
                "send the roster again as the request body",
            )));
        }
    };
    if body.len() > app.max_upload {
        return Err(too_large());
    }
    if body.is_empty() {
        return Err(Box::new(error(
            StatusCode::BAD_REQUEST,
            "the upload is empty",
            "send the roster's CSV text as the request body, its header line first",
        )));
    }
    Ok(body)
}

/// A writer that hands what is written to a response body, 64 KiB at a time.
/// A reader that stops reading holds the classification for at most the request's time: past
/// `deadline` the writer gives up (the response ends there) and the permit is released.
struct ToBody {
    tx: tokio::sync::mpsc::Sender<Result<Bytes, String>>,
    buf: Vec<u8>,
    deadline: std::time::Instant,
}

impl Write for ToBody {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= 1 << 16 {
            self.flush()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        use tokio::sync::mpsc::error::TrySendError;
        let mut chunk = Ok(Bytes::from(std::mem::take(&mut self.buf)));
        loop {
            match self.tx.try_send(chunk) {
                Ok(()) => return Ok(()),
                Err(TrySendError::Closed(_)) => {
                    return Err(std::io::ErrorKind::BrokenPipe.into());
                }
                Err(TrySendError::Full(back)) => {
                    if std::time::Instant::now() >= self.deadline {
                        return Err(std::io::ErrorKind::TimedOut.into());
                    }
                    chunk = back;
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
            }
        }
    }
}

/// `POST /api/classify`: the roster (CSV, the body) classified as JSON Lines, one record a row
/// in input order, streamed as they are written.
pub(crate) async fn classify(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if !is_csv_type(&headers) {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "a roster is sent as CSV",
            "send the roster as the body with Content-Type: text/csv (curl: -H 'Content-Type: text/csv' --data-binary @roster.csv)",
        );
    }
    // The permit first, then the body: an upload waiting for its turn is not held in memory
    // (its sender waits), so memory stays at one roster a running classification.
    let Ok(permit) = Arc::clone(&app.permits).acquire_owned().await else {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is stopping",
            "try again",
        );
    };
    let body = match upload(&app, &headers, body).await {
        Ok(body) => body,
        Err(response) => return *response,
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Bytes, String>>(8);
    let worker = Arc::clone(&app);
    let deadline = std::time::Instant::now() + app.timeout;
    let handle = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let writer = ToBody {
            tx: tx.clone(),
            buf: Vec::new(),
            deadline,
        };
        let mut sink = writer_with(Format::Jsonl, Box::new(writer), false);
        let run = pipeline::run(
            &worker.rules,
            std::io::Cursor::new(body),
            "upload",
            RunOptions::default(),
            &mut sink,
        );
        drop(sink);
        if let Err(e) = run {
            let _ = tx.try_send(Err(super::message_of(&e).0));
        }
    });
    // The first message says whether the roster could be read at all: an error before any
    // record is a 400; after that the records stream.
    let first = rx.recv().await;
    let first = match first {
        // Nothing written: an empty roster, or a worker that failed.
        None if handle.await.is_err() => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the classification failed",
                "send the roster again; if it fails again, report it with the roster's header line",
            );
        }
        None => Bytes::new(),
        Some(Err(message)) => {
            return error(
                StatusCode::BAD_REQUEST,
                &message,
                "send a CSV roster with a header line (see /rules for the columns the rules read)",
            );
        }
        Some(Ok(chunk)) => chunk,
    };
    let rest = futures_util::stream::unfold(rx, |mut rx| async move {
        match rx.recv().await {
            Some(Ok(chunk)) => Some((Ok(chunk), rx)),
            Some(Err(message)) => Some((Err(std::io::Error::other(message)), rx)),
            None => None,
        }
    });
    let stream = futures_util::StreamExt::chain(
        futures_util::stream::iter([Ok::<_, std::io::Error>(first)]),
        rest,
    );
    (
        [(header::CONTENT_TYPE, "application/x-ndjson; charset=utf-8")],
        Body::from_stream(stream),
    )
        .into_response()
}

/// One value or several, as a check request gives a fact.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum Values {
    One(String),
    Many(Vec<String>),
}

/// The body of `POST /api/check`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CheckRequest {
    /// Fact name (or header alias) to its value or values.
    #[serde(default)]
    facts: BTreeMap<String, Values>,
    /// The declared role, as a roster would have it.
    declared: Option<String>,
    /// The partner's name and id, carried into the answer.
    name: Option<String>,
    id: Option<String>,
    /// A description to read facts from (the rule set's prose column).
    text: Option<String>,
}

/// `POST /api/check`: one partner's facts (JSON) -> its classification, as `check --format
/// json` gives it.
pub(crate) async fn check(
    State(app): State<Arc<App>>,
    body: Result<Json<CheckRequest>, JsonRejection>,
) -> Response {
    let Json(request) = match body {
        Ok(body) => body,
        Err(JsonRejection::MissingJsonContentType(_)) => {
            return error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "a check is sent as JSON",
                "send Content-Type: application/json and a body like {\"facts\": {\"transacts\": \"partner\", \"delivers\": [\"implementation\"]}, \"declared\": \"VAR\"}",
            );
        }
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("the request is larger than {} bytes", app.max_upload),
                "a check is a few facts; start the server with a larger --max-upload if it must be this large",
            );
        }
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                &e.body_text(),
                "the body is {\"facts\": {NAME: VALUE or [VALUES]}, \"declared\": ..., \"name\": ..., \"id\": ..., \"text\": ...}; GET /api/rules lists the facts and values",
            );
        }
    };
    let mut given: Vec<(String, String)> = Vec::new();
    for (name, values) in request.facts {
        let text = match values {
            Values::One(v) => v,
            Values::Many(vs) => vs.join(";"),
        };
        given.push((name, text));
    }
    if let Some(text) = request.text {
        match app.rules.prose_column() {
            Some(column) => given.push((column.to_string(), text)),
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "this rule set reads no description",
                    "give the facts instead",
                );
            }
        }
    }
    if given.is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "no fact given",
            "give at least one fact, e.g. {\"facts\": {\"transacts\": \"partner\"}}; GET /api/rules lists them",
        );
    }
    let id = request.id.unwrap_or_else(|| "check".to_string());
    let record = record_from_given(
        &app.rules,
        &Given {
            id: &id,
            name: request.name.as_deref(),
            declared: request.declared.as_deref(),
            facts: &given,
        },
    );
    let record = match record {
        Ok(record) => record,
        Err(message) => {
            return error(
                StatusCode::BAD_REQUEST,
                &message,
                "GET /api/rules lists the facts and their values",
            );
        }
    };
    let explained = explain(&app.rules, &record);
    Json(&explained.result).into_response()
}

/// `GET /api/rules`: the rule set: its name and version, its facts with their values, and its
/// roles with their definitions, sources and categories.
pub(crate) async fn rules(State(app): State<Arc<App>>) -> Response {
    let rules = &app.rules;
    let facts: Vec<serde_json::Value> = rules
        .facts
        .iter()
        .map(|f| {
            serde_json::json!({
                "name": f.name,
                "list": f.list,
                "values": f.values.iter().map(|v| serde_json::json!({
                    "id": v.id,
                    "label": v.label,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let roles: Vec<serde_json::Value> = rules
        .roles
        .iter()
        .map(|r| {
            serde_json::json!({
                "id": r.id,
                "name": r.name,
                "category": rules.categories[r.category].id,
                "definition": r.definition,
                "source": r.source,
                "rules": r.rules.iter().map(|&i| rules.rules[i].id.as_str()).collect::<Vec<_>>(),
            })
        })
        .collect();
    Json(serde_json::json!({
        "name": rules.name(),
        "version": rules.version(),
        "facts": facts,
        "roles": roles,
    }))
    .into_response()
}
