//! `bluebutton client` against a real server started by the test kit: the binary prints the
//! authorize URL and listens for the callback; the test plays the enrollee's browser (sandbox
//! login, consent, then following the redirect to the binary's callback) and reads the JSON
//! the binary prints.

use crate::support;
use bb_domain::apps::DataAccessType;
use bb_testkit::oauth::{location, sandbox_user};
use bb_testkit::{TestApp, spawn_app};
use serde_json::Value;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

struct Running {
    child: tokio::process::Child,
    authorize_url: String,
    stderr: BufReader<tokio::process::ChildStderr>,
}

/// A port nothing listens on right now (the binary binds it next).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A sandbox server with an app whose redirect URI is the binary's callback on `port`.
async fn server(port: u16) -> (TestApp, bb_testkit::oauth::Client) {
    let app = spawn_app().await.with_sandbox(2).await;
    let redirect = format!("http://127.0.0.1:{port}/callback");
    let client = app
        .register_client(
            "CLI Check",
            DataAccessType::ThirteenMonth,
            true,
            &[&redirect],
        )
        .await;
    (app, client)
}

/// Starts `bluebutton client` and reads stderr up to the authorize URL.
async fn start(
    app: &TestApp,
    client: &bb_testkit::oauth::Client,
    port: u16,
    extra: &[&str],
) -> Running {
    let dir = support::tempdir();
    let port = port.to_string();
    let mut args = vec![
        "client",
        "--base-url",
        app.base_url.as_str(),
        "--client-id",
        client.client_id.as_str(),
        "--port",
        port.as_str(),
        "--no-browser",
        "--timeout",
        "60",
    ];
    args.extend_from_slice(extra);
    let mut cmd = tokio::process::Command::from(support::command(dir.path(), &args));
    cmd.env("BLUEBUTTON_CLIENT_SECRET", &client.client_secret)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd.spawn().unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let authorize_url = loop {
        let mut line = String::new();
        let n = tokio::time::timeout(
            std::time::Duration::from_secs(30),
            stderr.read_line(&mut line),
        )
        .await
        .unwrap_or_else(|_| panic!("no authorize URL on stderr: {seen}"))
        .unwrap();
        assert!(n > 0, "stderr ended before the authorize URL: {seen}");
        seen.push_str(&line);
        if line.starts_with(&app.base_url) {
            break line.trim().to_owned();
        }
    };
    assert!(
        seen.contains(&format!("http://127.0.0.1:{port}/callback")),
        "{seen}"
    );
    assert!(
        !seen.contains(&client.client_secret),
        "the secret is never printed"
    );
    Running {
        child,
        authorize_url,
        stderr,
    }
}

/// The enrollee signs in as BBUser00001 and decides; the browser then follows the redirect
/// to the binary's callback, which answers a page.
async fn enrollee(app: &TestApp, authorize_url: &str, decision: &str) {
    let browser = app.browser();
    let (user, password) = sandbox_user(1);
    let back = app
        .authorize_through(&browser, authorize_url, &user, &password, decision)
        .await;
    let page = browser.get(&back).send().await.unwrap();
    assert_eq!(page.status(), 200, "the binary's callback page");
    assert!(location(&page).is_empty());
}

async fn finish(mut run: Running) -> (Option<i32>, String, String) {
    let mut out = String::new();
    run.child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .await
        .unwrap();
    let mut err = String::new();
    run.stderr.read_to_string(&mut err).await.unwrap();
    let status = tokio::time::timeout(std::time::Duration::from_secs(30), run.child.wait())
        .await
        .unwrap()
        .unwrap();
    (status.code(), out, err)
}

#[tokio::test]
async fn client_completes_the_sandbox_login_and_prints_patient_coverage_and_every_claim() {
    let port = free_port();
    let (app, client) = server(port).await;
    let run = start(&app, &client, port, &["--all-pages"]).await;
    assert!(run.authorize_url.contains("code_challenge_method=S256"));
    enrollee(
        &app,
        &run.authorize_url.clone(),
        "action=approve&share_demographic_scopes=on",
    )
    .await;
    let (code, out, err) = finish(run).await;
    assert_eq!(code, Some(0), "stderr: {err}");
    let json: Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
    let patient = json["patient"].as_str().unwrap();
    assert!(json["scope"].as_str().unwrap().contains("patient/Patient."));

    let patients = json["Patient"].as_array().unwrap();
    assert_eq!(patients[0]["resourceType"], "Bundle");
    assert_eq!(patients[0]["entry"][0]["resource"]["id"], patient);
    let coverage = json["Coverage"].as_array().unwrap();
    assert!(coverage[0]["total"].as_u64().unwrap() >= 1);
    assert_eq!(
        coverage[0]["entry"][0]["resource"]["resourceType"],
        "Coverage"
    );

    let pages = json["ExplanationOfBenefit"].as_array().unwrap();
    let total = pages[0]["total"].as_u64().unwrap();
    assert!(
        pages.len() > 1,
        "--all-pages followed the next links ({total} claims)"
    );
    let claims: usize = pages
        .iter()
        .map(|p| p["entry"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(claims as u64, total, "every claim on some page");
    assert!(!out.contains(&client.client_secret) && !err.contains(&client.client_secret));
}

#[tokio::test]
async fn client_reports_a_denial_clearly() {
    let port = free_port();
    let (app, client) = server(port).await;
    let run = start(&app, &client, port, &["--resource", "eob"]).await;
    enrollee(&app, &run.authorize_url.clone(), "action=deny").await;
    let (code, out, err) = finish(run).await;
    assert_eq!(code, Some(1), "{err}");
    assert!(out.trim().is_empty(), "nothing on stdout: {out}");
    assert!(
        err.contains("error: the enrollee denied access (error=access_denied)"),
        "{err}"
    );
}

#[tokio::test]
async fn client_refuses_a_callback_with_another_state() {
    let port = free_port();
    let (app, client) = server(port).await;
    let run = start(&app, &client, port, &[]).await;
    let forged =
        format!("http://127.0.0.1:{port}/callback?code=abc&state=not-the-one-sent-by-the-cli");
    assert_eq!(app.client.get(&forged).send().await.unwrap().status(), 200);
    let (code, _, err) = finish(run).await;
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("state does not match"), "{err}");
}
