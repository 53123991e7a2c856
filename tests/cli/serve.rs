//! `partner-roles serve` as a person and a program use it: the server started on a free
//! loopback port; its API compared with the command line on the same input, every error status
//! it promises, the security headers, the pages over plain HTTP, and (with Chromium, as the
//! report test) the check form filled in and a roster uploaded through the page.

use std::io::{BufRead, BufReader, Write as _};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::browser::{Driver, HOSTILE, audit_counts, browser_or_skip, count_of};
use crate::support::{bin, check_reseller, fixture, stdout_of};

/// A server on a free loopback port, stopped when dropped.
struct Server {
    child: Child,
    url: String,
    agent: ureq::Agent,
}

impl Server {
    fn start(extra: &[&str]) -> Server {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin!("partner-roles"))
            .args(["serve", "--bind", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the address line");
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .trim_end_matches('/')
            .to_string();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Server { child, url, agent }
    }

    /// (status, content type, body) of a request.
    fn send(&self, method: &str, path: &str, kind: Option<&str>, body: &[u8]) -> Reply {
        let url = format!("{}{path}", self.url);
        let response = match method {
            "GET" => self.agent.get(&url).call(),
            _ => {
                let mut request = self.agent.post(&url);
                if let Some(kind) = kind {
                    request = request.header("Content-Type", kind);
                }
                request.send(body)
            }
        };
        let mut response = response.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        let (kind, csp) = (header("content-type"), header("content-security-policy"));
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_vec()
            .expect("body");
        Reply {
            status,
            kind,
            csp,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Reply {
    status: u16,
    kind: String,
    csp: String,
    body: String,
}

/// A multipart/form-data body with the `roster` file and the `format` button.
fn form(file_name: &str, bytes: &[u8], format: &str) -> (String, Vec<u8>) {
    let boundary = "partner-roles-test-boundary";
    let mut body = Vec::new();
    let _ = write!(
        body,
        "--{boundary}\r\nContent-Disposition: form-data; name=\"roster\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
    );
    body.extend_from_slice(bytes);
    let _ = write!(
        body,
        "\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"format\"\r\n\r\n{format}\r\n--{boundary}--\r\n"
    );
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[test]
fn the_api_answers_as_the_command_line_does() {
    let server = Server::start(&[]);
    // classify: the JSON Lines of `classify --format jsonl`, record for record.
    let roster = fixture("sample-roster.csv");
    let csv = std::fs::read(&roster).expect("roster");
    let reply = server.send("POST", "/api/classify", Some("text/csv"), &csv);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(
        reply.kind.starts_with("application/x-ndjson"),
        "{}",
        reply.kind
    );
    let cli = stdout_of(
        bin()
            .args(["classify", "-q", "--format", "jsonl"])
            .arg(&roster),
    );
    let parse = |text: &str| -> Vec<Value> {
        text.lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect()
    };
    let (api, cli) = (parse(&reply.body), parse(&cli));
    assert_eq!(api.len(), 42, "one record a row");
    assert_eq!(api, cli);
    // check: the classification of `check --format json`.
    let reply = server.send(
        "POST",
        "/api/check",
        Some("application/json"),
        json!({"facts": {"transacts": "partner", "sells_to": "end_customers", "earns": "margin", "delivers": ["implementation"]}, "declared": "VAR"})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let api: Value = serde_json::from_str(&reply.body).expect("JSON");
    let cli: Value = serde_json::from_str(&check_reseller(&[
        "--delivers",
        "implementation",
        "--declared",
        "VAR",
        "--format",
        "json",
    ]))
    .expect("JSON");
    assert_eq!(api, cli);
    assert_eq!(api["role"], "value_added_reseller");
    // rules: every role of `rules list`, with its name and definition.
    let reply = server.send("GET", "/api/rules", None, b"");
    let rules: Value = serde_json::from_str(&reply.body).expect("JSON");
    let roles = rules["roles"].as_array().expect("roles");
    assert_eq!(roles.len(), 12, "{rules}");
    assert!(roles.iter().any(|r| r["name"] == "Value-Added Reseller"));
    assert!(rules["facts"].as_array().is_some_and(|f| !f.is_empty()));
}

/// (method, path, content type, body, status, words of the answer)
type Case<'a> = (&'a str, &'a str, Option<&'a str>, Vec<u8>, u16, &'a str);

#[test]
fn every_error_says_what_to_do_with_its_status() {
    let server = Server::start(&["--max-upload", "2048"]);
    let big = vec![b'a'; 4096];
    let small = b"partner_id,transacts\nA,partner\n";
    let (multipart, empty_form) = form("empty.csv", b"", "report");
    let (_, big_form) = form("big.csv", &big, "report");
    // (method, path, content type, body, status, words of the answer)
    let cases: Vec<Case> = vec![
        (
            "POST",
            "/api/classify",
            Some("application/json"),
            small.to_vec(),
            415,
            "Content-Type: text/csv",
        ),
        (
            "POST",
            "/api/classify",
            None,
            small.to_vec(),
            415,
            "Content-Type: text/csv",
        ),
        (
            "POST",
            "/api/classify",
            Some("text/csv"),
            Vec::new(),
            400,
            "empty",
        ),
        (
            "POST",
            "/api/classify",
            Some("text/csv"),
            big.clone(),
            413,
            "--max-upload",
        ),
        (
            "POST",
            "/api/check",
            Some("text/plain"),
            b"{}".to_vec(),
            415,
            "application/json",
        ),
        (
            "POST",
            "/api/check",
            Some("application/json"),
            b"{not json".to_vec(),
            400,
            "facts",
        ),
        (
            "POST",
            "/api/check",
            Some("application/json"),
            b"{}".to_vec(),
            400,
            "no fact given",
        ),
        (
            "POST",
            "/api/check",
            Some("application/json"),
            br#"{"facts": {"colour": "red"}}"#.to_vec(),
            400,
            "colour",
        ),
        (
            "POST",
            "/api/check",
            Some("application/json"),
            br#"{"facts": {}, "extra": 1}"#.to_vec(),
            400,
            "extra",
        ),
        (
            "POST",
            "/audit",
            Some("application/x-www-form-urlencoded"),
            b"x=1".to_vec(),
            415,
            "/audit",
        ),
        (
            "POST",
            "/audit",
            Some(multipart.as_str()),
            empty_form,
            400,
            "empty",
        ),
        (
            "POST",
            "/audit",
            Some(multipart.as_str()),
            big_form,
            413,
            "--max-upload",
        ),
        ("GET", "/?colour=red", None, Vec::new(), 400, "colour"),
        ("GET", "/nowhere", None, Vec::new(), 404, "/audit"),
        (
            "POST",
            "/rules",
            Some("text/plain"),
            b"x".to_vec(),
            405,
            "GET",
        ),
        (
            "POST",
            "/api/check",
            Some("application/json"),
            format!(
                "{{\"facts\": {{\"transacts\": \"{}\"}}}}",
                "a".repeat(100_000)
            )
            .into_bytes(),
            413,
            "--max-upload",
        ),
    ];
    for (method, path, kind, body, status, says) in cases {
        let reply = server.send(method, path, kind, &body);
        assert_eq!(
            reply.status, status,
            "{method} {path} {kind:?}: {}",
            reply.body
        );
        assert!(
            reply.body.contains(says),
            "{method} {path} {kind:?} should say {says:?}: {}",
            reply.body
        );
        assert!(
            reply.csp.contains("default-src 'none'"),
            "{path}: CSP {:?}",
            reply.csp
        );
    }
}

/// A request slower than `--timeout` gets 408 with what to do and the security headers; the
/// server goes on answering.
#[test]
fn a_request_over_the_time_limit_gets_408_and_the_headers() {
    use std::io::Read as _;
    let server = Server::start(&["--timeout", "1"]);
    let address = server.url.trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&address).expect("connects");
    // A body announced and never sent in full.
    stream
        .write_all(b"POST /api/classify HTTP/1.1\r\nHost: test\r\nContent-Type: text/csv\r\nContent-Length: 1000\r\n\r\npartner_id")
        .expect("sends");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buf[..n]);
        if String::from_utf8_lossy(&answer).contains("--timeout.") {
            break;
        }
    }
    let answer = String::from_utf8_lossy(&answer).to_lowercase();
    assert!(answer.starts_with("http/1.1 408"), "{answer}");
    assert!(
        answer.contains("content-security-policy: default-src 'none'"),
        "{answer}"
    );
    assert!(answer.contains("larger --timeout"), "{answer}");
    let reply = server.send("GET", "/api/rules", None, b"");
    assert_eq!(reply.status, 200, "still answering");
}

#[test]
fn pages_work_without_scripts_and_escape_roster_text() {
    let server = Server::start(&[]);
    // The check form offers every fact; an answer is a URL.
    let page = server.send("GET", "/", None, b"");
    assert_eq!(page.status, 200);
    for fact in ["transacts", "sells_to", "delivers", "earns"] {
        assert!(page.body.contains(&format!("name=\"{fact}\"")), "{fact}");
    }
    let answer = server.send(
        "GET",
        "/?transacts=partner&sells_to=end_customers&earns=resale_margin&delivers=implementation&declared=VAR",
        None,
        b"",
    );
    assert!(
        answer.body.contains(r#"id="status">classified<"#),
        "{}",
        answer.body
    );
    assert!(answer.body.contains("Value-Added Reseller"));
    assert!(answer.body.contains("VAR → Value-Added Reseller"));
    assert!(answer.csp.contains("script-src 'none'"), "{}", answer.csp);
    // An upload: the report, with a nonce for its one script, and the hostile name as text.
    let mut roster = std::fs::read_to_string(fixture("small-roster.csv")).expect("roster");
    assert!(
        roster.contains(HOSTILE),
        "the small roster has the hostile name"
    );
    roster.push('\n');
    let (kind, body) = form("small roster.csv", roster.as_bytes(), "report");
    let report = server.send("POST", "/audit", Some(&kind), &body);
    assert_eq!(report.status, 200, "{}", report.body);
    let nonce = report
        .csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce");
    assert!(report.body.contains(&format!("<script nonce=\"{nonce}\">")));
    assert!(
        !report.body.contains(HOSTILE),
        "the hostile name is escaped"
    );
    assert!(report.body.contains("&#60;img src=x onerror=alert(1)&#62;"));
    // Downloads: the classified CSV and JSON Lines of the command line.
    let (kind, body) = form("small roster.csv", roster.as_bytes(), "csv");
    let csv = server.send("POST", "/audit", Some(&kind), &body);
    let cli = stdout_of(
        bin()
            .args(["classify", "-q", "--format", "csv"])
            .arg(fixture("small-roster.csv")),
    );
    assert_eq!(csv.body, cli);
    let (kind, body) = form("small roster.csv", roster.as_bytes(), "jsonl");
    let jsonl = server.send("POST", "/audit", Some(&kind), &body);
    assert_eq!(jsonl.body.lines().count(), cli.lines().count() - 1);
    // The rules page: each role by name with its definition.
    let rules = server.send("GET", "/rules", None, b"");
    assert!(rules.body.contains("Value-Added Reseller"));
    assert!(rules.body.contains("rules lint:"));
}

/// The pages in headless Chromium: the check form filled in and sent, a roster uploaded with
/// the file picker and its counts compared with `audit`, no console error, a hostile name
/// shown as text. Screenshots of the pages (and of an upload's report) go to the folder
/// `PARTNER_ROLES_SCREENSHOTS` names (the README's are in `docs/serve/`).
#[test]
fn the_pages_in_headless_chromium() {
    let Some((chromedriver, chromium)) = browser_or_skip("the serve browser test") else {
        return;
    };
    let server = Server::start(&[]);
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("serve-browser-test");
    std::fs::create_dir_all(&out_dir).expect("output folder");
    let shots = std::env::var_os("PARTNER_ROLES_SCREENSHOTS").map(std::path::PathBuf::from);
    let driver = Driver::start(&chromedriver, &chromium, &out_dir.join("profile"));
    let go = |path: &str| {
        driver.post("/url", json!({"url": format!("{}{path}", server.url)}));
    };
    let no_console_errors = |what: &str| {
        let logs = driver.post("/se/log", json!({"type": "browser"}));
        let severe: Vec<&Value> = logs
            .as_array()
            .map(|a| a.iter().filter(|e| e["level"] == "SEVERE").collect())
            .unwrap_or_default();
        assert!(severe.is_empty(), "{what}: console errors {severe:?}");
    };

    // Check a partner: choose values in the form and press Check.
    go("/");
    let filled = driver.script(
        "document.querySelector('select[name=transacts]').value = 'partner';
         document.querySelector('input[name=sells_to][value=end_customers]').checked = true;
         document.querySelector('input[name=earns][value=resale_margin]').checked = true;
         document.querySelector('input[name=delivers][value=implementation]').checked = true;
         document.querySelector('input[name=declared]').value = 'VAR';
         return 0;",
    );
    assert_eq!(filled, 0, "the form has those fields: {filled}");
    let button = driver.element("form.check button[type=submit]");
    driver.post(&format!("/element/{button}/click"), json!({}));
    driver.wait_for(
        "return !!document.getElementById('status') || !!document.querySelector('.problem');",
        "the check's answer",
    );
    let answer = driver.script(
        "return {status: document.getElementById('status').textContent, role: document.getElementById('role').textContent, url: location.search};",
    );
    assert_eq!(answer["status"], "classified", "{answer}");
    assert_eq!(answer["role"], "Value-Added Reseller", "{answer}");
    assert!(
        answer["url"]
            .as_str()
            .is_some_and(|u| u.contains("transacts=partner")),
        "the answer's URL holds the question: {answer}"
    );
    no_console_errors("check page");
    if let Some(dir) = &shots {
        driver.screenshot(&dir.join("check.png"));
    }

    // Audit a roster: the sample roster plus a hostile name, through the file picker.
    let roster = out_dir.join("roster.csv");
    let mut text = std::fs::read_to_string(fixture("sample-roster.csv")).expect("sample");
    text.push_str(&format!("X001,\"{HOSTILE}\",Reseller,partner,end_customers,none,margin,,software,single,one_off,hostile name\n"));
    std::fs::write(&roster, text).expect("roster written");
    go("/audit");
    no_console_errors("audit page");
    if let Some(dir) = &shots {
        driver.screenshot(&dir.join("audit.png"));
    }
    let input = driver.element("input[name=roster]");
    driver.post(
        &format!("/element/{input}/value"),
        json!({"text": roster.display().to_string()}),
    );
    let show = driver.element("button[value=report]");
    driver.post(&format!("/element/{show}/click"), json!({}));
    // The upload's answer may still be on its way when the click returns.
    driver.wait_for(
        "return !!document.getElementById('total') || !!document.querySelector('.problem');",
        "the report page",
    );
    let problem =
        driver.script("var p = document.querySelector('.problem'); return p ? p.textContent : '';");
    assert_eq!(problem, "", "the upload was refused");
    let shown = driver.script(
        "var o = {}; document.querySelectorAll('[id^=finding-], #total').forEach(function (e) { o[e.id] = e.textContent.trim(); }); o.images = document.querySelectorAll('img').length; o.script = !!document.getElementById('q'); return o;",
    );
    let audit = audit_counts(&roster);
    let expect = |label: &str| count_of(&audit, label);
    assert_eq!(shown["total"], expect("rows read"), "{shown}");
    assert_eq!(shown["finding-mismatch"], expect("mismatch"), "{shown}");
    assert_eq!(shown["finding-agree"], expect("agree"), "{shown}");
    assert_eq!(
        shown["images"], 0,
        "the hostile name made no image: {shown}"
    );
    if let Some(dir) = &shots {
        driver.screenshot(&dir.join("audit-report.png"));
    }
    // The report's filter script runs under the page's nonce.
    let filtered = driver.script(
        "var q = document.getElementById('q'); q.value = 'ParcelPro'; q.dispatchEvent(new Event('input')); return document.getElementById('shown').textContent;",
    );
    assert_eq!(filtered, "1", "the report's filter ran");
    no_console_errors("report page");

    go("/rules");
    let roles = driver.script("return document.querySelectorAll('section[id^=role-]').length;");
    assert_eq!(roles, 12);
    no_console_errors("rules page");
    if let Some(dir) = &shots {
        driver.screenshot(&dir.join("rules.png"));
    }
}
