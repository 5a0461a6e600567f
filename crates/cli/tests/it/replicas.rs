//! Two replicas (issue 10, item 8): two real `bluebutton serve` processes on one
//! PostgreSQL database behave as one server. One authorization runs across both (each
//! step on the other process); a token revoked through one is refused by the other on the
//! very next request, both ways; an enrollee's connected-apps session and revocation, and
//! a developer's portal session and sign-out, hold across them; the rate limit of one
//! token is counted across both (within the documented slack of one sync interval); every
//! e-mail is delivered exactly once though both outbox senders race for the messages
//! (through a small SMTP receiver here that is slow on purpose); and the audit chain both
//! appended to verifies. Ignored in a plain `cargo test`; `scripts/test` runs it with a
//! fresh database in `BLUEBUTTON_TEST_POSTGRES_URL` (its own schema there).

use crate::support::*;
use bb_testkit::oauth::{Pkce, encode, form_action, hidden, location, query_param, sandbox_user};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const REDIRECT: &str = "http://localhost:3001/callback";
/// Requests per access token in the test's (hour-long) window.
const TOKEN_LIMIT: usize = 20;
const SYNC_MS: u64 = 50;
const MESSAGES: usize = 8;

/// One server process; stopped (SIGTERM, by its id) when dropped.
struct Replica {
    child: Option<Child>,
    base: String,
    log: PathBuf,
}

impl Replica {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Lines of its log that carry `needle`.
    fn log_lines(&self, needle: &str) -> usize {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains(needle))
            .count()
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.stop();
    }
}

struct Env {
    url: String,
    schema: String,
    smtp_port: u16,
}

impl Env {
    fn command(&self, dir: &Path, args: &[&str]) -> std::process::Command {
        let mut cmd = command(dir, args);
        cmd.env("BLUEBUTTON_DATABASE_URL", &self.url)
            .env("BLUEBUTTON__DATABASE__POSTGRES_SCHEMA", &self.schema)
            .env("BLUEBUTTON__SANDBOX__ENROLLEES", "20")
            .env("BLUEBUTTON__MAIL__SMTP_HOST", "127.0.0.1")
            .env("BLUEBUTTON__MAIL__SMTP_PORT", self.smtp_port.to_string())
            .env("BLUEBUTTON__MAIL__SECURITY", "none")
            .env("BLUEBUTTON__MAIL__RETRY_BASE_SECS", "1")
            .env("BLUEBUTTON__RATE_LIMIT__TOKEN", TOKEN_LIMIT.to_string())
            .env("BLUEBUTTON__RATE_LIMIT__WINDOW_SECS", "3600")
            .env(
                "BLUEBUTTON__RATE_LIMIT__SYNC_INTERVAL_MS",
                SYNC_MS.to_string(),
            )
            .env("BLUEBUTTON__TESTCLIENT__ENABLED", "false");
        cmd
    }

    fn run(&self, dir: &Path, args: &[&str], stdin: &str) -> std::process::Output {
        use std::io::Write;
        let mut child = self
            .command(dir, args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {args:?}: {e}"));
        if let Some(mut input) = child.stdin.take() {
            let _ = input.write_all(stdin.as_bytes());
        }
        child.wait_with_output().unwrap()
    }

    async fn serve(&self, dir: &Path, name: &str) -> Replica {
        let port = free_port();
        let log = dir.join(format!("{name}.log"));
        let child = self
            .command(dir, &["serve", "--bind", &format!("127.0.0.1:{port}")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let replica = Replica {
            child: Some(child),
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            if let Ok(r) = reqwest::get(replica.url("/health")).await
                && r.status() == 200
            {
                return replica;
            }
            assert!(
                Instant::now() < deadline,
                "{name} did not start: {}",
                std::fs::read_to_string(&replica.log).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// A tiny SMTP receiver that takes 300 ms to accept each message (so two senders racing
/// for the outbox overlap): every message's `To:` recipients, in order of arrival.
async fn smtp_receiver() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let sink = received.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let sink = sink.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 test ESMTP\r\n").await;
                let mut recipients: Vec<String> = Vec::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250 localhost\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        recipients.push(
                            line[8..]
                                .trim()
                                .trim_matches(['<', '>'])
                                .to_ascii_lowercase(),
                        );
                        b"250 ok\r\n"
                    } else if upper.starts_with("DATA") {
                        let _ = write.write_all(b"354 go on\r\n").await;
                        while let Ok(Some(data)) = lines.next_line().await {
                            if data == "." {
                                break;
                            }
                        }
                        tokio::time::sleep(Duration::from_millis(300)).await;
                        sink.lock().unwrap().append(&mut recipients);
                        b"250 queued\r\n"
                    } else if upper.starts_with("QUIT") {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        break;
                    } else if upper.starts_with("MAIL FROM:") || upper.starts_with("RSET") {
                        recipients.clear();
                        b"250 ok\r\n"
                    } else {
                        b"250 ok\r\n"
                    };
                    if write.write_all(reply).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    (port, received)
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

struct Client {
    id: String,
    secret: String,
}

/// One authorization, each step on the other replica than the one before (as a
/// round-robin balancer would send them): authorize on `a`, the login page on `b`, the
/// login on `a`, consent on `b`, the decision on `a`; the code exchanged on `b`.
async fn tokens_across(a: &Replica, b: &Replica, client: &Client, user: u32) -> Value {
    let browser = browser();
    let pkce = Pkce::new();
    let r = browser
        .get(a.url(&format!(
            "/v2/o/authorize/?client_id={}&redirect_uri={}&state=state-0123456789abcdef&response_type=code&code_challenge_method=S256&code_challenge={}",
            client.id,
            encode(REDIRECT),
            pkce.challenge
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302, "authorize on A");
    let page = browser.get(b.url(&location(&r))).send().await.unwrap();
    assert_eq!(page.status(), 200, "the login page of A's flow on B");
    let html = page.text().await.unwrap();
    let (username, password) = sandbox_user(user);
    let r = browser
        .post(a.url("/mymedicare/login"))
        .form(&[
            ("username", username.as_str()),
            ("password", password.as_str()),
            ("flow", &hidden(&html, "flow")),
            ("csrf_token", &hidden(&html, "csrf_token")),
        ])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection(), "login on A: {}", r.status());
    let page = browser.get(b.url(&location(&r))).send().await.unwrap();
    assert_eq!(page.status(), 200, "consent page on B");
    let html = page.text().await.unwrap();
    let body = format!(
        "csrf_token={}&action=approve&share_demographic_scopes=on",
        encode(&hidden(&html, "csrf_token"))
    );
    let r = browser
        .post(a.url(&form_action(&html)))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302, "consent decision on A");
    let code = query_param(&location(&r), "code").expect("a code");
    let r = reqwest::Client::new()
        .post(b.url("/v2/o/token/"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", pkce.verifier.as_str()),
            ("client_id", client.id.as_str()),
            ("client_secret", client.secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "code exchange on B");
    r.json().await.unwrap()
}

async fn fhir(replica: &Replica, token: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(replica.url("/v2/fhir/Coverage/"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn revoke(replica: &Replica, client: &Client, token: &str) {
    let r = reqwest::Client::new()
        .post(replica.url("/v2/o/revoke_token/"))
        .form(&[
            ("token", token),
            ("client_id", client.id.as_str()),
            ("client_secret", client.secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: scripts/test runs it with BLUEBUTTON_TEST_POSTGRES_URL"]
async fn two_replicas_on_one_postgres_behave_as_one() {
    let url = std::env::var("BLUEBUTTON_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| panic!("BLUEBUTTON_TEST_POSTGRES_URL is not set: run ./scripts/test"));
    let dir = tempdir();
    let (smtp_port, received) = smtp_receiver().await;
    let env = Env {
        url,
        schema: format!("replicas_{}_{}", std::process::id(), free_port()),
        smtp_port,
    };
    // A developer and an app, made by the admin commands before either server starts.
    let out = env.run(
        dir.path(),
        &[
            "admin",
            "create-developer",
            "--email",
            "replica@example.org",
            "--organization",
            "Replica Org",
            "--password-stdin",
        ],
        "violet tea kettle 42\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = env.run(
        dir.path(),
        &[
            "admin",
            "create-app",
            "--owner",
            "replica@example.org",
            "--name",
            "Replica App",
            "--redirect-uri",
            REDIRECT,
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let creds: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    let client = Client {
        id: creds["client_id"].as_str().unwrap().to_owned(),
        secret: creds["client_secret"].as_str().unwrap().to_owned(),
    };
    // A generates the sandbox; B starts on the same database and finds it there.
    let mut a = env.serve(dir.path(), "a").await;
    let mut b = env.serve(dir.path(), "b").await;

    // --- a token revoked through one replica is refused by the other at once ------------
    let first = tokens_across(&a, &b, &client, 0).await;
    let token = first["access_token"].as_str().unwrap();
    assert_eq!(fhir(&a, token).await.status(), 200);
    revoke(&b, &client, token).await;
    assert_eq!(
        fhir(&a, token).await.status(),
        401,
        "revoked on B, refused by A"
    );
    let second = tokens_across(&b, &a, &client, 1).await;
    let token = second["access_token"].as_str().unwrap();
    assert_eq!(fhir(&b, token).await.status(), 200);
    revoke(&a, &client, token).await;
    assert_eq!(
        fhir(&b, token).await.status(),
        401,
        "revoked on A, refused by B"
    );

    // --- an enrollee's connected-apps session and revocation ------------------------------
    let third = tokens_across(&a, &b, &client, 2).await;
    let token = third["access_token"].as_str().unwrap();
    let enrollee = browser();
    let page = enrollee
        .get(a.url("/mymedicare/login"))
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    let (username, password) = sandbox_user(2);
    let r = enrollee
        .post(a.url("/mymedicare/login"))
        .form(&[
            ("username", username.as_str()),
            ("password", password.as_str()),
            ("csrf_token", &hidden(&html, "csrf_token")),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "enrollee signs in on A");
    let page = enrollee
        .get(b.url("/mymedicare/connected-apps"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200, "A's enrollee session works on B");
    let html = page.text().await.unwrap();
    assert!(html.contains("Replica App"), "{html}");
    let r = enrollee
        .post(b.url("/mymedicare/connected-apps/revoke"))
        .form(&[
            ("grant_id", hidden(&html, "grant_id").as_str()),
            ("csrf_token", hidden(&html, "csrf_token").as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        fhir(&a, token).await.status(),
        401,
        "the app disconnected on B loses its token on A"
    );
    let html = r.text().await.unwrap();
    let r = enrollee
        .post(b.url("/mymedicare/logout"))
        .form(&[("csrf_token", hidden(&html, "csrf_token").as_str())])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection(), "enrollee signs out on B");
    let r = enrollee
        .get(a.url("/mymedicare/connected-apps"))
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_redirection(),
        "signed out on B is signed out on A: {}",
        r.status()
    );

    // --- a developer's portal session ----------------------------------------------------
    let developer = browser();
    let page = developer
        .get(a.url("/v2/accounts/login"))
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    let r = developer
        .post(a.url("/v2/accounts/login"))
        .form(&[
            ("email", "replica@example.org"),
            ("password", "violet tea kettle 42"),
            ("csrf_token", hidden(&html, "csrf_token").as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "developer signs in on A");
    let page = developer
        .get(b.url("/v2/accounts/settings"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200, "A's portal session works on B");
    let html = page.text().await.unwrap();
    let r = developer
        .post(b.url("/v2/accounts/logout"))
        .form(&[("csrf_token", hidden(&html, "csrf_token").as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "developer signs out on B");
    let r = developer
        .get(a.url("/v2/accounts/settings"))
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_redirection(),
        "signed out on B is signed out on A: {}",
        r.status()
    );

    // --- one token's rate limit counted across both ----------------------------------------
    let fourth = tokens_across(&b, &a, &client, 3).await;
    let token = fourth["access_token"].as_str().unwrap();
    let probe = fhir(&a, token).await;
    assert_eq!(probe.status(), 200);
    let reset: u64 = probe
        .headers()
        .get("x-ratelimit-reset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap();
    let mut used = 1;
    if reset < 60 {
        // Too close to the end of the hour's window: start in the next one.
        tokio::time::sleep(Duration::from_secs(reset + 1)).await;
        used = 0;
    }
    // Alternating A and B, each request after both have synced the one before: a
    // process-local limiter would allow 2 × TOKEN_LIMIT; shared, the sum stops at the
    // limit, plus at most the other replica's admissions of one sync interval (here 1).
    let mut allowed = used;
    let mut statuses = Vec::new();
    for i in 0..(TOKEN_LIMIT + 10) {
        let replica = if i % 2 == 0 { &b } else { &a };
        let r = fhir(replica, token).await;
        statuses.push(r.status().as_u16());
        if r.status() == 200 {
            allowed += 1;
        } else {
            assert_eq!(r.status(), 429);
            assert!(r.headers().get("retry-after").is_some());
        }
        tokio::time::sleep(Duration::from_millis(3 * SYNC_MS)).await;
    }
    assert!(
        (TOKEN_LIMIT..=TOKEN_LIMIT + 1).contains(&allowed),
        "{allowed} allowed across both replicas: {statuses:?}"
    );
    assert_eq!(&statuses[statuses.len() - 4..], &[429, 429, 429, 429]);

    // --- every e-mail exactly once, with both senders racing ----------------------------
    let mut expected = Vec::new();
    for i in 0..MESSAGES {
        let replica = if i % 2 == 0 { &a } else { &b };
        let email = format!("signup{i}@example.org");
        let organization = format!("Replica Testers {i}");
        let browser = browser();
        let page = browser
            .get(replica.url("/v2/accounts/create"))
            .send()
            .await
            .unwrap();
        let html = page.text().await.unwrap();
        let r = browser
            .post(replica.url("/v2/accounts/create"))
            .form(&[
                ("name", "Replica Tester"),
                ("email", email.as_str()),
                ("organization", organization.as_str()),
                ("password", "violet tea kettle 42"),
                ("csrf_token", hidden(&html, "csrf_token").as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "sign-up {i}");
        expected.push(email);
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while received.lock().unwrap().len() < MESSAGES && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Time for a duplicate to show up, were a message claimed twice.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut counts: HashMap<String, usize> = HashMap::new();
    for to in received.lock().unwrap().iter() {
        *counts.entry(to.clone()).or_default() += 1;
    }
    for email in &expected {
        assert_eq!(counts.get(email), Some(&1), "{email}: {counts:?}");
    }
    let (sent_a, sent_b) = (a.log_lines("e-mail sent"), b.log_lines("e-mail sent"));
    assert_eq!(sent_a + sent_b, MESSAGES, "{sent_a} + {sent_b}");
    assert!(
        sent_a > 0 && sent_b > 0,
        "both senders delivered: {sent_a} + {sent_b}"
    );

    // --- the audit chain both appended to verifies -----------------------------------------
    a.stop();
    b.stop();
    let out = env.run(dir.path(), &["audit", "verify"], "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(report["ok"], true);
    assert!(report["records"].as_u64().unwrap() > 20, "{report}");
}
