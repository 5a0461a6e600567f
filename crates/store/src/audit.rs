//! The audit trail's hash chain (issue 10, item 7): every `audit_events` row carries a
//! gap-free `seq`, the hash of the record before it (`prev_hash`, 32 zero bytes for the
//! first) and its own `hash` = SHA-256(`prev_hash` ‖ [`canonical`] encoding of the record
//! with its `seq`). `audit_head` (one row) holds the last `seq` and `hash`.
//!
//! Appending takes the head with `UPDATE audit_head … RETURNING` as the transaction's
//! first touch of the chain: on PostgreSQL that row lock orders appenders across
//! processes; on SQLite it takes (or runs under) the one write lock. So concurrent batches,
//! token writes on the direct SQLite writer and review decisions in their move's
//! transaction all land one after the other with a continuous chain. Triggers make the
//! table append-only (see the migration `20261205000013_audit_chain.sql`).
//!
//! Reading the chain back for `bluebutton audit verify` is by pages in `(seq, id)` order
//! ([`Store::audit_chain_page`]), so a duplicated `seq` is seen and memory stays bounded.

use crate::{AuditEventRow, Store, StoreError, on_pool};
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first record.
pub const AUDIT_GENESIS: [u8; 32] = [0; 32];

/// Rows per multi-row `INSERT` (8 bound values each).
pub(crate) const AUDIT_ROWS_PER_INSERT: usize = 100;

/// The canonical bytes of a record: `seq` and `at` as 8-byte big-endian, `bene_id` and
/// `application_id` as a presence byte (0 or 1) then the value, every text as its 8-byte
/// big-endian length then its UTF-8 bytes. Unambiguous: no two records share an encoding.
pub fn canonical(seq: i64, row: &AuditEventRow) -> Vec<u8> {
    fn text(out: &mut Vec<u8>, s: &str) {
        out.extend_from_slice(&(s.len() as u64).to_be_bytes());
        out.extend_from_slice(s.as_bytes());
    }
    let mut out = Vec::with_capacity(48 + row.action.len() + row.detail.len());
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(&row.at.to_be_bytes());
    match row.bene_id {
        Some(b) => {
            out.push(1);
            out.extend_from_slice(&b.to_be_bytes());
        }
        None => out.push(0),
    }
    match &row.application_id {
        Some(a) => {
            out.push(1);
            text(&mut out, a);
        }
        None => out.push(0),
    }
    text(&mut out, &row.action);
    text(&mut out, &row.detail);
    out
}

/// A record's hash: SHA-256(`prev_hash` ‖ [`canonical`]`(seq, row)`).
pub fn audit_record_hash(prev_hash: &[u8], seq: i64, row: &AuditEventRow) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev_hash);
    h.update(canonical(seq, row));
    h.finalize().into()
}

/// Links `rows` after the head `(seq, hash)`: each row with its seq, prev hash and hash;
/// the new head is the last link's.
pub(crate) fn link(
    mut seq: i64,
    mut prev: [u8; 32],
    rows: &[AuditEventRow],
) -> Vec<(i64, [u8; 32], [u8; 32])> {
    rows.iter()
        .map(|row| {
            seq += 1;
            let hash = audit_record_hash(&prev, seq, row);
            let out = (seq, prev, hash);
            prev = hash;
            out
        })
        .collect()
}

/// A stored hash as 32 bytes (the table's CHECK keeps it so; anything else reads as zeros
/// and fails verification rather than the append).
pub(crate) fn hash32(bytes: &[u8]) -> [u8; 32] {
    let mut out = [0; 32];
    if bytes.len() == 32 {
        out.copy_from_slice(bytes);
    }
    out
}

/// The audit record of a production-access move (`access.transition`) or a policy
/// change's move (`access.policy_change.transition`), written in the move's own
/// transaction. Ids, states and roles only: no PHI.
#[allow(clippy::too_many_arguments)]
pub(crate) fn transition_record(
    action: &str,
    subject: &str,
    from: &str,
    to: &str,
    transition: &str,
    actor: &str,
    role: &str,
    at: i64,
) -> AuditEventRow {
    AuditEventRow {
        at,
        bene_id: None,
        application_id: None,
        action: action.to_owned(),
        detail: format!(
            "{subject} from={from} to={to} transition={transition} by={actor} role={role}"
        ),
    }
}

/// Appends audit rows to the chain inside the sqlx transaction `$tx` (either backend):
/// takes the head under its lock, inserts the linked rows, moves the head.
macro_rules! append_audit_tx {
    ($tx:expr, $rows:expr) => {{
        let rows: &[$crate::AuditEventRow] = $rows;
        if !rows.is_empty() {
            let (seq, head): (i64, Vec<u8>) =
                sqlx::query_as("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash")
                    .fetch_one(&mut *$tx)
                    .await?;
            let links = $crate::audit::link(seq, $crate::audit::hash32(&head), rows);
            for (chunk, links) in rows
                .chunks($crate::audit::AUDIT_ROWS_PER_INSERT)
                .zip(links.chunks($crate::audit::AUDIT_ROWS_PER_INSERT))
            {
                sqlx::QueryBuilder::new(
                    "INSERT INTO audit_events (at, bene_id, application_id, action, detail, seq, prev_hash, hash) ",
                )
                .push_values(chunk.iter().zip(links), |mut b, (row, (seq, prev, hash))| {
                    b.push_bind(row.at)
                        .push_bind(row.bene_id)
                        .push_bind(row.application_id.clone())
                        .push_bind(row.action.clone())
                        .push_bind(row.detail.clone())
                        .push_bind(*seq)
                        .push_bind(prev.to_vec())
                        .push_bind(hash.to_vec());
                })
                .build()
                .execute(&mut *$tx)
                .await?;
            }
            if let Some((last, _, hash)) = links.last() {
                sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
                    .bind(*last)
                    .bind(hash.to_vec())
                    .execute(&mut *$tx)
                    .await?;
            }
        }
    }};
}
pub(crate) use append_audit_tx;

/// The same append on a plain `rusqlite` connection inside the caller's transaction (the
/// direct SQLite writer).
pub(crate) fn append_rusqlite(
    conn: &rusqlite::Connection,
    rows: &[AuditEventRow],
) -> rusqlite::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let (seq, head): (i64, Vec<u8>) = conn
        .prepare_cached("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let links = link(seq, hash32(&head), rows);
    let mut insert = conn.prepare_cached(
        "INSERT INTO audit_events (at, bene_id, application_id, action, detail, seq, prev_hash, hash) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for (row, (seq, prev, hash)) in rows.iter().zip(&links) {
        insert.execute(rusqlite::params![
            row.at,
            row.bene_id,
            row.application_id,
            row.action,
            row.detail,
            seq,
            prev.as_slice(),
            hash.as_slice()
        ])?;
    }
    if let Some((last, _, hash)) = links.last() {
        conn.prepare_cached("UPDATE audit_head SET seq = ?1, hash = ?2 WHERE id = 1")?
            .execute(rusqlite::params![last, hash.as_slice()])?;
    }
    Ok(())
}

/// The chain's head as `audit_head` records it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditHeadRow {
    /// Number of records chained (the last `seq`; 0 when empty).
    pub seq: i64,
    /// The last record's hash (the genesis value when empty).
    pub hash: Vec<u8>,
}

/// One stored record with its chain columns, as `audit verify` reads it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditLinkRow {
    /// Row id (the table's key; not part of the hash).
    pub id: i64,
    /// Sequence number.
    pub seq: i64,
    /// Time.
    pub at: i64,
    /// Enrollee concerned.
    pub bene_id: Option<i64>,
    /// Application concerned.
    pub application_id: Option<String>,
    /// Action.
    pub action: String,
    /// Detail.
    pub detail: String,
    /// The hash of the record before, as stored.
    pub prev_hash: Option<Vec<u8>>,
    /// This record's hash, as stored.
    pub hash: Option<Vec<u8>>,
}

impl AuditLinkRow {
    /// The record's fields as written.
    pub fn record(&self) -> AuditEventRow {
        AuditEventRow {
            at: self.at,
            bene_id: self.bene_id,
            application_id: self.application_id.clone(),
            action: self.action.clone(),
            detail: self.detail.clone(),
        }
    }
}

/// A record written before the chain: id, at, bene_id, application_id, action, detail.
type UnchainedRow = (i64, i64, Option<i64>, Option<String>, String, String);

impl Store {
    /// The chain's head.
    pub async fn audit_head(&self) -> Result<AuditHeadRow, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_one(pool)
                .await?)
        })
    }

    /// Up to `limit` records with a `seq`, in `(seq, id)` order after `after` (a `(seq, id)`
    /// of the previous page's last row).
    pub async fn audit_chain_page(
        &self,
        after: Option<(i64, i64)>,
        limit: i64,
    ) -> Result<Vec<AuditLinkRow>, StoreError> {
        let (seq, id) = after.unwrap_or((i64::MIN, i64::MIN));
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT id, seq, at, bene_id, application_id, action, detail, prev_hash, hash \
                 FROM audit_events WHERE seq IS NOT NULL AND (seq > $1 OR (seq = $1 AND id > $2)) \
                 ORDER BY seq, id LIMIT $3",
            )
            .bind(seq)
            .bind(id)
            .bind(limit)
            .fetch_all(pool)
            .await?)
        })
    }

    /// The id of the first record without a `seq`, `prev_hash` or `hash`, if any.
    pub async fn first_unchained_audit_event(&self) -> Result<Option<i64>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_scalar(
                "SELECT MIN(id) FROM audit_events WHERE seq IS NULL OR prev_hash IS NULL OR hash IS NULL",
            )
            .fetch_one(pool)
            .await?)
        })
    }

    /// Chains the records written before the chain existed (hash `NULL`), in id order,
    /// under the head's lock; run by [`Store::migrate`]. Returns how many were chained.
    pub(crate) async fn chain_unchained_audit_events(&self) -> Result<u64, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let (mut seq, head): (i64, Vec<u8>) =
                sqlx::query_as("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash")
                    .fetch_one(&mut *tx)
                    .await?;
            let mut prev = hash32(&head);
            let mut chained = 0_u64;
            loop {
                let page: Vec<UnchainedRow> = sqlx::query_as(
                    "SELECT id, at, bene_id, application_id, action, detail FROM audit_events \
                     WHERE hash IS NULL ORDER BY id LIMIT 500",
                )
                .fetch_all(&mut *tx)
                .await?;
                if page.is_empty() {
                    break;
                }
                for (id, at, bene_id, application_id, action, detail) in page {
                    seq += 1;
                    let row = AuditEventRow { at, bene_id, application_id, action, detail };
                    let hash = audit_record_hash(&prev, seq, &row);
                    sqlx::query("UPDATE audit_events SET seq = $1, prev_hash = $2, hash = $3 WHERE id = $4")
                        .bind(seq)
                        .bind(prev.to_vec())
                        .bind(hash.to_vec())
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    prev = hash;
                    chained += 1;
                }
            }
            if chained > 0 {
                sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
                    .bind(seq)
                    .bind(prev.to_vec())
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(chained)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(detail: &str) -> AuditEventRow {
        AuditEventRow {
            at: 1,
            bene_id: Some(-1),
            application_id: Some("app".into()),
            action: "read".into(),
            detail: detail.into(),
        }
    }

    #[test]
    fn encoding_is_unambiguous_and_every_field_counts() {
        let a = row("Patient");
        let mut b = a.clone();
        b.action = "readP".into();
        b.detail = "atient".into();
        assert_ne!(canonical(1, &a), canonical(1, &b));
        assert_ne!(canonical(1, &a), canonical(2, &a));
        let mut c = a.clone();
        c.bene_id = None;
        assert_ne!(canonical(1, &a), canonical(1, &c));
        let mut d = a.clone();
        d.application_id = Some(String::new());
        let mut e = a.clone();
        e.application_id = None;
        assert_ne!(canonical(1, &d), canonical(1, &e));
    }

    #[test]
    fn links_chain_from_the_head() {
        let rows = [row("a"), row("b")];
        let links = link(0, AUDIT_GENESIS, &rows);
        assert_eq!(links[0].0, 1);
        assert_eq!(links[0].1, AUDIT_GENESIS);
        assert_eq!(links[1].1, links[0].2);
        assert_eq!(links[1].2, audit_record_hash(&links[0].2, 2, &rows[1]));
    }
}
