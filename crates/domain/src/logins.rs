//! Sandbox Medicare logins: user name and password that open one beneficiary's data in the
//! sandbox (the synthetic `BBUser00000`… accounts and those added with
//! `bluebutton admin add-login`). Passwords are argon2id-hashed like developers'.

use crate::accounts::{Password, hash_password, operation_id};
use crate::{Deps, DomainError};
use bb_store::SandboxLoginRow;
use std::sync::Arc;

/// A beneficiary id as BFD uses it: an optional minus sign (synthetic data) and 1–15 digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BeneId(String);

impl BeneId {
    /// Parses a beneficiary id.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let raw = raw.trim();
        let digits = raw.strip_prefix('-').unwrap_or(raw);
        if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DomainError::invalid(
                "bene_id",
                "must be digits with an optional leading minus, like 567834 or -20140000008325",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A sandbox user name: 3–64 letters, digits, `.`, `_` or `-`; unique regardless of case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// Parses a user name.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let name = raw.trim();
        if !(3..=64).contains(&name.len())
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        {
            return Err(DomainError::invalid(
                "username",
                "must be 3 to 64 letters, digits, '.', '_' or '-'",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    /// Case-folded key.
    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

/// A created login, as reported to the operator (never the password).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CreatedLogin {
    /// User name.
    pub username: String,
    /// Beneficiary it opens.
    pub bene_id: String,
}

/// Sandbox login operations.
#[derive(Clone)]
pub struct Logins {
    deps: Arc<Deps>,
}

impl Logins {
    pub(crate) fn new(deps: Arc<Deps>) -> Self {
        Self { deps }
    }

    /// Adds a sandbox login for a beneficiary. Sandbox passwords follow the sandbox's own
    /// pattern (`PW00000!` is 8 characters), so only non-emptiness and the length bound
    /// apply, not the developer password rules.
    pub async fn add(
        &self,
        bene_id: &str,
        username: &str,
        password: &str,
    ) -> Result<CreatedLogin, DomainError> {
        let deps = &self.deps;
        let bene_id = BeneId::parse(bene_id)?;
        let username = Username::parse(username)?;
        let password = Password::attempt(password)?;
        let login = SandboxLoginRow {
            username_key: username.key(),
            username: username.0.clone(),
            bene_id: bene_id.as_str().to_owned(),
            password_hash: hash_password(deps, password).await?,
            created_at: deps.clock.now(),
        };
        deps.store.insert_sandbox_login(&login).await.map_err(|e| {
            DomainError::from_store(
                e,
                || operation_id(deps),
                &[(
                    "sandbox_logins.username_key",
                    "a sandbox login with this user name",
                )],
            )
        })?;
        Ok(CreatedLogin {
            username: login.username,
            bene_id: login.bene_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bene_ids_and_usernames() {
        assert!(BeneId::parse("567834").is_ok());
        assert!(BeneId::parse("-20140000008325").is_ok());
        for bad in ["", "-", "12a", "1234567890123456", "--1"] {
            assert!(BeneId::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Username::parse("BBUser00000").map(|u| u.key()).ok(),
            Some("bbuser00000".into())
        );
        assert!(Username::parse("a b").is_err());
        assert!(Username::parse("ab").is_err());
    }
}
