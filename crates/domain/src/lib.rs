//! Business rules of bluebutton, free of HTTP and SQL.
//!
//! The web layer and the CLI call the services here ([`Services`]); the services call the
//! store. Inputs arrive as raw strings and leave as parsed types (`Email`, `ClientId`,
//! `RedirectUri`, …): a value that exists is valid. Time and randomness come only from
//! [`clock`], injected, so tests run on a fake clock and seeded randomness.

pub mod access;
pub mod accounts;
pub mod app_registry;
pub mod apps;
pub mod audit;
pub mod claims;
pub mod clock;
mod error;
pub mod fhir;
pub mod health;
pub mod logins;
pub mod mail;
pub mod oauth;
pub mod orgs;
pub mod passwords;
pub mod policy;
pub mod policy_fetch;
pub mod portal;
pub mod ratelimit;
pub mod testclient;
pub mod totp;
pub mod usage;

pub use error::DomainError;

use bb_store::Store;
use clock::{Clock, Entropy};
use std::sync::Arc;

/// What every service needs: the store, the clock and the random source.
pub struct Deps {
    /// Persistence.
    pub store: Store,
    /// Wall clock.
    pub clock: Arc<dyn Clock>,
    /// Random source.
    pub entropy: Arc<dyn Entropy>,
}

/// The services, cheap to clone (each is an `Arc` inside).
#[derive(Clone)]
pub struct Services {
    /// Production access: terms of service, requests, transitions, the reviewer queue.
    pub access: access::Access,
    /// Developer and staff accounts.
    pub accounts: accounts::Accounts,
    /// Applications (OAuth clients).
    pub apps: apps::Apps,
    /// Claims data: import, sandbox generation.
    pub claims: claims::Claims,
    /// The FHIR API's reads and searches.
    pub fhir: fhir::Fhir,
    /// The authorization server.
    pub oauth: oauth::service::OAuth,
    /// The audit trail.
    pub audit: audit::Audit,
    /// Sandbox Medicare logins.
    pub logins: logins::Logins,
    /// Health checks.
    pub health: health::Health,
    /// The outbox and its sender.
    pub mail: mail::Mail,
    /// Developer portal accounts: sign-up, login, sessions, TOTP, password reset.
    pub portal: portal::Portal,
    /// The policy check (readability, checklist, naming, contradictions).
    pub policy: policy::PolicyCheck,
    /// Per-application usage counts (the portal's dashboard).
    pub usage: usage::Usage,
    /// The built-in test client's application and sessions.
    pub testclient: testclient::TestClient,
    /// Rate limits per token, application and client address, shared through the store.
    pub rate_limits: ratelimit::RateLimiter,
    deps: Arc<Deps>,
}

impl Services {
    /// Builds every service over the same dependencies.
    pub fn new(deps: Deps) -> Self {
        let deps = Arc::new(deps);
        let audit = audit::Audit::new(deps.clone());
        let oauth = oauth::service::OAuth::new(deps.clone(), audit.clone());
        let mail = mail::Mail::new(deps.clone());
        let apps = apps::Apps::new(deps.clone());
        let portal = portal::Portal::new(deps.clone(), mail.clone());
        let policy = policy::PolicyCheck::new();
        Self {
            access: access::Access::new(deps.clone(), mail.clone(), portal.clone(), policy.clone()),
            policy,
            accounts: accounts::Accounts::new(deps.clone()),
            testclient: testclient::TestClient::new(deps.clone(), apps.clone()),
            apps,
            claims: claims::Claims::new(deps.clone()),
            fhir: fhir::Fhir::new(deps.clone(), oauth.clone()),
            oauth,
            audit,
            logins: logins::Logins::new(deps.clone()),
            health: health::Health::new(deps.clone()),
            portal,
            usage: usage::Usage::new(deps.clone()),
            rate_limits: ratelimit::RateLimiter::new(deps.clone()),
            mail,
            deps,
        }
    }

    /// Uses configured ID token keys and, optionally, an upstream login provider. The
    /// FHIR service shares the authorization server, so both see the change.
    pub fn with_oauth(
        mut self,
        keys: Option<Arc<oauth::SigningKeys>>,
        upstream: Option<Arc<oauth::upstream::UpstreamOidc>>,
    ) -> Self {
        if let Some(keys) = keys {
            self.oauth.set_signing_keys(keys);
        }
        if let Some(upstream) = upstream {
            self.oauth.set_upstream(upstream);
        }
        self.fhir = fhir::Fhir::new(self.deps.clone(), self.oauth.clone());
        self
    }

    /// Names the server by this public URL in ID tokens and discovery documents (see
    /// [`oauth::OAuth::set_issuer`]).
    pub fn with_issuer(mut self, issuer: String) -> Self {
        self.oauth.set_issuer(issuer);
        self.fhir = fhir::Fhir::new(self.deps.clone(), self.oauth.clone());
        self
    }

    /// Fetches policies given by address with `fetcher` (tests: one that reaches loopback).
    pub fn with_policy_fetcher(mut self, fetcher: policy_fetch::PolicyFetcher) -> Self {
        // Only the self-service page fetches by address; the request documents' reports
        // (inside `access`) are of uploaded files.
        self.policy = self.policy.with_fetcher(fetcher);
        self
    }

    /// Serves the built-in test client at `/testclient/` or not (`[testclient] enabled`).
    pub fn with_testclient(mut self, enabled: bool) -> Self {
        self.testclient.set_enabled(enabled);
        self
    }

    /// Uses these rate limits (`[rate_limit]`) instead of the defaults.
    pub fn with_rate_limits(self, settings: ratelimit::RateLimitSettings) -> Self {
        self.rate_limits.configure(settings);
        self
    }

    /// The clock all services use.
    pub fn clock(&self) -> &dyn Clock {
        self.deps.clock.as_ref()
    }

    /// The random source all services use.
    pub fn entropy(&self) -> &dyn Entropy {
        self.deps.entropy.as_ref()
    }
}
