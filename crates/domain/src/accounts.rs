//! Developer and staff accounts: e-mail, password rules, argon2id hashing, organizations.
//!
//! Passwords are hashed with argon2id (19 MiB, 2 passes, 1 lane: the OWASP baseline) on a
//! blocking thread so that hashing never stalls the async workers. Password rules are in
//! [`crate::passwords`]: 12 to 128 characters, not a common password, nothing close to the
//! e-mail or the name; length beats composition rules (NIST SP 800-63B §5.1.1.2).

use crate::clock::new_id;
use crate::{Deps, DomainError};
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use bb_store::{OrganizationRow, UserRow};
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::sync::Arc;

/// A normalised e-mail address (trimmed, lowercased, one `@`, a dotted domain).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Parses an e-mail address.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let email = raw.trim().to_lowercase();
        let bad = |why: &str| DomainError::invalid("email", format!("'{email}' {why}"));
        if email.len() > 254 {
            return Err(DomainError::invalid(
                "email",
                "is longer than 254 characters",
            ));
        }
        let Some((local, domain)) = email.split_once('@') else {
            return Err(bad("has no @"));
        };
        if local.is_empty() || local.len() > 64 {
            return Err(bad("has an empty or over-long part before @"));
        }
        if domain.contains('@') {
            return Err(bad("has more than one @"));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2
            || labels.iter().any(|l| {
                l.is_empty()
                    || l.starts_with('-')
                    || l.ends_with('-')
                    || !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
        {
            return Err(bad("has no valid domain (like example.org) after @"));
        }
        if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("contains spaces or control characters"));
        }
        Ok(Self(email))
    }

    /// The normalised text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password that meets the rules. Never printed.
pub struct Password(SecretString);

impl Password {
    /// Minimum length in characters.
    pub const MIN_CHARS: usize = crate::passwords::MIN_CHARS;
    /// Maximum length in characters (bounds hashing work).
    pub const MAX_CHARS: usize = crate::passwords::MAX_CHARS;

    /// Checks a new password for an account with this e-mail (see [`crate::passwords`]).
    pub fn parse(raw: &str, email: Option<&Email>) -> Result<Self, DomainError> {
        Self::parse_for(raw, email, "")
    }

    /// Checks a new password for an account with this e-mail and name (see
    /// [`crate::passwords`]).
    pub fn parse_for(raw: &str, email: Option<&Email>, name: &str) -> Result<Self, DomainError> {
        crate::passwords::check(raw, email.map_or("", Email::as_str), name)?;
        Ok(Self(SecretString::from(raw.to_owned())))
    }

    /// A login attempt's password: no rules, only the length bound.
    pub fn attempt(raw: &str) -> Result<Self, DomainError> {
        if raw.is_empty() || raw.chars().count() > Self::MAX_CHARS {
            return Err(DomainError::invalid("password", "is empty or too long"));
        }
        Ok(Self(SecretString::from(raw.to_owned())))
    }

    pub(crate) fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// Hashes a password with argon2id and a salt from the injected entropy, off the async
/// threads. Returns the PHC string.
pub(crate) async fn hash_password(deps: &Deps, password: Password) -> Result<String, DomainError> {
    let mut salt = [0u8; 16];
    deps.entropy.fill(&mut salt);
    let op = operation_id(deps);
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password_with_salt(password.expose().as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await
    .map_err(|e| DomainError::internal(op.clone(), &e))?
    .map_err(|e| DomainError::internal(op, &e))
}

/// Checks a password against a stored PHC string, off the async threads. A malformed
/// stored hash counts as a mismatch (and is logged).
pub(crate) async fn verify_password(password: Password, stored: String) -> bool {
    tokio::task::spawn_blocking(move || {
        match Argon2::default().verify_password(password.expose().as_bytes(), stored.as_str()) {
            Ok(()) => true,
            Err(argon2::password_hash::Error::PasswordInvalid) => false,
            Err(e) => {
                tracing::warn!(error = %e, "stored password hash is unusable");
                false
            }
        }
    })
    .await
    .unwrap_or(false)
}

pub(crate) fn operation_id(deps: &Deps) -> String {
    new_id(deps.clock.as_ref(), deps.entropy.as_ref()).to_string()
}

/// An organization's display name: 1–100 printable characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrganizationName(String);

impl OrganizationName {
    /// Parses an organization name (trimmed, inner whitespace collapsed).
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            return Err(DomainError::invalid("organization", "must not be empty"));
        }
        if name.chars().count() > 100 {
            return Err(DomainError::invalid(
                "organization",
                "must be at most 100 characters",
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(DomainError::invalid(
                "organization",
                "must not contain control characters",
            ));
        }
        Ok(Self(name))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Case-folded key for uniqueness.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

/// What a staff member may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StaffRole {
    /// Works the production-access queue.
    Reviewer,
    /// Everything a reviewer does, plus operations (suspension, staff).
    Admin,
}

impl StaffRole {
    /// Parses `reviewer` or `admin`.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "reviewer" => Ok(Self::Reviewer),
            "admin" => Ok(Self::Admin),
            other => Err(DomainError::invalid(
                "role",
                format!("'{other}' is not a staff role: use reviewer or admin"),
            )),
        }
    }

    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reviewer => "reviewer",
            Self::Admin => "admin",
        }
    }
}

/// A created account, as reported to the operator.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CreatedAccount {
    /// Account id.
    pub id: String,
    /// Normalised e-mail.
    pub email: String,
    /// `developer` or `staff`.
    pub kind: &'static str,
    /// Staff role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<StaffRole>,
    /// The developer's organization.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
}

/// A new account whose e-mail counts as verified: a developer, or staff with `role`.
async fn verified_user(
    deps: &Deps,
    email: &Email,
    password: Password,
    role: Option<StaffRole>,
) -> Result<UserRow, DomainError> {
    let now = deps.clock.now();
    Ok(UserRow {
        id: operation_id(deps),
        email: email.as_str().to_owned(),
        name: String::new(),
        password_hash: hash_password(deps, password).await?,
        kind: if role.is_some() { "staff" } else { "developer" }.into(),
        staff_role: role.map(|r| r.as_str().to_owned()),
        email_verified_at: Some(now),
        created_at: now,
    })
}

/// Account operations.
#[derive(Clone)]
pub struct Accounts {
    deps: Arc<Deps>,
}

const ACCOUNT_CONFLICTS: &[(&str, &str)] = &[("users.email", "an account with this e-mail")];

impl Accounts {
    pub(crate) fn new(deps: Arc<Deps>) -> Self {
        Self { deps }
    }

    /// Creates a developer whose e-mail counts as verified (an operator vouches for it),
    /// joining `organization` or founding it.
    pub async fn create_verified_developer(
        &self,
        email: &str,
        organization: &str,
        password: &str,
    ) -> Result<CreatedAccount, DomainError> {
        let email = Email::parse(email)?;
        let organization = OrganizationName::parse(organization)?;
        let password = Password::parse(password, Some(&email))?;
        let deps = &self.deps;
        let user = verified_user(deps, &email, password, None).await?;
        let candidate = OrganizationRow {
            id: operation_id(deps),
            name: organization.as_str().to_owned(),
            name_key: organization.key(),
            created_at: user.created_at,
        };
        let org = deps
            .store
            .insert_developer(&user, &candidate)
            .await
            .map_err(|e| DomainError::from_store(e, || operation_id(deps), ACCOUNT_CONFLICTS))?;
        Ok(CreatedAccount {
            id: user.id,
            email: user.email,
            kind: "developer",
            role: None,
            organization: Some(org.name),
        })
    }

    /// Creates a staff account.
    pub async fn create_staff(
        &self,
        email: &str,
        role: &str,
        password: &str,
    ) -> Result<CreatedAccount, DomainError> {
        let email = Email::parse(email)?;
        let role = StaffRole::parse(role)?;
        let password = Password::parse(password, Some(&email))?;
        let deps = &self.deps;
        let user = verified_user(deps, &email, password, Some(role)).await?;
        deps.store
            .insert_user(&user)
            .await
            .map_err(|e| DomainError::from_store(e, || operation_id(deps), ACCOUNT_CONFLICTS))?;
        Ok(CreatedAccount {
            id: user.id,
            email: user.email,
            kind: "staff",
            role: Some(role),
            organization: None,
        })
    }

    /// Checks an e-mail and password; `Ok(None)` for an unknown e-mail or a wrong password
    /// (indistinguishable to the caller). An unknown e-mail still costs one hash, so timing
    /// does not reveal which accounts exist.
    pub async fn verify_login(
        &self,
        email: &str,
        password: &str,
    ) -> Result<Option<String>, DomainError> {
        let deps = &self.deps;
        let password = Password::attempt(password)?;
        let Ok(email) = Email::parse(email) else {
            return Ok(None);
        };
        let user = deps
            .store
            .user_by_email(email.as_str())
            .await
            .map_err(|e| DomainError::from_store(e, || operation_id(deps), &[]))?;
        match user {
            Some(user) => Ok(verify_password(password, user.password_hash)
                .await
                .then_some(user.id)),
            None => {
                let _ = verify_password(password, dummy_hash()).await;
                Ok(None)
            }
        }
    }
}

/// A real argon2id hash (same parameters as account hashes) checked when the account does
/// not exist, so that both paths cost the same. Computed once per process.
pub(crate) fn dummy_hash() -> String {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        Argon2::default()
            .hash_password_with_salt(b"no such account", b"bluebutton-dummy-salt")
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
    .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Dev@Example.ORG ")
                .map(|e| e.to_string())
                .ok(),
            Some("dev@example.org".into())
        );
        for bad in [
            "",
            "no-at",
            "a@b",
            "a@@b.org",
            "@b.org",
            "a@-b.org",
            "a b@c.org",
            "a@b..org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn password_rules() {
        let email = Email::parse("dev@example.org").ok();
        assert!(Password::parse("correct horse battery", email.as_ref()).is_ok());
        assert!(Password::parse("short", email.as_ref()).is_err());
        assert!(Password::parse("aaaaaaaaaaaaaaaa", email.as_ref()).is_err());
        assert!(Password::parse("xx-dev@example.org-xx", email.as_ref()).is_err());
        assert!(Password::parse(&"ab1!".repeat(40), email.as_ref()).is_err());
        let p = Password::parse("correct horse battery", None).ok();
        assert_eq!(format!("{p:?}"), "Some(Password(***))");
    }

    #[test]
    fn organization_names() {
        assert_eq!(
            OrganizationName::parse("  Acme   Health ")
                .map(|o| o.key())
                .ok(),
            Some("acme health".into())
        );
        assert!(OrganizationName::parse("   ").is_err());
        assert!(OrganizationName::parse(&"x".repeat(101)).is_err());
    }
}
