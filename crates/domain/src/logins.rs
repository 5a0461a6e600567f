//! Sandbox Medicare logins: user name and password that open one beneficiary's data in the
//! sandbox (the synthetic `BBUser00000`… accounts and those added with
//! `bluebutton admin add-login`). Passwords are argon2id-hashed like developers', except
//! the generated sandbox's: those passwords are published (`PW` + the user's five digits +
//! `!`, in CMS's docs and ours), so a slow hash would protect nothing and would cost the
//! sandbox build 40,000 argon2 runs (about half an hour on two cores). They get a salted
//! SHA-256 under their own scheme tag, [`sandbox_password_hash`].

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

/// The scheme tag of generated sandbox logins' password hashes.
const SANDBOX_SCHEME: &str = "$bb-sandbox-sha256$";

/// The stored hash of a generated sandbox login's (published) password: SHA-256 over a
/// domain tag, the user name (the salt) and the password.
pub fn sandbox_password_hash(username: &str, password: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(b"bluebutton sandbox login\0");
    hasher.update(username.to_ascii_lowercase().as_bytes());
    hasher.update(b"\0");
    hasher.update(password.as_bytes());
    format!("{SANDBOX_SCHEME}{}", hex::encode(hasher.finalize()))
}

/// Checks a password against a generated sandbox login's hash, in constant time.
/// `None` when `stored` is not of that scheme (an argon2id PHC string).
pub fn verify_sandbox_password(stored: &str, username: &str, password: &str) -> Option<bool> {
    use subtle::ConstantTimeEq;
    stored.starts_with(SANDBOX_SCHEME).then(|| {
        let expected = sandbox_password_hash(username, password);
        bool::from(expected.as_bytes().ct_eq(stored.as_bytes()))
    })
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
    fn sandbox_hashes_verify_only_their_own_password() {
        let stored = sandbox_password_hash("BBUser00042", "PW00042!");
        assert!(stored.starts_with("$bb-sandbox-sha256$") && !stored.contains("PW00042"));
        assert_eq!(
            verify_sandbox_password(&stored, "bbuser00042", "PW00042!"),
            Some(true)
        );
        assert_eq!(
            verify_sandbox_password(&stored, "BBUser00042", "PW00043!"),
            Some(false)
        );
        assert_eq!(
            verify_sandbox_password(&stored, "BBUser00043", "PW00042!"),
            Some(false)
        );
        assert_eq!(
            verify_sandbox_password("$argon2id$v=19$x", "BBUser00042", "PW00042!"),
            None
        );
    }

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
