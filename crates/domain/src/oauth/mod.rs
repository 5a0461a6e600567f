//! The OpenID Connect side of the authorization server (OpenID Connect Core 1.0, RFC 6749).
//!
//! For now: the RS256 keys that sign ID tokens and the JWKS that publishes them
//! ([`keys`]; RFC 7515, RFC 7517, RFC 7518 §3.3, RFC 7519). Authorization codes, tokens and
//! grants land here next.

pub mod keys;

pub use keys::{IdTokenClaims, SigningKeys};
