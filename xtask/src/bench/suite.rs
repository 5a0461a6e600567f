//! `cargo xtask bench` with no sub-command: every target of `product.md` §5 in one run, on
//! SQLite and on PostgreSQL, printed as one table (and JSON lines) with each figure beside
//! its target.
//!
//! Per backend, on a fresh store:
//! 1. generation of the sandbox (default 40,000 enrollees): wall time, the generator's peak
//!    resident memory, the store's size;
//! 2. RIF import: RIF files of 4,000 generated enrollees (written once, shared by the
//!    backends) loaded by `bluebutton import rif` into a second fresh store: claim lines/s;
//! 3. the server on the generated store: start to the first `200` from `/health` (the first
//!    start, then the median of five restarts); `/health` at full speed (`wrk`, 16
//!    connections) as the machine's HTTP limit; then EOB search (page of 10), EOB read,
//!    Patient read and Coverage search, each at full speed (`wrk`) and at half that rate
//!    (the open-loop generator of [`super::load`], latency from the scheduled send), each
//!    rate also as a ratio to `/health`'s; the first against the last page of the enrollee
//!    with the most claims; the server's peak resident memory over all of it;
//! 4. code exchange at the token endpoint (the `bench token` scenario with FHIR scopes, on
//!    its own small store of the same backend).
//!
//! Everything runs on 127.0.0.1, each load for `--seconds` (default 10). PostgreSQL
//! databases are created with unique names through `--postgres` (an admin URL, default
//! `postgres://postgres@127.0.0.1:5432/postgres`) and dropped afterwards. Rate limits are
//! raised out of reach ([`super::unthrottled`]): the load comes from one address with one
//! token; the limiter still counts, so its cost is in the figures.

use super::load::fixed_rate;
use super::oauth::token_in;
use super::{
    bench_token_in, claim_counts_in, health_ok, middle_eob_id, number, release_binary,
    run_measured, run_ok, run_wrk, wrk,
};
use anyhow::{Context, bail};
use bb_store::DatabaseUrl;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const USAGE: &str = "usage: cargo xtask bench [--backend sqlite|postgres|both] [--enrollees N] [--seconds S] [--postgres ADMIN_URL] [--out FILE.md] [--profile DIR]";

/// Which way a target points.
#[derive(Clone, Copy)]
enum Goal {
    AtLeast(f64),
    AtMost(f64),
    None,
}

/// One measured figure.
struct Figure {
    key: &'static str,
    label: &'static str,
    unit: &'static str,
    goal: Goal,
    value: f64,
}

impl Figure {
    fn met(&self) -> Option<bool> {
        match self.goal {
            Goal::AtLeast(t) => Some(self.value >= t),
            Goal::AtMost(t) => Some(self.value <= t),
            Goal::None => None,
        }
    }
}

/// A store to measure on.
enum Backend {
    Sqlite,
    Postgres { admin: String },
}

impl Backend {
    fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres { .. } => "postgres",
        }
    }

    /// A fresh, empty store named `name`: its URL for the binary and for the store API.
    fn fresh(&self, work: &Path, name: &str) -> anyhow::Result<(String, DatabaseUrl)> {
        match self {
            Backend::Sqlite => {
                let dir = work.join(name);
                let _ = std::fs::remove_dir_all(&dir);
                std::fs::create_dir_all(&dir)?;
                let path = dir.join("bluebutton.db");
                Ok((
                    format!("sqlite://{}", path.display()),
                    DatabaseUrl::SqliteFile(path),
                ))
            }
            Backend::Postgres { admin } => {
                let db = format!("bb_bench_{}_{}", name.replace('-', "_"), std::process::id());
                psql(admin, &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))?;
                psql(admin, &format!("CREATE DATABASE {db}"))?;
                let url = replace_database(admin, &db)?;
                let parsed = DatabaseUrl::parse(&url).context("postgres url")?;
                Ok((url, parsed))
            }
        }
    }

    /// Drops what [`Backend::fresh`] made (SQLite files go with the work folder).
    fn drop_store(&self, url: &str) {
        if let Backend::Postgres { admin } = self
            && let Some(db) = url.rsplit('/').next()
        {
            let _ = psql(admin, &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
        }
    }

    /// The store's size in bytes.
    fn store_bytes(&self, url: &str, generate_output: &str) -> f64 {
        match self {
            Backend::Sqlite => number(generate_output, "store_bytes"),
            Backend::Postgres { admin } => url
                .rsplit('/')
                .next()
                .and_then(|db| psql_value(admin, &format!("SELECT pg_database_size('{db}')")).ok())
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(f64::NAN),
        }
    }
}

fn psql(admin: &str, sql: &str) -> anyhow::Result<()> {
    psql_value(admin, sql).map(|_| ())
}

fn psql_value(admin: &str, sql: &str) -> anyhow::Result<String> {
    let out = Command::new("psql")
        .args([admin, "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .context("psql not found (Debian package postgresql-client)")?;
    if !out.status.success() {
        bail!("psql {sql}: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `postgres://u@h:p/admin_db` → the same server's database `db`.
fn replace_database(admin: &str, db: &str) -> anyhow::Result<String> {
    let (base, _) = admin
        .rsplit_once('/')
        .filter(|(base, _)| base.contains("://") && base.len() > "postgres://".len())
        .context("--postgres takes postgres://USER@HOST:PORT/DATABASE")?;
    Ok(format!("{base}/{db}"))
}

/// Samples a process's resident memory (`VmRSS`) every 50 ms; the peak in kB.
struct RssSampler {
    stop: Arc<AtomicBool>,
    peak_kb: Arc<AtomicU64>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RssSampler {
    fn start(pid: u32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let peak_kb = Arc::new(AtomicU64::new(0));
        let (s, p) = (stop.clone(), peak_kb.clone());
        let thread = std::thread::spawn(move || {
            let path = format!("/proc/{pid}/status");
            while !s.load(Ordering::Relaxed) {
                if let Ok(text) = std::fs::read_to_string(&path)
                    && let Some(kb) = text
                        .lines()
                        .find(|l| l.starts_with("VmRSS:"))
                        .and_then(|l| l.split_whitespace().nth(1))
                        .and_then(|v| v.parse::<u64>().ok())
                {
                    p.fetch_max(kb, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        Self {
            stop,
            peak_kb,
            thread: Some(thread),
        }
    }

    fn finish(mut self) -> f64 {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.peak_kb.load(Ordering::Relaxed) as f64 / 1024.0
    }
}

/// Options of one run.
struct Options {
    enrollees: u32,
    seconds: u32,
    import_enrollees: u32,
    /// Where to write `perf` profiles of the server under each full-speed FHIR load.
    profile: Option<PathBuf>,
}

/// `cargo xtask bench`.
pub fn all(root: &Path, args: &[&str]) -> anyhow::Result<()> {
    let mut backends = vec!["sqlite".to_owned(), "postgres".to_owned()];
    let mut admin = "postgres://postgres@127.0.0.1:5432/postgres".to_owned();
    let mut out: Option<PathBuf> = None;
    let mut options = Options {
        enrollees: 40_000,
        seconds: 10,
        import_enrollees: 4_000,
        profile: None,
    };
    let mut rest = args;
    while let [flag, value, tail @ ..] = rest {
        match *flag {
            "--backend" => {
                backends = match *value {
                    "both" => vec!["sqlite".into(), "postgres".into()],
                    "sqlite" | "postgres" => vec![(*value).to_owned()],
                    _ => bail!(USAGE),
                }
            }
            "--enrollees" => options.enrollees = value.parse().context(USAGE)?,
            "--seconds" => options.seconds = value.parse().context(USAGE)?,
            "--postgres" => admin = (*value).to_owned(),
            "--out" => out = Some(root.join(value)),
            "--profile" => options.profile = Some(root.join(value)),
            _ => bail!(USAGE),
        }
        rest = tail;
    }
    if !rest.is_empty() || options.enrollees == 0 || options.seconds == 0 {
        bail!(USAGE);
    }
    options.import_enrollees = options.import_enrollees.min(options.enrollees);

    let started = Instant::now();
    let binary = release_binary(root)?;
    let work = std::env::temp_dir().join(format!("bb-bench-all-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let result = (|| -> anyhow::Result<Vec<(String, Vec<Figure>)>> {
        eprintln!(
            "bench: writing RIF files of {} enrollees for the import",
            options.import_enrollees
        );
        run_ok(Command::new(&binary).current_dir(&work).args([
            "generate",
            "--enrollees",
            &options.import_enrollees.to_string(),
            "--rif-out",
            "rif",
        ]))?;
        let mut all = Vec::new();
        for name in &backends {
            let backend = match name.as_str() {
                "sqlite" => Backend::Sqlite,
                _ => Backend::Postgres {
                    admin: admin.clone(),
                },
            };
            let figures = run_backend(&binary, &work, &backend, &options)?;
            all.push((backend.name().to_owned(), figures));
        }
        Ok(all)
    })();
    let _ = std::fs::remove_dir_all(&work);
    let all = result?;
    let table = render(&all, &options, started.elapsed());
    println!("{table}");
    if let Some(path) = out {
        std::fs::write(&path, &table)?;
        eprintln!("bench: table written to {}", path.display());
    }
    if all.iter().flat_map(|(_, f)| f).any(|f| f.value.is_nan()) {
        bail!("some figures could not be measured (NaN in the table)");
    }
    Ok(())
}

/// Everything on one backend.
fn run_backend(
    binary: &Path,
    work: &Path,
    backend: &Backend,
    options: &Options,
) -> anyhow::Result<Vec<Figure>> {
    let b = backend.name();
    let mut figures = Vec::new();
    let mut push = |key, label, unit, goal, value: f64| {
        println!("{{\"bench\":\"{key}\",\"backend\":\"{b}\",\"value\":{value:.3}}}");
        figures.push(Figure {
            key,
            label,
            unit,
            goal,
            value,
        });
    };

    // 1. Generation.
    eprintln!("bench {b}: generating {} enrollees", options.enrollees);
    let (url, store_url) = backend.fresh(work, "main")?;
    let (gen_out, gen_wall, gen_peak) = run_measured(
        Command::new(binary)
            .current_dir(work)
            .env("BLUEBUTTON_DATABASE_URL", &url)
            .args(["generate", "--enrollees", &options.enrollees.to_string()]),
    )?;
    let claims = number(&gen_out, "claims");
    push(
        "generate_claims",
        "claims generated",
        "",
        Goal::None,
        claims,
    );
    push(
        "generate_wall",
        "generation time",
        "s",
        Goal::AtMost(120.0),
        gen_wall,
    );
    push(
        "generate_peak_rss",
        "generation peak memory",
        "MiB",
        Goal::AtMost(1024.0),
        gen_peak,
    );
    push(
        "store_size",
        "store size",
        "MiB",
        Goal::None,
        backend.store_bytes(&url, &gen_out) / 1_048_576.0,
    );

    // 2. Import.
    eprintln!("bench {b}: importing RIF");
    let (import_url, _) = backend.fresh(work, "import")?;
    let import = run_measured(
        Command::new(binary)
            .current_dir(work)
            .env("BLUEBUTTON_DATABASE_URL", &import_url)
            .args(["import", "rif", "rif"]),
    );
    backend.drop_store(&import_url);
    let (import_out, import_wall, _) = import?;
    push(
        "import_lines_per_sec",
        "RIF import",
        "claim lines/s",
        Goal::AtLeast(50_000.0),
        number(&import_out, "rows") / import_wall,
    );

    // 3. The FHIR API.
    let counts = claim_counts_in(&store_url)?;
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
    let token = bench_token_in(&store_url, typical.0, 1)?;
    let big_token = bench_token_in(&store_url, biggest.0, 2)?;
    let eob_id = middle_eob_id(&store_url, typical.0)?;
    push(
        "biggest_enrollee_claims",
        "claims of the biggest enrollee",
        "",
        Goal::None,
        biggest.1 as f64,
    );

    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let (mut server, first_start_ms) = start_server(binary, work, &url, port, options.enrollees)?;
    push(
        "cold_start_first",
        "start to first answer (first start)",
        "ms",
        Goal::AtMost(1000.0),
        first_start_ms,
    );
    let server_pid = server.id();
    let rss = RssSampler::start(server_pid);
    let loads = (|| -> anyhow::Result<()> {
        let s = options.seconds;
        eprintln!("bench {b}: /health at full speed");
        let (health, text) = run_wrk(&[
            "-t2",
            "-c16",
            &format!("-d{s}s"),
            "--latency",
            &format!("http://127.0.0.1:{port}/health"),
        ])?;
        if text.contains("Non-2xx") {
            bail!("/health answered errors:\n{text}");
        }
        push(
            "health_rps",
            "/health (HTTP plus one trivial query)",
            "req/s",
            Goal::None,
            health.rps,
        );
        // /health asks the store (through sqlx), so a read served by the direct SQLite
        // path can beat it; the stylesheet, served from memory, is the HTTP ceiling.
        let (ceiling, text) = run_wrk(&[
            "-t2",
            "-c16",
            &format!("-d{s}s"),
            "--latency",
            &format!("http://127.0.0.1:{port}/static/bb.css"),
        ])?;
        if text.contains("Non-2xx") {
            bail!("/static/bb.css answered errors:\n{text}");
        }
        push(
            "static_rps",
            "/static/bb.css (HTTP alone, from memory)",
            "req/s",
            Goal::None,
            ceiling.rps,
        );
        let auth = format!("Bearer {token}");
        let cases: [(&str, String, f64, f64, [&'static str; 6]); 4] = [
            (
                "eob_search",
                "/v2/fhir/ExplanationOfBenefit?_count=10".into(),
                3_000.0,
                20.0,
                [
                    "eob_search_rps",
                    "eob_search_ratio",
                    "eob_search_max_p99",
                    "eob_search_half_p50",
                    "eob_search_half_p99",
                    "eob_search_half_rps",
                ],
            ),
            (
                "eob_read",
                format!("/v2/fhir/ExplanationOfBenefit/{eob_id}"),
                10_000.0,
                5.0,
                [
                    "eob_read_rps",
                    "eob_read_ratio",
                    "eob_read_max_p99",
                    "eob_read_half_p50",
                    "eob_read_half_p99",
                    "eob_read_half_rps",
                ],
            ),
            (
                "patient_read",
                format!("/v2/fhir/Patient/{}", typical.0),
                f64::NAN,
                f64::NAN,
                [
                    "patient_read_rps",
                    "patient_read_ratio",
                    "patient_read_max_p99",
                    "patient_read_half_p50",
                    "patient_read_half_p99",
                    "patient_read_half_rps",
                ],
            ),
            (
                "coverage_search",
                "/v2/fhir/Coverage?_count=10".into(),
                f64::NAN,
                f64::NAN,
                [
                    "coverage_search_rps",
                    "coverage_search_ratio",
                    "coverage_search_max_p99",
                    "coverage_search_half_p50",
                    "coverage_search_half_p99",
                    "coverage_search_half_rps",
                ],
            ),
        ];
        for (name, path, target_rps, target_p99, keys) in cases {
            eprintln!("bench {b}: {name} at full speed, then at half");
            let max = wrk(&format!("http://127.0.0.1:{port}{path}"), &token, 16, s)?;
            let half = fixed_rate(
                port,
                &path,
                &[("Authorization", auth.as_str())],
                (max.rps / 2.0).max(1.0),
                f64::from(s),
                16,
            )?;
            if half.errors > 0 {
                bail!("{name} at half load: {} errors", half.errors);
            }
            if let Some(dir) = &options.profile {
                // A separate run, so that perf's cost stays out of the figures.
                profile(dir, &format!("{b}-{name}"), server_pid, || {
                    wrk(&format!("http://127.0.0.1:{port}{path}"), &token, 16, s).map(|_| ())
                })?;
            }
            let at_least = |t: f64| {
                if t.is_nan() {
                    Goal::None
                } else {
                    Goal::AtLeast(t)
                }
            };
            let at_most = |t: f64| {
                if t.is_nan() {
                    Goal::None
                } else {
                    Goal::AtMost(t)
                }
            };
            let [
                k_rps,
                k_ratio,
                k_max_p99,
                k_half_p50,
                k_half_p99,
                k_half_rps,
            ] = keys;
            push(k_rps, label(k_rps), "req/s", at_least(target_rps), max.rps);
            push(
                k_ratio,
                label(k_ratio),
                "",
                Goal::None,
                max.rps / health.rps,
            );
            push(k_max_p99, label(k_max_p99), "ms", Goal::None, max.p99);
            push(
                k_half_rps,
                label(k_half_rps),
                "req/s",
                Goal::None,
                half.achieved_rps,
            );
            push(k_half_p50, label(k_half_p50), "ms", Goal::None, half.p50_ms);
            push(
                k_half_p99,
                label(k_half_p99),
                "ms",
                at_most(target_p99),
                half.p99_ms,
            );
        }
        eprintln!("bench {b}: first and last page of the biggest enrollee");
        let first = wrk(
            &format!("http://127.0.0.1:{port}/v2/fhir/ExplanationOfBenefit?_count=10"),
            &big_token,
            1,
            s,
        )?;
        let last_start = (biggest.1 - 1) / 10 * 10;
        let last = wrk(
            &format!(
                "http://127.0.0.1:{port}/v2/fhir/ExplanationOfBenefit?_count=10&startIndex={last_start}"
            ),
            &big_token,
            1,
            s,
        )?;
        push(
            "first_page_p50",
            "biggest enrollee, first page p50",
            "ms",
            Goal::None,
            first.p50,
        );
        push(
            "last_page_p50",
            "biggest enrollee, last page p50",
            "ms",
            Goal::None,
            last.p50,
        );
        push(
            "last_vs_first",
            "last page / first page (p50)",
            "×",
            Goal::AtMost(2.0),
            last.p50 / first.p50,
        );
        Ok(())
    })();
    let peak_rss = rss.finish();
    stop(&mut server);
    loads?;
    push(
        "server_peak_rss",
        "server memory under load (peak RSS)",
        "MiB",
        Goal::AtMost(200.0),
        peak_rss,
    );
    // Restarts on the existing store.
    let mut starts = Vec::new();
    for _ in 0..5 {
        let (mut again, ms) = start_server(binary, work, &url, port, options.enrollees)?;
        stop(&mut again);
        starts.push(ms);
    }
    starts.sort_by(f64::total_cmp);
    push(
        "cold_start_median",
        "start to first answer (median of 5 restarts)",
        "ms",
        Goal::AtMost(1000.0),
        starts.get(2).copied().unwrap_or(f64::NAN),
    );
    backend.drop_store(&url);

    // 4. Token exchange on its own small store.
    eprintln!("bench {b}: token exchange");
    let token_work = work.join(format!("token-{b}"));
    std::fs::create_dir_all(&token_work)?;
    // SQLite: the bench's own file under its folder; PostgreSQL: a fresh database.
    let token_url = match backend {
        Backend::Sqlite => String::new(),
        Backend::Postgres { .. } => backend.fresh(work, "token")?.0,
    };
    let database_url = (!token_url.is_empty()).then_some(token_url.as_str());
    let seconds = options.seconds;
    let exchanged = token_in(
        binary,
        &token_work,
        database_url,
        seconds,
        32,
        7_500 * seconds as usize * 3 / 2,
        2,
    );
    if !token_url.is_empty() {
        backend.drop_store(&token_url);
    }
    let exchanged = exchanged?;
    let fhir_scopes = exchanged
        .iter()
        .find(|f| f.name == "token_exchange")
        .context("token scenario missing")?;
    push(
        "token_rps",
        "token exchange (code + PKCE)",
        "req/s",
        Goal::AtLeast(5_000.0),
        fhir_scopes.rps,
    );
    push(
        "token_p99",
        "token exchange p99",
        "ms",
        Goal::None,
        fhir_scopes.p99_ms,
    );
    Ok(figures)
}

/// The label of a per-endpoint key.
fn label(key: &str) -> &'static str {
    match key {
        "eob_search_rps" => "EOB search, page of 10, full speed",
        "eob_search_ratio" => "EOB search / /health",
        "eob_search_max_p99" => "EOB search p99 at full speed",
        "eob_search_half_rps" => "EOB search at half load, rate",
        "eob_search_half_p50" => "EOB search at half load, p50",
        "eob_search_half_p99" => "EOB search at half load, p99",
        "eob_read_rps" => "EOB read, full speed",
        "eob_read_ratio" => "EOB read / /health",
        "eob_read_max_p99" => "EOB read p99 at full speed",
        "eob_read_half_rps" => "EOB read at half load, rate",
        "eob_read_half_p50" => "EOB read at half load, p50",
        "eob_read_half_p99" => "EOB read at half load, p99",
        "patient_read_rps" => "Patient read, full speed",
        "patient_read_ratio" => "Patient read / /health",
        "patient_read_max_p99" => "Patient read p99 at full speed",
        "patient_read_half_rps" => "Patient read at half load, rate",
        "patient_read_half_p50" => "Patient read at half load, p50",
        "patient_read_half_p99" => "Patient read at half load, p99",
        "coverage_search_rps" => "Coverage search, full speed",
        "coverage_search_ratio" => "Coverage search / /health",
        "coverage_search_max_p99" => "Coverage search p99 at full speed",
        "coverage_search_half_rps" => "Coverage search at half load, rate",
        "coverage_search_half_p50" => "Coverage search at half load, p50",
        "coverage_search_half_p99" => "Coverage search at half load, p99",
        _ => "?",
    }
}

/// Starts `bluebutton serve` on `url`; returns it and the milliseconds to the first `200`
/// from `/health`.
fn start_server(
    binary: &Path,
    work: &Path,
    url: &str,
    port: u16,
    enrollees: u32,
) -> anyhow::Result<(Child, f64)> {
    let started = Instant::now();
    let mut child = super::unthrottled(&mut Command::new(binary))
        .current_dir(work)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("BLUEBUTTON_DATABASE_URL", url)
        .env("BLUEBUTTON__SANDBOX__ENROLLEES", enrollees.to_string())
        .env("BLUEBUTTON__LOG__FILTER", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let deadline = started + Duration::from_secs(60);
    loop {
        if health_ok(port) {
            return Ok((child, started.elapsed().as_secs_f64() * 1000.0));
        }
        if let Some(status) = child.try_wait()? {
            bail!("the server exited before answering: {status}");
        }
        if Instant::now() > deadline {
            stop(&mut child);
            bail!("no /health answer within 60 s");
        }
        std::thread::sleep(Duration::from_micros(500));
    }
}

/// Samples the server's stacks with `perf record` (software clock: no hardware counters
/// needed) while `load` runs, and writes the report's flat profile to `DIR/NAME.txt`.
fn profile(
    dir: &Path,
    name: &str,
    pid: u32,
    load: impl FnOnce() -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let data = dir.join(format!("{name}.data"));
    let mut perf = Command::new("perf")
        .args(["record", "-e", "cpu-clock", "-F", "499", "-p"])
        .arg(pid.to_string())
        .arg("-o")
        .arg(&data)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("perf not found (Debian package linux-perf)")?;
    std::thread::sleep(Duration::from_millis(300));
    let loaded = load();
    let _ = Command::new("kill")
        .args(["-INT", &perf.id().to_string()])
        .status();
    perf.wait()?;
    loaded?;
    let report = Command::new("perf")
        .args([
            "report",
            "--stdio",
            "--no-children",
            "--sort",
            "symbol",
            "-g",
            "none",
        ])
        .args(["--percent-limit", "0.7", "-i"])
        .arg(&data)
        .output()?;
    if !report.status.success() {
        bail!("perf report: {}", String::from_utf8_lossy(&report.stderr));
    }
    let path = dir.join(format!("{name}.txt"));
    std::fs::write(&path, &report.stdout)?;
    eprintln!("bench: profile written to {}", path.display());
    Ok(())
}

/// Stops a server with SIGTERM and waits for it.
fn stop(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

/// The Markdown table of a run.
fn render(all: &[(String, Vec<Figure>)], options: &Options, took: Duration) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "`cargo xtask bench` — {} enrollees, {} s per load, {} backends, run took {:.0} s",
        options.enrollees,
        options.seconds,
        all.len(),
        took.as_secs_f64()
    );
    let _ = writeln!(out);
    let _ = write!(out, "| measure | target |");
    for (name, _) in all {
        let _ = write!(out, " {name} |");
    }
    let _ = writeln!(out);
    let _ = write!(out, "|---|---|");
    for _ in all {
        let _ = write!(out, "---|");
    }
    let _ = writeln!(out);
    let Some((_, first)) = all.first() else {
        return out;
    };
    for (i, f) in first.iter().enumerate() {
        let target = match f.goal {
            Goal::AtLeast(t) => format!("≥ {} {}", fmt(t), f.unit),
            Goal::AtMost(t) => format!("≤ {} {}", fmt(t), f.unit),
            Goal::None => String::new(),
        };
        let _ = write!(out, "| {} | {} |", f.label, target.trim());
        for (_, figures) in all {
            let cell = figures
                .get(i)
                .filter(|g| g.key == f.key)
                .map(|g| {
                    let mark = match g.met() {
                        Some(true) => " ✓",
                        Some(false) => " ✗",
                        None => "",
                    };
                    format!("{} {}{mark}", fmt(g.value), g.unit)
                })
                .unwrap_or_default();
            let _ = write!(out, " {} |", cell.trim());
        }
        let _ = writeln!(out);
    }
    out
}

/// A figure with sensible precision.
fn fmt(v: f64) -> String {
    if v.is_nan() {
        "n/a".into()
    } else if v.abs() >= 100.0 {
        let whole = v.round() as i64;
        let text = whole.abs().to_string();
        let mut grouped = String::new();
        for (i, c) in text.chars().enumerate() {
            if i > 0 && (text.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        if whole < 0 {
            format!("-{grouped}")
        } else {
            grouped
        }
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_printed_with_grouping_and_marks() {
        assert_eq!(fmt(1234567.4), "1,234,567");
        assert_eq!(fmt(12.34), "12.3");
        assert_eq!(fmt(1.234), "1.23");
        assert_eq!(fmt(f64::NAN), "n/a");
        let figures = vec![
            Figure {
                key: "a",
                label: "A",
                unit: "req/s",
                goal: Goal::AtLeast(100.0),
                value: 150.0,
            },
            Figure {
                key: "b",
                label: "B",
                unit: "ms",
                goal: Goal::AtMost(5.0),
                value: 6.0,
            },
        ];
        let table = render(
            &[("sqlite".into(), figures)],
            &Options {
                enrollees: 1,
                seconds: 1,
                import_enrollees: 1,
                profile: None,
            },
            Duration::from_secs(1),
        );
        assert!(
            table.contains("| A | ≥ 100 req/s | 150 req/s ✓ |"),
            "{table}"
        );
        assert!(table.contains("| B | ≤ 5.00 ms | 6.00 ms ✗ |"), "{table}");
    }

    #[test]
    fn postgres_urls_are_rewritten_to_the_bench_database() {
        assert_eq!(
            replace_database("postgres://postgres@127.0.0.1:5432/postgres", "x").unwrap(),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert!(replace_database("nonsense", "x").is_err());
    }
}
