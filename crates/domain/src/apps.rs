//! Applications (OAuth clients): names, redirect URIs, data access types, credentials.
//!
//! Credentials follow BB2's shapes (client id of 40 alphanumerics, secret of 128) but the
//! secret is kept only as its SHA-256: it is shown once at creation and cannot be read
//! back (the reference keeps a plain copy; we do not). Verification compares hashes in
//! constant time.
//!
//! Redirect URIs (BB2 `apps/dot_ext/validators.py`, RFC 9700 §2.1 and §4.1): absolute, no
//! fragment, no user info, matched exactly at authorize time. Custom schemes for native
//! apps are allowed; `http` only for loopback hosts (`localhost`, `127.0.0.1`, `[::1]`).
//! That is stricter than the reference, which allows `http` anywhere, even in production.

use crate::accounts::{Email, operation_id};
use crate::clock::random_alphanumeric;
use crate::{Deps, DomainError};
use bb_store::NewApplication;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::fmt;
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// A client id: 40 ASCII letters and digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClientId(String);

impl ClientId {
    /// A new random client id.
    pub(crate) fn generate(entropy: &dyn crate::clock::Entropy) -> Self {
        Self(random_alphanumeric(entropy, Self::LEN))
    }

    /// Length of generated ids.
    pub const LEN: usize = 40;

    /// Parses a client id as presented by a client.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        if raw.len() == Self::LEN && raw.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(DomainError::invalid(
                "client_id",
                "must be 40 letters and digits",
            ))
        }
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A client secret. Its `Debug` is redacted; read it only to hand it to its owner once.
pub struct ClientSecret(SecretString);

impl ClientSecret {
    /// A new random secret of [`ClientSecret::LEN`] characters.
    pub(crate) fn generate(entropy: &dyn crate::clock::Entropy) -> Self {
        Self(SecretString::from(random_alphanumeric(entropy, Self::LEN)))
    }

    /// Length of generated secrets.
    pub const LEN: usize = 128;

    /// The secret as presented by a client.
    pub fn presented(raw: &str) -> Self {
        Self(SecretString::from(raw.to_owned()))
    }

    /// SHA-256 of the secret: what the store keeps.
    pub fn sha256(&self) -> [u8; 32] {
        Sha256::digest(self.0.expose_secret().as_bytes()).into()
    }

    /// Whether this secret hashes to `stored`, compared in constant time.
    pub fn matches(&self, stored: &[u8]) -> bool {
        stored.len() == 32 && bool::from(self.sha256().as_slice().ct_eq(stored))
    }

    /// The plain secret, for showing it to its owner exactly once.
    pub fn reveal(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret(***)")
    }
}

/// An application name: 1–255 printable ASCII characters (BB2's rule), unique per
/// environment regardless of case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppName(String);

impl AppName {
    /// Parses a name.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let name = raw.trim();
        if name.is_empty() || name.len() > 255 {
            return Err(DomainError::invalid("name", "must be 1 to 255 characters"));
        }
        if !name.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            return Err(DomainError::invalid("name", "must be printable ASCII"));
        }
        Ok(Self(name.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A registered redirect URI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedirectUri(String);

impl RedirectUri {
    /// Parses a redirect URI under the rules in the module doc.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let bad = |why: &str| DomainError::invalid("redirect_uri", format!("'{raw}' {why}"));
        if raw.is_empty() || raw.len() > 2048 {
            return Err(DomainError::invalid(
                "redirect_uri",
                "must be 1 to 2048 characters",
            ));
        }
        if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("contains spaces or control characters"));
        }
        let url = url::Url::parse(raw).map_err(|_| bad("is not an absolute URI"))?;
        if url.fragment().is_some() || raw.contains('#') {
            return Err(bad("has a fragment (#…), which OAuth forbids"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("carries user info"));
        }
        match url.scheme() {
            "https" => {}
            "http" => {
                let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
                if !loopback {
                    return Err(bad("uses http for a host other than localhost: use https"));
                }
            }
            "javascript" | "data" | "file" | "vbscript" | "blob" | "about" | "ftp" | "ws"
            | "wss" => return Err(bad("uses a scheme that cannot receive a redirect")),
            _ => {} // custom scheme of a native app, e.g. com.example.app:/callback
        }
        if matches!(url.scheme(), "http" | "https") && url.host_str().is_none_or(str::is_empty) {
            return Err(bad("has no host"));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The URI as registered.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How long an enrollee's authorization lasts (BB2 `data_access_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DataAccessType {
    /// One access token, no refresh.
    OneTime,
    /// Refreshable for 13 months after consent.
    ThirteenMonth,
    /// Refreshable with no end date.
    ResearchStudy,
}

impl DataAccessType {
    /// Parses `ONE_TIME`, `THIRTEEN_MONTH` or `RESEARCH_STUDY` (case-insensitive).
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        match raw.trim().to_ascii_uppercase().as_str() {
            "ONE_TIME" => Ok(Self::OneTime),
            "THIRTEEN_MONTH" => Ok(Self::ThirteenMonth),
            "RESEARCH_STUDY" => Ok(Self::ResearchStudy),
            other => Err(DomainError::invalid(
                "data_access_type",
                format!("'{other}' is not one of ONE_TIME, THIRTEEN_MONTH, RESEARCH_STUDY"),
            )),
        }
    }

    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OneTime => "ONE_TIME",
            Self::ThirteenMonth => "THIRTEEN_MONTH",
            Self::ResearchStudy => "RESEARCH_STUDY",
        }
    }
}

/// Which API an application's credentials open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// Synthetic data, self-service.
    Sandbox,
    /// Real enrollees, after production-access approval.
    Production,
}

impl Environment {
    /// Parses `sandbox` or `production`.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "sandbox" => Ok(Self::Sandbox),
            "production" => Ok(Self::Production),
            other => Err(DomainError::invalid(
                "environment",
                format!("'{other}' is not sandbox or production"),
            )),
        }
    }

    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sandbox => "sandbox",
            Self::Production => "production",
        }
    }
}

/// What an operator or developer asks for when registering an application.
#[derive(Clone, Debug)]
pub struct AppRegistration {
    /// Owner's e-mail.
    pub owner_email: String,
    /// Application name.
    pub name: String,
    /// Redirect URIs (at least one).
    pub redirect_uris: Vec<String>,
    /// Data access type.
    pub data_access_type: DataAccessType,
    /// Whether the app asks for demographics.
    pub require_demographics: bool,
    /// Environment.
    pub environment: Environment,
    /// Links shown on the consent page (each optional).
    pub links: ConsentLinks,
}

/// The links an app shows enrollees on the consent page: logo, website, privacy policy,
/// terms. Each must be an absolute `https` URL (`http` only for loopback hosts).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConsentLinks {
    /// Logo image.
    pub logo_uri: Option<String>,
    /// Home page.
    pub website_uri: Option<String>,
    /// Privacy policy.
    pub policy_uri: Option<String>,
    /// Terms of service.
    pub tos_uri: Option<String>,
}

impl ConsentLinks {
    pub(crate) fn checked(&self) -> Result<bb_store::AppLinks, DomainError> {
        let check =
            |field: &'static str, value: &Option<String>| -> Result<Option<String>, DomainError> {
                let Some(raw) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
                    return Ok(None);
                };
                let bad = || {
                    DomainError::invalid(
                        field,
                        "must be an absolute https URL of at most 2048 characters",
                    )
                };
                if raw.len() > 2048 {
                    return Err(bad());
                }
                let url = url::Url::parse(raw).map_err(|_| bad())?;
                let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
                match url.scheme() {
                    "https" => Ok(Some(raw.to_owned())),
                    "http" if loopback => Ok(Some(raw.to_owned())),
                    _ => Err(bad()),
                }
            };
        Ok(bb_store::AppLinks {
            logo_uri: check("logo_uri", &self.logo_uri)?,
            website_uri: check("website_uri", &self.website_uri)?,
            policy_uri: check("policy_uri", &self.policy_uri)?,
            tos_uri: check("tos_uri", &self.tos_uri)?,
        })
    }
}

/// Credentials of a new application: the only moment the secret exists in clear.
#[derive(Debug)]
pub struct CreatedApp {
    /// Client id.
    pub client_id: ClientId,
    /// Client secret (shown once).
    pub client_secret: ClientSecret,
}

/// Application operations.
#[derive(Clone)]
pub struct Apps {
    pub(crate) deps: Arc<Deps>,
}

pub(crate) const APP_CONFLICTS: &[(&str, &str)] = &[
    ("applications.name_key", "an application with this name"),
    (
        "applications.client_id",
        "an application with this client id",
    ),
    ("application_redirect_uris.uri", "a duplicate redirect URI"),
];

impl Apps {
    pub(crate) fn new(deps: Arc<Deps>) -> Self {
        Self { deps }
    }

    /// Registers an application for an existing account and returns its credentials.
    pub async fn create(&self, registration: &AppRegistration) -> Result<CreatedApp, DomainError> {
        let deps = &self.deps;
        let owner_email = Email::parse(&registration.owner_email)?;
        let name = AppName::parse(&registration.name)?;
        if registration.redirect_uris.is_empty() {
            return Err(DomainError::invalid(
                "redirect_uri",
                "at least one is required",
            ));
        }
        let uris = registration
            .redirect_uris
            .iter()
            .map(|u| RedirectUri::parse(u))
            .collect::<Result<Vec<_>, _>>()?;
        let mut seen = std::collections::BTreeSet::new();
        if let Some(dup) = uris.iter().find(|u| !seen.insert(u.as_str())) {
            return Err(DomainError::invalid(
                "redirect_uri",
                format!("'{}' is listed twice", dup.as_str()),
            ));
        }
        let links = registration.links.checked()?;
        let store_err = |e| DomainError::from_store(e, || operation_id(deps), APP_CONFLICTS);
        let owner = deps
            .store
            .user_by_email(owner_email.as_str())
            .await
            .map_err(store_err)?
            .ok_or(DomainError::NotFound {
                what: "owner account",
            })?;
        if owner.kind != "developer" {
            return Err(DomainError::invalid("owner", "must be a developer account"));
        }
        let organization_id = deps
            .store
            .organizations_of(&owner.id)
            .await
            .map_err(store_err)?
            .into_iter()
            .next()
            .map(|o| o.id);
        let client_id = ClientId(random_alphanumeric(deps.entropy.as_ref(), ClientId::LEN));
        let client_secret = ClientSecret(SecretString::from(random_alphanumeric(
            deps.entropy.as_ref(),
            ClientSecret::LEN,
        )));
        let app = NewApplication {
            id: operation_id(deps),
            client_id: client_id.as_str().to_owned(),
            client_secret_sha256: client_secret.sha256().to_vec(),
            owner_id: owner.id,
            organization_id,
            name: name.as_str().to_owned(),
            name_key: name.as_str().to_lowercase(),
            environment: registration.environment.as_str().to_owned(),
            data_access_type: registration.data_access_type.as_str().to_owned(),
            require_demographic_scopes: registration.require_demographics,
            active: true,
            redirect_uris: uris.iter().map(|u| u.as_str().to_owned()).collect(),
            links,
            created_at: deps.clock.now(),
        };
        deps.store
            .insert_application(&app)
            .await
            .map_err(store_err)?;
        tracing::info!(client_id = %client_id.as_str(), environment = app.environment, "application registered");
        Ok(CreatedApp {
            client_id,
            client_secret,
        })
    }

    /// Switches an application on or off (the kill switch): its tokens stop working at
    /// once, its token and authorize calls are refused.
    pub async fn set_active(&self, client_id: &str, active: bool) -> Result<(), DomainError> {
        let deps = &self.deps;
        let client_id = ClientId::parse(client_id)?;
        let found = deps
            .store
            .set_application_active(client_id.as_str(), active, deps.clock.now())
            .await
            .map_err(|e| DomainError::from_store(e, || operation_id(deps), &[]))?;
        if !found {
            return Err(DomainError::NotFound {
                what: "application",
            });
        }
        tracing::warn!(client_id = %client_id.as_str(), active, "application switched");
        Ok(())
    }

    /// Checks client credentials; `false` for an unknown client, a wrong secret or an
    /// inactive application.
    pub async fn authenticate(
        &self,
        client_id: &str,
        secret: &ClientSecret,
    ) -> Result<bool, DomainError> {
        let deps = &self.deps;
        let Ok(client_id) = ClientId::parse(client_id) else {
            return Ok(false);
        };
        let app = deps
            .store
            .application_by_client_id(client_id.as_str())
            .await
            .map_err(|e| DomainError::from_store(e, || operation_id(deps), &[]))?;
        Ok(app.is_some_and(|a| a.active && secret.matches(&a.client_secret_sha256)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uri_rules() {
        for ok in [
            "https://app.example.org/callback",
            "http://localhost:3000/cb",
            "http://127.0.0.1/cb?x=1",
            "http://[::1]:8080/cb",
            "com.example.app:/oauth2redirect",
            "myapp://callback",
        ] {
            assert!(RedirectUri::parse(ok).is_ok(), "{ok} should be accepted");
        }
        for bad in [
            "",
            "/relative/path",
            "https://app.example.org/cb#frag",
            "http://app.example.org/cb",
            "https://user:pw@app.example.org/cb",
            "javascript:alert(1)",
            "https://app.example.org/c b",
            "data:text/html,hi",
        ] {
            assert!(RedirectUri::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn secret_matches_only_its_hash() {
        let secret = ClientSecret::presented("s3cret");
        let stored = secret.sha256();
        assert!(secret.matches(&stored));
        assert!(!ClientSecret::presented("s3cres").matches(&stored));
        assert!(!secret.matches(&stored[..31]));
        assert_eq!(format!("{secret:?}"), "ClientSecret(***)");
    }

    #[test]
    fn enums_round_trip() {
        for t in ["ONE_TIME", "thirteen_month", "Research_Study"] {
            let parsed = DataAccessType::parse(t).map(DataAccessType::as_str).ok();
            assert_eq!(parsed, Some(t.to_ascii_uppercase()).as_deref());
        }
        assert!(DataAccessType::parse("FOREVER").is_err());
        assert!(Environment::parse("staging").is_err());
        assert_eq!(
            ClientId::parse(&"a".repeat(40)).map(|c| c.0.len()).ok(),
            Some(40)
        );
        assert!(ClientId::parse("short").is_err());
        assert!(AppName::parse("caf\u{e9}").is_err());
    }
}
