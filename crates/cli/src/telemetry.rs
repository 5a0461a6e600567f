//! Logging: structured `tracing` events to stderr (stdout is reserved for the JSON that
//! commands print), human-readable on a terminal and one JSON object per line otherwise.
//!
//! What must never be logged — PHI, tokens, secrets, passwords — is kept out at the
//! source: handlers log route templates, not paths; secrets live in redacting types.

use crate::config::{LogConfig, LogFormat};
use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. `RUST_LOG`, when set, replaces the configured filter.
pub fn init(config: &LogConfig) -> Result<(), String> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(value) if !value.is_empty() => EnvFilter::try_new(&value)
            .map_err(|e| format!("RUST_LOG '{value}' is not a valid filter: {e}"))?,
        _ => EnvFilter::try_new(&config.filter)
            .map_err(|e| format!("log.filter '{}' is not a valid filter: {e}", config.filter))?,
    };
    let json = match config.format {
        LogFormat::Json => true,
        LogFormat::Human => false,
        LogFormat::Auto => !std::io::stderr().is_terminal(),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder.compact().try_init()
    };
    result.map_err(|e| format!("cannot install the logger: {e}"))
}
