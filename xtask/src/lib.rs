//! Repository automation shared by `cargo xtask` and its tests.
//!
//! [`tidy`] checks the architecture invariants of `ARCHITECTURE.md` on the source tree
//! (rust-analyzer's `xtask/src/tidy.rs` is the model); [`codegen`] turns BFD's RIF layouts into
//! Rust; [`docs`] renders the developer documentation's data dictionary and FHIR examples;
//! [`bench`] holds the benchmarks that need a release binary.

pub mod bench;
pub mod codebooks;
pub mod codegen;
pub mod docs;
pub mod tidy;
