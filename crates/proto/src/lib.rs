//! Wire types shared by the bluebutton server, its CLI and its SDK. No I/O.
//!
//! Each type here is a JSON shape that a client or a script relies on; changing a field
//! name is a breaking change (see `docs/` and `../shared/design/contract.md`).

use serde::{Deserialize, Serialize};

/// Body of `/health` and `/health/db` (200 when every check passed, 503 otherwise).
///
/// `message` keeps BB2's wording (`"all's well"`) so that existing monitors keep matching.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthReport {
    /// `"all's well"`, or `"unhealthy: <failed checks>"`.
    pub message: String,
    /// `"ok"` or `"fail"`.
    pub status: String,
    /// Names of the failed checks.
    pub failed: Vec<String>,
    /// Every check that ran.
    pub checks: Vec<HealthCheck>,
    /// Server version.
    pub version: String,
}

/// One health check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCheck {
    /// Check name.
    pub name: String,
    /// Whether it passed.
    pub ok: bool,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Duration in milliseconds.
    pub elapsed_ms: u64,
}

/// BB2's error body for non-FHIR, non-OAuth JSON errors: `{"detail": "Not found."}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetailBody {
    /// Human-readable message.
    pub detail: String,
}

/// RFC 6749 §5.2 error body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthErrorBody {
    /// Error code, e.g. `invalid_request`.
    pub error: String,
    /// Human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

/// Credentials printed by `bluebutton admin create-app`: `{"client_id", "client_secret"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppCredentials {
    /// Client id.
    pub client_id: String,
    /// Client secret; shown once, stored only as a hash.
    pub client_secret: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_have_exactly_the_contract_fields() {
        let json = serde_json::to_value(AppCredentials {
            client_id: "id".into(),
            client_secret: "secret".into(),
        })
        .unwrap_or_default();
        assert_eq!(
            json,
            serde_json::json!({"client_id": "id", "client_secret": "secret"})
        );
    }
}
