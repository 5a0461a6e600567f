//! The policy check (issue 8) as a service: the same engine as `bluebutton policy check`
//! (`bb_policy::extract`, then `bb_policy::analyse` with the standard analysers) for the
//! portal's self-service page and for the documents of production-access requests. The
//! work is CPU-bound (tens of milliseconds for a 20-page policy; PDF extraction has its own
//! deadline), so it runs on the blocking pool, never on the async threads.

use crate::policy_fetch::{FetchError, PolicyFetcher};
use bb_policy::{ExtractError, ExtractedText, Limits, Standard};
pub use bb_policy::{ExtractError as PolicyExtractError, Report, Verdict};
use std::sync::Arc;

/// Why a file could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum PolicyCheckError {
    /// The text could not be extracted (the engine's message: "no text found (is it a
    /// scan?)", a damaged PDF, a limit).
    #[error("{0}")]
    Extract(#[from] ExtractError),
    /// The policy's web address could not be fetched (or was refused: see
    /// [`crate::policy_fetch`]).
    #[error("{0}")]
    Fetch(#[from] FetchError),
    /// The engine could not be built or the task did not finish.
    #[error("the policy check could not run: {0}")]
    Engine(String),
}

/// A checked file: what was extracted and its report.
#[derive(Clone, Debug)]
pub struct Checked {
    /// The extracted text (character offsets in the report point into it).
    pub text: ExtractedText,
    /// The report (the contract's JSON shape).
    pub report: Report,
}

/// The engine, built once (its patterns compiled) and shared.
#[derive(Clone)]
pub struct PolicyCheck {
    standard: Option<Arc<Standard>>,
    limits: Limits,
    fetcher: PolicyFetcher,
}

impl Default for PolicyCheck {
    fn default() -> Self {
        Self::new()
    }
}

impl PolicyCheck {
    /// Builds the engine. A failure to compile its patterns (a bug, caught by the engine's
    /// own tests) is logged and reported by every check rather than stopping the server.
    pub fn new() -> Self {
        let standard = match Standard::new() {
            Ok(s) => Some(Arc::new(s)),
            Err(e) => {
                tracing::error!(error = %e, "policy check engine unavailable");
                None
            }
        };
        Self {
            standard,
            limits: Limits::default(),
            fetcher: PolicyFetcher::new(),
        }
    }

    /// Uses `fetcher` for [`PolicyCheck::check_url`] (tests: one that reaches loopback).
    pub fn with_fetcher(mut self, fetcher: PolicyFetcher) -> Self {
        self.fetcher = fetcher;
        self
    }

    /// Fetches the policy at `address` (public https only, see [`crate::policy_fetch`]),
    /// then extracts and reports; the report names the file by the address's last segment.
    pub async fn check_url(&self, address: &str) -> Result<Checked, PolicyCheckError> {
        let fetched = self.fetcher.fetch(address).await?;
        self.check(&fetched.file_name, Arc::new(fetched.bytes))
            .await
    }

    /// Extracts the text of `bytes` (PDF, HTML or text, told by `file_name` and the bytes).
    pub async fn extract(
        &self,
        file_name: &str,
        bytes: Arc<Vec<u8>>,
    ) -> Result<ExtractedText, PolicyCheckError> {
        let limits = self.limits;
        let name = file_name.to_owned();
        tokio::task::spawn_blocking(move || bb_policy::extract(&name, &bytes, &limits))
            .await
            .map_err(|e| PolicyCheckError::Engine(e.to_string()))?
            .map_err(PolicyCheckError::from)
    }

    /// Reports on an extracted text.
    pub async fn analyse(
        &self,
        file_name: &str,
        text: ExtractedText,
    ) -> Result<Checked, PolicyCheckError> {
        let Some(standard) = self.standard.clone() else {
            return Err(PolicyCheckError::Engine(
                "the checklist patterns did not compile".into(),
            ));
        };
        let name = file_name.to_owned();
        tokio::task::spawn_blocking(move || {
            let report = bb_policy::analyse(&name, &text, standard.analysers());
            Checked { text, report }
        })
        .await
        .map_err(|e| PolicyCheckError::Engine(e.to_string()))
    }

    /// Extracts and reports.
    pub async fn check(
        &self,
        file_name: &str,
        bytes: Arc<Vec<u8>>,
    ) -> Result<Checked, PolicyCheckError> {
        let text = self.extract(file_name, bytes).await?;
        self.analyse(file_name, text).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_text_policy_gets_a_full_report() {
        let check = PolicyCheck::new();
        let text = "Privacy Policy\n\nWe collect your Medicare claims when you connect your account. \
                    We never sell your data. If you revoke access, we stop downloading claims.";
        let checked = check
            .check("p.txt", Arc::new(text.as_bytes().to_vec()))
            .await
            .unwrap();
        assert_eq!(checked.report.file, "p.txt");
        assert_eq!(checked.report.checklist.len(), 15);
        assert!(checked.report.words > 10);
    }

    #[tokio::test]
    async fn garbage_is_a_clear_error() {
        let check = PolicyCheck::new();
        let err = check
            .check("p.pdf", Arc::new(b"%PDF-1.4 nothing else".to_vec()))
            .await
            .unwrap_err();
        assert!(matches!(err, PolicyCheckError::Extract(_)), "{err}");
        assert!(!err.to_string().is_empty());
    }
}
