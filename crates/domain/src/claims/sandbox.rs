//! The synthetic sandbox: `bb-synth`'s enrollees written to the store (with their sandbox
//! logins) or to RIF files.
//!
//! Generation runs on every core (rayon, a chunk of enrollees at a time); each enrollee is
//! a pure function of `(seed, enrollees, as_of, index)`, so the result does not depend on
//! the number of threads. Chunks are written in index order, one transaction each, while
//! the next chunk is being generated. `sandbox_builds` says `complete = false` from the
//! start until the last chunk is in, so an interrupted build is recognisable; every build
//! first clears the claims data and the generated logins.

use super::rows::{beneficiary_row, claim_row, history_row};
use crate::accounts::operation_id;
use crate::logins::sandbox_password_hash;
use crate::{Deps, DomainError};
use bb_claims::RecordType;
use bb_claims::model::AnyClaim;
use bb_rif::{Dml, Item, RifWriter};
use bb_store::{BeneficiaryHistoryRow, BeneficiaryRow, ClaimRow, SandboxBuildRow, SandboxLoginRow};
use bb_synth::{Enrollee, Generator};
use chrono::{DateTime, NaiveDate, Utc};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SandboxSpec {
    /// Generator seed.
    pub seed: u64,
    /// Number of enrollees (`BBUser00000` … ).
    pub enrollees: u32,
    /// The generation date: claims end on or before it.
    pub as_of: NaiveDate,
}

/// The default generation date: fixed, so that a sandbox is the same on every machine and
/// every day.
pub const DEFAULT_AS_OF: NaiveDate = match NaiveDate::from_ymd_opt(2026, 6, 30) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// What a build wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SandboxReport {
    /// Enrollees generated.
    pub enrollees: u32,
    /// Beneficiary reference-year records.
    pub beneficiary_years: u64,
    /// Beneficiary history records.
    pub history: u64,
    /// Claims, all types.
    pub claims: u64,
    /// Claim lines (Part D events count one each).
    pub claim_lines: u64,
    /// Claims per type.
    pub claims_by_type: BTreeMap<String, u64>,
    /// Sandbox logins created.
    pub logins: u64,
}

impl SandboxReport {
    fn add_claim(&mut self, claim: &AnyClaim) {
        self.claims += 1;
        self.claim_lines += line_count(claim) as u64;
        *self
            .claims_by_type
            .entry(claim.key().record.name().to_owned())
            .or_default() += 1;
    }
}

/// Lines of a claim (1 for a Part D event).
pub fn line_count(claim: &AnyClaim) -> usize {
    match claim {
        AnyClaim::Carrier(c) => c.lines.len(),
        AnyClaim::Dme(c) => c.lines.len(),
        AnyClaim::Hha(c) => c.lines.len(),
        AnyClaim::Hospice(c) => c.lines.len(),
        AnyClaim::Inpatient(c) => c.lines.len(),
        AnyClaim::Outpatient(c) => c.lines.len(),
        AnyClaim::Snf(c) => c.lines.len(),
        AnyClaim::Pde(_) => 1,
    }
}

/// Enrollees per chunk: big enough to keep both cores busy, small enough that a chunk's
/// rows (≈ 25,000 claims) stay a few megabytes.
const CHUNK: u32 = 250;

/// One enrollee's rows, ready for the store.
struct Rows {
    claims: Vec<ClaimRow>,
    benes: Vec<BeneficiaryRow>,
    history: Vec<BeneficiaryHistoryRow>,
    login: SandboxLoginRow,
    report: SandboxReport,
}

fn utc(t: chrono::NaiveDateTime) -> DateTime<Utc> {
    DateTime::from_naive_utc_and_offset(t, Utc)
}

fn rows_of(enrollee: &Enrollee, as_of: DateTime<Utc>, now: DateTime<Utc>) -> Rows {
    let mut report = SandboxReport {
        enrollees: 1,
        ..SandboxReport::default()
    };
    let claims = enrollee
        .claims
        .iter()
        .zip(
            enrollee
                .last_updated
                .iter()
                .map(|t| utc(*t))
                .chain(std::iter::repeat(as_of)),
        )
        .map(|(claim, updated)| {
            report.add_claim(claim);
            claim_row(claim, updated)
        })
        .collect();
    report.beneficiary_years = enrollee.beneficiaries.len() as u64;
    report.history = enrollee.history.len() as u64;
    report.logins = 1;
    Rows {
        claims,
        benes: enrollee
            .beneficiaries
            .iter()
            .map(|b| beneficiary_row(b, as_of))
            .collect(),
        history: enrollee
            .history
            .iter()
            .map(|h| history_row(h, as_of))
            .collect(),
        login: SandboxLoginRow {
            username_key: enrollee.username.to_ascii_lowercase(),
            username: enrollee.username.clone(),
            bene_id: enrollee.bene_id.to_string(),
            password_hash: sandbox_password_hash(&enrollee.username, &enrollee.password),
            created_at: now,
        },
        report,
    }
}

fn merge(total: &mut SandboxReport, part: &SandboxReport) {
    total.enrollees += part.enrollees;
    total.beneficiary_years += part.beneficiary_years;
    total.history += part.history;
    total.claims += part.claims;
    total.claim_lines += part.claim_lines;
    total.logins += part.logins;
    for (k, v) in &part.claims_by_type {
        *total.claims_by_type.entry(k.clone()).or_default() += v;
    }
}

/// Generates the sandbox into the store. `progress(done, total)` is called after each chunk.
pub(crate) async fn build(
    deps: &Arc<Deps>,
    spec: SandboxSpec,
    progress: Arc<dyn Fn(u32, u32) + Send + Sync>,
) -> Result<SandboxReport, DomainError> {
    let store_error = |e| DomainError::from_store(e, || operation_id(deps), &[]);
    let now = deps.clock.now();
    let as_of = utc(spec.as_of.and_hms_opt(23, 59, 59).unwrap_or_default());

    let record = |claims: u64, complete: bool| SandboxBuildRow {
        seed: i64::from_ne_bytes(spec.seed.to_ne_bytes()),
        enrollees: i32::try_from(spec.enrollees).unwrap_or(i32::MAX),
        as_of: spec.as_of.to_string(),
        claims: i64::try_from(claims).unwrap_or(i64::MAX),
        complete,
        updated_at: deps.clock.now(),
    };
    let mut tx = deps.store.begin_claims_load().await.map_err(store_error)?;
    tx.clear_claims_data().await.map_err(store_error)?;
    tx.record_sandbox_build(&record(0, false))
        .await
        .map_err(store_error)?;
    tx.commit().await.map_err(store_error)?;

    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Vec<Rows>>(2);
    let producer = tokio::task::spawn_blocking(move || {
        let generator = Generator::new(spec.seed, spec.enrollees, spec.as_of);
        // Highest index first: bene ids fall as the index rises, so this writes the
        // clustered claims table in ascending key order and its pages fill up instead of
        // splitting half-empty (≈ 30 % smaller store).
        let mut end = spec.enrollees;
        while end > 0 {
            let start = end.saturating_sub(CHUNK);
            let mut chunk: Vec<Rows> = (start..end)
                .into_par_iter()
                .map(|i| rows_of(&generator.enrollee(i), as_of, now))
                .collect();
            chunk.reverse();
            for rows in &mut chunk {
                rows.claims
                    .sort_by_cached_key(|c| (c.claim_id.to_string(), c.claim_type));
            }
            if sender.blocking_send(chunk).is_err() {
                return;
            }
            end = start;
        }
    });

    let mut report = SandboxReport::default();
    progress(0, spec.enrollees);
    while let Some(chunk) = receiver.recv().await {
        let mut claims = Vec::new();
        let mut benes = Vec::new();
        let mut history = Vec::new();
        let mut logins = Vec::new();
        for rows in chunk {
            merge(&mut report, &rows.report);
            claims.extend(rows.claims);
            benes.extend(rows.benes);
            history.extend(rows.history);
            logins.push(rows.login);
        }
        let mut tx = deps.store.begin_claims_load().await.map_err(store_error)?;
        tx.upsert_beneficiaries(&benes).await.map_err(store_error)?;
        tx.upsert_history(&history).await.map_err(store_error)?;
        tx.upsert_claims(&claims).await.map_err(store_error)?;
        tx.upsert_sandbox_logins(&logins)
            .await
            .map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        progress(report.enrollees, spec.enrollees);
    }
    producer
        .await
        .map_err(|e| DomainError::internal(operation_id(deps), &e))?;

    let mut tx = deps.store.begin_claims_load().await.map_err(store_error)?;
    tx.record_sandbox_build(&record(report.claims, true))
        .await
        .map_err(store_error)?;
    tx.commit().await.map_err(store_error)?;
    Ok(report)
}

/// Generates the sandbox as RIF files: `writers` receives every record, each type to its
/// own writer, enrollees in index order, so the same spec gives the same bytes.
pub fn write_rif<W: Write>(
    spec: SandboxSpec,
    writers: &mut BTreeMap<RecordType, RifWriter<W>>,
    progress: &dyn Fn(u32, u32),
) -> std::io::Result<SandboxReport> {
    let generator = Generator::new(spec.seed, spec.enrollees, spec.as_of);
    let mut report = SandboxReport::default();
    let mut start = 0;
    progress(0, spec.enrollees);
    while start < spec.enrollees {
        let end = start.saturating_add(CHUNK).min(spec.enrollees);
        let chunk: Vec<Enrollee> = (start..end)
            .into_par_iter()
            .map(|i| generator.enrollee(i))
            .collect();
        for enrollee in chunk {
            report.enrollees += 1;
            report.logins += 1;
            for bene in enrollee.beneficiaries {
                report.beneficiary_years += 1;
                write(
                    writers,
                    RecordType::Beneficiary,
                    &Item::Beneficiary(Dml::Insert, Box::new(bene)),
                )?;
            }
            for history in enrollee.history {
                report.history += 1;
                write(
                    writers,
                    RecordType::BeneficiaryHistory,
                    &Item::BeneficiaryHistory(Dml::Insert, Box::new(history)),
                )?;
            }
            for claim in enrollee.claims {
                report.add_claim(&claim);
                let record = claim.key().record;
                write(writers, record, &Item::Claim(Dml::Insert, claim))?;
            }
        }
        progress(end, spec.enrollees);
        start = end;
    }
    Ok(report)
}

fn write<W: Write>(
    writers: &mut BTreeMap<RecordType, RifWriter<W>>,
    record: RecordType,
    item: &Item,
) -> std::io::Result<()> {
    match writers.get_mut(&record) {
        Some(writer) => writer.write(item),
        None => Err(std::io::Error::other(format!(
            "no writer for {}",
            record.name()
        ))),
    }
}
