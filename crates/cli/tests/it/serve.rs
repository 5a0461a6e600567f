//! `bluebutton serve`: answers `/health`, logs JSON with request ids, stops cleanly on SIGTERM.

use crate::support::*;
use std::io::{Read, Write};
use std::process::Stdio;
use std::time::{Duration, Instant};

pub fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, response))
}

#[test]
fn serves_health_then_stops_on_sigterm() {
    let dir = tempdir();
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let mut child = command(dir.path(), &["serve", "--bind", &bind])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut answer = None;
    while Instant::now() < deadline {
        if let Some(reply) = get(port, "/health") {
            answer = Some(reply);
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let (status, body) = answer.unwrap_or_else(|| panic!("no answer on {bind}"));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("all's well"), "{body}");
    assert!(body.to_ascii_lowercase().contains("x-request-id"), "{body}");
    assert_eq!(get(port, "/health/db").map(|r| r.0), Some(200));

    let pid = child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap_or_else(|e| panic!("{e}")) {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "server did not stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "exit status {status:?}");

    let mut logs = String::new();
    if let Some(mut err) = child.stderr.take() {
        let _ = err.read_to_string(&mut logs);
    }
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("log line is not JSON ({e}): {l}"))
        })
        .collect();
    let messages: Vec<&str> = lines.iter().filter_map(|l| l["message"].as_str()).collect();
    for expected in [
        "listening",
        "e-mail is not delivered: [mail] smtp_host is not set; messages stay in the outbox",
        "request finished",
        "shutting down: finishing requests in flight",
        "stopped",
    ] {
        assert!(
            messages.contains(&expected),
            "missing log '{expected}' in {messages:?}"
        );
    }
    let request = lines
        .iter()
        .find(|l| l["message"] == "request finished")
        .unwrap_or_else(|| panic!("no request log"));
    assert_eq!(request["status"], 200);
    assert_eq!(request["span"]["route"], "/health");
    assert!(
        request["span"]["request_id"]
            .as_str()
            .is_some_and(|id| id.len() == 36),
        "{request}"
    );
    assert!(dir.path().join("bluebutton-data/bluebutton.db").exists());
}

#[tokio::test]
async fn second_start_reuses_the_store_in_wal_mode() {
    let dir = tempdir();
    let first = run(dir.path(), &["migrate"], "");
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let second = run(dir.path(), &["migrate"], "");
    let report: serde_json::Value =
        serde_json::from_str(stdout(&second).trim()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report["applied_now"], serde_json::json!([]));
    let pool = open_sqlite(dir.path()).await;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&pool)
        .await
        .unwrap_or_default();
    assert_eq!(mode, "wal", "the store file must be in WAL mode");
}
