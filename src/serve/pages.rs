//! The pages: check a partner (`/`), audit a roster (`/audit`) and the rules (`/rules`),
//! rendered on the server through the askama templates `templates/serve_*.html`. They work
//! without JavaScript; the audit page's drag and drop is a small inline script run only by its
//! nonce.

use std::sync::Arc;

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::{App, csp};
use crate::engine::explain;
use crate::facts::{Given, record_from_given};
use crate::output::{Format, visible, writer_with};
use crate::pipeline::{self, RunOptions};
use crate::report::{ReportBuilder, render_html, report_date};

/// Most records each section of an audit's report lists (as `report --max-details`).
const REPORT_DETAILS: usize = 2000;

/// A page, with its status and the nonce its scripts run by.
fn page(status: StatusCode, html: String, nonce: Option<&str>) -> Response {
    let mut response = (status, Html(html)).into_response();
    if let Ok(value) = HeaderValue::from_str(&csp(nonce)) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

/// A page that says what went wrong and what to do.
fn problem_page(status: StatusCode, message: &str, help: &str) -> Response {
    let html = ProblemPage {
        title: "Something to fix",
        message,
        help,
    }
    .render()
    .unwrap_or_else(|e| format!("{message}: {help} ({e})"));
    page(status, html, None)
}

#[derive(Template)]
#[template(path = "serve_problem.html")]
struct ProblemPage<'a> {
    title: &'a str,
    message: &'a str,
    help: &'a str,
}

/// One fact of the check form: a select (one value) or checkboxes (a list).
struct FactField {
    name: String,
    list: bool,
    choices: Vec<Choice>,
}

/// One value of a fact, with its meaning in plain words.
struct Choice {
    id: String,
    label: String,
    chosen: bool,
}

/// The answer of a check, as `check` gives it.
struct Answer {
    status: &'static str,
    role_words: String,
    role_ids: String,
    category: String,
    confidence: String,
    declared_words: String,
    finding: &'static str,
    finding_words: &'static str,
    reasons: Vec<String>,
    near_misses: Vec<String>,
    warnings: Vec<String>,
}

#[derive(Template)]
#[template(path = "serve_check.html")]
struct CheckPage<'a> {
    title: &'a str,
    facts: Vec<FactField>,
    declared: String,
    name: String,
    error: Option<String>,
    answer: Option<Answer>,
}

/// `GET /?FACT=VALUE&...`: the check form, and the answer when facts are given (the URL of
/// an answer is the facts it was asked with, so it can be shared).
pub(crate) async fn check(
    State(app): State<Arc<App>>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let pairs = match query {
        Ok(Query(pairs)) => pairs,
        Err(e) => {
            return problem_page(
                StatusCode::BAD_REQUEST,
                &e.body_text(),
                "use the form on / to ask",
            );
        }
    };
    let rules = &app.rules;
    let mut declared = String::new();
    let mut name = String::new();
    let mut given: Vec<(String, String)> = Vec::new();
    for (key, value) in pairs {
        match key.as_str() {
            "declared" => declared = value,
            "name" => name = value,
            _ if value.trim().is_empty() => {}
            _ => given.push((key, value)),
        }
    }
    let facts = rules
        .facts
        .iter()
        .map(|f| FactField {
            name: f.name.clone(),
            list: f.list,
            choices: f
                .values
                .iter()
                .map(|v| Choice {
                    id: v.id.clone(),
                    label: v.label.clone().unwrap_or_else(|| v.id.replace('_', " ")),
                    chosen: given.iter().any(|(k, val)| *k == f.name && *val == v.id),
                })
                .collect(),
        })
        .collect();
    let mut error = None;
    let mut answer = None;
    if !given.is_empty() {
        let record = record_from_given(
            rules,
            &Given {
                id: "check",
                name: Some(name.as_str()).filter(|n| !n.is_empty()),
                declared: Some(declared.as_str()).filter(|d| !d.trim().is_empty()),
                facts: &given,
            },
        );
        match record {
            Err(message) => error = Some(message),
            Ok(record) => {
                let explained = explain(rules, &record);
                let r = &explained.result;
                answer = Some(Answer {
                    status: r.status.as_str(),
                    role_words: r.role_words(),
                    role_ids: r.role.clone().unwrap_or_default(),
                    category: r.category.clone().unwrap_or_default(),
                    confidence: format!("{:.2}", r.confidence),
                    declared_words: r.declared_words(),
                    finding: r.finding.as_str(),
                    finding_words: r.finding_words(),
                    reasons: r.plain_reasons().map(|s| visible(s).into_owned()).collect(),
                    near_misses: explained.near_miss_lines.clone(),
                    warnings: r.warnings.iter().map(|w| visible(w).into_owned()).collect(),
                });
            }
        }
    }
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let view = CheckPage {
        title: "Check a partner",
        facts,
        declared,
        name,
        error,
        answer,
    };
    match view.render() {
        Ok(html) => page(status, html, None),
        Err(e) => problem_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            &e.to_string(),
            "report this",
        ),
    }
}

#[derive(Template)]
#[template(path = "serve_audit.html")]
struct AuditPage<'a> {
    title: &'a str,
    nonce: &'a str,
    max_upload: usize,
}

/// `GET /audit`: the upload form.
pub(crate) async fn audit_form(State(app): State<Arc<App>>) -> Response {
    let nonce = app.nonce();
    let view = AuditPage {
        title: "Audit a roster",
        nonce: &nonce,
        max_upload: app.max_upload,
    };
    match view.render() {
        Ok(html) => page(StatusCode::OK, html, Some(&nonce)),
        Err(e) => problem_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            &e.to_string(),
            "report this",
        ),
    }
}

/// What an audit upload asks for: the report page, or a download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Report,
    Csv,
    Jsonl,
}

/// `POST /audit` (multipart: the `roster` file and the `format` button): the report page of
/// the roster, or its classified CSV or JSON Lines as a download.
pub(crate) async fn audit(
    State(app): State<Arc<App>>,
    form: Result<Multipart, MultipartRejection>,
) -> Response {
    let mut form = match form {
        Ok(form) => form,
        Err(e) => {
            return problem_page(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                &e.body_text(),
                "upload the roster with the form on /audit (a multipart/form-data request with a `roster` file)",
            );
        }
    };
    // The permit first, then the upload: one waiting for its turn is not held in memory.
    let Ok(permit) = Arc::clone(&app.permits).acquire_owned().await else {
        return problem_page(
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is stopping",
            "try again",
        );
    };
    let mut roster: Option<(String, axum::body::Bytes)> = None;
    let mut want = Want::Report;
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return upload_problem(&app, e.status(), &e.body_text()),
        };
        match field.name() {
            Some("roster") => {
                let file = field.file_name().unwrap_or("roster.csv").to_string();
                match field.bytes().await {
                    Ok(bytes) => roster = Some((file, bytes)),
                    Err(e) => return upload_problem(&app, e.status(), &e.body_text()),
                }
            }
            Some("format") => {
                want = match field.text().await.as_deref() {
                    Ok("csv") => Want::Csv,
                    Ok("jsonl") => Want::Jsonl,
                    _ => Want::Report,
                }
            }
            _ => {}
        }
    }
    let Some((file, bytes)) = roster else {
        return problem_page(
            StatusCode::BAD_REQUEST,
            "no roster was uploaded",
            "choose a CSV or spreadsheet file (or drop one on the page) and press a button",
        );
    };
    if bytes.len() > app.max_upload {
        return upload_problem(&app, StatusCode::PAYLOAD_TOO_LARGE, "");
    }
    if bytes.is_empty() {
        return problem_page(
            StatusCode::BAD_REQUEST,
            &format!("{}: the file is empty", visible(&file)),
            "upload the roster itself: a CSV (or spreadsheet) with a header line",
        );
    }
    let worker = Arc::clone(&app);
    let done = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        audit_roster(&worker, &file, bytes, want)
    })
    .await;
    match done {
        Ok(response) => response,
        Err(e) => problem_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            &e.to_string(),
            "report this",
        ),
    }
}

/// The page for an upload that failed while it was read: too large, or cut off.
fn upload_problem(app: &App, status: StatusCode, message: &str) -> Response {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        return problem_page(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("the upload is larger than {} bytes", app.max_upload),
            "split the roster, or start the server with a larger --max-upload",
        );
    }
    problem_page(
        StatusCode::BAD_REQUEST,
        message,
        "upload the roster again with the form on /audit",
    )
}

/// Classifies an uploaded roster (on a blocking thread): the report page, or a download.
fn audit_roster(app: &App, file: &str, bytes: axum::body::Bytes, want: Want) -> Response {
    let rules = &app.rules;
    let shown = visible(file).into_owned();
    let mut options = RunOptions::default();
    let csv: Vec<u8> = if crate::sheet::is_spreadsheet(std::path::Path::new(file)) {
        match read_sheet(file, &bytes) {
            Ok((csv, rows)) => {
                options.sheet = Some(Arc::new(rows));
                csv
            }
            Err(message) => {
                return problem_page(
                    StatusCode::BAD_REQUEST,
                    &format!("{shown}: {message}"),
                    "upload a CSV, or a spreadsheet whose first sheet is the roster",
                );
            }
        }
    } else {
        bytes.to_vec()
    };
    let input = std::io::Cursor::new(csv);
    if want == Want::Report {
        let mut builder = ReportBuilder::new(rules, &shown, report_date(), REPORT_DETAILS);
        if let Err(e) = pipeline::run(rules, input, &shown, options, &mut builder) {
            return roster_problem(&e.to_string());
        }
        let html = match render_html(&builder.finish()) {
            Ok(html) => html,
            Err(e) => {
                return problem_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &e.to_string(),
                    "report this",
                );
            }
        };
        let nonce = app.nonce();
        let html = html
            .replacen("<script>", &format!("<script nonce=\"{nonce}\">"), 1)
            .replacen(
                "</header>",
                "<nav class=\"serve-nav\"><a href=\"/audit\">Audit another roster</a> · <a href=\"/\">Check a partner</a> · <a href=\"/rules\">Rules</a></nav></header>",
                1,
            );
        return page(StatusCode::OK, html, Some(&nonce));
    }
    let (format, extension, kind) = match want {
        Want::Csv => (Format::Csv, "csv", "text/csv; charset=utf-8"),
        _ => (
            Format::Jsonl,
            "jsonl",
            "application/x-ndjson; charset=utf-8",
        ),
    };
    let mut out: Vec<u8> = Vec::new();
    let run = {
        let mut sink = writer_with(format, Box::new(&mut out), false);
        pipeline::run(rules, input, &shown, options, &mut sink)
    };
    if let Err(e) = run {
        return roster_problem(&e.to_string());
    }
    let disposition = format!(
        "attachment; filename=\"{}-classified.{extension}\"",
        safe_stem(file)
    );
    let mut response = (StatusCode::OK, out).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// The page for a roster that cannot be read at all.
fn roster_problem(message: &str) -> Response {
    problem_page(
        StatusCode::BAD_REQUEST,
        message,
        "upload a CSV roster with a header line; /rules lists the columns the rules read",
    )
}

/// A spreadsheet upload as CSV: written to a temporary file with a random name (the reader
/// needs a file), read, and deleted when done.
fn read_sheet(file: &str, bytes: &[u8]) -> Result<(Vec<u8>, crate::sheet::SheetRows), String> {
    use std::io::Write as _;
    let extension = std::path::Path::new(file)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("xlsx")
        .to_ascii_lowercase();
    let mut temp = tempfile::Builder::new()
        .prefix("partner-roles-upload-")
        .suffix(&format!(".{extension}"))
        .tempfile()
        .map_err(|e| e.to_string())?;
    temp.write_all(bytes).map_err(|e| e.to_string())?;
    crate::sheet::read(temp.path(), None).map_err(|e| e.to_string())
}

/// The file name's stem with only letters, digits, `-`, `_` and `.` kept, for a download's
/// name.
fn safe_stem(file: &str) -> String {
    let stem = std::path::Path::new(file)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("roster");
    let safe: String = stem
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(64)
        .collect();
    if safe.is_empty() {
        "roster".to_string()
    } else {
        safe
    }
}

/// One role on the rules page.
struct RoleView {
    id: String,
    name: String,
    category: String,
    definition: String,
    source: String,
    rules: Vec<RuleView>,
    refines: Vec<String>,
    with: Vec<(String, String, String)>,
}

/// One rule of a role, its conditions in plain words.
struct RuleView {
    id: String,
    conditions: Vec<(String, bool)>,
}

#[derive(Template)]
#[template(path = "serve_rules.html")]
struct RulesPage<'a> {
    title: &'a str,
    ruleset: String,
    origin: String,
    lint: String,
    roles: Vec<RoleView>,
}

/// `GET /rules`: every role with its definition, source, rules in plain words, what it refines
/// and what it can be held with; the rule set's name, version and lint summary.
pub(crate) async fn rules(State(app): State<Arc<App>>) -> Response {
    let rules = &app.rules;
    let roles = rules
        .roles
        .iter()
        .enumerate()
        .map(|(ri, role)| RoleView {
            id: role.id.clone(),
            name: role.name.clone(),
            category: rules.categories[role.category].name.clone(),
            definition: role.definition.clone(),
            source: role.source.clone(),
            rules: role
                .rules
                .iter()
                .map(|&r| RuleView {
                    id: rules.rules[r].id.clone(),
                    conditions: rules.rules[r]
                        .conjuncts
                        .iter()
                        .map(|&c| (rules.says(c).to_string(), rules.nodes[c].typical))
                        .collect(),
                })
                .collect(),
            refines: (0..rules.roles.len())
                .filter(|&o| rules.refines[ri][o])
                .map(|o| rules.roles[o].name.clone())
                .collect(),
            with: rules
                .combinations
                .iter()
                .filter(|c| c.roles.0 == ri || c.roles.1 == ri)
                .map(|c| {
                    let other = if c.roles.0 == ri {
                        c.roles.1
                    } else {
                        c.roles.0
                    };
                    (
                        rules.roles[other].name.clone(),
                        c.because.clone(),
                        c.source.clone(),
                    )
                })
                .collect(),
        })
        .collect();
    let view = RulesPage {
        title: "Rules",
        ruleset: match rules.version() {
            Some(v) => format!("{} {v}", rules.name()),
            None => rules.name().to_string(),
        },
        origin: rules.origin().to_string(),
        lint: app.lint_summary().to_string(),
        roles,
    };
    match view.render() {
        Ok(html) => page(StatusCode::OK, html, None),
        Err(e) => problem_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            &e.to_string(),
            "report this",
        ),
    }
}
