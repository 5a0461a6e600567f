//! Benchmarks that need the release binary; each prints one JSON line.
//!
//! - `cargo xtask bench [--backend sqlite|postgres|both] …`: all of product.md §5 in one run
//!   on both backends, as one table; see [`suite`].
//! - `cargo xtask bench startup [--runs N]`: time from spawning `bluebutton serve` on an
//!   existing store (with a small generated sandbox) to the first `200` from `/health`,
//!   over N runs (default 20): min, median, p90 and max in milliseconds.
//! - `cargo xtask bench generate [--enrollees N]`: `bluebutton generate` into a fresh
//!   SQLite store (default 40,000 enrollees): wall time, claims/s, store bytes per claim,
//!   peak resident memory.
//! - `cargo xtask bench import [--enrollees N]`: RIF files of N generated enrollees (default
//!   4,000) loaded by `bluebutton import rif` into a fresh store: claim lines per second.
//! - `cargo xtask bench fhir [--enrollees N] [--seconds S]`: the FHIR API under `wrk` (Debian
//!   package `wrk`) on a generated sandbox (default 40,000 enrollees): EOB search pages of 10,
//!   EOB reads and Coverage searches per second with latency percentiles, and the first
//!   against the last page of the enrollee with the most claims. Tokens are written straight
//!   into the bench store (the authorization server issues them in production).
//!   The servers of `fhir` and `token` run with the rate limits raised out of reach
//!   ([`unthrottled`]), the limiter still counting.
//! - `cargo xtask bench token` and `cargo xtask bench bearer`: the authorization server's
//!   code exchange under `wrk` and the bearer check in process; see [`oauth`].
//! - `cargo xtask bench policy [--runs N] [FILE]`: the policy check (extraction + analysis)
//!   of the committed 20-page policy PDF (or FILE), in process in a release build of
//!   `bb-policy`'s `bench_policy` example: cold run, then min/median/p90/max over N runs
//!   (default 20). Target: ≤ 200 ms for 20 pages.

pub mod load;
mod oauth;
mod suite;

pub use oauth::{bearer, token};
pub use suite::all;

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

/// The rate limits raised out of reach: `wrk` drives thousands of requests a second from
/// one address with one token, which the defaults (`[rate_limit]`) would refuse within a
/// second. The limiter stays on, so its cost (counting in memory, syncing every 250 ms)
/// is part of what is measured.
pub(crate) fn unthrottled(command: &mut Command) -> &mut Command {
    for kind in [
        "TOKEN",
        "APP",
        "IP",
        "OAUTH_IP",
        "OAUTH_CLIENT",
        "PORTAL_IP",
    ] {
        command.env(format!("BLUEBUTTON__RATE_LIMIT__{kind}"), "1000000000");
    }
    command
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

/// One `wrk` run: requests per second and latency percentiles in ms.
struct WrkResult {
    requests: u64,
    rps: f64,
    p50: f64,
    p90: f64,
    p99: f64,
    transfer_mb_s: f64,
}

fn wrk_ms(text: &str) -> f64 {
    let t = text.trim();
    let (num, factor) = if let Some(v) = t.strip_suffix("us") {
        (v, 0.001)
    } else if let Some(v) = t.strip_suffix("ms") {
        (v, 1.0)
    } else if let Some(v) = t.strip_suffix('s') {
        (v, 1000.0)
    } else {
        (t, 1.0)
    };
    num.parse::<f64>().map(|n| n * factor).unwrap_or(f64::NAN)
}

fn wrk(url: &str, token: &str, connections: u32, seconds: u32) -> anyhow::Result<WrkResult> {
    let (result, text) = run_wrk(&[
        &format!("-t{}", connections.min(2)),
        &format!("-c{connections}"),
        &format!("-d{seconds}s"),
        "--latency",
        "-H",
        &format!("Authorization: Bearer {token}"),
        url,
    ])?;
    if text.contains("Non-2xx") {
        bail!("wrk saw errors on {url}:\n{text}");
    }
    Ok(result)
}

/// Runs `wrk` with these arguments; returns its figures and its whole output.
fn run_wrk(args: &[&str]) -> anyhow::Result<(WrkResult, String)> {
    let out = Command::new("wrk")
        .args(args)
        .output()
        .context("wrk not found: apt-get install wrk")?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        bail!(
            "wrk {} failed:\n{text}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let field = |prefix: &str| -> f64 {
        text.lines()
            .find(|l| l.trim_start().starts_with(prefix))
            .and_then(|l| l.split_whitespace().nth(1))
            .map(wrk_ms)
            .unwrap_or(f64::NAN)
    };
    let rps = text
        .lines()
        .find(|l| l.starts_with("Requests/sec:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN);
    // "  123456 requests in 10.00s, 55.55MB read"
    let requests = text
        .lines()
        .find(|l| l.contains(" requests in "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let transfer_mb_s = text
        .lines()
        .find(|l| l.starts_with("Transfer/sec:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .map(|v| {
            let (n, f) = if let Some(n) = v.strip_suffix("GB") {
                (n, 1024.0)
            } else if let Some(n) = v.strip_suffix("MB") {
                (n, 1.0)
            } else if let Some(n) = v.strip_suffix("KB") {
                (n, 1.0 / 1024.0)
            } else {
                (v, 1.0 / 1_048_576.0)
            };
            n.parse::<f64>().map(|x| x * f).unwrap_or(f64::NAN)
        })
        .unwrap_or(f64::NAN);
    let result = WrkResult {
        requests,
        rps,
        p50: field("50%"),
        p90: field("90%"),
        p99: field("99%"),
        transfer_mb_s,
    };
    Ok((result, text))
}

/// Writes a one-hour token for `bene_id` into the SQLite store at `db`; returns it.
fn bench_token(db: &Path, bene_id: i64, n: u32) -> anyhow::Result<String> {
    bench_token_in(
        &bb_store::DatabaseUrl::SqliteFile(db.to_owned()),
        bene_id,
        n,
    )
}

/// Writes a one-hour token for `bene_id` into the store at `url`; returns it.
fn bench_token_in(url: &bb_store::DatabaseUrl, bene_id: i64, n: u32) -> anyhow::Result<String> {
    use sha2::Digest;
    let token = format!("bench-token-{bene_id}-{n}-{}", std::process::id());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let store = bb_store::Store::connect(url, &bb_store::StoreOptions::default()).await?;
        let now = std::time::SystemTime::UNIX_EPOCH
            .elapsed()
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        store
            .insert_access_token(&bb_store::AccessTokenRow {
                token_sha256: sha2::Sha256::digest(token.as_bytes()).to_vec(),
                application_id: None,
                bene_id,
                scopes:
                    "patient/ExplanationOfBenefit.read patient/Coverage.read patient/Patient.read"
                        .into(),
                expires_at: now + 3_600_000,
                revoked_at: None,
                created_at: now,
            })
            .await?;
        let keys = store.claim_keys_of(bene_id).await?;
        store.close().await;
        anyhow::Ok(keys.len())
    })?;
    Ok(token)
}

/// Claim counts of every enrollee of a generated store, via its claims table.
fn claim_counts(db: &Path) -> anyhow::Result<Vec<(i64, i64)>> {
    claim_counts_in(&bb_store::DatabaseUrl::SqliteFile(db.to_owned()))
}

/// Claim counts of every enrollee of the store at `url`.
fn claim_counts_in(url: &bb_store::DatabaseUrl) -> anyhow::Result<Vec<(i64, i64)>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let store = bb_store::Store::connect(url, &bb_store::StoreOptions::default()).await?;
        let rows = store.claim_counts_by_beneficiary().await?;
        store.close().await;
        let mut totals: std::collections::BTreeMap<i64, i64> = std::collections::BTreeMap::new();
        for (bene, _, n) in rows {
            *totals.entry(bene).or_default() += n;
        }
        anyhow::Ok(totals.into_iter().collect())
    })
}

/// The FHIR id (`carrier-123`, …) of the middle claim of `bene_id`.
fn middle_eob_id(url: &bb_store::DatabaseUrl, bene_id: i64) -> anyhow::Result<String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let store = bb_store::Store::connect(url, &bb_store::StoreOptions::default()).await?;
        let keys = store.claim_keys_of(bene_id).await?;
        store.close().await;
        let names = [
            "",
            "carrier",
            "dme",
            "hha",
            "hospice",
            "inpatient",
            "outpatient",
            "pde",
            "snf",
        ];
        let k = keys.get(keys.len() / 2).context("no claims")?;
        anyhow::Ok(format!(
            "{}-{}",
            names
                .get(k.claim_type as usize)
                .copied()
                .unwrap_or("carrier"),
            k.claim_id
        ))
    })
}

/// `bench fhir`.
pub fn fhir(root: &Path, args: &[&str]) -> anyhow::Result<()> {
    let (mut enrollees, mut seconds) = (40_000u32, 10u32);
    let mut rest = args;
    while let [flag, value, tail @ ..] = rest {
        match *flag {
            "--enrollees" => enrollees = value.parse().context("--enrollees takes a number")?,
            "--seconds" => seconds = value.parse().context("--seconds takes a number")?,
            _ => bail!("usage: cargo xtask bench fhir [--enrollees N] [--seconds S]"),
        }
        rest = tail;
    }
    if !rest.is_empty() {
        bail!("usage: cargo xtask bench fhir [--enrollees N] [--seconds S]");
    }
    let binary = release_binary(root)?;
    let work = std::env::temp_dir().join(format!("bb-bench-fhir-{}", std::process::id()));
    std::fs::create_dir_all(&work)?;
    run_ok(Command::new(&binary).current_dir(&work).args([
        "generate",
        "--enrollees",
        &enrollees.to_string(),
    ]))?;
    let db = work.join("bluebutton-data/bluebutton.db");
    let counts = claim_counts(&db)?;
    // A typical enrollee (claims nearest the mean, at least 10) and the biggest one.
    let mean = counts.iter().map(|(_, n)| *n).sum::<i64>() / counts.len().max(1) as i64;
    let typical = counts
        .iter()
        .filter(|(_, n)| *n >= 10)
        .min_by_key(|(_, n)| (n - mean).abs())
        .map(|(b, n)| (*b, *n))
        .context("no enrollee with claims")?;
    let biggest = counts
        .iter()
        .max_by_key(|(_, n)| *n)
        .map(|(b, n)| (*b, *n))
        .context("no claims")?;
    let token = bench_token(&db, typical.0, 1)?;
    let big_token = bench_token(&db, biggest.0, 2)?;

    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut server = unthrottled(&mut Command::new(&binary))
        .current_dir(&work)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("BLUEBUTTON__LOG__FILTER", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while !health_ok(port) {
        if Instant::now() > deadline {
            let _ = server.kill();
            bail!("server did not start");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let base = format!("http://127.0.0.1:{port}/v2/fhir");
    let eob_id = middle_eob_id(&bb_store::DatabaseUrl::SqliteFile(db.clone()), typical.0)?;
    let result = (|| -> anyhow::Result<()> {
        let search = wrk(
            &format!("{base}/ExplanationOfBenefit?_count=10"),
            &token,
            16,
            seconds,
        )?;
        let search_half = wrk(
            &format!("{base}/ExplanationOfBenefit?_count=10"),
            &token,
            2,
            seconds,
        )?;
        let read = wrk(
            &format!("{base}/ExplanationOfBenefit/{eob_id}"),
            &token,
            16,
            seconds,
        )?;
        let coverage = wrk(&format!("{base}/Coverage?_count=10"), &token, 16, seconds)?;
        let last_start = (biggest.1 - 1) / 10 * 10;
        let first = wrk(
            &format!("{base}/ExplanationOfBenefit?_count=10"),
            &big_token,
            1,
            seconds,
        )?;
        let last = wrk(
            &format!("{base}/ExplanationOfBenefit?_count=10&startIndex={last_start}"),
            &big_token,
            1,
            seconds,
        )?;
        let line = |name: &str, r: &WrkResult, c: u32| {
            println!(
                "{{\"bench\":\"{name}\",\"connections\":{c},\"requests_per_sec\":{:.0},\"p50_ms\":{:.2},\"p90_ms\":{:.2},\"p99_ms\":{:.2},\"transfer_mb_s\":{:.0}}}",
                r.rps, r.p50, r.p90, r.p99, r.transfer_mb_s
            );
        };
        println!(
            "{{\"bench\":\"fhir_setup\",\"enrollees\":{enrollees},\"typical_claims\":{},\"biggest_claims\":{}}}",
            typical.1, biggest.1
        );
        line("eob_search_page_of_10", &search, 16);
        line("eob_search_page_of_10_low_load", &search_half, 2);
        line("eob_read", &read, 16);
        line("coverage_search", &coverage, 16);
        line("biggest_enrollee_first_page", &first, 1);
        line("biggest_enrollee_last_page", &last, 1);
        println!(
            "{{\"bench\":\"last_vs_first_page_p50\",\"ratio\":{:.2},\"target_max\":2.0}}",
            last.p50 / first.p50
        );
        Ok(())
    })();
    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&work);
    result
}

/// Runs the policy-check benchmark (release build of the `bench_policy` example only: no
/// need for the whole binary).
pub fn policy(root: &Path, args: &[&str]) -> anyhow::Result<()> {
    let default = root.join("crates/policy/tests/fixtures/policy-20-pages.pdf");
    let (runs, file) = match args {
        [] => ("20".to_owned(), default),
        ["--runs", n] => (n.to_string(), default),
        [file] => ("20".to_owned(), root.join(file)),
        ["--runs", n, file] => (n.to_string(), root.join(file)),
        _ => bail!("usage: cargo xtask bench policy [--runs N] [FILE]"),
    };
    runs.parse::<u32>().context("--runs takes a number")?;
    let out = run_ok(
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .current_dir(root)
            .args([
                "run",
                "--release",
                "--quiet",
                "-p",
                "bb-policy",
                "--example",
                "bench_policy",
                "--",
            ])
            .arg(&file)
            .args(["--runs", &runs]),
    )?;
    print!("{out}");
    Ok(())
}
