//! Claims data: beneficiaries (one row per reference year), beneficiary history, claims of
//! the eight types, and the record of a generated sandbox.
//!
//! Rows carry each record as an opaque blob (`data`, encoded by `bb-claims`) beside the
//! columns that searches use. Loads go through a [`ClaimsTx`]: one database transaction
//! into which the importer writes a whole RIF file (or the generator a batch of enrollees)
//! with multi-row upserts, then commits or rolls back — so a file with a bad row leaves
//! nothing behind.
//!
//! Claims are clustered by `(bene_id, sort_key, claim_type)`, BFD's result order (claim id
//! compared as text, then the type's name; the type numbers of [`ClaimRow::claim_type`] are
//! in alphabetical order of the names), so one page of one enrollee's claims is one range
//! read.

use crate::{Backend, Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};

/// One claim as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimRow {
    /// Beneficiary.
    pub bene_id: i64,
    /// Claim type: 1 carrier, 2 dme, 3 hha, 4 hospice, 5 inpatient, 6 outpatient, 7 pde,
    /// 8 snf (alphabetical, so the number orders like the name).
    pub claim_type: i16,
    /// `CLM_ID` (or `PDE_ID`).
    pub claim_id: i64,
    /// First day of service.
    pub service_from: Option<NaiveDate>,
    /// Last day of service.
    pub service_thru: Option<NaiveDate>,
    /// When the claim entered (or last changed in) the store.
    pub last_updated: DateTime<Utc>,
    /// The claim in `bb-claims`' binary form.
    pub data: Vec<u8>,
}

/// One beneficiary reference-year record as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BeneficiaryRow {
    /// Beneficiary.
    pub bene_id: i64,
    /// Reference year (0 when the file had none).
    pub rfrnc_yr: i32,
    /// MBI of this record, for searches by identifier.
    pub mbi: Option<String>,
    /// When the record entered (or last changed in) the store.
    pub last_updated: DateTime<Utc>,
    /// The record in `bb-claims`' binary form.
    pub data: Vec<u8>,
}

/// One beneficiary history record as stored (earlier identifiers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BeneficiaryHistoryRow {
    /// Beneficiary.
    pub bene_id: i64,
    /// A digest of the record's content, identifying it among the beneficiary's history.
    pub digest: i64,
    /// MBI of this record.
    pub mbi: Option<String>,
    /// When the record entered the store.
    pub last_updated: DateTime<Utc>,
    /// The record in `bb-claims`' binary form.
    pub data: Vec<u8>,
}

/// The record of a sandbox generation: written `complete = false` when a build starts and
/// `true` when its last chunk is in, so an interrupted build is recognisable.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct SandboxBuildRow {
    /// Generator seed.
    pub seed: i64,
    /// Number of enrollees.
    pub enrollees: i32,
    /// Generation date (`YYYY-MM-DD`).
    pub as_of: String,
    /// Claims written.
    pub claims: i64,
    /// Whether every enrollee was written.
    pub complete: bool,
    /// When the record last changed.
    pub updated_at: DateTime<Utc>,
}

/// What a search needs to know of a claim without reading it: its key and the columns
/// searches filter on.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ClaimKeyRow {
    /// Claim type number (see [`ClaimRow::claim_type`]).
    pub claim_type: i16,
    /// `CLM_ID` (or `PDE_ID`).
    pub claim_id: i64,
    /// First day of service, days since 1970-01-01.
    pub service_from: Option<i32>,
    /// Last day of service, days since 1970-01-01.
    pub service_thru: Option<i32>,
    /// Milliseconds since 1970-01-01 UTC.
    pub last_updated: i64,
}

/// A bound on a claim's period, for searches: the service period `[first day, day after the
/// last)` or the instant of `last_updated` (`[t, t + 1)`), in milliseconds since 1970.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    /// The period starts before this.
    StartsBefore(i64),
    /// The period starts at or after this.
    StartsAtOrAfter(i64),
    /// The period ends after this.
    EndsAfter(i64),
    /// The period ends at or before this.
    EndsAtOrBefore(i64),
}

/// Which claims of a beneficiary a search wants.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClaimFilter {
    /// Claim type numbers; empty = all.
    pub types: Vec<i16>,
    /// Bounds on the service period (a claim without dates matches none).
    pub service: Vec<Bound>,
    /// Bounds on `last_updated`.
    pub last_updated: Vec<Bound>,
}

/// One page of a beneficiary's claims and the number of claims matching in all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClaimPage {
    /// Claims matching the filter in all pages.
    pub total: i64,
    /// This page's claims, in BFD's order.
    pub rows: Vec<ClaimRow>,
}

/// Row counts of the claims tables.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClaimsCounts {
    /// Beneficiary reference-year records.
    pub beneficiaries: i64,
    /// Distinct beneficiaries.
    pub distinct_beneficiaries: i64,
    /// Beneficiary history records.
    pub history: i64,
    /// Claims.
    pub claims: i64,
}

fn days(date: Option<NaiveDate>) -> Option<i32> {
    date.map(|d| i32::try_from((d - NaiveDate::default()).num_days()).unwrap_or(i32::MAX))
}

fn date_of(days: Option<i32>) -> Option<NaiveDate> {
    days.and_then(|d| NaiveDate::default().checked_add_signed(chrono::TimeDelta::days(d.into())))
}

fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn time_of(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Rows per multi-row statement: 8 columns × 400 stays under SQLite's 32,766 variables and
/// PostgreSQL's 65,535, and amortises the statement cost.
const BATCH: usize = 400;

/// A load transaction: upserts and deletes that become visible together on [`commit`].
///
/// [`commit`]: ClaimsTx::commit
pub struct ClaimsTx {
    tx: Tx,
}

enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Runs the same body against whichever transaction this is (see `on_pool!`).
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match &mut $tx.tx {
            Tx::Sqlite($conn) => $body,
            Tx::Postgres($conn) => $body,
        }
    };
}

const CLAIM_UPSERT_TAIL: &str = " ON CONFLICT (claim_type, claim_id) DO UPDATE SET \
     bene_id = excluded.bene_id, sort_key = excluded.sort_key, service_from = excluded.service_from, \
     service_thru = excluded.service_thru, last_updated = excluded.last_updated, data = excluded.data";

impl ClaimsTx {
    /// Inserts claims, replacing any claim with the same type and id.
    pub async fn upsert_claims(&mut self, rows: &[ClaimRow]) -> Result<(), StoreError> {
        for chunk in rows.chunks(BATCH) {
            on_tx!(self, tx => {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO claims (bene_id, sort_key, claim_type, claim_id, service_from, service_thru, last_updated, data) ",
                );
                qb.push_values(chunk, |mut b, r| {
                    b.push_bind(r.bene_id)
                        .push_bind(r.claim_id.to_string())
                        .push_bind(r.claim_type)
                        .push_bind(r.claim_id)
                        .push_bind(days(r.service_from))
                        .push_bind(days(r.service_thru))
                        .push_bind(millis(r.last_updated))
                        .push_bind(r.data.clone());
                });
                qb.push(CLAIM_UPSERT_TAIL);
                qb.build().execute(&mut **tx).await?;
            });
        }
        Ok(())
    }

    /// Deletes a claim; `true` when it existed.
    pub async fn delete_claim(
        &mut self,
        claim_type: i16,
        claim_id: i64,
    ) -> Result<bool, StoreError> {
        on_tx!(self, tx => {
            let done = sqlx::query("DELETE FROM claims WHERE claim_type = $1 AND claim_id = $2")
                .bind(claim_type)
                .bind(claim_id)
                .execute(&mut **tx)
                .await?;
            Ok(done.rows_affected() > 0)
        })
    }

    /// Inserts beneficiary records, replacing those with the same id and reference year.
    pub async fn upsert_beneficiaries(
        &mut self,
        rows: &[BeneficiaryRow],
    ) -> Result<(), StoreError> {
        for chunk in rows.chunks(BATCH) {
            on_tx!(self, tx => {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO beneficiaries (bene_id, rfrnc_yr, mbi, last_updated, data) ",
                );
                qb.push_values(chunk, |mut b, r| {
                    b.push_bind(r.bene_id)
                        .push_bind(r.rfrnc_yr)
                        .push_bind(r.mbi.clone())
                        .push_bind(millis(r.last_updated))
                        .push_bind(r.data.clone());
                });
                qb.push(
                    " ON CONFLICT (bene_id, rfrnc_yr) DO UPDATE SET mbi = excluded.mbi, \
                     last_updated = excluded.last_updated, data = excluded.data",
                );
                qb.build().execute(&mut **tx).await?;
            });
        }
        Ok(())
    }

    /// Deletes one beneficiary reference-year record; `true` when it existed.
    pub async fn delete_beneficiary(
        &mut self,
        bene_id: i64,
        rfrnc_yr: i32,
    ) -> Result<bool, StoreError> {
        on_tx!(self, tx => {
            let done = sqlx::query("DELETE FROM beneficiaries WHERE bene_id = $1 AND rfrnc_yr = $2")
                .bind(bene_id)
                .bind(rfrnc_yr)
                .execute(&mut **tx)
                .await?;
            Ok(done.rows_affected() > 0)
        })
    }

    /// Inserts beneficiary history records; a record already stored (same digest) is kept.
    pub async fn upsert_history(
        &mut self,
        rows: &[BeneficiaryHistoryRow],
    ) -> Result<(), StoreError> {
        for chunk in rows.chunks(BATCH) {
            on_tx!(self, tx => {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO beneficiary_history (bene_id, digest, mbi, last_updated, data) ",
                );
                qb.push_values(chunk, |mut b, r| {
                    b.push_bind(r.bene_id)
                        .push_bind(r.digest)
                        .push_bind(r.mbi.clone())
                        .push_bind(millis(r.last_updated))
                        .push_bind(r.data.clone());
                });
                qb.push(" ON CONFLICT (bene_id, digest) DO NOTHING");
                qb.build().execute(&mut **tx).await?;
            });
        }
        Ok(())
    }

    /// Deletes one beneficiary history record; `true` when it existed.
    pub async fn delete_history(&mut self, bene_id: i64, digest: i64) -> Result<bool, StoreError> {
        on_tx!(self, tx => {
            let done = sqlx::query("DELETE FROM beneficiary_history WHERE bene_id = $1 AND digest = $2")
                .bind(bene_id)
                .bind(digest)
                .execute(&mut **tx)
                .await?;
            Ok(done.rows_affected() > 0)
        })
    }

    /// Empties every claims table and the generated sandbox logins (before a sandbox build).
    pub async fn clear_claims_data(&mut self) -> Result<(), StoreError> {
        for sql in [
            "DELETE FROM claims",
            "DELETE FROM beneficiary_history",
            "DELETE FROM beneficiaries",
            "DELETE FROM sandbox_builds",
            "DELETE FROM sandbox_logins WHERE password_hash LIKE '$bb-sandbox-sha256$%'",
        ] {
            on_tx!(self, tx => {
                sqlx::query(sql).execute(&mut **tx).await?;
            });
        }
        Ok(())
    }

    /// Records that a sandbox build completed.
    pub async fn record_sandbox_build(
        &mut self,
        build: &SandboxBuildRow,
    ) -> Result<(), StoreError> {
        on_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO sandbox_builds (id, seed, enrollees, as_of, claims, complete, updated_at) \
                 VALUES (1, $1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO UPDATE SET seed = excluded.seed, \
                 enrollees = excluded.enrollees, as_of = excluded.as_of, claims = excluded.claims, \
                 complete = excluded.complete, updated_at = excluded.updated_at",
            )
            .bind(build.seed)
            .bind(build.enrollees)
            .bind(&build.as_of)
            .bind(build.claims)
            .bind(build.complete)
            .bind(build.updated_at)
            .execute(&mut **tx)
            .await?;
        });
        Ok(())
    }

    /// Inserts sandbox logins, replacing any with the same user name.
    pub async fn upsert_sandbox_logins(
        &mut self,
        rows: &[crate::SandboxLoginRow],
    ) -> Result<(), StoreError> {
        for chunk in rows.chunks(BATCH) {
            on_tx!(self, tx => {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO sandbox_logins (username_key, username, bene_id, password_hash, created_at) ",
                );
                qb.push_values(chunk, |mut b, r| {
                    b.push_bind(r.username_key.clone())
                        .push_bind(r.username.clone())
                        .push_bind(r.bene_id.clone())
                        .push_bind(r.password_hash.clone())
                        .push_bind(r.created_at);
                });
                qb.push(
                    " ON CONFLICT (username_key) DO UPDATE SET username = excluded.username, \
                     bene_id = excluded.bene_id, password_hash = excluded.password_hash",
                );
                qb.build().execute(&mut **tx).await?;
            });
        }
        Ok(())
    }

    /// Makes every change visible.
    pub async fn commit(self) -> Result<(), StoreError> {
        match self.tx {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    /// Discards every change.
    pub async fn rollback(self) -> Result<(), StoreError> {
        match self.tx {
            Tx::Sqlite(tx) => tx.rollback().await?,
            Tx::Postgres(tx) => tx.rollback().await?,
        }
        Ok(())
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ClaimColumns {
    pub(crate) bene_id: i64,
    pub(crate) claim_type: i16,
    pub(crate) claim_id: i64,
    pub(crate) service_from: Option<i32>,
    pub(crate) service_thru: Option<i32>,
    pub(crate) last_updated: i64,
    pub(crate) data: Vec<u8>,
}

impl From<ClaimColumns> for ClaimRow {
    fn from(c: ClaimColumns) -> Self {
        Self {
            bene_id: c.bene_id,
            claim_type: c.claim_type,
            claim_id: c.claim_id,
            service_from: date_of(c.service_from),
            service_thru: date_of(c.service_thru),
            last_updated: time_of(c.last_updated),
            data: c.data,
        }
    }
}

#[derive(sqlx::FromRow)]
struct PageColumns {
    #[sqlx(flatten)]
    claim: ClaimColumns,
    total: i64,
}

#[derive(sqlx::FromRow)]
pub(crate) struct BeneficiaryColumns {
    pub(crate) bene_id: i64,
    pub(crate) rfrnc_yr: i32,
    pub(crate) mbi: Option<String>,
    pub(crate) last_updated: i64,
    pub(crate) data: Vec<u8>,
}

impl From<BeneficiaryColumns> for BeneficiaryRow {
    fn from(c: BeneficiaryColumns) -> Self {
        Self {
            bene_id: c.bene_id,
            rfrnc_yr: c.rfrnc_yr,
            mbi: c.mbi,
            last_updated: time_of(c.last_updated),
            data: c.data,
        }
    }
}

#[derive(sqlx::FromRow)]
struct HistoryColumns {
    bene_id: i64,
    digest: i64,
    mbi: Option<String>,
    last_updated: i64,
    data: Vec<u8>,
}

impl From<HistoryColumns> for BeneficiaryHistoryRow {
    fn from(c: HistoryColumns) -> Self {
        Self {
            bene_id: c.bene_id,
            digest: c.digest,
            mbi: c.mbi,
            last_updated: time_of(c.last_updated),
            data: c.data,
        }
    }
}

pub(crate) const CLAIM_COLUMNS: &str =
    "bene_id, claim_type, claim_id, service_from, service_thru, last_updated, data";

impl Store {
    /// Starts a load transaction.
    pub async fn begin_claims_load(&self) -> Result<ClaimsTx, StoreError> {
        let tx = match &self.backend {
            Backend::Sqlite(pool) => Tx::Sqlite(pool.begin().await?),
            Backend::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        };
        Ok(ClaimsTx { tx })
    }

    /// One claim by type and id.
    pub async fn claim(
        &self,
        claim_type: i16,
        claim_id: i64,
    ) -> Result<Option<ClaimRow>, StoreError> {
        if let Some(direct) = &self.direct {
            return direct.claim(claim_type, claim_id);
        }
        crate::on_pool!(self, pool => {
            let row: Option<ClaimColumns> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {CLAIM_COLUMNS} FROM claims WHERE claim_type = $1 AND claim_id = $2"
            )))
            .bind(claim_type)
            .bind(claim_id)
            .fetch_optional(pool)
            .await?;
            Ok(row.map(ClaimRow::from))
        })
    }

    /// One page of a beneficiary's claims matching `filter`, in BFD's order, with the total:
    /// one query on the clustered primary key range of the beneficiary (filters in SQL, the
    /// count as a window function), so a page costs one round trip and only the page's
    /// records travel. An empty page (past the end, or `limit` 0) asks for the count alone.
    pub async fn claims_page_of(
        &self,
        bene_id: i64,
        filter: &ClaimFilter,
        limit: i64,
        offset: i64,
    ) -> Result<ClaimPage, StoreError> {
        let mut conditions = String::new();
        let mut values: Vec<i64> = Vec::new();
        if !filter.types.is_empty() {
            conditions.push_str(" AND claim_type IN (");
            for (i, t) in filter.types.iter().enumerate() {
                if i > 0 {
                    conditions.push(',');
                }
                // Type numbers are small integers: inlined, not bound.
                conditions.push_str(&t.to_string());
            }
            conditions.push(')');
        }
        let day = 86_400_000i64;
        for (bounds, start, end) in [
            (
                &filter.service,
                format!("(CAST(COALESCE(service_from, service_thru) AS BIGINT) * {day})"),
                format!("((CAST(COALESCE(service_thru, service_from) AS BIGINT) + 1) * {day})"),
            ),
            (
                &filter.last_updated,
                "last_updated".to_owned(),
                "(last_updated + 1)".to_owned(),
            ),
        ] {
            for bound in bounds {
                let (expr, op, value) = match *bound {
                    Bound::StartsBefore(v) => (&start, "<", v),
                    Bound::StartsAtOrAfter(v) => (&start, ">=", v),
                    Bound::EndsAfter(v) => (&end, ">", v),
                    Bound::EndsAtOrBefore(v) => (&end, "<=", v),
                };
                values.push(value);
                conditions.push_str(&format!(" AND {expr} {op} ${}", values.len() + 1));
            }
        }
        let n = values.len();
        let page_sql = format!(
            "SELECT {CLAIM_COLUMNS}, COUNT(*) OVER () AS total FROM claims WHERE bene_id = $1{conditions} \
             ORDER BY sort_key, claim_type LIMIT ${} OFFSET ${}",
            n + 2,
            n + 3
        );
        let count_sql = format!("SELECT COUNT(*) FROM claims WHERE bene_id = $1{conditions}");
        if let Some(direct) = &self.direct {
            return direct.claims_page(&page_sql, &count_sql, bene_id, &values, limit, offset);
        }
        crate::on_pool!(self, pool => {
            let mut rows = Vec::new();
            let mut total = 0i64;
            if limit > 0 {
                let mut query = sqlx::query_as::<_, PageColumns>(sqlx::AssertSqlSafe(page_sql.clone())).bind(bene_id);
                for v in &values {
                    query = query.bind(*v);
                }
                let page: Vec<PageColumns> = query.bind(limit).bind(offset).fetch_all(pool).await?;
                total = page.first().map(|p| p.total).unwrap_or(0);
                rows = page.into_iter().map(|p| ClaimRow::from(p.claim)).collect();
            }
            if rows.is_empty() {
                let mut query = sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(count_sql.clone())).bind(bene_id);
                for v in &values {
                    query = query.bind(*v);
                }
                total = query.fetch_one(pool).await?.0;
            }
            Ok(ClaimPage { total, rows })
        })
    }

    /// The keys and search columns of every claim of a beneficiary, in BFD's order: one
    /// range read on the clustered primary key, blobs not returned.
    pub async fn claim_keys_of(&self, bene_id: i64) -> Result<Vec<ClaimKeyRow>, StoreError> {
        crate::on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT claim_type, claim_id, service_from, service_thru, last_updated FROM claims \
                 WHERE bene_id = $1 ORDER BY sort_key, claim_type",
            )
            .bind(bene_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Every claim of a beneficiary, in BFD's order (claim id as text, then type).
    pub async fn claims_of(&self, bene_id: i64) -> Result<Vec<ClaimRow>, StoreError> {
        crate::on_pool!(self, pool => {
            let rows: Vec<ClaimColumns> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {CLAIM_COLUMNS} FROM claims WHERE bene_id = $1 ORDER BY sort_key, claim_type"
            )))
            .bind(bene_id)
            .fetch_all(pool)
            .await?;
            Ok(rows.into_iter().map(ClaimRow::from).collect())
        })
    }

    /// Every claim, in `(bene_id, BFD order)`; for exports and round-trip checks. Reads
    /// `limit` rows after the claim `after` (exclusive), so callers can walk the table.
    pub async fn claims_page(
        &self,
        after: Option<(i64, i16, i64)>,
        limit: i64,
    ) -> Result<Vec<ClaimRow>, StoreError> {
        let (bene, ty, id) = after.unwrap_or((i64::MIN, 0, 0));
        let key = if after.is_some() {
            id.to_string()
        } else {
            String::new()
        };
        crate::on_pool!(self, pool => {
            let rows: Vec<ClaimColumns> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {CLAIM_COLUMNS} FROM claims \
                 WHERE bene_id > $1 OR (bene_id = $1 AND (sort_key > $2 OR (sort_key = $2 AND claim_type > $3))) \
                 ORDER BY bene_id, sort_key, claim_type LIMIT $4"
            )))
            .bind(bene)
            .bind(&key)
            .bind(ty)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            Ok(rows.into_iter().map(ClaimRow::from).collect())
        })
    }

    /// Every reference-year record of a beneficiary, oldest year first.
    pub async fn beneficiary_years(&self, bene_id: i64) -> Result<Vec<BeneficiaryRow>, StoreError> {
        if let Some(direct) = &self.direct {
            return direct.beneficiary_years(bene_id);
        }
        crate::on_pool!(self, pool => {
            let rows: Vec<BeneficiaryColumns> = sqlx::query_as(
                "SELECT bene_id, rfrnc_yr, mbi, last_updated, data FROM beneficiaries \
                 WHERE bene_id = $1 ORDER BY rfrnc_yr",
            )
            .bind(bene_id)
            .fetch_all(pool)
            .await?;
            Ok(rows.into_iter().map(BeneficiaryRow::from).collect())
        })
    }

    /// The history records of a beneficiary, in digest order.
    pub async fn beneficiary_history(
        &self,
        bene_id: i64,
    ) -> Result<Vec<BeneficiaryHistoryRow>, StoreError> {
        crate::on_pool!(self, pool => {
            let rows: Vec<HistoryColumns> = sqlx::query_as(
                "SELECT bene_id, digest, mbi, last_updated, data FROM beneficiary_history \
                 WHERE bene_id = $1 ORDER BY digest",
            )
            .bind(bene_id)
            .fetch_all(pool)
            .await?;
            Ok(rows.into_iter().map(BeneficiaryHistoryRow::from).collect())
        })
    }

    /// Row counts of the claims tables.
    pub async fn claims_counts(&self) -> Result<ClaimsCounts, StoreError> {
        crate::on_pool!(self, pool => {
            let (beneficiaries, distinct_beneficiaries, history, claims): (i64, i64, i64, i64) = sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM beneficiaries), \
                        (SELECT COUNT(DISTINCT bene_id) FROM beneficiaries), \
                        (SELECT COUNT(*) FROM beneficiary_history), \
                        (SELECT COUNT(*) FROM claims)",
            )
            .fetch_one(pool)
            .await?;
            Ok(ClaimsCounts { beneficiaries, distinct_beneficiaries, history, claims })
        })
    }

    /// The completed sandbox build, if any.
    pub async fn sandbox_build(&self) -> Result<Option<SandboxBuildRow>, StoreError> {
        crate::on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT seed, enrollees, as_of, claims, complete, updated_at FROM sandbox_builds WHERE id = 1",
            )
            .fetch_optional(pool)
            .await?)
        })
    }

    /// Claim counts per beneficiary (for distribution checks): `(bene_id, claim_type, count)`.
    pub async fn claim_counts_by_beneficiary(&self) -> Result<Vec<(i64, i16, i64)>, StoreError> {
        crate::on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT bene_id, claim_type, COUNT(*) FROM claims GROUP BY bene_id, claim_type ORDER BY bene_id, claim_type",
            )
            .fetch_all(pool)
            .await?)
        })
    }
}
