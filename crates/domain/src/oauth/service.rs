//! The authorization server's operations (see `docs/design/authorization.md`): starting an
//! authorization flow, the enrollee's login and consent on it, the token endpoint (codes
//! with PKCE, refresh rotation), revocation, introspection, userinfo, and the enrollee's
//! connected apps.
//!
//! Codes and tokens are 40 random alphanumerics (238 bits) shown once and stored only as
//! SHA-256; every single-use step is decided by one conditional update in the store, so
//! replicas cannot both win a race. Errors carry RFC 6749's codes and BB2's statuses.

use super::pkce;
use super::scopes::{Access, Scope, Scopes};
use super::upstream::{UpstreamOidc, UpstreamPending};
use super::{IdTokenClaims, SigningKeys};
use crate::accounts::operation_id;
use crate::apps::{ClientId, ClientSecret, DataAccessType};
use crate::audit::Audit;
use crate::clock::{new_id, random_alphanumeric};
use crate::{Deps, DomainError};
use bb_store::{
    AccessTokenRow, ApplicationRow, AuditEventView, AuthCodeRow, AuthFlowRow, CodeRedemption,
    EnrolleeSessionRow, GrantRow, GrantView, RefreshTokenRow, StoreError,
};
use chrono::{DateTime, Months, Utc};
use sha2::{Digest, Sha256};
use std::sync::{Arc, OnceLock};
use subtle::ConstantTimeEq;

/// Lifetimes and limits.
#[derive(Clone, Debug)]
pub struct OAuthSettings {
    /// Access tokens (BB2: 3,600 s).
    pub access_token_secs: i64,
    /// Authorization codes (60 s).
    pub code_secs: i64,
    /// From `/authorize` to the consent decision (BB2's Approval: 600 s).
    pub flow_secs: i64,
    /// Failed sandbox logins per user name before a lock (django-axes: 5).
    pub login_max_failures: i64,
    /// Lock and counting window (django-axes: 30 minutes).
    pub login_lock_secs: i64,
    /// Enrollee sessions on the connected-apps pages.
    pub session_secs: i64,
}

impl Default for OAuthSettings {
    fn default() -> Self {
        Self {
            access_token_secs: 3600,
            code_secs: 60,
            flow_secs: 600,
            login_max_failures: 5,
            login_lock_secs: 1800,
            session_secs: 1800,
        }
    }
}

/// Length of codes, tokens and browser secrets.
const SECRET_LEN: usize = 40;

fn sha256(value: &str) -> Vec<u8> {
    Sha256::digest(value.as_bytes()).to_vec()
}

fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// The parameters of `GET /authorize`, as received (each at most once).
#[derive(Clone, Debug, Default)]
pub struct AuthorizeParams {
    /// `client_id`.
    pub client_id: Option<String>,
    /// `redirect_uri`.
    pub redirect_uri: Option<String>,
    /// `response_type`.
    pub response_type: Option<String>,
    /// `state`.
    pub state: Option<String>,
    /// `code_challenge`.
    pub code_challenge: Option<String>,
    /// `code_challenge_method`.
    pub code_challenge_method: Option<String>,
    /// `scope`.
    pub scope: Option<String>,
    /// `nonce`.
    pub nonce: Option<String>,
    /// Whether a `client_secret` was put in the URL (refused).
    pub client_secret_in_url: bool,
    /// Page language code.
    pub lang: String,
}

/// Why `/authorize` does not start a flow.
#[derive(Debug)]
pub enum AuthorizeError {
    /// No such client: an error page, never a redirect.
    UnknownClient,
    /// The redirect URI is missing or not registered: an error page.
    BadRedirectUri,
    /// The application is switched off.
    Inactive {
        /// Its name.
        app_name: String,
    },
    /// A bad parameter, shown on an error page (BB2 answers 400 here).
    Invalid(String),
    /// An error to send back to the client's redirect URI (this full URL).
    Redirect(String),
    /// The store failed.
    Domain(DomainError),
}

/// A started flow: where the browser goes next and the secret of its cookie.
#[derive(Debug)]
pub struct StartedFlow {
    /// The flow's id.
    pub flow_id: String,
    /// The value of the `bb_flow` cookie.
    pub browser_secret: String,
    /// Page language.
    pub lang: String,
}

/// Why a flow page or form is refused.
#[derive(Debug)]
pub enum FlowError {
    /// No such flow, or it expired or finished.
    Gone,
    /// The cookie or the CSRF value does not match.
    Forged,
    /// The consent page was reached before login.
    NotLoggedIn,
    /// The logged-in enrollee has no data here (upstream login of an unknown MBI).
    NoData,
    /// The application was switched off meanwhile.
    Inactive {
        /// Its name.
        app_name: String,
    },
    /// The store failed.
    Domain(DomainError),
}

impl From<StoreError> for FlowError {
    fn from(e: StoreError) -> Self {
        Self::Domain(DomainError::from_store(e, || "store".into(), &[]))
    }
}

/// How long a grant lasts, for the consent page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessPeriod {
    /// ONE_TIME.
    OneHour,
    /// THIRTEEN_MONTH, ending then.
    ThirteenMonths(DateTime<Utc>),
    /// RESEARCH_STUDY.
    NoEnd,
}

/// What the login and consent pages show.
#[derive(Clone, Debug)]
pub struct FlowPage {
    /// The flow.
    pub flow: AuthFlowRow,
    /// The requesting application.
    pub app: ApplicationRow,
    /// Its organization's name.
    pub organization: Option<String>,
    /// Scopes asked for.
    pub scopes: Scopes,
    /// How long access would last if approved now.
    pub period: AccessPeriod,
}

/// Why a sandbox login is refused.
#[derive(Debug)]
pub enum LoginRefusal {
    /// Unknown user or wrong password (not told apart).
    BadCredentials,
    /// Too many failures; try again in this many minutes.
    Locked {
        /// Minutes left.
        minutes: u32,
    },
    /// The flow is gone or forged.
    Flow(FlowError),
    /// The store failed.
    Domain(DomainError),
}

/// A token-endpoint error: RFC 6749 §5.2 code, BB2's status, a description.
#[derive(Debug)]
pub enum TokenError {
    /// An OAuth error answered as JSON.
    OAuth {
        /// HTTP status.
        status: u16,
        /// `error`.
        error: &'static str,
        /// `error_description`.
        description: String,
    },
    /// The store failed.
    Domain(DomainError),
}

impl TokenError {
    fn new(status: u16, error: &'static str, description: impl Into<String>) -> Self {
        Self::OAuth {
            status,
            error,
            description: description.into(),
        }
    }

    fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(400, "invalid_grant", description)
    }
}

impl From<DomainError> for TokenError {
    fn from(e: DomainError) -> Self {
        Self::Domain(e)
    }
}

/// Client credentials as presented (Basic header or body).
#[derive(Clone, Debug, Default)]
pub struct ClientCredentials {
    /// `client_id`.
    pub client_id: Option<String>,
    /// `client_secret`.
    pub client_secret: Option<ClientSecretText>,
}

/// A presented client secret; `Debug` redacted.
#[derive(Clone)]
pub struct ClientSecretText(pub String);

impl std::fmt::Debug for ClientSecretText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// The token endpoint's form fields.
#[derive(Clone, Debug, Default)]
pub struct TokenParams {
    /// `grant_type`.
    pub grant_type: Option<String>,
    /// `code`.
    pub code: Option<String>,
    /// `redirect_uri`.
    pub redirect_uri: Option<String>,
    /// `code_verifier`.
    pub code_verifier: Option<String>,
    /// `refresh_token`.
    pub refresh_token: Option<String>,
    /// `scope` (refresh only: a narrowing).
    pub scope: Option<String>,
    /// The caller.
    pub client: ClientCredentials,
    /// The server's origin, the ID token's `iss`.
    pub issuer: String,
}

/// A successful token response (RFC 6749 §5.1 plus BB2's `patient` and
/// `access_grant_expiration`; never `expires_at`).
#[derive(Clone, Debug, serde::Serialize)]
pub struct TokenResponse {
    /// The access token.
    pub access_token: String,
    /// `Bearer`.
    pub token_type: &'static str,
    /// Seconds.
    pub expires_in: i64,
    /// Space-separated.
    pub scope: String,
    /// The refresh token.
    pub refresh_token: String,
    /// The patient's FHIR id.
    pub patient: String,
    /// `YYYY-MM-DDTHH:MM:SSZ`, or `""` for no end.
    pub access_grant_expiration: String,
    /// For `openid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

/// What introspection tells (RFC 7662 §2.2).
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Introspection {
    /// Whether the token is live and the caller's.
    pub active: bool,
    /// Scopes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The caller's client id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// `access_token` or `refresh_token`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<&'static str>,
    /// Expiry (seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// Issue time (seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// Patient id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patient: Option<String>,
    /// Subject (the patient id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
}

/// A live bearer token: whose data, what it may do, for which app.
#[derive(Clone, Debug)]
pub struct Bearer {
    /// Enrollee.
    pub bene_id: i64,
    /// Permission bits.
    pub access: Access,
    /// Application (`None` for tokens made directly by tests and benchmarks).
    pub application_id: Option<Arc<str>>,
    /// Issue time.
    pub issued_at: i64,
}

/// Why a bearer token opens nothing.
#[derive(Debug)]
pub enum BearerError {
    /// Unknown, expired or revoked, or the app is off: 401.
    Invalid,
    /// The store failed.
    Domain(DomainError),
}

/// A signed-in enrollee on the connected-apps pages.
#[derive(Clone, Debug)]
pub struct EnrolleeSession {
    /// Enrollee.
    pub bene_id: i64,
    /// CSRF value of the session's forms.
    pub csrf_token: String,
}

/// The authorization server.
#[derive(Clone)]
pub struct OAuth {
    deps: Arc<Deps>,
    audit: Audit,
    settings: OAuthSettings,
    keys: Arc<OnceLock<Arc<SigningKeys>>>,
    upstream: Option<Arc<UpstreamOidc>>,
    /// The configured public URL (see [`OAuth::set_issuer`]).
    issuer: Option<Arc<str>>,
}

impl OAuth {
    pub(crate) fn new(deps: Arc<Deps>, audit: Audit) -> Self {
        Self {
            deps,
            audit,
            settings: OAuthSettings::default(),
            keys: Arc::new(OnceLock::new()),
            upstream: None,
            issuer: None,
        }
    }

    /// Names this server by a fixed public URL (`[oauth] issuer`): the `iss` of ID tokens
    /// and the endpoints of the discovery documents no longer follow the request's `Host`.
    pub fn set_issuer(&mut self, issuer: String) {
        self.issuer = Some(Arc::from(issuer.trim_end_matches('/')));
    }

    /// The issuer: the configured one, else the origin the request came to (a sandbox on
    /// one machine; production configures it, as BB2 takes it from `HOSTNAME_URL`).
    pub fn issuer(&self, request_origin: String) -> String {
        self.issuer.as_deref().map_or(request_origin, str::to_owned)
    }

    /// Uses these ID token keys (from configuration) instead of generating one.
    pub fn set_signing_keys(&mut self, keys: Arc<SigningKeys>) {
        let cell = OnceLock::new();
        let _ = cell.set(keys);
        self.keys = Arc::new(cell);
    }

    /// Logs enrollees in through an upstream OpenID Connect provider instead of the
    /// sandbox form.
    pub fn set_upstream(&mut self, upstream: Arc<UpstreamOidc>) {
        self.upstream = Some(upstream);
    }

    /// Whether enrollees log in upstream.
    pub fn uses_upstream(&self) -> bool {
        self.upstream.is_some()
    }

    /// The ID token keys; generated on first use when none were configured.
    pub fn signing_keys(&self) -> Result<Arc<SigningKeys>, DomainError> {
        if let Some(keys) = self.keys.get() {
            return Ok(keys.clone());
        }
        let keys = Arc::new(SigningKeys::from_config(&[], self.deps.entropy.as_ref())?);
        Ok(self.keys.get_or_init(|| keys).clone())
    }

    /// The settings.
    pub fn settings(&self) -> &OAuthSettings {
        &self.settings
    }

    fn now(&self) -> DateTime<Utc> {
        self.deps.clock.now()
    }

    fn now_ms(&self) -> i64 {
        self.now().timestamp_millis()
    }

    fn secret(&self) -> String {
        random_alphanumeric(self.deps.entropy.as_ref(), SECRET_LEN)
    }

    fn store_error(&self, e: StoreError) -> DomainError {
        DomainError::from_store(e, || operation_id(&self.deps), &[])
    }

    fn period(&self, app: &ApplicationRow, from: DateTime<Utc>) -> AccessPeriod {
        match DataAccessType::parse(&app.data_access_type) {
            Ok(DataAccessType::OneTime) => AccessPeriod::OneHour,
            Ok(DataAccessType::ResearchStudy) => AccessPeriod::NoEnd,
            _ => AccessPeriod::ThirteenMonths(
                from.checked_add_months(Months::new(13)).unwrap_or(from),
            ),
        }
    }

    // ---------------------------------------------------------------- authorize

    /// `GET /authorize`: checks the request and starts a flow. The client and redirect
    /// URI are checked first; until both are good nothing is redirected anywhere.
    pub async fn start_authorization(
        &self,
        p: AuthorizeParams,
    ) -> Result<StartedFlow, AuthorizeError> {
        let client_id = p
            .client_id
            .as_deref()
            .and_then(|c| ClientId::parse(c).ok())
            .ok_or(AuthorizeError::UnknownClient)?;
        let app = self
            .deps
            .store
            .application_by_client_id(client_id.as_str())
            .await
            .map_err(|e| AuthorizeError::Domain(self.store_error(e)))?
            .ok_or(AuthorizeError::UnknownClient)?;
        let redirect_uri = match p.redirect_uri.as_deref() {
            Some(uri) => app
                .redirect_uris
                .iter()
                .find(|r| r.as_str() == uri)
                .cloned()
                .ok_or(AuthorizeError::BadRedirectUri)?,
            None if app.redirect_uris.len() == 1 => app.redirect_uris[0].clone(),
            None => return Err(AuthorizeError::BadRedirectUri),
        };
        if !app.active {
            return Err(AuthorizeError::Inactive { app_name: app.name });
        }
        if p.client_secret_in_url {
            return Err(AuthorizeError::Invalid(
                "Illegal query parameter: client_secret must never be sent in a URL".into(),
            ));
        }
        let state = p.state.unwrap_or_default();
        if state.chars().count() < 16 {
            return Err(AuthorizeError::Invalid(
                "state is required and must be at least 16 characters".into(),
            ));
        }
        match p.response_type.as_deref().filter(|t| !t.is_empty()) {
            Some("code") => {}
            // RFC 6749 §4.1.2.1: a missing required parameter is `invalid_request`.
            None => {
                return Err(AuthorizeError::Redirect(error_redirect(
                    &redirect_uri,
                    "invalid_request",
                    "response_type is required",
                    &state,
                )));
            }
            Some(_) => {
                return Err(AuthorizeError::Redirect(error_redirect(
                    &redirect_uri,
                    "unsupported_response_type",
                    "response_type must be code",
                    &state,
                )));
            }
        }
        let challenge = pkce::parse_challenge(
            p.code_challenge.as_deref(),
            p.code_challenge_method.as_deref(),
        )
        .map_err(|e| AuthorizeError::Invalid(e.describe().into()))?;
        let allowed = Scopes::for_app(app.require_demographic_scopes);
        let scopes = match p.scope.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Scopes::default_for_app(app.require_demographic_scopes),
            Some(raw) => {
                let asked = Scopes::parse(raw).map_err(|unknown| {
                    AuthorizeError::Redirect(error_redirect(
                        &redirect_uri,
                        "invalid_scope",
                        &format!("unknown scope {}", unknown.0),
                        &state,
                    ))
                })?;
                asked.intersect(&allowed)
            }
        };
        if scopes.access() == Access::default() && !scopes.contains(Scope::OpenId) {
            return Err(AuthorizeError::Redirect(error_redirect(
                &redirect_uri,
                "invalid_scope",
                "none of the requested scopes can be granted to this application",
                &state,
            )));
        }
        let now = self.now_ms();
        let browser_secret = self.secret();
        let flow = AuthFlowRow {
            id: new_id(self.deps.clock.as_ref(), self.deps.entropy.as_ref()).to_string(),
            application_id: app.id.clone(),
            redirect_uri,
            scopes: scopes.to_string(),
            state,
            code_challenge: challenge,
            nonce: p.nonce.filter(|n| !n.is_empty() && n.len() <= 256),
            lang: p.lang.clone(),
            browser_sha256: sha256(&browser_secret),
            csrf_token: self.secret(),
            bene_id: None,
            upstream: None,
            created_at: now,
            expires_at: now + self.settings.flow_secs * 1000,
            finished_at: None,
        };
        self.deps
            .store
            .insert_auth_flow(&flow)
            .await
            .map_err(|e| AuthorizeError::Domain(self.store_error(e)))?;
        Ok(StartedFlow {
            flow_id: flow.id,
            browser_secret,
            lang: p.lang,
        })
    }

    /// A live flow of this browser, with what its pages show.
    pub async fn flow(&self, id: &str, browser: Option<&str>) -> Result<FlowPage, FlowError> {
        let flow = self
            .deps
            .store
            .auth_flow(id)
            .await?
            .ok_or(FlowError::Gone)?;
        if flow.finished_at.is_some() || flow.expires_at <= self.now_ms() {
            return Err(FlowError::Gone);
        }
        let browser_ok = browser.is_some_and(|b| ct_eq(&sha256(b), &flow.browser_sha256));
        if !browser_ok {
            return Err(FlowError::Forged);
        }
        let app = self
            .deps
            .store
            .application_by_id(&flow.application_id)
            .await?
            .ok_or(FlowError::Gone)?;
        if !app.active {
            return Err(FlowError::Inactive { app_name: app.name });
        }
        let organization = match &app.organization_id {
            Some(org) => self.deps.store.organization_name(org).await?,
            None => None,
        };
        let scopes = Scopes::from_stored(&flow.scopes);
        let period = self.period(&app, self.now());
        Ok(FlowPage {
            flow,
            app,
            organization,
            scopes,
            period,
        })
    }

    fn check_csrf(page: &FlowPage, csrf: &str) -> Result<(), FlowError> {
        if ct_eq(csrf.as_bytes(), page.flow.csrf_token.as_bytes()) {
            Ok(())
        } else {
            Err(FlowError::Forged)
        }
    }

    /// The sandbox login form posted on a flow.
    pub async fn login_on_flow(
        &self,
        id: &str,
        browser: Option<&str>,
        csrf: &str,
        username: &str,
        password: &str,
    ) -> Result<(), LoginRefusal> {
        let page = self.flow(id, browser).await.map_err(LoginRefusal::Flow)?;
        Self::check_csrf(&page, csrf).map_err(LoginRefusal::Flow)?;
        let bene_id = self.check_sandbox_login(username, password).await?;
        self.deps
            .store
            .set_auth_flow_enrollee(id, bene_id)
            .await
            .map_err(|e| LoginRefusal::Domain(self.store_error(e)))?;
        self.audit
            .record(Some(bene_id), Some(&page.app.id), "login", "sandbox");
        Ok(())
    }

    /// Checks a sandbox user name and password with the failure limit; the enrollee on
    /// success.
    pub async fn check_sandbox_login(
        &self,
        username: &str,
        password: &str,
    ) -> Result<i64, LoginRefusal> {
        let store = &self.deps.store;
        let domain = |e: StoreError| LoginRefusal::Domain(self.store_error(e));
        let key = username.trim().to_ascii_lowercase();
        if key.is_empty() || key.len() > 64 || password.is_empty() || password.len() > 128 {
            return Err(LoginRefusal::BadCredentials);
        }
        let now = self.now_ms();
        let window = self.settings.login_lock_secs * 1000;
        let failures = store.login_failures(&key).await.map_err(domain)?;
        if let Some(until) = failures.as_ref().and_then(|f| f.locked_until)
            && until > now
        {
            let minutes = u32::try_from(((until - now) + 59_999) / 60_000).unwrap_or(30);
            return Err(LoginRefusal::Locked { minutes });
        }
        let login = store.sandbox_login(&key).await.map_err(domain)?;
        let ok = match &login {
            Some(login) => {
                match crate::logins::verify_sandbox_password(
                    &login.password_hash,
                    &login.username,
                    password,
                ) {
                    Some(ok) => ok,
                    None => match crate::accounts::Password::attempt(password) {
                        Ok(pw) => {
                            crate::accounts::verify_password(pw, login.password_hash.clone()).await
                        }
                        Err(_) => false,
                    },
                }
            }
            None => false,
        };
        let bene = login
            .as_ref()
            .filter(|_| ok)
            .and_then(|l| l.bene_id.parse::<i64>().ok());
        match bene {
            Some(bene_id) => {
                if failures.is_some() {
                    store.clear_login_failures(&key).await.map_err(domain)?;
                }
                Ok(bene_id)
            }
            None => {
                let mut row = failures.filter(|f| f.first_at + window > now).unwrap_or(
                    bb_store::LoginFailureRow {
                        username_key: key,
                        failures: 0,
                        first_at: now,
                        locked_until: None,
                    },
                );
                row.failures += 1;
                if row.failures >= self.settings.login_max_failures {
                    row.locked_until = Some(now + window);
                    tracing::warn!("sandbox login locked after repeated failures");
                }
                store.put_login_failures(&row).await.map_err(domain)?;
                if row.locked_until.is_some() {
                    Err(LoginRefusal::Locked {
                        minutes: u32::try_from(self.settings.login_lock_secs / 60).unwrap_or(30),
                    })
                } else {
                    Err(LoginRefusal::BadCredentials)
                }
            }
        }
    }

    /// The consent decision. Returns the URL to send the browser to: the client's
    /// redirect URI with `code` and `state`, or with `error=access_denied`.
    pub async fn decide(
        &self,
        id: &str,
        browser: Option<&str>,
        csrf: &str,
        approve: bool,
        share_demographics: bool,
    ) -> Result<String, FlowError> {
        let page = self.flow(id, browser).await?;
        Self::check_csrf(&page, csrf)?;
        let bene_id = page.flow.bene_id.ok_or(FlowError::NotLoggedIn)?;
        let now = self.now();
        let now_ms = now.timestamp_millis();
        if !approve {
            if !self.deps.store.finish_auth_flow(id, now_ms).await? {
                return Err(FlowError::Gone);
            }
            self.audit
                .record(Some(bene_id), Some(&page.app.id), "deny", "");
            return Ok(error_redirect(
                &page.flow.redirect_uri,
                "access_denied",
                "The enrollee denied access",
                &page.flow.state,
            ));
        }
        let scopes = if share_demographics {
            page.scopes.clone()
        } else {
            page.scopes.without_demographics()
        };
        let expires_at = match self.period(&page.app, now) {
            AccessPeriod::ThirteenMonths(end) => Some(end.timestamp_millis()),
            // A one-time grant ends with its one access token.
            AccessPeriod::OneHour => Some(now_ms + self.settings.access_token_secs * 1000),
            AccessPeriod::NoEnd => None,
        };
        let grant = GrantRow {
            application_id: page.app.id.clone(),
            bene_id,
            scopes: scopes.to_string(),
            demographics: scopes.has_demographics(),
            created_at: now_ms,
            expires_at,
        };
        let code = self.secret();
        let code_row = AuthCodeRow {
            code_sha256: sha256(&code),
            application_id: page.app.id.clone(),
            bene_id,
            redirect_uri: page.flow.redirect_uri.clone(),
            scopes: grant.scopes.clone(),
            code_challenge: page.flow.code_challenge.clone(),
            nonce: page.flow.nonce.clone(),
            expires_at: now_ms + self.settings.code_secs * 1000,
            used_at: None,
        };
        if !self
            .deps
            .store
            .record_consent(id, now_ms, &grant, &code_row)
            .await?
        {
            return Err(FlowError::Gone);
        }
        self.audit
            .record(Some(bene_id), Some(&page.app.id), "consent", &grant.scopes);
        let mut url = page.flow.redirect_uri.clone();
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str("code=");
        url.push_str(&code);
        url.push_str("&state=");
        url.push_str(&encode(&page.flow.state));
        Ok(url)
    }

    // ---------------------------------------------------------------- upstream login

    /// With an upstream provider: the URL that starts its login for this flow.
    pub async fn upstream_begin(
        &self,
        id: &str,
        browser: Option<&str>,
    ) -> Result<String, FlowError> {
        let upstream = self.upstream.clone().ok_or(FlowError::Gone)?;
        self.flow(id, browser).await?;
        let (url, pending) = upstream.start(id, self.deps.entropy.as_ref());
        let json = serde_json::to_string(&pending)
            .map_err(|e| FlowError::Domain(DomainError::internal(operation_id(&self.deps), &e)))?;
        if !self.deps.store.set_auth_flow_upstream(id, &json).await? {
            return Err(FlowError::Gone);
        }
        Ok(url)
    }

    /// With an upstream provider: its callback. Logs the enrollee in on the flow named by
    /// `state` and returns the flow id (the caller sends the browser to consent).
    pub async fn upstream_finish(
        &self,
        state: &str,
        code: &str,
        browser: Option<&str>,
    ) -> Result<String, FlowError> {
        let upstream = self.upstream.clone().ok_or(FlowError::Gone)?;
        let id = UpstreamOidc::flow_id_of(state)
            .ok_or(FlowError::Forged)?
            .to_owned();
        let page = self.flow(&id, browser).await?;
        let pending: UpstreamPending = page
            .flow
            .upstream
            .as_deref()
            .and_then(|j| serde_json::from_str(j).ok())
            .ok_or(FlowError::Forged)?;
        let identity = upstream
            .finish(state, code, &pending, self.now())
            .await
            .map_err(FlowError::Domain)?;
        let mbi = identity.mbi.ok_or(FlowError::NoData)?;
        let bene_id = self
            .deps
            .store
            .beneficiary_by_mbi(&mbi)
            .await?
            .ok_or(FlowError::NoData)?;
        if !self.deps.store.set_auth_flow_enrollee(&id, bene_id).await? {
            return Err(FlowError::Gone);
        }
        self.audit
            .record(Some(bene_id), Some(&page.app.id), "login", "upstream");
        Ok(id)
    }

    // ---------------------------------------------------------------- token endpoint

    /// Authenticates the calling application (RFC 6749 §2.3.1).
    pub async fn authenticate_client(
        &self,
        creds: &ClientCredentials,
    ) -> Result<ApplicationRow, TokenError> {
        let refused = || TokenError::new(401, "invalid_client", "Client authentication failed.");
        let client_id = creds
            .client_id
            .as_deref()
            .and_then(|c| ClientId::parse(c).ok())
            .ok_or_else(refused)?;
        let secret = creds.client_secret.as_ref().ok_or_else(refused)?;
        let app = self
            .deps
            .store
            .application_by_client_id(client_id.as_str())
            .await
            .map_err(|e| self.store_error(e))?
            .ok_or_else(refused)?;
        if !ClientSecret::presented(&secret.0).matches(&app.client_secret_sha256) {
            return Err(refused());
        }
        if !app.active {
            return Err(TokenError::new(
                403,
                "invalid_client",
                format!(
                    "This application, {}, is temporarily inactive. If you are the app maintainer, please contact the Blue Button API team. If you are a Medicare Beneficiary and need assistance, please contact the application's support team or call 1-800-MEDICARE (1-800-633-4227).",
                    app.name
                ),
            ));
        }
        Ok(app)
    }

    /// `POST /token`.
    pub async fn token(&self, p: TokenParams) -> Result<TokenResponse, TokenError> {
        let grant_type = p.grant_type.clone().unwrap_or_default();
        if !matches!(grant_type.as_str(), "authorization_code" | "refresh_token") {
            return Err(if grant_type.is_empty() {
                TokenError::new(400, "invalid_request", "grant_type is required")
            } else {
                TokenError::new(
                    400,
                    "unsupported_grant_type",
                    "grant_type must be authorization_code or refresh_token",
                )
            });
        }
        let app = self.authenticate_client(&p.client).await?;
        if grant_type == "authorization_code" {
            self.exchange_code(&app, &p).await
        } else {
            self.refresh(&app, &p).await
        }
    }

    async fn exchange_code(
        &self,
        app: &ApplicationRow,
        p: &TokenParams,
    ) -> Result<TokenResponse, TokenError> {
        let code = p
            .code
            .as_deref()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| TokenError::new(400, "invalid_request", "code is required"))?;
        // RFC 7636 §4.5 makes the verifier required: its absence is a malformed request
        // (RFC 6749 §5.2 `invalid_request`, as oauthlib answers) and spends nothing.
        if p.code_verifier.as_deref().is_none_or(str::is_empty) {
            return Err(TokenError::new(
                400,
                "invalid_request",
                "code_verifier is required (PKCE)",
            ));
        }
        let now = self.now_ms();
        let code_sha256 = sha256(code);
        // Read first and spend in the same transaction as the token pair: one commit per
        // exchange. A request that fails a check below still spends the code.
        let row = match self
            .deps
            .store
            .auth_code(&code_sha256)
            .await
            .map_err(|e| self.store_error(e))?
        {
            None => {
                return Err(TokenError::invalid_grant(
                    "The authorization code is not valid.",
                ));
            }
            Some(row) if row.used_at.is_some() => return Err(self.code_replayed(app, &row).await),
            Some(row) => row,
        };
        if let Err(refusal) = self.check_code(app, p, &row, now) {
            if let CodeRedemption::Replayed(spent) = self
                .deps
                .store
                .redeem_code(&code_sha256, now)
                .await
                .map_err(|e| self.store_error(e))?
            {
                return Err(self.code_replayed(app, &spent).await);
            }
            return Err(refusal);
        }
        let grant = self
            .deps
            .store
            .grant(&app.id, row.bene_id)
            .await
            .map_err(|e| self.store_error(e))?
            .ok_or_else(|| TokenError::invalid_grant("The enrollee's authorization has ended."))?;
        // A consent stores its grant and its code with the same time, so a code issued
        // before the grant's consent belongs to a grant since replaced (a later consent,
        // perhaps withholding demographics): one token set per enrollee and app.
        if row.expires_at - self.settings.code_secs * 1000 < grant.created_at {
            self.deps
                .store
                .redeem_code(&code_sha256, now)
                .await
                .map_err(|e| self.store_error(e))?;
            return Err(TokenError::invalid_grant(
                "The authorization code was replaced by a later authorization.",
            ));
        }
        let scopes = Scopes::from_stored(&row.scopes);
        let mut response = match self
            .issue(
                app,
                row.bene_id,
                &scopes,
                grant.expires_at,
                Spend::Code(&code_sha256),
            )
            .await
        {
            Err(IssueError::AlreadySpent) => return Err(self.code_replayed(app, &row).await),
            Err(IssueError::Token(e)) => return Err(e),
            Ok(response) => response,
        };
        if scopes.contains(Scope::OpenId) {
            response.id_token = Some(
                self.id_token(app, row.bene_id, row.nonce.clone(), &p.issuer)
                    .await?,
            );
        }
        self.audit
            .record(Some(row.bene_id), Some(&app.id), "token", &response.scope);
        Ok(response)
    }

    /// The checks a code must pass besides being unspent: client, expiry, redirect URI and
    /// PKCE verifier.
    fn check_code(
        &self,
        app: &ApplicationRow,
        p: &TokenParams,
        row: &AuthCodeRow,
        now: i64,
    ) -> Result<(), TokenError> {
        if row.application_id != app.id {
            return Err(TokenError::invalid_grant(
                "The authorization code was issued to another client.",
            ));
        }
        if row.expires_at <= now {
            return Err(TokenError::invalid_grant(
                "The authorization code has expired.",
            ));
        }
        let redirect_ok = match p.redirect_uri.as_deref() {
            Some(uri) => uri == row.redirect_uri,
            None => app.redirect_uris.len() == 1,
        };
        if !redirect_ok {
            return Err(TokenError::invalid_grant(
                "redirect_uri does not match the authorization request.",
            ));
        }
        let verifier_ok = p
            .code_verifier
            .as_deref()
            .is_some_and(|v| pkce::verify(v, &row.code_challenge));
        if !verifier_ok {
            return Err(TokenError::invalid_grant(
                "code_verifier does not match the code_challenge.",
            ));
        }
        Ok(())
    }

    /// A code presented again (RFC 6749 §4.1.2): it may have been stolen, so what it issued
    /// to this client dies.
    async fn code_replayed(&self, app: &ApplicationRow, row: &AuthCodeRow) -> TokenError {
        if row.application_id == app.id {
            let now = self.now_ms();
            if let Err(e) = self
                .deps
                .store
                .revoke_pair_tokens(&row.application_id, row.bene_id, now)
                .await
            {
                return TokenError::Domain(self.store_error(e));
            }
            self.audit
                .record(Some(row.bene_id), Some(&app.id), "code-replay", "");
        }
        TokenError::invalid_grant(
            "The authorization code was already used; the tokens it issued are revoked.",
        )
    }

    async fn refresh(
        &self,
        app: &ApplicationRow,
        p: &TokenParams,
    ) -> Result<TokenResponse, TokenError> {
        let token = p
            .refresh_token
            .as_deref()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| TokenError::new(400, "invalid_request", "refresh_token is required"))?;
        if DataAccessType::parse(&app.data_access_type).ok() == Some(DataAccessType::OneTime) {
            return Err(TokenError::new(
                403,
                "invalid_client",
                "Your application is not allowed to refresh tokens. Ask the enrollee to authorize again.",
            ));
        }
        let old = self
            .deps
            .store
            .refresh_token(&sha256(token))
            .await
            .map_err(|e| self.store_error(e))?
            .filter(|r| r.application_id == app.id)
            .ok_or_else(|| TokenError::invalid_grant("The refresh token is not valid."))?;
        if old.used_at.is_some() || old.revoked_at.is_some() {
            return Err(TokenError::invalid_grant(
                "The refresh token was already used or revoked.",
            ));
        }
        let now = self.now_ms();
        let grant = self
            .deps
            .store
            .grant(&app.id, old.bene_id)
            .await
            .map_err(|e| self.store_error(e))?
            .ok_or_else(|| TokenError::invalid_grant("The enrollee's authorization has ended."))?;
        if grant.expires_at.is_some_and(|end| end <= now) {
            return Err(TokenError::new(
                401,
                "invalid_grant",
                "User access has timed out. Please ask the user to authorize again.",
            ));
        }
        let granted = Scopes::from_stored(&old.scopes);
        let scopes = match p.scope.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => granted,
            Some(raw) => {
                let asked = Scopes::parse(raw).map_err(|u| {
                    TokenError::new(400, "invalid_scope", format!("unknown scope {}", u.0))
                })?;
                if !granted.covers(&asked) {
                    return Err(TokenError::new(
                        400,
                        "invalid_scope",
                        "A refresh may narrow the granted scopes, never widen them.",
                    ));
                }
                asked
            }
        };
        let response = self
            .issue(
                app,
                old.bene_id,
                &scopes,
                grant.expires_at,
                Spend::Refresh(&old),
            )
            .await
            .map_err(|e| match e {
                IssueError::AlreadySpent => {
                    TokenError::invalid_grant("The refresh token was already used or revoked.")
                }
                IssueError::Token(e) => e,
            })?;
        self.audit
            .record(Some(old.bene_id), Some(&app.id), "refresh", &response.scope);
        Ok(response)
    }

    /// Makes and stores an access and refresh token pair (rotating `old` if given).
    async fn issue(
        &self,
        app: &ApplicationRow,
        bene_id: i64,
        scopes: &Scopes,
        grant_end: Option<i64>,
        spend: Spend<'_>,
    ) -> Result<TokenResponse, IssueError> {
        let now = self.now();
        let now_ms = now.timestamp_millis();
        let ttl_ms = self.settings.access_token_secs * 1000;
        let expires_at = grant_end.map_or(now_ms + ttl_ms, |end| end.min(now_ms + ttl_ms));
        let access_token = self.secret();
        let refresh_token = self.secret();
        let scope = scopes.to_string();
        let access = AccessTokenRow {
            token_sha256: sha256(&access_token),
            application_id: Some(app.id.clone()),
            bene_id,
            scopes: scope.clone(),
            expires_at,
            revoked_at: None,
            created_at: now_ms,
        };
        let refresh = RefreshTokenRow {
            token_sha256: sha256(&refresh_token),
            application_id: app.id.clone(),
            bene_id,
            scopes: scope.clone(),
            access_sha256: access.token_sha256.clone(),
            created_at: now_ms,
            used_at: None,
            revoked_at: None,
        };
        let stored = match spend {
            Spend::Code(code_sha256) => self
                .deps
                .store
                .spend_code_and_insert_pair(code_sha256, now_ms, &access, &refresh)
                .await
                .map_err(|e| IssueError::Token(TokenError::Domain(self.store_error(e))))?,
            Spend::Refresh(old) => self
                .deps
                .store
                .rotate_refresh_token(old, now_ms, &access, &refresh)
                .await
                .map_err(|e| IssueError::Token(TokenError::Domain(self.store_error(e))))?,
        };
        if !stored {
            return Err(IssueError::AlreadySpent);
        }
        let access_grant_expiration = match DataAccessType::parse(&app.data_access_type) {
            Ok(DataAccessType::ResearchStudy) => String::new(),
            Ok(DataAccessType::OneTime) => format_instant(now_ms + ttl_ms),
            _ => grant_end.map(format_instant).unwrap_or_default(),
        };
        Ok(TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in: (expires_at - now_ms) / 1000,
            scope,
            refresh_token,
            patient: bene_id.to_string(),
            access_grant_expiration,
            id_token: None,
        })
    }

    /// Signs the ID token on the blocking pool: an RSA signature takes milliseconds, which
    /// would stall every other request on this worker thread.
    async fn id_token(
        &self,
        app: &ApplicationRow,
        bene_id: i64,
        nonce: Option<String>,
        issuer: &str,
    ) -> Result<String, TokenError> {
        let now = self.now().timestamp();
        let claims = IdTokenClaims {
            iss: issuer.to_owned(),
            sub: bene_id.to_string(),
            aud: app.client_id.clone(),
            exp: now + self.settings.access_token_secs,
            iat: now,
            auth_time: now,
            nonce,
            patient: bene_id.to_string(),
        };
        let keys = self.signing_keys()?;
        let signed = tokio::task::spawn_blocking(move || keys.sign_id_token(&claims))
            .await
            .map_err(|e| TokenError::Domain(DomainError::internal(operation_id(&self.deps), &e)))?;
        Ok(signed?)
    }

    // ---------------------------------------------------------------- revoke, introspect

    /// `POST /revoke_token` (RFC 7009): revokes the caller's access or refresh token.
    /// Succeeds whatever the token is, once the client is authenticated.
    pub async fn revoke_token(
        &self,
        creds: &ClientCredentials,
        token: Option<&str>,
    ) -> Result<(), TokenError> {
        let app = self.authenticate_client(creds).await?;
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Err(TokenError::new(400, "invalid_request", "token is required"));
        };
        let hash = sha256(token);
        let now = self.now_ms();
        let store = &self.deps.store;
        let revoked = store
            .revoke_access_token(&hash, &app.id, now)
            .await
            .map_err(|e| self.store_error(e))?
            || store
                .revoke_refresh_token(&hash, &app.id, now)
                .await
                .map_err(|e| self.store_error(e))?;
        if revoked {
            self.audit.record(None, Some(&app.id), "revoke-token", "");
        }
        Ok(())
    }

    /// `POST /revoke` (BB2): ends the grant the token belongs to; every token of that
    /// enrollee and app dies. Succeeds whatever the token is.
    pub async fn revoke_grant(
        &self,
        creds: &ClientCredentials,
        token: Option<&str>,
    ) -> Result<(), TokenError> {
        let app = self.authenticate_client(creds).await?;
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Err(TokenError::new(400, "invalid_request", "token is required"));
        };
        let hash = sha256(token);
        let store = &self.deps.store;
        let bene = match store
            .access_token(&hash)
            .await
            .map_err(|e| self.store_error(e))?
        {
            Some(row) if row.application_id.as_deref() == Some(app.id.as_str()) => {
                Some(row.bene_id)
            }
            _ => store
                .refresh_token(&hash)
                .await
                .map_err(|e| self.store_error(e))?
                .filter(|r| r.application_id == app.id)
                .map(|r| r.bene_id),
        };
        if let Some(bene_id) = bene {
            store
                .delete_grant(&app.id, bene_id, self.now_ms())
                .await
                .map_err(|e| self.store_error(e))?;
            self.audit
                .record(Some(bene_id), Some(&app.id), "revoke", "by the application");
        }
        Ok(())
    }

    /// `POST /introspect` (RFC 7662).
    pub async fn introspect(
        &self,
        creds: &ClientCredentials,
        token: Option<&str>,
    ) -> Result<Introspection, TokenError> {
        let app = self.authenticate_client(creds).await?;
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Ok(Introspection::default());
        };
        let hash = sha256(token);
        let now = self.now_ms();
        let store = &self.deps.store;
        if let Some(row) = store.bearer(&hash).await.map_err(|e| self.store_error(e))? {
            let live = row.application_id.as_deref() == Some(app.id.as_str())
                && row.revoked_at.is_none()
                && row.expires_at > now;
            if !live {
                return Ok(Introspection::default());
            }
            return Ok(Introspection {
                active: true,
                scope: Some(row.scopes),
                client_id: Some(app.client_id),
                token_type: Some("access_token"),
                exp: Some(row.expires_at / 1000),
                iat: Some(row.created_at / 1000),
                patient: Some(row.bene_id.to_string()),
                sub: Some(row.bene_id.to_string()),
            });
        }
        if let Some(row) = store
            .refresh_token(&hash)
            .await
            .map_err(|e| self.store_error(e))?
        {
            let grant = store
                .grant(&app.id, row.bene_id)
                .await
                .map_err(|e| self.store_error(e))?;
            let live = row.application_id == app.id
                && row.used_at.is_none()
                && row.revoked_at.is_none()
                && grant.is_some_and(|g| g.expires_at.is_none_or(|end| end > now));
            if live {
                return Ok(Introspection {
                    active: true,
                    scope: Some(row.scopes),
                    client_id: Some(app.client_id),
                    token_type: Some("refresh_token"),
                    exp: None,
                    iat: Some(row.created_at / 1000),
                    patient: Some(row.bene_id.to_string()),
                    sub: Some(row.bene_id.to_string()),
                });
            }
        }
        Ok(Introspection::default())
    }

    // ---------------------------------------------------------------- bearer

    /// The bearer check of a FHIR or userinfo call: one SHA-256 and one indexed read (the
    /// token joined with its app's switch). No cache: a revocation or a suspended app is
    /// refused at once on every replica.
    pub async fn bearer(&self, token: &str) -> Result<Bearer, BearerError> {
        let row = self
            .deps
            .store
            .bearer(&Sha256::digest(token.as_bytes()))
            .await
            .map_err(|e| BearerError::Domain(self.store_error(e)))?
            .ok_or(BearerError::Invalid)?;
        if row.revoked_at.is_some()
            || row.expires_at <= self.now_ms()
            || row.app_active == Some(false)
        {
            return Err(BearerError::Invalid);
        }
        Ok(Bearer {
            bene_id: row.bene_id,
            access: Scopes::from_stored(&row.scopes).access(),
            application_id: row.application_id.map(Arc::from),
            issued_at: row.created_at,
        })
    }

    /// Deletes expired flows, codes (a day after their end: until then a replay is still
    /// recognised and revokes what the code issued), enrollee sessions and stale failed-login
    /// counts. `serve` runs it every [`PURGE_EVERY`].
    pub async fn purge_expired(&self) -> Result<bb_store::PurgeReport, DomainError> {
        let now = self.now_ms();
        self.deps
            .store
            .purge_expired(
                now,
                now - CODE_REPLAY_WINDOW_MS,
                now - self.settings.login_lock_secs * 1000,
            )
            .await
            .map_err(|e| self.store_error(e))
    }

    /// Records a FHIR read in the audit trail.
    pub fn record_read(&self, bearer: &Bearer, resource: &str) {
        self.audit.record(
            Some(bearer.bene_id),
            bearer.application_id.as_deref(),
            "read",
            resource,
        );
    }

    // ---------------------------------------------------------------- enrollee pages

    /// Signs an enrollee in on the connected-apps pages; returns the session cookie value.
    pub async fn enrollee_login(
        &self,
        username: &str,
        password: &str,
    ) -> Result<String, LoginRefusal> {
        let bene_id = self.check_sandbox_login(username, password).await?;
        let secret = self.secret();
        let row = EnrolleeSessionRow {
            session_sha256: sha256(&secret),
            bene_id,
            csrf_token: self.secret(),
            expires_at: self.now_ms() + self.settings.session_secs * 1000,
        };
        self.deps
            .store
            .insert_enrollee_session(&row)
            .await
            .map_err(|e| LoginRefusal::Domain(self.store_error(e)))?;
        Ok(secret)
    }

    /// The live session of this cookie value.
    pub async fn enrollee_session(
        &self,
        secret: &str,
    ) -> Result<Option<EnrolleeSession>, DomainError> {
        let row = self
            .deps
            .store
            .enrollee_session(&sha256(secret))
            .await
            .map_err(|e| self.store_error(e))?;
        Ok(row
            .filter(|r| r.expires_at > self.now_ms())
            .map(|r| EnrolleeSession {
                bene_id: r.bene_id,
                csrf_token: r.csrf_token,
            }))
    }

    /// Ends a session.
    pub async fn enrollee_logout(&self, secret: &str) -> Result<(), DomainError> {
        self.deps
            .store
            .delete_enrollee_session(&sha256(secret))
            .await
            .map_err(|e| self.store_error(e))
    }

    /// The enrollee's grants that are still in force.
    pub async fn connected_apps(&self, bene_id: i64) -> Result<Vec<GrantView>, DomainError> {
        let now = self.now_ms();
        Ok(self
            .deps
            .store
            .grants_of(bene_id)
            .await
            .map_err(|e| self.store_error(e))?
            .into_iter()
            .filter(|g| g.grant.expires_at.is_none_or(|end| end > now))
            .collect())
    }

    /// The enrollee ends an app's access: the grant and every token at once. Returns
    /// the app's name, `None` when it had no grant.
    pub async fn enrollee_revoke(
        &self,
        bene_id: i64,
        application_id: &str,
    ) -> Result<Option<String>, DomainError> {
        let store = &self.deps.store;
        let name = store
            .grants_of(bene_id)
            .await
            .map_err(|e| self.store_error(e))?
            .into_iter()
            .find(|g| g.grant.application_id == application_id)
            .map(|g| g.application_name);
        if name.is_some() {
            store
                .delete_grant(application_id, bene_id, self.now_ms())
                .await
                .map_err(|e| self.store_error(e))?;
            self.audit.record(
                Some(bene_id),
                Some(application_id),
                "revoke",
                "by the enrollee",
            );
        }
        Ok(name)
    }

    /// The enrollee's audit records, newest first (queued records written first).
    pub async fn audit_of(
        &self,
        bene_id: i64,
        limit: i64,
    ) -> Result<Vec<AuditEventView>, DomainError> {
        self.audit.flush().await;
        self.deps
            .store
            .audit_events_of(bene_id, limit)
            .await
            .map_err(|e| self.store_error(e))
    }

    /// The enrollee's name for userinfo: (given, family).
    pub async fn enrollee_name(&self, bene_id: i64) -> Result<(String, String), DomainError> {
        let years = self
            .deps
            .store
            .beneficiary_years(bene_id)
            .await
            .map_err(|e| self.store_error(e))?;
        let Some(latest) = years.iter().max_by_key(|r| r.rfrnc_yr) else {
            return Ok((String::new(), String::new()));
        };
        let bene = crate::claims::rows::beneficiary_of(latest)
            .map_err(|e| DomainError::internal(operation_id(&self.deps), &e))?;
        Ok((
            bene.bene_gvn_name.to_string(),
            bene.bene_srnm_name.to_string(),
        ))
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
fn format_instant(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// Percent-encodes a query value (RFC 3986 unreserved characters kept).
fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// `redirect_uri?error=…&error_description=…&state=…`.
fn error_redirect(redirect_uri: &str, error: &str, description: &str, state: &str) -> String {
    let mut url = redirect_uri.to_owned();
    url.push(if url.contains('?') { '&' } else { '?' });
    url.push_str("error=");
    url.push_str(error);
    url.push_str("&error_description=");
    url.push_str(&encode(description));
    if !state.is_empty() {
        url.push_str("&state=");
        url.push_str(&encode(state));
    }
    url
}

/// How long a spent or expired code is kept, so that presenting it again is answered as a
/// replay (and revokes what it issued) rather than as an unknown code.
const CODE_REPLAY_WINDOW_MS: i64 = 24 * 3_600_000;

/// How often `serve` purges expired authorization data.
pub const PURGE_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// What a new token pair is paid with: a code (spent in the same transaction) or a refresh
/// token (rotated in the same transaction).
enum Spend<'a> {
    Code(&'a [u8]),
    Refresh(&'a RefreshTokenRow),
}

/// Why [`OAuth::issue`] stored nothing.
enum IssueError {
    /// The code or refresh token was spent by a concurrent request.
    AlreadySpent,
    /// Anything else, as the token endpoint reports it.
    Token(TokenError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_keep_existing_queries_and_encode_state() {
        assert_eq!(
            error_redirect("myapp://cb?x=1", "access_denied", "no", "a b=c"),
            "myapp://cb?x=1&error=access_denied&error_description=no&state=a+b%3Dc"
        );
        assert_eq!(format_instant(0), "1970-01-01T00:00:00Z");
    }
}
