//! Per-application usage for the developer portal's dashboard: API requests made with an
//! app's bearer tokens (FHIR and userinfo) per UTC day, the errors among them (4xx and 5xx
//! apart), and the enrollees whose data the app used that day.
//!
//! Recording is on the FHIR hot path, so it never touches the store: [`Usage::record`]
//! adds to counters in memory (one uncontended lock, hash lookups keyed by the app id the
//! bearer check already holds; nothing allocated once an app and enrollee are known in the
//! current batch). A background task writes the batch a few seconds after its first record
//! ([`FLUSH_AFTER`]) as upserts that add (`requests = requests + excluded.requests`), so
//! replicas and successive batches sum. [`Usage::flush`] writes what is pending now: the
//! server calls it on shutdown and before showing a dashboard. A failed write puts its
//! counts back, to be retried with the next batch.

use crate::accounts::operation_id;
use crate::{Deps, DomainError};
use bb_store::{UsageCountRow, UsageEnrolleeRow};
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// How long after the first record of a batch the batch is written.
pub const FLUSH_AFTER: Duration = Duration::from_secs(5);

const DAY_SECS: i64 = 86_400;

/// The usage recorder and reader; cheap to clone.
#[derive(Clone)]
pub struct Usage {
    inner: Arc<Inner>,
}

struct Inner {
    deps: Arc<Deps>,
    pending: Mutex<HashMap<Arc<str>, AppPending>>,
    scheduled: AtomicBool,
    wake: Arc<Notify>,
    // Serialises writers so a flush sees every earlier batch committed.
    writing: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct AppPending {
    days: HashMap<i64, Counts>,
    enrollees: HashSet<(i64, i64)>,
}

#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
struct Counts {
    requests: i64,
    errors_4xx: i64,
    errors_5xx: i64,
}

impl Counts {
    fn add(&mut self, other: Counts) {
        self.requests += other.requests;
        self.errors_4xx += other.errors_4xx;
        self.errors_5xx += other.errors_5xx;
    }
}

/// One day of an application's usage.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UsageDay {
    /// The UTC day.
    pub date: NaiveDate,
    /// API requests with the app's tokens.
    pub requests: i64,
    /// Answers 400–499 among them.
    pub errors_4xx: i64,
    /// Answers 500 and above among them.
    pub errors_5xx: i64,
    /// Distinct enrollees whose data the app used.
    pub enrollees: i64,
}

/// An application's usage over a range of days, as the dashboard shows it.
#[derive(Clone, Debug)]
pub struct AppUsage {
    /// Application name.
    pub name: String,
    /// Every day of the range, oldest first (days without use are zeros).
    pub days: Vec<UsageDay>,
}

/// The UTC day (days since 1970-01-01) of a time in milliseconds.
fn day_of(ms: i64) -> i64 {
    ms.div_euclid(1000).div_euclid(DAY_SECS)
}

fn date_of(day: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp(day.saturating_mul(DAY_SECS), 0)
        .map(|t| t.date_naive())
        .unwrap_or_default()
}

impl Usage {
    pub(crate) fn new(deps: Arc<Deps>) -> Self {
        let usage = Self {
            inner: Arc::new(Inner {
                deps,
                pending: Mutex::new(HashMap::new()),
                scheduled: AtomicBool::new(false),
                wake: Arc::new(Notify::new()),
                writing: tokio::sync::Mutex::new(()),
            }),
        };
        // Without a runtime (plain unit tests) counts wait for an explicit flush.
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            let weak = Arc::downgrade(&usage.inner);
            let wake = usage.inner.wake.clone();
            handle.spawn(async move {
                loop {
                    wake.notified().await;
                    tokio::time::sleep(FLUSH_AFTER).await;
                    let Some(inner) = weak.upgrade() else { return };
                    Usage { inner }.flush().await;
                }
            });
        }
        usage
    }

    /// Counts one API request of `application_id` for enrollee `bene_id`, answered with
    /// `status`. Never waits on the store.
    pub fn record(&self, application_id: &Arc<str>, bene_id: i64, status: u16) {
        let day = day_of(self.inner.deps.clock.now().timestamp_millis());
        if let Ok(mut pending) = self.inner.pending.lock() {
            let app = match pending.get_mut(&**application_id) {
                Some(app) => app,
                None => pending.entry(application_id.clone()).or_default(),
            };
            let counts = app.days.entry(day).or_default();
            counts.requests += 1;
            match status {
                400..=499 => counts.errors_4xx += 1,
                500.. => counts.errors_5xx += 1,
                _ => {}
            }
            app.enrollees.insert((day, bene_id));
        }
        if !self.inner.scheduled.swap(true, Ordering::AcqRel) {
            self.inner.wake.notify_one();
        }
    }

    /// Writes every pending count now. A failed write is logged and its counts are kept
    /// for the next batch.
    pub async fn flush(&self) {
        let _writing = self.inner.writing.lock().await;
        self.inner.scheduled.store(false, Ordering::Release);
        let batch = match self.inner.pending.lock() {
            Ok(mut pending) => std::mem::take(&mut *pending),
            Err(_) => return,
        };
        if batch.is_empty() {
            return;
        }
        let mut counts = Vec::new();
        let mut enrollees = Vec::new();
        for (app, pending) in &batch {
            for (day, c) in &pending.days {
                counts.push(UsageCountRow {
                    application_id: app.to_string(),
                    day: *day,
                    requests: c.requests,
                    errors_4xx: c.errors_4xx,
                    errors_5xx: c.errors_5xx,
                });
            }
            for (day, bene_id) in &pending.enrollees {
                enrollees.push(UsageEnrolleeRow {
                    application_id: app.to_string(),
                    day: *day,
                    bene_id: *bene_id,
                });
            }
        }
        if let Err(e) = self
            .inner
            .deps
            .store
            .add_app_usage(&counts, &enrollees)
            .await
        {
            tracing::error!(error = %e, days = counts.len(), "usage write failed; will retry");
            if let Ok(mut pending) = self.inner.pending.lock() {
                for (app, failed) in batch {
                    let into = pending.entry(app).or_default();
                    for (day, c) in failed.days {
                        into.days.entry(day).or_default().add(c);
                    }
                    into.enrollees.extend(failed.enrollees);
                }
            }
            if !self.inner.scheduled.swap(true, Ordering::AcqRel) {
                self.inner.wake.notify_one();
            }
        }
    }

    /// The usage of application `application_id` over the last `days` UTC days (today
    /// included), for portal user `user_id`: `None` unless the user owns the application or
    /// belongs to its organization. Pending counts are written first.
    pub async fn of_app(
        &self,
        user_id: &str,
        application_id: &str,
        days: u16,
    ) -> Result<Option<AppUsage>, DomainError> {
        let deps = &self.inner.deps;
        let store_err = |e| DomainError::from_store(e, || operation_id(deps), &[]);
        if !deps
            .store
            .application_visible_to(application_id, user_id)
            .await
            .map_err(store_err)?
        {
            return Ok(None);
        }
        let Some(app) = deps
            .store
            .application_by_id(application_id)
            .await
            .map_err(store_err)?
        else {
            return Ok(None);
        };
        self.flush().await;
        let last = day_of(deps.clock.now().timestamp_millis());
        let first = last - i64::from(days.max(1)) + 1;
        let rows = deps
            .store
            .app_usage(application_id, first, last)
            .await
            .map_err(store_err)?;
        let mut rows = rows.into_iter().peekable();
        let mut series = Vec::with_capacity(usize::from(days));
        for day in first..=last {
            let mut out = UsageDay {
                date: date_of(day),
                ..UsageDay::default()
            };
            if let Some(row) = rows.next_if(|r| r.day == day) {
                out.requests = row.requests;
                out.errors_4xx = row.errors_4xx;
                out.errors_5xx = row.errors_5xx;
                out.enrollees = row.enrollees;
            }
            series.push(out);
        }
        Ok(Some(AppUsage {
            name: app.name,
            days: series,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_utc_days() {
        assert_eq!(day_of(0), 0);
        assert_eq!(day_of(86_399_999), 0);
        assert_eq!(day_of(86_400_000), 1);
        assert_eq!(day_of(-1), -1);
        assert_eq!(date_of(0).to_string(), "1970-01-01");
        assert_eq!(date_of(20_791).to_string(), "2026-12-04");
    }
}
