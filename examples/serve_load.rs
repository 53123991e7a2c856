//! A bounded load test of `partner-roles serve` (loopback only, a fixed number of requests, it
//! stops by itself): starts the server on a free port, sends CHECKS check requests from eight
//! client threads, then UPLOADS concurrent uploads of ROSTER to /api/classify, and prints the
//! throughput, the median and 99th-percentile latency of each, whether every upload came back
//! whole (one JSON line a row), and the server's peak memory (VmHWM). Not a test: nothing here
//! asserts a time. Run through `bash bench/serve-load.sh`, which builds it and the roster.
//!
//!     serve_load BINARY ROSTER ROWS [CHECKS] [UPLOADS]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at.min(sorted.len() - 1)]
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(600)))
        .build()
        .into()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(binary), Some(roster)) = (args.next(), args.next()) else {
        eprintln!("usage: serve_load BINARY ROSTER ROWS [CHECKS] [UPLOADS]");
        std::process::exit(2);
    };
    let roster = std::fs::read(&roster).expect("the roster");
    // Records, not lines (notes hold line breaks inside quotes): as many as the generator
    // wrote.
    let rows: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);

    let checks: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2000);
    let uploads: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20);
    let mut child = Command::new(&binary)
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--max-upload",
            "268435456",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("its address");
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("an address")
        .trim_end_matches('/')
        .to_string();
    let pid = child.id();

    // Checks: a rotation of questions, eight clients at once.
    let questions = [
        r#"{"facts": {"transacts": "partner", "sells_to": "end_customers", "earns": "margin"}, "declared": "Reseller"}"#,
        r#"{"facts": {"transacts": "partner", "sells_to": "end_customers", "earns": "margin", "delivers": ["implementation", "training"]}, "declared": "VAR"}"#,
        r#"{"facts": {"transacts": "vendor", "delivers": ["provisioning"], "earns": "service_fees"}, "declared": "Fulfillment Partner"}"#,
        r#"{"facts": {"transacts": "none", "activities": ["leads"], "earns": "commission"}}"#,
        r#"{"facts": {"earns": "recurring_fees", "delivers": ["operations", "support"]}, "declared": "MSP"}"#,
    ];
    let clients = 8;
    let started = Instant::now();
    let mut latencies: Vec<Duration> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..clients)
            .map(|c| {
                let url = url.clone();
                scope.spawn(move || {
                    let agent = agent();
                    let mut mine = Vec::new();
                    for i in (c..checks).step_by(clients) {
                        let t = Instant::now();
                        let mut response = agent
                            .post(format!("{url}/api/check"))
                            .header("Content-Type", "application/json")
                            .send(questions[i % questions.len()])
                            .expect("a check answer");
                        assert_eq!(response.status().as_u16(), 200);
                        let _ = response.body_mut().read_to_string();
                        mine.push(t.elapsed());
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("client"))
            .collect()
    });
    let check_wall = started.elapsed();
    latencies.sort();
    println!(
        "checks: {checks} from {clients} clients in {:.2} s: {:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms",
        check_wall.as_secs_f64(),
        checks as f64 / check_wall.as_secs_f64(),
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3
    );

    // Uploads: all at once.
    let started = Instant::now();
    let results: Vec<(Duration, usize)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..uploads)
            .map(|_| {
                let (url, roster) = (url.clone(), &roster);
                scope.spawn(move || {
                    let t = Instant::now();
                    let mut response = agent()
                        .post(format!("{url}/api/classify"))
                        .header("Content-Type", "text/csv")
                        .send(&roster[..])
                        .unwrap_or_else(|e| panic!("an upload after {:?}: {e}", t.elapsed()));
                    assert_eq!(response.status().as_u16(), 200);
                    let body = response
                        .body_mut()
                        .with_config()
                        .limit(u64::MAX)
                        .read_to_vec()
                        .expect("the JSON Lines");
                    let lines = body.iter().filter(|&&b| b == b'\n').count();
                    (t.elapsed(), lines)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("upload"))
            .collect()
    });
    let upload_wall = started.elapsed();
    let whole = results.iter().filter(|(_, n)| *n == rows).count();
    let mut times: Vec<Duration> = results.iter().map(|(t, _)| *t).collect();
    times.sort();
    println!(
        "uploads: {uploads} concurrent of {rows} rows ({:.1} MB) in {:.2} s: {:.0} rows/s in all, p50 {:.2} s, p99 {:.2} s; {whole} of {uploads} came back with one record a row",
        roster.len() as f64 / 1e6,
        upload_wall.as_secs_f64(),
        (uploads * rows) as f64 / upload_wall.as_secs_f64(),
        percentile(&times, 0.5).as_secs_f64(),
        percentile(&times, 0.99).as_secs_f64()
    );
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let peak = status
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .unwrap_or("VmHWM: unknown");
    println!(
        "server peak memory (VmHWM): {}",
        peak.trim_start_matches("VmHWM:").trim()
    );
    let _ = child.kill();
    let _ = child.wait();
}
