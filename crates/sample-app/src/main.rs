//! `bb-sample-app`: a small web app on the client SDK that connects to Medicare through
//! bluebutton and shows an enrollee's claims the way the production-access demo asks: a
//! plain privacy notice before connecting, then a readable table of claims, totals per year
//! and a bar chart (server-rendered SVG, no JavaScript), and a Disconnect button that revokes
//! the authorization and forgets the data.
//!
//! One command against a local sandbox server (`bluebutton serve` on `localhost:8000`):
//!
//! ```text
//! BLUEBUTTON_CLIENT_ID=… BLUEBUTTON_CLIENT_SECRET=… cargo run -p bb-sample-app
//! ```
//!
//! Configuration is the SDK's (`bb_sdk::Config::from_env`: `BLUEBUTTON_BASE_URL`,
//! `BLUEBUTTON_CLIENT_ID`, …, or a file named by `BLUEBUTTON_SDK_CONFIG`); the callback
//! defaults to `http://127.0.0.1:3001/callback` and the app listens on that URL's port on
//! 127.0.0.1 (`BB_SAMPLE_BIND` overrides the address).

mod view;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use bb_sdk::fhir::{Coverage, ExplanationOfBenefit, Patient};
use bb_sdk::{AuthorizationRequest, BlueButton, Callback, Config, Session};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Mutex;

/// The cookie naming a visitor's connection (its value is the authorization's random
/// state, so the app needs no randomness of its own).
const COOKIE: &str = "bb_sample";
/// The callback when none is configured.
const DEFAULT_CALLBACK: &str = "http://127.0.0.1:3001/callback";

/// A visitor: connecting (waiting for the callback) or connected.
enum Visit {
    Pending(AuthorizationRequest),
    Connected(Box<Session>),
}

#[derive(Clone)]
struct App {
    sdk: BlueButton,
    visits: Arc<Mutex<HashMap<String, Visit>>>,
}

fn main() {
    if let Err(message) = run() {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let mut vars: Vec<(String, String)> = std::env::vars().collect();
    if !vars.iter().any(|(k, _)| k == "BLUEBUTTON_CALLBACK_URL") {
        vars.push(("BLUEBUTTON_CALLBACK_URL".into(), DEFAULT_CALLBACK.into()));
    }
    let bind_override = vars
        .iter()
        .find(|(k, _)| k == "BB_SAMPLE_BIND")
        .map(|(_, v)| v.clone());
    let config = Config::from_vars(vars).map_err(|e| e.to_string())?;
    let bind = match bind_override {
        Some(bind) => bind,
        None => format!(
            "127.0.0.1:{}",
            config.callback_url.port_or_known_default().unwrap_or(3001)
        ),
    };
    let sdk = BlueButton::new(config).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("async runtime: {e}"))?;
    runtime.block_on(serve(sdk, &bind))
}

async fn serve(sdk: BlueButton, bind: &str) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|e| format!("cannot listen on {bind}: {e}"))?;
    eprintln!(
        "bb-sample-app on http://{bind}/ (API {}, callback {})",
        sdk.base_url(),
        sdk.config().callback_url
    );
    let app = App {
        sdk,
        visits: Arc::new(Mutex::new(HashMap::new())),
    };
    let router = Router::new()
        .route("/", get(home))
        .route("/connect", get(connect))
        .route("/callback", get(callback))
        .route("/claims", get(claims))
        .route("/disconnect", post(disconnect))
        .with_state(app);
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| format!("server: {e}"))
}

/// Every page: HTML, not cached, a strict CSP (no scripts at all).
fn page(status: StatusCode, html: String) -> Response {
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

fn visitor(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_owned())
}

fn cookie(value: &str, max_age: u32) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("bb_sample=; Path=/; Max-Age=0"))
}

async fn home(State(app): State<App>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    if let Some(id) = visitor(&headers)
        && matches!(app.visits.lock().await.get(&id), Some(Visit::Connected(_)))
    {
        return Redirect::to("/claims").into_response();
    }
    let notice = match q.as_deref() {
        Some("disconnected") => Some(
            "Disconnected. This app can no longer see your Medicare data, and it has forgotten what it showed you.",
        ),
        Some("denied") => Some("You chose not to share your Medicare data. Nothing was shared."),
        _ => None,
    };
    page(StatusCode::OK, view::home(notice))
}

async fn connect(State(app): State<App>) -> Response {
    let request = match app.sdk.authorize() {
        Ok(request) => request,
        Err(e) => return error_page(&format!("Cannot start connecting: {e}")),
    };
    let id = request.state.clone();
    let target = request.url.to_string();
    app.visits
        .lock()
        .await
        .insert(id.clone(), Visit::Pending(request));
    let mut response = Redirect::to(&target).into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, cookie(&id, 3600));
    response
}

async fn callback(State(app): State<App>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let Some(id) = visitor(&headers) else {
        return error_page("This browser did not start connecting here. Please start again.");
    };
    let removed = app.visits.lock().await.remove(&id);
    let pending = match removed {
        Some(Visit::Pending(request)) => request,
        Some(other) => {
            app.visits.lock().await.insert(id, other);
            return Redirect::to("/claims").into_response();
        }
        None => return error_page("This connection attempt expired. Please start again."),
    };
    let callback = Callback::from_query(q.as_deref().unwrap_or_default());
    match app.sdk.exchange(&pending, &callback).await {
        Ok(token) => {
            let session = app.sdk.session(token);
            app.visits
                .lock()
                .await
                .insert(id, Visit::Connected(Box::new(session)));
            Redirect::to("/claims").into_response()
        }
        Err(bb_sdk::Error::AccessDenied) => Redirect::to("/?denied").into_response(),
        Err(e) => error_page(&format!("Connecting failed: {e}")),
    }
}

/// What the claims page shows.
pub struct Data {
    /// The enrollee (absent when demographics were not shared).
    pub patient: Option<Patient>,
    /// Coverages.
    pub coverage: Vec<Coverage>,
    /// Every claim.
    pub claims: Vec<ExplanationOfBenefit>,
}

async fn claims(State(app): State<App>, headers: HeaderMap) -> Response {
    let Some(id) = visitor(&headers) else {
        return Redirect::to("/").into_response();
    };
    let mut visits = app.visits.lock().await;
    let Some(Visit::Connected(session)) = visits.get_mut(&id) else {
        return Redirect::to("/").into_response();
    };
    let patient = match session.patient().await {
        Ok(bundle) => bundle.into_resources().next(),
        Err(bb_sdk::Error::Api { status: 403, .. }) => None,
        Err(e) => return error_page(&format!("Reading your data failed: {e}")),
    };
    let coverage = match session.search_all::<Coverage>("Coverage", &[]).await {
        Ok(c) => c,
        Err(e) => return error_page(&format!("Reading your coverage failed: {e}")),
    };
    let claims = match session
        .search_all::<ExplanationOfBenefit>("ExplanationOfBenefit", &[])
        .await
    {
        Ok(c) => c,
        Err(e) => return error_page(&format!("Reading your claims failed: {e}")),
    };
    drop(visits);
    page(
        StatusCode::OK,
        view::claims(&Data {
            patient,
            coverage,
            claims,
        }),
    )
}

async fn disconnect(State(app): State<App>, headers: HeaderMap) -> Response {
    let removed = match visitor(&headers) {
        Some(id) => app.visits.lock().await.remove(&id),
        None => None,
    };
    if let Some(Visit::Connected(session)) = removed
        && let Err(e) = session.revoke().await
    {
        return error_page(&format!(
            "Disconnecting failed: {e}. You can also remove this app on Medicare's connected apps page."
        ));
    }
    let mut response = Redirect::to("/?disconnected").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, cookie("", 0));
    response
}

fn error_page(message: &str) -> Response {
    page(StatusCode::BAD_GATEWAY, view::error(message))
}
