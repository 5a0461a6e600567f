//! Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP): HMAC-SHA-1, 6 digits,
//! 30-second steps, the step before and after the current one accepted for clock drift.
//! What every authenticator app does by default, so no QR code or script is needed: the
//! enrolment page shows the `otpauth://` URI and the secret in base32 as text.
//!
//! Replays are refused by the caller, which remembers the last step used per account
//! (the store's conditional update: a step is accepted only when it is later than the last
//! one). Secrets are 20 random bytes (RFC 4226 §4: 160 bits) and never printed.

use crate::clock::Entropy;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use std::fmt;
use subtle::ConstantTimeEq;

/// Digits of a code.
pub const DIGITS: u32 = 6;
/// Length of a time step in seconds.
pub const STEP_SECS: i64 = 30;
/// Bytes of a secret.
pub const SECRET_BYTES: usize = 20;

/// A TOTP secret. `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl TotpSecret {
    /// A fresh random secret.
    pub fn generate(entropy: &dyn Entropy) -> Self {
        let mut bytes = vec![0u8; SECRET_BYTES];
        entropy.fill(&mut bytes);
        Self(bytes)
    }

    /// A stored secret.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The raw bytes, for storage.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The secret in base32 (RFC 4648, no padding), as authenticator apps take it.
    pub fn base32(&self) -> String {
        base32(&self.0)
    }

    /// The `otpauth://` URI (Key Uri Format) of this secret for `account` at `issuer`.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        let enc = |s: &str| -> String {
            url::form_urlencoded::byte_serialize(s.as_bytes())
                .collect::<String>()
                .replace('+', "%20")
        };
        format!(
            "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
            enc(issuer),
            enc(account),
            self.base32(),
            enc(issuer)
        )
    }

    /// The code of a time step.
    pub fn code_at(&self, step: i64) -> String {
        let value = hotp(&self.0, u64::try_from(step).unwrap_or(0), DIGITS);
        format!("{value:0width$}", width = DIGITS as usize)
    }

    /// The step (among the current one and its two neighbours) whose code `code` is,
    /// compared in constant time; `None` when it matches none or is not 6 digits.
    pub fn matching_step(&self, code: &str, unix_secs: i64) -> Option<i64> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let now = step_of(unix_secs);
        let mut found = None;
        // Every candidate is computed and compared, so timing does not tell which matched.
        for step in [now - 1, now, now + 1] {
            if bool::from(self.code_at(step).as_bytes().ct_eq(code.as_bytes())) {
                found = Some(step);
            }
        }
        found
    }
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(***)")
    }
}

/// The time step of a Unix time (T0 = 0).
pub fn step_of(unix_secs: i64) -> i64 {
    unix_secs.div_euclid(STEP_SECS)
}

/// HOTP (RFC 4226 §5.3): HMAC-SHA-1 of the big-endian counter, dynamic truncation,
/// modulo 10^digits.
pub fn hotp(key: &[u8], counter: u64, digits: u32) -> u32 {
    let Ok(mut mac) = <Hmac<Sha1> as KeyInit>::new_from_slice(key) else {
        // HMAC takes keys of any length; this branch cannot be reached.
        return 0;
    };
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let binary = (u32::from(digest[offset] & 0x7f) << 24)
        | (u32::from(digest[offset + 1]) << 16)
        | (u32::from(digest[offset + 2]) << 8)
        | u32::from(digest[offset + 3]);
    binary % 10u32.pow(digits)
}

const BASE32_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding.
fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(
                BASE32_ALPHABET[((buffer >> bits) & 31) as usize],
            ));
        }
    }
    if bits > 0 {
        out.push(char::from(
            BASE32_ALPHABET[((buffer << (5 - bits)) & 31) as usize],
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SeededEntropy;

    /// RFC 6238 Appendix B, SHA-1 column: seed "12345678901234567890", 8 digits.
    const RFC6238_SHA1: &[(i64, u32)] = &[
        (59, 94_287_082),
        (1_111_111_109, 7_081_804),
        (1_111_111_111, 14_050_471),
        (1_234_567_890, 89_005_924),
        (2_000_000_000, 69_279_037),
        (20_000_000_000, 65_353_130),
    ];

    #[test]
    fn rfc6238_appendix_b_vectors() {
        let key = b"12345678901234567890";
        for &(time, expected) in RFC6238_SHA1 {
            let step = u64::try_from(step_of(time)).unwrap();
            assert_eq!(hotp(key, step, 8), expected, "T = {time}");
            // Six digits are the last six of the same truncation.
            let secret = TotpSecret::from_bytes(key.to_vec());
            assert_eq!(
                secret.code_at(step_of(time)),
                format!("{:06}", expected % 1_000_000)
            );
        }
    }

    #[test]
    fn rfc4226_appendix_d_vectors() {
        let key = b"12345678901234567890";
        let expected = [755_224, 287_082, 359_152, 969_429, 338_314];
        for (counter, value) in expected.iter().enumerate() {
            assert_eq!(hotp(key, counter as u64, 6), *value);
        }
    }

    #[test]
    fn one_step_of_drift_either_way_is_accepted() {
        let secret = TotpSecret::from_bytes(b"12345678901234567890".to_vec());
        let now = 1_111_111_111;
        let step = step_of(now);
        for drift in [-1, 0, 1] {
            let code = secret.code_at(step + drift);
            assert_eq!(secret.matching_step(&code, now), Some(step + drift));
        }
        assert_eq!(secret.matching_step(&secret.code_at(step - 2), now), None);
        assert_eq!(secret.matching_step(&secret.code_at(step + 2), now), None);
        assert_eq!(secret.matching_step("12345", now), None);
        assert_eq!(secret.matching_step("abcdef", now), None);
        // Spaces, as some apps show the code in two groups, are ignored.
        let spaced = format!(
            "{} {}",
            &secret.code_at(step)[..3],
            &secret.code_at(step)[3..]
        );
        assert_eq!(secret.matching_step(&spaced, now), Some(step));
    }

    #[test]
    fn base32_and_uri() {
        // RFC 4648 §10 test vectors (padding dropped).
        assert_eq!(base32(b""), "");
        assert_eq!(base32(b"f"), "MY");
        assert_eq!(base32(b"fo"), "MZXQ");
        assert_eq!(base32(b"foo"), "MZXW6");
        assert_eq!(base32(b"foob"), "MZXW6YQ");
        assert_eq!(base32(b"fooba"), "MZXW6YTB");
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        let secret = TotpSecret::from_bytes(b"12345678901234567890".to_vec());
        assert_eq!(secret.base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(
            secret.otpauth_uri("Blue Button", "dev@example.org"),
            "otpauth://totp/Blue%20Button:dev%40example.org?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Blue%20Button&algorithm=SHA1&digits=6&period=30"
        );
        assert_eq!(format!("{secret:?}"), "TotpSecret(***)");
        let fresh = TotpSecret::generate(&SeededEntropy::new(3));
        assert_eq!(fresh.as_bytes().len(), SECRET_BYTES);
        assert_eq!(fresh.base32().len(), 32);
    }
}
