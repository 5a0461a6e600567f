//! Waits between retries (pure): exponential backoff, and `Retry-After` (RFC 9110 §10.2.3:
//! delay seconds or an HTTP date) when the server sends it, both capped by
//! [`RetrySettings::max_wait`].

use crate::config::RetrySettings;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// The backoff before retry `n` (1, 2, …): `backoff_factor × 2^(n−1)` seconds, capped.
pub fn backoff(settings: &RetrySettings, n: u32) -> Duration {
    let exponent = i32::try_from(n.saturating_sub(1).min(62)).unwrap_or(62);
    let seconds = settings.backoff_factor * 2f64.powi(exponent);
    cap(settings, seconds)
}

/// A `Retry-After` value as a wait from `now`: delay seconds, or an HTTP date (a date in
/// the past waits 0). `None` when it is neither.
pub fn retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

/// The wait before retry `n`: the server's `Retry-After` when it gave a readable one,
/// else the backoff; never more than `max_wait`.
pub fn wait_before(
    settings: &RetrySettings,
    n: u32,
    retry_after_header: Option<&str>,
    now: DateTime<Utc>,
) -> Duration {
    match retry_after_header.and_then(|v| retry_after(v, now)) {
        Some(wait) => wait.min(settings.max_wait),
        None => backoff(settings, n),
    }
}

fn cap(settings: &RetrySettings, seconds: f64) -> Duration {
    let max = settings.max_wait.as_secs_f64();
    if !seconds.is_finite() || seconds >= max {
        settings.max_wait
    } else if seconds <= 0.0 {
        Duration::ZERO
    } else {
        Duration::from_secs_f64(seconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(factor: f64, max: u64) -> RetrySettings {
        RetrySettings {
            backoff_factor: factor,
            max_wait: Duration::from_secs(max),
            ..RetrySettings::default()
        }
    }

    #[test]
    fn backoff_doubles_from_the_factor_and_is_capped() {
        let s = settings(0.5, 30);
        let waits: Vec<f64> = (1..=4).map(|n| backoff(&s, n).as_secs_f64()).collect();
        assert_eq!(waits, vec![0.5, 1.0, 2.0, 4.0]);
        assert_eq!(backoff(&s, 40), Duration::from_secs(30));
        assert_eq!(backoff(&settings(5.0, 60), 3), Duration::from_secs(20));
        assert_eq!(backoff(&settings(0.0, 60), 3), Duration::ZERO);
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = DateTime::parse_from_rfc3339("2015-10-21T07:28:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:28:07 GMT", now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon", now), None);
        assert_eq!(retry_after("-5", now), None);
    }

    #[test]
    fn retry_after_wins_over_backoff_but_not_over_the_cap() {
        let s = settings(0.5, 10);
        let now = DateTime::UNIX_EPOCH;
        assert_eq!(wait_before(&s, 1, Some("3"), now), Duration::from_secs(3));
        assert_eq!(
            wait_before(&s, 1, Some("3600"), now),
            Duration::from_secs(10)
        );
        assert_eq!(
            wait_before(&s, 2, Some("garbage"), now),
            Duration::from_secs(1)
        );
        assert_eq!(wait_before(&s, 2, None, now), Duration::from_secs(1));
    }
}
