//! The audit trail of enrollees' data: consents, token issues and refreshes, revocations
//! and FHIR reads, each a row of `audit_events` (time, enrollee, app, action, PHI-free
//! detail). The enrollee's "who read my data" page reads it back.
//!
//! Records are queued in memory and written in batches by a background task (woken on
//! the first record, then writing whatever arrived within 100 ms), so a FHIR read or a
//! token exchange never waits on an audit write. [`Audit::flush`] writes what is queued
//! now; the server calls it on shutdown and before showing an enrollee their records, and a
//! failed batch is put back to be retried, so nothing acknowledged is dropped while the
//! process lives.

use crate::Deps;
use bb_store::AuditEventRow;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// The audit sink; cheap to clone.
#[derive(Clone)]
pub struct Audit {
    inner: Arc<Inner>,
}

struct Inner {
    deps: Arc<Deps>,
    queue: Mutex<Vec<AuditEventRow>>,
    wake: Arc<Notify>,
    // Serialises writers so a flush sees every earlier batch committed.
    writing: tokio::sync::Mutex<()>,
}

impl Audit {
    pub(crate) fn new(deps: Arc<Deps>) -> Self {
        let audit = Self {
            inner: Arc::new(Inner {
                deps,
                queue: Mutex::new(Vec::new()),
                wake: Arc::new(Notify::new()),
                writing: tokio::sync::Mutex::new(()),
            }),
        };
        // Without a runtime (plain unit tests) records wait for an explicit flush.
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            let weak = Arc::downgrade(&audit.inner);
            let wake = audit.inner.wake.clone();
            handle.spawn(async move {
                loop {
                    wake.notified().await;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    let Some(inner) = weak.upgrade() else { return };
                    Audit { inner }.flush().await;
                }
            });
        }
        audit
    }

    /// Queues a record.
    pub fn record(
        &self,
        bene_id: Option<i64>,
        application_id: Option<&str>,
        action: &str,
        detail: &str,
    ) {
        let row = AuditEventRow {
            at: self.inner.deps.clock.now().timestamp_millis(),
            bene_id,
            application_id: application_id.map(str::to_owned),
            action: action.to_owned(),
            detail: detail.to_owned(),
        };
        if let Ok(mut queue) = self.inner.queue.lock() {
            queue.push(row);
        }
        self.inner.wake.notify_one();
    }

    /// Writes every queued record now. A failed write is logged and its records are
    /// queued again.
    pub async fn flush(&self) {
        let _writing = self.inner.writing.lock().await;
        let batch = match self.inner.queue.lock() {
            Ok(mut queue) => std::mem::take(&mut *queue),
            Err(_) => return,
        };
        if batch.is_empty() {
            return;
        }
        for chunk in batch.chunks(500) {
            if let Err(e) = self.inner.deps.store.insert_audit_events(chunk).await {
                tracing::error!(error = %e, records = chunk.len(), "audit write failed; will retry");
                if let Ok(mut queue) = self.inner.queue.lock() {
                    queue.extend_from_slice(chunk);
                }
            }
        }
    }
}
