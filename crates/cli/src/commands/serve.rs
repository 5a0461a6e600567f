//! `bluebutton serve`: bind, open and migrate the store, generate the synthetic sandbox when
//! the store has no claims data (`sandbox.enrollees`, default 40,000; 0 = none), serve until
//! SIGTERM or Ctrl-C.
//!
//! Order matters for "nothing written on bad input": the address and the database URL are
//! checked and the port is bound *before* the store is opened, so a port in use or a typo
//! in the URL leaves no file and no schema behind.

use crate::config::Config;
use crate::error::CliError;
use crate::open;
use bb_web::{AppState, WebConfig};
use std::time::Duration;
use tokio::net::TcpListener;

/// Runs the server.
pub async fn run(config: &Config) -> Result<(), CliError> {
    let url = open::database_url(config)?;
    let mail_setup = open::mail_setup(config)?;
    let calendar = config.access.calendar().map_err(CliError::Failed)?;
    let rate_limits = config.rate_limit.settings().map_err(CliError::Failed)?;
    let listener = bind(&config.server.bind).await?;
    let local = listener
        .local_addr()
        .map_err(|e| CliError::Failed(format!("cannot read the bound address: {e}")))?;
    let (store, report) = open::store(config, &url).await?;
    let services = open::services(store.clone());
    let services = open::with_oauth(config, services).await?;
    let services = open::with_mail(config, services, mail_setup).with_rate_limits(rate_limits);
    replica_warnings(config, &report);
    services.access.set_calendar(calendar);
    services
        .access
        .ensure_terms()
        .await
        .map_err(|e| CliError::Failed(format!("cannot publish the terms of service: {e}")))?;
    ensure_sandbox(config, &services).await?;
    let audit = services.audit.clone();
    let usage = services.usage.clone();
    let mail = services.mail.clone();
    let oauth = services.oauth.clone();
    // Expired flows, codes, sessions and failed-login counts go away in the background.
    let purge = tokio::spawn(async move {
        let mut every = tokio::time::interval(bb_domain::oauth::service::PURGE_EVERY);
        loop {
            every.tick().await;
            match oauth.purge_expired().await {
                Ok(report) => tracing::debug!(
                    flows = report.flows,
                    codes = report.codes,
                    sessions = report.sessions,
                    login_failures = report.login_failures,
                    "purged expired authorization data"
                ),
                Err(e) => {
                    tracing::warn!(error = %e, "purging expired authorization data failed; will retry")
                }
            }
        }
    });
    let state = AppState {
        services,
        config: WebConfig {
            max_body_bytes: config.server.max_body_bytes,
            max_header_bytes: config.server.max_header_bytes,
            max_headers: config.server.max_headers,
            request_timeout: Duration::from_secs(config.server.request_timeout_secs),
        },
    };
    let app = bb_web::router(state);
    mail.start();
    tracing::info!(
        address = %format!("http://{local}"),
        backend = report.backend,
        schema = report.current,
        "listening"
    );

    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let mut server = tokio::spawn(bb_web::serve(listener, app, async move {
        let _ = stop_rx.await;
    }));
    let outcome = tokio::select! {
        finished = &mut server => finished,
        () = shutdown_signal() => {
            tracing::info!(grace_secs = config.server.shutdown_grace_secs, "shutting down: finishing requests in flight");
            let _ = stop_tx.send(());
            match tokio::time::timeout(Duration::from_secs(config.server.shutdown_grace_secs), &mut server).await {
                Ok(finished) => finished,
                Err(_) => {
                    tracing::warn!("grace period over: closing remaining connections");
                    server.abort();
                    Ok(Ok(()))
                }
            }
        }
    };
    purge.abort();
    // Audit records still queued in memory are written before the store closes.
    audit.flush().await;
    // So are the usage counts of the last seconds.
    usage.flush().await;
    store.close().await;
    match outcome {
        Ok(Ok(())) => {
            tracing::info!("stopped");
            Ok(())
        }
        Ok(Err(e)) => Err(CliError::Failed(format!(
            "the server stopped with an error: {e}"
        ))),
        Err(e) => Err(CliError::Failed(format!("the server task failed: {e}"))),
    }
}

/// On PostgreSQL several processes may serve one database (replicas). What each process
/// would otherwise make up for itself must then come from the configuration: say so.
fn replica_warnings(config: &Config, report: &bb_store::MigrationReport) {
    if report.backend != "postgres" {
        return;
    }
    if config.oauth.signing_key_files.is_empty() {
        tracing::warn!(
            "[oauth] signing_key_files is empty: this process signs ID tokens with its own ephemeral key; replicas must share key files (see docs/operators.md)"
        );
    }
    if config.testclient.enabled {
        tracing::warn!(
            "[testclient] is enabled: its secret and sessions live in this process only; with replicas disable it or route /testclient/ to one process (see docs/operators.md)"
        );
    }
}

/// Generates the sandbox first when the store has no claims data (see
/// `Claims::ensure_sandbox`), with a progress bar on stderr.
async fn ensure_sandbox(config: &Config, services: &bb_domain::Services) -> Result<(), CliError> {
    let spec = super::generate::spec(config, config.sandbox.enrollees, None, None)?;
    if spec.enrollees == 0 {
        return Ok(());
    }
    let progress = super::progress::Progress::new("enrollees", u64::from(spec.enrollees));
    let bar = progress.clone();
    let started = std::time::Instant::now();
    let outcome = services
        .claims
        .ensure_sandbox(
            spec,
            std::sync::Arc::new(move |done, total| bar.update(done.into(), total.into())),
        )
        .await?;
    progress.finish();
    if let Some(report) = outcome {
        tracing::info!(
            enrollees = report.enrollees,
            claims = report.claims,
            seed = spec.seed,
            elapsed_secs = started.elapsed().as_secs(),
            "sandbox generated"
        );
    }
    Ok(())
}

/// Binds the listener, with errors that say what to do.
async fn bind(address: &str) -> Result<TcpListener, CliError> {
    TcpListener::bind(address).await.map_err(|e| {
        CliError::Failed(match e.kind() {
            std::io::ErrorKind::AddrInUse => format!(
                "cannot listen on {address}: the address is in use; stop the other server or choose another with --bind HOST:PORT"
            ),
            std::io::ErrorKind::PermissionDenied => format!(
                "cannot listen on {address}: permission denied; use a port above 1023 with --bind HOST:PORT"
            ),
            std::io::ErrorKind::InvalidInput => format!(
                "cannot listen on '{address}': not a HOST:PORT address; use e.g. --bind 127.0.0.1:8000"
            ),
            _ => format!("cannot listen on '{address}': {e}; check --bind HOST:PORT"),
        })
    })
}

/// Completes on SIGTERM or Ctrl-C (SIGINT).
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
