//! Deterministic synthetic Medicare claims generator: seed → canonical claims.
//!
//! Empty until the claims model lands (issue 3); the crate exists so that the workspace
//! shape in `ARCHITECTURE.md` is the real one from the start.
