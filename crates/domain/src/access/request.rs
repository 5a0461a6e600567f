//! The production-access request's form, as rules without I/O: the seed's privacy-policy
//! checklist (the attestations), the fields and their checks (a draft may be partial; a
//! submission must be complete), and the PDF documents' checks (size, signature, end
//! marker). Text extraction is not here: `crates/policy` extracts it once merged; until
//! then a document is stored with extraction `pending`.

use crate::accounts::Email;
use crate::apps::RedirectUri;

/// Largest document: 10 MB.
pub const DOCUMENT_MAX_BYTES: usize = 10 * 1024 * 1024;
/// Longest use case, in characters.
pub const USE_CASE_MAX: usize = 2000;

/// The seed's privacy-policy checklist ("Your privacy policy and terms of service" of the
/// production access guide): `(id, the seed's wording)`. One attestation per item.
pub const CHECKLIST: [(&str, &str); 15] = [
    ("collection", "Data collection practice"),
    ("consent", "User consent practice"),
    ("disclosure", "Data disclosure practice"),
    ("access", "Data access practice"),
    ("security", "Security practice"),
    ("retention_deletion", "Retention/deletion practice"),
    (
        "sharing",
        "How your application collects and shares data: if and how data is shared; what data is shared, and with whom",
    ),
    (
        "sharing_duration",
        "If data is shared with third parties, whether that is on a one-time basis, or persistently collected; if data is persistently collected, over what time frame it is collected for",
    ),
    (
        "deidentified",
        "Any use and sharing of de-identified, anonymized or pseudonymized data (and, if applicable, the risks that such data can still identify people)",
    ),
    (
        "revocation",
        "What happens to a user's data if they revoke access to it. Do you continue to retain and use their data, or is their data securely deleted?",
    ),
    (
        "dormant_accounts",
        "Your application's policy regarding dormant or closed accounts",
    ),
    (
        "policy_changes",
        "How you will notify users if your app's privacy policy is updated (what has changed, and how to update their privacy settings or opt out of the service)",
    ),
    (
        "vendors",
        "If third-party vendors that you work with commit to data protection requirements that are consistent with the law and your expectations, based on the sensitivity of the personal information they will receive from you or collect on your behalf",
    ),
    (
        "breach",
        "How you will notify users if you suffer a security or data breach, and if you will inform them of any steps they can take to protect their data in this event",
    ),
    (
        "sale_of_company",
        "How enrollees will be notified if your company is sold and the use of their data could change",
    ),
];

/// The form field of an attestation: `attest_` and the item's id.
pub fn attestation_field(id: &str) -> String {
    format!("attest_{id}")
}

/// Which document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    /// The app's terms of service.
    Terms,
    /// The app's privacy policy.
    PrivacyPolicy,
}

impl DocumentKind {
    /// Both, in the form's order.
    pub const ALL: [DocumentKind; 2] = [DocumentKind::Terms, DocumentKind::PrivacyPolicy];

    /// Stored and URL name: `terms` or `privacy_policy`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Terms => "terms",
            Self::PrivacyPolicy => "privacy_policy",
        }
    }

    /// Parses the stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "terms" => Some(Self::Terms),
            "privacy_policy" => Some(Self::PrivacyPolicy),
            _ => None,
        }
    }

    /// Shown name.
    pub fn label(self) -> &'static str {
        match self {
            Self::Terms => "Terms of service (PDF)",
            Self::PrivacyPolicy => "Privacy policy (PDF)",
        }
    }
}

/// Why an upload was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UploadProblem {
    /// Over [`DOCUMENT_MAX_BYTES`] (413).
    TooLarge,
    /// Not a PDF (415).
    WrongType,
    /// Empty, or a PDF that is cut off or damaged (400).
    Invalid,
}

/// Checks an uploaded document: at most 10 MB, the `%PDF-` signature, and the end-of-file
/// marker a complete PDF ends with (`%%EOF` within its last 2 KB, after a `startxref`).
/// This is no parser: full parsing and text extraction are `crates/policy`'s.
pub fn check_pdf(bytes: &[u8]) -> Result<(), (UploadProblem, String)> {
    if bytes.len() > DOCUMENT_MAX_BYTES {
        return Err((
            UploadProblem::TooLarge,
            format!(
                "is larger than {} MB: upload a smaller PDF",
                DOCUMENT_MAX_BYTES / (1024 * 1024)
            ),
        ));
    }
    if bytes.is_empty() {
        return Err((UploadProblem::Invalid, "is empty: choose a PDF file".into()));
    }
    if !bytes.starts_with(b"%PDF-") {
        return Err((
            UploadProblem::WrongType,
            "is not a PDF (it does not start with %PDF-): save the document as PDF and upload that"
                .into(),
        ));
    }
    let tail = &bytes[bytes.len().saturating_sub(2048)..];
    let has = |needle: &[u8]| tail.windows(needle.len()).any(|w| w == needle);
    if !has(b"%%EOF") || !bytes.windows(9).any(|w| w == b"startxref") {
        return Err((
            UploadProblem::Invalid,
            "is a damaged or incomplete PDF (no cross-reference or end-of-file marker): export it again and upload the new file"
                .into(),
        ));
    }
    Ok(())
}

/// The form as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestForm {
    /// Sandbox application id.
    pub application: String,
    /// Use case for enrollees.
    pub use_case: String,
    /// Redirect URIs, one per line.
    pub redirect_uris: String,
    /// Contact name.
    pub contact_name: String,
    /// Contact e-mail.
    pub contact_email: String,
    /// Contact phone.
    pub contact_phone: String,
    /// Checklist ids ticked.
    pub attestations: Vec<String>,
}

impl RequestForm {
    /// Ticked ids joined for storage, in the checklist's order, unknown ids dropped.
    pub fn attestations_stored(&self) -> String {
        CHECKLIST
            .iter()
            .filter(|(id, _)| self.attestations.iter().any(|a| a == id))
            .map(|(id, _)| *id)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Splits the stored form of the attestations.
    pub fn attestations_from(stored: &str) -> Vec<String> {
        stored
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// The redirect URIs, one per non-blank line, trimmed.
    pub fn redirect_lines(&self) -> Vec<String> {
        self.redirect_uris
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// A production redirect URI: [`RedirectUri`]'s rules, and `https` or a native app's own
/// scheme (no `http`, not even for localhost).
pub fn production_redirect_uri(raw: &str) -> Result<RedirectUri, String> {
    let uri = RedirectUri::parse(raw).map_err(crate::portal::reason)?;
    if uri.as_str().to_ascii_lowercase().starts_with("http:") {
        return Err(format!(
            "'{raw}' uses http: production redirect URIs must use https or your native app's own scheme"
        ));
    }
    Ok(uri)
}

fn phone_ok(raw: &str) -> bool {
    let digits = raw.chars().filter(char::is_ascii_digit).count();
    raw.chars().count() <= 30
        && (7..=15).contains(&digits)
        && raw
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
}

/// Checks the fields that are filled in (a draft may leave any empty); with `complete`,
/// also that every field is filled and every checklist item attested. Every problem at
/// once, by field name (`application`, `use_case`, …, `attest_ID`).
pub fn check_form(
    form: &RequestForm,
    app_ok: impl Fn(&str) -> bool,
    complete: bool,
) -> Vec<(String, String)> {
    let mut errors: Vec<(String, String)> = Vec::new();
    let mut push = |field: &str, why: String| errors.push((field.to_owned(), why));
    let required = "is required to submit the request".to_owned();
    let app = form.application.trim();
    if app.is_empty() {
        if complete {
            push("application", required.clone());
        }
    } else if !app_ok(app) {
        push(
            "application",
            "must be one of your organization's sandbox apps".into(),
        );
    }
    let use_case = form.use_case.trim();
    if use_case.is_empty() {
        if complete {
            push("use_case", required.clone());
        }
    } else if use_case.chars().count() > USE_CASE_MAX {
        push(
            "use_case",
            format!("must be at most {USE_CASE_MAX} characters"),
        );
    }
    let uris = form.redirect_lines();
    if uris.is_empty() {
        if complete {
            push("redirect_uris", required.clone());
        }
    } else {
        let problems: Vec<String> = uris
            .iter()
            .filter_map(|u| production_redirect_uri(u).err())
            .collect();
        if !problems.is_empty() {
            push("redirect_uris", problems.join("; "));
        }
    }
    let name = form.contact_name.trim();
    if name.is_empty() {
        if complete {
            push("contact_name", required.clone());
        }
    } else if let Err(why) = crate::portal::parse_name(name) {
        push("contact_name", why);
    }
    let email = form.contact_email.trim();
    if email.is_empty() {
        if complete {
            push("contact_email", required.clone());
        }
    } else if let Err(e) = Email::parse(email) {
        push("contact_email", crate::portal::reason(e));
    }
    let phone = form.contact_phone.trim();
    if phone.is_empty() {
        if complete {
            push("contact_phone", required.clone());
        }
    } else if !phone_ok(phone) {
        push(
            "contact_phone",
            "must be a phone number of 7 to 15 digits (spaces, +, -, parentheses allowed)".into(),
        );
    }
    if complete {
        for (id, _) in CHECKLIST {
            if !form.attestations.iter().any(|a| a == id) {
                push(
                    &attestation_field(id),
                    "must be attested: confirm that your privacy policy covers this item".into(),
                );
            }
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> RequestForm {
        RequestForm {
            application: "app".into(),
            use_case: "Shows enrollees their claims.".into(),
            redirect_uris: "https://app.example.org/cb\ncom.example.app:/cb".into(),
            contact_name: "Ada Lovelace".into(),
            contact_email: "ada@example.org".into(),
            contact_phone: "+1 (202) 555-0123".into(),
            attestations: CHECKLIST.iter().map(|(id, _)| (*id).to_owned()).collect(),
        }
    }

    #[test]
    fn a_complete_form_passes_and_a_partial_one_only_as_a_draft() {
        assert!(check_form(&full(), |_| true, true).is_empty());
        let partial = RequestForm {
            use_case: "Only this".into(),
            ..RequestForm::default()
        };
        assert!(check_form(&partial, |_| true, false).is_empty());
        let errors = check_form(&partial, |_| true, true);
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert!(fields.contains(&"application") && fields.contains(&"attest_breach"));
        assert_eq!(errors.len(), 5 + CHECKLIST.len(), "{errors:?}");
    }

    #[test]
    fn each_missing_attestation_is_named() {
        let mut form = full();
        form.attestations.retain(|a| a != "vendors");
        let errors = check_form(&form, |_| true, true);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].0, "attest_vendors");
        assert_eq!(form.attestations_stored().split(',').count(), 14);
    }

    #[test]
    fn bad_values_are_refused_even_in_a_draft() {
        let form = RequestForm {
            application: "other".into(),
            use_case: "x".repeat(USE_CASE_MAX + 1),
            redirect_uris: "http://localhost/cb".into(),
            contact_email: "not an address".into(),
            contact_phone: "call me".into(),
            ..RequestForm::default()
        };
        let errors = check_form(&form, |a| a == "app", false);
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "application",
                "use_case",
                "redirect_uris",
                "contact_email",
                "contact_phone"
            ]
        );
        assert!(production_redirect_uri("https://a.example.org/cb").is_ok());
        assert!(production_redirect_uri("com.example.app:/cb").is_ok());
        assert!(production_redirect_uri("http://127.0.0.1/cb").is_err());
    }

    #[test]
    fn pdf_checks_size_signature_and_end_marker() {
        let good = b"%PDF-1.4\n1 0 obj<<>>endobj\nxref\n0 1\ntrailer<<>>\nstartxref\n9\n%%EOF\n";
        assert_eq!(check_pdf(good), Ok(()));
        assert_eq!(
            check_pdf(b"GIF89a....").map_err(|e| e.0),
            Err(UploadProblem::WrongType)
        );
        assert_eq!(
            check_pdf(b"%PDF-1.4\n1 0 obj").map_err(|e| e.0),
            Err(UploadProblem::Invalid)
        );
        assert_eq!(check_pdf(b"").map_err(|e| e.0), Err(UploadProblem::Invalid));
        let mut big = good.to_vec();
        big.resize(DOCUMENT_MAX_BYTES + 1, b' ');
        assert_eq!(
            check_pdf(&big).map_err(|e| e.0),
            Err(UploadProblem::TooLarge)
        );
    }

    #[test]
    fn the_checklist_has_the_fifteen_ids_of_the_brief() {
        let ids: Vec<&str> = CHECKLIST.iter().map(|(id, _)| *id).collect();
        assert_eq!(
            ids,
            [
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
                "sale_of_company"
            ]
        );
        assert_eq!(
            DocumentKind::parse("privacy_policy"),
            Some(DocumentKind::PrivacyPolicy)
        );
    }
}
