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
//!
//! The store chains every record by SHA-256 to the one before it (issue 10, item 7; see
//! `bb_store`'s `audit.rs` and `docs/security.md`). [`verify_chain`] walks the chain in
//! `seq` order a page at a time and names the first changed, inserted or deleted record;
//! [`ChainVerifier`] is its pure core.

use crate::Deps;
use bb_store::{
    AUDIT_GENESIS, AuditEventRow, AuditHeadRow, AuditLinkRow, Store, StoreError, audit_record_hash,
};
use std::fmt;
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

/// What a sound chain adds up to: `bluebutton audit verify`'s summary.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ChainSummary {
    /// Records chained.
    pub records: i64,
    /// The last record's hash in hex (the genesis value when empty): record it elsewhere
    /// to detect a re-chained trail later.
    pub head: String,
    /// Always `true` (the JSON's explicit verdict).
    pub ok: bool,
}

/// The first problem found in the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainProblem {
    /// A record has no seq or hash (written outside the chain).
    Unchained {
        /// Its row id.
        id: i64,
    },
    /// The record's fields or hash were changed: its hash is not what its fields give.
    Changed {
        /// Its seq.
        seq: i64,
    },
    /// The record's `prev_hash` is not its predecessor's hash: a record inserted (or the
    /// one before it changed and re-hashed).
    Inserted {
        /// Its seq.
        seq: i64,
    },
    /// Two records carry the same seq: one was inserted.
    Duplicated {
        /// The seq.
        seq: i64,
    },
    /// Records are missing before this seq: deleted.
    Deleted {
        /// The first missing seq.
        first: i64,
        /// The seq found in its place.
        found: i64,
    },
    /// The head counts more records than there are: the tail was deleted.
    Truncated {
        /// What the head counts.
        head: i64,
        /// The last record present (0 when none).
        last: i64,
    },
    /// Records after the head's last: inserted at the end without moving the head.
    BeyondHead {
        /// What the head counts.
        head: i64,
        /// The first record after it.
        seq: i64,
    },
    /// The head's hash is not the last record's hash.
    HeadMismatch {
        /// The last record.
        seq: i64,
    },
}

impl fmt::Display for ChainProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unchained { id } => write!(
                f,
                "audit record id {id} is not chained (no seq or hash): inserted outside the chain"
            ),
            Self::Changed { seq } => write!(
                f,
                "audit record seq {seq} was changed: its hash does not match its fields"
            ),
            Self::Inserted { seq } => write!(
                f,
                "audit record seq {seq} was inserted (or the one before it changed): its prev_hash is not the hash of seq {}",
                seq - 1
            ),
            Self::Duplicated { seq } => write!(
                f,
                "audit record seq {seq} appears twice: a record was inserted"
            ),
            Self::Deleted { first, found } => {
                if found - 1 == *first {
                    write!(
                        f,
                        "audit record seq {first} was deleted: seq {found} follows seq {}",
                        first - 1
                    )
                } else {
                    write!(
                        f,
                        "audit records seq {first} to {} were deleted: seq {found} follows seq {}",
                        found - 1,
                        first - 1
                    )
                }
            }
            Self::Truncated { head, last } => write!(
                f,
                "audit records after seq {last} were deleted: the head counts {head} records, the last present is seq {last} (seq {} missing)",
                last + 1
            ),
            Self::BeyondHead { head, seq } => write!(
                f,
                "audit record seq {seq} was inserted after the head (which counts {head} records)"
            ),
            Self::HeadMismatch { seq } => write!(
                f,
                "the audit head's hash is not the hash of the last record, seq {seq}: the head or the tail was changed"
            ),
        }
    }
}

/// The pure walk: fed records in `(seq, id)` order, then the head.
#[derive(Clone, Debug)]
pub struct ChainVerifier {
    next: i64,
    prev: [u8; 32],
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self {
            next: 1,
            prev: AUDIT_GENESIS,
        }
    }
}

impl ChainVerifier {
    /// Checks the next record.
    pub fn feed(&mut self, link: &AuditLinkRow) -> Result<(), ChainProblem> {
        let (Some(prev), Some(hash)) = (&link.prev_hash, &link.hash) else {
            return Err(ChainProblem::Unchained { id: link.id });
        };
        if link.seq < self.next {
            return Err(ChainProblem::Duplicated { seq: link.seq });
        }
        if link.seq > self.next {
            return Err(ChainProblem::Deleted {
                first: self.next,
                found: link.seq,
            });
        }
        if prev.as_slice() != self.prev.as_slice() {
            return Err(ChainProblem::Inserted { seq: link.seq });
        }
        let computed = audit_record_hash(prev, link.seq, &link.record());
        if hash.as_slice() != computed.as_slice() {
            return Err(ChainProblem::Changed { seq: link.seq });
        }
        self.prev = computed;
        self.next += 1;
        Ok(())
    }

    /// Checks the end against the head.
    pub fn finish(self, head: &AuditHeadRow) -> Result<ChainSummary, ChainProblem> {
        let last = self.next - 1;
        if last < head.seq {
            return Err(ChainProblem::Truncated {
                head: head.seq,
                last,
            });
        }
        if last > head.seq {
            return Err(ChainProblem::BeyondHead {
                head: head.seq,
                seq: head.seq + 1,
            });
        }
        if head.hash.as_slice() != self.prev.as_slice() {
            return Err(ChainProblem::HeadMismatch { seq: last });
        }
        Ok(ChainSummary {
            records: last,
            head: hex::encode(self.prev),
            ok: true,
        })
    }
}

/// Walks the whole chain (a page of 1,000 records at a time) and the head: the summary,
/// or the first problem. Safe beside a live server: the head is read once the walk has run
/// out of records and the walk then goes on to the records the head counts (the head moves
/// in the transaction that appends, so every record it counts is readable by then); a
/// record seen beyond that head was not appended through the chain.
///
/// The store's errors come back as they are: the caller is an operator's command, not a
/// request with an operation id.
pub async fn verify_chain(store: &Store) -> Result<Result<ChainSummary, ChainProblem>, StoreError> {
    if let Some(id) = store.first_unchained_audit_event().await? {
        return Ok(Err(ChainProblem::Unchained { id }));
    }
    let mut verifier = ChainVerifier::default();
    let mut after = None;
    loop {
        let mut page = store.audit_chain_page(after, 1000).await?;
        if page.is_empty() {
            let head = store.audit_head().await?;
            page = store.audit_chain_page(after, 1000).await?;
            if page.is_empty() {
                return Ok(verifier.finish(&head));
            }
        }
        for link in &page {
            if let Err(problem) = verifier.feed(link) {
                return Ok(Err(problem));
            }
            after = Some((link.seq, link.id));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditLinkRow> {
        let mut prev = AUDIT_GENESIS;
        (1..=n)
            .map(|seq| {
                let row = AuditEventRow {
                    at: seq,
                    bene_id: Some(-seq),
                    application_id: Some("app".into()),
                    action: "read".into(),
                    detail: "Patient".into(),
                };
                let hash = audit_record_hash(&prev, seq, &row);
                let link = AuditLinkRow {
                    id: seq,
                    seq,
                    at: row.at,
                    bene_id: row.bene_id,
                    application_id: row.application_id,
                    action: row.action,
                    detail: row.detail,
                    prev_hash: Some(prev.to_vec()),
                    hash: Some(hash.to_vec()),
                };
                prev = hash;
                link
            })
            .collect()
    }

    fn head_of(links: &[AuditLinkRow]) -> AuditHeadRow {
        AuditHeadRow {
            seq: links.len() as i64,
            hash: links
                .last()
                .and_then(|l| l.hash.clone())
                .unwrap_or_else(|| AUDIT_GENESIS.to_vec()),
        }
    }

    fn verify(links: &[AuditLinkRow], head: &AuditHeadRow) -> Result<ChainSummary, ChainProblem> {
        let mut v = ChainVerifier::default();
        for l in links {
            v.feed(l)?;
        }
        v.finish(head)
    }

    #[test]
    fn a_sound_chain_sums_up_and_an_empty_one_too() {
        let links = chain(4);
        let summary = verify(&links, &head_of(&links)).unwrap();
        assert_eq!(summary.records, 4);
        assert_eq!(summary.head, hex::encode(links[3].hash.clone().unwrap()));
        let empty = verify(&[], &head_of(&[])).unwrap();
        assert_eq!((empty.records, empty.head), (0, "0".repeat(64)));
    }

    #[test]
    fn each_kind_of_tampering_is_named_with_its_seq() {
        let links = chain(5);
        let head = head_of(&links);

        let mut changed = links.clone();
        changed[2].detail = "Coverage".into();
        assert_eq!(
            verify(&changed, &head),
            Err(ChainProblem::Changed { seq: 3 })
        );

        // Changed and re-hashed: the next record's link breaks.
        let mut rehashed = links.clone();
        rehashed[2].detail = "Coverage".into();
        let prev = rehashed[2].prev_hash.clone().unwrap();
        rehashed[2].hash = Some(audit_record_hash(&prev, 3, &rehashed[2].record()).to_vec());
        assert_eq!(
            verify(&rehashed, &head),
            Err(ChainProblem::Inserted { seq: 4 })
        );

        let mut deleted = links.clone();
        deleted.remove(1);
        assert_eq!(
            verify(&deleted, &head),
            Err(ChainProblem::Deleted { first: 2, found: 3 })
        );
        assert!(
            ChainProblem::Deleted { first: 2, found: 3 }
                .to_string()
                .contains("seq 2 was deleted")
        );

        let mut duplicated = links.clone();
        duplicated.insert(2, links[1].clone());
        assert_eq!(
            verify(&duplicated, &head),
            Err(ChainProblem::Duplicated { seq: 2 })
        );

        let truncated = &links[..4];
        assert_eq!(
            verify(truncated, &head),
            Err(ChainProblem::Truncated { head: 5, last: 4 })
        );

        let extra = chain(6);
        assert_eq!(
            verify(&extra, &head),
            Err(ChainProblem::BeyondHead { head: 5, seq: 6 })
        );

        let mut bad_head = head.clone();
        bad_head.hash = AUDIT_GENESIS.to_vec();
        assert_eq!(
            verify(&links, &bad_head),
            Err(ChainProblem::HeadMismatch { seq: 5 })
        );

        let mut unchained = links.clone();
        unchained[0].hash = None;
        assert_eq!(
            verify(&unchained, &head),
            Err(ChainProblem::Unchained { id: 1 })
        );
    }
}
