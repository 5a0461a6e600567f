//! Wire types shared by the bluebutton server, its CLI and its SDK. No I/O.
//!
//! Each type here is a JSON shape that a client or a script relies on; changing a field
//! name is a breaking change (see `docs/` and `../shared/design/contract.md`).

use serde::{Deserialize, Serialize};

/// Body of `/health` and `/health/db` (200 when every check passed, 503 otherwise).
///
/// `message` keeps BB2's wording (`"all's well"`) so that existing monitors keep matching.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DetailBody {
    /// Human-readable message.
    pub detail: String,
}

/// RFC 6749 §5.2 error body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OAuthErrorBody {
    /// Error code, e.g. `invalid_request`.
    pub error: String,
    /// Human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

/// Credentials printed by `bluebutton admin create-app`: `{"client_id", "client_secret"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppCredentials {
    /// Client id.
    pub client_id: String,
    /// Client secret; shown once, stored only as a hash.
    pub client_secret: String,
}

/// A successful token response (RFC 6749 §5.1 plus BB2's `patient` and
/// `access_grant_expiration`), as `/v2/o/token/` answers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenResponseBody {
    /// The access token (opaque).
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Lifetime of the access token in seconds.
    pub expires_in: i64,
    /// Granted scopes, space-separated.
    pub scope: String,
    /// The refresh token (rotated on every refresh).
    pub refresh_token: String,
    /// The enrollee's FHIR Patient id.
    pub patient: String,
    /// When the grant ends (`YYYY-MM-DDTHH:MM:SSZ`), or `""` for no end.
    pub access_grant_expiration: String,
    /// An OpenID Connect ID token (RS256), when the `openid` scope was granted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

/// RFC 7662 §2.2 introspection response, as `/v2/o/introspect/` answers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IntrospectionBody {
    /// Whether the token is live and was issued to the calling client.
    pub active: bool,
    /// Granted scopes, space-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The client the token was issued to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// `access_token` or `refresh_token`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// Expiry, seconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// Issue time, seconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// The enrollee's FHIR Patient id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient: Option<String>,
    /// Subject: the enrollee's FHIR Patient id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
}

/// OpenID Connect UserInfo response of `/v2/connect/userinfo` (needs the `profile` scope).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserInfoBody {
    /// Subject: the enrollee's FHIR Patient id.
    pub sub: String,
    /// Given and family name.
    pub name: String,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Always empty (BB2 shares no e-mail address).
    pub email: String,
    /// When the access token was issued, seconds since the epoch.
    pub iat: i64,
    /// The enrollee's FHIR Patient id.
    pub patient: String,
}

/// The form of `/v2/o/token/` (`application/x-www-form-urlencoded` or
/// `multipart/form-data`): an authorization code exchange or a refresh.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenRequestForm {
    /// `authorization_code` or `refresh_token`.
    pub grant_type: String,
    /// The code from the redirect (`authorization_code`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The redirect URI the code was issued for (`authorization_code`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    /// The PKCE verifier whose S256 hash was the `code_challenge` (`authorization_code`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_verifier: Option<String>,
    /// The refresh token (`refresh_token`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Client id, when not sent with HTTP Basic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Client secret, when not sent with HTTP Basic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
}

/// The form of `/v2/o/revoke_token/`, `/v2/o/revoke/` and `/v2/o/introspect/`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenForm {
    /// The access or refresh token.
    pub token: String,
    /// `access_token` or `refresh_token` (a hint only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type_hint: Option<String>,
    /// Client id, when not sent with HTTP Basic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Client secret, when not sent with HTTP Basic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
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
