//! The HTML report in a real browser: headless Chromium driven over WebDriver (Debian's
//! `chromium` and `chromium-driver`, which `.ci/run` installs). The page must load with no
//! console errors, show the audit's numbers, narrow the partner list as one types in the
//! filter, and show a hostile partner name as text. A screenshot is written to the test's
//! output folder.
//!
//! Without chromedriver on the machine the test says so and passes, unless
//! `PARTNER_ROLES_BROWSER_TEST=required` (set by `.ci/run`), when it fails.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{bin, fixture};

pub(crate) const HOSTILE: &str = "<img src=x onerror=alert(1)>";

fn find(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    names
        .iter()
        .flat_map(|n| std::env::split_paths(&path).map(move |d| d.join(n)))
        .find(|p| p.is_file())
}

pub(crate) struct Driver {
    child: Child,
    base: String,
    agent: ureq::Agent,
    session: String,
}

impl Driver {
    pub(crate) fn start(chromedriver: &Path, chromium: &Path, profile: &Path) -> Driver {
        let port = TcpListener::bind("127.0.0.1:0")
            .expect("free port")
            .local_addr()
            .expect("addr")
            .port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = agent
                .get(format!("{base}/status"))
                .call()
                .ok()
                .and_then(|mut r| r.body_mut().read_json::<Value>().ok())
                .is_some_and(|v| v["value"]["ready"] == true);
            if ready {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not become ready"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut driver = Driver {
            child,
            base,
            agent,
            session: String::new(),
        };
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium.to_string_lossy(),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--no-first-run", "--window-size=1280,1800",
                         format!("--user-data-dir={}", profile.display())]
            },
            "goog:loggingPrefs": {"browser": "ALL"}
        }}});
        let created = driver.post("/session", caps);
        driver.session = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {created}"))
            .to_string();
        driver
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = if path == "/session" {
            format!("{}{path}", self.base)
        } else {
            format!("{}/session/{}{path}", self.base, self.session)
        };
        let response = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            ("DELETE", _) => self.agent.delete(&url).call(),
            (_, body) => self.agent.post(&url).send_json(body.unwrap_or(json!({}))),
        };
        let mut response = response.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let value: Value = response.body_mut().read_json().unwrap_or(Value::Null);
        value
            .get("value")
            .cloned()
            .map(|v| if path == "/session" { value.clone() } else { v })
            .unwrap_or(value)
    }

    pub(crate) fn post(&self, path: &str, body: Value) -> Value {
        let v = self.call("POST", path, Some(body));
        if path == "/session" {
            v.get("value").cloned().unwrap_or(v)
        } else {
            v
        }
    }

    pub(crate) fn script(&self, code: &str) -> Value {
        self.post("/execute/sync", json!({"script": code, "args": []}))
    }

    /// Waits (up to a minute) until the script `condition` returns true: a click that submits
    /// a form returns before the next page has loaded.
    pub(crate) fn wait_for(&self, condition: &str, what: &str) {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while self.script(condition) != Value::Bool(true) {
            assert!(std::time::Instant::now() < deadline, "{what} never came");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub(crate) fn element(&self, css: &str) -> String {
        let found = self.post("/element", json!({"using": "css selector", "value": css}));
        found
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}: {found}"))
            .to_string()
    }

    pub(crate) fn screenshot(&self, path: &Path) {
        let data = self.call("GET", "/screenshot", None);
        let bytes = base64_decode(data.as_str().expect("base64 screenshot"));
        std::fs::write(path, bytes).expect("screenshot written");
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self
                .agent
                .delete(format!("{}/session/{}", self.base, self.session))
                .call();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Decodes standard base64 (the screenshot); small and local, to avoid a dependency for a test.
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let digits: Vec<u8> = text.bytes().filter_map(value).collect();
    digits
        .chunks(4)
        .flat_map(|chunk| {
            let n = chunk.iter().fold(0u32, |acc, &d| acc << 6 | u32::from(d))
                << (6 * (4 - chunk.len()));
            let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
            bytes.into_iter().take(chunk.len().saturating_sub(1))
        })
        .collect()
}

/// How many records of `roster` hold several roles (`classify --format jsonl`).
fn classify_profiles(roster: &Path) -> u64 {
    let out = bin()
        .args(["classify", "-f", "jsonl", "-q"])
        .arg(roster)
        .output()
        .expect("classify runs");
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("json"))
        .filter(|r| r["roles"].as_array().is_some_and(|a| a.len() > 1))
        .count() as u64
}

/// Numbers from the audit's summary line: "N rows read: A agree, M mismatch, ...".
/// The count `label` of `audit`'s summary (see [`audit_counts`]), as text.
pub(crate) fn count_of(audit: &[(String, u64)], label: &str) -> String {
    audit
        .iter()
        .find(|(l, _)| l == label)
        .map(|(_, n)| n.to_string())
        .unwrap_or_else(|| panic!("{label} in {audit:?}"))
}

pub(crate) fn audit_counts(roster: &Path) -> Vec<(String, u64)> {
    let out = bin()
        .args(["audit", "-f", "jsonl", "--fail-on", "never"])
        .arg(roster)
        .output()
        .expect("audit runs");
    let line = String::from_utf8(out.stderr).expect("utf-8");
    let line = line.lines().last().expect("summary line").replace(':', ",");
    line.split(',')
        .filter_map(|part| {
            let mut words = part.split_whitespace();
            let n = words.next()?.parse().ok()?;
            let label = words.collect::<Vec<_>>().join(" ");
            Some((label, n))
        })
        .collect()
}

/// chromedriver and chromium, or `None` after saying on stderr that `test` was not run (a
/// failure instead when `PARTNER_ROLES_BROWSER_TEST=required`).
pub(crate) fn browser_or_skip(test: &str) -> Option<(PathBuf, PathBuf)> {
    let required = std::env::var("PARTNER_ROLES_BROWSER_TEST").is_ok_and(|v| v == "required");
    let found = find(&["chromedriver"]).zip(find(&["chromium", "chromium-browser"]));
    if found.is_none() {
        assert!(
            !required,
            "PARTNER_ROLES_BROWSER_TEST=required but chromium or chromedriver is not installed"
        );
        let _ = writeln!(
            std::io::stderr(),
            "note: chromium/chromedriver not found; {test} was not run"
        );
    }
    found
}

#[test]
fn html_report_in_headless_chromium() {
    let Some((chromedriver, chromium)) = browser_or_skip("the report's browser test") else {
        return;
    };
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-test");
    std::fs::create_dir_all(&out_dir).expect("output folder");
    // The sample roster, the hybrid roster (partners holding several roles, multi-valued
    // declarations), and a partner whose name is an HTML injection attempt.
    let roster = out_dir.join("roster.csv");
    let mut text = std::fs::read_to_string(fixture("sample-roster.csv")).expect("sample");
    let hybrids = std::fs::read_to_string(fixture("hybrid-roster.csv")).expect("hybrids");
    let (header, hybrid_rows) = hybrids.split_once('\n').expect("header line");
    assert_eq!(
        header,
        text.lines().next().expect("sample header"),
        "same columns"
    );
    let hybrid_count = hybrid_rows.lines().count() as u64;
    text.push_str(hybrid_rows);
    text.push_str(&format!("X001,\"{HOSTILE}\",Reseller,partner,end_customers,none,margin,,software,single,one_off,hostile name\n"));
    std::fs::write(&roster, text).expect("roster written");
    let report = out_dir.join("report.html");
    bin()
        .arg("report")
        .arg(&roster)
        .arg("-o")
        .arg(&report)
        .assert()
        .success();

    let driver = Driver::start(&chromedriver, &chromium, &out_dir.join("profile"));
    driver.post(
        "/url",
        json!({"url": format!("file://{}", report.display())}),
    );

    // No console errors.
    let logs = driver.post("/se/log", json!({"type": "browser"}));
    let severe: Vec<&Value> = logs
        .as_array()
        .map(|a| a.iter().filter(|e| e["level"] == "SEVERE").collect())
        .unwrap_or_default();
    assert!(logs.is_array(), "browser log: {logs}");
    assert!(severe.is_empty(), "console errors: {severe:?}");

    // The numbers shown are the audit's.
    let shown = driver.script(
        "var o = {}; document.querySelectorAll('[id^=finding-], #total').forEach(function (e) { o[e.id] = e.textContent.trim(); }); return o;",
    );
    let audit = audit_counts(&roster);
    let expect = |label: &str| count_of(&audit, label);
    assert_eq!(shown["total"], expect("rows read"), "{shown}");
    for (id, label) in [
        ("finding-agree", "agree"),
        ("finding-mismatch", "mismatch"),
        ("finding-unconfirmed", "unconfirmed"),
        ("finding-less_specific", "less_specific"),
        ("finding-incomplete", "incomplete"),
        ("finding-undeclared", "undeclared"),
        ("finding-error", "error"),
    ] {
        assert_eq!(shown[id], expect(label), "{id}: {shown}");
    }

    // The hostile name is text: no image element was created, no alert opened.
    let hostile = driver.script(&format!(
        "return {{ images: document.images.length, cells: Array.prototype.filter.call(document.querySelectorAll('#partners td'), function (td) {{ return td.textContent.indexOf({HOSTILE:?}) >= 0; }}).length }};"
    ));
    assert_eq!(hostile["images"], 0, "{hostile}");
    assert!(
        hostile["cells"].as_u64().unwrap_or(0) >= 1,
        "the name shows as text: {hostile}"
    );
    let alert = driver.call("GET", "/alert/text", None);
    assert_eq!(alert["error"], "no such alert", "{alert}");

    // Typing in the filter narrows the list.
    let visible = "return Array.prototype.filter.call(document.querySelectorAll('#partners tbody tr'), function (tr) { return !tr.hidden; }).length;";
    let before = driver.script(visible).as_u64().expect("count");
    assert_eq!(before, 43 + hybrid_count);
    // Partners holding several roles have their own section, one row each.
    let profiles: u64 = classify_profiles(&roster);
    assert!(profiles >= 15, "{profiles} records hold several roles");
    let tables = driver.script("return document.querySelectorAll('#hybrids table').length;");
    assert_eq!(tables, 2, "a count per profile and a list of partners");
    let per_profile = driver.script(
        "var n = 0; document.querySelectorAll('#hybrids table:nth-of-type(1) td.num').forEach(function (td) { n += Number(td.textContent); }); return n;",
    );
    assert_eq!(
        per_profile.as_u64(),
        Some(profiles),
        "profile counts add up"
    );
    let listed = driver
        .script("return document.querySelectorAll('#hybrids table:nth-of-type(2) tr').length - 1;");
    assert_eq!(listed.as_u64(), Some(profiles), "every hybrid listed");
    // The role filter offers each profile, and selecting one shows its partners.
    driver.script("document.getElementById('f-role').value = 'managed_service_provider+value_added_reseller'; document.getElementById('f-role').dispatchEvent(new Event('change')); return 0;");
    let var_msp = driver.script(visible).as_u64().expect("count");
    assert!(var_msp >= 3, "{var_msp} VAR+MSP partners shown");
    driver.script("document.getElementById('f-role').value = ''; document.getElementById('f-role').dispatchEvent(new Event('change')); return 0;");
    let q = driver.element("#q");
    driver.post(&format!("/element/{q}/value"), json!({"text": "Pinnacle"}));
    let after = driver.script(visible).as_u64().expect("count");
    assert_eq!(after, 1, "one partner matches 'Pinnacle'");
    assert_eq!(
        driver.script("return document.getElementById('shown').textContent;"),
        "1"
    );
    driver.screenshot(&out_dir.join("report-filtered.png"));
    driver.post(&format!("/element/{q}/clear"), json!({}));
    driver.script("document.getElementById('f-finding').value = 'mismatch'; document.getElementById('f-finding').dispatchEvent(new Event('change')); return 0;");
    let mismatches = driver.script(visible).as_u64().expect("count");
    assert_eq!(
        mismatches.to_string(),
        expect("mismatch"),
        "the finding filter shows the mismatches"
    );
    driver.script("document.getElementById('f-finding').value = ''; document.getElementById('f-finding').dispatchEvent(new Event('change')); window.scrollTo(0, 0); return 0;");
    let shot = out_dir.join("report.png");
    driver.screenshot(&shot);
    assert!(
        std::fs::metadata(&shot)
            .map(|m| m.len() > 10_000)
            .unwrap_or(false),
        "a screenshot was written"
    );

    // Control: the console check does see errors, so its silence above means something.
    driver.post(
        "/url",
        json!({"url": "data:text/html,<script>console.error('probe')</script>"}),
    );
    let control = driver.post("/se/log", json!({"type": "browser"}));
    assert!(
        control
            .as_array()
            .is_some_and(|a| a.iter().any(|e| e["level"] == "SEVERE")),
        "the browser log reports console errors: {control}"
    );
    let _ = writeln!(
        std::io::stderr(),
        "note: browser test screenshots in {}",
        out_dir.display()
    );
}
