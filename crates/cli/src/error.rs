//! `CliError`: every failure of a command as one line that names the problem and the fix.
//! `main` prints it as `error: …` on stderr and exits 1 (2 for usage errors, as clap does).

use bb_domain::DomainError;
use bb_store::StoreError;
use std::fmt;

/// A command failure.
#[derive(Debug)]
pub enum CliError {
    /// Wrong use of the command line.
    Usage(String),
    /// Anything else, already phrased for the operator.
    Failed(String),
}

impl CliError {
    /// Exit status.
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Usage(_) => 2,
            Self::Failed(_) => 1,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Usage(m) | Self::Failed(m) => f.write_str(m),
        }
    }
}

impl From<StoreError> for CliError {
    fn from(err: StoreError) -> Self {
        Self::Failed(match err {
            StoreError::Url(e) => format!("--database-url: {e}"),
            StoreError::Internal(e) => {
                tracing::error!(error = %e, "store failure");
                "the store failed unexpectedly; see the log above for the cause".to_owned()
            }
            other => other.to_string(),
        })
    }
}

impl From<bb_sdk::Error> for CliError {
    fn from(err: bb_sdk::Error) -> Self {
        match err {
            bb_sdk::Error::Config(m) => Self::Usage(m),
            other => Self::Failed(other.to_string()),
        }
    }
}

impl From<DomainError> for CliError {
    fn from(err: DomainError) -> Self {
        Self::Failed(match err {
            DomainError::Invalid { field, reason } => format!("{field}: {reason}"),
            DomainError::NotFound {
                what: "owner account",
            } => {
                "owner account not found: create it first with `bluebutton admin create-developer`"
                    .to_owned()
            }
            DomainError::Conflict { what } => {
                format!("{what} already exists: choose another or use the existing one")
            }
            other => other.to_string(),
        })
    }
}
