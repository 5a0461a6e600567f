//! The only place that reads the wall clock or the operating system's random source.
//!
//! Everything else receives a [`Clock`] and an [`Entropy`]; tests pass [`FakeClock`] and
//! [`SeededEntropy`] so that results are reproducible. `clippy.toml` forbids
//! `Utc::now`, `SystemTime::now` and `rand::rng` outside this module, and the tidy test
//! checks it too.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use rand::{Rng, SeedableRng, rngs::ChaCha20Rng};
use std::sync::Mutex;

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// Now, in UTC.
    fn now(&self) -> DateTime<Utc>;
}

/// The real clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one permitted reader of the wall clock
    fn now(&self) -> DateTime<Utc> {
        // Microseconds: what PostgreSQL keeps, so a stored time reads back unchanged on
        // both backends.
        Utc::now().trunc_subsecs(6)
    }
}

/// A clock that moves only when told to.
#[derive(Debug)]
pub struct FakeClock(Mutex<DateTime<Utc>>);

impl FakeClock {
    /// A fake clock showing `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        Self(Mutex::new(start))
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *now += by;
    }

    /// Sets the clock.
    pub fn set(&self, to: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = to;
    }
}

impl Clock for FakeClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A source of cryptographically strong random bytes.
pub trait Entropy: Send + Sync {
    /// Fills `buf` with random bytes.
    fn fill(&self, buf: &mut [u8]);
}

/// The operating system's random source (through rand's thread-local CSPRNG, which is
/// seeded and periodically reseeded from the OS).
#[derive(Clone, Copy, Debug, Default)]
pub struct OsEntropy;

impl Entropy for OsEntropy {
    #[allow(clippy::disallowed_methods)] // the one permitted reader of OS randomness
    fn fill(&self, buf: &mut [u8]) {
        rand::rng().fill_bytes(buf);
    }
}

/// Reproducible randomness for tests and deterministic generation.
#[derive(Debug)]
pub struct SeededEntropy(Mutex<ChaCha20Rng>);

impl SeededEntropy {
    /// A random source that yields the same bytes for the same seed.
    pub fn new(seed: u64) -> Self {
        Self(Mutex::new(ChaCha20Rng::seed_from_u64(seed)))
    }
}

impl Entropy for SeededEntropy {
    fn fill(&self, buf: &mut [u8]) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .fill_bytes(buf);
    }
}

const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// `len` characters drawn uniformly from `[A-Za-z0-9]` (rejection sampling, no modulo bias).
pub fn random_alphanumeric(entropy: &dyn Entropy, len: usize) -> String {
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        entropy.fill(&mut buf);
        for &b in &buf {
            // 62 * 4 = 248: bytes below 248 map evenly onto the alphabet.
            if b < 248 && out.len() < len {
                out.push(char::from(ALPHANUMERIC[usize::from(b % 62)]));
            }
        }
    }
    out
}

/// A new time-ordered identifier (UUID v7) from the injected clock and entropy.
pub fn new_id(clock: &dyn Clock, entropy: &dyn Entropy) -> uuid::Uuid {
    let mut random = [0u8; 10];
    entropy.fill(&mut random);
    let millis = u64::try_from(clock.now().timestamp_millis()).unwrap_or(0);
    uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_entropy_repeats_and_differs_by_seed() {
        let a = random_alphanumeric(&SeededEntropy::new(7), 40);
        let b = random_alphanumeric(&SeededEntropy::new(7), 40);
        let c = random_alphanumeric(&SeededEntropy::new(8), 40);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), 40);
        assert!(a.bytes().all(|b| b.is_ascii_alphanumeric()));
    }

    #[test]
    fn fake_clock_moves_only_when_told() {
        let start = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let clock = FakeClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(Duration::seconds(61));
        assert_eq!(clock.now(), start + Duration::seconds(61));
    }

    #[test]
    fn ids_are_time_ordered() {
        let clock = FakeClock::new(DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default());
        let entropy = SeededEntropy::new(1);
        let first = new_id(&clock, &entropy);
        clock.advance(Duration::milliseconds(1));
        let second = new_id(&clock, &entropy);
        assert!(first < second);
        assert_eq!(first.get_version_num(), 7);
    }
}
