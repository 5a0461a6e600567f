//! The built-in test client (`/testclient/`, BB2's `apps/testclient`): a real OAuth client
//! of this server, registered as its own sandbox application.
//!
//! - The application ("Blue Button test client", sandbox, `THIRTEEN_MONTH`, asks for
//!   demographics) belongs to a built-in user and is made on first use through
//!   [`Apps::ensure_builtin`]: found by owner and name, created when absent. Its secret is
//!   new at each start of the process and kept only in memory ([`Registered`]); the store
//!   keeps its SHA-256, as for every app, so a restart simply replaces it.
//! - Its redirect URI is `<origin>/testclient/callback`, registered exactly (added to the
//!   app on first use of an origin); the web layer chooses the origin (the configured
//!   issuer, else a loopback origin only).
//! - Its sessions (the authorization in progress: state and PKCE verifier; then the
//!   tokens) are kept here in memory, keyed by the SHA-256 of a random cookie value, until
//!   an hour without use. A sandbox tool on one process: a restart forgets them (and the secret).

use crate::apps::{Apps, RedirectUri};
use crate::clock::random_alphanumeric;
use crate::{Deps, DomainError};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bb_store::{AppLinks, NewApplication, UserRow};
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use subtle::ConstantTimeEq;

/// The application's name.
pub const APP_NAME: &str = "Blue Button test client";
/// The built-in user that owns it (never able to sign in: no password hash matches).
pub const OWNER_ID: &str = "00000000-0000-0000-0000-00000000007c";
const OWNER_EMAIL: &str = "testclient@builtin.invalid";
/// The callback path on this server.
pub const CALLBACK_PATH: &str = "/testclient/callback";
/// How long a test-client session lives after its last use.
pub const SESSION_SECS: i64 = 3600;
const MAX_SESSIONS: usize = 10_000;
const SECRET_LEN: usize = 43;
const VERIFIER_LEN: usize = 64;

/// The registered application with the secret of this process.
pub struct Registered {
    /// Primary key.
    pub application_id: String,
    /// `client_id`.
    pub client_id: String,
    secret: SecretString,
}

impl Registered {
    /// The client secret (kept in memory only).
    pub fn secret(&self) -> &str {
        self.secret.expose_secret()
    }
}

impl std::fmt::Debug for Registered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registered")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// An authorization the test client started: what the callback must match.
#[derive(Clone, Debug)]
pub struct Pending {
    /// `state` sent to /authorize.
    pub state: String,
    /// The PKCE verifier.
    pub verifier: String,
    /// The redirect URI sent.
    pub redirect_uri: String,
}

impl Pending {
    /// `BASE64URL(SHA256(verifier))`.
    pub fn challenge(&self) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(self.verifier.as_bytes()))
    }
}

/// Tokens the test client holds for a session (the tokens themselves only through
/// [`Tokens::access_token`] and [`Tokens::refresh_token`]; `Debug` hides them).
#[derive(Clone)]
pub struct Tokens {
    access_token: SecretString,
    refresh_token: SecretString,
    /// The patient's FHIR id.
    pub patient: String,
    /// Granted scopes.
    pub scope: String,
    /// When the access token ends.
    pub expires_at: DateTime<Utc>,
    /// How many times the tokens were refreshed.
    pub refreshed: u32,
}

impl Tokens {
    /// Tokens from a token response.
    pub fn new(
        access_token: String,
        refresh_token: String,
        patient: String,
        scope: String,
        expires_at: DateTime<Utc>,
        refreshed: u32,
    ) -> Self {
        Self {
            access_token: SecretString::from(access_token),
            refresh_token: SecretString::from(refresh_token),
            patient,
            scope,
            expires_at,
            refreshed,
        }
    }

    /// The access token.
    pub fn access_token(&self) -> &str {
        self.access_token.expose_secret()
    }

    /// The refresh token.
    pub fn refresh_token(&self) -> &str {
        self.refresh_token.expose_secret()
    }
}

/// A test-client session.
#[derive(Clone)]
pub struct Session {
    /// CSRF value of the session's forms.
    pub csrf_token: String,
    /// The authorization in progress.
    pub pending: Option<Pending>,
    /// Tokens once the code was exchanged.
    pub tokens: Option<Tokens>,
    expires_at: i64,
}

/// Why a callback is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum CallbackRefusal {
    /// No session or no authorization in progress.
    NoAuthorization,
    /// `state` differs from the one sent.
    StateMismatch,
}

/// The test client; cheap to clone.
#[derive(Clone)]
pub struct TestClient {
    inner: Arc<Inner>,
    enabled: bool,
}

struct Inner {
    deps: Arc<Deps>,
    apps: Apps,
    registered: tokio::sync::OnceCell<Arc<Registered>>,
    uris: Mutex<HashSet<String>>,
    sessions: Mutex<HashMap<Vec<u8>, Session>>,
}

fn sha256(value: &str) -> Vec<u8> {
    Sha256::digest(value.as_bytes()).to_vec()
}

impl TestClient {
    pub(crate) fn new(deps: Arc<Deps>, apps: Apps) -> Self {
        Self {
            inner: Arc::new(Inner {
                deps,
                apps,
                registered: tokio::sync::OnceCell::new(),
                uris: Mutex::new(HashSet::new()),
                sessions: Mutex::new(HashMap::new()),
            }),
            enabled: true,
        }
    }

    /// Whether `/testclient/` is served (`[testclient] enabled`).
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    pub(crate) fn set_enabled(&mut self, enabled: bool) {
        self.enabled = enabled;
    }

    /// The registered application, made on first use, with `redirect_uri` registered.
    pub async fn application(&self, redirect_uri: &str) -> Result<Arc<Registered>, DomainError> {
        let registered = self
            .inner
            .registered
            .get_or_try_init(|| self.inner.apps.ensure_builtin(redirect_uri))
            .await?
            .clone();
        let known = self
            .inner
            .uris
            .lock()
            .is_ok_and(|uris| uris.contains(redirect_uri));
        if !known {
            self.inner
                .apps
                .add_builtin_redirect_uri(&registered.application_id, redirect_uri)
                .await?;
            if let Ok(mut uris) = self.inner.uris.lock() {
                uris.insert(redirect_uri.to_owned());
            }
        }
        Ok(registered)
    }

    fn now_ms(&self) -> i64 {
        self.inner.deps.clock.now().timestamp_millis()
    }

    fn secret(&self, len: usize) -> String {
        random_alphanumeric(self.inner.deps.entropy.as_ref(), len)
    }

    /// Starts an authorization for the browser holding `cookie` (a new session when it
    /// has none): new state and verifier, earlier tokens forgotten. Returns the cookie
    /// value to set (the same when the session lives on) and what to send to /authorize.
    pub fn begin(&self, cookie: Option<&str>, redirect_uri: &str) -> (String, Pending) {
        let pending = Pending {
            state: self.secret(SECRET_LEN),
            verifier: self.secret(VERIFIER_LEN),
            redirect_uri: redirect_uri.to_owned(),
        };
        let now = self.now_ms();
        let cookie = match cookie.filter(|c| self.session(c).is_some()) {
            Some(existing) => existing.to_owned(),
            None => self.secret(SECRET_LEN),
        };
        let session = Session {
            csrf_token: self.secret(SECRET_LEN),
            pending: Some(pending.clone()),
            tokens: None,
            expires_at: now + SESSION_SECS * 1000,
        };
        if let Ok(mut sessions) = self.inner.sessions.lock() {
            if sessions.len() >= MAX_SESSIONS {
                sessions.retain(|_, s| s.expires_at > now);
            }
            if sessions.len() < MAX_SESSIONS {
                sessions.insert(sha256(&cookie), session);
            }
        }
        (cookie, pending)
    }

    /// The live session of a cookie value.
    pub fn session(&self, cookie: &str) -> Option<Session> {
        let now = self.now_ms();
        let mut sessions = self.inner.sessions.lock().ok()?;
        let key = sha256(cookie);
        match sessions.get_mut(&key) {
            Some(s) if s.expires_at > now => {
                s.expires_at = now + SESSION_SECS * 1000;
                Some(s.clone())
            }
            Some(_) => {
                sessions.remove(&key);
                None
            }
            None => None,
        }
    }

    /// The authorization in progress when `state` is the one sent; it is spent either
    /// way (a second callback with the same code and state finds nothing).
    pub fn take_pending(&self, cookie: &str, state: &str) -> Result<Pending, CallbackRefusal> {
        let now = self.now_ms();
        let mut sessions = self
            .inner
            .sessions
            .lock()
            .map_err(|_| CallbackRefusal::NoAuthorization)?;
        let session = sessions
            .get_mut(&sha256(cookie))
            .filter(|s| s.expires_at > now)
            .ok_or(CallbackRefusal::NoAuthorization)?;
        let pending = session
            .pending
            .take()
            .ok_or(CallbackRefusal::NoAuthorization)?;
        let same = pending.state.len() == state.len()
            && bool::from(pending.state.as_bytes().ct_eq(state.as_bytes()));
        if same {
            Ok(pending)
        } else {
            Err(CallbackRefusal::StateMismatch)
        }
    }

    /// Keeps the tokens of a session.
    pub fn set_tokens(&self, cookie: &str, tokens: Tokens) {
        if let Ok(mut sessions) = self.inner.sessions.lock()
            && let Some(session) = sessions.get_mut(&sha256(cookie))
        {
            session.tokens = Some(tokens);
        }
    }

    /// Forgets a session.
    pub fn end(&self, cookie: &str) {
        if let Ok(mut sessions) = self.inner.sessions.lock() {
            sessions.remove(&sha256(cookie));
        }
    }
}

impl Apps {
    /// The built-in test client's application: its owner and the app are created when
    /// absent (found by owner and name otherwise), with a new secret whose SHA-256 replaces
    /// the stored one, and `redirect_uri` registered.
    pub(crate) async fn ensure_builtin(
        &self,
        redirect_uri: &str,
    ) -> Result<Arc<Registered>, DomainError> {
        let deps = &self.deps;
        let uri = RedirectUri::parse(redirect_uri)?;
        let now = deps.clock.now();
        let owner = UserRow {
            id: OWNER_ID.into(),
            email: OWNER_EMAIL.into(),
            name: APP_NAME.into(),
            // Not a password hash: no password ever matches it.
            password_hash: "!builtin".into(),
            kind: "developer".into(),
            staff_role: None,
            email_verified_at: None,
            created_at: now,
        };
        let secret = SecretString::from(random_alphanumeric(deps.entropy.as_ref(), 128));
        let app = NewApplication {
            id: crate::accounts::operation_id(deps),
            client_id: random_alphanumeric(deps.entropy.as_ref(), 40),
            client_secret_sha256: Sha256::digest(secret.expose_secret().as_bytes()).to_vec(),
            owner_id: OWNER_ID.into(),
            organization_id: None,
            name: APP_NAME.into(),
            name_key: APP_NAME.to_lowercase(),
            environment: "sandbox".into(),
            data_access_type: "THIRTEEN_MONTH".into(),
            require_demographic_scopes: true,
            active: true,
            redirect_uris: vec![uri.as_str().to_owned()],
            links: AppLinks::default(),
            created_at: now,
        };
        let (application_id, client_id) = deps
            .store
            .ensure_builtin_application(&owner, &app)
            .await
            .map_err(|e| {
                DomainError::from_store(
                    e,
                    || crate::accounts::operation_id(deps),
                    &[
                        ("users.email", "an account with the test client's e-mail"),
                        (
                            "applications.name_key",
                            "an application with the test client's name",
                        ),
                    ],
                )
            })?;
        tracing::info!(client_id = %client_id, "test client application ready (new secret for this process)");
        Ok(Arc::new(Registered {
            application_id,
            client_id,
            secret,
        }))
    }

    /// Registers one more redirect URI of the built-in application.
    pub(crate) async fn add_builtin_redirect_uri(
        &self,
        application_id: &str,
        redirect_uri: &str,
    ) -> Result<(), DomainError> {
        let deps = &self.deps;
        let uri = RedirectUri::parse(redirect_uri)?;
        deps.store
            .add_redirect_uri(application_id, uri.as_str())
            .await
            .map_err(|e| DomainError::from_store(e, || crate::accounts::operation_id(deps), &[]))
    }
}
