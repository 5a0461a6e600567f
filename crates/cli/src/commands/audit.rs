//! `bluebutton audit verify`: walks the audit trail's hash chain (see `docs/security.md`)
//! and prints `{"records","head","ok"}`, or fails with one `error: …` line naming the first
//! changed, inserted or deleted record. It only reads: a store with pending migrations (or
//! from a newer build) is refused rather than migrated.

use crate::commands::print_json;
use crate::config::Config;
use crate::error::CliError;
use crate::open;
use bb_store::{Store, StoreOptions};
use std::time::Duration;

/// Runs `audit verify`.
pub async fn verify(config: &Config) -> Result<(), CliError> {
    let url = open::database_url(config)?;
    let options = StoreOptions {
        max_connections: config.database.max_connections,
        acquire_timeout: Duration::from_secs(config.database.acquire_timeout_secs),
        busy_timeout: Duration::from_millis(config.database.busy_timeout_ms),
        postgres_schema: config.database.postgres_schema.clone(),
    };
    let store = Store::connect(&url, &options).await?;
    let outcome = check(&store).await;
    store.close().await;
    print_json(&outcome?)
}

async fn check(store: &Store) -> Result<bb_domain::audit::ChainSummary, CliError> {
    let status = store.schema_status().await?;
    if let Some(unknown) = status.unknown.first() {
        return Err(CliError::Failed(format!(
            "the store was migrated by a newer bluebutton (migration {unknown}): verify with that build"
        )));
    }
    if !status.pending.is_empty() {
        return Err(CliError::Failed(
            "the store has pending migrations: run `bluebutton migrate` first".into(),
        ));
    }
    bb_domain::audit::verify_chain(store)
        .await?
        .map_err(|problem| CliError::Failed(problem.to_string()))
}
