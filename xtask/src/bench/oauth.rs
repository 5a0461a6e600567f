//! The authorization server's benchmarks (issue 5's targets); figures and how to read them
//! in `docs/benchmarks.md`.
//!
//! - `cargo xtask bench token [--seconds S] [--connections C] [--codes N]`: authorization
//!   code exchanges (`POST /v2/o/token/`, PKCE S256 verifier and client secret in the
//!   urlencoded body) per second against the release server, driven by `wrk` with
//!   `xtask/bench/token.lua`. Codes are written straight into the bench store (N per
//!   scenario, each sent once; every wrk thread has its own share); two scenarios: FHIR
//!   scopes only, and the same with `openid` (an RS256 ID token signed per exchange).
//!   Any non-200 answer, or running out of codes, fails the run.
//! - `cargo xtask bench token --in-process [--codes N]`: the same exchange through
//!   `Services::oauth.token` without HTTP, one call at a time, then each of its store steps
//!   timed alone, and one RS256 signature.
//! - `cargo xtask bench bearer [--tokens N] [--calls N]`: in process, what the bearer check
//!   of a FHIR call costs: `Services::oauth.bearer` (SHA-256 plus one indexed read joined
//!   with the app's `active` flag) over a SQLite file store holding N live access tokens,
//!   called one at a time (mean, p50, p99), the store read alone, the same checks from 16
//!   concurrent tasks (checks per second), and the raw SHA-256.
//!
//! The in-process benches time a release build: run from a debug `cargo xtask`, they re-run
//! themselves with `cargo run --release`.

use super::{health_ok, release_binary, run_ok, run_wrk};
use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bb_domain::clock::{OsEntropy, SystemClock, random_alphanumeric};
use bb_store::{AccessTokenRow, AuthCodeRow, DatabaseUrl, GrantRow, Store, StoreOptions};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The PKCE verifier of every bench code (43–128 characters).
const VERIFIER: &str = "bench-verifier-0123456789-abcdefghijklmnopqrstuvwxyz";
const REDIRECT_URI: &str = "https://bench.example.org/callback";
const FHIR_SCOPES: &str = "patient/ExplanationOfBenefit.rs patient/Coverage.rs";
const TARGET_PER_SEC: u32 = 5_000;

/// Milliseconds since 1970 (xtask is tooling: it may read the wall clock).
fn now_ms() -> i64 {
    std::time::SystemTime::UNIX_EPOCH
        .elapsed()
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn sha256(text: &str) -> Vec<u8> {
    Sha256::digest(text.as_bytes()).to_vec()
}

/// `application/x-www-form-urlencoded` value: unreserved characters kept, the rest `%XX`.
fn form_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

async fn open_store(db: &Path) -> anyhow::Result<Store> {
    open_store_at(&DatabaseUrl::SqliteFile(db.to_owned())).await
}

async fn open_store_at(url: &DatabaseUrl) -> anyhow::Result<Store> {
    let store = Store::connect(url, &StoreOptions::default()).await?;
    store.migrate().await?;
    Ok(store)
}

/// One code-exchange scenario.
struct Scenario {
    name: &'static str,
    scopes: String,
    nonce: Option<String>,
    dir: PathBuf,
    /// A code kept out of the wrk files, exchanged once first to check the set-up.
    probe: String,
}

/// Writes `count` fresh codes of `scenario` for the enrollees `benes` (round robin) into
/// the store, plus one probe code; splits the codes into one file per wrk thread.
async fn load_codes(
    store: &Store,
    application_id: &str,
    benes: &[i64],
    scenario: &Scenario,
    count: usize,
    threads: usize,
) -> anyhow::Result<()> {
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()));
    let expires_at = now_ms() + 3 * 3_600_000;
    let mut files: Vec<String> = vec![String::with_capacity(count / threads * 41); threads];
    let mut rows = Vec::with_capacity(10_000);
    for i in 0..=count {
        let code = if i == count {
            scenario.probe.clone()
        } else {
            random_alphanumeric(&OsEntropy, 40)
        };
        rows.push(AuthCodeRow {
            code_sha256: sha256(&code),
            application_id: application_id.to_owned(),
            bene_id: benes[i % benes.len()],
            redirect_uri: REDIRECT_URI.into(),
            scopes: scenario.scopes.clone(),
            code_challenge: challenge.clone(),
            nonce: scenario.nonce.clone(),
            expires_at,
            used_at: None,
        });
        if i < count
            && let Some(file) = files.get_mut(i % threads)
        {
            file.push_str(&code);
            file.push('\n');
        }
        if rows.len() == 10_000 || i == count {
            store.insert_auth_codes(&rows).await?;
            rows.clear();
        }
    }
    std::fs::create_dir_all(&scenario.dir)?;
    for (n, text) in files.iter().enumerate() {
        std::fs::write(scenario.dir.join(format!("codes-{n}.txt")), text)?;
    }
    Ok(())
}

/// One raw HTTP/1.1 POST (connection closed after); returns the status and the body.
fn post_form(port: u16, path: &str, body: &str) -> anyhow::Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

/// `bench token`.
pub fn token(root: &Path, args: &[&str]) -> anyhow::Result<()> {
    const USAGE: &str =
        "usage: cargo xtask bench token [--seconds S] [--connections C] [--codes N] [--in-process]";
    let (mut seconds, mut connections, mut codes) = (10u32, 32u32, None::<usize>);
    let mut in_process = false;
    let mut rest = args;
    loop {
        match rest {
            [] => break,
            ["--in-process", tail @ ..] => {
                in_process = true;
                rest = tail;
            }
            [flag, value, tail @ ..] => {
                match *flag {
                    "--seconds" => seconds = value.parse().context("--seconds takes a number")?,
                    "--connections" => {
                        connections = value.parse().context("--connections takes a number")?;
                    }
                    "--codes" => codes = Some(value.parse().context("--codes takes a number")?),
                    _ => bail!(USAGE),
                }
                rest = tail;
            }
            _ => bail!(USAGE),
        }
    }
    if seconds == 0 || connections == 0 {
        bail!(USAGE);
    }
    if in_process {
        if rerun_in_release(root, &[&["bench", "token"], args].concat())? {
            return Ok(());
        }
        return token_in_process(codes.unwrap_or(20_000));
    }
    // Room for one and a half times the target rate; a faster server runs out of codes
    // and the run fails with a message to raise --codes.
    let codes = codes.unwrap_or(TARGET_PER_SEC as usize * seconds as usize * 3 / 2);
    let threads = connections.min(2) as usize;
    let binary = release_binary(root)?;
    let work = std::env::temp_dir().join(format!("bb-bench-token-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let result = token_in(&binary, &work, None, seconds, connections, codes, threads);
    let _ = std::fs::remove_dir_all(&work);
    for f in result? {
        println!(
            "{{\"bench\":\"{}\",\"scopes\":\"{}\",\"connections\":{connections},\"threads\":{threads},\"seconds\":{seconds},\"requests\":{},\"requests_per_sec\":{:.0},\"p50_ms\":{:.2},\"p90_ms\":{:.2},\"p99_ms\":{:.2},\"target_per_sec\":{TARGET_PER_SEC}}}",
            f.name, f.scopes, f.requests, f.rps, f.p50_ms, f.p90_ms, f.p99_ms
        );
    }
    Ok(())
}

/// One scenario's figures.
pub(super) struct TokenFigures {
    pub name: &'static str,
    pub scopes: String,
    pub requests: u64,
    pub rps: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
}

/// The code-exchange bench in `work` on a fresh store: the SQLite file under `work`, or
/// the (empty) database at `database_url`.
pub(super) fn token_in(
    binary: &Path,
    work: &Path,
    database_url: Option<&str>,
    seconds: u32,
    connections: u32,
    codes: usize,
    threads: usize,
) -> anyhow::Result<Vec<TokenFigures>> {
    const ENROLLEES: &str = "50";
    let started = Instant::now();
    let command = || {
        let mut c = Command::new(binary);
        c.current_dir(work);
        if let Some(url) = database_url {
            c.env("BLUEBUTTON_DATABASE_URL", url);
        }
        c
    };
    run_ok(command().args(["generate", "--enrollees", ENROLLEES]))?;
    // Must not contain the e-mail's local part ("bench"): the password rules refuse that.
    let password = "Exchange-rate-measure-Pw-2026";
    let mut developer = command()
        .args([
            "admin",
            "create-developer",
            "--email",
            "bench@example.org",
            "--organization",
            "Bench",
            "--password-stdin",
        ])
        .env("BLUEBUTTON__LOG__FORMAT", "json")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    if let Some(mut stdin) = developer.stdin.take() {
        writeln!(stdin, "{password}")?;
    }
    let out = developer.wait_with_output()?;
    if !out.status.success() {
        bail!(
            "admin create-developer failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let credentials = run_ok(command().args([
        "admin",
        "create-app",
        "--owner",
        "bench@example.org",
        "--name",
        "Token bench",
        "--redirect-uri",
        REDIRECT_URI,
    ]))?;
    let credentials: serde_json::Value =
        serde_json::from_str(&credentials).context("create-app prints JSON")?;
    let client_id = credentials["client_id"]
        .as_str()
        .context("create-app: no client_id")?
        .to_owned();
    let client_secret = credentials["client_secret"]
        .as_str()
        .context("create-app: no client_secret")?
        .to_owned();

    let scenarios = [
        Scenario {
            name: "token_exchange",
            scopes: FHIR_SCOPES.into(),
            nonce: None,
            dir: work.join("fhir-scopes"),
            probe: random_alphanumeric(&OsEntropy, 40),
        },
        Scenario {
            name: "token_exchange_openid",
            scopes: format!("{FHIR_SCOPES} openid"),
            nonce: Some("bench-nonce-0123456789".into()),
            dir: work.join("openid"),
            probe: random_alphanumeric(&OsEntropy, 40),
        },
    ];
    let db = match database_url {
        Some(url) => DatabaseUrl::parse(url).context("database url")?,
        None => DatabaseUrl::SqliteFile(work.join("bluebutton-data/bluebutton.db")),
    };
    runtime()?.block_on(async {
        let store = open_store_at(&db).await?;
        let app = store
            .application_by_client_id(&client_id)
            .await?
            .context("the bench app is missing")?;
        let mut benes: Vec<i64> = store
            .claim_counts_by_beneficiary()
            .await?
            .into_iter()
            .map(|(bene, _, _)| bene)
            .collect();
        benes.dedup();
        if benes.is_empty() {
            bail!("the generated sandbox has no enrollees with claims");
        }
        let now = now_ms();
        for &bene_id in &benes {
            store
                .upsert_grant(&GrantRow {
                    application_id: app.id.clone(),
                    bene_id,
                    scopes: format!("{FHIR_SCOPES} openid"),
                    demographics: false,
                    created_at: now,
                    // THIRTEEN_MONTH: about 13 months from now.
                    expires_at: Some(now + 395 * 86_400_000),
                })
                .await?;
        }
        for scenario in &scenarios {
            load_codes(&store, &app.id, &benes, scenario, codes, threads).await?;
        }
        store.close().await;
        anyhow::Ok(())
    })?;
    let tail = format!(
        "&redirect_uri={}&code_verifier={}&client_id={}&client_secret={}",
        form_encode(REDIRECT_URI),
        form_encode(VERIFIER),
        form_encode(&client_id),
        form_encode(&client_secret)
    );
    let script = work.join("token.lua");
    std::fs::write(&script, include_str!("../../bench/token.lua"))?;
    for scenario in &scenarios {
        std::fs::write(scenario.dir.join("body.txt"), format!("{tail}\n"))?;
    }
    eprintln!(
        "bench token: set-up ({} codes per scenario) took {:.1} s",
        codes,
        started.elapsed().as_secs_f64()
    );

    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut server = super::unthrottled(&mut command())
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--sandbox-enrollees",
            ENROLLEES,
        ])
        .env("BLUEBUTTON__LOG__FILTER", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let result = (|| -> anyhow::Result<Vec<TokenFigures>> {
        let mut figures = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while !health_ok(port) {
            if Instant::now() > deadline {
                bail!("server did not start");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        for scenario in &scenarios {
            // One exchange by hand first: the set-up must give a 200 with tokens.
            let (status, body) = post_form(
                port,
                "/v2/o/token/",
                &format!(
                    "grant_type=authorization_code&code={}{tail}",
                    scenario.probe
                ),
            )?;
            let openid = scenario.nonce.is_some();
            if status != 200
                || !body.contains("\"access_token\"")
                || body.contains("\"id_token\"") != openid
            {
                bail!(
                    "probe exchange of {} answered {status}: {body}",
                    scenario.name
                );
            }
            let url = format!("http://127.0.0.1:{port}/v2/o/token/");
            let dir = scenario.dir.display().to_string();
            let script = script.display().to_string();
            let (r, text) = run_wrk(&[
                &format!("-t{threads}"),
                &format!("-c{connections}"),
                &format!("-d{seconds}s"),
                "--latency",
                "-s",
                &script,
                &url,
                "--",
                &dir,
            ])?;
            let count = |key: &str| -> u64 {
                text.lines()
                    .find_map(|l| l.strip_prefix(key))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(u64::MAX)
            };
            let (non200, exhausted) = (count("bench-non200"), count("bench-exhausted"));
            if exhausted != 0 {
                bail!(
                    "{}: the {codes} codes ran out ({exhausted} requests without one): raise --codes\n{text}",
                    scenario.name
                );
            }
            if non200 != 0 || text.contains("Socket errors") {
                bail!("{}: {non200} answers were not 200:\n{text}", scenario.name);
            }
            figures.push(TokenFigures {
                name: scenario.name,
                scopes: scenario.scopes.clone(),
                requests: r.requests,
                rps: r.rps,
                p50_ms: r.p50,
                p90_ms: r.p90,
                p99_ms: r.p99,
            });
        }
        Ok(figures)
    })();
    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let _ = server.wait();
    result
}

/// Percentile of sorted samples.
fn pick(sorted: &[f64], q: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted.get(index).copied().unwrap_or(f64::NAN)
}

/// `bench bearer`.
pub fn bearer(root: &Path, args: &[&str]) -> anyhow::Result<()> {
    const USAGE: &str = "usage: cargo xtask bench bearer [--tokens N] [--calls N]";
    let (mut tokens, mut calls) = (100_000usize, 200_000usize);
    let mut rest = args;
    while let [flag, value, tail @ ..] = rest {
        match *flag {
            "--tokens" => tokens = value.parse().context("--tokens takes a number")?,
            "--calls" => calls = value.parse().context("--calls takes a number")?,
            _ => bail!(USAGE),
        }
        rest = tail;
    }
    if !rest.is_empty() || tokens == 0 || calls == 0 {
        bail!(USAGE);
    }
    // Timing an unoptimised build says nothing: run this very command in release.
    if rerun_in_release(root, &[&["bench", "bearer"], args].concat())? {
        return Ok(());
    }
    let work = std::env::temp_dir().join(format!("bb-bench-bearer-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let result = bearer_in(&work.join("bluebutton.db"), tokens, calls);
    let _ = std::fs::remove_dir_all(&work);
    result
}

/// Latency samples (µs) summarised as one JSON line.
fn latency_line(name: &str, extra: &str, mut samples: Vec<f64>) {
    let mean = samples.iter().sum::<f64>() / samples.len().max(1) as f64;
    samples.sort_by(f64::total_cmp);
    println!(
        "{{\"bench\":\"{name}\",{extra}\"calls\":{},\"mean_us\":{mean:.1},\"p50_us\":{:.1},\"p99_us\":{:.1},\"max_us\":{:.0}}}",
        samples.len(),
        pick(&samples, 0.5),
        pick(&samples, 0.99),
        pick(&samples, 1.0)
    );
}

fn bearer_in(db: &Path, tokens: usize, calls: usize) -> anyhow::Result<()> {
    // The server's runtime on this machine: one worker per core.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let (services, store, list) = runtime.block_on(async {
        let store = open_store(db).await?;
        let services = bb_domain::Services::new(bb_domain::Deps {
            store: store.clone(),
            clock: std::sync::Arc::new(SystemClock),
            entropy: std::sync::Arc::new(OsEntropy),
        });
        let (app, _) = bench_app(&services, &store).await?;
        let now = now_ms();
        let mut list = Vec::with_capacity(tokens);
        for i in 0..tokens {
            let token = random_alphanumeric(&OsEntropy, 40);
            store
                .insert_access_token(&AccessTokenRow {
                    token_sha256: sha256(&token),
                    application_id: Some(app.id.clone()),
                    bene_id: -10_000_000 - i64::try_from(i % 40_000).unwrap_or(0),
                    scopes:
                        "patient/Patient.rs patient/Coverage.rs patient/ExplanationOfBenefit.rs"
                            .into(),
                    expires_at: now + 3_600_000,
                    revoked_at: None,
                    created_at: now,
                })
                .await?;
            list.push(token);
        }
        anyhow::Ok((services, store, list))
    })?;
    let list = std::sync::Arc::new(list);
    // Calls visit the tokens in a scattered order (a stride coprime with the count).
    let stride = (0..)
        .map(|k| 7_919 + k)
        .find(|s| gcd(*s, list.len()) == 1)
        .unwrap_or(1);
    let token_at = move |list: &[String], i: usize| list[(i * stride) % list.len()].clone();
    let warm = calls.min(10_000);
    let (check, read) = runtime.block_on(async {
        for i in 0..warm {
            services
                .oauth
                .bearer(&token_at(&list, i))
                .await
                .map_err(|e| anyhow::anyhow!("bearer check failed: {e:?}"))?;
        }
        let mut check = Vec::with_capacity(calls);
        for i in 0..calls {
            let token = token_at(&list, i + warm);
            let t = Instant::now();
            let bearer = services.oauth.bearer(&token).await;
            check.push(t.elapsed().as_secs_f64() * 1e6);
            if bearer.is_err() {
                bail!("bearer check failed: {bearer:?}");
            }
        }
        // The store's read alone (the hash computed outside the timing).
        let mut read = Vec::with_capacity(calls);
        for i in 0..calls {
            let hash = sha256(&token_at(&list, i + warm));
            let t = Instant::now();
            let row = store.bearer(&hash).await?;
            read.push(t.elapsed().as_secs_f64() * 1e6);
            if row.is_none() {
                bail!("token row missing");
            }
        }
        anyhow::Ok((check, read))
    })?;
    // Under load: 16 tasks checking at once on the two workers, as FHIR requests do.
    const TASKS: usize = 16;
    let (loaded, wall) = runtime.block_on(async {
        let started = Instant::now();
        let mut handles = Vec::with_capacity(TASKS);
        for task in 0..TASKS {
            let (services, list) = (services.clone(), list.clone());
            handles.push(tokio::spawn(async move {
                let mut samples = Vec::with_capacity(calls / TASKS);
                for i in 0..calls / TASKS {
                    let token = token_at(&list, task * (calls / TASKS) + i);
                    let t = Instant::now();
                    let bearer = services.oauth.bearer(&token).await;
                    samples.push(t.elapsed().as_secs_f64() * 1e6);
                    if bearer.is_err() {
                        bail!("bearer check failed: {bearer:?}");
                    }
                }
                anyhow::Ok(samples)
            }));
        }
        let mut all = Vec::with_capacity(calls);
        for handle in handles {
            all.extend(handle.await??);
        }
        anyhow::Ok((all, started.elapsed().as_secs_f64()))
    })?;
    // Raw SHA-256 of a 40-character token.
    let rounds = 1_000_000u32;
    let tokens_for_hash: Vec<String> = (0..1000).map(|i| token_at(&list, i)).collect();
    let t = Instant::now();
    for i in 0..rounds {
        let token = &tokens_for_hash[i as usize % tokens_for_hash.len()];
        std::hint::black_box(Sha256::digest(std::hint::black_box(token).as_bytes()));
    }
    let sha_ns = t.elapsed().as_secs_f64() * 1e9 / f64::from(rounds);
    runtime.block_on(store.close());

    let setup = format!("\"tokens\":{tokens},");
    latency_line("bearer_check", &setup, check);
    latency_line("bearer_store_read", &setup, read);
    let per_sec = loaded.len() as f64 / wall;
    latency_line(
        "bearer_check_16_concurrent",
        &format!(
            "{setup}\"checks_per_sec\":{per_sec:.0},\"us_per_check_amortized\":{:.1},",
            1e6 / per_sec
        ),
        loaded,
    );
    println!("{{\"bench\":\"sha256_40_chars\",\"rounds\":{rounds},\"ns_per_hash\":{sha_ns:.0}}}");
    Ok(())
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Re-runs this xtask command as a release build when this one is a debug build; `true`
/// when it did (the caller stops there).
fn rerun_in_release(root: &Path, args: &[&str]) -> anyhow::Result<bool> {
    if !cfg!(debug_assertions) {
        return Ok(false);
    }
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(root)
        .args(["run", "--release", "--quiet", "-p", "xtask", "--"])
        .args(args)
        .status()
        .context("cargo run --release -p xtask")?;
    if !status.success() {
        bail!("the release run of {} failed", args.join(" "));
    }
    Ok(true)
}

/// A developer, an app and its row in a fresh store, through the domain services.
async fn bench_app(
    services: &bb_domain::Services,
    store: &Store,
) -> anyhow::Result<(bb_store::ApplicationRow, String)> {
    services
        .accounts
        .create_verified_developer("bench@example.org", "Bench", "Bench-password-for-oauth-1")
        .await?;
    let created = services
        .apps
        .create(&bb_domain::apps::AppRegistration {
            owner_email: "bench@example.org".into(),
            name: "OAuth bench".into(),
            redirect_uris: vec![REDIRECT_URI.into()],
            data_access_type: bb_domain::apps::DataAccessType::ThirteenMonth,
            require_demographics: true,
            environment: bb_domain::apps::Environment::Sandbox,
            links: bb_domain::apps::ConsentLinks::default(),
        })
        .await?;
    let app = store
        .application_by_client_id(created.client_id.as_str())
        .await?
        .context("the bench app is missing")?;
    Ok((app, created.client_secret.reveal().to_owned()))
}

/// `bench token --in-process`: the code exchange without HTTP, one call at a time, and
/// its store steps timed one by one.
fn token_in_process(calls: usize) -> anyhow::Result<()> {
    let work = std::env::temp_dir().join(format!("bb-bench-exchange-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let result = runtime()?.block_on(async {
        let store = open_store(&work.join("bluebutton.db")).await?;
        let services = bb_domain::Services::new(bb_domain::Deps {
            store: store.clone(),
            clock: std::sync::Arc::new(SystemClock),
            entropy: std::sync::Arc::new(OsEntropy),
        });
        let (app, secret) = bench_app(&services, &store).await?;
        let benes: Vec<i64> = (1..=50).map(|b| -1000 - b).collect();
        let now = now_ms();
        for &bene_id in &benes {
            store
                .upsert_grant(&GrantRow {
                    application_id: app.id.clone(),
                    bene_id,
                    scopes: format!("{FHIR_SCOPES} openid"),
                    demographics: false,
                    created_at: now,
                    expires_at: Some(now + 395 * 86_400_000),
                })
                .await?;
        }
        let scenario = Scenario {
            name: "in_process",
            scopes: FHIR_SCOPES.into(),
            nonce: None,
            dir: work.join("codes"),
            probe: random_alphanumeric(&OsEntropy, 40),
        };
        // Two codes per call: one for the whole exchange, one for the steps.
        load_codes(&store, &app.id, &benes, &scenario, 2 * calls, 1).await?;
        let codes: Vec<String> = std::fs::read_to_string(scenario.dir.join("codes-0.txt"))?
            .lines()
            .map(str::to_owned)
            .collect();
        let (whole_codes, step_codes) = codes.split_at(calls);
        use bb_domain::oauth::service::{ClientCredentials, ClientSecretText, TokenParams};
        let mut whole = Vec::with_capacity(calls);
        for code in whole_codes {
            let params = TokenParams {
                grant_type: Some("authorization_code".into()),
                code: Some(code.clone()),
                redirect_uri: Some(REDIRECT_URI.into()),
                code_verifier: Some(VERIFIER.into()),
                client: ClientCredentials {
                    client_id: Some(app.client_id.clone()),
                    client_secret: Some(ClientSecretText(secret.clone())),
                },
                issuer: "http://127.0.0.1".into(),
                ..TokenParams::default()
            };
            let t = Instant::now();
            let answer = services.oauth.token(params).await;
            whole.push(t.elapsed().as_secs_f64() * 1e6);
            if let Err(e) = answer {
                bail!("exchange failed: {e:?}");
            }
        }
        let mut steps: [Vec<f64>; 4] = Default::default();
        for code in step_codes {
            let mut lap = Instant::now();
            let mut mark = |i: usize| {
                steps[i].push(lap.elapsed().as_secs_f64() * 1e6);
                lap = Instant::now();
            };
            let found = store.application_by_client_id(&app.client_id).await?;
            mark(0);
            let redeemed = store.redeem_code(&sha256(code), now_ms()).await?;
            mark(1);
            let bb_store::CodeRedemption::Fresh(row) = redeemed else {
                bail!("code not fresh");
            };
            let grant = store.grant(&app.id, row.bene_id).await?;
            mark(2);
            let created = now_ms();
            let access = AccessTokenRow {
                token_sha256: sha256(&random_alphanumeric(&OsEntropy, 40)),
                application_id: Some(app.id.clone()),
                bene_id: row.bene_id,
                scopes: row.scopes.clone(),
                expires_at: created + 3_600_000,
                revoked_at: None,
                created_at: created,
            };
            let refresh = bb_store::RefreshTokenRow {
                token_sha256: sha256(&random_alphanumeric(&OsEntropy, 40)),
                application_id: app.id.clone(),
                bene_id: row.bene_id,
                scopes: row.scopes.clone(),
                access_sha256: access.token_sha256.clone(),
                created_at: created,
                used_at: None,
                revoked_at: None,
            };
            let t = Instant::now();
            store.insert_token_pair(&access, &refresh).await?;
            steps[3].push(t.elapsed().as_secs_f64() * 1e6);
            if found.is_none() || grant.is_none() {
                bail!("app or grant missing");
            }
        }
        // The ID token of an `openid` exchange: one RS256 signature.
        let keys = services.oauth.signing_keys()?;
        let mut sign = Vec::with_capacity(200);
        for i in 0..200i64 {
            let claims = bb_domain::oauth::IdTokenClaims {
                iss: "http://127.0.0.1".into(),
                sub: format!("-{i}"),
                aud: app.client_id.clone(),
                exp: now / 1000 + 3600,
                iat: now / 1000,
                auth_time: now / 1000,
                nonce: Some("bench-nonce-0123456789".into()),
                patient: format!("-{i}"),
            };
            let t = Instant::now();
            std::hint::black_box(keys.sign_id_token(&claims)?);
            sign.push(t.elapsed().as_secs_f64() * 1e6);
        }
        services.audit.flush().await;
        store.close().await;
        let line = |name: &str, samples: Vec<f64>| latency_line(name, "", samples);
        line("exchange_in_process", whole);
        let [app_read, redeem, grant_read, insert_pair] = steps;
        line("step_application_by_client_id", app_read);
        line("step_redeem_code", redeem);
        line("step_grant", grant_read);
        line("step_insert_token_pair", insert_pair);
        line("id_token_rs256_sign", sign);
        anyhow::Ok(())
    });
    let _ = std::fs::remove_dir_all(&work);
    result
}
