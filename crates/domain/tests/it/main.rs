//! Domain integration tests: FHIR rendering against BFD's approved responses (golden), on
//! the `sample-a` RIF files imported through the real importer into an in-memory store;
//! developer portal accounts on the fake clock.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests stop loudly

mod c4bb;
mod golden;
mod golden_institutional;
mod golden_patient;
mod golden_professional;
mod import;
mod portal;
mod upstream;
