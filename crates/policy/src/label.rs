//! The privacy label: a table in the shape of the ONC Model Privacy Notice (use of data,
//! sharing, sale, storage, security, breach, access and deletion, policy changes, contact),
//! generated from the request form's answers and the checklist report, each row a question,
//! an answer (Yes / No / Not stated) and the passage of the policy it rests on; serde for the
//! JSON API and [`PrivacyLabel::to_html`] (escaped) for the app's directory entry.
//!
//! Where the form answers a question (sharing, sale, retention), the answer is the form's
//! attestation and the evidence the policy's passage on the topic (a disagreement is a
//! contradiction, reported by `contradictions`). Elsewhere the answer comes from the
//! checklist: a "found" item is "Yes" unless its best passage is a denial ("we will not tell
//! you") which makes it "No"; "unclear" and "missing" are "Not stated" (an unclear item still
//! shows its passage).

use std::fmt::Write as _;
use std::sync::LazyLock;

use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};

use crate::contradictions::{FormAnswers, FormRetention};
use crate::segment::{Doc, evidence};
use crate::types::{ChecklistItem, Evidence, Verdict};

/// A row's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Answer {
    /// Yes.
    Yes,
    /// No.
    No,
    /// Neither the form nor the policy says.
    #[serde(rename = "Not stated")]
    NotStated,
}

impl Answer {
    /// The answer as shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Yes => "Yes",
            Answer::No => "No",
            Answer::NotStated => "Not stated",
        }
    }
}

/// One question of the label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelRow {
    /// The Model Privacy Notice section: `use`, `sharing`, `sale`, `storage`, `security`,
    /// `breach`, `access`, `changes`, `contact`.
    pub section: String,
    /// The question, in plain words.
    pub question: String,
    /// The answer.
    pub answer: Answer,
    /// A detail of the answer (the form's retention answer), if any.
    pub detail: Option<String>,
    /// The policy's passage the answer rests on, if any.
    pub evidence: Option<Evidence>,
}

/// The label: its rows in the Model Privacy Notice's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivacyLabel {
    /// The rows.
    pub rows: Vec<LabelRow>,
}

struct Patterns {
    negation: Regex,
    shares: Regex,
    delete: Regex,
    keep: Regex,
    contact: Regex,
    sale: Regex,
}

fn re(p: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(p).case_insensitive(true).build()
}

static P: LazyLock<Result<Patterns, regex::Error>> = LazyLock::new(|| {
    Ok(Patterns {
        negation: re(r"\b(not|never|no one|nobody|cannot)\b|n't\b")?,
        shares: re(r"\b(share|shares|shared|sell|sells|publish|publishes|give|given|provide)\b")?,
        delete: re(
            r"\b(delete|deletes|deleted|erase|erases|erased|remove|removes|destroy|destroyed)\b",
        )?,
        keep: re(r"\b(keep|keeps|kept|retain|retains|retained|stays?)\b")?,
        contact: re(
            r"[\w.+-]+@[\w-]+(\.[\w-]+)+|\b1?-?\(?\d{3}\)?[-. ]\d{3}[-. ]\d{4}\b|\bcontact us\b",
        )?,
        sale: re(r"\b(sell|sells|selling)\b")?,
    })
});

fn item<'a>(checklist: &'a [ChecklistItem], id: &str) -> Option<&'a ChecklistItem> {
    checklist.iter().find(|i| i.id == id)
}

fn row(section: &str, question: &str, answer: Answer, evidence: Option<Evidence>) -> LabelRow {
    LabelRow {
        section: section.into(),
        question: question.into(),
        answer,
        detail: None,
        evidence,
    }
}

impl PrivacyLabel {
    /// Builds the label from the form, the checklist report of `text`, and `text` (for the
    /// contact row and the polarity of passages).
    pub fn build(form: &FormAnswers, checklist: &[ChecklistItem], text: &str) -> PrivacyLabel {
        let Ok(p) = P.as_ref() else {
            return PrivacyLabel { rows: Vec::new() };
        };
        let best = |id: &str| item(checklist, id).and_then(|i| i.evidence.first().cloned());
        // Found → Yes (No when its passage is a denial); otherwise Not stated.
        let from_item = |id: &str| -> (Answer, Option<Evidence>) {
            match item(checklist, id) {
                Some(i) if i.verdict == Verdict::Found => {
                    let e = i.evidence.first().cloned();
                    let denied = e.as_ref().is_some_and(|e| p.negation.is_match(&e.text));
                    (if denied { Answer::No } else { Answer::Yes }, e)
                }
                Some(i) => (Answer::NotStated, i.evidence.first().cloned()),
                None => (Answer::NotStated, None),
            }
        };
        // Deleted? Yes if the passage deletes, No if it keeps, else Not stated.
        let deleted = |id: &str| -> (Answer, Option<Evidence>) {
            match item(checklist, id) {
                Some(i) if i.verdict == Verdict::Found => {
                    let del = i.evidence.iter().find(|e| p.delete.is_match(&e.text));
                    let keep = i.evidence.iter().find(|e| p.keep.is_match(&e.text));
                    match (del, keep) {
                        (Some(e), _) => (Answer::Yes, Some(e.clone())),
                        (None, Some(e)) => (Answer::No, Some(e.clone())),
                        _ => (Answer::NotStated, i.evidence.first().cloned()),
                    }
                }
                Some(i) => (Answer::NotStated, i.evidence.first().cloned()),
                None => (Answer::NotStated, None),
            }
        };
        let yes_no = |b: bool| if b { Answer::Yes } else { Answer::No };
        let doc = Doc::new(text);
        let passage = |re: &Regex| {
            doc.sentences
                .iter()
                .find(|s| re.is_match(&text[s.start..s.end]))
                .map(|s| evidence(text, s.start, s.end))
        };
        let sale_passage = passage(&p.sale);

        let mut rows = Vec::new();
        let (a, e) = from_item("collection");
        rows.push(row(
            "use",
            "Does the app collect your data to provide its service?",
            a,
            e,
        ));
        rows.push(row(
            "sharing",
            "Does the app share your identifiable data with third parties?",
            yes_no(form.shares_with_third_parties),
            best("sharing"),
        ));
        let deid = match item(checklist, "deidentified") {
            Some(i) if i.verdict == Verdict::Found => {
                let e = i.evidence.iter().find(|e| p.shares.is_match(&e.text));
                match e {
                    Some(e) if p.negation.is_match(&e.text) => (Answer::No, Some(e.clone())),
                    Some(e) => (Answer::Yes, Some(e.clone())),
                    None => (Answer::NotStated, i.evidence.first().cloned()),
                }
            }
            Some(i) => (Answer::NotStated, i.evidence.first().cloned()),
            None => (Answer::NotStated, None),
        };
        rows.push(row(
            "sharing",
            "Does the app share or sell de-identified or aggregated data?",
            deid.0,
            deid.1,
        ));
        rows.push(row(
            "sale",
            "Does the app sell your data?",
            yes_no(form.sells_data),
            sale_passage,
        ));
        let (a, e) = from_item("retention_deletion");
        let mut storage = row(
            "storage",
            "Does the policy say how long your data is kept?",
            a,
            e,
        );
        storage.detail = form
            .retention
            .map(|r| format!("Request form: {}", FormRetention::describe(r)));
        if storage.answer == Answer::NotStated && form.retention.is_some() {
            storage.answer = Answer::Yes;
        }
        rows.push(storage);
        let (a, e) = from_item("security");
        rows.push(row(
            "security",
            "Does the policy say how your data is protected?",
            a,
            e,
        ));
        let (a, e) = from_item("breach");
        rows.push(row(
            "breach",
            "Will you be told if there is a data breach?",
            a,
            e,
        ));
        let (a, e) = from_item("access");
        rows.push(row(
            "access",
            "Can you see and get a copy of your data?",
            a,
            e,
        ));
        let (a, e) = deleted("revocation");
        rows.push(row(
            "access",
            "Is your data deleted if you disconnect the app?",
            a,
            e,
        ));
        let (a, e) = deleted("dormant_accounts");
        rows.push(row(
            "access",
            "Is your data deleted when your account is closed or unused?",
            a,
            e,
        ));
        let (a, e) = from_item("policy_changes");
        rows.push(row(
            "changes",
            "Will you be told before this policy changes?",
            a,
            e,
        ));
        let (a, e) = from_item("sale_of_company");
        rows.push(row(
            "changes",
            "Will you be told if the company is sold?",
            a,
            e,
        ));
        let contact = passage(&p.contact);
        let a = if contact.is_some() {
            Answer::Yes
        } else {
            Answer::NotStated
        };
        rows.push(row(
            "contact",
            "Does the policy say how to contact the company?",
            a,
            contact,
        ));
        PrivacyLabel { rows }
    }

    /// The label as an HTML table, every text escaped.
    pub fn to_html(&self) -> String {
        let mut out = String::from(
            "<table class=\"privacy-label\">\n<caption>Privacy label</caption>\n<thead><tr><th scope=\"col\">Topic</th><th scope=\"col\">Question</th><th scope=\"col\">Answer</th><th scope=\"col\">What the policy says</th></tr></thead>\n<tbody>\n",
        );
        for r in &self.rows {
            let mut said = r
                .evidence
                .as_ref()
                .map_or_else(String::new, |e| escape(&e.text));
            if let Some(d) = &r.detail {
                if !said.is_empty() {
                    said.push_str("<br>");
                }
                said.push_str(&escape(d));
            }
            let _ = writeln!(
                out,
                "<tr><td>{}</td><th scope=\"row\">{}</th><td class=\"answer-{}\">{}</td><td>{}</td></tr>",
                escape(&r.section),
                escape(&r.question),
                match r.answer {
                    Answer::Yes => "yes",
                    Answer::No => "no",
                    Answer::NotStated => "not-stated",
                },
                r.answer.as_str(),
                said
            );
        }
        out.push_str("</tbody>\n</table>\n");
        out
    }
}

/// HTML-escapes text for element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::{RuleClassifier, TextClassifier};

    const POLICY: &str = "What we collect\nWe collect your Medicare claims and your email address.\n\nSharing\nWe do not share your data with anyone. We do not sell it.\n\nSecurity\nWe encrypt your data at rest and in transit.\n\nDisconnecting\nIf you disconnect the app, we delete your claims within 7 days.\n\nChanges\nWe will not notify you of changes to this policy; check this page.\n\nContact\nWrite to privacy@example.test.\n";

    fn label(form: &FormAnswers, text: &str) -> PrivacyLabel {
        let checklist = RuleClassifier::new()
            .map(|c| c.classify(text))
            .unwrap_or_default();
        PrivacyLabel::build(form, &checklist, text)
    }

    fn answer(l: &PrivacyLabel, q: &str) -> (Answer, Option<String>) {
        let r = l.rows.iter().find(|r| r.question.starts_with(q));
        r.map_or((Answer::NotStated, None), |r| {
            (r.answer, r.evidence.clone().map(|e| e.text))
        })
    }

    #[test]
    fn rows_from_form_and_report() {
        let form = FormAnswers {
            shares_with_third_parties: false,
            sells_data: false,
            retention: Some(FormRetention::DeletedOnExit),
        };
        let l = label(&form, POLICY);
        assert!(P.as_ref().is_ok());
        let sections: Vec<&str> = l.rows.iter().map(|r| r.section.as_str()).collect();
        assert_eq!(
            sections,
            [
                "use", "sharing", "sharing", "sale", "storage", "security", "breach", "access",
                "access", "access", "changes", "changes", "contact"
            ]
        );
        assert_eq!(
            answer(&l, "Does the app collect"),
            (
                Answer::Yes,
                Some("We collect your Medicare claims and your email address.".into())
            )
        );
        assert_eq!(
            answer(&l, "Does the app share your identifiable").0,
            Answer::No
        );
        assert_eq!(
            answer(&l, "Does the app sell your data").1.as_deref(),
            Some("We do not sell it.")
        );
        assert_eq!(
            answer(&l, "Does the policy say how your data is protected").0,
            Answer::Yes
        );
        assert_eq!(
            answer(&l, "Will you be told if there is a data breach").0,
            Answer::NotStated
        );
        assert_eq!(
            answer(&l, "Is your data deleted if you disconnect").0,
            Answer::Yes
        );
        assert_eq!(
            answer(&l, "Will you be told before").0,
            Answer::No,
            "a denial is a No"
        );
        assert_eq!(
            answer(&l, "Does the policy say how to contact")
                .1
                .as_deref(),
            Some("Write to privacy@example.test.")
        );
        let storage = l.rows.iter().find(|r| r.section == "storage");
        assert_eq!(
            storage.map(|r| r.answer),
            Some(Answer::Yes),
            "the form answers retention"
        );
        assert!(
            storage
                .and_then(|r| r.detail.as_deref())
                .is_some_and(|d| d.contains("deleted"))
        );
        let json = serde_json::to_value(&l).unwrap_or_default();
        assert_eq!(json["rows"][6]["answer"], "Not stated");
        assert_eq!(json["rows"][0]["evidence"]["start"], 16);
    }

    #[test]
    fn html_is_escaped() {
        let form = FormAnswers {
            shares_with_third_parties: true,
            sells_data: false,
            retention: None,
        };
        let text = "We collect your <b>claims</b> & \"email\".";
        let l = label(&form, text);
        let html = l.to_html();
        assert!(
            html.contains("We collect your &lt;b&gt;claims&lt;/b&gt; &amp; &quot;email&quot;."),
            "{html}"
        );
        assert!(!html.contains("<b>"));
        assert_eq!(html.matches("<tr>").count(), l.rows.len() + 1);
        assert!(html.contains("<td class=\"answer-yes\">Yes</td>"));
        assert!(html.contains("<td class=\"answer-not-stated\">Not stated</td>"));
    }
}
