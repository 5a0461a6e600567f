//! The authorization server's rules (RFC 6749, RFC 7636, RFC 7009, RFC 7662, OpenID Connect
//! Core 1.0, SMART App Launch 2.0); see `docs/design/authorization.md`.
//!
//! - [`keys`]: RS256 keys that sign ID tokens and the JWKS that publishes them.
//! - [`scopes`]: the scope grammar (SMART v1 and v2) and the per-resource permission bits.
//! - [`pkce`]: S256 challenges with BB2's padding tolerance.
//! - [`service`]: authorization flows, consent, codes, tokens, grants, revocation.
//! - [`upstream`]: the production login seam, an upstream OpenID Connect provider.

pub mod keys;
pub mod pkce;
pub mod scopes;
pub mod service;
pub mod upstream;

pub use keys::{IdTokenClaims, SigningKeys};
