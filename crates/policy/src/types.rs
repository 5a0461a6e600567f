//! The report types the checklist, contradictions and label modules use: those of
//! [`crate::report`] (the contract's "Policy report"), re-exported under the names these
//! modules were written against.

pub use crate::report::{ChecklistItem, Contradiction, Evidence, Verdict};
