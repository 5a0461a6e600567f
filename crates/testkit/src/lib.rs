//! Test harness: [`spawn_app`] starts the real router on `127.0.0.1:0` over a fresh
//! in-memory SQLite store, with a fake clock and seeded randomness, and hands back what a
//! test needs to drive it over HTTP (Z2P's `spawn_app`). Each test gets its own server and
//! database; nothing is shared between tests.

pub mod oauth;
pub mod portal;

use bb_domain::clock::{FakeClock, SeededEntropy};
use bb_domain::{Deps, Services};
use bb_store::{DatabaseUrl, Store, StoreOptions};
use bb_web::{AppState, WebConfig};
use chrono::{DateTime, Utc};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running test server.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub base_url: String,
    /// Bound address.
    pub addr: SocketAddr,
    /// A client with no redirects followed (tests look at redirects themselves).
    pub client: reqwest::Client,
    /// The services behind the server, for set-up and inspection.
    pub services: Services,
    /// The store behind the services.
    pub store: Store,
    /// The server's clock; advance it to test expiry.
    pub clock: Arc<FakeClock>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

/// The fake clock's starting time: 2026-12-04T12:00:00Z.
pub fn start_time() -> DateTime<Utc> {
    DateTime::from_timestamp(1_796_385_600, 0).unwrap_or_default()
}

/// Starts a server with default limits.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(WebConfig::default()).await
}

/// Starts a server with the given limits.
///
/// # Panics
/// When the store or the listener cannot be set up: the test cannot run then.
pub async fn spawn_app_with(config: WebConfig) -> TestApp {
    spawn_app_custom("127.0.0.1:0", config, |services| services).await
}

/// Starts a server on `bind` (e.g. a fixed port an external party redirects to), with
/// the services changed by `configure` (e.g. an upstream login provider).
///
/// # Panics
/// When the store or the listener cannot be set up: the test cannot run then.
#[allow(clippy::panic)]
pub async fn spawn_app_custom(
    bind: &str,
    config: WebConfig,
    configure: impl FnOnce(Services) -> Services,
) -> TestApp {
    let store = Store::connect(&DatabaseUrl::SqliteMemory, &StoreOptions::default())
        .await
        .unwrap_or_else(|e| panic!("test store: {e}"));
    store
        .migrate()
        .await
        .unwrap_or_else(|e| panic!("test migrations: {e}"));
    let clock = Arc::new(FakeClock::new(start_time()));
    let services = configure(Services::new(Deps {
        store: store.clone(),
        clock: clock.clone(),
        entropy: Arc::new(SeededEntropy::new(42)),
    }));
    let app = bb_web::router(AppState {
        services: services.clone(),
        config,
    });
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("local addr: {e}"));
    let (stop, stopped) = oneshot::channel();
    let task = tokio::spawn(bb_web::serve(listener, app, async move {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"));
    TestApp {
        base_url: format!("http://{addr}"),
        addr,
        client,
        services,
        store,
        clock,
        stop: Some(stop),
        task: Some(task),
    }
}

impl TestApp {
    /// Absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// `GET path`; panics only when the request cannot be sent at all.
    #[allow(clippy::panic)]
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// Stops the server after the requests in flight finish.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => task.await.unwrap_or(Ok(())),
            None => Ok(()),
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
