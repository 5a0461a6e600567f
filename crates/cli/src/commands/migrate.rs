//! `bluebutton migrate`: apply pending migrations; print `{"backend","applied_now","current"}`.

use crate::commands::print_json;
use crate::config::Config;
use crate::error::CliError;
use crate::open;

/// Runs the command.
pub async fn run(config: &Config) -> Result<(), CliError> {
    let url = open::database_url(config)?;
    let (store, report) = open::store(config, &url).await?;
    store.close().await;
    print_json(&report)
}
