//! The policy-check engine (issue 8, capability C7): from a file's bytes to the report of
//! `shared/design/contract.md` ("Policy report"). No I/O beyond the bytes it is given: the
//! CLI, the portal and the review console read files or uploads and call `extract` then
//! `analyse`. See docs/design/policy-check.md.
//!
//! - `extract`: PDF / HTML / text → `ExtractedText` (limits, deadline, never panics);
//! - `text`: segments (headings, paragraphs, list items), sentence units, words;
//! - `readability`: the seven formulas, grade range, hardest passages (advisory);
//! - `naming`: "Blue Button" / "CMS Blue Button" / "Medicare.gov" as the data source's name;
//! - `report`: the serde types of the JSON report and `CHECKLIST_IDS`.
//!
//! Checklist coverage and contradictions plug in through `ChecklistClassifier` and
//! `ContradictionFinder`; `analyse` runs whichever it is given.

pub mod extract;
pub mod naming;
pub mod readability;
pub mod report;
mod syllables;
pub mod text;

// Checklist coverage, contradictions and the privacy label (see docs/design/policy-checklist.md).
pub mod checklist;
pub mod contradictions;
pub mod label;
mod segment;
mod types;

pub use extract::{ExtractError, ExtractedText, Kind, Limits, extract};
pub use report::{
    CHECKLIST_IDS, ChecklistItem, Contradiction, Evidence, NamingHit, Passage, Readability, Report,
    Verdict,
};
pub use text::{Document, Segment, SegmentKind, Span};

/// Decides, for each of the 15 checklist ids, whether the policy covers it, with evidence.
pub trait ChecklistClassifier {
    /// One item per id of `CHECKLIST_IDS` (any order: `analyse` puts them in contract order).
    fn classify(&self, doc: &Document) -> Vec<ChecklistItem>;
}

/// Every text classifier of [`checklist`] (the rule classifier) is a checklist classifier of
/// the engine: it reads the document's text.
impl<T: checklist::TextClassifier> ChecklistClassifier for T {
    fn classify(&self, doc: &Document) -> Vec<ChecklistItem> {
        checklist::TextClassifier::classify(self, doc.text())
    }
}

/// Finds passages of one policy that contradict each other (sale, sharing, retention).
pub trait ContradictionFinder {
    /// The contradictions found.
    fn find(&self, doc: &Document) -> Vec<Contradiction>;
}

/// The pluggable parts `analyse` runs. A part left `None` is not run and its list in the
/// report stays empty (the text and HTML renderings say "not run").
#[derive(Clone, Copy, Default)]
pub struct Analysers<'a> {
    /// Checklist coverage.
    pub checklist: Option<&'a dyn ChecklistClassifier>,
    /// Contradictions inside the policy.
    pub contradictions: Option<&'a dyn ContradictionFinder>,
}

/// The analysers the CLI, the portal and the review console run: the rule classifier over
/// the 15 checklist ids and the contradictions inside the policy. Built once (its patterns
/// are compiled here) and shared.
pub struct Standard {
    classifier: checklist::RuleClassifier,
    contradictions: contradictions::WithinPolicy,
}

impl Standard {
    /// Compiles the classifier's patterns.
    pub fn new() -> Result<Self, checklist::RuleError> {
        Ok(Self {
            classifier: checklist::RuleClassifier::new()?,
            contradictions: contradictions::WithinPolicy,
        })
    }

    /// Both analysers, for [`analyse`].
    pub fn analysers(&self) -> Analysers<'_> {
        Analysers {
            checklist: Some(&self.classifier),
            contradictions: Some(&self.contradictions),
        }
    }
}

/// Analyses an extracted text: readability, naming rule, and the given analysers.
pub fn analyse(file: &str, text: &ExtractedText, with: Analysers<'_>) -> Report {
    let doc = Document::new(&text.text);
    let (readability, counts) = readability::assess(&doc);
    let naming = naming::check(&doc);
    let mut checklist = with.checklist.map(|c| c.classify(&doc)).unwrap_or_default();
    checklist.sort_by_key(|item| {
        CHECKLIST_IDS
            .iter()
            .position(|id| *id == item.id)
            .unwrap_or(CHECKLIST_IDS.len())
    });
    let contradictions = with
        .contradictions
        .map(|c| c.find(&doc))
        .unwrap_or_default();
    Report {
        file: file.to_owned(),
        words: counts.words,
        sentences: counts.sentences,
        readability,
        checklist,
        naming,
        contradictions,
    }
}

/// Loads the compiled-in word lists now rather than on the first analysis.
pub fn warm_up() {
    syllables::warm_up();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A classifier for the test only: it proves `analyse` calls the plug-in and orders its
    /// items by the contract, nothing about classification.
    struct Reversed;

    impl ChecklistClassifier for Reversed {
        fn classify(&self, doc: &Document) -> Vec<ChecklistItem> {
            CHECKLIST_IDS
                .iter()
                .rev()
                .map(|id| ChecklistItem {
                    id: (*id).to_owned(),
                    verdict: Verdict::Missing,
                    evidence: vec![doc.evidence(0, 3)],
                })
                .collect()
        }
    }

    fn sample() -> ExtractedText {
        ExtractedText {
            text: "Privacy Policy\n\nWe collect your name. Our Blue Button app shows your claims."
                .into(),
            kind: Kind::Text,
            pages: None,
        }
    }

    #[test]
    fn analyse_without_plugins_leaves_their_lists_empty() {
        let report = analyse("p.txt", &sample(), Analysers::default());
        assert_eq!(report.file, "p.txt");
        assert_eq!(report.sentences, 3);
        assert_eq!(report.words, 13);
        assert!(report.checklist.is_empty());
        assert!(report.contradictions.is_empty());
        assert_eq!(report.naming.len(), 1);
    }

    #[test]
    fn analyse_orders_checklist_items_as_the_contract() {
        let report = analyse(
            "p.txt",
            &sample(),
            Analysers {
                checklist: Some(&Reversed),
                contradictions: None,
            },
        );
        let ids: Vec<&str> = report.checklist.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, CHECKLIST_IDS);
        assert_eq!(report.checklist[0].evidence[0].text, "Pri");
    }

    #[test]
    fn report_json_has_the_contract_shape() {
        let report = analyse(
            "policy.txt",
            &sample(),
            Analysers {
                checklist: Some(&Reversed),
                contradictions: None,
            },
        );
        let v = serde_json::to_value(&report).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        let mut expected = vec![
            "file",
            "words",
            "sentences",
            "readability",
            "checklist",
            "naming",
            "contradictions",
        ];
        expected.sort_unstable();
        let mut got = keys.clone();
        got.sort_unstable();
        assert_eq!(got, expected);
        let r = &v["readability"];
        for k in [
            "flesch_reading_ease",
            "flesch_kincaid_grade",
            "smog",
            "gunning_fog",
            "coleman_liau",
            "dale_chall",
            "ari",
        ] {
            assert!(r[k].is_f64(), "{k}");
        }
        assert_eq!(r["grade_range"].as_array().unwrap().len(), 2);
        assert_eq!(v["checklist"][0]["verdict"], "missing");
        assert_eq!(v["checklist"][0]["evidence"][0]["start"], 0);
        assert_eq!(v["naming"][0]["term"], "Blue Button");
        let back: Report = serde_json::from_value(v).unwrap();
        assert_eq!(back, report);
    }
}
