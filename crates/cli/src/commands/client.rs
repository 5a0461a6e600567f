//! `bluebutton client`: test a deployment from a terminal as an app would, through the SDK.
//! Binds `127.0.0.1:PORT` for the callback (`http://127.0.0.1:PORT/callback`, which must be
//! a registered redirect URI of the app), prints the authorize URL on stderr and opens it
//! in a browser when one can be opened (`xdg-open`/`open`, never required; `--no-browser`
//! only prints it), waits for the callback (a timeout, `access_denied` and a state
//! mismatch are clear errors), exchanges the code, then prints the enrollee's Patient,
//! Coverage and ExplanationOfBenefit searches as one JSON object on stdout.

use crate::args::{ClientArgs, ClientResource};
use crate::commands::print_json;
use crate::error::CliError;
use axum::extract::{RawQuery, State};
use axum::response::Html;
use bb_sdk::{BlueButton, Callback, Config, Session};
use serde_json::{Map, Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

/// The page the browser shows once the callback arrived.
const DONE_PAGE: &str = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>bluebutton client</title></head><body><main><h1>Authorization received</h1><p>You can close this window and return to the terminal.</p></main></body></html>";

type Slot = Arc<Mutex<Option<oneshot::Sender<String>>>>;

/// Runs the command.
pub async fn run(args: ClientArgs) -> Result<(), CliError> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
        .await
        .map_err(|e| {
            CliError::Failed(format!(
                "--port {}: cannot listen on 127.0.0.1: {e}",
                args.port
            ))
        })?;
    let port = listener
        .local_addr()
        .map_err(|e| CliError::Failed(format!("cannot read the callback address: {e}")))?
        .port();
    let callback_url = format!("http://127.0.0.1:{port}/callback");
    let config = Config::new(&args.client_id, args.client_secret.as_str(), &callback_url)?
        .with_base_url(&args.base_url)
        .map_err(|e| CliError::Usage(format!("--base-url: {e}")))?;
    let sdk = BlueButton::new(config)?;
    let request = sdk.authorize()?;

    let (tx, rx) = oneshot::channel::<String>();
    let slot: Slot = Arc::new(Mutex::new(Some(tx)));
    let router = axum::Router::new()
        .route("/callback", axum::routing::get(callback))
        .with_state(slot);
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
    });

    eprintln!("Callback: {callback_url} (it must be a registered redirect URI of the app)");
    eprintln!("Open this URL in a browser to authorize:");
    eprintln!("{}", request.url);
    if !args.no_browser && !open_browser(request.url.as_str()) {
        eprintln!("(no browser could be opened: open the URL yourself)");
    }

    let waited = tokio::time::timeout(Duration::from_secs(args.timeout), rx).await;
    let _ = stop.send(());
    let _ = server.await;
    let query = match waited {
        Ok(Ok(query)) => query,
        Ok(Err(_)) => return Err(CliError::Failed("the callback listener stopped".into())),
        Err(_) => {
            return Err(CliError::Failed(format!(
                "no callback within {} s (raise --timeout, or check the redirect URI {callback_url} is registered)",
                args.timeout
            )));
        }
    };
    let token = sdk
        .exchange(&request, &Callback::from_query(&query))
        .await
        .map_err(|e| match e {
            bb_sdk::Error::AccessDenied => {
                CliError::Failed("the enrollee denied access (error=access_denied)".into())
            }
            bb_sdk::Error::StateMismatch => CliError::Failed(
                "the callback's state does not match the authorization's: not this authorization's answer".into(),
            ),
            other => CliError::from(other),
        })?;
    eprintln!(
        "Authorized: patient {}, scope {}",
        token.patient.as_deref().unwrap_or("?"),
        token.scope.join(" ")
    );

    let mut session = sdk.session(token);
    let mut out = Map::new();
    out.insert("patient".into(), json!(session.token().patient));
    out.insert("scope".into(), json!(session.token().scope.join(" ")));
    for resource in &args.resource {
        let (key, path) = match resource {
            ClientResource::Patient => ("Patient", "Patient"),
            ClientResource::Coverage => ("Coverage", "Coverage"),
            ClientResource::Eob => ("ExplanationOfBenefit", "ExplanationOfBenefit"),
        };
        out.insert(key.into(), fetch(&mut session, path, args.all_pages).await?);
    }
    print_json(&Value::Object(out))
}

/// The first page (a Bundle), or with `all` every page (an array of Bundles).
async fn fetch(session: &mut Session, resource: &str, all: bool) -> Result<Value, CliError> {
    let first = session.search::<Value>(resource, &[]).await?;
    let value = if all {
        let pages = session.all_pages(first).await?;
        serde_json::to_value(pages)
    } else {
        serde_json::to_value(first)
    };
    value.map_err(|e| CliError::Failed(format!("cannot encode {resource}: {e}")))
}

async fn callback(State(slot): State<Slot>, RawQuery(query): RawQuery) -> Html<&'static str> {
    let sender = slot.lock().map(|mut s| s.take()).unwrap_or(None);
    if let Some(sender) = sender {
        let _ = sender.send(query.unwrap_or_default());
    }
    Html(DONE_PAGE)
}

/// Opens `url` with the desktop's opener when there is one; false when none ran.
fn open_browser(url: &str) -> bool {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .is_ok()
}
