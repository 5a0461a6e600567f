//! Per-application usage: counts of API requests per UTC day (`app_usage`) and the
//! enrollees whose data an app used each day (`app_usage_enrollees`). The domain adds up
//! counts in memory and hands them here in batches; each batch is one transaction of
//! upserts that add to what is stored (`requests = requests + excluded.requests`), so
//! replicas and successive flushes simply sum.

use crate::{Store, StoreError, on_pool};

/// Counts to add for one application and day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsageCountRow {
    /// Application primary key.
    pub application_id: String,
    /// UTC day: days since 1970-01-01.
    pub day: i64,
    /// API requests (FHIR and userinfo with the app's bearer token).
    pub requests: i64,
    /// Answers 400–499 among them.
    pub errors_4xx: i64,
    /// Answers 500 and above among them.
    pub errors_5xx: i64,
}

/// An enrollee whose data an application used on a day.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UsageEnrolleeRow {
    /// Application primary key.
    pub application_id: String,
    /// UTC day: days since 1970-01-01.
    pub day: i64,
    /// Beneficiary.
    pub bene_id: i64,
}

/// One day of an application's usage as read back (days without any record are absent).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UsageDayRow {
    /// UTC day: days since 1970-01-01.
    pub day: i64,
    /// API requests.
    pub requests: i64,
    /// Answers 400–499.
    pub errors_4xx: i64,
    /// Answers 500 and above.
    pub errors_5xx: i64,
    /// Distinct enrollees whose data the app used.
    pub enrollees: i64,
}

/// `(day, requests, errors_4xx, errors_5xx)` as read.
type DayCounts = (i64, i64, i64, i64);

/// Rows per multi-row `INSERT` of enrollees.
const ROWS_PER_INSERT: usize = 500;

impl Store {
    /// Adds counts and enrollee-days in one transaction: all land or none.
    pub async fn add_app_usage(
        &self,
        counts: &[UsageCountRow],
        enrollees: &[UsageEnrolleeRow],
    ) -> Result<(), StoreError> {
        if counts.is_empty() && enrollees.is_empty() {
            return Ok(());
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for row in counts {
                sqlx::query(
                    "INSERT INTO app_usage (application_id, day, requests, errors_4xx, errors_5xx) \
                     VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (application_id, day) DO UPDATE SET \
                     requests = app_usage.requests + excluded.requests, \
                     errors_4xx = app_usage.errors_4xx + excluded.errors_4xx, \
                     errors_5xx = app_usage.errors_5xx + excluded.errors_5xx",
                )
                .bind(&row.application_id)
                .bind(row.day)
                .bind(row.requests)
                .bind(row.errors_4xx)
                .bind(row.errors_5xx)
                .execute(&mut *tx)
                .await?;
            }
            for chunk in enrollees.chunks(ROWS_PER_INSERT) {
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO app_usage_enrollees (application_id, day, bene_id) ",
                );
                insert.push_values(chunk, |mut b, row| {
                    b.push_bind(&row.application_id)
                        .push_bind(row.day)
                        .push_bind(row.bene_id);
                });
                insert.push(" ON CONFLICT DO NOTHING");
                insert.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// An application's usage on days `first..=last`, oldest first; days without any
    /// record are left out.
    pub async fn app_usage(
        &self,
        application_id: &str,
        first: i64,
        last: i64,
    ) -> Result<Vec<UsageDayRow>, StoreError> {
        let (counts, enrollees): (Vec<DayCounts>, Vec<(i64, i64)>) = on_pool!(self, pool => {
            let counts = sqlx::query_as(
                "SELECT day, requests, errors_4xx, errors_5xx FROM app_usage \
                 WHERE application_id = $1 AND day >= $2 AND day <= $3 ORDER BY day",
            )
            .bind(application_id)
            .bind(first)
            .bind(last)
            .fetch_all(pool)
            .await?;
            let enrollees = sqlx::query_as(
                "SELECT day, COUNT(*) FROM app_usage_enrollees \
                 WHERE application_id = $1 AND day >= $2 AND day <= $3 GROUP BY day ORDER BY day",
            )
            .bind(application_id)
            .bind(first)
            .bind(last)
            .fetch_all(pool)
            .await?;
            (counts, enrollees)
        });
        let mut days: std::collections::BTreeMap<i64, UsageDayRow> = counts
            .into_iter()
            .map(|(day, requests, errors_4xx, errors_5xx)| {
                (
                    day,
                    UsageDayRow {
                        day,
                        requests,
                        errors_4xx,
                        errors_5xx,
                        enrollees: 0,
                    },
                )
            })
            .collect();
        for (day, n) in enrollees {
            days.entry(day)
                .or_insert_with(|| UsageDayRow {
                    day,
                    ..UsageDayRow::default()
                })
                .enrollees = n;
        }
        Ok(days.into_values().collect())
    }

    /// Whether `user_id` owns the application or belongs to its organization.
    pub async fn application_visible_to(
        &self,
        application_id: &str,
        user_id: &str,
    ) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let found: Option<String> = sqlx::query_scalar(
                "SELECT a.id FROM applications a WHERE a.id = $1 AND (a.owner_id = $2 OR EXISTS \
                 (SELECT 1 FROM organization_members m \
                  WHERE m.organization_id = a.organization_id AND m.user_id = $2))",
            )
            .bind(application_id)
            .bind(user_id)
            .fetch_optional(pool)
            .await?;
            Ok(found.is_some())
        })
    }
}
