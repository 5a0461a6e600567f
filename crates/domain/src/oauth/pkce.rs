//! PKCE (RFC 7636) with `S256` only, as BB2 requires on every authorization request.
//!
//! BB2 tolerates the Python SDK's padded base64url: the challenge is compared with its
//! `=` padding stripped, and the verifier is checked for length only (43–128), not for
//! RFC 7636's character set, because that SDK's verifier ends in `=`. The verifier is
//! hashed exactly as sent.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Why a challenge is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum ChallengeError {
    /// No `code_challenge`.
    Missing,
    /// `code_challenge_method` missing or not `S256` (`plain` is refused).
    Method,
    /// Not 43 base64url characters after the padding.
    Malformed,
}

impl ChallengeError {
    /// The `error_description`.
    pub fn describe(&self) -> &'static str {
        match self {
            Self::Missing => "code_challenge is required (PKCE)",
            Self::Method => "code_challenge_method must be S256",
            Self::Malformed => "code_challenge must be the base64url SHA-256 of the verifier",
        }
    }
}

/// Checks an authorization request's challenge; returns it without padding.
pub fn parse_challenge(
    challenge: Option<&str>,
    method: Option<&str>,
) -> Result<String, ChallengeError> {
    let challenge = challenge
        .filter(|c| !c.is_empty())
        .ok_or(ChallengeError::Missing)?;
    if method != Some("S256") {
        return Err(ChallengeError::Method);
    }
    let stripped = challenge.trim_end_matches('=');
    let ok = stripped.len() == 43
        && stripped
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(stripped.to_owned())
    } else {
        Err(ChallengeError::Malformed)
    }
}

/// Whether `verifier` (43–128 characters) hashes to `challenge` (stored without padding),
/// compared in constant time.
pub fn verify(verifier: &str, challenge: &str) -> bool {
    if !(43..=128).contains(&verifier.len()) {
        return false;
    }
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    bool::from(computed.as_bytes().ct_eq(challenge.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE;

    #[test]
    fn rfc7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = parse_challenge(
            Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
            Some("S256"),
        );
        assert_eq!(
            challenge.as_deref(),
            Ok("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        );
        assert!(verify(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!verify(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
    }

    #[test]
    fn python_sdk_padding_is_tolerated() {
        // The Python SDK: a 44-character verifier ending in '=', a padded challenge.
        let verifier = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=";
        let padded = URL_SAFE.encode(Sha256::digest(verifier.as_bytes()));
        assert!(padded.ends_with('='));
        let stored = parse_challenge(Some(&padded), Some("S256")).unwrap_or_default();
        assert!(verify(verifier, &stored));
    }

    #[test]
    fn refusals() {
        let c = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert_eq!(
            parse_challenge(None, Some("S256")),
            Err(ChallengeError::Missing)
        );
        assert_eq!(
            parse_challenge(Some(c), Some("plain")),
            Err(ChallengeError::Method)
        );
        assert_eq!(parse_challenge(Some(c), None), Err(ChallengeError::Method));
        assert_eq!(
            parse_challenge(Some("short"), Some("S256")),
            Err(ChallengeError::Malformed)
        );
        assert!(!verify("short", c));
        assert!(!verify(&"a".repeat(129), c));
    }
}
