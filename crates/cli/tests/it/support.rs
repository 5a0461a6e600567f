//! Running the binary in a temporary folder with a clean environment.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The binary under test.
pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_bluebutton")
}

/// A command in `dir` with every `BLUEBUTTON*` and `RUST_LOG` variable removed, JSON logs,
/// and no generated sandbox on `serve` (tests that want one set
/// `BLUEBUTTON__SANDBOX__ENROLLEES` or pass `--sandbox-enrollees`).
pub fn command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(binary());
    cmd.current_dir(dir).args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("BLUEBUTTON") || key == "RUST_LOG" {
            cmd.env_remove(key);
        }
    }
    cmd.env("BLUEBUTTON__LOG__FORMAT", "json");
    cmd.env("BLUEBUTTON__SANDBOX__ENROLLEES", "0");
    cmd
}

/// Runs to completion, feeding `stdin`.
pub fn run(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = command(dir, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {args:?}: {e}"));
    if let Some(mut input) = child.stdin.take() {
        let _ = input.write_all(stdin.as_bytes());
    }
    child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("wait {args:?}: {e}"))
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The `error: …` lines of stderr (log lines are JSON objects and are skipped).
pub fn error_lines(out: &Output) -> Vec<String> {
    stderr(out)
        .lines()
        .filter(|l| l.starts_with("error:"))
        .map(str::to_owned)
        .collect()
}

/// Asserts a failure with exactly one `error:` line containing every `needle`.
pub fn assert_one_line_failure(out: &Output, code: i32, needles: &[&str]) {
    assert_eq!(out.status.code(), Some(code), "stderr: {}", stderr(out));
    let lines = error_lines(out);
    assert_eq!(
        lines.len(),
        1,
        "expected one error line, got: {}",
        stderr(out)
    );
    for needle in needles {
        assert!(
            lines[0].contains(needle),
            "'{needle}' missing from: {}",
            lines[0]
        );
    }
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"))
}

/// Every file below `dir`, relative.
pub fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path.clone());
            }
            out.push(
                path.strip_prefix(dir)
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
            );
        }
    }
    out.sort();
    out
}

/// Opens the SQLite store a command left in `dir`.
pub async fn open_sqlite(dir: &Path) -> sqlx::SqlitePool {
    let path = dir.join("bluebutton-data/bluebutton.db");
    sqlx::SqlitePool::connect_with(sqlx::sqlite::SqliteConnectOptions::new().filename(&path))
        .await
        .unwrap_or_else(|e| panic!("open {}: {e}", path.display()))
}

/// A free loopback port (bound then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("free port: {e}"))
}
