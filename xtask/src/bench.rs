//! `cargo xtask bench startup [--runs N]`: time from spawning `bluebutton serve` on an
//! existing store to the first `200` from `/health`, over N runs (default 20), with the
//! release binary. Prints min, median, p90 and max in milliseconds as one JSON line.

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
    let binary = Path::new(&target).join("release/bluebutton");
    let work = std::env::temp_dir().join(format!("bb-bench-startup-{}", std::process::id()));
    std::fs::create_dir_all(&work)?;
    let migrate = Command::new(&binary)
        .current_dir(&work)
        .arg("migrate")
        .output()?;
    if !migrate.status.success() {
        bail!(
            "migrate failed: {}",
            String::from_utf8_lossy(&migrate.stderr)
        );
    }
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let started = Instant::now();
        let mut child = Command::new(&binary)
            .current_dir(&work)
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
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
