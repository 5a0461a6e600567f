//! Rate-limit counters shared across server processes (`rate_limit_counts`). The domain's
//! limiter counts requests in memory and hands its deltas here every ~250 ms; one
//! statement per chunk of rows adds them (`n = n + excluded.n`) and returns each row's new
//! total, which is the count of every process on this database. Keys arrive hashed: no
//! token, address or client id is ever stored.
//!
//! Rows are sorted by primary key before the upsert, so two processes flushing overlapping
//! keys at once lock PostgreSQL's rows in the same order (no deadlock between replicas).

use crate::{Store, StoreError, on_pool};

/// Requests to add to one counter.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RateCountRow {
    /// Limit kind (`token`, `app`, `ip`, …).
    pub kind: String,
    /// Hashed key (never a raw token or address).
    pub key: Vec<u8>,
    /// Window start, Unix seconds.
    pub window_start: i64,
    /// Window end, Unix seconds (the row may be purged after it).
    pub window_end: i64,
    /// Requests to add.
    pub n: i64,
}

/// A counter's total after an upsert: every process's requests in that window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateCountTotal {
    /// Limit kind.
    pub kind: String,
    /// Hashed key.
    pub key: Vec<u8>,
    /// Window start, Unix seconds.
    pub window_start: i64,
    /// Total requests counted in the window.
    pub n: i64,
}

/// Rows per statement: five parameters each, well under SQLite's and PostgreSQL's limits.
const ROWS_PER_UPSERT: usize = 1000;

impl Store {
    /// Adds the deltas and returns the new totals (one per row given, any order). Rows
    /// with the same `(kind, key, window_start)` must not repeat.
    pub async fn add_rate_counts(
        &self,
        rows: &[RateCountRow],
    ) -> Result<Vec<RateCountTotal>, StoreError> {
        let mut sorted: Vec<&RateCountRow> = rows.iter().collect();
        sorted.sort();
        let mut totals = Vec::with_capacity(rows.len());
        for chunk in sorted.chunks(ROWS_PER_UPSERT) {
            let returned: Vec<(String, Vec<u8>, i64, i64)> = on_pool!(self, pool => {
                let mut upsert = sqlx::QueryBuilder::new(
                    "INSERT INTO rate_limit_counts (kind, key, window_start, window_end, n) ",
                );
                upsert.push_values(chunk, |mut b, row| {
                    b.push_bind(&row.kind)
                        .push_bind(&row.key)
                        .push_bind(row.window_start)
                        .push_bind(row.window_end)
                        .push_bind(row.n);
                });
                upsert.push(
                    " ON CONFLICT (kind, key, window_start) DO UPDATE SET \
                     n = rate_limit_counts.n + excluded.n \
                     RETURNING kind, key, window_start, n",
                );
                upsert.build_query_as().fetch_all(pool).await?
            });
            totals.extend(returned.into_iter().map(|(kind, key, window_start, n)| {
                RateCountTotal {
                    kind,
                    key,
                    window_start,
                    n,
                }
            }));
        }
        Ok(totals)
    }

    /// Deletes the counters of windows that ended before `now` (Unix seconds); returns how
    /// many. Idempotent: every process may run it.
    pub async fn purge_rate_counts(&self, now: i64) -> Result<u64, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query("DELETE FROM rate_limit_counts WHERE window_end < $1")
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected())
        })
    }

    /// The stored total of one counter (0 when absent): for tests and inspection.
    pub async fn rate_count(
        &self,
        kind: &str,
        key: &[u8],
        window_start: i64,
    ) -> Result<i64, StoreError> {
        on_pool!(self, pool => {
            let n: Option<i64> = sqlx::query_scalar(
                "SELECT n FROM rate_limit_counts WHERE kind = $1 AND key = $2 AND window_start = $3",
            )
            .bind(kind)
            .bind(key)
            .bind(window_start)
            .fetch_optional(pool)
            .await?;
            Ok(n.unwrap_or(0))
        })
    }
}
