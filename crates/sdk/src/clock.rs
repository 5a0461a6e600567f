//! The SDK's one reader of the wall clock and of the operating system's random source
//! (the server's `domain::clock` is not a dependency of a client library). Tests give
//! [`crate::BlueButton::with_clock`] their own [`Clock`].

use chrono::{DateTime, Utc};
use rand::Rng;

/// A source of the current time (token expiry, `Retry-After` dates).
pub trait Clock: Send + Sync {
    /// Now, in UTC.
    fn now(&self) -> DateTime<Utc>;
}

/// The real clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the SDK's one permitted reader of the wall clock
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// `n` random bytes from rand's thread-local CSPRNG (seeded from the OS): PKCE verifiers
/// and states.
#[allow(clippy::disallowed_methods)] // the SDK's one permitted reader of OS randomness
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    rand::rng().fill_bytes(&mut buf);
    buf
}
