//! Claims data: loading it (RIF import, the synthetic sandbox) and reading it back.
//!
//! The canonical model is `bb-claims`; this module decides how its records become store
//! rows ([`rows`]), imports RIF files all-or-nothing per file ([`import`]) and builds the
//! generated sandbox ([`sandbox`]). Importer and generator write through the same rows and
//! the same store API, so the FHIR layer cannot tell them apart.

pub mod import;
pub mod rows;
pub mod sandbox;

use crate::accounts::operation_id;
use crate::{Deps, DomainError};
use bb_store::{ClaimsCounts, SandboxBuildRow};
pub use import::{FileSummary, ImportError, MAX_LISTED_ERRORS};
pub use sandbox::{DEFAULT_AS_OF, SandboxReport, SandboxSpec};
use std::io::BufRead;
use std::sync::Arc;

/// Claims data operations.
#[derive(Clone)]
pub struct Claims {
    deps: Arc<Deps>,
}

impl Claims {
    pub(crate) fn new(deps: Arc<Deps>) -> Self {
        Self { deps }
    }

    /// Imports one RIF file (named `name` in messages) in one transaction: either every
    /// record lands or, when any record is bad, none does and the error lists the first
    /// [`MAX_LISTED_ERRORS`] problems as `FILE:LINE: column NAME: reason`.
    pub async fn import_file<R>(&self, name: &str, input: R) -> Result<FileSummary, ImportError>
    where
        R: BufRead + Send + 'static,
    {
        import::import_file(&self.deps, name.to_owned(), input).await
    }

    /// Generates the synthetic sandbox into the store, replacing any claims data there.
    pub async fn build_sandbox(
        &self,
        spec: SandboxSpec,
        progress: Arc<dyn Fn(u32, u32) + Send + Sync>,
    ) -> Result<SandboxReport, DomainError> {
        sandbox::build(&self.deps, spec, progress).await
    }

    /// Generates the sandbox when the store needs one: it has no claims data at all, or a
    /// recorded build was interrupted. A store holding imported data (beneficiaries but no
    /// build record) or a complete build is left alone. `None` when nothing was done.
    pub async fn ensure_sandbox(
        &self,
        spec: SandboxSpec,
        progress: Arc<dyn Fn(u32, u32) + Send + Sync>,
    ) -> Result<Option<SandboxReport>, DomainError> {
        if spec.enrollees == 0 {
            return Ok(None);
        }
        match self.sandbox_build().await? {
            Some(build) if build.complete => return Ok(None),
            Some(_) => tracing::warn!("the last sandbox build was interrupted: building it again"),
            None if self.counts().await?.beneficiaries > 0 => return Ok(None),
            None => {}
        }
        self.build_sandbox(spec, progress).await.map(Some)
    }

    /// The sandbox build record, if any.
    pub async fn sandbox_build(&self) -> Result<Option<SandboxBuildRow>, DomainError> {
        let deps = &self.deps;
        deps.store
            .sandbox_build()
            .await
            .map_err(|e| DomainError::from_store(e, || operation_id(deps), &[]))
    }

    /// Row counts of the claims tables.
    pub async fn counts(&self) -> Result<ClaimsCounts, DomainError> {
        let deps = &self.deps;
        deps.store
            .claims_counts()
            .await
            .map_err(|e| DomainError::from_store(e, || operation_id(deps), &[]))
    }
}
