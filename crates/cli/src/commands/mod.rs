//! One module per command; each takes the loaded configuration and its own arguments.

pub mod admin;
pub mod audit;
pub mod client;
pub mod generate;
pub mod import;
pub mod migrate;
pub mod policy;
pub mod progress;
pub mod serve;

use crate::error::CliError;
use serde::Serialize;

/// Prints a value as one line of JSON on stdout (what scripts read).
pub fn print_json(value: &impl Serialize) -> Result<(), CliError> {
    let text = serde_json::to_string(value)
        .map_err(|e| CliError::Failed(format!("cannot encode the output: {e}")))?;
    println!("{text}");
    Ok(())
}
