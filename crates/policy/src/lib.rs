//! Privacy-policy check (issue 8, C7 of the product design): checklist coverage with
//! evidence passages, contradictions on sale, sharing and retention, and the privacy label
//! in the shape of the ONC Model Privacy Notice. Pure text in, values out: no I/O, no clock.
//! See `docs/design/policy-checklist.md`.

pub mod checklist;
pub mod contradictions;
pub mod label;
mod segment;
mod types;
