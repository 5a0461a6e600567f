//! Reader for CCW RIF files in BFD's layouts (`../shared/reference/rif/mappings/`).
//!
//! Empty until the claims model lands (issue 3); the crate exists so that the workspace
//! shape in `ARCHITECTURE.md` is the real one from the start.
