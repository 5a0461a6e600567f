//! The policy report as `bluebutton policy check --format json` prints it: serde types that
//! follow `shared/design/contract.md` ("Policy report") field for field. Every `start`/`end`
//! is a CHARACTER offset (not a byte offset) into the extracted text, end exclusive.

use serde::{Deserialize, Serialize};

/// The 15 checklist ids, one per item of the seed's privacy-policy checklist, in the
/// contract's order (the report lists its items in this order).
pub const CHECKLIST_IDS: [&str; 15] = [
    "collection",
    "consent",
    "disclosure",
    "access",
    "security",
    "retention_deletion",
    "sharing",
    "sharing_duration",
    "deidentified",
    "revocation",
    "dormant_accounts",
    "policy_changes",
    "vendors",
    "breach",
    "sale_of_company",
];

/// One input file's report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The file name as given (no directory is added or removed by the engine).
    pub file: String,
    /// Words counted for readability.
    pub words: usize,
    /// Sentence units (headings and list items without final punctuation count as one each).
    pub sentences: usize,
    /// The seven scores, their range and the hardest passages. Advisory only.
    pub readability: Readability,
    /// One item per checklist id in `CHECKLIST_IDS` order; empty when no classifier ran.
    pub checklist: Vec<ChecklistItem>,
    /// Uses of "Blue Button", "CMS Blue Button" or "Medicare.gov" as the data source's name.
    pub naming: Vec<NamingHit>,
    /// Pairs of passages that contradict each other; empty when no finder ran.
    pub contradictions: Vec<Contradiction>,
}

/// The readability block of the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Readability {
    /// Flesch Reading Ease (higher is easier; 60–70 ≈ 8th–9th grade).
    pub flesch_reading_ease: f64,
    /// Flesch–Kincaid grade level.
    pub flesch_kincaid_grade: f64,
    /// SMOG grade.
    pub smog: f64,
    /// Gunning Fog index.
    pub gunning_fog: f64,
    /// Coleman–Liau index.
    pub coleman_liau: f64,
    /// New Dale–Chall raw score.
    pub dale_chall: f64,
    /// Automated Readability Index.
    pub ari: f64,
    /// [lowest, highest] of the six grade-level scores (all but Flesch Reading Ease).
    pub grade_range: [f64; 2],
    /// Up to three distinct sentences with the highest grade, hardest first.
    pub hardest_passages: Vec<Passage>,
}

/// A passage with its grade (the mean of the Flesch–Kincaid, Fog, Coleman–Liau and ARI
/// grades of that passage alone).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Passage {
    /// The passage, exactly the extracted text between `start` and `end`.
    pub text: String,
    /// First character.
    pub start: usize,
    /// One past the last character.
    pub end: usize,
    /// Its grade.
    pub grade: f64,
}

/// A span of the extracted text cited as evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// Exactly the extracted text between `start` and `end`.
    pub text: String,
    /// First character.
    pub start: usize,
    /// One past the last character.
    pub end: usize,
}

/// A checklist verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The policy covers the item.
    Found,
    /// Something relevant is there, but not clearly enough.
    Unclear,
    /// Nothing covers the item.
    Missing,
}

/// One checklist item's verdict with its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistItem {
    /// One of `CHECKLIST_IDS`.
    pub id: String,
    /// found / unclear / missing.
    pub verdict: Verdict,
    /// The passages that support the verdict (none for `missing`).
    pub evidence: Vec<Evidence>,
}

/// Two passages of the policy that say opposite things on one topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contradiction {
    /// The first passage.
    pub a: Evidence,
    /// The second passage.
    pub b: Evidence,
    /// "sale", "sharing" or "retention".
    pub topic: String,
}

/// A use of a banned name for the data source, with the sentence it is in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamingHit {
    /// The canonical term: "Blue Button", "CMS Blue Button" or "Medicare.gov".
    pub term: String,
    /// The sentence that uses it, exactly the extracted text between `start` and `end`.
    pub text: String,
    /// First character of that sentence.
    pub start: usize,
    /// One past its last character.
    pub end: usize,
}
