//! `import rif`: one RIF file into the store, all or nothing.
//!
//! A blocking thread reads and parses the file (bb-rif streams it, so memory does not grow
//! with its size) and hands batches of store operations to the async side, which applies
//! them inside one transaction. Parsing continues after a bad record so the operator sees
//! the first 20 problems at once; when there is any, the transaction is rolled back and
//! nothing of the file stays visible.
//!
//! DML_IND: `INSERT` and `UPDATE` both write the record, replacing one with the same key
//! (type + claim id; beneficiary id + reference year; or the history record's content), so
//! re-running an import is harmless — BFD's loader in its idempotent mode does the same.
//! `DELETE` removes the record; deleting what is not there is not an error.

use super::rows::{beneficiary_row, claim_row, claim_type_number, history_row, reference_year};
use crate::accounts::operation_id;
use crate::{Deps, DomainError};
use bb_rif::{Dml, ExtraFields, Item, RifError, RifReader};
use bb_store::{BeneficiaryHistoryRow, BeneficiaryRow, ClaimRow, ClaimsTx};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::io::BufRead;
use std::sync::Arc;

/// How many problems an import lists before it stops looking.
pub const MAX_LISTED_ERRORS: usize = 20;

/// What one file contributed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FileSummary {
    /// File name as given.
    pub file: String,
    /// Record type recognised from the header row (`carrier`, `beneficiary`, …).
    pub record_type: String,
    /// Data rows read (a claim with five lines is five rows).
    pub rows: u64,
    /// Records written (claims, beneficiary years, history records).
    pub records: u64,
    /// Records deleted (`DML_IND` = `DELETE`).
    pub deleted: u64,
    /// Records per claim type (claims files) or per kind.
    pub by_type: BTreeMap<String, u64>,
}

/// Why a file was not imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file's header matches no RIF layout (e.g. a summary CSV beside the RIF files).
    #[error("{0}")]
    NotRif(RifError),
    /// Bad records: the first [`MAX_LISTED_ERRORS`] of them, and how many there were.
    #[error("{}", list(.errors, *.total))]
    Invalid {
        /// The first problems, each `FILE:LINE: column NAME: reason`.
        errors: Vec<RifError>,
        /// How many records were bad in all.
        total: u64,
    },
    /// The file could not be read or the store refused.
    #[error(transparent)]
    Domain(#[from] DomainError),
}

fn list(errors: &[RifError], total: u64) -> String {
    let mut text = errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    let shown = errors.len() as u64;
    if total > shown {
        text.push_str(&format!("\n… and {} more bad record(s)", total - shown));
    }
    text
}

enum Op {
    Claim(ClaimRow),
    DeleteClaim(i16, i64),
    Beneficiary(BeneficiaryRow),
    DeleteBeneficiary(i64, i32),
    History(BeneficiaryHistoryRow),
    DeleteHistory(i64, i64),
}

enum Message {
    Ops(Vec<Op>),
    Done {
        summary: FileSummary,
        errors: Vec<RifError>,
        total_errors: u64,
    },
    NotRif(RifError),
}

/// Operations handed over per message: large enough to fill multi-row statements.
const OPS_PER_MESSAGE: usize = 2_000;

/// Imports one RIF file in one transaction. `now` stamps every record's `lastUpdated`.
pub(crate) async fn import_file<R>(
    deps: &Arc<Deps>,
    name: String,
    input: R,
) -> Result<FileSummary, ImportError>
where
    R: BufRead + Send + 'static,
{
    let now = deps.clock.now();
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Message>(4);
    let parser = tokio::task::spawn_blocking(move || parse(&name, input, now, &sender));

    let store_error = |e| DomainError::from_store(e, || operation_id(deps), &[]);
    let mut tx = deps.store.begin_claims_load().await.map_err(store_error)?;
    let mut writing = true;
    let mut outcome = None;
    while let Some(message) = receiver.recv().await {
        match message {
            Message::Ops(ops) if writing => {
                if let Err(e) = apply(&mut tx, ops).await {
                    // Keep draining so the parser finishes, then report the store error.
                    writing = false;
                    outcome = Some(Err(ImportError::Domain(store_error(e))));
                }
            }
            Message::Ops(_) => {}
            Message::Done {
                summary,
                errors,
                total_errors,
            } => {
                if outcome.is_none() {
                    outcome = Some(if errors.is_empty() {
                        Ok(summary)
                    } else {
                        Err(ImportError::Invalid {
                            errors,
                            total: total_errors,
                        })
                    });
                }
            }
            Message::NotRif(e) => outcome = Some(Err(ImportError::NotRif(e))),
        }
    }
    parser
        .await
        .map_err(|e| ImportError::Domain(DomainError::internal(operation_id(deps), &e)))?;
    match outcome {
        Some(Ok(summary)) => {
            tx.commit().await.map_err(store_error)?;
            Ok(summary)
        }
        Some(Err(e)) => {
            tx.rollback().await.map_err(store_error)?;
            Err(e)
        }
        None => {
            tx.rollback().await.map_err(store_error)?;
            Err(ImportError::Domain(DomainError::invalid(
                "file",
                "reading stopped unexpectedly",
            )))
        }
    }
}

/// Applies operations in order, grouping runs of the same kind into multi-row statements.
/// A run is cut when a key repeats, so that one statement never touches a row twice.
async fn apply(tx: &mut ClaimsTx, ops: Vec<Op>) -> Result<(), bb_store::StoreError> {
    let mut claims: Vec<ClaimRow> = Vec::new();
    let mut claim_keys: HashSet<(i16, i64)> = HashSet::new();
    let mut benes: Vec<BeneficiaryRow> = Vec::new();
    let mut bene_keys: HashSet<(i64, i32)> = HashSet::new();
    let mut history: Vec<BeneficiaryHistoryRow> = Vec::new();
    let mut history_keys: HashSet<(i64, i64)> = HashSet::new();

    macro_rules! flush {
        (claims) => {
            if !claims.is_empty() {
                tx.upsert_claims(&claims).await?;
                claims.clear();
                claim_keys.clear();
            }
        };
        (benes) => {
            if !benes.is_empty() {
                tx.upsert_beneficiaries(&benes).await?;
                benes.clear();
                bene_keys.clear();
            }
        };
        (history) => {
            if !history.is_empty() {
                tx.upsert_history(&history).await?;
                history.clear();
                history_keys.clear();
            }
        };
    }

    for op in ops {
        match op {
            Op::Claim(row) => {
                flush!(benes);
                flush!(history);
                if !claim_keys.insert((row.claim_type, row.claim_id)) {
                    flush!(claims);
                    claim_keys.insert((row.claim_type, row.claim_id));
                }
                claims.push(row);
            }
            Op::Beneficiary(row) => {
                flush!(claims);
                flush!(history);
                if !bene_keys.insert((row.bene_id, row.rfrnc_yr)) {
                    flush!(benes);
                    bene_keys.insert((row.bene_id, row.rfrnc_yr));
                }
                benes.push(row);
            }
            Op::History(row) => {
                flush!(claims);
                flush!(benes);
                if !history_keys.insert((row.bene_id, row.digest)) {
                    flush!(history);
                    history_keys.insert((row.bene_id, row.digest));
                }
                history.push(row);
            }
            Op::DeleteClaim(ty, id) => {
                flush!(claims);
                flush!(benes);
                flush!(history);
                tx.delete_claim(ty, id).await?;
            }
            Op::DeleteBeneficiary(bene, year) => {
                flush!(claims);
                flush!(benes);
                flush!(history);
                tx.delete_beneficiary(bene, year).await?;
            }
            Op::DeleteHistory(bene, digest) => {
                flush!(claims);
                flush!(benes);
                flush!(history);
                tx.delete_history(bene, digest).await?;
            }
        }
    }
    flush!(claims);
    flush!(benes);
    flush!(history);
    Ok(())
}

/// The blocking half: reads the file and sends operations until the end.
fn parse<R: BufRead>(
    name: &str,
    input: R,
    now: DateTime<Utc>,
    sender: &tokio::sync::mpsc::Sender<Message>,
) {
    // Extra trailing fields are ignored as BFD does: its own `sample-u-bcarrier.txt` has one.
    let reader = match RifReader::new(name, input).map(|r| r.extra_fields(ExtraFields::Ignore)) {
        Ok(reader) => reader,
        Err(e) if e.is_not_rif() => {
            let _ = sender.blocking_send(Message::NotRif(e));
            return;
        }
        Err(e) => {
            let _ = sender.blocking_send(Message::Done {
                summary: FileSummary::default(),
                errors: vec![e],
                total_errors: 1,
            });
            return;
        }
    };
    let mut summary = FileSummary {
        file: name.to_owned(),
        record_type: reader.record_type().name().to_owned(),
        ..FileSummary::default()
    };
    let mut errors = Vec::new();
    let mut total_errors = 0u64;
    let mut ops = Vec::with_capacity(OPS_PER_MESSAGE);
    for record in reader {
        let item = match record {
            Ok((_, item)) => item,
            Err(e) => {
                total_errors += 1;
                if errors.len() < MAX_LISTED_ERRORS {
                    errors.push(e);
                }
                continue;
            }
        };
        summary.rows += rows_of(&item);
        if total_errors > 0 {
            // Nothing will be committed: keep reading only to find more errors.
            continue;
        }
        let (op, kind) = op_of(item, now);
        match op {
            Op::DeleteClaim(..) | Op::DeleteBeneficiary(..) | Op::DeleteHistory(..) => {
                summary.deleted += 1
            }
            _ => summary.records += 1,
        }
        *summary.by_type.entry(kind.to_owned()).or_default() += 1;
        ops.push(op);
        if ops.len() >= OPS_PER_MESSAGE
            && sender
                .blocking_send(Message::Ops(std::mem::replace(
                    &mut ops,
                    Vec::with_capacity(OPS_PER_MESSAGE),
                )))
                .is_err()
        {
            return;
        }
    }
    if !ops.is_empty() && total_errors == 0 && sender.blocking_send(Message::Ops(ops)).is_err() {
        return;
    }
    let _ = sender.blocking_send(Message::Done {
        summary,
        errors,
        total_errors,
    });
}

fn rows_of(item: &Item) -> u64 {
    match item {
        // A claim is one RIF row per line (a Part D event is one row).
        Item::Claim(_, claim) => super::sandbox::line_count(claim).max(1) as u64,
        _ => 1,
    }
}

fn op_of(item: Item, now: DateTime<Utc>) -> (Op, &'static str) {
    match item {
        Item::Beneficiary(dml, bene) => {
            let op = match dml {
                Dml::Delete => Op::DeleteBeneficiary(bene.bene_id, reference_year(&bene)),
                Dml::Insert | Dml::Update => Op::Beneficiary(beneficiary_row(&bene, now)),
            };
            (op, "beneficiary")
        }
        Item::BeneficiaryHistory(dml, history) => {
            let row = history_row(&history, now);
            let op = match dml {
                Dml::Delete => Op::DeleteHistory(row.bene_id, row.digest),
                Dml::Insert | Dml::Update => Op::History(row),
            };
            (op, "beneficiary_history")
        }
        Item::Claim(dml, claim) => {
            let key = claim.key();
            let op = match dml {
                Dml::Delete => Op::DeleteClaim(claim_type_number(key.record), key.claim_id),
                Dml::Insert | Dml::Update => Op::Claim(claim_row(&claim, now)),
            };
            (op, key.record.name())
        }
    }
}
