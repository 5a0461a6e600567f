//! Opening the store for a command: parse the URL (nothing touched yet), connect, refuse a
//! store from a newer build, apply pending migrations, and wrap it in domain services on
//! the real clock and the OS random source.

use crate::config::Config;
use crate::error::CliError;
use bb_domain::clock::{OsEntropy, SystemClock};
use bb_domain::{Deps, Services};
use bb_store::{DatabaseUrl, MigrationReport, Store, StoreOptions};
use std::sync::Arc;
use std::time::Duration;

/// The parsed database URL of the configuration.
pub fn database_url(config: &Config) -> Result<DatabaseUrl, CliError> {
    DatabaseUrl::parse(&config.database.url)
        .map_err(|e| CliError::Failed(format!("--database-url: {e}")))
}

/// Connects and migrates.
pub async fn store(
    config: &Config,
    url: &DatabaseUrl,
) -> Result<(Store, MigrationReport), CliError> {
    let options = StoreOptions {
        max_connections: config.database.max_connections,
        acquire_timeout: Duration::from_secs(config.database.acquire_timeout_secs),
        busy_timeout: Duration::from_millis(config.database.busy_timeout_ms),
        postgres_schema: config.database.postgres_schema.clone(),
    };
    let store = Store::connect(url, &options).await?;
    let report = store.migrate().await?;
    if !report.applied_now.is_empty() {
        tracing::info!(backend = report.backend, applied = ?report.applied_now, "migrations applied");
    }
    Ok((store, report))
}

/// Domain services over `store` with the real clock and randomness.
pub fn services(store: Store) -> Services {
    Services::new(Deps {
        store,
        clock: Arc::new(SystemClock),
        entropy: Arc::new(OsEntropy),
    })
}
