//! The report types this part needs, mirroring `report.rs` field for field (names and serde
//! shape) so that the two can be swapped: `Evidence` with character offsets, `Verdict`,
//! `ChecklistItem` and `Contradiction` as in the contract's "Policy report".

use serde::{Deserialize, Serialize};

/// A passage of the analysed text; `start`/`end` are CHARACTER offsets into it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The passage itself, equal to the characters `start..end` of the text.
    pub text: String,
    /// First character of the passage.
    pub start: usize,
    /// One past the last character of the passage.
    pub end: usize,
}

/// Whether the policy addresses a checklist item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The policy states its practice on the item (a negative statement counts).
    Found,
    /// The policy touches the topic but does not state the practice.
    Unclear,
    /// Nothing on the item.
    Missing,
}

/// One checklist item's verdict with up to three evidence passages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistItem {
    /// One of the contract's 15 ids (`collection`, …, `sale_of_company`).
    pub id: String,
    /// The verdict.
    pub verdict: Verdict,
    /// The supporting passages, best first.
    pub evidence: Vec<Evidence>,
}

/// Two passages that disagree on a topic (`sale`, `sharing` or `retention`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contradiction {
    /// The first passage (for a form contradiction: the form's answer, see `contradictions`).
    pub a: Evidence,
    /// The second passage.
    pub b: Evidence,
    /// `sale`, `sharing` or `retention`.
    pub topic: String,
}
