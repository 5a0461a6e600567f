//! Crash safety (issue 10, item 3): `kill -9` of `bluebutton serve`, and of a `bluebutton
//! import rif` running beside it on the same store, in the middle of concurrent writes
//! loses no acknowledged write and leaves no partial import — on a SQLite file and on
//! PostgreSQL (`docs/security.md`, "Item 3").
//!
//! Each backend gets one store, a 20-enrollee sandbox, a developer and a reviewer (TOTP
//! enrolled), and production-access requests under review. Then, round after round, four
//! kinds of writers run at once against the real binary over HTTP and each records what
//! was **acknowledged**:
//!
//! - code exchanges at `POST /v2/o/token/` (codes written into the store as the token
//!   bench does): a 200 with its access and refresh tokens;
//! - app registrations through the portal's register form: a 200 with the app's id,
//!   client id and secret;
//! - review moves through `POST /v2/access/requests/{id}/transitions`, a reviewer's
//!   `request_changes` and the developer's `resubmit` in turn: a 200 with the new state
//!   and its history;
//! - `bluebutton import rif` of a folder of the Synthea sample's claims files, copied with
//!   their claim ids moved into a range per file: a file is acknowledged by its
//!   `imported` log line (written after its transaction committed).
//!
//! At a seeded random moment 150–900 ms into the writes the server and the importer get
//! SIGKILL. The server is started again on the same store (migrations, WAL recovery) and
//! every acknowledgement so far is checked: each token introspects as active for its
//! enrollee (and one per round reads FHIR), each app's page shows its fields, each
//! request's history starts with every acknowledged history and its state is the last
//! acknowledged one or a later one with its history row, each RIF file's claims are all
//! present or all absent (all present when acknowledged), and `bluebutton audit verify`
//! passes. FHIR-read audit records, batched in memory for about 100 ms, are not a client's
//! acknowledged write and are not checked (`docs/security.md`, item 7).
//!
//! The seed is `BB_CRASH_SEED` (default 20261205); each round prints its figures (run
//! with `--nocapture` to see them).

use crate::support::*;
use bb_domain::clock::{Clock, SeededEntropy, SystemClock, random_alphanumeric};
use bb_store::{AuthCodeRow, DatabaseUrl, GrantRow, Store, StoreOptions};
use bb_testkit::oauth::{Pkce, hidden};
use reqwest::multipart::{Form, Part};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ROUNDS: usize = 5;
const ENROLLEES: &str = "20";
const PASSWORD: &str = "violet tea kettle 42";
const DEVELOPER: &str = "dev@crash.example.org";
const REVIEWER: &str = "reviewer@crash.example.org";
const REDIRECT_URI: &str = "https://crash.example.org/cb";
const SCOPES: &str = "patient/Patient.rs patient/Coverage.rs patient/ExplanationOfBenefit.rs";
/// Codes written per round: more than the token writers can exchange before the kill.
const CODES_PER_ROUND: usize = 3_000;
const TOKEN_WRITERS: usize = 4;
const APP_WRITERS: usize = 2;
/// Production-access requests, each moved by its own writer.
const REQUESTS: usize = 3;
/// Copies of the sample's eight claims files per round.
const IMPORT_COPIES: usize = 40;
/// Claim ids of the Synthea sample are above -10^10; copy `n` subtracts `n` × 10^11.
const ID_SPAN: i64 = 100_000_000_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_concurrent_writes_loses_no_acknowledged_write_on_sqlite() {
    crash_rounds(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: scripts/test runs it with BLUEBUTTON_TEST_POSTGRES_URL"]
async fn kill_9_during_concurrent_writes_loses_no_acknowledged_write_on_postgres() {
    let url = std::env::var("BLUEBUTTON_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| panic!("BLUEBUTTON_TEST_POSTGRES_URL is not set: run ./scripts/test"));
    let schema = format!("crash_{}_{}", std::process::id(), free_port());
    crash_rounds(Backend::Postgres { url, schema }).await;
}

// ------------------------------------------------------------------------------------------
// The rounds
// ------------------------------------------------------------------------------------------

async fn crash_rounds(backend: Backend) {
    let started = Instant::now();
    let seed = std::env::var("BB_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_205_u64);
    let mut rng = SplitMix(seed ^ backend.salt());
    let env = Env {
        dir: tempdir(),
        backend,
    };
    let name = env.backend.name();
    eprintln!("crash test on {name}: seed {seed}");

    let mut server = Server::start(&env, 0);
    let world = Arc::new(World::set_up(&env, &server).await);
    let store = env.store().await;
    let db = env.db().await;
    let mut acks = Acks::default();
    let mut serial = 0_i64;

    for round in 0..ROUNDS {
        let codes = world.codes(&store, round).await;
        let import_dir = env.dir.path().join(format!("rif-{round}"));
        let files = write_import(&import_dir, &mut serial);
        let import_log = env.dir.path().join(format!("import-{round}.log"));
        let port = server.port;

        // The importer first (a process takes a while to start and open the store); once
        // its first file is in, the writers start and the kill comes at a seeded moment.
        let kill_after = Duration::from_millis(150 + rng.below(751));
        let mut importer = env
            .command(&["import", "rif", import_dir.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::from(std::fs::File::create(&import_log).unwrap()))
            .spawn()
            .unwrap();
        wait_for_first_file(&mut importer, &import_log).await;
        let begun = Instant::now();
        let writers = start_writers(&world, port, round, codes).await;
        tokio::time::sleep(kill_after.saturating_sub(begun.elapsed())).await;
        server.kill();
        let import_finished = importer.try_wait().unwrap().is_some();
        let _ = importer.kill();
        let _ = importer.wait();
        let killed_at = begun.elapsed();
        let done = writers.finish().await;
        let imported = imported_files(&import_log);

        let restart = Instant::now();
        server = Server::start(&env, round + 1);
        let restart_ms = restart.elapsed().as_millis();

        let (tokens, apps, moves) = (done.tokens.len(), done.apps.len(), done.moves.len());
        acks.tokens.extend(done.tokens);
        acks.apps.extend(done.apps);
        acks.moves.extend(done.moves);
        acks.fhir_checked.push(acks.tokens.len().saturating_sub(1));
        assert!(
            done.unexpected.is_empty(),
            "{name} round {round}: answers that were neither an acknowledgement nor a dropped connection: {:?}",
            done.unexpected
        );

        let verified = Instant::now();
        verify(&world, &server, &acks).await;
        let (present, absent) = verify_import(&db, &files, &imported, &name, round).await;
        audit_verify(&env);
        server.assert_no_errors();
        eprintln!(
            "{name} round {round}: SIGKILL at {} ms (importer {}); acknowledged {tokens} token pairs, {apps} apps, {moves} review moves, {} RIF files ({present} files present, {absent} absent of {}); restart {restart_ms} ms, checks {} ms",
            killed_at.as_millis(),
            if import_finished {
                "had finished"
            } else {
                "killed"
            },
            imported.len(),
            files.len(),
            verified.elapsed().as_millis(),
        );
    }
    assert!(
        !acks.tokens.is_empty() && !acks.apps.is_empty() && !acks.moves.is_empty(),
        "every kind of write was acknowledged at least once: {} tokens, {} apps, {} moves",
        acks.tokens.len(),
        acks.apps.len(),
        acks.moves.len()
    );
    server.stop();
    store.close().await;
    db.close().await;
    env.drop_schema().await;
    eprintln!(
        "crash test on {name}: {ROUNDS} rounds, {} token pairs, {} apps, {} review moves acknowledged and found; {} s",
        acks.tokens.len(),
        acks.apps.len(),
        acks.moves.len(),
        started.elapsed().as_secs()
    );
}

// ------------------------------------------------------------------------------------------
// Backend, processes
// ------------------------------------------------------------------------------------------

enum Backend {
    Sqlite,
    Postgres { url: String, schema: String },
}

impl Backend {
    fn name(&self) -> String {
        match self {
            Backend::Sqlite => "SQLite".into(),
            Backend::Postgres { .. } => "PostgreSQL".into(),
        }
    }

    fn salt(&self) -> u64 {
        match self {
            Backend::Sqlite => 0,
            Backend::Postgres { .. } => 0x9e37_79b9,
        }
    }
}

struct Env {
    dir: tempfile::TempDir,
    backend: Backend,
}

impl Env {
    fn command(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = command(self.dir.path(), args);
        if let Backend::Postgres { url, schema } = &self.backend {
            cmd.env("BLUEBUTTON_DATABASE_URL", url)
                .env("BLUEBUTTON__DATABASE__POSTGRES_SCHEMA", schema);
        }
        cmd
    }

    /// Runs an admin command to success; its JSON output.
    fn admin(&self, args: &[&str], stdin: &str) -> Value {
        use std::io::Write;
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        if let Some(mut input) = child.stdin.take() {
            input.write_all(stdin.as_bytes()).unwrap();
        }
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        serde_json::from_str(stdout(&out).trim()).unwrap_or(Value::Null)
    }

    fn database_url(&self) -> String {
        match &self.backend {
            Backend::Sqlite => format!(
                "sqlite://{}",
                self.dir
                    .path()
                    .join("bluebutton-data/bluebutton.db")
                    .display()
            ),
            Backend::Postgres { url, .. } => url.clone(),
        }
    }

    fn schema(&self) -> Option<String> {
        match &self.backend {
            Backend::Sqlite => None,
            Backend::Postgres { schema, .. } => Some(schema.clone()),
        }
    }

    /// The store as the server opens it (the server has migrated it).
    async fn store(&self) -> Store {
        let options = StoreOptions {
            postgres_schema: self.schema(),
            ..StoreOptions::default()
        };
        Store::connect(&DatabaseUrl::parse(&self.database_url()).unwrap(), &options)
            .await
            .unwrap()
    }

    /// A plain pool for counting claims by id range.
    async fn db(&self) -> Db {
        match &self.backend {
            Backend::Sqlite => Db::Sqlite(open_sqlite(self.dir.path()).await),
            Backend::Postgres { url, schema } => {
                use std::str::FromStr;
                let options = sqlx::postgres::PgConnectOptions::from_str(url)
                    .unwrap()
                    .options([("search_path", schema.as_str())]);
                Db::Postgres(
                    sqlx::postgres::PgPoolOptions::new()
                        .max_connections(2)
                        .connect_with(options)
                        .await
                        .unwrap(),
                )
            }
        }
    }

    async fn drop_schema(&self) {
        if let Backend::Postgres { url, schema } = &self.backend {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect(url)
                .await
                .unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE"
            )))
            .execute(&pool)
            .await
            .unwrap();
            pool.close().await;
        }
    }
}

enum Db {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Db {
    /// Claims whose id lies in `lo..=hi`.
    async fn claims_between(&self, lo: i64, hi: i64) -> i64 {
        const SQL: &str = "SELECT COUNT(*) FROM claims WHERE claim_id BETWEEN $1 AND $2";
        match self {
            Db::Sqlite(pool) => sqlx::query_scalar(SQL)
                .bind(lo)
                .bind(hi)
                .fetch_one(pool)
                .await
                .unwrap(),
            Db::Postgres(pool) => sqlx::query_scalar(SQL)
                .bind(lo)
                .bind(hi)
                .fetch_one(pool)
                .await
                .unwrap(),
        }
    }

    async fn close(&self) {
        match self {
            Db::Sqlite(pool) => pool.close().await,
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

/// `bluebutton serve` on the store, its log in a file.
struct Server {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Server {
    /// Starts the server and waits until `/health/db` answers 200 (the store migrated, the
    /// sandbox there).
    fn start(env: &Env, n: usize) -> Self {
        let port = free_port();
        let log = env.dir.path().join(format!("serve-{n}.log"));
        let child = env
            .command(&["serve", "--bind", &format!("127.0.0.1:{port}")])
            .env("BLUEBUTTON__SANDBOX__ENROLLEES", ENROLLEES)
            // The writers exchange codes and post forms from one address far faster than
            // the default per-address limits allow; what is under test is durability.
            .env("BLUEBUTTON__RATE_LIMIT__ENABLED", "false")
            .stdout(Stdio::null())
            .stderr(Stdio::from(std::fs::File::create(&log).unwrap()))
            .spawn()
            .unwrap();
        let mut server = Self { child, port, log };
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            if crate::serve::get(port, "/health/db").is_some_and(|(status, _)| status == 200) {
                break;
            }
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!(
                    "serve #{n} exited with {status} before answering: {}",
                    server.log_text()
                );
            }
            assert!(
                Instant::now() < deadline,
                "serve #{n} did not answer: {}",
                server.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn url(&self, path: &str) -> String {
        url(self.port, path)
    }

    /// The server logged no error since it started (the crash before left nothing that a
    /// start or the writes after it trip on).
    fn assert_no_errors(&self) {
        let log = self.log_text();
        let errors: Vec<&str> = log
            .lines()
            .filter(|l| l.contains(r#""level":"ERROR""#))
            .collect();
        assert!(
            errors.is_empty(),
            "the restarted server logged errors: {errors:?}"
        );
    }

    /// SIGKILL: no shutdown, no flush.
    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, and a clean exit.
    fn stop(mut self) {
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let status = self.child.wait().unwrap();
        assert!(status.success(), "{status:?}: {}", self.log_text());
    }
}

fn url(port: u16, path: &str) -> String {
    format!("http://127.0.0.1:{port}{path}")
}

/// `bluebutton audit verify` on the store beside the running server.
fn audit_verify(env: &Env) {
    let out = env.command(&["audit", "verify"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "audit verify after the crash: {} {}",
        stdout(&out),
        stderr(&out)
    );
    assert!(stdout(&out).contains(r#""ok":true"#), "{}", stdout(&out));
}

// ------------------------------------------------------------------------------------------
// The world before the crashes
// ------------------------------------------------------------------------------------------

struct World {
    client_id: String,
    client_secret: String,
    app_id: String,
    benes: Vec<i64>,
    pkce: Pkce,
    org: String,
    dev: Browser,
    staff: Browser,
    requests: Vec<String>,
    entropy: SeededEntropy,
}

/// A cookie-keeping client and its session's CSRF value.
struct Browser {
    client: reqwest::Client,
    csrf: String,
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

impl World {
    async fn set_up(env: &Env, server: &Server) -> Self {
        env.admin(
            &[
                "admin",
                "create-developer",
                "--email",
                DEVELOPER,
                "--organization",
                "Crash Org",
                "--password-stdin",
            ],
            &format!("{PASSWORD}\n"),
        );
        env.admin(
            &[
                "admin",
                "create-staff",
                "--email",
                REVIEWER,
                "--role",
                "reviewer",
                "--password-stdin",
            ],
            &format!("{PASSWORD}\n"),
        );
        let creds = env.admin(
            &[
                "admin",
                "create-app",
                "--owner",
                DEVELOPER,
                "--name",
                "Crash tokens",
                "--redirect-uri",
                REDIRECT_URI,
            ],
            "",
        );
        let client_id = creds["client_id"].as_str().unwrap().to_owned();
        let client_secret = creds["client_secret"].as_str().unwrap().to_owned();

        // Grants for every sandbox enrollee, as the bench does.
        let store = env.store().await;
        let app_id = store
            .application_by_client_id(&client_id)
            .await
            .unwrap()
            .unwrap()
            .id;
        let mut benes: Vec<i64> = store
            .claim_counts_by_beneficiary()
            .await
            .unwrap()
            .into_iter()
            .map(|(bene, _, _)| bene)
            .collect();
        benes.dedup();
        assert!(!benes.is_empty(), "the sandbox has enrollees");
        let now = now_ms();
        for &bene_id in &benes {
            store
                .upsert_grant(&GrantRow {
                    application_id: app_id.clone(),
                    bene_id,
                    scopes: SCOPES.into(),
                    demographics: true,
                    created_at: now,
                    expires_at: None,
                })
                .await
                .unwrap();
        }
        store.close().await;

        let dev = sign_in(server, DEVELOPER, false).await;
        let (_, html) = page(&dev.client, &server.url("/v2/o/applications/register/")).await;
        let org = organization_option(&html);
        let staff = sign_in(server, REVIEWER, true).await;
        let mut world = Self {
            client_id,
            client_secret,
            app_id,
            benes,
            pkce: Pkce::new(),
            org,
            dev,
            staff,
            requests: Vec::new(),
            entropy: SeededEntropy::new(7),
        };
        world.requests = world.requests_in_review(server).await;
        world
    }

    /// `REQUESTS` production-access requests, submitted and claimed (`in_review`).
    async fn requests_in_review(&self, server: &Server) -> Vec<String> {
        let port = server.port;
        let terms = self
            .dev
            .client
            .get(server.url("/v2/access/terms"))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap();
        let r = self
            .dev
            .post(
                port,
                &format!("/v2/access/organizations/{}/terms", self.org),
            )
            .json(&serde_json::json!({"version": terms["version"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
        let mut ids = Vec::new();
        for i in 0..REQUESTS {
            let app = register_app(&self.dev, port, &self.org, &format!("Reviewed app {i}"))
                .await
                .unwrap_or_else(|e| panic!("register: {e:?}"));
            let r = self
                .dev
                .post(port, "/v2/access/requests")
                .json(&serde_json::json!({
                    "organization": self.org,
                    "application": app.id,
                    "use_case": "Shows enrollees a timeline of their claims.",
                    "redirect_uris": ["https://timeline.example.org/cb"],
                    "contact_name": "Ada Lovelace",
                    "contact_email": "ada@example.org",
                    "contact_phone": "+1 202 555 0123",
                    "attestations": bb_domain::access::request::CHECKLIST.map(|(id, _)| id),
                }))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201);
            let id = r.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned();
            for kind in ["terms", "privacy_policy"] {
                let form = Form::new().part(
                    "file",
                    Part::bytes(pdf(kind))
                        .file_name(format!("{kind}.pdf"))
                        .mime_str("application/pdf")
                        .unwrap(),
                );
                let r = self
                    .dev
                    .post(port, &format!("/v2/access/requests/{id}/documents/{kind}"))
                    .multipart(form)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201, "{kind}");
            }
            let r = self
                .dev
                .post(port, &format!("/v2/access/requests/{id}/submit"))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
            let r = self
                .staff
                .post(port, &format!("/v2/access/requests/{id}/transitions"))
                .json(&serde_json::json!({"transition": "claim"}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
            ids.push(id);
        }
        ids
    }

    /// Fresh authorization codes of the token app, written into the store (as the token
    /// bench does); the codes in clear.
    async fn codes(&self, store: &Store, round: usize) -> Vec<String> {
        let expires_at = now_ms() + 3_600_000;
        let mut clear = Vec::with_capacity(CODES_PER_ROUND);
        let rows: Vec<AuthCodeRow> = (0..CODES_PER_ROUND)
            .map(|i| {
                let code = format!("r{round}-{}", random_alphanumeric(&self.entropy, 40));
                let row = AuthCodeRow {
                    code_sha256: Sha256::digest(code.as_bytes()).to_vec(),
                    application_id: self.app_id.clone(),
                    bene_id: self.benes[i % self.benes.len()],
                    redirect_uri: REDIRECT_URI.into(),
                    scopes: SCOPES.into(),
                    code_challenge: self.pkce.challenge.clone(),
                    nonce: None,
                    expires_at,
                    used_at: None,
                };
                clear.push(code);
                row
            })
            .collect();
        for chunk in rows.chunks(1_000) {
            store.insert_auth_codes(chunk).await.unwrap();
        }
        clear
    }
}

impl Browser {
    fn post(&self, port: u16, path: &str) -> reqwest::RequestBuilder {
        self.client
            .post(url(port, path))
            .header("x-csrf-token", &self.csrf)
    }
}

fn now_ms() -> i64 {
    SystemClock.now().timestamp_millis()
}

async fn page(client: &reqwest::Client, url: &str) -> (u16, String) {
    let r = client.get(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Signs in through the portal's form (staff: enrolling TOTP as an authenticator app
/// would); the browser and its session's CSRF value.
async fn sign_in(server: &Server, email: &str, staff: bool) -> Browser {
    let client = browser();
    let (_, html) = page(&client, &server.url("/v2/accounts/login")).await;
    let r = client
        .post(server.url("/v2/accounts/login"))
        .form(&[
            ("email", email),
            ("password", PASSWORD),
            ("csrf_token", &hidden(&html, "csrf_token")),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{email}: {}", r.text().await.unwrap());
    if staff {
        let (status, html) = page(&client, &server.url("/v2/accounts/mfa/enrol")).await;
        assert_eq!(status, 200, "{html}");
        let start = html.find("id=\"totp-secret\">").unwrap() + 17;
        let end = start + html[start..].find("</code>").unwrap();
        let secret = bb_domain::totp::TotpSecret::from_bytes(bb_testkit::portal::base32_decode(
            &html[start..end],
        ));
        let code = secret.code_at(bb_domain::totp::step_of(SystemClock.now().timestamp()));
        let r = client
            .post(server.url("/v2/accounts/mfa/enrol"))
            .form(&[
                ("code", code.as_str()),
                ("csrf_token", &hidden(&html, "csrf_token")),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    }
    let (status, html) = page(&client, &server.url("/v2/accounts/settings")).await;
    assert_eq!(status, 200, "{html}");
    let csrf = hidden(&html, "csrf_token");
    Browser { client, csrf }
}

/// The selected (or only) organization option of the register form.
fn organization_option(html: &str) -> String {
    let at = html.find("name=\"organization\"").unwrap();
    let rest = &html[at..];
    let at = rest.find("<option value=\"").unwrap() + "<option value=\"".len();
    rest[at..at + rest[at..].find('"').unwrap()].to_owned()
}

/// The text of the element with this id (up to the next tag).
fn text_by_id(html: &str, id: &str) -> Option<String> {
    let rest = &html[html.find(&format!("id=\"{id}\""))?..];
    let open = rest.find('>')? + 1;
    let close = rest[open..].find('<')?;
    Some(rest[open..open + close].trim().to_owned())
}

/// The app id of a detail page (from its rotate form's action).
fn app_id_of(html: &str) -> Option<String> {
    let end = html.find("/rotate-secret/")?;
    let start = html[..end].rfind('/')? + 1;
    Some(html[start..end].to_owned())
}

/// A small well-formed PDF.
fn pdf(label: &str) -> Vec<u8> {
    format!(
        "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% {label}\nxref\n0 1\n0000000000 65535 f \ntrailer << /Root 1 0 R >>\nstartxref\n9\n%%EOF\n"
    )
    .into_bytes()
}

// ------------------------------------------------------------------------------------------
// Writers
// ------------------------------------------------------------------------------------------

/// What the server acknowledged.
#[derive(Default)]
struct Acks {
    tokens: Vec<TokenAck>,
    apps: Vec<AppAck>,
    moves: Vec<MoveAck>,
    /// Indexes of tokens also used for a FHIR read (the last of each round).
    fhir_checked: Vec<usize>,
}

struct TokenAck {
    access: String,
    refresh: String,
    bene: String,
}

struct AppAck {
    id: String,
    client_id: String,
    name: String,
    description: String,
}

struct MoveAck {
    request: String,
    state: String,
    /// `(transition, from, to, at)` of every history row in the answer.
    history: Vec<(String, String, String, String)>,
}

/// The writers' results of one round.
#[derive(Default)]
struct Done {
    tokens: Vec<TokenAck>,
    apps: Vec<AppAck>,
    moves: Vec<MoveAck>,
    /// Answers that were neither an acknowledgement nor a dropped connection.
    unexpected: Vec<String>,
}

struct Writers {
    tokens: Vec<tokio::task::JoinHandle<(Vec<TokenAck>, Vec<String>)>>,
    apps: Vec<tokio::task::JoinHandle<(Vec<AppAck>, Vec<String>)>>,
    moves: Vec<tokio::task::JoinHandle<(Vec<MoveAck>, Vec<String>)>>,
}

impl Writers {
    async fn finish(self) -> Done {
        let mut done = Done::default();
        for task in self.tokens {
            let (acks, bad) = task.await.unwrap();
            done.tokens.extend(acks);
            done.unexpected.extend(bad);
        }
        for task in self.apps {
            let (acks, bad) = task.await.unwrap();
            done.apps.extend(acks);
            done.unexpected.extend(bad);
        }
        for task in self.moves {
            let (acks, bad) = task.await.unwrap();
            done.moves.extend(acks);
            done.unexpected.extend(bad);
        }
        done
    }
}

async fn start_writers(world: &Arc<World>, port: u16, round: usize, codes: Vec<String>) -> Writers {
    // Each request's state as the server has it now (a move may have committed unanswered).
    let mut states = Vec::new();
    for id in &world.requests {
        let view = read_request(&world.dev, port, id).await;
        states.push((id.clone(), view["state"].as_str().unwrap().to_owned()));
    }
    let codes = Arc::new(Mutex::new(codes));
    let tokens = (0..TOKEN_WRITERS)
        .map(|_| tokio::spawn(token_writer(world.clone(), port, codes.clone())))
        .collect();
    let apps = (0..APP_WRITERS)
        .map(|w| tokio::spawn(app_writer(world.clone(), port, round, w)))
        .collect();
    let moves = states
        .into_iter()
        .map(|(id, state)| tokio::spawn(move_writer(world.clone(), port, id, state)))
        .collect();
    Writers {
        tokens,
        apps,
        moves,
    }
}

/// Exchanges codes until they run out or the server is gone.
async fn token_writer(
    world: Arc<World>,
    port: u16,
    codes: Arc<Mutex<Vec<String>>>,
) -> (Vec<TokenAck>, Vec<String>) {
    let client = browser();
    let (mut acks, mut bad) = (Vec::new(), Vec::new());
    loop {
        let Some(code) = codes.lock().unwrap().pop() else {
            break;
        };
        let sent = client
            .post(url(port, "/v2/o/token/"))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", REDIRECT_URI),
                ("code_verifier", world.pkce.verifier.as_str()),
                ("client_id", world.client_id.as_str()),
                ("client_secret", world.client_secret.as_str()),
            ])
            .send()
            .await;
        let Ok(response) = sent else { break };
        let status = response.status().as_u16();
        let Ok(body) = response.text().await else {
            break;
        };
        if status != 200 {
            bad.push(format!("token {status}: {body}"));
            break;
        }
        let json: Value = serde_json::from_str(&body).unwrap();
        acks.push(TokenAck {
            access: json["access_token"].as_str().unwrap().to_owned(),
            refresh: json["refresh_token"].as_str().unwrap().to_owned(),
            bene: json["patient"].as_str().unwrap_or_default().to_owned(),
        });
    }
    (acks, bad)
}

/// Why a registration was not acknowledged.
#[derive(Debug)]
enum NotAcked {
    /// The connection dropped (the server was killed).
    Dropped,
    /// Any other answer.
    Refused(String),
}

/// Registers an app through the portal's form.
async fn register_app(dev: &Browser, port: u16, org: &str, name: &str) -> Result<AppAck, NotAcked> {
    let description = format!("{name}: shows your claims on a timeline.");
    let mut form = Form::new()
        .text("csrf_token", dev.csrf.clone())
        .text("organization", org.to_owned())
        .text("name", name.to_owned())
        .text("description", description.clone());
    for (field, value) in [
        ("website_uri", "https://timeline.example.org/"),
        ("policy_uri", "https://timeline.example.org/privacy"),
        ("tos_uri", "https://timeline.example.org/terms"),
        ("redirect_uris", "https://timeline.example.org/callback"),
        ("support_email", "help@timeline.example.org"),
        ("support_phone_number", "+12025550123"),
        ("require_demographic_scopes", "false"),
        ("data_access_type", "ONE_TIME"),
        ("categories", "personal-health-record"),
        ("agree", "on"),
    ] {
        form = form.text(field, value);
    }
    let response = dev
        .client
        .post(url(port, "/v2/o/applications/register/"))
        .multipart(form)
        .send()
        .await
        .map_err(|_| NotAcked::Dropped)?;
    let status = response.status().as_u16();
    let html = response.text().await.map_err(|_| NotAcked::Dropped)?;
    let (Some(id), Some(client_id), 200) =
        (app_id_of(&html), text_by_id(&html, "client-id"), status)
    else {
        return Err(NotAcked::Refused(format!("register {status}: {html}")));
    };
    Ok(AppAck {
        id,
        client_id,
        name: name.to_owned(),
        description,
    })
}

/// Registers apps until the server is gone.
async fn app_writer(
    world: Arc<World>,
    port: u16,
    round: usize,
    writer: usize,
) -> (Vec<AppAck>, Vec<String>) {
    let (mut acks, mut bad) = (Vec::new(), Vec::new());
    for n in 0.. {
        let name = format!("Crash app r{round} w{writer} n{n}");
        match register_app(&world.dev, port, &world.org, &name).await {
            Ok(ack) => acks.push(ack),
            Err(NotAcked::Dropped) => break,
            Err(NotAcked::Refused(why)) => {
                bad.push(why);
                break;
            }
        }
    }
    (acks, bad)
}

async fn read_request(browser: &Browser, port: u16, id: &str) -> Value {
    let r = browser
        .client
        .get(url(port, &format!("/v2/access/requests/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

fn history_of(view: &Value) -> Vec<(String, String, String, String)> {
    view["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            let text = |k: &str| h[k].as_str().unwrap_or_default().to_owned();
            (text("transition"), text("from"), text("to"), text("at"))
        })
        .collect()
}

/// Moves one request back and forth (the reviewer asks for changes, the developer
/// resubmits) until the server is gone.
async fn move_writer(
    world: Arc<World>,
    port: u16,
    id: String,
    mut state: String,
) -> (Vec<MoveAck>, Vec<String>) {
    let (mut acks, mut bad) = (Vec::new(), Vec::new());
    loop {
        let (who, body) = match state.as_str() {
            "in_review" => (
                &world.staff,
                serde_json::json!({"transition": "request_changes", "reason": "Please describe the data you keep."}),
            ),
            "changes_requested" => (&world.dev, serde_json::json!({"transition": "resubmit"})),
            other => {
                bad.push(format!("request {id} is {other}"));
                break;
            }
        };
        let sent = who
            .post(port, &format!("/v2/access/requests/{id}/transitions"))
            .json(&body)
            .send()
            .await;
        let Ok(response) = sent else { break };
        let status = response.status().as_u16();
        let Ok(text) = response.text().await else {
            break;
        };
        if status != 200 {
            bad.push(format!("move {status}: {text}"));
            break;
        }
        let view: Value = serde_json::from_str(&text).unwrap();
        state = view["state"].as_str().unwrap().to_owned();
        acks.push(MoveAck {
            request: id.clone(),
            state: state.clone(),
            history: history_of(&view),
        });
    }
    (acks, bad)
}

// ------------------------------------------------------------------------------------------
// Checks after the restart
// ------------------------------------------------------------------------------------------

async fn verify(world: &Arc<World>, server: &Server, acks: &Acks) {
    let port = server.port;

    // Tokens: each access and refresh token introspects as active, for its enrollee.
    let client = browser();
    let chunks: Vec<Vec<(String, String)>> = {
        let all: Vec<(String, String)> = acks
            .tokens
            .iter()
            .flat_map(|t| {
                [
                    (t.access.clone(), t.bene.clone()),
                    (t.refresh.clone(), t.bene.clone()),
                ]
            })
            .collect();
        let per = all.len().div_ceil(4).max(1);
        all.chunks(per).map(<[_]>::to_vec).collect()
    };
    let mut tasks = Vec::new();
    for chunk in chunks {
        let (client, world) = (client.clone(), world.clone());
        tasks.push(tokio::spawn(async move {
            for (token, bene) in chunk {
                let r = client
                    .post(url(port, "/v2/o/introspect/"))
                    .form(&[
                        ("token", token.as_str()),
                        ("client_id", world.client_id.as_str()),
                        ("client_secret", world.client_secret.as_str()),
                    ])
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200);
                let body: Value = r.json().await.unwrap();
                assert_eq!(
                    body["active"], true,
                    "an acknowledged token was lost in the crash: {body}"
                );
                assert_eq!(body["patient"].as_str(), Some(bene.as_str()), "{body}");
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    for &i in &acks.fhir_checked {
        let Some(token) = acks.tokens.get(i) else {
            continue;
        };
        let r = client
            .get(url(port, "/v2/fhir/Coverage/"))
            .bearer_auth(&token.access)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    }

    // Apps: each one's page shows what was registered.
    for app in &acks.apps {
        let (status, html) = page(
            &world.dev.client,
            &url(port, &format!("/v2/o/applications/{}/", app.id)),
        )
        .await;
        assert_eq!(
            status, 200,
            "acknowledged app {} was lost: {html}",
            app.name
        );
        assert_eq!(
            text_by_id(&html, "app-name").as_deref(),
            Some(app.name.as_str())
        );
        assert_eq!(
            text_by_id(&html, "client-id").as_deref(),
            Some(app.client_id.as_str())
        );
        assert_eq!(
            text_by_id(&html, "app-description").as_deref(),
            Some(app.description.as_str())
        );
    }

    // Review moves: the request's history starts with every acknowledged history; its
    // state is the last acknowledged one, or a later one whose history row is there.
    let mut now: BTreeMap<&str, Value> = BTreeMap::new();
    for id in &world.requests {
        now.insert(id, read_request(&world.dev, port, id).await);
    }
    for ack in &acks.moves {
        let view = &now[ack.request.as_str()];
        let history = history_of(view);
        assert!(
            history.len() >= ack.history.len() && history[..ack.history.len()] == ack.history[..],
            "request {}: an acknowledged move was lost: acknowledged {:?}, found {:?}",
            ack.request,
            ack.history,
            history
        );
        let state = view["state"].as_str().unwrap();
        let last_to = history.last().map(|h| h.2.as_str());
        assert_eq!(Some(state), last_to, "the state is its last history row's");
        if history.len() == ack.history.len() {
            assert_eq!(state, ack.state);
        }
    }
}

/// A RIF file of a round: its name and the range its claim ids were moved into.
struct ImportFile {
    name: String,
    lo: i64,
    hi: i64,
    claims: i64,
}

/// The Synthea sample's eight claims files, `IMPORT_COPIES` times, each copy's claim ids
/// (`CLM_ID`, `PDE_ID`) moved into a range no other file or the sandbox uses.
fn write_import(dir: &Path, serial: &mut i64) -> Vec<ImportFile> {
    std::fs::create_dir_all(dir).unwrap();
    let samples =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/reference/rif/synthea-sample");
    let mut files = Vec::new();
    for copy in 0..IMPORT_COPIES {
        for source in [
            "carrier.csv",
            "dme.csv",
            "hha.csv",
            "hospice.csv",
            "inpatient.csv",
            "outpatient.csv",
            "pde.csv",
            "snf.csv",
        ] {
            *serial += 1;
            let offset = *serial * ID_SPAN;
            let text = std::fs::read_to_string(samples.join(source)).unwrap();
            let mut lines = text.lines();
            let header = lines.next().unwrap();
            let column = header
                .split('|')
                .position(|c| c == "CLM_ID" || c == "PDE_ID")
                .unwrap();
            let mut out = format!("{header}\n");
            let mut ids = std::collections::BTreeSet::new();
            for line in lines.filter(|l| !l.is_empty()) {
                let mut cells: Vec<String> = line.split('|').map(str::to_owned).collect();
                let id: i64 = cells[column].parse().unwrap();
                assert!(id.abs() < ID_SPAN / 10, "{source}: claim id {id}");
                let moved = id - offset;
                ids.insert(moved);
                cells[column] = moved.to_string();
                out.push_str(&cells.join("|"));
                out.push('\n');
            }
            let name = format!("c{copy:03}-{source}");
            std::fs::write(dir.join(&name), out).unwrap();
            files.push(ImportFile {
                name,
                lo: -offset - ID_SPAN / 10,
                hi: -offset,
                claims: ids.len() as i64,
            });
        }
    }
    files
}

/// The files the importer reported done (its `imported` log lines).
fn imported_files(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|l| l["message"] == "imported")
        .filter_map(|l| {
            l["file"]
                .as_str()
                .or_else(|| l["fields"]["file"].as_str())
                .map(str::to_owned)
        })
        .collect()
}

/// Waits until the importer has committed its first file.
async fn wait_for_first_file(importer: &mut Child, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while imported_files(log).is_empty() {
        if let Some(status) = importer.try_wait().unwrap() {
            panic!(
                "the importer exited with {status}: {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        assert!(Instant::now() < deadline, "the importer did not start");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Every file of the round: all its claims or none; all when acknowledged. Returns how
/// many files are present and absent.
async fn verify_import(
    db: &Db,
    files: &[ImportFile],
    imported: &[String],
    backend: &str,
    round: usize,
) -> (usize, usize) {
    let (mut present, mut absent) = (0, 0);
    for file in files {
        let found = db.claims_between(file.lo, file.hi).await;
        let acknowledged = imported.contains(&file.name);
        assert!(
            found == 0 || found == file.claims,
            "{backend} round {round}: {} is partly imported: {found} of {} claims",
            file.name,
            file.claims
        );
        assert!(
            !acknowledged || found == file.claims,
            "{backend} round {round}: {} was reported imported but {found} of {} claims are there",
            file.name,
            file.claims
        );
        if found == 0 {
            absent += 1;
        } else {
            present += 1;
        }
    }
    (present, absent)
}

/// SplitMix64: the seeded kill moments.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
