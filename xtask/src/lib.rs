//! Repository automation shared by `cargo xtask` and its tests.
//!
//! [`tidy`] checks the architecture invariants of `ARCHITECTURE.md` on the source tree
//! (rust-analyzer's `xtask/src/tidy.rs` is the model); [`bench`] holds the benchmarks that
//! need a release binary.

pub mod bench;
pub mod tidy;
