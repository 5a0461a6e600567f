//! Benchmarks that need the release binary; each prints one JSON line.
//!
//! - `cargo xtask bench startup [--runs N]`: time from spawning `bluebutton serve` on an
//!   existing store (with a small generated sandbox) to the first `200` from `/health`,
//!   over N runs (default 20): min, median, p90 and max in milliseconds.
//! - `cargo xtask bench generate [--enrollees N]`: `bluebutton generate` into a fresh
//!   SQLite store (default 40,000 enrollees): wall time, claims/s, store bytes per claim,
//!   peak resident memory.
//! - `cargo xtask bench import [--enrollees N]`: RIF files of N generated enrollees (default
//!   4,000) loaded by `bluebutton import rif` into a fresh store: claim lines per second.

use anyhow::{Context, bail};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs the start-up benchmark.
pub fn startup(root: &Path, args: &[&str]) -> anyhow::Result<()> {
    let runs = match args {
        [] => 20,
        ["--runs", n] => n.parse().context("--runs takes a number")?,
        _ => bail!("usage: cargo xtask bench startup [--runs N]"),
    };
    let binary = release_binary(root)?;
    let work = std::env::temp_dir().join(format!("bb-bench-startup-{}", std::process::id()));
    std::fs::create_dir_all(&work)?;
    run_ok(
        Command::new(&binary)
            .current_dir(&work)
            .args(["generate", "--enrollees", "100"]),
    )?;
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let started = Instant::now();
        let mut child = Command::new(&binary)
            .current_dir(&work)
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .env("BLUEBUTTON__SANDBOX__ENROLLEES", "100")
            .env("BLUEBUTTON__LOG__FORMAT", "json")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let deadline = started + Duration::from_secs(10);
        let elapsed = loop {
            if health_ok(port) {
                break started.elapsed();
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                bail!("no /health answer within 10 s");
            }
            std::thread::sleep(Duration::from_micros(500));
        };
        samples.push(elapsed.as_secs_f64() * 1000.0);
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()?;
        child.wait()?;
    }
    let _ = std::fs::remove_dir_all(&work);
    samples.sort_by(f64::total_cmp);
    let pick = |q: f64| {
        let index = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples.get(index).copied().unwrap_or(f64::NAN)
    };
    println!(
        "{{\"bench\":\"startup_to_first_health_200\",\"runs\":{runs},\"min_ms\":{:.1},\"median_ms\":{:.1},\"p90_ms\":{:.1},\"max_ms\":{:.1},\"target_ms\":1000}}",
        pick(0.0),
        pick(0.5),
        pick(0.9),
        pick(1.0)
    );
    Ok(())
}

fn health_ok(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 200")
}

/// Builds the release binary and returns its path.
fn release_binary(root: &Path) -> anyhow::Result<std::path::PathBuf> {
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(root)
        .args(["build", "--release", "--quiet", "-p", "bb-cli"])
        .status()
        .context("cargo build --release")?;
    if !status.success() {
        bail!("release build failed");
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| root.join("target").display().to_string());
    Ok(Path::new(&target).join("release/bluebutton"))
}

/// Runs a command to success and returns its stdout.
fn run_ok(command: &mut Command) -> anyhow::Result<String> {
    let out = command.env("BLUEBUTTON__LOG__FORMAT", "json").output()?;
    if !out.status.success() {
        bail!(
            "{:?} failed: {}",
            command,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs a command to success while sampling its peak resident memory (`VmHWM`, kB) from
/// `/proc`; returns stdout, wall seconds and the peak in MiB.
fn run_measured(command: &mut Command) -> anyhow::Result<(String, f64, f64)> {
    let started = Instant::now();
    let mut child = command
        .env("BLUEBUTTON__LOG__FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_kb: u64 = 0;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_path)
            && let Some(line) = text.lines().find(|l| l.starts_with("VmHWM:"))
        {
            let kb = line
                .split_whitespace()
                .nth(1)
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            peak_kb = peak_kb.max(kb);
        }
        if let Some(status) = child.try_wait()? {
            break status;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let wall = started.elapsed().as_secs_f64();
    let mut stdout = String::new();
    let mut stderr = String::new();
    if let Some(mut out) = child.stdout.take() {
        out.read_to_string(&mut stdout)?;
    }
    if let Some(mut err) = child.stderr.take() {
        err.read_to_string(&mut stderr)?;
    }
    if !status.success() {
        bail!("{command:?} failed: {stderr}");
    }
    Ok((stdout, wall, peak_kb as f64 / 1024.0))
}

/// The last `"key":number` of a JSON text (top-level fields follow nested ones in our
/// outputs).
fn number(json: &str, key: &str) -> f64 {
    let needle = format!("\"{key}\":");
    json.rfind(&needle)
        .map(|i| &json[i + needle.len()..])
        .and_then(|rest| {
            let end = rest.find([',', '}']).unwrap_or(rest.len());
            rest[..end].trim().parse().ok()
        })
        .unwrap_or(f64::NAN)
}

fn enrollees_arg(args: &[&str], default: u32, usage: &str) -> anyhow::Result<u32> {
    match args {
        [] => Ok(default),
        ["--enrollees", n] => n.parse().context("--enrollees takes a number"),
        _ => bail!("usage: {usage}"),
    }
}

/// `bench generate`: the sandbox into a fresh SQLite store.
pub fn generate(root: &Path, args: &[&str]) -> anyhow::Result<()> {
    let enrollees = enrollees_arg(args, 40_000, "cargo xtask bench generate [--enrollees N]")?;
    let binary = release_binary(root)?;
    let work = std::env::temp_dir().join(format!("bb-bench-generate-{}", std::process::id()));
    std::fs::create_dir_all(&work)?;
    let (out, wall, peak_mib) = run_measured(Command::new(&binary).current_dir(&work).args([
        "generate",
        "--enrollees",
        &enrollees.to_string(),
    ]))?;
    let _ = std::fs::remove_dir_all(&work);
    let claims = number(&out, "claims");
    let bytes = number(&out, "store_bytes");
    println!(
        "{{\"bench\":\"generate_sqlite\",\"enrollees\":{enrollees},\"claims\":{claims},\"claim_lines\":{},\"wall_secs\":{wall:.1},\"claims_per_sec\":{:.0},\"store_mib\":{:.0},\"store_bytes_per_claim\":{:.0},\"peak_rss_mib\":{peak_mib:.0},\"target_wall_secs\":120,\"target_peak_rss_mib\":1024}}",
        number(&out, "claim_lines"),
        claims / wall,
        bytes / 1_048_576.0,
        bytes / claims,
    );
    Ok(())
}

/// `bench import`: generated RIF files into a fresh SQLite store.
pub fn import(root: &Path, args: &[&str]) -> anyhow::Result<()> {
    let enrollees = enrollees_arg(args, 4_000, "cargo xtask bench import [--enrollees N]")?;
    let binary = release_binary(root)?;
    let work = std::env::temp_dir().join(format!("bb-bench-import-{}", std::process::id()));
    std::fs::create_dir_all(&work)?;
    run_ok(Command::new(&binary).current_dir(&work).args([
        "generate",
        "--enrollees",
        &enrollees.to_string(),
        "--rif-out",
        "rif",
    ]))?;
    let rif_bytes: u64 = std::fs::read_dir(work.join("rif"))?
        .filter_map(Result::ok)
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum();
    let (out, wall, peak_mib) = run_measured(
        Command::new(&binary)
            .current_dir(&work)
            .args(["import", "rif", "rif"]),
    )?;
    let _ = std::fs::remove_dir_all(&work);
    let rows = number(&out, "rows");
    println!(
        "{{\"bench\":\"import_rif_sqlite\",\"enrollees\":{enrollees},\"rif_mib\":{:.0},\"rows\":{rows},\"wall_secs\":{wall:.1},\"rows_per_sec\":{:.0},\"peak_rss_mib\":{peak_mib:.0},\"target_rows_per_sec\":50000}}",
        rif_bytes as f64 / 1_048_576.0,
        rows / wall,
    );
    Ok(())
}
