//! Deterministic synthetic Medicare claims generator: seed → canonical claims.
//!
//! [`codes`] holds the code tables the generator draws from (ICD-10-CM/ICD-9-CM diagnoses,
//! ICD-10-PCS, HCPCS and modifiers, NDC, MS-DRG, revenue centers, place of service, NUCC
//! taxonomy, the CCW codebooks' variable values) and the NPI and synthetic MBI helpers; the
//! claims model lands next (issue 3).
//!
//! [`generator`] turns `(seed, enrollees, as_of)` into the sandbox: [`Generator::enrollee`]
//! gives `BBUser<index>` with beneficiary rows, MBI history and claims of the eight types in
//! the canonical model (`bb_claims::model`), each enrollee a pure function of its index.

pub mod codes;
pub mod generator;

pub use generator::{Enrollee, FULL_INDEX, Generator};
