//! [`AuthToken`]: what the token endpoint answered, with the expiry as a time. Access,
//! refresh and ID tokens are [`Secret`]s: `Debug` shows `[redacted]`. Serde writes them
//! (so an app can keep the token in its session store); keep that storage private.

use crate::secret::Secret;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// An access token with its refresh token and what was granted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuthToken {
    /// The bearer token.
    pub access_token: Secret,
    /// The refresh token (BB2 rotates it on each refresh).
    pub refresh_token: Option<Secret>,
    /// `Bearer`.
    pub token_type: String,
    /// When the access token expires (now + `expires_in` when received).
    pub expires_at: DateTime<Utc>,
    /// The granted scopes.
    pub scope: Vec<String>,
    /// The enrollee's FHIR Patient id.
    pub patient: Option<String>,
    /// When the enrollee's grant ends (BB2's `access_grant_expiration`; empty for research
    /// apps).
    pub access_grant_expiration: Option<String>,
    /// The OpenID Connect ID token, when `openid` was granted.
    pub id_token: Option<Secret>,
}

/// The token endpoint's JSON.
#[derive(Deserialize)]
pub(crate) struct TokenResponse {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    token_type: Option<String>,
    expires_in: f64,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    patient: Option<String>,
    #[serde(default)]
    access_grant_expiration: Option<String>,
    #[serde(default)]
    id_token: Option<String>,
}

impl TokenResponse {
    pub(crate) fn into_token(self, now: DateTime<Utc>) -> AuthToken {
        let seconds = if self.expires_in.is_finite() {
            self.expires_in.clamp(0.0, 10.0 * 365.0 * 86_400.0)
        } else {
            0.0
        };
        #[allow(clippy::cast_possible_truncation)] // clamped above
        let expires_in = Duration::milliseconds((seconds * 1000.0) as i64);
        AuthToken {
            access_token: Secret::new(self.access_token),
            refresh_token: self
                .refresh_token
                .filter(|t| !t.is_empty())
                .map(Secret::new),
            token_type: self.token_type.unwrap_or_else(|| "Bearer".into()),
            expires_at: now + expires_in,
            scope: self
                .scope
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            patient: self.patient,
            access_grant_expiration: self.access_grant_expiration,
            id_token: self.id_token.map(Secret::new),
        }
    }
}

impl AuthToken {
    /// Whether the access token has expired at `now`, counting `margin` early.
    pub fn is_expired_at(&self, now: DateTime<Utc>, margin: Duration) -> bool {
        self.expires_at - margin <= now
    }

    /// Whether a scope was granted (`patient/Patient.rs`, `profile`, …).
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scope.iter().any(|s| s == scope)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_every_token() {
        let response: TokenResponse = serde_json::from_value(serde_json::json!({
            "access_token": "ACCESS-abc123", "refresh_token": "REFRESH-def456",
            "token_type": "Bearer", "expires_in": 3600.0, "scope": "profile patient/Patient.rs",
            "patient": "-1999", "id_token": "ID-ghi789"
        }))
        .unwrap_or_else(|e| unreachable!("{e}"));
        let token = response.into_token(DateTime::UNIX_EPOCH);
        let debug = format!("{token:?}");
        for secret in ["ACCESS-abc123", "REFRESH-def456", "ID-ghi789"] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
        assert!(debug.contains("[redacted]"));
        assert!(
            debug.contains("-1999"),
            "the patient id is not a secret: {debug}"
        );
        assert_eq!(token.expires_at, DateTime::UNIX_EPOCH + Duration::hours(1));
        assert!(token.has_scope("profile"));
        assert!(!token.is_expired_at(DateTime::UNIX_EPOCH, Duration::seconds(30)));
        assert!(token.is_expired_at(
            DateTime::UNIX_EPOCH + Duration::minutes(59) + Duration::seconds(31),
            Duration::seconds(30)
        ));
    }
}
