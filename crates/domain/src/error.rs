//! `DomainError`: business meaning, no HTTP status and no SQL.
//!
//! Each surface (FHIR, OAuth, portal, CLI) maps these variants to its own shape; the web
//! crate's `errors.rs` holds that table. `Internal` carries an operation id: the detail is
//! logged under that id and only the id is shown.

use bb_store::StoreError;

/// An error from a domain operation.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// Input that does not parse into a domain value.
    #[error("{field}: {reason}")]
    Invalid {
        /// Which input.
        field: &'static str,
        /// Why, in words a user can act on.
        reason: String,
    },
    /// Something named does not exist.
    #[error("{what} not found")]
    NotFound {
        /// What was looked for.
        what: &'static str,
    },
    /// The thing to create exists already.
    #[error("{what} already exists")]
    Conflict {
        /// What collided.
        what: &'static str,
    },
    /// A dependency (the database) is unreachable; try again later.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A bug or an unexpected failure; details were logged under `operation_id`.
    #[error("internal error (operation {operation_id})")]
    Internal {
        /// Id to quote when reporting the problem.
        operation_id: String,
    },
}

impl DomainError {
    /// An input error.
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            reason: reason.into(),
        }
    }

    /// Logs an unexpected failure with a fresh operation id and returns the error that
    /// shows only the id.
    pub fn internal(operation_id: String, detail: &dyn std::error::Error) -> Self {
        tracing::error!(operation_id = %operation_id, error = %detail, "internal error");
        Self::Internal { operation_id }
    }

    /// Maps a store error, naming the thing a conflict is about. Unknown conflicts and
    /// driver failures become `Internal` (logged with an operation id).
    pub(crate) fn from_store(
        err: StoreError,
        operation_id: impl FnOnce() -> String,
        conflicts: &[(&str, &'static str)],
    ) -> Self {
        match err {
            StoreError::Conflict { constraint } => {
                match conflicts.iter().find(|(name, _)| *name == constraint) {
                    Some((_, what)) => Self::Conflict { what },
                    None => Self::internal(operation_id(), &StoreError::Conflict { constraint }),
                }
            }
            StoreError::NotFound => Self::NotFound { what: "record" },
            StoreError::Unavailable(reason) => Self::Unavailable(reason),
            other @ (StoreError::SchemaTooNew { .. }
            | StoreError::Filesystem { .. }
            | StoreError::Url(_)) => Self::Unavailable(other.to_string()),
            other => Self::internal(operation_id(), &other),
        }
    }
}
