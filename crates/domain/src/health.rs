//! Health checks: can the store be reached, and is its schema the one this build expects.

use crate::Deps;
use std::sync::Arc;
use std::time::Instant;

/// Outcome of one check.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CheckResult {
    /// Check name (`database`, `schema`).
    pub name: &'static str,
    /// Whether it passed.
    pub ok: bool,
    /// Short reason when it failed, safe to show (no connection strings, no secrets).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// How long it took, in milliseconds.
    pub elapsed_ms: u64,
}

/// Health operations.
#[derive(Clone)]
pub struct Health {
    deps: Arc<Deps>,
}

impl Health {
    pub(crate) fn new(deps: Arc<Deps>) -> Self {
        Self { deps }
    }

    /// Which backend the store runs on.
    pub fn backend(&self) -> &'static str {
        self.deps.store.backend_name()
    }

    /// Pings the database and compares its schema with this build's migrations.
    pub async fn database(&self) -> Vec<CheckResult> {
        let started = Instant::now();
        let ping = self.deps.store.ping().await;
        let mut checks = vec![CheckResult {
            name: "database",
            ok: ping.is_ok(),
            reason: ping.err().map(|e| {
                tracing::warn!(error = %e, "database health check failed");
                "the database does not answer".to_owned()
            }),
            elapsed_ms: elapsed_ms(started),
        }];
        if checks.iter().all(|c| c.ok) {
            let started = Instant::now();
            let (ok, reason) = match self.deps.store.schema_status().await {
                Ok(s) if s.pending.is_empty() && s.unknown.is_empty() => (true, None),
                Ok(s) if !s.unknown.is_empty() => (
                    false,
                    Some("the schema is newer than this build".to_owned()),
                ),
                Ok(s) => (
                    false,
                    Some(format!("{} migrations are pending", s.pending.len())),
                ),
                Err(e) => {
                    tracing::warn!(error = %e, "schema health check failed");
                    (false, Some("the schema cannot be read".to_owned()))
                }
            };
            checks.push(CheckResult {
                name: "schema",
                ok,
                reason,
                elapsed_ms: elapsed_ms(started),
            });
        }
        checks
    }
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}
