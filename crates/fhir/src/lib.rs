//! FHIR R4 for bluebutton. No I/O.
//!
//! - [`json`]: the streaming writer the renderers of Patient, Coverage, ExplanationOfBenefit
//!   and Bundle write with (straight into the response buffer, in element order).
//! - [`model`]: typed Patient, Coverage, ExplanationOfBenefit and Bundle for clients
//!   (the SDK), keeping every member they do not model.
//! - [`OperationOutcome`]: the error resource, as a serde type.

pub mod json;
pub mod model;

use serde::{Deserialize, Serialize};

/// FHIR R4 `OperationOutcome` (<http://hl7.org/fhir/R4/operationoutcome.html>).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationOutcome {
    /// Always `"OperationOutcome"`.
    pub resource_type: String,
    /// At least one issue.
    pub issue: Vec<OperationOutcomeIssue>,
}

/// One issue of an `OperationOutcome`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationOutcomeIssue {
    /// `fatal | error | warning | information`.
    pub severity: String,
    /// An `IssueType` code, e.g. `not-found`, `invalid`, `exception`.
    pub code: String,
    /// Human-readable detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<String>,
}

impl OperationOutcome {
    /// An outcome with one `error` issue.
    pub fn error(code: &str, diagnostics: impl Into<String>) -> Self {
        Self {
            resource_type: "OperationOutcome".into(),
            issue: vec![OperationOutcomeIssue {
                severity: "error".into(),
                code: code.into(),
                diagnostics: Some(diagnostics.into()),
            }],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_fhir_json() {
        let json =
            serde_json::to_value(OperationOutcome::error("not-found", "gone")).unwrap_or_default();
        assert_eq!(
            json,
            serde_json::json!({
                "resourceType": "OperationOutcome",
                "issue": [{"severity": "error", "code": "not-found", "diagnostics": "gone"}]
            })
        );
    }
}
